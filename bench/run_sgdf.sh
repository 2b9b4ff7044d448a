#!/bin/sh
# The SGDF benchmark: bench/run.sh sgdf [options]
exec "$(dirname "$0")/run.sh" sgdf "$@"

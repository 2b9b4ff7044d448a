#!/bin/sh
# The several-users benchmark: bench/run.sh users [options]
exec "$(dirname "$0")/run.sh" users "$@"

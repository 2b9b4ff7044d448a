#!/bin/sh
# Local SGDF averaging at large d, blocking against overlapped: bench/run.sh average [options]
exec "$(dirname "$0")/run.sh" average "$@"

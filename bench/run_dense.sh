#!/bin/sh
# The dense-path benchmark: bench/run.sh dense [options]
exec "$(dirname "$0")/run.sh" dense "$@"

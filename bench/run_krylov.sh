#!/bin/sh
# The Krylov-path benchmark: bench/run.sh krylov [options]
exec "$(dirname "$0")/run.sh" krylov "$@"

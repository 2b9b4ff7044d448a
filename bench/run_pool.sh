#!/bin/sh
# The streamed pool-scoring benchmark: bench/run.sh pool [options]
exec "$(dirname "$0")/run.sh" pool "$@"

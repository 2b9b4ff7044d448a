#!/bin/sh
# Builds curio if needed and runs the Krylov-path benchmark (bench/README.md) with its default sizes.
#
#   bench/run_krylov.sh                         # sparse 10^6 x 10^5 (20 per row) and dense 100000 x 400, best of 3, JSON in bench/results/krylov.json
#   bench/run_krylov.sh --n 100000 --d 10000    # any bench_krylov.py option; later options override the defaults here
#
# Environment: CURIO_BUILD (build directory, default <repo>/build), PYTHON (default /usr/bin/python3).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${CURIO_BUILD:-$root/build}
python=${PYTHON:-/usr/bin/python3}

# configure once, then an incremental build (a no-op when build/curio is up to date)
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build"
fi
cmake --build "$build" -j2 >/dev/null

# Open MPI refuses to run as root unless told that it is on purpose (containers, CI)
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

exec "$python" "$root/bench/bench_krylov.py" --curio "$build/curio" --json "$root/bench/results/krylov.json" "$@"

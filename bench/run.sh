#!/bin/sh
# Builds curio if needed and runs one benchmark (bench/README.md) with its default sizes.
#
#   bench/run.sh dense                      # bench_dense.py: n = 100000, d = 400; JSON in build-bench/results/dense.json
#   bench/run.sh krylov                     # bench_krylov.py: sparse 10^6 x 10^5 and dense 100000 x 400
#   bench/run.sh dense --n 20000 --d 200    # any option of the script; later options override the defaults here
#
# Environment: CURIO_BUILD (build directory, default <repo>/build-bench, configured with -DCURIO_NATIVE=ON: the
# figures in bench/README.md are for code tuned to the machine), CURIO_BENCH_JSON (where the results go, default
# <build>/results/NAME.json; give bench/results/NAME.json to update the recorded figures), PYTHON (default
# /usr/bin/python3).
set -eu

name=${1:?usage: bench/run.sh dense|krylov [options]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CURIO_BUILD:-$root/build-bench}
python=${PYTHON:-/usr/bin/python3}
[ -f "$root/bench/bench_$name.py" ] || { echo "bench/run.sh: no benchmark '$name' (bench/bench_$name.py)" >&2; exit 2; }

# configure once, then an incremental build (a no-op when build/curio is up to date)
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCURIO_NATIVE=ON -DCURIO_ENABLE_TESTS=OFF
fi
json=${CURIO_BENCH_JSON:-$build/results/$name.json}
mkdir -p "$(dirname "$json")"
cmake --build "$build" -j2 >/dev/null

# Open MPI refuses to run as root unless told that it is on purpose (containers, CI)
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

exec "$python" "$root/bench/bench_$name.py" --curio "$build/curio" --json "$json" "$@"

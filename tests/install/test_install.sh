#!/usr/bin/env bash
# Installs curio into a temporary prefix, builds a small downstream C program against it with pkg-config and with
# CMake's find_package(curio), runs both, and runs the installed curio from outside the source tree.
# Usage: test_install.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
echo "installed into $prefix:"; (cd "$prefix" && find . -maxdepth 3 -type d | sort | sed 's/^/  /')
libdir=$(dirname "$(find "$prefix" -name 'curio.pc' -print -quit)")/..
mpiexec=(mpiexec --oversubscribe -n 2)

# 1. pkg-config (curio.pc names PETSc's own module); MPI through the MPI compiler wrapper
export PKG_CONFIG_PATH="$libdir/pkgconfig:${PKG_CONFIG_PATH:-}"
mpicc -o "$work/consumer_pc" "$here/consumer.c" $(pkg-config --cflags --libs curio)
"${mpiexec[@]}" "$work/consumer_pc" -curio_output "$work/unused.h5" | tee "$work/pc.out"
grep -q "consumer: curio" "$work/pc.out"

# 2. CMake: find_package(curio) with CMAKE_PREFIX_PATH
cmake -S "$here" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
"${mpiexec[@]}" "$work/cmake-build/consumer" | tee "$work/cmake.out"
grep -q "consumer: curio" "$work/cmake.out"

# 3. the installed executable, from a directory outside the source and build trees, without LD_LIBRARY_PATH
cd "$work"
env -u LD_LIBRARY_PATH "${mpiexec[@]}" "$prefix/bin/curio" -curio_output "$work/run.h5" >/dev/null
test -s "$work/run.h5"
echo "installed curio wrote $work/run.h5"
echo "install test: 3 passed, 0 failed"

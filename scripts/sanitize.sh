#!/usr/bin/env bash
# Builds curio with AddressSanitizer and UndefinedBehaviorSanitizer in its own directory (build-asan/, the portable
# target) and runs tests there: by default a subset that covers the readers, the io layer, checkpoints and the solvers
# (every unit test, the bad-input, size, overflow, checkpoint-verify and io tests, the fuzz driver); `--all` runs the
# whole suite (hours under the sanitizers on 2 cores), `-R REGEX` picks tests. Leak detection is off: Open MPI and
# HDF5 keep their allocations until exit. Any ASan or UBSan report fails its test (halt_on_error); the reports are
# counted at the end from the test logs.
#
#     nice bash scripts/sanitize.sh [--all | -R REGEX] [-j N]
set -euo pipefail
cd "$(dirname "$0")/.."
regex='^(t0[0-9][0-9]_.*_np[12]|bad_input|sizes_np[12]|degenerate_np[12]|checkpoint_verify_np[12]|io_np[12]|fuzz_readers_np[12]|options.*)$'
jobs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --all) regex='.*'; shift ;;
    -R) regex="$2"; shift 2 ;;
    -j) jobs="$2"; shift 2 ;;
    *) echo "usage: sanitize.sh [--all | -R REGEX] [-j N]" >&2; exit 2 ;;
  esac
done
flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
      -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
source scripts/mpienv.sh
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0:exitcode=86"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87"
status=0
ctest --test-dir build-asan -E slurm -R "$regex" -j"$jobs" --output-on-failure --timeout 1800 > build-asan/sanitize.log 2>&1 || status=$?
asan=$(grep -c "ERROR: AddressSanitizer" build-asan/sanitize.log || true)
ubsan=$(grep -c "runtime error:" build-asan/sanitize.log || true)
grep -E "tests passed|tests failed" build-asan/sanitize.log || true
echo "sanitize.sh: $asan AddressSanitizer reports, $ubsan UndefinedBehaviorSanitizer reports (log: build-asan/sanitize.log)"
[ "$status" -eq 0 ] && [ "$asan" -eq 0 ] && [ "$ubsan" -eq 0 ]

#!/usr/bin/env bash
# Quick start, step 2: installs what is missing, builds curio and runs the whole test suite (CUnit programs and
# integration runs at 1, 2 and 4 ranks, post-processing, bad input, Slurm jobscripts). Extra arguments go to ctest,
# e.g. bash scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
bash scripts/build.sh
source scripts/mpienv.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"

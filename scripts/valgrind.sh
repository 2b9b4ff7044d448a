#!/usr/bin/env bash
# Runs curio under valgrind (memcheck) on a portable build (build-valgrind/, -DCURIO_NATIVE=OFF: no AVX-512 that
# valgrind cannot decode): the 10 default jobs below, each at 2 ranks, and counts valgrind's errors per job from
# --error-exitcode and the "ERROR SUMMARY" lines. The MPI runtime's own reports (PMIx sends padding bytes) are
# suppressed by scripts/valgrind.supp, and by Open MPI's openmpi-valgrind.supp where installed.
#
#     nice bash scripts/valgrind.sh [NP]
set -euo pipefail
cd "$(dirname "$0")/.."
np="${1:-2}"
cmake -S . -B build-valgrind -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCURIO_NATIVE=OFF >/dev/null
cmake --build build-valgrind -j2 --target curio_exe >/dev/null
source scripts/mpienv.sh
out=build-valgrind/valgrind
rm -rf "$out" && mkdir -p "$out/ck"
/usr/bin/python3 tests/integration/make_input.py "$out/features.h5" --n 120 --d 6 >/dev/null
/usr/bin/python3 tests/integration/make_input.py "$out/csr.h5" --n 120 --d 6 --zero-fraction 0.6 --csr >/dev/null
/usr/bin/python3 tests/integration/make_input.py "$out/al.h5" --n 8 --d 4 --no-weights >/dev/null
/usr/bin/python3 tests/integration/make_input.py "$out/logistic.h5" --n 120 --d 6 --loss logistic >/dev/null
supp="--suppressions=scripts/valgrind.supp"
for s in /usr/share/openmpi/openmpi-valgrind.supp /usr/share/openmpi/doc/openmpi-valgrind.supp; do [ -f "$s" ] && supp="$supp --suppressions=$s"; done
vg="valgrind --error-exitcode=99 --errors-for-leak-kinds=none --track-origins=no $supp"
jobs=(
  "builtin|"
  "features|-curio_input $out/features.h5"
  "intercept_restricted|-curio_input $out/features.h5 -curio_intercept -curio_regularizer restricted"
  "krylov|-curio_input $out/features.h5 -curio_solver krylov -curio_s 0.5"
  "logistic|-curio_input $out/logistic.h5 -curio_loss logistic -curio_s 1 -curio_loocv false"
  "csr|-curio_input $out/csr.h5 -curio_s 1"
  "influence|-curio_input $out/features.h5 -curio_influence -curio_select_k 3"
  "sgdf|-curio_mode sgdf -curio_sgdf_synthetic 500,20,4 -curio_s 1 -curio_sgdf_lr 1e-3 -curio_sgdf_epochs 1 -curio_checkpoint_prefix $out/ck/c -curio_checkpoint_every 20"
  "sgdf_restart|-curio_mode sgdf -curio_sgdf_synthetic 500,20,4 -curio_s 1 -curio_sgdf_lr 1e-3 -curio_sgdf_epochs 2 -curio_checkpoint_prefix $out/ck/c -curio_restart auto"
  "active|-curio_mode active -curio_input $out/al.h5 -curio_al_budget 20 -curio_al_batch 2 -curio_s 0.5 -curio_al_retune_every 0"
)
total=0
failed=0
for job in "${jobs[@]}"; do
  name="${job%%|*}"
  args="${job#*|}"
  rc=0
  # shellcheck disable=SC2086
  mpiexec -n "$np" $vg build-valgrind/curio $args -curio_output "$out/out_$name.h5" > "$out/$name.log" 2>&1 || rc=$?
  errs=$(grep -h "ERROR SUMMARY" "$out/$name.log" | awk '{s += $4} END {print s + 0}')
  total=$((total + errs))
  [ "$rc" -ne 0 ] && failed=$((failed + 1))
  printf "%-22s exit %3d  valgrind errors %d\n" "$name" "$rc" "$errs"
done
echo "valgrind.sh: ${#jobs[@]} jobs at $np ranks, $total valgrind errors, $failed jobs with a non-zero exit (logs: $out/*.log)"
[ "$total" -eq 0 ] && [ "$failed" -eq 0 ]

#!/usr/bin/env bash
# study.sh -- the active-learning study in one command (protocol v2, README "Active-learning results"): every strategy
# on every data set of inputs/al, 30 seeds each, then the learning curves, tables, ranking and recommendation.
#
#     bash scripts/study.sh [extra curio options...]
#
# 1. builds curio if build/curio is missing (scripts/build.sh);
# 2. runs `curio -curio_mode study` on 2 MPI ranks (one run per rank) over the regression data sets of inputs/al
#    (root attribute task = "regression") with the squared loss and every strategy;
# 3. runs it again on the classification data sets with -curio_loss logistic, into the same directory;
# 4. postprocess/al_report.py DIR --out DIR/report (add --readme README.md to regenerate README's results section).
# Extra arguments are passed to both study runs (after the defaults, so they win: PETSc keeps the last value).
#
# Protocol (README, "Protocol"): seed set max(d + 1, 20) drawn at random (stratified by class for the logistic
# loss), a fresh random pool/test split per seed (-curio_al_split random, the study's default), batch 5, budget 100,
# s by LOOCV every round on the default grid relative to the Gram ([1e-6 min_j G_jj, 1e3 lambda_max(G)] / n) with
# the floor 0.01 lambda_max(G)/n (-curio_al_s_floor), intercept not penalized (restricted ridge). The grid has 31
# points (2.5 per decade) instead of 81: the optimum is refined between grid neighbours, and the logistic runs' LOOCV
# (one Newton fit per grid point) dominates the study's time. A run file written
# with other settings stops the study (-curio_study_overwrite reruns it); the report refuses to mix settings.
#
# Environment: CURIO_BIN (default build/curio, built if missing), CURIO_NP (ranks, default 2), CURIO_STUDY_DIR
# (default runs/study), CURIO_STUDY_SEEDS (default 30), CURIO_STUDY_STRATEGIES (default: all, below),
# CURIO_STUDY_LOGISTIC_STRATEGIES (default: the same; empty skips the logistic part), CURIO_STUDY_DATASETS
# (comma-separated names of inputs/al, default all), CURIO_STUDY_README (a file whose results section the report
# regenerates, default none).
# Every run writes DIR/<dataset>__<strategy>__seed<k>.h5; see postprocess/README.md for the report.
set -euo pipefail
cd "$(dirname "$0")/.."
me=study

np=${CURIO_NP:-2}
dir=${CURIO_STUDY_DIR:-runs/study}
seeds=${CURIO_STUDY_SEEDS:-30}
all=sld,sti,ssi,var,random,gsx,sld_batch,emcm,igs,leverage,maxdet,oracle_greedy
strategies=${CURIO_STUDY_STRATEGIES:-$all}
logistic_strategies=${CURIO_STUDY_LOGISTIC_STRATEGIES-$all}
only=${CURIO_STUDY_DATASETS:-}
readme=${CURIO_STUDY_README:-}
py=/usr/bin/python3

bin=${CURIO_BIN:-build/curio}
[[ -n ${CURIO_BIN:-} || -x build/curio ]] || bash scripts/build.sh
source scripts/mpienv.sh

# The data sets by task, from each file's root attribute 'task'; comma-separated lists for -curio_study_inputs.
read -r regression classification < <(CURIO_STUDY_DATASETS="$only" "$py" - <<'EOF'
import glob, h5py, os
reg, cls = [], []
only = [x for x in os.environ.get("CURIO_STUDY_DATASETS", "").split(",") if x]
for p in sorted(glob.glob("inputs/al/*.h5")):
    if only and os.path.basename(p)[:-3] not in only:
        continue
    with h5py.File(p, "r") as f:
        (cls if f.attrs.get("task") == "classification" else reg).append(p)
print(",".join(reg) or "-", ",".join(cls) or "-")
EOF
) || true
if [[ -z ${regression:-} || $regression == - ]]; then
  echo "$me: error: no regression data sets in inputs/al (run bash scripts/export-datasets.sh)" >&2
  exit 2
fi

common=(-curio_mode study -curio_study_seeds "$seeds" -curio_study_dir "$dir"
        -curio_al_batch 5 -curio_al_budget 100 -curio_intercept -curio_regularizer restricted -curio_loocv_ns 31 -curio_monitor)
mkdir -p -- "$dir"
start=$SECONDS

echo "$me: squared loss on $regression with $strategies, $seeds seeds, $np ranks"
mpiexec -n "$np" "$bin" "${common[@]}" -curio_study_inputs "$regression" \
  -curio_study_strategies "$strategies" "$@"

if [[ $classification != - && -n $logistic_strategies ]]; then
  echo "$me: logistic loss on $classification with $logistic_strategies"
  mpiexec -n "$np" "$bin" "${common[@]}" -curio_loss logistic -curio_study_inputs "$classification" \
    -curio_study_strategies "$logistic_strategies" "$@"
fi
echo "$me: study done in $((SECONDS - start)) s; writing the report"

"$py" postprocess/al_report.py "$dir" --out "$dir/report" ${readme:+--readme "$readme"}
echo "$me: results in $dir/ (report.md, report.csv, report.json, report_curves.png, report_<dataset>.png)"

#!/usr/bin/env bash
# study-mix.sh -- the paper's open question 3 (a principled combination of the tangent heuristic with the classic one),
# chosen on some data sets and evaluated on others:
#
#     bash scripts/study-mix.sh            (after scripts/study.sh, whose runs of the held-out sets it reuses)
#
# Strategy sld_var ranks the pool by SLD^alpha VAR^(1 - alpha) (src/active/strategies.c). alpha is chosen on the
# TUNING group only (boston, concrete, cpus, diabetes, breast_cancer; 10 seeds, alpha in 0.25, 0.5, 0.75), by the
# best average rank of mean AULC over those sets; then sld_var with that alpha runs on the HELD-OUT group (ames,
# biomass, quakes, pima, biopsy; 30 seeds, the protocol of study.sh), and postprocess/al_report.py compares it there
# with every strategy of the main study (its runs of the held-out sets are linked, not rerun).
#
# Environment: CURIO_STUDY_DIR (the main study, default runs/study), CURIO_MIX_DIR (default runs/study_mix),
# CURIO_MIX_TUNE_SEEDS (default 10), CURIO_STUDY_SEEDS (default 30), and study.sh's CURIO_BIN, CURIO_NP.
set -euo pipefail
cd "$(dirname "$0")/.."
me=study-mix
main=${CURIO_STUDY_DIR:-runs/study}
mix=${CURIO_MIX_DIR:-runs/study_mix}
tune_seeds=${CURIO_MIX_TUNE_SEEDS:-10}
tuning=boston,concrete,cpus,diabetes,breast_cancer
heldout=ames,biomass,quakes,pima,biopsy
py=/usr/bin/python3
mkdir -p -- "$mix"

for a in 0.25 0.5 0.75; do
  echo "$me: tuning alpha = $a on $tuning ($tune_seeds seeds)"
  CURIO_STUDY_DIR="$mix/tune_$a" CURIO_STUDY_SEEDS=$tune_seeds CURIO_STUDY_DATASETS=$tuning CURIO_STUDY_STRATEGIES=sld_var \
    CURIO_STUDY_LOGISTIC_STRATEGIES=sld_var bash scripts/study.sh -curio_al_mix_alpha "$a" > "$mix/tune_$a.log"
done
alpha=$("$py" - "$mix" <<'PYEOF'
import glob, os, sys
import h5py, numpy as np
from scipy import stats
mix = sys.argv[1]
alphas = ["0.25", "0.5", "0.75"]
aulc = {}
for a in alphas:
    for p in glob.glob(os.path.join(mix, f"tune_{a}", "*__sld_var__seed*.h5")):
        with h5py.File(p) as f:
            n, e = f["rounds/n_labeled"][:], f["rounds/test_error"][:]
            aulc.setdefault(f.attrs["dataset_name"], {}).setdefault(a, []).append(np.trapz(e, n) / (n[-1] - n[0]))
R = np.array([stats.rankdata([np.mean(aulc[ds][a]) for a in alphas]) for ds in sorted(aulc)])
avg = R.mean(axis=0)
for a, r in zip(alphas, avg):
    print(f"study-mix: tuning: alpha {a}: average rank {r:.2f} over {len(aulc)} data sets", file=sys.stderr)
print(alphas[int(np.argmin(avg))])
PYEOF
)
echo "$me: chosen alpha = $alpha (tuning group only); evaluating on $heldout"
held="$mix/heldout"
mkdir -p -- "$held"
CURIO_STUDY_DIR="$held" CURIO_STUDY_DATASETS=$heldout CURIO_STUDY_STRATEGIES=sld_var CURIO_STUDY_LOGISTIC_STRATEGIES=sld_var \
  bash scripts/study.sh -curio_al_mix_alpha "$alpha" > "$mix/heldout.log"
for ds in ${heldout//,/ }; do
  for f in "$main/${ds}__"*.h5; do
    [[ -e $f ]] && ln -sf "$(realpath "$f")" "$held/$(basename "$f")"
  done
done
echo "$alpha" > "$mix/alpha.txt"
"$py" postprocess/al_report.py "$held" --out "$held/report"
echo "$me: held-out report in $held/report.md (sld_var with alpha = $alpha against the main study's strategies)"

#!/usr/bin/env bash
# Quick start, step 1: installs what is missing (Debian 12), builds curio, and runs the default job on 2 MPI ranks:
# the paper's section 3.3 example (built in, no input needed). Leaves runs/default/curio.h5 and three figures
# runs/default/curio_fig{1,2,3}.png (the paper's figures 1-3).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
bash scripts/build.sh
source scripts/mpienv.sh
mkdir -p runs/default
mpiexec -n 2 build/curio -curio_monitor -curio_output runs/default/curio.h5 -log_view :runs/default/log_view.txt
/usr/bin/python3 postprocess/make_figures.py runs/default/curio.h5 --prefix runs/default/curio
echo "quickstart: results in runs/default/ (curio.h5, curio_fig1.png, curio_fig2.png, curio_fig3.png, log_view.txt)"

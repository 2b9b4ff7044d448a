#!/usr/bin/env bash
# Installs the Debian 12 packages curio needs to build, test, post-process and benchmark.
# Idempotent: only packages that are missing are installed.
#   bash scripts/setup-debian.sh          # build + test + post-processing
#   bash scripts/setup-debian.sh --bench  # also the benchmark peer torch
#   bash scripts/setup-debian.sh --data   # also R's lme4, to rebuild inputs/users/ from its data sets
set -euo pipefail

pkgs=(build-essential cmake pkg-config
      openmpi-bin libopenmpi-dev
      petsc-dev libscalapack-openmpi-dev libhdf5-openmpi-dev hdf5-tools
      libcunit1-dev libopenblas0-serial liblapack-dev
      python3-h5py python3-numpy python3-matplotlib
      python3-scipy python3-sklearn    # al_report.py (t quantiles) and the tests of inputs/al
      python3-xarray python3-h5netcdf) # the test that every output opens in xarray
if [[ "${1:-}" == "--bench" ]]; then
  pkgs+=(python3-torch)
fi
if [[ "${1:-}" == "--data" ]]; then
  pkgs+=(r-cran-lme4)   # only to rebuild inputs/users/ (scripts/make-users-inputs.py); the tests read the committed files
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#pkgs[@]} packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"

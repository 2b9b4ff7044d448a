#!/usr/bin/env bash
# export-datasets.sh -- builds the active-learning data sets inputs/al/*.h5 from data shipped in Debian packages.
#
#     bash scripts/export-datasets.sh [OUTDIR]        (default OUTDIR: inputs/al, relative to the repository root)
#
# 1. installs what is missing (apt-get; idempotent; 'apt-get update' first only if the package lists are empty):
#    python3-sklearn python3-h5py python3-numpy r-base-core r-cran-mass r-cran-modeldata;
# 2. exports every data set once as CSV into a temporary directory: the R data sets with Rscript (MASS::Boston,
#    MASS::cpus, modeldata::concrete, modeldata::biomass, modeldata::ames, datasets::quakes, MASS::Pima.tr/te,
#    MASS::biopsy), the scikit-learn bundled ones
#    (load_diabetes(scaled=False), load_breast_cancer) with /usr/bin/python3;
# 3. converts them with scripts/make-al-inputs.py (split, standardization, target transform, metadata), which is
#    deterministic: re-running gives byte-identical HDF5 files.
# See inputs/al/README.md for what each file holds.
set -euo pipefail

me=export-datasets
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
outdir=${1:-$root/inputs/al}
py=/usr/bin/python3

need_pkgs=(python3-sklearn python3-h5py python3-numpy r-base-core r-cran-mass r-cran-modeldata)
missing=()
for p in "${need_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "$me: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "$me: error: need root or sudo to install ${missing[*]}" >&2; exit 2; }
    sudo_cmd=(sudo)
  fi
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    "${sudo_cmd[@]}" apt-get update
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/curio-al-export.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT

# R: one CSV per data set, full precision (17 significant digits), no row names.
Rscript --vanilla -e '
  out <- commandArgs(trailingOnly = TRUE)[1]
  w <- function(df, name) {
    df <- as.data.frame(df)
    for (j in seq_along(df)) if (is.numeric(df[[j]])) df[[j]] <- formatC(df[[j]], digits = 17, format = "g")
    write.csv(df, file.path(out, paste0(name, ".csv")), row.names = FALSE, quote = TRUE)
    cat(sprintf("exported %s: %d rows, %d columns\n", name, nrow(df), ncol(df)))
  }
  data("Boston", package = "MASS");      w(Boston, "boston")
  data("cpus", package = "MASS");        w(cpus, "cpus")
  data("concrete", package = "modeldata"); w(concrete, "concrete")
  data("biomass", package = "modeldata");  w(biomass, "biomass")
  data("ames", package = "modeldata")
  w(ames[, vapply(ames, is.numeric, logical(1))], "ames")
' "$tmp"
# MASS and R's own datasets only (usable where r-cran-modeldata is missing: make-al-inputs.py --only quakes pima biopsy)
Rscript --vanilla -e '
  out <- commandArgs(trailingOnly = TRUE)[1]
  w <- function(df, name) {
    df <- as.data.frame(df)
    for (j in seq_along(df)) if (is.numeric(df[[j]])) df[[j]] <- formatC(df[[j]], digits = 17, format = "g")
    write.csv(df, file.path(out, paste0(name, ".csv")), row.names = FALSE, quote = TRUE)
    cat(sprintf("exported %s: %d rows, %d columns\n", name, nrow(df), ncol(df)))
  }
  data("quakes", package = "datasets"); w(quakes, "quakes")
  data("Pima.tr", package = "MASS"); data("Pima.te", package = "MASS")
  p <- rbind(Pima.tr, Pima.te); p$diabetic <- as.numeric(p$type == "Yes"); p$type <- NULL; w(p, "pima")
  data("biopsy", package = "MASS")
  b <- biopsy; b$malignant <- as.numeric(b$class == "malignant"); b$class <- NULL; w(b, "biopsy")
' "$tmp"

# scikit-learn's bundled data sets (no download).
"$py" "$root/scripts/make-al-inputs.py" --export-sklearn "$tmp"

mkdir -p -- "$outdir"
"$py" "$root/scripts/make-al-inputs.py" "$tmp" "$outdir"

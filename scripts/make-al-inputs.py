#!/usr/bin/python3
"""Converts the CSV exports of scripts/export-datasets.sh into curio's HDF5 input layout for active learning.

    /usr/bin/python3 scripts/make-al-inputs.py CSVDIR OUTDIR [--only NAME ...]
    /usr/bin/python3 scripts/make-al-inputs.py --export-sklearn CSVDIR     # writes diabetes.csv, breast_cancer.csv

For every data set in DATASETS (below) it reads CSVDIR/<csv>.csv, drops the columns listed, drops rows with a missing
value, transforms the target (log where that is the usual practice), splits the rows into a pool (75%) and a test set
(25%) with numpy.random.default_rng(20261125) (one fresh generator per data set, so a data set's split does not depend
on the others), standardizes the features with the POOL's mean and standard deviation (ddof=0; a column that is
constant in the pool is dropped) and writes OUTDIR/<name>.h5:

    /candidates/X (n_pool, d), /candidates/y (n_pool)   the pool and its oracle labels
    /test/X (n_test, d), /test/y (n_test)                 the held-out test split
    /meta/feature_mean, /meta/feature_std (d)            the pool statistics used to standardize
    /meta/pool_row, /meta/test_row (int64)               0-based row numbers in the exported table (after the
                                                          rows with missing values were dropped)
    root attributes: name, source, license, citation, n_pool, n_test, d, target, target_transform, task
                     ("regression" or "classification"), feature_names, dropped, split_seed, test_fraction

Deterministic: the same CSVs give byte-identical files (no time stamps in the HDF5 objects, fixed creation order).
Each file is written to a temporary name and renamed into place.
"""
import argparse
import csv
import math
import os
import sys

import h5py
import numpy as np

SPLIT_SEED = 20261125
TEST_FRACTION = 0.25

# name: csv file, target column, target transform, columns to drop (with the reason), metadata
DATASETS = {
    "diabetes": dict(
        csv="diabetes", target="progression", transform="none", drop={},
        task="regression",
        source="scikit-learn sklearn.datasets.load_diabetes(scaled=False) (Debian python3-sklearn 1.2.1)",
        license="distributed with scikit-learn (BSD-3-Clause package license); no separate data license is stated",
        citation="B. Efron, T. Hastie, I. Johnstone, R. Tibshirani (2004). Least Angle Regression. "
                 "Annals of Statistics 32(2), 407-499.",
        target_doc="disease progression one year after baseline"),
    "boston": dict(
        csv="boston", target="medv", transform="log",
        drop={"black": "1000(Bk - 0.63)^2 with Bk the proportion of Black residents: a feature built on a racial "
                       "segregation assumption; not used"},
        task="regression",
        source="R package MASS (Debian r-cran-mass 7.3-58.2), data object Boston",
        license="MASS is GPL-2 | GPL-3; the data are from the cited publications",
        citation="D. Harrison, D. L. Rubinfeld (1978). Hedonic prices and the demand for clean air. J. Environ. "
                 "Economics and Management 5, 81-102. D. A. Belsley, E. Kuh, R. E. Welsch (1980). Regression "
                 "Diagnostics. Wiley.",
        target_doc="log of the median value of owner-occupied homes in $1000s (censored at 50 in the source)"),
    "cpus": dict(
        csv="cpus", target="perf", transform="log10",
        drop={"name": "manufacturer and model (an identifier)",
              "estperf": "the performance estimated by Ein-Dor and Feldmesser's own model (a prediction, not a feature)"},
        task="regression",
        source="R package MASS (Debian r-cran-mass 7.3-58.2), data object cpus",
        license="MASS is GPL-2 | GPL-3; the data are from the cited publication",
        citation="P. Ein-Dor, J. Feldmesser (1987). Attributes of the performance of central processing units: a "
                 "relative performance prediction model. Comm. ACM 30, 308-317. W. N. Venables, B. D. Ripley (2002). "
                 "Modern Applied Statistics with S, 4th ed. Springer.",
        target_doc="log10 of the published relative performance (as in Venables and Ripley)"),
    "concrete": dict(
        csv="concrete", target="compressive_strength", transform="none", drop={},
        task="regression",
        source="R package modeldata (Debian r-cran-modeldata 1.1.0), data object concrete",
        license="modeldata is MIT; the data are from the cited publication",
        citation="I. Yeh (2006). Analysis of Strength of Concrete Using Design of Experiments and Neural Networks. "
                 "J. Materials in Civil Engineering 18, 597-604. M. Kuhn, K. Johnson (2013). Applied Predictive "
                 "Modeling. Springer.",
        target_doc="compressive strength (MPa)"),
    "biomass": dict(
        csv="biomass", target="HHV", transform="none",
        drop={"sample": "the name of the fuel (an identifier)",
              "dataset": "the authors' own training/testing label (our split replaces it)"},
        task="regression",
        source="R package modeldata (Debian r-cran-modeldata 1.1.0), data object biomass",
        license="modeldata is MIT; the data are from the cited publication (its Table S.2)",
        citation="S. B. Ghugare, S. Tiwary, V. Elangovan, S. S. Tambe (2014). Prediction of Higher Heating Value of "
                 "Solid Biomass Fuels Using Artificial Intelligence Formalisms. BioEnergy Research, 1-12 (as cited in "
                 "modeldata's documentation).",
        target_doc="higher heating value (MJ/kg)"),
    "ames": dict(
        csv="ames", target="Sale_Price", transform="log10", drop={},
        task="regression",
        source="R package modeldata (Debian r-cran-modeldata 1.1.0), data object ames, its 34 numeric columns only",
        license="modeldata is MIT; the data are from the cited publication",
        citation="D. De Cock (2011). Ames, Iowa: Alternative to the Boston Housing Data as an End of Semester "
                 "Regression Project. J. Statistics Education 19(3).",
        target_doc="log10 of the sale price in USD (as in the tidymodels material)"),
    "quakes": dict(
        csv="quakes", target="mag", transform="none", drop={},
        task="regression",
        source="R package datasets (Debian r-base-core 4.2.2), data object quakes",
        license="R's datasets package is part of R (GPL-2 | GPL-3); the data are from the cited source",
        citation="Harvard PRIM-H project data, 1000 seismic events near Fiji since 1964; R Core Team, R: A Language "
                 "and Environment for Statistical Computing, datasets::quakes.",
        target_doc="Richter magnitude"),
    "pima": dict(
        csv="pima", target="diabetic", transform="none", drop={},
        task="classification",
        source="R package MASS (Debian r-cran-mass 7.3-58.2), data objects Pima.tr and Pima.te (rows stacked; "
               "Pima.tr2's rows with missing values are not used)",
        license="MASS is GPL-2 | GPL-3; the data are from the cited publication (via the UCI repository)",
        citation="J. W. Smith, J. E. Everhart, W. C. Dickson, W. C. Knowler, R. S. Johannes (1988). Using the ADAP "
                 "learning algorithm to forecast the onset of diabetes mellitus. Proc. Symp. Computer Applications in "
                 "Medical Care, 261-265. B. D. Ripley (1996). Pattern Recognition and Neural Networks. Cambridge.",
        target_doc="1 = diabetic by WHO criteria (type 'Yes'), 0 = not"),
    "biopsy": dict(
        csv="biopsy", target="malignant", transform="none", drop={"ID": "sample code number (an identifier)"},
        task="classification",
        source="R package MASS (Debian r-cran-mass 7.3-58.2), data object biopsy",
        license="MASS is GPL-2 | GPL-3; the data are from the cited publication (via the UCI repository)",
        citation="W. H. Wolberg, O. L. Mangasarian (1990). Multisurface method of pattern separation for medical "
                 "diagnosis applied to breast cytology. PNAS 87, 9193-9196. Venables and Ripley (2002), MASS.",
        target_doc="1 = malignant, 0 = benign (16 rows with a missing V6 are dropped)"),
    "breast_cancer": dict(
        csv="breast_cancer", target="benign", transform="none", drop={},
        task="classification",
        source="scikit-learn sklearn.datasets.load_breast_cancer() (Debian python3-sklearn 1.2.1): a copy of the UCI "
               "Breast Cancer Wisconsin (Diagnostic) data",
        license="distributed with scikit-learn (BSD-3-Clause package license); the UCI repository lists the data "
                "under CC BY 4.0",
        citation="W. N. Street, W. H. Wolberg, O. L. Mangasarian (1993). Nuclear feature extraction for breast tumor "
                 "diagnosis. IS&T/SPIE Symposium on Electronic Imaging 1905, 861-870.",
        target_doc="1 = benign, 0 = malignant (scikit-learn's coding)"),
}


class MakeError(Exception):
    pass


def read_csv(path):
    """Header and rows of a CSV file; 'NA' and empty fields become NaN; every other field must be a number."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if len(rows) < 2:
        raise MakeError(f"'{path}' has no data rows")
    header = [h.strip() for h in rows[0]]
    data = np.empty((len(rows) - 1, len(header)))
    for i, r in enumerate(rows[1:]):
        if len(r) != len(header):
            raise MakeError(f"'{path}', line {i + 2}: {len(r)} fields, expected {len(header)}")
        for j, v in enumerate(r):
            v = v.strip()
            if v in ("", "NA", "NaN"):
                data[i, j] = math.nan
                continue
            try:
                data[i, j] = float(v)
            except ValueError:
                raise MakeError(f"'{path}', line {i + 2}, column '{header[j]}': '{v}' is not a number") from None
    return header, data


def read_table(path, spec):
    """Like read_csv, but drops the spec's columns first (they may be text)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = [h.strip() for h in rows[0]]
    for c in list(spec["drop"]) + [spec["target"]]:
        if c not in header:
            raise MakeError(f"'{path}' has no column '{c}' (columns: {', '.join(header)})")
    keep = [j for j, h in enumerate(header) if h not in spec["drop"]]
    tmp = path + ".kept"
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        for r in rows:
            w.writerow([r[j] for j in keep])
    try:
        return read_csv(tmp)
    finally:
        os.remove(tmp)


def transform(y, how, name):
    if how == "none":
        return y
    if np.any(y <= 0):
        raise MakeError(f"data set '{name}': the target has values <= 0, so {how} cannot be applied")
    return np.log(y) if how == "log" else np.log10(y)


def build(name, spec, csvdir):
    path = os.path.join(csvdir, spec["csv"] + ".csv")
    if not os.path.isfile(path):
        raise MakeError(f"'{path}' not found (run scripts/export-datasets.sh)")
    header, data = read_table(path, spec)
    ok = ~np.isnan(data).any(axis=1)
    n_missing = int((~ok).sum())
    data = data[ok]
    t = header.index(spec["target"])
    feat_names = [h for j, h in enumerate(header) if j != t]
    X = np.delete(data, t, axis=1)
    y = transform(data[:, t], spec["transform"], name)
    if spec["task"] == "classification" and not np.all(np.isin(y, (0.0, 1.0))):
        raise MakeError(f"data set '{name}': classification labels must be 0/1")

    n = X.shape[0]
    rng = np.random.default_rng(SPLIT_SEED)
    perm = rng.permutation(n)
    n_test = int(round(TEST_FRACTION * n))
    test_row = np.sort(perm[:n_test])
    pool_row = np.sort(perm[n_test:])

    mean = X[pool_row].mean(axis=0)
    std = X[pool_row].std(axis=0)
    const = std == 0
    dropped = dict(spec["drop"])
    for j in np.flatnonzero(const):
        dropped[feat_names[j]] = "constant in the pool"
    keepc = ~const
    X, mean, std = X[:, keepc], mean[keepc], std[keepc]
    feat_names = [f for f, k in zip(feat_names, keepc) if k]
    Z = (X - mean) / std
    return dict(Xp=Z[pool_row], yp=y[pool_row], Xt=Z[test_row], yt=y[test_row], mean=mean, std=std,
                pool_row=pool_row.astype(np.int64), test_row=test_row.astype(np.int64), feat_names=feat_names,
                dropped=dropped, n_missing=n_missing)


def write(name, spec, b, outdir):
    out = os.path.join(outdir, name + ".h5")
    tmp = f"{out}.tmp-{os.getpid()}"
    try:
        # track_times off and a fixed library version bound: no time stamps, so the bytes depend on the data only
        with h5py.File(tmp, "w", libver=("earliest", "v110"), track_order=False) as f:
            def ds(path, a, dtype=np.float64):
                f.create_dataset(path, data=np.asarray(a, dtype=dtype), track_times=False)
            ds("candidates/X", b["Xp"])
            ds("candidates/y", b["yp"])
            ds("test/X", b["Xt"])
            ds("test/y", b["yt"])
            ds("meta/feature_mean", b["mean"])
            ds("meta/feature_std", b["std"])
            ds("meta/pool_row", b["pool_row"], np.int64)
            ds("meta/test_row", b["test_row"], np.int64)
            f["meta"].attrs["standardization"] = "X = (raw - feature_mean) / feature_std, pool statistics (ddof=0)"
            f["meta"].attrs["rows_dropped_missing"] = np.int64(b["n_missing"])
            a = f.attrs
            a["name"] = name
            a["task"] = spec["task"]
            a["source"] = spec["source"]
            a["license"] = spec["license"]
            a["citation"] = spec["citation"]
            a["n_pool"] = np.int64(b["Xp"].shape[0])
            a["n_test"] = np.int64(b["Xt"].shape[0])
            a["d"] = np.int64(b["Xp"].shape[1])
            a["target"] = spec["target"]
            a["target_transform"] = spec["transform"]
            a["target_description"] = spec["target_doc"]
            a["feature_names"] = np.array(b["feat_names"], dtype=h5py.string_dtype())
            a["dropped"] = "; ".join(f"{k}: {v}" for k, v in b["dropped"].items()) or "none"
            a["split_seed"] = np.int64(SPLIT_SEED)
            a["test_fraction"] = TEST_FRACTION
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return out


def export_sklearn(csvdir):
    """Writes the data sets bundled with scikit-learn (no download) as CSV, with the target as the last column."""
    from sklearn.datasets import load_breast_cancer, load_diabetes
    os.makedirs(csvdir, exist_ok=True)
    for name, b, target in (("diabetes", load_diabetes(scaled=False), "progression"),
                            ("breast_cancer", load_breast_cancer(), "benign")):
        with open(os.path.join(csvdir, name + ".csv"), "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(list(b.feature_names) + [target])
            for row, t in zip(b.data, b.target):
                w.writerow([repr(float(v)) for v in row] + [repr(float(t))])
        print(f"exported {name}: {b.data.shape[0]} rows, {b.data.shape[1] + 1} columns")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csvdir", help="directory with the CSV exports")
    ap.add_argument("outdir", nargs="?", help="directory for <name>.h5")
    ap.add_argument("--only", nargs="+", choices=sorted(DATASETS), help="convert only these data sets")
    ap.add_argument("--export-sklearn", action="store_true",
                    help="only write the CSVs of the data sets bundled with scikit-learn into CSVDIR")
    a = ap.parse_args(argv)
    if a.export_sklearn:
        export_sklearn(a.csvdir)
        return 0
    if not a.outdir:
        ap.error("OUTDIR is required (unless --export-sklearn)")
    try:
        for name in a.only or DATASETS:
            spec = DATASETS[name]
            b = build(name, spec, a.csvdir)
            out = write(name, spec, b, a.outdir)
            print(f"make-al-inputs: {out}: n_pool {b['Xp'].shape[0]}, n_test {b['Xt'].shape[0]}, d {b['Xp'].shape[1]}, "
                  f"target {spec['target']} ({spec['transform']}), {b['n_missing']} rows with missing values dropped")
    except (MakeError, OSError) as e:
        print(f"make-al-inputs: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

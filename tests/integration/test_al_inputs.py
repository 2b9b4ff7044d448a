#!/usr/bin/python3
"""Checks the active-learning data sets inputs/al/*.h5.

Every file: the layout curio reads (/candidates/X, /candidates/y, /test/X, /test/y, float64, finite, matching
shapes), the root attributes, a 25% test split that partitions the rows, features standardized with the POOL's
statistics (pool columns have mean 0 and standard deviation 1; the test columns in general not), 0/1 labels for
classification. The data sets scikit-learn ships (diabetes, breast_cancer) are also checked against scikit-learn
itself: un-standardizing /candidates/X and /test/X with /meta gives load_*() rows /meta/pool_row and /meta/test_row,
and the target is scikit-learn's. Finally scripts/make-al-inputs.py rebuilds those two from a fresh export, twice,
and the results must be byte-identical to the committed files.

    /usr/bin/python3 tests/integration/test_al_inputs.py REPO_ROOT WORKDIR
"""
import filecmp
import glob
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

ATTRS = ("name", "source", "license", "citation", "n_pool", "n_test", "d", "target", "target_transform", "task",
         "feature_names")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def main():
    root, work = sys.argv[1], sys.argv[2]
    files = sorted(glob.glob(os.path.join(root, "inputs", "al", "*.h5")))
    check(len(files) >= 5, f"expected at least 5 data sets in inputs/al, found {len(files)}")
    n_reg = 0
    for p in files:
        name = os.path.basename(p)[:-3]
        with h5py.File(p, "r") as f:
            for a in ATTRS:
                check(a in f.attrs, f"{name}: root attribute {a} missing")
            Xp, yp, Xt, yt = (f[k][()] for k in ("candidates/X", "candidates/y", "test/X", "test/y"))
            mean, std = f["meta/feature_mean"][()], f["meta/feature_std"][()]
            prow, trow = f["meta/pool_row"][()], f["meta/test_row"][()]
            at = dict(f.attrs)
        check(at["name"] == name, f"{name}: attribute name is {at['name']}")
        for arr, what in ((Xp, "candidates/X"), (yp, "candidates/y"), (Xt, "test/X"), (yt, "test/y")):
            check(arr.dtype == np.float64 and np.all(np.isfinite(arr)), f"{name}: /{what} not finite float64")
        m, t, d = Xp.shape[0], Xt.shape[0], Xp.shape[1]
        check(yp.shape == (m,) and Xt.shape == (t, d) and yt.shape == (t,), f"{name}: shapes")
        check((at["n_pool"], at["n_test"], at["d"]) == (m, t, d), f"{name}: n_pool/n_test/d attributes")
        check(len(at["feature_names"]) == d and mean.shape == (d,) and std.shape == (d,), f"{name}: d of the metadata")
        n = m + t
        check(t == int(round(0.25 * n)), f"{name}: test split {t} of {n} is not 25%")
        check(np.array_equal(np.sort(np.concatenate([prow, trow])), np.arange(n)), f"{name}: rows not a partition")
        check(np.abs(Xp.mean(axis=0)).max() < 1e-9, f"{name}: pool columns not centred")
        check(np.abs(Xp.std(axis=0) - 1).max() < 1e-9, f"{name}: pool columns not unit variance")
        check(np.all(std > 0), f"{name}: a zero standard deviation in /meta")
        check(50 <= m <= 3000 and 3 <= d <= 40, f"{name}: size n_pool {m}, d {d} outside the intended range")
        if at["task"] == "classification":
            check(set(np.unique(np.concatenate([yp, yt]))) == {0.0, 1.0}, f"{name}: labels not 0/1")
        else:
            n_reg += 1
    check(n_reg >= 4, f"only {n_reg} regression data sets")

    # scikit-learn's own copies of the two bundled data sets
    from sklearn.datasets import load_breast_cancer, load_diabetes
    for name, b in (("diabetes", load_diabetes(scaled=False)), ("breast_cancer", load_breast_cancer())):
        with h5py.File(os.path.join(root, "inputs", "al", name + ".h5"), "r") as f:
            mean, std = f["meta/feature_mean"][()], f["meta/feature_std"][()]
            for g, rows in (("candidates", f["meta/pool_row"][()]), ("test", f["meta/test_row"][()])):
                raw = f[g + "/X"][()] * std + mean
                err = np.abs(raw - b.data[rows]).max() / np.abs(b.data).max()
                check(err < 1e-13, f"{name}: /{g}/X does not un-standardize to scikit-learn's rows ({err:.2e})")
                check(np.array_equal(f[g + "/y"][()], b.target[rows].astype(float)), f"{name}: /{g}/y")
            check(list(f.attrs["feature_names"]) == list(b.feature_names), f"{name}: feature names")
            check(np.allclose(mean, b.data[f["meta/pool_row"][()]].mean(axis=0), rtol=1e-13), f"{name}: pool mean")

    # rebuild (twice) and compare bytes with the committed files
    shutil.rmtree(work, ignore_errors=True)
    script = os.path.join(root, "scripts", "make-al-inputs.py")
    csvdir = os.path.join(work, "csv")
    subprocess.run([sys.executable, script, "--export-sklearn", csvdir], check=True)
    for k in (1, 2):
        out = os.path.join(work, f"out{k}")
        os.makedirs(out)
        subprocess.run([sys.executable, script, csvdir, out, "--only", "diabetes", "breast_cancer"], check=True)
        for name in ("diabetes", "breast_cancer"):
            same = filecmp.cmp(os.path.join(out, name + ".h5"), os.path.join(root, "inputs", "al", name + ".h5"),
                               shallow=False)
            check(same, f"{name}: rebuild {k} differs from inputs/al/{name}.h5")

    # the sets from MASS and R's datasets, when R with MASS is installed: exported by the script's second Rscript block
    # and rebuilt byte-identical
    if shutil.which("Rscript") and os.path.isdir("/usr/lib/R/library/MASS"):
        with open(os.path.join(root, "scripts", "export-datasets.sh")) as fh:
            sh = fh.read()
        block = sh[sh.index("# MASS and R's own datasets only"):]
        block = block[: block.index("' \"$tmp\"") + len("' \"$tmp\"")]
        rdir = os.path.join(work, "rcsv")
        os.makedirs(rdir)
        subprocess.run(["bash", "-c", "tmp=\"$1\"\n" + block, "export", rdir], check=True)
        out = os.path.join(work, "rout")
        os.makedirs(out)
        rsets = ("quakes", "pima", "biopsy")
        subprocess.run([sys.executable, script, rdir, out, "--only", *rsets], check=True)
        for name in rsets:
            same = filecmp.cmp(os.path.join(out, name + ".h5"), os.path.join(root, "inputs", "al", name + ".h5"), shallow=False)
            check(same, f"{name}: rebuild from R differs from inputs/al/{name}.h5")
    else:
        print("al_inputs: Rscript or MASS missing: quakes, pima and biopsy not rebuilt")

    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print(f"al_inputs: {len(files)} data sets checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())

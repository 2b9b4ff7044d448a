#!/usr/bin/python3
"""curio's CV curves are on scikit-learn's scale: /loocv/exact equals RidgeCV's leave-one-out mean squared errors.

    /usr/bin/python3 tests/integration/test_cv_sklearn.py build/curio --np 2 --dir DIR

For ridge (no intercept) and for the restricted regularizer with an intercept (sklearn: fit_intercept=True, an
unpenalized intercept), curio's objective sum_i 1/2 (y_i - phi_i.theta)^2 + s/2 |theta|^2 is sklearn's Ridge with
alpha = s. RidgeCV(alphas=grid, store_cv_values/store_cv_results=True) stores the squared leave-one-out errors
(n, len(grid)); their mean over the rows must equal /loocv/exact at every grid point, and /loocv/gcv and the K-fold
curve with K = n (brute-force refits) must be on the same scale (equal to it to rounding for K = n; GCV within 25%
where the leverages are small). Exit 0 if all hold."""
import argparse
import inspect
import os
import shlex
import subprocess
import sys

import h5py
import numpy as np
from sklearn.linear_model import RidgeCV

HERE = os.path.dirname(os.path.abspath(__file__))


def ridgecv_loo(X, y, alphas, intercept):
    """mean over rows of sklearn's stored squared LOO errors, per alpha"""
    params = inspect.signature(RidgeCV).parameters
    key = "store_cv_results" if "store_cv_results" in params else "store_cv_values"  # renamed in scikit-learn 1.5
    m = RidgeCV(alphas=alphas, fit_intercept=intercept, **{key: True}).fit(X, y)
    vals = getattr(m, "cv_results_", None)
    if vals is None:
        vals = m.cv_values_
    return np.asarray(vals).reshape(len(y), len(alphas)).mean(axis=0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("curio")
    ap.add_argument("--np", type=int, default=2)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--mpiexec", default="mpiexec --oversubscribe")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    rng = np.random.default_rng(11)
    n, d = 40, 5
    X = rng.standard_normal((n, d)) * np.array([1.0, 3.0, 0.5, 2.0, 1.0]) + 0.7
    y = X @ rng.standard_normal(d) + 2.0 + 0.5 * rng.standard_normal(n)
    inp = os.path.join(a.dir, "ridge_in.h5")
    with h5py.File(inp, "w") as f:
        f["train/X"] = X
        f["train/y"] = y
    failures = 0
    for name, opts, intercept in (("ridge", [], False), ("restricted", ["-curio_intercept", "-curio_regularizer", "restricted"], True)):
        out = os.path.join(a.dir, f"ridge_{name}.h5")
        cmd = shlex.split(a.mpiexec) + ["-n", str(a.np), a.curio, "-curio_input", inp, "-curio_output", out, "-curio_loocv_ns", "13",
                                         "-curio_loocv_smin", "1e-3", "-curio_loocv_smax", "1e3", "-curio_cv_folds", str(n),
                                         "-curio_scores", "none"] + opts
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            print(r.stdout, r.stderr)
            return 1
        with h5py.File(out, "r") as f:
            grid, exact, gcv, kfold = (f["loocv/" + k][:] for k in ("s", "exact", "gcv", "kfold"))
        want = ridgecv_loo(X, y, grid, intercept)
        e = float(np.max(np.abs(exact - want) / want))
        ok = e <= 1e-9
        print(f"{'ok' if ok else 'FAIL':4} {name:10} /loocv/exact vs RidgeCV cv values (mean squared LOO error): max rel. difference {e:.2e} "
              f"over {len(grid)} values of s in [{grid[0]:.0e}, {grid[-1]:.0e}]")
        failures += not ok
        e = float(np.max(np.abs(kfold - want) / want))
        ok = e <= 1e-8
        print(f"{'ok' if ok else 'FAIL':4} {name:10} /loocv/kfold with K = n (refits) vs RidgeCV: max rel. difference {e:.2e}")
        failures += not ok
        ratio = gcv / exact
        ok = bool(np.all((ratio > 0.5) & (ratio < 1.5)))
        print(f"{'ok' if ok else 'FAIL':4} {name:10} /loocv/gcv on the same scale: gcv / exact in [{ratio.min():.3f}, {ratio.max():.3f}]")
        failures += not ok
    print(f"{6 - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

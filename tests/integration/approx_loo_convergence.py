#!/usr/bin/python3
"""Approximate LOOCV (eq. 44, summed self-influence) against brute-force leave-one-out refits, for logistic and Poisson
losses, at growing n: the relative error must shrink as n grows (removing one point moves theta* by O(1/n), and eq. 44
is exact to first order in that move).

    /usr/bin/python3 tests/integration/approx_loo_convergence.py build/curio [--np 2]"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

import curio_ref as ref
from make_input import make


def brute_loo(P, y, w, s, msk, loss):
    """the mean deviance (2/n) sum_i [l(z_i; theta_{-i}) - saturated(y_i)]: n refits, each without one point"""
    out = np.empty(len(y))
    for i in range(len(y)):
        wi = w.copy()
        wi[i] = 0.0
        _, th = ref.fit(P, y, wi, s, msk, loss)
        out[i] = ref.loss_derivs(loss, P[i] @ th, y[i])[0]
    return 2 * np.mean(out - ref.saturated(loss, y))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("curio")
    ap.add_argument("--np", type=int, default=2)
    a = ap.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for loss in ("logistic", "poisson"):
            errors = []
            for n in (40, 80, 160, 320):
                data, out = os.path.join(tmp, f"{loss}{n}.h5"), os.path.join(tmp, f"out{n}.h5")
                make(data, n=n, d=4, ncand=5, ntest=5, seed=n, loss=loss)
                subprocess.run(["mpiexec", "-n", str(a.np), a.curio, "-curio_input", data, "-curio_output", out, "-curio_loss", loss, "-curio_loocv_smin", "0.5",
                                "-curio_loocv_smax", "2", "-curio_loocv_ns", "3", "-curio_scores", "false"], check=True, capture_output=True)
                f = h5py.File(out, "r")
                P, y, w = ref.design(f, "train"), f["train/y"][:], f["train/weight"][:]
                msk = ref.mask(f, P.shape[1])
                grid, approx = f["loocv/s"][:], f["loocv/approx"][:]
                brute = np.array([brute_loo(P, y, w, s, msk, loss) for s in grid])
                e = float(np.max(np.abs(approx - brute) / brute))
                errors.append(e)
                print(f"{loss:8} n = {n:3}: approximate vs brute-force LOOCV, max rel. error over s in {list(np.round(grid, 3))}: {e:.2e}")
            ok = errors[-1] < 0.5 * errors[0] and errors[-1] < 1e-2
            print(f"{'ok' if ok else 'FAIL':4} {loss}: error shrinks from {errors[0]:.2e} (n = 40) to {errors[-1]:.2e} (n = 320)")
            failures += not ok
    print(f"{2 - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

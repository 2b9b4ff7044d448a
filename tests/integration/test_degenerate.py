#!/usr/bin/python3
"""Overflow and degenerate problems are refused with one line that says what is wrong, never NaN outputs, a solver
error on some ranks only, or a silent run:

    test_degenerate.py CURIO [--np N] [--mpiexec "mpiexec --oversubscribe"]

  overflow    X entries of 1e200 (direct path with and without LOOCV, Krylov path), weights of 1e308: the assembled
              operator (Gram, or the Hessian's diagonal) is not finite; refused with a message that says to scale the
              columns. -curio_s 1e-320, inf, nan and -curio_domain 0,1e-320 are refused as options.
  degenerate  n = 1 with LOOCV, all training weights zero (dense and CSR), a 0-column X with -curio_intercept.
  all zeros   CSR /train or /candidates without non-zeros (nnz = 0, zero-length indices and data) is valid data: the
              run equals the same rows given dense.
Each: non-zero exit (every rank), exactly one `curio: error:` line with the expected words, no PETSc traceback, no
output file. Controls: the same inputs scaled to moderate values (1e200 / 1e200 = 1) run, and their theta equals a
numpy ridge solve on the scaled data, so the check refuses only what overflows."""
import argparse
import os
import shlex
import subprocess
import sys
import tempfile

import h5py
import numpy as np


class Checker:
    def __init__(self):
        self.failures = 0

    def check(self, ok, what):
        print(f"{'ok  ' if ok else 'FAIL'} {what}", flush=True)
        self.failures += not ok


def run(a, args, timeout=120):
    cmd = shlex.split(a.mpiexec) + ["-n", str(a.np), a.curio] + [str(x) for x in args]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(cmd, 999, "", "TIMEOUT (hang)")


def refused(ck, a, what, args, words, out):
    p = run(a, args + ["-curio_output", out])
    lines = [x for x in p.stderr.splitlines() if x.startswith("curio: error:")]
    ok = (p.returncode not in (0, 999) and len(lines) == 1 and all(w in lines[0] for w in words) and "PETSC ERROR" not in p.stderr
          and not os.path.exists(out))
    ck.check(ok, f"{what}: exit {p.returncode}: " + (lines[0] if lines else p.stderr[-500:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("curio")
    ap.add_argument("--np", type=int, default=1)
    ap.add_argument("--mpiexec", default="mpiexec --oversubscribe")
    a = ap.parse_args()
    a.curio = os.path.abspath(a.curio)
    ck = Checker()
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 3))
    y = X @ np.array([1.0, -0.5, 0.25]) + 0.1 * rng.standard_normal(40)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.h5")

        def h5(name, **sets):
            path = os.path.join(tmp, name + ".h5")
            with h5py.File(path, "w") as f:
                for k, v in sets.items():
                    f[k.replace("__", "/")] = v
            return path

        huge = h5("huge", train__X=X * 1e200, train__y=y, candidates__X=X[:5] * 1e200)
        hugew = h5("hugew", train__X=X, train__y=y, train__weight=np.full(40, 1e308))
        control = h5("control", train__X=X * 1e200 / 1e200, train__y=y)
        # control: moderate values run, and theta is the ridge solution (X^T X + s I)^{-1} X^T y
        p = run(a, ["-curio_input", control, "-curio_s", 0.5, "-curio_output", out])
        ok = p.returncode == 0 and os.path.exists(out)
        if ok:
            with h5py.File(out) as f:
                theta = f["model/theta"][:]
            ref = np.linalg.solve(X.T @ X + 0.5 * np.eye(3), X.T @ y)
            ok = np.linalg.norm(theta - ref) < 1e-10 * np.linalg.norm(ref)
            os.remove(out)
        ck.check(ok, "control: moderate columns run and match numpy's ridge solution")
        scale = ["scale", "columns"]
        refused(ck, a, "X of 1e200, LOOCV (direct)", ["-curio_input", huge], scale, out)
        refused(ck, a, "X of 1e200, -curio_s 1 (direct)", ["-curio_input", huge, "-curio_s", 1, "-curio_loocv", "false"], scale, out)
        refused(ck, a, "X of 1e200, -curio_s 1 (krylov)", ["-curio_input", huge, "-curio_s", 1, "-curio_loocv", "false", "-curio_solver", "krylov"],
                scale, out)
        refused(ck, a, "X of 1e200, LOOCV (krylov)", ["-curio_input", huge, "-curio_solver", "krylov"], ["scale"], out)
        refused(ck, a, "weights of 1e308", ["-curio_input", hugew], scale, out)
        for s in ("1e-320", "inf", "nan"):
            refused(ck, a, f"-curio_s {s}", ["-curio_input", control, "-curio_s", s], ["-curio_s"], out)
        oned = h5("oned", train__x=rng.uniform(0, 1e-320, 40), train__y=y)
        refused(ck, a, "-curio_domain 0,1e-320", ["-curio_input", oned, "-curio_domain", "0,1e-320"], ["-curio_domain"], out)

        n1 = h5("n1", train__X=X[:1], train__y=y[:1])
        refused(ck, a, "n = 1 with LOOCV", ["-curio_input", n1], ["at least 2 training rows", "-curio_loocv false"], out)
        p = run(a, ["-curio_input", n1, "-curio_s", 1, "-curio_loocv", "false", "-curio_output", out])
        ck.check(p.returncode == 0, "n = 1 with -curio_s and -curio_loocv false runs")
        if os.path.exists(out):
            os.remove(out)
        w0 = h5("w0", train__X=X, train__y=y, train__weight=np.zeros(40))
        refused(ck, a, "all weights zero (dense)", ["-curio_input", w0, "-curio_s", 1], ["/train/weight", "every weight", "zero"], out)
        nz = X != 0
        w0c = h5("w0c", train__indptr=np.concatenate([[0], np.cumsum(nz.sum(1))]).astype(np.int64), train__indices=np.nonzero(nz)[1].astype(np.int64),
                 train__data=X[nz], train__y=y, train__weight=np.zeros(40))
        with h5py.File(w0c, "r+") as f:
            f["train"].attrs["shape"] = np.array([40, 3], dtype=np.int64)
        refused(ck, a, "all weights zero (CSR)", ["-curio_input", w0c, "-curio_s", 1], ["/train/weight", "every weight", "zero"], out)
        c0 = h5("c0", train__X=np.zeros((40, 0)), train__y=y)
        refused(ck, a, "0-column X with -curio_intercept", ["-curio_input", c0, "-curio_intercept", "-curio_s", 1], ["/train/X", "no feature columns"],
                out)

        # CSR groups without non-zeros (all-zero rows, as scipy.sparse.csr_matrix((n, d)) saves them: indices and data of
        # length 0) are data like any other: the run equals the same rows given dense
        def csr(M):
            nzm = M != 0
            return {"indptr": np.concatenate([[0], np.cumsum(nzm.sum(1))]).astype(np.int64), "indices": np.nonzero(nzm)[1].astype(np.int64),
                    "data": M[nzm]}

        for group in ("candidates", "train"):
            Xt, Xc = (X, np.zeros((7, 3))) if group == "candidates" else (np.zeros((40, 3)), X[:7])
            dense = h5(f"zero_{group}_dense", train__X=Xt, train__y=y, candidates__X=Xc)
            sets = {f"train__{k}": v for k, v in csr(Xt).items()} | {f"candidates__{k}": v for k, v in csr(Xc).items()}
            sparse = h5(f"zero_{group}_csr", train__y=y, **sets)
            with h5py.File(sparse, "r+") as f:
                f["train"].attrs["shape"] = np.array([40, 3], dtype=np.int64)
                f["candidates"].attrs["shape"] = np.array([7, 3], dtype=np.int64)
                nnz = f[f"{group}/data"].shape[0]
            res = []
            for path in (sparse, dense):
                o = os.path.join(tmp, f"zero_{group}_{len(res)}.h5")
                p = run(a, ["-curio_input", path, "-curio_intercept", "-curio_output", o])
                res.append(o if p.returncode == 0 and os.path.exists(o) else None)
                if not res[-1]:
                    print(p.stderr[-2000:])
            ok = nnz == 0 and all(res)
            if ok:
                with h5py.File(res[0]) as f, h5py.File(res[1]) as g:
                    ok = all(np.allclose(f[k][()], g[k][()], rtol=1e-12, atol=1e-14) for k in ("model/theta", "model/theta_dot", "scores/sld"))
            ck.check(ok, f"CSR /{group} with no non-zeros (all-zero rows) runs and equals the same rows dense")
    print(f"{ck.failures} failed")
    return 1 if ck.failures else 0


if __name__ == "__main__":
    sys.exit(main())

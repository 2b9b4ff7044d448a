#!/usr/bin/python3
"""The fit mode reads dense feature rows once, straight into the design matrices, and writes them back with
-curio_output_data from there (src/fit/write.c). What comes back must be the input, bit for bit:

    test_inputs_copy.py CURIO [--np N] [--mpiexec "mpiexec --oversubscribe"]

  values     /train/X, /candidates/X and /test/X of the output equal the input's arrays bit for bit (compared as
             64-bit integers, so -0.0, subnormals, 1e-300 and values that differ in the last bit all count), with and
             without an intercept column, on the direct and the Krylov path, with a set too small to give every rank a
             block of rows;
  checksum   each of them has the attribute `checksum` that curio's restart check reads, and it equals the sum mod 2^64
             recomputed here in numpy from the file's bytes (the formula of src/io/h5.c, written again here);
  layout     shape (rows, input columns) and dimension scales (index, feature);
  fit        theta from the same rows equals a numpy ridge solve on the input (1e-10), so the design the fit used is the
             input too, not only what was written back;
  errors     a NaN in /test/X (the last set read) fails with one `curio: error:` line naming the dataset and row, on every
             rank, and no output file."""
import argparse
import os
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_degenerate import Checker, run  # noqa: E402  (the same harness: one check line each, mpiexec with a timeout)

M64 = (1 << 64) - 1


def checksum(a):
    """src/io/h5.c ChecksumTerm summed over the entries in row-major order, mod 2^64."""
    bits = np.ascontiguousarray(a, dtype="<f8").reshape(-1).view(np.uint64)
    idx = np.arange(bits.size, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = bits ^ (idx * np.uint64(0x9E3779B97F4A7C15) + np.uint64(0x632BE59BD9B4E019))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return int(sum(int(v) for v in z) & M64)


def odd_values(rng, shape):
    """Rows whose bits a copy through any arithmetic would change: signed zeros, subnormals, huge and tiny values."""
    X = rng.standard_normal(shape) * np.exp(rng.uniform(-3, 3, shape[1]))
    flat = X.reshape(-1)
    k = flat.size
    picks = rng.choice(k, size=min(k, 12), replace=False)
    specials = [-0.0, 0.0, 5e-324, -2.5e-310, 1e3, -1e-300, np.nextafter(1.0, 2.0), 1.0 / 3.0, -7.0, 2.0**-1022, 123456789.125, -1e-8]
    flat[picks] = specials[:len(picks)]
    return X


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("curio")
    ap.add_argument("--np", type=int, default=1)
    ap.add_argument("--mpiexec", default="mpiexec --oversubscribe")
    a = ap.parse_args()
    a.curio = os.path.abspath(a.curio)
    ck = Checker()
    rng = np.random.default_rng(11)
    n, d = 301, 6
    sets = {"train": odd_values(rng, (n, d)), "candidates": odd_values(rng, (97, d)), "test": odd_values(rng, (3, d))}
    # the fit's check uses well-scaled rows (the odd values above would make the ridge solve itself ill-posed)
    Xfit = rng.standard_normal((n, d))
    y = Xfit @ rng.standard_normal(d) + 0.1 * rng.standard_normal(n)
    with tempfile.TemporaryDirectory() as tmp:
        odd = os.path.join(tmp, "odd.h5")
        with h5py.File(odd, "w") as f:
            for g, X in sets.items():
                f[f"{g}/X"] = X
            f["train/y"] = rng.standard_normal(n)
            f["test/y"] = rng.standard_normal(sets["test"].shape[0])
        for extra in ([], ["-curio_intercept", "true"], ["-curio_solver", "krylov"], ["-curio_solver", "krylov", "-curio_intercept", "true"]):
            tag = " ".join(extra) or "defaults"
            out = os.path.join(tmp, "out.h5")
            r = run(a, ["-curio_input", odd, "-curio_output", out, "-curio_s", "1e6", "-curio_loocv", "false", "-curio_scores", "false"] + extra)
            if r.returncode != 0:
                ck.check(False, f"[{tag}] curio runs on the odd rows (exit {r.returncode}): " + " ".join(ln for ln in (r.stdout + r.stderr).splitlines() if "curio: error" in ln))
                continue
            with h5py.File(out, "r") as f:
                for g, X in sets.items():
                    name = f"{g}/X"
                    if name not in f:
                        ck.check(False, f"[{tag}] /{name} is in the output")
                        continue
                    got = f[name][()]
                    ck.check(got.shape == X.shape and np.array_equal(got.view(np.uint64), X.view(np.uint64)),
                             f"[{tag}] /{name} equals the input bit for bit ({X.shape[0]} x {X.shape[1]})")
                    stored = f[name].attrs.get("checksum")
                    want = checksum(X)
                    ck.check(stored is not None and (int(stored) & M64) == want, f"[{tag}] /{name} checksum {stored} matches numpy's {want}")
                    dims = [[ds.name for ds in dim.values()] for dim in f[name].dims]
                    ck.check(dims == [[f"/{g}/index"], [f"/{g}/feature"]], f"[{tag}] /{name} dimension scales {dims}")
        # the design the fit used: theta against numpy's ridge solve on the same rows
        fit = os.path.join(tmp, "fit.h5")
        with h5py.File(fit, "w") as f:
            f["train/X"] = Xfit
            f["train/y"] = y
        for extra in ([], ["-curio_solver", "krylov", "-curio_ksp_rtol", "1e-13"]):
            out = os.path.join(tmp, "fit_out.h5")
            s = 0.7
            r = run(a, ["-curio_input", fit, "-curio_output", out, "-curio_s", s, "-curio_loocv", "false", "-curio_scores", "false",
                        "-curio_output_data", "false"] + extra)
            tag = " ".join(extra) or "direct"
            if r.returncode != 0:
                ck.check(False, f"[{tag}] curio fits (exit {r.returncode}): {(r.stdout + r.stderr)[-400:]}")
                continue
            with h5py.File(out, "r") as f:
                theta = f["model/theta"][()]
                has_x = "train/X" in f
            ref = np.linalg.solve(Xfit.T @ Xfit + s * np.eye(d), Xfit.T @ y)
            err = np.linalg.norm(theta - ref) / np.linalg.norm(ref)
            ck.check(err < 1e-10, f"[{tag}] theta equals numpy's ridge solve on the input rows (relative error {err:.1e})")
            ck.check(not has_x, f"[{tag}] -curio_output_data false writes no /train/X")
        # a non-finite value in the last set read: one error line, every rank, no output
        bad = os.path.join(tmp, "bad.h5")
        with h5py.File(bad, "w") as f:
            f["train/X"] = Xfit
            f["train/y"] = y
            T = rng.standard_normal((5, d))
            T[4, 2] = np.nan
            f["test/X"] = T
            f["test/y"] = rng.standard_normal(5)
        out = os.path.join(tmp, "bad_out.h5")
        r = run(a, ["-curio_input", bad, "-curio_output", out, "-curio_s", "1"])
        text = r.stdout + r.stderr
        lines = [ln for ln in text.splitlines() if ln.startswith("curio: error:")]
        ck.check(r.returncode != 0 and len(lines) == 1 and "/test/X" in lines[0] and "row 4" in lines[0],
                 f"a NaN in /test/X: exit {r.returncode}, error lines {lines}")
        ck.check(not os.path.exists(out) and not [p for p in os.listdir(tmp) if p.endswith(".tmp")], "no output and no temporary file left")
    print(f"{'FAILED' if ck.failures else 'passed'}: {ck.failures} failure(s)")
    return 1 if ck.failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Sizes beyond 32 bits are refused with one message on every rank, never truncated, never an overflow or a hang:

    test_sizes.py CURIO [--np N] [--mpiexec "mpiexec --oversubscribe"]

The huge inputs are HDF5 datasets created by h5py with chunked storage and never written (unallocated), so the files
stay a few kB: 2^32 + 5 rows (today read as 5), rows x columns above 2^31 on every rank (a 32-bit multiply in
src/data/rows.c), a CSR group with 2^31 - 1 columns or 2^32 + 5 rows, a LIBSVM index of 2^31 - 1, labels longer than
2^32, and d = 50000 parameters on the direct path (d^2 above 2^31). Each run must exit non-zero on every rank with
exactly one `curio: error:` line naming the file (and dataset), no PETSc traceback, and no output file. A small
control input still fits, so the checks do not refuse everything."""
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


def run(a, np_, args, timeout=120):
    cmd = shlex.split(a.mpiexec) + ["-n", str(np_), a.curio] + [str(x) for x in args]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(cmd, 999, "", "TIMEOUT (hang)")


def make_inputs(tmp):
    rng = np.random.default_rng(0)
    files = {}

    def dense(name, n, d, oned=False, ylen=None):
        path = os.path.join(tmp, name + ".h5")
        with h5py.File(path, "w") as f:
            if oned:
                f.create_dataset("train/x", shape=(n,), dtype="f8", chunks=(min(n, 4096),))
            else:
                f.create_dataset("train/X", shape=(n, d), dtype="f8", chunks=(min(n, 16), min(d, 1024)))
            f.create_dataset("train/y", shape=(ylen or n,), dtype="f8", chunks=(min(ylen or n, 4096),))
            k = min(n, 5)
            if oned:
                f["train/x"][:k] = rng.standard_normal(k)
            f["train/y"][:k] = rng.standard_normal(k)
        files[name] = path

    dense("rows_2p32", 2**32 + 5, 2)
    dense("x_2p32", 2**32 + 5, 1, oned=True)
    dense("per_rank_2p31", 2**20, 2**13)  # 2^33 entries: above 2^31 - 1 on each of 1, 2 and 4 ranks
    dense("labels_2p32", 10, 3, ylen=2**32 + 5)
    dense("d_50000", 10, 50000)

    def csr(name, n, ncols, cols):
        path = os.path.join(tmp, name + ".h5")
        m = 10
        with h5py.File(path, "w") as f:
            g = f.create_group("train")
            if n == m:
                g["indptr"] = np.arange(0, len(cols) * m + 1, len(cols), dtype=np.int64)
            else:  # unallocated: never read, the shape decides
                g.create_dataset("indptr", shape=(n + 1,), dtype="i8", chunks=(4096,))
            g["indices"] = np.tile(np.array(cols, dtype=np.int64), m)
            g["data"] = rng.standard_normal(len(cols) * m)
            if n == m:
                g["y"] = rng.standard_normal(m)
            else:
                g.create_dataset("y", shape=(n,), dtype="f8", chunks=(4096,))
            g.attrs["shape"] = np.array([n, ncols], dtype=np.int64)
        files[name] = path

    csr("csr_cols_2p31m1", 10, 2**31 - 1, [0, 2**31 - 2])
    csr("csr_rows_2p32", 2**32 + 5, 3, [0, 2])
    path = os.path.join(tmp, "big_index.svm")
    with open(path, "w") as fh:
        fh.write("1.0 1:0.5 2147483647:1.0\n0.5 2:1.0\n-1.0 1:2.0\n")
    files["libsvm_2p31m1"] = path
    path = os.path.join(tmp, "control.h5")
    with h5py.File(path, "w") as f:
        f["train/X"] = rng.standard_normal((30, 3))
        f["train/y"] = rng.standard_normal(30)
    files["control"] = path
    return files


CASES = [  # input, extra options, words the one error line must contain
    ("rows_2p32", [], ["/train/X", "4294967301 rows"]),
    ("x_2p32", [], ["/train/x", "4294967301 rows"]),
    ("per_rank_2p31", [], ["/train/X", "entries on one of", "run on at least"]),
    ("labels_2p32", [], ["/train/y", "4294967301"]),
    ("d_50000", ["-curio_loocv", "false"], ["-curio_solver direct", "d = 50000", "krylov"]),
    ("csr_cols_2p31m1", [], ["'/train'", "2147483647"]),
    ("csr_rows_2p32", [], ["'/train'", "4294967301"]),
    ("libsvm_2p31m1", [], ["big_index.svm", "2147483647"]),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("curio")
    ap.add_argument("--np", type=int, default=1)
    ap.add_argument("--mpiexec", default="mpiexec --oversubscribe")
    a = ap.parse_args()
    a.curio = os.path.abspath(a.curio)
    ck = Checker()
    with tempfile.TemporaryDirectory() as tmp:
        files = make_inputs(tmp)
        out = os.path.join(tmp, "out.h5")
        p = run(a, a.np, ["-curio_input", files["control"], "-curio_s", 1, "-curio_output", out])
        ck.check(p.returncode == 0 and os.path.exists(out), "control: a small input runs")
        os.remove(out)
        for name, extra, words in CASES:
            p = run(a, a.np, ["-curio_input", files[name], "-curio_s", 1, "-curio_output", out] + extra)
            lines = [x for x in p.stderr.splitlines() if x.startswith("curio: error:")]
            ok = (p.returncode not in (0, 999) and len(lines) == 1 and all(w in lines[0] for w in words) and "PETSC ERROR" not in p.stderr
                  and not os.path.exists(out))
            ck.check(ok, f"{name} at {a.np} rank(s): exit {p.returncode}: " + (lines[0] if lines else p.stderr[-500:]))
    print(f"{ck.failures} failed")
    return 1 if ck.failures else 0


if __name__ == "__main__":
    sys.exit(main())

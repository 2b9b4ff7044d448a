#!/usr/bin/python3
"""Writes a synthetic curio input file (HDF5 layout of README "Input layout"): Gaussian features, labels from a known
linear model plus noise, weights, a candidate pool with oracle labels, and a test set.

    /usr/bin/python3 tests/integration/make_input.py OUT.h5 [--n 200] [--d 10] [--seed 1]"""
import argparse

import h5py
import numpy as np


def write_group(f, group, key, X, y, csr):
    """dense /<group>/X, or curio's CSR layout (indptr, indices, data, attribute shape) of the same matrix"""
    f[f"{group}/y"] = y
    if not csr or key == "x":
        f[f"{group}/{key}"] = X
        return
    nz = X != 0
    f[f"{group}/indptr"] = np.concatenate([[0], np.cumsum(nz.sum(axis=1))]).astype(np.int64)
    f[f"{group}/indices"] = np.nonzero(nz)[1].astype(np.int64)
    f[f"{group}/data"] = X[nz]
    f[group].attrs["shape"] = np.array(X.shape, dtype=np.int64)


def write_libsvm(path, X, y):
    """the same rows as LIBSVM text: 1-based indices of the nonzero entries"""
    with open(path, "w") as fh:
        fh.write("# written by tests/integration/make_input.py\n")
        for xi, yi in zip(X, y):
            fh.write(repr(float(yi)) + "".join(f" {j + 1}:{float(xi[j])!r}" for j in np.nonzero(xi)[0]) + "\n")


def make(path, n=200, d=10, ncand=150, ntest=60, seed=1, weights=True, oned=False, loss="squared", zero_fraction=0.0, csr=False, libsvm=False):
    rng = np.random.default_rng(seed)
    theta = 1.0 / (1.0 + np.arange(d))

    def rows(m):
        if oned:
            x = rng.uniform(-3, 3, m)
            return x, np.sin(x) + 0.1 * rng.standard_normal(m)
        X = rng.standard_normal((m, d))
        X[rng.random((m, d)) < zero_fraction] = 0.0
        eta = X @ theta
        if loss == "logistic":
            return X, (rng.random(m) < 1 / (1 + np.exp(-eta))).astype(float)
        if loss == "poisson":
            return X, rng.poisson(np.exp(0.5 * eta)).astype(float)
        return X, eta + 0.3 * rng.standard_normal(m)

    with h5py.File(path, "w") as f:
        key = "x" if oned else "X"
        for group, m in (("train", n), ("candidates", ncand), ("test", ntest)):
            X, y = rows(m)
            write_group(f, group, key, X, y, csr)
            if libsvm:
                write_libsvm(f"{path}.{group}.svm", X, y)
            if weights and group == "train":
                f["train/weight"] = rng.uniform(0.5, 1.5, n)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("output")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--d", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--oned", action="store_true", help="1-D inputs x (polynomial feature map) instead of features X")
    ap.add_argument("--loss", choices=("squared", "logistic", "poisson"), default="squared", help="labels for this loss")
    ap.add_argument("--zero-fraction", type=float, default=0.0, help="fraction of feature entries set to 0")
    ap.add_argument("--csr", action="store_true", help="write the features in curio's CSR layout")
    ap.add_argument("--libsvm", action="store_true", help="also write OUT.{train,candidates,test}.svm with the same rows")
    ap.add_argument("--no-weights", action="store_true", help="no /train/weight (LIBSVM has none)")
    a = ap.parse_args()
    make(a.output, n=a.n, d=a.d, seed=a.seed, oned=a.oned, loss=a.loss, zero_fraction=a.zero_fraction, csr=a.csr, libsvm=a.libsvm, weights=not a.no_weights)

#!/usr/bin/python3
"""Writes a synthetic curio input file (HDF5 layout of README "Input layout"): Gaussian features, labels from a known
linear model plus noise, weights, a candidate pool with oracle labels, and a test set.

    /usr/bin/python3 tests/integration/make_input.py OUT.h5 [--n 200] [--d 10] [--seed 1]"""
import argparse

import h5py
import numpy as np


def make(path, n=200, d=10, ncand=150, ntest=60, seed=1, weights=True, oned=False, loss="squared"):
    rng = np.random.default_rng(seed)
    theta = 1.0 / (1.0 + np.arange(d))

    def rows(m):
        if oned:
            x = rng.uniform(-3, 3, m)
            return x, np.sin(x) + 0.1 * rng.standard_normal(m)
        X = rng.standard_normal((m, d))
        eta = X @ theta
        if loss == "logistic":
            return X, (rng.random(m) < 1 / (1 + np.exp(-eta))).astype(float)
        if loss == "poisson":
            return X, rng.poisson(np.exp(0.5 * eta)).astype(float)
        return X, eta + 0.3 * rng.standard_normal(m)

    with h5py.File(path, "w") as f:
        key = "x" if oned else "X"
        X, y = rows(n)
        f[f"train/{key}"], f["train/y"] = X, y
        if weights:
            f["train/weight"] = rng.uniform(0.5, 1.5, n)
        X, y = rows(ncand)
        f[f"candidates/{key}"], f["candidates/y"] = X, y
        X, y = rows(ntest)
        f[f"test/{key}"], f["test/y"] = X, y


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("output")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--d", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--oned", action="store_true", help="1-D inputs x (polynomial feature map) instead of features X")
    ap.add_argument("--loss", choices=("squared", "logistic", "poisson"), default="squared", help="labels for this loss")
    a = ap.parse_args()
    make(a.output, n=a.n, d=a.d, seed=a.seed, oned=a.oned, loss=a.loss)

#!/usr/bin/python3
"""Writes a small synthetic input for -curio_mode active: a pool /candidates/X with oracle labels /candidates/y, a test
set /test/X, /test/y, optionally an initial labeled set /train. The labels come from a nonlinear function of the inputs
plus noise, so that where a strategy samples changes the learning curve.

    /usr/bin/python3 tests/active/active_make_input.py OUT.h5 [--m 200] [--d 4] [--ntest 100] [--seed 1] [--loss squared|logistic|poisson] [--train 0] [--noise 0.1] [--nonlinear 0.3]"""
import argparse

import h5py
import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--m", type=int, default=200)
    ap.add_argument("--d", type=int, default=4)
    ap.add_argument("--ntest", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--loss", default="squared")
    ap.add_argument("--train", type=int, default=0)
    ap.add_argument("--noise", type=float, default=0.1)
    ap.add_argument("--nonlinear", type=float, default=0.3)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    theta = 1.0 / (1.0 + np.arange(a.d))

    def rows(n):
        # a few far-out points and a heavy-tailed spread: strategies that look at leverage find them
        X = rng.standard_normal((n, a.d)) * np.where(rng.uniform(size=(n, 1)) < 0.1, 3.0, 1.0)
        eta = X @ theta + a.nonlinear * np.sin(2 * X[:, 0])
        if a.loss == "logistic":
            y = (rng.uniform(size=n) < 1 / (1 + np.exp(-2 * eta))).astype(float)
        elif a.loss == "poisson":
            y = rng.poisson(np.exp(0.4 * eta)).astype(float)
        else:
            y = eta + a.noise * rng.standard_normal(n)
        return X, y

    with h5py.File(a.out, "w") as f:
        X, y = rows(a.m)
        f["candidates/X"], f["candidates/y"] = X, y
        X, y = rows(a.ntest)
        f["test/X"], f["test/y"] = X, y
        if a.train:
            X, y = rows(a.train)
            f["train/X"], f["train/y"] = X, y


if __name__ == "__main__":
    main()

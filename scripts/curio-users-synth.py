#!/usr/bin/python3
"""Synthetic several-users data for `curio -curio_mode users` (README, "Several users").

U users, each with its own theta_u = theta0 + tau * N(0, I) around a shared theta0 ~ N(0, I); features N(0, 1/d) per
entry (so phi . theta is O(1)); labels by the loss: squared y = phi . theta_u + sigma N(0, 1), logistic
y ~ Bernoulli(sigmoid(phi . theta_u)), Poisson y ~ Poisson(exp(phi . theta_u)). Rows per user are fixed (--rows) or
Poisson-distributed with that mean (--rows-dist poisson, at least 1). --cold C users more have no training rows (listed
in /users/id only: cold-start users). Every user gets --cand candidates and --test test rows.

    scripts/curio-users-synth.py users.h5 --users 100000 --rows 10 --d 20 --cold 100 --cand 5 --test 5

Writes /train/{X,y,user}, /candidates/{X,y,user}, /test/{X,y,user}, /users/id, and the truth /truth/theta0,
/truth/theta (U_all, d) (not read by curio). Memory is O(total rows x d); 10^6 users x 10 rows x 20 features is 1.6 GB.
"""
import argparse

import h5py
import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("output")
    ap.add_argument("--users", type=int, default=1000, help="users with training rows")
    ap.add_argument("--rows", type=float, default=10, help="training rows per user (the mean with --rows-dist poisson)")
    ap.add_argument("--rows-dist", choices=["fixed", "poisson"], default="fixed")
    ap.add_argument("--d", type=int, default=20)
    ap.add_argument("--tau", type=float, default=0.5, help="spread of theta_u around theta0")
    ap.add_argument("--noise", type=float, default=0.5, help="label noise (squared loss)")
    ap.add_argument("--loss", choices=["squared", "logistic", "poisson"], default="squared")
    ap.add_argument("--cold", type=int, default=0, help="users without training rows (cold start)")
    ap.add_argument("--cand", type=int, default=0, help="candidates per user")
    ap.add_argument("--test", type=int, default=0, help="test rows per user")
    ap.add_argument("--id-stride", type=int, default=1, help="user ids are stride * k + 7 (ids need not be 0..U-1)")
    ap.add_argument("--shuffle", action="store_true", help="rows in random order instead of grouped by user")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    U, Ua, d = a.users, a.users + a.cold, a.d
    ids = a.id_stride * np.arange(Ua, dtype=np.int64) + 7
    theta0 = rng.standard_normal(d)
    theta = theta0 + a.tau * rng.standard_normal((Ua, d))
    if a.loss == "poisson":
        theta *= 0.5
        theta0 = theta0 * 0.5

    def rows(users, per_user, shuffle):
        owner = np.repeat(users, per_user)
        if shuffle:
            owner = owner[rng.permutation(owner.size)]
        X = rng.standard_normal((owner.size, d)) / np.sqrt(d)
        eta = np.einsum("ij,ij->i", X, theta[owner])
        if a.loss == "squared":
            y = eta + a.noise * rng.standard_normal(owner.size)
        elif a.loss == "logistic":
            y = (rng.random(owner.size) < 1 / (1 + np.exp(-eta))).astype(float)
        else:
            y = rng.poisson(np.exp(eta)).astype(float)
        return X, y, ids[owner]

    if a.rows_dist == "fixed":
        n_u = np.full(U, int(a.rows))
    else:
        n_u = np.maximum(1, rng.poisson(a.rows, U))
    with h5py.File(a.output, "w") as f:
        for group, users, per in (("train", np.arange(U), n_u), ("candidates", np.arange(Ua), a.cand), ("test", np.arange(Ua), a.test)):
            if group != "train" and per == 0:
                continue
            X, y, uid = rows(users, per, a.shuffle)
            f[f"{group}/X"], f[f"{group}/y"], f[f"{group}/user"] = X, y, uid
        f["users/id"] = ids
        f["truth/theta0"], f["truth/theta"] = theta0, theta
        f.attrs["generator"] = "scripts/curio-users-synth.py"
        f.attrs["loss"] = a.loss


if __name__ == "__main__":
    main()

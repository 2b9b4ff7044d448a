#!/usr/bin/python3
"""Builds the real several-users data sets of inputs/users/ from R's lme4 package (Debian: r-cran-lme4).

    /usr/bin/python3 scripts/make-users-inputs.py [OUTDIR]          (default OUTDIR: inputs/users)

1. exports lme4::sleepstudy and lme4::InstEval as CSV with Rscript (into a temporary directory);
2. converts sleepstudy with scripts/curio-convert.py --user-column Subject (the converter's user column);
3. writes the files described in inputs/users/README.md. Deterministic: re-running gives the same arrays.

sleepstudy (Belenky et al. 2003): reaction time (ms) of 18 subjects on days 0..9 of sleep deprivation; feature
x = (Days - 4.5) / 4.5, so with -curio_intercept a user's model is a random intercept and slope.
InstEval (ETH Zurich lecture evaluations): rating 1..5 of 2972 students (the users); features: lecturer age class
(1..6, scaled to [0, 1]), service lecture (0/1) and the department (14 levels, one-hot), stored as uint8 (exact).
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
R_EXPORT = r"""
suppressMessages(library(lme4))
d <- sleepstudy
d$Subject <- as.integer(as.character(d$Subject))
d$x <- (d$Days - 4.5) / 4.5
write.csv(d[, c("x", "Subject", "Reaction", "Days")], file.path(Sys.getenv("OUT"), "sleepstudy.csv"), row.names = FALSE)
e <- InstEval
out <- data.frame(s = as.integer(as.character(e$s)), lectage = as.integer(e$lectage), service = as.integer(as.character(e$service)),
                  dept = as.integer(as.character(e$dept)), y = e$y)
write.csv(out, file.path(Sys.getenv("OUT"), "insteval.csv"), row.names = FALSE)
"""


def write(path, groups, users, attrs):
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        for g, data in groups.items():
            for k, v in data.items():
                f[f"{g}/{k}"] = v
        f["users/id"] = users
        for k, v in attrs.items():
            f.attrs[k] = v
    os.replace(tmp, path)
    print(f"make-users-inputs: wrote {path}: " + ", ".join(f"/{g} {len(d['y'])} rows" for g, d in groups.items()) + f", {len(users)} users")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "inputs", "users")
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["Rscript", "-e", R_EXPORT], check=True, env={**os.environ, "OUT": tmp})
        # the converter's user column on the real table (Days is dropped afterwards: x carries it)
        conv = os.path.join(tmp, "sleep.h5")
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "curio-convert.py"), os.path.join(tmp, "sleepstudy.csv"), conv,
                        "--label-column", "Reaction", "--user-column", "Subject"], check=True)
        with h5py.File(conv) as f:
            X, y, user = f["train/X"][:, :1], f["train/y"][:], f["train/user"][:]
        days = np.rint(X[:, 0] * 4.5 + 4.5).astype(int)
        ie = np.genfromtxt(os.path.join(tmp, "insteval.csv"), delimiter=",", names=True, dtype=np.int64)
    src = "R package lme4 (Debian r-cran-lme4), converted by scripts/make-users-inputs.py"
    ids = np.unique(user)
    write(os.path.join(out, "sleepstudy.h5"), {"train": {"X": X, "y": y, "user": user}}, ids,
          {"source": src + ": lme4::sleepstudy", "feature": "x = (Days - 4.5) / 4.5", "label": "Reaction (ms)"})
    # active-learning demonstration: days 0-2 of 15 subjects labeled, their days 3-9 and every day of the last 3
    # subjects (cold-start users, listed in /users/id only) are the candidates with their labels
    cold = ids[-3:]
    lab = (days <= 2) & ~np.isin(user, cold)
    write(os.path.join(out, "sleepstudy_al.h5"),
          {"train": {"X": X[lab], "y": y[lab], "user": user[lab]}, "candidates": {"X": X[~lab], "y": y[~lab], "user": user[~lab]}}, ids,
          {"source": src + ": lme4::sleepstudy", "feature": "x = (Days - 4.5) / 4.5", "label": "Reaction (ms)",
           "split": "train: days 0-2 of 15 subjects; candidates: the rest, including all days of subjects " + ", ".join(map(str, cold))})
    depts = np.unique(ie["dept"])
    Xi = np.zeros((len(ie), 2 + len(depts)), dtype=np.uint8)
    Xi[:, 0] = ie["lectage"]  # 1..6; curio reads it as float64 and the feature is lectage itself
    Xi[:, 1] = ie["service"]
    Xi[np.arange(len(ie)), 2 + np.searchsorted(depts, ie["dept"])] = 1
    write(os.path.join(out, "insteval.h5"), {"train": {"X": Xi, "y": ie["y"].astype(np.uint8), "user": ie["s"].astype(np.int32)}},
          np.unique(ie["s"]).astype(np.int32),
          {"source": src + ": lme4::InstEval", "features": "lectage (1..6), service (0/1), dept one-hot (" + ", ".join(map(str, depts)) + ")",
           "label": "rating y (1..5)", "users": "students s"})


if __name__ == "__main__":
    main()

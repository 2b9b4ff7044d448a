#!/usr/bin/python3
"""Active learning across users (README, "Several users"): inheritance (eq. 98 tangents) against independent per-user
models, one pooled model, and random queries, on lme4's sleepstudy and on synthetic users, with paired statistics.

    /usr/bin/python3 scripts/users-study.py [--curio build/curio] [--seeds 20] [--out runs/users-study] [--jobs 2]

Protocol (per data set and seed; the same split and seed set for every strategy, so strategies are compared paired):
  - every user's rows are split at random into a pool and a test part;
  - a third of the users are new (cold start: no labeled row, listed in /users/id); the others start with 2 labeled
    pool rows;
  - each round, curio -curio_mode users is run on the labeled rows with the unlabeled pool as candidates and the test
    rows as test set; every user with pool rows left labels one more: its best candidate by unlabeled SLD with its own
    tangent (/users/best_candidate), or a random one (strategy random);
  - the learning curve is the test RMSE of the strategy's own model after each round, over all test rows and over
    the test rows of the cold-start users.
Strategies: inherit (-curio_users_model inherit, s by the per-user LOOCV each round), independent (per-user ridge toward
0, s by the same LOOCV of that model), pooled (theta0 for every user, s = --pooled-s fixed: LOOCV is not defined for
it), random (the inheritance model with random queries: the value of the tangent's choice).
AULC = mean test RMSE over the rounds; the report gives each strategy's paired AULC difference to inherit in % of
inherit's, with a 95% t interval over the seeds.
"""
import argparse
import concurrent.futures as cf
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np
from scipy import stats

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STRATEGIES = ["inherit", "independent", "pooled", "random"]


def dataset(name, seed):
    """X, y, user of all rows; the number of test rows per user"""
    if name == "sleepstudy":
        with h5py.File(os.path.join(ROOT, "inputs", "users", "sleepstudy.h5")) as f:
            return f["train/X"][:], f["train/y"][:], f["train/user"][:].astype(np.int64), 4, ["-curio_intercept"]
    rng = np.random.default_rng(1000 + seed)  # a new draw of users per seed
    U, per, d = 60, 22, 5
    theta0 = rng.standard_normal(d)
    theta = theta0 + 0.5 * rng.standard_normal((U, d))
    user = np.repeat(np.arange(U), per)
    X = rng.standard_normal((U * per, d)) / np.sqrt(d)
    y = np.einsum("ij,ij->i", X, theta[user]) + 0.5 * rng.standard_normal(U * per)
    return X, y, user, 10, []


def one_run(curio, work, X, y, user, lab, pool, test, ids, model, opts):
    path = os.path.join(work, "in.h5")
    with h5py.File(path, "w") as f:
        for g, m in (("train", lab), ("candidates", pool), ("test", test)):
            if g == "candidates" and not m.any():
                continue
            f[g + "/X"], f[g + "/y"], f[g + "/user"] = X[m], y[m], user[m]
        f["users/id"] = ids
    out = os.path.join(work, "out.h5")
    cmd = [curio, "-curio_mode", "users", "-curio_input", path, "-curio_output", out, "-curio_users_model", model,
           "-curio_users_loocv_smin", "1e-3", "-curio_users_loocv_smax", "1e4", "-curio_users_loocv_ns", "22", *opts]
    r = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
    if r.returncode:
        raise RuntimeError(f"{' '.join(cmd)}\n{r.stderr}")
    with h5py.File(out) as f:
        best = dict(zip(f["users/id"][:], f["users/best_candidate"][:])) if "users/best_candidate" in f else {}
        return f["test/f"][:], best


def run_seed(args):
    curio, name, strategy, seed, rounds, pooled_s = args
    X, y, user, ntest, opts = dataset(name, seed)
    rng = np.random.default_rng(seed)
    ids = np.unique(user)
    test = np.zeros(len(y), bool)
    lab = np.zeros(len(y), bool)
    cold_users = rng.choice(ids, len(ids) // 3, replace=False)
    for u in ids:
        rows = rng.permutation(np.flatnonzero(user == u))
        test[rows[:ntest]] = True
        if u not in cold_users:
            lab[rows[ntest:ntest + 2]] = True
    pick = np.random.default_rng(10_000 + seed)  # random strategy's own stream
    model = "inherit" if strategy == "random" else strategy
    if strategy == "pooled":
        opts = opts + ["-curio_s", str(pooled_s)]
    cold_test = test & np.isin(user, cold_users)
    curve, curve_cold, per_user = [], [], []
    with tempfile.TemporaryDirectory() as work:
        for r in range(rounds + 1):
            pool = ~lab & ~test
            f, best = one_run(curio, work, X, y, user, lab, pool, test, ids, model, opts)
            err = np.zeros(len(y))
            err[test] = f - y[test]
            curve.append(float(np.sqrt(np.mean(err[test] ** 2))))
            curve_cold.append(float(np.sqrt(np.mean(err[cold_test] ** 2))))
            per_user.append([float(np.sqrt(np.mean(err[test & (user == u)] ** 2))) for u in ids])
            if r == rounds:
                break
            pidx = np.flatnonzero(pool)  # candidate index -> row
            for u in ids:
                mine = pidx[user[pidx] == u]
                if not mine.size:
                    continue
                if strategy == "random":
                    lab[pick.choice(mine)] = True
                else:
                    lab[pidx[best[u]]] = True
    return dict(dataset=name, strategy=strategy, seed=seed, curve=curve, curve_cold=curve_cold, per_user=per_user,
                cold_users=[int(c) for c in cold_users], ids=[int(u) for u in ids])


def paired(a, b):
    """mean and 95% t half-width of a - b in % of b's mean"""
    dlt = 100 * (np.asarray(a) - np.asarray(b)) / np.mean(b)
    hw = stats.t.ppf(0.975, len(dlt) - 1) * np.std(dlt, ddof=1) / np.sqrt(len(dlt))
    return float(np.mean(dlt)), float(hw)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--curio", default=os.path.join(ROOT, "build", "curio"))
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--out", default=os.path.join(ROOT, "runs", "users-study"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--pooled-s", type=float, default=1.0)
    ap.add_argument("--datasets", default="sleepstudy,synthetic")
    ap.add_argument("--report-only", action="store_true", help="redo the report from OUT/results.json")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rounds = {"sleepstudy": 4, "synthetic": 6}
    if a.report_only:
        with open(os.path.join(a.out, "results.json")) as f:
            results = json.load(f)
        a.seeds = len({r["seed"] for r in results})
    else:
        tasks = [(a.curio, d, s, k, rounds[d], a.pooled_s) for d in a.datasets.split(",") for s in STRATEGIES for k in range(a.seeds)]
        with cf.ThreadPoolExecutor(a.jobs) as ex:
            results = list(ex.map(run_seed, tasks))
        with open(os.path.join(a.out, "results.json"), "w") as f:
            json.dump(results, f)
    lines = ["# Active learning across users", "",
             f"{a.seeds} seeds; AULC = mean test RMSE over rounds 0..R; differences to inherit, paired by seed, in % of inherit's AULC "
             "(95% t interval); **bold** where the interval excludes 0 (negative: better than inherit).", ""]
    summary = {}
    for d in a.datasets.split(","):
        lines += [f"## {d}", "", "| strategy | AULC all users | AULC cold-start users | final RMSE all | final RMSE cold | diff. all vs inherit | diff. cold vs inherit |",
                  "|---|---|---|---|---|---|---|"]
        by = {s: sorted([r for r in results if r["dataset"] == d and r["strategy"] == s], key=lambda r: r["seed"]) for s in STRATEGIES}
        au = {s: [np.mean(r["curve"]) for r in by[s]] for s in STRATEGIES}
        ac = {s: [np.mean(r["curve_cold"]) for r in by[s]] for s in STRATEGIES}
        summary[d] = {}
        for s in STRATEGIES:
            fa = np.mean([r["curve"][-1] for r in by[s]])
            fc = np.mean([r["curve_cold"][-1] for r in by[s]])
            if s == "inherit":
                da = dc = "-"
            else:
                m, h = paired(au[s], au["inherit"])
                mc, hc = paired(ac[s], ac["inherit"])
                da = (f"**{m:+.1f} ± {h:.1f}**" if abs(m) > h else f"{m:+.1f} ± {h:.1f}")
                dc = (f"**{mc:+.1f} ± {hc:.1f}**" if abs(mc) > hc else f"{mc:+.1f} ± {hc:.1f}")
                summary[d][s] = dict(diff_all=(m, h), diff_cold=(mc, hc))
            lines.append(f"| {s} | {np.mean(au[s]):.4g} | {np.mean(ac[s]):.4g} | {fa:.4g} | {fc:.4g} | {da} | {dc} |")
        lines.append("")
        # per user: the user's AULC (its test RMSE over the rounds), paired with inherit's in the same seed
        lines.append("Per user (each user's own learning curve, AULC paired with inherit's in the same seed): share of (user, seed) "
                     "pairs where the strategy's AULC is below inherit's, and the median per-user difference in % of inherit's:")
        lines.append("")
        for s in STRATEGIES[1:]:
            pu = np.array([np.mean(r["per_user"], axis=0) for r in by[s]])
            pi = np.array([np.mean(r["per_user"], axis=0) for r in by["inherit"]])
            coldmask = np.array([np.isin(r.get("ids") or np.unique(dataset(d, r["seed"])[2]), r["cold_users"]) for r in by["inherit"]])
            rel = 100 * (pu - pi) / pi
            lines.append(f"- {s}: better for {100 * np.mean(pu < pi):.0f}% of (user, seed) pairs, median difference {np.median(rel):+.1f}% "
                         f"(cold-start users: better for {100 * np.mean((pu < pi)[coldmask]):.0f}%, median {np.median(rel[coldmask]):+.1f}%)")
        lines.append("")
        lines.append("Mean learning curves (test RMSE after round r, all users / cold-start users):")
        lines.append("")
        for s in STRATEGIES:
            c = np.mean([r["curve"] for r in by[s]], axis=0)
            cc = np.mean([r["curve_cold"] for r in by[s]], axis=0)
            lines.append(f"- {s}: " + " ".join(f"{v:.4g}" for v in c) + " / " + " ".join(f"{v:.4g}" for v in cc))
        lines.append("")
    with open(os.path.join(a.out, "report.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        ds = a.datasets.split(",")
        fig, ax = plt.subplots(2, len(ds), figsize=(6 * len(ds), 7), squeeze=False)
        for j, d in enumerate(ds):
            for s in STRATEGIES:
                rs = [r for r in results if r["dataset"] == d and r["strategy"] == s]
                for i, key in enumerate(("curve", "curve_cold")):
                    c = np.array([r[key] for r in rs])
                    m = c.mean(0)
                    h = stats.t.ppf(0.975, len(c) - 1) * c.std(0, ddof=1) / np.sqrt(len(c))
                    ax[i, j].plot(m, "-o", label=s, markersize=3)
                    ax[i, j].fill_between(np.arange(len(m)), m - h, m + h, alpha=0.15)
                    ax[i, j].set_title(f"{d}: {'all users' if i == 0 else 'cold-start users'}")
                    ax[i, j].set_xlabel("round (one label per user)")
                    ax[i, j].set_ylabel("test RMSE")
            ax[0, j].legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(a.out, "curves.png"), dpi=100)
    except ImportError:
        pass
    print("\n".join(lines))
    print(f"wrote {a.out}/report.md, results.json, summary.json, curves.png")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Writes a fake active-learning study directory in the layout of curio -curio_mode study, with learning curves and
timings built from closed-form parameters, and params.json holding those parameters, so that a test can compute what
postprocess/al_report.py must report without using its code.

    /usr/bin/python3 tests/integration/make_fake_study.py DIR [--seed 7]

Data set 'alpha' (metric rmse; n_labeled 10, 15, ..., 60; seeds 0-5):
  random          linear curves e(n) = a_s - b_s (n - 10)
  sld             random's curve of the same seed minus delta_s
  var             a step: target + 0.5 before n = m_s, target - 0.1 from m_s on; seeds 4 and 5 never reach the target
  oracle_greedy   linear like random, reads_all_labels = 1
  plus random seed 6 with completed = 0 and absurd errors (must be skipped), and a file that is not a run.
Data set 'beta' (metric logloss; n_labeled 4, 6, ..., 20; seeds 0-2): random and sld as above.
Timings per round r < R: time_score = c_score n_pool, time_select = c_select n_pool (curio scores the whole pool);
row R has none; time_predict = c_predict n_pool in every row (curio times predicting the whole pool).
"""
import argparse
import json
import os

import h5py
import numpy as np


def write_run(d, ds, strategy, seed, cfg, err, costs, completed=1, reads_all=0):
    n_lab = np.arange(cfg["seed_size"], cfg["budget"] + 1, cfg["batch_k"], dtype=np.int64)
    assert n_lab.size == err.size
    R1 = n_lab.size
    path = os.path.join(d, f"{ds}__{strategy}__seed{seed}.h5")
    npool = float(cfg["n_pool"])  # curio scores and predicts the whole pool every round
    sel = np.arange(R1) < R1 - 1
    with h5py.File(path, "w") as f:
        a = f.attrs
        a["schema_version"] = 1
        a["kind"] = "active"
        a["dataset"] = f"inputs/al/{ds}.h5"
        a["dataset_name"] = ds
        a["strategy"] = strategy
        a["seed"] = np.int64(seed)
        for k in ("batch_k", "budget", "seed_size", "n_pool", "n_test", "d"):
            a[k] = np.int64(cfg[k])
        a["loss"] = cfg["loss"]
        a["metric"] = cfg["metric"]
        a["completed"] = np.int64(completed)
        a["reads_all_labels"] = np.int64(reads_all)
        a["options"] = "-curio_mode study\n-curio_al_batch %d" % cfg["batch_k"]
        g = f.create_group("rounds")
        g["n_labeled"] = n_lab
        g["test_error"] = err
        g["s"] = np.full(R1, 0.1)
        g["score_max"] = np.linspace(1, 0.5, R1)
        g["score_mean"] = np.linspace(0.5, 0.25, R1)
        g["time_train"] = np.full(R1, 1e-3)
        g["time_tangent"] = np.full(R1, 2e-4)
        g["time_score"] = np.where(sel, costs["score"] * npool, 0.0)
        g["time_select"] = np.where(sel, costs["select"] * npool, 0.0)
        g["time_predict"] = np.full(R1, costs["predict"] * npool)
        nsel = cfg["budget"] - cfg["seed_size"]
        s = f.create_group("selected")
        s["index"] = np.arange(nsel, dtype=np.int64)
        s["round"] = np.repeat(np.arange(R1 - 1), cfg["batch_k"]).astype(np.int64)
        s["y"] = np.zeros(nsel)
        m = f.create_group("model")
        m["theta"] = np.zeros(cfg["d"] + 1)
        m["theta_dot"] = np.zeros(cfg["d"] + 1)
        m["s"] = 0.1
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    params = {}
    cost = {"random": {"score": 0.0, "select": 1e-8, "predict": 4e-8},
            "sld": {"score": 3e-7, "select": 1e-8, "predict": 4e-8},
            "var": {"score": 2e-6, "select": 1e-8, "predict": 5e-8},
            "oracle_greedy": {"score": 1e-5, "select": 0.0, "predict": 4e-8}}
    for ds, cfg, seeds, strategies in (
            ("alpha", dict(seed_size=10, batch_k=5, budget=60, n_pool=200, n_test=50, d=4, loss="squared",
                           metric="rmse"), 6, ("random", "sld", "var", "oracle_greedy")),
            ("beta", dict(seed_size=4, batch_k=2, budget=20, n_pool=80, n_test=30, d=3, loss="logistic",
                          metric="logloss"), 3, ("random", "sld"))):
        n = np.arange(cfg["seed_size"], cfg["budget"] + 1, cfg["batch_k"], dtype=np.float64)
        n0 = n[0]
        p = {"config": cfg, "n_labeled": n.tolist(), "costs": cost, "runs": {}}
        A = rng.uniform(1.0, 2.0, seeds)
        B = rng.uniform(0.3, 0.6, seeds) / (n[-1] - n0)  # the error falls by 0.3 to 0.6 over the run
        Dl = rng.uniform(0.05, 0.2, seeds)
        target = float(np.mean(A - B * (n[-1] - n0)))
        p["target"] = target
        for s in range(seeds):
            base = A[s] - B[s] * (n - n0)
            write_run(a.dir, ds, "random", s, cfg, base, cost["random"])
            p["runs"][f"random/{s}"] = {"a": A[s], "b": B[s]}
            write_run(a.dir, ds, "sld", s, cfg, base - Dl[s], cost["sld"])
            p["runs"][f"sld/{s}"] = {"a": A[s] - Dl[s], "b": B[s], "delta": Dl[s]}
            if "var" in strategies:
                if s < 4:
                    m = float(n[1 + (2 * s + 1) % (n.size - 1)])
                    err = np.where(n < m, target + 0.5, target - 0.1)
                else:
                    m = None
                    err = np.full(n.size, target + 0.5)
                write_run(a.dir, ds, "var", s, cfg, err, cost["var"])
                p["runs"][f"var/{s}"] = {"step_at": m}
            if "oracle_greedy" in strategies:
                ao, bo = A[s] - 0.3, B[s] * 1.5
                write_run(a.dir, ds, "oracle_greedy", s, cfg, ao - bo * (n - n0), cost["oracle_greedy"], reads_all=1)
                p["runs"][f"oracle_greedy/{s}"] = {"a": ao, "b": bo}
        if ds == "alpha":  # an unfinished run with absurd errors, and a file that is no run
            write_run(a.dir, ds, "random", seeds, cfg, np.full(n.size, 1e6), cost["random"], completed=0)
            with h5py.File(os.path.join(a.dir, "alpha__random__seed99.h5.tmp-123"), "w") as f:
                f["x"] = 1.0
            with h5py.File(os.path.join(a.dir, "notes.h5"), "w") as f:
                f["x"] = 1.0
        params[ds] = p
    with open(os.path.join(a.dir, "params.json"), "w") as fh:
        json.dump(params, fh, indent=1)
    print(f"make_fake_study: wrote {a.dir}")


if __name__ == "__main__":
    main()

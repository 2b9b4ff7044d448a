#!/usr/bin/python3
"""Benchmark of -curio_mode users (bench/README.md, "Several users"): U users with R rows each and d features.

    bench/run.sh users                          # U = 10^5, R = 10, d = 20: 1 and 2 ranks, the numpy loop
    bench/run.sh users --users 1000000          # 10^6 users

Measures (printed as ratios, not asserted):
  - curio's time for theta_u and theta_u_dot of every user (/timing users, max over ranks) at 1 and 2 ranks, per user;
  - the same quantities by a numpy loop, one Cholesky factor and solve per user (numpy.linalg.cholesky and
    scipy.linalg.cho_solve, two right-hand sides), on one thread; target: curio at 1 rank <= 2x numpy's time;
  - the speed-up 1 -> 2 ranks of the users' part (target >= 1.8x) and of the whole run, and the same in CPU seconds
    (/timing users_cpu: the split of the work, which a loaded machine does not distort);
  - peak resident memory per rank against the size of the training rows (X, y, user: (d + 2) 8-byte numbers a row).
Both compute the same numbers: the maximum difference of theta_u and theta_u_dot is printed.
"""
import argparse
import os
import subprocess
import sys
import time

import h5py
import numpy as np
import scipy.linalg

import benchlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def curio_run(a, exe, snap, np_, inp, out):
    env = {**os.environ, **benchlib.SINGLE_THREAD_ENV, "LD_LIBRARY_PATH": snap + ":" + os.environ.get("LD_LIBRARY_PATH", "")}
    cmd = ["mpiexec", "--oversubscribe", "-n", str(np_), exe, "-curio_mode", "users", "-curio_input", inp, "-curio_output", out, "-curio_s",
           str(a.s), "-curio_users_loocv", "false"]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env)
    wall = time.perf_counter() - t0
    with h5py.File(out) as f:
        t = dict(f["timing"].attrs)
    t["wall"] = wall
    return t


def numpy_loop(inp, s):
    """theta0 by the normal equations, then per user one Cholesky factor and one solve with two right-hand sides"""
    with h5py.File(inp) as f:
        X, y, user = f["train/X"][:], f["train/y"][:], f["train/user"][:]
    d = X.shape[1]
    G = X.T @ X + s * np.eye(d)
    theta0 = np.linalg.solve(G, X.T @ y)
    theta0_dot = -np.linalg.solve(G, theta0)
    order = np.argsort(user, kind="stable")
    ids, start = np.unique(user[order], return_index=True)
    bounds = np.r_[start, len(order)]
    th, thd = np.empty((len(ids), d)), np.empty((len(ids), d))
    eye = s * np.eye(d)
    t0 = time.perf_counter()
    for k in range(len(ids)):
        r = order[bounds[k]:bounds[k + 1]]
        Xu = X[r]
        H = Xu.T @ Xu + eye
        c = (np.linalg.cholesky(H), True)
        t = scipy.linalg.cho_solve(c, Xu.T @ y[r] + s * theta0)
        th[k] = t
        thd[k] = scipy.linalg.cho_solve(c, s * theta0_dot - (t - theta0))
    return time.perf_counter() - t0, ids, th, thd


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--curio", default=os.path.join(ROOT, "build-bench", "curio"))
    ap.add_argument("--json", default=None)
    ap.add_argument("--users", type=int, default=100000)
    ap.add_argument("--rows", type=int, default=10)
    ap.add_argument("--d", type=int, default=20)
    ap.add_argument("--s", type=float, default=1.0)
    ap.add_argument("--workdir", default=None)
    a = ap.parse_args()
    work = a.workdir or os.path.join(os.path.dirname(os.path.abspath(a.curio)), "bench-users")
    os.makedirs(work, exist_ok=True)
    exe, snap, prov = benchlib.snapshot_curio_with_libs(a.curio, work, "bench/run.sh users")
    inp = os.path.join(work, f"users_{a.users}_{a.rows}_{a.d}.h5")
    if not os.path.exists(inp):
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "curio-users-synth.py"), inp, "--users", str(a.users), "--rows", str(a.rows),
                        "--d", str(a.d), "--shuffle"], check=True)
    data_mib = a.users * a.rows * (a.d + 2) * 8 / benchlib.MIB
    res = {"users": a.users, "rows": a.rows, "d": a.d, "data_mib": data_mib, "environment": benchlib.environment(), "curio": prov,
           "load_before": benchlib.loadavg()}
    runs = {}
    for np_ in (1, 2):
        runs[np_] = curio_run(a, exe, snap, np_, inp, os.path.join(work, f"out_np{np_}.h5"))
    tn, ids, th, thd = numpy_loop(inp, a.s)
    with h5py.File(os.path.join(work, "out_np1.h5")) as f:
        assert np.array_equal(f["users/id"][:], ids)
        diff = max(np.max(np.abs(f["users/theta"][:] - th)), np.max(np.abs(f["users/theta_dot"][:] - thd)))
    t1, t2 = runs[1]["users"], runs[2]["users"]
    c1, c2 = runs[1]["users_cpu"], runs[2]["users_cpu"]
    res.update(curio=runs, numpy_users=tn, max_abs_difference=float(diff))
    ratios = {"curio_users_per_user_us_1rank": 1e6 * t1 / a.users, "numpy_per_user_us": 1e6 * tn / a.users,
              "curio_over_numpy_1rank": t1 / tn, "speedup_users_1_to_2": t1 / t2, "speedup_users_cpu_1_to_2": c1 / c2, "speedup_wall_1_to_2": runs[1]["wall"] / runs[2]["wall"],
              "peak_rss_over_data_1rank": runs[1]["peak_rss_mib"] / data_mib, "peak_rss_over_data_per_rank_2ranks": runs[2]["peak_rss_mib"] / (data_mib / 2)}
    res["ratios"] = ratios
    print(f"U = {a.users} users x {a.rows} rows, d = {a.d}: training rows {data_mib:.1f} MiB")
    print(f"theta_u + theta_u_dot, curio 1 rank: {t1:.3f} s ({ratios['curio_users_per_user_us_1rank']:.2f} us/user); 2 ranks: {t2:.3f} s")
    print(f"numpy loop (one Cholesky + solve per user): {tn:.3f} s ({ratios['numpy_per_user_us']:.2f} us/user)")
    print(f"curio / numpy (1 rank): {ratios['curio_over_numpy_1rank']:.3f}   (target <= 2)")
    print(f"speed-up 1 -> 2 ranks: users {ratios['speedup_users_1_to_2']:.2f}x (target >= 1.8), whole run {ratios['speedup_wall_1_to_2']:.2f}x "
          f"({runs[1]['wall']:.2f} s -> {runs[2]['wall']:.2f} s; read {runs[1]['read']:.2f} -> {runs[2]['read']:.2f}, global {runs[1]['global']:.2f} -> {runs[2]['global']:.2f})")
    print(f"  CPU time of the users' work (max over ranks): {c1:.3f} s -> {c2:.3f} s = {ratios['speedup_users_cpu_1_to_2']:.2f}x "
          f"(the split of the work; wall-clock speed-up needs two idle cores, load average now {benchlib.loadavg()[0]:.1f})")
    print(f"peak memory: 1 rank {runs[1]['peak_rss_mib']:.0f} MiB = {ratios['peak_rss_over_data_1rank']:.2f} x data; "
          f"2 ranks {runs[2]['peak_rss_mib']:.0f} MiB per rank = {ratios['peak_rss_over_data_per_rank_2ranks']:.2f} x data/2")
    print(f"max |curio - numpy| over theta_u, theta_u_dot: {diff:.1e}")
    if a.json:
        benchlib.write_json(a.json, res)


if __name__ == "__main__":
    main()

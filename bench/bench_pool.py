#!/usr/bin/python3
"""Benchmark of streamed pool scoring: curio scoring a dense candidate pool read in chunks from an HDF5 file, against
numpy reading the same pool from the same file in the same chunks and predicting it (X @ theta).

Command (from the repository root, after building build/curio; bench/run_pool.sh does both):

    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \\
        /usr/bin/python3 bench/bench_pool.py --repeat 3 --json bench/results/pool.json

What it does (bench/README.md explains the numbers):

1. Writes one HDF5 input (in a temporary directory, or --workdir; never in the source tree): a small training set
   /train/X, /train/y (--n-train x --d) and a dense pool /candidates/X (--m x --d, default 10^6 x 50, 400 MB), with
   labels from theta_true_j = 1/(1+j) plus noise.
2. For each repeat (--repeat, interleaved so that machine load affects all alike):
       mpiexec -n R build/curio -curio_input data.h5 -curio_s 1 -curio_loocv false -curio_pool_chunk M \\
           -curio_scores LIST -curio_output_data false -curio_output out.h5
   for LIST = sld and all (--lists); the time is curio's /timing attribute `scores`, the stage that reads the pool
   chunk by chunk, scores it, writes the scores and merges the selection (wall seconds, max over ranks). Then numpy in
   a single-threaded child process: h5py reads /candidates/X in chunks of M rows from the same file and computes
   X_chunk @ theta with curio's theta; its wall time.
3. Prints the medians (and ranges) and the ratios curio / numpy per list; the target for sld alone is <= 1.5.
   The file is read once before the first measurement, so every run reads from the page cache.

It asserts nothing about time; it exits with status 1 only if a run fails or curio's sld differs from numpy's
(X @ theta_dot)^2 beyond --tol.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

import benchlib
from benchlib import SINGLE_THREAD_ENV, environment, loadavg, others_running, rel_diff

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

TARGETS = {"sld_over_numpy": ("<=", 1.5, "streamed pool scoring with -curio_scores sld / numpy read + X @ theta")}


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="See bench/README.md for what the numbers mean.")
    p.add_argument("--m", type=int, default=1000000, help="pool rows (default 1000000)")
    p.add_argument("--d", type=int, default=50, help="features (default 50)")
    p.add_argument("--n-train", type=int, default=2000, help="training rows (default 2000)")
    p.add_argument("--chunk", type=int, default=100000, help="-curio_pool_chunk and numpy's chunk rows (default 100000)")
    p.add_argument("--seed", type=int, default=1, help="seed of the data (default 1)")
    p.add_argument("--ranks", type=int, default=1, help="MPI ranks for curio (default 1; numpy runs on one thread)")
    p.add_argument("--repeat", type=int, default=3, help="repeats of each measurement; medians are reported (default 3)")
    p.add_argument("--lists", default="sld,all", help="-curio_scores values to time, separated by ';' (default 'sld;all', given as sld,all)")
    p.add_argument("--curio-args", default="", help="extra curio options for every run")
    p.add_argument("--curio", default=os.path.join(ROOT, "build", "curio"), help="curio executable (default <repo>/build/curio)")
    p.add_argument("--mpiexec", default="mpiexec", help="MPI launcher (default mpiexec)")
    p.add_argument("--mpiexec-args", default="--bind-to core", help="extra launcher arguments (default '--bind-to core')")
    p.add_argument("--data", default=None, help="use this input file instead of writing one")
    p.add_argument("--workdir", default=None, help="directory for the data and outputs (default: a temporary directory, removed at the end)")
    p.add_argument("--keep", action="store_true", help="keep the temporary working directory")
    p.add_argument("--tol", type=float, default=1e-10, help="max relative difference of curio's sld from numpy's (default 1e-10)")
    p.add_argument("--json", default=None, help="write the results as JSON to this path")
    p.add_argument("--worker", choices=["numpy"], help=argparse.SUPPRESS)
    p.add_argument("--theta", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    return p.parse_args()


def generate(path, m, d, n_train, seed):
    """/train (n_train x d) and /candidates/X (m x d) with labels, float64, written in blocks of rows."""
    import h5py

    rng = np.random.default_rng(seed)
    theta_true = 1.0 / (1.0 + np.arange(d))
    with h5py.File(path, "w") as f:
        X = rng.standard_normal((n_train, d))
        f["/train/X"] = X
        f["/train/y"] = X @ theta_true + 0.5 * rng.standard_normal(n_train)
        dX = f.create_dataset("/candidates/X", shape=(m, d), dtype="f8")
        block = max(1, (1 << 24) // d)
        for i0 in range(0, m, block):
            i1 = min(m, i0 + block)
            dX[i0:i1] = rng.standard_normal((i1 - i0, d))


def numpy_worker(a):
    """Reads /candidates/X in chunks and predicts: the time of the whole pass (file open included)."""
    import h5py

    with h5py.File(a.theta, "r") as f:
        theta = f["/model/theta"][...]
        theta_dot = f["/model/theta_dot"][...]
    t0 = time.perf_counter()
    with h5py.File(a.data, "r") as f:
        dX = f["/candidates/X"]
        m = dX.shape[0]
        pred = np.empty(m)
        for i0 in range(0, m, a.chunk):
            i1 = min(m, i0 + a.chunk)
            pred[i0:i1] = dX[i0:i1] @ theta
    t = time.perf_counter() - t0
    # the check, outside the timed pass: sld = (X theta_dot)^2 over the first chunk
    with h5py.File(a.data, "r") as f:
        sld = (f["/candidates/X"][:a.chunk] @ theta_dot) ** 2
    np.save(a.result + ".sld.npy", sld)
    with open(a.result, "w") as fh:
        json.dump({"time": t, "sum_pred": float(pred.sum())}, fh)


def run_numpy(a, data, out, work):
    res = os.path.join(work, "numpy.json")
    env = dict(os.environ, **SINGLE_THREAD_ENV)
    subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", "numpy", "--data", data, "--theta", out, "--chunk", str(a.chunk),
                    "--result", res], check=True, env=env)
    with open(res) as fh:
        r = json.load(fh)
    r["sld_head"] = np.load(res + ".sld.npy")
    return r


def run_curio(a, curio, data, out, lst):
    import h5py

    cmd = [a.mpiexec] + a.mpiexec_args.split() + ["-n", str(a.ranks), curio, "-curio_input", data, "-curio_s", "1", "-curio_loocv", "false",
                                                  "-curio_pool_chunk", str(a.chunk), "-curio_scores", lst, "-curio_output_data", "false",
                                                  "-curio_output", out] + a.curio_args.split()
    env = dict(os.environ, **SINGLE_THREAD_ENV)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"curio failed: {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    with h5py.File(out, "r") as f:
        t = float(f["/timing"].attrs["scores"])
        sld = f["/scores/sld"][:a.chunk] if "sld" in f["/scores"] else None
    return {"time": t, "command": " ".join(cmd), "sld_head": sld}


def median_range(v):
    return {"median": float(np.median(v)), "min": float(np.min(v)), "max": float(np.max(v)), "all": [float(x) for x in v]}


def main():
    a = parse()
    if a.worker:
        numpy_worker(a)
        return 0
    lists = [s for s in a.lists.replace(",", ";").split(";") if s]
    work = a.workdir or tempfile.mkdtemp(prefix="curio-bench-pool-")
    os.makedirs(work, exist_ok=True)
    if os.path.realpath(work).startswith(os.path.realpath(ROOT) + os.sep):
        sys.exit(f"--workdir {work} is inside the source tree; give a directory outside it")
    try:
        curio, _, curio_info = benchlib.snapshot_curio_with_libs(a.curio, work, "bench/run_pool.sh")
        env_lib = os.path.dirname(curio)
        os.environ["LD_LIBRARY_PATH"] = env_lib + (":" + os.environ["LD_LIBRARY_PATH"] if os.environ.get("LD_LIBRARY_PATH") else "")
        data = a.data or os.path.join(work, "pool.h5")
        if not a.data:
            t0 = time.perf_counter()
            generate(data, a.m, a.d, a.n_train, a.seed)
            print(f"wrote {data} ({os.path.getsize(data) / benchlib.MIB:.0f} MiB) in {time.perf_counter() - t0:.1f} s")
        with open(data, "rb") as fh:  # into the page cache
            while fh.read(1 << 24):
                pass
        out = {lst: os.path.join(work, f"out_{lst}.h5") for lst in lists}
        times = {lst: [] for lst in lists}
        times["numpy"] = []
        runs = []
        problems = []
        for r in range(a.repeat):
            for lst in lists:
                res = run_curio(a, curio, data, out[lst], lst)
                times[lst].append(res["time"])
                runs.append({"list": lst, "repeat": r, "time": res["time"], "command": res["command"], "load": loadavg(), "others": others_running()})
                print(f"repeat {r}: curio -curio_scores {lst}: scores stage {res['time']:.3f} s")
                if res["sld_head"] is not None and r == 0:
                    ref = run_numpy(a, data, out[lst], work)["sld_head"]
                    err = rel_diff(res["sld_head"], ref)
                    if err > a.tol:
                        problems.append(f"-curio_scores {lst}: sld differs from numpy's (X theta_dot)^2 by {err:.2e}")
            res = run_numpy(a, data, out[lists[0]], work)
            times["numpy"].append(res["time"])
            print(f"repeat {r}: numpy read + X @ theta: {res['time']:.3f} s")
        summary = {k: median_range(v) for k, v in times.items()}
        ratios = {f"{lst}_over_numpy": summary[lst]["median"] / summary["numpy"]["median"] for lst in lists}
        print(f"\npool {a.m} x {a.d}, chunks of {a.chunk} rows, curio on {a.ranks} rank(s), medians of {a.repeat}:")
        print(f"  numpy read + X @ theta: {summary['numpy']['median']:.3f} s ({summary['numpy']['min']:.3f}-{summary['numpy']['max']:.3f})")
        for lst in lists:
            key = f"{lst}_over_numpy"
            status = f" (target {TARGETS[key][0]} {TARGETS[key][1]}: {benchlib.target_status(TARGETS, key, ratios[key])})" if key in TARGETS else ""
            print(f"  curio -curio_scores {lst}: {summary[lst]['median']:.3f} s ({summary[lst]['min']:.3f}-{summary[lst]['max']:.3f}), "
                  f"ratio {ratios[key]:.2f}{status}")
        result = {"benchmark": "pool", "m": a.m, "d": a.d, "n_train": a.n_train, "chunk": a.chunk, "ranks": a.ranks, "repeat": a.repeat,
                  "times": summary, "ratios": ratios, "targets": benchlib.targets_report(TARGETS, ratios), "runs": runs, "curio": curio_info,
                  "environment": environment(), "problems": problems}
        if a.json:
            benchlib.write_json(a.json, result)
        for pr in problems:
            print("FAILED: " + pr)
        return 1 if problems else 0
    finally:
        if not a.workdir and not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

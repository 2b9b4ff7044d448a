#!/usr/bin/python3
"""Benchmark of one epoch of curio's distributed SGD and SGDF (SGD carrying the regularity tangent as dual numbers)
against scikit-learn's SGDRegressor, on sparse ridge regression.

Command (from the repository root, after building build/curio; bench/run_sgdf.sh does both):

    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \\
        /usr/bin/python3 bench/bench_sgdf.py --repeat 5 --ranks 1,2,4 --json bench/results/sgdf.json
    /usr/bin/python3 bench/bench_sgdf.py --no-curio        # the scikit-learn half only

What it does (bench/README.md explains the numbers and the targets):

1. Generates the sparse data once (--n 1000000 rows, --d 100000 features, --nnz-per-row 20, values N(0, 1),
   y = X theta_true + noise with theta_true_j = 1/(1+j)) into curio's HDF5 CSR layout (bench_krylov.py's data).
   The step sizes match per row: scikit-learn's eta0 (--lr) is the step of one row on the mean objective,
   theta <- theta - eta0 grad l_i, n steps per epoch; curio's -curio_sgdf_lr eta is the step on the sum objective
   (MATH.md section 6: theta <- theta - eta (n/|B|) sum_B grad l_i), n/B steps per epoch, so a row moves theta by
   eta n / B. --curio-lr defaults to eta0 B / n (eta0 / n is the same step per *step*, which at B = 32 makes 32 times
   less progress per epoch: 19% of scikit-learn's decrease of the objective instead of 100%). The check in 4. holds
   both to the same decrease of the objective. With --dense (every row touches every column) the default is eta0 / n:
   there B row steps summed would be B times too long a step.
2. scikit-learn, in its own single-threaded child process: SGDRegressor(loss='squared_error', penalty='l2',
   alpha=s/n, learning_rate='constant', eta0=--lr, fit_intercept=False, max_iter=1, tol=None, shuffle=True), one
   epoch (one partial_fit call over all rows), timed; its peak RSS. alpha = s/n because scikit-learn minimizes
   (1/n) sum_i 1/2 (y_i - x_i theta)^2 + alpha/2 |theta|^2 and curio 1/2 sum_i (...)^2 + s/2 |theta|^2.
3. curio, for R in --ranks and tangent in (false, true), --repeat times (interleaved):
       mpiexec -n R --bind-to core build/curio -curio_mode sgdf -curio_input data.h5 -curio_loss squared \\
           -curio_s S -curio_sgdf_epochs 1 -curio_sgdf_lr ETA/n -curio_sgdf_batch B -curio_sgdf_seed SEED \\
           -curio_sgdf_tangent false|true -curio_output out.h5 -log_view :log.txt [--curio-args ...]
   The epoch time is curio's own: the first of the /timing attributes named in --timing-keys that the output has
   (wall seconds, max over ranks), else the -log_view time of the stages other than reading and writing.
   and, at every rank count R > 1, local SGDF (-curio_sgdf_local_steps H for each H in --local-steps, docs/sgdf.md)
   beside the bulk-synchronous H = 0; ranks above the core count run oversubscribed (for the record only). With
   --rank-batch each rank of a local run takes --batch rows per step (global batch R B, step R eta: the same step per
   row), the way local SGD is usually run, instead of its share of a global batch of B.
   Each configuration is run --repeat times (default 5) and the median epoch time is reported.
   Time to the objective: the objective that SGDF on 1 rank reaches after one epoch (plus --objective-rtol of its
   decrease, default 1%); a variant that is not there after one epoch is run again with 2 .. --max-epochs epochs,
   and its time is the median training time of the fewest epochs that reach it.
4. Checks: the primal iterate of SGDF equals plain SGD's (the dual part must not change the real part) to --tol,
   every run lowers the objective below its value at theta = 0, and curio's decrease of the objective in its epoch
   is within --progress-tol (20%) of scikit-learn's (the two did comparable work). Prints the times and the ratios against the
   targets (informational PASS/MISS): SGDF / SGD epoch time, scikit-learn / curio SGDF epoch time, the 1 -> 2 rank
   speed-up, the best time-to-objective speed-up over the variants, and peak memory against bytes(X) / R + 2 d doubles
   (also without the peak RSS of curio on a 1000 x 100 problem, measured in the same run: what the libraries and MPI
   hold whatever the data); writes everything as JSON, including the per-step
   times that bench/scaling_model.py reads.

It asserts nothing about time. It exits with status 1 only if a run fails or a check fails.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

import benchlib
from benchlib import MIB, SINGLE_THREAD_ENV, environment, generate_sparse, loadavg, others_running, peak_rss_mib, rel_diff

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

TARGETS = {
    "sgdf_over_sgd_1rank": ("<=", 1.2, "curio SGDF / SGD epoch time, 1 rank"),
    "sklearn_over_sgdf_1rank": (">=", 3.0, "scikit-learn SGD / curio SGDF epoch time, 1 rank"),
    "time_to_objective_speedup_1_to_2_ranks_best": (">=", 1.8, "time to the 1-rank 1-epoch objective, 1 / 2 ranks, best variant"),
    "sgdf_peak_rss_over_x_share_plus_2d_2ranks": ("<=", 1.2, "peak RSS per rank / (X/R + 2d), 2 ranks"),
}

# /timing attributes that may hold the training time of an epoch, in order of preference
TIMING_KEYS = "sgdf,train,epochs,epoch"


# --------------------------------------------------------------------------- arguments


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="See bench/README.md for what the targets mean.")
    p.add_argument("--dense", action="store_true",
                   help="dense data (X ~ N(0, 1), curio's /train/X layout; curio's replicated layout) instead of sparse; "
                        "defaults --n 100000 --d 400 --lr 0.001")
    p.add_argument("--n", type=int, default=None, help="rows (default 1000000; 100000 with --dense)")
    p.add_argument("--d", type=int, default=None, help="features (default 100000; 400 with --dense)")
    p.add_argument("--nnz-per-row", type=int, default=20, help="nonzeros per row (default 20)")
    p.add_argument("--seed", type=int, default=1, help="seed of the data and of the sampling order (default 1)")
    p.add_argument("--noise", type=float, default=1.0, help="standard deviation of the label noise (default 1.0)")
    p.add_argument("--s", type=float, default=1.0, help="regularity s (default 1.0; scikit-learn's alpha = s/n)")
    p.add_argument("--lr", type=float, default=None,
                   help="scikit-learn's constant eta0, the step per row on the mean objective (default 0.01; 0.001 with --dense, where "
                        "|x_i|^2 = d = 400 makes 0.01 diverge)")
    p.add_argument("--curio-lr", type=float, default=None,
                   help="curio's -curio_sgdf_lr (default --lr * --batch / n: curio's step is on the sum objective, MATH.md section 6, and "
                        "moves each of the batch's rows by eta n / B; this makes a row move theta as far as in scikit-learn)")
    p.add_argument("--batch", type=int, default=32, help="curio's minibatch rows -curio_sgdf_batch (default 32; scikit-learn's SGD takes 1)")
    p.add_argument("--ranks", default="1,2", help="comma-separated MPI rank counts for curio (default 1,2)")
    p.add_argument("--repeat", type=int, default=5, help="repeats of each curio run; the median is reported, with the range (default 5)")
    p.add_argument("--local-steps", default="16,128",
                   help="comma-separated H of local SGDF (-curio_sgdf_local_steps H) run beside the bulk-synchronous H = 0 at every rank count > 1"
                        " (default 16,128)")
    p.add_argument("--rank-batch", action="store_true",
                   help="local SGDF (H > 0) takes --batch rows per rank per step: -curio_sgdf_batch R x --batch and -curio_sgdf_lr R x "
                        "--curio-lr (the same step per row), so a rank takes n / (R B) steps per epoch instead of n / B (default: the "
                        "global batch --batch split over the ranks, which H = 1 reproduces bulk-synchronously)")
    p.add_argument("--local-layout", default="", choices=["", "replicated", "hybrid"],
                   help="-curio_sgdf_layout of the local SGDF runs (H > 0): replicated (a copy per rank) or hybrid (a copy per node, "
                        "docs/sgdf.md section 6); default: curio's auto")
    p.add_argument("--objective-rtol", type=float, default=1e-2,
                   help="time to the objective: reached when within this fraction of the 1-rank one-epoch decrease of its value (default 0.01)")
    p.add_argument("--max-epochs", type=int, default=3,
                   help="time to the objective: a run that has not reached it after one epoch is run again with up to this many epochs (default 3)")
    p.add_argument("--sklearn-repeat", type=int, default=3, help="epochs of scikit-learn timed, each from theta = 0; the median is reported (default 3)")
    p.add_argument("--core-probe", choices=["auto", "on", "off"], default="auto",
                   help="in every repeat, also run R independent one-rank SGDF epochs at once, each pinned (taskset) to one of the cores "
                        "0 .. R-1 of the largest rank count R: what these cores give to R copies of the work, which bounds the speed-up "
                        "of R ranks (the cores of a VM, or cores that share a memory channel, need not keep their speed when busy together; "
                        "auto: on when R > 1 fits the cores)")
    p.add_argument("--curio-args", default="", help="extra curio options for every run, e.g. '-curio_sgdf_layout partitioned'")
    p.add_argument("--timing-keys", default=TIMING_KEYS, help=f"/timing attributes to take the epoch time from, first found wins (default {TIMING_KEYS})")
    p.add_argument("--no-curio", action="store_true", help="only the data and scikit-learn (e.g. before the SGDF driver is built)")
    p.add_argument("--curio", default=os.path.join(ROOT, "build", "curio"), help="curio executable (default <repo>/build/curio)")
    p.add_argument("--mpiexec", default="mpiexec", help="MPI launcher (default mpiexec)")
    p.add_argument("--mpiexec-args", default="--bind-to core", help="extra launcher arguments (default '--bind-to core')")
    p.add_argument("--data", default=None, help="use this data file (curio's CSR layout) instead of generating one")
    p.add_argument("--workdir", default=None, help="directory for the data, outputs and logs (default: a temporary directory, removed at the end)")
    p.add_argument("--keep", action="store_true", help="keep the temporary working directory")
    p.add_argument("--tol", type=float, default=1e-12, help="max relative difference of SGDF's theta from SGD's (default 1e-12)")
    p.add_argument("--progress-tol", type=float, default=0.2,
                   help="max relative difference of curio's decrease of the objective in one epoch from scikit-learn's (default 0.2)")
    p.add_argument("--json", default=None, help="write the results as JSON to this path")
    p.add_argument("--label", default=None, help="free text stored in the JSON")
    # internal: the scikit-learn baseline runs this same file in a subprocess
    p.add_argument("--worker", choices=["sklearn"], help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.n is None:
        args.n = 100000 if args.dense else 1000000
    if args.d is None:
        args.d = 400 if args.dense else 100000
    if args.lr is None:
        args.lr = 0.001 if args.dense else 0.01
    args.ranks = [int(r) for r in args.ranks.split(",") if r.strip()]
    args.local_steps = [int(h) for h in args.local_steps.split(",") if h.strip() and int(h) > 0]
    for name in ("n", "d", "nnz_per_row", "batch", "repeat", "sklearn_repeat"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    if args.s <= 0 or args.lr <= 0 or (args.curio_lr is not None and args.curio_lr <= 0):
        p.error("need --s > 0, --lr > 0 and --curio-lr > 0")
    return args


# --------------------------------------------------------------------------- objective


def objective(X, y, theta, s):
    """1/2 |y - X theta|^2 + s/2 |theta|^2 (curio's ridge objective); X a scipy CSR matrix or a dense array."""
    r = y - X @ theta
    return 0.5 * float(r @ r) + 0.5 * s * float(theta @ theta)


# --------------------------------------------------------------------------- scikit-learn (run in a child process)


def worker_sklearn(args):
    import scipy.sparse as sp
    import sklearn
    from sklearn.linear_model import SGDRegressor

    rss_import = peak_rss_mib()
    kind, Xf, y, shape = benchlib.load_train(args.data)
    if kind == "sparse":
        indptr, indices, data = Xf
        X = sp.csr_matrix((data, indices.astype(np.int32), indptr.astype(np.int32)), shape=shape)
        del indices, indptr
    else:
        X = Xf
    del Xf
    rss_loaded = peak_rss_mib()
    n = shape[0]
    times, model = [], None
    for k in range(args.sklearn_repeat):
        model = SGDRegressor(loss="squared_error", penalty="l2", alpha=args.s / n, learning_rate="constant", eta0=args.lr, fit_intercept=False,
                             max_iter=1, tol=None, shuffle=True, random_state=args.seed + k, average=False)
        t0 = time.perf_counter()
        model.partial_fit(X, y)
        times.append(time.perf_counter() - t0)
    theta = model.coef_.astype(float)
    np.save(args.result, theta)
    x_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes if kind == "sparse" else X.nbytes
    return {"times": times, "best": min(times), "median": float(np.median(times)), "peak_rss_mib": peak_rss_mib(), "rss_after_import_mib": rss_import, "rss_after_load_mib": rss_loaded,
            "x_bytes": int(x_bytes), "sklearn": sklearn.__version__, "n_iter": int(getattr(model, "n_iter_", 1)), "t_": float(getattr(model, "t_", 0.0)),
            "blas": None}


def run_sklearn(args, data, workdir):
    result = os.path.join(workdir, "sklearn_theta.npy")
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "sklearn", "--data", data, "--result", result, "--s", repr(args.s), "--lr",
           repr(args.lr), "--seed", str(args.seed), "--sklearn-repeat", str(args.sklearn_repeat)]
    env = dict(os.environ, **SINGLE_THREAD_ENV)
    busy = others_running()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"error: the scikit-learn baseline failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    report.update(wall=time.perf_counter() - t0, others_running=busy)
    return report, np.load(result)


# --------------------------------------------------------------------------- curio


def launch(args, nranks):
    """mpiexec and its arguments for nranks: oversubscribed (for the record) without binding to cores"""
    over = nranks > (os.cpu_count() or 1)
    return [args.mpiexec, "-n", str(nranks)] + (["--oversubscribe", "--bind-to", "none"] if over else args.mpiexec_args.split())


def curio_command(args, nranks, tangent, data, out, log, local_steps=0, epochs=1, pin=None):
    scale = nranks if args.rank_batch and local_steps > 0 else 1  # --rank-batch: B rows per rank, the same step per row
    # pin: one rank on that core (the launcher's binding puts a lone rank on core 0)
    start = launch(args, nranks) if pin is None else [args.mpiexec, "-n", "1", "--bind-to", "none", "taskset", "-c", str(pin)]
    return (start +
            [args.curio, "-curio_mode", "sgdf", "-curio_input", data, "-curio_loss", "squared", "-curio_s", repr(args.s), "-curio_sgdf_epochs", str(epochs),
             "-curio_sgdf_local_steps", str(local_steps),
             "-curio_sgdf_lr", repr(args.curio_lr * scale), "-curio_sgdf_batch", str(args.batch * scale), "-curio_sgdf_seed", str(args.seed), "-curio_sgdf_tangent",
             "true" if tangent else "false", "-curio_output", out, "-log_view", f":{log}"] +
            (["-curio_sgdf_layout", args.local_layout] if local_steps > 0 and args.local_layout else []) + args.curio_args.split())


def parse_log_view(text):
    """Stage wall times (max over ranks) from PETSc's -log_view summary."""
    stages = {}
    for ln in text.splitlines():
        m = re.match(r"^\s*\d+:\s+([A-Za-z][\w ]*?):\s+([0-9.eE+-]+)\s", ln)
        if m:
            stages[m.group(1).strip()] = float(m.group(2))
        if ln.startswith("--- Event Stage"):
            break
    return stages


def epoch_time(timing, stages, keys):
    """(seconds, where from): a /timing attribute, else the -log_view stages other than reading and writing."""
    for k in keys:
        if k in timing:
            return timing[k], f"/timing {k}"
    if stages:
        skip = [st for st in stages if re.search(r"read|write|setup", st, re.I)]
        t = sum(v for st, v in stages.items() if st not in skip)
        return t, "-log_view: all stages except " + (", ".join(skip) if skip else "none")
    return float("nan"), "none"


def start_curio(args, nranks, tangent, data, workdir, tag, env, local_steps=0, epochs=1, pin=None):
    out = os.path.join(workdir, f"curio_{tag}.h5")
    log = os.path.join(workdir, f"log_{tag}.txt")
    cmd = curio_command(args, nranks, tangent, data, out, log, local_steps, epochs, pin)
    busy = others_running()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return {"cmd": cmd, "out": out, "log": log, "busy": busy, "t0": time.perf_counter(), "proc": proc}


def finish_curio(args, job):
    import h5py

    stdout, stderr = job["proc"].communicate()
    wall = time.perf_counter() - job["t0"]
    cmd, out, log = job["cmd"], job["out"], job["log"]
    if job["proc"].returncode != 0:
        sys.exit(f"error: curio failed (exit {job['proc'].returncode}): {' '.join(cmd)}\n{stdout}{stderr}")
    with h5py.File(out, "r") as f:
        timing = {k: float(v) for k, v in f["/timing"].attrs.items()} if "timing" in f else {}
        theta = f["/model/theta"][...]
        theta_dot = f["/model/theta_dot"][...] if "/model/theta_dot" in f else None
    stages = {}
    if os.path.exists(log):
        with open(log) as f:
            stages = parse_log_view(f.read())
        os.remove(log)
    os.remove(out)
    t, source = epoch_time(timing, stages, [k for k in args.timing_keys.split(",") if k])
    return {"wall": wall, "timing": timing, "stages": stages, "epoch": t, "epoch_source": source, "peak_rss_mib": timing.get("peak_rss_mib"),
            "others_running": job["busy"], "stdout_tail": stdout[-2000:]}, theta, theta_dot


def run_curio(args, nranks, tangent, data, workdir, tag, env, local_steps=0, epochs=1, pin=None):
    return finish_curio(args, start_curio(args, nranks, tangent, data, workdir, tag, env, local_steps, epochs, pin))


def baseline_rss(args, nranks, env, workdir):
    """peak RSS (MiB, largest rank) of an SGDF run on a problem too small to matter (1000 x 100): what the executable,
    its shared libraries (PETSc, MPI, HDF5, BLAS) and MPI's buffers hold whatever the data"""
    import h5py

    out = os.path.join(workdir, f"baseline_R{nranks}.h5")
    cmd = (launch(args, nranks) +
           [args.curio, "-curio_mode", "sgdf", "-curio_sgdf_synthetic", "1000,100,5", "-curio_sgdf_epochs", "1", "-curio_sgdf_lr", "1e-3", "-curio_s", "1",
            "-curio_output", out])
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"error: curio failed (exit {proc.returncode}): {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    with h5py.File(out, "r") as f:
        rss = float(f["/timing"].attrs["peak_rss_mib"]) if "timing" in f and "peak_rss_mib" in f["/timing"].attrs else None
    os.remove(out)
    return rss


def variants(args):
    """(ranks, tangent, H): SGD and SGDF bulk-synchronous at every rank count, and local SGDF with each H at R > 1"""
    out = []
    for nranks in args.ranks:
        for H in [0] + (args.local_steps if nranks > 1 else []):
            for tangent in (False, True):
                out.append((nranks, tangent, H))
    return out


def variant_key(nranks, tangent, H):
    return f"{'sgdf' if tangent else 'sgd'}_R{nranks}" + (f"_H{H}" if H else "")


def probe_cores(args):
    """the cores the largest rank count runs on (--bind-to core places rank r on core r), if probed"""
    top = max(args.ranks)
    on = args.core_probe == "on" or (args.core_probe == "auto" and 1 < top <= (os.cpu_count() or 1))
    return list(range(top)) if on and shutil.which("taskset") else []


def bench_curio(args, data, workdir, env):
    base = {r: baseline_rss(args, r, env, workdir) for r in args.ranks}
    runs = {v: [] for v in variants(args)}
    cores = {c: [] for c in probe_cores(args)}
    results = {}
    for k in range(args.repeat):
        for nranks, tangent, H in variants(args):
            key = variant_key(nranks, tangent, H)
            print(f"  curio {key}, run {k + 1} of {args.repeat} ...", flush=True)
            run, theta, theta_dot = run_curio(args, nranks, tangent, data, workdir, f"{key}_{k}", env, H)
            runs[(nranks, tangent, H)].append(run)
            results[(nranks, tangent, H)] = (theta, theta_dot)
        if cores:  # one independent one-rank run per core, all at once: what these cores give to R copies of the work
            print(f"  curio sgdf_R1 on cores {', '.join(map(str, cores))} at once, run {k + 1} of {args.repeat} ...", flush=True)
            jobs = {c: start_curio(args, 1, True, data, workdir, f"core{c}_{k}", env, pin=c) for c in cores}
            for c, job in jobs.items():
                cores[c].append(finish_curio(args, job)[0])
    curio = {}
    for (nranks, tangent, H), rr in runs.items():
        rss = [r["peak_rss_mib"] for r in rr if r["peak_rss_mib"] is not None]
        curio[variant_key(nranks, tangent, H)] = {
            "ranks": nranks, "tangent": tangent, "local_steps": H, "runs": rr, "epoch": float(np.median([r["epoch"] for r in rr])),
            "epoch_min": min(r["epoch"] for r in rr), "epoch_max": max(r["epoch"] for r in rr),
            "step": float(np.median([r["timing"].get("step", float("nan")) for r in rr])), "epoch_source": rr[0]["epoch_source"] + " (median)",
            "wall": min(r["wall"] for r in rr), "peak_rss_mib": max(rss) if rss else None, "baseline_rss_mib": base[nranks],
            "command": " ".join(curio_command(args, nranks, tangent, data, "out.h5", "log.txt", H))}
    for c, rr in cores.items():
        curio[f"sgdf_R1_core{c}"] = {
            "ranks": 1, "tangent": True, "local_steps": 0, "core": c, "runs": rr, "epoch": float(np.median([r["epoch"] for r in rr])),
            "epoch_min": min(r["epoch"] for r in rr), "epoch_max": max(r["epoch"] for r in rr), "epoch_source": rr[0]["epoch_source"] + " (median)",
            "wall": min(r["wall"] for r in rr), "peak_rss_mib": None, "baseline_rss_mib": None,
            "command": " ".join(curio_command(args, 1, True, data, "out.h5", "log.txt", pin=c))}
    return curio, results


def time_to_objective(args, data, workdir, env, Xobj, y, curio, results, target):
    """For each SGDF variant: the training time (median of --repeat runs) of the fewest epochs whose final objective is
    at most target (the one-rank objective after one epoch); runs of 2 .. --max-epochs epochs are made when needed"""
    out = {}
    for (nranks, tangent, H), (theta, _) in results.items():
        if not tangent:
            continue
        key = variant_key(nranks, tangent, H)
        f, E, t = objective(Xobj, y, theta, args.s), 1, curio[key]["epoch"]
        while f > target and E < args.max_epochs:
            E += 1
            times = []
            for k in range(args.repeat):
                print(f"  curio {key}, {E} epochs (time to the objective), run {k + 1} of {args.repeat} ...", flush=True)
                run, th, _ = run_curio(args, nranks, tangent, data, workdir, f"{key}_E{E}_{k}", env, H, E)
                times.append(run["epoch"])
            f, t = objective(Xobj, y, th, args.s), float(np.median(times))
        out[key] = {"ranks": nranks, "local_steps": H, "epochs": E, "objective": f, "reached": bool(f <= target), "seconds": t if f <= target else float("nan")}
    return out


# --------------------------------------------------------------------------- report


def target_status(key, value):
    return benchlib.target_status(TARGETS, key, value)


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(worker_sklearn(args)))
        return 0

    t_start = time.perf_counter()
    load_start = loadavg()
    if not args.no_curio and not os.access(args.curio, os.X_OK):
        sys.exit(f"error: {args.curio} is not an executable; build it (cmake -S . -B build && cmake --build build) or use bench/run_sgdf.sh")
    temporary = args.workdir is None
    workdir = tempfile.mkdtemp(prefix="curio-bench-sgdf-") if temporary else args.workdir
    os.makedirs(workdir, exist_ok=True)
    try:
        curio_info = None
        env = dict(os.environ, **SINGLE_THREAD_ENV)
        if not args.no_curio:
            args.curio, snap, curio_info = benchlib.snapshot_curio_with_libs(args.curio, workdir, "bench/run_sgdf.sh")
            env["LD_LIBRARY_PATH"] = snap + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
            git = curio_info["git"]
            print(f"curio: {curio_info['executable']} (sha256 {curio_info['sha256']['curio'][:12]}, built {curio_info['mtime']}"
                  + (f", commit {git['commit']}{' + modified ' + ' '.join(git['modified']) if git['modified'] else ''}" if git else "") + ")")
        t_gen = 0.0
        if args.data:
            data = os.path.abspath(args.data)
        else:
            t0 = time.perf_counter()
            if args.dense:
                data = os.path.join(workdir, "dense.h5")
                print(f"generating dense {args.n} x {args.d} (seed {args.seed}) into {data} ...", flush=True)
                benchlib.generate_dense(data, args.n, args.d, args.seed, args.noise)
            else:
                data = os.path.join(workdir, "sparse.h5")
                print(f"generating sparse {args.n} x {args.d}, {args.nnz_per_row} nonzeros per row (seed {args.seed}) into {data} ...", flush=True)
                generate_sparse(data, args.n, args.d, args.nnz_per_row, args.seed, args.noise)
            t_gen = time.perf_counter() - t0
        kind, Xf, y, shape = benchlib.load_train(data)
        n, d = shape
        if kind == "sparse":
            import scipy.sparse as sp

            indptr, indices, vals = Xf
            nnz = int(indptr[-1])
            Xobj = sp.csr_matrix((vals, indices, indptr), shape=shape)
            # X as curio holds it: values (8 bytes), column indices (PetscInt, 4 bytes in Debian's PETSc), row pointers
            x_bytes = nnz * (8 + 4) + (n + 1) * 4
        else:
            Xobj, nnz = Xf, n * d
            x_bytes = n * d * 8
        del Xf
        if args.curio_lr is None:
            # sparse rows of a batch touch nearly disjoint columns: B row steps of eta0 each; dense rows overlap in every
            # column, so the batch's summed step would be B times too long (unstable): the same step per step, eta0 / n
            args.curio_lr = args.lr * args.batch / n if kind == "sparse" else args.lr / n
        f0 = objective(Xobj, y, np.zeros(d), args.s)

        print("scikit-learn SGDRegressor, one epoch ...", flush=True)
        sk, sk_theta = run_sklearn(args, data, workdir)
        f_sk = objective(Xobj, y, sk_theta, args.s)

        curio, results, checks, ratios = {}, {}, {}, {}
        if not args.no_curio:
            curio, results = bench_curio(args, data, workdir, env)
            for r, _, H in variants(args):
                th_sgd, _ = results[(r, False, H)]
                th_sgdf, thd = results[(r, True, H)]
                checks[f"R{r}" + (f"_H{H}" if H else "")] = {"theta_sgdf_vs_sgd": rel_diff(th_sgdf, th_sgd), "objective_sgd": objective(Xobj, y, th_sgd, args.s),
                                   "objective_sgdf": objective(Xobj, y, th_sgdf, args.s),
                                   "theta_dot_norm": float(np.linalg.norm(thd)) if thd is not None else None}
                # how far each got in its one epoch, relative to scikit-learn's decrease of the objective
                ck = checks[f"R{r}" + (f"_H{H}" if H else "")]
                for m in ("sgd", "sgdf"):
                    ck[f"progress_{m}_over_sklearn"] = (f0 - ck[f"objective_{m}"]) / (f0 - f_sk)
            c1 = curio.get("sgdf_R1"), curio.get("sgd_R1")
            if c1[0] and c1[1]:
                ratios["sgdf_over_sgd_1rank"] = c1[0]["epoch"] / c1[1]["epoch"]
                ratios["sklearn_over_sgdf_1rank"] = sk["median"] / c1[0]["epoch"]
            for r in args.ranks:
                if r != 1 and f"sgdf_R{r}" in curio and "sgdf_R1" in curio:
                    ratios[f"sgdf_speedup_1_to_{r}_ranks"] = curio["sgdf_R1"]["epoch"] / curio[f"sgdf_R{r}"]["epoch"]
                    ratios[f"sgd_speedup_1_to_{r}_ranks"] = curio["sgd_R1"]["epoch"] / curio[f"sgd_R{r}"]["epoch"]
                if r != 1 and f"sgdf_R{r}" in curio and f"sgd_R{r}" in curio:
                    ratios[f"sgdf_over_sgd_{r}ranks"] = curio[f"sgdf_R{r}"]["epoch"] / curio[f"sgd_R{r}"]["epoch"]
                for H in args.local_steps if r > 1 else []:
                    if f"sgdf_R{r}_H{H}" in curio:
                        ratios[f"sgdf_speedup_1_to_{r}_ranks_H{H}"] = curio["sgdf_R1"]["epoch"] / curio[f"sgdf_R{r}_H{H}"]["epoch"]
                        ratios[f"sgdf_over_sgd_{r}ranks_H{H}"] = curio[f"sgdf_R{r}_H{H}"]["epoch"] / curio[f"sgd_R{r}_H{H}"]["epoch"]
                key = f"sgdf_R{r}"
                if key in curio and curio[key]["peak_rss_mib"]:
                    # the largest rank's peak against its share of X and the replicated theta, theta_dot
                    ratios[f"sgdf_peak_rss_over_x_share_plus_2d_{r}rank{'s' if r > 1 else ''}"] = curio[key]["peak_rss_mib"] * MIB / (x_bytes / r + 2 * d * 8)
                    if curio[key]["baseline_rss_mib"]:  # the same without what any run holds (libraries, MPI buffers)
                        ratios[f"sgdf_peak_rss_above_baseline_over_x_share_plus_2d_{r}rank{'s' if r > 1 else ''}"] = (
                            (curio[key]["peak_rss_mib"] - curio[key]["baseline_rss_mib"]) * MIB / (x_bytes / r + 2 * d * 8))

            # time to reach the objective one rank reaches in one epoch (up to a thousandth of that epoch's decrease)
            tto = {}
            if "sgdf_R1" in curio:
                f1 = checks["R1"]["objective_sgdf"]
                target = f1 + args.objective_rtol * (f0 - f1)
                tto = time_to_objective(args, data, workdir, env, Xobj, y, curio, results, target)
                for key, v in tto.items():
                    if v["ranks"] > 1:
                        ratios[f"time_to_objective_speedup_1_to_{v['ranks']}_ranks" + (f"_H{v['local_steps']}" if v["local_steps"] else "")] = (
                            tto["sgdf_R1"]["seconds"] / v["seconds"])
                for r in args.ranks:
                    reached = {v["local_steps"]: tto["sgdf_R1"]["seconds"] / v["seconds"] for v in tto.values() if v["ranks"] == r and v["reached"]}
                    if r > 1 and reached:
                        best = max(reached, key=reached.get)
                        ratios[f"time_to_objective_speedup_1_to_{r}_ranks_best"] = reached[best]
                        ratios[f"time_to_objective_best_local_steps_{r}_ranks"] = best
                        # what the cores give: r independent one-rank epochs at once, one per core (--core-probe); the
                        # slowest of them against one alone (core 0). r ranks of equal rows go at the pace of the slowest,
                        # so no split of the rows in r equal parts beats r t(alone) / t(slowest at once) on these cores
                        if r == max(args.ranks) and "sgdf_R1_core0" in curio:
                            at_once = [curio[key]["runs"] for key in curio if "core" in curio[key]]  # per core, the runs of each repeat
                            slow = float(np.median([max(runs[k]["epoch"] for runs in at_once) for k in range(len(at_once[0]))]))
                            ratios[f"concurrent_{r}_slowest_epoch_over_alone"] = slow / curio["sgdf_R1"]["epoch"]
                            ratios[f"time_to_objective_speedup_bound_{r}_ranks_these_cores"] = r * curio["sgdf_R1"]["epoch"] / slow
                            ratios[f"time_to_objective_speedup_over_bound_{r}_ranks"] = reached[best] * slow / (r * curio["sgdf_R1"]["epoch"])

        # ------------------------------------------------------------------ report
        x_mib = x_bytes / MIB
        print(f"\n{kind} ridge, n = {n}, d = {d}, {nnz / n:g} nonzeros per row; s = {args.s:g} (scikit-learn alpha = s/n = {args.s / n:g}); "
              f"scikit-learn eta0 {args.lr:g}, curio -curio_sgdf_lr {args.curio_lr:g}, batch {args.batch}")
        print(f"bytes(X) as curio holds it ({'CSR, 32-bit indices' if kind == 'sparse' else 'dense doubles'}) {x_mib:.0f} MiB; 2 d doubles {2 * d * 8 / MIB:.1f} MiB")
        print(f"every process single-threaded ({', '.join(f'{k}={v}' for k, v in SINGLE_THREAD_ENV.items())})\n")
        print(f"{'method':<28} {'ranks':>5} {'epoch [s]':>10} {'range [s]':>15} {'from':<34} {'peak RSS [MiB]':>15} {'/ (X/R + 2d)':>13}")
        sk_range = f"{min(sk['times']):.3f}-{max(sk['times']):.3f}"
        print(f"{'scikit-learn SGDRegressor':<28} {1:>5} {sk['median']:>10.3f} {sk_range:>15} {'partial_fit, one call (median)':<34} {sk['peak_rss_mib']:>15.0f} "
              f"{sk['peak_rss_mib'] * MIB / (x_bytes + 2 * d * 8):>13.2f}")
        for key, c in curio.items():
            rss = c["peak_rss_mib"]
            rel = f"{rss * MIB / (x_bytes / c['ranks'] + 2 * d * 8):>13.2f}" if rss else f"{'':>13}"
            c_range = f"{c['epoch_min']:.3f}-{c['epoch_max']:.3f}"
            label = "curio " + ("SGDF" if c["tangent"] else "SGD") + (f" local H={c['local_steps']}" if c.get("local_steps") else "") + (
                f" {args.local_layout}" if c.get("local_steps") and args.local_layout else "") + (f" on core {c['core']}" if "core" in c else "")
            print(f"{label:<28} {c['ranks']:>5} {c['epoch']:>10.3f} {c_range:>15} {c['epoch_source'][:34]:<34} "
                  f"{(f'{rss:.0f}' + (' per rank' if c['ranks'] > 1 else '')) if rss else 'n/a':>15} {rel}")
        probed = {c["core"]: c for c in curio.values() if "core" in c}
        if probed and "sgdf_R1" in curio:
            print(f"the cores: {len(probed)} independent one-rank SGDF epochs at once, one per core: "
                  + ", ".join(f"core {k} {c['epoch']:.3f} s" for k, c in sorted(probed.items()))
                  + f" (medians), against {curio['sgdf_R1']['epoch']:.3f} s alone; the ranks of a run go at the pace of the slowest "
                  "(ratios time_to_objective_speedup_bound_*_these_cores, *_over_bound_*)")
        bases = {c["ranks"]: c["baseline_rss_mib"] for c in curio.values() if c.get("baseline_rss_mib")}
        if bases:
            print("peak RSS of curio on a 1000 x 100 problem (the libraries and MPI, whatever the data): "
                  + ", ".join(f"{b:.0f} MiB at {r} rank{'s' if r > 1 else ''}" for r, b in sorted(bases.items())))
        print(f"\nobjective 1/2|y - X theta|^2 + s/2|theta|^2: at theta = 0 {f0:.6g}; scikit-learn after one epoch {f_sk:.6g}")
        if not args.no_curio and tto:
            print(f"time to the objective of SGDF on 1 rank after one epoch, {target:.8g} (its value plus {args.objective_rtol:g} of its decrease"
                  f" {f0 - f1:.6g}):")
            for key, v in tto.items():
                print(f"  {key:<16} {v['epochs']} epoch(s), objective {v['objective']:.8g} ({(v['objective'] - f1) / (f0 - f1):+.2e} of the decrease): "
                      + (f"{v['seconds']:.3f} s (median training time)" if v["reached"] else f"not reached in {args.max_epochs} epochs"))
        for r, c in checks.items():
            print(f"  curio {r}: SGD {c['objective_sgd']:.6g}, SGDF {c['objective_sgdf']:.6g}; |theta_SGDF - theta_SGD| / |theta_SGD| = "
                  f"{c['theta_sgdf_vs_sgd']:.1e}; |theta_dot| = {c['theta_dot_norm']}; decrease of the objective / scikit-learn's: "
                  f"SGD {c['progress_sgd_over_sklearn']:.3f}, SGDF {c['progress_sgdf_over_sklearn']:.3f}")
        if ratios:
            print("\nratios:")
            for key, value in ratios.items():
                if key in TARGETS:
                    op, target, label = TARGETS[key]
                    print(f"  {label:<52} {value:8.2f}   (target {op} {target:g}: {target_status(key, value)})")
                else:
                    print(f"  {key:<52} {value:8.2f}")
        bad = []
        for r, c in checks.items():
            if not c["theta_sgdf_vs_sgd"] <= args.tol:
                bad.append(f"{r}: SGDF's theta differs from SGD's by {c['theta_sgdf_vs_sgd']:.2e} (> --tol {args.tol:g})")
            for m in ("sgd", "sgdf"):
                if not c[f"objective_{m}"] < f0:
                    bad.append(f"{r}: curio {m} did not lower the objective ({c[f'objective_{m}']:.6g} >= {f0:.6g} at theta = 0)")
            for m in ("sgd", "sgdf"):
                pr = c[f"progress_{m}_over_sklearn"]
                if not abs(pr - 1) <= args.progress_tol:
                    bad.append(f"{r}: curio {m} lowered the objective by {pr:.3f} times scikit-learn's decrease (not within --progress-tol "
                               f"{args.progress_tol:g}): the step sizes are not comparable")
        if not f_sk < f0:
            bad.append(f"scikit-learn did not lower the objective ({f_sk:.6g} >= {f0:.6g})")
        for b in bad:
            print("CHECK FAILED: " + b)

        # inputs of bench/scaling_model.py: the epoch time per row a rank handles (n / R rows per rank), which does not
        # depend on whether -curio_sgdf_batch counts the rows of a rank or of all ranks
        steps = {}
        for key, c in curio.items():
            steps[key] = {"ranks": c["ranks"], "epoch_seconds": c["epoch"], "rows_per_rank": n / c["ranks"],
                          "seconds_per_row_per_rank": c["epoch"] * c["ranks"] / n}
        t_total = time.perf_counter() - t_start
        load_end = loadavg()
        print(f"\nbenchmark wall time {t_total:.1f} s (data generation {t_gen:.1f} s); 1-min load average {load_start[0]:.2f} before, {load_end[0]:.2f} after")
        if args.json:
            result = {
                "benchmark": "sgdf",
                "label": args.label,
                "config": {k: getattr(args, k) for k in ("n", "d", "nnz_per_row", "seed", "noise", "s", "lr", "curio_lr", "batch", "ranks", "local_steps", "local_layout", "rank_batch", "objective_rtol", "max_epochs", "repeat", "sklearn_repeat",
                                                         "curio_args", "mpiexec_args", "no_curio")},
                "environment": dict(environment(), threads=SINGLE_THREAD_ENV, loadavg_before=load_start, loadavg_after=load_end),
                "curio_executable": curio_info,
                "problem": {"n": int(n), "d": int(d), "nnz": nnz, "x_bytes": int(x_bytes), "objective_at_zero": f0},
                "sklearn": dict(sk, objective=f_sk),
                "curio": curio,
                "steps": steps,
                "checks": checks,
                "time_to_objective": tto if not args.no_curio else None,
                "ratios": ratios,
                "targets": benchlib.targets_report(TARGETS, ratios),
                "wall_seconds": {"total": t_total, "data_generation": t_gen},
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            benchlib.write_json(args.json, result)
        return 1 if bad else 0
    finally:
        if temporary and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        elif temporary:
            print(f"kept {workdir}")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Benchmark of curio's small-d dense path against numpy and scikit-learn, in one run.

Command (from the repository root, after building build/curio; bench/run_dense.sh does both):

    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \\
        /usr/bin/python3 bench/bench_dense.py --n 100000 --d 400 --repeat 3 --json bench/results/dense.json

What it does (bench/README.md explains the targets):

1. Generates X ~ N(0, 1) of shape (n, d), y = X theta_true + noise (theta_true_j = 1/(1+j)) and writes them to
   <workdir>/data.h5 as /train/X (n, d) and /train/y (n), curio's input layout.
2. Runs `mpiexec -n R --bind-to core build/curio -curio_input data.h5 -curio_s S -curio_loocv_ns 32 ...` for each R
   in --ranks, --repeat times each, and reads the stage times from /timing of the output file:
   curio direct = gram + train + tangent, curio LOOCV = gram + loocv (best of the repeats).
3. Runs the baselines in a subprocess each (so that each one's peak RSS is its own), single-threaded BLAS like the
   curio ranks: numpy direct (H = X^T X + s I, theta = H^-1 X^T y, theta_dot = -H^-1 theta) and scikit-learn
   RidgeCV(fit_intercept=False) with leave-one-out values stored, on the same 32-value grid of s.
4. Measures the machine's dgemm rate on U = X V (numpy, single-threaded, median of >= 5) and prints curio's exact
   LOOCV time (gram + loocv, median over the repeats) against its flop bound, 3 n d^2 flops at that rate.
5. Checks curio's theta, theta_dot and exact LOOCV curve against the baselines, prints a table of times, ratios
   against the targets (informational PASS/MISS), peak memory against the size of X, and writes everything as JSON.

It asserts nothing about time. It exits with status 1 only if curio's results disagree with the baselines by more
than --tol (a benchmark of wrong answers is meaningless), or if a run fails.
"""

import argparse
import glob
import hashlib
import inspect
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
from benchlib import MIB, SINGLE_THREAD_ENV, environment, git_state, peak_rss_mib, rel_diff
from benchlib import generate_dense as generate_data

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

TARGETS = {
    "loocv_speedup_vs_ridgecv_1rank": (">=", 15.0, "curio LOOCV speed-up vs RidgeCV at 1 rank"),
    "direct_time_over_numpy_1rank": ("<=", 1.2, "curio direct time / numpy time at 1 rank"),
    "direct_speedup_1_to_2_ranks": (">=", 1.7, "curio direct speed-up 1 -> 2 ranks"),
    "loocv_over_flop_bound_1rank": ("<=", 1.3, "curio LOOCV time / 3 n d^2 flops at dgemm rate"),
}


# --------------------------------------------------------------------------- arguments


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="See bench/README.md for what the targets mean.")
    p.add_argument("--n", type=int, default=100000, help="training rows (default 100000)")
    p.add_argument("--d", type=int, default=400, help="features (default 400)")
    p.add_argument("--seed", type=int, default=1, help="seed of the synthetic data (default 1)")
    p.add_argument("--noise", type=float, default=1.0, help="standard deviation of the label noise (default 1.0)")
    p.add_argument("--s", type=float, default=1.0, help="regularity of the direct solve (default 1.0)")
    p.add_argument("--smin", type=float, default=1e-3, help="smallest s of the LOOCV grid (default 1e-3)")
    p.add_argument("--smax", type=float, default=1e3, help="largest s of the LOOCV grid (default 1e3)")
    p.add_argument("--ns", type=int, default=32, help="values of s in the LOOCV grid (default 32)")
    p.add_argument("--ranks", default="1,2", help="comma-separated MPI rank counts for curio (default 1,2)")
    p.add_argument("--repeat", type=int, default=3, help="repeats of each curio and numpy measurement; the best is reported (default 3)")
    p.add_argument("--ridgecv-repeat", type=int, default=None, help="repeats of RidgeCV (default: --repeat)")
    p.add_argument("--curio", default=os.path.join(ROOT, "build", "curio"), help="curio executable (default <repo>/build/curio)")
    p.add_argument("--mpiexec", default="mpiexec", help="MPI launcher (default mpiexec)")
    p.add_argument("--mpiexec-args", default="--bind-to core", help="extra launcher arguments (default '--bind-to core')")
    p.add_argument("--workdir", default=None, help="directory for data.h5 and outputs (default: a temporary directory, removed at the end)")
    p.add_argument("--keep", action="store_true", help="keep the temporary working directory")
    p.add_argument("--log-view", action="store_true", help="after the timed runs, one more curio run per rank count with -log_view (saved in the workdir; Curio lines printed)")
    p.add_argument("--tol", type=float, default=1e-6, help="max relative difference of curio's results from the baselines before the run is marked failed (default 1e-6)")
    p.add_argument("--json", default=None, help="write the results as JSON to this path")
    p.add_argument("--label", default=None, help="free text stored in the JSON, e.g. which version of curio this is")
    # internal: the baselines run this same file in a subprocess
    p.add_argument("--worker", choices=["numpy", "ridgecv", "dgemm"], help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.ridgecv_repeat is None:
        args.ridgecv_repeat = args.repeat
    args.ranks = [int(r) for r in args.ranks.split(",") if r.strip()]
    for name in ("n", "d", "repeat", "ridgecv_repeat", "ns"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    if not (0 < args.smin < args.smax) or args.s <= 0:
        p.error("need --s > 0 and 0 < --smin < --smax")
    return args


def loocv_grid(smin, smax, ns):
    """The grid of s shared by curio and RidgeCV: smin (smax/smin)^(j/(ns-1)), as np.logspace gives it."""
    return np.logspace(np.log10(smin), np.log10(smax), ns)


# --------------------------------------------------------------------------- data


def load_data(path):
    import h5py

    with h5py.File(path, "r") as f:
        return f["/train/X"][...], f["/train/y"][...]


# --------------------------------------------------------------------------- baselines (run in a child process)


def blas_info():
    """The BLAS libraries loaded in this process and their thread counts (threadpoolctl comes with scikit-learn)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return [{k: lib.get(k) for k in ("internal_api", "filepath", "version", "num_threads")} for lib in threadpool_info()]


def worker_numpy(args):
    """numpy direct: the ridge normal equations (eq. 78) and the tangent with the same H (eq. 87)."""
    rss_import = peak_rss_mib()
    X, y = load_data(args.data)
    rss_loaded = peak_rss_mib()
    d = X.shape[1]
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        H = X.T @ X  # numpy calls BLAS syrk for A.T @ A
        H.flat[:: d + 1] += args.s
        theta = np.linalg.solve(H, X.T @ y)
        theta_dot = -np.linalg.solve(H, theta)
        times.append(time.perf_counter() - t0)
        del H
    np.savez(args.result, theta=theta, theta_dot=theta_dot)
    return {"times": times, "peak_rss_mib": peak_rss_mib(), "rss_after_import_mib": rss_import, "rss_after_load_mib": rss_loaded,
            "numpy": np.__version__, "blas": blas_info()}


def worker_ridgecv(args):
    """scikit-learn RidgeCV with efficient (generalized) leave-one-out over the grid, storing the LOO squared errors."""
    import sklearn
    from sklearn.linear_model import RidgeCV

    rss_import = peak_rss_mib()
    X, y = load_data(args.data)
    rss_loaded = peak_rss_mib()
    alphas = loocv_grid(args.smin, args.smax, args.ns)
    params = inspect.signature(RidgeCV.__init__).parameters
    store = "store_cv_results" if "store_cv_results" in params else "store_cv_values"  # renamed in scikit-learn 1.5
    try:
        from sklearn.linear_model._ridge import _check_gcv_mode  # private; only to report which mode 'auto' picks

        gcv_mode = _check_gcv_mode(X, "auto")
    except Exception:  # noqa: BLE001  (informational only)
        gcv_mode = "auto"
    times = []
    for _ in range(args.repeat):
        model = RidgeCV(alphas=alphas, fit_intercept=False, **{store: True})
        t0 = time.perf_counter()
        model.fit(X, y)
        times.append(time.perf_counter() - t0)
    cv = getattr(model, "cv_results_", None)
    if cv is None:
        cv = model.cv_values_
    np.savez(args.result, alphas=alphas, cv_mean=cv.reshape(X.shape[0], -1).mean(axis=0), alpha=model.alpha_)
    return {"times": times, "peak_rss_mib": peak_rss_mib(), "rss_after_import_mib": rss_import, "rss_after_load_mib": rss_loaded,
            "sklearn": sklearn.__version__, "store_parameter": store, "gcv_mode": gcv_mode, "blas": blas_info()}


def worker_dgemm(args):
    """The machine's dgemm rate on the product that exact LOOCV needs, U = X V (n x d times d x d, 2 n d^2 flops),
    single-threaded like a curio rank; exact LOOCV's flop bound is 3 n d^2 flops (the Gram, n d^2, and U) at this rate."""
    X, _ = load_data(args.data)
    n, d = X.shape
    V = np.linalg.qr(np.random.default_rng(0).standard_normal((d, d)))[0]
    U = np.empty((n, d), order="F")
    Xf = np.asfortranarray(X)  # curio holds its rows column-major, as PETSc's dense matrices do
    del X
    times = []
    for _ in range(max(args.repeat, 5)):
        t0 = time.perf_counter()
        np.matmul(Xf, V, out=U)
        times.append(time.perf_counter() - t0)
    t = float(np.median(times))
    return {"times": times, "median": t, "gflops": 2.0 * n * d * d / t / 1e9, "bound_seconds": 1.5 * t, "blas": blas_info()}


def run_worker(kind, args, data, workdir, repeat):
    """Runs one baseline in a fresh single-threaded interpreter; returns its report and the path of its saved arrays."""
    result = os.path.join(workdir, f"{kind}.npz")
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", kind, "--data", data, "--result", result, "--repeat", str(repeat), "--s",
           repr(args.s), "--smin", repr(args.smin), "--smax", repr(args.smax), "--ns", str(args.ns)]
    if kind == "dgemm":
        cmd += ["--n", str(args.n), "--d", str(args.d)]
    env = dict(os.environ, **SINGLE_THREAD_ENV)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"error: the {kind} baseline failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    report["best"] = min(report["times"])
    return report, result


# --------------------------------------------------------------------------- curio


def snapshot_curio(path, workdir):
    """Copies the executable into the work directory, so that a rebuild during the benchmark cannot mix two versions;
    warns if a source file is newer than the executable. Returns the copy's path and its provenance."""
    mtime = os.path.getmtime(path)
    sources = [f for pat in ("src/**/*.[ch]", "include/*.h", "CMakeLists.txt") for f in glob.glob(os.path.join(ROOT, pat), recursive=True)]
    newer = sorted(os.path.relpath(f, ROOT) for f in sources if os.path.getmtime(f) > mtime)
    if newer and os.path.realpath(path) == os.path.realpath(os.path.join(ROOT, "build", "curio")):
        print(f"warning: {path} is older than {', '.join(newer[:3])}{' ...' if len(newer) > 3 else ''}: rebuild it (bench/run_dense.sh does)", file=sys.stderr)
    copy = os.path.join(workdir, "curio")
    shutil.copy2(path, copy)
    with open(copy, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    in_tree = os.path.realpath(path).startswith(os.path.realpath(ROOT) + os.sep)  # only then does this checkout describe it
    info = {"executable": os.path.abspath(path), "sha256": sha, "mtime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(mtime)),
            "git": git_state() if in_tree else None,
            "sources_newer_than_executable": newer}
    return copy, info


def curio_command(args, nranks, data, out, extra=()):
    return ([args.mpiexec, "-n", str(nranks)] + args.mpiexec_args.split() +
            [args.curio, "-curio_input", data, "-curio_output", out, "-curio_s", repr(args.s), "-curio_loocv_ns", str(args.ns), "-curio_loocv_smin",
             repr(args.smin), "-curio_loocv_smax", repr(args.smax), "-curio_scores", "false", "-curio_output_data", "false"] + list(extra))


def run_curio(args, nranks, data, out, extra=()):
    """One curio run; returns the /timing attributes, the launcher's wall time and the results to check."""
    import h5py

    cmd = curio_command(args, nranks, data, out, extra)
    env = dict(os.environ, **SINGLE_THREAD_ENV)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"error: curio failed (exit {proc.returncode}): {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    with h5py.File(out, "r") as f:
        timing = {k: float(v) for k, v in f["/timing"].attrs.items()}
        res = {"theta": f["/model/theta"][...], "theta_dot": f["/model/theta_dot"][...], "loocv_s": f["/loocv/s"][...],
               "loocv_exact": f["/loocv/exact"][...], "s_opt": float(f["/loocv/s_opt"][()])}
    timing["direct"] = timing["gram"] + timing["train"] + timing["tangent"]
    timing["loocv_total"] = timing["gram"] + timing["loocv"]
    timing["wall"] = wall
    return timing, res, proc.stdout


def bench_curio(args, data, workdir):
    """--repeat rounds over the rank counts (interleaved, so that a transient load on the machine hits all of them);
    per rank count the best of each stage and derived time over the rounds, and the last run's results."""
    runs = {r: [] for r in args.ranks}
    results = {}
    for k in range(args.repeat):
        for nranks in args.ranks:
            print(f"curio on {nranks} rank(s), run {k + 1} of {args.repeat} ...", flush=True)
            out = os.path.join(workdir, f"curio_R{nranks}.h5")
            timing, results[nranks], _ = run_curio(args, nranks, data, out)
            runs[nranks].append(timing)
    curio = {}
    for nranks, rr in runs.items():
        # best = the shortest time of each stage and derived sum over the repeats; memory = the largest peak
        best = {key: (max if key == "peak_rss_mib" else min)(r[key] for r in rr) for key in rr[0]}
        command = " ".join(curio_command(args, nranks, data, os.path.join(workdir, f"curio_R{nranks}.h5")))
        curio[nranks] = {"ranks": nranks, "runs": rr, "best": best, "command": command}
    return curio, results


def parse_log_view(text):
    """Stage wall times, Curio event lines per stage, and the LOOCV stage time outside the CurioLOOCV event."""
    stages, events, stage = {}, [], None
    for ln in text.splitlines():
        m = re.match(r"^\s*\d+:\s+(Main Stage|Curio \w+):\s+([0-9.eE+-]+)", ln)
        if m and stage is None:  # the stage summary precedes the per-stage event tables
            stages[m.group(1)] = float(m.group(2))
            continue
        m = re.match(r"^--- Event Stage \d+: (.+)$", ln)
        if m:
            stage = m.group(1).strip()
            continue
        m = re.match(r"^(Curio\w+)\s+(\d+)\s+\S+\s+([0-9.eE+-]+)", ln)
        if m and stage:
            events.append({"stage": stage, "event": m.group(1), "count": int(m.group(2)), "seconds": float(m.group(3))})
    lines = [f"stage {name:<14} {t:9.4f} s" for name, t in stages.items()]
    lines += [f"  [{e['stage']}] {e['event']:<14} x{e['count']:<3} {e['seconds']:9.4f} s" for e in events]
    loocv_events = sum(e["seconds"] for e in events if e["stage"] == "Curio LOOCV" and e["event"] == "CurioLOOCV")  # CurioEigen is nested in it
    outside = stages.get("Curio LOOCV", 0.0) - loocv_events
    if "Curio LOOCV" in stages:
        lines.append(f"Curio LOOCV stage {stages['Curio LOOCV']:.3f} s = CurioLOOCV events {loocv_events:.3f} s (incl. CurioEigen) + {outside:.3f} s outside any Curio event")
    return {"stages": stages, "events": events, "loocv_outside_events": outside}, lines


def log_view(args, nranks, data, workdir):
    """One extra run with -log_view written to a file; returns its path, the parsed numbers and printable lines."""
    out = os.path.join(workdir, f"curio_logview_R{nranks}.h5")
    path = os.path.join(workdir, f"log_view_R{nranks}.txt")
    run_curio(args, nranks, data, out, extra=["-log_view", f":{path}"])
    with open(path) as f:
        parsed, lines = parse_log_view(f.read())
    return path, parsed, lines


# --------------------------------------------------------------------------- checks and report


def check_results(curio_res, numpy_npz, ridge_npz, grid):
    """Relative differences of curio's theta, theta_dot, LOOCV grid and curve from the baselines, per rank count."""
    ref = np.load(numpy_npz)
    rcv = np.load(ridge_npz)
    checks = {}
    for nranks, res in curio_res.items():
        cv_curio = res["loocv_exact"]  # curio's exact LOOCV is the mean squared LOO residual, as cv_values_
        checks[nranks] = {
            "theta": rel_diff(res["theta"], ref["theta"]),
            "theta_dot": rel_diff(res["theta_dot"], ref["theta_dot"]),
            "loocv_grid": rel_diff(res["loocv_s"], grid),
            "loocv_exact": float(np.max(np.abs(cv_curio - rcv["cv_mean"]) / np.abs(rcv["cv_mean"]))),
            "grid_argmin_curio": float(res["loocv_s"][int(np.argmin(res["loocv_exact"]))]),
            "grid_argmin_ridgecv": float(rcv["alpha"]),
            "s_opt_curio": res["s_opt"],
        }
    return checks


def target_status(key, value):
    return benchlib.target_status(TARGETS, key, value)


def compute_ratios(curio, numpy_rep, ridge_rep, dgemm_rep):
    r = {}
    if 1 in curio:
        # median over the repeats: the ratio to the flop bound is a claim about typical runs, not the luckiest one
        r["loocv_over_flop_bound_1rank"] = float(np.median([x["loocv_total"] for x in curio[1]["runs"]])) / dgemm_rep["bound_seconds"]
        r["loocv_speedup_vs_ridgecv_1rank"] = ridge_rep["best"] / curio[1]["best"]["loocv_total"]
        r["direct_time_over_numpy_1rank"] = curio[1]["best"]["direct"] / numpy_rep["best"]
        if 2 in curio:
            r["direct_speedup_1_to_2_ranks"] = curio[1]["best"]["direct"] / curio[2]["best"]["direct"]
            r["loocv_speedup_1_to_2_ranks"] = curio[1]["best"]["loocv_total"] / curio[2]["best"]["loocv_total"]
    return r


def print_report(args, x_mib, curio, numpy_rep, ridge_rep, ratios, checks):
    print()
    print(f"n = {args.n}, d = {args.d}: X is {x_mib:.1f} MiB; s = {args.s:g}; LOOCV grid {args.ns} values in [{args.smin:g}, {args.smax:g}]")
    print(f"every process single-threaded ({', '.join(f'{k}={v}' for k, v in SINGLE_THREAD_ENV.items())}; curio ranks bound to cores);"
          f" best of {args.repeat} (RidgeCV: best of {args.ridgecv_repeat})")
    print()
    hdr = f"{'method':<18} {'ranks':>5} {'time [s]':>9}  {'breakdown [s]':<44} {'peak RSS [MiB]':>14} {'/ X':>6}"
    print(hdr)
    print("-" * len(hdr))
    for nranks, c in sorted(curio.items()):
        b = c["best"]
        rss = b["peak_rss_mib"]
        print(f"{'curio direct':<18} {nranks:>5} {b['direct']:>9.3f}  {'gram %.3f + train %.3f + tangent %.3f' % (b['gram'], b['train'], b['tangent']):<44}"
              f" {rss:>14.1f} {rss / x_mib:>6.2f}")
        print(f"{'curio LOOCV':<18} {nranks:>5} {b['loocv_total']:>9.3f}  {'gram %.3f + loocv %.3f' % (b['gram'], b['loocv']):<44}"
              f" {'(same run)':>14} {'':>6}")
        print(f"{'  (whole run)':<18} {nranks:>5} {b['total']:>9.3f}  {'read %.3f; launcher wall %.3f' % (b['read'], b['wall']):<44}"
              f" {'':>14} {'':>6}")
    for name, rep in (("numpy direct", numpy_rep), ("sklearn RidgeCV", ridge_rep)):
        extra = f"after import {rep['rss_after_import_mib']:.0f}, after load {rep['rss_after_load_mib']:.0f} MiB"
        print(f"{name:<18} {1:>5} {rep['best']:>9.3f}  {extra:<44} {rep['peak_rss_mib']:>14.1f} {rep['peak_rss_mib'] / x_mib:>6.2f}")
    print()
    print("curio peak RSS is the max over ranks of each rank's peak (a rank holds about X / ranks of the data);")
    print("the baselines' peak RSS includes the interpreter and imports (see 'after import').")
    if ridge_rep.get("gcv_mode"):
        print(f"RidgeCV: scikit-learn {ridge_rep['sklearn']}, {ridge_rep['store_parameter']}=True, gcv_mode auto -> '{ridge_rep['gcv_mode']}'")
    spread = [f"curio {r} rank{'s' if r > 1 else ''}: direct {min(x['direct'] for x in c['runs']):.3f}-{max(x['direct'] for x in c['runs']):.3f},"
              f" LOOCV {min(x['loocv_total'] for x in c['runs']):.3f}-{max(x['loocv_total'] for x in c['runs']):.3f}" for r, c in sorted(curio.items())]
    spread += [f"{name} {min(rep['times']):.3f}-{max(rep['times']):.3f}" for name, rep in (("numpy", numpy_rep), ("RidgeCV", ridge_rep))]
    print("spread over the repeats (min-max, s): " + "; ".join(spread))
    print()
    print("ratios:")
    for key, value in ratios.items():
        if key in TARGETS:
            op, target, label = TARGETS[key]
            print(f"  {label:<48} {value:8.2f}   (target {op} {target:g}: {target_status(key, value)})")
        else:
            print(f"  {'curio LOOCV speed-up 1 -> 2 ranks':<48} {value:8.2f}   (no target)")
    print()
    print("correctness (max relative difference from the baseline):")
    for nranks, c in sorted(checks.items()):
        print(f"  {nranks} rank{'s' if nranks > 1 else ' '}: theta {c['theta']:.2e}, theta_dot {c['theta_dot']:.2e} (numpy); "
              f"LOOCV exact vs mean(cv_values_) {c['loocv_exact']:.2e} (RidgeCV); grid {c['loocv_grid']:.1e}")
        print(f"           grid argmin: curio {c['grid_argmin_curio']:.6g}, RidgeCV alpha_ {c['grid_argmin_ridgecv']:.6g}; curio refined s_opt {c['s_opt_curio']:.6g}")


def print_bound(args, curio, dgemm_rep):
    """Exact LOOCV against its flop bound: where the time above 3 n d^2 flops at the dgemm rate goes."""
    print()
    print(f"exact LOOCV flop bound: 3 n d^2 = {3.0 * args.n * args.d ** 2:.3g} flops at the dgemm rate {dgemm_rep['gflops']:.2f} GFlop/s "
          f"(numpy X V, median of {len(dgemm_rep['times'])}) = {dgemm_rep['bound_seconds']:.3f} s")
    for nranks, c in sorted(curio.items()):
        med = {k: float(np.median([x[k] for x in c["runs"]])) for k in ("gram", "loocv", "loocv_total")}
        print(f"  {nranks} rank{'s' if nranks > 1 else ' '}: gram + loocv (median) {med['loocv_total']:.3f} s = {med['gram']:.3f} + {med['loocv']:.3f};"
              f" {med['loocv_total'] / dgemm_rep['bound_seconds'] * nranks:.2f}x the bound per rank")


# --------------------------------------------------------------------------- main


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        report = {"numpy": worker_numpy, "ridgecv": worker_ridgecv, "dgemm": worker_dgemm}[args.worker](args)
        print(json.dumps(report))
        return 0

    t_start = time.perf_counter()
    load_start = os.getloadavg()
    if load_start[0] > 0.5:
        print(f"warning: load average {load_start[0]:.2f} before the benchmark: other processes compete for the {os.cpu_count()} cores, "
              "and the times will show it", file=sys.stderr)
    if not os.access(args.curio, os.X_OK):
        sys.exit(f"error: {args.curio} is not an executable; build it (cmake -S . -B build && cmake --build build) or use bench/run_dense.sh")
    temporary = args.workdir is None
    workdir = tempfile.mkdtemp(prefix="curio-bench-") if temporary else args.workdir
    os.makedirs(workdir, exist_ok=True)
    data = os.path.join(workdir, "data.h5")
    x_mib = args.n * args.d * 8 / MIB
    grid = loocv_grid(args.smin, args.smax, args.ns)
    try:
        args.curio, curio_info = snapshot_curio(args.curio, workdir)
        git = curio_info["git"]
        print(f"curio: {curio_info['executable']} (sha256 {curio_info['sha256'][:12]}, built {curio_info['mtime']}"
              + (f", commit {git['commit']}{' + modified ' + ' '.join(git['modified']) if git['modified'] else ''}" if git else "") + ")")
        print(f"generating {args.n} x {args.d} data (seed {args.seed}) into {data} ...", flush=True)
        t0 = time.perf_counter()
        generate_data(data, args.n, args.d, args.seed, args.noise)
        t_gen = time.perf_counter() - t0

        curio, curio_res = bench_curio(args, data, workdir)
        print(f"numpy direct, {args.repeat} repeat(s) ...", flush=True)
        numpy_rep, numpy_npz = run_worker("numpy", args, data, workdir, args.repeat)
        print(f"scikit-learn RidgeCV, {args.ridgecv_repeat} repeat(s) ...", flush=True)
        ridge_rep, ridge_npz = run_worker("ridgecv", args, data, workdir, args.ridgecv_repeat)

        checks = check_results(curio_res, numpy_npz, ridge_npz, grid)
        print("dgemm rate (numpy, U = X V) ...", flush=True)
        dgemm_rep, _ = run_worker("dgemm", args, data, workdir, args.repeat)
        ratios = compute_ratios(curio, numpy_rep, ridge_rep, dgemm_rep)
        print_report(args, x_mib, curio, numpy_rep, ridge_rep, ratios, checks)
        print_bound(args, curio, dgemm_rep)

        logs = {}
        if args.log_view:
            for nranks in args.ranks:
                path, parsed, lines = log_view(args, nranks, data, workdir)
                logs[nranks] = dict(parsed, file=path if not temporary or args.keep else None)
                print(f"\n-log_view on {nranks} rank(s) ({path}): curio stages and events (max over ranks)")
                print("\n".join("  " + ln for ln in lines))

        bad = {f"{r} ranks: {k}": v for r, c in checks.items() for k, v in c.items() if k in ("theta", "theta_dot", "loocv_exact", "loocv_grid") and not v <= args.tol}
        t_total = time.perf_counter() - t_start
        load_end = os.getloadavg()
        print(f"\nbenchmark wall time {t_total:.1f} s (data generation {t_gen:.1f} s); 1-min load average {load_start[0]:.2f} before, {load_end[0]:.2f} after")
        if bad:
            print(f"MISMATCH beyond --tol {args.tol:g}: " + ", ".join(f"{k} {v:.2e}" for k, v in bad.items()))

        if args.json:
            result = {
                "benchmark": "dense",
                "label": args.label,
                "config": {k: getattr(args, k) for k in ("n", "d", "seed", "noise", "s", "smin", "smax", "ns", "ranks", "repeat", "ridgecv_repeat", "mpiexec_args")},
                "environment": dict(environment(), threads=SINGLE_THREAD_ENV, loadavg_before=load_start, loadavg_after=load_end),
                "curio_executable": curio_info,
                "x_mib": x_mib,
                "curio": {str(r): c for r, c in curio.items()},
                "numpy_direct": numpy_rep,
                "ridgecv": ridge_rep,
                "dgemm": dgemm_rep,
                "ratios": ratios,
                "targets": benchlib.targets_report(TARGETS, ratios),
                "checks": {str(r): c for r, c in checks.items()},
                "log_view": {str(r): v for r, v in logs.items()},
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

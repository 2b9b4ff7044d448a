#!/usr/bin/python3
"""Benchmark of curio's Krylov path (matrix-free Hessian-vector products and the CG tangent) against PyTorch autograd.

Command (from the repository root, after building build/curio; bench/run_krylov.sh does both):

    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \\
        /usr/bin/python3 bench/bench_krylov.py --repeat 3 --json bench/results/krylov.json

What it does (bench/README.md explains the numbers and the targets), for ridge regression (squared loss) on two data
sets: sparse (--n 1000000 rows, --d 100000 features, --nnz-per-row 20, CSR) and dense (--dense-n 100000 x --dense-d
400):

1. Generates X (sparse: random sorted unique columns per row, values N(0, 1); dense: N(0, 1)), y = X theta_true + noise,
   in chunks, into curio's HDF5 input layouts: /train/{indptr,indices,data,y} with the group attribute shape (sparse),
   /train/X and /train/y (dense).
2. Measures the memory bandwidth with bench/stream.c (compiled here with cc -O3 -march=native -fopenmp): read, copy and
   triad kernels on 1 and on 2 threads, before and after the curio runs (best kept), and briefly on R threads just
   before each curio run.
3. Runs `mpiexec -n R --bind-to core build/curio -curio_input data.h5 -curio_solver krylov -curio_s S -curio_loocv false
   -curio_scores false -curio_output_data false -curio_ksp_rtol 1e-8 -curio_pc_type PC -log_view :log.txt` for each R
   in --ranks and PC in --pcs, --repeat times (interleaved). From /timing: tangent, train; from /model: the CG
   iterations; from -log_view: CurioHessMult (count, max time over ranks), so that per-HVP time = time / count.
   Each run is repeated for each H v kernel in --kernels (-curio_hessian_mult fused: one pass over the rows, the
   default; twopass: MatMult then MatMultTranspose, the reference twin), and each kernel is compared with its own
   bandwidth bound: the bytes of X it reads (one pass, or two), divided by the measured bandwidth at R threads.
4. Baselines, each in its own child process with one thread: PyTorch (float64, torch.set_num_threads(1)) computes the
   same tangent, theta_dot = -H^-1 grad R with grad R = theta* (ridge) and theta* read from curio's output, by CG
   (unpreconditioned and Jacobi) on H v from autograd (double backward of 0.5 ||X theta - y||^2 + s/2 ||theta||^2,
   the gradient's graph built once and kept; X a sparse COO tensor or a dense tensor), to the same relative residual;
   and for reference a plain scipy.sparse / numpy H v = X^T (X v) + s v (per-HVP time only).
5. Prints a table, the ratios against the targets (informational PASS/MISS) and the agreement of the tangents, and
   writes everything as JSON.

It asserts nothing about time. It exits with status 1 only if curio's and PyTorch's tangents disagree by more than
--tol, or if a run fails.
"""

import argparse
import glob
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
from benchlib import MIB, SINGLE_THREAD_ENV, environment, generate_dense, generate_sparse, loadavg, others_running, peak_rss_mib, rel_diff
from benchlib import load_train as load_data

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

PETSCCONF = ["/usr/lib/petscdir/petsc3.18/x86_64-linux-gnu-real/include/petscconf.h"]

TARGETS = {
    "hvp_fraction_of_bound_1rank": (">=", 0.70, "fused H v: 1-pass bound / measured, 1 rank"),
    "hvp_fraction_of_bound_2ranks": (">=", 0.70, "fused H v: 1-pass bound / measured, 2 ranks"),
    "hvp_speedup_1_to_2_ranks": (">=", 1.8, "fused H v speed-up 1 -> 2 ranks"),
    "hvp_speedup_vs_torch_1rank": (">=", 5.0, "PyTorch per-HVP time / curio's, 1 rank"),
}


# --------------------------------------------------------------------------- arguments


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="See bench/README.md for what the numbers and targets mean.")
    p.add_argument("--cases", default="sparse,dense", help="comma-separated data sets: sparse, dense (default both)")
    p.add_argument("--n", type=int, default=1000000, help="sparse case: rows (default 1000000)")
    p.add_argument("--d", type=int, default=100000, help="sparse case: features (default 100000)")
    p.add_argument("--nnz-per-row", type=int, default=20, help="sparse case: nonzeros per row (default 20)")
    p.add_argument("--dense-n", type=int, default=100000, help="dense case: rows (default 100000)")
    p.add_argument("--dense-d", type=int, default=400, help="dense case: features (default 400)")
    p.add_argument("--seed", type=int, default=1, help="seed of the synthetic data (default 1)")
    p.add_argument("--noise", type=float, default=1.0, help="standard deviation of the label noise (default 1.0)")
    p.add_argument("--s", type=float, default=1.0, help="regularity s (default 1.0)")
    p.add_argument("--rtol", type=float, default=1e-8, help="relative residual of every CG solve, curio and PyTorch (default 1e-8)")
    p.add_argument("--ranks", default="1,2", help="comma-separated MPI rank counts for curio (default 1,2)")
    p.add_argument("--pcs", default="jacobi,none", help="comma-separated preconditioners, curio's -curio_pc_type and PyTorch's CG (default jacobi,none)")
    p.add_argument("--kernels", default="fused,twopass", help="comma-separated H v kernels, curio's -curio_hessian_mult (default fused,twopass)")
    p.add_argument("--repeat", type=int, default=3, help="repeats of each curio run; the best is reported (default 3)")
    p.add_argument("--torch-repeat", type=int, default=1, help="repeats of each PyTorch CG solve; the best is reported (default 1)")
    p.add_argument("--torch-functional", type=int, default=3,
                   help="calls of torch.autograd.functional.hvp to time for reference (re-traces the loss every call; 0 to skip; default 3)")
    p.add_argument("--scipy-repeat", type=int, default=10, help="H v products timed in the scipy/numpy reference (0 to skip; default 10)")
    p.add_argument("--stream-mib", type=float, default=512.0, help="MiB per array of the bandwidth kernels (3 arrays; default 512)")
    p.add_argument("--stream-trials", type=int, default=10, help="trials of each bandwidth kernel; the best is kept (default 10)")
    p.add_argument("--stream-each", type=int, default=3,
                   help="trials of the bandwidth kernels on R threads just before each curio run, for the HVP's fraction of the bandwidth"
                        " of that moment (0 to skip; default 3)")
    p.add_argument("--curio", default=os.path.join(ROOT, "build", "curio"), help="curio executable (default <repo>/build/curio)")
    p.add_argument("--mpiexec", default="mpiexec", help="MPI launcher (default mpiexec)")
    p.add_argument("--mpiexec-args", default="--bind-to core", help="extra launcher arguments (default '--bind-to core')")
    p.add_argument("--cc", default="cc", help="C compiler for bench/stream.c (default cc)")
    p.add_argument("--petscconf", default=None, help="PETSc's petscconf.h, to tell 32- from 64-bit indices (default: Debian's PETSc 3.18)")
    p.add_argument("--workdir", default=None, help="directory for the data, outputs and logs (default: a temporary directory, removed at the end)")
    p.add_argument("--keep", action="store_true", help="keep the temporary working directory")
    p.add_argument("--tol", type=float, default=1e-6, help="max relative difference of curio's tangent from PyTorch's before the run is marked failed (default 1e-6)")
    p.add_argument("--json", default=None, help="write the results as JSON to this path")
    p.add_argument("--label", default=None, help="free text stored in the JSON, e.g. which version of curio this is")
    # internal: the baselines run this same file in a subprocess
    p.add_argument("--worker", choices=["torch", "scipy"], help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--theta", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    args.ranks = [int(r) for r in args.ranks.split(",") if r.strip()]
    args.pcs = [c.strip() for c in args.pcs.split(",") if c.strip()]
    args.kernels = [c.strip() for c in args.kernels.split(",") if c.strip()]
    if any(c not in ("fused", "twopass") for c in args.kernels) or not args.kernels:
        p.error("--kernels takes fused and/or twopass")
    if any(c not in ("sparse", "dense") for c in args.cases) or not args.cases:
        p.error("--cases takes sparse and/or dense")
    if any(c not in ("jacobi", "none") for c in args.pcs) or not args.pcs:
        p.error("--pcs takes jacobi and/or none")
    for name in ("n", "d", "nnz_per_row", "dense_n", "dense_d", "repeat", "torch_repeat", "stream_trials"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    if args.nnz_per_row > args.d:
        p.error("--nnz-per-row must be <= --d")
    if args.s <= 0 or not 0 < args.rtol < 1:
        p.error("need --s > 0 and 0 < --rtol < 1")
    return args


# --------------------------------------------------------------------------- bandwidth


def build_stream(args, workdir):
    exe = os.path.join(workdir, "stream")
    cmd = [args.cc, "-O3", "-march=native", "-fopenmp", "-o", exe, os.path.join(HERE, "stream.c")]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"error: cannot compile bench/stream.c: {' '.join(cmd)}\n{proc.stderr}")
    return exe, " ".join(cmd)


def run_stream(exe, threads, args, trials=None):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMP_PROC_BIND="true", OMP_PLACES="cores")
    proc = subprocess.run([exe, repr(args.stream_mib), str(trials or args.stream_trials)], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"error: {exe} failed: {proc.stderr}")
    return json.loads(proc.stdout)


def measure_bandwidth(exe, threads_list, args, store):
    """Appends one measurement per thread count to store[threads]."""
    for t in threads_list:
        store.setdefault(t, []).append(run_stream(exe, t, args))


def best_bandwidth(runs):
    """The largest bandwidth any kernel reached over the measurements (GB/s), and per kernel."""
    per = {k: max(r[k] for r in runs) for k in ("read_gbs", "copy_gbs", "triad_gbs")}
    return max(per.values()), per


def index_bytes(args):
    """4 or 8: the size of PetscInt (PETSc's AIJ column indices and row pointers are PetscInt)."""
    paths = [args.petscconf] if args.petscconf else PETSCCONF + glob.glob("/usr/lib/petscdir/*/*/include/petscconf.h")
    for path in paths:
        if path and os.path.exists(path):
            with open(path) as f:
                text = f.read()
            return (8 if re.search(r"^#define PETSC_USE_64BIT_INDICES 1", text, re.M) else 4), path
    print("warning: petscconf.h not found; assuming 32-bit PetscInt (--petscconf to name it)", file=sys.stderr)
    return 4, None


def last_level_cache_bytes():
    """Size of the largest CPU cache (sysfs), or None."""
    sizes = []
    for path in glob.glob("/sys/devices/system/cpu/cpu0/cache/index*/size"):
        with open(path) as f:
            v = f.read().strip()
        mult = {"K": 1024, "M": 1024 * 1024}.get(v[-1:], 1)
        sizes.append(int(v.rstrip("KM")) * mult)
    return max(sizes) if sizes else None


def hvp_bytes(case, n, d, nnz, idx):
    """Bytes of X read by one H v = Phi^T (c .* (Phi v)) + s v: two passes over X (MatMult, MatMultTranspose);
    and with the n-vectors too (MatMult writes Phi v, the pointwise product reads it and c and writes it,
    MatMultTranspose reads it: 5 n doubles; the d-vectors are left out, they stay in cache for these sizes)."""
    per_pass = nnz * (8 + idx) + (n + 1) * idx if case == "sparse" else n * d * 8
    x = 2 * per_pass
    return {"x_bytes": x, "x_bytes_per_pass": per_pass, "with_vectors_bytes": x + 5 * n * 8}


# --------------------------------------------------------------------------- baselines (run in a child process)


def worker_torch(args):
    """The tangent by CG on autograd Hessian-vector products, in float64 on one thread."""
    import h5py
    import torch

    torch.set_num_threads(1)
    rss_import = peak_rss_mib()
    kind, X, y, shape = load_data(args.data)
    n, d = shape
    if kind == "sparse":
        indptr, indices, data = X
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        Xt = torch.sparse_coo_tensor(torch.from_numpy(np.vstack([rows, indices.astype(np.int64)])), torch.from_numpy(data), size=shape).coalesce()
        del rows, indptr, indices, data
    else:
        Xt = torch.from_numpy(X)
    del X
    yt = torch.from_numpy(y)
    with h5py.File(args.theta, "r") as f:
        theta0 = torch.from_numpy(f["/model/theta"][...])
    s = args.s
    rss_loaded = peak_rss_mib()

    def loss_fn(th):
        r = Xt @ th - yt
        return 0.5 * torch.dot(r, r) + 0.5 * s * torch.dot(th, th)

    report = {"torch": torch.__version__, "threads": torch.get_num_threads(), "format": "sparse COO" if kind == "sparse" else "dense", "solves": {}}

    # the gradient's graph, built once (forward and backward with create_graph); every H v is a backward through it
    th = theta0.clone().requires_grad_(True)
    t0 = time.perf_counter()
    g = torch.autograd.grad(loss_fn(th), th, create_graph=True)[0]
    report["graph_seconds"] = time.perf_counter() - t0
    with torch.no_grad():
        # theta* from curio should be the optimum: |grad L| relative to |X^T y|
        report["grad_norm_rel"] = float(g.norm() / (Xt.t() @ yt).norm()) if kind == "dense" else float(g.norm() / torch.sparse.mm(Xt.t(), yt[:, None]).norm())

    hvp_times = []

    def hvp(v):
        t = time.perf_counter()
        out = torch.autograd.grad(g, th, grad_outputs=v, retain_graph=True)[0]
        hvp_times.append(time.perf_counter() - t)
        return out

    gradR = theta0.clone()  # ridge: grad R = theta
    b = -gradR
    t0 = time.perf_counter()
    with torch.no_grad():
        if kind == "sparse":
            diag = torch.sparse.sum(Xt * Xt, dim=0).to_dense() + s
        else:
            diag = (Xt * Xt).sum(dim=0) + s
    diag_seconds = time.perf_counter() - t0
    thetadots = {}
    for pc in args.pcs:
        best = None
        for _ in range(args.torch_repeat):
            hvp_times.clear()
            t0 = time.perf_counter()
            x = torch.zeros_like(b)
            r = b.clone()
            z = r / diag if pc == "jacobi" else r
            p = z.clone()
            rz = torch.dot(r, z)
            bnorm = float(b.norm())
            its = 0
            rnorm = bnorm
            while rnorm > args.rtol * bnorm and its < 100000:
                Ap = hvp(p)
                with torch.no_grad():
                    alpha = rz / torch.dot(p, Ap)
                    x += alpha * p
                    r -= alpha * Ap
                    its += 1
                    rnorm = float(r.norm())
                    if rnorm <= args.rtol * bnorm:
                        break
                    z = r / diag if pc == "jacobi" else r
                    rz_new = torch.dot(r, z)
                    p = z + (rz_new / rz) * p
                    rz = rz_new
            t_cg = time.perf_counter() - t0
            n_cg = len(hvp_times)
            # the check curio makes too: one more H v, |H theta_dot + grad R| / |grad R|
            Hx = hvp(x)
            t_total = time.perf_counter() - t0
            with torch.no_grad():
                resid = float((Hx + gradR).norm() / gradR.norm())
            run = {"seconds": t_total, "cg_seconds": t_cg, "iterations": its, "hvps": len(hvp_times), "hvp_mean": float(np.mean(hvp_times)),
                   "hvp_min": float(np.min(hvp_times)), "hvp_median": float(np.median(hvp_times)), "hvp_seconds": float(np.sum(hvp_times)),
                   "cg_hvps": n_cg, "tangent_residual": resid}
            if best is None or run["seconds"] < best["seconds"]:
                best = run
                thetadots[pc] = x.detach().numpy().copy()
        if pc == "jacobi":
            best["diag_seconds"] = diag_seconds
        report["solves"][pc] = best

    # reference: torch.autograd.functional.hvp, which traces the loss again (forward, backward, double backward) every call
    if args.torch_functional > 0:
        v = torch.from_numpy(np.random.default_rng(0).standard_normal(d))
        ft = []
        for _ in range(args.torch_functional):
            t0 = time.perf_counter()
            torch.autograd.functional.hvp(loss_fn, theta0, v)
            ft.append(time.perf_counter() - t0)
        report["functional_hvp"] = {"calls": len(ft), "min": min(ft), "mean": float(np.mean(ft))}
    np.savez(args.result, **{f"theta_dot_{pc}": v for pc, v in thetadots.items()})
    report.update(peak_rss_mib=peak_rss_mib(), rss_after_import_mib=rss_import, rss_after_load_mib=rss_loaded)
    return report


def worker_scipy(args):
    """Reference: H v = X^T (X v) + s v with scipy.sparse CSR (32-bit indices, as PETSc's) or numpy/BLAS, per-HVP time."""
    import scipy
    import scipy.sparse as sp

    kind, X, y, shape = load_data(args.data)
    if kind == "sparse":
        indptr, indices, data = X
        X = sp.csr_matrix((data, indices.astype(np.int32), indptr.astype(np.int32)), shape=shape)
        XT = X.T  # a CSC view: X^T u is the scatter kernel, like PETSc's MatMultTranspose
    else:
        XT = X.T
    v = np.random.default_rng(0).standard_normal(shape[1])
    times = []
    for _ in range(args.scipy_repeat):
        t0 = time.perf_counter()
        XT @ (X @ v) + args.s * v
        times.append(time.perf_counter() - t0)
    return {"scipy": scipy.__version__, "numpy": np.__version__, "format": "scipy.sparse CSR int32" if kind == "sparse" else "numpy (BLAS gemv)",
            "hvp_min": min(times), "hvp_mean": float(np.mean(times)), "calls": len(times), "peak_rss_mib": peak_rss_mib()}


def run_worker(kind, args, data, theta, result):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", kind, "--data", data, "--result", result, "--s", repr(args.s), "--rtol",
           repr(args.rtol), "--pcs", ",".join(args.pcs), "--torch-repeat", str(args.torch_repeat), "--torch-functional", str(args.torch_functional),
           "--scipy-repeat", str(args.scipy_repeat)]
    if theta:
        cmd += ["--theta", theta]
    env = dict(os.environ, **SINGLE_THREAD_ENV)
    busy = others_running()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        return None, f"the {kind} baseline failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    report["wall"] = time.perf_counter() - t0
    report["others_running"] = busy
    return report, None


# --------------------------------------------------------------------------- curio


def snapshot_curio(path, workdir):
    return benchlib.snapshot_curio_with_libs(path, workdir, "bench/run_krylov.sh")


def curio_command(args, nranks, data, out, log, pc, kernel="fused"):
    return ([args.mpiexec, "-n", str(nranks)] + args.mpiexec_args.split() +
            [args.curio, "-curio_input", data, "-curio_output", out, "-curio_solver", "krylov", "-curio_s", repr(args.s), "-curio_loocv", "false",
             "-curio_scores", "false", "-curio_output_data", "false", "-curio_ksp_rtol", repr(args.rtol), "-curio_pc_type", pc,
             "-curio_hessian_mult", kernel, "-log_view", f":{log}"])


EVENT_RE = re.compile(r"^(\w+)\s+(\d+)\s+[0-9.]+\s+([0-9.eE+-]+)\s+[0-9.]+\s")


def parse_log_view(text):
    """PETSc 3.18's -log_view: stage times (average over ranks) and, per stage, each event's count and max time over
    ranks (columns: Count Max Ratio, Time (sec) Max Ratio, ...)."""
    stages, events, stage = {}, {}, None
    for ln in text.splitlines():
        m = re.match(r"^\s*\d+:\s+(Main Stage|Curio \w+):\s+([0-9.eE+-]+)", ln)
        if m and stage is None:
            stages[m.group(1)] = float(m.group(2))
            continue
        m = re.match(r"^--- Event Stage \d+: (.+)$", ln)
        if m:
            stage = m.group(1).strip()
            continue
        if ln.startswith("Object Type"):
            break
        m = EVENT_RE.match(ln)
        if m and stage:
            events.setdefault(stage, {})[m.group(1)] = {"count": int(m.group(2)), "seconds": float(m.group(3))}
    return {"stages": stages, "events": events}


def event_sum(log, name, stages=None):
    c = t = 0
    for st, ev in log["events"].items():
        if (stages is None or st in stages) and name in ev:
            c += ev[name]["count"]
            t += ev[name]["seconds"]
    return c, t


def run_curio(args, nranks, pc, data, workdir, tag, env, kernel="fused"):
    """One curio run; its /timing, /model iteration counts and the -log_view numbers."""
    import h5py

    out = os.path.join(workdir, f"curio_{tag}_R{nranks}_{pc}_{kernel}.h5")
    log = os.path.join(workdir, f"log_{tag}_R{nranks}_{pc}_{kernel}.txt")
    cmd = curio_command(args, nranks, data, out, log, pc, kernel)
    busy = others_running()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        return None, f"curio failed (exit {proc.returncode}): {' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
    with h5py.File(out, "r") as f:
        timing = {k: float(v) for k, v in f["/timing"].attrs.items()}
        attrs = f["/model"].attrs
        run = {"timing": timing, "ksp_iterations_train": int(attrs["ksp_iterations_train"]), "ksp_iterations_tangent": int(attrs["ksp_iterations_tangent"]),
               "tangent_residual": float(attrs["tangent_residual"]), "sparse": int(attrs.get("sparse", 0))}
    with open(log) as f:
        lv = parse_log_view(f.read())
    count, secs = event_sum(lv, "CurioHessMult")
    tcount, tsecs = event_sum(lv, "CurioHessMult", ["Curio tangent"])
    mtcount, mtsecs = event_sum(lv, "MatMultTranspose", ["Curio train", "Curio tangent"])
    tev = lv["events"].get("Curio tangent", {})
    run.update(others_running=busy, wall=wall, output=out, log=log, hvp_count=count, hvp_seconds=secs, hvp=secs / count if count else float("nan"),
               hvp_tangent=tsecs / tcount if tcount else float("nan"), hvp_count_tangent=tcount,
               matmult_transpose=mtsecs / mtcount if mtcount else float("nan"),
               tangent_events={k: tev[k]["seconds"] for k in ("CurioHessMult", "MatMultTranspose", "KSPSolve", "VecTDot", "VecNorm", "VecAXPY", "VecAYPX",
                                                             "PCApply", "VecPointwiseMult", "VecScatterEnd") if k in tev},
               stages=lv["stages"])
    return run, None


def bench_curio(args, case, data, workdir, env, stream_exe):
    runs = {(r, pc, kern): [] for r in args.ranks for pc in args.pcs for kern in args.kernels}
    for k in range(args.repeat):
        for nranks in args.ranks:
            for pc in args.pcs:
                for kern in args.kernels:
                    print(f"  curio {case}, {nranks} rank(s), pc {pc}, H v {kern}, run {k + 1} of {args.repeat} ...", flush=True)
                    adj = run_stream(stream_exe, min(nranks, os.cpu_count() or nranks), args, args.stream_each) if args.stream_each > 0 else None
                    run, err = run_curio(args, nranks, pc, data, workdir, f"{case}_{k}", env, kern)
                    if err:
                        return None, err
                    run["stream_before"] = adj
                    runs[(nranks, pc, kern)].append(run)
    result = {}
    for (nranks, pc, kern), rr in runs.items():
        best = {"hvp": min(r["hvp"] for r in rr), "hvp_tangent": min(r["hvp_tangent"] for r in rr),
                "matmult_transpose": min(r["matmult_transpose"] for r in rr),
                "tangent": min(r["timing"]["tangent"] for r in rr), "train": min(r["timing"]["train"] for r in rr),
                "read": min(r["timing"]["read"] for r in rr), "peak_rss_mib": max(r["timing"]["peak_rss_mib"] for r in rr),
                "wall": min(r["wall"] for r in rr)}
        fastest = min(rr, key=lambda r: r["timing"]["tangent"])
        # the default kernel keeps the keys R{ranks}_{pc}; the reference twin is R{ranks}_{pc}_twopass
        result[f"R{nranks}_{pc}" + ("" if kern == "fused" else f"_{kern}")] = {
                                     "ranks": nranks, "pc": pc, "kernel": kern, "runs": rr, "best": best, "its_train": rr[0]["ksp_iterations_train"],
                                     "its_tangent": rr[0]["ksp_iterations_tangent"], "hvp_count": rr[0]["hvp_count"],
                                     "tangent_residual": rr[0]["tangent_residual"], "tangent_events": fastest["tangent_events"],
                                     "hvp_count_tangent": rr[0]["hvp_count_tangent"],
                                     "command": " ".join(curio_command(args, nranks, data, "out.h5", "log.txt", pc, kern))}
    return result, None


# --------------------------------------------------------------------------- checks and report


def target_status(key, value):
    return benchlib.target_status(TARGETS, key, value)


def case_report(args, case, shape, nnz, idx, bw, curio, torch_rep, scipy_rep, checks):
    """Prints the case's table and returns its ratios."""
    n, d = shape
    by = hvp_bytes(case, n, d, nnz, idx)
    print()
    if case == "sparse":
        print(f"== sparse: n = {n}, d = {d}, {nnz // n} nonzeros per row (nnz = {nnz}); s = {args.s:g}, rtol {args.rtol:g}")
        print(f"   bytes of X per H v: 2 passes x (nnz x ({8} + {idx}) + (n + 1) x {idx}) = {by['x_bytes'] / 1e6:.1f} MB"
              f" ({idx}-byte PetscInt); with the n-vectors {by['with_vectors_bytes'] / 1e6:.1f} MB")
    else:
        print(f"== dense: n = {n}, d = {d}; s = {args.s:g}, rtol {args.rtol:g}")
        print(f"   bytes of X per H v: 2 passes x n d 8 = {by['x_bytes'] / 1e6:.1f} MB; with the n-vectors {by['with_vectors_bytes'] / 1e6:.1f} MB")
    bound = {r: by["x_bytes"] / (bw[r]["best_gbs"] * 1e9) for r in bw}  # two passes over X (the reference twin)
    bound1 = {r: by["x_bytes_per_pass"] / (bw[r]["best_gbs"] * 1e9) for r in bw}  # one pass (the fused kernel)

    def kbound(c, r):
        return (bound1 if c.get("kernel", "fused") == "fused" else bound).get(r, float("nan"))

    def kbytes(c):
        return by["x_bytes_per_pass"] if c.get("kernel", "fused") == "fused" else by["x_bytes"]
    llc = last_level_cache_bytes()
    if llc and by["x_bytes_per_pass"] < 4 * llc:
        print(f"   note: X ({by['x_bytes_per_pass'] / MIB:.0f} MiB) is not much larger than the last-level cache ({llc / MIB:.0f} MiB):"
              " the passes partly hit the cache and the bandwidth bound does not apply")
    print("   bandwidth bound of one H v, fused (one pass) / two-pass: "
          + ", ".join(f"{r} thread{'s' if r > 1 else ''} {bw[r]['best_gbs']:.1f} GB/s -> {1e3 * bound1[r]:.2f} / {1e3 * bound[r]:.2f} ms" for r in sorted(bw)))
    print()
    def adjacent(c):
        """median over the runs of the bound at the bandwidth measured just before the run / the run's H v time"""
        f = [kbytes(c) / (max(r["stream_before"][k] for k in ("read_gbs", "copy_gbs", "triad_gbs")) * 1e9) / r["hvp"]
             for r in c["runs"] if r.get("stream_before")]
        return float(np.median(f)) if f else float("nan")

    hdr = (f"{'method':<26} {'R':>2} {'PC':<7} {'H v':<7} {'H v [ms]':>9} {'% bound':>8} {'% adj':>6} {'GB/s':>6} {'tangent [s]':>11} {'its':>4} {'H v':>4}"
           f" {'train [s]':>9} {'its':>4} {'RSS [MiB]':>9}")
    print(hdr)
    print("-" * len(hdr))
    rows = []
    for key, c in sorted(curio.items(), key=lambda kv: (kv[1]["ranks"], kv[1]["pc"], kv[1].get("kernel", ""))):
        b = c["best"]
        r = c["ranks"]
        frac = kbound(c, r) / b["hvp"]
        gbs = kbytes(c) / b["hvp"] / 1e9
        c["hvp_fraction_adjacent"] = adjacent(c)
        print(f"{'curio krylov':<26} {r:>2} {c['pc']:<7} {c.get('kernel', 'fused'):<7} {1e3 * b['hvp']:>9.2f} {100 * frac:>7.0f}% {100 * c['hvp_fraction_adjacent']:>5.0f}% {gbs:>6.1f} {b['tangent']:>11.3f}"
              f" {c['its_tangent']:>4} {c['hvp_count_tangent']:>4} {b['train']:>9.3f} {c['its_train']:>4} {b['peak_rss_mib']:>9.0f}")
        rows.append(key)
    if torch_rep:
        for pc, sv in torch_rep["solves"].items():
            gbs = by["x_bytes"] / sv["hvp_mean"] / 1e9
            frac = bound[1] / sv["hvp_mean"] if 1 in bound else float("nan")
            print(f"{'PyTorch autograd CG':<26} {1:>2} {pc:<7} {'':<7} {1e3 * sv['hvp_mean']:>9.2f} {100 * frac:>7.1f}% {'':>6} {gbs:>6.2f} {sv['seconds']:>11.3f}"
                  f" {sv['iterations']:>4} {sv['hvps']:>4} {'':>9} {'':>4} {torch_rep['peak_rss_mib']:>9.0f}")
        if "functional_hvp" in torch_rep:
            fh = torch_rep["functional_hvp"]
            print(f"{'torch...functional.hvp':<26} {1:>2} {'':<7} {'':<7} {1e3 * fh['min']:>9.2f} {100 * bound[1] / fh['min'] if 1 in bound else float('nan'):>7.1f}%"
                  f" {'':>6} {by['x_bytes'] / fh['min'] / 1e9:>6.2f}")
    if scipy_rep:
        name = "scipy.sparse CSR" if case == "sparse" else "numpy (BLAS gemv)"
        print(f"{name:<26} {1:>2} {'':<7} {'':<7} {1e3 * scipy_rep['hvp_min']:>9.2f} {100 * bound[1] / scipy_rep['hvp_min'] if 1 in bound else float('nan'):>7.0f}%"
              f" {'':>6} {by['x_bytes'] / scipy_rep['hvp_min'] / 1e9:>6.1f} {'':>11} {'':>4} {'':>4} {'':>9} {'':>4} {scipy_rep['peak_rss_mib']:>9.0f}")
    print()
    print("   H v: curio = CurioHessMult time / count from -log_view (max over ranks; train + tangent stages), best of the repeats;")
    print("   PyTorch = mean over its CG's H v calls (backward through the kept gradient graph); scipy/numpy = best of"
          f" {args.scipy_repeat}; '% bound' = bandwidth-bound time (best bandwidth of the run) / measured time;")
    print("   '% adj' = the same with the bandwidth measured just before each curio run, median over the runs.")
    print("   tangent: curio /timing tangent (CG + one H v for the residual check); PyTorch: gradient graph"
          f" ({torch_rep['graph_seconds']:.3f} s) + CG + one H v for the same check" if torch_rep else "")
    if torch_rep and "jacobi" in torch_rep["solves"]:
        print(f"   (PyTorch's Jacobi diagonal, {torch_rep['solves']['jacobi']['diag_seconds']:.3f} s, is not in its tangent time: curio sets its PC up in train)")

    ratios = {}
    c1 = [c for c in curio.values() if c["ranks"] == 1 and c.get("kernel", "fused") == "fused"]
    c2 = [c for c in curio.values() if c["ranks"] == 2 and c.get("kernel", "fused") == "fused"]
    for r in (1, 2):
        f_ = [c for c in curio.values() if c["ranks"] == r and c.get("kernel") == "fused"]
        t_ = [c for c in curio.values() if c["ranks"] == r and c.get("kernel") == "twopass"]
        if f_ and t_:
            ratios[f"fused_speedup_over_twopass_{r}rank{'s' if r > 1 else ''}"] = min(c["best"]["hvp"] for c in t_) / min(c["best"]["hvp"] for c in f_)
            ratios[f"twopass_fraction_of_bound_{r}rank{'s' if r > 1 else ''}"] = bound.get(r, float("nan")) / min(c["best"]["hvp"] for c in t_)
            ratios[f"tangent_fused_over_twopass_{r}rank{'s' if r > 1 else ''}"] = (min(c["best"]["tangent"] for c in f_)
                                                                                  / min(c["best"]["tangent"] for c in t_))
    if c1:
        h1 = min(c["best"]["hvp"] for c in c1)
        ratios["hvp_fraction_of_bound_1rank"] = bound1[1] / h1
        if torch_rep:
            ht = min(sv["hvp_mean"] for sv in torch_rep["solves"].values())
            ratios["hvp_speedup_vs_torch_1rank"] = ht / h1
            ratios["torch_hvp_over_bound_1thread"] = ht / bound[1]
            for pc, sv in torch_rep["solves"].items():
                if f"R1_{pc}" in curio:
                    ratios[f"tangent_speedup_vs_torch_1rank_{pc}"] = sv["seconds"] / curio[f"R1_{pc}"]["best"]["tangent"]
        if scipy_rep:
            ratios["hvp_speedup_vs_scipy_1rank"] = scipy_rep["hvp_min"] / h1
        if c2:
            h2 = min(c["best"]["hvp"] for c in c2)
            ratios["hvp_speedup_1_to_2_ranks"] = h1 / h2
            ratios["bandwidth_ratio_2_to_1_threads"] = bw[2]["best_gbs"] / bw[1]["best_gbs"] if 2 in bw else float("nan")
    if c2 and 2 in bound:
        ratios["hvp_fraction_of_bound_2ranks"] = bound1[2] / min(c["best"]["hvp"] for c in c2)
    for r, cs in ((1, c1), (2, c2)):
        if cs:
            ratios[f"hvp_fraction_adjacent_{r}rank{'s' if r > 1 else ''}"] = float(np.median([c["hvp_fraction_adjacent"] for c in cs]))
    print()
    print("   ratios:")
    labels = {"hvp_speedup_1_to_2_ranks": "curio H v speed-up 1 -> 2 ranks (fused)",
              "fused_speedup_over_twopass_1rank": "two-pass H v time / fused, 1 rank", "fused_speedup_over_twopass_2ranks": "two-pass H v time / fused, 2 ranks",
              "twopass_fraction_of_bound_1rank": "two-pass: its 2-pass bound / measured, 1 rank",
              "twopass_fraction_of_bound_2ranks": "two-pass: its 2-pass bound / measured, 2 ranks",
              "tangent_fused_over_twopass_1rank": "CG tangent time fused / two-pass, 1 rank", "tangent_fused_over_twopass_2ranks": "CG tangent time fused / two-pass, 2 ranks",
              "hvp_fraction_adjacent_1rank": "HVP time bound / measured, 1 rank, adjacent bw",
              "hvp_fraction_adjacent_2ranks": "HVP time bound / measured, 2 ranks, adjacent bw", "bandwidth_ratio_2_to_1_threads": "measured bandwidth, 2 / 1 threads",
              "hvp_speedup_vs_scipy_1rank": "scipy/numpy H v time / curio's, 1 rank",
              "torch_hvp_over_bound_1thread": "PyTorch H v time / bandwidth-bound time (*)", "tangent_speedup_vs_torch_1rank_jacobi": "PyTorch tangent time / curio's, 1 rank, Jacobi",
              "tangent_speedup_vs_torch_1rank_none": "PyTorch tangent time / curio's, 1 rank, no PC"}
    for key, value in ratios.items():
        if key in TARGETS:
            op, target, label = TARGETS[key]
            print(f"     {label:<48} {value:8.2f}   (target {op} {target:g}: {target_status(key, value)})")
        else:
            print(f"     {labels.get(key, key):<48} {value:8.2f}   (no target)")
    if "torch_hvp_over_bound_1thread" in ratios:
        print("     (*) the largest per-HVP speed-up over PyTorch that any code reading X at the measured bandwidth could reach")
    if checks:
        print()
        print("   agreement of the tangents (max |a - b| / max |b|, b = PyTorch's), and residuals |H theta_dot + grad R| / |grad R|:")
        for key, c in checks["curio"].items():
            print(f"     curio {key}: " + ", ".join(f"vs PyTorch {pc} {v:.2e}" for pc, v in c["theta_dot_vs_torch"].items())
                  + f"; residual {c['tangent_residual']:.2e}")
        if "torch_jacobi_vs_none" in checks:
            print(f"     PyTorch jacobi vs none: {checks['torch_jacobi_vs_none']:.2e}")
        print("     PyTorch residuals: " + ", ".join(f"{pc} {sv['tangent_residual']:.2e}" for pc, sv in torch_rep["solves"].items())
              + f"; |grad L(theta*)| / |X^T y| = {torch_rep['grad_norm_rel']:.2e} (curio's theta* is the optimum)")
    print("   where the tangent's time goes (curio, fastest run, -log_view 'Curio tangent' stage, max over ranks, s):")
    for key, c in sorted(curio.items(), key=lambda kv: (kv[1]["ranks"], kv[1]["pc"], kv[1].get("kernel", ""))):
        ev = c["tangent_events"]
        print(f"     R{c['ranks']} {c['pc']:<6} {c.get('kernel', 'fused'):<7}: " + ", ".join(f"{k} {v:.4f}" for k, v in ev.items()))
    return ratios, by, bound


# --------------------------------------------------------------------------- main


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        report = worker_torch(args) if args.worker == "torch" else worker_scipy(args)
        print(json.dumps(report))
        return 0

    t_start = time.perf_counter()
    load_start = loadavg()
    if load_start[0] > 0.5:
        print(f"warning: load average {load_start[0]:.2f} before the benchmark: other processes compete for the {os.cpu_count()} cores, "
              "and the times will show it", file=sys.stderr)
    if not os.access(args.curio, os.X_OK):
        sys.exit(f"error: {args.curio} is not an executable; build it (cmake -S . -B build && cmake --build build) or use bench/run_krylov.sh")
    temporary = args.workdir is None
    workdir = tempfile.mkdtemp(prefix="curio-bench-krylov-") if temporary else args.workdir
    os.makedirs(workdir, exist_ok=True)
    idx, petscconf = index_bytes(args)
    failures, results, collected, loads = [], {}, {}, {"start": load_start}
    try:
        args.curio, snap, curio_info = snapshot_curio(args.curio, workdir)
        env = dict(os.environ, **SINGLE_THREAD_ENV)
        env["LD_LIBRARY_PATH"] = snap + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
        git = curio_info["git"]
        print(f"curio: {curio_info['executable']} (sha256 {curio_info['sha256']['curio'][:12]}, built {curio_info['mtime']}"
              + (f", commit {git['commit']}{' + modified ' + ' '.join(git['modified']) if git['modified'] else ''}" if git else "") + ")")
        print(f"PetscInt is {8 * idx} bits ({petscconf})")
        stream_exe, stream_cmd = build_stream(args, workdir)
        threads = sorted(set([1] + [min(r, os.cpu_count() or r) for r in args.ranks]))
        streams = {}
        print(f"memory bandwidth ({stream_cmd}; {args.stream_mib:g} MiB per array) ...", flush=True)
        measure_bandwidth(stream_exe, threads, args, streams)

        for case in args.cases:
            t_case = time.perf_counter()
            data = os.path.join(workdir, f"{case}.h5")
            if case == "sparse":
                shape, nnz = (args.n, args.d), args.n * args.nnz_per_row
                print(f"generating sparse {args.n} x {args.d}, {args.nnz_per_row} nonzeros per row (seed {args.seed}) into {data} ...", flush=True)
                t0 = time.perf_counter()
                generate_sparse(data, args.n, args.d, args.nnz_per_row, args.seed, args.noise)
            else:
                shape, nnz = (args.dense_n, args.dense_d), args.dense_n * args.dense_d
                print(f"generating dense {args.dense_n} x {args.dense_d} (seed {args.seed}) into {data} ...", flush=True)
                t0 = time.perf_counter()
                generate_dense(data, args.dense_n, args.dense_d, args.seed, args.noise)
            t_gen = time.perf_counter() - t0
            loads[f"{case}_before_curio"] = loadavg()
            curio, err = bench_curio(args, case, data, workdir, env, stream_exe)
            if err:
                print(f"  {case}: {err.strip().splitlines()[0]}\n" + "\n".join("    " + ln for ln in err.strip().splitlines()[1:][-6:]), file=sys.stderr)
                failures.append(f"{case}: {err}")
                results[case] = {"error": err, "shape": shape, "nnz": nnz}
                continue
            loads[f"{case}_after_curio"] = loadavg()
            # theta* for the baseline: curio's, from the first 1-rank (or first) run
            ref = curio.get(f"R{min(args.ranks)}_{args.pcs[0]}")
            theta_file = ref["runs"][0]["output"]
            print(f"  PyTorch autograd CG ({', '.join(args.pcs)}), {args.torch_repeat} repeat(s) ...", flush=True)
            torch_rep, err = run_worker("torch", args, data, theta_file, os.path.join(workdir, f"torch_{case}.npz"))
            if err:
                print(f"  {case}: {err}", file=sys.stderr)
                failures.append(f"{case}: {err}")
            scipy_rep = None
            if args.scipy_repeat > 0:
                print("  scipy/numpy H v reference ...", flush=True)
                scipy_rep, err = run_worker("scipy", args, data, None, os.path.join(workdir, f"scipy_{case}.npz"))
                if err:
                    print(f"  {case}: {err}", file=sys.stderr)
            loads[f"{case}_after_baselines"] = loadavg()
            checks = None
            if torch_rep:
                import h5py

                tz = np.load(os.path.join(workdir, f"torch_{case}.npz"))
                checks = {"curio": {}}
                for key, c in curio.items():
                    with h5py.File(c["runs"][0]["output"], "r") as f:
                        td = f["/model/theta_dot"][...]
                    checks["curio"][key] = {"theta_dot_vs_torch": {pc: rel_diff(td, tz[f"theta_dot_{pc}"]) for pc in args.pcs},
                                            "tangent_residual": c["tangent_residual"]}
                if "jacobi" in args.pcs and "none" in args.pcs:
                    checks["torch_jacobi_vs_none"] = rel_diff(tz["theta_dot_jacobi"], tz["theta_dot_none"])
            collected[case] = dict(shape=shape, nnz=nnz, curio=curio, torch_rep=torch_rep, scipy_rep=scipy_rep, checks=checks, t_gen=t_gen,
                                   t_case=time.perf_counter() - t_case, data=data)

        print("memory bandwidth again ...", flush=True)
        measure_bandwidth(stream_exe, threads, args, streams)  # after the runs too; the best is kept
        bw = {}
        for t, runs in streams.items():
            best, per = best_bandwidth(runs)
            bw[t] = {"best_gbs": best, **per}
        for case, c in collected.items():
            ratios, by, bound = case_report(args, case, c["shape"], c["nnz"], idx, bw, c["curio"], c["torch_rep"], c["scipy_rep"], c["checks"])
            checks = c["checks"]
            if checks:
                bad = {f"{k} vs PyTorch {pc}": v for k, cc in checks["curio"].items() for pc, v in cc["theta_dot_vs_torch"].items() if not v <= args.tol}
                if bad:
                    failures.append(f"{case}: tangents disagree beyond --tol {args.tol:g}: " + ", ".join(f"{k} {v:.2e}" for k, v in bad.items()))
            results[case] = {"shape": c["shape"], "nnz": c["nnz"], "bytes": by, "bound_seconds": {str(k): v for k, v in bound.items()}, "curio": c["curio"],
                             "torch": c["torch_rep"], "scipy": c["scipy_rep"], "ratios": ratios, "checks": checks,
                             "targets": benchlib.targets_report(TARGETS, ratios),
                             "data_generation_seconds": c["t_gen"], "wall_seconds": c["t_case"], "data": c["data"] if not temporary or args.keep else None}

        bw = {}
        for t, runs in streams.items():
            best, per = best_bandwidth(runs)
            bw[str(t)] = {"best_gbs": best, **per, "runs": runs}
        t_total = time.perf_counter() - t_start
        loads["end"] = loadavg()
        print(f"\nbenchmark wall time {t_total:.1f} s; 1-min load average {load_start[0]:.2f} at the start, {loads['end'][0]:.2f} at the end"
              f" (all: {', '.join(f'{k} {v[0]:.2f}' for k, v in loads.items())})")
        busy = [r["others_running"] for c in collected.values() for cc in c["curio"].values() for r in cc["runs"]]
        if busy:
            print(f"other processes running when a curio run started: {sum(b > 0 for b in busy)} of {len(busy)} runs (max {max(busy)});"
                  " the load average counts this benchmark's own ranks too")
        for f_ in failures:
            print(f"FAILED: {f_.strip().splitlines()[0]}")
        if args.json:
            result = {
                "benchmark": "krylov",
                "label": args.label,
                "config": {k: getattr(args, k) for k in ("cases", "n", "d", "nnz_per_row", "dense_n", "dense_d", "seed", "noise", "s", "rtol", "ranks", "pcs",
                                                         "kernels", "repeat", "torch_repeat", "torch_functional", "scipy_repeat", "stream_mib", "stream_trials",
                                                         "mpiexec_args")},
                "environment": dict(environment(), threads=SINGLE_THREAD_ENV, loadavg=loads, petsc_int_bytes=idx, petscconf=petscconf),
                "curio_executable": curio_info,
                "bandwidth": {"command": stream_cmd, "threads": bw},
                "cases": results,
                "failures": failures,
                "wall_seconds": t_total,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
            with open(args.json, "w") as f:
                json.dump(result, f, indent=2, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))
                f.write("\n")
            print(f"wrote {args.json}")
        return 1 if failures else 0
    finally:
        if temporary and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        elif temporary:
            print(f"kept {workdir}")


if __name__ == "__main__":
    sys.exit(main())

"""Helpers shared by curio's benchmark scripts (bench_dense.py, bench_krylov.py, bench_sgdf.py): the single-thread
environment, peak memory, machine load, provenance of the curio executable and the machine, the synthetic data sets
in curio's HDF5 input layouts, relative differences and target status.

Imported by the scripts as `import benchlib` (the scripts run from bench/, which Python puts first on sys.path)."""

import glob
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MIB = 1024.0 * 1024.0

# every process in a benchmark runs on one thread, like the curio ranks
SINGLE_THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# --------------------------------------------------------------------------- memory and load


def peak_rss_mib():
    """Peak resident set of this process so far, in MiB.

    VmHWM (the high-water mark of this process image) rather than getrusage's ru_maxrss: Linux carries ru_maxrss
    over fork and exec, so a child would report at least the parent's resident set at the time it was started.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def loadavg():
    return list(os.getloadavg())


def others_running():
    """Processes running or runnable right now besides this one (/proc/stat procs_running - 1): competing work
    at the moment a measurement starts (the load average also counts this benchmark's own processes)."""
    try:
        with open("/proc/stat") as f:
            for line in f:
                if line.startswith("procs_running"):
                    return int(line.split()[1]) - 1
    except OSError:
        pass
    return -1


# --------------------------------------------------------------------------- provenance


def git_state():
    """The commit of the repository and the tracked source files that differ from it (None outside a git checkout)."""
    def git(*a):
        proc = subprocess.run(["git", "-C", ROOT] + list(a), capture_output=True, text=True)
        return proc.stdout if proc.returncode == 0 else None

    commit = git("rev-parse", "--short", "HEAD")
    if commit is None:
        return None
    modified = git("status", "--porcelain", "--untracked-files=no", "--", "src", "include", "CMakeLists.txt") or ""
    return {"commit": commit.strip(), "modified": [ln.split(maxsplit=1)[1] for ln in modified.splitlines() if ln.strip()]}


def sources_newer_than(path):
    """The curio sources (relative paths) modified after the file at path."""
    mtime = os.path.getmtime(path)
    sources = [f for pat in ("src/**/*.[ch]", "include/*.h", "CMakeLists.txt") for f in glob.glob(os.path.join(ROOT, pat), recursive=True)]
    return sorted(os.path.relpath(f, ROOT) for f in sources if os.path.getmtime(f) > mtime)


def snapshot_curio_with_libs(path, workdir, runner):
    """Copies the executable and libcurio (build/curio links libcurio.so.0 through its RUNPATH) into the work directory,
    so that a rebuild during the benchmark cannot mix two versions; the runs put the copy first on LD_LIBRARY_PATH
    (a RUNPATH, unlike an RPATH, yields to it). Warns if a source file is newer than the executable (runner: the
    wrapper script to name in the warning). Returns the copy, its directory and its provenance."""
    mtime = os.path.getmtime(path)
    newer = sources_newer_than(path)
    if newer and os.path.realpath(path) == os.path.realpath(os.path.join(ROOT, "build", "curio")):
        print(f"warning: {path} is older than {', '.join(newer[:3])}{' ...' if len(newer) > 3 else ''}: rebuild it ({runner} does)", file=sys.stderr)
    snap = os.path.join(workdir, "curio-snapshot")
    os.makedirs(snap, exist_ok=True)
    copy = os.path.join(snap, "curio")
    shutil.copy2(path, copy)
    files = {"curio": copy}
    proc = subprocess.run(["ldd", path], capture_output=True, text=True)
    for ln in proc.stdout.splitlines():
        m = re.match(r"\s*(libcurio[^\s]*)\s+=>\s+(\S+)", ln)
        if m:
            dst = os.path.join(snap, m.group(1))
            shutil.copy2(os.path.realpath(m.group(2)), dst)
            files[m.group(1)] = dst

    def sha(p):
        with open(p, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()

    in_tree = os.path.realpath(path).startswith(os.path.realpath(ROOT) + os.sep)
    info = {"executable": os.path.abspath(path), "sha256": {k: sha(v) for k, v in files.items()},
            "mtime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(mtime)), "git": git_state() if in_tree else None,
            "sources_newer_than_executable": newer}
    return copy, snap, info


def environment():
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu)
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__, "host": platform.node()}


# --------------------------------------------------------------------------- data


def generate_sparse(path, n, d, k, seed, noise):
    """CSR with k random sorted unique columns per row, values N(0, 1), y = X theta_true + noise, in chunks of rows,
    written as curio's HDF5 CSR layout (group /train: shape attribute, indptr, indices, data, y)."""
    import h5py

    rng = np.random.default_rng(seed)
    theta_true = 1.0 / (1.0 + np.arange(d))
    nnz = n * k
    with h5py.File(path, "w") as f:
        g = f.create_group("train")
        g.attrs["shape"] = np.array([n, d], dtype=np.int64)
        g.create_dataset("indptr", data=np.arange(0, nnz + 1, k, dtype=np.int64))
        dind = g.create_dataset("indices", shape=(nnz,), dtype="i8")
        ddat = g.create_dataset("data", shape=(nnz,), dtype="f8")
        y = np.empty(n)
        block = max(1, (1 << 22) // k)  # about 4M nonzeros (32 MiB per array) at a time
        for i0 in range(0, n, block):
            m = min(n, i0 + block) - i0
            if d <= 256:  # dense sampling without replacement is cheap for a small d
                cols = np.argsort(rng.random((m, d)), axis=1)[:, :k]
                cols.sort(axis=1)
            else:  # draw with replacement and redraw the (few) rows that got a column twice
                cols = np.sort(rng.integers(0, d, (m, k)), axis=1)
                bad = np.flatnonzero((np.diff(cols, axis=1) == 0).any(axis=1))
                while bad.size:
                    cols[bad] = np.sort(rng.integers(0, d, (bad.size, k)), axis=1)
                    bad = bad[(np.diff(cols[bad], axis=1) == 0).any(axis=1)]
            vals = rng.standard_normal((m, k))
            dind[i0 * k:(i0 + m) * k] = cols.ravel()
            ddat[i0 * k:(i0 + m) * k] = vals.ravel()
            y[i0:i0 + m] = (vals * theta_true[cols]).sum(axis=1) + noise * rng.standard_normal(m)
        g.create_dataset("y", data=y)


def generate_dense(path, n, d, seed, noise):
    """X ~ N(0, 1) (n, d), y = X theta_true + noise (theta_true_j = 1/(1+j)), float64, contiguous, as /train/X and
    /train/y in a new HDF5 file."""
    import h5py

    rng = np.random.default_rng(seed)
    theta_true = 1.0 / (1.0 + np.arange(d))
    with h5py.File(path, "w") as f:
        dX = f.create_dataset("/train/X", shape=(n, d), dtype="f8")
        y = np.empty(n)
        block = max(1, (1 << 24) // d)  # about 128 MiB of X at a time
        for i0 in range(0, n, block):
            i1 = min(n, i0 + block)
            Xb = rng.standard_normal((i1 - i0, d))
            dX[i0:i1] = Xb
            y[i0:i1] = Xb @ theta_true + noise * rng.standard_normal(i1 - i0)
        f.create_dataset("/train/y", data=y)


def load_train(path):
    """('sparse', (indptr, indices, data), y, shape) or ('dense', X, y, shape) from /train of an input file."""
    import h5py

    with h5py.File(path, "r") as f:
        g = f["train"]
        if "X" in g:
            X = g["X"][...]
            return "dense", X, g["y"][...], X.shape
        shape = tuple(int(v) for v in np.asarray(g.attrs["shape"]).ravel())
        return "sparse", (g["indptr"][...], g["indices"][...], g["data"][...]), g["y"][...], shape


# --------------------------------------------------------------------------- checks and report


def rel_diff(a, b):
    """max |a - b| / max |b| (elementwise relative differences are meaningless for components near 0)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), np.finfo(float).tiny))


def target_status(targets, key, value):
    """PASS or MISS of a ratio against its target: targets[key] = (op, target, label), op '>=' or '<='."""
    op, target, _ = targets[key]
    ok = value >= target if op == ">=" else value <= target
    return "PASS" if ok else "MISS"


def targets_report(targets, ratios):
    """Every target with its measured value and PASS/MISS (None where the ratio was not measured), for the JSON."""
    return {k: {"op": op, "target": t, "label": lab, "value": ratios.get(k),
                "status": target_status(targets, k, ratios[k]) if k in ratios else None} for k, (op, t, lab) in targets.items()}


def write_json(path, result):
    """Writes a benchmark's result as indented JSON, creating the folder."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(f"wrote {path}")

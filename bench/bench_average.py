#!/usr/bin/python3
"""Local SGDF's averaging at large d: blocking against overlapped (-curio_sgdf_average_overlap), with and without
malloc on huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1), on 2 ranks standing for 2 nodes of one rank each
(-curio_sgdf_layout hybrid -curio_sgdf_node_ranks 1: every averaging is an allreduce of 16 d bytes between them).

    bench/run.sh average                          # 10^6 synthetic rows, d = 10^7, 20 per row, 32 rows per rank and step, H = 1024
    bench/run.sh average --d 1000000 --repeat 7

The variants run alternately, --repeat times each; printed: medians (and ranges) of the epoch (/timing train) and of
the time in averagings (/timing average, this rank's: the waits and passes an averaging leaves on the critical path),
per averaging, and the ratios against the blocking run without huge pages. On one machine the allreduce's transfer
is a copy by the same cores that step, so overlapping hides nothing there: what the overlapped run shows here is its
own cost (docs/sgdf.md sections 3 and 8).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import h5py

import benchlib

VARIANTS = [("blocking", False, False), ("overlapped", True, False), ("blocking, huge pages", False, True), ("overlapped, huge pages", True, True)]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--curio", required=True, help="the curio executable")
    p.add_argument("--json", default=None, help="write the results here")
    p.add_argument("--n", type=int, default=1000000, help="synthetic rows (default 10^6)")
    p.add_argument("--d", type=int, default=10000000, help="features (default 10^7)")
    p.add_argument("--k", type=int, default=20, help="nonzeros per row (default 20)")
    p.add_argument("--rank-batch", type=int, default=32, help="rows per rank and step (default 32; the global batch is twice that)")
    p.add_argument("--local-steps", type=int, default=1024, help="H: steps between averagings (default 1024)")
    p.add_argument("--lr", type=float, default=2e-7, help="-curio_sgdf_lr (default 2e-7)")
    p.add_argument("--repeat", type=int, default=5, help="runs of each variant, alternating (default 5)")
    p.add_argument("--mpiexec", default="mpiexec", help="MPI launcher (default mpiexec)")
    p.add_argument("--mpiexec-args", default="--bind-to core", help="extra launcher arguments (default '--bind-to core')")
    return p.parse_args(argv)


def run_once(a, tmp, overlap, huge):
    out = os.path.join(tmp, "avg.h5")
    env = dict(os.environ, **benchlib.SINGLE_THREAD_ENV)
    if huge:
        env["GLIBC_TUNABLES"] = "glibc.malloc.hugetlb=1"
    else:
        env.pop("GLIBC_TUNABLES", None)
    cmd = ([a.mpiexec, "-n", "2"] + a.mpiexec_args.split() + (["-x", "GLIBC_TUNABLES"] if huge else [])
           + [a.curio, "-curio_mode", "sgdf", "-curio_sgdf_synthetic", f"{a.n},{a.d},{a.k}", "-curio_s", "1", "-curio_sgdf_epochs", "1",
              "-curio_sgdf_lr", repr(a.lr), "-curio_sgdf_batch", str(2 * a.rank_batch), "-curio_sgdf_local_steps", str(a.local_steps),
              "-curio_sgdf_layout", "hybrid", "-curio_sgdf_node_ranks", "1", "-curio_sgdf_average_overlap", "true" if overlap else "false",
              "-curio_output", out])
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    if p.returncode != 0:
        sys.exit(f"bench_average: curio failed ({' '.join(cmd)}):\n{p.stdout}\n{p.stderr}")
    with h5py.File(out) as f:
        t = f["timing"].attrs
        return {"train": float(t["train"]), "average": float(t["average"]), "averages": int(f["sgdf"].attrs["averages"]),
                "peak_rss_mib": float(t["peak_rss_mib"]), "wall": time.perf_counter() - t0, "others_running": benchlib.others_running()}


def main(argv=None):
    a = parse_args(argv)
    a.curio = os.path.abspath(a.curio)
    res = {"benchmark": "average", "config": {k: getattr(a, k) for k in ("n", "d", "k", "rank_batch", "local_steps", "lr", "repeat", "mpiexec_args")},
           "environment": dict(benchlib.environment(), loadavg_before=benchlib.loadavg()), "curio_executable": benchlib.git_state(),
           "runs": {name: [] for name, _, _ in VARIANTS}}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(a.repeat):
            for name, overlap, huge in VARIANTS:
                res["runs"][name].append(run_once(a, tmp, overlap, huge))
    res["environment"]["loadavg_after"] = benchlib.loadavg()
    med = {}
    print(f"local SGDF averaging, 2 ranks as 2 nodes, {a.n} x {a.d}, {a.k} per row, {a.rank_batch} rows per rank and step, H = {a.local_steps}: "
          f"{res['runs']['blocking'][0]['averages']} averagings of 16 d = {16 * a.d / 1e6:.0f} MB per epoch; medians of {a.repeat} (range)")
    for name, _, _ in VARIANTS:
        runs = res["runs"][name]
        tr, av = [r["train"] for r in runs], [r["average"] / max(r["averages"], 1) for r in runs]
        med[name] = {"train": statistics.median(tr), "average_per_averaging": statistics.median(av),
                     "peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in runs)}
        print(f"  {name:24} epoch {med[name]['train']:.3f} s ({min(tr):.3f}-{max(tr):.3f}), in averagings {med[name]['average_per_averaging'] * 1e3:.1f} ms "
              f"per averaging ({min(av) * 1e3:.1f}-{max(av) * 1e3:.1f}), peak RSS {med[name]['peak_rss_mib']:.0f} MiB")
    base = med["blocking"]["train"]
    res["medians"] = med
    res["ratios"] = {f"epoch_{name.replace(', ', '_').replace(' ', '_')}_over_blocking": med[name]["train"] / base for name, _, _ in VARIANTS[1:]}
    for k, v in res["ratios"].items():
        print(f"  {k}: {v:.2f}")
    if a.json:
        benchlib.write_json(a.json, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())

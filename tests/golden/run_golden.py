#!/usr/bin/python3
"""Golden-output regression test: runs the jobs of jobs.py at N ranks and compares every output with its reference,
tests/golden/ref/npN/<name>.h5 (compare.py), or with --regen writes the references instead.

    /usr/bin/python3 tests/golden/run_golden.py --curio build/curio --np 2 --out /tmp/golden [--bitwise] [--only REGEX]
    /usr/bin/python3 tests/golden/run_golden.py --curio /path/to/baseline/curio --np 2 --out /tmp/golden --regen

The output directory is emptied of what an earlier run left (inputs/, ckpt/, study/, *.h5) and the jobs run in it with
relative paths. Regenerate only when a change of the numbers is intended, and say why in the commit (README.md)."""
import argparse
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare  # noqa: E402
import jobs  # noqa: E402


# exit codes when a rank (mpiexec: 128 + signal) or mpiexec itself (Python: -signal) was killed by SIGTERM or SIGKILL
KILLED = (128 + 15, 128 + 9, -15, -9)


def mpi_environment():
    """what scripts/mpienv.sh sets: one BLAS thread per rank, Open MPI as root, oversubscription"""
    env = dict(os.environ)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OMPI_MCA_rmaps_base_oversubscribe", "1")
    if os.getuid() == 0:
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    return env


def clean(out):
    for sub in ("inputs", "ckpt", "study"):
        shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
    for path in glob.glob(os.path.join(out, "*.h5")) + glob.glob(os.path.join(out, "*.log")):
        os.remove(path)
    os.makedirs(os.path.join(out, "ckpt"))


def run_job(a, env, name, options):
    cmd = shlex.split(a.mpiexec) + ["-n", str(a.np), a.curio] + [o.replace("{out}", name + ".h5") for o in options]
    t = time.time()
    p = subprocess.run(cmd, cwd=a.out, env=env, capture_output=True, text=True, timeout=a.timeout)
    with open(os.path.join(a.out, name + ".log"), "w") as log:
        log.write(" ".join(shlex.quote(c) for c in cmd) + "\n" + p.stdout + p.stderr)
    return p.returncode, time.time() - t, p


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curio", required=True, help="the curio executable to test")
    ap.add_argument("--np", type=int, required=True, help="MPI ranks per job")
    ap.add_argument("--out", required=True, help="working directory for the inputs and outputs")
    ap.add_argument("--ref", default=os.path.join(HERE, "ref"), help="reference directory (default tests/golden/ref)")
    ap.add_argument("--regen", action="store_true", help="write the outputs as the references instead of comparing")
    ap.add_argument("--bitwise", action="store_true", help="floats must be bitwise identical to the references")
    ap.add_argument("--only", default=None, help="run only the jobs whose name matches this regular expression")
    ap.add_argument("--mpiexec", default="mpiexec --oversubscribe")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--verbose", action="store_true", help="list the items within tolerance and the added ones")
    a = ap.parse_args()
    a.curio = os.path.abspath(a.curio)
    a.out = os.path.abspath(a.out)
    if not os.access(a.curio, os.X_OK):
        sys.exit(f"run_golden.py: {a.curio} is not an executable (give the curio binary with --curio)")
    refdir = os.path.join(a.ref, f"np{a.np}")
    os.makedirs(a.out, exist_ok=True)
    clean(a.out)
    jobs.make_inputs(os.path.join(a.out, "inputs"))
    env = mpi_environment()
    selected = [j for j in jobs.JOBS if a.only is None or re.search(a.only, j[0])]
    failed, total = [], time.time()
    for name, options, outputs in selected:
        code, secs, p = run_job(a, env, name, options)
        if code in KILLED:  # SIGTERM/SIGKILL from outside (a shared machine), not something curio does by itself: once more
            print(f"note: {name}: curio was killed by a signal from outside (exit {code}); running it once more")
            code, secs, p = run_job(a, env, name, options)
        if code != 0:
            failed.append(f"{name}: curio exited with {code} (log: {os.path.join(a.out, name + '.log')})")
            print(f"FAIL {name}: curio exited with {code} in {secs:.1f} s\n{p.stderr[-2000:]}")
            continue
        for ref_name, produced in outputs.items():
            new = os.path.join(a.out, produced)
            ref = os.path.join(refdir, ref_name + ".h5")
            if not os.path.exists(new):
                failed.append(f"{ref_name}: {produced} was not written")
                print(f"FAIL {ref_name}: {produced} was not written")
            elif a.regen:
                os.makedirs(refdir, exist_ok=True)
                shutil.copyfile(new, ref)
                print(f"wrote {ref} ({os.path.getsize(ref)} bytes, job {secs:.1f} s)")
            elif not os.path.exists(ref):
                failed.append(f"{ref_name}: no reference {ref}")
                print(f"FAIL {ref_name}: no reference {ref} (write the references with --regen)")
            else:
                rep = compare.compare_files(ref, new, a.bitwise)
                print(compare.summary(rep, os.path.relpath(ref, os.path.dirname(HERE)), produced, quiet=not a.verbose) + f" [job {secs:.1f} s]")
                if rep.failures:
                    failed.append(f"{ref_name}: {len(rep.failures)} failures")
    if a.regen and a.only is None:
        wanted = {ref_name + ".h5" for _, _, outputs in jobs.JOBS for ref_name in outputs}
        for stale in sorted(set(os.listdir(refdir)) - wanted):
            os.remove(os.path.join(refdir, stale))
            print(f"removed {os.path.join(refdir, stale)} (no job writes it)")
    print(f"{len(selected)} jobs at {a.np} ranks in {time.time() - total:.1f} s: " + (f"{len(failed)} FAILED" if failed else "all agree" if not a.regen else "references written"))
    for f in failed:
        print(f"  FAIL {f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Checks the plumbing of scripts/study.sh and jobscripts/curio-study.sbatch with a stand-in for curio
(fake_curio_study.py), so that it runs without the study mode of the C code:

  - study.sh runs the regression data sets of inputs/al with the 8 strategies and breast_cancer with -curio_loss
    logistic and its 7, passes the fixed options and the extra arguments (which win), and writes the report;
  - curio-study.sbatch, run as array tasks 0..3 of 4 (SLURM_* variables set, srun replaced by a pass-through),
    passes -curio_study_part i -curio_study_parts 4, and the 4 parts together give every run exactly once, in one
    directory; a task id outside 0..N-1 is refused with status 2.

    /usr/bin/python3 tests/integration/test_study_scripts.py REPO_ROOT WORKDIR
"""
import glob
import json
import os
import shutil
import subprocess
import sys

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
STRATS = "sld,sti,ssi,var,random,gsx,sld_batch,emcm,igs,leverage,maxdet,oracle_greedy".split(",")
LOGISTIC = STRATS
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def expected_runs(root, seeds):
    out = set()
    for p in sorted(glob.glob(os.path.join(root, "inputs", "al", "*.h5"))):
        with h5py.File(p, "r") as f:
            cls = f.attrs["task"] == "classification"
        name = os.path.basename(p)[:-3]
        for s in LOGISTIC if cls else STRATS:
            for k in range(seeds):
                out.add(f"{name}__{s}__seed{k}.h5")
    return out


CLASSIFICATION = ("breast_cancer", "pima", "biopsy")


def runs_in(d):
    return {os.path.basename(p) for p in glob.glob(os.path.join(d, "*__*__seed*.h5"))}


def main():
    root, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    fake = os.path.join(HERE, "fake_curio_study.py")

    # scripts/study.sh, 3 seeds, an extra option that must win over the default budget
    study = os.path.join(work, "study")
    env = dict(os.environ, CURIO_BIN=fake, CURIO_STUDY_DIR=study, CURIO_STUDY_SEEDS="3", CURIO_NP="2")
    r = subprocess.run(["bash", os.path.join(root, "scripts", "study.sh"), "-curio_al_budget", "40"], env=env,
                       capture_output=True, text=True)
    print(r.stdout[-3000:], r.stderr[-3000:])
    check(r.returncode == 0, f"study.sh exit status {r.returncode}")
    want = expected_runs(root, 3)
    got = runs_in(study)
    check(got == want, f"study.sh runs: missing {sorted(want - got)[:5]}, extra {sorted(got - want)[:5]}")
    for name in sorted(got):
        with h5py.File(os.path.join(study, name), "r") as f:
            o = f.attrs["options"]
            b = int(f.attrs["budget"])
        for opt in ("-curio_study_seeds 3", "-curio_al_batch 5", "-curio_intercept",
                    "-curio_regularizer restricted", "-curio_monitor"):
            check(opt in o, f"{name}: option '{opt}' not passed")
        check(b == 40, f"{name}: the extra -curio_al_budget 40 did not win (budget {b})")
        check(("-curio_loss logistic" in o) == (name.split("__")[0] in CLASSIFICATION), f"{name}: -curio_loss")
        check("-curio_loocv_sm" not in o and "-curio_al_seed_size" not in o and "-curio_loocv_ns 31" in o, f"{name}: the protocol's defaults")
    rep = json.load(open(os.path.join(study, "report.json")))["datasets"]
    check(len(rep) == len(glob.glob(os.path.join(root, "inputs", "al", "*.h5"))), "report: one entry per data set")
    check(sorted(x["strategy"] for x in rep["pima"]["rows"]) == sorted(LOGISTIC), "report: logistic strategies")
    for f in ("report.md", "report.csv", "report_curves.png", "report_diabetes.png", "report_breast_cancer.png"):
        check(os.path.getsize(os.path.join(study, f)) > 0, f"report file {f}")

    # jobscripts/curio-study.sbatch as 4 array tasks, srun replaced by a pass-through
    bindir = os.path.join(work, "bin")
    os.makedirs(bindir)
    with open(os.path.join(bindir, "srun"), "w") as fh:
        fh.write('#!/bin/sh\nexec "$@"\n')
    os.chmod(os.path.join(bindir, "srun"), 0o755)
    outdir = os.path.join(work, "array")
    base = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"], PYTHON=sys.executable, CURIO_BIN=fake, CURIO_OUTDIR=outdir,
                CURIO_STUDY_SEEDS="2", SLURM_SUBMIT_DIR=root, SLURM_ARRAY_JOB_ID="4242", SLURM_ARRAY_TASK_COUNT="4")
    sbatch = os.path.join(root, "jobscripts", "curio-study.sbatch")
    seen = {}
    for task in range(4):
        before = runs_in(outdir) if os.path.isdir(outdir) else set()
        r = subprocess.run(["bash", sbatch], env=dict(base, SLURM_ARRAY_TASK_ID=str(task)), capture_output=True,
                           text=True)
        check(r.returncode == 0, f"sbatch task {task}: status {r.returncode}: {r.stderr[-2000:]}")
        new = runs_in(outdir) - before
        check(len(new) > 0, f"sbatch task {task} wrote nothing")
        for n in new:
            seen[n] = task
        cmd = open(os.path.join(outdir, f"command-part{task}.txt")).read()
        check(f"-curio_study_part {task} -curio_study_parts 4" in cmd, f"task {task}: part options in {cmd[:300]}")
    check(set(seen) == expected_runs(root, 2), "the 4 parts together are not the whole study")
    for n, task in seen.items():  # written once: no later part overwrote it
        with h5py.File(os.path.join(outdir, n), "r") as f:
            check(int(f.attrs["written_by_part"]) == task, f"{n} written by part {task} and again later")
    r = subprocess.run(["bash", sbatch], env=dict(base, SLURM_ARRAY_TASK_ID="4"), capture_output=True, text=True)
    check(r.returncode == 2 and "0..N-1" in r.stderr, f"task 4 of 4: status {r.returncode}, {r.stderr!r}")
    r = subprocess.run([sys.executable, os.path.join(root, "postprocess", "al_report.py"), outdir], capture_output=True,
                       text=True)
    check(r.returncode == 0 and os.path.isfile(os.path.join(outdir, "report.md")), f"report on the array: {r.stderr}")

    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print(f"study scripts: {len(want)} runs from study.sh, {len(seen)} from 4 array tasks")
    return 0


if __name__ == "__main__":
    sys.exit(main())

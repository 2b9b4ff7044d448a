#!/usr/bin/python3
"""A stand-in for `curio -curio_mode sgdf` with the same command line and signal contract, for testing
jobscripts/curio-sgdf.sbatch where the SGDF driver is not built: a deterministic iteration over
20 * epochs steps (step time STANDIN_STEP_SECONDS, default 0.25 s) whose state is a small theta and
theta_dot. SIGTERM: checkpoint at the next step boundary and exit 0; SIGUSR1: checkpoint and continue.
Checkpoints are <prefix>-<step, 10 digits>.h5 written to a temporary name and renamed, the newest
-curio_checkpoint_keep kept; -curio_restart FILE continues from one; -curio_output gets /model/theta
and /model/theta_dot at the end. Rank 0 (SLURM_PROCID) writes the files; every rank handles signals.
Unknown options (-log_view ...) are ignored, as PETSc would with -options_left no."""
import glob
import os
import signal
import sys
import time

import h5py
import numpy as np

args = sys.argv[1:]


def opt(name, default=None):
    if name in args:
        i = args.index(name)
        return args[i + 1] if i + 1 < len(args) and not args[i + 1].startswith("-curio") else "true"
    return default


if opt("-curio_mode") != "sgdf":
    sys.exit("sgdf_standin: only -curio_mode sgdf")
rank = int(os.environ.get("SLURM_PROCID", os.environ.get("OMPI_COMM_WORLD_RANK", "0")))
epochs = int(opt("-curio_sgdf_epochs", "8"))
nsteps = 20 * epochs
every = int(opt("-curio_checkpoint_every", "0"))
prefix = opt("-curio_checkpoint_prefix")
keep = int(opt("-curio_checkpoint_keep", "2"))
restart = opt("-curio_restart")
output = opt("-curio_output")
step_seconds = float(os.environ.get("STANDIN_STEP_SECONDS", "0.25"))

flags = {"usr1": False, "term": False}
signal.signal(signal.SIGUSR1, lambda s, f: flags.__setitem__("usr1", True))
signal.signal(signal.SIGTERM, lambda s, f: flags.__setitem__("term", True))

theta = np.zeros(8)
theta_dot = np.zeros(8)
step = 0
if restart:
    with h5py.File(restart, "r") as f:
        if f.attrs["kind"] != "sgdf":
            sys.exit(f"sgdf_standin: {restart} holds kind {f.attrs['kind']}, expected sgdf")
        step = int(f.attrs["step"])
        theta = f["/state/theta"][()]
        theta_dot = f["/state/theta_dot"][()]
    if rank == 0:
        print(f"sgdf_standin: restarted from {restart} at step {step}", flush=True)


def write_atomic(path, items, attrs):
    tmp = f"{path}.tmp-{os.getpid()}"
    with h5py.File(tmp, "w") as f:
        for k, v in attrs.items():
            f.attrs[k] = v
        for k, v in items.items():
            f[k] = v
    os.replace(tmp, path)


def checkpoint():
    if rank != 0 or not prefix:
        return
    path = f"{prefix}-{step:010d}.h5"
    write_atomic(path, {"/state/theta": theta, "/state/theta_dot": theta_dot}, {"kind": "sgdf", "step": step})
    files = sorted(glob.glob(glob.escape(prefix) + "-" + "[0-9]" * 10 + ".h5"))
    for old in files[:-keep]:
        os.remove(old)
    print(f"sgdf_standin: checkpoint {path} at step {step}", flush=True)


while step < nsteps:
    time.sleep(step_seconds)
    i = np.arange(8)
    theta = 0.999 * theta + 1e-3 * np.sin(step + i)
    theta_dot = 0.999 * theta_dot - 1e-3 * np.cos(step * 0.5 + i) * theta
    step += 1
    if rank == 0 and step % 20 == 0:
        print(f"sgdf_standin: step {step}/{nsteps}", flush=True)
    if flags["term"] or flags["usr1"] or (every and step % every == 0):
        checkpoint()
        flags["usr1"] = False
        if flags["term"]:
            if rank == 0:
                print(f"sgdf_standin: SIGTERM: stopped at step {step}", flush=True)
            sys.exit(0)

if rank == 0 and output:
    write_atomic(output, {"/model/theta": theta, "/model/theta_dot": theta_dot}, {"steps": step})
    print(f"sgdf_standin: done, {output}", flush=True)

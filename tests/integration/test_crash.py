#!/usr/bin/python3
"""Crash consistency: kill -9 at random moments, restart, and finish bitwise equal to an uninterrupted run.

    test_crash.py CURIO [--np 2] [--trials 20] [--seed 1] [--mpiexec "mpiexec --oversubscribe"]

Each trial starts a run, sends SIGKILL at a random moment to one random rank or to all ranks (alternating), restarts
it until it completes, and checks:
  - the final output equals the uninterrupted run's, bit for bit (SGDF: theta, theta_dot and the per-epoch history;
    active learning: the selected indices, their labels, the curve's test errors and s, theta and theta_dot);
  - the newest checkpoint left by the killed run opens and verifies (no "skipping checkpoint" warning on restart),
    and for active learning the output left behind is a complete earlier round (or absent);
  - no temporary file (.curio-*.tmp) is left in the checkpoint or output directory after the restart.
Whether mpiexec notices the dead rank and ends the job is Open MPI's business, not curio's: a launcher still running
30 s after the kill is reported with the state of every process and ended by the harness (as a scheduler fences a
hung node), and the trial's checks on what curio left behind still apply. (Seen with Open MPI 4.1.4 about once in 30
active-learning trials: mpiexec asleep on a futex, the killed rank a zombie it never reaped, the other rank gone.)
Half of the trials are SGDF runs that checkpoint every few steps (the checkpoint writes, fsync'ed, take most of the
run's time, so most kills land inside one), half are active-learning runs that rewrite their output every round.
First, stale temporaries: a fit run removes the temporaries of its output that killed runs left (files of that
name form that no process holds the lock of), and keeps one whose writer is alive, those of other outputs and files
of other names. Last, the corrupted-newest-checkpoint case: a byte of the newest checkpoint's raw data is flipped after a kill, and the
restart falls back to the previous one and still ends bitwise equal.

--trials 20 runs in the suite (about a minute at 2 ranks); `--trials 100` is the longer run quoted in the notes.
Prints the counts: trials, kills that landed while a temporary file existed, restarts that found stale temporaries,
fallbacks, failures."""
import argparse
import fcntl
import glob
import os
import random
import shlex
import signal
import struct
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_input import make  # noqa: E402

SGDF = ["-curio_mode", "sgdf", "-curio_sgdf_synthetic", "4000,200,5", "-curio_s", "1", "-curio_sgdf_lr", "1e-4", "-curio_sgdf_batch", "8",
        "-curio_sgdf_epochs", "1"]
SGDF_KEYS = ("model/theta", "model/theta_dot", "sgdf/history/loss", "sgdf/history/tangent_change", "sgdf/history/theta_norm")
AL_KEYS = ("selected/index", "selected/y", "selected/round", "rounds/n_labeled", "rounds/test_error", "rounds/s", "model/theta", "model/theta_dot")


class Stats:
    def __init__(self):
        self.failures = 0
        self.counts = {}

    def check(self, ok, what):
        if not ok:
            print(f"FAIL {what}", flush=True)
        self.failures += not ok

    def count(self, key, n=1):
        self.counts[key] = self.counts.get(key, 0) + n


def launch(a, args):
    cmd = shlex.split(a.mpiexec) + ["-n", str(a.np), a.curio] + [str(x) for x in args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def run(a, args, timeout=300):
    p = launch(a, args)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        return 999, out, err + "\nTIMEOUT"
    return p.returncode, out, err


def ranks_of(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        return []


def states(pids):
    """pid: state (R, S, D, Z, gone) and kernel wait channel of each, for the report of a run that did not end"""
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                state = fh.read().rsplit(")", 1)[1].split()[0]
            with open(f"/proc/{pid}/wchan") as fh:
                state += " " + fh.read().strip()
        except OSError:
            state = "gone"
        out.append(f"{pid}: {state}")
    return ", ".join(out)


def kill_at(a, args, delay, mode, watch_dirs):
    """starts a run and SIGKILLs one rank or all ranks after delay seconds; returns whether it was still running then
    and whether a temporary file existed at that moment"""
    p = launch(a, args)
    t0 = time.time()
    ranks = []
    while time.time() - t0 < delay and p.poll() is None:
        ranks = ranks_of(p.pid) or ranks
        time.sleep(0.005)
    tmp_seen = any(glob.glob(os.path.join(d, ".curio-*.tmp")) for d in watch_dirs)
    ranks = ranks_of(p.pid) or ranks
    alive = p.poll() is None and len(ranks) == a.np
    if alive:
        for r in (ranks if mode == "all" else [random.choice(ranks)]):
            try:
                os.kill(r, signal.SIGKILL)
            except ProcessLookupError:
                pass
    try:
        p.communicate(timeout=30)
    except subprocess.TimeoutExpired:  # mpiexec should notice the dead rank and end the others
        print(f"  mpiexec still running 30 s after the kill; processes: {states([p.pid] + ranks)}", flush=True)
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return alive, tmp_seen, False
    t1 = time.time()  # the restart comes after every rank of the killed run is gone, as after a job's end
    while any(os.path.exists(f"/proc/{r}") for r in ranks) and time.time() - t1 < 60:
        time.sleep(0.01)
    return alive, tmp_seen, True


def kill_running(a, args, delay, mode, d):
    """kill_at, again with a shorter delay (and a clean directory) while the run had already finished"""
    for _ in range(5):
        alive, tmp_seen, ended = kill_at(a, args, delay, mode, [d])
        if alive or not ended:
            break
        for f in glob.glob(os.path.join(d, "*")) + glob.glob(os.path.join(d, ".curio-*")):
            os.remove(f)
        delay *= 0.7
    return alive, tmp_seen, ended, delay


def equal(f1, f2, keys):
    with h5py.File(f1) as f, h5py.File(f2) as g:
        return all(np.array_equal(f[k][()], g[k][()]) for k in keys)


def temporaries(*dirs):
    return [x for d in dirs for x in glob.glob(os.path.join(d, ".curio-*.tmp"))]


def temporary_name(output, pid, n=0, r="0badcafe"):
    """the name an atomic write of output gives its temporary file: .curio-<FNV-1a hash of the base name>-<pid>-<n>-<r>.tmp"""
    h = 0xCBF29CE484222325
    for c in os.path.basename(output).encode():
        h = ((h ^ c) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return os.path.join(os.path.dirname(output), f".curio-{h:016x}-{pid}-{n}-{r}.tmp")


def hold_temporary_lock(fd):
    """the lock a live writer holds on its temporary file (an open-file-description read lock on byte 2^62)"""
    fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hh4xqqi4x", fcntl.F_RDLCK, os.SEEK_SET, 1 << 62, 1, 0))


def stale_temporaries(a, st):
    """a run writing an output removes the temporaries of that output that killed runs left (fit, users and active
    runs alike, not only restarts), and leaves alone a temporary that a live run is writing (it holds the lock), the
    temporaries of other outputs and files of other names"""
    d = os.path.join(a.tmp, "stale")
    os.mkdir(d)
    out = os.path.join(d, "out.h5")
    dead = [temporary_name(out, 4242, k) for k in range(2)]
    live, other = temporary_name(out, os.getpid(), 7), temporary_name(os.path.join(d, "other.h5"), 4242)
    keep = [live, other, os.path.join(d, ".curio-notours.tmp"), os.path.join(d, "out.h5.tmp")]
    for p in dead + keep + [dead[0] + ".locktest.0"]:
        with open(p, "wb") as fh:
            fh.write(b"\0" * 4096)
    fd = os.open(live, os.O_RDWR)
    try:
        hold_temporary_lock(fd)
        rc, out_text, err = run(a, ["-curio_input", a.al_input, "-curio_scores", "sld", "-curio_output", out])
        st.check(rc == 0 and os.path.exists(out), f"stale temporaries: the run works (rc {rc}): {err[-1000:]}")
        left = sorted(os.path.basename(x) for x in os.listdir(d) if x.startswith(".curio-"))
        want = sorted(os.path.basename(x) for x in (live, other, keep[2]))
        st.check(left == want, f"stale temporaries: the killed runs' ones are removed, the rest kept: left {left}, expected {want}")
        st.check(os.path.exists(keep[3]), "stale temporaries: a file of another form is kept")
        st.check("removed 3 temporary file(s)" in out_text, f"stale temporaries: the run says what it removed: {out_text[-500:]}")
    finally:
        os.close(fd)
    # with the writer gone (its lock released), its temporary is stale too
    rc, _, err = run(a, ["-curio_input", a.al_input, "-curio_scores", "sld", "-curio_output", out])
    st.check(rc == 0 and not os.path.exists(live) and os.path.exists(other), f"stale temporaries: once its writer is gone it is removed: {err[-500:]}")
    st.count("stale-temporary checks", 1)


def flip_newest(prefix):
    files = sorted(glob.glob(prefix + "-*.h5"))
    if len(files) < 2:
        return None
    with h5py.File(files[-1], "r") as f:
        off = f["state/theta"].id.get_offset()
    with open(files[-1], "r+b") as fh:
        fh.seek(off + 8 * 5 + 2)
        b = fh.read(1)
        fh.seek(off + 8 * 5 + 2)
        fh.write(bytes([b[0] ^ 0x01]))
    return files[-1]


def sgdf_trial(a, st, k, ref, t_ref, mode, corrupt=False):
    d = os.path.join(a.tmp, f"sgdf{k}")
    os.makedirs(d)
    prefix, out = os.path.join(d, "ck"), os.path.join(d, "out.h5")
    args = SGDF + ["-curio_checkpoint_prefix", prefix, "-curio_checkpoint_every", 50, "-curio_checkpoint_keep", 2, "-curio_output", out]
    delay = random.uniform(0.3, 0.9) * t_ref if not corrupt else 0.7 * t_ref
    alive, tmp_seen, ended, delay = kill_running(a, args, delay, mode, d)
    st.count("sgdf kills after which mpiexec hung (ended by the harness)", int(not ended))
    st.count("sgdf trials")
    st.count("sgdf kills during a write (a temporary existed)", int(alive and tmp_seen))
    st.count("sgdf runs that had finished before every kill", int(not alive))
    stale = len(temporaries(d))
    st.count("sgdf restarts that found stale temporaries", int(stale > 0))
    flipped = flip_newest(prefix) if corrupt else None
    rc, sout, serr = run(a, args + ["-curio_restart", "auto"])
    skipped = [x for x in serr.splitlines() if "skipping checkpoint" in x]
    if corrupt:
        st.check(flipped is None or (len(skipped) == 1 and flipped in skipped[0]), f"sgdf corrupt trial {k}: fallback said {skipped}")
        st.count("sgdf corrupted-newest fallbacks", int(bool(flipped and skipped)))
    else:
        st.check(not skipped, f"sgdf trial {k}: the newest checkpoint after the kill did not verify: {skipped}")
    st.check(rc == 0, f"sgdf trial {k} ({mode}, kill at {delay:.2f} s): restart exit {rc}: {serr[-400:]}")
    st.check(rc == 0 and equal(ref, out, SGDF_KEYS), f"sgdf trial {k} ({mode}, kill at {delay:.2f} s): result not bitwise equal")
    st.check(not temporaries(d), f"sgdf trial {k}: temporaries left after the restart: {temporaries(d)}")


def al_args(a, out):
    return ["-curio_mode", "active", "-curio_input", a.al_input, "-curio_al_strategy", "sld", "-curio_al_batch", 2, "-curio_al_budget", 30,
            "-curio_s", 0.5, "-curio_al_retune_every", 0, "-curio_output", out]


def al_trial(a, st, k, ref, t_ref, mode):
    d = os.path.join(a.tmp, f"al{k}")
    os.makedirs(d)
    out = os.path.join(d, "out.h5")
    delay = random.uniform(0.3, 0.9) * t_ref
    alive, tmp_seen, ended, delay = kill_running(a, al_args(a, out), delay, mode, d)
    st.count("active kills after which mpiexec hung (ended by the harness)", int(not ended))
    st.count("active trials")
    st.count("active kills during a write (a temporary existed)", int(alive and tmp_seen))
    st.count("active restarts that found stale temporaries", int(len(temporaries(d)) > 0))
    if os.path.exists(out):  # what the killed run left is a complete round: it opens and has a consistent curve
        try:
            with h5py.File(out) as f:
                ok = f["selected/index"].shape[0] == (f["rounds/n_labeled"][-1] + (0 if f.attrs["completed"] else 2))
        except Exception as e:  # noqa: BLE001
            ok = False
            print("  unreadable output:", e)
        st.check(ok, f"active trial {k}: the output left by the kill is not a complete round")
        rc, sout, serr = run(a, al_args(a, out) + ["-curio_restart", out])
    else:
        rc, sout, serr = run(a, al_args(a, out))
    st.check(rc == 0, f"active trial {k} ({mode}, kill at {delay:.2f} s): restart exit {rc}: {serr[-400:]}")
    st.check(rc == 0 and equal(ref, out, AL_KEYS), f"active trial {k} ({mode}, kill at {delay:.2f} s): result not bitwise equal")
    st.check(not temporaries(d), f"active trial {k}: temporaries left after the restart: {temporaries(d)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("curio")
    ap.add_argument("--np", type=int, default=2)
    ap.add_argument("--trials", type=int, default=20, help="trials in all, half SGDF and half active learning")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mpiexec", default="mpiexec --oversubscribe")
    a = ap.parse_args()
    a.curio = os.path.abspath(a.curio)
    random.seed(a.seed)
    st = Stats()
    t_start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        a.tmp = tmp
        a.al_input = os.path.join(tmp, "al.h5")
        make(a.al_input, n=8, d=4, ncand=400, ntest=50, weights=False)
        ref_sgdf, ref_al = os.path.join(tmp, "ref_sgdf.h5"), os.path.join(tmp, "ref_al.h5")
        t0 = time.time()
        rc, _, err = run(a, SGDF + ["-curio_checkpoint_prefix", os.path.join(tmp, "refck"), "-curio_checkpoint_every", 50, "-curio_checkpoint_keep", 2,
                                    "-curio_output", ref_sgdf])
        t_sgdf = time.time() - t0
        assert rc == 0, err
        t0 = time.time()
        rc, _, err = run(a, al_args(a, ref_al))
        t_al = time.time() - t0
        assert rc == 0, err
        stale_temporaries(a, st)
        n_sgdf = (a.trials + 1) // 2
        for k in range(n_sgdf):
            sgdf_trial(a, st, k, ref_sgdf, t_sgdf, "all" if k % 2 else "one")
        for k in range(a.trials - n_sgdf):
            al_trial(a, st, k, ref_al, t_al, "all" if k % 2 else "one")
        sgdf_trial(a, st, n_sgdf, ref_sgdf, t_sgdf, "all", corrupt=True)
    for key, v in st.counts.items():
        print(f"  {key}: {v}")
    print(f"{a.trials} trials + 1 corrupted-checkpoint trial at {a.np} ranks in {time.time() - t_start:.0f} s; {st.failures} failed checks")
    return 1 if st.failures else 0


if __name__ == "__main__":
    sys.exit(main())

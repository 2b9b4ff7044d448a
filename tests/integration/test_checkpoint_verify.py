#!/usr/bin/python3
"""Checkpoints are verified before a restart trusts them, and every restored field is checked against the problem:

    test_checkpoint_verify.py CURIO [--np N] [--mpiexec "mpiexec --oversubscribe"]

  checksum   a byte flipped in the raw data of the newest checkpoint (its file offset from h5py's id.get_offset()) is
             refused by -curio_restart FILE with the dataset named; -curio_restart auto skips it, says which file it
             skipped and why, resumes from the one before and ends bitwise equal to an uninterrupted run
  fields     SGDF checkpoints whose step is 2^40 or negative, whose root step disagrees with /state/step, or whose s is
             NaN are refused (every rank exits non-zero, one error line, no hang, the output not written); an
             active-learning restart file with a duplicated or out-of-range selected index or a false "completed" flag
             is refused the same way
  stale      a restart removes the stale temporaries (.curio-*.tmp) of the prefix's directory that an interrupted run
             of its own left, and leaves files it does not own alone
  paths      a restart with the input spelled another way (relative, absolute, a link) resumes; a missing checkpoint
             directory is refused at setup
  identity   what ties a checkpoint to its run: Adam's beta1 changed is refused naming it, the decay's t0 changed under
             the constant schedule is not; the data's content, not its name: a renamed copy resumes bitwise, the same
             name with other rows of the same shape is refused naming data_fingerprint; -curio_output naming the
             checkpoint restarted from (another spelling) or a checkpoint name of the prefix is refused and the
             checkpoint stays byte-identical; rotation leaves a file named like a checkpoint of the prefix alone
  clock      local SGDF's /timing average and /sgdf averages continue across a restart: the count equals the
             uninterrupted run's, the time starts from the checkpoint's
"""
import argparse
import glob
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_input import make  # noqa: E402

KEYS = ("model/theta", "model/theta_dot", "sgdf/history/loss", "sgdf/history/tangent_change")


class Checker:
    def __init__(self):
        self.failures = 0

    def check(self, ok, what):
        print(f"{'ok  ' if ok else 'FAIL'} {what}", flush=True)
        self.failures += not ok


def run(a, args, np_=None, timeout=300, cwd=None):
    cmd = shlex.split(a.mpiexec) + ["-n", str(np_ or a.np), a.curio] + [str(x) for x in args]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(cmd, 999, "", "TIMEOUT (hang)")


def error_lines(p):
    return [x for x in p.stderr.splitlines() if x.startswith("curio: error:")]


def refused(p, *words):
    """non-zero exit, exactly one error line, containing every word"""
    lines = error_lines(p)
    return p.returncode not in (0, 999) and len(lines) == 1 and all(w in lines[0] for w in words), (lines[0] if lines else p.stderr[-400:])


def same(f1, f2, keys=KEYS):
    with h5py.File(f1) as f, h5py.File(f2) as g:
        return all(np.array_equal(f[k][:], g[k][:]) for k in keys)


def flip_byte(path, dataset, index=0):
    """flips one bit in the raw data of a contiguous dataset, found by its file offset"""
    with h5py.File(path, "r") as f:
        d = f[dataset]
        off = d.id.get_offset()
        size = d.dtype.itemsize
    assert off is not None, f"{dataset} has no contiguous storage"
    with open(path, "r+b") as fh:
        fh.seek(off + size * index + 3)
        b = fh.read(1)
        fh.seek(off + size * index + 3)
        fh.write(bytes([b[0] ^ 0x10]))


def sgdf_args(tmp):
    path = os.path.join(tmp, "small.h5")
    if not os.path.exists(path):
        make(path, n=300, d=6, zero_fraction=0.3)
    return ["-curio_mode", "sgdf", "-curio_input", path, "-curio_s", 1.0, "-curio_sgdf_lr", 1e-3, "-curio_sgdf_batch", 16, "-curio_sgdf_epochs", 3,
            "-curio_intercept", "-curio_sgdf_schedule", "decay", "-curio_sgdf_decay_t0", 30]


def case_checksum(a, tmp, ck):
    base = sgdf_args(tmp)
    for layout in ("replicated", "partitioned"):
        args = base + ["-curio_sgdf_layout", layout]
        full = os.path.join(tmp, f"full_{layout}.h5")
        p = run(a, args + ["-curio_output", full])
        assert p.returncode == 0, p.stderr
        prefix = os.path.join(tmp, f"ck_{layout}")
        p = run(a, args + ["-curio_checkpoint_prefix", prefix, "-curio_checkpoint_every", 7, "-curio_checkpoint_keep", 100,
                           "-curio_output", os.path.join(tmp, "ckrun.h5")])
        assert p.returncode == 0, p.stderr
        files = sorted(glob.glob(prefix + "-*.h5"))
        # keep the first half: the newest of them is corrupted in theta's raw data
        for f in files[len(files) // 2:]:
            os.remove(f)
        files = files[:len(files) // 2]
        newest, previous = files[-1], files[-2]
        with h5py.File(newest) as f:
            has_sum = "checksum" in f["state/theta"].attrs
        ck.check(has_sum, f"{layout}: every checkpoint dataset carries a checksum attribute")
        flip_byte(newest, "state/theta", 2)
        out = os.path.join(tmp, f"re_{layout}.h5")
        p = run(a, args + ["-curio_restart", newest, "-curio_output", out])
        ok, msg = refused(p, "/state/theta", "checksum", newest)
        ck.check(ok and not os.path.exists(out), f"{layout}: -curio_restart FILE with a flipped byte is refused: {msg}")
        p = run(a, args + ["-curio_checkpoint_prefix", prefix, "-curio_restart", "auto", "-curio_checkpoint_every", 1000, "-curio_output", out])
        warn = [x for x in p.stderr.splitlines() if "skipping checkpoint" in x]
        resumed = [x for x in p.stdout.splitlines() if "resumed from" in x]
        ck.check(p.returncode == 0 and len(warn) == 1 and newest in warn[0] and "/state/theta" in warn[0] and resumed and previous in resumed[0],
                 f"{layout}: -curio_restart auto skips the corrupt newest checkpoint and says why: {warn[0] if warn else p.stderr[-300:]}; "
                 f"{resumed[0] if resumed else ''}")
        ck.check(p.returncode == 0 and same(full, out), f"{layout}: the fallback run ends bitwise equal to the uninterrupted one")
        # all corrupt: an error, not a silent start from the beginning
        only = os.path.join(tmp, f"only_{layout}")
        os.makedirs(only)
        shutil.copy(newest, os.path.join(only, os.path.basename(newest)))
        p = run(a, args + ["-curio_checkpoint_prefix", os.path.join(only, os.path.basename(prefix)), "-curio_restart", "auto", "-curio_output", out + "2"])
        ok, msg = refused(p, "None of the 1 checkpoints")
        ck.check(ok and not os.path.exists(out + "2"), f"{layout}: no checkpoint that verifies: {msg}")


def rechecksum(f, name):
    """recomputes the checksum attribute of dataset name of an open h5py file (curio's, re-implemented)"""
    import struct
    d = f[name]
    arr = np.array(d[()]).reshape(-1)
    total = 0
    for i, x in enumerate(arr):
        bits = struct.unpack("<Q", struct.pack("<d" if arr.dtype.kind == "f" else "<q", x))[0]
        total = (total + checksum_term(bits, i)) % 2**64
    d.attrs["checksum"] = np.int64(np.uint64(total).astype(np.int64))


def set_state(path, name, value):
    """rewrites a checkpoint item and its checksum, as a correct file with a wrong value would be"""
    import struct
    with h5py.File(path, "r+") as f:
        d = f[name]
        arr = np.array(d[()]).reshape(-1).copy() if d.shape else np.array([d[()]])
        if np.isscalar(value) or np.ndim(value) == 0:
            arr[0] = value
        else:
            arr[:] = value
        if d.shape:
            d[...] = arr
        else:
            d[()] = arr[0]
        total = 0
        for i, x in enumerate(arr):
            bits = struct.unpack("<Q", struct.pack("<d" if arr.dtype.kind == "f" else "<q", x))[0]
            total = (total + checksum_term(bits, i)) % 2**64
        d.attrs["checksum"] = np.int64(np.uint64(total).astype(np.int64))


def checksum_term(bits, i):
    """curio's checksum term (src/io/h5.c ChecksumTerm), re-implemented"""
    m = 2**64 - 1
    z = bits ^ ((i * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & m)
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    return z ^ (z >> 31)


def case_fields(a, tmp, ck):
    args = sgdf_args(tmp)
    prefix = os.path.join(tmp, "fld")
    p = run(a, args + ["-curio_checkpoint_prefix", prefix, "-curio_checkpoint_every", 20, "-curio_checkpoint_keep", 100,
                       "-curio_output", os.path.join(tmp, "fld.h5")])
    assert p.returncode == 0, p.stderr
    src = sorted(glob.glob(prefix + "-*.h5"))[1]
    # the checksum re-implemented: a rewritten file verifies, so these reach the field checks
    bad = os.path.join(tmp, "bad.h5")
    shutil.copy(src, bad)
    set_state(bad, "state/theta", np.array(h5py.File(src)["state/theta"][:]))
    p = run(a, args + ["-curio_restart", bad, "-curio_output", os.path.join(tmp, "ok.h5")])
    ck.check(p.returncode == 0, "the checksum re-implemented in the test verifies (control)")
    cases = [("step 2^40", {"state/step": 2**40}, ("step",)),
             ("negative step", {"state/step": -5}, ("step",)),
             ("step 10^6, beyond the run", {"state/step": 10**6}, ("beyond this run's last step",)),
             ("negative /state/step only", {"state/step": -5}, ("step",)),
             ("root step differs from /state/step", {"state/step": 21}, ("step",)),
             ("history that does not match the step", {"state/history_length": 3}, ("history",)),
             ("s = NaN", {"state/s": float("nan")}, ("s = nan",)),
             ("theta with an Inf", {"state/theta": np.inf}, ("not finite",))]
    for what, items, words in cases:
        shutil.copy(src, bad)
        for k, v in items.items():
            set_state(bad, k, v)
        if what in ("step 2^40", "negative step", "step 10^6, beyond the run"):  # the root attribute too
            with h5py.File(bad, "r+") as f:
                f.attrs["step"] = np.int64(items["state/step"])
        out = os.path.join(tmp, "fld_out.h5")
        for np_ in sorted({1, a.np}):
            p = run(a, args + ["-curio_restart", bad, "-curio_output", out], np_=np_, timeout=120)
            ok, msg = refused(p, *words)
            ck.check(ok and not os.path.exists(out), f"sgdf checkpoint, {what}, {np_} rank(s): {msg}")
    fields_active(a, tmp, ck)


def fields_active(a, tmp, ck):
    path = os.path.join(tmp, "al.h5")
    make(path, n=8, d=4, ncand=120, ntest=30, weights=False)
    args = ["-curio_mode", "active", "-curio_input", path, "-curio_al_strategy", "sld", "-curio_al_batch", 3, "-curio_al_budget", 25,
            "-curio_s", 0.5, "-curio_al_retune_every", 0]
    out = os.path.join(tmp, "al_out.h5")
    p = run(a, args + ["-curio_output", out, "-curio_al_stop_after", 3])
    assert p.returncode == 0, p.stdout + p.stderr
    good = os.path.join(tmp, "al_good.h5")
    shutil.copy(out, good)
    with h5py.File(good) as f:
        idx = f["selected/index"][:]
    first = int(np.argmax(idx >= 0))

    def rewrite(fn):
        bad = os.path.join(tmp, "al_bad.h5")
        shutil.copy(good, bad)
        with h5py.File(bad, "r+") as f:
            fn(f)
        return bad

    def dup(f):
        v = f["selected/index"][:]
        v[first + 1] = v[first]
        f["selected/index"][...] = v
        rechecksum(f, "selected/index")

    def oob(f):
        v = f["selected/index"][:]
        v[-1] = 10**6
        f["selected/index"][...] = v
        rechecksum(f, "selected/index")

    def completed(f):
        f.attrs["completed"] = np.int64(1)

    for what, fn, word in (("a duplicated selected index", dup, "twice"), ("an out-of-range selected index", oob, "not a pool index"),
                           ("a false completed flag", completed, "completed")):
        bad = rewrite(fn)
        res = os.path.join(tmp, "al_res.h5")
        p = run(a, args + ["-curio_restart", bad, "-curio_output", res], timeout=120)
        ok, msg = refused(p, word)
        ck.check(ok and not os.path.exists(res), f"active restart file with {what}: {msg}")
    bad = os.path.join(tmp, "al_flip.h5")
    shutil.copy(good, bad)
    flip_byte(bad, "model/theta", 1)
    res = os.path.join(tmp, "al_res.h5")
    p = run(a, args + ["-curio_restart", bad, "-curio_output", res], timeout=120)
    ok, msg = refused(p, "/model/theta", "checksum")
    ck.check(ok and not os.path.exists(res), f"active restart file with a flipped byte in '/model/theta': {msg}")
    p = run(a, args + ["-curio_restart", good, "-curio_output", res])
    ck.check(p.returncode == 0, "the unaltered active restart file continues (control)")


def fnv1a(owner):
    """the owner hash of the h5 layer's temporary names (src/io/h5.c OwnerHash)"""
    h = 0xcbf29ce484222325
    for c in owner.encode():
        h = ((h ^ c) * 0x100000001b3) % 2**64
    return h


def case_stale(a, tmp, ck):
    args = sgdf_args(tmp)
    d = os.path.join(tmp, "st")
    os.makedirs(d)
    prefix = os.path.join(d, "ck")
    p = run(a, args + ["-curio_checkpoint_prefix", prefix, "-curio_checkpoint_every", 20, "-curio_output", os.path.join(tmp, "st.h5")])
    assert p.returncode == 0, p.stderr
    # what an interrupted checkpoint write leaves: a temporary file of the h5 layer, holding a partial checkpoint of
    # this prefix; and files that are not curio's to remove
    newest = sorted(glob.glob(prefix + "-*.h5"))[-1]
    stale = os.path.join(d, f".curio-{fnv1a('ck*'):016x}-999999-0-deadbeef.tmp")
    shutil.copy(newest, stale)
    with open(stale, "r+b") as fh:
        fh.truncate(os.path.getsize(stale) // 2)
    stale_out = os.path.join(tmp, f".curio-{fnv1a('st2.h5'):016x}-999999-1-deadbeef.tmp")
    open(stale_out, "w").write("partial output\n")
    stale_lock = stale_out + ".locktest.0"  # Open MPI's OMPIO lock-test file, left by a kill while the output was opened
    open(stale_lock, "w").close()
    foreign = [os.path.join(d, ".curio-notmine.tmp"), os.path.join(d, "notes.txt"), os.path.join(d, f".curio-{fnv1a('ck*'):016x}-1-2-3.tmp.keep"),
               os.path.join(d, f".curio-{fnv1a('other*'):016x}-999999-0-deadbeef.tmp"), os.path.join(tmp, f".curio-{fnv1a('st3.h5'):016x}-9-1-deadbeef.tmp"),
               os.path.join(tmp, f".curio-{fnv1a('st2.h5'):016x}-9-1-deadbeef.tmp.locktest.x")]
    for f in foreign:
        open(f, "w").write("not curio's\n")
    other = os.path.join(tmp, "other_dir")
    os.makedirs(other)
    link = os.path.join(d, f".curio-{fnv1a('ck*'):016x}-999998-0-cafebabe.tmp")
    os.symlink(os.path.join(other, "target"), link)
    os.symlink(other, prefix)  # a name's start, not a file: a link named like the prefix must not move the search elsewhere
    p = run(a, args + ["-curio_checkpoint_prefix", prefix, "-curio_restart", "auto", "-curio_output", os.path.join(tmp, "st2.h5")])
    left = sorted(os.path.basename(x) for x in glob.glob(os.path.join(d, ".curio-*")))
    # the output's temporaries go when the output is checked, the prefix's when the restart begins: 3 in all
    removed = sum(int(m) for m in re.findall(r"removed (\d+) temporary", p.stdout))
    ck.check(p.returncode == 0 and not os.path.exists(stale) and not os.path.exists(stale_out) and not os.path.exists(stale_lock) and removed == 3,
             f"a restart removes the stale temporaries of its prefix and its output: left {left}; " +
             next((x for x in p.stdout.splitlines() if "removed" in x), p.stderr[-300:]))
    ck.check(all(os.path.exists(f) for f in foreign), "files that are not curio's temporaries stay")
    ck.check(os.path.islink(link), "a symbolic link named like a temporary is not followed or removed")


def case_paths(a, tmp, ck):
    """the same input spelled another way (relative, absolute, through a link; from the same working directory) is
    the same problem; a checkpoint prefix whose directory is missing is refused at setup, before any step"""
    args = sgdf_args(tmp)
    i = args.index("-curio_input")
    rel_args = list(args)
    rel_args[i + 1] = "small.h5"
    prefix = os.path.join(tmp, "pp")
    cmd = shlex.split(a.mpiexec) + ["-n", str(a.np), a.curio] + [str(x) for x in rel_args] + ["-curio_checkpoint_prefix", prefix,
                                                                                               "-curio_checkpoint_every", 20, "-curio_output", "pp.h5"]
    p = subprocess.run([str(x) for x in cmd], capture_output=True, text=True, timeout=300, cwd=tmp)
    assert p.returncode == 0, p.stderr
    os.symlink(os.path.join(tmp, "small.h5"), os.path.join(tmp, "link.h5"))
    for spelling in (os.path.join(tmp, "small.h5"), os.path.join(tmp, "link.h5"), os.path.join(tmp, ".", "small.h5")):
        other = list(args)
        other[i + 1] = spelling
        p = run(a, other + ["-curio_checkpoint_prefix", prefix, "-curio_restart", "auto", "-curio_output", os.path.join(tmp, "pp2.h5")], cwd=tmp)
        resumed = [x for x in p.stdout.splitlines() if "resumed from" in x]
        ck.check(p.returncode == 0 and resumed and "skipping" not in p.stderr,
                 f"written with input 'small.h5' (relative), restarted with '{spelling}': " + (resumed[0] if resumed else "".join(error_lines(p)) or p.stderr[-300:]))
    other = list(args)
    other[args.index("-curio_s") + 1] = 2.0
    p = run(a, other + ["-curio_checkpoint_prefix", prefix, "-curio_restart", "auto", "-curio_output", os.path.join(tmp, "pp3.h5")])
    ck.check(p.returncode != 0 and "different problem" in p.stderr, "another problem (-curio_s 2) is still refused")
    out = os.path.join(tmp, "nodir.h5")
    p = run(a, args + ["-curio_checkpoint_prefix", os.path.join(tmp, "missing", "ck"), "-curio_checkpoint_every", 10**6, "-curio_output", out])
    ok, msg = refused(p, "missing", "cannot hold checkpoints")
    ck.check(ok and not os.path.exists(out), f"a missing checkpoint directory is refused at setup: {msg}")


def digest(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def case_identity(a, tmp, ck):
    """the checkpoint's signature names what the run depends on: Adam's parameters, the data's content"""
    args = sgdf_args(tmp)
    data = args[args.index("-curio_input") + 1]
    # Adam, constant step: beta1 is part of the problem, the decay's t0 (unused) is not
    adam = [x for x in args if x not in ("-curio_sgdf_schedule", "decay", "-curio_sgdf_decay_t0", 30)] + ["-curio_sgdf_optimizer", "adam"]
    prefix = os.path.join(tmp, "ad")
    p = run(a, adam + ["-curio_checkpoint_prefix", prefix, "-curio_checkpoint_every", 20, "-curio_checkpoint_keep", 10, "-curio_output",
                       os.path.join(tmp, "ad.h5")])
    assert p.returncode == 0, p.stderr
    mid = prefix + "-0000000020.h5"
    out = os.path.join(tmp, "ad_b1.h5")
    p = run(a, adam + ["-curio_sgdf_adam_beta1", 0.5, "-curio_restart", mid, "-curio_output", out])
    ok, msg = refused(p, "adam_beta1 = 0.9", "this run's 0.5")
    ck.check(ok and not os.path.exists(out), f"Adam's beta1 changed on restart is refused, naming it: {msg}")
    p = run(a, adam + ["-curio_sgdf_decay_t0", 77, "-curio_restart", mid, "-curio_output", out])
    ck.check(p.returncode == 0 and same(os.path.join(tmp, "ad.h5"), out),
             "-curio_sgdf_decay_t0 changed under the constant schedule (unused) resumes, bitwise: " + "".join(error_lines(p)))
    # the data: a renamed copy resumes bitwise; the same name with other rows of the same shape is refused
    full = os.path.join(tmp, "full.h5")
    p = run(a, args + ["-curio_output", full])
    assert p.returncode == 0, p.stderr
    prefix = os.path.join(tmp, "dk")
    p = run(a, args + ["-curio_checkpoint_prefix", prefix, "-curio_checkpoint_every", 20, "-curio_checkpoint_keep", 10, "-curio_output",
                       os.path.join(tmp, "dk.h5")])
    assert p.returncode == 0, p.stderr
    mid = prefix + "-0000000020.h5"
    moved = os.path.join(tmp, "moved", "renamed.h5")
    os.makedirs(os.path.dirname(moved))
    shutil.copyfile(data, moved)
    other = list(args)
    other[other.index("-curio_input") + 1] = moved
    out = os.path.join(tmp, "moved.h5")
    p = run(a, other + ["-curio_restart", mid, "-curio_output", out])
    ck.check(p.returncode == 0 and same(full, out), "the same data renamed and moved resumes, bitwise equal to the uninterrupted run: " +
             "".join(error_lines(p)))
    shutil.copyfile(data, data + ".orig")
    make(data, n=300, d=6, zero_fraction=0.3, seed=2)  # the file the checkpoint was written from, rewritten
    out = os.path.join(tmp, "swapped.h5")
    p = run(a, args + ["-curio_restart", mid, "-curio_output", out])
    ok, msg = refused(p, "data_fingerprint")
    ck.check(ok and not os.path.exists(out), f"the same file name and shape with other rows is refused: {msg}")
    os.replace(data + ".orig", data)
    # -curio_output must not replace the checkpoint restarted from (another spelling), nor be named like one of the prefix
    before = digest(mid)
    rel = list(args)
    rel[rel.index("-curio_input") + 1] = os.path.basename(data)
    p = run(a, rel + ["-curio_restart", mid, "-curio_output", "./" + os.path.basename(mid)], cwd=tmp)
    ok, msg = refused(p, "-curio_restart", "would replace that input")
    ck.check(ok and digest(mid) == before, f"-curio_output naming the -curio_restart checkpoint is refused, the checkpoint byte-identical: {msg}")
    out = prefix + "-0000009999.h5"
    p = run(a, args + ["-curio_checkpoint_prefix", prefix, "-curio_restart", "auto", "-curio_output", out])
    ok, msg = refused(p, "has the name of a checkpoint")
    ck.check(ok and not os.path.exists(out), f"-curio_output named like a checkpoint of the prefix is refused: {msg}")
    # rotation removes only this run's checkpoints: a file named like one (an output) stays
    prefix = os.path.join(tmp, "pk")
    foreign = prefix + "-0000000001.h5"
    shutil.copyfile(full, foreign)
    before = digest(foreign)
    p = run(a, args + ["-curio_checkpoint_prefix", prefix, "-curio_checkpoint_every", 10, "-curio_checkpoint_keep", 2, "-curio_output",
                       os.path.join(tmp, "pk.h5")])
    left = sorted(os.path.basename(x) for x in glob.glob(prefix + "-*.h5"))
    ck.check(p.returncode == 0 and os.path.exists(foreign) and digest(foreign) == before and len(left) == 3,
             f"rotation (keep 2) leaves a file named like a checkpoint of the prefix alone: {left}")


def case_clock(a, tmp, ck):
    """local SGDF's averaging time and count continue across a restart, as /timing train does"""
    args = sgdf_args(tmp) + ["-curio_sgdf_local_steps", 3]
    full = os.path.join(tmp, "full.h5")
    p = run(a, args + ["-curio_output", full])
    assert p.returncode == 0, p.stderr
    prefix = os.path.join(tmp, "lk")
    p = run(a, args + ["-curio_checkpoint_prefix", prefix, "-curio_checkpoint_every", 30, "-curio_output", os.path.join(tmp, "lk.h5")])
    assert p.returncode == 0, p.stderr
    mid = prefix + "-0000000030.h5"
    out = os.path.join(tmp, "rs.h5")
    p = run(a, args + ["-curio_restart", mid, "-curio_output", out])
    assert p.returncode == 0, p.stderr
    with h5py.File(full) as f, h5py.File(out) as g, h5py.File(mid) as c:
        n_full, n_rs = int(f["sgdf"].attrs["averages"]), int(g["sgdf"].attrs["averages"])
        t_full, t_rs = float(f["timing"].attrs["average"]), float(g["timing"].attrs["average"])
        t_ck = float(c["state/elapsed_average"][()]) if "state/elapsed_average" in c else -1.0
        n_ck = int(c["state/averages"][()]) if "state/averages" in c else -1
    ck.check(n_rs == n_full and 0 < n_ck < n_full, f"/sgdf averages after a restart: {n_rs}, uninterrupted {n_full} (the checkpoint's {n_ck})")
    ck.check(t_ck > 0 and t_rs >= t_ck and t_rs < 10 * t_full + 0.5,
             f"/timing average after a restart: {t_rs:.4f} s from the checkpoint's {t_ck:.4f} s on (uninterrupted {t_full:.4f} s)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("curio")
    ap.add_argument("--np", type=int, default=1)
    ap.add_argument("--mpiexec", default="mpiexec --oversubscribe")
    ap.add_argument("--case", default="all", choices=["all", "checksum", "fields", "stale", "paths", "identity", "clock"])
    a = ap.parse_args()
    a.curio = os.path.abspath(a.curio)
    ck = Checker()
    for case in (["checksum", "fields", "stale", "paths", "identity", "clock"] if a.case == "all" else [a.case]):
        with tempfile.TemporaryDirectory() as tmp:
            globals()["case_" + case](a, tmp, ck)
    print(f"{ck.failures} failed")
    return 1 if ck.failures else 0


if __name__ == "__main__":
    sys.exit(main())

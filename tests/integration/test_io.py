#!/usr/bin/python3
"""The io layer's promises, for every mode (fit, sgdf with checkpoints, active), at the given rank count:

  write failure  a write that fails leaves an existing output (and existing checkpoints) byte-identical, leaves no
                 temporary file, and every rank exits non-zero with exactly one 'curio: error:' line. Two honest ways
                 to make writes fail:
                   readonly  the job runs as the unprivileged user 'nobody' (root ignores directory permissions) and
                             the output's (or the checkpoints') directory belongs to root, mode 0755;
                   full disk the output (or the checkpoints) lives on a small tmpfs with a few KB free: the early
                             writability probe passes and the write fails with ENOSPC in the middle of the atomic
                             write itself (data, flush or close).
  identity       -curio_output naming the input file through a symbolic link, a hard link or another spelling
                 ('./in.h5') is refused before anything is written, and the input stays as it was; so are
                 -curio_output naming the -options_file, and a -log_view file (':f', ':f:ascii_info_detail',
                 'ascii:f') that is an input, the options file or the output, which then is not written at all;
  long names     output names of 254 and 255 characters (NAME_MAX) work, and so does a checkpoint prefix whose
                 files have 255-character names (the temporary file has a short name of its own).

That every output, checkpoint and per-round file is fsync'ed before its rename and its directory after cannot be seen
from outside without strace; the sequence is in one place, CurioH5AtomicCommit() (src/io/h5.c).

    /usr/bin/python3 tests/integration/test_io.py build/curio [--np 2] [--mpiexec "mpiexec --oversubscribe"]

Both ways need root (to run the job as 'nobody', to mount a tmpfs); a case that cannot run here is left out with a
note, and the test exits 77 (skipped) if no write-failure case could run."""

import argparse
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_input import make  # noqa: E402

# a shell per rank reports that rank's own exit status, so mpiexec does not stop at the first failure
RANK_SH = 'exec 3>&1; "$0" "$@"; echo "rank-exit $OMPI_COMM_WORLD_RANK $?"'
FAST = ["-curio_loocv_ns", "9", "-curio_loocv_smin", "1e-3", "-curio_loocv_smax", "1e2"]
SGDF = ["-curio_mode", "sgdf", "-curio_sgdf_synthetic", "3000,40,5", "-curio_s", "1", "-curio_sgdf_lr", "1e-3", "-curio_sgdf_batch", "10",
        "-curio_sgdf_epochs", "1", "-curio_checkpoint_every", "50", "-curio_checkpoint_keep", "100"]
ACTIVE = ["-curio_mode", "active", "-curio_al_strategy", "sld", "-curio_al_budget", "16", "-curio_al_seed_size", "10", "-curio_al_batch", "2"] + FAST


class Checks:
    def __init__(self):
        self.failures = 0
        self.count = 0

    def check(self, ok, what, detail=""):
        self.count += 1
        print(f"{'ok' if ok else 'FAIL':4} {what}")
        if not ok:
            self.failures += 1
            if detail:
                print("     " + detail.replace("\n", "\n     "))


def digest(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def leftovers(*dirs):
    return [os.path.join(d, x) for d in dirs for x in os.listdir(d) if x.endswith(".tmp") or ".tmp-" in x]


def run(a, args, user=None, timeout=300):
    """curio on a.np ranks; returns (exit codes per rank, stdout, stderr)"""
    env = dict(os.environ)
    cmd = shlex.split(a.mpiexec) + ["-n", str(a.np), "sh", "-c", RANK_SH, a.curio] + [str(x) for x in args]
    if user:
        cmd = ["runuser", "-u", user, "--"] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    codes = [int(line.split()[2]) for line in p.stdout.splitlines() if line.startswith("rank-exit")]
    return codes, p.stdout, p.stderr


def run_ok(a, args):
    codes, out, err = run(a, args)
    if len(codes) != a.np or any(codes):
        raise SystemExit(f"setup run failed {codes}: {args}\n{out}\n{err}")


def expect_failure(ck, a, what, args, keep, dirs, words=(), **kw):
    """runs a job that must fail; keep: files that must stay byte-identical"""
    before = {p: digest(p) for p in keep}
    codes, out, err = run(a, args, **kw)
    problems = []
    if len(codes) != a.np or any(c != 1 for c in codes):
        problems.append(f"exit codes per rank {codes} (every rank must exit with 1)")
    if err.count("curio: error:") != 1:
        problems.append(f"{err.count('curio: error:')} 'curio: error:' lines, expected exactly one")
    for w in words:
        if w not in err:
            problems.append(f"the message lacks {w!r}")
    for p, h in before.items():
        if not os.path.exists(p) or digest(p) != h:
            problems.append(f"{p} changed")
    left = leftovers(*dirs)
    if left:
        problems.append(f"temporary files left: {left}")
    msg = next((line for line in err.splitlines() if "curio: error:" in line), err.strip()[:300])
    ck.check(not problems, f"{what}: {msg[:150]}", "\n".join(problems) + ("\n" + err[-3000:] if problems else ""))


def can_run_as_nobody(a, tmp):
    """whether a job can run as 'nobody' here, and 'nobody' really cannot write into a root-owned 0755 directory"""
    if os.geteuid() != 0 or not shutil.which("runuser"):
        return False
    probe = os.path.join(tmp, "probe")
    os.mkdir(probe)
    os.chmod(probe, 0o755)
    r = subprocess.run(["runuser", "-u", "nobody", "--", "sh", "-c", f"touch {probe}/x"], capture_output=True)
    if r.returncode == 0 or os.path.exists(os.path.join(probe, "x")):
        return False
    codes, _, _ = run(a, ["-help"], user="nobody", timeout=120)
    return len(codes) == a.np


def setup(a, tmp):
    """inputs (world-readable), and one directory per mode holding an existing output (and checkpoints)"""
    os.chmod(tmp, 0o755)
    inp = os.path.join(tmp, "in.h5")
    make(inp, n=60, d=4)
    act = os.path.join(tmp, "active_in.h5")
    subprocess.run([sys.executable, os.path.join(HERE, "..", "active", "active_make_input.py"), act, "--m", "60", "--seed", "3"], check=True,
                   capture_output=True)
    for p in (inp, act):
        os.chmod(p, 0o644)
    d = {}
    for mode in ("fit", "sgdf", "active"):
        d[mode] = os.path.join(tmp, mode)
        os.mkdir(d[mode])
        os.chmod(d[mode], 0o755)
    run_ok(a, ["-curio_input", inp, "-curio_output", os.path.join(d["fit"], "out.h5")] + FAST)
    run_ok(a, SGDF + ["-curio_checkpoint_prefix", os.path.join(d["sgdf"], "ckpt"), "-curio_output", os.path.join(d["sgdf"], "out.h5")])
    run_ok(a, ACTIVE + ["-curio_input", act, "-curio_output", os.path.join(d["active"], "out.h5")])
    return inp, act, d


def case_readonly(ck, a, tmp, inp, act, d):
    """as 'nobody', into root's directories: fit and active are refused at the start, sgdf at its first checkpoint"""
    fo, so, ao = (os.path.join(d[m], "out.h5") for m in ("fit", "sgdf", "active"))
    expect_failure(ck, a, "readonly fit", ["-curio_input", inp, "-curio_output", fo] + FAST, [fo], [d["fit"]],
                   ["Cannot write output file", "Permission denied"], user="nobody")
    # the output goes to a directory 'nobody' may write, the checkpoints to root's: the first checkpoint fails
    free = os.path.join(tmp, "sgdf_free")
    os.mkdir(free)
    os.chmod(free, 0o777)
    shutil.copy(so, os.path.join(free, "out.h5"))
    os.chmod(os.path.join(free, "out.h5"), 0o644)
    ckpts = [os.path.join(d["sgdf"], x) for x in os.listdir(d["sgdf"]) if x.startswith("ckpt-")]
    expect_failure(ck, a, "readonly sgdf checkpoint",
                   SGDF + ["-curio_checkpoint_prefix", os.path.join(d["sgdf"], "ckpt"), "-curio_output", os.path.join(free, "new.h5")],
                   [so] + ckpts, [d["sgdf"], free], ["cannot hold checkpoints", "Permission denied"], user="nobody")
    ck.check(not os.path.exists(os.path.join(free, "new.h5")), "readonly sgdf checkpoint: no output written after the failed checkpoint")
    expect_failure(ck, a, "readonly active", ACTIVE + ["-curio_input", act, "-curio_output", ao], [ao], [d["active"]],
                   ["Cannot write output file", "Permission denied"], user="nobody")


def mount_small(path, files, spare_k=8):
    """a tmpfs at path holding copies of files, with spare_k KB free: a file system that a write fills; False if this
    machine does not allow mounting"""
    os.makedirs(path, exist_ok=True)
    pages = sum((os.path.getsize(f) + 4095) // 4096 for f in files)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={4 * pages + spare_k}k,mode=0755", "tmpfs", path], capture_output=True)
    if r.returncode:
        return False
    for f in files:
        shutil.copy2(f, path)
    return True


def unmount(path):
    if os.path.ismount(path):
        subprocess.run(["umount", path], capture_output=True)


def case_full_fs(ck, a, tmp, inp, act, d, mounts):
    """a full file system (a small tmpfs): the atomic write fails in its middle (data, flush or close) in every mode"""
    fo, so, ao = (os.path.join(d[m], "out.h5") for m in ("fit", "sgdf", "active"))
    full = {m: os.path.join(tmp, f"full_{m}") for m in ("fit", "sgdf", "active")}
    ckpts = sorted(os.path.join(d["sgdf"], x) for x in os.listdir(d["sgdf"]) if x.startswith("ckpt-"))
    for m, files in (("fit", [fo]), ("sgdf", [so] + ckpts), ("active", [ao])):
        mounts.append(full[m])
        if not mount_small(full[m], files):
            print("note: cannot mount a small tmpfs here; the full file system cases are left out")
            return False
    out = os.path.join(full["fit"], "out.h5")
    expect_failure(ck, a, "full disk fit", ["-curio_input", inp, "-curio_output", out] + FAST, [out], [full["fit"]], [out])
    prefix, out = os.path.join(full["sgdf"], "ckpt"), os.path.join(full["sgdf"], "out.h5")
    kept = [os.path.join(full["sgdf"], os.path.basename(x)) for x in ckpts]
    expect_failure(ck, a, "full disk sgdf checkpoint", SGDF + ["-curio_checkpoint_prefix", prefix, "-curio_output", out], [out] + kept, [full["sgdf"]],
                   ["checkpoint"])
    ck.check(sorted(os.path.join(full["sgdf"], x) for x in os.listdir(full["sgdf"]) if x.startswith("ckpt-")) == kept,
             "full disk sgdf checkpoint: the set of checkpoints is unchanged")
    out = os.path.join(full["active"], "out.h5")
    expect_failure(ck, a, "full disk active (per-round output)", ACTIVE + ["-curio_input", act, "-curio_output", out], [out], [full["active"]], [out])
    with h5py.File(out) as f:
        ck.check(f.attrs["completed"] == 1, "full disk active: the previous output is still complete and readable")
    return True


def case_identity(ck, a, tmp, inp, act):
    """-curio_output that is the input under another name, or the options file, is refused, and so is a -log_view file
    that is an input or the output; the input stays as it was"""
    work = os.path.join(tmp, "identity")
    os.mkdir(work)
    mine = os.path.join(work, "in.h5")
    shutil.copy(inp, mine)
    link, hard = os.path.join(work, "link.h5"), os.path.join(work, "hard.h5")
    os.symlink("in.h5", link)
    os.link(mine, hard)
    cwd = os.getcwd()
    os.chdir(work)
    try:
        for what, out in (("symbolic link", link), ("hard link", hard), ("'./' spelling", "./in.h5"), ("'sub/../' spelling", "../identity/in.h5")):
            expect_failure(ck, a, f"identity fit, {what}", ["-curio_input", mine, "-curio_output", out] + FAST, [mine], [work],
                           ["would replace that input", "-curio_input"])
        amine = os.path.join(work, "active_in.h5")
        shutil.copy(act, amine)
        expect_failure(ck, a, "identity active, './' spelling", ACTIVE + ["-curio_input", amine, "-curio_output", "./active_in.h5"], [amine], [work],
                       ["would replace that input"])
        expect_failure(ck, a, "identity sgdf, './' spelling",
                       ["-curio_mode", "sgdf", "-curio_input", mine, "-curio_s", "1", "-curio_sgdf_lr", "1e-3", "-curio_sgdf_epochs", "1", "-curio_output", "./in.h5"], [mine], [work],
                       ["would replace that input"])
        # the options file is an input too, and so are the data and the output for the file PETSc's -log_view writes
        # at the end (in each of its forms), which used to replace them with the log
        opts = os.path.join(work, "my.opts")
        with open(opts, "w") as fh:
            fh.write("-curio_s 1\n-curio_loocv false\n")
        expect_failure(ck, a, "identity fit, -curio_output is the -options_file", ["-curio_input", mine, "-options_file", "my.opts", "-curio_output", opts],
                       [opts, mine], [work], ["-options_file", "would replace that input"])
        out = os.path.join(work, "out.h5")
        run_ok(a, ["-curio_input", mine, "-curio_output", out] + FAST)
        for what, view, words in (("-log_view :input", ":in.h5", ["-curio_input"]), ("-log_view :output", ":out.h5", ["-curio_output"]),
                                  ("-log_view :output:ascii_info_detail", ":./out.h5:ascii_info_detail", ["-curio_output"]),
                                  ("-log_view ascii:options file", f"ascii:{opts}", ["-options_file"])):
            expect_failure(ck, a, f"identity fit, {what}", ["-curio_input", mine, "-options_file", opts, "-curio_output", out, "-log_view", view],
                           [mine, out, opts], [work], ["-log_view", "it would replace"] + words)
        new = os.path.join(work, "new.h5")
        expect_failure(ck, a, "identity fit, -log_view names the output yet to be written", ["-curio_input", mine, "-curio_output", new, "-log_view",
                       ":new.h5"] + FAST, [mine], [work], ["-log_view", "-curio_output"])
        ck.check(not os.path.exists(new), "identity: a refused -log_view writes nothing")
        expect_failure(ck, a, "identity active, -log_view :output", ACTIVE + ["-curio_input", amine, "-curio_output", "a.h5", "-log_view", ":a.h5"],
                       [amine], [work], ["-log_view", "-curio_output"])
        ck.check(not os.path.exists(os.path.join(work, "a.h5")), "identity active: a refused -log_view writes nothing")
    finally:
        os.chdir(cwd)
    ck.check(os.path.islink(link) and os.readlink(link) == "in.h5", "identity: the symbolic link is still a link to the input")


def case_long_names(ck, a, tmp, inp):
    """output names of 254 and 255 characters, and checkpoint files of 255 characters"""
    work = os.path.join(tmp, "long")
    os.mkdir(work)
    for n in (254, 255):
        out = os.path.join(work, "o" * (n - 3) + ".h5")
        codes, _, err = run(a, ["-curio_input", inp, "-curio_output", out] + FAST)
        ok = len(codes) == a.np and not any(codes) and os.path.exists(out)
        if ok:
            with h5py.File(out) as f:
                ok = f["model/theta"].shape == (4,)
        ck.check(ok and not leftovers(work), f"long names: a {n}-character output name works", err[-2000:])
    prefix = os.path.join(work, "c" * (255 - 14))  # + "-<10 digits>.h5"
    out = os.path.join(work, "sgdf.h5")
    codes, _, err = run(a, SGDF + ["-curio_checkpoint_prefix", prefix, "-curio_output", out])
    names = [x for x in os.listdir(work) if x.startswith("ccc")]
    ck.check(len(codes) == a.np and not any(codes) and names and all(len(x) == 255 for x in names) and not leftovers(work),
             f"long names: checkpoints with 255-character names work ({len(names)} written)", err[-2000:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("curio")
    ap.add_argument("--np", type=int, default=2)
    ap.add_argument("--mpiexec", default="mpiexec")
    a = ap.parse_args()
    a.curio = os.path.abspath(a.curio)
    ck = Checks()
    tmp = tempfile.mkdtemp(prefix="curio-io-")
    mounts = []
    try:
        inp, act, d = setup(a, tmp)
        ran = 0
        if can_run_as_nobody(a, tmp):
            case_readonly(ck, a, tmp, inp, act, d)
            ran += 1
        else:
            print("note: cannot run a job as 'nobody' here; the read-only directory cases are left out")
        ran += case_full_fs(ck, a, tmp, inp, act, d, mounts)
        case_identity(ck, a, tmp, inp, act)
        case_long_names(ck, a, tmp, inp)
    finally:
        for m in mounts:
            unmount(m)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{ck.count - ck.failures} passed, {ck.failures} failed")
    if not ck.failures and not ran:
        print("skipped: no way to make a write fail here (needs root)")
        return 77
    return 1 if ck.failures else 0


if __name__ == "__main__":
    sys.exit(main())

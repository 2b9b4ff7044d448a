#!/usr/bin/python3
"""Tests of local SGDF (-curio_sgdf_local_steps H, docs/sgdf.md), each against an independent reference:

    test_sgdf_local.py CASE CURIO [--np N]

cases:
  k1        H = 1 reproduces the bulk-synchronous iterates (H = 0) after one epoch to 1e-15 relative (the averaged step
            is the global step; only the order of the sums differs), with the dense (through the node's shared memory, and
            as one allreduce: bitwise equal at 2 ranks) and the sparse averaging; against the
            replicated layout's eager ridge update the bound is that layout's own distance from the lazy one
  fd        H = 3 and 5: the averaged tangent equals the central finite difference in s of the averaged iterates, run
            with the same sampling at s +- h (1e-7), for squared and logistic losses; dense and sparse averaging agree;
            the same with the period growing as a decaying step shrinks (-curio_sgdf_local_schedule lr)
  converge  H = 4 with a decaying step: theta and theta_dot approach the exact optimum and tangent at the same s (numpy
            Newton + solve); the errors per epoch are printed and must fall below a bound
  observe   -curio_sgdf_holdout: the recorded holdout loss equals numpy's on the validation rows (1e-12), training rows
            exclude them (a replay of the first epoch agrees); -curio_sgdf_tol: the run stops at the first epoch where
            scikit-learn's rule (score > best - tol for n_iter_no_change epochs) fires on the full run's history, with the
            same history; -curio_monitor_seconds prints progress lines; history/time and /timing train continue across a
            restart (both layouts, and local SGDF)
  overlap   -curio_sgdf_average_overlap (hybrid across 2 nodes, and a copy per rank): the iterates equal a numpy replay of
            the algorithm on the run's batches (1e-12), the tangent the central difference in s (1e-7); theta and theta_dot
            converge to the exact optimum and tangent with a decaying step; a restart with an averaging in flight or
            between averagings is bitwise; its unsupported combinations are refused
  hybrid    -curio_sgdf_layout hybrid (one copy per node; groups of -curio_sgdf_node_ranks ranks stand for nodes): as one
            node it is the bulk-synchronous run (1e-13; LiSSA too), as two nodes local SGDF on two ranks (bitwise with one rank per
            node, else 1e-13; plain SGD too); the tangent equals the central difference in s (1e-7); a restart between
            averagings is bitwise, another grouping is refused; its unsupported combinations are refused; -curio_sgdf_layout
            auto chooses it where the measured rates say so (the header prints the choice; equal to asking for it)
  restart   checkpoints between averagings (dense and sparse averaging, Adam, the lr schedule of the period): a restart at
            the same rank count is bitwise identical to the uninterrupted run; at another rank count it is refused with one
            clear error; the lr schedule's averagings counted against its rule, computed here
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import scipy.sparse as sp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_input import make  # noqa: E402
import sgdf_ref  # noqa: E402

from test_sgdf import MPIEXEC, rel, run  # noqa: E402,F401  (one launcher and one metric for both SGDF tests)


def read(path, keys=("model/theta", "model/theta_dot")):
    with h5py.File(path) as f:
        return [f[k][:] for k in keys]


def tangent_fd(a, tmp, common, s, h=1e-4):
    """runs at s and s +- h with the same sampling: the distance of the tangent at s from the central difference
    (theta(s + h) - theta(s - h)) / 2h of the iterates, and theta, theta_dot at s"""
    outs = [os.path.join(tmp, f"fd_{k}.h5") for k in range(3)]
    for sv, out in zip((s, s + h, s - h), outs):
        run(a.curio, a.np, common + ["-curio_s", repr(sv), "-curio_output", out])
    (th, td), (thp, _), (thm, _) = (read(o) for o in outs)
    return rel(td, (thp - thm) / (2 * h)), th, td


class Checker:
    def __init__(self):
        self.failures = 0

    def check(self, ok, what):
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
        self.failures += not ok


def case_k1(a, tmp, ck):
    path = os.path.join(tmp, "small.h5")
    make(path, n=300, d=6, zero_fraction=0.3)
    base = ["-curio_input", path, "-curio_s", 1.0, "-curio_sgdf_lr", 1e-3, "-curio_sgdf_batch", 16, "-curio_sgdf_epochs", 1, "-curio_intercept",
            "-curio_regularizer", "restricted", "-curio_sgdf_reg_every", 2, "-curio_sgdf_schedule", "decay", "-curio_sgdf_decay_t0", 30]
    syn = ["-curio_sgdf_synthetic", "4000,500,8", "-curio_s", 1.0, "-curio_sgdf_lr", 2e-4, "-curio_sgdf_batch", 32, "-curio_sgdf_epochs", 1]
    for name, args in (("dense input", base), ("sparse synthetic", syn)):
        refs = {}
        for layout in ("replicated", "partitioned"):
            out = os.path.join(tmp, f"sync_{layout}.h5")
            run(a.curio, a.np, args + ["-curio_sgdf_layout", layout, "-curio_output", out])
            refs[layout] = read(out)
        local = {}
        for average, shm in (("dense", "true"), ("sparse", "true"), ("dense", "false")):
            out = os.path.join(tmp, f"local_{average}_{shm}.h5")
            run(a.curio, a.np, args + ["-curio_sgdf_local_steps", 1, "-curio_sgdf_average", average, "-curio_sgdf_shared_memory", shm,
                                       "-curio_output", out])
            th, td = local[average, shm] = read(out)
            if shm == "false":  # the average through the node's shared memory against one allreduce of every entry
                e = max(rel(local["dense", "true"][0], th), rel(local["dense", "true"][1], td))
                bound = 0.0 if a.np <= 2 else 1e-15
                ck.check(e <= bound, f"{name}, {a.np} ranks: H = 1, dense average through shared memory against the allreduce: {e:.1e} "
                                     f"(bound {bound:.0e}: {'a + b is exact in either order' if a.np <= 2 else 'the order of the sum'})")
                average = "dense, allreduce"
            # the local kernel is the lazy-ridge one (the partitioned layout's): equal to it to 1e-15; the eager replicated
            # update rounds differently from the lazy one by itself, so against it the bound is the two layouts' own distance
            lay = max(rel(refs["partitioned"][0], refs["replicated"][0]), rel(refs["partitioned"][1], refs["replicated"][1]))
            for layout, (rth, rtd) in refs.items():
                e1, e2 = rel(th, rth), rel(td, rtd)
                bound = 1e-15 if layout == "partitioned" else max(1e-15, 2 * lay)
                ck.check(e1 < bound and e2 < bound,
                         f"{name}, {a.np} ranks: H = 1 ({average} averaging) against the bulk-synchronous {layout} run after one epoch: "
                         f"theta {e1:.1e}, theta_dot {e2:.1e} (bound {bound:.1e})")


def case_fd(a, tmp, ck):
    """d/ds of the averaged iterates: central differences with the same sampling (the batch sequence depends on the seed only)"""
    h = 1e-4
    problems = []
    for loss, s, lr in (("squared", 1.0, 2e-3), ("logistic", 0.5, 1e-2)):
        path = os.path.join(tmp, f"{loss}.h5")
        make(path, n=240, d=5, loss=loss, zero_fraction=0.2)
        problems.append((loss, s, ["-curio_input", path, "-curio_loss", loss, "-curio_sgdf_lr", lr, "-curio_intercept", "-curio_regularizer",
                                   "restricted", "-curio_sgdf_batch", 12, "-curio_sgdf_epochs", 3]))
    problems.append(("sparse synthetic", 1.0, ["-curio_sgdf_synthetic", "3000,400,6", "-curio_sgdf_lr", 2e-4, "-curio_sgdf_batch", 24,
                                               "-curio_sgdf_epochs", 2, "-curio_sgdf_reg_every", 3]))
    for name, s, args in problems:
        for H in (3, 5):
            res = {}
            for average in ("dense", "sparse"):
                e, th, td = tangent_fd(a, tmp, args + ["-curio_sgdf_local_steps", H, "-curio_sgdf_average", average], s, h)
                ck.check(e < 1e-7, f"{name}, H = {H}, {average} averaging, {a.np} ranks: averaged tangent against the central difference "
                                   f"(h = {h:g}) of the averaged iterates: {e:.1e}")
                res[average] = (th, td)
            e = max(rel(res["sparse"][0], res["dense"][0]), rel(res["sparse"][1], res["dense"][1]))
            ck.check(e < 1e-14, f"{name}, H = {H}: sparse and dense averaging agree: {e:.1e}")
    # the period growing as the step decays (-curio_sgdf_local_schedule lr): the averaging steps depend on the step
    # count only, not on s, so the averaged iterates stay differentiable in s with the same tangent
    name, s, args = problems[0]
    common = args + ["-curio_sgdf_local_steps", 3, "-curio_sgdf_schedule", "decay", "-curio_sgdf_decay_t0", 10, "-curio_sgdf_local_schedule", "lr"]
    e, _, _ = tangent_fd(a, tmp, common, s, h)
    ck.check(e < 1e-7, f"{name}, H = 3 growing with the decaying step, {a.np} ranks: averaged tangent against the central difference: {e:.1e}")


EPOCHS = (1, 3, 10, 30, 100, 300)


def case_converge(a, tmp, ck):
    """theta and theta_dot -> the exact optimum and tangent at the same s as the decaying step shrinks the local drift"""
    for loss, s, lr in (("squared", 1.0, 2e-3), ("logistic", 0.5, 1e-2)):
        path = os.path.join(tmp, f"{loss}.h5")
        make(path, n=400, d=5, loss=loss)
        X, y, w = sgdf_ref.design(path)
        th_x, td_x, _ = sgdf_ref.direct(X, y, w, s, loss=loss)
        ref = os.path.join(tmp, "ref.h5")
        with h5py.File(ref, "w") as f:
            f["model/theta"] = th_x
            f["model/theta_dot"] = td_x
        errs = []
        for E in EPOCHS:
            out = os.path.join(tmp, f"conv_{E}.h5")
            run(a.curio, a.np, ["-curio_input", path, "-curio_loss", loss, "-curio_s", s, "-curio_sgdf_lr", lr, "-curio_sgdf_batch", 50,
                                "-curio_sgdf_epochs", E, "-curio_sgdf_schedule", "decay", "-curio_sgdf_decay_t0", 50, "-curio_sgdf_local_steps", 4,
                                "-curio_sgdf_reference", ref, "-curio_output", out])
            th, td = read(out)
            errs.append((E, rel(th, th_x), rel(td, td_x)))
        with h5py.File(out) as f:
            hist = f["sgdf/history/reference_distance"][:]
        print(f"     {loss}, H = 4, {a.np} ranks: relative errors (epoch: theta, theta_dot): " +
              "  ".join(f"{E}: {e1:.2e}, {e2:.2e}" for E, e1, e2 in errs))
        ck.check(abs(hist[-1] - errs[-1][2]) < 1e-12 and all(abs(hist[E - 1] - e2) < 1e-12 for E, _, e2 in errs),
                 f"{loss}: the history's reference distance of each epoch is the tangent error of the run stopped there")
        E, e1, e2 = errs[-1]
        ck.check(e1 < 1e-2 and e2 < 1e-2 and e2 < errs[0][2] / 20 and e1 < errs[0][1] / 20,
                 f"{loss}: after {E} epochs theta error {e1:.2e} (< 1e-2), theta_dot error {e2:.2e} (< 1e-2), both 20x below epoch 1's")


def sklearn_stop(scores, tol, n_iter):
    """the epoch (1-based) after which scikit-learn's rule stops, or None"""
    best, count = np.inf, 0
    for e, sc in enumerate(scores):
        count = count + 1 if sc > best - tol else 0
        best = min(best, sc)
        if count >= n_iter:
            return e + 1
    return None


def case_observe(a, tmp, ck):
    path = os.path.join(tmp, "small.h5")
    make(path, n=400, d=6, zero_fraction=0.3)
    X, y, w = sgdf_ref.design(path)
    val = sgdf_ref.validation_rows(len(y), 1, 0.25)
    base = ["-curio_input", path, "-curio_s", 1.0, "-curio_sgdf_lr", 2e-3, "-curio_sgdf_batch", 16, "-curio_sgdf_holdout", "-curio_sgdf_val_fraction", 0.25,
            "-curio_sgdf_save_indices"]
    for name, extra in (("replicated", ["-curio_sgdf_layout", "replicated"]), ("partitioned", ["-curio_sgdf_layout", "partitioned"]),
                        ("local H = 3", ["-curio_sgdf_local_steps", 3])):
        full = os.path.join(tmp, "full.h5")
        run(a.curio, a.np, base + extra + ["-curio_sgdf_epochs", 12, "-curio_output", full])
        with h5py.File(full) as f:
            th, hold, loss, idx = f["model/theta"][:], f["sgdf/history/holdout_loss"][:], f["sgdf/history/loss"][:], f["sgdf/indices"][:]
        lv, _, _ = sgdf_ref.loss_derivs("squared", X[val] @ th, y[val])
        ref = np.sum(w[val] * lv) / np.sum(w[val])
        rows = idx[idx >= 0]
        ck.check(abs(hold[-1] - ref) < 1e-12 * abs(ref) and not val[rows].any() and len(np.unique(rows[: (~val).sum()])) == (~val).sum(),
                 f"{name}: holdout loss {hold[-1]:.10e} against numpy's {ref:.10e}; the {val.sum()} validation rows are never trained on")
        # early stopping: the rule applied to the full run's holdout history says where a run with -curio_sgdf_tol stops
        tol = float(np.quantile(np.abs(np.diff(hold)), 0.7))
        expect = sklearn_stop(hold, tol, 2)
        out = os.path.join(tmp, "es.h5")
        p = run(a.curio, a.np, base + extra + ["-curio_sgdf_epochs", 12, "-curio_sgdf_tol", repr(tol), "-curio_sgdf_n_iter_no_change", 2,
                                               "-curio_output", out])
        with h5py.File(out) as f:
            h2, stopped = f["sgdf/history/holdout_loss"][:], int(f["sgdf"].attrs["early_stopped"])
        ck.check(expect is not None and len(h2) == expect and stopped == 1 and np.array_equal(h2, hold[:expect]) and "early stop after epoch" in p.stdout,
                 f"{name}: -curio_sgdf_tol {tol:.3g} -curio_sgdf_n_iter_no_change 2 stops after epoch {len(h2)} (scikit-learn's rule on the full "
                 f"history: {expect})")
        # progress lines and the clock across a restart
        prefix = os.path.join(tmp, f"t{name[0]}")
        p = run(a.curio, a.np, base + extra + ["-curio_sgdf_epochs", 6, "-curio_monitor_seconds", 1e-9, "-curio_checkpoint_poll", 5, "-curio_checkpoint_prefix", prefix,
                                               "-curio_checkpoint_every", 50, "-curio_checkpoint_keep", 100, "-curio_output", os.path.join(tmp, "ck.h5")])
        files = sorted(glob.glob(prefix + "-*.h5"))
        out = os.path.join(tmp, "re.h5")
        run(a.curio, a.np, base + extra + ["-curio_sgdf_epochs", 6, "-curio_restart", files[len(files) // 2], "-curio_output", out])
        with h5py.File(os.path.join(tmp, "ck.h5")) as f, h5py.File(files[len(files) // 2]) as c, h5py.File(out) as g:
            t_ck = float(c["state/elapsed_train"][()]) if "state/elapsed_train" in c else float(c["state"].attrs["elapsed_train"])
            t = g["sgdf/history/time"][:]
            train = float(g["timing"].attrs["train"])
            same = np.array_equal(f["sgdf/history/loss"][:], g["sgdf/history/loss"][:]) and np.array_equal(f["model/theta"][:], g["model/theta"][:])
        ck.check("  progress: epoch" in p.stdout and same and np.all(np.diff(t) > 0) and train >= t[-1] and t_ck > 0 and train > t_ck,
                 f"{name}: progress lines; restarted at step {checkpoint_step(files[len(files) // 2])}: history/time {np.round(t, 4).tolist()} "
                 f"continues from the checkpoint's {t_ck:.4f} s; /timing train {train:.4f} s")


def checkpoint_step(path):
    return int(os.path.basename(path).rsplit("-", 1)[1].split(".")[0])


def averagings(H, t0, power, steps_per_epoch, epochs):
    """the averagings of -curio_sgdf_local_schedule lr with the decaying step eta0 / (1 + t/t0)^power: after the one at
    step count a (or an epoch start) the next is at a + round(H eta0 / eta_a), or at the epoch end if that is sooner"""
    count = 0
    for e in range(epochs):
        a, end = e * steps_per_epoch, (e + 1) * steps_per_epoch
        while a < end:
            h = H * (1 + a / t0) ** power
            a = end if not h < end - a else a + max(1, int(np.floor(h + 0.5)))
            count += 1
    return count


def checkpointed_run(a, tmp, ck, args, keys, every, tag):
    """the run uninterrupted, and again writing a checkpoint every `every` steps, which must change nothing (bitwise);
    returns the uninterrupted output, the checkpoints in step order and the checkpointed output"""
    full, out = os.path.join(tmp, "full.h5"), os.path.join(tmp, "ckrun.h5")
    prefix = os.path.join(tmp, f"ck{len(glob.glob(os.path.join(tmp, 'ck*')))}")
    run(a.curio, a.np, args + ["-curio_output", full])
    run(a.curio, a.np, args + ["-curio_checkpoint_prefix", prefix, "-curio_checkpoint_every", every, "-curio_checkpoint_keep", 100,
                               "-curio_output", out])
    files = sorted(glob.glob(prefix + "-*.h5"))
    with h5py.File(full) as f, h5py.File(out) as g:
        ck.check(all(np.array_equal(f[k][:], g[k][:]) for k in keys), f"{tag}: writing {len(files)} checkpoints changes nothing (bitwise)")
    return full, files, out


def restart_between(a, tmp, ck, args, files, full, keys, tag):
    """restarts from the first two checkpoints taken between averagings (H = 5, 19 steps per epoch) at the same rank
    count, each bitwise equal to the uninterrupted run; returns those checkpoints"""
    between = [f for f in files if checkpoint_step(f) % 5 and checkpoint_step(f) % 19]
    for mid in between[:2]:
        out = os.path.join(tmp, "re.h5")
        run(a.curio, a.np, args + ["-curio_restart", mid, "-curio_output", out])
        with h5py.File(full) as f, h5py.File(out) as g:
            ck.check(all(np.array_equal(f[k][:], g[k][:]) for k in keys),
                     f"{tag}: restarted at step {checkpoint_step(mid)} (between averagings) on {a.np} ranks: bitwise identical")
    return between


def case_restart(a, tmp, ck):
    path = os.path.join(tmp, "small.h5")
    make(path, n=300, d=6, zero_fraction=0.3)
    base = ["-curio_input", path, "-curio_s", 1.0, "-curio_sgdf_lr", 1e-3, "-curio_sgdf_batch", 16, "-curio_sgdf_epochs", 3, "-curio_intercept",
            "-curio_regularizer", "restricted", "-curio_sgdf_reg_every", 2, "-curio_sgdf_schedule", "decay", "-curio_sgdf_decay_t0", 30,
            "-curio_sgdf_local_steps", 5]
    keys = ("model/theta", "model/theta_dot", "sgdf/history/loss", "sgdf/history/tangent_change")
    other = 2 if a.np == 1 else 1
    for extra in (["-curio_sgdf_average", "dense"], ["-curio_sgdf_average", "sparse"], ["-curio_sgdf_optimizer", "adam", "-curio_sgdf_lr", 2e-2],
                  ["-curio_sgdf_average", "sparse", "-curio_sgdf_local_schedule", "lr"]):
        args = base + extra
        tag = " ".join(str(x) for x in extra)
        full, files, _ = checkpointed_run(a, tmp, ck, args, keys, 7, tag)
        with h5py.File(full) as f:
            if "lr" in extra and a.np > 1:
                n_avg, want = int(f["sgdf"].attrs["averages"]), averagings(5, 30, 1.0, 19, 3)
                ck.check(n_avg == want and want < 3 * ((19 + 4) // 5), f"{tag}: {n_avg} averagings, as the schedule's rule gives ({want}; "
                                                                        f"{3 * ((19 + 4) // 5)} at a constant period)")
        between = restart_between(a, tmp, ck, args, files, full, keys, tag)
        no = os.path.join(tmp, "no.h5")
        p = run(a.curio, other, args + ["-curio_restart", between[0], "-curio_output", no], check=False)
        msg = next((x for x in p.stderr.splitlines() if "curio: error:" in x), "")
        ck.check(p.returncode != 0 and f"restart it on {a.np} ranks" in msg and p.stderr.count("curio: error:") == 1 and not os.path.exists(no),
                 f"{tag}: a checkpoint of {a.np} ranks is refused on {other}: {msg}")


def case_hybrid(a, tmp, ck):
    """The hybrid layout (-curio_sgdf_layout hybrid: one copy of the parameters per node, docs/sgdf.md section 6); groups
    of -curio_sgdf_node_ranks ranks stand for nodes on this one machine"""
    path = os.path.join(tmp, "small.h5")
    make(path, n=300, d=6, zero_fraction=0.3)
    dense = ["-curio_input", path, "-curio_s", 1.0, "-curio_sgdf_lr", 1e-3, "-curio_sgdf_batch", 16, "-curio_sgdf_epochs", 3, "-curio_intercept",
             "-curio_regularizer", "restricted", "-curio_sgdf_reg_every", 2, "-curio_sgdf_schedule", "decay", "-curio_sgdf_decay_t0", 30]
    syn = ["-curio_sgdf_synthetic", "4000,500,8", "-curio_s", 1.0, "-curio_sgdf_lr", 2e-4, "-curio_sgdf_batch", 32, "-curio_sgdf_epochs", 2]
    plain = syn + ["-curio_sgdf_tangent", "false"]
    half = a.np // 2  # ranks per group for two groups
    for name, args in (("dense input", dense), ("sparse synthetic", syn), ("plain SGD", plain)):
        keys = ("model/theta", "model/theta_dot") if "false" not in args else ("model/theta",)
        # one node: every rank steps on the one copy, which is the bulk-synchronous algorithm (the partitioned layout's
        # lazy kernel); the updates of a parameter are summed in another order
        sync, hyb = os.path.join(tmp, "sync.h5"), os.path.join(tmp, "hyb.h5")
        run(a.curio, a.np, args + ["-curio_sgdf_layout", "partitioned", "-curio_output", sync])
        p = run(a.curio, a.np, args + ["-curio_sgdf_layout", "hybrid", "-curio_sgdf_local_steps", 4, "-curio_monitor", "-curio_output", hyb])
        e = max(rel(x, y) for x, y in zip(read(hyb, keys), read(sync, keys)))
        ck.check(e < 1e-13, f"{name}, {a.np} ranks as one node: hybrid against the bulk-synchronous run: {e:.1e} (bound 1e-13)")
        with h5py.File(hyb) as f:
            ok = f["sgdf"].attrs["layout"] == "hybrid" and int(f["sgdf"].attrs["shared_memory_nodes"]) == 1
        ck.check(ok and "hybrid layout: one copy per node" in p.stdout, f"{name}: the output and the monitor's header name the hybrid layout")
        # two nodes: each node's copy steps on the rows of its ranks, which is local SGDF of two ranks, each holding
        # those rows (the same H, the same scale by the number of copies)
        loc, hyb2 = os.path.join(tmp, "loc.h5"), os.path.join(tmp, "hyb2.h5")
        run(a.curio, 2, args + ["-curio_sgdf_local_steps", 4, "-curio_output", loc])
        run(a.curio, a.np, args + ["-curio_sgdf_layout", "hybrid", "-curio_sgdf_local_steps", 4, "-curio_sgdf_node_ranks", half, "-curio_output", hyb2])
        e = max(rel(x, y) for x, y in zip(read(hyb2, keys), read(loc, keys)))
        bound = 0.0 if half == 1 else 1e-13
        ck.check(e <= bound, f"{name}, {a.np} ranks as 2 nodes of {half}: hybrid against local SGDF on 2 ranks (H = 4): {e:.1e} "
                             f"(bound {bound:.0e}{': the same sums in the same order' if half == 1 else ''})")
    # LiSSA (theta frozen, the eager regularizer step on each rank's part): as one node, the bulk-synchronous recursion
    th0 = os.path.join(tmp, "theta0.h5")
    run(a.curio, 1, syn + ["-curio_output", th0])
    lissa = syn + ["-curio_sgdf_lissa", "-curio_sgdf_theta", th0]
    run(a.curio, a.np, lissa + ["-curio_sgdf_layout", "partitioned", "-curio_output", sync])
    run(a.curio, a.np, lissa + ["-curio_sgdf_layout", "hybrid", "-curio_sgdf_local_steps", 4, "-curio_output", hyb])
    (th, td), (_, tds), (th0v,) = read(hyb), read(sync), read(th0, ("model/theta",))
    e = rel(td, tds)
    ck.check(e < 1e-13 and np.array_equal(th, th0v), f"LiSSA, {a.np} ranks as one node: hybrid tangent against the bulk-synchronous one: "
                                                    f"{e:.1e} (bound 1e-13), theta frozen bitwise")
    # the tangent of the averaged iterates: central differences in s with the same sampling, two nodes
    h = 1e-4
    for name, args in (("dense input", dense), ("sparse synthetic", syn)):
        i = args.index("-curio_s")
        common = args[:i] + args[i + 2:] + ["-curio_sgdf_layout", "hybrid", "-curio_sgdf_local_steps", 3, "-curio_sgdf_node_ranks", half]
        e, _, _ = tangent_fd(a, tmp, common, 1.0, h)
        ck.check(e < 1e-7, f"{name}, hybrid, 2 nodes of {half}: averaged tangent against the central difference (h = {h:g}): {e:.1e}")
    # restart between averagings: bitwise; another grouping of the ranks refused
    args = dense + ["-curio_sgdf_layout", "hybrid", "-curio_sgdf_local_steps", 5, "-curio_sgdf_node_ranks", half]
    keys = ("model/theta", "model/theta_dot", "sgdf/history/loss", "sgdf/history/tangent_change")
    full, files, _ = checkpointed_run(a, tmp, ck, args, keys, 7, "hybrid")
    between = restart_between(a, tmp, ck, args, files, full, keys, "hybrid")
    no = os.path.join(tmp, "no.h5")
    regroup = args[:-1] + [0]  # one node of all ranks instead of two
    p = run(a.curio, a.np, regroup + ["-curio_restart", between[0], "-curio_output", no], check=False)
    msg = next((x for x in p.stderr.splitlines() if "curio: error:" in x), "")
    ck.check(p.returncode != 0 and "grouped into nodes otherwise" in msg and p.stderr.count("curio: error:") == 1 and not os.path.exists(no),
             f"hybrid: a checkpoint of 2 nodes is refused on one node of {a.np}: {msg}")
    # -curio_sgdf_layout auto in local SGDF: the per-epoch estimates (averaging a copy per rank: ceil(n / (B H)) x 16 d
    # bytes at 3.5 GB/s; the hybrid step: 0.6 us per row of a rank) decide, and the monitor's header says so
    for d, H, want in ((200000, 1, "hybrid"), (500, 4, "replicated")):
        avg, hyb = np.ceil(4000 / (8 * H)) * 16 * d / 3.5e9, 4000 / a.np * 0.6e-6
        args = ["-curio_sgdf_synthetic", f"4000,{d},8", "-curio_s", 1.0, "-curio_sgdf_lr", 1e-4, "-curio_sgdf_batch", 8, "-curio_sgdf_epochs", 1,
                "-curio_sgdf_local_steps", H]
        out, explicit = os.path.join(tmp, "auto.h5"), os.path.join(tmp, "explicit.h5")
        p = run(a.curio, a.np, args + ["-curio_monitor", "-curio_output", out])
        run(a.curio, a.np, args + ["-curio_sgdf_layout", want, "-curio_output", explicit])
        with h5py.File(out) as f, h5py.File(explicit) as g:
            same = f["sgdf"].attrs["layout"] == want and all(np.array_equal(f[k][:], g[k][:]) for k in ("model/theta", "model/theta_dot"))
        ck.check(same and f"auto chose {want}" in p.stdout and (avg > hyb) == (want == "hybrid"),
                 f"layout auto, d = {d}, H = {H}: {want} (averaging {avg:.2g} s against the hybrid's {hyb:.2g} s per epoch), "
                 f"the run equal to -curio_sgdf_layout {want} bitwise, the header says so")
    p = run(a.curio, a.np, ["-curio_sgdf_synthetic", "4000,200000,8", "-curio_s", 1.0, "-curio_sgdf_lr", 1e-4, "-curio_sgdf_batch", 8,
                            "-curio_sgdf_epochs", 1, "-curio_sgdf_local_steps", 1, "-curio_sgdf_average", "sparse", "-curio_monitor",
                            "-curio_output", os.path.join(tmp, "auto.h5")])
    ck.check("auto chose replicated" in p.stdout and "hybrid was not possible here" in p.stdout,
             "layout auto with -curio_sgdf_average sparse keeps a copy per rank, and says why")
    # what the hybrid layout does not do: one error line each, nothing written
    for extra, want in ((["-curio_sgdf_local_steps", 0], "needs -curio_sgdf_local_steps"),
                        (["-curio_sgdf_local_steps", 4, "-curio_sgdf_optimizer", "adam"], "plain SGD"),
                        (["-curio_sgdf_local_steps", 4, "-curio_sgdf_shared_memory", "false"], "shared memory"),
                        (["-curio_sgdf_local_steps", 4, "-curio_sgdf_average", "sparse"], "densely")):
        p = run(a.curio, a.np, dense + ["-curio_sgdf_layout", "hybrid", "-curio_output", no] + extra, check=False)
        msg = next((x for x in p.stderr.splitlines() if "curio: error:" in x), "")
        ck.check(p.returncode != 0 and want in msg and p.stderr.count("curio: error:") == 1 and not os.path.exists(no),
                 f"hybrid with {' '.join(map(str, extra))} refused: {msg}")


def row_blocks(n, size):
    """the rows of each rank: PETSc's default split (the first n % size ranks one more)"""
    q, r = divmod(n, size)
    starts = np.cumsum([0] + [q + (p < r) for p in range(size)])
    return [set(range(starts[p], starts[p + 1])) for p in range(size)]


def case_overlap(a, tmp, ck):
    """-curio_sgdf_average_overlap (docs/sgdf.md section 3): the averagings run during the next period's steps"""
    path = os.path.join(tmp, "small.h5")
    make(path, n=300, d=6, zero_fraction=0.3)
    X, y, w = sgdf_ref.design(path, intercept=True)
    dense = ["-curio_input", path, "-curio_s", 1.0, "-curio_sgdf_lr", 1e-3, "-curio_sgdf_batch", 16, "-curio_sgdf_epochs", 3, "-curio_intercept",
             "-curio_regularizer", "restricted", "-curio_sgdf_reg_every", 2, "-curio_sgdf_schedule", "decay", "-curio_sgdf_decay_t0", 30]
    half = a.np // 2
    ranks = row_blocks(300, a.np)
    layouts = (("hybrid, 2 nodes", ["-curio_sgdf_layout", "hybrid", "-curio_sgdf_node_ranks", half], [ranks[0].union(*ranks[:half]), set().union(*ranks[half:])]),
               ("a copy per rank", ["-curio_sgdf_layout", "replicated"], ranks))
    # the algorithm as written, replayed in numpy on the batches the run drew: each copy steps on its rows, and at an
    # averaging adds the mean of the previous averaging's snapshots minus its own
    for name, lay, copies in layouts:
        for H in (5, 19):
            out, plain = os.path.join(tmp, "ov.h5"), os.path.join(tmp, "plain.h5")
            args = dense + lay + ["-curio_sgdf_local_steps", H, "-curio_sgdf_save_indices"]
            p = run(a.curio, a.np, args + ["-curio_sgdf_average_overlap", "-curio_monitor", "-curio_output", out])
            run(a.curio, a.np, args + ["-curio_output", plain])
            with h5py.File(out) as f:
                idx, th, td = f["sgdf/indices"][:], f["model/theta"][:], f["model/theta_dot"][:]
                flag = int(f["sgdf"].attrs["average_overlap"])
            rth, rtd = sgdf_ref.replay_local(X, y, w, idx, 1.0, 1e-3, copies, H, 19, overlap=True, restricted=True, K=2, schedule="decay", t0=30.0)
            pth, _ = read(plain)
            e1, e2, moved = rel(th, rth), rel(td, rtd), rel(th, pth)
            ck.check(e1 < 1e-12 and e2 < 1e-12 and moved > 1e-8 and flag == 1 and "overlapped" in p.stdout,
                     f"{name}, H = {H}, {a.np} ranks: overlapped averaging against the numpy replay of {len(idx)} steps: theta {e1:.1e}, "
                     f"theta_dot {e2:.1e} (bound 1e-12; {moved:.1e} from the blocking averaging's result)")
            if H == 5:  # the reference itself, without overlap, against the blocking run: the replay means what it says
                rp, _ = sgdf_ref.replay_local(X, y, w, idx, 1.0, 1e-3, copies, H, 19, overlap=False, restricted=True, K=2, schedule="decay", t0=30.0)
                ck.check(rel(pth, rp) < 1e-12, f"{name}: the replay without overlap against the blocking run: {rel(pth, rp):.1e}")
    # d = 600000: the averaged 2 d entries go through the MPI library in two segments (CurioAllreduceSum,
    # CurioIallreduceSum); sparse rows in curio's CSR layout, replayed with scipy's sparse matrix
    rng = np.random.default_rng(7)
    nb, db, kb = 120, 600000, 4
    cols = np.sort(np.stack([rng.choice(db, kb, replace=False) for _ in range(nb)]), axis=1)
    Xb = sp.csr_matrix((rng.standard_normal(nb * kb), cols.ravel(), np.arange(0, nb * kb + 1, kb)), shape=(nb, db))
    yb = Xb @ rng.standard_normal(db) + 0.1 * rng.standard_normal(nb)
    big = os.path.join(tmp, "big.h5")
    with h5py.File(big, "w") as f:
        f["train/indptr"], f["train/indices"], f["train/data"] = Xb.indptr.astype(np.int64), Xb.indices.astype(np.int64), Xb.data
        f["train"].attrs["shape"] = np.array([nb, db], dtype=np.int64)
        f["train/y"] = yb
    rb = row_blocks(nb, a.np)
    for name, lay, copies, overlap in (("hybrid, 2 nodes, overlapped", layouts[0][1], [set().union(*rb[:half]), set().union(*rb[half:])], True),
                                       ("a copy per rank, overlapped", ["-curio_sgdf_layout", "replicated"], rb, True),
                                       ("a copy per rank, one allreduce", ["-curio_sgdf_layout", "replicated", "-curio_sgdf_shared_memory", "false"], rb,
                                        False)):
        out = os.path.join(tmp, "big_out.h5")
        run(a.curio, a.np, ["-curio_input", big, "-curio_s", 0.5, "-curio_sgdf_lr", 2e-3, "-curio_sgdf_batch", 8, "-curio_sgdf_epochs", 2,
                            "-curio_sgdf_local_steps", 4, "-curio_sgdf_average", "dense", "-curio_sgdf_save_indices",
                            "-curio_sgdf_average_overlap", "true" if overlap else "false", "-curio_output", out] + lay)
        with h5py.File(out) as f:
            idx, th, td = f["sgdf/indices"][:], f["model/theta"][:], f["model/theta_dot"][:]
        rth, rtd = sgdf_ref.replay_local(Xb, yb, np.ones(nb), idx, 0.5, 2e-3, copies, 4, 15, overlap=overlap)
        e1, e2 = rel(th, rth), rel(td, rtd)
        ck.check(e1 < 1e-12 and e2 < 1e-12, f"d = {db} (averaged in 2 segments), {name}, {a.np} ranks: against the numpy replay: theta {e1:.1e}, "
                                            f"theta_dot {e2:.1e} (bound 1e-12)")
    # the tangent of the averaged iterates: central differences in s with the same sampling
    h = 1e-4
    syn = ["-curio_sgdf_synthetic", "3000,400,6", "-curio_sgdf_lr", 2e-4, "-curio_sgdf_batch", 24, "-curio_sgdf_epochs", 2]
    for name, lay, _ in layouts:
        for pname, args in (("dense input", dense[:2] + dense[4:]), ("sparse synthetic", syn)):
            e, _, _ = tangent_fd(a, tmp, args + lay + ["-curio_sgdf_local_steps", 3, "-curio_sgdf_average_overlap"], 1.0, h)
            ck.check(e < 1e-7, f"{pname}, {name}, overlapped: averaged tangent against the central difference (h = {h:g}): {e:.1e}")
    # restart from checkpoints between averagings and at one (an averaging in flight): bitwise
    keys = ("model/theta", "model/theta_dot", "sgdf/history/loss", "sgdf/history/tangent_change")
    for name, lay, _ in layouts:
        args = dense + lay + ["-curio_sgdf_local_steps", 5, "-curio_sgdf_average_overlap"]
        full, files, _ = checkpointed_run(a, tmp, ck, args, keys, 5, f"{name}, overlapped")
        # steps 5, 10 (averagings: one in flight), 20 (one step after the epoch end's), 35 (between)
        for mid in [f for f in files if checkpoint_step(f) in (10, 20, 35)]:
            out = os.path.join(tmp, "re.h5")
            run(a.curio, a.np, args + ["-curio_restart", mid, "-curio_output", out])
            with h5py.File(full) as f, h5py.File(out) as g:
                ck.check(all(np.array_equal(f[k][:], g[k][:]) for k in keys),
                         f"{name}, overlapped: restarted at step {checkpoint_step(mid)} on {a.np} ranks: bitwise identical")
        no = os.path.join(tmp, "no.h5")
        p = run(a.curio, a.np, dense + lay + ["-curio_sgdf_local_steps", 5, "-curio_restart", files[1], "-curio_output", no], check=False)
        msg = next((x for x in p.stderr.splitlines() if "curio: error:" in x), "")
        ck.check(p.returncode != 0 and p.stderr.count("curio: error:") == 1 and not os.path.exists(no),
                 f"{name}: an overlapped run's checkpoint is refused by a blocking run: {msg}")
    # convergence to the exact optimum and tangent as the decaying step shrinks the copies' drift (which overlap doubles:
    # a copy is up to two periods of local steps away from the mean)
    cpath = os.path.join(tmp, "conv.h5")
    make(cpath, n=400, d=5, loss="logistic")
    Xc, yc, wc = sgdf_ref.design(cpath)
    th_x, td_x, _ = sgdf_ref.direct(Xc, yc, wc, 0.5, loss="logistic")
    for name, lay, _ in layouts:
        errs = []
        for E in (1, 30, 300):
            out = os.path.join(tmp, f"conv_{E}.h5")
            run(a.curio, a.np, ["-curio_input", cpath, "-curio_loss", "logistic", "-curio_s", 0.5, "-curio_sgdf_lr", 1e-2, "-curio_sgdf_batch", 50,
                                "-curio_sgdf_epochs", E, "-curio_sgdf_schedule", "decay", "-curio_sgdf_decay_t0", 50, "-curio_sgdf_local_steps", 4,
                                "-curio_sgdf_average_overlap", "-curio_output", out] + lay)
            th, td = read(out)
            errs.append((E, rel(th, th_x), rel(td, td_x)))
        print(f"     logistic, {name}, overlapped, H = 4, {a.np} ranks: relative errors (epoch: theta, theta_dot): " +
              "  ".join(f"{E}: {e1:.2e}, {e2:.2e}" for E, e1, e2 in errs))
        E, e1, e2 = errs[-1]
        ck.check(e1 < 1e-2 and e2 < 1e-2 and e2 < errs[0][2] / 20 and e1 < errs[0][1] / 20,
                 f"{name}, overlapped: after {E} epochs theta error {e1:.2e} (< 1e-2), theta_dot error {e2:.2e} (< 1e-2), both 20x below epoch 1's")
    # what it does not do: one error line each, nothing written
    no = os.path.join(tmp, "no.h5")
    for extra, want in (([], "needs -curio_sgdf_local_steps"), (["-curio_sgdf_local_steps", 4, "-curio_sgdf_optimizer", "adam"], "plain SGD"),
                        (["-curio_sgdf_local_steps", 4, "-curio_sgdf_average", "sparse"], "sparse excludes it"),
                        (["-curio_sgdf_local_steps", 4, "-curio_sgdf_holdout"], "-curio_sgdf_holdout")):
        p = run(a.curio, a.np, dense + ["-curio_sgdf_average_overlap", "-curio_output", no] + extra, check=False)
        msg = next((x for x in p.stderr.splitlines() if "curio: error:" in x), "")
        ck.check(p.returncode != 0 and want in msg and p.stderr.count("curio: error:") == 1 and not os.path.exists(no),
                 f"overlap with {' '.join(map(str, extra)) or 'bulk-synchronous steps'} refused: {msg}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=["k1", "fd", "converge", "restart", "observe", "hybrid", "overlap"])
    ap.add_argument("curio")
    ap.add_argument("--np", type=int, default=1)
    a = ap.parse_args()
    a.curio = os.path.abspath(a.curio)
    ck = Checker()
    with tempfile.TemporaryDirectory() as tmp:
        globals()["case_" + a.case](a, tmp, ck)
    print(f"{ck.failures} failed")
    return 1 if ck.failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Checks of -curio_mode active and study against independent references (README, "Active learning").

    /usr/bin/python3 tests/active/test_active.py CASE CURIO_EXE WORKDIR [--np N] [--mpiexec "mpiexec --oversubscribe"]

CASE is one of: oracle, ranks, restart, harness, boundary, numpy, study, protocol, sparse, bad."""
import argparse
import os
import shlex
import shutil
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FAST = ["-curio_loocv_ns", "21", "-curio_loocv_smin", "1e-4", "-curio_loocv_smax", "1e3", "-curio_al_seed_size", "10"]


def make_input(path, *args):
    subprocess.run([sys.executable, os.path.join(HERE, "active_make_input.py"), path, *args], check=True)


def run(a, np_, *opts, expect_fail=False):
    cmd = shlex.split(a.mpiexec) + ["-n", str(np_), a.exe, *opts]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if expect_fail:
        assert r.returncode != 0, f"expected a failure: {' '.join(cmd)}\n{r.stdout}"
        return r
    if r.returncode:
        raise SystemExit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout}\n{r.stderr}")
    return r


def active(a, np_, inp, out, *opts, expect_fail=False):
    return run(a, np_, "-curio_mode", "active", "-curio_input", inp, "-curio_output", out, *FAST, *opts, expect_fail=expect_fail)


def contents(path, skip_time=True):
    """every dataset and the schema attributes of an output (timings and the options string excluded)"""
    d = {}
    with h5py.File(path) as f:
        f.visititems(lambda name, obj: d.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
        for k in ("completed", "strategy", "seed", "n_pool", "d", "reads_all_labels", "signature"):
            d["@" + k] = f.attrs[k]
    if skip_time:
        d = {k: v for k, v in d.items() if "time_" not in k}
    return d


def same(a, b, what, rtol=0.0):
    assert a.keys() == b.keys(), f"{what}: different datasets {sorted(a.keys() ^ b.keys())}"
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, (np.ndarray, np.floating)) and np.asarray(x).dtype.kind == "f":
            ok = np.array_equal(x, y, equal_nan=True) if rtol == 0 else np.allclose(x, y, rtol=rtol, atol=rtol * np.nanmax(np.abs(x)), equal_nan=True)
        else:
            ok = np.array_equal(x, y)
        assert ok, f"{what}: {k} differs:\n{x}\n{y}"


def case_oracle(a):
    """the oracle is read only at selected points: NaN at every other pool label changes nothing"""
    inp = os.path.join(a.dir, "oracle_in.h5")
    make_input(inp, "--m", "150", "--seed", "3")
    for st, extra in (("sld", []), ("gsx", ["-curio_al_seed_choice", "gsx"]), ("sld_batch", ["-curio_loss", "squared"])):
        o1, o2 = os.path.join(a.dir, f"oracle_{st}_1.h5"), os.path.join(a.dir, f"oracle_{st}_2.h5")
        active(a, a.np, inp, o1, "-curio_al_strategy", st, "-curio_al_budget", "31", "-curio_al_batch", "4", *extra)
        with h5py.File(o1) as f:
            sel = f["selected/index"][:]
            assert len(sel) == 31 and len(set(sel)) == 31, f"{st}: expected 31 distinct selections, got {sel}"
            assert list(f["rounds/n_labeled"][:]) == [10, 14, 18, 22, 26, 30, 31], f["rounds/n_labeled"][:]
            assert np.isnan(f["rounds/score_max"][-1]) and not np.isnan(f["rounds/score_max"][:-1]).any()
        nan_in = os.path.join(a.dir, f"oracle_{st}_nan.h5")
        shutil.copy(inp, nan_in)
        with h5py.File(nan_in, "r+") as f:
            y = f["candidates/y"][:]
            keep = np.zeros(len(y), bool)
            keep[sel] = True
            y[~keep] = np.nan
            f["candidates/y"][:] = y
        active(a, a.np, nan_in, o2, "-curio_al_strategy", st, "-curio_al_budget", "31", "-curio_al_batch", "4", *extra)
        c1, c2 = contents(o1), contents(o2)
        c2["@signature"] = c1["@signature"]  # names the input file
        same(c1, c2, f"{st}: NaN at never-selected labels")
        if st != "sld":
            continue
        # and a strategy that reads every label is stopped by them
        r = active(a, a.np, nan_in, o2 + "x", "-curio_al_strategy", "oracle_greedy", "-curio_al_budget", "31", expect_fail=True)
        assert "/candidates/y" in r.stderr and "NaN" in r.stderr, r.stderr
    print("oracle: outputs identical with NaN at every never-selected pool label")


def case_ranks(a):
    """the same loop at 1 and 2 ranks: same selections, same learning curve to 1e-10"""
    inp = os.path.join(a.dir, "ranks_in.h5")
    make_input(inp, "--m", "157", "--seed", "5")
    for st, extra in (("random", []), ("sld", []), ("gsx", []), ("sld_batch", ["-curio_loss", "squared"]), ("ssi", []), ("oracle_greedy", []),
                      ("emcm", []), ("igs", []), ("leverage", []), ("maxdet", []), ("maxdet", ["-curio_al_split", "random"]),
                      ("sld_var", ["-curio_al_mix_alpha", "0.3"])):
        outs = []
        for np_ in (1, 2):
            o = os.path.join(a.dir, f"ranks_{st}{len(extra)}_np{np_}.h5")
            active(a, np_, inp, o, "-curio_al_strategy", st, "-curio_al_seed", "7", "-curio_al_budget", "40", "-curio_al_batch", "3", *extra)
            outs.append(contents(o))
        for k in ("selected/index", "selected/round", "selected/y", "rounds/n_labeled"):
            assert np.array_equal(outs[0][k], outs[1][k]), f"{st}: {k} differs between 1 and 2 ranks"
        same(outs[0], outs[1], f"{st}: 1 vs 2 ranks", rtol=1e-10)
    # logistic loss (Newton, warm starts)
    inp = os.path.join(a.dir, "ranks_logit.h5")
    make_input(inp, "--m", "120", "--seed", "2", "--loss", "logistic")
    for st in ("sld", "oracle_greedy", "emcm", "maxdet"):
        outs = []
        for np_ in (1, 2):
            o = os.path.join(a.dir, f"ranks_logit_{st}_np{np_}.h5")
            active(a, np_, inp, o, "-curio_loss", "logistic", "-curio_al_strategy", st, "-curio_al_budget", "30", "-curio_al_retune_every", "0",
                   "-curio_s", "0.5")
            outs.append(contents(o))
        assert np.array_equal(outs[0]["selected/index"], outs[1]["selected/index"]), f"logistic {st}: selections differ between 1 and 2 ranks"
        same(outs[0], outs[1], f"logistic {st}: 1 vs 2 ranks", rtol=1e-10)
    # a pool of 15 rows each repeated 4 times (row i = rows i + 15, i + 30, i + 45): the copies' scores differ by the
    # rounding of their position in a rank's block, and a tie goes to the smaller index at any rank count; then a pool
    # whose last rows are all zero (leverage scores -Inf there, no intercept) on a rank that runs out of candidates
    rng = np.random.default_rng(4)
    X0 = rng.standard_normal((15, 3))
    y0 = X0 @ [1, -1, 0.5] + 0.3 * np.sin(3 * X0[:, 0]) + 0.05 * rng.standard_normal(15)
    T = rng.standard_normal((30, 3))
    dup = os.path.join(a.dir, "ranks_dup.h5")
    with h5py.File(dup, "w") as f:
        f["candidates/X"], f["candidates/y"], f["test/X"], f["test/y"] = np.vstack([X0] * 4), np.tile(y0, 4), T, T @ [1, -1, 0.5]
    Xz = rng.standard_normal((20, 2))
    Xz[10:] = 0
    zero = os.path.join(a.dir, "ranks_zero.h5")
    with h5py.File(zero, "w") as f:
        f["candidates/X"], f["candidates/y"], f["test/X"], f["test/y"] = Xz, Xz @ [1.0, -0.5], T[:15, :2], T[:15, :2] @ [1.0, -0.5]
    for inp, st, extra in ((dup, "sld", ["-curio_intercept"]), (dup, "sld_batch", ["-curio_intercept"]), (dup, "emcm", ["-curio_intercept"]),
                           (zero, "leverage", ["-curio_al_seed", "1", "-curio_al_split", "random"])):
        sel = []
        for np_ in (1, 2, 4):
            o = os.path.join(a.dir, f"ranks_{os.path.basename(inp)[:-3]}_{st}_np{np_}.h5")
            run(a, np_, "-curio_mode", "active", "-curio_input", inp, "-curio_output", o, "-curio_al_strategy", st, "-curio_al_budget",
                "20" if inp == zero else "40", "-curio_al_batch", "3", "-curio_al_seed_size", "2" if inp == zero else "6", "-curio_s", "0.5",
                "-curio_al_retune_every", "0", *extra)
            with h5py.File(o) as f:
                sel.append(f["selected/index"][:])
        assert all(np.array_equal(sel[0], x) for x in sel[1:]), f"{os.path.basename(inp)} {st}: selections differ across 1, 2, 4 ranks: {sel}"
        if inp == dup:  # after the seed set, the first copy of a row is picked before its later copies
            first = {}
            for i in sel[0][6:]:
                first.setdefault(i % 15, []).append(i)
            assert all(v == sorted(v) for v in first.values()), f"dup {st}: a later copy picked before an earlier one: {sel[0]}"
    print("ranks: 1 and 2 ranks agree (selections exactly, curves to 1e-10); duplicate rows and -Inf scores at 1, 2, 4 ranks")


def case_restart(a):
    """-curio_al_stop_after 3, then -curio_restart: the same file as an uninterrupted run, bitwise"""
    inp = os.path.join(a.dir, "restart_in.h5")
    make_input(inp, "--m", "140", "--seed", "11")
    logit = os.path.join(a.dir, "restart_logit.h5")
    make_input(logit, "--m", "120", "--seed", "4", "--loss", "logistic", "--train", "8")
    cases = (("sld_batch", inp, ["-curio_al_retune_every", "2"]), ("gsx", inp, []), ("random", inp, []),
             ("sti", logit, ["-curio_loss", "logistic", "-curio_al_retune_every", "0", "-curio_s", "0.3"]))
    for st, src, extra in cases:
        full, part, cont = (os.path.join(a.dir, f"restart_{st}_{w}.h5") for w in ("full", "part", "cont"))
        opts = ["-curio_al_strategy", st, "-curio_al_budget", "35", "-curio_al_batch", "3", *extra]
        active(a, a.np, src, full, *opts)
        active(a, a.np, src, part, *opts, "-curio_al_stop_after", "3")
        with h5py.File(part) as f:
            assert f.attrs["completed"] == 0 and len(f["rounds/n_labeled"]) == 3, "stop_after 3 should leave 3 rows"
        active(a, a.np, src, cont, *opts, "-curio_restart", part)
        c_full, c_cont = contents(full), contents(cont)
        assert c_full["@completed"] == 1
        same(c_full, c_cont, f"{st}: restarted vs uninterrupted")
        if st != "sld_batch":
            continue
        # a restart file of another strategy / seed is refused, naming the file and the mismatch
        r = active(a, a.np, src, cont + "x", *opts[:0], "-curio_al_strategy", "var" if st != "var" else "sld", *opts[2:], "-curio_restart", part, expect_fail=True)
        assert part in r.stderr and "strategy" in r.stderr, r.stderr
        r = active(a, a.np, src, cont + "x", *opts, "-curio_al_seed", "5", "-curio_restart", part, expect_fail=True)
        assert part in r.stderr and "seed" in r.stderr, r.stderr
        assert not os.path.exists(cont + "x")
    print("restart: stop after 3 rounds + restart reproduces the uninterrupted run bitwise; mismatching restarts refused")


def case_harness(a):
    """oracle_greedy (greedy on the true test error, reads every label) beats random on the area under the learning
    curve by more than 3 standard errors of the paired difference over 8 seeds"""
    inp = os.path.join(a.dir, "harness_in.h5")
    make_input(inp, "--m", "200", "--seed", "8", "--noise", "0.05", "--nonlinear", "0", "--d", "6")
    auc = {}
    for st in ("oracle_greedy", "random"):
        auc[st] = []
        for seed in range(8):
            o = os.path.join(a.dir, f"harness_{st}_{seed}.h5")
            active(a, a.np, inp, o, "-curio_al_strategy", st, "-curio_al_seed", str(seed), "-curio_al_seed_size", "8", "-curio_al_budget", "32", "-curio_al_batch", "3")
            with h5py.File(o) as f:
                assert f.attrs["reads_all_labels"] == (st == "oracle_greedy")
                e, n = f["rounds/test_error"][:], f["rounds/n_labeled"][:]
                assert len(f["rounds/s_at_boundary"][:]) == len(n) and set(f["rounds/s_at_boundary"][:]) <= {0, 1}
                auc[st].append(np.trapz(e, n) / (n[-1] - n[0]))
    diff = np.array(auc["oracle_greedy"]) - np.array(auc["random"])
    se = diff.std(ddof=1) / np.sqrt(len(diff))
    mo, mr = np.mean(auc["oracle_greedy"]), np.mean(auc["random"])
    print(f"harness: mean normalized AUC oracle_greedy {mo:.4f}, random {mr:.4f}; paired difference {diff.mean():.4f} +- {se:.4f} (s.e.)")
    assert diff.mean() < -3 * se, "oracle_greedy should beat random by more than 3 standard errors of the paired difference"


def case_boundary(a):
    """/rounds/s_at_boundary marks the rows whose LOOCV optimum is an end of the grid (checked against /rounds/s), 0 on
    rows without re-tuning; the loop prints no grid-boundary warning, the fit mode still does"""
    inp = os.path.join(a.dir, "boundary_in.h5")
    make_input(inp, "--m", "120", "--seed", "6", "--train", "12")
    grid = ["-curio_loocv_ns", "7", "-curio_loocv_smin", "1e-3", "-curio_loocv_smax", "3e-1"]
    out = os.path.join(a.dir, "boundary.h5")
    r = run(a, a.np, "-curio_mode", "active", "-curio_input", inp, "-curio_output", out, *grid, "-curio_al_strategy", "sld", "-curio_al_budget", "62",
            "-curio_al_batch", "5", "-curio_al_retune_every", "2")
    assert "WARNING" not in r.stdout + r.stderr, r.stdout + r.stderr
    with h5py.File(out) as f:
        s, b = f["rounds/s"][:], f["rounds/s_at_boundary"][:]
    assert b.dtype == np.int64 and len(b) == len(s) == 11, (b.dtype, len(b), len(s))
    retuned = np.arange(len(s)) % 2 == 0
    at_end = np.isclose(s, 1e-3, rtol=1e-12) | np.isclose(s, 3e-1, rtol=1e-12)
    assert np.array_equal(b, (retuned & at_end).astype(np.int64)), (s, b)
    assert b.any() and (retuned & ~at_end).any(), f"the data should give both boundary and interior optima: s = {s}"
    r = run(a, a.np, "-curio_input", inp, "-curio_output", os.path.join(a.dir, "boundary_fit.h5"), "-curio_loocv_ns", "5", "-curio_loocv_smin", "1e2",
            "-curio_loocv_smax", "1e3")
    assert "WARNING the LOOCV minimum is at the lower end of the grid" in r.stdout, r.stdout
    print(f"boundary: s_at_boundary = {list(b)} matches the rows whose s is an end of the grid; no warning in the loop, fit mode warns")


M64 = (1 << 64) - 1


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def uniform(seed, stream, index):
    """CurioRandomUniform (src/data/random.c), reimplemented"""
    z = mix64((seed * 0x9E3779B97F4A7C15 + mix64((stream + 0x632BE59BD9B4E019) & M64) + index) & M64)
    return ((z >> 11) + 0.5) / 9007199254740992.0


def topk(score, k):
    """largest first, ties to the smaller index, NaN never"""
    idx = [i for i in np.argsort(-score, kind="stable") if not np.isnan(score[i])]
    return idx[:k]


def seed_set(yP, seed, n0, stratify):
    """the random seed set (largest deviates of stream 0); stratified: round(n0 c1 / n) of class 1 (at least one of
    each class), each class's largest deviates, class 1 first"""
    u = np.array([uniform(seed, 0, i) for i in range(len(yP))])
    if not stratify:
        return topk(u, n0)
    c1 = int(np.sum(yP == 1))
    q1 = int(np.floor(n0 * c1 / len(yP) + 0.5))
    q1 = max(q1, 1) if c1 > 0 else q1
    q1 = min(q1, n0 - 1) if len(yP) - c1 > 0 else q1
    q1 = min(q1, c1)
    return topk(np.where(yP == 1, u, np.nan), q1) + topk(np.where(yP == 0, u, np.nan), n0 - q1)


def numpy_loop(strategy, P, yP, T, yT, Xraw, s, seed, n0, k, B, loss="squared", wP=None):
    """one active-learning loop, squared loss, ridge on [1, x], fixed s, from scratch: every strategy's score by its
    definition (MATH.md section 4), sld_batch by explicit refactorization instead of Sherman-Morrison"""
    L = seed_set(yP, seed, n0, loss == "logistic")
    errs, nl, rnd, row, best, scores = [], [], [0] * n0, 0, [], []
    d = P.shape[1]
    while True:
        X, y = P[L], yP[L]
        W = np.ones(len(L)) if wP is None else wP[L]
        if loss == "squared":
            H = X.T @ (X * W[:, None]) + s * np.eye(d)
            theta = np.linalg.solve(H, X.T @ (W * y))
            var = np.full(len(P), np.mean((y - X @ theta) ** 2))  # Var(y given x) = sigma^2
            curv = np.ones(len(P))
            errs.append(np.sqrt(np.mean((yT - T @ theta) ** 2)))
        elif loss == "poisson":  # Newton's method to convergence; Var(y given x) = mu = the curvature
            theta = np.zeros(d)
            for _ in range(100):
                mu = np.exp(X @ theta)
                H = X.T @ (X * (W * mu)[:, None]) + s * np.eye(d)
                step = np.linalg.solve(H, X.T @ (W * (mu - y)) + s * theta)
                theta -= step
                if np.linalg.norm(step) < 1e-15 * (1 + np.linalg.norm(theta)):
                    break
            H = X.T @ (X * (W * np.exp(X @ theta))[:, None]) + s * np.eye(d)
            var = curv = np.exp(P @ theta)
            eta = T @ theta
            errs.append(np.mean(np.exp(eta) - yT * eta))
        else:  # logistic: Newton's method to convergence
            theta = np.zeros(d)
            for _ in range(100):
                mu = 1 / (1 + np.exp(-X @ theta))
                H = X.T @ (X * (mu * (1 - mu))[:, None]) + s * np.eye(d)
                step = np.linalg.solve(H, X.T @ (mu - y) + s * theta)
                theta -= step
                if np.linalg.norm(step) < 1e-15 * (1 + np.linalg.norm(theta)):
                    break
            mu = 1 / (1 + np.exp(-X @ theta))
            H = X.T @ (X * (mu * (1 - mu))[:, None]) + s * np.eye(d)
            muP = 1 / (1 + np.exp(-P @ theta))
            var = curv = muP * (1 - muP)
            eta = T @ theta
            errs.append(np.mean(np.logaddexp(0, eta) - yT * eta))
        tdot = -np.linalg.solve(H, theta)  # grad R = theta for ridge
        if wP is not None:  # a pick enters H with its weight (maxdet, sld_batch)
            curv = curv * wP
        nl.append(len(L))
        if len(L) >= B:
            break
        kk = min(k, B - len(L))
        unl = np.ones(len(P), bool)
        unl[L] = False
        Hinv = np.linalg.inv(H)
        if strategy in ("sld", "sld_batch"):
            score = var * (P @ tdot) ** 2
        elif strategy == "sti":  # T = labeled + unlabeled pool, c = w (docs/math.md section 4)
            wU = np.ones(len(P)) if wP is None else wP
            score = (P @ np.linalg.solve(H, X.T @ W + P[unl].T @ wU[unl])) ** 2
        elif strategy == "ssi":  # c^2 = w^2
            wU = np.ones(len(P)) if wP is None else wP
            A = X.T @ (X * (W**2)[:, None]) + P[unl].T @ (P[unl] * (wU[unl] ** 2)[:, None])
            score = np.einsum("ij,jk,ki->i", P, Hinv @ A @ Hinv, P.T)
        elif strategy == "var":
            score = np.einsum("ij,jk,ki->i", P, Hinv, P.T)
        elif strategy == "random":
            score = np.array([uniform(seed, 1 + row, i) for i in range(len(P))])
        elif strategy == "oracle_greedy":
            score = np.zeros(len(P))  # chosen below, one point at a time
        elif strategy == "gsx":
            score = np.min(np.linalg.norm(Xraw[:, None, :] - Xraw[None, L, :], axis=2), axis=1)
        elif strategy == "leverage":  # ridge leverage of the whole pool, Efraimidis-Spirakis keys log(u) / h
            h = np.einsum("ij,jk,ik->i", P, np.linalg.inv(P.T @ P + s * np.eye(d)), P)
            score = np.log([uniform(seed, (1 << 42) + row, i) for i in range(len(P))]) / h
        elif strategy == "emcm":  # 4 bootstrap models (Newton to convergence from theta*), |phi| mean |h - h_z|
            mean = (lambda e: e) if loss == "squared" else (lambda e: 1 / (1 + np.exp(-e)))
            acc = np.zeros(len(P))
            for z in range(4):
                t = [min(int(np.floor(uniform(seed, (1 << 41) + 64 * row + z, j) * len(L))), len(L) - 1) for j in range(len(L))]
                Xb, yb, tz = X[t], y[t], theta.copy()
                for _ in range(50):
                    if loss == "squared":
                        g, Hb = Xb.T @ (Xb @ tz - yb) + s * tz, Xb.T @ Xb + s * np.eye(d)
                    else:
                        mb = 1 / (1 + np.exp(-Xb @ tz))
                        g, Hb = Xb.T @ (mb - yb) + s * tz, Xb.T @ (Xb * (mb * (1 - mb))[:, None]) + s * np.eye(d)
                    step = np.linalg.solve(Hb, g)
                    tz = tz - step
                    if loss == "squared" or np.linalg.norm(step) <= 1e-12 * (1 + np.linalg.norm(tz)):
                        break
                acc += np.abs(mean(P @ theta) - mean(P @ tz))
            score = np.linalg.norm(P, axis=1) * acc / 4
        elif strategy in ("igs", "maxdet"):
            mean = (lambda e: e) if loss == "squared" else (lambda e: 1 / (1 + np.exp(-e)))
            f = mean(P @ theta)
            if strategy == "igs":
                score = np.min(np.linalg.norm(Xraw[:, None, :] - Xraw[None, L, :], axis=2) * np.abs(f[:, None] - y[None, :]), axis=1)
            else:
                score = curv * np.einsum("ij,jk,ik->i", P, Hinv, P)
        elif strategy == "sld_var":  # weighted geometric mean SLD^0.5 VAR^0.5 (curvature-weighted VAR), as logs
            score = 0.5 * np.log(var * (P @ tdot) ** 2) + 0.5 * np.log(curv * np.einsum("ij,jk,ik->i", P, Hinv, P))
        score[~unl] = np.nan
        scores.append(score.copy())
        if strategy == "gsx":
            new = []
            for _ in range(kk):
                j = topk(score, 1)[0]
                new.append(j)
                score = np.minimum(score, np.linalg.norm(Xraw - Xraw[j], axis=1))
                score[j] = np.nan
        elif strategy == "igs":  # a pick enters the reference set with its prediction as label
            new = []
            for _ in range(kk):
                j = topk(score, 1)[0]
                new.append(j)
                score = np.minimum(score, np.linalg.norm(Xraw - Xraw[j], axis=1) * np.abs(f - f[j]))
                score[new] = np.nan
        elif strategy == "maxdet":  # explicit refactorization of H + c_j phi_j phi_j^T instead of Sherman-Morrison
            new, Ht = [], H.copy()
            for _ in range(kk):
                j = topk(score, 1)[0]
                new.append(j)
                Ht += curv[j] * np.outer(P[j], P[j])
                score = curv * np.einsum("ij,jk,ik->i", P, np.linalg.inv(Ht), P)
                score[~unl] = np.nan
                score[new] = np.nan
        elif strategy == "sld_batch":
            new, Ht = [], H.copy()
            for _ in range(kk):
                j = topk(score, 1)[0]
                new.append(j)
                Ht += curv[j] * np.outer(P[j], P[j])  # the pick's curvature l'', label unknown, theta fixed
                score = var * (P @ -np.linalg.solve(Ht, theta)) ** 2
                score[~unl] = np.nan
                score[new] = np.nan
        elif strategy == "oracle_greedy":
            new, first = [], None
            Ht, th = H.copy(), theta.copy()  # logistic: the state after the earlier picks' Newton steps
            for _ in range(kk):
                err = np.full(len(P), np.nan)
                for j in np.flatnonzero(unl):
                    if j in new:
                        continue
                    if loss == "squared":  # brute force: refit from scratch with (x_j, y_j) added with its weight, test RMSE
                        Lj = L + new + [j]
                        Wj = np.ones(len(Lj)) if wP is None else wP[Lj]
                        tj = np.linalg.solve(P[Lj].T @ (P[Lj] * Wj[:, None]) + s * np.eye(d), P[Lj].T @ (Wj * yP[Lj]))
                        err[j] = np.sqrt(np.mean((yT - T @ tj) ** 2))
                    else:  # one Newton step from the current state with (x_j, y_j) added, test log-loss
                        mj = 1 / (1 + np.exp(-P[j] @ th))
                        tj = th - np.linalg.solve(Ht + mj * (1 - mj) * np.outer(P[j], P[j]), (mj - yP[j]) * P[j])
                        eta = T @ tj
                        err[j] = np.mean(np.logaddexp(0, eta) - yT * eta)
                j = topk(-err, 1)[0]
                first = err[j] if first is None else first
                new.append(j)
                if loss != "squared":
                    mj = 1 / (1 + np.exp(-P[j] @ th))
                    Ht = Ht + mj * (1 - mj) * np.outer(P[j], P[j])
                    th = th - np.linalg.solve(Ht, (mj - yP[j]) * P[j])
            best.append(first)
        else:
            new = topk(score, kk)
        L += new
        row += 1
        rnd += [row] * len(new)
    return L, rnd, nl, errs, theta, tdot, best, scores


def check_scores(f, scores, what, rtol=1e-10):
    """/rounds/score_max and score_mean against the numpy scores of every row but the last (over the unlabeled pool)"""
    smax = [np.nanmax(x) for x in scores]
    smean = [np.nanmean(x) for x in scores]
    assert np.allclose(f["rounds/score_max"][:-1], smax, rtol=rtol, atol=0), (what, f["rounds/score_max"][:], smax)
    assert np.allclose(f["rounds/score_mean"][:-1], smean, rtol=rtol, atol=0), (what, f["rounds/score_mean"][:], smean)


def case_numpy(a):
    """each strategy's loop (squared loss, fixed s) reimplemented in numpy: selections and test errors"""
    inp = os.path.join(a.dir, "numpy_in.h5")
    make_input(inp, "--m", "130", "--seed", "13", "--d", "5")
    s, seed, n0, k, B = 0.7, 3, 7, 4, 39
    with h5py.File(inp) as f:
        Xraw, yP, T, yT = f["candidates/X"][:], f["candidates/y"][:], f["test/X"][:], f["test/y"][:]
    P = np.hstack([np.ones((len(Xraw), 1)), Xraw])
    T = np.hstack([np.ones((len(T), 1)), T])
    for st in ("sld", "sti", "ssi", "var", "random", "gsx", "sld_batch", "oracle_greedy", "emcm", "igs", "leverage", "maxdet", "sld_var"):
        out = os.path.join(a.dir, f"numpy_{st}.h5")
        active(a, a.np, inp, out, "-curio_al_strategy", st, "-curio_al_retune_every", "0", "-curio_s", str(s), "-curio_al_seed", str(seed),
               "-curio_al_seed_size", str(n0), "-curio_al_batch", str(k), "-curio_al_budget", str(B), "-curio_intercept")
        L, rnd, nl, errs, theta, tdot, best, scores = numpy_loop(st, P, yP, T, yT, Xraw, s, seed, n0, k, B)
        with h5py.File(out) as f:
            assert list(f["selected/index"][:]) == L, f"{st}: selections differ:\n{list(f['selected/index'][:])}\n{L}"
            assert list(f["selected/round"][:]) == rnd
            assert np.array_equal(f["selected/y"][:], yP[L])
            assert list(f["rounds/n_labeled"][:]) == nl
            assert np.allclose(f["rounds/test_error"][:], errs, rtol=1e-10, atol=0), (f["rounds/test_error"][:], errs)
            assert np.allclose(f["model/theta"][:], theta, rtol=1e-10, atol=1e-12)
            assert np.allclose(f["model/theta_dot"][:], tdot, rtol=1e-9, atol=1e-12)
            assert np.all(f["rounds/s"][:] == s)
            assert not f["rounds/s_at_boundary"][:].any()  # s fixed: no re-tuning
            if st in ("emcm", "igs", "leverage", "maxdet", "sld", "var", "sld_var"):
                check_scores(f, scores, st)
            if st == "oracle_greedy":  # score = minus the test RMSE after adding the point: the first pick's is the max
                assert np.allclose(f["rounds/score_max"][:-1], -np.array(best), rtol=1e-10, atol=0), (f["rounds/score_max"][:], best)
    # logistic loss: Newton, Var(y given x) = mu (1 - mu), sld_batch's curvature mu (1 - mu)
    logit = os.path.join(a.dir, "numpy_logit.h5")
    make_input(logit, "--m", "110", "--seed", "17", "--d", "4", "--loss", "logistic")
    with h5py.File(logit) as f:
        Xl, yl, Tl, yTl = f["candidates/X"][:], f["candidates/y"][:], f["test/X"][:], f["test/y"][:]
    Pl, Tl = np.hstack([np.ones((len(Xl), 1)), Xl]), np.hstack([np.ones((len(Tl), 1)), Tl])
    for st in ("sld", "sld_batch", "var", "oracle_greedy", "emcm", "igs", "maxdet", "sld_var"):
        out = os.path.join(a.dir, f"numpy_logit_{st}.h5")
        active(a, a.np, logit, out, "-curio_loss", "logistic", "-curio_al_strategy", st, "-curio_al_retune_every", "0", "-curio_s", "0.4",
               "-curio_al_seed", "1", "-curio_al_seed_size", "12", "-curio_al_batch", "3", "-curio_al_budget", "30", "-curio_intercept")
        L, rnd, nl, errs, theta, tdot, best, scores = numpy_loop(st, Pl, yl, Tl, yTl, Xl, 0.4, 1, 12, 3, 30, loss="logistic")
        with h5py.File(out) as f:
            assert f.attrs["metric"] == "logloss"
            assert list(f["selected/index"][:]) == L, f"logistic {st}: selections differ:\n{list(f['selected/index'][:])}\n{L}"
            assert np.allclose(f["rounds/test_error"][:], errs, rtol=1e-9, atol=0), (f["rounds/test_error"][:], errs)
            assert np.allclose(f["model/theta_dot"][:], tdot, rtol=1e-8, atol=1e-12)
            if st in ("emcm", "igs", "maxdet", "sld_var"):
                check_scores(f, scores, "logistic " + st)
            if st == "oracle_greedy":  # minus the test log-loss after one Newton step with the point added
                assert np.allclose(f["rounds/score_max"][:-1], -np.array(best), rtol=1e-9, atol=0), (f["rounds/score_max"][:], best)
    # Poisson loss and sample weights: the loop takes what the fit mode takes
    pois = os.path.join(a.dir, "numpy_poisson.h5")
    make_input(pois, "--m", "100", "--seed", "19", "--d", "3", "--loss", "poisson")
    with h5py.File(pois) as f:
        Xq, yq, Tq, yTq = f["candidates/X"][:], f["candidates/y"][:], f["test/X"][:], f["test/y"][:]
    Pq, Tq = np.hstack([np.ones((len(Xq), 1)), Xq]), np.hstack([np.ones((len(Tq), 1)), Tq])
    wts = os.path.join(a.dir, "numpy_weights.h5")
    shutil.copy(inp, wts)
    wP = 0.5 + np.array([uniform(99, 0, i) for i in range(len(yP))])
    with h5py.File(wts, "r+") as f:
        f["candidates/weight"] = wP
    for src, loss, st, arrays, w in ((pois, "poisson", "sld", (Pq, yq, Tq, yTq, Xq), None), (pois, "poisson", "maxdet", (Pq, yq, Tq, yTq, Xq), None),
                                     (wts, "squared", "var", (P, yP, T, yT, Xraw), wP), (wts, "squared", "sld", (P, yP, T, yT, Xraw), wP),
                                     (wts, "squared", "sld_batch", (P, yP, T, yT, Xraw), wP), (wts, "squared", "maxdet", (P, yP, T, yT, Xraw), wP),
                                     (wts, "squared", "sti", (P, yP, T, yT, Xraw), wP), (wts, "squared", "ssi", (P, yP, T, yT, Xraw), wP),
                                     (wts, "squared", "oracle_greedy", (P, yP, T, yT, Xraw), wP)):
        out = os.path.join(a.dir, f"numpy_{loss}_{st}{'_w' if w is not None else ''}.h5")
        active(a, a.np, src, out, "-curio_loss", loss, "-curio_al_strategy", st, "-curio_al_retune_every", "0", "-curio_s", "0.6", "-curio_al_seed", "2",
               "-curio_al_seed_size", "10", "-curio_al_batch", "3", "-curio_al_budget", "28", "-curio_intercept")
        L, rnd, nl, errs, theta, tdot, best, scores = numpy_loop(st, *arrays[:4], arrays[4], 0.6, 2, 10, 3, 28, loss=loss, wP=w)
        with h5py.File(out) as f:
            assert list(f["selected/index"][:]) == L, f"{loss} {st} weights {w is not None}: selections differ:\n{list(f['selected/index'][:])}\n{L}"
            assert np.allclose(f["rounds/test_error"][:], errs, rtol=1e-10, atol=0), (f["rounds/test_error"][:], errs)
            assert np.allclose(f["model/theta"][:], theta, rtol=1e-10, atol=1e-12)
            if st in ("maxdet", "var", "sti", "ssi"):
                check_scores(f, scores, f"{loss} {st}")
    # sld_batch with batch 1 is sld
    o1, o2 = os.path.join(a.dir, "numpy_k1_sld.h5"), os.path.join(a.dir, "numpy_k1_sld_batch.h5")
    for st, o in (("sld", o1), ("sld_batch", o2)):
        active(a, a.np, inp, o, "-curio_al_strategy", st, "-curio_al_retune_every", "0", "-curio_s", str(s), "-curio_al_batch", "1", "-curio_al_budget", "16")
    assert np.array_equal(h5py.File(o1)["selected/index"][:], h5py.File(o2)["selected/index"][:])
    print("numpy: squared loss sld, sti, ssi, var, random, gsx, sld_batch, oracle_greedy (brute-force refits), emcm, igs, leverage, maxdet and "
          "logistic sld, sld_batch, var, oracle_greedy (explicit Newton steps), emcm, igs, maxdet (stratified seed set): selections, test errors "
          "and scores (1e-10) reproduced, sld_var too; Poisson loss (sld, maxdet) and sample weights (var, sld, sld_batch, maxdet, sti, ssi, oracle_greedy) too")


def case_study(a):
    """2 ranks, 2 sub-communicators: one file per run, completed runs skipped, part/parts partitions the runs"""
    ins = [os.path.join(a.dir, f"study_{n}.h5") for n in ("alpha", "beta")]
    make_input(ins[0], "--m", "90", "--seed", "21")
    make_input(ins[1], "--m", "80", "--seed", "22", "--d", "3")
    base = ["-curio_mode", "study", "-curio_study_inputs", ",".join(ins), "-curio_study_strategies", "sld,random", "-curio_study_seeds", "2",
            "-curio_study_ranks_per_run", "1", "-curio_al_budget", "22", "-curio_al_batch", "4", "-curio_monitor", *FAST]
    d = os.path.join(a.dir, "study_all")
    shutil.rmtree(d, ignore_errors=True)
    r = run(a, 2, *base, "-curio_study_dir", d)
    names = sorted(f"{n}__{s}__seed{k}.h5" for n in ("study_alpha", "study_beta") for s in ("random", "sld") for k in (0, 1))
    assert sorted(os.listdir(d)) == names, os.listdir(d)
    for n in names:
        with h5py.File(os.path.join(d, n)) as f:
            assert f.attrs["completed"] == 1 and f.attrs["kind"] == "active"
            ds, st, sd = n[:-3].split("__")
            assert f.attrs["dataset_name"] == ds and f.attrs["strategy"] == st and f.attrs["seed"] == int(sd[4:])
    # the seed set of a (data set, seed) is the same for every strategy, and equals the single-loop mode's
    for ds in ("study_alpha", "study_beta"):
        for k in (0, 1):
            sel = [h5py.File(os.path.join(d, f"{ds}__{s}__seed{k}.h5"))["selected/index"][:10] for s in ("random", "sld")]
            assert np.array_equal(sel[0], sel[1])
    single = os.path.join(a.dir, "study_single.h5")
    active(a, 1, ins[0], single, "-curio_al_strategy", "sld", "-curio_al_seed", "1", "-curio_al_budget", "22", "-curio_al_batch", "4", "-curio_al_split",
           "random")
    same(contents(single), contents(os.path.join(d, "study_alpha__sld__seed1.h5")), "study run vs single loop")
    assert r.stdout.count("final test RMSE") == 8, r.stdout
    mt = {n: os.stat(os.path.join(d, n)).st_mtime_ns for n in names}
    r = run(a, 2, *base, "-curio_study_dir", d)
    assert r.stdout.count("skipped") == 8 and "final test" not in r.stdout, r.stdout
    assert mt == {n: os.stat(os.path.join(d, n)).st_mtime_ns for n in names}
    # an interrupted run's output is continued
    os.remove(os.path.join(d, names[3]))
    run(a, 2, *base, "-curio_study_dir", d, "-curio_al_stop_after", "2")
    with h5py.File(os.path.join(d, names[3])) as f:
        assert f.attrs["completed"] == 0
    r = run(a, 2, *base, "-curio_study_dir", d)
    assert "(continued)" in r.stdout and r.stdout.count("skipped") == 7, r.stdout
    # Slurm array form: parts partition the sorted run list by index % parts
    seen = []
    order = sorted((n, s, k) for n in ("study_alpha", "study_beta") for s in ("random", "sld") for k in (0, 1))
    for part in range(3):
        dp = os.path.join(a.dir, f"study_part{part}")
        shutil.rmtree(dp, ignore_errors=True)
        run(a, 2, *base, "-curio_study_dir", dp, "-curio_study_part", str(part), "-curio_study_parts", "3")
        got = sorted(os.listdir(dp))
        want = sorted(f"{n}__{s}__seed{k}.h5" for j, (n, s, k) in enumerate(order) if j % 3 == part)
        assert got == want, (part, got, want)
        seen += got
        for n in got:
            same(contents(os.path.join(dp, n)), contents(os.path.join(d, n)), f"part {part}: {n}", rtol=1e-10)
    assert sorted(seen) == names
    # a run that fails (here: an oracle label that is NaN) is reported, the others complete, the study exits non-zero
    badin = os.path.join(a.dir, "study_gamma.h5")
    shutil.copy(ins[0], badin)
    with h5py.File(badin, "r+") as f:
        y = f["candidates/y"][:]
        y[::2] = np.nan
        f["candidates/y"][:] = y
    df = os.path.join(a.dir, "study_fail")
    shutil.rmtree(df, ignore_errors=True)
    r = run(a, 2, *base[:3], ",".join([badin, ins[1]]), *base[4:], "-curio_study_dir", df, expect_fail=True)
    assert "4 runs of the study failed" in r.stderr and "is NaN" in r.stderr, r.stderr
    assert r.stdout.count("FAILED") == 4 and r.stdout.count("final test RMSE") == 4, r.stdout
    assert sorted(os.listdir(df)) == [n for n in names if n.startswith("study_beta")]
    print("study: 8 runs in 2 groups, skipped on rerun, interrupted run continued, parts partition the runs, failed runs reported")


def case_protocol(a):
    """protocol v2: the run file records the seed-set size and rule, stratification, split and split seed, the s policy;
    the random split is the one of its definition (numpy); the default seed set is max(d + 1, 20); the floor of s holds;
    a study stops on a run file with other settings and reruns it with -curio_study_overwrite"""
    inp = os.path.join(a.dir, "protocol_in.h5")
    make_input(inp, "--m", "90", "--seed", "31", "--d", "3", "--ntest", "40")
    out = os.path.join(a.dir, "protocol_split.h5")
    run(a, a.np, "-curio_mode", "active", "-curio_input", inp, "-curio_output", out, "-curio_al_split", "random", "-curio_al_seed", "4",
        "-curio_al_strategy", "random", "-curio_al_budget", "30", "-curio_al_retune_every", "0", "-curio_s", "0.5", "-curio_intercept")
    with h5py.File(inp) as f:
        X = np.vstack([f["candidates/X"][:], f["test/X"][:]])
        y = np.concatenate([f["candidates/y"][:], f["test/y"][:]])
    u = np.array([uniform(4, 1 << 40, g) for g in range(len(y))])
    test = np.sort(topk(u, 40))
    pool = np.setdiff1d(np.arange(len(y)), test)
    with h5py.File(out) as f:
        assert f.attrs["split"] == "random" and f.attrs["split_seed"] == 4 and f.attrs["seed_rule"] == "max(d+1,20)", dict(f.attrs)
        assert f.attrs["seed_size"] == 20 and f.attrs["seed_stratified"] == 0 and "fixed s" in f.attrs["s_policy"]
        L = f["selected/index"][:]
        assert np.array_equal(f["selected/y"][:], y[pool[L]]), "the oracle labels must be those of the split's pool"
        P = np.hstack([np.ones((len(L), 1)), X[pool[L]]])
        T = np.hstack([np.ones((40, 1)), X[test]])
        theta = np.linalg.solve(P.T @ P + 0.5 * np.eye(4), P.T @ y[pool[L]])
        assert np.isclose(f["rounds/test_error"][-1], np.sqrt(np.mean((y[test] - T @ theta) ** 2)), rtol=1e-10)
    # LOOCV with the default grid: s never below the floor 0.01 lambda_max(G)/n, rows raised to it recorded
    out = os.path.join(a.dir, "protocol_floor.h5")
    run(a, a.np, "-curio_mode", "active", "-curio_input", inp, "-curio_output", out, "-curio_al_strategy", "sld", "-curio_al_budget", "40",
        "-curio_al_s_floor", "0.5", "-curio_intercept")
    with h5py.File(inp) as f:
        Xp = f["candidates/X"][:]
    with h5py.File(out) as f:
        L, nl, sv, fl = f["selected/index"][:], f["rounds/n_labeled"][:], f["rounds/s"][:], f["rounds/s_at_floor"][:]
        assert "floor 0.5" in f.attrs["s_policy"] and f.attrs["s_floor"] == 0.5
    for r in range(len(nl)):
        P = np.hstack([np.ones((nl[r], 1)), Xp[L[: nl[r]]]])
        floor = 0.5 * np.linalg.eigvalsh(P.T @ P)[-1] / nl[r]
        assert sv[r] >= floor * (1 - 1e-8), (r, sv[r], floor)
        assert (fl[r] == 1) == np.isclose(sv[r], floor, rtol=1e-8), (r, sv[r], floor, fl[r])
    assert fl.any(), f"a floor of 0.5 should bind in some row: s = {sv}"
    # the study: a run file written with other settings stops it, naming the setting; -curio_study_overwrite reruns it
    d = os.path.join(a.dir, "protocol_study")
    shutil.rmtree(d, ignore_errors=True)
    base = ["-curio_mode", "study", "-curio_study_inputs", inp, "-curio_study_strategies", "random", "-curio_study_seeds", "1", "-curio_study_dir", d,
            "-curio_al_batch", "5", *FAST]
    run(a, a.np, *base, "-curio_al_budget", "25")
    r = run(a, a.np, *base, "-curio_al_budget", "30", expect_fail=True)
    assert "budget" in r.stderr and "-curio_study_overwrite" in r.stderr and r.stderr.count("curio: error:") == 1, r.stderr
    r = run(a, a.np, *base, "-curio_al_budget", "30", "-curio_study_overwrite")
    with h5py.File(os.path.join(d, "protocol_in__random__seed0.h5")) as f:
        assert f.attrs["budget"] == 30 and f.attrs["completed"] == 1 and f.attrs["split"] == "random"
    # a /train seed set: the signature says so as the root attributes do; one class of a logistic seed set is warned about
    tin = os.path.join(a.dir, "protocol_train.h5")
    rng = np.random.default_rng(5)
    Xp, Xt, Xs = rng.standard_normal((40, 3)), rng.standard_normal((30, 3)), rng.standard_normal((8, 3))
    with h5py.File(tin, "w") as f:
        f["candidates/X"], f["candidates/y"] = Xp, (Xp[:, 0] > 0) * 1.0
        f["test/X"], f["test/y"] = Xt, (Xt[:, 0] > 0) * 1.0
        f["train/X"], f["train/y"] = Xs, np.ones(8)
    out = os.path.join(a.dir, "protocol_train_out.h5")
    r = active(a, a.np, tin, out, "-curio_loss", "logistic", "-curio_al_budget", "16", "-curio_al_batch", "4")
    assert r.stderr.count("curio: warning: every label of /train") == 1, r.stderr
    with h5py.File(out) as f:
        sig = dict(kv.split("=", 1) for kv in f.attrs["signature"].split(";"))
        assert f.attrs["seed_choice"] == sig["seed_choice"] == "train" and f.attrs["seed_rule"] == sig["seed_rule"] == "train", sig
        assert f.attrs["seed_size"] == int(sig["seed_size"]) == 8 and f.attrs["seed_stratified"] == int(sig["seed_stratified"]) == 0, sig
    print("protocol: split, seed rule, stratification and s policy recorded; random split and floor of s as defined; a study refuses other settings; "
          "a /train seed set recorded alike in the signature, one class of it warned about")


def case_sparse(a):
    """the pool, the test set and the seed set in curio's CSR layout, mixed with dense groups, or as LIBSVM files
    (-curio_candidates, -curio_test, -curio_input): the same loop as on the dense input, bitwise (selections, labels,
    curve, theta), for strategies that use the inputs (gsx, igs), the design (sld, maxdet), weights, a random split and
    the logistic loss; a NaN label in a LIBSVM pool is refused on reading with its file and line"""
    sys.path.insert(0, os.path.join(HERE, "..", "integration"))
    from make_input import write_group, write_libsvm
    dense = os.path.join(a.dir, "sparse_dense.h5")
    make_input(dense, "--m", "80", "--seed", "9", "--d", "5", "--ntest", "30", "--train", "12")
    groups = {}
    with h5py.File(dense, "r+") as f:  # a sparse pool: a third of the entries zero (the last column kept, so every form has 5 columns)
        for g in ("candidates", "test", "train"):
            X = f[f"{g}/X"][:]
            X[:, :-1][np.abs(X[:, :-1]) < 0.45] = 0.0
            f[f"{g}/X"][:] = X
            groups[g] = (X, f[f"{g}/y"][:])
        f["candidates/weight"] = 0.5 + (np.arange(80) % 3)
    wdense = dense.replace(".h5", "_w.h5")
    shutil.copy(dense, wdense)
    with h5py.File(dense, "r+") as f:
        del f["candidates/weight"]

    def write(path, csr_groups, weights=False):
        with h5py.File(path, "w") as f:
            for g, (X, y) in groups.items():
                write_group(f, g, "X", X, y, g in csr_groups)
            if weights:
                f["candidates/weight"] = 0.5 + (np.arange(80) % 3)
        return path
    csr_all = write(os.path.join(a.dir, "sparse_csr.h5"), ("candidates", "test", "train"))
    csr_pool = write(os.path.join(a.dir, "sparse_csrpool.h5"), ("candidates",))
    csr_w = write(os.path.join(a.dir, "sparse_csr_w.h5"), ("candidates", "test", "train"), weights=True)
    svm = {g: os.path.join(a.dir, f"sparse_{g}.svm") for g in groups}
    for g, (X, y) in groups.items():
        write_libsvm(svm[g], X, y)
    libsvm_args = ["-curio_candidates", svm["candidates"], "-curio_test", svm["test"]]

    def loop(tag, inp, extra, strategy, more):
        o = os.path.join(a.dir, f"sparse_{tag}_{strategy}.h5")
        io = ["-curio_input", inp] if inp else []
        run(a, a.np, "-curio_mode", "active", *io, *extra, "-curio_output", o, *FAST, "-curio_al_strategy", strategy, "-curio_al_budget", "32",
            "-curio_al_batch", "4", "-curio_intercept", *more)
        c = contents(o)
        c.pop("@signature")  # names the files
        return c
    n = 0
    for strategy, more in (("sld", []), ("gsx", []), ("igs", []), ("maxdet", ["-curio_al_split", "random", "-curio_al_seed", "3"]),
                           ("random", ["-curio_al_seed", "5"])):
        ref = loop("dense", dense, [], strategy, more)
        for tag, inp, extra in (("csr", csr_all, []), ("csrpool", csr_pool, []), ("libsvm", svm["train"], libsvm_args)):
            same(ref, loop(tag, inp, extra, strategy, more), f"{strategy}: {tag} vs dense")
            n += 1
    # without a seed file: the seed set drawn from the LIBSVM pool, as from the HDF5 pool without /train
    nt = os.path.join(a.dir, "sparse_dense_notrain.h5")
    shutil.copy(dense, nt)
    with h5py.File(nt, "r+") as f:
        del f["train"]
    same(loop("dense_nt", nt, [], "sld", []), loop("libsvm_nt", None, libsvm_args, "sld", []), "sld: LIBSVM without a seed file vs dense")
    same(loop("dense_w", wdense, [], "sld", []), loop("csr_w", csr_w, [], "sld", []), "sld: weighted CSR vs dense")
    n += 2
    # logistic loss on a CSR pool
    lg = os.path.join(a.dir, "sparse_logit.h5")
    make_input(lg, "--m", "70", "--seed", "4", "--d", "3", "--ntest", "30", "--loss", "logistic")
    with h5py.File(lg) as f:
        lgroups = {g: (f[f"{g}/X"][:], f[f"{g}/y"][:]) for g in ("candidates", "test")}
    lcsr = os.path.join(a.dir, "sparse_logit_csr.h5")
    with h5py.File(lcsr, "w") as f:
        for g, (X, y) in lgroups.items():
            write_group(f, g, "X", X, y, True)
    lopt = ["-curio_loss", "logistic", "-curio_al_retune_every", "0", "-curio_s", "0.5"]
    same(loop("logit_dense", lg, [], "emcm", lopt), loop("logit_csr", lcsr, [], "emcm", lopt), "logistic emcm: CSR vs dense")
    n += 1
    # a LIBSVM pool's labels are parsed with its lines (held by the oracle alone): a NaN label is refused on reading,
    # naming the file and line, even where the loop would never select its point
    o = os.path.join(a.dir, "sparse_libsvm_sld.h5")
    with h5py.File(o) as f:
        sel = f["selected/index"][:]
    X, y = groups["candidates"]
    nanpool = os.path.join(a.dir, "sparse_nanpool.svm")
    bad = int(np.setdiff1d(np.arange(len(y)), sel)[0])
    with open(nanpool, "w") as fh:
        for i, (xi, yi) in enumerate(zip(X, y)):
            fh.write(("nan" if i == bad else repr(float(yi))) + "".join(f" {j + 1}:{float(xi[j])!r}" for j in np.nonzero(xi)[0]) + "\n")
    r = run(a, a.np, "-curio_mode", "active", "-curio_input", svm["train"], "-curio_candidates", nanpool, "-curio_test", svm["test"],
            "-curio_output", o + "nan", *FAST, "-curio_al_strategy", "sld", "-curio_al_budget", "32", "-curio_al_batch", "4", "-curio_intercept",
            expect_fail=True)
    assert nanpool in r.stderr and f"line {bad + 1}" in r.stderr and r.stderr.count("curio: error:") == 1, r.stderr
    assert not os.path.exists(o + "nan")
    # LIBSVM options used wrongly: one clear error each
    out = os.path.join(a.dir, "sparse_bad.h5")
    for args, words in (([svm["candidates"]], ["-curio_candidates", "LIBSVM"]),
                        (["-curio_candidates", svm["candidates"]], ["-curio_test"]),
                        ([dense, "-curio_candidates", svm["candidates"], "-curio_test", svm["test"]], ["HDF5", "-curio_input"])):
        if args[0].startswith("-"):
            r = run(a, a.np, "-curio_mode", "active", *args, "-curio_output", out, expect_fail=True)
        else:
            r = run(a, a.np, "-curio_mode", "active", "-curio_input", *args, "-curio_output", out, expect_fail=True)
        for w in words:
            assert w in r.stderr, f"{args}: '{w}' not in: {r.stderr}"
        assert r.stderr.count("curio: error:") == 1, r.stderr
        assert not os.path.exists(out)
    print(f"sparse: {n} loops on CSR, mixed and LIBSVM inputs equal the dense loop bitwise; 3 misuses refused")


def case_bad(a):
    inp = os.path.join(a.dir, "bad_in.h5")
    make_input(inp, "--m", "50", "--seed", "1")
    noy = os.path.join(a.dir, "bad_noy.h5")
    shutil.copy(inp, noy)
    with h5py.File(noy, "r+") as f:
        del f["candidates/y"]
    wgt = os.path.join(a.dir, "bad_weight.h5")
    shutil.copy(inp, wgt)
    with h5py.File(wgt, "r+") as f:
        f["test/weight"] = np.ones(f["test/y"].shape[0])
    out = os.path.join(a.dir, "bad_out.h5")
    with open(out, "w") as fh:
        fh.write("keep")
    cases = [
        ([noy], ["/candidates/y", noy, "missing"]),
        ([inp, "-curio_al_budget", "5", "-curio_al_seed_size", "10"], ["-curio_al_budget 5", "seed set"]),
        ([inp, "-curio_al_strategy", "nosuch"], ["nosuch", "sld_batch"]),
        ([inp, "-curio_al_budget", "100"], ["-curio_al_budget 100", "50"]),
        ([inp, "-curio_al_retune_every", "0"], ["-curio_s"]),
        ([inp, "-curio_al_seed_size", "1"], ["-curio_al_seed_size 1", "at least 2"]),
        ([inp, "-curio_al_budget", "20", "-curio_restart", inp], [inp, "kind"]),
        ([wgt], [wgt, "/test/weight"]),
    ]
    if a.np == 1:  # the three the issue names; every case runs at 2 ranks (a failing MPI run takes seconds to wind down)
        cases = cases[:3]
    for args, words in cases:
        r = run(a, a.np, "-curio_mode", "active", "-curio_input", *args, "-curio_output", out, expect_fail=True)
        for w in words:
            assert w in r.stderr, f"{args}: '{w}' not in: {r.stderr}"
        assert r.stderr.count("curio: error:") == 1, r.stderr
        assert open(out).read() == "keep"
    if a.np > 1:
        r = run(a, a.np, "-curio_mode", "study", "-curio_study_inputs", inp, "-curio_study_strategies", "sld,bogus", "-curio_study_dir",
                os.path.join(a.dir, "bad_study"), expect_fail=True)
        assert "bogus" in r.stderr, r.stderr
        cases.append(None)
        # two inputs of one file name would write the same run files: refused before any run, naming both
        other = os.path.join(a.dir, "bad_study_other")
        os.makedirs(other, exist_ok=True)
        twin = os.path.join(other, os.path.basename(inp))
        shutil.copy(inp, twin)
        sdir = os.path.join(a.dir, "bad_study_twins")
        shutil.rmtree(sdir, ignore_errors=True)
        for inputs, strategies, words in (([inp, twin], "sld", [inp, twin, "data set 'bad_in'"]), ([inp], "sld,random,sld", ["'sld' is given twice"])):
            r = run(a, a.np, "-curio_mode", "study", "-curio_study_inputs", ",".join(inputs), "-curio_study_strategies", strategies,
                    "-curio_study_dir", sdir, expect_fail=True)
            assert all(w in r.stderr for w in words) and r.stderr.count("curio: error:") == 1, r.stderr
            assert not os.path.exists(sdir) or not os.listdir(sdir), os.listdir(sdir)
            cases.append(None)
        # a regular file as the study directory: one error before any run (it was one per run), the file kept
        sfile = os.path.join(a.dir, "bad_study_file")
        with open(sfile, "w") as f:
            f.write("keep")
        r = run(a, a.np, "-curio_mode", "study", "-curio_study_inputs", inp, "-curio_study_strategies", "sld,random", "-curio_al_budget", "30", "-curio_study_dir", sfile,
                expect_fail=True)
        assert r.stderr.count("curio: error:") == 1 and "-curio_study_dir" in r.stderr and "Not a directory" in r.stderr, r.stderr
        assert open(sfile).read() == "keep"
        cases.append(None)
    # a logistic pool of one class: the stratified seed set is all of that class (it once asked for the top 0 of the other)
    one = os.path.join(a.dir, "one_class.h5")
    rng = np.random.default_rng(2)
    with h5py.File(one, "w") as f:
        f["candidates/X"] = rng.standard_normal((40, 4))
        f["candidates/y"] = np.ones(40)
        f["test/X"] = Xt = rng.standard_normal((30, 4))
        f["test/y"] = (Xt[:, 0] > 0) * 1.0
    one_out = os.path.join(a.dir, "one_class_out.h5")
    run(a, a.np, "-curio_mode", "active", "-curio_input", one, "-curio_loss", "logistic", "-curio_al_budget", "30", "-curio_al_batch", "4", "-curio_output", one_out)
    with h5py.File(one_out) as f:
        assert f["rounds/n_labeled"][-1] == 30, f["rounds/n_labeled"][:]
    print(f"bad: {len(cases)} bad inputs rejected with a message naming the culprit; a one-class logistic pool runs")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("exe")
    ap.add_argument("dir")
    ap.add_argument("--np", type=int, default=1)
    ap.add_argument("--mpiexec", default="mpiexec --oversubscribe")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    globals()["case_" + a.case](a)


if __name__ == "__main__":
    main()

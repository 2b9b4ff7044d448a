#!/usr/bin/python3
"""Checks one curio output file against the numpy reference of curio_ref.py.

    /usr/bin/python3 tests/integration/check_reference.py OUT.h5 [--loocv-points K]
Exits non-zero, naming each quantity that disagrees, if any relative difference exceeds its tolerance."""
import argparse
import sys

import numpy as np

import curio_ref as ref


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("output")
    ap.add_argument("--tol", type=float, default=1e-9, help="relative tolerance for theta, theta_dot and scores")
    ap.add_argument("--loocv-tol", type=float, default=1e-8, help="relative tolerance for the LOOCV curves")
    ap.add_argument("--loocv-points", type=int, default=12, help="grid points checked by brute force")
    a = ap.parse_args()
    f = ref.load(a.output)
    P = ref.design(f, "train")
    y, w = f["train/y"][:], f["train/weight"][:]
    s = float(f["model/s"][()])
    msk = ref.mask(f, P.shape[1])
    loss = f["model"].attrs["loss"]
    c = ref.center(f, P.shape[1])
    failures = []

    def check(name, got, want, tol):
        e = ref.rel(got, want)
        status = "ok" if e <= tol else "FAIL"
        print(f"{status:4} {name:28} rel. difference {e:.2e} (tolerance {tol:.0e})")
        if e > tol:
            failures.append(name)

    H, th = ref.fit(P, y, w, s, msk, loss, c)
    check("model/theta", f["model/theta"][:], th, a.tol)
    check("model/theta_dot", f["model/theta_dot"][:], -np.linalg.solve(H, msk * (th - c)), a.tol)
    if "scores" in f:
        Pc = ref.design(f, "candidates")
        want = ref.scores(f, P, y, w, s, msk, Pc, loss, c)
        # every score the file has; a run without -curio_scores (all by default) must have every one
        listed = "-curio_scores" in str(f.attrs.get("options", ""))
        g = f["scores"]
        for k in ("f", "mean", "fdot", "sld", "sld_expected", "sti_labeled", "sti_unlabeled", "ssi_labeled", "ssi_unlabeled", "var"):
            if k in g:
                check(f"scores/{k}", g[k][:], want[k], a.tol)
            elif not listed:
                print(f"FAIL scores/{k} missing")
                failures.append(f"scores/{k}")
        if "sld_labeled" in g:
            yc = ref.input_labels(f, "candidates")
            dlc = ref.loss_derivs(loss, Pc @ ref.fit(P, y, w, s, msk, loss, c)[1], yc)[1]
            check("scores/sld_labeled", g["sld_labeled"][:], dlc**2 * want["sld"], a.tol)
        if "f_shifted" in g or not listed:
            delta = float(g.attrs["delta"])
            _, ths = ref.fit(P, y, w, s + delta, msk, loss, c)
            check("scores/f_shifted", g["f_shifted"][:], Pc @ ths, a.tol)
            if "fdot_fd" in g or not listed:  # its definition, from curio's own f and f_shifted
                check("scores/fdot_fd", g["fdot_fd"][:], (g["f_shifted"][:] - g["f"][:]) / delta, 1e-12)
    if "loocv" in f and loss != "squared":
        # approximate LOOCV (eq. 44) from its definition, with numpy's own Newton fits and hat values
        grid = f["loocv/s"][:]
        pick = np.unique(np.linspace(0, len(grid) - 1, min(a.loocv_points, len(grid))).astype(int))
        want = []
        for j in pick:
            Hs, ths = ref.fit(P, y, w, grid[j], msk, loss, c)
            lj, dlj, _ = ref.loss_derivs(loss, P @ ths, y)
            h = w * np.einsum("ij,ij->i", P, np.linalg.solve(Hs, P.T).T)
            want.append(2 * np.mean(lj + dlj**2 * h - ref.saturated(loss, y)))  # the mean deviance
        e = float(np.max(np.abs(f["loocv/approx"][:][pick] - want) / np.abs(want)))
        print(f"{'ok' if e <= a.loocv_tol else 'FAIL':4} {'loocv/approx':28} max rel. difference {e:.2e} over {len(pick)} grid points (numpy Newton)")
        if e > a.loocv_tol:
            failures.append("loocv/approx")
    elif "loocv" in f:
        grid = f["loocv/s"][:]
        pick = np.unique(np.linspace(0, len(grid) - 1, a.loocv_points).astype(int))
        got = np.array([[f["loocv/exact"][j], f["loocv/approx"][j], f["loocv/gcv"][j]] for j in pick])
        want = np.array([ref.curves(P, y - P @ c, w, grid[j], msk) for j in pick])
        # Each curve is a mean of squared residuals r = y - Phi theta*(s). Where s is small the residuals are a small
        # difference of large terms, and any backward-stable computation of them (curio's or numpy's) carries a relative
        # error up to about eps cond(H) |y| / |r|: the tolerance of a grid point is that bound (4x, at least --loocv-tol)
        tol = np.empty(len(pick))
        for k, j in enumerate(pick):
            Hs, ths = ref.fit(P, y - P @ c, w, grid[j], msk)
            rn = np.linalg.norm(y - P @ c - P @ ths)
            tol[k] = max(a.loocv_tol, 4 * np.finfo(float).eps * np.linalg.cond(Hs) * np.linalg.norm(y - P @ c) / max(rn, np.finfo(float).tiny))
        for col, name in enumerate(("exact", "approx", "gcv")):
            # relative per grid point: the curves span decades
            rel = np.abs(got[:, col] - want[:, col]) / np.abs(want[:, col])
            e, worst = np.max(rel / tol), int(np.argmax(rel / tol))
            status = "ok" if e <= 1 else "FAIL"
            print(f"{status:4} {'loocv/' + name:28} max rel. difference {np.max(rel):.2e} over {len(pick)} grid points (brute force); "
                  f"worst against its tolerance: {rel[worst]:.2e} <= {tol[worst]:.1e}")
            if e > 1:
                failures.append("loocv/" + name)
        sopt = float(f["loocv/s_opt"][()])
        ex = f["loocv/exact"][:]
        cv_opt = ref.curves(P, y - P @ c, w, sopt, msk)[0]
        ok = cv_opt <= np.min(ex) * (1 + 1e-12)
        print(f"{'ok' if ok else 'FAIL':4} loocv/s_opt                  CV(s_opt) = {cv_opt:.6e} <= grid minimum {np.min(ex):.6e}")
        if not ok:
            failures.append("loocv/s_opt")
        if f["model/s"].attrs["source"] == "loocv" and abs(s - sopt) > 1e-14 * sopt:
            failures.append("model/s != loocv/s_opt")
    if "loocv" in f and "kfold" in f["loocv"]:
        # brute-force K-fold by numpy refits (row i in fold i mod K), at a few grid points
        K, grid, got = int(f["loocv/kfold"].attrs["folds"]), f["loocv/s"][:], f["loocv/kfold"][:]
        pick = np.unique(np.linspace(0, len(grid) - 1, min(4, len(grid))).astype(int))
        want = []
        for j in pick:
            held = np.empty(len(y))
            for k in range(K):
                wk = np.where(np.arange(len(y)) % K == k, 0.0, w)
                _, thk = ref.fit(P, y, wk, grid[j], msk, loss, c)
                fold = np.arange(len(y)) % K == k
                held[fold] = ref.loss_derivs(loss, P[fold] @ thk, y[fold])[0]
            want.append(2 * np.mean(held - ref.saturated(loss, y)))  # mean deviance: squared loss, the mean squared error
        e = float(np.max(np.abs(got[pick] - want) / np.abs(want)))
        print(f"{'ok' if e <= a.loocv_tol else 'FAIL':4} {'loocv/kfold':28} max rel. difference {e:.2e} ({K} folds, numpy refits)")
        if e > a.loocv_tol:
            failures.append("loocv/kfold")
        if K == len(y) and loss == "squared":
            e = float(np.max(np.abs(got - f["loocv/exact"][:]) / f["loocv/exact"][:]))
            print(f"{'ok' if e <= a.loocv_tol else 'FAIL':4} {'loocv/kfold = loocv/exact':28} leave-one-out refits against the eigendecomposition formula: {e:.2e}")
            if e > a.loocv_tol:
                failures.append("loocv/kfold vs exact")
    if "selection" in f:
        score = f["scores"][f["selection"].attrs["score"]][:]
        order = sorted(range(len(score)), key=lambda i: (-score[i], i))[: len(f["selection/index"])]
        ok = list(f["selection/index"][:]) == order
        print(f"{'ok' if ok else 'FAIL':4} {'selection/index':28} top-{len(order)} by {f['selection'].attrs['score']} (ties to the smaller index)")
        if not ok:
            failures.append("selection/index")
    if "influence" in f:
        H, th = ref.fit(P, y, w, s, msk, loss, c)
        dl = ref.loss_derivs(loss, P @ th, y)[1]
        selfi = dl**2 * np.einsum("ij,ij->i", P, np.linalg.solve(H, P.T).T)
        check("influence/self", f["influence/self"][:], selfi, a.tol)
        if "test_top_index" in f["influence"]:
            Pt, yt = ref.design(f, "test"), f["test/y"][:]
            dlt = ref.loss_derivs(loss, Pt @ th, yt)[1]
            idx, val = f["influence/test_top_index"][:], f["influence/test_top_value"][:]
            I = -(dlt[: len(idx), None] * (Pt[: len(idx)] @ np.linalg.solve(H, P.T))) * dl[None, :]  # I(z_i, z'_j)
            want_idx = np.array([sorted(range(len(y)), key=lambda i: (-abs(I[j, i]), i))[: idx.shape[1]] for j in range(len(idx))])
            ok = np.array_equal(idx, want_idx)
            print(f"{'ok' if ok else 'FAIL':4} {'influence/test_top_index':28} top-{idx.shape[1]} |I(z, z')| for {len(idx)} test points")
            if not ok:
                failures.append("influence/test_top_index")
            check("influence/test_top_value", val, np.take_along_axis(I, idx, axis=1), a.tol)
            # the definition: d l(z'_0; theta*_eps)/d eps when z = the top training point is up-weighted by eps
            i0, h = int(idx[0, 0]), 1e-5
            lt = []
            for sign in (1, -1):
                wi = w.copy()
                wi[i0] += sign * h
                _, the = ref.fit(P, y, wi, s, msk, loss, c)
                lt.append(ref.loss_derivs(loss, Pt[0] @ the, yt[0])[0])
            fd = (lt[0] - lt[1]) / (2 * h)
            e = abs(fd - val[0, 0]) / abs(val[0, 0])
            print(f"{'ok' if e <= 1e-5 else 'FAIL':4} {'influence by refits':28} rel. difference {e:.2e} (reweighting the top point by +-{h})")
            if e > 1e-5:
                failures.append("influence/refit")
    if failures:
        print("disagreements: " + ", ".join(failures))
        return 1
    print(f"{a.output}: all quantities agree with the numpy reference")
    return 0


if __name__ == "__main__":
    sys.exit(main())

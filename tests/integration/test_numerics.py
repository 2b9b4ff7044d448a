#!/usr/bin/python3
"""Trustworthy numbers at the edges: each case runs curio on data at the edge of what the formulas can resolve and
checks the result against an independent reference computed here (an SVD of the rows in numpy, brute-force refits,
the data's own structure), or checks that the run refuses with a message that says what to change.

    /usr/bin/python3 tests/integration/test_numerics.py build/curio [--np 1] [--only tangent,krylov,...]

Cases (README, "Numerics at the edges"):
  tangent    n < d and collinear one-hot columns at s = 1e-6 and 1e-8: theta_dot against the SVD formula
             -V (Lambda + s)^{-2} V^T Phi^T W y (ridge), and the same for restricted and inheritance regularizers;
             the forward-error attributes and the warning
  krylov     unscaled columns (tens of thousands, thousands, an intercept; restricted): both solvers complete with
             VAR/SSI and match numpy; duplicate columns at small s on the Krylov path
  optimum    no finite optimum: Poisson with all-zero labels, logistic with one class, a column that separates the
             classes, each with an unpenalized parameter, refused with a message naming the fix
  singular   duplicate columns at s = 1e-300, a column of 1e-155 (denormal curvature), s below DBL_MIN: refused on
             both paths
  units      columns in units 1e8 apart are not refused as singular, both paths match numpy
  sigma2     /model sigma2 per loss: the response-scale residual variance for logistic and Poisson
  noise      rank-deficient Grams at a tiny s (random n < d, exactly collinear integer columns, with an intercept):
             theta_dot against the SVD formula; logistic on separable n < d rows down to s = 1e-12 against Newton in
             the row space: right, or flagged by the estimate and a warning; the exact LOOCV curve down to s = 1e-14
             where rows are fitted exactly as s -> 0 (n < d, a category seen once) against brute-force refits
  graded     a column in units 10^6 times the others (Gram eigenvalues 10^17 apart): the exact LOOCV curve against
             brute-force refits, with and without an unpenalized intercept; the same column repeated in other units
             (the row-space route): theta and theta_dot against column-scaled least squares; one-hot columns in units
             2^32 apart with an intercept (an exactly singular Gram whose scaled condition estimate is small) at s = 1e-9
  ties       a score equal for every candidate up to rounding (unlabeled STI with an unpenalized intercept): selected
             by index with a warning, at every rank count
  glm        logistic with every label 1 at s = 1e-11, Poisson with every count 0 at s = 3e-12, counts of 400 and 8000 from theta = 0 (restricted, fixed s
             and the LOOCV grid) against numpy's Newton; /test's rmse (y - mu) and log-loss or Poisson loss; a TAO type
             curio cannot use refused
  influence  n < d weighted ridge down to s = 1e-12, where the training residuals are O(s) differences of O(1) numbers:
             self-influence and top-k values against the row-space form, right or flagged by /influence@forward_error
             and a warning; n > d at s = 1e-10 against numpy
  samepoint  every training row at one point, with an intercept (a Schur complement that is all rounding noise):
             theta = (mean y, 0, ...) and theta_dot = 0 exactly (restricted), the SVD reference (ridge)
  heavyrow   a row of weight 1e6 on columns in units 1e-6 and 1e6: the exact LOOCV curve and GCV against brute-force
             weighted refits, and the s chosen
  grid       the default LOOCV grid is relative to the Gram ([1e-6 min_j G_jj, 1e3 lambda_max]/n) and finds the optimum
             of data whose scale puts it outside [1e-6, 1e2], and of data with columns in different units; curves flat
             to rounding (every fit exact, a constant label) are flagged"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

FAILED = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILED.append(what)


def write(path, X, y, w=None, cand=None):
    with h5py.File(path, "w") as f:
        f["train/X"] = X
        f["train/y"] = y
        if w is not None:
            f["train/weight"] = w
        if cand is not None:
            f["candidates/X"] = cand
    return path


class Runner:
    def __init__(self, exe, np_, tmp):
        self.exe, self.np, self.tmp, self.k = exe, np_, tmp, 0

    def __call__(self, inp, *args):
        """Runs curio on inp; returns (exit code, combined output, output path)"""
        self.k += 1
        out = os.path.join(self.tmp, "out%d.h5" % self.k)
        cmd = ["mpiexec", "--oversubscribe", "-n", str(self.np), self.exe, "-curio_input", inp, "-curio_output", out] + list(args)
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
        return r.returncode, r.stdout, out


def design(X, intercept):
    return np.hstack([np.ones((X.shape[0], 1)), X]) if intercept else X


def reference(Phi, y, w, s, mask, center):
    """theta* and theta_dot of squared loss from an SVD of the weighted rows (unpenalized columns eliminated by
    projection), independent of curio's formulation: for the penalized block, with P the projection off the
    unpenalized columns, theta_P = c_P + V (S^2 + s)^{-1} S U^T r and theta_dot_P = -V (S^2 + s)^{-2} S U^T r,
    where U S V^T is the SVD of P W^{1/2} Phi_P and r = P W^{1/2} (y - Phi c)"""
    sw = np.sqrt(w)
    A = sw[:, None] * Phi
    r = sw * (y - Phi @ center)
    pen = mask > 0
    unp = ~pen
    if unp.any():
        Q, _ = np.linalg.qr(A[:, unp])
        proj = lambda M: M - Q @ (Q.T @ M)  # noqa: E731
    else:
        proj = lambda M: M  # noqa: E731
    Ap, rp = proj(A[:, pen]), proj(r)
    U, S, Vt = np.linalg.svd(Ap, full_matrices=False)
    keep = S > S.max() * 1e-13 * max(Ap.shape)
    U, S, Vt = U[:, keep], S[keep], Vt[keep]
    beta = S * (U.T @ rp)
    theta, tdot = np.array(center, dtype=float), np.zeros(Phi.shape[1])
    theta[pen] += Vt.T @ (beta / (S**2 + s))
    tdot[pen] = -Vt.T @ (beta / (S**2 + s) ** 2)
    if unp.any():  # the unpenalized block solves its own normal equations given the penalized one
        Au = A[:, unp]
        theta[unp] = np.linalg.lstsq(Au, r + A[:, unp] @ center[unp] - A[:, pen] @ (theta[pen] - center[pen]), rcond=None)[0]
        tdot[unp] = -np.linalg.lstsq(Au, A[:, pen] @ tdot[pen], rcond=None)[0]
    return theta, tdot


def rel(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300)


def case_tangent(run, tmp):
    rng = np.random.default_rng(1)
    # n < d: 10 labeled rows, 25 features
    X = rng.standard_normal((10, 25))
    y = X @ rng.standard_normal(25) + 0.1 * rng.standard_normal(10)
    # collinear one-hot columns: 3 groups of one-hot indicators that each sum to one, plus the intercept
    g = rng.integers(0, 4, size=(30, 3))
    H = np.hstack([np.eye(4)[g[:, k]] for k in range(3)] + [rng.standard_normal((30, 2))])
    yh = H @ rng.standard_normal(H.shape[1]) + 0.1 * rng.standard_normal(30)
    cand = rng.standard_normal((20, 25))
    sets = [
        ("n<d", write(os.path.join(tmp, "wide.h5"), X, y, cand=cand), X, y, False),
        ("one-hot", write(os.path.join(tmp, "onehot.h5"), H, yh), H, yh, True),
    ]
    theta0 = os.path.join(tmp, "theta0.h5")
    for name, path, Xs, ys, icpt in sets:
        Phi = design(Xs, icpt)
        d = Phi.shape[1]
        w = np.ones(len(ys))
        regs = [("ridge", np.ones(d), np.zeros(d))]
        if icpt:
            m = np.ones(d)
            m[0] = 0
            regs.append(("restricted", m, np.zeros(d)))
        c0 = np.linspace(-0.5, 0.5, d)
        with h5py.File(theta0, "w") as f:
            f["model/theta"] = c0
        regs.append(("inherit", np.ones(d), c0))
        for solver in ("direct", "krylov"):
            for reg, mask, center in regs:
                for s in (1e-6, 1e-8):
                    args = ["-curio_s", "%g" % s, "-curio_loocv", "false", "-curio_regularizer", reg, "-curio_solver", solver]
                    if icpt:
                        args.append("-curio_intercept")
                    if reg == "inherit":
                        args += ["-curio_theta0", theta0]
                    rc, log, out = run(path, *args)
                    what = "tangent %s %s %s s=%g" % (name, reg, solver, s)
                    if rc != 0:
                        # the Krylov path may refuse instead of answering wrongly, with a message that says what helps
                        check(solver == "krylov" and "-curio_solver direct" in log, what + ": refused with advice" + ("" if solver == "krylov" else " (direct must answer)\n" + log))
                        continue
                    th, td = reference(Phi, ys, w, s, mask, center)
                    with h5py.File(out) as f:
                        ct, ctd = f["model/theta"][:], f["model/theta_dot"][:]
                        attrs = dict(f["model"].attrs)
                    et, etd = rel(ct, th), rel(ctd, td)
                    fe = attrs.get("tangent_forward_error", np.nan)
                    tol = 1e-6
                    ok = et < tol and etd < tol
                    if not ok and solver == "krylov":
                        # an answer the Krylov path cannot make accurate must say so: its error estimate and a warning
                        ok = fe >= etd / 10 and "WARNING" in log
                    check(ok, "%s: theta %.1e, theta_dot %.1e against SVD, estimate %.1e" % (what, et, etd, fe))
                    check("tangent_condition" in attrs and "tangent_forward_error" in attrs, what + ": forward-error attributes")
    case_tangent_glm(run, tmp)


def reference_poisson(Phi, y, s):
    """theta* and theta_dot of Poisson loss with ridge, by Newton's method in the row space (every step an SVD of the
    curvature-weighted rows, so nothing leaves the range of Phi^T), and theta_dot = (1/s) H^{-1} Phi^T (mu - y) from the
    SVD A = diag(sqrt(mu)) Phi = U S V^T: (1/s) V S (S^2 + s)^{-1} U^T (mu - y)/sqrt(mu)"""
    th = np.zeros(Phi.shape[1])
    for _ in range(200):
        mu = np.exp(Phi @ th)
        g = Phi.T @ (mu - y) + s * th
        _, S, Vt = np.linalg.svd(np.sqrt(mu)[:, None] * Phi, full_matrices=False)
        step = Vt.T @ ((Vt @ g) / (S**2 + s))
        th -= step
        if np.linalg.norm(step) < 1e-15 * np.linalg.norm(th):
            break
    mu = np.exp(Phi @ th)
    U, S, Vt = np.linalg.svd(np.sqrt(mu)[:, None] * Phi, full_matrices=False)
    return th, (1 / s) * Vt.T @ (S / (S**2 + s) * (U.T @ ((mu - y) / np.sqrt(mu))))


def case_tangent_glm(run, tmp):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((10, 25)) / 5
    y = rng.poisson(np.exp(0.5 * X @ rng.standard_normal(25))).astype(float) + 1
    path = write(os.path.join(tmp, "pwide.h5"), X, y)
    for s in (1e-6, 1e-8):
        th, td = reference_poisson(X, y, s)
        for solver in ("direct", "krylov"):
            rc, log, out = run(path, "-curio_s", "%g" % s, "-curio_loocv", "false", "-curio_loss", "poisson", "-curio_solver", solver)
            what = "tangent Poisson n<d %s s=%g" % (solver, s)
            if rc:
                check(False, what + ": failed\n" + log)
                continue
            with h5py.File(out) as f:
                et, etd = rel(f["model/theta"][:], th), rel(f["model/theta_dot"][:], td)
                fe = f["model"].attrs["tangent_forward_error"]
            check(et < 1e-8 and (etd < 1e-6 or (fe >= etd / 10 and "WARNING" in log)), "%s: theta %.1e, theta_dot %.1e against the SVD Newton, estimate %.1e" % (what, et, etd, fe))


def case_krylov(run, tmp):
    rng = np.random.default_rng(2)
    n = 200
    # unscaled real-world columns: one around 1e5, one in the thousands, one standardized; cond(H) ~ 1e11, ~ 1e2 after
    # Jacobi scaling. With PETSc's default divtol the H^{-1} solves for VAR/SSI stopped at "DIVERGED_DTOL".
    X = np.column_stack([rng.uniform(8e4, 2e5, n), rng.uniform(2e3, 9e3, n), rng.standard_normal(n)])
    y = X @ (1 / X.mean(0)) + rng.standard_normal(n)
    cand = X[:30] * rng.uniform(0.9, 1.1, (30, 3))
    path = write(os.path.join(tmp, "scales.h5"), X, y, cand=cand)
    Phi = design(X, True)
    d = Phi.shape[1]
    mask = np.ones(d)
    mask[0] = 0
    s = 1.0
    th, td = reference(Phi, y, np.ones(n), s, mask, np.zeros(d))
    H = Phi.T @ Phi + s * np.diag(mask)
    Hinv = np.linalg.inv(H)
    var = np.einsum("ij,jk,ik->i", design(cand, True), Hinv, design(cand, True))
    for solver in ("direct", "krylov"):
        rc, log, out = run(path, "-curio_s", "1", "-curio_loocv", "false", "-curio_intercept", "-curio_regularizer", "restricted", "-curio_solver", solver)
        check(rc == 0, "unscaled columns, %s: completes (exit %d)%s" % (solver, rc, "" if rc == 0 else "\n" + log))
        if rc:
            continue
        with h5py.File(out) as f:
            et, etd = rel(f["model/theta"][:], th), rel(f["model/theta_dot"][:], td)
            ev = rel(f["scores/var"][:], var)
        check(et < 1e-8 and etd < 1e-8 and ev < 1e-6, "unscaled columns, %s: theta %.1e, theta_dot %.1e, VAR %.1e against numpy" % (solver, et, etd, ev))
    # duplicate columns at small s: no false "did not converge"; the answer is right or the refusal says what helps
    Xd = rng.standard_normal((40, 3))
    Xd = np.column_stack([Xd, Xd[:, 0]])
    yd = Xd[:, :3] @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(40)
    pd = write(os.path.join(tmp, "dup.h5"), Xd, yd)
    th, td = reference(Xd, yd, np.ones(40), 1e-6, np.ones(4), np.zeros(4))
    rc, log, out = run(pd, "-curio_s", "1e-6", "-curio_loocv", "false", "-curio_solver", "krylov")
    if rc == 0:
        with h5py.File(out) as f:
            etd = rel(f["model/theta_dot"][:], td)
            fe = f["model"].attrs.get("tangent_forward_error", np.nan)
        check(etd < 1e-6 or (fe >= etd / 10 and "WARNING" in log), "duplicate columns, krylov, s=1e-6: theta_dot %.1e, estimate %.1e" % (etd, fe))
    else:
        check("DTOL" not in log and ("-curio_solver direct" in log or "-curio_s" in log), "duplicate columns, krylov, s=1e-6: refusal says what helps\n" + log)
    # columns in units 1e16 apart, well conditioned after the Jacobi scaling: the residual is measured in that scaling,
    # as the condition estimate is, so the estimate stays at the rounding level (it was 1e8-1e11 times too high: false
    # warnings, and a refusal on the Krylov path at s = 1e-5)
    scales = np.logspace(-8, 8, 20)
    X0 = rng.standard_normal((200, 20))
    Xs = X0 / scales
    ys = X0 @ rng.standard_normal(20) + 0.1 * rng.standard_normal(200)
    ps = write(os.path.join(tmp, "spread.h5"), Xs, ys)
    for sv in ("direct", "krylov"):
        for sreg in (1e-2, 1e-5):
            # the reference in scaled variables: theta = D z with (X0^T X0 + s D^2) z = X0^T y, H = D^-1 (...) D^-1
            Dg = np.diag(scales)
            A = X0.T @ X0 + sreg * Dg @ Dg
            th = Dg @ np.linalg.solve(A, X0.T @ ys)
            td = -Dg @ np.linalg.solve(A, Dg @ th)
            rc, log, out = run(ps, "-curio_s", repr(sreg), "-curio_loocv", "false", "-curio_scores", "none", "-curio_solver", sv)
            what = "columns 1e16 apart, %s, s=%g" % (sv, sreg)
            if rc:
                check(False, what + ": refused\n" + log)
                continue
            with h5py.File(out) as f:
                etd = rel(f["model/theta_dot"][:], td)
                fe = f["model"].attrs["tangent_forward_error"]
            check("WARNING" not in log and etd < 1e-10 and fe < 1e-9 and etd <= 10 * fe,
                  "%s: theta_dot %.1e, estimate %.1e, %s" % (what, etd, fe, "warned" if "WARNING" in log else "no warning"))
    # solves stopped short by the user's tolerance or iteration limit: the refinement never runs CG past the iteration
    # count its Lanczos arrays were sized for at setup (it wrote past them), and the estimate counts what the solves
    # reached, not what they were asked for; each run is right within its estimate, warned about, or refused
    Xk = rng.standard_normal((600, 200))
    Xk[:, :20] *= 10
    yk = Xk @ rng.standard_normal(200) + rng.standard_normal(600)
    pk = write(os.path.join(tmp, "limits.h5"), Xk, yk)
    th, td = reference(Xk, yk, np.ones(600), 1.0, np.ones(200), np.zeros(200))
    for opts in (["-curio_ksp_rtol", "1e-1", "-curio_ksp_max_it", "6"], ["-curio_ksp_rtol", "1e-3"],
                 ["-curio_train_ksp_max_it", "5", "-curio_train_ksp_converged_maxits"],
                 ["-curio_tangent_ksp_max_it", "5", "-curio_tangent_ksp_converged_maxits"]):
        rc, log, out = run(pk, "-curio_s", "1", "-curio_loocv", "false", "-curio_scores", "none", "-curio_solver", "krylov", *opts)
        what = "krylov, " + " ".join(opts)
        if rc:
            check(log.count("curio: error:") == 1 and "PETSC ERROR" not in log and "max_it" in log, what + ": one error line\n" + log)
            continue
        with h5py.File(out) as f:
            et, etd = rel(f["model/theta"][:], th), rel(f["model/theta_dot"][:], td)
            fe = f["model"].attrs["tangent_forward_error"]
        check(etd <= max(10 * fe, 1e-6) or (etd <= 10 * fe and "WARNING" in log),
              "%s: theta %.1e, theta_dot %.1e, estimate %.1e%s" % (what, et, etd, fe, ", warned" if "WARNING" in log else ""))


def case_optimum(run, tmp):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((50, 3))
    base = ["-curio_s", "1", "-curio_loocv", "false", "-curio_intercept", "-curio_regularizer", "restricted"]
    cases = [
        ("Poisson, all labels zero", write(os.path.join(tmp, "pz.h5"), X, np.zeros(50)), ["-curio_loss", "poisson"]),
        ("logistic, one class (all 1)", write(os.path.join(tmp, "l1.h5"), X, np.ones(50)), ["-curio_loss", "logistic"]),
        ("logistic, one class (all 0)", write(os.path.join(tmp, "l0.h5"), X, np.zeros(50)), ["-curio_loss", "logistic"]),
    ]
    # weights: the rows of one class all have weight zero
    yw = (X[:, 0] > 0).astype(float)
    cases.append(("logistic, weighted one class", write(os.path.join(tmp, "lw.h5"), X, yw, w=yw.copy()), ["-curio_loss", "logistic"]))
    for what, path, extra in cases:
        for solver in ("direct", "krylov"):
            rc, log, out = run(path, *(base + extra + ["-curio_solver", solver]))
            check(rc != 0 and "finite optimum" in log and "-curio_regularizer ridge" in log, "%s, %s: refused naming the fix%s" % (what, solver, "" if rc else "\n" + log))
    # a column that separates the classes, unpenalized (restricted leaves column 0 free): no finite optimum either
    xs = rng.standard_normal(50)
    Xs = np.column_stack([np.abs(xs) + 0.1, rng.standard_normal(50)])
    ys = np.ones(50)
    ys[:10] = 0
    Xs[:10, 0] = 0  # rows of class 0 have no weight on column 0: t e_0 lowers the loss of every class-1 row
    path = write(os.path.join(tmp, "sep.h5"), Xs, ys)
    rc, log, out = run(path, "-curio_s", "1", "-curio_loocv", "false", "-curio_regularizer", "restricted", "-curio_loss", "logistic")
    check(rc != 0 and "finite optimum" in log, "logistic, column 0 separates the classes: refused%s" % ("" if rc else "\n" + log))
    # with both classes (and positive Poisson labels) the same options give the optimum: brute-force check that the
    # gradient vanishes
    y = (X[:, 0] + 0.5 * rng.standard_normal(50) > 0).astype(float)
    path = write(os.path.join(tmp, "lok.h5"), X, y)
    rc, log, out = run(path, *(base + ["-curio_loss", "logistic"]))
    ok = rc == 0
    if ok:
        with h5py.File(out) as f:
            th = f["model/theta"][:]
        Phi = design(X, True)
        mu = 1 / (1 + np.exp(-Phi @ th))
        g = Phi.T @ (mu - y) + np.r_[0, th[1:]]
        ok = np.linalg.norm(g) < 1e-8
    check(ok, "logistic with both classes, restricted: finite optimum found")


def case_singular(run, tmp):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((30, 3))
    dup = write(os.path.join(tmp, "dup.h5"), np.column_stack([X, X[:, 1]]), X @ [1.0, 2.0, -1.0])
    tiny = write(os.path.join(tmp, "tiny.h5"), np.column_stack([1e-155 * rng.standard_normal(30), X]), X @ [1.0, 2.0, -1.0])
    for solver in ("direct", "krylov"):
        rc, log, _ = run(dup, "-curio_s", "1e-300", "-curio_loocv", "false", "-curio_solver", solver)
        check(rc != 0 and "-curio_s" in log, "duplicate columns at s = 1e-300, %s: refused%s" % (solver, "" if rc else "\n" + log))
        rc, log, _ = run(tiny, "-curio_s", "1e-6", "-curio_loocv", "false", "-curio_regularizer", "restricted", "-curio_solver", solver)
        check(rc != 0 and "parameter 0" in log, "a column of 1e-155, unpenalized, %s: refused naming the parameter%s" % (solver, "" if rc else "\n" + log))
        rc, log, _ = run(dup, "-curio_s", "1e-310", "-curio_loocv", "false", "-curio_solver", solver)
        check(rc != 0 and "-curio_s" in log, "s = 1e-310 (subnormal), %s: refused%s" % (solver, "" if rc else "\n" + log))
        # duplicate columns at s = 1e-14 (below the rounding level d eps max H_kk = 3e-14 here) and 1e-11: right
        # (the row-space formulation), or refused with the s that would do, never 15 orders of magnitude off
        Phi = np.column_stack([X, X[:, 1]])
        for s in (1e-14, 1e-11):
            rc, log, out = run(dup, "-curio_s", "%g" % s, "-curio_loocv", "false", "-curio_solver", solver)
            th, td = reference(Phi, X @ [1.0, 2.0, -1.0], np.ones(30), s, np.ones(4), np.zeros(4))
            what = "duplicate columns at s = %g, %s" % (s, solver)
            if rc == 0:
                with h5py.File(out) as f:
                    etd = rel(f["model/theta_dot"][:], td)
                    fe = f["model"].attrs.get("tangent_forward_error", np.nan)
                check(etd < 1e-6 or (fe >= etd / 10 and "WARNING" in log), "%s: theta_dot %.1e against SVD, estimate %.1e" % (what, etd, fe))
            else:
                check("Raise -curio_s above" in log and (s < 3e-14 or solver == "krylov"), "%s: refused with the s that would do%s" % (what, "" if s < 3e-14 else "\n" + log))


def case_units(run, tmp):
    """columns in units 1e8 apart (H_jj ratio 1e-16) are real data, not a singular H: both paths answer, and match the
    Jacobi-scaled numpy solve component by component"""
    rng = np.random.default_rng(8)
    n = 100
    X = np.column_stack([1e-4 * rng.standard_normal(n), 1e4 * rng.standard_normal(n), rng.standard_normal(n)])
    y = X @ np.array([3e3, 2e-4, 1.0]) + 0.5 * rng.standard_normal(n)
    path = write(os.path.join(tmp, "units8.h5"), X, y)
    Phi = design(X, True)
    mask = np.r_[0.0, np.ones(3)]
    s = 1e-3
    H = Phi.T @ Phi + s * np.diag(mask)
    D = 1 / np.sqrt(np.diag(H))
    Hs = D[:, None] * H * D[None, :]
    th = D * np.linalg.solve(Hs, D * (Phi.T @ y))
    td = -D * np.linalg.solve(Hs, D * (mask * th))
    for solver in ("direct", "krylov"):
        rc, log, out = run(path, "-curio_s", "%g" % s, "-curio_loocv", "false", "-curio_intercept", "-curio_regularizer", "restricted", "-curio_solver", solver)
        if rc:
            check(False, "columns in units 1e8 apart, %s: refused\n%s" % (solver, log))
            continue
        with h5py.File(out) as f:
            et = np.max(np.abs(f["model/theta"][:] - th) / np.abs(th))
            etd = np.max(np.abs(f["model/theta_dot"][:] - td) / np.abs(td))
        check(et < 1e-8 and etd < 1e-6, "columns in units 1e8 apart, %s: theta %.1e, theta_dot %.1e componentwise against numpy" % (solver, et, etd))


def scaled_ridge(A, r, s, mask):
    """argmin |A t - r|^2 + s sum_j mask_j t_j^2 and the tangent -H^{-1} (mask * t), H = A^T A + s diag(mask), from a Householder QR
    of the column-scaled augmented rows [A; sqrt(s mask)] (accurate whatever the columns' units: QR is invariant
    under column scaling)"""
    d = A.shape[1]
    M = np.vstack([A, np.diag(np.sqrt(s * mask))])
    sc = np.linalg.norm(M, axis=0)
    sc[sc == 0] = 1
    Q, R = np.linalg.qr(M / sc)
    t = np.linalg.solve(R, Q.T @ np.r_[r, np.zeros(d)]) / sc
    u = np.linalg.solve(R.T, (mask * t) / sc)
    return t, -np.linalg.solve(R, u) / sc


def exact_ridge(Phi, y, s, mask):
    """theta* and theta_dot = -H^{-1} (mask * theta*) of weighted-one squared loss in exact rational arithmetic
    (fractions.Fraction: the floats of the input are rationals): H = Phi^T Phi + s diag(mask), Gauss-Jordan"""
    from fractions import Fraction as F
    n, d = Phi.shape
    P = [[F(float(v)) for v in row] for row in Phi]
    Y = [F(float(v)) for v in y]
    sf = F(float(s))
    H = [[sum(P[i][a] * P[i][b] for i in range(n)) + (sf * F(float(mask[a])) if a == b else 0) for b in range(d)] for a in range(d)]

    def solve(rhs):
        A = [H[a][:] + [rhs[a]] for a in range(d)]
        for c in range(d):
            piv = next(r for r in range(c, d) if A[r][c] != 0)
            A[c], A[piv] = A[piv], A[c]
            for r in range(d):
                if r != c and A[r][c] != 0:
                    f = A[r][c] / A[c][c]
                    A[r] = [x - f * z for x, z in zip(A[r], A[c])]
        return [A[a][d] / A[a][a] for a in range(d)]
    th = solve([sum(P[i][a] * Y[i] for i in range(n)) for a in range(d)])
    td = solve([-F(float(mask[a])) * th[a] for a in range(d)])
    return np.array([float(v) for v in th]), np.array([float(v) for v in td])


def case_graded(run, tmp):
    rng = np.random.default_rng(5)
    n = 50
    a, c, b = rng.standard_normal(n), rng.standard_normal(n), 400 + 170 * rng.standard_normal(n)
    y = 3 * a + c + 0.01 * b + rng.standard_normal(n)
    X = np.column_stack([a, c, 1e6 * b])
    path = write(os.path.join(tmp, "graded.h5"), X, y)
    for intercept in (False, True):
        Phi = design(X, intercept)
        mask = np.r_[0.0, np.ones(3)] if intercept else np.ones(3)
        args = ["-curio_intercept", "-curio_regularizer", "restricted"] if intercept else []
        rc, log, out = run(path, *args)
        if rc:
            check(False, "graded columns, LOOCV%s: refused\n%s" % (" with intercept" if intercept else "", log))
            continue
        with h5py.File(out) as f:
            grid, exact, s_opt = f["loocv/s"][:], f["loocv/exact"][:], float(f["model/s"][()])
        worst = 0.0
        for j in range(0, len(grid), 8):
            e = [y[i] - Phi[i] @ scaled_ridge(np.delete(Phi, i, 0), np.delete(y, i), grid[j], mask)[0] for i in range(n)]
            worst = max(worst, abs(exact[j] - np.mean(np.square(e))) / np.mean(np.square(e)))
        check(worst < 1e-8, "a column 1e6 times the others%s: exact LOOCV curve against brute-force refits, %.1e (a Gram eigensolver "
              "accurate only relative to the largest eigenvalue loses the others' directions)" % (" with intercept" if intercept else "", worst))
        check(s_opt < 1e3, "a column 1e6 times the others%s: s = %.3g chosen where the informative columns keep their weight" % (" with intercept" if intercept else "", s_opt))
    # the same column in other units: collinear, so the direct path takes the row space, whose eigenvalues must be
    # accurate relative to each column's scale
    X = np.column_stack([a, b, 1e6 * b])
    path = write(os.path.join(tmp, "graded_collinear.h5"), X, y)
    for s in (1.0, 1e-2):
        rc, log, out = run(path, "-curio_s", "%g" % s, "-curio_loocv", "false", "-curio_scores", "none")
        if rc:
            check(False, "b and 1e6 b, s = %g: refused\n%s" % (s, log))
            continue
        th, td = scaled_ridge(X, y, s, np.ones(3))
        with h5py.File(out) as f:
            et, etd = rel(f["model/theta"][:], th), rel(f["model/theta_dot"][:], td)
            est = float(f["model"].attrs["tangent_forward_error"])
        check(et < 1e-9 and etd < 1e-6, "b and 1e6 b (row-space route), s = %g: theta %.1e, theta_dot %.1e against column-scaled QR" % (s, et, etd))
        check(est < 1e-6 and "WARNING" not in log, "b and 1e6 b, s = %g: a right tangent is not flagged (estimate %.1e; an unscaled condition gave 1e9)" % (s, est))
    # one-hot columns in units 2^32 apart with an unpenalized intercept: the Gram is exactly singular (the intercept is
    # a combination of the one-hot columns), but the scaled Cholesky factor's condition estimate stays small; the null
    # direction must be exact (row space), not rounding divided by s^2
    cat = np.arange(16) % 4
    Xo = np.eye(4)[cat] * np.array([2.0**20, 1.0, 2.0**-12, 1.0])
    Xo = np.hstack([Xo, rng.standard_normal((16, 1))])
    yo = rng.standard_normal(16)
    path = write(os.path.join(tmp, "graded_onehot.h5"), Xo, yo)
    Phi, mask = design(Xo, True), np.r_[0.0, np.ones(5)]
    for s in (1e-5, 1e-9):
        rc, log, out = run(path, "-curio_s", "%g" % s, "-curio_loocv", "false", "-curio_scores", "none", "-curio_intercept", "-curio_regularizer", "restricted")
        if rc:
            check(False, "one-hot in units 2^32 apart, s = %g: refused\n%s" % (s, log))
            continue
        th, td = exact_ridge(Phi, yo, s, mask)
        with h5py.File(out) as f:
            et, etd = rel(f["model/theta"][:], th), rel(f["model/theta_dot"][:], td)
            est = float(f["model"].attrs["tangent_forward_error"])
        check(et < 1e-10 and etd < 1e-10 and est < 1e-6,
              "one-hot in units 2^32 apart with an intercept, s = %g: theta %.1e, theta_dot %.1e against exact rational arithmetic (estimate %.1e)" % (s, et, etd, est))


def case_ties(run, tmp):
    """a score equal for every candidate (unlabeled STI of squared loss with an unpenalized intercept and no test set is
    phi(x) . H^{-1} sum_i w_i phi_i = phi(x) . e_0 = 1 exactly): its rounding must not rank the candidates"""
    rng = np.random.default_rng(11)
    X = rng.standard_normal((40, 3))
    path = write(os.path.join(tmp, "ties.h5"), X, X @ np.array([1.0, -2.0, 0.5]) + rng.standard_normal(40), cand=rng.standard_normal((30, 3)))
    rc, log, out = run(path, "-curio_intercept", "-curio_regularizer", "restricted", "-curio_s", "3", "-curio_loocv", "false",
                       "-curio_select_k", "5", "-curio_select_by", "sti_unlabeled")
    if rc:
        check(False, "ties: refused\n%s" % log)
        return
    with h5py.File(out) as f:
        sti, sel, score = f["scores/sti_unlabeled"][:], f["selection/index"][:], f["selection/score"][:]
    check(np.max(np.abs(sti - 1)) < 1e-12, "ties: unlabeled STI is 1 for every candidate (%.1e from it)" % np.max(np.abs(sti - 1)))
    check(list(sel) == [0, 1, 2, 3, 4] and "does not rank" in log, "ties: a score equal to rounding selects by index, with a warning (%s)" % list(sel))
    check(np.array_equal(score, sti[sel]), "ties: /selection/score holds the selected candidates' own scores")
    # a streamed pool (chunks of 7 rows) follows the same rule
    rc, log, out = run(path, "-curio_intercept", "-curio_regularizer", "restricted", "-curio_s", "3", "-curio_loocv", "false",
                       "-curio_select_k", "5", "-curio_select_by", "sti_unlabeled", "-curio_pool_chunk", "7", "-curio_scores", "sti_unlabeled")
    with h5py.File(out) as f:
        ssel, sscore, ssti = f["selection/index"][:], f["selection/score"][:], f["scores/sti_unlabeled"][:]
    check(rc == 0 and list(ssel) == [0, 1, 2, 3, 4] and np.array_equal(sscore, ssti[ssel]) and "does not rank" in log,
          "ties: a streamed pool selects the same by index, with the candidates' own scores and the warning (%s)" % list(ssel))


def case_sigma2(run, tmp):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((200, 3))
    Phi = design(X, True)
    eta_true = Phi @ np.array([0.3, 1.0, -0.5, 0.2])
    for loss, y, h in (
        ("logistic", (rng.random(200) < 1 / (1 + np.exp(-eta_true))).astype(float), lambda e: 1 / (1 + np.exp(-e))),
        ("poisson", rng.poisson(np.exp(eta_true)).astype(float), np.exp),
        ("squared", eta_true + rng.standard_normal(200), lambda e: e),
    ):
        path = write(os.path.join(tmp, "s2%s.h5" % loss), X, y)
        rc, log, out = run(path, "-curio_s", "1", "-curio_loocv", "false", "-curio_intercept", "-curio_loss", loss)
        if rc:
            check(False, "sigma2 %s: run failed\n%s" % (loss, log))
            continue
        with h5py.File(out) as f:
            th = f["model/theta"][:]
            s2 = f["model"].attrs["sigma2"]
        ref = np.mean((y - h(Phi @ th)) ** 2)
        check(abs(s2 - ref) <= 1e-10 * ref, "sigma2 %s: %.6g against the response-scale mean squared residual %.6g" % (loss, s2, ref))


def case_grid(run, tmp):
    rng = np.random.default_rng(6)
    n = 300
    # columns in the thousands: the Gram's eigenvalues are ~1e8 n, and the LOOCV optimum far above 1e2
    X = 3e3 * rng.standard_normal((n, 5))
    y = X @ (1e-4 * rng.standard_normal(5)) + rng.standard_normal(n)
    path = write(os.path.join(tmp, "big.h5"), X, y)
    rc, log, out = run(path, "-curio_scores", "false")
    check(rc == 0, "grid: default run completes")
    if rc:
        return
    with h5py.File(out) as f:
        s_opt = f["loocv/s_opt"][()]
        sgrid = f["loocv/s"][:]
        at_b = f["loocv"].attrs["at_boundary"]
    # brute-force leave-one-out by refits on a fine grid around the reported optimum
    def loo(s):
        e = 0.0
        for i in range(n):
            m = np.ones(n, bool)
            m[i] = False
            th = np.linalg.solve(X[m].T @ X[m] + s * np.eye(5), X[m].T @ y[m])
            e += 0.5 * (y[i] - X[i] @ th) ** 2
        return e / n
    G = X.T @ X
    lmax = np.linalg.eigvalsh(G)[-1]
    check(sgrid[0] <= 1e-6 * lmax / n * 1.0001 and sgrid[-1] >= 1e3 * lmax / n * 0.9999, "grid: [%.3g, %.3g] spans [1e-6, 1e3] x lambda_max/n = %.3g" % (sgrid[0], sgrid[-1], lmax / n))
    check(not at_b, "grid: the optimum is inside the default grid")
    ss = s_opt * np.array([0.8, 1.0, 1.25])
    cv = [loo(s) for s in ss]
    check(cv[1] <= min(cv) * (1 + 1e-9), "grid: s_opt = %.4g is the brute-force LOO minimum among 0.8x, 1x, 1.25x (%s)" % (s_opt, cv))
    rc, log, out = run(path, "-curio_scores", "false", "-curio_loocv_smin", "1e-6", "-curio_loocv_smax", "1e2")
    check(rc == 0 and "WARNING" in log and "upper end" in log, "grid: explicit bounds kept, boundary warning")
    # columns in different units (1e5, 1e3, 1): lambda_max belongs to the largest, the optimum to the small ones; the
    # lower end follows the smallest diagonal entry
    Xu = np.column_stack([rng.uniform(8e4, 2e5, n), rng.uniform(2e3, 9e3, n), rng.standard_normal(n)])
    yu = Xu @ np.array([2e-6, 1e-5, 0.05]) + rng.standard_normal(n)  # weak signal: shrinkage helps
    pu = write(os.path.join(tmp, "units.h5"), Xu, yu)
    rc, log, out = run(pu, "-curio_scores", "false")
    check(rc == 0, "grid, mixed units: default run completes")
    if rc:
        return
    with h5py.File(out) as f:
        s_opt, at_b = f["loocv/s_opt"][()], f["loocv"].attrs["at_boundary"]
    X = Xu

    def loo_u(s):
        e = 0.0
        for i in range(n):
            m = np.ones(n, bool)
            m[i] = False
            th = np.linalg.solve(X[m].T @ X[m] + s * np.eye(3), X[m].T @ yu[m])
            e += 0.5 * (yu[i] - X[i] @ th) ** 2
        return e / n
    cv = [loo_u(s) for s in s_opt * np.array([0.8, 1.0, 1.25])]
    check(not at_b and cv[1] <= min(cv) * (1 + 1e-9), "grid, mixed units: s_opt = %.4g inside the grid and the brute-force LOO minimum (%s)" % (s_opt, cv))
    # two rows and an unpenalized intercept: every leave-one-out fit is exact, the curve is flat to rounding; s_opt must
    # not be decided by the rounding (it was the lower end at 1 rank, an interior point at 2 and 4)
    Xf = rng.standard_normal((2, 3))
    pf = write(os.path.join(tmp, "flat.h5"), Xf, rng.standard_normal(2), w=rng.uniform(1, 2, 2))
    rc, log, out = run(pf, "-curio_intercept", "-curio_regularizer", "restricted", "-curio_loocv_ns", "9", "-curio_scores", "none")
    with h5py.File(out) as f:
        flat, sg, so, ab = f["loocv"].attrs["flat"], f["loocv/s"][:], f["loocv/s_opt"][()], f["loocv"].attrs["at_boundary"]
        ex = f["loocv/exact"][:]
    check(rc == 0 and flat == 1 and so == sg[0] and ab == 0 and "does not depend on s" in log and np.ptp(ex) <= 1e-13 * np.max(ex),
          "grid, a curve flat to rounding: flagged, s_opt the grid's first value, warned (spread %.1e)" % np.ptp(ex))
    # a constant label with an intercept: every fit reproduces it, the curve is squared rounding (about 1e-32 against
    # y^2 = 6) that varies by more than 64 eps of itself; flat as well
    Xc = rng.standard_normal((20, 3))
    pc = write(os.path.join(tmp, "constant_y.h5"), Xc, np.full(20, 2.5))
    rc, log, out = run(pc, "-curio_intercept", "-curio_regularizer", "restricted", "-curio_scores", "none")
    with h5py.File(out) as f:
        flat, sg, so, ex = f["loocv"].attrs["flat"], f["loocv/s"][:], f["loocv/s_opt"][()], f["loocv/exact"][:]
    check(rc == 0 and flat == 1 and so == sg[0] and "does not depend on s" in log and np.max(ex) < 1e-20,
          "grid, a constant label: the curve (at most %.1e) is rounding, flagged flat, s_opt the grid's first value" % np.max(ex))
    # a curve with +Inf at some s (labels of 1e152: the squares overflow at large s) is not flat: its finite part has
    # its minimum, the same as the curve of the same data at scale 1
    Xi = rng.standard_normal((60, 40))
    yi = Xi @ rng.standard_normal(40) + rng.standard_normal(60)
    got = []
    for scale in (1.0, 4e152):
        pi = write(os.path.join(tmp, "inf%g.h5" % scale), Xi, scale * yi)
        rc, log, out = run(pi, "-curio_scores", "none")
        with h5py.File(out) as f:
            got.append((f["loocv"].attrs["flat"], f["loocv/s_opt"][()], int(np.isinf(f["loocv/exact"][:]).sum())))
    check(rc == 0 and got[1][0] == 0 and got[1][2] > 0 and abs(got[1][1] - got[0][1]) <= 1e-8 * got[0][1],
          "grid, a curve with %d Inf values: not flat, s_opt %.6g as at scale 1 (%.6g)" % (got[1][2], got[1][1], got[0][1]))


def reference_logistic(X, y, s):
    """theta* and theta_dot of logistic loss with ridge, for n < d: Newton in the row space (theta = X^T a), then
    theta_dot = -H^{-1} theta by Woodbury; independent of curio's formulation"""
    from scipy.special import expit  # p and 1 - p each from its own exponential: no 1 - p where p rounds to 1
    K = X @ X.T
    a = np.zeros(len(y))
    for _ in range(200):
        mu, q = expit(K @ a), expit(-K @ a)
        g = K @ ((1 - y) * mu - y * q) + s * K @ a
        a -= np.linalg.lstsq(K @ np.diag(mu * q) @ K + s * K, g, rcond=None)[0]
    th = X.T @ a
    dg = expit(X @ th) * expit(-X @ th)
    return th, -(th - X.T @ np.linalg.solve(np.diag(s / dg) + K, X @ th)) / s


def case_noise(run, tmp):
    """the rounding of a rank-deficient Gram at a tiny s (and its eigendecomposition on a grid larger than the Gram): eigenvalues of noise must not be taken for real ones (their
    coordinates divided by s^2 in the tangent), whatever the process grid returns; and a GLM's Newton must not stop
    where the gradient is small but theta is not (its steps are g / s there). Each answer is right, or flagged by its
    estimate and a warning."""
    rng = np.random.default_rng(7)
    probs = []
    for k in range(8):
        n = int(rng.integers(2, 6))
        d = int(rng.integers(n + 1, 9))
        probs.append(("n=%d<d=%d #%d" % (n, d, k), rng.standard_normal((n, d)), rng.standard_normal(n), False))
    # integer rows with an exact duplicate and an exact sum of columns: the Gram is exact and exactly singular
    B = rng.integers(-5, 6, size=(27, 2)).astype(float)
    Xi = np.hstack([B, B[:, :1], B[:, :1] + B[:, 1:2]])
    probs.append(("integer collinear", Xi, B @ [1.0, 1.0] + rng.standard_normal(27), False))
    probs.append(("integer collinear, intercept", Xi, B @ [1.0, 1.0] + rng.standard_normal(27), True))
    # d = 2, two equal columns: on 2 and 4 ranks the process grid leaves ranks without a block of the Gram (ScaLAPACK's
    # pdsyevr returned no eigenpairs on one rank and hung on the other)
    a = np.array([1, 2, 3, 4, 1, 2, 3, 4, 1, 2.0])
    probs.append(("two equal columns", np.c_[a, a], np.arange(10) * 0.1, False))
    for name, X, y, icpt in probs:
        path = write(os.path.join(tmp, "noise.h5"), X, y)
        Phi = design(X, icpt)
        d = Phi.shape[1]
        mask = np.ones(d)
        if icpt:
            mask[0] = 0
        for s in (1e-5, 1e-7):
            args = ["-curio_s", "%g" % s, "-curio_loocv", "false"] + (["-curio_intercept", "-curio_regularizer", "restricted"] if icpt else [])
            rc, log, out = run(path, *args)
            if rc:
                check(False, "noise %s s=%g: failed\n%s" % (name, s, log))
                continue
            th, td = reference(Phi, y, np.ones(len(y)), s, mask, np.zeros(d))
            with h5py.File(out) as f:
                et, etd = rel(f["model/theta"][:], th), rel(f["model/theta_dot"][:], td)
                fe = f["model"].attrs["tangent_forward_error"]
            check(et < 1e-8 and (etd < 1e-8 or (fe >= etd / 10 and "WARNING" in log)),
                  "noise %s s=%g: theta %.1e, theta_dot %.1e against SVD, estimate %.1e" % (name, s, et, etd, fe))
    # exact LOOCV down to s = 1e-14 where rows are fitted exactly as s -> 0 (h_i -> 1, r_i -> 0): fewer rows than
    # features, and a category seen once among one-hot columns; against brute-force refits (the SVD reference per fold)
    g = rng.integers(0, 3, size=40)
    g[7] = 3  # category 3 is seen once
    Xo = np.hstack([np.eye(4)[g], rng.standard_normal((40, 2))])
    Xz = np.zeros((2, 13))
    Xz[0, 0] = Xz[0, 12] = Xz[1, 1] = 1  # 11 zero eigenvalues: ScaLAPACK's pdsyevr failed on 2 ranks (DSTEGR2A)
    loo_sets = [("n=4<d=9", rng.standard_normal((4, 9)), rng.standard_normal(4)), ("one-hot, a category seen once", Xo, Xo @ rng.standard_normal(6) + 0.1 * rng.standard_normal(40)),
                ("2 sparse rows of 13 columns", Xz, np.array([1.0, 0.0]))]
    grid = [1e-14, 1e-11, 1e-8, 1e-5, 1e-2]
    for name, X, y in loo_sets:
        path = write(os.path.join(tmp, "noise_loo.h5"), X, y)
        rc, log, out = run(path, "-curio_loocv_smin", "1e-14", "-curio_loocv_smax", "1e-2", "-curio_loocv_ns", "5", "-curio_scores", "false")
        if rc:
            check(False, "noise LOOCV %s: failed\n%s" % (name, log))
            continue
        with h5py.File(out) as f:
            sg, ex = f["loocv/s"][:], f["loocv/exact"][:]
        n, d = X.shape
        brute = []
        for sv in sg:
            e = 0.0
            for i in range(n):
                keep = np.arange(n) != i
                th, _ = reference(X[keep], y[keep], np.ones(n - 1), sv, np.ones(d), np.zeros(d))
                e += (y[i] - X[i] @ th) ** 2
            brute.append(e / n)
        err = np.max(np.abs(ex - brute) / np.array(brute))
        check(np.allclose(sg, grid, rtol=1e-12) and err < 1e-8, "noise LOOCV %s: exact curve at s = 1e-14..1e-2 against brute-force refits: %.1e" % (name, err))
    # logistic, n = 5 < d = 7, separable: the optimum runs off as s falls
    X = np.array([[-3, -1, -3, 1, -3, -1, -1], [2, 3, 1, 0, -2, 1, 2], [-3, 1, -2, -3, -1, 2, 1], [3, 2, -1, 1, -1, -2, 1], [-2, -1, -1, 0, -2, -2, 2]], float)
    y = np.array([0, 1, 1, 0, 1.0])
    path = write(os.path.join(tmp, "noise_logistic.h5"), X, y)
    for s in (1e-6, 1e-8, 1e-10, 1e-12):
        th, td = reference_logistic(X, y, s)
        rc, log, out = run(path, "-curio_s", "%g" % s, "-curio_loocv", "false", "-curio_loss", "logistic")
        if rc:
            check(False, "noise logistic s=%g: failed\n%s" % (s, log))
            continue
        with h5py.File(out) as f:
            et, etd = rel(f["model/theta"][:], th), rel(f["model/theta_dot"][:], td)
            fe = f["model"].attrs["tangent_forward_error"]
        check((et < 1e-6 and etd < 1e-6) or (fe >= max(et, etd) / 10 and "WARNING" in log),
              "noise logistic separable s=%g: theta %.1e, theta_dot %.1e against Newton in the row space, estimate %.1e" % (s, et, etd, fe))


def reference_glm(Phi, y, s, mask, loss):
    """theta* and theta_dot = -H^{-1} (mask * theta*) of logistic or Poisson loss (unit weights) by damped Newton in numpy,
    the logistic terms from scipy's expit of eta and of -eta (no 1 - p), started at the link of the mean label on the
    first column when it is the intercept"""
    from scipy.special import expit
    th = np.zeros(Phi.shape[1])
    if mask[0] == 0:
        th[0] = np.log(y.mean()) if loss == "poisson" else np.log(y.mean() / (1 - y.mean()))

    def parts(t):
        eta = Phi @ t
        if loss == "poisson":
            mu = np.exp(eta)
            return np.sum(mu - y * eta) + 0.5 * s * np.sum(mask * t * t), mu - y, mu
        p, q = expit(eta), expit(-eta)
        return np.sum((1 - y) * np.logaddexp(0, eta) + y * np.logaddexp(0, -eta)) + 0.5 * s * np.sum(mask * t * t), (1 - y) * p - y * q, p * q

    prev = np.inf
    for _ in range(500):
        f, dl, c = parts(th)
        g = Phi.T @ dl + s * mask * th
        step = np.linalg.solve(Phi.T @ (c[:, None] * Phi) + s * np.diag(mask), g)
        sn = np.linalg.norm(step)
        if sn < 1e-3 * np.linalg.norm(th):  # near the optimum: full Newton steps while they shrink
            if not sn < 0.5 * prev:
                break
            th, prev = th - step, sn
            continue
        a = 1.0
        while a > 1e-30 and not parts(th - a * step)[0] <= f:
            a /= 2
        th = th - a * step
    _, _, c = parts(th)
    return th, -np.linalg.solve(Phi.T @ (c[:, None] * Phi) + s * np.diag(mask), mask * th)


def case_glm(run, tmp):
    """GLMs where the model is confident or the counts are large: logistic with every label 1 at s = 1e-11 (p within 1e-14
    of 1, where 1 - p and log(1 + e^eta) - eta lose their digits), Poisson counts of 400 and 8000 from theta = 0 (the
    first full Newton step overflows e^eta), the test metrics on the scale of y, and TAO types curio cannot use refused"""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((300, 4))
    Xt = rng.standard_normal((40, 4))
    Phi = design(X, True)
    # every label 1 (logistic) and every count 0 (Poisson), ridge: optima far out, where the logistic terms cancel and
    # the gradient of e^eta is below TAO's tolerance 2% short of the optimum
    for loss, yv, ss, what in (("logistic", 1.0, (1e-8, 1e-11), "every label 1"), ("poisson", 0.0, (1e-9, 3e-12), "every count 0")):
        path = write(os.path.join(tmp, "%s_const.h5" % loss), X, np.full(300, yv))
        for s in ss:
            rc, log, out = run(path, "-curio_s", "%g" % s, "-curio_loocv", "false", "-curio_scores", "none", "-curio_loss", loss, "-curio_intercept")
            if rc:
                check(False, "%s, %s, s = %g: failed\n%s" % (loss, what, s, log))
                continue
            th, td = reference_glm(Phi, np.full(300, yv), s, np.ones(5), loss)
            with h5py.File(out) as f:
                et, etd = rel(f["model/theta"][:], th), rel(f["model/theta_dot"][:], td)
                fe = f["model"].attrs["tangent_forward_error"]
            check(et < 1e-12 and (etd < 1e-10 or (fe >= etd / 10 and "WARNING" in log)),
                  "%s, %s, ridge, s = %g: theta %.1e, theta_dot %.1e against numpy's Newton (expit of +-eta), estimate %.1e" % (loss, what, s, et, etd, fe))
    for level in (6, 9):
        y = rng.poisson(np.exp(level + 0.3 * X[:, 0])).astype(float)
        path = write(os.path.join(tmp, "counts%d.h5" % level), X, y)
        mask = np.r_[0.0, np.ones(4)]
        th, td = reference_glm(Phi, y, 1.0, mask, "poisson")
        for extra in (["-curio_s", "1"], []):
            rc, log, out = run(path, "-curio_loss", "poisson", "-curio_intercept", "-curio_regularizer", "restricted", "-curio_scores", "none", *extra)
            what = "Poisson counts of %.0f on average, %s" % (y.mean(), "s = 1" if extra else "the LOOCV grid")
            if rc:
                check(False, what + ": failed\n" + log)
                continue
            if extra:
                with h5py.File(out) as f:
                    et, etd = rel(f["model/theta"][:], th), rel(f["model/theta_dot"][:], td)
                check(et < 1e-12 and etd < 1e-10, "%s: theta %.1e, theta_dot %.1e against numpy's Newton" % (what, et, etd))
            else:
                check(True, what + ": trained")
    # the test metrics: RMSE of y - mu on the scale of y, and the loss's own (mean log-loss, mean Poisson loss)
    from scipy.special import expit
    yl = (rng.random(300) < expit(X @ [1.0, -1.0, 0.5, 0.0])).astype(float)
    ytl = (rng.random(40) < expit(Xt @ [1.0, -1.0, 0.5, 0.0])).astype(float)
    yp = rng.poisson(np.exp(0.5 + X @ [0.3, -0.2, 0.1, 0.0])).astype(float)
    ytp = rng.poisson(np.exp(0.5 + Xt @ [0.3, -0.2, 0.1, 0.0])).astype(float)
    for loss, y, yt, metric in (("logistic", yl, ytl, "logloss"), ("poisson", yp, ytp, "loss")):
        path = os.path.join(tmp, "test_%s.h5" % loss)
        with h5py.File(path, "w") as f:
            f["train/X"], f["train/y"], f["test/X"], f["test/y"] = X, y, Xt, yt
        rc, log, out = run(path, "-curio_s", "0.8", "-curio_loocv", "false", "-curio_scores", "none", "-curio_loss", loss, "-curio_intercept")
        if rc:
            check(False, "%s test metrics: failed\n%s" % (loss, log))
            continue
        with h5py.File(out) as f:
            eta = design(Xt, True) @ f["model/theta"][:]
            rmse, m = f["test"].attrs["rmse"], f["test"].attrs.get(metric, np.nan)
        mu = expit(eta) if loss == "logistic" else np.exp(eta)
        want = np.mean(np.logaddexp(0, eta) - yt * eta) if loss == "logistic" else np.mean(mu - yt * eta)
        er, em = abs(rmse / np.sqrt(np.mean((yt - mu) ** 2)) - 1), abs(m / want - 1)
        check(er < 1e-12 and em < 1e-12, "%s: /test rmse of y - mu %.1e and %s %.1e from numpy" % (loss, er, metric, em))
    rc, log, out = run(path, "-curio_s", "1", "-curio_loocv", "false", "-curio_loss", "poisson", "-curio_tao_type", "ntl")
    lines = [l for l in log.splitlines() if l.startswith("curio: error:")]
    check(rc != 0 and len(lines) == 1 and "-curio_tao_type" in lines[0] and not os.path.exists(out),
          "-curio_tao_type ntl: refused in one line (%s)" % (lines[0] if lines else log[-300:]))


def case_influence(run, tmp):
    """Influence values where the model nearly interpolates (n < d, weighted ridge, s from 1e-2 down to 1e-12): the
    training residuals are O(s) differences of O(1) numbers. Against the row-space form, accurate at any s: r = -s W^-1
    (K + s W^-1)^-1 y, phi_i^T H^-1 phi_j = [K (W K + s)^-1]_ij with K = X X^T. The values are right, or flagged:
    their error relative to the largest stays within /influence@forward_error, which is small while they are accurate,
    and a warning says so when it is not. Also n > d, where nothing cancels."""
    rng = np.random.default_rng(11)
    n, d, nt = 20, 40, 5
    X = rng.standard_normal((n, d))
    y = 3 * rng.standard_normal(n)
    w = rng.uniform(0.5, 2.0, n)
    Xt = rng.standard_normal((nt, d))
    yt = rng.standard_normal(nt)
    path = os.path.join(tmp, "influence.h5")
    with h5py.File(path, "w") as f:
        f["train/X"], f["train/y"], f["train/weight"], f["test/X"], f["test/y"] = X, y, w, Xt, yt
    K = X @ X.T
    for s in (1e-2, 1e-6, 1e-10, 1e-12):
        rc, log, out = run(path, "-curio_s", "%g" % s, "-curio_loocv", "false", "-curio_scores", "none", "-curio_influence", "-curio_influence_k", "3")
        if rc:
            check(False, "influence, n < d, s = %g: failed\n%s" % (s, log))
            continue
        A = np.linalg.inv(K + s * np.diag(1 / w))
        r = -s * (A @ y) / w  # phi . theta - y
        dl = r  # l', unweighted (the weights are in H)
        B = K @ A / w[None, :]  # B_ij = phi_i^T H^-1 phi_j = [X (X^T W X + s)^-1 X^T]_ij = [K (W K + s)^-1]_ij
        self_ref = dl**2 * np.diag(B)
        bt = (A @ X @ Xt.T) / w[:, None]  # phi_i^T H^-1 phi'_j = [(K W + s)^-1 X Xt^T]_ij
        with h5py.File(out) as f:
            got, fe = f["influence/self"][:], f["influence"].attrs["forward_error"]
            idx, val = f["influence/test_top_index"][:], f["influence/test_top_value"][:]
            theta = f["model/theta"][:]
        es = np.max(np.abs(got - self_ref)) / np.max(np.abs(self_ref))
        dlt = Xt @ theta - yt
        top_ref = -dlt[:, None] * (dl[:, None] * bt).T  # (nt, n)
        et = max(np.max(np.abs(val[j] - top_ref[j, idx[j]])) / np.max(np.abs(top_ref[j])) for j in range(nt))
        honest = es <= fe and et <= fe
        warned = "WARNING the influence values" in log
        check(honest and (fe < 1e-6) != warned and (s > 1e-6 or fe > 1e-6) and (s < 1e-2 or fe < 1e-9),
              "influence, n < d, weighted, s = %g: self %.1e and top-k %.1e from the row-space form, estimate %.1e%s" %
              (s, es, et, fe, ", warned" if warned else ""))
    Xb = rng.standard_normal((200, 6))
    yb = Xb @ rng.standard_normal(6) + rng.standard_normal(200)
    path = write(os.path.join(tmp, "influence_tall.h5"), Xb, yb)
    rc, log, out = run(path, "-curio_s", "1e-10", "-curio_loocv", "false", "-curio_scores", "none", "-curio_influence")
    if rc:
        check(False, "influence, n > d: failed\n" + log)
    else:
        H = Xb.T @ Xb + 1e-10 * np.eye(6)
        th = np.linalg.solve(H, Xb.T @ yb)
        ref = (Xb @ th - yb) ** 2 * np.einsum("ij,ij->i", Xb, np.linalg.solve(H, Xb.T).T)
        with h5py.File(out) as f:
            es, fe = rel(f["influence/self"][:], ref), f["influence"].attrs["forward_error"]
        check(es < 1e-12 and fe < 1e-10 and "WARNING" not in log, "influence, n > d, s = 1e-10: self %.1e from numpy, estimate %.1e" % (es, fe))


def case_samepoint(run, tmp):
    """Every training row at one point x (repeated measurements of one design), with an intercept: the Gram has rank 1
    and the Schur complement on the penalized parameters is all rounding noise. Restricted (intercept unpenalized):
    theta = (mean y, 0, ...) and theta_dot = 0 exactly at every s; ridge: against the SVD reference"""
    rng = np.random.default_rng(8)
    x = rng.standard_normal(3)
    X = np.tile(x, (8, 1))
    y = rng.standard_normal(8)
    path = write(os.path.join(tmp, "samepoint.h5"), X, y, cand=np.tile(x + 0.5, (3, 1)))
    Phi = design(X, True)
    for reg, mask in (("restricted", np.r_[0.0, np.ones(3)]), ("ridge", np.ones(4))):
        for s in (1e-8, 1e-2):
            rc, log, out = run(path, "-curio_intercept", "-curio_regularizer", reg, "-curio_s", "%g" % s, "-curio_loocv", "false", "-curio_scores", "sld")
            if rc:
                check(False, "same point, %s, s = %g: failed\n%s" % (reg, s, log))
                continue
            th, td = reference(Phi, y, np.ones(8), s, mask, np.zeros(4))
            with h5py.File(out) as f:
                t, tdot, sld = f["model/theta"][:], f["model/theta_dot"][:], f["scores/sld"][:]
            if reg == "restricted":
                ok = abs(t[0] / y.mean() - 1) < 1e-14 and np.all(t[1:] == 0) and np.all(tdot == 0) and np.all(sld == 0)
                what = "theta %s, theta_dot %s, sld %s (exact: (mean y, 0, 0, 0), 0, 0)" % (t, tdot, sld)
            else:
                et, etd = rel(t, th), rel(tdot, td)
                ok = et < 1e-12 and etd < 1e-10
                what = "theta %.1e, theta_dot %.1e from the SVD reference" % (et, etd)
            check(ok, "same point x in every row, intercept, %s, s = %g: %s" % (reg, s, what))


def case_heavyrow(run, tmp):
    """One row with weight 1e6 on columns in units 1e-6 and 1e6: the exact LOOCV curve (with the approximate one and GCV,
    whose hat values come from the same 1 - h_i) against brute-force weighted refits by column-scaled QR, and the minimum
    where the refits put it. A rounding level of 1 - h_i taken from the eigenvalues' spread (1e24 here) set the heavy
    row's 1 - h_i to an exact 0: the curve was +Inf at small s and 6% off above."""
    rng = np.random.default_rng(7)
    n = 24
    X = np.column_stack([1e-6 * rng.standard_normal(n), 1e6 * rng.standard_normal(n), rng.standard_normal(n)])
    y = X @ np.array([2e6, 3e-7, 1.0]) + 0.3 * rng.standard_normal(n)
    w = np.ones(n)
    w[3] = 1e6
    path = write(os.path.join(tmp, "heavyrow.h5"), X, y, w=w)
    rc, log, out = run(path)
    if rc:
        check(False, "a row of weight 1e6, columns 1e12 apart: failed\n" + log)
        return
    with h5py.File(out) as f:
        grid, exact, gcv, s_opt = f["loocv/s"][:], f["loocv/exact"][:], f["loocv/gcv"][:], float(f["model/s"][()])
    sw = np.sqrt(w)
    worst, wgcv, ref = 0.0, 0.0, np.full(len(grid), np.nan)
    for j in list(range(0, len(grid), 6)) + [len(grid) - 1]:
        e = []
        for i in range(n):
            keep = np.arange(n) != i
            t = scaled_ridge(sw[keep, None] * X[keep], sw[keep] * y[keep], grid[j], np.ones(3))[0]
            e.append(y[i] - X[i] @ t)
        ref[j] = np.mean(np.square(e))  # the unweighted mean of the LOO errors, as curio's curve
        worst = max(worst, abs(exact[j] - ref[j]) / ref[j])
        t = scaled_ridge(sw[:, None] * X, sw * y, grid[j], np.ones(3))[0]
        M = np.vstack([sw[:, None] * X, np.diag(np.sqrt(grid[j] * np.ones(3)))])
        sc = np.linalg.norm(M, axis=0)
        Q, _ = np.linalg.qr(M / sc)
        h = np.sum(Q[:n] ** 2, axis=1)  # hat values of the weighted rows
        g = n * np.sum((y - X @ t) ** 2) / np.sum(1 - h) ** 2
        wgcv = max(wgcv, abs(gcv[j] - g) / g)
    check(worst < 1e-7 and wgcv < 1e-7, "a row of weight 1e6, columns 1e12 apart: exact LOOCV %.1e and GCV %.1e from brute-force refits" % (worst, wgcv))
    jmin = int(np.nanargmin(ref))
    check(s_opt <= grid[min(jmin + 6, len(grid) - 1)], "a row of weight 1e6, columns 1e12 apart: s = %.3g chosen, the refits' minimum on the grid at %.3g" % (s_opt, grid[jmin]))


CASES = {
    "noise": case_noise,
    "tangent": case_tangent,
    "krylov": case_krylov,
    "optimum": case_optimum,
    "singular": case_singular,
    "units": case_units,
    "sigma2": case_sigma2,
    "grid": case_grid,
    "graded": case_graded,
    "ties": case_ties,
    "glm": case_glm,
    "influence": case_influence,
    "samepoint": case_samepoint,
    "heavyrow": case_heavyrow,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("exe")
    ap.add_argument("--np", type=int, default=1)
    ap.add_argument("--only", default=",".join(CASES))
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run = Runner(a.exe, a.np, tmp)
        for name in a.only.split(","):
            print("== %s (%d rank%s)" % (name, a.np, "s" if a.np > 1 else ""))
            CASES[name](run, tmp)
    if FAILED:
        print("%d checks failed" % len(FAILED))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()

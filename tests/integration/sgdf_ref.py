#!/usr/bin/python3
"""numpy references for curio -curio_mode sgdf (MATH.md section 6): the loss derivatives, the direct optimum and
tangent (Newton + one solve), the SGDF and Adam updates replayed on a given index sequence, and LiSSA as written."""
import h5py
import numpy as np


def loss_derivs(loss, eta, y):
    """l, l', l'' of MATH.md section 1"""
    if loss == "squared":
        return 0.5 * (y - eta) ** 2, eta - y, np.ones_like(eta)
    if loss == "logistic":
        mu = 1 / (1 + np.exp(-eta))
        return np.logaddexp(0, eta) - y * eta, mu - y, mu * (1 - mu)
    mu = np.exp(eta)
    return mu - y * eta, mu - y, mu


def design(path, intercept=False):
    """the training rows of a curio input file (dense /train/X or CSR) as a dense matrix, labels, weights"""
    with h5py.File(path) as f:
        g = f["train"]
        if "X" in g:
            X = g["X"][:]
        else:
            n, d = g.attrs["shape"]
            X = np.zeros((n, d))
            ptr, idx, val = g["indptr"][:], g["indices"][:], g["data"][:]
            for i in range(n):
                X[i, idx[ptr[i] : ptr[i + 1]]] = val[ptr[i] : ptr[i + 1]]
        y = g["y"][:]
        w = g["weight"][:] if "weight" in g else np.ones(len(y))
    if intercept:
        X = np.hstack([np.ones((X.shape[0], 1)), X])
    return X, y, w


def mask(d, restricted):
    m = np.ones(d)
    if restricted:
        m[0] = 0
    return m


def direct(X, y, w, s, loss="squared", restricted=False):
    """theta* by Newton's method and theta_dot = -H^{-1} grad R (eq. 64)"""
    d = X.shape[1]
    m = mask(d, restricted)
    th = np.zeros(d)
    for _ in range(100):
        _, dl, d2 = loss_derivs(loss, X @ th, y)
        grad = X.T @ (w * dl) + s * m * th
        H = X.T @ ((w * d2)[:, None] * X) + s * np.diag(m)
        step = np.linalg.solve(H, grad)
        th -= step
        if np.abs(step).max() < 1e-15 * max(1, np.abs(th).max()):
            break
    _, dl, d2 = loss_derivs(loss, X @ th, y)
    H = X.T @ ((w * d2)[:, None] * X) + s * np.diag(m)
    return th, -np.linalg.solve(H, m * th), H


def replay(X, y, w, indices, s, lr, loss="squared", restricted=False, K=1, schedule="constant", t0=1000.0, power=1.0, optimizer="sgd",
           beta1=0.9, beta2=0.999, eps=1e-8, theta=None, theta_dot=None, lissa=False, tangent=True):
    """the SGDF update of src/sgdf/step.c, step by step on the given batches (rows of indices, -1 padded)"""
    n, d = X.shape
    m = mask(d, restricted)
    th = np.zeros(d) if theta is None else theta.copy()
    td = np.zeros(d) if theta_dot is None else theta_dot.copy()
    m1, v2, m1d = np.zeros(d), np.zeros(d), np.zeros(d)
    for t, row in enumerate(indices):
        b = row[row >= 0]
        eta = lr if schedule == "constant" else lr / (1 + t / t0) ** power
        etaR = K * eta if (t + 1) % K == 0 else 0.0
        Xb = X[b]
        _, dl, d2 = loss_derivs(loss, Xb @ th, y[b])
        scale = n / len(b)
        G = scale * (Xb.T @ (w[b] * dl))
        Gd = scale * (Xb.T @ (w[b] * d2 * (Xb @ td)))
        if optimizer == "sgd":
            th_new = th - eta * G - etaR * s * m * th
            td = td - eta * Gd - etaR * m * (s * td + th)
        else:
            r = etaR / eta
            gr = G + r * s * m * th
            grd = Gd + r * m * (s * td + th)
            m1 = beta1 * m1 + (1 - beta1) * gr
            v2 = beta2 * v2 + (1 - beta2) * gr**2
            m1d = beta1 * m1d + (1 - beta1) * grd
            den = np.sqrt(v2 / (1 - beta2 ** (t + 1))) + eps
            th_new = th - eta * m1 / (1 - beta1 ** (t + 1)) / den
            td = td - eta * m1d / (1 - beta1 ** (t + 1)) / den
        if not lissa:
            th = th_new
    return th, td


def replay_local(X, y, w, indices, s, lr, copies, H, steps_per_epoch, overlap=False, loss="squared", restricted=False, K=1,
                 schedule="constant", t0=1000.0, power=1.0):
    """local SGDF (docs/sgdf.md section 3) as written: copy v of len(copies) steps on the rows of each batch in copies[v]
    (a set of rows) with the gradient scaled by the number of copies; the copies are averaged every H steps within an
    epoch and at every epoch end. With overlap, an averaging instead adds to each copy the mean of the snapshots of the
    previous averaging minus its own, then snapshots the copies; at the end every copy takes the mean of the last
    snapshots. Returns the mean copy (theta, theta_dot)."""
    n, d = X.shape
    N = len(copies)
    m = mask(d, restricted)
    th, td = np.zeros((N, d)), np.zeros((N, d))
    snap = None
    for t, row in enumerate(indices):
        b = row[row >= 0]
        eta = lr if schedule == "constant" else lr / (1 + t / t0) ** power
        etaR = K * eta if (t + 1) % K == 0 else 0.0
        scale = n / len(b) * N
        for v in range(N):
            bv = np.array([i for i in b if i in copies[v]], dtype=int)  # X may be a scipy.sparse matrix
            G, Gd = np.zeros(d), np.zeros(d)
            if len(bv):
                Xb = X[bv]
                _, dl, d2 = loss_derivs(loss, Xb @ th[v], y[bv])
                G = scale * (Xb.T @ (w[bv] * dl))
                Gd = scale * (Xb.T @ (w[bv] * d2 * (Xb @ td[v])))
            th_new = th[v] - eta * G - etaR * s * m * th[v]
            td[v] = td[v] - eta * Gd - etaR * m * (s * td[v] + th[v])
            th[v] = th_new
        k = (t + 1) % steps_per_epoch
        if k == 0 or k % H == 0:
            if not overlap:
                th[:], td[:] = th.mean(axis=0), td.mean(axis=0)
                continue
            if snap is not None:
                th += snap[0].mean(axis=0) - snap[0]
                td += snap[1].mean(axis=0) - snap[1]
            snap = (th.copy(), td.copy())
    if overlap and snap is not None:
        return snap[0].mean(axis=0), snap[1].mean(axis=0)
    return th.mean(axis=0), td.mean(axis=0)


def lissa(X, w, theta, indices, s, c, loss, y, restricted=False):
    """LiSSA as written (MATH.md section 6): u_0 = v, u_j = v + (I - H_{i_j}/c) u_{j-1}, v = grad R(theta*), H_i the
    minibatch estimate n/|B| sum_{i in B} hess l_i + s hess R; returns u_1 .. u_J (one per index row after the first)"""
    n, d = X.shape
    m = mask(d, restricted)
    v = m * theta
    _, _, d2 = loss_derivs(loss, X @ theta, y)
    u = v.copy()
    us = [u]
    for row in indices[1:]:
        b = row[row >= 0]
        Xb = X[b]
        Hu = n / len(b) * (Xb.T @ (w[b] * d2[b] * (Xb @ u))) + s * m * u
        u = v + u - Hu / c
        us.append(u)
    return us


_M64 = (1 << 64) - 1


def _mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def uniform(seed, stream, index):
    """CurioRandomUniform(seed, stream, index) of src/data/random.c"""
    z = _mix64((seed * 0x9E3779B97F4A7C15 + _mix64((stream + 0x632BE59BD9B4E019) & _M64) + index) & _M64)
    return ((z >> 11) + 0.5) / 9007199254740992.0


def validation_rows(n, seed, fraction):
    """the validation split of online s (src/sgdf/step.c, SGDFIsValidation)"""
    return np.array([uniform(seed, 201, i) < fraction for i in range(n)])


def holdout_optimum(X, y, w, val, lo=1e-2, hi=1e5):
    """argmin over s of the validation loss of the exact ridge fit on the training split (squared loss)"""
    from scipy.optimize import minimize_scalar

    Xt, yt, wt, Xv, yv, wv = X[~val], y[~val], w[~val], X[val], y[val], w[val]
    G, b = Xt.T @ (wt[:, None] * Xt), Xt.T @ (wt * yt)

    def f(r):
        th = np.linalg.solve(G + np.exp(r) * np.eye(X.shape[1]), b)
        return 0.5 * np.sum(wv * (Xv @ th - yv) ** 2)

    rs = np.linspace(np.log(lo), np.log(hi), 200)
    k = int(np.argmin([f(r) for r in rs]))
    res = minimize_scalar(f, bounds=(rs[max(k - 1, 0)], rs[min(k + 1, len(rs) - 1)]), method="bounded", options={"xatol": 1e-8})
    return float(np.exp(res.x))


def normal(seed, stream, index):
    """CurioRandomNormal of src/data/random.c"""
    u1, u2 = uniform(seed, 2 * stream, index), uniform(seed, 2 * stream + 1, index)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def synthetic_row(seed, d, nnz, gi):
    """row gi of the synthetic generator (src/data/synthetic.c): sorted distinct columns, values, eta = x . theta_true"""
    cols, draw = [], 0
    while len(cols) < nnz:
        new = [int(uniform(seed, 102, gi * 4 * nnz + draw + k) * d) for k in range(nnz - len(cols))]
        draw += nnz - len(cols)
        cols = sorted(set(cols) | set(new)) if len(set(cols) | set(new)) <= nnz else sorted(set(cols) | set(new))[:nnz]
        if draw >= 4 * nnz and len(cols) < nnz:
            c = 0
            while len(cols) < nnz:
                if c not in cols:
                    cols.append(c)
                c += 1
            cols.sort()
    vals = np.array([normal(seed, 103, gi * nnz + k) for k in range(nnz)]) / np.sqrt(nnz)
    eta = float(sum(v * normal(seed, 101, c) for v, c in zip(vals, cols)))
    return np.array(cols), vals, eta

"""Independent numpy reference for curio's outputs (MATH.md sections 1-5): rebuilds the design matrix from what the
output file records, and recomputes theta*, theta_dot, every query score and the LOOCV curves by brute force."""
import h5py
import numpy as np


def design(f, group):
    """Phi of /<group> as curio builds it: polynomial of the scaled 1-D input, or the features (with intercept)."""
    m = f["model"].attrs
    if m["feature_map"] == "polynomial":
        lo, hi = m["domain_lo"], m["domain_hi"]
        t = (2 * f[group]["x"][:] - hi - lo) / (hi - lo)
        return np.vander(t, int(m["degree"]) + 1, increasing=True)
    X = f[group]["X"][:]
    if m["intercept"]:
        X = np.hstack([np.ones((X.shape[0], 1)), X])
    return X


def mask(f, d):
    m = np.ones(d)
    if f["model"].attrs["regularizer"] == "restricted":
        m[0] = 0.0
    return m


def fit(P, y, w, s, msk):
    H = P.T @ (w[:, None] * P) + s * np.diag(msk)
    theta = np.linalg.solve(H, P.T @ (w * y))
    return H, theta


def loo_brute(P, y, w, s, msk):
    """LOO residuals by n refits, each without one point"""
    r = np.empty(len(y))
    for i in range(len(y)):
        wi = w.copy()
        wi[i] = 0.0
        _, th = fit(P, y, wi, s, msk)
        r[i] = y[i] - P[i] @ th
    return r


def curves(P, y, w, s, msk):
    """exact LOOCV, approximate LOOCV (eq. 44) and GCV at s, by brute force and the explicit hat matrix"""
    H, th = fit(P, y, w, s, msk)
    r = y - P @ th
    h = w * np.einsum("ij,ij->i", P, np.linalg.solve(H, P.T).T)
    rl = loo_brute(P, y, w, s, msk)
    n = len(y)
    return 0.5 * np.mean(rl**2), np.mean(0.5 * r**2 + r**2 * h), n * np.sum(r**2) / (n - np.sum(h)) ** 2


def scores(f, P, y, w, s, msk, Pc):
    """every heuristic of MATH.md section 4 with T = the training set (and the test set if present)"""
    H, th = fit(P, y, w, s, msk)
    g = msk * th
    td = -np.linalg.solve(H, g)
    fdot = Pc @ td
    r = y - P @ th
    sigma2 = np.sum(w * r**2) / np.sum(w)
    PT, cl, cu = P, w * (P @ th - y), w.copy()
    if "test" in f:
        Pt, yt = design(f, "test"), f["test/y"][:]
        wt = f["test/weight"][:]
        PT = np.vstack([P, Pt])
        cl = np.concatenate([cl, wt * (Pt @ th - yt)])
        cu = np.concatenate([cu, wt])
    Z = np.linalg.solve(H, Pc.T)  # H^{-1} phi(x) for every candidate
    out = {
        "theta": th,
        "theta_dot": td,
        "f": Pc @ th,
        "fdot": fdot,
        "sld": fdot**2,
        "sld_expected": sigma2 * fdot**2,
        "sti_labeled": (Pc @ np.linalg.solve(H, PT.T @ cl)) ** 2,
        "sti_unlabeled": (Pc @ np.linalg.solve(H, PT.T @ cu)) ** 2,
        "ssi_labeled": np.sum((cl[:, None] * (PT @ Z)) ** 2, axis=0),
        "ssi_unlabeled": np.sum((cu[:, None] * (PT @ Z)) ** 2, axis=0),
        "var": np.einsum("ij,ji->i", Pc, Z),
    }
    return out


def rel(a, b):
    b = np.asarray(b)
    scale = np.max(np.abs(b)) if b.size else 1.0
    return float(np.max(np.abs(np.asarray(a) - b)) / (scale if scale > 0 else 1.0))


def load(path):
    return h5py.File(path, "r")

"""Independent numpy reference for curio's outputs (MATH.md sections 1-5): rebuilds the design matrix from what the
output file records, and recomputes theta*, theta_dot, every query score and the LOOCV curves by brute force."""
import h5py
import numpy as np


def read_libsvm(path, ncols):
    """a LIBSVM file as a dense array (the tests' files are small)"""
    rows = []
    for line in open(path):
        line = line.split("#")[0].split()
        if not line:
            continue
        x = np.zeros(ncols)
        for tok in line[1:]:
            j, v = tok.split(":")
            x[int(j) - 1] = float(v)
        rows.append(x)
    return np.array(rows)


def input_features(f, group):
    """the features of /<group> from the run's input file, when the output does not copy them (sparse inputs)"""
    src = f.attrs["input"]
    ncols = len(f["model/theta"]) - int(f["model"].attrs["intercept"])
    if src.endswith((".svm", ".libsvm", ".svmlight", ".txt")):
        files = {"train": src, "candidates": f["options"].attrs.get("curio_candidates", ""), "test": f["options"].attrs.get("curio_test", "")}
        return read_libsvm(files[group], ncols)
    with h5py.File(src, "r") as g:
        if "X" in g[group]:
            return g[group]["X"][:]
        n = int(g[group].attrs["shape"][0])
        X = np.zeros((n, ncols))
        ip, ix, dv = g[group]["indptr"][:], g[group]["indices"][:], g[group]["data"][:]
        for i in range(n):
            X[i, ix[ip[i] : ip[i + 1]]] = dv[ip[i] : ip[i + 1]]
        return X


def input_labels(f, group):
    """the labels of /<group>: from the output if it copied them, else from the input file"""
    if "y" in f[group]:
        return f[group]["y"][:]
    src = f.attrs["input"]
    if src.endswith((".svm", ".libsvm", ".svmlight", ".txt")):
        path = f["options"].attrs["curio_" + group] if group != "train" else src
        return np.array([float(line.split()[0]) for line in open(path) if line.split("#")[0].split()])
    with h5py.File(src, "r") as g:
        return g[group]["y"][:]


def design(f, group):
    """Phi of /<group> as curio builds it: polynomial of the scaled 1-D input, or the features (with intercept)."""
    m = f["model"].attrs
    if m["feature_map"] == "polynomial":
        lo, hi = m["domain_lo"], m["domain_hi"]
        t = (2 * f[group]["x"][:] - hi - lo) / (hi - lo)
        return np.vander(t, int(m["degree"]) + 1, increasing=True)
    X = f[group]["X"][:] if "X" in f[group] else input_features(f, group)
    if m["intercept"]:
        X = np.hstack([np.ones((X.shape[0], 1)), X])
    return X


def mask(f, d):
    m = np.ones(d)
    if f["model"].attrs["regularizer"] == "restricted":
        m[0] = 0.0
    return m


def loss_derivs(loss, eta, y):
    """l, l', l'' of MATH.md section 1"""
    if loss == "squared":
        return 0.5 * (y - eta) ** 2, eta - y, np.ones_like(eta)
    if loss == "logistic":
        mu = 1.0 / (1.0 + np.exp(-eta))
        return np.logaddexp(0.0, eta) - y * eta, mu - y, mu * (1 - mu)
    mu = np.exp(eta)
    return mu - y * eta, mu - y, mu


def saturated(loss, y):
    """the saturated model's loss inf_eta l(eta, y): the CV curves are mean deviances 2 (l - saturated), computed here
    from its definition (squared: eta = y; logistic with labels 0/1: the limit eta -> -+inf; Poisson: eta = log y)"""
    y = np.asarray(y, dtype=float)
    if loss == "poisson":
        ys = np.where(y > 0, y, 1.0)
        return np.where(y > 0, ys - ys * np.log(ys), 0.0)
    return np.zeros_like(y)


def center(f, d):
    """theta0 of the inheritance regularizer, else 0"""
    if f["model"].attrs["regularizer"] != "inherit":
        return np.zeros(d)
    spec = f["options"].attrs["curio_theta0"] if "curio_theta0" in f["options"].attrs else None
    path, _, dset = spec.partition(":")
    with h5py.File(path, "r") as g:
        return g[dset or "/model/theta"][:]


def fit(P, y, w, s, msk, loss="squared", c=None):
    """theta*(s) by Newton's method in numpy, and the Hessian there"""
    c = np.zeros(P.shape[1]) if c is None else c
    theta = c.copy()
    for _ in range(100):
        _, dl, d2l = loss_derivs(loss, P @ theta, y)
        g = P.T @ (w * dl) + s * msk * (theta - c)
        H = P.T @ ((w * d2l)[:, None] * P) + s * np.diag(msk)
        step = np.linalg.solve(H, g)
        theta -= step
        if np.linalg.norm(step) <= 1e-15 * max(1.0, np.linalg.norm(theta)):
            break
    _, dl, d2l = loss_derivs(loss, P @ theta, y)
    H = P.T @ ((w * d2l)[:, None] * P) + s * np.diag(msk)
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
    """exact LOOCV, approximate LOOCV (eq. 44) and GCV at s, by brute force and the explicit hat matrix, as mean squared
    errors (the approximate one: the mean of 2 (l + l'^2 h) with l = r^2/2)"""
    H, th = fit(P, y, w, s, msk)
    r = y - P @ th
    h = w * np.einsum("ij,ij->i", P, np.linalg.solve(H, P.T).T)
    rl = loo_brute(P, y, w, s, msk)
    n = len(y)
    return np.mean(rl**2), np.mean(r**2 + 2 * r**2 * h), n * np.sum(r**2) / (n - np.sum(h)) ** 2


def scores(f, P, y, w, s, msk, Pc, loss="squared", c=None):
    """every heuristic of MATH.md section 4 with T = the training set (and the test set if present)"""
    c = np.zeros(P.shape[1]) if c is None else c
    H, th = fit(P, y, w, s, msk, loss, c)
    g = msk * (th - c)
    td = -np.linalg.solve(H, g)
    fdot = Pc @ td
    r = y - P @ th
    if loss == "squared":
        var = np.full(Pc.shape[0], np.sum(w * r**2) / np.sum(w))
    else:
        var = loss_derivs(loss, Pc @ th, 0.0)[2]
    PT, cl, cu = P, w * loss_derivs(loss, P @ th, y)[1], w.copy()
    if "test" in f:
        Pt, yt = design(f, "test"), f["test/y"][:]
        wt = f["test/weight"][:]
        PT = np.vstack([P, Pt])
        cl = np.concatenate([cl, wt * loss_derivs(loss, Pt @ th, yt)[1]])
        cu = np.concatenate([cu, wt])
    Z = np.linalg.solve(H, Pc.T)  # H^{-1} phi(x) for every candidate
    out = {
        "theta": th,
        "theta_dot": td,
        "f": Pc @ th,
        "mean": {"squared": lambda e: e, "logistic": lambda e: 1.0 / (1.0 + np.exp(-e)), "poisson": np.exp}[loss](Pc @ th),
        "fdot": fdot,
        "sld": fdot**2,
        "sld_expected": var * fdot**2,
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

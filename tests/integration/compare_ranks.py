#!/usr/bin/python3
"""Checks that curio outputs from runs at different rank counts agree: every float dataset of the first file against
the same dataset of the others.

    /usr/bin/python3 tests/integration/compare_ranks.py np1.h5 np2.h5 np4.h5 [--tol 1e-10] [--loocv-tol T]

Everything must agree to --tol (1e-10 relative), with two exceptions that conditioning explains:
- the LOOCV curves at small s: cond(H(s)) grows like lambda_max/s, and the exact curve divides by (1 - h_i)^2 with
  h_i -> 1, so the tolerance at grid point s is max(--tol, --loocv-eps / s) (rounding times condition number);
- scores/fdot_fd, a difference quotient (f(s + delta) - f(s))/delta that amplifies the rounding of f by
  |f|/(delta |fdot|) ~ 1/delta: tolerance --fd-tol."""
import argparse
import sys

import h5py
import numpy as np


def datasets(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) and obj.dtype.kind == "f" else None)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--tol", type=float, default=1e-10)
    ap.add_argument("--loocv-eps", type=float, default=1e-14)
    ap.add_argument("--fd-tol", type=float, default=1e-8)
    ap.add_argument("--ignore", nargs="*", default=[], help="datasets that only some of the files have (e.g. the dense copy of the features)")
    a = ap.parse_args()
    ignore = {n.strip("/") for n in a.ignore}
    base = {k: v for k, v in datasets(h5py.File(a.files[0], "r")).items() if k not in ignore}
    bad = []
    for other in a.files[1:]:
        f = h5py.File(other, "r")
        nr = int(f.attrs["nranks"])
        d = {k: v for k, v in datasets(f).items() if k not in ignore}
        missing = set(base) ^ set(d)
        if missing:
            bad.append(f"{other}: datasets differ: {sorted(missing)}")
        worst = (0.0, "")
        for name, ref in base.items():
            if name not in d:
                continue
            got = np.asarray(d[name])
            ref = np.asarray(ref)
            finite = np.isfinite(ref)
            if not np.array_equal(finite, np.isfinite(got)):
                bad.append(f"{other}: {name}: non-finite entries differ")
                continue
            scale = np.max(np.abs(ref[finite])) if finite.any() else 1.0
            err = float(np.max(np.abs(got[finite] - ref[finite])) / (scale or 1.0)) if finite.any() else 0.0
            tol = a.fd_tol if name == "scores/fdot_fd" else a.tol
            if name.startswith("loocv/") and np.ndim(ref) and finite.any():  # the curves span decades: relative per point, tolerance by s
                s = np.asarray(base["loocv/s"])[finite]
                per = np.abs(got[finite] - ref[finite]) / np.abs(ref[finite])
                allowed = np.maximum(a.tol, a.loocv_eps / s)
                err, tol = float(np.max(per / allowed)) * a.tol, a.tol
            if err > tol:
                bad.append(f"{other} ({nr} ranks): {name}: rel. difference {err:.2e} > {tol:.0e}")
            if not name.startswith("loocv/") and name != "scores/fdot_fd" and err > worst[0]:
                worst = (err, name)
        lo = 0.0
        for n in base:
            fin = np.isfinite(base[n]) if np.ndim(base[n]) else None
            if n.startswith("loocv/") and n in d and fin is not None and fin.any():
                lo = max(lo, float(np.max(np.abs(d[n][fin] - base[n][fin]) / np.abs(base[n][fin]))))
        print(f"{other} ({nr} ranks) vs {a.files[0]}: largest rel. difference {worst[0]:.2e} ({worst[1]}); LOOCV curves {lo:.2e}")
    for b in bad:
        print("FAIL " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

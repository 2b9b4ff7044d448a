#!/usr/bin/python3
"""Compares a reference curio output with a new one: every group, dataset and attribute (of groups and datasets,
recursively) of the reference must be in the new file with the same shape and kind of type, and the same values.

    /usr/bin/python3 tests/golden/compare.py REF.h5 NEW.h5 [--bitwise] [--quiet]

Values: integers, strings and object references (compared by the name of the object they point to) must be equal;
floats must agree to the normwise rule max|a - b| <= 1e-13 max|a| over the finite entries (absolute 1e-13 when the
reference is all zeros), with non-finite entries (NaN, +-Inf) at the same places, except for the few items of
TOLERANCES below that conditioning makes less reproducible. The report counts the floats that are also bitwise
identical; --bitwise requires every float to be (a strict check on the machine that wrote the reference).
Items of the new file that the reference lacks are listed as "added" and are not a failure. Items of EXCLUDED are
volatile: their presence is checked, their values are not. Exit status 0 if the files agree, 1 otherwise."""
import argparse
import fnmatch
import sys

import h5py
import numpy as np

RTOL = 1e-13

# Volatile items, as "path" for a dataset and "path@attribute" for an attribute (fnmatch patterns; "/" is the root).
# Their presence is checked, their values are not.
EXCLUDED = [
    ("*@created", "date and time of the run"),
    ("*@curio_version", "the version string changes with every release, not with the numbers"),
    ("/@options", "the command line as given (option order, spelling), not the values in force (those are /options@*)"),
    ("/timing@*", "wall-clock seconds per stage and peak_rss_mib (memory of this process)"),
    ("/rounds/time_*", "active learning: wall-clock seconds per round and stage"),
    ("/sgdf/history/time", "SGDF: wall-clock seconds at each epoch end"),
    ("/state/history_time", "SGDF checkpoint: the same wall-clock history"),
]

# Looser tolerances where conditioning amplifies a reordering of the arithmetic (README "Rank-count agreement",
# tests/integration/compare_ranks.py). Each: pattern, rule, parameter, reason. Rules:
#   "normwise"  max|a - b| <= p * max|a| (finite entries)
#   "absolute"  max|a - b| <= p
#   "loocv"     per grid point |a - b| <= max(RTOL, p / s) |a|, s = the reference's /loocv/s
TOLERANCES = [
    ("/scores/fdot_fd", "normwise", 1e-8,
     "(f(s + delta) - f(s)) / delta, a difference quotient: amplifies the rounding of f by about |f| / (delta |fdot|) ~ 1/delta"),
    ("/scores@fd_max_rel_error", "normwise", 1e-6,
     "max |fdot_fd - fdot| / max |fdot|: the difference of two nearly equal numbers, of which fdot_fd carries 1e-8"),
    ("/loocv/exact", "loocv", 1e-14,
     "cond(H(s)) grows like lambda_max / s and the exact curve divides by (1 - h_i)^2 with h_i -> 1 at small s"),
    ("/loocv/approx", "loocv", 1e-14, "as /loocv/exact: the leverages h_i(s) at small s"),
    ("/loocv/gcv", "loocv", 1e-14, "as /loocv/exact: n - sum h_i(s) cancels at small s"),
    ("/loocv/kfold", "loocv", 1e-14, "refits at each grid s: the conditioning of H(s) at small s"),
    ("/model@tangent_residual", "absolute", 1e-12,
     "|H theta_dot + grad R| / |grad R|: a residual at the rounding level, any reordering changes it; it must stay tiny"),
]


def pattern_match(table, key):
    for entry in table:
        if fnmatch.fnmatchcase(key, entry[0]):
            return entry
    return None


def kind(dtype):
    """the kind of an HDF5 type that a refactoring must keep: float, integer, string, reference, compound, vlen"""
    if h5py.check_string_dtype(dtype) is not None or dtype.kind in "SU":
        return "string"
    if h5py.check_ref_dtype(dtype) is not None:
        return "reference"
    if h5py.check_vlen_dtype(dtype) is not None:
        return "vlen"
    if dtype.names:
        return "compound"
    return {"f": "float", "i": "integer", "u": "integer", "b": "integer"}.get(dtype.kind, dtype.kind)


def plain(f, value):
    """a value with object references replaced by the names of their objects and bytes decoded, for equality"""
    if isinstance(value, h5py.Reference):
        return f[value].name if value else None
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.void) or (isinstance(value, np.ndarray) and value.dtype.names):
        if isinstance(value, np.ndarray):
            # REFERENCE_LIST: which datasets use a dimension scale; the order is the order of attaching, not meaning
            return sorted(repr(plain(f, v)) for v in value)
        return tuple(plain(f, value[n]) for n in value.dtype.names)
    if isinstance(value, np.ndarray) and value.dtype.kind in "OSU":
        return [plain(f, v) for v in value.tolist()] if value.ndim else plain(f, value[()])
    if isinstance(value, (list, tuple)):
        return [plain(f, v) for v in value]
    return value


class Report:
    def __init__(self, bitwise):
        self.bitwise_mode = bitwise
        self.count = {"bitwise": 0, "tolerance": 0, "exact": 0, "excluded": 0}
        self.failures = []
        self.added = []
        self.within = []  # (key, max difference, allowed) of floats that are within tolerance but not bitwise

    def fail(self, key, why):
        self.failures.append(f"{key}: {why}")


def float_check(rep, key, a, b, loocv_s):
    """a and b are float arrays of equal shape; counts and records the outcome"""
    if a.tobytes() == b.tobytes():
        rep.count["bitwise"] += 1
        return
    fa, fb = np.isfinite(a), np.isfinite(b)
    if not np.array_equal(fa, fb) or not np.array_equal(a[~fa], b[~fb], equal_nan=True):
        rep.fail(key, "non-finite entries (NaN, Inf) differ")
        return
    if rep.bitwise_mode:
        diff = float(np.max(np.abs(a[fa] - b[fa]))) if fa.any() else 0.0
        if diff == 0.0:  # only the sign of a zero differs
            rep.fail(key, "not bitwise identical (a zero changed sign)")
        else:
            rep.fail(key, f"not bitwise identical: max abs difference {diff:.3e}")
        return
    a, b = a[fa], b[fa]
    diff = np.abs(a - b)
    maxdiff = float(diff.max()) if diff.size else 0.0
    scale = float(np.max(np.abs(a))) if a.size else 0.0
    entry = pattern_match(TOLERANCES, key)
    rule, p = (entry[1], entry[2]) if entry else ("normwise", RTOL)
    if rule == "loocv" and loocv_s is not None and np.shape(loocv_s) == np.shape(fa):
        s = np.asarray(loocv_s)[fa]
        allowed = np.maximum(RTOL, p / s) * np.abs(a)
        ratio = float(np.max(diff / np.where(allowed > 0, allowed, 1e-300)))
        ok, what = ratio <= 1.0, f"max per-point difference / allowed (max(1e-13, {p:g}/s) |a|) = {ratio:.3e}"
    elif rule == "absolute":
        ok, what = maxdiff <= p, f"max abs difference {maxdiff:.3e} > {p:.0e}"
    else:
        if rule == "loocv":  # no grid to scale by: the default
            p = RTOL
        allowed = p * (scale if scale > 0 else 1.0)
        ok, what = maxdiff <= allowed, f"max abs difference {maxdiff:.3e} > {p:.0e} x max|ref| = {allowed:.3e}"
    if ok:
        rep.count["tolerance"] += 1
        rep.within.append((key, maxdiff, scale))
    else:
        rep.fail(key, what)


def compare_value(rep, fr, fn, key, ref, new, loocv_s=None):
    """ref, new: numpy values (or h5py scalars) of the same shape and kind"""
    if pattern_match(EXCLUDED, key):
        rep.count["excluded"] += 1
        return
    ra, na = np.asarray(ref), np.asarray(new)
    if ra.dtype.kind == "f" and not ra.dtype.names:
        float_check(rep, key, ra.astype(np.float64, copy=False), na.astype(np.float64, copy=False), loocv_s)
        return
    pr, pn = plain(fr, ref), plain(fn, new)
    same = np.array_equal(np.asarray(pr, dtype=object), np.asarray(pn, dtype=object)) if isinstance(pr, (list, np.ndarray)) else pr == pn
    if isinstance(pr, np.ndarray) and pr.dtype.kind in "iub":
        same = np.array_equal(pr, pn)
    if same:
        rep.count["exact"] += 1
    else:
        if isinstance(pr, np.ndarray) and pr.dtype.kind in "iub" and pr.size:
            bad = np.argwhere(np.asarray(pr) != np.asarray(pn))
            rep.fail(key, f"{len(bad)} of {pr.size} integers differ, first at {tuple(bad[0])}: {pr[tuple(bad[0])]} -> {pn[tuple(bad[0])]}")
        else:
            rep.fail(key, f"differs: {str(pr)[:120]!r} -> {str(pn)[:120]!r}")


def compare_attrs(rep, fr, fn, path, ref_obj, new_obj):
    for name in ref_obj.attrs:
        key = f"{path}@{name}"
        if name not in new_obj.attrs:
            rep.fail(key, "attribute missing")
            continue
        dr, dn = ref_obj.attrs.get_id(name), new_obj.attrs.get_id(name)
        if dr.shape != dn.shape:
            rep.fail(key, f"shape {dr.shape} -> {dn.shape}")
            continue
        if kind(dr.dtype) != kind(dn.dtype):
            rep.fail(key, f"type {kind(dr.dtype)} -> {kind(dn.dtype)}")
            continue
        compare_value(rep, fr, fn, key, ref_obj.attrs[name], new_obj.attrs[name])
    for name in new_obj.attrs:
        if name not in ref_obj.attrs:
            rep.added.append(f"{path}@{name}")


def objects(f):
    """path -> object for the root and everything below it (links followed once, by name)"""
    out = {"/": f}

    def add(name, obj):
        out["/" + name] = obj  # returns None: visititems stops at the first callback that returns a value

    f.visititems(add)
    return out


def compare_files(ref_path, new_path, bitwise=False):
    rep = Report(bitwise)
    with h5py.File(ref_path, "r") as fr, h5py.File(new_path, "r") as fn:
        ro, no = objects(fr), objects(fn)
        loocv_s = fr["loocv/s"][()] if isinstance(fr.get("loocv/s"), h5py.Dataset) else None
        for path, obj in ro.items():
            new = no.get(path)
            if new is None:
                rep.fail(path, f"{'dataset' if isinstance(obj, h5py.Dataset) else 'group'} missing")
                continue
            if isinstance(obj, h5py.Dataset) != isinstance(new, h5py.Dataset):
                rep.fail(path, "a group in one file and a dataset in the other")
                continue
            if isinstance(obj, h5py.Dataset):
                if obj.shape != new.shape:
                    rep.fail(path, f"shape {obj.shape} -> {new.shape}")
                elif kind(obj.dtype) != kind(new.dtype):
                    rep.fail(path, f"type {kind(obj.dtype)} -> {kind(new.dtype)}")
                else:
                    compare_value(rep, fr, fn, path, obj[()], new[()], loocv_s if path.startswith("/loocv/") else None)
            compare_attrs(rep, fr, fn, path, obj, new)
        rep.added += [p for p in no if p not in ro]
    return rep


def summary(rep, ref_path, new_path, quiet=False):
    c = rep.count
    floats = c["bitwise"] + c["tolerance"]
    lines = [f"{new_path} vs {ref_path}: {floats} float items ({c['bitwise']} bitwise, {c['tolerance']} within tolerance), "
             f"{c['exact']} exact (integer, string, reference), {c['excluded']} excluded (volatile), {len(rep.added)} added, "
             f"{len(rep.failures)} failures"]
    if not quiet:
        lines += [f"  within tolerance: {k}: max abs difference {d:.3e} (max|ref| {s:.3e})" for k, d, s in rep.within]
        lines += [f"  added: {a}" for a in rep.added]
    lines += [f"  FAIL {f}" for f in rep.failures]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ref")
    ap.add_argument("new")
    ap.add_argument("--bitwise", action="store_true", help="floats must be bitwise identical (same machine, same build)")
    ap.add_argument("--quiet", action="store_true", help="only the summary line and the failures")
    a = ap.parse_args()
    rep = compare_files(a.ref, a.new, a.bitwise)
    print(summary(rep, a.ref, a.new, a.quiet))
    return 1 if rep.failures else 0


if __name__ == "__main__":
    sys.exit(main())

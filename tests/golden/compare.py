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
    ("/state/elapsed_*", "SGDF checkpoint: the clock kept across restarts (seconds)"),
    ("*@checksum", "a dataset's checksum: a function of its bits, which are compared themselves (within tolerance where the "
     "arithmetic may reorder, so the checksum may differ where the values agree)"),
]

# Looser tolerances where conditioning amplifies a reordering of the arithmetic (README "Rank-count agreement",
# tests/integration/compare_ranks.py); each is about 100 times the largest difference measured between 1 and 2 ranks
# of the same build (tests/golden/README.md). Each entry: pattern, condition on the reference file (an attribute and
# its value, or None), rule, parameter, reason. Of the entries that match an item, the first one with a rule other than
# "normwise" applies, else the loosest "normwise" one. Rules:
#   "normwise"  max|a - b| <= p max|a| over the finite entries
#   "absolute"  max|a - b| <= p
#   "loocv"     per grid point |a - b| <= max(RTOL max|a|, p |a| / s), s = the reference's /loocv/s (never stricter
#               than the default)
#   "quotient"  max|a - b| <= p tol(f) max(|f|, |f_shifted|) / delta: the difference quotient of two predictions that
#               may each change by tol(f) (the normwise tolerance of /scores/f in this file) relative
#   "quotient_error"  for fd_max_rel_error = max|fdot_fd - fdot| / max|fdot|: the quotient's allowance over max|fdot|
TOLERANCES = [
    ("/scores/fdot_fd", None, "quotient", 2.0,
     "(f(s + delta) - f(s)) / delta, a forward difference: amplifies the rounding of f by |f| / (delta |fdot|); with s at "
     "the bottom of the LOOCV grid (delta = 5e-8) that is 1e7"),
    ("/scores@fd_max_rel_error", None, "quotient_error", 2.0, "max |fdot_fd - fdot| / max |fdot|: carries the error of fdot_fd"),
    ("/model@tangent_residual", None, "absolute", 1e-12,
     "|H theta_dot + grad R| / |grad R| is a residual at the rounding level (1e-16 to 1e-13): any reordering changes it "
     "completely; what must hold is that it stays tiny"),
    ("/model@tangent_forward_error", None, "absolute", 1e-10,
     "an estimate (condition estimate x residual) of theta_dot's relative error at the rounding level (1e-28 to 1e-14): "
     "any reordering changes it completely; what must hold is that it stays far below the warning threshold"),
    ("/loocv/exact", None, "loocv", 1e-14,
     "cond(H(s)) grows like lambda_max / s, and the exact curve divides by (1 - h_i)^2 with h_i -> 1 at small s: "
     "measured 3e-9 relative at s = 1e-6 on the paper example"),
    ("/loocv/gcv", None, "loocv", 1e-14, "as /loocv/exact: n - sum h_i(s) cancels at small s"),
    ("/loocv/approx", None, "loocv", 1e-14, "as /loocv/exact: the leverages h_i(s) at small s"),
    ("/loocv/kfold", None, "loocv", 1e-14, "as /loocv/exact: refits at each s of the grid"),
    ("/loocv/s_opt", None, "normwise", 1e-10,
     "the root of the LOOCV curve's derivative, where the curve is flat: determined to about eps |CV'| / |CV''| "
     "(measured 6e-13 between rank counts on the 1-D job, where s_opt is not the s of the fit)"),
    ("/model/s", None, "normwise", 1e-11, "s = s_opt when chosen by LOOCV (measured 6.6e-14 between rank counts); what is "
     "computed at s changes by only |fdot| ds and keeps the default tolerance"),
    ("/options@curio_s_value", None, "normwise", 1e-11, "as /model/s"),
    ("/scores@delta", None, "normwise", 1e-11, "-curio_fd_delta x s: as /model/s"),
    ("/rounds/s", None, "normwise", 1e-11, "active learning: s by LOOCV in every round, as /model/s"),
    ("/scores/sti_labeled", None, "normwise", 1e-12,
     "c = w l'(z) summed over the reference set: at the optimum the training part cancels to -s grad R (README, "
     "\"Weights in the influence sums\"), so the sum keeps fewer digits (measured 3.8e-14 between rank counts, CSR job)"),
    ("/scores/sld_labeled", None, "normwise", 1e-12,
     "l'(eta, y)^2 fdot^2: the residual eta - y of a well-fitted point keeps fewer digits than eta (measured 2.5e-14)"),
    ("*", ("/model@solver", "krylov"), "normwise", 1e-10,
     "Krylov path: theta and theta_dot are CG iterates stopped at -curio_ksp_rtol 1e-12; a reordered matrix-free product "
     "changes the iterates at that level times cond(H) (measured 2e-12 between rank counts, the paper example)"),
    ("*", ("/@input", "builtin"), "normwise", 1e-11,
     "the paper example: a degree-5 polynomial on six points at s = 0.045, H is ill-conditioned (measured 1.2e-13 "
     "between rank counts in theta_dot and the STI scores)"),
]


def tolerance(key, conditions):
    """the entry of TOLERANCES for key in a file whose condition attributes are conditions (a dict), or None: the first
    matching entry with a rule of its own, else the loosest matching normwise entry"""
    matches = [e for e in TOLERANCES if fnmatch.fnmatchcase(key, e[0]) and (e[1] is None or conditions.get(e[1][0]) == e[1][1])]
    special = [e for e in matches if e[2] != "normwise"]
    if special:
        return special[0]
    return max(matches, key=lambda e: e[3]) if matches else None


def pattern_match(table, key):
    """the first entry of table whose pattern matches key"""
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
        self.within = []  # (key, max difference, difference / allowed) of floats within tolerance but not bitwise

    def fail(self, key, why):
        self.failures.append(f"{key}: {why}")


class Context:
    """what a comparison needs to know about the reference file beyond one item"""

    def __init__(self, fr, fn):
        self.fr, self.fn = fr, fn
        self.conditions = {}
        for entry in TOLERANCES:
            if entry[1] is not None:
                group, attr = entry[1][0].split("@")
                obj = fr.get(group or "/")
                if obj is not None and attr in obj.attrs:
                    self.conditions[entry[1][0]] = plain(fr, obj.attrs[attr])
        self.loocv_s = self.dataset("loocv/s")

    def dataset(self, path):
        obj = self.fr.get(path)
        return np.asarray(obj[()], dtype=np.float64) if isinstance(obj, h5py.Dataset) else None

    def max_abs(self, path):
        v = self.dataset(path)
        v = v[np.isfinite(v)] if v is not None else None
        return float(np.max(np.abs(v))) if v is not None and v.size else 0.0

    def normwise_tol(self, key):
        entry = tolerance(key, self.conditions)
        return entry[3] if entry and entry[2] == "normwise" else RTOL

    def quotient_allowance(self, p, relative_to_fdot):
        """the difference that /scores/fdot_fd may show when f and f_shifted each change within their tolerance"""
        delta = float(self.fr["scores"].attrs["delta"]) if "scores" in self.fr and "delta" in self.fr["scores"].attrs else 0.0
        if delta <= 0:
            return 0.0
        fmax = max(self.max_abs("scores/f"), self.max_abs("scores/f_shifted"))
        allowed = p * max(self.normwise_tol("/scores/f"), self.normwise_tol("/scores/f_shifted")) * fmax / delta
        if not relative_to_fdot:
            return allowed
        fdot = self.max_abs("scores/fdot")
        return (allowed + self.normwise_tol("/scores/fdot") * fdot) / fdot if fdot > 0 else 0.0


def float_check(rep, ctx, key, a, b):
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
    entry = tolerance(key, ctx.conditions)
    rule, p = (entry[2], entry[3]) if entry else ("normwise", RTOL)
    if rule == "loocv" and ctx.loocv_s is not None and np.shape(ctx.loocv_s) == np.shape(fa):
        s = np.asarray(ctx.loocv_s)[fa]
        allowed = np.maximum(RTOL * (scale if scale > 0 else 1.0), p / s * np.abs(a))
        ratio = float(np.max(diff / allowed))
        ok, what = ratio <= 1.0, f"max per-point difference / allowed (max(1e-13 max|a|, {p:g} |a| / s)) = {ratio:.3e}"
    elif rule in ("absolute", "quotient", "quotient_error"):
        allowed = p if rule == "absolute" else ctx.quotient_allowance(p, rule == "quotient_error")
        ok, what = maxdiff <= allowed, f"max abs difference {maxdiff:.3e} > allowed {allowed:.3e} ({rule})"
        ratio = maxdiff / allowed if allowed > 0 else np.inf
    else:
        if rule == "loocv":  # no grid to scale by: the default
            p = RTOL
        allowed = p * (scale if scale > 0 else 1.0)
        ok, what = maxdiff <= allowed, f"max abs difference {maxdiff:.3e} > {p:.0e} x max|ref| = {allowed:.3e}"
        ratio = maxdiff / allowed
    if ok:
        rep.count["tolerance"] += 1
        rep.within.append((key, maxdiff, ratio))
    else:
        rep.fail(key, what)


def compare_value(rep, ctx, key, ref, new):
    """ref, new: numpy values (or h5py scalars) of the same shape and kind"""
    if pattern_match(EXCLUDED, key):
        rep.count["excluded"] += 1
        return
    ra, na = np.asarray(ref), np.asarray(new)
    if ra.dtype.kind == "f" and not ra.dtype.names:
        float_check(rep, ctx, key, ra.astype(np.float64, copy=False), na.astype(np.float64, copy=False))
        return
    pr, pn = plain(ctx.fr, ref), plain(ctx.fn, new)  # numeric arrays stay arrays; strings and references become lists
    if isinstance(pr, np.ndarray):
        if np.array_equal(pr, pn):
            rep.count["exact"] += 1
        else:
            bad = tuple(np.argwhere(pr != np.asarray(pn))[0])
            rep.fail(key, f"{int(np.sum(pr != np.asarray(pn)))} of {pr.size} values differ, first at {bad}: {pr[bad]} -> {np.asarray(pn)[bad]}")
    elif bool(pr == pn):
        rep.count["exact"] += 1
    else:
        rep.fail(key, f"differs: {str(pr)[:120]!r} -> {str(pn)[:120]!r}")


def compare_attrs(rep, ctx, path, ref_obj, new_obj):
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
        compare_value(rep, ctx, key, ref_obj.attrs[name], new_obj.attrs[name])
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
        ctx = Context(fr, fn)
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
                    compare_value(rep, ctx, path, obj[()], new[()])
            compare_attrs(rep, ctx, path, obj, new)
        rep.added += [p for p in no if p not in ro]
    return rep


def summary(rep, ref_path, new_path, quiet=False):
    c = rep.count
    floats = c["bitwise"] + c["tolerance"]
    lines = [f"{new_path} vs {ref_path}: {floats} float items ({c['bitwise']} bitwise, {c['tolerance']} within tolerance), "
             f"{c['exact']} exact (integer, string, reference), {c['excluded']} excluded (volatile), {len(rep.added)} added, "
             f"{len(rep.failures)} failures"]
    if not quiet:
        lines += [f"  within tolerance: {k}: max abs difference {d:.3e}, {r:.1e} of the allowed" for k, d, r in rep.within]
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

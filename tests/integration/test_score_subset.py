#!/usr/bin/python3
"""-curio_scores: a run asked for some scores computes and writes only those, with values bitwise equal to a run that
computes all of them (the default), for a pool held whole and a streamed one; a run without fdot_fd or f_shifted does
not re-solve at s + delta; an unknown score name is one clear error that lists the valid names.

    /usr/bin/python3 tests/integration/test_score_subset.py build/curio [--np 2]"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

from make_input import make

ALL = ["f", "mean", "fdot", "f_shifted", "fdot_fd", "sld", "sld_expected", "sti_labeled", "sti_unlabeled", "ssi_labeled",
       "ssi_unlabeled", "var", "sld_labeled"]


def run(a, out, *args, ok=True):
    cmd = ["mpiexec", "-n", str(a.np), a.curio, *args, "-curio_output", out]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if ok and p.returncode != 0:
        sys.exit(f"FAILED: {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    return p


def scores(path):
    with h5py.File(path) as f:
        g = f.get("scores")
        # the scores, not the group's dimension scale (its candidate index, docs/design.md "Output datasets")
        data = {k: g[k][()] for k in g if g[k].attrs.get("CLASS") != b"DIMENSION_SCALE"} if g is not None else {}
        attrs = dict(g.attrs) if g is not None else {}
        sel = f["selection/index"][()] if "selection" in f else None
    return data, attrs, sel


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("curio")
    ap.add_argument("--np", type=int, default=2)
    a = ap.parse_args()
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        feat, logi = os.path.join(tmp, "features.h5"), os.path.join(tmp, "logistic.h5")
        make(feat)
        make(logi, loss="logistic", n=150, d=6)
        cases = [  # (input args, -curio_scores list, expected datasets, whether the FD re-solve runs)
            ([feat, "-curio_select_k", "5"], "sld", ["sld"], False),
            ([feat, "-curio_select_k", "5", "-curio_pool_chunk", "37"], "sld", ["sld"], False),
            ([feat, "-curio_select_k", "5", "-curio_select_by", "var"], "sld,sti_unlabeled", ["sld", "sti_unlabeled"], False),
            ([feat, "-curio_pool_chunk", "37"], "sld_expected,fdot_fd,sld_labeled", ["sld_expected", "fdot_fd", "sld_labeled"], True),
            ([logi, "-curio_loss", "logistic", "-curio_s", "0.5", "-curio_loocv", "false", "-curio_monitor"], "var", ["var"], False),
            ([logi, "-curio_loss", "logistic", "-curio_s", "0.5", "-curio_loocv", "false", "-curio_monitor"], "all", ALL, True),
            ([logi, "-curio_loss", "logistic", "-curio_s", "0.5", "-curio_loocv", "false", "-curio_select_k", "4",
              "-curio_select_by", "ssi_labeled"], "mean,f", ["mean", "f"], False),
        ]
        for k, (inp, lst, expect, resolve) in enumerate(cases):
            full, part = os.path.join(tmp, f"all{k}.h5"), os.path.join(tmp, f"part{k}.h5")
            run(a, full, "-curio_input", *inp)
            p = run(a, part, "-curio_input", *inp, "-curio_scores", lst)
            d0, at0, sel0 = scores(full)
            d1, at1, sel1 = scores(part)
            what = f"-curio_scores {lst} {' '.join(inp[1:])}"
            if sorted(d1) != sorted(expect):
                problems.append(f"{what}: wrote {sorted(d1)}, expected {sorted(expect)}")
            for name in d1:
                if d1[name].tobytes() != d0[name].tobytes():
                    problems.append(f"{what}: /scores/{name} differs from the all-scores run")
            if (sel0 is None) != (sel1 is None) or (sel0 is not None and not np.array_equal(sel0, sel1)):
                problems.append(f"{what}: the selection differs from the all-scores run")
            if ("delta" in at1) != resolve:
                problems.append(f"{what}: /scores attribute delta {'missing' if resolve else 'present'}")
            if "-curio_monitor" in inp:  # one Newton solve at s, and one more at s + delta for the FD check
                newton = p.stdout.count("curio: Newton")
                if newton != (2 if resolve else 1):
                    problems.append(f"{what}: {newton} Newton solves, expected {2 if resolve else 1}")
            print(f"{what}: wrote {', '.join(sorted(d1))}; bitwise equal to all")
        none = os.path.join(tmp, "none.h5")
        run(a, none, "-curio_input", feat, "-curio_scores", "none")
        if scores(none)[0]:
            problems.append("-curio_scores none wrote scores")
        # a streamed pool is read in blocks of rows: a bad value is still one error naming its row
        import shutil
        bad_pool = os.path.join(tmp, "bad_pool.h5")
        shutil.copy(feat, bad_pool)
        with h5py.File(bad_pool, "a") as f:
            X = f["candidates/X"][...]
            X[123, 2] = np.nan
            del f["candidates/X"]
            f["candidates/X"] = X
        p = run(a, os.path.join(tmp, "bad.h5"), "-curio_input", bad_pool, "-curio_pool_chunk", "37", "-curio_scores", "sld", ok=False)
        err = [line for line in p.stderr.splitlines() if "curio: error:" in line]
        if p.returncode == 0 or len(err) != 1 or "row 123" not in err[0] or "/candidates/X" not in err[0]:
            problems.append(f"NaN in a streamed pool: expected one error naming /candidates/X row 123, got rc {p.returncode}:\n{p.stderr}")
        else:
            print(f"NaN in a streamed pool: {err[0]}")
        for args, words in ((["-curio_scores", "sld,bogus"], ["'bogus'", "sti_unlabeled", "sld_labeled", "all", "none"]),
                            (["-curio_select_by", "fdot"], ["'fdot'", "sld_expected", "ssi_unlabeled"])):
            bad = os.path.join(tmp, "bad.h5")
            p = run(a, bad, "-curio_input", feat, *args, ok=False)
            err = [line for line in p.stderr.splitlines() if "curio: error:" in line]
            if p.returncode == 0 or len(err) != 1 or not all(w in err[0] for w in words) or os.path.exists(bad):
                problems.append(f"{' '.join(args)}: expected one error naming {words}, got rc {p.returncode}:\n{p.stderr}")
            else:
                print(f"{' '.join(args)}: {err[0]}")
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems))
        return 1
    print("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())

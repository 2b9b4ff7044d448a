#!/usr/bin/python3
"""Smoke test of postprocess/curio-plot on every kind of curio file: it recognizes the kind and writes its figures.

    /usr/bin/python3 tests/integration/test_curio_plot.py DIR [--bench bench/results/sgdf.json]

DIR holds the outputs of tests/integration/test_xarray.py (fit with features and on 1-D inputs, a streamed pool,
sgdf and its checkpoint, active, a study directory, users). For each, curio-plot must exit 0, name the kind it
recognized, and every PNG it prints must exist and decode as an image of a plausible size; a file that is not a
curio output must give exit status 2 and one error line. Exit 0 if all hold."""
import argparse
import glob
import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLOT = os.path.join(ROOT, "postprocess", "curio-plot")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--bench", default=os.path.join(ROOT, "bench", "results", "sgdf.json"))
    a = ap.parse_args()
    ckpt = sorted(glob.glob(os.path.join(a.dir, "ckpt-*.h5")))
    cases = [("fit_csv.h5", "fit", 2), ("fit_oned.h5", "fit", 3), ("fit_stream.h5", "fit", 2), ("sgdf.h5", "sgdf", 1),
             (ckpt[-1] if ckpt else "ckpt-missing.h5", "checkpoint", 1), ("active.h5", "active", 1), ("study", "study", 2),
             ("users.h5", "users", 1), (a.bench, "scaling", 1)]
    out = os.path.join(a.dir, "plots")
    os.makedirs(out, exist_ok=True)
    failures = 0
    for name, kind, npng in cases:
        path = name if os.path.isabs(name) else os.path.join(a.dir, name)
        prefix = os.path.join(out, os.path.splitext(os.path.basename(path))[0])
        r = subprocess.run([sys.executable, PLOT, path, "-o", prefix], capture_output=True, text=True)
        pngs = [line for line in r.stdout.splitlines() if line.endswith(".png")]
        problems = []
        if r.returncode:
            problems.append(f"exit {r.returncode}: {r.stderr.strip()}")
        if f"curio-plot: {kind}:" not in r.stderr:
            problems.append(f"not recognized as {kind}: {r.stderr.strip()}")
        if len(pngs) < npng:
            problems.append(f"{len(pngs)} PNGs, expected at least {npng}")
        for p in pngs:
            try:
                img = mpimg.imread(p)
                if img.shape[0] < 200 or img.shape[1] < 300:
                    problems.append(f"{p} is only {img.shape[1]}x{img.shape[0]}")
            except (OSError, ValueError) as e:
                problems.append(f"{p} does not decode: {e}")
        failures += bool(problems)
        print(f"{'ok' if not problems else 'FAIL':4} {kind:10} {os.path.basename(path):24} {', '.join(os.path.basename(p) for p in pngs)}"
              + ("".join(f"\n     {q}" for q in problems)))
    bad = os.path.join(out, "not_curio.h5")
    with open(bad, "w") as fh:
        fh.write("not HDF5\n")
    r = subprocess.run([sys.executable, PLOT, bad], capture_output=True, text=True)
    ok = r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "curio-plot: error:" in r.stderr
    print(f"{'ok' if ok else 'FAIL':4} a file that is not HDF5: exit {r.returncode}, {r.stderr.strip()}")
    failures += not ok
    # the fit-mode figure scripts on a file of another mode: one error line naming both modes, exit 2
    extra = 1
    for script in ("make_figures.py", "fig1_tangent.py", "fig2_loocv.py", "fig3_scores.py"):
        r = subprocess.run([sys.executable, os.path.join(ROOT, "postprocess", script), os.path.join(a.dir, "sgdf.h5"), *(
            ["--prefix", os.path.join(out, "wrong")] if script == "make_figures.py" else ["-o", os.path.join(out, "wrong.png")])],
                           capture_output=True, text=True)
        ok = r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "is a -curio_mode sgdf output" in r.stderr
        print(f"{'ok' if ok else 'FAIL':4} {script} on an SGDF output: exit {r.returncode}, {r.stderr.strip()}")
        failures += not ok
        extra += 1
    # make_figures.py on a file from which no figure can be drawn (a curio input): exit 2, not 0 with three notes
    import h5py
    inp = os.path.join(out, "an_input.h5")
    with h5py.File(inp, "w") as f:
        f["train/X"], f["train/y"] = [[1.0, 2.0], [3.0, 4.0]], [1.0, 2.0]
    r = subprocess.run([sys.executable, os.path.join(ROOT, "postprocess", "make_figures.py"), inp, "--prefix", os.path.join(out, "none")],
                       capture_output=True, text=True)
    ok = r.returncode == 2 and "make_figures.py: error: no figure drawn" in r.stderr and not glob.glob(os.path.join(out, "none_fig*.png"))
    print(f"{'ok' if ok else 'FAIL':4} make_figures.py on a file with no figure to draw: exit {r.returncode}, {r.stderr.strip().splitlines()[-1]}")
    failures += not ok
    extra += 1
    print(f"{len(cases) + extra - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

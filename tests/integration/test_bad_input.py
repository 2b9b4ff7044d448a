#!/usr/bin/python3
"""Bad input gets a clear error: for each case, curio runs on 2 ranks, and the test checks that every rank exits
non-zero, that the message names the culprit, and that an existing output file is left untouched (and no temporary
file is left behind).

    /usr/bin/python3 tests/integration/test_bad_input.py build/curio [--np 2]"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

from make_input import make


def variant(base, path, edit):
    shutil.copy(base, path)
    with h5py.File(path, "a") as f:
        edit(f)
    return path


def replace(f, name, data):
    del f[name]
    f[name] = data


def cases(tmp):
    good = os.path.join(tmp, "good.h5")
    make(good, n=40, d=4)
    v = lambda name, edit: variant(good, os.path.join(tmp, name + ".h5"), edit)  # noqa: E731

    def nan_x(f):
        X = f["train/X"][:]
        X[7, 2] = np.nan
        replace(f, "train/X", X)

    def inf_y(f):
        y = f["train/y"][:]
        y[31] = np.inf
        replace(f, "train/y", y)

    svm = os.path.join(tmp, "bad.svm")
    with open(svm, "w") as fh:
        fh.write("1.0 1:0.5 3:1.0\n# a comment\n0.5 2:1.0 2:3.0\n")
    csr = v("csr", lambda f: None)
    with h5py.File(csr, "a") as f:
        X = f["train/X"][:]
        del f["train/X"]
        f["train/indptr"] = np.arange(0, X.size + 1, X.shape[1], dtype=np.int64)
        f["train/indices"] = np.tile(np.arange(X.shape[1]), X.shape[0]).astype(np.int64)
        f["train/data"] = X.ravel()
        f["train"].attrs["shape"] = np.array([X.shape[0] + 1, X.shape[1]], dtype=np.int64)
    notes = os.path.join(tmp, "notes.h5")
    with open(notes, "w") as fh:
        fh.write("not an HDF5 file\n")
    out = os.path.join(tmp, "existing.h5")
    fifo = os.path.join(tmp, "fifo.h5")
    os.mkfifo(fifo)
    os.symlink("missing.h5", os.path.join(tmp, "dangling.h5"))
    os.mkdir(os.path.join(tmp, "adir.h5"))
    csv = os.path.join(tmp, "table.csv")
    with open(csv, "w") as fh:
        fh.write("y,x1\n1,2\n")
    nanth = os.path.join(tmp, "theta_nan.h5")
    with h5py.File(nanth, "w") as f:
        f["theta"] = np.array([0.0, np.nan, 0.0, 0.0])
    svm_ok = os.path.join(tmp, "ok.svm")
    with open(svm_ok, "w") as fh:
        fh.write("".join(f"{i % 3 - 1} 1:{i / 10} 2:{(i * 7) % 5} 3:1\n" for i in range(12)))
    return out, [
        ("output is a FIFO", ["-curio_output", fifo], "it is a FIFO, not a regular file"),
        ("output a dangling link", ["-curio_output", os.path.join(tmp, "dangling.h5")], "symbolic link to a missing file"),
        ("output is theta_init", ["-curio_theta_init", out + ":/model/theta"], "is the file given by -curio_theta_init"),
        ("input is a directory", ["-curio_input", os.path.join(tmp, "adir.h5")], "Is a directory"),
        ("input is CSV", ["-curio_input", csv], "scripts/curio-convert.py"),
        ("boolean labels", ["-curio_input", v("booly", lambda f: replace(f, "train/y", f["train/y"][:] > 0))], "it is an enum (h5py's booleans)"),
        ("lzf compression", ["-curio_input", v("lzf", lambda f: (f.__delitem__("train/X"), f.create_dataset("train/X", data=np.ones((40, 4)),
                                                                                                        compression="lzf", chunks=(8, 4))))],
         "filter 32000 ('lzf'), which this HDF5 library does not have"),
        ("candidates a dataset", ["-curio_input", v("cds", lambda f: replace(f, "candidates", f["candidates/X"][:]))],
         "'/candidates' is there but holds no rows"),
        ("SGDF tangent file", ["-curio_mode", "sgdf", "-curio_s", "1", "-curio_sgdf_lr", "1e-3", "-curio_sgdf_tangent_init", "bogus"], "-curio_sgdf_tangent_init: cannot read file 'bogus'"),
        ("missing file", ["-curio_input", os.path.join(tmp, "nope.h5")], "nope.h5"),
        ("not HDF5", ["-curio_input", notes], "not a readable HDF5 file"),
        ("missing dataset", ["-curio_input", v("noy", lambda f: f.__delitem__("train/y"))], "'/train/y'"),
        ("missing inputs", ["-curio_input", v("nox", lambda f: f.__delitem__("train/X"))], "'/train/X'"),
        ("shape mismatch", ["-curio_input", v("short", lambda f: replace(f, "train/y", f["train/y"][:-3]))],
         "'/train/y' has shape (37), but '/train/X' has 40 rows: it must have shape (40)"),
        ("labels as a column", ["-curio_input", v("ycol", lambda f: replace(f, "train/y", f["train/y"][:][:, None]))], "'/train/y' has shape (40, 1)"),
        ("X transposed", ["-curio_input", v("xt", lambda f: replace(f, "train/X", f["train/X"][:].T.copy()))], "is '/train/X' stored transposed"),
        ("column mismatch", ["-curio_input", v("cols", lambda f: replace(f, "candidates/X", f["candidates/X"][:, :3]))], "'/candidates/X' has 3 columns"),
        ("NaN in X", ["-curio_input", v("nanx", nan_x)], "'/train/X' has a NaN or Inf value in row 7"),
        ("Inf in y", ["-curio_input", v("infy", inf_y)], "'/train/y' has a NaN or Inf value in row 31"),
        ("negative weight", ["-curio_input", v("negw", lambda f: replace(f, "train/weight", -f["train/weight"][:]))], "negative weight"),
        ("s <= 0", ["-curio_s", "0"], "-curio_s must be"),
        ("s NaN", ["-curio_s", "nan"], "-curio_s must be"),
        ("unknown solver", ["-curio_solver", "cholesky"], "-curio_solver"),
        ("unknown regularizer", ["-curio_regularizer", "lasso"], "-curio_regularizer"),
        ("LOOCV grid", ["-curio_loocv_smin", "10", "-curio_loocv_smax", "1"], "-curio_loocv_smin"),
        ("unwritable output", ["-curio_output", os.path.join(tmp, "no", "such", "dir", "out.h5")], "Cannot write output file"),
        ("output is a directory", ["-curio_output", tmp], "Is a directory"),
        ("LIBSVM indices", ["-curio_input", svm], "line 3: index 2 is not greater than the previous index 2"),
        ("CSR shape", ["-curio_input", csr], "attribute 'shape' of '/train' gives 41 rows"),
        ("logistic labels", ["-curio_input", good, "-curio_loss", "logistic"], "good.h5': labels '/train/y', row 0: logistic loss needs labels 0 or 1"),
        ("Poisson labels", ["-curio_input", v("negy", lambda f: replace(f, "train/y", -np.abs(f["train/y"][:]) - 1)), "-curio_loss", "poisson"],
         "poisson loss needs labels >= 0"),
        ("inherit without theta0", ["-curio_regularizer", "inherit"], "-curio_regularizer inherit needs -curio_theta0"),
        ("theta0 wrong length", ["-curio_input", good, "-curio_regularizer", "inherit", "-curio_theta0", good + ":/train/y"], "must have shape (4)"),
        ("theta0 missing dataset", ["-curio_input", good, "-curio_regularizer", "inherit", "-curio_theta0", good + ":/nope"], "has no dataset '/nope'"),
        ("theta_init NaN", ["-curio_input", good, "-curio_theta_init", nanth + ":/theta"], "-curio_theta_init: dataset '/theta' in '"),
        ("theta0 NaN", ["-curio_input", good, "-curio_regularizer", "inherit", "-curio_theta0", nanth + ":/theta"], "-curio_theta0: dataset '/theta' in '"),
        ("HDF5 as LIBSVM", ["-curio_input", svm_ok, "-curio_candidates", good], "good.h5' is an HDF5 file, read here as LIBSVM text"),
        ("theta0 without inherit", ["-curio_input", good, "-curio_theta0", good + ":/train/y"], "theta0 is the centre of -curio_regularizer inherit"),
        # labels ordered by class: fold 0's training rows (odd i) are all of one class, the whole data has both
        ("K-fold fold with one class", ["-curio_input", v("sorted01", lambda f: (replace(f, "train/y", (np.arange(40) % 2 == 0) * 1.0), f.__delitem__("candidates"), f.__delitem__("test"))),
                                        "-curio_loss", "logistic", "-curio_intercept", "-curio_regularizer", "restricted", "-curio_cv_folds", "2"],
         "No finite optimum on -curio_cv_folds 2's training rows for fold 0"),
        # the unpenalized parameter 0 of the restricted regularizer is a column of zeros: no curvature (all weights zero is refused earlier)
        ("singular H, direct", ["-curio_input", v("x0", lambda f: replace(f, "train/X", np.hstack([0 * f["train/X"][:, :1], f["train/X"][:, 1:]]))),
                                "-curio_regularizer", "restricted", "-curio_s", "1", "-curio_loocv", "false"], "The Hessian is singular: parameter 0"),
        ("singular H, krylov", ["-curio_input", os.path.join(tmp, "x0.h5"), "-curio_regularizer", "restricted", "-curio_s", "1",
                                "-curio_loocv", "false", "-curio_solver", "krylov"], "The Hessian is singular: parameter 0"),
        ("all weights zero", ["-curio_input", v("w0", lambda f: replace(f, "train/weight", 0 * f["train/weight"][:])), "-curio_s", "1"],
         "every weight in dataset '/train/weight' is zero"),
    ]


def digest(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("curio")
    ap.add_argument("--np", type=int, default=2)
    a = ap.parse_args()
    curio = os.path.abspath(a.curio)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        out, todo = cases(tmp)
        subprocess.run(["mpiexec", "-n", str(a.np), curio, "-curio_output", out], check=True, capture_output=True)
        before = digest(out)
        for name, args, expect in todo:
            if "-curio_output" not in args:
                args = args + ["-curio_output", out]
            # a shell per rank reports that rank's own exit status, so mpiexec does not stop at the first failure
            cmd = ["mpiexec", "-n", str(a.np), "sh", "-c", 'exec 3>&1; "$0" "$@"; echo "rank-exit $OMPI_COMM_WORLD_RANK $?"', curio] + args
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            codes = [int(line.split()[2]) for line in p.stdout.splitlines() if line.startswith("rank-exit")]
            problems = []
            if len(codes) != a.np or any(c == 0 for c in codes):
                problems.append(f"exit codes per rank {codes}")
            if expect not in p.stderr:
                problems.append(f"message lacks {expect!r}")
            if p.stderr.count("curio: error:") != 1 and "PETSC ERROR" not in p.stderr:
                problems.append("expected exactly one 'curio: error:' line")
            if digest(out) != before:
                problems.append("existing output changed")
            leftovers = [x for x in os.listdir(tmp) if ".tmp-" in x or x.endswith(".tmp")]
            if leftovers:
                problems.append(f"temporary files left: {leftovers}")
            msg = next((line for line in p.stderr.splitlines() if "error" in line.lower()), p.stderr.strip()[:200])
            print(f"{'ok' if not problems else 'FAIL':4} {name:22} {msg}")
            for pr in problems:
                print(f"       {pr}\n{p.stderr}")
            failures += bool(problems)
        # an output that is a symbolic link is written through it: the link stays, the file it names is replaced
        real, link = os.path.join(tmp, "real.h5"), os.path.join(tmp, "link.h5")
        shutil.copy(os.path.join(tmp, "good.h5"), real)
        os.symlink("real.h5", link)
        subprocess.run(["mpiexec", "-n", str(a.np), curio, "-curio_output", link], check=True, capture_output=True)
        with h5py.File(real) as f:
            linked = os.path.islink(link) and "model" in f and "timing" in f
        print(f"{'ok' if linked else 'FAIL':4} {'output through a link':22} the link kept, the file it names written")
        failures += not linked
        todo.append(None)
        # labels of 1e200: the fit and its tangent are exact (their norms are taken without overflow); SSI's Gram of the
        # squared loss derivatives overflows and says so
        big = variant(os.path.join(tmp, "good.h5"), os.path.join(tmp, "ybig.h5"), lambda f: replace(f, "train/y", 1e200 * f["train/y"][:]))
        bout = os.path.join(tmp, "ybig_out.h5")
        p = subprocess.run(["mpiexec", "-n", str(a.np), curio, "-curio_input", big, "-curio_output", bout, "-curio_s", "1", "-curio_loocv", "false",
                            "-curio_scores", "sld,var"], capture_output=True, text=True)
        problems = [] if p.returncode == 0 and "curio:" not in p.stderr else [f"rc {p.returncode}: {p.stderr}"]
        if not problems:
            with h5py.File(big) as fi, h5py.File(bout) as fo:
                X, y, w = fi["train/X"][:], fi["train/y"][:], fi["train/weight"][:]
                H = X.T @ (w[:, None] * X) + np.eye(X.shape[1])
                td = -np.linalg.solve(H, np.linalg.solve(H, X.T @ (w * y)))
                e = np.max(np.abs(fo["model/theta_dot"][:] - td)) / np.max(np.abs(td))
                fe = fo["model"].attrs["tangent_forward_error"]
                if not (e < 1e-12 and 0 < fe < 1e-12):
                    problems.append(f"theta_dot error {e:.2e}, tangent_forward_error {fe}")
        p = subprocess.run(["mpiexec", "-n", str(a.np), curio, "-curio_input", big, "-curio_output", bout, "-curio_s", "1", "-curio_loocv", "false"],
                           capture_output=True, text=True)
        if p.returncode == 0 or "SSI's reference Gram" not in p.stderr:
            problems.append(f"SSI overflow not reported: {p.stderr}")
        print(f"{'ok' if not problems else 'FAIL':4} {'labels of 1e200':22} theta_dot as numpy's, its error estimate finite; SSI's overflow named")
        for pr in problems:
            print(f"       {pr}")
        failures += bool(problems)
        todo.append(None)
    print(f"{len(todo) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

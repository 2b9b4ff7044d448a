#!/usr/bin/python3
"""Every group of every kind of curio file opens in xarray as a netCDF-4 group, without phony dimensions.

    /usr/bin/python3 tests/integration/test_xarray.py build/curio --np 2 --dir DIR [--keep]

Runs curio in each mode on small inputs written here (fit: features with a pool, a test set, selection, influence,
K-fold CV and CSV column names from scripts/curio-convert.py; fit on 1-D inputs; a streamed pool; sgdf with a
checkpoint; active; a study; users), then for every file (the checkpoint included) and every group g that holds a
dataset:

- xarray.open_dataset(f, engine="h5netcdf", group=g) succeeds (h5netcdf raises on an axis without a dimension scale
  unless phony_dims is given, and on a scale that lives in another group);
- every variable and coordinate has the attributes units and long_name (strings);
- no dimension is the fallback name `<dataset>_index` that the h5 layer gives an axis its writer did not name
  (checkpoints excepted: their items are generic);
- every dimension is a dimension scale in the group itself (h5py: the scale's parent is the group);
- no variable decodes to a time (units "s", not CF's "seconds", keep wall-clock times numbers);
- integer datasets are integers (the SGDF history's step, the active loop's round counts, selection indices);
- the CSV's column names reach the output (/train/feature_name, /model/feature_name).

Exit status 0 if all hold; the failures are listed otherwise."""
import argparse
import csv
import os
import shlex
import shutil
import subprocess
import sys

import h5py
import numpy as np
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MAKE_INPUT = os.path.join(HERE, "make_input.py")
ACTIVE_MAKE_INPUT = os.path.join(ROOT, "tests", "active", "active_make_input.py")
CONVERT = os.path.join(ROOT, "scripts", "curio-convert.py")
USERS_SYNTH = os.path.join(ROOT, "scripts", "curio-users-synth.py")
PY = sys.executable


def sh(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode:
        sys.exit(f"FAIL: {' '.join(map(str, cmd))}\n{r.stdout}\n{r.stderr}")
    return r


def csv_input(d):
    """A CSV with a header (label column 'price'), converted to HDF5 with the column names; pool and test set too"""
    rng = np.random.default_rng(4)
    names = ["fläche_m2", "rooms", "age_years", "distance_km"]
    out = os.path.join(d, "houses.h5")
    for group, n in (("train", 60), ("candidates", 25), ("test", 15)):
        X = rng.standard_normal((n, len(names)))
        y = X @ np.array([1.0, 0.5, -0.3, 0.2]) + 0.1 * rng.standard_normal(n)
        path = os.path.join(d, f"houses_{group}.csv")
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(names[:2] + ["price"] + names[2:])
            for i in range(n):
                w.writerow(list(X[i, :2]) + [y[i]] + list(X[i, 2:]))
        sh([PY, CONVERT, path, out, "--label-column", "price", "--group", group] + (["--append"] if group != "train" else []))
    return out, names


def make_runs(a, d):
    """Runs every mode; returns [(kind, file)]"""
    mpi = shlex.split(a.mpiexec) + ["-n", str(a.np), a.curio]
    files = []
    sh([PY, MAKE_INPUT, os.path.join(d, "oned.h5"), "--oned", "--n", "30"])
    sh([PY, MAKE_INPUT, os.path.join(d, "features.h5"), "--n", "60", "--d", "5"])
    sh([PY, MAKE_INPUT, os.path.join(d, "sgdf_in.h5"), "--n", "200", "--d", "6"])
    sh([PY, ACTIVE_MAKE_INPUT, os.path.join(d, "pool.h5"), "--m", "60", "--seed", "3"])
    sh([PY, USERS_SYNTH, os.path.join(d, "users_in.h5"), "--users", "12", "--d", "4", "--rows-dist", "poisson", "--cold", "3", "--cand", "4",
        "--test", "2"])
    houses, names = csv_input(d)
    grid = ["-curio_loocv_ns", "9", "-curio_loocv_smin", "1e-3", "-curio_loocv_smax", "1e2"]
    runs = [
        ("fit", "fit_csv.h5", ["-curio_input", houses, "-curio_intercept", "-curio_select_k", "4", "-curio_influence", "-curio_influence_ntest",
                               "3", "-curio_cv_folds", "5"] + grid),
        ("fit", "fit_oned.h5", ["-curio_input", os.path.join(d, "oned.h5"), "-curio_degree", "3", "-curio_cv_folds", "5"] + grid),
        ("fit", "fit_stream.h5", ["-curio_input", os.path.join(d, "features.h5"), "-curio_pool_chunk", "17", "-curio_select_k", "3"] + grid),
        ("sgdf", "sgdf.h5", ["-curio_mode", "sgdf", "-curio_input", os.path.join(d, "sgdf_in.h5"), "-curio_s", "0.5", "-curio_sgdf_lr", "1e-3",
                             "-curio_sgdf_batch", "16", "-curio_sgdf_epochs", "3", "-curio_checkpoint_prefix", os.path.join(d, "ckpt"),
                             "-curio_checkpoint_every", "10"]),
        ("active", "active.h5", ["-curio_mode", "active", "-curio_input", os.path.join(d, "pool.h5"), "-curio_al_budget", "20", "-curio_al_seed_size", "8",
                                 "-curio_al_batch", "4"] + grid),
        ("users", "users.h5", ["-curio_mode", "users", "-curio_input", os.path.join(d, "users_in.h5"), "-curio_s", "0.5",
                               "-curio_users_select_k", "5"]),
    ]
    for kind, name, opts in runs:
        out = os.path.join(d, name)
        sh(mpi + opts + ["-curio_output", out])
        files.append((kind, out))
    ck = sorted(f for f in os.listdir(d) if f.startswith("ckpt-") and f.endswith(".h5"))
    if not ck:
        sys.exit("FAIL: the SGDF run wrote no checkpoint")
    files.append(("checkpoint", os.path.join(d, ck[-1])))
    sdir = os.path.join(d, "study")
    sh(mpi + ["-curio_mode", "study", "-curio_study_inputs", os.path.join(d, "pool.h5"), "-curio_study_strategies", "sld,random",
              "-curio_study_seeds", "1", "-curio_study_dir", sdir, "-curio_al_budget", "16", "-curio_al_batch", "4", "-curio_al_seed_size", "8"] + grid)
    for f in sorted(os.listdir(sdir)):
        if f.endswith(".h5"):
            files.append(("study", os.path.join(sdir, f)))
    return files, names


def groups_with_datasets(path):
    out = []
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Group) and any(isinstance(v, h5py.Dataset) for v in obj.values()):
                out.append("/" + name)
        if any(isinstance(v, h5py.Dataset) for v in f.values()):
            out.append("/")
        f.visititems(visit)
    return out


def check_scales_local(path, group, fails):
    with h5py.File(path, "r") as f:
        for name, obj in f[group].items():
            if not isinstance(obj, h5py.Dataset) or obj.ndim == 0:
                continue
            for k, dim in enumerate(obj.dims):
                if len(dim) == 0 and obj.attrs.get("CLASS") != b"DIMENSION_SCALE":
                    fails.append(f"{path}:{obj.name}: axis {k} has no dimension scale")
                for sc in dim.values():
                    if sc.parent.name != f[group].name:
                        fails.append(f"{path}:{obj.name}: axis {k}'s scale {sc.name} is not in {group}")


INTEGER = {"sgdf": ["/sgdf/history/step"], "active": ["/rounds/n_labeled", "/selected/index", "/selected/round"],
           "fit": ["/selection/index"], "users": ["/users/id"]}


def check_file(kind, path, fails):
    groups = groups_with_datasets(path)
    for g in groups:
        try:
            ds = xr.open_dataset(path, engine="h5netcdf", group=g)
        except Exception as e:  # noqa: BLE001 (any failure to open is the finding)
            fails.append(f"{kind} {path} group {g}: xarray cannot open it: {type(e).__name__}: {e}")
            continue
        with ds:
            for name, var in list(ds.variables.items()):
                if var.dtype.kind in "mM":  # CF decoding turned a number into a time: its units are a time word ("seconds")
                    fails.append(f"{kind} {path} {g}/{name}: xarray decodes it as {var.dtype}, not a number in its units")
                for att in ("units", "long_name"):
                    v = var.attrs.get(att, var.encoding.get(att))  # xarray moves the units of times into the encoding
                    if not isinstance(v, str) or not v:
                        fails.append(f"{kind} {path} {g}/{name}: no '{att}' attribute")
            for dim in ds.dims:
                if kind != "checkpoint" and dim.endswith("_index") and dim[:-len("_index")] in ds.variables:
                    fails.append(f"{kind} {path} {g}: dimension '{dim}' is the fallback name: its writer did not name it")
            print(f"  {kind:10s} {os.path.basename(path):28s} {g:22s} dims {dict(ds.sizes)}  vars {len(ds.data_vars)}")
        check_scales_local(path, g, fails)
    with h5py.File(path, "r") as f:
        for name in INTEGER.get(kind, []):
            if name in f and f[name].dtype.kind not in "iu":
                fails.append(f"{kind} {path}:{name} is stored as {f[name].dtype}, expected an integer type")
            elif name not in f and kind != "fit":
                fails.append(f"{kind} {path}: {name} missing")
    return groups


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("curio")
    ap.add_argument("--np", type=int, default=2)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--mpiexec", default="mpiexec --oversubscribe")
    a = ap.parse_args()
    shutil.rmtree(a.dir, ignore_errors=True)  # a study skips the runs whose files exist: start from nothing
    os.makedirs(a.dir)
    files, names = make_runs(a, a.dir)
    fails, kinds = [], set()
    for kind, path in files:
        check_file(kind, path, fails)
        kinds.add(kind)
    missing = {"fit", "sgdf", "active", "study", "users", "checkpoint"} - kinds
    if missing:
        fails.append(f"no file of kind {sorted(missing)}")
    with h5py.File(os.path.join(a.dir, "fit_csv.h5"), "r") as f:
        got = [s.decode() if isinstance(s, bytes) else s for s in f["/train/feature_name"][()]]
        if got != names:
            fails.append(f"/train/feature_name is {got}, the CSV's columns are {names}")
        got = [s.decode() if isinstance(s, bytes) else s for s in f["/model/feature_name"][()]]
        if got != ["intercept"] + names:
            fails.append(f"/model/feature_name is {got}, expected {['intercept'] + names}")
    ds = xr.open_dataset(os.path.join(a.dir, "fit_csv.h5"), engine="h5netcdf", group="/train")
    if ds["X"].dims != ("index", "feature"):
        fails.append(f"/train/X has dims {ds['X'].dims}, expected ('index', 'feature')")
    ds.close()
    # the names are variable-length UTF-8 strings: str in xarray and through h5py's .asstr(), not bytes
    for group, want in (("/train", names), ("/model", ["intercept"] + names)):
        with xr.open_dataset(os.path.join(a.dir, "fit_csv.h5"), engine="h5netcdf", group=group) as ds:
            got = list(ds["feature_name"].values)
        if got != want or not all(type(v) is str for v in got):
            fails.append(f"{group}/feature_name in xarray is {got!r}, expected the str {want!r}")
    with h5py.File(os.path.join(a.dir, "fit_csv.h5"), "r") as f:
        for group in ("/train", "/model"):
            info = h5py.check_string_dtype(f[group + "/feature_name"].dtype)
            if info is None or info.length is not None or info.encoding != "utf-8":
                fails.append(f"{group}/feature_name is {f[group + '/feature_name'].dtype}, expected variable-length UTF-8 strings")
    for f in fails:
        print("FAIL:", f)
    print(f"xarray: {len(files)} files ({', '.join(sorted(kinds))}), {'all groups open' if not fails else f'{len(fails)} failures'}")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())

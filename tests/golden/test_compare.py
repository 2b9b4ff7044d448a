#!/usr/bin/python3
"""Self-test of compare.py on small synthetic HDF5 files: it must pass what agrees and fail what does not.

    /usr/bin/python3 tests/golden/test_compare.py

Each case writes a reference and a modified copy, runs compare.py on them (the command line, as run_golden.py and a
user would) and checks its exit status and the line that names the item."""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
COMPARE = os.path.join(HERE, "compare.py")


def write_reference(path, attach_order=("theta", "theta_dot")):
    """a miniature curio output: dimension scales, float/int/string datasets and attributes, volatile items"""
    rng = np.random.default_rng(7)
    with h5py.File(path, "w") as f:
        f.attrs["schema_version"] = np.int64(1)
        f.attrs["created"] = "2026-01-01T00:00:00Z"
        f.attrs["curio_version"] = "0.1.0"
        f.attrs["input"] = "inputs/features.h5"
        f["model/theta"] = rng.standard_normal(6)
        f["model/theta_dot"] = 1e-3 * rng.standard_normal(6)
        f["model/feature"] = np.arange(6, dtype=np.int64)
        f["model/feature"].make_scale("feature")
        for name in attach_order:
            f[f"model/{name}"].dims[0].attach_scale(f["model/feature"])
        f["model"].attrs["loss"] = "squared"
        f["model"].attrs["sigma2"] = 0.09
        f["model/s"] = 0.25
        f["scores/sld"] = np.append(rng.random(20), np.nan)
        f["scores"].attrs["reference_size"] = np.int64(60)
        f["selection/index"] = np.array([4, 17, 2], dtype=np.int64)
        f.create_group("timing")
        f["timing"].attrs["total"] = 1.5
        f["timing"].attrs["peak_rss_mib"] = 40.0


def run(ref, new, *flags):
    p = subprocess.run([sys.executable, COMPARE, ref, new, *flags], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def main():
    tmp = tempfile.mkdtemp(prefix="golden_selftest_")
    ref = os.path.join(tmp, "ref.h5")
    write_reference(ref)

    def modified(name, change, attach_order=("theta", "theta_dot")):
        path = os.path.join(tmp, name + ".h5")
        write_reference(path, attach_order)
        with h5py.File(path, "a") as f:
            change(f)
        return path

    def scale(name, factor):
        def change(f):
            f[name][...] = f[name][()] * factor
        return change

    def set_attr(obj, key, value):
        def change(f):
            f[obj].attrs[key] = value
        return change

    def delete(name):
        def change(f):
            del f[name]
        return change

    def delete_attr(obj, key):
        def change(f):
            del f[obj].attrs[key]
        return change

    def add_dataset(f):
        f["scores/new_heuristic"] = np.ones(3)
        f["model"].attrs["new_attribute"] = 1

    def nudge(name, rel):
        def change(f):
            v = f[name][()].copy()
            v[np.argmax(np.abs(np.nan_to_num(v)))] *= 1 + rel
            f[name][...] = v
        return change

    def nan_moves(f):
        v = f["scores/sld"][()]
        v[0], v[-1] = np.nan, 0.5
        f["scores/sld"][...] = v

    def retype(f):
        v = f["selection/index"][()]
        del f["selection/index"]
        f["selection/index"] = v.astype(np.float64)

    def reshape(f):
        del f["selection/index"]
        f["selection/index"] = np.array([4, 17], dtype=np.int64)

    # (name, new file, extra flags, expected exit status, text that must appear in the report)
    cases = [
        ("identical files pass", ref, [], 0, "0 failures"),
        ("identical files pass --bitwise", ref, ["--bitwise"], 0, "0 failures"),
        ("a value changed by 1e-10 relative fails", modified("rel1e10", nudge("model/theta", 1e-10)), [], 1, "FAIL /model/theta"),
        ("a value changed by 1e-15 relative passes, within tolerance", modified("rel1e15", nudge("model/theta", 1e-15)), [], 0, "1 within tolerance"),
        ("a value changed by 1e-15 relative fails --bitwise", modified("rel1e15b", nudge("model/theta", 1e-15)), ["--bitwise"], 1,
         "FAIL /model/theta: not bitwise"),
        ("a float attribute changed by 1e-10 relative fails", modified("attr", set_attr("model", "sigma2", 0.09 * (1 + 1e-10))), [], 1,
         "FAIL /model@sigma2"),
        ("a scalar dataset changed fails", modified("scalar", scale("model/s", 1 + 1e-9)), [], 1, "FAIL /model/s"),
        ("a NaN that moves fails", modified("nan", nan_moves), [], 1, "non-finite"),
        ("a missing dataset fails", modified("missing", delete("model/theta_dot")), [], 1, "FAIL /model/theta_dot: dataset missing"),
        ("a missing group fails", modified("missing_group", delete("selection")), [], 1, "FAIL /selection: group missing"),
        ("a missing attribute fails", modified("missing_attr", delete_attr("model", "loss")), [], 1, "FAIL /model@loss: attribute missing"),
        ("a missing volatile attribute fails", modified("missing_volatile", delete_attr("timing", "total")), [], 1,
         "FAIL /timing@total: attribute missing"),
        ("a changed string attribute fails", modified("string", set_attr("model", "loss", "logistic")), [], 1, "FAIL /model@loss"),
        ("a changed integer fails", modified("int", scale("selection/index", 2)), [], 1, "FAIL /selection/index"),
        ("an integer dataset that became float fails", modified("kind", retype), [], 1, "type integer -> float"),
        ("a changed shape fails", modified("shape", reshape), [], 1, "shape (3,) -> (2,)"),
        ("an added dataset and attribute pass and are listed", modified("added", add_dataset), [], 0, "added: /scores/new_heuristic"),
        ("volatile items (date, version, timing) may differ",
         modified("volatile", lambda f: (f.attrs.__setitem__("created", "2030-05-05T12:00:00Z"), f.attrs.__setitem__("curio_version", "0.2.0"),
                                         f["timing"].attrs.__setitem__("total", 99.0))), ["--bitwise"], 0, "0 failures"),
        ("dimension scales attached in another order pass", modified("scales", lambda f: None, ("theta_dot", "theta")), ["--bitwise"], 0,
         "0 failures"),
        ("a dimension scale attached to another dataset fails",
         modified("scale_moved", lambda f: f["model/theta"].dims[0].detach_scale(f["model/feature"])), [], 1, "FAIL /model/theta@DIMENSION_LIST"),
    ]
    failures = 0
    for name, new, flags, want, text in cases:
        code, out = run(ref, new, *flags)
        ok = code == want and text in out
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + ("" if ok else f" (exit {code}, expected {want}, expected text {text!r}):\n{out}"))
    print(f"{len(cases) - failures} of {len(cases)} cases as expected")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

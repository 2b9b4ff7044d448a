#!/usr/bin/python3
"""scripts/curio-convert.py: CSV and LIBSVM text become curio's HDF5 input layout (dense X, y or CSR indptr,
indices, data, y and the attribute 'shape'), checked with h5py against the known rows; --append adds a group and
takes its number of columns from the file; malformed input fails with the file and line named and a non-zero exit,
leaving no output behind.

    /usr/bin/python3 tests/integration/test_convert.py [path/to/curio-convert.py]"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "scripts", "curio-convert.py")

LIBSVM = """# rows of very different lengths, comments, blank lines, a qid
1 1:0.5 3:-2 10:1e-3

-1 qid:3 2:4   # trailing comment
+2.5 5:1.25e2\t7:3\r
0
3 1:1 2:2 3:3 4:4 5:5 6:6 7:7 8:8 9:9 10:10
-0.75 4:0.5"""
# the same rows, dense (10 columns)
LIBSVM_X = np.zeros((6, 10))
LIBSVM_X[0, [0, 2, 9]] = [0.5, -2, 1e-3]
LIBSVM_X[1, 1] = 4
LIBSVM_X[2, [4, 6]] = [125, 3]
LIBSVM_X[4, :] = np.arange(1, 11)
LIBSVM_X[5, 3] = 0.5
LIBSVM_Y = np.array([1, -1, 2.5, 0, 3, -0.75])


def run(*args):
    p = subprocess.run([sys.executable, SCRIPT, *map(str, args)], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def write(path, text):
    with open(path, "w", newline="") as fh:
        fh.write(text)
    return path


def csr_to_dense(g):
    n, d = (int(v) for v in g.attrs["shape"])
    indptr, indices, data = g["indptr"][:], g["indices"][:], g["data"][:]
    assert indptr.dtype == np.int64 and indices.dtype == np.int64 and data.dtype == np.float64
    assert len(indptr) == n + 1 and indptr[0] == 0 and indptr[-1] == len(indices) == len(data)
    X = np.zeros((n, d))
    for i in range(n):
        cols = indices[indptr[i]:indptr[i + 1]]
        assert np.all(np.diff(cols) > 0) and np.all((cols >= 0) & (cols < d)), f"row {i}: bad columns {cols}"
        X[i, cols] = data[indptr[i]:indptr[i + 1]]
    return X


def ok(code, out):
    assert code == 0, f"exit {code}: {out}"


def test_libsvm_csr(tmp):
    src, out = write(os.path.join(tmp, "a.svm"), LIBSVM), os.path.join(tmp, "a.h5")
    ok(*run(src, out))
    with h5py.File(out, "r") as f:
        assert set(f) == {"train"} and set(f["train"]) == {"indptr", "indices", "data", "y"}
        assert list(f["train"].attrs["shape"]) == [6, 10]
        assert np.array_equal(csr_to_dense(f["train"]), LIBSVM_X)
        assert np.array_equal(f["train/y"][:], LIBSVM_Y)
    assert not [x for x in os.listdir(tmp) if ".tmp-" in x]


def test_libsvm_dense_and_ncols(tmp):
    src, out = write(os.path.join(tmp, "a.svm"), LIBSVM), os.path.join(tmp, "b.h5")
    ok(*run(src, out, "--dense", "--ncols", 12, "--group", "test"))
    with h5py.File(out, "r") as f:
        X = f["test/X"][:]
        assert X.shape == (6, 12) and X.dtype == np.float64
        assert np.array_equal(X[:, :10], LIBSVM_X) and not X[:, 10:].any()
        assert np.array_equal(f["test/y"][:], LIBSVM_Y)


def test_append(tmp):
    out = os.path.join(tmp, "c.h5")
    ok(*run(write(os.path.join(tmp, "a.svm"), LIBSVM), out))
    # the pool mentions only columns up to 4: the file's /train fixes 10 columns
    ok(*run(write(os.path.join(tmp, "pool.svm"), "0 2:1\n0 4:-1\n"), out, "--group", "candidates", "--append"))
    with h5py.File(out, "r") as f:
        assert set(f) == {"train", "candidates"}
        assert list(f["candidates"].attrs["shape"]) == [2, 10]
        assert np.array_equal(csr_to_dense(f["candidates"]), [[0, 1] + [0] * 8, [0, 0, 0, -1] + [0] * 6])
    code, msg = run(write(os.path.join(tmp, "wide.svm"), "1 11:1\n"), out, "--group", "test", "--append")
    assert code != 0 and "has index 11, but group '/train'" in msg, msg
    code, msg = run(os.path.join(tmp, "pool.svm"), out, "--group", "candidates", "--append")
    assert code != 0 and "group '/candidates' already exists" in msg, msg
    with h5py.File(out, "r") as f:
        assert set(f) == {"train", "candidates"}


def test_csv(tmp):
    rng = np.random.default_rng(3)
    X = np.round(rng.standard_normal((7, 3)), 6)
    X[2, 1] = 0
    y = np.round(rng.standard_normal(7), 6)
    # header, label by name in the middle
    lines = ["a,price,b,c"] + [f"{X[i, 0]!r},{y[i]!r},{X[i, 1]!r},{X[i, 2]!r}" for i in range(7)]
    src, out = write(os.path.join(tmp, "t.csv"), "\n".join(lines) + "\n"), os.path.join(tmp, "d.h5")
    ok(*run(src, out, "--label-column", "price"))
    with h5py.File(out, "r") as f:
        assert np.array_equal(f["train/X"][:], X) and np.array_equal(f["train/y"][:], y)
    # no header, label last (default), CRLF line ends, a blank line; CSR
    lines = [",".join(repr(v) for v in [*X[i], y[i]]) for i in range(7)]
    lines.insert(3, "")
    src = write(os.path.join(tmp, "n.csv"), "\r\n".join(lines) + "\r\n")
    ok(*run(src, out, "--sparse"))
    with h5py.File(out, "r") as f:
        assert list(f["train"].attrs["shape"]) == [7, 3]
        assert len(f["train/data"]) == np.count_nonzero(X)
        assert np.array_equal(csr_to_dense(f["train"]), X) and np.array_equal(f["train/y"][:], y)
    # unlabeled candidates: label column 'none'
    src = write(os.path.join(tmp, "pool.csv"), "1,2,3\n4,5,6\n")
    ok(*run(src, out, "--group", "candidates", "--label-column", "none", "--append"))
    with h5py.File(out, "r") as f:
        assert np.array_equal(f["candidates/X"][:], [[1, 2, 3], [4, 5, 6]]) and "y" not in f["candidates"]


def test_malformed(tmp):
    out = os.path.join(tmp, "bad.h5")
    cases = [
        ("a.svm", "1 1:1 3:2\n\n2 3:1 2:1\n", [], "line 3: index 2 is not greater than the previous index 3"),
        ("a.svm", "# c\n1 0:1\n", [], "line 2: index 0 is not allowed"),
        ("a.svm", "1 x:1\n", [], "line 1: index 'x' is not a positive integer"),
        ("a.svm", "1 1:1\n1 6:1\n", ["--ncols", 5], "line 2: index 6 is larger than the number of columns (5)"),
        ("a.svm", "1 1:abc\n", [], "line 1: value 'abc' of index 1 is not a finite number"),
        ("a.svm", "1 1:nan\n", [], "line 1: value 'nan' of index 1 is not a finite number"),
        ("a.svm", "1 1:1_0\n", [], "line 1: value '1_0' of index 1 is not a finite number"),
        ("a.svm", "inf 1:1\n", [], "line 1: label 'inf' is not a finite number"),
        ("a.svm", "1 1:1\n1:2 2:3\n", [], "line 2: the line has no label"),
        ("a.svm", "1 2 3:4\n", [], "line 1: '2' is not an index:value pair"),
        ("a.svm", "# only a comment\n\n", [], "has no data rows"),
        ("a.svm", "1\n2\n", [], "give --ncols"),
        ("a.csv", "1,2,3\n4,x,6\n", [], "line 2: column 1: 'x' is not a finite number"),
        ("a.csv", "a,b,y\n1,2,3\n4,5\n", [], "line 3: 2 fields, expected 3 (as on line 1)"),
        ("a.csv", "a,b,y\n1,2,3\n", ["--label-column", "z"], "--label-column z: no such column"),
        ("a.csv", "1,2,3\n", ["--label-column", "none"], "--label-column none is for --group candidates only"),
        ("a.csv", "1,2,3\n", ["--ncols", 5], "has 2 feature columns, but --ncols is 5"),
        ("missing.svm", None, [], "Cannot read input file"),
        # a first line whose only non-numbers are missing-value markers is data with a gap, not a header
        ("a.csv", "1,NA,3\n4,5,6\n", [], "line 1: column 1: 'NA' is not a finite number"),
        ("a.csv", "1,,3\n4,5,6\n", [], "line 1: column 1: '' is not a finite number"),
        ("a.csv", "x,u,y\n1,1e20,3\n", ["--user-column", "u"], "line 2: user column: '1e20' is too large for a user id"),
    ]
    failures = 0
    for name, text, args, want in cases:
        src = os.path.join(tmp, name)
        if text is not None:
            write(src, text)
        code, msg = run(src, out, *args)
        good = code != 0 and want in msg and (f"'{src}'" in msg or "line" not in want)  # a line number comes with the file
        good = good and not os.path.exists(out) and not [x for x in os.listdir(tmp) if ".tmp-" in x]
        print(f"    {'ok' if good else 'FAIL':4} {msg.strip()}")
        failures += not good
        if text is not None:
            os.remove(src)
    assert not failures, f"{failures} malformed inputs not reported as expected"


def test_bom_tsv_self(tmp):
    """a byte-order mark is not part of the first field; a .tsv file is split at tabs; the output may not be the input"""
    out = os.path.join(tmp, "o.h5")
    with open(os.path.join(tmp, "bom.csv"), "wb") as fh:
        fh.write("\ufeff1,2,3\n4,5,6\n7,8,9\n".encode("utf-8"))
    ok(*run(os.path.join(tmp, "bom.csv"), out))
    with h5py.File(out) as f:
        assert f["train/X"][:].tolist() == [[1, 2], [4, 5], [7, 8]] and "feature_name" not in f["train"], "BOM, no header: the first row kept"
    with open(os.path.join(tmp, "bomh.csv"), "wb") as fh:
        fh.write("\ufeffa,b,y\n1,2,3\n".encode("utf-8"))
    ok(*run(os.path.join(tmp, "bomh.csv"), out, "--label-column", "a"))
    with h5py.File(out) as f:
        assert [v.decode() for v in f["train/feature_name"][:]] == ["b", "y"] and f["train/y"][:].tolist() == [1], "BOM before a header name"
    ok(*run(write(os.path.join(tmp, "t.tsv"), "a\tb\ty\n1\t2\t3\n"), out))
    with h5py.File(out) as f:
        assert f["train/X"][:].tolist() == [[1, 2]] and f["train/y"][:].tolist() == [3], ".tsv split at tabs"
    src = write(os.path.join(tmp, "self.csv"), "1,2,3\n")
    code, msg = run(src, os.path.join(tmp, ".", "self.csv"))
    assert code != 0 and "is the input file" in msg and open(src).read() == "1,2,3\n", f"output = input: {msg}"


def main():
    global SCRIPT
    if len(sys.argv) > 1:
        SCRIPT = os.path.abspath(sys.argv[1])
    failures = 0
    for name, fn in [(k, v) for k, v in globals().items() if k.startswith("test_")]:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                fn(tmp)
                print(f"ok   {name}")
            except AssertionError as e:
                print(f"FAIL {name}: {e}")
                failures += 1
    print(f"{'all passed' if not failures else f'{failures} failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Converts CSV (dense) or LIBSVM/SVMlight text to curio's HDF5 input layout.

    scripts/curio-convert.py train.svm data.h5                                  # LIBSVM -> CSR in /train
    scripts/curio-convert.py pool.svm data.h5 --group candidates --append       # add a candidate pool
    scripts/curio-convert.py table.csv data.h5 --label-column price             # CSV -> dense /train/X, /train/y
    scripts/curio-convert.py table.csv data.h5 --sparse                         # CSV -> CSR
    scripts/curio-convert.py table.csv data.h5 --user-column subject            # and /train/user (-curio_mode users)

Layouts written in group /<group> (train, candidates or test):
  dense (default for CSV):      X (n, d) float64, y (n) float64
  CSR (--sparse, default for LIBSVM):
                                indptr (n+1) int64, indices (nnz) int64 (0-based columns, strictly increasing in
                                each row), data (nnz) float64, y (n) float64, and the attribute 'shape' on the group:
                                int64 [n, d]

LIBSVM input: one row per line, 'label index:value ...' with 1-based, strictly increasing indices; blank lines and
lines starting with '#' are skipped, a trailing '# comment' is allowed, 'qid:N' tokens are ignored. The file is read
line by line; only the parsed numbers are kept. CSV input: one row per line, the label in --label-column (default:
the last column), a header line detected automatically (a line with a field that is neither a number nor a missing-value
marker such as NA, ? or an empty field) or forced with
--header / --no-header (the header's names of the feature columns are written as the strings /<group>/feature_name,
which curio carries into its output), a user id per row in --user-column (written as int64 /<group>/user, not a feature; a
non-negative integer). Every value must be a finite number; a malformed line is an error naming the file and line.

Without --append the output file is written to a temporary name and renamed into place (an existing file is
replaced); with --append the group is added to an existing file, whose other groups fix the number of columns.
"""
import argparse
import array
import csv
import math
import os
import re
import sys

import h5py
import numpy as np

GROUPS = ("train", "candidates", "test")
_INT = re.compile(rb"[0-9]+\Z")


class ConvertError(Exception):
    pass


def _number(tok):
    """A finite float from a token (bytes or str), or None. Python's float() also takes '1_0' and spaces: refused,
    so that the converter accepts no more than curio's own LIBSVM reader (strtod)."""
    if not tok or (b"_" in tok if isinstance(tok, bytes) else "_" in tok):
        return None
    try:
        v = float(tok)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _shown(tok):
    s = tok.decode("utf-8", "replace") if isinstance(tok, bytes) else tok
    return s if len(s) < 48 else s[:40] + "..."


# --------------------------------------------------------------------------------------------------------------------
# readers: each returns a dict with n, ncols_min (the columns the data needs), and either dense X or CSR arrays, y


def read_libsvm(path, ncols):
    """Streams LIBSVM/SVMlight text; returns CSR arrays (0-based columns) and labels."""
    y = array.array("d")
    indptr = array.array("q", [0])
    indices = array.array("q")
    data = array.array("d")
    maxidx = 0
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):

            def fail(why):
                raise ConvertError(f"Input file '{path}', line {lineno}: {why}")

            if b"\0" in raw:
                fail("the line contains a NUL byte (is this a text file?)")
            toks = raw.split(b"#", 1)[0].split()
            if not toks:
                continue
            if b":" in toks[0]:
                fail(f"the line has no label: it starts with '{_shown(toks[0])}', expected 'label index:value ...'")
            label = _number(toks[0])
            if label is None:
                fail(f"label '{_shown(toks[0])}' is not a finite number")
            prev = 0
            for tok in toks[1:]:
                if tok.startswith(b"qid:"):
                    continue
                idx_s, colon, val_s = tok.partition(b":")
                if not colon:
                    fail(f"'{_shown(tok)}' is not an index:value pair")
                if not _INT.match(idx_s):
                    fail(f"index '{_shown(idx_s)}' is not a positive integer")
                idx = int(idx_s)
                if idx > 2**63 - 1:
                    fail(f"index {_shown(idx_s)} is too large")
                if idx == 0:
                    fail("index 0 is not allowed (indices are 1-based)")
                if ncols and idx > ncols:
                    fail(f"index {idx} is larger than the number of columns ({ncols})")
                if idx <= prev:
                    fail(f"index {idx} is not greater than the previous index {prev} (indices must increase)")
                v = _number(val_s)
                if v is None:
                    fail(f"value '{_shown(val_s)}' of index {idx} is not a finite number")
                indices.append(idx - 1)
                data.append(v)
                prev = idx
            maxidx = max(maxidx, prev)
            y.append(label)
            indptr.append(len(indices))
    if not y:
        raise ConvertError(f"Input file '{path}' has no data rows (it is empty or has only blank and comment lines)")
    return {"n": len(y), "ncols_min": maxidx, "fixed_ncols": False, "y": np.frombuffer(y, dtype=np.float64),
            "indptr": np.frombuffer(indptr, dtype=np.int64), "indices": np.frombuffer(indices, dtype=np.int64),
            "data": np.frombuffer(data, dtype=np.float64)}


# tokens that stand for a missing value in exported tables (R, pandas, spreadsheets): a first line whose only
# non-numbers are these is data with a gap, refused as such, not a header
_MISSING = {"", "na", "nan", "n/a", "null", "none", "?", ".", "-", "inf", "-inf", "+inf", "infinity", "-infinity"}


def _is_header_row(fields):
    """A header: some field is neither a number nor a missing-value marker"""
    return any(_number(f.strip()) is None and f.strip().lower() not in _MISSING for f in fields)


def read_csv(path, label_column, header, delimiter, user_column=None):
    """Reads a CSV table row by row; returns dense X and labels (y None with --label-column none), and with
    --user-column the user id of every row (a non-negative integer, -curio_mode users)."""
    values = array.array("d")
    y = array.array("d")
    users = array.array("q")
    ucol = None
    names = None
    width = None
    label = None
    first_line = None
    lineno = 0
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:  # -sig: a byte-order mark is not part of the first field
            rdr = csv.reader(fh, delimiter=delimiter)
            for fields in rdr:
                lineno = rdr.line_num

                def fail(why):
                    raise ConvertError(f"Input file '{path}', line {lineno}: {why}")

                if not fields or all(not f.strip() for f in fields) or fields[0].lstrip().startswith("#"):
                    continue
                if width is None:
                    width, first_line = len(fields), lineno
                    has_header = header if header is not None else _is_header_row(fields)
                    if has_header:
                        names = [f.strip() for f in fields]
                    label = _label_index(label_column, names, width, path)
                    if user_column is not None:
                        ucol = _label_index(user_column, names, width, path, "--user-column")
                        if ucol == label:
                            raise ConvertError(f"--user-column {user_column} is the label column")
                    if has_header:
                        continue
                if len(fields) != width:
                    fail(f"{len(fields)} fields, expected {width} (as on line {first_line})")
                for j, f in enumerate(fields):
                    v = _number(f.strip())
                    if v is None:
                        col = f"'{names[j]}' ({j})" if names else f"{j}"
                        fail(f"column {col}: '{_shown(f)}' is not a finite number")
                    if j == ucol:
                        if v < 0 or v != int(v):
                            fail(f"user column: '{_shown(f)}' is not a non-negative integer user id")
                        if v >= 2**53:  # beyond it a float is not every integer, and the int64 id would not be the file's
                            fail(f"user column: '{_shown(f)}' is too large for a user id (at most 2^53 - 1)")
                        users.append(int(v))
                    elif j == label:
                        y.append(v)
                    else:
                        values.append(v)
    except UnicodeDecodeError as e:
        bad = lineno + 1  # the reader decodes ahead of the lines it returns: find the line itself
        with open(path, "rb") as fh:
            for k, raw in enumerate(fh, 1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError:
                    bad = k
                    break
        raise ConvertError(f"Input file '{path}', line {bad}: not UTF-8 text ({e.reason}); re-save the file as UTF-8") from None
    if width is None or (label is not None and not y) or (label is None and not values):
        raise ConvertError(f"Input file '{path}' has no data rows")
    d = width - (label is not None) - (ucol is not None)
    if d < 1:
        raise ConvertError(f"Input file '{path}' has no feature columns besides the label")
    X = np.frombuffer(values, dtype=np.float64).reshape(-1, d)
    features = [nm for j, nm in enumerate(names) if j != label and j != ucol] if names else None
    return {"n": X.shape[0], "ncols_min": d, "fixed_ncols": True, "X": X, "feature_names": features,
            "y": np.frombuffer(y, dtype=np.float64) if label is not None else None,
            "user": np.frombuffer(users, dtype=np.int64) if ucol is not None else None}


def _label_index(spec, names, width, path, option="--label-column"):
    """The label (or user) column: 'none', a header name, or a 0-based index (negative counts from the end)."""
    if spec is None:
        return width - 1
    if spec.lower() == "none":
        return None
    if names and spec in names:
        return names.index(spec)
    try:
        k = int(spec)
    except ValueError:
        where = f"the header has {', '.join(names)}" if names else "the file has no header line"
        raise ConvertError(f"{option} {spec}: no such column in '{path}' ({where})") from None
    if not -width <= k < width:
        raise ConvertError(f"{option} {spec}: '{path}' has {width} columns (0-based index, negative from the end)")
    return k % width


# --------------------------------------------------------------------------------------------------------------------
# layouts


def to_dense(rows, ncols):
    if "X" in rows:
        return rows["X"]
    X = np.zeros((rows["n"], ncols))
    counts = np.diff(rows["indptr"])
    X[np.repeat(np.arange(rows["n"]), counts), rows["indices"]] = rows["data"]
    return X


def to_csr(rows):
    if "indptr" in rows:
        return rows["indptr"], rows["indices"], rows["data"]
    X = rows["X"]
    nz = X != 0
    indptr = np.concatenate(([0], np.cumsum(nz.sum(axis=1)))).astype(np.int64)
    r, c = np.nonzero(nz)  # row-major order: columns increase within a row
    return indptr, c.astype(np.int64), X[r, c]


def group_ncols(g):
    """Columns of an existing group of either layout, or None."""
    if "X" in g and len(g["X"].shape) == 2:
        return int(g["X"].shape[1])
    if "shape" in g.attrs:
        return int(np.asarray(g.attrs["shape"]).ravel()[1])
    return None


def write_group(f, group, rows, ncols, sparse):
    g = f.create_group(group)
    if sparse:
        indptr, indices, data = to_csr(rows)
        g.attrs["shape"] = np.array([rows["n"], ncols], dtype=np.int64)
        g.create_dataset("indptr", data=indptr, dtype=np.int64)
        g.create_dataset("indices", data=indices, dtype=np.int64)
        g.create_dataset("data", data=data, dtype=np.float64)
    else:
        g.create_dataset("X", data=to_dense(rows, ncols), dtype=np.float64)
    names = rows.get("feature_names")
    if names:  # the CSV header's column names: curio carries them into its output (/train/feature_name, /model/feature_name)
        g.create_dataset("feature_name", data=np.array(names, dtype=object), dtype=h5py.string_dtype("utf-8"))
    if not sparse:  # dimension scales, so that the group opens in xarray (rows: index; columns: feature_name or feature)
        g.create_dataset("index", data=np.arange(rows["n"], dtype=np.int64)).make_scale("index")
        if names:
            col = g["feature_name"]
        else:
            col = g.create_dataset("feature", data=np.arange(ncols, dtype=np.int64))
        col.make_scale(col.name.rsplit("/", 1)[1])
        g["X"].dims[0].attach_scale(g["index"])
        g["X"].dims[1].attach_scale(col)
    if rows["y"] is not None:
        g.create_dataset("y", data=rows["y"], dtype=np.float64)
    if rows.get("user") is not None:
        g.create_dataset("user", data=rows["user"], dtype=np.int64)
    if not sparse:
        for name in ("y", "user"):
            if name in g:
                g[name].dims[0].attach_scale(g["index"])


def decide_ncols(rows, ncols, others, path, output):
    """The number of columns: --ncols, else the other groups of the output file, else what the data needs."""
    need = rows["ncols_min"]
    for name, d in others.items():
        if d is None:
            continue
        if ncols and d != ncols:
            raise ConvertError(f"--ncols {ncols}, but group '/{name}' of '{output}' has {d} columns")
        if rows["fixed_ncols"] and need != d:
            raise ConvertError(f"Input file '{path}' has {need} feature columns, but group '/{name}' of '{output}' has {d}")
        if need > d:
            raise ConvertError(f"Input file '{path}' has index {need}, but group '/{name}' of '{output}' has {d} columns")
        ncols = ncols or d
    if ncols and rows["fixed_ncols"] and need != ncols:
        raise ConvertError(f"Input file '{path}' has {need} feature columns, but --ncols is {ncols}")
    ncols = ncols or need
    if ncols < 1:
        raise ConvertError(f"Input file '{path}' has no index:value pairs, so its number of columns is unknown; give --ncols")
    return ncols


def detect_format(path):
    ext = os.path.splitext(path)[1].lower()
    if ext in (".csv", ".tsv"):
        return "csv"
    if ext in (".svm", ".libsvm", ".svmlight", ".svml"):
        return "libsvm"
    with open(path, "rb") as fh:  # the first data line decides
        for raw in fh:
            toks = raw.split(b"#", 1)[0].split()
            if toks:
                return "libsvm" if any(b":" in t for t in toks[1:]) or len(toks) == 1 else "csv"
    raise ConvertError(f"cannot tell the format of '{path}'; give --format csv or --format libsvm")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="CSV or LIBSVM/SVMlight text file")
    ap.add_argument("output", help="HDF5 file to write (or to add a group to, with --append)")
    ap.add_argument("--format", choices=("auto", "csv", "libsvm"), default="auto",
                    help="input format (default: from the extension .csv/.tsv or .svm/.libsvm/.svmlight, else from the first data line)")
    lay = ap.add_mutually_exclusive_group()
    lay.add_argument("--sparse", dest="sparse", action="store_true", default=None, help="write the CSR layout (default for LIBSVM)")
    lay.add_argument("--dense", dest="sparse", action="store_false", help="write the dense layout X, y (default for CSV)")
    ap.add_argument("--group", choices=GROUPS, default="train", help="group to write (default: train)")
    ap.add_argument("--append", action="store_true", help="add the group to an existing file instead of replacing the file")
    ap.add_argument("--ncols", type=int, default=0, help="number of columns (default: the other groups of an --append file, else the data's)")
    ap.add_argument("--label-column", default=None,
                    help="CSV: label column, a header name or a 0-based index (negative from the end; default: the last); "
                         "'none' for an unlabeled candidate pool")
    hdr = ap.add_mutually_exclusive_group()
    hdr.add_argument("--header", dest="header", action="store_true", default=None, help="CSV: the first line is a header")
    hdr.add_argument("--no-header", dest="header", action="store_false", help="CSV: the first line is data")
    ap.add_argument("--user-column", default=None,
                    help="CSV: the column (header name or 0-based index) holding each row's user id, written as /<group>/user "
                         "(-curio_mode users)")
    ap.add_argument("--delimiter", default=None, help="CSV field delimiter (default ',', a tab for a .tsv file; '\\t' for tabs)")
    a = ap.parse_args(argv)

    try:
        if a.ncols < 0:
            raise ConvertError(f"--ncols must be >= 0, got {a.ncols}")
        if not os.path.isfile(a.input) or not os.access(a.input, os.R_OK):
            raise ConvertError(f"Cannot read input file '{a.input}'")
        if os.path.exists(a.output) and os.path.samefile(a.input, a.output):
            raise ConvertError(f"output file '{a.output}' is the input file; it would be replaced")
        fmt = detect_format(a.input) if a.format == "auto" else a.format
        if fmt == "libsvm":
            if a.label_column is not None or a.header is not None or a.user_column is not None:
                raise ConvertError("--label-column, --user-column, --header and --no-header are for CSV input")
            rows = read_libsvm(a.input, a.ncols)
        else:
            if a.delimiter is None:
                a.delimiter = "\t" if os.path.splitext(a.input)[1].lower() == ".tsv" else ","
            delim = "\t" if a.delimiter in ("\\t", "tab") else a.delimiter
            if len(delim) != 1:
                raise ConvertError(f"--delimiter must be one character, got '{a.delimiter}'")
            rows = read_csv(a.input, a.label_column, a.header, delim, a.user_column)
        if rows["y"] is None and a.group != "candidates":
            raise ConvertError(f"group '/{a.group}' needs labels; --label-column none is for --group candidates only")
        sparse = a.sparse if a.sparse is not None else fmt == "libsvm"

        if a.append:
            if not os.path.isfile(a.output):
                raise ConvertError(f"--append: output file '{a.output}' does not exist")
            with h5py.File(a.output, "a") as f:
                if a.group in f:
                    raise ConvertError(f"group '/{a.group}' already exists in '{a.output}'; choose another --group or write a new file")
                others = {k: group_ncols(f[k]) for k in GROUPS if k in f and isinstance(f[k], h5py.Group)}
                ncols = decide_ncols(rows, a.ncols, others, a.input, a.output)
                write_group(f, a.group, rows, ncols, sparse)
        else:
            ncols = decide_ncols(rows, a.ncols, {}, a.input, a.output)
            tmp = f"{a.output}.tmp-{os.getpid()}"
            try:
                with h5py.File(tmp, "w") as f:
                    write_group(f, a.group, rows, ncols, sparse)
                os.replace(tmp, a.output)
            except BaseException:
                if os.path.exists(tmp):
                    os.remove(tmp)
                raise
    except ConvertError as e:
        print(f"curio-convert: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"curio-convert: error: {e}", file=sys.stderr)
        return 1
    nnz = len(rows["data"]) if "data" in rows else int(np.count_nonzero(rows["X"]))
    print(f"curio-convert: wrote /{a.group} ({'CSR' if sparse else 'dense'}): {rows['n']} rows, {ncols} columns, "
          f"{nnz} nonzeros{'' if rows['y'] is not None else ', no labels'} to '{a.output}'")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Shared reader and plotting helpers for curio's post-processing scripts.

Not a script itself: fig1_tangent.py, fig2_loocv.py, fig3_scores.py and make_figures.py
import it (they live in the same directory, which Python puts on sys.path when one of
them is run).  The file layout it reads is README.md, "Output layout" (schema version 1).

Every problem with the input raises CurioInputError with a sentence naming the file and
the dataset or attribute; script_main() turns that into a message on stderr and exit
code 2, so a figure is either right or absent, never silently half-drawn.
"""

import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")  # batch use on login/compute nodes: never ask for a display
import matplotlib.pyplot as plt  # noqa: E402  (must follow the backend choice)
import numpy as np  # noqa: E402

try:
    import h5py  # noqa: E402
except ImportError:  # the figures are useless without it; say which package to install
    sys.exit("error: h5py is missing; install python3-h5py (bash scripts/setup-debian.sh)")

SCHEMA_VERSION = 1
EXIT_INPUT = 2
_REQUIRED = object()  # sentinel: "no default", distinct from a default of None


class CurioInputError(Exception):
    """The input file, or something a figure needs from it, is missing or malformed."""


class CurioNotApplicable(CurioInputError):
    """The figure does not apply to this run (figure 1 needs 1-D inputs).

    A subclass so that make_figures.py can skip the figure instead of failing the batch.
    """


# --------------------------------------------------------------------------- reading


def open_file(path):
    """Open a curio output file read-only; the caller closes it (use `with`)."""
    if not os.path.exists(path):
        raise CurioInputError(f"{path}: no such file")
    try:
        h5 = h5py.File(path, "r")
    except OSError as err:
        raise CurioInputError(f"{path}: cannot open as HDF5 ({err})") from None
    version = attr_int(h5, "/", "schema_version", default=None)
    if version is not None and version != SCHEMA_VERSION:
        # Still try: a newer writer usually only adds datasets.  A missing one fails below.
        print(f"warning: {path}: schema_version {version}, these scripts read version "
              f"{SCHEMA_VERSION}", file=sys.stderr)
    return h5


def require_kind(h5, kind, what):
    """Refuse a curio file of another kind (root attribute `kind`) than `what` draws, naming both; a file without the
    attribute (not written by curio) is left to the checks of the datasets."""
    got = attr_str(h5, "/", "kind", default=None)
    if got is not None and got != kind:
        raise CurioNotApplicable(f"{h5.filename} is a -curio_mode {got} output; {what} draws a -curio_mode {kind} output "
                                 f"(postprocess/curio-plot draws every kind)")


def has(h5, name):
    """True if `name` (an absolute path like /scores/var) is a dataset in the file."""
    return name in h5 and isinstance(h5[name], h5py.Dataset)


def _dataset(h5, name):
    if name not in h5:
        raise CurioInputError(f"{h5.filename}: dataset {name} is missing")
    obj = h5[name]
    if not isinstance(obj, h5py.Dataset):
        raise CurioInputError(f"{h5.filename}: {name} is a group, expected a dataset")
    if obj.dtype.kind not in "fiu":
        raise CurioInputError(f"{h5.filename}: dataset {name} has non-numeric type {obj.dtype}")
    return obj


def read_array(h5, name):
    """A 1-D numeric dataset as float64."""
    obj = _dataset(h5, name)
    if obj.ndim != 1:
        raise CurioInputError(
            f"{h5.filename}: dataset {name} has shape {obj.shape}, expected 1-D")
    return np.asarray(obj[()], dtype=np.float64)


def read_scalar(h5, name):
    """A scalar dataset as float.  A 1-element 1-D dataset is accepted too, since a C
    writer may use H5Screate_simple(1, {1}) where the schema says scalar."""
    obj = _dataset(h5, name)
    if obj.size != 1:
        raise CurioInputError(
            f"{h5.filename}: dataset {name} has shape {obj.shape}, expected a scalar")
    return float(np.asarray(obj[()]).reshape(()))


def read_arrays(h5, names):
    """Several 1-D datasets that share an axis, as {name: array}; their lengths must agree."""
    arrays = {name: read_array(h5, name) for name in names}
    lengths = {name: a.size for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        listing = ", ".join(f"{name} ({n})" for name, n in lengths.items())
        raise CurioInputError(f"{h5.filename}: datasets differ in length: {listing}")
    return arrays


def _attr(h5, path, name, default):
    if path not in h5:
        if default is _REQUIRED:
            raise CurioInputError(f"{h5.filename}: {path} is missing (wanted its attribute {name})")
        return None
    attrs = h5[path].attrs
    if name not in attrs:
        if default is _REQUIRED:
            raise CurioInputError(f"{h5.filename}: attribute {name} of {path} is missing")
        return None
    value = attrs[name]
    # A C writer may store an attribute as a 1-element array rather than a scalar.
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise CurioInputError(
                f"{h5.filename}: attribute {name} of {path} has shape {value.shape}, "
                "expected a single value")
        value = value.reshape(())[()]
    return value


def attr_str(h5, path, name, default=_REQUIRED):
    """Attribute `name` of the object at `path` as str (fixed-length strings come back
    from h5py as bytes, variable-length ones as str; both become str)."""
    value = _attr(h5, path, name, default)
    if value is None:
        return default
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8", "replace").rstrip("\0")
    return str(value)


def attr_float(h5, path, name, default=_REQUIRED):
    """Attribute `name` of the object at `path` as float."""
    value = _attr(h5, path, name, default)
    if value is None:
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise CurioInputError(
            f"{h5.filename}: attribute {name} of {path} is {value!r}, expected a number") from None


def attr_int(h5, path, name, default=_REQUIRED):
    """Attribute `name` of the object at `path` as int."""
    value = attr_float(h5, path, name, default)
    if value is None:
        return default
    if value != int(value):
        raise CurioInputError(
            f"{h5.filename}: attribute {name} of {path} is {value}, expected an integer")
    return int(value)


def sort_by(key, *arrays):
    """`key` and `arrays` reordered by increasing `key`.  A candidate pool read from a
    file need not be sorted, and a line through unsorted x zig-zags across the plot."""
    order = np.argsort(key, kind="stable")
    return (key[order],) + tuple(a[order] for a in arrays)


# -------------------------------------------------------------------------- plotting

# One look for all figures.  Applied with rc_context so that importing this module, or
# running several figures in one process (make_figures.py), changes no global state.
STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.6,
    "mathtext.default": "regular",
}


def style():
    """Context manager: `with style(): fig = ...; save(fig, path)`."""
    return matplotlib.rc_context(STYLE)


def fmt_num(value):
    """A number for a title or legend: 3 significant digits, mathtext powers of ten
    outside [1e-3, 1e4) where '3.63e-05' would read poorly."""
    if not np.isfinite(value):
        return str(value)
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        return f"{value:.3g}"
    mantissa, exponent = f"{value:.2e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    power = f"10^{{{int(exponent)}}}"
    return f"${power}$" if mantissa == "1" else f"${mantissa}\\times{power}$"


def finite_or_nan(values):
    """Non-finite values (an exact LOO residual with h_i = 1 is infinite) as NaN, which
    matplotlib leaves as a gap instead of stretching the axis or dropping the line."""
    return np.where(np.isfinite(values), values, np.nan)


def rug(ax, positions, label=None, color="0.25"):
    """Short ticks at `positions` along the bottom of `ax` (axis coordinates in y, so
    they stay on the axis whatever the data range or scale)."""
    ax.plot(positions, np.zeros_like(positions), linestyle="none", marker="|",
            markersize=12, markeredgewidth=1.6, color=color, clip_on=False,
            transform=ax.get_xaxis_transform(), label=label, zorder=5)


def _data_lines(ax):
    """The lines drawn in data coordinates (not rugs, axhline/axvline or blended ones)."""
    return [line for line in ax.lines if line.get_transform() is ax.transData]


def _headroom_top(ax, legend, pad=0.02):
    """The y-axis top at which no data under the legend's x span reaches the legend.

    Works in the axis' own scale (log10 for a log axis) because that is where the legend
    occupies a fixed fraction of the height."""
    ax.figure.canvas.draw()  # a legend's extent is known only after a layout pass
    box = legend.get_window_extent().transformed(ax.transAxes.inverted())
    to_data = ax.transData.inverted()
    corners = to_data.transform(ax.transAxes.transform([[box.x0, 0], [box.x1, 0]]))
    x0, x1 = sorted(corners[:, 0])
    log = ax.get_yscale() == "log"
    scale = np.log10 if log else (lambda v: v)
    lo, hi = (scale(v) for v in ax.get_ylim())
    top = lo
    for line in _data_lines(ax):
        x, y = (np.asarray(v, dtype=float) for v in line.get_data())
        keep = (x >= x0) & (x <= x1) & np.isfinite(y) & ((y > 0) if log else True)
        if keep.any():
            top = max(top, scale(y[keep]).max())
    fraction = box.y0 - pad  # the data must stay below this fraction of the height
    needed = lo + (top - lo) / max(fraction, 0.2)
    return max(hi, needed), log


def place_legend(ax, locations=("upper left", "upper right", "upper center"), **kwargs):
    """A legend in whichever top position needs the least extra room, then the y axis
    raised just enough that no curve runs under it.  Matplotlib's loc="best" only picks
    the emptiest corner; with curves spanning the whole width it still covers them."""
    best = None
    for loc in locations:
        legend = ax.legend(loc=loc, **kwargs)
        top, log = _headroom_top(ax, legend)
        if best is None or top < best[1]:
            best = (loc, top)
    legend = ax.legend(loc=best[0], **kwargs)
    ax.set_ylim(top=10 ** best[1] if log else best[1])
    return legend


def save(fig, path):
    """Write `fig` as PNG to `path` and release it."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        plt.close(fig)
        raise CurioInputError(f"{path}: output directory {directory} does not exist")
    fig.savefig(path, format="png", bbox_inches="tight")
    plt.close(fig)


# ----------------------------------------------------------------------- command line


def output_prefix(input_path):
    """The input path without its .h5/.hdf5 extension: curio.h5 -> curio."""
    root, ext = os.path.splitext(input_path)
    return root if ext.lower() in (".h5", ".hdf5") else input_path


def script_main(draw, doc, suffix, argv=None):
    """The command line shared by the figure scripts: `input` and `-o/--output`.

    `draw(input_path, output_path)` makes the figure; `suffix` (e.g. "_fig1.png") names
    the default output next to the input.  Returns the exit code.
    """
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", help="curio output file (HDF5; layout: README.md, Output layout)")
    parser.add_argument("-o", "--output",
                        help=f"PNG to write (default: the input path without .h5, plus {suffix})")
    args = parser.parse_args(argv)
    output = args.output or output_prefix(args.input) + suffix
    try:
        draw(args.input, output)
    except CurioInputError as err:
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return EXIT_INPUT
    print(output)
    return 0

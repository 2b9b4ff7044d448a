#!/usr/bin/python3
"""Figure 2 of the paper (section 3.3): cross-validation error against regularity s.

Exact LOOCV (/loocv/exact), its approximation by summed self-influence (/loocv/approx,
eq. 44), GCV (/loocv/gcv) and, when the run computed it (-curio_cv_folds K), the K-fold
curve by refits (/loocv/kfold) against /loocv/s on a log x axis, all on one scale: the mean
squared error (squared loss) or the mean deviance (logistic, Poisson).  Curves that the run
did not compute (all NaN: exact LOOCV and GCV of a GLM) are left out of the plot and the
legend.  The optimum
(/loocv/s_opt, /loocv/cv_opt) marked with a vertical line and a marker.  The y axis is
logarithmic when the positive values span more than two decades.  The title says when
the optimum sits at an end of the grid (attribute at_boundary) and how many interior
local minima the exact curve has (local_minima): the paper warns of both.  If /model/s
was set by option rather than by LOOCV, it is marked too, since figure 1 uses it.

    /usr/bin/python3 postprocess/fig2_loocv.py curio.h5 [-o curio_fig2.png]
"""

import sys

import matplotlib.pyplot as plt
import numpy as np

import curio_h5 as ch

SUFFIX = "_fig2.png"
CURVES = (  # dataset, legend label, line style
    ("/loocv/exact", "exact LOOCV", {"color": "black", "linewidth": 2.0}),
    ("/loocv/approx", "approximate LOOCV (self-influence, eq. 44)",
     {"color": "C0", "linestyle": "--"}),
    ("/loocv/gcv", "GCV", {"color": "C1", "linestyle": "-."}),
    ("/loocv/kfold", "{K}-fold CV (refits)", {"color": "C2", "linestyle": ":", "linewidth": 2.0}),
)
LOG_Y_DECADES = 2.0


def read_loocv(h5):
    """Everything figure 2 draws, as a dict of arrays and numbers."""
    ch.require_kind(h5, "fit", "figure 2")
    if not ch.has(h5, "/loocv/s"):
        raise ch.CurioNotApplicable(
            f"{h5.filename}: group /loocv is missing: figure 2 needs the LOOCV curves, and this run fixed s "
            f"(-curio_loocv false)")
    present = [c for c in CURVES if c[0] != "/loocv/kfold" or ch.has(h5, c[0])]
    arrays = ch.read_arrays(h5, ("/loocv/s",) + tuple(name for name, _, _ in present))
    s, *curves = ch.sort_by(*arrays.values())
    folds = ch.attr_int(h5, "/loocv/kfold", "folds", default=None) if ch.has(h5, "/loocv/kfold") else None
    n_train = h5["/train/weight"].shape[0] if ch.has(h5, "/train/weight") else None
    labels = []
    for _, label, style in present:
        if "{K}" in label:
            label = "leave-one-out CV by refits" if folds == n_train else label.format(K=folds)
        labels.append((label, style))
    units = ch.attr_str(h5, "/model", "loss", default="squared")
    # /model/s is what figure 1 shows; worth marking here only when LOOCV did not choose it.
    model_s = source = None
    if ch.has(h5, "/model/s"):
        model_s = ch.read_scalar(h5, "/model/s")
        source = ch.attr_str(h5, "/model/s", "source", default=None)
    return {
        "s": s,
        "curves": [ch.finite_or_nan(c) for c in curves],
        "labels": labels,
        "ylabel": "mean squared error" if units == "squared" else "mean deviance",
        "s_opt": ch.read_scalar(h5, "/loocv/s_opt"),
        "cv_opt": ch.read_scalar(h5, "/loocv/cv_opt"),
        "at_boundary": ch.attr_int(h5, "/loocv", "at_boundary", default=0),
        "local_minima": ch.attr_int(h5, "/loocv", "local_minima", default=None),
        "method": ch.attr_str(h5, "/loocv", "method", default=None),
        "model_s": model_s if source == "option" else None,
    }


def wants_log_y(curves):
    """True when the positive values span more than LOG_Y_DECADES decades: on a linear
    axis the interesting minimum would then be squashed against zero."""
    values = np.concatenate(curves) if curves else np.zeros(0)
    positive = values[np.isfinite(values) & (values > 0)]
    return positive.size > 1 and np.log10(positive.max() / positive.min()) > LOG_Y_DECADES


def title(d):
    parts = ["Leave-one-out cross-validation"]
    if d["method"]:
        parts[0] += f" ({d['method']})"
    notes = []
    if d["at_boundary"]:
        notes.append("optimum at an end of the s grid (at_boundary = 1): "
                     "the true optimum may lie outside it")
    if d["local_minima"]:
        notes.append(f"{d['local_minima']} interior local minim"
                     f"{'um' if d['local_minima'] == 1 else 'a'} on the grid")
    return "\n".join(parts + notes)


def mark_optimum(ax, d):
    label = f"optimum $s^*$ = {ch.fmt_num(d['s_opt'])}, CV = {ch.fmt_num(d['cv_opt'])}"
    if d["at_boundary"]:
        label += " (at grid boundary)"
    ax.axvline(d["s_opt"], color="red", linewidth=1.0, linestyle=":")
    ax.plot([d["s_opt"]], [d["cv_opt"]], linestyle="none", marker="o", markersize=8,
            markerfacecolor="none", markeredgecolor="red", markeredgewidth=1.8,
            label=label, zorder=5)
    if d["model_s"] is not None:
        ax.axvline(d["model_s"], color="0.4", linewidth=1.0, linestyle="--",
                   label=f"$s$ used (set by option) = {ch.fmt_num(d['model_s'])}")


def plot_loocv(d):
    fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
    drawn = []
    for (label, style), values in zip(d["labels"], d["curves"]):
        if np.isfinite(values).any():  # a curve the run did not compute is all NaN: not drawn, not in the legend
            ax.plot(d["s"], values, label=label, **style)
            drawn.append(values)
    mark_optimum(ax, d)
    ax.set_xscale("log")
    if wants_log_y(drawn):
        ax.set_yscale("log")
    ax.set_xlabel("regularity $s$")
    ax.set_ylabel(f"cross-validation error ({d['ylabel']})")
    ax.set_title(title(d))
    ch.place_legend(ax)
    return fig


def draw(input_path, output_path):
    with ch.open_file(input_path) as h5:
        data = read_loocv(h5)
    with ch.style():
        ch.save(plot_loocv(data), output_path)


if __name__ == "__main__":
    sys.exit(ch.script_main(draw, __doc__, SUFFIX))

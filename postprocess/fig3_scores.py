#!/usr/bin/python3
"""Figure 3 of the paper (section 3.3): query heuristics over the candidates.

SLD (/scores/sld, unlabeled fdot^2) against STI (/scores/sti_labeled,
/scores/sti_unlabeled), SSI (/scores/ssi_labeled, /scores/ssi_unlabeled) and, when the
file has it, VAR (/scores/var), over /candidates/x (or /candidates/index when the inputs
are not 1-D).  Only the shape of a heuristic matters for ranking candidates, so each
curve is divided by its RMS over the plotted points.  Labeled STI over the training set
equals SLD exactly (MATH.md section 4), so, as in the paper, SLD is drawn 3% higher to
keep both visible.  Training inputs (/train/x) are marked along the x axis.

    /usr/bin/python3 postprocess/fig3_scores.py curio.h5 [-o curio_fig3.png]
"""

import sys

import matplotlib.pyplot as plt
import numpy as np

import curio_h5 as ch

SUFFIX = "_fig3.png"
SLD_LIFT = 1.03  # the paper's device: SLD coincides with labeled STI, so offset it
SLD = "/scores/sld"
# Colours follow the paper: SLD red, STI blue, SSI green.  Labeled heuristics are solid
# lines (filled markers when the axis is an index), unlabeled ones dashed (open markers).
SOLID = {"linestyle": "-", "marker": "o", "markerfacecolor": None}
DASHED = {"linestyle": "--", "marker": "o", "markerfacecolor": "none"}
HEURISTICS = (  # dataset, legend label, colour, line width, solid or dashed
    (SLD, "SLD, $\\dot f^{\\,2}$", "red", 2.0, SOLID),
    ("/scores/sti_labeled", "STI, labeled", "C0", 2.0, SOLID),
    ("/scores/sti_unlabeled", "STI, unlabeled", "C0", 1.6, DASHED),
    ("/scores/ssi_labeled", "SSI, labeled", "green", 1.6, SOLID),
    ("/scores/ssi_unlabeled", "SSI, unlabeled", "green", 1.6, DASHED),
)
OPTIONAL = (("/scores/var", "VAR, $\\phi^T H^{-1} \\phi$", "0.45", 1.6,
             {"linestyle": ":", "marker": "+", "markerfacecolor": None}),)


def candidate_axis(h5):
    """The x axis of the plot: the 1-D inputs when there are any, else the index (whose
    order means nothing, so the caller draws markers, not lines)."""
    if ch.has(h5, "/candidates/x"):
        return "/candidates/x", "candidate $x$"
    return "/candidates/index", "candidate index"


def read_scores(h5):
    """Everything figure 3 draws, as a dict."""
    ch.require_kind(h5, "fit", "figure 3")
    axis, axis_label = candidate_axis(h5)
    # the scores the run wrote (-curio_scores may ask for a subset): draw those
    heuristics = tuple(h for h in HEURISTICS + OPTIONAL if ch.has(h5, h[0]))
    if not heuristics:
        raise ch.CurioNotApplicable(f"{h5.filename}: no SLD, STI, SSI or VAR scores in /scores: figure 3 needs some "
                                    f"(the run's -curio_scores)")
    arrays = ch.read_arrays(h5, (axis,) + tuple(h[0] for h in heuristics))
    x, *curves = ch.sort_by(*arrays.values())
    continuous = axis == "/candidates/x"
    return {
        "x": x,
        "axis_label": axis_label,
        "continuous": continuous,
        "curves": [h + (values,) for h, values in zip(heuristics, curves)],
        "train_x": ch.read_array(h5, "/train/x") if continuous and ch.has(h5, "/train/x") else None,
        "s": ch.read_scalar(h5, "/model/s") if ch.has(h5, "/model/s") else None,
        "reference_set": ch.attr_str(h5, "/scores", "reference_set", default=None),
        "reference_size": ch.attr_int(h5, "/scores", "reference_size", default=None),
    }


def unit_rms(values):
    """`values` divided by their RMS, and whether that was possible (an all-zero score,
    e.g. labeled STI for a model that fits its data exactly, is drawn as it is)."""
    finite = values[np.isfinite(values)]
    rms = np.sqrt(np.mean(finite ** 2)) if finite.size else 0.0
    if rms > 0:
        return values / rms, True
    return values, False


def sld_note(reference_set):
    """What the legend says about the lift.  SLD equals labeled STI only when T is the
    training set (the optimality condition sums over the training points only)."""
    lifted = f" (drawn $\\times${SLD_LIFT:g}"
    if reference_set == "train":
        return lifted + " to show labeled STI under it)"
    return lifted + ")"


def plot_heuristic(ax, d, name, label, color, width, style, values):
    scaled, normalized = unit_rms(ch.finite_or_nan(values))
    if name == SLD:
        scaled = SLD_LIFT * scaled
        label += sld_note(d["reference_set"])
    if not normalized:
        label += " (all zero)"
    if d["continuous"]:
        ax.plot(d["x"], scaled, label=label, color=color, linewidth=width,
                linestyle=style["linestyle"])
    else:  # unordered candidates: a line between neighbours in index would mean nothing
        ax.plot(d["x"], scaled, label=label, color=color, linestyle="none",
                marker=style["marker"], markerfacecolor=style["markerfacecolor"],
                markersize=3.5, markeredgewidth=0.9)


def title(d):
    lines = ["Query heuristics, each divided by its RMS over the plotted candidates"]
    details = []
    if d["reference_set"]:
        size = f", $|T|$ = {d['reference_size']}" if d["reference_size"] is not None else ""
        details.append(f"reference set $T$ = {d['reference_set']}{size}")
    if d["s"] is not None:
        details.append(f"$s$ = {ch.fmt_num(d['s'])}")
    if details:
        lines.append(", ".join(details))
    return "\n".join(lines)


def plot_scores(d):
    fig, ax = plt.subplots(figsize=(6.8, 4.6), layout="constrained")
    for curve in d["curves"]:
        plot_heuristic(ax, d, *curve)
    if d["train_x"] is not None:
        ch.rug(ax, d["train_x"], label="training inputs")
    ax.set_ylim(bottom=0)  # every heuristic is a square or a sum of squares
    ax.set_xlabel(d["axis_label"])
    ax.set_ylabel("score / RMS(score)")
    ax.set_title(title(d))
    ch.place_legend(ax, ncols=2)
    return fig


def draw(input_path, output_path):
    with ch.open_file(input_path) as h5:
        data = read_scores(h5)
    with ch.style():
        ch.save(plot_scores(data), output_path)


if __name__ == "__main__":
    sys.exit(ch.script_main(draw, __doc__, SUFFIX))

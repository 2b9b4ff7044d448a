#!/usr/bin/python3
"""Figure 1 of the paper (section 3.3): the regularity tangent of a 1-D model.

Three panels sharing the x axis:
  top     training points (/train/x, /train/y), the model at s* (/scores/f, solid) and
          at s* + delta re-solved (/scores/f_shifted, dashed);
  middle  fdot^2 (/scores/sld, thick black) and its finite-difference approximation
          fdot_fd^2 (/scores/fdot_fd squared, red);
  bottom  the signed tangent fdot (/scores/fdot, green).
fdot^2 and fdot have different units, so they get separate y axes rather than the
paper's single one.  Needs 1-D inputs (/candidates/x, polynomial feature map).

    /usr/bin/python3 postprocess/fig1_tangent.py curio.h5 [-o curio_fig1.png]
"""

import sys

import matplotlib.pyplot as plt

import curio_h5 as ch

SUFFIX = "_fig1.png"
SCORES = ("/candidates/x", "/scores/f", "/scores/f_shifted", "/scores/sld",
          "/scores/fdot_fd", "/scores/fdot")


def read_tangent(h5):
    """Everything figure 1 draws, as a dict of arrays and numbers."""
    ch.require_kind(h5, "fit", "figure 1")
    if not ch.has(h5, "/candidates/x"):
        feature_map = ch.attr_str(h5, "/model", "feature_map", default="unknown")
        raise ch.CurioNotApplicable(
            f"{h5.filename}: dataset /candidates/x is missing: figure 1 needs 1-D inputs "
            f"(polynomial feature map), this run has feature_map = {feature_map}")
    missing = [name for name in SCORES if not ch.has(h5, name)]
    if missing:
        raise ch.CurioNotApplicable(f"{h5.filename}: {', '.join(missing)} missing: figure 1 needs the model, its tangent and "
                                    f"SLD on the pool (the default -curio_scores)")
    # Sort all columns together by x: a candidate pool read from a file may be unordered.
    scores = dict(zip(SCORES, ch.sort_by(*ch.read_arrays(h5, SCORES).values())))
    train = ch.read_arrays(h5, ("/train/x", "/train/y"))
    return {
        "x": scores["/candidates/x"],
        "f": scores["/scores/f"],
        "f_shifted": scores["/scores/f_shifted"],
        "sld": scores["/scores/sld"],
        "fdot_fd": scores["/scores/fdot_fd"],
        "fdot": scores["/scores/fdot"],
        "train_x": train["/train/x"], "train_y": train["/train/y"],
        "s": ch.read_scalar(h5, "/model/s"),
        "s_source": ch.attr_str(h5, "/model/s", "source", default=None),
        "delta": ch.attr_float(h5, "/scores", "delta"),
        "fd_error": ch.attr_float(h5, "/scores", "fd_max_rel_error", default=None),
    }


def plot_model(ax, d):
    """Top panel: data and the model at s* and s* + delta."""
    s, delta = ch.fmt_num(d["s"]), ch.fmt_num(d["delta"])
    ax.plot(d["x"], d["f"], color="C0", label=f"model at $s^*$ = {s}")
    ax.plot(d["x"], d["f_shifted"], color="C1", linestyle="--",
            label=f"model at $s^*+\\delta$, $\\delta$ = {delta}")
    ax.plot(d["train_x"], d["train_y"], linestyle="none", marker="o", markersize=6,
            color="black", label="training points", zorder=4)
    ax.set_ylabel("response $f(x)$")


def plot_squared(ax, d):
    """Middle panel: fdot^2 against its finite difference.  They should coincide, so the
    red curve is drawn thin on top of a thick black one: agreement shows as red-on-black,
    disagreement as two separate curves."""
    ax.plot(d["x"], d["sld"], color="black", linewidth=4.0,
            label=r"$\dot f(x)^2$ (regularity tangent, SLD)")
    fd_label = r"$[(f(x;s^*+\delta)-f(x;s^*))/\delta]^2$"
    if d["fd_error"] is not None:
        fd_label += f" (max rel. error {ch.fmt_num(d['fd_error'])})"
    ax.plot(d["x"], d["fdot_fd"] ** 2, color="red", linewidth=1.4, label=fd_label)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(r"$\dot f^{\,2}$")


def plot_signed(ax, d):
    """Bottom panel: the tangent before squaring, which changes sign."""
    ax.axhline(0.0, color="0.5", linewidth=0.8)
    ax.plot(d["x"], d["fdot"], color="green", label=r"$\dot f(x) = \partial f/\partial s$")
    ax.set_ylabel(r"$\dot f$")
    ax.set_xlabel("$x$")


def plot_tangent(d):
    fig, axes = plt.subplots(3, 1, sharex=True, figsize=(6.4, 7.2),
                             gridspec_kw={"height_ratios": [1.6, 1.1, 1.0]},
                             layout="constrained")
    plot_model(axes[0], d)
    plot_squared(axes[1], d)
    plot_signed(axes[2], d)
    # Training positions on the tangent panels too: the tangent is small near the data
    # and large in the gap, which is the point of the figure.
    for ax in axes[1:]:
        ch.rug(ax, d["train_x"])
    source = f" (from {d['s_source']})" if d["s_source"] else ""
    axes[0].set_title(f"Regularity tangent at $s^*$ = {ch.fmt_num(d['s'])}{source}, "
                      f"$\\delta$ = {ch.fmt_num(d['delta'])}")
    # Legends last: their placement looks at every curve already drawn.
    for ax in axes:
        ch.place_legend(ax)
    return fig


def draw(input_path, output_path):
    with ch.open_file(input_path) as h5:
        data = read_tangent(h5)
    with ch.style():
        ch.save(plot_tangent(data), output_path)


if __name__ == "__main__":
    sys.exit(ch.script_main(draw, __doc__, SUFFIX))

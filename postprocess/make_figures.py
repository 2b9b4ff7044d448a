#!/usr/bin/python3
"""All three figures of paper section 3.3 for one curio output file.

Writes <prefix>_fig1.png (regularity tangent, fig1_tangent.py), <prefix>_fig2.png
(LOOCV against s, fig2_loocv.py) and <prefix>_fig3.png (query heuristics,
fig3_scores.py), and prints each path written.  The prefix defaults to the input path
without .h5.  Every figure is attempted even if an earlier one fails.  Figure 1 is
skipped, with a note and without failing, for runs without 1-D inputs (identity feature
map), figure 2 for runs without LOOCV curves (-curio_loocv false), figure 3 for runs
without scores; any other missing dataset is an error and the exit code is 2, and so is a
file from which no figure at all can be drawn (a run with neither, or not a curio output).

    /usr/bin/python3 postprocess/make_figures.py curio.h5 [--prefix figures/run1]
"""

import argparse
import sys

import curio_h5 as ch
import fig1_tangent
import fig2_loocv
import fig3_scores

FIGURES = (fig1_tangent, fig2_loocv, fig3_scores)


def make_figures(input_path, prefix, prog):
    """Draw every figure; return the exit code."""
    try:  # one message, not three, for a file that is missing, not HDF5 or of another mode
        with ch.open_file(input_path) as h5:
            ch.require_kind(h5, "fit", "make_figures.py")
    except ch.CurioInputError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return ch.EXIT_INPUT
    status, drawn = 0, 0
    for figure in FIGURES:
        output = prefix + figure.SUFFIX
        try:
            figure.draw(input_path, output)
        except ch.CurioNotApplicable as err:
            print(f"{prog}: skipped {output}: {err}", file=sys.stderr)
        except ch.CurioInputError as err:
            print(f"{prog}: error: {output} not written: {err}", file=sys.stderr)
            status = ch.EXIT_INPUT
        else:
            print(output)
            drawn += 1
    if not drawn and not status:
        print(f"{prog}: error: no figure drawn from {input_path}: every one was skipped (above)", file=sys.stderr)
        status = ch.EXIT_INPUT
    return status


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", help="curio output file (HDF5; layout: README.md, Output layout)")
    parser.add_argument("--prefix",
                        help="output path prefix (default: the input path without .h5)")
    args = parser.parse_args(argv)
    prefix = args.prefix or ch.output_prefix(args.input)
    return make_figures(args.input, prefix, parser.prog)


if __name__ == "__main__":
    sys.exit(main())

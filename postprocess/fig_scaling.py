#!/usr/bin/python3
"""The scaling figure of docs/scaling.md: predicted efficiency of distributed SGDF on 1 to 1000 nodes, from the model
of bench/scaling_model.py with the step costs measured by bench/run_sgdf.sh.

    /usr/bin/python3 postprocess/fig_scaling.py --json bench/results/sgdf_rank_batch.json --c-row-huge 5.3e-7   # docs/scaling_fig.png
    /usr/bin/python3 postprocess/fig_scaling.py --json bench/results/sgdf.json --c-row-huge 1.1e-6 --out fig.png

Left: the benchmark's problem (n = 10^6, d = 10^5, 20 nonzeros per row) with a global batch of 65536 rows: the
bulk-synchronous replicated and partitioned layouts, and local SGDF with H = 128 and with one averaging per epoch.
Right: the 10^8 x 10^7 problem (20 nonzeros per row, batch 128): local SGDF averaging once and four times per epoch,
with the per-row cost c_row measured on one rank at d = 10^7 (--c-row-huge, or the JSON's "huge" entry). The assumed network (alpha, beta between nodes) and the measured intra-node costs are printed and
drawn in the figure's caption.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "bench"))
import scaling_model  # noqa: E402


def model(argv):
    a = scaling_model.parse_args(argv)
    n, d, k, batch, c_row, source, two, notes, _ = scaling_model.load_inputs(a)
    nodes = [int(x) for x in a.nodes.split(",") if x.strip()]
    return a, n, d, k, batch, c_row, source, notes, nodes


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--json", default=os.path.join(ROOT, "bench", "results", "sgdf.json"))
    p.add_argument("--c-row-huge", type=float, default=None,
                   help="seconds per row of a local SGDF step on one rank at d = 10^7 (default: the JSON's 'huge' entry, see docs/scaling.md)")
    p.add_argument("--ranks-per-node", type=int, default=64)
    p.add_argument("--out", default=os.path.join(ROOT, "docs", "scaling_fig.png"))
    args = p.parse_args()
    import json

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    common = ["--json", args.json, "--ranks-per-node", str(args.ranks_per_node)]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    lines = []

    # left: the benchmark's problem
    a, n, d, k, batch, c_row, source, notes, nodes = model(common + ["--batch", "65536"])
    lines += [f"benchmark problem: c_row = {c_row * 1e9:.0f} ns ({source})"] + notes
    ax = axes[0]
    for layout, style in (("replicated", "s-"), ("partitioned", "o-")):
        rows = scaling_model.bulk_rows(layout, n, d, k, 65536, c_row, nodes, a)
        ax.plot([r[1] / a.ranks_per_node if r[1] > 1 else 1 / a.ranks_per_node for r in rows], [r[9] for r in rows], style,
                label=f"bulk-synchronous, {layout}, B = 65536")
    for extra, lab in ((["--local-steps", "128"], "local SGDF, B = 32, H = 128"), (["--averages-per-epoch", "1"], "local SGDF, one averaging per epoch")):
        a2, n2, d2, k2, b2, c2, _, _, nodes2 = model(common + extra)
        H, navg, rows = scaling_model.local_rows(n2, d2, b2, c2, nodes2, a2)
        ax.plot([r[1] / a.ranks_per_node for r in rows], [r[7] for r in rows], "^-", label=lab)
    ax.set_title(f"n = {n:.0e}, d = {d:.0e}, k = {k:g} (measured step costs)")

    # right: the 10^8 x 10^7 problem
    with open(args.json) as f:
        res = json.load(f)
    huge = res.get("huge", {})
    c_huge = args.c_row_huge or huge.get("seconds_per_row")
    if not c_huge:
        sys.exit("error: no c_row at d = 10^7: give --c-row-huge (docs/scaling.md section 7 says how it was measured)")
    ax = axes[1]
    for A, hybrid, overlap in ((1, False, False), (4, False, False), (1, True, False), (1, True, True)):
        a3, n3, d3, k3, b3, c3, _, notes3, nodes3 = model(common + ["--n", "100000000", "--d", "10000000", "--k", "20", "--batch", "128", "--c-row",
                                                                    repr(c_huge), "--averages-per-epoch", repr(A)] + (["--hybrid"] if hybrid else [])
                                                          + (["--overlap"] if overlap else []))
        H, navg, rows = scaling_model.local_rows(n3, d3, b3, c3, nodes3, a3)
        lab = (f"local SGDF, {A:g} averaging{'s' if A > 1 else ''} per epoch (H = {H})" + (", hybrid: one copy per node" if hybrid else "")
               + (", overlapped" if overlap else ""))
        ax.plot([r[1] / a.ranks_per_node for r in rows], [r[7] for r in rows], ("v:" if overlap else "^--") if hybrid else "^-", label=lab)
        e64 = next(r[7] for r in rows if r[0] == 64 and r[1] > 1)
        lines.append(f"10^8 x 10^7, {A:g} averaging(s) per epoch{', hybrid' if hybrid else ''}{', overlapped' if overlap else ''}: "
                     f"efficiency at 64 nodes {e64:.0%}")
    ax.set_title(f"n = 10^8, d = 10^7, k = 20, c_row = {c_huge * 1e9:.0f} ns")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel(f"nodes ({a.ranks_per_node} ranks each; 1/{a.ranks_per_node} = one rank)")
        ax.axhline(0.5, color="grey", lw=0.5, ls=":")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=6.5, loc="upper right")
    axes[0].set_ylabel("efficiency (epoch time, 1 rank / (P x P ranks))")
    axes[0].set_ylim(0, 1.05)
    fig.text(0.01, 0.005, f"assumed between nodes: alpha {a.alpha * 1e6:g} us, {1 / a.beta / 1e9:g} GB/s; inside a node measured (docs/scaling.md)",
             fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(args.out, dpi=110)
    for ln in lines:
        print(ln)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

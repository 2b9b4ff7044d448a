#!/usr/bin/python3
"""The scaling model of distributed SGDF (docs/scaling.md) as a table for 1 to 1000 nodes.

    /usr/bin/python3 bench/scaling_model.py                                  # reads bench/results/sgdf.json
    /usr/bin/python3 bench/scaling_model.py --batch 65536 --layout partitioned --ranks-per-node 64
    /usr/bin/python3 bench/scaling_model.py --weak --batch-per-rank 256      # weak scaling: rows per rank fixed

Per step, on P = N r ranks (N nodes, r ranks per node), with a global minibatch of B rows (b = B / P per rank):

    compute     T_comp = b * c_row                  c_row: measured seconds per row on one rank: one epoch's time / n
                                                    (SGDF: with the dual part; SGD: without), which includes the
                                                    per-step overhead at the measured batch size
    replicated  T_comm = 2 ceil(log2 N) alpha + 2 (N-1)/N * 16 d * beta      (allreduce of the 2 d doubles of
                         + 2 ceil(log2 r) alpha_node + 16 d * beta_node        grad theta and grad theta_dot,
                                                                               inside the node, then across nodes)
    partitioned T_comm = b k (P-1)/P c_x            c_x: measured seconds per remote nonzero of the exchange inside
                                                    one node (the 2-rank epoch minus half the 1-rank epoch, over the
                                                    n k / 4 remote nonzeros a rank has at 2 ranks): hashing, packing,
                                                    shared-memory MPI, unpacking; replaces alpha_node and beta_node
                       + 2 * (ceil(log2 P) alpha + b k (P-1)/P * 40 bytes * r beta / 2)   across nodes (N > 1)
                                                    (two all-to-alls: the touched coordinates' theta and theta_dot
                                                     to the rows' owners, the gradient contributions back; 8 bytes of
                                                     index + 16 of values out, 16 back; the r ranks share the link)
    O(d) work   T_reg  = d * c_coord every step, replicated (the dense gradient buffers are cleared, summed and applied
                         over all d coordinates each step; c_coord measured from the replicated run's 1-rank epoch
                         minus n c_row); partitioned: 0 (lazy ridge), or (d / P) c_coord / K with --reg-every K

    local       (local SGDF, -curio_sgdf_local_steps H, docs/sgdf.md) per epoch, not per step:
                T_epoch = (n / P) c_row + ceil(n / (B H)) T_avg,   T_avg = allreduce of the 16 d bytes of theta and
                theta_dot (inside the node at the measured --beta-avg-node, then across nodes as above); every rank
                finds its rows of each batch by the inverse permutation (O(n / P) per epoch), so nothing but the
                averaging is paid per step for all ranks; --averages-per-epoch A sets H = ceil(n / (B A))

    T_step = T_comp + T_comm + T_reg;   epoch = ceil(n / B) steps
    efficiency: strong scaling (B fixed) speed-up / P; weak scaling (b fixed) T_step(1 rank) / T_step(P)

alpha, beta are assumptions (docs/scaling.md), not measurements: override them with the options. The per-row cost
c_row comes from the measured epoch times in the JSON (seconds per step / rows per step on one rank); without
curio numbers in the JSON (--no-curio run) the script needs --c-row and says the table is not measured.
"""

import argparse
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", default=os.path.join(HERE, "results", "sgdf.json"), help="bench_sgdf.py's results (default bench/results/sgdf.json)")
    p.add_argument("--method", choices=["sgdf", "sgd"], default="sgdf", help="which measured step cost to use (default sgdf)")
    p.add_argument("--c-row", type=float, default=None, help="seconds per row of a step on one rank (overrides the JSON)")
    p.add_argument("--c-coord", type=float, default=None,
                   help="seconds per coordinate of the O(d) work of a step (default: measured, see --replicated-json; else 2e-9)")
    p.add_argument("--reg-every", type=int, default=0, help="K of -curio_sgdf_reg_every: the O(d) regularizer step every K steps (0: lazy, no O(d) step)")
    p.add_argument("--n", type=int, default=None, help="rows (default: the JSON's)")
    p.add_argument("--d", type=int, default=None, help="features (default: the JSON's)")
    p.add_argument("--k", type=float, default=None, help="nonzeros per row (default: the JSON's)")
    p.add_argument("--batch", type=int, default=None, help="global minibatch rows B (strong scaling; default: the JSON's)")
    p.add_argument("--weak", action="store_true", help="weak scaling: --batch-per-rank rows per rank, the global batch grows with P")
    p.add_argument("--batch-per-rank", type=int, default=256, help="rows per rank per step with --weak (default 256)")
    p.add_argument("--ranks-per-node", type=int, default=64, help="MPI ranks per node (default 64)")
    p.add_argument("--layout", choices=["replicated", "partitioned", "local", "both", "all"], default="all",
                   help="replicated, partitioned (bulk-synchronous), local (local SGDF), both (the two bulk-synchronous) or all (default)")
    p.add_argument("--local-steps", type=int, default=None, help="H of local SGDF (default: the largest H measured in the JSON, else 128)")
    p.add_argument("--averages-per-epoch", type=float, default=None, help="local SGDF: H = ceil(n / (B A)) (overrides --local-steps)")
    p.add_argument("--hybrid", action="store_true",
                   help="local SGDF with one copy of theta, theta_dot per node shared by its ranks (-curio_sgdf_layout hybrid): the "
                        "averaging is an allreduce across nodes only, and a row costs --hybrid-c-extra more than on one rank")
    p.add_argument("--hybrid-c-extra", type=float, default=0.77e-6,
                   help="hybrid layout: seconds per row and rank added to c_row by the shared copy's steps (default 0.77e-6: the mean of "
                        "0.63e-6, bench/results/sgdf_d1e7_hybrid_run3.json, and 0.90e-6, the median of 5 alternating runs; 2 ranks, 10^6 x 10^7, "
                        "20 per row, 32 rows per rank and step, against one rank's 0.53 us per row; docs/scaling.md section 7)")
    p.add_argument("--overlap", action="store_true",
                   help="local SGDF with -curio_sgdf_average_overlap: each averaging's allreduce across nodes runs during the next period's "
                        "compute (only what exceeds it is paid), and every averaging pays a pass over the rank's averaged entries "
                        "(--overlap-streams reads and writes of its 16 d bytes, or 16 d / r in the hybrid layout, at --overlap-bandwidth)")
    p.add_argument("--overlap-streams", type=float, default=5.0,
                   help="overlapped averaging: streams over a rank's averaged bytes per averaging (default 5: the copy, the snapshot and the "
                        "sum read, the copy and the snapshot written, src/sgdf/step.c AverageOverlapped)")
    p.add_argument("--overlap-bandwidth", type=float, default=3.63e9,
                   help="overlapped averaging: a rank's streaming bandwidth with every core of the node streaming, bytes/s (default 3.63e9: "
                        "the shared-memory averaging's measured per-rank rate, docs/scaling.md section 7, i.e. 232 GB/s for 64 ranks)")
    p.add_argument("--beta-avg-node", type=float, default=None,
                   help="intra-node seconds per byte of local SGDF's averaging allreduce (default: measured from the JSON's 2-rank local runs, "
                        "/timing average over the averagings, else --beta-node)")
    p.add_argument("--alpha", type=float, default=2e-6, help="inter-node latency per message, s (default 2e-6: InfiniBand HDR, MPI)")
    p.add_argument("--beta", type=float, default=1.0 / 20e9, help="inter-node seconds per byte (default 1/20e9: 200 Gb/s per node)")
    p.add_argument("--alpha-node", type=float, default=0.5e-6, help="intra-node (shared memory) latency, s (default 0.5e-6)")
    p.add_argument("--beta-node", type=float, default=None,
                   help="intra-node seconds per byte (default: measured, see --replicated-json; without a measurement 1/10e9)")
    p.add_argument("--c-exchange", type=float, default=None,
                   help="seconds per remote nonzero of the partitioned exchange inside a node (default: measured from the JSON's 1- and 2-rank "
                        "epochs if that run used the partitioned layout; else from --alpha-node and --beta-node)")
    p.add_argument("--replicated-json", default=os.path.join(HERE, "results", "sgdf_replicated.json"),
                   help="a bench_sgdf.py run with -curio_sgdf_layout replicated at 1 and 2 ranks: its 2-rank epoch minus half its 1-rank "
                        "epoch, per step, is the measured intra-node allreduce of 16 d bytes, which sets beta_node unless --beta-node is given "
                        "(default bench/results/sgdf_replicated.json, if it exists)")
    p.add_argument("--nodes", default="1,2,4,8,16,32,64,128,256,512,1000", help="node counts of the table")
    return p.parse_args(argv)


def load_inputs(args):
    """n, d, k, B and the measured seconds per row of a step on one rank (with its source)."""
    res = {}
    if os.path.exists(args.json):
        with open(args.json) as f:
            res = json.load(f)
    cfg, prob = res.get("config", {}), res.get("problem", {})
    n = args.n or prob.get("n") or cfg.get("n")
    d = args.d or prob.get("d") or cfg.get("d")
    k = args.k or ((prob["nnz"] / prob["n"]) if prob.get("nnz") else cfg.get("nnz_per_row"))
    batch = args.batch or cfg.get("batch")
    if not all((n, d, k, batch)):
        sys.exit(f"error: {args.json} lacks n, d, nnz per row or batch; give --n --d --k --batch")
    c_row, source = args.c_row, "--c-row (given)"
    step = res.get("steps", {}).get(f"{args.method}_R1")
    if c_row is None and step:
        c_row = step["seconds_per_row_per_rank"]
        source = f"measured: {args.json} {args.method}_R1, one epoch of {n} rows in {step['epoch_seconds']:.3f} s at batch {cfg['batch']}"
    if c_row is None:
        sys.exit(f"error: {args.json} holds no curio step times (run bench/run_sgdf.sh with the SGDF driver built), and no --c-row was given")
    two = res.get("steps", {}).get(f"{args.method}_R2")
    partitioned = "replicated" not in (cfg.get("curio_args") or "")
    notes = []
    if args.c_exchange is None and two and partitioned:
        remote = n * k / 4  # per rank at 2 ranks: n/2 rows, k nonzeros each, half of them owned by the other rank
        args.c_exchange = max(0.0, two["epoch_seconds"] - two["rows_per_rank"] * c_row) / remote
        notes.append(f"c_x = {args.c_exchange * 1e9:.1f} ns per remote nonzero (measured: {args.json} {args.method}_R2, "
                     f"{two['epoch_seconds']:.3f} s against {two['rows_per_rank'] * c_row:.3f} s of compute, over {remote:.3g} remote nonzeros per rank)")
    if args.beta_node is None and os.path.exists(args.replicated_json):
        with open(args.replicated_json) as f:
            rep_res = json.load(f)
        st, rc = rep_res.get("steps", {}), rep_res.get("config", {})
        r1, r2 = st.get(f"{args.method}_R1"), st.get(f"{args.method}_R2")
        if r1 and r2 and "replicated" in (rc.get("curio_args") or ""):
            nsteps = math.ceil(rep_res["problem"]["n"] / rc["batch"])
            t_ar = max(0.0, r2["epoch_seconds"] - r1["epoch_seconds"] / 2) / nsteps
            dd = rep_res["problem"]["d"]
            args.beta_node = max(t_ar - 2 * args.alpha_node, 1e-12) / (16.0 * dd)
            if args.c_coord is None:
                # the replicated 1-rank epoch minus the rows' work (c_row of the partitioned, lazy run) is the O(d) work per step
                args.c_coord = max(0.0, r1["epoch_seconds"] - rep_res["problem"]["n"] * c_row) / nsteps / dd
                notes.append(f"c_coord = {args.c_coord * 1e9:.2f} ns per coordinate per step (measured: the replicated 1-rank epoch "
                             f"{r1['epoch_seconds']:.3f} s minus n c_row, over {nsteps} steps of d = {dd})")
            notes.append(f"beta_node = 1/{1 / args.beta_node / 1e9:.2f} GB/s (measured: {args.replicated_json}, replicated layout, batch {rc['batch']}: "
                         f"{t_ar * 1e6:.0f} us per step at 2 ranks beyond half the 1-rank step, for an allreduce of 16 d = {16 * dd / 1e6:.1f} MB)")
    # local SGDF: the measured averaging at 2 ranks (/timing average of the runs, over their number of averagings)
    local = {k_: v for k_, v in res.get("curio", {}).items() if k_.startswith(f"{args.method}_R2_H")}
    if local:
        hs = sorted(v["local_steps"] for v in local.values())
        if args.local_steps is None:
            args.local_steps = hs[-1]
        if args.beta_avg_node is None:
            # the measured problem's n, d and batch (not the modelled ones; --rank-batch runs took R B rows per step)
            n_m, d_m = prob.get("n") or cfg.get("n"), prob.get("d") or cfg.get("d")
            per = []
            for v in local.values():
                b_m = cfg["batch"] * (v["ranks"] if cfg.get("rank_batch") else 1)
                for r in v["runs"]:
                    navg = math.ceil(math.ceil(n_m / b_m) / v["local_steps"])
                    if r["timing"].get("average") is not None:
                        per.append(r["timing"]["average"] / navg)
            if per:
                t_avg = sorted(per)[len(per) // 2]
                args.beta_avg_node = max(t_avg - 2 * args.alpha_node, 1e-12) / (16.0 * d_m)
                notes.append(f"beta_avg_node = 1/{1 / args.beta_avg_node / 1e9:.2f} GB/s (measured: local SGDF at 2 ranks, median {t_avg * 1e6:.0f} us "
                             f"per averaging of 16 d = {16 * d_m / 1e6:.1f} MB, /timing average of {len(per)} runs)")
    if args.local_steps is None:
        args.local_steps = 128
    if args.c_coord is None:
        args.c_coord = 2e-9
        notes.append("c_coord = 2 ns (assumed, no replicated-layout measurement)")
    if args.beta_node is None:
        args.beta_node = 1.0 / 10e9
        notes.append("beta_node = 1/10 GB/s (assumed, no replicated-layout measurement)")
    if args.beta_avg_node is None:
        args.beta_avg_node = args.beta_node
        notes.append("beta_avg_node = beta_node (no local SGDF measurement)")
    return n, d, k, batch, c_row, source, two, notes, cfg.get("batch") or batch


def allreduce_time(nbytes, nodes, rpn, a):
    t = 0.0
    if rpn > 1:
        t += 2 * math.ceil(math.log2(rpn)) * a.alpha_node + nbytes * a.beta_node
    if nodes > 1:
        t += 2 * math.ceil(math.log2(nodes)) * a.alpha + 2 * (nodes - 1) / nodes * nbytes * a.beta
    return t


def alltoall_time(rows_per_rank, k, nranks, nodes, a):
    if nranks == 1:
        return 0.0
    remote = rows_per_rank * k * (nranks - 1) / nranks  # nonzeros of a rank's rows owned by another rank
    vol = remote * 40.0  # bytes sent + received per rank per step
    if a.c_exchange is not None:
        # the measured on-node cost of the exchange (software + shared memory), plus the network across nodes
        t = remote * a.c_exchange
        if nranks > 2:  # c_x was measured with one partner; the latency of the other rounds inside the node
            t += 2 * (math.ceil(math.log2(min(nranks, a.ranks_per_node))) - 1) * a.alpha_node
        if nodes > 1:
            t += 2 * (math.ceil(math.log2(nranks)) * a.alpha + vol / 2 * min(nranks, a.ranks_per_node) * a.beta)
        return t
    alpha = a.alpha if nodes > 1 else a.alpha_node
    beta = a.beta if nodes > 1 else a.beta_node
    # the ranks of a node share its link: the node's volume is r times a rank's
    share = min(nranks, a.ranks_per_node) if nodes > 1 else 1
    return 2 * (math.ceil(math.log2(nranks)) * alpha + vol / 2 * share * beta)


def bulk_rows(layout, n, d, k, batch, c_row, nodes_list, a):
    """bulk-synchronous SGDF per step: [(nodes, ranks, rows per rank, compute, comm, O(d), step, epoch, speed-up, efficiency)]"""
    out, base = [], None
    # the first row is one rank (where c_row was measured), then whole nodes of r ranks each
    for nodes, rpn in [(1, 1)] + [(nn, a.ranks_per_node) for nn in nodes_list]:
        P = nodes * rpn
        if a.weak:
            b = a.batch_per_rank
            B = b * P
        else:
            B = batch
            b = B / P
        t_comp = b * c_row
        if layout == "replicated":
            t_comm = allreduce_time(16.0 * d, nodes, rpn, a)
            t_reg = d * a.c_coord
        else:
            t_comm = alltoall_time(b, k, P, nodes, a)
            t_reg = (d / P * a.c_coord / a.reg_every) if a.reg_every else 0.0
        t_step = t_comp + t_comm + t_reg
        epoch = math.ceil(n / B) * t_step
        if base is None:
            base = (epoch, P, t_step)
        speedup = base[0] / epoch
        # strong scaling: speed-up / (P / P_1); weak scaling (work per rank fixed): T_step(1) / T_step(P)
        eff = base[2] / t_step if a.weak else speedup / (P / base[1])
        out.append((nodes, P, b, t_comp, t_comm, t_reg, t_step, epoch, speedup, eff))
    return out


def averaging_parts(d, nodes, rpn, a):
    """local SGDF: one allreduce of theta and theta_dot (16 d bytes) as (inside a node at the measured beta_avg_node, a
    copy per rank only; across nodes, reduce-scatter + allgather)"""
    inside = across = 0.0
    if rpn > 1 and not a.hybrid:
        inside = 2 * math.ceil(math.log2(rpn)) * a.alpha_node + 16.0 * d * a.beta_avg_node
    if nodes > 1:
        across = 2 * math.ceil(math.log2(nodes)) * a.alpha + 2 * (nodes - 1) / nodes * 16.0 * d * a.beta
    return inside, across


def averaging_time(d, nodes, rpn, a):
    return sum(averaging_parts(d, nodes, rpn, a))


def overlapped_averaging_time(d, nodes, rpn, comp_period, a):
    """local SGDF with -curio_sgdf_average_overlap, per averaging: the part inside a node (a copy per rank: the cores sum
    the copies, which does not overlap with their steps) and whatever of the allreduce across nodes outlasts the next
    period's compute, plus the pass over the rank's averaged entries"""
    inside, across = averaging_parts(d, nodes, rpn, a)
    share = rpn if a.hybrid else 1  # the bytes of this rank's averaged entries: its part of the node's copy, or its own copy
    return inside + max(0.0, across - comp_period) + a.overlap_streams * 16.0 * d / share / a.overlap_bandwidth


def local_rows(n, d, batch, c_row, nodes_list, a):
    """local SGDF per epoch: [(nodes, ranks, rows per rank, compute s, averaging s, epoch s, speed-up, efficiency)]"""
    H = math.ceil(n / (batch * a.averages_per_epoch)) if a.averages_per_epoch else a.local_steps
    navg = math.ceil(n / (batch * H))
    out, base = [], None
    for nodes, rpn in [(1, 1)] + [(nn, a.ranks_per_node) for nn in nodes_list]:
        P = nodes * rpn
        comp = n / P * (c_row + (a.hybrid_c_extra if a.hybrid and rpn > 1 else 0.0))
        copies = nodes if a.hybrid else P
        if copies == 1:
            avg = 0.0
        elif a.overlap:
            avg = navg * overlapped_averaging_time(d, nodes, rpn, comp / navg, a)
        else:
            avg = navg * averaging_time(d, nodes, rpn, a)
        epoch = comp + avg
        base = base or epoch
        out.append((nodes, P, n / P, comp, avg, epoch, base / epoch, base / epoch / P))
    return H, navg, out


def main(argv=None):
    a = parse_args(argv)
    n, d, k, batch, c_row, source, two, notes, batch_measured = load_inputs(a)
    nodes_list = [int(x) for x in a.nodes.split(",") if x.strip()]
    layouts = {"both": ["replicated", "partitioned"], "all": ["replicated", "partitioned", "local"]}.get(a.layout, [a.layout])
    print(f"SGDF scaling model (docs/scaling.md): n = {n}, d = {d}, k = {k:g} nonzeros per row, "
          + (f"weak scaling, {a.batch_per_rank} rows per rank per step" if a.weak else f"strong scaling, global batch B = {batch}"))
    print(f"  c_row = {c_row * 1e9:.1f} ns per row ({source})")
    for note in notes:
        print("  " + note)
    print(f"  assumed network: alpha {a.alpha * 1e6:.2f} us, beta {1 / a.beta / 1e9:.1f} GB/s between nodes; alpha {a.alpha_node * 1e6:.2f} us, "
          f"{1 / a.beta_node / 1e9:.1f} GB/s inside a node; {a.ranks_per_node} ranks per node")
    if two:
        nsteps = math.ceil(n / batch_measured)  # the measured run's batch, whatever --batch the table uses
        extra = (two["epoch_seconds"] - two["rows_per_rank"] * c_row) / nsteps
        pred = {"replicated": allreduce_time(16.0 * d, 1, 2, a), "partitioned": alltoall_time(batch_measured / 2, k, 2, 1, a)}
        print(f"  measured: 2 ranks (one node) {two['epoch_seconds']:.3f} s per epoch, against {two['rows_per_rank'] * c_row:.3f} s of compute alone "
              f"(half the 1-rank epoch); the difference is communication, imbalance and the shared memory bandwidth:")
        print(f"    {extra * 1e6:.2f} us per step measured over {nsteps} steps, against the model's 2-rank intra-node exchange "
              f"{pred['partitioned'] * 1e6:.2f} us (partitioned) / {pred['replicated'] * 1e6:.2f} us (replicated)")
    for layout in layouts:
        if layout == "local":
            H, navg, rows = local_rows(n, d, batch, c_row, nodes_list, a)
            if a.overlap:
                print(f"  overlapped averaging: the allreduce across nodes hidden behind the next period's compute up to its length; "
                      f"{a.overlap_streams:g} streams of a rank's averaged bytes per averaging at {a.overlap_bandwidth / 1e9:.2f} GB/s per rank")
            print(f"\nlocal SGDF{' (hybrid: one copy per node)' if a.hybrid else ''}{', overlapped averaging' if a.overlap else ''}, H = {H} ({navg} averagings of 16 d = "
                  f"{16 * d / 1e6:.3g} MB per epoch; the per-row compute c_row as measured on one rank"
                  + (f", plus {a.hybrid_c_extra * 1e9:.0f} ns per row for the shared copy's steps on nodes of several ranks" if a.hybrid else "") + "):")
            print(f"{'nodes':>6} {'ranks':>7} {'rows/rank':>10} {'compute [s]':>12} {'averaging [s]':>14} {'epoch [s]':>10} {'speed-up':>9} {'efficiency':>10}")
            for nodes, P, rpr, comp, avg, epoch, sp, eff in rows:
                print(f"{nodes:>6} {P:>7} {rpr:>10.4g} {comp:>12.4g} {avg:>14.4g} {epoch:>10.4g} {sp:>9.4g} {eff:>10.2%}")
            print("  efficiency = compute / (compute + averaging): it stays high while (n / P) c_row >> (n / (B H)) T_avg, i.e. while a rank's "
                  "rows between two averagings, B H / P, take longer than one allreduce of 16 d bytes")
            continue
        print(f"\n{layout}:")
        print(f"{'nodes':>6} {'ranks':>7} {'rows/rank':>10} {'compute [us]':>13} {'comm [us]':>10} {'O(d) [us]':>9} {'step [us]':>10} "
              f"{'epoch [s]':>10} {'speed-up':>9} {'efficiency':>10}")
        for nodes, P, b, t_comp, t_comm, t_reg, t_step, epoch, speedup, eff in bulk_rows(layout, n, d, k, batch, c_row, nodes_list, a):
            flag = "  (fewer rows than ranks)" if b < 1 else ""
            print(f"{nodes:>6} {P:>7} {b:>10.3g} {t_comp * 1e6:>13.3f} {t_comm * 1e6:>10.2f} {t_reg * 1e6:>9.2f} {t_step * 1e6:>10.2f} "
                  f"{epoch:>10.4g} {speedup:>9.3g} {eff:>10.2%}{flag}")
        # where adding ranks stops paying: compute per rank = communication
        if not a.weak:
            if layout == "replicated":
                print("  stops scaling where B c_row / P = T_allreduce(16 d bytes): the allreduce does not shrink with P")
            else:
                if a.c_exchange is not None:
                    print(f"  the exchange costs k c_x (P-1)/P = {k * a.c_exchange / 2 * 1e9:.0f} ns (P = 2) to {k * a.c_exchange * 1e9:.0f} ns (large P) per "
                          f"row against c_row = {c_row * 1e9:.0f} ns of compute: efficiency at most c_row / (c_row + k c_x) = "
                          f"{c_row / (c_row + k * a.c_exchange):.0%} while it shrinks with b like the compute")
                print("  stops scaling where B c_row / P ~ 2 alpha log2 P (latency), i.e. P log2 P ~ B c_row / (2 alpha) = "
                      f"{batch * c_row / (2 * a.alpha):.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

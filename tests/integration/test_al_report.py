#!/usr/bin/python3
"""Checks postprocess/al_report.py on a fake study (make_fake_study.py) against values computed here from the
closed-form parameters of the fake curves:

  - AULC of a linear curve e(n) = a - b (n - n0) over [n0, nR] is a - b (nR - n0) / 2 (exact for the trapezoid rule);
  - the paired AULC difference sld - random of each seed is -delta_s;
  - the target is the mean over seeds of a - b (nR - n0); a linear curve crosses it at n* = n0 + (a - target) / b, so
    the labels needed are the first grid point >= n*; a step curve at m reaches it at m;
  - confidence intervals: mean +- t_{0.975, n-1} sd / sqrt(n) of those exact values;
  - selection cost per candidate = c_score + c_select, prediction cost per point = c_predict;
  - the unfinished run is skipped with a warning, the harness check is marked, the PNGs exist and are images;
  - --datasets/--strategies select, and bad arguments exit with status 2;
  - across data sets: Holm-adjusted paired t-tests, average ranks, Friedman's p and Nemenyi's CD against scipy on a
    study of constant curves; the recommendation names the best average rank; runs with different settings refused;
  - on small studies of constant curves, against scipy: --level 0.9 gives the summary's interval, bold cells and win
    counts at alpha 0.1, as in the ranking and the recommendation; a data set without one strategy counts in the
    wins and in their "of n"; a group's pick is the best-ranked strategy with more Holm wins than losses, even below
    or tied with a better-ranked one that never wins, and the baseline otherwise; with a strategy's hardest seeds
    missing, each data set is ranked over the seeds every strategy has and the missing runs are listed.

    /usr/bin/python3 tests/integration/test_al_report.py postprocess/al_report.py WORKDIR
"""
import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys

import numpy as np
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def close(got, want, what, tol=1e-9):
    ok = got is not None and want is not None and abs(got - want) <= tol * max(1.0, abs(want))
    check(ok, f"{what}: got {got}, want {want}")


def ci(x):
    x = np.asarray(x, float)
    return x.mean(), stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)


def first_grid_at_or_after(grid, x):
    i = np.searchsorted(grid, x, side="left")
    return float(grid[i]) if i < grid.size else None


def across_study(d, nds=5, strategies=("random", "a", "b", "c"), seeds=8, seed=3, sig=None):
    """constant curves: run (ds, strategy, seed) has error v everywhere, so its AULC is v"""
    sys.path.insert(0, HERE)
    from make_fake_study import write_run
    import h5py
    rng = np.random.default_rng(seed)
    cfg = dict(seed_size=10, batch_k=5, budget=30, n_pool=100, n_test=40, d=3, loss="squared", metric="rmse")
    cost = {"score": 1e-7, "select": 1e-8, "predict": 4e-8}
    V = {}
    for i in range(nds):
        shift = {s: rng.normal(0, 0.05) for s in strategies}
        for k in range(seeds):
            base = rng.uniform(1, 2)
            for s in strategies:
                v = base + shift[s] + rng.normal(0, 0.02)
                V[(f"d{i}", s, k)] = v
                path = write_run(d, f"d{i}", s, k, cfg, np.full(5, v), cost)
                if sig:
                    with h5py.File(path, "r+") as f:
                        f.attrs["signature"] = sig(i, s, k)
    return V


def constant_study(d, V):
    """run files for V = {(data set, strategy, seed): v}, each a constant curve at v (so its AULC is v)"""
    sys.path.insert(0, HERE)
    from make_fake_study import write_run
    os.makedirs(d)
    cfg = dict(seed_size=10, batch_k=5, budget=30, n_pool=100, n_test=40, d=3, loss="squared", metric="rmse")
    for (ds, s, k), v in V.items():
        write_run(d, ds, s, k, cfg, np.full(5, v), {"score": 1e-7, "select": 1e-8, "predict": 4e-8})


def holm_adjust(pv):
    """Holm's step-down adjusted p-values, written out (same order as pv)"""
    pv = np.asarray(pv, float)
    order = np.argsort(pv)
    adj = np.maximum.accumulate(np.minimum(1, (pv.size - np.arange(pv.size)) * pv[order]))
    out = np.empty(pv.size)
    out[order] = adj
    return out


def report(script, d, *args):
    """runs the report on study d; (exit status, stderr, JSON, Markdown)"""
    r = subprocess.run([PY, script, d, "--out", os.path.join(d, "rep")] + list(args), capture_output=True, text=True)
    check(r.returncode == 0, f"{d}: status {r.returncode}: {r.stderr}")
    if r.returncode:
        return r, {"datasets": {}, "across": {}, "recommendation": ""}, ""
    return r, json.load(open(os.path.join(d, "rep.json"))), open(os.path.join(d, "rep.md")).read()


def table_row(md, section, name):
    """the cells of the row of strategy name in the Markdown table under the heading section"""
    part = md.split(section, 1)[1].split("\n## ", 1)[0]
    row = next((ln for ln in part.splitlines() if ln.startswith(f"| {name} |")), None)
    return [c.strip() for c in row.strip("|").split("|")][1:] if row else []


def expected_outcomes(V, base="random", alpha=0.05):
    """{(data set, strategy): +1 win, -1 loss, 0} against base: paired t-tests (scipy) over the seeds both have,
    Holm-adjusted together, significant below alpha"""
    keys = sorted({(ds, s) for ds, s, k in V if s != base})
    pv, dm = [], []
    for ds, s in keys:
        seeds = sorted(k for d_, s_, k in V if (d_, s_) == (ds, s) and (ds, base, k) in V)
        x, y = np.array([V[(ds, s, k)] for k in seeds]), np.array([V[(ds, base, k)] for k in seeds])
        pv.append(stats.ttest_rel(x, y).pvalue)
        dm.append(np.mean(x - y))
    return {key: 0 if a >= alpha else 1 if m < 0 else -1 for key, a, m in zip(keys, holm_adjust(pv), dm)}


def tally(O, s, sets=None):
    """(wins, losses, data sets compared) of strategy s in the expected outcomes O, over sets (default: all)"""
    o = [v for (ds, s_), v in O.items() if s_ == s and (sets is None or ds in sets)]
    return o.count(1), o.count(-1), len(o)


def check_counts_text(text, what):
    """every 'wins on w and loses on l of n' of a recommendation has w + l <= n"""
    for w, l_, n in re.findall(r"wins on (\d+) and loses on (\d+) of (\d+)", text):
        check(int(w) + int(l_) <= int(n), f"{what}: 'wins on {w} and loses on {l_} of {n}' in: {text}")


def check_unranked_counts(script, work):
    """a data set without one strategy is left out of the ranking, but the win/loss counts against the baseline cover
    it; the numbers of data sets they are out of say so"""
    rng = np.random.default_rng(11)
    V = {}
    for i in range(4):
        for k in range(8):
            base = rng.uniform(1, 2)
            V[(f"d{i}", "random", k)] = base
            V[(f"d{i}", "B", k)] = base - 0.03 + 0.001 * rng.standard_normal()
            if i < 3:  # d3 has no run of A
                V[(f"d{i}", "A", k)] = base + 0.02 + 0.001 * rng.standard_normal()
    d = os.path.join(work, "unranked")
    constant_study(d, V)
    r, J, md = report(script, d)
    O = expected_outcomes(V)
    rec = J["recommendation"]
    check(J["across"].get("ranked_datasets") == ["d0", "d1", "d2"], f"unranked: ranked {J['across'].get('ranked_datasets')}")
    for s in ("A", "B"):
        w, l_, n = tally(O, s)
        check(J["across"].get("wins_losses", {}).get(s) == [w, l_] and J["across"].get("compared", {}).get(s) == n,
              f"unranked: {s}: JSON {J['across'].get('wins_losses')} {J['across'].get('compared')}, want {w} / {l_} of {n}")
        check(table_row(md, "## Ranking", s)[-1:] == [f"{w} / {l_} of {n}"],
              f"unranked: ranking row {table_row(md, '## Ranking', s)}")
        check(table_row(md, "## Summary", s)[-1:] == [f"{w} / {l_}"], f"unranked: summary row {table_row(md, '## Summary', s)}")
    w, l_, n = tally(O, "B")
    check(f"Against random, B wins on {w} and loses on {l_} of {n} data sets" in rec, f"unranked: {rec}")
    w, l_, n = tally(O, "B", ["d0", "d1", "d2"])
    check(f"pick B (average rank there 1.00; against random it wins on {w} and loses on {l_} of {n})" in rec, f"unranked: {rec}")
    check_counts_text(rec, "unranked")


def check_recommend_pick(script, work):
    """the recommendation for a group of data sets credits every strategy's wins: A has the best (or a shared best)
    average rank but never beats random significantly, B ranks below (or equal) and beats it on every data set, so
    the advice is B, and it never says that no strategy beats random"""
    rng = np.random.default_rng(1)
    n = 8
    for name, shiftA in (("pick_below", [-0.05] * 3), ("pick_tied", [-0.05, -0.05, -0.02, -0.02])):
        V = {}
        for i, sa in enumerate(shiftA):
            z = rng.standard_normal(n)
            z = (z - z.mean()) / z.std(ddof=1)  # A's mean difference is exactly sa, its paired t only 0.5 or less
            for k in range(n):
                base = rng.uniform(1, 2)
                V[(f"d{i}", "random", k)] = base
                V[(f"d{i}", "A", k)] = base + sa + 0.3 * z[k]
                V[(f"d{i}", "B", k)] = base - 0.03 + 0.001 * rng.standard_normal()
        d = os.path.join(work, name)
        constant_study(d, V)
        r, J, md = report(script, d)
        rec = J["recommendation"]
        sets = sorted({ds for ds, s, k in V})
        strategies = ["A", "B", "random"]
        R = np.array([stats.rankdata([np.mean([V[(ds, s, k)] for k in range(n)]) for s in strategies]) for ds in sets])
        avg = dict(zip(strategies, R.mean(axis=0)))
        O = expected_outcomes(V)
        good = [s for s in ("A", "B") if tally(O, s)[0] > tally(O, s)[1]]
        check(good == ["B"] and avg["A"] <= avg["B"], f"{name}: the fake study: good {good}, ranks {avg}")
        w, l_, m = tally(O, "B")
        check(f"pick B (average rank there {avg['B']:.2f}; against random it wins on {w} and loses on {l_} of {m})" in rec,
              f"{name}: {rec}")
        w, l_, m = tally(O, "A")
        check(f"A ranks {avg['A']:.2f} there but wins on {w} and loses on {l_} of {m} against random" in rec, f"{name}: {rec}")
        check("no strategy beats it" not in rec and "pick random" not in rec, f"{name}: {rec}")
        check_counts_text(rec, name)
    # B beats random on d0 but loses to it on d1 and d2: no strategy has more wins than losses, so the advice is random
    V = {}
    for i, sb in enumerate((-0.03, 0.03, 0.03)):
        for k in range(n):
            base = rng.uniform(1, 2)
            V[(f"d{i}", "random", k)] = base
            V[(f"d{i}", "A", k)] = base + 0.01 + 0.3 * rng.standard_normal()
            V[(f"d{i}", "B", k)] = base + sb + 0.001 * rng.standard_normal()
    d = os.path.join(work, "pick_none")
    constant_study(d, V)
    r, J, md = report(script, d)
    O = expected_outcomes(V)
    check(tally(O, "B")[:2] == (1, 2) and tally(O, "A")[:2] == (0, 0), f"pick_none: the fake study: {O}")
    R = np.array([stats.rankdata([np.mean([V[(f"d{i}", s, k)] for k in range(n)]) for s in ("A", "B", "random")])
                  for i in range(3)]).mean(axis=0)
    check(f"pick random: no strategy beats it significantly on more of these data sets than it loses to it (random has the "
          f"best average rank there, {R[2]:.2f})" in J["recommendation"], f"pick_none: {J['recommendation']}")


def check_missing_seeds(script, work):
    """failed runs: A is worse than random on every seed it has, but its hardest seeds (4-7) are missing; each data set
    is ranked over the seeds every strategy has, and the report says which runs are missing"""
    rng = np.random.default_rng(5)
    n, have = 8, 4
    V = {}
    for i in range(3):
        base = np.sort(rng.uniform(1, 2, n))
        for k in range(n):
            V[(f"d{i}", "random", k)] = base[k]
            V[(f"d{i}", "B", k)] = base[k] + 0.01 + 0.001 * rng.standard_normal()
            if k < have:
                V[(f"d{i}", "A", k)] = base[k] + 0.05 + 0.001 * rng.standard_normal()
    d = os.path.join(work, "missing_seeds")
    constant_study(d, V)
    r, J, md = report(script, d)
    sets, strategies = ["d0", "d1", "d2"], ["A", "B", "random"]
    mean = lambda ds, s, seeds: np.mean([V[(ds, s, k)] for k in seeds])  # noqa: E731
    check(all(mean(ds, "A", range(have)) < mean(ds, "random", range(n)) for ds in sets),
          "missing seeds: the fake study: A's own seeds must look better than random's")
    R = np.array([stats.rankdata([mean(ds, s, range(have)) for s in strategies]) for ds in sets])
    acr = J["across"]
    for j, s in enumerate(strategies):
        close(acr.get("avg_rank", {}).get(s), R[:, j].mean(), f"missing seeds: average rank of {s} over the common seeds")
    close(acr.get("friedman_p"), stats.friedmanchisquare(*R.T).pvalue, "missing seeds: Friedman p")
    best = strategies[int(np.argmin(R.mean(axis=0)))]
    rec = J["recommendation"]
    check(rec.startswith(f"Across 3 data sets, {best} has the best average rank"), f"missing seeds: {rec}")
    check(f"{3 * (n - have)} runs are missing, so the ranks of d0, d1, d2 use only the seeds every strategy has" in rec,
          f"missing seeds: {rec}")
    for ds in sets:
        check(f"{ds} over {have} of {n} seeds (A lacks seeds {have}-{n - 1})" in md,
              f"missing seeds: {ds} not listed in the ranking")
        check(f"data set {ds}: runs missing (A seeds {have}-{n - 1})" in r.stderr, f"missing seeds: warning for {ds}: {r.stderr}")
        check(acr.get("seeds_dropped", {}).get(ds, {}).get("missing") == {"A": list(range(have, n))},
              f"missing seeds: JSON {acr.get('seeds_dropped')}")


def check_level(script, work):
    """--level 0.9: the summary's interval, its bold cells and its win counts use 0.9 (alpha 0.1), and agree with the
    ranking table and the recommendation"""
    rng = np.random.default_rng(35)
    n = 12
    z = rng.standard_normal(n)
    z = (z - z.mean()) / z.std(ddof=1)
    t_want = 1.98  # d1: a paired p of about 0.07, between 0.05 and 0.10
    diffs = {"d0": -0.1 + 0.01 * z[::-1], "d1": -0.02 + 0.02 * math.sqrt(n) / t_want * z}
    V = {}
    for ds, dd in diffs.items():
        base = rng.uniform(1, 2, n)
        for k in range(n):
            V[(ds, "random", k)], V[(ds, "A", k)] = base[k], base[k] + dd[k]
    d = os.path.join(work, "level")
    constant_study(d, V)
    r, J, md = report(script, d, "--level", "0.9")
    sets = ["d0", "d1"]
    pv = [stats.ttest_rel([V[(ds, "A", k)] for k in range(n)], [V[(ds, "random", k)] for k in range(n)]).pvalue for ds in sets]
    adj = holm_adjust(pv)
    check(0.05 < adj[1] < 0.1, f"level: the fake study's d1 p = {adj[1]} should lie between 0.05 and 0.1")
    wins = int(np.sum(adj < 0.1))
    cells = []
    for ds, a in zip(sets, adj):
        b = np.array([V[(ds, "random", k)] for k in range(n)])
        x = 100 * (np.array([V[(ds, "A", k)] for k in range(n)]) - b) / b.mean()
        m, h = x.mean(), stats.t.ppf(0.95, n - 1) * x.std(ddof=1) / math.sqrt(n)
        cells.append(f"**{m:+.1f} ± {h:.1f}**" if a < 0.1 else f"{m:+.1f} ± {h:.1f}")
    check("unadjusted 90% confidence interval" in md and "(adjusted p < 0.1)" in md and "95%" not in md,
          "level 0.9: the summary names the 90% interval and alpha 0.1")
    check(table_row(md, "## Summary", "A") == cells + [f"{wins} / 0"],
          f"level 0.9: summary row {table_row(md, '## Summary', 'A')}, want {cells + [f'{wins} / 0']}")
    check(table_row(md, "## Ranking", "A")[-1:] == [f"{wins} / 0"], f"level 0.9: ranking row {table_row(md, '## Ranking', 'A')}")
    check(J["across"].get("wins_losses", {}).get("A") == [wins, 0], f"level 0.9: JSON wins {J['across'].get('wins_losses')}")
    check(f"A wins on {wins} and loses on 0 of 2" in J["recommendation"], f"level 0.9: {J['recommendation']}")


def check_across(script, work):
    """Holm-adjusted paired tests, average ranks, Friedman and Nemenyi against scipy computed here"""
    d = os.path.join(work, "across")
    os.makedirs(d)
    V = across_study(d)
    r = subprocess.run([PY, script, d, "--out", os.path.join(d, "rep")], capture_output=True, text=True)
    check(r.returncode == 0, f"across: {r.stderr}")
    J = json.load(open(os.path.join(d, "rep.json")))
    strategies, sets = ["a", "b", "c", "random"], [f"d{i}" for i in range(5)]
    pv, keys = [], []
    for ds in sets:
        for s in ("a", "b", "c"):
            pv.append(stats.ttest_rel([V[(ds, s, k)] for k in range(8)], [V[(ds, "random", k)] for k in range(8)]).pvalue)
            keys.append((ds, s))
    m = len(pv)
    order = np.argsort(pv)
    adj = np.maximum.accumulate(np.minimum(1, (m - np.arange(m)) * np.array(pv)[order]))  # Holm, written out
    want = dict(zip([keys[j] for j in order], adj))
    for ds in sets:
        for row in J["datasets"][ds]["rows"]:
            if row["strategy"] != "random":
                close(row["diff_p_holm"], want[(ds, row["strategy"])], f"Holm p {ds} {row['strategy']}", 1e-8)
    R = np.array([stats.rankdata([np.mean([V[(ds, s, k)] for k in range(8)]) for s in strategies]) for ds in sets])
    for j, s in enumerate(strategies):
        close(J["across"]["avg_rank"][s], R[:, j].mean(), f"average rank {s}")
    close(J["across"]["friedman_p"], stats.friedmanchisquare(*R.T).pvalue, "Friedman p")
    close(J["across"]["nemenyi_cd"], stats.studentized_range.ppf(0.95, 4, 1e6) / math.sqrt(2) * math.sqrt(4 * 5 / 30), "Nemenyi CD", 1e-6)
    best = strategies[int(np.argmin(R.mean(axis=0)))]
    check(J["recommendation"].startswith(f"Across 5 data sets, {best} has the best average rank"), J["recommendation"])
    check("On regression data like d0, d1, d2, d3, d4 pick" in J["recommendation"], J["recommendation"])
    check(r.stdout.startswith("Across 5 data sets"), "the recommendation is printed")


def check_settings(script, work):
    """a study directory whose run files differ in a setting (beyond strategy and seed) is refused, naming it"""
    d = os.path.join(work, "mixed")
    os.makedirs(d)
    sig = lambda i, s, k: f"dataset=d{i};strategy={s};seed={k};budget={80 if (i, s, k) == (1, 'a', 3) else 60};split=random"  # noqa: E731
    across_study(d, sig=sig)
    r = subprocess.run([PY, script, d, "--out", os.path.join(d, "rep")], capture_output=True, text=True)
    check(r.returncode == 2 and "budget" in r.stderr and "d1__a__seed3.h5" in r.stderr, f"mixed settings: {r.returncode} {r.stderr}")
    d2 = os.path.join(work, "same")
    os.makedirs(d2)
    across_study(d2, sig=lambda i, s, k: f"dataset=d{i};strategy={s};seed={k};budget=60;split=random;n_pool={100 + i}")
    r = subprocess.run([PY, script, d2, "--out", os.path.join(d2, "rep")], capture_output=True, text=True)
    check(r.returncode == 0, f"same settings (data-set keys may differ): {r.stderr}")


def main():
    script, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    study = os.path.join(work, "study")
    subprocess.run([PY, os.path.join(HERE, "make_fake_study.py"), study], check=True)
    P = json.load(open(os.path.join(study, "params.json")))

    prefix = os.path.join(work, "out", "rep")
    r = subprocess.run([PY, script, study, "--out", prefix], capture_output=True, text=True)
    print(r.stdout, r.stderr)
    check(r.returncode == 0, f"al_report exit status {r.returncode}")
    check("seed6" in r.stderr and "completed = 0" in r.stderr, "warning for the unfinished run alpha__random__seed6")
    res = json.load(open(prefix + ".json"))["datasets"]
    rows = {(x["dataset"], x["strategy"]): x for x in csv.DictReader(open(prefix + ".csv"))}
    md = open(prefix + ".md").read()

    allm = [x["aulc_early_share"] for dd in res.values() for x in dd["rows"] if not x["reads_all_labels"]]
    check(f"carries {min(allm):.0%} to {max(allm):.0%} of a strategy's" in md, "the early-share sentence gives the range of the data")
    for ds, p in P.items():
        n = np.array(p["n_labeled"])
        n0, nR = n[0], n[-1]
        runs = p["runs"]
        d = res[ds]
        got = {x["strategy"]: x for x in d["rows"]}
        seeds = sorted({int(k.split("/")[1]) for k in runs})
        A = np.array([runs[f"random/{s}"]["a"] for s in seeds])
        B = np.array([runs[f"random/{s}"]["b"] for s in seeds])
        target = np.mean(A - B * (nR - n0))
        close(d["target"], target, f"{ds}: target")
        close(d["target"], p["target"], f"{ds}: target (generator's)")
        check(got["random"]["n_runs"] == len(seeds), f"{ds}: random has {got['random']['n_runs']} runs, want {len(seeds)}")

        for strat in [k for k in got if k != "var"]:
            a = np.array([runs[f"{strat}/{s}"]["a"] for s in seeds])
            b = np.array([runs[f"{strat}/{s}"]["b"] for s in seeds])
            au = a - b * (nR - n0) / 2
            m, h = ci(au)
            close(got[strat]["aulc"], m, f"{ds}/{strat}: AULC mean")
            close(got[strat]["aulc_ci"], h, f"{ds}/{strat}: AULC CI")
            fin_m, fin_h = ci(a - b * (nR - n0))
            close(got[strat]["final_error"], fin_m, f"{ds}/{strat}: final error")
            close(got[strat]["final_error_ci"], fin_h, f"{ds}/{strat}: final error CI")
            nstar = n0 + (a - target) / b
            need = [float(n0) if x <= n0 else first_grid_at_or_after(n, x) for x in nstar]
            reached = [x for x in need if x is not None]
            check(got[strat]["labels_to_target_reached"] == len(reached),
                  f"{ds}/{strat}: reached {got[strat]['labels_to_target_reached']}, want {len(reached)}")
            check(got[strat]["labels_to_target_never"] == len(need) - len(reached), f"{ds}/{strat}: never")
            if len(reached) >= 2:
                m, h = ci(reached)
                close(got[strat]["labels_to_target"], m, f"{ds}/{strat}: labels to target")
                close(got[strat]["labels_to_target_ci"], h, f"{ds}/{strat}: labels to target CI")
            c = p["costs"][strat]
            close(got[strat]["select_cost_per_candidate_s"], c["score"] + c["select"], f"{ds}/{strat}: select cost")
            close(got[strat]["predict_cost_per_point_s"], c["predict"], f"{ds}/{strat}: predict cost")
            close(got[strat]["select_predict_ratio"], (c["score"] + c["select"]) / c["predict"], f"{ds}/{strat}: ratio")
            # the share of the AULC in the first 10% of the label range: of a line a - b t over t in [0, R]
            R, L = nR - n0, 0.1 * (nR - n0)
            share = (a * L - b * L * L / 2) / (a * R - b * R * R / 2)
            close(got[strat]["aulc_early_share"], share.mean(), f"{ds}/{strat}: early share of the AULC")
            close(got[strat]["aulc_early_share_max"], share.max(), f"{ds}/{strat}: largest early share")
            # the same numbers in the CSV
            close(float(rows[(ds, strat)]["aulc"]), got[strat]["aulc"], f"{ds}/{strat}: CSV AULC")

        # the early-share sentence of the summary: its range is the JSON's, over the strategies that do not read every label
        ms = [x["aulc_early_share"] for x in d["rows"] if not x["reads_all_labels"]]
        check(all(np.isfinite(ms)), f"{ds}: early shares finite")
        # paired difference: exactly -delta_s per seed
        dl = np.array([runs[f"sld/{s}"]["delta"] for s in seeds])
        m, h = ci(-dl)
        close(got["sld"]["diff_vs_baseline"], m, f"{ds}: sld - random AULC")
        close(got["sld"]["diff_vs_baseline_ci"], h, f"{ds}: sld - random AULC CI")
        check(got["sld"]["diff_n_pairs"] == len(seeds), f"{ds}: pairs")
        check(got["sld"]["diff_vs_baseline"] < 0, f"{ds}: sld must beat random")

        # mean curve and band of random at every round
        E = np.array([A[i] - B[i] * (n - n0) for i in range(len(seeds))])
        cr = d["curves"]["random"]
        close(float(np.max(np.abs(np.array(cr["mean"]) - E.mean(axis=0)))), 0.0, f"{ds}: mean curve", 1e-12)
        hw = stats.t.ppf(0.975, len(seeds) - 1) * E.std(axis=0, ddof=1) / math.sqrt(len(seeds))
        close(float(np.max(np.abs(np.array(cr["half"]) - hw))), 0.0, f"{ds}: band", 1e-12)

        # paired difference curve sld - random: -delta_s at every round
        cs = d["curves"]["sld"]
        close(float(np.max(np.abs(np.array(cs["diff_mean"]) + dl.mean()))), 0.0, f"{ds}: sld - random curve", 1e-12)
        close(float(np.max(np.abs(np.array(cs["diff_half"]) - h))), 0.0, f"{ds}: sld - random band", 1e-12)
        check("diff_mean" not in cr, f"{ds}: the baseline has no difference curve")

        if "var" in got:  # step curves: the step's position, two seeds never
            steps = [runs[f"var/{s}"]["step_at"] for s in seeds]
            reach = [x for x in steps if x is not None]
            m, h = ci(reach)
            close(got["var"]["labels_to_target"], m, f"{ds}/var: labels to target (steps)")
            close(got["var"]["labels_to_target_ci"], h, f"{ds}/var: labels to target CI (steps)")
            check(got["var"]["labels_to_target_never"] == len(steps) - len(reach), f"{ds}/var: never")
        check(os.path.getsize(f"{prefix}_{ds}.png") > 10000, f"{prefix}_{ds}.png missing or small")
        check(f"## {ds}" in md, f"{ds}: Markdown section")

    og = [x for x in res["alpha"]["rows"] if x["strategy"] == "oracle_greedy"][0]
    check(og["reads_all_labels"] == 1, "oracle_greedy marked reads_all_labels")
    check("| oracle_greedy * |" in md and "reads every pool label" in md, "oracle_greedy marked in the Markdown")
    check(res["alpha"]["curves"]["oracle_greedy"]["reads_all_labels"] == 1, "oracle_greedy curve marked")
    for png in [f"{prefix}_curves.png"] + [f"{prefix}_{ds}.png" for ds in P]:
        with open(png, "rb") as fh:
            check(fh.read(8) == b"\x89PNG\r\n\x1a\n", f"{png} is a PNG")

    # selection options: alpha only, sld (+ the baseline, which the comparison needs)
    r = subprocess.run([PY, script, study, "--out", prefix + "_sel", "--datasets", "alpha", "--strategies", "sld"],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"--datasets/--strategies run failed: {r.stderr}")
    sel = json.load(open(prefix + "_sel.json"))["datasets"]
    check(list(sel) == ["alpha"], f"--datasets alpha gave {list(sel)}")
    check(sorted(x["strategy"] for x in sel["alpha"]["rows"]) == ["random", "sld"], "--strategies sld")
    pick = lambda r, s: [x for x in r["alpha"]["rows"] if x["strategy"] == s][0]  # noqa: E731
    close(pick(sel, "sld")["diff_vs_baseline"], pick(res, "sld")["diff_vs_baseline"], "selection agrees")

    # bad arguments: status 2 and a message
    for args, word in ((["--datasets", "nope"], "nope"), (["--strategies", "xyz"], "xyz")):
        r = subprocess.run([PY, script, study, "--out", prefix + "_bad"] + args, capture_output=True, text=True)
        check(r.returncode == 2 and word in r.stderr, f"{args}: status {r.returncode}, stderr {r.stderr!r}")
    r = subprocess.run([PY, script, os.path.join(work, "missing")], capture_output=True, text=True)
    check(r.returncode == 2 and "missing" in r.stderr, f"missing directory: status {r.returncode}")

    check_across(script, work)
    check_settings(script, work)
    check_level(script, work)
    check_unranked_counts(script, work)
    check_recommend_pick(script, work)
    check_missing_seeds(script, work)

    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("al_report: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

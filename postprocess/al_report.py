#!/usr/bin/python3
"""Learning curves and tables from an active-learning study directory (curio -curio_mode study).

    /usr/bin/python3 postprocess/al_report.py STUDYDIR [--out PREFIX] [--datasets a,b] [--strategies x,y]
                                              [--baseline random] [--level 0.95]

Reads every STUDYDIR/<dataset_name>__<strategy>__seed<k>.h5 (one active-learning run each; layout in
postprocess/README.md, "Active-learning study report") and writes, with PREFIX defaulting to STUDYDIR/report:

    PREFIX_<dataset>.png   left: test error against the number of labels, mean over seeds with a confidence band
                           (--level), one line per strategy; right: the paired difference to the baseline per round
                           (same seeds), with its band
    PREFIX_curves.png      the same, one panel per data set
    PREFIX.md              one table per data set (below)
    PREFIX.csv             the same numbers, one row per (data set, strategy)
    PREFIX.json            the same numbers plus the mean curves

Per strategy and data set (means over seeds, confidence intervals mean +- t_{(1+level)/2, n-1} * sd / sqrt(n)):
  AULC            area under the learning curve: trapezoid of test error over n_labeled divided by the label range
                  (the mean test error over the run);
  vs baseline     the paired difference AULC(strategy) - AULC(baseline) over the seeds both have (the same seed
                  gives the same seed set); negative = better than the baseline;
  labels to target  the first n_labeled at which a run's test error <= target, target = the baseline's mean test
                  error at its last round (the full budget); mean over the seeds that reach it, and how many never do;
  select cost     (time_score + time_select) per scored candidate (the whole pool is scored in every round that
                  selects), against time_predict per predicted point (curio times predicting the whole pool in every
                  round); medians over seeds; the ratio says how many predictions one candidate's scoring costs.
Runs with completed = 0 are skipped with a warning; runs with reads_all_labels = 1 (harness checks such as
oracle_greedy, which look at every pool label) are drawn dashed and marked with '*' in the tables.

Across data sets (the summary): each strategy's paired AULC difference to the baseline is tested per data set with a
paired t-test over the seeds, and the p-values of all (data set, strategy) comparisons are adjusted together by
Holm's step-down method; a win or a loss is a Holm-adjusted p < 1 - level. The strategies (harness checks excluded)
are ranked by mean AULC within each data set (1 = best), over the seeds that all of them have there (failed runs
leave seeds out; the report lists them); the average rank over data sets is compared by Friedman's
test and Nemenyi's critical difference CD = q_{level}(k) sqrt(k (k + 1) / (6 N)) (q from the studentized range / sqrt 2):
two strategies whose average ranks differ by less than CD are not told apart by the data. The recommendation
paragraph is computed from these numbers (recommend()); --readme FILE replaces the text between the markers
<!-- al-report:begin --> and <!-- al-report:end --> in FILE with the summary, the ranking and the recommendation.

Settings: every run file carries its signature (the loop's settings); runs of one data set must have the same
settings apart from strategy and seed, and the protocol settings (batch, budget, seed-set rule, split, s policy,
regularizer) must agree across data sets; otherwise the report stops and names the differing settings and files.
Exit code 2 when no usable run is found or an option names nothing that exists.
"""
import argparse
import csv
import glob
import json
import math
import os
import re
import sys
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

try:
    import h5py  # noqa: E402
except ImportError:
    sys.exit("error: h5py is missing; install python3-h5py (bash scripts/setup-debian.sh)")

SCHEMA_VERSION = 1
EXIT_INPUT = 2
NAME_RE = re.compile(r"^(?P<dataset>.+?)__(?P<strategy>.+?)__seed(?P<seed>\d+)\.h5$")
ROUND_SETS = ("n_labeled", "test_error", "time_train", "time_tangent", "time_score", "time_select", "time_predict")
CONFIG_ATTRS = ("batch_k", "budget", "seed_size", "loss", "metric", "n_pool", "n_test", "d")
RUN_KEYS = ("strategy", "seed")  # signature keys that differ between the runs of one data set by design
DATASET_KEYS = ("dataset", "n_pool", "n_test", "d", "loss", "seed_size", "seed_stratified", "degree", "domain")


class ReportError(Exception):
    pass


def warn(msg):
    print(f"al_report: warning: {msg}", file=sys.stderr)


def _attr(f, name, path):
    if name not in f.attrs:
        raise ReportError(f"{path}: root attribute '{name}' is missing")
    v = f.attrs[name]
    if isinstance(v, bytes):
        v = v.decode()
    if isinstance(v, np.ndarray) and v.size == 1:
        v = v.item()
    if isinstance(v, np.generic):
        v = v.item()
    return v


def read_run(path):
    """One run file as a dict; raises ReportError naming the file and what is wrong."""
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise ReportError(f"{path}: cannot open as HDF5 ({e})") from None
    with f:
        run = {"path": path}
        ver = _attr(f, "schema_version", path)
        if int(ver) != SCHEMA_VERSION:
            warn(f"{path}: schema_version {ver}, this script reads version {SCHEMA_VERSION}")
        kind = _attr(f, "kind", path)
        if kind != "active":
            raise ReportError(f"{path}: attribute kind is '{kind}', expected 'active'")
        for a in ("dataset_name", "strategy", "seed", "completed", "reads_all_labels") + CONFIG_ATTRS:
            run[a] = _attr(f, a, path)
        run["seed"] = int(run["seed"])
        sig = f.attrs.get("signature")
        run["signature"] = (sig.decode() if isinstance(sig, bytes) else str(sig)) if sig is not None else None
        run["completed"] = int(run["completed"])
        run["reads_all_labels"] = int(run["reads_all_labels"])
        if not run["completed"]:
            return run
        for name in ROUND_SETS:
            p = "rounds/" + name
            if p not in f or not isinstance(f[p], h5py.Dataset):
                raise ReportError(f"{path}: dataset /{p} is missing")
            run[name] = np.asarray(f[p][()], dtype=np.float64).ravel()
        for opt in ("n_scored", "n_predicted"):  # optional: counts per round, if the writer records them
            p = "rounds/" + opt
            run[opt] = np.asarray(f[p][()], dtype=np.float64).ravel() if p in f else None
    R1 = run["n_labeled"].size
    for name in ROUND_SETS + ("n_scored", "n_predicted"):
        if run[name] is not None and run[name].size != R1:
            raise ReportError(f"{path}: /rounds/{name} has {run[name].size} entries, /rounds/n_labeled has {R1}")
    if R1 < 1:
        raise ReportError(f"{path}: /rounds/n_labeled is empty")
    if np.any(np.diff(run["n_labeled"]) <= 0):
        raise ReportError(f"{path}: /rounds/n_labeled does not increase")
    if not np.all(np.isfinite(run["test_error"])):
        raise ReportError(f"{path}: /rounds/test_error has NaN or Inf")
    return run


def load_study(studydir, datasets=None, strategies=None):
    if not os.path.isdir(studydir):
        raise ReportError(f"{studydir}: no such directory")
    runs = []
    for path in sorted(glob.glob(os.path.join(studydir, "*.h5"))):
        m = NAME_RE.match(os.path.basename(path))
        if not m:
            continue  # the report's own files, checkpoints, other outputs
        if datasets and m["dataset"] not in datasets or strategies and m["strategy"] not in strategies:
            continue
        try:
            run = read_run(path)
        except ReportError as e:
            warn(f"{e}; skipped")
            continue
        name_says = (m["dataset"], m["strategy"], int(m["seed"]))
        file_says = (run["dataset_name"], run["strategy"], run["seed"])
        if name_says != file_says:
            warn(f"{path}: the file name says {name_says}, the attributes say {file_says}; using the attributes")
        if not run["completed"]:
            warn(f"{path}: completed = 0 (the run did not finish); skipped")
            continue
        runs.append(run)
    return runs


def parse_signature(sig):
    """key=value pairs of a run file's signature"""
    out = {}
    for item in sig.split(";"):
        k, _, v = item.partition("=")
        out[k] = v
    return out


def check_settings(runs):
    """Refuses (ReportError) runs of one data set whose settings differ apart from strategy and seed, and data sets
    whose protocol settings differ; names the settings and two files."""
    have = [r for r in runs if r["signature"]]
    if not have:
        return
    if len(have) != len(runs):
        miss = next(r for r in runs if not r["signature"])
        raise ReportError(f"{miss['path']} has no settings signature but {have[0]['path']} has: runs of different "
                          "curio versions or settings; report them separately")
    first = {}
    for r in runs:
        sig = parse_signature(r["signature"])
        ds = r["dataset_name"]
        for scope, key, drop in (("data set " + ds, ds, RUN_KEYS), ("the study", None, RUN_KEYS + DATASET_KEYS)):
            mine = {k: v for k, v in sig.items() if k not in drop and not k.startswith("strategy_")}  # a strategy's own parameters
            if key not in first:
                first[key] = (r["path"], mine)
                continue
            path0, ref = first[key]
            diff = sorted(k for k in set(ref) | set(mine) if ref.get(k) != mine.get(k))
            if diff:
                shown = "; ".join(f"{k}: {ref.get(k)} vs {mine.get(k)}" for k in diff[:6])
                raise ReportError(f"runs with different settings in {scope}: {path0} and {r['path']} differ in "
                                  f"{', '.join(diff)} ({shown}); put them in separate study directories")


# ----------------------------------------------------------------------------------------------------- statistics


def holm(pvals):
    """Holm's step-down adjusted p-values (same order as the input)"""
    p = np.asarray(pvals, float)
    order = np.argsort(p)
    m = p.size
    adj = np.empty(m)
    run = 0.0
    for i, j in enumerate(order):
        run = max(run, min(1.0, (m - i) * p[j]))
        adj[j] = run
    return adj


def paired_p(x):
    """two-sided p-value of the paired t-test of differences x (NaN for fewer than 2, 1 if all differences are 0)"""
    x = np.asarray(x, float)
    if x.size < 2:
        return math.nan
    if np.all(x == x[0]):
        return 1.0 if x[0] == 0 else 0.0
    return float(stats.ttest_1samp(x, 0.0).pvalue)


def outcome(r, alpha):
    """+1 where a strategy's row beats the baseline (Holm-adjusted p < alpha and a negative mean difference), -1 where
    it loses (positive difference), 0 otherwise; the one test behind the summary's bold cells, every win/loss count
    and the recommendation"""
    if not r.get("diff_p_holm", 1.0) < alpha:
        return 0
    return 1 if r["diff_vs_baseline"] < 0 else -1 if r["diff_vs_baseline"] > 0 else 0


def record(res, s, sets, alpha):
    """(wins, losses, data sets compared) of strategy s against the baseline over the data sets sets, by outcome(); a
    data set counts where the strategy was tested against the baseline there"""
    o = [outcome(r, alpha) for ds in sets for r in res[ds]["rows"] if r["strategy"] == s and "diff_p_holm" in r]
    return o.count(1), o.count(-1), len(o)


def mean_ci(x, level=0.95):
    """(n, mean, half-width) of a t confidence interval; half-width NaN for fewer than 2 values."""
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    if n == 0:
        return 0, math.nan, math.nan
    m = float(x.mean())
    if n < 2:
        return n, m, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return n, m, half


def aulc(n_labeled, err):
    """Mean test error over the run: trapezoid over n_labeled divided by the label range."""
    if n_labeled.size == 1:
        return float(err[0])
    return float(np.trapz(err, n_labeled) / (n_labeled[-1] - n_labeled[0]))


EARLY = 0.1  # the first tenth of the label range, whose share of the AULC tells whether early rounds dominate it


def early_share(n_labeled, err, frac=EARLY):
    """The share of the run's AULC (trapezoid area) that lies in the first frac of its label range (the curve
    interpolated linearly at the cut); frac when the error is constant. NaN for a one-row run or a zero area."""
    if n_labeled.size < 2:
        return math.nan
    n = np.asarray(n_labeled, dtype=np.float64)
    e = np.asarray(err, dtype=np.float64)
    cut = n[0] + frac * (n[-1] - n[0])
    keep = n < cut
    ne = np.concatenate([n[keep], [cut]])
    ee = np.concatenate([e[keep], [np.interp(cut, n, e)]])
    total = np.trapz(e, n)
    return float(np.trapz(ee, ne) / total) if total > 0 else math.nan


def labels_to_target(n_labeled, err, target):
    """The first n_labeled with err <= target, or None."""
    hit = np.flatnonzero(err <= target)
    return float(n_labeled[hit[0]]) if hit.size else None


def selection_cost(run):
    """(seconds of scoring+selection per scored candidate, seconds of prediction per predicted point).

    curio scores the whole pool in every round that selects (labeled rows are then excluded from the choice) and
    times the prediction of the whole pool in every round, so both counts default to n_pool per round;
    /rounds/n_scored and /rounds/n_predicted, if a file has them, replace the defaults. Scoring is counted in the
    rounds that spent time scoring or selecting (the last round selects nothing)."""
    sel = run["time_score"] + run["time_select"]
    R1 = run["n_labeled"].size
    pool = np.full(R1, float(run["n_pool"]))
    scored = run["n_scored"] if run["n_scored"] is not None else pool
    used = sel > 0
    per_cand = float(sel[used].sum() / scored[used].sum()) if used.any() and scored[used].sum() > 0 else math.nan
    npred = run["n_predicted"] if run["n_predicted"] is not None else pool
    per_pred = float(run["time_predict"].sum() / npred.sum()) if npred.sum() > 0 else math.nan
    return per_cand, per_pred


def common_curve(runs, where):
    """The runs' n_labeled grid and error matrix (runs x rounds); runs on different grids are cut to the
    n_labeled values they all have."""
    grids = [r["n_labeled"] for r in runs]
    if all(g.size == grids[0].size and np.array_equal(g, grids[0]) for g in grids):
        return grids[0], np.vstack([r["test_error"] for r in runs])
    common = grids[0]
    for g in grids[1:]:
        common = np.intersect1d(common, g)
    warn(f"{where}: the runs have different n_labeled grids; the mean curve uses the {common.size} values they share")
    E = np.vstack([r["test_error"][np.searchsorted(r["n_labeled"], common)] for r in runs])
    return common, E


def analyse(runs, baseline="random", level=0.95):
    """Per data set: the configuration, the target, and per strategy the curve and the table row."""
    out = {}
    for ds in sorted({r["dataset_name"] for r in runs}):
        druns = [r for r in runs if r["dataset_name"] == ds]
        cfg = {a: druns[0][a] for a in CONFIG_ATTRS}
        for r in druns[1:]:
            diff = [a for a in CONFIG_ATTRS if r[a] != cfg[a]]
            if diff:
                warn(f"data set {ds}: {r['path']} differs from {druns[0]['path']} in {', '.join(diff)}")
        strategies = sorted({r["strategy"] for r in druns}, key=lambda s: (s != baseline, s))
        by = {s: sorted((r for r in druns if r["strategy"] == s), key=lambda r: r["seed"]) for s in strategies}
        for s, rs in by.items():
            seeds = [r["seed"] for r in rs]
            if len(set(seeds)) != len(seeds):
                raise ReportError(f"data set {ds}, strategy {s}: seed listed twice ({seeds})")
        base = by.get(baseline)
        if base and any(r["reads_all_labels"] for r in base):
            warn(f"data set {ds}: the baseline '{baseline}' reads all labels")
        target = float(np.mean([r["test_error"][-1] for r in base])) if base else math.nan
        base_aulc = {r["seed"]: aulc(r["n_labeled"], r["test_error"]) for r in base} if base else {}
        rows, curves = [], {}
        for s, rs in by.items():
            grid, E = common_curve(rs, f"data set {ds}, strategy {s}")
            n = E.shape[0]
            mean = E.mean(axis=0)
            half = (stats.t.ppf(0.5 + level / 2, n - 1) * E.std(axis=0, ddof=1) / math.sqrt(n)) if n > 1 \
                else np.full(mean.size, math.nan)
            curves[s] = {"n_labeled": grid.tolist(), "mean": mean.tolist(), "half": np.asarray(half).tolist(),
                         "reads_all_labels": int(any(r["reads_all_labels"] for r in rs))}
            if base and s != baseline:  # paired difference curve to the baseline, over the seeds both have
                bgrid, bE = common_curve(base, f"data set {ds}, strategy {baseline}")
                bseeds = [r["seed"] for r in base]
                pair = [(i, bseeds.index(r["seed"])) for i, r in enumerate(rs) if r["seed"] in bseeds]
                g, ia, ib = np.intersect1d(grid, bgrid, return_indices=True)
                if pair and g.size:
                    Dm = np.vstack([E[i, ia] - bE[j, ib] for i, j in pair])
                    k = Dm.shape[0]
                    dh = (stats.t.ppf(0.5 + level / 2, k - 1) * Dm.std(axis=0, ddof=1) / math.sqrt(k)) if k > 1 \
                        else np.full(g.size, math.nan)
                    curves[s]["diff_n_labeled"] = g.tolist()
                    curves[s]["diff_mean"] = Dm.mean(axis=0).tolist()
                    curves[s]["diff_half"] = np.asarray(dh).tolist()
            au = {r["seed"]: aulc(r["n_labeled"], r["test_error"]) for r in rs}
            n_au, m_au, h_au = mean_ci(list(au.values()), level)
            paired = [au[k] - base_aulc[k] for k in au if k in base_aulc]
            if s == baseline:
                n_d, m_d, h_d = len(paired), 0.0, 0.0
            else:
                n_d, m_d, h_d = mean_ci(paired, level)
            reach = [labels_to_target(r["n_labeled"], r["test_error"], target) for r in rs] if base else []
            got = [v for v in reach if v is not None]
            n_t, m_t, h_t = mean_ci(got, level)
            costs = np.array([selection_cost(r) for r in rs])
            # medians over seeds: the times are microseconds per round, and one preempted round would dominate a mean
            c_sel = float(np.nanmedian(costs[:, 0])) if np.isfinite(costs[:, 0]).any() else math.nan
            c_pred = float(np.nanmedian(costs[:, 1])) if np.isfinite(costs[:, 1]).any() else math.nan
            _, m_fin, h_fin = mean_ci([r["test_error"][-1] for r in rs], level)
            early = np.array([early_share(r["n_labeled"], r["test_error"]) for r in rs])
            rows.append({
                "dataset": ds, "strategy": s, "reads_all_labels": curves[s]["reads_all_labels"], "n_runs": len(rs),
                "seeds": [r["seed"] for r in rs], "metric": cfg["metric"],
                "final_error": m_fin, "final_error_ci": h_fin,
                "aulc": m_au, "aulc_ci": h_au, "aulc_by_seed": [au[r["seed"]] for r in rs],
                "aulc_early_share": float(np.nanmean(early)) if np.isfinite(early).any() else math.nan,
                "aulc_early_share_max": float(np.nanmax(early)) if np.isfinite(early).any() else math.nan,
                "diff_vs_baseline": m_d if base else math.nan, "diff_vs_baseline_ci": h_d if base else math.nan,
                "diff_n_pairs": n_d, "diff_p": paired_p(paired) if s != baseline else math.nan,
                "target": target, "labels_to_target": m_t, "labels_to_target_ci": h_t,
                "labels_to_target_reached": len(got), "labels_to_target_never": len(reach) - len(got),
                "select_cost_per_candidate_s": c_sel, "predict_cost_per_point_s": c_pred,
                "select_predict_ratio": c_sel / c_pred if c_pred and np.isfinite(c_pred) and c_pred > 0 else math.nan,
            })
        out[ds] = {"config": cfg, "baseline": baseline if base else None, "target": target, "rows": rows,
                   "curves": curves}
    return out


def seed_list(seeds):
    """sorted seeds as text: 'seed 4', 'seeds 0, 3-5, 9'"""
    parts, i = [], 0
    while i < len(seeds):
        j = i
        while j + 1 < len(seeds) and seeds[j + 1] == seeds[j] + 1:
            j += 1
        parts.append(str(seeds[i]) if j == i else f"{seeds[i]}-{seeds[j]}")
        i = j + 1
    return ("seed " if len(seeds) == 1 else "seeds ") + ", ".join(parts)


def common_seeds(res, ds, strategies):
    """(the seeds all strategies have on data set ds, the number of seeds any of them has, their AULC per strategy and
    seed, the seeds each strategy lacks of those)"""
    rows = {r["strategy"]: r for r in res[ds]["rows"]}
    au = {s: dict(zip(rows[s]["seeds"], rows[s]["aulc_by_seed"])) for s in strategies}
    every = set().union(*au.values())
    common = sorted(every.intersection(*au.values()))
    return common, len(every), au, {s: sorted(every - set(au[s])) for s in strategies if every - set(au[s])}


def across(res, level=0.95):
    """Holm-adjusted wins/losses against the baseline, average ranks with Friedman's test and Nemenyi's CD. Each data
    set is ranked by the mean AULC over the seeds that every ranked strategy has there: a strategy whose failed runs
    are its hardest seeds is not ranked on its easy ones alone."""
    sets = [ds for ds, d in res.items() if d["baseline"]]
    comps = [(ds, r) for ds in sets for r in res[ds]["rows"] if r["strategy"] != res[ds]["baseline"] and np.isfinite(r["diff_p"])]
    adj = holm([r["diff_p"] for _, r in comps]) if comps else []
    for (ds, r), a in zip(comps, adj):
        r["diff_p_holm"] = float(a)
    alpha = 1 - level
    strategies = sorted({r["strategy"] for d in res.values() for r in d["rows"] if not r["reads_all_labels"]})
    full = [ds for ds in res if {r["strategy"] for r in res[ds]["rows"]} >= set(strategies)]
    ranks, dropped = {}, {}
    for ds in full if strategies else []:
        common, every, au, missing = common_seeds(res, ds, strategies)
        if missing:
            dropped[ds] = {"seeds": every, "common": len(common), "missing": missing}
            warn(f"data set {ds}: runs missing ({'; '.join(f'{s} {seed_list(v)}' for s, v in missing.items())}); "
                 + (f"it is ranked over the {len(common)} of {dropped[ds]['seeds']} seeds every strategy has" if common
                    else "no seed has every strategy, so it is left out of the ranking"))
        if common:
            ranks[ds] = stats.rankdata([np.mean([au[s][x] for x in common]) for s in strategies])
    full = list(ranks)
    out = {"alpha": alpha, "n_comparisons": len(comps), "strategies": strategies, "ranked_datasets": full,
           "seeds_dropped": dropped}
    rec = {s: record(res, s, sets, alpha) for s in strategies}
    out["wins_losses"] = {s: x[:2] for s, x in rec.items()}
    out["compared"] = {s: x[2] for s, x in rec.items()}  # the data sets the win/loss counts are out of
    k, N = len(strategies), len(full)
    if k >= 2 and N >= 2:
        R = np.array([ranks[ds] for ds in full])
        avg = R.mean(axis=0)
        out["avg_rank"] = dict(zip(strategies, avg.tolist()))
        out["rank_by_dataset"] = {ds: dict(zip(strategies, R[i].tolist())) for i, ds in enumerate(full)}
        out["friedman_p"] = float(stats.friedmanchisquare(*R.T).pvalue) if k >= 3 else math.nan
        q = stats.studentized_range.ppf(level, k, 1e6) / math.sqrt(2)
        out["nemenyi_cd"] = float(q * math.sqrt(k * (k + 1) / (6.0 * N)))
    return out


def friedman_text(p):
    """Friedman's p-value as the report prints it: it tests three or more strategies"""
    return "n/a (needs 3 or more strategies)" if math.isnan(p) else f"{p:.2g}"


def group_of(d):
    return "classification" if d["config"]["loss"] == "logistic" else "regression" if d["config"]["loss"] == "squared" else d["config"]["loss"]


def recommend(res, acr, level=0.95):
    """One paragraph for a user, computed from the study: the best average rank and the strategies within Nemenyi's
    CD of it, Holm-adjusted wins/losses against the baseline, and per group of data sets (by loss) a pick: among the
    strategies that beat the baseline significantly on more of the group's data sets than they lose to it, those with
    the best average rank there (and the strategies ranked as well or better without that record); the baseline if
    no strategy has it"""
    if "avg_rank" not in acr:
        return "Too few data sets or strategies for a ranking; no recommendation."
    base = next((d["baseline"] for d in res.values() if d["baseline"]), None)
    avg, cd, wl = acr["avg_rank"], acr["nemenyi_cd"], acr["wins_losses"]
    order = sorted(avg, key=lambda s: (avg[s], s))
    best = order[0]
    shared = [s for s in order if abs(avg[s] - avg[best]) <= 1e-9]  # equal average ranks: no order among them
    tied = [s for s in order if s not in shared and avg[s] - avg[best] < cd]
    N = len(acr["ranked_datasets"])
    pct = f"{100 * level:g}%"
    if len(shared) > 1:
        txt = [f"Across {N} data sets, {' and '.join(shared)} share the best average rank ({avg[best]:.2f} of {len(order)}; Friedman p = "
               f"{friedman_text(acr['friedman_p'])}, Nemenyi CD = {cd:.2f})."]
    else:
        txt = [f"Across {N} data sets, {best} has the best average rank ({avg[best]:.2f} of {len(order)}; Friedman p = "
               f"{friedman_text(acr['friedman_p'])}, Nemenyi CD = {cd:.2f})."]
    drop = acr.get("seeds_dropped", {})
    if drop:
        nmiss = sum(len(v) for x in drop.values() for v in x["missing"].values())
        used, left = [ds for ds in drop if drop[ds]["common"]], [ds for ds in drop if not drop[ds]["common"]]
        txt.append(f"{nmiss} run{'s are' if nmiss > 1 else ' is'} missing, so "
                   + (f"the ranks of {', '.join(used)} use only the seeds every strategy has there" if used else "")
                   + (" and " if used and left else "")
                   + (f"{', '.join(left)} {'is' if len(left) == 1 else 'are'} left out of the ranking, no seed having "
                      "every strategy" if left else "") + " (listed with the ranking).")
    if tied:
        txt.append(f"{', '.join(tied)} {'is' if len(tied) == 1 else 'are'} within the critical difference, so the data do "
                   f"not separate {'it' if len(tied) == 1 else 'them'} from {' and '.join(shared)}.")
    for b in shared:
        if base and b != base:
            w, l_ = wl.get(b, (0, 0))
            txt.append(f"Against {base}, {b} wins on {w} and loses on {l_} of {acr['compared'][b]} data sets (paired "
                       f"t-tests over seeds, Holm-adjusted over {acr['n_comparisons']} comparisons, alpha {acr['alpha']:.2g}).")
    groups = {}
    for ds in acr["ranked_datasets"]:
        groups.setdefault(group_of(res[ds]), []).append(ds)
    for g, dss in sorted(groups.items()):
        ga = {s: float(np.mean([acr["rank_by_dataset"][ds][s] for ds in dss])) for s in order}
        byrank = sorted(ga, key=lambda s: (ga[s], s))
        top = ga[byrank[0]]
        like = f"On {g} data like {', '.join(dss)} pick"
        if not base:
            txt.append(f"{like} {' and '.join(s for s in byrank if ga[s] - top <= 1e-9)} (average rank there {top:.2f}).")
            continue
        rec = {s: record(res, s, dss, acr["alpha"]) for s in byrank if s != base}
        vs = lambda s: f"wins on {rec[s][0]} and loses on {rec[s][1]} of {rec[s][2]}"  # noqa: E731
        good = [s for s in byrank if s in rec and rec[s][0] > rec[s][1]]  # a demonstrated gain over the baseline
        if good:
            gr = ga[good[0]]
            pick = [s for s in good if ga[s] - gr <= 1e-9]
            recs = f"it {vs(pick[0])}" if len(pick) == 1 else ", ".join(f"{s} {vs(s)}" for s in pick)
            ahead = [s for s in byrank if s not in pick and ga[s] - gr <= 1e-9]  # ranked as well, without that gain
            more = "".join(f"; {base} itself ranks {ga[s]:.2f}" if s == base else
                           f"; {s} ranks {ga[s]:.2f} there but {vs(s)} against {base}" for s in ahead)
            txt.append(f"{like} {' and '.join(pick)} (average rank there {gr:.2f}; against {base} {recs}){more}.")
        else:
            # no demonstrated gain: the baseline is the honest advice
            why = "on more of these data sets than it loses to it" if any(x[0] for x in rec.values()) else "there"
            shown = [s for s in byrank if ga[s] - top <= 1e-9 and s != base]
            detail = (f"{base} has the best average rank there, {top:.2f}" if not shown else "the best average rank, "
                      + "; ".join(f"{s} at {top:.2f}, {vs(s)} against {base}" for s in shown) + f"; {base} ranks {ga[base]:.2f}")
            txt.append(f"{like} {base}: no strategy beats it significantly {why} ({detail}).")
    nowin = [s for s in order if s != base and wl.get(s, (0, 0))[0] == 0]
    if base and nowin:
        txt.append(f"{', '.join(nowin)} never beat{'s' if len(nowin) == 1 else ''} {base} significantly on any data set.")
    return " ".join(txt)


# ------------------------------------------------------------------------------------------------------- writing


def fmt(v, h=None):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    s = f"{v:.4g}"
    if h is not None and not math.isnan(h):
        s += f" ± {h:.2g}"
    return s


def summary_table(res, level=0.95):
    """One row per strategy, one column per data set: the paired AULC difference to the baseline in percent of the
    baseline's AULC, with its confidence interval at level; bold where the Holm-adjusted paired test is significant at
    1 - level (outcome()). Last column: wins / losses."""
    sets = [ds for ds, d in res.items() if d["baseline"]]
    if not sets:
        return []
    base = res[sets[0]]["baseline"]
    strategies = sorted({r["strategy"] for ds in sets for r in res[ds]["rows"]} - {base})
    lines = [f"## Summary: AULC against {base}", "",
             f"Paired AULC difference to {base} in % of {base}'s AULC (negative is better), with its unadjusted {100 * level:g}% "
             "confidence interval; **bold** where the paired t-test over seeds is significant after Holm's correction "
             f"over all the table's comparisons (adjusted p < {1 - level:.2g}). Wins/losses count those data sets.", "",
             "| strategy | " + " | ".join(sets) + " | wins / losses |", "|---" * (len(sets) + 2) + "|"]
    for s in strategies:
        cells = []
        for ds in sets:
            rows = {r["strategy"]: r for r in res[ds]["rows"]}
            r, b = rows.get(s), rows.get(base)
            if not r or not b or not b["aulc"]:
                cells.append("-")
                continue
            m, h = 100 * r["diff_vs_baseline"] / b["aulc"], 100 * r["diff_vs_baseline_ci"] / b["aulc"]
            sig = outcome(r, 1 - level) != 0
            cell = f"{m:+.1f} ± {h:.1f}" if not math.isnan(h) else f"{m:+.1f}"
            cells.append(f"**{cell}**" if sig else cell)
        cheat = any(r["strategy"] == s and r["reads_all_labels"] for ds in sets for r in res[ds]["rows"])
        win, loss, _ = record(res, s, sets, 1 - level)
        lines.append(f"| {s}{' *' if cheat else ''} | " + " | ".join(cells) + f" | {win} / {loss} |")
    return lines + [""]


def early_lines(res):
    """Whether the AULC of any data set is dominated by its early rounds (a log-loss blow-up of the first models would
    be): the range over data sets and strategies (harness checks excluded) of the mean share of the AULC in the first
    tenth of the label range, and the data sets above EARLY_DOMINATES"""
    rows = [(ds, r) for ds, d in res.items() for r in d["rows"] if not r["reads_all_labels"] and np.isfinite(r["aulc_early_share"])]
    if not rows:
        return []
    m = [r["aulc_early_share"] for _, r in rows]
    top = max(r["aulc_early_share_max"] for _, r in rows)
    over = sorted({ds for ds, r in rows if r["aulc_early_share"] > EARLY_DOMINATES})
    text = (f"Early rounds: the first {EARLY:.0%} of the label range carries {min(m):.0%} to {max(m):.0%} of a strategy's "
            f"mean AULC across the data sets ({EARLY:.0%} would weigh every label evenly; the largest single run "
            f"{top:.0%}). ")
    text += (f"On {', '.join(over)} it exceeds {EARLY_DOMINATES:.0%}: there the early rounds dominate the AULC, and the final "
             "value and labels to target say more." if over else
             f"No data set's AULC is dominated by its early rounds (none above {EARLY_DOMINATES:.0%}).")
    return [text, ""]


def ranking_lines(acr):
    if "avg_rank" not in acr:
        return []
    avg = acr["avg_rank"]
    order = sorted(avg, key=lambda s: (avg[s], s))
    N = len(acr["ranked_datasets"])
    other = any(acr["compared"][s] not in (0, N) for s in order)  # some counts cover data sets that are not ranked
    lines = ["## Ranking across data sets", "",
             f"Average rank of mean AULC over the {N} data sets that ran every strategy (1 = best; "
             f"harness checks excluded). Friedman p = {friedman_text(acr['friedman_p'])}; Nemenyi critical difference CD = "
             f"{acr['nemenyi_cd']:.2f} (strategies closer than CD are not told apart). Holm wins/losses against the "
             "baseline as in the summary" + (", counted over every data set that has the strategy and the baseline, "
                                             "not only the ranked ones (wins / losses of n data sets)." if other else "."), "",
             "| strategy | average rank | within CD of the best | Holm wins / losses |", "|---|---|---|---|"]
    drop = acr.get("seeds_dropped", {})
    if drop:  # ranks over the seeds every strategy has; say which runs are missing
        lines[4:4] = [
            "Runs are missing, so each data set is ranked by the mean AULC over the seeds that every strategy has there "
            "(the paired tests use the seeds a strategy shares with the baseline): " + "; ".join(
                f"{ds} " + (f"over {x['common']} of {x['seeds']} seeds" if x["common"] else "left out, no seed having every strategy")
                + f" ({', '.join(f'{s} lacks {seed_list(v)}' for s, v in x['missing'].items())})"
                for ds, x in drop.items()) + ".", ""]
    for s in order:
        w, l_ = acr["wins_losses"].get(s, (0, 0))
        n = acr["compared"][s]
        lines.append(f"| {s} | {avg[s]:.2f} | {'yes' if avg[s] - avg[order[0]] < acr['nemenyi_cd'] else 'no'} | {w} / {l_}"
                     f"{f' of {n}' if other and n else ''} |")
    return lines + [""]


EARLY_DOMINATES = 2.5 * EARLY  # a mean early share above this says so under the data set's table


def fmt_share(r):
    """early share of the AULC: mean (max) over seeds, in percent"""
    m, x = r["aulc_early_share"], r["aulc_early_share_max"]
    return "-" if not np.isfinite(m) else f"{100 * m:.0f}% ({100 * x:.0f}%)"


def write_markdown(res, path, level, acr=None, rec=None):
    pct = f"{100 * level:g}%"
    lines = [f"# Active-learning study: {', '.join(res)}", "",
             f"Means over seeds with {pct} t confidence intervals. AULC = mean test error over the run (trapezoid "
             "over the number of labels / label range). Δ = paired difference of AULC to the baseline (same seeds; "
             "negative is better). Labels to target: the first number of labels at which a run's error is at most the "
             "baseline's mean error at the full budget (mean over the seeds that reach it; 'never' = seeds that do "
             "not). Cost: seconds of scoring + selection per scored candidate, and its ratio to the seconds of "
             "prediction per predicted point (medians over seeds). Early: the share of a run's AULC that lies in the first "
             f"{EARLY:.0%} of its label range, mean (max) over seeds; near {EARLY:.0%} the AULC weighs the run evenly, "
             "well above it the early rounds dominate it (the final value and labels to target then say more).", ""]
    lines += summary_table(res, level) + early_lines(res)
    if acr:
        lines += ranking_lines(acr)
    if rec:
        lines += ["## Recommendation", "", rec, ""]
    for ds, d in res.items():
        c = d["config"]
        lines += [f"## {ds}", "",
                  f"metric {c['metric']}, loss {c['loss']}, n_pool {c['n_pool']}, n_test {c['n_test']}, d {c['d']}, "
                  f"seed set {c['seed_size']}, batch {c['batch_k']}, budget {c['budget']}; baseline "
                  f"{d['baseline'] or '(none in the study)'}, target {c['metric']} {fmt(d['target'])}", "",
                  f"| strategy | runs | final {c['metric']} | AULC | early | Δ AULC vs {d['baseline'] or '-'} | labels to target "
                  "| never | select s/candidate | predict s/point | ratio |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        cheat = False
        for r in d["rows"]:
            name = r["strategy"] + (" *" if r["reads_all_labels"] else "")
            cheat |= bool(r["reads_all_labels"])
            diff = "(baseline)" if r["strategy"] == d["baseline"] else fmt(r["diff_vs_baseline"], r["diff_vs_baseline_ci"])
            lines.append(f"| {name} | {r['n_runs']} | {fmt(r['final_error'], r['final_error_ci'])} | "
                         f"{fmt(r['aulc'], r['aulc_ci'])} | {fmt_share(r)} | {diff} | "
                         f"{fmt(r['labels_to_target'], r['labels_to_target_ci'])} | {r['labels_to_target_never']} | "
                         f"{fmt(r['select_cost_per_candidate_s'])} | {fmt(r['predict_cost_per_point_s'])} | "
                         f"{fmt(r['select_predict_ratio'])} |")
        shares = [r["aulc_early_share"] for r in d["rows"] if np.isfinite(r["aulc_early_share"]) and not r["reads_all_labels"]]
        if shares and max(shares) > EARLY_DOMINATES:
            lines += ["", f"The first {EARLY:.0%} of the label range carries up to {max(shares):.0%} of a strategy's mean AULC "
                          f"here (more than {EARLY_DOMINATES:.0%}): its early rounds dominate the AULC; compare the final "
                          f"{c['metric']} and the labels to target too."]
        if cheat:
            lines += ["", "\\* reads every pool label (reads_all_labels = 1): a check of the harness, not a strategy "
                          "one could use."]
        lines.append("")
    with open(path, "w") as fh:
        fh.write("\n".join(lines))


CSV_COLS = ("dataset", "strategy", "reads_all_labels", "n_runs", "metric", "final_error", "final_error_ci", "aulc",
            "aulc_ci", "aulc_early_share", "aulc_early_share_max", "diff_vs_baseline", "diff_vs_baseline_ci", "diff_n_pairs", "target", "labels_to_target",
            "labels_to_target_ci", "labels_to_target_reached", "labels_to_target_never",
            "select_cost_per_candidate_s", "predict_cost_per_point_s", "select_predict_ratio")


def write_csv(res, path):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLS)
        for d in res.values():
            for r in d["rows"]:
                w.writerow([repr(r[c]) if isinstance(r[c], float) else r[c] for c in CSV_COLS])


def _jsonable(o):
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, dict):
        return {k: _jsonable(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_jsonable(v) for v in o]
    if isinstance(o, np.generic):
        return _jsonable(o.item())
    return o


def colors(res):
    allstr = sorted({s for d in res.values() for s in d["curves"]})
    cmap = plt.get_cmap("tab10" if len(allstr) <= 10 else "tab20")  # one colour per strategy
    return {s: cmap(i % cmap.N) for i, s in enumerate(allstr)}


def draw(ax, ds, d, col, level):
    for s, c in d["curves"].items():
        n, m, h = np.array(c["n_labeled"]), np.array(c["mean"]), np.array(c["half"])
        style = "--" if c["reads_all_labels"] else "-"
        label = s + (" (reads all labels)" if c["reads_all_labels"] else "")
        lw = 2.2 if s == d["baseline"] else 1.4
        ax.plot(n, m, style, color=col[s], lw=lw, label=label, marker="o" if n.size < 25 else None, ms=3)
        if np.isfinite(h).all():
            ax.fill_between(n, m - h, m + h, color=col[s], alpha=0.15, lw=0)
    if np.isfinite(d["target"]):
        ax.axhline(d["target"], color="0.5", lw=0.8, ls=":")
    c = d["config"]
    ax.set_title(f"{ds} (n_pool {c['n_pool']}, d {c['d']})")
    ax.set_xlabel("labels")
    ax.set_ylabel(f"test {c['metric']}")
    ax.grid(alpha=0.3)


def draw_diff(ax, d, col):
    """Paired difference of the test error to the baseline, per round, with its confidence band."""
    for s, c in d["curves"].items():
        if "diff_mean" not in c:
            continue
        n, m, h = np.array(c["diff_n_labeled"]), np.array(c["diff_mean"]), np.array(c["diff_half"])
        ax.plot(n, m, "--" if c["reads_all_labels"] else "-", color=col[s], lw=1.4, label=s,
                marker="o" if n.size < 25 else None, ms=3)
        if np.isfinite(h).all():
            ax.fill_between(n, m - h, m + h, color=col[s], alpha=0.15, lw=0)
    ax.axhline(0, color=col.get(d["baseline"], "k"), lw=2.2)
    ax.set_title(f"paired difference to {d['baseline']} (same seeds)")
    ax.set_xlabel("labels")
    ax.set_ylabel(f"test {d['config']['metric']} - {d['baseline']}'s")
    ax.grid(alpha=0.3)


def write_figures(res, prefix, level):
    col = colors(res)
    written = []
    for ds, d in res.items():
        has_diff = any("diff_mean" in c for c in d["curves"].values())
        fig, axes = plt.subplots(1, 2 if has_diff else 1, figsize=(12.0 if has_diff else 6.4, 4.6), squeeze=False)
        ax = axes[0, 0]
        draw(ax, ds, d, col, level)
        ax.legend(fontsize=8, title=f"mean, {100 * level:g}% CI over seeds", title_fontsize=8)
        if has_diff:
            draw_diff(axes[0, 1], d, col)
        fig.tight_layout()
        p = f"{prefix}_{ds}.png"
        fig.savefig(p, dpi=120)
        plt.close(fig)
        written.append(p)
    k = len(res)
    ncol = min(3, k)
    nrow = math.ceil(k / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(5.0 * ncol, 3.8 * nrow), squeeze=False)
    for ax, (ds, d) in zip(axes.ravel(), res.items()):
        draw(ax, ds, d, col, level)
    for ax in axes.ravel()[k:]:
        ax.axis("off")
    handles = {}
    for ax in axes.ravel()[:k]:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    if k < nrow * ncol:  # a free panel holds the legend
        axes.ravel()[k].legend(handles.values(), handles.keys(), loc="center", fontsize=10,
                               title=f"mean, {100 * level:g}% CI over seeds")
        fig.tight_layout()
    else:
        fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=min(len(handles), 5), fontsize=9,
                   bbox_to_anchor=(0.5, 0.0))
        fig.tight_layout(rect=(0, 0.04 + 0.03 * math.ceil(len(handles) / 5), 1, 1))
    p = f"{prefix}_curves.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    written.append(p)
    return written


def update_readme(path, res, acr, rec, studydir, runs, tag="", level=0.95):
    """The README's results section from this report: between the markers, the summary table, the ranking and the
    recommendation (nothing typed by hand)"""
    name = "al-report" + (f"-{tag}" if tag else "")
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    with open(path) as fh:
        text = fh.read()
    if begin not in text or end not in text:
        raise ReportError(f"{path}: markers {begin} / {end} not found")
    seeds = sorted({r["seed"] for r in runs})
    body = [begin, "",
            f"Generated by `postprocess/al_report.py {studydir} --readme {os.path.basename(path)}"
            f"{' --readme-tag ' + tag if tag else ''}` from {len(runs)} runs "
            f"({len(res)} data sets, {len(seeds)} seeds).", ""]
    body += [ln.replace("## ", "#### ") for ln in summary_table(res, level) + early_lines(res) + ranking_lines(acr)]
    body += ["#### Recommendation (computed by the report)", "", rec, "", end]
    a, b = text.index(begin), text.index(end) + len(end)
    with open(path, "w") as fh:
        fh.write(text[:a] + "\n".join(body) + text[b:])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("studydir", help="directory of <dataset>__<strategy>__seed<k>.h5 files")
    ap.add_argument("--out", default=None, help="prefix of the written files (default STUDYDIR/report)")
    ap.add_argument("--datasets", default=None, help="comma-separated data set names (default: all)")
    ap.add_argument("--strategies", default=None, help="comma-separated strategies (default: all)")
    ap.add_argument("--baseline", default="random", help="strategy the others are compared with (default random)")
    ap.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    ap.add_argument("--readme", default=None, help="replace the text between <!-- al-report:begin/end --> in this file")
    ap.add_argument("--readme-tag", default="", help="use the markers <!-- al-report-TAG:begin/end --> instead")
    a = ap.parse_args(argv)
    split = lambda s: [x for x in s.split(",") if x] if s else None  # noqa: E731
    datasets, strategies = split(a.datasets), split(a.strategies)
    if strategies and a.baseline not in strategies:
        strategies.append(a.baseline)  # the comparisons need it; it is shown too
    try:
        if not 0 < a.level < 1:
            raise ReportError(f"--level must be in (0, 1), got {a.level}")
        runs = load_study(a.studydir, datasets, strategies)
        if not runs:
            raise ReportError(f"{a.studydir}: no completed run files <dataset>__<strategy>__seed<k>.h5"
                              + (f" for --datasets {a.datasets}" if datasets else "")
                              + (f" --strategies {a.strategies}" if strategies else ""))
        for what, asked, have in (("data set", datasets, {r["dataset_name"] for r in runs}),
                                  ("strategy", strategies, {r["strategy"] for r in runs})):
            for x in asked or []:
                if x not in have and not (what == "strategy" and x == a.baseline):
                    raise ReportError(f"--{'datasets' if what == 'data set' else 'strategies'}: {what} '{x}' has no "
                                      f"completed run in {a.studydir} (there are: {', '.join(sorted(have))})")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            check_settings(runs)
            res = analyse(runs, a.baseline, a.level)
            acr = across(res, a.level)
            rec = recommend(res, acr, a.level)
        prefix = a.out or os.path.join(a.studydir, "report")
        if os.path.dirname(prefix):
            os.makedirs(os.path.dirname(prefix), exist_ok=True)
        write_markdown(res, prefix + ".md", a.level, acr, rec)
        if a.readme:
            update_readme(a.readme, res, acr, rec, a.studydir, runs, a.readme_tag, a.level)
        write_csv(res, prefix + ".csv")
        with open(prefix + ".json", "w") as fh:
            json.dump(_jsonable({"level": a.level, "datasets": res, "across": acr, "recommendation": rec}), fh, indent=1)
        pngs = write_figures(res, prefix, a.level)
    except ReportError as e:
        print(f"al_report: error: {e}", file=sys.stderr)
        return EXIT_INPUT
    print(rec)
    print(f"al_report: {len(runs)} runs, {len(res)} data sets; wrote {prefix}.md, .csv, .json and "
          f"{', '.join(os.path.basename(p) for p in pngs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

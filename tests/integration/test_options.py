#!/usr/bin/python3
"""Options: one owner per option, -help, -curio_version, typos, malformed values, one error line per failure.

For each case curio runs on --np ranks in an empty directory, and the test checks the exit status, that stderr has
exactly one `curio: error:` line naming the option (and no PETSc traceback), and that no file (output or temporary) is
left. -help must exit 0, write nothing, list the options of every mode once each with their true defaults, and agree
with the option table in src/sys/options.c, which must hold every -curio_* option the sources read.

    /usr/bin/python3 tests/integration/test_options.py build/curio --src . [--np 2] [--dir DIR]"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

from make_input import make

MPIEXEC = ["mpiexec", "--oversubscribe"]


def run(a, args, cwd, np_=None):
    cmd = MPIEXEC + ["-n", str(np_ or a.np), a.curio] + [str(x) for x in args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=300)


def error_lines(r):
    return [line for line in r.stderr.splitlines() if line.startswith("curio: error:")]


def fresh(tmp, name):
    d = os.path.join(tmp, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def expect_one_error(a, tmp, name, args, words):
    d = fresh(tmp, name)
    r = run(a, args + ["-curio_output", os.path.join(d, "out.h5")], d)
    lines = error_lines(r)
    assert r.returncode != 0, f"{name}: exit 0\n{r.stdout}\n{r.stderr}"
    assert len(lines) == 1, f"{name}: {len(lines)} error lines, want 1:\n{r.stderr}"
    for w in words:
        assert w in lines[0], f"{name}: '{w}' not in '{lines[0]}'"
    assert "PETSC ERROR" not in r.stderr, f"{name}: a traceback:\n{r.stderr}"
    assert not os.listdir(d), f"{name}: left {os.listdir(d)}"
    return lines[0]


def table_names(src):
    text = open(os.path.join(src, "src", "sys", "options.c")).read()
    return re.findall(r'\{"(-curio_[a-z0-9_]+)", CURIO_OPTION_', text)


def names_read_by_sources(src):
    """Every -curio_* name a source file reads through an options call"""
    names = set()
    for path in glob.glob(os.path.join(src, "src", "**", "*.c"), recursive=True):
        text = open(path).read()
        for m in re.finditer(r'(?:CurioOptions\w+\(PetscOptionsObject,|PetscOptions\w+\((?:NULL, NULL, )?)\s*"(-curio_[a-z0-9_]+)"', text):
            names.add(m.group(1))
    return names


def case_help(a, tmp):
    d = fresh(tmp, "help")
    r = run(a, ["-help", "-curio_output", os.path.join(d, "out.h5")], d)
    assert r.returncode == 0, r.stderr
    assert not os.listdir(d), f"-help wrote {os.listdir(d)}"
    assert not error_lines(r), r.stderr
    lines = [line for line in r.stdout.splitlines() if line.startswith("  -curio_")]
    shown = [line.split()[0].rstrip(":") for line in lines]
    # PETSc's own options under curio's prefixes: the common -curio_ksp_*/_pc_*/_tao_* and every solve's own
    # (-curio_tangent_ksp_*, -curio_newton_pc_*, ...), as src/sys/options.c exempts them
    petsc = re.compile(r"-curio_(?:[a-z0-9]+_)*?(ksp|pc|tao)_")
    ours = [n for n in shown if not petsc.match(n)]
    dup = sorted({n for n in ours if ours.count(n) > 1})
    assert not dup, f"-help lists these more than once: {dup}"
    table = table_names(a.src)
    assert len(table) == len(set(table)), "the table has a name twice"
    assert set(ours) == set(table), f"-help and the table disagree: only in -help {set(ours) - set(table)}, only in the table {set(table) - set(ours)}"
    read = {n for n in names_read_by_sources(a.src) if not petsc.match(n)}  # curio may set a PETSc option of its prefixes (a retry's line search)
    assert read <= set(table), f"read by the sources but not in the table: {read - set(table)}"
    for mode_option in ("-curio_loocv_ns", "-curio_sgdf_lr", "-curio_al_budget", "-curio_study_inputs", "-curio_traceback", "-curio_version"):
        assert mode_option in ours, f"{mode_option} not in -help"
    line = {n: l for n, l in zip(shown, lines)}
    # the run-time lists read like every other option: the default and the values, not PETSc's now/formerly and a function
    for n in ("-curio_scores", "-curio_select_by"):
        assert "formerly" not in line[n] and "(Curio" not in line[n] and line[n].endswith("(fit)"), line[n]
    assert "<all>" in line["-curio_scores"] and "sld_expected" in line["-curio_scores"], line["-curio_scores"]
    assert "<sld>" in line["-curio_select_by"] and "one of sld," in line["-curio_select_by"], line["-curio_select_by"]
    # the users' hierarchy solvers (README, "Several users") under their prefix
    for n in ("-curio_users_hier_tao_max_it", "-curio_users_hier_ksp_rtol"):
        assert n in shown, f"{n} not in -help"
    assert "<LOOCV optimum" in line["-curio_s"] and "<1." not in line["-curio_s"], line["-curio_s"]
    assert "<required>" in line["-curio_sgdf_lr"] and "-1" not in line["-curio_sgdf_lr"], line["-curio_sgdf_lr"]
    print(f"-help: exit 0, nothing written, {len(ours)} curio options once each (= the table), true defaults")


def case_version(a, tmp):
    d = fresh(tmp, "version")
    r = run(a, ["-curio_version"], d)
    assert r.returncode == 0 and r.stdout.splitlines()[0] == "curio 0.1.0", (r.stdout, r.stderr)
    assert "PETSc" in r.stdout or "Petsc" in r.stdout, r.stdout
    assert not os.listdir(d)
    print("-curio_version:", " | ".join(r.stdout.splitlines()[:3]))


def case_errors(a, tmp):
    sgdf = ["-curio_mode", "sgdf", "-curio_sgdf_synthetic", "200,10,3", "-curio_s", "1", "-curio_sgdf_lr", "1e-3"]
    cases = [
        ("typo", ["-curio_sovler", "krylov"], ["unknown option -curio_sovler", "did you mean -curio_solver?"]),
        ("typo, far", ["-curio_zzzzzzzzzzzz", "1"], ["unknown option -curio_zzzzzzzzzzzz"]),
        ("s abc", ["-curio_s", "abc"], ["-curio_s", "real number", "'abc'"]),
        ("s alone", ["-curio_loocv", "false", "-curio_s"], ["-curio_s needs a value"]),
        ("s subnormal", ["-curio_s", "1e-320"], ["-curio_s", "1e-320", "normal"]),
        ("s zero", ["-curio_s", "0"], ["-curio_s must be > 0"]),
        ("degree 2.5", ["-curio_degree", "2.5"], ["-curio_degree", "integer", "'2.5'"]),
        ("smax inf", ["-curio_loocv_smax", "inf"], ["-curio_loocv_smax", "not finite"]),
        ("ns huge", ["-curio_loocv_ns", "1000000000"], ["-curio_loocv_ns", "100000"]),
        ("solver", ["-curio_solver", "cholesky"], ["-curio_solver", "direct, krylov", "'cholesky'"]),
        ("bool", ["-curio_intercept", "maybe"], ["-curio_intercept must be true or false"]),
        ("domain", ["-curio_domain", "1"], ["-curio_domain", "2 real numbers"]),
        ("sgdf epochs 0", sgdf + ["-curio_sgdf_epochs", "0"], ["-curio_sgdf_epochs must be > 0"]),
        ("sgdf synthetic abc", sgdf + ["-curio_sgdf_synthetic", "abc"], ["-curio_sgdf_synthetic", "3 integers"]),
        ("options file", ["-options_file", "nope.opts"], ["-options_file", "nope.opts"]),
        ("PETSc's option", ["-curio_solver", "krylov", "-curio_ksp_rtol", "abc"], ["-curio_ksp_rtol", "abc"]),
        ("study dir missing value", ["-curio_mode", "study", "-curio_study_inputs", "a.h5", "-curio_study_strategies", "sld", "-curio_study_dir"],
         ["-curio_study_dir needs a value"]),
    ]
    # Krylov tolerances that PETSc takes but no solve can use, of every solve's prefix: max_it 0 crashed inside KSPSolve,
    # rtol 2 failed midway through the run
    ksp_in = os.path.join(fresh(tmp, "ksp_inputs"), "in.h5")
    make(ksp_in, n=30, d=3)
    logistic_in = os.path.join(tmp, "ksp_inputs", "logistic.h5")
    make(logistic_in, n=30, d=3, loss="logistic")
    krylov = ["-curio_input", ksp_in, "-curio_solver", "krylov"]
    cases += [("ksp max_it 0", krylov + ["-curio_ksp_max_it", "0"], ["-curio_ksp_max_it must be an integer >= 1", "got 0"]),
              ("train ksp max_it -5", krylov + ["-curio_train_ksp_max_it", "-5"], ["-curio_train_ksp_max_it must be an integer >= 1", "got -5"]),
              ("tangent ksp max_it 0", krylov + ["-curio_tangent_ksp_max_it", "0"], ["-curio_tangent_ksp_max_it", ">= 1"]),
              ("inverse ksp max_it 0", krylov + ["-curio_inverse_ksp_max_it", "0"], ["-curio_inverse_ksp_max_it", ">= 1"]),
              ("ksp rtol 2", krylov + ["-curio_train_ksp_rtol", "1e-3", "-curio_ksp_rtol", "2"], ["-curio_ksp_rtol must be in [0, 1)", "got 2"]),
              ("ksp rtol nan", krylov + ["-curio_ksp_rtol", "nan"], ["-curio_ksp_rtol must be in [0, 1)", "got nan"]),
              ("newton ksp max_it 0", ["-curio_input", logistic_in, "-curio_loss", "logistic", "-curio_solver", "krylov", "-curio_newton_ksp_max_it", "0"],
               ["-curio_newton_ksp_max_it must be an integer >= 1"])]
    if a.np > 1:  # each failing MPI run takes a second or two to wind down; the parsing is the same on every rank
        cases = [c for c in cases if c[0] in ("typo", "s abc", "s alone", "sgdf epochs 0", "options file", "ksp max_it 0", "ksp rtol 2")]
    # options files that PETSc would answer with a traceback: a directory, two options on one line
    files = fresh(tmp, "options_files")
    two = os.path.join(files, "two.opts")
    with open(two, "w") as fh:
        fh.write("# a comment\n-curio_s 1\n-curio_loocv false -curio_solver krylov\n")
    yml = os.path.join(files, "opts.yaml")  # PETSc reads a .yaml options file as YAML: no line check
    with open(yml, "w") as fh:
        fh.write("curio:\n  s: 1\n  loocv: false\n")
    r = run(a, ["-options_file", yml, "-curio_scores", "none", "-curio_output", os.path.join(files, "y.h5")], files)
    assert r.returncode == 0 and "curio: error" not in r.stderr, r.stderr
    os.remove(os.path.join(files, "y.h5"))
    cases += [("options file is a directory", ["-options_file", files], ["-options_file", "is a directory"]),
              ("options file, two on a line", ["-options_file", two], ["two.opts', line 3", "'-curio_solver' is one too many"]),
              ("typo of a solver prefix", ["-curio_tangnet_ksp_rtol", "1e-3"], ["unknown option -curio_tangnet_ksp_rtol"])]
    for name, args, words in cases:
        line = expect_one_error(a, tmp, name.replace(" ", "_").replace(",", ""), args, words)
        print(f"{name}: {line}")
    # an option of another mode is a warning, and the run goes on
    d = fresh(tmp, "other_mode")
    r = run(a, ["-curio_sgdf_lr", "1", "-curio_s", "1", "-curio_loocv", "false", "-curio_scores", "false", "-curio_output", os.path.join(d, "o.h5")], d)
    assert r.returncode == 0, r.stderr
    assert "curio: warning: -curio_sgdf_lr is an option of -curio_mode sgdf" in r.stderr, r.stderr
    assert os.listdir(d) == ["o.h5"]
    # PETSc's solver options under curio's prefix are PETSc's
    r = run(a, ["-curio_s", "1", "-curio_loocv", "false", "-curio_solver", "krylov", "-curio_ksp_rtol", "1e-10", "-curio_output",
                os.path.join(d, "k.h5")], d)
    assert r.returncode == 0 and "curio:" not in r.stderr, r.stderr
    # a solver option under curio's prefix that nothing read (misspelled, or of a solver the run does not use) is named in
    # a warning; PETSc's own options, some read only when PETSc finalizes (-options_view), are not
    r = run(a, ["-curio_s", "1", "-curio_loocv", "false", "-curio_solver", "krylov", "-curio_tangent_ksp_rtoll", "1e-10", "-options_view",
                "-curio_output", os.path.join(d, "u.h5")], d)
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("curio: warning: option -curio_tangent_ksp_rtoll was not used") == 1, r.stderr
    assert "-options_view was not used" not in r.stderr and "Option Table" in r.stdout, (r.stdout, r.stderr)


def case_no_effect(a, tmp):
    """Options that contradict each other are one error; an option without effect in the run is one warning naming it,
    and the run goes on; /options records only what is in force"""
    d = fresh(tmp, "no_effect")
    data = os.path.join(d, "in.h5")
    make(data, n=40, d=3, ncand=20, ntest=10)
    fit = ["-curio_input", data, "-curio_s", "1", "-curio_loocv", "false"]
    sgdf = ["-curio_mode", "sgdf", "-curio_input", data, "-curio_s", "1", "-curio_sgdf_lr", "1e-3", "-curio_sgdf_epochs", "1"]
    cases = [
        ("cv folds without the grid", fit + ["-curio_cv_folds", "3"], ["-curio_cv_folds 3", "-curio_loocv false"]),
        ("scores empty item", ["-curio_scores", "sld,,var"], ["-curio_scores 'sld,,var'", "empty"]),
        ("scores all,none", ["-curio_scores", "all,none"], ["-curio_scores 'all,none'", "stand alone"]),
        ("select by var without var_ssi", ["-curio_var_ssi", "false", "-curio_select_by", "var", "-curio_select_k", "2"],
         ["-curio_select_by var", "-curio_var_ssi false"]),
        ("sgdf two sources", sgdf + ["-curio_sgdf_synthetic", "100,5,2"], ["-curio_input and -curio_sgdf_synthetic"]),
        ("sgdf inherit", sgdf + ["-curio_regularizer", "inherit"], ["-curio_mode sgdf supports", "not inherit"]),
    ]
    if a.np > 1:
        cases = cases[:1]
    for name, args, words in cases:
        line = expect_one_error(a, tmp, name.replace(" ", "_").replace(",", ""), args, words)
        print(f"{name}: {line}")
    out = os.path.join(d, "o.h5")
    r = run(a, fit + ["-curio_select_by", "var", "-curio_influence_k", "3", "-curio_influence_ntest", "2", "-curio_degree", "3", "-curio_domain", "0,1",
                      "-curio_ksp_type", "gmres", "-curio_ksp_rtol", "1e-3", "-curoi_s", "2", "--curio_s", "2", "-curio_output", out], d)
    assert r.returncode == 0 and not error_lines(r), r.stderr
    for n, why in (("-curio_select_by", "-curio_select_k"), ("-curio_influence_k", "-curio_influence"), ("-curio_influence_ntest", "-curio_influence"),
                   ("-curio_degree", "1-D"), ("-curio_domain", "1-D"), ("-curio_ksp_type", "solver"), ("-curio_ksp_rtol", "solver"),
                   ("-curoi_s", "did you mean -curio_s?"), ("--curio_s", "did you mean -curio_s?")):
        got = [line for line in r.stderr.splitlines() if line.startswith(f"curio: warning: option {n} was not used")]
        assert len(got) == 1 and why in got[0], f"{n}: {got}\n{r.stderr}"
    with h5py.File(out, "r") as f:
        opts = f["options"].attrs
        assert "curio_degree" not in opts and "curio_ksp_type" not in opts and "curio_ksp_rtol" not in opts, dict(opts)
    r = run(a, sgdf + ["-curio_sgdf_adam_beta1", "0.5", "-curio_sgdf_decay_t0", "5", "-curio_sgdf_node_ranks", "3", "-curio_output",
                       os.path.join(d, "s.h5")], d)
    assert r.returncode == 0 and not error_lines(r), r.stderr
    for n, why in (("-curio_sgdf_adam_beta1", "adam"), ("-curio_sgdf_decay_t0", "decay"), ("-curio_sgdf_node_ranks", "local")):
        got = [line for line in r.stderr.splitlines() if line.startswith(f"curio: warning: option {n} was not used")]
        assert len(got) == 1 and why in got[0], f"{n}: {got}\n{r.stderr}"
    # an error before the options are read: -options_left does not list the correctly spelled ones as unused
    d = fresh(tmp, "options_left")
    r = run(a, ["-curio_input", data, "-curio_sovler", "direct", "-options_left", "-curio_output", os.path.join(d, "o.h5")], d)
    assert r.returncode != 0 and len(error_lines(r)) == 1 and "were not used" not in r.stdout + r.stderr, (r.stdout, r.stderr)
    print("options without effect: one warning each; contradictions: one error each")


def case_study(a, tmp):
    """A study in which one data set has NaN oracle labels: one error line for its run, the other run completes"""
    d = fresh(tmp, "study")
    good, bad = os.path.join(d, "good.h5"), os.path.join(d, "bad.h5")
    here = os.path.dirname(os.path.abspath(__file__))
    for path, seed in ((good, 1), (bad, 2)):
        subprocess.run([sys.executable, os.path.join(here, "..", "active", "active_make_input.py"), path, "--m", "60", "--seed", str(seed)], check=True)
    with h5py.File(bad, "r+") as f:
        y = f["candidates/y"][:]
        y[:] = np.nan
        f["candidates/y"][:] = y
    out = os.path.join(d, "runs")
    r = run(a, ["-curio_mode", "study", "-curio_study_inputs", f"{good},{bad}", "-curio_study_strategies", "random", "-curio_study_seeds", "1",
                "-curio_study_ranks_per_run", "1", "-curio_al_budget", "16", "-curio_al_seed_size", "8", "-curio_al_batch", "3", "-curio_loocv_ns", "11",
                "-curio_study_dir", out], d)
    lines = error_lines(r)
    assert r.returncode != 0, r.stdout
    assert "PETSC ERROR" not in r.stderr, r.stderr
    runs = [line for line in lines if "study run" in line]
    assert len(runs) == 1 and "(bad, random, seed 0)" in runs[0] and "NaN" in runs[0], r.stderr
    assert len(lines) == 2 and "1 run of the study failed (run 0;" in lines[1], r.stderr
    assert os.listdir(out) == ["good__random__seed0.h5"], os.listdir(out)
    print("study:", runs[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("curio")
    ap.add_argument("--src", required=True)
    ap.add_argument("--np", type=int, default=2)
    ap.add_argument("--dir")
    a = ap.parse_args()
    a.curio = os.path.abspath(a.curio)
    tmp = a.dir or tempfile.mkdtemp(prefix="curio_options_")
    os.makedirs(tmp, exist_ok=True)
    case_help(a, tmp)
    case_version(a, tmp)
    case_errors(a, tmp)
    case_no_effect(a, tmp)
    case_study(a, tmp)
    print("options: all cases passed")


if __name__ == "__main__":
    main()

"""The golden jobs: a fixed list of curio command lines on small inputs that the test writes itself.

Every job runs in the output directory of run_golden.py with paths relative to it (inputs under inputs/, checkpoints
under ckpt/, the study under study/), so the paths that curio writes into its outputs are the same on every machine
and are compared like any other string.

A job is (name, options, outputs): the options are curio's (no mpiexec), with "{out}" standing for the job's main
output file; outputs maps a reference name (stored as ref/npN/<reference name>.h5) to the file the job writes. Jobs
run in list order, so a job may read a file that an earlier job wrote (the SGDF restart reads a checkpoint)."""
import os
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
MAKE_INPUT = os.path.join(TESTS, "integration", "make_input.py")
ACTIVE_MAKE_INPUT = os.path.join(TESTS, "active", "active_make_input.py")

# (file under inputs/, generator, its arguments); every generator is seeded, so the inputs are the same on every run
INPUTS = [
    ("features.h5", MAKE_INPUT, ["--n", "60", "--d", "8"]),  # n = 60: the LOOCV optimum is inside the grid (s = 0.74)
    ("oned.h5", MAKE_INPUT, ["--oned", "--n", "40"]),
    ("csr.h5", MAKE_INPUT, ["--n", "120", "--d", "8", "--zero-fraction", "0.7", "--csr"]),
    ("svm.h5", MAKE_INPUT, ["--n", "100", "--d", "6", "--zero-fraction", "0.6", "--libsvm", "--no-weights", "--loss", "logistic"]),
    ("logistic.h5", MAKE_INPUT, ["--n", "150", "--d", "6", "--loss", "logistic"]),
    ("poisson.h5", MAKE_INPUT, ["--n", "150", "--d", "6", "--loss", "poisson"]),
    ("sgdf_dense.h5", MAKE_INPUT, ["--n", "300", "--d", "6", "--zero-fraction", "0.3"]),
    ("sgdf_csr.h5", MAKE_INPUT, ["--n", "300", "--d", "40", "--zero-fraction", "0.8", "--csr", "--seed", "2"]),
    ("al_pool.h5", ACTIVE_MAKE_INPUT, ["--m", "90", "--seed", "21"]),
    ("al_logistic.h5", ACTIVE_MAKE_INPUT, ["--m", "90", "--seed", "5", "--loss", "logistic"]),
]


def write_start_vectors(path):
    """theta0 for the inheritance regularizer (d = 8) and a Newton start for the logistic warm start (d = 6)"""
    with h5py.File(path, "w") as f:
        f["theta0"] = 0.5 / (1.0 + np.arange(8.0))
        f["theta_init"] = np.linspace(-0.2, 0.3, 6)


def make_inputs(directory):
    """writes every input of the jobs into directory (inputs/ of the output directory)"""
    os.makedirs(directory, exist_ok=True)
    for name, generator, args in INPUTS:
        subprocess.run([sys.executable, generator, os.path.join(directory, name)] + args, check=True)
    write_start_vectors(os.path.join(directory, "start.h5"))


IN = "inputs/"
# a short LOOCV grid where the job is not about LOOCV
GRID = ["-curio_loocv_ns", "9", "-curio_loocv_smin", "1e-2", "-curio_loocv_smax", "1e2"]
AL_GRID = ["-curio_loocv_ns", "21", "-curio_loocv_smin", "1e-4", "-curio_loocv_smax", "1e3"]
SGDF_DENSE = ["-curio_mode", "sgdf", "-curio_input", IN + "sgdf_dense.h5", "-curio_s", "1.0", "-curio_sgdf_lr", "1e-3", "-curio_sgdf_batch", "16",
              "-curio_sgdf_epochs", "3", "-curio_intercept", "-curio_regularizer", "restricted", "-curio_sgdf_reg_every", "2",
              "-curio_sgdf_schedule", "decay", "-curio_sgdf_decay_t0", "30", "-curio_sgdf_layout", "replicated"]
SGDF_CSR = ["-curio_mode", "sgdf", "-curio_input", IN + "sgdf_csr.h5", "-curio_s", "0.9", "-curio_sgdf_lr", "1e-3", "-curio_sgdf_batch", "16",
            "-curio_sgdf_epochs", "3", "-curio_sgdf_layout", "partitioned"]
CKPT_DENSE = ["-curio_checkpoint_prefix", "ckpt/dense", "-curio_checkpoint_every", "20", "-curio_checkpoint_keep", "100"]
CKPT_CSR = ["-curio_checkpoint_prefix", "ckpt/csr", "-curio_checkpoint_every", "20", "-curio_checkpoint_keep", "100"]
SYNTH = ["-curio_mode", "sgdf", "-curio_sgdf_synthetic", "600,300,6", "-curio_sgdf_synthetic_seed", "3", "-curio_intercept", "-curio_s", "0.5",
         "-curio_sgdf_lr", "2e-3", "-curio_sgdf_batch", "16", "-curio_sgdf_epochs", "2", "-curio_sgdf_save_indices", "-curio_sgdf_pool", "500",
         "-curio_pool_chunk", "37", "-curio_select_k", "7"]
ACTIVE = ["-curio_mode", "active", "-curio_input", IN + "al_pool.h5", "-curio_al_budget", "26", "-curio_al_batch", "4"] + AL_GRID
STUDY = ["-curio_mode", "study", "-curio_study_inputs", IN + "al_pool.h5", "-curio_study_strategies", "sld,random", "-curio_study_seeds", "2",
         "-curio_study_ranks_per_run", "1", "-curio_study_dir", "study", "-curio_al_budget", "22", "-curio_al_batch", "4"] + AL_GRID


def job(name, options, outputs=None):
    return (name, options, outputs if outputs is not None else {name: name + ".h5"})


JOBS = [
    # fit mode: the built-in example (the paper's section 3.3) as the default job runs it, and on the Krylov path
    job("builtin", ["-curio_output", "{out}"]),
    job("builtin_krylov", ["-curio_solver", "krylov", "-curio_output", "{out}"]),
    # dense features: direct and Krylov, top-k selection, classic influence
    job("features", ["-curio_input", IN + "features.h5", "-curio_select_k", "5", "-curio_influence", "-curio_influence_k", "3",
                     "-curio_output", "{out}"]),
    job("features_krylov", ["-curio_input", IN + "features.h5", "-curio_solver", "krylov", "-curio_select_k", "4", "-curio_select_by", "ssi_labeled",
                            "-curio_output", "{out}"]),
    # the same pool streamed in chunks
    job("stream", ["-curio_input", IN + "features.h5", "-curio_select_k", "5", "-curio_influence", "-curio_influence_k", "3",
                   "-curio_pool_chunk", "37", "-curio_output", "{out}"]),
    # inheritance regularizer toward a fixed theta0
    job("inherit", ["-curio_input", IN + "features.h5", "-curio_regularizer", "inherit", "-curio_theta0", IN + "start.h5:/theta0", "-curio_output",
                    "{out}"]),
    # 1-D inputs, polynomial map, brute-force K-fold CV
    job("oned", ["-curio_input", IN + "oned.h5", "-curio_degree", "4", "-curio_s", "0.3", "-curio_cv_folds", "8", "-curio_loocv_ns", "9",
                 "-curio_loocv_smin", "1e-3", "-curio_loocv_smax", "10", "-curio_output", "{out}"]),
    # sparse: CSR HDF5 (MATMPIAIJ), direct and Krylov; LIBSVM text
    job("csr", ["-curio_input", IN + "csr.h5", "-curio_intercept", "-curio_regularizer", "restricted", "-curio_select_k", "5", "-curio_influence",
                "-curio_output", "{out}"]),
    job("csr_krylov", ["-curio_input", IN + "csr.h5", "-curio_solver", "krylov", "-curio_s", "0.4", "-curio_loocv", "false", "-curio_output", "{out}"]),
    job("libsvm", ["-curio_input", IN + "svm.h5.train.svm", "-curio_candidates", IN + "svm.h5.candidates.svm", "-curio_test", IN + "svm.h5.test.svm",
                   "-curio_loss", "logistic", "-curio_s", "0.8", "-curio_loocv", "false", "-curio_select_k", "3", "-curio_output", "{out}"]),
    # GLMs: logistic and Poisson, direct and Krylov, approximate LOOCV, warm start
    job("logistic", ["-curio_input", IN + "logistic.h5", "-curio_loss", "logistic"] + GRID +
        ["-curio_select_k", "7", "-curio_select_by", "sld_expected", "-curio_influence", "-curio_influence_ntest", "4", "-curio_output", "{out}"]),
    job("logistic_krylov", ["-curio_input", IN + "logistic.h5", "-curio_loss", "logistic", "-curio_solver", "krylov", "-curio_s", "0.5", "-curio_loocv",
                            "false", "-curio_theta_init", IN + "start.h5:/theta_init", "-curio_output", "{out}"]),
    job("poisson", ["-curio_input", IN + "poisson.h5", "-curio_loss", "poisson", "-curio_intercept", "-curio_regularizer", "restricted"] + GRID +
        ["-curio_cv_folds", "5", "-curio_output", "{out}"]),
    job("poisson_krylov", ["-curio_input", IN + "poisson.h5", "-curio_loss", "poisson", "-curio_solver", "krylov", "-curio_s", "2", "-curio_loocv",
                           "false", "-curio_output", "{out}"]),
    # SGDF, replicated layout on dense input: a run that writes checkpoints, the checkpoint itself, a restart from it
    job("sgdf_dense", SGDF_DENSE + CKPT_DENSE + ["-curio_output", "{out}"],
        {"sgdf_dense": "sgdf_dense.h5", "sgdf_dense_ckpt": "ckpt/dense-0000000020.h5"}),
    job("sgdf_dense_restart", SGDF_DENSE + ["-curio_restart", "ckpt/dense-0000000020.h5", "-curio_output", "{out}"]),
    # SGDF, partitioned layout on CSR input (lazy ridge in scaled form): the same three
    job("sgdf_csr", SGDF_CSR + CKPT_CSR + ["-curio_output", "{out}"], {"sgdf_csr": "sgdf_csr.h5", "sgdf_csr_ckpt": "ckpt/csr-0000000040.h5"}),
    job("sgdf_csr_restart", SGDF_CSR + ["-curio_restart", "ckpt/csr-0000000040.h5", "-curio_output", "{out}"]),
    # SGDF on the synthetic generator with a streamed synthetic pool, both layouts
    job("sgdf_synth_partitioned", SYNTH + ["-curio_sgdf_layout", "partitioned", "-curio_output", "{out}"]),
    job("sgdf_synth_replicated", SYNTH + ["-curio_sgdf_layout", "replicated", "-curio_output", "{out}"]),
    # SGDF: Adam, logistic loss, online s
    job("sgdf_adam", ["-curio_mode", "sgdf", "-curio_input", IN + "sgdf_dense.h5", "-curio_s", "0.7", "-curio_sgdf_optimizer", "adam", "-curio_sgdf_lr",
                      "5e-2", "-curio_sgdf_reg_every", "2", "-curio_sgdf_batch", "32", "-curio_sgdf_epochs", "3", "-curio_sgdf_layout", "replicated",
                      "-curio_output", "{out}"]),
    job("sgdf_online_s", ["-curio_mode", "sgdf", "-curio_input", IN + "sgdf_dense.h5", "-curio_sgdf_online_s", "-curio_s", "10", "-curio_sgdf_val_fraction",
                          "0.25", "-curio_sgdf_lr", "2e-3", "-curio_sgdf_lr_rho", "0.01", "-curio_sgdf_val_batch", "20", "-curio_sgdf_batch", "20",
                          "-curio_sgdf_epochs", "4", "-curio_sgdf_layout", "replicated", "-curio_output", "{out}"]),
    # active learning: sld (LOOCV every round), random, sld_batch (LOOCV every other round), logistic var at a fixed s
    job("active_sld", ACTIVE + ["-curio_al_strategy", "sld", "-curio_output", "{out}"]),
    job("active_random", ACTIVE + ["-curio_al_strategy", "random", "-curio_al_seed", "3", "-curio_output", "{out}"]),
    job("active_sld_batch", ACTIVE + ["-curio_al_strategy", "sld_batch", "-curio_al_retune_every", "2", "-curio_intercept", "-curio_regularizer",
                                      "restricted", "-curio_output", "{out}"]),
    job("active_logistic_var", ["-curio_mode", "active", "-curio_input", IN + "al_logistic.h5", "-curio_loss", "logistic", "-curio_al_strategy", "var",
                                "-curio_al_retune_every", "0", "-curio_s", "0.4", "-curio_al_budget", "24", "-curio_al_batch", "3",
                                "-curio_output", "{out}"]),
    # a study: 2 strategies x 1 data set x 2 seeds (at 2 ranks: two sub-communicators of one rank)
    job("study", STUDY, {f"study.{st}_seed{k}": f"study/al_pool__{st}__seed{k}.h5" for st in ("sld", "random") for k in (0, 1)}),
]

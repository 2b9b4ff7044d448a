/*
  curio's options: one table with a row per option (name, type, the modes that use it, the default as -help shows it,
  one line of help, bounds), and typed readers for PETSc's PetscOptionsBegin/End blocks. A reader takes everything but
  the destination from the table, so an option read by several modes has one definition; it parses the value itself
  and raises one collective error that names the option, what it expects and what it got; -help prints each option
  once, with its true default. After a mode's options are read, CurioOptionsCheckUnknown() refuses any -curio_* name
  that is not in the table (suggesting the closest one) and warns about an option of another mode.
*/
#include "sysimpl.h"
#include <curiooptions.h>
#include <ctype.h>
#include <hdf5.h> /* H5get_libversion for -curio_version */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define FIT    CURIO_MODE_BIT_FIT
#define SGDF   CURIO_MODE_BIT_SGDF
#define ACTIVE CURIO_MODE_BIT_ACTIVE
#define STUDY  CURIO_MODE_BIT_STUDY
#define USERS  CURIO_MODE_BIT_USERS
#define ALL    CURIO_MODE_BIT_ALL
#define AL     (CURIO_MODE_BIT_ACTIVE | CURIO_MODE_BIT_STUDY)
#define MODEL  (CURIO_MODE_BIT_FIT | CURIO_MODE_BIT_ACTIVE | CURIO_MODE_BIT_STUDY)
#define IMAX   ((PetscReal) PETSC_MAX_INT)
#define IMIN   ((PetscReal) PETSC_MIN_INT)
#define INF    PETSC_INFINITY
#define LO     CURIO_BOUND_LO_OPEN
#define HI     CURIO_BOUND_HI_OPEN
#define BOTH   (CURIO_BOUND_LO_OPEN | CURIO_BOUND_HI_OPEN)

/* The LOOCV grid costs O(ns d) per grid point after one eigendecomposition (and a Newton fit per point for GLMs):
   a million points is never useful and would only hide a typo */
#define CURIO_LOOCV_NS_MAX 100000

/* Every -curio_* option. PETSc's solver options under the same prefix (-curio_ksp_*, -curio_pc_*, -curio_tao_*) are
   PETSc's: CurioOptionsCheckUnknown() leaves them alone. Keep the rows grouped as -help prints them. */
static const CurioOptionInfo CurioOptionTable[] = {
    /* every mode: the driver */
    {"-curio_traceback", CURIO_OPTION_BOOL, ALL, "false", "Full PETSc traceback for input errors too", 0, 0, 0},
    {"-curio_mode", CURIO_OPTION_ENUM, ALL, "fit", "What to run: fit (direct/Krylov), sgdf, active (learning loop), study, users (several users)", 0,
     0, 0},
    {"-curio_version", CURIO_OPTION_BOOL, ALL, "false", "Print curio's version (and PETSc's, HDF5's, MPI's) and exit", 0, 0, 0},
    {"-curio_monitor", CURIO_OPTION_BOOL, ALL, "false", "Progress lines (fit: stages; sgdf: one per epoch; active: rounds; study: one per run)", 0, 0,
     0},
    {"-curio_monitor_seconds", CURIO_OPTION_REAL, SGDF, "0 (off)", "sgdf: a progress line every this many seconds within an epoch", 0, INF, 0},
    /* common to the modes that read data, fit a model and write a file */
    {"-curio_input", CURIO_OPTION_STRING, FIT | SGDF | ACTIVE | USERS, "built-in example (fit, sgdf); required (users; active with HDF5)",
     "Input: HDF5 (dense or CSR), or LIBSVM text (.svm, .libsvm, .svmlight, .txt)", 0, 0, 0},
    {"-curio_output", CURIO_OPTION_STRING, FIT | SGDF | ACTIVE | USERS, "curio.h5 (active: active.h5; users: users.h5)",
     "HDF5 output file, written to a temporary name and renamed when complete", 0, 0, 0},
    {"-curio_s", CURIO_OPTION_REAL, FIT | SGDF | AL | USERS, "LOOCV optimum (sgdf: required unless -curio_sgdf_online_s)", "Regularity s", 0, INF,
     LO},
    {"-curio_loss", CURIO_OPTION_ENUM, ALL, "squared", "Per-point loss", 0, 0, 0},
    {"-curio_regularizer", CURIO_OPTION_ENUM, ALL, "ridge",
     "ridge: 1/2||theta||^2; restricted: the intercept (column 0) unpenalized; inherit: 1/2||theta - theta0||^2", 0, 0, 0},
    {"-curio_solver", CURIO_OPTION_ENUM, MODEL | USERS, "direct", "direct: ScaLAPACK Cholesky of the assembled H; krylov: KSP on a matrix-free H", 0,
     0, 0},
    {"-curio_hessian_mult", CURIO_OPTION_ENUM, MODEL | USERS, "fused",
     "Matrix-free H v (krylov): fused (one pass over the rows; on several ranks a merged copy of the rank's sparse rows) or twopass (Phi^T (c .* Phi "
     "v), the reference, no copy)",
     0, 0, 0},
    {"-curio_restart", CURIO_OPTION_STRING, SGDF | ACTIVE, "none",
     "Continue from FILE (active: an interrupted loop's output; sgdf: a checkpoint, or 'auto' for the newest one)", 0, 0, 0},
    /* the model (fit, and every round of active learning; sgdf reads the loss, the regularizer and the feature map) */
    {"-curio_degree", CURIO_OPTION_INT, ALL, "5", "Polynomial degree for 1-D inputs (d = degree + 1)", 0, 30, 0},
    {"-curio_intercept", CURIO_OPTION_BOOL, ALL, "false", "Prepend a column of ones to feature inputs", 0, 0, 0},
    {"-curio_theta0", CURIO_OPTION_STRING, MODEL, "none",
     "-curio_regularizer inherit: FILE.h5[:DATASET] holding theta0 (default dataset /model/theta)", 0, 0, 0},
    {"-curio_domain", CURIO_OPTION_REAL_ARRAY, ALL, "range of all inputs", "lo,hi: the 1-D input interval mapped to [-1, 1]", 2, 0, 0},
    /* fit */
    {"-curio_candidates", CURIO_OPTION_STRING, FIT | ACTIVE, "none",
     "LIBSVM input only: candidate pool file (active: the pool, its labels the oracle's; -curio_input then the optional seed set)", 0, 0, 0},
    {"-curio_test", CURIO_OPTION_STRING, FIT | ACTIVE, "none", "LIBSVM input only: test set file", 0, 0, 0},
    {"-curio_loocv", CURIO_OPTION_BOOL, MODEL, "true", "Compute the LOOCV curves over a grid of s (false needs -curio_s)", 0, 0, 0},
    {"-curio_loocv_smin", CURIO_OPTION_REAL, MODEL, "1e-6 x min_j (Phi^T W Phi)_jj / n over penalized j", "Smallest s of the LOOCV grid", 0, INF, LO},
    {"-curio_loocv_smax", CURIO_OPTION_REAL, MODEL, "1e3 x lambda_max(Phi^T W Phi) / n", "Largest s of the LOOCV grid", 0, INF, LO},
    {"-curio_loocv_ns", CURIO_OPTION_INT, MODEL, "81", "Number of log-spaced values of s in the LOOCV grid", 3, CURIO_LOOCV_NS_MAX, 0},
    {"-curio_cv_folds", CURIO_OPTION_INT, FIT, "0 (off)", "Brute-force K-fold CV over the LOOCV grid by refits (K = n: leave-one-out)", 0, IMAX, 0},
    {"-curio_scores", CURIO_OPTION_STRING, FIT, "all", "Scores of the candidate pool to compute and write (src/analysis/scoretable.c)", 0, 0, 0},
    {"-curio_fd_delta", CURIO_OPTION_REAL, FIT, "0.05", "Finite-difference step for the fdot check, relative to s", 0, 1, BOTH},
    {"-curio_var_ssi", CURIO_OPTION_BOOL, FIT, "d <= 4000", "Compute VAR and SSI (they need H^{-1}: d solves, O(d^2) memory)", 0, 0, 0},
    {"-curio_theta_init", CURIO_OPTION_STRING, FIT, "regularizer centre",
     "FILE.h5[:DATASET] (default dataset /model/theta): where Newton's method starts", 0, 0, 0},
    {"-curio_pool_chunk", CURIO_OPTION_INT, FIT | SGDF, "0: the whole pool (sgdf: 100000)",
     "Score the candidate pool in chunks of this many rows (fit: streamed from the HDF5 input; sgdf: generated)", 0, IMAX, 0},
    {"-curio_select_k", CURIO_OPTION_INT, FIT | SGDF, "0: none (sgdf: 10)", "Select this many candidates with the largest score", 0, IMAX, 0},
    {"-curio_select_by", CURIO_OPTION_STRING, FIT, "sld", "Score that ranks the candidates -curio_select_k selects", 0, 0, 0},
    {"-curio_influence", CURIO_OPTION_BOOL, FIT, "false",
     "Self-influence of every training point, and the most influential training points for test points", 0, 0, 0},
    {"-curio_influence_k", CURIO_OPTION_INT, FIT, "5", "Most influential training points per test point (the default: at most the training rows)", 1,
     IMAX, 0},
    {"-curio_influence_ntest", CURIO_OPTION_INT, FIT, "100", "Test points (the first ones) to explain", 0, IMAX, 0},
    {"-curio_output_data", CURIO_OPTION_BOOL, FIT, "true", "Copy the input features into the output file", 0, 0, 0},
    /* sgdf */
    {"-curio_sgdf_synthetic", CURIO_OPTION_INT_ARRAY, SGDF, "none", "N,D,NNZ: sparse synthetic problem, each rank generating its own rows", 3, 0, 0},
    {"-curio_sgdf_synthetic_seed", CURIO_OPTION_INT, SGDF, "1", "Seed of the synthetic problem", IMIN, IMAX, 0},
    {"-curio_sgdf_pool", CURIO_OPTION_INT, SGDF, "0",
     "Score N synthetic candidates (rows after the training rows) by SLD = fdot^2, streamed in chunks", 0, IMAX, 0},
    {"-curio_sgdf_epochs", CURIO_OPTION_INT, SGDF, "10", "Epochs (passes over the training rows)", 1, IMAX, 0},
    {"-curio_sgdf_batch", CURIO_OPTION_INT, SGDF, "32", "Minibatch size B (rows of all ranks)", 1, IMAX, 0},
    {"-curio_sgdf_seed", CURIO_OPTION_INT, SGDF, "1", "Seed of the minibatch sequence (and of a random tangent start)", IMIN, IMAX, 0},
    {"-curio_sgdf_lr", CURIO_OPTION_REAL, SGDF, "required", "Step size eta0 (the objective is the unnormalized sum over rows)", 0, INF, LO},
    {"-curio_sgdf_schedule", CURIO_OPTION_ENUM, SGDF, "constant", "Step sizes: constant, or decay eta0/(1 + t/t0)^p", 0, 0, 0},
    {"-curio_sgdf_decay_t0", CURIO_OPTION_REAL, SGDF, "1000", "t0 of the decaying schedule (steps)", 0, INF, LO},
    {"-curio_sgdf_decay_power", CURIO_OPTION_REAL, SGDF, "1", "p of the decaying schedule", 0, INF, 0},
    {"-curio_sgdf_optimizer", CURIO_OPTION_ENUM, SGDF, "sgd", "sgd or adam (the tangent through the same per-coordinate step)", 0, 0, 0},
    {"-curio_sgdf_adam_beta1", CURIO_OPTION_REAL, SGDF, "0.9", "Adam beta1", 0, 1, HI},
    {"-curio_sgdf_adam_beta2", CURIO_OPTION_REAL, SGDF, "0.999", "Adam beta2", 0, 1, HI},
    {"-curio_sgdf_adam_eps", CURIO_OPTION_REAL, SGDF, "1e-08", "Adam epsilon", 0, INF, LO},
    {"-curio_sgdf_reg_every", CURIO_OPTION_INT, SGDF, "1", "Regularizer step every K batches with eta_R = K eta (eqs. 123-127)", 1, IMAX, 0},
    {"-curio_sgdf_tangent_init", CURIO_OPTION_STRING, SGDF, "zero",
     "Tangent start: zero, random, or FILE.h5[:DATASET] (default dataset /model/theta_dot)", 0, 0, 0},
    {"-curio_sgdf_tangent", CURIO_OPTION_BOOL, SGDF, "true", "Carry the tangent (false: plain SGD on the same code path)", 0, 0, 0},
    {"-curio_sgdf_layout", CURIO_OPTION_ENUM, SGDF, "auto",
     "Parameters replicated, partitioned by feature blocks, hybrid (local SGDF: one copy per node in shared memory), or auto (partitioned for sparse "
     "input)",
     0, 0, 0},
    {"-curio_sgdf_local_steps", CURIO_OPTION_INT, SGDF, "0",
     "Local SGDF: each rank steps on its rows of each batch, parameters averaged every H steps (0: one exchange per step)", 0, IMAX, 0},
    {"-curio_sgdf_local_schedule", CURIO_OPTION_ENUM, SGDF, "constant",
     "Local SGDF averaging period: constant H, or lr: H eta0/eta_t after an averaging at step t (grows as the step decays)", 0, 0, 0},
    {"-curio_sgdf_average", CURIO_OPTION_ENUM, SGDF, "auto",
     "Local SGDF averaging: dense allreduce, sparse (touched entries only), or auto (the fewer words)", 0, 0, 0},
    {"-curio_sgdf_average_overlap", CURIO_OPTION_BOOL, SGDF, "false",
     "Local SGDF: each averaging runs (MPI_Iallreduce) during the next period's steps, whose copies then take the mean of the "
     "snapshots in place of their own (plain SGD, dense averaging)",
     0, 0, 0},
    {"-curio_sgdf_shared_memory", CURIO_OPTION_BOOL, SGDF, "true",
     "Local SGDF: average through an MPI shared-memory window within each node (then across nodes), not one allreduce", 0, 0, 0},
    {"-curio_sgdf_node_ranks", CURIO_OPTION_INT, SGDF, "0",
     "Local SGDF: ranks per group sharing memory (the hybrid layout's copy, the shared averaging); 0: all ranks of a node", 0, IMAX, 0},
    {"-curio_sgdf_lissa", CURIO_OPTION_BOOL, SGDF, "false", "LiSSA: theta frozen (-curio_sgdf_theta), the tangent recursion only", 0, 0, 0},
    {"-curio_sgdf_theta", CURIO_OPTION_STRING, SGDF, "none",
     "FILE.h5[:DATASET]: theta to start from (LiSSA: the frozen optimum); default /model/theta", 0, 0, 0},
    {"-curio_sgdf_reference", CURIO_OPTION_STRING, SGDF, "none",
     "FILE.h5[:DATASET]: a CG/direct tangent to measure the distance to per epoch (default /model/theta_dot)", 0, 0, 0},
    {"-curio_sgdf_online_s", CURIO_OPTION_BOOL, SGDF, "false", "Tune rho = log s online from a validation split (paper section 3.7)", 0, 0, 0},
    {"-curio_sgdf_val_fraction", CURIO_OPTION_REAL, SGDF, "0.2", "Online s: fraction of rows in the validation split", 0, 1, BOTH},
    {"-curio_sgdf_lr_rho", CURIO_OPTION_REAL, SGDF, "0.001", "Online s: step size of rho = log s", 0, INF, LO},
    {"-curio_sgdf_online_s_warmup", CURIO_OPTION_INT, SGDF, "1", "Online s: epochs of SGDF before rho moves (the tangent must be meaningful first)",
     0, IMAX, 0},
    {"-curio_sgdf_rho_max_step", CURIO_OPTION_REAL, SGDF, "0.1", "Online s: largest change of rho = log s per step", 0, INF, LO},
    {"-curio_sgdf_val_batch", CURIO_OPTION_INT, SGDF, "32", "Online s: validation rows per rho step", 1, IMAX, 0},
    {"-curio_sgdf_save_indices", CURIO_OPTION_BOOL, SGDF, "false", "Write the global rows of every step to /sgdf/indices (small runs: tests)", 0, 0,
     0},
    {"-curio_sgdf_holdout", CURIO_OPTION_BOOL, SGDF, "false",
     "Hold the validation split (-curio_sgdf_val_fraction) out of training; its loss at every epoch end (history, monitor, early stop)", 0, 0, 0},
    {"-curio_sgdf_tol", CURIO_OPTION_REAL, SGDF, "none (no early stop)",
     "Early stop (scikit-learn's tol): an epoch whose holdout (else training) loss is not below the best by tol counts", 0, INF, 0},
    {"-curio_sgdf_n_iter_no_change", CURIO_OPTION_INT, SGDF, "5", "Early stop after this many such epochs in a row (with -curio_sgdf_tol)", 1, IMAX,
     0},
    {"-curio_sgdf_check_every", CURIO_OPTION_INT, SGDF, "1000", "Check for NaN/Inf every this many steps (and at every epoch end)", 1, IMAX, 0},
    {"-curio_checkpoint_prefix", CURIO_OPTION_STRING, SGDF, "none (no checkpoints)",
     "Checkpoints <prefix>-<step>.h5 (also enables SIGUSR1/SIGTERM handling)", 0, 0, 0},
    {"-curio_checkpoint_every", CURIO_OPTION_INT, SGDF, "0 (never)", "Checkpoint every N steps", 0, IMAX, 0},
    {"-curio_checkpoint_seconds", CURIO_OPTION_REAL, SGDF, "0 (never)", "Checkpoint every T seconds of wall time", 0, INF, 0},
    {"-curio_checkpoint_keep", CURIO_OPTION_INT, SGDF, "2", "Keep the newest K checkpoints", 1, IMAX, 0},
    {"-curio_checkpoint_poll", CURIO_OPTION_INT, SGDF, "100", "Steps between the collective checks for signals and -curio_checkpoint_seconds", 1,
     IMAX, 0},
    /* active (and every run of a study) */
    {"-curio_al_strategy", CURIO_OPTION_STRING, ACTIVE, "sld",
     "Query strategy: sld, sti, ssi, var, random, gsx, sld_batch, emcm, igs, leverage, maxdet, sld_var, oracle_greedy", 0, 0, 0},
    {"-curio_al_seed", CURIO_OPTION_INT, ACTIVE, "0", "Seed of the counter-based RNG (seed set, random strategy)", 0, IMAX, 0},
    {"-curio_al_seed_size", CURIO_OPTION_INT, AL, "0 (the rule max(d + 1, 20))", "Size of the labeled seed set drawn from the pool (without /train)",
     0, IMAX, 0},
    {"-curio_al_seed_stratify", CURIO_OPTION_BOOL, AL, "true for logistic loss",
     "Seed set stratified by class (pool class frequencies, >= 1 per class)", 0, 0, 0},
    {"-curio_al_split", CURIO_OPTION_ENUM, AL, "fixed (active), random (study)",
     "fixed: /candidates pool, /test test set; random: a fresh pool/test split of both per seed", 0, 0, 0},
    {"-curio_al_mix_alpha", CURIO_OPTION_REAL, AL, "0.5", "sld_var: weight of SLD in SLD^alpha VAR^(1-alpha)", 0, 1, 0},
    {"-curio_al_s_floor", CURIO_OPTION_REAL, AL, "0.01", "LOOCV's s is raised to at least this x lambda_max(Phi^T W Phi)/n (0: no floor)", 0, INF, 0},
    {"-curio_al_seed_choice", CURIO_OPTION_ENUM, AL, "random", "How the seed set is drawn from the pool", 0, 0, 0},
    {"-curio_al_batch", CURIO_OPTION_INT, AL, "5", "Points labeled per round", 1, IMAX, 0},
    {"-curio_al_budget", CURIO_OPTION_INT, AL, "60", "Stop at this many labels (seed set included)", 1, IMAX, 0},
    {"-curio_al_retune_every", CURIO_OPTION_INT, AL, "1", "Re-tune s by LOOCV every this many rounds (0: never, -curio_s fixed)", 0, IMAX, 0},
    {"-curio_al_stop_after", CURIO_OPTION_INT, AL, "0 (run to the budget)", "Stop (incomplete, restartable) after this many rounds", 0, IMAX, 0},
    /* study */
    {"-curio_study_inputs", CURIO_OPTION_STRING_ARRAY, STUDY, "required", "Comma-separated HDF5 inputs (one data set each)", 0, 0, 0},
    {"-curio_study_strategies", CURIO_OPTION_STRING_ARRAY, STUDY, "required", "Comma-separated strategies", 0, 0, 0},
    {"-curio_study_seeds", CURIO_OPTION_INT, STUDY, "10", "Seeds 0..N-1 per data set and strategy", 1, IMAX, 0},
    {"-curio_study_ranks_per_run", CURIO_OPTION_INT, STUDY, "1", "MPI ranks of each run's sub-communicator (must divide the rank count)", 1, IMAX, 0},
    {"-curio_study_dir", CURIO_OPTION_STRING, STUDY, "study", "Directory of the runs' outputs", 0, 0, 0},
    {"-curio_study_part", CURIO_OPTION_INT, STUDY, "0", "Run only the runs with index % parts == part (Slurm array task)", 0, IMAX, 0},
    {"-curio_study_parts", CURIO_OPTION_INT, STUDY, "1", "Number of parts the run list is split into", 1, IMAX, 0},
    {"-curio_study_overwrite", CURIO_OPTION_BOOL, STUDY, "false", "Rerun (overwrite) run files whose settings signature differs, instead of stopping",
     0, 0, 0},
    /* users: per-user models inheriting from a shared one (src/users) */
    {"-curio_users_s0", CURIO_OPTION_REAL, USERS, "s (the same regularity)", "Regularity of the global model theta0", 0, INF, LO},
    {"-curio_users_model", CURIO_OPTION_ENUM, USERS, "inherit",
     "Per-user model: inherit (from theta0), independent (ridge toward 0), pooled (theta0 for all), hierarchy (section 3.4.2)", 0, 0, 0},
    {"-curio_users_loocv", CURIO_OPTION_BOOL, USERS, "true (squared loss)",
     "Per-user LOOCV curve over the grid of s (exact for squared loss; eq. 44 otherwise)", 0, 0, 0},
    {"-curio_users_loocv_smin", CURIO_OPTION_REAL, USERS, "1e-4", "Smallest s of the users' LOOCV grid", 0, INF, LO},
    {"-curio_users_loocv_smax", CURIO_OPTION_REAL, USERS, "1e3", "Largest s of the users' LOOCV grid", 0, INF, LO},
    {"-curio_users_loocv_ns", CURIO_OPTION_INT, USERS, "29", "Log-spaced values of s in the users' LOOCV grid", 3, CURIO_LOOCV_NS_MAX, 0},
    {"-curio_users_select_k", CURIO_OPTION_INT, USERS, "0", "Candidates to select over all users (0: none)", 0, IMAX, 0},
    {"-curio_users_select_by", CURIO_OPTION_ENUM, USERS, "sld", "Score that ranks the candidates", 0, 0, 0},
    {"-curio_users_partition", CURIO_OPTION_ENUM, USERS, "rows", "Users over ranks: rows (balanced by rows), users (equal counts), cuts (given)", 0,
     0, 0},
    {"-curio_users_cuts", CURIO_OPTION_INT_ARRAY, USERS, "none", "With -curio_users_partition cuts: the first user index of ranks 1..size-1", 0, 0,
     0},
    {"-curio_users_newton_maxit", CURIO_OPTION_INT, USERS, "50", "Newton iterations per user (logistic, Poisson)", 1, IMAX, 0},
    {"-curio_users_newton_rtol", CURIO_OPTION_REAL, USERS, "1e-12", "Newton stops when the step is below rtol (1 + |theta|_inf)", 0, INF, LO},
};

#define NOPTIONS ((PetscInt) (sizeof(CurioOptionTable) / sizeof(CurioOptionTable[0])))

static PetscBool CurioOptionPrinted[NOPTIONS];

/*@C
  CurioOptionsGetTable - the table of every curio option

  Not Collective

  Output Parameters:
+ table - the rows
- n - their number

.seealso: `CurioOptionsFind()`, `CurioOptionsCheckUnknown()`
@*/
PetscErrorCode CurioOptionsGetTable(const CurioOptionInfo **table, PetscInt *n)
{
  PetscFunctionBegin;
  *table = CurioOptionTable;
  *n     = NOPTIONS;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOptionsFind - the table row of an option, or NULL if it is not a curio option

  Not Collective

  Input Parameter:
. name - the option with its dash, "-curio_s"

  Output Parameter:
. info - its row, or NULL

.seealso: `CurioOptionsGetTable()`
@*/
PetscErrorCode CurioOptionsFind(const char name[], const CurioOptionInfo **info)
{
  PetscFunctionBegin;
  *info = NULL;
  for (PetscInt i = 0; i < NOPTIONS; i++)
    if (!strcmp(CurioOptionTable[i].name, name)) {
      *info = &CurioOptionTable[i];
      break;
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOptionsModeName - the modes of a CurioModeBit mask as text, "fit, sgdf"

  Not Collective
@*/
PetscErrorCode CurioOptionsModeName(unsigned modes, char buf[], size_t len)
{
  static const char *const names[] = {"fit", "sgdf", "active", "study", "users"};

  PetscFunctionBegin;
  buf[0] = 0;
  if (modes == CURIO_MODE_BIT_ALL) {
    PetscCall(PetscStrncpy(buf, "every mode", len));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  for (int b = 0; b < (int) (sizeof(names) / sizeof(names[0])); b++)
    if (modes & (1u << b)) {
      if (buf[0]) PetscCall(PetscStrlcat(buf, ", ", len));
      PetscCall(PetscStrlcat(buf, names[b], len));
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* snprintf: PetscSNPrintf() writes %g of 3 as "3." */
static PetscErrorCode Print(char buf[], size_t len, const char fmt[], ...)
{
  va_list ap;

  PetscFunctionBegin;
  va_start(ap, fmt);
  vsnprintf(buf, len, fmt, ap);
  va_end(ap);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* What a value of the option must be, as a condition ("> 0", "in (0, 1)", or "") and a kind ("a real number") */
static PetscErrorCode OptionDescribe(const CurioOptionInfo *o, char cond[], size_t clen, char kind[], size_t klen)
{
  PetscFunctionBegin;
  cond[0] = 0;
  if (o->type == CURIO_OPTION_INT || o->type == CURIO_OPTION_REAL) {
    const PetscBool real = (PetscBool) (o->type == CURIO_OPTION_REAL), loopen = (PetscBool) (real && (o->bound & LO)),
                    hiopen = (PetscBool) (real && (o->bound & HI)), nolo = (PetscBool) (o->lo <= IMIN), nohi = (PetscBool) (o->hi >= IMAX);
    if (!nolo && nohi) {
      if (!real && o->lo == 1) PetscCall(Print(cond, clen, "> 0"));
      else PetscCall(Print(cond, clen, "%s %g", loopen ? ">" : ">=", (double) o->lo));
    } else if (!nolo && !nohi) PetscCall(Print(cond, clen, "in %c%g, %g%c", loopen ? '(' : '[', (double) o->lo, (double) o->hi, hiopen ? ')' : ']'));
    PetscCall(Print(kind, klen, "%s", real ? "a real number" : "an integer"));
  } else if (o->type == CURIO_OPTION_BOOL) PetscCall(Print(kind, klen, "true or false"));
  else if (o->type == CURIO_OPTION_INT_ARRAY && o->lo == 0) PetscCall(Print(kind, klen, "integers separated by commas"));
  else if (o->type == CURIO_OPTION_INT_ARRAY) PetscCall(Print(kind, klen, "%d integers separated by commas", (int) o->lo));
  else if (o->type == CURIO_OPTION_REAL_ARRAY) PetscCall(Print(kind, klen, "%d real numbers separated by commas", (int) o->lo));
  else if (o->type == CURIO_OPTION_STRING_ARRAY) PetscCall(Print(kind, klen, "a comma-separated list"));
  else PetscCall(Print(kind, klen, "a string"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* As an error says it: "> 0 (a real number)" */
static PetscErrorCode OptionExpect(const CurioOptionInfo *o, char buf[], size_t len)
{
  char cond[64], kind[64];

  PetscFunctionBegin;
  PetscCall(OptionDescribe(o, cond, sizeof(cond), kind, sizeof(kind)));
  if (cond[0]) PetscCall(Print(buf, len, "%s (%s)", cond, kind));
  else PetscCall(Print(buf, len, "%s", kind));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The row of an option a reader is asked for; reading an option that is not in the table is a defect of curio */
static PetscErrorCode OptionRow(PetscOptionItems *PetscOptionsObject, const char name[], CurioOptionType type, const CurioOptionInfo **o)
{
  PetscFunctionBegin;
  PetscCall(CurioOptionsFind(name, o));
  PetscCheck(*o, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Option %s is read but missing from curio's option table (src/sys/options.c)", name);
  PetscCheck((*o)->type == type, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Option %s is read with another type than curio's option table gives", name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The value as given (NULL: the option is given without a value), and -help's line for the option, printed once
   (values: what the value may be, "one of a, b", in place of the type's description) */
static PetscErrorCode OptionRaw(PetscOptionItems *PetscOptionsObject, const CurioOptionInfo *o, const char values[], const char **value,
                                PetscBool *set)
{
  PetscFunctionBegin;
  *value = NULL;
  PetscCall(PetscOptionsFindPair(PetscOptionsObject->options, PetscOptionsObject->prefix, o->name, value, set));
  if (!*set || (*value && !(*value)[0])) *value = NULL;
  if (PetscOptionsObject->printhelp && PetscOptionsObject->count == 1 && !PetscOptionsObject->alreadyprinted &&
      !CurioOptionPrinted[o - CurioOptionTable]) {
    char cond[64], kind[64], modes[64], now[PETSC_MAX_PATH_LEN + 16] = "";
    CurioOptionPrinted[o - CurioOptionTable] = PETSC_TRUE;
    PetscCall(OptionDescribe(o, cond, sizeof(cond), kind, sizeof(kind)));
    PetscCall(CurioOptionsModeName(o->modes, modes, sizeof(modes)));
    if (*set) PetscCall(Print(now, sizeof(now), "now %s : default ", *value ? *value : ""));
    PetscCall((*PetscHelpPrintf)(PetscOptionsObject->comm, "  %s <%s%s>: %s; %s%s%s (%s)\n", o->name, now, o->deflt, o->help, values ? values : kind,
                                 cond[0] ? " " : "", cond, modes));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One collective error for a malformed or out-of-range value: every rank parses the same options database */
static PetscErrorCode OptionBad(PetscOptionItems *PetscOptionsObject, const CurioOptionInfo *o, const char value[])
{
  char        expect[192];
  const char *why = "";
  double      x;
  char       *end;

  PetscFunctionBegin;
  if (!value) {
    char cond[64], kind[64];
    PetscCall(OptionDescribe(o, cond, sizeof(cond), kind, sizeof(kind)));
    SETERRQ(PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "%s needs a value: %s%s%s", o->name, kind, cond[0] ? " " : "", cond);
  }
  PetscCall(OptionExpect(o, expect, sizeof(expect)));
  if (o->type == CURIO_OPTION_REAL) {
    x = strtod(value, &end);
    if (!*end && end != value && !isfinite(x)) why = ", which is not finite";
    else if (!*end && end != value && x != 0 && !isnormal(x)) why = ", which is too small to be a normal floating-point number";
  }
  SETERRQ(PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "%s must be %s, got '%s'%s", o->name, expect, value, why);
}

static PetscBool ParseReal(const char s[], PetscReal *x)
{
  char  *end;
  double v;

  if (!s || !s[0] || isspace((unsigned char) s[0])) return PETSC_FALSE;
  if (strpbrk(s, "xX")) return PETSC_FALSE; /* decimal only: strtod would read hexadecimal */
  errno = 0;
  v     = strtod(s, &end);
  if (*end || errno == ERANGE) return PETSC_FALSE;
  *x = (PetscReal) v;
  return (PetscBool) (isfinite(v) && (v == 0 || isnormal(v)));
}

/* A decimal integer; "1e6" too (integral, no decimal point), as PETSc accepts it */
static PetscBool ParseInt(const char s[], PetscInt *n)
{
  char     *end;
  long long v;
  double    r;

  if (!s || !s[0] || isspace((unsigned char) s[0]) || strpbrk(s, "xX")) return PETSC_FALSE; /* decimal only */
  errno = 0;
  v     = strtoll(s, &end, 10);
  if (*end) {
    if (strchr(s, '.')) return PETSC_FALSE;
    errno = 0;
    r     = strtod(s, &end);
    if (*end || !isfinite(r) || r != floor(r) || fabs(r) > 9e18) return PETSC_FALSE;
    v = (long long) r;
  } else if (errno == ERANGE) return PETSC_FALSE;
  if (v > PETSC_MAX_INT || v < PETSC_MIN_INT) return PETSC_FALSE;
  *n = (PetscInt) v;
  return PETSC_TRUE;
}

static PetscBool InRange(const CurioOptionInfo *o, PetscReal x)
{
  if (o->lo > IMIN && ((o->bound & LO) ? x <= o->lo : x < o->lo)) return PETSC_FALSE;
  if (o->hi < IMAX && ((o->bound & HI) ? x >= o->hi : x > o->hi)) return PETSC_FALSE;
  return PETSC_TRUE;
}

/*@C
  CurioOptionsReal - reads a real option of curio's table inside a PetscOptionsBegin/End block: finite, not subnormal,
  within the table's bounds; a malformed, missing or out-of-range value is one collective error naming the option

  Collective on the block's communicator

  Input Parameters:
+ PetscOptionsObject - the block (the variable PetscOptionsBegin() declares)
- name - the option, "-curio_s"

  Input/Output Parameter:
. value - the default on input, the value on output

  Output Parameter:
. set - whether the option was given (may be NULL)

.seealso: `CurioOptionsInt()`, `CurioOptionsGetTable()`
@*/
PetscErrorCode CurioOptionsReal(PetscOptionItems *PetscOptionsObject, const char name[], PetscReal *value, PetscBool *set)
{
  const CurioOptionInfo *o;
  const char            *v;
  PetscBool              given;
  PetscReal              x = 0;

  PetscFunctionBegin;
  PetscCall(OptionRow(PetscOptionsObject, name, CURIO_OPTION_REAL, &o));
  PetscCall(OptionRaw(PetscOptionsObject, o, NULL, &v, &given));
  if (given) {
    if (!ParseReal(v, &x) || !InRange(o, x)) PetscCall(OptionBad(PetscOptionsObject, o, v));
    *value = x;
  }
  if (set) *set = given;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOptionsInt - reads an integer option of curio's table (decimal, or an integral "1e6"), within the table's
  bounds; see CurioOptionsReal()

  Collective on the block's communicator
@*/
PetscErrorCode CurioOptionsInt(PetscOptionItems *PetscOptionsObject, const char name[], PetscInt *value, PetscBool *set)
{
  const CurioOptionInfo *o;
  const char            *v;
  PetscBool              given;
  PetscInt               n = 0;

  PetscFunctionBegin;
  PetscCall(OptionRow(PetscOptionsObject, name, CURIO_OPTION_INT, &o));
  PetscCall(OptionRaw(PetscOptionsObject, o, NULL, &v, &given));
  if (given) {
    if (!ParseInt(v, &n) || !InRange(o, (PetscReal) n)) PetscCall(OptionBad(PetscOptionsObject, o, v));
    *value = n;
  }
  if (set) *set = given;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOptionsBool - reads a boolean option of curio's table: true/false, yes/no, on/off, 1/0; given without a value
  it is true

  Collective on the block's communicator
@*/
PetscErrorCode CurioOptionsBool(PetscOptionItems *PetscOptionsObject, const char name[], PetscBool *value, PetscBool *set)
{
  static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
  const CurioOptionInfo *o;
  const char            *v;
  PetscBool              given, ok = PETSC_FALSE, b = PETSC_TRUE;

  PetscFunctionBegin;
  PetscCall(OptionRow(PetscOptionsObject, name, CURIO_OPTION_BOOL, &o));
  PetscCall(OptionRaw(PetscOptionsObject, o, NULL, &v, &given));
  if (given) {
    if (!v) ok = PETSC_TRUE;
    for (int k = 0; k < 4 && !ok; k++) {
      if (!strcasecmp(v, yes[k])) ok = PETSC_TRUE, b = PETSC_TRUE;
      else if (!strcasecmp(v, no[k])) ok = PETSC_TRUE, b = PETSC_FALSE;
    }
    if (!ok) SETERRQ(PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "%s must be true or false, got '%s'", o->name, v);
    *value = b;
  }
  if (set) *set = given;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOptionsString - reads a string option of curio's table; given without a value it is an error

  Collective on the block's communicator

  Input Parameters:
+ PetscOptionsObject - the block
. name - the option
- len - the size of value

  Input/Output Parameter:
. value - the default on input, the value on output
@*/
PetscErrorCode CurioOptionsString(PetscOptionItems *PetscOptionsObject, const char name[], char value[], size_t len, PetscBool *set)
{
  PetscFunctionBegin;
  PetscCall(CurioOptionsStringValues(PetscOptionsObject, name, NULL, value, len, set));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOptionsStringValues - CurioOptionsString() for a string whose values are known only at run time (a registry's
  names): -help shows them in place of "a string"

  Collective on the block's communicator

  Input Parameters:
+ PetscOptionsObject - the block
. name - the option
. values - what the value may be, as -help says it ("all, none, or a comma-separated list of: a, b"); NULL: a string
- len - the size of value

  Input/Output Parameter:
. value - the default on input, the value on output
@*/
PetscErrorCode CurioOptionsStringValues(PetscOptionItems *PetscOptionsObject, const char name[], const char values[], char value[], size_t len,
                                        PetscBool *set)
{
  const CurioOptionInfo *o;
  const char            *v;
  PetscBool              given;

  PetscFunctionBegin;
  PetscCall(OptionRow(PetscOptionsObject, name, CURIO_OPTION_STRING, &o));
  PetscCall(OptionRaw(PetscOptionsObject, o, values, &v, &given));
  if (given) {
    if (!v) PetscCall(OptionBad(PetscOptionsObject, o, v));
    PetscCheck(strlen(v) < len, PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "%s: the value '%s' is longer than %d characters", o->name, v,
               (int) len - 1);
    PetscCall(PetscStrncpy(value, v, len));
  }
  if (set) *set = given;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOptionsEList - reads an option of curio's table whose value is one of a list of names (case-insensitive)

  Collective on the block's communicator

  Input Parameters:
+ PetscOptionsObject - the block
. name - the option
. list - the names
- n - their number

  Input/Output Parameter:
. value - the index of the default on input, of the value on output
@*/
PetscErrorCode CurioOptionsEList(PetscOptionItems *PetscOptionsObject, const char name[], const char *const list[], PetscInt n, PetscInt *value,
                                 PetscBool *set)
{
  const CurioOptionInfo *o;
  const char            *v;
  PetscBool              given;
  char                   choices[512] = "", oneof[520];

  PetscFunctionBegin;
  PetscCall(OptionRow(PetscOptionsObject, name, CURIO_OPTION_ENUM, &o));
  for (PetscInt k = 0; k < n; k++) {
    if (k) PetscCall(PetscStrlcat(choices, ", ", sizeof(choices)));
    PetscCall(PetscStrlcat(choices, list[k], sizeof(choices)));
  }
  PetscCall(Print(oneof, sizeof(oneof), "one of %s", choices));
  PetscCall(OptionRaw(PetscOptionsObject, o, oneof, &v, &given));
  if (given) {
    PetscInt k = 0;
    if (!v) SETERRQ(PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "%s needs a value: one of %s", o->name, choices);
    while (k < n && strcasecmp(v, list[k])) k++;
    PetscCheck(k < n, PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "%s must be one of %s; got '%s'", o->name, choices, v);
    *value = k;
  }
  if (set) *set = given;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOptionsEnum - CurioOptionsEList() for a PETSc-style enum name list ({"a", "b", "TypeName", "PREFIX_", NULL})

  Collective on the block's communicator
@*/
PetscErrorCode CurioOptionsEnum(PetscOptionItems *PetscOptionsObject, const char name[], const char *const list[], PetscEnum *value, PetscBool *set)
{
  PetscInt n = 0, k = (PetscInt) *value;

  PetscFunctionBegin;
  while (list[n]) n++;
  PetscCheck(n >= 3, PETSC_COMM_SELF, PETSC_ERR_PLIB, "The enum list of %s is not of the form {names..., TypeName, PREFIX_, NULL}", name);
  PetscCall(CurioOptionsEList(PetscOptionsObject, name, list, n - 2, &k, set));
  *value = (PetscEnum) k;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Splits "a,b,c" into the table's count of fields (o->lo; 0: any count from 1 to *max) parsed by the option's type;
   false if the count or a field is wrong; *max is the count read */
static PetscBool ParseList(const CurioOptionInfo *o, const char v[], PetscInt ivals[], PetscReal rvals[], PetscInt *max)
{
  char      buf[16384], *tok, *save = NULL;
  const int want = o->lo > 0 ? (int) o->lo : (int) *max;
  int       got  = 0;
  PetscInt  n;
  PetscReal x;

  if (!v || strlen(v) >= sizeof(buf)) return PETSC_FALSE;
  snprintf(buf, sizeof(buf), "%s", v);
  for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save), got++) {
    if (got >= want) return PETSC_FALSE;
    if (ivals) {
      if (!ParseInt(tok, &n)) return PETSC_FALSE;
      ivals[got] = n;
    } else {
      if (!ParseReal(tok, &x)) return PETSC_FALSE;
      rvals[got] = x;
    }
  }
  *max = got;
  return (PetscBool) (o->lo > 0 ? got == want : got > 0);
}

/* A list of integers (ivals) or reals (rvals) of the table's length, or of any length up to *n (a table length of 0;
 *n is then the count read) */
static PetscErrorCode OptionsArray(PetscOptionItems *PetscOptionsObject, const char name[], PetscInt ivalue[], PetscReal rvalue[], PetscInt *n,
                                   PetscBool *set)
{
  const CurioOptionInfo *o;
  const char            *v;
  PetscBool              given;
  PetscInt               ivals[8], cap, got;
  PetscReal              rvals[8];

  PetscFunctionBegin;
  PetscCall(OptionRow(PetscOptionsObject, name, ivalue ? CURIO_OPTION_INT_ARRAY : CURIO_OPTION_REAL_ARRAY, &o));
  PetscCheck((o->lo > 0 && o->lo <= 8) || (o->lo == 0 && n && ivalue), PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: a list length curio cannot read", name);
  cap = got = o->lo > 0 ? (PetscInt) o->lo : *n;
  PetscCall(OptionRaw(PetscOptionsObject, o, NULL, &v, &given));
  if (given) {
    if (!ParseList(o, v, ivalue ? (o->lo ? ivals : ivalue) : NULL, ivalue ? NULL : rvals, &got)) PetscCall(OptionBad(PetscOptionsObject, o, v));
    if (ivalue && o->lo) PetscCall(PetscArraycpy(ivalue, ivals, cap));
    else if (rvalue) PetscCall(PetscArraycpy(rvalue, rvals, cap));
  } else got = 0;
  if (n) *n = got;
  if (set) *set = given;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOptionsIntArray - reads an option of curio's table that is a fixed number of comma-separated integers (the
  table's count); any other count or a malformed entry is one collective error

  Collective on the block's communicator
@*/
PetscErrorCode CurioOptionsIntArray(PetscOptionItems *PetscOptionsObject, const char name[], PetscInt value[], PetscBool *set)
{
  PetscFunctionBegin;
  PetscCall(OptionsArray(PetscOptionsObject, name, value, NULL, NULL, set));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOptionsIntList - reads an option of curio's table that is a comma-separated list of integers of any length (a
  table count of 0), at most *n; on output *n is the count read (0 if the option is not given). A malformed entry or
  too many is one collective error.

  Collective on the block's communicator
@*/
PetscErrorCode CurioOptionsIntList(PetscOptionItems *PetscOptionsObject, const char name[], PetscInt value[], PetscInt *n, PetscBool *set)
{
  PetscFunctionBegin;
  PetscCall(OptionsArray(PetscOptionsObject, name, value, NULL, n, set));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOptionsRealArray - reads an option of curio's table that is a fixed number of comma-separated reals

  Collective on the block's communicator
@*/
PetscErrorCode CurioOptionsRealArray(PetscOptionItems *PetscOptionsObject, const char name[], PetscReal value[], PetscBool *set)
{
  PetscFunctionBegin;
  PetscCall(OptionsArray(PetscOptionsObject, name, NULL, value, NULL, set));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOptionsStringArray - reads a comma-separated list option of curio's table (PetscOptionsGetStringArray(): the
  caller frees the strings); given without a value it is an error

  Collective on the block's communicator

  Input/Output Parameter:
. n - the capacity of value on input, the number of strings on output (0 if the option is not given)
@*/
PetscErrorCode CurioOptionsStringArray(PetscOptionItems *PetscOptionsObject, const char name[], char *value[], PetscInt *n, PetscBool *set)
{
  const CurioOptionInfo *o;
  const char            *v;
  PetscBool              given;

  PetscFunctionBegin;
  PetscCall(OptionRow(PetscOptionsObject, name, CURIO_OPTION_STRING_ARRAY, &o));
  PetscCall(OptionRaw(PetscOptionsObject, o, NULL, &v, &given));
  if (given) {
    if (!v) PetscCall(OptionBad(PetscOptionsObject, o, v));
    PetscCall(PetscOptionsGetStringArray(PetscOptionsObject->options, PetscOptionsObject->prefix, name, value, n, NULL));
  } else *n = 0;
  if (set) *set = given;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Optimal string alignment distance (an adjacent transposition counts 1: -curio_sovler is one edit from -curio_solver) */
static int EditDistance(const char a[], const char b[])
{
  int la = (int) strlen(a), lb = (int) strlen(b), d[64][64];

  if (la > 63 || lb > 63) return 1 << 20;
  for (int i = 0; i <= la; i++) d[i][0] = i;
  for (int j = 0; j <= lb; j++) d[0][j] = j;
  for (int i = 1; i <= la; i++)
    for (int j = 1; j <= lb; j++) {
      int c = a[i - 1] == b[j - 1] ? 0 : 1, m = PetscMin(d[i - 1][j] + 1, d[i][j - 1] + 1);
      m = PetscMin(m, d[i - 1][j - 1] + c);
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) m = PetscMin(m, d[i - 2][j - 2] + 1);
      d[i][j] = m;
    }
  return d[la][lb];
}

/*@C
  CurioOptionsClosest - the option of curio's table closest to name, if it is plausibly the one meant (at most a third
  of the name's length away, at least 2 edits allowed), else NULL

  Not Collective
@*/
const char *CurioOptionsClosest(const char name[])
{
  const char *best  = NULL;
  int         bestd = 1 << 20;

  for (PetscInt i = 0; i < NOPTIONS; i++) {
    int dist = EditDistance(name, CurioOptionTable[i].name);
    if (dist < bestd) bestd = dist, best = CurioOptionTable[i].name;
  }
  return bestd <= PetscMax(2, (int) strlen(name) / 3) ? best : NULL;
}

/*@C
  CurioOptionsWarnUnused - if the option was given, one warning from rank 0 that this run does not use it, and why:
  an option that is valid but without effect in the combination given (an error is for a contradiction)

  Collective

  Input Parameters:
+ comm - the communicator of the run
. name - the option, "-curio_influence_k"
- why - the reason, "it sets -curio_influence, which is off"
@*/
PetscErrorCode CurioOptionsWarnUnused(MPI_Comm comm, const char name[], const char why[])
{
  PetscBool given;

  PetscFunctionBegin;
  PetscCall(PetscOptionsHasName(NULL, NULL, name, &given));
  if (given) PetscCall(PetscFPrintf(comm, PETSC_STDERR, "curio: warning: option %s was not used (%s)\n", name, why));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOptionsIsPETSc - whether an option under curio's prefix belongs to one of PETSc's solver objects: an options
  prefix that curio gives a KSP or TAO (CurioSolvePrefixes, -curio_newton_, -curio_users_hier_) followed by ksp_, pc_ or
  tao_ (TAO's own KSP is -curio_tao_nls_ksp_*) or by a sub-solver's prefix of PETSc's (sub_, mg_, redundant_,
  fieldsplit_). Anything else under -curio_ is curio's and must be in its table.
@*/
PetscBool CurioOptionsIsPETSc(const char name[])
{
  static const char *const prefixes[] = {"-curio_", "-curio_train_", "-curio_tangent_", "-curio_inverse_", "-curio_newton_", "-curio_users_hier_"};

  for (size_t p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]); p++) {
    size_t      lp   = strlen(prefixes[p]);
    const char *rest = name + lp;
    if (strncmp(name, prefixes[p], lp)) continue;
    /* the solver's own options, and those of the sub-solvers PETSc prefixes itself (block Jacobi's sub_, multigrid's
       mg_levels_ and mg_coarse_, redundant_, fieldsplit_NAME_) */
    if (!strncmp(rest, "ksp_", 4) || !strncmp(rest, "pc_", 3) || !strncmp(rest, "tao_", 4) || !strncmp(rest, "sub_", 4) || !strncmp(rest, "mg_", 3) ||
        !strncmp(rest, "redundant_", 10) || !strncmp(rest, "fieldsplit_", 11))
      return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

/*@C
  CurioCommonOptionsRead - reads the options that the modes which read data, fit a model and write a file share:
  -curio_input, -curio_output, -curio_s and -curio_monitor, inside the mode's PetscOptionsBegin/End block

  Collective on the block's communicator

  Input Parameter:
. PetscOptionsObject - the block

  Input/Output Parameter:
. common - on input the mode's defaults (the output file's name above all), on output the values

.seealso: `CurioOptionsString()`, `CurioOptionsReal()`
@*/
PetscErrorCode CurioCommonOptionsRead(PetscOptionItems *PetscOptionsObject, CurioCommonOptions *common)
{
  PetscFunctionBegin;
  PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_input", common->input, sizeof(common->input), &common->input_set));
  PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_output", common->output, sizeof(common->output), NULL));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_s", &common->s, &common->s_set));
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_monitor", &common->monitor, NULL));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOptionsCheckUnknown - refuses any -curio_* option in the database that is not in curio's table (one collective
  error naming it and the closest known option), and warns, once per option, about an option of another mode

  Collective

  Input Parameters:
+ comm - the communicator of the run
. mode - the CurioModeBit of the mode that runs
- modename - its name, for the warning

.seealso: `CurioOptionsGetTable()`
@*/
PetscErrorCode CurioOptionsCheckUnknown(MPI_Comm comm, unsigned mode, const char modename[])
{
  char       *all, *tok, *save = NULL, unknown[1024] = "", first[256] = "", modes[64];
  const char *best     = NULL;
  int         nunknown = 0;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetAll(NULL, &all));
  for (tok = strtok_r(all, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    const CurioOptionInfo *o;
    if (strncmp(tok, "-curio_", 7) || CurioOptionsIsPETSc(tok)) continue;
    PetscCall(CurioOptionsFind(tok, &o));
    if (!o) {
      if (!nunknown++) {
        PetscCall(PetscStrncpy(first, tok, sizeof(first)));
        best = CurioOptionsClosest(tok);
      } else {
        PetscCall(PetscStrlcat(unknown, nunknown > 2 ? ", " : "", sizeof(unknown)));
        PetscCall(PetscStrlcat(unknown, tok, sizeof(unknown)));
      }
    } else if (!(o->modes & mode)) {
      PetscCall(CurioOptionsModeName(o->modes, modes, sizeof(modes)));
      PetscCall(PetscFPrintf(comm, PETSC_STDERR, "curio: warning: %s is an option of -curio_mode %s; -curio_mode %s does not use it\n", tok, modes,
                             modename));
    }
  }
  PetscCall(PetscFree(all));
  if (nunknown) {
    char hint[320] = "";
    /* a suggestion only when it is plausibly the intended name */
    if (best) PetscCall(PetscSNPrintf(hint, sizeof(hint), "; did you mean %s?", best));
    else PetscCall(PetscSNPrintf(hint, sizeof(hint), "; -help lists the options"));
    SETERRQ(comm, PETSC_ERR_USER_INPUT, "unknown option %s%s%s%s%s", first, hint, nunknown > 1 ? " (also unknown: " : "", nunknown > 1 ? unknown : "",
            nunknown > 1 ? ")" : "");
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioVersionView - prints curio's version, then PETSc's, HDF5's and MPI's, from rank 0

  Collective
@*/
PetscErrorCode CurioVersionView(MPI_Comm comm)
{
  char     petsc[256], mpi[MPI_MAX_LIBRARY_VERSION_STRING], *nl;
  unsigned maj, min, rel;
  int      len;

  PetscFunctionBegin;
  PetscCall(PetscGetVersion(petsc, sizeof(petsc)));
  PetscCallMPI(MPI_Get_library_version(mpi, &len));
  if ((nl = strchr(mpi, '\n'))) *nl = 0;
  PetscCheck(H5get_libversion(&maj, &min, &rel) >= 0, comm, PETSC_ERR_LIB, "H5get_libversion failed");
  PetscCall(PetscPrintf(comm, "curio %s\n%s\nHDF5 %u.%u.%u\n%s\n", CURIO_VERSION, petsc, maj, min, rel, mpi));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*
  curio -curio_mode sgdf: distributed minibatch SGD with forward-mode differentiation (SGDF, MATH.md section 6,
  eqs. 119-127): the minibatch gradient is evaluated in dual numbers theta + e theta_dot, so that the parameters and
  their regularity tangent theta_dot = d(theta*)/ds train together. Also LiSSA (theta frozen at a given optimum, the
  tangent recursion alone) and online tuning of s (paper section 3.7), with HDF5 checkpoints and restart.

  Problem: minimize L(theta; s) = sum_i w_i l(phi_i . theta, y_i) + s R(theta) (ridge or restricted ridge) for rows
           spread over MPI ranks, and follow theta_dot -> -H^{-1} grad R.
  Method:  bulk-synchronous steps over a global minibatch sequence that does not depend on the rank count (per epoch a
           keyed Feistel permutation of the rows). theta is replicated (one MPI_Allreduce of the gradient and its dual
           part per step) or partitioned by feature blocks (a step exchanges only the entries its batch touches, with
           MPI_Alltoallv, and the ridge step is applied lazily).

  A sparse synthetic problem of 10^6 rows, 10^5 features, 20 nonzeros per row on 2 ranks:
      mpiexec -n 2 ./build/curio -curio_mode sgdf -curio_sgdf_synthetic 1000000,100000,20 -curio_s 1 \
              -curio_sgdf_lr 1e-6 -curio_sgdf_batch 100 -curio_sgdf_epochs 2 -curio_monitor -curio_output sgdf.h5

  The mode is CurioSGDFMain(), a thin driver of the public object CurioSGDF (include/curiosgdf.h): Create,
  SetFromOptions, SetUp (data, state, restart), Run (the epochs), Write, Destroy; tests/unit/t010_sgdf_api.c drives it.
*/
#include "sgdfimpl.h"
#include <inttypes.h>
#include <time.h>

static const char *const SGDFSchedules[]      = {"constant", "decay", "SGDFSchedule", "SGDF_SCHEDULE_", NULL};
static const char *const SGDFOptimizers[]     = {"sgd", "adam", "SGDFOptimizer", "SGDF_OPTIMIZER_", NULL};
static const char *const SGDFLayouts[]        = {"replicated", "partitioned", "hybrid", "auto", "SGDFLayout", "SGDF_LAYOUT_", NULL};
static const char *const SGDFAverages[]       = {"dense", "sparse", "auto", "SGDFAverageType", "SGDF_AVERAGE_", NULL};
static const char *const SGDFLocalSchedules[] = {"constant", "lr", "SGDFLocalSchedule", "SGDF_LOCAL_SCHEDULE_", NULL};

static PetscLogStage SGDF_STAGE_Setup, SGDF_STAGE_Step, SGDF_STAGE_Checkpoint, SGDF_STAGE_Write;

/* Names of the per-epoch history (SGDFHistory order): /sgdf/history/NAME in the output, history_NAME in a checkpoint */
static const char *const SGDFHistoryNames[] = {"loss", "theta_norm", "tangent_change", "reference_distance", "s", "time", "step", "holdout_loss"};

static PetscErrorCode SGDFRegisterLogging(void)
{
  static PetscBool done = PETSC_FALSE;
  PetscClassId     id;

  PetscFunctionBegin;
  if (done) PetscFunctionReturn(PETSC_SUCCESS);
  done = PETSC_TRUE;
  PetscCall(CurioInitializePackage());
  PetscCall(PetscClassIdRegister("CurioSGDF", &id));
  PetscCall(PetscLogEventRegister("CurioSGDFBatch", id, &SGDF_EVENT_Batch));
  PetscCall(PetscLogEventRegister("CurioSGDFGrad", id, &SGDF_EVENT_Gradient));
  PetscCall(PetscLogEventRegister("CurioSGDFExchange", id, &SGDF_EVENT_Exchange));
  PetscCall(PetscLogEventRegister("CurioSGDFUpdate", id, &SGDF_EVENT_Update));
  PetscCall(PetscLogEventRegister("CurioSGDFAverage", id, &SGDF_EVENT_Average));
  PetscCall(PetscLogStageRegister("Curio SGDF setup", &SGDF_STAGE_Setup));
  PetscCall(PetscLogStageRegister("Curio SGDF step", &SGDF_STAGE_Step));
  PetscCall(PetscLogStageRegister("Curio SGDF checkpoint", &SGDF_STAGE_Checkpoint));
  PetscCall(PetscLogStageRegister("Curio SGDF write", &SGDF_STAGE_Write));
  PetscFunctionReturn(PETSC_SUCCESS);
}

#define SGDF_NO_INHERIT "-curio_mode sgdf supports -curio_regularizer ridge or restricted, not inherit"

/* Reads the mode's options (the model's too) with their defaults; checks only what relates options after this */
static PetscErrorCode SGDFReadOptions(SGDF g, CurioModel model, SGDFOptions *o)
{
  PetscInt seed = 1;

  PetscFunctionBegin;
  PetscCall(CurioModelRefuseInherit(model, SGDF_NO_INHERIT));
  PetscCall(CurioModelSetFromOptions(model));
  PetscCall(CurioModelGetLoss(model, &g->loss, NULL));
  PetscCall(CurioModelGetRegularizer(model, &g->regularizer));
  PetscCall(CurioModelGetFeatureMap(model, NULL, NULL, &g->intercept));

  g->epochs = 10;
  g->batch  = 32;
  g->seed   = 1;
  g->lr     = -1;
  g->t0     = 1000;
  g->power  = 1.0;
  g->beta1 = 0.9, g->beta2 = 0.999, g->eps = 1e-8;
  g->reg_every        = 1;
  g->tangent          = PETSC_TRUE;
  g->layout           = SGDF_LAYOUT_AUTO;
  g->local_steps      = 0;
  g->next_average     = -1;
  g->shm              = PETSC_TRUE;
  g->win              = MPI_WIN_NULL;
  g->bwin             = MPI_WIN_NULL;
  g->ncomm            = MPI_COMM_NULL;
  g->xcomm            = MPI_COMM_NULL;
  g->oreq             = MPI_REQUEST_NULL;
  g->average          = SGDF_AVERAGE_AUTO;
  g->val_fraction     = 0.2;
  g->lr_rho           = 1e-3;
  g->val_batch        = 32;
  g->val_warmup       = 1;
  g->rho_max_step     = 0.1;
  g->s                = -1;
  g->n_iter_no_change = 5;
  o->ckpt_every = 0, o->ckpt_keep = 2, o->ckpt_poll = 100, o->ckpt_seconds = 0, o->check_every = 1000;
  o->synthetic_seed = 1;
  o->pool_chunk     = 100000;
  o->select_k       = 10;
  PetscCall(PetscStrncpy(o->output, "curio.h5", sizeof(o->output)));
  PetscCall(PetscStrncpy(o->tangent_init, "zero", sizeof(o->tangent_init)));

  PetscOptionsBegin(g->comm, NULL, "curio SGDF (-curio_mode sgdf)", "CurioSGDF");
  PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_output", o->output, sizeof(o->output), NULL));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_s", &g->s, &o->s_set));
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_monitor", &o->monitor, NULL));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_monitor_seconds", &o->monitor_seconds, NULL));
  PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_restart", o->restart, sizeof(o->restart), NULL));
  PetscCall(CurioOptionsIntArray(PetscOptionsObject, "-curio_sgdf_synthetic", o->synthetic, &o->synthetic_set));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_sgdf_synthetic_seed", &o->synthetic_seed, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_sgdf_pool", &o->pool, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_pool_chunk", &o->pool_chunk, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_select_k", &o->select_k, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_sgdf_epochs", &g->epochs, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_sgdf_batch", &g->batch, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_sgdf_seed", &seed, NULL));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_sgdf_lr", &g->lr, &o->lr_set));
  PetscCall(CurioOptionsEnum(PetscOptionsObject, "-curio_sgdf_schedule", SGDFSchedules, (PetscEnum *) &g->schedule, NULL));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_sgdf_decay_t0", &g->t0, NULL));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_sgdf_decay_power", &g->power, NULL));
  PetscCall(CurioOptionsEnum(PetscOptionsObject, "-curio_sgdf_optimizer", SGDFOptimizers, (PetscEnum *) &g->optimizer, NULL));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_sgdf_adam_beta1", &g->beta1, NULL));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_sgdf_adam_beta2", &g->beta2, NULL));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_sgdf_adam_eps", &g->eps, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_sgdf_reg_every", &g->reg_every, NULL));
  PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_sgdf_tangent_init", o->tangent_init, sizeof(o->tangent_init), NULL));
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_sgdf_tangent", &g->tangent, NULL));
  PetscCall(CurioOptionsEnum(PetscOptionsObject, "-curio_sgdf_layout", SGDFLayouts, (PetscEnum *) &g->layout, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_sgdf_local_steps", &g->local_steps, NULL));
  PetscCall(CurioOptionsEnum(PetscOptionsObject, "-curio_sgdf_local_schedule", SGDFLocalSchedules, (PetscEnum *) &g->local_schedule, NULL));
  PetscCall(CurioOptionsEnum(PetscOptionsObject, "-curio_sgdf_average", SGDFAverages, (PetscEnum *) &g->average, NULL));
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_sgdf_average_overlap", &g->overlap, NULL));
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_sgdf_shared_memory", &g->shm, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_sgdf_node_ranks", &g->node_ranks, NULL));
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_sgdf_lissa", &g->lissa, NULL));
  PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_sgdf_theta", o->theta_file, sizeof(o->theta_file), NULL));
  PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_sgdf_reference", o->ref_file, sizeof(o->ref_file), NULL));
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_sgdf_online_s", &g->online_s, NULL));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_sgdf_val_fraction", &g->val_fraction, NULL));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_sgdf_lr_rho", &g->lr_rho, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_sgdf_online_s_warmup", &g->val_warmup, NULL));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_sgdf_rho_max_step", &g->rho_max_step, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_sgdf_val_batch", &g->val_batch, NULL));
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_sgdf_save_indices", &g->save_indices, NULL));
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_sgdf_holdout", &g->holdout, NULL));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_sgdf_tol", &g->tol, &o->tol_set));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_sgdf_n_iter_no_change", &g->n_iter_no_change, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_sgdf_check_every", &o->check_every, NULL));
  PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_checkpoint_prefix", o->ckpt_prefix, sizeof(o->ckpt_prefix), NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_checkpoint_every", &o->ckpt_every, NULL));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_checkpoint_seconds", &o->ckpt_seconds, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_checkpoint_keep", &o->ckpt_keep, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_checkpoint_poll", &o->ckpt_poll, NULL));
  PetscOptionsEnd();
  g->seed = seed;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* What relates the options (each value's type and bounds are checked as it is read, src/sys/options.c) */
static PetscErrorCode SGDFCheckOptions(SGDF g, SGDFOptions *o)
{
  PetscFunctionBegin;
  PetscCheck(g->regularizer != CURIO_REGULARIZER_INHERIT, g->comm, PETSC_ERR_SUP, SGDF_NO_INHERIT);
  PetscCheck(o->lr_set, g->comm, PETSC_ERR_USER_INPUT, "-curio_mode sgdf needs a step size: -curio_sgdf_lr ETA");
  PetscCheck(o->s_set || g->online_s, g->comm, PETSC_ERR_USER_INPUT, "-curio_mode sgdf needs -curio_s S (or -curio_sgdf_online_s)");
  if (!o->s_set) g->s = 1.0;
  PetscCheck(!g->lissa || g->tangent, g->comm, PETSC_ERR_ARG_INCOMP, "-curio_sgdf_lissa needs the tangent (-curio_sgdf_tangent true)");
  PetscCheck(!g->lissa || o->theta_file[0], g->comm, PETSC_ERR_USER_INPUT,
             "-curio_sgdf_lissa needs the frozen optimum: -curio_sgdf_theta FILE.h5[:DATASET]");
  PetscCheck(!g->online_s || g->tangent, g->comm, PETSC_ERR_ARG_INCOMP, "-curio_sgdf_online_s needs the tangent (-curio_sgdf_tangent true)");
  PetscCheck(!g->online_s || !g->lissa, g->comm, PETSC_ERR_ARG_INCOMP, "-curio_sgdf_online_s and -curio_sgdf_lissa exclude each other");
  PetscCheck(!g->online_s || !g->local_steps, g->comm, PETSC_ERR_ARG_INCOMP,
             "-curio_sgdf_online_s needs the bulk-synchronous steps (-curio_sgdf_local_steps 0): its validation step reads the shared tangent");
  PetscCheck(!g->local_steps || g->layout != SGDF_LAYOUT_PARTITIONED, g->comm, PETSC_ERR_ARG_INCOMP,
             "-curio_sgdf_local_steps %" PetscInt_FMT
             " keeps all parameters on every rank: it needs -curio_sgdf_layout replicated or auto, not partitioned",
             g->local_steps);
  if (g->layout == SGDF_LAYOUT_HYBRID) {
    PetscCheck(g->local_steps > 0, g->comm, PETSC_ERR_ARG_INCOMP,
               "-curio_sgdf_layout hybrid is local SGDF across nodes (one copy of the parameters per node): it needs -curio_sgdf_local_steps H >= 1");
    PetscCheck(
        g->optimizer == SGDF_OPTIMIZER_SGD, g->comm, PETSC_ERR_SUP,
        "-curio_sgdf_layout hybrid steps with plain SGD and the lazy ridge step: -curio_sgdf_optimizer adam needs -curio_sgdf_layout replicated");
    PetscCheck(g->shm, g->comm, PETSC_ERR_ARG_INCOMP,
               "-curio_sgdf_layout hybrid holds each node's copy in shared memory: it excludes -curio_sgdf_shared_memory false");
    PetscCheck(g->average != SGDF_AVERAGE_SPARSE, g->comm, PETSC_ERR_SUP,
               "-curio_sgdf_layout hybrid averages the nodes' copies densely: -curio_sgdf_average sparse needs -curio_sgdf_layout replicated");
  }
  if (g->overlap) { /* the correction is a dense, linear update of theta and theta_dot (docs/sgdf.md section 3) */
    PetscCheck(g->local_steps > 0, g->comm, PETSC_ERR_ARG_INCOMP,
               "-curio_sgdf_average_overlap overlaps local SGDF's averagings with the next steps: it needs -curio_sgdf_local_steps H >= 1");
    PetscCheck(g->optimizer == SGDF_OPTIMIZER_SGD && !g->lissa, g->comm, PETSC_ERR_SUP,
               "-curio_sgdf_average_overlap corrects theta and theta_dot of plain SGD: not with -curio_sgdf_optimizer adam or -curio_sgdf_lissa");
    PetscCheck(g->average != SGDF_AVERAGE_SPARSE, g->comm, PETSC_ERR_SUP,
               "-curio_sgdf_average_overlap averages every entry: -curio_sgdf_average sparse excludes it");
    PetscCheck(!g->holdout, g->comm, PETSC_ERR_ARG_INCOMP,
               "-curio_sgdf_holdout scores one model at every epoch end, but with -curio_sgdf_average_overlap the copies are averaged only at the "
               "run's end");
    g->average = SGDF_AVERAGE_DENSE;
  }
  PetscCheck(g->local_steps || g->local_schedule == SGDF_LOCAL_SCHEDULE_CONSTANT, g->comm, PETSC_ERR_ARG_INCOMP,
             "-curio_sgdf_local_schedule %s sets the period of local SGDF: it needs -curio_sgdf_local_steps H >= 1",
             SGDFLocalSchedules[g->local_schedule]);
  {
    PetscBool input;
    PetscCall(PetscOptionsHasName(NULL, NULL, "-curio_input", &input));
    PetscCheck(!input || !o->synthetic_set, g->comm, PETSC_ERR_ARG_INCOMP,
               "-curio_input and -curio_sgdf_synthetic are two sources of training rows; give one of them");
  }
  if (g->optimizer != SGDF_OPTIMIZER_ADAM) {
    PetscCall(CurioOptionsWarnUnused(g->comm, "-curio_sgdf_adam_beta1", "it is a setting of -curio_sgdf_optimizer adam, and the optimizer is sgd"));
    PetscCall(CurioOptionsWarnUnused(g->comm, "-curio_sgdf_adam_beta2", "it is a setting of -curio_sgdf_optimizer adam, and the optimizer is sgd"));
    PetscCall(CurioOptionsWarnUnused(g->comm, "-curio_sgdf_adam_eps", "it is a setting of -curio_sgdf_optimizer adam, and the optimizer is sgd"));
  }
  if (!g->local_steps)
    PetscCall(CurioOptionsWarnUnused(g->comm, "-curio_sgdf_node_ranks", "it groups the ranks of local SGDF, and -curio_sgdf_local_steps is 0"));
  if (g->schedule == SGDF_SCHEDULE_CONSTANT) {
    PetscCall(CurioOptionsWarnUnused(g->comm, "-curio_sgdf_decay_t0", "it is a setting of -curio_sgdf_schedule decay, and the schedule is constant"));
    PetscCall(
        CurioOptionsWarnUnused(g->comm, "-curio_sgdf_decay_power", "it is a setting of -curio_sgdf_schedule decay, and the schedule is constant"));
  }
  o->ckpt = (PetscBool) (o->ckpt_prefix[0] != 0);
  PetscCheck(o->pool_chunk > 0 && o->select_k > 0, g->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-curio_mode sgdf needs -curio_pool_chunk and -curio_select_k > 0");
  PetscCheck(!o->pool || (o->synthetic_set && g->tangent), g->comm, PETSC_ERR_USER_INPUT,
             "-curio_sgdf_pool scores synthetic candidates: it needs -curio_sgdf_synthetic and the tangent");
  PetscCheck(o->select_k <= o->pool || !o->pool, g->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-curio_select_k %" PetscInt_FMT " is larger than the pool (%" PetscInt_FMT ")", o->select_k, o->pool);
  PetscCheck(o->ckpt || (!o->ckpt_every && !o->ckpt_seconds), g->comm, PETSC_ERR_USER_INPUT,
             "-curio_checkpoint_every and -curio_checkpoint_seconds need -curio_checkpoint_prefix P");
  g->rho = PetscLogReal(g->s);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSGDFOptionsHelp - reads the options of -curio_mode sgdf into a throwaway state, so that -help lists them;
  nothing is loaded, run or written

  Collective

  Input Parameter:
. comm - the communicator

.seealso: `CurioSGDFMain()`, `CurioSGDFSetFromOptions()`
@*/
PetscErrorCode CurioSGDFOptionsHelp(MPI_Comm comm)
{
  CurioSGDF sg;

  PetscFunctionBegin;
  PetscCall(CurioSGDFCreate(comm, &sg));
  PetscCall(SGDFReadOptions(sg, sg->model, &sg->opt));
  PetscCall(CurioSGDFDestroy(&sg));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Where dense feature rows go as they are read (CurioDataReadInputs()): row i's values, behind the intercept's 1 if
   any, at columns off, off + 1, ... of its place in the steps' CSR (rows of d entries each) */
typedef struct {
  SGDF     g;
  PetscInt off;
} DenseCSRSink;

static PetscErrorCode DenseCSRSinkRows(void *ctx, PetscInt i0, PetscInt nb, const PetscReal X[])
{
  DenseCSRSink  *ds = (DenseCSRSink *) ctx;
  const PetscInt d = ds->g->d, off = ds->off, dim = d - off;
  PetscInt      *col = ds->g->colidx;
  PetscReal     *val = ds->g->vals;

  PetscFunctionBegin;
  for (PetscInt r = 0; r < nb; r++) {
    PetscInt q = (i0 + r) * d;
    if (off) col[q] = 0, val[q++] = 1.0;
    for (PetscInt j = 0; j < dim; j++) col[q] = j + off, val[q++] = X[r * dim + j];
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The fingerprint of the training data that a checkpoint is tied to (SGDFSignature): the sum mod 2^64 over the global
   rows r of a mix of (r, the row's column indices, values, label and weight), with the io layer's checksum terms
   (CurioH5ChecksumAdd: any one changed entry changes its row's term). Each rank adds its own rows and the sum is an
   integer MPI_SUM, so the fingerprint does not depend on the rank count (a bulk-synchronous run restarts on any). One
   pass over the rows in memory, as stepped on (the intercept's column included). Collective. */
static PetscErrorCode SGDFDataFingerprint(SGDF g)
{
  uint64_t local = 0;
  PetscInt cap   = 0;
  int64_t *cols  = NULL;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < g->nlocal; i++) {
    const PetscInt nz     = g->rowptr[i + 1] - g->rowptr[i];
    uint64_t       row[4] = {0, 0, 0, (uint64_t) nz}; /* the values' terms, the columns', the label's and weight's, the length */
    PetscReal      yw[2]  = {g->y[i], g->w[i]};
    if (nz > cap) {
      PetscCall(PetscFree(cols));
      cap = 2 * nz;
      PetscCall(PetscMalloc1(cap, &cols));
    }
    for (PetscInt k = 0; k < nz; k++) cols[k] = g->colidx[g->rowptr[i] + k]; /* 8-byte elements, whatever PetscInt is */
    CurioH5ChecksumAdd(g->vals + g->rowptr[i], 0, nz, &row[0]);
    CurioH5ChecksumAdd(cols, 0, nz, &row[1]);
    CurioH5ChecksumAdd(yw, 0, 2, &row[2]);
    CurioH5ChecksumAdd(row, 4 * (PetscInt64) (g->rstart + i), 4, &local); /* the row's four parts at its global place */
  }
  PetscCall(PetscFree(cols));
  PetscCallMPI(MPI_Allreduce(&local, &g->fingerprint, 1, MPI_UINT64_T, MPI_SUM, g->comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The training rows as CSR with global parameter indices: the intercept (parameter 0, value 1) first, then the
   features shifted by one; dense and polynomial rows are stored with every entry */
static PetscErrorCode SGDFLoadData(SGDF g, CurioModel model, SGDFOptions *o)
{
  const PetscInt off = g->intercept ? 1 : 0;

  PetscFunctionBegin;
  if (o->synthetic_set) {
    CurioCSRRows csr;
    PetscCall(CurioCSRRowsCreateSynthetic(g->comm, o->synthetic[0], o->synthetic[1], o->synthetic[2], o->synthetic_seed, g->loss, &csr));
    PetscCall(PetscSNPrintf(g->source, sizeof(g->source), "synthetic:%" PetscInt_FMT ",%" PetscInt_FMT ",%" PetscInt_FMT ":seed=%" PetscInt_FMT,
                            o->synthetic[0], o->synthetic[1], o->synthetic[2], o->synthetic_seed));
    g->n = csr.n, g->d = csr.ncols + off, g->rstart = csr.rstart, g->nlocal = csr.nlocal;
    g->y = csr.y, g->w = csr.w, g->sparse_input = PETSC_TRUE;
    if (off) PetscCall(CurioCSRPrependOnes(csr.nlocal, csr.rowptr, &csr.colidx, &csr.vals));
    g->rowptr = csr.rowptr, g->colidx = csr.colidx, g->vals = csr.vals;
  } else {
    CurioData           data;
    CurioRows          *t;
    const char         *source;
    CurioFeatureMapType map;
    PetscInt            q = 0, nnz;
    PetscCall(CurioDataCreate(g->comm, &data));
    PetscCall(CurioDataSetDeferInputs(data, PETSC_TRUE)); /* dense feature rows straight into the steps' CSR (below) */
    PetscCall(CurioDataSetFromOptions(data));
    PetscCall(CurioModelSetUp(model, data));
    PetscCall(CurioDataGetRows(data, CURIO_DATA_TRAIN, &t, NULL));
    PetscCall(CurioDataGetSource(data, &source));
    PetscCall(CurioModelGetFeatureMap(model, &map, NULL, NULL));
    PetscCheck(t->y, g->comm, PETSC_ERR_USER_INPUT, "The training set of '%s' has no labels '/train/y'", source);
    PetscCall(CurioModelCheckLabels(model, t, source, "train"));
    PetscCall(PetscStrncpy(g->source, source, sizeof(g->source)));
    PetscCall(CurioModelGetSize(model, &g->d));
    g->n = t->n, g->rstart = t->rstart, g->nlocal = t->nlocal, g->sparse_input = t->sparse;
    if (t->sparse) { /* the rows as read become the steps' rows: taken over (the intercept put in place), no second copy of X */
      if (off) PetscCall(CurioCSRPrependOnes(t->nlocal, t->rowptr, &t->colidx, &t->vals));
      g->rowptr = t->rowptr, g->colidx = t->colidx, g->vals = t->vals, g->y = t->y, g->w = t->w;
      t->rowptr = NULL, t->colidx = NULL, t->vals = NULL, t->y = NULL, t->w = NULL;
      PetscCall(CurioDataDestroy(&data));
      goto done;
    }
    nnz = t->nlocal * g->d; /* dense or polynomial rows: every entry */
    PetscCall(PetscMalloc1(t->nlocal + 1, &g->rowptr));
    PetscCall(PetscMalloc1(PetscMax(nnz, 1), &g->colidx));
    PetscCall(PetscMalloc1(PetscMax(nnz, 1), &g->vals));
    CurioAdviseHugePages(g->colidx, (size_t) PetscMax(nnz, 1) * sizeof(PetscInt));
    CurioAdviseHugePages(g->vals, (size_t) PetscMax(nnz, 1) * sizeof(PetscReal));
    g->rowptr[0] = 0;
    if (t->deferred) { /* dense feature rows, read into their places; the labels and weights taken over as read */
      DenseCSRSink ds = {g, off};
      g->y = t->y, g->w = t->w;
      t->y = NULL, t->w = NULL;
      for (PetscInt i = 0; i < t->nlocal; i++) g->rowptr[i + 1] = g->rowptr[i] + g->d;
      PetscCall(CurioDataReadInputs(data, CURIO_DATA_TRAIN, DenseCSRSinkRows, &ds));
      PetscCall(CurioDataDestroy(&data));
      goto done;
    }
    g->y = t->y, g->w = t->w;
    t->y = NULL, t->w = NULL;
    for (PetscInt i = 0; i < t->nlocal; i++) {
      if (map == CURIO_FEATURES_POLYNOMIAL) {
        PetscCall(CurioModelPolynomialRow(model, t->X[i], 1, g->vals + q));
        for (PetscInt j = 0; j < g->d; j++) g->colidx[q++] = j;
      } else {
        if (off) g->colidx[q] = 0, g->vals[q++] = 1.0;
        for (PetscInt j = 0; j < t->dim; j++) g->colidx[q] = j + off, g->vals[q++] = t->X[i * t->dim + j];
      }
      g->rowptr[i + 1] = q;
    }
    PetscCall(CurioDataDestroy(&data));
  }
done:
  PetscCall(SGDFDataFingerprint(g));
  g->maxnnz = 0;
  for (PetscInt i = 0; i < g->nlocal; i++) g->maxnnz = PetscMax(g->maxnnz, g->rowptr[i + 1] - g->rowptr[i]);
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &g->maxnnz, 1, MPIU_INT, MPI_MAX, g->comm));
  g->maxnnz = PetscMax(g->maxnnz, 1);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Entries [lo, hi) of this rank's part of a parameter array of the layout (replicated: all d; partitioned: the block),
   stored with a stride (2: theta and theta_dot interleaved), as a contiguous array: the array itself at stride 1, else
   a copy (with the values if pack, else for reading into); ParamUnpack() ends it */
static PetscErrorCode ParamPack(PetscReal *strided, PetscInt stride, PetscInt lo, PetscInt hi, PetscBool pack, PetscReal **a)
{
  PetscFunctionBegin;
  *a = strided + lo;
  if (stride == 1) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscMalloc1(PetscMax(hi - lo, 1), a));
  if (pack)
    for (PetscInt j = lo; j < hi; j++) (*a)[j - lo] = strided[stride * j];
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Ends ParamPack(): with unpack the contiguous values go back into the strided array; a copy is freed */
static PetscErrorCode ParamUnpack(PetscReal *strided, PetscInt stride, PetscInt lo, PetscInt hi, PetscBool unpack, PetscReal **a)
{
  PetscFunctionBegin;
  if (stride == 1) PetscFunctionReturn(PETSC_SUCCESS);
  if (unpack)
    for (PetscInt j = lo; j < hi; j++) strided[stride * j] = (*a)[j - lo];
  PetscCall(PetscFree(*a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A parameter vector from FILE[:DATASET] into an array of the layout (replicated: all d; partitioned: the block); in
   the hybrid layout a rank writes only its part [flo, fhi) of the node's shared copy */
static PetscErrorCode SGDFReadVector(SGDF g, const char option[], const char spec[], const char dflt[], PetscReal *strided, PetscInt stride)
{
  const PetscBool shared = (PetscBool) (g->hybrid && (strided == g->theta || strided == g->td));
  char            file[PETSC_MAX_PATH_LEN], dset[256];
  Vec             v;
  PetscReal      *a;

  PetscFunctionBegin;
  if (shared) PetscCall(PetscMalloc1(g->dl, &a));
  else PetscCall(ParamPack(strided, stride, 0, g->dl, PETSC_FALSE, &a));
  PetscCall(PetscStrncpy(file, spec, sizeof(file)));
  PetscCall(CurioParseFileDataset(file, dflt, dset, sizeof(dset)));
  if (g->layout == SGDF_LAYOUT_PARTITIONED) {
    PetscCall(VecCreateMPIWithArray(g->comm, 1, g->dl, g->d, a, &v));
    PetscCall(CurioReadParameters(g->comm, option, file, dset, v));
  } else {
    PetscCall(VecCreateMPI(g->comm, PETSC_DECIDE, g->d, &v));
    PetscCall(CurioReadParameters(g->comm, option, file, dset, v));
    PetscCall(CurioVecGatherAll(v, a));
  }
  PetscCall(VecDestroy(&v));
  if (shared) {
    for (PetscInt j = g->flo; j < g->fhi; j++) strided[stride * j] = a[j];
    PetscCall(PetscFree(a));
  } else PetscCall(ParamUnpack(strided, stride, 0, g->dl, PETSC_TRUE, &a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* This rank's validation rows, and in the partitioned layout the number of fetch blocks (the largest over the ranks:
   every rank takes part in every fetch) */
static PetscErrorCode SGDFHoldoutSetUp(SGDF g)
{
  PetscInt cap;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(PetscMax(g->nlocal, 1), &g->hold));
  for (PetscInt i = 0; i < g->nlocal; i++)
    if (SGDFIsValidation(g, g->rstart + i)) g->hold[g->nhold++] = i;
  cap            = SGDFFetchRows(g, PetscMax(g->nhold, 1));
  g->hold_blocks = (g->nhold + cap - 1) / cap;
  if (g->hash) PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &g->hold_blocks, 1, MPIU_INT, MPI_MAX, g->comm));
  else g->hold_blocks = 1;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Measured costs behind -curio_sgdf_layout auto in local SGDF (docs/sgdf.md section 6; bench/run_sgdf.sh --rank-batch,
   2 ranks, 10^6 rows, 20 per row, 32 rows per rank and step, H = 256, medians of 9 and 5 runs, two benchmark runs each):
   the dense average of the per-rank copies through shared memory streamed 2.6-4.7 GB/s per rank (waits for the slower
   rank included); a hybrid step cost 0.28-0.54 us (d = 10^5) and 0.63-1.2 us (d = 10^7) more per row and rank than
   the one-rank kernel (the shared copy's cache lines move between cores, and the ranks wait for each other twice per
   step); the middle of each range */
#define SGDF_AVERAGE_BYTES_PER_SECOND     3.5e9
#define SGDF_HYBRID_EXTRA_SECONDS_PER_ROW 0.6e-6

/* -curio_sgdf_layout auto in local SGDF: hybrid where averaging the per-rank copies would cost a rank more per epoch,
   ceil(n / (B H)) averagings of 16 d bytes, than the hybrid's extra cost per row over its n / P rows; needs what the
   hybrid layout needs (plain SGD, no sparse averaging, shared memory); SGDFSharedCreate() falls back to replicated
   where the nodes are uneven or hold one rank each */
static void SGDFLocalLayout(SGDF g)
{
  PetscReal averages = PetscCeilReal((PetscReal) g->n / ((PetscReal) g->batch * g->local_steps));

  g->est_average = averages * 16.0 * (PetscReal) g->d / SGDF_AVERAGE_BYTES_PER_SECOND;
  g->est_hybrid  = (PetscReal) g->n / g->size * SGDF_HYBRID_EXTRA_SECONDS_PER_ROW;
  g->layout_auto = PETSC_TRUE;
  g->layout      = SGDF_LAYOUT_REPLICATED;
  if (g->size > 1 && g->optimizer == SGDF_OPTIMIZER_SGD && g->shm && g->average != SGDF_AVERAGE_SPARSE && g->est_average > g->est_hybrid)
    g->layout = SGDF_LAYOUT_HYBRID;
}

/* The state before the first step: the layout, the batch sequence, the parameters (from files if asked), the history,
   the workspace */
static PetscErrorCode SGDFSetUpState(SGDF g, SGDFOptions *o)
{
  PetscInt cnt = 0;

  PetscFunctionBegin;
  /* every rank, or in the hybrid layout every node, holds all parameters (checked: not partitioned) */
  if (g->local_steps > 0 && g->layout == SGDF_LAYOUT_AUTO) SGDFLocalLayout(g);
  else if (g->local_steps > 0 && g->layout != SGDF_LAYOUT_HYBRID) g->layout = SGDF_LAYOUT_REPLICATED;
  if (g->layout == SGDF_LAYOUT_AUTO)
    g->layout = (g->sparse_input && g->optimizer == SGDF_OPTIMIZER_SGD) ? SGDF_LAYOUT_PARTITIONED : SGDF_LAYOUT_REPLICATED;
  PetscCheck(!(g->layout == SGDF_LAYOUT_PARTITIONED && g->optimizer == SGDF_OPTIMIZER_ADAM), g->comm, PETSC_ERR_SUP,
             "-curio_sgdf_optimizer adam needs -curio_sgdf_layout replicated (the partitioned layout has plain SGD with a lazy ridge step)");
  if (g->layout == SGDF_LAYOUT_PARTITIONED) PetscCall(CurioRowOwnership(g->comm, g->d, &g->cstart, &g->dl));
  else g->cstart = 0, g->dl = g->d;
  g->flo = 0, g->fhi = g->dl; /* the parameters this rank writes: in the hybrid layout its part of the node's copy */
  g->lazy = (PetscBool) ((g->layout == SGDF_LAYOUT_PARTITIONED || SGDFLocalLazy(g)) && !g->lissa);

  /* batch sequence and validation split */
  g->nsteps_epoch = (PetscInt) ((g->n + g->batch - 1) / g->batch);
  g->half_bits    = 1;
  while (((PetscInt64) 1 << (2 * g->half_bits)) < (PetscInt64) g->n) g->half_bits++;
  g->ntrain = g->n;
  if (g->online_s || g->holdout) {
    for (PetscInt i = 0; i < g->nlocal; i++) cnt += SGDFIsValidation(g, g->rstart + i) ? 1 : 0;
    PetscCall(MPIU_Allreduce(&cnt, &g->nval, 1, MPIU_INT, MPI_SUM, g->comm));
    g->ntrain = g->n - g->nval;
    PetscCheck(g->nval > 0 && g->ntrain > 0, g->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-curio_sgdf_val_fraction %g leaves %" PetscInt_FMT " validation and %" PetscInt_FMT " training rows; both must be > 0",
               (double) g->val_fraction, g->nval, g->ntrain);
    {
      PetscReal wval = 0; /* the holdout loss is a weighted mean over the validation rows: 0/0 if they all weigh 0 */
      for (PetscInt i = 0; i < g->nlocal; i++)
        if (SGDFIsValidation(g, g->rstart + i)) wval += g->w[i];
      PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &wval, 1, MPIU_REAL, MPIU_SUM, g->comm));
      PetscCheck(wval > 0, g->comm, PETSC_ERR_USER_INPUT,
                 "Every one of the %" PetscInt_FMT
                 " validation rows (-curio_sgdf_val_fraction %g) has weight 0 in the input: their weighted loss is 0/0. "
                 "Give them weight, or change -curio_sgdf_val_fraction or -curio_sgdf_seed",
                 g->nval, (double) g->val_fraction);
    }
  }

  /* parameters, moments, lazy state */
  g->ps = ((g->layout == SGDF_LAYOUT_PARTITIONED || SGDFLocalLazy(g)) && g->tangent) ? 2 : 1;
  if (g->ps == 2) {
    PetscCall(SGDFSharedCreate(g, 2 * PetscMax(g->dl, 1), &g->vq));
    if (!g->vq) PetscCall(CurioCallocLarge(2 * PetscMax(g->dl, 1), &g->vq));
    g->theta = g->vq;
    g->td    = g->vq + 1;
  } else {
    if (!g->tangent && g->optimizer == SGDF_OPTIMIZER_SGD) PetscCall(SGDFSharedCreate(g, PetscMax(g->dl, 1), &g->theta)); /* plain SGD: theta alone */
    if (g->theta) PetscCall(CurioCallocLarge(g->dl, &g->td));
    else {
      PetscCall(CurioCallocLarge(2 * PetscMax(g->dl, 1), &g->theta)); /* one block: theta, then theta_dot */
      g->td = g->theta + PetscMax(g->dl, 1);
    }
  }
  PetscCall(CurioCallocLarge(g->dl, &g->td_prev));
  g->P = 1.0;
  g->S = 0.0;
  if (g->optimizer == SGDF_OPTIMIZER_ADAM) PetscCall(PetscCalloc3(g->dl, &g->m1, g->dl, &g->v2, g->dl, &g->m1d));
  if (o->theta_file[0]) PetscCall(SGDFReadVector(g, "-curio_sgdf_theta", o->theta_file, "/model/theta", g->theta, g->ps));
  if (o->ref_file[0]) {
    PetscCall(PetscMalloc1(g->dl, &g->ref));
    PetscCall(SGDFReadVector(g, "-curio_sgdf_reference", o->ref_file, "/model/theta_dot", g->ref, 1));
  }
  if (g->tangent) {
    PetscBool zero, random;
    PetscCall(PetscStrcmp(o->tangent_init, "zero", &zero));
    PetscCall(PetscStrcmp(o->tangent_init, "random", &random));
    if (random)
      for (PetscInt j = g->flo; j < g->fhi; j++) g->td[g->ps * j] = CurioRandomNormal(g->seed, 301, g->cstart + j);
    else if (!zero) PetscCall(SGDFReadVector(g, "-curio_sgdf_tangent_init", o->tangent_init, "/model/theta_dot", g->td, g->ps));
    PetscCall(SGDFSharedSync(g));
    for (PetscInt j = 0; j < g->dl; j++) g->td_prev[j] = g->td[g->ps * j];
  }
  g->maxhist = PetscMax(g->epochs, 1);
  for (PetscInt k = 0; k < SGDF_HISTORY_N; k++) PetscCall(PetscCalloc1(g->maxhist, &g->hist[k]));
  g->es_best = PETSC_MAX_REAL;
  if (g->save_indices) {
    g->nindices_steps = (PetscInt) PetscMin((PetscInt64) g->epochs * g->nsteps_epoch, 100000000 / g->batch);
    PetscCall(PetscMalloc1(PetscMax(g->nindices_steps * g->batch, 1), &g->indices));
    for (PetscInt64 q = 0; q < (PetscInt64) g->nindices_steps * g->batch; q++) g->indices[q] = -1;
  }
  PetscCall(SGDFWorkspaceCreate(g));
  if (g->holdout) PetscCall(SGDFHoldoutSetUp(g));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Frees what SGDFLoadData() and SGDFSetUpState() allocated */
static PetscErrorCode SGDFFreeState(SGDF g)
{
  PetscFunctionBegin;
  PetscCall(SGDFWorkspaceDestroy(g));
  PetscCall(PetscFree(g->rowptr));
  PetscCall(PetscFree(g->colidx));
  PetscCall(PetscFree(g->vals));
  PetscCall(PetscFree(g->y));
  PetscCall(PetscFree(g->w));
  if (g->win != MPI_WIN_NULL && !g->vq) PetscCall(PetscFree(g->td)); /* plain SGD: theta in the window, td apart */
  if (g->win != MPI_WIN_NULL) PetscCall(SGDFSharedDestroy(g));
  else if (g->vq) PetscCall(PetscFree(g->vq));
  else {
    PetscCall(PetscFree(g->theta)); /* theta_dot is the block's second half */
    g->td = NULL;
  }
  PetscCall(PetscFree(g->td_prev));
  if (g->m1) PetscCall(PetscFree3(g->m1, g->v2, g->m1d));
  PetscCall(PetscFree(g->ref));
  for (PetscInt k = 0; k < SGDF_HISTORY_N; k++) PetscCall(PetscFree(g->hist[k]));
  PetscCall(PetscFree(g->hold));
  PetscCall(PetscFree(g->indices));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The string that identifies the problem and the method in a checkpoint: a checkpoint of anything else is refused,
   naming the fields that differ (CurioH5CheckIdentity). The data are identified by their content (data_fingerprint,
   SGDFDataFingerprint), not by the file's name, so that a moved or renamed copy restarts and a file rewritten with
   other rows does not. A parameter enters only when the method uses it (the decay's t0 and power, Adam's betas and
   eps, online s's settings), so that changing one that does nothing is not refused. */
static PetscErrorCode SGDFSignature(SGDF g, char sig[], size_t len)
{
  char s[256];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(sig, len,
                          "sgdf n=%" PetscInt_FMT " d=%" PetscInt_FMT " data_fingerprint=%016" PRIx64
                          " loss=%s regularizer=%s intercept=%d batch=%" PetscInt_FMT " seed=%" PetscInt64_FMT
                          " optimizer=%s layout=%s tangent=%d lissa=%d reg_every=%" PetscInt_FMT " lr=%.17g schedule=%s online_s=%d",
                          g->n, g->d, g->fingerprint, CurioLossTypes[g->loss], CurioRegularizerTypes[g->regularizer], (int) g->intercept, g->batch,
                          g->seed, SGDFOptimizers[g->optimizer], SGDFLayouts[g->layout], (int) g->tangent, (int) g->lissa, g->reg_every,
                          (double) g->lr, SGDFSchedules[g->schedule], (int) g->online_s));
  if (g->schedule == SGDF_SCHEDULE_DECAY) {
    PetscCall(PetscSNPrintf(s, sizeof(s), " t0=%.17g power=%.17g", (double) g->t0, (double) g->power));
    PetscCall(PetscStrlcat(sig, s, len));
  }
  if (g->optimizer == SGDF_OPTIMIZER_ADAM) {
    PetscCall(
        PetscSNPrintf(s, sizeof(s), " adam_beta1=%.17g adam_beta2=%.17g adam_eps=%.17g", (double) g->beta1, (double) g->beta2, (double) g->eps));
    PetscCall(PetscStrlcat(sig, s, len));
  }
  if (g->online_s) {
    PetscCall(PetscSNPrintf(s, sizeof(s), " val_fraction=%.17g val_batch=%" PetscInt_FMT " lr_rho=%.17g warmup=%" PetscInt_FMT " rho_max_step=%.17g",
                            (double) g->val_fraction, g->val_batch, (double) g->lr_rho, g->val_warmup, (double) g->rho_max_step));
    PetscCall(PetscStrlcat(sig, s, len));
  }
  /* each appended only when it applies, so that the runs without it keep their signature */
  if (g->holdout) {                                                        /* the training rows change */
    if (g->online_s) PetscCall(PetscSNPrintf(s, sizeof(s), " holdout=1")); /* val_fraction is there already */
    else PetscCall(PetscSNPrintf(s, sizeof(s), " holdout=1 val_fraction=%.17g", (double) g->val_fraction));
    PetscCall(PetscStrlcat(sig, s, len));
  }
  if (g->local_steps > 0) {
    PetscCall(PetscSNPrintf(s, sizeof(s), " local_steps=%" PetscInt_FMT " average=%s", g->local_steps, SGDFAverages[g->average]));
    PetscCall(PetscStrlcat(sig, s, len));
    if (g->overlap) PetscCall(PetscStrlcat(sig, " overlap=1", len));
    if (g->local_schedule != SGDF_LOCAL_SCHEDULE_CONSTANT) {
      PetscCall(PetscSNPrintf(s, sizeof(s), " local_schedule=%s", SGDFLocalSchedules[g->local_schedule]));
      PetscCall(PetscStrlcat(sig, s, len));
    }
  }
  if (!g->online_s) {
    PetscCall(PetscSNPrintf(s, sizeof(s), " s_value=%.17g", (double) g->s));
    PetscCall(PetscStrlcat(sig, s, len));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One parameter-sized array of the state: a distributed Vec (partitioned: readable on any rank count) or a
   replicated array */
static PetscErrorCode StateArray(SGDF g, CurioCheckpoint ck, const char name[], PetscReal *strided, PetscInt stride)
{
  PetscReal *a;

  PetscFunctionBegin;
  /* packed before (writing) and unpacked after (reading; writing puts back the same values) */
  PetscCall(ParamPack(strided, stride, g->flo, g->fhi, PETSC_TRUE, &a));
  if (g->hybrid) { /* every node's copy, node after node, each rank its part (d x nodes; SGDFCheckpointState checks the grouping) */
    Vec v;
    PetscCall(VecCreateMPIWithArray(g->comm, 1, g->fhi - g->flo, (PetscInt) g->d * g->nnodes, a, &v));
    PetscCall(CurioCheckpointVec(ck, name, v));
    PetscCall(VecDestroy(&v));
  } else if (g->layout == SGDF_LAYOUT_PARTITIONED || (g->local_steps > 0 && g->size > 1)) {
    Vec v; /* local SGDF: every rank's own copy, rank after rank (d x ranks) */
    PetscCall(VecCreateMPIWithArray(g->comm, 1, g->dl, g->layout == SGDF_LAYOUT_PARTITIONED ? g->d : g->d * g->size, a, &v));
    PetscCall(CurioCheckpointVec(ck, name, v));
    PetscCall(VecDestroy(&v));
  } else PetscCall(CurioCheckpointRealArray(ck, name, g->d, a));
  PetscCall(ParamUnpack(strided, stride, g->flo, g->fhi, PETSC_TRUE, &a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Local SGDF's averaging so far: its seconds (the slowest rank's, as /timing average reports them) and the averagings
   done, of them sparse, so that /timing average and /sgdf averages continue across restarts as /timing train does.
   Added after the clock: a checkpoint without them restarts with both at 0 */
static PetscErrorCode SGDFCheckpointAveraging(SGDF g, CurioCheckpoint ck, PetscBool reading)
{
  PetscReal  t    = 0;
  PetscInt64 n[2] = {0, 0};
  PetscBool  has  = PETSC_TRUE;

  PetscFunctionBegin;
  if (reading) PetscCall(CurioCheckpointHasItem(ck, "elapsed_average", &has));
  if (!has) PetscFunctionReturn(PETSC_SUCCESS);
  if (!reading) {
    PetscCall(MPIU_Allreduce(&g->t_average, &t, 1, MPIU_REAL, MPIU_MAX, g->comm));
    t += g->t_prev_average;
    n[0] = g->prev_averages + g->naverages;
    n[1] = g->prev_sparse + g->nsparse;
  }
  PetscCall(CurioCheckpointReal(ck, "elapsed_average", &t));
  PetscCall(CurioCheckpointInt(ck, "averages", &n[0]));
  PetscCall(CurioCheckpointInt(ck, "sparse_averages", &n[1]));
  if (reading) g->t_prev_average = t, g->prev_averages = n[0], g->prev_sparse = n[1];
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Early stopping and the clock of the runs so far (items added after the first checkpoint format: a checkpoint
   without them restarts with the clock at 0 and no early-stopping history) */
static PetscErrorCode SGDFCheckpointProgress(SGDF g, CurioCheckpoint ck, PetscBool reading)
{
  PetscInt64 cnt  = g->es_count;
  PetscReal  t[3] = {0, 0, 0};
  PetscBool  has  = PETSC_TRUE;

  PetscFunctionBegin;
  if (reading) PetscCall(CurioCheckpointHasItem(ck, "elapsed_train", &has));
  if (!has) PetscFunctionReturn(PETSC_SUCCESS);
  if (!reading) { /* this run's steps: the slowest rank's time, as /timing step reports it */
    PetscReal mx;
    PetscCall(MPIU_Allreduce(&g->t_steps_run, &mx, 1, MPIU_REAL, MPIU_MAX, g->comm));
    t[0] = g->t_prev_train + (MPI_Wtime() - g->t_start);
    t[1] = g->t_prev_steps + mx;
    t[2] = g->t_prev_ckpt + g->t_ckpt_run;
  }
  PetscCall(CurioCheckpointReal(ck, "elapsed_train", &t[0]));
  PetscCall(CurioCheckpointReal(ck, "elapsed_steps", &t[1]));
  PetscCall(CurioCheckpointReal(ck, "elapsed_checkpoint", &t[2]));
  PetscCall(CurioCheckpointReal(ck, "early_stop_best", &g->es_best));
  PetscCall(CurioCheckpointInt(ck, "early_stop_count", &cnt));
  if (reading) {
    g->t_prev_train = t[0], g->t_prev_steps = t[1], g->t_prev_ckpt = t[2];
    g->es_count = cnt;
  }
  PetscCall(SGDFCheckpointAveraging(g, ck, reading));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Overlapped averaging: the averaging in flight (its snapshot and, completed first, its sum) and whether a correction
   is owed; completing the sum early changes nothing, since the correction is applied at the next averaging anyway */
static PetscErrorCode SGDFCheckpointOverlap(SGDF g, CurioCheckpoint ck, PetscBool reading)
{
  PetscInt64  pend = g->opend, ostep = g->ostep;
  PetscInt    m        = g->ow * (g->fhi - g->flo);
  PetscReal  *a[2]     = {g->osnap, g->osum};
  const char *names[2] = {"overlap_snapshot", "overlap_sum"};

  PetscFunctionBegin;
  if (!reading) PetscCall(SGDFOverlapComplete(g));
  PetscCall(CurioCheckpointInt(ck, "overlap_pending", &pend));
  PetscCall(CurioCheckpointInt(ck, "overlap_step", &ostep));
  for (PetscInt k = 0; k < 2; k++) { /* every rank's part, rank after rank (the grouping is checked with the copies) */
    Vec v;
    PetscCall(VecCreateMPIWithArray(g->comm, 1, m, PETSC_DETERMINE, a[k], &v));
    PetscCall(CurioCheckpointVec(ck, names[k], v));
    PetscCall(VecDestroy(&v));
  }
  g->opend = (PetscBool) (pend != 0);
  g->ostep = ostep;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Hybrid layout: which node (index among the nodes) and node rank every rank had. A rank writes only its part of its
   node's copy, so a restart must group the ranks the same way: another grouping (other nodes per job, a rank placement
   that differs) is refused */
static PetscErrorCode SGDFCheckpointGrouping(SGDF g, CurioCheckpoint ck)
{
  PetscInt64 mine[2] = {g->xrank, g->nrank}, *all, *saved;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(2 * g->size, &all, 2 * g->size, &saved));
  PetscCallMPI(MPI_Allgather(mine, 2, MPI_INT64_T, all, 2, MPI_INT64_T, g->comm));
  PetscCall(PetscArraycpy(saved, all, 2 * g->size));
  PetscCall(CurioCheckpointIntArray(ck, "hybrid_node_of_rank", 2 * g->size, saved));
  for (PetscMPIInt p = 0; p < g->size; p++)
    PetscCheck(saved[2 * p] == all[2 * p] && saved[2 * p + 1] == all[2 * p + 1], g->comm, PETSC_ERR_USER_INPUT,
               "The checkpoint's ranks were grouped into nodes otherwise: rank %d was rank %" PetscInt64_FMT " of node %" PetscInt64_FMT
               ", now rank %" PetscInt64_FMT " of node %" PetscInt64_FMT
               "; the hybrid layout restarts with the same ranks per node and placement (-curio_sgdf_node_ranks, the job's nodes)",
               p, saved[2 * p + 1], saved[2 * p], all[2 * p + 1], all[2 * p]);
  PetscCall(PetscFree2(all, saved));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  SGDFCheckpointState - the whole state of a run, in both directions: with a checkpoint open for writing it stores
  the state, with one open for reading (CurioCheckpointOpenRead) it fills the state. The lazy ridge state is stored
  raw (the scaled entries v, q and the scalars P, S of theta = P v, theta_dot = P (q - S v)), so that writing a checkpoint changes nothing and a
  restarted run continues bitwise as the uninterrupted one would at the same rank count. The generator state is the
  step counter (counter-based generator) and the position of the validation walk.
@*/
static PetscErrorCode SGDFCheckpointState(SGDF g, CurioCheckpoint ck, PetscBool reading)
{
  PetscInt64 step = g->step, val_pos = g->val_pos, nhist = g->nhist, *cnts;
  PetscReal *sums;
  PetscInt   nparts = g->size;

  PetscFunctionBegin;
  PetscCall(CurioCheckpointInt(ck, "step", &step));
  PetscCall(CurioCheckpointInt(ck, "val_pos", &val_pos));
  PetscCall(CurioCheckpointReal(ck, "s", &g->s));
  PetscCall(CurioCheckpointReal(ck, "rho", &g->rho));
  PetscCall(CurioCheckpointReal(ck, "lazy_scale_P", &g->P));
  PetscCall(CurioCheckpointReal(ck, "lazy_shift_S", &g->S));
  PetscCall(CurioCheckpointReal(ck, "loss0", &g->loss0));
  PetscCall(SGDFCheckpointProgress(g, ck, reading));
  if (g->local_steps > 0) { /* between averagings every rank has its own state, and the iterates depend on the rank count */
    PetscInt64 ranks = g->size;
    PetscCall(CurioCheckpointInt(ck, "local_ranks", &ranks));
    PetscCheck(ranks == g->size, g->comm, PETSC_ERR_USER_INPUT,
               "The checkpoint was written by %" PetscInt64_FMT " ranks with -curio_sgdf_local_steps %" PetscInt_FMT
               "; local SGDF's iterates depend on the rank count (each rank steps on its own rows between averagings): restart it on %" PetscInt64_FMT
               " ranks",
               ranks, g->local_steps, ranks);
    if (g->hybrid) PetscCall(SGDFCheckpointGrouping(g, ck)); /* writing: stores the grouping; reading: compares it */
  }
  g->step    = step;
  g->val_pos = val_pos;
  /* partitioned: the scaled (raw) entries v and q, with P and S above */
  PetscCall(StateArray(g, ck, "theta", g->theta, g->ps));
  if (g->tangent) {
    PetscCall(StateArray(g, ck, "theta_dot", g->td, g->ps));
    PetscCall(StateArray(g, ck, "theta_dot_epoch_start", g->td_prev, 1));
  }
  if (g->optimizer == SGDF_OPTIMIZER_ADAM) {
    PetscCall(StateArray(g, ck, "adam_m", g->m1, 1));
    PetscCall(StateArray(g, ck, "adam_v", g->v2, 1));
    if (g->tangent) PetscCall(StateArray(g, ck, "adam_m_dot", g->m1d, 1));
  }
  if (g->overlap) PetscCall(SGDFCheckpointOverlap(g, ck, reading));
  /* this epoch's running loss, per rank (another rank count: rank 0 takes the total) */
  if (reading) PetscCall(CurioCheckpointArrayLength(ck, "loss_partial_sum", &nparts));
  PetscCall(PetscMalloc2(nparts, &sums, nparts, &cnts));
  if (!reading) {
    PetscInt64 c = g->loss_cnt;
    PetscCallMPI(MPI_Allgather(&g->loss_sum, 1, MPIU_REAL, sums, 1, MPIU_REAL, g->comm));
    PetscCallMPI(MPI_Allgather(&c, 1, MPI_INT64_T, cnts, 1, MPI_INT64_T, g->comm));
  }
  PetscCall(CurioCheckpointRealArray(ck, "loss_partial_sum", nparts, sums));
  PetscCall(CurioCheckpointIntArray(ck, "loss_partial_count", nparts, cnts));
  if (reading) {
    if (nparts == g->size) g->loss_sum = sums[g->rank], g->loss_cnt = cnts[g->rank];
    else {
      g->loss_sum = 0, g->loss_cnt = 0;
      if (g->rank == 0)
        for (PetscInt p = 0; p < nparts; p++) g->loss_sum += sums[p], g->loss_cnt += cnts[p];
    }
  }
  PetscCall(PetscFree2(sums, cnts));
  /* the history of the completed epochs */
  PetscCall(CurioCheckpointInt(ck, "history_length", &nhist));
  PetscCheck(nhist <= g->maxhist, g->comm, PETSC_ERR_USER_INPUT,
             "The checkpoint has completed %" PetscInt64_FMT " epochs; ask for at least as many with -curio_sgdf_epochs", nhist);
  g->nhist = (PetscInt) nhist;
  for (PetscInt k = 0; k < SGDF_HISTORY_N && nhist > 0; k++) {
    char name[64];
    if (k == SGDF_HISTORY_HOLDOUT_LOSS && !g->holdout) continue;
    PetscCall(PetscSNPrintf(name, sizeof(name), "history_%s", SGDFHistoryNames[k]));
    PetscCall(CurioCheckpointRealArray(ck, name, g->nhist, g->hist[k]));
  }
  if (reading) PetscCall(SGDFSharedSync(g)); /* the node's copy, read part by part */
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Sums over the parameter layout and the rows: [theta^2, td^2, (td - td_prev)^2, (td - ref)^2, ref^2, loss, count,
   non-finite entries] (replicated arrays counted once: by rank 0, or in the hybrid layout by the ranks of the first
   node, each its part) */
static PetscErrorCode SGDFReduce(SGDF g, PetscReal out[8])
{
  PetscReal loc[8] = {0, 0, 0, 0, 0, g->loss_sum, (PetscReal) g->loss_cnt, 0};

  PetscFunctionBegin;
  if (g->layout == SGDF_LAYOUT_PARTITIONED || (g->hybrid ? g->xrank == 0 : g->rank == 0)) {
    for (PetscInt j = g->flo; j < g->fhi; j++) {
      PetscReal t, td;
      SGDFEntry(g, j, &t, &td); /* mid-epoch (progress lines): from the scaled form */
      loc[0] += t * t;
      loc[1] += td * td;
      loc[2] += (td - g->td_prev[j]) * (td - g->td_prev[j]);
      if (g->ref) {
        loc[3] += (td - g->ref[j]) * (td - g->ref[j]);
        loc[4] += g->ref[j] * g->ref[j];
      }
      if (PetscIsInfOrNanReal(t) || PetscIsInfOrNanReal(td)) loc[7] += 1;
    }
  }
  if (PetscIsInfOrNanReal(g->loss_sum)) loc[7] += 1;
  PetscCall(MPIU_Allreduce(loc, out, 8, MPIU_REAL, MPIU_SUM, g->comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SGDFDiverged(SGDF g, SGDFOptions *o, const char what[])
{
  char kept[PETSC_MAX_PATH_LEN + 64];

  PetscFunctionBegin;
  if (o->last_ckpt[0]) PetscCall(PetscSNPrintf(kept, sizeof(kept), "the last good checkpoint '%s' is kept", o->last_ckpt));
  else PetscCall(PetscSNPrintf(kept, sizeof(kept), "no checkpoint was written"));
  SETERRQ(g->comm, PETSC_ERR_NOT_CONVERGED,
          "SGDF diverged in epoch %" PetscInt64_FMT " (step %" PetscInt64_FMT
          "): %s with step size -curio_sgdf_lr %g (eta at this step %g); use a smaller step "
          "size or -curio_sgdf_schedule decay; %s",
          g->step > 0 ? (g->step - 1) / g->nsteps_epoch + 1 : 1, g->step, what, (double) g->lr,
          (double) SGDFStepSize(g, g->step > 0 ? g->step - 1 : 0), kept);
}

/* Divergence, from the sums of SGDFReduce(): theta, theta_dot or the loss not finite, or this epoch's mean loss loss
   (so far) 10^6 times that of the run's first batch (and at least 10^6) */
static PetscErrorCode SGDFCheckDiverged(SGDF g, SGDFOptions *o, const PetscReal r[8], PetscReal loss)
{
  char what[256];

  PetscFunctionBegin;
  if (r[7] > 0 || PetscIsInfOrNanReal(loss)) {
    PetscCall(PetscSNPrintf(what, sizeof(what), "%s",
                            r[7] > 0 && !PetscIsInfOrNanReal(loss) ? "theta or theta_dot is not finite" : "the loss is not finite"));
    PetscCall(SGDFDiverged(g, o, what));
  }
  if (loss > 1e6 * PetscMax(g->loss0, 1.0)) {
    PetscCall(PetscSNPrintf(what, sizeof(what), "the mean loss of this epoch grew from %g (first batch) to %g", (double) g->loss0, (double) loss));
    PetscCall(SGDFDiverged(g, o, what));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Early stopping as scikit-learn's SGD does it: an epoch whose score (holdout loss, else the epoch's training loss) is
   not below the best so far by -curio_sgdf_tol counts; -curio_sgdf_n_iter_no_change such epochs in a row stop the run */
static PetscErrorCode SGDFEarlyStop(SGDF g, SGDFOptions *o, PetscReal score, PetscInt epoch)
{
  PetscFunctionBegin;
  if (!o->tol_set) PetscFunctionReturn(PETSC_SUCCESS);
  if (score > g->es_best - g->tol) g->es_count++;
  else g->es_count = 0;
  if (score < g->es_best) g->es_best = score;
  if (g->es_count >= g->n_iter_no_change) {
    g->stopped = PETSC_TRUE;
    PetscCall(PetscPrintf(g->comm,
                          "curio sgdf: early stop after epoch %" PetscInt_FMT
                          ": the %s loss did not fall below its best (%.10e) by -curio_sgdf_tol %g in %" PetscInt_FMT " epochs in a row\n",
                          epoch, g->holdout ? "holdout" : "training", (double) g->es_best, (double) g->tol, g->n_iter_no_change));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The end of an epoch: lazy steps flushed, monitor line, history, divergence check, holdout loss, early stopping */
static PetscErrorCode SGDFEpochEnd(SGDF g, SGDFOptions *o)
{
  PetscReal r[8], loss, tn, tdn, change, refd, hold = (PetscReal) NAN;
  PetscInt  e = g->nhist;

  PetscFunctionBegin;
  PetscCall(SGDFFlush(g));
  PetscCall(SGDFReduce(g, r));
  loss   = r[6] > 0 ? r[5] / r[6] : 0;
  tn     = PetscSqrtReal(r[0]);
  tdn    = PetscSqrtReal(r[1]);
  change = tdn > 0 ? PetscSqrtReal(r[2]) / tdn : PetscSqrtReal(r[2]);
  refd   = g->ref ? PetscSqrtReal(r[3]) / PetscSqrtReal(r[4]) : (PetscReal) NAN;
  PetscCall(SGDFCheckDiverged(g, o, r, loss));
  if (g->holdout) PetscCall(SGDFHoldoutLoss(g, &hold));
  if (e < g->maxhist) {
    g->hist[SGDF_HISTORY_HOLDOUT_LOSS][e]       = hold;
    g->hist[SGDF_HISTORY_LOSS][e]               = loss;
    g->hist[SGDF_HISTORY_THETA_NORM][e]         = tn;
    g->hist[SGDF_HISTORY_TANGENT_CHANGE][e]     = change;
    g->hist[SGDF_HISTORY_REFERENCE_DISTANCE][e] = refd;
    g->hist[SGDF_HISTORY_S][e]                  = g->s;
    g->hist[SGDF_HISTORY_TIME][e]               = g->t_prev_train + (MPI_Wtime() - g->t_start); /* continuous across restarts */
    g->hist[SGDF_HISTORY_STEP][e]               = (PetscReal) g->step;
    g->nhist++;
  }
  if (o->monitor) {
    char extra[64] = "";
    if (g->holdout) PetscCall(PetscSNPrintf(extra, sizeof(extra), " holdout %.10e", (double) hold));
    PetscCall(PetscPrintf(
        g->comm, "  epoch %3" PetscInt_FMT " step %9" PetscInt64_FMT " loss %.10e%s |theta| %.6e tangent change %.3e ref distance %.3e s %.6e\n",
        e + 1, g->step, (double) loss, extra, (double) tn, (double) change, (double) refd, (double) g->s));
  }
  PetscCall(SGDFEarlyStop(g, o, g->holdout ? hold : loss, e + 1));
  for (PetscInt j = 0; j < g->dl; j++) g->td_prev[j] = g->td[g->ps * j];
  g->loss_sum = 0;
  g->loss_cnt = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SGDFCheckpointWrite(SGDF g, SGDFOptions *o, CurioCheckpoint writer)
{
  PetscReal      r[8];
  char           sig[2 * PETSC_MAX_PATH_LEN];
  PetscErrorCode ierr;

  PetscFunctionBegin;
  /* never write a diverged state: the last good checkpoint stays the newest */
  PetscCall(SGDFReduce(g, r));
  PetscCall(SGDFCheckDiverged(g, o, r, r[6] > 0 ? r[5] / r[6] : 0));
  PetscCall(PetscLogStagePush(SGDF_STAGE_Checkpoint));
  PetscCall(SGDFSignature(g, sig, sizeof(sig)));
  PetscCall(CurioCheckpointBeginWrite(writer, "sgdf", sig, g->step));
  ierr = SGDFCheckpointState(g, writer, PETSC_FALSE);
  if (ierr) PetscCall(CurioCheckpointAbortWrite(writer)); /* a failed write leaves no file; the last good checkpoint stays */
  PetscCall(ierr);
  PetscCall(CurioCheckpointEndWrite(writer, o->last_ckpt, sizeof(o->last_ckpt)));
  PetscCall(PetscLogStagePop());
  if (o->monitor) PetscCall(PetscPrintf(g->comm, "  checkpoint %s at step %" PetscInt64_FMT "\n", o->last_ckpt, g->step));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The restored state against the problem: every field in its range (a step beyond the run or negative, a history
   that does not match the step, a non-finite s, lazy scale or iterate is refused, naming the checkpoint) */
static PetscErrorCode SGDFCheckRestored(SGDF g, CurioCheckpoint ck, const char path[])
{
  const PetscInt64 total = (PetscInt64) g->epochs * g->nsteps_epoch;
  PetscInt64       root;
  PetscReal        r[8];

  PetscFunctionBegin;
  PetscCall(CurioCheckpointGetStep(ck, &root));
  PetscCheck(g->step >= 0 && g->step == root, g->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Checkpoint '%s': '/state/step' is %" PetscInt64_FMT " but the file is of step %" PetscInt64_FMT " (corrupt or altered file)", path,
             g->step, root);
  PetscCheck(g->step <= total, g->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Checkpoint '%s' is at step %" PetscInt64_FMT ", beyond this run's last step %" PetscInt64_FMT " (%" PetscInt_FMT
             " epochs of %" PetscInt_FMT " steps); ask for more epochs with -curio_sgdf_epochs",
             path, g->step, total, g->epochs, g->nsteps_epoch);
  PetscCheck(g->nhist == g->step / g->nsteps_epoch, g->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Checkpoint '%s': 'history_length' is %" PetscInt_FMT " but step %" PetscInt64_FMT " completes %" PetscInt64_FMT
             " epochs (corrupt or altered file)",
             path, g->nhist, g->step, g->step / g->nsteps_epoch);
  PetscCheck(g->val_pos >= 0, g->comm, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint '%s': 'val_pos' is %" PetscInt64_FMT ", expected >= 0", path,
             g->val_pos);
  PetscCheck(PetscIsNormalReal(g->s) && g->s > 0 && !PetscIsInfOrNanReal(g->rho), g->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Checkpoint '%s': s = %g (rho = %g), expected a normal positive number", path, (double) g->s, (double) g->rho);
  PetscCheck(PetscIsNormalReal(g->P) && !PetscIsInfOrNanReal(g->S) && !PetscIsInfOrNanReal(g->loss0), g->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Checkpoint '%s': 'lazy_scale_P' = %g, 'lazy_shift_S' = %g, 'loss0' = %g, expected finite numbers (P nonzero)", path, (double) g->P,
             (double) g->S, (double) g->loss0);
  PetscCall(SGDFReduce(g, r));
  PetscCheck(r[7] == 0 && r[6] >= 0, g->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Checkpoint '%s': theta, theta_dot or the running loss is not finite (a checkpoint is only written from a finite state)", path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SGDFRestart(SGDF g, SGDFOptions *o)
{
  CurioCheckpoint ck;
  char            sig[2 * PETSC_MAX_PATH_LEN], path[PETSC_MAX_PATH_LEN];
  PetscBool       isauto, found = PETSC_TRUE;

  PetscFunctionBegin;
  PetscCall(PetscStrcmp(o->restart, "auto", &isauto));
  PetscCall(CurioCheckpointRemoveStale(g->comm, o->ckpt ? o->ckpt_prefix : NULL, o->output));
  PetscCall(SGDFSignature(g, sig, sizeof(sig)));
  if (isauto) { /* the newest checkpoint that opens and verifies; newer ones that do not are named and skipped */
    PetscCheck(o->ckpt, g->comm, PETSC_ERR_USER_INPUT, "-curio_restart auto needs -curio_checkpoint_prefix P");
    PetscCall(CurioCheckpointOpenLatest(g->comm, o->ckpt_prefix, "sgdf", sig, &ck, &found));
    if (!found) {
      PetscCall(PetscPrintf(g->comm, "curio sgdf: no checkpoint with prefix '%s' yet; starting from the beginning\n", o->ckpt_prefix));
      PetscFunctionReturn(PETSC_SUCCESS);
    }
  } else PetscCall(CurioCheckpointOpenRead(g->comm, o->restart, "sgdf", sig, &ck));
  {
    const char *p;
    PetscCall(CurioCheckpointGetPath(ck, &p));
    PetscCall(PetscStrncpy(path, p, sizeof(path)));
  }
  PetscCall(SGDFCheckpointState(g, ck, PETSC_TRUE));
  PetscCall(SGDFCheckRestored(g, ck, path));
  PetscCall(CurioCheckpointDestroy(&ck));
  if (g->local_steps > 0) PetscCall(SGDFLocalRestore(g));
  PetscCall(PetscPrintf(g->comm, "curio sgdf: resumed from '%s' at step %" PetscInt64_FMT " (epoch %" PetscInt64_FMT ")\n", path, g->step,
                        g->step / g->nsteps_epoch + 1));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* How local SGDF averages, for the monitor's header: through shared memory within a node (and an allreduce across
   nodes), or by an allreduce of every entry or of the touched ones */
static const char *Averaging(SGDF g, char buf[], size_t len)
{
  if (g->overlap && g->ocopies > 1 && g->hybrid)
    (void) PetscSNPrintf(buf, len,
                         "hybrid layout: one copy per node in shared memory, %d nodes of %d ranks; overlapped: each rank's part of the nodes' "
                         "snapshots summed by MPI_Iallreduce during the next period's steps",
                         g->nnodes, g->nsize);
  else if (g->overlap && g->ocopies > 1)
    (void) PetscSNPrintf(buf, len, "overlapped: the %d ranks' snapshots summed by MPI_Iallreduce during the next period's steps", g->size);
  else if (g->hybrid)
    (void) PetscSNPrintf(buf, len, "hybrid layout: one copy per node in shared memory, %d node%s of %d ranks%s", g->nnodes, g->nnodes > 1 ? "s" : "",
                         g->nsize, g->nnodes > 1 ? ", each rank's part allreduced across nodes" : ", nothing to average");
  else if (g->win != MPI_WIN_NULL)
    (void) PetscSNPrintf(buf, len, "shared memory within each of %d node%s (%d ranks each)%s%s", g->nnodes, g->nnodes > 1 ? "s" : "", g->nsize,
                         g->nnodes > 1 ? ", an allreduce of each rank's slice across nodes" : "",
                         g->average == SGDF_AVERAGE_SPARSE ? "; sparse allreduce as asked" : "");
  else (void) PetscSNPrintf(buf, len, "%s allreduce", SGDFAverages[g->average]);
  return buf;
}

static PetscErrorCode SGDFView(SGDF g, SGDFOptions *o)
{
  char avg[320];

  PetscFunctionBegin;
  PetscCall(PetscPrintf(g->comm, "curio sgdf: %s, n = %" PetscInt_FMT ", d = %" PetscInt_FMT ", %d ranks, %s layout%s\n", g->source, g->n, g->d,
                        g->size, SGDFLayouts[g->layout], g->lazy ? " (lazy ridge)" : ""));
  PetscCall(PetscPrintf(g->comm,
                        "  loss %s, regularizer %s, s = %g%s; %s, batch %" PetscInt_FMT ", %" PetscInt_FMT " steps per epoch, %" PetscInt_FMT
                        " epochs, lr %g (%s), regularizer every %" PetscInt_FMT " steps%s%s\n",
                        CurioLossTypes[g->loss], CurioRegularizerTypes[g->regularizer], (double) g->s, g->online_s ? " (start, tuned online)" : "",
                        SGDFOptimizers[g->optimizer], g->batch, g->nsteps_epoch, g->epochs, (double) g->lr, SGDFSchedules[g->schedule], g->reg_every,
                        g->tangent ? "" : ", no tangent (plain SGD)", g->lissa ? ", LiSSA (theta frozen)" : ""));
  if (g->local_steps > 0)
    PetscCall(PetscPrintf(g->comm,
                          "  local SGDF: every %s steps on its rows of each batch (about %" PetscInt_FMT
                          " per rank; for b rows per rank take batch %d b with the step per row kept, docs/sgdf.md section 4),"
                          " parameters averaged every %" PetscInt_FMT " steps%s and at every epoch end (%s)\n",
                          g->hybrid ? "node" : "rank", (g->batch + g->size - 1) / g->size, g->size, g->local_steps,
                          g->local_schedule == SGDF_LOCAL_SCHEDULE_LR ? " times eta0/eta_t" : "", Averaging(g, avg, sizeof(avg))));
  if (g->local_steps > 0 && g->layout_auto && g->size > 1)
    PetscCall(PetscPrintf(g->comm,
                          "  -curio_sgdf_layout auto chose %s: averaging a copy per rank costs about %.3g s per epoch, a copy per node (hybrid) "
                          "about %.3g s more per epoch in its steps (measured rates, docs/sgdf.md section 6)%s\n",
                          g->hybrid ? "hybrid" : "replicated", (double) g->est_average, (double) g->est_hybrid,
                          !g->hybrid && g->est_average > g->est_hybrid
                              ? "; hybrid was not possible here (Adam, sparse averaging, no shared memory, or one rank per node)"
                              : ""));
  if (g->local_steps == 0 && g->size > 1)
    PetscCall(PetscPrintf(
        g->comm, "  bulk-synchronous (default -curio_sgdf_local_steps 0): one exchange per step, the same iterates on any rank count;\n"
                 "  local SGDF (-curio_sgdf_local_steps H) averages every H steps instead: 3-5x faster per epoch on 2 ranks at H = 128-1024\n"));
  if (g->online_s)
    PetscCall(PetscPrintf(
        g->comm, "  online s: %" PetscInt_FMT " validation rows, %" PetscInt_FMT " training rows, lr_rho %g, validation batch %" PetscInt_FMT "\n",
        g->nval, g->ntrain, (double) g->lr_rho, g->val_batch));
  if (o->ckpt) { /* when they are written: every N steps, every T seconds, and always on SIGUSR1 and SIGTERM */
    char when[128] = "";
    if (o->ckpt_every > 0) PetscCall(PetscSNPrintf(when, sizeof(when), "every %" PetscInt_FMT " steps, ", o->ckpt_every));
    if (o->ckpt_seconds > 0) {
      size_t l;
      PetscCall(PetscStrlen(when, &l));
      PetscCall(PetscSNPrintf(when + l, sizeof(when) - l, "every %g s, ", (double) o->ckpt_seconds));
    }
    PetscCall(PetscPrintf(g->comm, "  checkpoints %s-*.h5 %son SIGUSR1 and SIGTERM%s, keep %" PetscInt_FMT "\n", o->ckpt_prefix, when,
                          when[0] ? "" : " only", o->ckpt_keep));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A parameter array of the layout as a dataset of length d along /model/feature */
static PetscErrorCode WriteParam(SGDF g, CurioOutput out, const char name[], PetscReal *strided, PetscInt stride)
{
  PetscReal *a;

  PetscFunctionBegin;
  PetscCall(ParamPack(strided, stride, 0, g->dl, PETSC_TRUE, &a));
  if (g->layout == SGDF_LAYOUT_PARTITIONED) {
    Vec v;
    PetscCall(VecCreateMPIWithArray(g->comm, 1, g->dl, g->d, a, &v));
    PetscCall(CurioOutputWriteVec(out, name, v, "/model/feature"));
    PetscCall(VecDestroy(&v));
  } else PetscCall(CurioOutputWriteArray(out, name, g->d, a, "/model/feature"));
  PetscCall(ParamUnpack(strided, stride, 0, g->dl, PETSC_FALSE, &a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* /model: the parameters (and theta_true of a synthetic problem), s and how the model was made */
static PetscErrorCode SGDFWriteModel(SGDF g, SGDFOptions *o, CurioModel model, CurioOutput out)
{
  PetscFunctionBegin;
  PetscCall(CurioOutputWriteIndex(out, "/model/feature", g->d, g->layout == SGDF_LAYOUT_PARTITIONED ? g->cstart : 0,
                                  g->layout == SGDF_LAYOUT_PARTITIONED ? g->dl : (g->rank ? 0 : g->d)));
  PetscCall(WriteParam(g, out, "/model/theta", g->theta, g->ps));
  if (g->tangent) PetscCall(WriteParam(g, out, "/model/theta_dot", g->td, g->ps));
  if (o->synthetic_set) {
    PetscReal *tt;
    PetscCall(PetscMalloc1(PetscMax(g->dl, 1), &tt));
    for (PetscInt j = 0; j < g->dl; j++) {
      PetscInt64 c = g->cstart + j - (g->intercept ? 1 : 0);
      tt[j]        = c < 0 ? 0.0 : CurioSyntheticThetaTrue(o->synthetic_seed, c);
    }
    PetscCall(WriteParam(g, out, "/model/theta_true", tt, 1));
    PetscCall(PetscFree(tt));
  }
  PetscCall(CurioOutputWriteScalar(out, "/model/s", g->s));
  PetscCall(CurioOutputSetAttributeString(out, "/model/s", "source", g->online_s ? "online" : "option"));
  PetscCall(CurioModelWriteAttributes(model, out, "/model"));
  PetscCall(CurioOutputSetAttributeString(out, "/model", "solver", g->lissa ? "lissa" : "sgdf"));
  PetscCall(CurioOutputSetAttributeInt(out, "/model", "sparse", g->sparse_input));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* /sgdf/history: one entry per epoch (the step counter as the integer it is; the holdout loss only with a holdout);
   /sgdf/indices: the rows of the first steps' batches, if recorded */
static PetscErrorCode SGDFWriteHistory(SGDF g, CurioOutput out)
{
  char      name[64];
  PetscInt *step;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < SGDF_HISTORY_N; k++) {
    PetscCall(PetscSNPrintf(name, sizeof(name), "/sgdf/history/%s", SGDFHistoryNames[k]));
    if (k == SGDF_HISTORY_STEP) {
      PetscCall(PetscMalloc1(PetscMax(g->nhist, 1), &step));
      for (PetscInt e = 0; e < g->nhist; e++) step[e] = (PetscInt) g->hist[k][e];
      PetscCall(CurioOutputWriteIntArray(out, name, g->nhist, 0, step));
      PetscCall(PetscFree(step));
    } else if (k != SGDF_HISTORY_HOLDOUT_LOSS || g->holdout) PetscCall(CurioOutputWriteArray(out, name, g->nhist, g->hist[k], "epoch"));
  }
  if (g->indices) {
    PetscInt nst = (PetscInt) PetscMin((PetscInt64) g->nindices_steps, g->step);
    PetscCall(CurioOutputWriteIntArray(out, "/sgdf/indices", nst, g->batch, g->indices));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The attributes of /sgdf: the method's settings, the run's length and the files it used */
static PetscErrorCode SGDFWriteSettings(SGDF g, SGDFOptions *o, CurioOutput out)
{
  const struct {
    const char *name, *value;
  } strs[] = {
      {"layout", SGDFLayouts[g->layout]},
      {"optimizer", SGDFOptimizers[g->optimizer]},
      {"schedule", SGDFSchedules[g->schedule]},
      {"average", SGDFAverages[g->average]},
      {"local_schedule", SGDFLocalSchedules[g->local_schedule]},
      {"tangent_init", o->tangent_init},
      {"theta", o->theta_file},
      {"reference", o->ref_file},
      {"restart", o->restart},
      {"checkpoint_prefix", o->ckpt_prefix},
  };
  const struct {
    const char *name;
    PetscReal   value;
  } reals[] = {
      {"lr", g->lr},
      {"decay_t0", g->t0},
      {"decay_power", g->power},
      {"adam_beta1", g->beta1},
      {"adam_beta2", g->beta2},
      {"adam_eps", g->eps},
      {"val_fraction", g->val_fraction},
      {"lr_rho", g->lr_rho},
      {"rho_max_step", g->rho_max_step},
      {"tol", o->tol_set ? g->tol : (PetscReal) NAN},
  };
  const struct {
    const char *name;
    PetscInt    value;
  } ints[] = {
      {"epochs", g->epochs},
      {"batch", g->batch},
      {"seed", (PetscInt) g->seed},
      {"reg_every", g->reg_every},
      {"tangent", g->tangent},
      {"lissa", g->lissa},
      {"online_s", g->online_s},
      {"val_batch", g->val_batch},
      {"online_s_warmup", g->val_warmup},
      {"steps", (PetscInt) g->step},
      {"local_steps", g->local_steps},
      {"holdout", g->holdout},
      {"early_stopped", g->stopped},
      {"n_iter_no_change", g->n_iter_no_change},
      {"averages", (PetscInt) (g->prev_averages + g->naverages)}, /* all runs, as /timing */
      {"sparse_averages", (PetscInt) (g->prev_sparse + g->nsparse)},
      {"average_overlap", g->overlap},
      {"shared_memory_nodes", g->win != MPI_WIN_NULL ? (PetscInt) g->nnodes : 0}, /* 0: no shared-memory window */
      {"shared_memory_ranks", g->win != MPI_WIN_NULL ? (PetscInt) g->nsize : 0},
      {"steps_per_epoch", g->nsteps_epoch},
      {"n_train", g->ntrain},
      {"n_validation", g->nval},
  };

  PetscFunctionBegin;
  for (size_t k = 0; k < PETSC_STATIC_ARRAY_LENGTH(strs); k++) PetscCall(CurioOutputSetAttributeString(out, "/sgdf", strs[k].name, strs[k].value));
  for (size_t k = 0; k < PETSC_STATIC_ARRAY_LENGTH(reals); k++) PetscCall(CurioOutputSetAttributeReal(out, "/sgdf", reals[k].name, reals[k].value));
  for (size_t k = 0; k < PETSC_STATIC_ARRAY_LENGTH(ints); k++) PetscCall(CurioOutputSetAttributeInt(out, "/sgdf", ints[k].name, ints[k].value));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The SGDF output's schema: dimensions, units and long_name of every dataset (docs/design.md, "Output datasets") */
static const CurioOutputField SGDFFields[] = {
    {"/model/feature", NULL, "1", "model parameter (design-matrix column, 0-based)"},
    {"/model/theta", NULL, "[f]/[phi]", "parameters theta at the end of training"},
    {"/model/theta_dot", NULL, "[f]/[phi]", "regularity tangent theta_dot = d theta/ds carried in dual numbers"},
    {"/model/theta_true", NULL, "[f]/[phi]", "true parameters of the synthetic problem"},
    {"/model/s", NULL, "1", "regularity s at the end of training"},
    {"/sgdf/history/step", "epoch", "1", "steps taken at the end of the epoch"},
    {"/sgdf/history/loss", "epoch", "[loss]", "mean loss over the epoch's batch rows before each step"},
    {"/sgdf/history/theta_norm", "epoch", "[f]/[phi]", "|theta| at the end of the epoch"},
    {"/sgdf/history/tangent_change", "epoch", "1", "relative change of the tangent over the epoch, |theta_dot_e - theta_dot_{e-1}| / |theta_dot_e|"},
    {"/sgdf/history/reference_distance", "epoch", "1", "relative distance to the reference solution of -curio_sgdf_reference (NaN without one)"},
    {"/sgdf/history/s", "epoch", "1", "regularity s at the end of the epoch"},
    {"/sgdf/history/time", "epoch", "s", "wall-clock time since the start of training at the end of the epoch"},
    {"/sgdf/history/holdout_loss", "epoch", "[loss]", "mean loss over the holdout rows (-curio_sgdf_holdout) at the end of the epoch"},
    {"/sgdf/indices", "step,batch_row", "1", "training rows of each step's batch"},
    {"/pool/index", "selected", "1", "pool row of the k-th pick (largest SLD first)"},
    {"/pool/sld", "selected", "[f]^2", "SLD score fdot^2 of the pick"},
};

/* /pool: the selected candidates of a scored pool (-curio_sgdf_pool) and their SLD scores */
static PetscErrorCode SGDFWritePool(SGDF g, SGDFOptions *o, CurioOutput out)
{
  PetscInt *idx;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(o->select_k, &idx));
  for (PetscInt i = 0; i < o->select_k; i++) idx[i] = (PetscInt) o->pool_index[i];
  PetscCall(CurioOutputWriteIntArray(out, "/pool/index", o->select_k, 0, idx));
  PetscCall(CurioOutputWriteArray(out, "/pool/sld", o->select_k, o->pool_score, NULL));
  PetscCall(CurioOutputSetAttributeInt(out, "/pool", "size", o->pool));
  PetscCall(CurioOutputSetAttributeInt(out, "/pool", "chunk", o->pool_chunk));
  PetscCall(CurioOutputSetAttributeInt(out, "/pool", "first_row", g->n));
  PetscCall(CurioOutputSetAttributeReal(out, "/pool", "sld_sum", o->pool_sum));
  PetscCall(PetscFree(idx));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The run's results, into an open output (CurioOutputWrite()'s contents; ctx: the SGDF) */
static PetscErrorCode SGDFWriteContents(CurioOutput out, void *ctx)
{
  SGDF              g         = (SGDF) ctx;
  SGDFOptions      *o         = &g->opt;
  const char *const stages[5] = {"setup", "train", "step", "checkpoint", "average"};
  const PetscReal   t[5]      = {g->timing[0], g->timing[1], g->timing[2], g->timing[3], g->timing[4]};

  PetscFunctionBegin;
  PetscCall(CurioOutputWriteProvenance(out, "sgdf"));
  PetscCall(CurioOutputSetAttributeString(out, "/", "input", g->source));
  PetscCall(CurioOutputSetAttributeString(out, "/", "mode", "sgdf"));
  PetscCall(SGDFWriteModel(g, o, g->model, out));
  PetscCall(SGDFWriteHistory(g, out));
  PetscCall(SGDFWriteSettings(g, o, out));
  if (o->pool) PetscCall(SGDFWritePool(g, o, out));
  PetscCall(CurioOutputWriteTiming(out, 5, stages, t));
  PetscCall(CurioOutputDescribeFields(out, PETSC_STATIC_ARRAY_LENGTH(SGDFFields), SGDFFields));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* After a step: the divergence reference (the mean loss of the run's first batch), the end of an epoch, and between
   epochs a check every -curio_sgdf_check_every steps that the loss is finite */
static PetscErrorCode SGDFCheckStep(SGDF g, SGDFOptions *o)
{
  PetscFunctionBegin;
  if (g->step == 1) {
    PetscReal loc[2] = {g->loss_sum, (PetscReal) g->loss_cnt}, glob[2];
    PetscCall(MPIU_Allreduce(loc, glob, 2, MPIU_REAL, MPIU_SUM, g->comm));
    g->loss0 = glob[1] > 0 ? glob[0] / glob[1] : 0;
  }
  if (g->step % g->nsteps_epoch == 0) PetscCall(SGDFEpochEnd(g, o));
  else if (g->step % o->check_every == 0) {
    PetscReal bad = PetscIsInfOrNanReal(g->loss_sum) ? 1 : 0, gbad;
    PetscCall(MPIU_Allreduce(&bad, &gbad, 1, MPIU_REAL, MPIU_MAX, g->comm));
    if (gbad > 0) PetscCall(SGDFDiverged(g, o, "the loss is not finite"));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A checkpoint if one is due: every -curio_checkpoint_every steps, on SIGUSR1 or SIGTERM, or -curio_checkpoint_seconds
   after the last one. After SIGTERM the run stops (*stop). last_ckpt_time and t_ckpt (time spent writing) are updated. */
static PetscErrorCode SGDFCheckpointIfDue(SGDF g, SGDFOptions *o, CurioCheckpoint writer, PetscInt64 total, PetscReal *last_ckpt_time,
                                          PetscReal *t_ckpt, PetscBool *stop)
{
  PetscBool usr1 = PETSC_FALSE, term = PETSC_FALSE, due;

  PetscFunctionBegin;
  due = (PetscBool) (o->ckpt_every > 0 && g->step % o->ckpt_every == 0);
  /* signals and the wall clock are asked about collectively every -curio_checkpoint_poll steps only, so that a
     step pays no extra latency; a checkpoint changes nothing in the run, so when it is written does not matter */
  if (!due && g->step % o->ckpt_poll && g->step != total) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(CurioSignalCaught(g->comm, &usr1, &term));
  due = (PetscBool) (due || usr1 || term);
  if (o->ckpt_seconds > 0) {
    int late = MPI_Wtime() - *last_ckpt_time >= o->ckpt_seconds, any;
    PetscCallMPI(MPI_Allreduce(&late, &any, 1, MPI_INT, MPI_LOR, g->comm));
    due = (PetscBool) (due || any);
  }
  if (due) {
    PetscReal tc = MPI_Wtime();
    PetscCall(SGDFCheckpointWrite(g, o, writer));
    *last_ckpt_time = MPI_Wtime();
    *t_ckpt += *last_ckpt_time - tc;
  }
  if (term) {
    PetscCall(PetscPrintf(g->comm,
                          "curio sgdf: SIGTERM at step %" PetscInt64_FMT "; the state is in checkpoint '%s'; resume with -curio_restart %s\n",
                          g->step, o->last_ckpt, o->last_ckpt));
    *stop = PETSC_TRUE;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A progress line every -curio_monitor_seconds (rank 0's clock, asked every -curio_checkpoint_poll steps, or every
   averaging of local SGDF if that is rarer, so that a step pays no extra latency): epoch, step, this epoch's running
   loss, the change of theta_dot since the epoch began, s and rows per second. Reads the state without changing it. */
static PetscErrorCode SGDFProgress(SGDF g, SGDFOptions *o, PetscInt64 first_step)
{
  PetscInt64 every = PetscMax((PetscInt64) o->ckpt_poll, (PetscInt64) g->local_steps);
  int        due   = 0;
  PetscReal  r[8], now = MPI_Wtime(), tdn, change;

  PetscFunctionBegin;
  if (o->monitor_seconds <= 0 || g->step % every || g->step % g->nsteps_epoch == 0) PetscFunctionReturn(PETSC_SUCCESS);
  if (g->rank == 0) due = now - o->last_progress >= o->monitor_seconds;
  PetscCallMPI(MPI_Bcast(&due, 1, MPI_INT, 0, g->comm));
  if (!due) PetscFunctionReturn(PETSC_SUCCESS);
  o->last_progress = now;
  PetscCall(SGDFReduce(g, r));
  tdn    = PetscSqrtReal(r[1]);
  change = tdn > 0 ? PetscSqrtReal(r[2]) / tdn : PetscSqrtReal(r[2]);
  PetscCall(PetscPrintf(g->comm,
                        "  progress: epoch %" PetscInt64_FMT " step %" PetscInt64_FMT
                        " (%.1f%% of the epoch) loss %.6e tangent change %.3e s %.6e, %.3e rows/s, %.1f s\n",
                        g->step / g->nsteps_epoch + 1, g->step, 100.0 * (g->step % g->nsteps_epoch) / g->nsteps_epoch,
                        (double) (r[6] > 0 ? r[5] / r[6] : 0), (double) change, (double) g->s,
                        (double) ((g->step - first_step) * (PetscReal) g->batch / PetscMax(now - g->t_start, 1e-9)),
                        (double) (g->t_prev_train + now - g->t_start)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The steps of all epochs (from a restart's step on), until the end, an early stop or SIGTERM (*stop); t_train is the
   wall time of the loop; g->t_steps_run this rank's time in the steps, g->t_ckpt_run the time spent writing checkpoints */
static PetscErrorCode SGDFTrain(SGDF g, SGDFOptions *o, CurioCheckpoint writer, PetscReal *t_train, PetscBool *stop)
{
  const PetscInt64 total = (PetscInt64) g->epochs * g->nsteps_epoch, first_step = g->step;
  PetscReal        last_ckpt_time = MPI_Wtime();

  PetscFunctionBegin;
  g->t_start       = last_ckpt_time;
  o->last_progress = last_ckpt_time;
  while (g->step < total && !*stop && !g->stopped) {
    PetscReal ts = MPI_Wtime();

    PetscCall(PetscLogStagePush(SGDF_STAGE_Step));
    PetscCall(SGDFStep(g));
    if (g->online_s && g->step > (PetscInt64) g->val_warmup * g->nsteps_epoch) PetscCall(SGDFValidationStep(g));
    PetscCall(PetscLogStagePop());
    g->t_steps_run += MPI_Wtime() - ts;
    PetscCall(SGDFCheckStep(g, o));
    PetscCall(SGDFProgress(g, o, first_step));
    if (o->ckpt) PetscCall(SGDFCheckpointIfDue(g, o, writer, total, &last_ckpt_time, &g->t_ckpt_run, stop));
  }
  *t_train = MPI_Wtime() - g->t_start;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* After the last step: the pool's scores (-curio_sgdf_pool), kept for the output */
static PetscErrorCode SGDFScoreCandidates(SGDF g, SGDFOptions *o)
{
  PetscReal tp = MPI_Wtime();

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(o->select_k, &o->pool_score, o->select_k, &o->pool_index));
  PetscCall(SGDFScorePool(g, o->pool, o->pool_chunk, o->synthetic_seed, o->synthetic[1], o->synthetic[2], o->select_k, o->pool_score, o->pool_index,
                          &o->pool_sum));
  PetscCall(PetscPrintf(g->comm,
                        "curio sgdf: scored a pool of %" PetscInt_FMT " candidates in chunks of %" PetscInt_FMT
                        " in %.3f s; best SLD %.6e (candidate %" PetscInt64_FMT ")\n",
                        o->pool, o->pool_chunk, (double) (MPI_Wtime() - tp), (double) o->pool_score[0], o->pool_index[0]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSGDFCreate - creates an SGDF run: minibatch SGD over rows spread across the ranks that trains the parameters
  theta and their regularity tangent theta_dot = d theta/ds together, in dual numbers (MATH.md section 6, eqs.
  119-127); its settings are the options of -curio_mode sgdf, read by CurioSGDFSetFromOptions()

  Collective

  Input Parameter:
. comm - the ranks that share the rows (and in the partitioned layout the parameters)

  Output Parameter:
. sg - the new object

.seealso: `CurioSGDFSetFromOptions()`, `CurioSGDFSetUp()`, `CurioSGDFRun()`, `CurioSGDFWrite()`, `CurioSGDFDestroy()`
@*/
PetscErrorCode CurioSGDFCreate(MPI_Comm comm, CurioSGDF *sg)
{
  SGDF g;

  PetscFunctionBegin;
  *sg = NULL;
  PetscCall(SGDFRegisterLogging());
  PetscCall(PetscNew(&g));
  g->comm     = comm;
  g->t_create = MPI_Wtime();
  PetscCallMPI(MPI_Comm_rank(comm, &g->rank));
  PetscCallMPI(MPI_Comm_size(comm, &g->size));
  PetscCall(CurioModelCreate(comm, &g->model));
  *sg = g;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSGDFSetFromOptions - reads the options of -curio_mode sgdf and the model's (-curio_loss, -curio_regularizer,
  -curio_intercept, ...) and checks how they relate: -curio_sgdf_lr is required, and -curio_s unless
  -curio_sgdf_online_s; an inconsistent set is refused on every rank with one message

  Collective

  Input Parameter:
. sg - the SGDF run, before CurioSGDFSetUp()

.seealso: `CurioSGDFCreate()`, `CurioSGDFSetUp()`, `CurioSGDFOptionsHelp()`
@*/
PetscErrorCode CurioSGDFSetFromOptions(CurioSGDF sg)
{
  PetscFunctionBegin;
  PetscCheck(!sg->setup, sg->comm, PETSC_ERR_ORDER, "Call CurioSGDFSetFromOptions() before CurioSGDFSetUp()");
  PetscCall(PetscLogStagePush(SGDF_STAGE_Setup));
  PetscCall(SGDFReadOptions(sg, sg->model, &sg->opt));
  PetscCall(SGDFCheckOptions(sg, &sg->opt));
  PetscCall(PetscLogStagePop());
  sg->options_read = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSGDFSetUp - everything before the first step: checks that the output (-curio_output) can be written, reads the
  training rows (-curio_input) or generates them (-curio_sgdf_synthetic), lays out the parameters, reads the files
  they start from, restores the state of a checkpoint with -curio_restart FILE or auto, prints the run info and opens
  the checkpoint writer (-curio_checkpoint_prefix)

  Collective

  Input Parameter:
. sg - the SGDF run, after CurioSGDFSetFromOptions()

.seealso: `CurioSGDFSetFromOptions()`, `CurioSGDFRun()`, `CurioSGDFGetSizes()`
@*/
PetscErrorCode CurioSGDFSetUp(CurioSGDF sg)
{
  SGDFOptions *o = &sg->opt;

  PetscFunctionBegin;
  PetscCheck(sg->options_read, sg->comm, PETSC_ERR_ORDER, "Call CurioSGDFSetFromOptions() before CurioSGDFSetUp()");
  if (sg->setup) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscLogStagePush(SGDF_STAGE_Setup));
  { /* the output must replace neither the checkpoint restarted from nor any checkpoint of the prefix (auto's) */
    PetscBool isauto;
    PetscCall(PetscStrcmp(o->restart, "auto", &isauto));
    PetscCall(CurioOutputCheckWritableInput(sg->comm, o->output, "-curio_restart", isauto ? NULL : o->restart));
    if (o->ckpt) PetscCall(CurioCheckpointCheckOutput(sg->comm, o->ckpt_prefix, o->output));
  }
  /* before the data are read: a job's time-limit warning that arrives during a long setup must stop the run at its
     first step with a checkpoint, not kill it (a job script requeues only a run that stopped cleanly) */
  if (o->ckpt) PetscCall(CurioSignalInstall());
  PetscCall(SGDFLoadData(sg, sg->model, o));
  PetscCall(SGDFSetUpState(sg, o));
  sg->setup = PETSC_TRUE; /* from here on CurioSGDFDestroy() frees the state */
  if (o->restart[0]) PetscCall(SGDFRestart(sg, o));
  PetscCall(SGDFView(sg, o));
  if (o->ckpt) PetscCall(CurioCheckpointWriterCreate(sg->comm, o->ckpt_prefix, o->ckpt_keep, &sg->writer));
  PetscCall(PetscLogStagePop());
  sg->first_step = sg->step;
  sg->timing[0]  = MPI_Wtime() - sg->t_create;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A run whose epoch loss ends well above its lowest (10%, after at least 3 epochs) oscillates or drifts rather than
   converges: a step size too large for the curvature (seen: logistic, lr n l'' about 15, epoch losses 6.6, 5.9, 6.6,
   8.4, 8.7). Not an error (the divergence checks stop only non-finite or runaway losses, and a stochastic loss moves),
   but its theta and tangent are not an optimum's: one warning line. Online s moves the objective itself: no warning. */
static PetscErrorCode SGDFWarnRising(SGDF g)
{
  const PetscReal *h = g->hist[SGDF_HISTORY_LOSS];
  PetscInt         n = PetscMin(g->nhist, g->maxhist), kmin = 0;

  PetscFunctionBegin;
  if (g->online_s && n >= 5) {
    /* s still drifting at the end: log s over the last fifth of the epochs (at least 5) against a straight line; a
       drift over the window above 5% and above 3 times the scatter about the line (the validation batches make s
       wander by a few per cent an epoch about its optimum) is a trend, not noise */
    const PetscReal *hs = g->hist[SGDF_HISTORY_S];
    const PetscInt   w = PetscMax(5, n / 5), k0 = n - w;
    PetscReal        xm = 0.5 * (w - 1), zm = 0, sxz = 0, sxx = 0, ss = 0, slope, drift, scatter;
    for (PetscInt k = 0; k < w; k++) zm += PetscLogReal(hs[k0 + k]) / w;
    for (PetscInt k = 0; k < w; k++) sxz += (k - xm) * (PetscLogReal(hs[k0 + k]) - zm), sxx += (k - xm) * (k - xm);
    slope = sxz / sxx;
    for (PetscInt k = 0; k < w; k++) ss += PetscSqr(PetscLogReal(hs[k0 + k]) - zm - slope * (k - xm));
    drift   = slope * (w - 1);
    scatter = PetscSqrtReal(ss / (w - 2));
    if (PetscAbsReal(drift) > 0.05 && PetscAbsReal(drift) > 3 * scatter)
      PetscCall(PetscPrintf(g->comm,
                            "curio: WARNING online s is still drifting: %+.0f%% over the last %" PetscInt_FMT
                            " epochs (s = %.4g at the end): it has not settled, and s, theta and theta_dot are not those of the validation "
                            "optimum yet. Run more epochs or raise -curio_sgdf_lr_rho\n",
                            (double) (100 * expm1(drift)), w, (double) hs[n - 1]));
  }
  if (g->online_s || n < 3) PetscFunctionReturn(PETSC_SUCCESS);
  for (PetscInt k = 1; k < n; k++)
    if (h[k] < h[kmin]) kmin = k;
  if (h[n - 1] > 1.1 * h[kmin] && h[kmin] > 0)
    PetscCall(PetscPrintf(g->comm,
                          "curio: WARNING the epoch loss ended at %.4g, %.0f%% above its lowest (%.4g, epoch %" PetscInt_FMT
                          "): the iterates oscillate or drift instead of converging, and theta and theta_dot are not the optimum's. "
                          "Lower -curio_sgdf_lr, or use -curio_sgdf_schedule decay\n",
                          (double) h[n - 1], (double) (100 * (h[n - 1] / h[kmin] - 1)), (double) h[kmin], kmin + 1));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSGDFRun - the epochs: steps through the global minibatch sequence from the current step (a restart's) to the
  last of -curio_sgdf_epochs, or to an early stop (-curio_sgdf_tol), writing checkpoints when they are due; then
  prints the summary line and scores the candidate pool (-curio_sgdf_pool). A SIGTERM caught with checkpoints on
  stops the run after writing one (CurioSGDFGetInterrupted()). A divergence is an error on every rank.

  Collective

  Input Parameter:
. sg - the SGDF run, after CurioSGDFSetUp()

.seealso: `CurioSGDFSetUp()`, `CurioSGDFWrite()`, `CurioSGDFGetParameters()`, `CurioSGDFGetHistory()`
@*/
PetscErrorCode CurioSGDFRun(CurioSGDF sg)
{
  SGDFOptions *o       = &sg->opt;
  PetscReal    t_train = 0, loc[2], mx[2];

  PetscFunctionBegin;
  PetscCheck(sg->setup, sg->comm, PETSC_ERR_ORDER, "Call CurioSGDFSetUp() before CurioSGDFRun()");
  PetscCheck(!sg->ran, sg->comm, PETSC_ERR_ORDER, "CurioSGDFRun() was called already: an SGDF object runs once");
  sg->ran = PETSC_TRUE;
  PetscCall(SGDFTrain(sg, o, sg->writer, &t_train, &sg->interrupted));
  /* continuous across restarts: the runs before this one are in the checkpoint (SGDFCheckpointProgress); the slowest
     rank's times (the output's attributes are one rank's) */
  loc[0] = sg->t_steps_run;
  loc[1] = t_train;
  PetscCall(MPIU_Allreduce(loc, mx, 2, MPIU_REAL, MPIU_MAX, sg->comm));
  sg->timing[1] = sg->t_prev_train + mx[1];
  sg->timing[2] = sg->step > 0 ? (sg->t_prev_steps + mx[0]) / (PetscReal) sg->step : 0;
  sg->timing[3] = sg->t_prev_ckpt + sg->t_ckpt_run;
  if (sg->interrupted) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(SGDFAverageSettle(sg));
  /* the averaging's seconds after the last one (settled above), the slowest rank's like step, and all runs' */
  PetscCall(MPIU_Allreduce(&sg->t_average, &mx[0], 1, MPIU_REAL, MPIU_MAX, sg->comm));
  sg->timing[4] = sg->t_prev_average + mx[0];
  PetscCall(SGDFFlush(sg));
  PetscCall(SGDFWarnRising(sg));
  PetscCall(PetscPrintf(sg->comm, "curio sgdf: %" PetscInt64_FMT " steps in %.3f s, %.3e s per step%s; s = %.10g\n", sg->step - sg->first_step,
                        (double) (sg->timing[1] - sg->t_prev_train), (double) sg->timing[2], sg->first_step ? " (all runs)" : "", (double) sg->s));
  if (o->pool) PetscCall(SGDFScoreCandidates(sg, o));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSGDFWrite - writes the run's output file atomically (the schema of -curio_mode sgdf: /model with theta,
  theta_dot and s, /sgdf/history, the settings, /pool, /timing); if any write fails, every rank raises the error, the
  temporary file is removed and an existing file at the path stays as it was

  Collective

  Input Parameters:
+ sg - the SGDF run, after CurioSGDFRun()
- path - the file, or NULL for the one of -curio_output (default curio.h5)

.seealso: `CurioSGDFRun()`, `CurioOutputWrite()`
@*/
PetscErrorCode CurioSGDFWrite(CurioSGDF sg, const char path[])
{
  PetscFunctionBegin;
  PetscCheck(sg->ran, sg->comm, PETSC_ERR_ORDER, "Nothing to write: call CurioSGDFRun() first");
  PetscCheck(!sg->interrupted, sg->comm, PETSC_ERR_ORDER,
             "Nothing to write: the run stopped on SIGTERM at step %" PetscInt64_FMT "; its state is in checkpoint '%s'", sg->step,
             sg->opt.last_ckpt);
  PetscCall(PetscLogStagePush(SGDF_STAGE_Write));
  PetscCall(CurioOutputWrite(sg->comm, path ? path : sg->opt.output, SGDFWriteContents, sg));
  PetscCall(PetscLogStagePop());
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSGDFDestroy - frees an SGDF run and everything it holds (rows, state, checkpoint writer)

  Collective

  Input Parameter:
. sg - the SGDF run; NULL afterwards

.seealso: `CurioSGDFCreate()`
@*/
PetscErrorCode CurioSGDFDestroy(CurioSGDF *sg)
{
  SGDF g = *sg;

  PetscFunctionBegin;
  if (!g) PetscFunctionReturn(PETSC_SUCCESS);
  *sg = NULL;
  if (g->writer) PetscCall(CurioCheckpointDestroy(&g->writer));
  PetscCall(CurioModelDestroy(&g->model));
  if (g->setup) PetscCall(SGDFFreeState(g));
  if (g->opt.pool_score) PetscCall(PetscFree2(g->opt.pool_score, g->opt.pool_index));
  PetscCall(PetscFree(g));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSGDFGetSizes - the number of training rows and of parameters

  Not Collective

  Input Parameter:
. sg - the SGDF run, after CurioSGDFSetUp()

  Output Parameters:
+ n - training rows (all ranks'; with a validation split, the split's rows included), or NULL
- d - parameters (the intercept, if any, is parameter 0), or NULL

.seealso: `CurioSGDFGetParameters()`
@*/
PetscErrorCode CurioSGDFGetSizes(CurioSGDF sg, PetscInt *n, PetscInt *d)
{
  PetscFunctionBegin;
  PetscCheck(sg->setup, PETSC_COMM_SELF, PETSC_ERR_ORDER, "Call CurioSGDFSetUp() first");
  if (n) *n = sg->n;
  if (d) *d = sg->d;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSGDFGetParameters - copies theta and theta_dot into vectors of length d, exactly the values the output's
  /model/theta and /model/theta_dot hold after CurioSGDFRun() (before it: the current iterate, with a pending lazy
  ridge step applied to the copy only)

  Collective

  Input Parameters:
+ sg - the SGDF run, after CurioSGDFSetUp()
. theta - a vector of global length d, or NULL
- theta_dot - the same for the tangent (needs -curio_sgdf_tangent true, the default), or NULL

  Notes:
  In the partitioned layout every rank holds a block of PETSc's default split, so the vectors must have that layout
  (VecCreateMPI(comm, PETSC_DECIDE, d, &v)); in the replicated layout any layout works.

.seealso: `CurioSGDFGetSizes()`, `CurioSGDFGetS()`
@*/
PetscErrorCode CurioSGDFGetParameters(CurioSGDF sg, Vec theta, Vec theta_dot)
{
  Vec       v[2] = {theta, theta_dot};
  PetscInt  lo[2], hi[2], N;
  int       bad = 0, anybad;
  PetscReal th, td, *a;

  PetscFunctionBegin;
  PetscCheck(sg->setup, sg->comm, PETSC_ERR_ORDER, "Call CurioSGDFSetUp() first");
  PetscCheck(sg->tangent || !theta_dot, sg->comm, PETSC_ERR_ARG_WRONGSTATE, "This run has no tangent (-curio_sgdf_tangent false)");
  for (int k = 0; k < 2; k++) {
    if (!v[k]) continue;
    PetscCall(VecGetSize(v[k], &N));
    PetscCall(VecGetOwnershipRange(v[k], &lo[k], &hi[k]));
    PetscCheck(N == sg->d, sg->comm, PETSC_ERR_ARG_SIZ, "The vector has length %" PetscInt_FMT ", the parameters %" PetscInt_FMT, N, sg->d);
    if (sg->layout == SGDF_LAYOUT_PARTITIONED && (lo[k] != sg->cstart || hi[k] != sg->cstart + sg->dl)) bad = 1;
  }
  PetscCallMPI(MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_LOR, sg->comm));
  PetscCheck(!anybad, sg->comm, PETSC_ERR_ARG_INCOMP,
             "The partitioned layout needs vectors with PETSc's default split: VecCreateMPI(comm, PETSC_DECIDE, d, &v)");
  for (int k = 0; k < 2; k++) {
    if (!v[k]) continue;
    PetscCall(VecGetArrayWrite(v[k], &a));
    for (PetscInt j = lo[k]; j < hi[k]; j++) { /* replicated: cstart = 0, all d entries on every rank */
      SGDFEntry(sg, j - sg->cstart, &th, &td);
      a[j - lo[k]] = k == 0 ? th : td;
    }
    PetscCall(VecRestoreArrayWrite(v[k], &a));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSGDFGetS - the regularity s: the option's (-curio_s), or with -curio_sgdf_online_s the current tuned value

  Not Collective

  Input Parameter:
. sg - the SGDF run, after CurioSGDFSetFromOptions()

  Output Parameter:
. s - the regularity

.seealso: `CurioSGDFGetHistory()`
@*/
PetscErrorCode CurioSGDFGetS(CurioSGDF sg, PetscReal *s)
{
  PetscFunctionBegin;
  PetscCheck(sg->options_read, PETSC_COMM_SELF, PETSC_ERR_ORDER, "Call CurioSGDFSetFromOptions() first");
  *s = sg->s;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSGDFGetProgress - the steps and epochs completed, counted from the start of training (a restarted run includes
  the runs before it)

  Not Collective

  Input Parameter:
. sg - the SGDF run, after CurioSGDFSetUp()

  Output Parameters:
+ steps - steps completed, or NULL
- epochs - epochs completed, or NULL

.seealso: `CurioSGDFGetHistory()`, `CurioSGDFGetInterrupted()`
@*/
PetscErrorCode CurioSGDFGetProgress(CurioSGDF sg, PetscInt64 *steps, PetscInt *epochs)
{
  PetscFunctionBegin;
  PetscCheck(sg->setup, PETSC_COMM_SELF, PETSC_ERR_ORDER, "Call CurioSGDFSetUp() first");
  if (steps) *steps = sg->step;
  if (epochs) *epochs = sg->nhist;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSGDFGetHistory - one quantity per completed epoch, as in the output's /sgdf/history: "loss" (the mean loss of
  the epoch's batch rows, the objective's data part), "theta_norm", "tangent_change", "reference_distance", "s",
  "time", "step", "holdout_loss" (NaN where it does not apply)

  Not Collective

  Input Parameters:
+ sg - the SGDF run, after CurioSGDFSetUp()
- name - the quantity

  Output Parameters:
+ n - the completed epochs
- values - the values, one per epoch (borrowed: valid until CurioSGDFDestroy(), changed by CurioSGDFRun())

.seealso: `CurioSGDFGetProgress()`
@*/
PetscErrorCode CurioSGDFGetHistory(CurioSGDF sg, const char name[], PetscInt *n, const PetscReal *values[])
{
  PetscFunctionBegin;
  PetscCheck(sg->setup, PETSC_COMM_SELF, PETSC_ERR_ORDER, "Call CurioSGDFSetUp() first");
  for (PetscInt k = 0; k < SGDF_HISTORY_N; k++) {
    PetscBool match;
    PetscCall(PetscStrcmp(name, SGDFHistoryNames[k], &match));
    if (!match) continue;
    *n      = sg->nhist;
    *values = sg->hist[k];
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_UNKNOWN_TYPE,
          "No history '%s': the names are loss, theta_norm, tangent_change, reference_distance, s, time, step, holdout_loss", name);
}

/*@C
  CurioSGDFGetInterrupted - whether CurioSGDFRun() stopped on SIGTERM (with checkpoints on): the state is in the last
  checkpoint, to resume with -curio_restart, and there is no output to write

  Not Collective

  Input Parameter:
. sg - the SGDF run

  Output Parameter:
. interrupted - whether it stopped early on SIGTERM

.seealso: `CurioSGDFRun()`
@*/
PetscErrorCode CurioSGDFGetInterrupted(CurioSGDF sg, PetscBool *interrupted)
{
  PetscFunctionBegin;
  *interrupted = sg->interrupted;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSGDFMain - runs curio -curio_mode sgdf: reads its options and the data, trains theta and theta_dot by SGDF
  (or runs LiSSA, or tunes s online), checkpoints on request, writes the output

  Collective

  Input Parameter:
. comm - the ranks of the run

.seealso: `CurioSGDFCreate()`
@*/
PetscErrorCode CurioSGDFMain(MPI_Comm comm)
{
  CurioSGDF sg;
  PetscBool interrupted;

  PetscFunctionBegin;
  PetscCall(CurioSGDFCreate(comm, &sg));
  PetscCall(CurioSGDFSetFromOptions(sg));
  PetscCall(CurioSGDFSetUp(sg));
  PetscCall(CurioSGDFRun(sg));
  PetscCall(CurioSGDFGetInterrupted(sg, &interrupted));
  if (!interrupted) PetscCall(CurioSGDFWrite(sg, NULL));
  PetscCall(CurioSGDFDestroy(&sg));
  PetscFunctionReturn(PETSC_SUCCESS);
}

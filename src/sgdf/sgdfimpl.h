/* Internal state of CurioSGDF (src/sgdf): shared by the driver (sgdf.c) and the step kernels (step.c). */
#pragma once

#include "../analysis/analysisimpl.h"
#include <curiosgdf.h>
#include <curiocheckpoint.h>

typedef enum { SGDF_SCHEDULE_CONSTANT, SGDF_SCHEDULE_DECAY } SGDFSchedule;
typedef enum { SGDF_OPTIMIZER_SGD, SGDF_OPTIMIZER_ADAM } SGDFOptimizer;
typedef enum { SGDF_LAYOUT_REPLICATED, SGDF_LAYOUT_PARTITIONED, SGDF_LAYOUT_HYBRID, SGDF_LAYOUT_AUTO } SGDFLayout;
typedef enum { SGDF_AVERAGE_DENSE, SGDF_AVERAGE_SPARSE, SGDF_AVERAGE_AUTO } SGDFAverageType;
typedef enum { SGDF_LOCAL_SCHEDULE_CONSTANT, SGDF_LOCAL_SCHEDULE_LR } SGDFLocalSchedule;

PETSC_INTERN PetscLogEvent SGDF_EVENT_Batch, SGDF_EVENT_Gradient, SGDF_EVENT_Exchange, SGDF_EVENT_Update, SGDF_EVENT_Average;

/* The per-epoch history; its names (SGDFHistoryNames, sgdf.c) are the output's /sgdf/history/NAME and the checkpoint's
   history_NAME */
typedef enum {
  SGDF_HISTORY_LOSS,
  SGDF_HISTORY_THETA_NORM,
  SGDF_HISTORY_TANGENT_CHANGE,
  SGDF_HISTORY_REFERENCE_DISTANCE,
  SGDF_HISTORY_S,
  SGDF_HISTORY_TIME,
  SGDF_HISTORY_STEP,
  SGDF_HISTORY_HOLDOUT_LOSS,
  SGDF_HISTORY_N
} SGDFHistory;

/* The driver's settings and bookkeeping outside the training state (sgdf.c): files, checkpoints, the pool, the monitor */
typedef struct {
  char        output[PETSC_MAX_PATH_LEN], tangent_init[PETSC_MAX_PATH_LEN], theta_file[PETSC_MAX_PATH_LEN], ref_file[PETSC_MAX_PATH_LEN];
  char        restart[PETSC_MAX_PATH_LEN], ckpt_prefix[PETSC_MAX_PATH_LEN], last_ckpt[PETSC_MAX_PATH_LEN];
  PetscInt    synthetic[3], ckpt_every, ckpt_keep, ckpt_poll, check_every, pool, pool_chunk, select_k;
  PetscReal  *pool_score, pool_sum;
  PetscInt64 *pool_index;
  PetscInt    synthetic_seed;
  PetscReal   ckpt_seconds, monitor_seconds, last_progress;
  PetscBool   monitor, synthetic_set, s_set, lr_set, ckpt, tol_set;
} SGDFOptions;

typedef CurioSGDF SGDF;
struct _n_CurioSGDF {
  MPI_Comm    comm;
  PetscMPIInt rank, size;

  /* the driver: its settings, the model options, the checkpoint writer, what has been called, the stage times
     [setup, train, step, checkpoint] */
  SGDFOptions     opt;
  CurioModel      model;
  CurioCheckpoint writer;
  PetscBool       options_read, setup, ran, interrupted;
  PetscReal       t_create, timing[5]; /* [setup, train, step, checkpoint, average] */
  PetscInt64      first_step;          /* the step this run started at (a restart's) */

  /* this rank's training rows in CSR with global parameter indices (the intercept, if any, is parameter 0) */
  PetscInt   n, d, rstart, nlocal, maxnnz;
  PetscInt  *rowptr, *colidx;
  PetscReal *vals, *y, *w;
  char       source[PETSC_MAX_PATH_LEN + 64];
  uint64_t   fingerprint; /* of the rows, independent of the rank count (SGDFDataFingerprint): what a checkpoint is tied to */
  PetscBool  sparse_input;

  /* model */
  CurioLossType        loss;
  CurioRegularizerType regularizer;
  PetscBool            intercept;
  PetscReal            s;

  /* method */
  PetscInt      epochs, batch, reg_every;
  PetscInt64    seed;
  PetscReal     lr, t0, power, beta1, beta2, eps;
  SGDFSchedule  schedule;
  SGDFOptimizer optimizer;
  SGDFLayout    layout;
  PetscBool     tangent, lissa;

  /* local SGDF (communication-avoiding, docs/sgdf.md): with local_steps H >= 1 every rank holds all of theta and
     theta_dot, steps on its own rows of each global batch (its share of the gradient scaled by the rank count), and the
     ranks average their parameters (and Adam's moments) every H steps and at every epoch end; H = 0: bulk-synchronous */
  PetscInt          local_steps;
  SGDFLocalSchedule local_schedule; /* the period: H, or H eta_0 / eta_a after the averaging at step a (docs/sgdf.md 4) */
  PetscInt64        next_average;   /* the step count of the next averaging; -1: not known yet (start, restart) */
  SGDFAverageType   average;
  PetscInt         *arows, narows, arcap;          /* local rows stepped on since the last averaging (sparse averaging) */
  int              *mark, mstamp;                  /* per parameter: the averaging that last marked it */
  PetscInt         *tcol, tcap, *ucolall, ucolcap; /* this rank's touched parameters; all ranks' (gathered) */
  PetscMPIInt      *acnt, *adsp;
  PetscReal        *abuf, *coefbuf;
  PetscInt64        naverages, nsparse; /* averagings done (this run), of them sparse */
  /* shared-memory averaging (-curio_sgdf_shared_memory): vq in one MPI shared window per node; seg[r] is node rank r's
     copy; the ranks with the same node rank on every node form xcomm */
  PetscBool   shm;
  MPI_Win     win;
  MPI_Comm    ncomm, xcomm;
  PetscMPIInt nsize, nrank, nnodes, xrank;
  PetscInt    node_ranks; /* -curio_sgdf_node_ranks: ranks per group sharing memory (0: every rank of a node) */
  PetscInt64  nshm;       /* entries of each rank's copy in the window */
  PetscReal **seg, *sbuf;
  PetscReal   t_average; /* seconds spent averaging (this rank, this run) */
  /* overlapped averaging (-curio_sgdf_average_overlap, docs/sgdf.md section 3): at an averaging, osnap holds this rank's
     averaged entries (theta, theta_dot of [flo, fhi): ow per entry, in theta units, independent of the lazy scale) and
     MPI_Iallreduce sums them over the ocopies copies into osum (ocomm: comm, or xcomm in the hybrid layout) while the
     next period's steps run; opend: at the next averaging (or the run's end) each copy adds the mean of the snapshots
     minus its own snapshot, taken at step ostep */
  PetscBool   overlap, opend;
  MPI_Request oreq;        /* the segment of the sum in flight (CurioIallreduceSumSegment), or MPI_REQUEST_NULL */
  PetscInt    oseg, onseg; /* its index, of onseg; the next starts when it completes */
  MPI_Comm    ocomm;
  PetscMPIInt ocopies;
  PetscInt    ow;
  PetscInt64  ostep;
  PetscReal  *osnap, *osum;
  /* the hybrid layout (docs/sgdf.md section 6): one copy of the parameters per node in the window (seg[0]); the ranks
     of a node step on it together, and node rank p writes only the parameters [flo, fhi) (all d elsewhere); a step's
     updates go to their owners through per-rank buckets in a second window (HybridBucketsCreate, StepHybrid) */
  PetscBool hybrid;
  PetscBool layout_auto;             /* the local layout chosen by -curio_sgdf_layout auto, from these estimates (s per epoch): */
  PetscReal est_average, est_hybrid; /* averaging the per-rank copies; the hybrid layout's extra cost per row */
  PetscInt  flo, fhi;
  MPI_Win   bwin;
  struct SGDFBucketEntry {
    PetscReal dv, dq; /* what the entry's owner subtracts from v and q (or theta, theta_dot) */
    PetscInt  col;
  } * *bent;        /* bent[p]: node rank p's outgoing entries, grouped by owner */
  PetscInt **boff;  /* boff[p][q] .. boff[p][q + 1]: node rank p's entries for owner q */
  PetscInt   bcap;  /* entries each rank's bucket holds */
  PetscInt  *bfill; /* per owner: the next free entry while this rank fills its bucket */

  /* online s (paper section 3.7): a validation split, rho = log s */
  PetscBool  online_s;
  PetscReal  val_fraction, lr_rho, rho, rho_max_step;
  PetscInt   val_batch, val_warmup, ntrain, nval;
  PetscInt64 val_pos;                  /* position in the validation walk (state) */
  PetscBool  holdout;                  /* -curio_sgdf_holdout: the validation split held out of training, its loss at every epoch end */
  PetscInt  *hold, nhold, hold_blocks; /* this rank's validation rows (local indices); blocks of the partitioned fetch */

  /* early stopping (scikit-learn's tol, n_iter_no_change): the best epoch score (holdout or training loss) and the
     epochs in a row without an improvement by tol (state) */
  PetscReal  tol, es_best;
  PetscInt   n_iter_no_change;
  PetscInt64 es_count;
  PetscBool  stopped;

  /* time across requeues (state): training, step and checkpoint seconds of the runs before this one */
  PetscReal  t_prev_train, t_prev_steps, t_prev_ckpt, t_start, t_steps_run, t_ckpt_run;
  PetscReal  t_prev_average;             /* the averaging seconds of the runs before a restart (slowest rank) */
  PetscInt64 prev_averages, prev_sparse; /* and their averagings, of them sparse */

  /* batch sequence: per epoch a keyed permutation of [0, n) (Feistel network on 2 x half bits, cycle walking) */
  PetscInt     nsteps_epoch, half_bits;
  PetscBool    save_indices;
  PetscInt    *indices; /* rank 0, with -curio_sgdf_save_indices: global rows of every step, -1 padded */
  PetscInt     nindices_steps;
  PetscInt    *srows, *sptr, *sfill; /* schedule of epoch sepoch: this rank's rows of step k are srows[sptr[k] .. sptr[k+1]) */
  PetscInt64  *spos, sepoch;         /* position of each local row in the epoch's permutation */
  PetscInt64  *wrow, *wstart;        /* forward schedule: the rows of this rank's share of a window; first row of each rank */
  PetscInt    *wsend, *wrecv;        /* forward schedule: (offset in the window, row of its rank) pairs sent and received */
  PetscMPIInt *wscnt, *wsdsp, *wrcnt, *wrdsp;

  /* parameters: replicated (all d on every rank) or this rank's block [cstart, cstart + dl) of PETSc's default split */
  PetscInt cstart, dl, *cranges;
  PetscInt ps; /* stride of theta and theta_dot: 2 when they are interleaved in vq (partitioned layout with the tangent, so
                  that a step touches one cache line per entry), else 1 */
  PetscReal *vq;
  PetscReal *theta, *td, *m1, *v2, *m1d; /* theta, theta_dot, Adam moments (first of the gradient, second, first of the dual gradient) */
  PetscReal *td_prev, *ref;              /* theta_dot at the end of the previous epoch; reference tangent (or NULL) */
  PetscReal  P, S;                       /* partitioned: the lazy ridge in scaled form, theta = P v, theta_dot = P (q - S v) (step.c) */
  PetscBool  lazy;

  /* progress (state) */
  PetscInt64 step;     /* completed steps */
  PetscReal  loss_sum; /* this rank's sum of w l over the current epoch's batch rows (before each update) */
  PetscInt64 loss_cnt; /* this rank's number of such rows */
  PetscReal  loss0;    /* mean loss of the first batch of the run (divergence reference) */
  PetscInt   nhist, maxhist;
  PetscReal *hist[SGDF_HISTORY_N]; /* per completed epoch */

  /* workspace, allocated once: batch rows, hash of touched columns, exchange buffers, dense gradients (replicated) */
  PetscInt  *brows;                     /* this rank's rows of the current batch (local indices) */
  PetscInt  *bglobal;                   /* the whole batch (global rows) */
  PetscInt  *xrows, *xglobal, xng, xnl; /* the next step's batch, drawn ahead (BatchRows) so that its rows can be fetched */
  PetscInt64 xstep;                     /* the step xrows holds, or -1 */
  PetscReal *gbuf;                      /* replicated: [g (d), gdot (d), loss, count] */
  PetscInt   hsize;                     /* hash table size (power of 2) */
  struct SGDFHashEntry {
    PetscInt64 key;         /* column */
    int        stamp, slot; /* the Fetch() call that stored it; position of the column in the list of touched columns */
  } * hash;                 /* one cache line per probe */
  int          hcur;
  PetscInt    *slot;                          /* per batch nonzero: position of its column in the send order */
  PetscInt64  *ucol, *sendcol, *recvcol;      /* touched columns, the same grouped by owner, requests received */
  PetscInt    *uowner, *upos;                 /* owner of each touched column, its send position */
  PetscMPIInt *scnt, *sdsp, *rcnt, *rdsp;     /* counts and displacements (entries) */
  PetscMPIInt *scnt2, *sdsp2, *rcnt2, *rdsp2; /* the same times the values per entry */
  PetscReal   *uval, *rval, *ugrad, *rgrad;   /* values of touched entries (theta, theta_dot), requests answered, gradients */
  PetscInt     ucap, rcap;
  PetscInt     nu, nrecv;
};

/* step.c */
PETSC_INTERN PetscInt64     SGDFPermute(SGDF, PetscInt64, PetscInt64);
PETSC_INTERN void           SGDFEntry(SGDF, PetscInt, PetscReal *, PetscReal *);
PETSC_INTERN PetscInt       SGDFFetchRows(SGDF, PetscInt);
PETSC_INTERN PetscBool      SGDFIsValidation(SGDF, PetscInt64);
PETSC_INTERN PetscReal      SGDFStepSize(SGDF, PetscInt64);
PETSC_INTERN PetscErrorCode SGDFWorkspaceCreate(SGDF);
PETSC_INTERN PetscErrorCode SGDFWorkspaceDestroy(SGDF);
PETSC_INTERN PetscErrorCode SGDFStep(SGDF);
PETSC_INTERN PetscErrorCode SGDFValidationStep(SGDF);
PETSC_INTERN PetscErrorCode SGDFHoldoutLoss(SGDF, PetscReal *);
PETSC_INTERN PetscErrorCode SGDFFlush(SGDF);
PETSC_INTERN PetscErrorCode SGDFAverage(SGDF);
PETSC_INTERN PetscErrorCode SGDFAverageSettle(SGDF);
PETSC_INTERN PetscErrorCode SGDFOverlapCreate(SGDF);
PETSC_INTERN PetscErrorCode SGDFOverlapDestroy(SGDF);
PETSC_INTERN PetscErrorCode SGDFOverlapComplete(SGDF);
PETSC_INTERN PetscErrorCode SGDFSharedCreate(SGDF, PetscInt, PetscReal **);
PETSC_INTERN PetscErrorCode SGDFSharedDestroy(SGDF);
PETSC_INTERN PetscErrorCode SGDFSharedSync(SGDF);
PETSC_INTERN PetscErrorCode SGDFLocalRestore(SGDF);
PETSC_INTERN PetscBool      SGDFLocalLazy(SGDF);
PETSC_INTERN PetscErrorCode SGDFScorePool(SGDF, PetscInt64, PetscInt, PetscInt64, PetscInt, PetscInt, PetscInt, PetscReal[], PetscInt64[],
                                          PetscReal *);

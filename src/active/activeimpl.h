/* Internal declarations of the active-learning loop (src/active): the loop's state, the pool reader and oracle, and
   the table of query strategies. Not installed. */
#pragma once

#include "../analysis/analysisimpl.h"
#include <curioactive.h>

/* counter-based RNG streams of one loop (CurioRandomUniform(seed, stream, index)): the seed set, then one stream per
   row of the learning curve for the random strategy */
#define CURIO_AL_STREAM_SEED   0
#define CURIO_AL_STREAM_RANDOM 1
/* streams far above the random strategy's (one per row of the curve) for the protocol's other draws */
#define CURIO_AL_STREAM_SPLIT     ((PetscInt64) 1 << 40) /* the per-seed train/pool/test split */
#define CURIO_AL_STREAM_BOOTSTRAP ((PetscInt64) 1 << 41) /* emcm: bootstrap resamples, + row * 64 + member */
#define CURIO_AL_STREAM_LEVERAGE  ((PetscInt64) 1 << 42) /* leverage: sampling keys, + row */

typedef CurioActive CurioAL; /* the loop's short name inside src/active */

/* A query strategy: score fills one score per pool row (larger = query first; rows already labeled are overwritten
   with NaN by the caller), select (optional) chooses a whole batch itself; without it the batch is the top k of the
   scores (ties to the smaller pool index, CurioSelectTopK). Adding a heuristic = one function and one table row. */
typedef struct {
  const char *name;
  const char *help;
  PetscErrorCode (*score)(CurioAL, Vec);
  PetscErrorCode (*select)(CurioAL, Vec, PetscInt, PetscInt[]);
  PetscBool reads_all_labels; /* harness checks only: the strategy reads every oracle label up front */
} CurioALStrategy;

PETSC_INTERN const CurioALStrategy CurioALStrategies[];
PETSC_INTERN PetscErrorCode        CurioALStrategyFind(MPI_Comm, const char[], const CurioALStrategy **);
PETSC_INTERN PetscErrorCode        CurioALStrategyList(char[], size_t);

/* The three groups of an active-learning input, and where each comes from: a dense or CSR group of the HDF5 input, or
   a LIBSVM file (-curio_candidates, -curio_test, -curio_input). The loop holds its rows densely (its design matrices are
   dense); a sparse group is read by the sparse readers and densified into the loop's rows. */
typedef enum { CURIO_AL_CAND, CURIO_AL_TEST, CURIO_AL_TRAIN } CurioALGroupId;
typedef enum { CURIO_AL_GROUP_NONE, CURIO_AL_GROUP_DENSE, CURIO_AL_GROUP_CSR, CURIO_AL_GROUP_LIBSVM } CurioALGroupKind;
typedef struct {
  CurioALGroupKind kind;
  char             file[PETSC_MAX_PATH_LEN]; /* the file it is read from: the HDF5 input, or a LIBSVM file */
  char             X[64], y[64];             /* HDF5: the inputs' and the labels' datasets, e.g. /candidates/X and /candidates/y */
  PetscInt         n, dim;
  PetscBool        is1d;
  CurioCSRRows     csr;   /* CSR and LIBSVM: this rank's rows as the sparse reader split them, until densified (no labels) */
  PetscReal       *y_all; /* LIBSVM: every label of the file, replicated (the pool's: the oracle's, read only by CurioALOracleReveal()) */
} CurioALGroup;

struct _n_CurioActive {
  MPI_Comm comm;
  /* options */
  CurioCommonOptions     common; /* -curio_input, -curio_output, -curio_monitor; -curio_s: the fixed s of -curio_al_retune_every 0 */
  char                   restart[PETSC_MAX_PATH_LEN];
  char                   dataset_name[PETSC_MAX_PATH_LEN], strategy_name[64];
  const CurioALStrategy *strategy;
  PetscInt               seed, seed_size, batch, budget, retune_every, stop_after;
  PetscBool              seed_gsx;
  CurioCVGrid            grid; /* the LOOCV grid of re-tuning (-curio_loocv_smin/smax/ns) */
  /* protocol (README, "Protocol"): seed-set rule and stratification, per-seed split, floor of s */
  PetscInt    seed_size_given; /* -curio_al_seed_size as given (0: the rule max(d + 1, 20)) */
  PetscBool   stratify, stratify_set, split_random, split_set, skip_complete;
  PetscReal   s_floor, mix_alpha; /* mix_alpha: sld_var's weight of SLD */
  PetscInt64 *pool_src;           /* random split: file row of each pool point (>= rows of /candidates: a /test row); NULL: fixed */
  PetscReal  *pool_w;             /* every pool point's weight, replicated (NULL: all 1) */
  /* data: the pool and the test set distributed by rows (PETSc's default split), the initial labeled set replicated */
  char                cand_file[PETSC_MAX_PATH_LEN], test_file[PETSC_MAX_PATH_LEN]; /* LIBSVM: -curio_candidates, -curio_test */
  char                source[PETSC_MAX_PATH_LEN];                                   /* the data set's file: the HDF5 input, or the LIBSVM pool */
  CurioALGroup        grp[3];                                                       /* candidates, test, train (CurioALGroupId) */
  hid_t               file;                                                         /* the HDF5 input, open for the oracle (-1 for LIBSVM) */
  CurioRows           pool, test;
  PetscInt            n_pool, dim, n_init, d;
  PetscBool           is1d;
  PetscReal          *init_X, *init_y, *init_w;
  PetscReal          *pool_y; /* every oracle label of this rank's pool rows: only for reads_all_labels strategies */
  CurioModel          model;  /* feature map and loss, the same for every round's fit */
  CurioLossType       loss;   /* the model's loss and feature map (after CurioALPrepare) */
  CurioFeatureMapType features;
  CurioSolver         solver;           /* the solver of every round's fit, options read once, reset between rounds */
  Mat                 PhiPool, PhiTest; /* design matrices of the pool and the test set */
  Vec                 ytest, eta_pool;  /* test labels; the current model's linear predictor on the pool */
  Vec                 theta, theta_dot; /* current model, in the column layout of PhiPool */
  Vec                 unlabeled;        /* 1 on pool rows not yet labeled, 0 on labeled ones */
  PetscReal          *mindist;          /* gsx: this rank's pool rows' distance to the labeled set in input space */
  /* the labeled set, replicated, in labeling order */
  PetscInt   nlab, cap;
  PetscInt  *lab_index, *lab_round; /* pool index (-1: a row of /train) and the row of the curve at which it entered */
  PetscReal *lab_X, *lab_y, *lab_w;
  /* learning curve, one row per model */
  PetscInt   nrows, rowcap;
  PetscInt  *row_nlab, *row_at_boundary, *row_at_floor; /* row_at_boundary: the LOOCV optimum of this row's re-tuning was at the grid end */
  PetscReal *row_err, *row_s, *row_smax, *row_smean, *row_ttrain, *row_ttangent, *row_tscore, *row_tselect, *row_tpredict;
  /* the current round's model */
  CurioFit   fit;                         /* on the labeled set: design, weights, regularizer, optimum, tangent, the solver's operator */
  PetscReal  s;                           /* its regularity */
  PetscReal  sigma2;                      /* its residual variance estimate */
  PetscReal *theta_full, *theta_dot_full; /* replicated copies (warm start, output) */
  PetscBool  have_theta;
  /* state of CurioActiveSetUp()/CurioActiveRun() */
  char      sig[4096]; /* the loop's signature (what a restart file must match) */
  PetscBool setup, done;
};

PETSC_INTERN PetscErrorCode CurioALLoadData(CurioAL);
PETSC_INTERN void           CurioALDatasetName(const char[], char[], size_t);
PETSC_INTERN PetscErrorCode CurioALGroupsFree(CurioAL);
PETSC_INTERN PetscErrorCode CurioALOracleReveal(CurioAL, PetscInt, const PetscInt[], PetscReal[]);
PETSC_INTERN PetscErrorCode CurioALReadAllLabels(CurioAL);
PETSC_INTERN PetscErrorCode CurioALPoolRow(CurioAL, PetscInt, PetscReal[]);
PETSC_INTERN PetscErrorCode CurioALDesignRow(CurioAL, PetscInt, PetscReal[]);
PETSC_INTERN PetscErrorCode CurioALProbeInput(MPI_Comm, const char[], PetscInt *, PetscInt *);
PETSC_INTERN PetscErrorCode CurioALUpdateMinDist(CurioAL, PetscInt, const PetscReal[]);

PETSC_INTERN PetscErrorCode CurioALOutputState(MPI_Comm, const char[], PetscBool *, PetscBool *);
PETSC_INTERN PetscErrorCode CurioALReadPoolLabels(CurioAL, PetscReal[]);
PETSC_INTERN PetscErrorCode CurioALPrepare(CurioAL, char[], size_t);
PETSC_INTERN PetscErrorCode CurioALSignatureFor(CurioAL, const char[], PetscInt, char[], size_t);

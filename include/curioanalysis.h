/**
  @file curioanalysis.h
  @brief Analyses at the optimum: query-score kernels (MATH.md section 4) and leave-one-out CV (section 5).
*/
#pragma once

#include "curiosys.h"
#include "curiofit.h"
#include "curiomodel.h"

/* Score kernels over the rows phi of a design matrix (one score per row, in a Vec laid out like the rows) */
PETSC_EXTERN PetscErrorCode CurioScoreSquaredDot(Mat, Vec, Vec, Vec);
PETSC_EXTERN PetscErrorCode CurioScoreQuadraticForm(Mat, const PetscReal *, Vec);

/** @brief The datasets under /scores, one row each in CurioScoreTable, in the order they are written. */
typedef enum {
  CURIO_SCORE_F,
  CURIO_SCORE_MEAN,
  CURIO_SCORE_FDOT,
  CURIO_SCORE_F_SHIFTED,
  CURIO_SCORE_FDOT_FD,
  CURIO_SCORE_SLD,
  CURIO_SCORE_SLD_EXPECTED,
  CURIO_SCORE_STI_LABELED,
  CURIO_SCORE_STI_UNLABELED,
  CURIO_SCORE_SSI_LABELED,
  CURIO_SCORE_SSI_UNLABELED,
  CURIO_SCORE_VAR,
  CURIO_SCORE_SLD_LABELED,
  CURIO_SCORE_COUNT
} CurioScoreId;

/** @brief What a score needs computed once for the whole pool before any block is scored (flags, OR-ed). */
typedef enum {
  CURIO_SCORE_NEEDS_HINV      = 1, /**< an explicit H^{-1}: d solves, O(d^2) memory (VAR, SSI; skipped with -curio_var_ssi false) */
  CURIO_SCORE_NEEDS_REFERENCE = 2, /**< the reference-set directions H^{-1} Phi_T^T c: two solves (STI) */
  CURIO_SCORE_NEEDS_REF_GRAM  = 4, /**< the reference-set Grams Phi_T^T diag(c^2) Phi_T (SSI) */
  CURIO_SCORE_NEEDS_SHIFTED   = 8, /**< theta*(s + delta): a second training (f_shifted, fdot_fd) */
  CURIO_SCORE_NEEDS_LABELS    = 16 /**< the candidates' labels: without them the score is not computed (sld_labeled) */
} CurioScoreNeeds;

/** @brief One block of candidate rows being scored: what the kernels read, and the scores computed so far. */
typedef struct _n_CurioScoreBlock *CurioScoreBlock;
struct _n_CurioScoreBlock {
  Mat              Phi;              /**< the candidates' design matrix (rows = candidates) */
  const PetscReal *y;                /**< this rank's candidate labels, or NULL */
  CurioLossType    loss;             /**< the model's loss */
  PetscReal        sigma2;           /**< residual variance estimate (squared loss's Var(y given x)) */
  PetscReal        delta;            /**< finite-difference step in s */
  Vec              theta, theta_dot; /**< the optimum theta* and its tangent theta_dot */
  Vec              theta_s;          /**< theta*(s + delta) (CURIO_SCORE_NEEDS_SHIFTED) */
  Vec              vl, vu;           /**< H^{-1} Phi_T^T c, labeled and unlabeled (CURIO_SCORE_NEEDS_REFERENCE) */
  const PetscReal *Hinv, *Ml, *Mu;   /**< H^{-1} and the SSI kernels H^{-1} A H^{-1} (NULL when skipped: VAR and SSI are NaN) */
  Vec             *v;                /**< CURIO_SCORE_COUNT scores in the rows' layout, NULL until computed */
  PetscReal        fd_err, fd_max;   /**< max |fdot_fd - fdot| and max |fdot| over the block (with fdot_fd) */
};

/** @brief A score kernel: fills out (laid out like the block's rows); it may ask for other scores with CurioScoreBlockGet(). */
typedef PetscErrorCode (*CurioScoreKernel)(CurioScoreBlock blk, Vec out);

/** @brief One row of the score registry (README, "How to add a score"). */
typedef struct {
  const char      *name;        /**< dataset name under /scores, -curio_scores and -curio_select_by value */
  const char      *description; /**< one line: -help and the dataset's long_name attribute */
  CurioScoreKernel kernel;
  unsigned         needs;      /**< CurioScoreNeeds flags, including those of the scores the kernel reads */
  PetscBool        selectable; /**< an active-learning heuristic that -curio_select_by may rank candidates by */
  const char      *units;      /**< the dataset's units attribute (docs/design.md, "Output datasets") */
} CurioScoreInfo;

PETSC_EXTERN const CurioScoreInfo CurioScoreTable[]; /**< indexed by CurioScoreId */

PETSC_EXTERN PetscErrorCode CurioScoreFind(const char name[], CurioScoreId *id, PetscBool *found);
PETSC_EXTERN PetscErrorCode CurioScoreParseList(MPI_Comm comm, const char option[], const char list[], PetscBool want[], PetscBool *any);
PETSC_EXTERN PetscErrorCode CurioScoreFindSelectable(MPI_Comm comm, const char option[], const char name[], CurioScoreId *id);
PETSC_EXTERN PetscErrorCode CurioScoreListNames(PetscBool selectable_only, PetscBool describe, char buf[], size_t len);
PETSC_EXTERN unsigned       CurioScoreNeedsOf(const PetscBool want[]);
PETSC_EXTERN PetscErrorCode CurioScoreBlockGet(CurioScoreBlock blk, CurioScoreId id, Vec *v);
PETSC_EXTERN PetscErrorCode CurioScoreBlockCompute(CurioScoreBlock blk, const PetscBool want[]);
PETSC_EXTERN PetscErrorCode CurioScoreBlockReset(CurioScoreBlock blk);

/** @brief Scores candidates with a solved CurioFit: what every block needs is prepared once (src/analysis/scorer.c). */
typedef struct _n_CurioScorer *CurioScorer;

PETSC_EXTERN PetscErrorCode CurioScorerCreate(CurioFit, const PetscBool[], PetscBool, PetscReal, CurioScorer *);
PETSC_EXTERN PetscErrorCode CurioScorerDestroy(CurioScorer *);
PETSC_EXTERN PetscErrorCode CurioScorerNeedsReference(CurioScorer, PetscBool *);
PETSC_EXTERN PetscErrorCode CurioScorerAddReference(CurioScorer, Mat, PetscInt, const PetscReal[], const PetscReal[]);
PETSC_EXTERN PetscErrorCode CurioScorerSetUp(CurioScorer);
PETSC_EXTERN PetscErrorCode CurioScorerCompute(CurioScorer, Mat, const PetscReal[], PetscReal, Vec[], PetscReal *, PetscReal *);
PETSC_EXTERN PetscErrorCode CurioScorerGetInfo(CurioScorer, PetscInt *, unsigned *);

/* Batch top-k selection with deterministic tie-breaking (score, then smaller index), replicated on every rank */
PETSC_EXTERN PetscErrorCode CurioSelectTopK(Vec v, PetscInt k, PetscInt index[], PetscReal score[]);
PETSC_EXTERN PetscBool      CurioScoreRanksBefore(PetscReal s, PetscInt64 i, PetscReal t, PetscInt64 j);
PETSC_EXTERN void           CurioTopKMerge(PetscInt k, PetscInt *have, PetscInt64 index[], PetscReal score[], PetscInt nb, const PetscInt64 bindex[],
                                           const PetscReal bscore[]);
PETSC_EXTERN void           CurioTopKInsert(PetscInt k, PetscInt *have, PetscInt64 index[], PetscReal score[], PetscInt64 i, PetscReal s);

/** @brief Exact LOOCV for squared loss and quadratic R from one eigendecomposition of Phi^T W Phi. */
typedef struct _n_CurioLOOCV *CurioLOOCV;

/** @brief A LOOCV curve over a grid of s and its optimum. */
typedef struct {
  PetscInt   ns;
  PetscReal *s, *exact, *approx, *gcv;
  PetscReal *kfold; /**< brute-force K-fold (or leave-one-out) CV by refits, or NULL */
  PetscReal  s_opt, cv_opt;
  PetscBool  at_boundary;  /**< the grid minimum is at an end of the grid: the optimum may lie outside it */
  PetscInt   local_minima; /**< interior local minima of the exact curve on the grid */
  PetscBool  flat;         /**< the exact curve does not depend on s to rounding: s_opt is the grid's first value, not flagged */
} CurioLOOCVCurve;

PETSC_EXTERN PetscErrorCode CurioLOOCVCreate(Mat, Vec, Vec, PetscBool, const PetscReal *, CurioLOOCV *);
PETSC_EXTERN PetscErrorCode CurioLOOCVDestroy(CurioLOOCV *);
PETSC_EXTERN PetscErrorCode CurioLOOCVEvaluate(CurioLOOCV, PetscInt, const PetscReal[], PetscReal[], PetscReal[], PetscReal[]);
PETSC_EXTERN PetscErrorCode CurioLOOCVResiduals(CurioLOOCV, PetscReal, Vec, Vec);
PETSC_EXTERN PetscErrorCode CurioLOOCVCurveCompute(CurioLOOCV, PetscReal, PetscReal, PetscInt, CurioLOOCVCurve *);
PETSC_EXTERN PetscErrorCode CurioLOOCVCurveFree(CurioLOOCVCurve *);

/* Cross-validation of a fit over a grid of s (src/analysis/cv.c) */
PETSC_EXTERN PetscErrorCode CurioFitCVCurve(CurioFit, PetscReal, PetscReal, PetscInt, CurioLOOCVCurve *);
PETSC_EXTERN PetscErrorCode CurioFitCVKFold(CurioFit, PetscInt, CurioLOOCVCurve *);

/** @brief The LOOCV grid of s as the options give it (-curio_loocv, -curio_loocv_smin/smax/ns); an end not given is
    relative to the Gram G = Phi^T W Phi of the fit it is applied to (CurioFitCVGridCurve()). */
typedef struct {
  PetscBool enabled;            /**< -curio_loocv: s from LOOCV (off needs -curio_s) */
  PetscReal smin, smax;         /**< the ends as given; not given: the factors 1e-6 (of min_j G_jj/n) and 1e3 (of lambda_max(G)/n) */
  PetscBool smin_set, smax_set; /**< whether each end was given */
  PetscInt  ns;                 /**< number of log-spaced values of s */
} CurioCVGrid;

PETSC_EXTERN PetscErrorCode CurioCVGridInitialize(CurioCVGrid *grid);
PETSC_EXTERN PetscErrorCode CurioCVGridSetFromOptions(PetscOptionItems *PetscOptionsObject, PetscBool s_given, CurioCVGrid *grid);
PETSC_EXTERN PetscErrorCode CurioFitCVGridCurve(CurioFit fit, const CurioCVGrid *grid, CurioLOOCVCurve *curve, PetscReal *smin, PetscReal *smax,
                                                PetscReal *scale);

/* Classic influence (Koh and Liang) of a solved fit (src/analysis/influence.c) */
PETSC_EXTERN PetscErrorCode CurioFitSelfInfluence(CurioFit, const PetscReal[], Vec *, PetscReal *);
PETSC_EXTERN PetscErrorCode CurioFitInfluenceTop(CurioFit, const PetscReal[], Mat, Vec, Vec, PetscInt, PetscInt, PetscInt[], PetscReal[],
                                                 PetscReal *);

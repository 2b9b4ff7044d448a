/**
  @file curioanalysis.h
  @brief Analyses at the optimum: query-score kernels (MATH.md section 4) and leave-one-out CV (section 5).
*/
#pragma once

#include "curiosys.h"
#include "curiofit.h"

/* Score kernels over the rows phi of a design matrix (one score per row, in a Vec laid out like the rows) */
PETSC_EXTERN PetscErrorCode CurioScoreSquaredDot(Mat, Vec, Vec, Vec);
PETSC_EXTERN PetscErrorCode CurioScoreQuadraticForm(Mat, const PetscReal *, Vec);

/* Batch top-k selection with deterministic tie-breaking (score, then smaller index), replicated on every rank */
PETSC_EXTERN PetscErrorCode CurioSelectTopK(Vec, PetscInt, PetscInt[], PetscReal[]);

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

/* Classic influence (Koh and Liang) of a solved fit (src/analysis/influence.c) */
PETSC_EXTERN PetscErrorCode CurioFitSelfInfluence(CurioFit, const PetscReal[], Vec *);
PETSC_EXTERN PetscErrorCode CurioFitInfluenceTop(CurioFit, const PetscReal[], Mat, Vec, Vec, PetscInt, PetscInt, PetscInt[], PetscReal[]);

/**
  @file curioproblem.h
  @brief CurioProblem: one regularized regression run, from data to optimum, tangent, LOOCV, scores and output.
*/
#pragma once

#include "curiosys.h"
#include "curiodata.h"
#include "curiomodel.h"
#include "curiosolver.h"
#include "curiofit.h"
#include "curioanalysis.h"
#include "curiooutput.h"

typedef struct _n_CurioProblem *CurioProblem;

/** @brief Query scores over the candidate pool (MATH.md section 4), one Vec per row of CurioScoreTable, laid out like
    the candidate rows. */
typedef struct {
  Vec       v[CURIO_SCORE_COUNT];    /**< indexed by CurioScoreId; NULL where not computed */
  PetscBool want[CURIO_SCORE_COUNT]; /**< asked for (-curio_scores): computed and written */
  unsigned  needs;                   /**< CurioScoreNeeds flags of what was prepared for the pool */
  PetscReal delta, fd_max_rel_error; /**< the FD step (with CURIO_SCORE_NEEDS_SHIFTED) and the FD check (with fdot_fd) */
  PetscInt  reference_size;          /**< |T| of STI and SSI (with a reference set) */
  PetscBool reference_has_test, has_reference, has_fd_check;
} CurioScores;

PETSC_EXTERN PetscErrorCode CurioProblemCreate(MPI_Comm, CurioProblem *);
PETSC_EXTERN PetscErrorCode CurioProblemGetFit(CurioProblem, CurioFit *);
PETSC_EXTERN PetscErrorCode CurioProblemGetData(CurioProblem, CurioData *);
PETSC_EXTERN PetscErrorCode CurioProblemGetModel(CurioProblem, CurioModel *);
PETSC_EXTERN PetscErrorCode CurioProblemGetSolver(CurioProblem, CurioSolver *);
PETSC_EXTERN PetscErrorCode CurioProblemGetDesign(CurioProblem, Mat *, Mat *, Mat *);
PETSC_EXTERN PetscErrorCode CurioProblemGetScores(CurioProblem, const CurioScores **);
PETSC_EXTERN PetscErrorCode CurioProblemSetScores(CurioProblem, const PetscBool[]);
PETSC_EXTERN PetscErrorCode CurioProblemGetLOOCVCurve(CurioProblem, const CurioLOOCVCurve **);
PETSC_EXTERN PetscErrorCode CurioProblemDestroy(CurioProblem *);
PETSC_EXTERN PetscErrorCode CurioProblemSetFromOptions(CurioProblem);
PETSC_EXTERN PetscErrorCode CurioProblemSetUp(CurioProblem);
PETSC_EXTERN PetscErrorCode CurioProblemSolve(CurioProblem, PetscReal);
PETSC_EXTERN PetscErrorCode CurioProblemComputeLOOCV(CurioProblem);
PETSC_EXTERN PetscErrorCode CurioProblemComputeScores(CurioProblem);
PETSC_EXTERN PetscErrorCode CurioProblemSelect(CurioProblem);
PETSC_EXTERN PetscErrorCode CurioProblemScoreStream(CurioProblem, CurioOutput);
PETSC_EXTERN PetscErrorCode CurioProblemComputeInfluence(CurioProblem);
PETSC_EXTERN PetscErrorCode CurioProblemWriteScores(CurioProblem p, CurioOutput out, const char scale[]);
PETSC_EXTERN PetscErrorCode CurioProblemRun(CurioProblem);
PETSC_EXTERN PetscErrorCode CurioProblemWrite(CurioProblem, const char[]);
PETSC_EXTERN PetscErrorCode CurioProblemView(CurioProblem, PetscViewer);

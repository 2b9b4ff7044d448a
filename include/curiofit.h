/**
  @file curiofit.h
  @brief CurioFit: one regularized regression fit on distributed rows, the context that training, the tangent, the
  scores, influence and LOOCV work on: design Phi, labels y, weights w, per-row curvature w l'', the regularizer
  (mask and centre), the Hessian operator and its solver, and the optimum theta*(s) with its tangent.

  A fit does not own data files or options: the fit driver (CurioProblem) or the active-learning loop builds it from
  rows it has read. Objects passed to CurioFitCreate() are referenced, not copied.
*/
#pragma once

#include "curiosys.h"
#include "curiomodel.h"
#include "curiosolver.h"

typedef struct _n_CurioFit *CurioFit;

/* Above this estimated relative forward error of theta_dot the Krylov path refines its solves and a run warns (README,
   "Numerics at the edges") */
#define CURIO_TANGENT_WARN 1e-6
/* Above this estimated relative forward error after refinement, the Krylov path refuses instead of warning */
#define CURIO_TANGENT_REFUSE 1e-4

PETSC_EXTERN PetscErrorCode CurioFitCreate(CurioModel, Mat, Vec, Vec, CurioSolver, CurioFit *);
PETSC_EXTERN PetscErrorCode CurioFitSetUp(CurioFit);
PETSC_EXTERN PetscErrorCode CurioFitDestroy(CurioFit *);
PETSC_EXTERN PetscErrorCode CurioFitSetMonitor(CurioFit, PetscBool);
PETSC_EXTERN PetscErrorCode CurioFitSetWeights(CurioFit, Vec);
PETSC_EXTERN PetscErrorCode CurioFitSetRowsDescription(CurioFit, const char[]);
PETSC_EXTERN PetscErrorCode CurioFitSetCurvatureAt(CurioFit, Vec, PetscReal);
PETSC_EXTERN PetscErrorCode CurioFitObjective(CurioFit, PetscReal, Vec, PetscReal *, Vec);
PETSC_EXTERN PetscErrorCode CurioFitTrain(CurioFit, PetscReal, Vec);
PETSC_EXTERN PetscErrorCode CurioFitSolve(CurioFit, PetscReal);

PETSC_EXTERN PetscErrorCode CurioFitGetComm(CurioFit, MPI_Comm *);
PETSC_EXTERN PetscErrorCode CurioFitGetMonitor(CurioFit, PetscBool *);
PETSC_EXTERN PetscErrorCode CurioFitGetModel(CurioFit, CurioModel *);
PETSC_EXTERN PetscErrorCode CurioFitGetSolver(CurioFit, CurioSolver *);
PETSC_EXTERN PetscErrorCode CurioFitGetDesign(CurioFit, Mat *);
PETSC_EXTERN PetscErrorCode CurioFitGetLabels(CurioFit, Vec *);
PETSC_EXTERN PetscErrorCode CurioFitGetWeights(CurioFit, Vec *);
PETSC_EXTERN PetscErrorCode CurioFitGetCurvature(CurioFit, Vec *);
PETSC_EXTERN PetscErrorCode CurioFitGetRegularizer(CurioFit, Vec *, Vec *);
PETSC_EXTERN PetscErrorCode CurioFitGetSolution(CurioFit, Vec *, Vec *);
PETSC_EXTERN PetscErrorCode CurioFitGetRegularizerGradient(CurioFit, Vec *);
PETSC_EXTERN PetscErrorCode CurioFitGetRegularity(CurioFit, PetscReal *, PetscBool *);
PETSC_EXTERN PetscErrorCode CurioFitGetDiagnostics(CurioFit, PetscReal *, PetscReal *);
PETSC_EXTERN PetscErrorCode CurioFitGetAccuracy(CurioFit fit, PetscReal *condition, PetscReal *forward_error, PetscBool *rowspace,
                                                PetscReal *theta_error);
PETSC_EXTERN PetscErrorCode CurioFitGetIterations(CurioFit, PetscInt *, PetscInt *);
PETSC_EXTERN PetscErrorCode CurioFitGetTimes(CurioFit, PetscReal *, PetscReal *);

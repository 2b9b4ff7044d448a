/**
  @file curiosolver.h
  @brief The Hessian H = Phi^T diag(c) Phi + s diag(m) (c = w l'', m = regularizer mask) and CurioSolver for H x = b.
*/
#pragma once

#include "curiosys.h"

/** @brief The two independent solver paths. */
typedef enum {
  CURIO_SOLVER_DIRECT, /**< Gram by local BLAS syrk + MPI_Allreduce, Cholesky by ScaLAPACK */
  CURIO_SOLVER_KRYLOV  /**< PETSc KSP (CG) on a MATSHELL Hessian, matrix-free Jacobi preconditioner */
} CurioSolverType;
PETSC_EXTERN const char *const CurioSolverTypes[];

PETSC_EXTERN PetscErrorCode CurioHessianCreateShell(Mat, Vec, Vec, PetscReal, Mat *);
PETSC_EXTERN PetscErrorCode CurioHessianShellSetRegularity(Mat, PetscReal);
PETSC_EXTERN PetscErrorCode CurioHessianShellSetFused(Mat, PetscBool);
PETSC_EXTERN PetscErrorCode CurioGramCompute(Mat, Vec, PetscReal *);
PETSC_EXTERN PetscErrorCode CurioWeightedColumnSquares(Mat, Vec, PetscReal *);

typedef struct _n_CurioSolver *CurioSolver;

PETSC_EXTERN PetscErrorCode CurioSolverCreate(MPI_Comm, CurioSolver *);
PETSC_EXTERN PetscErrorCode CurioSolverDestroy(CurioSolver *);
PETSC_EXTERN PetscErrorCode CurioSolverSetType(CurioSolver, CurioSolverType);
PETSC_EXTERN PetscErrorCode CurioSolverGetType(CurioSolver, CurioSolverType *);
PETSC_EXTERN PetscErrorCode CurioSolverSetFromOptions(CurioSolver);
PETSC_EXTERN PetscErrorCode CurioSolverSetOperator(CurioSolver, Mat, Vec, Vec);
PETSC_EXTERN PetscErrorCode CurioSolverSetRegularity(CurioSolver, PetscReal);
PETSC_EXTERN PetscErrorCode CurioSolverSolve(CurioSolver, Vec, Vec);
PETSC_EXTERN PetscErrorCode CurioSolverSolveRange(CurioSolver solver, Vec r, Vec x, Vec x2);
PETSC_EXTERN PetscErrorCode CurioSolverGetCondition(CurioSolver solver, PetscReal *kappa, PetscBool *rowspace);
PETSC_EXTERN PetscErrorCode CurioSolverApply(CurioSolver, Vec, Vec);
PETSC_EXTERN PetscErrorCode CurioSolverGetInverse(CurioSolver, PetscReal *);
PETSC_EXTERN PetscErrorCode CurioSolverGetHessianShell(CurioSolver, Mat *);
PETSC_EXTERN PetscErrorCode CurioSolverGetIterations(CurioSolver, PetscInt *);
PETSC_EXTERN PetscErrorCode CurioSolverGetGram(CurioSolver, const PetscReal **);
PETSC_EXTERN PetscErrorCode CurioSolverGetKSP(CurioSolver, KSP *);

/* Dense symmetric d x d matrices replicated on every rank, factored or decomposed by ScaLAPACK */
PETSC_EXTERN PetscErrorCode CurioDenseCholeskySolve(MPI_Comm, PetscInt, const PetscReal *, PetscInt, PetscReal *);
PETSC_EXTERN PetscErrorCode CurioDenseEigen(MPI_Comm, PetscInt, const PetscReal *, PetscReal *, PetscReal *);

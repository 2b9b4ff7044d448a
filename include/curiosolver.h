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
PETSC_EXTERN PetscErrorCode CurioHessianShellResetDiagonal(Mat);
PETSC_EXTERN PetscErrorCode CurioGramCompute(Mat, Vec, PetscReal *);
PETSC_EXTERN PetscErrorCode CurioGramRank(Vec, PetscInt, const PetscReal[], PetscInt *);
PETSC_EXTERN PetscErrorCode CurioGramEigen(Vec c, PetscReal gscale, PetscInt p, const PetscReal A[], const PetscReal dscale[], PetscReal lambda[],
                                           PetscReal V[], PetscInt *nnull, PetscReal *noise);
PETSC_EXTERN PetscErrorCode CurioWeightedColumnSquares(Mat, Vec, PetscReal *);

typedef struct _n_CurioSolver *CurioSolver;

/** @brief What a Krylov solve is for: each has its own KSP and options prefix, so that its monitors and tolerances can
    be told apart (`-curio_tangent_ksp_monitor`); the common prefix `-curio_ksp_*` / `-curio_pc_*` applies to all of
    them first. TAO's Newton systems have `-curio_newton_ksp_*` (train.c). */
typedef enum {
  CURIO_SOLVE_OTHER,   /**< prefix curio_: everything else (STI's solves, the active loop's strategies) */
  CURIO_SOLVE_TRAIN,   /**< prefix curio_train_: theta of squared loss (the regularized normal equations) */
  CURIO_SOLVE_TANGENT, /**< prefix curio_tangent_: theta_dot = -H^{-1} grad R and its refinement */
  CURIO_SOLVE_INVERSE, /**< prefix curio_inverse_: the d columns of H^{-1} (VAR, SSI, influence, LOOCV of GLMs) */
  CURIO_SOLVE_COUNT
} CurioSolvePurpose;
PETSC_EXTERN const char *const CurioSolvePrefixes[];

PETSC_EXTERN PetscErrorCode CurioSolverCreate(MPI_Comm, CurioSolver *);
PETSC_EXTERN PetscErrorCode CurioSolverDestroy(CurioSolver *);
PETSC_EXTERN PetscErrorCode CurioSolverReset(CurioSolver solver);
PETSC_EXTERN PetscErrorCode CurioSolverSetType(CurioSolver, CurioSolverType);
PETSC_EXTERN PetscErrorCode CurioSolverGetType(CurioSolver, CurioSolverType *);
PETSC_EXTERN PetscErrorCode CurioSolverSetFromOptions(CurioSolver);
PETSC_EXTERN PetscErrorCode CurioSolverCheckKSPTolerances(KSP ksp, const char *const prefixes[]);
PETSC_EXTERN PetscErrorCode CurioSolverSetOperator(CurioSolver, Mat, Vec, Vec);
PETSC_EXTERN PetscErrorCode CurioSolverSetRegularity(CurioSolver, PetscReal);
PETSC_EXTERN PetscErrorCode CurioSolverSolve(CurioSolver, Vec, Vec);
PETSC_EXTERN PetscErrorCode CurioSolverSolveFor(CurioSolver, CurioSolvePurpose, Vec, Vec);
PETSC_EXTERN PetscErrorCode CurioSolverSolveRange(CurioSolver solver, Vec r, Vec x, Vec x2);
PETSC_EXTERN PetscErrorCode CurioSolverGetCondition(CurioSolver solver, PetscReal *kappa, PetscBool *rowspace);
PETSC_EXTERN PetscErrorCode CurioSolverGetRangeError(CurioSolver solver, PetscReal *err);
PETSC_EXTERN PetscErrorCode CurioSolverApply(CurioSolver, Vec, Vec);
PETSC_EXTERN PetscErrorCode CurioSolverGetDiagonal(CurioSolver, Vec);
PETSC_EXTERN PetscErrorCode CurioSolverGetInverse(CurioSolver, PetscReal *);
PETSC_EXTERN PetscErrorCode CurioSolverGetHessianShell(CurioSolver, Mat *);
PETSC_EXTERN PetscErrorCode CurioSolverGetIterations(CurioSolver, PetscInt *);
PETSC_EXTERN PetscErrorCode CurioSolverGetGram(CurioSolver, const PetscReal **);
PETSC_EXTERN PetscErrorCode CurioSolverGetKSP(CurioSolver, KSP *);
PETSC_EXTERN PetscErrorCode CurioSolverGetKSPFor(CurioSolver, CurioSolvePurpose, KSP *);

/* Dense symmetric d x d matrices replicated on every rank, factored or decomposed by ScaLAPACK */
PETSC_EXTERN PetscErrorCode CurioDenseCholeskySolve(MPI_Comm, PetscInt, const PetscReal *, PetscInt, PetscReal *);
PETSC_EXTERN PetscErrorCode CurioDenseEigen(MPI_Comm, PetscInt, const PetscReal *, PetscReal *, PetscReal *);
PETSC_EXTERN PetscErrorCode CurioDenseRankScaled(MPI_Comm, PetscInt, const PetscReal *, PetscReal, PetscInt *);
PETSC_EXTERN PetscErrorCode CurioDenseEigenScaled(MPI_Comm, PetscInt, const PetscReal *, const PetscReal *, PetscReal, PetscReal *, PetscReal *,
                                                  PetscInt *);

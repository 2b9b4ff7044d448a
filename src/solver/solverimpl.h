/* Internal declarations of the solver layer: the Hessian operator, ScaLAPACK, CurioSolver, CurioFit and training. */
#pragma once

#include "../model/modelimpl.h"
#include <curiosolver.h>
#include <curiofit.h>

/* Up to this order an eigendecomposition is LAPACK's on every rank's copy of the replicated matrix (under a second at
   the largest; a Gram's is the scaled one, CurioDenseEigenScaled()); above, ScaLAPACK's */
#define CURIO_EIGEN_LAPACK_MAX 512

/* A residual of H x = b in the Jacobi scaling of the condition estimate (src/solver/fit.c) */
PETSC_INTERN PetscErrorCode CurioFitScaledResidual(CurioFit, Vec, Vec, PetscReal *);
/* Refuses a replicated operator array (Gram, diag H) with a non-finite entry, collectively (src/solver/hessian.c) */
PETSC_INTERN PetscErrorCode CurioCheckOperatorFinite(MPI_Comm, const char[], PetscInt, PetscInt64, const PetscReal[]);

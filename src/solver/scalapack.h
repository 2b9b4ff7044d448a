/* Internal: a dense symmetric matrix on a BLACS grid (see scalapack.c) */
#pragma once

#include "solverimpl.h"

typedef struct {
  MPI_Comm   comm;
  int        system, ctxt, nprow, npcol, myrow, mycol;
  int        n, nb, mloc, nloc, desc[9];
  PetscReal *A;
  PetscBool  factored;
  PetscReal  rcond; /* reciprocal 1-norm condition estimate after CurioBlockCyclicCholeskyTry() (pdpocon); 0 on breakdown */
} CurioBlockCyclic;

PETSC_INTERN PetscErrorCode CurioBlockCyclicCreate(MPI_Comm, PetscInt, const PetscReal *, CurioBlockCyclic **);
PETSC_INTERN PetscErrorCode CurioBlockCyclicDestroy(CurioBlockCyclic **);
PETSC_INTERN PetscErrorCode CurioBlockCyclicCholesky(CurioBlockCyclic *);
PETSC_INTERN PetscErrorCode CurioBlockCyclicCholeskyTry(CurioBlockCyclic *, PetscReal, PetscInt *);
PETSC_INTERN PetscErrorCode CurioBlockCyclicSolve(CurioBlockCyclic *, PetscInt, PetscReal *);
PETSC_INTERN PetscErrorCode CurioBlockCyclicEigen(CurioBlockCyclic *, PetscReal *, PetscReal *);

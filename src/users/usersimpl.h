/* Internal declarations of the users mode (src/users/): per-user models under parameter inheritance (MATH.md
   section 7, the paper's section 3.4.1). Not installed. */
#pragma once

#include "../analysis/analysisimpl.h"
#include <curiousers.h>
#include <petscblaslapack.h>

/* The training rows of this rank's users, grouped by user in increasing global row order, and their models.
   Users are numbered 0..U-1 in increasing id order; this rank owns users [ufirst, ufirst + nu). */
typedef struct {
  PetscInt   d;                 /* parameters per user */
  PetscInt   U, ufirst, nu;     /* all users, the first local one, local users */
  PetscInt  *id;                /* nu user ids */
  PetscInt  *off;               /* nu + 1 row offsets into phi, y, w */
  PetscReal *phi, *y, *w;       /* local rows, row-major d */
  PetscReal *theta, *theta_dot; /* nu x d, row-major */
  PetscInt  *its;               /* Newton iterations per local user */
} CurioUserSet;

/* What a user's model depends on: loss, s, theta0 and the chain factor c0 of eq. 98 (c0 theta0_dot enters the tangent's
   right-hand side: c0 = s when theta0 shares s, s0 when theta0 has its own regularity, see docs/users.md) */
typedef struct {
  CurioLossType    loss;
  PetscReal        s, c0;
  const PetscReal *theta0, *theta0_dot;
  PetscInt         maxit;
  PetscReal        rtol;
} CurioUserModel;

/* Workspace for the d x d kernels of one user at a time. info: the first failed factorization's LAPACK info since the
   caller set it to 0 (the factor is then the identity, so that the user's loop goes on to the collective error);
   trace: tr(H_u - s I) of the last factor; hd: the diagonal of H_u of the last factor; S: d x d workspace; err: the
   last CurioUserFit()'s estimated relative error of the tangent */
typedef struct {
  PetscInt     d, nmax;
  PetscReal   *H, *B, *g, *step, *trial, *eta, *hd, *S;
  PetscBLASInt info;
  PetscReal    trace, err;
} CurioUserWork;

PETSC_INTERN PetscErrorCode CurioUserWorkCreate(PetscInt, PetscInt, CurioUserWork *);
PETSC_INTERN PetscErrorCode CurioUserWorkDestroy(CurioUserWork *);
PETSC_INTERN PetscErrorCode CurioUserFit(const CurioUserModel *, PetscInt, const PetscReal *, const PetscReal *, const PetscReal *, CurioUserWork *,
                                         PetscReal *, PetscReal *, PetscInt *, PetscBool *);
PETSC_INTERN PetscErrorCode CurioUserHessianFactor(const CurioUserModel *, PetscInt, const PetscReal *, const PetscReal *, const PetscReal *,
                                                   const PetscReal *, CurioUserWork *);
PETSC_INTERN PetscErrorCode CurioUserFactorSolve(CurioUserWork *, PetscReal *);
PETSC_INTERN PetscErrorCode CurioUsersHierarchySolve(MPI_Comm, CurioLossType, PetscReal, CurioUserSet *, PetscBool, PetscReal *, PetscReal *,
                                                     PetscReal *, PetscReal *, PetscInt *, PetscInt *, PetscReal *);
PETSC_INTERN PetscErrorCode CurioUserApproxLOO(const CurioUserModel *, PetscInt, const PetscReal *, const PetscReal *, const PetscReal *,
                                               CurioUserWork *, PetscReal *, PetscReal *, PetscReal *, PetscBool *);

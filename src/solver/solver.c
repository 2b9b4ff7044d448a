/* CurioSolver: H x = b at the current optimum by one of two independent paths (docs/design.md). */
#include "../curioimpl.h"
#include "scalapack.h"

const char *const CurioSolverTypes[] = {"direct", "krylov", "CurioSolverType", "CURIO_SOLVER_", NULL};

struct _n_CurioSolver {
  MPI_Comm        comm;
  CurioSolverType type;
  Mat             Phi;
  Vec             c, m;
  PetscReal       s;
  PetscInt        d;
  PetscBool       has_s;
  /* direct path */
  PetscReal        *G, *mfull;
  CurioBlockCyclic *bc;
  /* krylov path */
  Mat      H;
  KSP      ksp;
  PetscInt its;
};

PetscErrorCode CurioSolverCreate(MPI_Comm comm, CurioSolver *solver)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(solver));
  (*solver)->comm = comm;
  (*solver)->type = CURIO_SOLVER_DIRECT;
  PetscCall(KSPCreate(comm, &(*solver)->ksp));
  PetscCall(KSPSetOptionsPrefix((*solver)->ksp, "curio_"));
  PetscCall(KSPSetType((*solver)->ksp, KSPCG));
  /* divtol off: PETSc's divergence test compares the residual with the initial one, but the residual of CG on an SPD
     operator may grow by many orders before it falls (badly scaled columns: 1e4 after two iterations), so it is no
     sign of divergence; the real failures are an indefinite operator and breakdown. -curio_ksp_divtol still wins. */
  PetscCall(KSPSetTolerances((*solver)->ksp, 1e-12, 1e-50, PETSC_MAX_REAL, 100000));
  PetscCall(KSPSetNormType((*solver)->ksp, KSP_NORM_UNPRECONDITIONED));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CurioSolverDestroy(CurioSolver *solver)
{
  PetscFunctionBegin;
  if (!*solver) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(MatDestroy(&(*solver)->Phi));
  PetscCall(VecDestroy(&(*solver)->c));
  PetscCall(VecDestroy(&(*solver)->m));
  PetscCall(PetscFree((*solver)->G));
  PetscCall(PetscFree((*solver)->mfull));
  PetscCall(CurioBlockCyclicDestroy(&(*solver)->bc));
  PetscCall(MatDestroy(&(*solver)->H));
  PetscCall(KSPDestroy(&(*solver)->ksp));
  PetscCall(PetscFree(*solver));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CurioSolverSetType(CurioSolver solver, CurioSolverType type)
{
  PetscFunctionBegin;
  solver->type = type;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CurioSolverGetType(CurioSolver solver, CurioSolverType *type)
{
  PetscFunctionBegin;
  *type = solver->type;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverSetFromOptions - -curio_solver direct|krylov; the Krylov solver reads -curio_ksp_* and -curio_pc_*
  (default CG, Jacobi, rtol 1e-12)
@*/
PetscErrorCode CurioSolverSetFromOptions(CurioSolver solver)
{
  PC pc;

  PetscFunctionBegin;
  PetscOptionsBegin(solver->comm, NULL, "curio solver", "CurioSolver");
  PetscCall(PetscOptionsEnum("-curio_solver", "direct: ScaLAPACK Cholesky of the assembled H; krylov: KSP on a matrix-free H", "CurioSolverSetType",
                             CurioSolverTypes, (PetscEnum) solver->type, (PetscEnum *) &solver->type, NULL));
  PetscOptionsEnd();
  PetscCall(KSPGetPC(solver->ksp, &pc));
  PetscCall(PCSetType(pc, PCJACOBI));
  PetscCall(KSPSetFromOptions(solver->ksp));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverSetOperator - H = Phi^T diag(c) Phi + s diag(m); the direct path forms the Gram matrix here. Call it again
  with the same objects after the values of c change (the Hessian of a GLM at a new theta).
@*/
PetscErrorCode CurioSolverSetOperator(CurioSolver solver, Mat Phi, Vec c, Vec m)
{
  PetscFunctionBegin;
  if (Phi != solver->Phi || c != solver->c || m != solver->m || !solver->H) {
    PetscCall(PetscObjectReference((PetscObject) Phi));
    PetscCall(PetscObjectReference((PetscObject) c));
    PetscCall(PetscObjectReference((PetscObject) m));
    PetscCall(MatDestroy(&solver->Phi));
    PetscCall(VecDestroy(&solver->c));
    PetscCall(VecDestroy(&solver->m));
    solver->Phi = Phi;
    solver->c   = c;
    solver->m   = m;
    PetscCall(MatGetSize(Phi, NULL, &solver->d));
    PetscCall(MatDestroy(&solver->H));
    PetscCall(CurioHessianCreateShell(Phi, c, m, solver->s, &solver->H));
    if (solver->type == CURIO_SOLVER_DIRECT) {
      PetscCall(PetscFree(solver->G));
      PetscCall(PetscFree(solver->mfull));
      PetscCall(PetscMalloc1(solver->d * solver->d, &solver->G));
      PetscCall(PetscMalloc1(solver->d, &solver->mfull));
    }
  }
  /* same objects, maybe new values of c (a Newton step): the shell sees them through its reference; the direct
     path forms the Gram again */
  if (solver->type == CURIO_SOLVER_DIRECT) {
    PetscCall(CurioGramCompute(Phi, c, solver->G));
    PetscCall(CurioVecGatherAll(m, solver->mfull));
  }
  if (solver->has_s) PetscCall(CurioSolverSetRegularity(solver, solver->s));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverSetRegularity - sets s; the direct path factors H = G + s diag(m) with ScaLAPACK
@*/
PetscErrorCode CurioSolverSetRegularity(CurioSolver solver, PetscReal s)
{
  PetscFunctionBegin;
  PetscCheck(s > 0, solver->comm, PETSC_ERR_ARG_OUTOFRANGE, "The regularity s must be > 0, got %g", (double) s);
  solver->s     = s;
  solver->has_s = PETSC_TRUE;
  if (!solver->Phi) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(CurioHessianShellSetRegularity(solver->H, s));
  {
    /* for a positive semi-definite H, H_jj = 0 means H e_j = 0: a parameter that no data point and no penalty
       constrains makes H singular, which a Krylov method on a consistent system would not notice */
    PetscInt  j = 0;
    PetscReal dmin;
    if (solver->type == CURIO_SOLVER_DIRECT) { /* from the Gram: no pass over the data */
      dmin = PETSC_MAX_REAL;
      for (PetscInt k = 0; k < solver->d; k++)
        if (solver->G[k + k * solver->d] + s * solver->mfull[k] < dmin) {
          dmin = solver->G[k + k * solver->d] + s * solver->mfull[k];
          j    = k;
        }
    } else {
      Vec diag;
      PetscCall(MatCreateVecs(solver->H, &diag, NULL));
      PetscCall(MatGetDiagonal(solver->H, diag));
      PetscCall(VecMin(diag, &j, &dmin));
      PetscCall(VecDestroy(&diag));
    }
    PetscCheck(dmin > 0, solver->comm, PETSC_ERR_MAT_CH_ZRPVT,
               "The Hessian is singular: parameter %" PetscInt_FMT
               " has zero curvature (H_jj = %g) and is not regularized. Give the rows weight, use "
               "-curio_regularizer ridge, or remove the column",
               j, (double) dmin);
  }
  if (solver->type == CURIO_SOLVER_DIRECT) {
    PetscInt   d = solver->d;
    PetscReal *H;
    PetscCall(PetscMalloc1(d * d, &H));
    PetscCall(PetscArraycpy(H, solver->G, d * d));
    for (PetscInt j = 0; j < d; j++) H[j + j * d] += s * solver->mfull[j];
    PetscCall(CurioBlockCyclicDestroy(&solver->bc));
    PetscCall(CurioBlockCyclicCreate(solver->comm, d, H, &solver->bc));
    PetscCall(PetscFree(H));
    PetscCall(CurioBlockCyclicCholesky(solver->bc));
  } else {
    /* the diagonal changed with s: let the preconditioner see it */
    PetscCall(KSPSetOperators(solver->ksp, solver->H, solver->H));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* What helps when CG on H fails, by KSP reason */
static const char *KrylovAdvice(KSPConvergedReason reason)
{
  switch (reason) {
  case KSP_DIVERGED_ITS:
    return "H is too ill-conditioned for CG to reach -curio_ksp_rtol in -curio_ksp_max_it iterations: scale the feature columns to comparable "
           "ranges, raise -curio_s, or use -curio_solver direct (d up to a few thousand); raising -curio_ksp_max_it helps only if the residual "
           "was still falling (-curio_ksp_monitor)";
  case KSP_DIVERGED_DTOL:
    return "the residual grew beyond -curio_ksp_divtol times the initial one, which for CG on an SPD Hessian is not divergence: remove "
           "-curio_ksp_divtol (off by default), or scale the feature columns to comparable ranges";
  case KSP_DIVERGED_BREAKDOWN:
  case KSP_DIVERGED_BREAKDOWN_BICG:
    return "CG broke down, which on a Hessian means it is singular to working precision: raise -curio_s, remove duplicate or constant feature "
           "columns, or use -curio_regularizer ridge";
  case KSP_DIVERGED_NANORINF: return "the residual became NaN or Inf: check the input for huge values, scale the feature columns, or raise -curio_s";
  default: return "scale the feature columns to comparable ranges, raise -curio_s, or use -curio_solver direct";
  }
}

static PetscErrorCode KrylovSolve(CurioSolver solver, Vec b, Vec x)
{
  KSPConvergedReason reason;
  PetscInt           its;
  PetscReal          rnorm;

  PetscFunctionBegin;
  PetscCall(KSPSolve(solver->ksp, b, x));
  PetscCall(KSPGetConvergedReason(solver->ksp, &reason));
  PetscCall(KSPGetIterationNumber(solver->ksp, &its));
  PetscCall(KSPGetResidualNorm(solver->ksp, &rnorm));
  solver->its += its;
  PetscCheck(reason != KSP_DIVERGED_INDEFINITE_MAT && reason != KSP_DIVERGED_INDEFINITE_PC, solver->comm, PETSC_ERR_NOT_CONVERGED,
             "CG found the Hessian %s (KSP reason %s after %" PetscInt_FMT
             " iterations): H is singular or indefinite to working precision. Increase -curio_s, use -curio_regularizer ridge, "
             "or remove duplicate/constant feature columns",
             reason == KSP_DIVERGED_INDEFINITE_MAT ? "indefinite" : "preconditioner indefinite", KSPConvergedReasons[reason], its);
  PetscCheck(reason > 0, solver->comm, PETSC_ERR_NOT_CONVERGED,
             "The Krylov solve did not converge: KSP reason %s after %" PetscInt_FMT " iterations, residual norm %g: %s", KSPConvergedReasons[reason],
             its, (double) rnorm, KrylovAdvice(reason));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverSolve - solves H x = b
@*/
PetscErrorCode CurioSolverSolve(CurioSolver solver, Vec b, Vec x)
{
  PetscFunctionBegin;
  PetscCheck(solver->has_s && solver->Phi, solver->comm, PETSC_ERR_ORDER,
             "Call CurioSolverSetOperator() and CurioSolverSetRegularity() before solving");
  if (solver->type == CURIO_SOLVER_DIRECT) {
    PetscReal *full;
    PetscCall(PetscMalloc1(solver->d, &full));
    PetscCall(CurioVecGatherAll(b, full));
    PetscCall(CurioBlockCyclicSolve(solver->bc, 1, full));
    PetscCall(CurioVecSetFromReplicated(x, full));
    PetscCall(PetscFree(full));
  } else PetscCall(KrylovSolve(solver, b, x));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverGetInverse - H^{-1}, replicated (d x d, column-major): d right-hand sides through the Cholesky factor, or d
  Krylov solves
@*/
PetscErrorCode CurioSolverGetInverse(CurioSolver solver, PetscReal *Hinv)
{
  PetscInt d = solver->d;

  PetscFunctionBegin;
  PetscCall(PetscArrayzero(Hinv, d * d));
  if (solver->type == CURIO_SOLVER_DIRECT) {
    for (PetscInt j = 0; j < d; j++) Hinv[j + j * d] = 1.0;
    PetscCall(CurioBlockCyclicSolve(solver->bc, d, Hinv));
  } else {
    Vec e, x;
    PetscCall(MatCreateVecs(solver->H, &x, &e));
    for (PetscInt j = 0; j < d; j++) {
      PetscCall(VecSet(e, 0.0));
      PetscCall(VecSetValue(e, j, 1.0, INSERT_VALUES));
      PetscCall(VecAssemblyBegin(e));
      PetscCall(VecAssemblyEnd(e));
      PetscCall(KrylovSolve(solver, e, x));
      PetscCall(CurioVecGatherAll(x, Hinv + j * d));
    }
    PetscCall(VecDestroy(&e));
    PetscCall(VecDestroy(&x));
    /* average out the asymmetry the Krylov tolerance leaves */
    for (PetscInt j = 0; j < d; j++)
      for (PetscInt i = 0; i < j; i++) Hinv[i + j * d] = Hinv[j + i * d] = 0.5 * (Hinv[i + j * d] + Hinv[j + i * d]);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CurioSolverGetHessianShell(CurioSolver solver, Mat *H)
{
  PetscFunctionBegin;
  *H = solver->H;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Total Krylov iterations since the last call (0 on the direct path) */
PetscErrorCode CurioSolverGetIterations(CurioSolver solver, PetscInt *its)
{
  PetscFunctionBegin;
  *its        = solver->its;
  solver->its = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The Gram matrix Phi^T diag(c) Phi (replicated, d x d) on the direct path, NULL on the Krylov path */
PetscErrorCode CurioSolverGetGram(CurioSolver solver, const PetscReal **G)
{
  PetscFunctionBegin;
  *G = solver->type == CURIO_SOLVER_DIRECT ? solver->G : NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The Krylov solver (options prefix curio_), whatever the type */
PetscErrorCode CurioSolverGetKSP(CurioSolver solver, KSP *ksp)
{
  PetscFunctionBegin;
  *ksp = solver->ksp;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverApply - y = H x: with the replicated Gram on the direct path (O(d^2), no pass over the data), with the
  MATSHELL on the Krylov path
@*/
PetscErrorCode CurioSolverApply(CurioSolver solver, Vec x, Vec y)
{
  PetscFunctionBegin;
  if (solver->type == CURIO_SOLVER_DIRECT) {
    PetscInt   d = solver->d;
    PetscReal *xf, *yf;
    PetscCall(PetscMalloc2(d, &xf, d, &yf));
    PetscCall(CurioVecGatherAll(x, xf));
    for (PetscInt i = 0; i < d; i++) yf[i] = solver->s * solver->mfull[i] * xf[i];
    for (PetscInt j = 0; j < d; j++)
      for (PetscInt i = 0; i < d; i++) yf[i] += solver->G[i + j * d] * xf[j];
    PetscCall(CurioVecSetFromReplicated(y, yf));
    PetscCall(PetscFree2(xf, yf));
  } else PetscCall(MatMult(solver->H, x, y));
  PetscFunctionReturn(PETSC_SUCCESS);
}

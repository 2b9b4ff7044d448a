/* CurioSolver: H x = b at the current optimum by one of two independent paths (docs/design.md). */
#include "solverimpl.h"
#include "scalapack.h"
#include <petscblaslapack.h>
#include <float.h>

const char *const        CurioSolverTypes[]   = {"direct", "krylov", "CurioSolverType", "CURIO_SOLVER_", NULL};
const char *const        CurioSolvePrefixes[] = {"curio_", "curio_train_", "curio_tangent_", "curio_inverse_"};
static const char *const HessianKernels[]     = {"fused", "twopass", "HessianKernel", "HESSIAN_", NULL};

struct _n_CurioSolver {
  MPI_Comm        comm;
  CurioSolverType type;
  Mat             Phi;
  Vec             c, m;
  PetscReal       s;
  PetscInt        d;
  PetscBool       has_s;
  PetscBool       hess_twopass; /* -curio_hessian_mult twopass: the reference kernel instead of the fused one */
  /* direct path */
  PetscReal        *G, *mfull;
  CurioBlockCyclic *bc;     /* Cholesky factor of the scaled D H D, D = diag(dscale) */
  PetscReal        *dscale; /* 1/sqrt(H_jj): H^{-1} = D (D H D)^{-1} D */
  PetscReal         rcond;  /* reciprocal condition estimate of D H D from its Cholesky factor (pdpocon); 0 after a breakdown */
  /* the row-space route (direct path, when the Cholesky factor would lose digits; docs/design.md): the unpenalized
     parameters U eliminated by their block Guu of the Gram, the eigendecomposition Gc = V diag(lambda) V^T of the
     Schur complement on the penalized parameters P, eigenvalues at the Gram's rounding level set to exact zeros (CurioGramEigen()) */
  PetscBool  rowspace;
  PetscInt   gram_rank; /* the Gram's rank in its parameters' units (CurioGramRank()), -1 if not computed */
  PetscInt   nu, np, *iu, *ip, nnull;
  PetscReal *Luu, *Z, *V, *lambda; /* Cholesky factor of Guu (nu x nu), Z = Guu^{-1} Gup (nu x np), V (np x np) */
  PetscReal  noise;                /* relative rounding level of a right-hand side's coordinates (CurioGramEigen()) */
  PetscReal  range_error;          /* estimated relative error of the last CurioSolverSolveRange()'s result from that rounding */
  PetscReal  kappa_rs, kappa_rs_s; /* the route's condition (RowSpaceCondition()) and the s it was computed at (0: none) */
  /* krylov path: one KSP per purpose (CurioSolvePurpose), ksp[CURIO_SOLVE_OTHER] the common one */
  Mat       H;
  KSP       ksp[CURIO_SOLVE_COUNT];
  PetscInt  its;
  PetscReal kappa_ksp;    /* condition estimate of the preconditioned H from the last CG solve's Lanczos coefficients */
  PetscBool from_options; /* CurioSolverSetFromOptions() ran */
  PetscBool ksp_options;  /* the KSPs read their options */
};

static PetscErrorCode SolverKSPSetFromOptions(CurioSolver);

/* The largest condition number for which the Cholesky route keeps the tangent's forward error (about cond^2 eps,
   MATH.md section 2: theta_dot is H^{-1} applied to H^{-1} b) below 1e-6 */
#define CURIO_COND_ROWSPACE 1e5

/*@C
  CurioSolverCreate - creates a solver of H x = b (direct by default)

  Collective
@*/
PetscErrorCode CurioSolverCreate(MPI_Comm comm, CurioSolver *solver)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(solver));
  (*solver)->comm = comm;
  (*solver)->type = CURIO_SOLVER_DIRECT;
  for (PetscInt k = 0; k < CURIO_SOLVE_COUNT; k++) {
    KSP ksp;
    PetscCall(KSPCreate(comm, &ksp));
    PetscCall(KSPSetOptionsPrefix(ksp, "curio_"));
    PetscCall(KSPSetType(ksp, KSPCG));
    /* divtol off: PETSc's divergence test compares the residual with the initial one, but the residual of CG on an SPD
       operator may grow by many orders before it falls (badly scaled columns: 1e4 after two iterations), so it is no
       sign of divergence; the real failures are an indefinite operator and breakdown. -curio_ksp_divtol still wins. */
    PetscCall(KSPSetTolerances(ksp, 1e-12, 1e-50, PETSC_MAX_REAL, 100000));
    PetscCall(KSPSetNormType(ksp, KSP_NORM_UNPRECONDITIONED));
    PetscCall(KSPSetComputeSingularValues(ksp, PETSC_TRUE)); /* a condition estimate from CG's Lanczos coefficients */
    (*solver)->ksp[k] = ksp;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverReset - forgets the operator, its Gram and factorization and s, and keeps the type and the Krylov solvers'
  options: the solver is then as created and set from options, ready for a fit on other rows (each round of active
  learning fits a larger labeled set with one solver)

  Collective

  Input Parameter:
. solver - the solver

.seealso: `CurioSolverSetOperator()`, `CurioFitCreate()`
@*/
PetscErrorCode CurioSolverReset(CurioSolver solver)
{
  PetscFunctionBegin;
  PetscCall(MatDestroy(&solver->Phi));
  PetscCall(VecDestroy(&solver->c));
  PetscCall(VecDestroy(&solver->m));
  PetscCall(PetscFree(solver->G));
  PetscCall(PetscFree(solver->mfull));
  PetscCall(CurioBlockCyclicDestroy(&solver->bc));
  PetscCall(PetscFree(solver->dscale));
  PetscCall(PetscFree2(solver->iu, solver->ip));
  PetscCall(PetscFree4(solver->Luu, solver->Z, solver->V, solver->lambda));
  PetscCall(MatDestroy(&solver->H));
  for (PetscInt k = 0; k < CURIO_SOLVE_COUNT; k++) PetscCall(KSPReset(solver->ksp[k]));
  solver->s         = 0;
  solver->d         = 0;
  solver->has_s     = PETSC_FALSE;
  solver->rcond     = 0;
  solver->rowspace  = PETSC_FALSE;
  solver->gram_rank = -1;
  solver->nu        = 0;
  solver->np        = 0;
  solver->nnull     = 0;
  solver->its       = 0;
  solver->kappa_ksp = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverDestroy - frees a solver
@*/
PetscErrorCode CurioSolverDestroy(CurioSolver *solver)
{
  PetscFunctionBegin;
  if (!*solver) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(CurioSolverReset(*solver));
  for (PetscInt k = 0; k < CURIO_SOLVE_COUNT; k++) PetscCall(KSPDestroy(&(*solver)->ksp[k]));
  PetscCall(PetscFree(*solver));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverSetType - chooses the path: direct (Gram + ScaLAPACK Cholesky) or krylov (KSP on the MATSHELL Hessian)

  Logically Collective
@*/
PetscErrorCode CurioSolverSetType(CurioSolver solver, CurioSolverType type)
{
  PetscFunctionBegin;
  solver->type = type;
  if (type == CURIO_SOLVER_KRYLOV && solver->from_options && !solver->ksp_options) PetscCall(SolverKSPSetFromOptions(solver));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverGetType - the solver's path, direct or krylov

  Not Collective
@*/
PetscErrorCode CurioSolverGetType(CurioSolver solver, CurioSolverType *type)
{
  PetscFunctionBegin;
  *type = solver->type;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The option of a KSP's tolerance as the user gave it: the first of the prefixes (most specific first) under which
   -<prefix><key> is set, else the last prefix's */
static PetscErrorCode KSPOptionName(const char *const prefixes[], const char key[], char name[], size_t len)
{
  PetscInt n = 0;

  PetscFunctionBegin;
  while (prefixes[n]) n++;
  for (PetscInt k = 0; k < n; k++) {
    PetscBool set;
    PetscCall(PetscSNPrintf(name, len, "-%s%s", prefixes[k], key));
    PetscCall(PetscOptionsHasName(NULL, NULL, name, &set));
    if (set) PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscSNPrintf(name, len, "-%s%s", prefixes[n - 1], key));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverCheckKSPTolerances - refuses, before any solve, Krylov tolerances that KSPSetFromOptions() takes but no
  solve can use: a maximum iteration count below 1 (CG then fails inside PETSc: max_it 0 is a segmentation fault,
  a negative one an invalid pointer), a relative tolerance outside [0, 1) or NaN (PETSc refuses it only when a later
  KSPSetTolerances() sees it, midway through the run), a negative or NaN absolute tolerance, and a divergence tolerance
  below 1 or NaN. One error on the KSP's communicator naming the option as given, its range and the value.

  Collective

  Input Parameters:
+ ksp      - a KSP after KSPSetFromOptions()
- prefixes - the options prefixes it read, most specific first, NULL-terminated ({"curio_train_", "curio_", NULL})

.seealso: `CurioSolverSetFromOptions()`
@*/
PetscErrorCode CurioSolverCheckKSPTolerances(KSP ksp, const char *const prefixes[])
{
  MPI_Comm  comm;
  PetscReal rtol, atol, dtol;
  PetscInt  maxit;
  char      name[256];

  PetscFunctionBegin;
  PetscCall(PetscObjectGetComm((PetscObject) ksp, &comm));
  PetscCall(KSPGetTolerances(ksp, &rtol, &atol, &dtol, &maxit));
  if (maxit < 1) {
    PetscCall(KSPOptionName(prefixes, "ksp_max_it", name, sizeof(name)));
    SETERRQ(comm, PETSC_ERR_ARG_OUTOFRANGE, "%s must be an integer >= 1 (the most CG iterations a solve may take), got %" PetscInt_FMT, name, maxit);
  }
  if (!(rtol >= 0 && rtol < 1)) {
    PetscCall(KSPOptionName(prefixes, "ksp_rtol", name, sizeof(name)));
    SETERRQ(comm, PETSC_ERR_ARG_OUTOFRANGE, "%s must be in [0, 1) (the residual reduction a solve stops at), got %g", name, (double) rtol);
  }
  if (!(atol >= 0)) {
    PetscCall(KSPOptionName(prefixes, "ksp_atol", name, sizeof(name)));
    SETERRQ(comm, PETSC_ERR_ARG_OUTOFRANGE, "%s must be >= 0, got %g", name, (double) atol);
  }
  if (!(dtol >= 1)) {
    PetscCall(KSPOptionName(prefixes, "ksp_divtol", name, sizeof(name)));
    SETERRQ(comm, PETSC_ERR_ARG_OUTOFRANGE, "%s must be >= 1 (a residual growth factor), got %g", name, (double) dtol);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Every Krylov solve's options: the common ones under curio_, then its own prefix's, which win */
static PetscErrorCode SolverKSPSetFromOptions(CurioSolver solver)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < CURIO_SOLVE_COUNT; k++) {
    KSP ksp = solver->ksp[k];
    PetscCall(KSPSetOptionsPrefix(ksp, "curio_"));
    PetscCall(KSPSetFromOptions(ksp)); /* the common options */
    if (k == CURIO_SOLVE_OTHER) continue;
    PetscCall(KSPSetOptionsPrefix(ksp, CurioSolvePrefixes[k]));
    PetscCall(KSPSetFromOptions(ksp)); /* its own, which win */
  }
  for (PetscInt k = 0; k < CURIO_SOLVE_COUNT; k++) {
    const char *const prefixes[] = {CurioSolvePrefixes[k], "curio_", NULL};
    PetscCall(CurioSolverCheckKSPTolerances(solver->ksp[k], prefixes));
  }
  solver->ksp_options = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverSetFromOptions - -curio_solver direct|krylov; every Krylov solve reads -curio_ksp_* and -curio_pc_*
  (default CG, Jacobi, rtol 1e-12), then the options of its own prefix, which win: -curio_train_ksp_*,
  -curio_tangent_ksp_*, -curio_inverse_ksp_* (and _pc_), so that e.g. -curio_tangent_ksp_monitor watches the tangent
  solve alone; tolerances no solve can use are refused here (CurioSolverCheckKSPTolerances())
@*/
PetscErrorCode CurioSolverSetFromOptions(CurioSolver solver)
{
  PetscBool help;

  PetscFunctionBegin;
  solver->from_options = PETSC_TRUE;
  PetscOptionsBegin(solver->comm, NULL, "curio solver (fit, active, study)", "CurioSolver");
  PetscCall(CurioOptionsEnum(PetscOptionsObject, "-curio_solver", CurioSolverTypes, (PetscEnum *) &solver->type, NULL));
  {
    PetscEnum k = (PetscEnum) solver->hess_twopass;
    PetscCall(CurioOptionsEnum(PetscOptionsObject, "-curio_hessian_mult", HessianKernels, &k, NULL));
    solver->hess_twopass = (PetscBool) (k == 1);
  }
  PetscOptionsEnd();
  for (PetscInt k = 0; k < CURIO_SOLVE_COUNT; k++) {
    PC pc;
    PetscCall(KSPGetPC(solver->ksp[k], &pc));
    PetscCall(PCSetType(pc, PCJACOBI));
  }
  /* the direct path leaves -curio_ksp_* and -curio_pc_* unread, so that the driver names them as unused (-help lists
     them all the same); a caller that turns to krylov afterwards reads them then (CurioSolverSetType()) */
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  solver->ksp_options = (PetscBool) (solver->type == CURIO_SOLVER_KRYLOV || help);
  if (solver->ksp_options) PetscCall(SolverKSPSetFromOptions(solver));
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
    PetscCall(CurioHessianShellSetFused(solver->H, (PetscBool) !solver->hess_twopass));
    if (solver->type == CURIO_SOLVER_DIRECT) {
      PetscCheck((PetscInt64) solver->d * solver->d <= PETSC_MAX_INT, solver->comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "-curio_solver direct keeps the d x d Gram matrix on every rank, and d = %" PetscInt_FMT
                 " parameters make %.3g entries, more than a PetscInt indexes (d <= 46340); use -curio_solver krylov",
                 solver->d, (double) solver->d * (double) solver->d);
      PetscCall(PetscFree(solver->G));
      PetscCall(PetscFree(solver->mfull));
      PetscCall(PetscMalloc1(solver->d * solver->d, &solver->G));
      PetscCall(PetscMalloc1(solver->d, &solver->mfull));
    }
  }
  /* same objects, maybe new values of c (a Newton step): the shell sees them through its reference, its diagonal is
     computed again; the direct path forms the Gram again */
  PetscCall(CurioHessianShellResetDiagonal(solver->H));
  if (solver->type == CURIO_SOLVER_DIRECT) {
    PetscCall(CurioGramCompute(Phi, c, solver->G)); /* checked finite there */
    PetscCall(CurioVecGatherAll(m, solver->mfull));
    PetscCall(CurioGramRank(c, solver->d, solver->G, &solver->gram_rank));
  } else { /* the operator is never assembled: its diagonal (one pass over the rows) must be finite */
    Vec       dv;
    PetscReal big;
    PetscCall(MatCreateVecs(solver->H, &dv, NULL));
    PetscCall(MatGetDiagonal(solver->H, dv));
    PetscCall(VecNorm(dv, NORM_INFINITY, &big)); /* a NaN or Inf entry makes the norm NaN or Inf on every rank */
    PetscCall(VecDestroy(&dv));
    PetscCall(CurioCheckOperatorFinite(solver->comm, "Hessian's diagonal", solver->d, 1, &big));
  }
  if (solver->has_s) PetscCall(CurioSolverSetRegularity(solver, solver->s));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The row-space route: eliminate the unpenalized parameters U (mask 0) through their Gram block, and diagonalize the
   Schur complement Gc = G_PP - G_PU G_UU^{-1} G_UP on the penalized ones (mask 1), so that H_PP - H_PU H_UU^{-1} H_UP =
   Gc + s I = V (Lambda + s) V^T for every s (the centring of src/analysis/loocv.c, for any curvature). Eigenvalues at or
   below the Gram's rounding level are noise of a rank-deficient Gram and become exact zeros (CurioGramEigen()). */
static PetscErrorCode RowSpaceSetUp(CurioSolver solver)
{
  PetscInt     d = solver->d, nu = 0, np = 0;
  PetscReal   *Gc, gmax = 0;
  PetscBLASInt bnu, bnp, info;

  PetscFunctionBegin;
  PetscCall(PetscFree2(solver->iu, solver->ip));
  PetscCall(PetscFree4(solver->Luu, solver->Z, solver->V, solver->lambda));
  PetscCall(PetscMalloc2(d, &solver->iu, d, &solver->ip));
  for (PetscInt j = 0; j < d; j++) {
    if (solver->mfull[j] == 0) solver->iu[nu++] = j;
    else solver->ip[np++] = j;
    gmax = PetscMax(gmax, solver->G[j + j * d]);
  }
  solver->nu = nu;
  solver->np = np;
  PetscCall(PetscMalloc4(PetscMax(1, nu * nu), &solver->Luu, PetscMax(1, nu * np), &solver->Z, PetscMax(1, np * np), &solver->V, PetscMax(1, np),
                         &solver->lambda));
  PetscCall(PetscMalloc1(PetscMax(1, np * np), &Gc));
  for (PetscInt b = 0; b < np; b++)
    for (PetscInt a = 0; a < np; a++) Gc[a + b * np] = solver->G[solver->ip[a] + solver->ip[b] * d];
  if (nu) {
    for (PetscInt b = 0; b < nu; b++)
      for (PetscInt a = 0; a < nu; a++) solver->Luu[a + b * nu] = solver->G[solver->iu[a] + solver->iu[b] * d];
    for (PetscInt b = 0; b < np; b++)
      for (PetscInt a = 0; a < nu; a++) solver->Z[a + b * nu] = solver->G[solver->iu[a] + solver->ip[b] * d];
    PetscCall(PetscBLASIntCast(nu, &bnu));
    PetscCall(PetscBLASIntCast(np, &bnp));
    PetscCallBLAS("LAPACKpotrf", LAPACKpotrf_("L", &bnu, solver->Luu, &bnu, &info));
    PetscCheck(!info, solver->comm, PETSC_ERR_MAT_CH_ZRPVT,
               "The unpenalized parameters' block of the Hessian is singular (parameter %" PetscInt_FMT
               " is a combination of the other unpenalized ones): use -curio_regularizer ridge, or remove the column",
               solver->iu[info - 1]);
    if (np) PetscCallBLAS("LAPACKpotrs", LAPACKpotrs_("L", &bnu, &bnp, solver->Luu, &bnu, solver->Z, &bnu, &info));
    for (PetscInt b = 0; b < np; b++)
      for (PetscInt a = 0; a < np; a++) {
        PetscReal sum = 0;
        for (PetscInt k = 0; k < nu; k++) sum += solver->G[solver->ip[a] + solver->iu[k] * d] * solver->Z[k + b * nu];
        Gc[a + b * np] -= sum;
      }
    CurioDenseSymmetrize(np, Gc);
  }
  {
    PetscReal *gd; /* the penalized parameters' scales: their diagonal of the Gram, before the elimination */
    PetscCall(PetscMalloc1(PetscMax(1, np), &gd));
    for (PetscInt a = 0; a < np; a++) gd[a] = solver->G[solver->ip[a] + solver->ip[a] * d];
    PetscCall(CurioGramEigen(solver->c, gmax, np, Gc, gd, solver->lambda, solver->V, &solver->nnull, &solver->noise));
    PetscCall(PetscFree(gd));
  }
  PetscCall(PetscFree(Gc));
  solver->rowspace   = PETSC_TRUE;
  solver->kappa_rs_s = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* x = H^{-1} r by the row-space route (replicated arrays of length d). With range, r is known to lie in the range of
   Phi^T (a gradient Phi^T u), whose components along the Gram's null space are zero in exact arithmetic: they are
   dropped instead of being divided by s. x2, if not NULL, gets H^{-1} (m .* x) from the same coordinates (the
   tangent of squared loss, MATH.md section 2: theta_dot = -H^{-1} m .* (theta - c)). */
static PetscErrorCode RowSpaceSolve(CurioSolver solver, const PetscReal *r, PetscBool range, PetscReal *x, PetscReal *x2)
{
  PetscInt   nu = solver->nu, np = solver->np;
  PetscReal *rp, *beta, *xp, *ru, s = solver->s;

  PetscFunctionBegin;
  PetscCall(PetscMalloc4(PetscMax(1, np), &rp, PetscMax(1, np), &beta, PetscMax(1, np), &xp, PetscMax(1, nu), &ru));
  for (PetscInt a = 0; a < np; a++) rp[a] = r[solver->ip[a]];
  for (PetscInt a = 0; a < nu; a++) ru[a] = r[solver->iu[a]];
  if (nu) { /* ru <- Guu^{-1} r_U, rp <- r_P - Z^T r_U */
    PetscBLASInt bnu, one = 1, info;
    PetscCall(PetscBLASIntCast(nu, &bnu));
    for (PetscInt b = 0; b < np; b++)
      for (PetscInt a = 0; a < nu; a++) rp[b] -= solver->Z[a + b * nu] * ru[a];
    PetscCallBLAS("LAPACKpotrs", LAPACKpotrs_("L", &bnu, &one, solver->Luu, &bnu, ru, &bnu, &info));
  }
  for (PetscInt k = 0; k < np; k++) {
    PetscReal sum = 0;
    if (!(range && solver->lambda[k] == 0))
      for (PetscInt a = 0; a < np; a++) sum += solver->V[a + k * np] * rp[a];
    beta[k] = sum / (solver->lambda[k] + s);
  }
  if (range) {
    /* the error of the result (x2 if asked, else x) from the rounding of the right-hand side's coordinates, divided by
       lambda_k + s in x and by (lambda_k + s)^2 in x2: the eigenvalues just above the null ones, at a tiny s, amplify
       it most. Coordinate k is the sum of V_ak r_a, whose rounding is about noise sum_a |V_ak r_a| (on columns of
       different units the large entries of r meet small entries of the eigenvectors of the small eigenvalues) */
    PetscReal ax = 0, a2 = 0, nx = 0, n2 = 0, sc = 0;
    for (PetscInt a = 0; a < np; a++) sc = PetscMax(sc, PetscAbsReal(rp[a])); /* r and beta scaled by it: labels of 1e200 square to Inf */
    sc = sc > 0 ? 1 / sc : 1;
    for (PetscInt k = 0; k < np; k++)
      if (solver->lambda[k] != 0) {
        PetscReal q = 1 / (solver->lambda[k] + s), nk = 0;
        for (PetscInt a = 0; a < np; a++) nk += PetscAbsReal(solver->V[a + k * np] * rp[a] * sc);
        nk *= solver->noise;
        ax += PetscSqr(nk * q);
        a2 += PetscSqr(nk * q * q);
        nx += PetscSqr(beta[k] * sc);
        n2 += PetscSqr(beta[k] * sc * q);
      }
    solver->range_error = x2 ? (n2 > 0 ? PetscSqrtReal(a2 / n2) : 0) : (nx > 0 ? PetscSqrtReal(ax / nx) : 0);
  }
  for (int pass = 0; pass < (x2 ? 2 : 1); pass++) {
    PetscReal *out = pass ? x2 : x;
    if (pass) /* H^{-1} (0_U, x_P): coordinates beta/(lambda + s), no unpenalized part on the right-hand side */
      for (PetscInt k = 0; k < np; k++) beta[k] /= solver->lambda[k] + s;
    for (PetscInt a = 0; a < np; a++) {
      PetscReal sum = 0;
      for (PetscInt k = 0; k < np; k++) sum += solver->V[a + k * np] * beta[k];
      xp[a]              = sum;
      out[solver->ip[a]] = sum;
    }
    for (PetscInt a = 0; a < nu; a++) { /* x_U = Guu^{-1} r_U - Z x_P */
      PetscReal sum = pass ? 0 : ru[a];
      for (PetscInt b = 0; b < np; b++) sum -= solver->Z[a + b * nu] * xp[b];
      out[solver->iu[a]] = sum;
    }
  }
  PetscCall(PetscFree4(rp, beta, xp, ru));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The extremes of H's diagonal and of the penalty weights at s: the smallest diagonal entry dmin (at parameter j) and
   the largest dmax, the smallest positive penalty weight mmin, whether any penalty s m_k is visible above the rounding
   level of its own H_kk, and if none is, the s above which the smallest would be (smin_visible). On entry the outputs
   hold their starting values */
static PetscErrorCode SolverScanDiagonal(CurioSolver solver, PetscReal s, PetscInt *j, PetscReal *dmin, PetscReal *dmax, PetscReal *mmin,
                                         PetscBool *visible, PetscReal *smin_visible)
{
  PetscInt   d = solver->d;
  PetscReal *diag, *mloc = NULL;

  PetscFunctionBegin;
  /* for a positive semi-definite H, H_jj = 0 means H e_j = 0: a parameter that no data point and no penalty
     constrains makes H singular, which a Krylov method on a consistent system would not notice. Relative to the
     scale of H, a curvature below the rounding level of the largest diagonal entry is no curvature. */
  PetscCall(PetscMalloc1(d, &diag));
  {
    Vec dv; /* from the Gram on the direct path (no pass over the data), the shell's kept diagonal on the Krylov path */
    PetscCall(MatCreateVecs(solver->H, &dv, NULL));
    PetscCall(CurioSolverGetDiagonal(solver, dv));
    PetscCall(CurioVecGatherAll(dv, diag));
    PetscCall(VecDestroy(&dv));
  }
  if (solver->type == CURIO_SOLVER_DIRECT) mloc = solver->mfull;
  else {
    PetscCall(PetscMalloc1(d, &mloc));
    PetscCall(CurioVecGatherAll(solver->m, mloc));
  }
  {
    PetscErrorCode ierr = CurioCheckOperatorFinite(solver->comm, "Hessian's diagonal", d, d, diag);
    if (ierr && solver->type != CURIO_SOLVER_DIRECT) PetscCall(PetscFree(mloc));
    if (ierr) PetscCall(PetscFree(diag));
    PetscCall(ierr);
  }
  for (PetscInt k = 0; k < d; k++) {
    if (diag[k] < *dmin) {
      *dmin = diag[k];
      *j    = k;
    }
    *dmax = PetscMax(*dmax, diag[k]);
    if (mloc[k] > 0) {
      *mmin = PetscMin(*mmin, mloc[k]);
      /* the penalty of parameter k is visible when it is above the rounding level of its own diagonal entry */
      if (s * mloc[k] > d * PETSC_MACHINE_EPSILON * diag[k]) *visible = PETSC_TRUE;
      else *smin_visible = PetscMax(*smin_visible, d * PETSC_MACHINE_EPSILON * (diag[k] - s * mloc[k]) / mloc[k]);
    }
  }
  if (solver->type != CURIO_SOLVER_DIRECT) PetscCall(PetscFree(mloc));
  PetscCall(PetscFree(diag));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The Cholesky factor of the symmetrically scaled D H D (D = diag(1/sqrt(H_jj)), H column-major, replicated) and
   solver->rcond, its reciprocal condition estimate (0 if it does not factor; *info the breakdown). The digits Cholesky
   loses depend on the condition of the scaled matrix (van der Sluis), not on the columns' units, and the scaled factor
   serves the solves too: H^{-1} b = D (D H D)^{-1} D b, one factorization per s. */
static PetscErrorCode SolverFactorScaled(CurioSolver solver, const PetscReal *H, PetscInt *info)
{
  PetscInt   d     = solver->d;
  PetscReal  anorm = 0;
  PetscReal *Hs;

  PetscFunctionBegin;
  if (!solver->dscale) PetscCall(PetscMalloc1(d, &solver->dscale));
  for (PetscInt k = 0; k < d; k++) solver->dscale[k] = 1.0 / PetscSqrtReal(H[k + k * d]);
  PetscCall(PetscMalloc1(d * d, &Hs));
  for (PetscInt c = 0; c < d; c++) {
    PetscReal sum = 0;
    for (PetscInt r = 0; r < d; r++) {
      Hs[r + c * d] = H[r + c * d] * solver->dscale[r] * solver->dscale[c];
      sum += PetscAbsReal(Hs[r + c * d]);
    }
    anorm = PetscMax(anorm, sum);
  }
  PetscCall(CurioBlockCyclicDestroy(&solver->bc));
  PetscCall(CurioBlockCyclicCreate(solver->comm, d, Hs, &solver->bc));
  PetscCall(PetscFree(Hs));
  PetscCall(CurioBlockCyclicCholeskyTry(solver->bc, anorm, info));
  solver->rcond = *info ? 0 : solver->bc->rcond;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* X = H^{-1} B for nrhs replicated right-hand sides (d x nrhs, overwritten) with the scaled factor */
static PetscErrorCode SolverCholeskySolve(CurioSolver solver, PetscInt nrhs, PetscReal *B)
{
  PetscInt d = solver->d;

  PetscFunctionBegin;
  for (PetscInt c = 0; c < nrhs; c++)
    for (PetscInt k = 0; k < d; k++) B[k + c * d] *= solver->dscale[k];
  PetscCall(CurioBlockCyclicSolve(solver->bc, nrhs, B));
  for (PetscInt c = 0; c < nrhs; c++)
    for (PetscInt k = 0; k < d; k++) B[k + c * d] *= solver->dscale[k];
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The direct path at s: the Cholesky factor of H = G + s diag(m) on the block-cyclic grid, and when that fails or is too
   ill-conditioned with a 0/1 penalty, the row-space form; visible and smin_visible from SolverScanDiagonal() */
static PetscErrorCode SolverFactorDirect(CurioSolver solver, PetscReal s, PetscBool visible, PetscReal smin_visible)
{
  PetscInt   d = solver->d, info;
  PetscReal *H;
  PetscBool  binary = PETSC_TRUE; /* a 0/1 penalty mask: the row-space route is possible */

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(d * d, &H));
  PetscCall(PetscArraycpy(H, solver->G, d * d));
  for (PetscInt k = 0; k < d; k++) H[k + k * d] += s * solver->mfull[k];
  PetscCall(SolverFactorScaled(solver, H, &info));
  PetscCall(PetscFree(H));
  for (PetscInt k = 0; k < d; k++) binary = (PetscBool) (binary && (solver->mfull[k] == 0 || solver->mfull[k] == 1));
  /* a rank-deficient Gram (in its parameters' units) goes to the row space whatever the condition estimate: its null
     directions are exact there, while the Cholesky factor divides their rounding by s (by s^2 in the tangent), which
     the 1-norm estimate of D H D need not see (one-hot columns in units 2^32 apart with an intercept, s = 1e-9:
     theta_dot 36% off, estimate 4e-10) */
  if (info || solver->rcond * CURIO_COND_ROWSPACE < 1 || (binary && solver->gram_rank >= 0 && solver->gram_rank < d)) {
    PetscCheck(binary, solver->comm, PETSC_ERR_MAT_CH_ZRPVT,
               "The Hessian is singular or too ill-conditioned to factor (Cholesky %s, condition estimate %g). Increase -curio_s, or remove "
               "duplicate/constant feature columns",
               info ? "breaks down" : "succeeds", info ? (double) PETSC_INFINITY : (double) (1 / solver->rcond));
    PetscCall(RowSpaceSetUp(solver));
    /* with a rank-deficient Gram, only the penalty keeps H nonsingular: it must be above the rounding level of H */
    PetscCheck(visible || solver->nnull == 0, solver->comm, PETSC_ERR_MAT_CH_ZRPVT,
               "The Hessian is singular to working precision: the Gram matrix has %" PetscInt_FMT
               " zero eigenvalue%s (duplicate or collinear feature columns, or fewer rows than features) and s = %g is below the rounding level "
               "of every diagonal entry of H, so it does not regularize. Raise -curio_s above %g, or remove the collinear columns",
               solver->nnull, solver->nnull > 1 ? "s" : "", (double) s, (double) smin_visible);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverSetRegularity - sets s and checks that H = G + s diag(m) is nonsingular relative to its scale; the direct
  path factors H with ScaLAPACK and estimates its condition, and switches to the row-space route when the Cholesky
  factor would lose more than a few digits of the tangent

  Collective

  Input Parameters:
+ solver - the solver, with its operator set
- s      - the regularity, a normal positive number

  Notes:
  A parameter j counts as unconstrained when H_jj <= eps^2 max_k H_kk (its column is more than 1/eps smaller than the
  largest in its units), and a regularization with s m_k <= d eps H_kk for every penalized k does not regularize in floating point:
  the direct path then needs the Gram alone to be nonsingular, and the Krylov path refuses (it cannot tell). The
  condition estimate is that of the symmetrically scaled H_ij / sqrt(H_ii H_jj), which measures the digits Cholesky
  loses whatever the columns' units. docs/design.md, "Numerics at the edges".

.seealso: CurioSolverGetCondition(), CurioSolverSolveRange()
@*/
PetscErrorCode CurioSolverSetRegularity(CurioSolver solver, PetscReal s)
{
  PetscInt  j    = 0;
  PetscReal dmin = PETSC_MAX_REAL, dmax = 0, mmin = PETSC_MAX_REAL, zero_level, smin_visible = 0;
  PetscBool visible = PETSC_FALSE; /* some penalty s m_k is above the rounding level of H_kk */

  PetscFunctionBegin;
  PetscCheck(s > 0, solver->comm, PETSC_ERR_ARG_OUTOFRANGE, "The regularity s must be > 0, got %g", (double) s);
  PetscCheck(
      s >= DBL_MIN && !PetscIsInfOrNanReal(s), solver->comm, PETSC_ERR_ARG_OUTOFRANGE,
      "The regularity s = %g is not a normal floating-point number (the smallest is %g): 1/s and s^2 overflow or lose all digits. Raise -curio_s "
      "(or -curio_loocv_smin)",
      (double) s, (double) DBL_MIN);
  solver->s     = s;
  solver->has_s = PETSC_TRUE;
  if (!solver->Phi) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(CurioHessianShellSetRegularity(solver->H, s));
  PetscCall(SolverScanDiagonal(solver, s, &j, &dmin, &dmax, &mmin, &visible, &smin_visible));
  /* zero curvature: H_jj below eps^2 max_k H_kk, i.e. a column more than 1/eps smaller in its units than the largest,
     whose whole contribution to any mixed quantity is below the rounding of the large one's (a column of 1e-155 has
     H_jj ~ 1e-309 and makes H^{-1}_jj overflow). A looser d eps max_k H_kk would refuse real data whose columns are in
     units 1e8 apart, which Cholesky and Jacobi-preconditioned CG handle without loss (the scaled matrix is what counts) */
  zero_level = PETSC_MACHINE_EPSILON * PETSC_MACHINE_EPSILON * dmax;
  PetscCheck(
      dmin > zero_level && dmin >= DBL_MIN, solver->comm, PETSC_ERR_MAT_CH_ZRPVT,
      "The Hessian is singular: parameter %" PetscInt_FMT
      " has no curvature relative to the others (H_jj = %g, largest H_kk = %g, threshold eps^2 H_kk = %g) and is not regularized enough. Give the "
      "rows weight, scale or remove the column, use -curio_regularizer ridge, or raise -curio_s above %g",
      j, (double) dmin, (double) dmax, (double) zero_level, (double) (zero_level / (mmin < PETSC_MAX_REAL ? mmin : 1.0)));
  solver->rowspace = PETSC_FALSE;
  if (solver->type == CURIO_SOLVER_DIRECT) {
    PetscCall(SolverFactorDirect(solver, s, visible, smin_visible));
  } else {
    /* on the Krylov path nothing tells whether the Gram alone is nonsingular: a penalty below the rounding level of H
       is refused */
    PetscCheck(mmin == PETSC_MAX_REAL || visible, solver->comm, PETSC_ERR_MAT_CH_ZRPVT,
               "s = %g is below the rounding level of every diagonal entry of the Hessian (d eps H_kk), so it does not regularize, and CG cannot "
               "tell whether the Gram matrix alone is nonsingular. Raise -curio_s above %g, or use -curio_solver direct",
               (double) s, (double) smin_visible);
    /* the diagonal changed with s: let the preconditioner see it */
    for (PetscInt k = 0; k < CURIO_SOLVE_COUNT; k++) PetscCall(KSPSetOperators(solver->ksp[k], solver->H, solver->H));
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

static PetscErrorCode KrylovSolve(CurioSolver solver, CurioSolvePurpose purpose, Vec b, Vec x)
{
  KSP                ksp = solver->ksp[purpose];
  KSPConvergedReason reason;
  PetscInt           its;
  PetscReal          rnorm;

  PetscFunctionBegin;
  PetscCall(KSPSolve(ksp, b, x));     /* views of its own prefix (-curio_tangent_ksp_converged_reason, ...) */
  if (purpose != CURIO_SOLVE_OTHER) { /* and those of the common one, which KSPSolve reads under the KSP's prefix only */
    PetscCall(KSPSetOptionsPrefix(ksp, "curio_"));
    PetscCall(KSPConvergedReasonViewFromOptions(ksp));
    PetscCall(KSPViewFromOptions(ksp, NULL, "-ksp_view"));
    PetscCall(KSPSetOptionsPrefix(ksp, CurioSolvePrefixes[purpose]));
  }
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCall(KSPGetResidualNorm(ksp, &rnorm));
  solver->its += its;
  if (its > 0) {
    PetscReal emax, emin;
    PetscCall(KSPComputeExtremeSingularValues(ksp, &emax, &emin));
    solver->kappa_ksp = emin > 0 ? emax / emin : PETSC_INFINITY;
  } else solver->kappa_ksp = 1;
  PetscCheck(reason != KSP_DIVERGED_INDEFINITE_MAT && reason != KSP_DIVERGED_INDEFINITE_PC, solver->comm, PETSC_ERR_NOT_CONVERGED,
             "CG found the Hessian %s (KSP reason %s after %" PetscInt_FMT
             " iterations): H is singular or indefinite to working precision. Increase -curio_s, use -curio_regularizer ridge, "
             "or remove duplicate/constant feature columns",
             reason == KSP_DIVERGED_INDEFINITE_MAT ? "indefinite" : "preconditioner indefinite", KSPConvergedReasons[reason], its);
  PetscCheck(reason > 0, solver->comm, PETSC_ERR_NOT_CONVERGED,
             "The Krylov solve (-%sksp_*) did not converge: KSP reason %s after %" PetscInt_FMT " iterations, residual norm %g: %s",
             CurioSolvePrefixes[purpose], KSPConvergedReasons[reason], its, (double) rnorm, KrylovAdvice(reason));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverSolve - solves H x = b (on the Krylov path with the common KSP, prefix curio_)
@*/
PetscErrorCode CurioSolverSolve(CurioSolver solver, Vec b, Vec x)
{
  PetscFunctionBegin;
  PetscCall(CurioSolverSolveFor(solver, CURIO_SOLVE_OTHER, b, x));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverSolveFor - solves H x = b for a purpose: on the Krylov path with that purpose's KSP and options prefix
  (CurioSolvePrefixes); the direct path is the same for every purpose

  Collective
@*/
PetscErrorCode CurioSolverSolveFor(CurioSolver solver, CurioSolvePurpose purpose, Vec b, Vec x)
{
  PetscFunctionBegin;
  PetscCheck(solver->has_s && solver->Phi, solver->comm, PETSC_ERR_ORDER,
             "Call CurioSolverSetOperator() and CurioSolverSetRegularity() before solving");
  if (solver->type == CURIO_SOLVER_DIRECT) {
    PetscReal *full;
    PetscCall(PetscMalloc1(solver->d, &full));
    PetscCall(CurioVecGatherAll(b, full));
    if (solver->rowspace) {
      PetscReal *xf;
      PetscCall(PetscMalloc1(solver->d, &xf));
      PetscCall(RowSpaceSolve(solver, full, PETSC_FALSE, xf, NULL));
      PetscCall(PetscArraycpy(full, xf, solver->d));
      PetscCall(PetscFree(xf));
    } else PetscCall(SolverCholeskySolve(solver, 1, full));
    PetscCall(CurioVecSetFromReplicated(x, full));
    PetscCall(PetscFree(full));
  } else PetscCall(KrylovSolve(solver, purpose, b, x));
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
  if (solver->type == CURIO_SOLVER_DIRECT && solver->rowspace) {
    PetscReal *e;
    PetscCall(PetscCalloc1(d, &e));
    for (PetscInt j = 0; j < d; j++) {
      e[j] = 1.0;
      PetscCall(RowSpaceSolve(solver, e, PETSC_FALSE, Hinv + j * d, NULL));
      e[j] = 0.0;
    }
    PetscCall(PetscFree(e));
    CurioDenseSymmetrize(d, Hinv);
  } else if (solver->type == CURIO_SOLVER_DIRECT) {
    for (PetscInt j = 0; j < d; j++) Hinv[j + j * d] = 1.0;
    PetscCall(SolverCholeskySolve(solver, d, Hinv));
  } else {
    Vec e, x;
    PetscCall(MatCreateVecs(solver->H, &x, &e));
    for (PetscInt j = 0; j < d; j++) {
      PetscCall(VecSet(e, 0.0));
      PetscCall(VecSetValue(e, j, 1.0, INSERT_VALUES));
      PetscCall(VecAssemblyBegin(e));
      PetscCall(VecAssemblyEnd(e));
      PetscCall(KrylovSolve(solver, CURIO_SOLVE_INVERSE, e, x));
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

/*@C
  CurioSolverGetHessianShell - the MATSHELL H = Phi^T diag(c) Phi + s diag(m) of the current operator (borrowed)

  Not Collective
@*/
PetscErrorCode CurioSolverGetHessianShell(CurioSolver solver, Mat *H)
{
  PetscFunctionBegin;
  *H = solver->H;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverGetIterations - KSP iterations of the last solve (0 on the direct path)

  Not Collective
@*/
PetscErrorCode CurioSolverGetIterations(CurioSolver solver, PetscInt *its)
{
  PetscFunctionBegin;
  *its        = solver->its;
  solver->its = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverGetGram - the Gram matrix Phi^T diag(c) Phi (replicated, d x d, column-major) on the direct path, NULL on the Krylov path

  Not Collective
@*/
PetscErrorCode CurioSolverGetGram(CurioSolver solver, const PetscReal **G)
{
  PetscFunctionBegin;
  *G = solver->type == CURIO_SOLVER_DIRECT ? solver->G : NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverGetKSP - the common KSP of the Krylov path (prefix curio_, what -curio_ksp_* sets for every solve)

  Not Collective
@*/
PetscErrorCode CurioSolverGetKSP(CurioSolver solver, KSP *ksp)
{
  PetscFunctionBegin;
  *ksp = solver->ksp[CURIO_SOLVE_OTHER];
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverGetKSPFor - the KSP of one purpose of the Krylov path (its options prefix: CurioSolvePrefixes)

  Not Collective
@*/
PetscErrorCode CurioSolverGetKSPFor(CurioSolver solver, CurioSolvePurpose purpose, KSP *ksp)
{
  PetscFunctionBegin;
  *ksp = solver->ksp[purpose];
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverGetDiagonal - diag(H) at the current s, in the layout of theta: from the Gram on the direct path, the
  MATSHELL's (kept) diagonal on the Krylov path. The scaling of the condition estimate (CurioSolverGetCondition()),
  and so of the residuals measured against it.

  Collective
@*/
PetscErrorCode CurioSolverGetDiagonal(CurioSolver solver, Vec diag)
{
  PetscFunctionBegin;
  if (solver->type == CURIO_SOLVER_DIRECT) {
    PetscInt     lo, hi, d = solver->d;
    PetscScalar *a;
    PetscCall(VecGetOwnershipRange(diag, &lo, &hi));
    PetscCall(VecGetArrayWrite(diag, &a));
    for (PetscInt k = lo; k < hi; k++) a[k - lo] = solver->G[k + k * d] + solver->s * solver->mfull[k];
    PetscCall(VecRestoreArrayWrite(diag, &a));
  } else PetscCall(MatGetDiagonal(solver->H, diag));
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

/*@C
  CurioSolverSolveRange - x = H^{-1} r for a right-hand side r that lies in the range of Phi^T (r = Phi^T u for some
  row vector u), and optionally x2 = H^{-1} (m .* x); on the row-space route, r's components along the Gram's null
  space, which are zero in exact arithmetic, are dropped instead of being amplified by 1/s (and 1/s^2 for x2)

  Collective

  Input Parameters:
+ solver - the solver at the current operator and s
- r      - the right-hand side, Phi^T u

  Output Parameters:
+ x  - H^{-1} r
- x2 - H^{-1} (m .* x), or NULL

  Note: off the row-space route this is CurioSolverSolve() (twice for x2).

.seealso: CurioSolverSolve(), CurioSolverGetCondition()
@*/
PetscErrorCode CurioSolverSolveRange(CurioSolver solver, Vec r, Vec x, Vec x2)
{
  PetscFunctionBegin;
  if (solver->type == CURIO_SOLVER_DIRECT && solver->rowspace) {
    PetscReal *rf, *xf, *x2f;
    PetscCall(PetscMalloc3(solver->d, &rf, solver->d, &xf, solver->d, &x2f));
    PetscCall(CurioVecGatherAll(r, rf));
    PetscCall(RowSpaceSolve(solver, rf, PETSC_TRUE, xf, x2 ? x2f : NULL));
    PetscCall(CurioVecSetFromReplicated(x, xf));
    if (x2) PetscCall(CurioVecSetFromReplicated(x2, x2f));
    PetscCall(PetscFree3(rf, xf, x2f));
  } else {
    PetscCall(CurioSolverSolve(solver, r, x));
    if (x2) {
      Vec mx;
      PetscCall(VecDuplicate(x, &mx));
      PetscCall(VecPointwiseMult(mx, solver->m, x));
      PetscCall(CurioSolverSolve(solver, mx, x2));
      PetscCall(VecDestroy(&mx));
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverGetRangeError - the estimated relative error of the last CurioSolverSolveRange()'s result (x2 if it was
  asked, else x) from the rounding of its right-hand side's coordinates, which the row-space route divides by
  lambda_k + s (by (lambda_k + s)^2 for x2); 0 off the row-space route

  Not Collective

.seealso: CurioSolverSolveRange(), CurioSolverGetCondition()
@*/
PetscErrorCode CurioSolverGetRangeError(CurioSolver solver, PetscReal *err)
{
  PetscFunctionBegin;
  *err = (solver->type == CURIO_SOLVER_DIRECT && solver->rowspace) ? solver->range_error : 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The row-space route's condition: H_R = V_r diag(lambda_r + s) V_r^T on the penalized parameters, restricted to the
   Gram's range (the null directions are exact), in the Jacobi scaling D = diag(H_R)^{1/2} in which the Cholesky route
   measures its own: ||D^{-1} H_R D^{-1}||_1 ||D H_R^+ D||_1. Each eigenvalue of CurioDenseEigenScaled() is accurate
   relative to itself, so the unscaled (lambda_max + s) / (lambda_min + s), 10^17 for a column in units 10^6 times the
   others, would flag correct results; above CURIO_EIGEN_LAPACK_MAX the eigenvalues are accurate relative to the
   largest only, and the unscaled ratio is the condition. Computed once per s (O(np^2 r)). */
static PetscErrorCode RowSpaceCondition(CurioSolver solver, PetscReal *kappa)
{
  PetscInt   np = solver->np, r = 0;
  PetscReal  s = solver->s, lmin = PETSC_MAX_REAL, lmax = 0, *B, *Bi, *D, nb = 0, nbi = 0;
  PetscReal *lam = solver->lambda, *V = solver->V;

  PetscFunctionBegin;
  if (solver->kappa_rs_s == s) {
    *kappa = solver->kappa_rs;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  for (PetscInt k = 0; k < np; k++)
    if (lam[k] > 0) {
      lmin = PetscMin(lmin, lam[k]);
      lmax = PetscMax(lmax, lam[k]);
      r++;
    }
  if (!r) *kappa = 1.0;
  else if (np > CURIO_EIGEN_LAPACK_MAX) *kappa = (lmax + s) / (lmin + s);
  else {
    PetscCall(PetscMalloc3(np * np, &B, np * np, &Bi, np, &D));
    for (PetscInt a = 0; a < np; a++) {
      PetscReal h = 0;
      for (PetscInt k = 0; k < np; k++)
        if (lam[k] > 0) h += V[a + k * np] * V[a + k * np] * (lam[k] + s);
      D[a] = h > 0 ? PetscSqrtReal(h) : 1;
    }
    for (PetscInt b = 0; b < np; b++)
      for (PetscInt a = 0; a <= b; a++) {
        PetscReal h = 0, hi = 0;
        for (PetscInt k = 0; k < np; k++)
          if (lam[k] > 0) {
            const PetscReal vv = V[a + k * np] * V[b + k * np];
            h += vv * (lam[k] + s);
            hi += vv / (lam[k] + s);
          }
        B[a + b * np] = B[b + a * np] = h / (D[a] * D[b]);
        Bi[a + b * np] = Bi[b + a * np] = hi * D[a] * D[b];
      }
    for (PetscInt b = 0; b < np; b++) {
      PetscReal cb = 0, cbi = 0;
      for (PetscInt a = 0; a < np; a++) cb += PetscAbsReal(B[a + b * np]), cbi += PetscAbsReal(Bi[a + b * np]);
      nb  = PetscMax(nb, cb);
      nbi = PetscMax(nbi, cbi);
    }
    *kappa = nb * nbi;
    PetscCall(PetscFree3(B, Bi, D));
  }
  solver->kappa_rs   = *kappa;
  solver->kappa_rs_s = s;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSolverGetCondition - what the solver knows about the conditioning of its last solves

  Not Collective

  Output Parameters:
+ kappa    - direct path: the 1-norm condition estimate of H from its Cholesky factor (pdpocon; Inf after a breakdown);
             on the row-space route, the condition of H restricted to the Gram's range in the Jacobi scaling
             (RowSpaceCondition()); Krylov path: the condition estimate of the Jacobi-preconditioned H from the
             last CG solve's Lanczos coefficients (either may be NULL)
- rowspace - whether the direct path works in the row space (PETSC_FALSE on the Krylov path)

.seealso: CurioSolverSetRegularity(), CurioSolverSolveRange()
@*/
PetscErrorCode CurioSolverGetCondition(CurioSolver solver, PetscReal *kappa, PetscBool *rowspace)
{
  PetscFunctionBegin;
  if (kappa) {
    if (solver->type != CURIO_SOLVER_DIRECT) *kappa = solver->kappa_ksp;
    else if (solver->rowspace) PetscCall(RowSpaceCondition(solver, kappa));
    else *kappa = solver->rcond > 0 ? 1 / solver->rcond : PETSC_INFINITY;
  }
  if (rowspace) *rowspace = (PetscBool) (solver->type == CURIO_SOLVER_DIRECT && solver->rowspace);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The regularizer hierarchy (the paper's section 3.4.2, MATH.md section 7, curio's instantiation): a shared beta, a
   deviation theta_u and a log-precision rho_u per user, eta_i = phi_i . (beta + theta_u(i)), and

       L(beta, theta, rho; s) = sum_i w_i l(eta_i, y_i) + sum_u [ e^{rho_u}/2 ||theta_u||^2 - (d/2) rho_u ] + (s/2) sum_u rho_u^2

   (a mixed model with a per-user prior precision e^{rho_u} and rho_u ~ N(0, 1/s): one regularity s governs all the
   users' regularities). The joint vector x = (beta, theta_1, rho_1, ..., theta_U, rho_U) is one PETSc Vec: beta on
   rank 0, each user's block (theta_u, rho_u) on the rank that owns the user. The users are coupled only through
   beta's rows and columns of the Hessian (an arrow matrix):

       H = [ A      B_1^T ... B_U^T ]   A   = sum_i c_i phi_i phi_i^T (all rows),  c_i = w_i l''_i
           [ B_1    D_1             ]   B_u = [ sum_{i in u} c_i phi_i phi_i^T ; 0 ]
           [ ...          ...       ]   D_u = [ sum_{i in u} c_i phi_i phi_i^T + e^rho I,  e^rho theta_u       ]
           [ B_U               D_U  ]         [ e^rho theta_u^T,                            e^rho |theta_u|^2/2 + s ]

   The joint optimum is TAO's Newton line search (TAONLS) on the matrix-free H; the tangent x_dot = -H^{-1} dg/ds with
   dg/ds = (0, 0, rho) (only the rho entries of the gradient depend on s) is KSP CG on the same H: H is positive
   definite at a minimum. The preconditioner is block Jacobi from the blocks A and D_u, each factored by LAPACK
   (away from the minimum a block can be indefinite; it is then shifted until it factors). */
#include "usersimpl.h"

typedef struct {
  MPI_Comm            comm;
  PetscMPIInt         rank;
  CurioLossType       loss;
  PetscReal           s;
  const CurioUserSet *st;
  PetscInt            d, nb, nbeta; /* d, user block size d + 1, beta entries on this rank (d on rank 0, else 0) */
  PetscReal          *beta, *vbeta; /* replicated beta of the current point, of a Hessian product's input */
  PetscReal          *xloc;         /* this rank's user blocks at the Hessian's point */
  PetscReal          *curv;         /* c_i of this rank's rows at the Hessian's point */
  PetscReal          *Dfac, *Afac;  /* factors of the D_u and of A */
  PetscReal          *acc, *acc2;   /* d-vectors for reductions */
  PetscReal           shift;        /* TAONLS's perturbation of the current Hessian (MatShift), reset by a new Hessian */
} HierCtx;

static inline PetscReal Dot(PetscInt d, const PetscReal *a, const PetscReal *b)
{
  PetscReal t = 0;
  for (PetscInt j = 0; j < d; j++) t += a[j] * b[j];
  return t;
}

/* beta (the first d entries on rank 0) of x onto every rank */
static PetscErrorCode ShareBeta(HierCtx *h, Vec x, PetscReal *beta)
{
  const PetscScalar *a;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(x, &a));
  if (h->nbeta) PetscCall(PetscArraycpy(beta, a, h->d));
  PetscCall(VecRestoreArrayRead(x, &a));
  PetscCallMPI(MPI_Bcast(beta, (PetscMPIInt) h->d, MPIU_REAL, 0, h->comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode FormFunctionGradient(Tao tao, Vec X, PetscReal *f, Vec G, void *ctx)
{
  HierCtx            *h  = (HierCtx *) ctx;
  const CurioUserSet *st = h->st;
  PetscInt            d = h->d, nb = h->nb;
  const PetscScalar  *x;
  PetscScalar        *g;
  PetscReal           loc = 0, tot, eta[1];

  PetscFunctionBegin;
  PetscCall(ShareBeta(h, X, h->beta));
  PetscCall(VecGetArrayRead(X, &x));
  PetscCall(VecGetArrayWrite(G, &g));
  PetscCall(PetscArrayzero(h->acc, d));
  for (PetscInt j = 0; j < st->nu; j++) {
    const PetscReal *th = x + h->nbeta + j * nb, rho = th[d];
    PetscReal       *gt = g + h->nbeta + j * nb, e = PetscExpReal(rho), t2 = Dot(d, th, th);
    for (PetscInt c = 0; c < d; c++) gt[c] = e * th[c];
    gt[d] = 0.5 * e * t2 - 0.5 * d + h->s * rho;
    loc += 0.5 * e * t2 - 0.5 * d * rho + 0.5 * h->s * rho * rho;
    for (PetscInt i = st->off[j]; i < st->off[j + 1]; i++) {
      const PetscReal *phi = st->phi + i * d;
      PetscReal        l, dl;
      eta[0] = Dot(d, phi, h->beta) + Dot(d, phi, th);
      PetscCall(CurioLossEvaluate(h->loss, eta[0], st->y[i], &l, &dl, NULL));
      loc += st->w[i] * l;
      for (PetscInt c = 0; c < d; c++) {
        gt[c] += st->w[i] * dl * phi[c];
        h->acc[c] += st->w[i] * dl * phi[c];
      }
    }
  }
  PetscCallMPI(MPIU_Allreduce(h->acc, h->acc2, d, MPIU_REAL, MPIU_SUM, h->comm));
  if (h->nbeta) PetscCall(PetscArraycpy(g, h->acc2, d));
  PetscCallMPI(MPIU_Allreduce(&loc, &tot, 1, MPIU_REAL, MPIU_SUM, h->comm));
  *f = tot;
  PetscCall(VecRestoreArrayRead(X, &x));
  PetscCall(VecRestoreArrayWrite(G, &g));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Cholesky of a symmetric n x n matrix (column-major, upper), shifted by growing multiples of its scale until it factors */
static PetscErrorCode FactorShifted(PetscInt n, PetscReal *M)
{
  PetscBLASInt bn, info;
  PetscReal   *copy, scale = 0, shift = 0;

  PetscFunctionBegin;
  PetscCall(PetscBLASIntCast(n, &bn));
  PetscCall(PetscMalloc1(n * n, &copy));
  PetscCall(PetscArraycpy(copy, M, n * n));
  for (PetscInt j = 0; j < n; j++) scale = PetscMax(scale, PetscAbsReal(M[j + j * n]));
  scale = PetscMax(scale, 1.0);
  for (int k = 0; k < 60; k++) {
    PetscCallBLAS("LAPACKpotrf", LAPACKpotrf_("U", &bn, M, &bn, &info));
    if (!info) break;
    shift = shift ? 10 * shift : 1e-10 * scale;
    PetscCall(PetscArraycpy(M, copy, n * n));
    for (PetscInt j = 0; j < n; j++) M[j + j * n] += shift;
  }
  PetscCall(PetscFree(copy));
  PetscCheck(!info, PETSC_COMM_SELF, PETSC_ERR_LIB, "A block of the hierarchy's preconditioner does not factor");
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The point of the Hessian: beta, the user blocks, c_i per row; the preconditioner's blocks A and D_u */
static PetscErrorCode FormHessian(Tao tao, Vec X, Mat H, Mat Hpre, void *ctx)
{
  HierCtx            *h  = (HierCtx *) ctx;
  const CurioUserSet *st = h->st;
  PetscInt            d = h->d, nb = h->nb;
  const PetscScalar  *x;
  PetscReal          *Aloc;

  PetscFunctionBegin;
  h->shift = 0; /* TAONLS shifts the Hessian (MatShift) where it is not positive definite; a new Hessian has no shift */
  PetscCall(ShareBeta(h, X, h->beta));
  PetscCall(VecGetArrayRead(X, &x));
  PetscCall(PetscArraycpy(h->xloc, x + h->nbeta, st->nu * nb));
  PetscCall(VecRestoreArrayRead(X, &x));
  PetscCall(PetscCalloc1(d * d, &Aloc));
  for (PetscInt j = 0; j < st->nu; j++) {
    const PetscReal *th = h->xloc + j * nb;
    PetscReal       *D = h->Dfac + j * nb * nb, e = PetscExpReal(th[d]);
    PetscCall(PetscArrayzero(D, nb * nb));
    for (PetscInt i = st->off[j]; i < st->off[j + 1]; i++) {
      const PetscReal *phi = st->phi + i * d;
      PetscReal        d2l;
      PetscCall(CurioLossEvaluate(h->loss, Dot(d, phi, h->beta) + Dot(d, phi, th), st->y[i], NULL, NULL, &d2l));
      h->curv[i] = st->w[i] * d2l;
      for (PetscInt b = 0; b < d; b++)
        for (PetscInt a = 0; a <= b; a++) D[a + b * nb] += h->curv[i] * phi[a] * phi[b];
    }
    for (PetscInt b = 0; b < d; b++)
      for (PetscInt a = 0; a <= b; a++) Aloc[a + b * d] += D[a + b * nb];
    for (PetscInt c = 0; c < d; c++) {
      D[c + c * nb] += e;
      D[c + d * nb] = e * th[c];
    }
    D[d + d * nb] = 0.5 * e * Dot(d, th, th) + h->s;
    PetscCall(FactorShifted(nb, D));
  }
  PetscCallMPI(MPIU_Allreduce(Aloc, h->Afac, d * d, MPIU_REAL, MPIU_SUM, h->comm));
  PetscCall(PetscFree(Aloc));
  PetscCall(FactorShifted(d, h->Afac));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* y = H v at the Hessian's point */
static PetscErrorCode HierMult(Mat H, Vec V, Vec Y)
{
  HierCtx            *h;
  const CurioUserSet *st;
  PetscInt            d, nb;
  const PetscScalar  *v;
  PetscScalar        *y;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(H, &h));
  st = h->st;
  d  = h->d;
  nb = h->nb;
  PetscCall(ShareBeta(h, V, h->vbeta));
  PetscCall(VecGetArrayRead(V, &v));
  PetscCall(VecGetArrayWrite(Y, &y));
  PetscCall(PetscArrayzero(h->acc, d));
  for (PetscInt j = 0; j < st->nu; j++) {
    const PetscReal *th = h->xloc + j * nb, *vt = v + h->nbeta + j * nb;
    PetscReal       *yt = y + h->nbeta + j * nb, e = PetscExpReal(th[d]);
    for (PetscInt c = 0; c < d; c++) yt[c] = e * (vt[c] + th[c] * vt[d]);
    yt[d] = e * Dot(d, th, vt) + (0.5 * e * Dot(d, th, th) + h->s) * vt[d];
    for (PetscInt i = st->off[j]; i < st->off[j + 1]; i++) {
      const PetscReal *phi = st->phi + i * d;
      PetscReal        t   = h->curv[i] * (Dot(d, phi, h->vbeta) + Dot(d, phi, vt));
      for (PetscInt c = 0; c < d; c++) {
        yt[c] += t * phi[c];
        h->acc[c] += t * phi[c];
      }
    }
  }
  PetscCallMPI(MPIU_Allreduce(h->acc, h->acc2, d, MPIU_REAL, MPIU_SUM, h->comm));
  if (h->nbeta) PetscCall(PetscArraycpy(y, h->acc2, d));
  PetscCall(VecRestoreArrayRead(V, &v));
  PetscCall(VecRestoreArrayWrite(Y, &y));
  if (h->shift != 0) PetscCall(VecAXPY(Y, h->shift, V));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode HierShift(Mat H, PetscScalar a)
{
  HierCtx *h;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(H, &h));
  h->shift += a;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* block Jacobi: A^{-1} on beta, D_u^{-1} on every user block */
static PetscErrorCode HierPCApply(PC pc, Vec B, Vec X)
{
  HierCtx     *h;
  PetscScalar *x;
  PetscBLASInt bd, bnb, one = 1, info;

  PetscFunctionBegin;
  PetscCall(PCShellGetContext(pc, &h));
  PetscCall(VecCopy(B, X));
  PetscCall(VecGetArray(X, &x));
  PetscCall(PetscBLASIntCast(h->d, &bd));
  PetscCall(PetscBLASIntCast(h->nb, &bnb));
  if (h->nbeta) PetscCallBLAS("LAPACKpotrs", LAPACKpotrs_("U", &bd, &one, h->Afac, &bd, x, &bd, &info));
  for (PetscInt j = 0; j < h->st->nu; j++)
    PetscCallBLAS("LAPACKpotrs", LAPACKpotrs_("U", &bnb, &one, h->Dfac + j * h->nb * h->nb, &bnb, x + h->nbeta + j * h->nb, &bnb, &info));
  PetscCall(VecRestoreArray(X, &x));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The start of the joint optimum: beta from the global model, no deviations, rho_u at its optimum for theta_u = 0: d/(2s) */
static PetscErrorCode HierSetStart(HierCtx *h, const PetscReal *beta, Vec X)
{
  PetscScalar *x;
  PetscInt     d = h->d;

  PetscFunctionBegin;
  PetscCall(VecGetArrayWrite(X, &x));
  if (h->nbeta) PetscCall(PetscArraycpy(x, beta, d));
  for (PetscInt j = 0; j < h->st->nu; j++) {
    for (PetscInt c = 0; c < d; c++) x[h->nbeta + j * h->nb + c] = 0;
    x[h->nbeta + j * h->nb + d] = 0.5 * d / h->s;
  }
  PetscCall(VecRestoreArrayWrite(X, &x));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The joint optimum by TAO NLS from the start in X, with H as the Hessian shell and block Jacobi inside STCG; gscale is
   |grad L| at the start, the scale of the convergence test */
static PetscErrorCode HierSolveOptimum(HierCtx *h, Vec X, Vec G, Mat H, PetscReal gscale, PetscBool monitor, PetscInt *its_tao)
{
  MPI_Comm           comm = h->comm;
  Tao                tao;
  KSP                ksp;
  PC                 pc;
  PetscInt           its;
  TaoConvergedReason reason;
  PetscReal          f, gnorm;

  PetscFunctionBegin;
  PetscCall(TaoCreate(comm, &tao));
  PetscCall(TaoSetType(tao, TAONLS));
  PetscCall(TaoSetOptionsPrefix(tao, "curio_users_hier_"));
  PetscCall(TaoSetSolution(tao, X));
  PetscCall(TaoSetObjectiveAndGradient(tao, G, FormFunctionGradient, h));
  PetscCall(TaoSetHessian(tao, H, H, FormHessian, h));
  PetscCall(TaoSetTolerances(tao, 1e-13 * gscale, 0.0, 0.0));
  PetscCall(TaoSetMaximumIterations(tao, 200));
  PetscCall(TaoGetKSP(tao, &ksp));
  PetscCall(KSPSetType(ksp, KSPSTCG));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCSHELL));
  PetscCall(PCShellSetContext(pc, h));
  PetscCall(PCShellSetApply(pc, HierPCApply));
  PetscCall(PCShellSetName(pc, "curio users: block Jacobi (A, D_u)"));
  PetscCall(KSPSetTolerances(ksp, 1e-12, PETSC_DEFAULT, PETSC_DEFAULT, 10000));
  PetscCall(TaoSetFromOptions(tao));
  PetscCall(TaoSolve(tao));
  PetscCall(TaoGetSolutionStatus(tao, &its, &f, &gnorm, NULL, NULL, &reason));
  *its_tao = its;
  if (monitor)
    PetscCall(PetscPrintf(comm, "curio: users hierarchy: TAO %s %" PetscInt_FMT " iterations, |grad| = %.3e (relative %.1e), reason %s\n", TAONLS,
                          its, (double) gnorm, (double) (gnorm / gscale), TaoConvergedReasons[reason]));
  PetscCheck(reason > 0 || gnorm <= 1e-9 * gscale, comm, PETSC_ERR_NOT_CONVERGED,
             "The hierarchy's joint optimum did not converge: TAO reason %s after %" PetscInt_FMT
             " iterations, |grad L| = %g (relative %g). Increase -curio_s, or see -curio_users_hier_tao_monitor",
             TaoConvergedReasons[reason], its, (double) gnorm, (double) (gnorm / gscale));
  PetscCall(TaoDestroy(&tao));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The tangent at the optimum X: H x_dot = -(0, 0, rho) with H (unshifted) and its blocks at the optimum, by CG with
   block Jacobi; Xd receives x_dot, residual the relative residual |H x_dot - r| / |r| */
static PetscErrorCode HierSolveTangent(HierCtx *h, Vec X, Mat H, PetscBool monitor, Vec Xd, PetscInt *its_ksp, PetscReal *residual)
{
  MPI_Comm           comm = h->comm;
  Vec                R, T;
  KSP                ksp;
  PC                 pc;
  PetscInt           d = h->d, nloc;
  PetscScalar       *x;
  const PetscScalar *xd;
  KSPConvergedReason kreason;
  PetscReal          rn, bn;

  PetscFunctionBegin;
  PetscCall(FormHessian(NULL, X, H, H, h));
  PetscCall(VecGetLocalSize(X, &nloc));
  PetscCall(VecDuplicate(X, &R));
  PetscCall(VecDuplicate(X, &T));
  PetscCall(VecGetArrayRead(X, &xd));
  PetscCall(VecGetArrayWrite(R, &x));
  for (PetscInt k = 0; k < nloc; k++) x[k] = 0;
  for (PetscInt j = 0; j < h->st->nu; j++) x[h->nbeta + j * h->nb + d] = -xd[h->nbeta + j * h->nb + d];
  PetscCall(VecRestoreArrayWrite(R, &x));
  PetscCall(VecRestoreArrayRead(X, &xd));
  PetscCall(KSPCreate(comm, &ksp));
  PetscCall(KSPSetOptionsPrefix(ksp, "curio_users_hier_"));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPSetOperators(ksp, H, H));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCSHELL));
  PetscCall(PCShellSetContext(pc, h));
  PetscCall(PCShellSetApply(pc, HierPCApply));
  PetscCall(KSPSetTolerances(ksp, 1e-13, 1e-300, PETSC_DEFAULT, 100000));
  PetscCall(KSPSetFromOptions(ksp));
  {
    const char *const prefixes[] = {"curio_users_hier_", NULL};
    PetscCall(CurioSolverCheckKSPTolerances(ksp, prefixes));
  }
  PetscCall(KSPSolve(ksp, R, Xd));
  PetscCall(KSPGetConvergedReason(ksp, &kreason));
  PetscCall(KSPGetIterationNumber(ksp, its_ksp));
  PetscCheck(kreason > 0, comm, PETSC_ERR_NOT_CONVERGED, "The hierarchy's tangent did not converge: KSP reason %s after %" PetscInt_FMT " iterations",
             KSPConvergedReasons[kreason], *its_ksp);
  PetscCall(MatMult(H, Xd, T));
  PetscCall(VecAXPY(T, -1.0, R));
  PetscCall(VecNorm(T, NORM_2, &rn));
  PetscCall(VecNorm(R, NORM_2, &bn));
  *residual = bn > 0 ? rn / bn : rn;
  if (monitor)
    PetscCall(
        PetscPrintf(comm, "curio: users hierarchy: tangent by CG in %" PetscInt_FMT " iterations, residual %.2e\n", *its_ksp, (double) *residual));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&R));
  PetscCall(VecDestroy(&T));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The results: beta and beta_dot replicated, each user's beta + theta_u and its derivative (into st), rho and rho_dot */
static PetscErrorCode HierGetResults(HierCtx *h, Vec X, Vec Xd, CurioUserSet *st, PetscReal *beta, PetscReal *beta_dot, PetscReal *rho,
                                     PetscReal *rho_dot)
{
  PetscInt           d = h->d;
  const PetscScalar *xd;

  PetscFunctionBegin;
  PetscCall(ShareBeta(h, X, beta));
  PetscCall(ShareBeta(h, Xd, beta_dot));
  PetscCall(VecGetArrayRead(X, &xd));
  for (PetscInt j = 0; j < st->nu; j++) {
    for (PetscInt c = 0; c < d; c++) st->theta[j * d + c] = beta[c] + xd[h->nbeta + j * h->nb + c];
    rho[j]     = xd[h->nbeta + j * h->nb + d];
    st->its[j] = 0;
  }
  PetscCall(VecRestoreArrayRead(X, &xd));
  PetscCall(VecGetArrayRead(Xd, &xd));
  for (PetscInt j = 0; j < st->nu; j++) {
    for (PetscInt c = 0; c < d; c++) st->theta_dot[j * d + c] = beta_dot[c] + xd[h->nbeta + j * h->nb + c];
    rho_dot[j] = xd[h->nbeta + j * h->nb + d];
  }
  PetscCall(VecRestoreArrayRead(Xd, &xd));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*
  CurioUsersHierarchySolve - the joint optimum (beta, theta_u, rho_u) of the hierarchy at s by TAO, and its tangent by
  KSP CG; on return st->theta and st->theta_dot hold each user's parameters beta + theta_u and their derivative,
  beta/beta_dot (replicated) the shared part, rho/rho_dot (local users) the log-precisions. beta holds the start on
  entry (the global model).
*/
PetscErrorCode CurioUsersHierarchySolve(MPI_Comm comm, CurioLossType loss, PetscReal s, CurioUserSet *st, PetscBool monitor, PetscReal *beta,
                                        PetscReal *beta_dot, PetscReal *rho, PetscReal *rho_dot, PetscInt *its_tao, PetscInt *its_ksp,
                                        PetscReal *residual)
{
  HierCtx   h;
  Vec       X, G, Xd;
  Mat       H;
  PetscInt  d = st->d, nloc;
  PetscReal f, gscale;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&h, sizeof(h)));
  h.comm = comm;
  PetscCallMPI(MPI_Comm_rank(comm, &h.rank));
  h.loss  = loss;
  h.s     = s;
  h.st    = st;
  h.d     = d;
  h.nb    = d + 1;
  h.nbeta = h.rank ? 0 : d;
  nloc    = h.nbeta + st->nu * h.nb;
  PetscCall(PetscMalloc6(d, &h.beta, d, &h.vbeta, PetscMax(st->nu * h.nb, 1), &h.xloc, PetscMax(st->off[st->nu], 1), &h.curv,
                         PetscMax(st->nu * h.nb * h.nb, 1), &h.Dfac, d * d, &h.Afac));
  PetscCall(PetscMalloc2(d, &h.acc, d, &h.acc2));
  PetscCall(VecCreateMPI(comm, nloc, PETSC_DETERMINE, &X));
  PetscCall(VecDuplicate(X, &G));
  PetscCall(HierSetStart(&h, beta, X));
  PetscCall(FormFunctionGradient(NULL, X, &f, G, &h));
  PetscCall(VecNorm(G, NORM_2, &gscale));
  gscale = PetscMax(gscale, PETSC_SMALL);
  PetscCall(MatCreateShell(comm, nloc, nloc, PETSC_DETERMINE, PETSC_DETERMINE, &h, &H));
  PetscCall(MatShellSetOperation(H, MATOP_MULT, (void (*)(void)) HierMult));
  PetscCall(MatShellSetManageScalingShifts(H));
  PetscCall(MatShellSetOperation(H, MATOP_SHIFT, (void (*)(void)) HierShift));
  PetscCall(MatSetOption(H, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(HierSolveOptimum(&h, X, G, H, gscale, monitor, its_tao));
  PetscCall(VecDuplicate(X, &Xd));
  PetscCall(HierSolveTangent(&h, X, H, monitor, Xd, its_ksp, residual));
  PetscCall(HierGetResults(&h, X, Xd, st, beta, beta_dot, rho, rho_dot));
  PetscCall(VecDestroy(&X));
  PetscCall(VecDestroy(&G));
  PetscCall(VecDestroy(&Xd));
  PetscCall(MatDestroy(&H));
  PetscCall(PetscFree6(h.beta, h.vbeta, h.xloc, h.curv, h.Dfac, h.Afac));
  PetscCall(PetscFree2(h.acc, h.acc2));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Training: theta*(s) = argmin sum_i w_i l(phi_i . theta, y_i) + s R(theta). Squared loss: the regularized normal
   equations (eq. 78), one solve. Other losses: Newton's method by PETSc TAO (line search, TAONLS) with the exact
   gradient and the Hessian as the solver's operator, warm-started from the theta passed in. */
#include "fitimpl.h"

/* The narrow context of TAO's callbacks: the fit, s, and work vectors */
typedef struct {
  CurioFit  p;
  PetscReal s;
  Vec       eta, l, dl, gR;
} TrainCtx;

/*@C
  CurioFitSetCurvatureAt - the Hessian's per-row curvature w l''(phi_i . theta) at theta, handed to the solver
  (which forms the Gram again on the direct path) and factored at s; for squared loss only s changes

  Collective
@*/
PetscErrorCode CurioFitSetCurvatureAt(CurioFit p, Vec theta, PetscReal s)
{
  Vec eta;

  PetscFunctionBegin;
  if (!p->quadratic) {
    PetscCall(VecDuplicate(p->y, &eta));
    PetscCall(MatMult(p->Phi, theta, eta));
    PetscCall(CurioModelLossVectors(p->model, eta, p->y, p->w, NULL, NULL, p->curv));
    PetscCall(VecDestroy(&eta));
    PetscCall(CurioSolverSetOperator(p->solver, p->Phi, p->curv, p->mask));
  }
  PetscCall(CurioSolverSetRegularity(p->solver, s));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TrainCtxCreate(CurioFit p, PetscReal s, TrainCtx *ctx)
{
  PetscFunctionBegin;
  ctx->p = p;
  ctx->s = s;
  PetscCall(VecDuplicate(p->y, &ctx->eta));
  PetscCall(VecDuplicate(p->y, &ctx->l));
  PetscCall(VecDuplicate(p->y, &ctx->dl));
  PetscCall(VecDuplicate(p->theta, &ctx->gR));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TrainCtxDestroy(TrainCtx *ctx)
{
  PetscFunctionBegin;
  PetscCall(VecDestroy(&ctx->eta));
  PetscCall(VecDestroy(&ctx->l));
  PetscCall(VecDestroy(&ctx->dl));
  PetscCall(VecDestroy(&ctx->gR));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* L(theta; s) = sum_i w_i l_i + s R(theta) and grad L = Phi^T (w l') + s m .* (theta - c) */
static PetscErrorCode FormObjectiveGradient(Tao tao, Vec theta, PetscReal *f, Vec g, void *vctx)
{
  TrainCtx *ctx = (TrainCtx *) vctx;
  CurioFit  p   = ctx->p;
  PetscReal R, lw;

  PetscFunctionBegin;
  PetscCall(MatMult(p->Phi, theta, ctx->eta));
  PetscCall(CurioModelLossVectors(p->model, ctx->eta, p->y, p->w, ctx->l, ctx->dl, NULL));
  PetscCall(VecDot(ctx->l, p->w, &lw));
  PetscCall(VecPointwiseMult(ctx->dl, ctx->dl, p->w));
  PetscCall(MatMultTranspose(p->Phi, ctx->dl, g));
  PetscCall(CurioModelRegularizerValue(p->model, theta, p->mask, p->center, &R));
  PetscCall(CurioModelRegularizerGradient(p->model, theta, p->mask, p->center, ctx->gR));
  PetscCall(VecAXPY(g, ctx->s, ctx->gR));
  *f = lw + ctx->s * R;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode FormHessian(Tao tao, Vec theta, Mat H, Mat Hpre, void *vctx)
{
  TrainCtx *ctx = (TrainCtx *) vctx;

  PetscFunctionBegin;
  PetscCall(CurioFitSetCurvatureAt(ctx->p, theta, ctx->s));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitObjective - L(theta; s) and its gradient (g may be NULL), as the training minimizes them

  Collective
@*/
PetscErrorCode CurioFitObjective(CurioFit p, PetscReal s, Vec theta, PetscReal *f, Vec g)
{
  TrainCtx ctx;
  Vec      gw = g;

  PetscFunctionBegin;
  PetscCall(TrainCtxCreate(p, s, &ctx));
  if (!g) PetscCall(VecDuplicate(theta, &gw));
  PetscCall(FormObjectiveGradient(NULL, theta, f, gw, &ctx));
  if (!g) PetscCall(VecDestroy(&gw));
  PetscCall(TrainCtxDestroy(&ctx));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The Newton system by the direct path's Cholesky factor: TAO's KSP is PREONLY with this preconditioner */
static PetscErrorCode DirectApply(PC pc, Vec b, Vec x)
{
  CurioSolver solver;

  PetscFunctionBegin;
  PetscCall(PCShellGetContext(pc, &solver));
  PetscCall(CurioSolverSolve(solver, b, x));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A finite optimum of a GLM needs every unpenalized parameter to be held by the data. Along e_j (j unpenalized) the
   regularizer is constant, so if every weighted row's loss term falls (or stays) as theta_j runs to +infinity or
   -infinity, the objective has no minimizer and Newton's method only stops where the gradient underflows its
   tolerance (an intercept of -28 for all-zero Poisson labels). Exactly when that happens, for rows with w_i > 0 and
   phi_ij != 0:
     logistic: theta_j -> +inf lowers every term iff phi_ij > 0 => y_i = 1 and phi_ij < 0 => y_i = 0 (the column
               separates the labels; for an intercept: one class), and -inf symmetrically;
     Poisson:  the column has one sign and every such row has y_i = 0 (theta_j -> -inf sign(phi)).
   With one unpenalized parameter (the restricted regularizer's intercept) these are the only ways; with several they
   are sufficient. The check costs one pass over the unpenalized columns. */
static PetscErrorCode CheckFiniteOptimum(CurioFit p)
{
  PetscInt           d, nu = 0, *cols, rstart, rend;
  PetscReal         *m;
  PetscInt          *cnt, *gcnt; /* per unpenalized column: rows with phi > 0, phi < 0, logistic violations up/down, Poisson rows with y > 0 */
  const PetscScalar *yy, *ww;

  PetscFunctionBegin;
  if (p->loss == CURIO_LOSS_SQUARED) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(VecGetSize(p->mask, &d));
  PetscCall(PetscMalloc2(d, &m, d, &cols));
  PetscCall(CurioVecGatherAll(p->mask, m));
  for (PetscInt j = 0; j < d; j++)
    if (m[j] == 0) cols[nu++] = j;
  if (!nu) {
    PetscCall(PetscFree2(m, cols));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscCalloc2(5 * nu, &cnt, 5 * nu, &gcnt));
  PetscCall(MatGetOwnershipRange(p->Phi, &rstart, &rend));
  PetscCall(VecGetArrayRead(p->y, &yy));
  PetscCall(VecGetArrayRead(p->w, &ww));
  for (PetscInt k = 0; k < nu; k++) {
    PetscInt *c = cnt + 5 * k;
    for (PetscInt i = rstart; i < rend; i++) {
      PetscScalar v;
      PetscReal   y = yy[i - rstart];
      if (!(ww[i - rstart] > 0)) continue;
      PetscCall(MatGetValues(p->Phi, 1, &i, 1, &cols[k], &v));
      if (v == 0) continue;
      if (v > 0) c[0]++;
      else c[1]++;
      if ((v > 0 && y != 1) || (v < 0 && y != 0)) c[2]++; /* a row whose logistic term grows as theta_j -> +inf */
      if ((v > 0 && y != 0) || (v < 0 && y != 1)) c[3]++; /* ... as theta_j -> -inf */
      if (y > 0) c[4]++;
    }
  }
  PetscCall(VecRestoreArrayRead(p->y, &yy));
  PetscCall(VecRestoreArrayRead(p->w, &ww));
  PetscCall(MPIU_Allreduce(cnt, gcnt, 5 * nu, MPIU_INT, MPI_SUM, p->comm));
  for (PetscInt k = 0; k < nu; k++) {
    const PetscInt *c        = gcnt + 5 * k;
    PetscBool       logistic = (PetscBool) (p->loss == CURIO_LOSS_LOGISTIC);
    const char     *dir = NULL, *why = NULL;
    if (c[0] + c[1] == 0) continue; /* no curvature at all: the Hessian's singularity check names it */
    if (logistic && (c[2] == 0 || c[3] == 0)) {
      dir = c[2] == 0 ? "+" : "-";
      why = c[1] == 0
                ? (c[2] == 0 ? "every weighted row it touches has label 1 (one class)" : "every weighted row it touches has label 0 (one class)")
                : "its sign separates the labels";
    } else if (!logistic && (c[0] == 0 || c[1] == 0) && c[4] == 0) {
      dir = c[1] == 0 ? "-" : "+";
      why = "every weighted row it touches has label 0";
    }
    PetscCheck(!dir, p->comm, PETSC_ERR_USER_INPUT,
               "No finite optimum%s%s: parameter %" PetscInt_FMT
               " is not penalized (-curio_regularizer %s) and %s, so the %s loss keeps falling as it "
               "runs to %sinfinity and any value would only be where Newton's method stopped. Use -curio_regularizer ridge (penalize it too), check "
               "the labels (%s), or remove the column",
               p->rows[0] ? " on " : "", p->rows, cols[k], CurioRegularizerTypes[p->regularizer], why, CurioLossTypes[p->loss], dir,
               logistic ? "both classes must be present among the rows the column touches" : "some positive count is needed");
  }
  PetscCall(PetscFree2(cnt, gcnt));
  PetscCall(PetscFree2(m, cols));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Full Newton steps from where TAO stopped, while they shrink, and Newton's own measure of the error left, the step
   H^{-1} g at the final theta (p->train_error, relative to |theta|). TAO stops on the gradient's norm (1e-12 of its
   scale at the centre), which at a small s can leave theta far from the optimum: the data's gradient balances
   s theta there and H's smallest eigenvalues are about s, so the step is g / s (measured: logistic, n = 5 < d = 7,
   s = 1e-12, theta 9% off, its tangent 85%, with |g| at the tolerance). A step that no longer shrinks is taken only
   while it is above 1e-8 |theta| and lowers L (far out on e^eta, where Newton gains a unit of eta a step); below, it
   is rounding noise. On return the solver holds the Hessian at theta, factored at s. */
static PetscErrorCode TrainPolish(CurioFit p, PetscReal s, Vec theta, TrainCtx *ctx)
{
  Vec       g, step, trial = NULL;
  PetscReal f, sn = 0, tn, prev = PETSC_MAX_REAL;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(theta, &g));
  PetscCall(VecDuplicate(theta, &step));
  for (PetscInt k = 0;; k++) {
    PetscCall(CurioFitSetCurvatureAt(p, theta, s));
    PetscCall(FormObjectiveGradient(NULL, theta, &f, g, ctx));
    PetscCall(CurioSolverSolve(p->solver, g, step));
    PetscCall(VecNorm(step, NORM_2, &sn));
    PetscCall(VecNorm(theta, NORM_2, &tn));
    if (!(sn > 1e-14 * tn) || k == 50) break;
    if (sn > 0.5 * prev) { /* not shrinking: rounding noise, or far out where e^eta is flat and each step gains about one
                              unit of eta (Poisson with every count 0 at s = 3e-12: TAO's gradient test passed 2.4% short) */
      PetscReal ft;
      if (!(sn > 1e-8 * tn)) break;
      if (!trial) PetscCall(VecDuplicate(theta, &trial));
      PetscCall(VecWAXPY(trial, -1.0, step, theta));
      PetscCall(FormObjectiveGradient(NULL, trial, &ft, g, ctx));
      if (!(ft < f)) break;
    }
    PetscCall(VecAXPY(theta, -1.0, step));
    prev = sn;
    if (p->monitor)
      PetscCall(PetscPrintf(p->comm, "curio: Newton step %" PetscInt_FMT " after TAO at s = %.6e: |step| / |theta| = %.3e\n", k + 1, (double) s,
                            (double) (sn / tn)));
  }
  p->train_error = tn > 0 ? sn / tn : sn;
  {
    PetscInt its; /* the polishing solves are training's, not the tangent's */
    PetscCall(CurioSolverGetIterations(p->solver, &its));
  }
  PetscCall(VecDestroy(&g));
  PetscCall(VecDestroy(&step));
  PetscCall(VecDestroy(&trial));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One TAO Newton line-search solve from theta at s to |grad L| <= rtol gscale; armijo: the backtracking line search
   (halving the step from the full Newton step until it decreases L enough) instead of TAO's default More-Thuente search */
static PetscErrorCode TrainTaoSolve(CurioFit p, Vec theta, TrainCtx *ctx, PetscReal gscale, PetscReal rtol, PetscBool armijo, PetscInt *its,
                                    PetscReal *f, PetscReal *gnorm, TaoConvergedReason *reason)
{
  Tao             tao;
  KSP             ksp;
  PC              pc;
  Mat             H;
  CurioSolverType st;
  TaoType         type;
  PetscBool       nls, user_max = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(CurioFitSetCurvatureAt(p, theta, ctx->s));
  PetscCall(CurioSolverGetHessianShell(p->solver, &H));
  PetscCall(TaoCreate(p->comm, &tao));
  PetscCall(TaoSetType(tao, TAONLS));
  PetscCall(TaoSetOptionsPrefix(tao, "curio_"));
  PetscCall(TaoSetSolution(tao, theta));
  PetscCall(TaoSetObjectiveAndGradient(tao, NULL, FormObjectiveGradient, ctx));
  PetscCall(TaoSetHessian(tao, H, H, FormHessian, ctx));
  PetscCall(TaoSetTolerances(tao, rtol * gscale, 0.0, 0.0));
  PetscCall(TaoSetMaximumIterations(tao, 100));
  PetscCall(TaoGetKSP(tao, &ksp));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(CurioSolverGetType(p->solver, &st));
  if (st == CURIO_SOLVER_DIRECT) {
    PetscCall(KSPSetType(ksp, KSPPREONLY));
    PetscCall(PCSetType(pc, PCSHELL));
    PetscCall(PCShellSetContext(pc, p->solver));
    PetscCall(PCShellSetApply(pc, DirectApply));
    PetscCall(PCShellSetName(pc, "curio ScaLAPACK Cholesky"));
  } else {
    PetscCall(KSPSetType(ksp, KSPCG));
    PetscCall(PCSetType(pc, PCJACOBI));
    PetscCall(KSPSetTolerances(ksp, 1e-10, PETSC_DEFAULT, PETSC_MAX_REAL, 10000)); /* no divtol for CG on SPD H: see CurioSolverCreate() */
  }
  if (armijo) { /* halving from a full step that overflows e^eta by 2^40 (counts of 1e12 from theta = 0) takes more than TAO's 30 evaluations */
    PetscCall(PetscOptionsHasName(NULL, NULL, "-curio_tao_ls_max_funcs", &user_max));
    if (!user_max) PetscCall(PetscOptionsSetValue(NULL, "-curio_tao_ls_max_funcs", "200"));
  }
  PetscCall(TaoSetFromOptions(tao));
  /* the Hessian is a shell (or curio's own Cholesky factor): the trust-region and bound-constrained Newton types want an
     assembled matrix for their preconditioners and fail inside PETSc (ntl: a segmentation fault) */
  PetscCall(TaoGetType(tao, &type));
  PetscCall(PetscStrcmp(type, TAONLS, &nls));
  PetscCheck(nls, p->comm, PETSC_ERR_USER_INPUT, "-curio_tao_type %s: curio trains with nls (Newton line search) only; its Hessian is matrix-free",
             type);
  if (armijo) {
    TaoLineSearch ls;
    PetscCall(TaoGetLineSearch(tao, &ls));
    PetscCall(TaoLineSearchSetType(ls, TAOLINESEARCHARMIJO));
    PetscCall(TaoLineSearchSetFromOptions(ls));
    if (!user_max) PetscCall(PetscOptionsClearValue(NULL, "-curio_tao_ls_max_funcs"));
  }
  /* the Newton systems' own prefix, after TAO's (-curio_tao_nls_ksp_*): -curio_newton_ksp_* wins */
  PetscCall(KSPSetOptionsPrefix(ksp, "curio_newton_"));
  PetscCall(KSPSetFromOptions(ksp));
  {
    const char *const prefixes[] = {"curio_newton_", "curio_tao_nls_", NULL};
    PetscCall(CurioSolverCheckKSPTolerances(ksp, prefixes));
  }
  PetscCall(TaoSolve(tao));
  PetscCall(TaoGetSolutionStatus(tao, its, f, gnorm, NULL, NULL, reason));
  if (p->monitor)
    PetscCall(PetscPrintf(p->comm, "curio: Newton (TAO %s, %s line search) at s = %.6e: %" PetscInt_FMT " iterations, |grad| = %.3e, reason %s\n",
                          TAONLS, armijo ? "backtracking" : "default", (double) ctx->s, *its, (double) *gnorm, TaoConvergedReasons[*reason]));
  PetscCall(TaoDestroy(&tao));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* theta* at s for a non-quadratic loss, by TAO's Newton line search, from the theta passed in. TAO's default line search
   (More-Thuente) gives up when the full Newton step overflows the loss (Poisson counts of 400 from theta = 0: e^eta = inf
   at the first step). The backtracking search then starts again from the last finite iterate and brings theta near the
   optimum (|grad L| <= 1e-6 of its scale), where it would stall on L's rounding (its sufficient decrease is below it)
   and the default search, which also uses the slope, finishes. A search that stalls short of TAO's tolerance anyway
   is finished by Newton's own steps (TrainPolish()): the fit has converged when they shrink to rounding. */
static PetscErrorCode TrainNewton(CurioFit p, PetscReal s, Vec theta)
{
  TrainCtx           ctx;
  TaoConvergedReason reason;
  PetscReal          f, gnorm, gscale;
  PetscInt           its, its2;
  Vec                g0, start;

  PetscFunctionBegin;
  PetscCall(CheckFiniteOptimum(p));
  PetscCall(TrainCtxCreate(p, s, &ctx));
  /* the gradient's scale, at the regularizer's centre: tolerances relative to it do not depend on the warm start */
  PetscCall(VecDuplicate(theta, &g0));
  PetscCall(FormObjectiveGradient(NULL, p->center, &f, g0, &ctx));
  PetscCall(VecNorm(g0, NORM_2, &gscale));
  PetscCall(VecDestroy(&g0));
  gscale = PetscMax(gscale, PETSC_SMALL);

  PetscCall(VecDuplicate(theta, &start));
  PetscCall(VecCopy(theta, start));
  PetscCall(TrainTaoSolve(p, theta, &ctx, gscale, 1e-12, PETSC_FALSE, &its, &f, &gnorm, &reason));
  if (!(reason > 0 || gnorm <= 1e-9 * gscale)) {
    if (PetscIsInfOrNanReal(f)) PetscCall(VecCopy(start, theta)); /* TAO left a non-finite iterate: start again where it did */
    PetscCall(TrainTaoSolve(p, theta, &ctx, gscale, 1e-6, PETSC_TRUE, &its2, &f, &gnorm, &reason));
    its += its2;
    if (reason > 0 && gnorm > 1e-12 * gscale) {
      PetscCall(TrainTaoSolve(p, theta, &ctx, gscale, 1e-12, PETSC_FALSE, &its2, &f, &gnorm, &reason));
      its += its2;
    }
  }
  PetscCall(VecDestroy(&start));
  p->its_train = its;
  /* a line search that cannot improve on a gradient at the level of rounding has converged all the same; one that
     stalled on L's rounding near the optimum is finished by Newton's own steps, which then shrink to rounding */
  if (!(reason > 0 || gnorm <= 1e-9 * gscale)) {
    PetscReal tn;
    PetscBool finished = PETSC_FALSE;
    PetscCall(VecNorm(theta, NORM_INFINITY, &tn));
    if (gnorm <= 1e-4 * gscale && PetscIsNormalReal(f)) {
      PetscCall(TrainPolish(p, s, theta, &ctx));
      finished = (PetscBool) (p->train_error <= 1e-12);
    }
    PetscCheck(finished, p->comm, PETSC_ERR_NOT_CONVERGED,
               "Training%s%s did not converge: TAO reason %s after %" PetscInt_FMT
               " Newton iterations, |grad L| = %g (relative %g), max |theta_j| = %g, L = %g.%s Increase -curio_s, or see -curio_tao_monitor",
               p->rows[0] ? " on " : "", p->rows, TaoConvergedReasons[reason], its, (double) gnorm, (double) (gnorm / gscale), (double) tn,
               (double) f,
               tn > 1e3 ? " The parameters are running off: the optimum is at infinity or beyond what s holds (separable classes, a label the model "
                          "can only reach in the limit); use -curio_regularizer ridge and check the labels."
                        : "");
  } else PetscCall(TrainPolish(p, s, theta, &ctx));
  PetscCall(TrainCtxDestroy(&ctx));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  SquaredRowSpace - theta*(s) of squared loss, and its tangent if theta_dot is not NULL, on the solver's row-space route:
  theta = c + x with H x = Phi^T W (y - Phi c), a right-hand side in the range of Phi^T (ridge and restricted: c = 0,
  so it is Phi^T W y), and theta_dot = -H^{-1} m .* x from the same eigen-coordinates (MATH.md section 2)
@*/
PetscErrorCode SquaredRowSpace(CurioFit p, Vec theta, Vec theta_dot)
{
  Vec r, rhs, x;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(p->y, &r));
  PetscCall(VecDuplicate(theta, &rhs));
  PetscCall(VecDuplicate(theta, &x));
  PetscCall(MatMult(p->Phi, p->center, r));
  PetscCall(VecAYPX(r, -1.0, p->y));
  PetscCall(VecPointwiseMult(r, r, p->w));
  PetscCall(MatMultTranspose(p->Phi, r, rhs));
  PetscCall(CurioSolverSolveRange(p->solver, rhs, x, theta_dot));
  PetscCall(VecWAXPY(theta, 1.0, p->center, x));
  if (theta_dot) PetscCall(VecScale(theta_dot, -1.0));
  PetscCall(VecDestroy(&r));
  PetscCall(VecDestroy(&rhs));
  PetscCall(VecDestroy(&x));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitTrain - theta*(s) into theta, warm-started from the theta passed in (squared loss needs no start); on return
  the solver holds the Hessian at theta*(s), factored at s on the direct path

  Collective

.seealso: CurioFitSolve()
@*/
PetscErrorCode CurioFitTrain(CurioFit p, PetscReal s, Vec theta)
{
  PetscFunctionBegin;
  if (p->quadratic) {
    /* H theta = Phi^T W y + s m .* c: Newton from anywhere converges in this one step */
    Vec       wy, rhs;
    PetscBool rowspace;
    PetscCall(CurioSolverSetRegularity(p->solver, s));
    PetscCall(VecDuplicate(p->y, &wy));
    PetscCall(VecDuplicate(theta, &rhs));
    PetscCall(VecPointwiseMult(wy, p->w, p->y));
    PetscCall(MatMultTranspose(p->Phi, wy, rhs));
    if (p->regularizer == CURIO_REGULARIZER_INHERIT) {
      Vec mc;
      PetscCall(VecDuplicate(theta, &mc));
      PetscCall(VecPointwiseMult(mc, p->mask, p->center));
      PetscCall(VecAXPY(rhs, s, mc));
      PetscCall(VecDestroy(&mc));
    }
    PetscCall(CurioSolverGetCondition(p->solver, NULL, &rowspace));
    p->train_error = 0;
    if (rowspace) PetscCall(SquaredRowSpace(p, theta, NULL));
    else PetscCall(CurioSolverSolveFor(p->solver, CURIO_SOLVE_TRAIN, rhs, theta));
    if (!rowspace) {
      CurioSolverType st;
      PetscCall(CurioSolverGetType(p->solver, &st));
      if (st == CURIO_SOLVER_KRYLOV) { /* theta's accuracy is the residual CG reached, not the tolerance it was given (a user's
                                          -curio_train_ksp_max_it with converged_maxits stops short of it) */
        Vec r;
        PetscCall(VecDuplicate(rhs, &r));
        PetscCall(CurioSolverApply(p->solver, theta, r));
        PetscCall(VecAYPX(r, -1.0, rhs));
        PetscCall(CurioFitScaledResidual(p, r, rhs, &p->train_error));
        PetscCall(VecDestroy(&r));
      }
    }
    PetscCall(VecDestroy(&wy));
    PetscCall(VecDestroy(&rhs));
  } else {
    PetscCall(TrainNewton(p, s, theta)); /* which leaves the Hessian at theta in the solver */
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

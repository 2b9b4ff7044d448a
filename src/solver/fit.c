/* CurioFit: the context of one fit (design, labels, weights, curvature, regularizer, operator) and its optimum with
   the regularity tangent theta_dot = -H^{-1} grad R(theta*) (eqs. 64, 87). Training itself is in train.c. */
#include "fitimpl.h"

/*@C
  CurioFitCreate - a fit of model on the rows of Phi with labels y and weights w, solved by solver

  Collective

  Input Parameters:
+ model  - loss, regularizer and parameter count (CurioModelSetUp() done)
. Phi    - design matrix, rows = samples
. y, w   - labels and weights, laid out like the rows of Phi
- solver - the solver of H x = b (type set); it gets the Hessian operator at the regularizer's centre

  Output Parameter:
. fit - the fit; theta starts at the regularizer's centre (write into CurioFitGetSolution()'s theta for a warm start)

  Note: Phi, y, w, model and solver are referenced, not copied. Call CurioFitSetUp() before solving.

.seealso: CurioFitSetUp(), CurioFitSolve(), CurioFitDestroy()
@*/
PetscErrorCode CurioFitCreate(CurioModel model, Mat Phi, Vec y, Vec w, CurioSolver solver, CurioFit *fit)
{
  CurioFit             f;
  const CurioLossInfo *info;

  PetscFunctionBegin;
  PetscCall(PetscNew(&f));
  PetscCall(PetscObjectGetComm((PetscObject) Phi, &f->comm));
  f->model  = model;
  f->solver = solver;
  PetscCall(CurioModelGetLoss(model, &f->loss, &info));
  PetscCall(CurioModelGetRegularizer(model, &f->regularizer));
  f->quadratic = info->quadratic;
  f->s         = 1.0;
  PetscCall(PetscObjectReference((PetscObject) Phi));
  PetscCall(PetscObjectReference((PetscObject) y));
  PetscCall(PetscObjectReference((PetscObject) w));
  f->Phi = Phi;
  f->y   = y;
  f->w   = w;
  PetscCall(VecDuplicate(w, &f->curv));
  PetscCall(MatCreateVecs(Phi, &f->theta, NULL));
  PetscCall(VecDuplicate(f->theta, &f->theta_dot));
  PetscCall(VecDuplicate(f->theta, &f->gradR));
  PetscCall(VecDuplicate(f->theta, &f->mask));
  PetscCall(CurioModelRegularizerMask(model, f->mask));
  PetscCall(VecDuplicate(f->theta, &f->center));
  PetscCall(CurioModelRegularizerCenter(model, f->center));
  PetscCall(VecCopy(f->center, f->theta));
  *fit = f;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitSetUp - the curvature w l'' at the current theta (the start), and the Hessian operator handed to the solver
  (on the direct path the Gram is formed here)

  Collective
@*/
PetscErrorCode CurioFitSetUp(CurioFit fit)
{
  PetscFunctionBegin;
  if (fit->quadratic) PetscCall(VecCopy(fit->w, fit->curv)); /* l'' = 1: no pass over the rows */
  else {
    Vec eta;
    PetscCall(VecDuplicate(fit->y, &eta));
    PetscCall(MatMult(fit->Phi, fit->theta, eta));
    PetscCall(CurioModelLossVectors(fit->model, eta, fit->y, fit->w, NULL, NULL, fit->curv));
    PetscCall(VecDestroy(&eta));
  }
  PetscCall(CurioSolverSetOperator(fit->solver, fit->Phi, fit->curv, fit->mask));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitDestroy - frees a fit and releases the objects it referenced
@*/
PetscErrorCode CurioFitDestroy(CurioFit *fit)
{
  CurioFit f = *fit;

  PetscFunctionBegin;
  if (!f) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(MatDestroy(&f->Phi));
  PetscCall(VecDestroy(&f->y));
  PetscCall(VecDestroy(&f->w));
  PetscCall(VecDestroy(&f->curv));
  PetscCall(VecDestroy(&f->mask));
  PetscCall(VecDestroy(&f->center));
  PetscCall(VecDestroy(&f->theta));
  PetscCall(VecDestroy(&f->theta_dot));
  PetscCall(VecDestroy(&f->gradR));
  PetscCall(PetscFree(*fit));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitSetMonitor - whether training and solves print progress lines (-curio_monitor)
@*/
PetscErrorCode CurioFitSetMonitor(CurioFit fit, PetscBool monitor)
{
  PetscFunctionBegin;
  fit->monitor = monitor;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitSetRowsDescription - names the rows the current weights select (a fold of K-fold CV), for the messages of a
  training that has no finite optimum or does not converge on them; "" or NULL: the training rows

  Not Collective
@*/
PetscErrorCode CurioFitSetRowsDescription(CurioFit fit, const char rows[])
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(fit->rows, rows ? rows : "", sizeof(fit->rows)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitSetWeights - replaces the training weights (a copy of w); for squared loss the curvature and the operator too

  Collective
@*/
PetscErrorCode CurioFitSetWeights(CurioFit fit, Vec w)
{
  PetscFunctionBegin;
  PetscCall(VecCopy(w, fit->w));
  if (fit->quadratic) {
    PetscCall(VecCopy(fit->w, fit->curv));
    PetscCall(CurioSolverSetOperator(fit->solver, fit->Phi, fit->curv, fit->mask));
  }
  fit->solved = PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The tangent's forward accuracy from the solver's condition estimate kappa (docs/design.md, "Numerics at the edges").
   theta_dot = -H^{-1} grad R(theta*) applies H^{-1} to a vector that is itself H^{-1} of the data: on the Cholesky
   and Krylov routes, an error of relative size kappa rho in theta (rho its relative residual, at least eps) reaches the
   tangent amplified by kappa again, so the estimate is kappa (rho_tangent + kappa rho_theta). On the row-space route
   the null space is exact and the rest is conditioned by kappa over the Gram's range: kappa max(rho_tangent, d eps),
   or the rounding of the right-hand side's coordinates amplified by the smallest kept eigenvalues, whichever is larger
   (CurioSolverGetRangeError()). */
static PetscErrorCode TangentAccuracy(CurioFit fit, PetscBool rowspace)
{
  PetscReal       kappa, rho_theta = PETSC_MACHINE_EPSILON, rtol;
  PetscInt        d;
  KSP             ksp;
  CurioSolverType st;

  PetscFunctionBegin;
  PetscCall(CurioSolverGetCondition(fit->solver, &kappa, NULL));
  PetscCall(CurioSolverGetType(fit->solver, &st));
  PetscCall(VecGetSize(fit->theta, &d));
  if (st == CURIO_SOLVER_KRYLOV) { /* theta is as accurate as the Krylov tolerance its solves stopped at */
    PetscCall(CurioSolverGetKSPFor(fit->solver, CURIO_SOLVE_TRAIN, &ksp));
    PetscCall(KSPGetTolerances(ksp, &rtol, NULL, NULL, NULL));
    rho_theta = PetscMax(rho_theta, rtol);
  }
  rho_theta                = PetscMax(rho_theta, fit->train_error); /* a GLM's theta is as accurate as Newton's last step says */
  fit->tangent_condition   = kappa;
  fit->theta_forward_error = kappa * rho_theta;
  fit->tangent_rowspace    = rowspace;
  if (rowspace) {
    PetscReal range_error;
    PetscCall(CurioSolverGetRangeError(fit->solver, &range_error));
    fit->tangent_forward_error = PetscMax(kappa * PetscMax(fit->tangent_residual, d * PETSC_MACHINE_EPSILON), range_error);
    fit->tangent_forward_error = PetscMax(fit->tangent_forward_error, kappa * fit->train_error);
  } else fit->tangent_forward_error = kappa * (PetscMax(fit->tangent_residual, PETSC_MACHINE_EPSILON) + kappa * rho_theta);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitScaledResidual - |D^{-1/2} r| / |D^{-1/2} b| with D = diag(H) at the current s: a residual of H x = b in the
  Jacobi scaling that the condition estimate is taken in (CurioSolverGetCondition()), so that their product bounds the
  forward error whatever the columns' units (columns 1e8 apart made the unscaled residual 1e8 times larger than the
  error it bounds)

  Collective
@*/
PetscErrorCode CurioFitScaledResidual(CurioFit fit, Vec r, Vec b, PetscReal *rel)
{
  Vec       dg, t;
  PetscReal rn, bn;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(r, &dg));
  PetscCall(VecDuplicate(r, &t));
  PetscCall(CurioSolverGetDiagonal(fit->solver, dg));
  PetscCall(VecSqrtAbs(dg));
  PetscCall(VecPointwiseDivide(t, r, dg));
  PetscCall(CurioVecNorm2Safe(t, &rn));
  PetscCall(VecPointwiseDivide(t, b, dg));
  PetscCall(CurioVecNorm2Safe(t, &bn));
  *rel = bn > 0 ? rn / bn : rn;
  PetscCall(VecDestroy(&t));
  PetscCall(VecDestroy(&dg));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One CG solve at a tolerance of its own that may stop short of it (at most maxit iterations) without an error; returns
   the relative residual it reached */
static PetscErrorCode KrylovSolveQuiet(CurioFit fit, KSP ksp, PetscReal rtol, PetscInt maxit, Vec b, Vec x, PetscReal *rho)
{
  PetscReal rtol0, atol0, dtol0;
  PetscInt  maxit0;
  Vec       r;

  PetscFunctionBegin;
  PetscCall(KSPGetTolerances(ksp, &rtol0, &atol0, &dtol0, &maxit0));
  PetscCall(KSPSetTolerances(ksp, rtol, 0.0, dtol0, PetscMin(maxit, maxit0))); /* never above the count CG sized its arrays for at setup */
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(KSPSetTolerances(ksp, rtol0, atol0, dtol0, maxit0));
  PetscCall(VecDuplicate(b, &r));
  PetscCall(CurioSolverApply(fit->solver, x, r));
  PetscCall(VecAYPX(r, -1.0, b));
  PetscCall(CurioFitScaledResidual(fit, r, b, rho));
  PetscCall(VecDestroy(&r));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The Krylov path's forward-error criterion. When the estimate of TangentAccuracy() is above CURIO_TANGENT_WARN, the
   solves are repeated at the tolerance that the estimate says would reach it (10 eps at most), theta first for squared
   loss, and the tangent from two right-hand sides, keeping the one with the smaller estimate:
   A. -grad R(theta) = -m .* (theta - c): the error of theta reaches theta_dot amplified by kappa,
      estimate kappa (rho_A + kappa rho_theta);
   B. Phi^T (w l'(theta)) / s, equal to -grad R at the optimum: in the range of Phi^T whatever theta's error along
      the Gram's null space, but formed by a sum that cancels to s |grad R|, with a rounding error of relative size
      eta = eps |Phi|_F |w l'| / |Phi^T w l'|; formed at theta = theta* + delta, it carries G delta / s, and
      |H^{-1} G| <= 1, so theta's error adds at most e_B = |delta| / (s |theta_dot|); estimate kappa (rho_B + eta) + e_B.
   (B wins where the rows are nearly interpolated, n < d; A where the residual is large.) If the estimate stays above
   the target, the run warns; above CURIO_TANGENT_REFUSE, no digit of the tangent is certain and the run refuses. */
static PetscErrorCode KrylovRefine(CurioFit fit, PetscReal s)
{
  CurioSolverType st;
  KSP             ksp;
  PetscReal       rtol, target, rho_theta, rho, kappa = fit->tangent_condition, k1, estA, estB, eta, eB, un, rn, pn;
  PetscInt        d, maxit;
  Vec             u, e, r, xA;

  PetscFunctionBegin;
  PetscCall(CurioSolverGetType(fit->solver, &st));
  if (st != CURIO_SOLVER_KRYLOV || fit->tangent_forward_error <= CURIO_TANGENT_WARN) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(CurioSolverGetKSPFor(fit->solver, CURIO_SOLVE_TANGENT, &ksp)); /* the refinement is the tangent's solve */
  PetscCall(KSPGetTolerances(ksp, &rtol, NULL, NULL, NULL));
  PetscCall(VecGetSize(fit->theta, &d));
  target    = PetscMax(10 * PETSC_MACHINE_EPSILON, rtol * CURIO_TANGENT_WARN / fit->tangent_forward_error);
  rho_theta = PetscMax(rtol, PETSC_MACHINE_EPSILON);
  PetscCall(VecDuplicate(fit->y, &u));
  PetscCall(VecDuplicate(fit->y, &e));
  PetscCall(VecDuplicate(fit->theta, &r));
  PetscCall(VecDuplicate(fit->theta, &xA));
  if (fit->loss == CURIO_LOSS_SQUARED) { /* theta = c + H^{-1} Phi^T W (y - Phi c) */
    PetscCall(MatMult(fit->Phi, fit->center, u));
    PetscCall(VecAYPX(u, -1.0, fit->y));
    PetscCall(VecPointwiseMult(u, u, fit->w));
    PetscCall(MatMultTranspose(fit->Phi, u, r));
    PetscCall(VecSet(xA, 0.0));
    PetscCall(KrylovSolveQuiet(fit, ksp, target, 20 * d + 100, r, xA, &rho_theta));
    rho_theta = PetscMax(rho_theta, PETSC_MACHINE_EPSILON);
    PetscCall(CurioSolverGetCondition(fit->solver, &k1, NULL));
    kappa = PetscMax(kappa, k1);
    PetscCall(VecWAXPY(fit->theta, 1.0, fit->center, xA));
    PetscCall(CurioModelRegularizerGradient(fit->model, fit->theta, fit->mask, fit->center, fit->gradR));
  }
  /* A: -grad R */
  PetscCall(VecCopy(fit->gradR, r));
  PetscCall(VecScale(r, -1.0));
  PetscCall(VecSet(xA, 0.0));
  PetscCall(KrylovSolveQuiet(fit, ksp, target, 20 * d + 100, r, xA, &rho));
  PetscCall(CurioSolverGetCondition(fit->solver, &k1, NULL));
  kappa = PetscMax(kappa, k1);
  estA  = PetscMax(rho, PETSC_MACHINE_EPSILON) + kappa * rho_theta;
  /* B: Phi^T (w l') / s */
  PetscCall(MatMult(fit->Phi, fit->theta, e));
  PetscCall(CurioModelLossVectors(fit->model, e, fit->y, fit->w, NULL, u, NULL));
  PetscCall(VecPointwiseMult(u, u, fit->w));
  PetscCall(MatMultTranspose(fit->Phi, u, r));
  PetscCall(CurioVecNorm2Safe(u, &un));
  PetscCall(CurioVecNorm2Safe(r, &rn));
  PetscCall(MatNorm(fit->Phi, NORM_FROBENIUS, &pn));
  eta = rn > 0 ? PETSC_MACHINE_EPSILON * pn * un / rn : PETSC_INFINITY;
  PetscCall(VecSet(fit->theta_dot, 0.0));
  PetscCall(KrylovSolveQuiet(fit, ksp, target, 20 * d + 100, r, fit->theta_dot, &rho));
  PetscCall(VecScale(fit->theta_dot, 1.0 / s));
  PetscCall(CurioSolverGetCondition(fit->solver, &k1, NULL));
  kappa = PetscMax(kappa, k1);
  { /* B's right-hand side, formed at theta = theta* + delta, carries G delta / s, and H^{-1} G <= 1: theta_dot's error
       from it is at most |delta| / s, relative to |theta_dot| (theta's own error: Newton's last step for a GLM, kappa
       rho_theta after the re-solve for squared loss) */
    PetscReal tn, tdn, dth = fit->loss == CURIO_LOSS_SQUARED ? kappa * rho_theta : PetscMax(fit->train_error, PETSC_MACHINE_EPSILON);
    PetscCall(CurioVecNorm2Safe(fit->theta, &tn));
    PetscCall(CurioVecNorm2Safe(fit->theta_dot, &tdn));
    eB = tdn > 0 ? dth * tn / (s * tdn) : PETSC_INFINITY;
  }
  estB = PetscMax(rho, PETSC_MACHINE_EPSILON) + eta + eB / kappa; /* the estimate is kappa estB */
  if (estA <= estB) PetscCall(VecCopy(xA, fit->theta_dot));
  {
    Vec Hv;
    PetscCall(VecDuplicate(fit->theta, &Hv));
    PetscCall(CurioSolverApply(fit->solver, fit->theta_dot, Hv));
    PetscCall(VecAXPY(Hv, 1.0, fit->gradR));
    PetscCall(CurioFitScaledResidual(fit, Hv, fit->gradR, &fit->tangent_residual));
    PetscCall(VecDestroy(&Hv));
  }
  fit->tangent_condition     = kappa;
  fit->tangent_forward_error = kappa * PetscMin(estA, estB);
  if (fit->monitor)
    PetscCall(PetscPrintf(fit->comm,
                          "curio: Krylov tangent refined (tolerance %.1e, condition %.2e): estimate %.2e from -grad R, %.2e from Phi^T w l'/s\n",
                          (double) target, (double) kappa, (double) (kappa * estA), (double) (kappa * estB)));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&e));
  PetscCall(VecDestroy(&r));
  PetscCall(VecDestroy(&xA));
  PetscCall(KSPGetTolerances(ksp, NULL, NULL, NULL, &maxit));
  PetscCheck(fit->tangent_forward_error <= CURIO_TANGENT_REFUSE, fit->comm, PETSC_ERR_NOT_CONVERGED,
             "The Krylov path cannot resolve the tangent at s = %g: its estimated relative error is %.1e after refining the solves to tolerance %.1e "
             "in at most %" PetscInt_FMT " iterations (condition estimate %.1e; the Gram is singular or nearly so, and theta_dot = -H^{-1} grad R "
             "squares that, or the iteration limit -curio_ksp_max_it stopped the solves). Use -curio_solver direct, which works in the row space of "
             "the data, raise -curio_s or the iteration limit, or remove collinear columns",
             (double) s, (double) fit->tangent_forward_error, (double) target, PetscMin(maxit, 20 * d + 100), (double) kappa);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitSolve - the optimum theta* at s (warm-started from the current theta) and its regularity tangent
  theta_dot = -H^{-1} grad R(theta*) (eq. 64) with the same operator (on the direct path, the same Cholesky factor,
  eq. 87); the tangent is checked against its defining equation H theta_dot + grad R = 0

  Collective

.seealso: CurioFitGetSolution(), CurioFitGetDiagnostics()
@*/
PetscErrorCode CurioFitSolve(CurioFit fit, PetscReal s)
{
  PetscLogDouble t0, t1, t2;
  Vec            r, Hv;
  PetscReal      rn, gn, num, den;
  PetscBool      rowspace;
  PetscInt       d;

  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(PetscLogStagePush(CURIO_STAGE_Train));
  PetscCall(CurioFitTrain(fit, s, fit->theta));
  if (fit->quadratic) PetscCall(CurioSolverGetIterations(fit->solver, &fit->its_train));
  PetscCall(PetscLogStagePop());
  PetscCall(PetscTime(&t1));
  PetscCall(PetscLogStagePush(CURIO_STAGE_Tangent));
  PetscCall(CurioSolverGetCondition(fit->solver, NULL, &rowspace));
  if (rowspace && fit->loss == CURIO_LOSS_SQUARED) {
    /* theta and theta_dot together from the eigen-coordinates of Phi^T W (y - Phi c) */
    PetscCall(SquaredRowSpace(fit, fit->theta, fit->theta_dot));
  }
  PetscCall(CurioModelRegularizerGradient(fit->model, fit->theta, fit->mask, fit->center, fit->gradR));
  PetscCall(VecDuplicate(fit->gradR, &r));
  if (rowspace && fit->loss != CURIO_LOSS_SQUARED) {
    /* at the optimum grad R = -(1/s) Phi^T (w l'): a right-hand side in the range of Phi^T by construction, so
       theta_dot = (1/s) H^{-1} Phi^T (w l') has no component along the Gram's null space */
    Vec eta, dl;
    PetscCall(VecDuplicate(fit->y, &eta));
    PetscCall(VecDuplicate(fit->y, &dl));
    PetscCall(MatMult(fit->Phi, fit->theta, eta));
    PetscCall(CurioModelLossVectors(fit->model, eta, fit->y, fit->w, NULL, dl, NULL));
    PetscCall(VecPointwiseMult(dl, dl, fit->w));
    PetscCall(MatMultTranspose(fit->Phi, dl, r));
    PetscCall(CurioSolverSolveRange(fit->solver, r, fit->theta_dot, NULL));
    PetscCall(VecScale(fit->theta_dot, 1.0 / s));
    PetscCall(VecDestroy(&eta));
    PetscCall(VecDestroy(&dl));
  } else if (!rowspace) {
    PetscCall(VecCopy(fit->gradR, r));
    PetscCall(VecScale(r, -1.0));
    PetscCall(CurioSolverSolveFor(fit->solver, CURIO_SOLVE_TANGENT, r, fit->theta_dot));
  }
  PetscCall(CurioSolverGetIterations(fit->solver, &fit->its_tangent));
  PetscCall(VecDuplicate(r, &Hv));
  PetscCall(CurioSolverApply(fit->solver, fit->theta_dot, Hv));
  PetscCall(VecAXPY(Hv, 1.0, fit->gradR));
  PetscCall(CurioFitScaledResidual(fit, Hv, fit->gradR, &fit->tangent_residual));
  PetscCall(VecGetSize(fit->theta, &d));
  /* the row-space route's condition is the Jacobi-scaled one up to 512 penalized parameters, else unscaled: above 512
     parameters in all, the larger of the two residuals (cautious where fewer are penalized) */
  if (rowspace && d > CURIO_EIGEN_LAPACK_MAX) {
    PetscCall(CurioVecNorm2Safe(Hv, &rn));
    PetscCall(CurioVecNorm2Safe(fit->gradR, &gn));
    fit->tangent_residual = PetscMax(fit->tangent_residual, gn > 0 ? rn / gn : rn);
  }
  PetscCall(VecDestroy(&Hv));
  PetscCall(TangentAccuracy(fit, rowspace));
  PetscCall(KrylovRefine(fit, s));
  PetscCall(PetscLogStagePop());
  PetscCall(PetscTime(&t2));
  /* sigma^2 = sum w r^2 / sum w with the response-scale residual r = y - h(eta): for squared loss the Var(y given x)
     of MATH.md section 1; for logistic and Poisson (canonical links) r = -l'(eta, y) = y - mu, the mean squared
     residual of the mean (the GLMs' Var(y given x) is mu (1 - mu) or mu, not sigma^2) */
  PetscCall(VecDuplicate(fit->y, &Hv));
  PetscCall(MatMult(fit->Phi, fit->theta, Hv));
  if (fit->loss == CURIO_LOSS_SQUARED) PetscCall(VecAYPX(Hv, -1.0, fit->y));
  else {
    Vec dl;
    PetscCall(VecDuplicate(Hv, &dl));
    PetscCall(CurioModelLossVectors(fit->model, Hv, fit->y, fit->w, NULL, dl, NULL));
    PetscCall(VecCopy(dl, Hv));
    PetscCall(VecDestroy(&dl));
  }
  PetscCall(VecPointwiseMult(Hv, Hv, Hv));
  PetscCall(VecDot(Hv, fit->w, &num));
  PetscCall(VecSum(fit->w, &den));
  fit->sigma2 = den > 0 ? num / den : 0;
  PetscCall(VecDestroy(&Hv));
  PetscCall(VecDestroy(&r));
  fit->s            = s;
  fit->solved       = PETSC_TRUE;
  fit->time_train   = t1 - t0;
  fit->time_tangent = t2 - t1;
  if (fit->monitor)
    PetscCall(PetscPrintf(fit->comm,
                          "curio: solved at s = %.6e: train %.3f s, tangent %.3f s, tangent residual %.2e, condition %.2e, forward error %.2e%s\n",
                          (double) s, t1 - t0, t2 - t1, (double) fit->tangent_residual, (double) fit->tangent_condition,
                          (double) fit->tangent_forward_error, fit->tangent_rowspace ? " (row space)" : ""));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitGetComm - the communicator of the fit's rows
@*/
PetscErrorCode CurioFitGetComm(CurioFit fit, MPI_Comm *comm)
{
  PetscFunctionBegin;
  *comm = fit->comm;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitGetMonitor - whether the fit prints progress lines
@*/
PetscErrorCode CurioFitGetMonitor(CurioFit fit, PetscBool *monitor)
{
  PetscFunctionBegin;
  *monitor = fit->monitor;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitGetModel - the model (loss, regularizer, d) of the fit
@*/
PetscErrorCode CurioFitGetModel(CurioFit fit, CurioModel *model)
{
  PetscFunctionBegin;
  *model = fit->model;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitGetSolver - the solver that holds the Hessian operator at the current optimum
@*/
PetscErrorCode CurioFitGetSolver(CurioFit fit, CurioSolver *solver)
{
  PetscFunctionBegin;
  *solver = fit->solver;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitGetDesign - the design matrix Phi (rows = samples); borrowed, do not destroy
@*/
PetscErrorCode CurioFitGetDesign(CurioFit fit, Mat *Phi)
{
  PetscFunctionBegin;
  *Phi = fit->Phi;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitGetLabels - the labels y, laid out like the rows; borrowed
@*/
PetscErrorCode CurioFitGetLabels(CurioFit fit, Vec *y)
{
  PetscFunctionBegin;
  *y = fit->y;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitGetWeights - the weights w, laid out like the rows; borrowed (CurioFitSetWeights() to change them)
@*/
PetscErrorCode CurioFitGetWeights(CurioFit fit, Vec *w)
{
  PetscFunctionBegin;
  *w = fit->w;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitGetCurvature - the per-row curvature w l'' of the operator's current point; borrowed
@*/
PetscErrorCode CurioFitGetCurvature(CurioFit fit, Vec *curv)
{
  PetscFunctionBegin;
  *curv = fit->curv;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitGetRegularizer - the regularizer's mask m and centre c (R = 1/2 sum m (theta - c)^2); borrowed, either may be NULL
@*/
PetscErrorCode CurioFitGetRegularizer(CurioFit fit, Vec *mask, Vec *center)
{
  PetscFunctionBegin;
  if (mask) *mask = fit->mask;
  if (center) *center = fit->center;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitGetSolution - theta (the optimum after CurioFitSolve(), the warm start before) and theta_dot; borrowed:
  writing into theta before CurioFitSolve() sets the warm start. Either may be NULL.
@*/
PetscErrorCode CurioFitGetSolution(CurioFit fit, Vec *theta, Vec *theta_dot)
{
  PetscFunctionBegin;
  if (theta) *theta = fit->theta;
  if (theta_dot) *theta_dot = fit->theta_dot;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitGetRegularizerGradient - grad R(theta*) of the last CurioFitSolve(); borrowed
@*/
PetscErrorCode CurioFitGetRegularizerGradient(CurioFit fit, Vec *gradR)
{
  PetscFunctionBegin;
  *gradR = fit->gradR;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitGetRegularity - s of the last CurioFitSolve(), and whether a solve has happened (either may be NULL)
@*/
PetscErrorCode CurioFitGetRegularity(CurioFit fit, PetscReal *s, PetscBool *solved)
{
  PetscFunctionBegin;
  if (s) *s = fit->s;
  if (solved) *solved = fit->solved;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitGetDiagnostics - sigma^2 (weighted mean squared residual) and the tangent's relative residual
  |H theta_dot + grad R| / |grad R| of the last CurioFitSolve() (either may be NULL)
@*/
PetscErrorCode CurioFitGetDiagnostics(CurioFit fit, PetscReal *sigma2, PetscReal *tangent_residual)
{
  PetscFunctionBegin;
  if (sigma2) *sigma2 = fit->sigma2;
  if (tangent_residual) *tangent_residual = fit->tangent_residual;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitGetAccuracy - the accuracy after CurioFitSolve(): the solver's condition estimate (CurioSolverGetCondition()),
  the estimated relative forward error of theta_dot, whether the direct path used the row-space route, and the estimated
  relative forward error of theta* (any may be NULL)

  Not Collective
@*/
PetscErrorCode CurioFitGetAccuracy(CurioFit fit, PetscReal *condition, PetscReal *forward_error, PetscBool *rowspace, PetscReal *theta_error)
{
  PetscFunctionBegin;
  if (condition) *condition = fit->tangent_condition;
  if (forward_error) *forward_error = fit->tangent_forward_error;
  if (rowspace) *rowspace = fit->tangent_rowspace;
  if (theta_error) *theta_error = fit->theta_forward_error;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitGetIterations - Newton (or KSP) iterations of the training and KSP iterations of the tangent solve
@*/
PetscErrorCode CurioFitGetIterations(CurioFit fit, PetscInt *its_train, PetscInt *its_tangent)
{
  PetscFunctionBegin;
  if (its_train) *its_train = fit->its_train;
  if (its_tangent) *its_tangent = fit->its_tangent;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitGetTimes - wall time in seconds of the last training and tangent solve
@*/
PetscErrorCode CurioFitGetTimes(CurioFit fit, PetscReal *train, PetscReal *tangent)
{
  PetscFunctionBegin;
  if (train) *train = fit->time_train;
  if (tangent) *tangent = fit->time_tangent;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The d x d work of one user under parameter inheritance (MATH.md section 7, the paper's eqs. 97-98): the optimum of

       L_u(theta) = sum_{i in D_u} w_i l(phi_i . theta, y_i) + s/2 ||theta - theta0||^2,

   its Hessian H_u = sum_i w_i l''_i phi_i phi_i^T + s I, and the inherited tangent

       theta_u_dot = H_u^{-1} [ c0 theta0_dot - (theta_u - theta0) ],

   which is eq. 98: the stationarity condition sum_i w_i l'_i phi_i + s (theta_u - theta0) = 0 differentiated in s gives
   H_u theta_u_dot + (theta_u - theta0) - s theta0_dot = 0 when theta0 = theta0(s) shares s (c0 = s). When theta0 has
   its own regularity s0 (theta0_dot = d theta0/d s0), the tangent is taken along the ray (s, s0) -> (1 + e)(s, s0),
   divided by s: d theta_u/ds + (s0/s) d theta_u/ds0, whose right-hand side has c0 = s0 (docs/users.md).

   Everything is local dense BLAS/LAPACK on d x d blocks, one user after the other with one workspace: no MPI, no
   allocation per user. Squared loss is one Cholesky factor; logistic and Poisson losses Newton's method from theta0
   (the prior mean) with a backtracking line search. */
#include "usersimpl.h"

PetscErrorCode CurioUserWorkCreate(PetscInt d, PetscInt nmax, CurioUserWork *wk)
{
  PetscFunctionBegin;
  wk->d    = d;
  wk->nmax = PetscMax(nmax, 1);
  wk->info = 0;
  wk->err  = 0;
  PetscCall(PetscMalloc7(d * d, &wk->H, wk->nmax * d, &wk->B, d, &wk->g, d, &wk->step, d, &wk->trial, wk->nmax, &wk->eta, d * d + d, &wk->S));
  wk->hd = wk->S + d * d;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CurioUserWorkDestroy(CurioUserWork *wk)
{
  PetscFunctionBegin;
  PetscCall(PetscFree7(wk->H, wk->B, wk->g, wk->step, wk->trial, wk->eta, wk->S));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static inline PetscReal Dot(PetscInt d, const PetscReal *a, const PetscReal *b)
{
  PetscReal t = 0;
  for (PetscInt j = 0; j < d; j++) t += a[j] * b[j];
  return t;
}

/*
  CurioUserHessianFactor - the Cholesky factor (upper, column-major, in wk->H) of H_u = sum_i w_i l''(eta_i) phi_i phi_i^T
  + s I at theta, for the n rows phi (row-major n x d) of one user. A factorization that fails (s below the rounding of
  the curvature) is recorded in wk->info, not raised: the users are spread over the ranks, and the caller reports it on
  every rank (CurioAgreeOnError())
*/
PetscErrorCode CurioUserHessianFactor(const CurioUserModel *um, PetscInt n, const PetscReal *phi, const PetscReal *y, const PetscReal *w,
                                      const PetscReal *theta, CurioUserWork *wk)
{
  PetscInt     d = wk->d;
  PetscBLASInt bd, bn, info;
  PetscReal    one = 1.0;

  PetscFunctionBegin;
  PetscCall(PetscArrayzero(wk->H, d * d));
  for (PetscInt j = 0; j < d; j++) wk->H[j + j * d] = um->s;
  /* B holds sqrt(w_i l''_i) phi_i row by row: as a column-major d x n matrix, H += B B^T is one syrk */
  for (PetscInt i = 0; i < n; i++) {
    PetscReal c = w[i];
    if (um->loss != CURIO_LOSS_SQUARED) {
      PetscReal d2l;
      PetscCall(CurioLossEvaluate(um->loss, Dot(d, phi + i * d, theta), y[i], NULL, NULL, &d2l));
      c *= d2l;
    }
    c = PetscSqrtReal(c);
    for (PetscInt j = 0; j < d; j++) wk->B[i * d + j] = c * phi[i * d + j];
  }
  wk->trace = 0;
  for (PetscInt j = 0; j < d; j++) wk->hd[j] = um->s;
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = 0; j < d; j++) wk->hd[j] += wk->B[i * d + j] * wk->B[i * d + j];
  for (PetscInt j = 0; j < d; j++) wk->trace += wk->hd[j] - um->s;
  PetscCall(PetscBLASIntCast(d, &bd));
  PetscCall(PetscBLASIntCast(n, &bn));
  if (n) PetscCallBLAS("BLASsyrk", BLASsyrk_("U", "N", &bd, &bn, &one, wk->B, &bd, &one, wk->H, &bd));
  PetscCallBLAS("LAPACKpotrf", LAPACKpotrf_("U", &bd, wk->H, &bd, &info));
  if (info) {
    if (!wk->info) wk->info = info;
    PetscCall(PetscArrayzero(wk->H, d * d));
    for (PetscInt j = 0; j < d; j++) wk->H[j + j * d] = 1;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* x <- H_u^{-1} x with the factor in wk->H */
PetscErrorCode CurioUserFactorSolve(CurioUserWork *wk, PetscReal *x)
{
  PetscBLASInt bd, one = 1, info;

  PetscFunctionBegin;
  PetscCall(PetscBLASIntCast(wk->d, &bd));
  PetscCallBLAS("LAPACKpotrs", LAPACKpotrs_("U", &bd, &one, wk->H, &bd, x, &bd, &info));
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "LAPACK dpotrs failed (info %d)", (int) info);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* L_u(theta), and into g (unless NULL) its gradient */
static PetscErrorCode Objective(const CurioUserModel *um, PetscInt n, const PetscReal *phi, const PetscReal *y, const PetscReal *w,
                                const PetscReal *theta, CurioUserWork *wk, PetscReal *L, PetscReal *g)
{
  PetscInt  d   = wk->d;
  PetscReal sum = 0;

  PetscFunctionBegin;
  if (g)
    for (PetscInt j = 0; j < d; j++) g[j] = um->s * (theta[j] - um->theta0[j]);
  for (PetscInt j = 0; j < d; j++) sum += 0.5 * um->s * (theta[j] - um->theta0[j]) * (theta[j] - um->theta0[j]);
  for (PetscInt i = 0; i < n; i++) {
    PetscReal l, dl;
    PetscCall(CurioLossEvaluate(um->loss, Dot(d, phi + i * d, theta), y[i], &l, &dl, NULL));
    sum += w[i] * l;
    if (g)
      for (PetscInt j = 0; j < d; j++) g[j] += w[i] * dl * phi[i * d + j];
  }
  *L = sum;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The tangent's accuracy, measured in the Jacobi scaling D = diag(H_u)^{-1/2} as the fit mode's condition estimate
   (docs/design.md, "Numerics at the edges"), so that it does not depend on the columns' units. With S = D H_u D (unit
   diagonal; its factor is R D from H_u's factor R) and |x|_D = |D^{-1} x|: Cholesky's theta_u solves a perturbed
   H_u + dH with |D dH D| <= d eps, so theta_u errs by H_u^{-1} dH theta_u, and the tangent, H_u^{-1} applied to a
   right-hand side that holds theta_u - theta0, by H_u^{-2} dH theta_u; in the scaled norms

     err = d eps kappa_S + eps (d |S^{-1} D^2 S^{-1}| |theta_u|_D + |S^{-1}| |D (|theta_u| + |theta0|)|) / |theta_u_dot|_D,

   the second term the rounding of theta_u - theta0, the first the tangent solve's own, kappa_S <= d |S^{-1}|_1 (1-norms
   of the matrices). S^{-1} D^2 S^{-1} is large only where S's small-curvature directions meet the parameters of small
   curvature H_jj: a user with one row, or collinear rows, at a tiny s (directions of curvature s only), not a user whose
   columns are in units far apart. Where that exceeds 1 the computed |theta_u_dot|_D is mostly its own error (a
   thousandfold for one row at s = 1e-10) and no measure of the true one; then the denominator is also bounded by what
   the right-hand side r guarantees, |theta_u_dot|_D = |S^{-1} D r| >= |D r| / d (nr = |D r|_2 on entry). */
static PetscErrorCode TangentError(const CurioUserModel *um, const PetscReal *theta, const PetscReal *theta_dot, PetscReal nr, CurioUserWork *wk)
{
  const PetscInt  d   = wk->d;
  const PetscReal eps = PETSC_MACHINE_EPSILON;
  PetscReal      *Si = wk->S, ninv = 0, nm = 0, nt = 0, nd = 0, n0 = 0;
  PetscBLASInt    bd, info;

  PetscFunctionBegin;
  /* S^{-1} = (R D)^{-1} (R D)^{-T} by dpotri (upper triangle), then both triangles */
  for (PetscInt j = 0; j < d; j++)
    for (PetscInt i = 0; i <= j; i++) Si[i + j * d] = wk->H[i + j * d] / PetscSqrtReal(wk->hd[j]);
  PetscCall(PetscBLASIntCast(d, &bd));
  PetscCallBLAS("LAPACKpotri", LAPACKpotri_("U", &bd, Si, &bd, &info));
  if (info) { /* S^{-1} does not exist in floating point: no digit of the tangent can be vouched for */
    wk->err = PETSC_INFINITY;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  for (PetscInt j = 0; j < d; j++)
    for (PetscInt i = j + 1; i < d; i++) Si[i + j * d] = Si[j + i * d];
  for (PetscInt j = 0; j < d; j++) {
    PetscReal col = 0, colm = 0;
    for (PetscInt i = 0; i < d; i++) {
      PetscReal m = 0; /* (S^{-1} D^2 S^{-1})_ij */
      for (PetscInt k = 0; k < d; k++) m += Si[i + k * d] * Si[k + j * d] / wk->hd[k];
      col += PetscAbsReal(Si[i + j * d]);
      colm += PetscAbsReal(m);
    }
    ninv = PetscMax(ninv, col);
    nm   = PetscMax(nm, colm);
    nt += wk->hd[j] * theta[j] * theta[j];
    nd += wk->hd[j] * theta_dot[j] * theta_dot[j];
    n0 += PetscSqr(PetscAbsReal(theta[j]) + PetscAbsReal(um->theta0[j])) / wk->hd[j];
  }
  nt = PetscSqrtReal(nt), nd = PetscSqrtReal(nd), n0 = PetscSqrtReal(n0);
  wk->err = d * eps * d * ninv + (nd > 0 ? eps * (d * nm * nt + ninv * n0) / nd : 0);
  if (wk->err > 1 && nr > 0) wk->err = PetscMax(wk->err, d * eps * d * ninv + eps * (d * nm * nt + ninv * n0) / PetscMin(nd, nr / d));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*
  CurioUserFit - theta_u and the inherited tangent theta_u_dot (eq. 98) of one user from its n rows; a user without rows
  gets theta0 and (c0/s) theta0_dot exactly (theta0_dot itself when theta0 shares s). On return wk->H holds the factor
  of H_u at theta_u. converged is false when Newton's method did not converge in um->maxit iterations.
*/
PetscErrorCode CurioUserFit(const CurioUserModel *um, PetscInt n, const PetscReal *phi, const PetscReal *y, const PetscReal *w, CurioUserWork *wk,
                            PetscReal *theta, PetscReal *theta_dot, PetscInt *its, PetscBool *converged)
{
  PetscInt  d  = wk->d;
  PetscReal nr = 0;

  PetscFunctionBegin;
  *its       = 0;
  *converged = PETSC_TRUE;
  wk->err    = 0;
  if (!n) {
    PetscReal c = um->c0 / um->s;
    for (PetscInt j = 0; j < d; j++) {
      theta[j]     = um->theta0[j];
      theta_dot[j] = um->c0 == um->s ? um->theta0_dot[j] : c * um->theta0_dot[j];
    }
    PetscCall(CurioUserHessianFactor(um, 0, phi, y, w, theta, wk));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (um->loss == CURIO_LOSS_SQUARED) {
    /* the normal equations H_u theta = Phi^T W y + s theta0 */
    PetscCall(CurioUserHessianFactor(um, n, phi, y, w, um->theta0, wk));
    for (PetscInt j = 0; j < d; j++) theta[j] = um->s * um->theta0[j];
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = 0; j < d; j++) theta[j] += w[i] * y[i] * phi[i * d + j];
    PetscCall(CurioUserFactorSolve(wk, theta));
    *its = 1;
  } else {
    PetscReal L, Lt = 0, slope;
    PetscCall(PetscArraycpy(theta, um->theta0, d));
    PetscCall(Objective(um, n, phi, y, w, theta, wk, &L, wk->g));
    *converged = PETSC_FALSE;
    while (*its < um->maxit) {
      PetscReal t = 1, snorm = 0, tnorm = 0;
      PetscCall(CurioUserHessianFactor(um, n, phi, y, w, theta, wk));
      for (PetscInt j = 0; j < d; j++) wk->step[j] = -wk->g[j];
      PetscCall(CurioUserFactorSolve(wk, wk->step));
      slope = Dot(d, wk->g, wk->step);
      (*its)++;
      if (slope >= 0) { /* at the optimum to rounding: no descent direction is left */
        *converged = PETSC_TRUE;
        break;
      }
      for (PetscInt j = 0; j < d; j++) {
        snorm = PetscMax(snorm, PetscAbsReal(wk->step[j]));
        tnorm = PetscMax(tnorm, PetscAbsReal(theta[j]));
      }
      if (snorm <= um->rtol * (1 + tnorm)) { /* quadratic convergence: this full step lands at the optimum to rounding */
        for (PetscInt j = 0; j < d; j++) theta[j] += wk->step[j];
        *converged = PETSC_TRUE;
        break;
      }
      for (;;) { /* backtracking (Armijo, with the objective's rounding level as slack); Poisson's e^eta can overflow for a
                    long step, which also shortens it */
        for (PetscInt j = 0; j < d; j++) wk->trial[j] = theta[j] + t * wk->step[j];
        PetscCall(Objective(um, n, phi, y, w, wk->trial, wk, &Lt, NULL));
        if ((!PetscIsInfOrNanReal(Lt) && Lt <= L + 1e-4 * t * slope + 64 * PETSC_MACHINE_EPSILON * PetscAbsReal(L)) || t < 1e-12) break;
        t *= 0.5;
      }
      PetscCall(PetscArraycpy(theta, wk->trial, d));
      PetscCall(Objective(um, n, phi, y, w, theta, wk, &L, wk->g));
    }
    PetscCall(CurioUserHessianFactor(um, n, phi, y, w, theta, wk)); /* the Hessian at the optimum, for the tangent */
  }
  for (PetscInt j = 0; j < d; j++) theta_dot[j] = um->c0 * um->theta0_dot[j] - (theta[j] - um->theta0[j]);
  for (PetscInt j = 0; j < d; j++) nr += theta_dot[j] * theta_dot[j] / wk->hd[j];
  PetscCall(CurioUserFactorSolve(wk, theta_dot));
  PetscCall(TangentError(um, theta, theta_dot, PetscSqrtReal(nr), wk));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* wk->B = H_u^{-1} Phi_u^T through the factor in wk->H: phi row-major n x d is Phi_u^T column-major d x n, so all n
   right-hand sides go through one dpotrs */
static PetscErrorCode SolveRows(CurioUserWork *wk, PetscInt n, const PetscReal *phi)
{
  PetscInt     d = wk->d;
  PetscBLASInt bd, bn, info;

  PetscFunctionBegin;
  PetscCall(PetscArraycpy(wk->B, phi, n * d));
  PetscCall(PetscBLASIntCast(d, &bd));
  PetscCall(PetscBLASIntCast(n, &bn));
  PetscCallBLAS("LAPACKpotrs", LAPACKpotrs_("U", &bd, &bn, wk->H, &bd, wk->B, &bd, &info));
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "LAPACK dpotrs failed (info %d)", (int) info);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*
  CurioUserApproxLOO - any loss: the user's optimum (Newton from theta0, as CurioUserFit()) and the sum over its rows of
  the approximate leave-one-out loss of eq. 44 as a deviance, 2 (l_i + l'_i^2 h_i - saturated(y_i)) with
  h_i = w_i phi_i^T H_u^{-1} phi_i (docs/math.md; the scale of every CV curve), theta0 held. All n right-hand sides go through one dpotrs. converged
  as in CurioUserFit().
*/
PetscErrorCode CurioUserApproxLOO(const CurioUserModel *um, PetscInt n, const PetscReal *phi, const PetscReal *y, const PetscReal *w,
                                  CurioUserWork *wk, PetscReal *theta, PetscReal *theta_dot, PetscReal *sum, PetscBool *converged)
{
  PetscInt d = wk->d, its;

  PetscFunctionBegin;
  *sum = 0;
  PetscCall(CurioUserFit(um, n, phi, y, w, wk, theta, theta_dot, &its, converged));
  if (!n) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(SolveRows(wk, n, phi));
  for (PetscInt i = 0; i < n; i++) {
    PetscReal l, dl, h = w[i] * Dot(d, phi + i * d, wk->B + i * d);
    PetscCall(CurioLossEvaluate(um->loss, Dot(d, phi + i * d, theta), y[i], &l, &dl, NULL));
    *sum += 2 * (l + dl * dl * h - CurioLossTable[um->loss].saturated(y[i]));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

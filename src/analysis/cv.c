/* Cross-validation of a fit over a grid of s (MATH.md section 5): the exact LOOCV curve and GCV for squared loss from
   one eigendecomposition (loocv.c), the approximate LOOCV of eq. 44 for any loss by refits along the grid, and
   brute-force K-fold CV by refits, the ground truth the formulas are tested against. */
#include "analysisimpl.h"

/* The parts of a fit that the curves read */
static PetscErrorCode FitParts(CurioFit fit, MPI_Comm *comm, CurioModel *model, CurioSolver *solver, Mat *Phi, Vec *y, Vec *w, Vec *center,
                               PetscBool *monitor)
{
  PetscFunctionBegin;
  PetscCall(CurioFitGetComm(fit, comm));
  PetscCall(CurioFitGetModel(fit, model));
  PetscCall(CurioFitGetSolver(fit, solver));
  PetscCall(CurioFitGetDesign(fit, Phi));
  PetscCall(CurioFitGetLabels(fit, y));
  PetscCall(CurioFitGetWeights(fit, w));
  PetscCall(CurioFitGetRegularizer(fit, NULL, center));
  PetscCall(CurioFitGetMonitor(fit, monitor));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* sum_i saturated(y_i) over all rows (the saturated model's loss, CurioLossInfo): the CV curves of every loss are mean
   deviances (2/n) sum_i [l_i - saturated(y_i)], for squared loss the mean squared error, so that LOOCV, K-fold and
   GCV are on one scale (docs/math.md, "Cross-validation") */
static PetscErrorCode SaturatedSum(CurioModel model, Vec y, PetscReal *sum)
{
  const PetscScalar   *py;
  PetscInt             nl;
  const CurioLossInfo *info;

  PetscFunctionBegin;
  *sum = 0;
  PetscCall(CurioModelGetLoss(model, NULL, &info));
  PetscCall(VecGetLocalSize(y, &nl));
  PetscCall(VecGetArrayRead(y, &py));
  for (PetscInt i = 0; i < nl; i++) *sum += info->saturated(py[i]);
  PetscCall(VecRestoreArrayRead(y, &py));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, sum, 1, MPIU_REAL, MPIU_SUM, PetscObjectComm((PetscObject) y)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Approximate LOOCV (eq. 44) for any loss over the grid of s: theta*(s) by Newton, each s warm-started from its
   neighbour, and the mean deviance (2/n) sum_i [l_i + l'_i^2 h_i - saturated(y_i)] with h_i = w_i phi_i^T H^{-1} phi_i
   from an explicit H^{-1} (d solves).
   Exact LOOCV and GCV are not defined here (NaN); s_opt is the grid argmin of the approximate curve. */
static PetscErrorCode ApproximateCurve(CurioFit fit, PetscReal smin, PetscReal smax, PetscInt ns, CurioLOOCVCurve *c)
{
  CurioModel  model;
  CurioSolver solver;
  Mat         Phi;
  Vec         y, w, center;
  MPI_Comm    comm;
  PetscBool   monitor;
  PetscInt    d, n, kmin = 0;
  PetscReal  *Hinv, sat;
  Vec         theta, eta, l, dl, h;

  PetscFunctionBegin;
  PetscCall(FitParts(fit, &comm, &model, &solver, &Phi, &y, &w, &center, &monitor));
  PetscCall(SaturatedSum(model, y, &sat));
  PetscCall(CurioModelGetSize(model, &d));
  PetscCall(MatGetSize(Phi, &n, NULL));
  PetscCall(PetscMemzero(c, sizeof(*c)));
  c->ns = ns;
  PetscCall(PetscMalloc4(c->ns, &c->s, c->ns, &c->exact, c->ns, &c->approx, c->ns, &c->gcv));
  PetscCall(PetscMalloc1(d * d, &Hinv));
  PetscCall(VecDuplicate(center, &theta));
  PetscCall(VecCopy(center, theta));
  PetscCall(VecDuplicate(y, &eta));
  PetscCall(VecDuplicate(y, &l));
  PetscCall(VecDuplicate(y, &dl));
  PetscCall(VecDuplicate(y, &h));
  /* from large s down: the optimum moves away from the regularizer's centre gradually, a good path for warm starts */
  for (PetscInt j = c->ns - 1; j >= 0; j--) {
    PetscReal sum;
    c->s[j] = smin * PetscPowReal(smax / smin, (PetscReal) j / (c->ns - 1));
    PetscCall(CurioFitTrain(fit, c->s[j], theta));
    PetscCall(MatMult(Phi, theta, eta));
    PetscCall(CurioModelLossVectors(model, eta, y, w, l, dl, NULL));
    PetscCall(CurioSolverGetInverse(solver, Hinv));
    PetscCall(CurioScoreQuadraticForm(Phi, Hinv, h));
    PetscCall(VecPointwiseMult(h, h, w));
    PetscCall(VecPointwiseMult(dl, dl, dl));
    PetscCall(VecPointwiseMult(dl, dl, h));
    PetscCall(VecAXPY(dl, 1.0, l));
    PetscCall(VecSum(dl, &sum));
    c->approx[j] = 2.0 * (sum - sat) / n;
    c->exact[j]  = (PetscReal) NAN;
    c->gcv[j]    = (PetscReal) NAN;
    if (monitor) PetscCall(PetscPrintf(comm, "curio: approximate LOOCV at s = %.4e: %.6e\n", (double) c->s[j], (double) c->approx[j]));
  }
  for (PetscInt j = 1; j < c->ns; j++)
    if (c->approx[j] < c->approx[kmin]) kmin = j;
  for (PetscInt j = 1; j < c->ns - 1; j++)
    if (c->approx[j] < c->approx[j - 1] && c->approx[j] < c->approx[j + 1]) c->local_minima++;
  c->at_boundary = (PetscBool) (kmin == 0 || kmin == c->ns - 1);
  c->s_opt       = c->s[kmin];
  c->cv_opt      = c->approx[kmin];
  PetscCall(PetscFree(Hinv));
  PetscCall(VecDestroy(&theta));
  PetscCall(VecDestroy(&eta));
  PetscCall(VecDestroy(&l));
  PetscCall(VecDestroy(&dl));
  PetscCall(VecDestroy(&h));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Exact LOOCV and GCV for squared loss (loocv.c) from the solver's Gram Phi^T diag(w l'') Phi = Phi^T W Phi */
static PetscErrorCode ExactCurve(CurioFit fit, PetscReal smin, PetscReal smax, PetscInt ns, CurioLOOCVCurve *c)
{
  CurioModel           model;
  CurioSolver          solver;
  Mat                  Phi;
  Vec                  y, yc, w, center;
  MPI_Comm             comm;
  PetscBool            monitor;
  CurioLOOCV           cv;
  const PetscReal     *G;
  CurioRegularizerType reg;

  PetscFunctionBegin;
  PetscCall(FitParts(fit, &comm, &model, &solver, &Phi, &y, &w, &center, &monitor));
  PetscCall(CurioSolverGetGram(solver, &G));
  PetscCall(CurioModelGetRegularizer(model, &reg));
  yc = y;
  if (reg == CURIO_REGULARIZER_INHERIT) {
    /* R = 1/2||theta - theta0||^2 is ridge in theta - theta0 on the labels y - Phi theta0: same LOO residuals */
    PetscCall(VecDuplicate(y, &yc));
    PetscCall(MatMult(Phi, center, yc));
    PetscCall(VecAYPX(yc, -1.0, y));
  }
  PetscCall(CurioLOOCVCreate(Phi, yc, w, (PetscBool) (reg == CURIO_REGULARIZER_RESTRICTED), G, &cv));
  if (yc != y) PetscCall(VecDestroy(&yc));
  PetscCall(CurioLOOCVCurveCompute(cv, smin, smax, ns, c));
  PetscCall(CurioLOOCVDestroy(&cv));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitCVCurve - LOOCV over ns log-spaced values of s in [smin, smax] and its optimum: exact LOOCV, approximate
  LOOCV (eq. 44) and GCV for squared loss, s_opt the refined optimum of the exact curve; for other losses the
  approximate curve by Newton refits warm-started along the grid, s_opt its grid minimum

  Collective

  Output Parameter:
. curve - the curves (free with CurioLOOCVCurveFree())

.seealso: CurioFitCVKFold()
@*/
PetscErrorCode CurioFitCVCurve(CurioFit fit, PetscReal smin, PetscReal smax, PetscInt ns, CurioLOOCVCurve *curve)
{
  CurioModel           model;
  const CurioLossInfo *info;

  PetscFunctionBegin;
  PetscCall(CurioFitGetModel(fit, &model));
  { /* leaving one row out of one leaves nothing to fit */
    Mat      Phi;
    PetscInt n;
    PetscCall(CurioFitGetDesign(fit, &Phi));
    PetscCall(MatGetSize(Phi, &n, NULL));
    PetscCheck(n >= 2, PetscObjectComm((PetscObject) Phi), PETSC_ERR_USER_INPUT,
               "Leave-one-out CV needs at least 2 training rows, the input has %" PetscInt_FMT ": give -curio_s S and -curio_loocv false", n);
  }
  PetscCall(CurioModelGetLoss(model, NULL, &info));
  if (info->quadratic) PetscCall(ExactCurve(fit, smin, smax, ns, curve));
  else PetscCall(ApproximateCurve(fit, smin, smax, ns, curve));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitCVKFold - brute-force K-fold CV over the grid of an existing curve (K = n: leave-one-out), the ground truth for the LOOCV formulas: row i is
   in fold i mod K (independent of the rank count); each of the ns x K refits is one distributed training with the
   fold's weights set to zero, warm-started from the previous refit. kfold(s) = (2/n) sum_i [l(z_i; theta_{-fold(i)}) -
   saturated(y_i)], the mean deviance (for squared loss the mean squared error), on the scale of the LOOCV curves.

  Collective
@*/
PetscErrorCode CurioFitCVKFold(CurioFit fit, PetscInt K, CurioLOOCVCurve *c)
{
  CurioModel  model;
  CurioSolver solver;
  Mat         Phi;
  Vec         y, w, center, w0, wf, theta, eta, l;
  MPI_Comm    comm;
  PetscBool   monitor;
  PetscInt    n, lo, hi;
  PetscReal   sat;
  char        rows[160];

  PetscFunctionBegin;
  PetscCall(FitParts(fit, &comm, &model, &solver, &Phi, &y, &w, &center, &monitor));
  PetscCall(MatGetSize(Phi, &n, NULL));
  PetscCheck(K >= 2 && K <= n, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-curio_cv_folds must be in [2, %" PetscInt_FMT "] (n = leave-one-out), got %" PetscInt_FMT, n, K);
  PetscCall(PetscFree(c->kfold));
  PetscCall(PetscCalloc1(c->ns, &c->kfold));
  PetscCall(VecDuplicate(w, &w0));
  PetscCall(VecDuplicate(w, &wf));
  PetscCall(VecDuplicate(y, &eta));
  PetscCall(VecDuplicate(y, &l));
  PetscCall(VecDuplicate(center, &theta));
  PetscCall(VecCopy(w, w0));
  PetscCall(VecCopy(center, theta));
  PetscCall(VecGetOwnershipRange(w, &lo, &hi));
  PetscCall(SaturatedSum(model, y, &sat));
  for (PetscInt j = c->ns - 1; j >= 0; j--) {
    PetscReal total = 0;
    for (PetscInt k = 0; k < K; k++) {
      const PetscScalar *pl;
      PetscScalar       *pw;
      PetscReal          sum = 0;
      PetscCall(VecCopy(w0, wf));
      PetscCall(VecGetArray(wf, &pw));
      for (PetscInt i = lo; i < hi; i++)
        if (i % K == k) pw[i - lo] = 0.0;
      PetscCall(VecRestoreArray(wf, &pw));
      PetscCall(CurioFitSetWeights(fit, wf));
      PetscCall(PetscSNPrintf(rows, sizeof(rows),
                              "-curio_cv_folds %" PetscInt_FMT "'s training rows for fold %" PetscInt_FMT " (rows i with i mod %" PetscInt_FMT
                              " != %" PetscInt_FMT ")",
                              K, k, K, k));
      PetscCall(CurioFitSetRowsDescription(fit, rows));
      PetscCall(CurioFitTrain(fit, c->s[j], theta));
      PetscCall(MatMult(Phi, theta, eta));
      PetscCall(CurioModelLossVectors(model, eta, y, w, l, NULL, NULL));
      PetscCall(VecGetArrayRead(l, &pl));
      for (PetscInt i = lo; i < hi; i++)
        if (i % K == k) sum += pl[i - lo];
      PetscCall(VecRestoreArrayRead(l, &pl));
      PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &sum, 1, MPIU_REAL, MPIU_SUM, comm));
      total += sum;
    }
    c->kfold[j] = 2.0 * (total - sat) / n;
    if (monitor) PetscCall(PetscPrintf(comm, "curio: %" PetscInt_FMT "-fold CV at s = %.4e: %.6e\n", K, (double) c->s[j], (double) c->kfold[j]));
  }
  PetscCall(CurioFitSetWeights(fit, w0));
  PetscCall(CurioFitSetRowsDescription(fit, NULL));
  PetscCall(VecDestroy(&w0));
  PetscCall(VecDestroy(&wf));
  PetscCall(VecDestroy(&eta));
  PetscCall(VecDestroy(&l));
  PetscCall(VecDestroy(&theta));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCVGridInitialize - the default LOOCV grid: on, 81 values of s, both ends relative to the Gram (README, "Options")

  Not Collective

  Output Parameter:
. grid - the grid

.seealso: `CurioCVGridSetFromOptions()`, `CurioFitCVGridCurve()`
@*/
PetscErrorCode CurioCVGridInitialize(CurioCVGrid *grid)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(grid, sizeof(*grid)));
  grid->enabled = PETSC_TRUE;
  grid->smin    = 1e-6;
  grid->smax    = 1e3; /* with the smin above: factors of the Gram's scale unless given */
  grid->ns      = 81;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCVGridSetFromOptions - reads -curio_loocv, -curio_loocv_smin, -curio_loocv_smax and -curio_loocv_ns into a grid,
  inside the caller's PetscOptionsBegin()/PetscOptionsEnd() block, and checks them against each other

  Collective on the block's communicator

  Input Parameters:
+ PetscOptionsObject - the options block
- s_given            - whether -curio_s was given: without it s comes from LOOCV, which must then be on

  Input/Output Parameter:
. grid - on input the defaults (`CurioCVGridInitialize()`), on output the options' values

.seealso: `CurioCVGridInitialize()`, `CurioFitCVGridCurve()`, `CurioOptionsReal()`
@*/
PetscErrorCode CurioCVGridSetFromOptions(PetscOptionItems *PetscOptionsObject, PetscBool s_given, CurioCVGrid *grid)
{
  MPI_Comm comm = PetscOptionsObject->comm;

  PetscFunctionBegin;
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_loocv", &grid->enabled, NULL));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_loocv_smin", &grid->smin, &grid->smin_set));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_loocv_smax", &grid->smax, &grid->smax_set));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_loocv_ns", &grid->ns, NULL));
  /* each value's type and bounds are checked as it is read (src/sys/options.c); what is left relates options */
  PetscCheck(!grid->smin_set || !grid->smax_set || grid->smax > grid->smin, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-curio_loocv_smin and -curio_loocv_smax need 0 < smin < smax, got %g and %g", (double) grid->smin, (double) grid->smax);
  PetscCheck(s_given || grid->enabled, comm, PETSC_ERR_ARG_WRONG, "Give -curio_s, or keep -curio_loocv on so that s is chosen by LOOCV");
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* lambda_max(Phi^T W Phi) by the power method from a fixed start (the same at any rank count, to rounding): on the
   replicated Gram of the direct path for squared loss (O(d^2) per step), else by two passes over the rows per step.
   Stops at a relative change of 1e-12 or after 100 steps; the estimate is a lower bound within that tolerance on any
   matrix whose top eigenvalues are not clustered, and a grid's unit does not need more. */
static PetscErrorCode GramLambdaMax(CurioModel model, CurioSolver solver, Mat Phi, Vec w, PetscReal *lmax)
{
  const PetscReal *G = NULL;
  Vec              v, z, t;
  PetscReal        lam = 0, prev = 0, nz, *vf = NULL, *zf = NULL;
  PetscInt         d;
  CurioLossType    loss;

  PetscFunctionBegin;
  PetscCall(CurioModelGetSize(model, &d));
  PetscCall(CurioModelGetLoss(model, &loss, NULL));
  if (loss == CURIO_LOSS_SQUARED) PetscCall(CurioSolverGetGram(solver, &G));
  if (G) PetscCall(PetscMalloc2(d, &vf, d, &zf)); /* the replicated iterate and its product, for every step */
  PetscCall(MatCreateVecs(Phi, &v, &t));
  PetscCall(VecDuplicate(v, &z));
  PetscCall(VecSet(v, 1.0 / PetscSqrtReal((PetscReal) d)));
  for (PetscInt it = 0; it < 100; it++) {
    if (G) { /* squared loss: the solver's Gram is Phi^T W Phi */
      PetscCall(CurioVecGatherAll(v, vf));
      for (PetscInt i = 0; i < d; i++) zf[i] = 0;
      for (PetscInt j = 0; j < d; j++)
        for (PetscInt i = 0; i < d; i++) zf[i] += G[i + j * d] * vf[j];
      PetscCall(CurioVecSetFromReplicated(z, zf));
    } else {
      PetscCall(MatMult(Phi, v, t));
      PetscCall(VecPointwiseMult(t, t, w));
      PetscCall(MatMultTranspose(Phi, t, z));
    }
    PetscCall(VecDot(v, z, &lam));
    PetscCall(VecNorm(z, NORM_2, &nz));
    if (nz == 0) break;
    PetscCall(VecAXPBY(v, 1.0 / nz, 0.0, z));
    if (it > 0 && PetscAbsReal(lam - prev) <= 1e-12 * lam) break;
    prev = lam;
  }
  *lmax = lam;
  PetscCall(PetscFree2(vf, zf));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&z));
  PetscCall(VecDestroy(&t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The grid's ends not given, relative to G = Phi^T W Phi: the lower from the smallest diagonal entry of the penalized
   columns (>= lambda_min: with columns in different units, lambda_max belongs to the largest one, and the small ones'
   optimum lies far below it), the upper from lambda_max; scale = lambda_max(G)/n */
static PetscErrorCode GridDefaultEnds(CurioFit fit, const CurioCVGrid *grid, PetscReal *smin, PetscReal *smax, PetscReal *scale)
{
  CurioModel  model;
  CurioSolver solver;
  Mat         Phi;
  Vec         w, mask;
  MPI_Comm    comm;
  PetscReal   lmax = 0, gmin = PETSC_MAX_REAL, *gd, *m;
  PetscInt    d, n;

  PetscFunctionBegin;
  PetscCall(CurioFitGetComm(fit, &comm));
  PetscCall(CurioFitGetModel(fit, &model));
  PetscCall(CurioFitGetSolver(fit, &solver));
  PetscCall(CurioFitGetDesign(fit, &Phi));
  PetscCall(CurioFitGetWeights(fit, &w));
  PetscCall(CurioFitGetRegularizer(fit, &mask, NULL));
  PetscCall(MatGetSize(Phi, &n, NULL));
  PetscCall(CurioModelGetSize(model, &d));
  PetscCall(GramLambdaMax(model, solver, Phi, w, &lmax));
  PetscCall(PetscMalloc2(d, &gd, d, &m));
  PetscCall(CurioWeightedColumnSquares(Phi, w, gd));
  PetscCall(CurioVecGatherAll(mask, m));
  for (PetscInt j = 0; j < d; j++) {
    if (m[j] > 0 && gd[j] > 0) gmin = PetscMin(gmin, gd[j]);
    /* lambda_max >= max_j G_jj: a power iteration whose products overflowed (weights near 1e308) returns less */
    lmax = PetscIsInfOrNanReal(gd[j]) ? PETSC_INFINITY : PetscMax(lmax, gd[j]);
  }
  PetscCall(PetscFree2(gd, m));
  *scale = lmax / n;
  PetscCheck(!PetscIsInfOrNanReal(*scale), comm, PETSC_ERR_ARG_WRONG,
             "The Gram matrix Phi^T W Phi overflows (its largest eigenvalue is not finite in double precision): scale the columns of X or the "
             "weights; no LOOCV grid relative to it");
  PetscCheck(*scale > 0 && gmin < PETSC_MAX_REAL, comm, PETSC_ERR_ARG_WRONG,
             "The Gram matrix Phi^T W Phi is zero on the penalized columns (every weight or every feature is zero, or a 1-D input of one "
             "value): no LOOCV grid relative to it; give -curio_s");
  if (!grid->smin_set) *smin = 1e-6 * gmin / n;
  if (!grid->smax_set) *smax = 1e3 * *scale;
  PetscCheck(*smax > *smin, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "The LOOCV grid needs smin < smax, got %g and %g (a default end is relative to the Gram Phi^T W Phi: lambda_max/n = %g): give both "
             "-curio_loocv_smin and -curio_loocv_smax",
             (double) *smin, (double) *smax, (double) *scale);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitCVGridCurve - LOOCV of a fit over a grid of s given by the options (CurioFitCVCurve()); the grid's ends not
  given are 1e-6 x min_j G_jj/n (j over the penalized columns) and 1e3 x lambda_max(G)/n, G = Phi^T W Phi (README,
  "Options"): the regularity compares with the Gram's eigenvalues, which grow with n and with the square of the
  columns' scale, and the smallest diagonal entry is at least the smallest eigenvalue

  Collective

  Input Parameters:
+ fit  - the fit, set up (its operator formed)
- grid - the grid as the options give it

  Output Parameters:
+ curve - the curves and their optimum (free with CurioLOOCVCurveFree())
. smin  - the lower end in use (may be NULL)
. smax  - the upper end in use (may be NULL)
- scale - lambda_max(G)/n, the default grid's unit, or 0 when both ends are given (may be NULL)

.seealso: `CurioCVGridSetFromOptions()`, `CurioFitCVCurve()`
@*/
PetscErrorCode CurioFitCVGridCurve(CurioFit fit, const CurioCVGrid *grid, CurioLOOCVCurve *curve, PetscReal *smin, PetscReal *smax, PetscReal *scale)
{
  PetscReal lo = grid->smin, hi = grid->smax, unit = 0;

  PetscFunctionBegin;
  if (!grid->smin_set || !grid->smax_set) PetscCall(GridDefaultEnds(fit, grid, &lo, &hi, &unit));
  PetscCall(CurioFitCVCurve(fit, lo, hi, grid->ns, curve));
  if (smin) *smin = lo;
  if (smax) *smax = hi;
  if (scale) *scale = unit;
  PetscFunctionReturn(PETSC_SUCCESS);
}

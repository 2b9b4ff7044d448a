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
  PetscCall(VecDestroy(&w0));
  PetscCall(VecDestroy(&wf));
  PetscCall(VecDestroy(&eta));
  PetscCall(VecDestroy(&l));
  PetscCall(VecDestroy(&theta));
  PetscFunctionReturn(PETSC_SUCCESS);
}

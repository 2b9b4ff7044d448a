/* Classic influence functions of a solved fit, for data debugging (Koh and Liang; MATH.md section 3): I(z, z') = -grad l(z')^T H^{-1} grad l(z), grad
 * l(z) = l'(z) phi(x). */
#include "analysisimpl.h"

/* |phi_i|_2 of every local row of Phi into nrm (laid out like the rows) */
static PetscErrorCode RowNorms(Mat Phi, Vec nrm)
{
  PetscScalar *pn;
  PetscInt     rstart, rend;

  PetscFunctionBegin;
  PetscCall(MatGetOwnershipRange(Phi, &rstart, &rend));
  PetscCall(VecGetArrayWrite(nrm, &pn));
  if (CurioMatIsAIJ(Phi)) {
    for (PetscInt i = rstart; i < rend; i++) {
      PetscInt           nz;
      const PetscInt    *cols;
      const PetscScalar *v;
      PetscReal          sum = 0;
      PetscCall(MatGetRow(Phi, i, &nz, &cols, &v));
      for (PetscInt t = 0; t < nz; t++) sum += PetscSqr(v[t]);
      PetscCall(MatRestoreRow(Phi, i, &nz, &cols, &v));
      pn[i - rstart] = PetscSqrtReal(sum);
    }
  } else {
    const PetscReal *a;
    PetscInt         m, d, lda;
    PetscCall(CurioMatGetLocalArrayRead(Phi, &a, &m, &d, &lda));
    for (PetscInt i = 0; i < m; i++) pn[i] = 0;
    for (PetscInt j = 0; j < d; j++)
      for (PetscInt i = 0; i < m; i++) pn[i] += PetscSqr(a[i + j * lda]);
    for (PetscInt i = 0; i < m; i++) pn[i] = PetscSqrtReal(pn[i]);
    PetscCall(CurioMatRestoreLocalArrayRead(Phi, &a));
  }
  PetscCall(VecRestoreArrayWrite(nrm, &pn));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The per-row loss derivatives l'(eta_i, y_i) at theta* of the rows of Phi (unweighted: the weight enters H) (dl, created
   here) and, if err is not NULL, an estimate of each one's absolute error from the rows' norms nrm (RowNorms(); created
   here, laid out like dl): eta_i = phi_i . theta* carries theta*'s
   relative error (CurioFitGetAccuracy()) and its own rounding, |delta eta_i| <= (theta_error + eps) |phi_i| |theta*|,
   which l' passes on times l'', and l' = mu - y rounds at eps (|mu| + |y|). Where the model nearly interpolates (tiny s,
   fewer rows than parameters) l' is a small difference of large numbers and the estimate is as large as l' itself. */
static PetscErrorCode LossDerivatives(CurioFit fit, Mat Phi, Vec y, Vec w, Vec nrm, Vec *dl, Vec *err)
{
  CurioModel           model;
  const CurioLossInfo *info;
  Vec                  theta, eta;
  PetscReal            theta_error, tnorm;

  PetscFunctionBegin;
  PetscCall(CurioFitGetModel(fit, &model));
  PetscCall(CurioModelGetLoss(model, NULL, &info));
  PetscCall(CurioFitGetSolution(fit, &theta, NULL));
  PetscCall(VecDuplicate(y, &eta));
  PetscCall(VecDuplicate(y, dl));
  PetscCall(MatMult(Phi, theta, eta));
  PetscCall(CurioModelLossVectors(model, eta, y, w, NULL, *dl, NULL));
  if (err) {
    const PetscScalar *pe, *py;
    PetscScalar       *pr;
    PetscInt           m;
    PetscCall(CurioFitGetAccuracy(fit, NULL, NULL, NULL, &theta_error));
    PetscCall(VecNorm(theta, NORM_2, &tnorm));
    PetscCall(VecDuplicate(y, err));
    PetscCall(VecCopy(nrm, *err));
    PetscCall(VecGetLocalSize(y, &m));
    PetscCall(VecGetArrayRead(eta, &pe));
    PetscCall(VecGetArrayRead(y, &py));
    PetscCall(VecGetArray(*err, &pr));
    for (PetscInt i = 0; i < m; i++) {
      PetscReal l, dl1, d2l, mu = info->mean(pe[i]);
      info->evaluate(pe[i], py[i], &l, &dl1, &d2l);
      pr[i] = d2l * (theta_error + PETSC_MACHINE_EPSILON) * pr[i] * tnorm + PETSC_MACHINE_EPSILON * (PetscAbsReal(mu) + PetscAbsReal(py[i]));
    }
    PetscCall(VecRestoreArray(*err, &pr));
    PetscCall(VecRestoreArrayRead(y, &py));
    PetscCall(VecRestoreArrayRead(eta, &pe));
  }
  PetscCall(VecDestroy(&eta));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The rounding of a quadratic or bilinear form phi^T H^{-1} psi through the explicit H^{-1}: about eps d |phi| |psi|
   |H^{-1}|, the largest entry of H^{-1} being at most its 1-norm (the scale that cancels when phi and psi lie where H^{-1}
   is small, as training rows do at a tiny s in the directions only s regularizes) */
static PetscReal InverseNorm(PetscInt d, const PetscReal Hinv[])
{
  PetscReal nrm = 0;

  for (PetscInt c = 0; c < d; c++) {
    PetscReal sum = 0;
    for (PetscInt r = 0; r < d; r++) sum += PetscAbsReal(Hinv[r + c * d]);
    nrm = PetscMax(nrm, sum);
  }
  return nrm;
}

/*@C
  CurioFitSelfInfluence - the self-influence l'(z_i)^2 phi_i^T H^{-1} phi_i of every training row of a solved fit
  (large for points the model cannot fit from the others: a mislabel detector)

  Collective

  Input Parameters:
+ fit  - a solved fit
- Hinv - H^{-1} at the optimum, replicated d x d (CurioSolverGetInverse())

  Output Parameters:
+ self   - one value per training row (a Vec laid out like the rows, created here)
- relerr - if not NULL, the estimated error of the values relative to the largest one (normwise): large where the model
           nearly interpolates, whose residuals l' are small differences of large numbers

.seealso: CurioFitInfluenceTop()
@*/
PetscErrorCode CurioFitSelfInfluence(CurioFit fit, const PetscReal Hinv[], Vec *self, PetscReal *relerr)
{
  Mat       Phi;
  Vec       y, w, dl, err = NULL, nrm = NULL;
  PetscInt  d;
  PetscReal emax, smax;

  PetscFunctionBegin;
  PetscCall(CurioFitGetDesign(fit, &Phi));
  PetscCall(CurioFitGetLabels(fit, &y));
  PetscCall(CurioFitGetWeights(fit, &w));
  if (relerr) {
    PetscCall(VecDuplicate(y, &nrm));
    PetscCall(RowNorms(Phi, nrm));
  }
  PetscCall(LossDerivatives(fit, Phi, y, w, nrm, &dl, relerr ? &err : NULL));
  PetscCall(VecDuplicate(dl, self));
  PetscCall(CurioScoreQuadraticForm(Phi, Hinv, *self));
  if (relerr) {
    /* |delta (l'^2 q)| <= 2 |l'| |delta l'| q + l'^2 |delta q|, |delta q| about eps d |phi|^2 |H^{-1}| */
    PetscCall(MatGetSize(Phi, NULL, &d));
    PetscCall(VecPointwiseMult(nrm, nrm, nrm));
    PetscCall(VecScale(nrm, PETSC_MACHINE_EPSILON * (d + 2) * InverseNorm(d, Hinv)));
    PetscCall(VecPointwiseMult(err, err, dl));
    PetscCall(VecAbs(err));
    PetscCall(VecPointwiseMult(err, err, *self));
    PetscCall(VecAbs(err));
    PetscCall(VecScale(err, 2.0));
    PetscCall(VecPointwiseMult(nrm, nrm, dl));
    PetscCall(VecPointwiseMult(nrm, nrm, dl));
    PetscCall(VecAXPY(err, 1.0, nrm));
    PetscCall(VecDestroy(&nrm));
  }
  PetscCall(VecPointwiseMult(*self, *self, dl));
  PetscCall(VecPointwiseMult(*self, *self, dl));
  if (relerr) {
    PetscCall(VecNorm(err, NORM_INFINITY, &emax));
    PetscCall(VecNorm(*self, NORM_INFINITY, &smax));
    *relerr = smax > 0 ? emax / smax : (emax > 0 ? PETSC_INFINITY : 0);
    PetscCall(VecDestroy(&err));
  }
  PetscCall(VecDestroy(&dl));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitInfluenceTop - for each of the first nt rows z' of a test set, the k training rows z of a solved fit with the
  largest |I(z, z')|, I(z, z') = -l'(z') l'(z) phi(z)^T H^{-1} phi(z') (positive: up-weighting z raises the test loss,
  harmful; negative: helpful)

  Collective

  Input Parameters:
+ fit      - a solved fit
. Hinv     - H^{-1} at the optimum, replicated d x d
. PhiTest  - the test set's design matrix
. yt, wt   - the test set's labels and weights (laid out like the rows of PhiTest)
. nt       - test rows to explain (the first ones)
- k        - training rows per test row

  Output Parameters:
+ idx    - nt x k training row indices, replicated, test row major
. val    - their I(z, z')
- relerr - if not NULL, the largest over the test rows of the estimated error of I(., z') relative to its largest
           |I(z, z')| (as in CurioFitSelfInfluence())

.seealso: CurioFitSelfInfluence()
@*/
PetscErrorCode CurioFitInfluenceTop(CurioFit fit, const PetscReal Hinv[], Mat PhiTest, Vec yt, Vec wt, PetscInt nt, PetscInt k, PetscInt idx[],
                                    PetscReal val[], PetscReal *relerr)
{
  Mat       Phi;
  Vec       y, w, dl, err = NULL, nrm = NULL, nrmt = NULL, phi, a, e, infl, absinfl, dlt, errt = NULL, work = NULL;
  PetscInt  d;
  PetscReal hnorm = 0, *full, *hv;

  PetscFunctionBegin;
  PetscCall(CurioFitGetDesign(fit, &Phi));
  PetscCall(CurioFitGetLabels(fit, &y));
  PetscCall(CurioFitGetWeights(fit, &w));
  PetscCall(MatGetSize(Phi, NULL, &d));
  if (relerr) {
    PetscCall(VecDuplicate(y, &nrm));
    PetscCall(VecDuplicate(yt, &nrmt));
    PetscCall(RowNorms(Phi, nrm));
    PetscCall(RowNorms(PhiTest, nrmt));
  }
  PetscCall(LossDerivatives(fit, Phi, y, w, nrm, &dl, relerr ? &err : NULL));
  PetscCall(LossDerivatives(fit, PhiTest, yt, wt, nrmt, &dlt, relerr ? &errt : NULL));
  PetscCall(VecDestroy(&nrmt));
  PetscCall(PetscMalloc2(d, &full, d, &hv));
  PetscCall(MatCreateVecs(PhiTest, &phi, NULL));
  PetscCall(VecDuplicate(dlt, &e));
  PetscCall(VecDuplicate(phi, &a));
  PetscCall(VecDuplicate(dl, &infl));
  PetscCall(VecDuplicate(dl, &absinfl));
  if (relerr) {
    *relerr = 0;
    hnorm   = InverseNorm(d, Hinv);
    PetscCall(VecDuplicate(dl, &work));
  }
  for (PetscInt j = 0; j < nt; j++) {
    PetscReal dlj;
    PetscInt *jdx = idx + j * k;
    PetscCall(VecSet(e, 0.0));
    PetscCall(VecSetValue(e, j, 1.0, INSERT_VALUES));
    PetscCall(VecAssemblyBegin(e));
    PetscCall(VecAssemblyEnd(e));
    PetscCall(MatMultTranspose(PhiTest, e, phi)); /* phi(x'_j) */
    PetscCall(CurioVecGetEntry(dlt, j, &dlj));
    PetscCall(CurioVecGatherAll(phi, full));
    PetscCall(PetscArrayzero(hv, d));
    for (PetscInt c = 0; c < d; c++)
      for (PetscInt r = 0; r < d; r++) hv[r] += Hinv[r + c * d] * full[c];
    PetscCall(CurioVecSetFromReplicated(a, hv)); /* H^{-1} phi(x'_j) */
    /* I(z_i, z'_j) = -l'(z'_j) l'(z_i) phi_i^T H^{-1} phi(x'_j) */
    PetscCall(MatMult(Phi, a, infl));
    if (relerr) {
      /* |delta I| <= |l'_j| (|delta l'_i| |b_i| + |l'_i| |delta b_i|) + |delta l'_j| |l'_i b_i|, b_i = phi_i^T H^{-1} phi'_j,
         |delta b_i| about eps d |phi_i| |phi'_j| |H^{-1}| */
      PetscReal ej, pn, emax, imax;
      PetscCall(CurioVecGetEntry(errt, j, &ej));
      PetscCall(VecNorm(phi, NORM_2, &pn));
      PetscCall(VecPointwiseMult(work, dl, nrm));
      PetscCall(VecAbs(work));
      PetscCall(VecScale(work, PETSC_MACHINE_EPSILON * (d + 2) * pn * hnorm)); /* |l'_i| |delta b_i| */
      PetscCall(VecPointwiseMult(absinfl, err, infl));
      PetscCall(VecAbs(absinfl));
      PetscCall(VecAXPY(work, 1.0, absinfl));
      PetscCall(VecScale(work, PetscAbsReal(dlj)));
      PetscCall(VecPointwiseMult(absinfl, dl, infl));
      PetscCall(VecAbs(absinfl));
      PetscCall(VecAXPY(work, ej, absinfl));
      PetscCall(VecNorm(work, NORM_INFINITY, &emax));
      PetscCall(VecNorm(absinfl, NORM_INFINITY, &imax));
      imax *= PetscAbsReal(dlj);
      *relerr = PetscMax(*relerr, imax > 0 ? emax / imax : (emax > 0 ? PETSC_INFINITY : 0));
    }
    PetscCall(VecPointwiseMult(infl, infl, dl));
    PetscCall(VecScale(infl, -dlj));
    PetscCall(VecCopy(infl, absinfl));
    PetscCall(VecAbs(absinfl));
    PetscCall(CurioSelectTopK(absinfl, k, jdx, val + j * k));
    for (PetscInt m = 0; m < k; m++) PetscCall(CurioVecGetEntry(infl, jdx[m], val + j * k + m));
  }
  PetscCall(PetscFree2(full, hv));
  PetscCall(VecDestroy(&phi));
  PetscCall(VecDestroy(&dlt));
  PetscCall(VecDestroy(&errt));
  PetscCall(VecDestroy(&e));
  PetscCall(VecDestroy(&a));
  PetscCall(VecDestroy(&infl));
  PetscCall(VecDestroy(&absinfl));
  PetscCall(VecDestroy(&dl));
  PetscCall(VecDestroy(&err));
  PetscCall(VecDestroy(&nrm));
  PetscCall(VecDestroy(&work));
  PetscFunctionReturn(PETSC_SUCCESS);
}

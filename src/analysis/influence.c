/* Classic influence functions of a solved fit, for data debugging (Koh and Liang; MATH.md section 3): I(z, z') = -grad l(z')^T H^{-1} grad l(z), grad
 * l(z) = l'(z) phi(x). */
#include "analysisimpl.h"

/* The fit's design and the per-row loss derivatives w_i l'(phi_i . theta*, y_i) of its training rows (dl, created here) */
static PetscErrorCode TrainingDerivatives(CurioFit fit, Mat *Phi, Vec *dl)
{
  CurioModel model;
  Vec        y, w, theta, eta;

  PetscFunctionBegin;
  PetscCall(CurioFitGetModel(fit, &model));
  PetscCall(CurioFitGetDesign(fit, Phi));
  PetscCall(CurioFitGetLabels(fit, &y));
  PetscCall(CurioFitGetWeights(fit, &w));
  PetscCall(CurioFitGetSolution(fit, &theta, NULL));
  PetscCall(VecDuplicate(y, &eta));
  PetscCall(VecDuplicate(y, dl));
  PetscCall(MatMult(*Phi, theta, eta));
  PetscCall(CurioModelLossVectors(model, eta, y, w, NULL, *dl, NULL));
  PetscCall(VecDestroy(&eta));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioFitSelfInfluence - the self-influence l'(z_i)^2 phi_i^T H^{-1} phi_i of every training row of a solved fit
  (large for points the model cannot fit from the others: a mislabel detector)

  Collective

  Input Parameters:
+ fit  - a solved fit
- Hinv - H^{-1} at the optimum, replicated d x d (CurioSolverGetInverse())

  Output Parameter:
. self - one value per training row (a Vec laid out like the rows, created here)
@*/
PetscErrorCode CurioFitSelfInfluence(CurioFit fit, const PetscReal Hinv[], Vec *self)
{
  Mat Phi;
  Vec dl;

  PetscFunctionBegin;
  PetscCall(TrainingDerivatives(fit, &Phi, &dl));
  PetscCall(VecDuplicate(dl, self));
  PetscCall(CurioScoreQuadraticForm(Phi, Hinv, *self));
  PetscCall(VecPointwiseMult(*self, *self, dl));
  PetscCall(VecPointwiseMult(*self, *self, dl));
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
+ idx - nt x k training row indices, replicated, test row major
- val - their I(z, z')
@*/
PetscErrorCode CurioFitInfluenceTop(CurioFit fit, const PetscReal Hinv[], Mat PhiTest, Vec yt, Vec wt, PetscInt nt, PetscInt k, PetscInt idx[],
                                    PetscReal val[])
{
  CurioModel model;
  Mat        Phi;
  Vec        theta, dl, phi, a, e, infl, absinfl, etat, dlt;
  PetscInt   d;

  PetscFunctionBegin;
  PetscCall(TrainingDerivatives(fit, &Phi, &dl));
  PetscCall(CurioFitGetModel(fit, &model));
  PetscCall(CurioFitGetSolution(fit, &theta, NULL));
  PetscCall(CurioModelGetSize(model, &d));
  PetscCall(MatCreateVecs(PhiTest, &phi, &etat));
  PetscCall(VecDuplicate(etat, &dlt));
  PetscCall(VecDuplicate(etat, &e));
  PetscCall(VecDuplicate(phi, &a));
  PetscCall(VecDuplicate(dl, &infl));
  PetscCall(VecDuplicate(dl, &absinfl));
  PetscCall(MatMult(PhiTest, theta, etat));
  PetscCall(CurioModelLossVectors(model, etat, yt, wt, NULL, dlt, NULL));
  for (PetscInt j = 0; j < nt; j++) {
    PetscReal dlj, *full, *hv;
    PetscInt *jdx = idx + j * k;
    PetscCall(VecSet(e, 0.0));
    PetscCall(VecSetValue(e, j, 1.0, INSERT_VALUES));
    PetscCall(VecAssemblyBegin(e));
    PetscCall(VecAssemblyEnd(e));
    PetscCall(MatMultTranspose(PhiTest, e, phi)); /* phi(x'_j) */
    PetscCall(CurioVecGetEntry(dlt, j, &dlj));
    PetscCall(PetscMalloc1(d, &full));
    PetscCall(CurioVecGatherAll(phi, full));
    PetscCall(PetscCalloc1(d, &hv));
    for (PetscInt c = 0; c < d; c++)
      for (PetscInt r = 0; r < d; r++) hv[r] += Hinv[r + c * d] * full[c];
    PetscCall(CurioVecSetFromReplicated(a, hv)); /* H^{-1} phi(x'_j) */
    PetscCall(PetscFree(hv));
    PetscCall(PetscFree(full));
    /* I(z_i, z'_j) = -l'(z'_j) l'(z_i) phi_i^T H^{-1} phi(x'_j) */
    PetscCall(MatMult(Phi, a, infl));
    PetscCall(VecPointwiseMult(infl, infl, dl));
    PetscCall(VecScale(infl, -dlj));
    PetscCall(VecCopy(infl, absinfl));
    PetscCall(VecAbs(absinfl));
    PetscCall(CurioSelectTopK(absinfl, k, jdx, val + j * k));
    for (PetscInt m = 0; m < k; m++) PetscCall(CurioVecGetEntry(infl, jdx[m], val + j * k + m));
  }
  PetscCall(VecDestroy(&phi));
  PetscCall(VecDestroy(&etat));
  PetscCall(VecDestroy(&dlt));
  PetscCall(VecDestroy(&e));
  PetscCall(VecDestroy(&a));
  PetscCall(VecDestroy(&infl));
  PetscCall(VecDestroy(&absinfl));
  PetscCall(VecDestroy(&dl));
  PetscFunctionReturn(PETSC_SUCCESS);
}

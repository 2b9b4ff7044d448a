/* Selection of the next points to label, and classic influence functions for data debugging (Koh and Liang;
   MATH.md section 3): I(z, z') = -grad l(z')^T H^{-1} grad l(z), grad l(z) = l'(z) phi(x). */
#include "../curioimpl.h"

/*@C
  CurioProblemSelect - the -curio_select_k candidates with the largest -curio_select_by score (batch top-k, ties to the
  smaller index)

  Collective

.seealso: CurioSelectTopK(), CurioScoreTable
@*/
PetscErrorCode CurioProblemSelect(CurioProblem p)
{
  PetscFunctionBegin;
  if (!p->select_k || !p->has_scores) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFree2(p->sel_index, p->sel_score));
  PetscCall(PetscMalloc2(p->select_k, &p->sel_index, p->select_k, &p->sel_score));
  PetscCheck(p->scores.v[p->select_by], p->comm, PETSC_ERR_ORDER,
             "Score %s was not computed: call CurioProblemComputeScores() after setting select_k", CurioScoreTable[p->select_by].name);
  PetscCall(CurioSelectTopK(p->scores.v[p->select_by], p->select_k, p->sel_index, p->sel_score));
  if (p->monitor) {
    PetscCall(PetscPrintf(p->comm, "curio: the %" PetscInt_FMT " candidates with the largest %s:", p->select_k, CurioScoreTable[p->select_by].name));
    for (PetscInt i = 0; i < PetscMin(p->select_k, 10); i++) PetscCall(PetscPrintf(p->comm, " %" PetscInt_FMT, p->sel_index[i]));
    PetscCall(PetscPrintf(p->comm, "%s\n", p->select_k > 10 ? " ..." : ""));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemComputeInfluence - the self-influence l'(z_i)^2 phi_i^T H^{-1} phi_i of every training point (large for
  points the model cannot fit from the others: a mislabel detector), and, for each of the first -curio_influence_ntest
  test points z', the -curio_influence_k training points z with the largest |I(z, z')| (positive: up-weighting z raises
  the test loss, harmful; negative: helpful)
@*/
PetscErrorCode CurioProblemComputeInfluence(CurioProblem p)
{
  PetscInt   d = p->model->d, nt, k = p->influence_k;
  PetscReal *Hinv;
  Vec        eta, dl, phi, a, e, infl, absinfl, etat, dlt;

  PetscFunctionBegin;
  if (!p->do_influence) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCheck(p->solved, p->comm, PETSC_ERR_ORDER, "Call CurioProblemSolve() first");
  PetscCall(PetscMalloc1(d * d, &Hinv));
  PetscCall(CurioSolverGetInverse(p->solver, Hinv));
  PetscCall(VecDuplicate(p->y, &eta));
  PetscCall(VecDuplicate(p->y, &dl));
  PetscCall(MatMult(p->Phi, p->theta, eta));
  PetscCall(CurioModelLossVectors(p->model, eta, p->y, p->w, NULL, dl, NULL));
  PetscCall(VecDestroy(&p->self_influence));
  PetscCall(VecDuplicate(p->y, &p->self_influence));
  PetscCall(CurioScoreQuadraticForm(p->Phi, Hinv, p->self_influence));
  PetscCall(VecPointwiseMult(p->self_influence, p->self_influence, dl));
  PetscCall(VecPointwiseMult(p->self_influence, p->self_influence, dl));

  nt                 = p->PhiTest ? PetscMin(p->influence_ntest, p->data->test.n) : 0;
  p->influence_ntest = nt;
  PetscCall(PetscFree2(p->infl_index, p->infl_value));
  if (nt > 0) {
    PetscCheck(k >= 1 && k <= p->data->train.n, p->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-curio_influence_k must be in [1, %" PetscInt_FMT "], got %" PetscInt_FMT, p->data->train.n, k);
    PetscCall(PetscMalloc2(nt * k, &p->infl_index, nt * k, &p->infl_value));
    PetscCall(MatCreateVecs(p->PhiTest, &phi, &etat));
    PetscCall(VecDuplicate(etat, &dlt));
    PetscCall(VecDuplicate(etat, &e));
    PetscCall(VecDuplicate(phi, &a));
    PetscCall(VecDuplicate(p->y, &infl));
    PetscCall(VecDuplicate(p->y, &absinfl));
    {
      Vec yt, wt;
      PetscCall(CurioRowVec(p->PhiTest, p->data->test.y, &yt));
      PetscCall(CurioRowVec(p->PhiTest, p->data->test.w, &wt));
      PetscCall(MatMult(p->PhiTest, p->theta, etat));
      PetscCall(CurioModelLossVectors(p->model, etat, yt, wt, NULL, dlt, NULL));
      PetscCall(VecDestroy(&yt));
      PetscCall(VecDestroy(&wt));
    }
    for (PetscInt j = 0; j < nt; j++) {
      PetscReal dlj, *full;
      PetscInt *idx;
      PetscCall(VecSet(e, 0.0));
      PetscCall(VecSetValue(e, j, 1.0, INSERT_VALUES));
      PetscCall(VecAssemblyBegin(e));
      PetscCall(VecAssemblyEnd(e));
      PetscCall(MatMultTranspose(p->PhiTest, e, phi)); /* phi(x'_j) */
      PetscCall(CurioVecGetEntry(dlt, j, &dlj));
      PetscCall(PetscMalloc1(d, &full));
      PetscCall(CurioVecGatherAll(phi, full));
      {
        PetscReal *hv;
        PetscCall(PetscCalloc1(d, &hv));
        for (PetscInt c = 0; c < d; c++)
          for (PetscInt r = 0; r < d; r++) hv[r] += Hinv[r + c * d] * full[c];
        PetscCall(CurioVecSetFromReplicated(a, hv)); /* H^{-1} phi(x'_j) */
        PetscCall(PetscFree(hv));
      }
      PetscCall(PetscFree(full));
      /* I(z_i, z'_j) = -l'(z'_j) l'(z_i) phi_i^T H^{-1} phi(x'_j) */
      PetscCall(MatMult(p->Phi, a, infl));
      PetscCall(VecPointwiseMult(infl, infl, dl));
      PetscCall(VecScale(infl, -dlj));
      PetscCall(VecCopy(infl, absinfl));
      PetscCall(VecAbs(absinfl));
      idx = p->infl_index + j * k;
      PetscCall(CurioSelectTopK(absinfl, k, idx, p->infl_value + j * k));
      for (PetscInt m = 0; m < k; m++) PetscCall(CurioVecGetEntry(infl, idx[m], p->infl_value + j * k + m));
    }
    PetscCall(VecDestroy(&phi));
    PetscCall(VecDestroy(&etat));
    PetscCall(VecDestroy(&dlt));
    PetscCall(VecDestroy(&e));
    PetscCall(VecDestroy(&a));
    PetscCall(VecDestroy(&infl));
    PetscCall(VecDestroy(&absinfl));
  }
  PetscCall(VecDestroy(&eta));
  PetscCall(VecDestroy(&dl));
  PetscCall(PetscFree(Hinv));
  PetscFunctionReturn(PETSC_SUCCESS);
}

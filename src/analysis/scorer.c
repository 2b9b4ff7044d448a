/* Scoring candidates with a trained fit (MATH.md section 4): what every block of candidates needs is prepared once
   from the fit and the reference set (the STI directions, H^{-1}, the SSI kernels, theta*(s + delta)), then any number
   of candidate blocks (a whole pool, or the chunks of a streamed one) are scored by the score registry's kernels. */
#include "analysisimpl.h"

struct _n_CurioScorer {
  CurioFit   fit;
  PetscBool  comp[CURIO_SCORE_COUNT]; /* the scores computed */
  unsigned   needs;                   /* CurioScoreNeedsOf(comp) */
  PetscBool  ref, gram, hinv;         /* the reference solves, the SSI kernels, H^{-1} */
  PetscReal  delta;                   /* the finite-difference step in s */
  PetscInt   reference_rows;
  PetscBool  setup;
  Vec        ul, uu;         /* Phi_T^T c over the reference set, labeled and unlabeled */
  PetscReal *Al, *Au;        /* Phi_T^T diag(c^2) Phi_T, labeled and unlabeled */
  Vec        vl, vu;         /* H^{-1} ul, H^{-1} uu */
  Vec        theta_s;        /* theta*(s + delta) */
  PetscReal *Hinv, *Ml, *Mu; /* H^{-1} and the SSI kernels H^{-1} A H^{-1} */
};

/*@C
  CurioScorerCreate - a scorer for the scores comp[] (indexed by CurioScoreId) with a solved fit

  Input Parameters:
+ fit              - the fit, solved at s (CurioFitSolve())
. comp             - which scores to compute
. explicit_inverse - whether VAR and SSI may form H^{-1} explicitly (O(d^2) memory, d solves); without it they are NaN
- delta            - the finite-difference step in s of f_shifted and fdot_fd

  Output Parameter:
. scorer - the scorer; add reference sets with CurioScorerAddReference(), then CurioScorerSetUp()
@*/
PetscErrorCode CurioScorerCreate(CurioFit fit, const PetscBool comp[], PetscBool explicit_inverse, PetscReal delta, CurioScorer *scorer)
{
  CurioScorer sc;

  PetscFunctionBegin;
  PetscCall(PetscNew(&sc));
  sc->fit = fit;
  for (PetscInt i = 0; i < CURIO_SCORE_COUNT; i++) sc->comp[i] = comp[i];
  sc->needs = CurioScoreNeedsOf(comp);
  sc->ref   = (PetscBool) !!(sc->needs & CURIO_SCORE_NEEDS_REFERENCE);
  sc->gram  = (PetscBool) (explicit_inverse && (sc->needs & CURIO_SCORE_NEEDS_REF_GRAM));
  sc->hinv  = (PetscBool) (explicit_inverse && (sc->needs & CURIO_SCORE_NEEDS_HINV));
  sc->delta = delta;
  *scorer   = sc;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioScorerDestroy - frees a scorer
@*/
PetscErrorCode CurioScorerDestroy(CurioScorer *scorer)
{
  CurioScorer sc = *scorer;

  PetscFunctionBegin;
  if (!sc) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(VecDestroy(&sc->ul));
  PetscCall(VecDestroy(&sc->uu));
  PetscCall(VecDestroy(&sc->vl));
  PetscCall(VecDestroy(&sc->vu));
  PetscCall(VecDestroy(&sc->theta_s));
  PetscCall(PetscFree2(sc->Al, sc->Au));
  PetscCall(PetscFree3(sc->Hinv, sc->Ml, sc->Mu));
  PetscCall(PetscFree(*scorer));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioScorerNeedsReference - whether the scores need a reference set (STI, SSI)
@*/
PetscErrorCode CurioScorerNeedsReference(CurioScorer sc, PetscBool *needs)
{
  PetscFunctionBegin;
  *needs = (PetscBool) (sc->ref || sc->gram);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* c_l = w l'(eta, y) and c_u = w for the rows of Phi at the fit's optimum */
static PetscErrorCode ReferenceWeights(CurioScorer sc, Mat Phi, const PetscReal y[], const PetscReal w[], Vec cl, Vec cu)
{
  Vec        eta, yv, wv, theta;
  CurioModel model;

  PetscFunctionBegin;
  PetscCall(CurioFitGetModel(sc->fit, &model));
  PetscCall(CurioFitGetSolution(sc->fit, &theta, NULL));
  PetscCall(CurioRowVec(Phi, y, &yv));
  PetscCall(CurioRowVec(Phi, w, &wv));
  PetscCall(VecDuplicate(yv, &eta));
  PetscCall(MatMult(Phi, theta, eta));
  PetscCall(CurioModelLossVectors(model, eta, yv, wv, NULL, cl, NULL));
  PetscCall(VecPointwiseMult(cl, cl, wv));
  PetscCall(VecCopy(wv, cu));
  PetscCall(VecDestroy(&eta));
  PetscCall(VecDestroy(&yv));
  PetscCall(VecDestroy(&wv));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A += Phi^T diag(c^2) Phi (c is overwritten by c^2) */
static PetscErrorCode AddWeightedGram(Mat Phi, Vec c, PetscInt d, PetscReal *A)
{
  PetscReal *G, cmax;

  PetscFunctionBegin;
  PetscCall(VecPointwiseMult(c, c, c));
  PetscCall(VecNorm(c, NORM_INFINITY, &cmax));
  PetscCheck(!PetscIsInfOrNanReal(cmax), PetscObjectComm((PetscObject) Phi), PETSC_ERR_FP,
             "SSI's reference Gram Phi^T diag(c^2) Phi overflows: c = w l'(eta, y), the weighted loss derivatives of the reference rows, "
             "square beyond double precision (labels or weights of about 1e154 or more?); scale the labels and weights, or leave ssi out of "
             "-curio_scores");
  PetscCall(PetscMalloc1(d * d, &G));
  PetscCall(CurioGramCompute(Phi, c, G));
  for (PetscInt k = 0; k < d * d; k++) A[k] += G[k];
  PetscCall(PetscFree(G));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioScorerAddReference - adds a set of rows to the reference set T of STI and SSI: u_l += Phi^T c_l, u_u += Phi^T c_u
  and the SSI kernels' A_l += Phi^T diag(c_l^2) Phi, A_u likewise, with c_l = w l'(eta, y) and c_u = w

  Collective

  Input Parameters:
+ sc  - the scorer
. Phi - the set's design matrix
. n   - its number of rows (all ranks)
. y   - this rank's labels
- w   - this rank's weights (NULL: all ones)
@*/
PetscErrorCode CurioScorerAddReference(CurioScorer sc, Mat Phi, PetscInt n, const PetscReal y[], const PetscReal w[])
{
  Vec      cl, cu, t;
  PetscInt d;

  PetscFunctionBegin;
  if (!(sc->ref || sc->gram)) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCheck(!sc->setup, PetscObjectComm((PetscObject) Phi), PETSC_ERR_ORDER, "Add reference sets before CurioScorerSetUp()");
  PetscCall(MatGetSize(Phi, NULL, &d));
  if (!sc->ul) {
    PetscCall(MatCreateVecs(Phi, &sc->ul, NULL));
    PetscCall(VecDuplicate(sc->ul, &sc->uu));
    PetscCall(VecSet(sc->ul, 0.0));
    PetscCall(VecSet(sc->uu, 0.0));
    if (sc->gram) PetscCall(PetscCalloc2(d * d, &sc->Al, d * d, &sc->Au));
  }
  PetscCall(MatCreateVecs(Phi, &t, &cl));
  PetscCall(VecDuplicate(cl, &cu));
  PetscCall(ReferenceWeights(sc, Phi, y, w, cl, cu));
  PetscCall(MatMultTranspose(Phi, cl, t));
  PetscCall(VecAXPY(sc->ul, 1.0, t));
  PetscCall(MatMultTranspose(Phi, cu, t));
  PetscCall(VecAXPY(sc->uu, 1.0, t));
  if (sc->gram) {
    PetscCall(AddWeightedGram(Phi, cl, d, sc->Al));
    PetscCall(AddWeightedGram(Phi, cu, d, sc->Au));
  }
  sc->reference_rows += n;
  PetscCall(VecDestroy(&cl));
  PetscCall(VecDestroy(&cu));
  PetscCall(VecDestroy(&t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* M = Hinv A Hinv for replicated symmetric d x d matrices (the SSI kernel) */
static PetscErrorCode Sandwich(PetscInt d, const PetscReal *Hinv, const PetscReal *A, PetscReal *M)
{
  PetscReal *T;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(d * d, &T));
  for (PetscInt j = 0; j < d; j++)
    for (PetscInt k = 0; k < d; k++)
      for (PetscInt i = 0; i < d; i++) T[i + j * d] += A[i + k * d] * Hinv[k + j * d];
  PetscCall(PetscArrayzero(M, d * d));
  for (PetscInt j = 0; j < d; j++)
    for (PetscInt k = 0; k < d; k++)
      for (PetscInt i = 0; i < d; i++) M[i + j * d] += Hinv[i + k * d] * T[k + j * d];
  PetscCall(PetscFree(T));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioScorerSetUp - computes what every block of candidates needs, once: the STI directions v = H^{-1} Phi_T^T c, H^{-1}
  (VAR), the SSI kernels H^{-1} A H^{-1}, and theta*(s + delta) for the finite-difference check (the fit is left
  with its Hessian at theta*(s))

  Collective
@*/
PetscErrorCode CurioScorerSetUp(CurioScorer sc)
{
  CurioSolver solver;
  Vec         theta;
  PetscReal   s;
  PetscInt    d;

  PetscFunctionBegin;
  PetscCall(CurioFitGetSolver(sc->fit, &solver));
  PetscCall(CurioFitGetSolution(sc->fit, &theta, NULL));
  PetscCall(CurioFitGetRegularity(sc->fit, &s, NULL));
  PetscCall(VecGetSize(theta, &d));
  if (sc->ref && sc->ul) {
    PetscCall(VecDuplicate(theta, &sc->vl));
    PetscCall(VecDuplicate(theta, &sc->vu));
    PetscCall(CurioSolverSolve(solver, sc->ul, sc->vl));
    PetscCall(CurioSolverSolve(solver, sc->uu, sc->vu));
  }
  if (sc->hinv) {
    PetscCall(PetscCalloc3(d * d, &sc->Hinv, d * d, &sc->Ml, d * d, &sc->Mu));
    PetscCall(CurioSolverGetInverse(solver, sc->Hinv));
    if (sc->Al) {
      PetscCall(Sandwich(d, sc->Hinv, sc->Al, sc->Ml));
      PetscCall(Sandwich(d, sc->Hinv, sc->Au, sc->Mu));
    }
  }
  PetscCall(PetscFree2(sc->Al, sc->Au));
  if (sc->needs & CURIO_SCORE_NEEDS_SHIFTED) {
    /* finite-difference check: re-solve at s + delta (the paper's figure 1 dashed curve), warm-started at theta*(s) */
    PetscCall(VecDuplicate(theta, &sc->theta_s));
    PetscCall(VecCopy(theta, sc->theta_s));
    PetscCall(CurioFitTrain(sc->fit, s + sc->delta, sc->theta_s));
    PetscCall(CurioFitSetCurvatureAt(sc->fit, theta, s)); /* back to the Hessian at theta*(s) */
  }
  sc->setup = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioScorerCompute - the scores of one block of candidates into v[] (Vecs in Phi's row layout, created here; the
  caller destroys them)

  Collective

  Input Parameters:
+ sc     - the scorer, set up
. Phi    - the candidates' design matrix
. y      - this rank's candidate labels, or NULL
- sigma2 - the residual variance estimate (squared loss)

  Output Parameters:
+ v      - CURIO_SCORE_COUNT Vecs, NULL where not computed
. fd_err - max |fdot_fd - fdot| over the block (0 without fdot_fd)
- fd_max - max |fdot| over the block
@*/
PetscErrorCode CurioScorerCompute(CurioScorer sc, Mat Phi, const PetscReal y[], PetscReal sigma2, Vec v[], PetscReal *fd_err, PetscReal *fd_max)
{
  struct _n_CurioScoreBlock blk;
  CurioModel                model;
  PetscReal                 s;

  PetscFunctionBegin;
  PetscCheck(sc->setup, PetscObjectComm((PetscObject) Phi), PETSC_ERR_ORDER, "Call CurioScorerSetUp() before CurioScorerCompute()");
  PetscCall(CurioFitGetModel(sc->fit, &model));
  PetscCall(CurioFitGetRegularity(sc->fit, &s, NULL));
  PetscCall(PetscMemzero(&blk, sizeof(blk)));
  blk.Phi = Phi;
  blk.y   = y;
  PetscCall(CurioModelGetLoss(model, &blk.loss, NULL));
  blk.sigma2 = sigma2;
  blk.delta  = sc->delta;
  PetscCall(CurioFitGetSolution(sc->fit, &blk.theta, &blk.theta_dot));
  blk.theta_s = sc->theta_s;
  blk.vl      = sc->vl;
  blk.vu      = sc->vu;
  blk.Hinv    = sc->Hinv;
  blk.Ml      = sc->Ml;
  blk.Mu      = sc->Mu;
  blk.v       = v;
  PetscCall(CurioScoreBlockCompute(&blk, sc->comp));
  *fd_err = blk.fd_err;
  *fd_max = blk.fd_max;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioScorerGetInfo - the number of reference rows added and what the scores needed (CurioScoreNeeds flags)
@*/
PetscErrorCode CurioScorerGetInfo(CurioScorer sc, PetscInt *reference_rows, unsigned *needs)
{
  PetscFunctionBegin;
  if (reference_rows) *reference_rows = sc->reference_rows;
  if (needs) *needs = sc->needs;
  PetscFunctionReturn(PETSC_SUCCESS);
}

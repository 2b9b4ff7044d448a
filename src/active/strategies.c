/* Query strategies of the active-learning loop, behind one table (CurioALStrategies): each scores every pool row with
   the current model (theta*, theta_dot, the solver's Hessian at theta*), and may choose its batch itself. The score
   kernels are the ones of the fit mode (CurioScoreSquaredDot, CurioScoreQuadraticForm, CurioGramCompute,
   CurioSolverSolve/GetInverse, CurioSelectTopK); MATH.md section 4 gives the formulas. Reference set of STI and SSI:
   T = the labeled set and the unlabeled pool (c = w, the unlabeled variants), never the test set. */
#include "activeimpl.h"
#include <petscblaslapack.h>

/* score_i *= Var(y given x_i) under the model (sigma^2 for squared loss, mu (1 - mu) logistic), MATH.md section 1 */
static PetscErrorCode ScaleByLabelVariance(CurioAL al, Vec score)
{
  const PetscScalar *eta;
  PetscScalar       *s;
  PetscInt           m;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(score, &m));
  PetscCall(VecGetArrayRead(al->eta_pool, &eta));
  PetscCall(VecGetArray(score, &s));
  for (PetscInt i = 0; i < m; i++) {
    PetscReal var;
    PetscCall(CurioModelLabelVariance(al->model, eta[i], al->sigma2, &var));
    s[i] *= var;
  }
  PetscCall(VecRestoreArray(score, &s));
  PetscCall(VecRestoreArrayRead(al->eta_pool, &eta));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The largest non-NaN entry of a distributed score vector and its index, in the order of CurioScoreRanksBefore(): what
   CurioSelectTopK(v, 1, ...) returns, in one pass (the greedy batch selectors pick one point at a time) */
static PetscErrorCode ArgMax(Vec v, PetscInt *index)
{
  MPI_Comm           comm = PetscObjectComm((PetscObject) v);
  const PetscScalar *a;
  PetscInt           lo, hi;
  PetscReal          mine[2] = {PETSC_MIN_REAL, (PetscReal) PETSC_MAX_INT}, *all;
  PetscMPIInt        size;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(v, &lo, &hi));
  PetscCall(VecGetArrayRead(v, &a));
  for (PetscInt i = lo; i < hi; i++)
    if (!PetscIsNanReal(a[i - lo]) && (mine[1] == (PetscReal) PETSC_MAX_INT || CurioScoreRanksBefore(a[i - lo], i, mine[0], (PetscInt64) mine[1]))) {
      mine[0] = a[i - lo];
      mine[1] = (PetscReal) i;
    }
  PetscCall(VecRestoreArrayRead(v, &a));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscMalloc1(2 * size, &all));
  PetscCallMPI(MPI_Allgather(mine, 2, MPIU_REAL, all, 2, MPIU_REAL, comm));
  for (PetscMPIInt r = 1; r < size; r++)
    if (all[2 * r + 1] != (PetscReal) PETSC_MAX_INT &&
        (all[1] == (PetscReal) PETSC_MAX_INT || CurioScoreRanksBefore(all[2 * r], (PetscInt64) all[2 * r + 1], all[0], (PetscInt64) all[1]))) {
      all[0] = all[2 * r];
      all[1] = all[2 * r + 1];
    }
  PetscCheck(all[1] != (PetscReal) PETSC_MAX_INT, comm, PETSC_ERR_ARG_OUTOFRANGE, "No unlabeled pool point is left to select");
  *index = (PetscInt) all[1];
  PetscCall(PetscFree(all));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* sld: expected SLD, Var(y given x) fdot(x)^2 with fdot = phi . theta_dot (eqs. 66-67): one dot product per candidate */
static PetscErrorCode ScoreSLD(CurioAL al, Vec score)
{
  PetscFunctionBegin;
  PetscCall(CurioScoreSquaredDot(al->PhiPool, al->theta_dot, NULL, score));
  PetscCall(ScaleByLabelVariance(al, score));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The unlabeled pool's coefficients c in the reference set T of STI and SSI (docs/math.md section 4): the candidate's
   weight w, 0 once labeled (it is then in the fit's rows with its weight); with power 2, w^2 (SSI's c^2). Created here. */
static PetscErrorCode UnlabeledCoefficients(CurioAL al, PetscInt power, Vec *c)
{
  PetscScalar *a;
  PetscInt     lo, hi;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(al->unlabeled, c));
  PetscCall(VecCopy(al->unlabeled, *c));
  if (al->pool_w) {
    PetscCall(VecGetOwnershipRange(*c, &lo, &hi));
    PetscCall(VecGetArray(*c, &a));
    for (PetscInt i = lo; i < hi; i++) a[i - lo] *= PetscPowRealInt(al->pool_w[i], power);
    PetscCall(VecRestoreArray(*c, &a));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* sti: unlabeled STI (phi . v)^2, v = H^{-1} (Phi_L^T w_L + Phi_U^T w_U) (eqs. 55, 57-59): one solve, one dot product each */
static PetscErrorCode ScoreSTI(CurioAL al, Vec score)
{
  Mat Phi;
  Vec w, u, t, v, cu;

  PetscFunctionBegin;
  PetscCall(CurioFitGetDesign(al->fit, &Phi));
  PetscCall(CurioFitGetWeights(al->fit, &w));
  PetscCall(VecDuplicate(al->theta, &u));
  PetscCall(VecDuplicate(al->theta, &t));
  PetscCall(VecDuplicate(al->theta, &v));
  PetscCall(UnlabeledCoefficients(al, 1, &cu));
  PetscCall(MatMultTranspose(Phi, w, u));
  PetscCall(MatMultTranspose(al->PhiPool, cu, t));
  PetscCall(VecAXPY(u, 1.0, t));
  PetscCall(CurioSolverSolve(al->solver, u, v));
  PetscCall(CurioScoreSquaredDot(al->PhiPool, v, NULL, score));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&t));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&cu));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* C = A B for replicated d x d column-major matrices */
static PetscErrorCode DenseMatMult(PetscInt d, const PetscReal *A, const PetscReal *B, PetscReal *C)
{
  PetscBLASInt bd;
  PetscReal    one = 1.0, zero = 0.0;

  PetscFunctionBegin;
  PetscCall(PetscBLASIntCast(d, &bd));
  PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bd, &bd, &bd, &one, A, &bd, B, &bd, &zero, C, &bd));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ssi: unlabeled SSI phi^T H^{-1} A H^{-1} phi, A = Phi_T^T diag(c^2) Phi_T over T = labeled + unlabeled pool (eq. 56):
   H^{-1} (d solves), two Grams, then a quadratic form, O(d^2), per candidate */
static PetscErrorCode ScoreSSI(CurioAL al, Vec score)
{
  PetscInt   d = al->d;
  PetscReal *Hinv, *A, *G, *T;
  Mat        Phi;
  Vec        w, w2, cu2;

  PetscFunctionBegin;
  PetscCall(CurioFitGetDesign(al->fit, &Phi));
  PetscCall(CurioFitGetWeights(al->fit, &w));
  PetscCall(PetscMalloc4(d * d, &Hinv, d * d, &A, d * d, &G, d * d, &T));
  PetscCall(VecDuplicate(w, &w2));
  PetscCall(VecPointwiseMult(w2, w, w));
  PetscCall(CurioGramCompute(Phi, w2, A));
  PetscCall(UnlabeledCoefficients(al, 2, &cu2));
  PetscCall(CurioGramCompute(al->PhiPool, cu2, G));
  PetscCall(VecDestroy(&cu2));
  for (PetscInt k = 0; k < d * d; k++) A[k] += G[k];
  PetscCall(CurioSolverGetInverse(al->solver, Hinv));
  PetscCall(DenseMatMult(d, A, Hinv, T));
  PetscCall(DenseMatMult(d, Hinv, T, G));
  PetscCall(CurioDenseSymmetrize(d, G));
  PetscCall(CurioScoreQuadraticForm(al->PhiPool, G, score));
  PetscCall(VecDestroy(&w2));
  PetscCall(PetscFree4(Hinv, A, G, T));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* var: predictive variance phi^T H^{-1} phi: H^{-1} (d solves), then O(d^2) per candidate */
static PetscErrorCode ScoreVAR(CurioAL al, Vec score)
{
  PetscReal *Hinv;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(al->d * al->d, &Hinv));
  PetscCall(CurioSolverGetInverse(al->solver, Hinv));
  PetscCall(CurioScoreQuadraticForm(al->PhiPool, Hinv, score));
  PetscCall(PetscFree(Hinv));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* random: a uniform deviate per pool point from the counter-based RNG, stream = this row of the curve, so the choice
   is the same for any rank count and after a restart */
static PetscErrorCode ScoreRandom(CurioAL al, Vec score)
{
  PetscScalar *s;
  PetscInt     lo, hi;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(score, &lo, &hi));
  PetscCall(VecGetArrayWrite(score, &s));
  for (PetscInt i = lo; i < hi; i++) s[i - lo] = CurioRandomUniform(al->seed, CURIO_AL_STREAM_RANDOM + al->nrows, i);
  PetscCall(VecRestoreArrayWrite(score, &s));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* gsx: the distance of each pool point to the labeled set in input space (kept up to date as points are labeled) */
static PetscErrorCode ScoreGSX(CurioAL al, Vec score)
{
  PetscScalar *s;
  PetscInt     m;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(score, &m));
  PetscCall(VecGetArrayWrite(score, &s));
  for (PetscInt i = 0; i < m; i++) s[i] = al->mindist ? al->mindist[i] : PETSC_MAX_REAL;
  PetscCall(VecRestoreArrayWrite(score, &s));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A greedy batch in input space (gsx, igs): each pick is the largest working score (the strategy's scores to start
   with), then update() marks the pick NaN and lowers the working scores of this rank's pool rows [lo, hi) given the
   pick's input row x */
typedef PetscErrorCode (*GreedyUpdate)(CurioAL, PetscInt pick, const PetscReal x[], PetscInt lo, PetscInt hi, PetscScalar w[]);

static PetscErrorCode SelectGreedy(CurioAL al, Vec score, PetscInt k, PetscInt idx[], GreedyUpdate update)
{
  Vec        work;
  PetscReal *x;
  PetscInt   lo, hi;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(score, &work));
  PetscCall(VecCopy(score, work));
  PetscCall(VecGetOwnershipRange(work, &lo, &hi));
  PetscCall(PetscMalloc1(al->dim, &x));
  for (PetscInt t = 0; t < k; t++) {
    PetscScalar *w;
    PetscCall(ArgMax(work, &idx[t]));
    if (t + 1 == k) break;
    PetscCall(CurioALPoolRow(al, idx[t], x));
    PetscCall(VecGetArray(work, &w));
    PetscCall(update(al, idx[t], x, lo, hi, w));
    PetscCall(VecRestoreArray(work, &w));
  }
  PetscCall(PetscFree(x));
  PetscCall(VecDestroy(&work));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* gsx: a pool row's distance to the labeled set and the batch's picks so far is lowered to its distance to the pick */
static PetscErrorCode GSXUpdate(CurioAL al, PetscInt pick, const PetscReal x[], PetscInt lo, PetscInt hi, PetscScalar w[])
{
  PetscFunctionBegin;
  if (pick >= lo && pick < hi) w[pick - lo] = (PetscReal) NAN;
  for (PetscInt i = lo; i < hi; i++) {
    const PetscReal *xi = al->pool.X + (i - lo) * al->dim;
    PetscReal        s  = 0;
    if (PetscIsNanReal(w[i - lo])) continue;
    for (PetscInt j = 0; j < al->dim; j++) s += (xi[j] - x[j]) * (xi[j] - x[j]);
    s = PetscSqrtReal(s);
    if (s < w[i - lo]) w[i - lo] = s;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* gsx batch (Wu, Lin and Huang 2019, greedy sampling on the inputs): one point at a time, the unlabeled point farthest
   from the labeled set and the points already picked for this batch */
static PetscErrorCode SelectGSX(CurioAL al, Vec score, PetscInt k, PetscInt idx[])
{
  PetscFunctionBegin;
  PetscCall(SelectGreedy(al, score, k, idx, GSXUpdate));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Solves A X = B in place for a replicated symmetric positive definite d x d A (column-major, overwritten by its
   Cholesky factor) and nrhs right-hand sides; the error names what was being solved */
static PetscErrorCode DenseSPDSolve(MPI_Comm comm, PetscInt d, PetscReal *A, PetscInt nrhs, PetscReal *B, const char what[])
{
  PetscBLASInt bd, bn, info;

  PetscFunctionBegin;
  PetscCall(PetscBLASIntCast(d, &bd));
  PetscCall(PetscBLASIntCast(nrhs, &bn));
  PetscCallBLAS("LAPACKpotrf", LAPACKpotrf_("L", &bd, A, &bd, &info));
  PetscCheck(info == 0, comm, PETSC_ERR_MAT_CH_ZRPVT, "%s: the d x d matrix is not positive definite (Cholesky pivot %d); raise s", what, (int) info);
  PetscCallBLAS("LAPACKpotrs", LAPACKpotrs_("L", &bd, &bn, A, &bd, B, &bd, &info));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The penalty's diagonal s m_j and centre c_j of the current round's model, replicated */
static PetscErrorCode PenaltyReplicated(CurioAL al, PetscReal *sm, PetscReal *c)
{
  Vec mask, center;

  PetscFunctionBegin;
  PetscCall(CurioFitGetRegularizer(al->fit, &mask, &center));
  PetscCall(CurioVecGatherAll(mask, sm));
  PetscCall(CurioVecGatherAll(center, c));
  for (PetscInt j = 0; j < al->d; j++) sm[j] *= al->s;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* leverage: ridge leverage-score sampling (Alaoui and Mahoney 2015; algorithmic leveraging, Ma, Mahoney and Yu 2015).
   The hat value of pool point i in the regularized design of the whole pool, h_i = phi_i^T (Phi_P^T Phi_P + s M)^{-1}
   phi_i (labels not used), and a batch drawn without replacement with probabilities proportional to h_i by
   Efraimidis-Spirakis keys: score_i = log(u_i) / h_i, u_i the counter-based deviate of (seed, stream
   CURIO_AL_STREAM_LEVERAGE + row, i); the top k keys are the sample. */
static PetscErrorCode ScoreLeverage(CurioAL al, Vec score)
{
  PetscInt     d = al->d, lo, hi;
  PetscReal   *G, *Ginv, *sm, *c;
  PetscScalar *a;
  Vec          ones;

  PetscFunctionBegin;
  PetscCall(PetscMalloc4(d * d, &G, d * d, &Ginv, d, &sm, d, &c));
  PetscCall(VecDuplicate(al->eta_pool, &ones));
  PetscCall(VecSet(ones, 1.0));
  PetscCall(CurioGramCompute(al->PhiPool, ones, G));
  PetscCall(PenaltyReplicated(al, sm, c));
  for (PetscInt j = 0; j < d; j++) G[j + j * d] += sm[j];
  PetscCall(PetscArrayzero(Ginv, d * d));
  for (PetscInt j = 0; j < d; j++) Ginv[j + j * d] = 1.0;
  PetscCall(DenseSPDSolve(al->comm, d, G, d, Ginv, "leverage scores of the pool"));
  PetscCall(CurioDenseSymmetrize(d, Ginv));
  PetscCall(CurioScoreQuadraticForm(al->PhiPool, Ginv, score));
  PetscCall(VecGetOwnershipRange(score, &lo, &hi));
  PetscCall(VecGetArray(score, &a));
  for (PetscInt i = lo; i < hi; i++) a[i - lo] = PetscLogReal(CurioRandomUniform(al->seed, CURIO_AL_STREAM_LEVERAGE + al->nrows, i)) / a[i - lo];
  PetscCall(VecRestoreArray(score, &a));
  PetscCall(VecDestroy(&ones));
  PetscCall(PetscFree4(G, Ginv, sm, c));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The labeled set's design (nlab x d, column-major, replicated) */
static PetscErrorCode LabeledDesign(CurioAL al, PetscReal *A)
{
  PetscFunctionBegin;
  if (al->features == CURIO_FEATURES_POLYNOMIAL)
    for (PetscInt i = 0; i < al->nlab; i++) PetscCall(CurioModelPolynomialRow(al->model, al->lab_X[i], al->nlab, A + i));
  else PetscCall(CurioModelFillDesignRows(al->model, 0, al->nlab, al->lab_X, al->nlab, A));
  PetscFunctionReturn(PETSC_SUCCESS);
}

#define CURIO_EMCM_MEMBERS 4

/* One bootstrap member of emcm: rows t_j = floor(u(seed, CURIO_AL_STREAM_BOOTSTRAP + 64 row + z, j) nlab), j < nlab,
   and Newton's method from the round's theta* on sum_j w l(phi_j . theta, y_j) + 1/2 sum s m (theta - c)^2 (one step is
   exact for squared loss), to |step| <= 1e-12 (1 + |theta|) or 50 steps */
static PetscErrorCode BootstrapFit(CurioAL al, const PetscReal *A, PetscInt z, const PetscReal *sm, const PetscReal *c, PetscReal *theta)
{
  PetscInt   d = al->d, n = al->nlab, *t;
  PetscReal *H, *g;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(n, &t, d * d, &H, d, &g));
  for (PetscInt j = 0; j < n; j++) {
    t[j] = (PetscInt) PetscFloorReal(CurioRandomUniform(al->seed, CURIO_AL_STREAM_BOOTSTRAP + 64 * al->nrows + z, j) * n);
    if (t[j] >= n) t[j] = n - 1;
  }
  PetscCall(PetscArraycpy(theta, al->theta_full, d));
  for (PetscInt it = 0; it < 50; it++) {
    PetscReal nstep = 0, nth = 0;
    PetscCall(PetscArrayzero(H, d * d));
    for (PetscInt k = 0; k < d; k++) {
      g[k]         = sm[k] * (theta[k] - c[k]);
      H[k + k * d] = sm[k];
    }
    for (PetscInt j = 0; j < n; j++) {
      PetscInt  r   = t[j];
      PetscReal eta = 0, dl, d2l, w = al->lab_w[r];
      for (PetscInt k = 0; k < d; k++) eta += A[r + k * n] * theta[k];
      PetscCall(CurioLossEvaluate(al->loss, eta, al->lab_y[r], NULL, &dl, &d2l));
      for (PetscInt k = 0; k < d; k++) {
        g[k] += w * dl * A[r + k * n];
        for (PetscInt l = 0; l <= k; l++) H[l + k * d] += w * d2l * A[r + k * n] * A[r + l * n];
      }
    }
    for (PetscInt k = 0; k < d; k++)
      for (PetscInt l = 0; l < k; l++) H[k + l * d] = H[l + k * d];
    PetscCall(DenseSPDSolve(al->comm, d, H, 1, g, "emcm: a bootstrap model's Newton step"));
    for (PetscInt k = 0; k < d; k++) {
      theta[k] -= g[k];
      nstep += g[k] * g[k];
      nth += theta[k] * theta[k];
    }
    if (CurioLossTable[al->loss].quadratic || PetscSqrtReal(nstep) <= 1e-12 * (1 + PetscSqrtReal(nth))) break;
  }
  PetscCall(PetscFree3(t, H, g));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* emcm: expected model change maximization (Cai, Zhang and Zhou 2013). Adding (x, y) changes theta by a gradient step
   proportional to l'(eta, y) phi = (h(eta) - y) phi (canonical links); the unknown y is replaced by the predictions
   of Z = 4 bootstrap models of the labeled set (same s and loss; every parameter penalized), so
     score(x) = |phi| (1/Z) sum_z |h(phi . theta*) - h(phi . theta_z)|.
   The bootstrap rows come from the counter-based RNG, the same at any rank count. Cost: Z fits on the labeled set
   (replicated d x d) and Z pool products per round. */
static PetscErrorCode ScoreEMCM(CurioAL al, Vec score)
{
  PetscInt           d = al->d, m, lo, hi;
  PetscReal         *A, *th, *sm, *c, *norm;
  const PetscScalar *eta, *ez;
  PetscScalar       *a;
  Vec                tz, etaz;

  PetscFunctionBegin;
  PetscCall(PetscMalloc4(al->nlab * d, &A, d, &th, d, &sm, d, &c));
  PetscCall(LabeledDesign(al, A));
  PetscCall(PenaltyReplicated(al, sm, c));
  /* a member penalizes every parameter: an unpenalized intercept has no finite optimum on a resample of one class */
  for (PetscInt j = 0; j < d; j++)
    if (sm[j] == 0) sm[j] = al->s;
  PetscCall(VecGetOwnershipRange(score, &lo, &hi));
  m = hi - lo;
  PetscCall(PetscMalloc1(PetscMax(m, 1), &norm));
  { /* |phi_i| of this rank's pool rows */
    const PetscReal *P;
    PetscInt         mm, N, lda;
    PetscCall(CurioMatGetLocalArrayRead(al->PhiPool, &P, &mm, &N, &lda));
    for (PetscInt i = 0; i < m; i++) {
      PetscReal q = 0;
      for (PetscInt j = 0; j < N; j++) q += P[i + j * lda] * P[i + j * lda];
      norm[i] = PetscSqrtReal(q);
    }
    PetscCall(CurioMatRestoreLocalArrayRead(al->PhiPool, &P));
  }
  PetscCall(VecSet(score, 0.0));
  PetscCall(VecDuplicate(al->theta, &tz));
  PetscCall(VecDuplicate(al->eta_pool, &etaz));
  for (PetscInt z = 0; z < CURIO_EMCM_MEMBERS; z++) {
    PetscCall(BootstrapFit(al, A, z, sm, c, th));
    PetscCall(CurioVecSetFromReplicated(tz, th));
    PetscCall(MatMult(al->PhiPool, tz, etaz));
    PetscCall(VecGetArrayRead(al->eta_pool, &eta));
    PetscCall(VecGetArrayRead(etaz, &ez));
    PetscCall(VecGetArray(score, &a));
    for (PetscInt i = 0; i < m; i++) a[i] += PetscAbsReal(CurioLossTable[al->loss].mean(eta[i]) - CurioLossTable[al->loss].mean(ez[i]));
    PetscCall(VecRestoreArray(score, &a));
    PetscCall(VecRestoreArrayRead(etaz, &ez));
    PetscCall(VecRestoreArrayRead(al->eta_pool, &eta));
  }
  PetscCall(VecGetArray(score, &a));
  for (PetscInt i = 0; i < m; i++) a[i] = norm[i] * a[i] / CURIO_EMCM_MEMBERS;
  PetscCall(VecRestoreArray(score, &a));
  PetscCall(VecDestroy(&tz));
  PetscCall(VecDestroy(&etaz));
  PetscCall(PetscFree(norm));
  PetscCall(PetscFree4(A, th, sm, c));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* igs: improved greedy sampling on inputs and outputs (Wu, Lin and Huang 2019):
     score(x) = min over the labeled set of |x - x_m| |h(phi(x) . theta*) - y_m|
   (Euclidean distance in input space, h the mean response). A batch is picked one point at a time; a pick enters the
   reference set with its prediction as label (its label is unknown within the round). */
static PetscErrorCode IGSUpdate(CurioAL al, const PetscReal x[], PetscReal ym, PetscScalar w[])
{
  const PetscScalar *eta;
  PetscInt           m;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(al->eta_pool, &m));
  PetscCall(VecGetArrayRead(al->eta_pool, &eta));
  for (PetscInt i = 0; i < m; i++) {
    const PetscReal *xi = al->pool.X + i * al->dim;
    PetscReal        s  = 0, v;
    if (PetscIsNanReal(w[i])) continue;
    for (PetscInt j = 0; j < al->dim; j++) s += (xi[j] - x[j]) * (xi[j] - x[j]);
    v = PetscSqrtReal(s) * PetscAbsReal(CurioLossTable[al->loss].mean(eta[i]) - ym);
    if (v < w[i]) w[i] = v;
  }
  PetscCall(VecRestoreArrayRead(al->eta_pool, &eta));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ScoreIGS(CurioAL al, Vec score)
{
  PetscScalar *w;

  PetscFunctionBegin;
  PetscCall(VecSet(score, PETSC_MAX_REAL));
  PetscCall(VecGetArray(score, &w));
  for (PetscInt l = 0; l < al->nlab; l++) PetscCall(IGSUpdate(al, al->lab_X + l * al->dim, al->lab_y[l], w));
  PetscCall(VecRestoreArray(score, &w));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* igs: a pick enters the reference set with its prediction as label */
static PetscErrorCode IGSPickUpdate(CurioAL al, PetscInt pick, const PetscReal x[], PetscInt lo, PetscInt hi, PetscScalar w[])
{
  PetscReal etaj;

  PetscFunctionBegin;
  PetscCall(CurioVecGetEntry(al->eta_pool, pick, &etaj));
  if (pick >= lo && pick < hi) w[pick - lo] = (PetscReal) NAN;
  PetscCall(IGSUpdate(al, x, CurioLossTable[al->loss].mean(etaj), w));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SelectIGS(CurioAL al, Vec score, PetscInt k, PetscInt idx[])
{
  PetscFunctionBegin;
  PetscCall(SelectGreedy(al, score, k, idx, IGSPickUpdate));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* maxdet: greedy maximum determinant of the posterior precision, the batch-aware variance method (BAIT-like; MaxDet
   with a linear kernel in Holzmueller, Zaverkin, Kaestner and Steinwart 2023). log det(H + c phi phi^T) =
   log det H + log(1 + c phi^T H^{-1} phi), so each pick maximizes the curvature-weighted predictive variance
   v_i = c_i phi_i^T H_t^{-1} phi_i (c_i = w l''(eta_i), 1 for squared loss) under the precision H_t that already holds
   the batch's earlier picks (labels unknown, theta held at theta*). By Sherman-Morrison with a_t = H_t^{-1} phi_j and
   beta_t = c_j / (1 + c_j phi_j . a_t): v_i <- v_i - c_i beta_t (phi_i . a_t)^2, one solve and one pool product per
   pick. With k = 1 it is var weighted by the curvature. */
static PetscErrorCode ScoreMaxDet(CurioAL al, Vec score)
{
  PetscReal         *Hinv;
  const PetscScalar *eta;
  PetscScalar       *a;
  PetscInt           m;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(al->d * al->d, &Hinv));
  PetscCall(CurioSolverGetInverse(al->solver, Hinv));
  PetscCall(CurioScoreQuadraticForm(al->PhiPool, Hinv, score));
  PetscCall(PetscFree(Hinv));
  PetscCall(VecGetLocalSize(score, &m));
  PetscCall(VecGetArrayRead(al->eta_pool, &eta));
  PetscCall(VecGetArray(score, &a));
  for (PetscInt i = 0; i < m; i++) {
    PetscReal c;
    PetscCall(CurioLossEvaluate(al->loss, eta[i], 0.0, NULL, NULL, &c));
    a[i] *= c * (al->pool_w ? al->pool_w[al->pool.rstart + i] : 1.0);
  }
  PetscCall(VecRestoreArray(score, &a));
  PetscCall(VecRestoreArrayRead(al->eta_pool, &eta));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SelectMaxDet(CurioAL al, Vec score, PetscInt k, PetscInt idx[])
{
  Vec                work, phiv, pa, *av;
  PetscReal         *beta, *phi, *cw;
  PetscInt           lo, hi;
  const PetscScalar *eta;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(score, &lo, &hi));
  PetscCall(VecDuplicate(score, &work));
  PetscCall(VecCopy(score, work));
  PetscCall(VecDuplicate(score, &pa));
  PetscCall(VecDuplicate(al->theta, &phiv));
  PetscCall(VecDuplicateVecs(al->theta, k, &av));
  PetscCall(PetscMalloc3(k, &beta, al->d, &phi, PetscMax(hi - lo, 1), &cw));
  PetscCall(VecGetArrayRead(al->eta_pool, &eta));
  for (PetscInt i = 0; i < hi - lo; i++) {
    PetscCall(CurioLossEvaluate(al->loss, eta[i], 0.0, NULL, NULL, &cw[i]));
    cw[i] *= al->pool_w ? al->pool_w[lo + i] : 1.0;
  }
  PetscCall(VecRestoreArrayRead(al->eta_pool, &eta));
  for (PetscInt t = 0; t < k; t++) {
    PetscReal          q, cj = 0, etaj;
    PetscScalar       *w;
    const PetscScalar *f;
    PetscCall(ArgMax(work, &idx[t]));
    if (t + 1 == k) break;
    PetscCall(CurioALDesignRow(al, idx[t], phi));
    PetscCall(CurioVecSetFromReplicated(phiv, phi));
    PetscCall(CurioSolverSolve(al->solver, phiv, av[t]));
    for (PetscInt l = 0; l < t; l++) {
      PetscReal ap;
      PetscCall(VecDot(av[l], phiv, &ap));
      PetscCall(VecAXPY(av[t], -beta[l] * ap, av[l]));
    }
    PetscCall(VecDot(phiv, av[t], &q));
    PetscCall(CurioVecGetEntry(al->eta_pool, idx[t], &etaj));
    PetscCall(CurioLossEvaluate(al->loss, etaj, 0.0, NULL, NULL, &cj));
    cj *= al->pool_w ? al->pool_w[idx[t]] : 1.0;
    beta[t] = cj / (1.0 + cj * q);
    PetscCall(MatMult(al->PhiPool, av[t], pa));
    PetscCall(VecGetArrayRead(pa, &f));
    PetscCall(VecGetArray(work, &w));
    for (PetscInt i = 0; i < hi - lo; i++)
      if (!PetscIsNanReal(w[i])) w[i] -= cw[i] * beta[t] * f[i] * f[i];
    if (idx[t] >= lo && idx[t] < hi) w[idx[t] - lo] = (PetscReal) NAN;
    PetscCall(VecRestoreArray(work, &w));
    PetscCall(VecRestoreArrayRead(pa, &f));
  }
  PetscCall(PetscFree3(beta, phi, cw));
  PetscCall(VecDestroyVecs(k, &av));
  PetscCall(VecDestroy(&phiv));
  PetscCall(VecDestroy(&pa));
  PetscCall(VecDestroy(&work));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* sld_var: the paper's open question 3, a combination of the tangent heuristic with the classic one, the weighted
   geometric mean of expected SLD and the curvature-weighted predictive variance,
     score = alpha log(Var(y given x) fdot^2) + (1 - alpha) log(c phi^T H^{-1} phi)     (alpha = -curio_al_mix_alpha),
   the same ranking as SLD^alpha VAR^(1 - alpha): it does not depend on the units of either score (a factor such as
   sigma^2 shifts a log by a constant), so no normalization over the pool is needed and alpha is the only parameter.
   alpha = 1 is sld, alpha = 0 is var weighted by the curvature. A zero SLD (fdot = 0) gives -inf: last. alpha was
   chosen on a tuning group of data sets and evaluated on others (README, "Active-learning results"). */
static PetscErrorCode ScoreSLDVar(CurioAL al, Vec score)
{
  Vec                v;
  const PetscScalar *b;
  PetscScalar       *a;
  PetscInt           m;
  PetscReal          alpha = al->mix_alpha;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(score, &v));
  PetscCall(ScoreSLD(al, score));
  PetscCall(ScoreMaxDet(al, v));
  PetscCall(VecGetLocalSize(score, &m));
  PetscCall(VecGetArray(score, &a));
  PetscCall(VecGetArrayRead(v, &b));
  for (PetscInt i = 0; i < m; i++) {
    PetscReal ls = a[i] > 0 ? PetscLogReal(a[i]) : PETSC_NINFINITY, lv = b[i] > 0 ? PetscLogReal(b[i]) : PETSC_NINFINITY;
    a[i] = (alpha > 0 ? alpha * ls : 0) + (alpha < 1 ? (1 - alpha) * lv : 0);
  }
  PetscCall(VecRestoreArrayRead(v, &b));
  PetscCall(VecRestoreArray(score, &a));
  PetscCall(VecDestroy(&v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* sld_batch: greedy expected SLD that accounts, within the batch, for the information each pick brings.
   After picking x_j (label unknown, theta held at theta*), the Hessian gains its curvature term,
   H' = H + c_j phi_j phi_j^T with c_j = w l''(eta_j) (1 for squared loss), and the tangent becomes
   theta_dot' = -H'^{-1} g. By Sherman-Morrison, with a_j = H^{-1} phi_j and beta_j = c_j / (1 + c_j phi_j . a_j),
     H'^{-1} b = H^{-1} b - beta_j a_j (a_j . b),   theta_dot' = theta_dot - beta_j (phi_j . theta_dot) a_j.
   The rank-one corrections of the earlier picks are kept as the pairs (a_l, beta_l), so each pick costs one solve with
   the round's factor (or CG), O(t d) for the corrections and one product Phi_pool theta_dot' (O(m d)) to rescore the
   pool: no d x d inverse is formed. The next pick maximizes Var(y given x) (phi . theta_dot')^2 over the points not
   yet picked: a point whose tangent the earlier picks already explain scores lower, so the batch spreads out. With
   k = 1 it is sld. */
static PetscErrorCode SelectSLDBatch(CurioAL al, Vec score, PetscInt k, PetscInt idx[])
{
  Vec                td, fd, work, phiv, *a;
  PetscReal         *beta, *phi, *var;
  PetscInt           lo, hi;
  const PetscScalar *eta, *unl;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(score, &lo, &hi));
  PetscCall(VecDuplicate(al->theta_dot, &td));
  PetscCall(VecCopy(al->theta_dot, td));
  PetscCall(VecDuplicate(al->theta, &phiv));
  PetscCall(VecDuplicate(score, &fd));
  PetscCall(VecDuplicate(score, &work));
  PetscCall(VecDuplicateVecs(al->theta, k, &a));
  PetscCall(PetscMalloc3(k, &beta, al->d, &phi, PetscMax(hi - lo, 1), &var));
  PetscCall(VecGetArrayRead(al->eta_pool, &eta));
  for (PetscInt i = 0; i < hi - lo; i++) PetscCall(CurioModelLabelVariance(al->model, eta[i], al->sigma2, &var[i]));
  PetscCall(VecRestoreArrayRead(al->eta_pool, &eta));
  for (PetscInt t = 0; t < k; t++) {
    PetscScalar       *w;
    const PetscScalar *f;
    PetscReal          pa, fdj, c, etaj;
    PetscCall(MatMult(al->PhiPool, td, fd));
    PetscCall(VecGetArrayRead(fd, &f));
    PetscCall(VecGetArrayRead(al->unlabeled, &unl));
    PetscCall(VecGetArrayWrite(work, &w));
    for (PetscInt i = 0; i < hi - lo; i++) w[i] = unl[i] > 0 ? var[i] * f[i] * f[i] : (PetscReal) NAN;
    for (PetscInt l = 0; l < t; l++)
      if (idx[l] >= lo && idx[l] < hi) w[idx[l] - lo] = (PetscReal) NAN;
    PetscCall(VecRestoreArrayWrite(work, &w));
    PetscCall(VecRestoreArrayRead(al->unlabeled, &unl));
    PetscCall(VecRestoreArrayRead(fd, &f));
    PetscCall(ArgMax(work, &idx[t]));
    PetscCall(CurioALDesignRow(al, idx[t], phi));
    PetscCall(CurioVecSetFromReplicated(phiv, phi));
    PetscCall(CurioSolverSolve(al->solver, phiv, a[t]));
    for (PetscInt l = 0; l < t; l++) {
      PetscReal ap;
      PetscCall(VecDot(a[l], phiv, &ap));
      PetscCall(VecAXPY(a[t], -beta[l] * ap, a[l]));
    }
    PetscCall(VecDot(phiv, a[t], &pa));
    PetscCall(VecDot(phiv, td, &fdj));
    PetscCall(CurioVecGetEntry(al->eta_pool, idx[t], &etaj));
    PetscCall(CurioLossEvaluate(al->loss, etaj, 0.0, NULL, NULL, &c));
    c *= al->pool_w ? al->pool_w[idx[t]] : 1.0; /* the pick enters H with its weight, as in maxdet */
    beta[t] = c / (1.0 + c * pa);
    PetscCall(VecAXPY(td, -beta[t] * fdj, a[t]));
  }
  PetscCall(PetscFree3(beta, phi, var));
  PetscCall(VecDestroyVecs(k, &a));
  PetscCall(VecDestroy(&td));
  PetscCall(VecDestroy(&phiv));
  PetscCall(VecDestroy(&fd));
  PetscCall(VecDestroy(&work));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* oracle_greedy (harness check, not a strategy: it reads every oracle label and the test labels): greedy on the true
   test error. For a candidate x with its true label y, phi = phi(x), eta = phi . theta, g = l'(eta, y), c = l''(eta, y)
   (1 and the residual for squared loss), u = H^{-1} phi and q = phi . u, adding (x, y) with weight 1 gives
     theta' = theta - u g / (1 + c q),   f_test' = f_test - (P phi) g / (1 + c q),   P = Phi_test H^{-1},
   by Sherman-Morrison on H' = H + c phi phi^T: the exact refit for squared loss (the objective stays quadratic), one
   Newton step from theta* for logistic loss. The candidate's score is minus the test error at theta' (RMSE, or mean
   log-loss). A batch is picked one point at a time, the best score first; after each pick H^{-1}, P, theta and f_test
   take its rank-one update, so the next pick is scored against the model that already holds the earlier ones.
   Distribution: the pool rows stay distributed and each rank scores its own; H^{-1} (d x d, CurioSolverGetInverse),
   Phi_test and P (n_test x d), theta and f_test are replicated (test sets are small), updated by the same operations
   in the same order on every rank, so the choice does not depend on the rank count. Cost per pick: O(n_test d) per
   candidate, O(d^2 + n_test d) for the update. */
typedef struct {
  PetscInt   d, nt;
  PetscReal *Hinv;   /* d x d, column-major (symmetric) */
  PetscReal *PhiT;   /* n_test x d, row-major */
  PetscReal *P;      /* n_test x d, row-major: Phi_test H^{-1} */
  PetscReal *theta;  /* d */
  PetscReal *f, *y;  /* test predictions and labels, n_test */
  PetscReal *u, *Pu; /* work: d, n_test */
} OracleState;

static PetscErrorCode OracleSetUp(CurioAL al, OracleState *st)
{
  const PetscReal *a;
  PetscInt         d = al->d, nt = al->test.n, m, N, lda, lo, hi;

  PetscFunctionBegin;
  PetscCall(CurioALReadAllLabels(al));
  st->d  = d;
  st->nt = nt;
  PetscCall(PetscMalloc4(d * d, &st->Hinv, nt * d, &st->PhiT, nt * d, &st->P, d, &st->theta));
  PetscCall(PetscMalloc4(nt, &st->f, nt, &st->y, d, &st->u, nt, &st->Pu));
  PetscCall(CurioSolverGetInverse(al->solver, st->Hinv));
  PetscCall(PetscArraycpy(st->theta, al->theta_full, d));
  PetscCall(CurioVecGatherAll(al->ytest, st->y));
  /* Phi_test on every rank: each rank contributes its rows to a sum (exact: the others add zeros) */
  PetscCall(PetscArrayzero(st->PhiT, nt * d));
  PetscCall(MatGetOwnershipRange(al->PhiTest, &lo, &hi));
  PetscCall(CurioMatGetLocalArrayRead(al->PhiTest, &a, &m, &N, &lda));
  for (PetscInt i = 0; i < m; i++)
    for (PetscInt j = 0; j < N; j++) st->PhiT[(lo + i) * d + j] = a[i + j * lda];
  PetscCall(CurioMatRestoreLocalArrayRead(al->PhiTest, &a));
  PetscCall(CurioAllreduceSum(al->comm, st->PhiT, (PetscInt64) nt * d));
  for (PetscInt i = 0; i < nt; i++) {
    const PetscReal *x  = st->PhiT + i * d;
    PetscReal        fi = 0;
    for (PetscInt j = 0; j < d; j++) fi += x[j] * st->theta[j];
    st->f[i] = fi;
    for (PetscInt k = 0; k < d; k++) {
      PetscReal pk = 0;
      for (PetscInt j = 0; j < d; j++) pk += x[j] * st->Hinv[j + k * d];
      st->P[i * d + k] = pk;
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode OracleDestroy(OracleState *st)
{
  PetscFunctionBegin;
  PetscCall(PetscFree4(st->Hinv, st->PhiT, st->P, st->theta));
  PetscCall(PetscFree4(st->f, st->y, st->u, st->Pu));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The rank-one step of adding (phi, y) with weight w: u = H^{-1} phi, Pu = P phi = Phi_test u, and w g / (1 + c q),
   c = w l'', 1 + c q */
static PetscErrorCode OracleStep(CurioAL al, OracleState *st, const PetscReal phi[], PetscReal y, PetscReal w, PetscReal *step, PetscReal *c,
                                 PetscReal *den)
{
  PetscInt  d   = st->d;
  PetscReal eta = 0, q = 0, g;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < d; k++) {
    PetscReal uk = 0;
    for (PetscInt j = 0; j < d; j++) uk += st->Hinv[j + k * d] * phi[j];
    st->u[k] = uk;
    q += phi[k] * uk;
    eta += phi[k] * st->theta[k];
  }
  PetscCall(CurioLossEvaluate(al->loss, eta, y, NULL, &g, c));
  *c *= w;
  *den  = 1.0 + *c * q;
  *step = w * g / *den;
  for (PetscInt i = 0; i < st->nt; i++) {
    const PetscReal *pi = st->P + i * d;
    PetscReal        s  = 0;
    for (PetscInt j = 0; j < d; j++) s += pi[j] * phi[j];
    st->Pu[i] = s;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The test error (RMSE or mean log-loss) at f_test - Pu step */
static PetscErrorCode OracleTestError(CurioAL al, OracleState *st, PetscReal step, PetscReal *err)
{
  const CurioLossInfo *loss;
  PetscReal            sum = 0;

  PetscFunctionBegin;
  PetscCall(CurioLossGetInfo(al->loss, &loss)); /* the test metric of CurioLossTestError(), on replicated rows */
  for (PetscInt i = 0; i < st->nt; i++) sum += loss->metric_point(st->f[i] - st->Pu[i] * step, st->y[i]);
  *err = loss->metric_finish(sum, st->nt);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* score_i = minus the test error after adding this rank's unlabeled pool row i (NaN: labeled, or in picked[0..np)) */
static PetscErrorCode OracleScoreAll(CurioAL al, OracleState *st, PetscInt np, const PetscInt picked[], Vec score)
{
  const PetscReal   *a;
  const PetscScalar *unl;
  PetscScalar       *s;
  PetscReal         *phi;
  PetscInt           lo, hi, m, N, lda;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(score, &lo, &hi));
  PetscCall(PetscMalloc1(st->d, &phi));
  PetscCall(CurioMatGetLocalArrayRead(al->PhiPool, &a, &m, &N, &lda));
  PetscCall(VecGetArrayRead(al->unlabeled, &unl));
  PetscCall(VecGetArrayWrite(score, &s));
  for (PetscInt i = 0; i < hi - lo; i++) {
    PetscReal step, c, den, err = 0;
    s[i] = (PetscReal) NAN;
    if (!(unl[i] > 0)) continue;
    for (PetscInt j = 0; j < N; j++) phi[j] = a[i + j * lda];
    PetscCall(OracleStep(al, st, phi, al->pool_y[i], al->pool_w ? al->pool_w[lo + i] : 1.0, &step, &c, &den));
    PetscCall(OracleTestError(al, st, step, &err));
    s[i] = -err;
  }
  for (PetscInt l = 0; l < np; l++)
    if (picked[l] >= lo && picked[l] < hi) s[picked[l] - lo] = (PetscReal) NAN;
  PetscCall(VecRestoreArrayWrite(score, &s));
  PetscCall(VecRestoreArrayRead(al->unlabeled, &unl));
  PetscCall(CurioMatRestoreLocalArrayRead(al->PhiPool, &a));
  PetscCall(PetscFree(phi));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Adds pool point j with its true label and weight: theta, f_test, H^{-1} and P take the rank-one update (the same on every rank) */
static PetscErrorCode OracleAdd(CurioAL al, OracleState *st, PetscInt j)
{
  PetscInt   d = st->d, lo, hi;
  PetscReal *phi, y = 0, step, c, den, beta;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(d, &phi));
  PetscCall(CurioALDesignRow(al, j, phi));
  PetscCall(VecGetOwnershipRange(al->unlabeled, &lo, &hi));
  if (j >= lo && j < hi) y = al->pool_y[j - lo];
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &y, 1, MPIU_REAL, MPIU_SUM, al->comm));
  PetscCall(OracleStep(al, st, phi, y, al->pool_w ? al->pool_w[j] : 1.0, &step, &c, &den));
  beta = c / den;
  for (PetscInt k = 0; k < d; k++) st->theta[k] -= st->u[k] * step;
  for (PetscInt i = 0; i < st->nt; i++) {
    st->f[i] -= st->Pu[i] * step;
    for (PetscInt k = 0; k < d; k++) st->P[i * d + k] -= beta * st->Pu[i] * st->u[k];
  }
  for (PetscInt k = 0; k < d; k++)
    for (PetscInt l = 0; l < d; l++) st->Hinv[l + k * d] -= beta * st->u[l] * st->u[k];
  PetscCall(PetscFree(phi));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ScoreOracleGreedy(CurioAL al, Vec score)
{
  OracleState st;

  PetscFunctionBegin;
  PetscCall(OracleSetUp(al, &st));
  PetscCall(OracleScoreAll(al, &st, 0, NULL, score));
  PetscCall(OracleDestroy(&st));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The batch: the first pick is the best of the round's scores, each later one is scored after the earlier picks' updates */
static PetscErrorCode SelectOracleGreedy(CurioAL al, Vec score, PetscInt k, PetscInt idx[])
{
  OracleState st;
  Vec         work;

  PetscFunctionBegin;
  PetscCall(OracleSetUp(al, &st));
  PetscCall(VecDuplicate(score, &work));
  for (PetscInt t = 0; t < k; t++) {
    if (t == 0) PetscCall(ArgMax(score, &idx[0]));
    else {
      PetscCall(OracleScoreAll(al, &st, t, idx, work));
      PetscCall(ArgMax(work, &idx[t]));
    }
    if (t + 1 < k) PetscCall(OracleAdd(al, &st, idx[t]));
  }
  PetscCall(VecDestroy(&work));
  PetscCall(OracleDestroy(&st));
  PetscFunctionReturn(PETSC_SUCCESS);
}

const CurioALStrategy CurioALStrategies[] = {
    {"sld", "expected SLD, Var(y|x) fdot^2", ScoreSLD, NULL, PETSC_FALSE},
    {"sti", "unlabeled STI over T = labeled + pool", ScoreSTI, NULL, PETSC_FALSE},
    {"ssi", "unlabeled SSI over T = labeled + pool", ScoreSSI, NULL, PETSC_FALSE},
    {"var", "predictive variance phi^T H^{-1} phi", ScoreVAR, NULL, PETSC_FALSE},
    {"random", "uniform at random (counter-based RNG)", ScoreRandom, NULL, PETSC_FALSE},
    {"gsx", "greedy sampling in input space (max-min Euclidean distance)", ScoreGSX, SelectGSX, PETSC_FALSE},
    {"sld_batch", "greedy expected SLD, Sherman-Morrison update of the tangent per pick", ScoreSLD, SelectSLDBatch, PETSC_FALSE},
    {"emcm", "expected model change (Cai et al. 2013): |phi| mean_z |h(eta) - h(eta_z)| over 4 bootstrap models", ScoreEMCM, NULL, PETSC_FALSE},
    {"igs", "improved greedy sampling on inputs and outputs (Wu et al. 2019): min_m |x - x_m| |f(x) - y_m|", ScoreIGS, SelectIGS, PETSC_FALSE},
    {"leverage", "ridge leverage-score sampling of the pool, probability proportional to h_i", ScoreLeverage, NULL, PETSC_FALSE},
    {"maxdet", "greedy max-determinant batch (posterior variance updated within the batch)", ScoreMaxDet, SelectMaxDet, PETSC_FALSE},
    {"sld_var", "weighted geometric mean SLD^alpha VAR^(1-alpha), alpha = -curio_al_mix_alpha", ScoreSLDVar, NULL, PETSC_FALSE},
    {"oracle_greedy", "harness check: greedy on the true test error after adding each point with its true label (reads every label)",
     ScoreOracleGreedy, SelectOracleGreedy, PETSC_TRUE},
    {NULL, NULL, NULL, NULL, PETSC_FALSE}};

/* The names of every strategy, comma-separated */
PetscErrorCode CurioALStrategyList(char buf[], size_t len)
{
  PetscFunctionBegin;
  buf[0] = 0;
  for (const CurioALStrategy *s = CurioALStrategies; s->name; s++) {
    if (s != CurioALStrategies) PetscCall(PetscStrlcat(buf, ",", len));
    PetscCall(PetscStrlcat(buf, s->name, len));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CurioALStrategyFind(MPI_Comm comm, const char name[], const CurioALStrategy **st)
{
  char list[512];

  PetscFunctionBegin;
  *st = NULL;
  for (const CurioALStrategy *s = CurioALStrategies; s->name && !*st; s++) {
    PetscBool eq;
    PetscCall(PetscStrcmp(s->name, name, &eq));
    if (eq) *st = s;
  }
  PetscCall(CurioALStrategyList(list, sizeof(list)));
  PetscCheck(*st, comm, PETSC_ERR_ARG_WRONG, "Unknown active-learning strategy '%s'; choose one of %s", name, list);
  PetscFunctionReturn(PETSC_SUCCESS);
}

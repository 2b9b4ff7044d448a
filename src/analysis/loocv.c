/* Leave-one-out cross-validation over a grid of s (MATH.md section 5): one eigendecomposition of Phi^T W Phi
   (ScaLAPACK), after which each s costs O(n d). */
#include "analysisimpl.h"
#include <petscblaslapack.h>

struct _n_CurioLOOCV {
  MPI_Comm   comm;
  PetscInt   n, nlocal, p;
  PetscReal *U;         /* nlocal x p, column-major: this rank's rows of Phi V (centred for the restricted regularizer) */
  PetscReal *A;         /* nlocal x p: |Phi| |V| (+ |mu|^T |V| centred), the scale of U's rounding (NULL above CURIO_EIGEN_LAPACK_MAX) */
  PetscReal *lambda;    /* p eigenvalues of the (centred) Gram matrix */
  PetscReal *b;         /* V^T Phi^T W y (centred) */
  PetscReal *y, *w;     /* this rank's labels and weights */
  PetscReal  eta0, hw0; /* restricted: prediction offset (weighted mean of y) and h_i offset per unit weight (1/sum w) */
};

/* G = Phi^T W Phi (a copy of Gin if the caller has it) and q = Phi^T W y, both replicated */
static PetscErrorCode LOOCVNormalEquations(Mat Phi, Vec y, Vec w, const PetscReal *Gin, PetscInt d, PetscReal G[], PetscReal q[])
{
  Vec wy, qv;

  PetscFunctionBegin;
  if (Gin) PetscCall(PetscArraycpy(G, Gin, d * d));
  else PetscCall(CurioGramCompute(Phi, w, G));
  PetscCall(MatCreateVecs(Phi, &qv, &wy));
  PetscCall(VecPointwiseMult(wy, w, y));
  PetscCall(MatMultTranspose(Phi, wy, qv));
  PetscCall(CurioVecGatherAll(qv, q));
  PetscCall(VecDestroy(&wy));
  PetscCall(VecDestroy(&qv));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The restricted regularizer leaves column 0 unpenalized as the intercept: centring (LOOCVCentre) needs it all ones */
static PetscErrorCode LOOCVCheckIntercept(Mat Phi)
{
  MPI_Comm comm   = PetscObjectComm((PetscObject) Phi);
  PetscInt notone = 0, gnotone, rstart, rend;

  PetscFunctionBegin;
  PetscCall(MatGetOwnershipRange(Phi, &rstart, &rend));
  for (PetscInt i = rstart; i < rend; i++) {
    PetscScalar v;
    PetscCall(MatGetValues(Phi, 1, &i, 1, &(PetscInt){0}, &v));
    notone += v != 1.0;
  }
  PetscCall(MPIU_Allreduce(&notone, &gnotone, 1, MPIU_INT, MPI_SUM, comm));
  PetscCheck(!gnotone, comm, PETSC_ERR_ARG_WRONG,
             "-curio_regularizer restricted leaves column 0 unpenalized as the intercept, but column 0 of the features is not all ones; use "
             "-curio_intercept");
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The restricted case: with phi = [1, x], G = [sum w, sum w x^T; sum w x, sum w x x^T]; centring x by its weighted
   mean mu (returned, p entries) gives Gc = G_xx - (sum w) mu mu^T and qc = q_x - mu q_1, and the offsets eta0 and hw0 */
static PetscErrorCode LOOCVCentre(CurioLOOCV cv, PetscInt d, const PetscReal G[], const PetscReal q[], PetscReal Gc[], PetscReal qc[],
                                  PetscReal **mup)
{
  const PetscReal sumw = G[0];
  PetscReal      *mu;

  PetscFunctionBegin;
  PetscCheck(sumw > 0, cv->comm, PETSC_ERR_ARG_WRONG, "The training weights sum to zero");
  PetscCall(PetscMalloc1(cv->p, &mu));
  for (PetscInt j = 0; j < cv->p; j++) mu[j] = G[(j + 1) * d] / sumw;
  for (PetscInt j = 0; j < cv->p; j++) {
    for (PetscInt i = 0; i < cv->p; i++) Gc[i + j * cv->p] = G[(i + 1) + (j + 1) * d] - sumw * mu[i] * mu[j];
    qc[j] = q[j + 1] - mu[j] * q[0];
  }
  cv->eta0 = q[0] / sumw;
  cv->hw0  = 1.0 / sumw;
  *mup     = mu;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* U = Phi[:, off:] V, this rank's rows, minus 1 (mu^T V) when centred (mu != NULL); up to CURIO_EIGEN_LAPACK_MAX
   parameters also A = |Phi[:, off:]| |V| (+ |mu|^T |V|), the sums of absolute values whose rounding U carries */
static PetscErrorCode LOOCVComputeU(CurioLOOCV cv, Mat Phi, PetscInt off, const PetscReal V[], const PetscReal mu[])
{
  PetscReal *Vabs = NULL;
  PetscBool  abs  = (PetscBool) (cv->p <= CURIO_EIGEN_LAPACK_MAX);

  PetscFunctionBegin;
  if (abs) {
    PetscCall(PetscMalloc1(cv->p * cv->p, &Vabs));
    for (PetscInt k = 0; k < cv->p * cv->p; k++) Vabs[k] = PetscAbsReal(V[k]);
  }
  if (CurioMatIsAIJ(Phi)) {
    PetscInt rstart, rend;
    PetscCall(MatGetOwnershipRange(Phi, &rstart, &rend));
    cv->nlocal = rend - rstart;
    PetscCall(PetscCalloc1(PetscMax(1, cv->nlocal * cv->p), &cv->U));
    if (abs) PetscCall(PetscCalloc1(PetscMax(1, cv->nlocal * cv->p), &cv->A));
    for (PetscInt i = rstart; i < rend; i++) {
      PetscInt           nz;
      const PetscInt    *cols;
      const PetscScalar *v;
      PetscCall(MatGetRow(Phi, i, &nz, &cols, &v));
      for (PetscInt t = 0; t < nz; t++) {
        PetscInt j = cols[t] - off;
        if (j < 0) continue;
        for (PetscInt k = 0; k < cv->p; k++) cv->U[(i - rstart) + k * cv->nlocal] += v[t] * V[j + k * cv->p];
        if (abs)
          for (PetscInt k = 0; k < cv->p; k++) cv->A[(i - rstart) + k * cv->nlocal] += PetscAbsReal(v[t]) * Vabs[j + k * cv->p];
      }
      PetscCall(MatRestoreRow(Phi, i, &nz, &cols, &v));
    }
  } else {
    const PetscReal *a;
    PetscInt         ncols, lda;
    PetscCall(CurioMatGetLocalArrayRead(Phi, &a, &cv->nlocal, &ncols, &lda));
    PetscCall(PetscMalloc1(PetscMax(1, cv->nlocal * cv->p), &cv->U));
    if (abs) PetscCall(PetscMalloc1(PetscMax(1, cv->nlocal * cv->p), &cv->A));
    if (cv->nlocal > 0) {
      PetscBLASInt bm, bp, blda, bld;
      PetscReal    one = 1.0, zero = 0.0;
      PetscCall(PetscBLASIntCast(cv->nlocal, &bm));
      PetscCall(PetscBLASIntCast(cv->p, &bp));
      PetscCall(PetscBLASIntCast(lda, &blda));
      bld = bm;
      PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bm, &bp, &bp, &one, a + off * lda, &blda, V, &bp, &zero, cv->U, &bld));
      PetscCall(PetscLogFlops(2.0 * cv->nlocal * cv->p * cv->p));
      if (abs) { /* |Phi| |V| a block of rows at a time */
        const PetscInt block = 256;
        PetscReal     *Pabs;
        PetscCall(PetscMalloc1(block * cv->p, &Pabs));
        for (PetscInt i0 = 0; i0 < cv->nlocal; i0 += block) {
          PetscInt     nb = PetscMin(block, cv->nlocal - i0);
          PetscBLASInt bnb, bblock;
          for (PetscInt j = 0; j < cv->p; j++)
            for (PetscInt i = 0; i < nb; i++) Pabs[i + j * block] = PetscAbsReal(a[i0 + i + (j + off) * lda]);
          PetscCall(PetscBLASIntCast(nb, &bnb));
          PetscCall(PetscBLASIntCast(block, &bblock));
          PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bnb, &bp, &bp, &one, Pabs, &bblock, Vabs, &bp, &zero, cv->A + i0, &bld));
        }
        PetscCall(PetscFree(Pabs));
      }
    }
    PetscCall(CurioMatRestoreLocalArrayRead(Phi, &a));
  }
  if (mu) {
    for (PetscInt k = 0; k < cv->p; k++) {
      PetscReal muV = 0, muVabs = 0;
      for (PetscInt j = 0; j < cv->p; j++) muV += mu[j] * V[j + k * cv->p];
      for (PetscInt i = 0; i < cv->nlocal; i++) cv->U[i + k * cv->nlocal] -= muV;
      if (abs) {
        for (PetscInt j = 0; j < cv->p; j++) muVabs += PetscAbsReal(mu[j]) * Vabs[j + k * cv->p];
        for (PetscInt i = 0; i < cv->nlocal; i++) cv->A[i + k * cv->nlocal] += muVabs;
      }
    }
  }
  PetscCall(PetscFree(Vabs));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* This rank's labels and weights, kept for the residuals and hat values */
static PetscErrorCode LOOCVCopyLabels(CurioLOOCV cv, Vec y, Vec w)
{
  const PetscScalar *yy, *ww;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(PetscMax(1, cv->nlocal), &cv->y, PetscMax(1, cv->nlocal), &cv->w));
  PetscCall(VecGetArrayRead(y, &yy));
  PetscCall(VecGetArrayRead(w, &ww));
  PetscCall(PetscArraycpy(cv->y, yy, cv->nlocal));
  PetscCall(PetscArraycpy(cv->w, ww, cv->nlocal));
  PetscCall(VecRestoreArrayRead(y, &yy));
  PetscCall(VecRestoreArrayRead(w, &ww));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioLOOCVCreate - prepares exact LOOCV for squared loss and R = 1/2||theta||^2 (restricted: the intercept, column 0,
  unpenalized; the data are then centred so that the eigendecomposition still diagonalizes every H(s))

  Input Parameters:
+ Phi        - design matrix, rows = samples
. y          - labels (row layout)
. w          - weights (row layout)
. restricted - column 0 is an unpenalized intercept and must be all ones
- G          - Phi^T W Phi if the caller has it (replicated d x d), or NULL to compute it here

  Output Parameter:
. cv - the LOOCV context
@*/
PetscErrorCode CurioLOOCVCreate(Mat Phi, Vec y, Vec w, PetscBool restricted, const PetscReal *Gin, CurioLOOCV *cvout)
{
  CurioLOOCV cv;
  MPI_Comm   comm = PetscObjectComm((PetscObject) Phi);
  PetscInt   d, off;
  PetscReal *G, *q, *Gc, *qc, *V, *mu = NULL;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CURIO_EVENT_LOOCV, Phi, 0, 0, 0));
  PetscCall(PetscNew(&cv));
  cv->comm = comm;
  PetscCall(MatGetSize(Phi, &cv->n, &d));
  PetscCall(PetscMalloc2(d * d, &G, d, &q));
  PetscCall(LOOCVNormalEquations(Phi, y, w, Gin, d, G, q));

  off   = restricted ? 1 : 0;
  cv->p = d - off;
  PetscCheck(cv->p > 0, comm, PETSC_ERR_ARG_WRONG, "LOOCV needs at least one penalized parameter");
  PetscCall(PetscMalloc3(cv->p * cv->p, &Gc, cv->p, &qc, cv->p * cv->p, &V));
  if (restricted) {
    PetscCall(LOOCVCheckIntercept(Phi));
    PetscCall(LOOCVCentre(cv, d, G, q, Gc, qc, &mu));
  } else {
    PetscCall(PetscArraycpy(Gc, G, d * d));
    PetscCall(PetscArraycpy(qc, q, d));
  }
  PetscCall(PetscMalloc2(cv->p, &cv->lambda, cv->p, &cv->b));
  {
    /* eigenvalues at the Gram's rounding level are exact zeros of a rank-deficient Gram, and their directions are
       orthogonal to every row and to Phi^T W y in exact arithmetic: their columns of V are dropped, so that their
       rounding noise is not divided by s (a tiny s would otherwise make the curve depend on the rank count). The
       parameters' scales are the diagonal of the Gram before centring (a penalized column that centring cancels is
       null, not a direction of unit curvature). */
    PetscReal gmax = 0, *gd;
    PetscCall(PetscMalloc1(cv->p, &gd));
    for (PetscInt j = 0; j < d; j++) gmax = PetscMax(gmax, G[j + j * d]);
    for (PetscInt j = 0; j < cv->p; j++) gd[j] = G[(j + off) + (j + off) * d];
    PetscCall(CurioGramEigen(w, gmax, cv->p, Gc, gd, cv->lambda, V, NULL, NULL));
    PetscCall(PetscFree(gd));
    for (PetscInt k = 0; k < cv->p; k++)
      if (cv->lambda[k] == 0) PetscCall(PetscArrayzero(V + k * cv->p, cv->p));
  }

  /* b = V^T qc */
  for (PetscInt k = 0; k < cv->p; k++) {
    PetscReal sum = 0;
    for (PetscInt j = 0; j < cv->p; j++) sum += V[j + k * cv->p] * qc[j];
    cv->b[k] = sum;
  }
  PetscCall(LOOCVComputeU(cv, Phi, off, V, mu));
  PetscCall(LOOCVCopyLabels(cv, y, w));
  PetscCall(PetscFree(mu));
  PetscCall(PetscFree3(Gc, qc, V));
  PetscCall(PetscFree2(G, q));
  PetscCall(PetscLogEventEnd(CURIO_EVENT_LOOCV, Phi, 0, 0, 0));
  *cvout = cv;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*
  CurioLOOCVCreateRows - CurioLOOCVCreate() for n rows held by the caller alone (row-major n x d, PETSC_COMM_SELF), R =
  1/2||theta||^2 on every parameter: one user's model in the users mode. The eigendecomposition is CurioGramEigen()'s,
  each eigenvalue accurate relative to itself, so columns in units far apart keep their small eigenvalues.
*/
PetscErrorCode CurioLOOCVCreateRows(PetscInt n, PetscInt d, const PetscReal phi[], const PetscReal y[], const PetscReal w[], CurioLOOCV *cvout)
{
  CurioLOOCV   cv;
  Vec          c;
  PetscReal   *G, *B, *V, gmax = 0, one = 1.0, zero = 0.0;
  PetscBLASInt bd, bn;

  PetscFunctionBegin;
  PetscCheck(n > 0 && d > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "LOOCV needs rows and parameters, got %" PetscInt_FMT " x %" PetscInt_FMT, n, d);
  PetscCall(PetscNew(&cv));
  cv->comm   = PETSC_COMM_SELF;
  cv->n      = n;
  cv->nlocal = n;
  cv->p      = d;
  PetscCall(PetscBLASIntCast(d, &bd));
  PetscCall(PetscBLASIntCast(n, &bn));
  PetscCall(PetscMalloc3(d * d, &G, n * d, &B, d * d, &V));
  PetscCall(PetscMalloc2(d, &cv->lambda, d, &cv->b));
  PetscCall(PetscMalloc1(n * d, &cv->U));
  PetscCall(PetscMalloc2(n, &cv->y, n, &cv->w));
  PetscCall(PetscArraycpy(cv->y, y, n));
  PetscCall(PetscArraycpy(cv->w, w, n));
  /* G = Phi^T W Phi by one syrk on the rows scaled by sqrt(w): row-major n x d is column-major d x n */
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = 0; j < d; j++) B[i * d + j] = PetscSqrtReal(w[i]) * phi[i * d + j];
  PetscCall(PetscArrayzero(G, d * d));
  PetscCallBLAS("BLASsyrk", BLASsyrk_("U", "N", &bd, &bn, &one, B, &bd, &zero, G, &bd));
  for (PetscInt j = 0; j < d; j++) {
    for (PetscInt i = j + 1; i < d; i++) G[i + j * d] = G[j + i * d];
    gmax = PetscMax(gmax, G[j + j * d]);
  }
  PetscCall(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, n, w, &c));
  PetscCall(CurioGramEigen(c, gmax, d, G, NULL, cv->lambda, V, NULL, NULL));
  PetscCall(VecDestroy(&c));
  for (PetscInt k = 0; k < d; k++) /* the null directions are dropped, as in CurioLOOCVCreate() */
    if (cv->lambda[k] == 0) PetscCall(PetscArrayzero(V + k * d, d));
  /* U = Phi V (n x d, column-major), b = U^T W y */
  PetscCallBLAS("BLASgemm", BLASgemm_("T", "N", &bn, &bd, &bd, &one, phi, &bd, V, &bd, &zero, cv->U, &bn));
  for (PetscInt k = 0; k < d; k++) {
    cv->b[k] = 0;
    for (PetscInt i = 0; i < n; i++) cv->b[k] += cv->U[i + k * n] * w[i] * y[i];
  }
  if (d <= CURIO_EIGEN_LAPACK_MAX) { /* A = |Phi| |V|, the scale of U's rounding (as LOOCVComputeU()) */
    PetscCall(PetscMalloc1(n * d, &cv->A));
    for (PetscInt k = 0; k < n * d; k++) B[k] = PetscAbsReal(phi[k]);
    for (PetscInt k = 0; k < d * d; k++) G[k] = PetscAbsReal(V[k]);
    PetscCallBLAS("BLASgemm", BLASgemm_("T", "N", &bn, &bd, &bd, &one, B, &bd, G, &bd, &zero, cv->A, &bn));
  }
  PetscCall(PetscFree3(G, B, V));
  *cvout = cv;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioLOOCVDestroy - frees an exact-LOOCV context
@*/
PetscErrorCode CurioLOOCVDestroy(CurioLOOCV *cv)
{
  PetscFunctionBegin;
  if (!*cv) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFree((*cv)->U));
  PetscCall(PetscFree((*cv)->A));
  PetscCall(PetscFree2((*cv)->lambda, (*cv)->b));
  PetscCall(PetscFree2((*cv)->y, (*cv)->w));
  PetscCall(PetscFree(*cv));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Near h_i = 1 (a row that the data fit exactly as s -> 0: fewer rows than features, a category seen once) both 1 - h_i
   and r_i tend to 0, and computed as 1 - h_i and y_i - eta_i they lost every digit: at s = 1e-12 the exact curve of 2
   rows and 6 features differed from brute-force refits by 4e-3 and between 1 and 2 ranks. So the eigenvalues at or
   above s are summed from their limit s -> 0 (docs/math.md, "Cross-validation"):

     1 - h_i = B_i + w_i sum_k U_ik^2 D_k,   r_i = R_i + sum_k U_ik b_k D_k,
     B_i = 1 - w_i (hw0 + sum_{lambda_k >= s} U_ik^2 / lambda_k),   R_i = y_i - eta0 - sum_{lambda_k >= s} U_ik b_k / lambda_k,
     D_k = s / (lambda_k (lambda_k + s)) if lambda_k >= s, else -1 / (lambda_k + s),

   so that as s -> 0 they are sums of small terms instead of differences of large ones, and for s above every
   eigenvalue the plain formulas. B_i is one minus the leverage of the rows on the eigenvectors of lambda_k >= s; at
   its rounding level (RowLevel()) it is an exact 0, and then so is R_i
   (a row of leverage 1 is fitted exactly). The coefficients of a grid, p x ns each: C_kj = [lambda_k >= s_j] /
   lambda_k and F = b .* C for B and R, D and E = b .* D for the rest; tol the rounding level per s. The labels may
   change with s (the users' residuals y - Phi theta0(s) about a prior mean refit at every s): then b has one column
   per s, bz (p x ns), and so have the labels (CurioLOOCVEvaluateLabels()). */
typedef struct {
  PetscReal *C, *F, *D, *E, *tol, lev;
} LOOCVSplit;

static PetscErrorCode LOOCVSplitCreate(CurioLOOCV cv, PetscInt ns, const PetscReal s[], const PetscReal bz[], LOOCVSplit *g)
{
  const PetscReal lev  = 8 * (cv->p + PetscSqrtReal((PetscReal) cv->n)) * PETSC_MACHINE_EPSILON; /* relative rounding level of B */
  PetscReal       lmin = PETSC_MAX_REAL, lmax = 0;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < cv->p; k++)
    if (cv->lambda[k] > 0) lmax = PetscMax(lmax, cv->lambda[k]), lmin = PetscMin(lmin, cv->lambda[k]);
  PetscCall(PetscMalloc5(cv->p * ns, &g->C, cv->p * ns, &g->F, cv->p * ns, &g->D, cv->p * ns, &g->E, ns, &g->tol));
  g->lev = lev;
  for (PetscInt j = 0; j < ns; j++) {
    const PetscReal *b = bz ? bz + j * cv->p : cv->b;
    g->tol[j]          = lmax > 0 ? lev * PetscSqrtReal(lmax / PetscMax(s[j], lmin)) : 0;
    for (PetscInt k = 0; k < cv->p; k++) {
      const PetscReal l = cv->lambda[k], q = 1.0 / (l + s[j]);
      const PetscBool big = (PetscBool) (l > 0 && l >= s[j]);
      g->C[k + j * cv->p] = big ? 1.0 / l : 0;
      g->D[k + j * cv->p] = big ? s[j] * q / l : -q;
      g->F[k + j * cv->p] = b[k] * g->C[k + j * cv->p];
      g->E[k + j * cv->p] = b[k] * g->D[k + j * cv->p];
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode LOOCVSplitDestroy(LOOCVSplit *g)
{
  PetscFunctionBegin;
  PetscCall(PetscFree5(g->C, g->F, g->D, g->E, g->tol));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* B's rounding level for row i at s_j. Up to CURIO_EIGEN_LAPACK_MAX parameters the eigenpairs are accurate relative to
   each eigenvalue (CurioGramEigen()) and U_ik = phi_i . v_k rounds at eps A_ik, A = |Phi| |V|: B = 1 - w (hw0 + sum_k
   C_k U_ik^2) rounds at lev (1 + 2 w sum_k C_k |U_ik| A_ik) = lev (1 + 2 w T_ij), which stays at the rounding of 1 for a
   row with a large weight or on columns in different units. Above, the eigenvectors are accurate to eps lambda_max and
   the level is the grid's, tol_j. */
static inline PetscReal RowLevel(CurioLOOCV cv, const LOOCVSplit *g, PetscReal w, PetscReal T, PetscInt j)
{
  return cv->A ? g->lev * (1 + 2 * w * T) : g->tol[j];
}

/* For rows [i0, i0+nb) and the grid of g (ns points): residuals r (nb x ns) and 1 - h (nb x ns), column-major, by
   four BLAS gemm (U E, U.^2 D, U F, U.^2 C) and a fifth for B's rounding level ((|U| .* A) C); U2 is workspace of nb x p,
   work of 3 nb x ns. The labels are y - eta0, or z (nlocal x ns, column-major) when they change with s. */
static PetscErrorCode PredictBlock(CurioLOOCV cv, PetscInt i0, PetscInt nb, PetscInt ns, const LOOCVSplit *g, const PetscReal *z, PetscReal *U2,
                                   PetscReal *work, PetscReal *r, PetscReal *omh)
{
  PetscBLASInt bnb, bnc, bp, bldu;
  PetscReal    one = 1.0, zero = 0.0, *R = work, *B = work + nb * ns, *T = work + 2 * nb * ns;

  PetscFunctionBegin;
  PetscCall(PetscBLASIntCast(nb, &bnb));
  PetscCall(PetscBLASIntCast(ns, &bnc));
  PetscCall(PetscBLASIntCast(cv->p, &bp));
  PetscCall(PetscBLASIntCast(cv->nlocal, &bldu));
  for (PetscInt k = 0; k < cv->p; k++) {
    const PetscReal *u  = cv->U + i0 + k * cv->nlocal;
    PetscReal       *u2 = U2 + k * nb;
    for (PetscInt i = 0; i < nb; i++) u2[i] = u[i] * u[i];
  }
  PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bnb, &bnc, &bp, &one, cv->U + i0, &bldu, g->E, &bp, &zero, r, &bnb));
  PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bnb, &bnc, &bp, &one, U2, &bnb, g->D, &bp, &zero, omh, &bnb));
  PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bnb, &bnc, &bp, &one, cv->U + i0, &bldu, g->F, &bp, &zero, R, &bnb));
  PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bnb, &bnc, &bp, &one, U2, &bnb, g->C, &bp, &zero, B, &bnb));
  PetscCall(PetscLogFlops(8.0 * nb * ns * cv->p + nb * cv->p));
  if (cv->A) {
    for (PetscInt k = 0; k < cv->p; k++) {
      const PetscReal *u = cv->U + i0 + k * cv->nlocal, *ak = cv->A + i0 + k * cv->nlocal;
      PetscReal       *u2 = U2 + k * nb;
      for (PetscInt i = 0; i < nb; i++) u2[i] = PetscAbsReal(u[i]) * ak[i];
    }
    PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bnb, &bnc, &bp, &one, U2, &bnb, g->C, &bp, &zero, T, &bnb));
  }
  for (PetscInt j = 0; j < ns; j++)
    for (PetscInt i = 0; i < nb; i++) {
      const PetscInt  q  = i + j * nb;
      const PetscReal w  = cv->w[i0 + i];
      const PetscReal zi = z ? z[i0 + i + j * cv->nlocal] : cv->y[i0 + i] - cv->eta0;
      PetscReal       b = 1.0 - w * (cv->hw0 + B[q]), rb = zi - R[q];
      if (b <= RowLevel(cv, g, w, cv->A ? T[q] : 0, j)) b = rb = 0;
      r[q] += rb;
      omh[q] = b + w * omh[q];
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The curves of CurioLOOCVEvaluate(); with bz and z (CurioLOOCVEvaluateLabels()) the labels change along the grid */
static PetscErrorCode LOOCVEvaluate(CurioLOOCV cv, PetscInt ns, const PetscReal s[], const PetscReal bz[], const PetscReal z[], PetscReal exact[],
                                    PetscReal approx[], PetscReal gcv[])
{
  const PetscInt block = 512;
  PetscReal     *U2, *eta, *h, *work, *acc;
  LOOCVSplit     g;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CURIO_EVENT_LOOCV, 0, 0, 0, 0));
  PetscCall(LOOCVSplitCreate(cv, ns, s, bz, &g));
  PetscCall(PetscMalloc4(block * cv->p, &U2, block * ns, &eta, block * ns, &h, 3 * block * ns, &work));
  PetscCall(PetscCalloc1(5 * ns, &acc)); /* per s: sum exact, sum approx, rss, sum 1 - h, count of h >= 1 */
  for (PetscInt i0 = 0; i0 < cv->nlocal; i0 += block) {
    PetscInt nb = PetscMin(block, cv->nlocal - i0);
    PetscCall(PredictBlock(cv, i0, nb, ns, &g, z, U2, work, eta, h));
    for (PetscInt j = 0; j < ns; j++) {
      PetscReal *a = acc + 5 * j;
      for (PetscInt i = 0; i < nb; i++) {
        PetscReal r = eta[i + j * nb], omh = h[i + j * nb], hi = 1.0 - omh, r2 = r * r;
        if (omh > 0) a[0] += r2 / (omh * omh);
        else a[4] += 1;
        a[1] += r2 + 2.0 * r2 * hi;
        a[2] += r2;
        a[3] += omh;
      }
    }
  }
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, acc, 5 * ns, MPIU_REAL, MPIU_SUM, cv->comm));
  for (PetscInt j = 0; j < ns; j++) {
    const PetscReal *a = acc + 5 * j;
    if (exact) exact[j] = a[4] > 0 ? PETSC_INFINITY : a[0] / cv->n;
    if (approx) approx[j] = a[1] / cv->n;
    if (gcv) gcv[j] = cv->n * a[2] / (a[3] * a[3]); /* a[3] = n - sum h, summed as the accurate 1 - h */
  }
  PetscCall(PetscFree(acc));
  PetscCall(PetscFree4(U2, eta, h, work));
  PetscCall(LOOCVSplitDestroy(&g));
  PetscCall(PetscLogEventEnd(CURIO_EVENT_LOOCV, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioLOOCVEvaluate - at each s of a grid, on one scale, the mean squared error (docs/math.md, "Cross-validation"):
  exact LOOCV (1/n) sum (r_i/(1-h_i))^2, approximate LOOCV (eq. 44 as a deviance, 2 (l + l'^2 h) with l = r^2/2)
  (1/n) sum [r_i^2 + 2 r_i^2 h_i] and GCV n ||r||^2/(n - sum h)^2; a point with h_i = 1 makes the exact value +Inf.
  Any output array may be NULL.
@*/
PetscErrorCode CurioLOOCVEvaluate(CurioLOOCV cv, PetscInt ns, const PetscReal s[], PetscReal exact[], PetscReal approx[], PetscReal gcv[])
{
  PetscFunctionBegin;
  PetscCall(LOOCVEvaluate(cv, ns, s, NULL, NULL, exact, approx, gcv));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*
  CurioLOOCVEvaluateLabels - as CurioLOOCVEvaluate(), the exact curve only, with labels that change along the grid:
  column j of z (nlocal x ns, column-major) holds the labels at s_j. A user's model is the ridge regression of
  y - Phi_u theta0(s) toward 0, theta0(s) refit at every s and held while a row is left out.
*/
PetscErrorCode CurioLOOCVEvaluateLabels(CurioLOOCV cv, PetscInt ns, const PetscReal s[], const PetscReal z[], PetscReal exact[])
{
  PetscReal *bz;

  PetscFunctionBegin;
  /* b_j = V^T Phi^T W z_j = U^T W z_j */
  PetscCall(PetscCalloc1(PetscMax(1, cv->p * ns), &bz));
  for (PetscInt j = 0; j < ns; j++)
    for (PetscInt k = 0; k < cv->p; k++)
      for (PetscInt i = 0; i < cv->nlocal; i++) bz[k + j * cv->p] += cv->U[i + k * cv->nlocal] * cv->w[i] * z[i + j * cv->nlocal];
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, bz, cv->p * ns, MPIU_REAL, MPIU_SUM, cv->comm));
  PetscCall(LOOCVEvaluate(cv, ns, s, bz, z, exact, NULL, NULL));
  PetscCall(PetscFree(bz));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioLOOCVResiduals - the exact leave-one-out residuals r_i/(1 - h_i) and the hat values h_i at one s (row layout)
@*/
PetscErrorCode CurioLOOCVResiduals(CurioLOOCV cv, PetscReal s, Vec rloo, Vec hat)
{
  PetscReal   *U2, *eta, *h, *work;
  LOOCVSplit   g;
  PetscScalar *pr, *ph;

  PetscFunctionBegin;
  PetscCall(LOOCVSplitCreate(cv, 1, &s, NULL, &g));
  PetscCall(PetscMalloc4(PetscMax(1, cv->nlocal * cv->p), &U2, PetscMax(1, cv->nlocal), &eta, PetscMax(1, cv->nlocal), &h,
                         PetscMax(1, 3 * cv->nlocal), &work));
  if (cv->nlocal) PetscCall(PredictBlock(cv, 0, cv->nlocal, 1, &g, NULL, U2, work, eta, h));
  PetscCall(VecGetArrayWrite(rloo, &pr));
  PetscCall(VecGetArrayWrite(hat, &ph));
  for (PetscInt i = 0; i < cv->nlocal; i++) {
    pr[i] = eta[i] / h[i]; /* eta holds the residual, h 1 - h_i */
    ph[i] = 1.0 - h[i];
  }
  PetscCall(VecRestoreArrayWrite(rloo, &pr));
  PetscCall(VecRestoreArrayWrite(hat, &ph));
  PetscCall(PetscFree4(U2, eta, h, work));
  PetscCall(LOOCVSplitDestroy(&g));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Adds to the eight per-row accumulators acc (block x 8: e0, e1, e2, eR, h0, h1, h2, hB) the contributions of U's
   columns for rows [i0, i0 + nb): e_m += U co_m (m = 0..3) and h_m += U.^2 co_{4+m}, with co the 8 x p coefficients.
   Four columns at a time, so that each accumulator is loaded and stored once per four columns: the pass is bound by
   reading U, not by the accumulators' traffic. */
static void DerivativeColumns(CurioLOOCV cv, PetscInt i0, PetscInt nb, PetscInt block, const PetscReal *co, PetscReal *acc)
{
  PetscInt k = 0;

  for (; k + 4 <= cv->p; k += 4) {
    const PetscReal *u0 = cv->U + i0 + k * cv->nlocal, *u1 = u0 + cv->nlocal, *u2 = u1 + cv->nlocal, *u3 = u2 + cv->nlocal;
    const PetscReal *c0 = co + 8 * k, *c1 = c0 + 8, *c2 = c1 + 8, *c3 = c2 + 8;
    for (PetscInt m = 0; m < 4; m++) {
      PetscReal *e = acc + m * block, *h = acc + (4 + m) * block;
      for (PetscInt i = 0; i < nb; i++) {
        const PetscReal a = u0[i], b = u1[i], c = u2[i], d = u3[i];
        e[i] += a * c0[m] + b * c1[m] + c * c2[m] + d * c3[m];
        h[i] += a * a * c0[4 + m] + b * b * c1[4 + m] + c * c * c2[4 + m] + d * d * c3[4 + m];
      }
    }
  }
  for (; k < cv->p; k++) {
    const PetscReal *u = cv->U + i0 + k * cv->nlocal, *ck = co + 8 * k;
    for (PetscInt m = 0; m < 4; m++) {
      PetscReal *e = acc + m * block, *h = acc + (4 + m) * block;
      for (PetscInt i = 0; i < nb; i++) {
        e[i] += u[i] * ck[m];
        h[i] += u[i] * u[i] * ck[4 + m];
      }
    }
  }
}

/* The exact LOOCV f (the mean squared LOO error, as CurioLOOCVEvaluate) and its first and second derivatives with
   respect to t = log s, from one blocked pass over U.
   Per row, with q_k = 1/(lambda_k + s) and the split of LOOCVSplit (D_k, C_k): r = R + e with e = U (b D), R = y - eta0 -
   U (b C); 1 - h = B + w U.^2 D, B = 1 - w (hw0 + U.^2 C) (B and R exact zeros at their rounding level); r' = U (b q^2),
   r'' = -2 U (b q^3), h' = -w U.^2 q^2, h'' = 2 w U.^2 q^3 (D' = q^2 on both sides of the split); a = 1 - h,
   f = r^2/(2 a^2):
     f'  = r r'/a^2 + r^2 h'/a^3
     f'' = (r'^2 + r r'')/a^2 + 4 r r' h'/a^3 + r^2 h''/a^3 + 3 r^2 h'^2/a^4
   and d/dt = s d/ds, d2/dt2 = s f' + s^2 f''. A row with h >= 1 makes f infinite (as in CurioLOOCVEvaluate). */
static PetscErrorCode ExactDerivatives(CurioLOOCV cv, PetscReal s, PetscReal *f, PetscReal *g, PetscReal *c)
{
  const PetscInt block = 256;
  PetscReal     *co, *acc, sum[4] = {0, 0, 0, 0};
  LOOCVSplit     sp;

  PetscFunctionBegin;
  PetscCall(LOOCVSplitCreate(cv, 1, &s, NULL, &sp));
  /* per column k: b D, -b q^2, 2 b q^3, b C; D, -q^2, 2 q^3, C */
  PetscCall(PetscMalloc2(8 * cv->p, &co, 8 * block, &acc));
  for (PetscInt k = 0; k < cv->p; k++) {
    PetscReal q = 1.0 / (cv->lambda[k] + s), *ck = co + 8 * k;
    ck[4] = sp.D[k];
    ck[5] = -q * q;
    ck[6] = 2 * q * q * q;
    ck[7] = sp.C[k];
    for (PetscInt m = 0; m < 4; m++) ck[m] = cv->b[k] * ck[4 + m];
  }
  for (PetscInt i0 = 0; i0 < cv->nlocal; i0 += block) {
    PetscInt         nb = PetscMin(block, cv->nlocal - i0);
    const PetscReal *e0 = acc, *e1 = acc + block, *e2 = acc + 2 * block, *eR = acc + 3 * block;
    const PetscReal *h0 = acc + 4 * block, *h1 = acc + 5 * block, *h2 = acc + 6 * block, *hB = acc + 7 * block;
    PetscCall(PetscArrayzero(acc, 8 * block));
    DerivativeColumns(cv, i0, nb, block, co, acc);
    for (PetscInt i = 0; i < nb; i++) {
      PetscReal w = cv->w[i0 + i], B = 1.0 - w * (cv->hw0 + hB[i]), R = cv->y[i0 + i] - cv->eta0 - eR[i], T = 0;
      if (cv->A)
        for (PetscInt k = 0; k < cv->p; k++) T += PetscAbsReal(cv->U[i0 + i + k * cv->nlocal]) * cv->A[i0 + i + k * cv->nlocal] * sp.C[k];
      if (B <= RowLevel(cv, &sp, w, T, 0)) B = R = 0;
      {
        PetscReal r = R + e0[i], r1 = -e1[i], r2 = -e2[i];
        PetscReal omh = B + w * h0[i], hd = w * h1[i], hdd = w * h2[i], a = 1.0 / omh;
        if (omh > 0) sum[2] += r * r * a * a;
        else sum[3] += 1;
        sum[0] += a * a * (r * r1 + r * r * hd * a);
        sum[1] += a * a * (r1 * r1 + r * r2 + a * (4 * r * r1 * hd + r * r * hdd + 3 * a * r * r * hd * hd));
      }
    }
  }
  PetscCall(PetscLogFlops(17.0 * cv->nlocal * cv->p));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, sum, 4, MPIU_REAL, MPIU_SUM, cv->comm));
  *f = sum[3] > 0 ? PETSC_INFINITY : sum[2] / cv->n;
  /* the formulas are those of r^2/(2 a^2): doubled, f, g and c are on the scale of the mean squared error */
  *g = 2 * s * sum[0] / cv->n;
  *c = 2 * (s * sum[0] + s * s * sum[1]) / cv->n;
  PetscCall(PetscFree2(co, acc));
  PetscCall(LOOCVSplitDestroy(&sp));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Safeguarded Newton in t = log s for the root of the exact curve's derivative, inside the bracket [a, b] of the grid
   neighbours, from t. Each iteration is one pass over U. When the step falls below 1e-7 the iterate after it is
   accurate to rounding (quadratic convergence); its value is the second-order expansion about the last evaluated
   point, f + g dt + c dt^2/2, whose error O(dt^3) is below rounding, so no further pass is needed. */
static PetscErrorCode RefineOptimum(CurioLOOCV cv, PetscReal a, PetscReal b, PetscReal t, PetscReal *sopt, PetscReal *fopt)
{
  PetscReal f = PETSC_INFINITY, g = 0, c = 0, te = t, dt = 0;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CURIO_EVENT_LOOCVRefine, 0, 0, 0, 0));
  for (PetscInt it = 0; it < 60; it++) {
    PetscBool newton;
    PetscReal tn;
    te = t;
    PetscCall(ExactDerivatives(cv, PetscExpReal(te), &f, &g, &c));
    if (g > 0) b = te;
    else a = te;
    tn     = (c > 0) ? te - g / c : 0.5 * (a + b);
    newton = (PetscBool) (c > 0 && tn > a && tn < b);
    if (!newton) tn = 0.5 * (a + b); /* Newton left the bracket: bisect */
    dt = tn - te;
    t  = tn;
    if (newton && PetscAbsReal(dt) <= 1e-7 * PetscMax(1.0, PetscAbsReal(te))) break;
    if (b - a <= 1e-14 * PetscMax(1.0, PetscAbsReal(te))) break;
  }
  *sopt = PetscExpReal(te + dt);
  *fopt = f + dt * (g + 0.5 * c * dt);
  PetscCall(PetscLogEventEnd(CURIO_EVENT_LOOCVRefine, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioLOOCVCurveCompute - the exact, approximate and GCV curves on ns log-spaced values of s in [smin, smax], and the
  optimal s: the grid argmin of the exact curve refined by a safeguarded Newton iteration on its analytic derivative
  between its grid neighbours.
  A minimum at an end of the grid is flagged (the optimum may be at 0 or infinity), not refined. A curve flat to its
  rounding (64 eps relative), or whose values are all squared residuals at the labels' rounding level (64 eps |y_i|),
  has no optimum: s_opt is the grid's first value and curve->flat says so.
@*/
PetscErrorCode CurioLOOCVCurveCompute(CurioLOOCV cv, PetscReal smin, PetscReal smax, PetscInt ns, CurioLOOCVCurve *curve)
{
  PetscInt kmin = 0;

  PetscFunctionBegin;
  PetscCheck(smin > 0 && smax > smin, cv->comm, PETSC_ERR_ARG_OUTOFRANGE, "The LOOCV grid needs 0 < smin < smax, got %g, %g", (double) smin,
             (double) smax);
  PetscCheck(ns >= 3, cv->comm, PETSC_ERR_ARG_OUTOFRANGE, "The LOOCV grid needs at least 3 points, got %" PetscInt_FMT, ns);
  PetscCall(PetscMemzero(curve, sizeof(*curve)));
  curve->ns = ns;
  PetscCall(PetscMalloc4(ns, &curve->s, ns, &curve->exact, ns, &curve->approx, ns, &curve->gcv));
  for (PetscInt j = 0; j < ns; j++) curve->s[j] = smin * PetscPowReal(smax / smin, (PetscReal) j / (ns - 1));
  PetscCall(CurioLOOCVEvaluate(cv, ns, curve->s, curve->exact, curve->approx, curve->gcv));
  {
    /* a curve that varies only at its rounding level (rows that the unpenalized part fits exactly in every leave-one-out
       fit) says nothing about s: its argmin would be decided by the rounding, differently at each rank count */
    PetscReal lo = PETSC_MAX_REAL, hi = -PETSC_MAX_REAL, yy[2] = {0, 0}, y2, tiny = 64 * PETSC_MACHINE_EPSILON;
    PetscBool finite = PETSC_TRUE; /* a curve with an Inf (h_i = 1, or an overflow) is never flat: its finite part has a minimum */
    for (PetscInt j = 0; j < ns; j++) {
      finite = (PetscBool) (finite && !PetscIsInfOrNanReal(curve->exact[j]));
      lo     = PetscMin(lo, curve->exact[j]);
      hi     = PetscMax(hi, curve->exact[j]);
    }
    /* nor does a curve whose every value is a squared residual at the labels' rounding level (labels that every fit
       reproduces, a constant y with an intercept): mean (64 eps y_i)^2 over the rows, the labels scaled against overflow */
    for (PetscInt i = 0; i < cv->nlocal; i++) yy[0] = PetscMax(yy[0], PetscAbsReal(cv->y[i]));
    PetscCallMPI(MPIU_Allreduce(MPI_IN_PLACE, yy, 1, MPIU_REAL, MPIU_MAX, cv->comm));
    if (yy[0] > 0)
      for (PetscInt i = 0; i < cv->nlocal; i++) yy[1] += PetscSqr(cv->y[i] / yy[0]);
    PetscCallMPI(MPIU_Allreduce(MPI_IN_PLACE, yy + 1, 1, MPIU_REAL, MPIU_SUM, cv->comm));
    y2          = yy[1] / PetscMax(cv->n, 1); /* the mean of y_i^2, in units of max |y_i|^2 */
    curve->flat = (PetscBool) (finite && (hi - lo <= tiny * PetscAbsReal(hi) || (hi / yy[0] / yy[0] <= tiny * tiny * y2 && yy[0] > 0)));
  }
  for (PetscInt j = 1; j < ns && !curve->flat; j++)
    if (curve->exact[j] < curve->exact[kmin]) kmin = j;
  for (PetscInt j = 1; j < ns - 1 && !curve->flat; j++)
    if (curve->exact[j] < curve->exact[j - 1] && curve->exact[j] < curve->exact[j + 1]) curve->local_minima++;
  curve->at_boundary = (PetscBool) (!curve->flat && (kmin == 0 || kmin == ns - 1));
  curve->s_opt       = curve->s[kmin];
  curve->cv_opt      = curve->exact[kmin];
  if (!curve->at_boundary && !curve->flat) {
    /* The minimizer of a smooth function is determined to only about sqrt(eps) by comparing values, which would make
       s_opt depend on the rank count's rounding; the root of the analytic derivative is determined to about eps.
       Safeguarded Newton in t = log s, inside the bracket of the grid neighbours: a few passes over U (RefineOptimum). */
    PetscReal a = PetscLogReal(curve->s[kmin - 1]), b = PetscLogReal(curve->s[kmin + 1]), t = PetscLogReal(curve->s[kmin]), sm = 0,
              fm = PETSC_INFINITY;
    {
      /* start at the vertex of the parabola through the three grid points (in t) */
      PetscReal fa = curve->exact[kmin - 1], fk = curve->exact[kmin], fb = curve->exact[kmin + 1], den = (t - a) * (fk - fb) - (t - b) * (fk - fa);
      if (den != 0) {
        PetscReal v = t - 0.5 * ((t - a) * (t - a) * (fk - fb) - (t - b) * (t - b) * (fk - fa)) / den;
        if (v > a && v < b) t = v;
      }
    }
    PetscCall(RefineOptimum(cv, a, b, t, &sm, &fm));
    if (fm <= curve->cv_opt) {
      curve->s_opt  = sm;
      curve->cv_opt = fm;
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioLOOCVCurveFree - frees the arrays of a LOOCV curve
@*/
PetscErrorCode CurioLOOCVCurveFree(CurioLOOCVCurve *curve)
{
  PetscFunctionBegin;
  PetscCall(PetscFree4(curve->s, curve->exact, curve->approx, curve->gcv));
  PetscCall(PetscFree(curve->kfold));
  PetscCall(PetscMemzero(curve, sizeof(*curve)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The Hessian H = Phi^T diag(c) Phi + s diag(m) of MATH.md section 1: matrix-free (MATSHELL), its diagonal, and the
   assembled Gram matrix for the direct path. c = w l'' per training row, m the regularizer mask. */
#include "solverimpl.h"
#include <petscblaslapack.h>

typedef struct {
  Mat       Phi;
  Vec       c, m, tmp_n, tmp_d;
  PetscReal s;
} HessianCtx;

/* H v = Phi^T (c .* (Phi v)) + s m .* v: two passes over the rows of Phi, never forms H */
static PetscErrorCode HessianMult(Mat H, Vec v, Vec Hv)
{
  HessianCtx *ctx;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CURIO_EVENT_HessMult, H, v, Hv, 0));
  PetscCall(MatShellGetContext(H, &ctx));
  PetscCall(MatMult(ctx->Phi, v, ctx->tmp_n));
  PetscCall(VecPointwiseMult(ctx->tmp_n, ctx->tmp_n, ctx->c));
  PetscCall(MatMultTranspose(ctx->Phi, ctx->tmp_n, Hv));
  PetscCall(VecPointwiseMult(ctx->tmp_d, ctx->m, v));
  PetscCall(VecAXPY(Hv, ctx->s, ctx->tmp_d));
  PetscCall(PetscLogEventEnd(CURIO_EVENT_HessMult, H, v, Hv, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioWeightedColumnSquares - diag(Phi^T diag(c) Phi)_j = sum_i c_i Phi_ij^2, replicated on every rank (length d)
@*/
PetscErrorCode CurioWeightedColumnSquares(Mat Phi, Vec c, PetscReal *diag)
{
  const PetscReal   *a;
  const PetscScalar *cc;
  PetscInt           m, N, lda;
  PetscReal         *loc;

  PetscFunctionBegin;
  if (CurioMatIsAIJ(Phi)) {
    PetscInt rstart, rend;
    PetscCall(MatGetSize(Phi, NULL, &N));
    PetscCall(MatGetOwnershipRange(Phi, &rstart, &rend));
    PetscCall(PetscCalloc1(N, &loc));
    PetscCall(VecGetArrayRead(c, &cc));
    for (PetscInt i = rstart; i < rend; i++) {
      PetscInt           nz;
      const PetscInt    *cols;
      const PetscScalar *v;
      PetscCall(MatGetRow(Phi, i, &nz, &cols, &v));
      for (PetscInt k = 0; k < nz; k++) loc[cols[k]] += cc[i - rstart] * v[k] * v[k];
      PetscCall(MatRestoreRow(Phi, i, &nz, &cols, &v));
    }
    PetscCall(VecRestoreArrayRead(c, &cc));
    PetscCall(MPIU_Allreduce(loc, diag, N, MPIU_REAL, MPIU_SUM, PetscObjectComm((PetscObject) Phi)));
    PetscCall(PetscFree(loc));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(CurioMatGetLocalArrayRead(Phi, &a, &m, &N, &lda));
  PetscCall(VecGetArrayRead(c, &cc));
  PetscCall(PetscCalloc1(N, &loc));
  for (PetscInt j = 0; j < N; j++) {
    PetscReal sum = 0.0;
    for (PetscInt i = 0; i < m; i++) sum += cc[i] * a[i + j * lda] * a[i + j * lda];
    loc[j] = sum;
  }
  PetscCall(VecRestoreArrayRead(c, &cc));
  PetscCall(CurioMatRestoreLocalArrayRead(Phi, &a));
  PetscCall(MPIU_Allreduce(loc, diag, N, MPIU_REAL, MPIU_SUM, PetscObjectComm((PetscObject) Phi)));
  PetscCall(PetscFree(loc));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* diag H for the Jacobi preconditioner, computed without forming H */
static PetscErrorCode HessianGetDiagonal(Mat H, Vec diag)
{
  HessianCtx *ctx;
  PetscReal  *full;
  PetscInt    N;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(H, &ctx));
  PetscCall(MatGetSize(ctx->Phi, NULL, &N));
  PetscCall(PetscMalloc1(N, &full));
  PetscCall(CurioWeightedColumnSquares(ctx->Phi, ctx->c, full));
  PetscCall(CurioVecSetFromReplicated(diag, full));
  PetscCall(VecAXPY(diag, ctx->s, ctx->m));
  PetscCall(PetscFree(full));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode HessianDestroy(Mat H)
{
  HessianCtx *ctx;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(H, &ctx));
  PetscCall(MatDestroy(&ctx->Phi));
  PetscCall(VecDestroy(&ctx->c));
  PetscCall(VecDestroy(&ctx->m));
  PetscCall(VecDestroy(&ctx->tmp_n));
  PetscCall(VecDestroy(&ctx->tmp_d));
  PetscCall(PetscFree(ctx));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioHessianCreateShell - H = Phi^T diag(c) Phi + s diag(m) as a MATSHELL (MatMult, MatGetDiagonal); it keeps references
  to Phi, c and m, so later changes to c show through

  Input Parameters:
+ Phi - design matrix, rows = samples
. c   - per-row curvature w l'' (layout of the rows)
. m   - regularizer mask, hess R = diag(m) (layout of the parameters)
- s   - regularity

  Output Parameter:
. H - the shell
@*/
PetscErrorCode CurioHessianCreateShell(Mat Phi, Vec c, Vec m, PetscReal s, Mat *H)
{
  HessianCtx *ctx;
  PetscInt    nl, dl, N;

  PetscFunctionBegin;
  PetscCall(PetscNew(&ctx));
  PetscCall(PetscObjectReference((PetscObject) Phi));
  PetscCall(PetscObjectReference((PetscObject) c));
  PetscCall(PetscObjectReference((PetscObject) m));
  ctx->Phi = Phi;
  ctx->c   = c;
  ctx->m   = m;
  ctx->s   = s;
  PetscCall(MatCreateVecs(Phi, &ctx->tmp_d, &ctx->tmp_n));
  PetscCall(MatGetLocalSize(Phi, &nl, &dl));
  PetscCall(MatGetSize(Phi, NULL, &N));
  PetscCall(MatCreateShell(PetscObjectComm((PetscObject) Phi), dl, dl, N, N, ctx, H));
  PetscCall(MatShellSetOperation(*H, MATOP_MULT, (void (*)(void)) HessianMult));
  PetscCall(MatShellSetOperation(*H, MATOP_MULT_TRANSPOSE, (void (*)(void)) HessianMult));
  PetscCall(MatShellSetOperation(*H, MATOP_GET_DIAGONAL, (void (*)(void)) HessianGetDiagonal));
  PetscCall(MatShellSetOperation(*H, MATOP_DESTROY, (void (*)(void)) HessianDestroy));
  PetscCall(MatSetOption(*H, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(MatSetOption(*H, MAT_SPD, PETSC_TRUE));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioHessianShellSetRegularity - sets s in a MATSHELL Hessian made by CurioHessianCreateShell()

  Logically Collective
@*/
PetscErrorCode CurioHessianShellSetRegularity(Mat H, PetscReal s)
{
  HessianCtx *ctx;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(H, &ctx));
  ctx->s = s;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckOperatorFinite - refuses an assembled operator (the Gram matrix, the Hessian's diagonal; n entries of a
  replicated array whose parameters are d) with a non-finite entry: inputs or weights so large that their squares
  overflow (|x| of 1e200, w of 1e308) would otherwise give NaN everywhere, or a solver error on some ranks only. The
  flag is agreed by all ranks (one MPI_Allreduce), so every rank raises the same error.

  Collective
@*/
PetscErrorCode CurioCheckOperatorFinite(MPI_Comm comm, const char what[], PetscInt d, PetscInt64 n, const PetscReal a[])
{
  PetscInt64 bad       = -1, gbad;
  char       where[64] = "";

  PetscFunctionBegin;
  for (PetscInt64 k = 0; k < n && bad < 0; k++)
    if (PetscIsInfOrNanReal(a[k])) bad = k;
  PetscCallMPI(MPI_Allreduce(&bad, &gbad, 1, MPIU_INT64, MPI_MAX, comm));
  if (gbad >= 0 && n > 1) PetscCall(PetscSNPrintf(where, sizeof(where), " (parameter %" PetscInt64_FMT ")", gbad % PetscMax(d, 1)));
  PetscCheck(gbad < 0, comm, PETSC_ERR_FP,
             "The %s has a non-finite entry%s: the inputs or weights are too large for double precision (their squares overflow); scale the "
             "columns of X (and the weights) to moderate ranges, e.g. divide each column by its largest |value|",
             what, where);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioGramCompute - G = Phi^T diag(c) Phi, replicated on every rank (d x d, column-major, both triangles): each rank
  forms its rows' contribution with BLAS syrk (on blocks of rows scaled by sqrt(c) unless c = 1), then one
  MPI_Allreduce sums them.
  Needs c >= 0 (a convex loss).
@*/
PetscErrorCode CurioGramCompute(Mat Phi, Vec c, PetscReal *G)
{
  const PetscReal   *a;
  const PetscScalar *cc;
  PetscInt           m, N, lda;
  PetscReal         *buf, *loc;
  const PetscInt     block = 1024;
  PetscBool          unit  = PETSC_TRUE;
  PetscBLASInt       bN, bk, bld;
  const PetscReal    one      = 1.0;
  PetscInt           negative = 0, gneg;
  MPI_Comm           comm     = PetscObjectComm((PetscObject) Phi);

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CURIO_EVENT_Gram, Phi, 0, 0, 0));
  if (CurioMatIsAIJ(Phi)) {
    /* sparse rows: the outer product of each row's nonzeros, O(nnz_i^2) per row */
    PetscInt rstart, rend;
    PetscCall(MatGetSize(Phi, NULL, &N));
    PetscCall(MatGetOwnershipRange(Phi, &rstart, &rend));
    PetscCall(PetscCalloc1(N * N, &loc));
    PetscCall(VecGetArrayRead(c, &cc));
    for (PetscInt i = rstart; i < rend; i++) {
      PetscInt           nz;
      const PetscInt    *cols;
      const PetscScalar *v;
      PetscReal          ci = cc[i - rstart];
      if (ci < 0) negative++;
      PetscCall(MatGetRow(Phi, i, &nz, &cols, &v));
      for (PetscInt q = 0; q < nz; q++)
        for (PetscInt r = 0; r <= q; r++) loc[cols[r] + cols[q] * N] += ci * v[r] * v[q]; /* upper triangle: cols increase */
      PetscCall(MatRestoreRow(Phi, i, &nz, &cols, &v));
    }
    PetscCall(VecRestoreArrayRead(c, &cc));
  } else {
    PetscCall(CurioMatGetLocalArrayRead(Phi, &a, &m, &N, &lda));
    PetscCall(VecGetArrayRead(c, &cc));
    PetscCall(PetscCalloc1(N * N, &loc));
    PetscCall(PetscBLASIntCast(N, &bN));
    for (PetscInt i = 0; i < m; i++) {
      if (cc[i] < 0) negative++;
      if (cc[i] != 1.0) unit = PETSC_FALSE;
    }
    if (unit && m > 0) {
      /* unit curvature (squared loss, no weights): one syrk straight on this rank's rows, no copy */
      PetscCall(PetscBLASIntCast(m, &bk));
      PetscCall(PetscBLASIntCast(lda, &bld));
      PetscCallBLAS("BLASsyrk", BLASsyrk_("U", "T", &bN, &bk, &one, a, &bld, &one, loc, &bN));
    } else if (m > 0) {
      PetscReal *sc;
      PetscCall(PetscMalloc2(block * N, &buf, block, &sc));
      PetscCall(PetscBLASIntCast(block, &bld));
      for (PetscInt i0 = 0; i0 < m; i0 += block) {
        PetscInt nb = PetscMin(block, m - i0);
        for (PetscInt i = 0; i < nb; i++) sc[i] = PetscSqrtReal(PetscMax(cc[i0 + i], 0.0));
        for (PetscInt j = 0; j < N; j++) {
          const PetscReal *col = a + j * lda + i0;
          PetscReal       *out = buf + j * block;
          for (PetscInt i = 0; i < nb; i++) out[i] = col[i] * sc[i];
        }
        PetscCall(PetscBLASIntCast(nb, &bk));
        PetscCallBLAS("BLASsyrk", BLASsyrk_("U", "T", &bN, &bk, &one, buf, &bld, &one, loc, &bN));
      }
      PetscCall(PetscFree2(buf, sc));
    }
    PetscCall(PetscLogFlops(1.0 * m * N * (N + 1)));
    PetscCall(VecRestoreArrayRead(c, &cc));
    PetscCall(CurioMatRestoreLocalArrayRead(Phi, &a));
  }
  PetscCall(MPIU_Allreduce(&negative, &gneg, 1, MPIU_INT, MPI_SUM, comm));
  PetscCheck(!gneg, comm, PETSC_ERR_ARG_WRONG, "%" PetscInt_FMT " rows have negative curvature w l'': the Hessian is indefinite", gneg);
  PetscCall(MPIU_Allreduce(loc, G, N * N, MPIU_REAL, MPIU_SUM, comm));
  PetscCall(CurioDenseSymmetrize(N, G));
  PetscCall(PetscFree(loc));
  PetscCall(PetscLogEventEnd(CURIO_EVENT_Gram, Phi, 0, 0, 0));
  PetscCall(CurioCheckOperatorFinite(comm, "Gram matrix Phi^T W Phi", N, N * N, G));
  PetscFunctionReturn(PETSC_SUCCESS);
}

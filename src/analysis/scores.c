/* Score kernels over the rows of a design matrix (MATH.md section 4): (phi . v)^2 and phi^T M phi. */
#include "analysisimpl.h"
#include <petscblaslapack.h>

/*@C
  CurioScoreSquaredDot - dot_i = phi_i . v and sq_i = dot_i^2 for every row of Phi (dot may be NULL)
@*/
PetscErrorCode CurioScoreSquaredDot(Mat Phi, Vec v, Vec dot, Vec sq)
{
  PetscFunctionBegin;
  PetscCall(MatMult(Phi, v, sq));
  if (dot) PetscCall(VecCopy(sq, dot));
  PetscCall(VecPointwiseMult(sq, sq, sq));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioScoreQuadraticForm - q_i = phi_i^T M phi_i for every row of Phi, with M a replicated symmetric d x d matrix;
  rows are taken in blocks so that the work array stays small: O(n d^2) flops in BLAS gemm
@*/
PetscErrorCode CurioScoreQuadraticForm(Mat Phi, const PetscReal *M, Vec q)
{
  const PetscReal *a;
  PetscInt         m, d, lda;
  const PetscInt   block = 256;
  PetscReal       *Y;
  PetscScalar     *pq;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CURIO_EVENT_Scores, Phi, 0, 0, 0));
  if (CurioMatIsAIJ(Phi)) {
    /* sparse rows: sum over pairs of nonzeros, O(nnz_i^2) per row */
    PetscInt rstart, rend;
    PetscCall(MatGetSize(Phi, NULL, &d));
    PetscCall(MatGetOwnershipRange(Phi, &rstart, &rend));
    PetscCall(VecGetArrayWrite(q, &pq));
    for (PetscInt i = rstart; i < rend; i++) {
      PetscInt           nz;
      const PetscInt    *cols;
      const PetscScalar *v;
      PetscReal          sum = 0;
      PetscCall(MatGetRow(Phi, i, &nz, &cols, &v));
      for (PetscInt r = 0; r < nz; r++)
        for (PetscInt t = 0; t < nz; t++) sum += v[r] * M[cols[r] + cols[t] * d] * v[t];
      PetscCall(MatRestoreRow(Phi, i, &nz, &cols, &v));
      pq[i - rstart] = sum;
    }
    PetscCall(VecRestoreArrayWrite(q, &pq));
    PetscCall(PetscLogEventEnd(CURIO_EVENT_Scores, Phi, 0, 0, 0));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(CurioMatGetLocalArrayRead(Phi, &a, &m, &d, &lda));
  PetscCall(PetscMalloc1(block * d, &Y));
  PetscCall(VecGetArrayWrite(q, &pq));
  for (PetscInt i0 = 0; i0 < m; i0 += block) {
    PetscInt     nb = PetscMin(block, m - i0);
    PetscBLASInt bnb, bd, blda, bblock;
    PetscReal    one = 1.0, zero = 0.0;
    PetscCall(PetscBLASIntCast(nb, &bnb));
    PetscCall(PetscBLASIntCast(d, &bd));
    PetscCall(PetscBLASIntCast(lda, &blda));
    PetscCall(PetscBLASIntCast(block, &bblock));
    PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bnb, &bd, &bd, &one, a + i0, &blda, M, &bd, &zero, Y, &bblock));
    for (PetscInt i = 0; i < nb; i++) pq[i0 + i] = 0.0;
    for (PetscInt j = 0; j < d; j++)
      for (PetscInt i = 0; i < nb; i++) pq[i0 + i] += a[i0 + i + j * lda] * Y[i + j * block];
  }
  PetscCall(PetscLogFlops(2.0 * m * d * (d + 1)));
  PetscCall(VecRestoreArrayWrite(q, &pq));
  PetscCall(PetscFree(Y));
  PetscCall(CurioMatRestoreLocalArrayRead(Phi, &a));
  PetscCall(PetscLogEventEnd(CURIO_EVENT_Scores, Phi, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

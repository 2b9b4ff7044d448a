/* t005: ScaLAPACK on replicated d x d matrices: the eigendecomposition satisfies A V = V diag(lambda) and V^T V = I,
   and the Cholesky solve has a small residual, for sizes that exercise one and several blocks per process (up to
   d = 512 the eigendecomposition is LAPACK's on every rank, d = 600 is ScaLAPACK's).
     mpiexec -n 4 ./t005_dense */
#include "harness.h"

/* A symmetric positive definite test matrix: B^T B + I with B_ij = sin(i + 2j + 1) */
static void TestMatrix(PetscInt d, PetscReal *A)
{
  for (PetscInt j = 0; j < d; j++)
    for (PetscInt i = 0; i < d; i++) {
      PetscReal sum = (i == j);
      for (PetscInt k = 0; k < d; k++) sum += PetscSinReal(k + 2.0 * i + 1) * PetscSinReal(k + 2.0 * j + 1);
      A[i + j * d] = sum;
    }
}

static void TestEigenAndCholesky(void)
{
  const PetscInt sizes[] = {1, 2, 5, 6, 10, 33, 70, 129, 600}; /* 600: above LAPACK's d <= 512, ScaLAPACK's pdsyevr */

  for (size_t t = 0; t < sizeof(sizes) / sizeof(sizes[0]); t++) {
    PetscInt   d = sizes[t];
    PetscReal *A, *lam, *V, *B, *X, res = 0, orth = 0, sres = 0, scale = 0;
    TCALL(PetscMalloc5(d * d, &A, d, &lam, d * d, &V, d * 2, &B, d * 2, &X));
    TestMatrix(d, A);
    TCALL(CurioDenseEigen(PETSC_COMM_WORLD, d, A, lam, V));
    for (PetscInt k = 0; k < d; k++) {
      for (PetscInt i = 0; i < d; i++) {
        PetscReal av = 0;
        for (PetscInt j = 0; j < d; j++) av += A[i + j * d] * V[j + k * d];
        res   = PetscMax(res, PetscAbsReal(av - lam[k] * V[i + k * d]));
        scale = PetscMax(scale, PetscAbsReal(lam[k]));
      }
      for (PetscInt l = 0; l < d; l++) {
        PetscReal dot = 0;
        for (PetscInt i = 0; i < d; i++) dot += V[i + k * d] * V[i + l * d];
        orth = PetscMax(orth, PetscAbsReal(dot - (k == l)));
      }
    }
    for (PetscInt i = 0; i < 2 * d; i++) B[i] = X[i] = PetscCosReal(i);
    TCALL(CurioDenseCholeskySolve(PETSC_COMM_WORLD, d, A, 2, X));
    for (PetscInt c = 0; c < 2; c++)
      for (PetscInt i = 0; i < d; i++) {
        PetscReal ax = 0;
        for (PetscInt j = 0; j < d; j++) ax += A[i + j * d] * X[j + c * d];
        sres = PetscMax(sres, PetscAbsReal(ax - B[i + c * d]));
      }
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  d = %3" PetscInt_FMT ": |AV - V Lambda| / |Lambda| = %.1e, |V^T V - I| = %.1e, Cholesky residual %.1e",
                      d, (double) (res / scale), (double) orth, (double) sres));
    CU_ASSERT(res <= 1e-12 * scale);
    CU_ASSERT(orth <= 1e-12);
    CU_ASSERT(sres <= 1e-10);
    for (PetscInt k = 1; k < d; k++) CU_ASSERT(lam[k] >= lam[k - 1]);
    TCALL(PetscFree5(A, lam, V, B, X));
  }
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n"));
}

int main(int argc, char **argv)
{
  const TestCase tests[] = {
      {"ScaLAPACK eigendecomposition and Cholesky solve", TestEigenAndCholesky},
      {NULL, NULL},
  };
  return TestMain(argc, argv, "t005_dense", tests);
}

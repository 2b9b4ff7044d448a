/* t005: ScaLAPACK on replicated d x d matrices: the eigendecomposition satisfies A V = V diag(lambda) and V^T V = I,
   and the Cholesky solve has a small residual, for sizes that exercise one and several blocks per process (up to
   d = 512 the eigendecomposition is LAPACK's on every rank, d = 600 is ScaLAPACK's); the scaled eigendecomposition of a
   graded Gram against Jacobi rotations in long double.
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

/* The eigenvalues of a symmetric positive definite matrix by cyclic Jacobi rotations in long double: accurate relative
   to each eigenvalue for a graded A = D S D with well-conditioned S (Demmel and Veselic), the reference for
   CurioDenseEigenScaled() */
static void JacobiEigenvalues(PetscInt d, const PetscReal *A, long double *lam)
{
  long double *a = (long double *) malloc(sizeof(long double) * d * d);
  for (PetscInt i = 0; i < d * d; i++) a[i] = A[i];
  for (int sweep = 0; sweep < 60; sweep++) {
    long double off = 0;
    for (PetscInt p = 0; p < d; p++)
      for (PetscInt q = p + 1; q < d; q++) off += a[p + q * d] * a[p + q * d] / (a[p + p * d] * a[q + q * d]);
    if (off < 1e-40L) break;
    for (PetscInt p = 0; p < d; p++)
      for (PetscInt q = p + 1; q < d; q++) {
        long double apq = a[p + q * d], theta, t, c, sn;
        if (apq == 0) continue;
        theta = (a[q + q * d] - a[p + p * d]) / (2 * apq);
        t     = (theta >= 0 ? 1 : -1) / (fabsl(theta) + sqrtl(theta * theta + 1));
        c     = 1 / sqrtl(t * t + 1);
        sn    = t * c;
        for (PetscInt k = 0; k < d; k++) { /* columns p, q */
          long double akp = a[k + p * d], akq = a[k + q * d];
          a[k + p * d] = c * akp - sn * akq;
          a[k + q * d] = sn * akp + c * akq;
        }
        for (PetscInt k = 0; k < d; k++) { /* rows p, q */
          long double apk = a[p + k * d], aqk = a[q + k * d];
          a[p + k * d] = c * apk - sn * aqk;
          a[q + k * d] = sn * apk + c * aqk;
        }
      }
  }
  for (PetscInt i = 0; i < d; i++) lam[i] = a[i + i * d];
  for (PetscInt i = 1; i < d; i++) /* ascending */
    for (PetscInt j = i; j > 0 && lam[j] < lam[j - 1]; j--) {
      long double t = lam[j];
      lam[j]        = lam[j - 1];
      lam[j - 1]    = t;
    }
  free(a);
}

/* A Gram of columns in units 10^-6 to 10^4.5 apart: CurioDenseEigenScaled() gets every eigenvalue to 1e-12 of itself
   (dsyev gets the small ones only to eps lambda_max, i.e. not at all), V orthonormal; with two columns proportional
   (one in units 10^6 times the other's) the rank is one less and the null vector is the exact one, D^{-1} (e_6 - e_7) */
static void TestEigenScaled(void)
{
  const PetscInt d = 8;
  PetscReal      A[64], S[64], D[8], lam[8], V[64], lamd[8], Vd[64], worst = 0, worstd = 0, orth = 0;
  long double    ref[8];
  PetscInt       rank;

  TestMatrix(d, S);
  for (PetscInt j = 0; j < d; j++) D[j] = PetscPowReal(10.0, 1.5 * (j - 4)) / PetscSqrtReal(S[j + j * d]);
  for (PetscInt j = 0; j < d; j++)
    for (PetscInt i = 0; i < d; i++) A[i + j * d] = D[i] * S[i + j * d] * D[j];
  JacobiEigenvalues(d, A, ref);
  TCALL(CurioDenseEigenScaled(PETSC_COMM_WORLD, d, A, NULL, 1e-13, lam, V, &rank));
  TCALL(CurioDenseEigen(PETSC_COMM_WORLD, d, A, lamd, Vd));
  for (PetscInt k = 0; k < d; k++) {
    worst  = PetscMax(worst, (PetscReal) fabsl((lam[k] - ref[k]) / ref[k]));
    worstd = PetscMax(worstd, (PetscReal) fabsl((lamd[k] - ref[k]) / ref[k]));
    for (PetscInt l = 0; l < d; l++) {
      PetscReal dot = 0;
      for (PetscInt i = 0; i < d; i++) dot += V[i + k * d] * V[i + l * d];
      orth = PetscMax(orth, PetscAbsReal(dot - (k == l)));
    }
  }
  TCALL(PetscPrintf(PETSC_COMM_WORLD,
                    "\n  graded d = 8, eigenvalues %.1e to %.1e: scaled %.1e of each (dsyev %.1e), |V^T V - I| = %.1e, rank %" PetscInt_FMT,
                    (double) ref[0], (double) ref[d - 1], (double) worst, (double) worstd, (double) orth, rank));
  CU_ASSERT(rank == d);
  CU_ASSERT(worst <= 1e-12);
  CU_ASSERT(orth <= 1e-13);
  /* column 7 = 10^6 column 6: S's row and column 7 equal to 6, D_7 = 10^6 D_6 */
  for (PetscInt i = 0; i < d; i++) S[i + 7 * d] = S[i + 6 * d];
  for (PetscInt j = 0; j < d; j++) S[7 + j * d] = S[6 + j * d];
  D[7] = 1e6 * D[6];
  for (PetscInt j = 0; j < d; j++)
    for (PetscInt i = 0; i < d; i++) A[i + j * d] = D[i] * S[i + j * d] * D[j];
  TCALL(CurioDenseEigenScaled(PETSC_COMM_WORLD, d, A, NULL, 1e-13, lam, V, &rank));
  {
    PetscReal z6 = 1 / D[6], z7 = -1 / D[7], nz = PetscSqrtReal(z6 * z6 + z7 * z7), dot = 0;
    for (PetscInt i = 0; i < d; i++) dot += V[i] * (i == 6 ? z6 / nz : i == 7 ? z7 / nz : 0);
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  two proportional columns: rank %" PetscInt_FMT ", lambda_0 = %g, null vector 1 - |cos| = %.1e\n", rank,
                      (double) lam[0], (double) (1 - PetscAbsReal(dot))));
    CU_ASSERT(rank == d - 1);
    CU_ASSERT(lam[0] == 0 && lam[1] > 0);
    CU_ASSERT(1 - PetscAbsReal(dot) <= 1e-12);
  }
}

int main(int argc, char **argv)
{
  const TestCase tests[] = {
      {"ScaLAPACK eigendecomposition and Cholesky solve", TestEigenAndCholesky},
      {"eigendecomposition accurate relative to each eigenvalue (graded Gram)", TestEigenScaled},
      {NULL, NULL},
  };
  return TestMain(argc, argv, "t005_dense", tests);
}

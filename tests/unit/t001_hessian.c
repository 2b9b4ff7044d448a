/* t001: the matrix-free Hessian (MATSHELL) against the same operator assembled by PETSc (MatTransposeMatMult), its
   symmetry, its diagonal (kept between calls, computed again after new values of c), the fused one-pass kernel against the two-pass reference (sparse
   and dense rows), and the direct path's Gram matrix (BLAS syrk + allreduce) against the assembled one. mpiexec -n 4 ./t001_hessian */
#include "harness.h"

static const PetscReal s = 0.37;

/* H = Phi^T diag(c) Phi + s diag(m), assembled with PETSc's dense kernels: an independent implementation */
static PetscErrorCode AssembleHessian(Mat Phi, Vec c, Vec m, PetscReal sv, Mat *H)
{
  Mat B;
  Vec sm;

  PetscFunctionBeginUser;
  PetscCall(MatDuplicate(Phi, MAT_COPY_VALUES, &B));
  PetscCall(MatDiagonalScale(B, c, NULL));
  PetscCall(MatTransposeMatMult(Phi, B, MAT_INITIAL_MATRIX, PETSC_DEFAULT, H));
  PetscCall(VecDuplicate(m, &sm));
  PetscCall(VecCopy(m, sm));
  PetscCall(VecScale(sm, sv));
  PetscCall(MatDiagonalSet(*H, sm, ADD_VALUES));
  PetscCall(VecDestroy(&sm));
  PetscCall(MatDestroy(&B));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void TestShellMatchesAssembled(void)
{
  CurioProblem p;
  Mat          Hs, Ha;
  Vec          v, y1, y2;
  PetscRandom  rnd;

  TCALL(TestProblemCreate(57, 9, PETSC_TRUE, CURIO_REGULARIZER_RESTRICTED, CURIO_SOLVER_KRYLOV, 0, &p));
  TCALL(CurioHessianCreateShell(TestPhi(p), TestCurvature(p), TestMask(p), s, &Hs));
  TCALL(AssembleHessian(TestPhi(p), TestCurvature(p), TestMask(p), s, &Ha));
  TCALL(MatCreateVecs(Hs, &v, &y1));
  TCALL(VecDuplicate(y1, &y2));
  TCALL(PetscRandomCreate(PETSC_COMM_WORLD, &rnd));
  TCALL(PetscRandomSetSeed(rnd, 42));
  TCALL(PetscRandomSeed(rnd));
  for (int k = 0; k < 5; k++) {
    TCALL(VecSetRandom(v, rnd));
    TCALL(MatMult(Hs, v, y1));
    TCALL(MatMult(Ha, v, y2));
    CU_ASSERT(TestRelDiff(y1, y2) < 1e-13);
  }
  TCALL(MatGetDiagonal(Hs, y1));
  TCALL(MatGetDiagonal(Ha, y2));
  CU_ASSERT(TestRelDiff(y1, y2) < 1e-13);
  TCALL(PetscRandomDestroy(&rnd));
  TCALL(VecDestroy(&v));
  TCALL(VecDestroy(&y1));
  TCALL(VecDestroy(&y2));
  TCALL(MatDestroy(&Hs));
  TCALL(MatDestroy(&Ha));
  TCALL(CurioProblemDestroy(&p));
}

/* x^T H y = y^T H x for random x, y (HPCG's TestSymmetry) */
static void TestShellSymmetric(void)
{
  CurioProblem p;
  Mat          Hs;
  Vec          x, y, Hx, Hy;
  PetscRandom  rnd;
  PetscReal    xHy, yHx, scale;

  TCALL(TestProblemCreate(40, 12, PETSC_FALSE, CURIO_REGULARIZER_RIDGE, CURIO_SOLVER_KRYLOV, 0, &p));
  TCALL(CurioHessianCreateShell(TestPhi(p), TestCurvature(p), TestMask(p), s, &Hs));
  TCALL(MatCreateVecs(Hs, &x, &y));
  TCALL(VecDuplicate(x, &Hx));
  TCALL(VecDuplicate(x, &Hy));
  TCALL(PetscRandomCreate(PETSC_COMM_WORLD, &rnd));
  for (int k = 0; k < 5; k++) {
    TCALL(VecSetRandom(x, rnd));
    TCALL(VecSetRandom(y, rnd));
    TCALL(MatMult(Hs, x, Hx));
    TCALL(MatMult(Hs, y, Hy));
    TCALL(VecDot(Hy, x, &xHy));
    TCALL(VecDot(Hx, y, &yHx));
    TCALL(VecNorm(Hx, NORM_2, &scale));
    CU_ASSERT(PetscAbsReal(xHy - yHx) < 1e-13 * scale * 10);
  }
  TCALL(PetscRandomDestroy(&rnd));
  TCALL(VecDestroy(&x));
  TCALL(VecDestroy(&y));
  TCALL(VecDestroy(&Hx));
  TCALL(VecDestroy(&Hy));
  TCALL(MatDestroy(&Hs));
  TCALL(CurioProblemDestroy(&p));
}

/* A random sparse Phi (MPIAIJ, about 6 nonzeros per row, the same entries for any rank count), a positive curvature c
   and a restricted mask m */
static PetscErrorCode SparseProblem(PetscInt n, PetscInt d, Mat *Phi, Vec *c, Vec *m)
{
  PetscInt rstart, rend;

  PetscFunctionBeginUser;
  PetscCall(MatCreateAIJ(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, n, d, 8, NULL, 8, NULL, Phi));
  PetscCall(MatGetOwnershipRange(*Phi, &rstart, &rend));
  for (PetscInt i = rstart; i < rend; i++)
    for (PetscInt k = 0; k < 6; k++) {
      PetscInt    j = (PetscInt) ((i * 7919 + k * 104729 + (i * k) % 13) % d);
      PetscScalar a = PetscSinReal(1.0 + i + 0.37 * k);
      PetscCall(MatSetValues(*Phi, 1, &i, 1, &j, &a, ADD_VALUES));
    }
  PetscCall(MatAssemblyBegin(*Phi, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*Phi, MAT_FINAL_ASSEMBLY));
  PetscCall(MatCreateVecs(*Phi, m, c));
  PetscCall(VecGetOwnershipRange(*c, &rstart, &rend));
  for (PetscInt i = rstart; i < rend; i++) PetscCall(VecSetValue(*c, i, 1.5 + PetscCosReal(0.3 * i), INSERT_VALUES));
  PetscCall(VecAssemblyBegin(*c));
  PetscCall(VecAssemblyEnd(*c));
  PetscCall(VecSet(*m, 1.0));
  PetscCall(VecSetValue(*m, 0, 0.0, INSERT_VALUES));
  PetscCall(VecAssemblyBegin(*m));
  PetscCall(VecAssemblyEnd(*m));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The operator's parts: dense rows (n x d, a problem of the harness) when n > 0, else the sparse problem above */
static PetscErrorCode OperatorCreate(PetscInt n, PetscInt d, CurioProblem *p, Mat *Phi, Vec *c, Vec *m)
{
  PetscFunctionBeginUser;
  *p = NULL;
  if (n > 0) {
    PetscCall(TestProblemCreate(n, d, PETSC_TRUE, CURIO_REGULARIZER_RESTRICTED, CURIO_SOLVER_KRYLOV, 0, p));
    *Phi = TestPhi(*p), *c = TestCurvature(*p), *m = TestMask(*p);
  } else PetscCall(SparseProblem(503, 97, Phi, c, m));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode OperatorDestroy(CurioProblem *p, Mat *Phi, Vec *c, Vec *m)
{
  PetscFunctionBeginUser;
  if (*p) PetscCall(CurioProblemDestroy(p));
  else {
    PetscCall(MatDestroy(Phi));
    PetscCall(VecDestroy(c));
    PetscCall(VecDestroy(m));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* max |diag(Hs) - diag(H)| / max |diag(H)| for H assembled from (Phi, c, m, sv) */
static PetscErrorCode DiagonalDiff(Mat Hs, Mat Phi, Vec c, Vec m, PetscReal sv, PetscReal *diff)
{
  Mat Ha;
  Vec y1, y2;

  PetscFunctionBeginUser;
  PetscCall(AssembleHessian(Phi, c, m, sv, &Ha));
  PetscCall(MatCreateVecs(Hs, &y1, &y2));
  PetscCall(MatGetDiagonal(Hs, y1));
  PetscCall(MatGetDiagonal(Ha, y2));
  *diff = TestRelDiff(y1, y2);
  PetscCall(VecDestroy(&y1));
  PetscCall(VecDestroy(&y2));
  PetscCall(MatDestroy(&Ha));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The diagonal is kept between calls: after new values of c (CurioHessianShellResetDiagonal) and a new s it is the
   assembled operator's, on dense rows (1001 columns: the column squares' groups of four and the one left) and sparse */
static void TestDiagonalFollowsCurvature(void)
{
  for (int dense = 0; dense < 2; dense++) {
    CurioProblem p = NULL;
    Mat          Phi, Hs;
    Vec          c, m, y;
    PetscReal    diff;

    TCALL(OperatorCreate(dense ? 203 : 0, 1001, &p, &Phi, &c, &m));
    TCALL(CurioHessianCreateShell(Phi, c, m, s, &Hs));
    TCALL(MatCreateVecs(Hs, &y, NULL));
    TCALL(MatGetDiagonal(Hs, y)); /* computed and kept */
    TCALL(VecDestroy(&y));
    TCALL(VecScale(c, 2.5));
    TCALL(VecShift(c, 0.125));
    TCALL(CurioHessianShellResetDiagonal(Hs));
    TCALL(CurioHessianShellSetRegularity(Hs, 3 * s));
    TCALL(DiagonalDiff(Hs, Phi, c, m, 3 * s, &diff));
    CU_ASSERT(diff < 1e-13);
    TCALL(CurioHessianShellSetRegularity(Hs, s)); /* s alone: from the kept diagonal */
    TCALL(DiagonalDiff(Hs, Phi, c, m, s, &diff));
    CU_ASSERT(diff < 1e-13);
    TCALL(MatDestroy(&Hs));
    TCALL(OperatorDestroy(&p, &Phi, &c, &m));
  }
}

/* The fused one-pass H v against its two-pass reference twin, on sparse (MPIAIJ) and dense rows: 1e-14. The dense
   rows: 23 columns (one block of rows per rank), and 1001 (blocks of 128 rows, the last one partial; a column left over
   after the groups of four) */
static void TestFusedMatchesTwoPass(void)
{
  for (int dense = 0; dense < 3; dense++) {
    CurioProblem p = NULL;
    Mat          Phi, Hf, Ht;
    Vec          c, m, v, y1, y2;
    PetscRandom  rnd;

    TCALL(OperatorCreate(dense ? 301 : 0, dense == 1 ? 23 : 1001, &p, &Phi, &c, &m));
    TCALL(CurioHessianCreateShell(Phi, c, m, s, &Hf));
    TCALL(CurioHessianCreateShell(Phi, c, m, s, &Ht));
    TCALL(CurioHessianShellSetFused(Ht, PETSC_FALSE));
    TCALL(MatCreateVecs(Hf, &v, &y1));
    TCALL(VecDuplicate(y1, &y2));
    TCALL(PetscRandomCreate(PETSC_COMM_WORLD, &rnd));
    for (int k = 0; k < 5; k++) {
      TCALL(VecSetRandom(v, rnd));
      TCALL(MatMult(Hf, v, y1));
      TCALL(MatMult(Ht, v, y2));
      CU_ASSERT(TestRelDiff(y1, y2) < 1e-14);
    }
    TCALL(PetscRandomDestroy(&rnd));
    TCALL(VecDestroy(&v));
    TCALL(VecDestroy(&y1));
    TCALL(VecDestroy(&y2));
    TCALL(MatDestroy(&Hf));
    TCALL(MatDestroy(&Ht));
    TCALL(OperatorDestroy(&p, &Phi, &c, &m));
  }
}

/* The direct path's replicated Gram matrix, column by column, against the assembled H at s = 0 */
static void TestGramMatchesAssembled(void)
{
  CurioProblem p;
  Mat          Ha;
  Vec          e, col;
  PetscInt     d;
  PetscReal   *G, *colfull;

  TCALL(TestProblemCreate(1000, 7, PETSC_TRUE, CURIO_REGULARIZER_RIDGE, CURIO_SOLVER_DIRECT, 0, &p));
  d = TestSize(p);
  TCALL(PetscMalloc2(d * d, &G, d, &colfull));
  TCALL(CurioGramCompute(TestPhi(p), TestCurvature(p), G));
  TCALL(AssembleHessian(TestPhi(p), TestCurvature(p), TestMask(p), 0.0, &Ha));
  TCALL(MatCreateVecs(Ha, &e, &col));
  for (PetscInt j = 0; j < d; j++) {
    TCALL(VecSet(e, 0.0));
    TCALL(VecSetValue(e, j, 1.0, INSERT_VALUES));
    TCALL(VecAssemblyBegin(e));
    TCALL(VecAssemblyEnd(e));
    TCALL(MatMult(Ha, e, col));
    TCALL(CurioVecGatherAll(col, colfull));
    CU_ASSERT(TestRelDiffArray(d, G + j * d, colfull) < 1e-13);
  }
  TCALL(VecDestroy(&e));
  TCALL(VecDestroy(&col));
  TCALL(MatDestroy(&Ha));
  TCALL(PetscFree2(G, colfull));
  TCALL(CurioProblemDestroy(&p));
}

int main(int argc, char **argv)
{
  const TestCase tests[] = {
      {"MATSHELL H v equals the assembled H v", TestShellMatchesAssembled},
      {"MATSHELL H is symmetric", TestShellSymmetric},
      {"fused one-pass H v equals the two-pass reference", TestFusedMatchesTwoPass},
      {"the kept diagonal follows c and s", TestDiagonalFollowsCurvature},
      {"Gram by syrk equals the assembled Phi^T W Phi", TestGramMatchesAssembled},
      {NULL, NULL},
  };
  return TestMain(argc, argv, "t001_hessian", tests);
}

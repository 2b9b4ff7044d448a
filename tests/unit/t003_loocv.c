/* t003: exact LOOCV from one eigendecomposition against brute-force refits without each point (direct solver, weight
   0); the hat values against w_i phi_i^T H^{-1} phi_i from an explicit inverse; the curves' definitions; the optimum.
     mpiexec -n 4 ./t003_loocv */
#include "harness.h"

/* LOO residuals y_i - phi_i . theta_{-i} by n refits, each with w_i = 0 */
static PetscErrorCode BruteForceLOO(CurioProblem p, PetscReal s, Vec rloo)
{
  PetscInt lo, hi, n;
  Vec      wi, wy, rhs, theta, eta;

  PetscFunctionBeginUser;
  PetscCall(VecGetSize(TestLabels(p), &n));
  PetscCall(VecGetOwnershipRange(rloo, &lo, &hi));
  PetscCall(VecDuplicate(TestWeights(p), &wi));
  PetscCall(VecDuplicate(TestWeights(p), &wy));
  PetscCall(VecDuplicate(TestWeights(p), &eta));
  PetscCall(VecDuplicate(TestTheta(p), &rhs));
  PetscCall(VecDuplicate(TestTheta(p), &theta));
  for (PetscInt i = 0; i < n; i++) {
    CurioSolver solver;
    PetscReal   val = 0, all;
    PetscCall(VecCopy(TestWeights(p), wi));
    PetscCall(VecSetValue(wi, i, 0.0, INSERT_VALUES));
    PetscCall(VecAssemblyBegin(wi));
    PetscCall(VecAssemblyEnd(wi));
    PetscCall(CurioSolverCreate(PETSC_COMM_WORLD, &solver));
    PetscCall(CurioSolverSetType(solver, CURIO_SOLVER_DIRECT));
    PetscCall(CurioSolverSetOperator(solver, TestPhi(p), wi, TestMask(p)));
    PetscCall(CurioSolverSetRegularity(solver, s));
    PetscCall(VecPointwiseMult(wy, wi, TestLabels(p)));
    PetscCall(MatMultTranspose(TestPhi(p), wy, rhs));
    PetscCall(CurioSolverSolve(solver, rhs, theta));
    PetscCall(MatMult(TestPhi(p), theta, eta));
    PetscCall(VecAYPX(eta, -1.0, TestLabels(p)));
    if (i >= lo && i < hi) {
      const PetscScalar *a;
      PetscCall(VecGetArrayRead(eta, &a));
      val = a[i - lo];
      PetscCall(VecRestoreArrayRead(eta, &a));
    }
    PetscCallMPI(MPI_Allreduce(&val, &all, 1, MPIU_REAL, MPI_SUM, PETSC_COMM_WORLD));
    PetscCall(VecSetValue(rloo, i, all, INSERT_VALUES));
    PetscCall(CurioSolverDestroy(&solver));
  }
  PetscCall(VecAssemblyBegin(rloo));
  PetscCall(VecAssemblyEnd(rloo));
  PetscCall(VecDestroy(&wi));
  PetscCall(VecDestroy(&wy));
  PetscCall(VecDestroy(&eta));
  PetscCall(VecDestroy(&rhs));
  PetscCall(VecDestroy(&theta));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void CheckProblem(CurioProblem p, PetscReal s, const char *label)
{
  CurioLOOCV cv;
  Vec        rloo, hat, brute, hq;
  PetscReal  err, errh, *Hinv, exact, approx, gcv, sum_r2l, n;
  PetscInt   d = TestSize(p), N;

  TCALL(CurioLOOCVCreate(TestPhi(p), TestLabels(p), TestWeights(p), (PetscBool) (TestRegularizer(p) == CURIO_REGULARIZER_RESTRICTED), NULL, &cv));
  TCALL(VecDuplicate(TestLabels(p), &rloo));
  TCALL(VecDuplicate(TestLabels(p), &hat));
  TCALL(VecDuplicate(TestLabels(p), &brute));
  TCALL(VecDuplicate(TestLabels(p), &hq));
  TCALL(CurioLOOCVResiduals(cv, s, rloo, hat));
  TCALL(BruteForceLOO(p, s, brute));
  err = TestRelDiff(rloo, brute);

  /* h_i = w_i phi_i^T H^{-1} phi_i with H^{-1} from the Cholesky factor */
  TCALL(CurioSolverSetRegularity(TestSolver(p), s));
  TCALL(PetscMalloc1(d * d, &Hinv));
  TCALL(CurioSolverGetInverse(TestSolver(p), Hinv));
  TCALL(CurioScoreQuadraticForm(TestPhi(p), Hinv, hq));
  TCALL(VecPointwiseMult(hq, hq, TestWeights(p)));
  errh = TestRelDiff(hat, hq);
  TCALL(PetscFree(Hinv));
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  %s: LOO residuals vs %s refits: rel. error %.2e; hat values vs explicit inverse: %.2e", label,
                    "brute-force", (double) err, (double) errh));
  CU_ASSERT(err <= 1e-10);
  CU_ASSERT(errh <= 1e-10);

  /* the curves at s from their definitions in MATH.md section 5 */
  TCALL(CurioLOOCVEvaluate(cv, 1, &s, &exact, &approx, &gcv));
  TCALL(VecGetSize(TestLabels(p), &N));
  n = N;
  {
    Vec       r;
    PetscReal r2, sumh, r2h;
    TCALL(VecDuplicate(TestLabels(p), &r));
    TCALL(VecDot(brute, brute, &sum_r2l));
    CU_ASSERT(PetscAbsReal(exact - sum_r2l / n) <= 1e-10 * exact); /* the mean squared error of the LOO predictions */
    /* ordinary residuals r = rloo (1 - h) */
    TCALL(VecSet(r, 1.0));
    TCALL(VecAXPY(r, -1.0, hq));
    TCALL(VecPointwiseMult(r, r, brute));
    TCALL(VecDot(r, r, &r2));
    TCALL(VecSum(hq, &sumh));
    CU_ASSERT(PetscAbsReal(gcv - n * r2 / ((n - sumh) * (n - sumh))) <= 1e-10 * gcv);
    TCALL(VecPointwiseMult(r, r, r));
    TCALL(VecDot(r, hq, &r2h));
    CU_ASSERT(PetscAbsReal(approx - (r2 + 2.0 * r2h) / n) <= 1e-10 * approx);
    TCALL(VecDestroy(&r));
  }
  TCALL(VecDestroy(&rloo));
  TCALL(VecDestroy(&hat));
  TCALL(VecDestroy(&brute));
  TCALL(VecDestroy(&hq));
  TCALL(CurioLOOCVDestroy(&cv));
}

static void TestExactLOO(void)
{
  CurioProblem p;

  TCALL(TestProblemCreate(37, 6, PETSC_FALSE, CURIO_REGULARIZER_RIDGE, CURIO_SOLVER_DIRECT, 0, &p));
  CheckProblem(p, 0.8, "ridge, weighted");
  TCALL(CurioProblemDestroy(&p));
  TCALL(TestProblemCreate(37, 6, PETSC_TRUE, CURIO_REGULARIZER_RESTRICTED, CURIO_SOLVER_DIRECT, 0, &p));
  CheckProblem(p, 0.8, "restricted (intercept unpenalized), weighted");
  TCALL(CurioProblemDestroy(&p));
  TCALL(TestProblemCreateBuiltin(CURIO_SOLVER_DIRECT, &p));
  CheckProblem(p, 0.0445, "paper example");
  TCALL(CurioProblemDestroy(&p));
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n"));
}

/* The refined optimum is a local minimum of the exact curve: nearby values of s are no better */
static void TestOptimum(void)
{
  CurioProblem p;
  CurioLOOCV   cv;
  PetscReal    sv[3], cvv[3];

  TCALL(TestProblemCreateBuiltin(CURIO_SOLVER_DIRECT, &p));
  TCALL(CurioProblemComputeLOOCV(p));
  CU_ASSERT(!TestCurve(p)->at_boundary);
  TCALL(CurioLOOCVCreate(TestPhi(p), TestLabels(p), TestWeights(p), PETSC_FALSE, NULL, &cv));
  sv[0] = TestCurve(p)->s_opt * (1 - 1e-3);
  sv[1] = TestCurve(p)->s_opt;
  sv[2] = TestCurve(p)->s_opt * (1 + 1e-3);
  TCALL(CurioLOOCVEvaluate(cv, 3, sv, cvv, NULL, NULL));
  CU_ASSERT(cvv[1] <= cvv[0] && cvv[1] <= cvv[2]);
  for (PetscInt j = 0; j < TestCurve(p)->ns; j++) CU_ASSERT(TestCurve(p)->cv_opt <= TestCurve(p)->exact[j]);
  TCALL(CurioLOOCVDestroy(&cv));
  TCALL(CurioProblemDestroy(&p));
}

int main(int argc, char **argv)
{
  const TestCase tests[] = {
      {"exact LOO residuals equal brute-force refits", TestExactLOO},
      {"the refined s_opt minimizes the exact curve", TestOptimum},
      {NULL, NULL},
  };
  return TestMain(argc, argv, "t003_loocv", tests);
}

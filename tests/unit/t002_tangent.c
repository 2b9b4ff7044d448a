/* t002: the regularity tangent theta_dot = d(theta*)/ds against central finite differences of theta*(s); the
   identity dR(theta*_eps)/d eps = ldot(z) (MATH.md section 3) by re-solving with a perturbed weight; and the direct
   and Krylov paths against each other.
     mpiexec -n 4 ./t002_tangent */
#include "harness.h"

/* || theta_dot - (theta*(s+h) - theta*(s-h)) / 2h || / || theta_dot || */
static PetscErrorCode TangentFDError(CurioProblem p, PetscReal s, PetscReal *err)
{
  Vec       tp, tdot;
  PetscReal h = 1e-4 * s;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(TestTheta(p), &tp));
  PetscCall(VecDuplicate(TestTheta(p), &tdot));
  PetscCall(CurioProblemSolve(p, s + h));
  PetscCall(VecCopy(TestTheta(p), tp));
  PetscCall(CurioProblemSolve(p, s - h));
  PetscCall(VecAXPY(tp, -1.0, TestTheta(p)));
  PetscCall(VecScale(tp, 1.0 / (2 * h)));
  PetscCall(CurioProblemSolve(p, s));
  *err = TestRelDiff(tp, TestThetaDot(p));
  PetscCall(VecDestroy(&tp));
  PetscCall(VecDestroy(&tdot));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void TestTangentFD(void)
{
  const CurioSolverType      types[] = {CURIO_SOLVER_DIRECT, CURIO_SOLVER_KRYLOV};
  const CurioRegularizerType regs[]  = {CURIO_REGULARIZER_RIDGE, CURIO_REGULARIZER_RESTRICTED};

  for (int t = 0; t < 2; t++)
    for (int r = 0; r < 2; r++) {
      CurioProblem p;
      PetscReal    err;
      TCALL(TestProblemCreate(80, 8, PETSC_TRUE, regs[r], types[t], 0, &p));
      TCALL(TangentFDError(p, 2.5, &err));
      TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  tangent vs central FD (%s, %s): rel. error %.2e", CurioSolverTypes[t], CurioRegularizerTypes[r],
                        (double) err));
      CU_ASSERT(err <= 1e-6);
      TCALL(CurioProblemDestroy(&p));
    }
  {
    CurioProblem p;
    PetscReal    err;
    TCALL(TestProblemCreateBuiltin(CURIO_SOLVER_DIRECT, &p));
    TCALL(TangentFDError(p, 0.05, &err));
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  tangent vs central FD (paper example): rel. error %.2e\n", (double) err));
    CU_ASSERT(err <= 1e-6);
    TCALL(CurioProblemDestroy(&p));
  }
}

static void TestIdentity(void)
{
  const CurioRegularizerType regs[] = {CURIO_REGULARIZER_RIDGE, CURIO_REGULARIZER_RESTRICTED};

  for (int r = 0; r < 2; r++)
    for (PetscInt k = 3; k < 60; k += 25) {
      CurioProblem p;
      PetscReal    s = 1.3, h = 1e-4, wk, eta_k, y_k, fdot_k, dl, Rp, Rm, ldot, fd;
      Vec          eta, fdot;
      TCALL(TestProblemCreate(60, 6, PETSC_TRUE, regs[r], CURIO_SOLVER_DIRECT, 0, &p));
      TCALL(CurioProblemSolve(p, s));
      TCALL(MatCreateVecs(TestPhi(p), NULL, &eta));
      TCALL(VecDuplicate(eta, &fdot));
      TCALL(MatMult(TestPhi(p), TestTheta(p), eta));
      TCALL(MatMult(TestPhi(p), TestThetaDot(p), fdot));
      eta_k  = TestEntry(eta, k);
      fdot_k = TestEntry(fdot, k);
      y_k    = TestEntry(TestLabels(p), k);
      wk     = TestEntry(TestWeights(p), k);
      TCALL(CurioLossEvaluate(TestLoss(p), eta_k, y_k, NULL, &dl, NULL));
      ldot = dl * fdot_k; /* eq. 65: grad l(z) . theta_dot */
      /* up-weighting z by eps adds eps l(z) to the objective: w_k -> w_k + eps */
      TCALL(TestSetWeight(p, k, wk + h));
      TCALL(CurioProblemSolve(p, s));
      TCALL(CurioModelRegularizerValue(TestModel(p), TestTheta(p), TestMask(p), TestCenter(p), &Rp));
      TCALL(TestSetWeight(p, k, wk - h));
      TCALL(CurioProblemSolve(p, s));
      TCALL(CurioModelRegularizerValue(TestModel(p), TestTheta(p), TestMask(p), TestCenter(p), &Rm));
      fd = (Rp - Rm) / (2 * h);
      TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  dR/deps = %.10e, ldot(z) = %.10e (%s, point %" PetscInt_FMT "): rel. error %.2e", (double) fd,
                        (double) ldot, CurioRegularizerTypes[r], k, (double) (PetscAbsReal(fd - ldot) / PetscAbsReal(ldot))));
      CU_ASSERT(PetscAbsReal(fd - ldot) <= 1e-6 * PetscAbsReal(ldot));
      TCALL(VecDestroy(&eta));
      TCALL(VecDestroy(&fdot));
      TCALL(CurioProblemDestroy(&p));
    }
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n"));
}

/* Condition number of H = G + s diag(m) from its eigenvalues */
static PetscErrorCode ConditionNumber(CurioProblem p, PetscReal s, PetscReal *cond)
{
  PetscInt   d = TestSize(p);
  PetscReal *H, *lam, *V, *m;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc4(d * d, &H, d, &lam, d * d, &V, d, &m));
  PetscCall(CurioGramCompute(TestPhi(p), TestCurvature(p), H));
  PetscCall(CurioVecGatherAll(TestMask(p), m));
  for (PetscInt j = 0; j < d; j++) H[j + j * d] += s * m[j];
  PetscCall(CurioDenseEigen(PETSC_COMM_WORLD, d, H, lam, V));
  *cond = lam[d - 1] / lam[0];
  PetscCall(PetscFree4(H, lam, V, m));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode CompareSolvers(CurioProblem pd, CurioProblem pk, PetscReal s, PetscReal *et, PetscReal *etd)
{
  PetscFunctionBeginUser;
  PetscCall(CurioProblemSolve(pd, s));
  PetscCall(CurioProblemSolve(pk, s));
  *et  = TestRelDiff(TestTheta(pk), TestTheta(pd));
  *etd = TestRelDiff(TestThetaDot(pk), TestThetaDot(pd));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void TestDirectVsKrylov(void)
{
  CurioProblem pd, pk;
  PetscReal    et, etd, cond, rtol;

  TCALL(TestProblemCreate(300, 10, PETSC_FALSE, CURIO_REGULARIZER_RIDGE, CURIO_SOLVER_DIRECT, 0, &pd));
  TCALL(TestProblemCreate(300, 10, PETSC_FALSE, CURIO_REGULARIZER_RIDGE, CURIO_SOLVER_KRYLOV, 0, &pk));
  TCALL(CompareSolvers(pd, pk, 1.0, &et, &etd));
  TCALL(ConditionNumber(pd, 1.0, &cond));
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  well-conditioned (cond %.1f): theta rel. diff %.2e, theta_dot rel. diff %.2e", (double) cond, (double) et,
                    (double) etd));
  CU_ASSERT(et <= 1e-8 && etd <= 1e-8);
  TCALL(CurioProblemDestroy(&pd));
  TCALL(CurioProblemDestroy(&pk));

  TCALL(TestProblemCreateBuiltin(CURIO_SOLVER_DIRECT, &pd));
  TCALL(TestProblemCreateBuiltin(CURIO_SOLVER_KRYLOV, &pk));
  TCALL(CompareSolvers(pd, pk, 0.0445, &et, &etd));
  TCALL(ConditionNumber(pd, 0.0445, &cond));
  rtol = 1e-12; /* the solver's default, unless given */
  TCALL(PetscOptionsGetReal(NULL, NULL, "-curio_ksp_rtol", &rtol, NULL));
  TCALL(PetscPrintf(PETSC_COMM_WORLD,
                    "\n  paper example (cond %.3e, rtol %.0e): theta rel. diff %.2e, theta_dot rel. diff %.2e, bound cond*rtol = %.2e\n",
                    (double) cond, (double) rtol, (double) et, (double) etd, (double) (cond * rtol)));
  CU_ASSERT(et <= cond * rtol && etd <= cond * rtol);
  TCALL(CurioProblemDestroy(&pd));
  TCALL(CurioProblemDestroy(&pk));
}

int main(int argc, char **argv)
{
  const TestCase tests[] = {
      {"theta_dot equals a central difference of theta*(s)", TestTangentFD},
      {"dR/d eps equals ldot(z) (MATH.md section 3)", TestIdentity},
      {"direct and Krylov paths agree", TestDirectVsKrylov},
      {NULL, NULL},
  };
  return TestMain(argc, argv, "t002_tangent", tests);
}

/* t007: every loss (squared, logistic, Poisson) against finite differences: the objective's gradient, the Hessian-vector
   product of the matrix-free Hessian, the tangent theta_dot = d(theta*)/ds (TAO Newton training, both solver paths);
   the identity dR/d eps = ldot(z) for the GLMs; the CG tangent against the dense direct one.
     mpiexec -n 4 ./t007_glm */
#include "harness.h"

static const CurioLossType losses[] = {CURIO_LOSS_SQUARED, CURIO_LOSS_LOGISTIC, CURIO_LOSS_POISSON};

/* a fixed direction with entries of both signs */
static PetscErrorCode Direction(Vec v)
{
  PetscInt     lo, hi;
  PetscScalar *a;

  PetscFunctionBeginUser;
  PetscCall(VecGetOwnershipRange(v, &lo, &hi));
  PetscCall(VecGetArrayWrite(v, &a));
  for (PetscInt j = lo; j < hi; j++) a[j - lo] = PetscSinReal(1.0 + 3.0 * j);
  PetscCall(VecRestoreArrayWrite(v, &a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void TestGradientAndHVP(void)
{
  for (int k = 0; k < 3; k++) {
    CurioProblem p;
    Vec          v, th, tp, g, gp, gm, Hv, fd;
    PetscReal    s = 0.7, h = 1e-5, fp, fm, f0, gv, errg, errh;
    Mat          H;
    TCALL(TestProblemCreateLoss(losses[k], 70, 6, PETSC_TRUE, CURIO_REGULARIZER_RIDGE, CURIO_SOLVER_KRYLOV, 0, &p));
    TCALL(VecDuplicate(TestTheta(p), &v));
    TCALL(VecDuplicate(TestTheta(p), &th));
    TCALL(VecDuplicate(TestTheta(p), &tp));
    TCALL(VecDuplicate(TestTheta(p), &g));
    TCALL(VecDuplicate(TestTheta(p), &gp));
    TCALL(VecDuplicate(TestTheta(p), &gm));
    TCALL(VecDuplicate(TestTheta(p), &Hv));
    TCALL(VecDuplicate(TestTheta(p), &fd));
    TCALL(Direction(v));
    TCALL(VecSet(th, 0.05)); /* a point that is not the optimum */
    TCALL(CurioFitObjective(TestFit(p), s, th, &f0, g));
    TCALL(VecDot(g, v, &gv));
    TCALL(VecWAXPY(tp, h, v, th));
    TCALL(CurioFitObjective(TestFit(p), s, tp, &fp, gp));
    TCALL(VecWAXPY(tp, -h, v, th));
    TCALL(CurioFitObjective(TestFit(p), s, tp, &fm, gm));
    errg = PetscAbsReal((fp - fm) / (2 * h) - gv) / PetscAbsReal(gv);
    /* H(th) v against (g(th + h v) - g(th - h v)) / 2h */
    TCALL(CurioFitSetCurvatureAt(TestFit(p), th, s));
    TCALL(CurioSolverGetHessianShell(TestSolver(p), &H));
    TCALL(MatMult(H, v, Hv));
    TCALL(VecWAXPY(fd, -1.0, gm, gp));
    TCALL(VecScale(fd, 1.0 / (2 * h)));
    errh = TestRelDiff(Hv, fd);
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  %-8s gradient vs FD of L: %.2e; H v vs FD of the gradient: %.2e", CurioLossTypes[losses[k]],
                      (double) errg, (double) errh));
    CU_ASSERT(errg <= 1e-6);
    CU_ASSERT(errh <= 1e-6);
    TCALL(VecDestroy(&v));
    TCALL(VecDestroy(&th));
    TCALL(VecDestroy(&tp));
    TCALL(VecDestroy(&g));
    TCALL(VecDestroy(&gp));
    TCALL(VecDestroy(&gm));
    TCALL(VecDestroy(&Hv));
    TCALL(VecDestroy(&fd));
    TCALL(CurioProblemDestroy(&p));
  }
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n"));
}

static void TestTangentFD(void)
{
  const CurioSolverType types[] = {CURIO_SOLVER_DIRECT, CURIO_SOLVER_KRYLOV};

  for (int k = 0; k < 3; k++)
    for (int t = 0; t < 2; t++) {
      CurioProblem p;
      Vec          tp;
      PetscReal    s = 0.9, h = 1e-4 * s, err, gn;
      TCALL(TestProblemCreateLoss(losses[k], 80, 5, PETSC_TRUE, CURIO_REGULARIZER_RESTRICTED, types[t], 0, &p));
      TCALL(VecDuplicate(TestTheta(p), &tp));
      TCALL(CurioProblemSolve(p, s + h));
      TCALL(VecCopy(TestTheta(p), tp));
      TCALL(CurioProblemSolve(p, s - h));
      TCALL(VecAXPY(tp, -1.0, TestTheta(p)));
      TCALL(VecScale(tp, 1.0 / (2 * h)));
      TCALL(CurioProblemSolve(p, s));
      err = TestRelDiff(tp, TestThetaDot(p));
      {
        Vec       g;
        PetscReal f;
        TCALL(VecDuplicate(TestTheta(p), &g));
        TCALL(CurioFitObjective(TestFit(p), s, TestTheta(p), &f, g));
        TCALL(VecNorm(g, NORM_2, &gn));
        TCALL(VecDestroy(&g));
      }
      TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  %-8s %-6s: |grad L(theta*)| = %.1e, theta_dot vs central FD of theta*(s): %.2e",
                        CurioLossTypes[losses[k]], CurioSolverTypes[types[t]], (double) gn, (double) err));
      CU_ASSERT(err <= 1e-6);
      TCALL(VecDestroy(&tp));
      TCALL(CurioProblemDestroy(&p));
    }
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n"));
}

static void TestIdentityGLM(void)
{
  for (int k = 1; k < 3; k++) {
    CurioProblem p;
    PetscInt     z = 17;
    PetscReal    s = 1.1, h = 1e-4, wk, dl, Rp, Rm, ldot, fd;
    Vec          eta, fdot;
    TCALL(TestProblemCreateLoss(losses[k], 60, 5, PETSC_TRUE, CURIO_REGULARIZER_RIDGE, CURIO_SOLVER_DIRECT, 0, &p));
    TCALL(CurioProblemSolve(p, s));
    TCALL(MatCreateVecs(TestPhi(p), NULL, &eta));
    TCALL(VecDuplicate(eta, &fdot));
    TCALL(MatMult(TestPhi(p), TestTheta(p), eta));
    TCALL(MatMult(TestPhi(p), TestThetaDot(p), fdot));
    TCALL(CurioLossEvaluate(TestLoss(p), TestEntry(eta, z), TestEntry(TestLabels(p), z), NULL, &dl, NULL));
    ldot = dl * TestEntry(fdot, z);
    wk   = TestEntry(TestWeights(p), z);
    TCALL(TestSetWeight(p, z, wk + h));
    TCALL(CurioProblemSolve(p, s));
    TCALL(CurioModelRegularizerValue(TestModel(p), TestTheta(p), TestMask(p), TestCenter(p), &Rp));
    TCALL(TestSetWeight(p, z, wk - h));
    TCALL(CurioProblemSolve(p, s));
    TCALL(CurioModelRegularizerValue(TestModel(p), TestTheta(p), TestMask(p), TestCenter(p), &Rm));
    fd = (Rp - Rm) / (2 * h);
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  %-8s dR/deps = %.10e, ldot(z) = %.10e: rel. error %.2e", CurioLossTypes[losses[k]], (double) fd,
                      (double) ldot, (double) (PetscAbsReal(fd - ldot) / PetscAbsReal(ldot))));
    CU_ASSERT(PetscAbsReal(fd - ldot) <= 1e-6 * PetscAbsReal(ldot));
    TCALL(VecDestroy(&eta));
    TCALL(VecDestroy(&fdot));
    TCALL(CurioProblemDestroy(&p));
  }
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n"));
}

static void TestKrylovVsDirect(void)
{
  for (int k = 0; k < 3; k++) {
    CurioProblem pd, pk;
    PetscReal    et, etd;
    TCALL(TestProblemCreateLoss(losses[k], 120, 8, PETSC_FALSE, CURIO_REGULARIZER_RIDGE, CURIO_SOLVER_DIRECT, 0, &pd));
    TCALL(TestProblemCreateLoss(losses[k], 120, 8, PETSC_FALSE, CURIO_REGULARIZER_RIDGE, CURIO_SOLVER_KRYLOV, 0, &pk));
    TCALL(CurioProblemSolve(pd, 0.5));
    TCALL(CurioProblemSolve(pk, 0.5));
    et  = TestRelDiff(TestTheta(pk), TestTheta(pd));
    etd = TestRelDiff(TestThetaDot(pk), TestThetaDot(pd));
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  %-8s Krylov vs direct: theta %.2e, theta_dot (CG vs ScaLAPACK Cholesky) %.2e", CurioLossTypes[losses[k]],
                      (double) et, (double) etd));
    CU_ASSERT(et <= 1e-8 && etd <= 1e-8);
    TCALL(CurioProblemDestroy(&pd));
    TCALL(CurioProblemDestroy(&pk));
  }
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n"));
}

int main(int argc, char **argv)
{
  const TestCase tests[] = {
      {"gradient and Hessian-vector product against finite differences", TestGradientAndHVP},
      {"theta_dot against a central difference of theta*(s)", TestTangentFD},
      {"dR/d eps equals ldot(z) for logistic and Poisson", TestIdentityGLM},
      {"CG tangent equals the dense direct tangent", TestKrylovVsDirect},
      {NULL, NULL},
  };
  return TestMain(argc, argv, "t007_glm", tests);
}

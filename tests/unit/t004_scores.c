/* t004: query scores (MATH.md section 4): labeled STI over the training set equals s^2 SLD; SSI and VAR against
   brute force with one solve per reference point or per candidate (the Krylov path, independent of the sandwich
   H^{-1} A H^{-1} the scores use).
     mpiexec -n 4 ./t004_scores */
#include "harness.h"

static void CheckSTI(CurioProblem p, const char *label)
{
  Vec       ref;
  PetscReal err;

  TCALL(VecDuplicate(p->scores.sld, &ref));
  TCALL(VecCopy(p->scores.sld, ref));
  TCALL(VecScale(ref, p->s * p->s));
  err = TestRelDiff(p->scores.sti_labeled, ref);
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  %s: labeled STI vs s^2 SLD: rel. difference %.2e", label, (double) err));
  CU_ASSERT(err <= 1e-10);
  TCALL(VecDestroy(&ref));
}

static void TestSTIEqualsSLD(void)
{
  CurioProblem p;

  TCALL(TestProblemCreateBuiltin(CURIO_SOLVER_DIRECT, &p));
  TCALL(CurioProblemSolve(p, 0.0445));
  TCALL(CurioProblemComputeScores(p));
  CheckSTI(p, "paper example");
  TCALL(CurioProblemDestroy(&p));
  TCALL(TestProblemCreate(90, 7, PETSC_TRUE, CURIO_REGULARIZER_RESTRICTED, CURIO_SOLVER_KRYLOV, 25, &p));
  TCALL(CurioProblemSolve(p, 0.7));
  TCALL(CurioProblemComputeScores(p));
  CheckSTI(p, "weighted, restricted, Krylov");
  TCALL(CurioProblemDestroy(&p));
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n"));
}

/* Row i of a design matrix as a parameter-space vector: Phi^T e_i */
static PetscErrorCode Row(Mat Phi, PetscInt i, Vec e, Vec row)
{
  PetscFunctionBeginUser;
  PetscCall(VecSet(e, 0.0));
  PetscCall(VecSetValue(e, i, 1.0, INSERT_VALUES));
  PetscCall(VecAssemblyBegin(e));
  PetscCall(VecAssemblyEnd(e));
  PetscCall(MatMultTranspose(Phi, e, row));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void TestSSIAndVAR(void)
{
  CurioProblem p;
  Vec          e, ec, row, a, proj, ssi_l, ssi_u, var, c;
  PetscInt     n, m;
  PetscReal    errl, erru, errv;

  TCALL(TestProblemCreate(40, 5, PETSC_TRUE, CURIO_REGULARIZER_RIDGE, CURIO_SOLVER_KRYLOV, 30, &p));
  TCALL(CurioProblemSolve(p, 0.9));
  TCALL(CurioProblemComputeScores(p));
  TCALL(MatGetSize(p->Phi, &n, NULL));
  TCALL(MatGetSize(p->PhiCand, &m, NULL));
  TCALL(MatCreateVecs(p->Phi, &row, &e));
  TCALL(MatCreateVecs(p->PhiCand, NULL, &ec));
  TCALL(VecDuplicate(row, &a));
  TCALL(VecDuplicate(ec, &proj));
  TCALL(VecDuplicate(ec, &ssi_l));
  TCALL(VecDuplicate(ec, &ssi_u));
  TCALL(VecDuplicate(ec, &var));
  TCALL(VecDuplicate(e, &c));
  /* c_l = w l'(eta, y) = w (eta - y) for squared loss */
  TCALL(MatMult(p->Phi, p->theta, c));
  TCALL(VecAXPY(c, -1.0, p->y));
  TCALL(VecPointwiseMult(c, c, p->w));
  TCALL(VecSet(ssi_l, 0.0));
  TCALL(VecSet(ssi_u, 0.0));
  for (PetscInt i = 0; i < n; i++) {
    PetscReal cl = 0, cu = 0, tmp[2], all[2];
    PetscInt  lo, hi;
    TCALL(Row(p->Phi, i, e, row));
    TCALL(CurioSolverSolve(p->solver, row, a)); /* a = H^{-1} phi_i */
    TCALL(MatMult(p->PhiCand, a, proj));        /* phi(x)^T H^{-1} phi_i for every candidate */
    TCALL(VecPointwiseMult(proj, proj, proj));
    TCALL(VecGetOwnershipRange(c, &lo, &hi));
    if (i >= lo && i < hi) {
      const PetscScalar *pc, *pw;
      TCALL(VecGetArrayRead(c, &pc));
      TCALL(VecGetArrayRead(p->w, &pw));
      cl = pc[i - lo];
      cu = pw[i - lo];
      TCALL(VecRestoreArrayRead(c, &pc));
      TCALL(VecRestoreArrayRead(p->w, &pw));
    }
    tmp[0] = cl;
    tmp[1] = cu;
    MPI_Allreduce(tmp, all, 2, MPIU_REAL, MPI_SUM, PETSC_COMM_WORLD);
    TCALL(VecAXPY(ssi_l, all[0] * all[0], proj));
    TCALL(VecAXPY(ssi_u, all[1] * all[1], proj));
  }
  for (PetscInt j = 0; j < m; j++) {
    PetscReal q, val;
    PetscInt  lo, hi;
    TCALL(Row(p->PhiCand, j, ec, row));
    TCALL(CurioSolverSolve(p->solver, row, a));
    TCALL(VecDot(row, a, &q));
    TCALL(VecGetOwnershipRange(var, &lo, &hi));
    val = q;
    if (j >= lo && j < hi) TCALL(VecSetValue(var, j, val, INSERT_VALUES));
  }
  TCALL(VecAssemblyBegin(var));
  TCALL(VecAssemblyEnd(var));
  errl = TestRelDiff(p->scores.ssi_labeled, ssi_l);
  erru = TestRelDiff(p->scores.ssi_unlabeled, ssi_u);
  errv = TestRelDiff(p->scores.var, var);
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  SSI labeled %.2e, SSI unlabeled %.2e, VAR %.2e (rel. difference to brute force)\n", (double) errl,
                    (double) erru, (double) errv));
  CU_ASSERT(errl <= 1e-8 && erru <= 1e-8 && errv <= 1e-8);
  TCALL(VecDestroy(&e));
  TCALL(VecDestroy(&ec));
  TCALL(VecDestroy(&row));
  TCALL(VecDestroy(&a));
  TCALL(VecDestroy(&proj));
  TCALL(VecDestroy(&ssi_l));
  TCALL(VecDestroy(&ssi_u));
  TCALL(VecDestroy(&var));
  TCALL(VecDestroy(&c));
  TCALL(CurioProblemDestroy(&p));
}

int main(int argc, char **argv)
{
  const TestCase tests[] = {
      {"labeled STI over the training set equals s^2 SLD", TestSTIEqualsSLD},
      {"SSI and VAR equal brute force", TestSSIAndVAR},
      {NULL, NULL},
  };
  return TestMain(argc, argv, "t004_scores", tests);
}

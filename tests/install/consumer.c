/* A downstream program built against an installed libcurio (tests/install/test_install.sh): solves the built-in
   example of the paper's section 3.3 through the public API and prints theta_dot's norm. */
#include <curio.h>

int main(int argc, char **argv)
{
  CurioProblem prob;
  CurioFit     fit;
  Vec          theta_dot;
  PetscReal    norm;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(CurioProblemCreate(PETSC_COMM_WORLD, &prob));
  PetscCall(CurioProblemSetFromOptions(prob));
  PetscCall(CurioProblemSetUp(prob));
  PetscCall(CurioProblemSolve(prob, 0.1));
  PetscCall(CurioProblemGetFit(prob, &fit));
  PetscCall(CurioFitGetSolution(fit, NULL, &theta_dot));
  PetscCall(VecNorm(theta_dot, NORM_2, &norm));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "consumer: curio %s solved the built-in example, |theta_dot| = %.6e\n", CURIO_VERSION, (double) norm));
  PetscCall(CurioProblemDestroy(&prob));
  PetscCall(PetscFinalize());
  return 0;
}

/* A downstream program built against an installed libcurio (tests/install/test_install.sh): solves the built-in
   example of the paper's section 3.3 twice through the public API, with the fit driver (CurioProblem) and with the
   layers below it (CurioData, CurioModel, CurioSolver, CurioFit: README, "Using libcurio from a program"), checks that
   the two tangents agree and prints theta_dot's norm. */
#include <curio.h>

/* The layered way: rows, model, design, solver, fit */
static PetscErrorCode SolveLayered(MPI_Comm comm, PetscReal s, PetscReal *norm, Vec *theta_dot_copy)
{
  CurioData    data;
  CurioModel   model;
  CurioSolver  solver;
  CurioFit     fit;
  CurioRows   *train;
  Mat          Phi;
  Vec          y, w, theta_dot;
  PetscScalar *py, *pw;
  PetscInt     nl;

  PetscFunctionBeginUser;
  PetscCall(CurioDataCreate(comm, &data));
  PetscCall(CurioDataLoadBuiltin(data));
  PetscCall(CurioModelCreate(comm, &model));
  PetscCall(CurioModelSetFromOptions(model));
  PetscCall(CurioModelSetUp(model, data));
  PetscCall(CurioDataGetRows(data, CURIO_DATA_TRAIN, &train, NULL));
  PetscCall(CurioModelBuildDesign(model, train, &Phi));
  PetscCall(MatCreateVecs(Phi, NULL, &y)); /* the row layout of the design: this rank's rows */
  PetscCall(VecDuplicate(y, &w));
  PetscCall(VecGetLocalSize(y, &nl));
  PetscCall(VecGetArray(y, &py));
  PetscCall(VecGetArray(w, &pw));
  for (PetscInt i = 0; i < nl; i++) py[i] = train->y[i], pw[i] = train->w[i];
  PetscCall(VecRestoreArray(y, &py));
  PetscCall(VecRestoreArray(w, &pw));
  PetscCall(CurioSolverCreate(comm, &solver));
  PetscCall(CurioSolverSetFromOptions(solver));
  PetscCall(CurioFitCreate(model, Phi, y, w, solver, &fit));
  PetscCall(CurioFitSetUp(fit));
  PetscCall(CurioFitSolve(fit, s));
  PetscCall(CurioFitGetSolution(fit, NULL, &theta_dot));
  PetscCall(VecNorm(theta_dot, NORM_2, norm));
  PetscCall(VecDuplicate(theta_dot, theta_dot_copy));
  PetscCall(VecCopy(theta_dot, *theta_dot_copy));
  PetscCall(CurioFitDestroy(&fit));
  PetscCall(CurioSolverDestroy(&solver));
  PetscCall(MatDestroy(&Phi));
  PetscCall(VecDestroy(&y));
  PetscCall(VecDestroy(&w));
  PetscCall(CurioModelDestroy(&model));
  PetscCall(CurioDataDestroy(&data));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  CurioProblem prob;
  CurioFit     fit;
  Vec          theta_dot, layered;
  PetscReal    norm, norm_layered, diff;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(CurioProblemCreate(PETSC_COMM_WORLD, &prob));
  PetscCall(CurioProblemSetFromOptions(prob));
  PetscCall(CurioProblemSetUp(prob));
  PetscCall(CurioProblemSolve(prob, 0.1));
  PetscCall(CurioProblemGetFit(prob, &fit));
  PetscCall(CurioFitGetSolution(fit, NULL, &theta_dot));
  PetscCall(VecNorm(theta_dot, NORM_2, &norm));
  PetscCall(SolveLayered(PETSC_COMM_WORLD, 0.1, &norm_layered, &layered));
  PetscCall(VecAXPY(layered, -1.0, theta_dot));
  PetscCall(VecNorm(layered, NORM_2, &diff));
  PetscCheck(diff <= 1e-12 * norm, PETSC_COMM_WORLD, PETSC_ERR_PLIB,
             "The layered API's tangent differs from the fit driver's by %g (|theta_dot| = %g)", (double) diff, (double) norm);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "consumer: curio %s solved the built-in example, |theta_dot| = %.6e (layered API: %.6e, difference %.1e)\n",
                        CURIO_VERSION, (double) norm, (double) norm_layered, (double) diff));
  PetscCall(VecDestroy(&layered));
  PetscCall(CurioProblemDestroy(&prob));
  PetscCall(PetscFinalize());
  return 0;
}

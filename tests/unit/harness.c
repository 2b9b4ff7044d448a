#include "harness.h"

PetscReal TestRelDiff(Vec a, Vec b)
{
  Vec       d;
  PetscReal nd, nb;

  VecDuplicate(a, &d);
  VecWAXPY(d, -1.0, b, a);
  VecNorm(d, NORM_INFINITY, &nd);
  VecNorm(b, NORM_INFINITY, &nb);
  VecDestroy(&d);
  return nb > 0 ? nd / nb : nd;
}

PetscReal TestRelDiffArray(PetscInt n, const PetscReal *a, const PetscReal *b)
{
  PetscReal nd = 0, nb = 0;
  for (PetscInt i = 0; i < n; i++) {
    nd = PetscMax(nd, PetscAbsReal(a[i] - b[i]));
    nb = PetscMax(nb, PetscAbsReal(b[i]));
  }
  return nb > 0 ? nd / nb : nd;
}

PetscErrorCode TestProblemCreate(PetscInt n, PetscInt d, PetscBool intercept, CurioRegularizerType reg, CurioSolverType st, PetscInt ncand,
                                 CurioProblem *prob)
{
  PetscFunctionBeginUser;
  PetscCall(TestProblemCreateLoss(CURIO_LOSS_SQUARED, n, d, intercept, reg, st, ncand, prob));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Labels for a loss from the synthetic continuous ones: 0/1 by sign (logistic), a count floor(e^(y/2)) (Poisson) */
static void LabelsForLoss(CurioLossType loss, CurioRows *rows)
{
  for (PetscInt i = 0; i < rows->nlocal; i++) {
    if (loss == CURIO_LOSS_LOGISTIC) rows->y[i] = rows->y[i] > 0.2 ? 1.0 : 0.0;
    else if (loss == CURIO_LOSS_POISSON) rows->y[i] = PetscFloorReal(PetscExpReal(0.5 * rows->y[i]));
  }
}

PetscErrorCode TestProblemCreateLoss(CurioLossType loss, PetscInt n, PetscInt d, PetscBool intercept, CurioRegularizerType reg, CurioSolverType st,
                                     PetscInt ncand, CurioProblem *prob)
{
  CurioProblem p;
  CurioRows    rows;
  MPI_Comm     comm = PETSC_COMM_WORLD;

  PetscFunctionBeginUser;
  PetscCall(CurioProblemCreate(comm, &p));
  PetscCall(CurioProblemSetFromOptions(p));
  PetscCall(CurioRowsCreateSynthetic(comm, n, d, 0.3, 7, &rows));
  LabelsForLoss(loss, &rows);
  for (PetscInt i = 0; i < rows.nlocal; i++) rows.w[i] = 0.5 + ((rows.rstart + i) * 7 % 11) / 10.0;
  PetscCall(CurioDataSetRows(TestData(p), CURIO_DATA_TRAIN, &rows));
  if (ncand) {
    PetscCall(CurioRowsCreateSynthetic(comm, ncand, d, 0.3, 11, &rows));
    LabelsForLoss(loss, &rows);
    PetscCall(CurioDataSetRows(TestData(p), CURIO_DATA_CANDIDATES, &rows));
  }
  PetscCall(CurioDataSetSource(TestData(p), "synthetic"));
  PetscCall(CurioModelSetLoss(TestModel(p), loss));
  PetscCall(CurioModelSetIntercept(TestModel(p), intercept));
  PetscCall(CurioModelSetRegularizer(TestModel(p), reg));
  PetscCall(CurioSolverSetType(TestSolver(p), st));
  PetscCall(CurioProblemSetUp(p));
  *prob = p;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode TestProblemCreateBuiltin(CurioSolverType st, CurioProblem *prob)
{
  CurioProblem p;

  PetscFunctionBeginUser;
  PetscCall(CurioProblemCreate(PETSC_COMM_WORLD, &p));
  PetscCall(CurioProblemSetFromOptions(p));
  PetscCall(CurioDataLoadBuiltin(TestData(p)));
  PetscCall(CurioSolverSetType(TestSolver(p), st));
  PetscCall(CurioProblemSetUp(p));
  *prob = p;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscReal TestEntry(Vec v, PetscInt k)
{
  PetscReal val = 0;
  CurioVecGetEntry(v, k, &val);
  return val;
}

PetscErrorCode TestSetWeight(CurioProblem p, PetscInt k, PetscReal wk)
{
  CurioLossType loss;

  PetscFunctionBeginUser;
  PetscCall(CurioModelGetLoss(TestModel(p), &loss, NULL));
  PetscCall(VecSetValue(TestWeights(p), k, wk, INSERT_VALUES));
  PetscCall(VecAssemblyBegin(TestWeights(p)));
  PetscCall(VecAssemblyEnd(TestWeights(p)));
  /* squared loss: the curvature is the weight; the GLMs recompute it from w at every Newton step */
  if (loss == CURIO_LOSS_SQUARED) PetscCall(VecCopy(TestWeights(p), TestCurvature(p)));
  PetscCall(CurioSolverSetOperator(TestSolver(p), TestPhi(p), TestCurvature(p), TestMask(p)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int TestMain(int argc, char **argv, const char *suite_name, const TestCase *tests)
{
  PetscMPIInt rank, size;
  int         failures, all;
  CU_pSuite   suite;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  if (CU_initialize_registry() != CUE_SUCCESS) return 1;
  suite = CU_add_suite(suite_name, NULL, NULL);
  for (const TestCase *t = tests; t->name; t++) CU_add_test(suite, t->name, t->fn);
  CU_basic_set_mode(rank == 0 ? CU_BRM_VERBOSE : CU_BRM_SILENT);
  if (rank > 0 && !freopen("/dev/null", "w", stdout)) return 1; /* CUnit prints its summary even when silent */
  if (rank == 0) printf("%s on %d MPI rank%s\n", suite_name, size, size > 1 ? "s" : "");
  CU_basic_run_tests();
  failures = (int) CU_get_number_of_failures();
  CU_cleanup_registry();
  /* every rank exits with the same status */
  PetscCallMPI(MPI_Allreduce(&failures, &all, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD));
  PetscCall(PetscFinalize());
  return all ? 1 : 0;
}

/* Whether ierr is an error whose message contains every string of want (NULL-terminated), the same message on every
   rank; prints it from rank 0 so that the log shows what a user would read */
PetscBool TestErrorMatches(PetscErrorCode ierr, const char *const want[])
{
  const char *text;
  char       *specific = NULL, mine[2048] = "", root[2048];
  int         ok, allok;
  PetscMPIInt rank;

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (ierr) PetscErrorMessage(ierr, &text, &specific);
  if (specific) PetscStrncpy(mine, specific, sizeof(mine));
  PetscMemcpy(root, mine, sizeof(root));
  (void) MPI_Bcast(root, sizeof(root), MPI_CHAR, 0, PETSC_COMM_WORLD);
  ok = ierr != 0 && !strcmp(mine, root);
  for (const char *const *w = want; ok && *w; w++) ok = strstr(mine, *w) != NULL;
  if (rank == 0) printf("\n    %s %s", ierr ? "error:" : "NO ERROR", mine);
  MPI_Allreduce(&ok, &allok, 1, MPI_INT, MPI_LAND, PETSC_COMM_WORLD);
  if (!allok && rank == 0) printf("\n    ^ expected an error on every rank containing '%s'%s", want[0], want[1] ? " ..." : "");
  return allok ? PETSC_TRUE : PETSC_FALSE;
}

CurioFit TestFit(CurioProblem p)
{
  CurioFit fit;
  PetscCallAbort(PETSC_COMM_WORLD, CurioProblemGetFit(p, &fit));
  return fit;
}

PetscInt TestSize(CurioProblem p)
{
  PetscInt d;
  PetscCallAbort(PETSC_COMM_WORLD, CurioModelGetSize(TestModel(p), &d));
  return d;
}

CurioLossType TestLoss(CurioProblem p)
{
  CurioLossType loss;
  PetscCallAbort(PETSC_COMM_WORLD, CurioModelGetLoss(TestModel(p), &loss, NULL));
  return loss;
}

CurioRegularizerType TestRegularizer(CurioProblem p)
{
  CurioRegularizerType reg;
  PetscCallAbort(PETSC_COMM_WORLD, CurioModelGetRegularizer(TestModel(p), &reg));
  return reg;
}

CurioModel TestModel(CurioProblem p)
{
  CurioModel model;
  PetscCallAbort(PETSC_COMM_WORLD, CurioProblemGetModel(p, &model));
  return model;
}

CurioData TestData(CurioProblem p)
{
  CurioData data;
  PetscCallAbort(PETSC_COMM_WORLD, CurioProblemGetData(p, &data));
  return data;
}

CurioSolver TestSolver(CurioProblem p)
{
  CurioSolver solver;
  PetscCallAbort(PETSC_COMM_WORLD, CurioProblemGetSolver(p, &solver));
  return solver;
}

Mat TestPhi(CurioProblem p)
{
  Mat Phi;
  PetscCallAbort(PETSC_COMM_WORLD, CurioProblemGetDesign(p, &Phi, NULL, NULL));
  return Phi;
}

Mat TestPhiCand(CurioProblem p)
{
  Mat Phi;
  PetscCallAbort(PETSC_COMM_WORLD, CurioProblemGetDesign(p, NULL, &Phi, NULL));
  return Phi;
}

Vec TestTheta(CurioProblem p)
{
  Vec v;
  PetscCallAbort(PETSC_COMM_WORLD, CurioFitGetSolution(TestFit(p), &v, NULL));
  return v;
}

Vec TestThetaDot(CurioProblem p)
{
  Vec v;
  PetscCallAbort(PETSC_COMM_WORLD, CurioFitGetSolution(TestFit(p), NULL, &v));
  return v;
}

Vec TestLabels(CurioProblem p)
{
  Vec v;
  PetscCallAbort(PETSC_COMM_WORLD, CurioFitGetLabels(TestFit(p), &v));
  return v;
}

Vec TestWeights(CurioProblem p)
{
  Vec v;
  PetscCallAbort(PETSC_COMM_WORLD, CurioFitGetWeights(TestFit(p), &v));
  return v;
}

Vec TestCurvature(CurioProblem p)
{
  Vec v;
  PetscCallAbort(PETSC_COMM_WORLD, CurioFitGetCurvature(TestFit(p), &v));
  return v;
}

Vec TestMask(CurioProblem p)
{
  Vec v;
  PetscCallAbort(PETSC_COMM_WORLD, CurioFitGetRegularizer(TestFit(p), &v, NULL));
  return v;
}

Vec TestCenter(CurioProblem p)
{
  Vec v;
  PetscCallAbort(PETSC_COMM_WORLD, CurioFitGetRegularizer(TestFit(p), NULL, &v));
  return v;
}

PetscReal TestS(CurioProblem p)
{
  PetscReal s;
  PetscCallAbort(PETSC_COMM_WORLD, CurioFitGetRegularity(TestFit(p), &s, NULL));
  return s;
}

const CurioScores *TestScores(CurioProblem p)
{
  const CurioScores *sc;
  PetscCallAbort(PETSC_COMM_WORLD, CurioProblemGetScores(p, &sc));
  return sc;
}

const CurioLOOCVCurve *TestCurve(CurioProblem p)
{
  const CurioLOOCVCurve *c;
  PetscCallAbort(PETSC_COMM_WORLD, CurioProblemGetLOOCVCurve(p, &c));
  return c;
}

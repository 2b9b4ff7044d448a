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
  MPI_Comm     comm = PETSC_COMM_WORLD;

  PetscFunctionBeginUser;
  PetscCall(CurioProblemCreate(comm, &p));
  PetscCall(CurioProblemSetFromOptions(p));
  PetscCall(CurioRowsCreateSynthetic(comm, n, d, 0.3, 7, &p->data->train));
  LabelsForLoss(loss, &p->data->train);
  for (PetscInt i = 0; i < p->data->train.nlocal; i++) p->data->train.w[i] = 0.5 + ((p->data->train.rstart + i) * 7 % 11) / 10.0;
  if (ncand) {
    PetscCall(CurioRowsCreateSynthetic(comm, ncand, d, 0.3, 11, &p->data->cand));
    LabelsForLoss(loss, &p->data->cand);
    p->data->has_cand = PETSC_TRUE;
  }
  PetscCall(PetscStrncpy(p->data->source, "synthetic", sizeof(p->data->source)));
  p->model->loss        = loss;
  p->model->intercept   = intercept;
  p->model->regularizer = reg;
  PetscCall(CurioSolverSetType(p->solver, st));
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
  PetscCall(CurioDataLoadBuiltin(p->data));
  PetscCall(CurioSolverSetType(p->solver, st));
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
  PetscFunctionBeginUser;
  PetscCall(VecSetValue(p->w, k, wk, INSERT_VALUES));
  PetscCall(VecAssemblyBegin(p->w));
  PetscCall(VecAssemblyEnd(p->w));
  /* squared loss: the curvature is the weight; the GLMs recompute it from w at every Newton step */
  if (p->model->loss == CURIO_LOSS_SQUARED) PetscCall(VecCopy(p->w, p->curv));
  PetscCall(CurioSolverSetOperator(p->solver, p->Phi, p->curv, p->mask));
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

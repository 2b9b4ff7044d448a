/* CUnit under MPI: every rank runs every test (the library's calls are collective); rank 0 reports. */
#pragma once

#include <curio.h>
#include <CUnit/Basic.h>

/* Fails the current test (and stops it) when a PETSc-style call returns an error */
#define TCALL(call)                                         \
  do {                                                      \
    PetscErrorCode ierr_t_ = (call);                        \
    if (ierr_t_) CU_FAIL_FATAL(#call " returned an error"); \
  } while (0)

/* Relative difference max|a - b| / max|b| of two vectors */
PetscReal TestRelDiff(Vec a, Vec b);
/* Relative difference of two replicated arrays */
PetscReal TestRelDiffArray(PetscInt n, const PetscReal *a, const PetscReal *b);

/* A synthetic problem: n x d Gaussian features (optionally with an intercept column), weights in [0.5, 1.5],
   ncand candidate rows; set up, not yet solved */
PetscErrorCode TestProblemCreate(PetscInt n, PetscInt d, PetscBool intercept, CurioRegularizerType reg, CurioSolverType st, PetscInt ncand,
                                 CurioProblem *p);
/* The same with labels for a loss: 0/1 (logistic), counts (Poisson) */
PetscErrorCode TestProblemCreateLoss(CurioLossType, PetscInt, PetscInt, PetscBool, CurioRegularizerType, CurioSolverType, PetscInt, CurioProblem *);
/* The built-in example of the paper's section 3.3, set up, not yet solved */
PetscErrorCode TestProblemCreateBuiltin(CurioSolverType st, CurioProblem *p);

/* Entry k of a distributed vector, on every rank */
PetscReal TestEntry(Vec, PetscInt);
/* Sets the weight of training row k and hands the changed Hessian to the solver */
PetscErrorCode TestSetWeight(CurioProblem, PetscInt, PetscReal);

/* Whether ierr is an error whose message contains every string of want (NULL-terminated), the same message on every
   rank; prints it from rank 0 so that the log shows what a user would read. Collective. */
PetscBool TestErrorMatches(PetscErrorCode ierr, const char *const want[]);

/* Registers one suite; tests is a NULL-terminated list of {name, function} */
typedef struct {
  const char *name;
  void (*fn)(void);
} TestCase;
int TestMain(int argc, char **argv, const char *suite, const TestCase *tests);

/* The problem's parts through its public getters (CurioProblemGet*, CurioFitGet*): the tests' shorthand; borrowed */
CurioFit               TestFit(CurioProblem);
CurioModel             TestModel(CurioProblem);
PetscInt               TestSize(CurioProblem); /* d */
CurioLossType          TestLoss(CurioProblem);
CurioRegularizerType   TestRegularizer(CurioProblem);
CurioData              TestData(CurioProblem);
CurioSolver            TestSolver(CurioProblem);
Mat                    TestPhi(CurioProblem);
Mat                    TestPhiCand(CurioProblem);
Vec                    TestTheta(CurioProblem);
Vec                    TestThetaDot(CurioProblem);
Vec                    TestLabels(CurioProblem);
Vec                    TestWeights(CurioProblem);
Vec                    TestCurvature(CurioProblem);
Vec                    TestMask(CurioProblem);
Vec                    TestCenter(CurioProblem);
PetscReal              TestS(CurioProblem);
const CurioScores     *TestScores(CurioProblem);
const CurioLOOCVCurve *TestCurve(CurioProblem);

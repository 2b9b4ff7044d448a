/* t010: the public object API of active learning (include/curioactive.h). A CurioActive given its input, output and
   strategy through the setters, the rest through the same options, reproduces the output of `curio -curio_mode
   active` on the same input (tests/active.cmake runs it first): the labeled set (/selected/index) exactly, the
   learning curve (/rounds/n_labeled, test_error, s) and the last theta (/model/theta) bit for bit, the same build at
   the same rank count; so does a loop run a few rounds at a time (-curio_al_stop_after, CurioActiveRun() again);
   calls out of order are refused.
     mpiexec -n 2 ./t010_active -t010_input pool.h5 -t010_reference mode.h5 -t010_dir DIR -curio_al_budget 20 ...
   with the options (but -curio_input, -curio_output, -curio_al_strategy) of the mode's run. */
#include "harness.h"
#include <hdf5.h>

#define T010_STRATEGY "sld_batch" /* the mode's -curio_al_strategy (tests/active.cmake) */

static char input[PETSC_MAX_PATH_LEN], reference[PETSC_MAX_PATH_LEN], dir[PETSC_MAX_PATH_LEN];

/* A 1-D dataset of the reference output, every rank reading the whole of it (a small file); *n gets its length */
static PetscErrorCode ReadReference(const char name[], hid_t type, void *buf, size_t cap, PetscInt *n)
{
  hid_t   file, dset, space;
  hsize_t len;

  PetscFunctionBeginUser;
  file = H5Fopen(reference, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot open the mode's output '%s'", reference);
  dset  = H5Dopen2(file, name, H5P_DEFAULT);
  space = H5Dget_space(dset);
  PetscCheck(H5Sget_simple_extent_ndims(space) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "'%s' is not 1-D", name);
  H5Sget_simple_extent_dims(space, &len, NULL);
  PetscCheck(len <= cap, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "'%s' is longer than expected", name);
  PetscCheck(H5Dread(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "cannot read '%s'", name);
  H5Sclose(space);
  H5Dclose(dset);
  H5Fclose(file);
  *n = (PetscInt) len;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A loop with the mode's settings: input, output (DIR/name) and strategy set through the API, then the options */
static PetscErrorCode LoopCreate(const char name[], CurioActive *al)
{
  char out[2 * PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(out, sizeof(out), "%s/%s", dir, name));
  PetscCall(CurioActiveCreate(PETSC_COMM_WORLD, al));
  PetscCall(CurioActiveSetInput(*al, input));
  PetscCall(CurioActiveSetOutput(*al, out));
  PetscCall(CurioActiveSetStrategy(*al, T010_STRATEGY));
  PetscCall(CurioActiveSetFromOptions(*al));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* What the getters of a finished loop return, against the mode's output: exact, bit for bit */
static void CompareWithMode(CurioActive al)
{
  enum { CAP = 4096 };
  static int64_t   ref_index[CAP], ref_nlab[CAP];
  static PetscReal ref_err[CAP], ref_s[CAP], ref_theta[CAP], theta_full[CAP];
  PetscInt         n, nref, nrows, nrows_ref, d, m, len;
  const PetscInt  *index, *nlab;
  const PetscReal *err, *s;
  PetscReal        s_last;
  Vec              theta, theta_dot;
  PetscBool        same = PETSC_TRUE;

  TCALL(ReadReference("/selected/index", H5T_NATIVE_INT64, ref_index, CAP, &nref));
  TCALL(ReadReference("/rounds/n_labeled", H5T_NATIVE_INT64, ref_nlab, CAP, &nrows_ref));
  TCALL(ReadReference("/rounds/test_error", H5T_NATIVE_DOUBLE, ref_err, CAP, &len));
  TCALL(ReadReference("/rounds/s", H5T_NATIVE_DOUBLE, ref_s, CAP, &len));
  TCALL(ReadReference("/model/theta", H5T_NATIVE_DOUBLE, ref_theta, CAP, &d));
  TCALL(CurioActiveGetNumberLabeled(al, &m));
  TCALL(CurioActiveGetSelected(al, &n, &index));
  CU_ASSERT(m == n && n == nref);
  for (PetscInt i = 0; i < PetscMin(n, nref); i++) same = (PetscBool) (same && index[i] == ref_index[i]);
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n    %" PetscInt_FMT " labels, the mode's %" PetscInt_FMT ": %s", n, nref, same ? "the same" : "DIFFERENT"));
  CU_ASSERT(same);
  TCALL(CurioActiveGetCurve(al, &nrows, &nlab, &err, &s));
  CU_ASSERT_FATAL(nrows == nrows_ref);
  for (PetscInt r = 0; r < nrows; r++) CU_ASSERT(nlab[r] == ref_nlab[r] && err[r] == ref_err[r] && s[r] == ref_s[r]);
  TCALL(CurioActiveGetSolution(al, &theta, &theta_dot, &s_last));
  CU_ASSERT(s_last == s[nrows - 1]);
  TCALL(VecGetSize(theta, &len));
  CU_ASSERT_FATAL(len == d);
  TCALL(CurioVecGatherAll(theta, theta_full));
  for (PetscInt j = 0; j < d; j++) CU_ASSERT(theta_full[j] == ref_theta[j]);
}

static void TestReproducesMode(void)
{
  CurioActive al;

  TCALL(LoopCreate("api.h5", &al));
  TCALL(CurioActiveRun(al));
  CompareWithMode(al);
  TCALL(CurioActiveDestroy(&al));
  CU_ASSERT(al == NULL);
}

/* -curio_al_stop_after 2: the first run stops after two rows of the curve, each later one adds a row, and the loop
   ends where the uninterrupted one does */
static void TestRunInSteps(void)
{
  CurioActive al;
  PetscInt    nrows, prev, calls = 1, seed_size;

  TCALL(PetscOptionsSetValue(NULL, "-curio_al_stop_after", "2"));
  TCALL(LoopCreate("steps.h5", &al));
  TCALL(PetscOptionsClearValue(NULL, "-curio_al_stop_after"));
  TCALL(CurioActiveSetUp(al));
  TCALL(CurioActiveGetNumberLabeled(al, &seed_size));
  TCALL(CurioActiveGetCurve(al, &nrows, NULL, NULL, NULL));
  CU_ASSERT(seed_size > 0 && nrows == 0);
  TCALL(CurioActiveRun(al));
  TCALL(CurioActiveGetCurve(al, &nrows, NULL, NULL, NULL));
  CU_ASSERT(nrows == 2);
  for (prev = 0; nrows > prev && calls < 100; calls++) {
    prev = nrows;
    TCALL(CurioActiveRun(al));
    TCALL(CurioActiveGetCurve(al, &nrows, NULL, NULL, NULL));
  }
  TCALL(
      PetscPrintf(PETSC_COMM_WORLD, "\n    seed set %" PetscInt_FMT ", %" PetscInt_FMT " rows in %" PetscInt_FMT " calls", seed_size, nrows, calls));
  CompareWithMode(al);
  TCALL(CurioActiveDestroy(&al));
}

/* A model asked for before any round, and a setter after the setup, are refused with a message that says why */
static void TestOutOfOrder(void)
{
  CurioActive    al;
  PetscErrorCode ierr;
  Vec            theta;

  TCALL(LoopCreate("order.h5", &al));
  TCALL(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = CurioActiveGetSolution(al, &theta, NULL, NULL);
  TCALL(PetscPopErrorHandler());
  CU_ASSERT(TestErrorMatches(ierr, (const char *const[]){"CurioActiveRun()", NULL}));
  TCALL(CurioActiveSetUp(al));
  TCALL(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = CurioActiveSetInput(al, input);
  TCALL(PetscPopErrorHandler());
  CU_ASSERT(TestErrorMatches(ierr, (const char *const[]){"input", "CurioActiveSetUp()", NULL}));
  TCALL(CurioActiveDestroy(&al));
}

static void TestReadPaths(void)
{
  PetscBool a, b, c;

  TCALL(PetscOptionsGetString(NULL, NULL, "-t010_input", input, sizeof(input), &a));
  TCALL(PetscOptionsGetString(NULL, NULL, "-t010_reference", reference, sizeof(reference), &b));
  TCALL(PetscOptionsGetString(NULL, NULL, "-t010_dir", dir, sizeof(dir), &c));
  CU_ASSERT_FATAL(a && b && c);
}

int main(int argc, char **argv)
{
  const TestCase tests[] = {
      {"-t010_input, -t010_reference and -t010_dir are given", TestReadPaths},
      {"CurioActive through the API reproduces -curio_mode active", TestReproducesMode},
      {"a loop run a few rounds at a time ends as the mode's", TestRunInSteps},
      {"calls out of order are refused", TestOutOfOrder},
      {NULL, NULL},
  };
  return TestMain(argc, argv, "t010_active", tests);
}

/* t010: CurioSGDF through its public API (include/curiosgdf.h). With the options of a `curio -curio_mode sgdf` run on
   the command line and that run's output as -t010_reference FILE, the object driven by Create, SetFromOptions, SetUp
   and Run must give, bit for bit, the run's theta, theta_dot, s, step count and history (the getters against the
   file's /model and /sgdf), and CurioSGDFWrite writes -curio_output for tests/integration/test_sgdf_api.py to compare
   with the reference as a whole. Calls out of order, an unknown history name and (partitioned layout, several ranks)
   vectors without PETSc's default split are refused on every rank. Driven by test_sgdf_api.py:
     mpiexec -n 2 ./t010_sgdf_api -curio_sgdf_synthetic 400,120,5 -curio_s 0.5 -curio_sgdf_lr 2e-3 \
             -curio_output api.h5 -t010_reference ref.h5 */
#include "harness.h"
#include <hdf5.h>
#include <string.h>

static char reference[PETSC_MAX_PATH_LEN];

/* A 1-D float dataset of the reference file, whole, on every rank (a small file, read serially) */
static PetscErrorCode ReadDataset(const char name[], PetscInt n, PetscReal a[])
{
  hid_t    f, d, sp;
  hsize_t  len = 0;
  PetscInt ok;

  PetscFunctionBeginUser;
  f = H5Fopen(reference, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(f >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot open '%s'", reference);
  d  = H5Dopen2(f, name, H5P_DEFAULT);
  sp = d >= 0 ? H5Dget_space(d) : -1;
  if (sp >= 0 && H5Sget_simple_extent_ndims(sp) <= 1) H5Sget_simple_extent_dims(sp, &len, NULL);
  if (sp >= 0 && H5Sget_simple_extent_ndims(sp) == 0) len = 1;
  ok = (d >= 0 && (PetscInt) len == n && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a) >= 0);
  if (sp >= 0) H5Sclose(sp);
  if (d >= 0) H5Dclose(d);
  H5Fclose(f);
  PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "'%s' in '%s': missing, or not of length %" PetscInt_FMT, name, reference, n);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* An integer attribute of the reference file */
static PetscErrorCode ReadAttribute(const char obj[], const char name[], long long *v)
{
  hid_t f, a;
  int   ok;

  PetscFunctionBeginUser;
  f = H5Fopen(reference, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(f >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot open '%s'", reference);
  a  = H5Aopen_by_name(f, obj, name, H5P_DEFAULT, H5P_DEFAULT);
  ok = a >= 0 && H5Aread(a, H5T_NATIVE_LLONG, v) >= 0;
  if (a >= 0) H5Aclose(a);
  H5Fclose(f);
  PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "attribute %s@%s missing in '%s'", obj, name, reference);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Whether two arrays are bitwise the same; prints the first difference from rank 0 */
static PetscBool SameBits(const char what[], PetscInt n, const PetscReal a[], const PetscReal b[])
{
  PetscMPIInt rank;

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  for (PetscInt i = 0; i < n; i++)
    if (memcmp(&a[i], &b[i], sizeof(PetscReal))) {
      if (rank == 0) printf("\n    %s[%" PetscInt_FMT "]: %.17g from the API, %.17g in the mode's output", what, i, (double) a[i], (double) b[i]);
      return PETSC_FALSE;
    }
  return PETSC_TRUE;
}

/* theta or theta_dot through CurioSGDFGetParameters(), gathered, against the reference's dataset */
static PetscErrorCode CheckParameters(CurioSGDF sg, PetscInt d)
{
  Vec        v[2];
  PetscReal *got, *want;

  PetscFunctionBeginUser;
  PetscCall(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, d, &v[0]));
  PetscCall(VecDuplicate(v[0], &v[1]));
  PetscCall(CurioSGDFGetParameters(sg, v[0], v[1]));
  PetscCall(PetscMalloc2(d, &got, d, &want));
  for (int k = 0; k < 2; k++) {
    PetscCall(CurioVecGatherAll(v[k], got));
    PetscCall(ReadDataset(k ? "/model/theta_dot" : "/model/theta", d, want));
    CU_ASSERT(SameBits(k ? "theta_dot" : "theta", d, got, want));
    PetscCall(VecDestroy(&v[k]));
  }
  PetscCall(PetscFree2(got, want));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* s, the step count and the history of the objective against the reference */
static PetscErrorCode CheckProgress(CurioSGDF sg)
{
  const PetscReal *loss, *hs;
  PetscReal        s, want_s, *want;
  PetscInt         n, ns, epochs;
  PetscInt64       steps;
  long long        want_steps;

  PetscFunctionBeginUser;
  PetscCall(CurioSGDFGetS(sg, &s));
  PetscCall(ReadDataset("/model/s", 1, &want_s));
  CU_ASSERT(SameBits("s", 1, &s, &want_s));
  PetscCall(CurioSGDFGetProgress(sg, &steps, &epochs));
  PetscCall(ReadAttribute("/sgdf", "steps", &want_steps));
  CU_ASSERT(steps == (PetscInt64) want_steps);
  PetscCall(CurioSGDFGetHistory(sg, "loss", &n, &loss));
  PetscCall(CurioSGDFGetHistory(sg, "s", &ns, &hs));
  CU_ASSERT(n == epochs && ns == epochs && epochs > 0);
  PetscCall(PetscMalloc1(n, &want));
  PetscCall(ReadDataset("/sgdf/history/loss", n, want));
  CU_ASSERT(SameBits("history loss", n, loss, want));
  PetscCall(ReadDataset("/sgdf/history/s", n, want));
  CU_ASSERT(SameBits("history s", n, hs, want));
  PetscCall(PetscFree(want));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Create, SetFromOptions, SetUp, Run: the getters equal the mode's output; Write writes -curio_output */
static void TestSameAsMode(void)
{
  CurioSGDF sg;
  PetscBool interrupted;
  PetscInt  n, d;
  PetscBool set;

  TCALL(PetscOptionsGetString(NULL, NULL, "-t010_reference", reference, sizeof(reference), &set));
  CU_ASSERT_FATAL(set);
  TCALL(CurioSGDFCreate(PETSC_COMM_WORLD, &sg));
  TCALL(CurioSGDFSetFromOptions(sg));
  TCALL(CurioSGDFSetUp(sg));
  TCALL(CurioSGDFRun(sg));
  TCALL(CurioSGDFGetInterrupted(sg, &interrupted));
  CU_ASSERT(!interrupted);
  TCALL(CurioSGDFGetSizes(sg, &n, &d));
  CU_ASSERT(n > 0 && d > 0);
  TCALL(CheckParameters(sg, d));
  TCALL(CheckProgress(sg));
  TCALL(CurioSGDFWrite(sg, NULL));
  TCALL(CurioSGDFDestroy(&sg));
  CU_ASSERT(sg == NULL);
}

/* Calls out of order and bad arguments: one message on every rank, and the object still destroys cleanly */
static void TestRefusals(void)
{
  CurioSGDF        sg;
  PetscErrorCode   ierr;
  PetscInt         n, d;
  const PetscReal *h;
  char             layout[32] = "";
  PetscMPIInt      size;
  Vec              v;

  TCALL(CurioSGDFCreate(PETSC_COMM_WORLD, &sg));
  TCALL(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = CurioSGDFSetUp(sg);
  CU_ASSERT(TestErrorMatches(ierr, (const char *const[]){"CurioSGDFSetFromOptions()", "before CurioSGDFSetUp()", NULL}));
  TCALL(CurioSGDFSetFromOptions(sg));
  ierr = CurioSGDFRun(sg);
  CU_ASSERT(TestErrorMatches(ierr, (const char *const[]){"CurioSGDFSetUp()", "before CurioSGDFRun()", NULL}));
  TCALL(CurioSGDFSetUp(sg));
  ierr = CurioSGDFWrite(sg, NULL);
  CU_ASSERT(TestErrorMatches(ierr, (const char *const[]){"Nothing to write", "CurioSGDFRun()", NULL}));
  ierr = CurioSGDFGetHistory(sg, "bogus", &n, &h);
  CU_ASSERT(TestErrorMatches(ierr, (const char *const[]){"'bogus'", "theta_norm", "holdout_loss", NULL}));
  TCALL(CurioSGDFGetSizes(sg, NULL, &d));
  TCALL(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  TCALL(PetscOptionsGetString(NULL, NULL, "-curio_sgdf_layout", layout, sizeof(layout), NULL));
  if (size > 1 && !strcmp(layout, "partitioned")) { /* all entries on rank 0: not the partitioned block of any other rank */
    PetscMPIInt rank;
    TCALL(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
    TCALL(VecCreateMPI(PETSC_COMM_WORLD, rank ? 0 : d, d, &v));
    ierr = CurioSGDFGetParameters(sg, v, NULL);
    CU_ASSERT(TestErrorMatches(ierr, (const char *const[]){"default split", "PETSC_DECIDE", NULL}));
    TCALL(VecDestroy(&v));
  }
  TCALL(PetscPopErrorHandler());
  TCALL(CurioSGDFDestroy(&sg));
}

int main(int argc, char **argv)
{
  const TestCase tests[] = {
      {"the API's theta, theta_dot, s and history are the mode's, bit for bit", TestSameAsMode},
      {"calls out of order and bad arguments are refused", TestRefusals},
      {NULL, NULL},
  };
  return TestMain(argc, argv, "t010_sgdf_api", tests);
}

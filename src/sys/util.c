/* Small shared helpers: local arrays of dense matrices, replicated copies of parameter vectors, logging, memory. */
#include "sysimpl.h"
#include <sys/resource.h>
#include <sys/mman.h>
#include <malloc.h>
#include <stdint.h>
#include <limits.h>
#include <unistd.h>

PetscLogEvent CURIO_EVENT_Read, CURIO_EVENT_Gram, CURIO_EVENT_Factor, CURIO_EVENT_HessMult, CURIO_EVENT_HessSetUp, CURIO_EVENT_Eigen,
    CURIO_EVENT_LOOCV, CURIO_EVENT_Scores, CURIO_EVENT_Write, CURIO_EVENT_LOOCVRefine;
PetscLogStage CURIO_STAGE_Read, CURIO_STAGE_Setup, CURIO_STAGE_LOOCV, CURIO_STAGE_Train, CURIO_STAGE_Tangent, CURIO_STAGE_Scores, CURIO_STAGE_Write,
    CURIO_STAGE_Select;

static PetscBool CurioPackageInitialized = PETSC_FALSE;

/*@C
  CurioInitializePackage - registers curio's log stages and events for -log_view; called by the Create functions, once

  Not Collective
@*/
PetscErrorCode CurioInitializePackage(void)
{
  PetscClassId id;

  PetscFunctionBegin;
  if (CurioPackageInitialized) PetscFunctionReturn(PETSC_SUCCESS);
  CurioPackageInitialized = PETSC_TRUE;
  PetscCall(PetscClassIdRegister("Curio", &id));
  PetscCall(PetscLogEventRegister("CurioRead", id, &CURIO_EVENT_Read));
  PetscCall(PetscLogEventRegister("CurioGram", id, &CURIO_EVENT_Gram));
  PetscCall(PetscLogEventRegister("CurioFactor", id, &CURIO_EVENT_Factor));
  PetscCall(PetscLogEventRegister("CurioHessMult", id, &CURIO_EVENT_HessMult));
  PetscCall(PetscLogEventRegister("CurioHessSetUp", id, &CURIO_EVENT_HessSetUp)); /* the fused kernel's one-time setup */
  PetscCall(PetscLogEventRegister("CurioEigen", id, &CURIO_EVENT_Eigen));
  PetscCall(PetscLogEventRegister("CurioLOOCV", id, &CURIO_EVENT_LOOCV));
  PetscCall(PetscLogEventRegister("CurioLOOCVRefine", id, &CURIO_EVENT_LOOCVRefine));
  PetscCall(PetscLogEventRegister("CurioScores", id, &CURIO_EVENT_Scores));
  PetscCall(PetscLogEventRegister("CurioWrite", id, &CURIO_EVENT_Write));
  PetscCall(PetscLogStageRegister("Curio read", &CURIO_STAGE_Read));
  PetscCall(PetscLogStageRegister("Curio setup", &CURIO_STAGE_Setup));
  PetscCall(PetscLogStageRegister("Curio LOOCV", &CURIO_STAGE_LOOCV));
  PetscCall(PetscLogStageRegister("Curio train", &CURIO_STAGE_Train));
  PetscCall(PetscLogStageRegister("Curio tangent", &CURIO_STAGE_Tangent));
  PetscCall(PetscLogStageRegister("Curio scores", &CURIO_STAGE_Scores));
  PetscCall(PetscLogStageRegister("Curio write", &CURIO_STAGE_Write));
  PetscCall(PetscLogStageRegister("Curio select", &CURIO_STAGE_Select)); /* active learning: choosing the batch */
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Copies the upper triangle of a column-major n x n matrix into its lower triangle */
PetscErrorCode CurioDenseSymmetrize(PetscInt n, PetscReal *A)
{
  PetscFunctionBegin;
  for (PetscInt j = 0; j < n; j++)
    for (PetscInt i = 0; i < j; i++) A[j + i * n] = A[i + j * n];
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Whether a design matrix is sparse (MATMPIAIJ/MATSEQAIJ) rather than MATMPIDENSE */
PetscBool CurioMatIsAIJ(Mat A)
{
  PetscBool aij = PETSC_FALSE;
  PetscObjectTypeCompareAny((PetscObject) A, &aij, MATMPIAIJ, MATSEQAIJ, MATAIJ, "");
  return aij;
}

/* This rank's rows of a MATMPIDENSE (column-major, m local rows, all N columns, leading dimension lda) */
PetscErrorCode CurioMatGetLocalArrayRead(Mat A, const PetscReal **a, PetscInt *m, PetscInt *N, PetscInt *lda)
{
  PetscFunctionBegin;
  PetscCall(MatGetLocalSize(A, m, NULL));
  PetscCall(MatGetSize(A, NULL, N));
  PetscCall(MatDenseGetLDA(A, lda));
  PetscCall(MatDenseGetArrayRead(A, a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CurioMatRestoreLocalArrayRead(Mat A, const PetscReal **a)
{
  PetscFunctionBegin;
  PetscCall(MatDenseRestoreArrayRead(A, a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioVecGatherAll - every entry of a distributed vector into a replicated array of its global length, on every rank

  Collective
@*/
PetscErrorCode CurioVecGatherAll(Vec v, PetscReal *full)
{
  VecScatter         scatter;
  Vec                all;
  const PetscScalar *a;
  PetscInt           N;

  PetscFunctionBegin;
  PetscCall(VecGetSize(v, &N));
  PetscCall(VecScatterCreateToAll(v, &scatter, &all));
  PetscCall(VecScatterBegin(scatter, v, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(scatter, v, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(all, &a));
  PetscCall(PetscArraycpy(full, a, N));
  PetscCall(VecRestoreArrayRead(all, &a));
  PetscCall(VecScatterDestroy(&scatter));
  PetscCall(VecDestroy(&all));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioVecGetEntry - entry i of a distributed vector, on every rank

  Collective
@*/
PetscErrorCode CurioVecGetEntry(Vec v, PetscInt i, PetscReal *val)
{
  PetscInt           lo, hi;
  const PetscScalar *a;
  PetscReal          mine = 0;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(v, &lo, &hi));
  PetscCall(VecGetArrayRead(v, &a));
  if (i >= lo && i < hi) mine = a[i - lo];
  PetscCall(VecRestoreArrayRead(v, &a));
  PetscCall(MPIU_Allreduce(&mine, val, 1, MPIU_REAL, MPIU_SUM, PetscObjectComm((PetscObject) v)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Sets the owned entries of v from a replicated array of its global length */
PetscErrorCode CurioVecSetFromReplicated(Vec v, const PetscReal *full)
{
  PetscScalar *a;
  PetscInt     lo, hi;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(v, &lo, &hi));
  PetscCall(VecGetArrayWrite(v, &a));
  for (PetscInt i = lo; i < hi; i++) a[i - lo] = full[i];
  PetscCall(VecRestoreArrayWrite(v, &a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Asks the kernel for transparent huge pages (2 MiB) under the whole 2 MiB pages inside [p, p + bytes), before they are
   first touched: a CSR set read into fresh memory and accessed row by row at random (SGDF's batches, the Krylov H v)
   then misses the TLB once per 2 MiB instead of once per 4 KiB. Where transparent huge pages are 'madvise' (Debian's
   default) this is what enables them; 'always' has them anyway, 'never' ignores the advice. A hint: errors are ignored.
   Measured (SGDF epoch, 10^6 x 10^5, 20 per row, 1 rank): 0.29-0.35 s with it against 0.30-0.92 s without (bimodal from run to run).
   The advice covers every page the block touches, not only its whole 2 MiB pages: a block of its own mapping (glibc's
   large blocks) then stays one mapping, which realloc can move and grow without a copy (mremap refuses a range that
   the advice split into mappings of different kinds, and glibc then copies: a second X while CSR rows grew by an
   intercept column). Blocks without a whole 2 MiB page are left alone (each advice of a small heap block would split
   the heap's mapping). */
void CurioAdviseHugePages(void *p, size_t bytes)
{
#if defined(MADV_HUGEPAGE)
  const uintptr_t huge = (uintptr_t) 1 << 21, page = (uintptr_t) sysconf(_SC_PAGESIZE), a = (uintptr_t) p, b = (uintptr_t) p + bytes;
  if (p && ((b & ~(huge - 1)) > ((a + huge - 1) & ~(huge - 1)))) {
    const uintptr_t lo = a & ~(page - 1), hi = (b + page - 1) & ~(page - 1);
    (void) madvise((void *) lo, hi - lo, MADV_HUGEPAGE);
  }
#else
  (void) p;
  (void) bytes;
#endif
}

/* Returns the heap's free pages to the system. Blocks below the mmap threshold of src/main.c (32 MiB) come from the
   heap, and glibc keeps freed ones resident up to its trim threshold (64 MiB): a reader's scratch blocks, freed once the
   rows are in place, stayed in every rank's resident memory through the run. Measured (SGDF, 10^6 x 10^7 CSR, 8 MiB
   row pointers and 8 MiB index block): peak RSS 611 -> 596 MiB at 1 rank. */
void CurioHeapTrim(void)
{
#if defined(__GLIBC__)
  (void) malloc_trim(0);
#endif
}

/* n zeroed PetscReal for a large array of parameters accessed at random (theta, theta_dot): PetscMalloc1(), huge pages
   advised, then zeroed here, so that the pages are faulted in now, 2 MiB at a time, and not one 4 KiB page per first
   access in the first epoch (a first touch took 11 us per 4 KiB page on the test machine: 0.44 s for the 160 MB of
   theta and theta_dot at d = 10^7, against 0.02 s on huge pages) */
PetscErrorCode CurioCallocLarge(PetscInt n, PetscReal **a)
{
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(PetscMax(n, 1), a));
  CurioAdviseHugePages(*a, (size_t) PetscMax(n, 1) * sizeof(PetscReal));
  PetscCall(PetscArrayzero(*a, PetscMax(n, 1)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Reals per call of CurioAllreduceSum() (curio's large in-place sums: SGDF's averaging and gradients, the ScaLAPACK
   path's replicated blocks, the active loop's pool features) and CurioIallreduceSumSegment(): 2^20 (8 MiB). The MPI
   library allocates temporary buffers of a reduction's size, and glibc maps blocks of 32 MiB and more afresh at every
   call (src/main.c); faulting them in page by page dominated large reductions: 160 MB in place on 2 ranks took
   0.44-0.47 s in one call, 0.39-0.50 s in segments of 2^22 reals, 0.027-0.032 s in segments of 2^20, whose buffers
   come from the heap again */
#define CURIO_ALLREDUCE_SEGMENT ((PetscInt64) 1 << 20)

/*@C
  CurioAllreduceSegments - how many segments CurioIallreduceSumSegment() sums n reals in (at least 1)

  Not Collective
@*/
PetscInt CurioAllreduceSegments(PetscInt64 n)
{
  return (PetscInt) PetscMax((n + CURIO_ALLREDUCE_SEGMENT - 1) / CURIO_ALLREDUCE_SEGMENT, 1);
}

/*@C
  CurioAllreduceSum - buf <- the sum of buf over the ranks of comm (n reals, in place), in segments of 2^20 reals so that
  the MPI library's temporary buffers are reused instead of mapped afresh at every call

  Collective
@*/
PetscErrorCode CurioAllreduceSum(MPI_Comm comm, PetscReal *buf, PetscInt64 n)
{
  PetscFunctionBegin;
  for (PetscInt64 o = 0; o < n; o += CURIO_ALLREDUCE_SEGMENT)
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, buf + o, (PetscMPIInt) PetscMin(CURIO_ALLREDUCE_SEGMENT, n - o), MPIU_REAL, MPIU_SUM, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioIallreduceSumSegment - starts segment k (of CurioAllreduceSegments(n)) of recv <- the sum of send over the ranks
  of comm, n reals: a nonblocking reduction of at most 2^20 reals; one segment at a time keeps one set of the MPI
  library's temporary buffers

  Collective
@*/
PetscErrorCode CurioIallreduceSumSegment(MPI_Comm comm, const PetscReal *send, PetscReal *recv, PetscInt64 n, PetscInt k, MPI_Request *req)
{
  const PetscInt64 o = (PetscInt64) k * CURIO_ALLREDUCE_SEGMENT;

  PetscFunctionBegin;
  PetscCallMPI(
      MPI_Iallreduce(send + o, recv + o, (PetscMPIInt) PetscMax(PetscMin(CURIO_ALLREDUCE_SEGMENT, n - o), 0), MPIU_REAL, MPIU_SUM, comm, req));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Peak resident set size in MiB, the maximum over the ranks of comm */
PetscErrorCode CurioPeakRSS(MPI_Comm comm, PetscReal *mib)
{
  struct rusage ru;
  PetscReal     local;

  PetscFunctionBegin;
  getrusage(RUSAGE_SELF, &ru);
  local = ru.ru_maxrss / 1024.0; /* Linux reports KiB */
  PetscCall(MPIU_Allreduce(&local, mib, 1, MPIU_REAL, MPIU_MAX, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscBool CurioLastErrorCollective = PETSC_FALSE;
static char      CurioErrorContextText[256];

/* Error classes that describe the user's input or the problem, not a defect of curio: reported in one line */
static PetscBool IsUserError(PetscErrorCode n)
{
  switch (n) {
  case PETSC_ERR_USER_INPUT:
  case PETSC_ERR_USER:
  case PETSC_ERR_ARG_OUTOFRANGE:
  case PETSC_ERR_ARG_WRONG:
  case PETSC_ERR_ARG_INCOMP:
  case PETSC_ERR_FILE_OPEN:
  case PETSC_ERR_FILE_READ:
  case PETSC_ERR_FILE_WRITE:
  case PETSC_ERR_FILE_UNEXPECTED:
  case PETSC_ERR_FP:
  case PETSC_ERR_NOT_CONVERGED:
  case PETSC_ERR_MAT_CH_ZRPVT:
  case PETSC_ERR_SUP: return PETSC_TRUE;
  default: return PETSC_FALSE;
  }
}

/* Whether an error was raised by curio's own code: its source files share the directory above src/ with this file */
static PetscBool IsCurioSource(const char file[])
{
  static const char self[] = __FILE__, tail[] = "src/sys/util.c";
  const size_t      nroot = strlen(self) >= strlen(tail) ? strlen(self) - strlen(tail) : 0;

  if (!file || strcmp(self + nroot, tail)) return PETSC_FALSE;
  if (!nroot) return (PetscBool) (file[0] != '/'); /* compiled with relative paths: curio's files are the relative ones */
  return (PetscBool) (!strncmp(file, self, nroot));
}

/* PETSc's parser of an option value says "Input string abc has no numeric value" without the option's name: find the
   option that has this value in the database, so that the error line can name it */
static void OptionWithValue(const char mess[], char name[], size_t len)
{
  const char *p = mess ? strstr(mess, "Input string ") : NULL, *end;
  char        value[256], *all = NULL, *tok, *save = NULL, *prev = NULL;

  name[0] = 0;
  if (!p) return;
  p += strlen("Input string ");
  if (!(end = strchr(p, ' ')) || (size_t) (end - p) >= sizeof(value)) return;
  memcpy(value, p, (size_t) (end - p));
  value[end - p] = 0;
  if (PetscOptionsGetAll(NULL, &all) || !all) return;
  for (tok = strtok_r(all, " ", &save); tok; prev = tok, tok = strtok_r(NULL, " ", &save))
    if (prev && prev[0] == '-' && !strcmp(tok, value)) {
      snprintf(name, len, "%s", prev);
      break;
    }
  (void) PetscFree(all);
}

/*@C
  CurioErrorSetContext - names what the following errors belong to (a study's run), so that the error line says it;
  NULL or "" clears it

  Not Collective

  Input Parameter:
. context - e.g. "study run 3 (boston, sld, seed 0)"

.seealso: `CurioErrorHandler()`
@*/
PetscErrorCode CurioErrorSetContext(const char context[])
{
  PetscFunctionBegin;
  CurioErrorContextText[0] = 0;
  if (context) PetscCall(PetscStrncpy(CurioErrorContextText, context, sizeof(CurioErrorContextText)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioErrorHandler - PETSc error handler for the curio driver. An error is collective when the code path that raised
  it guarantees that every rank of its communicator raises it too: curio's own checks of the input and the problem
  (made with information every rank of the communicator has, or after agreeing on it with CurioAgreeOnError()), and
  PETSc's parsing of the options database, which every rank holds. Such an error is printed once, by rank 0 of its
  communicator, as one line `curio: error: ...` on stderr (prefixed by the context of CurioErrorSetContext(), e.g. a
  study's run); anything else gets PETSc's full traceback. Run with -curio_traceback for the traceback always.

  Not Collective

.seealso: `CurioErrorIsCollective()`, `CurioErrorSetContext()`
@*/
PetscErrorCode CurioErrorHandler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess,
                                 void *ctx)
{
  PetscBool   traceback = ctx ? *(PetscBool *) ctx : PETSC_FALSE;
  PetscMPIInt rank = 0, wsize = 1;

  if (p == PETSC_ERROR_INITIAL) {
    const PetscBool self = (PetscBool) (comm == MPI_COMM_NULL || comm == PETSC_COMM_SELF);
    const PetscBool options =
        (PetscBool) ((n == PETSC_ERR_USER_INPUT || n == PETSC_ERR_USER || n == PETSC_ERR_ARG_OUTOFRANGE) && fun && !strncmp(fun, "PetscOptions", 12));

    MPI_Comm_size(PETSC_COMM_WORLD, &wsize);
    /* on one rank every error is trivially agreed on */
    CurioLastErrorCollective = (PetscBool) (IsUserError(n) && ((IsCurioSource(file) && !self) || options || wsize == 1));
    if (CurioLastErrorCollective && !traceback) {
      if (self) MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
      else MPI_Comm_rank(comm, &rank);
      if (rank == 0) {
        char option[256] = "";
        if (options) OptionWithValue(mess, option, sizeof(option));
        fprintf(stderr, "curio: error: %s%s%s%s%s\n", CurioErrorContextText, CurioErrorContextText[0] ? ": " : "", option, option[0] ? ": " : "",
                mess ? mess : "(no message)");
      }
      return n;
    }
  } else if (CurioLastErrorCollective && !traceback) return n;
  return PetscTraceBackErrorHandler(comm, line, fun, file, n, p, mess, NULL);
}

/*@C
  CurioErrorIsCollective - whether the last error was raised on every rank of its communicator together, so that the ranks can finalize
  and exit in step instead of aborting

  Not Collective
@*/
PetscBool CurioErrorIsCollective(void)
{
  return CurioLastErrorCollective;
}

/* Every rank gets the message of the rank whose error comes first (smallest key; key < 0: none on this rank), so that
   an input error found by some ranks is raised by all with the same text */
PetscErrorCode CurioAgreeOnError(MPI_Comm comm, PetscInt64 key, char msg[], PetscMPIInt len, PetscBool *any)
{
  struct {
    long key;
    int  rank;
  } in, out;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  in.key  = key >= 0 ? (long) key : LONG_MAX;
  in.rank = rank;
  PetscCallMPI(MPI_Allreduce(&in, &out, 1, MPI_LONG_INT, MPI_MINLOC, comm));
  *any = (PetscBool) (out.key != LONG_MAX);
  if (*any) PetscCallMPI(MPI_Bcast(msg, len, MPI_CHAR, out.rank, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioParseFileDataset - splits "FILE[:DATASET]" in place; the dataset defaults to dflt
@*/
PetscErrorCode CurioParseFileDataset(char spec[], const char dflt[], char dset[], size_t len)
{
  char *colon;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(dset, dflt, len));
  PetscCall(PetscStrrchr(spec, ':', &colon));
  if (colon != spec) {
    PetscCall(PetscStrncpy(dset, colon, len));
    colon[-1] = '\0';
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioVecNorm2Safe - ||v||_2 without overflow or underflow: PETSc's NORM_2 is the square root of a dot product, Inf for
  entries of 1e155 and 0 for entries of 1e-163; then the sum of squares is taken again of the entries divided by the
  largest |entry|

  Collective
@*/
PetscErrorCode CurioVecNorm2Safe(Vec v, PetscReal *nrm)
{
  PetscReal          m, sum = 0;
  const PetscScalar *a;
  PetscInt           n;

  PetscFunctionBegin;
  PetscCall(VecNorm(v, NORM_2, nrm));
  if (!PetscIsInfReal(*nrm) && *nrm > 1e-150) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(VecNorm(v, NORM_INFINITY, &m));
  if (!(m > 0) || PetscIsInfOrNanReal(m)) {
    *nrm = m;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(VecGetLocalSize(v, &n));
  PetscCall(VecGetArrayRead(v, &a));
  for (PetscInt i = 0; i < n; i++) sum += PetscSqr(PetscRealPart(a[i]) / m);
  PetscCall(VecRestoreArrayRead(v, &a));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &sum, 1, MPIU_REAL, MPIU_SUM, PetscObjectComm((PetscObject) v)));
  *nrm = m * PetscSqrtReal(sum);
  PetscFunctionReturn(PETSC_SUCCESS);
}

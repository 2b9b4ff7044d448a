/* t009: checkpoints. A Vec written at np ranks reads back bit for bit into another layout, on one rank alone and on
   half of the ranks; replicated arrays, scalars and strings come back exactly; rotation keeps exactly the newest K
   files of the prefix and touches nothing else; FindLatest picks the highest complete step and ignores temporary leftovers; a wrong kind,
   signature or schema version, a missing dataset, a wrong length, a truncated or garbage file and a missing file are
   each refused on every rank with the same message, and no checkpoint file changes; an abandoned write leaves nothing;
   a signal raised on one rank is reported on all. Files go to a fresh directory under $TMPDIR (default /tmp), removed
   at the end.
     mpiexec -n 4 ./t009_checkpoint */
#include "harness.h"
#include <hdf5.h>
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------------------------------- */
/* files (rank 0 does the file system work; the answers are broadcast) */

static char dir[PETSC_MAX_PATH_LEN];

/* A fresh directory for one test, the same name on every rank */
static PetscErrorCode TestDir(const char name[])
{
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (rank == 0) {
    const char *tmp = getenv("TMPDIR");
    PetscCall(PetscSNPrintf(dir, sizeof(dir), "%s/t009-%d-%s", tmp && tmp[0] ? tmp : "/tmp", (int) getpid(), name));
    PetscCheck(!mkdir(dir, 0700), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot create test directory '%s'", dir);
  }
  PetscCallMPI(MPI_Bcast(dir, sizeof(dir), MPI_CHAR, 0, PETSC_COMM_WORLD));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Removes the test directory and everything in it */
static PetscErrorCode RemoveDir(void)
{
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (rank == 0) {
    DIR           *d = opendir(dir);
    struct dirent *e;
    char           p[2 * PETSC_MAX_PATH_LEN];
    while (d && (e = readdir(d)))
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        unlink(p);
      }
    if (d) closedir(d);
    rmdir(dir);
  }
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The sorted names in the test directory, joined by spaces (rank 0's view, on every rank) */
static void Listing(char out[], size_t len)
{
  PetscMPIInt rank;
  char        names[64][256];
  int         n = 0;

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  out[0] = '\0';
  if (rank == 0) {
    DIR           *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) && n < 64)
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
    if (d) closedir(d);
    qsort(names, (size_t) n, sizeof(names[0]), (int (*)(const void *, const void *)) strcmp);
    for (int i = 0; i < n; i++) {
      strncat(out, names[i], len - strlen(out) - 1);
      strncat(out, " ", len - strlen(out) - 1);
    }
  }
  MPI_Bcast(out, (int) len, MPI_CHAR, 0, PETSC_COMM_WORLD);
}

/* Rank 0: the bytes of a file (NULL if unreadable); *len its size */
static unsigned char *FileBytes(const char path[], size_t *len)
{
  FILE          *f = fopen(path, "rb");
  unsigned char *buf;
  long           n;

  *len = 0;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = malloc((size_t) n + 1);
  if (buf && fread(buf, 1, (size_t) n, f) != (size_t) n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *len = (size_t) n;
  return buf;
}

/* Rank 0 writes the first len bytes of src (all of it: len = 0; garbage instead: garbage) to dst */
static PetscErrorCode CopyFile(const char src[], const char dst[], size_t len, PetscBool garbage)
{
  PetscMPIInt rank;
  int         ok = 1;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (rank == 0) {
    size_t         n;
    unsigned char *b = FileBytes(src, &n);
    FILE          *f = fopen(dst, "wb");
    if (garbage && b)
      for (size_t i = 0; i < n; i++) b[i] = (unsigned char) (i * 131 + 7);
    ok = b && f && fwrite(b, 1, len ? len : n, f) == (len ? len : n);
    if (f) ok = !fclose(f) && ok;
    free(b);
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, PETSC_COMM_WORLD));
  PetscCheck(ok, PETSC_COMM_WORLD, PETSC_ERR_FILE_WRITE, "cannot copy '%s' to '%s'", src, dst);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rank 0 rewrites a root attribute of a checkpoint with plain (serial) HDF5: an int64 value, or a string */
static PetscErrorCode RewriteAttribute(const char path[], const char name[], int64_t ival, const char sval[])
{
  PetscMPIInt rank;
  int         ok = 1;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (rank == 0) {
    hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT), space = H5Screate(H5S_SCALAR), type, attr;
    ok = file >= 0 && H5Adelete(file, name) >= 0;
    if (sval) {
      type = H5Tcopy(H5T_C_S1);
      H5Tset_size(type, H5T_VARIABLE);
      attr = H5Acreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
      ok   = ok && attr >= 0 && H5Awrite(attr, type, &sval) >= 0;
      H5Tclose(type);
    } else {
      attr = H5Acreate2(file, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
      ok   = ok && attr >= 0 && H5Awrite(attr, H5T_NATIVE_INT64, &ival) >= 0;
    }
    if (attr >= 0) H5Aclose(attr);
    H5Sclose(space);
    if (file >= 0) ok = H5Fclose(file) >= 0 && ok;
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, PETSC_COMM_WORLD));
  PetscCheck(ok, PETSC_COMM_WORLD, PETSC_ERR_LIB, "cannot rewrite attribute '%s' of '%s'", name, path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rank 0 deletes a dataset of a checkpoint with plain HDF5 */
static PetscErrorCode DeleteDataset(const char path[], const char name[])
{
  PetscMPIInt rank;
  int         ok = 1;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (rank == 0) {
    hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    ok         = file >= 0 && H5Ldelete(file, name, H5P_DEFAULT) >= 0;
    if (file >= 0) ok = H5Fclose(file) >= 0 && ok;
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, PETSC_COMM_WORLD));
  PetscCheck(ok, PETSC_COMM_WORLD, PETSC_ERR_LIB, "cannot delete '%s' of '%s'", name, path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* values: arbitrary 64-bit patterns (normal, subnormal, huge, signed zero, infinities) by global index */

static uint64_t Mix(uint64_t x)
{
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static PetscReal Value(uint64_t seed, PetscInt i)
{
  static const double special[] = {0.0, -0.0, 4.9e-324, -2.2250738585072014e-308, 1.7976931348623157e308, 1.0 / 3.0, -1e-300, 0.1};
  uint64_t            bits      = Mix(seed * 1000003ULL + (uint64_t) i);
  double              v;

  if (i < 8) return special[i];
  if ((bits & 0x7ff0000000000000ULL) == 0x7ff0000000000000ULL) bits ^= 0x4000000000000000ULL; /* no NaN: compared with == below */
  memcpy(&v, &bits, sizeof(v));
  return v;
}

static PetscBool SameBits(PetscReal a, PetscReal b)
{
  return memcmp(&a, &b, sizeof(a)) ? PETSC_FALSE : PETSC_TRUE;
}

/* Fills a Vec with Value(seed, global index) */
static PetscErrorCode FillVec(Vec v, uint64_t seed)
{
  PetscInt     lo, hi;
  PetscScalar *a;

  PetscFunctionBeginUser;
  PetscCall(VecGetOwnershipRange(v, &lo, &hi));
  PetscCall(VecGetArrayWrite(v, &a));
  for (PetscInt i = lo; i < hi; i++) a[i - lo] = Value(seed, i);
  PetscCall(VecRestoreArrayWrite(v, &a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Whether every entry of v (on every rank) is bit for bit Value(seed, global index) */
static PetscBool VecHasValues(Vec v, uint64_t seed)
{
  PetscInt           lo, hi;
  const PetscScalar *a;
  int                ok = 1, all;

  VecGetOwnershipRange(v, &lo, &hi);
  VecGetArrayRead(v, &a);
  for (PetscInt i = lo; i < hi && ok; i++) ok = SameBits(a[i - lo], Value(seed, i));
  VecRestoreArrayRead(v, &a);
  MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, PetscObjectComm((PetscObject) v));
  return all ? PETSC_TRUE : PETSC_FALSE;
}

/* A Vec of global size N in a layout that differs from PETSc's default split (rank r gets a share ~ (r+1)^2) */
static PetscErrorCode VecCreateSkewed(PetscInt N, Vec *v)
{
  PetscMPIInt rank, size;
  PetscInt    w = 0, before = 0, n;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  for (PetscInt r = 0; r < size; r++) w += (r + 1) * (r + 1);
  for (PetscInt r = 0; r < rank; r++) before += N * (r + 1) * (r + 1) / w;
  n = rank == size - 1 ? N - before : N * (rank + 1) * (rank + 1) / w;
  PetscCall(VecCreateMPI(PETSC_COMM_WORLD, n, N, v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* the state the tests write */

#define NBIG   1003
#define NSMALL 3
#define NARR   17
#define NINT   6

static const char *Kind = "sgdf", *Signature = "data=train.h5 n=1000000 d=100000 loss=squared s=0.5 batch=256";

static const PetscInt64 IntValues[NINT] = {0, -1, 2147483648LL, -9223372036854775807LL - 1, 9223372036854775807LL, 1099511627776LL};

/* a string longer than one line and with UTF-8 */
static const char *LongString = "optimizer=adam schedule=decay lr=1e-3 \xce\xb8\xe2\x80\xb2 "
                                "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
                                "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789";

/* Writes the test state at a step (values depend on the step through the seeds) */
static PetscErrorCode WriteState(CurioCheckpoint ck, PetscInt64 step, char path[], size_t len)
{
  Vec        big, small;
  PetscReal  arr[NARR], r = Value(step + 50, 9), r2 = -0.0;
  PetscInt64 ints[NINT], iv = 9000000000LL + step;

  PetscFunctionBeginUser;
  PetscCall(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, NBIG, &big));
  PetscCall(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, NSMALL, &small));
  PetscCall(FillVec(big, (uint64_t) step));
  PetscCall(FillVec(small, (uint64_t) step + 7));
  for (PetscInt i = 0; i < NARR; i++) arr[i] = Value((uint64_t) step + 3, i);
  PetscCall(PetscArraycpy(ints, IntValues, NINT));
  ints[0] = step;
  PetscCall(CurioCheckpointBeginWrite(ck, Kind, Signature, step));
  PetscCall(CurioCheckpointVec(ck, "theta", big));
  PetscCall(CurioCheckpointVec(ck, "tiny", small));
  PetscCall(CurioCheckpointRealArray(ck, "moments", NARR, arr));
  PetscCall(CurioCheckpointIntArray(ck, "counters", NINT, ints));
  PetscCall(CurioCheckpointReal(ck, "s", &r));
  PetscCall(CurioCheckpointReal(ck, "negzero", &r2));
  PetscCall(CurioCheckpointInt(ck, "rng_index", &iv));
  PetscCall(CurioCheckpointString(ck, "optimizer", (char *) LongString, 0));
  PetscCall(CurioCheckpointString(ck, "empty", (char *) "", 0));
  PetscCall(CurioCheckpointEndWrite(ck, path, len));
  PetscCall(VecDestroy(&big));
  PetscCall(VecDestroy(&small));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Reads the state back on comm (PETSC_COMM_WORLD in a skewed layout, or fewer ranks in PETSc's split) and checks every value */
static PetscErrorCode CheckState(MPI_Comm comm, const char path[], PetscInt64 step, PetscBool *ok)
{
  CurioCheckpoint ck;
  Vec             big, small;
  PetscReal       arr[NARR], r, r2;
  PetscInt64      ints[NINT], iv, st;
  PetscInt        len;
  char            str[512], empty[4];
  PetscBool       good = PETSC_TRUE, has;

  PetscFunctionBeginUser;
  PetscCall(CurioCheckpointOpenRead(comm, path, Kind, Signature, &ck));
  PetscCall(CurioCheckpointGetStep(ck, &st));
  good = (PetscBool) (good && st == step);
  if (comm == PETSC_COMM_WORLD) {
    PetscCall(VecCreateSkewed(NBIG, &big));
    PetscCall(VecCreateSkewed(NSMALL, &small));
  } else {
    PetscCall(VecCreateMPI(comm, PETSC_DECIDE, NBIG, &big));
    PetscCall(VecCreateMPI(comm, PETSC_DECIDE, NSMALL, &small));
  }
  PetscCall(VecSet(big, 42.0));
  PetscCall(CurioCheckpointVec(ck, "theta", big));
  PetscCall(CurioCheckpointVec(ck, "tiny", small));
  good = (PetscBool) (good && VecHasValues(big, (uint64_t) step) && VecHasValues(small, (uint64_t) step + 7));
  PetscCall(CurioCheckpointArrayLength(ck, "moments", &len));
  good = (PetscBool) (good && len == NARR);
  PetscCall(CurioCheckpointRealArray(ck, "moments", NARR, arr));
  for (PetscInt i = 0; i < NARR; i++) good = (PetscBool) (good && SameBits(arr[i], Value((uint64_t) step + 3, i)));
  PetscCall(CurioCheckpointArrayLength(ck, "counters", &len));
  good = (PetscBool) (good && len == NINT);
  PetscCall(CurioCheckpointIntArray(ck, "counters", NINT, ints));
  good = (PetscBool) (good && ints[0] == step);
  for (PetscInt i = 1; i < NINT; i++) good = (PetscBool) (good && ints[i] == IntValues[i]);
  PetscCall(CurioCheckpointReal(ck, "s", &r));
  PetscCall(CurioCheckpointReal(ck, "negzero", &r2));
  good = (PetscBool) (good && SameBits(r, Value(step + 50, 9)) && SameBits(r2, -0.0));
  PetscCall(CurioCheckpointInt(ck, "rng_index", &iv));
  good = (PetscBool) (good && iv == 9000000000LL + step);
  PetscCall(CurioCheckpointString(ck, "optimizer", str, sizeof(str)));
  good = (PetscBool) (good && !strcmp(str, LongString));
  PetscCall(CurioCheckpointString(ck, "empty", empty, sizeof(empty)));
  good = (PetscBool) (good && !strcmp(empty, ""));
  PetscCall(CurioCheckpointHasItem(ck, "theta", &has));
  good = (PetscBool) (good && has);
  PetscCall(CurioCheckpointHasItem(ck, "optimizer", &has));
  good = (PetscBool) (good && has);
  PetscCall(CurioCheckpointHasItem(ck, "adam_m", &has));
  good = (PetscBool) (good && !has);
  PetscCall(CurioCheckpointDestroy(&ck));
  PetscCall(VecDestroy(&big));
  PetscCall(VecDestroy(&small));
  *ok = good;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* tests */

static void TestRoundTrip(void)
{
  CurioCheckpoint ck;
  char            prefix[PETSC_MAX_PATH_LEN], path[PETSC_MAX_PATH_LEN], expect[PETSC_MAX_PATH_LEN], found_path[PETSC_MAX_PATH_LEN];
  PetscBool       ok, found;
  PetscMPIInt     rank;

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  TCALL(TestDir("roundtrip"));
  TCALL(PetscSNPrintf(prefix, sizeof(prefix), "%s/ckpt", dir));
  TCALL(CurioCheckpointWriterCreate(PETSC_COMM_WORLD, prefix, 2, &ck));
  TCALL(WriteState(ck, 12345, path, sizeof(path)));
  TCALL(CurioCheckpointDestroy(&ck));
  CU_ASSERT_PTR_NULL(ck);
  TCALL(PetscSNPrintf(expect, sizeof(expect), "%s-0000012345.h5", prefix));
  CU_ASSERT_STRING_EQUAL(path, expect);

  /* read back at this rank count in another layout */
  TCALL(CheckState(PETSC_COMM_WORLD, path, 12345, &ok));
  CU_ASSERT(ok);
  /* and on fewer ranks than wrote it: rank 0 alone, and (np >= 4) the first half of the ranks */
  if (rank == 0) {
    TCALL(CheckState(PETSC_COMM_SELF, path, 12345, &ok));
    CU_ASSERT(ok);
  }
  {
    MPI_Comm    half;
    PetscMPIInt size;
    MPI_Comm_size(PETSC_COMM_WORLD, &size);
    if (size >= 4) {
      TCALL(MPI_Comm_split(PETSC_COMM_WORLD, rank < size / 2 ? 0 : MPI_UNDEFINED, rank, &half));
      if (half != MPI_COMM_NULL) {
        TCALL(CheckState(half, path, 12345, &ok));
        CU_ASSERT(ok);
        TCALL(MPI_Comm_free(&half));
      }
    }
  }
  TCALL(MPI_Barrier(PETSC_COMM_WORLD));
  TCALL(CurioCheckpointFindLatest(PETSC_COMM_WORLD, prefix, found_path, sizeof(found_path), &found));
  CU_ASSERT(found);
  CU_ASSERT_STRING_EQUAL(found_path, expect);
  TCALL(RemoveDir());
}

static void TestRotation(void)
{
  CurioCheckpoint ck;
  char            prefix[PETSC_MAX_PATH_LEN], path[PETSC_MAX_PATH_LEN], list[4096], expect[4096], latest[PETSC_MAX_PATH_LEN];
  PetscBool       found;
  PetscMPIInt     rank;
  /* files that share the directory but are not checkpoints of the prefix: never touched */
  const char *others = "ckpt-0000000001.h5.bak ckpt-0000000001.h5.tmp-777 ckpt-0099999999.h5.tmp-123 ckpt-12.h5 ckpt-notes.txt ckptx-0000000001.h5 ";

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  TCALL(TestDir("rotation"));
  TCALL(PetscSNPrintf(prefix, sizeof(prefix), "%s/ckpt", dir));
  if (rank == 0) {
    char  name[PETSC_MAX_PATH_LEN + 64], copy[512], *tok, *save = NULL;
    FILE *f;
    PetscStrncpy(copy, others, sizeof(copy));
    for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
      snprintf(name, sizeof(name), "%s/%s", dir, tok);
      f = fopen(name, "w");
      if (f) {
        fputs("not a checkpoint\n", f);
        fclose(f);
      }
    }
  }
  TCALL(MPI_Barrier(PETSC_COMM_WORLD));
  TCALL(CurioCheckpointFindLatest(PETSC_COMM_WORLD, prefix, latest, sizeof(latest), &found));
  CU_ASSERT(!found); /* only leftovers and other files so far */
  CU_ASSERT_STRING_EQUAL(latest, "");

  TCALL(CurioCheckpointWriterCreate(PETSC_COMM_WORLD, prefix, 3, &ck));
  for (PetscInt64 step = 1; step <= 6; step++) {
    TCALL(WriteState(ck, step * 10, path, sizeof(path)));
    Listing(list, sizeof(list));
    expect[0] = '\0';
    /* the other files and the newest 3 checkpoints, sorted as Listing() sorts */
    {
      char names[16][64];
      int  n = 0;
      char copy[512], *tok, *save = NULL;
      PetscStrncpy(copy, others, sizeof(copy));
      for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) snprintf(names[n++], 64, "%s", tok);
      for (PetscInt64 s = PetscMax(1, step - 2); s <= step; s++) snprintf(names[n++], 64, "ckpt-%010lld.h5", (long long) (s * 10));
      qsort(names, (size_t) n, sizeof(names[0]), (int (*)(const void *, const void *)) strcmp);
      for (int i = 0; i < n; i++) {
        strcat(expect, names[i]);
        strcat(expect, " ");
      }
    }
    CU_ASSERT_STRING_EQUAL(list, expect);
    if (strcmp(list, expect) && rank == 0) printf("\n    after step %lld: have '%s'\n    expected '%s'", (long long) (step * 10), list, expect);
    TCALL(CurioCheckpointFindLatest(PETSC_COMM_WORLD, prefix, latest, sizeof(latest), &found));
    CU_ASSERT(found);
    CU_ASSERT_STRING_EQUAL(latest, path);
  }
  /* a run restarted from an older step writes a lower step: that file stays, with the newest 3 */
  TCALL(WriteState(ck, 25, path, sizeof(path)));
  Listing(list, sizeof(list));
  CU_ASSERT(strstr(list, "ckpt-0000000025.h5 ") && strstr(list, "ckpt-0000000040.h5 ") && strstr(list, "ckpt-0000000050.h5 ") &&
            strstr(list, "ckpt-0000000060.h5 ") && !strstr(list, "ckpt-0000000030.h5 "));
  /* the same step again replaces the file */
  TCALL(WriteState(ck, 60, path, sizeof(path)));
  TCALL(CurioCheckpointFindLatest(PETSC_COMM_WORLD, prefix, latest, sizeof(latest), &found));
  CU_ASSERT_STRING_EQUAL(latest, path);
  {
    PetscBool ok;
    TCALL(CheckState(PETSC_COMM_WORLD, latest, 60, &ok));
    CU_ASSERT(ok);
  }
  TCALL(CurioCheckpointDestroy(&ck));
  /* keep = 1 */
  TCALL(CurioCheckpointWriterCreate(PETSC_COMM_WORLD, prefix, 1, &ck));
  TCALL(WriteState(ck, 70, path, sizeof(path)));
  TCALL(CurioCheckpointDestroy(&ck));
  Listing(list, sizeof(list));
  {
    char want[1024];
    snprintf(want, sizeof(want),
             "ckpt-0000000001.h5.bak ckpt-0000000001.h5.tmp-777 ckpt-0000000070.h5 ckpt-0099999999.h5.tmp-123 ckpt-12.h5 "
             "ckpt-notes.txt ckptx-0000000001.h5 ");
    CU_ASSERT_STRING_EQUAL(list, want);
  }
  TCALL(RemoveDir());
}

/* Calls fn and expects an error containing want; the checkpoint files must not change */
#define EXPECT_REFUSAL(call, ...)                                                 \
  do {                                                                            \
    PetscErrorCode ierr_;                                                         \
    TCALL(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));                  \
    ierr_ = (call);                                                               \
    TCALL(PetscPopErrorHandler());                                                \
    CU_ASSERT(TestErrorMatches(ierr_, (const char *const[]){__VA_ARGS__, NULL})); \
  } while (0)

static void TestRefusals(void)
{
  CurioCheckpoint ck = NULL;
  char            prefix[PETSC_MAX_PATH_LEN], good[PETSC_MAX_PATH_LEN], bad[PETSC_MAX_PATH_LEN], before[4096], after[4096];
  unsigned char  *bytes  = NULL;
  size_t          nbytes = 0;
  PetscMPIInt     rank;
  Vec             v;

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  TCALL(TestDir("refusals"));
  TCALL(PetscSNPrintf(prefix, sizeof(prefix), "%s/ckpt", dir));
  TCALL(CurioCheckpointWriterCreate(PETSC_COMM_WORLD, prefix, 3, &ck));
  TCALL(WriteState(ck, 7, good, sizeof(good)));
  TCALL(CurioCheckpointDestroy(&ck));
  if (rank == 0) bytes = FileBytes(good, &nbytes);
  Listing(before, sizeof(before));

  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  wrong kind:"));
  EXPECT_REFUSAL(CurioCheckpointOpenRead(PETSC_COMM_WORLD, good, "active", Signature, &ck), good, "'sgdf'", "expected 'active'");
  CU_ASSERT_PTR_NULL(ck);
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  wrong signature:"));
  /* one line naming the fields that differ, the file's value first */
  EXPECT_REFUSAL(CurioCheckpointOpenRead(PETSC_COMM_WORLD, good, Kind, "data=other.h5 n=10 d=3", &ck), good,
                 "the checkpoint's data = train.h5, this run's other.h5", "n = 1000000, this run's 10", "loss = squared, this run's none");
  CU_ASSERT_PTR_NULL(ck);

  /* a copy with another schema version (rewritten with plain HDF5) */
  TCALL(PetscSNPrintf(bad, sizeof(bad), "%s/schema.h5", dir));
  TCALL(CopyFile(good, bad, 0, PETSC_FALSE));
  TCALL(RewriteAttribute(bad, "schema_version", 99, NULL));
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  other schema version:"));
  EXPECT_REFUSAL(CurioCheckpointOpenRead(PETSC_COMM_WORLD, bad, Kind, Signature, &ck), bad, "schema_version 99", "reads schema_version 1");
  /* a copy whose kind attribute was rewritten */
  TCALL(CopyFile(good, bad, 0, PETSC_FALSE));
  TCALL(RewriteAttribute(bad, "kind", 0, "active"));
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  kind rewritten:"));
  EXPECT_REFUSAL(CurioCheckpointOpenRead(PETSC_COMM_WORLD, bad, Kind, Signature, &ck), bad, "'active'", "expected 'sgdf'");

  /* missing dataset, wrong length, wrong type, missing string, string too long for the buffer */
  TCALL(CopyFile(good, bad, 0, PETSC_FALSE));
  TCALL(DeleteDataset(bad, "/state/theta"));
  TCALL(CurioCheckpointOpenRead(PETSC_COMM_WORLD, bad, Kind, Signature, &ck));
  TCALL(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, NBIG, &v));
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  missing dataset:"));
  EXPECT_REFUSAL(CurioCheckpointVec(ck, "theta", v), bad, "no dataset '/state/theta'");
  TCALL(VecDestroy(&v));
  TCALL(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, NBIG - 3, &v));
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  wrong length:"));
  EXPECT_REFUSAL(CurioCheckpointVec(ck, "tiny", v), bad, "'/state/tiny' has length 3, expected 1000");
  TCALL(VecDestroy(&v));
  {
    PetscReal  arr[NARR + 1];
    PetscInt64 ints[NINT];
    char       s[8];
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  wrong array length:"));
    EXPECT_REFUSAL(CurioCheckpointRealArray(ck, "moments", NARR + 1, arr), "'/state/moments' has length 17, expected 18");
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  wrong type:"));
    EXPECT_REFUSAL(CurioCheckpointIntArray(ck, "moments", NARR, ints), "'/state/moments' holds reals, expected integers");
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  scalar expected:"));
    EXPECT_REFUSAL(CurioCheckpointReal(ck, "moments", arr), "'/state/moments' has 1 dimensions, expected a scalar");
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  missing string:"));
    EXPECT_REFUSAL(CurioCheckpointString(ck, "schedule", s, sizeof(s)), bad, "no string 'schedule'");
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  string too long:"));
    EXPECT_REFUSAL(CurioCheckpointString(ck, "optimizer", s, sizeof(s)), "string 'optimizer' is longer than the 8 bytes");
  }
  TCALL(CurioCheckpointDestroy(&ck));

  /* truncated, garbage, missing file */
  if (rank == 0) CU_ASSERT_FATAL(bytes && nbytes > 100);
  TCALL(CopyFile(good, bad, nbytes / 2, PETSC_FALSE));
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  truncated file:"));
  EXPECT_REFUSAL(CurioCheckpointOpenRead(PETSC_COMM_WORLD, bad, Kind, Signature, &ck), bad, "not a readable HDF5 checkpoint");
  CU_ASSERT_PTR_NULL(ck);
  TCALL(CopyFile(good, bad, 0, PETSC_TRUE));
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  garbage file:"));
  EXPECT_REFUSAL(CurioCheckpointOpenRead(PETSC_COMM_WORLD, bad, Kind, Signature, &ck), bad, "not a readable HDF5 checkpoint");
  TCALL(PetscSNPrintf(bad, sizeof(bad), "%s/missing.h5", dir));
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  missing file:"));
  EXPECT_REFUSAL(CurioCheckpointOpenRead(PETSC_COMM_WORLD, bad, Kind, Signature, &ck), bad, "No such file or directory");
  TCALL(PetscSNPrintf(bad, sizeof(bad), "%s/schema.h5", dir));
  if (rank == 0) unlink(bad);

  /* a writer for a missing directory is refused when it is created (at setup), not when the first checkpoint is due */
  {
    char nodir[PETSC_MAX_PATH_LEN];
    TCALL(PetscSNPrintf(nodir, sizeof(nodir), "%s/no/such/dir/ckpt", dir));
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  missing directory:"));
    EXPECT_REFUSAL(CurioCheckpointWriterCreate(PETSC_COMM_WORLD, nodir, 3, &ck), "cannot hold checkpoints", nodir);
  }
  /* bad arguments */
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  keep 0:"));
  EXPECT_REFUSAL(CurioCheckpointWriterCreate(PETSC_COMM_WORLD, prefix, 0, &ck), "keep must be >= 1");
  /* an abandoned write (begun, then destroyed: an error or a kill between the two) leaves no file behind */
  {
    Vec w;
    TCALL(CurioCheckpointWriterCreate(PETSC_COMM_WORLD, prefix, 1, &ck));
    TCALL(CurioCheckpointBeginWrite(ck, Kind, Signature, 8));
    TCALL(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, NBIG, &w));
    TCALL(VecSet(w, 1.0));
    TCALL(CurioCheckpointVec(ck, "theta", w));
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  item written twice:"));
    EXPECT_REFUSAL(CurioCheckpointVec(ck, "theta", w), "Cannot create dataset '/state/theta'");
    TCALL(CurioCheckpointDestroy(&ck));
    TCALL(VecDestroy(&w));
  }
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n"));

  /* nothing of the above changed the checkpoint files: the same names, the same bytes */
  Listing(after, sizeof(after));
  CU_ASSERT_STRING_EQUAL(after, before);
  if (rank == 0) {
    size_t         n2;
    unsigned char *b2 = FileBytes(good, &n2);
    CU_ASSERT(b2 && bytes && n2 == nbytes && !memcmp(b2, bytes, nbytes));
    free(b2);
  }
  free(bytes);
  {
    PetscBool ok;
    TCALL(CheckState(PETSC_COMM_WORLD, good, 7, &ok));
    CU_ASSERT(ok);
  }
  TCALL(RemoveDir());
}

static void TestSignals(void)
{
  PetscBool   usr1, term;
  PetscMPIInt rank, size;

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  TCALL(CurioSignalInstall());
  TCALL(CurioSignalCaught(PETSC_COMM_WORLD, &usr1, &term));
  CU_ASSERT(!usr1 && !term);
  if (rank == 0) raise(SIGUSR1);
  TCALL(CurioSignalCaught(PETSC_COMM_WORLD, &usr1, &term));
  CU_ASSERT(usr1 && !term);
  /* reported once: the flags were cleared */
  TCALL(CurioSignalCaught(PETSC_COMM_WORLD, &usr1, &term));
  CU_ASSERT(!usr1 && !term);
  if (rank == size - 1) raise(SIGTERM);
  TCALL(CurioSignalCaught(PETSC_COMM_WORLD, &usr1, &term));
  CU_ASSERT(!usr1 && term);
  if (rank == 0) raise(SIGUSR1);
  if (rank == size - 1) raise(SIGTERM);
  TCALL(CurioSignalCaught(PETSC_COMM_WORLD, &usr1, &term));
  CU_ASSERT(usr1 && term);
  TCALL(CurioSignalCaught(PETSC_COMM_WORLD, &usr1, &term));
  CU_ASSERT(!usr1 && !term);
}

int main(int argc, char **argv)
{
  const TestCase tests[] = {
      {"round trip: bit-identical in another layout and on fewer ranks", TestRoundTrip},
      {"rotation keeps the newest K; FindLatest", TestRotation},
      {"refusals name the file and leave checkpoints intact", TestRefusals},
      {"signals reach every rank", TestSignals},
      {NULL, NULL},
  };
  return TestMain(argc, argv, "t009_checkpoint", tests);
}

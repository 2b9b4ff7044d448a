/* t006: sparse input. LIBSVM text and curio's HDF5 CSR layout are read into the expected rows at any rank count
   (every rank checks its own rows against the known rows by global row index), and every malformed variant raises an
   error on every rank, the same message, naming the file and the line (LIBSVM) or the dataset and row (HDF5).
   Files are written by rank 0 under $TMPDIR (default /tmp) and removed after use. CurioCSRPrependOnes() (an intercept
   column put in place) against the rows rebuilt entry by entry.
     mpiexec -n 4 ./t006_sparse_io */
#include "harness.h"
#include <curiosparse.h>
#include <hdf5.h>
#include <stdarg.h>
#include <stdint.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------------------------------- */
/* files */

/* A path for a test file: the same on every rank (rank 0's directory and pid) */
static PetscErrorCode TestPath(const char name[], char path[PETSC_MAX_PATH_LEN])
{
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (rank == 0) {
    const char *dir = getenv("TMPDIR");
    PetscCall(PetscSNPrintf(path, PETSC_MAX_PATH_LEN, "%s/t006-%d-%s", dir && dir[0] ? dir : "/tmp", (int) getpid(), name));
  }
  PetscCallMPI(MPI_Bcast(path, PETSC_MAX_PATH_LEN, MPI_CHAR, 0, PETSC_COMM_WORLD));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rank 0 writes len bytes of text (which may hold NUL bytes) to the file; the other ranks wait for it */
static PetscErrorCode WriteText(const char path[], const char text[], size_t len)
{
  PetscMPIInt rank;
  int         ok = 1;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (rank == 0) {
    FILE *fp = fopen(path, "wb");
    ok       = fp && fwrite(text, 1, len, fp) == len;
    if (fp) ok = !fclose(fp) && ok;
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, PETSC_COMM_WORLD));
  PetscCheck(ok, PETSC_COMM_WORLD, PETSC_ERR_FILE_WRITE, "cannot write test file '%s'", path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode RemoveFile(const char path[])
{
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (rank == 0) unlink(path);
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A growing text buffer */
typedef struct {
  char  *s;
  size_t len, cap;
} Text;

static void TextAdd(Text *t, const char *fmt, ...)
{
  va_list ap;
  int     k;

  for (;;) {
    va_start(ap, fmt);
    k = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
    va_end(ap);
    if (t->s && t->len + (size_t) k < t->cap) break;
    t->cap = 2 * (t->cap + (size_t) k) + 1024;
    t->s   = realloc(t->s, t->cap);
  }
  t->len += (size_t) k;
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* expected rows and the comparison */

typedef struct {
  PetscReal        y, w;
  PetscInt         nnz;
  const PetscInt  *col; /* 0-based */
  const PetscReal *val;
} Row;

/* The expected row i of a set; a function so that large generated sets need no table */
typedef void (*RowFn)(PetscInt i, Row *row, PetscInt colbuf[], PetscReal valbuf[]);

/* Whether rows (this rank's part of an n x ncols set) holds exactly the expected rows; every rank gets the answer */
static PetscBool RowsMatch(const CurioCSRRows *r, PetscInt n, PetscInt ncols, PetscBool labeled, RowFn fn, PetscInt maxnnz)
{
  int         ok = 1, allok;
  PetscMPIInt rank;
  PetscInt    sum, start = 0;
  PetscInt   *colbuf;
  PetscReal  *valbuf;

  colbuf = malloc(sizeof(PetscInt) * (size_t) maxnnz);
  valbuf = malloc(sizeof(PetscReal) * (size_t) maxnnz);
  MPI_Allreduce(&r->nlocal, &sum, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD);
  MPI_Exscan(&r->nlocal, &start, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD);
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (rank == 0) start = 0; /* Exscan leaves rank 0 undefined */
  ok = r->n == n && r->ncols == ncols && sum == n && r->rstart == start && r->rowptr && r->rowptr[0] == 0 && r->w && (labeled ? !!r->y : !r->y);
  for (PetscInt i = 0; ok && i < r->nlocal; i++) {
    Row e;
    fn(r->rstart + i, &e, colbuf, valbuf);
    ok = r->rowptr[i + 1] - r->rowptr[i] == e.nnz && r->w[i] == e.w && (!labeled || r->y[i] == e.y);
    for (PetscInt k = 0; ok && k < e.nnz; k++) ok = r->colidx[r->rowptr[i] + k] == e.col[k] && r->vals[r->rowptr[i] + k] == e.val[k];
    if (!ok) printf("  [t006] row %" PetscInt_FMT " differs from the expected row\n", r->rstart + i);
  }
  free(colbuf);
  free(valbuf);
  MPI_Allreduce(&ok, &allok, 1, MPI_INT, MPI_LAND, PETSC_COMM_WORLD);
  return allok ? PETSC_TRUE : PETSC_FALSE;
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* LIBSVM */

static const char *SmallText = "# a comment line\n"
                               "1 1:0.5 3:-2 10:1e-3\n"
                               "\n"
                               "-1 qid:3 2:4   # a trailing comment\n"
                               "   \t \n"
                               "+2.5 5:1.25e2\t7:3\r\n"
                               "   # an indented comment\n"
                               "0 \n"
                               "3 1:1 2:2 3:3 4:4 5:5 6:6 7:7 8:8 9:9 10:10\n"
                               "-0.75 4:0.5"; /* no newline at the end */

static void SmallRow(PetscInt i, Row *row, PetscInt colbuf[], PetscReal valbuf[])
{
  static const PetscInt  c0[] = {0, 2, 9}, c1[] = {1}, c2[] = {4, 6}, c4[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, c5[] = {3};
  static const PetscReal v0[] = {0.5, -2, 1e-3}, v1[] = {4}, v2[] = {125, 3}, v4[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, v5[] = {0.5};
  static const Row       rows[] = {{1, 1, 3, c0, v0},     {-1, 1, 1, c1, v1}, {2.5, 1, 2, c2, v2},
                                   {0, 1, 0, NULL, NULL}, {3, 1, 10, c4, v4}, {-0.75, 1, 1, c5, v5}};
  *row                          = rows[i];
}

/* A generated set of 300 rows of very different lengths (0 to 12 entries, and 500 in six rows), with comment and
   blank lines between them */
#define GEN_N      300
#define GEN_MAXNNZ 500
static void GenRow(PetscInt i, Row *row, PetscInt colbuf[], PetscReal valbuf[])
{
  row->nnz = i % 50 == 7 ? 500 : (i * 7) % 13;
  row->y   = (PetscReal) (i % 5) - 1.75;
  row->w   = 1;
  for (PetscInt k = 0; k < row->nnz; k++) {
    colbuf[k] = 3 * k + i % 3;
    valbuf[k] = PetscSinReal((PetscReal) (i + 1) * (k + 1)) * 1e3;
  }
  row->col = colbuf;
  row->val = valbuf;
}

static void GenText(Text *t)
{
  PetscInt  col[GEN_MAXNNZ];
  PetscReal val[GEN_MAXNNZ];

  for (PetscInt i = 0; i < GEN_N; i++) {
    Row r;
    if (i % 37 == 3) TextAdd(t, "# comment before row %d\n", (int) i);
    if (i % 23 == 5) TextAdd(t, "\n");
    GenRow(i, &r, col, val);
    TextAdd(t, "%.17g", (double) r.y);
    for (PetscInt k = 0; k < r.nnz; k++) TextAdd(t, " %d:%.17g", (int) r.col[k] + 1, (double) r.val[k]);
    TextAdd(t, i % 41 == 9 ? "  # trailing comment\n" : "\n");
  }
}

/* One long line (3000 entries) then three short ones: at 4 ranks, the middle ranks start inside the long line and
   own no line */
static void LongRow(PetscInt i, Row *row, PetscInt colbuf[], PetscReal valbuf[])
{
  row->y   = (PetscReal) i;
  row->w   = 1;
  row->nnz = i == 0 ? 3000 : 1;
  for (PetscInt k = 0; k < row->nnz; k++) {
    colbuf[k] = i == 0 ? k : i - 1;
    valbuf[k] = i == 0 ? k + 0.5 : -(PetscReal) i;
  }
  row->col = colbuf;
  row->val = valbuf;
}

static void LabelOnlyRow(PetscInt i, Row *row, PetscInt colbuf[], PetscReal valbuf[])
{
  row->y   = (PetscReal) (i + 1);
  row->w   = 1;
  row->nnz = 0;
  row->col = NULL;
  row->val = NULL;
}

static void TestLIBSVMGood(void)
{
  char         path[PETSC_MAX_PATH_LEN];
  CurioCSRRows r;
  Text         t = {NULL, 0, 0};

  TCALL(TestPath("good.svm", path));
  TCALL(WriteText(path, SmallText, strlen(SmallText)));
  TCALL(CurioCSRRowsReadLIBSVM(PETSC_COMM_WORLD, path, 0, &r));
  CU_ASSERT(RowsMatch(&r, 6, 10, PETSC_TRUE, SmallRow, 10));
  TCALL(CurioCSRRowsFree(&r));
  TCALL(CurioCSRRowsReadLIBSVM(PETSC_COMM_WORLD, path, 12, &r)); /* more columns than the largest index */
  CU_ASSERT(RowsMatch(&r, 6, 12, PETSC_TRUE, SmallRow, 10));
  TCALL(CurioCSRRowsFree(&r));
  CU_ASSERT(r.rowptr == NULL && r.nlocal == 0);

  GenText(&t);
  TCALL(WriteText(path, t.s, t.len));
  TCALL(CurioCSRRowsReadLIBSVM(PETSC_COMM_WORLD, path, 0, &r));
  CU_ASSERT(RowsMatch(&r, GEN_N, 3 * 499 + 2 + 1, PETSC_TRUE, GenRow, GEN_MAXNNZ));
  TCALL(CurioCSRRowsFree(&r));
  free(t.s);

  t = (Text){NULL, 0, 0};
  TextAdd(&t, "0");
  for (int k = 0; k < 3000; k++) TextAdd(&t, " %d:%d.5", k + 1, k);
  TextAdd(&t, "\n1 1:-1\n2 2:-2\n3 3:-3\n");
  TCALL(WriteText(path, t.s, t.len));
  TCALL(CurioCSRRowsReadLIBSVM(PETSC_COMM_WORLD, path, 0, &r));
  CU_ASSERT(RowsMatch(&r, 4, 3000, PETSC_TRUE, LongRow, 3000));
  TCALL(CurioCSRRowsFree(&r));
  free(t.s);

  /* rows without entries: fine when the number of columns is given; a file smaller than the number of ranks */
  TCALL(WriteText(path, "1\n2\n", 4));
  TCALL(CurioCSRRowsReadLIBSVM(PETSC_COMM_WORLD, path, 3, &r));
  CU_ASSERT(RowsMatch(&r, 2, 3, PETSC_TRUE, LabelOnlyRow, 1));
  TCALL(CurioCSRRowsFree(&r));
  TCALL(RemoveFile(path));
}

typedef struct {
  const char *name;
  const char *text;
  size_t      len; /* 0: strlen(text) */
  PetscInt    ncols;
  const char *want[3];
} BadText;

static void TestLIBSVMBad(void)
{
  const BadText cases[] = {
      {"not increasing", "1 1:1 3:2\n2 3:1 2:1\n", 0, 0, {"line 2: ", "index 2 is not greater than the previous index 3 (indices must increase)"}},
      {"repeated index", "1 2:1 2:1\n", 0, 0, {"line 1: ", "index 2 is not greater than the previous index 2"}},
      {"index 0", "# c\n\n1 0:1\n", 0, 0, {"line 3: ", "index 0 is not allowed (indices are 1-based)"}},
      {"negative index", "1 1:1\n1 -1:2\n", 0, 0, {"line 2: ", "index '-1' is not a positive integer"}},
      {"index not a number", "1 a:2\n", 0, 0, {"line 1: ", "index 'a' is not a positive integer"}},
      {"fractional index", "1 1.5:2\n", 0, 0, {"line 1: ", "index '1.5' is not a positive integer"}},
      {"empty index", "1 :2\n", 0, 0, {"line 1: ", "index '' is not a positive integer"}},
      {"index too large", "1 99999999999999999999999:1\n", 0, 0, {"line 1: ", "is too large"}},
      {"index > ncols", "1 1:1\n1 2:1 6:1\n", 0, 5, {"line 2: ", "index 6 is larger than the number of columns (5)"}},
      {"bad value", "1 1:1\n\n1 1:abc\n", 0, 0, {"line 3: ", "value 'abc' of index 1 is not a finite number"}},
      {"empty value", "1 1:\n", 0, 0, {"line 1: ", "value '' of index 1 is not a finite number"}},
      {"value with junk", "1 1:1.5x\n", 0, 0, {"line 1: ", "value '1.5x' of index 1"}},
      {"NaN value", "1 1:nan\n", 0, 0, {"line 1: ", "value 'nan' of index 1 is not a finite number"}},
      {"Inf value", "1 2:-inf\n", 0, 0, {"line 1: ", "value '-inf' of index 2"}},
      {"overflowing value", "1 1:1e999\n", 0, 0, {"line 1: ", "value '1e999' of index 1"}},
      {"bad label", "1 1:1\nabc 1:2\n", 0, 0, {"line 2: ", "label 'abc' is not a finite number"}},
      {"NaN label", "NaN 1:2\n", 0, 0, {"line 1: ", "label 'NaN' is not a finite number"}},
      {"missing label", "1 1:1\n1:2 3:4\n", 0, 0, {"line 2: ", "the line has no label: it starts with '1:2'"}},
      {"missing label after a comment", "# c\n   2:1 # c\n", 0, 0, {"line 2: ", "has no label"}},
      {"not a pair", "1 2 3:4\n", 0, 0, {"line 1: ", "'2' is not an index:value pair"}},
      {"NUL byte", "1 1:1\n2 2:\0003\n", 13, 0, {"line 2: ", "NUL byte"}},
      {"empty file", "", 0, 0, {"has no data rows"}},
      {"only comments", "# a\n\n  # b\n", 0, 0, {"has no data rows"}},
      {"no index:value pairs", "1\n2\n", 0, 0, {"has no index:value pairs"}},
  };
  char path[PETSC_MAX_PATH_LEN], dir[PETSC_MAX_PATH_LEN], *slash;

  TCALL(TestPath("bad.svm", path));
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    const BadText *b = &cases[c];
    const char    *want[5];
    CurioCSRRows   r;
    PetscErrorCode ierr;
    int            nw = 0;

    TCALL(WriteText(path, b->text, b->len ? b->len : strlen(b->text)));
    want[nw++] = "Input file '";
    want[nw++] = path;
    for (int k = 0; k < 3 && b->want[k]; k++) want[nw++] = b->want[k];
    want[nw] = NULL;
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  %s:", b->name));
    TCALL(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = CurioCSRRowsReadLIBSVM(PETSC_COMM_WORLD, path, b->ncols, &r);
    TCALL(PetscPopErrorHandler());
    CU_ASSERT(TestErrorMatches(ierr, want));
    CU_ASSERT(!ierr || (r.rowptr == NULL && r.y == NULL));
  }

  /* errors far into a large file, on the last rank; of two errors on different ranks, the first line wins */
  {
    Text           t = {NULL, 0, 0};
    CurioCSRRows   r;
    PetscErrorCode ierr;
    char           line[64];
    int            nlines;

    GenText(&t);
    nlines = 0;
    for (size_t k = 0; k < t.len; k++) nlines += t.s[k] == '\n';
    TextAdd(&t, "1 3:1 3:2\n");
    TCALL(WriteText(path, t.s, t.len));
    TCALL(PetscSNPrintf(line, sizeof(line), "line %d: index 3 is not greater", nlines + 1));
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  error on the last line:"));
    TCALL(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = CurioCSRRowsReadLIBSVM(PETSC_COMM_WORLD, path, 0, &r);
    TCALL(PetscPopErrorHandler());
    CU_ASSERT(TestErrorMatches(ierr, (const char *const[]){path, line, NULL}));

    memcpy(t.s + 2, "x", 1); /* the first row's label "-1.75" becomes "-1x75" */
    TCALL(WriteText(path, t.s, t.len));
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  errors on the first and the last line:"));
    TCALL(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = CurioCSRRowsReadLIBSVM(PETSC_COMM_WORLD, path, 0, &r);
    TCALL(PetscPopErrorHandler());
    CU_ASSERT(TestErrorMatches(ierr, (const char *const[]){"line 1: label '-1x75' is not a finite number", NULL}));
    free(t.s);
  }
  TCALL(RemoveFile(path));

  /* a missing file, a directory */
  {
    CurioCSRRows   r;
    PetscErrorCode ierr;

    TCALL(TestPath("missing.svm", path));
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  missing file:"));
    TCALL(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = CurioCSRRowsReadLIBSVM(PETSC_COMM_WORLD, path, 0, &r);
    TCALL(PetscPopErrorHandler());
    CU_ASSERT(TestErrorMatches(ierr, (const char *const[]){"Cannot read input file", path, "No such file or directory", NULL}));
    PetscStrncpy(dir, path, sizeof(dir));
    if ((slash = strrchr(dir, '/'))) *slash = '\0';
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  directory:"));
    TCALL(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = CurioCSRRowsReadLIBSVM(PETSC_COMM_WORLD, dir, 0, &r);
    TCALL(PetscPopErrorHandler());
    CU_ASSERT(TestErrorMatches(ierr, (const char *const[]){"Cannot read input file", "Is a directory", NULL}));
  }
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n"));
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* HDF5 CSR */

/* One group of a CSR file as the test writes it (n = -1: leave the dataset out) */
typedef struct {
  const char    *group;
  int            nshape; /* 0: no attribute 'shape' */
  int64_t        shape[2];
  int            nindptr;
  const int64_t *indptr;
  PetscBool      indptr_float; /* write indptr as float64 */
  int            nind;
  const int32_t *indices; /* int32 in the file: the reader converts */
  int            ndata;
  const double  *data;
  int            ny;
  const double  *y;
  int            nw;
  const double  *w;
} CSRGroup;

static herr_t Write1D(hid_t g, const char name[], hid_t filetype, hid_t memtype, int n, const void *buf)
{
  hsize_t dims = (hsize_t) n;
  hid_t   space, d;
  herr_t  st;

  if (n < 0) return 0;
  space = H5Screate_simple(1, &dims, NULL);
  d     = H5Dcreate2(g, name, filetype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  st    = n > 0 ? H5Dwrite(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) : 0;
  H5Dclose(d);
  H5Sclose(space);
  return st;
}

/* Rank 0 writes the groups with the serial HDF5 API; the other ranks wait */
static PetscErrorCode WriteCSR(const char path[], int ngroups, const CSRGroup groups[])
{
  PetscMPIInt rank;
  int         ok = 1;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (rank == 0) {
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ok      = f >= 0;
    for (int i = 0; ok && i < ngroups; i++) {
      const CSRGroup *c = &groups[i];
      hid_t           g = H5Gcreate2(f, c->group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      if (c->nshape) {
        hsize_t two = (hsize_t) c->nshape;
        hid_t   sp = H5Screate_simple(1, &two, NULL), a = H5Acreate2(g, "shape", H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
        ok = ok && H5Awrite(a, H5T_NATIVE_INT64, c->shape) >= 0;
        H5Aclose(a);
        H5Sclose(sp);
      }
      if (c->indptr_float) {
        double buf[64];
        for (int k = 0; k < c->nindptr; k++) buf[k] = (double) c->indptr[k];
        ok = ok && Write1D(g, "indptr", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, c->nindptr, buf) >= 0;
      } else ok = ok && Write1D(g, "indptr", H5T_STD_I64LE, H5T_NATIVE_INT64, c->nindptr, c->indptr) >= 0;
      ok = ok && Write1D(g, "indices", H5T_STD_I32LE, H5T_NATIVE_INT32, c->nind, c->indices) >= 0;
      ok = ok && Write1D(g, "data", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, c->ndata, c->data) >= 0;
      ok = ok && Write1D(g, "y", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, c->ny, c->y) >= 0;
      ok = ok && Write1D(g, "weight", H5T_IEEE_F32LE, H5T_NATIVE_DOUBLE, c->nw, c->w) >= 0;
      H5Gclose(g);
    }
    if (f >= 0) ok = H5Fclose(f) >= 0 && ok;
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, PETSC_COMM_WORLD));
  PetscCheck(ok, PETSC_COMM_WORLD, PETSC_ERR_FILE_WRITE, "cannot write test file '%s'", path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* 7 x 6 with empty rows; weights 1 + i/2 (exact in float32), labels i/4 */
static const int64_t CIndptr[]  = {0, 2, 2, 3, 9, 9, 10, 12};
static const int32_t CIndices[] = {0, 2, 5, 0, 1, 2, 3, 4, 5, 3, 1, 4};
static const double  CData[]    = {1, 2, 3, -1, -2, -3, -4, -5, -6, 0.5, 7, 8};
static const double  CY[]       = {0, 0.25, 0.5, 0.75, 1, 1.25, 1.5};
static const double  CW[]       = {1, 1.5, 2, 2.5, 3, 3.5, 4};

static void CRow(PetscInt i, Row *row, PetscInt colbuf[], PetscReal valbuf[], PetscBool weighted)
{
  row->nnz = (PetscInt) (CIndptr[i + 1] - CIndptr[i]);
  row->y   = CY[i];
  row->w   = weighted ? CW[i] : 1;
  for (PetscInt k = 0; k < row->nnz; k++) {
    colbuf[k] = CIndices[CIndptr[i] + k];
    valbuf[k] = CData[CIndptr[i] + k];
  }
  row->col = colbuf;
  row->val = valbuf;
}
static void CRowWeighted(PetscInt i, Row *row, PetscInt colbuf[], PetscReal valbuf[])
{
  CRow(i, row, colbuf, valbuf, PETSC_TRUE);
}
static void CRowUnweighted(PetscInt i, Row *row, PetscInt colbuf[], PetscReal valbuf[])
{
  CRow(i, row, colbuf, valbuf, PETSC_FALSE);
}

static CSRGroup GoodGroup(const char *group)
{
  CSRGroup g = {group, 2, {7, 6}, 8, CIndptr, PETSC_FALSE, 12, CIndices, 12, CData, 7, CY, 7, CW};
  return g;
}

static void TestHDF5Good(void)
{
  char           path[PETSC_MAX_PATH_LEN];
  CSRGroup       g[3]      = {GoodGroup("train"), GoodGroup("candidates"), GoodGroup("test")};
  const int64_t  tinyptr[] = {0, 1, 1};
  const int32_t  tinyind[] = {4};
  const double   tinyval[] = {2.5}, tinyy[] = {0, 0.25};
  CurioCSRRows   r;
  PetscErrorCode ierr;

  g[1].ny = g[1].nw = -1; /* an unlabeled pool: y is optional for "candidates" */
  /* two rows (ranks without rows at 3 and 4 ranks), the first rows of the train set */
  g[2].shape[0] = 2;
  g[2].nindptr  = 3;
  g[2].indptr   = tinyptr;
  g[2].nind = g[2].ndata = 1;
  g[2].indices           = tinyind;
  g[2].data              = tinyval;
  g[2].ny                = 2;
  g[2].y                 = tinyy;
  g[2].nw                = -1;
  TCALL(TestPath("good.h5", path));
  TCALL(WriteCSR(path, 3, g));

  TCALL(CurioCSRRowsReadHDF5(PETSC_COMM_WORLD, path, "train", 0, &r));
  CU_ASSERT(RowsMatch(&r, 7, 6, PETSC_TRUE, CRowWeighted, 6));
  TCALL(CurioCSRRowsFree(&r));
  TCALL(CurioCSRRowsReadHDF5(PETSC_COMM_WORLD, path, "candidates", 6, &r));
  CU_ASSERT(RowsMatch(&r, 7, 6, PETSC_FALSE, CRowUnweighted, 6));
  TCALL(CurioCSRRowsFree(&r));
  TCALL(CurioCSRRowsReadHDF5(PETSC_COMM_WORLD, path, "test", 6, &r));
  {
    PetscInt sum, ok = 1, allok;
    MPI_Allreduce(&r.nlocal, &sum, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD);
    ok = r.n == 2 && sum == 2 && r.y != NULL && r.w != NULL && r.rowptr[0] == 0;
    for (PetscInt i = 0; ok && i < r.nlocal; i++) {
      PetscInt gi = r.rstart + i;
      ok          = r.y[i] == tinyy[gi] && r.w[i] == 1 && r.rowptr[i + 1] - r.rowptr[i] == (gi == 0);
      if (ok && gi == 0) ok = r.colidx[0] == 4 && r.vals[0] == 2.5;
    }
    MPI_Allreduce(&ok, &allok, 1, MPIU_INT, MPI_LAND, PETSC_COMM_WORLD);
    CU_ASSERT(allok);
  }
  TCALL(CurioCSRRowsFree(&r));

  TCALL(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = CurioCSRRowsReadHDF5(PETSC_COMM_WORLD, path, "train", 7, &r);
  TCALL(PetscPopErrorHandler());
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  wrong number of columns:"));
  CU_ASSERT(TestErrorMatches(ierr, (const char *const[]){path, "group '/train' has 6 columns (attribute 'shape'), but 7 are expected", NULL}));
  TCALL(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = CurioCSRRowsReadHDF5(PETSC_COMM_WORLD, path, "pool", 0, &r);
  TCALL(PetscPopErrorHandler());
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  missing group:"));
  CU_ASSERT(TestErrorMatches(ierr, (const char *const[]){path, "has no group '/pool'", NULL}));
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n"));
  TCALL(RemoveFile(path));
}

static void TestHDF5Bad(void)
{
  enum {
    START1,
    DECREASING,
    LAST,
    DATALEN,
    COLHIGH,
    COLNEG,
    REPEATED,
    NANDATA,
    INFY,
    YLEN,
    NEGW,
    SHAPE,
    NOSHAPE,
    SHAPE3,
    NOY,
    NOINDICES,
    FLOATPTR,
    TWOERRORS,
    NCASES
  };
  const char *want[NCASES][2] = {
      [START1]     = {"dataset '/train/indptr' must start with 0, it starts with 1"},
      [DECREASING] = {"dataset '/train/indptr' decreases: indptr[5] = 8 < indptr[4] = 9"},
      [LAST]       = {"the last entry of '/train/indptr' (indptr[7] = 11) must equal the length of '/train/indices' and '/train/data' (12)"},
      [DATALEN]    = {"datasets '/train/indices' (12 entries) and '/train/data' (11 entries) must have the same length"},
      [COLHIGH]    = {"dataset '/train/indices' has column 6 in row 6 (0-based), outside [0, 6)"},
      [COLNEG]     = {"dataset '/train/indices' has column -1 in row 2 (0-based)"},
      [REPEATED]   = {"dataset '/train/indices' is not strictly increasing in row 3 (0-based): column 1 follows column 1"},
      [NANDATA]    = {"dataset '/train/data' has a NaN or Inf value in row 5 (0-based)"},
      [INFY]       = {"dataset '/train/y' has a NaN or Inf value in row 4 (0-based)"},
      [YLEN]       = {"dataset '/train/y' has 6 entries, expected 7 (one per row)"},
      [NEGW]       = {"dataset '/train/weight' has a negative weight (-4.) in row 6 (0-based)"},
      [SHAPE]      = {"dataset '/train/indptr' has 8 entries, but the attribute 'shape' of '/train' gives 8 rows"},
      [NOSHAPE]    = {"group '/train' has no attribute 'shape'"},
      [SHAPE3]     = {"the attribute 'shape' of group '/train' must be 2 integers (rows, columns)"},
      [NOY]        = {"dataset '/train/y' (labels) is missing"},
      [NOINDICES]  = {"dataset '/train/indices' is missing"},
      [FLOATPTR]   = {"dataset '/train/indptr' must be of an integer type"},
      [TWOERRORS]  = {"dataset '/train/data' has a NaN or Inf value in row 0 (0-based)"},
  };
  char path[PETSC_MAX_PATH_LEN];

  /* one path for every variant: rewriting it would fail if the reader had left the file open */
  TCALL(TestPath("bad.h5", path));
  for (int c = 0; c < NCASES; c++) {
    CSRGroup       g = GoodGroup("train");
    int64_t        ptr[8];
    int32_t        ind[12];
    double         data[12], y[7], w[7];
    CurioCSRRows   r;
    PetscErrorCode ierr;

    memcpy(ptr, CIndptr, sizeof(ptr));
    memcpy(ind, CIndices, sizeof(ind));
    memcpy(data, CData, sizeof(data));
    memcpy(y, CY, sizeof(y));
    memcpy(w, CW, sizeof(w));
    g.indptr  = ptr;
    g.indices = ind;
    g.data    = data;
    g.y       = y;
    g.w       = w;
    switch (c) {
    case START1: ptr[0] = 1; break;
    case DECREASING: ptr[5] = 8; break;
    case LAST: ptr[7] = 11; break;
    case DATALEN: g.ndata = 11; break;
    case COLHIGH: ind[11] = 6; break;
    case COLNEG: ind[2] = -1; break;
    case REPEATED: ind[5] = 1; break;
    case NANDATA: data[9] = NAN; break;
    case INFY: y[4] = INFINITY; break;
    case YLEN: g.ny = 6; break;
    case NEGW: w[6] = -4; break;
    case SHAPE: g.shape[0] = 8; break;
    case NOSHAPE: g.nshape = 0; break;
    case SHAPE3: g.nshape = 1; break;
    case NOY: g.ny = -1; break;
    case NOINDICES: g.nind = -1; break;
    case FLOATPTR: g.indptr_float = PETSC_TRUE; break;
    case TWOERRORS:
      data[0] = NAN;
      ind[11] = 9;
      break;
    }
    TCALL(WriteCSR(path, 1, &g));
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  case %d:", c));
    TCALL(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = CurioCSRRowsReadHDF5(PETSC_COMM_WORLD, path, "train", 0, &r);
    TCALL(PetscPopErrorHandler());
    CU_ASSERT(TestErrorMatches(ierr, (const char *const[]){"Input file '", path, want[c][0], NULL}));
    CU_ASSERT(!ierr || (r.rowptr == NULL && r.colidx == NULL && r.y == NULL));
  }
  TCALL(RemoveFile(path));

  /* not HDF5, missing */
  {
    CurioCSRRows   r;
    PetscErrorCode ierr;

    TCALL(TestPath("text.h5", path));
    TCALL(WriteText(path, "not HDF5\n", 9));
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  not HDF5:"));
    TCALL(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = CurioCSRRowsReadHDF5(PETSC_COMM_WORLD, path, "train", 0, &r);
    TCALL(PetscPopErrorHandler());
    CU_ASSERT(TestErrorMatches(ierr, (const char *const[]){path, "is not a readable HDF5 file", NULL}));
    TCALL(RemoveFile(path));
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  missing file:"));
    TCALL(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = CurioCSRRowsReadHDF5(PETSC_COMM_WORLD, path, "train", 0, &r);
    TCALL(PetscPopErrorHandler());
    CU_ASSERT(TestErrorMatches(ierr, (const char *const[]){"Cannot read input file", path, NULL}));
  }
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n"));
}

/* CurioCSRPrependOnes(): rows of many lengths (empty ones first, last and between; 2.6 10^6 entries) against the
   same rows rebuilt with a leading 1 column by column; no rows at all */
static void TestPrependOnes(void)
{
  const PetscInt sizes[] = {0, 1, 7, 300000};
  for (size_t t = 0; t < sizeof(sizes) / sizeof(sizes[0]); t++) {
    PetscInt   nl = sizes[t], *rowptr, *colidx, *want_col, bad = 0;
    PetscReal *vals, *want_val;
    size_t     nz = 0;
    TCALL(PetscMalloc1(nl + 1, &rowptr));
    rowptr[0] = 0;
    for (PetscInt i = 0; i < nl; i++)
      rowptr[i + 1] = rowptr[i] + ((i == 0 || i == nl - 1 || i % 5 == 2) ? 0 : (PetscInt) (((PetscInt64) i * 7919) % 23));
    nz = (size_t) rowptr[nl];
    TCALL(PetscMalloc1(PetscMax(nz, 1), &colidx));
    TCALL(PetscMalloc1(PetscMax(nz, 1), &vals));
    TCALL(PetscMalloc1(nz + nl + 1, &want_col));
    TCALL(PetscMalloc1(nz + nl + 1, &want_val));
    for (PetscInt i = 0, q = 0; i < nl; i++) {
      want_col[q] = 0, want_val[q++] = 1.0;
      for (PetscInt k = rowptr[i]; k < rowptr[i + 1]; k++) {
        colidx[k] = 3 * (k - rowptr[i]) + (i % 3), vals[k] = (PetscReal) k + 0.25;
        want_col[q] = colidx[k] + 1, want_val[q++] = vals[k];
      }
    }
    TCALL(CurioCSRPrependOnes(nl, rowptr, &colidx, &vals));
    CU_ASSERT(rowptr[0] == 0 && (size_t) rowptr[nl] == nz + (size_t) nl);
    for (PetscInt i = 0; i < nl; i++) bad += rowptr[i + 1] - rowptr[i] < 1 || colidx[rowptr[i]] != 0;
    for (size_t k = 0; k < nz + (size_t) nl; k++) bad += colidx[k] != want_col[k] || vals[k] != want_val[k];
    CU_ASSERT(bad == 0);
    TCALL(PetscPrintf(PETSC_COMM_WORLD, "  %" PetscInt_FMT " rows, %zu entries: %" PetscInt_FMT " wrong\n", nl, nz, bad));
    TCALL(PetscFree(rowptr));
    TCALL(PetscFree(colidx));
    TCALL(PetscFree(vals));
    TCALL(PetscFree(want_col));
    TCALL(PetscFree(want_val));
  }
}

int main(int argc, char **argv)
{
  const TestCase tests[] = {
      {"LIBSVM text: rows at any rank count", TestLIBSVMGood},
      {"LIBSVM text: malformed lines", TestLIBSVMBad},
      {"HDF5 CSR: rows at any rank count", TestHDF5Good},
      {"HDF5 CSR: inconsistent arrays", TestHDF5Bad},
      {"CSR: a column of ones put in front in place", TestPrependOnes},
      {NULL, NULL},
  };
  return TestMain(argc, argv, "t006_sparse_io", tests);
}

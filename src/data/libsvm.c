/* Reading LIBSVM/SVMlight text into CurioCSRRows. Rank r of P reads only the bytes [r size/P, (r+1) size/P) of the
   file, plus the end of its last line: it keeps the lines that start in its range, so every line belongs to exactly
   one rank and no rank ever holds the whole file. */
#if !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* getline, fseeko (POSIX 2008), also under -std=c11 */
#endif
#include "dataimpl.h"
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MSG_LEN 1024

/* This rank's rows as they are parsed; the arrays grow geometrically */
typedef struct {
  PetscInt   ncols;  /* fixed number of columns, or 0 to infer */
  PetscInt   maxcol; /* largest 1-based index seen */
  PetscInt   nrows, nnz, rowcap, nzcap;
  PetscInt  *rowptr, *colidx;
  PetscReal *vals, *y;
} Builder;

static PetscErrorCode BuilderFree(Builder *b)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(b->rowptr));
  PetscCall(PetscFree(b->colidx));
  PetscCall(PetscFree(b->vals));
  PetscCall(PetscFree(b->y));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode BuilderAddEntry(Builder *b, PetscInt col, PetscReal v)
{
  PetscFunctionBegin;
  if (b->nnz == b->nzcap) {
    b->nzcap = (PetscInt) PetscMin(2 * (PetscInt64) b->nzcap + 1024, PETSC_MAX_INT);
    PetscCall(PetscRealloc(sizeof(PetscInt) * (size_t) b->nzcap, &b->colidx));
    PetscCall(PetscRealloc(sizeof(PetscReal) * (size_t) b->nzcap, &b->vals));
  }
  b->colidx[b->nnz] = col;
  b->vals[b->nnz++] = v;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Closes a row whose entries are colidx/vals[rowptr[nrows], nnz) */
static PetscErrorCode BuilderAddRow(Builder *b, PetscReal label)
{
  PetscFunctionBegin;
  if (b->nrows == b->rowcap) {
    PetscBool first = (PetscBool) !b->rowcap;
    b->rowcap       = (PetscInt) PetscMin(2 * (PetscInt64) b->rowcap + 256, PETSC_MAX_INT - 1);
    PetscCall(PetscRealloc(sizeof(PetscInt) * (size_t) (b->rowcap + 1), &b->rowptr));
    PetscCall(PetscRealloc(sizeof(PetscReal) * (size_t) b->rowcap, &b->y));
    if (first) b->rowptr[0] = 0;
  }
  b->y[b->nrows++]    = label;
  b->rowptr[b->nrows] = b->nnz;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The next whitespace-separated token of *s (NUL-terminated in place), or NULL at the end of the line */
static char *NextToken(char **s)
{
  char *p = *s, *tok;

  while (*p && isspace((unsigned char) *p)) p++;
  if (!*p) return NULL;
  tok = p;
  while (*p && !isspace((unsigned char) *p)) p++;
  if (*p) *p++ = '\0';
  *s = p;
  return tok;
}

/* A token for an error message, cut to a readable length */
static const char *Shown(const char tok[], char buf[64])
{
  if (strlen(tok) < 48) return tok;
  snprintf(buf, 64, "%.40s...", tok);
  return buf;
}

/* A finite number filling the whole token (strtod also takes "nan", "inf" and overflows to inf: all rejected) */
static PetscBool ParseReal(const char tok[], PetscReal *v)
{
  char  *end;
  double d;

  if (!*tok) return PETSC_FALSE;
  d = strtod(tok, &end);
  if (*end || PetscIsInfOrNanReal((PetscReal) d)) return PETSC_FALSE;
  *v = (PetscReal) d;
  return PETSC_TRUE;
}

/* Parses one line (NUL-terminated, its newline removed) and adds its row, if it has one. On malformed input, err
   gets the reason (without the file and line) and the builder is left as it was before the line. */
static PetscErrorCode ParseLine(Builder *b, char *line, size_t len, char err[])
{
  char     *s = line, *tok, *colon, *hash, sh[64];
  PetscReal label, v;
  PetscInt  prev = 0, nnz0 = b->nnz;

  PetscFunctionBegin;
  err[0] = '\0';
  if (memchr(line, '\0', len)) {
    PetscCall(PetscSNPrintf(err, MSG_LEN, "the line contains a NUL byte (is this a text file?)"));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if ((hash = strchr(line, '#'))) *hash = '\0';
  if (!(tok = NextToken(&s))) PetscFunctionReturn(PETSC_SUCCESS); /* blank or comment line */
  if (strchr(tok, ':')) {
    PetscCall(PetscSNPrintf(err, MSG_LEN, "the line has no label: it starts with '%s', expected 'label index:value ...'", Shown(tok, sh)));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (!ParseReal(tok, &label)) {
    PetscCall(PetscSNPrintf(err, MSG_LEN, "label '%s' is not a finite number", Shown(tok, sh)));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  while ((tok = NextToken(&s))) {
    unsigned long long idx = 0;
    char              *p;

    if (!strncmp(tok, "qid:", 4)) continue; /* SVMlight query id: not used by curio */
    if (!(colon = strchr(tok, ':'))) {
      PetscCall(PetscSNPrintf(err, MSG_LEN, "'%s' is not an index:value pair", Shown(tok, sh)));
      break;
    }
    *colon = '\0';
    for (p = tok; isdigit((unsigned char) *p); p++) /* saturates just above PETSC_MAX_INT */
      idx = idx > (unsigned long long) PETSC_MAX_INT / 10 ? (unsigned long long) PETSC_MAX_INT + 1 : 10 * idx + (unsigned) (*p - '0');
    if (p == tok || *p) {
      PetscCall(PetscSNPrintf(err, MSG_LEN, "index '%s' is not a positive integer", Shown(tok, sh)));
      break;
    }
    if (idx == 0) {
      PetscCall(PetscSNPrintf(err, MSG_LEN, "index 0 is not allowed (indices are 1-based)"));
      break;
    }
    if (idx > (unsigned long long) PETSC_MAX_INT) {
      PetscCall(PetscSNPrintf(err, MSG_LEN, "index %s is too large (at most %" PetscInt_FMT ")", Shown(tok, sh), PETSC_MAX_INT));
      break;
    }
    if (b->ncols && (PetscInt) idx > b->ncols) {
      PetscCall(PetscSNPrintf(err, MSG_LEN, "index %llu is larger than the number of columns (%" PetscInt_FMT ")", idx, b->ncols));
      break;
    }
    if ((PetscInt) idx <= prev) {
      PetscCall(
          PetscSNPrintf(err, MSG_LEN, "index %llu is not greater than the previous index %" PetscInt_FMT " (indices must increase)", idx, prev));
      break;
    }
    if (!ParseReal(colon + 1, &v)) {
      PetscCall(PetscSNPrintf(err, MSG_LEN, "value '%s' of index %llu is not a finite number", Shown(colon + 1, sh), idx));
      break;
    }
    if (b->nnz == PETSC_MAX_INT) {
      PetscCall(PetscSNPrintf(err, MSG_LEN, "too many nonzeros for one rank (%" PetscInt_FMT "); run on more ranks", b->nnz));
      break;
    }
    prev = (PetscInt) idx;
    PetscCall(BuilderAddEntry(b, prev - 1, v));
  }
  if (!err[0] && b->nrows == PETSC_MAX_INT - 1)
    PetscCall(PetscSNPrintf(err, MSG_LEN, "too many rows for one rank (%" PetscInt_FMT "); run on more ranks", b->nrows));
  if (err[0]) {
    b->nnz = nnz0;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  b->maxcol = PetscMax(b->maxcol, prev);
  PetscCall(BuilderAddRow(b, label));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Reads and parses the lines that start in [lo, hi). nlines counts every line read (blank and comment lines too), so
   that an exclusive scan of it numbers the lines globally; *errline is the (local, 1-based) line of the first error,
   or 0. Stops at the first error: the ranks after this one then number their lines too low, but their lines are past
   this error anyway, so the earliest error still wins. */
static PetscErrorCode ReadRange(FILE *fp, off_t lo, off_t hi, Builder *b, PetscInt64 *nlines, PetscInt64 *errline, char err[])
{
  char   *line = NULL;
  size_t  cap  = 0;
  ssize_t len  = 0;
  off_t   pos  = lo;

  PetscFunctionBegin;
  *nlines  = 0;
  *errline = 0;
  err[0]   = '\0';
  if (lo >= hi) PetscFunctionReturn(PETSC_SUCCESS);
  if (lo > 0) {
    /* the line that holds byte lo-1 belongs to a rank before this one: skip to just past its newline */
    if (fseeko(fp, lo - 1, SEEK_SET)) {
      *errline = 1;
      PetscCall(PetscSNPrintf(err, MSG_LEN, "cannot seek to byte %lld: %s", (long long) (lo - 1), strerror(errno)));
      PetscFunctionReturn(PETSC_SUCCESS);
    }
    len = getline(&line, &cap, fp);
    pos = len > 0 ? lo - 1 + len : hi;
  }
  while (pos < hi) {
    len = getline(&line, &cap, fp);
    if (len < 0) break;
    ++*nlines;
    pos += len;
    if (line[len - 1] == '\n') line[--len] = '\0';
    PetscCall(ParseLine(b, line, (size_t) len, err));
    if (err[0]) {
      *errline = *nlines;
      break;
    }
  }
  if (!err[0] && ferror(fp)) {
    *errline = *nlines + 1;
    PetscCall(PetscSNPrintf(err, MSG_LEN, "read error: %s", strerror(errno)));
  }
  free(line); /* allocated by getline() */
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCSRRowsReadLIBSVM - reads LIBSVM/SVMlight text; every rank reads only its byte range of the file

  Collective

  Input Parameters:
+ comm  - communicator
. path  - file name
- ncols - number of columns, or 0 to take the largest index in the file

  Output Parameter:
. rows - this rank's rows (the lines that start in its byte range), labels in y, weights 1
@*/
PetscErrorCode CurioCSRRowsReadLIBSVM(MPI_Comm comm, const char path[], PetscInt ncols, CurioCSRRows *rows)
{
  PetscMPIInt rank, size;
  int         err = 0, gerr, hdf5 = 0;
  long long   fsize = 0;
  off_t       lo, hi;
  FILE       *fp;
  Builder     b;
  PetscInt64  nlines, errline, lineoff = 0, nloc, n, rstart = 0;
  PetscInt    maxcol;
  char        why[MSG_LEN], msg[MSG_LEN];
  PetscBool   bad;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(rows, sizeof(*rows)));
  PetscCall(PetscMemzero(&b, sizeof(b)));
  PetscCheck(ncols >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "The number of columns must be >= 0 (0: take it from the file), got %" PetscInt_FMT, ncols);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (rank == 0) {
    struct stat st;
    if (access(path, R_OK) || stat(path, &st)) err = errno;
    else if (S_ISDIR(st.st_mode)) err = EISDIR;
    else {
      FILE         *f = fopen(path, "rb");
      unsigned char sig[8];
      fsize = (long long) st.st_size;
      /* HDF5's signature (at offset 0 unless a user block precedes it): the file is meant for the HDF5 reader */
      if (f && fread(sig, 1, 8, f) == 8 && !memcmp(sig, "\211HDF\r\n\032\n", 8)) hdf5 = 1;
      if (f) fclose(f);
    }
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_OPEN, "Cannot read input file '%s': %s", path, strerror(err));
  PetscCallMPI(MPI_Bcast(&hdf5, 1, MPI_INT, 0, comm));
  PetscCheck(!hdf5, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s' is an HDF5 file, read here as LIBSVM text: -curio_candidates and -curio_test are LIBSVM files that go with a LIBSVM "
             "-curio_input (an HDF5 input holds its candidates and test set as groups /candidates and /test)",
             path);
  PetscCallMPI(MPI_Bcast(&fsize, 1, MPI_LONG_LONG, 0, comm));

  err = (fp = fopen(path, "rb")) ? 0 : errno;
  PetscCallMPI(MPI_Allreduce(&err, &gerr, 1, MPI_INT, MPI_MAX, comm));
  if (gerr && fp) fclose(fp);
  PetscCheck(!gerr, comm, PETSC_ERR_FILE_OPEN, "Cannot open input file '%s' on every rank: %s", path, strerror(gerr));
  setvbuf(fp, NULL, _IOFBF, 1 << 20);

  /* [r fsize/P, (r+1) fsize/P) without overflow: fsize = q P + m */
  {
    long long q = fsize / size, m = fsize % size;
    lo = (off_t) (q * rank + m * rank / size);
    hi = (off_t) (q * (rank + 1) + m * (rank + 1) / size);
  }
  b.ncols = ncols;
  PetscCall(ReadRange(fp, lo, hi, &b, &nlines, &errline, why));
  fclose(fp);

  PetscCallMPI(MPI_Exscan(&nlines, &lineoff, 1, MPIU_INT64, MPI_SUM, comm));
  if (rank == 0) lineoff = 0; /* MPI_Exscan leaves rank 0's result undefined */
  if (errline) PetscCall(PetscSNPrintf(msg, MSG_LEN, "Input file '%s', line %" PetscInt64_FMT ": %s", path, lineoff + errline, why));
  PetscCall(CurioAgreeOnError(comm, errline ? lineoff + errline : -1, msg, MSG_LEN, &bad));
  if (bad) PetscCall(BuilderFree(&b));
  PetscCheck(!bad, comm, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);

  nloc = b.nrows;
  PetscCallMPI(MPI_Allreduce(&nloc, &n, 1, MPIU_INT64, MPI_SUM, comm));
  PetscCallMPI(MPI_Exscan(&nloc, &rstart, 1, MPIU_INT64, MPI_SUM, comm));
  if (rank == 0) rstart = 0;
  PetscCallMPI(MPI_Allreduce(&b.maxcol, &maxcol, 1, MPIU_INT, MPI_MAX, comm));
  if (n == 0 || n > PETSC_MAX_INT || (!ncols && !maxcol) || maxcol > CURIO_MAX_COLUMNS) PetscCall(BuilderFree(&b));
  PetscCheck(n > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s' has no data rows (it is empty or has only blank and comment lines)", path);
  PetscCheck(n <= PETSC_MAX_INT, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s' has %" PetscInt64_FMT " rows, more than PetscInt holds", path, n);
  PetscCheck(ncols || maxcol, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s' has no index:value pairs, so its number of columns is unknown; give the number of columns", path);
  PetscCheck(maxcol <= CURIO_MAX_COLUMNS, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s' has a column index %" PetscInt_FMT "; this curio holds at most %" PetscInt_FMT
             " columns (32-bit PetscInt; the design matrix adds an intercept and PETSc's column map one more)",
             path, maxcol, CURIO_MAX_COLUMNS);

  {
    char what[PETSC_MAX_PATH_LEN + 32];
    PetscCall(PetscSNPrintf(what, sizeof(what), "Input file '%s'", path));
    PetscCall(CurioRowsCheckSize(comm, what, n, ncols ? ncols : maxcol, PETSC_FALSE)); /* on error the builder's arrays are freed at exit */
  }
  /* hand the arrays over; every rank gets non-NULL arrays, also with no rows, so that 'y != NULL' is collective */
  if (!b.rowptr) PetscCall(PetscCalloc1(1, &b.rowptr));
  if (!b.y) PetscCall(PetscMalloc1(1, &b.y));
  if (!b.colidx) PetscCall(PetscMalloc1(1, &b.colidx));
  if (!b.vals) PetscCall(PetscMalloc1(1, &b.vals));
  rows->n      = (PetscInt) n;
  rows->ncols  = ncols ? ncols : maxcol;
  rows->rstart = (PetscInt) rstart;
  rows->nlocal = b.nrows;
  rows->rowptr = b.rowptr;
  rows->colidx = b.colidx;
  rows->vals   = b.vals;
  rows->y      = b.y;
  PetscCall(PetscMalloc1(PetscMax(b.nrows, 1), &rows->w));
  for (PetscInt i = 0; i < b.nrows; i++) rows->w[i] = 1.0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCSRRowsFree - frees the arrays of a CurioCSRRows and zeroes it

  Not Collective
@*/
PetscErrorCode CurioCSRRowsFree(CurioCSRRows *rows)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(rows->rowptr));
  PetscCall(PetscFree(rows->colidx));
  PetscCall(PetscFree(rows->vals));
  PetscCall(PetscFree(rows->y));
  PetscCall(PetscFree(rows->w));
  PetscCall(PetscMemzero(rows, sizeof(*rows)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCSRPrependOnes - puts a column of ones in front of every row of CSR arrays in place (column 0, value 1; the
  other columns shift by one): the arrays grow by one entry per row (realloc, which remaps a large block instead of
  copying it) and the rows move back to front, so that the rows are never held twice

  Not Collective

  Input Parameters:
+ nlocal - rows
. rowptr - nlocal + 1 offsets, rowptr[0] = 0; updated
. colidx - the column indices (PetscMalloc'ed); reallocated and updated
- vals   - the values (PetscMalloc'ed); reallocated and updated
@*/
PetscErrorCode CurioCSRPrependOnes(PetscInt nlocal, PetscInt rowptr[], PetscInt **colidx, PetscReal **vals)
{
  const size_t nz = (size_t) rowptr[nlocal] + (size_t) nlocal;
  PetscInt    *col;
  PetscReal   *val;

  PetscFunctionBegin;
  PetscCall(PetscRealloc(sizeof(PetscInt) * PetscMax(nz, 1), colidx));
  PetscCall(PetscRealloc(sizeof(PetscReal) * PetscMax(nz, 1), vals));
  col = *colidx, val = *vals;
  for (PetscInt i = nlocal - 1; i >= 0; i--) {
    const PetscInt lo = rowptr[i], len = rowptr[i + 1] - lo, to = lo + i + 1;
    PetscCall(PetscArraymove(val + to, val + lo, len));
    PetscCall(PetscArraymove(col + to, col + lo, len));
    for (PetscInt k = to; k < to + len; k++) col[k] += 1;
    col[to - 1] = 0, val[to - 1] = 1.0;
    rowptr[i + 1] = to + len;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

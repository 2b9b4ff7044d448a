/* Reading curio's HDF5 CSR layout with parallel HDF5: every rank reads its slice of indptr (rows by PETSc's default
   split), then only its range of indices and data. Every check is collective: metadata is the same on every rank,
   and a value checked by one rank goes through AgreeOnError, so every rank raises the same error. The hyperslab reads
   are the io layer's (src/io/h5.c).

   Layout of group /<group>: the attribute 'shape' (2 integers: rows, columns) on the group, as scipy.sparse and
   anndata keep a CSR matrix's shape, with the datasets indptr (n+1), indices (nnz, 0-based), data (nnz), y (n;
   optional for "candidates" only) and weight (n, optional). */
#include "dataimpl.h"
#include <hdf5.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#define MSG_LEN 1024

/* Arrays that live only while reading */
typedef struct {
  int64_t *indptr;  /* nlocal + 1 entries of indptr, from row rstart */
  int64_t *indices; /* this rank's entries of indices */
} Scratch;

/* The attribute 'shape' (rows, columns) of group gpath */
static PetscErrorCode ReadShape(MPI_Comm comm, hid_t file, const char fname[], const char gpath[], PetscInt64 shape[2])
{
  hid_t       a, type, space;
  H5T_class_t cls;
  hssize_t    npoints;
  herr_t      status = -1;
  int64_t     s[2];

  PetscFunctionBegin;
  PetscCheck(H5Aexists_by_name(file, gpath, "shape", H5P_DEFAULT) > 0, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': group '%s' has no attribute 'shape' (2 integers: rows, columns)", fname, gpath);
  a       = H5Aopen_by_name(file, gpath, "shape", H5P_DEFAULT, H5P_DEFAULT);
  type    = H5Aget_type(a);
  cls     = H5Tget_class(type);
  space   = H5Aget_space(a);
  npoints = H5Sget_simple_extent_npoints(space);
  if (cls == H5T_INTEGER && npoints == 2) status = H5Aread(a, H5T_NATIVE_INT64, s);
  H5Sclose(space);
  H5Tclose(type);
  H5Aclose(a);
  PetscCheck(status >= 0, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': the attribute 'shape' of group '%s' must be 2 integers (rows, columns)",
             fname, gpath);
  shape[0] = s[0];
  shape[1] = s[1];
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The first row (0-based, global) of v[0..nlocal) that is NaN or Inf, or (nonneg) negative, as an error message */
static PetscErrorCode CheckRowValues(MPI_Comm comm, const char fname[], const char dset[], PetscInt rstart, PetscInt nlocal, const PetscReal v[],
                                     PetscBool nonneg)
{
  PetscInt64 key = -1;
  char       msg[MSG_LEN];
  PetscBool  bad;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < nlocal && key < 0; i++) {
    if (CurioNonFinite(v[i])) {
      key = rstart + i;
      PetscCall(
          PetscSNPrintf(msg, MSG_LEN, "Input file '%s': dataset '%s' has a NaN or Inf value in row %" PetscInt64_FMT " (0-based)", fname, dset, key));
    } else if (nonneg && v[i] < 0) {
      key = rstart + i;
      PetscCall(PetscSNPrintf(msg, MSG_LEN, "Input file '%s': dataset '%s' has a negative weight (%g) in row %" PetscInt64_FMT " (0-based)", fname,
                              dset, (double) v[i], key));
    }
  }
  PetscCall(CurioAgreeOnError(comm, key, msg, MSG_LEN, &bad));
  PetscCheck(!bad, comm, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Where a group's datasets are and what its metadata says: the same on every rank */
typedef struct {
  char gpath[PETSC_MAX_PATH_LEN], indptr[PETSC_MAX_PATH_LEN], indices[PETSC_MAX_PATH_LEN], data[PETSC_MAX_PATH_LEN], y[PETSC_MAX_PATH_LEN],
      w[PETSC_MAX_PATH_LEN];
  PetscBool  hy, hw;   /* whether y and weight exist */
  PetscInt64 shape[2]; /* the attribute 'shape': rows, columns */
  PetscInt64 nnz;      /* the length of indices and data */
} GroupLayout;

/* The group's datasets, their lengths and its shape, checked against each other and against ncols (0: any). The
   metadata is the same on every rank, so plain checks are collective. */
static PetscErrorCode GroupReadLayout(MPI_Comm comm, hid_t file, const char fname[], const char group[], PetscInt ncols, GroupLayout *L)
{
  PetscBool   hindptr, hind, hdata, needy, isgroup = PETSC_FALSE;
  PetscInt64  lindptr, lind, ldata, ly, lw, n;
  const char *missing;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(L->gpath, sizeof(L->gpath), "/%s", group));
  if (H5Lexists(file, L->gpath, H5P_DEFAULT) > 0) {
    hid_t g = H5Gopen2(file, L->gpath, H5P_DEFAULT);
    isgroup = (PetscBool) (g >= 0);
    if (g >= 0) H5Gclose(g);
  }
  PetscCheck(isgroup, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s' has no group '%s'", fname, L->gpath);
  PetscCall(PetscSNPrintf(L->indptr, sizeof(L->indptr), "%s/indptr", L->gpath));
  PetscCall(PetscSNPrintf(L->indices, sizeof(L->indices), "%s/indices", L->gpath));
  PetscCall(PetscSNPrintf(L->data, sizeof(L->data), "%s/data", L->gpath));
  PetscCall(PetscSNPrintf(L->y, sizeof(L->y), "%s/y", L->gpath));
  PetscCall(PetscSNPrintf(L->w, sizeof(L->w), "%s/weight", L->gpath));

  PetscCall(CurioH5DatasetLength(comm, file, fname, L->indptr, PETSC_TRUE, &hindptr, &lindptr));
  PetscCall(CurioH5DatasetLength(comm, file, fname, L->indices, PETSC_TRUE, &hind, &lind));
  PetscCall(CurioH5DatasetLength(comm, file, fname, L->data, PETSC_FALSE, &hdata, &ldata));
  PetscCall(CurioH5DatasetLength(comm, file, fname, L->y, PETSC_FALSE, &L->hy, &ly));
  PetscCall(CurioH5DatasetLength(comm, file, fname, L->w, PETSC_FALSE, &L->hw, &lw));
  needy   = (PetscBool) !!strcmp(group, "candidates");
  missing = !hindptr ? L->indptr : !hind ? L->indices : L->data;
  PetscCheck(hindptr && hind && hdata, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': dataset '%s' is missing (CSR layout: '%s' holds indptr, indices, data, y, optional weight, and the attribute 'shape')",
             fname, missing, L->gpath);
  PetscCheck(L->hy || !needy, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': dataset '%s' (labels) is missing", fname, L->y);
  PetscCall(ReadShape(comm, file, fname, L->gpath, L->shape));
  n = L->shape[0];
  PetscCheck(n >= 1 && L->shape[1] >= 1, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': the attribute 'shape' of group '%s' is (%" PetscInt64_FMT ", %" PetscInt64_FMT "); rows and columns must be >= 1",
             fname, L->gpath, L->shape[0], L->shape[1]);
  PetscCheck(n <= PETSC_MAX_INT && L->shape[1] <= CURIO_MAX_COLUMNS, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': the shape (%" PetscInt64_FMT ", %" PetscInt64_FMT
             ") of group '%s' is too large: this curio holds at most %" PetscInt_FMT " rows and %" PetscInt_FMT
             " columns (32-bit PetscInt; the design matrix adds an intercept and PETSc's column map one more)",
             fname, L->shape[0], L->shape[1], L->gpath, PETSC_MAX_INT, CURIO_MAX_COLUMNS);
  {
    char what[PETSC_MAX_PATH_LEN + 300];
    PetscCall(PetscSNPrintf(what, sizeof(what), "Input file '%s': group '%s'", fname, L->gpath));
    PetscCall(CurioRowsCheckSize(comm, what, n, L->shape[1], PETSC_FALSE));
  }
  PetscCheck(!ncols || ncols == L->shape[1], comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': group '%s' has %" PetscInt64_FMT " columns (attribute 'shape'), but %" PetscInt_FMT " are expected", fname, L->gpath,
             L->shape[1], ncols);
  PetscCheck(lindptr == n + 1, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': dataset '%s' has %" PetscInt64_FMT " entries, but the attribute 'shape' of '%s' gives %" PetscInt64_FMT
             " rows (expected rows + 1 = %" PetscInt64_FMT ")",
             fname, L->indptr, lindptr, L->gpath, n, n + 1);
  PetscCheck(lind == ldata, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': datasets '%s' (%" PetscInt64_FMT " entries) and '%s' (%" PetscInt64_FMT " entries) must have the same length", fname,
             L->indices, lind, L->data, ldata);
  PetscCheck(!L->hy || ly == n, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': dataset '%s' has %" PetscInt64_FMT " entries, expected %" PetscInt64_FMT " (one per row)", fname, L->y, ly, n);
  PetscCheck(!L->hw || lw == n, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': dataset '%s' has %" PetscInt64_FMT " entries, expected %" PetscInt64_FMT " (one per row)", fname, L->w, lw, n);
  L->nnz = lind;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* This rank's slice p[0..nlocal] of indptr starts at 0 (on the first rank), does not decrease, ends at nnz (on the
   last rank) and bounds few enough entries for PetscInt; the first error in row order is raised on every rank */
static PetscErrorCode GroupCheckIndptr(MPI_Comm comm, const char fname[], const GroupLayout *L, const CurioCSRRows *rows, const int64_t p[])
{
  const PetscInt rstart = rows->rstart, nlocal = rows->nlocal;
  PetscInt64     key = -1;
  char           msg[MSG_LEN];
  PetscBool      bad;

  PetscFunctionBegin;
  if (nlocal > 0) {
    if (rstart == 0 && p[0] != 0) {
      key = 0;
      PetscCall(PetscSNPrintf(msg, MSG_LEN, "Input file '%s': dataset '%s' must start with 0, it starts with %" PetscInt64_FMT, fname, L->indptr,
                              (PetscInt64) p[0]));
    }
    for (PetscInt i = 1; i <= nlocal && key < 0; i++)
      if (p[i] < p[i - 1]) {
        key = rstart + i;
        PetscCall(PetscSNPrintf(msg, MSG_LEN,
                                "Input file '%s': dataset '%s' decreases: indptr[%" PetscInt64_FMT "] = %" PetscInt64_FMT " < indptr[%" PetscInt64_FMT
                                "] = %" PetscInt64_FMT " (row offsets must not decrease)",
                                fname, L->indptr, key, (PetscInt64) p[i], key - 1, (PetscInt64) p[i - 1]));
      }
    if (key < 0 && rstart + nlocal == rows->n && p[nlocal] != L->nnz) {
      key = rows->n;
      PetscCall(PetscSNPrintf(msg, MSG_LEN,
                              "Input file '%s': the last entry of '%s' (indptr[%" PetscInt64_FMT "] = %" PetscInt64_FMT
                              ") must equal the length of '%s' and '%s' (%" PetscInt64_FMT ")",
                              fname, L->indptr, L->shape[0], (PetscInt64) p[nlocal], L->indices, L->data, L->nnz));
    }
    /* with indptr[0] = 0, non-decreasing, indptr[n] = nnz, every slice lies in [0, nnz] */
    if (key < 0 && p[nlocal] - p[0] > PETSC_MAX_INT) {
      key = rstart;
      PetscCall(PetscSNPrintf(msg, MSG_LEN,
                              "Input file '%s': rows %" PetscInt_FMT " to %" PetscInt_FMT " of '%s' hold %" PetscInt64_FMT
                              " nonzeros, too many for one rank; run on more ranks",
                              fname, rstart, rstart + nlocal - 1, L->gpath, (PetscInt64) (p[nlocal] - p[0])));
    }
  }
  PetscCall(CurioAgreeOnError(comm, key, msg, MSG_LEN, &bad));
  PetscCheck(!bad, comm, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* This rank's rows (PETSc's default split) and the nlocal + 1 entries of indptr that bound them, checked */
static PetscErrorCode GroupReadIndptr(MPI_Comm comm, hid_t file, const char fname[], const GroupLayout *L, CurioCSRRows *rows, Scratch *s)
{
  PetscInt rstart, nlocal = PETSC_DECIDE, N = (PetscInt) L->shape[0];

  PetscFunctionBegin;
  PetscCall(CurioRowOwnership(comm, N, &rstart, &nlocal));
  rows->n      = N;
  rows->ncols  = (PetscInt) L->shape[1];
  rows->rstart = rstart;
  rows->nlocal = nlocal;
  PetscCall(PetscMalloc1(nlocal + 1, &s->indptr));
  PetscCall(CurioH5ReadSlice(comm, file, fname, L->indptr, H5T_NATIVE_INT64, rstart, nlocal ? nlocal + 1 : 0, s->indptr));
  PetscCall(GroupCheckIndptr(comm, fname, L, rows, s->indptr));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Entries [k0, k0 + cnt) of this rank's (idx: their column indices as read, int64): every column index lies in
   [0, columns) and increases strictly along its row, every value is finite; the good ones go to rows->colidx. *i (the
   row of the entry before k0) and *prev (its column) carry over from the previous block; the first bad entry's row
   goes to *key and its message to msg. first = indptr[rstart], the offset of this rank's entries. */
static PetscErrorCode BlockCheckEntries(const char fname[], const GroupLayout *L, CurioCSRRows *rows, const Scratch *s, PetscInt64 first,
                                        PetscInt64 k0, PetscInt64 cnt, const int64_t idx[], PetscInt *i, int64_t *prev, PetscInt64 *key, char msg[])
{
  const PetscInt64 ncols = L->shape[1];

  PetscFunctionBegin;
  for (PetscInt64 k = k0; k < k0 + cnt && *key < 0; k++) {
    int64_t    c = idx[k - k0];
    PetscInt64 row;
    while (k >= s->indptr[*i + 1] - first) (*i)++; /* the row of entry k (rows without entries passed over) */
    row = rows->rstart + *i;
    if (c < 0 || c >= ncols) {
      *key = row;
      PetscCall(PetscSNPrintf(msg, MSG_LEN,
                              "Input file '%s': dataset '%s' has column %" PetscInt64_FMT " in row %" PetscInt64_FMT
                              " (0-based), outside [0, %" PetscInt64_FMT ") (the attribute 'shape' gives %" PetscInt64_FMT " columns)",
                              fname, L->indices, (PetscInt64) c, row, ncols, ncols));
    } else if (k > s->indptr[*i] - first && c <= *prev) {
      *key = row;
      PetscCall(PetscSNPrintf(msg, MSG_LEN,
                              "Input file '%s': dataset '%s' is not strictly increasing in row %" PetscInt64_FMT " (0-based): column %" PetscInt64_FMT
                              " follows column %" PetscInt64_FMT,
                              fname, L->indices, row, (PetscInt64) c, (PetscInt64) *prev));
    } else if (CurioNonFinite(rows->vals[k])) {
      *key = row;
      PetscCall(PetscSNPrintf(msg, MSG_LEN,
                              "Input file '%s': dataset '%s' has a NaN or Inf value in row %" PetscInt64_FMT " (0-based), column %" PetscInt64_FMT,
                              fname, L->data, row, (PetscInt64) c));
    }
    rows->colidx[k] = (PetscInt) c;
    *prev           = c;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* This rank's entries: data, and indices read as int64 in blocks of ENTRY_BLOCK (so that the int64 copy of the indices
   never exists whole beside their PetscInt form: the rows are held once, plus one block), each block checked and
   converted; row offsets made local */
#define ENTRY_BLOCK ((PetscInt64) 1 << 20)
static PetscErrorCode GroupReadEntries(MPI_Comm comm, hid_t file, const char fname[], const GroupLayout *L, CurioCSRRows *rows, Scratch *s)
{
  const PetscInt nlocal = rows->nlocal;
  PetscInt64     first  = nlocal ? s->indptr[0] : 0;
  PetscInt64     nzloc = nlocal ? s->indptr[nlocal] - first : 0, nblocks = (nzloc + ENTRY_BLOCK - 1) / ENTRY_BLOCK, maxblocks, key = -1;
  PetscInt       i    = 0;
  int64_t        prev = -1;
  char           msg[MSG_LEN];
  PetscBool      bad;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(nlocal + 1, &rows->rowptr));
  CurioAdviseHugePages(rows->rowptr, (size_t) (nlocal + 1) * sizeof(PetscInt));
  PetscCall(PetscMalloc1(PetscMax(PetscMin(nzloc, ENTRY_BLOCK), 1), &s->indices));
  PetscCall(PetscMalloc1(PetscMax(nzloc, 1), &rows->colidx));
  PetscCall(PetscMalloc1(PetscMax(nzloc, 1), &rows->vals));
  CurioAdviseHugePages(rows->colidx, (size_t) PetscMax(nzloc, 1) * sizeof(PetscInt)); /* read once, then accessed row by row at random */
  CurioAdviseHugePages(rows->vals, (size_t) PetscMax(nzloc, 1) * sizeof(PetscReal));
  PetscCall(CurioH5ReadSlice(comm, file, fname, L->data, H5T_NATIVE_DOUBLE, first, nzloc, rows->vals));
  PetscCallMPI(MPI_Allreduce(&nblocks, &maxblocks, 1, MPIU_INT64, MPI_MAX, comm)); /* collective reads: the same count on every rank */
  for (PetscInt64 b = 0; b < maxblocks; b++) {
    PetscInt64 k0 = PetscMin(b * ENTRY_BLOCK, nzloc), cnt = PetscMin(ENTRY_BLOCK, nzloc - k0);
    PetscCall(CurioH5ReadSlice(comm, file, fname, L->indices, H5T_NATIVE_INT64, first + k0, cnt, s->indices));
    PetscCall(BlockCheckEntries(fname, L, rows, s, first, k0, cnt, s->indices, &i, &prev, &key, msg));
  }
  PetscCall(CurioAgreeOnError(comm, key, msg, MSG_LEN, &bad));
  PetscCheck(!bad, comm, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);
  for (PetscInt r = 0; r <= nlocal; r++) rows->rowptr[r] = nlocal ? (PetscInt) (s->indptr[r] - first) : 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* This rank's labels and weights (1 where the group has none), checked; every rank allocates (also with no rows), so
   that 'y != NULL' is the same on every rank */
static PetscErrorCode GroupReadLabels(MPI_Comm comm, hid_t file, const char fname[], const GroupLayout *L, CurioCSRRows *rows)
{
  const PetscInt rstart = rows->rstart, nlocal = rows->nlocal;

  PetscFunctionBegin;
  if (L->hy) {
    PetscCall(PetscMalloc1(PetscMax(nlocal, 1), &rows->y));
    CurioAdviseHugePages(rows->y, (size_t) PetscMax(nlocal, 1) * sizeof(PetscReal));
    PetscCall(CurioH5ReadSlice(comm, file, fname, L->y, H5T_NATIVE_DOUBLE, rstart, nlocal, rows->y));
    PetscCall(CheckRowValues(comm, fname, L->y, rstart, nlocal, rows->y, PETSC_FALSE));
  }
  PetscCall(PetscMalloc1(PetscMax(nlocal, 1), &rows->w));
  CurioAdviseHugePages(rows->w, (size_t) PetscMax(nlocal, 1) * sizeof(PetscReal));
  if (L->hw) {
    PetscCall(CurioH5ReadSlice(comm, file, fname, L->w, H5T_NATIVE_DOUBLE, rstart, nlocal, rows->w));
    PetscCall(CheckRowValues(comm, fname, L->w, rstart, nlocal, rows->w, PETSC_TRUE));
    if (!strcmp(L->gpath, "/train")) PetscCall(CurioCheckSomeWeight(comm, fname, L->w, nlocal, rows->w));
  } else
    for (PetscInt i = 0; i < nlocal; i++) rows->w[i] = 1.0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Reads group /<group> of an open file into rows (zeroed on entry); on error the caller frees rows and scratch */
static PetscErrorCode ReadGroup(MPI_Comm comm, hid_t file, const char fname[], const char group[], PetscInt ncols, CurioCSRRows *rows, Scratch *s)
{
  GroupLayout L;

  PetscFunctionBegin;
  PetscCall(GroupReadLayout(comm, file, fname, group, ncols, &L));
  PetscCall(GroupReadIndptr(comm, file, fname, &L, rows, s));
  PetscCall(GroupReadEntries(comm, file, fname, &L, rows, s));
  PetscCall(GroupReadLabels(comm, file, fname, &L, rows));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCSRRowsReadHDF5 - reads one group of curio's HDF5 CSR layout; every rank reads only its rows

  Collective

  Input Parameters:
+ comm  - communicator
. path  - file name
. group - group name ("train", "candidates", "test"); y is required except in "candidates"
- ncols - expected number of columns, or 0 to take the attribute 'shape'

  Output Parameter:
. rows - this rank's rows (PETSc's default split)
@*/
PetscErrorCode CurioCSRRowsReadHDF5(MPI_Comm comm, const char path[], const char group[], PetscInt ncols, CurioCSRRows *rows)
{
  hid_t          file;
  Scratch        s = {NULL, NULL};
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(rows, sizeof(*rows)));
  PetscCheck(ncols >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "The number of columns must be >= 0 (0: take it from the file), got %" PetscInt_FMT, ncols);
  PetscCall(CurioH5OpenRead(comm, path, &file));
  /* the file is closed and the arrays freed on every path, so that a caller that handles the error can go on */
  ierr = ReadGroup(comm, file, path, group, ncols, rows, &s);
  H5Fclose(file);
  PetscCall(PetscFree(s.indptr));
  PetscCall(PetscFree(s.indices));
  CurioHeapTrim(); /* the scratch blocks came from the heap */
  if (ierr) PetscCall(CurioCSRRowsFree(rows));
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

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
    if (PetscIsInfOrNanReal(v[i])) {
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

/* Reads group /<group> of an open file into rows (zeroed on entry); on error the caller frees rows and scratch */
static PetscErrorCode ReadGroup(MPI_Comm comm, hid_t file, const char fname[], const char group[], PetscInt ncols, CurioCSRRows *rows, Scratch *s)
{
  char gpath[PETSC_MAX_PATH_LEN], pindptr[PETSC_MAX_PATH_LEN], pind[PETSC_MAX_PATH_LEN], pdata[PETSC_MAX_PATH_LEN], py[PETSC_MAX_PATH_LEN],
      pw[PETSC_MAX_PATH_LEN], msg[MSG_LEN];
  PetscBool   hindptr, hind, hdata, hy, hw, needy, bad, isgroup = PETSC_FALSE;
  PetscInt64  shape[2], lindptr, lind, ldata, ly, lw, n, nnz, first, nzloc, key = -1;
  PetscInt    rstart, nlocal = PETSC_DECIDE, N;
  const char *missing;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(gpath, sizeof(gpath), "/%s", group));
  if (H5Lexists(file, gpath, H5P_DEFAULT) > 0) {
    hid_t g = H5Gopen2(file, gpath, H5P_DEFAULT);
    isgroup = (PetscBool) (g >= 0);
    if (g >= 0) H5Gclose(g);
  }
  PetscCheck(isgroup, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s' has no group '%s'", fname, gpath);
  PetscCall(PetscSNPrintf(pindptr, sizeof(pindptr), "%s/indptr", gpath));
  PetscCall(PetscSNPrintf(pind, sizeof(pind), "%s/indices", gpath));
  PetscCall(PetscSNPrintf(pdata, sizeof(pdata), "%s/data", gpath));
  PetscCall(PetscSNPrintf(py, sizeof(py), "%s/y", gpath));
  PetscCall(PetscSNPrintf(pw, sizeof(pw), "%s/weight", gpath));

  /* metadata: the same on every rank, so plain checks are collective */
  PetscCall(CurioH5DatasetLength(comm, file, fname, pindptr, PETSC_TRUE, &hindptr, &lindptr));
  PetscCall(CurioH5DatasetLength(comm, file, fname, pind, PETSC_TRUE, &hind, &lind));
  PetscCall(CurioH5DatasetLength(comm, file, fname, pdata, PETSC_FALSE, &hdata, &ldata));
  PetscCall(CurioH5DatasetLength(comm, file, fname, py, PETSC_FALSE, &hy, &ly));
  PetscCall(CurioH5DatasetLength(comm, file, fname, pw, PETSC_FALSE, &hw, &lw));
  needy   = (PetscBool) !!strcmp(group, "candidates");
  missing = !hindptr ? pindptr : !hind ? pind : pdata;
  PetscCheck(hindptr && hind && hdata, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': dataset '%s' is missing (CSR layout: '%s' holds indptr, indices, data, y, optional weight, and the attribute 'shape')",
             fname, missing, gpath);
  PetscCheck(hy || !needy, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': dataset '%s' (labels) is missing", fname, py);
  PetscCall(ReadShape(comm, file, fname, gpath, shape));
  n = shape[0];
  PetscCheck(n >= 1 && shape[1] >= 1, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': the attribute 'shape' of group '%s' is (%" PetscInt64_FMT ", %" PetscInt64_FMT "); rows and columns must be >= 1",
             fname, gpath, shape[0], shape[1]);
  PetscCheck(n <= PETSC_MAX_INT && shape[1] <= PETSC_MAX_INT, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': the shape (%" PetscInt64_FMT ", %" PetscInt64_FMT ") of group '%s' is too large for PetscInt", fname, shape[0],
             shape[1], gpath);
  PetscCheck(!ncols || ncols == shape[1], comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': group '%s' has %" PetscInt64_FMT " columns (attribute 'shape'), but %" PetscInt_FMT " are expected", fname, gpath,
             shape[1], ncols);
  PetscCheck(lindptr == n + 1, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': dataset '%s' has %" PetscInt64_FMT " entries, but the attribute 'shape' of '%s' gives %" PetscInt64_FMT
             " rows (expected rows + 1 = %" PetscInt64_FMT ")",
             fname, pindptr, lindptr, gpath, n, n + 1);
  PetscCheck(lind == ldata, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': datasets '%s' (%" PetscInt64_FMT " entries) and '%s' (%" PetscInt64_FMT " entries) must have the same length", fname,
             pind, lind, pdata, ldata);
  PetscCheck(!hy || ly == n, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': dataset '%s' has %" PetscInt64_FMT " entries, expected %" PetscInt64_FMT " (one per row)", fname, py, ly, n);
  PetscCheck(!hw || lw == n, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': dataset '%s' has %" PetscInt64_FMT " entries, expected %" PetscInt64_FMT " (one per row)", fname, pw, lw, n);
  nnz = lind;

  /* this rank's rows, and the indptr entries that bound them */
  N = (PetscInt) n;
  PetscCall(CurioRowOwnership(comm, N, &rstart, &nlocal));
  rows->n      = N;
  rows->ncols  = (PetscInt) shape[1];
  rows->rstart = rstart;
  rows->nlocal = nlocal;
  PetscCall(PetscMalloc1(nlocal + 1, &s->indptr));
  PetscCall(CurioH5ReadSlice(comm, file, fname, pindptr, H5T_NATIVE_INT64, rstart, nlocal ? nlocal + 1 : 0, s->indptr));
  if (nlocal > 0) {
    const int64_t *p = s->indptr;
    if (rstart == 0 && p[0] != 0) {
      key = 0;
      PetscCall(PetscSNPrintf(msg, MSG_LEN, "Input file '%s': dataset '%s' must start with 0, it starts with %" PetscInt64_FMT, fname, pindptr,
                              (PetscInt64) p[0]));
    }
    for (PetscInt i = 1; i <= nlocal && key < 0; i++)
      if (p[i] < p[i - 1]) {
        key = rstart + i;
        PetscCall(PetscSNPrintf(msg, MSG_LEN,
                                "Input file '%s': dataset '%s' decreases: indptr[%" PetscInt64_FMT "] = %" PetscInt64_FMT " < indptr[%" PetscInt64_FMT
                                "] = %" PetscInt64_FMT " (row offsets must not decrease)",
                                fname, pindptr, key, (PetscInt64) p[i], key - 1, (PetscInt64) p[i - 1]));
      }
    if (key < 0 && rstart + nlocal == N && p[nlocal] != nnz) {
      key = N;
      PetscCall(PetscSNPrintf(msg, MSG_LEN,
                              "Input file '%s': the last entry of '%s' (indptr[%" PetscInt64_FMT "] = %" PetscInt64_FMT
                              ") must equal the length of '%s' and '%s' (%" PetscInt64_FMT ")",
                              fname, pindptr, n, (PetscInt64) p[nlocal], pind, pdata, nnz));
    }
    /* with indptr[0] = 0, non-decreasing, indptr[n] = nnz, every slice lies in [0, nnz] */
    if (key < 0 && p[nlocal] - p[0] > PETSC_MAX_INT) {
      key = rstart;
      PetscCall(PetscSNPrintf(msg, MSG_LEN,
                              "Input file '%s': rows %" PetscInt_FMT " to %" PetscInt_FMT " of '%s' hold %" PetscInt64_FMT
                              " nonzeros, too many for one rank; run on more ranks",
                              fname, rstart, rstart + nlocal - 1, gpath, (PetscInt64) (p[nlocal] - p[0])));
    }
  }
  PetscCall(CurioAgreeOnError(comm, key, msg, MSG_LEN, &bad));
  PetscCheck(!bad, comm, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);

  /* this rank's entries: indices (checked, then converted to PetscInt) and data */
  first = nlocal ? s->indptr[0] : 0;
  nzloc = nlocal ? s->indptr[nlocal] - first : 0;
  PetscCall(PetscMalloc1(nlocal + 1, &rows->rowptr));
  PetscCall(PetscMalloc1(PetscMax(nzloc, 1), &s->indices));
  PetscCall(PetscMalloc1(PetscMax(nzloc, 1), &rows->colidx));
  PetscCall(PetscMalloc1(PetscMax(nzloc, 1), &rows->vals));
  PetscCall(CurioH5ReadSlice(comm, file, fname, pind, H5T_NATIVE_INT64, first, nzloc, s->indices));
  PetscCall(CurioH5ReadSlice(comm, file, fname, pdata, H5T_NATIVE_DOUBLE, first, nzloc, rows->vals));
  for (PetscInt i = 0; i < nlocal && key < 0; i++) {
    PetscInt64 row = rstart + i;
    for (int64_t k = s->indptr[i] - first; k < s->indptr[i + 1] - first && key < 0; k++) {
      int64_t c = s->indices[k];
      if (c < 0 || c >= shape[1]) {
        key = row;
        PetscCall(PetscSNPrintf(msg, MSG_LEN,
                                "Input file '%s': dataset '%s' has column %" PetscInt64_FMT " in row %" PetscInt64_FMT
                                " (0-based), outside [0, %" PetscInt64_FMT ") (the attribute 'shape' gives %" PetscInt64_FMT " columns)",
                                fname, pind, (PetscInt64) c, row, shape[1], shape[1]));
      } else if (k > s->indptr[i] - first && c <= s->indices[k - 1]) {
        key = row;
        PetscCall(PetscSNPrintf(msg, MSG_LEN,
                                "Input file '%s': dataset '%s' is not strictly increasing in row %" PetscInt64_FMT
                                " (0-based): column %" PetscInt64_FMT " follows column %" PetscInt64_FMT,
                                fname, pind, row, (PetscInt64) c, (PetscInt64) s->indices[k - 1]));
      } else if (PetscIsInfOrNanReal(rows->vals[k])) {
        key = row;
        PetscCall(PetscSNPrintf(msg, MSG_LEN,
                                "Input file '%s': dataset '%s' has a NaN or Inf value in row %" PetscInt64_FMT " (0-based), column %" PetscInt64_FMT,
                                fname, pdata, row, (PetscInt64) c));
      }
    }
  }
  PetscCall(CurioAgreeOnError(comm, key, msg, MSG_LEN, &bad));
  PetscCheck(!bad, comm, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);
  for (PetscInt i = 0; i <= nlocal; i++) rows->rowptr[i] = nlocal ? (PetscInt) (s->indptr[i] - first) : 0;
  for (PetscInt64 k = 0; k < nzloc; k++) rows->colidx[k] = (PetscInt) s->indices[k];

  /* labels and weights; every rank allocates (also with no rows), so that 'y != NULL' is the same on every rank */
  if (hy) {
    PetscCall(PetscMalloc1(PetscMax(nlocal, 1), &rows->y));
    PetscCall(CurioH5ReadSlice(comm, file, fname, py, H5T_NATIVE_DOUBLE, rstart, nlocal, rows->y));
    PetscCall(CheckRowValues(comm, fname, py, rstart, nlocal, rows->y, PETSC_FALSE));
  }
  PetscCall(PetscMalloc1(PetscMax(nlocal, 1), &rows->w));
  if (hw) {
    PetscCall(CurioH5ReadSlice(comm, file, fname, pw, H5T_NATIVE_DOUBLE, rstart, nlocal, rows->w));
    PetscCall(CheckRowValues(comm, fname, pw, rstart, nlocal, rows->w, PETSC_TRUE));
  } else
    for (PetscInt i = 0; i < nlocal; i++) rows->w[i] = 1.0;
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
  if (ierr) PetscCall(CurioCSRRowsFree(rows));
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

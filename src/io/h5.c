/* curio's one HDF5 layer: every mode reads and writes HDF5 through these routines. Everything here is collective
   over the communicator of the file, and every failure is agreed on (an MPI_Allreduce of a flag, or rank 0's view
   broadcast), so that all ranks raise the same error together and no rank is left waiting in a collective call.

   - reading: open (the error says whether the file is missing, unreadable or not HDF5), existence, shape, and one
     collective hyperslab read of rows [rstart, rstart + nlocal) of a 1-D (n) or 2-D (n, ncols) dataset;
   - writing: one collective hyperslab write of the same shape (creating the dataset or filling a slab of an existing
     one), attributes (string, real, int64) written and read the same way everywhere, and the provenance header;
   - identity: the root attributes kind, schema_version and signature that a restart (a checkpoint, or the active
     loop's own output) must match;
   - the atomic file: created as `<dir>/.curio-<owner hash>-<pid>-<counter>-<random>.tmp` in the target's directory (a
     short name, so a target name of up to NAME_MAX characters works), written collectively, flushed (MPI_File_sync
     through H5Fflush), closed, fsync'ed by rank 0, renamed over the target, and the directory fsync'ed, so that after
     a crash at any point the target is either the previous file or the complete new one. While it is written, rank 0
     holds a lock on it (TemporaryLock), so that a later run can tell the temporary of a killed run, which it removes,
     from one that a live run is writing. */
#define _GNU_SOURCE /* fallocate() */
#include "ioimpl.h"
#include <hdf5_hl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <limits.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------------------------------- */
/* agreement */

/*@C
  CurioH5AllTrue - whether ok holds on every rank of comm (one MPI_Allreduce)
@*/
PetscErrorCode CurioH5AllTrue(MPI_Comm comm, PetscBool ok, PetscBool *all)
{
  int in = ok ? 1 : 0, out;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_LAND, comm));
  *all = out ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* opening and inspecting */

/*@C
  CurioH5FileAccessCollective - a file access property list for parallel HDF5 (MPI-IO) on comm
@*/
PetscErrorCode CurioH5FileAccessCollective(MPI_Comm comm, hid_t *fapl)
{
  PetscFunctionBegin;
  *fapl = H5Pcreate(H5P_FILE_ACCESS);
  PetscCheck(*fapl >= 0, comm, PETSC_ERR_LIB, "H5Pcreate failed");
  PetscCheck(H5Pset_fapl_mpio(*fapl, comm, MPI_INFO_NULL) >= 0, comm, PETSC_ERR_LIB, "H5Pset_fapl_mpio failed");
  H5Pset_fclose_degree(*fapl, H5F_CLOSE_STRONG); /* closing the file closes anything an error path left open */
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioH5OpenRead - opens an existing HDF5 file for reading on all ranks of comm; the error says whether the file is
  missing, unreadable or not HDF5

  Collective
@*/
PetscErrorCode CurioH5OpenRead(MPI_Comm comm, const char path[], hid_t *file)
{
  PetscFunctionBegin;
  PetscCall(CurioH5OpenReadFor(comm, NULL, path, file));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioH5OpenReadFor - CurioH5OpenRead() for a file that an option names: the errors name the option

  Collective

  Input Parameters:
+ comm   - communicator
. option - the option that gave the file, or NULL for an input file
- path   - the file
@*/
PetscErrorCode CurioH5OpenReadFor(MPI_Comm comm, const char option[], const char path[], hid_t *file)
{
  int         err = 0;
  PetscMPIInt rank;
  hid_t       fapl;
  PetscBool   ok;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    struct stat st;
    if (access(path, R_OK) || stat(path, &st)) err = errno;
    else if (S_ISDIR(st.st_mode)) err = EISDIR; /* MPI-IO would read it, and complain once per block */
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  if (option) PetscCheck(!err, comm, PETSC_ERR_FILE_OPEN, "%s: cannot read file '%s': %s", option, path, strerror(err));
  PetscCheck(!err, comm, PETSC_ERR_FILE_OPEN, "Cannot read input file '%s': %s", path, strerror(err));
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* curio reports HDF5 failures itself, with the file and dataset named */
  PetscCall(CurioH5FileAccessCollective(comm, &fapl));
  *file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  PetscCall(CurioH5AllTrue(comm, (PetscBool) (*file >= 0), &ok));
  if (!ok && *file >= 0) H5Fclose(*file);
  if (!ok) {
    size_t      len  = strlen(path);
    PetscBool   csv  = (PetscBool) (len >= 4 && (!strcasecmp(path + len - 4, ".csv") || !strcasecmp(path + len - 4, ".tsv")));
    const char *hint = csv ? " (a CSV file: convert it with scripts/curio-convert.py, README \"Input layout\")" : "";
    if (option) SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "%s: file '%s' is not a readable HDF5 file%s", option, path, hint);
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s' is not a readable HDF5 file%s", path, hint);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioH5Exists - whether a link exists at an absolute path, checking every parent first (H5Lexists fails on a
  missing parent)
@*/
PetscErrorCode CurioH5Exists(hid_t file, const char path[], PetscBool *exists)
{
  char   buf[PETSC_MAX_PATH_LEN];
  size_t len;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(buf, path, sizeof(buf)));
  PetscCall(PetscStrlen(buf, &len));
  *exists = PETSC_TRUE;
  for (size_t i = 1; i <= len && *exists; i++) {
    if (buf[i] == '/' || buf[i] == '\0') {
      char c  = buf[i];
      buf[i]  = '\0';
      *exists = H5Lexists(file, buf, H5P_DEFAULT) > 0 ? PETSC_TRUE : PETSC_FALSE;
      buf[i]  = c;
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* An HDF5 enum is how h5py stores numpy booleans; HDF5 converts enums to no number type */
static const char *EnumHint(H5T_class_t cls)
{
  return cls == H5T_ENUM ? "; it is an enum (h5py's booleans): store it as integers (h5py: the array's astype('i1'))" : "";
}

/*@C
  CurioH5GetShape - rank and dimensions of a numeric dataset of at most 2 dimensions; errors name the file and dataset
@*/
PetscErrorCode CurioH5GetShape(MPI_Comm comm, hid_t file, const char fname[], const char dset[], int *ndims, PetscInt dims[2])
{
  hid_t       d, space, type;
  hsize_t     hd[H5S_MAX_RANK];
  H5T_class_t cls;

  PetscFunctionBegin;
  d = H5Dopen2(file, dset, H5P_DEFAULT);
  PetscCheck(d >= 0, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': '%s' is not a dataset", fname, dset);
  type = H5Dget_type(d);
  cls  = H5Tget_class(type);
  H5Tclose(type);
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) H5Dclose(d);
  PetscCheck(cls == H5T_FLOAT || cls == H5T_INTEGER, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': dataset '%s' must be numeric (float or integer)%s", fname, dset, EnumHint(cls));
  space  = H5Dget_space(d);
  *ndims = H5Sget_simple_extent_ndims(space);
  if (*ndims > 0 && *ndims <= H5S_MAX_RANK) H5Sget_simple_extent_dims(space, hd, NULL);
  H5Sclose(space);
  H5Dclose(d);
  PetscCheck(*ndims >= 0 && *ndims <= 2, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': dataset '%s' has %d dimensions, expected 1 or 2", fname,
             dset, *ndims);
  for (int k = 0; k < *ndims; k++) /* never truncated: 2^32 + 5 rows must not read as 5 */
    PetscCheck(hd[k] <= (hsize_t) PETSC_MAX_INT, comm, PETSC_ERR_FILE_UNEXPECTED,
               "Input file '%s': dataset '%s' has %llu %s; this curio holds at most %" PetscInt_FMT " (2^31 - 1, 32-bit PetscInt)", fname, dset,
               (unsigned long long) hd[k], k ? "columns" : "rows", PETSC_MAX_INT);
  dims[0] = *ndims > 0 ? (PetscInt) hd[0] : 1;
  dims[1] = *ndims > 1 ? (PetscInt) hd[1] : 1;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioH5DatasetLength - whether a dataset exists and, if so, its length; it must be 1-D and of an integer type
  (integer) or numeric. Errors name the file and dataset.
@*/
PetscErrorCode CurioH5DatasetLength(MPI_Comm comm, hid_t file, const char fname[], const char dset[], PetscBool integer, PetscBool *exists,
                                    PetscInt64 *len)
{
  hid_t       d, type, space;
  H5T_class_t cls;
  int         ndims;
  hsize_t     dims[H5S_MAX_RANK] = {0};

  PetscFunctionBegin;
  PetscCall(CurioH5Exists(file, dset, exists));
  *len = 0;
  if (!*exists) PetscFunctionReturn(PETSC_SUCCESS);
  d = H5Dopen2(file, dset, H5P_DEFAULT);
  PetscCheck(d >= 0, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': '%s' is not a dataset", fname, dset);
  type  = H5Dget_type(d);
  cls   = H5Tget_class(type);
  space = H5Dget_space(d);
  ndims = H5Sget_simple_extent_ndims(space);
  if (ndims == 1) H5Sget_simple_extent_dims(space, dims, NULL);
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(d);
  if (integer)
    PetscCheck(cls == H5T_INTEGER, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': dataset '%s' must be of an integer type", fname, dset);
  else
    PetscCheck(cls == H5T_INTEGER || cls == H5T_FLOAT, comm, PETSC_ERR_FILE_UNEXPECTED,
               "Input file '%s': dataset '%s' must be numeric (float or integer)%s", fname, dset, EnumHint(cls));
  PetscCheck(ndims == 1, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': dataset '%s' must be 1-D, it has %d dimensions", fname, dset, ndims);
  *len = (PetscInt64) dims[0];
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* the one collective hyperslab read and write */

/* Selects rows [rstart, rstart + nlocal) of a dataspace of rank 0 (scalar), 1 or 2 in fspace, and makes the matching
   memory space; a rank with no rows selects nothing but still takes part */
static void SelectRows(hid_t fspace, PetscInt64 rstart, PetscInt64 nlocal, PetscInt64 ncols, hid_t *mspace)
{
  int     rank     = H5Sget_simple_extent_ndims(fspace);
  hsize_t start[2] = {(hsize_t) rstart, 0}, count[2] = {(hsize_t) (nlocal > 0 ? nlocal : 1), (hsize_t) PetscMax(ncols, 1)};

  if (rank == 0) {
    *mspace = H5Screate(H5S_SCALAR);
    if (nlocal == 0) {
      H5Sselect_none(fspace);
      H5Sselect_none(*mspace);
    }
    return;
  }
  if (nlocal > 0) H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
  else H5Sselect_none(fspace);
  *mspace = H5Screate_simple(rank, count, NULL);
  if (nlocal == 0) H5Sselect_none(*mspace);
}

/*@C
  CurioH5ReadBlock - the one collective hyperslab read: rows [rstart, rstart + nlocal) of an open dataset of shape
  (n), (n, ncols) or a scalar (nlocal = 1 reads it, 0 takes part without reading) into buf (row-major, memtype);
  ok says whether every rank succeeded

  Collective
@*/
PetscErrorCode CurioH5ReadBlock(MPI_Comm comm, hid_t dset, hid_t memtype, PetscInt64 rstart, PetscInt64 nlocal, PetscInt64 ncols, void *buf,
                                PetscBool *ok)
{
  hid_t  fspace, mspace, dxpl;
  herr_t status;
  double dummy[1];

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CURIO_EVENT_Read, 0, 0, 0, 0));
  fspace = H5Dget_space(dset);
  if (fspace >= 0 && H5Sget_simple_extent_ndims(fspace) > 0 && H5Sget_simple_extent_npoints(fspace) == 0) {
    /* a dataset of no elements (a CSR matrix without non-zeros: indices and data of length 0), the same on every rank,
       so every rank skips the collective read alike: HDF5 fails that read (seen with h5py-written ones) */
    H5Sclose(fspace);
    PetscCall(PetscLogEventEnd(CURIO_EVENT_Read, 0, 0, 0, 0));
    PetscCall(CurioH5AllTrue(comm, (PetscBool) (nlocal == 0), ok));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  SelectRows(fspace, rstart, nlocal, ncols, &mspace);
  dxpl = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
  status = H5Dread(dset, memtype, mspace, fspace, dxpl, nlocal > 0 ? buf : (void *) dummy);
  H5Pclose(dxpl);
  H5Sclose(mspace);
  H5Sclose(fspace);
  PetscCall(PetscLogEventEnd(CURIO_EVENT_Read, 0, 0, 0, 0));
  PetscCall(CurioH5AllTrue(comm, (PetscBool) (status >= 0), ok));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Opens a dataset on every rank, or raises one error on all of them naming the file and the dataset */
static PetscErrorCode OpenDatasetAll(MPI_Comm comm, hid_t file, const char fname[], const char dset[], hid_t *d)
{
  PetscBool ok;

  PetscFunctionBegin;
  *d = H5Dopen2(file, dset, H5P_DEFAULT);
  PetscCall(CurioH5AllTrue(comm, (PetscBool) (*d >= 0), &ok));
  if (!ok && *d >= 0) H5Dclose(*d);
  PetscCheck(ok, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': '%s' is not a dataset", fname, dset);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Why a read of dataset d may have failed, for the message: a filter (compression) this HDF5 does not have, such as
   h5py's lzf; else nothing */
static void ReadFailureHint(hid_t d, char hint[], size_t len)
{
  hid_t dcpl = H5Dget_create_plist(d);
  int   nf   = dcpl >= 0 ? H5Pget_nfilters(dcpl) : 0;

  hint[0] = 0;
  for (int k = 0; k < nf; k++) {
    unsigned     flags, cd[8];
    size_t       ncd      = 8;
    char         name[64] = "";
    H5Z_filter_t id       = H5Pget_filter2(dcpl, (unsigned) k, &flags, &ncd, cd, sizeof(name), name, NULL);
    if (id >= 0 && H5Zfilter_avail(id) <= 0) {
      snprintf(hint, len, ": it is compressed with filter %d ('%s'), which this HDF5 library does not have; rewrite it with gzip or no compression",
               (int) id, name);
      break;
    }
  }
  if (dcpl >= 0) H5Pclose(dcpl);
}

/*@C
  CurioH5ReadRows - rows [rstart, rstart+nlocal) of an input dataset of shape (n) or (n, ncols), as reals (row-major)

  Collective
@*/
PetscErrorCode CurioH5ReadRows(MPI_Comm comm, hid_t file, const char fname[], const char dset[], PetscInt rstart, PetscInt nlocal, PetscInt ncols,
                               PetscReal buf[])
{
  hid_t     d;
  PetscBool ok;
  char      hint[256];

  PetscFunctionBegin;
  PetscCall(OpenDatasetAll(comm, file, fname, dset, &d));
  PetscCall(CurioH5ReadBlock(comm, d, H5T_NATIVE_DOUBLE, rstart, nlocal, ncols, buf, &ok));
  if (!ok) ReadFailureHint(d, hint, sizeof(hint));
  H5Dclose(d);
  PetscCheck(ok, comm, PETSC_ERR_FILE_READ, "Input file '%s': reading dataset '%s' failed%s", fname, dset, hint);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioH5ReadSlice - entries [start, start + count) of a 1-D input dataset as memtype (count may be 0 on some ranks)

  Collective
@*/
PetscErrorCode CurioH5ReadSlice(MPI_Comm comm, hid_t file, const char fname[], const char dset[], hid_t memtype, PetscInt64 start, PetscInt64 count,
                                void *buf)
{
  hid_t     d;
  PetscBool ok;
  char      hint[256];

  PetscFunctionBegin;
  PetscCall(OpenDatasetAll(comm, file, fname, dset, &d));
  PetscCall(CurioH5ReadBlock(comm, d, memtype, start, count, 0, buf, &ok));
  if (!ok) ReadFailureHint(d, hint, sizeof(hint));
  H5Dclose(d);
  PetscCheck(ok, comm, PETSC_ERR_FILE_READ, "Input file '%s': reading dataset '%s' failed%s", fname, dset, hint);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioH5WriteBlock - the one collective hyperslab write: this rank writes rows [rstart, rstart + nlocal) of dataset
  name from buf (row-major, memtype). With type >= 0 the dataset is created first, of shape (n) (ncols = 0),
  (n, ncols) or a scalar (n < 0), with intermediate groups; with type < 0 it must exist (a slab of it is filled).
  ok says whether every rank succeeded; nothing is raised here, so the caller names the file in its message. A
  dataset created here of 8-byte numbers also gets its attribute `checksum` (CurioH5WriteChecksum()).

  Collective
@*/
PetscErrorCode CurioH5WriteBlock(MPI_Comm comm, hid_t file, const char name[], hid_t type, hid_t memtype, PetscInt64 n, PetscInt64 ncols,
                                 PetscInt64 rstart, PetscInt64 nlocal, const void *buf, PetscBool *ok)
{
  hsize_t dims[2] = {(hsize_t) PetscMax(n, 0), (hsize_t) PetscMax(ncols, 1)};
  hid_t   fspace, mspace, dset, dxpl, lcpl;
  herr_t  status = -1;
  double  dummy[1];

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CURIO_EVENT_Write, 0, 0, 0, 0));
  if (type >= 0) {
    fspace = n < 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(ncols > 0 ? 2 : 1, dims, NULL);
    lcpl   = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    dset = H5Dcreate2(file, name, type, fspace, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Pclose(lcpl);
    H5Sclose(fspace);
  } else dset = H5Dopen2(file, name, H5P_DEFAULT);
  PetscCall(CurioH5AllTrue(comm, (PetscBool) (dset >= 0), ok));
  if (*ok) {
    fspace = H5Dget_space(dset);
    SelectRows(fspace, rstart, nlocal, ncols, &mspace);
    dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
    status = H5Dwrite(dset, memtype, mspace, fspace, dxpl, nlocal > 0 ? buf : (const void *) dummy);
    H5Pclose(dxpl);
    H5Sclose(mspace);
    H5Sclose(fspace);
  }
  if (dset >= 0) H5Dclose(dset);
  PetscCall(PetscLogEventEnd(CURIO_EVENT_Write, 0, 0, 0, 0));
  if (*ok) PetscCall(CurioH5AllTrue(comm, (PetscBool) (status >= 0), ok));
  /* a dataset written whole here (created, every rank its rows) of 8-byte numbers gets its checksum, so that a
     restart can verify it (CurioH5VerifyChecksum); slabs of a dataset created elsewhere get none */
  if (*ok && type >= 0 && H5Tget_size(memtype) == 8) {
    PetscInt64 w = PetscMax(ncols, 1);
    PetscCall(CurioH5WriteChecksum(comm, file, name, n < 0 ? 0 : rstart * w, n < 0 ? nlocal : nlocal * w, buf, ok));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

struct _n_CurioH5Strings {
  char            name[256];
  PetscInt        n;
  char          **strs; /* n strings in one allocation behind the pointers */
  CurioH5Strings *next;
};

/*@C
  CurioH5WriteStrings - a 1-D dataset of n strings (the same on every rank) in an atomic write, stored as
  variable-length UTF-8 strings, which h5py (.asstr()) and xarray read as str. Parallel HDF5 1.10 writes no
  variable-length data, so the dataset is created here (collectively, dimension scales can be attached to it) and its
  strings are written by rank 0 alone when CurioH5AtomicCommit() has closed the parallel file; ok is collective

  Collective
@*/
PetscErrorCode CurioH5WriteStrings(CurioH5Atomic *a, const char name[], PetscInt n, const char *const strs[], PetscBool *ok)
{
  hid_t           type, space, lcpl, dset;
  hsize_t         dims[1] = {(hsize_t) n};
  size_t          total   = 0;
  CurioH5Strings *s, **tail;
  char           *p;

  PetscFunctionBegin;
  PetscCheck(strlen(name) < sizeof(s->name), a->comm, PETSC_ERR_ARG_SIZ, "Dataset name '%s' is too long", name);
  type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  space = H5Screate_simple(1, dims, NULL);
  lcpl  = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  dset = H5Dcreate2(a->file, name, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  H5Pclose(lcpl);
  H5Sclose(space);
  H5Tclose(type);
  if (dset >= 0) H5Dclose(dset);
  PetscCall(CurioH5AllTrue(a->comm, (PetscBool) (dset >= 0), ok));
  if (!*ok) PetscFunctionReturn(PETSC_SUCCESS);
  for (PetscInt i = 0; i < n; i++) total += strlen(strs[i]) + 1;
  PetscCall(PetscNew(&s));
  PetscCall(PetscMalloc(PetscMax(n, 1) * sizeof(char *) + total + 1, &s->strs));
  p = (char *) (s->strs + PetscMax(n, 1));
  for (PetscInt i = 0; i < n; i++) {
    size_t len = strlen(strs[i]) + 1;
    memcpy(p, strs[i], len);
    s->strs[i] = p;
    p += len;
  }
  s->n = n;
  PetscCall(PetscStrncpy(s->name, name, sizeof(s->name)));
  for (tail = &a->strings; *tail; tail = &(*tail)->next) {}
  *tail = s;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rank 0, after the parallel file is closed: the queued strings into their datasets through a serial open of the
   temporary file; false if any step fails. The queue is freed on every rank. */
static PetscErrorCode AtomicWriteStrings(CurioH5Atomic *a, PetscMPIInt rank, PetscBool *ok)
{
  hid_t file = -1;

  PetscFunctionBegin;
  *ok = PETSC_TRUE;
  if (rank == 0 && a->strings) {
    file = H5Fopen(a->tmp, H5F_ACC_RDWR, H5P_DEFAULT);
    *ok  = (PetscBool) (file >= 0);
    for (CurioH5Strings *s = a->strings; s && *ok; s = s->next) {
      hid_t d = H5Dopen2(file, s->name, H5P_DEFAULT), mt = H5Tcopy(H5T_C_S1);
      H5Tset_size(mt, H5T_VARIABLE);
      H5Tset_cset(mt, H5T_CSET_UTF8);
      *ok = (PetscBool) (d >= 0 && (s->n == 0 || H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, s->strs) >= 0));
      H5Tclose(mt);
      if (d >= 0) H5Dclose(d);
    }
    if (file >= 0 && H5Fclose(file) < 0) *ok = PETSC_FALSE;
  }
  while (a->strings) {
    CurioH5Strings *next = a->strings->next;
    PetscCall(PetscFree(a->strings->strs));
    PetscCall(PetscFree(a->strings));
    a->strings = next;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioH5ReadStrings - a 1-D dataset of n strings (variable- or fixed-length) on every rank: rank 0 reads it, every
  rank gets a copy; strs is an array of n strings allocated with PetscMalloc (free with CurioH5FreeStrings()). Errors
  name the file and dataset.

  Collective
@*/
PetscErrorCode CurioH5ReadStrings(MPI_Comm comm, hid_t file, const char fname[], const char dset[], PetscInt n, char ***strs)
{
  PetscMPIInt rank;
  int         info[2] = {0, 0}; /* error (1 not 1-D strings of length n, 2 read failed), packed length */
  char       *pack    = NULL;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    hid_t   d = H5Dopen2(file, dset, H5P_DEFAULT), ft = -1, sp = -1, mt;
    hsize_t len = 0;
    if (d >= 0) {
      ft = H5Dget_type(d);
      sp = H5Dget_space(d);
      if (H5Sget_simple_extent_ndims(sp) == 1) H5Sget_simple_extent_dims(sp, &len, NULL);
    }
    if (d < 0 || H5Tget_class(ft) != H5T_STRING || H5Sget_simple_extent_ndims(sp) != 1 || len != (hsize_t) n) info[0] = 1;
    else if (H5Tis_variable_str(ft) > 0) {
      char **v = (char **) calloc(n ? n : 1, sizeof(char *));
      mt       = H5Tcopy(H5T_C_S1);
      H5Tset_size(mt, H5T_VARIABLE);
      H5Tset_cset(mt, H5Tget_cset(ft));
      if (!v || H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) info[0] = 2;
      else {
        size_t tot = 0;
        for (PetscInt i = 0; i < n; i++) tot += (v[i] ? strlen(v[i]) : 0) + 1;
        pack = (char *) calloc(tot + 1, 1);
        for (PetscInt i = 0, o = 0; pack && i < n; i++) {
          size_t l = v[i] ? strlen(v[i]) : 0;
          if (l) memcpy(pack + o, v[i], l);
          o += l + 1;
        }
        info[1] = (int) tot;
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, v);
      }
      free(v);
      H5Tclose(mt);
    } else {
      size_t w   = H5Tget_size(ft);
      char  *buf = (char *) calloc(n * w + 1, 1);
      mt         = H5Tcopy(ft);
      if (!buf || H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) info[0] = 2;
      else {
        pack = (char *) calloc(n * (w + 1) + 1, 1);
        for (PetscInt i = 0, o = 0; pack && i < n; i++) {
          size_t l = strnlen(buf + i * w, w);
          memcpy(pack + o, buf + i * w, l);
          o += l + 1;
          info[1] = o;
        }
      }
      free(buf);
      H5Tclose(mt);
    }
    if (ft >= 0) H5Tclose(ft);
    if (sp >= 0) H5Sclose(sp);
    if (d >= 0) H5Dclose(d);
  }
  PetscCallMPI(MPI_Bcast(info, 2, MPI_INT, 0, comm));
  PetscCheck(info[0] != 1, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': '%s' must be a 1-D dataset of %" PetscInt_FMT " strings", fname, dset,
             n);
  PetscCheck(info[0] != 2, comm, PETSC_ERR_FILE_READ, "Input file '%s': reading dataset '%s' failed", fname, dset);
  if (rank) pack = (char *) calloc(info[1] + 1, 1);
  PetscCheck(pack, PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory reading '%s'", dset);
  PetscCallMPI(MPI_Bcast(pack, info[1], MPI_CHAR, 0, comm));
  PetscCall(PetscMalloc1(n + 1, strs));
  for (PetscInt i = 0, o = 0; i < n; i++) {
    PetscCall(PetscStrallocpy(pack + o, &(*strs)[i]));
    o += (PetscInt) strlen(pack + o) + 1;
  }
  (*strs)[n] = NULL;
  free(pack);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioH5FreeStrings - frees an array of strings from CurioH5ReadStrings() (NULL-terminated) and sets it to NULL
@*/
PetscErrorCode CurioH5FreeStrings(char ***strs)
{
  PetscFunctionBegin;
  if (!*strs) PetscFunctionReturn(PETSC_SUCCESS);
  for (char **s = *strs; *s; s++) PetscCall(PetscFree(*s));
  PetscCall(PetscFree(*strs));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* attributes */

/*@C
  CurioH5WriteAttribute - a scalar attribute of an open object (replacing one of the same name): a string (value is
  the const char *, stored as variable-length UTF-8), a real (value points to a PetscReal, stored as float64) or an
  integer (value points to a PetscInt64, stored as int64); ok says whether every rank succeeded

  Collective
@*/
PetscErrorCode CurioH5WriteAttribute(MPI_Comm comm, hid_t obj, const char name[], CurioH5Type t, const void *value, PetscBool *ok)
{
  hid_t       space = H5Screate(H5S_SCALAR), attr, type, memtype;
  const void *mem;
  double      r;
  int64_t     i;

  PetscFunctionBegin;
  switch (t) {
  case CURIO_H5_STRING:
    type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    memtype = type;
    mem     = &value;
    break;
  case CURIO_H5_REAL:
    type    = H5T_IEEE_F64LE;
    memtype = H5T_NATIVE_DOUBLE;
    r       = (double) *(const PetscReal *) value;
    mem     = &r;
    break;
  default:
    type    = H5T_STD_I64LE;
    memtype = H5T_NATIVE_INT64;
    i       = (int64_t) * (const PetscInt64 *) value;
    mem     = &i;
    break;
  }
  if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
  attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  *ok  = (PetscBool) (attr >= 0 && H5Awrite(attr, memtype, mem) >= 0);
  if (attr >= 0) H5Aclose(attr);
  if (t == CURIO_H5_STRING) H5Tclose(type);
  H5Sclose(space);
  PetscCall(CurioH5AllTrue(comm, *ok, ok));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Reads a scalar attribute on this rank; *found is false if it is missing, unreadable or of another class */
static void ReadAttributeLocal(hid_t obj, const char name[], CurioH5Type t, void *value, size_t len, PetscBool *found, PetscBool *toolong)
{
  hid_t attr, ftype, mtype;

  *found   = PETSC_FALSE;
  *toolong = PETSC_FALSE;
  if (t == CURIO_H5_STRING && len) ((char *) value)[0] = '\0';
  if (H5Aexists(obj, name) <= 0) return;
  attr = H5Aopen(obj, name, H5P_DEFAULT);
  if (attr < 0) return;
  ftype = H5Aget_type(attr);
  if (t == CURIO_H5_STRING && H5Tget_class(ftype) == H5T_STRING) {
    char *s = NULL;
    if (H5Tis_variable_str(ftype) > 0) {
      mtype = H5Tcopy(H5T_C_S1);
      H5Tset_size(mtype, H5T_VARIABLE);
      H5Tset_cset(mtype, H5Tget_cset(ftype)); /* curio writes UTF-8; HDF5 does not convert between character sets */
      if (H5Aread(attr, mtype, &s) >= 0 && s) {
        *found   = PETSC_TRUE;
        *toolong = (PetscBool) (strlen(s) >= len);
        snprintf((char *) value, len, "%s", s);
        H5free_memory(s);
      }
      H5Tclose(mtype);
    } else {
      size_t n = H5Tget_size(ftype);
      s        = (char *) calloc(n + 1, 1);
      mtype    = H5Tcopy(ftype);
      if (s && H5Aread(attr, mtype, s) >= 0) {
        *found   = PETSC_TRUE;
        *toolong = (PetscBool) (strlen(s) >= len);
        snprintf((char *) value, len, "%s", s);
      }
      free(s);
      H5Tclose(mtype);
    }
  } else if (t == CURIO_H5_INT && H5Tget_class(ftype) == H5T_INTEGER) {
    int64_t v = 0;
    if (H5Aread(attr, H5T_NATIVE_INT64, &v) >= 0) {
      *found                = PETSC_TRUE;
      *(PetscInt64 *) value = (PetscInt64) v;
    }
  } else if (t == CURIO_H5_REAL && (H5Tget_class(ftype) == H5T_FLOAT || H5Tget_class(ftype) == H5T_INTEGER)) {
    double v = 0;
    if (H5Aread(attr, H5T_NATIVE_DOUBLE, &v) >= 0) {
      *found               = PETSC_TRUE;
      *(PetscReal *) value = (PetscReal) v;
    }
  }
  H5Tclose(ftype);
  H5Aclose(attr);
}

/*@C
  CurioH5ReadAttribute - a scalar attribute of an open object: a string (value of size len; toolong says whether it
  was cut), a real (PetscReal) or an integer (PetscInt64). With comm = MPI_COMM_NULL this rank alone reads; otherwise
  rank 0's view reaches every rank (collective). found is false if it is missing or of another kind.
@*/
PetscErrorCode CurioH5ReadAttribute(MPI_Comm comm, hid_t obj, const char name[], CurioH5Type t, void *value, size_t len, PetscBool *found,
                                    PetscBool *toolong)
{
  PetscBool tl;
  int       flags[2];

  PetscFunctionBegin;
  ReadAttributeLocal(obj, name, t, value, len, found, &tl);
  if (comm != MPI_COMM_NULL) {
    flags[0] = *found;
    flags[1] = tl;
    PetscCallMPI(MPI_Bcast(flags, 2, MPI_INT, 0, comm));
    *found = flags[0] ? PETSC_TRUE : PETSC_FALSE;
    tl     = flags[1] ? PETSC_TRUE : PETSC_FALSE;
    if (t == CURIO_H5_STRING) PetscCallMPI(MPI_Bcast(value, (PetscMPIInt) len, MPI_CHAR, 0, comm));
    else if (t == CURIO_H5_INT) PetscCallMPI(MPI_Bcast(value, 1, MPIU_INT64, 0, comm));
    else PetscCallMPI(MPI_Bcast(value, 1, MPIU_REAL, 0, comm));
  }
  if (toolong) *toolong = tl;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* dimension scales and descriptions: what makes every group of a curio file a netCDF-4 group that xarray opens
   (xarray.open_dataset(f, engine="h5netcdf", group=g), no phony dimensions). netCDF-4 finds a dataset's dimensions
   through its HDF5 dimension scales (H5DS), looked up by name in the dataset's own group and its parents, so every
   axis of every dataset gets a scale that lives in the dataset's own group: a named coordinate that the writer wrote
   (e.g. /loocv/s), or else an integer index 0..n-1 created here under the dimension's name. */

/* The group of an absolute dataset path ("/" for a root dataset) and the path of name in it */
static void SiblingPath(const char dset[], const char name[], char out[], size_t len)
{
  const char *slash = strrchr(dset, '/');

  if (!slash || slash == dset) snprintf(out, len, "/%s", name);
  else snprintf(out, len, "%.*s/%s", (int) (slash - dset), dset, name);
}

/* Creates the integer index 0..n-1 at path (each rank writes its share) as a dimension scale named name, with its
   description; ok is collective */
static PetscErrorCode CreateIndexScale(MPI_Comm comm, hid_t file, const char path[], const char name[], PetscInt64 n, PetscBool *ok)
{
  PetscMPIInt rank, size;
  PetscInt64  lo, hi;
  int64_t    *idx;
  hid_t       d;
  char        ln[320];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  lo = n * rank / size;
  hi = n * (rank + 1) / size;
  PetscCall(PetscMalloc1(PetscMax(hi - lo, 1), &idx));
  for (PetscInt64 i = lo; i < hi; i++) idx[i - lo] = (int64_t) i;
  PetscCall(CurioH5WriteBlock(comm, file, path, H5T_STD_I64LE, H5T_NATIVE_INT64, n, 0, lo, hi - lo, idx, ok));
  PetscCall(PetscFree(idx));
  if (!*ok) PetscFunctionReturn(PETSC_SUCCESS);
  d   = H5Dopen2(file, path, H5P_DEFAULT);
  *ok = (PetscBool) (d >= 0 && H5DSset_scale(d, name) >= 0);
  if (d >= 0) H5Dclose(d);
  PetscCall(CurioH5AllTrue(comm, *ok, ok));
  PetscCall(PetscSNPrintf(ln, sizeof(ln), "index along %s (0-based)", name));
  if (*ok) PetscCall(CurioH5Describe(comm, file, path, "1", ln, ok));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Attaches the scale at spath (named name, in the dataset's group; created as an index if missing) to axis k of d */
static PetscErrorCode AttachOne(MPI_Comm comm, hid_t file, hid_t d, const char dset[], int k, hsize_t len, const char spath[], const char name[],
                                char msg[], size_t mlen)
{
  PetscBool exists, ok = PETSC_TRUE;
  hid_t     sc;
  hsize_t   sd[H5S_MAX_RANK];
  int       nd = -1;

  PetscFunctionBegin;
  PetscCall(CurioH5Exists(file, spath, &exists));
  if (!exists) PetscCall(CreateIndexScale(comm, file, spath, name, (PetscInt64) len, &ok));
  if (!ok) {
    PetscCall(PetscSNPrintf(msg, mlen, "cannot create the dimension scale '%s' of '%s'", spath, dset));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  sc = H5Dopen2(file, spath, H5P_DEFAULT);
  if (sc >= 0) {
    hid_t sp = H5Dget_space(sc);
    nd       = H5Sget_simple_extent_ndims(sp);
    if (nd == 1) H5Sget_simple_extent_dims(sp, sd, NULL);
    H5Sclose(sp);
  }
  if (sc < 0 || nd != 1 || sd[0] != len) {
    PetscCall(PetscSNPrintf(msg, mlen, "dimension '%s' of axis %d of '%s' must be a 1-D dataset of length %llu in the same group", spath, k, dset,
                            (unsigned long long) len));
    if (sc >= 0) H5Dclose(sc);
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (H5DSis_scale(sc) <= 0) ok = (PetscBool) (H5DSset_scale(sc, name) >= 0);
  if (ok && H5DSis_attached(d, sc, (unsigned) k) <= 0) ok = (PetscBool) (H5DSattach_scale(d, sc, (unsigned) k) >= 0);
  H5Dclose(sc);
  if (!ok) PetscCall(PetscSNPrintf(msg, mlen, "cannot attach dimension scale '%s' to axis %d of '%s'", spath, k, dset));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioH5AttachDims - names the dimensions of a dataset: dims is a comma-separated list of names, one per axis
  ("candidate", "index,feature"); each names a dataset in the dataset's own group (a leading path is ignored, so
  "/candidates/index" means "index"). A name that exists there (written before, e.g. the coordinate /loocv/s) must be
  1-D of the axis' length and becomes a dimension scale; a missing one is created as the integer index 0..n-1 (with
  units and long_name); a dataset named like its only dimension is itself the scale (a coordinate). Axes beyond the
  names given are left to a later call (or to CurioH5CompleteDims()). msg (of size len) is empty on success, else one
  sentence, the same on every rank.

  Collective
@*/
PetscErrorCode CurioH5AttachDims(MPI_Comm comm, hid_t file, const char dset[], const char dims[], char msg[], size_t len)
{
  hid_t       d, space;
  hsize_t     shape[H5S_MAX_RANK];
  int         ndims, k = 0;
  char        buf[512], *tok, *save = NULL;
  PetscBool   ok;
  PetscMPIInt rank;

  PetscFunctionBegin;
  msg[0] = 0;
  d      = H5Dopen2(file, dset, H5P_DEFAULT);
  if (d < 0) PetscCall(PetscSNPrintf(msg, len, "no dataset '%s' to give dimensions", dset));
  else {
    space = H5Dget_space(d);
    ndims = H5Sget_simple_extent_ndims(space);
    if (ndims > 0) H5Sget_simple_extent_dims(space, shape, NULL);
    H5Sclose(space);
    PetscCall(PetscStrncpy(buf, dims, sizeof(buf)));
    for (tok = strtok_r(buf, ", ", &save); tok && !msg[0]; tok = strtok_r(NULL, ", ", &save), k++) {
      const char *name = strrchr(tok, '/') ? strrchr(tok, '/') + 1 : tok;
      char        spath[PETSC_MAX_PATH_LEN];
      if (k >= ndims) break;
      SiblingPath(dset, name, spath, sizeof(spath));
      if (!strcmp(spath, dset)) { /* a coordinate: the dataset is its own dimension */
        if (ndims != 1) PetscCall(PetscSNPrintf(msg, len, "'%s' names itself as a dimension but has %d axes", dset, ndims));
        else if (H5DSis_scale(d) <= 0 && H5DSset_scale(d, name) < 0) PetscCall(PetscSNPrintf(msg, len, "cannot make '%s' a dimension scale", dset));
      } else PetscCall(AttachOne(comm, file, d, dset, k, shape[k], spath, name, msg, len));
    }
    if (!msg[0] && tok) PetscCall(PetscSNPrintf(msg, len, "'%s' has %d axes but the dimensions '%s' name more", dset, ndims, dims));
    H5Dclose(d);
  }
  PetscCall(CurioH5AllTrue(comm, (PetscBool) !msg[0], &ok));
  if (!ok) {
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    if (rank == 0 && !msg[0]) PetscCall(PetscSNPrintf(msg, len, "cannot attach the dimensions '%s' of '%s' on every rank", dims, dset));
    PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt) len, MPI_CHAR, 0, comm));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioH5Describe - the attributes units and long_name of an object (either may be NULL: left as it is); ok is
  collective

  Collective
@*/
PetscErrorCode CurioH5Describe(MPI_Comm comm, hid_t file, const char path[], const char units[], const char long_name[], PetscBool *ok)
{
  hid_t     obj = H5Oopen(file, path, H5P_DEFAULT);
  PetscBool one = PETSC_TRUE;

  PetscFunctionBegin;
  PetscCall(CurioH5AllTrue(comm, (PetscBool) (obj >= 0), ok));
  if (!*ok) {
    if (obj >= 0) H5Oclose(obj);
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (units) PetscCall(CurioH5WriteAttribute(comm, obj, "units", CURIO_H5_STRING, units, &one));
  *ok = one;
  if (long_name) PetscCall(CurioH5WriteAttribute(comm, obj, "long_name", CURIO_H5_STRING, long_name, &one));
  *ok = (PetscBool) (*ok && one);
  H5Oclose(obj);
  PetscFunctionReturn(PETSC_SUCCESS);
}

typedef struct {
  char **names;
  size_t n, cap;
  herr_t status;
} LinkList;

static herr_t CollectLink(hid_t g, const char *name, const H5L_info_t *info, void *ctx)
{
  LinkList *l = (LinkList *) ctx;

  (void) g;
  if (info->type != H5L_TYPE_HARD) return 0;
  if (l->n == l->cap) {
    char **grown = (char **) realloc(l->names, (l->cap = 2 * l->cap + 16) * sizeof(char *));
    if (!grown) return -1;
    l->names = grown;
  }
  l->names[l->n] = (char *) malloc(strlen(name) + 2);
  if (!l->names[l->n]) return -1;
  sprintf(l->names[l->n++], "/%s", name);
  return 0;
}

/*@C
  CurioH5CompleteDims - the safety net before a file is closed: every axis of every dataset that has no dimension
  scale yet gets one in the dataset's group, the index `<dataset>_index` (axis 0) or `<dataset>_index<k>`, so that
  the file always opens in netCDF-4 readers; writers name their dimensions (CurioH5AttachDims) and this finds nothing
  to do. ok is collective.

  Collective
@*/
PetscErrorCode CurioH5CompleteDims(MPI_Comm comm, hid_t file, PetscBool *ok)
{
  LinkList l                             = {NULL, 0, 0, 0};
  char     msg[PETSC_MAX_PATH_LEN + 256] = "";

  PetscFunctionBegin;
  /* the links in name order, the same on every rank (parallel HDF5 wants every metadata change from every rank) */
  l.status = H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, CollectLink, &l);
  PetscCall(CurioH5AllTrue(comm, (PetscBool) (l.status >= 0), ok));
  for (size_t i = 0; i < l.n && *ok && !msg[0]; i++) {
    hid_t   d = H5Oopen(file, l.names[i], H5P_DEFAULT), space;
    hsize_t shape[H5S_MAX_RANK];
    int     ndims = 0;
    if (d >= 0 && H5Iget_type(d) == H5I_DATASET && H5DSis_scale(d) <= 0) {
      space = H5Dget_space(d);
      ndims = H5Sget_simple_extent_ndims(space);
      if (ndims > 0) H5Sget_simple_extent_dims(space, shape, NULL);
      H5Sclose(space);
    }
    for (int k = 0; k < ndims && !msg[0]; k++) {
      const char *base = strrchr(l.names[i], '/') + 1;
      char        name[300], spath[PETSC_MAX_PATH_LEN];
      if (H5DSget_num_scales(d, (unsigned) k) > 0) continue;
      if (k) PetscCall(PetscSNPrintf(name, sizeof(name), "%s_index%d", base, k));
      else PetscCall(PetscSNPrintf(name, sizeof(name), "%s_index", base));
      SiblingPath(l.names[i], name, spath, sizeof(spath));
      PetscCall(AttachOne(comm, file, d, l.names[i], k, shape[k], spath, name, msg, sizeof(msg)));
    }
    if (d >= 0) H5Oclose(d);
  }
  for (size_t i = 0; i < l.n; i++) free(l.names[i]);
  free(l.names);
  if (*ok) PetscCall(CurioH5AllTrue(comm, (PetscBool) !msg[0], ok));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* checksums */

/* One term of a dataset's checksum: a bijection of the element's 64 bits for a given position (xor with a constant
   of the position, then splitmix64's finalizer, itself a bijection), so that changing any one element always
   changes the sum, and a sum of terms mod 2^64 that does not depend on which rank read which part */
static inline uint64_t ChecksumTerm(uint64_t bits, uint64_t i)
{
  uint64_t z = bits ^ (i * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL);
  z          = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z          = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/*@C
  CurioH5ChecksumAdd - adds to *sum the checksum terms of count 8-byte elements (doubles or int64, as in memory)
  that are the entries [start, start + count) of a dataset in row-major order

  Not collective
@*/
void CurioH5ChecksumAdd(const void *buf, PetscInt64 start, PetscInt64 count, uint64_t *sum)
{
  const unsigned char *b = (const unsigned char *) buf;

  for (PetscInt64 k = 0; k < count; k++) {
    uint64_t bits;
    memcpy(&bits, b + 8 * k, 8);
    *sum += ChecksumTerm(bits, (uint64_t) (start + k));
  }
}

/*@C
  CurioH5WriteChecksum - writes the attribute `checksum` of dataset name (of 8-byte elements): the sum mod 2^64 of
  ChecksumTerm over all its entries, each rank contributing the entries [start, start + count) it wrote from buf;
  written after the data, so a dataset whose write was interrupted has none. ok says whether every rank succeeded.

  Collective
@*/
PetscErrorCode CurioH5WriteChecksum(MPI_Comm comm, hid_t file, const char name[], PetscInt64 start, PetscInt64 count, const void *buf, PetscBool *ok)
{
  uint64_t local = 0;

  PetscFunctionBegin;
  CurioH5ChecksumAdd(buf, start, count, &local);
  PetscCall(CurioH5WriteChecksumSum(comm, file, name, local, ok));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioH5WriteChecksumSum - CurioH5WriteChecksum() from each rank's sum of the terms of the entries it wrote
  (CurioH5ChecksumAdd()), for a dataset written in several pieces

  Collective
@*/
PetscErrorCode CurioH5WriteChecksumSum(MPI_Comm comm, hid_t file, const char name[], uint64_t local, PetscBool *ok)
{
  uint64_t   sum;
  PetscInt64 value;
  hid_t      d;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(&local, &sum, 1, MPI_UINT64_T, MPI_SUM, comm));
  memcpy(&value, &sum, sizeof(value));
  d = H5Dopen2(file, name, H5P_DEFAULT);
  PetscCall(CurioH5AllTrue(comm, (PetscBool) (d >= 0), ok));
  if (*ok) PetscCall(CurioH5WriteAttribute(comm, d, "checksum", CURIO_H5_INT, &value, ok));
  if (d >= 0) H5Dclose(d);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioH5VerifyChecksum - reads a dataset of 8-byte elements (a scalar or 1-D), the ranks sharing it in slices
  of at most 2^20 entries, and compares its checksum with its attribute `checksum`. *status: 0 it matches, 1 it has
  no checksum, 2 it is not a scalar or 1-D dataset of 8-byte numbers (or cannot be opened), 3 reading it failed, 4 it does not match.

  Collective
@*/
PetscErrorCode CurioH5VerifyChecksum(MPI_Comm comm, hid_t file, const char name[], int *status)
{
  const PetscInt64 chunk = 1 << 20;
  PetscMPIInt      rank, size;
  PetscInt64       stored = 0, n = 1, lo, hi, nchunks;
  PetscBool        found, ok     = PETSC_TRUE;
  hid_t            d, type       = -1, space, fspace, mspace, dxpl;
  int              info[2] = {0, 0}; /* opened with 8-byte elements, rank */
  uint64_t         local   = 0, sum, want;
  void            *buf;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  d = H5Dopen2(file, name, H5P_DEFAULT);
  if (d >= 0) {
    hsize_t     dims[H5S_MAX_RANK];
    H5T_class_t cls;
    type    = H5Dget_type(d);
    cls     = H5Tget_class(type);
    space   = H5Dget_space(d);
    info[1] = H5Sget_simple_extent_ndims(space);
    info[0] = H5Tget_size(type) == 8 && (cls == H5T_FLOAT || cls == H5T_INTEGER) && info[1] >= 0 && info[1] <= 1;
    if (info[0]) {
      H5Sget_simple_extent_dims(space, dims, NULL);
      for (int k = 0; k < info[1]; k++) n *= (PetscInt64) dims[k];
    }
    H5Sclose(space);
  }
  PetscCall(CurioH5AllTrue(comm, (PetscBool) (d >= 0 && info[0]), &ok));
  if (!ok) {
    if (type >= 0) H5Tclose(type);
    if (d >= 0) H5Dclose(d);
    *status = 2;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(CurioH5ReadAttribute(comm, d, "checksum", CURIO_H5_INT, &stored, 0, &found, NULL));
  if (!found) {
    H5Tclose(type);
    H5Dclose(d);
    *status = 1;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  /* every rank its slice, read in the same number of collective calls on every rank */
  lo      = n * rank / size;
  hi      = n * (rank + 1) / size;
  nchunks = (n / size + 1 + chunk - 1) / chunk;
  PetscCall(PetscMalloc(8 * (size_t) PetscMin(PetscMax(hi - lo, 1), chunk), &buf));
  dxpl = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
  for (PetscInt64 c = 0; c < nchunks; c++) {
    PetscInt64 s = PetscMin(lo + c * chunk, hi), cnt = PetscMin(chunk, hi - s);
    hsize_t    start = (hsize_t) s, count = (hsize_t) PetscMax(cnt, 1);
    herr_t     st;
    fspace = H5Dget_space(d);
    if (cnt <= 0) H5Sselect_none(fspace);
    else if (info[1] == 1) H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &count, NULL);
    mspace = info[1] == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &count, NULL);
    if (cnt <= 0) H5Sselect_none(mspace);
    st = H5Dread(d, H5Tget_class(type) == H5T_FLOAT ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64, mspace, fspace, dxpl, buf);
    H5Sclose(mspace);
    H5Sclose(fspace);
    if (st < 0) ok = PETSC_FALSE;
    else if (cnt > 0) CurioH5ChecksumAdd(buf, s, cnt, &local);
  }
  H5Pclose(dxpl);
  H5Tclose(type);
  H5Dclose(d);
  PetscCall(PetscFree(buf));
  PetscCall(CurioH5AllTrue(comm, ok, &ok));
  PetscCallMPI(MPI_Allreduce(&local, &sum, 1, MPI_UINT64_T, MPI_SUM, comm));
  memcpy(&want, &stored, sizeof(want));
  *status = !ok ? 3 : sum != want ? 4 : 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* provenance and identity */

/*@C
  CurioH5WriteProvenance - the root attributes every curio file carries: schema_version (CURIO_SCHEMA_VERSION),
  curio_version, created (ISO 8601 UTC, rank 0's clock), nranks, kind ("fit", "sgdf", "active", or a checkpoint's
  kind) and options (every option in the database, "-name value" per line); ok says whether every rank succeeded

  Collective
@*/
PetscErrorCode CurioH5WriteProvenance(MPI_Comm comm, hid_t file, const char kind[], PetscBool *ok)
{
  PetscMPIInt size;
  time_t      now = time(NULL);
  char        stamp[32], *opts;
  PetscInt64  version = CURIO_SCHEMA_VERSION, nranks;
  PetscBool   all     = PETSC_TRUE, one;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  nranks = size;
  PetscCallMPI(MPI_Bcast(&now, sizeof(now), MPI_BYTE, 0, comm));
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  PetscCall(PetscOptionsGetAll(NULL, &opts));
  for (char *c = opts; c && *c; c++)
    if (*c == ' ' && c[1] == '-' && !(c[2] >= '0' && c[2] <= '9') && c[2] != '.') *c = '\n';
  PetscCall(CurioH5WriteAttribute(comm, file, "schema_version", CURIO_H5_INT, &version, &one));
  all = (PetscBool) (all && one);
  PetscCall(CurioH5WriteAttribute(comm, file, "curio_version", CURIO_H5_STRING, CURIO_VERSION, &one));
  all = (PetscBool) (all && one);
  PetscCall(CurioH5WriteAttribute(comm, file, "created", CURIO_H5_STRING, stamp, &one));
  all = (PetscBool) (all && one);
  PetscCall(CurioH5WriteAttribute(comm, file, "nranks", CURIO_H5_INT, &nranks, &one));
  all = (PetscBool) (all && one);
  PetscCall(CurioH5WriteAttribute(comm, file, "kind", CURIO_H5_STRING, kind, &one));
  all = (PetscBool) (all && one);
  PetscCall(CurioH5WriteAttribute(comm, file, "options", CURIO_H5_STRING, opts ? opts : "", &one));
  all = (PetscBool) (all && one);
  PetscCall(PetscFree(opts));
  *ok = all;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Whether two values of a signature name the same file: both exist and have the same device and inode (a relative
   and an absolute spelling, or a link, of the same input) */
static PetscBool SameFile(const char a[], const char b[])
{
  struct stat sa, sb;
  return (PetscBool) (!stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

/* The separators of a signature's fields: "key=value;key=value" (the active loop's, whose values may hold spaces) or
   "key=value key=value" (SGDF's) */
static const char *SignatureSeparators(const char sig[])
{
  return strchr(sig, ';') ? ";" : " ";
}

/* The value of key in a signature split into fields (keys[i] = vals[i]; a field without '=' is a key with an empty
   value), or NULL if the key is not there */
static const char *SignatureValue(char *const keys[], char *const vals[], int n, const char key[])
{
  for (int i = 0; i < n; i++)
    if (!strcmp(keys[i], key)) return vals[i];
  return NULL;
}

/* Splits a copy of a signature into its fields (at most max) */
static int SignatureSplit(char *copy, char *keys[], char *vals[], int max)
{
  const char *sep  = SignatureSeparators(copy);
  char       *save = NULL, *t;
  int         n    = 0;

  for (t = strtok_r(copy, sep, &save); t && n < max; t = strtok_r(NULL, sep, &save)) {
    char *eq = strchr(t, '=');
    keys[n]  = t;
    vals[n]  = eq ? eq + 1 : t + strlen(t);
    if (eq) *eq = 0;
    n++;
  }
  return n;
}

/* The fields in which two signatures differ, as "the checkpoint's lr = 0.01, this run's 0.02; ..." (theirs: the
   file's, named by what; a field only one of them has is "none"); values that spell the same existing file agree.
   If the file lacks fields of this run's signature and the fields both have agree, only the missing ones are named
   ("data_fingerprint, ...") and *older is set: the file was written by a curio whose signatures had no such field.
   Empty if the signatures have no "key=value" fields. */
static PetscErrorCode SignatureMismatch(const char what[], const char mine[], const char theirs[], char msg[], size_t len, PetscBool *older)
{
  enum { MAXF = 256 };
  char  *a, *b, *ka[MAXF], *va[MAXF], *kb[MAXF], *vb[MAXF], whose[64];
  int    na, nb;
  size_t l;

  PetscFunctionBegin;
  msg[0] = 0;
  if (!strchr(mine, '=') || !strchr(theirs, '=')) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscSNPrintf(whose, sizeof(whose), "the %s's", what));
  whose[4] = (char) tolower((unsigned char) whose[4]); /* "the checkpoint's", "the restart file's" */
  PetscCall(PetscStrallocpy(mine, &a));
  PetscCall(PetscStrallocpy(theirs, &b));
  na = SignatureSplit(a, ka, va, MAXF);
  nb = SignatureSplit(b, kb, vb, MAXF);
  { /* older: the file lacks fields of this run's signature, and the fields both have agree */
    int nmissing = 0, nconflict = 0;
    for (int i = 0; i < na; i++) {
      const char *t = SignatureValue(kb, vb, nb, ka[i]);
      if (!t) nmissing++;
      else if (strcmp(t, va[i]) && !(va[i][0] && SameFile(va[i], t))) nconflict++;
    }
    *older = (PetscBool) (nmissing && !nconflict);
  }
  for (int i = 0; i < na + nb; i++) { /* older: the missing keys; else this run's fields in order, then the file's own */
    const char *key = i < na ? ka[i] : kb[i - na];
    const char *m = SignatureValue(ka, va, na, key), *t = SignatureValue(kb, vb, nb, key);
    if (i >= na && m) continue;
    if (*older && (i >= na || t)) continue;
    if (!*older && m && t && (!strcmp(m, t) || (m[0] && SameFile(m, t)))) continue;
    PetscCall(PetscStrlen(msg, &l));
    if (*older) PetscCall(PetscSNPrintf(msg + l, len - l, "%s%s", msg[0] ? ", " : "", key));
    else
      PetscCall(PetscSNPrintf(msg + l, len - l, "%s%s %s%s%s, this run's %s", msg[0] ? "; " : "", whose, key, t ? " = " : " ", t ? t : "is none",
                              m ? m : "none"));
  }
  PetscCall(PetscFree(a));
  PetscCall(PetscFree(b));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rank 0: whether two signatures agree token by token (tokens separated by ' ' or ';', "key=value" or a bare value),
   where a value that differs as a string still agrees if both spell the same existing file */
static PetscErrorCode SameSignature(const char mine[], const char theirs[], PetscBool *same)
{
  char *a, *b, *sa = NULL, *sb = NULL, *ta, *tb;

  PetscFunctionBegin;
  *same = PETSC_TRUE;
  PetscCall(PetscStrallocpy(mine, &a));
  PetscCall(PetscStrallocpy(theirs, &b));
  ta = strtok_r(a, " ;", &sa);
  tb = strtok_r(b, " ;", &sb);
  while (*same && (ta || tb)) {
    if (!ta || !tb) *same = PETSC_FALSE;
    else if (strcmp(ta, tb)) {
      char *va = strchr(ta, '='), *vb = strchr(tb, '=');
      if (!va != !vb) *same = PETSC_FALSE;
      else if (va && (va - ta != vb - tb || strncmp(ta, tb, (size_t) (va - ta)))) *same = PETSC_FALSE;
      else *same = SameFile(va ? va + 1 : ta, vb ? vb + 1 : tb);
    }
    ta = strtok_r(NULL, " ;", &sa);
    tb = strtok_r(NULL, " ;", &sb);
  }
  PetscCall(PetscFree(a));
  PetscCall(PetscFree(b));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioH5CheckIdentity - the check that a file to restart from (a checkpoint, or the active loop's earlier output)
  belongs to this run: its root attribute kind must equal kind, schema_version must be CURIO_SCHEMA_VERSION and
  signature must equal signature. On a mismatch msg (of size len) says, in one sentence that names the file, what the
  file holds and what was expected; it is empty if the file fits. The same on every rank; the caller closes the file
  and raises the error.

  Collective

  Input Parameters:
+ comm      - the ranks that read
. file      - the open file
. path      - its name, for the message
. what      - what it is, for the message ("Checkpoint", "Restart file")
. kind      - the expected kind
- signature - the expected signature
@*/
PetscErrorCode CurioH5CheckIdentity(MPI_Comm comm, hid_t file, const char path[], const char what[], const char kind[], const char signature[],
                                    char msg[], size_t len)
{
  char       held_kind[64], *held, key[8192];
  int        same    = 0; /* the signatures differ only in spellings of the same files */
  PetscInt64 version = 0;
  PetscBool  found, toolong;
  size_t     hlen;

  PetscFunctionBegin;
  msg[0] = 0;
  PetscCall(CurioH5ReadAttribute(comm, file, "kind", CURIO_H5_STRING, held_kind, sizeof(held_kind), &found, &toolong));
  if (!found) {
    PetscCall(
        PetscSNPrintf(msg, len, "%s '%s' has no root attribute 'kind' (expected '%s'): it is not a curio checkpoint or output", what, path, kind));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (toolong || strcmp(held_kind, kind)) {
    PetscCall(PetscSNPrintf(msg, len, "%s '%s' holds the state of a '%s' run, expected '%s' (root attribute 'kind')", what, path, held_kind, kind));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(CurioH5ReadAttribute(comm, file, "schema_version", CURIO_H5_INT, &version, 0, &found, NULL));
  if (!found) {
    PetscCall(PetscSNPrintf(msg, len, "%s '%s' has no root attribute 'schema_version': it is not a curio checkpoint or output", what, path));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (version != CURIO_SCHEMA_VERSION) {
    PetscCall(PetscSNPrintf(msg, len, "%s '%s' has schema_version %lld, but this curio (%s) reads schema_version %d", what, path, (long long) version,
                            CURIO_VERSION, CURIO_SCHEMA_VERSION));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscStrlen(signature, &hlen));
  hlen = PetscMax(hlen + 2, 4096);
  PetscCall(PetscMalloc1(hlen, &held));
  PetscCall(CurioH5ReadAttribute(comm, file, "signature", CURIO_H5_STRING, held, hlen, &found, &toolong));
  if (!found) PetscCall(PetscSNPrintf(msg, len, "%s '%s' has no root attribute 'signature': it is not a curio checkpoint or output", what, path));
  else if (!toolong && strcmp(held, signature)) { /* the same input spelled another way is the same problem */ PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    if (rank == 0) {
      PetscBool eq;
      PetscCall(SameSignature(signature, held, &eq));
      same = eq;
    }
    PetscCallMPI(MPI_Bcast(&same, 1, MPI_INT, 0, comm));
  }
  if (found && !same && (toolong || strcmp(held, signature))) {
    /* one line that names the fields that differ; both signatures in full only if they are not of key=value fields */
    PetscBool older = PETSC_FALSE;
    if (!toolong) PetscCall(SignatureMismatch(what, signature, held, key, sizeof(key), &older));
    else key[0] = 0;
    if (older)
      PetscCall(PetscSNPrintf(msg, len,
                              "%s '%s' does not record %s, which this run's signature holds: it was written by an older curio that identified "
                              "the problem otherwise. Finish that run with the curio that wrote the file, or start without -curio_restart",
                              what, path, key));
    else if (key[0])
      PetscCall(PetscSNPrintf(msg, len,
                              "%s '%s' belongs to a different problem: %s. Restart with the options and input the file was written with, or "
                              "start without -curio_restart",
                              what, path, key));
    else
      PetscCall(PetscSNPrintf(msg, len,
                              "%s '%s' belongs to a different problem: the file holds signature '%s%s', this run expects '%s'. Restart with the "
                              "options and input the file was written with, or start without -curio_restart",
                              what, path, held, toolong ? "..." : "", signature));
  }
  PetscCall(PetscFree(held));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* the atomic file */

/* The directory of a path ("." for a bare name) */
static void DirName(const char path[], char dir[], size_t len)
{
  const char *slash = strrchr(path, '/');

  if (!slash) snprintf(dir, len, ".");
  else if (slash == path) snprintf(dir, len, "/");
  else snprintf(dir, len, "%.*s", (int) (slash - path), path);
}

/* Rank 0: fsync of a file or directory; errno, or 0 (file systems that cannot sync a directory say EINVAL: fine) */
static int SyncPath(const char path[], PetscBool dir)
{
  int fd = open(path, O_RDONLY | (dir ? O_DIRECTORY : 0)), err = 0;

  if (fd < 0) return errno;
  if (fsync(fd) && !(dir && (errno == EINVAL || errno == EROFS))) err = errno;
  close(fd);
  return err;
}

/* The owner of a temporary file: a 64-bit FNV-1a hash of the owner's name (an output's file name, a checkpoint
   series' prefix), so that a restart can recognize the temporaries that an interrupted run of its own left */
static unsigned long long OwnerHash(const char owner[])
{
  unsigned long long h = 0xcbf29ce484222325ULL;

  for (const unsigned char *c = (const unsigned char *) owner; *c; c++) h = (h ^ *c) * 0x100000001b3ULL;
  return h;
}

/* The base name of a path */
static const char *BaseName(const char path[])
{
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/*@C
  CurioH5ResolveTarget - the file an atomic write of path replaces: path itself, or the file a symbolic link at path
  names (so that `latest.h5 -> run42.h5` stays a link and run42.h5 is written); refuses what is not a regular file (a
  device such as /dev/null, a FIFO, a socket: a rename would replace it, as root even /dev/null) and a link to a missing
  file. A directory or a missing path is returned as it is (the callers report those).

  Collective

  Input Parameters:
+ comm - the ranks that write
. path - the target as given
- what - what the file is, for the message ("output file")

  Output Parameter:
. resolved - the path to write (len bytes)
@*/
PetscErrorCode CurioH5ResolveTarget(MPI_Comm comm, const char path[], const char what[], char resolved[], size_t len)
{
  PetscMPIInt rank;
  int         err      = 0; /* 1: not a regular file, 2: a link to a missing file, 3: the resolved path is too long */
  char        kind[32] = "";

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    struct stat st;
    char        real[PATH_MAX];
    if (snprintf(resolved, len, "%s", path) >= (int) len) err = 3;
    if (!err && !lstat(path, &st)) {
      if (S_ISLNK(st.st_mode)) {
        if (!realpath(path, real) || stat(real, &st)) err = 2;
        else if (snprintf(resolved, len, "%s", real) >= (int) len) err = 3;
      }
      if (!err && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        err = 1;
        snprintf(kind, sizeof(kind), "%s",
                 S_ISCHR(st.st_mode)    ? "a character device"
                 : S_ISBLK(st.st_mode)  ? "a block device"
                 : S_ISFIFO(st.st_mode) ? "a FIFO"
                 : S_ISSOCK(st.st_mode) ? "a socket"
                                        : "not a regular file");
      }
    }
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(kind, sizeof(kind), MPI_CHAR, 0, comm));
  PetscCheck(err != 1, comm, PETSC_ERR_FILE_OPEN, "Cannot write %s '%s': it is %s, not a regular file; writing would replace it", what, path, kind);
  PetscCheck(err != 2, comm, PETSC_ERR_FILE_OPEN, "Cannot write %s '%s': it is a symbolic link to a missing file or directory", what, path);
  PetscCheck(err != 3, comm, PETSC_ERR_ARG_SIZ, "Cannot write %s '%s': the path is longer than %zu bytes", what, path, len - 1);
  PetscCallMPI(MPI_Bcast(resolved, (PetscMPIInt) len, MPI_CHAR, 0, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioH5TemporaryNameOwned - a name for a temporary file in the directory of path, short (so that it fits NAME_MAX
  whatever the length of the target's own name), hidden, and the same on every rank:
  `<dir>/.curio-<owner hash, 16 hex>-<pid>-<n>-<r>.tmp` with rank 0's pid, a counter and random bits (so that jobs on
  other hosts that share the directory do not collide); owner (NULL: the base name of path) is what
  CurioH5RemoveStaleTemporaries() recognizes

  Collective
@*/
PetscErrorCode CurioH5TemporaryNameOwned(MPI_Comm comm, const char path[], const char owner[], char tmp[], size_t len)
{
  static unsigned counter = 0;
  unsigned        id[3];
  PetscMPIInt     rank;
  char            dir[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    id[0] = (unsigned) getpid();
    id[1] = counter++;
    id[2] = (unsigned) (ts.tv_nsec ^ (ts.tv_sec << 20) ^ ((long) gethostid() << 8));
  }
  PetscCallMPI(MPI_Bcast(id, 3, MPI_UNSIGNED, 0, comm));
  DirName(path, dir, sizeof(dir));
  PetscCall(PetscSNPrintf(tmp, len, "%s/.curio-%016llx-%u-%u-%08x.tmp", dir, OwnerHash(owner ? owner : BaseName(path)), id[0], id[1], id[2]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioH5TemporaryName - CurioH5TemporaryNameOwned() with the target's base name as the owner

  Collective
@*/
PetscErrorCode CurioH5TemporaryName(MPI_Comm comm, const char path[], char tmp[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(CurioH5TemporaryNameOwned(comm, path, NULL, tmp, len));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Whether name is exactly `.curio-<16 hex: hash>-<digits>-<digits>-<8 hex>.tmp`, or that with `.locktest.<digits>` */
static PetscBool OwnedTemporary(const char name[], unsigned long long hash)
{
  static const char *const fields[] = {"x16", "d", "d", "x8"};
  unsigned long long       h        = 0;
  const char              *c        = name + 7;

  if (strncmp(name, ".curio-", 7)) return PETSC_FALSE;
  for (int f = 0; f < 4; f++) {
    size_t k = 0, want = fields[f][0] == 'x' ? (size_t) atoi(fields[f] + 1) : 0;
    for (; fields[f][0] == 'x' ? isxdigit((unsigned char) c[k]) && !isupper((unsigned char) c[k]) : isdigit((unsigned char) c[k]); k++)
      if (f == 0) h = 16 * h + (unsigned long long) (isdigit((unsigned char) c[k]) ? c[k] - '0' : c[k] - 'a' + 10);
    if (!k || (want && k != want) || k > 20) return PETSC_FALSE;
    c += k;
    if (f < 3 && *c++ != '-') return PETSC_FALSE;
  }
  if (h != hash || strncmp(c, ".tmp", 4)) return PETSC_FALSE;
  c += 4;
  if (!*c) return PETSC_TRUE;
  /* Open MPI's OMPIO (sharedfp lockedfile) creates `<file>.locktest.<rank>` beside the file while opening it, and a
     kill at that moment leaves it */
  if (strncmp(c, ".locktest.", 10) || !c[10]) return PETSC_FALSE;
  for (c += 10; *c; c++)
    if (!isdigit((unsigned char) *c)) return PETSC_FALSE;
  return PETSC_TRUE;
}

/* The liveness lock of a temporary file: an open-file-description lock (released by the kernel when its holder dies,
   kill -9 included, and not when the holder closes another descriptor of the file, as MPI-IO and HDF5 do) on one byte
   far beyond any HDF5 file's end, so that it never meets the byte-range locks MPI-IO takes on a network file system.
   The writer holds a read lock for as long as the temporary file exists; a run that wants to remove a stale temporary
   must get the write lock, which it cannot while the writer lives. Returns 0, or the errno of fcntl(): EAGAIN/EACCES
   when the other side holds the lock, anything else when the file system has no such locks. */
static int TemporaryLock(int fd, short type, PetscBool wait)
{
#if defined(F_OFD_SETLK)
  struct flock fl;
  memset(&fl, 0, sizeof(fl));
  fl.l_type   = type;
  fl.l_whence = SEEK_SET;
  fl.l_start  = (off_t) 1 << 62;
  fl.l_len    = 1;
  while (fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl))
    if (errno != EINTR) return errno;
  return 0;
#else
  (void) fd;
  (void) type;
  (void) wait;
  return ENOSYS;
#endif
}

/* Where the file system has no locks, a temporary file is taken for stale when it was last modified this long ago */
#define CURIO_TEMPORARY_STALE_SECONDS (24 * 3600)

/* Removes the temporary file dir/name if no live run holds its lock (TemporaryLock); 1 if it was removed */
static int RemoveIfStale(const char dir[], const char name[])
{
  struct stat st, sl;
  char        full[PETSC_MAX_PATH_LEN];
  int         fd, err, removed = 0;

  if (snprintf(full, sizeof(full), "%s/%s", dir, name) >= (int) sizeof(full)) return 0;
  if (lstat(full, &sl) || !S_ISREG(sl.st_mode)) return 0; /* never a link */
  if (strstr(name, ".locktest.")) {                       /* Open MPI's companion of a temporary file: stale when that file is gone */
    char base[PETSC_MAX_PATH_LEN];
    snprintf(base, sizeof(base), "%s", full);
    *strstr(base + strlen(dir), ".locktest.") = 0;
    return !lstat(base, &st) ? 0 : !unlink(full);
  }
  fd = open(full, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return 0;
  if (fstat(fd, &st) || st.st_dev != sl.st_dev || st.st_ino != sl.st_ino) {
    close(fd);
    return 0;
  }
  err = TemporaryLock(fd, F_WRLCK, PETSC_FALSE);
  /* unlinked while the write lock is held: a writer that created the file just now finds it gone when it gets its lock */
  if (!err || (err != EAGAIN && err != EACCES && time(NULL) - st.st_mtime > CURIO_TEMPORARY_STALE_SECONDS)) removed = !unlink(full);
  close(fd);
  if (removed) {
    char sem[PETSC_MAX_PATH_LEN];
    /* Open MPI's OMPIO names a POSIX semaphore after the file (its shared file pointer); a killed run leaves it in
       /dev/shm of this node, where rank 0 ran */
    if (snprintf(sem, sizeof(sem), "/dev/shm/sem.OMPIO_%s", name) < (int) sizeof(sem)) (void) unlink(sem);
  }
  return removed;
}

/*@C
  CurioH5RemoveStaleTemporaries - removes, from the directory of path, the temporary files of atomic writes that the
  given owner (NULL: the base name of path; CurioH5TemporaryNameOwned()) left behind when its run was killed: only
  regular files (never a link) whose name has exactly the h5 layer's form and the owner's hash, and only those that no
  live run is writing: a writer holds a lock on its temporary file for as long as it exists (TemporaryLock), which
  the kernel releases when the writer dies; where the file system has no locks, only a temporary file unmodified for
  a day is taken for stale. Nothing else in the directory is touched.

  Collective

  Output Parameter:
. removed - how many files were removed (on every rank)
@*/
PetscErrorCode CurioH5RemoveStaleTemporaries(MPI_Comm comm, const char path[], const char owner[], PetscInt *removed)
{
  PetscMPIInt rank;
  int         count = 0;
  char        target[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (owner) PetscCall(PetscStrncpy(target, path, sizeof(target)));                        /* a checkpoint prefix: a name's start, not a file */
  else PetscCall(CurioH5ResolveTarget(comm, path, "output file", target, sizeof(target))); /* where the writes went */
  if (rank == 0) {
    char               dir[PETSC_MAX_PATH_LEN];
    unsigned long long hash = OwnerHash(owner ? owner : BaseName(target));
    DIR               *d;
    struct dirent     *e;
    DirName(target, dir, sizeof(dir));
    d = opendir(dir);
    for (int pass = 0; d && pass < 2; pass++) { /* the temporary files first, then the companions of those now gone */
      rewinddir(d);
      while ((e = readdir(d)))
        if (OwnedTemporary(e->d_name, hash) && (strstr(e->d_name, ".locktest.") != NULL) == pass) count += RemoveIfStale(dir, e->d_name);
    }
    if (d) closedir(d);
  }
  PetscCallMPI(MPI_Bcast(&count, 1, MPI_INT, 0, comm));
  *removed = count;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Ends the liveness lock of a write whose temporary file is gone (renamed or removed) */
static void ReleaseLock(CurioH5Atomic *a)
{
  if (a->lockfd >= 0) close(a->lockfd);
  a->lockfd = -1;
}

/*@C
  CurioH5AtomicCreate - creates the temporary file of an atomic write of path (collectively, for parallel HDF5);
  ok says whether every rank has it open (if not, nothing is left on disk and the caller raises the error)

  Collective
@*/
PetscErrorCode CurioH5AtomicCreate(MPI_Comm comm, const char path[], CurioH5Atomic *a, PetscBool *ok)
{
  PetscFunctionBegin;
  PetscCall(CurioH5AtomicCreateOwned(comm, path, NULL, a, ok));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioH5AtomicCreateOwned - CurioH5AtomicCreate() with a temporary file of the given owner (a checkpoint series names
  its prefix, so that a restart finds the temporaries of all its steps; CurioH5RemoveStaleTemporaries())

  Collective
@*/
PetscErrorCode CurioH5AtomicCreateOwned(MPI_Comm comm, const char path[], const char owner[], CurioH5Atomic *a, PetscBool *ok)
{
  hid_t       fapl;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(a, sizeof(*a)));
  a->comm   = comm;
  a->file   = -1;
  a->lockfd = -1;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(CurioH5ResolveTarget(comm, path, "output file", a->path, sizeof(a->path)));
  /* rank 0 creates the file (exclusively: it is this write's own) and locks it before any rank writes to it; a stale
     temporaries' sweep of another run that got in between has removed it, and then a new name is tried */
  for (int attempt = 0, state = 2; state == 2 && attempt < 3; attempt++) {
    PetscCall(CurioH5TemporaryNameOwned(comm, a->path, owner, a->tmp, sizeof(a->tmp)));
    if (rank == 0) {
      struct stat st;
      a->lockfd = open(a->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      state     = a->lockfd >= 0;
      if (state && !TemporaryLock(a->lockfd, F_RDLCK, PETSC_TRUE) && !fstat(a->lockfd, &st) && st.st_nlink == 0) {
        close(a->lockfd);
        a->lockfd = -1;
        state     = 2;
      }
    }
    PetscCallMPI(MPI_Bcast(&state, 1, MPI_INT, 0, comm));
    if (state == 2 && attempt == 2) state = 0;
    if (!state) {
      *ok = PETSC_FALSE;
      PetscFunctionReturn(PETSC_SUCCESS);
    }
  }
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* failures are reported by curio, naming the file */
  PetscCall(CurioH5FileAccessCollective(comm, &fapl));
  a->file = H5Fcreate(a->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  PetscCall(CurioH5AllTrue(comm, (PetscBool) (a->file >= 0), ok));
  if (!*ok) {
    if (a->file >= 0) H5Fclose(a->file);
    a->file = -1;
    PetscCallMPI(MPI_Barrier(comm));
    if (rank == 0) remove(a->tmp);
    ReleaseLock(a);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Closing an HDF5 file flushes its metadata and sets its size; after a failed write (a full disk) that fails again,
   and HDF5 1.10 then keeps a half-closed file that it closes a second time at MPI_Finalize, which crashes. The
   temporary file is to be removed anyway, so before closing it, its MPI-IO handle is replaced (collectively: all ranks
   abandon a write together) by one on a scratch file elsewhere (/dev/shm, else $TMPDIR or /tmp) that is deleted when
   HDF5 closes it: the closing writes land there and succeed. If the scratch file cannot be opened nothing changes. */
static PetscErrorCode SwapToScratch(CurioH5Atomic *a)
{
  MPI_File   *fh = NULL, scratch;
  char        name[PETSC_MAX_PATH_LEN], base[PETSC_MAX_PATH_LEN];
  const char *tmpdir = getenv("TMPDIR");
  struct stat st;
  int         shm;

  PetscFunctionBegin;
  if (H5Fget_vfd_handle(a->file, H5P_DEFAULT, (void **) &fh) < 0 || !fh || *fh == MPI_FILE_NULL) fh = NULL;
  shm = !stat("/dev/shm", &st) && S_ISDIR(st.st_mode) && !access("/dev/shm", W_OK);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &shm, 1, MPI_INT, MPI_LAND, a->comm));
  PetscCall(PetscSNPrintf(base, sizeof(base), "%s/x", shm ? "/dev/shm" : tmpdir && tmpdir[0] ? tmpdir : "/tmp"));
  PetscCall(CurioH5TemporaryName(a->comm, base, name, sizeof(name)));
  if (MPI_File_open(a->comm, name, MPI_MODE_CREATE | MPI_MODE_RDWR | MPI_MODE_DELETE_ON_CLOSE, MPI_INFO_NULL, &scratch) == MPI_SUCCESS) {
    int ok = fh != NULL, all;
    PetscCallMPI(MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, a->comm));
    if (all) {
      MPI_File_close(fh);
      *fh = scratch;
    } else MPI_File_close(&scratch);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioH5AtomicAbort - abandons an atomic write: closes the temporary file and removes it; the target is untouched.
  Never raises an error of its own (it runs on error paths).

  Collective
@*/
PetscErrorCode CurioH5AtomicAbort(CurioH5Atomic *a)
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  while (a->strings) {
    CurioH5Strings *next = a->strings->next;
    PetscCall(PetscFree(a->strings->strs));
    PetscCall(PetscFree(a->strings));
    a->strings = next;
  }
  if (a->file < 0) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(SwapToScratch(a));
  H5Fclose(a->file);
  a->file = -1;
  MPI_Barrier(a->comm);
  MPI_Comm_rank(a->comm, &rank);
  if (rank == 0) remove(a->tmp);
  ReleaseLock(a);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioH5AtomicCommit - ends an atomic write: flushes the file (MPI_File_sync on every rank), closes it, fsyncs it,
  renames it over the target and fsyncs the directory. Any failure, on any rank, at any step is raised on every rank
  with one message naming the step; the temporary file is then removed and the previous target is unchanged.

  Collective

  Input Parameters:
+ a    - the write begun with CurioH5AtomicCreate()
- what - what the file is, for the message ("output file", "checkpoint")
@*/
PetscErrorCode CurioH5AtomicCommit(CurioH5Atomic *a, const char what[])
{
  PetscMPIInt rank;
  PetscBool   ok, strings = PETSC_TRUE;
  herr_t      flushed, closed;
  size_t      mdc;
  int         err[2] = {0, 0}; /* the step that failed (1 close, 2 fsync, 3 rename, 4 fsync of the directory), errno */
  char        dir[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCheck(a->file >= 0, a->comm, PETSC_ERR_ORDER, "CurioH5AtomicCommit without CurioH5AtomicCreate");
  PetscCallMPI(MPI_Comm_rank(a->comm, &rank));
  /* Parallel HDF5 cannot recover from a metadata flush that fails (a full disk): the ranks leave it at different
     points, and the file can then be neither flushed nor closed. So the space the file needs is reserved first (its
     current size, the metadata cache's and a margin, released again when HDF5 sets the file's size on closing); if there is no room, the write is
     abandoned while HDF5 can still close it. */
  if (H5Fget_mdc_size(a->file, NULL, NULL, &mdc, NULL) < 0) mdc = 0;
  if (rank == 0) {
    int         fd = open(a->tmp, O_WRONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) err[1] = errno;
    else {
      /* fallocate(2), not posix_fallocate(3): where the file system cannot reserve space, glibc would emulate it by
         touching every block of the file, slow for a large output on a network file system; there, nothing is done */
      if (fallocate(fd, 0, 0, st.st_size + (off_t) mdc + (1 << 16)) && errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL) err[1] = errno;
    }
    if (fd >= 0) close(fd);
  }
  PetscCallMPI(MPI_Bcast(&err[1], 1, MPI_INT, 0, a->comm));
  if (err[1]) {
    PetscCall(CurioH5AtomicAbort(a));
    SETERRQ(a->comm, PETSC_ERR_FILE_WRITE,
            "Writing %s '%s' failed: no room to complete it: %s; the temporary file was removed and any previous '%s' is unchanged", what, a->path,
            strerror(err[1]), a->path);
  }
  flushed = H5Fflush(a->file, H5F_SCOPE_GLOBAL);
  PetscCall(CurioH5AllTrue(a->comm, (PetscBool) (flushed >= 0), &ok));
  if (!ok) {
    PetscCall(CurioH5AtomicAbort(a));
    SETERRQ(a->comm, PETSC_ERR_FILE_WRITE,
            "Writing %s '%s' failed when flushing it (disk full or quota exceeded?); the temporary file was removed and any previous '%s' is "
            "unchanged",
            what, a->path, a->path);
  }
  closed  = H5Fclose(a->file);
  a->file = -1;
  PetscCall(CurioH5AllTrue(a->comm, (PetscBool) (closed >= 0), &ok));
  if (ok) PetscCall(AtomicWriteStrings(a, rank, &strings));
  DirName(a->path, dir, sizeof(dir));
  if (rank == 0) {
    if (!ok || !strings) err[0] = 1;
    else if ((err[1] = SyncPath(a->tmp, PETSC_FALSE))) err[0] = 2;
    else if (rename(a->tmp, a->path)) {
      err[0] = 3;
      err[1] = errno;
    } else if ((err[1] = SyncPath(dir, PETSC_TRUE))) err[0] = 4;
    if (err[0] && err[0] < 4) remove(a->tmp);
    ReleaseLock(a);
  }
  PetscCallMPI(MPI_Bcast(err, 2, MPI_INT, 0, a->comm));
  PetscCheck(err[0] != 1, a->comm, PETSC_ERR_FILE_WRITE,
             "Writing %s '%s' failed when closing it (disk full or quota exceeded?); the temporary file was removed and any previous '%s' is "
             "unchanged",
             what, a->path, a->path);
  PetscCheck(err[0] != 2, a->comm, PETSC_ERR_FILE_WRITE,
             "Writing %s '%s' failed: fsync of the temporary file '%s': %s; it was removed and any previous '%s' is unchanged", what, a->path, a->tmp,
             strerror(err[1]), a->path);
  PetscCheck(err[0] != 3, a->comm, PETSC_ERR_FILE_WRITE,
             "Cannot move the temporary file '%s' to %s '%s': %s; it was removed and any previous '%s' is unchanged", a->tmp, what, a->path,
             strerror(err[1]), a->path);
  PetscCheck(err[0] != 4, a->comm, PETSC_ERR_FILE_WRITE, "%s '%s' was written, but fsync of its directory '%s' failed: %s", what, a->path, dir,
             strerror(err[1]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

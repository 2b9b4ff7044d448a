/* CurioOutput: one HDF5 file, written collectively by all ranks with parallel HDF5. The file is created under a
   temporary name and renamed into place only after a successful close, so an existing output is never half-replaced. */
#include "../curioimpl.h"
#include <hdf5_hl.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>

struct _n_CurioOutput {
  MPI_Comm comm;
  hid_t    file, lcpl, dxpl;
  char     path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 32];
};

/* Runs on rank 0 and shares errno, so that every rank raises the same error */
static PetscErrorCode ShareErrno(MPI_Comm comm, int *err)
{
  PetscFunctionBegin;
  PetscCallMPI(MPI_Bcast(err, 1, MPI_INT, 0, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputCheckWritable - fails early, before any work, if the output path cannot be written (missing directory, no
  permission, a directory in the way); nothing at the path is touched
@*/
PetscErrorCode CurioOutputCheckWritable(MPI_Comm comm, const char path[])
{
  PetscMPIInt rank;
  int         err = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    char        probe[PETSC_MAX_PATH_LEN + 32];
    struct stat st;
    FILE       *f;
    if (!stat(path, &st) && S_ISDIR(st.st_mode)) err = EISDIR;
    else {
      PetscCall(PetscSNPrintf(probe, sizeof(probe), "%s.tmp-%d", path, (int) getpid()));
      f = fopen(probe, "w");
      if (!f) err = errno;
      else {
        fclose(f);
        remove(probe);
      }
    }
  }
  PetscCall(ShareErrno(comm, &err));
  PetscCheck(!err, comm, PETSC_ERR_FILE_OPEN, "Cannot write output file '%s' (-curio_output): %s", path, strerror(err));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CurioOutputOpen(MPI_Comm comm, const char path[], CurioOutput *outp)
{
  CurioOutput out;
  PetscMPIInt rank;
  int         pid;
  hid_t       fapl;

  PetscFunctionBegin;
  PetscCall(PetscNew(&out));
  out->comm = comm;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  pid = (int) getpid();
  PetscCallMPI(MPI_Bcast(&pid, 1, MPI_INT, 0, comm));
  PetscCall(PetscStrncpy(out->path, path, sizeof(out->path)));
  PetscCall(PetscSNPrintf(out->tmp, sizeof(out->tmp), "%s.tmp-%d", path, pid));
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscCall(CurioH5FileAccessCollective(comm, &fapl));
  out->file = H5Fcreate(out->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  PetscCheck(out->file >= 0, comm, PETSC_ERR_FILE_OPEN, "Cannot create output file '%s' (temporary '%s')", path, out->tmp);
  out->lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(out->lcpl, 1);
  out->dxpl = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(out->dxpl, H5FD_MPIO_COLLECTIVE);
  *outp = out;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputClose - closes the file; with commit, renames it into place, otherwise removes it
@*/
PetscErrorCode CurioOutputClose(CurioOutput *outp, PetscBool commit)
{
  CurioOutput out = *outp;
  PetscMPIInt rank;
  int         err = 0;
  herr_t      status;

  PetscFunctionBegin;
  if (!out) PetscFunctionReturn(PETSC_SUCCESS);
  H5Pclose(out->lcpl);
  H5Pclose(out->dxpl);
  status = H5Fclose(out->file);
  PetscCallMPI(MPI_Barrier(out->comm));
  PetscCallMPI(MPI_Comm_rank(out->comm, &rank));
  if (rank == 0) {
    if (commit && status >= 0) {
      if (rename(out->tmp, out->path)) err = errno;
    } else remove(out->tmp);
  }
  PetscCall(ShareErrno(out->comm, &err));
  PetscCheck(status >= 0 || !commit, out->comm, PETSC_ERR_FILE_WRITE, "Writing output file '%s' failed when closing it", out->path);
  PetscCheck(!err, out->comm, PETSC_ERR_FILE_WRITE, "Cannot move '%s' to output file '%s': %s", out->tmp, out->path, strerror(err));
  PetscCall(PetscFree(*outp));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode AttachScale(CurioOutput out, hid_t dset, const char scale[])
{
  hid_t sc;

  PetscFunctionBegin;
  if (!scale) PetscFunctionReturn(PETSC_SUCCESS);
  sc = H5Dopen2(out->file, scale, H5P_DEFAULT);
  PetscCheck(sc >= 0, out->comm, PETSC_ERR_PLIB, "Dimension scale '%s' must be written before the datasets that use it", scale);
  if (H5DSis_scale(sc) <= 0) H5DSset_scale(sc, NULL);
  PetscCheck(H5DSattach_scale(dset, sc, 0) >= 0, out->comm, PETSC_ERR_LIB, "Cannot attach dimension scale '%s' in '%s'", scale, out->path);
  H5Dclose(sc);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Creates a dataset of rank 1 (n) or 2 (n, ncols) and writes rows [rstart, rstart+nlocal) from this rank */
static PetscErrorCode WriteBlock(CurioOutput out, const char name[], hid_t type, hid_t memtype, PetscInt n, PetscInt ncols, PetscInt rstart,
                                 PetscInt nlocal, const void *buf, const char scale[])
{
  int     rank    = ncols > 0 ? 2 : 1;
  hsize_t dims[2] = {(hsize_t) n, (hsize_t) PetscMax(ncols, 1)}, start[2] = {(hsize_t) rstart, 0}, count[2] = {(hsize_t) nlocal, dims[1]};
  hid_t   fspace, mspace, dset;
  herr_t  status;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CURIO_EVENT_Write, 0, 0, 0, 0));
  fspace = H5Screate_simple(rank, dims, NULL);
  dset   = H5Dcreate2(out->file, name, type, fspace, out->lcpl, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(dset >= 0, out->comm, PETSC_ERR_FILE_WRITE, "Cannot create dataset '%s' in '%s'", name, out->path);
  if (nlocal > 0) H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
  else H5Sselect_none(fspace);
  mspace = H5Screate_simple(rank, count, NULL);
  if (nlocal == 0) H5Sselect_none(mspace);
  status = H5Dwrite(dset, memtype, mspace, fspace, out->dxpl, buf);
  PetscCheck(status >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write dataset '%s' in '%s'", name, out->path);
  PetscCall(AttachScale(out, dset, scale));
  H5Sclose(mspace);
  H5Sclose(fspace);
  H5Dclose(dset);
  PetscCall(PetscLogEventEnd(CURIO_EVENT_Write, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputWriteRowsLocal - a dataset of n rows (ncols = 0: shape (n); otherwise (n, ncols)) of which this rank writes
  rows [rstart, rstart+nlocal) from a row-major buffer; scale names a dimension scale for axis 0, or NULL
@*/
PetscErrorCode CurioOutputWriteRowsLocal(CurioOutput out, const char name[], PetscInt n, PetscInt ncols, PetscInt rstart, PetscInt nlocal,
                                         const PetscReal buf[], const char scale[])
{
  PetscFunctionBegin;
  PetscCall(WriteBlock(out, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, ncols, rstart, nlocal, buf, scale));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputWriteVec - a distributed Vec as a 1-D dataset, each rank writing the entries it owns
@*/
PetscErrorCode CurioOutputWriteVec(CurioOutput out, const char name[], Vec v, const char scale[])
{
  const PetscScalar *a;
  PetscInt           N, lo, hi;

  PetscFunctionBegin;
  PetscCall(VecGetSize(v, &N));
  PetscCall(VecGetOwnershipRange(v, &lo, &hi));
  PetscCall(VecGetArrayRead(v, &a));
  PetscCall(CurioOutputWriteRowsLocal(out, name, N, 0, lo, hi - lo, a, scale));
  PetscCall(VecRestoreArrayRead(v, &a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputWriteArray - a replicated array as a 1-D dataset (rank 0 writes it)
@*/
PetscErrorCode CurioOutputWriteArray(CurioOutput out, const char name[], PetscInt n, const PetscReal a[], const char scale[])
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(out->comm, &rank));
  PetscCall(CurioOutputWriteRowsLocal(out, name, n, 0, 0, rank ? 0 : n, a, scale));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputWriteIndex - the integer axis 0..n-1 (this rank writes [rstart, rstart+nlocal)) as a dimension scale
@*/
PetscErrorCode CurioOutputWriteIndex(CurioOutput out, const char name[], PetscInt n, PetscInt rstart, PetscInt nlocal)
{
  int64_t *idx;
  hid_t    dset;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(PetscMax(1, nlocal), &idx));
  for (PetscInt i = 0; i < nlocal; i++) idx[i] = rstart + i;
  PetscCall(WriteBlock(out, name, H5T_STD_I64LE, H5T_NATIVE_INT64, n, 0, rstart, nlocal, idx, NULL));
  PetscCall(PetscFree(idx));
  dset = H5Dopen2(out->file, name, H5P_DEFAULT);
  H5DSset_scale(dset, NULL);
  H5Dclose(dset);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputWriteIntArray - a replicated integer array of shape (n) or (n, ncols) (ncols > 0), written by rank 0
@*/
PetscErrorCode CurioOutputWriteIntArray(CurioOutput out, const char name[], PetscInt n, PetscInt ncols, const PetscInt a[])
{
  PetscMPIInt rank;
  int64_t    *buf;
  PetscInt    len = n * PetscMax(ncols, 1);

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(out->comm, &rank));
  PetscCall(PetscMalloc1(PetscMax(len, 1), &buf));
  for (PetscInt i = 0; i < len; i++) buf[i] = a[i];
  PetscCall(WriteBlock(out, name, H5T_STD_I64LE, H5T_NATIVE_INT64, n, ncols, 0, rank ? 0 : n, buf, NULL));
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CurioOutputWriteScalar(CurioOutput out, const char name[], PetscReal value)
{
  hid_t       space, dset;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(out->comm, &rank));
  space = H5Screate(H5S_SCALAR);
  dset  = H5Dcreate2(out->file, name, H5T_IEEE_F64LE, space, out->lcpl, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(dset >= 0, out->comm, PETSC_ERR_FILE_WRITE, "Cannot create dataset '%s' in '%s'", name, out->path);
  if (rank) H5Sselect_none(space);
  PetscCheck(H5Dwrite(dset, H5T_NATIVE_DOUBLE, space, space, out->dxpl, &value) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write '%s'",
             name);
  H5Dclose(dset);
  H5Sclose(space);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Opens an object for attributes, creating the group if it does not exist yet */
static PetscErrorCode OpenObject(CurioOutput out, const char obj[], hid_t *id)
{
  PetscBool exists;

  PetscFunctionBegin;
  PetscCall(PetscStrcmp(obj, "/", &exists));
  if (!exists) PetscCall(CurioH5Exists(out->file, obj, &exists));
  if (!exists) H5Gclose(H5Gcreate2(out->file, obj, out->lcpl, H5P_DEFAULT, H5P_DEFAULT));
  *id = H5Oopen(out->file, obj, H5P_DEFAULT);
  PetscCheck(*id >= 0, out->comm, PETSC_ERR_FILE_WRITE, "Cannot open '%s' in '%s'", obj, out->path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteAttribute(CurioOutput out, const char obj[], const char name[], hid_t type, hid_t memtype, const void *value)
{
  hid_t id = -1, space, attr;

  PetscFunctionBegin;
  PetscCall(OpenObject(out, obj, &id));
  space = H5Screate(H5S_SCALAR);
  if (H5Aexists(id, name) > 0) H5Adelete(id, name);
  attr = H5Acreate2(id, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(attr >= 0 && H5Awrite(attr, memtype, value) >= 0, out->comm, PETSC_ERR_FILE_WRITE, "Cannot write attribute '%s' of '%s'", name, obj);
  H5Aclose(attr);
  H5Sclose(space);
  H5Oclose(id);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CurioOutputSetAttributeString(CurioOutput out, const char obj[], const char name[], const char value[])
{
  hid_t type = H5Tcopy(H5T_C_S1);

  PetscFunctionBegin;
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  PetscCall(WriteAttribute(out, obj, name, type, type, &value));
  H5Tclose(type);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CurioOutputSetAttributeReal(CurioOutput out, const char obj[], const char name[], PetscReal value)
{
  PetscFunctionBegin;
  PetscCall(WriteAttribute(out, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CurioOutputSetAttributeInt(CurioOutput out, const char obj[], const char name[], PetscInt value)
{
  int64_t v = value;

  PetscFunctionBegin;
  PetscCall(WriteAttribute(out, obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputCreateArray - an empty 1-D dataset of n float64 (or int64) entries, filled later slab by slab with
  CurioOutputWriteSlab()/CurioOutputWriteIntSlab() (a streamed candidate pool); scale as in CurioOutputWriteVec()
@*/
PetscErrorCode CurioOutputCreateArray(CurioOutput out, const char name[], PetscInt n, PetscBool integer, const char scale[])
{
  hsize_t dims[1] = {(hsize_t) n};
  hid_t   space, dset;

  PetscFunctionBegin;
  space = H5Screate_simple(1, dims, NULL);
  dset  = H5Dcreate2(out->file, name, integer ? H5T_STD_I64LE : H5T_IEEE_F64LE, space, out->lcpl, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(dset >= 0, out->comm, PETSC_ERR_FILE_WRITE, "Cannot create dataset '%s' in '%s'", name, out->path);
  PetscCall(AttachScale(out, dset, scale));
  H5Dclose(dset);
  H5Sclose(space);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteSlab(CurioOutput out, const char name[], hid_t memtype, PetscInt start, PetscInt count, const void *buf)
{
  hsize_t st[1] = {(hsize_t) start}, cnt[1] = {(hsize_t) count};
  hid_t   dset, fspace, mspace;
  herr_t  status;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CURIO_EVENT_Write, 0, 0, 0, 0));
  dset   = H5Dopen2(out->file, name, H5P_DEFAULT);
  fspace = H5Dget_space(dset);
  if (count > 0) H5Sselect_hyperslab(fspace, H5S_SELECT_SET, st, NULL, cnt, NULL);
  else H5Sselect_none(fspace);
  mspace = H5Screate_simple(1, cnt, NULL);
  if (count == 0) H5Sselect_none(mspace);
  status = H5Dwrite(dset, memtype, mspace, fspace, out->dxpl, buf);
  PetscCheck(status >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write entries [%" PetscInt_FMT ", %" PetscInt_FMT ") of '%s' in '%s'", start,
             start + count, name, out->path);
  H5Sclose(mspace);
  H5Sclose(fspace);
  H5Dclose(dset);
  PetscCall(PetscLogEventEnd(CURIO_EVENT_Write, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Entries [start, start + count) of a dataset made by CurioOutputCreateArray(), from this rank (collective) */
PetscErrorCode CurioOutputWriteSlab(CurioOutput out, const char name[], PetscInt start, PetscInt count, const PetscReal buf[])
{
  PetscFunctionBegin;
  PetscCall(WriteSlab(out, name, H5T_NATIVE_DOUBLE, start, count, buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CurioOutputWriteIntSlab(CurioOutput out, const char name[], PetscInt start, PetscInt count, const PetscInt buf[])
{
  int64_t *b;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(PetscMax(count, 1), &b));
  for (PetscInt i = 0; i < count; i++) b[i] = buf[i];
  PetscCall(WriteSlab(out, name, H5T_NATIVE_INT64, start, count, b));
  PetscCall(PetscFree(b));
  PetscFunctionReturn(PETSC_SUCCESS);
}

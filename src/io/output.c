/* CurioOutput: one HDF5 file, written collectively by all ranks with parallel HDF5 through the io layer (h5.c). The
   file is an atomic write (CurioH5AtomicCreate/Commit): a short temporary name in the target's directory, renamed over
   the target only after it was flushed, closed and fsync'ed, and the directory fsync'ed after the rename, so an
   existing output is never half-replaced, even by a crash. Every failure is agreed by all ranks and raised on the
   output's communicator with one message; CurioOutputClose(&out, PETSC_FALSE) then removes the temporary file. */
#include "ioimpl.h"
#include <hdf5_hl.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>

struct _n_CurioOutput {
  MPI_Comm      comm;
  CurioH5Atomic atomic;
  hid_t         file;
  char          path[PETSC_MAX_PATH_LEN];
};

/* The options that name files a run reads: an output must not be one of them. dataset: the value is FILE.h5[:DATASET];
   keywords: values of the option that are not files */
static const struct {
  const char *name;
  PetscBool   dataset;
  const char *keywords[2];
} InputOptions[] = {
    {"-curio_input", PETSC_FALSE, {NULL, NULL}},         {"-curio_candidates", PETSC_FALSE, {NULL, NULL}},
    {"-curio_test", PETSC_FALSE, {NULL, NULL}},          {"-curio_theta0", PETSC_TRUE, {NULL, NULL}},
    {"-curio_theta_init", PETSC_TRUE, {NULL, NULL}},     {"-curio_sgdf_theta", PETSC_TRUE, {NULL, NULL}},
    {"-curio_sgdf_reference", PETSC_TRUE, {NULL, NULL}}, {"-curio_sgdf_tangent_init", PETSC_TRUE, {"zero", "random"}},
    {"-options_file", PETSC_FALSE, {NULL, NULL}},        {"-options_file_yaml", PETSC_FALSE, {NULL, NULL}},
};
#define NINPUT ((int) (sizeof(InputOptions) / sizeof(InputOptions[0])))

/* A file that one of PETSc's viewers writes at the end of the run or during it: the value of any option in the
   viewer form TYPE:FILE[:FORMAT[:MODE]] with a type that writes a file (-log_view :log.txt, -log_view
   ascii:log.txt:ascii_info_detail, -curio_ksp_view binary:k.bin) */
typedef struct {
  char option[128], value[PETSC_MAX_PATH_LEN], file[PETSC_MAX_PATH_LEN];
} ViewerFile;
#define NVIEWER 16

static PetscErrorCode GetViewerFiles(ViewerFile v[], int *n)
{
  static const char *const types[] = {"", "ascii", "binary", "hdf5", "vtk", "matlab", "glvis", "exodusii", "cgns", "adios"};
  char                    *all, *save = NULL, *name = NULL;

  PetscFunctionBegin;
  *n = 0;
  PetscCall(PetscOptionsGetAll(NULL, &all)); /* " -name value -name -name value ...", the same on every rank */
  for (char *tok = strtok_r(all, " ", &save); tok && *n < NVIEWER; tok = strtok_r(NULL, " ", &save)) {
    char     *colon  = strchr(tok, ':'), *end;
    PetscBool viewer = PETSC_FALSE, input = PETSC_FALSE;
    if (tok[0] == '-' && isalpha((unsigned char) tok[1])) {
      name = tok;
      continue;
    }
    if (!name || !colon) continue;
    for (int k = 0; k < NINPUT; k++)
      if (!strcmp(name, InputOptions[k].name)) input = PETSC_TRUE; /* FILE.h5:DATASET, a file read */
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]) && !input; t++)
      if ((size_t) (colon - tok) == strlen(types[t]) && !strncmp(tok, types[t], strlen(types[t]))) viewer = PETSC_TRUE;
    if (viewer && colon[1] && colon[1] != ':') {
      PetscCall(PetscStrncpy(v[*n].option, name, sizeof(v[*n].option)));
      PetscCall(PetscStrncpy(v[*n].value, tok, sizeof(v[*n].value)));
      PetscCall(PetscStrncpy(v[*n].file, colon + 1, sizeof(v[*n].file)));
      if ((end = strchr(v[*n].file, ':'))) *end = 0;
      (*n)++;
    }
    name = NULL;
  }
  PetscCall(PetscFree(all));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The directory of a path made absolute and free of links, with the path's last component: the name a file that does
   not exist yet will have */
static PetscBool CanonicalName(const char path[], char out[], size_t len)
{
  char        dir[PETSC_MAX_PATH_LEN], real[PATH_MAX];
  const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;

  if (!slash) snprintf(dir, sizeof(dir), ".");
  else if (slash == path) snprintf(dir, sizeof(dir), "/");
  else snprintf(dir, sizeof(dir), "%.*s", (int) (slash - path), path);
  return (PetscBool) (realpath(dir, real) && snprintf(out, len, "%s/%s", real, base) < (int) len);
}

/* Whether two paths name one file: by identity (device and inode) if both exist, by their canonical names if neither
   does (a file that is yet to be written) */
static PetscBool SameFile(const char a[], const char b[])
{
  struct stat sa, sb;
  int         ea = stat(a, &sa), eb = stat(b, &sb);
  char        ca[PETSC_MAX_PATH_LEN], cb[PETSC_MAX_PATH_LEN];

  if (!ea && !eb) return (PetscBool) (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
  if (!ea || !eb) return PETSC_FALSE;
  return (PetscBool) (CanonicalName(a, ca, sizeof(ca)) && CanonicalName(b, cb, sizeof(cb)) && !strcmp(ca, cb));
}

/*@C
  CurioOutputCheckWritable - fails early, before any work, if the output path cannot be written (missing directory, no
  permission, a directory, device or FIFO in the way; a symbolic link is followed, CurioH5ResolveTarget()) or if it is
  one of the run's input files (InputOptions: the data, the files of theta0, a warm start, an SGDF start or reference,
  and the options files), compared by identity (device and inode), not by name, so that a symbolic link or another
  spelling of the input's path is caught too; and the same for the files PETSc's viewers will write (-log_view
  :FILE[:FORMAT], any option of the form TYPE:FILE): none may be the output or an input. Nothing at the path is
  touched. The temporary files that earlier writes of this output left when their runs were killed are then removed
  (CurioCheckpointRemoveStale(); never one a live run is writing)

  Collective
@*/
PetscErrorCode CurioOutputCheckWritable(MPI_Comm comm, const char path[])
{
  PetscFunctionBegin;
  PetscCall(CurioOutputCheckWritableInput(comm, path, NULL, NULL));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The files a run reads: those of InputOptions that are set, the extra one of CurioOutputCheckWritableInput(), and the
   options files of the command line (PETSc reads them in PetscInitialize() and keeps no record of them) */
typedef struct {
  const char *option;
  char        file[PETSC_MAX_PATH_LEN];
} InputFile;
#define NINPUTFILE (NINPUT + 1 + 8)

static PetscErrorCode GetInputFiles(const char option[], const char input[], InputFile in[], int *n)
{
  char   dset[PETSC_MAX_PATH_LEN];
  int    argc = 0;
  char **args = NULL;

  PetscFunctionBegin;
  *n = 0;
  for (int k = 0; k < NINPUT; k++) {
    PetscBool set;
    PetscCall(PetscOptionsGetString(NULL, NULL, InputOptions[k].name, in[*n].file, sizeof(in[*n].file), &set));
    for (int w = 0; w < 2 && set; w++)
      if (InputOptions[k].keywords[w] && !strcmp(in[*n].file, InputOptions[k].keywords[w])) set = PETSC_FALSE; /* not a file */
    if (!set || !in[*n].file[0]) continue;
    if (InputOptions[k].dataset) PetscCall(CurioParseFileDataset(in[*n].file, "", dset, sizeof(dset))); /* the file of FILE[:DATASET] */
    in[(*n)++].option = InputOptions[k].name;
  }
  if (option && input && input[0]) {
    in[*n].option = option;
    PetscCall(PetscStrncpy(in[(*n)++].file, input, sizeof(in[0].file)));
  }
  if (PetscGetArgs(&argc, &args)) argc = 0;
  for (int i = 1; i + 1 < argc && *n < NINPUTFILE; i++)
    if (!strcmp(args[i], "-options_file") || !strcmp(args[i], "-options_file_yaml")) {
      in[*n].option = !strcmp(args[i], "-options_file") ? "-options_file" : "-options_file_yaml";
      PetscCall(PetscStrncpy(in[(*n)++].file, args[++i], sizeof(in[0].file)));
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Refuses a viewer file (GetViewerFiles) that is the output (target, as resolved; NULL: none) or one of the inputs,
   and clears that viewer's option so that PetscFinalize() does not write the file after all */
static PetscErrorCode CheckViewers(MPI_Comm comm, const char path[], const char target[], const InputFile in[], int nin)
{
  PetscMPIInt rank;
  ViewerFile *v;
  int         nv, bad[2] = {-1, -1}; /* the viewer, and the input it would replace (-1: the output) */

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscMalloc1(NVIEWER, &v));
  PetscCall(GetViewerFiles(v, &nv));
  for (int k = 0; rank == 0 && k < nv && bad[0] < 0; k++) {
    if (target && target[0] && SameFile(v[k].file, target)) bad[0] = k;
    for (int i = 0; i < nin && bad[0] < 0; i++)
      if (SameFile(v[k].file, in[i].file)) {
        bad[0] = k;
        bad[1] = i;
      }
  }
  PetscCallMPI(MPI_Bcast(bad, 2, MPI_INT, 0, comm));
  if (bad[0] >= 0) {
    char msg[3 * PETSC_MAX_PATH_LEN + 512];
    if (bad[1] < 0)
      PetscCall(PetscSNPrintf(msg, sizeof(msg),
                              "%s '%s' writes the file '%s', which is -curio_output '%s': it would replace the output; choose another file name",
                              v[bad[0]].option, v[bad[0]].value, v[bad[0]].file, path));
    else
      PetscCall(PetscSNPrintf(
          msg, sizeof(msg), "%s '%s' writes the file '%s', which is the file given by %s '%s': it would replace that input; choose another file name",
          v[bad[0]].option, v[bad[0]].value, v[bad[0]].file, in[bad[1]].option, in[bad[1]].file));
    PetscCall(PetscOptionsClearValue(NULL, v[bad[0]].option));
    PetscCall(PetscFree(v));
    SETERRQ(comm, PETSC_ERR_USER_INPUT, "%s", msg);
  }
  PetscCall(PetscFree(v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputCheckWritableInput - CurioOutputCheckWritable() with one more file that the run reads and the output must
  not replace: the SGDF mode's -curio_restart checkpoint (not in the table of inputs because the active mode's restart
  file is its own output, rewritten in place by design)

  Collective

  Input Parameters:
+ comm   - the run's ranks
. path   - the output file
. option - the option that names the other input, for the message (NULL: none)
- input  - its file (NULL or empty: none)
@*/
PetscErrorCode CurioOutputCheckWritableInput(MPI_Comm comm, const char path[], const char option[], const char input[])
{
  PetscMPIInt rank;
  int         err[2] = {0, -1}; /* errno, and the input the output would replace */
  InputFile   inputs[NINPUTFILE];
  int         ninput;
  char        target[PETSC_MAX_PATH_LEN], probe[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(CurioH5ResolveTarget(comm, path, "output file", target, sizeof(target)));
  PetscCall(CurioH5TemporaryName(comm, target, probe, sizeof(probe)));
  PetscCall(GetInputFiles(option, input, inputs, &ninput));
  PetscCall(CheckViewers(comm, path, target, inputs, ninput));
  if (rank == 0) {
    struct stat st, si;
    int         fd;
    if (!stat(target, &st)) {
      if (S_ISDIR(st.st_mode)) err[0] = EISDIR;
      for (int k = 0; k < ninput && err[1] < 0; k++)
        if (!stat(inputs[k].file, &si) && si.st_dev == st.st_dev && si.st_ino == st.st_ino) err[1] = k;
    }
    if (!err[0] && err[1] < 0) {
      fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0644);
      if (fd < 0) err[0] = errno;
      else {
        close(fd);
        unlink(probe);
      }
    }
  }
  PetscCallMPI(MPI_Bcast(err, 2, MPI_INT, 0, comm));
  PetscCheck(err[1] < 0, comm, PETSC_ERR_USER_INPUT,
             "-curio_output '%s' is the file given by %s '%s': writing the output would replace that input; choose another output name", path,
             inputs[err[1] < 0 ? 0 : err[1]].option, inputs[err[1] < 0 ? 0 : err[1]].file);
  PetscCheck(!err[0], comm, PETSC_ERR_FILE_OPEN, "Cannot write output file '%s' (-curio_output): %s", path, strerror(err[0]));
  PetscCall(CurioCheckpointRemoveStale(comm, NULL, path)); /* what earlier, killed writes of this output left */
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputCheckViewers - refuses, before any work, a file that one of PETSc's viewers would write (-log_view
  :FILE[:FORMAT], any option of the form TYPE:FILE) that is one of the run's input files (the data, the files of
  CurioOutputCheckWritable(), the options files) or the output given (compared by identity, or by name when the file
  does not exist yet). The refused viewer option is removed from the options database, so that PetscFinalize() does
  not write it on the way out. The driver calls it first thing; CurioOutputCheckWritable() does the same for the
  output a mode actually writes.

  Collective

  Input Parameters:
+ comm   - the run's ranks
- output - the output file (NULL or empty: inputs only)
@*/
PetscErrorCode CurioOutputCheckViewers(MPI_Comm comm, const char output[])
{
  InputFile inputs[NINPUTFILE];
  int       ninput;

  PetscFunctionBegin;
  PetscCall(GetInputFiles(NULL, NULL, inputs, &ninput));
  PetscCall(CheckViewers(comm, output, output, inputs, ninput));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputOpen - starts writing an output file: its temporary file is created in the directory of path

  Collective
@*/
PetscErrorCode CurioOutputOpen(MPI_Comm comm, const char path[], CurioOutput *outp)
{
  CurioOutput out;
  PetscBool   ok;

  PetscFunctionBegin;
  *outp = NULL;
  PetscCall(PetscNew(&out));
  out->comm = comm;
  PetscCall(PetscStrncpy(out->path, path, sizeof(out->path)));
  PetscCall(CurioH5AtomicCreate(comm, path, &out->atomic, &ok));
  if (!ok) PetscCall(PetscFree(out));
  PetscCheck(ok, comm, PETSC_ERR_FILE_OPEN, "Cannot create output file '%s': cannot create a temporary file in its directory", path);
  out->file = out->atomic.file;
  *outp     = out;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputClose - ends writing: with commit, the file is completed and moved into place (flush, close, fsync,
  rename, fsync of the directory; any failure raised on every rank, the temporary file removed, an existing output
  unchanged); without commit (on an error path) the temporary file is removed and nothing is raised

  Collective
@*/
PetscErrorCode CurioOutputClose(CurioOutput *outp, PetscBool commit)
{
  CurioOutput    out = *outp;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  if (!out) PetscFunctionReturn(PETSC_SUCCESS);
  *outp = NULL;
  if (!commit) {
    PetscCall(CurioH5AtomicAbort(&out->atomic));
    PetscCall(PetscFree(out));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  {
    PetscBool ok;
    MPI_Comm  comm = out->comm;
    PetscCall(CurioH5CompleteDims(comm, out->file, &ok));
    if (!ok) {
      PetscCall(CurioH5AtomicAbort(&out->atomic));
      PetscCall(PetscFree(out));
      SETERRQ(comm, PETSC_ERR_FILE_WRITE, "Cannot give every dataset of the output file its dimension scales");
    }
  }
  ierr = CurioH5AtomicCommit(&out->atomic, "output file");
  PetscCall(PetscFree(out));
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputWriteProvenance - the root attributes every output carries (CurioH5WriteProvenance(): schema_version,
  curio_version, created, nranks, kind, options)

  Collective
@*/
PetscErrorCode CurioOutputWriteProvenance(CurioOutput out, const char kind[])
{
  PetscBool ok;

  PetscFunctionBegin;
  PetscCall(CurioH5WriteProvenance(out->comm, out->file, kind, &ok));
  PetscCheck(ok, out->comm, PETSC_ERR_FILE_WRITE, "Cannot write the root attributes of output file '%s'", out->path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputWrite - writes one output file atomically: opens it, lets contents() write everything, and commits it;
  if contents() fails (a write failure is raised on every rank), the temporary file is removed, the error is raised
  and an existing file at path stays as it was

  Collective

  Input Parameters:
+ comm - the ranks that write the file
. path - the output file
. contents - writes the file's groups, datasets and attributes into the open output
- ctx - passed to contents()

.seealso: `CurioOutputOpen()`, `CurioOutputClose()`
@*/
PetscErrorCode CurioOutputWrite(MPI_Comm comm, const char path[], PetscErrorCode (*contents)(CurioOutput, void *), void *ctx)
{
  CurioOutput    out;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(CurioOutputOpen(comm, path, &out));
  ierr = (*contents)(out, ctx);
  if (ierr) PetscCall(CurioOutputClose(&out, PETSC_FALSE)); /* every write failure is collective: all ranks get here */
  PetscCall(ierr);
  PetscCall(CurioOutputClose(&out, PETSC_TRUE));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputWriteTiming - the attributes of /timing: the seconds of each stage as given (a caller that wants the
  slowest rank's reduces first), then peak_rss_mib, the peak resident memory over the output's ranks

  Collective

  Input Parameters:
+ out - the open output
. n - the number of stages
. names - their attribute names
- seconds - their times

.seealso: `CurioOutputSetAttributeReal()`
@*/
PetscErrorCode CurioOutputWriteTiming(CurioOutput out, PetscInt n, const char *const names[], const PetscReal seconds[])
{
  PetscReal rss;

  PetscFunctionBegin;
  PetscCall(CurioPeakRSS(out->comm, &rss));
  for (PetscInt i = 0; i < n; i++) PetscCall(CurioOutputSetAttributeReal(out, "/timing", names[i], seconds[i]));
  PetscCall(CurioOutputSetAttributeReal(out, "/timing", "peak_rss_mib", rss));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Names the dimensions of dataset name (CurioH5AttachDims: comma-separated, local to its group); NULL: none here */
static PetscErrorCode AttachDims(CurioOutput out, const char name[], const char dims[])
{
  char msg[PETSC_MAX_PATH_LEN + 256];

  PetscFunctionBegin;
  if (!dims || !dims[0]) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(CurioH5AttachDims(out->comm, out->file, name, dims, msg, sizeof(msg)));
  PetscCheck(!msg[0], out->comm, PETSC_ERR_FILE_WRITE, "Output file '%s': %s", out->path, msg);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Creates a dataset of shape (n) or (n, ncols) and writes rows [rstart, rstart+nlocal) from this rank */
static PetscErrorCode WriteBlock(CurioOutput out, const char name[], hid_t type, hid_t memtype, PetscInt n, PetscInt ncols, PetscInt rstart,
                                 PetscInt nlocal, const void *buf, const char dims[])
{
  PetscBool ok;

  PetscFunctionBegin;
  PetscCall(CurioH5WriteBlock(out->comm, out->file, name, type, memtype, n, ncols, rstart, nlocal, buf, &ok));
  PetscCheck(ok, out->comm, PETSC_ERR_FILE_WRITE, "Cannot write dataset '%s' in '%s' (disk full, or written twice?)", name, out->path);
  PetscCall(AttachDims(out, name, dims));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputWriteRowsLocal - a dataset of n rows (ncols = 0: shape (n); otherwise (n, ncols)) of which this rank writes
  rows [rstart, rstart+nlocal) from a row-major buffer; dims names its dimensions, one per axis, comma-separated
  ("index,feature"), each a dataset of the same group that exists (a coordinate) or is created as an index
  (CurioOutputDescribe()), or NULL (then CurioOutputDescribe() names them)

  Collective
@*/
PetscErrorCode CurioOutputWriteRowsLocal(CurioOutput out, const char name[], PetscInt n, PetscInt ncols, PetscInt rstart, PetscInt nlocal,
                                         const PetscReal buf[], const char dims[])
{
  PetscFunctionBegin;
  PetscCall(WriteBlock(out, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, ncols, rstart, nlocal, buf, dims));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputWriteVec - a distributed Vec as a 1-D dataset, each rank writing the entries it owns

  Collective
@*/
PetscErrorCode CurioOutputWriteVec(CurioOutput out, const char name[], Vec v, const char dims[])
{
  const PetscScalar *a;
  PetscInt           N, lo, hi;

  PetscFunctionBegin;
  PetscCall(VecGetSize(v, &N));
  PetscCall(VecGetOwnershipRange(v, &lo, &hi));
  PetscCall(VecGetArrayRead(v, &a));
  PetscCall(CurioOutputWriteRowsLocal(out, name, N, 0, lo, hi - lo, a, dims));
  PetscCall(VecRestoreArrayRead(v, &a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputWriteArray - a replicated array as a 1-D dataset (rank 0 writes it)

  Collective
@*/
PetscErrorCode CurioOutputWriteArray(CurioOutput out, const char name[], PetscInt n, const PetscReal a[], const char dims[])
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(out->comm, &rank));
  PetscCall(CurioOutputWriteRowsLocal(out, name, n, 0, 0, rank ? 0 : n, a, dims));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputWriteIndex - the integer axis 0..n-1 (this rank writes [rstart, rstart+nlocal)) as a dimension scale

  Collective
@*/
PetscErrorCode CurioOutputWriteIndex(CurioOutput out, const char name[], PetscInt n, PetscInt rstart, PetscInt nlocal)
{
  int64_t  *idx;
  hid_t     dset;
  PetscBool ok;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(PetscMax(1, nlocal), &idx));
  for (PetscInt i = 0; i < nlocal; i++) idx[i] = rstart + i;
  PetscCall(WriteBlock(out, name, H5T_STD_I64LE, H5T_NATIVE_INT64, n, 0, rstart, nlocal, idx, NULL));
  PetscCall(PetscFree(idx));
  dset = H5Dopen2(out->file, name, H5P_DEFAULT);
  ok   = (PetscBool) (dset >= 0 && H5DSset_scale(dset, NULL) >= 0);
  if (dset >= 0) H5Dclose(dset);
  PetscCall(CurioH5AllTrue(out->comm, ok, &ok));
  PetscCheck(ok, out->comm, PETSC_ERR_FILE_WRITE, "Cannot make '%s' a dimension scale in '%s'", name, out->path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputWriteIntArray - a replicated integer array of shape (n) or (n, ncols) (ncols > 0), written by rank 0

  Collective
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

/*@C
  CurioOutputWriteScalar - a real scalar dataset (rank 0 writes it)

  Collective
@*/
PetscErrorCode CurioOutputWriteScalar(CurioOutput out, const char name[], PetscReal value)
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(out->comm, &rank));
  PetscCall(WriteBlock(out, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, -1, 0, 0, rank ? 0 : 1, &value, NULL));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Opens an object for attributes, creating the group if it does not exist yet */
static PetscErrorCode OpenObject(CurioOutput out, const char obj[], hid_t *id)
{
  PetscBool exists, ok;

  PetscFunctionBegin;
  PetscCall(PetscStrcmp(obj, "/", &exists));
  if (!exists) PetscCall(CurioH5Exists(out->file, obj, &exists));
  if (!exists) {
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), g;
    H5Pset_create_intermediate_group(lcpl, 1);
    g = H5Gcreate2(out->file, obj, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (g >= 0) H5Gclose(g);
    H5Pclose(lcpl);
  }
  *id = H5Oopen(out->file, obj, H5P_DEFAULT);
  PetscCall(CurioH5AllTrue(out->comm, (PetscBool) (*id >= 0), &ok));
  if (!ok && *id >= 0) H5Oclose(*id);
  PetscCheck(ok, out->comm, PETSC_ERR_FILE_WRITE, "Cannot open '%s' in '%s'", obj, out->path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteAttribute(CurioOutput out, const char obj[], const char name[], CurioH5Type t, const void *value)
{
  hid_t     id = -1;
  PetscBool ok;

  PetscFunctionBegin;
  PetscCall(OpenObject(out, obj, &id));
  PetscCall(CurioH5WriteAttribute(out->comm, id, name, t, value, &ok));
  H5Oclose(id);
  PetscCheck(ok, out->comm, PETSC_ERR_FILE_WRITE, "Cannot write attribute '%s' of '%s' in '%s'", name, obj, out->path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputSetAttributeString - a string attribute (UTF-8) of an object (the group is created if needed)

  Collective
@*/
PetscErrorCode CurioOutputSetAttributeString(CurioOutput out, const char obj[], const char name[], const char value[])
{
  PetscFunctionBegin;
  PetscCall(WriteAttribute(out, obj, name, CURIO_H5_STRING, value));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputSetAttributeReal - a float64 attribute of an object (the group is created if needed)

  Collective
@*/
PetscErrorCode CurioOutputSetAttributeReal(CurioOutput out, const char obj[], const char name[], PetscReal value)
{
  PetscFunctionBegin;
  PetscCall(WriteAttribute(out, obj, name, CURIO_H5_REAL, &value));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputSetAttributeInt - an int64 attribute of an object (the group is created if needed)

  Collective
@*/
PetscErrorCode CurioOutputSetAttributeInt(CurioOutput out, const char obj[], const char name[], PetscInt value)
{
  PetscInt64 v = value;

  PetscFunctionBegin;
  PetscCall(WriteAttribute(out, obj, name, CURIO_H5_INT, &v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* An empty dataset of shape (n) (ncols = 0) or (n, ncols), with intermediate groups, filled later */
static PetscErrorCode CreateDataset(CurioOutput out, const char name[], PetscInt n, PetscInt ncols, hid_t type)
{
  hsize_t   shape[2] = {(hsize_t) n, (hsize_t) PetscMax(ncols, 1)};
  hid_t     space, dset, lcpl;
  PetscBool ok;

  PetscFunctionBegin;
  space = H5Screate_simple(ncols > 0 ? 2 : 1, shape, NULL);
  lcpl  = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  dset = H5Dcreate2(out->file, name, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  H5Pclose(lcpl);
  H5Sclose(space);
  if (dset >= 0) H5Dclose(dset);
  PetscCall(CurioH5AllTrue(out->comm, (PetscBool) (dset >= 0), &ok));
  PetscCheck(ok, out->comm, PETSC_ERR_FILE_WRITE, "Cannot create dataset '%s' in '%s'", name, out->path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputCreateArray - an empty 1-D dataset of n float64 (or int64) entries, filled later slab by slab with
  CurioOutputWriteSlab()/CurioOutputWriteIntSlab() (a streamed candidate pool); dims as in CurioOutputWriteRowsLocal()

  Collective
@*/
PetscErrorCode CurioOutputCreateArray(CurioOutput out, const char name[], PetscInt n, PetscBool integer, const char dims[])
{
  PetscFunctionBegin;
  PetscCall(CreateDataset(out, name, n, 0, integer ? H5T_STD_I64LE : H5T_IEEE_F64LE));
  PetscCall(AttachDims(out, name, dims));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputWriteRowsBlocked - CurioOutputWriteRowsLocal() of an (n, ncols) float64 dataset whose rows this rank
  makes block by block: source(ctx, i0, nb, buf) writes its rows [i0, i0 + nb) (this rank's numbering), row-major, into
  buf. Rows held in another layout (a column-major design matrix) are written without a row-major copy of them all; the
  dataset, its checksum and its dimensions are those of CurioOutputWriteRowsLocal()

  Collective
@*/
PetscErrorCode CurioOutputWriteRowsBlocked(CurioOutput out, const char name[], PetscInt n, PetscInt ncols, PetscInt rstart, PetscInt nlocal,
                                           CurioRowsSource source, void *ctx, const char dims[])
{
  const PetscInt block   = PetscMax(1, 262144 / PetscMax(ncols, 1)); /* about 2 MiB: stays in cache between source and write */
  PetscInt       nblocks = (nlocal + block - 1) / block, gblocks;
  PetscReal     *buf;
  uint64_t       sum = 0;
  PetscBool      ok  = PETSC_TRUE;

  PetscFunctionBegin;
  PetscCheck(ncols > 0, out->comm, PETSC_ERR_ARG_OUTOFRANGE, "CurioOutputWriteRowsBlocked() writes rows of ncols > 0 columns");
  PetscCall(CreateDataset(out, name, n, ncols, H5T_IEEE_F64LE));
  PetscCall(MPIU_Allreduce(&nblocks, &gblocks, 1, MPIU_INT, MPI_MAX, out->comm));
  PetscCall(PetscMalloc1(block * ncols, &buf));
  for (PetscInt b = 0; b < gblocks && ok; b++) { /* every rank takes part in every (collective) write */
    PetscInt i0 = PetscMin(b * block, nlocal), nb = PetscMin(block, nlocal - i0);
    if (nb > 0) PetscCall(source(ctx, i0, nb, buf));
    PetscCall(CurioH5WriteBlock(out->comm, out->file, name, -1, H5T_NATIVE_DOUBLE, n, ncols, rstart + i0, nb, buf, &ok));
    CurioH5ChecksumAdd(buf, (PetscInt64) (rstart + i0) * ncols, (PetscInt64) nb * ncols, &sum);
  }
  PetscCall(PetscFree(buf));
  PetscCheck(ok, out->comm, PETSC_ERR_FILE_WRITE, "Cannot write dataset '%s' in '%s' (disk full?)", name, out->path);
  PetscCall(CurioH5WriteChecksumSum(out->comm, out->file, name, sum, &ok));
  PetscCheck(ok, out->comm, PETSC_ERR_FILE_WRITE, "Cannot write the checksum of dataset '%s' in '%s'", name, out->path);
  PetscCall(AttachDims(out, name, dims));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteSlab(CurioOutput out, const char name[], hid_t memtype, PetscInt start, PetscInt count, const void *buf)
{
  PetscBool ok;

  PetscFunctionBegin;
  PetscCall(CurioH5WriteBlock(out->comm, out->file, name, -1, memtype, 0, 0, start, count, buf, &ok));
  PetscCheck(ok, out->comm, PETSC_ERR_FILE_WRITE, "Cannot write entries of '%s' in '%s' (disk full?)", name, out->path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputWriteSlab - entries [start, start + count) of a dataset made by CurioOutputCreateArray(), from this rank

  Collective
@*/
PetscErrorCode CurioOutputWriteSlab(CurioOutput out, const char name[], PetscInt start, PetscInt count, const PetscReal buf[])
{
  PetscFunctionBegin;
  PetscCall(WriteSlab(out, name, H5T_NATIVE_DOUBLE, start, count, buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputWriteIntSlab - as CurioOutputWriteSlab(), for a dataset of integers

  Collective
@*/
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

/*@C
  CurioOutputDescribe - what makes a dataset self-describing (netCDF-4 conventions, so that xarray opens its group):
  its dimensions (dims, one name per axis, comma-separated, local to the dataset's group: an existing 1-D dataset of
  that name there, e.g. a coordinate written before, or else the index 0..n-1 created under that name), its units
  and its long_name. Any of the three may be NULL (left as it is).

  Collective

  Example:
.vb
  CurioOutputWriteArray(out, "/sgdf/history/loss", n, loss, "epoch");
  CurioOutputDescribe(out, "/sgdf/history/loss", NULL, "[loss]", "mean training loss at the end of the epoch");
.ve

.seealso: CurioOutputDescribeFields(), docs/design.md ("Where does X live": output datasets)
@*/
PetscErrorCode CurioOutputDescribe(CurioOutput out, const char name[], const char dims[], const char units[], const char long_name[])
{
  PetscBool ok;

  PetscFunctionBegin;
  PetscCall(AttachDims(out, name, dims));
  PetscCall(CurioH5Describe(out->comm, out->file, name, units, long_name, &ok));
  PetscCheck(ok, out->comm, PETSC_ERR_FILE_WRITE, "Cannot write units and long_name of '%s' in '%s'", name, out->path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputDescribeFields - CurioOutputDescribe() for every row of a table whose dataset exists (a writer's schema:
  one row per dataset it may write, rows of datasets this run did not write are skipped)

  Collective
@*/
PetscErrorCode CurioOutputDescribeFields(CurioOutput out, PetscInt n, const CurioOutputField fields[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) {
    PetscBool exists;
    PetscCall(CurioH5Exists(out->file, fields[i].name, &exists));
    if (exists) PetscCall(CurioOutputDescribe(out, fields[i].name, fields[i].dims, fields[i].units, fields[i].long_name));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioOutputWriteStrings - a 1-D dataset of n strings (replicated; rank 0 writes them), variable-length UTF-8; dims as
  in CurioOutputWriteRowsLocal()

  Collective
@*/
PetscErrorCode CurioOutputWriteStrings(CurioOutput out, const char name[], PetscInt n, const char *const strs[], const char dims[])
{
  PetscBool ok;

  PetscFunctionBegin;
  PetscCall(CurioH5WriteStrings(&out->atomic, name, n, strs, &ok));
  PetscCheck(ok, out->comm, PETSC_ERR_FILE_WRITE, "Cannot write dataset '%s' in '%s' (disk full, or written twice?)", name, out->path);
  PetscCall(AttachDims(out, name, dims));
  PetscFunctionReturn(PETSC_SUCCESS);
}

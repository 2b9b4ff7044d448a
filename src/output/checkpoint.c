/* CurioCheckpoint: the state of a long run in one HDF5 file, written collectively with parallel HDF5 to
   `<prefix>-<step>.h5.tmp-<pid>` and renamed into place by rank 0 after a successful collective close (the same
   protocol as CurioOutputOpen/Close), then older checkpoints of the prefix rotated out. Read back on any rank count:
   a Vec is stored as one 1-D dataset in global order, each rank reading its own range of whatever layout it has.

   Checkpoint files are written with their own small HDF5 writer rather than through CurioOutput because the root
   attribute `step` and the integer items are int64 and CurioOutput's integer writers take PetscInt (32 bits in the
   Debian build), and CurioOutput does not expose its file handle.

   Every check is collective: all ranks read the same metadata, rank 0's view is broadcast, and the error is raised on
   the checkpoint's communicator with the same message on every rank. */
#include "../curioimpl.h"
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CKPT_DIGITS  10
#define CKPT_MAXSTEP 9999999999LL

struct _n_CurioCheckpoint {
  MPI_Comm   comm;
  PetscBool  reading;
  char       prefix[PETSC_MAX_PATH_LEN];
  PetscInt   keep;
  hid_t      file, lcpl, dxpl;
  PetscInt64 step;
  char       path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 32], kind[64];
};

/* ---------------------------------------------------------------------------------------------------------------- */
/* small collective helpers */

/* Whether ok holds on every rank */
static PetscErrorCode AllTrue(MPI_Comm comm, PetscBool ok, PetscBool *all)
{
  int in = ok ? 1 : 0, out;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_LAND, comm));
  *all = out ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rank 0's errno on every rank */
static PetscErrorCode ShareErrno(MPI_Comm comm, int *err)
{
  PetscFunctionBegin;
  PetscCallMPI(MPI_Bcast(err, 1, MPI_INT, 0, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The file name of a step: <prefix>-<step, 10 digits>.h5 */
static PetscErrorCode StepPath(const char prefix[], PetscInt64 step, char path[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, len, "%s-%0*lld.h5", prefix, CKPT_DIGITS, (long long) step));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Splits a prefix into its directory and the base of its file names */
static void SplitPrefix(const char prefix[], char dir[], size_t dlen, const char **base)
{
  const char *slash = strrchr(prefix, '/');

  if (!slash) {
    snprintf(dir, dlen, ".");
    *base = prefix;
  } else if (slash == prefix) {
    snprintf(dir, dlen, "/");
    *base = slash + 1;
  } else {
    snprintf(dir, dlen, "%.*s", (int) (slash - prefix), prefix);
    *base = slash + 1;
  }
}

/* The step of a file name `<base>-<10 digits>.h5` exactly (no temporary names, no other files); -1 otherwise */
static long long NameStep(const char name[], const char base[])
{
  size_t    bl = strlen(base), nl = strlen(name);
  long long step = 0;

  if (nl != bl + 1 + CKPT_DIGITS + 3 || strncmp(name, base, bl) || name[bl] != '-' || strcmp(name + nl - 3, ".h5")) return -1;
  for (size_t i = bl + 1; i < bl + 1 + CKPT_DIGITS; i++) {
    if (name[i] < '0' || name[i] > '9') return -1;
    step = 10 * step + (name[i] - '0');
  }
  return step;
}

typedef struct {
  long long step;
  char      name[PETSC_MAX_PATH_LEN];
} StepFile;

static int CompareStepDescending(const void *a, const void *b)
{
  long long sa = ((const StepFile *) a)->step, sb = ((const StepFile *) b)->step;
  return sa < sb ? 1 : (sa > sb ? -1 : 0);
}

/* Rank 0 only: the checkpoint files of a prefix, newest first (the caller frees *files); errno in *err */
static PetscErrorCode ListSteps(const char prefix[], StepFile **files, int *nfiles, int *err)
{
  char           dir[PETSC_MAX_PATH_LEN];
  const char    *base;
  DIR           *d;
  struct dirent *e;
  int            n = 0, cap = 16;

  PetscFunctionBegin;
  *files  = NULL;
  *nfiles = 0;
  *err    = 0;
  SplitPrefix(prefix, dir, sizeof(dir), &base);
  d = opendir(dir);
  if (!d) {
    *err = errno;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscMalloc1(cap, files));
  while ((e = readdir(d))) {
    long long step = NameStep(e->d_name, base);
    if (step < 0) continue;
    if (n == cap) {
      StepFile *more;
      PetscCall(PetscMalloc1(2 * cap, &more));
      PetscCall(PetscArraycpy(more, *files, n));
      PetscCall(PetscFree(*files));
      *files = more;
      cap *= 2;
    }
    (*files)[n].step = step;
    PetscCall(PetscSNPrintf((*files)[n].name, sizeof((*files)[n].name), "%s/%s", dir, e->d_name));
    n++;
  }
  closedir(d);
  qsort(*files, (size_t) n, sizeof(StepFile), CompareStepDescending);
  *nfiles = n;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* HDF5 attributes */

static PetscErrorCode WriteAttr(CurioCheckpoint ck, hid_t obj, const char name[], hid_t type, hid_t memtype, const void *value)
{
  hid_t     space = H5Screate(H5S_SCALAR), attr;
  PetscBool ok, all;

  PetscFunctionBegin;
  if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
  attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  ok   = (PetscBool) (attr >= 0 && H5Awrite(attr, memtype, value) >= 0);
  if (attr >= 0) H5Aclose(attr);
  H5Sclose(space);
  PetscCall(AllTrue(ck->comm, ok, &all));
  PetscCheck(all, ck->comm, PETSC_ERR_FILE_WRITE, "Cannot write attribute '%s' of checkpoint '%s'", name, ck->path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteAttrString(CurioCheckpoint ck, hid_t obj, const char name[], const char value[])
{
  hid_t type = H5Tcopy(H5T_C_S1);

  PetscFunctionBegin;
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  PetscCall(WriteAttr(ck, obj, name, type, type, &value));
  H5Tclose(type);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteAttrInt(CurioCheckpoint ck, hid_t obj, const char name[], PetscInt64 value)
{
  int64_t v = (int64_t) value;

  PetscFunctionBegin;
  PetscCall(WriteAttr(ck, obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Reads a string attribute (variable or fixed length) on this rank; *found is false if it is missing or unreadable */
static void ReadAttrStringLocal(hid_t obj, const char name[], char value[], size_t len, PetscBool *found, PetscBool *toolong)
{
  hid_t attr, ftype, mtype;

  *found   = PETSC_FALSE;
  *toolong = PETSC_FALSE;
  value[0] = '\0';
  if (H5Aexists(obj, name) <= 0) return;
  attr = H5Aopen(obj, name, H5P_DEFAULT);
  if (attr < 0) return;
  ftype = H5Aget_type(attr);
  if (H5Tget_class(ftype) == H5T_STRING) {
    if (H5Tis_variable_str(ftype) > 0) {
      char *s = NULL;
      mtype   = H5Tcopy(H5T_C_S1);
      H5Tset_size(mtype, H5T_VARIABLE);
      H5Tset_cset(mtype, H5Tget_cset(ftype));
      if (H5Aread(attr, mtype, &s) >= 0 && s) {
        *found   = PETSC_TRUE;
        *toolong = (PetscBool) (strlen(s) >= len);
        snprintf(value, len, "%s", s);
        H5free_memory(s);
      }
      H5Tclose(mtype);
    } else {
      size_t n   = H5Tget_size(ftype);
      char  *buf = (char *) calloc(n + 1, 1);
      mtype      = H5Tcopy(ftype);
      if (buf && H5Aread(attr, mtype, buf) >= 0) {
        *found   = PETSC_TRUE;
        *toolong = (PetscBool) (strlen(buf) >= len);
        snprintf(value, len, "%s", buf);
      }
      free(buf);
      H5Tclose(mtype);
    }
  }
  H5Tclose(ftype);
  H5Aclose(attr);
}

/* A string attribute, rank 0's view on every rank; *found says whether it exists */
static PetscErrorCode ReadAttrString(CurioCheckpoint ck, hid_t obj, const char name[], char value[], size_t len, PetscBool *found, PetscBool *toolong)
{
  int flags[2];

  PetscFunctionBegin;
  ReadAttrStringLocal(obj, name, value, len, found, toolong);
  flags[0] = *found;
  flags[1] = *toolong;
  PetscCallMPI(MPI_Bcast(flags, 2, MPI_INT, 0, ck->comm));
  PetscCallMPI(MPI_Bcast(value, (PetscMPIInt) len, MPI_CHAR, 0, ck->comm));
  *found   = flags[0] ? PETSC_TRUE : PETSC_FALSE;
  *toolong = flags[1] ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* An integer attribute, rank 0's view on every rank */
static PetscErrorCode ReadAttrInt(CurioCheckpoint ck, hid_t obj, const char name[], PetscInt64 *value, PetscBool *found)
{
  int64_t v  = 0;
  int     ok = 0;

  PetscFunctionBegin;
  if (H5Aexists(obj, name) > 0) {
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    if (attr >= 0) {
      hid_t ftype = H5Aget_type(attr);
      ok          = H5Tget_class(ftype) == H5T_INTEGER && H5Aread(attr, H5T_NATIVE_INT64, &v) >= 0;
      H5Tclose(ftype);
      H5Aclose(attr);
    }
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, ck->comm));
  PetscCallMPI(MPI_Bcast(&v, 1, MPI_INT64_T, 0, ck->comm));
  *found = ok ? PETSC_TRUE : PETSC_FALSE;
  *value = (PetscInt64) v;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* writing */

/*@C
  CurioCheckpointWriterCreate - a writer of checkpoints `<prefix>-<step, 10 digits>.h5`, keeping the newest `keep`

  Collective

  Input Parameters:
+ comm   - the ranks that write (all of them take part in every write)
. prefix - path prefix, e.g. `runs/42/ckpt`; its directory must exist
- keep   - how many checkpoint files of the prefix remain after each write (>= 1)

  Output Parameter:
. ckpt - the writer; destroy with CurioCheckpointDestroy()
@*/
PetscErrorCode CurioCheckpointWriterCreate(MPI_Comm comm, const char prefix[], PetscInt keep, CurioCheckpoint *ckpt)
{
  CurioCheckpoint ck;
  size_t          len;

  PetscFunctionBeginUser;
  PetscCall(PetscStrlen(prefix, &len));
  PetscCheck(len > 0 && prefix[len - 1] != '/', comm, PETSC_ERR_ARG_WRONG,
             "Checkpoint prefix '%s' must name files (e.g. 'runs/ckpt'), not be empty or end with '/'", prefix ? prefix : "");
  PetscCheck(len + 32 < PETSC_MAX_PATH_LEN, comm, PETSC_ERR_ARG_SIZ, "Checkpoint prefix '%s' is too long", prefix);
  PetscCheck(keep >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "The number of checkpoints to keep must be >= 1, got %" PetscInt_FMT, keep);
  PetscCall(PetscNew(&ck));
  ck->comm    = comm;
  ck->reading = PETSC_FALSE;
  ck->keep    = keep;
  ck->file    = -1;
  ck->lcpl    = -1;
  ck->dxpl    = -1;
  ck->step    = -1;
  PetscCall(PetscStrncpy(ck->prefix, prefix, sizeof(ck->prefix)));
  *ckpt = ck;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Closes the open file of a writer; removes the temporary file unless commit and the close succeeded */
static PetscErrorCode WriterClose(CurioCheckpoint ck, PetscBool commit, PetscBool *closed, int *err)
{
  PetscMPIInt rank;
  herr_t      status;
  PetscBool   ok;

  PetscFunctionBegin;
  if (ck->lcpl >= 0) H5Pclose(ck->lcpl);
  if (ck->dxpl >= 0) H5Pclose(ck->dxpl);
  ck->lcpl = ck->dxpl = -1;
  status              = H5Fclose(ck->file);
  ck->file            = -1;
  PetscCall(AllTrue(ck->comm, (PetscBool) (status >= 0), &ok));
  PetscCallMPI(MPI_Comm_rank(ck->comm, &rank));
  *err = 0;
  if (rank == 0) {
    if (commit && ok) {
      if (rename(ck->tmp, ck->path)) {
        *err = errno;
        remove(ck->tmp); /* the previous checkpoints stay as they were */
      }
    } else remove(ck->tmp);
  }
  PetscCall(ShareErrno(ck->comm, err));
  *closed = ok;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointBeginWrite - starts writing the checkpoint of a step: creates the temporary file and writes the root
  attributes; then call the item functions (CurioCheckpointVec() ...) and CurioCheckpointEndWrite()

  Collective

  Input Parameters:
+ ckpt      - a writer
. kind      - what the state is ("sgdf", "active", ...); a reader asks for the same kind
. signature - identifies the problem (data file, sizes, loss, ...); a reader asks for the same signature
- step      - the step the state belongs to (0 <= step <= 9999999999), part of the file name
@*/
PetscErrorCode CurioCheckpointBeginWrite(CurioCheckpoint ck, const char kind[], const char signature[], PetscInt64 step)
{
  hid_t       fapl, state;
  PetscMPIInt rank, size;
  int         pid;
  time_t      now = time(NULL);
  char        stamp[32];

  PetscFunctionBeginUser;
  PetscCheck(ck && !ck->reading, ck ? ck->comm : PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "CurioCheckpointBeginWrite needs a writer (CurioCheckpointWriterCreate)");
  PetscCheck(ck->file < 0, ck->comm, PETSC_ERR_ORDER,
             "CurioCheckpointBeginWrite: the checkpoint of step %lld is still open; call CurioCheckpointEndWrite first", (long long) ck->step);
  PetscCheck(step >= 0 && step <= CKPT_MAXSTEP, ck->comm, PETSC_ERR_ARG_OUTOFRANGE, "Checkpoint step must be in [0, %lld], got %lld", CKPT_MAXSTEP,
             (long long) step);
  PetscCallMPI(MPI_Comm_rank(ck->comm, &rank));
  PetscCallMPI(MPI_Comm_size(ck->comm, &size));
  ck->step = step;
  PetscCall(PetscStrncpy(ck->kind, kind, sizeof(ck->kind)));
  PetscCall(StepPath(ck->prefix, step, ck->path, sizeof(ck->path)));
  pid = (int) getpid();
  PetscCallMPI(MPI_Bcast(&pid, 1, MPI_INT, 0, ck->comm));
  PetscCall(PetscSNPrintf(ck->tmp, sizeof(ck->tmp), "%s.tmp-%d", ck->path, pid));
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* failures are reported by curio, naming the file */
  PetscCall(CurioH5FileAccessCollective(ck->comm, &fapl));
  H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
  ck->file = H5Fcreate(ck->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  {
    PetscBool ok;
    PetscCall(AllTrue(ck->comm, (PetscBool) (ck->file >= 0), &ok));
    if (!ok) {
      if (ck->file >= 0) H5Fclose(ck->file);
      ck->file = -1;
      if (rank == 0) remove(ck->tmp);
    }
    PetscCheck(ok, ck->comm, PETSC_ERR_FILE_OPEN,
               "Cannot create checkpoint file '%s' (temporary '%s'): is the directory of the prefix '%s' there and writable?", ck->path, ck->tmp,
               ck->prefix);
  }
  ck->lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(ck->lcpl, 1);
  ck->dxpl = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(ck->dxpl, H5FD_MPIO_COLLECTIVE);

  PetscCallMPI(MPI_Bcast(&now, sizeof(now), MPI_BYTE, 0, ck->comm));
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  PetscCall(WriteAttrInt(ck, ck->file, "schema_version", CURIO_CHECKPOINT_SCHEMA_VERSION));
  PetscCall(WriteAttrString(ck, ck->file, "kind", kind));
  PetscCall(WriteAttrString(ck, ck->file, "signature", signature));
  PetscCall(WriteAttrInt(ck, ck->file, "step", step));
  PetscCall(WriteAttrString(ck, ck->file, "created", stamp));
  PetscCall(WriteAttrString(ck, ck->file, "curio_version", CURIO_VERSION));
  PetscCall(WriteAttrInt(ck, ck->file, "nranks", size));
  state = H5Gcreate2(ck->file, "/state", ck->lcpl, H5P_DEFAULT, H5P_DEFAULT);
  {
    PetscBool ok;
    PetscCall(AllTrue(ck->comm, (PetscBool) (state >= 0), &ok));
    PetscCheck(ok, ck->comm, PETSC_ERR_FILE_WRITE, "Cannot create group '/state' in checkpoint '%s'", ck->tmp);
  }
  H5Gclose(state);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rank 0 only: removes the checkpoint files of the prefix beyond the newest keep (never `current`) */
static PetscErrorCode Rotate(CurioCheckpoint ck, int *err)
{
  StepFile *files;
  int       n;

  PetscFunctionBegin;
  PetscCall(ListSteps(ck->prefix, &files, &n, err));
  for (int i = (int) ck->keep; i < n; i++) {
    PetscBool same;
    PetscCall(PetscStrcmp(files[i].name, ck->path, &same));
    if (same || files[i].step == ck->step) continue; /* the file just written stays, whatever the others' steps */
    if (unlink(files[i].name) && !*err) *err = errno;
  }
  PetscCall(PetscFree(files));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointEndWrite - closes the checkpoint, renames it into place and removes the checkpoints of the prefix
  beyond the newest `keep` (by step; the file just written always stays)

  Collective

  Output Parameter:
. path - the file written (may be NULL), of size len
@*/
PetscErrorCode CurioCheckpointEndWrite(CurioCheckpoint ck, char path[], size_t len)
{
  PetscBool   closed;
  int         err;
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCheck(ck && !ck->reading && ck->file >= 0, ck ? ck->comm : PETSC_COMM_SELF, PETSC_ERR_ORDER,
             "CurioCheckpointEndWrite without CurioCheckpointBeginWrite");
  PetscCall(PetscLogEventBegin(CURIO_EVENT_Write, 0, 0, 0, 0));
  PetscCall(WriterClose(ck, PETSC_TRUE, &closed, &err));
  PetscCheck(closed, ck->comm, PETSC_ERR_FILE_WRITE, "Writing checkpoint '%s' failed when closing it (disk full?); the temporary file was removed",
             ck->path);
  PetscCheck(!err, ck->comm, PETSC_ERR_FILE_WRITE, "Cannot move '%s' to checkpoint '%s': %s", ck->tmp, ck->path, strerror(err));
  PetscCallMPI(MPI_Comm_rank(ck->comm, &rank));
  if (rank == 0) PetscCall(Rotate(ck, &err));
  PetscCall(ShareErrno(ck->comm, &err));
  PetscCall(PetscLogEventEnd(CURIO_EVENT_Write, 0, 0, 0, 0));
  PetscCheck(!err, ck->comm, PETSC_ERR_FILE_WRITE, "Checkpoint '%s' was written, but removing older checkpoints of '%s' failed: %s", ck->path,
             ck->prefix, strerror(err));
  if (path) PetscCall(PetscStrncpy(path, ck->path, len));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* reading */

/*@C
  CurioCheckpointFindLatest - the newest complete checkpoint of a prefix: the highest step among the files
  `<prefix>-<10 digits>.h5` (temporary `.tmp-*` files of an interrupted write are ignored)

  Collective

  Output Parameters:
+ path  - the file (empty if none), of size len
- found - whether there is one
@*/
PetscErrorCode CurioCheckpointFindLatest(MPI_Comm comm, const char prefix[], char path[], size_t len, PetscBool *found)
{
  PetscMPIInt rank;
  char        best[PETSC_MAX_PATH_LEN] = "";

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    StepFile *files;
    int       n, err;
    PetscCall(ListSteps(prefix, &files, &n, &err));
    if (n > 0) PetscCall(PetscStrncpy(best, files[0].name, sizeof(best)));
    PetscCall(PetscFree(files));
  }
  PetscCallMPI(MPI_Bcast(best, sizeof(best), MPI_CHAR, 0, comm));
  *found = best[0] ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscStrncpy(path, best, len));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointOpenRead - opens a checkpoint for reading and checks that it is one of this schema version, kind and
  signature; refuses anything else with an error that names the file, what it holds and what was expected

  Collective

  Input Parameters:
+ comm      - the ranks that read (any number, independent of the number that wrote)
. path      - the file
. kind      - the expected kind
- signature - the expected signature

  Output Parameter:
. ckpt - the reader; destroy with CurioCheckpointDestroy()
@*/
PetscErrorCode CurioCheckpointOpenRead(MPI_Comm comm, const char path[], const char kind[], const char signature[], CurioCheckpoint *ckpt)
{
  CurioCheckpoint ck;
  PetscMPIInt     rank;
  int             err = 0;
  hid_t           fapl, file;
  PetscBool       ok, found, toolong;
  PetscInt64      version, step;
  char           *held;
  size_t          hlen;

  PetscFunctionBeginUser;
  *ckpt = NULL;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0 && access(path, R_OK)) err = errno;
  PetscCall(ShareErrno(comm, &err));
  PetscCheck(!err, comm, PETSC_ERR_FILE_OPEN, "Cannot read checkpoint '%s': %s", path, strerror(err));
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscCall(CurioH5FileAccessCollective(comm, &fapl));
  H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
  file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  PetscCall(AllTrue(comm, (PetscBool) (file >= 0), &ok));
  if (!ok && file >= 0) H5Fclose(file);
  PetscCheck(ok, comm, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint '%s' is not a readable HDF5 checkpoint (truncated or corrupt file?)", path);

  PetscCall(PetscNew(&ck));
  ck->comm    = comm;
  ck->reading = PETSC_TRUE;
  ck->file    = file;
  ck->lcpl    = -1;
  ck->dxpl    = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(ck->dxpl, H5FD_MPIO_COLLECTIVE);
  PetscCall(PetscStrncpy(ck->path, path, sizeof(ck->path)));
  PetscCall(PetscStrncpy(ck->kind, kind, sizeof(ck->kind)));
  *ckpt = ck; /* from here on an error leaves a reader that CurioCheckpointDestroy() closes; it is destroyed below */

  /* each check: on failure close the file first, so that a caller who catches the error leaks nothing */
#define CKPT_REFUSE(cond, code, ...)           \
  do {                                         \
    if (!(cond)) {                             \
      PetscCall(CurioCheckpointDestroy(ckpt)); \
      SETERRQ(comm, code, __VA_ARGS__);        \
    }                                          \
  } while (0)

  PetscCall(ReadAttrInt(ck, file, "schema_version", &version, &found));
  CKPT_REFUSE(found, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint '%s' has no root attribute 'schema_version': it is not a curio checkpoint", path);
  CKPT_REFUSE(version == CURIO_CHECKPOINT_SCHEMA_VERSION, PETSC_ERR_FILE_UNEXPECTED,
              "Checkpoint '%s' has schema_version %lld, but this curio (%s) reads schema_version %d", path, (long long) version, CURIO_VERSION,
              CURIO_CHECKPOINT_SCHEMA_VERSION);
  {
    char held_kind[64];
    PetscCall(ReadAttrString(ck, file, "kind", held_kind, sizeof(held_kind), &found, &toolong));
    CKPT_REFUSE(found, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint '%s' has no root attribute 'kind': it is not a curio checkpoint", path);
    CKPT_REFUSE(!strcmp(held_kind, kind) && !toolong, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint '%s' holds the state of a '%s' run, expected '%s'", path,
                held_kind, kind);
  }
  PetscCall(PetscStrlen(signature, &hlen));
  hlen = PetscMax(hlen + 2, 4096);
  PetscCall(PetscMalloc1(hlen, &held));
  PetscCall(ReadAttrString(ck, file, "signature", held, hlen, &found, &toolong));
  if (!found || toolong || strcmp(held, signature)) {
    char msg[8192];
    PetscCall(PetscSNPrintf(msg, sizeof(msg), "%s", found ? held : ""));
    PetscCall(PetscFree(held));
    CKPT_REFUSE(found, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint '%s' has no root attribute 'signature': it is not a curio checkpoint", path);
    CKPT_REFUSE(PETSC_FALSE, PETSC_ERR_FILE_UNEXPECTED,
                "Checkpoint '%s' belongs to a different problem:\n  the checkpoint holds signature '%s%s'\n  this run expects signature '%s'\n"
                "Restart with the options and input the checkpoint was written with, or start without -curio_restart",
                path, msg, toolong ? "..." : "", signature);
  }
  PetscCall(PetscFree(held));
  PetscCall(ReadAttrInt(ck, file, "step", &step, &found));
  CKPT_REFUSE(found && step >= 0, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint '%s' has no valid root attribute 'step'", path);
  PetscCall(CurioH5Exists(file, "/state", &found));
  PetscCall(AllTrue(comm, found, &ok));
  CKPT_REFUSE(ok, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint '%s' has no group '/state'", path);
#undef CKPT_REFUSE
  ck->step = step;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointGetStep - the step of a checkpoint being read or written
@*/
PetscErrorCode CurioCheckpointGetStep(CurioCheckpoint ck, PetscInt64 *step)
{
  PetscFunctionBeginUser;
  *step = ck->step;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointGetPath - the file of a checkpoint being read, or of the last one written (the final name)
@*/
PetscErrorCode CurioCheckpointGetPath(CurioCheckpoint ck, const char **path)
{
  PetscFunctionBeginUser;
  *path = ck->path;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointDestroy - closes a reader, or a writer (a write that was begun but not ended is abandoned: its
  temporary file is removed and no checkpoint changes)
@*/
PetscErrorCode CurioCheckpointDestroy(CurioCheckpoint *ckpt)
{
  CurioCheckpoint ck;

  PetscFunctionBeginUser;
  if (!ckpt || !*ckpt) PetscFunctionReturn(PETSC_SUCCESS);
  ck = *ckpt;
  if (ck->reading) {
    if (ck->dxpl >= 0) H5Pclose(ck->dxpl);
    if (ck->file >= 0) H5Fclose(ck->file);
  } else if (ck->file >= 0) {
    PetscBool closed;
    int       err;
    PetscCall(WriterClose(ck, PETSC_FALSE, &closed, &err));
  }
  PetscCall(PetscFree(*ckpt));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* items */

static PetscErrorCode ItemPath(CurioCheckpoint ck, const char name[], char path[], size_t len)
{
  PetscFunctionBegin;
  PetscCheck(ck->file >= 0, ck->comm, PETSC_ERR_ORDER,
             "Checkpoint item '%s': no checkpoint is open (CurioCheckpointBeginWrite or CurioCheckpointOpenRead)", name);
  PetscCheck(name && name[0] && !strchr(name, '/'), ck->comm, PETSC_ERR_ARG_WRONG,
             "Checkpoint item names must be non-empty and without '/', got '%s'", name ? name : "");
  PetscCall(PetscSNPrintf(path, len, "/state/%s", name));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Writes a 1-D dataset (rank 1, length n) or a scalar (n < 0); this rank writes [start, start+count) */
static PetscErrorCode WriteData(CurioCheckpoint ck, const char name[], hid_t type, hid_t memtype, PetscInt64 n, PetscInt64 start, PetscInt64 count,
                                const void *buf)
{
  char      dpath[PETSC_MAX_PATH_LEN];
  hsize_t   dims[1] = {(hsize_t) (n < 0 ? 1 : n)}, st[1] = {(hsize_t) start}, cnt[1] = {(hsize_t) count};
  hid_t     fspace, mspace, dset;
  PetscBool ok, all;

  PetscFunctionBegin;
  PetscCall(ItemPath(ck, name, dpath, sizeof(dpath)));
  PetscCall(PetscLogEventBegin(CURIO_EVENT_Write, 0, 0, 0, 0));
  fspace = n < 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, dims, NULL);
  dset   = H5Dcreate2(ck->file, dpath, type, fspace, ck->lcpl, H5P_DEFAULT, H5P_DEFAULT);
  PetscCall(AllTrue(ck->comm, (PetscBool) (dset >= 0), &all));
  if (!all) {
    if (dset >= 0) H5Dclose(dset);
    H5Sclose(fspace);
  }
  PetscCheck(all, ck->comm, PETSC_ERR_FILE_WRITE, "Cannot create dataset '%s' in checkpoint '%s' (written twice?)", dpath, ck->tmp);
  if (n < 0) {
    mspace = H5Screate(H5S_SCALAR);
    if (count == 0) {
      H5Sselect_none(fspace);
      H5Sselect_none(mspace);
    }
  } else {
    if (count > 0) H5Sselect_hyperslab(fspace, H5S_SELECT_SET, st, NULL, cnt, NULL);
    else H5Sselect_none(fspace);
    mspace = H5Screate_simple(1, cnt[0] > 0 ? cnt : dims, NULL);
    if (count == 0) H5Sselect_none(mspace);
  }
  ok = (PetscBool) (H5Dwrite(dset, memtype, mspace, fspace, ck->dxpl, buf) >= 0);
  H5Sclose(mspace);
  H5Sclose(fspace);
  H5Dclose(dset);
  PetscCall(PetscLogEventEnd(CURIO_EVENT_Write, 0, 0, 0, 0));
  PetscCall(AllTrue(ck->comm, ok, &all));
  PetscCheck(all, ck->comm, PETSC_ERR_FILE_WRITE, "Cannot write dataset '%s' of checkpoint '%s'", dpath, ck->tmp);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Opens a dataset of the checkpoint and checks it: it exists, holds reals or integers as asked, and is a scalar
   (n = -1), of length n (n >= 0) or any length (n = -2, the length is returned in *len) */
static PetscErrorCode OpenData(CurioCheckpoint ck, const char name[], const char what[], PetscBool integer, PetscInt64 n, hid_t *dset,
                               PetscInt64 *len)
{
  char        dpath[PETSC_MAX_PATH_LEN];
  PetscBool   exists, all;
  int         info[3] = {0, 0, 0}; /* class ok, ndims, found */
  int64_t     length  = 0;
  hid_t       d       = -1;
  H5T_class_t want    = integer ? H5T_INTEGER : H5T_FLOAT;

  PetscFunctionBegin;
  PetscCall(ItemPath(ck, name, dpath, sizeof(dpath)));
  PetscCall(CurioH5Exists(ck->file, dpath, &exists));
  if (exists) d = H5Dopen2(ck->file, dpath, H5P_DEFAULT);
  if (d >= 0) {
    hid_t   type = H5Dget_type(d), space = H5Dget_space(d);
    hsize_t dims[H5S_MAX_RANK];
    info[0] = H5Tget_class(type) == want;
    info[1] = H5Sget_simple_extent_ndims(space);
    info[2] = 1;
    if (info[1] == 1) {
      H5Sget_simple_extent_dims(space, dims, NULL);
      length = (int64_t) dims[0];
    }
    H5Tclose(type);
    H5Sclose(space);
  }
  PetscCallMPI(MPI_Bcast(info, 3, MPI_INT, 0, ck->comm));
  PetscCallMPI(MPI_Bcast(&length, 1, MPI_INT64_T, 0, ck->comm));
  PetscCall(AllTrue(ck->comm, (PetscBool) (d >= 0), &all));
  if (!(all && info[0] && (n == -1 ? info[1] == 0 : info[1] == 1) && (n < 0 || length == n)) && d >= 0) H5Dclose(d);
  PetscCheck(info[2] && all, ck->comm, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint '%s' has no dataset '%s' (%s); it was written without it", ck->path,
             dpath, what);
  PetscCheck(info[0], ck->comm, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint '%s': dataset '%s' holds %s, expected %s (%s)", ck->path, dpath,
             integer ? "reals" : "integers", integer ? "integers" : "reals", what);
  if (n == -1)
    PetscCheck(info[1] == 0, ck->comm, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint '%s': dataset '%s' has %d dimensions, expected a scalar (%s)", ck->path,
               dpath, info[1], what);
  else {
    PetscCheck(info[1] == 1, ck->comm, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint '%s': dataset '%s' has %d dimensions, expected 1 (%s)", ck->path, dpath,
               info[1], what);
    PetscCheck(n < 0 || length == n, ck->comm, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint '%s': dataset '%s' has length %lld, expected %lld (%s)",
               ck->path, dpath, (long long) length, (long long) n, what);
  }
  *dset = d;
  if (len) *len = (PetscInt64) length;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Reads [start, start+count) of an opened 1-D dataset (or the scalar, n < 0) into buf, collectively; closes it */
static PetscErrorCode ReadData(CurioCheckpoint ck, const char name[], hid_t dset, hid_t memtype, PetscBool scalar, PetscInt64 start, PetscInt64 count,
                               void *buf)
{
  hsize_t   st[1] = {(hsize_t) start}, cnt[1] = {(hsize_t) (count > 0 ? count : 1)};
  hid_t     fspace, mspace;
  PetscBool ok, all;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CURIO_EVENT_Read, 0, 0, 0, 0));
  fspace = H5Dget_space(dset);
  if (scalar) mspace = H5Screate(H5S_SCALAR);
  else {
    if (count > 0) H5Sselect_hyperslab(fspace, H5S_SELECT_SET, st, NULL, cnt, NULL);
    else H5Sselect_none(fspace);
    mspace = H5Screate_simple(1, cnt, NULL);
    if (count == 0) H5Sselect_none(mspace);
  }
  ok = (PetscBool) (H5Dread(dset, memtype, mspace, fspace, ck->dxpl, buf) >= 0);
  H5Sclose(mspace);
  H5Sclose(fspace);
  H5Dclose(dset);
  PetscCall(PetscLogEventEnd(CURIO_EVENT_Read, 0, 0, 0, 0));
  PetscCall(AllTrue(ck->comm, ok, &all));
  PetscCheck(all, ck->comm, PETSC_ERR_FILE_READ, "Checkpoint '%s': reading dataset '/state/%s' failed (truncated or corrupt file?)", ck->path, name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointVec - writes a distributed Vec (each rank its own entries, at their global offsets) or reads it back
  into a Vec of the same global size and any layout (each rank reads its own range); the values are bit-identical

  Collective
@*/
PetscErrorCode CurioCheckpointVec(CurioCheckpoint ck, const char name[], Vec v)
{
  PetscInt lo, hi, N;

  PetscFunctionBeginUser;
  PetscCall(VecGetSize(v, &N));
  PetscCall(VecGetOwnershipRange(v, &lo, &hi));
  if (!ck->reading) {
    const PetscScalar *a;
    PetscCall(VecGetArrayRead(v, &a));
    PetscCall(WriteData(ck, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, N, lo, hi - lo, a));
    PetscCall(VecRestoreArrayRead(v, &a));
  } else {
    hid_t        d;
    PetscScalar *a;
    PetscCall(OpenData(ck, name, "a vector", PETSC_FALSE, N, &d, NULL));
    PetscCall(VecGetArrayWrite(v, &a));
    PetscCall(ReadData(ck, name, d, H5T_NATIVE_DOUBLE, PETSC_FALSE, lo, hi - lo, a));
    PetscCall(VecRestoreArrayWrite(v, &a));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointRealArray - a replicated array of n reals: written by rank 0 (every rank passes the same values), read
  by every rank; reading checks that the stored length is n

  Collective
@*/
PetscErrorCode CurioCheckpointRealArray(CurioCheckpoint ck, const char name[], PetscInt n, PetscReal a[])
{
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(ck->comm, &rank));
  PetscCheck(n >= 0, ck->comm, PETSC_ERR_ARG_OUTOFRANGE, "Checkpoint array '%s': length must be >= 0, got %" PetscInt_FMT, name, n);
  if (!ck->reading) PetscCall(WriteData(ck, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, 0, rank ? 0 : n, a));
  else {
    hid_t d;
    PetscCall(OpenData(ck, name, "an array of reals", PETSC_FALSE, n, &d, NULL));
    PetscCall(ReadData(ck, name, d, H5T_NATIVE_DOUBLE, PETSC_FALSE, 0, n, a));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointIntArray - a replicated array of n int64 values, as CurioCheckpointRealArray()

  Collective
@*/
PetscErrorCode CurioCheckpointIntArray(CurioCheckpoint ck, const char name[], PetscInt n, PetscInt64 a[])
{
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(ck->comm, &rank));
  PetscCheck(n >= 0, ck->comm, PETSC_ERR_ARG_OUTOFRANGE, "Checkpoint array '%s': length must be >= 0, got %" PetscInt_FMT, name, n);
  if (!ck->reading) PetscCall(WriteData(ck, name, H5T_STD_I64LE, H5T_NATIVE_INT64, n, 0, rank ? 0 : n, a));
  else {
    hid_t d;
    PetscCall(OpenData(ck, name, "an array of integers", PETSC_TRUE, n, &d, NULL));
    PetscCall(ReadData(ck, name, d, H5T_NATIVE_INT64, PETSC_FALSE, 0, n, a));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointArrayLength - reading only: the stored length of an array (to allocate it before
  CurioCheckpointRealArray()/CurioCheckpointIntArray()); an error naming the dataset if it is missing

  Collective
@*/
PetscErrorCode CurioCheckpointArrayLength(CurioCheckpoint ck, const char name[], PetscInt *n)
{
  char      dpath[PETSC_MAX_PATH_LEN];
  PetscBool exists, all;
  int       info[3] = {0, 0, 0}; /* found, ndims, class (1 float, 2 integer) */
  int64_t   length  = 0;
  hid_t     d       = -1;

  PetscFunctionBeginUser;
  PetscCheck(ck->reading, ck->comm, PETSC_ERR_ARG_WRONG, "CurioCheckpointArrayLength is for checkpoints opened with CurioCheckpointOpenRead");
  PetscCall(ItemPath(ck, name, dpath, sizeof(dpath)));
  PetscCall(CurioH5Exists(ck->file, dpath, &exists));
  if (exists) d = H5Dopen2(ck->file, dpath, H5P_DEFAULT);
  if (d >= 0) {
    hid_t   space = H5Dget_space(d);
    hsize_t dims[H5S_MAX_RANK];
    info[0] = 1;
    info[1] = H5Sget_simple_extent_ndims(space);
    if (info[1] == 1) {
      H5Sget_simple_extent_dims(space, dims, NULL);
      length = (int64_t) dims[0];
    }
    H5Sclose(space);
    H5Dclose(d);
  }
  PetscCallMPI(MPI_Bcast(info, 3, MPI_INT, 0, ck->comm));
  PetscCallMPI(MPI_Bcast(&length, 1, MPI_INT64_T, 0, ck->comm));
  PetscCall(AllTrue(ck->comm, (PetscBool) (d >= 0), &all));
  PetscCheck(info[0] && all, ck->comm, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint '%s' has no dataset '%s' (an array); it was written without it",
             ck->path, dpath);
  PetscCheck(info[1] == 1, ck->comm, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint '%s': dataset '%s' has %d dimensions, expected an array (1)", ck->path,
             dpath, info[1]);
  PetscCheck(length <= PETSC_MAX_INT, ck->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Checkpoint '%s': dataset '%s' has length %lld, more than a PetscInt holds", ck->path, dpath, (long long) length);
  *n = (PetscInt) length;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointReal - a replicated real scalar (written by rank 0, read by every rank)

  Collective
@*/
PetscErrorCode CurioCheckpointReal(CurioCheckpoint ck, const char name[], PetscReal *value)
{
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(ck->comm, &rank));
  if (!ck->reading) PetscCall(WriteData(ck, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, -1, 0, rank ? 0 : 1, value));
  else {
    hid_t d;
    PetscCall(OpenData(ck, name, "a real scalar", PETSC_FALSE, -1, &d, NULL));
    PetscCall(ReadData(ck, name, d, H5T_NATIVE_DOUBLE, PETSC_TRUE, 0, 1, value));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointInt - a replicated int64 scalar (written by rank 0, read by every rank)

  Collective
@*/
PetscErrorCode CurioCheckpointInt(CurioCheckpoint ck, const char name[], PetscInt64 *value)
{
  PetscMPIInt rank;
  int64_t     v = ck->reading ? 0 : (int64_t) *value;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(ck->comm, &rank));
  if (!ck->reading) PetscCall(WriteData(ck, name, H5T_STD_I64LE, H5T_NATIVE_INT64, -1, 0, rank ? 0 : 1, &v));
  else {
    hid_t d;
    PetscCall(OpenData(ck, name, "an integer scalar", PETSC_TRUE, -1, &d, NULL));
    PetscCall(ReadData(ck, name, d, H5T_NATIVE_INT64, PETSC_TRUE, 0, 1, &v));
    *value = (PetscInt64) v;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointString - a replicated string, stored as an attribute of /state; reading fills value (of size len)
  and refuses a missing attribute or a value that does not fit

  Collective
@*/
PetscErrorCode CurioCheckpointString(CurioCheckpoint ck, const char name[], char value[], size_t len)
{
  char      dpath[PETSC_MAX_PATH_LEN];
  hid_t     state;
  PetscBool all;

  PetscFunctionBeginUser;
  PetscCall(ItemPath(ck, name, dpath, sizeof(dpath)));
  state = H5Gopen2(ck->file, "/state", H5P_DEFAULT);
  PetscCall(AllTrue(ck->comm, (PetscBool) (state >= 0), &all));
  if (!all && state >= 0) H5Gclose(state);
  PetscCheck(all, ck->comm, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint '%s': cannot open group '/state'", ck->reading ? ck->path : ck->tmp);
  if (!ck->reading) {
    PetscErrorCode ierr = WriteAttrString(ck, state, name, value);
    H5Gclose(state);
    PetscCall(ierr);
  } else {
    PetscBool found, toolong;
    PetscCall(ReadAttrString(ck, state, name, value, len, &found, &toolong));
    H5Gclose(state);
    PetscCheck(found, ck->comm, PETSC_ERR_FILE_UNEXPECTED,
               "Checkpoint '%s' has no string '%s' (attribute '%s' of '/state'); it was written without it", ck->path, name, name);
    PetscCheck(!toolong, ck->comm, PETSC_ERR_ARG_SIZ, "Checkpoint '%s': string '%s' is longer than the %zu bytes given to read it", ck->path, name,
               len);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointHasItem - reading: whether /state holds a dataset or string of this name (for optional items)

  Collective
@*/
PetscErrorCode CurioCheckpointHasItem(CurioCheckpoint ck, const char name[], PetscBool *has)
{
  char dpath[PETSC_MAX_PATH_LEN];
  int  h = 0;

  PetscFunctionBeginUser;
  PetscCall(ItemPath(ck, name, dpath, sizeof(dpath)));
  {
    PetscBool exists;
    PetscCall(CurioH5Exists(ck->file, dpath, &exists));
    h = exists;
    if (!h) h = H5Aexists_by_name(ck->file, "/state", name, H5P_DEFAULT) > 0;
  }
  PetscCallMPI(MPI_Bcast(&h, 1, MPI_INT, 0, ck->comm));
  *has = h ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* signals */

static volatile sig_atomic_t curio_caught_usr1 = 0, curio_caught_term = 0;

static void CurioSignalHandler(int sig)
{
  if (sig == SIGUSR1) curio_caught_usr1 = 1;
  else if (sig == SIGTERM) curio_caught_term = 1;
}

/*@C
  CurioSignalInstall - SIGUSR1 (checkpoint and continue) and SIGTERM (checkpoint and stop) only set a flag, which the
  run polls at its step boundaries with CurioSignalCaught(); SA_RESTART so that interrupted system calls resume

  Not collective
@*/
PetscErrorCode CurioSignalInstall(void)
{
  struct sigaction sa;

  PetscFunctionBeginUser;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = CurioSignalHandler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  PetscCheck(!sigaction(SIGUSR1, &sa, NULL), PETSC_COMM_SELF, PETSC_ERR_SYS, "sigaction(SIGUSR1) failed: %s", strerror(errno));
  PetscCheck(!sigaction(SIGTERM, &sa, NULL), PETSC_COMM_SELF, PETSC_ERR_SYS, "sigaction(SIGTERM) failed: %s", strerror(errno));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioSignalCaught - whether any rank of comm caught SIGUSR1 / SIGTERM since the last call (one MPI_Allreduce); the
  local flags are cleared, so a signal is reported once

  Collective
@*/
PetscErrorCode CurioSignalCaught(MPI_Comm comm, PetscBool *usr1, PetscBool *term)
{
  int local[2], any[2];

  PetscFunctionBeginUser;
  local[0] = curio_caught_usr1 ? 1 : 0;
  if (local[0]) curio_caught_usr1 = 0;
  local[1] = curio_caught_term ? 1 : 0;
  if (local[1]) curio_caught_term = 0;
  PetscCallMPI(MPI_Allreduce(local, any, 2, MPI_INT, MPI_MAX, comm));
  if (usr1) *usr1 = any[0] ? PETSC_TRUE : PETSC_FALSE;
  if (term) *term = any[1] ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

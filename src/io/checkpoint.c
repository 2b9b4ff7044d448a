/* CurioCheckpoint: the state of a long run in one HDF5 file, written collectively with parallel HDF5 as an atomic
   write of the io layer (CurioH5AtomicCreate/Commit: a short temporary name in the prefix's directory, flushed,
   closed, fsync'ed, renamed into place, the directory fsync'ed; the same protocol as CurioOutputOpen/Close), then
   older checkpoints of the prefix rotated out. Read back on any rank count: a Vec is stored as one 1-D dataset in
   global order, each rank reading its own range of whatever layout it has.

   Checkpoint files are written with the io layer's hyperslab and attribute routines directly rather than through
   CurioOutput because the root attribute `step` and the integer items are int64 and CurioOutput's integer writers
   take PetscInt (32 bits in the Debian build).

   Every check is collective: all ranks read the same metadata, rank 0's view is broadcast, and the error is raised on
   the checkpoint's communicator with the same message on every rank. */
#include "ioimpl.h"
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CKPT_DIGITS  10
#define CKPT_MAXSTEP 9999999999LL

struct _n_CurioCheckpoint {
  MPI_Comm      comm;
  PetscBool     reading;
  char          prefix[PETSC_MAX_PATH_LEN];
  PetscInt      keep;
  CurioH5Atomic atomic; /* writing: the temporary file */
  hid_t         file;
  PetscInt64    step;
  char          path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN], kind[64];
  char          owner[PETSC_MAX_PATH_LEN]; /* of its temporary files: the prefix's base name and '*' */
  char         *signature;                 /* writing: the signature of the checkpoint being written, what rotation removes */
};

/* ---------------------------------------------------------------------------------------------------------------- */
/* small collective helpers */

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

/* The owner of a prefix's temporary files (CurioH5AtomicCreateOwned): its base name and '*', one owner for all steps */
static PetscErrorCode OwnerOfPrefix(const char prefix[], char owner[], size_t len)
{
  char        dir[PETSC_MAX_PATH_LEN];
  const char *base;

  PetscFunctionBegin;
  SplitPrefix(prefix, dir, sizeof(dir), &base);
  PetscCall(PetscSNPrintf(owner, len, "%s*", base));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointRemoveStale - a run (every run that writes an output, CurioOutputCheckWritable(), and a restarting
  one) removes the temporary files that an earlier, killed run left: those of its checkpoint prefix (any step) and of
  its output file, and nothing else, never one that a live run is writing (CurioH5RemoveStaleTemporaries()); says how
  many on stdout

  Collective

  Input Parameters:
+ comm   - the run's ranks
. prefix - the checkpoint prefix, or NULL
- output - the output file, or NULL
@*/
PetscErrorCode CurioCheckpointRemoveStale(MPI_Comm comm, const char prefix[], const char output[])
{
  PetscInt a = 0, b = 0;

  PetscFunctionBeginUser;
  if (prefix && prefix[0]) {
    char owner[PETSC_MAX_PATH_LEN];
    PetscCall(OwnerOfPrefix(prefix, owner, sizeof(owner)));
    PetscCall(CurioH5RemoveStaleTemporaries(comm, prefix, owner, &a));
  }
  if (output && output[0]) PetscCall(CurioH5RemoveStaleTemporaries(comm, output, NULL, &b));
  if (a + b) {
    char what[2 * PETSC_MAX_PATH_LEN + 64] = "";
    if (a) PetscCall(PetscSNPrintf(what, sizeof(what), "checkpoint prefix '%s'%s", prefix, b ? ", " : ""));
    if (b) PetscCall(PetscSNPrintf(what + strlen(what), sizeof(what) - strlen(what), "output '%s'", output));
    PetscCall(PetscPrintf(comm, "curio: removed %" PetscInt_FMT " temporary file(s) that an interrupted run left (%s)\n", a + b, what));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointCheckOutput - refuses an output file that has the name of a checkpoint of the prefix
  (`<prefix>-<10 digits>.h5` in the prefix's directory, however either is spelled): writing it would replace a
  checkpoint, -curio_restart auto would take it for the newest one, and rotation would count it

  Collective

  Input Parameters:
+ comm   - the run's ranks
. prefix - the checkpoint prefix (NULL or empty: nothing to check)
- output - the output file
@*/
PetscErrorCode CurioCheckpointCheckOutput(MPI_Comm comm, const char prefix[], const char output[])
{
  PetscMPIInt rank;
  int         clash = 0;

  PetscFunctionBeginUser;
  if (!prefix || !prefix[0] || !output || !output[0]) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    char        pdir[PETSC_MAX_PATH_LEN], odir[PETSC_MAX_PATH_LEN];
    const char *pbase, *obase;
    struct stat sp, so;
    SplitPrefix(prefix, pdir, sizeof(pdir), &pbase);
    SplitPrefix(output, odir, sizeof(odir), &obase);
    clash = NameStep(obase, pbase) >= 0 && !stat(pdir, &sp) && !stat(odir, &so) && sp.st_dev == so.st_dev && sp.st_ino == so.st_ino;
  }
  PetscCallMPI(MPI_Bcast(&clash, 1, MPI_INT, 0, comm));
  PetscCheck(!clash, comm, PETSC_ERR_USER_INPUT,
             "-curio_output '%s' has the name of a checkpoint of -curio_checkpoint_prefix '%s' (<prefix>-<10 digits>.h5): it would replace "
             "a checkpoint or be taken for one by -curio_restart auto; choose another output name",
             output, prefix);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* HDF5 attributes (the io layer's; errors name the checkpoint) */

static PetscErrorCode WriteAttr(CurioCheckpoint ck, hid_t obj, const char name[], CurioH5Type t, const void *value)
{
  PetscBool ok;

  PetscFunctionBegin;
  PetscCall(CurioH5WriteAttribute(ck->comm, obj, name, t, value, &ok));
  PetscCheck(ok, ck->comm, PETSC_ERR_FILE_WRITE, "Cannot write attribute '%s' of checkpoint '%s'", name, ck->path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteAttrInt(CurioCheckpoint ck, hid_t obj, const char name[], PetscInt64 value)
{
  PetscFunctionBegin;
  PetscCall(WriteAttr(ck, obj, name, CURIO_H5_INT, &value));
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
  { /* the directory is checked now, not when the first checkpoint is due hours later */
    PetscMPIInt rank;
    int         err = 0;
    char        dir[PETSC_MAX_PATH_LEN];
    const char *base;
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    SplitPrefix(prefix, dir, sizeof(dir), &base);
    if (rank == 0) {
      struct stat st;
      if (stat(dir, &st)) err = errno;
      else if (!S_ISDIR(st.st_mode)) err = ENOTDIR;
      else if (access(dir, W_OK | X_OK)) err = errno;
    }
    PetscCall(ShareErrno(comm, &err));
    PetscCheck(!err, comm, PETSC_ERR_FILE_OPEN, "Checkpoint prefix '%s': its directory '%s' cannot hold checkpoints: %s", prefix, dir, strerror(err));
  }
  PetscCall(PetscNew(&ck));
  ck->comm    = comm;
  ck->reading = PETSC_FALSE;
  ck->keep    = keep;
  ck->file    = -1;
  ck->step    = -1;
  PetscCall(PetscStrncpy(ck->prefix, prefix, sizeof(ck->prefix)));
  PetscCall(OwnerOfPrefix(prefix, ck->owner, sizeof(ck->owner)));
  *ckpt = ck;
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
  hid_t     state, lcpl;
  PetscBool ok;

  PetscFunctionBeginUser;
  PetscCheck(ck && !ck->reading, ck ? ck->comm : PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "CurioCheckpointBeginWrite needs a writer (CurioCheckpointWriterCreate)");
  PetscCheck(ck->file < 0, ck->comm, PETSC_ERR_ORDER,
             "CurioCheckpointBeginWrite: the checkpoint of step %lld is still open; call CurioCheckpointEndWrite first", (long long) ck->step);
  PetscCheck(step >= 0 && step <= CKPT_MAXSTEP, ck->comm, PETSC_ERR_ARG_OUTOFRANGE, "Checkpoint step must be in [0, %lld], got %lld", CKPT_MAXSTEP,
             (long long) step);
  ck->step = step;
  PetscCall(PetscStrncpy(ck->kind, kind, sizeof(ck->kind)));
  PetscCall(PetscFree(ck->signature));
  PetscCall(PetscStrallocpy(signature, &ck->signature));
  PetscCall(StepPath(ck->prefix, step, ck->path, sizeof(ck->path)));
  PetscCall(CurioH5AtomicCreateOwned(ck->comm, ck->path, ck->owner, &ck->atomic, &ok));
  PetscCall(PetscStrncpy(ck->tmp, ck->atomic.tmp, sizeof(ck->tmp)));
  PetscCheck(ok, ck->comm, PETSC_ERR_FILE_OPEN,
             "Cannot create checkpoint file '%s' (temporary '%s'): is the directory of the prefix '%s' there and writable?", ck->path, ck->tmp,
             ck->prefix);
  ck->file = ck->atomic.file;

  PetscCall(CurioH5WriteProvenance(ck->comm, ck->file, kind, &ok));
  PetscCheck(ok, ck->comm, PETSC_ERR_FILE_WRITE, "Cannot write the root attributes of checkpoint '%s'", ck->path);
  PetscCall(WriteAttr(ck, ck->file, "signature", CURIO_H5_STRING, signature));
  PetscCall(WriteAttrInt(ck, ck->file, "step", step));
  lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  state = H5Gcreate2(ck->file, "/state", lcpl, H5P_DEFAULT, H5P_DEFAULT);
  H5Pclose(lcpl);
  if (state >= 0) H5Gclose(state);
  PetscCall(CurioH5AllTrue(ck->comm, (PetscBool) (state >= 0), &ok));
  PetscCheck(ok, ck->comm, PETSC_ERR_FILE_WRITE, "Cannot create group '/state' in checkpoint '%s'", ck->tmp);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rank 0 only: whether a file is a checkpoint of the writer's run (root attributes kind and signature those of the
   checkpoint just written), read without MPI-IO; anything that does not open or differs is not */
static PetscErrorCode IsOwnCheckpoint(CurioCheckpoint ck, const char path[], PetscBool *own)
{
  char      kind[64], *sig;
  size_t    len;
  PetscBool found[2] = {PETSC_FALSE, PETSC_FALSE}, toolong[2] = {PETSC_TRUE, PETSC_TRUE};
  hid_t     file;

  PetscFunctionBegin;
  *own = PETSC_FALSE;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscStrlen(ck->signature, &len));
  PetscCall(PetscMalloc1(len + 2, &sig));
  PetscCall(CurioH5ReadAttribute(MPI_COMM_NULL, file, "kind", CURIO_H5_STRING, kind, sizeof(kind), &found[0], &toolong[0]));
  PetscCall(CurioH5ReadAttribute(MPI_COMM_NULL, file, "signature", CURIO_H5_STRING, sig, len + 2, &found[1], &toolong[1]));
  *own = (PetscBool) (found[0] && found[1] && !toolong[0] && !toolong[1] && !strcmp(kind, ck->kind) && !strcmp(sig, ck->signature));
  PetscCall(PetscFree(sig));
  H5Fclose(file);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rank 0 only: removes the checkpoint files of the prefix beyond the newest keep (never `current`). Only files that
   are checkpoints of this run are removed: a file that merely has a checkpoint's name (another run's checkpoint with
   the same prefix, an output named like one, a file that does not open) stays, whatever its step */
static PetscErrorCode Rotate(CurioCheckpoint ck, int *err)
{
  StepFile *files;
  int       n, kept = 0;

  PetscFunctionBegin;
  PetscCall(ListSteps(ck->prefix, &files, &n, err));
  for (int i = 0; i < n; i++) {
    PetscBool same, own;
    PetscCall(PetscStrcmp(files[i].name, ck->path, &same));
    if (same || files[i].step == ck->step) { /* the file just written stays, whatever the others' steps */
      kept++;
      continue;
    }
    PetscCall(IsOwnCheckpoint(ck, files[i].name, &own));
    if (!own) continue; /* not counted either: keep K means K of this run's checkpoints */
    if (kept++ < ck->keep) continue;
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
  int         err = 0;
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCheck(ck && !ck->reading && ck->file >= 0, ck ? ck->comm : PETSC_COMM_SELF, PETSC_ERR_ORDER,
             "CurioCheckpointEndWrite without CurioCheckpointBeginWrite");
  PetscCall(PetscLogEventBegin(CURIO_EVENT_Write, 0, 0, 0, 0));
  {
    PetscBool ok;
    PetscCall(CurioH5CompleteDims(ck->comm, ck->file, &ok)); /* every item's axis gets its index: the file opens in xarray */
    if (!ok) PetscCall(CurioH5AtomicAbort(&ck->atomic));
    PetscCheck(ok, ck->comm, PETSC_ERR_FILE_WRITE, "Cannot give the items of checkpoint '%s' their dimension scales", ck->path);
  }
  ck->file = -1; /* closed by the commit, whatever happens */
  PetscCall(CurioH5AtomicCommit(&ck->atomic, "checkpoint"));
  PetscCallMPI(MPI_Comm_rank(ck->comm, &rank));
  if (rank == 0) PetscCall(Rotate(ck, &err));
  PetscCall(ShareErrno(ck->comm, &err));
  PetscCall(PetscLogEventEnd(CURIO_EVENT_Write, 0, 0, 0, 0));
  PetscCheck(!err, ck->comm, PETSC_ERR_FILE_WRITE, "Checkpoint '%s' was written, but removing older checkpoints of '%s' failed: %s", ck->path,
             ck->prefix, strerror(err));
  if (path) PetscCall(PetscStrncpy(path, ck->path, len));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointAbortWrite - abandons a write begun with CurioCheckpointBeginWrite() (on an error path): the temporary
  file is removed and no checkpoint changes; the writer can begin another write. Raises no error of its own.

  Collective
@*/
PetscErrorCode CurioCheckpointAbortWrite(CurioCheckpoint ck)
{
  PetscFunctionBeginUser;
  if (!ck || ck->reading || ck->file < 0) PetscFunctionReturn(PETSC_SUCCESS);
  ck->file = -1;
  PetscCall(CurioH5AtomicAbort(&ck->atomic));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* reading */

/*@C
  CurioCheckpointFindLatest - the newest complete checkpoint of a prefix: the highest step among the files
  `<prefix>-<10 digits>.h5` (temporary `.curio-*.tmp` files of an interrupted write are ignored)

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

/* Rank 0 only: the names of the datasets in /state, each followed by a NUL, in names (of size len) */
static herr_t ListDataset(hid_t group, const char name[], const H5L_info_t *info, void *data)
{
  char      *names = ((char **) data)[0];
  size_t    *len = ((size_t **) data)[1], l = strlen(name);
  H5O_info_t oinfo;

  (void) info;
  if (H5Oget_info_by_name(group, name, &oinfo, H5P_DEFAULT) < 0 || oinfo.type != H5O_TYPE_DATASET) return 0;
  if (len[1] + l + 2 > len[0]) return -1; /* too many names: the caller reports it */
  memcpy(names + len[1], name, l + 1);
  len[1] += l + 1;
  return 0;
}

/* Verifies the checksum of every dataset in /state (CurioH5VerifyChecksum); msg names the first that fails */
static PetscErrorCode VerifyState(MPI_Comm comm, hid_t file, const char path[], char msg[], size_t mlen)
{
  PetscMPIInt rank;
  size_t      len[2] = {65536, 0};
  char       *names;
  int         listed = 1;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscCalloc1(len[0], &names));
  if (rank == 0) {
    void *data[2] = {names, len};
    listed        = H5Literate_by_name(file, "/state", H5_INDEX_NAME, H5_ITER_INC, NULL, ListDataset, data, H5P_DEFAULT) >= 0;
  }
  PetscCallMPI(MPI_Bcast(&listed, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(len, 2, MPIU_SIZE_T, 0, comm));
  PetscCallMPI(MPI_Bcast(names, (PetscMPIInt) len[1], MPI_CHAR, 0, comm));
  if (!listed) PetscCall(PetscSNPrintf(msg, mlen, "Checkpoint '%s': cannot list the datasets of '/state' (corrupt file?)", path));
  for (size_t k = 0; listed && k < len[1] && !msg[0]; k += strlen(names + k) + 1) {
    char dpath[PETSC_MAX_PATH_LEN];
    int  status;
    PetscCall(PetscSNPrintf(dpath, sizeof(dpath), "/state/%s", names + k));
    PetscCall(CurioH5VerifyChecksum(comm, file, dpath, &status));
    if (status == 1)
      PetscCall(PetscSNPrintf(msg, mlen, "Checkpoint '%s': dataset '%s' has no checksum (written by an older curio, or altered?)", path, dpath));
    else if (status == 2)
      PetscCall(PetscSNPrintf(msg, mlen, "Checkpoint '%s': dataset '%s' is not a scalar or 1-D dataset of 64-bit numbers", path, dpath));
    else if (status == 3)
      PetscCall(PetscSNPrintf(msg, mlen, "Checkpoint '%s': reading dataset '%s' failed (truncated or corrupt file?)", path, dpath));
    else if (status == 4)
      PetscCall(PetscSNPrintf(msg, mlen, "Checkpoint '%s': dataset '%s' does not match its checksum: the file is corrupt", path, dpath));
  }
  PetscCall(PetscFree(names));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Opens a checkpoint and checks it (readable, kind, schema version, signature, step, /state, every dataset's
   checksum); on failure *file < 0 and msg says why (nothing is raised for what the file holds) */
static PetscErrorCode OpenChecked(MPI_Comm comm, const char path[], const char kind[], const char signature[], hid_t *file, PetscInt64 *step,
                                  char msg[], size_t len)
{
  PetscMPIInt rank;
  int         err = 0;
  hid_t       fapl;
  PetscBool   ok, found;

  PetscFunctionBegin;
  msg[0] = 0;
  *file  = -1;
  *step  = -1;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0 && access(path, R_OK)) err = errno;
  PetscCall(ShareErrno(comm, &err));
  if (err) {
    PetscCall(PetscSNPrintf(msg, len, "Cannot read checkpoint '%s': %s", path, strerror(err)));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscCall(CurioH5FileAccessCollective(comm, &fapl));
  *file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  PetscCall(CurioH5AllTrue(comm, (PetscBool) (*file >= 0), &ok));
  if (!ok) {
    if (*file >= 0) H5Fclose(*file);
    *file = -1;
    PetscCall(PetscSNPrintf(msg, len, "Checkpoint '%s' is not a readable HDF5 checkpoint (truncated or corrupt file?)", path));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(CurioH5CheckIdentity(comm, *file, path, "Checkpoint", kind, signature, msg, len));
  if (!msg[0]) {
    PetscCall(CurioH5ReadAttribute(comm, *file, "step", CURIO_H5_INT, step, 0, &found, NULL));
    if (!found) PetscCall(PetscSNPrintf(msg, len, "Checkpoint '%s' has no root attribute 'step'", path));
    else if (*step < 0 || *step > CKPT_MAXSTEP)
      PetscCall(PetscSNPrintf(msg, len, "Checkpoint '%s': root attribute 'step' is %lld, expected a step in [0, %lld]", path, (long long) *step,
                              CKPT_MAXSTEP));
  }
  if (!msg[0]) {
    PetscCall(CurioH5Exists(*file, "/state", &found));
    PetscCall(CurioH5AllTrue(comm, found, &ok));
    if (!ok) PetscCall(PetscSNPrintf(msg, len, "Checkpoint '%s' has no group '/state'", path));
  }
  if (!msg[0]) PetscCall(VerifyState(comm, *file, path, msg, len));
  if (msg[0]) {
    H5Fclose(*file);
    *file = -1;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReaderCreate(MPI_Comm comm, const char path[], const char kind[], hid_t file, PetscInt64 step, CurioCheckpoint *ckpt)
{
  CurioCheckpoint ck;

  PetscFunctionBegin;
  PetscCall(PetscNew(&ck));
  ck->comm    = comm;
  ck->reading = PETSC_TRUE;
  ck->file    = file;
  ck->step    = step;
  PetscCall(PetscStrncpy(ck->path, path, sizeof(ck->path)));
  PetscCall(PetscStrncpy(ck->kind, kind, sizeof(ck->kind)));
  *ckpt = ck;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointOpenRead - opens a checkpoint for reading and checks that it is one of this schema version, kind and
  signature, and that every dataset of its state matches its checksum; refuses anything else with an error that
  names the file (and the dataset), what it holds and what was expected

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
  hid_t      file;
  PetscInt64 step;
  char       msg[16384];

  PetscFunctionBeginUser;
  *ckpt = NULL;
  PetscCall(OpenChecked(comm, path, kind, signature, &file, &step, msg, sizeof(msg)));
  PetscCheck(!msg[0], comm, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);
  PetscCall(ReaderCreate(comm, path, kind, file, step, ckpt));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointOpenLatest - opens the newest checkpoint of a prefix that opens and verifies (CurioCheckpointOpenRead()'s
  checks), newest step first; every newer one that fails is skipped with a warning on stderr that names it and says
  why. If checkpoints exist but none verifies, that is an error (nothing is silently started over).

  Collective

  Output Parameters:
+ ckpt  - the reader (NULL if the prefix has no checkpoint)
- found - whether there is one
@*/
PetscErrorCode CurioCheckpointOpenLatest(MPI_Comm comm, const char prefix[], const char kind[], const char signature[], CurioCheckpoint *ckpt,
                                         PetscBool *found)
{
  PetscMPIInt rank;
  StepFile   *files = NULL;
  int         n = 0, err = 0, skipped = 0;
  char        msg[16384], first[16384] = "";

  PetscFunctionBeginUser;
  *ckpt  = NULL;
  *found = PETSC_FALSE;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) PetscCall(ListSteps(prefix, &files, &n, &err));
  PetscCallMPI(MPI_Bcast(&n, 1, MPI_INT, 0, comm));
  if (rank) PetscCall(PetscMalloc1(PetscMax(n, 1), &files));
  PetscCallMPI(MPI_Bcast(files, (PetscMPIInt) (n * sizeof(StepFile)), MPI_BYTE, 0, comm));
  for (int k = 0; k < n && !*found; k++) {
    hid_t      file;
    PetscInt64 step;
    PetscCall(OpenChecked(comm, files[k].name, kind, signature, &file, &step, msg, sizeof(msg)));
    if (!msg[0]) {
      PetscCall(ReaderCreate(comm, files[k].name, kind, file, step, ckpt));
      *found = PETSC_TRUE;
    } else {
      if (!skipped++) PetscCall(PetscStrncpy(first, msg, sizeof(first)));
      PetscCall(PetscFPrintf(comm, PETSC_STDERR, "curio: warning: skipping checkpoint '%s': %s\n", files[k].name, msg));
    }
  }
  PetscCall(PetscFree(files));
  PetscCheck(*found || !skipped, comm, PETSC_ERR_FILE_UNEXPECTED,
             "None of the %d checkpoints of prefix '%s' opens and verifies (the newest: %s); move them away to start from the beginning", skipped,
             prefix, first);
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
    if (ck->file >= 0) H5Fclose(ck->file);
  } else if (ck->file >= 0) PetscCall(CurioH5AtomicAbort(&ck->atomic));
  PetscCall(PetscFree(ck->signature));
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
  PetscBool exists, ok;

  PetscFunctionBegin;
  PetscCall(ItemPath(ck, name, dpath, sizeof(dpath)));
  PetscCall(CurioH5Exists(ck->file, dpath, &exists));
  PetscCheck(!exists, ck->comm, PETSC_ERR_FILE_WRITE, "Cannot create dataset '%s' in checkpoint '%s' (written twice?)", dpath, ck->tmp);
  PetscCall(CurioH5WriteBlock(ck->comm, ck->file, dpath, type, memtype, n, 0, start, count, buf, &ok));
  PetscCheck(ok, ck->comm, PETSC_ERR_FILE_WRITE, "Cannot write dataset '%s' (and its checksum) of checkpoint '%s'", dpath, ck->tmp);
  { /* a checkpoint holds a run's raw state: its units are those of the run's quantity of the same name ("[state]") */
    char ln[PETSC_MAX_PATH_LEN + 64];
    PetscCall(PetscSNPrintf(ln, sizeof(ln), "checkpointed state '%s' of a %s run", name, ck->kind));
    PetscCall(CurioH5Describe(ck->comm, ck->file, dpath, H5Tget_class(type) == H5T_INTEGER ? "1" : "[state]", ln, &ok));
    PetscCheck(ok, ck->comm, PETSC_ERR_FILE_WRITE, "Cannot describe dataset '%s' of checkpoint '%s'", dpath, ck->tmp);
  }
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
  PetscCall(CurioH5AllTrue(ck->comm, (PetscBool) (d >= 0), &all));
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

/* Reads [start, start+count) of an opened 1-D dataset (or the scalar) into buf, collectively; closes it */
static PetscErrorCode ReadData(CurioCheckpoint ck, const char name[], hid_t dset, hid_t memtype, PetscBool scalar, PetscInt64 start, PetscInt64 count,
                               void *buf)
{
  PetscBool ok;

  PetscFunctionBegin;
  PetscCall(CurioH5ReadBlock(ck->comm, dset, memtype, scalar ? 0 : start, count, 0, buf, &ok));
  H5Dclose(dset);
  PetscCheck(ok, ck->comm, PETSC_ERR_FILE_READ, "Checkpoint '%s': reading dataset '/state/%s' failed (truncated or corrupt file?)", ck->path, name);
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

/* A replicated array of n values of one type: written by rank 0, read by every rank with its length checked */
static PetscErrorCode ReplicatedArray(CurioCheckpoint ck, const char name[], hid_t ftype, hid_t mtype, PetscBool integer, PetscInt n, void *a)
{
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(ck->comm, &rank));
  PetscCheck(n >= 0, ck->comm, PETSC_ERR_ARG_OUTOFRANGE, "Checkpoint array '%s': length must be >= 0, got %" PetscInt_FMT, name, n);
  if (!ck->reading) PetscCall(WriteData(ck, name, ftype, mtype, n, 0, rank ? 0 : n, a));
  else {
    hid_t d;
    PetscCall(OpenData(ck, name, integer ? "an array of integers" : "an array of reals", integer, n, &d, NULL));
    PetscCall(ReadData(ck, name, d, mtype, PETSC_FALSE, 0, n, a));
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
  PetscFunctionBeginUser;
  PetscCall(ReplicatedArray(ck, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, PETSC_FALSE, n, a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckpointIntArray - a replicated array of n int64 values, as CurioCheckpointRealArray()

  Collective
@*/
PetscErrorCode CurioCheckpointIntArray(CurioCheckpoint ck, const char name[], PetscInt n, PetscInt64 a[])
{
  PetscFunctionBeginUser;
  PetscCall(ReplicatedArray(ck, name, H5T_STD_I64LE, H5T_NATIVE_INT64, PETSC_TRUE, n, a));
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
  PetscCall(CurioH5AllTrue(ck->comm, (PetscBool) (d >= 0), &all));
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
  PetscCall(CurioH5AllTrue(ck->comm, (PetscBool) (state >= 0), &all));
  if (!all && state >= 0) H5Gclose(state);
  PetscCheck(all, ck->comm, PETSC_ERR_FILE_UNEXPECTED, "Checkpoint '%s': cannot open group '/state'", ck->reading ? ck->path : ck->tmp);
  if (!ck->reading) {
    PetscErrorCode ierr = WriteAttr(ck, state, name, CURIO_H5_STRING, value);
    H5Gclose(state);
    PetscCall(ierr);
  } else {
    PetscBool found, toolong;
    PetscCall(CurioH5ReadAttribute(ck->comm, state, name, CURIO_H5_STRING, value, len, &found, &toolong));
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

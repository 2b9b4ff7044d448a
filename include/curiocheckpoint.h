/**
  @file curiocheckpoint.h
  @brief CurioCheckpoint: the whole state of a long run (SGDF training, an active-learning loop) in one HDF5 file,
  written collectively as an atomic write (a short temporary name in the same directory, flushed, fsync'ed, renamed
  into place, the directory fsync'ed), the last K kept; read back on any rank count.

  A checkpoint file holds:
  - root attributes `schema_version` (int, CURIO_SCHEMA_VERSION, the one schema version of every curio file),
    `kind` (string, e.g. "sgdf" or "active"), `signature` (string identifying the problem: data file, sizes, loss,
    ... as the caller composes it), `step` (int64), `created` (ISO 8601 UTC), `curio_version`, `nranks`, `options`;
  - datasets under `/state/`: distributed Vecs (written by every rank at its offset, so they can be read back into
    any layout), replicated real and int64 arrays and scalars, and strings (as attributes of `/state`).

  Reading checks the schema version, the kind and the signature, and refuses a mismatch with a message that names
  the file, what it holds and what was expected. A missing dataset is an error that names it.
*/
#pragma once

#include "curiosys.h"

typedef struct _n_CurioCheckpoint *CurioCheckpoint;

/* Writing: files are <prefix>-<step, 10 digits>.h5; after each successful write only the newest `keep` remain (by
   step; the file just written always stays). An error between BeginWrite and EndWrite leaves only a temporary file,
   which CurioCheckpointDestroy() removes; an error in EndWrite removes it itself: existing checkpoints are never
   damaged. */
PETSC_EXTERN PetscErrorCode CurioCheckpointWriterCreate(MPI_Comm, const char prefix[], PetscInt keep, CurioCheckpoint *);
PETSC_EXTERN PetscErrorCode CurioCheckpointBeginWrite(CurioCheckpoint, const char kind[], const char signature[], PetscInt64 step);
PETSC_EXTERN PetscErrorCode CurioCheckpointEndWrite(CurioCheckpoint, char path[], size_t);
PETSC_EXTERN PetscErrorCode CurioCheckpointAbortWrite(CurioCheckpoint);

/* Reading: a given file, or the newest complete checkpoint of a prefix */
PETSC_EXTERN PetscErrorCode CurioCheckpointFindLatest(MPI_Comm, const char prefix[], char path[], size_t, PetscBool *);
PETSC_EXTERN PetscErrorCode CurioCheckpointOpenRead(MPI_Comm, const char path[], const char kind[], const char signature[], CurioCheckpoint *);
PETSC_EXTERN PetscErrorCode CurioCheckpointOpenLatest(MPI_Comm, const char prefix[], const char kind[], const char signature[], CurioCheckpoint *,
                                                      PetscBool *found);
PETSC_EXTERN PetscErrorCode CurioCheckpointRemoveStale(MPI_Comm, const char prefix[], const char output[]);
PETSC_EXTERN PetscErrorCode CurioCheckpointCheckOutput(MPI_Comm comm, const char prefix[], const char output[]);
PETSC_EXTERN PetscErrorCode CurioCheckpointGetStep(CurioCheckpoint, PetscInt64 *);
/* The file being read, or the last one written (its final name) */
PETSC_EXTERN PetscErrorCode CurioCheckpointGetPath(CurioCheckpoint, const char **);

PETSC_EXTERN PetscErrorCode CurioCheckpointDestroy(CurioCheckpoint *);

/* Items under /state; the same calls in write and read mode (read mode fills the argument). A Vec may be read into
   a Vec of the same global size with any parallel layout. Arrays and scalars are replicated: every rank passes the
   same values when writing and gets them all when reading. */
PETSC_EXTERN PetscErrorCode CurioCheckpointVec(CurioCheckpoint, const char name[], Vec);
PETSC_EXTERN PetscErrorCode CurioCheckpointRealArray(CurioCheckpoint, const char name[], PetscInt n, PetscReal[]);
PETSC_EXTERN PetscErrorCode CurioCheckpointIntArray(CurioCheckpoint, const char name[], PetscInt n, PetscInt64[]);
PETSC_EXTERN PetscErrorCode CurioCheckpointArrayLength(CurioCheckpoint, const char name[], PetscInt *);
PETSC_EXTERN PetscErrorCode CurioCheckpointReal(CurioCheckpoint, const char name[], PetscReal *);
PETSC_EXTERN PetscErrorCode CurioCheckpointInt(CurioCheckpoint, const char name[], PetscInt64 *);
PETSC_EXTERN PetscErrorCode CurioCheckpointString(CurioCheckpoint, const char name[], char value[], size_t);
/* Reading: whether /state holds an item of this name (for optional items, e.g. an optimizer's moments) */
PETSC_EXTERN PetscErrorCode CurioCheckpointHasItem(CurioCheckpoint, const char name[], PetscBool *);

/* Signals: SIGUSR1 and SIGTERM set a flag (nothing else happens in the handler); at a step boundary every rank asks
   whether any rank caught one (one small MPI_Allreduce), and the run checkpoints (and, for SIGTERM, stops). */
PETSC_EXTERN PetscErrorCode CurioSignalInstall(void);
PETSC_EXTERN PetscErrorCode CurioSignalCaught(MPI_Comm, PetscBool *usr1, PetscBool *term);

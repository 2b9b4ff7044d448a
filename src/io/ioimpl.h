/* Internal declarations of the io layer: the one HDF5 layer (src/io/h5.c) under outputs and checkpoints. */
#pragma once

#include "../sys/sysimpl.h"
#include <curiooutput.h>
#include <curiocheckpoint.h>
#include <hdf5.h>

/* The one HDF5 layer (src/io/h5.c); everything is collective over the file's communicator */
typedef enum { CURIO_H5_STRING, CURIO_H5_REAL, CURIO_H5_INT } CurioH5Type;
/* An atomic write: the temporary file in the target's directory, renamed over the target when complete */
typedef struct _n_CurioH5Strings CurioH5Strings; /* string datasets to fill when the file is closed (CurioH5WriteStrings) */
typedef struct {
  MPI_Comm        comm;
  hid_t           file;
  int             lockfd; /* rank 0: the descriptor that holds the temporary file's liveness lock (-1: none) */
  char            path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN];
  CurioH5Strings *strings;
} CurioH5Atomic;
PETSC_INTERN PetscErrorCode CurioH5AllTrue(MPI_Comm, PetscBool, PetscBool *);
PETSC_INTERN PetscErrorCode CurioH5FileAccessCollective(MPI_Comm, hid_t *);
PETSC_INTERN PetscErrorCode CurioH5OpenRead(MPI_Comm, const char[], hid_t *);
PETSC_INTERN PetscErrorCode CurioH5OpenReadFor(MPI_Comm, const char[], const char[], hid_t *);
PETSC_INTERN PetscErrorCode CurioH5Exists(hid_t, const char[], PetscBool *);
PETSC_INTERN PetscErrorCode CurioH5GetShape(MPI_Comm, hid_t, const char[], const char[], int *, PetscInt[2]);
PETSC_INTERN PetscErrorCode CurioH5DatasetLength(MPI_Comm, hid_t, const char[], const char[], PetscBool, PetscBool *, PetscInt64 *);
PETSC_INTERN PetscErrorCode CurioH5ReadBlock(MPI_Comm, hid_t, hid_t, PetscInt64, PetscInt64, PetscInt64, void *, PetscBool *);
PETSC_INTERN PetscErrorCode CurioH5ReadRows(MPI_Comm, hid_t, const char[], const char[], PetscInt, PetscInt, PetscInt, PetscReal[]);
PETSC_INTERN PetscErrorCode CurioH5ReadSlice(MPI_Comm, hid_t, const char[], const char[], hid_t, PetscInt64, PetscInt64, void *);
PETSC_INTERN PetscErrorCode CurioH5WriteBlock(MPI_Comm, hid_t, const char[], hid_t, hid_t, PetscInt64, PetscInt64, PetscInt64, PetscInt64,
                                              const void *, PetscBool *);
PETSC_INTERN PetscErrorCode CurioH5WriteAttribute(MPI_Comm, hid_t, const char[], CurioH5Type, const void *, PetscBool *);
PETSC_INTERN PetscErrorCode CurioH5ReadAttribute(MPI_Comm, hid_t, const char[], CurioH5Type, void *, size_t, PetscBool *, PetscBool *);
PETSC_INTERN PetscErrorCode CurioH5AttachDims(MPI_Comm, hid_t, const char[], const char[], char[], size_t);
PETSC_INTERN PetscErrorCode CurioH5Describe(MPI_Comm, hid_t, const char[], const char[], const char[], PetscBool *);
PETSC_INTERN PetscErrorCode CurioH5CompleteDims(MPI_Comm, hid_t, PetscBool *);
PETSC_INTERN PetscErrorCode CurioH5ReadStrings(MPI_Comm, hid_t, const char[], const char[], PetscInt, char ***);
PETSC_INTERN PetscErrorCode CurioH5FreeStrings(char ***);
PETSC_INTERN PetscErrorCode CurioH5WriteStrings(CurioH5Atomic *, const char[], PetscInt, const char *const[], PetscBool *);
PETSC_INTERN void           CurioH5ChecksumAdd(const void *, PetscInt64, PetscInt64, uint64_t *);
PETSC_INTERN PetscErrorCode CurioH5WriteChecksum(MPI_Comm, hid_t, const char[], PetscInt64, PetscInt64, const void *, PetscBool *);
PETSC_INTERN PetscErrorCode CurioH5WriteChecksumSum(MPI_Comm, hid_t, const char[], uint64_t, PetscBool *);
PETSC_INTERN PetscErrorCode CurioH5VerifyChecksum(MPI_Comm, hid_t, const char[], int *);
PETSC_INTERN PetscErrorCode CurioH5WriteProvenance(MPI_Comm, hid_t, const char[], PetscBool *);
PETSC_INTERN PetscErrorCode CurioH5CheckIdentity(MPI_Comm, hid_t, const char[], const char[], const char[], const char[], char[], size_t);
PETSC_INTERN PetscErrorCode CurioH5ResolveTarget(MPI_Comm, const char[], const char[], char[], size_t);
PETSC_INTERN PetscErrorCode CurioH5TemporaryName(MPI_Comm, const char[], char[], size_t);
PETSC_INTERN PetscErrorCode CurioH5AtomicCreate(MPI_Comm, const char[], CurioH5Atomic *, PetscBool *);
PETSC_INTERN PetscErrorCode CurioH5TemporaryNameOwned(MPI_Comm, const char[], const char[], char[], size_t);
PETSC_INTERN PetscErrorCode CurioH5AtomicCreateOwned(MPI_Comm, const char[], const char[], CurioH5Atomic *, PetscBool *);
PETSC_INTERN PetscErrorCode CurioH5RemoveStaleTemporaries(MPI_Comm, const char[], const char[], PetscInt *);
PETSC_INTERN PetscErrorCode CurioH5AtomicCommit(CurioH5Atomic *, const char[]);
PETSC_INTERN PetscErrorCode CurioH5AtomicAbort(CurioH5Atomic *);

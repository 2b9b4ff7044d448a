/* Internal declarations of libcurio: not installed, not part of the public API. */
#pragma once

#include <curio.h>
#include <hdf5.h>

PETSC_INTERN PetscLogEvent CURIO_EVENT_Read, CURIO_EVENT_Gram, CURIO_EVENT_Factor, CURIO_EVENT_HessMult, CURIO_EVENT_Eigen, CURIO_EVENT_LOOCV,
    CURIO_EVENT_Scores, CURIO_EVENT_Write;
PETSC_INTERN PetscLogStage CURIO_STAGE_Read, CURIO_STAGE_Setup, CURIO_STAGE_LOOCV, CURIO_STAGE_Train, CURIO_STAGE_Tangent, CURIO_STAGE_Scores,
    CURIO_STAGE_Write;

/* A uniform deviate in (0,1) and a standard normal deviate that depend only on (seed, stream, index): the same
   numbers for any rank count, so every rank can generate just its own rows. */
PETSC_INTERN PetscReal CurioRandomUniform(PetscInt64, PetscInt64, PetscInt64);
PETSC_INTERN PetscReal CurioRandomNormal(PetscInt64, PetscInt64, PetscInt64);

/* Row ownership: PETSc's default split of n rows over the ranks of comm */
PETSC_INTERN PetscErrorCode CurioRowOwnership(MPI_Comm, PetscInt, PetscInt *, PetscInt *);

/* The one HDF5 layer (src/io/h5.c); everything is collective over the file's communicator */
typedef enum { CURIO_H5_STRING, CURIO_H5_REAL, CURIO_H5_INT } CurioH5Type;
/* An atomic write: the temporary file in the target's directory, renamed over the target when complete */
typedef struct {
  MPI_Comm comm;
  hid_t    file;
  char     path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN];
} CurioH5Atomic;
PETSC_INTERN PetscErrorCode CurioH5AllTrue(MPI_Comm, PetscBool, PetscBool *);
PETSC_INTERN PetscErrorCode CurioH5FileAccessCollective(MPI_Comm, hid_t *);
PETSC_INTERN PetscErrorCode CurioH5OpenRead(MPI_Comm, const char[], hid_t *);
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
PETSC_INTERN PetscErrorCode CurioH5WriteProvenance(MPI_Comm, hid_t, const char[], PetscBool *);
PETSC_INTERN PetscErrorCode CurioH5CheckIdentity(MPI_Comm, hid_t, const char[], const char[], const char[], const char[], char[], size_t);
PETSC_INTERN PetscErrorCode CurioH5TemporaryName(MPI_Comm, const char[], char[], size_t);
PETSC_INTERN PetscErrorCode CurioH5AtomicCreate(MPI_Comm, const char[], CurioH5Atomic *, PetscBool *);
PETSC_INTERN PetscErrorCode CurioH5AtomicCommit(CurioH5Atomic *, const char[]);
PETSC_INTERN PetscErrorCode CurioH5AtomicAbort(CurioH5Atomic *);
PETSC_INTERN PetscErrorCode CurioReadParameters(MPI_Comm, const char[], const char[], const char[], Vec);
PETSC_INTERN PetscErrorCode CurioParseFileDataset(char[], const char[], char[], size_t);

/* Checks that every value of a distributed array is finite; the error names the file, dataset and first bad row */
PETSC_INTERN PetscErrorCode CurioCheckFinite(MPI_Comm, const char[], const char[], PetscInt, PetscInt, PetscInt, const PetscReal[]);

/* Replicated d x d helpers (column-major) */
PETSC_INTERN PetscErrorCode CurioDenseSymmetrize(PetscInt, PetscReal *);
PETSC_INTERN PetscErrorCode CurioMatGetLocalArrayRead(Mat, const PetscReal **, PetscInt *, PetscInt *, PetscInt *);
PETSC_INTERN PetscErrorCode CurioMatRestoreLocalArrayRead(Mat, const PetscReal **);
PETSC_INTERN PetscErrorCode CurioVecSetFromReplicated(Vec, const PetscReal *);

PETSC_INTERN PetscErrorCode CurioRowVec(Mat, const PetscReal *, Vec *);
PETSC_INTERN PetscErrorCode CurioRowsFromCSR(MPI_Comm, CurioCSRRows *, CurioRows *);
PETSC_INTERN PetscBool      CurioMatIsAIJ(Mat);
PETSC_INTERN PetscErrorCode CurioPeakRSS(MPI_Comm, PetscReal *);
PETSC_INTERN PetscErrorCode CurioAgreeOnError(MPI_Comm, PetscInt64, char[], PetscMPIInt, PetscBool *);

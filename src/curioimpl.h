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

/* HDF5 helpers (collective over the file's communicator) */
PETSC_INTERN PetscErrorCode CurioH5OpenRead(MPI_Comm, const char[], hid_t *);
PETSC_INTERN PetscErrorCode CurioH5Exists(hid_t, const char[], PetscBool *);
PETSC_INTERN PetscErrorCode CurioH5GetShape(MPI_Comm, hid_t, const char[], const char[], int *, PetscInt[2]);
PETSC_INTERN PetscErrorCode CurioH5ReadRows(MPI_Comm, hid_t, const char[], const char[], PetscInt, PetscInt, PetscInt, PetscReal[]);
PETSC_INTERN PetscErrorCode CurioH5FileAccessCollective(MPI_Comm, hid_t *);
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

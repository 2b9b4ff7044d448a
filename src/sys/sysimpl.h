/* Internal declarations of the sys layer (errors, options, logging, random numbers, small MPI and dense helpers):
   not installed, not part of the public API. Every layer's internal header includes the one below it:
   sys -> io -> data -> model -> solver -> analysis -> drivers (scripts/check-layers.py). */
#pragma once

#include <curiosys.h>
#include <curiooptions.h>

PETSC_INTERN PetscLogEvent CURIO_EVENT_Read, CURIO_EVENT_Gram, CURIO_EVENT_Factor, CURIO_EVENT_HessMult, CURIO_EVENT_HessSetUp, CURIO_EVENT_Eigen,
    CURIO_EVENT_LOOCV, CURIO_EVENT_Scores, CURIO_EVENT_Write, CURIO_EVENT_LOOCVRefine;
PETSC_INTERN PetscLogStage CURIO_STAGE_Read, CURIO_STAGE_Setup, CURIO_STAGE_LOOCV, CURIO_STAGE_Train, CURIO_STAGE_Tangent, CURIO_STAGE_Scores,
    CURIO_STAGE_Write, CURIO_STAGE_Select;

/* A uniform deviate in (0,1) and a standard normal deviate that depend only on (seed, stream, index): the same
   numbers for any rank count, so every rank can generate just its own rows. */
PETSC_INTERN PetscReal CurioRandomUniform(PetscInt64, PetscInt64, PetscInt64);
PETSC_INTERN PetscReal CurioRandomNormal(PetscInt64, PetscInt64, PetscInt64);

/* Row ownership: PETSc's default split of n rows over the ranks of comm */
PETSC_INTERN PetscErrorCode CurioRowOwnership(MPI_Comm, PetscInt, PetscInt *, PetscInt *);

/* Replicated d x d helpers (column-major) */
PETSC_INTERN PetscErrorCode CurioDenseSymmetrize(PetscInt, PetscReal *);
PETSC_INTERN PetscErrorCode CurioMatGetLocalArrayRead(Mat, const PetscReal **, PetscInt *, PetscInt *, PetscInt *);
PETSC_INTERN PetscErrorCode CurioMatRestoreLocalArrayRead(Mat, const PetscReal **);
PETSC_INTERN PetscErrorCode CurioVecSetFromReplicated(Vec, const PetscReal *);

/* Whether a design matrix is sparse (MATMPIAIJ/MATSEQAIJ) rather than MATMPIDENSE; peak RSS in MiB over comm; every
   rank gets the message of the rank whose error comes first (CurioAgreeOnError) */
PETSC_INTERN PetscBool      CurioMatIsAIJ(Mat);
PETSC_INTERN PetscErrorCode CurioPeakRSS(MPI_Comm, PetscReal *);
PETSC_INTERN void           CurioAdviseHugePages(void *, size_t);
PETSC_INTERN void           CurioHeapTrim(void);
PETSC_INTERN PetscErrorCode CurioCallocLarge(PetscInt, PetscReal **);
PETSC_INTERN PetscInt       CurioAllreduceSegments(PetscInt64);
PETSC_INTERN PetscErrorCode CurioAllreduceSum(MPI_Comm, PetscReal *, PetscInt64);
PETSC_INTERN PetscErrorCode CurioIallreduceSumSegment(MPI_Comm, const PetscReal *, PetscReal *, PetscInt64, PetscInt, MPI_Request *);
PETSC_INTERN PetscErrorCode CurioParseFileDataset(char[], const char[], char[], size_t);
PETSC_INTERN PetscErrorCode CurioVecNorm2Safe(Vec, PetscReal *);
PETSC_INTERN PetscErrorCode CurioAgreeOnError(MPI_Comm, PetscInt64, char[], PetscMPIInt, PetscBool *);

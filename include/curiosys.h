/**
  @file curiosys.h
  @brief PETSc and MPI for every curio header, with what curio needs across PETSc versions (Debian 12 ships 3.18).
*/
#pragma once

#include <petsc.h>

#if PETSC_VERSION_LT(3, 19, 0)
#define PETSC_SUCCESS ((PetscErrorCode) 0)
#endif

#define CURIO_VERSION        "0.1.0"
#define CURIO_SCHEMA_VERSION 1 /* the one schema version of every file curio writes: outputs of all modes, checkpoints */

/** @brief Registers curio's log stages and events; called once after PetscInitialize(). */
PETSC_EXTERN PetscErrorCode CurioInitializePackage(void);

/** @brief Error handler of the curio driver: collective input errors as one line, anything else with a traceback. */
PETSC_EXTERN PetscErrorCode CurioErrorHandler(MPI_Comm, int, const char *, const char *, PetscErrorCode, PetscErrorType, const char *, void *);
/** @brief Names what the following errors belong to (a study's run) in the error line; NULL clears it. */
PETSC_EXTERN PetscErrorCode CurioErrorSetContext(const char[]);
/** @brief Whether the last error was raised on every rank together. */
PETSC_EXTERN PetscBool CurioErrorIsCollective(void);

/** @brief Every entry of a distributed vector (of parameter length), replicated on every rank. Collective. */
PETSC_EXTERN PetscErrorCode CurioVecGatherAll(Vec, PetscReal *);
/** @brief Entry i of a distributed vector, on every rank. Collective. */
PETSC_EXTERN PetscErrorCode CurioVecGetEntry(Vec, PetscInt, PetscReal *);

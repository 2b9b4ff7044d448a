/**
  @file curiosgdf.h
  @brief CurioSGDF: distributed minibatch SGD carrying the regularity tangent as the dual part of dual numbers
  (MATH.md section 6), with LiSSA mode, online tuning of s and HDF5 checkpoints.

  The object is driven like a PETSc solver; its settings are the options of `-curio_mode sgdf` (docs/sgdf.md):

      CurioSGDFCreate(comm, &sg);
      CurioSGDFSetFromOptions(sg);   // -curio_sgdf_lr, -curio_s, -curio_sgdf_synthetic or -curio_input, ...
      CurioSGDFSetUp(sg);            // the data, the state (or a checkpoint's with -curio_restart)
      CurioSGDFRun(sg);              // the epochs
      CurioSGDFGetParameters(sg, theta, theta_dot);
      CurioSGDFWrite(sg, NULL);      // the output file of the mode (-curio_output)
      CurioSGDFDestroy(&sg);
*/
#pragma once

#include "curiosys.h"

typedef struct _n_CurioSGDF *CurioSGDF;

PETSC_EXTERN PetscErrorCode CurioSGDFCreate(MPI_Comm comm, CurioSGDF *sg);
PETSC_EXTERN PetscErrorCode CurioSGDFSetFromOptions(CurioSGDF sg);
PETSC_EXTERN PetscErrorCode CurioSGDFSetUp(CurioSGDF sg);
PETSC_EXTERN PetscErrorCode CurioSGDFRun(CurioSGDF sg);
PETSC_EXTERN PetscErrorCode CurioSGDFWrite(CurioSGDF sg, const char path[]);
PETSC_EXTERN PetscErrorCode CurioSGDFDestroy(CurioSGDF *sg);

PETSC_EXTERN PetscErrorCode CurioSGDFGetSizes(CurioSGDF sg, PetscInt *n, PetscInt *d);
PETSC_EXTERN PetscErrorCode CurioSGDFGetParameters(CurioSGDF sg, Vec theta, Vec theta_dot);
PETSC_EXTERN PetscErrorCode CurioSGDFGetS(CurioSGDF sg, PetscReal *s);
PETSC_EXTERN PetscErrorCode CurioSGDFGetProgress(CurioSGDF sg, PetscInt64 *steps, PetscInt *epochs);
PETSC_EXTERN PetscErrorCode CurioSGDFGetHistory(CurioSGDF sg, const char name[], PetscInt *n, const PetscReal *values[]);
PETSC_EXTERN PetscErrorCode CurioSGDFGetInterrupted(CurioSGDF sg, PetscBool *interrupted);

/** @brief Runs `curio -curio_mode sgdf`: reads its options, trains, checkpoints, writes the output. Collective. */
PETSC_EXTERN PetscErrorCode CurioSGDFMain(MPI_Comm comm);
/** @brief Reads the options of `-curio_mode sgdf` without running anything, so that `-help` lists them. Collective. */
PETSC_EXTERN PetscErrorCode CurioSGDFOptionsHelp(MPI_Comm comm);

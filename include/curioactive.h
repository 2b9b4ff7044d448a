/**
  @file curioactive.h
  @brief CurioActive: the pool-based active-learning loop and the study of query strategies over data sets and seeds.
*/
#pragma once

#include "curiosys.h"

/** @brief Runs `curio -curio_mode active`: one active-learning loop from its options. Collective. */
PETSC_EXTERN PetscErrorCode CurioActiveMain(MPI_Comm);
/** @brief Runs `curio -curio_mode study`: strategies x data sets x seeds, split over MPI sub-communicators. Collective. */
PETSC_EXTERN PetscErrorCode CurioStudyMain(MPI_Comm);
/** @brief Reads the options of `-curio_mode active` without running anything, so that `-help` lists them. Collective. */
PETSC_EXTERN PetscErrorCode CurioActiveOptionsHelp(MPI_Comm);
/** @brief Reads the options of `-curio_mode study` without running anything, so that `-help` lists them. Collective. */
PETSC_EXTERN PetscErrorCode CurioStudyOptionsHelp(MPI_Comm);

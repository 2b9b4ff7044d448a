/**
  @file curiousers.h
  @brief Several users (the paper's section 3.4.1): per-user models that inherit from a shared model, their inherited
  regularity tangents (eq. 98), scores and top-k across users, per-user LOOCV.
*/
#pragma once

#include "curiosys.h"

/** @brief Runs `curio -curio_mode users` from its options (README, "Several users"). Collective. */
PETSC_EXTERN PetscErrorCode CurioUsersMain(MPI_Comm);
/** @brief Lists the options of `-curio_mode users` (for -help) without running anything. Collective. */
PETSC_EXTERN PetscErrorCode CurioUsersOptionsHelp(MPI_Comm);

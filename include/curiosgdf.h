/**
  @file curiosgdf.h
  @brief CurioSGDF: distributed minibatch SGD carrying the regularity tangent as the dual part of dual numbers
  (MATH.md section 6), with LiSSA mode, online tuning of s and HDF5 checkpoints.
*/
#pragma once

#include "curiosys.h"

/** @brief Runs `curio -curio_mode sgdf`: reads its options, trains, checkpoints, writes the output. Collective. */
PETSC_EXTERN PetscErrorCode CurioSGDFMain(MPI_Comm);
/** @brief Reads the options of `-curio_mode sgdf` without running anything, so that `-help` lists them. Collective. */
PETSC_EXTERN PetscErrorCode CurioSGDFOptionsHelp(MPI_Comm);

/**
  @file curiosys.h
  @brief PETSc and MPI for every curio header, with what curio needs across PETSc versions (Debian 12 ships 3.18).
*/
#pragma once

#include <petsc.h>

#if PETSC_VERSION_LT(3, 19, 0)
#define PETSC_SUCCESS ((PetscErrorCode) 0)
#endif

/**
  @file curiooutput.h
  @brief CurioOutput: one HDF5 file written collectively by all ranks, atomically: a short temporary name in the same
  directory, flushed, closed and fsync'ed, renamed over the target, then the directory fsync'ed. Every failure is
  raised on every rank with one message; the temporary file is removed and an existing output stays as it was.
*/
#pragma once

#include "curiosys.h"

typedef struct _n_CurioOutput *CurioOutput;

PETSC_EXTERN PetscErrorCode CurioOutputCheckWritable(MPI_Comm, const char[]);
PETSC_EXTERN PetscErrorCode CurioOutputOpen(MPI_Comm, const char[], CurioOutput *);
PETSC_EXTERN PetscErrorCode CurioOutputClose(CurioOutput *, PetscBool);
PETSC_EXTERN PetscErrorCode CurioOutputWriteProvenance(CurioOutput, const char[]);
PETSC_EXTERN PetscErrorCode CurioOutputWriteVec(CurioOutput, const char[], Vec, const char[]);
PETSC_EXTERN PetscErrorCode CurioOutputWriteArray(CurioOutput, const char[], PetscInt, const PetscReal[], const char[]);
PETSC_EXTERN PetscErrorCode CurioOutputWriteRowsLocal(CurioOutput, const char[], PetscInt, PetscInt, PetscInt, PetscInt, const PetscReal[],
                                                      const char[]);
PETSC_EXTERN PetscErrorCode CurioOutputWriteIndex(CurioOutput, const char[], PetscInt, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode CurioOutputWriteIntArray(CurioOutput, const char[], PetscInt, PetscInt, const PetscInt[]);
PETSC_EXTERN PetscErrorCode CurioOutputCreateArray(CurioOutput, const char[], PetscInt, PetscBool, const char[]);
PETSC_EXTERN PetscErrorCode CurioOutputWriteSlab(CurioOutput, const char[], PetscInt, PetscInt, const PetscReal[]);
PETSC_EXTERN PetscErrorCode CurioOutputWriteIntSlab(CurioOutput, const char[], PetscInt, PetscInt, const PetscInt[]);
PETSC_EXTERN PetscErrorCode CurioOutputWriteScalar(CurioOutput, const char[], PetscReal);
PETSC_EXTERN PetscErrorCode CurioOutputSetAttributeString(CurioOutput, const char[], const char[], const char[]);
PETSC_EXTERN PetscErrorCode CurioOutputSetAttributeReal(CurioOutput, const char[], const char[], PetscReal);
PETSC_EXTERN PetscErrorCode CurioOutputSetAttributeInt(CurioOutput, const char[], const char[], PetscInt);

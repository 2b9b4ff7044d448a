/**
  @file curiooutput.h
  @brief CurioOutput: one HDF5 file written collectively by all ranks, atomically: a short temporary name in the same
  directory, flushed, closed and fsync'ed, renamed over the target, then the directory fsync'ed. Every failure is
  raised on every rank with one message; the temporary file is removed and an existing output stays as it was.
*/
#pragma once

#include "curiosys.h"

typedef struct _n_CurioOutput *CurioOutput;

/* One row of a writer's output schema (CurioOutputDescribeFields()): a dataset, its dimensions (comma-separated names
   local to its group, one per axis), its units ("1" for dimensionless numbers, counts and indices; data units in
   brackets, e.g. "[y]"; "seconds") and its long_name */
typedef struct {
  const char *name, *dims, *units, *long_name;
} CurioOutputField;

PETSC_EXTERN PetscErrorCode CurioOutputCheckWritable(MPI_Comm, const char[]);
PETSC_EXTERN PetscErrorCode CurioOutputCheckWritableInput(MPI_Comm comm, const char path[], const char option[], const char input[]);
PETSC_EXTERN PetscErrorCode CurioOutputCheckViewers(MPI_Comm comm, const char output[]);
PETSC_EXTERN PetscErrorCode CurioOutputOpen(MPI_Comm, const char[], CurioOutput *);
PETSC_EXTERN PetscErrorCode CurioOutputClose(CurioOutput *, PetscBool);
PETSC_EXTERN PetscErrorCode CurioOutputWrite(MPI_Comm comm, const char path[], PetscErrorCode (*contents)(CurioOutput, void *), void *ctx);
PETSC_EXTERN PetscErrorCode CurioOutputWriteProvenance(CurioOutput, const char[]);
PETSC_EXTERN PetscErrorCode CurioOutputWriteTiming(CurioOutput out, PetscInt n, const char *const names[], const PetscReal seconds[]);
PETSC_EXTERN PetscErrorCode CurioOutputWriteVec(CurioOutput, const char[], Vec, const char[]);
PETSC_EXTERN PetscErrorCode CurioOutputWriteArray(CurioOutput, const char[], PetscInt, const PetscReal[], const char[]);
PETSC_EXTERN PetscErrorCode CurioOutputWriteRowsLocal(CurioOutput, const char[], PetscInt, PetscInt, PetscInt, PetscInt, const PetscReal[],
                                                      const char[]);
/** @brief Makes rows [i0, i0 + nb) of this rank's part of a set, row-major, in buf (CurioOutputWriteRowsBlocked()). */
typedef PetscErrorCode (*CurioRowsSource)(void *ctx, PetscInt i0, PetscInt nb, PetscReal buf[]);
PETSC_EXTERN PetscErrorCode CurioOutputWriteRowsBlocked(CurioOutput out, const char name[], PetscInt n, PetscInt ncols, PetscInt rstart,
                                                        PetscInt nlocal, CurioRowsSource source, void *ctx, const char dims[]);
PETSC_EXTERN PetscErrorCode CurioOutputWriteIndex(CurioOutput, const char[], PetscInt, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode CurioOutputWriteIntArray(CurioOutput, const char[], PetscInt, PetscInt, const PetscInt[]);
PETSC_EXTERN PetscErrorCode CurioOutputCreateArray(CurioOutput, const char[], PetscInt, PetscBool, const char[]);
PETSC_EXTERN PetscErrorCode CurioOutputWriteSlab(CurioOutput, const char[], PetscInt, PetscInt, const PetscReal[]);
PETSC_EXTERN PetscErrorCode CurioOutputWriteIntSlab(CurioOutput, const char[], PetscInt, PetscInt, const PetscInt[]);
PETSC_EXTERN PetscErrorCode CurioOutputWriteScalar(CurioOutput, const char[], PetscReal);
PETSC_EXTERN PetscErrorCode CurioOutputWriteStrings(CurioOutput, const char[], PetscInt, const char *const[], const char[]);
PETSC_EXTERN PetscErrorCode CurioOutputDescribe(CurioOutput, const char name[], const char dims[], const char units[], const char long_name[]);
PETSC_EXTERN PetscErrorCode CurioOutputDescribeFields(CurioOutput, PetscInt, const CurioOutputField[]);
PETSC_EXTERN PetscErrorCode CurioOutputSetAttributeString(CurioOutput, const char[], const char[], const char[]);
PETSC_EXTERN PetscErrorCode CurioOutputSetAttributeReal(CurioOutput, const char[], const char[], PetscReal);
PETSC_EXTERN PetscErrorCode CurioOutputSetAttributeInt(CurioOutput, const char[], const char[], PetscInt);

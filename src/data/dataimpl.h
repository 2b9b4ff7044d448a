/* Internal declarations of the data layer: readers of rows (HDF5 dense and CSR, LIBSVM) and their checks. */
#pragma once

#include "../io/ioimpl.h"
#include <curiodata.h>
#include <curiosparse.h>

/* Reads a parameter vector (FILE[:DATASET]) into v; splits FILE:DATASET */
PETSC_INTERN PetscErrorCode CurioReadParameters(MPI_Comm, const char[], const char[], const char[], Vec);
PETSC_INTERN PetscErrorCode CurioParseFileDataset(char[], const char[], char[], size_t);

/* Checks that every value of a distributed array is finite; the error names the file, dataset and first bad row */
PETSC_INTERN PetscErrorCode CurioCheckFinite(MPI_Comm, const char[], const char[], PetscInt, PetscInt, PetscInt, const PetscReal[]);

/* The CSR rows of a reader handed over as a row set (no copy) */
PETSC_INTERN PetscErrorCode CurioRowsFromCSR(MPI_Comm, CurioCSRRows *, CurioRows *);

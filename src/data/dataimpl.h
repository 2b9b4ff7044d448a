/* Internal declarations of the data layer: readers of rows (HDF5 dense and CSR, LIBSVM) and their checks. */
#pragma once

#include "../io/ioimpl.h"
#include <curiodata.h>

/** @brief The data of one run: training rows (required), candidate pool and test set (optional). */
struct _n_CurioData {
  MPI_Comm  comm;
  char      source[PETSC_MAX_PATH_LEN]; /**< input file, or "builtin" */
  CurioRows train, cand, test;
  PetscBool has_cand, has_test;
  PetscInt  cand_chunk;    /**< > 0: the candidate pool is not loaded but streamed in chunks of this many rows when scored */
  PetscBool defer_inputs;  /**< dense feature rows of an HDF5 input are loaded without their inputs (CurioDataReadInputs() reads them) */
  char    **feature_names; /**< names of the input columns (/train/feature_name, e.g. a CSV header), NULL-terminated, or NULL */
};
#include <curiosparse.h>

/* Reads a parameter vector (FILE[:DATASET], split by CurioParseFileDataset()) into v */
PETSC_INTERN PetscErrorCode CurioReadParameters(MPI_Comm, const char[], const char[], const char[], Vec);

/* Checks that every value of a distributed array is finite; the error names the file, dataset and first bad row */
PETSC_INTERN PetscErrorCode CurioCheckFinite(MPI_Comm, const char[], const char[], PetscInt, PetscInt, PetscInt, const PetscReal[]);

/* Whether v is NaN or +-Inf. In double precision: all exponent bits set, an integer test that the compiler inlines and
   vectorizes, where PetscIsInfOrNanReal() is a call into PETSc per value (which cost as much as reading the values
   from the page cache); PETSc's test otherwise */
static inline PetscBool CurioNonFinite(PetscReal v)
{
#if defined(PETSC_USE_REAL_DOUBLE)
  const uint64_t expo = 0x7ff0000000000000ULL;
  uint64_t       u;
  memcpy(&u, &v, sizeof(u));
  return (PetscBool) ((u & expo) == expo);
#else
  return PetscIsInfOrNanReal(v);
#endif
}

/* The CSR rows of a reader handed over as a row set (no copy) */
PETSC_INTERN PetscErrorCode CurioRowsFromCSR(MPI_Comm, CurioCSRRows *, CurioRows *);

/* The most columns a row set may have: the design matrix adds an intercept column and PETSc's MPIAIJ column map
   keys run to the column count + 1, all within PetscInt */
#define CURIO_MAX_COLUMNS (PETSC_MAX_INT - 2)

/* Refuses (collectively, naming what) a row set whose columns, or (dense) entries on one rank or node, cannot be held */
PETSC_INTERN PetscErrorCode CurioRowsCheckSize(MPI_Comm, const char[], PetscInt64, PetscInt64, PetscBool);

/* Refuses training weights that are all zero, collectively (src/data/h5read.c) */
PETSC_INTERN PetscErrorCode CurioCheckSomeWeight(MPI_Comm, const char[], const char[], PetscInt, const PetscReal[]);

/**
  @file curiosparse.h
  @brief CurioCSRRows: this rank's rows of a sparse data set in CSR form, read from LIBSVM/SVMlight text or from
  curio's HDF5 CSR layout; no rank reads the whole file into memory.
*/
#pragma once

#include "curiosys.h"

/** @brief This rank's rows of a sparse set, CSR with local row offsets. */
typedef struct {
  PetscInt   n;      /**< global rows */
  PetscInt   ncols;  /**< global columns (features) */
  PetscInt   rstart; /**< first global row owned by this rank */
  PetscInt   nlocal; /**< rows owned by this rank */
  PetscInt  *rowptr; /**< nlocal + 1 offsets into colidx/vals, rowptr[0] = 0 */
  PetscInt  *colidx; /**< 0-based column indices, strictly increasing within each row */
  PetscReal *vals;   /**< values */
  PetscReal *y;      /**< nlocal labels, or NULL */
  PetscReal *w;      /**< nlocal weights (all 1 unless given) */
} CurioCSRRows;

/**
  @brief Reads LIBSVM/SVMlight text (`label idx:val idx:val ...`, 1-based strictly increasing indices; blank lines,
  `#` comments and `qid:N` tokens are skipped). Collective.

  Every rank reads only its own byte range of the file and keeps the lines that start in it, so the rows are split
  by bytes, not by PETSc's default layout: `rstart` and `nlocal` say which rows a rank got (a rank may get none).
  Malformed input raises the same error on every rank, naming the file and the 1-based line of the first bad line.

  @param[in]  comm  communicator of the ranks that share the rows
  @param[in]  path  file name
  @param[in]  ncols number of columns (an index > ncols is an error), or 0 to take the largest index in the file
  @param[out] rows  this rank's rows; `y` holds the labels (never NULL), `w` is all 1; free with CurioCSRRowsFree()
  @return 0 on success
*/
PETSC_EXTERN PetscErrorCode CurioCSRRowsReadLIBSVM(MPI_Comm, const char[], PetscInt, CurioCSRRows *);

/**
  @brief Reads one group of curio's HDF5 CSR layout with parallel HDF5; every rank reads only its slice of `indptr`
  and then only its range of `indices` and `data` (rows split by PETSc's default layout). Collective.

  Layout of group `/<group>` (README, "Input layout"):
  - attribute `shape` on the group: 2 integers (rows n, columns)
  - `indptr` (n + 1) integer, `indptr[0] = 0`, non-decreasing, `indptr[n] = nnz`
  - `indices` (nnz) integer, 0-based columns, strictly increasing within a row
  - `data` (nnz) numeric, finite
  - `y` (n) numeric, finite: required unless the group is `candidates` (where a missing `y` gives `rows->y = NULL`)
  - `weight` (n) numeric, >= 0, optional (default 1)

  Any integer or float type is accepted (read as int64 / float64). An inconsistent file raises the same error on
  every rank, naming the file, the dataset and the first bad row.

  @param[in]  comm  communicator
  @param[in]  path  file name
  @param[in]  group group name without slashes, e.g. "train", "candidates", "test"
  @param[in]  ncols expected number of columns (must equal the `shape` attribute's), or 0 to accept the file's
  @param[out] rows  this rank's rows; free with CurioCSRRowsFree()
  @return 0 on success
*/
PETSC_EXTERN PetscErrorCode CurioCSRRowsReadHDF5(MPI_Comm, const char[], const char[], PetscInt, CurioCSRRows *);

/** @brief Frees the arrays of a CurioCSRRows and zeroes it (safe on a zeroed struct). Not collective. */
PETSC_EXTERN PetscErrorCode CurioCSRRowsFree(CurioCSRRows *);

/**
  @brief Puts a column of ones in front of every row of CSR arrays in place (column 0, value 1; the other columns
  shift by one): the arrays grow by one entry per row (realloc) and the rows move back to front, so that the rows are
  never held twice (an intercept column). Not collective.

  @param[in]     nlocal rows
  @param[in,out] rowptr nlocal + 1 offsets, rowptr[0] = 0
  @param[in,out] colidx column indices (PetscMalloc'ed; reallocated)
  @param[in,out] vals   values (PetscMalloc'ed; reallocated)
  @return 0 on success
*/
PETSC_EXTERN PetscErrorCode CurioCSRPrependOnes(PetscInt, PetscInt[], PetscInt **, PetscReal **);

/**
  @brief This rank's rows of a sparse synthetic regression problem with a known true parameter vector: row i has
  `nnz` distinct uniform columns of [0, d) with N(0, 1)/sqrt(nnz) values; labels drawn for the loss (a CurioLossType:
  squared y = eta + 0.1 N(0,1), logistic Bernoulli(sigmoid(eta)), Poisson(e^(eta/2))) with eta = x . theta_true.
  Every value depends only on (seed, row), so each rank generates only its rows, the same for any rank count. Collective.

  @param[in]  comm communicator
  @param[in]  n    rows
  @param[in]  d    columns
  @param[in]  nnz  entries per row, 0 < nnz <= d
  @param[in]  seed seed
  @param[in]  loss CurioLossType value that decides the labels
  @param[out] rows this rank's rows (PETSc's default split); free with CurioCSRRowsFree()
  @return 0 on success
*/
PETSC_EXTERN PetscErrorCode CurioCSRRowsCreateSynthetic(MPI_Comm, PetscInt, PetscInt, PetscInt, PetscInt64, PetscInt, CurioCSRRows *);

/** @brief Entry j of the synthetic problem's true parameter vector (N(0, 1) from the counter-based generator). */
PETSC_EXTERN PetscReal CurioSyntheticThetaTrue(PetscInt64 seed, PetscInt64 j);

/** @brief Row gi of the synthetic problem (columns sorted, values), returning eta = x . theta_true; rows beyond the
    training rows form a candidate pool from the same distribution. Not collective. */
PETSC_EXTERN PetscReal CurioSyntheticRow(PetscInt64 seed, PetscInt d, PetscInt nnz, PetscInt64 gi, PetscInt cols[], PetscReal vals[]);

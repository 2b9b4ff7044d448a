/**
  @file curiodata.h
  @brief CurioRows: a distributed set of data rows (inputs, labels, weights); CurioData: the sets of one run.
*/
#pragma once

#include "curiosys.h"
#include "curiosparse.h"

/** @brief One set of rows (training, candidate pool or test set), distributed by rows (PETSc's default split; LIBSVM input by byte ranges). */
typedef struct {
  PetscInt   n;        /**< global number of rows */
  PetscInt   rstart;   /**< first global row owned by this rank */
  PetscInt   nlocal;   /**< rows owned by this rank */
  PetscInt   dim;      /**< input columns per row (1 for 1-D inputs) */
  PetscBool  is1d;     /**< inputs are scalars x (polynomial feature map) rather than feature rows X */
  PetscReal *X;        /**< nlocal x dim inputs, row-major; NULL for CSR rows and for inputs read into a design matrix */
  PetscReal *y;        /**< nlocal labels, or NULL when the set is unlabeled */
  PetscReal *w;        /**< nlocal weights (all 1 when none were given) */
  PetscBool  sparse;   /**< the inputs are CSR (rowptr, colidx, vals) with dim columns, and X is NULL */
  PetscInt  *rowptr;   /**< sparse: nlocal + 1 local offsets */
  PetscInt  *colidx;   /**< sparse: 0-based columns, increasing within a row */
  PetscReal *vals;     /**< sparse: values */
  PetscBool  deferred; /**< dense inputs not read yet (CurioDataSetDeferInputs()): CurioDataReadInputs() reads them */
} CurioRows;

/** @brief The data of one run: training rows (required), candidate pool and test set (optional); opaque, CurioDataGetRows() reads a set. */
typedef struct _n_CurioData *CurioData;

/** @brief The sets of rows a run's data holds. */
typedef enum { CURIO_DATA_TRAIN, CURIO_DATA_CANDIDATES, CURIO_DATA_TEST } CurioDataSet;

PETSC_EXTERN PetscErrorCode CurioDataCreate(MPI_Comm, CurioData *);
/** @brief A set's rows (owned by the data; the candidate pool's X is NULL when it is streamed) and whether the input has the set. Not collective. */
PETSC_EXTERN PetscErrorCode CurioDataGetRows(CurioData data, CurioDataSet set, CurioRows **rows, PetscBool *present);
/** @brief Hands a set of rows to the data (the arrays change owner; rows is left empty). Collective. */
PETSC_EXTERN PetscErrorCode CurioDataSetRows(CurioData data, CurioDataSet set, CurioRows *rows);
/** @brief Names where the data came from. Not collective. */
PETSC_EXTERN PetscErrorCode CurioDataSetSource(CurioData data, const char source[]);
/** @brief The input file ("builtin" for the built-in example). Not collective. */
PETSC_EXTERN PetscErrorCode CurioDataGetSource(CurioData data, const char **source);
/** @brief Names of the input columns (NULL-terminated), or NULL when the input has none. Not collective. */
PETSC_EXTERN PetscErrorCode CurioDataGetFeatureNames(CurioData data, const char *const **names);
/** @brief Rows per chunk in which the candidate pool is streamed when scored (0: it is loaded whole). Not collective. */
PETSC_EXTERN PetscErrorCode CurioDataGetCandidateChunk(CurioData data, PetscInt *chunk);
/** @brief Streams the candidate pool in chunks of this many rows when scored (0: load it whole); before loading. Not collective. */
PETSC_EXTERN PetscErrorCode CurioDataSetCandidateChunk(CurioData data, PetscInt chunk);
/** @brief Loads the inputs of dense feature rows (HDF5) later, into a sink (CurioDataReadInputs()), instead of storing them; before loading. Not
 * collective. */
PETSC_EXTERN PetscErrorCode CurioDataSetDeferInputs(CurioData data, PetscBool defer);
PETSC_EXTERN PetscErrorCode CurioDataDestroy(CurioData *);
PETSC_EXTERN PetscErrorCode CurioDataLoadBuiltin(CurioData);
PETSC_EXTERN PetscErrorCode CurioDataLoadHDF5(CurioData, const char[]);
PETSC_EXTERN PetscErrorCode CurioDataReadCandidates(CurioData, PetscInt, PetscInt, CurioRows *);
/** @brief Receives rows [i0, i0 + nb) (this rank's numbering) of a set read in blocks, row-major, checked finite. */
typedef PetscErrorCode (*CurioRowsSink)(void *ctx, PetscInt i0, PetscInt nb, const PetscReal X[]);
PETSC_EXTERN PetscErrorCode CurioDataReadCandidatesBlocked(CurioData data, PetscInt first, PetscInt count, CurioRowsSink sink, void *ctx,
                                                           CurioRows *rows);
/** @brief Reads the deferred inputs of a set (CurioRows.deferred) in blocks of rows into a sink, checked finite. Collective. */
PETSC_EXTERN PetscErrorCode CurioDataReadInputs(CurioData data, CurioDataSet set, CurioRowsSink sink, void *ctx);
PETSC_EXTERN PetscErrorCode CurioDataLoadLIBSVM(CurioData, const char[], const char[], const char[]);
/** @brief Whether a file name names LIBSVM/SVMlight text (.svm, .libsvm, .svmlight, .txt) rather than HDF5. */
PETSC_EXTERN PetscBool      CurioDataIsLIBSVMPath(const char[]);
PETSC_EXTERN PetscErrorCode CurioDataSetFromOptions(CurioData);
/** @brief Reads the data options without loading anything, so that -help lists them. Collective. */
PETSC_EXTERN PetscErrorCode CurioDataOptionsHelp(MPI_Comm);
PETSC_EXTERN PetscErrorCode CurioDataView(CurioData, PetscViewer);

PETSC_EXTERN PetscErrorCode CurioRowsAllocate(MPI_Comm, PetscInt, PetscInt, PetscBool, PetscBool, CurioRows *);
PETSC_EXTERN PetscErrorCode CurioRowsFree(CurioRows *);
PETSC_EXTERN PetscErrorCode CurioRowsCreateSynthetic(MPI_Comm, PetscInt, PetscInt, PetscReal, PetscInt, CurioRows *);

/* CurioRows and CurioData: distributed data rows, the built-in example of the paper and synthetic data. */
#include "dataimpl.h"
#include <unistd.h>

PetscErrorCode CurioRowOwnership(MPI_Comm comm, PetscInt n, PetscInt *rstart, PetscInt *nlocal)
{
  PetscInt nl = PETSC_DECIDE, N = n, start;

  PetscFunctionBegin;
  PetscCall(PetscSplitOwnership(comm, &nl, &N));
  PetscCallMPI(MPI_Scan(&nl, &start, 1, MPIU_INT, MPI_SUM, comm));
  *rstart = start - nl;
  *nlocal = nl;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioRowsCheckSize - refuses, with one message on every rank that names what (a file and dataset, or a set), a row
  set of n rows and ncols input columns that this build cannot hold: more columns than CURIO_MAX_COLUMNS, a
  parameter vector of ncols reals larger than a node's physical memory, and for dense rows more entries on one rank
  than a PetscInt indexes (the row-major arrays are indexed i * ncols + j) or more bytes on one node than its memory
  (malloc would succeed and the kernel would kill a rank while reading)

  Collective
@*/
PetscErrorCode CurioRowsCheckSize(MPI_Comm comm, const char what[], PetscInt64 n, PetscInt64 ncols, PetscBool dense)
{
  PetscMPIInt size;
  PetscInt    rstart, nlocal;
  PetscInt64  local, mx, node_bytes;
  MPI_Comm    node;
  long        pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCheck(n >= 0 && n <= PETSC_MAX_INT, comm, PETSC_ERR_FILE_UNEXPECTED,
             "%s has %" PetscInt64_FMT " rows; this curio holds at most %" PetscInt_FMT " (2^31 - 1, 32-bit PetscInt)", what, n, PETSC_MAX_INT);
  PetscCheck(ncols >= 0 && ncols <= CURIO_MAX_COLUMNS, comm, PETSC_ERR_FILE_UNEXPECTED,
             "%s has %" PetscInt64_FMT " columns; this curio holds at most %" PetscInt_FMT
             " (2^31 - 3: the design matrix adds an intercept and PETSc's column map one more)",
             what, ncols, CURIO_MAX_COLUMNS);
  PetscCheck(pages <= 0 || psize <= 0 || (double) ncols * sizeof(PetscReal) <= (double) pages * (double) psize, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%s has %" PetscInt64_FMT " columns: one vector of parameters takes %.3g GB, more than this node's %.3g GB of memory", what, ncols,
             (double) ncols * sizeof(PetscReal) / 1e9, (double) pages * (double) psize / 1e9);
  if (!dense) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(CurioRowOwnership(comm, (PetscInt) n, &rstart, &nlocal));
  local = (PetscInt64) nlocal * PetscMax(ncols, 1);
  PetscCallMPI(MPI_Allreduce(&local, &mx, 1, MPIU_INT64, MPI_MAX, comm));
  PetscCheck(mx <= PETSC_MAX_INT, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%s has %" PetscInt64_FMT " rows x %" PetscInt64_FMT " columns: %" PetscInt64_FMT
             " entries on one of %d ranks, more than a PetscInt indexes (2^31 - 1); run on at least %" PetscInt64_FMT " ranks",
             what, n, ncols, mx, size, (n * PetscMax(ncols, 1)) / PETSC_MAX_INT + 1);
  /* the bytes of all the ranks of this node, against its memory */
  PetscCallMPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  local *= (PetscInt64) sizeof(PetscReal);
  PetscCallMPI(MPI_Allreduce(&local, &node_bytes, 1, MPIU_INT64, MPI_SUM, node));
  PetscCallMPI(MPI_Comm_free(&node));
  mx = pages > 0 && psize > 0 && node_bytes > (PetscInt64) pages * psize;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &mx, 1, MPIU_INT64, MPI_MAX, comm));
  PetscCheck(!mx, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%s has %" PetscInt64_FMT " rows x %" PetscInt64_FMT
             " columns: %.3g GB of inputs on one node, more than its %.3g GB of memory; run on more nodes",
             what, n, ncols, (double) node_bytes / 1e9, (double) pages * (double) psize / 1e9);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioRowsAllocate - allocates this rank's part of a set of n rows with dim input columns

  Input Parameters:
+ comm     - communicator over which the rows are distributed
. n        - global number of rows
. dim      - input columns per row
. is1d     - the inputs are scalars (dim must be 1)
- labeled  - allocate labels

  Output Parameter:
. rows - the set, weights initialized to 1
@*/
PetscErrorCode CurioRowsAllocate(MPI_Comm comm, PetscInt n, PetscInt dim, PetscBool is1d, PetscBool labeled, CurioRows *rows)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(rows, sizeof(*rows)));
  PetscCall(CurioRowsCheckSize(comm, "A row set", n, dim, PETSC_TRUE)); /* the readers check first, naming the file */
  rows->n    = n;
  rows->dim  = dim;
  rows->is1d = is1d;
  PetscCall(CurioRowOwnership(comm, n, &rows->rstart, &rows->nlocal));
  /* at least one entry, so that 'has labels' (y != NULL) reads the same on a rank without rows; the inputs on huge
     pages before the reader's first touch (CurioAdviseHugePages: a fault per 4 KiB page made reading 320 MB of rows
     take 1.2-1.3 s on the test machine, 0.2-0.5 s on huge pages) */
  PetscCall(PetscMalloc1(PetscMax((size_t) rows->nlocal * (size_t) dim, 1), &rows->X));
  CurioAdviseHugePages(rows->X, PetscMax((size_t) rows->nlocal * (size_t) dim, 1) * sizeof(PetscReal));
  PetscCall(PetscMalloc1(PetscMax(rows->nlocal, 1), &rows->w));
  for (PetscInt i = 0; i < rows->nlocal; i++) rows->w[i] = 1.0;
  if (labeled) PetscCall(PetscMalloc1(PetscMax(rows->nlocal, 1), &rows->y));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioRowsFree - frees the arrays of a row set (dense, CSR, labels, weights) and zeroes it
@*/
PetscErrorCode CurioRowsFree(CurioRows *rows)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(rows->X));
  PetscCall(PetscFree(rows->rowptr));
  PetscCall(PetscFree(rows->colidx));
  PetscCall(PetscFree(rows->vals));
  PetscCall(PetscFree(rows->y));
  PetscCall(PetscFree(rows->w));
  PetscCall(PetscMemzero(rows, sizeof(*rows)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioRowsCreateSynthetic - a well-conditioned linear regression problem: X_ij ~ N(0,1), y = X theta_true + noise,
  theta_true_j = 1/(1+j); every rank generates only its own rows (the values depend on the seed, not on the ranks)

  Input Parameters:
+ comm  - communicator
. n     - rows
. dim   - columns
. noise - standard deviation of the label noise
- seed  - seed
@*/
PetscErrorCode CurioRowsCreateSynthetic(MPI_Comm comm, PetscInt n, PetscInt dim, PetscReal noise, PetscInt seed, CurioRows *rows)
{
  PetscFunctionBegin;
  PetscCall(CurioRowsAllocate(comm, n, dim, PETSC_FALSE, PETSC_TRUE, rows));
  for (PetscInt i = 0; i < rows->nlocal; i++) {
    PetscInt64 gi  = rows->rstart + i;
    PetscReal  eta = 0.0;
    for (PetscInt j = 0; j < dim; j++) {
      PetscReal xij        = CurioRandomNormal(seed, 0, gi * dim + j);
      rows->X[i * dim + j] = xij;
      eta += xij / (1.0 + j);
    }
    rows->y[i] = eta + noise * CurioRandomNormal(seed, 1, gi);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataCreate - creates the empty data of a run on comm (fill it with CurioDataSetFromOptions() or a CurioDataLoad*() call)

  Collective
@*/
PetscErrorCode CurioDataCreate(MPI_Comm comm, CurioData *data)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(data));
  (*data)->comm = comm;
  PetscCall(PetscStrncpy((*data)->source, "none", sizeof((*data)->source)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataGetRows - one set of the data's rows

  Not Collective

  Input Parameters:
+ data - the data
- set - CURIO_DATA_TRAIN, CURIO_DATA_CANDIDATES or CURIO_DATA_TEST

  Output Parameters:
+ rows - the set's rows, owned by the data (a streamed candidate pool has its sizes but no inputs); may be NULL
- present - whether the input has the set (may be NULL)
@*/
PetscErrorCode CurioDataGetRows(CurioData data, CurioDataSet set, CurioRows **rows, PetscBool *present)
{
  PetscFunctionBegin;
  if (rows) *rows = set == CURIO_DATA_TRAIN ? &data->train : set == CURIO_DATA_CANDIDATES ? &data->cand : &data->test;
  if (present) *present = set == CURIO_DATA_TRAIN ? (PetscBool) (data->train.n > 0) : set == CURIO_DATA_CANDIDATES ? data->has_cand : data->has_test;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataSetRows - hands a set of rows to the data (a program that makes its rows itself, or a test): the arrays
  change owner, rows is left empty, and rows the data held for the set are freed

  Collective

  Input Parameters:
+ data - the data
. set - CURIO_DATA_TRAIN, CURIO_DATA_CANDIDATES or CURIO_DATA_TEST
- rows - the rows (CurioRowsAllocate(), CurioRowsCreateSynthetic(), ...)
@*/
PetscErrorCode CurioDataSetRows(CurioData data, CurioDataSet set, CurioRows *rows)
{
  CurioRows *dst;

  PetscFunctionBegin;
  PetscCall(CurioDataGetRows(data, set, &dst, NULL));
  PetscCall(CurioRowsFree(dst));
  *dst = *rows;
  PetscCall(PetscMemzero(rows, sizeof(*rows)));
  if (set == CURIO_DATA_CANDIDATES) data->has_cand = PETSC_TRUE;
  if (set == CURIO_DATA_TEST) data->has_test = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataSetSource - names where the data came from (written as the output's input attribute)

  Not Collective
@*/
PetscErrorCode CurioDataSetSource(CurioData data, const char source[])
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(data->source, source, sizeof(data->source)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataGetSource - the input the data came from: a file name, "builtin", or "none" before loading

  Not Collective
@*/
PetscErrorCode CurioDataGetSource(CurioData data, const char **source)
{
  PetscFunctionBegin;
  *source = data->source;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataGetFeatureNames - the names of the input columns (/train/feature_name, e.g. a CSV header), NULL-terminated,
  or NULL when the input has none

  Not Collective
@*/
PetscErrorCode CurioDataGetFeatureNames(CurioData data, const char *const **names)
{
  PetscFunctionBegin;
  *names = (const char *const *) data->feature_names;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataGetCandidateChunk - how many candidate rows are read at a time when the pool is streamed while scored
  (-curio_pool_chunk); 0 when the pool is loaded whole

  Not Collective
@*/
PetscErrorCode CurioDataGetCandidateChunk(CurioData data, PetscInt *chunk)
{
  PetscFunctionBegin;
  *chunk = data->cand_chunk;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataSetCandidateChunk - streams the candidate pool of an HDF5 input in chunks of this many rows when it is
  scored instead of loading it (0: load it whole); call before loading

  Not Collective
@*/
PetscErrorCode CurioDataSetCandidateChunk(CurioData data, PetscInt chunk)
{
  PetscFunctionBegin;
  PetscCheck(chunk >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "The candidate chunk must be >= 0, got %" PetscInt_FMT, chunk);
  data->cand_chunk = chunk;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataSetDeferInputs - loads the dense feature rows of an HDF5 input (each set's '/X') without their inputs: their
  shape, labels and weights are read, X stays NULL with the set's deferred flag set, and CurioDataReadInputs() reads
  the inputs later into a sink, such as the design matrix, so that they are never held twice (1-D inputs, CSR rows,
  LIBSVM text and a streamed candidate pool are loaded as before); call before loading

  Not Collective
@*/
PetscErrorCode CurioDataSetDeferInputs(CurioData data, PetscBool defer)
{
  PetscFunctionBegin;
  data->defer_inputs = defer;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataDestroy - frees the data of a run and every row set it holds
@*/
PetscErrorCode CurioDataDestroy(CurioData *data)
{
  PetscFunctionBegin;
  if (!*data) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(CurioRowsFree(&(*data)->train));
  PetscCall(CurioRowsFree(&(*data)->cand));
  PetscCall(CurioRowsFree(&(*data)->test));
  PetscCall(CurioH5FreeStrings(&(*data)->feature_names));
  PetscCall(PetscFree(*data));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The smooth function behind the built-in example's labels */
static PetscReal BuiltinTruth(PetscReal x)
{
  return 1.5 * PetscSinReal(0.45 * x);
}

/*@C
  CurioDataLoadBuiltin - the example of the paper's section 3.3: six training points on [0, 10] that leave a large gap
  in the middle of the domain, noisy labels from a smooth function, and a grid of 201 candidate inputs across the domain.
  Fit with the degree-5 polynomial feature map (d = 6) on the input scaled to [-1, 1].
@*/
PetscErrorCode CurioDataLoadBuiltin(CurioData data)
{
  const PetscReal xtrain[] = {0.0, 0.8, 2.0, 8.0, 9.2, 10.0};
  /* fixed noise draws, part of the example's definition (so that the figures never change) */
  const PetscReal noise[] = {-0.12, 0.30, -0.22, 0.28, -0.10, 0.15};
  const PetscInt  ntrain = 6, ncand = 201;

  PetscFunctionBegin;
  PetscCall(CurioRowsFree(&data->train));
  PetscCall(CurioRowsFree(&data->cand));
  PetscCall(CurioRowsFree(&data->test));
  PetscCall(CurioRowsAllocate(data->comm, ntrain, 1, PETSC_TRUE, PETSC_TRUE, &data->train));
  for (PetscInt i = 0; i < data->train.nlocal; i++) {
    PetscInt gi      = data->train.rstart + i;
    data->train.X[i] = xtrain[gi];
    data->train.y[i] = BuiltinTruth(xtrain[gi]) + noise[gi];
  }
  PetscCall(CurioRowsAllocate(data->comm, ncand, 1, PETSC_TRUE, PETSC_TRUE, &data->cand));
  for (PetscInt i = 0; i < data->cand.nlocal; i++) {
    PetscReal x     = 10.0 * (data->cand.rstart + i) / (ncand - 1);
    data->cand.X[i] = x;
    data->cand.y[i] = BuiltinTruth(x);
  }
  data->has_cand = PETSC_TRUE;
  data->has_test = PETSC_FALSE;
  PetscCall(PetscStrncpy(data->source, "builtin", sizeof(data->source)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioRowsFromCSR - sparse rows from what the CSR readers return (the arrays change owner, csr is left empty)
@*/
PetscErrorCode CurioRowsFromCSR(MPI_Comm comm, CurioCSRRows *csr, CurioRows *rows)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(rows, sizeof(*rows)));
  rows->n      = csr->n;
  rows->dim    = csr->ncols;
  rows->rstart = csr->rstart;
  rows->nlocal = csr->nlocal;
  rows->sparse = PETSC_TRUE;
  rows->rowptr = csr->rowptr;
  rows->colidx = csr->colidx;
  rows->vals   = csr->vals;
  rows->y      = csr->y;
  rows->w      = csr->w;
  if (!rows->w) {
    PetscCall(PetscMalloc1(PetscMax(rows->nlocal, 1), &rows->w));
    for (PetscInt i = 0; i < rows->nlocal; i++) rows->w[i] = 1.0;
  }
  PetscCall(PetscMemzero(csr, sizeof(*csr)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataLoadLIBSVM - training rows from a LIBSVM/SVMlight file, and optional candidate and test files in the same
  format (NULL or "" for none); the candidates and the test set take the training set's number of columns
@*/
PetscErrorCode CurioDataLoadLIBSVM(CurioData data, const char train[], const char cand[], const char test[])
{
  CurioCSRRows csr;

  PetscFunctionBegin;
  PetscCall(CurioRowsFree(&data->train));
  PetscCall(CurioRowsFree(&data->cand));
  PetscCall(CurioRowsFree(&data->test));
  PetscCall(CurioCSRRowsReadLIBSVM(data->comm, train, 0, &csr));
  PetscCall(CurioRowsFromCSR(data->comm, &csr, &data->train));
  data->has_cand = (PetscBool) (cand && cand[0]);
  data->has_test = (PetscBool) (test && test[0]);
  if (data->has_cand) {
    PetscCall(CurioCSRRowsReadLIBSVM(data->comm, cand, data->train.dim, &csr));
    PetscCall(CurioRowsFromCSR(data->comm, &csr, &data->cand));
  }
  if (data->has_test) {
    PetscCall(CurioCSRRowsReadLIBSVM(data->comm, test, data->train.dim, &csr));
    PetscCall(CurioRowsFromCSR(data->comm, &csr, &data->test));
  }
  PetscCall(PetscStrncpy(data->source, train, sizeof(data->source)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataIsLIBSVMPath - whether a file name names LIBSVM/SVMlight text (by its extension: .svm, .libsvm, .svmlight,
  .txt) rather than HDF5

  Not Collective

  Input Parameter:
. path - the file name

.seealso: `CurioDataSetFromOptions()`
@*/
PetscBool CurioDataIsLIBSVMPath(const char path[])
{
  const char *ext = strrchr(path, '.');
  return (PetscBool) (ext && (!strcmp(ext, ".svm") || !strcmp(ext, ".libsvm") || !strcmp(ext, ".svmlight") || !strcmp(ext, ".txt")));
}

/* The data options: -curio_input, and the LIBSVM pool and test files */
static PetscErrorCode DataReadOptions(MPI_Comm comm, char file[], char cand[], char test[], PetscBool *set)
{
  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "curio data (fit, sgdf; active reads -curio_input itself)", "CurioData");
  PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_input", file, PETSC_MAX_PATH_LEN, set));
  PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_candidates", cand, PETSC_MAX_PATH_LEN, NULL));
  PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_test", test, PETSC_MAX_PATH_LEN, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataOptionsHelp - reads the data options without loading anything, so that -help lists them

  Collective

  Input Parameter:
. comm - the communicator

.seealso: `CurioDataSetFromOptions()`
@*/
PetscErrorCode CurioDataOptionsHelp(MPI_Comm comm)
{
  char      file[PETSC_MAX_PATH_LEN] = "", cand[PETSC_MAX_PATH_LEN] = "", test[PETSC_MAX_PATH_LEN] = "";
  PetscBool set;

  PetscFunctionBegin;
  PetscCall(DataReadOptions(comm, file, cand, test, &set));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataSetFromOptions - loads the data named by -curio_input (HDF5, dense or CSR; or LIBSVM text by extension
  .svm/.libsvm/.svmlight/.txt, with -curio_candidates and -curio_test files in the same format), or the built-in
  example without it
@*/
PetscErrorCode CurioDataSetFromOptions(CurioData data)
{
  char      file[PETSC_MAX_PATH_LEN] = "", cand[PETSC_MAX_PATH_LEN] = "", test[PETSC_MAX_PATH_LEN] = "";
  PetscBool set;

  PetscFunctionBegin;
  PetscCall(DataReadOptions(data->comm, file, cand, test, &set));
  if (set && file[0] && CurioDataIsLIBSVMPath(file)) PetscCall(CurioDataLoadLIBSVM(data, file, cand, test));
  else if (set && file[0]) {
    PetscCheck(!cand[0] && !test[0], data->comm, PETSC_ERR_USER_INPUT,
               "-curio_candidates and -curio_test are for LIBSVM input; an HDF5 input holds its own '/candidates' and '/test' groups");
    PetscCall(CurioDataLoadHDF5(data, file));
  } else {
    PetscCheck(!set, data->comm, PETSC_ERR_USER_INPUT, "-curio_input needs a file name");
    PetscCall(CurioDataLoadBuiltin(data));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataView - prints the sets' sizes and their source (one line each) to an ASCII viewer

  Collective
@*/
PetscErrorCode CurioDataView(CurioData data, PetscViewer viewer)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "data: %s\n", data->source));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  training rows %" PetscInt_FMT ", %s %" PetscInt_FMT "%s\n", data->train.n,
                                   data->train.is1d ? "1-D inputs" : "input columns", data->train.dim, data->train.y ? "" : " (unlabeled)"));
  if (data->has_cand) PetscCall(PetscViewerASCIIPrintf(viewer, "  candidate rows %" PetscInt_FMT "\n", data->cand.n));
  if (data->has_test) PetscCall(PetscViewerASCIIPrintf(viewer, "  test rows %" PetscInt_FMT "\n", data->test.n));
  PetscFunctionReturn(PETSC_SUCCESS);
}

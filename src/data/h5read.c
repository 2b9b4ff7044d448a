/* Reading curio's HDF5 input layout with parallel HDF5: every rank reads only its own rows, through the io layer's
   collective hyperslab read (src/io/h5.c). */
#include "dataimpl.h"
#include <string.h>

/* Whether any of v[0..n) is NaN or +-Inf (CurioNonFinite), without a branch per entry: the loop vectorizes */
static inline PetscBool CurioAnyNonFinite(PetscInt n, const PetscReal v[])
{
  unsigned any = 0;

  for (PetscInt k = 0; k < n; k++) any |= (unsigned) CurioNonFinite(v[k]);
  return (PetscBool) (any != 0);
}

PetscErrorCode CurioCheckFinite(MPI_Comm comm, const char fname[], const char dset[], PetscInt rstart, PetscInt nlocal, PetscInt ncols,
                                const PetscReal v[])
{
  const PetscInt block = PetscMax(1, 4096 / PetscMax(ncols, 1)); /* rows per test: one branch per block, not per entry */
  PetscInt       bad   = PETSC_MAX_INT, gbad;

  PetscFunctionBegin;
  for (PetscInt i0 = 0; i0 < nlocal && bad == PETSC_MAX_INT; i0 += block) {
    const PetscInt i1 = PetscMin(nlocal, i0 + block);
    if (!CurioAnyNonFinite((i1 - i0) * ncols, v + i0 * ncols)) continue;
    for (PetscInt i = i0; i < i1 && bad == PETSC_MAX_INT; i++)
      if (CurioAnyNonFinite(ncols, v + i * ncols)) bad = rstart + i;
  }
  PetscCallMPI(MPI_Allreduce(&bad, &gbad, 1, MPIU_INT, MPI_MIN, comm));
  PetscCheck(gbad == PETSC_MAX_INT, comm, PETSC_ERR_FP, "Input file '%s': dataset '%s' has a NaN or Inf value in row %" PetscInt_FMT " (0-based)",
             fname, dset, gbad);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A set in curio's CSR layout (/<group>/indptr, indices, data and the attribute shape), read whole */
static PetscErrorCode RowsLoadCSR(MPI_Comm comm, const char fname[], const char group[], PetscInt expect_dim, PetscBool expect_1d, PetscInt count,
                                  CurioRows *rows)
{
  CurioCSRRows csr;

  PetscFunctionBegin;
  PetscCheck(count < 0, comm, PETSC_ERR_SUP, "Input file '%s': '/%s' is CSR; streaming it in chunks (-curio_pool_chunk) needs a dense '/%s/X'", fname,
             group, group);
  PetscCheck(expect_dim <= 0 || !expect_1d, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': '/%s' is CSR but '/train' gives 1-D inputs 'x'", fname,
             group);
  PetscCall(CurioCSRRowsReadHDF5(comm, fname, group, expect_dim > 0 ? expect_dim : 0, &csr));
  PetscCall(CurioRowsFromCSR(comm, &csr, rows));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The rows n and columns dim of a dense set's inputs (px: 1-D 'x', pX: features 'X'), which must match the training
   set's (expect_dim > 0) */
static PetscErrorCode RowsReadShape(MPI_Comm comm, hid_t file, const char fname[], const char group[], const char px[], const char pX[],
                                    PetscBool is1d, PetscInt expect_dim, PetscBool expect_1d, PetscInt *n, PetscInt *dim)
{
  int      ndims;
  PetscInt dims[2];

  PetscFunctionBegin;
  PetscCall(CurioH5GetShape(comm, file, fname, is1d ? px : pX, &ndims, dims));
  if (is1d)
    PetscCheck(ndims == 1, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': dataset '%s' must be 1-D (n), it has %d dimension%s", fname, px, ndims,
               ndims == 1 ? "" : "s");
  else
    PetscCheck(ndims == 2, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': dataset '%s' must be 2-D (n, features), it has %d dimension%s%s", fname,
               pX, ndims, ndims == 1 ? "" : "s",
               ndims == 1 ? " (one feature column is shape (n, 1); a 1-D input for polynomial features is 'x', lower case)" : "");
  *n   = dims[0];
  *dim = is1d ? 1 : dims[1];
  PetscCheck(*n > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': dataset '%s' has no rows", fname, is1d ? px : pX);
  PetscCheck(*dim > 0, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': dataset '%s' has shape (%" PetscInt_FMT ", 0): no feature columns, so there is nothing to fit (with -curio_intercept "
             "alone the model would be the weighted mean of y); give at least one column",
             fname, pX, *n);
  if (expect_dim > 0) {
    PetscCheck(is1d == expect_1d, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': '/%s' gives %s but '/train' gives %s", fname, group,
               is1d ? "1-D inputs 'x'" : "features 'X'", expect_1d ? "1-D inputs 'x'" : "features 'X'");
    PetscCheck(*dim == expect_dim, comm, PETSC_ERR_FILE_UNEXPECTED,
               "Input file '%s': dataset '%s' has %" PetscInt_FMT " columns, but '/train/X' has %" PetscInt_FMT, fname, pX, *dim, expect_dim);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* This rank's rows of the inputs dset (file rows from first + rows->rstart), checked finite: into rows->X, or with a
   sink block by block */
static PetscErrorCode RowsReadInputs(MPI_Comm comm, hid_t file, const char fname[], const char dset[], PetscInt first, CurioRowsSink sink, void *ctx,
                                     CurioRows *rows)
{
  const PetscInt dim = rows->dim;

  PetscFunctionBegin;
  if (sink) {
    /* through a buffer of about 2 MiB that stays in cache: no pages of a chunk-sized array to fault in, and the
       finite check and the sink read what was just read; every rank takes part in every (collective) read */
    const PetscInt block = PetscMax(1, 262144 / dim);
    PetscInt       nblocks, gblocks;
    PetscReal     *buf;
    PetscCall(PetscFree(rows->X)); /* never touched: never faulted in */
    nblocks = (rows->nlocal + block - 1) / block;
    PetscCall(MPIU_Allreduce(&nblocks, &gblocks, 1, MPIU_INT, MPI_MAX, comm));
    PetscCall(PetscMalloc1(block * dim, &buf));
    for (PetscInt b = 0; b < gblocks; b++) {
      PetscInt i0 = PetscMin(b * block, rows->nlocal), nb = PetscMin(block, rows->nlocal - i0);
      PetscCall(CurioH5ReadRows(comm, file, fname, dset, first + rows->rstart + i0, nb, dim, buf));
      PetscCall(CurioCheckFinite(comm, fname, dset, first + rows->rstart + i0, nb, dim, buf));
      if (nb > 0) PetscCall(sink(ctx, i0, nb, buf));
    }
    PetscCall(PetscFree(buf));
  } else {
    PetscCall(CurioH5ReadRows(comm, file, fname, dset, first + rows->rstart, rows->nlocal, dim, rows->X));
    PetscCall(CurioCheckFinite(comm, fname, dset, first + rows->rstart, rows->nlocal, dim, rows->X));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Dataset dset (labels or weights) must be 1-D with one entry per row of the inputs px (total rows of dim columns): the
   error says what it has, and suggests that the inputs are stored transposed when their column count matches */
static PetscErrorCode RowsCheckPerRow(MPI_Comm comm, hid_t file, const char fname[], const char dset[], const char px[], PetscInt total, PetscInt dim)
{
  int      ndims;
  PetscInt dims[2] = {0, 0};
  char     shape[64];

  PetscFunctionBegin;
  PetscCall(CurioH5GetShape(comm, file, fname, dset, &ndims, dims));
  if (ndims == 1 && dims[0] == total) PetscFunctionReturn(PETSC_SUCCESS);
  if (ndims == 1) PetscCall(PetscSNPrintf(shape, sizeof(shape), "(%" PetscInt_FMT ")", dims[0]));
  else if (ndims == 2) PetscCall(PetscSNPrintf(shape, sizeof(shape), "(%" PetscInt_FMT ", %" PetscInt_FMT ")", dims[0], dims[1]));
  else PetscCall(PetscSNPrintf(shape, sizeof(shape), "%d dimension%s", ndims, ndims == 1 ? "" : "s"));
  {
    const PetscBool transposed                    = (PetscBool) (ndims == 1 && dims[0] == dim && dim != total);
    char            hint[PETSC_MAX_PATH_LEN + 64] = "";
    if (transposed) PetscCall(PetscSNPrintf(hint, sizeof(hint), " (is '%s' stored transposed, features x rows?)", px));
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED,
            "Input file '%s': dataset '%s' has shape %s, but '%s' has %" PetscInt_FMT " rows: it must have shape (%" PetscInt_FMT
            "), one entry per row%s",
            fname, dset, shape, px, total, total, hint);
  }
}

/* This rank's labels from dataset py, which must have one entry per row of the set (total), checked finite */
static PetscErrorCode RowsReadLabels(MPI_Comm comm, hid_t file, const char fname[], const char py[], const char px[], PetscInt first, PetscInt total,
                                     PetscInt dim, CurioRows *rows)
{
  PetscFunctionBegin;
  PetscCall(RowsCheckPerRow(comm, file, fname, py, px, total, dim));
  PetscCall(CurioH5ReadRows(comm, file, fname, py, first + rows->rstart, rows->nlocal, 1, rows->y));
  PetscCall(CurioCheckFinite(comm, fname, py, first + rows->rstart, rows->nlocal, 1, rows->y));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* This rank's weights from dataset pw if the file has it (else they stay 1), one per row of the set (total), finite
   and >= 0 */
static PetscErrorCode RowsReadWeights(MPI_Comm comm, hid_t file, const char fname[], const char pw[], const char px[], PetscInt first, PetscInt total,
                                      PetscInt dim, CurioRows *rows)
{
  PetscBool hw;
  PetscInt  bad = PETSC_MAX_INT, gbad;

  PetscFunctionBegin;
  PetscCall(CurioH5Exists(file, pw, &hw));
  if (!hw) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(RowsCheckPerRow(comm, file, fname, pw, px, total, dim));
  PetscCall(CurioH5ReadRows(comm, file, fname, pw, first + rows->rstart, rows->nlocal, 1, rows->w));
  PetscCall(CurioCheckFinite(comm, fname, pw, first + rows->rstart, rows->nlocal, 1, rows->w));
  for (PetscInt i = 0; i < rows->nlocal; i++)
    if (rows->w[i] < 0) {
      bad = first + rows->rstart + i;
      break;
    }
  PetscCallMPI(MPI_Allreduce(&bad, &gbad, 1, MPIU_INT, MPI_MIN, comm));
  PetscCheck(gbad == PETSC_MAX_INT, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': dataset '%s' has a negative weight in row %" PetscInt_FMT,
             fname, pw, gbad);
  if (!strncmp(pw, "/train/", 7)) PetscCall(CurioCheckSomeWeight(comm, fname, pw, rows->nlocal, rows->w));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckSomeWeight - refuses training weights that are all zero (nothing to fit: the Gram is zero and every
  score is meaningless), naming the file and dataset; collective
@*/
PetscErrorCode CurioCheckSomeWeight(MPI_Comm comm, const char fname[], const char dset[], PetscInt nlocal, const PetscReal w[])
{
  PetscInt pos = 0, gpos;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < nlocal; i++) pos += w[i] > 0;
  PetscCallMPI(MPI_Allreduce(&pos, &gpos, 1, MPIU_INT, MPI_SUM, comm));
  PetscCheck(gpos > 0, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': every weight in dataset '%s' is zero, so there is nothing to fit; give some training rows a positive weight", fname,
             dset);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Reads rows [first, first + count) of one set, "train", "candidates" or "test" (count < 0: all rows; count = 0: only
   the set's shape, no arrays); defer: feature rows without their inputs (CurioDataSetDeferInputs()) */
static PetscErrorCode LoadRows(MPI_Comm comm, hid_t file, const char fname[], const char group[], PetscBool need_y, PetscInt expect_dim,
                               PetscBool expect_1d, PetscInt first, PetscInt count, PetscBool defer, CurioRowsSink sink, void *ctx, CurioRows *rows,
                               PetscBool *found)
{
  char      px[256], pX[256], py[256], pw[256], pi[256];
  PetscBool hcsr, hx, hX, hy, is1d;
  PetscInt  n = 0, dim = 0, total; /* RowsReadShape() sets n and dim; zero only for -Wmaybe-uninitialized */

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(px, sizeof(px), "/%s/x", group));
  PetscCall(PetscSNPrintf(pX, sizeof(pX), "/%s/X", group));
  PetscCall(PetscSNPrintf(py, sizeof(py), "/%s/y", group));
  PetscCall(PetscSNPrintf(pw, sizeof(pw), "/%s/weight", group));
  PetscCall(PetscSNPrintf(pi, sizeof(pi), "/%s/indptr", group));
  PetscCall(CurioH5Exists(file, pi, &hcsr));
  if (hcsr) {
    PetscCall(RowsLoadCSR(comm, fname, group, expect_dim, expect_1d, count, rows));
    *found = PETSC_TRUE;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(CurioH5Exists(file, px, &hx));
  PetscCall(CurioH5Exists(file, pX, &hX));
  *found = (PetscBool) (hx || hX);
  if (!*found) {
    char      pg[256];
    PetscBool hg;
    PetscCall(PetscSNPrintf(pg, sizeof(pg), "/%s", group));
    PetscCall(CurioH5Exists(file, pg, &hg));
    /* something under an optional set's name that is not a set: silently reading nothing would drop the user's rows
       (the training set is required, and its caller names what is missing) */
    PetscCheck(!hg || !strcmp(group, "train"), comm, PETSC_ERR_FILE_UNEXPECTED,
               "Input file '%s': '/%s' is there but holds no rows: it must be a group with dataset 'X' (features), 'x' (1-D inputs) or "
               "'indptr', 'indices', 'data' (CSR), and 'y' for labeled rows (README \"Input layout\")",
               fname, group);
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCheck(!(hx && hX), comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': group '/%s' has both 'x' (1-D inputs) and 'X' (features); give one",
             fname, group);
  is1d = hx;
  PetscCall(RowsReadShape(comm, file, fname, group, px, pX, is1d, expect_dim, expect_1d, &n, &dim));
  PetscCall(CurioH5Exists(file, py, &hy));
  PetscCheck(hy || !need_y, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': dataset '%s' (labels) is missing", fname, py);
  if (count == 0) {
    PetscCall(PetscMemzero(rows, sizeof(*rows)));
    rows->n    = n;
    rows->dim  = dim;
    rows->is1d = is1d;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (count > 0) {
    PetscCheck(first >= 0 && first + count <= n, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Rows [%" PetscInt_FMT ", %" PetscInt_FMT ") of '/%s' in '%s' do not exist", first, first + count, group, fname);
    total = n;
    n     = count;
  } else total = n;
  {
    char what[PETSC_MAX_PATH_LEN + 300];
    PetscCall(PetscSNPrintf(what, sizeof(what), "Input file '%s': dataset '%s'", fname, is1d ? px : pX));
    PetscCall(CurioRowsCheckSize(comm, what, n, dim, PETSC_TRUE));
  }
  PetscCall(CurioRowsAllocate(comm, n, dim, is1d, hy, rows));
  if (defer && !is1d) { /* read later by CurioDataReadInputs(); the array was never touched, so never faulted in */
    PetscCall(PetscFree(rows->X));
    rows->deferred = PETSC_TRUE;
  } else PetscCall(RowsReadInputs(comm, file, fname, is1d ? px : pX, first, sink, ctx, rows));
  if (hy) PetscCall(RowsReadLabels(comm, file, fname, py, is1d ? px : pX, first, total, dim, rows));
  PetscCall(RowsReadWeights(comm, file, fname, pw, is1d ? px : pX, first, total, dim, rows));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataLoadHDF5 - reads training rows (required), a candidate pool and a test set (optional) from an HDF5 file
  in curio's input layout (README, "Input layout")
@*/
PetscErrorCode CurioDataLoadHDF5(CurioData data, const char fname[])
{
  hid_t     file;
  PetscBool found;

  PetscFunctionBegin;
  PetscCall(CurioRowsFree(&data->train));
  PetscCall(CurioRowsFree(&data->cand));
  PetscCall(CurioRowsFree(&data->test));
  PetscCall(CurioH5OpenRead(data->comm, fname, &file));
  PetscCall(LoadRows(data->comm, file, fname, "train", PETSC_TRUE, 0, PETSC_FALSE, 0, -1, data->defer_inputs, NULL, NULL, &data->train, &found));
  PetscCheck(found, data->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': training inputs missing: expected dataset '/train/x' (1-D inputs), '/train/X' (features) or '/train/indptr' (CSR)",
             fname);
  PetscCall(CurioH5FreeStrings(&data->feature_names));
  if (!data->train.is1d) { /* the columns' names, if the input has them (scripts/curio-convert.py writes a CSV header there) */
    PetscBool named;
    PetscCall(CurioH5Exists(file, "/train/feature_name", &named));
    if (named) PetscCall(CurioH5ReadStrings(data->comm, file, fname, "/train/feature_name", data->train.dim, &data->feature_names));
  }
  /* a streamed pool is read chunk by chunk when it is scored: only its shape now */
  PetscCall(LoadRows(data->comm, file, fname, "candidates", PETSC_FALSE, data->train.dim, data->train.is1d, 0, data->cand_chunk > 0 ? 0 : -1,
                     data->defer_inputs, NULL, NULL, &data->cand, &data->has_cand));
  PetscCall(LoadRows(data->comm, file, fname, "test", PETSC_TRUE, data->train.dim, data->train.is1d, 0, -1, data->defer_inputs, NULL, NULL,
                     &data->test, &data->has_test));
  H5Fclose(file);
  PetscCall(PetscStrncpy(data->source, fname, sizeof(data->source)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataReadCandidates - rows [first, first + count) of the candidate pool of the HDF5 input, split over the ranks
  (a chunk of a streamed pool); rows->rstart is relative to first
@*/
PetscErrorCode CurioDataReadCandidates(CurioData data, PetscInt first, PetscInt count, CurioRows *rows)
{
  PetscFunctionBegin;
  PetscCall(CurioDataReadCandidatesBlocked(data, first, count, NULL, NULL, rows));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataReadCandidatesBlocked - CurioDataReadCandidates() with the rows' inputs handed to a sink in blocks of rows
  (read, checked finite, passed on) instead of stored (without a sink, NULL: stored in rows->X); with a sink rows->X is NULL; labels and weights are
read as before. A streamed pool's chunk goes into its design matrix without a chunk-sized copy of the inputs.

  Collective

  Input Parameters:
+ data  - the data, whose pool is streamed
. first - first row of the chunk
. count - rows in the chunk
. sink  - receives this rank's rows of the chunk, block by block, in order
- ctx   - passed to sink

  Output Parameter:
. rows - the chunk's distribution, labels and weights

.seealso: CurioDataReadCandidates()
@*/
PetscErrorCode CurioDataReadCandidatesBlocked(CurioData data, PetscInt first, PetscInt count, CurioRowsSink sink, void *ctx, CurioRows *rows)
{
  hid_t     file;
  PetscBool found;

  PetscFunctionBegin;
  PetscCall(CurioH5OpenRead(data->comm, data->source, &file));
  PetscCall(LoadRows(data->comm, file, data->source, "candidates", PETSC_FALSE, data->train.dim, data->train.is1d, first, count, PETSC_FALSE, sink,
                     ctx, rows, &found));
  H5Fclose(file);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDataReadInputs - reads the inputs of a set loaded without them (CurioDataSetDeferInputs(), rows->deferred) in
  blocks of rows, each checked finite and handed to a sink in this rank's row numbering; X stays NULL and the set is
  no longer deferred

  Collective

  Input Parameters:
+ data - the data, loaded from an HDF5 file
. set  - CURIO_DATA_TRAIN, CURIO_DATA_CANDIDATES or CURIO_DATA_TEST
. sink - receives rows [i0, i0 + nb), row-major
- ctx  - the sink's context

.seealso: CurioDataSetDeferInputs(), CurioDataReadCandidatesBlocked(), CurioModelFillDesignRows()
@*/
PetscErrorCode CurioDataReadInputs(CurioData data, CurioDataSet set, CurioRowsSink sink, void *ctx)
{
  const char *group = set == CURIO_DATA_TRAIN ? "train" : set == CURIO_DATA_CANDIDATES ? "candidates" : "test";
  CurioRows  *rows;
  char        pX[256];
  hid_t       file;

  PetscFunctionBegin;
  PetscCall(CurioDataGetRows(data, set, &rows, NULL));
  PetscCheck(rows->deferred, data->comm, PETSC_ERR_ORDER, "The inputs of '/%s' are not deferred: they were read when the data was loaded", group);
  PetscCall(PetscSNPrintf(pX, sizeof(pX), "/%s/X", group));
  PetscCall(CurioH5OpenRead(data->comm, data->source, &file));
  PetscCall(RowsReadInputs(data->comm, file, data->source, pX, 0, sink, ctx, rows));
  H5Fclose(file);
  rows->deferred = PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioReadParameters - a parameter vector (length d, the layout of v) from a 1-D dataset of an HDF5 file, each rank
  reading its own entries; errors name the option that gave the file

  Input Parameters:
+ comm   - communicator
. option - the option that named the file, for messages
. fname  - file
. dset   - dataset
- v      - the vector to fill (its global size is the expected length)
@*/
PetscErrorCode CurioReadParameters(MPI_Comm comm, const char option[], const char fname[], const char dset[], Vec v)
{
  hid_t      file;
  PetscBool  exists;
  int        ndims;
  PetscInt   dims[2], lo, hi, N;
  PetscReal *buf;

  PetscFunctionBegin;
  PetscCall(VecGetSize(v, &N));
  PetscCall(CurioH5OpenReadFor(comm, option, fname, &file));
  PetscCall(CurioH5Exists(file, dset, &exists));
  PetscCheck(exists, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: file '%s' has no dataset '%s'", option, fname, dset);
  PetscCall(CurioH5GetShape(comm, file, fname, dset, &ndims, dims));
  PetscCheck(ndims == 1 && dims[0] == N, comm, PETSC_ERR_FILE_UNEXPECTED,
             "%s: dataset '%s' in '%s' must have shape (%" PetscInt_FMT "), the model's d", option, dset, fname, N);
  PetscCall(VecGetOwnershipRange(v, &lo, &hi));
  PetscCall(VecGetArrayWrite(v, &buf));
  PetscCall(CurioH5ReadRows(comm, file, fname, dset, lo, hi - lo, 1, buf));
  H5Fclose(file);
  {
    PetscInt bad = PETSC_MAX_INT, gbad;
    for (PetscInt i = 0; i < hi - lo && bad == PETSC_MAX_INT; i++)
      if (PetscIsInfOrNanReal(buf[i])) bad = lo + i;
    PetscCall(VecRestoreArrayWrite(v, &buf));
    PetscCallMPI(MPI_Allreduce(&bad, &gbad, 1, MPIU_INT, MPI_MIN, comm));
    PetscCheck(gbad == PETSC_MAX_INT, comm, PETSC_ERR_FP, "%s: dataset '%s' in '%s' has a NaN or Inf value at entry %" PetscInt_FMT " (0-based)",
               option, dset, fname, gbad);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

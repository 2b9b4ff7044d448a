/* The data of an active-learning loop: the candidate pool (features only: every rank reads its own rows), the test set,
   the optional initial labeled set, and the oracle, which reveals the labels in /candidates/y only of the points the
   loop selects (an HDF5 point selection of exactly those indices). */
#include "activeimpl.h"

/* Which of 'x' (1-D inputs) or 'X' (features) a group has; the error names the file and group */
static PetscErrorCode GroupInputs(MPI_Comm comm, hid_t file, const char fname[], const char group[], PetscBool required, PetscBool *found,
                                  PetscBool *is1d, PetscInt *n, PetscInt *dim)
{
  char      px[256], pX[256], pi[256];
  PetscBool hx, hX, hcsr;
  int       ndims;
  PetscInt  dims[2];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(px, sizeof(px), "/%s/x", group));
  PetscCall(PetscSNPrintf(pX, sizeof(pX), "/%s/X", group));
  PetscCall(PetscSNPrintf(pi, sizeof(pi), "/%s/indptr", group));
  PetscCall(CurioH5Exists(file, pi, &hcsr));
  PetscCheck(!hcsr, comm, PETSC_ERR_SUP,
             "Input file '%s': '/%s' is in the CSR layout; -curio_mode active needs dense '/%s/X' or 1-D '/%s/x' (convert with "
             "scripts/curio-convert.py without --sparse)",
             fname, group, group, group);
  PetscCall(PetscSNPrintf(pi, sizeof(pi), "/%s/weight", group));
  PetscCall(CurioH5Exists(file, pi, &hcsr));
  PetscCheck(!hcsr || strcmp(group, "test"), comm, PETSC_ERR_SUP,
             "Input file '%s': '/test/weight' is given, but the test metric of -curio_mode active is unweighted; remove the dataset (weights of "
             "'/candidates' and '/train' are used in training)",
             fname);
  PetscCall(CurioH5Exists(file, px, &hx));
  PetscCall(CurioH5Exists(file, pX, &hX));
  *found = (PetscBool) (hx || hX);
  PetscCheck(*found || !required, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': '/%s/X' (features) or '/%s/x' (1-D inputs) is missing", fname,
             group, group);
  if (!*found) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCheck(!(hx && hX), comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': group '/%s' has both 'x' (1-D inputs) and 'X' (features); give one",
             fname, group);
  *is1d = hx;
  PetscCall(CurioH5GetShape(comm, file, fname, hx ? px : pX, &ndims, dims));
  PetscCheck(ndims == (hx ? 1 : 2), comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': dataset '%s' must be %s, it has %d dimensions", fname,
             hx ? px : pX, hx ? "1-D (n)" : "2-D (n, features)", ndims);
  PetscCheck(dims[0] > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': dataset '%s' has no rows", fname, hx ? px : pX);
  *n   = dims[0];
  *dim = hx ? 1 : dims[1];
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The per-row dataset '/<group>/<name>' of an input (path gets its name): whether it exists, and if it does, that it
   is 1-D with one entry per row of the group's n rows (entry: what an entry is, for the error) */
static PetscErrorCode GroupRowDataset(MPI_Comm comm, hid_t file, const char fname[], const char group[], const char name[], PetscInt n,
                                      const char entry[], char path[], size_t len, PetscBool *found)
{
  int      ndims;
  PetscInt dims[2];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, len, "/%s/%s", group, name));
  PetscCall(CurioH5Exists(file, path, found));
  if (!*found) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(CurioH5GetShape(comm, file, fname, path, &ndims, dims));
  PetscCheck(ndims == 1 && dims[0] == n, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': dataset '%s' must have shape (%" PetscInt_FMT "), one %s",
             fname, path, n, entry);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The labels of a group: present, 1-D, one per row */
static PetscErrorCode GroupLabels(MPI_Comm comm, hid_t file, const char fname[], const char group[], PetscInt n, const char why[])
{
  char      py[256];
  PetscBool hy;

  PetscFunctionBegin;
  PetscCall(GroupRowDataset(comm, file, fname, group, "y", n, "label per row of its inputs", py, sizeof(py), &hy));
  PetscCheck(hy, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': dataset '%s' is missing (%s)", fname, py, why);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Checks the layout of an active-learning input and returns its sizes; with file >= 0 it stays open */
static PetscErrorCode ProbeLayout(MPI_Comm comm, hid_t file, const char fname[], PetscBool *is1d, PetscInt *m, PetscInt *dim, PetscInt *ntest,
                                  PetscInt *ninit)
{
  PetscBool found, t1d;
  PetscInt  n, tdim;

  PetscFunctionBegin;
  PetscCall(GroupInputs(comm, file, fname, "candidates", PETSC_TRUE, &found, is1d, m, dim));
  PetscCall(GroupLabels(comm, file, fname, "candidates", *m, "the oracle labels of the pool"));
  PetscCall(GroupInputs(comm, file, fname, "test", PETSC_TRUE, &found, &t1d, ntest, &tdim));
  PetscCheck(t1d == *is1d && tdim == *dim, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': '/test' has %" PetscInt_FMT " input columns%s, the pool '/candidates' %" PetscInt_FMT "%s", fname, tdim,
             t1d ? " (1-D x)" : "", *dim, *is1d ? " (1-D x)" : "");
  PetscCall(GroupLabels(comm, file, fname, "test", *ntest, "the test labels"));
  PetscCall(GroupInputs(comm, file, fname, "train", PETSC_FALSE, &found, &t1d, &n, &tdim));
  *ninit = 0;
  if (found) {
    PetscCheck(t1d == *is1d && tdim == *dim, comm, PETSC_ERR_FILE_UNEXPECTED,
               "Input file '%s': '/train' has %" PetscInt_FMT " input columns%s, the pool '/candidates' %" PetscInt_FMT "%s", fname, tdim,
               t1d ? " (1-D x)" : "", *dim, *is1d ? " (1-D x)" : "");
    PetscCall(GroupLabels(comm, file, fname, "train", n, "the labels of the initial labeled set"));
    *ninit = n;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Pool size and initial labeled set size of an input, after checking its layout (the study checks every input first) */
PetscErrorCode CurioALProbeInput(MPI_Comm comm, const char fname[], PetscInt *m, PetscInt *ninit)
{
  hid_t     file;
  PetscBool is1d;
  PetscInt  dim, ntest;

  PetscFunctionBegin;
  PetscCall(CurioH5OpenRead(comm, fname, &file));
  PetscCall(ProbeLayout(comm, file, fname, &is1d, m, &dim, &ntest, ninit));
  H5Fclose(file);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The feature map of the model (its options read by CurioALPrepare()), shared by every round: a 1-D input's polynomial
   scaling comes from -curio_domain or from the range of the pool, the test set and the initial labeled set, so it does
   not change as points are labeled */
static PetscErrorCode SetUpModel(CurioAL al)
{
  CurioModel model = al->model;

  PetscFunctionBegin;
  if (al->is1d) {
    PetscBool given;
    PetscCall(CurioModelGetDomain(model, NULL, NULL, &given));
    if (!given) {
      PetscReal r[2] = {PETSC_MAX_REAL, PETSC_MAX_REAL};
      PetscCall(CurioModelDomainInclude(al->pool.nlocal, al->pool.X, r));
      PetscCall(CurioModelDomainInclude(al->test.nlocal, al->test.X, r));
      PetscCall(CurioModelDomainInclude(al->n_init, al->init_X, r));
      PetscCall(CurioModelSetDomainFromRange(model, r));
    }
  }
  PetscCall(CurioModelSetUpInputs(model, al->is1d, al->dim));
  PetscCall(CurioModelGetSize(model, &al->d));
  PetscCall(CurioModelGetFeatureMap(model, &al->features, NULL, NULL));
  PetscCall(CurioModelCheckLabels(model, &al->test, "test"));
  if (al->n_init) {
    CurioRows init = {.n = al->n_init, .rstart = 0, .nlocal = al->n_init, .dim = al->dim, .y = al->init_y};
    PetscCall(CurioModelCheckLabels(model, &init, "train"));
  }
  PetscCall(CurioModelBuildDesign(model, &al->pool, &al->PhiPool));
  PetscCall(CurioModelBuildDesign(model, &al->test, &al->PhiTest));
  PetscCall(CurioRowVec(al->PhiTest, al->test.y, &al->ytest));
  PetscCall(MatCreateVecs(al->PhiPool, &al->theta, &al->eta_pool));
  PetscCall(VecDuplicate(al->theta, &al->theta_dot));
  PetscCall(VecDuplicate(al->eta_pool, &al->unlabeled));
  PetscCall(VecSet(al->unlabeled, 1.0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadLabelsAt(CurioAL, const char[], PetscInt, const PetscInt64[], PetscReal[]);

/* Every weight of a group (n rows), replicated, if the file has '/<group>/weight' (else *w stays NULL): one per row,
   finite, >= 0 */
static PetscErrorCode ReadWeightsAll(MPI_Comm comm, hid_t file, const char fn[], const char group[], PetscInt n, PetscReal **w)
{
  char      pw[256];
  PetscBool has;

  PetscFunctionBegin;
  *w = NULL;
  PetscCall(GroupRowDataset(comm, file, fn, group, "weight", n, "weight per row", pw, sizeof(pw), &has));
  if (!has) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscMalloc1(PetscMax(n, 1), w));
  PetscCall(CurioH5ReadRows(comm, file, fn, pw, 0, n, 1, *w));
  PetscCall(CurioCheckFinite(comm, fn, pw, 0, n, 1, *w));
  for (PetscInt i = 0; i < n; i++)
    PetscCheck((*w)[i] >= 0, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': dataset '%s' has a negative weight in row %" PetscInt_FMT, fn, pw, i);
  PetscFunctionReturn(PETSC_SUCCESS);
}

typedef struct {
  PetscReal u;
  PetscInt  g;
} KeyRow;

static int CompareKeyRow(const void *a, const void *b)
{
  const KeyRow *x = (const KeyRow *) a, *y = (const KeyRow *) b;
  if (x->u != y->u) return x->u > y->u ? -1 : 1; /* largest deviate first, ties to the smaller row */
  return (x->g > y->g) - (x->g < y->g);
}

/* The random split of one seed (-curio_al_split random): the rows of /candidates and /test together (file rows
   g = 0..n_cand-1, then n_cand + test row), the n_test rows with the largest counter-based deviates
   CurioRandomUniform(seed, CURIO_AL_STREAM_SPLIT, g) form the test set, the others the pool, both in increasing g.
   Every rank reads both groups whole (meant for study-sized data: (n_cand + n_test) x dim doubles per rank) and keeps
   its own rows; the test labels are read, the pool labels are left to the oracle. */
static PetscErrorCode LoadSplitRandom(CurioAL al, const char pk[], const char tk[])
{
  MPI_Comm    comm = al->comm;
  const char *fn   = al->common.input;
  PetscInt    nc = al->n_cand_file, nt = al->n_test_file, N = nc + nt, dim = al->dim, *test_g, np = 0, ntl = 0;
  PetscReal  *Xall, *ytest_file, *ytest;
  KeyRow     *key;
  PetscBool  *is_test;

  PetscFunctionBegin;
  PetscCall(PetscMalloc5(N, &key, N, &is_test, N * dim, &Xall, PetscMax(nt, 1), &ytest_file, PetscMax(nt, 1), &ytest));
  PetscCall(PetscMalloc1(PetscMax(nt, 1), &test_g));
  for (PetscInt g = 0; g < N; g++) key[g] = (KeyRow){CurioRandomUniform(al->seed, CURIO_AL_STREAM_SPLIT, g), g};
  qsort(key, (size_t) N, sizeof(KeyRow), CompareKeyRow);
  for (PetscInt g = 0; g < N; g++) is_test[g] = PETSC_FALSE;
  for (PetscInt t = 0; t < nt; t++) is_test[key[t].g] = PETSC_TRUE;
  PetscCall(PetscMalloc1(nc, &al->pool_src));
  for (PetscInt g = 0; g < N; g++) {
    if (is_test[g]) test_g[ntl++] = g;
    else al->pool_src[np++] = g;
  }
  PetscCall(CurioH5ReadRows(comm, al->file, fn, pk, 0, nc, dim, Xall));
  PetscCall(CurioCheckFinite(comm, fn, pk, 0, nc, dim, Xall));
  PetscCall(CurioH5ReadRows(comm, al->file, fn, tk, 0, nt, dim, Xall + nc * dim));
  PetscCall(CurioCheckFinite(comm, fn, tk, 0, nt, dim, Xall + nc * dim));
  PetscCall(CurioH5ReadRows(comm, al->file, fn, "/test/y", 0, nt, 1, ytest_file));
  PetscCall(CurioCheckFinite(comm, fn, "/test/y", 0, nt, 1, ytest_file));
  { /* the labels of the test rows that come from /candidates, by one point selection */
    PetscInt64 *rows;
    PetscInt    k = 0;
    PetscReal  *buf;
    PetscCall(PetscMalloc2(nt, &rows, nt, &buf));
    for (PetscInt t = 0; t < nt; t++)
      if (test_g[t] < nc) rows[k++] = test_g[t];
    PetscCall(ReadLabelsAt(al, "/candidates/y", k, rows, buf));
    for (PetscInt t = 0, j = 0; t < nt; t++) ytest[t] = test_g[t] < nc ? buf[j++] : ytest_file[test_g[t] - nc];
    PetscCall(PetscFree2(rows, buf));
  }
  PetscCall(CurioRowsAllocate(comm, nc, dim, al->is1d, PETSC_FALSE, &al->pool));
  for (PetscInt i = 0; i < al->pool.nlocal; i++) PetscCall(PetscArraycpy(al->pool.X + i * dim, Xall + al->pool_src[al->pool.rstart + i] * dim, dim));
  PetscCall(CurioRowsAllocate(comm, nt, dim, al->is1d, PETSC_TRUE, &al->test));
  for (PetscInt i = 0; i < al->test.nlocal; i++) {
    PetscCall(PetscArraycpy(al->test.X + i * dim, Xall + test_g[al->test.rstart + i] * dim, dim));
    al->test.y[i] = ytest[al->test.rstart + i];
  }
  PetscCall(PetscFree5(key, is_test, Xall, ytest_file, ytest));
  PetscCall(PetscFree(test_g));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioALLoadData - opens the input, reads this rank's pool rows (inputs only), the test set and the initial labeled set
  (replicated), builds the pool and test design matrices. The pool's labels are not read here. With
  -curio_al_split random the pool and test set are drawn afresh from both groups for the loop's seed.
@*/
PetscErrorCode CurioALLoadData(CurioAL al)
{
  MPI_Comm    comm = al->comm;
  const char *fn   = al->common.input;
  const char *pk, *tk;
  PetscInt    ntest;

  PetscFunctionBegin;
  PetscCall(CurioH5OpenRead(comm, fn, &al->file));
  PetscCall(ProbeLayout(comm, al->file, fn, &al->is1d, &al->n_pool, &al->dim, &ntest, &al->n_init));
  al->n_cand_file = al->n_pool;
  al->n_test_file = ntest;
  pk              = al->is1d ? "/candidates/x" : "/candidates/X";
  tk              = al->is1d ? "/test/x" : "/test/X";
  if (al->split_random) PetscCall(LoadSplitRandom(al, pk, tk));
  else {
    PetscCall(CurioRowsAllocate(comm, al->n_pool, al->dim, al->is1d, PETSC_FALSE, &al->pool));
    PetscCall(CurioH5ReadRows(comm, al->file, fn, pk, al->pool.rstart, al->pool.nlocal, al->dim, al->pool.X));
    PetscCall(CurioCheckFinite(comm, fn, pk, al->pool.rstart, al->pool.nlocal, al->dim, al->pool.X));
    PetscCall(CurioRowsAllocate(comm, ntest, al->dim, al->is1d, PETSC_TRUE, &al->test));
    PetscCall(CurioH5ReadRows(comm, al->file, fn, tk, al->test.rstart, al->test.nlocal, al->dim, al->test.X));
    PetscCall(CurioCheckFinite(comm, fn, tk, al->test.rstart, al->test.nlocal, al->dim, al->test.X));
    PetscCall(CurioH5ReadRows(comm, al->file, fn, "/test/y", al->test.rstart, al->test.nlocal, 1, al->test.y));
    PetscCall(CurioCheckFinite(comm, fn, "/test/y", al->test.rstart, al->test.nlocal, 1, al->test.y));
  }
  { /* weights: of the pool points (in pool order) and of /train; a pool point drawn from /test has weight 1 */
    PetscReal *wc;
    PetscCall(ReadWeightsAll(comm, al->file, fn, "candidates", al->n_cand_file, &wc));
    if (wc && al->pool_src) {
      PetscCall(PetscMalloc1(al->n_pool, &al->pool_w));
      for (PetscInt i = 0; i < al->n_pool; i++) al->pool_w[i] = al->pool_src[i] < al->n_cand_file ? wc[al->pool_src[i]] : 1.0;
      PetscCall(PetscFree(wc));
    } else al->pool_w = wc;
  }
  if (al->n_init) { /* small: every rank reads all of it */
    PetscReal *wt;
    PetscCall(PetscMalloc2(al->n_init * al->dim, &al->init_X, al->n_init, &al->init_y));
    PetscCall(CurioH5ReadRows(comm, al->file, fn, al->is1d ? "/train/x" : "/train/X", 0, al->n_init, al->dim, al->init_X));
    PetscCall(CurioCheckFinite(comm, fn, al->is1d ? "/train/x" : "/train/X", 0, al->n_init, al->dim, al->init_X));
    PetscCall(CurioH5ReadRows(comm, al->file, fn, "/train/y", 0, al->n_init, 1, al->init_y));
    PetscCall(CurioCheckFinite(comm, fn, "/train/y", 0, al->n_init, 1, al->init_y));
    PetscCall(ReadWeightsAll(comm, al->file, fn, "train", al->n_init, &wt));
    PetscCall(PetscMalloc1(al->n_init, &al->init_w));
    for (PetscInt i = 0; i < al->n_init; i++) al->init_w[i] = wt ? wt[i] : 1.0;
    PetscCall(PetscFree(wt));
  }
  PetscCall(SetUpModel(al));
  PetscFunctionReturn(PETSC_SUCCESS);
}

typedef struct {
  PetscInt index, pos;
} IndexPos;

static int CompareIndexPos(const void *a, const void *b)
{
  const IndexPos *x = (const IndexPos *) a, *y = (const IndexPos *) b;
  return (x->index > y->index) - (x->index < y->index);
}

/* Labels of k rows of a 1-D label dataset, rows[] strictly increasing: one collective read of an HDF5 point selection
   of exactly these rows (rank 0 selects them), then broadcast; y[] gets them in the order of rows[] */
static PetscErrorCode ReadLabelsAt(CurioAL al, const char dset[], PetscInt k, const PetscInt64 rows[], PetscReal y[])
{
  PetscMPIInt rank;
  hid_t       d, fspace, mspace, dxpl;
  hsize_t     cnt = (hsize_t) k, *coord;
  herr_t      status;
  int         ok, allok;

  PetscFunctionBegin;
  if (!k) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCallMPI(MPI_Comm_rank(al->comm, &rank));
  PetscCall(PetscMalloc1(k, &coord));
  for (PetscInt i = 0; i < k; i++) coord[i] = (hsize_t) rows[i];
  PetscCall(PetscLogEventBegin(CURIO_EVENT_Read, 0, 0, 0, 0));
  d      = H5Dopen2(al->file, dset, H5P_DEFAULT);
  fspace = H5Dget_space(d);
  mspace = H5Screate_simple(1, &cnt, NULL);
  if (rank == 0) H5Sselect_elements(fspace, H5S_SELECT_SET, (size_t) k, coord);
  else {
    H5Sselect_none(fspace);
    H5Sselect_none(mspace);
  }
  dxpl = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
  status = H5Dread(d, H5T_NATIVE_DOUBLE, mspace, fspace, dxpl, y);
  H5Pclose(dxpl);
  H5Sclose(mspace);
  H5Sclose(fspace);
  H5Dclose(d);
  PetscCall(PetscLogEventEnd(CURIO_EVENT_Read, 0, 0, 0, 0));
  ok = status >= 0;
  PetscCallMPI(MPI_Allreduce(&ok, &allok, 1, MPI_INT, MPI_LAND, al->comm));
  PetscCheck(allok, al->comm, PETSC_ERR_FILE_READ, "Input file '%s': reading the labels '%s' of %" PetscInt_FMT " points failed", al->common.input,
             dset, k);
  PetscCallMPI(MPI_Bcast(y, (PetscMPIInt) k, MPIU_REAL, 0, al->comm));
  PetscCall(PetscFree(coord));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The file row of pool point i: /candidates row g (g < n_cand_file) or /test row g - n_cand_file */
static inline PetscInt64 PoolSource(CurioAL al, PetscInt i)
{
  return al->pool_src ? al->pool_src[i] : (PetscInt64) i;
}

/* The labels of pool points idx[0..k) without checks: /candidates/y and (random split) /test/y, each by one point
   selection of exactly these rows */
static PetscErrorCode ReadPoolLabels(CurioAL al, PetscInt k, const PetscInt idx[], PetscReal y[])
{
  IndexPos   *ip;
  PetscInt64 *rows;
  PetscReal  *buf;
  PetscInt    nc = 0;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(k, &ip, k, &rows, k, &buf));
  for (PetscInt i = 0; i < k; i++) ip[i] = (IndexPos){(PetscInt) PoolSource(al, idx[i]), i};
  qsort(ip, (size_t) k, sizeof(IndexPos), CompareIndexPos);
  for (PetscInt i = 0; i < k; i++) {
    rows[i] = ip[i].index < al->n_cand_file ? ip[i].index : ip[i].index - al->n_cand_file;
    if (ip[i].index < al->n_cand_file) nc++;
  }
  PetscCall(ReadLabelsAt(al, "/candidates/y", nc, rows, buf));
  PetscCall(ReadLabelsAt(al, "/test/y", k - nc, rows + nc, buf + nc));
  for (PetscInt i = 0; i < k; i++) y[ip[i].pos] = buf[i];
  PetscCall(PetscFree3(ip, rows, buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioALOracleReveal - the oracle: the labels of pool points idx[0..k) from /candidates/y (and, with a random split,
  /test/y), and nothing else of them: one collective read of an HDF5 point selection of exactly these rows per dataset.
  A NaN or Inf label, or one outside the loss's domain, is an error that names the pool index.
@*/
PetscErrorCode CurioALOracleReveal(CurioAL al, PetscInt k, const PetscInt idx[], PetscReal y[])
{
  PetscFunctionBegin;
  if (!k) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(ReadPoolLabels(al, k, idx, y));
  for (PetscInt i = 0; i < k; i++) {
    PetscReal v = y[i];
    PetscBool in;
    PetscCheck(!PetscIsInfOrNanReal(v), al->comm, PETSC_ERR_FP,
               "Input file '%s': the oracle label '/candidates/y' of pool point %" PetscInt_FMT " is %s", al->common.input, idx[i],
               PetscIsNanReal(v) ? "NaN" : "Inf");
    in = CurioLossTable[al->loss].label_valid ? CurioLossTable[al->loss].label_valid(v) : PETSC_TRUE;
    PetscCheck(in, al->comm, PETSC_ERR_USER_INPUT,
               "Input file '%s': the oracle label '/candidates/y' of pool point %" PetscInt_FMT " is %g; %s loss needs %s", al->common.input, idx[i],
               (double) v, CurioLossTypes[al->loss], CurioLossTable[al->loss].label_domain);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioALReadAllLabels - every oracle label of this rank's pool rows: only for the harness strategies that say so
  (reads_all_labels = 1 in the output); a real query strategy never calls it
@*/
PetscErrorCode CurioALReadAllLabels(CurioAL al)
{
  PetscFunctionBegin;
  if (al->pool_y) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscMalloc1(PetscMax(al->pool.nlocal, 1), &al->pool_y));
  PetscCall(CurioALReadPoolLabels(al, al->pool_y));
  PetscCall(CurioCheckFinite(al->comm, al->common.input, "/candidates/y", al->pool.rstart, al->pool.nlocal, 1, al->pool_y));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioALReadPoolLabels - every oracle label of this rank's pool rows into y[] (nlocal values), unchecked: for the
  harness strategies that read every label and for a stratified seed set, which needs the pool's classes
@*/
PetscErrorCode CurioALReadPoolLabels(CurioAL al, PetscReal y[])
{
  PetscFunctionBegin;
  if (!al->pool_src) PetscCall(CurioH5ReadRows(al->comm, al->file, al->common.input, "/candidates/y", al->pool.rstart, al->pool.nlocal, 1, y));
  else { /* through the split's map: the whole pool, then this rank's part */ PetscInt *idx;
    PetscReal                                                                          *all;
    PetscCall(PetscMalloc2(al->n_pool, &idx, al->n_pool, &all));
    for (PetscInt i = 0; i < al->n_pool; i++) idx[i] = i;
    PetscCall(ReadPoolLabels(al, al->n_pool, idx, all));
    PetscCall(PetscArraycpy(y, all + al->pool.rstart, al->pool.nlocal));
    PetscCall(PetscFree2(idx, all));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The input row (dim values) of pool point i on every rank: its owner contributes it to a sum (exact: the others add zeros) */
PetscErrorCode CurioALPoolRow(CurioAL al, PetscInt i, PetscReal x[])
{
  PetscFunctionBegin;
  PetscCall(PetscArrayzero(x, al->dim));
  if (i >= al->pool.rstart && i < al->pool.rstart + al->pool.nlocal)
    PetscCall(PetscArraycpy(x, al->pool.X + (i - al->pool.rstart) * al->dim, al->dim));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, x, (PetscMPIInt) al->dim, MPIU_REAL, MPIU_SUM, al->comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The feature row phi (d values) of pool point i on every rank */
PetscErrorCode CurioALDesignRow(CurioAL al, PetscInt i, PetscReal phi[])
{
  const PetscReal *a;
  PetscInt         m, N, lda;

  PetscFunctionBegin;
  PetscCall(PetscArrayzero(phi, al->d));
  PetscCall(CurioMatGetLocalArrayRead(al->PhiPool, &a, &m, &N, &lda));
  if (i >= al->pool.rstart && i < al->pool.rstart + m)
    for (PetscInt j = 0; j < N; j++) phi[j] = a[(i - al->pool.rstart) + j * lda];
  PetscCall(CurioMatRestoreLocalArrayRead(al->PhiPool, &a));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, phi, (PetscMPIInt) al->d, MPIU_REAL, MPIU_SUM, al->comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* gsx's state: mindist_i = min(mindist_i, ||x_i - x||) over this rank's pool rows for each of the nx input rows x
   (Euclidean distance in input space; min is exact, so the order of the updates does not matter) */
PetscErrorCode CurioALUpdateMinDist(CurioAL al, PetscInt nx, const PetscReal X[])
{
  PetscFunctionBegin;
  if (!al->mindist) {
    PetscCall(PetscMalloc1(PetscMax(al->pool.nlocal, 1), &al->mindist));
    for (PetscInt i = 0; i < al->pool.nlocal; i++) al->mindist[i] = PETSC_MAX_REAL;
  }
  for (PetscInt t = 0; t < nx; t++)
    for (PetscInt i = 0; i < al->pool.nlocal; i++) {
      const PetscReal *xi = al->pool.X + i * al->dim, *x = X + t * al->dim;
      PetscReal        s = 0;
      for (PetscInt j = 0; j < al->dim; j++) s += (xi[j] - x[j]) * (xi[j] - x[j]);
      s = PetscSqrtReal(s);
      if (s < al->mindist[i]) al->mindist[i] = s;
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

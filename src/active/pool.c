/* The data of an active-learning loop: the candidate pool (features only: every rank reads its own rows), the test set,
   the optional initial labeled set, and the oracle, which reveals the labels in /candidates/y only of the points the
   loop selects (an HDF5 point selection of exactly those indices). Each group is dense or CSR in the HDF5 input, or a
   LIBSVM file; the loop holds every group's rows densely (its design matrices are dense). */
#include "activeimpl.h"

/* A sparse group's rows without their labels and weights: the oracle reads a pool label only when its point is
   selected, and ReadWeightsAll() reads the weights */
static PetscErrorCode GroupDropLabels(CurioALGroup *G)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(G->csr.y));
  PetscCall(PetscFree(G->csr.w));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Frees what a group holds */
static PetscErrorCode GroupFree(CurioALGroup *G)
{
  PetscFunctionBegin;
  PetscCall(CurioCSRRowsFree(&G->csr));
  PetscCall(PetscFree(G->y_all));
  PetscCall(PetscMemzero(G, sizeof(*G)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioALGroupsFree - frees the loop's three input groups (candidates, test, train)
@*/
PetscErrorCode CurioALGroupsFree(CurioAL al)
{
  PetscFunctionBegin;
  for (PetscInt g = 0; g < 3; g++) PetscCall(GroupFree(&al->grp[g]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Group 'name' of the open HDF5 input: its kind (none, dense 'x' or 'X', or CSR), rows and columns; a CSR group's rows
   are read here (this rank's, without labels); the error names the file and group */
static PetscErrorCode GroupProbeHDF5(MPI_Comm comm, hid_t file, const char fname[], const char name[], PetscBool required, CurioALGroup *G)
{
  char      px[256], pX[256], pi[256];
  PetscBool hx, hX, hcsr, hw;
  int       ndims;
  PetscInt  dims[2];

  PetscFunctionBegin;
  PetscCall(PetscMemzero(G, sizeof(*G)));
  PetscCall(PetscStrncpy(G->file, fname, sizeof(G->file)));
  PetscCall(PetscSNPrintf(G->y, sizeof(G->y), "/%s/y", name));
  PetscCall(PetscSNPrintf(px, sizeof(px), "/%s/weight", name));
  PetscCall(CurioH5Exists(file, px, &hw));
  PetscCheck(!hw || strcmp(name, "test"), comm, PETSC_ERR_SUP,
             "Input file '%s': '/test/weight' is given, but the test metric of -curio_mode active is unweighted; remove the dataset (weights of "
             "'/candidates' and '/train' are used in training)",
             fname);
  PetscCall(PetscSNPrintf(px, sizeof(px), "/%s/x", name));
  PetscCall(PetscSNPrintf(pX, sizeof(pX), "/%s/X", name));
  PetscCall(PetscSNPrintf(pi, sizeof(pi), "/%s/indptr", name));
  PetscCall(CurioH5Exists(file, pi, &hcsr));
  PetscCall(CurioH5Exists(file, px, &hx));
  PetscCall(CurioH5Exists(file, pX, &hX));
  PetscCheck(hcsr || hx || hX || !required, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': '/%s/X' (features), '/%s/x' (1-D inputs) or '/%s/indptr' (CSR) is missing", fname, name, name, name);
  PetscCheck((int) hcsr + (int) hx + (int) hX <= 1, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': group '/%s' has more than one of 'x' (1-D inputs), 'X' (features) and 'indptr' (CSR); give one", fname, name);
  if (hcsr) {
    PetscCall(CurioCSRRowsReadHDF5(comm, fname, name, 0, &G->csr));
    PetscCall(GroupDropLabels(G));
    G->kind = CURIO_AL_GROUP_CSR;
    G->n    = G->csr.n;
    G->dim  = G->csr.ncols;
    PetscCall(PetscStrncpy(G->X, pi, sizeof(G->X)));
  } else if (hx || hX) {
    G->kind = CURIO_AL_GROUP_DENSE;
    G->is1d = hx;
    PetscCall(PetscStrncpy(G->X, hx ? px : pX, sizeof(G->X)));
    PetscCall(CurioH5GetShape(comm, file, fname, G->X, &ndims, dims));
    PetscCheck(ndims == (hx ? 1 : 2), comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': dataset '%s' must be %s, it has %d dimensions", fname, G->X,
               hx ? "1-D (n)" : "2-D (n, features)", ndims);
    G->n   = dims[0];
    G->dim = hx ? 1 : dims[1];
  }
  PetscCheck(!G->kind || G->n > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': '/%s' has no rows", fname, name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A LIBSVM file as a group: this rank's rows (the reader's split by bytes) without labels, and every label replicated */
static PetscErrorCode GroupReadLIBSVM(MPI_Comm comm, const char path[], CurioALGroup *G)
{
  PetscMPIInt size, nl, *counts, *displs;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(G, sizeof(*G)));
  PetscCall(PetscStrncpy(G->file, path, sizeof(G->file)));
  PetscCall(PetscStrncpy(G->X, "features", sizeof(G->X)));
  PetscCall(PetscStrncpy(G->y, "labels", sizeof(G->y)));
  PetscCall(CurioCSRRowsReadLIBSVM(comm, path, 0, &G->csr));
  G->kind = CURIO_AL_GROUP_LIBSVM;
  G->n    = G->csr.n;
  G->dim  = G->csr.ncols;
  PetscCheck(G->n > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s' has no rows", path);
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscMPIIntCast(G->csr.nlocal, &nl));
  PetscCall(PetscMalloc1(G->n, &G->y_all));
  PetscCall(PetscMalloc2(size, &counts, size, &displs));
  PetscCallMPI(MPI_Allgather(&nl, 1, MPI_INT, counts, 1, MPI_INT, comm));
  displs[0] = 0;
  for (PetscMPIInt r = 1; r < size; r++) displs[r] = displs[r - 1] + counts[r - 1];
  PetscCallMPI(MPI_Allgatherv(G->csr.y, nl, MPIU_REAL, G->y_all, counts, displs, MPIU_REAL, comm));
  PetscCall(PetscFree2(counts, displs));
  PetscCall(GroupDropLabels(G));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The labels of an HDF5 group: present, 1-D, one per row */
static PetscErrorCode GroupLabels(MPI_Comm comm, hid_t file, const CurioALGroup *G, const char why[])
{
  int       ndims;
  PetscInt  dims[2];
  PetscBool hy;

  PetscFunctionBegin;
  PetscCall(CurioH5Exists(file, G->y, &hy));
  PetscCheck(hy, comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': dataset '%s' is missing (%s)", G->file, G->y, why);
  PetscCall(CurioH5GetShape(comm, file, G->file, G->y, &ndims, dims));
  PetscCheck(ndims == 1 && dims[0] == G->n, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': dataset '%s' must have shape (%" PetscInt_FMT "), one label per row of its inputs", G->file, G->y, G->n);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The groups agree: the test set and the initial labeled set have the pool's inputs (LIBSVM files: the widest file's
   columns for all, as absent indices are zeros); a sparse group held densely must fit */
static PetscErrorCode GroupsCheck(MPI_Comm comm, CurioALGroup grp[3])
{
  const char *what[3] = {"the pool", "the test set", "the initial labeled set"};

  PetscFunctionBegin;
  if (grp[CURIO_AL_CAND].kind == CURIO_AL_GROUP_LIBSVM) {
    PetscInt dim = 0;
    for (PetscInt g = 0; g < 3; g++) dim = PetscMax(dim, grp[g].dim);
    for (PetscInt g = 0; g < 3; g++)
      if (grp[g].kind) grp[g].dim = dim;
  }
  for (PetscInt g = 1; g < 3; g++) {
    if (!grp[g].kind) continue;
    PetscCheck(grp[g].is1d == grp[0].is1d && grp[g].dim == grp[0].dim, comm, PETSC_ERR_FILE_UNEXPECTED,
               "Input file '%s': %s ('%s') has %" PetscInt_FMT " input columns%s, the pool ('%s' of '%s') %" PetscInt_FMT "%s", grp[g].file, what[g],
               grp[g].X, grp[g].dim, grp[g].is1d ? " (1-D x)" : "", grp[0].X, grp[0].file, grp[0].dim, grp[0].is1d ? " (1-D x)" : "");
  }
  for (PetscInt g = 0; g < 3; g++) {
    char msg[PETSC_MAX_PATH_LEN + 128];
    if (grp[g].kind != CURIO_AL_GROUP_CSR && grp[g].kind != CURIO_AL_GROUP_LIBSVM) continue;
    PetscCall(PetscSNPrintf(msg, sizeof(msg), "Input file '%s': %s, held densely by the loop,", grp[g].file, what[g]));
    PetscCall(CurioRowsCheckSize(comm, msg, grp[g].n, grp[g].dim, PETSC_TRUE));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Checks the layout of an HDF5 active-learning input and fills the three groups */
static PetscErrorCode ProbeLayout(MPI_Comm comm, hid_t file, const char fname[], CurioALGroup grp[3])
{
  PetscFunctionBegin;
  PetscCall(GroupProbeHDF5(comm, file, fname, "candidates", PETSC_TRUE, &grp[CURIO_AL_CAND]));
  PetscCall(GroupLabels(comm, file, &grp[CURIO_AL_CAND], "the oracle labels of the pool"));
  PetscCall(GroupProbeHDF5(comm, file, fname, "test", PETSC_TRUE, &grp[CURIO_AL_TEST]));
  PetscCall(GroupLabels(comm, file, &grp[CURIO_AL_TEST], "the test labels"));
  PetscCall(GroupProbeHDF5(comm, file, fname, "train", PETSC_FALSE, &grp[CURIO_AL_TRAIN]));
  if (grp[CURIO_AL_TRAIN].kind) PetscCall(GroupLabels(comm, file, &grp[CURIO_AL_TRAIN], "the labels of the initial labeled set"));
  PetscCall(GroupsCheck(comm, grp));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Pool size and initial labeled set size of an HDF5 input, after checking its layout (the study checks every input
   first) */
PetscErrorCode CurioALProbeInput(MPI_Comm comm, const char fname[], PetscInt *m, PetscInt *ninit)
{
  hid_t          file;
  CurioALGroup   grp[3];
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCheck(!CurioDataIsLIBSVMPath(fname), comm, PETSC_ERR_USER_INPUT,
             "-curio_study_inputs: '%s' is LIBSVM text; a study's input is one HDF5 file per data set (pool, test set: convert with "
             "scripts/curio-convert.py); -curio_mode active takes LIBSVM files with -curio_candidates and -curio_test",
             fname);
  PetscCall(PetscMemzero(grp, sizeof(grp)));
  PetscCall(CurioH5OpenRead(comm, fname, &file));
  ierr = ProbeLayout(comm, file, fname, grp);
  H5Fclose(file);
  *m     = grp[CURIO_AL_CAND].n;
  *ninit = grp[CURIO_AL_TRAIN].kind ? grp[CURIO_AL_TRAIN].n : 0;
  for (PetscInt g = 0; g < 3; g++) PetscCall(GroupFree(&grp[g]));
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rows [rstart, rstart + nlocal) of a sparse group, dense (nlocal x dim, row-major) on the rank that asks for them,
   whatever split the reader gave: every rank sends the asked rows it holds, densified, in one all-to-all. The ranks'
   row ranges (the reader's, the asked) are contiguous, so each rank's rows arrive in place. */
static PetscErrorCode GroupDensify(MPI_Comm comm, const CurioALGroup *G, PetscInt dim, PetscInt rstart, PetscInt nlocal, PetscReal X[])
{
  const CurioCSRRows *c       = &G->csr;
  PetscInt64          mine[4] = {c->rstart, c->nlocal, rstart, nlocal}, *all, nsend = 0, off = 0;
  PetscMPIInt         size, *sc, *sd, *rc, *rd;
  PetscReal          *sbuf;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscMalloc5(4 * size, &all, size, &sc, size, &sd, size, &rc, size, &rd));
  PetscCallMPI(MPI_Allgather(mine, 4, MPIU_INT64, all, 4, MPIU_INT64, comm));
  for (PetscMPIInt q = 0; q < size; q++) {
    PetscInt64 lo = PetscMax(c->rstart, all[4 * q + 2]), hi = PetscMin(c->rstart + c->nlocal, all[4 * q + 2] + all[4 * q + 3]);
    nsend += PetscMax(hi - lo, 0);
  }
  PetscCall(PetscCalloc1(PetscMax(nsend * dim, 1), &sbuf));
  for (PetscMPIInt q = 0; q < size; q++) { /* the rows rank q asks for that this rank holds */
    PetscInt64 lo = PetscMax(c->rstart, all[4 * q + 2]), hi = PetscMin(c->rstart + c->nlocal, all[4 * q + 2] + all[4 * q + 3]);
    PetscCall(PetscMPIIntCast(PetscMax(hi - lo, 0) * dim, &sc[q]));
    PetscCall(PetscMPIIntCast(off, &sd[q]));
    for (PetscInt64 r = lo; r < hi; r++, off += dim)
      for (PetscInt k = c->rowptr[r - c->rstart]; k < c->rowptr[r - c->rstart + 1]; k++) sbuf[off + c->colidx[k]] = c->vals[k];
  }
  for (PetscMPIInt p = 0; p < size; p++) { /* the rows this rank asks for that rank p holds */
    PetscInt64 lo = PetscMax(all[4 * p], rstart), hi = PetscMin(all[4 * p] + all[4 * p + 1], rstart + nlocal);
    PetscCall(PetscMPIIntCast(PetscMax(hi - lo, 0) * dim, &rc[p]));
    PetscCall(PetscMPIIntCast(hi > lo ? (lo - rstart) * dim : 0, &rd[p]));
  }
  PetscCallMPI(MPI_Alltoallv(sbuf, sc, sd, MPIU_REAL, X, rc, rd, MPIU_REAL, comm));
  PetscCall(PetscFree(sbuf));
  PetscCall(PetscFree5(all, sc, sd, rc, rd));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rows [rstart, rstart + nlocal) of a group's inputs into X (nlocal x dim), checked finite; collective (each rank its
   own range) */
static PetscErrorCode GroupReadRows(CurioAL al, const CurioALGroup *G, PetscInt rstart, PetscInt nlocal, PetscReal X[])
{
  PetscFunctionBegin;
  if (G->kind == CURIO_AL_GROUP_DENSE) PetscCall(CurioH5ReadRows(al->comm, al->file, G->file, G->X, rstart, nlocal, al->dim, X));
  else PetscCall(GroupDensify(al->comm, G, al->dim, rstart, nlocal, X));
  PetscCall(CurioCheckFinite(al->comm, G->file, G->X, rstart, nlocal, al->dim, X));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Labels of rows [first, first + count) of a group (each rank its own range; collective), checked finite if asked */
static PetscErrorCode GroupLabelsRange(CurioAL al, const CurioALGroup *G, PetscInt first, PetscInt count, PetscBool check, PetscReal y[])
{
  PetscFunctionBegin;
  if (G->kind == CURIO_AL_GROUP_LIBSVM) PetscCall(PetscArraycpy(y, G->y_all + first, count));
  else PetscCall(CurioH5ReadRows(al->comm, al->file, G->file, G->y, first, count, 1, y));
  if (check) PetscCall(CurioCheckFinite(al->comm, G->file, G->y, first, count, 1, y));
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
  PetscCall(CurioModelCheckLabels(model, &al->test, al->grp[CURIO_AL_TEST].file, "test"));
  if (al->n_init) {
    CurioRows init = {.n = al->n_init, .rstart = 0, .nlocal = al->n_init, .dim = al->dim, .y = al->init_y};
    PetscCall(CurioModelCheckLabels(model, &init, al->grp[CURIO_AL_TRAIN].file, "train"));
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

static PetscErrorCode GroupLabelsAt(CurioAL, const CurioALGroup *, PetscInt, const PetscInt64[], PetscReal[]);

/* Every weight of a group (n rows), replicated, if the HDF5 input has '/<group>/weight' (else *w stays NULL; LIBSVM
   rows have weight 1): one per row, finite, >= 0 */
static PetscErrorCode ReadWeightsAll(CurioAL al, const char group[], PetscInt n, PetscReal **w)
{
  MPI_Comm    comm = al->comm;
  const char *fn   = al->common.input;
  char        pw[256];
  PetscBool   has;
  int         ndims;
  PetscInt    dims[2];

  PetscFunctionBegin;
  *w = NULL;
  if (al->file < 0) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscSNPrintf(pw, sizeof(pw), "/%s/weight", group));
  PetscCall(CurioH5Exists(al->file, pw, &has));
  if (!has) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(CurioH5GetShape(comm, al->file, fn, pw, &ndims, dims));
  PetscCheck(ndims == 1 && dims[0] == n, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': dataset '%s' must have shape (%" PetscInt_FMT "), one weight per row", fn, pw, n);
  PetscCall(PetscMalloc1(PetscMax(n, 1), w));
  PetscCall(CurioH5ReadRows(comm, al->file, fn, pw, 0, n, 1, *w));
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
static PetscErrorCode LoadSplitRandom(CurioAL al)
{
  MPI_Comm      comm = al->comm;
  CurioALGroup *gc = &al->grp[CURIO_AL_CAND], *gt = &al->grp[CURIO_AL_TEST];
  PetscInt      nc = gc->n, nt = gt->n, N = nc + nt, dim = al->dim, *test_g, np = 0, ntl = 0;
  PetscReal    *Xall, *ytest_file, *ytest;
  KeyRow       *key;
  PetscBool    *is_test;

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
  PetscCall(GroupReadRows(al, gc, 0, nc, Xall));
  PetscCall(GroupReadRows(al, gt, 0, nt, Xall + nc * dim));
  PetscCall(GroupLabelsRange(al, gt, 0, nt, PETSC_TRUE, ytest_file));
  { /* the labels of the test rows that come from /candidates, by one point selection */
    PetscInt64 *rows;
    PetscInt    k = 0;
    PetscReal  *buf;
    PetscCall(PetscMalloc2(nt, &rows, nt, &buf));
    for (PetscInt t = 0; t < nt; t++)
      if (test_g[t] < nc) rows[k++] = test_g[t];
    PetscCall(GroupLabelsAt(al, gc, k, rows, buf));
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

/* The groups of the input: the HDF5 input's, or the LIBSVM files -curio_candidates (pool), -curio_test and
   -curio_input (initial labeled set, optional) */
static PetscErrorCode OpenGroups(CurioAL al)
{
  PetscFunctionBegin;
  if (al->cand_file[0]) {
    PetscCall(GroupReadLIBSVM(al->comm, al->cand_file, &al->grp[CURIO_AL_CAND]));
    PetscCall(GroupReadLIBSVM(al->comm, al->test_file, &al->grp[CURIO_AL_TEST]));
    if (al->common.input[0]) PetscCall(GroupReadLIBSVM(al->comm, al->common.input, &al->grp[CURIO_AL_TRAIN]));
    PetscCall(GroupsCheck(al->comm, al->grp));
  } else {
    PetscCall(CurioH5OpenRead(al->comm, al->common.input, &al->file));
    PetscCall(ProbeLayout(al->comm, al->file, al->common.input, al->grp));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioALLoadData - opens the input, reads this rank's pool rows (inputs only), the test set and the initial labeled set
  (replicated), builds the pool and test design matrices. The pool's labels are not read here. With
  -curio_al_split random the pool and test set are drawn afresh from both groups for the loop's seed.
@*/
PetscErrorCode CurioALLoadData(CurioAL al)
{
  MPI_Comm      comm = al->comm;
  CurioALGroup *gc = &al->grp[CURIO_AL_CAND], *gt = &al->grp[CURIO_AL_TEST], *gi = &al->grp[CURIO_AL_TRAIN];

  PetscFunctionBegin;
  PetscCall(OpenGroups(al));
  al->is1d   = gc->is1d;
  al->dim    = gc->dim;
  al->n_pool = gc->n;
  al->n_init = gi->kind ? gi->n : 0;
  if (al->split_random) PetscCall(LoadSplitRandom(al));
  else {
    PetscCall(CurioRowsAllocate(comm, al->n_pool, al->dim, al->is1d, PETSC_FALSE, &al->pool));
    PetscCall(GroupReadRows(al, gc, al->pool.rstart, al->pool.nlocal, al->pool.X));
    PetscCall(CurioRowsAllocate(comm, gt->n, al->dim, al->is1d, PETSC_TRUE, &al->test));
    PetscCall(GroupReadRows(al, gt, al->test.rstart, al->test.nlocal, al->test.X));
    PetscCall(GroupLabelsRange(al, gt, al->test.rstart, al->test.nlocal, PETSC_TRUE, al->test.y));
  }
  { /* weights: of the pool points (in pool order) and of /train; a pool point drawn from /test has weight 1 */
    PetscReal *wc;
    PetscCall(ReadWeightsAll(al, "candidates", gc->n, &wc));
    if (wc && al->pool_src) {
      PetscCall(PetscMalloc1(al->n_pool, &al->pool_w));
      for (PetscInt i = 0; i < al->n_pool; i++) al->pool_w[i] = al->pool_src[i] < gc->n ? wc[al->pool_src[i]] : 1.0;
      PetscCall(PetscFree(wc));
    } else al->pool_w = wc;
  }
  if (al->n_init) { /* small: every rank reads all of it */
    PetscReal *wt;
    PetscCall(PetscMalloc2(al->n_init * al->dim, &al->init_X, al->n_init, &al->init_y));
    PetscCall(GroupReadRows(al, gi, 0, al->n_init, al->init_X));
    PetscCall(GroupLabelsRange(al, gi, 0, al->n_init, PETSC_TRUE, al->init_y));
    PetscCall(ReadWeightsAll(al, "train", al->n_init, &wt));
    PetscCall(PetscMalloc1(al->n_init, &al->init_w));
    for (PetscInt i = 0; i < al->n_init; i++) al->init_w[i] = wt ? wt[i] : 1.0;
    PetscCall(PetscFree(wt));
  }
  for (PetscInt g = 0; g < 3; g++) PetscCall(CurioCSRRowsFree(&al->grp[g].csr)); /* densified: the sparse rows are not needed again */
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

/* Labels of k rows of a group's 1-D label dataset, rows[] strictly increasing: one collective read of an HDF5 point
   selection of exactly these rows (rank 0 selects them), then broadcast (LIBSVM: the file's labels, held by the
   oracle); y[] gets them in the order of rows[] */
static PetscErrorCode GroupLabelsAt(CurioAL al, const CurioALGroup *G, PetscInt k, const PetscInt64 rows[], PetscReal y[])
{
  PetscMPIInt rank;
  hid_t       d, fspace, mspace, dxpl;
  hsize_t     cnt = (hsize_t) k, *coord;
  herr_t      status;
  int         ok, allok;

  PetscFunctionBegin;
  if (!k) PetscFunctionReturn(PETSC_SUCCESS);
  if (G->kind == CURIO_AL_GROUP_LIBSVM) {
    for (PetscInt i = 0; i < k; i++) y[i] = G->y_all[rows[i]];
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCallMPI(MPI_Comm_rank(al->comm, &rank));
  PetscCall(PetscMalloc1(k, &coord));
  for (PetscInt i = 0; i < k; i++) coord[i] = (hsize_t) rows[i];
  PetscCall(PetscLogEventBegin(CURIO_EVENT_Read, 0, 0, 0, 0));
  d      = H5Dopen2(al->file, G->y, H5P_DEFAULT);
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
  PetscCheck(allok, al->comm, PETSC_ERR_FILE_READ, "Input file '%s': reading the labels '%s' of %" PetscInt_FMT " points failed", G->file, G->y, k);
  PetscCallMPI(MPI_Bcast(y, (PetscMPIInt) k, MPIU_REAL, 0, al->comm));
  PetscCall(PetscFree(coord));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The file row of pool point i: /candidates row g (g < rows of /candidates) or /test row g - rows of /candidates */
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
  PetscInt    nc = 0, ncand = al->grp[CURIO_AL_CAND].n;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(k, &ip, k, &rows, k, &buf));
  for (PetscInt i = 0; i < k; i++) ip[i] = (IndexPos){(PetscInt) PoolSource(al, idx[i]), i};
  qsort(ip, (size_t) k, sizeof(IndexPos), CompareIndexPos);
  for (PetscInt i = 0; i < k; i++) {
    rows[i] = ip[i].index < ncand ? ip[i].index : ip[i].index - ncand;
    if (ip[i].index < ncand) nc++;
  }
  PetscCall(GroupLabelsAt(al, &al->grp[CURIO_AL_CAND], nc, rows, buf));
  PetscCall(GroupLabelsAt(al, &al->grp[CURIO_AL_TEST], k - nc, rows + nc, buf + nc));
  for (PetscInt i = 0; i < k; i++) y[ip[i].pos] = buf[i];
  PetscCall(PetscFree3(ip, rows, buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioALOracleReveal - the oracle: the labels of pool points idx[0..k) from /candidates/y (and, with a random split,
  /test/y), and nothing else of them: one collective read of an HDF5 point selection of exactly these rows per dataset
  (LIBSVM: the labels of the pool's file, which only the oracle reads).
  A NaN or Inf label, or one outside the loss's domain, is an error that names the pool index.
@*/
PetscErrorCode CurioALOracleReveal(CurioAL al, PetscInt k, const PetscInt idx[], PetscReal y[])
{
  const CurioALGroup *gc = &al->grp[CURIO_AL_CAND];

  PetscFunctionBegin;
  if (!k) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(ReadPoolLabels(al, k, idx, y));
  for (PetscInt i = 0; i < k; i++) {
    PetscReal v = y[i];
    PetscBool in;
    PetscCheck(!PetscIsInfOrNanReal(v), al->comm, PETSC_ERR_FP, "Input file '%s': the oracle label '%s' of pool point %" PetscInt_FMT " is %s",
               gc->file, gc->y, idx[i], PetscIsNanReal(v) ? "NaN" : "Inf");
    in = CurioLossTable[al->loss].label_valid ? CurioLossTable[al->loss].label_valid(v) : PETSC_TRUE;
    PetscCheck(in, al->comm, PETSC_ERR_USER_INPUT, "Input file '%s': the oracle label '%s' of pool point %" PetscInt_FMT " is %g; %s loss needs %s",
               gc->file, gc->y, idx[i], (double) v, CurioLossTypes[al->loss], CurioLossTable[al->loss].label_domain);
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
  PetscCall(CurioCheckFinite(al->comm, al->grp[CURIO_AL_CAND].file, al->grp[CURIO_AL_CAND].y, al->pool.rstart, al->pool.nlocal, 1, al->pool_y));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioALReadPoolLabels - every oracle label of this rank's pool rows into y[] (nlocal values), unchecked: for the
  harness strategies that read every label and for a stratified seed set, which needs the pool's classes
@*/
PetscErrorCode CurioALReadPoolLabels(CurioAL al, PetscReal y[])
{
  PetscFunctionBegin;
  if (!al->pool_src) PetscCall(GroupLabelsRange(al, &al->grp[CURIO_AL_CAND], al->pool.rstart, al->pool.nlocal, PETSC_FALSE, y));
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
  PetscCall(CurioAllreduceSum(al->comm, x, al->dim));
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
  PetscCall(CurioAllreduceSum(al->comm, phi, al->d));
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

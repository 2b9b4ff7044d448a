/* CurioModel: feature map, loss and regularizer (MATH.md section 1); the losses themselves are rows of the table in loss.c. */
#include "modelimpl.h"

const char *const CurioRegularizerTypes[] = {"ridge", "restricted", "inherit", "CurioRegularizerType", "CURIO_REGULARIZER_", NULL};
const char *const CurioFeatureMapTypes[]  = {"identity", "polynomial", "CurioFeatureMapType", "CURIO_FEATURES_", NULL};

/*@C
  CurioModelCreate - creates a model with curio's defaults (squared loss, ridge, polynomial degree 5 for 1-D inputs)

  Collective
@*/
PetscErrorCode CurioModelCreate(MPI_Comm comm, CurioModel *model)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(model));
  (*model)->comm        = comm;
  (*model)->loss        = CURIO_LOSS_SQUARED;
  (*model)->regularizer = CURIO_REGULARIZER_RIDGE;
  (*model)->features    = CURIO_FEATURES_IDENTITY;
  (*model)->degree      = 5;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelDestroy - frees a model
@*/
PetscErrorCode CurioModelDestroy(CurioModel *model)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(*model));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelGetLoss - the model's loss type and its row of CurioLossTable

  Not Collective

  Input Parameter:
. model - the model

  Output Parameters:
+ type - the loss (may be NULL)
- info - its table row: kernels, link, test metric (may be NULL)

.seealso: `CurioLossGetInfo()`, `CurioModelGetRegularizer()`
@*/
PetscErrorCode CurioModelGetLoss(CurioModel model, CurioLossType *type, const CurioLossInfo **info)
{
  PetscFunctionBegin;
  if (type) *type = model->loss;
  if (info) *info = &CurioLossTable[model->loss];
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelSetLoss - sets the loss (as -curio_loss does); before CurioModelSetUp()

  Not Collective
@*/
PetscErrorCode CurioModelSetLoss(CurioModel model, CurioLossType type)
{
  PetscFunctionBegin;
  model->loss = type;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelSetRegularizer - sets the regularizer (as -curio_regularizer does; inherit needs -curio_theta0)

  Not Collective
@*/
PetscErrorCode CurioModelSetRegularizer(CurioModel model, CurioRegularizerType type)
{
  PetscFunctionBegin;
  model->regularizer = type;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelSetIntercept - whether feature rows get a leading column of ones (as -curio_intercept does); before CurioModelSetUp()

  Not Collective
@*/
PetscErrorCode CurioModelSetIntercept(CurioModel model, PetscBool intercept)
{
  PetscFunctionBegin;
  model->intercept = intercept;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelGetRegularizer - the model's regularizer: ridge, restricted (intercept unpenalized) or inherit

  Not Collective
@*/
PetscErrorCode CurioModelGetRegularizer(CurioModel model, CurioRegularizerType *type)
{
  PetscFunctionBegin;
  *type = model->regularizer;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelGetFeatureMap - the feature map (fixed by CurioModelSetUp()), the polynomial degree and whether an
  intercept column is prepended to feature rows

  Not Collective

  Output Parameters (each may be NULL):
+ type - identity or polynomial
. degree - the polynomial degree (-curio_degree)
- intercept - whether a column of ones is prepended (-curio_intercept)
@*/
PetscErrorCode CurioModelGetFeatureMap(CurioModel model, CurioFeatureMapType *type, PetscInt *degree, PetscBool *intercept)
{
  PetscFunctionBegin;
  if (type) *type = model->features;
  if (degree) *degree = model->degree;
  if (intercept) *intercept = model->intercept;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelGetSize - the number of parameters d, set by CurioModelSetUp() (0 before)

  Not Collective
@*/
PetscErrorCode CurioModelGetSize(CurioModel model, PetscInt *d)
{
  PetscFunctionBegin;
  *d = model->d;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelGetDomain - the interval [lo, hi] of 1-D inputs that the polynomial map scales to [-1, 1]

  Not Collective

  Output Parameters (each may be NULL):
+ lo, hi - the interval
- given - whether it was given (-curio_domain, CurioModelSetDomain()) rather than taken from the data

.seealso: `CurioModelSetDomain()`, `CurioModelSetDomainFromRange()`
@*/
PetscErrorCode CurioModelGetDomain(CurioModel model, PetscReal *lo, PetscReal *hi, PetscBool *given)
{
  PetscFunctionBegin;
  if (lo) *lo = model->lo;
  if (hi) *hi = model->hi;
  if (given) *given = model->domain_set;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelSetDomain - sets the interval [lo, hi] of 1-D inputs (lo < hi)

  Not Collective

  Input Parameters:
+ model - the model
. lo, hi - the interval
- given - whether CurioModelSetUp() keeps it (PETSC_TRUE) or takes the domain from the data (PETSC_FALSE)
@*/
PetscErrorCode CurioModelSetDomain(CurioModel model, PetscReal lo, PetscReal hi, PetscBool given)
{
  PetscFunctionBegin;
  PetscCheck(hi > lo, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "The input domain needs lo < hi, got [%g, %g]", (double) lo, (double) hi);
  model->lo         = lo;
  model->hi         = hi;
  model->domain_set = given;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelGetTheta0 - where theta0 of the inherit regularizer comes from (-curio_theta0 FILE.h5[:DATASET])

  Not Collective

  Output Parameters:
+ file - the HDF5 file ("" without the inherit regularizer)
- dataset - the dataset in it
@*/
PetscErrorCode CurioModelGetTheta0(CurioModel model, const char **file, const char **dataset)
{
  PetscFunctionBegin;
  if (file) *file = model->theta0_file;
  if (dataset) *dataset = model->theta0_dset;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelRefuseInherit - for a mode without the inherit regularizer: CurioModelSetFromOptions() then refuses
  -curio_regularizer inherit with this message, before anything about -curio_theta0

  Not Collective

  Input Parameters:
+ model - the model
- why - the message (a string constant: it is kept, not copied)
@*/
PetscErrorCode CurioModelRefuseInherit(CurioModel model, const char why[])
{
  PetscFunctionBegin;
  model->inherit_refused = why;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelSetFromOptions - reads -curio_loss, -curio_regularizer, -curio_degree, -curio_intercept, -curio_theta0, -curio_domain

  Collective
@*/
PetscErrorCode CurioModelSetFromOptions(CurioModel model)
{
  PetscReal dom[2] = {0, 1};
  PetscBool set;

  PetscFunctionBegin;
  PetscOptionsBegin(model->comm, NULL, "curio model (every mode)", "CurioModel");
  PetscCall(CurioOptionsEnum(PetscOptionsObject, "-curio_loss", CurioLossTypes, (PetscEnum *) &model->loss, NULL));
  PetscCall(CurioOptionsEnum(PetscOptionsObject, "-curio_regularizer", CurioRegularizerTypes, (PetscEnum *) &model->regularizer, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_degree", &model->degree, NULL));
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_intercept", &model->intercept, NULL));
  PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_theta0", model->theta0_file, sizeof(model->theta0_file), NULL));
  PetscCall(CurioOptionsRealArray(PetscOptionsObject, "-curio_domain", dom, &set));
  PetscOptionsEnd();
  /* a mode without inheritance says so before any advice on -curio_theta0 */
  PetscCheck(model->regularizer != CURIO_REGULARIZER_INHERIT || !model->inherit_refused, model->comm, PETSC_ERR_SUP, "%s", model->inherit_refused);
  if (model->regularizer == CURIO_REGULARIZER_INHERIT) {
    PetscCheck(model->theta0_file[0], model->comm, PETSC_ERR_USER_INPUT, "-curio_regularizer inherit needs -curio_theta0 FILE.h5[:DATASET]");
    PetscCall(CurioParseFileDataset(model->theta0_file, "/model/theta", model->theta0_dset, sizeof(model->theta0_dset)));
  } else
    PetscCheck(!model->theta0_file[0], model->comm, PETSC_ERR_USER_INPUT,
               "-curio_theta0 %s: theta0 is the centre of -curio_regularizer inherit, and the regularizer is %s (it would be ignored); add "
               "-curio_regularizer inherit, or -curio_theta_init for a starting point",
               model->theta0_file, CurioRegularizerTypes[model->regularizer]);
  if (set) {
    PetscCheck(dom[1] > dom[0], model->comm, PETSC_ERR_ARG_OUTOFRANGE, "-curio_domain needs lo < hi, got %g,%g", (double) dom[0], (double) dom[1]);
    model->lo         = dom[0];
    model->hi         = dom[1];
    model->domain_set = PETSC_TRUE;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelDomainInclude - widens a running range of 1-D inputs by this rank's n inputs x; range starts as
  {PETSC_MAX_REAL, PETSC_MAX_REAL} and holds {min x, -max x} (so that one MPI_MIN reduces both)

  Not Collective

.seealso: CurioModelSetDomainFromRange()
@*/
PetscErrorCode CurioModelDomainInclude(PetscInt n, const PetscReal x[], PetscReal range[2])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) range[0] = PetscMin(range[0], x[i]), range[1] = PetscMin(range[1], -x[i]);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelSetDomainFromRange - the polynomial map's domain [lo, hi] from every rank's range of inputs
  (CurioModelDomainInclude()); a single distinct input gets [x, x + 1], where any scale works

  Collective
@*/
PetscErrorCode CurioModelSetDomainFromRange(CurioModel model, const PetscReal range[2])
{
  PetscReal g[2];

  PetscFunctionBegin;
  PetscCall(MPIU_Allreduce(range, g, 2, MPIU_REAL, MPIU_MIN, model->comm));
  model->lo = g[0];
  model->hi = -g[1];
  if (model->hi <= model->lo) model->hi = model->lo + 1.0;
  model->domain_set = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelSetUpInputs - fixes the feature map and the number of parameters d for inputs of dim columns: 1-D inputs
  (is1d) get the polynomial map of degree -curio_degree, whose domain must be set by then; feature rows the identity
  map (with an intercept column if asked)

  Collective

.seealso: `CurioModelSetUp()`, `CurioModelSetDomainFromRange()`
@*/
PetscErrorCode CurioModelSetUpInputs(CurioModel model, PetscBool is1d, PetscInt dim)
{
  PetscFunctionBegin;
  if (!model->inputs_warned) { /* the options of the map the data does not get */
    model->inputs_warned = PETSC_TRUE;
    if (is1d) PetscCall(CurioOptionsWarnUnused(model->comm, "-curio_intercept", "1-D inputs get the polynomial map, whose t^0 is the intercept"));
    else {
      PetscCall(
          CurioOptionsWarnUnused(model->comm, "-curio_degree", "the input has feature columns (/train/X): the polynomial map is for 1-D inputs"));
      PetscCall(
          CurioOptionsWarnUnused(model->comm, "-curio_domain", "the input has feature columns (/train/X): the polynomial map is for 1-D inputs"));
    }
  }
  if (is1d) {
    model->features = CURIO_FEATURES_POLYNOMIAL;
    model->d        = model->degree + 1;
  } else {
    model->features = CURIO_FEATURES_IDENTITY;
    model->d        = dim + (model->intercept ? 1 : 0);
  }
  PetscCheck(model->d > 0, model->comm, PETSC_ERR_ARG_WRONG, "The model has no parameters: give at least one feature column or -curio_intercept");
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelSetUp - fixes the feature map and the number of parameters d from the data: 1-D inputs get the polynomial map
  (scaled by the domain of all inputs unless -curio_domain is given), feature inputs the identity map

  Collective
@*/
PetscErrorCode CurioModelSetUp(CurioModel model, CurioData data)
{
  PetscFunctionBegin;
  if (data->train.is1d && !model->domain_set) {
    PetscReal range[2] = {PETSC_MAX_REAL, PETSC_MAX_REAL};
    PetscCall(CurioModelDomainInclude(data->train.nlocal, data->train.X, range));
    if (data->has_cand) PetscCall(CurioModelDomainInclude(data->cand.nlocal, data->cand.X, range));
    if (data->has_test) PetscCall(CurioModelDomainInclude(data->test.nlocal, data->test.X, range));
    PetscCall(CurioModelSetDomainFromRange(model, range));
    model->domain_set = PETSC_FALSE; /* taken from the data, not given */
  }
  PetscCall(CurioModelSetUpInputs(model, data->train.is1d, data->train.dim));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Phi of sparse rows as a MATMPIAIJ, preallocated exactly (columns shifted by one behind an intercept column) */
static PetscErrorCode BuildDesignAIJ(CurioModel model, const CurioRows *rows, Mat *Phi)
{
  PetscInt  d = model->d, off = model->intercept ? 1 : 0, cstart, cend, nl = PETSC_DECIDE, N = d, *dnz, *onz, maxrow = 0;
  PetscInt *cols;

  PetscFunctionBegin;
  PetscCall(PetscSplitOwnership(model->comm, &nl, &N));
  PetscCallMPI(MPI_Scan(&nl, &cend, 1, MPIU_INT, MPI_SUM, model->comm));
  cstart = cend - nl;
  PetscCall(PetscCalloc2(PetscMax(rows->nlocal, 1), &dnz, PetscMax(rows->nlocal, 1), &onz));
  for (PetscInt i = 0; i < rows->nlocal; i++) {
    if (off) (0 >= cstart && 0 < cend) ? dnz[i]++ : onz[i]++;
    for (PetscInt k = rows->rowptr[i]; k < rows->rowptr[i + 1]; k++) {
      PetscInt c = rows->colidx[k] + off;
      if (c >= cstart && c < cend) dnz[i]++;
      else onz[i]++;
    }
    maxrow = PetscMax(maxrow, rows->rowptr[i + 1] - rows->rowptr[i] + off);
  }
  PetscCall(MatCreateAIJ(model->comm, rows->nlocal, nl, rows->n, d, 0, dnz, 0, onz, Phi));
  PetscCall(PetscMalloc1(PetscMax(maxrow, 1), &cols));
  for (PetscInt i = 0; i < rows->nlocal; i++) {
    PetscInt    gi = rows->rstart + i, nz = rows->rowptr[i + 1] - rows->rowptr[i];
    PetscScalar one = 1.0;
    if (off) PetscCall(MatSetValues(*Phi, 1, &gi, 1, &(PetscInt){0}, &one, INSERT_VALUES));
    for (PetscInt k = 0; k < nz; k++) cols[k] = rows->colidx[rows->rowptr[i] + k] + off;
    PetscCall(MatSetValues(*Phi, 1, &gi, nz, cols, rows->vals + rows->rowptr[i], INSERT_VALUES));
  }
  PetscCall(PetscFree(cols));
  PetscCall(PetscFree2(dnz, onz));
  PetscCall(MatAssemblyBegin(*Phi, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*Phi, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelBuildDesign - the design matrix Phi of a row set under the model's feature map (MATMPIDENSE, or MATMPIAIJ for CSR rows),
  rows = samples laid out as the rows are

  Collective
@*/
PetscErrorCode CurioModelBuildDesign(CurioModel model, const CurioRows *rows, Mat *Phi)
{
  PetscFunctionBegin;
  PetscCall(CurioModelBuildDesignWithArray(model, rows, NULL, Phi));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The CSR arrays a design matrix was made on without a copy, freed with it (a container composed with the matrix) */
typedef struct {
  PetscInt  *rowptr, *colidx;
  PetscReal *vals;
} DesignArrays;

#if PETSC_VERSION_LT(3, 23, 0)
static PetscErrorCode DesignArraysDestroy(void *ctx)
{
  DesignArrays *a = (DesignArrays *) ctx;
#else /* PETSc 3.23 passes the address of the context */
static PetscErrorCode DesignArraysDestroy(void **ctx)
{
  DesignArrays *a = (DesignArrays *) *ctx;
#endif

  PetscFunctionBegin;
  PetscCall(PetscFree(a->rowptr));
  PetscCall(PetscFree(a->colidx));
  PetscCall(PetscFree(a->vals));
  PetscCall(PetscFree(a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelBuildDesignTakeRows - CurioModelBuildDesign() of sparse rows that the caller no longer needs: their CSR
  arrays are taken over (NULL in rows afterwards). On one process they become the MATSEQAIJ's own arrays, an intercept
  column put in front of each row in place (CurioCSRPrependOnes()), so that X is never held twice; on several, the
  MATMPIAIJ is built as CurioModelBuildDesign() builds it and the arrays are freed.

  Collective

.seealso: CurioModelBuildDesign()
@*/
PetscErrorCode CurioModelBuildDesignTakeRows(CurioModel model, CurioRows *rows, Mat *Phi)
{
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCheck(rows->sparse, model->comm, PETSC_ERR_ARG_WRONG, "CurioModelBuildDesignTakeRows() is for sparse rows");
  PetscCallMPI(MPI_Comm_size(model->comm, &size));
  if (size == 1) {
    DesignArrays  *a;
    PetscContainer c;
    if (model->intercept) PetscCall(CurioCSRPrependOnes(rows->nlocal, rows->rowptr, &rows->colidx, &rows->vals));
    PetscCall(MatCreateSeqAIJWithArrays(model->comm, rows->nlocal, model->d, rows->rowptr, rows->colidx, rows->vals, Phi));
    PetscCall(PetscNew(&a));
    a->rowptr = rows->rowptr, a->colidx = rows->colidx, a->vals = rows->vals;
    PetscCall(PetscContainerCreate(PETSC_COMM_SELF, &c));
    PetscCall(PetscContainerSetPointer(c, a));
#if PETSC_VERSION_LT(3, 23, 0)
    PetscCall(PetscContainerSetUserDestroy(c, DesignArraysDestroy));
#else
    PetscCall(PetscContainerSetCtxDestroy(c, DesignArraysDestroy));
#endif
    PetscCall(PetscObjectCompose((PetscObject) *Phi, "CurioDesignArrays", (PetscObject) c));
    PetscCall(PetscContainerDestroy(&c));
  } else {
    PetscCall(BuildDesignAIJ(model, rows, Phi));
    PetscCall(PetscFree(rows->rowptr));
    PetscCall(PetscFree(rows->colidx));
    PetscCall(PetscFree(rows->vals));
  }
  rows->rowptr = NULL, rows->colidx = NULL, rows->vals = NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelCreateDesign - the dense design matrix (MATMPIDENSE, column-major) of a set of feature or 1-D rows, its
  entries not yet written: a caller that has the inputs only as they are read fills it with CurioModelFillDesignRows()
  (CurioDataReadInputs()), so that they are never held twice

  Collective

  Input Parameters:
+ model - the model, set up
. rows  - the rows (their sizes; the inputs are not read)
- array - at least rows->nlocal * d entries, kept by the caller until Phi is destroyed (NULL: allocated here, on huge
          pages before their first touch, and freed with the matrix)

  Output Parameter:
. Phi - the design matrix, not assembled

.seealso: CurioModelBuildDesign(), CurioModelFillDesignRows()
@*/
PetscErrorCode CurioModelCreateDesign(CurioModel model, const CurioRows *rows, PetscScalar array[], Mat *Phi)
{
  PetscInt d = model->d;

  PetscFunctionBegin;
  PetscCheck(!rows->sparse, model->comm, PETSC_ERR_ARG_WRONG, "CurioModelCreateDesign() is for dense rows");
  if (array) PetscCall(MatCreateDense(model->comm, rows->nlocal, PETSC_DECIDE, rows->n, d, array, Phi));
  else {
    /* the storage on huge pages before its first touch (CurioAdviseHugePages; PETSc's own would be zeroed a 4 KiB page
       at a time), then handed to the matrix, which frees it (MatDenseReplaceArray); not zeroed: the caller writes
       every entry */
    const size_t cnt = PetscMax((size_t) rows->nlocal * (size_t) d, 1);
    PetscScalar *own;
    PetscCall(PetscMalloc1(cnt, &own));
    CurioAdviseHugePages(own, cnt * sizeof(PetscScalar));
    PetscCall(MatCreateDense(model->comm, rows->nlocal, PETSC_DECIDE, rows->n, d, own, Phi));
    PetscCall(MatDenseReplaceArray(*Phi, own));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelBuildDesignWithArray - CurioModelBuildDesign() into storage the caller owns (dense rows only): a streamed
  pool reuses one buffer for every chunk instead of a fresh, zeroed allocation per chunk

  Collective

  Input Parameters:
+ model - the model
. rows  - the rows
- array - at least rows->nlocal * d entries, kept by the caller until Phi is destroyed (NULL: allocated here)

  Output Parameter:
. Phi - the design matrix
@*/
PetscErrorCode CurioModelBuildDesignWithArray(CurioModel model, const CurioRows *rows, PetscScalar array[], Mat *Phi)
{
  PetscScalar *a;
  PetscInt     lda;

  PetscFunctionBegin;
  if (rows->sparse) {
    PetscCall(BuildDesignAIJ(model, rows, Phi));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCheck(!rows->deferred, model->comm, PETSC_ERR_ORDER, "The rows' inputs were deferred: read them into the design with CurioDataReadInputs()");
  PetscCall(CurioModelCreateDesign(model, rows, array, Phi));
  PetscCall(MatDenseGetLDA(*Phi, &lda));
  PetscCall(MatDenseGetArrayWrite(*Phi, &a)); /* both feature maps below write every entry of every row */
  if (model->features == CURIO_FEATURES_POLYNOMIAL) {
    for (PetscInt i = 0; i < rows->nlocal; i++) PetscCall(CurioModelPolynomialRow(model, rows->X[i], lda, a + i));
  } else PetscCall(CurioModelFillDesignRows(model, 0, rows->nlocal, rows->X, lda, a));
  PetscCall(MatDenseRestoreArrayWrite(*Phi, &a));
  PetscCall(MatAssemblyBegin(*Phi, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*Phi, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelPolynomialRow - the polynomial feature row phi(x) = [1, t, ..., t^(d-1)] of a 1-D input x, with
  t = (2x - hi - lo)/(hi - lo) the input scaled from the model's domain [lo, hi] to [-1, 1]: the one place the map is
  evaluated (design matrices, SGDF rows, streamed pools)

  Not Collective

  Input Parameters:
+ model  - a model with the polynomial map, set up
. x      - the input
- stride - distance between consecutive entries of phi (1 for a row, the leading dimension for a column-major matrix)

  Output Parameter:
. phi - d entries
@*/
PetscErrorCode CurioModelPolynomialRow(CurioModel model, PetscReal x, PetscInt stride, PetscScalar phi[])
{
  PetscReal t = (2.0 * x - model->hi - model->lo) / (model->hi - model->lo), p = 1.0;

  PetscFunctionBegin;
  for (PetscInt j = 0; j < model->d; j++, p *= t) phi[j * stride] = p;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelFillDesignRows - rows [i0, i0 + nb) of the design matrix of feature rows (identity map, with the intercept
  column if any) into a column-major array

  Not Collective

  Input Parameters:
+ model - the model (identity feature map)
. i0    - first row to fill
. nb    - rows to fill
. X     - their inputs, row-major, the model's input columns per row
- lda   - leading dimension of a

  Output Parameter:
. a - the design matrix's local array (column-major); rows [i0, i0 + nb) are written

.seealso: CurioModelBuildDesign(), CurioDataReadCandidatesBlocked()
@*/
PetscErrorCode CurioModelFillDesignRows(CurioModel model, PetscInt i0, PetscInt nb, const PetscReal X[], PetscInt lda, PetscScalar a[])
{
  /* in blocks of rows that stay in cache, so that reads and writes both run along memory (row by row, every write
     would touch another column, another page) */
  const PetscInt off = model->intercept ? 1 : 0, dim = model->d - off, block = PetscMax(1, 32768 / PetscMax(dim, 1));

  PetscFunctionBegin;
  PetscCheck(model->features == CURIO_FEATURES_IDENTITY, model->comm, PETSC_ERR_ARG_WRONG, "CurioModelFillDesignRows() is for feature rows");
  for (PetscInt r0 = 0; r0 < nb; r0 += block) {
    const PetscInt r1 = PetscMin(nb, r0 + block);
    if (off)
      for (PetscInt r = r0; r < r1; r++) a[i0 + r] = 1.0;
    for (PetscInt j = 0; j < dim; j++)
      for (PetscInt r = r0; r < r1; r++) a[i0 + r + (j + off) * lda] = X[r * dim + j];
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelDesignRowsToInputs - the inverse of CurioModelFillDesignRows(): the input rows [i0, i0 + nb) of a design
  matrix of feature rows (identity map; the intercept column, if any, left out), row-major

  Not Collective

  Input Parameters:
+ model - the model (identity feature map)
. i0    - first row
. nb    - rows
. lda   - leading dimension of a
- a     - the design matrix's local array (column-major)

  Output Parameter:
. X - nb rows of the model's input columns, row-major

.seealso: CurioModelFillDesignRows()
@*/
PetscErrorCode CurioModelDesignRowsToInputs(CurioModel model, PetscInt i0, PetscInt nb, PetscInt lda, const PetscScalar a[], PetscReal X[])
{
  const PetscInt off = model->intercept ? 1 : 0, dim = model->d - off, block = PetscMax(1, 32768 / PetscMax(dim, 1));

  PetscFunctionBegin;
  PetscCheck(model->features == CURIO_FEATURES_IDENTITY, model->comm, PETSC_ERR_ARG_WRONG, "CurioModelDesignRowsToInputs() is for feature rows");
  for (PetscInt r0 = 0; r0 < nb; r0 += block) { /* blocks of rows that stay in cache, as CurioModelFillDesignRows() */
    const PetscInt r1 = PetscMin(nb, r0 + block);
    for (PetscInt j = 0; j < dim; j++)
      for (PetscInt r = r0; r < r1; r++) X[r * dim + j] = PetscRealPart(a[i0 + r + (j + off) * lda]);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelLossVectors - per-row loss l, derivative l' and curvature w l'' from predictions eta, labels y, weights w;
  any of l, dl, curv may be NULL
@*/
PetscErrorCode CurioModelLossVectors(CurioModel model, Vec eta, Vec y, Vec w, Vec l, Vec dl, Vec curv)
{
  const PetscScalar *e, *yy, *ww;
  PetscScalar       *pl = NULL, *pdl = NULL, *pc = NULL;
  PetscInt           n;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(eta, &n));
  PetscCall(VecGetArrayRead(eta, &e));
  PetscCall(VecGetArrayRead(y, &yy));
  PetscCall(VecGetArrayRead(w, &ww));
  if (l) PetscCall(VecGetArrayWrite(l, &pl));
  if (dl) PetscCall(VecGetArrayWrite(dl, &pdl));
  if (curv) PetscCall(VecGetArrayWrite(curv, &pc));
  for (PetscInt i = 0; i < n; i++) {
    PetscReal li = 0, dli = 0, d2li = 0;
    PetscCall(CurioLossEvaluate(model->loss, e[i], yy[i], &li, &dli, &d2li));
    if (pl) pl[i] = li;
    if (pdl) pdl[i] = dli;
    if (pc) pc[i] = ww[i] * d2li;
  }
  if (l) PetscCall(VecRestoreArrayWrite(l, &pl));
  if (dl) PetscCall(VecRestoreArrayWrite(dl, &pdl));
  if (curv) PetscCall(VecRestoreArrayWrite(curv, &pc));
  PetscCall(VecRestoreArrayRead(eta, &e));
  PetscCall(VecRestoreArrayRead(y, &yy));
  PetscCall(VecRestoreArrayRead(w, &ww));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelRegularizerMask - hess R = diag(mask): ones (ridge), or ones but the intercept at index 0 (restricted, eq. 76)
@*/
PetscErrorCode CurioModelRegularizerMask(CurioModel model, Vec mask)
{
  PetscFunctionBegin;
  PetscCall(VecSet(mask, 1.0));
  if (model->regularizer == CURIO_REGULARIZER_RESTRICTED) {
    PetscCall(VecSetValue(mask, 0, 0.0, INSERT_VALUES));
    PetscCall(VecAssemblyBegin(mask));
    PetscCall(VecAssemblyEnd(mask));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelRegularizerCenter - the centre c of R = 1/2 sum_j m_j (theta_j - c_j)^2: zero, or theta0 read from the file
  of -curio_theta0 (inheritance, eq. 97), checked for length and finite values
@*/
PetscErrorCode CurioModelRegularizerCenter(CurioModel model, Vec center)
{
  PetscFunctionBegin;
  PetscCall(VecSet(center, 0.0));
  if (model->regularizer != CURIO_REGULARIZER_INHERIT) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(CurioReadParameters(model->comm, "-curio_theta0", model->theta0_file, model->theta0_dset, center));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelRegularizerValue - R(theta) = 1/2 sum_j mask_j (theta_j - center_j)^2

  Collective
@*/
PetscErrorCode CurioModelRegularizerValue(CurioModel model, Vec theta, Vec mask, Vec center, PetscReal *R)
{
  Vec t, u;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(theta, &t));
  PetscCall(VecDuplicate(theta, &u));
  PetscCall(VecWAXPY(u, -1.0, center, theta));
  PetscCall(VecPointwiseMult(t, u, mask));
  PetscCall(VecDot(t, u, R));
  *R *= 0.5;
  PetscCall(VecDestroy(&t));
  PetscCall(VecDestroy(&u));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelRegularizerGradient - grad R(theta) = mask .* (theta - center) into g

  Collective
@*/
PetscErrorCode CurioModelRegularizerGradient(CurioModel model, Vec theta, Vec mask, Vec center, Vec g)
{
  PetscFunctionBegin;
  PetscCall(VecWAXPY(g, -1.0, center, theta));
  PetscCall(VecPointwiseMult(g, g, mask));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A Vec in the row layout of Phi holding a copy of this rank's values (all ones for NULL) */
PetscErrorCode CurioRowVec(Mat Phi, const PetscReal *vals, Vec *v)
{
  PetscScalar *a;
  PetscInt     n;

  PetscFunctionBegin;
  PetscCall(MatCreateVecs(Phi, NULL, v));
  PetscCall(VecGetLocalSize(*v, &n));
  PetscCall(VecGetArrayWrite(*v, &a));
  for (PetscInt i = 0; i < n; i++) a[i] = vals ? vals[i] : 1.0;
  PetscCall(VecRestoreArrayWrite(*v, &a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelWriteAttributes - describes a model by attributes of a group: loss, regularizer, feature_map, and
  degree, domain_lo, domain_hi for the polynomial map or intercept for feature rows

  Collective

  Input Parameters:
+ model - the model, set up
. out - the output
- group - the group, "/model"
@*/
PetscErrorCode CurioModelWriteAttributes(CurioModel model, CurioOutput out, const char group[])
{
  CurioLossType        loss;
  CurioRegularizerType reg;
  CurioFeatureMapType  map;
  PetscInt             degree;
  PetscBool            intercept;
  PetscReal            lo, hi;

  PetscFunctionBegin;
  PetscCall(CurioModelGetLoss(model, &loss, NULL));
  PetscCall(CurioModelGetRegularizer(model, &reg));
  PetscCall(CurioModelGetFeatureMap(model, &map, &degree, &intercept));
  PetscCall(CurioOutputSetAttributeString(out, group, "loss", CurioLossTypes[loss]));
  PetscCall(CurioOutputSetAttributeString(out, group, "regularizer", CurioRegularizerTypes[reg]));
  PetscCall(CurioOutputSetAttributeString(out, group, "feature_map", CurioFeatureMapTypes[map]));
  if (map == CURIO_FEATURES_POLYNOMIAL) {
    PetscCall(CurioModelGetDomain(model, &lo, &hi, NULL));
    PetscCall(CurioOutputSetAttributeInt(out, group, "degree", degree));
    PetscCall(CurioOutputSetAttributeReal(out, group, "domain_lo", lo));
    PetscCall(CurioOutputSetAttributeReal(out, group, "domain_hi", hi));
  } else PetscCall(CurioOutputSetAttributeInt(out, group, "intercept", intercept));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelView - prints the feature map with d, the loss and the regularizer

  Collective

  Input Parameters:
+ model - the model, set up
- viewer - an ASCII viewer
@*/
PetscErrorCode CurioModelView(CurioModel model, PetscViewer viewer)
{
  PetscFunctionBegin;
  if (model->features == CURIO_FEATURES_POLYNOMIAL)
    PetscCall(PetscViewerASCIIPrintf(viewer, "model: polynomial degree %" PetscInt_FMT " on [%g, %g] scaled to [-1, 1], d = %" PetscInt_FMT "\n",
                                     model->degree, (double) model->lo, (double) model->hi, model->d));
  else
    PetscCall(
        PetscViewerASCIIPrintf(viewer, "model: identity features%s, d = %" PetscInt_FMT "\n", model->intercept ? " with intercept" : "", model->d));
  PetscCall(PetscViewerASCIIPrintf(viewer, "loss %s, regularizer %s\n", CurioLossTypes[model->loss], CurioRegularizerTypes[model->regularizer]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

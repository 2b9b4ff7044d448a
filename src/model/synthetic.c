/* Sparse synthetic problems generated rank by rank: every value depends only on (seed, row or column), so a rank
   creates just its own rows and the problem is the same for any rank count (n up to 1e8 rows, d up to 1e7 columns). */
#include "modelimpl.h"
#include <curiomodel.h>

/* Streams of the counter-based generator used here (any values distinct from each other) */
enum { STREAM_THETA = 101, STREAM_COLUMN = 102, STREAM_VALUE = 103, STREAM_LABEL = 104 };

/*@C
  CurioSyntheticThetaTrue - entry j of the true parameter vector of the synthetic problem with this seed: N(0, 1)

  Input Parameters:
+ seed - seed of the problem
- j    - column
@*/
PetscReal CurioSyntheticThetaTrue(PetscInt64 seed, PetscInt64 j)
{
  return CurioRandomNormal(seed, STREAM_THETA, j);
}

static int CompareInt(const void *a, const void *b)
{
  PetscInt x = *(const PetscInt *) a, y = *(const PetscInt *) b;
  return (x > y) - (x < y);
}

/* A Poisson deviate of mean mu by inversion from one uniform (mu is moderate here: eta is scaled to N(0, 1/4)) */
static PetscReal PoissonInverse(PetscReal mu, PetscReal u)
{
  PetscReal p = PetscExpReal(-mu), F = p;
  PetscInt  k = 0;

  while (u > F && k < 10000) {
    k++;
    p *= mu / k;
    F += p;
  }
  return (PetscReal) k;
}

/*@C
  CurioSyntheticRow - row gi of the synthetic problem: nnz distinct sorted columns of [0, d) and their values
  N(0, 1)/sqrt(nnz); returns eta = x . theta_true. Depends only on (seed, gi): rows beyond the training rows serve as
  a candidate pool from the same distribution.
@*/
PetscReal CurioSyntheticRow(PetscInt64 seed, PetscInt d, PetscInt nnz, PetscInt64 gi, PetscInt cols[], PetscReal vals[])
{
  PetscReal  scale = 1.0 / PetscSqrtReal((PetscReal) nnz);
  PetscInt64 draw  = 0;
  PetscInt   have  = 0;
  PetscReal  eta   = 0;

  /* distinct columns: draw, sort, drop repeats, draw again for the missing ones (a few retries at most) */
  while (have < nnz) {
    for (PetscInt k = have; k < nnz; k++, draw++)
      cols[k] = (PetscInt) (CurioRandomUniform(seed, STREAM_COLUMN, gi * 4 * (PetscInt64) nnz + draw) * d);
    qsort(cols, nnz, sizeof(PetscInt), CompareInt);
    have = 1;
    for (PetscInt k = 1; k < nnz; k++)
      if (cols[k] != cols[have - 1]) cols[have++] = cols[k];
    if (draw >= 4 * (PetscInt64) nnz && have < nnz) { /* a very dense row: take the first free columns */
      PetscInt c = 0;
      while (have < nnz) {
        PetscBool used = PETSC_FALSE;
        for (PetscInt k = 0; k < have; k++) used = (PetscBool) (used || cols[k] == c);
        if (!used) cols[have++] = c;
        c++;
      }
      qsort(cols, nnz, sizeof(PetscInt), CompareInt);
    }
  }
  for (PetscInt k = 0; k < nnz; k++) {
    PetscReal v = scale * CurioRandomNormal(seed, STREAM_VALUE, gi * (PetscInt64) nnz + k);
    vals[k]     = v;
    eta += v * CurioSyntheticThetaTrue(seed, cols[k]);
  }
  return eta;
}

/*@C
  CurioCSRRowsCreateSynthetic - this rank's rows of a sparse synthetic regression problem. Row i has nnz distinct
  columns drawn uniformly from [0, d) with values N(0, 1)/sqrt(nnz); the true parameters are
  CurioSyntheticThetaTrue(seed, j), so eta_i = x_i . theta_true ~ N(0, 1). Labels: squared loss y = eta + 0.1 N(0, 1);
  logistic y ~ Bernoulli(1/(1 + e^-eta)); Poisson y ~ Poisson(e^(eta/2)). Collective (row ownership only).

  Input Parameters:
+ comm - communicator
. n    - rows
. d    - columns
. nnz  - entries per row (at most d)
. seed - seed
- loss - which labels to draw: a CurioLossType (squared, logistic, Poisson)

  Output Parameter:
. rows - this rank's rows (PETSc's default split), weights 1; free with CurioCSRRowsFree()
@*/
PetscErrorCode CurioCSRRowsCreateSynthetic(MPI_Comm comm, PetscInt n, PetscInt d, PetscInt nnz, PetscInt64 seed, PetscInt loss, CurioCSRRows *rows)
{
  PetscFunctionBegin;
  PetscCheck(n > 0 && d > 0 && nnz > 0 && nnz <= d, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-curio_sgdf_synthetic N,D,NNZ needs N > 0, D > 0 and 0 < NNZ <= D; got %" PetscInt_FMT ",%" PetscInt_FMT ",%" PetscInt_FMT, n, d, nnz);
  PetscCall(PetscMemzero(rows, sizeof(*rows)));
  rows->n     = n;
  rows->ncols = d;
  PetscCall(CurioRowOwnership(comm, n, &rows->rstart, &rows->nlocal));
  PetscCall(PetscMalloc1(rows->nlocal + 1, &rows->rowptr));
  PetscCall(PetscMalloc1(PetscMax(rows->nlocal * nnz, 1), &rows->colidx));
  PetscCall(PetscMalloc1(PetscMax(rows->nlocal * nnz, 1), &rows->vals));
  CurioAdviseHugePages(rows->colidx, (size_t) PetscMax(rows->nlocal * nnz, 1) * sizeof(PetscInt));
  CurioAdviseHugePages(rows->vals, (size_t) PetscMax(rows->nlocal * nnz, 1) * sizeof(PetscReal));
  PetscCall(PetscMalloc1(PetscMax(rows->nlocal, 1), &rows->y));
  PetscCall(PetscMalloc1(PetscMax(rows->nlocal, 1), &rows->w));
  CurioAdviseHugePages(rows->rowptr, (size_t) (rows->nlocal + 1) * sizeof(PetscInt));
  CurioAdviseHugePages(rows->y, (size_t) PetscMax(rows->nlocal, 1) * sizeof(PetscReal));
  CurioAdviseHugePages(rows->w, (size_t) PetscMax(rows->nlocal, 1) * sizeof(PetscReal));
  rows->rowptr[0] = 0;
  for (PetscInt i = 0; i < rows->nlocal; i++) {
    PetscInt64 gi   = rows->rstart + i;
    PetscInt  *cols = rows->colidx + i * nnz;
    PetscReal  eta  = CurioSyntheticRow(seed, d, nnz, gi, cols, rows->vals + i * nnz);

    rows->rowptr[i + 1] = (i + 1) * nnz;
    rows->w[i]          = 1.0;
    switch (loss) {
    case CURIO_LOSS_SQUARED: rows->y[i] = eta + 0.1 * CurioRandomNormal(seed, STREAM_LABEL, gi); break;
    case CURIO_LOSS_LOGISTIC: rows->y[i] = CurioRandomUniform(seed, STREAM_LABEL, gi) < 1.0 / (1.0 + PetscExpReal(-eta)) ? 1.0 : 0.0; break;
    case CURIO_LOSS_POISSON: rows->y[i] = PoissonInverse(PetscExpReal(0.5 * eta), CurioRandomUniform(seed, STREAM_LABEL, gi)); break;
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The loss table (MATH.md section 1): one row per loss, with its per-point formulas (src/model/lossimpl.h), inverse
   link, label variance, label domain and test metric. Everything else (gradient, Hessian, LOOCV, scores) is written
   in terms of a row; README, "How to add a loss", says what a new row needs. */
#include "modelimpl.h"
#include "lossimpl.h"

const char *const CurioLossTypes[] = {"squared", "logistic", "poisson", "CurioLossType", "CURIO_LOSS_", NULL};

static PetscReal SquaredMean(PetscReal eta)
{
  return eta;
}

/* 1/(1 + e^-eta) written with tanh: no overflow for any eta, and the values /scores/mean has always had */
/* mu = 1/(1 + e^-eta) accurate relative to itself at either end: l' at y = 0 */
static PetscReal LogisticMean(PetscReal eta)
{
  PetscReal l, dl, d2l;
  CurioLossLogisticPoint(eta, 0.0, &l, &dl, &d2l);
  return dl;
}

static PetscReal PoissonMean(PetscReal eta)
{
  return PetscExpReal(eta);
}

/* Squared loss: Var(y given x) is the residual variance estimate sigma^2 (MATH.md section 1) */
static PetscReal SquaredVariance(PetscReal eta, PetscReal sigma2)
{
  (void) eta;
  return sigma2;
}

/* For these GLMs l'' is the label variance: mu (1 - mu) logistic, mu Poisson */
static PetscReal LogisticVariance(PetscReal eta, PetscReal sigma2)
{
  PetscReal l, dl, d2l;
  (void) sigma2;
  CurioLossLogisticPoint(eta, 0.0, &l, &dl, &d2l);
  return d2l;
}

static PetscReal PoissonVariance(PetscReal eta, PetscReal sigma2)
{
  PetscReal l, dl, d2l;
  (void) sigma2;
  CurioLossPoissonPoint(eta, 0.0, &l, &dl, &d2l);
  return d2l;
}

static PetscBool LogisticLabel(PetscReal y)
{
  return (PetscBool) (y == 0.0 || y == 1.0);
}

static PetscBool PoissonLabel(PetscReal y)
{
  return (PetscBool) !(y < 0);
}

/* Test metrics: RMSE for squared loss (the terms are squared residuals, not the loss (y - f)^2 / 2), the mean loss
   otherwise */
static PetscReal SquaredResidual(PetscReal f, PetscReal y)
{
  return PetscSqr(y - f);
}

static PetscReal RootMean(PetscReal sum, PetscInt n)
{
  return PetscSqrtReal(sum / n);
}

static PetscReal LogisticLoss(PetscReal f, PetscReal y)
{
  PetscReal l, dl, d2l;
  CurioLossLogisticPoint(f, y, &l, &dl, &d2l);
  return l;
}

static PetscReal PoissonLoss(PetscReal f, PetscReal y)
{
  PetscReal l, dl, d2l;
  CurioLossPoissonPoint(f, y, &l, &dl, &d2l);
  return l;
}

static PetscReal Mean(PetscReal sum, PetscInt n)
{
  return sum / n;
}

/* The saturated model's loss, inf over eta of l(eta, y): the CV curves are mean deviances 2 (l - saturated), so that
   for squared loss they are mean squared errors (README, "One scale for CV") */
static PetscReal SaturatedZero(PetscReal y)
{
  (void) y;
  return 0.0; /* squared: eta = y; logistic with labels 0 or 1: eta -> -+infinity */
}

static PetscReal PoissonSaturated(PetscReal y)
{
  return y > 0 ? y - y * PetscLogReal(y) : 0.0; /* eta = log y */
}

const CurioLossInfo CurioLossTable[] = {
    [CURIO_LOSS_SQUARED]  = {"squared", "(y - eta)^2 / 2, any real label", CurioLossSquaredPoint, SquaredMean, SquaredVariance, NULL, "any label",
                             PETSC_TRUE, "rmse", SquaredResidual, RootMean, SaturatedZero},
    [CURIO_LOSS_LOGISTIC] = {"logistic", "log(1 + e^eta) - y eta, labels 0 or 1", CurioLossLogisticPoint, LogisticMean, LogisticVariance,
                             LogisticLabel, "labels 0 or 1", PETSC_FALSE, "logloss", LogisticLoss, Mean, SaturatedZero},
    [CURIO_LOSS_POISSON]  = {"poisson", "e^eta - y eta, counts y >= 0", CurioLossPoissonPoint, PoissonMean, PoissonVariance, PoissonLabel,
                             "labels >= 0", PETSC_FALSE, "loss", PoissonLoss, Mean, PoissonSaturated},
};

/*@C
  CurioLossGetInfo - the row of the loss table for a loss type

  Not Collective

  Input Parameter:
. type - the loss

  Output Parameter:
. info - its row of CurioLossTable

.seealso: CurioLossEvaluate(), CurioLossTable
@*/
PetscErrorCode CurioLossGetInfo(CurioLossType type, const CurioLossInfo **info)
{
  PetscFunctionBegin;
  PetscCheck((int) type >= 0 && (size_t) type < sizeof(CurioLossTable) / sizeof(CurioLossTable[0]), PETSC_COMM_SELF, PETSC_ERR_SUP, "Unknown loss %d",
             (int) type);
  *info = &CurioLossTable[type];
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioLossEvaluate - l(eta, y), l' = dl/deta and l'' = d2l/deta2 (MATH.md section 1 table)

  Not Collective

  Input Parameters:
+ type - the loss
. eta  - the linear predictor phi . theta
- y    - the label

  Output Parameters (any may be NULL):
+ l   - the loss
. dl  - its first derivative in eta
- d2l - its second derivative in eta

.seealso: CurioLossGetInfo(), CurioModelLossVectors()
@*/
PetscErrorCode CurioLossEvaluate(CurioLossType type, PetscReal eta, PetscReal y, PetscReal *l, PetscReal *dl, PetscReal *d2l)
{
  const CurioLossInfo *info;
  PetscReal            a, b, c;

  PetscFunctionBegin;
  PetscCall(CurioLossGetInfo(type, &info));
  info->evaluate(eta, y, &a, &b, &c);
  if (l) *l = a;
  if (dl) *dl = b;
  if (d2l) *d2l = c;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioLossTestError - the loss's test metric (RMSE for squared loss, mean log-loss for logistic) of predictions f
  against labels y over rows distributed on comm

  Collective

  Input Parameters:
+ type   - the loss
. comm   - the communicator the rows are spread over
. nlocal - this rank's rows
. f      - their linear predictors
. y      - their labels
- n      - the rows of all ranks

  Output Parameter:
. err - the metric, the same on every rank

.seealso: CurioLossInfo
@*/
PetscErrorCode CurioLossTestError(CurioLossType type, MPI_Comm comm, PetscInt nlocal, const PetscReal f[], const PetscReal y[], PetscInt n,
                                  PetscReal *err)
{
  const CurioLossInfo *info;
  PetscReal            sum = 0;

  PetscFunctionBegin;
  PetscCall(CurioLossGetInfo(type, &info));
  for (PetscInt i = 0; i < nlocal; i++) sum += info->metric_point(f[i], y[i]);
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &sum, 1, MPIU_REAL, MPIU_SUM, comm));
  *err = info->metric_finish(sum, n);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelLabelVariance - Var(y given x) under the model at eta (MATH.md section 1): sigma2 for squared loss (the
  residual variance estimate, passed in), mu (1 - mu) logistic, mu Poisson

  Not Collective

.seealso: CurioLossInfo
@*/
PetscErrorCode CurioModelLabelVariance(CurioModel model, PetscReal eta, PetscReal sigma2, PetscReal *var)
{
  const CurioLossInfo *info;

  PetscFunctionBegin;
  PetscCall(CurioLossGetInfo(model->loss, &info));
  *var = info->label_variance(eta, sigma2);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioModelCheckLabels - labels outside the loss's domain are input errors (y in {0, 1} for logistic, y >= 0 for
  Poisson); the error names the file, the set and the first bad row

  Collective
@*/
PetscErrorCode CurioModelCheckLabels(CurioModel model, const CurioRows *rows, const char file[], const char set[])
{
  const CurioLossInfo *info;
  PetscInt             bad = PETSC_MAX_INT, gbad;

  PetscFunctionBegin;
  PetscCall(CurioLossGetInfo(model->loss, &info));
  if (!rows->y || !info->label_valid) PetscFunctionReturn(PETSC_SUCCESS);
  for (PetscInt i = 0; i < rows->nlocal && bad == PETSC_MAX_INT; i++)
    if (!info->label_valid(rows->y[i])) bad = rows->rstart + i;
  PetscCall(MPIU_Allreduce(&bad, &gbad, 1, MPIU_INT, MPI_MIN, model->comm));
  PetscCheck(gbad == PETSC_MAX_INT, model->comm, PETSC_ERR_USER_INPUT, "Input file '%s': labels '/%s/y', row %" PetscInt_FMT ": %s loss needs %s",
             file, set, gbad, info->name, info->label_domain);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/**
  @file curiomodel.h
  @brief CurioModel: feature map, per-point loss l(eta, y) and regularizer R(theta) (MATH.md section 1).
*/
#pragma once

#include "curiosys.h"
#include "curiodata.h"
#include "curiooutput.h"

/** @brief A row of CurioLossTable: the enum value indexes the table (README, "How to add a loss"). */
typedef enum {
  CURIO_LOSS_SQUARED,  /**< (y - eta)^2 / 2 */
  CURIO_LOSS_LOGISTIC, /**< log(1 + e^eta) - y eta, y in {0, 1} */
  CURIO_LOSS_POISSON   /**< e^eta - y eta, y >= 0 */
} CurioLossType;
PETSC_EXTERN const char *const CurioLossTypes[]; /**< the names of CurioLossTable's rows, in PetscOptionsEnum() form */

/** @brief One per-point loss l(eta, y) of the linear predictor eta = phi . theta (MATH.md section 1). */
typedef struct {
  const char *name;        /**< -curio_loss value, also /model attribute `loss` */
  const char *description; /**< one line for -help and the README */
  /** l, l' = dl/deta and l'' = d2l/deta2 at (eta, y); all three are written */
  void (*evaluate)(PetscReal eta, PetscReal y, PetscReal *l, PetscReal *dl, PetscReal *d2l);
  PetscReal (*mean)(PetscReal eta);                             /**< inverse link h(eta), the mean response (/scores/mean) */
  PetscReal (*label_variance)(PetscReal eta, PetscReal sigma2); /**< Var(y given x); sigma2 is the residual variance estimate */
  PetscBool (*label_valid)(PetscReal y);                        /**< whether y is in the loss's domain (NULL: every finite y) */
  const char *label_domain;                                     /**< what label_valid accepts, for the error message */
  PetscBool   quadratic;                                        /**< l'' = 1: theta* solves the normal equations, exact LOOCV applies */
  const char *metric;                                           /**< name of the test metric ("rmse", "logloss") */
  PetscReal (*metric_point)(PetscReal f, PetscReal y);          /**< a test point's term of the metric */
  PetscReal (*metric_finish)(PetscReal sum, PetscInt n);        /**< the metric from the sum of the n terms */
  PetscReal (*saturated)(PetscReal y); /**< inf over eta of l(eta, y), the saturated model's loss: deviance = 2 (l - saturated) */
} CurioLossInfo;
PETSC_EXTERN const CurioLossInfo CurioLossTable[]; /**< indexed by CurioLossType */

typedef enum {
  CURIO_REGULARIZER_RIDGE,      /**< R = 1/2 ||theta||^2 */
  CURIO_REGULARIZER_RESTRICTED, /**< R = 1/2 sum_{j != 0} theta_j^2: the intercept (column 0) is not penalized, eq. 76 */
  CURIO_REGULARIZER_INHERIT     /**< R = 1/2 ||theta - theta0||^2 toward a given theta0 (eq. 97, section 3.4.1) */
} CurioRegularizerType;
PETSC_EXTERN const char *const CurioRegularizerTypes[];

typedef enum {
  CURIO_FEATURES_IDENTITY,  /**< phi(x) = x, or [1, x] with -curio_intercept */
  CURIO_FEATURES_POLYNOMIAL /**< phi(x) = [1, t, ..., t^p], t = (2x - hi - lo)/(hi - lo) */
} CurioFeatureMapType;
PETSC_EXTERN const char *const CurioFeatureMapTypes[];

/** @brief A model: feature map, loss and regularizer (opaque; CurioModelGet*() read it). */
typedef struct _n_CurioModel *CurioModel;

PETSC_EXTERN PetscErrorCode CurioModelCreate(MPI_Comm, CurioModel *);
/** @brief The model's loss (and its table row, may be NULL). Not collective. */
PETSC_EXTERN PetscErrorCode CurioModelGetLoss(CurioModel model, CurioLossType *type, const CurioLossInfo **info);
/** @brief Sets the loss, the regularizer, or whether an intercept column is prepended (as the options do); before CurioModelSetUp(). Not collective.
 */
PETSC_EXTERN PetscErrorCode CurioModelSetLoss(CurioModel model, CurioLossType type);
PETSC_EXTERN PetscErrorCode CurioModelSetRegularizer(CurioModel model, CurioRegularizerType type);
PETSC_EXTERN PetscErrorCode CurioModelSetIntercept(CurioModel model, PetscBool intercept);
/** @brief The model's regularizer. Not collective. */
PETSC_EXTERN PetscErrorCode CurioModelGetRegularizer(CurioModel model, CurioRegularizerType *type);
/** @brief The feature map, its polynomial degree and whether an intercept column is prepended (each may be NULL). Not collective. */
PETSC_EXTERN PetscErrorCode CurioModelGetFeatureMap(CurioModel model, CurioFeatureMapType *type, PetscInt *degree, PetscBool *intercept);
/** @brief The number of parameters d (0 before CurioModelSetUp()). Not collective. */
PETSC_EXTERN PetscErrorCode CurioModelGetSize(CurioModel model, PetscInt *d);
/** @brief The polynomial map's input domain [lo, hi] and whether it was given (-curio_domain) rather than taken from the data. Not collective. */
PETSC_EXTERN PetscErrorCode CurioModelGetDomain(CurioModel model, PetscReal *lo, PetscReal *hi, PetscBool *given);
/** @brief Sets the polynomial map's input domain [lo, hi]; given says whether it counts as given by the user. Not collective. */
PETSC_EXTERN PetscErrorCode CurioModelSetDomain(CurioModel model, PetscReal lo, PetscReal hi, PetscBool given);
/** @brief File and dataset of theta0 for the inherit regularizer (empty strings otherwise). Not collective. */
PETSC_EXTERN PetscErrorCode CurioModelGetTheta0(CurioModel model, const char **file, const char **dataset);
/** @brief Prints the feature map with d, the loss and the regularizer. Collective. */
PETSC_EXTERN PetscErrorCode CurioModelView(CurioModel model, PetscViewer viewer);
/** @brief The model's loss, regularizer and feature map as attributes of a group of an output. Collective. */
PETSC_EXTERN PetscErrorCode CurioModelWriteAttributes(CurioModel model, CurioOutput out, const char group[]);
/** @brief Fixes the feature map and d for inputs of dim columns (is1d: scalar inputs, polynomial map); the domain must be set for 1-D inputs.
 * Collective. */
PETSC_EXTERN PetscErrorCode CurioModelSetUpInputs(CurioModel model, PetscBool is1d, PetscInt dim);
PETSC_EXTERN PetscErrorCode CurioModelDestroy(CurioModel *);
PETSC_EXTERN PetscErrorCode CurioModelSetFromOptions(CurioModel);
/** @brief A mode without the inherit regularizer: CurioModelSetFromOptions() refuses it with this message (kept, not copied). */
PETSC_EXTERN PetscErrorCode CurioModelRefuseInherit(CurioModel, const char[]);
PETSC_EXTERN PetscErrorCode CurioModelSetUp(CurioModel, CurioData);
PETSC_EXTERN PetscErrorCode CurioModelDomainInclude(PetscInt, const PetscReal[], PetscReal[2]);
PETSC_EXTERN PetscErrorCode CurioModelSetDomainFromRange(CurioModel, const PetscReal[2]);
PETSC_EXTERN PetscErrorCode CurioModelPolynomialRow(CurioModel, PetscReal, PetscInt, PetscScalar[]);
PETSC_EXTERN PetscErrorCode CurioModelBuildDesign(CurioModel, const CurioRows *, Mat *);
PETSC_EXTERN PetscErrorCode CurioModelBuildDesignTakeRows(CurioModel model, CurioRows *rows, Mat *Phi);
PETSC_EXTERN PetscErrorCode CurioModelBuildDesignWithArray(CurioModel model, const CurioRows *rows, PetscScalar array[], Mat *Phi);
PETSC_EXTERN PetscErrorCode CurioModelCreateDesign(CurioModel model, const CurioRows *rows, PetscScalar array[], Mat *Phi);
PETSC_EXTERN PetscErrorCode CurioModelFillDesignRows(CurioModel model, PetscInt i0, PetscInt nb, const PetscReal X[], PetscInt lda, PetscScalar a[]);
PETSC_EXTERN PetscErrorCode CurioModelDesignRowsToInputs(CurioModel model, PetscInt i0, PetscInt nb, PetscInt lda, const PetscScalar a[],
                                                         PetscReal X[]);

PETSC_EXTERN PetscErrorCode CurioLossEvaluate(CurioLossType type, PetscReal eta, PetscReal y, PetscReal *l, PetscReal *dl, PetscReal *d2l);
PETSC_EXTERN PetscErrorCode CurioLossGetInfo(CurioLossType type, const CurioLossInfo **info);
PETSC_EXTERN PetscErrorCode CurioLossTestError(CurioLossType type, MPI_Comm comm, PetscInt nlocal, const PetscReal f[], const PetscReal y[],
                                               PetscInt n, PetscReal *err);
PETSC_EXTERN PetscErrorCode CurioModelLossVectors(CurioModel, Vec, Vec, Vec, Vec, Vec, Vec);
PETSC_EXTERN PetscErrorCode CurioModelCheckLabels(CurioModel model, const CurioRows *rows, const char file[], const char set[]);
PETSC_EXTERN PetscErrorCode CurioModelLabelVariance(CurioModel model, PetscReal eta, PetscReal sigma2, PetscReal *var);
PETSC_EXTERN PetscErrorCode CurioModelRegularizerMask(CurioModel, Vec);
PETSC_EXTERN PetscErrorCode CurioModelRegularizerCenter(CurioModel, Vec);
PETSC_EXTERN PetscErrorCode CurioModelRegularizerValue(CurioModel, Vec, Vec, Vec, PetscReal *);
PETSC_EXTERN PetscErrorCode CurioModelRegularizerGradient(CurioModel, Vec, Vec, Vec, Vec);

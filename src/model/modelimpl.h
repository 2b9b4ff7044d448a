/* Internal declarations of the model layer: feature map, losses (lossimpl.h), regularizers, synthetic rows. */
#pragma once

#include "../data/dataimpl.h"
#include <curiomodel.h>

struct _n_CurioModel {
  MPI_Comm             comm;
  CurioLossType        loss;
  CurioRegularizerType regularizer;
  CurioFeatureMapType  features;
  PetscInt             degree;    /**< polynomial degree */
  PetscBool            intercept; /**< identity map: prepend a column of ones */
  PetscReal            lo, hi;    /**< polynomial input domain used for scaling */
  PetscBool            domain_set;
  PetscInt             d;                               /**< number of parameters, set by CurioModelSetUp() */
  char                 theta0_file[PETSC_MAX_PATH_LEN]; /**< inheritance: HDF5 file holding theta0 */
  char                 theta0_dset[256];                /**< inheritance: dataset of theta0 in that file */
  const char          *inherit_refused;                 /**< the mode's message refusing the inherit regularizer, or NULL */
  PetscBool            inputs_warned;                   /**< options of the feature map the data does not get named once */
};

/* A Vec in the row layout of a design matrix holding a copy of this rank's values (all ones for NULL) */
PETSC_INTERN PetscErrorCode CurioRowVec(Mat, const PetscReal *, Vec *);

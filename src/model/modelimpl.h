/* Internal declarations of the model layer: feature map, losses (lossimpl.h), regularizers, synthetic rows. */
#pragma once

#include "../data/dataimpl.h"
#include <curiomodel.h>

/* A Vec in the row layout of a design matrix holding a copy of this rank's values (all ones for NULL) */
PETSC_INTERN PetscErrorCode CurioRowVec(Mat, const PetscReal *, Vec *);

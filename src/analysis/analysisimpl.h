/* Internal declarations of the analysis layer: scores and their registry, selection, influence, LOOCV and CV. */
#pragma once

#include "../solver/solverimpl.h"
#include <curioanalysis.h>

/* Exact LOOCV of models held by one rank (the users' own models, src/users/): rows row-major, R = 1/2||theta||^2 */
PETSC_INTERN PetscErrorCode CurioLOOCVCreateRows(PetscInt, PetscInt, const PetscReal[], const PetscReal[], const PetscReal[], CurioLOOCV *);
PETSC_INTERN PetscErrorCode CurioLOOCVEvaluateLabels(CurioLOOCV, PetscInt, const PetscReal[], const PetscReal[], PetscReal[]);

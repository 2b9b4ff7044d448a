/* Per-point formulas of the losses (MATH.md section 1): l, l' = dl/deta and l'' of eta, the inverse link and the
   label variance. Written once, here: the loss table (src/model/loss.c) points at them and the SGDF step kernels
   (src/sgdf/step.c) inline them in their innermost loop. Internal header. */
#pragma once

#include <petscsys.h>

static inline void CurioLossSquaredPoint(PetscReal eta, PetscReal y, PetscReal *l, PetscReal *dl, PetscReal *d2l)
{
  *l   = 0.5 * (y - eta) * (y - eta);
  *dl  = eta - y;
  *d2l = 1.0;
}

/* mu = 1/(1 + e^-eta) and log(1 + e^eta) from e^-|eta|: neither branch overflows */
static inline void CurioLossLogisticPoint(PetscReal eta, PetscReal y, PetscReal *l, PetscReal *dl, PetscReal *d2l)
{
  PetscReal ex = PetscExpReal(-PetscAbsReal(eta)), mu = eta >= 0 ? 1.0 / (1.0 + ex) : ex / (1.0 + ex);
  *l   = (eta > 0 ? eta : 0.0) + log1p(ex) - y * eta;
  *dl  = mu - y;
  *d2l = mu * (1.0 - mu);
}

static inline void CurioLossPoissonPoint(PetscReal eta, PetscReal y, PetscReal *l, PetscReal *dl, PetscReal *d2l)
{
  PetscReal mu = PetscExpReal(eta);
  *l           = mu - y * eta;
  *dl          = mu - y;
  *d2l         = mu;
}

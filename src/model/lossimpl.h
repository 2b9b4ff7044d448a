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

/* mu = 1/(1 + e^-eta), 1 - mu and the softplus log(1 + e^eta) from e^-|eta|: neither branch overflows, and no
   quantity is a difference of nearly equal ones where the model is confident. With y = 0 or 1, l = (1 - y) softplus(eta)
   + y softplus(-eta), l' = (1 - y) mu - y (1 - mu) and l'' = mu (1 - mu) are sums of terms of one sign, each accurate to
   a few ulps of itself: 1 - mu and log(1 + e^eta) - eta computed as differences lost all their digits once
   e^-eta < eps (labels all 1 at s = 1e-11: a tangent 4e-6 off, l'' rounding) */
static inline void CurioLossLogisticPoint(PetscReal eta, PetscReal y, PetscReal *l, PetscReal *dl, PetscReal *d2l)
{
  const PetscReal ex = PetscExpReal(-PetscAbsReal(eta)), lp = log1p(ex);
  const PetscReal mu = eta >= 0 ? 1.0 / (1.0 + ex) : ex / (1.0 + ex), mc = eta >= 0 ? ex / (1.0 + ex) : 1.0 / (1.0 + ex);
  const PetscReal sp = (eta > 0 ? eta : 0.0) + lp, sm = (eta < 0 ? -eta : 0.0) + lp; /* softplus(eta), softplus(-eta) */

  *l   = (1.0 - y) * sp + y * sm;
  *dl  = (1.0 - y) * mu - y * mc;
  *d2l = mu * mc;
}

static inline void CurioLossPoissonPoint(PetscReal eta, PetscReal y, PetscReal *l, PetscReal *dl, PetscReal *d2l)
{
  PetscReal mu = PetscExpReal(eta);
  *l           = mu - y * eta;
  *dl          = mu - y;
  *d2l         = mu;
}

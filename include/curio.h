/**
  @file curio.h
  @brief Public umbrella header of libcurio: regularized regression with regularity tangents.

  curio minimizes L(theta; s) = sum_i w_i l(eta_i, y_i) + s R(theta) and computes the optimum theta*
  together with its regularity tangent theta_dot = d(theta*)/ds = -H^{-1} grad R(theta*)
  (MATH.md sections 1-2), then uses it for query scores and model selection.
*/
#pragma once

#include "curiosys.h"
#include "curiooptions.h"

#include "curiodata.h"
#include "curiosparse.h"
#include "curiomodel.h"
#include "curiosolver.h"
#include "curiofit.h"
#include "curioanalysis.h"
#include "curiooutput.h"
#include "curioproblem.h"
#include "curiocheckpoint.h"
#include "curiosgdf.h"
#include "curioactive.h"
#include "curiousers.h"

/* Internal declarations of the solver layer: the Hessian operator, ScaLAPACK, CurioSolver, CurioFit and training. */
#pragma once

#include "../model/modelimpl.h"
#include <curiosolver.h>
#include <curiofit.h>

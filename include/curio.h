/**
  @file curio.h
  @brief Public umbrella header of libcurio: regularized regression with regularity tangents.

  curio minimizes L(theta; s) = sum_i w_i l(eta_i, y_i) + s R(theta) and computes the optimum theta*
  together with its regularity tangent theta_dot = d(theta*)/ds = -H^{-1} grad R(theta*)
  (MATH.md sections 1-2), then uses it for query scores and model selection.
*/
#pragma once

#include "curiosys.h"

#define CURIO_VERSION        "0.1.0"
#define CURIO_SCHEMA_VERSION 1

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

/** @brief Registers curio's log stages and events; called once after PetscInitialize(). */
PETSC_EXTERN PetscErrorCode CurioInitializePackage(void);

/** @brief Error handler of the curio driver: collective input errors as one line, anything else with a traceback. */
PETSC_EXTERN PetscErrorCode CurioErrorHandler(MPI_Comm, int, const char *, const char *, PetscErrorCode, PetscErrorType, const char *, void *);
/** @brief Whether the last error was raised on every rank together. */
PETSC_EXTERN PetscBool CurioErrorIsCollective(void);

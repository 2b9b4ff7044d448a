/* The private layout of CurioFit, shared by src/solver/fit.c (context, optimum and tangent) and src/solver/train.c
   (objective, curvature, Newton's method). Everything else uses the getters of include/curiofit.h. */
#pragma once

#include "solverimpl.h"

struct _n_CurioFit {
  MPI_Comm    comm;
  CurioModel  model;
  CurioSolver solver;
  Mat         Phi;          /* design, rows = samples (MATMPIDENSE or MATMPIAIJ) */
  Vec         y, w, curv;   /* labels, weights, w l'' per row (laid out like the rows) */
  Vec         mask, center; /* R = 1/2 sum mask (theta - center)^2 */
  Vec         theta, theta_dot, gradR;
  PetscReal   s, sigma2, tangent_residual;
  PetscBool   solved, monitor;
  PetscInt    its_train, its_tangent;
  PetscReal   time_train, time_tangent;
};

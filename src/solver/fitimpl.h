/* The private layout of CurioFit, shared by src/solver/fit.c (context, optimum and tangent) and src/solver/train.c
   (objective, curvature, Newton's method). Everything else uses the getters of include/curiofit.h. */
#pragma once

#include "solverimpl.h"

struct _n_CurioFit {
  MPI_Comm             comm;
  CurioModel           model;
  CurioLossType        loss; /* the model's, cached: the kernels below branch on it */
  CurioRegularizerType regularizer;
  PetscBool            quadratic; /* l'' = 1 */
  CurioSolver          solver;
  Mat                  Phi;          /* design, rows = samples (MATMPIDENSE or MATMPIAIJ) */
  Vec                  y, w, curv;   /* labels, weights, w l'' per row (laid out like the rows) */
  Vec                  mask, center; /* R = 1/2 sum mask (theta - center)^2 */
  Vec                  theta, theta_dot, gradR;
  PetscReal            s, sigma2, tangent_residual;
  PetscReal            tangent_condition, tangent_forward_error; /* the solver's condition estimate and the tangent's estimated relative error */
  PetscReal            theta_forward_error; /* theta*'s estimated relative error: the condition estimate times its relative residual */
  PetscReal            train_error;         /* Newton's last step |H^{-1} g| / |theta| at theta*: its estimated relative error (0: squared loss) */
  PetscBool            tangent_rowspace;    /* the tangent came from the row-space route */
  PetscBool            solved, monitor;
  char                 rows[160]; /* which rows the weights select, for error messages ("": the training rows) */
  PetscInt             its_train, its_tangent;
  PetscReal            time_train, time_tangent;
};

/* theta*(s) and theta_dot of squared loss on the solver's row-space route (train.c) */
PETSC_INTERN PetscErrorCode SquaredRowSpace(CurioFit, Vec, Vec);

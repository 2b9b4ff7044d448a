/* Internal declarations of the fit driver (CurioProblem: options, orchestration, output of -curio_mode fit). */
#pragma once

#include "../analysis/analysisimpl.h"
#include <curioproblem.h>

/* One run of the fit mode; reached from outside src/fit only through the functions of curioproblem.h (the active
   driver, above this layer, reads it too) */
struct _n_CurioProblem {
  MPI_Comm           comm;
  CurioData          data;
  CurioRows         *train, *cand, *test; /* the data's sets (CurioDataGetRows()) */
  PetscBool          has_cand, has_test;  /* whether the input has them (after CurioProblemSetUp() read it) */
  PetscInt           cand_chunk;          /* > 0: the candidate pool is streamed in chunks of this many rows */
  const char        *source;              /* the input */
  const char *const *feature_names;       /* names of the input columns, or NULL */
  CurioModel         model;
  CurioSolver        solver;
  CurioFit           fit;                   /* the fit on the training rows: training, tangent, operator */
  Mat                Phi, PhiCand, PhiTest; /* design matrices, rows = samples, MATMPIDENSE */
  Vec                y, w;                  /* labels, weights (referenced by the fit) */
  /* views of the fit's vectors (borrowed, owned by fit): curvature w l'', regularizer mask and centre
     (R = 1/2 sum mask (theta - center)^2), optimum, tangent, grad R */
  Vec       curv, mask, center, theta, theta_dot, gradR;
  PetscReal s, sigma2, tangent_residual;
  PetscReal tangent_condition, tangent_forward_error; /* the solver's condition estimate, the tangent's estimated relative error */
  PetscBool solved;
  PetscInt  its_train, its_tangent;
  /* LOOCV over a grid of s */
  CurioCVGrid     grid;                   /* as the options give it (-curio_loocv, -curio_loocv_smin/smax/ns) */
  PetscReal       loocv_smin, loocv_smax; /* the grid's ends in use (after CurioProblemComputeLOOCV(); before, the grid's) */
  PetscReal       loocv_scale;            /* lambda_max(Phi^T W Phi)/n, the default grid's unit (0 before LOOCV, or with both ends given) */
  PetscInt        cv_folds;               /* brute-force K-fold over the grid (0: off) */
  CurioLOOCVCurve curve;
  PetscBool       has_curve;
  /* scores */
  PetscBool   do_scores;            /* any score asked for (-curio_scores, which sets scores.want) */
  PetscBool   var_ssi, var_ssi_set; /* VAR and SSI need an explicit H^{-1}: skipped for large d unless asked for */
  PetscReal   fd_rel;
  CurioScores scores;
  PetscBool   has_scores;
  /* batch selection over the candidates */
  PetscInt   select_k;
  PetscInt   select_by; /* a selectable CurioScoreId */
  PetscInt  *sel_index;
  PetscReal *sel_score;
  /* classic influence (Koh and Liang) for data debugging */
  PetscBool  do_influence;
  PetscInt   influence_k, influence_ntest;
  PetscBool  influence_k_set; /* given: checked against the training rows; the default 5 is capped by them */
  Vec        self_influence;
  PetscReal  influence_error; /* the influence values' estimated error relative to the largest (CurioFitSelfInfluence()) */
  PetscInt  *infl_index;
  PetscReal *infl_value;
  char       theta_init[PETSC_MAX_PATH_LEN]; /* warm start for Newton's method: FILE[:DATASET] */
  /* output and reporting */
  CurioCommonOptions
            common; /* -curio_input (read again by the data layer with -curio_candidates, -curio_test), -curio_output, -curio_s, -curio_monitor */
  PetscBool output_data;
  PetscBool quiet; /* no unsolicited notes (the LOOCV grid-boundary warning): a caller that records them itself sets it */
  PetscReal time_read, time_gram, time_train, time_tangent, time_loocv, time_scores, time_total;
};

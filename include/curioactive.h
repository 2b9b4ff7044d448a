/**
  @file curioactive.h
  @brief CurioActive: the pool-based active-learning loop and the study of query strategies over data sets and seeds.

  A loop as a library object (what `curio -curio_mode active` runs):

      CurioActive al;
      CurioActiveCreate(comm, &al);
      CurioActiveSetInput(al, "pool.h5");      // or -curio_input; the options given on the command line win
      CurioActiveSetFromOptions(al);
      CurioActiveRun(al);                      // sets up, then rounds until -curio_al_budget labels
      CurioActiveGetSelected(al, &n, &index);  // the labeled set's pool indices, in labeling order
      CurioActiveDestroy(&al);
*/
#pragma once

#include "curiosys.h"

/** @brief One active-learning loop: its options, the pool and test set, the labeled set, the learning curve and the
    current model. */
typedef struct _n_CurioActive *CurioActive;

/** @brief Creates a loop with the defaults of `-curio_mode active`. Collective. */
PETSC_EXTERN PetscErrorCode CurioActiveCreate(MPI_Comm comm, CurioActive *al);
/** @brief Frees a loop and everything it holds; *al becomes NULL. Collective. */
PETSC_EXTERN PetscErrorCode CurioActiveDestroy(CurioActive *al);
/** @brief Sets the input file (pool /candidates with its oracle labels, /test, optional /train), as -curio_input. Not collective. */
PETSC_EXTERN PetscErrorCode CurioActiveSetInput(CurioActive al, const char input[]);
/** @brief Sets the output file, rewritten after every round, as -curio_output. Not collective. */
PETSC_EXTERN PetscErrorCode CurioActiveSetOutput(CurioActive al, const char output[]);
/** @brief Sets the query strategy by name, as -curio_al_strategy. Not collective. */
PETSC_EXTERN PetscErrorCode CurioActiveSetStrategy(CurioActive al, const char strategy[]);
/** @brief Reads the loop's options (-curio_al_*, -curio_input, -curio_output, -curio_s, the LOOCV grid). Collective. */
PETSC_EXTERN PetscErrorCode CurioActiveSetFromOptions(CurioActive al);
/** @brief Reads the model's and solver's options and the data, and chooses the seed set (or reads the restart file). Collective. */
PETSC_EXTERN PetscErrorCode CurioActiveSetUp(CurioActive al);
/** @brief Runs the rounds until the budget (or -curio_al_stop_after), writing the output after each. Collective. */
PETSC_EXTERN PetscErrorCode CurioActiveRun(CurioActive al);
/** @brief The size of the labeled set. Not collective. */
PETSC_EXTERN PetscErrorCode CurioActiveGetNumberLabeled(CurioActive al, PetscInt *n);
/** @brief The labeled set's pool indices in labeling order (-1: a /train row), as /selected/index; borrowed. Not collective. */
PETSC_EXTERN PetscErrorCode CurioActiveGetSelected(CurioActive al, PetscInt *n, const PetscInt *index[]);
/** @brief The learning curve, one row per model, as /rounds: labeled-set sizes, test errors, s; borrowed, any may be NULL. Not collective. */
PETSC_EXTERN PetscErrorCode CurioActiveGetCurve(CurioActive al, PetscInt *nrows, const PetscInt *n_labeled[], const PetscReal *test_error[],
                                                const PetscReal *s[]);
/** @brief theta and theta_dot of the last model, distributed like the pool design's columns, and its s; borrowed, any may be NULL. Not collective. */
PETSC_EXTERN PetscErrorCode CurioActiveGetSolution(CurioActive al, Vec *theta, Vec *theta_dot, PetscReal *s);

/** @brief Runs `curio -curio_mode active`: one active-learning loop from its options. Collective. */
PETSC_EXTERN PetscErrorCode CurioActiveMain(MPI_Comm);
/** @brief Runs `curio -curio_mode study`: strategies x data sets x seeds, split over MPI sub-communicators. Collective. */
PETSC_EXTERN PetscErrorCode CurioStudyMain(MPI_Comm);
/** @brief Reads the options of `-curio_mode active` without running anything, so that `-help` lists them. Collective. */
PETSC_EXTERN PetscErrorCode CurioActiveOptionsHelp(MPI_Comm);
/** @brief Reads the options of `-curio_mode study` without running anything, so that `-help` lists them. Collective. */
PETSC_EXTERN PetscErrorCode CurioStudyOptionsHelp(MPI_Comm);

/*
  curio: the optimum of a regularized regression model and its regularity tangent, with query scores for active learning
  and leave-one-out model selection (Eaton, "Influence functions and regularity tangents for efficient active learning";
  ../shared/MATH.md).

  Problem: minimize L(theta; s) = sum_i w_i l(phi(x_i) . theta, y_i) + s R(theta) over rows distributed across MPI ranks.
  Method:  exact LOOCV over a grid of s picks s (unless -curio_s is given); theta* and theta_dot = -H^{-1} grad R(theta*)
           by ScaLAPACK Cholesky (-curio_solver direct) or CG on a matrix-free Hessian (-curio_solver krylov); query
           scores over the candidate pool; one HDF5 output file.

  Run the paper's section 3.3 example on 2 ranks:
      mpiexec -n 2 ./build/curio -curio_monitor
  Run on your data:
      mpiexec -n 4 ./build/curio -curio_input data.h5 -curio_output run.h5 -curio_solver krylov -log_view
  All options: ./build/curio -help
*/
static const char help[] = "curio: regularized regression with regularity tangents, query scores and LOOCV.\n"
                           "Without -curio_input it runs the built-in example of the paper's section 3.3.\n\n";

#include <curio.h>
#include <malloc.h>

/* What one invocation does: -curio_mode fit (the default: direct or Krylov optimum, tangent, LOOCV, scores), sgdf
   (distributed SGD with the tangent, checkpoints), active (one active-learning loop) or study (strategies x data sets
   x seeds over sub-communicators) or users (per-user models inheriting from a shared one, section 3.4) */
typedef enum { CURIO_MODE_FIT, CURIO_MODE_SGDF, CURIO_MODE_ACTIVE, CURIO_MODE_STUDY, CURIO_MODE_USERS } CurioMode;
static const char *const CurioModes[] = {"fit", "sgdf", "active", "study", "users", "CurioMode", "CURIO_MODE_", NULL};

static PetscErrorCode Run(void)
{
  CurioProblem prob;
  CurioMode    mode = CURIO_MODE_FIT;

  PetscFunctionBeginUser;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "curio driver", "curio");
  PetscCall(PetscOptionsEnum("-curio_mode", "What to run: fit (direct/Krylov), sgdf, active (learning loop), study, users (several users)", "curio",
                             CurioModes, (PetscEnum) mode, (PetscEnum *) &mode, NULL));
  PetscOptionsEnd();
  switch (mode) {
  case CURIO_MODE_SGDF: PetscCall(CurioSGDFMain(PETSC_COMM_WORLD)); PetscFunctionReturn(PETSC_SUCCESS);
  case CURIO_MODE_ACTIVE: PetscCall(CurioActiveMain(PETSC_COMM_WORLD)); PetscFunctionReturn(PETSC_SUCCESS);
  case CURIO_MODE_STUDY: PetscCall(CurioStudyMain(PETSC_COMM_WORLD)); PetscFunctionReturn(PETSC_SUCCESS);
  case CURIO_MODE_USERS: PetscCall(CurioUsersMain(PETSC_COMM_WORLD)); PetscFunctionReturn(PETSC_SUCCESS);
  case CURIO_MODE_FIT: break;
  }
  PetscCall(CurioProblemCreate(PETSC_COMM_WORLD, &prob));
  PetscCall(CurioProblemSetFromOptions(prob));
  PetscCall(CurioProblemSetUp(prob));
  PetscCall(CurioProblemView(prob, PETSC_VIEWER_STDOUT_WORLD));
  PetscCall(CurioProblemRun(prob));
  PetscCall(CurioProblemDestroy(&prob));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  PetscErrorCode ierr;
  PetscBool      traceback = PETSC_FALSE;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  /* Debian's PETSc loads SuperLU_DIST, whose constructor disables mmap and heap trimming (M_MMAP_MAX = 0,
     M_TRIM_THRESHOLD = -1), so freed n x d arrays stay resident; restore glibc's defaults */
  mallopt(M_MMAP_MAX, 65536);
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  mallopt(M_TRIM_THRESHOLD, 128 * 1024);
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-curio_traceback", &traceback, NULL));
  PetscCall(PetscPushErrorHandler(CurioErrorHandler, &traceback));
  ierr = Run();
  if (ierr) {
    /* An input error is detected by every rank together: they finalize in step and all exit non-zero. Anything
       else may have left other ranks inside a collective call, so abort them all. */
    if (!CurioErrorIsCollective()) MPI_Abort(PETSC_COMM_WORLD, (int) ierr);
    (void) PetscPopErrorHandler();
    (void) PetscFinalize();
    return 1;
  }
  PetscCall(PetscFinalize());
  return 0;
}

/*
  curio: the optimum of a regularized regression model and its regularity tangent, with query scores for active learning
  and leave-one-out model selection (Eaton, "Influence functions and regularity tangents for efficient active learning";
  docs/math.md).

  Problem: minimize L(theta; s) = sum_i w_i l(phi(x_i) . theta, y_i) + s R(theta) over rows distributed across MPI ranks.
  Method:  exact LOOCV over a grid of s picks s (unless -curio_s is given); theta* and theta_dot = -H^{-1} grad R(theta*)
           by ScaLAPACK Cholesky (-curio_solver direct) or CG on a matrix-free Hessian (-curio_solver krylov); query
           scores over the candidate pool; one HDF5 output file.

  Run the paper's section 3.3 example on 2 ranks:
      mpiexec -n 2 ./build/curio -curio_monitor
  Run on your data:
      mpiexec -n 4 ./build/curio -curio_input data.h5 -curio_output run.h5 -curio_solver krylov -log_view
  All options of every mode: ./build/curio -help       Version: ./build/curio -curio_version
*/
static const char help[] = "curio: regularized regression with regularity tangents, query scores and LOOCV.\n"
                           "Without -curio_input it runs the built-in example of the paper's section 3.3.\n\n";

#include <curio.h>
#include <malloc.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* What one invocation does: -curio_mode fit (the default: direct or Krylov optimum, tangent, LOOCV, scores), sgdf
   (distributed SGD with the tangent, checkpoints), active (one active-learning loop) or study (strategies x data sets
   x seeds over sub-communicators) or users (per-user models inheriting from a shared one, section 3.4) */
typedef enum { CURIO_MODE_FIT, CURIO_MODE_SGDF, CURIO_MODE_ACTIVE, CURIO_MODE_STUDY, CURIO_MODE_USERS } CurioMode;
static const char *const CurioModes[] = {"fit", "sgdf", "active", "study", "users", "CurioMode", "CURIO_MODE_", NULL};
static const unsigned CurioModeBits[] = {CURIO_MODE_BIT_FIT, CURIO_MODE_BIT_SGDF, CURIO_MODE_BIT_ACTIVE, CURIO_MODE_BIT_STUDY, CURIO_MODE_BIT_USERS};

/* The driver's options, every mode's: what to run, how errors are shown, the version */
static PetscErrorCode ReadDriverOptions(CurioMode *mode, PetscBool *traceback, PetscBool *version)
{
  PetscFunctionBegin;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "curio driver (every mode)", "curio");
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_traceback", traceback, NULL)); /* first: it shapes the errors below */
  PetscCall(CurioOptionsEnum(PetscOptionsObject, "-curio_mode", CurioModes, (PetscEnum *) mode, NULL));
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_version", version, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* -help: every mode reads its options into a throwaway object, which prints them, and nothing runs or is written */
static PetscErrorCode PrintHelp(void)
{
  CurioProblem prob;

  PetscFunctionBegin;
  /* the options every mode shares first, each mode's own after them (an option is listed where it is first read) */
  {
    char      str[PETSC_MAX_PATH_LEN] = "";
    PetscReal s                       = 1;
    PetscBool b                       = PETSC_FALSE;
    PetscEnum e                       = (PetscEnum) 0;
    PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "curio common options (each mode reads the ones it uses)", "curio");
    PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_input", str, sizeof(str), NULL));
    PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_output", str, sizeof(str), NULL));
    PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_s", &s, NULL));
    PetscCall(CurioOptionsEnum(PetscOptionsObject, "-curio_loss", CurioLossTypes, &e, NULL));
    PetscCall(CurioOptionsEnum(PetscOptionsObject, "-curio_regularizer", CurioRegularizerTypes, &e, NULL));
    PetscCall(CurioOptionsEnum(PetscOptionsObject, "-curio_solver", CurioSolverTypes, &e, NULL));
    PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_monitor", &b, NULL));
    PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_restart", str, sizeof(str), NULL));
    PetscOptionsEnd();
  }
  PetscCall(CurioDataOptionsHelp(PETSC_COMM_WORLD));
  PetscCall(CurioProblemCreate(PETSC_COMM_WORLD, &prob));
  PetscCall(CurioProblemSetFromOptions(prob));
  PetscCall(CurioProblemDestroy(&prob));
  PetscCall(CurioSGDFOptionsHelp(PETSC_COMM_WORLD));
  PetscCall(CurioActiveOptionsHelp(PETSC_COMM_WORLD));
  PetscCall(CurioStudyOptionsHelp(PETSC_COMM_WORLD));
  PetscCall(CurioUsersOptionsHelp(PETSC_COMM_WORLD));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "----------------------------------------\n"
                        "PETSc's options under curio's prefix: the Krylov solver's -curio_ksp_* and -curio_pc_* (listed above; each\n"
                        "solve's own under -curio_train_, -curio_tangent_, -curio_inverse_), -curio_tao_* of TAO's Newton line search\n"
                        "(TAONLS) that trains logistic and Poisson models, and -curio_users_hier_tao_* and -curio_users_hier_ksp_* of\n"
                        "-curio_mode users with -curio_users_model hierarchy (listed above).\n"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Run(PetscBool *traceback)
{
  CurioProblem prob;
  CurioMode    mode    = CURIO_MODE_FIT;
  PetscBool    version = PETSC_FALSE, help;

  PetscFunctionBegin;
  { /* first: a -log_view file that is an input would be written even if the run stopped at its next error */
    char      output[PETSC_MAX_PATH_LEN] = "";
    PetscBool set;
    PetscCall(PetscOptionsGetString(NULL, NULL, "-curio_output", output, sizeof(output), &set));
    PetscCall(CurioOutputCheckViewers(PETSC_COMM_WORLD, set ? output : NULL));
  }
  PetscCall(ReadDriverOptions(&mode, traceback, &version));
  if (version) {
    PetscCall(CurioVersionView(PETSC_COMM_WORLD));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) {
    PetscCall(PrintHelp());
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  /* before any work: a misspelled option is refused, one of another mode is named */
  PetscCall(CurioOptionsCheckUnknown(PETSC_COMM_WORLD, CurioModeBits[mode], CurioModes[mode]));
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

/* Rank 0: one line of an options file with more than "-name value" on it (PETSc stops on it with a traceback); 0 if
   every line is well formed. A line with a quote or an alias is left to PETSc. */
static int OptionsFileBadLine(FILE *f, char extra[], size_t len)
{
  char line[4096];

  for (int n = 1; fgets(line, sizeof(line), f); n++) {
    char *tok, *save, *hash = strchr(line, '#');
    int   k = 0;
    if (hash) *hash = 0;
    if (strchr(line, '"') || strchr(line, '\'')) continue;
    for (tok = strtok_r(line, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save), k++) {
      if (k == 0 && (tok[0] != '-' || !strcmp(tok, "-alias"))) break; /* not an option line: PETSc's own check */
      if (k == 2) {
        snprintf(extra, len, "%s", tok);
        return n;
      }
    }
  }
  return 0;
}

/* PetscInitialize() reads -options_file FILE before any error handler of curio is in place and answers a missing
   file, a directory or a malformed line with a traceback from every rank: check the files named on the command line
   first, with MPI alone. Returns non-zero after printing one line if one cannot be used (every rank sees the same
   command line and files; rank 0 reads them and tells the others). */
static int CheckOptionsFiles(int argc, char **argv)
{
  int  rank = 0, bad = 0;
  char msg[1024] = "";

  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (int i = 1; i < argc && !bad && rank == 0; i++) {
    FILE       *f;
    struct stat st;
    int         line;
    char        extra[256];
    if (strcmp(argv[i], "-options_file") && strcmp(argv[i], "-options_file_yaml")) continue;
    if (i + 1 >= argc || argv[i + 1][0] == '-') snprintf(msg, sizeof(msg), "%s needs a file name", argv[i]);
    else if (!stat(argv[i + 1], &st) && S_ISDIR(st.st_mode)) snprintf(msg, sizeof(msg), "%s: '%s' is a directory, not a file", argv[i], argv[i + 1]);
    else if (!(f = fopen(argv[i + 1], "r"))) snprintf(msg, sizeof(msg), "%s: cannot open '%s': %s", argv[i], argv[i + 1], strerror(errno));
    else {
      size_t len  = strlen(argv[i + 1]);
      int    yaml = (len >= 5 && !strcasecmp(argv[i + 1] + len - 5, ".yaml")) || (len >= 4 && !strcasecmp(argv[i + 1] + len - 4, ".yml"));
      if (!strcmp(argv[i], "-options_file") && !yaml && (line = OptionsFileBadLine(f, extra, sizeof(extra)))) /* PETSc reads .yaml as YAML */
        snprintf(msg, sizeof(msg), "%s '%s', line %d: one option per line ('-name value'); '%s' is one too many", argv[i], argv[i + 1], line, extra);
      fclose(f);
    }
    bad = msg[0] != 0;
  }
  MPI_Bcast(&bad, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (bad && rank == 0) fprintf(stderr, "curio: error: %s\n", msg);
  return bad;
}

/* PETSc's solver options under curio's prefix (-curio_ksp_*, -curio_tangent_pc_*, ...) are not in curio's table: one
   that nothing read (misspelled, or of a solver this run does not use) is named in a warning, as -options_left would
   (which, when given, reports them itself). Options outside curio's prefix are PETSc's alone, and some are read only
   in PetscFinalize() (-options_view, -citations): -options_left reports those; but one a few edits from a curio option
   (-curoi_s, --curio_s) is a misspelling of it, and curio says so whether or not -options_left is given */
static PetscErrorCode WarnUnusedOptions(void)
{
  PetscInt  n;
  char    **names, **values;
  PetscBool given;

  PetscFunctionBegin;
  PetscCall(PetscOptionsHasName(NULL, NULL, "-options_left", &given));
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  for (PetscInt i = 0; i < n; i++) {
    char        dashed[256], why[320];
    const char *close;
    PetscCall(PetscSNPrintf(dashed, sizeof(dashed), "-%s", names[i]));
    if (!strncmp(dashed, "-curio_", 7)) {
      if (!given && CurioOptionsIsPETSc(dashed)) /* curio's own are checked before the run */
        PetscCall(CurioOptionsWarnUnused(PETSC_COMM_WORLD, dashed, "misspelled? or of a solver this run does not use"));
    } else if ((close = CurioOptionsClosest(dashed))) {
      PetscCall(PetscSNPrintf(why, sizeof(why), "did you mean %s?", close));
      PetscCall(CurioOptionsWarnUnused(PETSC_COMM_WORLD, dashed, why));
    }
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  PetscErrorCode ierr;
  PetscBool      traceback = PETSC_FALSE;

  if (MPI_Init(&argc, &argv) != MPI_SUCCESS) return 1;
  if (CheckOptionsFiles(argc, argv)) {
    MPI_Finalize();
    return 1;
  }
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  /* Debian's PETSc loads SuperLU_DIST, whose constructor disables mmap and heap trimming (M_MMAP_MAX = 0,
     M_TRIM_THRESHOLD = -1), so freed n x d arrays stay resident. Any mallopt() also ends glibc's dynamic thresholds,
     so set where they settle: blocks of 32 MiB and more mapped apart (and returned when freed), the heap trimmed above
     64 MiB free. A threshold of 128 KiB instead mapped every larger temporary afresh, e.g. the MPI library's buffers
     of a reduction, and faulting them in page by page made local SGDF's averaging of 160 MB 0.46-0.52 s on 2 ranks
     where the same segmented reduction takes 0.03 s (CurioAllreduceSum) */
  mallopt(M_MMAP_MAX, 65536);
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
  PetscCall(PetscPushErrorHandler(CurioErrorHandler, &traceback));
  ierr = Run(&traceback);
  if (!ierr) ierr = WarnUnusedOptions();
  if (ierr) {
    /* An input error is detected by every rank together: they finalize in step and all exit non-zero. Anything
       else may have left other ranks inside a collective call, so abort them all. */
    if (!CurioErrorIsCollective()) MPI_Abort(PETSC_COMM_WORLD, (int) ierr);
    /* the run stopped before reading most options: -options_left would list correctly spelled ones as unused */
    (void) PetscOptionsClearValue(NULL, "-options_left");
    (void) PetscPopErrorHandler();
    (void) PetscFinalize();
    (void) MPI_Finalize();
    return 1;
  }
  PetscCall(PetscPopErrorHandler()); /* -malloc_dump then reports nothing of curio's */
  PetscCall(PetscFinalize());
  return MPI_Finalize() == MPI_SUCCESS ? 0 : 1;
}

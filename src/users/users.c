/*
  curio -curio_mode users: several users with a shared model (the paper's section 3.4.1, MATH.md section 7).

  Problem: rows carry a user id. A global model theta0 with its tangent theta0_dot is trained on every user's rows (any
  loss, regularizer and solver of the fit mode, rows over all ranks, the Gram or Hessian by allreduce). Each user u then
  has the model L_u(theta) = sum_{i in D_u} w_i l_i(theta) + s/2 ||theta - theta0||^2 and the inherited tangent
  theta_u_dot = H_u^{-1} [ s theta0_dot - (theta_u - theta0) ] (eq. 98). A user without rows has theta0 and theta0_dot.
  Method:  whole users per rank (contiguous in id order, balanced by rows); each rank fits its users one after the other
           with local dense LAPACK (kernels.c). Candidates are sent to their user's rank, scored with that user's
           tangent (SLD, expected SLD, VAR) and sent back; the top-k runs over all users. For squared loss the exact
           per-user leave-one-out curve over a grid of s gives s.

      mpiexec -n 2 ./build/curio -curio_mode users -curio_input inputs/users/sleepstudy.h5 -curio_intercept \
          -curio_output users.h5 -curio_users_select_k 5 -curio_monitor

  Input, output and decisions: README "Several users" and docs/users.md.
*/
#include "usersimpl.h"
#include <curiousers.h>
#include <time.h>

typedef enum { USERS_PARTITION_ROWS, USERS_PARTITION_USERS, USERS_PARTITION_CUTS } UsersPartition;
static const char *const UsersPartitions[] = {"rows", "users", "cuts", "UsersPartition", "USERS_PARTITION_", NULL};
static const char *const UsersScores[]     = {"sld", "sld_expected", "var", "UsersScore", "USERS_SCORE_", NULL};
#define USERS_NO_INHERIT \
  "-curio_regularizer inherit is what -curio_mode users does per user; give the global model's regularizer (ridge or restricted)"

/* What a user's model is: inherit (from theta0, eq. 97-98), independent (ridge toward 0, the usual tangent
   -H_u^{-1} theta_u: the baseline without sharing), pooled (theta0 for every user: the baseline without users) */
typedef enum { USERS_MODEL_INHERIT, USERS_MODEL_INDEPENDENT, USERS_MODEL_POOLED, USERS_MODEL_HIERARCHY } UsersModel;
static const char *const UsersModels[] = {"inherit", "independent", "pooled", "hierarchy", "UsersModel", "USERS_MODEL_", NULL};
#define NSCORE 6 /* per candidate: f, mean, fdot, sld, sld_expected, var */

/* One exchange of rows with the ranks that own their users: order[i] is where local row i sits in the send buffer */
typedef struct {
  PetscMPIInt *scnt, *sdsp, *rcnt, *rdsp;
  PetscInt    *order, nsend, nrecv;
} Exchange;

typedef struct {
  MPI_Comm           comm;
  PetscMPIInt        rank, size;
  CurioCommonOptions common; /* -curio_input, -curio_output, -curio_s, -curio_monitor */
  PetscReal          s, s0;  /* s: -curio_s, or the LOOCV optimum */
  PetscBool          s0_given, loocv;
  PetscReal          smin, smax, rtol;
  PetscInt           ns, select_k, select_by, maxit;
  UsersPartition     partition;
  UsersModel         umodel;
  PetscReal         *zeros;         /* d zeros: theta0 and theta0_dot of independent users */
  PetscReal         *rho, *rho_dot; /* hierarchy: local users' log-precisions and their derivatives in s */
  PetscInt           hier_tao, hier_ksp;
  PetscReal          hier_residual;
  PetscInt           ncuts, cuts_opt[1024];
  PetscBool          cuts_given;
  CurioData          data;
  CurioModel         model;
  CurioRows         *train, *cand, *test; /* the data's sets */
  PetscBool          has_cand, has_test;
  CurioLossType      loss; /* the model's */
  CurioSolver        solver;
  PetscInt           d, U;
  PetscInt          *ids, *nrows, *cuts;     /* replicated: U ids (sorted), rows per user, size + 1 user cuts */
  PetscInt          *ktrain, *kcand, *ktest; /* this rank's rows (reader's split): user index */
  PetscReal         *theta0, *theta0_dot, sigma2;
  PetscReal         *grid, *cv, *theta0_grid; /* LOOCV: ns values of s, summed curve, theta0(s) per grid point */
  PetscReal          s_opt, cv_opt;
  CurioUserSet       set;
  PetscReal         *cand_scores; /* this rank's candidates (reader's split), NSCORE each */
  PetscReal         *test_f;
  PetscInt          *best_index; /* local users: best candidate (global index) by the selection score, -1 if none */
  PetscReal         *best_score;
  PetscInt          *sel_index, *sel_user;
  PetscReal         *sel_score;
  PetscReal          test_rmse, tangent_err; /* the largest of the users' tangent error estimates (CurioUserFit()) */
  PetscInt           its_max, its_global;
  PetscReal          t_read, t_global, t_users, t_users_cpu, t_loocv, t_scores, t_write;
} Users;

/* The users mode's options block alone (defaults, then the command line); -help runs it on a throwaway object */
static PetscErrorCode UsersReadOptions(Users *u, PetscBool *loocv_set)
{
  PetscFunctionBeginUser;
  u->smin      = 1e-4;
  u->smax      = 1e3;
  u->ns        = 29;
  u->loocv     = PETSC_TRUE;
  u->maxit     = 50;
  u->rtol      = 1e-12;
  u->partition = USERS_PARTITION_ROWS;
  PetscCall(PetscStrncpy(u->common.output, "users.h5", sizeof(u->common.output)));
  PetscOptionsBegin(u->comm, NULL, "curio users mode (several users, parameter inheritance)", "CurioUsers");
  PetscCall(CurioCommonOptionsRead(PetscOptionsObject, &u->common));
  if (u->common.s_set) u->s = u->common.s;
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_users_s0", &u->s0, &u->s0_given));
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_users_loocv", &u->loocv, loocv_set));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_users_loocv_smin", &u->smin, NULL));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_users_loocv_smax", &u->smax, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_users_loocv_ns", &u->ns, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_users_select_k", &u->select_k, NULL));
  PetscCall(CurioOptionsEList(PetscOptionsObject, "-curio_users_select_by", UsersScores, 3, &u->select_by, NULL));
  PetscCall(CurioOptionsEnum(PetscOptionsObject, "-curio_users_model", UsersModels, (PetscEnum *) &u->umodel, NULL));
  PetscCall(CurioOptionsEnum(PetscOptionsObject, "-curio_users_partition", UsersPartitions, (PetscEnum *) &u->partition, NULL));
  u->ncuts = (PetscInt) (sizeof(u->cuts_opt) / sizeof(u->cuts_opt[0]));
  /* a list whose length depends on the rank count: checked against the size below */
  PetscCall(CurioOptionsIntList(PetscOptionsObject, "-curio_users_cuts", u->cuts_opt, &u->ncuts, &u->cuts_given));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_users_newton_maxit", &u->maxit, NULL));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_users_newton_rtol", &u->rtol, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioUsersOptionsHelp - lists the options of -curio_mode users (for -help), without running anything

  Collective
@*/
PetscErrorCode CurioUsersOptionsHelp(MPI_Comm comm)
{
  Users     u;
  PetscBool loocv_set;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&u, sizeof(u)));
  u.comm = comm;
  PetscCall(UsersReadOptions(&u, &loocv_set));
  { /* -curio_users_model hierarchy's solvers (src/users/hierarchy.c): TAO's Newton line search and the tangent's CG */
    Tao tao;
    KSP ksp;
    PetscCall(TaoCreate(comm, &tao));
    PetscCall(TaoSetType(tao, TAONLS));
    PetscCall(TaoSetOptionsPrefix(tao, "curio_users_hier_"));
    PetscCall(TaoSetFromOptions(tao));
    PetscCall(TaoDestroy(&tao));
    PetscCall(KSPCreate(comm, &ksp));
    PetscCall(KSPSetOptionsPrefix(ksp, "curio_users_hier_"));
    PetscCall(KSPSetType(ksp, KSPCG));
    PetscCall(KSPSetFromOptions(ksp));
    PetscCall(KSPDestroy(&ksp));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode UsersSetFromOptions(Users *u)
{
  PetscBool            loocv_set = PETSC_FALSE;
  CurioRegularizerType reg;

  PetscFunctionBeginUser;
  PetscCall(UsersReadOptions(u, &loocv_set));
  PetscCheck(u->common.input[0], u->comm, PETSC_ERR_USER_INPUT, "-curio_mode users needs -curio_input FILE.h5 with a user id per row (/train/user)");
  PetscCheck(!u->common.s_set || (u->s > 0 && !PetscIsInfOrNanReal(u->s)), u->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-curio_s must be a finite number > 0, got %g", (double) u->s);
  PetscCheck(!u->s0_given || (u->s0 > 0 && !PetscIsInfOrNanReal(u->s0)), u->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-curio_users_s0 must be a finite number > 0, got %g", (double) u->s0);
  PetscCheck(u->smin > 0 && u->smax > u->smin, u->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-curio_users_loocv_smin and -curio_users_loocv_smax need 0 < smin < smax, got %g and %g", (double) u->smin, (double) u->smax);
  PetscCheck(u->ns >= 3, u->comm, PETSC_ERR_ARG_OUTOFRANGE, "-curio_users_loocv_ns must be >= 3, got %" PetscInt_FMT, u->ns);
  PetscCheck(u->select_k >= 0, u->comm, PETSC_ERR_ARG_OUTOFRANGE, "-curio_users_select_k must be >= 0, got %" PetscInt_FMT, u->select_k);
  PetscCheck(u->maxit >= 1, u->comm, PETSC_ERR_ARG_OUTOFRANGE, "-curio_users_newton_maxit must be >= 1, got %" PetscInt_FMT, u->maxit);
  PetscCheck(!u->cuts_given || u->partition == USERS_PARTITION_CUTS, u->comm, PETSC_ERR_ARG_INCOMP,
             "-curio_users_cuts is for -curio_users_partition cuts; add it, or leave the cuts out");
  PetscCheck(u->partition != USERS_PARTITION_CUTS || u->ncuts == u->size - 1, u->comm, PETSC_ERR_ARG_WRONG,
             "-curio_users_partition cuts needs -curio_users_cuts with %d values (the first user of ranks 1..%d), got %" PetscInt_FMT, u->size - 1,
             u->size - 1, u->ncuts);
  PetscCall(CurioModelCreate(u->comm, &u->model));
  PetscCall(CurioModelRefuseInherit(u->model, USERS_NO_INHERIT));
  PetscCall(CurioModelSetFromOptions(u->model));
  PetscCall(CurioModelGetLoss(u->model, &u->loss, NULL));
  PetscCall(CurioModelGetRegularizer(u->model, &reg));
  PetscCall(CurioSolverCreate(u->comm, &u->solver));
  PetscCall(CurioSolverSetFromOptions(u->solver));
  PetscCheck(reg != CURIO_REGULARIZER_INHERIT, u->comm, PETSC_ERR_ARG_INCOMP, USERS_NO_INHERIT);
  /* the approximate curve of a GLM refits the global model by TAO at every s, which a too small s can defeat: on request only */
  if ((u->loss != CURIO_LOSS_SQUARED && !loocv_set) || u->umodel == USERS_MODEL_POOLED || u->umodel == USERS_MODEL_HIERARCHY) u->loocv = PETSC_FALSE;
  PetscCheck(u->common.s_set || u->loocv, u->comm, PETSC_ERR_ARG_WRONG, "Give -curio_s: %s",
             u->umodel == USERS_MODEL_POOLED || u->umodel == USERS_MODEL_HIERARCHY
                 ? "the LOOCV that chooses s is not defined for -curio_users_model pooled and hierarchy"
                 : "the per-user LOOCV of logistic and Poisson users is approximate and on request only (-curio_users_loocv true)");
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* An integer id column of a set of rows: every value a non-negative integer (checked collectively: the message names
   the first bad row) */
static PetscErrorCode ReadUserColumn(Users *u, hid_t file, const char group[], const CurioRows *rows, PetscReal **vals)
{
  char      dset[64], msg[256] = "";
  PetscBool exists, any;
  int       ndims;
  PetscInt  dims[2], bad = -1;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(dset, sizeof(dset), "/%s/user", group));
  PetscCall(CurioH5Exists(file, dset, &exists));
  PetscCheck(exists, u->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': '%s' is missing: -curio_mode users needs a user id (integer >= 0) for every row of /%s, dense or CSR", u->common.input,
             dset, group);
  PetscCall(CurioH5GetShape(u->comm, file, u->common.input, dset, &ndims, dims));
  PetscCheck(ndims == 1 && dims[0] == rows->n, u->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': '%s' must have one entry per row of /%s (%" PetscInt_FMT "), it has shape (%" PetscInt_FMT "%s", u->common.input, dset,
             group, rows->n, dims[0], ndims == 2 ? ", ...)" : ")");
  PetscCall(PetscMalloc1(PetscMax(rows->nlocal, 1), vals));
  PetscCall(CurioH5ReadRows(u->comm, file, u->common.input, dset, rows->rstart, rows->nlocal, 1, *vals));
  for (PetscInt i = 0; i < rows->nlocal; i++) {
    PetscReal v = (*vals)[i];
    if (!(v >= 0) || v != PetscFloorReal(v) || v > PETSC_MAX_INT) {
      bad = rows->rstart + i;
      PetscCall(PetscSNPrintf(msg, sizeof(msg),
                              "Input file '%s': %s row %" PetscInt_FMT ": user id %.17g is not an integer in [0, %" PetscInt_FMT "]", u->common.input,
                              dset, bad, (double) v, (PetscInt) PETSC_MAX_INT));
      break;
    }
  }
  PetscCall(CurioAgreeOnError(u->comm, bad, msg, (PetscMPIInt) sizeof(msg), &any));
  PetscCheck(!any, u->comm, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static int CompareInt(const void *a, const void *b)
{
  PetscInt x = *(const PetscInt *) a, y = *(const PetscInt *) b;
  return x < y ? -1 : x > y;
}

/* Index of id in the sorted ids, or -1 */
static PetscInt FindUser(PetscInt U, const PetscInt *ids, PetscInt id)
{
  PetscInt lo = 0, hi = U;
  while (lo < hi) {
    PetscInt mid = lo + (hi - lo) / 2;
    if (ids[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo < U && ids[lo] == id ? lo : -1;
}

/* u->U and the sorted u->ids from /users/id, which lists the users (cold-start users included); each id a
   non-negative integer, none twice */
static PetscErrorCode UsersReadListedIds(Users *u, hid_t file)
{
  int        ndims;
  PetscInt   dims[2];
  PetscReal *v;

  PetscFunctionBeginUser;
  PetscCall(CurioH5GetShape(u->comm, file, u->common.input, "/users/id", &ndims, dims));
  PetscCheck(ndims == 1 && dims[0] > 0, u->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': /users/id must be a non-empty 1-D list of user ids (it lists the users, cold-start users included)", u->common.input);
  u->U = dims[0];
  PetscCall(PetscMalloc1(u->U, &v));
  PetscCall(CurioH5ReadRows(u->comm, file, u->common.input, "/users/id", 0, u->U, 1, v));
  PetscCall(PetscMalloc1(u->U, &u->ids));
  for (PetscInt k = 0; k < u->U; k++) {
    PetscCheck(v[k] >= 0 && v[k] == PetscFloorReal(v[k]) && v[k] <= PETSC_MAX_INT, u->comm, PETSC_ERR_FILE_UNEXPECTED,
               "Input file '%s': /users/id entry %" PetscInt_FMT ": user id %.17g is not an integer in [0, %" PetscInt_FMT "]", u->common.input, k,
               (double) v[k], (PetscInt) PETSC_MAX_INT);
    u->ids[k] = (PetscInt) v[k];
  }
  PetscCall(PetscFree(v));
  qsort(u->ids, (size_t) u->U, sizeof(PetscInt), CompareInt);
  for (PetscInt k = 1; k < u->U; k++)
    PetscCheck(u->ids[k] != u->ids[k - 1], u->comm, PETSC_ERR_FILE_UNEXPECTED, "Input file '%s': /users/id lists user %" PetscInt_FMT " twice",
               u->common.input, u->ids[k]);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* u->U and the sorted u->ids as the distinct ids of every rank's training rows (vtrain), gathered and merged */
static PetscErrorCode UsersMergeTrainIds(Users *u, const PetscReal *vtrain)
{
  CurioRows  *train = u->train;
  PetscInt    nl = 0, *mine, tot = 0;
  PetscMPIInt nlm, *cnt, *dsp;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(PetscMax(train->nlocal, 1), &mine));
  for (PetscInt i = 0; i < train->nlocal; i++) mine[i] = (PetscInt) vtrain[i];
  qsort(mine, (size_t) train->nlocal, sizeof(PetscInt), CompareInt);
  for (PetscInt i = 0; i < train->nlocal; i++)
    if (!nl || mine[nl - 1] != mine[i]) mine[nl++] = mine[i];
  PetscCall(PetscMPIIntCast(nl, &nlm));
  PetscCall(PetscMalloc2(u->size, &cnt, u->size, &dsp));
  PetscCallMPI(MPI_Allgather(&nlm, 1, MPI_INT, cnt, 1, MPI_INT, u->comm));
  for (PetscMPIInt r = 0; r < u->size; r++) {
    dsp[r] = (PetscMPIInt) tot;
    tot += cnt[r];
  }
  PetscCall(PetscMalloc1(PetscMax(tot, 1), &u->ids));
  PetscCallMPI(MPI_Allgatherv(mine, nlm, MPIU_INT, u->ids, cnt, dsp, MPIU_INT, u->comm));
  qsort(u->ids, (size_t) tot, sizeof(PetscInt), CompareInt);
  u->U = 0;
  for (PetscInt i = 0; i < tot; i++)
    if (!u->U || u->ids[u->U - 1] != u->ids[i]) u->ids[u->U++] = u->ids[i];
  PetscCall(PetscFree2(cnt, dsp));
  PetscCall(PetscFree(mine));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* u->kcand and u->ktest: the user index of every candidate and test row (vcand, vtest: their /user columns, NULL for a
   set the input does not have); a row whose user is neither listed nor in the training rows is an error */
static PetscErrorCode UsersIndexHeldOutRows(Users *u, const PetscReal *vcand, const PetscReal *vtest)
{
  const char      *groups[] = {"candidates", "test"};
  CurioRows       *sets[]   = {u->cand, u->test};
  const PetscReal *vals[]   = {vcand, vtest};
  PetscInt       **ks[]     = {&u->kcand, &u->ktest};
  char             msg[320] = "";
  PetscInt         bad;
  PetscBool        any;

  PetscFunctionBeginUser;
  for (int g = 0; g < 2; g++) {
    if (!vals[g]) continue;
    bad = -1;
    PetscCall(PetscMalloc1(PetscMax(sets[g]->nlocal, 1), ks[g]));
    for (PetscInt i = 0; i < sets[g]->nlocal; i++) {
      (*ks[g])[i] = FindUser(u->U, u->ids, (PetscInt) vals[g][i]);
      if ((*ks[g])[i] < 0 && bad < 0) {
        bad = sets[g]->rstart + i;
        PetscCall(PetscSNPrintf(msg, sizeof(msg),
                                "Input file '%s': /%s/user row %" PetscInt_FMT ": user %" PetscInt_FMT
                                " has no training rows and is not listed in /users/id; list it there to treat it as a cold-start user",
                                u->common.input, groups[g], bad, (PetscInt) vals[g][i]));
      }
    }
    PetscCall(CurioAgreeOnError(u->comm, bad, msg, (PetscMPIInt) sizeof(msg), &any));
    PetscCheck(!any, u->comm, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The user set: /users/id if the input lists users (cold-start users included), else the ids of /train/user; then
   every row's user index, and rows per user (replicated) */
static PetscErrorCode UsersBuildSet(Users *u)
{
  hid_t      file;
  PetscBool  listed, any;
  PetscReal *vtrain = NULL, *vcand = NULL, *vtest = NULL;
  char       msg[320] = "";
  PetscInt   bad      = -1, *loc;
  CurioRows *train    = u->train;

  PetscFunctionBeginUser;
  PetscCall(CurioH5OpenRead(u->comm, u->common.input, &file));
  PetscCall(ReadUserColumn(u, file, "train", train, &vtrain));
  if (u->has_cand) PetscCall(ReadUserColumn(u, file, "candidates", u->cand, &vcand));
  if (u->has_test) PetscCall(ReadUserColumn(u, file, "test", u->test, &vtest));
  PetscCall(CurioH5Exists(file, "/users/id", &listed));
  if (listed) PetscCall(UsersReadListedIds(u, file));
  else PetscCall(UsersMergeTrainIds(u, vtrain));
  H5Fclose(file);
  PetscCheck(u->U <= train->n, u->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Input file '%s': %" PetscInt_FMT " users but only %" PetscInt_FMT
             " training rows: the shared model would have fewer rows than users; check that /users/id lists users, not rows",
             u->common.input, u->U, train->n);
  /* user index of every row; a row whose user is not in the list is an error */
  PetscCall(PetscMalloc1(PetscMax(train->nlocal, 1), &u->ktrain));
  for (PetscInt i = 0; i < train->nlocal; i++) {
    u->ktrain[i] = FindUser(u->U, u->ids, (PetscInt) vtrain[i]);
    if (u->ktrain[i] < 0 && bad < 0) {
      bad = train->rstart + i;
      PetscCall(PetscSNPrintf(msg, sizeof(msg),
                              "Input file '%s': /train/user row %" PetscInt_FMT ": user %" PetscInt_FMT " is not listed in /users/id",
                              u->common.input, bad, (PetscInt) vtrain[i]));
    }
  }
  PetscCall(CurioAgreeOnError(u->comm, bad, msg, (PetscMPIInt) sizeof(msg), &any));
  PetscCheck(!any, u->comm, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);
  PetscCall(UsersIndexHeldOutRows(u, vcand, vtest));
  PetscCall(PetscCalloc1(u->U, &loc));
  PetscCall(PetscMalloc1(u->U, &u->nrows));
  for (PetscInt i = 0; i < train->nlocal; i++) loc[u->ktrain[i]]++;
  PetscCallMPI(MPIU_Allreduce(loc, u->nrows, u->U, MPIU_INT, MPI_SUM, u->comm));
  PetscCall(PetscFree(loc));
  PetscCall(PetscFree(vtrain));
  PetscCall(PetscFree(vcand));
  PetscCall(PetscFree(vtest));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Users over ranks: contiguous ranges of user indices; rank r owns [cuts[r], cuts[r+1]). "rows" balances the rows
   plus one per user (a user without rows still costs its d x d work), "users" the user counts */
static PetscErrorCode UsersPartitionCompute(Users *u)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(u->size + 1, &u->cuts));
  u->cuts[0]       = 0;
  u->cuts[u->size] = u->U;
  if (u->partition == USERS_PARTITION_CUTS) {
    for (PetscMPIInt r = 1; r < u->size; r++) {
      u->cuts[r] = u->cuts_opt[r - 1];
      PetscCheck(u->cuts[r] >= u->cuts[r - 1] && u->cuts[r] <= u->U, u->comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "-curio_users_cuts must be non-decreasing user indices in [0, %" PetscInt_FMT "]", u->U);
    }
  } else {
    PetscReal total = 0, acc = 0;
    PetscInt  k = 0;
    for (PetscInt j = 0; j < u->U; j++) total += u->partition == USERS_PARTITION_ROWS ? (PetscReal) (u->nrows[j] + 1) : 1.0;
    for (PetscMPIInt r = 1; r < u->size; r++) {
      PetscReal target = total * r / u->size;
      while (k < u->U && acc + 0.5 * (u->partition == USERS_PARTITION_ROWS ? (PetscReal) (u->nrows[k] + 1) : 1.0) <= target) {
        acc += u->partition == USERS_PARTITION_ROWS ? (PetscReal) (u->nrows[k] + 1) : 1.0;
        k++;
      }
      u->cuts[r] = k;
    }
  }
  u->set.U      = u->U;
  u->set.ufirst = u->cuts[u->rank];
  u->set.nu     = u->cuts[u->rank + 1] - u->cuts[u->rank];
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscMPIInt Owner(Users *u, PetscInt k)
{
  PetscMPIInt lo = 0, hi = u->size - 1; /* the last r with cuts[r] <= k */
  while (lo < hi) {
    PetscMPIInt mid = (lo + hi + 1) / 2;
    if (u->cuts[mid] <= k) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/* This rank's rows of a design matrix, row-major nlocal x d */
static PetscErrorCode DesignRows(Mat Phi, PetscReal **rows)
{
  PetscInt m, N, rstart;

  PetscFunctionBeginUser;
  PetscCall(MatGetLocalSize(Phi, &m, NULL));
  PetscCall(MatGetSize(Phi, NULL, &N));
  PetscCall(MatGetOwnershipRange(Phi, &rstart, NULL));
  PetscCall(PetscCalloc1(PetscMax(m * N, 1), rows));
  if (CurioMatIsAIJ(Phi)) {
    for (PetscInt i = 0; i < m; i++) {
      PetscInt           nc;
      const PetscInt    *cols;
      const PetscScalar *v;
      PetscCall(MatGetRow(Phi, rstart + i, &nc, &cols, &v));
      for (PetscInt c = 0; c < nc; c++) (*rows)[i * N + cols[c]] = v[c];
      PetscCall(MatRestoreRow(Phi, rstart + i, &nc, &cols, &v));
    }
  } else {
    const PetscReal *a;
    PetscInt         mm, NN, lda;
    PetscCall(CurioMatGetLocalArrayRead(Phi, &a, &mm, &NN, &lda));
    for (PetscInt j = 0; j < N; j++)
      for (PetscInt i = 0; i < m; i++) (*rows)[i * N + j] = a[i + j * lda];
    PetscCall(CurioMatRestoreLocalArrayRead(Phi, &a));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Sends every local row (record: global row, user index, y, w, phi) to the rank of its user; recv gets the records
   this rank owns, ordered by source rank, then by global row. phi is freed once packed, before the receive buffer
   exists, so that a rank holds at most two copies of its rows */
static PetscErrorCode ExchangeRows(Users *u, const CurioRows *rows, const PetscInt *kuser, PetscReal **phi, Exchange *ex, PetscReal **recv)
{
  PetscInt   R = u->d + 4, *fill;
  PetscReal *sbuf;
  PetscInt   tot = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc4(u->size, &ex->scnt, u->size, &ex->sdsp, u->size, &ex->rcnt, u->size, &ex->rdsp));
  PetscCall(PetscMalloc1(PetscMax(rows->nlocal, 1), &ex->order));
  for (PetscInt i = 0; i < rows->nlocal; i++) ex->scnt[Owner(u, kuser[i])]++;
  PetscCallMPI(MPI_Alltoall(ex->scnt, 1, MPI_INT, ex->rcnt, 1, MPI_INT, u->comm));
  ex->nsend = rows->nlocal;
  ex->nrecv = 0;
  for (PetscMPIInt r = 0; r < u->size; r++) {
    ex->sdsp[r] = (PetscMPIInt) tot;
    tot += ex->scnt[r];
    ex->rdsp[r] = (PetscMPIInt) ex->nrecv;
    ex->nrecv += ex->rcnt[r];
  }
  PetscCall(PetscMalloc1(u->size, &fill));
  for (PetscMPIInt r = 0; r < u->size; r++) fill[r] = ex->sdsp[r];
  PetscCall(PetscMalloc1(PetscMax(rows->nlocal * R, 1), &sbuf));
  for (PetscInt i = 0; i < rows->nlocal; i++) {
    PetscInt   pos = fill[Owner(u, kuser[i])]++;
    PetscReal *rec = sbuf + pos * R;
    ex->order[i]   = pos;
    rec[0]         = (PetscReal) (rows->rstart + i);
    rec[1]         = (PetscReal) kuser[i];
    rec[2]         = rows->y ? rows->y[i] : (PetscReal) NAN;
    rec[3]         = rows->w ? rows->w[i] : 1.0;
    PetscCall(PetscArraycpy(rec + 4, *phi + i * u->d, u->d));
  }
  PetscCall(PetscFree(fill));
  PetscCall(PetscFree(*phi));
  PetscCall(PetscMalloc1(PetscMax(ex->nrecv * R, 1), recv));
  {
    PetscMPIInt *sc, *sd, *rc, *rd;
    PetscCall(PetscMalloc4(u->size, &sc, u->size, &sd, u->size, &rc, u->size, &rd));
    for (PetscMPIInt r = 0; r < u->size; r++) {
      PetscCall(PetscMPIIntCast(ex->scnt[r] * R, &sc[r]));
      PetscCall(PetscMPIIntCast(ex->sdsp[r] * R, &sd[r]));
      PetscCall(PetscMPIIntCast(ex->rcnt[r] * R, &rc[r]));
      PetscCall(PetscMPIIntCast(ex->rdsp[r] * R, &rd[r]));
    }
    PetscCallMPI(MPI_Alltoallv(sbuf, sc, sd, MPIU_REAL, *recv, rc, rd, MPIU_REAL, u->comm));
    PetscCall(PetscFree4(sc, sd, rc, rd));
  }
  PetscCall(PetscFree(sbuf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The reverse of ExchangeRows: Q values per received record back to the rank that sent it, into out (local row order) */
static PetscErrorCode ExchangeBack(Users *u, Exchange *ex, PetscInt Q, const PetscReal *res, PetscReal *out)
{
  PetscMPIInt *sc, *sd, *rc, *rd;
  PetscReal   *buf;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc4(u->size, &sc, u->size, &sd, u->size, &rc, u->size, &rd));
  for (PetscMPIInt r = 0; r < u->size; r++) {
    PetscCall(PetscMPIIntCast(ex->rcnt[r] * Q, &sc[r]));
    PetscCall(PetscMPIIntCast(ex->rdsp[r] * Q, &sd[r]));
    PetscCall(PetscMPIIntCast(ex->scnt[r] * Q, &rc[r]));
    PetscCall(PetscMPIIntCast(ex->sdsp[r] * Q, &rd[r]));
  }
  PetscCall(PetscMalloc1(PetscMax(ex->nsend * Q, 1), &buf));
  PetscCallMPI(MPI_Alltoallv(res, sc, sd, MPIU_REAL, buf, rc, rd, MPIU_REAL, u->comm));
  for (PetscInt i = 0; i < ex->nsend; i++) PetscCall(PetscArraycpy(out + i * Q, buf + ex->order[i] * Q, Q));
  PetscCall(PetscFree(buf));
  PetscCall(PetscFree4(sc, sd, rc, rd));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ExchangeDestroy(Exchange *ex)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree4(ex->scnt, ex->sdsp, ex->rcnt, ex->rdsp));
  PetscCall(PetscFree(ex->order));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The received training records grouped by user (a stable counting sort: within a user, increasing global row, so a
   user's sums do not depend on the layout) */
static PetscErrorCode GroupRows(Users *u, PetscInt nrecv, const PetscReal *recv)
{
  CurioUserSet *st = &u->set;
  PetscInt      d = u->d, R = d + 4, *fill;

  PetscFunctionBeginUser;
  st->d = d;
  PetscCall(PetscCalloc1(st->nu + 1, &st->off));
  PetscCall(PetscMalloc1(PetscMax(st->nu, 1), &st->id));
  for (PetscInt j = 0; j < st->nu; j++) {
    st->id[j]      = u->ids[st->ufirst + j];
    st->off[j + 1] = st->off[j] + u->nrows[st->ufirst + j];
  }
  PetscCheck(st->off[st->nu] == nrecv, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Row exchange lost rows");
  PetscCall(PetscMalloc3(PetscMax(nrecv * d, 1), &st->phi, PetscMax(nrecv, 1), &st->y, PetscMax(nrecv, 1), &st->w));
  PetscCall(PetscMalloc1(PetscMax(st->nu, 1), &fill));
  for (PetscInt j = 0; j < st->nu; j++) fill[j] = st->off[j];
  /* records arrive by source rank and, within one, by global row; the reader's split is contiguous by rank, so this
     order is the global row order */
  for (PetscInt i = 0; i < nrecv; i++) {
    const PetscReal *rec = recv + i * R;
    PetscInt         pos = fill[(PetscInt) rec[1] - st->ufirst]++;
    st->y[pos]           = rec[2];
    st->w[pos]           = rec[3];
    PetscCall(PetscArraycpy(st->phi + pos * d, rec + 4, d));
  }
  PetscCall(PetscFree(fill));
  PetscCall(PetscMalloc3(PetscMax(st->nu * d, 1), &st->theta, PetscMax(st->nu * d, 1), &st->theta_dot, PetscMax(st->nu, 1), &st->its));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscInt MaxRows(const CurioUserSet *st)
{
  PetscInt m = 0;
  for (PetscInt j = 0; j < st->nu; j++) m = PetscMax(m, st->off[j + 1] - st->off[j]);
  return m;
}

/* CPU seconds of this process (PetscGetCPUTime() of PETSc 3.18 is not in seconds on Linux) */
static PetscLogDouble CPUSeconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (PetscLogDouble) ts.tv_sec + 1e-9 * (PetscLogDouble) ts.tv_nsec;
}

/* The message of a user whose H_u did not factor (CurioUserHessianFactor() records it in wk->info), the first one per
   rank: every rank then raises the first of all (CurioAgreeOnError()) */
static PetscErrorCode UserFactorFailure(CurioUserWork *wk, PetscInt id, PetscInt n, PetscReal s, const char *what, PetscInt *bad, PetscInt key,
                                        char msg[], size_t len)
{
  PetscFunctionBeginUser;
  if (wk->info && *bad < 0) {
    *bad = key;
    PetscCall(PetscSNPrintf(msg, len,
                            "User %" PetscInt_FMT " (%" PetscInt_FMT " rows): H_u = sum_i w_i l''_i phi_i phi_i^T + s I is not positive definite "
                            "in floating point at s = %g (LAPACK dpotrf info %d; tr(H_u - s I) = %g): raise %s above about %g",
                            id, n, (double) s, (int) wk->info, (double) wk->trace, what, (double) (16 * wk->d * PETSC_MACHINE_EPSILON * wk->trace)));
  }
  wk->info = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Every local user's theta_u and theta_u_dot at s (eq. 98) */
static PetscErrorCode UsersFit(Users *u)
{
  CurioUserSet  *st = &u->set;
  CurioUserWork  wk;
  CurioUserModel um = {u->loss, u->s, u->s0_given ? u->s0 : u->s, u->theta0, u->theta0_dot, u->maxit, u->rtol};
  PetscInt       d = u->d, bad = -1, its = 0;
  char           msg[512] = "";
  PetscBool      any;
  PetscLogDouble t0, t1, c0, c1;
  PetscReal      tl;
  struct {
    double v;
    int    id;
  } errmax = {0, -1};

  PetscFunctionBeginUser;
  if (u->umodel == USERS_MODEL_INDEPENDENT) um.theta0 = um.theta0_dot = u->zeros;
  if (u->umodel == USERS_MODEL_HIERARCHY) {
    /* the joint optimum starts from the global model; beta and d beta/ds then stand in for theta0 and theta0_dot */
    PetscCall(PetscMalloc2(PetscMax(st->nu, 1), &u->rho, PetscMax(st->nu, 1), &u->rho_dot));
    PetscCall(CurioUsersHierarchySolve(u->comm, u->loss, u->s, st, u->common.monitor, u->theta0, u->theta0_dot, u->rho, u->rho_dot, &u->hier_tao,
                                       &u->hier_ksp, &u->hier_residual));
    u->its_max = u->hier_tao;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (u->umodel == USERS_MODEL_POOLED) {
    for (PetscInt j = 0; j < st->nu; j++) {
      PetscCall(PetscArraycpy(st->theta + j * d, u->theta0, d));
      PetscCall(PetscArraycpy(st->theta_dot + j * d, u->theta0_dot, d));
      st->its[j] = 0;
    }
    u->its_max = 0;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscTime(&t0));
  c0 = CPUSeconds();
  PetscCall(CurioUserWorkCreate(d, MaxRows(st), &wk));
  for (PetscInt j = 0; j < st->nu; j++) {
    PetscInt  o = st->off[j], n = st->off[j + 1] - o;
    PetscBool conv;
    PetscCall(CurioUserFit(&um, n, st->phi + o * d, st->y + o, st->w + o, &wk, st->theta + j * d, st->theta_dot + j * d, &st->its[j], &conv));
    its = PetscMax(its, st->its[j]);
    if (wk.info) conv = PETSC_TRUE; /* the factor's failure is the message */
    PetscCall(UserFactorFailure(&wk, st->id[j], n, u->s, "-curio_s", &bad, st->ufirst + j, msg, sizeof(msg)));
    if (wk.err > errmax.v) errmax.v = wk.err, errmax.id = (int) st->id[j];
    if (!conv && bad < 0) {
      bad = st->ufirst + j;
      PetscCall(PetscSNPrintf(msg, sizeof(msg),
                              "Newton's method for user %" PetscInt_FMT " (%" PetscInt_FMT " rows) did not converge in %" PetscInt_FMT
                              " iterations; raise -curio_users_newton_maxit or -curio_s",
                              st->id[j], n, u->maxit));
    }
  }
  PetscCall(CurioUserWorkDestroy(&wk));
  PetscCall(PetscTime(&t1));
  c1 = CPUSeconds();
  tl = t1 - t0; /* this rank's work alone: the reductions below would add the wait for the slowest rank */
  PetscCallMPI(MPIU_Allreduce(&tl, &u->t_users, 1, MPIU_REAL, MPIU_MAX, u->comm));
  tl = c1 - c0; /* CPU seconds: what the rank computed, whatever else shares its core */
  PetscCallMPI(MPIU_Allreduce(&tl, &u->t_users_cpu, 1, MPIU_REAL, MPIU_MAX, u->comm));
  PetscCall(CurioAgreeOnError(u->comm, bad, msg, (PetscMPIInt) sizeof(msg), &any));
  PetscCheck(!any, u->comm, PETSC_ERR_NOT_CONVERGED, "%s", msg);
  PetscCallMPI(MPIU_Allreduce(&its, &u->its_max, 1, MPIU_INT, MPI_MAX, u->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &errmax, 1, MPI_DOUBLE_INT, MPI_MAXLOC, u->comm));
  u->tangent_err = errmax.v;
  if (errmax.v > 1e-6)
    PetscCall(PetscPrintf(u->comm,
                          "curio: WARNING the users' tangents have an estimated relative error up to %.1e (user %d; /users attribute "
                          "tangent_forward_error): a user with one row or collinear rows has directions of curvature s = %g only, and "
                          "theta_u_dot and the scores built on it may be wrong in that proportion. Raise -curio_s\n",
                          errmax.v, errmax.id, (double) u->s));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The global model at s0 into theta0, theta0_dot (replicated) */
static PetscErrorCode GlobalSolve(Users *u, CurioFit fit, PetscReal s0, PetscReal *theta0, PetscReal *theta0_dot)
{
  Vec theta, theta_dot;

  PetscFunctionBeginUser;
  PetscCall(CurioFitSolve(fit, s0));
  PetscCall(CurioFitGetSolution(fit, &theta, &theta_dot));
  PetscCall(CurioVecGatherAll(theta, theta0));
  if (theta0_dot) PetscCall(CurioVecGatherAll(theta_dot, theta0_dot));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The global model at the final s0 (s0 = s unless theta0 has its own), with sigma^2 for the expected SLD */
static PetscErrorCode GlobalFinal(Users *u, CurioFit fit)
{
  PetscLogDouble t0, t1;

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&t0));
  if (!u->s0_given) u->s0 = u->s;
  PetscCall(GlobalSolve(u, fit, u->s0, u->theta0, u->theta0_dot));
  PetscCall(CurioFitGetDiagnostics(fit, &u->sigma2, NULL));
  PetscCall(PetscTime(&t1));
  u->t_global += t1 - t0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode GlobalDestroy(CurioFit *fit, Mat *Phi, Vec *y, Vec *w)
{
  PetscFunctionBeginUser;
  PetscCall(CurioFitDestroy(fit));
  PetscCall(MatDestroy(Phi));
  PetscCall(VecDestroy(y));
  PetscCall(VecDestroy(w));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Per-user LOOCV over the grid with each user's model at s and theta0(s) (theta0(s0) when theta0 has its own s0) held
   while a row is left out. Squared loss: exact, CV(s) = (1/n) sum over all rows of (r_i/(1 - h_i))^2, by the limit-safe
   eigen route of the fit mode (CurioLOOCVCreateRows(), docs/math.md "Cross-validation"): a user with fewer rows than
   parameters has h_i -> 1 as s -> 0, where 1 - h_i and r_i computed as differences lose every digit. Other losses: the
   approximate deviance of eq. 44 (CurioUserApproxLOO()). */
static PetscErrorCode UsersLOOCV(Users *u)
{
  CurioUserSet  *st = &u->set;
  CurioUserWork  wk;
  PetscInt       d = u->d, bad = -1;
  PetscReal     *loc, *theta, *theta_dot;
  PetscLogDouble t0, t1;
  char           msg[512] = "";
  PetscBool      any;

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&t0));
  PetscCall(CurioUserWorkCreate(d, MaxRows(st), &wk));
  PetscCall(PetscCalloc1(u->ns, &loc));
  PetscCall(PetscMalloc2(d, &theta, d, &theta_dot));
  if (u->loss == CURIO_LOSS_SQUARED) {
    PetscReal *z, *cv;
    PetscCall(PetscMalloc2(PetscMax(1, MaxRows(st) * u->ns), &z, u->ns, &cv));
    for (PetscInt j = 0; j < st->nu; j++) {
      PetscInt         o = st->off[j], n = st->off[j + 1] - o;
      const PetscReal *phi = st->phi + o * d;
      CurioLOOCV       loo;
      if (!n) continue;
      /* the labels of the user's ridge regression toward 0 at s_g: y - Phi_u theta0(s_g) */
      for (PetscInt g = 0; g < u->ns; g++) {
        const PetscReal *th0 = u->umodel == USERS_MODEL_INDEPENDENT ? u->zeros : u->theta0_grid + g * d;
        for (PetscInt i = 0; i < n; i++) {
          PetscReal eta = 0;
          for (PetscInt k = 0; k < d; k++) eta += phi[i * d + k] * th0[k];
          z[i + g * n] = st->y[o + i] - eta;
        }
      }
      PetscCall(CurioLOOCVCreateRows(n, d, phi, st->y + o, st->w + o, &loo));
      PetscCall(CurioLOOCVEvaluateLabels(loo, u->ns, u->grid, z, cv));
      PetscCall(CurioLOOCVDestroy(&loo));
      for (PetscInt g = 0; g < u->ns; g++) loc[g] += n * cv[g];
    }
    PetscCall(PetscFree2(z, cv));
  } else {
    for (PetscInt g = 0; g < u->ns; g++) {
      CurioUserModel um = {u->loss,  u->grid[g], u->grid[g], u->umodel == USERS_MODEL_INDEPENDENT ? u->zeros : u->theta0_grid + g * d,
                           u->zeros, u->maxit,   u->rtol};
      for (PetscInt j = 0; j < st->nu; j++) {
        PetscInt  o = st->off[j], n = st->off[j + 1] - o;
        PetscReal sum;
        PetscBool conv = PETSC_TRUE;
        PetscCall(CurioUserApproxLOO(&um, n, st->phi + o * d, st->y + o, st->w + o, &wk, theta, theta_dot, &sum, &conv));
        if (wk.info) conv = PETSC_TRUE;
        PetscCall(UserFactorFailure(&wk, st->id[j], n, u->grid[g], "-curio_users_loocv_smin", &bad, st->ufirst + j, msg, sizeof(msg)));
        if (!conv && bad < 0) {
          bad = st->ufirst + j;
          PetscCall(PetscSNPrintf(msg, sizeof(msg),
                                  "LOOCV: Newton's method for user %" PetscInt_FMT " did not converge at s = %g; raise -curio_users_loocv_smin or "
                                  "-curio_users_newton_maxit",
                                  st->id[j], (double) u->grid[g]));
        }
        loc[g] += sum;
      }
    }
  }
  PetscCall(CurioAgreeOnError(u->comm, bad, msg, (PetscMPIInt) sizeof(msg), &any));
  PetscCheck(!any, u->comm, PETSC_ERR_NOT_CONVERGED, "%s", msg);
  PetscCallMPI(MPIU_Allreduce(loc, u->cv, u->ns, MPIU_REAL, MPIU_SUM, u->comm));
  u->s_opt  = u->grid[0];
  u->cv_opt = PETSC_MAX_REAL;
  for (PetscInt g = 0; g < u->ns; g++) {
    u->cv[g] /= (PetscReal) u->train->n;
    if (u->cv[g] < u->cv_opt) {
      u->cv_opt = u->cv[g];
      u->s_opt  = u->grid[g];
    }
  }
  PetscCall(PetscFree2(theta, theta_dot));
  PetscCall(PetscFree(loc));
  PetscCall(CurioUserWorkDestroy(&wk));
  PetscCall(PetscTime(&t1));
  u->t_loocv = t1 - t0;
  if (u->common.monitor)
    PetscCall(PetscPrintf(u->comm, "curio: users LOOCV over %" PetscInt_FMT " values of s in [%g, %g]: s_opt = %.6e, CV = %.6e (%.3f s)\n", u->ns,
                          (double) u->smin, (double) u->smax, (double) u->s_opt, (double) u->cv_opt, t1 - t0));
  if ((u->s_opt == u->grid[0] || u->s_opt == u->grid[u->ns - 1]))
    PetscCall(PetscPrintf(u->comm, "curio: WARNING the users' LOOCV minimum is at an end of the grid (s = %g); widen -curio_users_loocv_smin/smax\n",
                          (double) u->s_opt));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Scores of received candidate records with their user's model: f, mean, fdot, sld, sld_expected, var */
static PetscErrorCode ScoreRecords(Users *u, PetscInt nrec, const PetscReal *recs, PetscReal *res)
{
  CurioUserSet        *st = &u->set;
  CurioUserWork        wk;
  CurioUserModel       um = {u->loss, u->s, u->s, u->theta0, u->theta0_dot, 1, 0};
  PetscInt             d = u->d, R = d + 4, cur = -1;
  PetscReal           *x;
  const CurioLossInfo *loss;

  PetscFunctionBeginUser;
  PetscCall(CurioLossGetInfo(u->loss, &loss));
  PetscCall(CurioUserWorkCreate(d, MaxRows(st), &wk));
  PetscCall(PetscMalloc1(d, &x));
  for (PetscInt i = 0; i < nrec; i++) {
    const PetscReal *rec = recs + i * R, *phi = rec + 4;
    PetscInt         j = (PetscInt) rec[1] - st->ufirst, o = st->off[j], n = st->off[j + 1] - o;
    PetscReal       *r = res + i * NSCORE, f = 0, fd = 0, var;
    if (j != cur && u->umodel != USERS_MODEL_POOLED &&
        u->umodel != USERS_MODEL_HIERARCHY) { /* one user's records come together in the usual case: refactor on a change */
      PetscCall(CurioUserHessianFactor(&um, n, st->phi + o * d, st->y + o, st->w + o, st->theta + j * d, &wk));
      cur = j;
    }
    for (PetscInt c = 0; c < d; c++) {
      f += phi[c] * st->theta[j * d + c];
      fd += phi[c] * st->theta_dot[j * d + c];
    }
    PetscCall(CurioModelLabelVariance(u->model, f, u->sigma2, &var));
    PetscCall(PetscArraycpy(x, phi, d));
    if (u->umodel != USERS_MODEL_POOLED && u->umodel != USERS_MODEL_HIERARCHY) PetscCall(CurioUserFactorSolve(&wk, x));
    r[0] = f;
    r[1] = loss->mean(f);
    r[2] = fd;
    r[3] = fd * fd;
    r[4] = var * fd * fd;
    r[5] = 0;
    for (PetscInt c = 0; c < d; c++) r[5] += phi[c] * x[c];
    /* pooled: H is the global one, not kept; hierarchy: a user's block of H^{-1} couples it with beta, not computed */
    if (u->umodel == USERS_MODEL_POOLED || u->umodel == USERS_MODEL_HIERARCHY) r[5] = (PetscReal) NAN;
  }
  PetscCall(PetscFree(x));
  PetscCall(CurioUserWorkDestroy(&wk));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Candidates (and the test set): design rows, sent to their users' ranks, scored there, sent back */
static PetscErrorCode UsersScore(Users *u)
{
  PetscLogDouble t0, t1;

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&t0));
  if (u->has_cand) {
    Mat        Phi;
    PetscReal *phi, *recv, *res;
    Exchange   ex;
    PetscCall(CurioModelBuildDesign(u->model, u->cand, &Phi));
    PetscCall(DesignRows(Phi, &phi));
    PetscCall(MatDestroy(&Phi));
    PetscCall(ExchangeRows(u, u->cand, u->kcand, &phi, &ex, &recv));
    PetscCall(PetscMalloc1(PetscMax(ex.nrecv * NSCORE, 1), &res));
    PetscCall(ScoreRecords(u, ex.nrecv, recv, res));
    /* the best candidate of each local user by the selection score (ties: the smaller index) */
    PetscCall(PetscMalloc2(PetscMax(u->set.nu, 1), &u->best_index, PetscMax(u->set.nu, 1), &u->best_score));
    for (PetscInt j = 0; j < u->set.nu; j++) {
      u->best_index[j] = -1;
      u->best_score[j] = (PetscReal) NAN;
    }
    for (PetscInt i = 0; i < ex.nrecv; i++) {
      PetscInt  j = (PetscInt) recv[i * (u->d + 4) + 1] - u->set.ufirst, gi = (PetscInt) recv[i * (u->d + 4)];
      PetscReal sc = res[i * NSCORE + 3 + u->select_by];
      if (u->best_index[j] < 0 || sc > u->best_score[j] || (sc == u->best_score[j] && gi < u->best_index[j])) {
        u->best_index[j] = gi;
        u->best_score[j] = sc;
      }
    }
    PetscCall(PetscMalloc1(PetscMax(u->cand->nlocal * NSCORE, 1), &u->cand_scores));
    PetscCall(ExchangeBack(u, &ex, NSCORE, res, u->cand_scores));
    PetscCall(PetscFree(res));
    PetscCall(PetscFree(recv));
    PetscCall(ExchangeDestroy(&ex));
  }
  if (u->has_test) {
    Mat        Phi;
    PetscReal *phi, *recv, *res, se = 0, sum;
    Exchange   ex;
    PetscCall(CurioModelBuildDesign(u->model, u->test, &Phi));
    PetscCall(DesignRows(Phi, &phi));
    PetscCall(MatDestroy(&Phi));
    PetscCall(ExchangeRows(u, u->test, u->ktest, &phi, &ex, &recv));
    PetscCall(PetscMalloc1(PetscMax(ex.nrecv * NSCORE, 1), &res));
    PetscCall(ScoreRecords(u, ex.nrecv, recv, res));
    for (PetscInt i = 0; i < ex.nrecv; i++) res[i] = res[i * NSCORE + 1]; /* the mean response */
    PetscCall(PetscMalloc1(PetscMax(u->test->nlocal, 1), &u->test_f));
    PetscCall(ExchangeBack(u, &ex, 1, res, u->test_f));
    for (PetscInt i = 0; i < u->test->nlocal; i++)
      if (u->test->y) se += (u->test->y[i] - u->test_f[i]) * (u->test->y[i] - u->test_f[i]);
    PetscCallMPI(MPIU_Allreduce(&se, &sum, 1, MPIU_REAL, MPIU_SUM, u->comm));
    u->test_rmse = PetscSqrtReal(sum / PetscMax(u->test->n, 1));
    PetscCall(PetscFree(res));
    PetscCall(PetscFree(recv));
    PetscCall(ExchangeDestroy(&ex));
  }
  if (u->has_cand && u->select_k > 0) {
    Vec      v;
    PetscInt lo;
    PetscCall(VecCreateMPI(u->comm, u->cand->nlocal, u->cand->n, &v));
    PetscCall(VecGetOwnershipRange(v, &lo, NULL));
    for (PetscInt i = 0; i < u->cand->nlocal; i++) PetscCall(VecSetValue(v, lo + i, u->cand_scores[i * NSCORE + 3 + u->select_by], INSERT_VALUES));
    PetscCall(VecAssemblyBegin(v));
    PetscCall(VecAssemblyEnd(v));
    PetscCheck(u->select_k <= u->cand->n, u->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-curio_users_select_k must be at most the number of candidates, %" PetscInt_FMT, u->cand->n);
    PetscCall(PetscMalloc3(u->select_k, &u->sel_index, u->select_k, &u->sel_user, u->select_k, &u->sel_score));
    PetscCall(CurioSelectTopK(v, u->select_k, u->sel_index, u->sel_score));
    {
      PetscInt *loc;
      PetscCall(PetscMalloc1(u->select_k, &loc));
      for (PetscInt q = 0; q < u->select_k; q++) {
        PetscInt i = u->sel_index[q] - lo;
        loc[q]     = i >= 0 && i < u->cand->nlocal ? u->ids[u->kcand[i]] : -1;
      }
      PetscCallMPI(MPIU_Allreduce(loc, u->sel_user, u->select_k, MPIU_INT, MPI_MAX, u->comm));
      PetscCall(PetscFree(loc));
    }
    PetscCall(VecDestroy(&v));
  }
  PetscCall(PetscTime(&t1));
  u->t_scores = t1 - t0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One int64 dataset of U entries from the local users' slab, on the /users/id axis */
static PetscErrorCode WriteUserInts(CurioOutput out, Users *u, const char name[], const PetscInt *local, const char scale[])
{
  PetscFunctionBeginUser;
  PetscCall(CurioOutputCreateArray(out, name, u->U, PETSC_TRUE, scale));
  PetscCall(CurioOutputWriteIntSlab(out, name, u->set.ufirst, u->set.nu, local));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The root's attributes: schema, kind, version, ranks, input and the options of the run, one per line */
static PetscErrorCode UsersWriteProvenance(CurioOutput out, Users *u)
{
  char *opts, *c;

  PetscFunctionBeginUser;
  PetscCall(CurioOutputSetAttributeInt(out, "/", "schema_version", 1));
  PetscCall(CurioOutputSetAttributeString(out, "/", "kind", "users"));
  PetscCall(CurioOutputSetAttributeString(out, "/", "curio_version", CURIO_VERSION));
  PetscCall(CurioOutputSetAttributeInt(out, "/", "nranks", u->size));
  PetscCall(CurioOutputSetAttributeString(out, "/", "input", u->common.input));
  PetscCall(PetscOptionsGetAll(NULL, &opts));
  for (c = opts; *c; c++)
    if (*c == ' ' && c[1] == '-' && !(c[2] >= '0' && c[2] <= '9') && c[2] != '.') *c = '\n';
  PetscCall(CurioOutputSetAttributeString(out, "/", "options", opts));
  PetscCall(PetscFree(opts));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* /users: the users' axis /users/id, each user's rows, rank, iterations, theta_u and its derivative (and rho_u for
   the hierarchy), and the attributes of the fit */
static PetscErrorCode UsersWriteUsers(CurioOutput out, Users *u)
{
  PetscInt    d    = u->d, *tmp;
  const char *tied = u->s0_given ? "separate" : "shared";

  PetscFunctionBeginUser;
  /* the users' axis: /users/id is the dimension scale of every per-user dataset */
  PetscCall(CurioOutputCreateArray(out, "/users/id", u->U, PETSC_TRUE, NULL));
  PetscCall(CurioOutputWriteIntSlab(out, "/users/id", u->set.ufirst, u->set.nu, u->set.id));
  PetscCall(PetscMalloc1(PetscMax(u->set.nu, 1), &tmp));
  for (PetscInt j = 0; j < u->set.nu; j++) tmp[j] = u->set.off[j + 1] - u->set.off[j];
  PetscCall(WriteUserInts(out, u, "/users/n_rows", tmp, "/users/id"));
  for (PetscInt j = 0; j < u->set.nu; j++) tmp[j] = u->rank;
  PetscCall(WriteUserInts(out, u, "/users/rank", tmp, "/users/id"));
  PetscCall(WriteUserInts(out, u, "/users/newton_iterations", u->set.its, "/users/id"));
  PetscCall(PetscFree(tmp));
  PetscCall(CurioOutputWriteRowsLocal(out, "/users/theta", u->U, d, u->set.ufirst, u->set.nu, u->set.theta, "/users/id"));
  PetscCall(CurioOutputWriteRowsLocal(out, "/users/theta_dot", u->U, d, u->set.ufirst, u->set.nu, u->set.theta_dot, "/users/id"));
  {
    const char *meaning[] = {"argmin_theta sum_{i in D_u} w_i l_i(theta) + s/2 ||theta - theta0||^2 (eq. 97)",
                             "argmin_theta sum_{i in D_u} w_i l_i(theta) + s/2 ||theta||^2 (independent users)",
                             "theta0 (pooled: one model for all users)",
                             "beta + theta_u at the joint optimum of the regularizer hierarchy (section 3.4.2, MATH.md section 7)"};
    const char *deriv[] = {u->s0_given ? "d theta_u/ds + (s0/s) d theta_u/ds0 = H_u^{-1} [s0 theta0_dot - (theta_u - theta0)] (theta0 has its own s0)"
                                       : "d theta_u/ds, total, through theta0(s) = H_u^{-1} [s theta0_dot - (theta_u - theta0)] (eq. 98)",
                           "d theta_u/ds = -H_u^{-1} theta_u (independent users)", "d theta0/ds0 (pooled)",
                           "d (beta + theta_u)/ds from the joint tangent -H^{-1} (0, 0, rho) over (beta, theta, rho)"};
    PetscCall(CurioOutputSetAttributeString(out, "/users/theta", "meaning", meaning[u->umodel]));
    PetscCall(CurioOutputSetAttributeString(out, "/users/theta_dot", "derivative", deriv[u->umodel]));
  }
  if (u->umodel == USERS_MODEL_HIERARCHY) {
    PetscCall(CurioOutputWriteRowsLocal(out, "/users/rho", u->U, 0, u->set.ufirst, u->set.nu, u->rho, "/users/id"));
    PetscCall(CurioOutputWriteRowsLocal(out, "/users/rho_dot", u->U, 0, u->set.ufirst, u->set.nu, u->rho_dot, "/users/id"));
    PetscCall(
        CurioOutputSetAttributeString(out, "/users/rho", "meaning", "log-precision of the user's deviation theta_u - beta (prior N(0, e^-rho I))"));
    PetscCall(CurioOutputSetAttributeString(out, "/users/rho_dot", "derivative", "d rho_u/ds from the joint tangent"));
    PetscCall(CurioOutputSetAttributeInt(out, "/users", "tao_iterations", u->hier_tao));
    PetscCall(CurioOutputSetAttributeInt(out, "/users", "ksp_iterations_tangent", u->hier_ksp));
    PetscCall(CurioOutputSetAttributeReal(out, "/users", "tangent_residual", u->hier_residual));
  }
  PetscCall(CurioOutputSetAttributeReal(out, "/users", "s", u->s));
  PetscCall(CurioOutputSetAttributeReal(out, "/users", "tangent_forward_error", u->tangent_err));
  PetscCall(CurioOutputSetAttributeReal(out, "/users", "s0", u->s0));
  PetscCall(CurioOutputSetAttributeString(out, "/users", "s0_mode", tied));
  PetscCall(CurioOutputSetAttributeString(out, "/users", "s_source", u->common.s_set ? "option" : "loocv"));
  PetscCall(CurioOutputSetAttributeString(out, "/users", "model", UsersModels[u->umodel]));
  PetscCall(CurioOutputSetAttributeInt(out, "/users", "n_users", u->U));
  PetscCall(CurioOutputSetAttributeInt(out, "/users", "newton_iterations_max", u->its_max));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* /global: the global model theta0 (beta for the hierarchy), its derivative and its settings */
static PetscErrorCode UsersWriteGlobal(CurioOutput out, Users *u)
{
  PetscInt             d = u->d;
  CurioRegularizerType reg;
  PetscBool            intercept;

  PetscFunctionBeginUser;
  PetscCall(CurioOutputWriteIndex(out, "/global/feature", d, 0, u->rank ? 0 : d));
  PetscCall(CurioOutputWriteArray(out, "/global/theta", d, u->theta0, "/global/feature"));
  PetscCall(CurioOutputWriteArray(out, "/global/theta_dot", d, u->theta0_dot, "/global/feature"));
  PetscCall(CurioOutputWriteScalar(out, "/global/s0", u->s0));
  PetscCall(CurioOutputSetAttributeString(out, "/global/theta_dot", "derivative",
                                          u->umodel == USERS_MODEL_HIERARCHY ? "d beta/ds from the joint tangent (hierarchy: /global/theta is beta)"
                                                                             : "d theta0/ds0 = -H0^{-1} grad R(theta0) (eq. 64)"));
  PetscCall(CurioOutputSetAttributeString(out, "/global", "loss", CurioLossTypes[u->loss]));
  PetscCall(CurioModelGetRegularizer(u->model, &reg));
  PetscCall(CurioModelGetFeatureMap(u->model, NULL, NULL, &intercept));
  PetscCall(CurioOutputSetAttributeString(out, "/global", "regularizer", CurioRegularizerTypes[reg]));
  PetscCall(CurioOutputSetAttributeReal(out, "/global", "sigma2", u->sigma2));
  PetscCall(CurioOutputSetAttributeInt(out, "/global", "intercept", intercept));
  PetscCall(CurioOutputSetAttributeInt(out, "/global", "n_rows", u->train->n));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* /candidates, /scores, each user's best candidate and the top-k /selection */
static PetscErrorCode UsersWriteCandidates(CurioOutput out, Users *u)
{
  CurioRows         *cand          = u->cand;
  static const char *names[NSCORE] = {"/scores/f", "/scores/mean", "/scores/fdot", "/scores/sld", "/scores/sld_expected", "/scores/var"};
  PetscReal         *col;
  PetscInt          *uid;

  PetscFunctionBeginUser;
  PetscCall(CurioOutputWriteIndex(out, "/candidates/index", cand->n, cand->rstart, cand->nlocal));
  PetscCall(PetscMalloc2(PetscMax(cand->nlocal, 1), &col, PetscMax(cand->nlocal, 1), &uid));
  for (PetscInt i = 0; i < cand->nlocal; i++) uid[i] = u->ids[u->kcand[i]];
  PetscCall(CurioOutputCreateArray(out, "/candidates/user", cand->n, PETSC_TRUE, "/candidates/index"));
  PetscCall(CurioOutputWriteIntSlab(out, "/candidates/user", cand->rstart, cand->nlocal, uid));
  PetscCall(CurioOutputCreateArray(out, "/scores/user", cand->n, PETSC_TRUE, "candidate"));
  PetscCall(CurioOutputWriteIntSlab(out, "/scores/user", cand->rstart, cand->nlocal, uid));
  for (PetscInt q = 0; q < NSCORE; q++) {
    for (PetscInt i = 0; i < cand->nlocal; i++) col[i] = u->cand_scores[i * NSCORE + q];
    PetscCall(CurioOutputWriteRowsLocal(out, names[q], cand->n, 0, cand->rstart, cand->nlocal, col, "candidate"));
  }
  PetscCall(CurioOutputSetAttributeString(out, "/scores", "tangent", "the candidate's user's theta_u_dot (/users/theta_dot)"));
  PetscCall(CurioOutputSetAttributeString(out, "/scores", "var", "phi^T H_u^{-1} phi with the candidate's user's Hessian"));
  PetscCall(PetscFree2(col, uid));
  PetscCall(WriteUserInts(out, u, "/users/best_candidate", u->best_index, "/users/id"));
  PetscCall(CurioOutputWriteRowsLocal(out, "/users/best_score", u->U, 0, u->set.ufirst, u->set.nu, u->best_score, "/users/id"));
  PetscCall(CurioOutputSetAttributeString(out, "/users/best_score", "score", UsersScores[u->select_by]));
  if (u->select_k > 0) {
    PetscCall(CurioOutputWriteIntArray(out, "/selection/index", u->select_k, 0, u->sel_index));
    PetscCall(CurioOutputWriteIntArray(out, "/selection/user", u->select_k, 0, u->sel_user));
    PetscCall(CurioOutputWriteArray(out, "/selection/score", u->select_k, u->sel_score, NULL));
    PetscCall(CurioOutputSetAttributeString(out, "/selection", "score", UsersScores[u->select_by]));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* /test: each test row's user and prediction, and the RMSE when the input has the responses */
static PetscErrorCode UsersWriteTest(CurioOutput out, Users *u)
{
  CurioRows *test = u->test;
  PetscInt  *uid;

  PetscFunctionBeginUser;
  PetscCall(CurioOutputWriteIndex(out, "/test/index", test->n, test->rstart, test->nlocal));
  PetscCall(PetscMalloc1(PetscMax(test->nlocal, 1), &uid));
  for (PetscInt i = 0; i < test->nlocal; i++) uid[i] = u->ids[u->ktest[i]];
  PetscCall(CurioOutputCreateArray(out, "/test/user", test->n, PETSC_TRUE, "/test/index"));
  PetscCall(CurioOutputWriteIntSlab(out, "/test/user", test->rstart, test->nlocal, uid));
  PetscCall(PetscFree(uid));
  PetscCall(CurioOutputWriteRowsLocal(out, "/test/f", test->n, 0, test->rstart, test->nlocal, u->test_f, "/test/index"));
  if (test->y) PetscCall(CurioOutputWriteRowsLocal(out, "/test/y", test->n, 0, test->rstart, test->nlocal, test->y, "/test/index"));
  if (test->y) PetscCall(CurioOutputSetAttributeReal(out, "/test", "rmse", u->test_rmse));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* /loocv: the per-user LOOCV curve over the s grid and its optimum */
static PetscErrorCode UsersWriteLoocv(CurioOutput out, Users *u)
{
  PetscFunctionBeginUser;
  PetscCall(CurioOutputWriteArray(out, "/loocv/s", u->ns, u->grid, NULL));
  PetscCall(CurioOutputWriteArray(out, "/loocv/users", u->ns, u->cv, "/loocv/s"));
  PetscCall(CurioOutputWriteScalar(out, "/loocv/s_opt", u->s_opt));
  PetscCall(CurioOutputWriteScalar(out, "/loocv/cv_opt", u->cv_opt));
  PetscCall(CurioOutputSetAttributeString(
      out, "/loocv", "method",
      u->loss == CURIO_LOSS_SQUARED
          ? "per-user exact LOO, (1/n) sum_i (r_i/(1-h_i))^2; theta0(s) refit at every s and held while a row is left out"
          : "per-user approximate LOO (eq. 44), (2/n) sum_i [l_i + l'_i^2 h_i - l_sat(y_i)]; theta0(s) refit at every s and held"));
  PetscCall(CurioOutputSetAttributeInt(out, "/loocv", "at_boundary", (PetscInt) (u->s_opt == u->grid[0] || u->s_opt == u->grid[u->ns - 1])));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* /timing: the wall time of each stage and the peak resident memory */
static PetscErrorCode UsersWriteTiming(CurioOutput out, Users *u)
{
  const char *const names[] = {"read", "global", "users", "users_cpu", "loocv", "scores"};
  const PetscReal   t[]     = {u->t_read, u->t_global, u->t_users, u->t_users_cpu, u->t_loocv, u->t_scores};

  PetscFunctionBeginUser;
  PetscCall(CurioOutputWriteTiming(out, PETSC_STATIC_ARRAY_LENGTH(t), names, t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The users mode's output file, group by group */
/* The users output's schema: dimensions, units and long_name of every dataset (docs/design.md, "Output datasets") */
static const CurioOutputField UsersFields[] = {
    {"/users/id", NULL, "1", "user id"},
    {"/users/n_rows", "id", "1", "training rows of the user (0: cold start)"},
    {"/users/rank", "id", "1", "MPI rank that fitted the user"},
    {"/users/newton_iterations", "id", "1", "Newton iterations of the user's fit"},
    {"/users/theta", "id,feature", "[f]/[phi]", "the user's parameters theta_u (attribute meaning)"},
    {"/users/theta_dot", "id,feature", "[f]/[phi]", "the user's regularity tangent (attribute derivative)"},
    {"/users/rho", "id", "1", "log-precision of the user's deviation theta_u - beta"},
    {"/users/rho_dot", "id", "1", "d rho_u/ds from the joint tangent"},
    {"/users/best_candidate", "id", "1", "the user's best candidate by the selection score (-1: none)"},
    {"/users/best_score", "id", "[score]", "score of the user's best candidate"},
    {"/global/feature", NULL, "1", "model parameter (design-matrix column, 0-based)"},
    {"/global/theta", NULL, "[f]/[phi]", "global model theta0 (beta for the hierarchy)"},
    {"/global/theta_dot", NULL, "[f]/[phi]", "d theta0/ds0"},
    {"/global/s0", NULL, "1", "regularity s0 of the global model"},
    {"/candidates/index", NULL, "1", "candidate (0-based)"},
    {"/candidates/user", NULL, "1", "the candidate's user"},
    {"/scores/user", NULL, "1", "the candidate's user"},
    {"/scores/f", NULL, "[f]", "linear predictor eta = phi(x).theta_u"},
    {"/scores/mean", NULL, "[y]", "mean response h(eta)"},
    {"/scores/fdot", NULL, "[f]", "fdot = phi(x).theta_u_dot"},
    {"/scores/sld", NULL, "[f]^2", "unlabeled SLD, fdot^2"},
    {"/scores/sld_expected", NULL, "[y]^2 [f]^2", "expected SLD, Var(y given x) fdot^2"},
    {"/scores/var", NULL, "[f]^2", "predictive variance phi^T H_u^{-1} phi"},
    {"/selection/index", "selected", "1", "candidate index of the k-th pick across users"},
    {"/selection/user", "selected", "1", "user of the pick"},
    {"/selection/score", "selected", "[score]", "score of the pick"},
    {"/test/index", NULL, "1", "test row (0-based)"},
    {"/test/user", NULL, "1", "the test row's user"},
    {"/test/f", NULL, "[y]", "prediction with the row's user's model on the scale of y: the mean (eta, sigmoid(eta), exp(eta))"},
    {"/test/y", NULL, "[y]", "response of the test row"},
    {"/loocv/s", NULL, "1", "regularity s (grid)"},
    {"/loocv/users", NULL, "[loss]", "per-user leave-one-out CV curve summed over the users (README, Several users)"},
    {"/loocv/s_opt", NULL, "1", "regularity s at the CV minimum"},
    {"/loocv/cv_opt", NULL, "[loss]", "CV value at s_opt"},
};

/* The file's contents (a CurioOutputWrite() callback: a failed write removes the temporary file, the old output stays) */
static PetscErrorCode UsersWriteContents(CurioOutput out, void *ctx)
{
  Users         *u = (Users *) ctx;
  PetscLogDouble t0, t1;

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&t0));
  PetscCall(UsersWriteProvenance(out, u));
  PetscCall(UsersWriteUsers(out, u));
  PetscCall(UsersWriteGlobal(out, u));
  if (u->has_cand) PetscCall(UsersWriteCandidates(out, u));
  if (u->has_test) PetscCall(UsersWriteTest(out, u));
  if (u->cv) PetscCall(UsersWriteLoocv(out, u));
  PetscCall(PetscTime(&t1));
  u->t_write = t1 - t0;
  PetscCall(UsersWriteTiming(out, u));
  PetscCall(CurioOutputDescribeFields(out, PETSC_STATIC_ARRAY_LENGTH(UsersFields), UsersFields));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode UsersDestroy(Users *u)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(u->ids));
  PetscCall(PetscFree(u->nrows));
  PetscCall(PetscFree(u->cuts));
  PetscCall(PetscFree(u->ktrain));
  PetscCall(PetscFree(u->kcand));
  PetscCall(PetscFree(u->ktest));
  PetscCall(PetscFree2(u->theta0, u->theta0_dot));
  PetscCall(PetscFree(u->zeros));
  PetscCall(PetscFree2(u->rho, u->rho_dot));
  PetscCall(PetscFree3(u->grid, u->cv, u->theta0_grid));
  PetscCall(PetscFree(u->set.off));
  PetscCall(PetscFree(u->set.id));
  PetscCall(PetscFree3(u->set.phi, u->set.y, u->set.w));
  PetscCall(PetscFree3(u->set.theta, u->set.theta_dot, u->set.its));
  PetscCall(PetscFree(u->cand_scores));
  PetscCall(PetscFree(u->test_f));
  PetscCall(PetscFree2(u->best_index, u->best_score));
  PetscCall(PetscFree3(u->sel_index, u->sel_user, u->sel_score));
  PetscCall(CurioSolverDestroy(&u->solver));
  PetscCall(CurioModelDestroy(&u->model));
  PetscCall(CurioDataDestroy(&u->data));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioUsersMain - runs `curio -curio_mode users`: the global model theta0 and its tangent on every user's rows, then
  every user's model under parameter inheritance with its inherited tangent (eq. 98), the candidates' scores with their
  users' tangents and the top-k over all users, the per-user LOOCV curve (squared loss), one HDF5 output

  Collective

  Input Parameter:
. comm - the communicator of every rank of the run

  Notes:
  Options and layouts: README, "Several users"; decisions: docs/users.md.

.seealso: CurioProblemRun(), CurioFitSolve()
@*/
PetscErrorCode CurioUsersMain(MPI_Comm comm)
{
  Users          u;
  Mat            Phi;
  Vec            y, w;
  CurioFit       fit;
  PetscReal     *phi, *recv;
  Exchange       ex;
  PetscLogDouble t0, t1;

  PetscFunctionBeginUser;
  PetscCall(CurioInitializePackage());
  PetscCall(PetscMemzero(&u, sizeof(u)));
  u.comm = comm;
  PetscCallMPI(MPI_Comm_rank(comm, &u.rank));
  PetscCallMPI(MPI_Comm_size(comm, &u.size));
  PetscCall(UsersSetFromOptions(&u));
  PetscCall(CurioOutputCheckWritable(comm, u.common.output));
  PetscCall(PetscTime(&t0));
  PetscCall(CurioDataCreate(comm, &u.data));
  PetscCall(CurioDataLoadHDF5(u.data, u.common.input));
  PetscCall(CurioDataGetRows(u.data, CURIO_DATA_TRAIN, &u.train, NULL));
  PetscCall(CurioDataGetRows(u.data, CURIO_DATA_CANDIDATES, &u.cand, &u.has_cand));
  PetscCall(CurioDataGetRows(u.data, CURIO_DATA_TEST, &u.test, &u.has_test));
  PetscCall(UsersBuildSet(&u));
  PetscCall(PetscTime(&t1));
  u.t_read = t1 - t0;

  /* the global model on every row, in the reader's split */
  PetscCall(PetscTime(&t0));
  PetscCall(CurioModelSetUp(u.model, u.data));
  PetscCall(CurioModelGetSize(u.model, &u.d));
  PetscCall(CurioModelBuildDesign(u.model, u.train, &Phi));
  PetscCall(CurioModelCheckLabels(u.model, u.train, u.common.input, "train"));
  /* Phi holds the training inputs now (the users mode does not copy them into its output) */
  PetscCall(PetscFree(u.train->X));
  PetscCall(PetscFree(u.train->rowptr));
  PetscCall(PetscFree(u.train->colidx));
  PetscCall(PetscFree(u.train->vals));
  PetscCall(CurioRowVec(Phi, u.train->y, &y));
  PetscCall(CurioRowVec(Phi, u.train->w, &w));
  PetscCall(CurioFitCreate(u.model, Phi, y, w, u.solver, &fit));
  PetscCall(CurioFitSetMonitor(fit, PETSC_FALSE)); /* one line per grid point would drown the run's own lines */
  PetscCall(CurioFitSetUp(fit));
  PetscCall(PetscMalloc2(u.d, &u.theta0, u.d, &u.theta0_dot));
  PetscCall(PetscCalloc1(u.d, &u.zeros));
  if (u.loocv) {
    PetscCall(PetscMalloc3(u.ns, &u.grid, u.ns, &u.cv, u.ns * u.d, &u.theta0_grid));
    for (PetscInt g = 0; g < u.ns; g++) u.grid[g] = u.smin * PetscPowReal(u.smax / u.smin, (PetscReal) g / (PetscReal) (u.ns - 1));
    if (u.s0_given) {
      PetscCall(GlobalSolve(&u, fit, u.s0, u.theta0_grid, NULL));
      for (PetscInt g = 1; g < u.ns; g++) PetscCall(PetscArraycpy(u.theta0_grid + g * u.d, u.theta0_grid, u.d));
    } else
      for (PetscInt g = u.ns - 1; g >= 0; g--)
        PetscCall(GlobalSolve(&u, fit, u.grid[g], u.theta0_grid + g * u.d, NULL)); /* warm starts from large s down */
  }
  PetscCall(PetscTime(&t1));
  u.t_global = t1 - t0;

  /* whole users per rank; the training rows go to their users' ranks. Without LOOCV the global model is final now and
     its design matrix is freed before the exchange, so that at most about two copies of the rows exist at a time */
  if (!u.loocv) PetscCall(GlobalFinal(&u, fit));
  PetscCall(UsersPartitionCompute(&u));
  PetscCall(DesignRows(Phi, &phi));
  if (!u.loocv) PetscCall(GlobalDestroy(&fit, &Phi, &y, &w));
  PetscCall(ExchangeRows(&u, u.train, u.ktrain, &phi, &ex, &recv));
  PetscCall(GroupRows(&u, ex.nrecv, recv));
  PetscCall(PetscFree(recv));
  PetscCall(ExchangeDestroy(&ex));
  if (u.loocv) {
    PetscCall(UsersLOOCV(&u));
    if (!u.common.s_set) u.s = u.s_opt;
    PetscCall(GlobalFinal(&u, fit));
    PetscCall(GlobalDestroy(&fit, &Phi, &y, &w));
  }
  if (u.common.monitor)
    PetscCall(PetscPrintf(comm,
                          "curio: users: %" PetscInt_FMT " users, %" PetscInt_FMT " rows, d = %" PetscInt_FMT ", %d ranks; s = %g, s0 = %g (%s)\n",
                          u.U, u.train->n, u.d, u.size, (double) u.s, (double) u.s0, u.s0_given ? "own" : "shared"));

  PetscCall(PetscTime(&t0));
  PetscCall(UsersFit(&u));
  PetscCall(PetscTime(&t1));
  if (u.umodel == USERS_MODEL_HIERARCHY || u.umodel == USERS_MODEL_POOLED) u.t_users = t1 - t0;
  if (u.common.monitor)
    PetscCall(PetscPrintf(comm, "curio: users: theta_u and theta_u_dot of %" PetscInt_FMT " users in %.3f s (max over ranks of each rank's work)\n",
                          u.U, (double) u.t_users));
  PetscCall(UsersScore(&u));
  PetscCall(CurioOutputWrite(comm, u.common.output, UsersWriteContents, &u));
  if (u.common.monitor) PetscCall(PetscPrintf(comm, "curio: users: wrote %s\n", u.common.output));
  PetscCall(UsersDestroy(&u));
  PetscFunctionReturn(PETSC_SUCCESS);
}

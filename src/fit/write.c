/* CurioProblemWrite: the run's results in the HDF5 layout of README.md, "Output layout". Every dataset names its
   dimensions (local to its group) when it is written and gets its units and long_name from FitFields below, so that
   every group opens with xarray.open_dataset(f, engine="h5netcdf", group=g) (docs/design.md, "Output datasets"). */
#include "problemimpl.h"

/* The fit mode's output schema: units and long_name of every dataset it may write ([f] is the unit of the linear
   predictor phi.theta: [y] for squared loss, the logit or log-mean for logistic and Poisson; [loss] that of a loss
   term; [phi] that of a design-matrix column) */
static const CurioOutputField FitFields[] = {
    {"/train/x", NULL, "[x]", "1-D input"},
    {"/train/index", NULL, "1", "training row (0-based)"},
    {"/train/X", NULL, "[x]", "input features of the training row"},
    {"/train/feature_name", NULL, "1", "name of the input feature (the CSV column)"},
    {"/train/y", NULL, "[y]", "response (label) of the training row"},
    {"/train/weight", NULL, "1", "weight w_i of the row in the loss"},
    {"/train/f", NULL, "[f]", "linear predictor f = phi(x).theta at s"},
    {"/train/fdot", NULL, "[f]", "regularity tangent of the prediction, fdot = d f/ds = phi(x).theta_dot"},
    {"/model/feature", NULL, "1", "model parameter (design-matrix column, 0-based)"},
    {"/model/feature_name", NULL, "1", "name of the design-matrix column"},
    {"/model/theta", NULL, "[f]/[phi]", "optimum theta* at s"},
    {"/model/theta_dot", NULL, "[f]/[phi]", "regularity tangent theta_dot = d theta*/ds = -H^{-1} grad R"},
    {"/model/grad_R", NULL, "[f]/[phi]", "gradient of the regularizer R at theta*"},
    {"/model/s", NULL, "1", "regularity s of the fit"},
    {"/loocv/s", NULL, "1", "regularity s"},
    {"/loocv/exact", NULL, "[loss]", "exact leave-one-out CV: mean squared error of the left-out predictions"},
    {"/loocv/approx", NULL, "[loss]", "approximate leave-one-out CV (eq. 44): mean squared error, mean deviance for GLMs"},
    {"/loocv/gcv", NULL, "[loss]", "generalized cross-validation, on the scale of the LOOCV curves"},
    {"/loocv/kfold", NULL, "[loss]", "K-fold CV by refits: mean squared error, mean deviance for GLMs"},
    {"/loocv/s_opt", NULL, "1", "regularity s at the CV minimum"},
    {"/loocv/cv_opt", NULL, "[loss]", "CV value at s_opt"},
    {"/candidates/x", NULL, "[x]", "1-D input"},
    {"/candidates/index", NULL, "1", "candidate (0-based)"},
    {"/candidates/X", NULL, "[x]", "input features of the candidate"},
    {"/candidates/feature_name", NULL, "1", "name of the input feature (the CSV column)"},
    {"/candidates/y", NULL, "[y]", "oracle label of the candidate"},
    {"/candidates/weight", NULL, "1", "weight of the candidate"},
    {"/selection/index", "selected", "1", "candidate index of the k-th pick (largest score first)"},
    {"/selection/score", "selected", "[score]", "score of the pick (the /selection attribute score names it)"},
    {"/influence/self", "sample", "[loss]^2", "self-influence of the training row (Koh and Liang)"},
    {"/influence/test_top_index", "test_point,top", "1", "training rows with the largest |I(z, z')| for the test point"},
    {"/influence/test_top_value", "test_point,top", "[loss]^2", "influence I(z, z') of those training rows"},
    {"/test/x", NULL, "[x]", "1-D input"},
    {"/test/index", NULL, "1", "test row (0-based)"},
    {"/test/X", NULL, "[x]", "input features of the test row"},
    {"/test/feature_name", NULL, "1", "name of the input feature (the CSV column)"},
    {"/test/y", NULL, "[y]", "response of the test row"},
    {"/test/weight", NULL, "1", "weight of the test row"},
    {"/test/f", NULL, "[f]", "prediction f = phi(x).theta at s"},
};

/* Rows of a design matrix of feature rows back as inputs, for CurioOutputWriteRowsBlocked() */
typedef struct {
  CurioModel         model;
  const PetscScalar *a;
  PetscInt           lda;
} DesignSource;

static PetscErrorCode DesignSourceRows(void *ctx, PetscInt i0, PetscInt nb, PetscReal buf[])
{
  DesignSource *ds = (DesignSource *) ctx;

  PetscFunctionBegin;
  PetscCall(CurioModelDesignRowsToInputs(ds->model, i0, nb, ds->lda, ds->a, buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The inputs of a set of rows: /<group>/x (1-D) or /<group>/X (features), with the index axis as dimension scale;
   feature rows read straight into the design matrix Phi (no row-major copy kept: CurioDataSetDeferInputs()) are
   written back from it block by block */
static PetscErrorCode WriteRows(CurioOutput out, const char group[], const CurioRows *rows, CurioModel model, Mat Phi, const char *const *names,
                                PetscBool with_features, char scale[], size_t len)
{
  char name[64];

  PetscFunctionBegin;
  if (rows->is1d) { /* the 1-D inputs are the rows' coordinate */
    PetscCall(PetscSNPrintf(scale, len, "/%s/x", group));
    PetscCall(CurioOutputWriteRowsLocal(out, scale, rows->n, 0, rows->rstart, rows->nlocal, rows->X, "x"));
  } else {
    PetscCall(PetscSNPrintf(scale, len, "/%s/index", group));
    PetscCall(CurioOutputWriteIndex(out, scale, rows->n, rows->rstart, rows->nlocal));
    if (with_features && !rows->sparse) { /* sparse inputs stay in the input file */
      PetscCall(PetscSNPrintf(name, sizeof(name), "/%s/X", group));
      if (rows->X) PetscCall(CurioOutputWriteRowsLocal(out, name, rows->n, rows->dim, rows->rstart, rows->nlocal, rows->X, "index,feature"));
      else {
        DesignSource ds = {model, NULL, 0};
        PetscInt     m, N;
        PetscCall(CurioMatGetLocalArrayRead(Phi, &ds.a, &m, &N, &ds.lda));
        PetscCall(CurioOutputWriteRowsBlocked(out, name, rows->n, rows->dim, rows->rstart, rows->nlocal, DesignSourceRows, &ds, "index,feature"));
        PetscCall(CurioMatRestoreLocalArrayRead(Phi, &ds.a));
      }
      if (names) {
        PetscCall(PetscSNPrintf(name, sizeof(name), "/%s/feature_name", group));
        PetscCall(CurioOutputWriteStrings(out, name, rows->dim, names, "feature"));
      }
    }
  }
  if (rows->y) {
    PetscCall(PetscSNPrintf(name, sizeof(name), "/%s/y", group));
    PetscCall(CurioOutputWriteRowsLocal(out, name, rows->n, 0, rows->rstart, rows->nlocal, rows->y, scale));
  }
  PetscCall(PetscSNPrintf(name, sizeof(name), "/%s/weight", group));
  PetscCall(CurioOutputWriteRowsLocal(out, name, rows->n, 0, rows->rstart, rows->nlocal, rows->w, scale));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WritePrediction(CurioOutput out, const char name[], Mat Phi, Vec v, const char scale[])
{
  Vec f;

  PetscFunctionBegin;
  PetscCall(MatCreateVecs(Phi, NULL, &f));
  PetscCall(MatMult(Phi, v, f));
  PetscCall(CurioOutputWriteVec(out, name, f, scale));
  PetscCall(VecDestroy(&f));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Every run option with the value in force (defaults included), as attributes of /options */
static PetscErrorCode WriteResolvedOptions(CurioOutput out, CurioProblem p)
{
  CurioSolverType      st;
  CurioLossType        loss;
  CurioRegularizerType reg;
  PetscInt             degree;
  PetscBool            intercept;
  CurioFeatureMapType  map;
  KSP                  ksp;
  PC                   pc;
  KSPType              kt;
  PCType               pt;
  PetscReal            rtol, atol, dtol;
  PetscInt             maxit;

  PetscFunctionBegin;
  PetscCall(CurioSolverGetType(p->solver, &st));
  PetscCall(CurioSolverGetKSP(p->solver, &ksp));
  PetscCall(KSPGetType(ksp, &kt));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCGetType(pc, &pt));
  PetscCall(KSPGetTolerances(ksp, &rtol, &atol, &dtol, &maxit));
  PetscCall(CurioOutputSetAttributeString(out, "/options", "curio_input", p->source));
  PetscCall(CurioOutputSetAttributeString(out, "/options", "curio_output", p->common.output));
  PetscCall(CurioOutputSetAttributeString(out, "/options", "curio_s", p->common.s_set ? "given" : "loocv"));
  PetscCall(CurioOutputSetAttributeReal(out, "/options", "curio_s_value", p->s));
  PetscCall(CurioOutputSetAttributeInt(out, "/options", "curio_loocv", p->grid.enabled));
  PetscCall(CurioOutputSetAttributeReal(out, "/options", "curio_loocv_smin", p->loocv_smin));
  PetscCall(CurioOutputSetAttributeReal(out, "/options", "curio_loocv_smax", p->loocv_smax));
  PetscCall(CurioOutputSetAttributeInt(out, "/options", "curio_loocv_ns", p->grid.ns));
  PetscCall(CurioOutputSetAttributeInt(out, "/options", "curio_scores", p->do_scores));
  PetscCall(CurioOutputSetAttributeReal(out, "/options", "curio_fd_delta", p->fd_rel));
  PetscCall(CurioOutputSetAttributeInt(out, "/options", "curio_output_data", p->output_data));
  PetscCall(CurioModelGetLoss(p->model, &loss, NULL));
  PetscCall(CurioModelGetRegularizer(p->model, &reg));
  PetscCall(CurioModelGetFeatureMap(p->model, &map, &degree, &intercept));
  PetscCall(CurioOutputSetAttributeString(out, "/options", "curio_loss", CurioLossTypes[loss]));
  PetscCall(CurioOutputSetAttributeString(out, "/options", "curio_regularizer", CurioRegularizerTypes[reg]));
  if (map == CURIO_FEATURES_POLYNOMIAL) PetscCall(CurioOutputSetAttributeInt(out, "/options", "curio_degree", degree)); /* else not in force */
  PetscCall(CurioOutputSetAttributeInt(out, "/options", "curio_intercept", intercept));
  {
    char      file[PETSC_MAX_PATH_LEN];
    PetscBool set;
    PetscCall(PetscOptionsGetString(NULL, NULL, "-curio_candidates", file, sizeof(file), &set));
    if (set) PetscCall(CurioOutputSetAttributeString(out, "/options", "curio_candidates", file));
    PetscCall(PetscOptionsGetString(NULL, NULL, "-curio_test", file, sizeof(file), &set));
    if (set) PetscCall(CurioOutputSetAttributeString(out, "/options", "curio_test", file));
  }
  if (reg == CURIO_REGULARIZER_INHERIT) {
    char        spec[PETSC_MAX_PATH_LEN + 260];
    const char *file, *dset;
    PetscCall(CurioModelGetTheta0(p->model, &file, &dset));
    PetscCall(PetscSNPrintf(spec, sizeof(spec), "%s:%s", file, dset));
    PetscCall(CurioOutputSetAttributeString(out, "/options", "curio_theta0", spec));
  }
  PetscCall(CurioOutputSetAttributeString(out, "/options", "curio_solver", CurioSolverTypes[st]));
  if (st == CURIO_SOLVER_KRYLOV) { /* the direct path has no Krylov settings in force */
    PetscCall(CurioOutputSetAttributeString(out, "/options", "curio_ksp_type", kt));
    PetscCall(CurioOutputSetAttributeString(out, "/options", "curio_pc_type", pt));
    PetscCall(CurioOutputSetAttributeReal(out, "/options", "curio_ksp_rtol", rtol));
    PetscCall(CurioOutputSetAttributeInt(out, "/options", "curio_ksp_max_it", maxit));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* /model/feature_name: the design-matrix columns by name: t^k (polynomial map, t = x scaled to [-1, 1]), or
   "intercept" and the input's column names (x<j> when the input has none) */
static PetscErrorCode WriteModelFeatureNames(CurioOutput out, CurioProblem p)
{
  PetscInt            d, off;
  PetscBool           intercept;
  CurioFeatureMapType map;
  char              **names, *buf;

  PetscFunctionBegin;
  PetscCall(CurioModelGetSize(p->model, &d));
  PetscCall(CurioModelGetFeatureMap(p->model, &map, NULL, &intercept));
  off = intercept ? 1 : 0;
  PetscCall(PetscMalloc2(d, &names, d * 64, &buf));
  for (PetscInt j = 0; j < d; j++) {
    names[j] = buf + 64 * j;
    if (map == CURIO_FEATURES_POLYNOMIAL) PetscCall(PetscSNPrintf(names[j], 64, "t^%" PetscInt_FMT, j));
    else if (j < off) PetscCall(PetscStrncpy(names[j], "intercept", 64));
    else if (p->feature_names) names[j] = (char *) p->feature_names[j - off];
    else PetscCall(PetscSNPrintf(names[j], 64, "x%" PetscInt_FMT, j - off));
  }
  PetscCall(CurioOutputWriteStrings(out, "/model/feature_name", d, (const char *const *) names, "feature"));
  PetscCall(PetscFree2(names, buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The optimum, its tangent and what describes the model, into /model */
static PetscErrorCode WriteModel(CurioOutput out, CurioProblem p, const char sscale[])
{
  CurioSolverType st;

  PetscFunctionBegin;
  {
    PetscInt lo, hi, d;
    PetscCall(VecGetOwnershipRange(p->theta, &lo, &hi));
    PetscCall(VecGetSize(p->theta, &d));
    PetscCall(CurioOutputWriteIndex(out, sscale, d, lo, hi - lo));
  }
  PetscCall(CurioOutputWriteVec(out, "/model/theta", p->theta, sscale));
  PetscCall(CurioOutputWriteVec(out, "/model/theta_dot", p->theta_dot, sscale));
  PetscCall(CurioOutputWriteVec(out, "/model/grad_R", p->gradR, sscale));
  PetscCall(WriteModelFeatureNames(out, p));
  PetscCall(CurioOutputWriteScalar(out, "/model/s", p->s));
  PetscCall(CurioOutputSetAttributeString(out, "/model/s", "source", p->common.s_set ? "option" : "loocv"));
  PetscCall(CurioSolverGetType(p->solver, &st));
  PetscCall(CurioOutputSetAttributeString(out, "/model", "solver", CurioSolverTypes[st]));
  PetscCall(CurioModelWriteAttributes(p->model, out, "/model"));
  PetscCall(CurioOutputSetAttributeInt(out, "/model", "sparse", p->train->sparse));
  PetscCall(CurioOutputSetAttributeReal(out, "/model", "sigma2", p->sigma2));
  PetscCall(CurioOutputSetAttributeReal(out, "/model", "tangent_residual", p->tangent_residual));
  PetscCall(CurioOutputSetAttributeReal(out, "/model", "tangent_condition", p->tangent_condition));
  PetscCall(CurioOutputSetAttributeReal(out, "/model", "tangent_forward_error", p->tangent_forward_error));
  if (st == CURIO_SOLVER_KRYLOV) {
    PetscCall(CurioOutputSetAttributeInt(out, "/model", "ksp_iterations_train", p->its_train));
    PetscCall(CurioOutputSetAttributeInt(out, "/model", "ksp_iterations_tangent", p->its_tangent));
  }

  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The LOOCV curves and their optimum, into /loocv (when they were computed) */
static PetscErrorCode WriteLOOCV(CurioOutput out, CurioProblem p)
{
  PetscFunctionBegin;
  if (p->has_curve) {
    CurioLOOCVCurve *c = &p->curve;
    PetscCall(CurioOutputWriteArray(out, "/loocv/s", c->ns, c->s, "s"));
    {
      /* +Inf where some h_i = 1, as IEEE infinity (numpy's isinf), not PETSc's large finite stand-in */
      PetscReal *ex;
      PetscCall(PetscMalloc1(PetscMax(c->ns, 1), &ex));
      for (PetscInt j = 0; j < c->ns; j++) ex[j] = c->exact[j] >= PETSC_INFINITY ? (PetscReal) INFINITY : c->exact[j];
      PetscCall(CurioOutputWriteArray(out, "/loocv/exact", c->ns, ex, "s"));
      PetscCall(PetscFree(ex));
    }
    PetscCall(CurioOutputWriteArray(out, "/loocv/approx", c->ns, c->approx, "s"));
    PetscCall(CurioOutputWriteArray(out, "/loocv/gcv", c->ns, c->gcv, "s"));
    if (c->kfold) {
      PetscCall(CurioOutputWriteArray(out, "/loocv/kfold", c->ns, c->kfold, "s"));
      PetscCall(CurioOutputSetAttributeInt(out, "/loocv/kfold", "folds", p->cv_folds));
    }
    PetscCall(CurioOutputWriteScalar(out, "/loocv/s_opt", c->s_opt));
    PetscCall(CurioOutputWriteScalar(out, "/loocv/cv_opt", c->cv_opt));
    PetscCall(CurioOutputSetAttributeInt(out, "/loocv", "at_boundary", c->at_boundary));
    PetscCall(CurioOutputSetAttributeInt(out, "/loocv", "local_minima", c->local_minima));
    PetscCall(CurioOutputSetAttributeInt(out, "/loocv", "flat", c->flat));
    const CurioLossInfo *info;
    PetscCall(CurioModelGetLoss(p->model, NULL, &info));
    PetscCall(CurioOutputSetAttributeString(out, "/loocv", "method", info->quadratic ? "eigen" : "approximate"));
  }

  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The batch selection and classic influence, into /selection and /influence */
static PetscErrorCode WriteSelectionInfluence(CurioOutput out, CurioProblem p, const char tscale[])
{
  PetscFunctionBegin;
  if (p->sel_index) {
    PetscCall(CurioOutputWriteIntArray(out, "/selection/index", p->select_k, 0, p->sel_index));
    PetscCall(CurioOutputWriteArray(out, "/selection/score", p->select_k, p->sel_score, NULL));
    PetscCall(CurioOutputSetAttributeString(out, "/selection", "score", CurioScoreTable[p->select_by].name));
  }
  if (p->self_influence) {
    PetscCall(CurioOutputWriteVec(out, "/influence/self", p->self_influence, "sample"));
    PetscCall(CurioOutputSetAttributeReal(out, "/influence", "forward_error", p->influence_error));
  }
  if (p->infl_index) {
    PetscCall(CurioOutputWriteIntArray(out, "/influence/test_top_index", p->influence_ntest, p->influence_k, p->infl_index));
    {
      PetscMPIInt rank;
      PetscCallMPI(MPI_Comm_rank(p->comm, &rank));
      PetscCall(CurioOutputWriteRowsLocal(out, "/influence/test_top_value", p->influence_ntest, p->influence_k, 0, rank ? 0 : p->influence_ntest,
                                          p->infl_value, NULL));
    }
  }

  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The test set, its linear predictors eta into /test/f and, over its rows unweighted, the RMSE of y - mu (mu the mean
   response: eta for squared loss, sigmoid(eta) logistic, e^eta Poisson; the users' /test rmse is the same) and, for the
   GLMs, the loss's own test metric (mean log-loss, mean Poisson loss: the active loop's /rounds/test_error) */
static PetscErrorCode WriteTest(CurioOutput out, CurioProblem p, char tscale[], size_t len)
{
  PetscFunctionBegin;
  if (p->PhiTest) {
    const CurioLossInfo *info;
    CurioLossType        loss;
    Vec                  f, y;
    const PetscScalar   *pf, *py;
    PetscInt             m;
    PetscReal            sum = 0, metric;

    PetscCall(WriteRows(out, "test", p->test, p->model, p->PhiTest, p->feature_names, p->output_data, tscale, len));
    PetscCall(CurioModelGetLoss(p->model, &loss, &info));
    PetscCall(MatCreateVecs(p->PhiTest, NULL, &f));
    PetscCall(MatMult(p->PhiTest, p->theta, f));
    PetscCall(CurioOutputWriteVec(out, "/test/f", f, tscale));
    PetscCall(CurioRowVec(p->PhiTest, p->test->y, &y));
    PetscCall(VecGetLocalSize(f, &m));
    PetscCall(VecGetArrayRead(f, &pf));
    PetscCall(VecGetArrayRead(y, &py));
    for (PetscInt i = 0; i < m; i++) sum += PetscSqr(py[i] - info->mean(pf[i]));
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &sum, 1, MPIU_REAL, MPIU_SUM, p->comm));
    PetscCall(CurioOutputSetAttributeReal(out, "/test", "rmse", PetscSqrtReal(sum / p->test->n)));
    if (!info->quadratic) {
      PetscCall(CurioLossTestError(loss, p->comm, m, pf, py, p->test->n, &metric));
      PetscCall(CurioOutputSetAttributeReal(out, "/test", info->metric, metric));
    }
    PetscCall(VecRestoreArrayRead(y, &py));
    PetscCall(VecRestoreArrayRead(f, &pf));
    PetscCall(VecDestroy(&f));
    PetscCall(VecDestroy(&y));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Stage times (the maximum over the ranks) and the peak memory, into /timing */
static PetscErrorCode WriteTimings(CurioOutput out, CurioProblem p)
{
  const char *const names[] = {"read", "gram", "train", "tangent", "loocv", "scores", "total"};
  PetscReal         t[]     = {p->time_read, p->time_gram, p->time_train, p->time_tangent, p->time_loocv, p->time_scores, p->time_total};

  PetscFunctionBegin;
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, t, PETSC_STATIC_ARRAY_LENGTH(t), MPIU_REAL, MPIU_MAX, p->comm)); /* the slowest rank's */
  PetscCall(CurioOutputWriteTiming(out, PETSC_STATIC_ARRAY_LENGTH(t), names, t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Everything the run produced, into an open output (a CurioOutputWrite() callback) */
static PetscErrorCode ProblemWriteContents(CurioOutput out, void *ctx)
{
  CurioProblem p = (CurioProblem) ctx;
  char         tscale[64], cscale[64], sscale[64] = "/model/feature";

  PetscFunctionBegin;
  PetscCall(CurioOutputWriteProvenance(out, "fit"));
  PetscCall(CurioOutputSetAttributeString(out, "/", "input", p->source));
  PetscCall(WriteResolvedOptions(out, p));
  /* training data and fit */
  PetscCall(WriteRows(out, "train", p->train, p->model, p->Phi, p->feature_names, p->output_data, tscale, sizeof(tscale)));
  PetscCall(WritePrediction(out, "/train/f", p->Phi, p->theta, tscale));
  PetscCall(WritePrediction(out, "/train/fdot", p->Phi, p->theta_dot, tscale));
  PetscCall(WriteModel(out, p, sscale));
  PetscCall(WriteLOOCV(out, p));
  /* candidates and scores */
  if (p->has_cand && p->cand_chunk && p->do_scores) PetscCall(CurioProblemScoreStream(p, out));
  else if (p->PhiCand) {
    PetscCall(WriteRows(out, "candidates", p->cand, p->model, p->PhiCand, p->feature_names, p->output_data, cscale, sizeof(cscale)));
    PetscCall(CurioProblemWriteScores(p, out, cscale));
  }
  PetscCall(WriteSelectionInfluence(out, p, tscale));
  PetscCall(WriteTest(out, p, tscale, sizeof(tscale)));
  PetscCall(WriteTimings(out, p));
  PetscCall(CurioOutputDescribeFields(out, PETSC_STATIC_ARRAY_LENGTH(FitFields), FitFields));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemWrite - writes everything the run produced to one HDF5 file, atomically: if any write fails, every
  rank raises the error, the temporary file is removed and an existing file at path stays as it was

  Collective
@*/
PetscErrorCode CurioProblemWrite(CurioProblem p, const char path[])
{
  PetscFunctionBegin;
  PetscCheck(p->solved, p->comm, PETSC_ERR_ORDER, "Nothing to write: call CurioProblemSolve() first");
  PetscCall(PetscLogStagePush(CURIO_STAGE_Write));
  PetscCall(CurioOutputWrite(p->comm, path, ProblemWriteContents, p));
  PetscCall(PetscLogStagePop());
  PetscFunctionReturn(PETSC_SUCCESS);
}

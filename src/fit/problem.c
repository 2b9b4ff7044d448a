/* CurioProblem: one run from data to optimum, tangent, LOOCV, query scores and output (docs/design.md). */
#include "problemimpl.h"

/*@C
  CurioProblemCreate - creates the fit driver of one run (data, model, solver; the fit itself is made by CurioProblemSetUp())

  Collective
@*/
PetscErrorCode CurioProblemCreate(MPI_Comm comm, CurioProblem *prob)
{
  CurioProblem p;

  PetscFunctionBegin;
  PetscCall(CurioInitializePackage());
  PetscCall(PetscNew(&p));
  p->comm      = comm;
  p->s         = 1.0;
  p->do_scores = PETSC_TRUE;
  p->select_by = CURIO_SCORE_SLD;
  PetscCall(CurioCVGridInitialize(&p->grid));
  for (PetscInt i = 0; i < CURIO_SCORE_COUNT; i++) p->scores.want[i] = PETSC_TRUE;
  p->fd_rel          = 0.05;
  p->output_data     = PETSC_TRUE;
  p->influence_k     = 5;
  p->influence_ntest = 100;
  PetscCall(PetscStrncpy(p->common.output, "curio.h5", sizeof(p->common.output)));
  PetscCall(CurioDataCreate(comm, &p->data));
  PetscCall(CurioDataGetRows(p->data, CURIO_DATA_TRAIN, &p->train, NULL));
  PetscCall(CurioDataGetRows(p->data, CURIO_DATA_CANDIDATES, &p->cand, NULL));
  PetscCall(CurioDataGetRows(p->data, CURIO_DATA_TEST, &p->test, NULL));
  PetscCall(CurioModelCreate(comm, &p->model));
  PetscCall(CurioSolverCreate(comm, &p->solver));
  *prob = p;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ScoresDestroy(CurioScores *sc)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < CURIO_SCORE_COUNT; i++) PetscCall(VecDestroy(&sc->v[i]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemDestroy - frees the fit driver and everything it owns
@*/
PetscErrorCode CurioProblemDestroy(CurioProblem *prob)
{
  CurioProblem p = *prob;

  PetscFunctionBegin;
  if (!p) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(ScoresDestroy(&p->scores));
  PetscCall(PetscFree2(p->sel_index, p->sel_score));
  PetscCall(PetscFree2(p->infl_index, p->infl_value));
  PetscCall(VecDestroy(&p->self_influence));
  if (p->has_curve) PetscCall(CurioLOOCVCurveFree(&p->curve));
  PetscCall(MatDestroy(&p->Phi));
  PetscCall(MatDestroy(&p->PhiCand));
  PetscCall(MatDestroy(&p->PhiTest));
  PetscCall(VecDestroy(&p->y));
  PetscCall(VecDestroy(&p->w));
  PetscCall(CurioFitDestroy(&p->fit));
  PetscCall(CurioSolverDestroy(&p->solver));
  PetscCall(CurioModelDestroy(&p->model));
  PetscCall(CurioDataDestroy(&p->data));
  PetscCall(PetscFree(*prob));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemSetFromOptions - reads the run's options (README, "Options"); the data, model and solver read their own
@*/
PetscErrorCode CurioProblemSetFromOptions(CurioProblem p)
{
  char      scores[512] = "all", select_by[64], names[1536], help[1600];
  PetscBool scores_set;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(select_by, CurioScoreTable[p->select_by].name, sizeof(select_by)));
  PetscOptionsBegin(p->comm, NULL, "curio fit (-curio_mode fit; also every round of -curio_mode active)", "CurioProblem");
  PetscCall(CurioCommonOptionsRead(PetscOptionsObject, &p->common));
  if (p->common.s_set) p->s = p->common.s;
  PetscCall(CurioCVGridSetFromOptions(PetscOptionsObject, p->common.s_set, &p->grid));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_cv_folds", &p->cv_folds, NULL));
  PetscCall(CurioScoreListNames(PETSC_FALSE, PETSC_FALSE, names, sizeof(names)));
  PetscCall(PetscSNPrintf(help, sizeof(help), "all, none, or a comma-separated list of %s", names));
  PetscCall(CurioOptionsStringValues(PetscOptionsObject, "-curio_scores", help, scores, sizeof(scores), &scores_set));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_fd_delta", &p->fd_rel, NULL));
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_var_ssi", &p->var_ssi, &p->var_ssi_set));
  PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_theta_init", p->theta_init, sizeof(p->theta_init), NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_pool_chunk", &p->cand_chunk, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_select_k", &p->select_k, NULL));
  PetscCall(CurioScoreListNames(PETSC_TRUE, PETSC_FALSE, names, sizeof(names)));
  PetscCall(PetscSNPrintf(help, sizeof(help), "one of %s", names));
  PetscCall(CurioOptionsStringValues(PetscOptionsObject, "-curio_select_by", help, select_by, sizeof(select_by), NULL));
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_influence", &p->do_influence, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_influence_k", &p->influence_k, &p->influence_k_set));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_influence_ntest", &p->influence_ntest, NULL));
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_output_data", &p->output_data, NULL));
  PetscOptionsEnd();
  PetscCall(CurioDataSetCandidateChunk(p->data, p->cand_chunk));
  PetscCall(CurioScoreFindSelectable(p->comm, "-curio_select_by", select_by, (CurioScoreId *) &p->select_by));
  if (scores_set) {
    PetscCall(CurioScoreParseList(p->comm, "-curio_scores", scores, p->scores.want, &p->do_scores));
    /* VAR or SSI named in a list is computed whatever d is, unless -curio_var_ssi false says otherwise */
    if (CurioScoreNeedsOf(p->scores.want) & CURIO_SCORE_NEEDS_HINV) {
      PetscBool all = PETSC_TRUE;
      for (PetscInt i = 0; i < CURIO_SCORE_COUNT; i++) all = (PetscBool) (all && p->scores.want[i]);
      PetscCheck(all || !p->var_ssi_set || p->var_ssi, p->comm, PETSC_ERR_ARG_INCOMP,
                 "-curio_scores %s asks for VAR or SSI, which -curio_var_ssi false skips; drop one of the two", scores);
      if (!all) p->var_ssi = p->var_ssi_set = PETSC_TRUE;
    }
  }
  /* the score that ranks is computed even when -curio_scores does not list it: VAR and SSI need H^{-1} */
  if (p->select_k && (CurioScoreTable[p->select_by].needs & CURIO_SCORE_NEEDS_HINV)) {
    PetscCheck(!p->var_ssi_set || p->var_ssi, p->comm, PETSC_ERR_ARG_INCOMP,
               "-curio_select_by %s needs H^{-1}, which -curio_var_ssi false skips; drop -curio_var_ssi false, or select by another score",
               CurioScoreTable[p->select_by].name);
    p->var_ssi = p->var_ssi_set = PETSC_TRUE;
  }
  PetscCheck(!p->cv_folds || p->grid.enabled, p->comm, PETSC_ERR_ARG_INCOMP,
             "-curio_cv_folds %" PetscInt_FMT " runs K-fold CV over the LOOCV grid of s, which -curio_loocv false turns off; drop one of the two",
             p->cv_folds);
  if (!p->select_k)
    PetscCall(CurioOptionsWarnUnused(p->comm, "-curio_select_by", "it ranks the candidates that -curio_select_k K selects, and K is 0"));
  if (!p->do_influence) {
    PetscCall(CurioOptionsWarnUnused(p->comm, "-curio_influence_k", "it is a setting of -curio_influence, which is off"));
    PetscCall(CurioOptionsWarnUnused(p->comm, "-curio_influence_ntest", "it is a setting of -curio_influence, which is off"));
  }
  p->loocv_smin = p->grid.smin;
  p->loocv_smax = p->grid.smax;
  PetscCall(CurioModelSetFromOptions(p->model));
  PetscCall(CurioSolverSetFromOptions(p->solver));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Where feature rows go as they are read (deferred inputs, a streamed chunk): the design matrix's array */
typedef struct {
  CurioModel   model;
  PetscScalar *a;
  PetscInt     lda;
} DesignSink;

static PetscErrorCode DesignSinkRows(void *ctx, PetscInt i0, PetscInt nb, const PetscReal X[])
{
  DesignSink *ds = (DesignSink *) ctx;

  PetscFunctionBegin;
  PetscCall(CurioModelFillDesignRows(ds->model, i0, nb, X, ds->lda, ds->a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The design matrix of a set: from its rows, or, when their inputs were deferred (CurioDataSetDeferInputs()), read
   straight into it block by block, so that they are never held twice (the read's time counts as reading) */
static PetscErrorCode ProblemBuildDesign(CurioProblem p, CurioDataSet set, Mat *Phi)
{
  CurioRows     *rows;
  DesignSink     ds;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCall(CurioDataGetRows(p->data, set, &rows, NULL));
  if (rows->sparse) { /* the rows live on in Phi only: their CSR arrays are never written out */
    PetscCall(CurioModelBuildDesignTakeRows(p->model, rows, Phi));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (!rows->deferred) {
    PetscCall(CurioModelBuildDesign(p->model, rows, Phi));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscTime(&t0));
  PetscCall(PetscLogStagePush(CURIO_STAGE_Read));
  PetscCall(CurioModelCreateDesign(p->model, rows, NULL, Phi));
  ds.model = p->model;
  PetscCall(MatDenseGetLDA(*Phi, &ds.lda));
  PetscCall(MatDenseGetArrayWrite(*Phi, &ds.a));
  PetscCall(CurioDataReadInputs(p->data, set, DesignSinkRows, &ds));
  PetscCall(MatDenseRestoreArrayWrite(*Phi, &ds.a));
  PetscCall(MatAssemblyBegin(*Phi, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*Phi, MAT_FINAL_ASSEMBLY));
  PetscCall(PetscLogStagePop());
  PetscCall(PetscTime(&t1));
  p->time_read += t1 - t0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemSetUp - loads the data (-curio_input, or the built-in example), builds the design matrices and hands the
  Hessian operator to the solver; the output path is checked for writability first, so a bad path fails before any work
@*/
PetscErrorCode CurioProblemSetUp(CurioProblem p)
{
  PetscLogDouble t0, t1;
  PetscInt       d;

  PetscFunctionBegin;
  PetscCall(CurioOutputCheckWritable(p->comm, p->common.output));
  PetscCall(PetscTime(&t0));
  PetscCall(PetscLogStagePush(CURIO_STAGE_Read));
  if (!p->train->n) { /* unless the caller filled p->data already; dense feature rows go straight into the design matrices */
    PetscCall(CurioDataSetDeferInputs(p->data, PETSC_TRUE));
    PetscCall(CurioDataSetFromOptions(p->data));
  }
  PetscCall(CurioDataGetRows(p->data, CURIO_DATA_CANDIDATES, NULL, &p->has_cand));
  PetscCall(CurioDataGetRows(p->data, CURIO_DATA_TEST, NULL, &p->has_test));
  PetscCall(CurioDataGetCandidateChunk(p->data, &p->cand_chunk));
  PetscCall(CurioDataGetSource(p->data, &p->source));
  PetscCall(CurioDataGetFeatureNames(p->data, &p->feature_names));
  PetscCall(PetscLogStagePop());
  PetscCall(PetscTime(&t1));
  p->time_read = t1 - t0;
  PetscCall(PetscLogStagePush(CURIO_STAGE_Setup)); /* design matrices, regularizer, Hessian operator */
  PetscCall(CurioModelSetUp(p->model, p->data));
  PetscCall(CurioModelGetSize(p->model, &d));
  if (!p->var_ssi_set) p->var_ssi = (PetscBool) (d <= 4000);
  PetscCall(ProblemBuildDesign(p, CURIO_DATA_TRAIN, &p->Phi));
  if (p->has_cand && !p->cand_chunk) PetscCall(ProblemBuildDesign(p, CURIO_DATA_CANDIDATES, &p->PhiCand));
  if (p->has_test) PetscCall(ProblemBuildDesign(p, CURIO_DATA_TEST, &p->PhiTest));
  if (!p->output_data && !p->train->is1d) {
    /* Phi holds the features now; without -curio_output_data nothing else reads the row-major copy */
    PetscCall(PetscFree(p->train->X));
    PetscCall(PetscFree(p->cand->X));
    PetscCall(PetscFree(p->test->X));
  }
  PetscCall(CurioRowVec(p->Phi, p->train->y, &p->y));
  PetscCall(CurioRowVec(p->Phi, p->train->w, &p->w));
  PetscCall(CurioModelCheckLabels(p->model, p->train, p->source, "train"));
  if (p->has_cand && !p->cand_chunk) PetscCall(CurioModelCheckLabels(p->model, p->cand, p->source, "candidates"));
  if (p->has_test) PetscCall(CurioModelCheckLabels(p->model, p->test, p->source, "test"));
  PetscCall(CurioFitCreate(p->model, p->Phi, p->y, p->w, p->solver, &p->fit));
  PetscCall(CurioFitSetMonitor(p->fit, p->common.monitor));
  PetscCall(CurioFitGetCurvature(p->fit, &p->curv));
  PetscCall(CurioFitGetRegularizer(p->fit, &p->mask, &p->center));
  PetscCall(CurioFitGetSolution(p->fit, &p->theta, &p->theta_dot));
  PetscCall(CurioFitGetRegularizerGradient(p->fit, &p->gradR));
  /* the first Newton iteration starts at -curio_theta_init, else at the regularizer's centre */
  if (p->theta_init[0]) {
    char                 dset[256];
    const CurioLossInfo *info;
    PetscCall(CurioParseFileDataset(p->theta_init, "/model/theta", dset, sizeof(dset)));
    PetscCall(CurioReadParameters(p->comm, "-curio_theta_init", p->theta_init, dset, p->theta));
    PetscCall(CurioModelGetLoss(p->model, NULL, &info));
    if (info->quadratic)
      PetscCall(PetscPrintf(p->comm, "curio: note: -curio_theta_init is not used: squared loss is solved in one step, from anywhere\n"));
  }
  PetscCall(PetscTime(&t0));
  PetscCall(CurioFitSetUp(p->fit));
  PetscCall(PetscTime(&t1));
  p->time_gram = t1 - t0;
  PetscCall(PetscLogStagePop());
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemSolve - the optimum theta* at s and its regularity tangent theta_dot = -H^{-1} grad R(theta*) (eq. 64),
  with the same operator (and, on the direct path, the same Cholesky factor, eq. 87)
@*/
PetscErrorCode CurioProblemSolve(CurioProblem p, PetscReal s)
{
  PetscFunctionBegin;
  PetscCall(CurioFitSolve(p->fit, s));
  PetscCall(CurioFitGetDiagnostics(p->fit, &p->sigma2, &p->tangent_residual));
  PetscCall(CurioFitGetAccuracy(p->fit, &p->tangent_condition, &p->tangent_forward_error, NULL, NULL));
  if (!(p->tangent_forward_error <= CURIO_TANGENT_WARN) && !p->quiet) {
    CurioSolverType st;
    PetscCall(CurioSolverGetType(p->solver, &st));
    PetscCall(
        PetscPrintf(p->comm,
                    "curio: WARNING the tangent's estimated relative error is %.1e (condition estimate %.1e at s = %g): theta_dot and the scores "
                    "built on it may be wrong in that proportion. Raise -curio_s%s\n",
                    (double) p->tangent_forward_error, (double) p->tangent_condition, (double) s,
                    st == CURIO_SOLVER_KRYLOV ? ", scale the feature columns, or use -curio_solver direct"
                                              : " or remove collinear feature columns (the direct solver is already in use)"));
  }
  PetscCall(CurioFitGetIterations(p->fit, &p->its_train, &p->its_tangent));
  PetscCall(CurioFitGetTimes(p->fit, &p->time_train, &p->time_tangent));
  p->s      = s;
  p->solved = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemComputeLOOCV - exact and approximate LOOCV and GCV over the grid of s of the options, and the optimal s
  (CurioFitCVGridCurve(), which sets the ends not given relative to the Gram); with -curio_cv_folds, brute-force
  K-fold CV over the same grid
@*/
PetscErrorCode CurioProblemComputeLOOCV(CurioProblem p)
{
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(PetscLogStagePush(CURIO_STAGE_LOOCV));
  if (p->has_curve) PetscCall(CurioLOOCVCurveFree(&p->curve));
  PetscCall(CurioFitCVGridCurve(p->fit, &p->grid, &p->curve, &p->loocv_smin, &p->loocv_smax, &p->loocv_scale));
  p->has_curve = PETSC_TRUE;
  if (p->cv_folds) PetscCall(CurioFitCVKFold(p->fit, p->cv_folds, &p->curve));
  PetscCall(PetscLogStagePop());
  PetscCall(PetscTime(&t1));
  p->time_loocv = t1 - t0;
  if (p->common.monitor)
    PetscCall(PetscPrintf(p->comm, "curio: LOOCV over %" PetscInt_FMT " values of s in [%g, %g]: s_opt = %.6e, CV = %.6e (%.3f s)\n", p->curve.ns,
                          (double) p->loocv_smin, (double) p->loocv_smax, (double) p->curve.s_opt, (double) p->curve.cv_opt, t1 - t0));
  if (p->curve.at_boundary && !p->quiet)
    PetscCall(PetscPrintf(
        p->comm,
        "curio: WARNING the LOOCV minimum is at the %s end of the grid (s = %g): the optimum may lie outside it; widen -curio_loocv_smin/smax\n",
        p->curve.s_opt == p->curve.s[0] ? "lower" : "upper", (double) p->curve.s_opt));
  if (p->curve.flat && !p->quiet)
    PetscCall(PetscPrintf(p->comm,
                          "curio: WARNING the exact LOOCV curve does not depend on s (it varies only at its rounding level, e.g. every "
                          "leave-one-out fit is exact): s = %g, the grid's first value, is not chosen by the data; give -curio_s\n",
                          (double) p->curve.s_opt));
  if (p->curve.local_minima > 1 && !p->quiet)
    PetscCall(PetscPrintf(p->comm, "curio: note: the exact LOOCV curve has %" PetscInt_FMT " local minima on the grid\n", p->curve.local_minima));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The scores a run computes: those asked for, and the one that ranks the candidates */
static void ScoresToCompute(CurioProblem p, PetscBool comp[])
{
  for (PetscInt i = 0; i < CURIO_SCORE_COUNT; i++) comp[i] = p->scores.want[i];
  if (p->select_k) comp[p->select_by] = PETSC_TRUE;
}

/* The scorer of the candidates (analysis layer) with the reference set T = the training set and the test set if given;
   records in p->scores what was prepared */
static PetscErrorCode ProblemScorer(CurioProblem p, const PetscBool comp[], CurioScorer *scorer)
{
  CurioScores *sc = &p->scores;
  PetscBool    ref;

  PetscFunctionBegin;
  sc->needs              = CurioScoreNeedsOf(comp);
  sc->delta              = p->fd_rel * p->s;
  sc->has_fd_check       = comp[CURIO_SCORE_FDOT_FD];
  sc->reference_has_test = PETSC_FALSE;
  PetscCall(CurioScorerCreate(p->fit, comp, p->var_ssi, sc->delta, scorer));
  PetscCall(CurioScorerNeedsReference(*scorer, &ref));
  sc->has_reference = ref;
  if (ref) {
    PetscCall(CurioScorerAddReference(*scorer, p->Phi, p->train->n, p->train->y, p->train->w));
    if (p->PhiTest) {
      PetscCall(CurioScorerAddReference(*scorer, p->PhiTest, p->test->n, p->test->y, p->test->w));
      sc->reference_has_test = PETSC_TRUE;
    }
    PetscCall(CurioScorerGetInfo(*scorer, &sc->reference_size, NULL));
  }
  PetscCall(CurioScorerSetUp(*scorer));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The scores of the candidates whose design matrix is Phi into p->scores.v (the previous block's are freed) */
static PetscErrorCode ScoresBlock(CurioProblem p, CurioScorer scorer, Mat Phi, const CurioRows *rows, PetscReal *errmax, PetscReal *fdmax)
{
  PetscFunctionBegin;
  PetscCall(ScoresDestroy(&p->scores));
  PetscCall(CurioScorerCompute(scorer, Phi, rows->y, p->sigma2, p->scores.v, errmax, fdmax));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemComputeScores - the query heuristics of MATH.md section 4 asked for by -curio_scores (and the one
  -curio_select_by ranks by) over the candidate pool, with the reference set T = the training set (and the test set if
  given), and the finite-difference check of fdot from a second solve at s + delta. Only what those scores need is
  computed (H^{-1} for VAR and SSI, the reference solves for STI, the second solve for f_shifted and fdot_fd). A
  streamed pool (-curio_pool_chunk) is scored while the output is written instead.

  Collective

.seealso: CurioScoreTable, CurioProblemScoreStream(), CurioProblemWriteScores()
@*/
PetscErrorCode CurioProblemComputeScores(CurioProblem p)
{
  CurioScores   *sc = &p->scores;
  CurioScorer    scorer;
  PetscBool      comp[CURIO_SCORE_COUNT];
  PetscReal      errmax, fdmax;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCheck(p->solved, p->comm, PETSC_ERR_ORDER, "Call CurioProblemSolve() before CurioProblemComputeScores()");
  if (!p->PhiCand) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscTime(&t0));
  PetscCall(PetscLogStagePush(CURIO_STAGE_Scores));
  PetscCall(PetscLogEventBegin(CURIO_EVENT_Scores, 0, 0, 0, 0));
  ScoresToCompute(p, comp);
  PetscCall(ProblemScorer(p, comp, &scorer));
  PetscCall(ScoresBlock(p, scorer, p->PhiCand, p->cand, &errmax, &fdmax));
  PetscCall(CurioScorerDestroy(&scorer));
  sc->fd_max_rel_error = fdmax > 0 ? errmax / fdmax : errmax;
  p->has_scores        = PETSC_TRUE;
  PetscCall(PetscLogEventEnd(CURIO_EVENT_Scores, 0, 0, 0, 0));
  PetscCall(PetscLogStagePop());
  PetscCall(PetscTime(&t1));
  p->time_scores = t1 - t0;
  if (p->common.monitor) {
    PetscCall(PetscPrintf(p->comm, "curio: scored %" PetscInt_FMT " candidates", p->cand->n));
    if (sc->has_reference) PetscCall(PetscPrintf(p->comm, " against %" PetscInt_FMT " reference points", sc->reference_size));
    PetscCall(PetscPrintf(p->comm, " (%.3f s)", t1 - t0));
    if (comp[CURIO_SCORE_FDOT_FD])
      PetscCall(
          PetscPrintf(p->comm, "; FD check of fdot: max rel. difference %.2e at delta = %.3e", (double) sc->fd_max_rel_error, (double) sc->delta));
    PetscCall(PetscPrintf(p->comm, "\n"));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Output name of a score: /scores/<name> */
static PetscErrorCode ScoreDatasetName(CurioScoreId id, char name[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(name, len, "/scores/%s", CurioScoreTable[id].name));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The /scores attributes of what was computed: the FD step and check, the reference set */
static PetscErrorCode ScoresWriteAttributes(CurioProblem p, CurioOutput out)
{
  CurioScores *sc = &p->scores;

  PetscFunctionBegin;
  if (sc->needs & CURIO_SCORE_NEEDS_SHIFTED) PetscCall(CurioOutputSetAttributeReal(out, "/scores", "delta", sc->delta));
  if (sc->has_fd_check) PetscCall(CurioOutputSetAttributeReal(out, "/scores", "fd_max_rel_error", sc->fd_max_rel_error));
  if (sc->has_reference) {
    PetscCall(CurioOutputSetAttributeString(out, "/scores", "reference_set", sc->reference_has_test ? "train+test" : "train"));
    PetscCall(CurioOutputSetAttributeInt(out, "/scores", "reference_size", sc->reference_size));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemWriteScores - writes the asked-for scores of a pool held whole (/scores/<name>, with the dimension scale
  and the registry's description as `long_name`) and the /scores attributes

  Collective

  Input Parameters:
+ p     - the problem, after CurioProblemComputeScores()
. out   - the open output file
- scale - the candidates' dimension scale (/candidates/x or /candidates/index)

.seealso: CurioProblemComputeScores(), CurioScoreTable
@*/
PetscErrorCode CurioProblemWriteScores(CurioProblem p, CurioOutput out, const char scale[])
{
  CurioScores *sc = &p->scores;

  PetscFunctionBegin;
  if (!p->has_scores) PetscFunctionReturn(PETSC_SUCCESS);
  for (PetscInt i = 0; i < CURIO_SCORE_COUNT; i++) {
    char name[64];
    if (!sc->want[i] || !sc->v[i]) continue;
    PetscCall(ScoreDatasetName((CurioScoreId) i, name, sizeof(name)));
    PetscCall(CurioOutputWriteVec(out, name, sc->v[i], "candidate"));
    PetscCall(CurioOutputDescribe(out, name, NULL, CurioScoreTable[i].units, CurioScoreTable[i].description));
  }
  PetscCall(ScoresWriteAttributes(p, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One streamed chunk's rows (their x, or their index) and scores, written at their offset in the output */
static PetscErrorCode StreamWriteChunk(CurioProblem p, CurioOutput out, const char scale[], PetscInt n, PetscBool first, PetscInt start,
                                       const CurioRows *rowsp)
{
  CurioScores    *sc   = &p->scores;
  const CurioRows rows = *rowsp;

  PetscFunctionBegin;
  if (rows.is1d) PetscCall(CurioOutputWriteSlab(out, scale, start, rows.nlocal, rows.X));
  else {
    PetscInt *idx;
    PetscCall(PetscMalloc1(PetscMax(rows.nlocal, 1), &idx));
    for (PetscInt i = 0; i < rows.nlocal; i++) idx[i] = start + i;
    PetscCall(CurioOutputWriteIntSlab(out, scale, start, rows.nlocal, idx));
    PetscCall(PetscFree(idx));
  }
  for (PetscInt i = 0; i < CURIO_SCORE_COUNT; i++) {
    const PetscScalar *a;
    char               name[64];
    if (!sc->want[i] || !sc->v[i]) continue;
    PetscCall(ScoreDatasetName((CurioScoreId) i, name, sizeof(name)));
    if (first) {
      PetscCall(CurioOutputCreateArray(out, name, n, PETSC_FALSE, "candidate"));
      PetscCall(CurioOutputDescribe(out, name, NULL, CurioScoreTable[i].units, CurioScoreTable[i].description));
    }
    PetscCall(VecGetArrayRead(sc->v[i], &a));
    PetscCall(CurioOutputWriteSlab(out, name, start, rows.nlocal, a));
    PetscCall(VecRestoreArrayRead(sc->v[i], &a));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The tie rule of the selection: a score that is the same for every candidate up to its rounding (64 eps of itself)
   would rank them by the rounding, differently at each rank count (sti_unlabeled is exactly 1 for squared loss with an
   unpenalized intercept and no test set); it is a tie, broken by index like every tie, and said. What the rule needs
   of the pool, whole or streamed chunk by chunk: the score's extremes and the scores of the first k candidates. */
typedef struct {
  PetscReal lo, hi, *first;
  PetscInt  k, n;
} ScoreTie;

/* Adds the scores v of candidates [c0, c0 + size(v)) */
static PetscErrorCode ScoreTieAdd(ScoreTie *t, Vec v, PetscInt c0)
{
  PetscReal lo, hi;
  PetscInt  n, rlo, rhi;

  PetscFunctionBegin;
  PetscCall(VecGetSize(v, &n));
  PetscCall(VecMin(v, NULL, &lo));
  PetscCall(VecMax(v, NULL, &hi));
  t->lo = PetscMin(t->lo, lo);
  t->hi = PetscMax(t->hi, hi);
  t->n += n;
  if (c0 < t->k) { /* the first k candidates' scores, on every rank */
    const PetscScalar *a;
    PetscReal         *buf;
    PetscInt           m = PetscMin(t->k - c0, n);
    PetscCall(PetscCalloc1(m, &buf));
    PetscCall(VecGetOwnershipRange(v, &rlo, &rhi));
    PetscCall(VecGetArrayRead(v, &a));
    for (PetscInt i = rlo; i < PetscMin(rhi, m); i++) buf[i] = a[i - rlo];
    PetscCall(VecRestoreArrayRead(v, &a));
    PetscCallMPI(MPIU_Allreduce(MPI_IN_PLACE, buf, (PetscMPIInt) m, MPIU_REAL, MPIU_SUM, PetscObjectComm((PetscObject) v)));
    PetscCall(PetscArraycpy(t->first + c0, buf, m));
    PetscCall(PetscFree(buf));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* If the pool's scores are a tie: the first k candidates, their own scores, and the warning */
static PetscErrorCode ScoreTieApply(CurioProblem p, const ScoreTie *t)
{
  PetscFunctionBegin;
  if (!(t->n > 1 && t->hi - t->lo <= 64 * PETSC_MACHINE_EPSILON * PetscMax(PetscAbsReal(t->hi), PetscAbsReal(t->lo))))
    PetscFunctionReturn(PETSC_SUCCESS);
  if (!p->quiet)
    PetscCall(
        PetscPrintf(p->comm,
                    "curio: WARNING -curio_select_by %s is the same for every candidate up to rounding (%.17g to %.17g): it does not rank them, "
                    "and the %" PetscInt_FMT " selected are the first by index\n",
                    CurioScoreTable[p->select_by].name, (double) t->lo, (double) t->hi, t->k));
  for (PetscInt i = 0; i < t->k; i++) {
    p->sel_index[i] = i;
    p->sel_score[i] = t->first[i];
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Merges one streamed chunk's top k (chunk offset c0, cnt rows) into the running top k */
static PetscErrorCode StreamMergeSelection(CurioProblem p, PetscInt c0, PetscInt cnt, PetscInt *have, PetscInt64 run_index[], ScoreTie *tie)
{
  CurioScores *sc = &p->scores;
  PetscInt     kb = PetscMin(p->select_k, cnt), *bi;
  PetscInt64  *bi64;
  PetscReal   *bs;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(kb, &bi, kb, &bi64, kb, &bs));
  PetscCall(CurioSelectTopK(sc->v[p->select_by], kb, bi, bs));
  for (PetscInt i = 0; i < kb; i++) bi64[i] = (PetscInt64) bi[i] + c0;
  CurioTopKMerge(p->select_k, have, run_index, p->sel_score, kb, bi64, bs);
  PetscCall(PetscFree3(bi, bi64, bs));
  PetscCall(ScoreTieAdd(tie, sc->v[p->select_by], c0));
  PetscFunctionReturn(PETSC_SUCCESS);
}
/*@C
  CurioProblemScoreStream - scores a candidate pool too large to hold, chunk by chunk (-curio_pool_chunk rows): each
  chunk is read (every rank its share), scored (the asked-for scores only), written to the output at its offset, and
  merged into the running top-k selection; only one chunk is in memory at a time

  Collective

.seealso: CurioProblemComputeScores(), CurioTopKMerge()
@*/
PetscErrorCode CurioProblemScoreStream(CurioProblem p, CurioOutput out)
{
  CurioScores   *sc = &p->scores;
  CurioScorer    scorer;
  PetscBool      comp[CURIO_SCORE_COUNT];
  PetscInt       n = p->cand->n, chunk = p->cand_chunk, have = 0;
  PetscInt64    *run_index  = NULL;
  ScoreTie       tie        = {PETSC_MAX_REAL, -PETSC_MAX_REAL, NULL, p->select_k, 0};
  PetscScalar   *design     = NULL;
  PetscInt       design_cap = 0, d;
  PetscReal      errmax = 0, fdmax = 0;
  const char    *scale = p->cand->is1d ? "/candidates/x" : "/candidates/index";
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCall(CurioModelGetSize(p->model, &d));
  PetscCall(PetscTime(&t0));
  PetscCall(PetscLogStagePush(CURIO_STAGE_Scores));
  ScoresToCompute(p, comp);
  PetscCall(ProblemScorer(p, comp, &scorer));
  PetscCall(CurioOutputCreateArray(out, scale, n, (PetscBool) !p->cand->is1d, scale)); /* the candidates' coordinate */
  if (p->select_k) {
    PetscCall(PetscFree2(p->sel_index, p->sel_score));
    PetscCall(PetscMalloc2(p->select_k, &p->sel_index, p->select_k, &p->sel_score));
    PetscCall(PetscMalloc2(p->select_k, &run_index, p->select_k, &tie.first));
  }
  for (PetscInt c0 = 0; c0 < n; c0 += chunk) {
    PetscInt  cnt = PetscMin(chunk, n - c0), start;
    CurioRows rows;
    Mat       Phi;
    PetscReal e, f;
    PetscInt  rs, nl;
    PetscCall(CurioRowOwnership(p->comm, cnt, &rs, &nl));
    if (nl * d > design_cap) { /* one buffer for every chunk: no page faults after the first */
      PetscCall(PetscFree(design));
      design_cap = nl * d;
      PetscCall(PetscMalloc1(design_cap, &design));
    }
    if (p->cand->is1d) {
      PetscCall(CurioDataReadCandidates(p->data, c0, cnt, &rows));
      PetscCall(CurioModelBuildDesignWithArray(p->model, &rows, design, &Phi));
    } else { /* feature rows go from a small read buffer straight into the design matrix */
      DesignSink ds = {p->model, design, nl};
      PetscCall(CurioDataReadCandidatesBlocked(p->data, c0, cnt, DesignSinkRows, &ds, &rows));
      PetscCheck(rows.nlocal == nl, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Chunk rows %" PetscInt_FMT " on this rank, expected %" PetscInt_FMT,
                 rows.nlocal, nl);
      PetscCall(CurioModelCreateDesign(p->model, &rows, design, &Phi));
      PetscCall(MatAssemblyBegin(Phi, MAT_FINAL_ASSEMBLY));
      PetscCall(MatAssemblyEnd(Phi, MAT_FINAL_ASSEMBLY));
    }
    PetscCall(ScoresBlock(p, scorer, Phi, &rows, &e, &f));
    errmax = PetscMax(errmax, e);
    fdmax  = PetscMax(fdmax, f);
    start  = c0 + rows.rstart;
    PetscCall(StreamWriteChunk(p, out, scale, n, c0 == 0, start, &rows));
    if (p->select_k) PetscCall(StreamMergeSelection(p, c0, cnt, &have, run_index, &tie));
    if (p->common.monitor)
      PetscCall(PetscPrintf(p->comm, "curio: scored candidates [%" PetscInt_FMT ", %" PetscInt_FMT ") of %" PetscInt_FMT "\n", c0, c0 + cnt, n));
    PetscCall(MatDestroy(&Phi));
    PetscCall(CurioRowsFree(&rows));
  }
  PetscCheck(!p->select_k || have == p->select_k, p->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-curio_select_k %" PetscInt_FMT " is larger than the pool (%" PetscInt_FMT ")", p->select_k, n);
  for (PetscInt i = 0; i < have; i++) p->sel_index[i] = (PetscInt) run_index[i];
  if (p->select_k) PetscCall(ScoreTieApply(p, &tie));
  PetscCall(PetscFree2(run_index, tie.first));
  PetscCall(PetscFree(design));
  PetscCall(ScoresDestroy(sc));
  PetscCall(CurioScorerDestroy(&scorer));
  sc->fd_max_rel_error = fdmax > 0 ? errmax / fdmax : errmax;
  PetscCall(ScoresWriteAttributes(p, out));
  PetscCall(CurioOutputSetAttributeInt(out, "/scores", "chunk", chunk));
  PetscCall(PetscLogStagePop());
  PetscCall(PetscTime(&t1));
  p->time_scores = t1 - t0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemSelect - the -curio_select_k candidates with the largest -curio_select_by score (batch top-k, ties to the
  smaller index; a score equal for every candidate up to 64 eps of itself is a tie, with a warning: ScoreTieApply())

  Collective

.seealso: CurioSelectTopK(), CurioScoreTable
@*/
PetscErrorCode CurioProblemSelect(CurioProblem p)
{
  PetscFunctionBegin;
  if (!p->select_k || !p->has_scores) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFree2(p->sel_index, p->sel_score));
  PetscCall(PetscMalloc2(p->select_k, &p->sel_index, p->select_k, &p->sel_score));
  PetscCheck(p->scores.v[p->select_by], p->comm, PETSC_ERR_ORDER,
             "Score %s was not computed: call CurioProblemComputeScores() after setting select_k", CurioScoreTable[p->select_by].name);
  {
    ScoreTie tie = {PETSC_MAX_REAL, -PETSC_MAX_REAL, NULL, p->select_k, 0};
    PetscCall(CurioSelectTopK(p->scores.v[p->select_by], p->select_k, p->sel_index, p->sel_score));
    PetscCall(PetscMalloc1(p->select_k, &tie.first));
    PetscCall(ScoreTieAdd(&tie, p->scores.v[p->select_by], 0));
    PetscCall(ScoreTieApply(p, &tie));
    PetscCall(PetscFree(tie.first));
  }
  if (p->common.monitor) {
    PetscCall(PetscPrintf(p->comm, "curio: the %" PetscInt_FMT " candidates with the largest %s:", p->select_k, CurioScoreTable[p->select_by].name));
    for (PetscInt i = 0; i < PetscMin(p->select_k, 10); i++) PetscCall(PetscPrintf(p->comm, " %" PetscInt_FMT, p->sel_index[i]));
    PetscCall(PetscPrintf(p->comm, "%s\n", p->select_k > 10 ? " ..." : ""));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemComputeInfluence - classic influence (Koh and Liang) at the optimum: the self-influence of every
  training point, and for each of the first -curio_influence_ntest test points the -curio_influence_k training points
  with the largest |I(z, z')| (CurioFitSelfInfluence(), CurioFitInfluenceTop())
@*/
PetscErrorCode CurioProblemComputeInfluence(CurioProblem p)
{
  PetscInt   d, nt, k = p->influence_k;
  PetscReal *Hinv, top_error;

  PetscFunctionBegin;
  PetscCall(CurioModelGetSize(p->model, &d));
  if (!p->do_influence) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCheck(p->solved, p->comm, PETSC_ERR_ORDER, "Call CurioProblemSolve() first");
  PetscCall(PetscMalloc1(d * d, &Hinv));
  PetscCall(CurioSolverGetInverse(p->solver, Hinv));
  PetscCall(VecDestroy(&p->self_influence));
  PetscCall(CurioFitSelfInfluence(p->fit, Hinv, &p->self_influence, &p->influence_error));
  nt                 = p->PhiTest ? PetscMin(p->influence_ntest, p->test->n) : 0;
  p->influence_ntest = nt;
  PetscCall(PetscFree2(p->infl_index, p->infl_value));
  if (nt > 0) {
    Vec yt, wt;
    if (!p->influence_k_set) k = p->influence_k = PetscMin(k, p->train->n);
    PetscCheck(k >= 1 && k <= p->train->n, p->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-curio_influence_k must be in [1, %" PetscInt_FMT "], got %" PetscInt_FMT, p->train->n, k);
    PetscCall(PetscMalloc2(nt * k, &p->infl_index, nt * k, &p->infl_value));
    PetscCall(CurioRowVec(p->PhiTest, p->test->y, &yt));
    PetscCall(CurioRowVec(p->PhiTest, p->test->w, &wt));
    PetscCall(CurioFitInfluenceTop(p->fit, Hinv, p->PhiTest, yt, wt, nt, k, p->infl_index, p->infl_value, &top_error));
    p->influence_error = PetscMax(p->influence_error, top_error);
    PetscCall(VecDestroy(&yt));
    PetscCall(VecDestroy(&wt));
  }
  if (!(p->influence_error <= CURIO_TANGENT_WARN) && !p->quiet)
    PetscCall(PetscPrintf(p->comm,
                          "curio: WARNING the influence values' estimated error is %.1e of the largest (/influence@forward_error): at s = %g the "
                          "model nearly interpolates its training rows, whose loss derivatives are then small differences of large numbers. "
                          "Raise -curio_s\n",
                          (double) p->influence_error, (double) p->s));
  PetscCall(PetscFree(Hinv));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemView - the run-info header: ranks, data sizes and distribution, model and solver
@*/
PetscErrorCode CurioProblemView(CurioProblem p, PetscViewer viewer)
{
  PetscMPIInt          size;
  PetscInt             nl = p->train->nlocal, nmin, nmax;
  CurioSolverType      st;
  const CurioLossInfo *info;

  PetscFunctionBegin;
  PetscCall(CurioModelGetLoss(p->model, NULL, &info));
  PetscCallMPI(MPI_Comm_size(p->comm, &size));
  PetscCall(MPIU_Allreduce(&nl, &nmin, 1, MPIU_INT, MPI_MIN, p->comm));
  PetscCall(MPIU_Allreduce(&nl, &nmax, 1, MPIU_INT, MPI_MAX, p->comm));
  PetscCall(CurioSolverGetType(p->solver, &st));
  PetscCall(PetscViewerASCIIPrintf(viewer, "curio %s on %d MPI rank%s\n", CURIO_VERSION, size, size > 1 ? "s" : ""));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  PetscCall(CurioDataView(p->data, viewer));
  PetscCall(PetscViewerASCIIPrintf(viewer, "training rows per rank: %" PetscInt_FMT " to %" PetscInt_FMT "\n", nmin, nmax));
  PetscCall(CurioModelView(p->model, viewer));
  PetscCall(PetscViewerASCIIPrintf(viewer, "solver %s\n", CurioSolverTypes[st]));
  if (p->common.s_set) PetscCall(PetscViewerASCIIPrintf(viewer, "s = %g (given)\n", (double) p->s));
  else
    PetscCall(PetscViewerASCIIPrintf(viewer, "s from %s LOOCV over %" PetscInt_FMT " values in [%g%s, %g%s]\n",
                                     info->quadratic ? "exact" : "approximate (eq. 44)", p->grid.ns, (double) p->grid.smin,
                                     p->grid.smin_set ? "" : " x min G_jj/n", (double) p->grid.smax, p->grid.smax_set ? "" : " x lambda_max/n"));
  PetscCall(PetscViewerASCIIPrintf(viewer, "output: %s\n", p->common.output));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemRun - the whole run: LOOCV (and s_opt unless -curio_s), optimum and tangent, scores, output
@*/
PetscErrorCode CurioProblemRun(CurioProblem p)
{
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  if (p->grid.enabled) PetscCall(CurioProblemComputeLOOCV(p));
  PetscCall(CurioProblemSolve(p, p->common.s_set ? p->s : p->curve.s_opt));
  if (p->do_scores) PetscCall(CurioProblemComputeScores(p));
  PetscCall(CurioProblemSelect(p));
  PetscCall(CurioProblemComputeInfluence(p));
  PetscCall(PetscTime(&t1));
  p->time_total = t1 - t0 + p->time_read + p->time_gram;
  PetscCall(CurioProblemWrite(p, p->common.output));
  if (p->common.monitor) PetscCall(PetscPrintf(p->comm, "curio: wrote %s\n", p->common.output));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemGetFit - the fit on the training rows (model, design, labels, weights, solver, optimum and tangent); borrowed
@*/
PetscErrorCode CurioProblemGetFit(CurioProblem p, CurioFit *fit)
{
  PetscFunctionBegin;
  *fit = p->fit;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemGetData - the run's data sets (training, candidates, test); borrowed. Changes before CurioProblemSetUp()
  take effect.
@*/
PetscErrorCode CurioProblemGetData(CurioProblem p, CurioData *data)
{
  PetscFunctionBegin;
  *data = p->data;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemGetModel - the model (loss, regularizer, feature map); borrowed. Changes before CurioProblemSetUp() take
  effect.
@*/
PetscErrorCode CurioProblemGetModel(CurioProblem p, CurioModel *model)
{
  PetscFunctionBegin;
  *model = p->model;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemGetSolver - the solver of H x = b; borrowed
@*/
PetscErrorCode CurioProblemGetSolver(CurioProblem p, CurioSolver *solver)
{
  PetscFunctionBegin;
  *solver = p->solver;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemGetDesign - the design matrices of the training rows, the candidates and the test rows (NULL where the set
  is absent, or streamed); borrowed, after CurioProblemSetUp(). Any output may be NULL.
@*/
PetscErrorCode CurioProblemGetDesign(CurioProblem p, Mat *Phi, Mat *PhiCand, Mat *PhiTest)
{
  PetscFunctionBegin;
  if (Phi) *Phi = p->Phi;
  if (PhiCand) *PhiCand = p->PhiCand;
  if (PhiTest) *PhiTest = p->PhiTest;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemGetScores - the candidates' scores of the last CurioProblemComputeScores() (read-only)
@*/
PetscErrorCode CurioProblemGetScores(CurioProblem p, const CurioScores **scores)
{
  PetscFunctionBegin;
  *scores = &p->scores;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemSetScores - which scores CurioProblemComputeScores() computes (indexed by CurioScoreId), as
  -curio_scores sets them
@*/
PetscErrorCode CurioProblemSetScores(CurioProblem p, const PetscBool want[])
{
  PetscFunctionBegin;
  p->do_scores = PETSC_FALSE;
  for (PetscInt i = 0; i < CURIO_SCORE_COUNT; i++) {
    p->scores.want[i] = want[i];
    if (want[i]) p->do_scores = PETSC_TRUE;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioProblemGetLOOCVCurve - the LOOCV curve and optimum of the last CurioProblemComputeLOOCV() (read-only), or NULL
  before it
@*/
PetscErrorCode CurioProblemGetLOOCVCurve(CurioProblem p, const CurioLOOCVCurve **curve)
{
  PetscFunctionBegin;
  *curve = p->has_curve ? &p->curve : NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*
  CurioActive: one pool-based active-learning loop (-curio_mode active).

  Problem: a labeled seed set, an unlabeled pool whose labels an oracle (/candidates/y) reveals one batch at a time, a
  held-out test set. Method: each round trains the regularized model on the labeled set (a CurioFit whose rows are the
  labeled set in labeling order, PETSc's default split; warm start from the previous round's theta), s by LOOCV
  (CurioFitCVGridCurve()) every -curio_al_retune_every rounds, the tangent theta_dot = -H^{-1} grad R, scores the unlabeled pool with the
  chosen strategy (strategies.c), selects a batch, reveals its labels and adds it to the labeled set, until
  -curio_al_budget labels. After every round the output file is rewritten atomically with everything needed to continue
  (-curio_restart FILE).

  Run one loop on 2 ranks:
      mpiexec -n 2 ./build/curio -curio_mode active -curio_input pool.h5 -curio_al_strategy sld -curio_output al.h5
*/
#include "activeimpl.h"
#include <libgen.h>
#include <unistd.h>

/*@C
  CurioActiveCreate - creates an active-learning loop with the defaults of -curio_mode active (strategy sld, batch 5,
  budget 60, s re-tuned by LOOCV every round, output active.h5)

  Collective

  Input Parameter:
. comm - the communicator of the loop's ranks

  Output Parameter:
. alp - the loop

.seealso: `CurioActiveSetFromOptions()`, `CurioActiveRun()`, `CurioActiveDestroy()`
@*/
PetscErrorCode CurioActiveCreate(MPI_Comm comm, CurioActive *alp)
{
  CurioAL al;

  PetscFunctionBegin;
  PetscCall(CurioInitializePackage());
  PetscCall(PetscNew(&al));
  al->comm         = comm;
  al->file         = -1;
  al->common.s     = 1.0;
  al->seed_size    = 0; /* the rule max(d + 1, 20) */
  al->s_floor      = 0.01;
  al->mix_alpha    = 0.5;
  al->batch        = 5;
  al->budget       = 60;
  al->retune_every = 1;
  PetscCall(PetscStrncpy(al->common.output, "active.h5", sizeof(al->common.output)));
  PetscCall(PetscStrncpy(al->strategy_name, "sld", sizeof(al->strategy_name)));
  PetscCall(CurioCVGridInitialize(&al->grid));
  *alp = al;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioActiveDestroy - frees a loop and everything it holds (data, model, solver, the last fit, the learning curve)

  Collective

  Input Parameter:
. alp - the loop; NULL on return

.seealso: `CurioActiveCreate()`
@*/
PetscErrorCode CurioActiveDestroy(CurioActive *alp)
{
  CurioAL al = *alp;

  PetscFunctionBegin;
  if (!al) PetscFunctionReturn(PETSC_SUCCESS);
  if (al->file >= 0) H5Fclose(al->file);
  PetscCall(CurioALGroupsFree(al));
  PetscCall(CurioFitDestroy(&al->fit));
  PetscCall(CurioSolverDestroy(&al->solver));
  PetscCall(CurioRowsFree(&al->pool));
  PetscCall(CurioRowsFree(&al->test));
  PetscCall(PetscFree2(al->init_X, al->init_y));
  PetscCall(PetscFree(al->init_w));
  PetscCall(PetscFree(al->pool_src));
  PetscCall(PetscFree(al->pool_w));
  PetscCall(PetscFree(al->lab_w));
  PetscCall(PetscFree(al->row_at_floor));
  PetscCall(PetscFree(al->pool_y));
  PetscCall(PetscFree(al->mindist));
  PetscCall(CurioModelDestroy(&al->model));
  PetscCall(MatDestroy(&al->PhiPool));
  PetscCall(MatDestroy(&al->PhiTest));
  PetscCall(VecDestroy(&al->ytest));
  PetscCall(VecDestroy(&al->eta_pool));
  PetscCall(VecDestroy(&al->theta));
  PetscCall(VecDestroy(&al->theta_dot));
  PetscCall(VecDestroy(&al->unlabeled));
  PetscCall(PetscFree4(al->lab_index, al->lab_round, al->lab_X, al->lab_y));
  PetscCall(PetscFree5(al->row_nlab, al->row_err, al->row_s, al->row_smax, al->row_smean));
  PetscCall(PetscFree5(al->row_ttrain, al->row_ttangent, al->row_tscore, al->row_tselect, al->row_tpredict));
  PetscCall(PetscFree2(al->theta_full, al->theta_dot_full));
  PetscCall(PetscFree(al->row_at_boundary));
  PetscCall(PetscFree(*alp));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioActiveSetFromOptions - reads the loop's options (README, "Active learning"): input, output, restart, the
  -curio_al_* protocol, -curio_s and the LOOCV grid of re-tuning; the model and the solver read theirs in
  CurioActiveSetUp()

  Collective

  Input Parameter:
. al - the loop

.seealso: `CurioActiveCreate()`, `CurioActiveSetUp()`, `CurioCVGridSetFromOptions()`
@*/
PetscErrorCode CurioActiveSetFromOptions(CurioActive al)
{
  const char *choices[] = {"random", "gsx"}, *splits[] = {"fixed", "random"};
  PetscInt    choice = al->seed_gsx ? 1 : 0, split = al->split_random ? 1 : 0;

  PetscFunctionBegin;
  PetscOptionsBegin(al->comm, NULL, "curio active learning (-curio_mode active; -curio_al_* also every run of -curio_mode study)", "CurioAL");
  PetscCall(CurioCommonOptionsRead(PetscOptionsObject, &al->common));
  PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_restart", al->restart, sizeof(al->restart), NULL));
  PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_candidates", al->cand_file, sizeof(al->cand_file), NULL));
  PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_test", al->test_file, sizeof(al->test_file), NULL));
  PetscCall(CurioCVGridSetFromOptions(PetscOptionsObject, al->common.s_set, &al->grid));
  PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_al_strategy", al->strategy_name, sizeof(al->strategy_name), NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_al_seed", &al->seed, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_al_seed_size", &al->seed_size, NULL));
  PetscCall(CurioOptionsEList(PetscOptionsObject, "-curio_al_seed_choice", choices, 2, &choice, NULL));
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_al_seed_stratify", &al->stratify, &al->stratify_set));
  PetscCall(CurioOptionsEList(PetscOptionsObject, "-curio_al_split", splits, 2, &split, &al->split_set));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_al_s_floor", &al->s_floor, NULL));
  PetscCall(CurioOptionsReal(PetscOptionsObject, "-curio_al_mix_alpha", &al->mix_alpha, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_al_batch", &al->batch, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_al_budget", &al->budget, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_al_retune_every", &al->retune_every, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_al_stop_after", &al->stop_after, NULL));
  PetscOptionsEnd();
  al->seed_gsx        = (PetscBool) (choice == 1);
  al->split_random    = (PetscBool) (split == 1);
  al->seed_size_given = al->seed_size;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* What identifies a loop: a restart file must carry the same, key by key */
static PetscErrorCode Signature(CurioAL al, char sig[], size_t len)
{
  char                 s[128], proto[2 * PETSC_MAX_PATH_LEN + 512];
  CurioSolverType      solver;
  CurioRegularizerType reg;
  PetscInt             degree;
  PetscBool            intercept;
  PetscReal            lo, hi;

  PetscFunctionBegin;
  PetscCall(CurioSolverGetType(al->solver, &solver));
  PetscCall(CurioModelGetRegularizer(al->model, &reg));
  PetscCall(CurioModelGetFeatureMap(al->model, NULL, &degree, &intercept));
  PetscCall(CurioModelGetDomain(al->model, &lo, &hi, NULL));
  if (al->retune_every == 0) PetscCall(PetscSNPrintf(s, sizeof(s), "%.17g", (double) al->common.s));
  else PetscCall(PetscSNPrintf(s, sizeof(s), "loocv %.17g %.17g %" PetscInt_FMT, (double) al->grid.smin, (double) al->grid.smax, al->grid.ns));
  PetscCall(PetscSNPrintf(proto, sizeof(proto), ";seed_rule=%s;seed_stratified=%d;split=%s;s_floor=%.17g;weights=%d",
                          al->n_init            ? "train"
                          : al->seed_size_given ? "given"
                                                : "max(d+1,20)",
                          (int) (al->stratify && !al->n_init && !al->seed_gsx), al->split_random ? "random" : "fixed", (double) al->s_floor,
                          al->pool_w || al->init_w ? 1 : 0));
  if (al->cand_file[0]) { /* LIBSVM: the pool is the data set; the test and seed files are part of what identifies the loop */
    char files[2 * PETSC_MAX_PATH_LEN + 32];
    PetscCall(PetscSNPrintf(files, sizeof(files), ";test_file=%s;train_file=%s", al->test_file, al->common.input));
    PetscCall(PetscStrlcat(proto, files, sizeof(proto)));
  }
  if (!strcmp(al->strategy->name, "sld_var")) { /* a strategy's own parameter: strategy_* keys differ between strategies by design */
    char mix[64];
    PetscCall(PetscSNPrintf(mix, sizeof(mix), ";strategy_alpha=%.17g", (double) al->mix_alpha));
    PetscCall(PetscStrlcat(proto, mix, sizeof(proto)));
  }
  PetscCall(PetscSNPrintf(
      sig, len,
      "schema_version=%d;dataset=%s;n_pool=%" PetscInt_FMT ";n_test=%" PetscInt_FMT ";d=%" PetscInt_FMT ";strategy=%s;seed=%" PetscInt_FMT
      ";seed_size=%" PetscInt_FMT ";seed_choice=%s;batch_k=%" PetscInt_FMT ";budget=%" PetscInt_FMT
      ";loss=%s;regularizer=%s;intercept=%d;degree=%" PetscInt_FMT ";domain=%.17g %.17g;s=%s;retune_every=%" PetscInt_FMT ";solver=%s%s",
      CURIO_SCHEMA_VERSION, al->source, al->n_pool, al->test.n, al->d, al->strategy->name, al->seed, al->n_init ? al->n_init : al->seed_size,
      al->n_init     ? "train"
      : al->seed_gsx ? "gsx"
                     : "random",
      al->batch, al->budget, CurioLossTypes[al->loss], CurioRegularizerTypes[reg], (int) intercept, al->is1d ? degree : 0,
      al->is1d ? (double) lo : 0.0, al->is1d ? (double) hi : 0.0, s, al->retune_every, CurioSolverTypes[solver], proto));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Appends points to the labeled set (replicated): their pool index, the row at which they enter, label, input row */
static PetscErrorCode AddLabeled(CurioAL al, PetscInt k, const PetscInt idx[], const PetscReal y[], PetscInt round)
{
  PetscInt lo, hi;

  PetscFunctionBegin;
  PetscCheck(al->nlab + k <= al->cap, al->comm, PETSC_ERR_PLIB, "Labeled set overflow");
  PetscCall(VecGetOwnershipRange(al->unlabeled, &lo, &hi));
  for (PetscInt t = 0; t < k; t++) {
    PetscInt n       = al->nlab++;
    al->lab_index[n] = idx[t];
    al->lab_round[n] = round;
    al->lab_y[n]     = y[t];
    al->lab_w[n]     = al->pool_w ? al->pool_w[idx[t]] : 1.0;
    PetscCall(CurioALPoolRow(al, idx[t], al->lab_X + n * al->dim));
    if (idx[t] >= lo && idx[t] < hi) PetscCall(VecSetValue(al->unlabeled, idx[t], 0.0, INSERT_VALUES));
    if (al->mindist) PetscCall(CurioALUpdateMinDist(al, 1, al->lab_X + n * al->dim));
  }
  PetscCall(VecAssemblyBegin(al->unlabeled));
  PetscCall(VecAssemblyEnd(al->unlabeled));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A seed set stratified by class (logistic loss): n1 = round(n0 c1 / n_pool) points of class 1 and n0 - n1 of class
   0, at least one of each class the pool has, each class's points those with the largest deviates of stream 0 (the
   random seed set restricted to the class). It reads the pool's class labels once, as a stratified split does; the
   strategies never see them (only the seed points' labels enter the labeled set). idx: class 1 first, then class 0. */
static PetscErrorCode SeedSetStratified(CurioAL al, Vec score, PetscInt n0, PetscInt idx[])
{
  PetscReal   *y, c[2] = {0, 0};
  PetscInt     lo, hi, q[2];
  PetscScalar *a;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(score, &lo, &hi));
  PetscCall(PetscMalloc1(PetscMax(hi - lo, 1), &y));
  PetscCall(CurioALReadPoolLabels(al, y));
  for (PetscInt i = 0; i < hi - lo; i++) c[y[i] == 1.0 ? 1 : 0] += 1;
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, c, 2, MPIU_REAL, MPIU_SUM, al->comm));
  q[1] = (PetscInt) PetscFloorReal(n0 * c[1] / (c[0] + c[1]) + 0.5);
  if (c[1] > 0 && q[1] < 1) q[1] = 1;
  if (c[0] > 0 && n0 - q[1] < 1) q[1] = n0 - 1;
  q[1] = PetscMin(q[1], (PetscInt) c[1]);
  q[0] = n0 - q[1];
  PetscCheck(q[0] <= c[0], al->comm, PETSC_ERR_ARG_OUTOFRANGE, "A stratified seed set of %" PetscInt_FMT " points does not fit the pool's classes",
             n0);
  for (PetscInt k = 1, at = 0; k >= 0; at += q[k], k--) {
    if (!q[k]) continue; /* a pool of one class: the whole seed set is of the other */
    PetscCall(VecGetArrayWrite(score, &a));
    for (PetscInt i = lo; i < hi; i++)
      a[i - lo] = y[i - lo] == (PetscReal) k ? CurioRandomUniform(al->seed, CURIO_AL_STREAM_SEED, i) : (PetscReal) NAN;
    PetscCall(VecRestoreArrayWrite(score, &a));
    PetscCall(CurioSelectTopK(score, q[k], idx + at, NULL));
  }
  PetscCall(PetscFree(y));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The seed set: /train if the input has it, else seed_size pool points, drawn at random (the largest counter-based
   deviates of stream 0, so every strategy of a (data set, seed) pair gets the same set) or by GSx (the point nearest
   the pool's centroid, then farthest-first in input space) */
static PetscErrorCode ChooseSeedSet(CurioAL al)
{
  PetscInt   n0 = al->seed_size, *idx, lo, hi;
  PetscReal *y, *vals;
  Vec        score;

  PetscFunctionBegin;
  if (al->n_init) {
    for (PetscInt i = 0; i < al->n_init; i++) {
      al->lab_index[i] = -1;
      al->lab_round[i] = 0;
      al->lab_y[i]     = al->init_y[i];
      al->lab_w[i]     = al->init_w[i];
    }
    PetscCall(PetscArraycpy(al->lab_X, al->init_X, al->n_init * al->dim));
    al->nlab = al->n_init;
    if (al->loss == CURIO_LOSS_LOGISTIC) { /* the labels are replicated: every rank decides alike */
      PetscInt n1 = 0;
      for (PetscInt i = 0; i < al->n_init; i++) n1 += al->init_y[i] == 1.0;
      if (n1 == 0 || n1 == al->n_init)
        PetscCall(PetscFPrintf(al->comm, PETSC_STDERR,
                               "curio: warning: every label of /train (the seed set, %" PetscInt_FMT " rows) is %d: the first model sees one class, "
                               "its scores carry little information until the other is labeled\n",
                               al->n_init, n1 ? 1 : 0));
    }
    if (al->mindist) PetscCall(CurioALUpdateMinDist(al, al->nlab, al->lab_X));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscMalloc3(n0, &idx, n0, &y, n0, &vals));
  PetscCall(VecDuplicate(al->eta_pool, &score));
  PetscCall(VecGetOwnershipRange(score, &lo, &hi));
  if (!al->seed_gsx && al->stratify) PetscCall(SeedSetStratified(al, score, n0, idx));
  else if (!al->seed_gsx) {
    PetscScalar *s;
    PetscCall(VecGetArrayWrite(score, &s));
    for (PetscInt i = lo; i < hi; i++) s[i - lo] = CurioRandomUniform(al->seed, CURIO_AL_STREAM_SEED, i);
    PetscCall(VecRestoreArrayWrite(score, &s));
    PetscCall(CurioSelectTopK(score, n0, idx, vals));
  } else {
    PetscReal   *c, *s;
    PetscBool    track = (PetscBool) (al->mindist != NULL);
    PetscScalar *a;
    PetscCall(PetscCalloc1(al->dim, &c));
    for (PetscInt i = 0; i < al->pool.nlocal; i++)
      for (PetscInt j = 0; j < al->dim; j++) c[j] += al->pool.X[i * al->dim + j];
    PetscCall(CurioAllreduceSum(al->comm, c, al->dim));
    for (PetscInt j = 0; j < al->dim; j++) c[j] /= al->n_pool;
    PetscCall(VecGetArrayWrite(score, &a));
    for (PetscInt i = 0; i < hi - lo; i++) {
      PetscReal d2 = 0;
      for (PetscInt j = 0; j < al->dim; j++) d2 += PetscSqr(al->pool.X[i * al->dim + j] - c[j]);
      a[i] = -PetscSqrtReal(d2);
    }
    PetscCall(VecRestoreArrayWrite(score, &a));
    PetscCall(CurioSelectTopK(score, 1, idx, vals));
    PetscCall(PetscMalloc1(al->dim, &s));
    PetscCall(CurioALPoolRow(al, idx[0], s));
    PetscCall(CurioALUpdateMinDist(al, 1, s));
    for (PetscInt t = 1; t < n0; t++) {
      PetscCall(VecGetArrayWrite(score, &a));
      for (PetscInt i = 0; i < hi - lo; i++) a[i] = al->mindist[i];
      for (PetscInt l = 0; l < t; l++)
        if (idx[l] >= lo && idx[l] < hi) a[idx[l] - lo] = (PetscReal) NAN;
      PetscCall(VecRestoreArrayWrite(score, &a));
      PetscCall(CurioSelectTopK(score, 1, idx + t, vals + t));
      PetscCall(CurioALPoolRow(al, idx[t], s));
      PetscCall(CurioALUpdateMinDist(al, 1, s));
    }
    PetscCall(PetscFree(s));
    PetscCall(PetscFree(c));
    if (!track) PetscCall(PetscFree(al->mindist)); /* AddLabeled keeps it up to date only for gsx */
  }
  PetscCall(CurioALOracleReveal(al, n0, idx, y));
  PetscCall(AddLabeled(al, n0, idx, y, 0));
  PetscCall(VecDestroy(&score));
  PetscCall(PetscFree3(idx, y, vals));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Test error of the current model: the loss's test metric (RMSE for squared loss, mean log-loss for logistic) */
static PetscErrorCode TestError(CurioAL al, PetscReal *err)
{
  Vec                f;
  const PetscScalar *pf, *py;
  PetscInt           m;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(al->ytest, &f));
  PetscCall(MatMult(al->PhiTest, al->theta, f));
  PetscCall(VecGetLocalSize(f, &m));
  PetscCall(VecGetArrayRead(f, &pf));
  PetscCall(VecGetArrayRead(al->ytest, &py));
  PetscCall(CurioLossTestError(al->loss, al->comm, m, pf, py, al->test.n, err));
  PetscCall(VecRestoreArrayRead(f, &pf));
  PetscCall(VecRestoreArrayRead(al->ytest, &py));
  PetscCall(VecDestroy(&f));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The current round's fit: the loop's model on the labeled set (PETSc's default split in labeling order), its
   operator handed to the loop's solver, theta at the regularizer's centre; the fit keeps the design, labels and
   weights it is made of */
static PetscErrorCode LabeledFitCreate(CurioAL al)
{
  CurioRows tr;
  Mat       Phi;
  Vec       y, w;

  PetscFunctionBegin;
  PetscCall(CurioFitDestroy(&al->fit));
  PetscCall(CurioSolverReset(al->solver));
  PetscCall(CurioRowsAllocate(al->comm, al->nlab, al->dim, al->is1d, PETSC_TRUE, &tr));
  PetscCall(PetscArraycpy(tr.X, al->lab_X + tr.rstart * al->dim, tr.nlocal * al->dim));
  PetscCall(PetscArraycpy(tr.y, al->lab_y + tr.rstart, tr.nlocal));
  PetscCall(PetscArraycpy(tr.w, al->lab_w + tr.rstart, tr.nlocal));
  PetscCall(CurioModelBuildDesign(al->model, &tr, &Phi));
  PetscCall(CurioRowVec(Phi, tr.y, &y));
  PetscCall(CurioRowVec(Phi, tr.w, &w));
  PetscCall(CurioModelCheckLabels(al->model, &tr, al->source, "train"));
  PetscCall(CurioRowsFree(&tr));
  PetscCall(CurioFitCreate(al->model, Phi, y, w, al->solver, &al->fit));
  PetscCall(MatDestroy(&Phi));
  PetscCall(VecDestroy(&y));
  PetscCall(VecDestroy(&w));
  PetscCall(CurioFitSetUp(al->fit));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* s by LOOCV on the current fit over the grid of the options; at_boundary: the optimum is at an end of the grid,
   at_floor: it was raised to the floor */
static PetscErrorCode RetuneS(CurioAL al, PetscReal *s, PetscInt *at_boundary, PetscInt *at_floor)
{
  CurioLOOCVCurve curve;
  PetscReal       scale;

  PetscFunctionBegin;
  PetscCall(PetscLogStagePush(CURIO_STAGE_LOOCV));
  PetscCall(CurioFitCVGridCurve(al->fit, &al->grid, &curve, NULL, NULL, &scale));
  PetscCall(PetscLogStagePop());
  *s           = curve.s_opt;
  *at_boundary = curve.at_boundary ? 1 : 0;
  PetscCall(CurioLOOCVCurveFree(&curve));
  /* the floor relative to the Gram's scale (README, "Protocol"): with few labels LOOCV can run to the lower end (separable
     classes: towards s = 0), and a model at a vanishing s is erratic; scale = lambda_max(Phi^T W Phi)/n is set whenever
     a grid end is the default */
  if (al->s_floor > 0 && scale > 0 && *s < al->s_floor * scale) {
    *s        = al->s_floor * scale;
    *at_floor = 1;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The model of row `row`: a fit on the labeled set, s re-tuned by LOOCV on the rows the options say, theta*
   warm-started from the previous model's theta, and theta_dot */
static PetscErrorCode FitRow(CurioAL al, PetscInt row, PetscReal *ttrain, PetscReal *ttangent, PetscInt *at_boundary, PetscInt *at_floor)
{
  PetscLogDouble t0, t1;
  PetscReal      s, time_tangent;
  Vec            theta, theta_dot;

  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(PetscLogStagePush(CURIO_STAGE_Setup)); /* the round's fit on the labeled set */
  PetscCall(LabeledFitCreate(al));
  PetscCall(PetscLogStagePop());
  PetscCall(CurioFitGetSolution(al->fit, &theta, &theta_dot));
  if (al->have_theta) PetscCall(CurioVecSetFromReplicated(theta, al->theta_full));
  *at_boundary = 0;
  *at_floor    = 0;
  s            = al->retune_every == 0 ? al->common.s : al->s; /* fixed, or the last re-tuning's */
  if (al->retune_every > 0 && row % al->retune_every == 0) PetscCall(RetuneS(al, &s, at_boundary, at_floor));
  PetscCall(CurioFitSolve(al->fit, s));
  PetscCall(CurioFitGetDiagnostics(al->fit, &al->sigma2, NULL));
  PetscCall(CurioFitGetTimes(al->fit, NULL, &time_tangent));
  al->s = s;
  PetscCall(CurioVecGatherAll(theta, al->theta_full));
  PetscCall(CurioVecGatherAll(theta_dot, al->theta_dot_full));
  PetscCall(CurioVecSetFromReplicated(al->theta, al->theta_full));
  PetscCall(CurioVecSetFromReplicated(al->theta_dot, al->theta_dot_full));
  al->have_theta = PETSC_TRUE;
  PetscCall(PetscTime(&t1));
  *ttangent = time_tangent;
  *ttrain   = (t1 - t0) - time_tangent;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The active output's schema: dimensions, units and long_name of every dataset (docs/design.md, "Output datasets") */
static const CurioOutputField ActiveFields[] = {
    {"/rounds/n_labeled", "round", "1", "labeled-set size of the model of the row (row 0: the seed set)"},
    {"/rounds/test_error", "round", "[metric]", "test error of the model of the row (the root attribute metric: rmse in [y], or log-loss)"},
    {"/rounds/s", "round", "1", "regularity s of the model of the row"},
    {"/rounds/s_at_boundary", "round", "1", "1 if the row's LOOCV optimum was at an end of the grid"},
    {"/rounds/s_at_floor", "round", "1", "1 if the row's LOOCV optimum was raised to the floor -curio_al_s_floor x lambda_max(G)/n"},
    {"/rounds/score_max", "round", "[score]", "largest score over the unlabeled pool (NaN in the last row)"},
    {"/rounds/score_mean", "round", "[score]", "mean score over the unlabeled pool (NaN in the last row)"},
    {"/rounds/time_train", "round", "s", "setup, LOOCV and training time of the row (max over ranks)"},
    {"/rounds/time_tangent", "round", "s", "tangent time of the row (max over ranks)"},
    {"/rounds/time_score", "round", "s", "scoring time of the row (max over ranks)"},
    {"/rounds/time_select", "round", "s", "selection time of the row (max over ranks)"},
    {"/rounds/time_predict", "round", "s", "one Phi_pool theta product, for comparison"},
    {"/selected/index", "label", "1", "pool index of the labeled point, in labeling order (-1: a /train row)"},
    {"/selected/round", "label", "1", "row at which the point entered the labeled set"},
    {"/selected/y", "label", "[y]", "revealed label"},
    {"/model/theta", "feature", "[f]/[phi]", "theta of the last model"},
    {"/model/theta_dot", "feature", "[f]/[phi]", "regularity tangent of the last model"},
    {"/model/s", NULL, "1", "regularity s of the last model"},
};

/* The protocol of the run (README, "Protocol"), as root attributes: seed-set size and rule, stratification, split and
   its seed, the policy of s */
static PetscErrorCode WriteProtocol(CurioAL al, CurioOutput out)
{
  char policy[256];

  PetscFunctionBegin;
  PetscCall(CurioOutputSetAttributeString(out, "/", "seed_rule", al->n_init ? "train" : al->seed_size_given ? "given" : "max(d+1,20)"));
  PetscCall(CurioOutputSetAttributeInt(out, "/", "seed_stratified", al->stratify && !al->n_init && !al->seed_gsx));
  PetscCall(CurioOutputSetAttributeString(out, "/", "split", al->split_random ? "random" : "fixed"));
  PetscCall(CurioOutputSetAttributeInt(out, "/", "split_seed", al->split_random ? al->seed : -1));
  if (al->retune_every == 0) PetscCall(PetscSNPrintf(policy, sizeof(policy), "fixed s = %g (-curio_s)", (double) al->common.s));
  else
    PetscCall(PetscSNPrintf(policy, sizeof(policy),
                            "LOOCV every %" PetscInt_FMT " round(s) on the grid of -curio_loocv_smin/smax/ns, floor %g x lambda_max(Phi^T W Phi)/n",
                            al->retune_every, (double) al->s_floor));
  PetscCall(CurioOutputSetAttributeString(out, "/", "s_policy", policy));
  PetscCall(CurioOutputSetAttributeReal(out, "/", "s_floor", al->s_floor));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The state of every completed row (kind "active", README), into an open output */
static PetscErrorCode WriteOutputContents(CurioAL al, const char sig[], PetscBool completed, CurioOutput out)
{
  PetscInt n = al->nrows;

  PetscFunctionBegin;
  PetscCall(CurioOutputWriteProvenance(out, "active"));
  PetscCall(CurioOutputSetAttributeString(out, "/", "dataset", al->source));
  PetscCall(CurioOutputSetAttributeString(out, "/", "dataset_name", al->dataset_name));
  PetscCall(CurioOutputSetAttributeString(out, "/", "strategy", al->strategy->name));
  PetscCall(CurioOutputSetAttributeInt(out, "/", "seed", al->seed));
  PetscCall(CurioOutputSetAttributeInt(out, "/", "batch_k", al->batch));
  PetscCall(CurioOutputSetAttributeInt(out, "/", "budget", al->budget));
  PetscCall(CurioOutputSetAttributeInt(out, "/", "seed_size", al->n_init ? al->n_init : al->seed_size));
  PetscCall(CurioOutputSetAttributeString(out, "/", "loss", CurioLossTypes[al->loss]));
  PetscCall(CurioOutputSetAttributeString(out, "/", "metric", CurioLossTable[al->loss].metric));
  PetscCall(CurioOutputSetAttributeInt(out, "/", "n_pool", al->n_pool));
  PetscCall(CurioOutputSetAttributeInt(out, "/", "n_test", al->test.n));
  PetscCall(CurioOutputSetAttributeInt(out, "/", "d", al->d));
  PetscCall(CurioOutputSetAttributeInt(out, "/", "completed", completed));
  PetscCall(CurioOutputSetAttributeInt(out, "/", "reads_all_labels", al->strategy->reads_all_labels));
  PetscCall(CurioOutputSetAttributeString(out, "/", "signature", sig));
  PetscCall(CurioOutputSetAttributeString(out, "/", "seed_choice", al->n_init ? "train" : al->seed_gsx ? "gsx" : "random"));
  PetscCall(CurioOutputSetAttributeInt(out, "/", "retune_every", al->retune_every));
  PetscCall(WriteProtocol(al, out));
  /* the RNG state: the random strategy's stream of the next row is CURIO_AL_STREAM_RANDOM + rng_counter */
  PetscCall(CurioOutputSetAttributeInt(out, "/", "rng_counter", n));
  PetscCall(CurioOutputWriteIntArray(out, "/rounds/n_labeled", n, 0, al->row_nlab));
  PetscCall(CurioOutputWriteArray(out, "/rounds/test_error", n, al->row_err, NULL));
  PetscCall(CurioOutputWriteArray(out, "/rounds/s", n, al->row_s, NULL));
  PetscCall(CurioOutputWriteIntArray(out, "/rounds/s_at_boundary", n, 0, al->row_at_boundary));
  PetscCall(CurioOutputWriteIntArray(out, "/rounds/s_at_floor", n, 0, al->row_at_floor));
  PetscCall(CurioOutputWriteArray(out, "/rounds/score_max", n, al->row_smax, NULL));
  PetscCall(CurioOutputWriteArray(out, "/rounds/score_mean", n, al->row_smean, NULL));
  PetscCall(CurioOutputWriteArray(out, "/rounds/time_train", n, al->row_ttrain, NULL));
  PetscCall(CurioOutputWriteArray(out, "/rounds/time_tangent", n, al->row_ttangent, NULL));
  PetscCall(CurioOutputWriteArray(out, "/rounds/time_score", n, al->row_tscore, NULL));
  PetscCall(CurioOutputWriteArray(out, "/rounds/time_select", n, al->row_tselect, NULL));
  PetscCall(CurioOutputWriteArray(out, "/rounds/time_predict", n, al->row_tpredict, NULL));
  PetscCall(CurioOutputWriteIntArray(out, "/selected/index", al->nlab, 0, al->lab_index));
  PetscCall(CurioOutputWriteIntArray(out, "/selected/round", al->nlab, 0, al->lab_round));
  PetscCall(CurioOutputWriteArray(out, "/selected/y", al->nlab, al->lab_y, NULL));
  PetscCall(CurioOutputWriteArray(out, "/model/theta", al->d, al->theta_full, NULL));
  PetscCall(CurioOutputWriteArray(out, "/model/theta_dot", al->d, al->theta_dot_full, NULL));
  PetscCall(CurioOutputWriteScalar(out, "/model/s", al->s));
  PetscCall(CurioOutputDescribeFields(out, PETSC_STATIC_ARRAY_LENGTH(ActiveFields), ActiveFields));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Writes the output atomically after every round (the same atomic write as checkpoints: the previous round's file
   stays until the new one is complete and synced); if any write fails, every rank raises the error, the temporary
   file is removed and the previous round's output stays as it was, so the loop can restart from it */
typedef struct {
  CurioAL     al;
  const char *sig;
  PetscBool   completed;
} WriteCtx;

static PetscErrorCode WriteOutputCallback(CurioOutput out, void *ctx)
{
  WriteCtx *w = (WriteCtx *) ctx;

  PetscFunctionBegin;
  PetscCall(WriteOutputContents(w->al, w->sig, w->completed, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteOutput(CurioAL al, const char sig[], PetscBool completed)
{
  WriteCtx w = {al, sig, completed};

  PetscFunctionBegin;
  PetscCall(PetscLogStagePush(CURIO_STAGE_Write));
  PetscCall(CurioOutputWrite(al->comm, al->common.output, WriteOutputCallback, &w));
  PetscCall(PetscLogStagePop());
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A dataset of a restart file must match its checksum (written with it, src/io/h5.c): a flipped bit is refused
   with the dataset named, not restarted from */
static PetscErrorCode CheckRestartChecksum(MPI_Comm comm, hid_t file, const char fname[], const char name[])
{
  int status;

  PetscFunctionBegin;
  PetscCall(CurioH5VerifyChecksum(comm, file, name, &status));
  PetscCheck(status != 1, comm, PETSC_ERR_FILE_UNEXPECTED, "Restart file '%s': dataset '%s' has no checksum (written by an older curio, or altered?)",
             fname, name);
  PetscCheck(status != 3, comm, PETSC_ERR_FILE_READ, "Restart file '%s': reading dataset '%s' failed (truncated or corrupt file?)", fname, name);
  PetscCheck(status == 0, comm, PETSC_ERR_FILE_UNEXPECTED, "Restart file '%s': dataset '%s' does not match its checksum: the file is corrupt", fname,
             name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A replicated 1-D dataset of a restart file, every rank the whole of it (the io layer's collective read) */
static PetscErrorCode ReadArray(MPI_Comm comm, hid_t file, const char fname[], const char name[], PetscInt n, PetscBool integer, void *buf)
{
  hid_t      d;
  PetscBool  exists, ok;
  PetscInt64 len;

  PetscFunctionBegin;
  PetscCall(CurioH5DatasetLength(comm, file, fname, name, integer, &exists, &len));
  PetscCheck(exists, comm, PETSC_ERR_FILE_UNEXPECTED, "Restart file '%s': dataset '%s' is missing", fname, name);
  PetscCheck(len == n, comm, PETSC_ERR_FILE_UNEXPECTED, "Restart file '%s': dataset '%s' must have shape (%" PetscInt_FMT ")", fname, name, n);
  PetscCall(CheckRestartChecksum(comm, file, fname, name));
  d = H5Dopen2(file, name, H5P_DEFAULT);
  if (integer) {
    int64_t *b;
    PetscCall(PetscMalloc1(PetscMax(n, 1), &b));
    PetscCall(CurioH5ReadBlock(comm, d, H5T_NATIVE_INT64, 0, n, 0, b, &ok));
    for (PetscInt i = 0; i < n; i++) ((PetscInt *) buf)[i] = (PetscInt) b[i];
    PetscCall(PetscFree(b));
  } else PetscCall(CurioH5ReadBlock(comm, d, H5T_NATIVE_DOUBLE, 0, n, 0, buf, &ok));
  H5Dclose(d);
  PetscCheck(ok, comm, PETSC_ERR_FILE_READ, "Restart file '%s': reading '%s' failed", fname, name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Whether an output file exists and is complete (a study skips such runs); collective */
PetscErrorCode CurioALOutputState(MPI_Comm comm, const char path[], PetscBool *exists, PetscBool *completed)
{
  PetscMPIInt rank;
  int         st[2] = {0, 0};

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0 && !access(path, F_OK)) {
    hid_t file;
    st[0] = 1;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file >= 0) {
      PetscInt64 c = 0;
      PetscBool  found;
      char       kind[32] = "";
      PetscCall(CurioH5ReadAttribute(MPI_COMM_NULL, file, "kind", CURIO_H5_STRING, kind, sizeof(kind), &found, NULL));
      PetscCall(CurioH5ReadAttribute(MPI_COMM_NULL, file, "completed", CURIO_H5_INT, &c, 0, &found, NULL));
      st[1] = found && c == 1 && !strcmp(kind, "active");
      H5Fclose(file);
    }
  }
  PetscCallMPI(MPI_Bcast(st, 2, MPI_INT, 0, comm));
  *exists    = (PetscBool) st[0];
  *completed = (PetscBool) st[1];
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The content of a restart file against the loop: every selected pool index once and in range, the rows' label
   counts increasing up to the labeled set, s and theta finite, and "completed" only when the budget was reached.
   Every rank holds the same values (replicated reads), so each check is collective. */
static PetscErrorCode CheckRestartContent(CurioAL al, const char fn[], PetscInt nlab, PetscInt64 done)
{
  PetscInt *sorted, nsel = nlab - al->n_init, last;

  PetscFunctionBegin;
  PetscCheck(done == 0 || done == 1, al->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Restart file '%s': attribute 'completed' is %" PetscInt64_FMT ", expected 0 or 1", fn, done);
  for (PetscInt n = 0; n < nlab; n++) {
    PetscInt i = al->lab_index[n];
    PetscCheck((n < al->n_init && i == -1) || (n >= al->n_init && i >= 0 && i < al->n_pool), al->comm, PETSC_ERR_FILE_UNEXPECTED,
               "Restart file '%s': '/selected/index' entry %" PetscInt_FMT " is %" PetscInt_FMT ", not a pool index of '%s'", fn, n, i, al->source);
    PetscCheck(al->lab_round[n] >= 0 && al->lab_round[n] <= al->nrows, al->comm, PETSC_ERR_FILE_UNEXPECTED,
               "Restart file '%s': '/selected/round' entry %" PetscInt_FMT " is %" PetscInt_FMT ", expected a round in [0, %" PetscInt_FMT "]", fn, n,
               al->lab_round[n], al->nrows);
    PetscCheck(!PetscIsInfOrNanReal(al->lab_y[n]), al->comm, PETSC_ERR_FILE_UNEXPECTED,
               "Restart file '%s': '/selected/y' entry %" PetscInt_FMT " is not finite", fn, n);
  }
  PetscCall(PetscMalloc1(PetscMax(nsel, 1), &sorted));
  if (nsel > 0) PetscCall(PetscArraycpy(sorted, al->lab_index + al->n_init, nsel));
  PetscCall(PetscSortInt(nsel, sorted));
  for (PetscInt k = 1; k < nsel; k++)
    if (sorted[k] == sorted[k - 1]) {
      PetscInt dup = sorted[k];
      PetscCall(PetscFree(sorted));
      SETERRQ(al->comm, PETSC_ERR_FILE_UNEXPECTED,
              "Restart file '%s': pool index %" PetscInt_FMT " appears twice in '/selected/index' (corrupt or altered file)", fn, dup);
    }
  PetscCall(PetscFree(sorted));
  for (PetscInt r = 0; r < al->nrows; r++)
    PetscCheck(al->row_nlab[r] >= 1 && al->row_nlab[r] <= nlab && (r == 0 || al->row_nlab[r] > al->row_nlab[r - 1]), al->comm,
               PETSC_ERR_FILE_UNEXPECTED,
               "Restart file '%s': '/rounds/n_labeled' entry %" PetscInt_FMT " is %" PetscInt_FMT
               ", expected more than the row before and at most %" PetscInt_FMT,
               fn, r, al->row_nlab[r], nlab);
  last = al->row_nlab[al->nrows - 1];
  PetscCheck(!done || (nlab == al->budget && last == nlab), al->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Restart file '%s' says 'completed' = 1, but its last row has %" PetscInt_FMT " of %" PetscInt_FMT
             " labels and the budget is %" PetscInt_FMT " (corrupt or altered file)",
             fn, last, nlab, al->budget);
  PetscCheck(done || nlab > last || nlab == al->budget, al->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Restart file '%s': %" PetscInt_FMT " labels, but its last row already had %" PetscInt_FMT " and the budget %" PetscInt_FMT
             " is not reached",
             fn, nlab, last, al->budget);
  for (PetscInt r = 0; r < al->nrows; r++)
    PetscCheck(PetscIsNormalReal(al->row_s[r]) && al->row_s[r] > 0, al->comm, PETSC_ERR_FILE_UNEXPECTED,
               "Restart file '%s': '/rounds/s' entry %" PetscInt_FMT " is %g, expected a normal positive number", fn, r, (double) al->row_s[r]);
  for (PetscInt j = 0; j < al->d; j++)
    PetscCheck(!PetscIsInfOrNanReal(al->theta_full[j]) && !PetscIsInfOrNanReal(al->theta_dot_full[j]), al->comm, PETSC_ERR_FILE_UNEXPECTED,
               "Restart file '%s': '/model/theta' or '/model/theta_dot' entry %" PetscInt_FMT " is not finite", fn, j);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Continues from an earlier output: the labeled set in order with its labels, the rows of the curve, s and theta of
   the last model (the next model's warm start). The file must come from the same loop (signature). */
static PetscErrorCode ReadRestart(CurioAL al, const char sig[], PetscBool *completed)
{
  const char *fn = al->restart;
  hid_t       file;
  char        msg[16384];
  PetscInt64  nrows = 0, done = 0, len;
  PetscBool   found;
  PetscInt    nlab;

  PetscFunctionBegin;
  /* the same identity check as a checkpoint's: kind, schema version, signature */
  PetscCall(CurioH5OpenRead(al->comm, fn, &file));
  PetscCall(CurioH5CheckIdentity(al->comm, file, fn, "Restart file", "active", sig, msg, sizeof(msg)));
  if (msg[0]) H5Fclose(file);
  PetscCheck(!msg[0], al->comm, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);
  PetscCall(CurioH5ReadAttribute(al->comm, file, "rng_counter", CURIO_H5_INT, &nrows, 0, &found, NULL));
  PetscCall(CurioH5ReadAttribute(al->comm, file, "completed", CURIO_H5_INT, &done, 0, &found, NULL));
  PetscCall(CurioH5DatasetLength(al->comm, file, fn, "/selected/index", PETSC_TRUE, &found, &len));
  if (!found) H5Fclose(file);
  PetscCheck(found, al->comm, PETSC_ERR_FILE_UNEXPECTED, "Restart file '%s': dataset '/selected/index' is missing", fn);
  nlab = (PetscInt) len;
  PetscCheck(nrows >= 1 && nrows <= al->rowcap && nlab <= al->cap, al->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Restart file '%s': %" PetscInt64_FMT " rows and %" PetscInt_FMT " labels do not fit the budget %" PetscInt_FMT, fn, nrows, nlab,
             al->budget);
  al->nrows = (PetscInt) nrows;
  PetscCall(ReadArray(al->comm, file, fn, "/rounds/n_labeled", al->nrows, PETSC_TRUE, al->row_nlab));
  PetscCall(ReadArray(al->comm, file, fn, "/rounds/test_error", al->nrows, PETSC_FALSE, al->row_err));
  PetscCall(ReadArray(al->comm, file, fn, "/rounds/s", al->nrows, PETSC_FALSE, al->row_s));
  PetscCall(ReadArray(al->comm, file, fn, "/rounds/s_at_boundary", al->nrows, PETSC_TRUE, al->row_at_boundary));
  PetscCall(ReadArray(al->comm, file, fn, "/rounds/s_at_floor", al->nrows, PETSC_TRUE, al->row_at_floor));
  PetscCall(ReadArray(al->comm, file, fn, "/rounds/score_max", al->nrows, PETSC_FALSE, al->row_smax));
  PetscCall(ReadArray(al->comm, file, fn, "/rounds/score_mean", al->nrows, PETSC_FALSE, al->row_smean));
  PetscCall(ReadArray(al->comm, file, fn, "/rounds/time_train", al->nrows, PETSC_FALSE, al->row_ttrain));
  PetscCall(ReadArray(al->comm, file, fn, "/rounds/time_tangent", al->nrows, PETSC_FALSE, al->row_ttangent));
  PetscCall(ReadArray(al->comm, file, fn, "/rounds/time_score", al->nrows, PETSC_FALSE, al->row_tscore));
  PetscCall(ReadArray(al->comm, file, fn, "/rounds/time_select", al->nrows, PETSC_FALSE, al->row_tselect));
  PetscCall(ReadArray(al->comm, file, fn, "/rounds/time_predict", al->nrows, PETSC_FALSE, al->row_tpredict));
  PetscCall(ReadArray(al->comm, file, fn, "/selected/index", nlab, PETSC_TRUE, al->lab_index));
  PetscCall(ReadArray(al->comm, file, fn, "/selected/round", nlab, PETSC_TRUE, al->lab_round));
  PetscCall(ReadArray(al->comm, file, fn, "/selected/y", nlab, PETSC_FALSE, al->lab_y));
  PetscCall(ReadArray(al->comm, file, fn, "/model/theta", al->d, PETSC_FALSE, al->theta_full));
  PetscCall(ReadArray(al->comm, file, fn, "/model/theta_dot", al->d, PETSC_FALSE, al->theta_dot_full));
  H5Fclose(file);
  PetscCall(CheckRestartContent(al, fn, nlab, done));
  /* the labeled set's inputs come from the input file: /train rows first, then pool rows by index */
  al->nlab = nlab;
  for (PetscInt n = 0; n < nlab; n++) {
    PetscInt i = al->lab_index[n];
    PetscCheck((n < al->n_init && i == -1) || (n >= al->n_init && i >= 0 && i < al->n_pool), al->comm, PETSC_ERR_FILE_UNEXPECTED,
               "Restart file '%s': '/selected/index' entry %" PetscInt_FMT " is %" PetscInt_FMT ", not a pool index of '%s'", fn, n, i, al->source);
    al->lab_w[n] = i < 0 ? al->init_w[n] : al->pool_w ? al->pool_w[i] : 1.0;
    if (i < 0) PetscCall(PetscArraycpy(al->lab_X + n * al->dim, al->init_X + n * al->dim, al->dim));
    else {
      PetscCall(CurioALPoolRow(al, i, al->lab_X + n * al->dim));
      if (i >= al->pool.rstart && i < al->pool.rstart + al->pool.nlocal) PetscCall(VecSetValue(al->unlabeled, i, 0.0, INSERT_VALUES));
    }
  }
  PetscCall(VecAssemblyBegin(al->unlabeled));
  PetscCall(VecAssemblyEnd(al->unlabeled));
  if (al->mindist) {
    PetscCall(PetscFree(al->mindist));
    PetscCall(CurioALUpdateMinDist(al, al->nlab, al->lab_X));
  }
  al->s          = al->row_s[al->nrows - 1];
  al->have_theta = PETSC_TRUE;
  PetscCall(CurioVecSetFromReplicated(al->theta, al->theta_full));
  PetscCall(CurioVecSetFromReplicated(al->theta_dot, al->theta_dot_full));
  *completed = (PetscBool) (done == 1);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* max and mean of the non-NaN scores */
static PetscErrorCode ScoreSummary(Vec score, PetscReal *smax, PetscReal *smean)
{
  const PetscScalar *a;
  PetscInt           m;
  PetscReal          loc[3] = {-PETSC_INFINITY, 0, 0}, mx, sum[2];

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(score, &m));
  PetscCall(VecGetArrayRead(score, &a));
  for (PetscInt i = 0; i < m; i++)
    if (!PetscIsNanReal(a[i])) {
      loc[0] = PetscMax(loc[0], a[i]);
      loc[1] += a[i];
      loc[2] += 1;
    }
  PetscCall(VecRestoreArrayRead(score, &a));
  PetscCall(MPIU_Allreduce(&loc[0], &mx, 1, MPIU_REAL, MPIU_MAX, PetscObjectComm((PetscObject) score)));
  PetscCall(MPIU_Allreduce(&loc[1], sum, 2, MPIU_REAL, MPIU_SUM, PetscObjectComm((PetscObject) score)));
  *smax  = sum[1] > 0 ? mx : (PetscReal) NAN;
  *smean = sum[1] > 0 ? sum[0] / sum[1] : (PetscReal) NAN;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The input: one HDF5 file (-curio_input) with the groups /candidates, /test and optionally /train, or LIBSVM files as in
   the fit mode: -curio_candidates (the pool; its labels are the oracle's), -curio_test and optionally -curio_input (the
   initial labeled set); al->source names the data set */
static PetscErrorCode CheckInputs(CurioAL al)
{
  const char *in = al->common.input;

  PetscFunctionBegin;
  if (!al->cand_file[0] && !al->test_file[0]) {
    PetscCheck(in[0], al->comm, PETSC_ERR_USER_INPUT,
               "-curio_mode active needs -curio_input FILE.h5 (pool /candidates, oracle /candidates/y, /test), or LIBSVM files -curio_candidates "
               "POOL -curio_test TEST [-curio_input SEED]");
    PetscCheck(!CurioDataIsLIBSVMPath(in), al->comm, PETSC_ERR_USER_INPUT,
               "-curio_input '%s' is LIBSVM text: -curio_mode active then takes the pool from -curio_candidates FILE and the test set from "
               "-curio_test FILE (-curio_input, if given, is the initial labeled set)",
               in);
    PetscCall(PetscStrncpy(al->source, in, sizeof(al->source)));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCheck(al->cand_file[0] && al->test_file[0], al->comm, PETSC_ERR_USER_INPUT,
             "-curio_mode active with LIBSVM input needs both -curio_candidates POOL (the pool and the oracle's labels) and -curio_test TEST");
  PetscCheck(CurioDataIsLIBSVMPath(al->cand_file) && CurioDataIsLIBSVMPath(al->test_file) && (!in[0] || CurioDataIsLIBSVMPath(in)), al->comm,
             PETSC_ERR_USER_INPUT,
             "-curio_candidates and -curio_test are for LIBSVM input (.svm, .libsvm, .svmlight, .txt; -curio_input too, if given); an HDF5 input "
             "holds its own '/candidates' and '/test' groups: give it alone with -curio_input");
  PetscCall(PetscStrncpy(al->source, al->cand_file, sizeof(al->source)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode CheckOptions(CurioAL al)
{
  CurioLossType loss = al->loss;

  PetscFunctionBegin;
  PetscCall(CheckInputs(al));
  PetscCheck(al->seed_size >= 0, al->comm, PETSC_ERR_ARG_OUTOFRANGE, "-curio_al_seed_size must be >= 0 (0: max(d + 1, 20)), got %" PetscInt_FMT,
             al->seed_size);
  if (!al->stratify_set) al->stratify = (PetscBool) (loss == CURIO_LOSS_LOGISTIC);
  PetscCheck(!al->stratify || loss == CURIO_LOSS_LOGISTIC, al->comm, PETSC_ERR_ARG_INCOMP,
             "-curio_al_seed_stratify needs classes: -curio_loss logistic (got %s)", CurioLossTypes[loss]);
  PetscCheck(al->batch >= 1, al->comm, PETSC_ERR_ARG_OUTOFRANGE, "-curio_al_batch must be >= 1, got %" PetscInt_FMT, al->batch);
  PetscCheck(al->seed >= 0, al->comm, PETSC_ERR_ARG_OUTOFRANGE, "-curio_al_seed must be >= 0, got %" PetscInt_FMT, al->seed);
  PetscCheck(al->retune_every >= 0, al->comm, PETSC_ERR_ARG_OUTOFRANGE, "-curio_al_retune_every must be >= 0, got %" PetscInt_FMT, al->retune_every);
  PetscCheck(al->stop_after >= 0, al->comm, PETSC_ERR_ARG_OUTOFRANGE, "-curio_al_stop_after must be >= 0, got %" PetscInt_FMT, al->stop_after);
  PetscCheck(al->retune_every > 0 || al->common.s_set, al->comm, PETSC_ERR_USER_INPUT, "-curio_al_retune_every 0 (never re-tune s) needs -curio_s S");
  PetscCheck(al->seed_size != 1 || al->retune_every == 0, al->comm, PETSC_ERR_USER_INPUT,
             "-curio_al_seed_size 1: re-tuning s by leave-one-out CV (-curio_al_retune_every %" PetscInt_FMT
             ") needs at least 2 labeled rows; give -curio_al_seed_size 2 or more, or fix s (-curio_s S -curio_al_retune_every 0)",
             al->retune_every);
  PetscCall(CurioALStrategyFind(al->comm, al->strategy_name, &al->strategy));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioALDatasetName - a data set's name: its input's file name without .h5, .hdf5 or a LIBSVM extension (a study's
  run files and the report's tables are named by it)
@*/
void CurioALDatasetName(const char path[], char name[], size_t len)
{
  char buf[PETSC_MAX_PATH_LEN], *b, *dot;

  snprintf(buf, sizeof(buf), "%s", path);
  b   = basename(buf);
  dot = strrchr(b, '.');
  if (dot && (!strcmp(dot, ".h5") || !strcmp(dot, ".hdf5") || CurioDataIsLIBSVMPath(b))) *dot = 0;
  snprintf(name, len, "%s", b);
}

/* The budget, checked against the seed set and the pool, sizes the labeled set and the rows of the curve */
static PetscErrorCode ALAllocate(CurioAL al)
{
  PetscInt n0 = al->n_init ? al->n_init : al->seed_size;

  PetscFunctionBegin;
  PetscCheck(al->budget >= n0, al->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-curio_al_budget %" PetscInt_FMT " is smaller than the seed set (%" PetscInt_FMT " %s)", al->budget, n0,
             al->n_init ? "rows of /train" : "points, -curio_al_seed_size");
  PetscCheck(al->budget - (al->n_init ? al->n_init : 0) <= al->n_pool, al->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-curio_al_budget %" PetscInt_FMT " needs %" PetscInt_FMT " pool points, but the pool of '%s' has %" PetscInt_FMT, al->budget,
             al->budget - (al->n_init ? al->n_init : 0), al->source, al->n_pool);
  al->cap    = al->budget;
  al->rowcap = 2 + (al->budget - n0 + al->batch - 1) / al->batch;
  PetscCall(PetscMalloc4(al->cap, &al->lab_index, al->cap, &al->lab_round, al->cap * al->dim, &al->lab_X, al->cap, &al->lab_y));
  PetscCall(PetscMalloc5(al->rowcap, &al->row_nlab, al->rowcap, &al->row_err, al->rowcap, &al->row_s, al->rowcap, &al->row_smax, al->rowcap,
                         &al->row_smean));
  PetscCall(PetscMalloc5(al->rowcap, &al->row_ttrain, al->rowcap, &al->row_ttangent, al->rowcap, &al->row_tscore, al->rowcap, &al->row_tselect,
                         al->rowcap, &al->row_tpredict));
  PetscCall(PetscMalloc2(al->d, &al->theta_full, al->d, &al->theta_dot_full));
  PetscCall(PetscMalloc1(al->rowcap, &al->row_at_boundary));
  PetscCall(PetscMalloc1(al->rowcap, &al->row_at_floor));
  PetscCall(PetscMalloc1(al->cap, &al->lab_w));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The run-info header (-curio_monitor) */
static PetscErrorCode ALView(CurioAL al)
{
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(al->comm, &size));
  PetscCall(PetscPrintf(al->comm,
                        "curio active on %d rank%s: %s, pool %" PetscInt_FMT ", test %" PetscInt_FMT ", d = %" PetscInt_FMT
                        ", strategy %s, seed %" PetscInt_FMT ", batch %" PetscInt_FMT ", budget %" PetscInt_FMT "%s%s\n",
                        size, size > 1 ? "s" : "", al->source, al->n_pool, al->test.n, al->d, al->strategy->name, al->seed, al->batch, al->budget,
                        al->restart[0] ? ", restart from " : "", al->restart));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The strategy's scores of the unlabeled pool, their summary, and the k points it selects; t[2] and t[3] get the time
   of scoring and of selecting */
static PetscErrorCode ALScoreAndSelect(CurioAL al, Vec score, PetscInt k, PetscInt idx[], PetscReal *smax, PetscReal *smean, PetscReal t[5])
{
  PetscLogDouble t0, t1, t2;

  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(PetscLogStagePush(CURIO_STAGE_Scores));
  PetscCall(al->strategy->score(al, score));
  { /* labeled rows are never candidates: NaN, which CurioSelectTopK never selects */
    PetscScalar       *s;
    const PetscScalar *u;
    PetscInt           m;
    PetscCall(VecGetLocalSize(score, &m));
    PetscCall(VecGetArray(score, &s));
    PetscCall(VecGetArrayRead(al->unlabeled, &u));
    for (PetscInt i = 0; i < m; i++)
      if (u[i] == 0) s[i] = (PetscReal) NAN;
    PetscCall(VecRestoreArrayRead(al->unlabeled, &u));
    PetscCall(VecRestoreArray(score, &s));
  }
  PetscCall(ScoreSummary(score, smax, smean));
  PetscCall(PetscLogStagePop());
  PetscCall(PetscTime(&t1));
  PetscCall(PetscLogStagePush(CURIO_STAGE_Select));
  if (al->strategy->select) PetscCall(al->strategy->select(al, score, k, idx));
  else PetscCall(CurioSelectTopK(score, k, idx, NULL));
  PetscCall(PetscLogStagePop());
  PetscCall(PetscTime(&t2));
  t[2] = t1 - t0;
  t[3] = t2 - t1;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One row of the curve: the model on the labeled set, its test error, and (while the budget allows) the next batch
   scored, selected, labeled by the oracle and added; the output is rewritten. *done: the budget is reached. */
static PetscErrorCode ALRound(CurioAL al, const char sig[], Vec score, PetscInt idx[], PetscReal y[], PetscBool *done, PetscInt *rounds)
{
  PetscInt       row = al->nrows, k, at_boundary = 0, at_floor = 0;
  PetscReal      t[5] = {0, 0, 0, 0, 0}, err = 0, smax = (PetscReal) NAN, smean = (PetscReal) NAN;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCall(FitRow(al, row, &t[0], &t[1], &at_boundary, &at_floor));
  PetscCall(PetscLogStagePush(CURIO_STAGE_Scores)); /* predictions on the pool and the test set */
  PetscCall(PetscTime(&t0));
  PetscCall(MatMult(al->PhiPool, al->theta, al->eta_pool)); /* the cost to compare with: predicting on the pool */
  PetscCall(PetscTime(&t1));
  t[4] = t1 - t0;
  PetscCall(TestError(al, &err));
  PetscCall(PetscLogStagePop());
  k = PetscMin(al->batch, al->budget - al->nlab);
  if (k > 0) PetscCall(ALScoreAndSelect(al, score, k, idx, &smax, &smean, t));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, t, 5, MPIU_REAL, MPIU_MAX, al->comm));
  al->row_nlab[row]        = al->nlab;
  al->row_err[row]         = err;
  al->row_s[row]           = al->s;
  al->row_at_boundary[row] = at_boundary;
  al->row_at_floor[row]    = at_floor;
  al->row_smax[row]        = smax;
  al->row_smean[row]       = smean;
  al->row_ttrain[row]      = t[0];
  al->row_ttangent[row]    = t[1];
  al->row_tscore[row]      = t[2];
  al->row_tselect[row]     = t[3];
  al->row_tpredict[row]    = t[4];
  al->nrows++;
  if (k > 0) {
    PetscCall(PetscLogStagePush(CURIO_STAGE_Read));
    PetscCall(CurioALOracleReveal(al, k, idx, y));
    PetscCall(AddLabeled(al, k, idx, y, row + 1));
    PetscCall(PetscLogStagePop());
    (*rounds)++;
  } else *done = PETSC_TRUE;
  if (al->common.monitor)
    PetscCall(PetscPrintf(al->comm,
                          "curio: active row %" PetscInt_FMT ": %" PetscInt_FMT
                          " labeled, s = %.4e, test %s = %.6e; train %.3g s, tangent %.3g s, score %.3g s, "
                          "select %.3g s, predict %.3g s%s\n",
                          row, al->row_nlab[row], (double) al->s, CurioLossTable[al->loss].metric, (double) err, (double) t[0], (double) t[1],
                          (double) t[2], (double) t[3], (double) t[4], *done ? " (budget reached)" : ""));
  PetscCall(WriteOutput(al, sig, *done));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioALPrepare - reads the model's and the solver's options (once: every round's fit uses them), checks the loop's,
  loads the data and resolves the seed-set size (the rule max(d + 1, 20) unless -curio_al_seed_size is given); sig (of
  size len) gets the loop's signature, what a restart or a study's earlier run file must match

  Collective
@*/
PetscErrorCode CurioALPrepare(CurioAL al, char sig[], size_t len)
{
  PetscFunctionBegin;
  PetscCheck(!al->model, al->comm, PETSC_ERR_ORDER, "The loop is prepared already");
  PetscCall(PetscLogStagePush(CURIO_STAGE_Setup));
  PetscCall(CurioModelCreate(al->comm, &al->model));
  PetscCall(CurioModelSetFromOptions(al->model));
  PetscCall(CurioModelGetLoss(al->model, &al->loss, NULL));
  PetscCall(CurioSolverCreate(al->comm, &al->solver));
  PetscCall(CurioSolverSetFromOptions(al->solver));
  PetscCall(CheckOptions(al));
  PetscCall(PetscLogStagePop());
  CurioALDatasetName(al->source, al->dataset_name, sizeof(al->dataset_name));
  PetscCall(PetscLogStagePush(CURIO_STAGE_Read));
  PetscCall(CurioALLoadData(al));
  PetscCall(PetscLogStagePop());
  if (!al->seed_size_given) al->seed_size = PetscMax(al->d + 1, 20); /* a full-rank first model, and enough labels for LOOCV */
  PetscCall(Signature(al, sig, len));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioALSignatureFor - the signature of the run of this prepared loop's data set and options with another strategy
  and seed (a study compares it with an earlier run file's)

  Collective
@*/
PetscErrorCode CurioALSignatureFor(CurioAL al, const char strategy[], PetscInt seed, char sig[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(CurioALStrategyFind(al->comm, strategy, &al->strategy));
  al->seed = seed;
  PetscCall(Signature(al, sig, len));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioActiveSetUp - prepares a loop: checks that the output can be written, reads the model's and the solver's
  options and the data (pool, test set, seed set's rows), and chooses the seed set and reveals its labels, or, with
  -curio_restart, reads the labeled set, the learning curve and the last model of an interrupted run

  Collective

  Input Parameter:
. al - the loop, its options set

  Note:
  CurioActiveRun() calls it if it was not called; a second call does nothing.

.seealso: `CurioActiveSetFromOptions()`, `CurioActiveRun()`
@*/
PetscErrorCode CurioActiveSetUp(CurioActive al)
{
  PetscFunctionBegin;
  if (al->setup) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscLogStagePush(CURIO_STAGE_Write));
  PetscCall(CurioOutputCheckWritable(al->comm, al->common.output)); /* and removes the temporaries of this output's interrupted rounds */
  PetscCall(PetscLogStagePop());
  PetscCall(CurioALPrepare(al, al->sig, sizeof(al->sig)));
  PetscCall(ALAllocate(al));
  if (al->strategy->reads_all_labels) PetscCall(CurioALReadAllLabels(al));
  if (!strcmp(al->strategy->name, "gsx")) PetscCall(CurioALUpdateMinDist(al, 0, NULL)); /* gsx keeps distances to the labeled set */
  if (al->common.monitor) PetscCall(ALView(al));
  PetscCall(PetscLogStagePush(CURIO_STAGE_Read));
  if (al->restart[0]) PetscCall(ReadRestart(al, al->sig, &al->done));
  else PetscCall(ChooseSeedSet(al));
  PetscCall(PetscLogStagePop());
  al->setup = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioActiveRun - the loop's rounds (README, "Active learning"): each fits the model on the labeled set, measures
  the test error, scores the unlabeled pool with the strategy, selects a batch and reveals its labels, and rewrites
  the output; until -curio_al_budget labels, or -curio_al_stop_after rows of the curve (a later call continues)

  Collective

  Input Parameter:
. al - the loop (set up here if it is not)

.seealso: `CurioActiveSetUp()`, `CurioActiveGetSelected()`, `CurioActiveGetCurve()`, `CurioActiveGetSolution()`
@*/
PetscErrorCode CurioActiveRun(CurioActive al)
{
  PetscInt   rounds = 0;
  PetscInt  *idx;
  PetscReal *y, *vals;
  Vec        score;

  PetscFunctionBegin;
  PetscCall(CurioActiveSetUp(al));
  PetscCall(PetscMalloc3(al->batch, &idx, al->batch, &y, al->batch, &vals));
  PetscCall(VecDuplicate(al->eta_pool, &score));
  while (!al->done) {
    PetscCall(ALRound(al, al->sig, score, idx, y, &al->done, &rounds));
    if (!al->done && al->stop_after > 0 && al->nrows >= al->stop_after) {
      if (al->common.monitor)
        PetscCall(PetscPrintf(al->comm, "curio: stopped after %" PetscInt_FMT " rounds (-curio_al_stop_after); continue with -curio_restart %s\n",
                              al->nrows, al->common.output));
      break;
    }
  }
  if (al->restart[0] && al->done && !rounds) PetscCall(WriteOutput(al, al->sig, PETSC_TRUE)); /* a finished run: nothing left to do */
  PetscCall(VecDestroy(&score));
  PetscCall(PetscFree3(idx, y, vals));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A loop from the options: run (-curio_mode active) or only read, so that -help lists its options */
static PetscErrorCode ActiveFromOptions(MPI_Comm comm, PetscBool run)
{
  CurioActive al;

  PetscFunctionBegin;
  PetscCall(CurioActiveCreate(comm, &al));
  PetscCall(CurioActiveSetFromOptions(al));
  if (run) PetscCall(CurioActiveRun(al));
  PetscCall(CurioActiveDestroy(&al));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioActiveOptionsHelp - reads the options of -curio_mode active into a throwaway loop, so that -help lists them;
  nothing is read, run or written

  Collective

  Input Parameter:
. comm - the communicator

.seealso: `CurioActiveMain()`, `CurioActiveSetFromOptions()`
@*/
PetscErrorCode CurioActiveOptionsHelp(MPI_Comm comm)
{
  PetscFunctionBegin;
  PetscCall(ActiveFromOptions(comm, PETSC_FALSE));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioActiveMain - `curio -curio_mode active`: one active-learning loop from the options

  Collective

  Input Parameter:
. comm - the communicator of every rank of the run

.seealso: `CurioActiveCreate()`, `CurioActiveSetFromOptions()`, `CurioActiveRun()`
@*/
PetscErrorCode CurioActiveMain(MPI_Comm comm)
{
  PetscFunctionBegin;
  PetscCall(ActiveFromOptions(comm, PETSC_TRUE));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*
  CurioStudy: strategies x data sets x seeds (-curio_mode study), each run an independent active-learning loop.

  The world communicator is split into groups of -curio_study_ranks_per_run ranks; the sorted run list (by data set
  name, strategy, seed) is dealt round-robin to the groups, after keeping only the runs with index % parts == part
  (-curio_study_part/-curio_study_parts, one Slurm array task each). Every run writes
  DIR/<dataset_name>__<strategy>__seed<k>.h5; a complete output is skipped and an incomplete one continued, so a study
  resumes where it stopped. The seed set depends only on (data set, seed), so strategies are compared on paired runs.

  Run 3 strategies x 2 data sets x 10 seeds on 4 ranks, 2 per run:
      mpiexec -n 4 ./build/curio -curio_mode study -curio_study_inputs a.h5,b.h5 -curio_study_strategies sld,gsx,random \
        -curio_study_seeds 10 -curio_study_ranks_per_run 2 -curio_study_dir study -curio_monitor
*/
#include "activeimpl.h"
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#define CURIO_STUDY_MAX 64

typedef struct {
  char     input[PETSC_MAX_PATH_LEN], name[PETSC_MAX_PATH_LEN], strategy[64];
  PetscInt seed;
} StudyRun;

static int CompareRuns(const void *a, const void *b)
{
  const StudyRun *x = (const StudyRun *) a, *y = (const StudyRun *) b;
  int             c = strcmp(x->name, y->name);
  if (!c) c = strcmp(x->strategy, y->strategy);
  if (!c) c = (x->seed > y->seed) - (x->seed < y->seed);
  return c;
}

/* The study's own options; every run reads the loop's (-curio_al_*) and the model's options itself */
typedef struct {
  char     *inputs[CURIO_STUDY_MAX], *strategies[CURIO_STUDY_MAX], dir[PETSC_MAX_PATH_LEN];
  PetscInt  ninputs, nstrat, nseeds, rpr, part, parts;
  PetscBool monitor, overwrite;
} StudyOptions;

static PetscErrorCode StudyReadOptions(MPI_Comm comm, StudyOptions *so)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(so, sizeof(*so)));
  PetscCall(PetscStrncpy(so->dir, "study", sizeof(so->dir)));
  so->ninputs = CURIO_STUDY_MAX, so->nstrat = CURIO_STUDY_MAX, so->nseeds = 10, so->rpr = 1, so->part = 0, so->parts = 1;
  PetscOptionsBegin(comm, NULL, "curio study of active-learning strategies (-curio_mode study)", "CurioStudy");
  PetscCall(CurioOptionsStringArray(PetscOptionsObject, "-curio_study_inputs", so->inputs, &so->ninputs, NULL));
  PetscCall(CurioOptionsStringArray(PetscOptionsObject, "-curio_study_strategies", so->strategies, &so->nstrat, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_study_seeds", &so->nseeds, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_study_ranks_per_run", &so->rpr, NULL));
  PetscCall(CurioOptionsString(PetscOptionsObject, "-curio_study_dir", so->dir, sizeof(so->dir), NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_study_part", &so->part, NULL));
  PetscCall(CurioOptionsInt(PetscOptionsObject, "-curio_study_parts", &so->parts, NULL));
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_monitor", &so->monitor, NULL));
  PetscCall(CurioOptionsBool(PetscOptionsObject, "-curio_study_overwrite", &so->overwrite, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode StudyOptionsFree(StudyOptions *so)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < so->ninputs; i++) PetscCall(PetscFree(so->inputs[i]));
  for (PetscInt j = 0; j < so->nstrat; j++) PetscCall(PetscFree(so->strategies[j]));
  so->ninputs = so->nstrat = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioStudyOptionsHelp - reads the options of -curio_mode study, so that -help lists them; nothing runs

  Collective

  Input Parameter:
. comm - the communicator

.seealso: `CurioStudyMain()`
@*/
PetscErrorCode CurioStudyOptionsHelp(MPI_Comm comm)
{
  StudyOptions so;

  PetscFunctionBegin;
  PetscCall(StudyReadOptions(comm, &so));
  PetscCall(StudyOptionsFree(&so));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The study's options, checked against each other and the number of ranks */
static PetscErrorCode StudyCheckOptions(MPI_Comm comm, const StudyOptions *so, PetscMPIInt size)
{
  PetscFunctionBegin;
  PetscCheck(so->ninputs > 0, comm, PETSC_ERR_USER_INPUT, "-curio_mode study needs -curio_study_inputs a.h5,b.h5,...");
  PetscCheck(so->nstrat > 0, comm, PETSC_ERR_USER_INPUT, "-curio_mode study needs -curio_study_strategies sld,random,...");
  PetscCheck(so->nseeds >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-curio_study_seeds must be >= 1, got %" PetscInt_FMT, so->nseeds);
  PetscCheck(so->rpr >= 1 && so->rpr <= size && size % so->rpr == 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-curio_study_ranks_per_run %" PetscInt_FMT " must divide the number of ranks (%d)", so->rpr, size);
  PetscCheck(so->parts >= 1 && so->part >= 0 && so->part < so->parts, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-curio_study_part %" PetscInt_FMT " must be in [0, -curio_study_parts %" PetscInt_FMT ")", so->part, so->parts);
  /* run files are named by data set and strategy: two inputs of one name, or a strategy twice, would write one file */
  for (PetscInt i = 0; i < so->ninputs; i++)
    for (PetscInt k = i + 1; k < so->ninputs; k++) {
      char a[PETSC_MAX_PATH_LEN], b[PETSC_MAX_PATH_LEN];
      CurioALDatasetName(so->inputs[i], a, sizeof(a));
      CurioALDatasetName(so->inputs[k], b, sizeof(b));
      PetscCheck(strcmp(a, b), comm, PETSC_ERR_USER_INPUT,
                 "-curio_study_inputs: '%s' and '%s' are both data set '%s' (a data set is named by its file name, and names its run files); "
                 "give each data set once, under a name of its own",
                 so->inputs[i], so->inputs[k], a);
    }
  for (PetscInt j = 0; j < so->nstrat; j++)
    for (PetscInt k = j + 1; k < so->nstrat; k++)
      PetscCheck(strcmp(so->strategies[j], so->strategies[k]), comm, PETSC_ERR_USER_INPUT, "-curio_study_strategies: '%s' is given twice",
                 so->strategies[j]);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Every check that can fail on a run's input is made here, on all ranks together, before the split: the strategies
   exist, and every input's pool and seed set fit the loop's budget */
static PetscErrorCode StudyCheckInputs(MPI_Comm comm, const StudyOptions *so)
{
  CurioAL probe;

  PetscFunctionBegin;
  PetscCall(CurioActiveCreate(comm, &probe));
  PetscCall(CurioActiveSetFromOptions(probe));
  for (PetscInt j = 0; j < so->nstrat; j++) {
    const CurioALStrategy *st;
    PetscCall(CurioALStrategyFind(comm, so->strategies[j], &st));
  }
  for (PetscInt i = 0; i < so->ninputs; i++) {
    PetscInt m, ninit, n0;
    PetscCall(CurioALProbeInput(comm, so->inputs[i], &m, &ninit));
    n0 = ninit ? ninit : probe->seed_size;
    PetscCheck(probe->budget >= n0, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-curio_al_budget %" PetscInt_FMT " is smaller than the seed set of '%s' (%" PetscInt_FMT ")", probe->budget, so->inputs[i], n0);
    PetscCheck(probe->budget - ninit <= m, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-curio_al_budget %" PetscInt_FMT " needs %" PetscInt_FMT " pool points, but '%s' has %" PetscInt_FMT " in /candidates", probe->budget,
               probe->budget - ninit, so->inputs[i], m);
  }
  PetscCall(CurioActiveDestroy(&probe));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The study directory, made by rank 0; an error is raised on every rank */
static PetscErrorCode StudyMakeDirectory(MPI_Comm comm, const char dir[])
{
  PetscMPIInt rank;
  int         err = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0 && mkdir(dir, 0777)) {
    struct stat st;
    err = errno;
    if (err == EEXIST) err = stat(dir, &st) ? errno : (S_ISDIR(st.st_mode) ? 0 : ENOTDIR); /* a file of that name is not a directory */
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_OPEN, "Cannot create the study directory '%s' (-curio_study_dir): %s", dir, strerror(err));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Every (data set, strategy, seed) run of the options, sorted by data set name, strategy and seed */
static PetscErrorCode StudyListRuns(const StudyOptions *so, PetscInt *nruns, StudyRun **runsp)
{
  StudyRun *runs;

  PetscFunctionBegin;
  *nruns = so->ninputs * so->nstrat * so->nseeds;
  PetscCall(PetscMalloc1(*nruns, &runs));
  for (PetscInt i = 0, r = 0; i < so->ninputs; i++)
    for (PetscInt j = 0; j < so->nstrat; j++)
      for (PetscInt k = 0; k < so->nseeds; k++, r++) {
        PetscCall(PetscStrncpy(runs[r].input, so->inputs[i], sizeof(runs[r].input)));
        CurioALDatasetName(so->inputs[i], runs[r].name, sizeof(runs[r].name));
        PetscCall(PetscStrncpy(runs[r].strategy, so->strategies[j], sizeof(runs[r].strategy)));
        runs[r].seed = k;
      }
  qsort(runs, (size_t) *nruns, sizeof(StudyRun), CompareRuns);
  *runsp = runs;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The run file of run r */
static PetscErrorCode StudyRunPath(const StudyOptions *so, const StudyRun *run, char out[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(out, len, "%s/%s__%s__seed%" PetscInt_FMT ".h5", so->dir, run->name, run->strategy, run->seed));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The study's protocol default: a fresh random pool/test split per seed unless -curio_al_split is given */
static void StudyDefaults(CurioAL al)
{
  if (!al->split_set) al->split_random = PETSC_TRUE;
}

/* Settings check (before any run): every existing run file of this part must carry the signature that its run would
   have now, so that a study never resumes or skips a run made with other settings (a budget of 60 beside one of 80).
   One prepared loop per data set gives the expected signatures; a mismatch stops the study naming the file and the
   differing settings, or with -curio_study_overwrite removes the file so that the run starts afresh. Collective. */
static PetscErrorCode StudyCheckExisting(MPI_Comm comm, const StudyOptions *so, PetscInt nruns, const StudyRun runs[])
{
  char        out[PETSC_MAX_PATH_LEN], sig[4096], msg[16384];
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  for (PetscInt i = 0; i < so->ninputs; i++) {
    CurioAL probe = NULL;
    for (PetscInt r = 0; r < nruns; r++) {
      PetscBool exists, completed;
      hid_t     file;
      if (r % so->parts != so->part || strcmp(runs[r].input, so->inputs[i])) continue;
      PetscCall(StudyRunPath(so, &runs[r], out, sizeof(out)));
      PetscCall(CurioALOutputState(comm, out, &exists, &completed));
      if (!exists) continue;
      if (!probe) {
        PetscCall(CurioActiveCreate(comm, &probe));
        PetscCall(CurioActiveSetFromOptions(probe));
        StudyDefaults(probe);
        PetscCall(PetscStrncpy(probe->common.input, runs[r].input, sizeof(probe->common.input)));
        PetscCall(PetscStrncpy(probe->strategy_name, runs[r].strategy, sizeof(probe->strategy_name)));
        probe->seed = runs[r].seed;
        PetscCall(CurioALPrepare(probe, sig, sizeof(sig)));
      }
      PetscCall(CurioALSignatureFor(probe, runs[r].strategy, runs[r].seed, sig, sizeof(sig)));
      PetscCall(CurioH5OpenRead(comm, out, &file));
      PetscCall(CurioH5CheckIdentity(comm, file, out, "Study run file", "active", sig, msg, sizeof(msg)));
      H5Fclose(file);
      if (!msg[0]) continue;
      if (so->overwrite) {
        int err = 0;
        if (rank == 0 && unlink(out)) err = errno;
        PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
        PetscCheck(!err, comm, PETSC_ERR_FILE_WRITE, "Cannot remove the study run file '%s' (-curio_study_overwrite): %s", out, strerror(err));
        if (so->monitor) PetscCall(PetscPrintf(comm, "curio study: %s had other settings; removed (-curio_study_overwrite)\n", out));
        continue;
      }
      PetscCall(CurioActiveDestroy(&probe));
      SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED,
              "%s\nThe study stops: its run files must all come from the same settings. Use another -curio_study_dir, the settings the file was "
              "written with, or -curio_study_overwrite to rerun such runs",
              msg);
    }
    PetscCall(CurioActiveDestroy(&probe));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Run r of the study on the sub-communicator sub: skipped if its output is complete, continued if the output is
   incomplete. A run that fails (training that does not converge, a bad oracle label) fails on its whole
   sub-communicator: it is reported and flagged in *failed, its output left as it is, and the study goes on. */
static PetscErrorCode StudyRunOne(MPI_Comm sub, const StudyOptions *so, PetscInt r, const StudyRun *run, PetscInt *failed)
{
  char           out[PETSC_MAX_PATH_LEN], context[PETSC_MAX_PATH_LEN];
  PetscBool      exists, completed;
  CurioAL        al;
  PetscLogDouble t0, t1;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(StudyRunPath(so, run, out, sizeof(out)));
  PetscCall(PetscLogStagePush(CURIO_STAGE_Read));
  PetscCall(CurioALOutputState(sub, out, &exists, &completed));
  PetscCall(PetscLogStagePop());
  if (completed) {
    if (so->monitor)
      PetscCall(PetscPrintf(sub, "curio study: run %" PetscInt_FMT " %s %s seed %" PetscInt_FMT ": complete output %s exists, skipped\n", r,
                            run->name, run->strategy, run->seed, out));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscTime(&t0));
  PetscCall(PetscSNPrintf(context, sizeof(context), "study run %" PetscInt_FMT " (%s, %s, seed %" PetscInt_FMT ")", r, run->name, run->strategy,
                          run->seed));
  PetscCall(CurioErrorSetContext(context));
  PetscCall(PetscLogStagePush(CURIO_STAGE_Setup));
  PetscCall(CurioActiveCreate(sub, &al));
  PetscCall(CurioActiveSetFromOptions(al));
  PetscCall(PetscLogStagePop());
  StudyDefaults(al);
  PetscCall(PetscStrncpy(al->common.input, run->input, sizeof(al->common.input)));
  PetscCall(PetscStrncpy(al->common.output, out, sizeof(al->common.output)));
  PetscCall(PetscStrncpy(al->strategy_name, run->strategy, sizeof(al->strategy_name)));
  if (exists) PetscCall(PetscStrncpy(al->restart, out, sizeof(al->restart))); /* an interrupted run: continue it */
  else al->restart[0] = 0;
  al->seed           = run->seed;
  al->common.monitor = PETSC_FALSE;
  ierr               = CurioActiveRun(al);
  PetscCall(CurioErrorSetContext(NULL));
  if (ierr) {
    *failed = 1;
    PetscCall(PetscPrintf(sub,
                          "curio study: run %" PetscInt_FMT " %s %s seed %" PetscInt_FMT " FAILED (error %d, its line is on stderr); continuing\n", r,
                          run->name, run->strategy, run->seed, (int) ierr));
    PetscCall(CurioActiveDestroy(&al));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscTime(&t1));
  if (so->monitor)
    PetscCall(PetscPrintf(
        sub, "curio study: run %" PetscInt_FMT " %s %s seed %" PetscInt_FMT ": %" PetscInt_FMT " labels, final test %s %.6e (%.2f s)%s\n", r,
        run->name, run->strategy, run->seed, al->row_nlab[al->nrows - 1], al->loss == CURIO_LOSS_SQUARED ? "RMSE" : CurioLossTable[al->loss].metric,
        (double) al->row_err[al->nrows - 1], t1 - t0, exists ? " (continued)" : ""));
  PetscCall(CurioActiveDestroy(&al));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The failed runs of the whole study, as a count and a list of run numbers that fits in list[len]; every rank of a
   failed run's group flags it, so the flags are the maximum over the ranks */
static PetscErrorCode StudyListFailures(MPI_Comm comm, PetscInt nruns, PetscInt runfailed[], PetscInt *failed, char list[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, runfailed, nruns, MPIU_INT, MPI_MAX, comm));
  *failed = 0;
  list[0] = 0;
  for (PetscInt r = 0; r < nruns; r++) {
    char item[32];
    if (!runfailed[r]) continue;
    PetscCall(PetscSNPrintf(item, sizeof(item), "%s%" PetscInt_FMT, (*failed)++ ? ", " : "", r));
    if (strlen(list) + strlen(item) + 8 < len) PetscCall(PetscStrlcat(list, item, len));
    else if (!strstr(list, "...")) PetscCall(PetscStrlcat(list, ", ...", len));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioStudyMain - `curio -curio_mode study`: every (data set, strategy, seed) run of the options, over sub-communicators
@*/
PetscErrorCode CurioStudyMain(MPI_Comm comm)
{
  StudyOptions so;
  PetscInt     nruns, mine = 0, failed, *runfailed;
  PetscMPIInt  size, rank, color, ngroups;
  StudyRun    *runs;
  MPI_Comm     sub;
  char         list[512];

  PetscFunctionBegin;
  PetscCall(StudyReadOptions(comm, &so));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(StudyCheckOptions(comm, &so, size));
  PetscCall(PetscLogStagePush(CURIO_STAGE_Read)); /* the inputs' layouts and the earlier run files */
  PetscCall(StudyCheckInputs(comm, &so));
  PetscCall(StudyMakeDirectory(comm, so.dir));
  PetscCall(StudyListRuns(&so, &nruns, &runs));
  PetscCall(StudyCheckExisting(comm, &so, nruns, runs));
  PetscCall(PetscLogStagePop());
  PetscCall(PetscCalloc1(nruns, &runfailed));
  ngroups = size / (PetscMPIInt) so.rpr;
  color   = rank / (PetscMPIInt) so.rpr;
  PetscCallMPI(MPI_Comm_split(comm, color, rank, &sub));
  if (so.monitor)
    PetscCall(PetscPrintf(comm,
                          "curio study: %" PetscInt_FMT " runs (%" PetscInt_FMT " data sets x %" PetscInt_FMT " strategies x %" PetscInt_FMT
                          " seeds), part %" PetscInt_FMT " of %" PetscInt_FMT ", %d groups of %" PetscInt_FMT " rank%s, outputs in %s\n",
                          nruns, so.ninputs, so.nstrat, so.nseeds, so.part, so.parts, ngroups, so.rpr, so.rpr > 1 ? "s" : "", so.dir));
  /* the runs of this part are dealt round-robin to the groups */
  for (PetscInt r = 0; r < nruns; r++) {
    if (r % so.parts != so.part) continue;
    if (mine++ % ngroups != color) continue;
    PetscCall(StudyRunOne(sub, &so, r, &runs[r], &runfailed[r]));
  }
  PetscCallMPI(MPI_Comm_free(&sub));
  PetscCall(StudyListFailures(comm, nruns, runfailed, &failed, list, sizeof(list)));
  PetscCall(PetscFree(runfailed));
  PetscCheck(!failed, comm, PETSC_ERR_USER,
             "%" PetscInt_FMT " run%s of the study failed (run%s %s; messages above); the other runs' outputs are in %s", failed,
             failed > 1 ? "s" : "", failed > 1 ? "s" : "", list, so.dir);
  PetscCall(PetscFree(runs));
  PetscCall(StudyOptionsFree(&so));
  PetscFunctionReturn(PETSC_SUCCESS);
}

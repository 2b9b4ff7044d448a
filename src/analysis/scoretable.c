/* The score registry: one row per dataset under /scores (name, description, kernel, what it needs, whether it can rank
   candidates). A run asks for a set of rows (-curio_scores); the kernels run over blocks of candidate rows and ask
   for the scores they read with CurioScoreBlockGet(), which computes each at most once per block. MATH.md section 4
   gives the formulas; README, "How to add a score", says what a new row needs. */
#include "analysisimpl.h"

/* f = phi . theta, the linear predictor at s (the prediction for squared loss) */
static PetscErrorCode ScoreF(CurioScoreBlock blk, Vec out)
{
  PetscFunctionBegin;
  PetscCall(MatMult(blk->Phi, blk->theta, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* the mean response h(eta), the loss's inverse link */
static PetscErrorCode ScoreMean(CurioScoreBlock blk, Vec out)
{
  const CurioLossInfo *loss;
  const PetscScalar   *eta;
  PetscScalar         *mu;
  PetscInt             m;
  Vec                  f;

  PetscFunctionBegin;
  PetscCall(CurioLossGetInfo(blk->loss, &loss));
  PetscCall(CurioScoreBlockGet(blk, CURIO_SCORE_F, &f));
  PetscCall(VecGetLocalSize(f, &m));
  PetscCall(VecGetArrayRead(f, &eta));
  PetscCall(VecGetArrayWrite(out, &mu));
  for (PetscInt i = 0; i < m; i++) mu[i] = loss->mean(eta[i]);
  PetscCall(VecRestoreArrayWrite(out, &mu));
  PetscCall(VecRestoreArrayRead(f, &eta));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* fdot = phi . theta_dot (signed) */
static PetscErrorCode ScoreFdot(CurioScoreBlock blk, Vec out)
{
  PetscFunctionBegin;
  PetscCall(MatMult(blk->Phi, blk->theta_dot, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* the prediction at s + delta, re-solved */
static PetscErrorCode ScoreFShifted(CurioScoreBlock blk, Vec out)
{
  PetscFunctionBegin;
  PetscCall(MatMult(blk->Phi, blk->theta_s, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* (f_shifted - f) / delta, and the block's max |fdot_fd - fdot| and max |fdot| for the check of fdot */
static PetscErrorCode ScoreFdotFD(CurioScoreBlock blk, Vec out)
{
  Vec f, fs, fdot, diff;

  PetscFunctionBegin;
  PetscCall(CurioScoreBlockGet(blk, CURIO_SCORE_F, &f));
  PetscCall(CurioScoreBlockGet(blk, CURIO_SCORE_F_SHIFTED, &fs));
  PetscCall(CurioScoreBlockGet(blk, CURIO_SCORE_FDOT, &fdot));
  PetscCall(VecWAXPY(out, -1.0, f, fs));
  PetscCall(VecScale(out, 1.0 / blk->delta));
  PetscCall(VecDuplicate(fdot, &diff));
  PetscCall(VecWAXPY(diff, -1.0, fdot, out));
  PetscCall(VecNorm(diff, NORM_INFINITY, &blk->fd_err));
  PetscCall(VecNorm(fdot, NORM_INFINITY, &blk->fd_max));
  PetscCall(VecDestroy(&diff));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* unlabeled SLD, fdot^2 (eqs. 66-67) */
static PetscErrorCode ScoreSLD(CurioScoreBlock blk, Vec out)
{
  Vec fdot;

  PetscFunctionBegin;
  PetscCall(CurioScoreBlockGet(blk, CURIO_SCORE_FDOT, &fdot));
  PetscCall(VecPointwiseMult(out, fdot, fdot));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* out_i = a_i sld_i, with a_i the label variance (expected SLD) or l'(eta_i, y_i)^2 (labeled SLD) */
static PetscErrorCode ScaledSLD(CurioScoreBlock blk, PetscBool labeled, Vec out)
{
  const CurioLossInfo *loss;
  const PetscScalar   *eta, *sld;
  PetscScalar         *e;
  PetscInt             m;
  Vec                  f, s;

  PetscFunctionBegin;
  PetscCall(CurioLossGetInfo(blk->loss, &loss));
  PetscCall(CurioScoreBlockGet(blk, CURIO_SCORE_F, &f));
  PetscCall(CurioScoreBlockGet(blk, CURIO_SCORE_SLD, &s));
  PetscCall(VecGetLocalSize(f, &m));
  PetscCall(VecGetArrayRead(f, &eta));
  PetscCall(VecGetArrayRead(s, &sld));
  PetscCall(VecGetArrayWrite(out, &e));
  if (labeled)
    for (PetscInt i = 0; i < m; i++) {
      PetscReal l, dl, d2l;
      loss->evaluate(eta[i], blk->y[i], &l, &dl, &d2l);
      e[i] = dl * dl * sld[i];
    }
  else
    for (PetscInt i = 0; i < m; i++) e[i] = loss->label_variance(eta[i], blk->sigma2) * sld[i];
  PetscCall(VecRestoreArrayWrite(out, &e));
  PetscCall(VecRestoreArrayRead(s, &sld));
  PetscCall(VecRestoreArrayRead(f, &eta));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* expected SLD, Var(y given x) fdot^2 */
static PetscErrorCode ScoreSLDExpected(CurioScoreBlock blk, Vec out)
{
  PetscFunctionBegin;
  PetscCall(ScaledSLD(blk, PETSC_FALSE, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* labeled SLD, ldot(z)^2 = l'(eta, y)^2 fdot^2, where the pool has labels (for evaluation; not an active-learning
   heuristic, since a candidate's label is what a query would buy) */
static PetscErrorCode ScoreSLDLabeled(CurioScoreBlock blk, Vec out)
{
  PetscFunctionBegin;
  PetscCall(ScaledSLD(blk, PETSC_TRUE, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* STI (eqs. 55, 57-59): (phi . v)^2 with v = H^{-1} Phi_T^T c over the reference set T */
static PetscErrorCode ScoreSTILabeled(CurioScoreBlock blk, Vec out)
{
  PetscFunctionBegin;
  PetscCall(CurioScoreSquaredDot(blk->Phi, blk->vl, NULL, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ScoreSTIUnlabeled(CurioScoreBlock blk, Vec out)
{
  PetscFunctionBegin;
  PetscCall(CurioScoreSquaredDot(blk->Phi, blk->vu, NULL, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* phi^T M phi, or NaN (never selected) when H^{-1} was skipped (-curio_var_ssi false) */
static PetscErrorCode QuadraticOrNaN(CurioScoreBlock blk, const PetscReal *M, Vec out)
{
  PetscFunctionBegin;
  if (blk->Hinv) PetscCall(CurioScoreQuadraticForm(blk->Phi, M, out));
  else PetscCall(VecSet(out, (PetscReal) NAN));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* SSI (eq. 56): phi^T H^{-1} A H^{-1} phi with A = Phi_T^T diag(c^2) Phi_T */
static PetscErrorCode ScoreSSILabeled(CurioScoreBlock blk, Vec out)
{
  PetscFunctionBegin;
  PetscCall(QuadraticOrNaN(blk, blk->Ml, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ScoreSSIUnlabeled(CurioScoreBlock blk, Vec out)
{
  PetscFunctionBegin;
  PetscCall(QuadraticOrNaN(blk, blk->Mu, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* predictive variance phi^T H^{-1} phi */
static PetscErrorCode ScoreVar(CurioScoreBlock blk, Vec out)
{
  PetscFunctionBegin;
  PetscCall(QuadraticOrNaN(blk, blk->Hinv, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

const CurioScoreInfo CurioScoreTable[] = {
    [CURIO_SCORE_F]            = {"f", "linear predictor eta = phi(x).theta at s", ScoreF, 0, PETSC_FALSE, "[f]"},
    [CURIO_SCORE_MEAN]         = {"mean", "mean response h(eta) (the loss's inverse link)", ScoreMean, 0, PETSC_FALSE, "[y]"},
    [CURIO_SCORE_FDOT]         = {"fdot", "fdot(x) = phi(x).theta_dot (signed)", ScoreFdot, 0, PETSC_FALSE, "[f]"},
    [CURIO_SCORE_F_SHIFTED]    = {"f_shifted", "prediction at s + delta (re-solved)", ScoreFShifted, CURIO_SCORE_NEEDS_SHIFTED, PETSC_FALSE, "[f]"},
    [CURIO_SCORE_FDOT_FD]      = {"fdot_fd", "(f_shifted - f) / delta, the finite-difference check of fdot", ScoreFdotFD, CURIO_SCORE_NEEDS_SHIFTED,
                                  PETSC_FALSE, "[f]"},
    [CURIO_SCORE_SLD]          = {"sld", "unlabeled SLD, fdot^2", ScoreSLD, 0, PETSC_TRUE, "[f]^2"},
    [CURIO_SCORE_SLD_EXPECTED] = {"sld_expected", "expected SLD, Var(y given x) fdot^2", ScoreSLDExpected, 0, PETSC_TRUE, "[y]^2 [f]^2"},
    [CURIO_SCORE_STI_LABELED]  = {"sti_labeled", "STI with c = w l' over the reference set", ScoreSTILabeled, CURIO_SCORE_NEEDS_REFERENCE, PETSC_TRUE,
                                  "[score]"},
    [CURIO_SCORE_STI_UNLABELED] = {"sti_unlabeled", "STI with c = w over the reference set", ScoreSTIUnlabeled, CURIO_SCORE_NEEDS_REFERENCE,
                                   PETSC_TRUE, "[score]"},
    [CURIO_SCORE_SSI_LABELED]   = {"ssi_labeled", "SSI with c = w l' over the reference set", ScoreSSILabeled,
                                   CURIO_SCORE_NEEDS_HINV | CURIO_SCORE_NEEDS_REF_GRAM, PETSC_TRUE, "[score]"},
    [CURIO_SCORE_SSI_UNLABELED] = {"ssi_unlabeled", "SSI with c = w over the reference set", ScoreSSIUnlabeled,
                                   CURIO_SCORE_NEEDS_HINV | CURIO_SCORE_NEEDS_REF_GRAM, PETSC_TRUE, "[score]"},
    [CURIO_SCORE_VAR]           = {"var", "predictive variance phi^T H^{-1} phi", ScoreVar, CURIO_SCORE_NEEDS_HINV, PETSC_TRUE, "[f]^2"},
    [CURIO_SCORE_SLD_LABELED]   = {"sld_labeled", "labeled SLD l'(eta, y)^2 fdot^2 (pools with labels)", ScoreSLDLabeled, CURIO_SCORE_NEEDS_LABELS,
                                   PETSC_FALSE, "[loss]^2"},
};

/*@C
  CurioScoreFind - the registry row of a score name

  Not Collective

  Input Parameter:
. name - a score name (dataset name under /scores)

  Output Parameters:
+ id    - its row, if found
- found - whether the name is a registry row

.seealso: CurioScoreTable, CurioScoreParseList()
@*/
PetscErrorCode CurioScoreFind(const char name[], CurioScoreId *id, PetscBool *found)
{
  PetscFunctionBegin;
  *found = PETSC_FALSE;
  for (PetscInt i = 0; i < CURIO_SCORE_COUNT && !*found; i++) {
    PetscCall(PetscStrcmp(name, CurioScoreTable[i].name, found));
    if (*found) *id = (CurioScoreId) i;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioScoreListNames - the registry's names, comma-separated, for help texts and error messages

  Not Collective

  Input Parameters:
+ selectable_only - only the scores -curio_select_by accepts
. describe        - each name followed by its description, "name: description; ..." (for -help)
- len             - size of buf

  Output Parameter:
. buf - "sld, sld_expected, ..."
@*/
PetscErrorCode CurioScoreListNames(PetscBool selectable_only, PetscBool describe, char buf[], size_t len)
{
  PetscFunctionBegin;
  buf[0] = 0;
  for (PetscInt i = 0; i < CURIO_SCORE_COUNT; i++) {
    if (selectable_only && !CurioScoreTable[i].selectable) continue;
    if (buf[0]) PetscCall(PetscStrlcat(buf, describe ? "; " : ", ", len));
    PetscCall(PetscStrlcat(buf, CurioScoreTable[i].name, len));
    if (describe) {
      PetscCall(PetscStrlcat(buf, ": ", len));
      PetscCall(PetscStrlcat(buf, CurioScoreTable[i].description, len));
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioScoreParseList - the scores a comma-separated list asks for: `all` (every row), `none` or `false` (no scores),
  `true` (all) or registry names; an unknown name is an error that lists the valid ones

  Collective (the error is raised on comm)

  Input Parameters:
+ comm   - where the list was read
. option - the option's name, for the error message
- list   - the list

  Output Parameters:
+ want - CURIO_SCORE_COUNT flags, one per registry row
- any  - whether any score is asked for
@*/
PetscErrorCode CurioScoreParseList(MPI_Comm comm, const char option[], const char list[], PetscBool want[], PetscBool *any)
{
  char  *copy, *item;
  size_t len;
  int    nitems = 0, nalone = 0;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < CURIO_SCORE_COUNT; i++) want[i] = PETSC_FALSE;
  *any = PETSC_FALSE;
  PetscCall(PetscStrlen(list, &len));
  PetscCall(PetscStrallocpy(len ? list : "all", &copy)); /* the option given without a value: all */
  /* items between commas, blanks around them dropped; an empty item is a slip (",," or a comma at an end), and all or
     none is the whole list, not one of its items */
  for (item = copy; item; nitems++) {
    char        *next = strchr(item, ','), *end;
    PetscBool    all, none, found;
    CurioScoreId id;
    if (next) *next++ = 0;
    while (*item == ' ' || *item == '\t') item++;
    for (end = item + strlen(item); end > item && (end[-1] == ' ' || end[-1] == '\t'); end--) end[-1] = 0;
    PetscCheck(item[0], comm, PETSC_ERR_ARG_WRONG, "%s '%s': item %d of the list is empty (two commas, or a comma at an end)", option, list,
               nitems + 1);
    PetscCall(PetscStrcasecmp(item, "all", &all));
    if (!all) PetscCall(PetscStrcasecmp(item, "true", &all));
    PetscCall(PetscStrcasecmp(item, "none", &none));
    if (!none) PetscCall(PetscStrcasecmp(item, "false", &none));
    if (all || none) {
      nalone++;
      if (all)
        for (PetscInt i = 0; i < CURIO_SCORE_COUNT; i++) want[i] = PETSC_TRUE;
    } else {
      PetscCall(CurioScoreFind(item, &id, &found));
      if (!found) {
        char names[512];
        PetscCall(CurioScoreListNames(PETSC_FALSE, PETSC_FALSE, names, sizeof(names)));
        SETERRQ(comm, PETSC_ERR_ARG_OUTOFRANGE, "%s: unknown score '%s'; give a comma-separated list of %s, or all, or none", option, item, names);
      }
      want[id] = PETSC_TRUE;
    }
    item = next;
  }
  PetscCall(PetscFree(copy));
  PetscCheck(!nalone || nitems == 1, comm, PETSC_ERR_ARG_INCOMP, "%s '%s': all and none stand alone; give one of them, or a list of scores", option,
             list);
  for (PetscInt i = 0; i < CURIO_SCORE_COUNT; i++) *any = (PetscBool) (*any || want[i]);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioScoreFindSelectable - the registry row of a score that can rank candidates; any other name is an error that
  lists the valid ones

  Collective (the error is raised on comm)
@*/
PetscErrorCode CurioScoreFindSelectable(MPI_Comm comm, const char option[], const char name[], CurioScoreId *id)
{
  PetscBool found;

  PetscFunctionBegin;
  PetscCall(CurioScoreFind(name, id, &found));
  if (!found || !CurioScoreTable[*id].selectable) {
    char names[512];
    PetscCall(CurioScoreListNames(PETSC_TRUE, PETSC_FALSE, names, sizeof(names)));
    SETERRQ(comm, PETSC_ERR_ARG_OUTOFRANGE, "%s: '%s' cannot rank candidates; give one of %s", option, name, names);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioScoreNeedsOf - the CurioScoreNeeds flags of a set of scores, OR-ed

  Not Collective
@*/
unsigned CurioScoreNeedsOf(const PetscBool want[])
{
  unsigned needs = 0;

  for (PetscInt i = 0; i < CURIO_SCORE_COUNT; i++)
    if (want[i]) needs |= CurioScoreTable[i].needs;
  return needs;
}

/*@C
  CurioScoreBlockGet - a score of the block, computed by its kernel on first use (kernels call it for the scores they
  read, so each score of a block is computed at most once)

  Collective on the block's rows

  Input Parameters:
+ blk - the block
- id  - the score

  Output Parameter:
. v - the score, laid out like the block's rows (owned by the block)
@*/
PetscErrorCode CurioScoreBlockGet(CurioScoreBlock blk, CurioScoreId id, Vec *v)
{
  PetscFunctionBegin;
  if (!blk->v[id]) {
    PetscCheck(blk->y || !(CurioScoreTable[id].needs & CURIO_SCORE_NEEDS_LABELS), PetscObjectComm((PetscObject) blk->Phi), PETSC_ERR_ARG_WRONG,
               "Score %s needs the candidates' labels (/candidates/y)", CurioScoreTable[id].name);
    PetscCall(MatCreateVecs(blk->Phi, NULL, &blk->v[id]));
    PetscCall(CurioScoreTable[id].kernel(blk, blk->v[id]));
  }
  *v = blk->v[id];
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioScoreBlockCompute - the asked-for scores of a block, in registry order; a score that needs the candidates'
  labels is left out (NULL) when the block has none

  Collective on the block's rows
@*/
PetscErrorCode CurioScoreBlockCompute(CurioScoreBlock blk, const PetscBool want[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < CURIO_SCORE_COUNT; i++) {
    Vec v;
    if (!want[i] || (!blk->y && (CurioScoreTable[i].needs & CURIO_SCORE_NEEDS_LABELS))) continue;
    PetscCall(CurioScoreBlockGet(blk, (CurioScoreId) i, &v));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioScoreBlockReset - destroys the block's scores (before the next block of rows)

  Not Collective
@*/
PetscErrorCode CurioScoreBlockReset(CurioScoreBlock blk)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < CURIO_SCORE_COUNT; i++) PetscCall(VecDestroy(&blk->v[i]));
  blk->fd_err = blk->fd_max = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* CurioActive's setters and getters (include/curioactive.h): what a library user sets instead of options, and reads
   after a run instead of the output file. The loop itself is in active.c. */
#include "activeimpl.h"

/* One of the loop's names (input, output, strategy), before it is set up: what names the setter in the error */
static PetscErrorCode SetName(CurioActive al, const char what[], const char value[], char dst[], size_t len)
{
  PetscFunctionBegin;
  PetscCheck(!al->setup, PETSC_COMM_SELF, PETSC_ERR_ORDER, "Set the %s before CurioActiveSetUp()", what);
  PetscCall(PetscStrncpy(dst, value, len));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioActiveSetInput - sets the input file: the pool /candidates (inputs, oracle labels /candidates/y), the test set
  /test and optionally an initial labeled set /train, as -curio_input does

  Not Collective

  Input Parameters:
+ al    - the loop
- input - the HDF5 file

  Note:
  Call it before CurioActiveSetFromOptions(), so that -curio_input wins.

.seealso: `CurioActiveSetOutput()`, `CurioActiveSetFromOptions()`
@*/
PetscErrorCode CurioActiveSetInput(CurioActive al, const char input[])
{
  PetscFunctionBegin;
  PetscCall(SetName(al, "input", input, al->common.input, sizeof(al->common.input)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioActiveSetOutput - sets the output file, rewritten atomically after every round, as -curio_output does

  Not Collective

  Input Parameters:
+ al     - the loop
- output - the HDF5 file

.seealso: `CurioActiveSetInput()`, `CurioActiveSetFromOptions()`
@*/
PetscErrorCode CurioActiveSetOutput(CurioActive al, const char output[])
{
  PetscFunctionBegin;
  PetscCall(SetName(al, "output", output, al->common.output, sizeof(al->common.output)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioActiveSetStrategy - sets the query strategy by name (a row of the strategy table: sld, sti, ssi, var, random,
  gsx, ...), as -curio_al_strategy does; an unknown name is refused by CurioActiveSetUp()

  Not Collective

  Input Parameters:
+ al       - the loop
- strategy - the strategy's name

.seealso: `CurioActiveSetFromOptions()`
@*/
PetscErrorCode CurioActiveSetStrategy(CurioActive al, const char strategy[])
{
  PetscFunctionBegin;
  PetscCall(SetName(al, "strategy", strategy, al->strategy_name, sizeof(al->strategy_name)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioActiveGetNumberLabeled - the size of the labeled set (the seed set after CurioActiveSetUp(), the budget after
  a complete CurioActiveRun())

  Not Collective

  Input Parameter:
. al - the loop

  Output Parameter:
. n - the number of labeled points

.seealso: `CurioActiveGetSelected()`
@*/
PetscErrorCode CurioActiveGetNumberLabeled(CurioActive al, PetscInt *n)
{
  PetscFunctionBegin;
  *n = al->nlab;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioActiveGetSelected - the labeled set in labeling order: each point's pool index (a row of /candidates; -1 for
  a row of /train), what the output's /selected/index holds; the same on every rank

  Not Collective

  Input Parameter:
. al - the loop

  Output Parameters:
+ n     - the number of labeled points (may be NULL)
- index - their pool indices, borrowed: valid until the next CurioActiveRun() or CurioActiveDestroy()

.seealso: `CurioActiveGetNumberLabeled()`, `CurioActiveGetCurve()`
@*/
PetscErrorCode CurioActiveGetSelected(CurioActive al, PetscInt *n, const PetscInt *index[])
{
  PetscFunctionBegin;
  if (n) *n = al->nlab;
  *index = al->lab_index;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioActiveGetCurve - the learning curve, one row per model fitted (row 0: the seed set), as the output's /rounds:
  the labeled-set size, the test error (the loss's metric: RMSE, or mean log-loss) and s of each row; the same on
  every rank

  Not Collective

  Input Parameter:
. al - the loop

  Output Parameters (each may be NULL; the arrays are borrowed until the next CurioActiveRun() or CurioActiveDestroy()):
+ nrows      - the number of rows
. n_labeled  - the labeled-set size of each row
. test_error - the test error of each row
- s          - the regularity of each row

.seealso: `CurioActiveGetSelected()`, `CurioActiveGetSolution()`
@*/
PetscErrorCode CurioActiveGetCurve(CurioActive al, PetscInt *nrows, const PetscInt *n_labeled[], const PetscReal *test_error[], const PetscReal *s[])
{
  PetscFunctionBegin;
  if (nrows) *nrows = al->nrows;
  if (n_labeled) *n_labeled = al->row_nlab;
  if (test_error) *test_error = al->row_err;
  if (s) *s = al->row_s;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioActiveGetSolution - the last model: theta*, its regularity tangent theta_dot (/model/theta, /model/theta_dot),
  both distributed like the columns of the pool's design matrix, and its s

  Not Collective

  Input Parameter:
. al - the loop, after CurioActiveRun() (or a CurioActiveSetUp() that read a restart file)

  Output Parameters (each may be NULL):
+ theta     - theta*, borrowed: do not destroy
. theta_dot - theta_dot, borrowed
- s         - the regularity

.seealso: `CurioActiveGetCurve()`
@*/
PetscErrorCode CurioActiveGetSolution(CurioActive al, Vec *theta, Vec *theta_dot, PetscReal *s)
{
  PetscFunctionBegin;
  PetscCheck(al->have_theta, PETSC_COMM_SELF, PETSC_ERR_ORDER, "No model yet: call CurioActiveRun() first");
  if (theta) *theta = al->theta;
  if (theta_dot) *theta_dot = al->theta_dot;
  if (s) *s = al->s;
  PetscFunctionReturn(PETSC_SUCCESS);
}

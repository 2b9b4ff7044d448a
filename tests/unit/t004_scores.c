/* t004: query scores (MATH.md section 4): labeled STI over the training set equals s^2 SLD; SSI and VAR against
   brute force with one solve per reference point or per candidate (the Krylov path, independent of the sandwich
   H^{-1} A H^{-1} the scores use); a run asked for some scores computes only those (and what they read), bitwise
   equal to the scores of a run asked for all; a bad score list is one error naming the valid names; the streaming
   top-k merge equals the top k of the whole vector.
     mpiexec -n 4 ./t004_scores */
#include "harness.h"

static void CheckSTI(CurioProblem p, const char *label)
{
  Vec       ref;
  PetscReal err;

  TCALL(VecDuplicate(TestScores(p)->v[CURIO_SCORE_SLD], &ref));
  TCALL(VecCopy(TestScores(p)->v[CURIO_SCORE_SLD], ref));
  TCALL(VecScale(ref, TestS(p) * TestS(p)));
  err = TestRelDiff(TestScores(p)->v[CURIO_SCORE_STI_LABELED], ref);
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  %s: labeled STI vs s^2 SLD: rel. difference %.2e", label, (double) err));
  CU_ASSERT(err <= 1e-10);
  TCALL(VecDestroy(&ref));
}

static void TestSTIEqualsSLD(void)
{
  CurioProblem p;

  TCALL(TestProblemCreateBuiltin(CURIO_SOLVER_DIRECT, &p));
  TCALL(CurioProblemSolve(p, 0.0445));
  TCALL(CurioProblemComputeScores(p));
  CheckSTI(p, "paper example");
  TCALL(CurioProblemDestroy(&p));
  TCALL(TestProblemCreate(90, 7, PETSC_TRUE, CURIO_REGULARIZER_RESTRICTED, CURIO_SOLVER_KRYLOV, 25, &p));
  TCALL(CurioProblemSolve(p, 0.7));
  TCALL(CurioProblemComputeScores(p));
  CheckSTI(p, "weighted, restricted, Krylov");
  TCALL(CurioProblemDestroy(&p));
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n"));
}

/* Row i of a design matrix as a parameter-space vector: Phi^T e_i */
static PetscErrorCode Row(Mat Phi, PetscInt i, Vec e, Vec row)
{
  PetscFunctionBeginUser;
  PetscCall(VecSet(e, 0.0));
  PetscCall(VecSetValue(e, i, 1.0, INSERT_VALUES));
  PetscCall(VecAssemblyBegin(e));
  PetscCall(VecAssemblyEnd(e));
  PetscCall(MatMultTranspose(Phi, e, row));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void TestSSIAndVAR(void)
{
  CurioProblem p;
  Vec          e, ec, row, a, proj, ssi_l, ssi_u, var, c;
  PetscInt     n, m;
  PetscReal    errl, erru, errv;

  TCALL(TestProblemCreate(40, 5, PETSC_TRUE, CURIO_REGULARIZER_RIDGE, CURIO_SOLVER_KRYLOV, 30, &p));
  TCALL(CurioProblemSolve(p, 0.9));
  TCALL(CurioProblemComputeScores(p));
  TCALL(MatGetSize(TestPhi(p), &n, NULL));
  TCALL(MatGetSize(TestPhiCand(p), &m, NULL));
  TCALL(MatCreateVecs(TestPhi(p), &row, &e));
  TCALL(MatCreateVecs(TestPhiCand(p), NULL, &ec));
  TCALL(VecDuplicate(row, &a));
  TCALL(VecDuplicate(ec, &proj));
  TCALL(VecDuplicate(ec, &ssi_l));
  TCALL(VecDuplicate(ec, &ssi_u));
  TCALL(VecDuplicate(ec, &var));
  TCALL(VecDuplicate(e, &c));
  /* c_l = w l'(eta, y) = w (eta - y) for squared loss */
  TCALL(MatMult(TestPhi(p), TestTheta(p), c));
  TCALL(VecAXPY(c, -1.0, TestLabels(p)));
  TCALL(VecPointwiseMult(c, c, TestWeights(p)));
  TCALL(VecSet(ssi_l, 0.0));
  TCALL(VecSet(ssi_u, 0.0));
  for (PetscInt i = 0; i < n; i++) {
    PetscReal cl = 0, cu = 0, tmp[2], all[2];
    PetscInt  lo, hi;
    TCALL(Row(TestPhi(p), i, e, row));
    TCALL(CurioSolverSolve(TestSolver(p), row, a)); /* a = H^{-1} phi_i */
    TCALL(MatMult(TestPhiCand(p), a, proj));        /* phi(x)^T H^{-1} phi_i for every candidate */
    TCALL(VecPointwiseMult(proj, proj, proj));
    TCALL(VecGetOwnershipRange(c, &lo, &hi));
    if (i >= lo && i < hi) {
      const PetscScalar *pc, *pw;
      TCALL(VecGetArrayRead(c, &pc));
      TCALL(VecGetArrayRead(TestWeights(p), &pw));
      cl = pc[i - lo];
      cu = pw[i - lo];
      TCALL(VecRestoreArrayRead(c, &pc));
      TCALL(VecRestoreArrayRead(TestWeights(p), &pw));
    }
    tmp[0] = cl;
    tmp[1] = cu;
    MPI_Allreduce(tmp, all, 2, MPIU_REAL, MPI_SUM, PETSC_COMM_WORLD);
    TCALL(VecAXPY(ssi_l, all[0] * all[0], proj));
    TCALL(VecAXPY(ssi_u, all[1] * all[1], proj));
  }
  for (PetscInt j = 0; j < m; j++) {
    PetscReal q, val;
    PetscInt  lo, hi;
    TCALL(Row(TestPhiCand(p), j, ec, row));
    TCALL(CurioSolverSolve(TestSolver(p), row, a));
    TCALL(VecDot(row, a, &q));
    TCALL(VecGetOwnershipRange(var, &lo, &hi));
    val = q;
    if (j >= lo && j < hi) TCALL(VecSetValue(var, j, val, INSERT_VALUES));
  }
  TCALL(VecAssemblyBegin(var));
  TCALL(VecAssemblyEnd(var));
  errl = TestRelDiff(TestScores(p)->v[CURIO_SCORE_SSI_LABELED], ssi_l);
  erru = TestRelDiff(TestScores(p)->v[CURIO_SCORE_SSI_UNLABELED], ssi_u);
  errv = TestRelDiff(TestScores(p)->v[CURIO_SCORE_VAR], var);
  TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  SSI labeled %.2e, SSI unlabeled %.2e, VAR %.2e (rel. difference to brute force)\n", (double) errl,
                    (double) erru, (double) errv));
  CU_ASSERT(errl <= 1e-8 && erru <= 1e-8 && errv <= 1e-8);
  TCALL(VecDestroy(&e));
  TCALL(VecDestroy(&ec));
  TCALL(VecDestroy(&row));
  TCALL(VecDestroy(&a));
  TCALL(VecDestroy(&proj));
  TCALL(VecDestroy(&ssi_l));
  TCALL(VecDestroy(&ssi_u));
  TCALL(VecDestroy(&var));
  TCALL(VecDestroy(&c));
  TCALL(CurioProblemDestroy(&p));
}

/* Scores asked for alone equal, bitwise, the same scores of a run that computes all of them, and nothing they do not
   need is computed: no second training for sld or var, no H^{-1} for sld */
static void TestSubsetBitwise(void)
{
  const CurioLossType losses[] = {CURIO_LOSS_SQUARED, CURIO_LOSS_LOGISTIC};
  for (size_t l = 0; l < sizeof(losses) / sizeof(losses[0]); l++) {
    const CurioScoreId subsets[][3] = {
        {CURIO_SCORE_SLD, CURIO_SCORE_COUNT},
        {CURIO_SCORE_VAR, CURIO_SCORE_COUNT},
        {CURIO_SCORE_SLD_EXPECTED, CURIO_SCORE_STI_UNLABELED, CURIO_SCORE_SLD_LABELED},
    };
    CurioProblem all;
    TCALL(TestProblemCreateLoss(losses[l], 60, 5, PETSC_TRUE, CURIO_REGULARIZER_RIDGE, CURIO_SOLVER_DIRECT, 33, &all));
    TCALL(CurioProblemSolve(all, 0.8));
    TCALL(CurioProblemComputeScores(all));
    for (PetscInt i = 0; i < CURIO_SCORE_COUNT; i++) CU_ASSERT(TestScores(all)->v[i] != NULL);
    for (size_t k = 0; k < sizeof(subsets) / sizeof(subsets[0]); k++) {
      CurioProblem p;
      PetscBool    want[CURIO_SCORE_COUNT] = {PETSC_FALSE};
      TCALL(TestProblemCreateLoss(losses[l], 60, 5, PETSC_TRUE, CURIO_REGULARIZER_RIDGE, CURIO_SOLVER_DIRECT, 33, &p));
      for (PetscInt j = 0; j < 3 && subsets[k][j] != CURIO_SCORE_COUNT; j++) want[subsets[k][j]] = PETSC_TRUE;
      TCALL(CurioProblemSetScores(p, want));
      TCALL(CurioProblemSolve(p, 0.8));
      TCALL(CurioProblemComputeScores(p));
      CU_ASSERT(!(TestScores(p)->needs & CURIO_SCORE_NEEDS_SHIFTED));
      CU_ASSERT(!!(TestScores(p)->needs & CURIO_SCORE_NEEDS_HINV) == (PetscBool) want[CURIO_SCORE_VAR]);
      CU_ASSERT(TestScores(p)->v[CURIO_SCORE_F_SHIFTED] == NULL && TestScores(p)->v[CURIO_SCORE_FDOT_FD] == NULL);
      for (PetscInt i = 0; i < CURIO_SCORE_COUNT; i++) {
        PetscBool same;
        if (!want[i]) {
          if (i != CURIO_SCORE_F && i != CURIO_SCORE_FDOT && i != CURIO_SCORE_SLD) CU_ASSERT(TestScores(p)->v[i] == NULL); /* read by the others */
          continue;
        }
        CU_ASSERT_FATAL(TestScores(p)->v[i] != NULL);
        TCALL(VecEqual(TestScores(p)->v[i], TestScores(all)->v[i], &same)); /* exact comparison */
        if (!same) TCALL(PetscPrintf(PETSC_COMM_WORLD, "\n  %s differs from the all-scores run", CurioScoreTable[i].name));
        CU_ASSERT(same);
      }
      TCALL(CurioProblemDestroy(&p));
    }
    TCALL(CurioProblemDestroy(&all));
  }
}

/* -curio_scores: all, none, a list; an unknown name is one error that names the valid ones */
static void TestScoreList(void)
{
  PetscBool      want[CURIO_SCORE_COUNT], any;
  PetscErrorCode ierr;
  CurioScoreId   id;

  TCALL(CurioScoreParseList(PETSC_COMM_WORLD, "-curio_scores", "all", want, &any));
  CU_ASSERT(any && want[CURIO_SCORE_F] && want[CURIO_SCORE_SLD_LABELED]);
  TCALL(CurioScoreParseList(PETSC_COMM_WORLD, "-curio_scores", "none", want, &any));
  CU_ASSERT(!any);
  TCALL(CurioScoreParseList(PETSC_COMM_WORLD, "-curio_scores", "false", want, &any));
  CU_ASSERT(!any);
  TCALL(CurioScoreParseList(PETSC_COMM_WORLD, "-curio_scores", "sld,var", want, &any));
  CU_ASSERT(any && want[CURIO_SCORE_SLD] && want[CURIO_SCORE_VAR] && !want[CURIO_SCORE_F] && !want[CURIO_SCORE_FDOT_FD]);
  TCALL(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = CurioScoreParseList(PETSC_COMM_WORLD, "-curio_scores", "sld,bogus", want, &any);
  TCALL(PetscPopErrorHandler());
  CU_ASSERT(TestErrorMatches(ierr, (const char *const[]){"-curio_scores", "'bogus'", "sld_expected", "sti_unlabeled", "var", "all", NULL}));
  TCALL(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = CurioScoreFindSelectable(PETSC_COMM_WORLD, "-curio_select_by", "fdot_fd", &id);
  TCALL(PetscPopErrorHandler());
  CU_ASSERT(TestErrorMatches(ierr, (const char *const[]){"-curio_select_by", "'fdot_fd'", "ssi_unlabeled", NULL}));
}

/* The top k merged block by block (CurioTopKMerge) and row by row (CurioTopKInsert) equal the top k of the whole
   vector (CurioSelectTopK), ties included */
static void TestTopKMerge(void)
{
  const PetscInt N = 200, blocks[] = {1, 7, 64, 200};
  Vec            v;
  PetscInt       lo, hi, idx[20];
  PetscReal      val[20];

  TCALL(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, N, &v));
  TCALL(VecGetOwnershipRange(v, &lo, &hi));
  for (PetscInt i = lo; i < hi; i++) TCALL(VecSetValue(v, i, (PetscReal) ((i * 37) % 23), INSERT_VALUES)); /* many ties */
  TCALL(VecAssemblyBegin(v));
  TCALL(VecAssemblyEnd(v));
  for (PetscInt k = 1; k <= 20; k += 19) {
    TCALL(CurioSelectTopK(v, k, idx, val));
    for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
      PetscInt64 ri[20], ii[20];
      PetscReal  rs[20], is[20];
      PetscInt   have = 0, ihave = 0;
      for (PetscInt c0 = 0; c0 < N; c0 += blocks[b]) {
        PetscInt64 bi[200];
        PetscReal  bs[200];
        PetscInt   nb = 0;
        for (PetscInt i = c0; i < PetscMin(N, c0 + blocks[b]); i++) CurioTopKInsert(k, &nb, bi, bs, i, (PetscReal) ((i * 37) % 23));
        CurioTopKMerge(k, &have, ri, rs, nb, bi, bs);
      }
      for (PetscInt i = N - 1; i >= 0; i--) CurioTopKInsert(k, &ihave, ii, is, i, (PetscReal) ((i * 37) % 23));
      CU_ASSERT(have == k && ihave == k);
      for (PetscInt i = 0; i < k; i++) {
        CU_ASSERT(ri[i] == idx[i] && rs[i] == val[i]);
        CU_ASSERT(ii[i] == idx[i] && is[i] == val[i]);
      }
    }
  }
  TCALL(VecDestroy(&v));
}

int main(int argc, char **argv)
{
  const TestCase tests[] = {
      {"labeled STI over the training set equals s^2 SLD", TestSTIEqualsSLD},
      {"SSI and VAR equal brute force", TestSSIAndVAR},
      {"scores asked for alone equal the all-scores run bitwise", TestSubsetBitwise},
      {"score lists and their errors", TestScoreList},
      {"streaming top-k merge equals the whole top k", TestTopKMerge},
      {NULL, NULL},
  };
  return TestMain(argc, argv, "t004_scores", tests);
}

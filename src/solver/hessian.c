/* The Hessian H = Phi^T diag(c) Phi + s diag(m) of MATH.md section 1: matrix-free (MATSHELL), its diagonal, and the
   assembled Gram matrix for the direct path. c = w l'' per training row, m the regularizer mask. */
#include "solverimpl.h"
#include <petscblaslapack.h>

typedef struct {
  Mat       Phi;
  Vec       c, m, tmp_n, tmp_d;
  PetscReal s;
  PetscBool fused, fused_ready, blocks_ready;
  /* fused kernel, sparse rows: on one rank Phi's own CSR arrays; on several, a copy of the rank's rows with the
     diagonal and off-diagonal blocks merged (mi, mj, ma: each row's owned columns j, then its ghost columns nloc + g),
     made at the first H v. Phi must not change after that (phi_state, its nonzero state, is checked): curio never
     changes a design in place, new rows make a new Phi and a new shell (CurioSolverSetOperator()). vy holds v and the
     sums for H v interleaved, (v_j, y_j), owned entries then ghosts; ghost scatters the entries of v that the
     off-diagonal columns need (garray) into gv, and the ghosts' sums back from gacc. */
  Mat              Ad, Ao;
  PetscInt        *mi, *mj, nloc, ng;
  PetscScalar     *ma;
  PetscObjectState phi_state;
  VecScatter       ghost;
  Vec              gv, gacc;
  PetscReal       *vy;
  /* fused kernel, dense rows: v gathered on every rank, the rank-local accumulator of all d entries, a block's X_b v
     (t, tcap entries), and the entries of H v each rank owns (MPI_Reduce_scatter counts) */
  VecScatter   toall;
  Vec          vall;
  PetscReal   *yloc, *t;
  PetscInt     tcap;
  PetscMPIInt *counts;
  /* diag(Phi^T diag(c) Phi), kept until CurioHessianShellResetDiagonal() (dc_valid): the solver asks for the diagonal
     at every new operator and s (finiteness and singularity checks) and for the Jacobi PC of each KSP, each a pass over
     the rows */
  Vec       dc;
  PetscBool dc_valid;
} HessianCtx;

/* The reference twin: H v = Phi^T (c .* (Phi v)) + s m .* v in two passes over the rows of Phi (MatMult, then
   MatMultTranspose), never forming H */
static PetscErrorCode HessianMultTwoPass(HessianCtx *ctx, Vec v, Vec Hv)
{
  PetscFunctionBegin;
  PetscCall(MatMult(ctx->Phi, v, ctx->tmp_n));
  PetscCall(VecPointwiseMult(ctx->tmp_n, ctx->tmp_n, ctx->c));
  PetscCall(MatMultTranspose(ctx->Phi, ctx->tmp_n, Hv));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The merged rows of the two blocks of a MATMPIAIJ: one loop per row instead of two, whose trip counts (the row's
   owned and ghost nonzeros) vary and cost a mispredicted branch each; measured 23.3 against 18.2 ms per half of the
   10^6 x 10^5 problem (bench/README.md). The order within a row is the blocks' order, so the sums are those of the two
   loops bit for bit. */
static PetscErrorCode HessianMergeBlocks(HessianCtx *ctx)
{
  const PetscInt    *ia, *ja, *ib, *jb;
  const PetscScalar *aa, *ba;
  PetscInt           nr, nrb;
  size_t             nz;
  PetscBool          done;

  PetscFunctionBegin;
  PetscCall(MatGetRowIJ(ctx->Ad, 0, PETSC_FALSE, PETSC_FALSE, &nr, &ia, &ja, &done));
  PetscCall(MatGetRowIJ(ctx->Ao, 0, PETSC_FALSE, PETSC_FALSE, &nrb, &ib, &jb, &done));
  PetscCall(MatSeqAIJGetArrayRead(ctx->Ad, &aa));
  PetscCall(MatSeqAIJGetArrayRead(ctx->Ao, &ba));
  nz = PetscMax(ia[nr] + ib[nr], 1);
  PetscCall(PetscMalloc1(nr + 1, &ctx->mi));
  PetscCall(PetscMalloc1(nz, &ctx->mj));
  PetscCall(PetscMalloc1(nz, &ctx->ma));
  CurioAdviseHugePages(ctx->mj, nz * sizeof(PetscInt)); /* first touches of 4 KiB pages took 11 us each on the test machine */
  CurioAdviseHugePages(ctx->ma, nz * sizeof(PetscScalar));
  ctx->mi[0] = 0;
  for (PetscInt i = 0, q = 0; i < nr; i++) {
    for (PetscInt k = ia[i]; k < ia[i + 1]; k++, q++) ctx->mj[q] = ja[k], ctx->ma[q] = aa[k];
    for (PetscInt k = ib[i]; k < ib[i + 1]; k++, q++) ctx->mj[q] = ctx->nloc + jb[k], ctx->ma[q] = ba[k];
    ctx->mi[i + 1] = q;
  }
  PetscCall(MatSeqAIJRestoreArrayRead(ctx->Ao, &ba));
  PetscCall(MatSeqAIJRestoreArrayRead(ctx->Ad, &aa));
  PetscCall(MatRestoreRowIJ(ctx->Ao, 0, PETSC_FALSE, PETSC_FALSE, &nrb, &ib, &jb, &done));
  PetscCall(MatRestoreRowIJ(ctx->Ad, 0, PETSC_FALSE, PETSC_FALSE, &nr, &ia, &ja, &done));
  PetscCall(MatGetNonzeroState(ctx->Phi, &ctx->phi_state));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Sparse rows: the diagonal and off-diagonal blocks of Phi's rows (Ao NULL on one rank), and the scatter of v's entries
   that the off-diagonal columns need (garray) into gv, whose reverse adds the ghosts' sums in gacc to their owners:
   what the fused kernel and the diagonal share, made at the first use of either */
static PetscErrorCode HessianBlocksSetUp(HessianCtx *ctx)
{
  PetscBool mpiaij;

  PetscFunctionBegin;
  if (ctx->blocks_ready) PetscFunctionReturn(PETSC_SUCCESS);
  ctx->blocks_ready = PETSC_TRUE;
  PetscCall(VecGetLocalSize(ctx->tmp_d, &ctx->nloc));
  PetscCall(PetscObjectTypeCompare((PetscObject) ctx->Phi, MATMPIAIJ, &mpiaij));
  if (!mpiaij) {
    ctx->Ad = ctx->Phi;
  } else {
    const PetscInt *garray;
    IS              is;
    PetscCall(MatMPIAIJGetSeqAIJ(ctx->Phi, &ctx->Ad, &ctx->Ao, &garray));
    PetscCall(MatGetSize(ctx->Ao, NULL, &ctx->ng));
    PetscCall(ISCreateGeneral(PETSC_COMM_SELF, ctx->ng, garray, PETSC_COPY_VALUES, &is));
    PetscCall(VecCreateSeq(PETSC_COMM_SELF, ctx->ng, &ctx->gv));
    PetscCall(VecDuplicate(ctx->gv, &ctx->gacc));
    PetscCall(VecScatterCreate(ctx->tmp_d, is, ctx->gv, NULL, &ctx->ghost));
    PetscCall(ISDestroy(&is));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* What the fused kernel needs, made at its first use: the blocks, the ghost scatter and the merged rows (sparse), or
   the gather of v and the reduce-scatter counts (dense) */
static PetscErrorCode HessianFusedSetUp(HessianCtx *ctx)
{
  MPI_Comm    comm = PetscObjectComm((PetscObject) ctx->Phi);
  PetscMPIInt size;

  PetscFunctionBegin;
  ctx->fused_ready = PETSC_TRUE;
  if (CurioMatIsAIJ(ctx->Phi)) {
    PetscCall(HessianBlocksSetUp(ctx));
    if (ctx->Ao) PetscCall(HessianMergeBlocks(ctx));
    PetscCall(PetscMalloc1(2 * PetscMax(ctx->nloc + ctx->ng, 1), &ctx->vy));
  } else {
    const PetscInt *ranges;
    PetscInt        N;
    PetscCallMPI(MPI_Comm_size(comm, &size));
    PetscCall(VecScatterCreateToAll(ctx->tmp_d, &ctx->toall, &ctx->vall));
    PetscCall(VecGetSize(ctx->tmp_d, &N));
    PetscCall(VecGetOwnershipRanges(ctx->tmp_d, &ranges));
    PetscCall(PetscMalloc2(N, &ctx->yloc, size, &ctx->counts));
    for (PetscMPIInt r = 0; r < size; r++) ctx->counts[r] = (PetscMPIInt) (ranges[r + 1] - ranges[r]);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Sparse rows in one pass: for each row i, t_i = c_i (phi_i . v), then the row's scaled axpy t_i phi_i into the
   rank-local sums of its columns, owned and ghost, while the row is in cache; one reverse scatter-add of the ghosts'
   sums is the only reduction. X is read once instead of twice. v and the sums are interleaved, (v_j, y_j) side by
   side, so that the gather of v_j and the add into y_j of a nonzero touch one cache line: the random columns, not X,
   bound this kernel (bench/README.md). */
static PetscErrorCode HessianMultFusedAIJ(HessianCtx *ctx, Vec v, Vec Hv)
{
  const PetscInt    *mi, *mj;
  const PetscScalar *ma, *va, *cc;
  PetscScalar       *ya;
  PetscReal         *vy = ctx->vy;
  PetscInt           nr, nloc = ctx->nloc, ng = ctx->ng;
  PetscBool          done = PETSC_TRUE;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(v, &va));
  for (PetscInt j = 0; j < nloc; j++) vy[2 * j] = va[j], vy[2 * j + 1] = 0;
  PetscCall(VecRestoreArrayRead(v, &va));
  if (ctx->Ao) {
    PetscObjectState state;
    PetscCall(MatGetNonzeroState(ctx->Phi, &state));
    PetscCheck(state == ctx->phi_state, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
               "The design matrix changed after the first H v of its Hessian shell; make a new shell");
    PetscCall(VecScatterBegin(ctx->ghost, v, ctx->gv, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecScatterEnd(ctx->ghost, v, ctx->gv, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecGetArrayRead(ctx->gv, &va));
    for (PetscInt g = 0; g < ng; g++) vy[2 * (nloc + g)] = va[g], vy[2 * (nloc + g) + 1] = 0;
    PetscCall(VecRestoreArrayRead(ctx->gv, &va));
    PetscCall(MatGetLocalSize(ctx->Phi, &nr, NULL));
    mi = ctx->mi, mj = ctx->mj, ma = ctx->ma;
  } else {
    PetscCall(MatGetRowIJ(ctx->Ad, 0, PETSC_FALSE, PETSC_FALSE, &nr, &mi, &mj, &done));
    PetscCall(MatSeqAIJGetArrayRead(ctx->Ad, &ma));
  }
  PetscCall(VecGetArrayRead(ctx->c, &cc));
  for (PetscInt i = 0; i < nr; i++) {
    PetscReal t = 0;
    for (PetscInt k = mi[i]; k < mi[i + 1]; k++) t += ma[k] * vy[2 * mj[k]];
    t *= cc[i];
    for (PetscInt k = mi[i]; k < mi[i + 1]; k++) vy[2 * mj[k] + 1] += t * ma[k];
  }
  PetscCall(PetscLogFlops(4.0 * mi[nr] + nr));
  PetscCall(VecRestoreArrayRead(ctx->c, &cc));
  if (!ctx->Ao) {
    PetscCall(MatSeqAIJRestoreArrayRead(ctx->Ad, &ma));
    PetscCall(MatRestoreRowIJ(ctx->Ad, 0, PETSC_FALSE, PETSC_FALSE, &nr, &mi, &mj, &done));
  }
  PetscCall(VecGetArray(Hv, &ya));
  for (PetscInt j = 0; j < nloc; j++) ya[j] = vy[2 * j + 1];
  PetscCall(VecRestoreArray(Hv, &ya));
  if (ctx->Ao) {
    PetscScalar *acc;
    PetscCall(VecGetArray(ctx->gacc, &acc));
    for (PetscInt g = 0; g < ng; g++) acc[g] = vy[2 * (nloc + g) + 1];
    PetscCall(VecRestoreArray(ctx->gacc, &acc));
    PetscCall(VecScatterBegin(ctx->ghost, ctx->gacc, Hv, ADD_VALUES, SCATTER_REVERSE));
    PetscCall(VecScatterEnd(ctx->ghost, ctx->gacc, Hv, ADD_VALUES, SCATTER_REVERSE));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

#if defined(__GNUC__) && (defined(PETSC_USE_REAL_DOUBLE) || defined(PETSC_USE_REAL_SINGLE))
#define CURIO_DENSE_VECTOR
/* Four consecutive entries of a column (GCC and Clang vector extensions, with the alignment of a PetscReal, and allowed
   to alias the PetscReal array): the partial sums of X_b^T t, four per column, summed in the same order on every
   target (the AVX2 build contracts products and sums into FMAs, which changes the last bits) */
typedef PetscReal CurioReal4 __attribute__((vector_size(4 * sizeof(PetscReal)), aligned(sizeof(PetscReal)), may_alias));
#endif

/* y += X^T (c .* (X v)) over the m rows of a column-major block X (leading dimension lda), bs rows at a time: t = X_b v
   (four columns per sweep over t), t .*= c, then y += X_b^T t (four columns per sweep over t, each with four partial
   sums) while the block is in cache. Written once, compiled for the build's target and, on x86-64, for AVX2 with FMA
   as well (DenseFused below). */
static inline __attribute__((always_inline)) void DenseFusedBody(const PetscReal *restrict a, PetscInt m, PetscInt N, PetscInt lda, PetscInt bs,
                                                                 const PetscReal *restrict v, const PetscScalar *restrict c, PetscReal *restrict y,
                                                                 PetscReal *restrict t)
{
  for (PetscInt i0 = 0; i0 < m; i0 += bs) {
    const PetscInt   nb = PetscMin(bs, m - i0);
    const PetscReal *b  = a + i0;
    PetscInt         j;

    for (PetscInt i = 0; i < nb; i++) t[i] = 0;
    for (j = 0; j + 4 <= N; j += 4) {
      const PetscReal *restrict c0 = b + j * lda, *restrict c1 = c0 + lda, *restrict c2 = c1 + lda, *restrict c3 = c2 + lda;
      const PetscReal v0 = v[j], v1 = v[j + 1], v2 = v[j + 2], v3 = v[j + 3];
      for (PetscInt i = 0; i < nb; i++) t[i] += c0[i] * v0 + c1[i] * v1 + c2[i] * v2 + c3[i] * v3;
    }
    for (; j < N; j++) {
      const PetscReal *restrict c0 = b + j * lda;
      for (PetscInt i = 0; i < nb; i++) t[i] += c0[i] * v[j];
    }
    for (PetscInt i = 0; i < nb; i++) t[i] *= c[i0 + i];
#if defined(CURIO_DENSE_VECTOR)
    const PetscInt n4 = nb - nb % 4;
    for (j = 0; j + 4 <= N; j += 4) {
      const PetscReal *restrict c0 = b + j * lda, *restrict c1 = c0 + lda, *restrict c2 = c1 + lda, *restrict c3 = c2 + lda;
      CurioReal4 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
      PetscReal  r0, r1, r2, r3;
      for (PetscInt i = 0; i < n4; i += 4) {
        const CurioReal4 ti = *(const CurioReal4 *) (t + i);
        s0 += *(const CurioReal4 *) (c0 + i) * ti;
        s1 += *(const CurioReal4 *) (c1 + i) * ti;
        s2 += *(const CurioReal4 *) (c2 + i) * ti;
        s3 += *(const CurioReal4 *) (c3 + i) * ti;
      }
      r0 = (s0[0] + s0[1]) + (s0[2] + s0[3]);
      r1 = (s1[0] + s1[1]) + (s1[2] + s1[3]);
      r2 = (s2[0] + s2[1]) + (s2[2] + s2[3]);
      r3 = (s3[0] + s3[1]) + (s3[2] + s3[3]);
      for (PetscInt i = n4; i < nb; i++) {
        r0 += c0[i] * t[i];
        r1 += c1[i] * t[i];
        r2 += c2[i] * t[i];
        r3 += c3[i] * t[i];
      }
      y[j] += r0;
      y[j + 1] += r1;
      y[j + 2] += r2;
      y[j + 3] += r3;
    }
#else
    j = 0;
#endif
    for (; j < N; j++) {
      const PetscReal *restrict c0 = b + j * lda;
      PetscReal r                  = 0;
      for (PetscInt i = 0; i < nb; i++) r += c0[i] * t[i];
      y[j] += r;
    }
  }
}

static void DenseFusedGeneric(const PetscReal *a, PetscInt m, PetscInt N, PetscInt lda, PetscInt bs, const PetscReal *v, const PetscScalar *c,
                              PetscReal *y, PetscReal *t)
{
  DenseFusedBody(a, m, N, lda, bs, v, c, y, t);
}

#if defined(CURIO_DENSE_VECTOR) && defined(__x86_64__) && !defined(__AVX2__)
#define CURIO_DENSE_AVX2
__attribute__((target("avx2,fma"))) static void DenseFusedAVX2(const PetscReal *a, PetscInt m, PetscInt N, PetscInt lda, PetscInt bs,
                                                               const PetscReal *v, const PetscScalar *c, PetscReal *y, PetscReal *t)
{
  DenseFusedBody(a, m, N, lda, bs, v, c, y, t);
}

/* Whether to take the AVX2 kernels: on x86-64 builds whose target lacks AVX2 (the portable build of CMakeLists.txt),
   where the CPU has AVX2 and FMA; a build for a target with AVX2 compiles its own kernels with it */
static inline PetscBool CPUHasAVX2(void)
{
  return (PetscBool) (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"));
}
#endif

/* The kernel for this CPU: the AVX2 one (CPUHasAVX2), else the build's own */
static void DenseFused(const PetscReal *a, PetscInt m, PetscInt N, PetscInt lda, PetscInt bs, const PetscReal *v, const PetscScalar *c, PetscReal *y,
                       PetscReal *t)
{
#if defined(CURIO_DENSE_AVX2)
  if (CPUHasAVX2()) {
    DenseFusedAVX2(a, m, N, lda, bs, v, c, y, t);
    return;
  }
#endif
  DenseFusedGeneric(a, m, N, lda, bs, v, c, y, t);
}

/* loc_j = sum_i c_i X_ij^2 for the N columns of a column-major block X: four columns per sweep over c, each with four
   partial sums (a single running sum per column would wait on the latency of every add) */
static inline __attribute__((always_inline)) void ColumnSquaresBody(const PetscReal *restrict a, PetscInt m, PetscInt N, PetscInt lda,
                                                                    const PetscScalar *restrict c, PetscReal *restrict loc)
{
  PetscInt j = 0;
#if defined(CURIO_DENSE_VECTOR)
  const PetscInt m4 = m - m % 4;
  for (; j + 4 <= N; j += 4) {
    const PetscReal *restrict c0 = a + j * lda, *restrict c1 = c0 + lda, *restrict c2 = c1 + lda, *restrict c3 = c2 + lda;
    CurioReal4 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    for (PetscInt i = 0; i < m4; i += 4) {
      const CurioReal4 ci = *(const CurioReal4 *) (c + i), x0 = *(const CurioReal4 *) (c0 + i), x1 = *(const CurioReal4 *) (c1 + i),
                       x2 = *(const CurioReal4 *) (c2 + i), x3 = *(const CurioReal4 *) (c3 + i);
      s0 += ci * x0 * x0;
      s1 += ci * x1 * x1;
      s2 += ci * x2 * x2;
      s3 += ci * x3 * x3;
    }
    loc[j]     = (s0[0] + s0[1]) + (s0[2] + s0[3]);
    loc[j + 1] = (s1[0] + s1[1]) + (s1[2] + s1[3]);
    loc[j + 2] = (s2[0] + s2[1]) + (s2[2] + s2[3]);
    loc[j + 3] = (s3[0] + s3[1]) + (s3[2] + s3[3]);
    for (PetscInt i = m4; i < m; i++) {
      loc[j] += c[i] * c0[i] * c0[i];
      loc[j + 1] += c[i] * c1[i] * c1[i];
      loc[j + 2] += c[i] * c2[i] * c2[i];
      loc[j + 3] += c[i] * c3[i] * c3[i];
    }
  }
#endif
  for (; j < N; j++) {
    const PetscReal *restrict c0 = a + j * lda;
    PetscReal r                  = 0;
    for (PetscInt i = 0; i < m; i++) r += c[i] * c0[i] * c0[i];
    loc[j] = r;
  }
}

static void ColumnSquaresGeneric(const PetscReal *a, PetscInt m, PetscInt N, PetscInt lda, const PetscScalar *c, PetscReal *loc)
{
  ColumnSquaresBody(a, m, N, lda, c, loc);
}

#if defined(CURIO_DENSE_AVX2)
__attribute__((target("avx2,fma"))) static void ColumnSquaresAVX2(const PetscReal *a, PetscInt m, PetscInt N, PetscInt lda, const PetscScalar *c,
                                                                  PetscReal *loc)
{
  ColumnSquaresBody(a, m, N, lda, c, loc);
}
#endif

/* The column squares for this CPU (as DenseFused) */
static void DenseColumnSquares(const PetscReal *a, PetscInt m, PetscInt N, PetscInt lda, const PetscScalar *c, PetscReal *loc)
{
#if defined(CURIO_DENSE_AVX2)
  if (CPUHasAVX2()) {
    ColumnSquaresAVX2(a, m, N, lda, c, loc);
    return;
  }
#endif
  ColumnSquaresGeneric(a, m, N, lda, c, loc);
}

/* Dense rows (column-major) in one pass: blocks of rows small enough to stay in cache (about 256 KiB) get t = c .*
   (X_b v) and y += X_b^T t back to back, so each block is read from memory once (DenseFused); y is the rank's sum over
   its rows, reduced and scattered to the owners with one MPI_Reduce_scatter. Two BLAS gemv per block did the same at
   about half the speed: a gemv on a block's short columns (bs entries each) does not stream (bench/README.md). */
static PetscErrorCode HessianMultFusedDense(HessianCtx *ctx, Vec v, Vec Hv)
{
  const PetscReal   *a, *va;
  const PetscScalar *cc;
  PetscScalar       *ya;
  PetscInt           m, N, lda, bs;

  PetscFunctionBegin;
  PetscCall(VecScatterBegin(ctx->toall, v, ctx->vall, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(ctx->toall, v, ctx->vall, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(CurioMatGetLocalArrayRead(ctx->Phi, &a, &m, &N, &lda));
  /* blocks of about 256 KiB (32768 entries), so that the second pass reads the block from cache; beyond 512 columns
     that is under 64 rows, and each column of a block is one run of memory that does not stream when it is a few cache
     lines long, so 128 rows (measured per H v, bench/README.md: 4 rows of 5000 columns took 2.7 times as long as 128
     rows, 80 rows 1.3 times; 128 rows of 400 columns 1.07 times as long as 80) */
  bs = 32768 / PetscMax(N, 1);
  if (bs < 64) bs = 128;
  bs = PetscMax(8, PetscMin(m, bs) / 4 * 4);
  if (bs > ctx->tcap) {
    PetscCall(PetscFree(ctx->t));
    PetscCall(PetscMalloc1(bs, &ctx->t));
    ctx->tcap = bs;
  }
  PetscCall(PetscArrayzero(ctx->yloc, N));
  PetscCall(VecGetArrayRead(ctx->vall, &va));
  PetscCall(VecGetArrayRead(ctx->c, &cc));
  DenseFused(a, m, N, lda, bs, va, cc, ctx->yloc, ctx->t);
  PetscCall(PetscLogFlops(4.0 * m * N + m));
  PetscCall(VecRestoreArrayRead(ctx->c, &cc));
  PetscCall(VecRestoreArrayRead(ctx->vall, &va));
  PetscCall(CurioMatRestoreLocalArrayRead(ctx->Phi, &a));
  PetscCall(VecGetArray(Hv, &ya));
  PetscCallMPI(MPI_Reduce_scatter(ctx->yloc, ya, ctx->counts, MPIU_REAL, MPIU_SUM, PetscObjectComm((PetscObject) ctx->Phi)));
  PetscCall(VecRestoreArray(Hv, &ya));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* H v = Phi^T (c .* (Phi v)) + s m .* v: the fused one-pass kernel (default) or its two-pass reference twin
   (-curio_hessian_mult twopass), never forming H */
static PetscErrorCode HessianMult(Mat H, Vec v, Vec Hv)
{
  HessianCtx *ctx;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(H, &ctx));
  if (ctx->fused && !ctx->fused_ready) { /* once, logged apart as a PC's setup is */
    PetscCall(PetscLogEventBegin(CURIO_EVENT_HessSetUp, H, 0, 0, 0));
    PetscCall(HessianFusedSetUp(ctx));
    PetscCall(PetscLogEventEnd(CURIO_EVENT_HessSetUp, H, 0, 0, 0));
  }
  PetscCall(PetscLogEventBegin(CURIO_EVENT_HessMult, H, v, Hv, 0));
  if (!ctx->fused) PetscCall(HessianMultTwoPass(ctx, v, Hv));
  else if (ctx->Ad) PetscCall(HessianMultFusedAIJ(ctx, v, Hv));
  else PetscCall(HessianMultFusedDense(ctx, v, Hv));
  PetscCall(VecPointwiseMult(ctx->tmp_d, ctx->m, v));
  PetscCall(VecAXPY(Hv, ctx->s, ctx->tmp_d));
  PetscCall(PetscLogEventEnd(CURIO_EVENT_HessMult, H, v, Hv, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* acc[map ? map[j] : off + j] += c_i B_ij^2 over the rows i of one sequential AIJ block B: the weighted column squares
   of diag(Phi^T diag(c) Phi), read from the block's CSR arrays (not MatGetRow, which merges and sorts a MATMPIAIJ's
   rows); each column's sum in the order of the rows */
static PetscErrorCode AddColumnSquares(Mat B, const PetscScalar cc[], const PetscInt map[], PetscInt off, PetscReal acc[])
{
  const PetscInt    *ia, *ja;
  const PetscScalar *a;
  PetscInt           nr;
  PetscBool          done;

  PetscFunctionBegin;
  PetscCall(MatGetRowIJ(B, 0, PETSC_FALSE, PETSC_FALSE, &nr, &ia, &ja, &done));
  PetscCall(MatSeqAIJGetArrayRead(B, &a));
  for (PetscInt i = 0; i < nr; i++)
    for (PetscInt k = ia[i]; k < ia[i + 1]; k++) acc[map ? map[ja[k]] : off + ja[k]] += cc[i] * a[k] * a[k];
  PetscCall(MatSeqAIJRestoreArrayRead(B, &a));
  PetscCall(MatRestoreRowIJ(B, 0, PETSC_FALSE, PETSC_FALSE, &nr, &ia, &ja, &done));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioWeightedColumnSquares - diag(Phi^T diag(c) Phi)_j = sum_i c_i Phi_ij^2, replicated on every rank (length d)
@*/
PetscErrorCode CurioWeightedColumnSquares(Mat Phi, Vec c, PetscReal *diag)
{
  const PetscReal   *a;
  const PetscScalar *cc;
  PetscInt           m, N, lda;
  PetscReal         *loc;

  PetscFunctionBegin;
  if (CurioMatIsAIJ(Phi)) {
    const PetscInt *garray = NULL;
    PetscInt        cstart;
    PetscBool       mpiaij;
    Mat             Ad = Phi, Ao = NULL;
    PetscCall(MatGetSize(Phi, NULL, &N));
    PetscCall(MatGetOwnershipRangeColumn(Phi, &cstart, NULL));
    PetscCall(PetscObjectTypeCompare((PetscObject) Phi, MATMPIAIJ, &mpiaij));
    if (mpiaij) PetscCall(MatMPIAIJGetSeqAIJ(Phi, &Ad, &Ao, &garray));
    PetscCall(PetscCalloc1(N, &loc));
    PetscCall(VecGetArrayRead(c, &cc));
    PetscCall(AddColumnSquares(Ad, cc, NULL, cstart, loc));
    if (Ao) PetscCall(AddColumnSquares(Ao, cc, garray, 0, loc));
    PetscCall(VecRestoreArrayRead(c, &cc));
    PetscCall(MPIU_Allreduce(loc, diag, N, MPIU_REAL, MPIU_SUM, PetscObjectComm((PetscObject) Phi)));
    PetscCall(PetscFree(loc));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(CurioMatGetLocalArrayRead(Phi, &a, &m, &N, &lda));
  PetscCall(VecGetArrayRead(c, &cc));
  PetscCall(PetscCalloc1(N, &loc));
  DenseColumnSquares(a, m, N, lda, cc, loc);
  PetscCall(VecRestoreArrayRead(c, &cc));
  PetscCall(CurioMatRestoreLocalArrayRead(Phi, &a));
  PetscCall(MPIU_Allreduce(loc, diag, N, MPIU_REAL, MPIU_SUM, PetscObjectComm((PetscObject) Phi)));
  PetscCall(PetscFree(loc));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* diag H for the Jacobi preconditioner and the solver's checks, computed without forming H: diag(Phi^T diag(c) Phi),
   one pass over the rows, kept in dc until the values of c change (CurioHessianShellResetDiagonal()); s m added at
   every call */
static PetscErrorCode HessianGetDiagonal(Mat H, Vec diag)
{
  HessianCtx *ctx;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(H, &ctx));
  if (!ctx->dc_valid) {
    Vec dc;
    if (!ctx->dc) PetscCall(VecDuplicate(diag, &ctx->dc));
    dc = ctx->dc;
    if (CurioMatIsAIJ(ctx->Phi)) {
      /* owned columns into dc, ghosts into gacc and one reverse scatter-add to their owners: no d-length array */
      const PetscScalar *cc;
      PetscScalar       *dg;

      PetscCall(HessianBlocksSetUp(ctx));
      PetscCall(VecGetArrayRead(ctx->c, &cc));
      PetscCall(VecZeroEntries(dc));
      PetscCall(VecGetArray(dc, &dg));
      PetscCall(AddColumnSquares(ctx->Ad, cc, NULL, 0, dg));
      PetscCall(VecRestoreArray(dc, &dg));
      if (ctx->Ao) {
        PetscCall(VecZeroEntries(ctx->gacc));
        PetscCall(VecGetArray(ctx->gacc, &dg));
        PetscCall(AddColumnSquares(ctx->Ao, cc, NULL, 0, dg));
        PetscCall(VecRestoreArray(ctx->gacc, &dg));
      }
      PetscCall(VecRestoreArrayRead(ctx->c, &cc));
      if (ctx->Ao) {
        PetscCall(VecScatterBegin(ctx->ghost, ctx->gacc, dc, ADD_VALUES, SCATTER_REVERSE));
        PetscCall(VecScatterEnd(ctx->ghost, ctx->gacc, dc, ADD_VALUES, SCATTER_REVERSE));
      }
    } else {
      PetscReal *full;
      PetscInt   N;
      PetscCall(MatGetSize(ctx->Phi, NULL, &N));
      PetscCall(PetscMalloc1(N, &full));
      PetscCall(CurioWeightedColumnSquares(ctx->Phi, ctx->c, full));
      PetscCall(CurioVecSetFromReplicated(dc, full));
      PetscCall(PetscFree(full));
    }
    ctx->dc_valid = PETSC_TRUE;
  }
  PetscCall(VecCopy(ctx->dc, diag));
  PetscCall(VecAXPY(diag, ctx->s, ctx->m));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode HessianDestroy(Mat H)
{
  HessianCtx *ctx;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(H, &ctx));
  PetscCall(MatDestroy(&ctx->Phi));
  PetscCall(VecDestroy(&ctx->c));
  PetscCall(VecDestroy(&ctx->m));
  PetscCall(VecDestroy(&ctx->tmp_n));
  PetscCall(VecDestroy(&ctx->tmp_d));
  PetscCall(VecScatterDestroy(&ctx->ghost));
  PetscCall(VecDestroy(&ctx->gv));
  PetscCall(VecDestroy(&ctx->gacc));
  PetscCall(PetscFree(ctx->vy));
  PetscCall(PetscFree(ctx->mi));
  PetscCall(PetscFree(ctx->mj));
  PetscCall(PetscFree(ctx->ma));
  PetscCall(VecScatterDestroy(&ctx->toall));
  PetscCall(VecDestroy(&ctx->vall));
  if (ctx->yloc) PetscCall(PetscFree2(ctx->yloc, ctx->counts));
  PetscCall(PetscFree(ctx->t));
  PetscCall(VecDestroy(&ctx->dc));
  PetscCall(PetscFree(ctx));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioHessianCreateShell - H = Phi^T diag(c) Phi + s diag(m) as a MATSHELL (MatMult, MatGetDiagonal); it keeps references
  to Phi, c and m, so later changes to c show through H v (and through the diagonal after
  CurioHessianShellResetDiagonal(): diag(Phi^T diag(c) Phi) is kept between calls); Phi itself must not change after the
  first MatMult() (the fused kernel holds a copy of its rows on several ranks)

  Input Parameters:
+ Phi - design matrix, rows = samples
. c   - per-row curvature w l'' (layout of the rows)
. m   - regularizer mask, hess R = diag(m) (layout of the parameters)
- s   - regularity

  Output Parameter:
. H - the shell
@*/
PetscErrorCode CurioHessianCreateShell(Mat Phi, Vec c, Vec m, PetscReal s, Mat *H)
{
  HessianCtx *ctx;
  PetscInt    nl, dl, N;

  PetscFunctionBegin;
  PetscCall(PetscNew(&ctx));
  PetscCall(PetscObjectReference((PetscObject) Phi));
  PetscCall(PetscObjectReference((PetscObject) c));
  PetscCall(PetscObjectReference((PetscObject) m));
  ctx->Phi   = Phi;
  ctx->c     = c;
  ctx->m     = m;
  ctx->s     = s;
  ctx->fused = PETSC_TRUE;
  PetscCall(MatCreateVecs(Phi, &ctx->tmp_d, &ctx->tmp_n));
  PetscCall(MatGetLocalSize(Phi, &nl, &dl));
  PetscCall(MatGetSize(Phi, NULL, &N));
  PetscCall(MatCreateShell(PetscObjectComm((PetscObject) Phi), dl, dl, N, N, ctx, H));
  PetscCall(MatShellSetOperation(*H, MATOP_MULT, (void (*)(void)) HessianMult));
  PetscCall(MatShellSetOperation(*H, MATOP_MULT_TRANSPOSE, (void (*)(void)) HessianMult));
  PetscCall(MatShellSetOperation(*H, MATOP_GET_DIAGONAL, (void (*)(void)) HessianGetDiagonal));
  PetscCall(MatShellSetOperation(*H, MATOP_DESTROY, (void (*)(void)) HessianDestroy));
  PetscCall(MatSetOption(*H, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(MatSetOption(*H, MAT_SPD, PETSC_TRUE));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioHessianShellSetRegularity - sets s in a MATSHELL Hessian made by CurioHessianCreateShell()

  Logically Collective
@*/
PetscErrorCode CurioHessianShellSetRegularity(Mat H, PetscReal s)
{
  HessianCtx *ctx;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(H, &ctx));
  ctx->s = s;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioCheckOperatorFinite - refuses an assembled operator (the Gram matrix, the Hessian's diagonal; n entries of a
  replicated array whose parameters are d) with a non-finite entry: inputs or weights so large that their squares
  overflow (|x| of 1e200, w of 1e308) would otherwise give NaN everywhere, or a solver error on some ranks only. The
  flag is agreed by all ranks (one MPI_Allreduce), so every rank raises the same error.

  Collective
@*/
PetscErrorCode CurioCheckOperatorFinite(MPI_Comm comm, const char what[], PetscInt d, PetscInt64 n, const PetscReal a[])
{
  PetscInt64 bad       = -1, gbad;
  char       where[64] = "";

  PetscFunctionBegin;
  for (PetscInt64 k = 0; k < n && bad < 0; k++)
    if (PetscIsInfOrNanReal(a[k])) bad = k;
  PetscCallMPI(MPI_Allreduce(&bad, &gbad, 1, MPIU_INT64, MPI_MAX, comm));
  if (gbad >= 0 && n > 1) PetscCall(PetscSNPrintf(where, sizeof(where), " (parameter %" PetscInt64_FMT ")", gbad % PetscMax(d, 1)));
  PetscCheck(gbad < 0, comm, PETSC_ERR_FP,
             "The %s has a non-finite entry%s: the inputs or weights are too large for double precision (their squares overflow); scale the "
             "columns of X (and the weights) to moderate ranges, e.g. divide each column by its largest |value|",
             what, where);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioHessianShellResetDiagonal - the values of c (the curvature) of a MATSHELL Hessian made by
  CurioHessianCreateShell() changed: its diagonal, kept between calls of MatGetDiagonal(), is computed again at the next

  Logically Collective
@*/
PetscErrorCode CurioHessianShellResetDiagonal(Mat H)
{
  HessianCtx *ctx;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(H, &ctx));
  ctx->dc_valid = PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioHessianShellSetFused - chooses the kernel of a MATSHELL Hessian made by CurioHessianCreateShell(): the fused
  one-pass kernel (PETSC_TRUE, the default) or the two-pass reference twin Phi^T (c .* (Phi v)) (PETSC_FALSE)

  Logically Collective
@*/
PetscErrorCode CurioHessianShellSetFused(Mat H, PetscBool fused)
{
  HessianCtx *ctx;

  PetscFunctionBegin;
  PetscCall(MatShellGetContext(H, &ctx));
  ctx->fused = fused;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The relative rounding level of a computed Gram of curvature c (its rows with c_i > 0): (p + sqrt(nrows)) eps */
static PetscErrorCode GramNoiseLevel(Vec c, PetscInt p, PetscReal *lev)
{
  const PetscScalar *cc;
  PetscInt           m, nloc = 0, nrows;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(c, &m));
  PetscCall(VecGetArrayRead(c, &cc));
  for (PetscInt i = 0; i < m; i++) nloc += cc[i] > 0;
  PetscCall(VecRestoreArrayRead(c, &cc));
  PetscCallMPI(MPIU_Allreduce(&nloc, &nrows, 1, MPIU_INT, MPI_SUM, PetscObjectComm((PetscObject) c)));
  *lev = (p + PetscSqrtReal((PetscReal) nrows)) * PETSC_MACHINE_EPSILON;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioGramRank - the rank of a computed Gram matrix in its parameters' own units, with CurioGramEigen()'s threshold
  8 (p + sqrt(nrows)) eps on the pivots of the scaled Gram (CurioDenseRankScaled()); -1 (not computed) above
  CURIO_EIGEN_LAPACK_MAX parameters

  Collective
@*/
PetscErrorCode CurioGramRank(Vec c, PetscInt p, const PetscReal A[], PetscInt *rank)
{
  PetscReal lev;

  PetscFunctionBegin;
  *rank = -1;
  if (p > CURIO_EIGEN_LAPACK_MAX) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(GramNoiseLevel(c, p, &lev));
  PetscCall(CurioDenseRankScaled(PetscObjectComm((PetscObject) c), p, A, 8 * lev, rank));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioGramEigen - the eigendecomposition of a computed Gram matrix (Phi^T diag(c) Phi, or its Schur complement on p
  penalized parameters), with the directions that are rounding noise of a rank-deficient Gram set to exact zero
  eigenvalues. The Gram's formation rounds each entry G_jk by about sqrt(nrows) eps sqrt(G_jj G_kk) (nrows the rows
  with c_i > 0) and a factorization adds p eps of the scale; a direction whose curvature is below

      8 (p + sqrt(nrows)) eps

  in the units of its own parameters' scale is noise, and an eigenvalue of noise taken for a real one divides the noise
  of its coordinate by s (by s^2 in the tangent). Up to p = 512 (CURIO_EIGEN_LAPACK_MAX) the decomposition is
  CurioDenseEigenScaled(), with that threshold on the pivots of the Gram scaled by dscale (each eigenvalue accurate
  relative to itself: columns in units 10^6 apart keep their small eigenvalues); above, CurioDenseEigen() (accurate
  relative to the largest eigenvalue), and the threshold is taken of max(gscale, lambda_max), gscale the largest
  diagonal entry of the whole Gram. Also returns *noise, the relative rounding level of a right-hand side's
  coordinates, (p + sqrt(nrows)) eps, for CurioSolver's estimate of the tangent's error.

  Collective

  Input Parameters:
+ c      - the curvature vector of the Gram (row layout)
. gscale - the largest diagonal entry of the whole Gram
. p      - order
. A      - the Gram or its Schur complement (p x p, column-major, replicated)
- dscale - the scales of its parameters (length p): the diagonal of the Gram it came from, or NULL for its own

  Output Parameters:
+ lambda - eigenvalues, ascending
. V      - eigenvectors (p x p)
. nnull  - how many are null (may be NULL)
- noise  - the relative rounding level (may be NULL)
@*/
PetscErrorCode CurioGramEigen(Vec c, PetscReal gscale, PetscInt p, const PetscReal A[], const PetscReal dscale[], PetscReal lambda[], PetscReal V[],
                              PetscInt *nnull, PetscReal *noise)
{
  MPI_Comm  comm = PetscObjectComm((PetscObject) c);
  PetscInt  nz   = 0;
  PetscReal lev;

  PetscFunctionBegin;
  PetscCall(GramNoiseLevel(c, p, &lev));
  if (p <= CURIO_EIGEN_LAPACK_MAX) {
    PetscInt r;
    PetscCall(CurioDenseEigenScaled(comm, p, A, dscale, 8 * lev, lambda, V, &r));
    for (PetscInt k = 0; k < p; k++) nz += lambda[k] == 0;
  } else {
    PetscReal lmax = gscale, t;
    PetscCall(CurioDenseEigen(comm, p, A, lambda, V));
    for (PetscInt k = 0; k < p; k++) lmax = PetscMax(lmax, lambda[k]);
    t = 8 * lev * lmax;
    for (PetscInt k = 0; k < p; k++)
      if (lambda[k] <= t) {
        lambda[k] = 0;
        nz++;
      }
  }
  if (nnull) *nnull = nz;
  if (noise) *noise = lev;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioGramCompute - G = Phi^T diag(c) Phi, replicated on every rank (d x d, column-major, both triangles): each rank
  forms its rows' contribution with BLAS syrk (on blocks of rows scaled by sqrt(c) unless c = 1), then one
  MPI_Allreduce sums them.
  Needs c >= 0 (a convex loss).
@*/
PetscErrorCode CurioGramCompute(Mat Phi, Vec c, PetscReal *G)
{
  const PetscReal   *a;
  const PetscScalar *cc;
  PetscInt           m, N, lda;
  PetscReal         *buf, *loc;
  const PetscInt     block = 1024;
  PetscBool          unit  = PETSC_TRUE;
  PetscBLASInt       bN, bk, bld;
  const PetscReal    one      = 1.0;
  PetscInt           negative = 0, gneg;
  MPI_Comm           comm     = PetscObjectComm((PetscObject) Phi);

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CURIO_EVENT_Gram, Phi, 0, 0, 0));
  if (CurioMatIsAIJ(Phi)) {
    /* sparse rows: the outer product of each row's nonzeros, O(nnz_i^2) per row */
    PetscInt rstart, rend;
    PetscCall(MatGetSize(Phi, NULL, &N));
    PetscCall(MatGetOwnershipRange(Phi, &rstart, &rend));
    PetscCall(PetscCalloc1(N * N, &loc));
    PetscCall(VecGetArrayRead(c, &cc));
    for (PetscInt i = rstart; i < rend; i++) {
      PetscInt           nz;
      const PetscInt    *cols;
      const PetscScalar *v;
      PetscReal          ci = cc[i - rstart];
      if (ci < 0) negative++;
      PetscCall(MatGetRow(Phi, i, &nz, &cols, &v));
      for (PetscInt q = 0; q < nz; q++)
        for (PetscInt r = 0; r <= q; r++) loc[cols[r] + cols[q] * N] += ci * v[r] * v[q]; /* upper triangle: cols increase */
      PetscCall(MatRestoreRow(Phi, i, &nz, &cols, &v));
    }
    PetscCall(VecRestoreArrayRead(c, &cc));
  } else {
    PetscCall(CurioMatGetLocalArrayRead(Phi, &a, &m, &N, &lda));
    PetscCall(VecGetArrayRead(c, &cc));
    PetscCall(PetscCalloc1(N * N, &loc));
    PetscCall(PetscBLASIntCast(N, &bN));
    for (PetscInt i = 0; i < m; i++) {
      if (cc[i] < 0) negative++;
      if (cc[i] != 1.0) unit = PETSC_FALSE;
    }
    if (unit && m > 0) {
      /* unit curvature (squared loss, no weights): one syrk straight on this rank's rows, no copy */
      PetscCall(PetscBLASIntCast(m, &bk));
      PetscCall(PetscBLASIntCast(lda, &bld));
      PetscCallBLAS("BLASsyrk", BLASsyrk_("U", "T", &bN, &bk, &one, a, &bld, &one, loc, &bN));
    } else if (m > 0) {
      PetscReal *sc;
      PetscCall(PetscMalloc2(block * N, &buf, block, &sc));
      PetscCall(PetscBLASIntCast(block, &bld));
      for (PetscInt i0 = 0; i0 < m; i0 += block) {
        PetscInt nb = PetscMin(block, m - i0);
        for (PetscInt i = 0; i < nb; i++) sc[i] = PetscSqrtReal(PetscMax(cc[i0 + i], 0.0));
        for (PetscInt j = 0; j < N; j++) {
          const PetscReal *col = a + j * lda + i0;
          PetscReal       *out = buf + j * block;
          for (PetscInt i = 0; i < nb; i++) out[i] = col[i] * sc[i];
        }
        PetscCall(PetscBLASIntCast(nb, &bk));
        PetscCallBLAS("BLASsyrk", BLASsyrk_("U", "T", &bN, &bk, &one, buf, &bld, &one, loc, &bN));
      }
      PetscCall(PetscFree2(buf, sc));
    }
    PetscCall(PetscLogFlops(1.0 * m * N * (N + 1)));
    PetscCall(VecRestoreArrayRead(c, &cc));
    PetscCall(CurioMatRestoreLocalArrayRead(Phi, &a));
  }
  PetscCall(MPIU_Allreduce(&negative, &gneg, 1, MPIU_INT, MPI_SUM, comm));
  PetscCheck(!gneg, comm, PETSC_ERR_ARG_WRONG, "%" PetscInt_FMT " rows have negative curvature w l'': the Hessian is indefinite", gneg);
  PetscCall(MPIU_Allreduce(loc, G, N * N, MPIU_REAL, MPIU_SUM, comm));
  PetscCall(CurioDenseSymmetrize(N, G));
  PetscCall(PetscFree(loc));
  PetscCall(PetscLogEventEnd(CURIO_EVENT_Gram, Phi, 0, 0, 0));
  PetscCall(CurioCheckOperatorFinite(comm, "Gram matrix Phi^T W Phi", N, N * N, G));
  PetscFunctionReturn(PETSC_SUCCESS);
}

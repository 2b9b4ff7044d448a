/* SGDF step kernels (MATH.md section 6, eqs. 119-127): the batch sequence, one minibatch step in dual numbers for the
   replicated and the partitioned parameter layouts, the validation step of online s, and the lazy ridge step.

   One step at global step t with step size eta_t (schedule), batch B_t (|B_t| training rows) and scale n_train/|B_t|:
     data part     D    = sum_{i in B_t} w_i l'_i phi_i,        Ddot = sum_{i in B_t} w_i l''_i (phi_i . theta_dot) phi_i
     regularizer   every K-th step (t + 1 = 0 mod K) with eta_R = K eta_t, evaluated at the same (old) point:
     theta     <- theta     - eta_t (n/|B|) D    - eta_R s m theta                 = a theta - eta_t (n/|B|) D
     theta_dot <- theta_dot - eta_t (n/|B|) Ddot - eta_R (s m theta_dot + m theta) = a theta_dot - b m theta - eta_t (n/|B|) Ddot
   with a = 1 - eta_R s m, b = eta_R and m the regularizer mask (0 for an unpenalized intercept). Evaluating both parts
   at the old point makes K = 1 exactly the gradient step on the minibatch objective, so that with theta frozen the
   tangent recursion is LiSSA as written (MATH.md section 6).

   Lazy ridge (partitioned layout): an entry that no batch touches only sees the regularizer's linear map
   [theta; theta_dot] <- [[a, 0], [-b, a]] [theta; theta_dot]. All entries share it, so they are stored in scaled form
       theta = P v,   theta_dot = P (q - S v),   with the scalars P = prod a, S = sum b/a over the steps since the last rebase:
   a regularizer step changes only P and S (O(1)), and v, q of an untouched entry stay as they are, for any schedule.
   A touched entry reads theta = P v, theta_dot = P (q - S v) and takes the data part with the new P', S':
       v -= (eta n/|B| / P') D_j,   q -= (eta n/|B| / P') (Ddot_j + S' D_j).
   The unpenalized intercept (restricted regularizer) is stored unscaled. A rebase (theta, theta_dot written back, P = 1,
   S = 0; O(d/p)) happens at every epoch end, when P < 0.1, and every R steps (R ~ the owned entries over the entries a
   step touches on this rank, so it costs O(1) per touched entry: in local SGDF a step touches this rank's share of the
   batch, and a rebase per R global-batch steps would cost every rank as much as one rank pays); it depends only on the step count and P, so writing a
   checkpoint (which stores v, q, P, S raw) changes nothing. */
#include "sgdfimpl.h"
#include "../model/lossimpl.h"
#include <limits.h>

static PetscErrorCode OverlapProgress(SGDF, PetscBool);

PetscLogEvent SGDF_EVENT_Batch, SGDF_EVENT_Gradient, SGDF_EVENT_Exchange, SGDF_EVENT_Update, SGDF_EVENT_Average;

enum { STREAM_VALIDATION = 201 };

static inline uint64_t Mix64(uint64_t z)
{
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* The keyed Feistel network of epoch e on 2 x half_bits bits, forward or inverse, with cycle walking: applied to x
   until the value lands in [0, n) (walking keeps it a bijection of [0, n); walking backwards inverts the forward
   walk). The rounds run backwards in the inverse. Inlined with a constant direction into its two callers. */
static inline PetscInt64 Feistel(SGDF g, uint64_t key, PetscInt64 x0, PetscBool inverse)
{
  const uint64_t hb = (uint64_t) g->half_bits, mask = (1ULL << hb) - 1;
  uint64_t       x = (uint64_t) x0;

  do {
    uint64_t L = x >> hb, R = x & mask;
    for (uint64_t k = 0; k < 4; k++) {
      if (!inverse) {
        uint64_t t = L ^ (Mix64(key + (k + 1) * 0xd1b54a32d192ed03ULL + R) & mask);
        L          = R;
        R          = t;
      } else {
        uint64_t t = R ^ (Mix64(key + (4 - k) * 0xd1b54a32d192ed03ULL + L) & mask);
        R          = L;
        L          = t;
      }
    }
    x = (L << hb) | R;
  } while (x >= (uint64_t) g->n);
  return (PetscInt64) x;
}

/* The forward network at count consecutive positions p0, p0 + 1, ...: eight at a time, round by round across the eight
   (eight independent chains of multiplies instead of one: 1.4-2.2 times the scalar loop's rate, measured stand-alone),
   a position whose first pass lands outside [0, n) walked on alone; the same values as Feistel() */
static inline void FeistelRange(SGDF g, uint64_t key, PetscInt64 p0, PetscInt64 count, PetscInt64 out[])
{
  const uint64_t hb = (uint64_t) g->half_bits, mask = (1ULL << hb) - 1;
  PetscInt64     k = 0;

  for (; k + 8 <= count; k += 8) {
    uint64_t L[8], R[8];
    for (int l = 0; l < 8; l++) L[l] = (uint64_t) (p0 + k + l) >> hb, R[l] = (uint64_t) (p0 + k + l) & mask;
    for (uint64_t r = 0; r < 4; r++)
      for (int l = 0; l < 8; l++) {
        uint64_t t = L[l] ^ (Mix64(key + (r + 1) * 0xd1b54a32d192ed03ULL + R[l]) & mask);
        L[l]       = R[l];
        R[l]       = t;
      }
    for (int l = 0; l < 8; l++) {
      uint64_t x = (L[l] << hb) | R[l];
      out[k + l] = x < (uint64_t) g->n ? (PetscInt64) x : Feistel(g, key, (PetscInt64) x, PETSC_FALSE);
    }
  }
  for (; k < count; k++) out[k] = Feistel(g, key, p0 + k, PETSC_FALSE);
}

/* The key of epoch e's permutation: loops over positions compute it once (two of the six Mix64 per position otherwise) */
static inline uint64_t PermuteKey(SGDF g, PetscInt64 e)
{
  return Mix64((uint64_t) g->seed * 0x9e3779b97f4a7c15ULL + Mix64((uint64_t) e + 0x5851f42d4c957f2dULL));
}

/* Position pos of the keyed permutation of [0, n) for epoch e: a 4-round Feistel network on 2 x half_bits bits (a
   bijection of [0, 4^h) with 4^h < 4n), walked until it lands in [0, n) (cycle walking keeps it a bijection of [0, n)).
   O(1) expected work per index, no O(n) array, and the same sequence for any rank count. Negative e are the
   validation walk of online s. */
PetscInt64 SGDFPermute(SGDF g, PetscInt64 e, PetscInt64 pos)
{
  return Feistel(g, PermuteKey(g, e), pos, PETSC_FALSE);
}

/* The inverse of SGDFPermute(g, e, .): the position of a row in epoch e's permutation */
static PetscInt64 PermuteInverse(SGDF g, uint64_t key, PetscInt64 row)
{
  return Feistel(g, key, row, PETSC_TRUE);
}

/* This rank's rows of every step of epoch e, in sequence order: the position of each local row (the inverse
   permutation), bucketed by step and sorted by position within a step. O(rows of this rank + steps) per epoch, where
   drawing every batch (BatchRows) costs O(n) per rank and epoch whatever the rank count. Used when no row is held out
   (then the batch sizes are known without drawing them) and the batches are not recorded. */
/* Up to this many ranks the schedule is built forward (ScheduleBuildForward: n / ranks permutations per rank and an
   exchange) rather than by inverting the permutation of this rank's rows and sorting them into steps (n / ranks
   inverses, scattered writes, no communication). Measured, 10^6 rows, batch 32, 2 ranks: walking all n positions on
   every rank took 0.023 s per epoch against 0.066 s for the inverse (-log_view event CurioSGDFBatch); the inverse is
   about 6 times a forward permutation per row. Beyond a few ranks the exchange's latency per window grows with the
   ranks while the inverse's work shrinks with them. */
#define SCHEDULE_FORWARD_MAX_RANKS 4
/* Positions per window of the forward build (rounded up to whole steps): its buffers are O(window) per rank */
#define SCHEDULE_WINDOW 32768

static PetscInt64 ScheduleWindow(SGDF g)
{
  return (PetscInt64) g->batch * ((SCHEDULE_WINDOW + g->batch - 1) / g->batch);
}

/* The rank that holds row (the forward schedule's ranks, at most SCHEDULE_FORWARD_MAX_RANKS): counted without branches,
   which a random row would mispredict */
static inline PetscMPIInt ScheduleOwner(SGDF g, PetscInt64 row)
{
  PetscMPIInt o = 0;
  for (PetscMPIInt r = 1; r < g->size; r++) o += (PetscMPIInt) (row >= g->wstart[r]);
  return o;
}

/* The forward schedule: window by window, each rank permutes its share of the window's positions (a contiguous range,
   the ranks' ranges in rank order) and sends each row, with its offset in the window, to the rank that holds it; a rank
   receives its rows of the window from the ranks in rank order, that is in the order of their positions, so it appends
   them to srows as they come and counts them into their steps. O(n / ranks) permutations per rank and epoch (walking
   every position on every rank was O(n)); the same schedule as that walk. */
static PetscErrorCode ScheduleBuildForward(SGDF g, PetscInt64 e)
{
  const PetscMPIInt P    = g->size;
  const PetscInt64  wlen = ScheduleWindow(g);
  const uint64_t    key  = PermuteKey(g, e);
  PetscInt          q    = 0;

  PetscFunctionBegin;
  PetscCall(PetscArrayzero(g->sptr, g->nsteps_epoch + 1));
  for (PetscInt64 w0 = 0; w0 < g->n; w0 += wlen) {
    PetscInt64 len = PetscMin(wlen, (PetscInt64) g->n - w0), p0 = w0 + len * g->rank / P, p1 = w0 + len * (g->rank + 1) / P;
    PetscInt   nr = 0;
    for (PetscMPIInt r = 0; r < P; r++) g->wscnt[r] = 0;
    FeistelRange(g, key, p0, p1 - p0, g->wrow);
    for (PetscInt64 p = p0; p < p1; p++) g->wscnt[ScheduleOwner(g, g->wrow[p - p0])] += 2;
    g->wsdsp[0] = 0;
    for (PetscMPIInt r = 1; r < P; r++) g->wsdsp[r] = g->wsdsp[r - 1] + g->wscnt[r - 1];
    for (PetscMPIInt r = 0; r < P; r++) g->wrdsp[r] = g->wsdsp[r]; /* fill pointers for now */
    for (PetscInt64 p = p0; p < p1; p++) {
      PetscInt64  row         = g->wrow[p - p0];
      PetscMPIInt o           = ScheduleOwner(g, row);
      g->wsend[g->wrdsp[o]++] = (PetscInt) (p - w0);
      g->wsend[g->wrdsp[o]++] = (PetscInt) (row - g->wstart[o]);
    }
    PetscCallMPI(MPI_Alltoall(g->wscnt, 1, MPI_INT, g->wrcnt, 1, MPI_INT, g->comm));
    g->wrdsp[0] = 0;
    for (PetscMPIInt r = 1; r < P; r++) g->wrdsp[r] = g->wrdsp[r - 1] + g->wrcnt[r - 1];
    PetscCallMPI(MPI_Alltoallv(g->wsend, g->wscnt, g->wsdsp, MPIU_INT, g->wrecv, g->wrcnt, g->wrdsp, MPIU_INT, g->comm));
    nr = (g->wrdsp[P - 1] + g->wrcnt[P - 1]) / 2;
    PetscCheck(q + nr <= g->nlocal, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "Schedule of epoch %" PetscInt64_FMT " holds more rows than this rank's %" PetscInt_FMT, e, g->nlocal);
    for (PetscInt j = 0, k = (PetscInt) (w0 / g->batch), next = g->batch; j < nr; j++) { /* offsets ascend; next: where step k + 1 starts */
      while (g->wrecv[2 * j] >= next) k++, next += g->batch;
      g->sptr[k + 1]++;
      g->srows[q++] = g->wrecv[2 * j + 1];
    }
  }
  PetscCheck(q == g->nlocal, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "Schedule of epoch %" PetscInt64_FMT " holds %" PetscInt_FMT " of this rank's %" PetscInt_FMT " rows", e, q, g->nlocal);
  for (PetscInt k = 0; k < g->nsteps_epoch; k++) g->sptr[k + 1] += g->sptr[k];
  g->sepoch = e;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ScheduleBuild(SGDF g, PetscInt64 e)
{
  PetscInt64 *pos, *bpos;
  uint64_t    key;

  PetscFunctionBegin;
  if (g->size <= SCHEDULE_FORWARD_MAX_RANKS) {
    PetscCall(ScheduleBuildForward(g, e));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  key  = PermuteKey(g, e);
  pos  = g->spos;
  bpos = g->spos + PetscMax(g->nlocal, 1);
  PetscCall(PetscArrayzero(g->sptr, g->nsteps_epoch + 1));
  for (PetscInt i = 0; i < g->nlocal; i++) {
    pos[i] = PermuteInverse(g, key, g->rstart + i);
    g->sptr[pos[i] / g->batch + 1]++;
  }
  for (PetscInt k = 0; k < g->nsteps_epoch; k++) g->sptr[k + 1] += g->sptr[k];
  for (PetscInt i = 0; i < g->nlocal; i++) { /* into the step's bucket, with its position beside it */
    PetscInt k = (PetscInt) (pos[i] / g->batch), q = g->sptr[k] + g->sfill[k]++;
    g->srows[q] = i;
    bpos[q]     = pos[i];
  }
  for (PetscInt k = 0; k < g->nsteps_epoch; k++) { /* each bucket (about B / ranks rows) sorted by position */
    g->sfill[k] = 0;
    for (PetscInt q = g->sptr[k] + 1; q < g->sptr[k + 1]; q++) {
      PetscInt64 p = bpos[q];
      PetscInt   r = g->srows[q], u = q;
      for (; u > g->sptr[k] && bpos[u - 1] > p; u--) bpos[u] = bpos[u - 1], g->srows[u] = g->srows[u - 1];
      bpos[u]     = p;
      g->srows[u] = r;
    }
  }
  g->sepoch = e;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Whether a row belongs to the validation split of online s: decided by (seed, row) alone */
PetscBool SGDFIsValidation(SGDF g, PetscInt64 row)
{
  return (PetscBool) ((g->online_s || g->holdout) && CurioRandomUniform(g->seed, STREAM_VALIDATION, row) < g->val_fraction);
}

/* eta_t = eta0 (constant) or eta0 / (1 + t/t0)^p (decay) */
PetscReal SGDFStepSize(SGDF g, PetscInt64 t)
{
  if (g->schedule == SGDF_SCHEDULE_CONSTANT) return g->lr;
  return g->lr / PetscPowReal(1.0 + (PetscReal) t / g->t0, g->power);
}

/* The step count of local SGDF's next averaging after the one at step count a (or the epoch start a): a + H, or with
   -curio_sgdf_local_schedule lr a + H eta_0 / eta_a, so that the sum of the step sizes between two averagings, which
   bounds how far the ranks' copies drift apart (docs/sgdf.md section 3), stays near H eta_0 while the step decays;
   and at most the epoch's end */
static PetscInt64 NextAverage(SGDF g, PetscInt64 a)
{
  PetscInt64 end = (a / g->nsteps_epoch + 1) * g->nsteps_epoch;
  PetscReal  h   = (PetscReal) g->local_steps;

  if (g->local_schedule == SGDF_LOCAL_SCHEDULE_LR) h *= g->lr / SGDFStepSize(g, a);
  if (!(h < (PetscReal) (end - a))) return end;
  return a + PetscMax(1, (PetscInt64) PetscFloorReal(h + 0.5));
}

/* The longest period between two averagings of the run: the step only decays */
static PetscInt64 LongestPeriod(SGDF g)
{
  PetscReal h = (PetscReal) g->local_steps;

  if (g->local_schedule == SGDF_LOCAL_SCHEDULE_LR) h *= g->lr / SGDFStepSize(g, (PetscInt64) g->epochs * g->nsteps_epoch);
  return h < (PetscReal) g->nsteps_epoch ? (PetscInt64) PetscCeilReal(h) + 1 : g->nsteps_epoch;
}

/* The last averaging (or epoch start) at step count t or before */
static PetscInt64 LastAverage(SGDF g, PetscInt64 t)
{
  PetscInt64 a = t - t % g->nsteps_epoch, b;

  if (g->local_schedule == SGDF_LOCAL_SCHEDULE_CONSTANT) return t - (t % g->nsteps_epoch) % g->local_steps;
  while ((b = NextAverage(g, a)) <= t) a = b;
  return a;
}

/* l, l', l'' (MATH.md section 1): the loss table's per-point formulas (src/model/lossimpl.h), inlined: the kernels call
   this once per batch row, and a call through the table's function pointer made a logistic epoch 20-35% slower
   (400000 x 1000 synthetic, 20 nonzeros per row, replicated: 0.23-0.24 s against 0.28-0.32 s) */
static inline void LossEval(CurioLossType type, PetscReal eta, PetscReal y, PetscReal *l, PetscReal *dl, PetscReal *d2l)
{
  switch (type) {
  default:
  case CURIO_LOSS_SQUARED: CurioLossSquaredPoint(eta, y, l, dl, d2l); break;
  case CURIO_LOSS_LOGISTIC: CurioLossLogisticPoint(eta, y, l, dl, d2l); break;
  case CURIO_LOSS_POISSON: CurioLossPoissonPoint(eta, y, l, dl, d2l); break;
  }
}

/* Local SGDF: how many copies of the parameters step apart between two averagings (the ranks, or in the hybrid layout
   the nodes); a copy's share of the batch, scaled by it, estimates the batch's sum (docs/sgdf.md) */
static inline PetscReal Copies(SGDF g)
{
  if (g->local_steps <= 0) return 1.0;
  return (PetscReal) (g->hybrid ? g->nnodes : g->size);
}

static inline PetscInt Owner(SGDF g, PetscInt64 c)
{
  PetscInt64 q = g->d / g->size, r = g->d % g->size;
  if (c < r * (q + 1)) return (PetscInt) (c / (q + 1));
  return (PetscInt) (r + (c - r * (q + 1)) / q);
}

/* Mask m_j of the regularizer: 0 for the unpenalized intercept of the restricted regularizer (eq. 76) */
static inline PetscReal Mask(SGDF g, PetscInt64 j)
{
  return (g->regularizer == CURIO_REGULARIZER_RESTRICTED && j == 0) ? 0.0 : 1.0;
}

/* Whether owned entry jl is stored in scaled form (lazy ridge) rather than as is */
static inline PetscBool Scaled(SGDF g, PetscInt jl)
{
  return (PetscBool) (g->lazy && !(g->regularizer == CURIO_REGULARIZER_RESTRICTED && g->cstart + jl == 0));
}

static inline PetscReal ThetaOf(SGDF g, PetscInt jl)
{
  return Scaled(g, jl) ? g->P * g->theta[g->ps * jl] : g->theta[g->ps * jl];
}

static inline PetscReal TdOf(SGDF g, PetscInt jl)
{
  const PetscInt j = g->ps * jl;
  return Scaled(g, jl) ? g->P * (g->td[j] - g->S * g->theta[j]) : g->td[j];
}

/* The data part of a step on owned entry jl: gradient contributions gr, grd times h = eta n/|B|, after the regularizer
   step that makes (P, S) = (Pn, Sn) */
static inline void Apply(SGDF g, PetscInt jl, PetscReal h, PetscReal gr, PetscReal grd, PetscReal Pn, PetscReal Sn)
{
  const PetscInt j = g->ps * jl;
  if (Scaled(g, jl)) {
    PetscReal f = h / Pn;
    g->theta[j] -= f * gr;
    if (g->tangent) g->td[j] -= f * (grd + Sn * gr);
  } else {
    if (!g->lissa) g->theta[j] -= h * gr;
    if (g->tangent) g->td[j] -= h * grd;
  }
}

/* Every rank's writes to the node's shared windows made visible to the others (unified model: a memory barrier, a
   node barrier, a memory barrier). A barrier on flags in shared memory instead of MPI_Barrier was measured on the
   hybrid layout's steps (10^6 x 10^5, 2 ranks, 32 rows per rank and step, 9 alternating runs each): 0.413 s per epoch
   against MPI_Barrier's 0.387 s, so the library's barrier stays. */
static PetscErrorCode SharedSync(SGDF g)
{
  PetscFunctionBegin;
  PetscCallMPI(MPI_Win_sync(g->win));
  if (g->bwin != MPI_WIN_NULL) PetscCallMPI(MPI_Win_sync(g->bwin));
  PetscCallMPI(MPI_Barrier(g->ncomm));
  PetscCallMPI(MPI_Win_sync(g->win));
  if (g->bwin != MPI_WIN_NULL) PetscCallMPI(MPI_Win_sync(g->bwin));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  SGDFSharedSync - in the hybrid layout, after the ranks of a node wrote their parts [flo, fhi) of the node's parameters:
  every part visible to every rank of the node; nothing in the other layouts. Collective.
@*/
PetscErrorCode SGDFSharedSync(SGDF g)
{
  PetscFunctionBegin;
  if (g->hybrid) PetscCall(SharedSync(g));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Entries [lo, hi) of FlushScaled(): the scalars and the arrays in locals (a store through g->td could otherwise alias g
   and its fields, which would then be reloaded per entry), the stride a constant where the compiler can vectorize */
static inline __attribute__((always_inline)) void FlushRange(PetscReal *restrict th, PetscReal *restrict td, PetscInt ps, PetscBool tangent,
                                                             PetscReal P, PetscReal S, PetscInt lo, PetscInt hi)
{
  if (!tangent)
    for (PetscInt jl = lo; jl < hi; jl++) th[ps * jl] = P * th[ps * jl];
  else
    for (PetscInt jl = lo; jl < hi; jl++) {
      const PetscInt  j = ps * jl;
      const PetscReal v = th[j];
      td[j]             = P * (td[j] - S * v);
      th[j]             = P * v;
    }
}

/* FlushRange() of entries [lo, hi) with the layout's stride */
static inline void FlushSpan(SGDF g, PetscInt lo, PetscInt hi)
{
  if (g->ps == 2) FlushRange(g->theta, g->td, 2, g->tangent, g->P, g->S, lo, hi);
  else FlushRange(g->theta, g->td, 1, g->tangent, g->P, g->S, lo, hi);
}

/* Writes theta and theta_dot back from the scaled form and restarts P = 1, S = 0 (in the hybrid layout each rank its
   part of the node's copy). The values are ThetaOf() and TdOf() of every scaled entry, evaluated as they are; the
   unscaled intercept (restricted regularizer) is left out. */
PetscErrorCode SGDFFlush(SGDF g)
{
  const PetscInt  skip = g->regularizer == CURIO_REGULARIZER_RESTRICTED ? -g->cstart : -1; /* the intercept's jl, if this rank has it */
  const PetscBool cut  = (PetscBool) (skip >= g->flo && skip < g->fhi);

  PetscFunctionBegin;
  if (!g->lazy || (g->P == 1.0 && g->S == 0.0)) PetscFunctionReturn(PETSC_SUCCESS);
  FlushSpan(g, g->flo, cut ? skip : g->fhi);
  if (cut) FlushSpan(g, skip + 1, g->fhi);
  g->P = 1.0;
  g->S = 0.0;
  PetscCall(SGDFSharedSync(g));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* theta and theta_dot (0 without the tangent) of owned entry jl: the stored values, or with a pending lazy scale the
   values SGDFFlush() would write back; the state is not changed */
void SGDFEntry(SGDF g, PetscInt jl, PetscReal *theta, PetscReal *theta_dot)
{
  const PetscInt  j       = g->ps * jl;
  const PetscBool pending = (PetscBool) (g->lazy && (g->P != 1.0 || g->S != 0.0));

  *theta     = pending ? ThetaOf(g, jl) : g->theta[j];
  *theta_dot = !g->tangent ? 0.0 : pending ? TdOf(g, jl) : g->td[j];
}

/* Rows per rank of one fetch block when the rows' entries are fetched from their owners (partitioned layout): every rank
   fetches at once, so all of them together may ask one owner for at most the receive buffer's ucap entries; without
   the exchange (no hash table), all the rows at once */
PetscInt SGDFFetchRows(SGDF g, PetscInt all)
{
  return g->hash ? PetscMax(1, g->ucap / (g->maxnnz * g->size)) : all;
}

/* Whether local SGDF steps with the one-rank lazy kernel (StepSerial) on every rank: plain SGD; Adam steps densely */
PetscBool SGDFLocalLazy(SGDF g)
{
  return (PetscBool) (g->local_steps > 0 && g->optimizer == SGDF_OPTIMIZER_SGD);
}

/* Local SGDF: the batch coefficients of the lazy kernel, and for the sparse averaging the rows stepped on since the
   last averaging (at most this rank's rows: the averaging at every epoch end resets them) and the touched marks */
static PetscErrorCode LocalWorkspaceCreate(SGDF g, PetscInt rows)
{
  PetscFunctionBegin;
  if (SGDFLocalLazy(g)) PetscCall(PetscMalloc1(2 * rows, &g->coefbuf));
  PetscCall(PetscMalloc2(g->size, &g->acnt, g->size + 1, &g->adsp));
  PetscCall(SGDFOverlapCreate(g));
  if (g->size == 1 || g->average == SGDF_AVERAGE_DENSE) PetscFunctionReturn(PETSC_SUCCESS);
  /* auto on one node with shared memory: the dense average streams 2 d words per rank, while finding the touched entries
     alone rereads every row stepped on since the last averaging (measured, 10^6 x 10^5, 20 per row, H = 1024, 2 ranks:
     0.16 s of touched passes and allreduces per epoch against 0.01 s) */
  if (g->average == SGDF_AVERAGE_AUTO && g->win != MPI_WIN_NULL && g->nnodes == 1) PetscFunctionReturn(PETSC_SUCCESS);
  g->arcap = (PetscInt) PetscMin(LongestPeriod(g) * g->batch, (PetscInt64) g->nlocal);
  g->tcap  = (PetscInt) PetscMin((PetscInt64) g->arcap * g->maxnnz, (PetscInt64) g->d);
  PetscCall(PetscMalloc1(PetscMax(g->arcap, 1), &g->arows));
  PetscCall(PetscCalloc1(g->d, &g->mark));
  PetscCall(PetscMalloc1(PetscMax(g->tcap, 1), &g->tcol));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode SGDFWorkspaceCreate(SGDF g)
{
  /* at least one row per rank: the pool scoring fetches for a block of rows on every rank at once */
  PetscInt rows = PetscMax(PetscMax(g->batch, g->online_s ? g->val_batch : 0), g->size), cap = rows * g->maxnnz, hbits = 1;

  PetscFunctionBegin;
  PetscCall(PetscMalloc4(rows, &g->brows, rows, &g->bglobal, rows, &g->xrows, rows, &g->xglobal));
  g->xstep = -1;
  /* the schedule pays from 2 ranks on (measured, 2 x 10^6 rows, batch 128: 0.56 s against 0.88 s of drawing every batch per
     epoch at 2 ranks; 0.88 s against 0.39 s at 1 rank, where every row is this rank's anyway) */
  if (g->size > 1 && !g->online_s && !g->holdout && !g->save_indices) {
    PetscCall(PetscMalloc2(PetscMax(g->nlocal, 1), &g->srows, g->nsteps_epoch + 1, &g->sptr));
    if (g->size > SCHEDULE_FORWARD_MAX_RANKS) {
      /* the inverse permutation's positions (16 bytes per local row) and the steps' fill counts */
      PetscCall(PetscMalloc1(2 * PetscMax(g->nlocal, 1), &g->spos));
      PetscCall(PetscCalloc1(g->nsteps_epoch, &g->sfill));
    } else { /* the forward build's window buffers and every rank's first row */
      PetscInt64 wlen = ScheduleWindow(g), share = wlen / g->size + 1, mine = g->rstart;
      PetscCall(PetscMalloc4(share, &g->wrow, g->size + 1, &g->wstart, 2 * share, &g->wsend, 2 * wlen, &g->wrecv));
      PetscCall(PetscMalloc4(g->size, &g->wscnt, g->size, &g->wsdsp, g->size, &g->wrcnt, g->size, &g->wrdsp));
      PetscCallMPI(MPI_Allgather(&mine, 1, MPI_INT64_T, g->wstart, 1, MPI_INT64_T, g->comm));
      g->wstart[g->size] = g->n;
      for (PetscMPIInt r = 0; r < g->size; r++)
        PetscCheck(g->wstart[r] <= g->wstart[r + 1], PETSC_COMM_SELF, PETSC_ERR_PLIB, "SGDF schedule: the ranks' rows are not in rank order");
    }
    g->sepoch = -1;
  }
  if (g->local_steps > 0) PetscCall(LocalWorkspaceCreate(g, rows));
  if (SGDFLocalLazy(g)) PetscFunctionReturn(PETSC_SUCCESS);
  if (g->layout == SGDF_LAYOUT_REPLICATED) {
    PetscCall(PetscMalloc1(2 * g->d + 2, &g->gbuf));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  cap     = PetscMax(cap, 1);
  g->ucap = g->rcap = cap;
  while ((1 << hbits) < 2 * cap) hbits++;
  g->hsize = 1 << hbits;
  PetscCall(PetscMalloc1(g->hsize, &g->hash));
  for (PetscInt h = 0; h < g->hsize; h++) g->hash[h].stamp = -1;
  g->hcur = 0;
  PetscCall(PetscMalloc6(cap, &g->slot, cap, &g->ucol, cap, &g->sendcol, cap, &g->recvcol, cap, &g->uowner, cap, &g->upos));
  PetscCall(PetscMalloc4(2 * cap, &g->uval, 2 * cap, &g->rval, 2 * cap, &g->ugrad, 2 * cap, &g->rgrad));
  PetscCall(PetscMalloc4(g->size, &g->scnt, g->size + 1, &g->sdsp, g->size, &g->rcnt, g->size + 1, &g->rdsp));
  PetscCall(PetscMalloc4(g->size, &g->scnt2, g->size + 1, &g->sdsp2, g->size, &g->rcnt2, g->size + 1, &g->rdsp2));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode SGDFWorkspaceDestroy(SGDF g)
{
  PetscFunctionBegin;
  PetscCall(PetscFree4(g->brows, g->bglobal, g->xrows, g->xglobal));
  if (g->srows) PetscCall(PetscFree2(g->srows, g->sptr));
  PetscCall(PetscFree(g->spos));
  PetscCall(PetscFree(g->sfill));
  if (g->wrow) PetscCall(PetscFree4(g->wrow, g->wstart, g->wsend, g->wrecv));
  if (g->wscnt) PetscCall(PetscFree4(g->wscnt, g->wsdsp, g->wrcnt, g->wrdsp));
  PetscCall(PetscFree(g->gbuf));
  PetscCall(PetscFree(g->coefbuf));
  PetscCall(PetscFree(g->arows));
  PetscCall(PetscFree(g->mark));
  PetscCall(PetscFree(g->tcol));
  PetscCall(PetscFree(g->ucolall));
  PetscCall(PetscFree(g->abuf));
  PetscCall(PetscFree2(g->acnt, g->adsp));
  PetscCall(SGDFOverlapDestroy(g));
  if (g->hash) {
    PetscCall(PetscFree(g->hash));
    PetscCall(PetscFree6(g->slot, g->ucol, g->sendcol, g->recvcol, g->uowner, g->upos));
    PetscCall(PetscFree4(g->uval, g->rval, g->ugrad, g->rgrad));
    PetscCall(PetscFree4(g->scnt, g->sdsp, g->rcnt, g->rdsp));
    PetscCall(PetscFree4(g->scnt2, g->sdsp2, g->rcnt2, g->rdsp2));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The training rows of step t drawn from the epoch's permutation: the whole batch (global rows, in sequence order) into
   bglobal and this rank's part of it into brows */
static void BatchRowsDraw(SGDF g, PetscInt64 t, PetscInt brows[], PetscInt bglobal[], PetscInt *nglobal, PetscInt *nlocal)
{
  PetscInt64     e = t / g->nsteps_epoch, k = t % g->nsteps_epoch, p0 = k * g->batch, p1 = PetscMin((PetscInt64) g->n, p0 + g->batch);
  const uint64_t key = PermuteKey(g, e);
  PetscInt       ng = 0, nl = 0;
  PetscInt64     rows[32];

  for (PetscInt64 q0 = p0; q0 < p1; q0 += 32) {
    const PetscInt64 cnt = PetscMin(32, p1 - q0);
    FeistelRange(g, key, q0, cnt, rows);
    for (PetscInt64 l = 0; l < cnt; l++) {
      const PetscInt64 row = rows[l];
      if (SGDFIsValidation(g, row)) continue;
      bglobal[ng++] = (PetscInt) row;
      if (row >= g->rstart && row < g->rstart + g->nlocal) brows[nl++] = (PetscInt) (row - g->rstart);
    }
  }
  *nglobal = ng;
  *nlocal  = nl;
}

/* The training rows of step t: the whole batch (global rows, in sequence order) and this rank's part of it; with the
   schedule (ScheduleBuild) only this rank's part, and the batch's size. Without the schedule the next step's batch of
   the same epoch is drawn here too (each batch is drawn once), so that the step can fetch its rows ahead (NextRows). */
static PetscErrorCode BatchRows(SGDF g, PetscInt64 t, PetscInt *nglobal, PetscInt *nlocal)
{
  PetscInt64 e = t / g->nsteps_epoch, k = t % g->nsteps_epoch, p0 = k * g->batch, p1 = PetscMin((PetscInt64) g->n, p0 + g->batch);

  PetscFunctionBegin;
  if (g->srows) {
    PetscInt nl;
    if (g->sepoch != e) PetscCall(ScheduleBuild(g, e));
    nl = g->sptr[k + 1] - g->sptr[k];
    PetscCall(PetscArraycpy(g->brows, g->srows + g->sptr[k], nl));
    *nglobal = (PetscInt) (p1 - p0);
    *nlocal  = nl;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (g->xstep == t) {
    PetscCall(PetscArraycpy(g->brows, g->xrows, g->xnl));
    PetscCall(PetscArraycpy(g->bglobal, g->xglobal, g->xng));
    *nglobal = g->xng;
    *nlocal  = g->xnl;
  } else BatchRowsDraw(g, t, g->brows, g->bglobal, nglobal, nlocal);
  g->xstep = -1;
  if (k + 1 < g->nsteps_epoch) {
    BatchRowsDraw(g, t + 1, g->xrows, g->xglobal, &g->xng, &g->xnl);
    g->xstep = t + 1;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Partitioned layout: the current values of every parameter entry that the given local rows touch, fetched from the
   ranks that own them (lazy regularizer caught up on the way). After it, slot[] maps each nonzero of the rows (in
   order) to a position in uval (nv values per position: theta, theta_dot), and the positions are grouped by owner. */
static PetscErrorCode Fetch(SGDF g, PetscInt nrows, const PetscInt rows[], const PetscInt rowptr[], const PetscInt colidx[])
{
  const PetscInt nv = g->tangent ? 2 : 1;
  PetscInt       kk = 0, nu = 0, hmask = g->hsize - 1, *fill;
  int            hb = 0;

  PetscFunctionBegin;
  while ((1 << hb) < g->hsize) hb++;
  if (g->hcur == INT_MAX) { /* stamps wrap around: forget them all */
    for (PetscInt h = 0; h < g->hsize; h++) g->hash[h].stamp = -1;
    g->hcur = 0;
  }
  g->hcur++;
  for (PetscInt r = 0; r < nrows; r++) {
    PetscInt i = rows[r];
    for (PetscInt k = rowptr[i]; k < rowptr[i + 1]; k++) {
      PetscInt64 c = colidx[k];
      PetscInt   h = (PetscInt) (((uint64_t) c * 0x9e3779b97f4a7c15ULL) >> (64 - hb)) & hmask;
      while (g->hash[h].stamp == g->hcur && g->hash[h].key != c) h = (h + 1) & hmask;
      if (g->hash[h].stamp != g->hcur) {
        g->hash[h].stamp = g->hcur;
        g->hash[h].key   = c;
        g->hash[h].slot  = (int) nu;
        g->ucol[nu]      = c;
        g->uowner[nu]    = Owner(g, c);
        nu++;
      }
      g->slot[kk++] = g->hash[h].slot;
    }
  }
  g->nu = nu;
  for (PetscMPIInt p = 0; p < g->size; p++) g->scnt[p] = 0;
  for (PetscInt u = 0; u < nu; u++) g->scnt[g->uowner[u]]++;
  g->sdsp[0] = 0;
  for (PetscMPIInt p = 0; p < g->size; p++) g->sdsp[p + 1] = g->sdsp[p] + g->scnt[p];
  fill = g->uowner; /* reused: after this loop uowner is not needed */
  {
    PetscMPIInt *next = g->scnt2; /* scratch running offsets */
    for (PetscMPIInt p = 0; p < g->size; p++) next[p] = g->sdsp[p];
    for (PetscInt u = 0; u < nu; u++) {
      PetscInt pos    = next[fill[u]]++;
      g->sendcol[pos] = g->ucol[u];
      g->upos[u]      = pos;
    }
  }
  for (PetscInt q = 0; q < kk; q++) g->slot[q] = g->upos[g->slot[q]];

  PetscCall(PetscLogEventBegin(SGDF_EVENT_Exchange, 0, 0, 0, 0));
  if (g->size == 1) {
    g->nrecv = nu;
    for (PetscInt q = 0; q < nu; q++) g->recvcol[q] = g->sendcol[q];
  } else {
    PetscCallMPI(MPI_Alltoall(g->scnt, 1, MPI_INT, g->rcnt, 1, MPI_INT, g->comm));
    g->rdsp[0] = 0;
    for (PetscMPIInt p = 0; p < g->size; p++) g->rdsp[p + 1] = g->rdsp[p] + g->rcnt[p];
    g->nrecv = g->rdsp[g->size];
    PetscCheck(g->nrecv <= g->rcap, PETSC_COMM_SELF, PETSC_ERR_PLIB, "SGDF exchange: %" PetscInt_FMT " requests exceed the buffer of %" PetscInt_FMT,
               g->nrecv, g->rcap);
    PetscCallMPI(MPI_Alltoallv(g->sendcol, g->scnt, g->sdsp, MPI_INT64_T, g->recvcol, g->rcnt, g->rdsp, MPI_INT64_T, g->comm));
  }
  PetscCall(PetscLogEventEnd(SGDF_EVENT_Exchange, 0, 0, 0, 0));

  /* answer the requests with entries brought up to the completed steps */
  for (PetscInt q = 0; q < g->nrecv; q++) {
    PetscInt jl     = (PetscInt) (g->recvcol[q] - g->cstart);
    g->rval[nv * q] = ThetaOf(g, jl);
    if (nv == 2) g->rval[nv * q + 1] = TdOf(g, jl);
  }
  PetscCall(PetscLogEventBegin(SGDF_EVENT_Exchange, 0, 0, 0, 0));
  if (g->size == 1) {
    for (PetscInt q = 0; q < nv * nu; q++) g->uval[q] = g->rval[q];
  } else {
    for (PetscMPIInt p = 0; p < g->size; p++) {
      g->scnt2[p] = nv * g->scnt[p];
      g->rcnt2[p] = nv * g->rcnt[p];
      g->sdsp2[p] = nv * g->sdsp[p];
      g->rdsp2[p] = nv * g->rdsp[p];
    }
    PetscCallMPI(MPI_Alltoallv(g->rval, g->rcnt2, g->rdsp2, MPIU_REAL, g->uval, g->scnt2, g->sdsp2, MPIU_REAL, g->comm));
  }
  PetscCall(PetscLogEventEnd(SGDF_EVENT_Exchange, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The regularizer factor of step t: r = K on every K-th step (eta_R = K eta_t), 0 otherwise; a = 1 - eta_R s */
static PetscErrorCode RegularizerStep(SGDF g, PetscInt64 t, PetscReal eta, PetscReal *etaR)
{
  PetscFunctionBegin;
  *etaR = ((t + 1) % g->reg_every == 0) ? g->reg_every * eta : 0.0;
  if (g->optimizer == SGDF_OPTIMIZER_SGD) {
    PetscInt64 e = t / g->nsteps_epoch + 1;
    PetscCheck(*etaR * g->s < 1.0, g->comm, PETSC_ERR_NOT_CONVERGED,
               "SGDF diverges in epoch %" PetscInt64_FMT " (step %" PetscInt64_FMT
               "): the regularizer step eta_R s = %g x %g >= 1 (step size -curio_sgdf_lr %g, "
               "-curio_sgdf_reg_every %" PetscInt_FMT "); use a smaller step size. The last good checkpoint, if any, is kept",
               e, t, (double) *etaR, (double) g->s, (double) g->lr, g->reg_every);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The regularizer part of a partitioned step: lazy, the new scalars (Pn, Sn) = (a P, S + b/a); LiSSA (theta frozen,
   nothing lazy), theta_dot <- theta_dot - eta_R m (s theta_dot + theta) on every owned entry */
static PetscErrorCode RegularizerApply(SGDF g, PetscReal etaR, PetscReal *Pn, PetscReal *Sn)
{
  PetscFunctionBegin;
  *Pn = g->P;
  *Sn = g->S;
  if (etaR <= 0) PetscFunctionReturn(PETSC_SUCCESS);
  if (g->lazy) {
    PetscReal a = 1.0 - etaR * g->s;
    *Pn         = a * g->P;
    *Sn         = g->S + etaR / a;
  } else {
    for (PetscInt jl = g->flo; jl < g->fhi; jl++) {
      PetscReal m = Mask(g, g->cstart + jl);
      PetscInt  j = g->ps * jl;
      g->td[j]    = g->td[j] - etaR * m * (g->s * g->td[j] + g->theta[j]);
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* After the data part: the new scalars, and a rebase when P is small or every R steps (see the top of this file) */
static PetscErrorCode RegularizerFinish(SGDF g, PetscReal Pn, PetscReal Sn)
{
  /* the rows a step touches on this rank: the batch, or in local SGDF this rank's share of it */
  PetscInt64 rows = g->local_steps > 0 ? (g->batch + g->size - 1) / g->size : g->batch, R = PetscMax(16, g->dl / PetscMax(1, rows * g->maxnnz));

  PetscFunctionBegin;
  g->P = Pn;
  g->S = Sn;
  if (g->lazy && (g->P < 0.1 || (g->step + 1) % R == 0)) PetscCall(SGDFFlush(g));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Replicated layout: local dual-number pass over this rank's batch rows into dense g, gdot; one MPI_Allreduce of both;
   the same update on every rank */
static PetscErrorCode StepReplicated(SGDF g, PetscInt nb, PetscInt nl, PetscReal eta, PetscReal etaR)
{
  const PetscInt d = g->d, nv = g->tangent ? 2 : 1;
  PetscReal     *G = g->gbuf, *Gd = g->gbuf + d, scale = nb > 0 ? (PetscReal) g->ntrain / nb : 0.0;

  scale *= Copies(g); /* local SGDF: this rank's share estimates the batch's sum (docs/sgdf.md) */

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(SGDF_EVENT_Gradient, 0, 0, 0, 0));
  PetscCall(PetscArrayzero(g->gbuf, nv * d));
  for (PetscInt r = 0; r < nl; r++) {
    PetscInt         i = g->brows[r], k0 = g->rowptr[i], k1 = g->rowptr[i + 1];
    PetscReal        e = 0, ed = 0, l, dl, d2l, c, cd;
    const PetscInt  *col = g->colidx;
    const PetscReal *v   = g->vals;
    for (PetscInt k = k0; k < k1; k++) e += v[k] * g->theta[col[k]];
    LossEval(g->loss, e, g->y[i], &l, &dl, &d2l);
    g->loss_sum += g->w[i] * l;
    g->loss_cnt++;
    c = g->w[i] * dl;
    if (g->tangent) {
      for (PetscInt k = k0; k < k1; k++) ed += v[k] * g->td[col[k]];
      cd = g->w[i] * d2l * ed;
      for (PetscInt k = k0; k < k1; k++) {
        G[col[k]] += c * v[k];
        Gd[col[k]] += cd * v[k];
      }
    } else
      for (PetscInt k = k0; k < k1; k++) G[col[k]] += c * v[k];
  }
  PetscCall(PetscLogEventEnd(SGDF_EVENT_Gradient, 0, 0, 0, 0));
  PetscCall(PetscLogEventBegin(SGDF_EVENT_Exchange, 0, 0, 0, 0));
  if (g->size > 1 && g->local_steps == 0) PetscCall(CurioAllreduceSum(g->comm, g->gbuf, (PetscInt64) nv * d));
  PetscCall(PetscLogEventEnd(SGDF_EVENT_Exchange, 0, 0, 0, 0));

  PetscCall(PetscLogEventBegin(SGDF_EVENT_Update, 0, 0, 0, 0));
  if (g->optimizer == SGDF_OPTIMIZER_SGD) {
    /* eta (scale D + r s m theta) with r eta = eta_R */
    for (PetscInt j = 0; j < d; j++) {
      PetscReal m = Mask(g, j), th = g->theta[j];
      if (!g->lissa) g->theta[j] = th - eta * scale * G[j] - etaR * g->s * m * th;
      if (g->tangent) g->td[j] = g->td[j] - eta * scale * Gd[j] - etaR * m * (g->s * g->td[j] + th);
    }
  } else {
    /* Adam: gradient and dual gradient of the minibatch objective (the regularizer's share every K-th step, weight K)
       through the same per-coordinate step; the denominators come from the gradient's second moment only, which the
       tangent treats as constant in s, so the fixed point H theta_dot + g = 0 is kept */
    PetscReal b1 = g->beta1, b2 = g->beta2, bc1 = 1.0 - PetscPowReal(b1, (PetscReal) (g->step + 1)),
              bc2 = 1.0 - PetscPowReal(b2, (PetscReal) (g->step + 1)), r = eta > 0 ? etaR / eta : 0.0;
    for (PetscInt j = 0; j < d; j++) {
      PetscReal m = Mask(g, j), th = g->theta[j], gr = scale * G[j] + r * g->s * m * th, den;
      g->m1[j] = b1 * g->m1[j] + (1 - b1) * gr;
      g->v2[j] = b2 * g->v2[j] + (1 - b2) * gr * gr;
      den      = PetscSqrtReal(g->v2[j] / bc2) + g->eps;
      if (g->tangent) {
        PetscReal grd = scale * Gd[j] + r * m * (g->s * g->td[j] + th);
        g->m1d[j]     = b1 * g->m1d[j] + (1 - b1) * grd;
        g->td[j] -= eta * (g->m1d[j] / bc1) / den;
      }
      if (!g->lissa) g->theta[j] = th - eta * (g->m1[j] / bc1) / den;
    }
  }
  PetscCall(PetscLogEventEnd(SGDF_EVENT_Update, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Partitioned layout: fetch the touched entries, the same local pass into compact gradients, send them back to the
   owners, which apply the step (contributions summed in rank order, so the result does not depend on timing) */
static PetscErrorCode StepPartitioned(SGDF g, PetscInt nb, PetscInt nl, PetscReal eta, PetscReal etaR)
{
  const PetscInt nv    = g->tangent ? 2 : 1;
  PetscReal      scale = nb > 0 ? (PetscReal) g->ntrain / nb : 0.0, h = eta * scale, Pn, Sn;
  PetscInt       kk = 0;

  PetscFunctionBegin;
  PetscCall(Fetch(g, nl, g->brows, g->rowptr, g->colidx));
  PetscCall(PetscLogEventBegin(SGDF_EVENT_Gradient, 0, 0, 0, 0));
  PetscCall(PetscArrayzero(g->ugrad, nv * g->nu));
  for (PetscInt r = 0; r < nl; r++) {
    PetscInt         i = g->brows[r], k0 = g->rowptr[i], n = g->rowptr[i + 1] - k0;
    const PetscReal *v  = g->vals + k0;
    const PetscInt  *sl = g->slot + kk;
    PetscReal        e = 0, ed = 0, l, dl, d2l, c, cd;
    if (nv == 2) {
      for (PetscInt k = 0; k < n; k++) {
        e += v[k] * g->uval[2 * sl[k]];
        ed += v[k] * g->uval[2 * sl[k] + 1];
      }
    } else
      for (PetscInt k = 0; k < n; k++) e += v[k] * g->uval[sl[k]];
    LossEval(g->loss, e, g->y[i], &l, &dl, &d2l);
    g->loss_sum += g->w[i] * l;
    g->loss_cnt++;
    c = g->w[i] * dl;
    if (nv == 2) {
      cd = g->w[i] * d2l * ed;
      for (PetscInt k = 0; k < n; k++) {
        g->ugrad[2 * sl[k]] += c * v[k];
        g->ugrad[2 * sl[k] + 1] += cd * v[k];
      }
    } else
      for (PetscInt k = 0; k < n; k++) g->ugrad[sl[k]] += c * v[k];
    kk += n;
  }
  PetscCall(PetscLogEventEnd(SGDF_EVENT_Gradient, 0, 0, 0, 0));
  PetscCall(PetscLogEventBegin(SGDF_EVENT_Exchange, 0, 0, 0, 0));
  if (g->size == 1) {
    for (PetscInt q = 0; q < nv * g->nu; q++) g->rgrad[q] = g->ugrad[q];
  } else PetscCallMPI(MPI_Alltoallv(g->ugrad, g->scnt2, g->sdsp2, MPIU_REAL, g->rgrad, g->rcnt2, g->rdsp2, MPIU_REAL, g->comm));
  PetscCall(PetscLogEventEnd(SGDF_EVENT_Exchange, 0, 0, 0, 0));

  PetscCall(PetscLogEventBegin(SGDF_EVENT_Update, 0, 0, 0, 0));
  PetscCall(RegularizerApply(g, etaR, &Pn, &Sn));
  for (PetscInt q = 0; q < g->nrecv; q++)
    Apply(g, (PetscInt) (g->recvcol[q] - g->cstart), h, g->rgrad[nv * q], nv == 2 ? g->rgrad[nv * q + 1] : 0, Pn, Sn);
  PetscCall(RegularizerFinish(g, Pn, Sn));
  PetscCall(PetscLogEventEnd(SGDF_EVENT_Update, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

#if defined(__GNUC__) && (defined(PETSC_USE_REAL_DOUBLE) || defined(PETSC_USE_REAL_SINGLE))
#define CURIO_SGDF_PAIR
/* theta_j and theta_dot_j side by side (the interleaved layout) as one vector of two: one load and one store per entry
   where the scalar code has two each; the same operations on each of the two (GCC and Clang vector extensions, with
   the alignment of a PetscReal, and allowed to alias the PetscReal array). Measured (one rank, the benchmark's
   10^6 x 10^5 epoch, 6 alternating runs): 0.145 -> 0.134 s median, the iterates bitwise the same. */
typedef PetscReal SGDFPair __attribute__((vector_size(2 * sizeof(PetscReal)), aligned(sizeof(PetscReal)), may_alias));
#endif

/* This rank's rows of the next step of the epoch, when they are known now (the schedule, or drawn ahead by BatchRows):
   a step fetches them ahead while it finishes */
static PetscInt NextRows(SGDF g, const PetscInt **nx)
{
  PetscInt64 k = g->step % g->nsteps_epoch;

  *nx = NULL;
  if (k + 1 >= g->nsteps_epoch) return 0;
  if (g->srows && g->sepoch == g->step / g->nsteps_epoch) {
    *nx = g->srows + g->sptr[k + 1];
    return g->sptr[k + 2] - g->sptr[k + 1];
  }
  if (g->xstep != g->step + 1) return 0;
  *nx = g->xrows;
  return g->xnl;
}

/* Pass 1 of a lazy step: this rank's batch rows evaluated at the old point (dual dot products with the scaled entries),
   their loss summed, and per row the coefficients coef[2r] = w l' and coef[2r + 1] = w l'' (phi . theta_dot). The batch
   rows are random rows of X, each a few cache misses away: while a row is computed, the entries of the row 8 ahead are
   fetched and the row pointer of the one 16 ahead, counting on into the next step's rows nx (NextRows). Measured (10^6 x
   10^5, 20 per row, batch 32, 1 rank, -log_view event CurioSGDFGrad per epoch): 88-108 ms with the next step's rows,
   189-215 ms when a step's first rows were not fetched ahead (4 alternating runs each); 12 and 24 ahead instead of 8
   and 16 measured the same. */
static void GradientPass(SGDF g, PetscInt nl, const PetscInt nx[], PetscInt nnx, PetscReal *restrict coef)
{
  const PetscInt *restrict rowptr = g->rowptr, *restrict col = g->colidx, *restrict br = g->brows;
  const PetscReal *restrict val = g->vals, *restrict v = g->theta; /* with the tangent, theta_dot_j = v[2j + 1] */
  const PetscBool tangent = g->tangent, mask0 = (PetscBool) (g->lazy && g->regularizer == CURIO_REGULARIZER_RESTRICTED);
  const PetscReal P = g->P, S = g->S;

  for (PetscInt r = 0; r < nl; r++) {
    PetscInt  i = br[r], k0 = rowptr[i], k1 = rowptr[i + 1];
    PetscReal sv = 0, sq = 0, e, ed = 0, l, dl, d2l, x0v = 0, x0q = 0;
    if (r + 8 < nl + nnx) { /* every cache line of its column indices and values */
      PetscInt ia = r + 8 < nl ? br[r + 8] : nx[r + 8 - nl], ip = rowptr[ia], iq = rowptr[ia + 1];
      for (PetscInt k = ip; k < iq; k += 16) __builtin_prefetch(col + k);
      for (PetscInt k = ip; k < iq; k += 8) __builtin_prefetch(val + k);
      if (iq > ip) __builtin_prefetch(col + iq - 1);
      if (iq > ip) __builtin_prefetch(val + iq - 1);
      __builtin_prefetch(g->y + ia);
      __builtin_prefetch(g->w + ia);
    }
    if (r + 16 < nl) __builtin_prefetch(rowptr + br[r + 16]);
    else if (r + 16 - nl < nnx) __builtin_prefetch(rowptr + nx[r + 16 - nl]);
    if (mask0 && k0 < k1 && col[k0] == 0) { /* the unpenalized intercept is stored unscaled */
      x0v = val[k0] * v[0];
      x0q = tangent ? val[k0] * v[1] : 0.0;
      k0++;
    }
    if (tangent) {
      for (PetscInt k = k0; k < k1; k++) { /* interleaved: v and q of an entry share a cache line */
        sv += val[k] * v[2 * col[k]];
        sq += val[k] * v[2 * col[k] + 1];
      }
      e  = P * sv + x0v;
      ed = P * (sq - S * sv) + x0q;
    } else {
      for (PetscInt k = k0; k < k1; k++) sv += val[k] * v[col[k]];
      e = P * sv + x0v;
    }
    LossEval(g->loss, e, g->y[i], &l, &dl, &d2l);
    g->loss_sum += g->w[i] * l;
    coef[2 * r]     = g->w[i] * dl;
    coef[2 * r + 1] = g->w[i] * d2l * ed;
  }
  g->loss_cnt += nl;
}

/* Partitioned layout on one rank, and local SGDF with plain SGD on each rank's own copy: no exchange and no hash; pass
   1 (GradientPass) evaluates every batch row at the old point, pass 2 scatters the data part into the scaled entries */
static PetscErrorCode StepSerial(SGDF g, PetscInt nb, PetscInt nl, PetscReal eta, PetscReal etaR)
{
  const PetscInt *restrict rowptr = g->rowptr, *restrict col = g->colidx, *restrict br = g->brows;
  const PetscReal *restrict val = g->vals;
  PetscReal *restrict v = g->theta, *restrict coef = g->coefbuf ? g->coefbuf : g->ugrad; /* with the tangent, theta_dot_j = v[2j + 1] */
  const PetscBool tangent = g->tangent, mask0 = (PetscBool) (g->lazy && g->regularizer == CURIO_REGULARIZER_RESTRICTED);
  const PetscReal scale = nb > 0 ? (PetscReal) g->ntrain / nb * Copies(g) : 0.0, h = eta * scale;
  PetscReal       Pn, Sn, f, fS;
  const PetscInt *nx;
  PetscInt        nnx = NextRows(g, &nx);

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(SGDF_EVENT_Gradient, 0, 0, 0, 0));
  GradientPass(g, nl, nx, nnx, coef);
  PetscCall(PetscLogEventEnd(SGDF_EVENT_Gradient, 0, 0, 0, 0));

  PetscCall(PetscLogEventBegin(SGDF_EVENT_Update, 0, 0, 0, 0));
  PetscCall(RegularizerApply(g, etaR, &Pn, &Sn));
  f  = g->lazy ? h / Pn : h;
  fS = g->lazy ? Sn : 0.0;
  for (PetscInt r = 0; r < nl; r++) {
    PetscInt  i = br[r], k0 = rowptr[i], k1 = rowptr[i + 1];
    PetscReal c = coef[2 * r], cd = coef[2 * r + 1];
    if (mask0 && k0 < k1 && col[k0] == 0) {
      v[0] -= h * c * val[k0];
      if (tangent) v[1] -= h * cd * val[k0];
      k0++;
    }
    if (tangent) {
      PetscReal a1 = f * c, a2 = f * (cd + fS * c);
      if (g->lissa)
        for (PetscInt k = k0; k < k1; k++) v[2 * col[k] + 1] -= a2 * val[k];
      else {
#if defined(CURIO_SGDF_PAIR)
        const SGDFPair a = {a1, a2};
        for (PetscInt k = k0; k < k1; k++) *(SGDFPair *) (v + 2 * col[k]) -= a * val[k];
#else
        for (PetscInt k = k0; k < k1; k++) {
          v[2 * col[k]] -= a1 * val[k];
          v[2 * col[k] + 1] -= a2 * val[k];
        }
#endif
      }
    } else {
      PetscReal a1 = f * c;
      for (PetscInt k = k0; k < k1; k++) v[col[k]] -= a1 * val[k];
    }
  }
  PetscCall(RegularizerFinish(g, Pn, Sn));
  PetscCall(PetscLogEventEnd(SGDF_EVENT_Update, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The node rank that owns parameter j in the hybrid layout: j in [flo, fhi) of node rank floor(j r / d), where
   flo = ceil(d p / r) for node rank p of r (SGDFSharedCreate) */
static inline PetscMPIInt HybridOwner(PetscInt64 j, PetscInt64 r, PetscInt64 d)
{
  return (PetscMPIInt) (j * r / d);
}

/* Hybrid layout (docs/sgdf.md section 6): the ranks of a node step together on the node's one copy. Each evaluates its
   rows of the batch at the old point (GradientPass, reading the shared copy), then puts every update of its rows into
   its bucket, grouped by the node rank that owns the parameter (the same products the one-rank kernel subtracts); after
   a node barrier each rank subtracts the updates of its parameters, bucket after bucket in node-rank order, so a run is
   reproducible bitwise; a second barrier ends the step. The lazy ridge's scalars P, S are the same on every rank. */
static PetscErrorCode StepHybrid(SGDF g, PetscInt nb, PetscInt nl, PetscReal eta, PetscReal etaR)
{
  const PetscInt *restrict rowptr = g->rowptr, *restrict col = g->colidx, *restrict br = g->brows;
  const PetscReal *restrict val = g->vals, *restrict coef = g->coefbuf;
  PetscReal *restrict v     = g->theta;
  const PetscBool   tangent = g->tangent, mask0 = (PetscBool) (g->lazy && g->regularizer == CURIO_REGULARIZER_RESTRICTED);
  const PetscMPIInt nr = g->nsize, me = g->nrank;
  const PetscInt64  d     = g->dl;
  const PetscReal   scale = nb > 0 ? (PetscReal) g->ntrain / nb * Copies(g) : 0.0, h = eta * scale;
  struct SGDFBucketEntry *restrict out = g->bent[me];
  PetscInt *restrict off = g->boff[me], *restrict fill = g->bfill;
  PetscReal       Pn = g->P, Sn = g->S, f, fS;
  const PetscInt *nx;
  PetscInt        nnx = NextRows(g, &nx);

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(SGDF_EVENT_Gradient, 0, 0, 0, 0));
  GradientPass(g, nl, nx, nnx, g->coefbuf);
  PetscCall(PetscLogEventEnd(SGDF_EVENT_Gradient, 0, 0, 0, 0));

  PetscCall(PetscLogEventBegin(SGDF_EVENT_Exchange, 0, 0, 0, 0));
  if (g->lazy) PetscCall(RegularizerApply(g, etaR, &Pn, &Sn)); /* the scalars only */
  f  = g->lazy ? h / Pn : h;
  fS = g->lazy ? Sn : 0.0;
  for (PetscMPIInt q = 0; q <= nr; q++) off[q] = 0;
  for (PetscInt r = 0; r < nl; r++) {
    PetscInt i = br[r];
    for (PetscInt k = rowptr[i]; k < rowptr[i + 1]; k++) off[HybridOwner(col[k], nr, d) + 1]++;
  }
  for (PetscMPIInt q = 0; q < nr; q++) off[q + 1] += off[q];
  PetscCheck(off[nr] <= g->bcap, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Hybrid bucket of %" PetscInt_FMT " entries overflows (%" PetscInt_FMT ")", off[nr],
             g->bcap);
  for (PetscMPIInt q = 0; q < nr; q++) fill[q] = off[q];
  for (PetscInt r = 0; r < nl; r++) {
    PetscInt  i = br[r], k0 = rowptr[i], k1 = rowptr[i + 1];
    PetscReal c = coef[2 * r], cd = coef[2 * r + 1], a1 = f * c, a2 = f * (cd + fS * c);
    if (mask0 && k0 < k1 && col[k0] == 0) { /* the unpenalized intercept, unscaled */
      struct SGDFBucketEntry *e = &out[fill[0]++];
      e->col                    = 0;
      e->dv                     = h * c * val[k0];
      e->dq                     = h * cd * val[k0];
      k0++;
    }
    for (PetscInt k = k0; k < k1; k++) {
      struct SGDFBucketEntry *e = &out[fill[HybridOwner(col[k], nr, d)]++];
      e->col                    = col[k];
      e->dv                     = a1 * val[k];
      e->dq                     = a2 * val[k];
    }
  }
  PetscCall(SharedSync(g)); /* every rank has read the old point and filled its bucket */
  PetscCall(PetscLogEventEnd(SGDF_EVENT_Exchange, 0, 0, 0, 0));

  PetscCall(PetscLogEventBegin(SGDF_EVENT_Update, 0, 0, 0, 0));
  if (!g->lazy) PetscCall(RegularizerApply(g, etaR, &Pn, &Sn)); /* LiSSA's eager step, on this rank's parameters */
  for (PetscMPIInt p = 0; p < nr; p++) {
    const struct SGDFBucketEntry *restrict in = g->bent[p];
    const PetscInt q0 = g->boff[p][me], q1 = g->boff[p][me + 1];
    if (!tangent)
      for (PetscInt q = q0; q < q1; q++) v[in[q].col] -= in[q].dv;
    else if (g->lissa)
      for (PetscInt q = q0; q < q1; q++) v[2 * in[q].col + 1] -= in[q].dq;
    else
      for (PetscInt q = q0; q < q1; q++) {
        v[2 * in[q].col] -= in[q].dv;
        v[2 * in[q].col + 1] -= in[q].dq;
      }
  }
  PetscCall(RegularizerFinish(g, Pn, Sn));
  PetscCall(SharedSync(g)); /* the new point visible to every rank of the node */
  PetscCall(PetscLogEventEnd(SGDF_EVENT_Update, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  SGDFStep - one SGDF step (the next in the global sequence, g->step), collective
@*/
PetscErrorCode SGDFStep(SGDF g)
{
  PetscInt  nb, nl;
  PetscReal eta = SGDFStepSize(g, g->step), etaR;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(SGDF_EVENT_Batch, 0, 0, 0, 0));
  PetscCall(BatchRows(g, g->step, &nb, &nl));
  PetscCall(PetscLogEventEnd(SGDF_EVENT_Batch, 0, 0, 0, 0));
  if (g->indices && g->step < g->nindices_steps) {
    for (PetscInt b = 0; b < g->batch; b++) g->indices[g->step * g->batch + b] = b < nb ? g->bglobal[b] : -1;
  }
  PetscCall(RegularizerStep(g, g->step, eta, &etaR));
  if (g->arows) {
    PetscCall(PetscArraycpy(g->arows + g->narows, g->brows, nl));
    g->narows += nl;
  }
  if (g->hybrid) PetscCall(StepHybrid(g, nb, nl, eta, etaR));
  else if (SGDFLocalLazy(g)) PetscCall(StepSerial(g, nb, nl, eta, etaR));
  else if (g->layout == SGDF_LAYOUT_REPLICATED) PetscCall(StepReplicated(g, nb, nl, eta, etaR));
  else if (g->size == 1) PetscCall(StepSerial(g, nb, nl, eta, etaR));
  else PetscCall(StepPartitioned(g, nb, nl, eta, etaR));
  g->step++;
  if (g->oreq != MPI_REQUEST_NULL) PetscCall(OverlapProgress(g, PETSC_FALSE)); /* Open MPI moves a nonblocking collective inside MPI calls */
  if (g->local_steps > 0) {
    if (g->next_average < 0) g->next_average = NextAverage(g, LastAverage(g, g->step - 1));
    if (g->step == g->next_average) {
      PetscCall(SGDFAverage(g));
      g->next_average = NextAverage(g, g->step);
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The arrays local SGDF averages: theta (unless frozen), theta_dot, Adam's moments; each of length d with a stride */
static PetscInt AveragedArrays(SGDF g, PetscReal *a[5], PetscInt *stride)
{
  PetscInt na = 0;

  *stride = g->ps;
  if (!g->lissa) a[na++] = g->theta;
  if (g->tangent) a[na++] = g->td;
  if (g->optimizer == SGDF_OPTIMIZER_ADAM) {
    a[na++] = g->m1;
    a[na++] = g->v2;
    if (g->tangent) a[na++] = g->m1d;
  }
  return na;
}

/* Hybrid layout: each rank's bucket of a step's updates (StepHybrid) in a second shared window of the node: room for
   the entries of its rows of one step (at most a batch of its rows, of at most maxnnz entries each), then the owners'
   offsets */
static PetscErrorCode HybridBucketsCreate(SGDF g)
{
  const size_t esz  = sizeof(struct SGDFBucketEntry);
  PetscInt64   rows = PetscMin((PetscInt64) g->batch, (PetscInt64) g->nlocal), cap = PetscMax(rows * g->maxnnz, 1);
  MPI_Info     info;
  char        *base;

  PetscFunctionBegin;
  g->bcap = (PetscInt) cap;
  PetscCallMPI(MPI_Info_create(&info));
  PetscCallMPI(MPI_Info_set(info, "alloc_shared_noncontig", "true"));
  PetscCallMPI(MPI_Win_allocate_shared((MPI_Aint) (cap * esz + (size_t) (g->nsize + 1) * sizeof(PetscInt)), 1, info, g->ncomm, &base, &g->bwin));
  PetscCallMPI(MPI_Info_free(&info));
  PetscCallMPI(MPI_Win_lock_all(MPI_MODE_NOCHECK, g->bwin));
  PetscCall(PetscMalloc3(g->nsize, &g->bent, g->nsize, &g->boff, g->nsize, &g->bfill));
  for (PetscMPIInt r = 0; r < g->nsize; r++) {
    MPI_Aint sz;
    int      du;
    char    *b;
    PetscCallMPI(MPI_Win_shared_query(g->bwin, r, &sz, &du, &b));
    g->bent[r] = (struct SGDFBucketEntry *) b;
    g->boff[r] = (PetscInt *) (b + cap * esz);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  SGDFSharedCreate - local SGDF on several ranks: n zeroed reals for what the ranks average (the interleaved theta and
  theta_dot vq, or plain SGD's theta) in an MPI shared-memory window of the node, so that the ranks of a node average
  by reading each other's copies (AverageShared()) instead of a 2d-word allreduce through the MPI library's buffers; in
  the hybrid layout one copy for the node, which its ranks step on together (StepHybrid()). A node is the ranks that
  share memory, or groups of -curio_sgdf_node_ranks of them. *vq is NULL (the caller allocates as usual) without
  -curio_sgdf_shared_memory, on one rank, or (except in the hybrid layout, which then fails) when the nodes hold
  different numbers of ranks.

  Collective
@*/
PetscErrorCode SGDFSharedCreate(SGDF g, PetscInt n, PetscReal **vq)
{
  PetscBool   hybrid = (PetscBool) (g->layout == SGDF_LAYOUT_HYBRID);
  PetscMPIInt range[2], grange[2];
  MPI_Info    info;
  PetscReal  *base;
  PetscInt64  stride = n / PetscMax(g->dl, 1), lo, hi;

  PetscFunctionBegin;
  *vq = NULL;
  if ((!g->shm && !hybrid) || g->local_steps <= 0 || g->size == 1) {
    if (g->local_steps > 0) /* without local steps SGDFCheckOptions() said so */
      PetscCall(CurioOptionsWarnUnused(g->comm, "-curio_sgdf_node_ranks",
                                       "it groups the ranks of local SGDF's shared-memory averaging, which this run does not use (one rank, or "
                                       "-curio_sgdf_shared_memory false)"));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCallMPI(MPI_Comm_split_type(g->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &g->ncomm));
  PetscCallMPI(MPI_Comm_rank(g->ncomm, &g->nrank));
  PetscCallMPI(MPI_Comm_size(g->ncomm, &g->nsize));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &g->nsize, 1, MPI_INT, MPI_MAX, g->comm));
  if (g->node_ranks >= g->nsize) {
    char why[160];
    PetscCall(PetscSNPrintf(why, sizeof(why), "groups of %" PetscInt_FMT " ranks, and no node has more than %d: each node is one group",
                            g->node_ranks, (int) g->nsize));
    PetscCall(CurioOptionsWarnUnused(g->comm, "-curio_sgdf_node_ranks", why));
  }
  if (g->node_ranks > 0) { /* groups of node_ranks consecutive node ranks */
    MPI_Comm sub;
    PetscCallMPI(MPI_Comm_split(g->ncomm, (PetscMPIInt) (g->nrank / g->node_ranks), g->nrank, &sub));
    PetscCallMPI(MPI_Comm_free(&g->ncomm));
    g->ncomm = sub;
  }
  PetscCallMPI(MPI_Comm_size(g->ncomm, &g->nsize));
  PetscCallMPI(MPI_Comm_rank(g->ncomm, &g->nrank));
  range[0] = -g->nsize, range[1] = g->nsize;
  PetscCallMPI(MPI_Allreduce(range, grange, 2, MPI_INT, MPI_MAX, g->comm));
  if (hybrid && g->layout_auto && (-grange[0] != grange[1] || g->nsize == 1)) { /* auto's choice cannot be kept: a copy per rank */
    g->layout = SGDF_LAYOUT_REPLICATED;
    hybrid    = PETSC_FALSE;
    if (!g->shm) {
      PetscCallMPI(MPI_Comm_free(&g->ncomm));
      PetscFunctionReturn(PETSC_SUCCESS);
    }
  }
  PetscCheck(!hybrid || -grange[0] == grange[1], g->comm, PETSC_ERR_ARG_INCOMP,
             "-curio_sgdf_layout hybrid needs the same number of ranks on every node (each node holds one copy of the parameters): "
             "the nodes hold %d to %d ranks%s",
             -grange[0], grange[1], g->node_ranks > 0 ? " (groups of -curio_sgdf_node_ranks)" : "");
  if (!hybrid && (-grange[0] != grange[1] || g->nsize == 1)) { /* uneven nodes, or one rank per node: the allreduce */
    PetscCallMPI(MPI_Comm_free(&g->ncomm));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCallMPI(MPI_Comm_split(g->comm, g->nrank, g->rank, &g->xcomm));
  PetscCallMPI(MPI_Comm_size(g->xcomm, &g->nnodes));
  PetscCallMPI(MPI_Comm_rank(g->xcomm, &g->xrank));
  PetscCallMPI(MPI_Info_create(&info));
  PetscCallMPI(MPI_Info_set(info, "alloc_shared_noncontig", "true")); /* each rank's copy in its own pages (first touch: its NUMA node) */
  PetscCallMPI(MPI_Win_allocate_shared((MPI_Aint) (hybrid && g->nrank ? 0 : n) * (MPI_Aint) sizeof(PetscReal), (int) sizeof(PetscReal), info,
                                       g->ncomm, &base, &g->win));
  PetscCallMPI(MPI_Info_free(&info));
  PetscCallMPI(MPI_Win_lock_all(MPI_MODE_NOCHECK, g->win));
  PetscCall(PetscMalloc1(g->nsize, &g->seg));
  for (PetscMPIInt r = 0; r < g->nsize; r++) {
    MPI_Aint sz;
    int      du;
    PetscCallMPI(MPI_Win_shared_query(g->win, r, &sz, &du, &g->seg[r]));
  }
  g->nshm = n;
  if (hybrid) { /* node rank p writes the parameters [ceil(d p / r), ceil(d (p + 1) / r)) (HybridOwner()), and touches them first */
    g->hybrid  = PETSC_TRUE;
    g->average = SGDF_AVERAGE_DENSE;
    g->flo     = (PetscInt) (((PetscInt64) g->dl * g->nrank + g->nsize - 1) / g->nsize);
    g->fhi     = (PetscInt) (((PetscInt64) g->dl * (g->nrank + 1) + g->nsize - 1) / g->nsize);
    lo = stride * g->flo, hi = stride * g->fhi;
    base = g->seg[0];
    PetscCall(PetscArrayzero(base + lo, hi - lo));
    PetscCall(HybridBucketsCreate(g));
    PetscCall(SharedSync(g));
  } else {
    PetscCall(PetscArrayzero(base, n));
    PetscCall(PetscMalloc1(PetscMax(n / g->nsize + 1, 1), &g->sbuf));
  }
  *vq = base;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  SGDFSharedDestroy - frees the shared windows of SGDFSharedCreate() (with the vq in it) and its communicators

  Collective
@*/
PetscErrorCode SGDFSharedDestroy(SGDF g)
{
  PetscFunctionBegin;
  if (g->win == MPI_WIN_NULL) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCallMPI(MPI_Win_unlock_all(g->win));
  PetscCallMPI(MPI_Win_free(&g->win));
  if (g->bwin != MPI_WIN_NULL) {
    PetscCallMPI(MPI_Win_unlock_all(g->bwin));
    PetscCallMPI(MPI_Win_free(&g->bwin));
    PetscCall(PetscFree3(g->bent, g->boff, g->bfill));
  }
  PetscCallMPI(MPI_Comm_free(&g->ncomm));
  PetscCallMPI(MPI_Comm_free(&g->xcomm));
  PetscCall(PetscFree(g->seg));
  PetscCall(PetscFree(g->sbuf));
  g->vq = g->theta = g->td = NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The dense average through shared memory: each rank of a node sums its slice of the window's entries over the node's copies
   (in node-rank order), allreduces the slice with the ranks of the same node rank on the other nodes, and writes the
   mean into every copy of the node. The sum's order is fixed by the rank layout, so a run is reproducible bitwise. */
static PetscErrorCode AverageShared(SGDF g)
{
  const PetscInt64 n = g->nshm, lo = n * g->nrank / g->nsize, hi = n * (g->nrank + 1) / g->nsize;
  const PetscReal  inv = 1.0 / g->size;
  PetscReal       *buf = g->sbuf;

  PetscFunctionBegin;
  if (g->hybrid) { /* one copy per node: each rank allreduces its own parameters with the same node rank of the other nodes */
    const PetscInt64 stride = n / PetscMax(g->dl, 1), h0 = stride * g->flo, h1 = stride * g->fhi;
    const PetscReal  hinv = 1.0 / g->nnodes;
    PetscReal       *a    = g->seg[0] + h0;
    if (g->nnodes == 1) PetscFunctionReturn(PETSC_SUCCESS);
    PetscCall(CurioAllreduceSum(g->xcomm, a, h1 - h0));
    for (PetscInt64 j = 0; j < h1 - h0; j++) a[j] *= hinv;
    PetscCall(SharedSync(g));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(SharedSync(g));
  if (g->nnodes == 1) { /* one node: the mean straight into the copies (the same sums, without the slice's buffer) */
    for (PetscInt64 j = lo; j < hi; j++) {
      PetscReal v = g->seg[0][j];
      for (PetscMPIInt r = 1; r < g->nsize; r++) v += g->seg[r][j];
      v *= inv;
      for (PetscMPIInt r = 0; r < g->nsize; r++) g->seg[r][j] = v;
    }
    PetscCall(SharedSync(g));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  for (PetscInt64 j = lo; j < hi; j++) {
    PetscReal sum = g->seg[0][j];
    for (PetscMPIInt r = 1; r < g->nsize; r++) sum += g->seg[r][j];
    buf[j - lo] = sum;
  }
  if (g->nnodes > 1) PetscCall(CurioAllreduceSum(g->xcomm, buf, hi - lo));
  for (PetscInt64 j = lo; j < hi; j++) {
    PetscReal v = buf[j - lo] * inv;
    for (PetscMPIInt r = 0; r < g->nsize; r++) g->seg[r][j] = v;
  }
  PetscCall(SharedSync(g));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode AverageDense(SGDF g)
{
  PetscReal     *a[5], inv  = 1.0 / g->size;
  PetscInt       stride, na = AveragedArrays(g, a, &stride);
  const PetscInt d = g->d;

  PetscFunctionBegin;
  if (g->win != MPI_WIN_NULL) { /* every averaged entry is in the node's window: vq, or plain SGD's theta */
    PetscCall(AverageShared(g));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (stride == 2) { /* theta and theta_dot interleaved: one allreduce of both (theta frozen under LiSSA is the same on every rank) */
    PetscCall(CurioAllreduceSum(g->comm, g->vq, 2 * (PetscInt64) d));
    for (PetscInt j = 0; j < 2 * d; j++) g->vq[j] *= inv;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  for (PetscInt q = 0; q < na; q++) {
    PetscCall(CurioAllreduceSum(g->comm, a[q], d));
    for (PetscInt j = 0; j < d; j++) a[q][j] *= inv;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Sparse averaging: only the parameters some rank's rows touched since the last averaging can differ between ranks
   (an untouched entry saw the same regularizer steps everywhere, and in the lazy form not even those), so the ranks
   gather the touched indices, take their union in the same order everywhere, and allreduce only those values.
   Chosen (*done) when it moves fewer words than the dense allreduce: gathered indices + union values < d values. */
static PetscErrorCode AverageTouched(SGDF g, PetscBool *done)
{
  PetscReal  *a[5], inv  = 1.0 / g->size;
  PetscInt    stride, na = AveragedArrays(g, a, &stride), nt = 0, nu = 0;
  int         L = ++g->mstamp, U = ++g->mstamp;
  PetscMPIInt cnt, total;

  PetscFunctionBegin;
  *done = PETSC_FALSE;
  for (PetscInt r = 0; r < g->narows; r++) {
    PetscInt i = g->arows[r];
    for (PetscInt k = g->rowptr[i]; k < g->rowptr[i + 1]; k++) {
      PetscInt c = g->colidx[k];
      if (g->mark[c] != L) g->mark[c] = L, g->tcol[nt++] = c;
    }
  }
  cnt = (PetscMPIInt) nt;
  PetscCallMPI(MPI_Allgather(&cnt, 1, MPI_INT, g->acnt, 1, MPI_INT, g->comm));
  g->adsp[0] = 0;
  for (PetscMPIInt p = 0; p < g->size; p++) g->adsp[p + 1] = g->adsp[p] + g->acnt[p];
  total = g->adsp[g->size];
  if (g->average == SGDF_AVERAGE_AUTO && (PetscInt64) total + (PetscInt64) 2 * na * PetscMin(total, g->d) >= (PetscInt64) 2 * na * g->d)
    PetscFunctionReturn(PETSC_SUCCESS);
  if (total > g->ucolcap) {
    PetscCall(PetscFree(g->ucolall));
    g->ucolcap = PetscMax(total, 2 * g->ucolcap);
    PetscCall(PetscMalloc1(g->ucolcap, &g->ucolall));
    PetscCall(PetscFree(g->abuf));
    PetscCall(PetscMalloc1((size_t) na * PetscMin(g->ucolcap, g->d), &g->abuf));
  }
  PetscCallMPI(MPI_Allgatherv(g->tcol, cnt, MPIU_INT, g->ucolall, g->acnt, g->adsp, MPIU_INT, g->comm));
  for (PetscMPIInt q = 0; q < total; q++) { /* the union, in the order of the ranks' lists: the same on every rank */
    PetscInt c = g->ucolall[q];
    if (g->mark[c] != U) g->mark[c] = U, g->ucolall[nu++] = c;
  }
  for (PetscInt u = 0; u < nu; u++)
    for (PetscInt q = 0; q < na; q++) g->abuf[na * u + q] = a[q][stride * g->ucolall[u]];
  PetscCall(CurioAllreduceSum(g->comm, g->abuf, (PetscInt64) na * nu));
  for (PetscInt u = 0; u < nu; u++)
    for (PetscInt q = 0; q < na; q++) a[q][stride * g->ucolall[u]] = g->abuf[na * u + q] * inv;
  *done = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  SGDFLocalRestore - after a restart between two averagings: the local rows of the steps since the last averaging
  (which the sparse averaging needs), recomputed from the batch sequence instead of stored in the checkpoint
@*/
PetscErrorCode SGDFLocalRestore(SGDF g)
{
  PetscInt64 t0 = LastAverage(g, g->step);
  PetscInt   nb, nl;

  PetscFunctionBegin;
  g->narows       = 0;
  g->next_average = -1;
  if (!g->arows) PetscFunctionReturn(PETSC_SUCCESS);
  for (PetscInt64 t = t0; t < g->step; t++) {
    PetscCall(BatchRows(g, t, &nb, &nl));
    PetscCall(PetscArraycpy(g->arows + g->narows, g->brows, nl));
    g->narows += nl;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* theta and theta_dot of owned entry jl set to th, tdv, in the stored form: with a pending lazy scale the raw v, q with
   P v = th and P (q - S v) = tdv (the inverse of SGDFEntry()) */
static inline void SetEntry(SGDF g, PetscInt jl, PetscReal th, PetscReal tdv)
{
  const PetscInt j = g->ps * jl;

  if (Scaled(g, jl)) {
    g->theta[j] = th / g->P;
    if (g->tangent) g->td[j] = tdv / g->P + g->S * g->theta[j];
  } else {
    g->theta[j] = th;
    if (g->tangent) g->td[j] = tdv;
  }
}

/*@C
  SGDFOverlapCreate - overlapped averaging (-curio_sgdf_average_overlap): the snapshot and sum buffers of this rank's
  averaged entries, and who averages: the nodes' copies (hybrid layout, each rank its part, across nodes) or the ranks'
  copies (all d entries); nothing to overlap where there is one copy. After SGDFSharedCreate().
@*/
PetscErrorCode SGDFOverlapCreate(SGDF g)
{
  PetscInt m;

  PetscFunctionBegin;
  g->oreq = MPI_REQUEST_NULL;
  if (!g->overlap) PetscFunctionReturn(PETSC_SUCCESS);
  g->ocomm   = g->hybrid ? g->xcomm : g->comm;
  g->ocopies = g->hybrid ? g->nnodes : g->size;
  g->ow      = g->tangent ? 2 : 1;
  m          = g->ow * (g->fhi - g->flo);
  g->onseg   = CurioAllreduceSegments(m);
  g->oseg    = g->onseg;
  PetscCall(CurioCallocLarge(m, &g->osnap)); /* on huge pages, like theta and theta_dot */
  PetscCall(CurioCallocLarge(m, &g->osum));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  SGDFOverlapDestroy - completes an averaging in flight and frees the buffers of SGDFOverlapCreate(); collective
@*/
PetscErrorCode SGDFOverlapDestroy(SGDF g)
{
  PetscFunctionBegin;
  if (g->osnap) PetscCall(SGDFOverlapComplete(g));
  PetscCall(PetscFree(g->osnap));
  PetscCall(PetscFree(g->osum));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The sum in flight, segment after segment: a completed segment starts the next; wait: until the last completes */
static PetscErrorCode OverlapProgress(SGDF g, PetscBool wait)
{
  const PetscInt64 m = g->ow * (g->fhi - g->flo);

  PetscFunctionBegin;
  while (g->oreq != MPI_REQUEST_NULL) {
    int done = 1;
    if (wait) PetscCallMPI(MPI_Wait(&g->oreq, MPI_STATUS_IGNORE));
    else PetscCallMPI(MPI_Test(&g->oreq, &done, MPI_STATUS_IGNORE));
    if (!done) break;
    if (++g->oseg < g->onseg) PetscCall(CurioIallreduceSumSegment(g->ocomm, g->osnap, g->osum, m, g->oseg, &g->oreq));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  SGDFOverlapComplete - overlapped averaging: waits for the sum in flight, if any (its snapshot stays owed); collective
@*/
PetscErrorCode SGDFOverlapComplete(SGDF g)
{
  PetscFunctionBegin;
  PetscCall(OverlapProgress(g, PETSC_TRUE));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The end of overlapped averaging, at a copy's snapshot: every copy takes the mean of the snapshots (its owed correction
   when it has not stepped since, but the same values bit for bit on every copy) */
static PetscErrorCode OverlapTakeMean(SGDF g)
{
  const PetscInt  ow  = g->ow;
  const PetscReal inv = 1.0 / g->ocopies;

  PetscFunctionBegin;
  PetscCall(SGDFOverlapComplete(g));
  for (PetscInt jl = g->flo; jl < g->fhi; jl++) {
    const PetscReal *su = g->osum + ow * (jl - g->flo);
    SetEntry(g, jl, su[0] * inv, ow > 1 ? su[1] * inv : 0.0);
  }
  g->opend = PETSC_FALSE;
  PetscCall(SGDFSharedSync(g));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Overlapped averaging (docs/sgdf.md section 3): the correction owed by the previous averaging, then a snapshot of this
   copy (theta units) whose sum over the copies MPI_Iallreduce forms while the next period's steps run */
static PetscErrorCode AverageOverlapped(SGDF g)
{
  const PetscInt  ow = g->ow, m = ow * (g->fhi - g->flo);
  const PetscReal inv = 1.0 / g->ocopies;

  PetscFunctionBegin;
  if (g->opend) PetscCall(SGDFOverlapComplete(g));
  for (PetscInt jl = g->flo; jl < g->fhi; jl++) { /* one pass: the owed correction, then the snapshot */
    PetscReal *sn = g->osnap + ow * (jl - g->flo), th, tdv;
    SGDFEntry(g, jl, &th, &tdv);
    if (g->opend) {
      const PetscReal *su = g->osum + ow * (jl - g->flo);
      th += su[0] * inv - sn[0];
      if (ow > 1) tdv += su[1] * inv - sn[1];
      SetEntry(g, jl, th, tdv);
      SGDFEntry(g, jl, &th, &tdv); /* the stored values, as a later pass would read them */
    }
    sn[0] = th;
    if (ow > 1) sn[1] = tdv;
  }
  g->ostep = g->step;
  g->opend = PETSC_TRUE;
  g->oseg  = 0;
  PetscCall(CurioIallreduceSumSegment(g->ocomm, g->osnap, g->osum, m, 0, &g->oreq));
  PetscCall(SGDFSharedSync(g)); /* the corrected part visible to the node's ranks */
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  SGDFAverageSettle - overlapped averaging at the end of a run: the last averaging completed, so that every copy holds
  the mean (a run ends at an averaging, an epoch end, where no copy has stepped since its snapshot: the copies take the
  mean of the snapshots). Nothing without -curio_sgdf_average_overlap. Collective.
@*/
PetscErrorCode SGDFAverageSettle(SGDF g)
{
  PetscReal t0 = MPI_Wtime();

  PetscFunctionBegin;
  if (!g->overlap || !g->opend) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCheck(g->ostep == g->step, g->comm, PETSC_ERR_PLIB,
             "A run ends at an averaging, but step %" PetscInt64_FMT " follows the last one at %" PetscInt64_FMT, g->step, g->ostep);
  PetscCall(PetscLogEventBegin(SGDF_EVENT_Average, 0, 0, 0, 0));
  PetscCall(OverlapTakeMean(g));
  g->t_average += MPI_Wtime() - t0;
  PetscCall(PetscLogEventEnd(SGDF_EVENT_Average, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  SGDFAverage - local SGDF (docs/sgdf.md): every rank's parameters, tangent and Adam moments replaced by the mean over
  the ranks, with one allreduce of all of them (dense) or of the entries touched since the last averaging (sparse);
  averaging is linear, so the mean theta_dot is exactly d/ds of the mean theta. In the lazy form the raw v, q are
  averaged: P and S are the same on every rank. Collective.
@*/
PetscErrorCode SGDFAverage(SGDF g)
{
  PetscReal t0     = MPI_Wtime();
  PetscBool sparse = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(SGDF_EVENT_Average, 0, 0, 0, 0));
  if (g->size > 1 && g->overlap && g->ocopies > 1) PetscCall(AverageOverlapped(g));
  else if (g->size > 1) {
    if (g->arows) PetscCall(AverageTouched(g, &sparse));
    if (!sparse) PetscCall(AverageDense(g));
  }
  g->narows = 0;
  g->naverages++;
  if (sparse) g->nsparse++;
  g->t_average += MPI_Wtime() - t0;
  PetscCall(PetscLogEventEnd(SGDF_EVENT_Average, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  SGDFValidationStep - online s (paper section 3.7, MATH.md section 6): rho <- rho - eta_rho s sum_{z in V} ldot(z)
  over the next validation batch V, with ldot(z) = w l'(eta) (phi . theta_dot) = d l(z)/ds, the change of rho limited
  to +-rho_max_step (a trust region: early in a run the tangent is not yet accurate); collective
@*/
PetscErrorCode SGDFValidationStep(SGDF g)
{
  PetscInt  nl = 0, taken = 0;
  PetscReal local = 0, sum = 0;

  PetscFunctionBegin;
  for (PetscInt64 walked = 0; taken < g->val_batch && walked < g->n; walked++, g->val_pos++) {
    PetscInt64 row = SGDFPermute(g, -1 - g->val_pos / g->n, g->val_pos % g->n);
    if (!SGDFIsValidation(g, row)) continue;
    taken++;
    if (row >= g->rstart && row < g->rstart + g->nlocal) g->brows[nl++] = (PetscInt) (row - g->rstart);
  }
  if (g->layout == SGDF_LAYOUT_PARTITIONED) {
    PetscInt kk = 0;
    PetscCall(Fetch(g, nl, g->brows, g->rowptr, g->colidx));
    for (PetscInt r = 0; r < nl; r++) {
      PetscInt  i = g->brows[r], n = g->rowptr[i + 1] - g->rowptr[i];
      PetscReal e = 0, ed = 0, l, dl, d2l;
      for (PetscInt k = 0; k < n; k++) {
        e += g->vals[g->rowptr[i] + k] * g->uval[2 * g->slot[kk + k]];
        ed += g->vals[g->rowptr[i] + k] * g->uval[2 * g->slot[kk + k] + 1];
      }
      kk += n;
      LossEval(g->loss, e, g->y[i], &l, &dl, &d2l);
      local += g->w[i] * dl * ed;
    }
  } else {
    for (PetscInt r = 0; r < nl; r++) {
      PetscInt  i = g->brows[r];
      PetscReal e = 0, ed = 0, l, dl, d2l;
      for (PetscInt k = g->rowptr[i]; k < g->rowptr[i + 1]; k++) {
        e += g->vals[k] * g->theta[g->colidx[k]];
        ed += g->vals[k] * g->td[g->colidx[k]];
      }
      LossEval(g->loss, e, g->y[i], &l, &dl, &d2l);
      local += g->w[i] * dl * ed;
    }
  }
  PetscCallMPI(MPI_Allreduce(&local, &sum, 1, MPIU_REAL, MPIU_SUM, g->comm));
  g->rho -= PetscMax(-g->rho_max_step, PetscMin(g->rho_max_step, g->lr_rho * g->s * sum));
  g->s = PetscExpReal(g->rho);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  SGDFHoldoutLoss - the mean weighted loss sum w l / sum w over the validation split (-curio_sgdf_holdout), at the
  current parameters (call it after SGDFFlush); partitioned: the touched entries fetched in blocks of rows that every
  rank takes together (g->hold_blocks, the same on every rank). Collective.
@*/
PetscErrorCode SGDFHoldoutLoss(SGDF g, PetscReal *loss)
{
  PetscReal loc[2] = {0, 0}, glob[2];
  PetscInt  cap    = SGDFFetchRows(g, PetscMax(g->nhold, 1));

  PetscFunctionBegin;
  for (PetscInt b = 0; b < g->hold_blocks; b++) {
    PetscInt r0 = PetscMin(g->nhold, b * cap), r1 = PetscMin(g->nhold, (b + 1) * cap), kk = 0;
    if (g->hash) PetscCall(Fetch(g, r1 - r0, g->hold + r0, g->rowptr, g->colidx));
    for (PetscInt r = r0; r < r1; r++) {
      PetscInt  i = g->hold[r];
      PetscReal e = 0, l, dl, d2l;
      for (PetscInt k = g->rowptr[i]; k < g->rowptr[i + 1]; k++, kk++)
        e += g->vals[k] * (g->hash ? g->uval[(g->tangent ? 2 : 1) * g->slot[kk]] : g->theta[g->ps * g->colidx[k]]);
      LossEval(g->loss, e, g->y[i], &l, &dl, &d2l);
      loc[0] += g->w[i] * l;
      loc[1] += g->w[i];
    }
  }
  PetscCall(MPIU_Allreduce(loc, glob, 2, MPIU_REAL, MPIU_SUM, g->comm));
  *loss = glob[1] > 0 ? glob[0] / glob[1] : (PetscReal) NAN;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  SGDFScorePool - unlabeled SLD, fdot^2 with fdot = phi(x) . theta_dot, of a synthetic candidate pool too large to
  hold: rows n, n + 1, ..., n + N - 1 of the synthetic generator, taken in chunks of `chunk` rows of which each rank
  generates and scores only its share (in sub-batches that fetch the touched entries of theta_dot in the partitioned
  layout); a running top-k per rank, merged at the end with rank-independent tie-breaking. Collective.
@*/
PetscErrorCode SGDFScorePool(SGDF g, PetscInt64 N, PetscInt chunk, PetscInt64 seed, PetscInt dsyn, PetscInt nnz, PetscInt k, PetscReal score[],
                             PetscInt64 index[], PetscReal *sum_sld)
{
  const PetscInt off = g->intercept ? 1 : 0, w = nnz + off, cap = SGDFFetchRows(g, g->batch); /* rows per rank and sub-block */
  PetscInt       share = (PetscInt) ((chunk + g->size - 1) / g->size), nk = 0, *rowptr, *cols, *rows;
  PetscReal     *vals, *allS, local = 0;
  PetscInt64    *allI;

  PetscFunctionBegin;
  PetscCheck(w <= g->maxnnz || !g->hash, g->comm, PETSC_ERR_ARG_OUTOFRANGE, "Pool rows have more entries than training rows");
  PetscCall(PetscMalloc4(share + 1, &rowptr, (size_t) share * w, &cols, (size_t) share * w, &vals, PetscMax(cap, 1), &rows));
  for (PetscInt64 c0 = 0; c0 < N; c0 += chunk) {
    PetscInt64 len = PetscMin((PetscInt64) chunk, N - c0), lo = c0 + len * g->rank / g->size, hi = c0 + len * (g->rank + 1) / g->size;
    PetscInt   nl = (PetscInt) (hi - lo), nsub = (PetscInt) ((((len + g->size - 1) / g->size) + cap - 1) / cap);
    rowptr[0] = 0;
    for (PetscInt i = 0; i < nl; i++) {
      if (off) cols[i * w] = 0, vals[i * w] = 1.0;
      (void) CurioSyntheticRow(seed, dsyn, nnz, g->n + lo + i, cols + i * w + off, vals + i * w + off);
      for (PetscInt q = off; q < w; q++) cols[i * w + q] += off;
      rowptr[i + 1] = (i + 1) * w;
    }
    for (PetscInt sb = 0; sb < nsub; sb++) {
      PetscInt r0 = PetscMin(nl, sb * cap), r1 = PetscMin(nl, (sb + 1) * cap), kk = 0;
      for (PetscInt r = r0; r < r1; r++) rows[r - r0] = r;
      if (g->layout == SGDF_LAYOUT_PARTITIONED) PetscCall(Fetch(g, r1 - r0, rows, rowptr, cols));
      for (PetscInt r = r0; r < r1; r++) {
        PetscReal fd = 0;
        for (PetscInt q = rowptr[r]; q < rowptr[r + 1]; q++, kk++)
          fd += vals[q] * (g->layout == SGDF_LAYOUT_PARTITIONED ? g->uval[2 * g->slot[kk] + 1] : g->td[g->ps * cols[q]]);
        local += fd * fd;
        CurioTopKInsert(k, &nk, index, score, lo + r, fd * fd);
      }
    }
  }
  for (PetscInt i = nk; i < k; i++) score[i] = -1, index[i] = -1;
  PetscCall(PetscMalloc2((size_t) k * g->size, &allS, (size_t) k * g->size, &allI));
  PetscCallMPI(MPI_Allgather(score, (PetscMPIInt) k, MPIU_REAL, allS, (PetscMPIInt) k, MPIU_REAL, g->comm));
  PetscCallMPI(MPI_Allgather(index, (PetscMPIInt) k, MPI_INT64_T, allI, (PetscMPIInt) k, MPI_INT64_T, g->comm));
  nk = 0;
  for (PetscMPIInt r = 0; r < g->size; r++) { /* each rank's list is sorted best first, padded with index -1 */
    PetscInt nr = 0;
    while (nr < k && allI[(size_t) r * k + nr] >= 0) nr++;
    CurioTopKMerge(k, &nk, index, score, nr, allI + (size_t) r * k, allS + (size_t) r * k);
  }
  PetscCallMPI(MPI_Allreduce(&local, sum_sld, 1, MPIU_REAL, MPIU_SUM, g->comm));
  PetscCall(PetscFree2(allS, allI));
  PetscCall(PetscFree4(rowptr, cols, vals, rows));
  PetscFunctionReturn(PETSC_SUCCESS);
}

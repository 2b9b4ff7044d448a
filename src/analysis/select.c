/* Batch top-k selection over a distributed score vector, with deterministic tie-breaking: larger score first, then
   the smaller global index, so that the selection does not depend on the rank count. */
#include "analysisimpl.h"

typedef struct {
  PetscReal score;
  PetscInt  index;
} Scored;

/* The score a selection ranks by: the score rounded to 40 significant bits. Scores that agree to rounding (the same
   candidate row twice, whose dot products BLAS rounds differently by the row's position in a rank's block) are then
   equal, a tie that goes to the smaller index at every rank count; scores apart by more than about 1e-12 of themselves
   keep their order. Infinities and zero are their own key. */
static inline PetscReal RankKey(PetscReal x)
{
  int    e;
  double m;

  if (x == 0 || PetscIsInfOrNanReal(x)) return x;
  m = frexp(x, &e); /* x = m 2^e, 1/2 <= |m| < 1 */
  return (PetscReal) ldexp(round(ldexp(m, 40)), e - 40);
}

/*@C
  CurioScoreRanksBefore - whether candidate i with score s ranks before candidate j with score t in every selection of
  curio (CurioSelectTopK(), CurioTopKInsert(), CurioTopKMerge()): the larger score rounded to 40 significant bits, ties
  to the smaller index (NaN scores are never candidates)

  Not Collective
@*/
PetscBool CurioScoreRanksBefore(PetscReal s, PetscInt64 i, PetscReal t, PetscInt64 j)
{
  PetscReal ks = RankKey(s), kt = RankKey(t);
  return (PetscBool) (ks > kt || (ks == kt && i < j));
}

static int CompareScored(const void *a, const void *b)
{
  const Scored *x = (const Scored *) a, *y = (const Scored *) b;
  if (CurioScoreRanksBefore(x->score, x->index, y->score, y->index)) return -1;
  return CurioScoreRanksBefore(y->score, y->index, x->score, x->index) ? 1 : 0;
}

/* Appends candidate c to a buffer best[0..*cnt) of at most k entries kept in CompareScored order (insertion) */
static inline void KeepBest(Scored c, PetscInt k, Scored *best, PetscInt *cnt)
{
  PetscInt j;

  if (*cnt == k && CompareScored(&c, &best[k - 1]) >= 0) return;
  j = *cnt < k ? (*cnt)++ : k - 1;
  for (; j > 0 && CompareScored(&c, &best[j - 1]) < 0; j--) best[j] = best[j - 1];
  best[j] = c;
}

/*@C
  CurioSelectTopK - the k largest entries of a distributed vector, replicated on every rank; NaN entries are never
  selected. Each rank keeps its own k best in one pass over its entries (insertion into a sorted buffer of k: a
  candidate costs one comparison unless it enters), the ranks' k best are gathered and merged.

  Input Parameters:
+ v - scores
- k - how many (at most the number of non-NaN entries of v)

  Output Parameters:
+ index - k global indices, best first
- score - their scores (may be NULL)
@*/
PetscErrorCode CurioSelectTopK(Vec v, PetscInt k, PetscInt index[], PetscReal score[])
{
  MPI_Comm           comm = PetscObjectComm((PetscObject) v);
  const PetscScalar *a;
  PetscInt           lo, hi, N, cnt = 0, nk;
  PetscMPIInt        size, kk;
  Scored            *best, *all;
  PetscReal         *sendbuf, *recvbuf;

  PetscFunctionBegin;
  PetscCall(VecGetSize(v, &N));
  PetscCheck(k >= 1 && k <= N, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-curio_select_k must be in [1, %" PetscInt_FMT "] (the candidates), got %" PetscInt_FMT, N, k);
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(VecGetOwnershipRange(v, &lo, &hi));
  PetscCall(PetscMalloc1(k, &best));
  PetscCall(VecGetArrayRead(v, &a));
  for (PetscInt i = lo; i < hi; i++)
    if (!PetscIsNanReal(a[i - lo])) KeepBest((Scored){a[i - lo], i}, k, best, &cnt);
  PetscCall(VecRestoreArrayRead(v, &a));
  /* every rank sends exactly k (score, index) pairs, padded with index -1 (any score, -Inf included, is a real one) */
  PetscCall(PetscMPIIntCast(2 * k, &kk));
  PetscCall(PetscMalloc3(2 * k, &sendbuf, 2 * k * size, &recvbuf, k * size, &all));
  for (PetscInt i = 0; i < k; i++) {
    sendbuf[2 * i]     = i < cnt ? best[i].score : 0;
    sendbuf[2 * i + 1] = i < cnt ? (PetscReal) best[i].index : -1;
  }
  PetscCallMPI(MPI_Allgather(sendbuf, kk, MPIU_REAL, recvbuf, kk, MPIU_REAL, comm));
  nk = 0;
  for (PetscInt i = 0; i < k * size; i++)
    if (recvbuf[2 * i + 1] >= 0) {
      all[nk].score   = recvbuf[2 * i];
      all[nk++].index = (PetscInt) recvbuf[2 * i + 1];
    }
  PetscCheck(nk >= k, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Cannot select %" PetscInt_FMT " entries: fewer have a score (NaN entries, e.g. skipped scores or labeled points, are never selected)",
             k);
  qsort(all, (size_t) nk, sizeof(Scored), CompareScored);
  for (PetscInt i = 0; i < k; i++) {
    index[i] = all[i].index;
    if (score) score[i] = all[i].score;
  }
  PetscCall(PetscFree3(sendbuf, recvbuf, all));
  PetscCall(PetscFree(best));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioTopKInsert - inserts one (index, score) into a running top k kept best first, in the order of CurioSelectTopK();
  a candidate that does not enter costs one comparison

  Not Collective

  Input Parameters:
+ k - capacity of the running list
. i - the candidate's global index
- s - its score

  Input/Output Parameters:
+ have  - entries in the running list (at most k)
. index - its indices
- score - its scores

.seealso: CurioTopKMerge(), CurioSelectTopK()
@*/
void CurioTopKInsert(PetscInt k, PetscInt *have, PetscInt64 index[], PetscReal score[], PetscInt64 i, PetscReal s)
{
  PetscInt p = *have;

  if (*have == k && !CurioScoreRanksBefore(s, i, score[k - 1], index[k - 1])) return;
  if (*have < k) (*have)++;
  else p = k - 1;
  for (; p > 0 && CurioScoreRanksBefore(s, i, score[p - 1], index[p - 1]); p--) {
    score[p] = score[p - 1];
    index[p] = index[p - 1];
  }
  score[p] = s;
  index[p] = i;
}

/*@C
  CurioTopKMerge - merges a block's top list (best first) into a running top k (best first), in the order of
  CurioSelectTopK(): the streaming step of a selection over a pool scored block by block. In place, O(k + nb).

  Not Collective

  Input Parameters:
+ k      - capacity of the running list
. nb     - entries of the block's list
. bindex - their global indices
- bscore - their scores

  Input/Output Parameters:
+ have  - entries in the running list (at most k)
. index - its indices
- score - its scores

.seealso: CurioTopKInsert(), CurioSelectTopK()
@*/
void CurioTopKMerge(PetscInt k, PetscInt *have, PetscInt64 index[], PetscReal score[], PetscInt nb, const PetscInt64 bindex[],
                    const PetscReal bscore[])
{
  PetscInt i = *have, j = nb, n = PetscMin(k, *have + nb);

  /* from the back: the worse of the two tails goes to position i + j - 1 (dropped beyond n); a write never lands on an
     unread entry of the running list, and once the block is used up the rest of the running list is in place */
  while (j > 0) {
    PetscInt w = i + j - 1;
    if (i == 0 || CurioScoreRanksBefore(score[i - 1], index[i - 1], bscore[j - 1], bindex[j - 1])) { /* the block's entry is the worse */
      j--;
      if (w < n) {
        score[w] = bscore[j];
        index[w] = bindex[j];
      }
    } else {
      i--;
      if (w < n) {
        score[w] = score[i];
        index[w] = index[i];
      }
    }
  }
  *have = n;
}

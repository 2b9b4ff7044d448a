/* Batch top-k selection over a distributed score vector, with deterministic tie-breaking: larger score first, then
   the smaller global index, so that the selection does not depend on the rank count. */
#include "../curioimpl.h"

typedef struct {
  PetscReal score;
  PetscInt  index;
} Scored;

static int CompareScored(const void *a, const void *b)
{
  const Scored *x = (const Scored *) a, *y = (const Scored *) b;
  if (x->score > y->score) return -1;
  if (x->score < y->score) return 1;
  return (x->index > y->index) - (x->index < y->index);
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
  /* every rank sends exactly k (score, index) pairs, padded with sentinels */
  PetscCall(PetscMPIIntCast(2 * k, &kk));
  PetscCall(PetscMalloc3(2 * k, &sendbuf, 2 * k * size, &recvbuf, k * size, &all));
  for (PetscInt i = 0; i < k; i++) {
    sendbuf[2 * i]     = i < cnt ? best[i].score : PETSC_MIN_REAL;
    sendbuf[2 * i + 1] = i < cnt ? (PetscReal) best[i].index : (PetscReal) PETSC_MAX_INT;
  }
  PetscCallMPI(MPI_Allgather(sendbuf, kk, MPIU_REAL, recvbuf, kk, MPIU_REAL, comm));
  nk = k * size;
  for (PetscInt i = 0; i < nk; i++) {
    all[i].score = recvbuf[2 * i];
    all[i].index = (PetscInt) recvbuf[2 * i + 1];
  }
  qsort(all, (size_t) nk, sizeof(Scored), CompareScored);
  PetscCheck(all[k - 1].index != PETSC_MAX_INT, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Cannot select %" PetscInt_FMT " entries: fewer have a score (NaN entries, e.g. skipped scores or labeled points, are never selected)",
             k);
  for (PetscInt i = 0; i < k; i++) {
    index[i] = all[i].index;
    if (score) score[i] = all[i].score;
  }
  PetscCall(PetscFree3(sendbuf, recvbuf, all));
  PetscCall(PetscFree(best));
  PetscFunctionReturn(PETSC_SUCCESS);
}

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

/*@C
  CurioSelectTopK - the k largest entries of a distributed vector (NaN entries are never selected), replicated on
  every rank: each rank sorts its own candidates, the ranks' k best are gathered and merged

  Input Parameters:
+ v - scores
- k - how many (at most the length of v)

  Output Parameters:
+ index - k global indices, best first
- score - their scores
@*/
PetscErrorCode CurioSelectTopK(Vec v, PetscInt k, PetscInt index[], PetscReal score[])
{
  MPI_Comm           comm = PetscObjectComm((PetscObject) v);
  const PetscScalar *a;
  PetscInt           lo, hi, nl, nk, N;
  PetscMPIInt        size, kk;
  Scored            *loc, *all;
  PetscReal         *sendbuf, *recvbuf;

  PetscFunctionBegin;
  PetscCall(VecGetSize(v, &N));
  PetscCheck(k >= 1 && k <= N, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-curio_select_k must be in [1, %" PetscInt_FMT "] (the candidates), got %" PetscInt_FMT, N, k);
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(VecGetOwnershipRange(v, &lo, &hi));
  nl = hi - lo;
  PetscCall(PetscMalloc1(PetscMax(nl, 1), &loc));
  PetscCall(VecGetArrayRead(v, &a));
  for (PetscInt i = 0; i < nl; i++) {
    loc[i].score = PetscIsNanReal(a[i]) ? PETSC_MIN_REAL : a[i];
    loc[i].index = lo + i;
  }
  PetscCall(VecRestoreArrayRead(v, &a));
  qsort(loc, (size_t) nl, sizeof(Scored), CompareScored);
  /* every rank sends exactly k (score, index) pairs, padded with sentinels */
  PetscCall(PetscMPIIntCast(2 * k, &kk));
  PetscCall(PetscMalloc3(2 * k, &sendbuf, 2 * k * size, &recvbuf, k * size, &all));
  for (PetscInt i = 0; i < k; i++) {
    sendbuf[2 * i]     = i < nl ? loc[i].score : PETSC_MIN_REAL;
    sendbuf[2 * i + 1] = i < nl ? (PetscReal) loc[i].index : (PetscReal) PETSC_MAX_INT;
  }
  PetscCallMPI(MPI_Allgather(sendbuf, kk, MPIU_REAL, recvbuf, kk, MPIU_REAL, comm));
  nk = k * size;
  for (PetscInt i = 0; i < nk; i++) {
    all[i].score = recvbuf[2 * i];
    all[i].index = (PetscInt) recvbuf[2 * i + 1];
  }
  qsort(all, (size_t) nk, sizeof(Scored), CompareScored);
  for (PetscInt i = 0; i < k; i++) {
    index[i] = all[i].index;
    score[i] = all[i].score;
  }
  PetscCall(PetscFree3(sendbuf, recvbuf, all));
  PetscCall(PetscFree(loc));
  PetscFunctionReturn(PETSC_SUCCESS);
}

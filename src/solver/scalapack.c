/* Dense symmetric d x d problems on a 2-D BLACS process grid with ScaLAPACK: Cholesky factorization and solves
   (pdpotrf/pdpotrs) for the direct path, and the eigendecomposition (pdsyevr) behind exact LOOCV. The matrices arrive
   replicated on every rank (see docs/design.md), so distributing them to block-cyclic layout needs no communication. */
#include "solverimpl.h"
#include "scalapack.h"
#include <petscblaslapack.h>

/* BLACS and ScaLAPACK have no installed C header; these are their reference C/Fortran interfaces */
extern int  Csys2blacs_handle(MPI_Comm);
extern void Cfree_blacs_system_handle(int);
extern void Cblacs_gridinit(int *, const char *, int, int);
extern void Cblacs_gridinfo(int, int *, int *, int *, int *);
extern void Cblacs_gridexit(int);
extern int  numroc_(const int *, const int *, const int *, const int *, const int *);
extern void descinit_(int *, const int *, const int *, const int *, const int *, const int *, const int *, const int *, const int *, int *);
extern void pdpotrf_(const char *, const int *, double *, const int *, const int *, const int *, int *);
extern void pdpotrs_(const char *, const int *, const int *, const double *, const int *, const int *, const int *, double *, const int *,
                     const int *, const int *, int *);
extern void pdpocon_(const char *, const int *, const double *, const int *, const int *, const int *, const double *, double *, double *,
                     const int *, int *, const int *, int *);
extern void pdsyevr_(const char *, const char *, const char *, const int *, double *, const int *, const int *, const int *, const double *,
                     const double *, const int *, const int *, int *, int *, double *, double *, const int *, const int *, const int *, double *,
                     const int *, int *, const int *, int *);
/* LAPACK routines that petscblaslapack.h does not wrap (reference Fortran interfaces) */
extern void dpstrf_(const char *, const int *, double *, const int *, int *, int *, const double *, double *, int *);
extern void dgejsv_(const char *, const char *, const char *, const char *, const char *, const char *, const int *, const int *, double *,
                    const int *, double *, double *, const int *, double *, const int *, double *, const int *, int *, int *);

static int LocalToGlobal(int l, int nb, int p, int nprocs)
{
  return ((l / nb) * nprocs + p) * nb + l % nb;
}

/* A distributed n x ncols block-cyclic matrix on the grid of bc */
static PetscErrorCode BlockCyclicAlloc(CurioBlockCyclic *bc, int ncols, int *desc, int *mloc, int *nloc, PetscReal **A)
{
  int zero = 0, info, lld;

  PetscFunctionBegin;
  *mloc = numroc_(&bc->n, &bc->nb, &bc->myrow, &zero, &bc->nprow);
  *nloc = numroc_(&ncols, &bc->nb, &bc->mycol, &zero, &bc->npcol);
  lld   = PetscMax(1, *mloc);
  descinit_(desc, &bc->n, &ncols, &bc->nb, &bc->nb, &zero, &zero, &bc->ctxt, &lld, &info);
  PetscCheck(!info, bc->comm, PETSC_ERR_LIB, "ScaLAPACK descinit failed with info %d", info);
  PetscCall(PetscCalloc1((size_t) PetscMax(1, *mloc) * PetscMax(1, *nloc), A));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Copies this rank's block-cyclic part out of a replicated column-major n x ncols array */
static void Scatter(const CurioBlockCyclic *bc, int mloc, int nloc, const PetscReal *full, PetscReal *A)
{
  for (int lj = 0; lj < nloc; lj++) {
    int gj = LocalToGlobal(lj, bc->nb, bc->mycol, bc->npcol);
    for (int li = 0; li < mloc; li++)
      A[li + (size_t) lj * PetscMax(1, mloc)] = full[LocalToGlobal(li, bc->nb, bc->myrow, bc->nprow) + (size_t) gj * bc->n];
  }
}

/* Assembles a replicated column-major n x ncols array from every rank's block-cyclic part */
static PetscErrorCode Gather(const CurioBlockCyclic *bc, int ncols, int mloc, int nloc, const PetscReal *A, PetscReal *full)
{
  PetscFunctionBegin;
  PetscCall(PetscArrayzero(full, (size_t) bc->n * ncols));
  for (int lj = 0; lj < nloc; lj++) {
    int gj = LocalToGlobal(lj, bc->nb, bc->mycol, bc->npcol);
    for (int li = 0; li < mloc; li++)
      full[LocalToGlobal(li, bc->nb, bc->myrow, bc->nprow) + (size_t) gj * bc->n] = A[li + (size_t) lj * PetscMax(1, mloc)];
  }
  PetscCall(CurioAllreduceSum(bc->comm, full, (PetscInt64) bc->n * ncols));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Csys2blacs_handle returns the same system handle for every call with the same communicator, but each free releases
   it: with two grids alive on one sub-communicator (a study run's Gram factor and eigendecomposition) the second free
   printed "BLACS WARNING 'Trying to free non-existent system context handle'" for every round. The handles are
   counted here and freed with the last grid. */
#define CURIO_BLACS_HANDLES 256
static int CurioBlacsHandleRefs[CURIO_BLACS_HANDLES];

/*@C
  CurioBlockCyclicCreate - a near-square BLACS grid over all ranks of comm and an n x n block-cyclic matrix on it,
  filled from a replicated column-major array
@*/
PetscErrorCode CurioBlockCyclicCreate(MPI_Comm comm, PetscInt n, const PetscReal *full, CurioBlockCyclic **bcout)
{
  CurioBlockCyclic *bc;
  PetscMPIInt       size;
  int               nprow;

  PetscFunctionBegin;
  PetscCall(PetscNew(&bc));
  bc->comm = comm;
  PetscCall(PetscMPIIntCast(n, &bc->n));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  for (nprow = (int) PetscSqrtReal((PetscReal) size); size % nprow; nprow--) {}
  bc->nprow = nprow;
  bc->npcol = size / nprow;
  /* blocks of 32 balance the load for d in the hundreds; small matrices get one block per process column */
  bc->nb     = PetscMax(2, PetscMin(32, (bc->n + bc->npcol - 1) / bc->npcol));
  bc->system = Csys2blacs_handle(comm);
  if (bc->system >= 0 && bc->system < CURIO_BLACS_HANDLES) CurioBlacsHandleRefs[bc->system]++;
  bc->ctxt = bc->system;
  Cblacs_gridinit(&bc->ctxt, "Row", bc->nprow, bc->npcol);
  Cblacs_gridinfo(bc->ctxt, &bc->nprow, &bc->npcol, &bc->myrow, &bc->mycol);
  PetscCall(BlockCyclicAlloc(bc, bc->n, bc->desc, &bc->mloc, &bc->nloc, &bc->A));
  Scatter(bc, bc->mloc, bc->nloc, full, bc->A);
  *bcout = bc;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CurioBlockCyclicDestroy(CurioBlockCyclic **bc)
{
  PetscFunctionBegin;
  if (!*bc) PetscFunctionReturn(PETSC_SUCCESS);
  Cblacs_gridexit((*bc)->ctxt);
  if ((*bc)->system < 0 || (*bc)->system >= CURIO_BLACS_HANDLES || --CurioBlacsHandleRefs[(*bc)->system] == 0)
    Cfree_blacs_system_handle((*bc)->system);
  PetscCall(PetscFree((*bc)->A));
  PetscCall(PetscFree(*bc));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Cholesky factorization in place (lower triangle) that reports a breakdown instead of failing: info = 0, or the
   leading minor that is not positive definite. On success, anorm > 0 (the 1-norm of A) gives bc->rcond, pdpocon's
   estimate of 1/cond_1(A) from the factor (O(n^2), no change to the factor). */
PetscErrorCode CurioBlockCyclicCholeskyTry(CurioBlockCyclic *bc, PetscReal anorm, PetscInt *info_out)
{
  int one = 1, info;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CURIO_EVENT_Factor, 0, 0, 0, 0));
  pdpotrf_("L", &bc->n, bc->A, &one, &one, bc->desc, &info);
  PetscCall(PetscLogEventEnd(CURIO_EVENT_Factor, 0, 0, 0, 0));
  PetscCall(PetscLogFlops(bc->n * (PetscLogDouble) bc->n * bc->n / (3.0 * bc->nprow * bc->npcol)));
  PetscCheck(info >= 0, bc->comm, PETSC_ERR_LIB, "ScaLAPACK pdpotrf: illegal argument %d", -info);
  *info_out    = info;
  bc->factored = (PetscBool) (info == 0);
  bc->rcond    = 0;
  if (info == 0 && anorm > 0) {
    int       lwork = -1, liwork = -1, *iwork, iq;
    PetscReal wq, *work, rcond;
    pdpocon_("L", &bc->n, bc->A, &one, &one, bc->desc, &anorm, &rcond, &wq, &lwork, &iq, &liwork, &info);
    PetscCheck(info == 0, bc->comm, PETSC_ERR_LIB, "ScaLAPACK pdpocon workspace query failed with info %d", info);
    lwork  = 2 * (int) wq + 1;
    liwork = PetscMax(1, 2 * iq);
    PetscCall(PetscMalloc2(lwork, &work, liwork, &iwork));
    pdpocon_("L", &bc->n, bc->A, &one, &one, bc->desc, &anorm, &rcond, work, &lwork, iwork, &liwork, &info);
    PetscCall(PetscFree2(work, iwork));
    PetscCheck(info == 0, bc->comm, PETSC_ERR_LIB, "ScaLAPACK pdpocon failed with info %d", info);
    /* every rank gets the same estimate (it is computed collectively, but make the decision that uses it agree
       bit for bit) */
    PetscCallMPI(MPI_Bcast(&rcond, 1, MPIU_REAL, 0, bc->comm));
    bc->rcond = rcond;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Cholesky factorization in place (lower triangle); a matrix that is not positive definite is an error */
PetscErrorCode CurioBlockCyclicCholesky(CurioBlockCyclic *bc)
{
  PetscInt info;

  PetscFunctionBegin;
  PetscCall(CurioBlockCyclicCholeskyTry(bc, 0, &info));
  PetscCheck(
      info == 0, bc->comm, PETSC_ERR_MAT_CH_ZRPVT,
      "The Hessian is not positive definite (Cholesky breaks down at leading minor %d of %d): H is singular or indefinite. Increase -curio_s, use "
      "-curio_regularizer ridge, or remove duplicate/constant feature columns",
      (int) info, bc->n);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Solves A X = B for nrhs right-hand sides with the Cholesky factor; B is replicated (n x nrhs) and overwritten by X */
PetscErrorCode CurioBlockCyclicSolve(CurioBlockCyclic *bc, PetscInt nrhs, PetscReal *B)
{
  int        descB[9], mloc, nloc, one = 1, info, k;
  PetscReal *Bl;

  PetscFunctionBegin;
  PetscCheck(bc->factored, bc->comm, PETSC_ERR_ORDER, "Factor the matrix before solving");
  PetscCall(PetscMPIIntCast(nrhs, &k));
  PetscCall(BlockCyclicAlloc(bc, k, descB, &mloc, &nloc, &Bl));
  Scatter(bc, mloc, nloc, B, Bl);
  pdpotrs_("L", &bc->n, &k, bc->A, &one, &one, bc->desc, Bl, &one, &one, descB, &info);
  PetscCheck(info == 0, bc->comm, PETSC_ERR_LIB, "ScaLAPACK pdpotrs failed with info %d", info);
  PetscCall(Gather(bc, k, mloc, nloc, Bl, B));
  PetscCall(PetscFree(Bl));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Eigendecomposition A = V diag(lambda) V^T (ascending lambda); lambda and V (column-major) come back replicated.
   pdsyevr (MRRR): 3-4x faster than pdsyev's QR iteration at d = 400 and as accurate on t005_dense's matrices (whose
   eigenvalue 1 has multiplicity d - 2). Not pdsyevd: ScaLAPACK 2.2's pdsyevd fails in PDORMTR (illegal LWORK) for some
   sizes and block sizes (d = 10 on one rank, d = 33 or 70 on four), whatever workspace it is given. */
PetscErrorCode CurioBlockCyclicEigen(CurioBlockCyclic *bc, PetscReal *lambda, PetscReal *V)
{
  int        descZ[9], mloc, nloc, one = 1, info, lwork = -1, liwork = -1, iwq, *iwork, m = -1, nz = -1;
  PetscReal *Z, wq, *work, vl = 0, vu = 0;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(CURIO_EVENT_Eigen, 0, 0, 0, 0));
  PetscCall(BlockCyclicAlloc(bc, bc->n, descZ, &mloc, &nloc, &Z));
  /* workspace query, then the decomposition of all n eigenpairs */
  pdsyevr_("V", "A", "L", &bc->n, bc->A, &one, &one, bc->desc, &vl, &vu, &one, &bc->n, &m, &nz, lambda, Z, &one, &one, descZ, &wq, &lwork, &iwq,
           &liwork, &info);
  PetscCheck(info == 0, bc->comm, PETSC_ERR_LIB, "ScaLAPACK pdsyevr workspace query failed with info %d", info);
  lwork  = 2 * (int) wq + 1;
  liwork = 2 * iwq + 1;
  PetscCall(PetscMalloc2(lwork, &work, liwork, &iwork));
  pdsyevr_("V", "A", "L", &bc->n, bc->A, &one, &one, bc->desc, &vl, &vu, &one, &bc->n, &m, &nz, lambda, Z, &one, &one, descZ, work, &lwork, iwork,
           &liwork, &info);
  PetscCall(PetscFree2(work, iwork));
  PetscCheck(info == 0 && m == bc->n && nz == bc->n, bc->comm, PETSC_ERR_LIB, "ScaLAPACK pdsyevr failed with info %d (%d of %d eigenpairs)", info, nz,
             bc->n);
  PetscCall(Gather(bc, bc->n, mloc, nloc, Z, V));
  PetscCall(PetscFree(Z));
  bc->factored = PETSC_FALSE; /* pdsyevr destroys A */
  PetscCall(PetscLogEventEnd(CURIO_EVENT_Eigen, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDenseCholeskySolve - solves A X = B for a replicated SPD A (d x d) and B (d x nrhs, overwritten), via ScaLAPACK
@*/
PetscErrorCode CurioDenseCholeskySolve(MPI_Comm comm, PetscInt d, const PetscReal *A, PetscInt nrhs, PetscReal *B)
{
  CurioBlockCyclic *bc;

  PetscFunctionBegin;
  PetscCall(CurioBlockCyclicCreate(comm, d, A, &bc));
  PetscCall(CurioBlockCyclicCholesky(bc));
  PetscCall(CurioBlockCyclicSolve(bc, nrhs, B));
  PetscCall(CurioBlockCyclicDestroy(&bc));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* LAPACK dsyev of a replicated symmetric d x d matrix A into lambda (ascending) and V */
static PetscErrorCode DenseEigenLAPACK(MPI_Comm comm, PetscInt d, const PetscReal *A, PetscReal *lambda, PetscReal *V)
{
  PetscBLASInt bn, lwork = -1, info;
  PetscReal    wq, *work;

  PetscFunctionBegin;
  PetscCall(PetscBLASIntCast(d, &bn));
  PetscCall(PetscArraycpy(V, A, d * d));
  PetscCallBLAS("LAPACKsyev", LAPACKsyev_("V", "L", &bn, V, &bn, lambda, &wq, &lwork, &info));
  lwork = (PetscBLASInt) wq;
  PetscCall(PetscMalloc1(PetscMax(lwork, 1), &work));
  PetscCallBLAS("LAPACKsyev", LAPACKsyev_("V", "L", &bn, V, &bn, lambda, work, &lwork, &info));
  PetscCall(PetscFree(work));
  PetscCheck(!info, comm, PETSC_ERR_LIB, "The eigendecomposition of a %" PetscInt_FMT " x %" PetscInt_FMT " matrix failed (LAPACK dsyev info %d)", d,
             d, (int) info);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* S = D^{-1} A D^{-1} (D = diag(dscale or diag(A))^{1/2}; zero rows and columns where D is 0) factored by LAPACK's
   dpstrf, Cholesky with diagonal pivoting, down to pivots of tol: S(piv, piv) = R^T R in S's upper triangle, rank r.
   D (p), S (p x p), piv (p) and work (2p) are the caller's. */
static PetscErrorCode ScaledPivotedCholesky(MPI_Comm comm, PetscInt p, const PetscReal *A, const PetscReal *dscale, PetscReal tol, PetscReal *D,
                                            PetscReal *S, int *piv, PetscReal *work, int *r)
{
  int n, info = 0;

  PetscFunctionBegin;
  PetscCall(PetscMPIIntCast(p, &n));
  for (PetscInt j = 0; j < p; j++) {
    PetscReal a = dscale ? dscale[j] : A[j + j * p];
    D[j]        = a > 0 ? PetscSqrtReal(a) : 0;
  }
  for (PetscInt j = 0; j < p; j++)
    for (PetscInt i = 0; i < p; i++) S[i + j * p] = D[i] > 0 && D[j] > 0 ? A[i + j * p] / D[i] / D[j] : 0;
  *r = 0;
  {
    /* dpstrf tests only its second and later pivots against tol (the first only against 0): a Gram that is all
       rounding noise (a Schur complement that cancelled, every row the same point) would keep one noise direction */
    PetscReal smax = 0;
    for (PetscInt j = 0; j < p; j++) smax = PetscMax(smax, S[j + j * p]);
    if (!(smax > tol)) {
      for (PetscInt j = 0; j < p; j++) piv[j] = (int) j + 1;
      PetscFunctionReturn(PETSC_SUCCESS);
    }
  }
  if (p > 0) dpstrf_("U", &n, S, &n, piv, r, &tol, work, &info);
  PetscCheck(info >= 0, comm, PETSC_ERR_LIB,
             "The pivoted Cholesky factorization of a %" PetscInt_FMT " x %" PetscInt_FMT " Gram failed (LAPACK dpstrf info %d)", p, p, info);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDenseRankScaled - the rank of a replicated symmetric positive semi-definite p x p matrix in the units of its own
  rows and columns: the pivots of the Cholesky factorization with diagonal pivoting of D^{-1} A D^{-1} (D = diag(A)^{1/2})
  above tol (CurioDenseEigenScaled()'s rank, without the SVD)

  Not Collective
@*/
PetscErrorCode CurioDenseRankScaled(MPI_Comm comm, PetscInt p, const PetscReal *A, PetscReal tol, PetscInt *rank)
{
  PetscReal *D, *S, *work;
  int       *piv, r;

  PetscFunctionBegin;
  PetscCall(PetscMalloc4(p, &D, p * p, &S, p, &piv, 2 * p, &work));
  PetscCall(ScaledPivotedCholesky(comm, p, A, NULL, tol, D, S, piv, work, &r));
  PetscCall(PetscFree4(D, S, piv, work));
  *rank = r;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDenseEigenScaled - eigenvalues (ascending) and eigenvectors of a replicated symmetric positive semi-definite p x p
  matrix A whose rows and columns may be on scales many orders of magnitude apart (a Gram of unscaled columns), each
  eigenvalue accurate relative to its own size rather than to the largest one. With D = diag(dscale)^{1/2} (dscale
  defaults to diag(A)), S = D^{-1} A D^{-1} is factored by Cholesky with diagonal pivoting, S = P R^T R P^T, stopping
  at rank r where every remaining pivot is at most tol (S's unit is each parameter's own scale: a direction whose
  curvature is below tol times that scale is a null direction of A, eigenvalue exactly 0). Then A = F^T F with F = R
  P^T D, and the SVD of F^T (p x r) by LAPACK's preconditioned Jacobi SVD dgejsv (JOBA = 'F': high relative accuracy
  for a matrix D1 C D2 with well-conditioned C and any diagonal scalings) gives A = U Sigma^2 U^T; the null directions
  are U's orthogonal complement. A symmetric eigensolver such as dsyev (or ScaLAPACK's pdsyevr) is accurate only
  relative to the largest eigenvalue: with one column 10^6 times the others, every eigenvalue of the others is below
  its rounding level, and the LOOCV curve and the row-space route would lose those directions. Replicated: the same
  input on every rank gives the same result on every rank and at every rank count.

  Input Parameters:
+ comm   - communicator (for errors)
. p      - order
. A      - the matrix (column-major, both triangles)
. dscale - the scales of the rows and columns (length p, >= 0), or NULL for diag(A); a Schur complement passes the
           diagonal of the matrix it came from, so that a column whose curvature cancelled to rounding noise is null
- tol    - the pivot threshold in S's units

  Output Parameters:
+ lambda - eigenvalues, ascending (the p - r null ones exactly 0 first)
. V      - eigenvectors (p x p, column-major)
- rank   - r
@*/
PetscErrorCode CurioDenseEigenScaled(MPI_Comm comm, PetscInt p, const PetscReal *A, const PetscReal *dscale, PetscReal tol, PetscReal *lambda,
                                     PetscReal *V, PetscInt *rank)
{
  PetscReal   *D, *S, *FT, *U, *sva, *work, *tau, scale;
  int         *piv, *iwork, n, r, info, lwork, ldu, one = 1;
  PetscBLASInt bp, br, bl, binfo;

  PetscFunctionBegin;
  PetscCall(PetscMPIIntCast(p, &n)); /* an int, as the Fortran interfaces above */
  PetscCall(PetscMalloc4(p, &D, p * p, &S, p, &piv, 2 * p, &tau));
  PetscCall(ScaledPivotedCholesky(comm, p, A, dscale, tol, D, S, piv, tau, &r));
  *rank = r;
  PetscCall(PetscArrayzero(V, p * p));
  PetscCall(PetscArrayzero(lambda, p));
  if (r > 0) {
    /* F^T = D P R^T: row j = piv[l] of F^T is D_j times column l of R (its first min(l + 1, r) entries) */
    ldu   = n;
    lwork = PetscMax(PetscMax(6 * r + 2 * r * r, 2 * n + r), PetscMax(4 * r + r * r, 2 * r + r * r + 6));
    lwork = PetscMax(lwork, 7) + n * r;
    PetscCall(PetscMalloc5(p * r, &FT, p * r, &U, r, &sva, lwork, &work, n + 3 * r + 3, &iwork));
    PetscCall(PetscArrayzero(FT, p * r));
    for (PetscInt l = 0; l < p; l++) {
      const PetscInt j = piv[l] - 1;
      for (PetscInt k = 0; k <= PetscMin(l, r - 1); k++) FT[j + k * p] = S[k + l * p] * D[j];
    }
    dgejsv_("F", "U", "N", "R", "N", "P", &n, &r, FT, &n, sva, U, &ldu, NULL, &one, work, &lwork, iwork, &info);
    PetscCheck(!info, comm, PETSC_ERR_LIB, "The Jacobi SVD of a %" PetscInt_FMT " x %d Gram factor failed (LAPACK dgejsv info %d)", p, r, info);
    scale = work[1] / work[0]; /* the singular values are SVA times WORK(2) / WORK(1) (dgejsv scales against overflow) */
    /* the range: U's columns, singular values descending, become the last r eigenpairs, ascending (one that dgejsv
       set to zero, below its range, stays in order after the null directions) */
    for (int k = 0; k < r; k++) {
      const PetscReal sigma = scale * sva[k];
      lambda[p - 1 - k]     = sigma * sigma;
      PetscCall(PetscArraycpy(V + (p - 1 - k) * p, U + k * p, p));
    }
    /* the null directions: the orthogonal complement of the range, the last p - r columns of the full Q of U = QR */
    if (r < p) {
      PetscReal *Q = S; /* S is no longer needed */
      PetscCall(PetscArraycpy(Q, U, p * r));
      PetscCall(PetscBLASIntCast(p, &bp));
      PetscCall(PetscBLASIntCast(r, &br));
      bl = (PetscBLASInt) lwork;
      PetscCallBLAS("LAPACKgeqrf", LAPACKgeqrf_(&bp, &br, Q, &bp, tau, work, &bl, &binfo));
      PetscCheck(!binfo, comm, PETSC_ERR_LIB, "LAPACK dgeqrf failed (info %d)", (int) binfo);
      PetscCall(PetscArrayzero(Q + p * r, p * (p - r)));
      PetscCallBLAS("LAPACKorgqr", LAPACKorgqr_(&bp, &bp, &br, Q, &bp, tau, work, &bl, &binfo));
      PetscCheck(!binfo, comm, PETSC_ERR_LIB, "LAPACK dorgqr failed (info %d)", (int) binfo);
      PetscCall(PetscArraycpy(V, Q + p * r, p * (p - r)));
    }
    PetscCall(PetscFree5(FT, U, sva, work, iwork));
  } else
    for (PetscInt j = 0; j < p; j++) V[j + j * p] = 1;
  PetscCall(PetscFree4(D, S, piv, tau));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/*@C
  CurioDenseEigen - eigenvalues (ascending) and eigenvectors of a replicated symmetric d x d matrix: up to d = 512 by
  LAPACK's dsyev on every rank's copy (the same input everywhere, so the same result everywhere and at every rank
  count), above by ScaLAPACK's pdsyevr where every process of the grid holds a block of the matrix. pdsyevr (MRRR)
  failed on Grams with many zero eigenvalues on 2 ranks (2 rows, d = 5 to 50: DSTEGR2A parameter -104, an abort), and
  on a grid with processes that hold nothing (d = 2 on 2 or 4 ranks) returned no eigenpairs on one rank and never
  returned on the other.
@*/
PetscErrorCode CurioDenseEigen(MPI_Comm comm, PetscInt d, const PetscReal *A, PetscReal *lambda, PetscReal *V)
{
  CurioBlockCyclic *bc;
  PetscInt          blocks;
  PetscBool         full;

  PetscFunctionBegin;
  if (d <= CURIO_EIGEN_LAPACK_MAX) {
    PetscCall(DenseEigenLAPACK(comm, d, A, lambda, V));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(CurioBlockCyclicCreate(comm, d, A, &bc));
  blocks = (d + bc->nb - 1) / bc->nb;
  full   = (PetscBool) (blocks >= bc->nprow && blocks >= bc->npcol); /* every process holds a block */
  if (full) PetscCall(CurioBlockCyclicEigen(bc, lambda, V));
  PetscCall(CurioBlockCyclicDestroy(&bc));
  if (!full) PetscCall(DenseEigenLAPACK(comm, d, A, lambda, V));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Fuzz driver for the LIBSVM and CSR readers (src/data/libsvm.c, src/data/csrh5.c), bounded in time:

     mpiexec -n 2 build/tests/fuzz_readers tests/fuzz/corpus 30 [SEED]

   Each iteration takes a corpus entry and mutates it: a LIBSVM file byte by byte (bit flips, deletions, duplicated
   spans, inserted tokens such as "nan", "-1:", "4294967296:", "1e999", ":" and long digit runs); a CSR group (the
   corpus holds it as text: `shape R C`, `indptr ...`, `indices ...`, `data ...`, `y ...`, `weight ...`) structurally:
   values changed to edge values (negative, 2^31 - 1, 2^32, NaN, Inf), entries dropped or added, the shape attribute
   changed or given the wrong length, a dataset given another type or dropped. It writes the mutant (rank 0) and every
   rank reads it with the reader, with PETSc's errors returned instead of printed. A reader may refuse the input; what
   it must never do is crash, hang (the ctest timeout), disagree between ranks (each rank's verdict is compared), or
   accept rows that break the CSR invariants (offsets from 0, non-decreasing, columns in range and increasing within a
   row, finite values and labels, weights >= 0), which this driver checks on whatever is accepted. Run it under the
   sanitizers with scripts/sanitize.sh. Prints the number of inputs, of accepted and refused ones, and of failures. */
#include <petscsys.h>
#include <curiosparse.h>
#include <hdf5.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXCORPUS 256
#define MAXLEN    (1 << 16)

typedef struct {
  char   name[PETSC_MAX_PATH_LEN];
  int    csr; /* a CSR text spec, else LIBSVM text */
  char  *text;
  size_t len;
} Entry;

static uint64_t rng_state;

static uint64_t Next(void) /* splitmix64: the same sequence on every rank */
{
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
  z          = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z          = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static size_t Pick(size_t n)
{
  return n ? (size_t) (Next() % n) : 0;
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* LIBSVM: byte-level mutation */

static const char *const Tokens[] = {
    "nan", "-1:",  "0:", "4294967296:", "2147483647:", "2147483648:",          "1e999", ":",        "::",   " 3:1", "\n",
    "#",   "qid:", "-0", "+",           "1:1 1:2",     "99999999999999999999", "\t",    "1.5e-320", "-inf", "\r\n", "\0"};

static size_t MutateText(const char *src, size_t len, char *dst)
{
  size_t n      = len < MAXLEN / 2 ? len : MAXLEN / 2;
  int    rounds = 1 + (int) Pick(4);

  memcpy(dst, src, n);
  for (int r = 0; r < rounds; r++) {
    size_t at = Pick(n + 1);
    switch (Pick(5)) {
    case 0: /* flip a bit */
      if (n) dst[Pick(n)] ^= (char) (1u << Pick(8));
      break;
    case 1: { /* delete a span */
      size_t k = Pick(16);
      if (at + k > n) k = n - at;
      memmove(dst + at, dst + at + k, n - at - k);
      n -= k;
    } break;
    case 2: { /* duplicate a span */
      size_t k = Pick(32);
      if (at + k > n) k = n - at;
      if (n + k < MAXLEN - 64) {
        memmove(dst + at + k, dst + at, n - at);
        n += k;
      }
    } break;
    default: { /* insert a token */
      const char *t = Tokens[Pick(sizeof(Tokens) / sizeof(Tokens[0]))];
      size_t      k = strlen(t) ? strlen(t) : 1;
      if (n + k < MAXLEN - 64) {
        memmove(dst + at + k, dst + at, n - at);
        memcpy(dst + at, t, k);
        n += k;
      }
    }
    }
  }
  return n;
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* CSR: parse the text spec, mutate structurally, write HDF5 */

enum { F_SHAPE, F_INDPTR, F_INDICES, F_DATA, F_Y, F_WEIGHT, NF };
static const char *const Fields[NF] = {"shape", "indptr", "indices", "data", "y", "weight"};

typedef struct {
  double v[NF][512];
  int    n[NF];    /* -1: absent */
  int    type[NF]; /* 0 int64, 1 double, 2 int32, 3 string (wrong) */
} Spec;

static void ParseSpec(const char *text, Spec *s)
{
  char *copy = strdup(text), *save = NULL;

  for (int f = 0; f < NF; f++) {
    s->n[f]    = -1;
    s->type[f] = (f == F_SHAPE || f == F_INDPTR || f == F_INDICES) ? 0 : 1;
  }
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *tok, *s2 = NULL;
    int   f = -1;
    tok     = strtok_r(line, " ", &s2);
    for (int k = 0; tok && k < NF; k++)
      if (!strcmp(tok, Fields[k])) f = k;
    if (f < 0) continue;
    s->n[f] = 0;
    while ((tok = strtok_r(NULL, " ", &s2)) && s->n[f] < 512) s->v[f][s->n[f]++] = strtod(tok, NULL);
  }
  free(copy);
}

static const double Edge[] = {-1, 0, 1, 2, 3, 2147483647.0, 2147483648.0, 4294967296.0, -2147483648.0, 1e18, NAN, INFINITY, -INFINITY, 1e308, 0.5};

static void MutateSpec(Spec *s)
{
  int rounds = 1 + (int) Pick(3);

  for (int r = 0; r < rounds; r++) {
    int f = (int) Pick(NF);
    switch (Pick(6)) {
    case 0:
    case 1: /* an edge value */
      if (s->n[f] > 0) s->v[f][Pick((size_t) s->n[f])] = Edge[Pick(sizeof(Edge) / sizeof(Edge[0]))];
      break;
    case 2: /* a small change */
      if (s->n[f] > 0) s->v[f][Pick((size_t) s->n[f])] += (double) Pick(5) - 2;
      break;
    case 3: /* drop the last entry, or add one */
      if (s->n[f] > 0 && Pick(2)) s->n[f]--;
      else if (s->n[f] >= 0 && s->n[f] < 512) {
        s->v[f][s->n[f]] = s->n[f] ? s->v[f][s->n[f] - 1] + (double) Pick(3) : 0;
        s->n[f]++;
      }
      break;
    case 4: /* another type */ s->type[f] = (int) Pick(4); break;
    default: /* drop the dataset (or the shape attribute), or bring back an absent one empty */ s->n[f] = s->n[f] >= 0 ? -1 : 0;
    }
  }
}

static void WriteField(hid_t g, const Spec *s, int f)
{
  hsize_t dim = (hsize_t) s->n[f];
  hid_t   space, obj, ftype, mtype;
  int64_t i64[512];
  int32_t i32[512];
  double  d[512];
  void   *buf = d;

  if (s->n[f] < 0) return;
  for (int k = 0; k < s->n[f]; k++) {
    double x = s->v[f][k];
    i64[k]   = isfinite(x) && fabs(x) < 9e18 ? (int64_t) x : INT64_MIN;
    i32[k]   = (int32_t) i64[k];
    d[k]     = x;
  }
  switch (s->type[f]) {
  case 0: ftype = H5T_STD_I64LE, mtype = H5T_NATIVE_INT64, buf = i64; break;
  case 2: ftype = H5T_STD_I32LE, mtype = H5T_NATIVE_INT32, buf = i32; break;
  case 3:
    ftype = H5T_C_S1, mtype = H5T_C_S1, buf = i32; /* 1-byte strings: the wrong class */
    break;
  default: ftype = H5T_IEEE_F64LE, mtype = H5T_NATIVE_DOUBLE;
  }
  space = H5Screate_simple(1, &dim, NULL);
  if (f == F_SHAPE) {
    obj = H5Acreate2(g, "shape", ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (obj >= 0) H5Awrite(obj, mtype, buf), H5Aclose(obj);
  } else {
    obj = H5Dcreate2(g, Fields[f], ftype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (obj >= 0 && dim) H5Dwrite(obj, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    if (obj >= 0) H5Dclose(obj);
  }
  H5Sclose(space);
}

static int WriteSpec(const char *path, const Spec *s)
{
  hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), g;

  if (file < 0) return -1;
  g = H5Gcreate2(file, "/train", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  for (int f = 0; f < NF; f++) WriteField(g, s, f);
  H5Gclose(g);
  H5Fclose(file);
  return 0;
}

/* ---------------------------------------------------------------------------------------------------------------- */

/* The invariants of accepted rows; 0 if they hold */
static int CheckRows(const CurioCSRRows *r)
{
  if (r->n < 1 || r->ncols < 1 || r->nlocal < 0 || r->rstart < 0 || r->rstart + r->nlocal > r->n || !r->rowptr) return 1;
  if (r->rowptr[0] != 0) return 2;
  for (PetscInt i = 0; i < r->nlocal; i++) {
    if (r->rowptr[i + 1] < r->rowptr[i]) return 3;
    for (PetscInt k = r->rowptr[i]; k < r->rowptr[i + 1]; k++) {
      if (r->colidx[k] < 0 || r->colidx[k] >= r->ncols) return 4;
      if (k > r->rowptr[i] && r->colidx[k] <= r->colidx[k - 1]) return 5;
      if (!isfinite(r->vals[k])) return 6;
    }
    if (r->y && !isfinite(r->y[i])) return 7;
    if (r->w && (!isfinite(r->w[i]) || r->w[i] < 0)) return 8;
  }
  return 0;
}

static int LoadCorpus(const char *dir, Entry *e)
{
  DIR           *d = opendir(dir);
  struct dirent *de;
  int            n = 0;

  if (!d) return 0;
  while ((de = readdir(d)) && n < MAXCORPUS) {
    const char *ext = strrchr(de->d_name, '.');
    FILE       *fh;
    if (!ext || (strcmp(ext, ".svm") && strcmp(ext, ".csr"))) continue;
    snprintf(e[n].name, sizeof(e[n].name), "%s/%s", dir, de->d_name);
    e[n].csr = !strcmp(ext, ".csr");
    fh       = fopen(e[n].name, "rb");
    if (!fh) continue;
    e[n].text = calloc(MAXLEN, 1);
    e[n].len  = fread(e[n].text, 1, MAXLEN / 2, fh);
    fclose(fh);
    n++;
  }
  closedir(d);
  return n;
}

int main(int argc, char **argv)
{
  static Entry corpus[MAXCORPUS];
  PetscMPIInt  rank, size;
  int          ncorpus, stop = 0;
  double       seconds, t0;
  long         inputs = 0, accepted = 0, failures = 0;
  char         path[PETSC_MAX_PATH_LEN], *buf;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  if (argc < 3) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "usage: fuzz_readers CORPUS_DIR SECONDS [SEED]\n"));
    PetscCall(PetscFinalize());
    return 2;
  }
  seconds   = atof(argv[2]);
  rng_state = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
  ncorpus   = LoadCorpus(argv[1], corpus);
  if (!ncorpus) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "fuzz_readers: no *.svm or *.csr files in '%s'\n", argv[1]));
    PetscCall(PetscFinalize());
    return 2;
  }
  {
    unsigned id = rank == 0 ? (unsigned) getpid() : 0;
    PetscCallMPI(MPI_Bcast(&id, 1, MPI_UNSIGNED, 0, PETSC_COMM_WORLD));
    snprintf(path, sizeof(path), "%s/curio-fuzz-%u", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", id);
  }
  buf = calloc(MAXLEN, 1);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL)); /* refusals are expected: return, do not print */
  t0 = MPI_Wtime();
  while (!stop) {
    Entry         *e = &corpus[Pick((size_t) ncorpus)];
    CurioCSRRows   rows;
    PetscErrorCode ierr;
    int            verdict[2], bad;
    char           file[PETSC_MAX_PATH_LEN + 8];
    PetscInt       ncols = Pick(4) == 0 ? (PetscInt) Pick(8) : 0;

    snprintf(file, sizeof(file), "%s.%s", path, e->csr ? "h5" : "svm");
    if (e->csr) {
      Spec s;
      ParseSpec(e->text, &s);
      MutateSpec(&s);
      if (rank == 0) WriteSpec(file, &s);
    } else {
      size_t n = MutateText(e->text, e->len, buf);
      if (rank == 0) {
        FILE *fh = fopen(file, "wb");
        if (fh) fwrite(buf, 1, n, fh), fclose(fh);
      }
    }
    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    memset(&rows, 0, sizeof(rows));
    ierr =
        e->csr ? CurioCSRRowsReadHDF5(PETSC_COMM_WORLD, file, "train", ncols, &rows) : CurioCSRRowsReadLIBSVM(PETSC_COMM_WORLD, file, ncols, &rows);
    verdict[0] = ierr ? 1 : 0;
    verdict[1] = ierr ? 0 : CheckRows(&rows);
    {
      int mine[2] = {verdict[0], -verdict[0]}, all[2];
      PetscCallMPI(MPI_Allreduce(mine, all, 2, MPI_INT, MPI_MAX, PETSC_COMM_WORLD));
      bad = all[0] != -all[1]; /* some rank refused and another accepted */
    }
    if (bad || verdict[1]) {
      failures++;
      if (rank == 0 || verdict[1]) {
        char keep[PETSC_MAX_PATH_LEN + 64];
        snprintf(keep, sizeof(keep), "%s.failure%ld.%s", path, failures, e->csr ? "h5" : "svm");
        if (rank == 0) rename(file, keep);
        fprintf(stderr, "fuzz_readers: rank %d: %s (from %s): %s\n", rank, keep, e->name,
                bad ? "the ranks disagree on refusing it" : "accepted rows break the CSR invariants");
      }
    }
    if (!ierr) {
      accepted++;
      CurioCSRRowsFree(&rows);
    }
    inputs++;
    stop = MPI_Wtime() - t0 >= seconds;
    PetscCallMPI(MPI_Bcast(&stop, 1, MPI_INT, 0, PETSC_COMM_WORLD));
  }
  if (rank == 0) {
    snprintf(buf, MAXLEN, "%s.h5", path);
    remove(buf);
    snprintf(buf, MAXLEN, "%s.svm", path);
    remove(buf);
  }
  PetscCall(PetscPopErrorHandler());
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "fuzz_readers: %ld inputs in %.0f s at %d ranks (corpus of %d): %ld accepted, %ld refused, %ld failures\n",
                        inputs, MPI_Wtime() - t0, size, ncorpus, accepted, inputs - accepted, failures));
  for (int k = 0; k < ncorpus; k++) free(corpus[k].text);
  free(buf);
  PetscCall(PetscFinalize());
  return failures ? 1 : 0;
}

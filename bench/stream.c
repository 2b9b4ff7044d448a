/* STREAM-like memory bandwidth of this machine, for the bandwidth bound of curio's Hessian-vector product
   (bench/bench_krylov.py compiles and runs it; bench/README.md explains the use).

     cc -O3 -march=native -fopenmp -o stream bench/stream.c
     OMP_NUM_THREADS=1 OMP_PROC_BIND=true ./stream [MiB per array, default 512] [trials, default 10]

   Kernels over arrays of doubles far larger than the last-level cache, each thread on its own contiguous part
   (first touch by the same thread, static schedule), best time of the trials:
     read   s += a[i]                    8 bytes per element (the access pattern of a matrix-vector product: X is only read)
     copy   c[i] = a[i]                  16 bytes per element
     triad  a[i] = b[i] + q c[i]         24 bytes per element (STREAM's convention: the write-allocate read of a is not counted)
   Prints one JSON object on stdout with the bandwidths in GB/s (1e9 bytes per second). */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

static double best_of(double t, double best) { return t < best ? t : best; }

int main(int argc, char **argv)
{
  const double mib    = argc > 1 ? atof(argv[1]) : 512.0;
  const int    trials = argc > 2 ? atoi(argv[2]) : 10;
  const long   n      = (long) (mib * 1024.0 * 1024.0 / sizeof(double));
  double      *a, *b, *c;
  double       t_read = 1e30, t_copy = 1e30, t_triad = 1e30, sink = 0.0;
  const double q = 3.0;

  if (n < 1024 || trials < 1) {
    fprintf(stderr, "usage: %s [MiB per array >= 1] [trials >= 1]\n", argv[0]);
    return 2;
  }
  a = malloc(n * sizeof(double));
  b = malloc(n * sizeof(double));
  c = malloc(n * sizeof(double));
  if (!a || !b || !c) {
    fprintf(stderr, "stream: cannot allocate 3 x %.0f MiB\n", mib);
    return 1;
  }
#pragma omp parallel for schedule(static)
  for (long i = 0; i < n; i++) {
    a[i] = 1.0;
    b[i] = 2.0;
    c[i] = 0.5;
  }
  for (int k = 0; k < trials; k++) {
    double t0, s = 0.0;

    /* 16 independent partial sums (4 AVX2 registers), so that the loop is limited by memory, not by the latency of
       a chain of additions */
    t0 = omp_get_wtime();
#pragma omp parallel reduction(+ : s)
    {
      double acc[16] = {0};
#pragma omp for schedule(static)
      for (long blk = 0; blk < n / 16; blk++)
        for (int j = 0; j < 16; j++) acc[j] += a[16 * blk + j];
      for (int j = 0; j < 16; j++) s += acc[j];
    }
    t_read = best_of(omp_get_wtime() - t0, t_read);
    sink += s;

    t0 = omp_get_wtime();
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) c[i] = a[i];
    t_copy = best_of(omp_get_wtime() - t0, t_copy);

    t0 = omp_get_wtime();
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) a[i] = b[i] + q * c[i];
    t_triad = best_of(omp_get_wtime() - t0, t_triad);
  }
  printf("{\"threads\": %d, \"mib_per_array\": %.1f, \"trials\": %d, \"read_gbs\": %.4f, \"copy_gbs\": %.4f, \"triad_gbs\": %.4f, "
         "\"checksum\": %.6e}\n",
         omp_get_max_threads(), mib, trials, 8.0 * n / t_read / 1e9, 16.0 * n / t_copy / 1e9, 24.0 * n / t_triad / 1e9, sink + a[n / 2] + c[n / 3]);
  free(a);
  free(b);
  free(c);
  return 0;
}

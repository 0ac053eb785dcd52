/*===- row_product.c - A recurrent step's one-row product, with and without
 *                     software prefetch --------------------------------===*
 *
 * An LSTM's or GRU's time step multiplies one row (the state, [1, K]) by
 * its recurrent weights packed as Kiln packs a constant right side: panels
 * of 32 columns, [N/32][K][32]. Each weight is used by one FMA, so the
 * product is bound by reading the weights from wherever they stay between
 * steps (L2 for a GRU of hidden 128, 196 KB a direction). This program runs
 * the same loop as Kiln's micro-kernel for such a product (four K steps an
 * iteration, two accumulators per K step, the panel's partial sums added at
 * its end) over `--dirs` independent weight sets in turn, as a
 * bidirectional layer's steps alternate, and reports the time per step and
 * the bytes read per second, once without software prefetch and once for
 * each prefetch distance given (every 64-byte line of the rows DIST bytes
 * ahead, into L1), so that the cost or gain of the prefetch is measured on
 * the host itself. (Kiln's micro-kernel, when it prefetched there, issued
 * one prefetch per 128-byte row, its first line; the variants here
 * prefetch both lines, an approximation of it.)
 *
 *   cc -O2 -march=native row_product.c -o row_product       (needs AVX-512F)
 *   row_product [--k K] [--n N] [--dirs D] [--steps S] [--snake] [DIST ...]
 *
 * --snake walks the panels last to first every second step, as Kiln's
 * one-row products of the same weights do at one thread
 * (kiln-alternate-panel-order): weights about as large as L2, read in one
 * order every step, are evicted just before they are read again.
 *
 * Defaults: K 128, N 384 (a GRU of hidden 128: three gates), 2 directions,
 * 64 steps, distances 512, 2048 and 8192 bytes. Prints one line per
 * variant: `<prefetch distance or none> <us per step> <GB/s>`, the best of
 * 200 repetitions.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PANEL 32
#define REPETITIONS 200

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline void prefetch_rows(const float *q, long dist_floats) {
  /* Four rows of 32 floats: eight lines. */
  for (int line = 0; line < 8; ++line)
    _mm_prefetch((const char *)(q + dist_floats + 16 * line), _MM_HINT_T0);
}

/* y[0, N) += x[0, K) W, W packed [N/32][K][32]; K a multiple of 4. The
 * panels are walked last to first when `backwards`. */
static void __attribute__((noinline)) row_product(const float *x, const float *w, float *y,
                                                  int k_size, int n_size, long dist_floats,
                                                  int backwards) {
  int panels = n_size / PANEL;
  for (int i = 0; i < panels; ++i) {
    int p = backwards ? panels - 1 - i : i;
    const float *panel = w + (long)p * k_size * PANEL;
    __m512 a0 = _mm512_loadu_ps(y + p * PANEL), a1 = _mm512_loadu_ps(y + p * PANEL + 16);
    __m512 b0 = _mm512_setzero_ps(), b1 = b0, c0 = b0, c1 = b0, d0 = b0, d1 = b0;
    for (int k = 0; k < k_size; k += 4) {
      const float *q = panel + (long)k * PANEL;
      if (dist_floats)
        prefetch_rows(q, dist_floats);
      __m512 x0 = _mm512_set1_ps(x[k]), x1 = _mm512_set1_ps(x[k + 1]);
      __m512 x2 = _mm512_set1_ps(x[k + 2]), x3 = _mm512_set1_ps(x[k + 3]);
      a0 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(q), a0);
      a1 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(q + 16), a1);
      b0 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(q + 32), b0);
      b1 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(q + 48), b1);
      c0 = _mm512_fmadd_ps(x2, _mm512_loadu_ps(q + 64), c0);
      c1 = _mm512_fmadd_ps(x2, _mm512_loadu_ps(q + 80), c1);
      d0 = _mm512_fmadd_ps(x3, _mm512_loadu_ps(q + 96), d0);
      d1 = _mm512_fmadd_ps(x3, _mm512_loadu_ps(q + 112), d1);
    }
    _mm512_storeu_ps(y + p * PANEL, _mm512_add_ps(_mm512_add_ps(a0, b0), _mm512_add_ps(c0, d0)));
    _mm512_storeu_ps(y + p * PANEL + 16,
                     _mm512_add_ps(_mm512_add_ps(a1, b1), _mm512_add_ps(c1, d1)));
  }
}

static void usage(void) {
  fprintf(stderr, "usage: row_product [--k K] [--n N] [--dirs D] [--steps S] [--snake] "
                  "[DIST_BYTES ...]\n"
                  "  K a positive multiple of 4, N of 32; D and S positive\n");
}

int main(int argc, char **argv) {
  int k_size = 128, n_size = 384, dirs = 2, steps = 64, snake = 0;
  long dists[32];
  int num_dists = 0;
  for (int i = 1; i < argc; ++i) {
    int *option = !strcmp(argv[i], "--k")      ? &k_size
                  : !strcmp(argv[i], "--n")    ? &n_size
                  : !strcmp(argv[i], "--dirs") ? &dirs
                  : !strcmp(argv[i], "--steps") ? &steps
                                                : NULL;
    if (!strcmp(argv[i], "--snake")) {
      snake = 1;
    } else if (option) {
      if (i + 1 == argc) {
        usage();
        return 2;
      }
      *option = atoi(argv[++i]);
    } else if (num_dists < 32 && atol(argv[i]) > 0) {
      dists[num_dists++] = atol(argv[i]);
    } else {
      usage();
      return 2;
    }
  }
  if (k_size <= 0 || k_size % 4 || n_size <= 0 || n_size % PANEL || dirs <= 0 || steps <= 0) {
    usage();
    return 2;
  }
  if (!num_dists) {
    dists[0] = 512, dists[1] = 2048, dists[2] = 8192;
    num_dists = 3;
  }

  size_t weights = (size_t)k_size * n_size;
  float **w = malloc(sizeof(float *) * dirs);
  float *x = aligned_alloc(64, sizeof(float) * k_size);
  float *y = aligned_alloc(64, sizeof(float) * n_size * dirs);
  if (!w || !x || !y) {
    fprintf(stderr, "row_product: out of memory\n");
    return 1;
  }
  for (int d = 0; d < dirs; ++d) {
    w[d] = aligned_alloc(64, sizeof(float) * weights);
    if (!w[d]) {
      fprintf(stderr, "row_product: out of memory\n");
      return 1;
    }
    for (size_t i = 0; i < weights; ++i)
      w[d][i] = (float)(i % 7) * 1e-3f;
  }

  printf("# K %d, N %d, %d weight set(s) of %zu KiB, %d steps each%s\n", k_size, n_size, dirs,
         weights * sizeof(float) / 1024, steps,
         snake ? ", panels walked in alternate directions" : "");
  for (int v = -1; v < num_dists; ++v) {
    long dist_floats = v < 0 ? 0 : dists[v] / (long)sizeof(float);
    for (int i = 0; i < k_size; ++i)
      x[i] = 1e-3f;
    memset(y, 0, sizeof(float) * n_size * dirs);
    double best = 1e30;
    long step = 0; /* counts on across repetitions: directions keep alternating */
    for (int r = 0; r < REPETITIONS; ++r) {
      double start = now();
      for (int s = 0; s < steps; ++s, ++step)
        for (int d = 0; d < dirs; ++d) {
          row_product(x, w[d], y + (size_t)d * n_size, k_size, n_size, dist_floats,
                      snake && step % 2);
          /* The next step's row depends on this one's result. */
          x[s % k_size] = y[(size_t)d * n_size + s % n_size] * 1e-6f;
        }
      double t = now() - start;
      if (t < best)
        best = t;
    }
    double per_step = best / ((double)steps * dirs);
    if (v < 0)
      printf("none %8.3f us %7.1f GB/s\n", per_step * 1e6, weights * 4 / per_step / 1e9);
    else
      printf("%-4ld %8.3f us %7.1f GB/s\n", dists[v], per_step * 1e6,
             weights * 4 / per_step / 1e9);
  }
  return 0;
}

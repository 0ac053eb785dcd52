/*===- read_bandwidth.c - How fast one core reads a working set ----------===*
 *
 * The other roof of a kernel besides the FMA peak (fma_peak.c): the bytes
 * per second one core reads from a buffer it reads again and again, for
 * working sets from L1-sized to far past the last-level cache. A kernel
 * that must stream N bytes per step of a recurrence (an LSTM's recurrent
 * weights, read once per time step) can go no faster than N bytes at the
 * rate of the level the set fits in.
 *
 * Each read of the buffer goes through it in order, 512 bytes an
 * iteration, into eight independent sums of 64-byte vectors (GCC/Clang
 * vector extensions: with -march=native one AVX-512 register each, else
 * several narrower ones). A timed pass reads the buffer as many times as
 * make about 4 MiB, so that the clock's cost does not count for small
 * sets; the best of --passes passes counts.
 *
 *   cc -O2 -march=native read_bandwidth.c -o read_bandwidth
 *   read_bandwidth [--passes P] [BYTES ...]
 *
 * BYTES default to 16 KiB ... 256 MiB in powers of 4, plus 2 MiB, each
 * rounded up to 512 bytes. P defaults to 200 for sets up to 8 MiB and to
 * 20 beyond. Prints one line per size: `<bytes> <GB/s>`.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef float vec __attribute__((vector_size(64)));

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Reads `bytes` (a multiple of 512) of `a` once; returns a value that
 * depends on every element so that the reads cannot be dropped. */
static float read_once(const vec *a, size_t bytes) {
  vec s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, s4 = {0}, s5 = {0}, s6 = {0}, s7 = {0};
  size_t n = bytes / sizeof(vec);
  for (size_t i = 0; i < n; i += 8) {
    s0 += a[i];
    s1 += a[i + 1];
    s2 += a[i + 2];
    s3 += a[i + 3];
    s4 += a[i + 4];
    s5 += a[i + 5];
    s6 += a[i + 6];
    s7 += a[i + 7];
  }
  vec t = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
  float sum = 0;
  for (size_t j = 0; j < sizeof(vec) / sizeof(float); ++j)
    sum += t[j];
  return sum;
}

static void measure(size_t bytes, int passes) {
  bytes = (bytes + 511) / 512 * 512;
  vec *a = aligned_alloc(64, bytes);
  if (!a) {
    fprintf(stderr, "read_bandwidth: cannot allocate %zu bytes\n", bytes);
    exit(1);
  }
  for (size_t i = 0; i < bytes / sizeof(vec); ++i)
    for (size_t j = 0; j < sizeof(vec) / sizeof(float); ++j)
      a[i][j] = (float)((i + j) % 7) * 1e-3f;
  size_t reads = bytes >= (4u << 20) ? 1 : (4u << 20) / bytes;
  volatile float sink = read_once(a, bytes); /* warm-up: the set in cache */
  double best = 1e30;
  for (int p = 0; p < passes; ++p) {
    double t = now();
    for (size_t r = 0; r < reads; ++r)
      sink += read_once(a, bytes);
    t = now() - t;
    if (t > 0 && t < best)
      best = t;
  }
  (void)sink;
  printf("%zu %.1f\n", bytes, (double)bytes * reads / best / 1e9);
  free(a);
}

int main(int argc, char **argv) {
  int passes = 0;
  int sizes = 0;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--passes") && i + 1 < argc) {
      char *end;
      long count = strtol(argv[++i], &end, 10);
      passes = *end || count < 1 || count > 1000000 ? 0 : (int)count;
      if (passes < 1) {
        fprintf(stderr, "read_bandwidth: --passes needs a positive count\n");
        return 1;
      }
      continue;
    }
    char *end;
    long long bytes = strtoll(argv[i], &end, 10);
    if (*end || bytes <= 0) {
      fprintf(stderr, "read_bandwidth: not a byte count: %s\n", argv[i]);
      return 1;
    }
    measure((size_t)bytes, passes ? passes : bytes <= (8 << 20) ? 200 : 20);
    ++sizes;
  }
  if (sizes == 0) {
    static const size_t defaults[] = {16 << 10, 64 << 10, 256 << 10, 1 << 20, 2 << 20,
                                      4 << 20, 16 << 20, 64 << 20, 256 << 20};
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); ++i)
      measure(defaults[i], passes ? passes : defaults[i] <= (8 << 20) ? 200 : 20);
  }
  return 0;
}

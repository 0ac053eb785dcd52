/*===- register_tile.c - A matmul register tile's own speed, in L1 --------===*
 *
 * How fast one shape of matmul register tile runs when its B block is in
 * L1: MR rows of A (packed, MR floats a K step) times NV vectors of B (a
 * packed panel row of NV * LANES floats a K step) into MR x NV vector
 * accumulators, over K blocks of 128 steps with the accumulators loaded
 * before and stored after each block, as Kiln's micro-kernel does. Every
 * tile of a 192-row A reads the same 128-step block of B (16 KiB for a
 * 4 x 8-float row), which stays in L1; A (96 KiB) and the accumulators
 * stream from L2, as a sliver of A does in Kiln's products. Compare its GFLOP/s
 * with fma_peak.c's per-core figure: the difference is the tile shape's
 * own cost (its loads, broadcasts and loop), not the memory's.
 *
 * The shape and the vector width are fixed at compile time; LANES is the
 * floats of one vector register (8 for AVX2, 16 for AVX-512, 4 for NEON):
 *
 *   cc -O3 -march=native -DMR=2 -DNV=4 -DLANES=8 register_tile.c -o register_tile
 *   register_tile
 *
 * (Kiln's AVX2 tile is MR=2 NV=4, 2 x 32 floats; its AVX-512 tile MR=8
 * NV=2 LANES=16.) Under GCC in an ISO mode (-std=c11) add
 * -ffp-contract=fast, or the multiply-adds stay apart. Prints one line:
 * `tile <MR>x<NV*LANES>: <GFLOP/s> GFLOP/s`, the best of 200 runs, after
 * checking the first tile's corner sums against a scalar loop's.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef MR
#define MR 2
#endif
#ifndef NV
#define NV 4
#endif
#ifndef LANES
#define LANES 8
#endif

enum { KB = 128, ROWS = 192 - 192 % MR, NR = NV * LANES, RUNS = 200 };

_Static_assert(MR >= 1 && MR <= 192 && NV >= 1 && LANES >= 1, "MR must be 1 to 192");

typedef float vec __attribute__((vector_size(LANES * 4)));

/* What the runs computed goes here, so the compiler keeps them. */
static volatile float sink;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#define LOAD(v, p) memcpy(&(v), (p), sizeof(vec))
#define STORE(p, v) memcpy((p), &(v), sizeof(vec))

/* c[MR][NR] += a[KB][MR] x b[KB][NR]. */
static void tile(const float *a, const float *b, float *c) {
  vec acc[MR][NV];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NV; ++j)
      LOAD(acc[i][j], c + (i * NV + j) * LANES);
  for (int k = 0; k < KB; ++k) {
    vec bv[NV];
    for (int j = 0; j < NV; ++j)
      LOAD(bv[j], b + k * NR + j * LANES);
    for (int i = 0; i < MR; ++i) {
      float av = a[k * MR + i]; /* broadcast by the multiply */
      for (int j = 0; j < NV; ++j)
        acc[i][j] += av * bv[j];
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NV; ++j)
      STORE(c + (i * NV + j) * LANES, acc[i][j]);
}

int main(int argc, char **argv) {
  (void)argv;
  if (argc > 1) {
    fprintf(stderr, "usage: register_tile (the tile is set at compile time: -DMR -DNV -DLANES)\n");
    return 2;
  }
  float *a = aligned_alloc(64, (sizeof(float) * ROWS * KB + 63) / 64 * 64);
  float *b = aligned_alloc(64, (sizeof(float) * KB * NR + 63) / 64 * 64);
  float *c = aligned_alloc(64, (sizeof(float) * ROWS * NR + 63) / 64 * 64);
  if (!a || !b || !c) {
    fprintf(stderr, "register_tile: out of memory\n");
    return 1;
  }
  for (int i = 0; i < ROWS * KB; ++i)
    a[i] = 0.001f * (float)(i % 13);
  for (int i = 0; i < KB * NR; ++i)
    b[i] = 0.01f * (float)(i % 7);
  memset(c, 0, sizeof(float) * ROWS * NR);
  double best = 1e30;
  for (int run = 0; run < RUNS; ++run) {
    double start = now();
    for (int m = 0; m < ROWS; m += MR)
      tile(a + (long)m * KB, b, c + (long)m * NR);
    double took = now() - start;
    if (took < best)
      best = took;
  }
  sink = c[0];
  /* Every run added A x B once: check the first tile's corners. */
  for (int i = 0; i < MR; i += MR - 1 > 0 ? MR - 1 : 1)
    for (int j = 0; j < NR; j += NR - 1 > 0 ? NR - 1 : 1) {
      double want = 0;
      for (int k = 0; k < KB; ++k)
        want += (double)a[k * MR + i] * b[k * NR + j];
      want *= RUNS;
      double got = c[i * NR + j];
      if (got < want * 0.999 || got > want * 1.001) {
        fprintf(stderr, "register_tile: wrong result at (%d, %d): %g, expected %g\n", i, j, got,
                want);
        return 1;
      }
    }
  printf("tile %dx%d: %.1f GFLOP/s\n", MR, NR, 2.0 * ROWS * NR * KB / best * 1e-9);
  return 0;
}

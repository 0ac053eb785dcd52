/*===- tap_tile.c - A channel-major 3x3 convolution kernel, in cache -----===*
 *
 * How fast the register tile of Kiln's channel-major tap products can run
 * when nothing comes from beyond L2: a 3x3 convolution at unit stride of
 * 24 input channels into 48 filters over an 8 x 256 output (input, weights
 * and output about 0.65 MiB together), each register
 * tile FB filters x NV 16-float vectors of pixels. Per input channel and
 * kernel row, the tile loads the KW column taps of its pixels (vectors at
 * columns x + kw, unaligned), broadcasts each filter's weight and
 * multiply-adds; the accumulators are loaded before the channel loop and
 * stored after it, as Kiln's kernels do. Compare its GFLOP/s with
 * fma_peak.c's per-core figure: the difference is the tile's own cost
 * (loads, broadcasts, loop overhead), not the memory's.
 *
 * The tile is fixed at compile time (-DFB=8 -DNV=2 are Kiln's 8 x 32); the
 * input's row length (floats, 258 for a 256-wide image padded by one on
 * each side) and the offset of its first float from a 64-byte boundary are
 * arguments, to see what aligned rows would change:
 *
 *   cc -O2 -march=native [-DFB=8 -DNV=2] tap_tile.c -o tap_tile
 *   tap_tile [ROW_FLOATS [OFFSET]]
 *
 * ROW_FLOATS defaults to 256 + 2 (the output width plus 2 at least, 4096
 * more at most), OFFSET to 0 (at most 4096). Under GCC in an ISO mode
 * (-std=c11) add -ffp-contract=fast, or the multiply-adds stay apart.
 * Prints one line:
 * `tile <FB>x<NV*16> row <ROW_FLOATS> offset <OFFSET>: <GFLOP/s> GFLOP/s`,
 * the best of 40 runs.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef FB
#define FB 8
#endif
#ifndef NV
#define NV 2
#endif

enum { C = 24, F = 48, H = 8, W = 256, TW = NV * 16, RUNS = 40 };

_Static_assert(F % FB == 0, "FB must divide the 48 filters");
_Static_assert(W % TW == 0, "NV * 16 must divide the 256 columns");

/* What the runs computed goes here, so the compiler keeps them. */
static volatile float sink;

typedef float vec __attribute__((vector_size(64)));

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Unaligned vector loads and stores (macros: a function passing a 64-byte
 * vector by value would depend on the target's ABI). */
#define LOAD(v, p) memcpy(&(v), (p), sizeof(vec))
#define STORE(p, v) memcpy((p), &(v), sizeof(vec))

/* out[F][H][W] += conv(in[C][H + 2][row], w[F / FB][C][3][3][FB]). */
static void convolve(const float *in, long row, long plane, const float *w, float *out) {
  for (int y = 0; y < H; ++y)
    for (int t = 0; t < W / TW; ++t)
      for (int fb = 0; fb < F / FB; ++fb) {
        vec acc[FB][NV];
        float *o = out + ((long)fb * FB * H + y) * W + t * TW;
        for (int f = 0; f < FB; ++f)
          for (int v = 0; v < NV; ++v)
            LOAD(acc[f][v], o + (long)f * H * W + 16 * v);
        const float *wb = w + (long)fb * C * 9 * FB;
        for (int c = 0; c < C; ++c)
          for (int kh = 0; kh < 3; ++kh) {
            const float *r = in + c * plane + (y + kh) * row + t * TW;
            const float *wk = wb + (c * 3 + kh) * 3 * FB;
            for (int kw = 0; kw < 3; ++kw) {
              vec pixels[NV];
              for (int v = 0; v < NV; ++v)
                LOAD(pixels[v], r + kw + 16 * v);
              for (int f = 0; f < FB; ++f) {
                float weight = wk[kw * FB + f]; /* broadcast by the multiply */
                for (int v = 0; v < NV; ++v)
                  acc[f][v] += weight * pixels[v];
              }
            }
          }
        for (int f = 0; f < FB; ++f)
          for (int v = 0; v < NV; ++v)
            STORE(o + (long)f * H * W + 16 * v, acc[f][v]);
      }
}

static long parse(const char *what, const char *text, long least) {
  char *end;
  long value = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value < least || value > least + 4096) {
    fprintf(stderr, "tap_tile: %s must be a number from %ld to %ld: %s\n", what, least,
            least + 4096, text);
    exit(2);
  }
  return value;
}

int main(int argc, char **argv) {
  if (argc > 3) {
    fprintf(stderr, "usage: tap_tile [ROW_FLOATS [OFFSET]]\n");
    return 2;
  }
  long row = argc > 1 ? parse("ROW_FLOATS", argv[1], W + 2) : W + 2;
  long offset = argc > 2 ? parse("OFFSET", argv[2], 0) : 0;
  long plane = row * (H + 2);
  size_t inFloats = (size_t)(offset + C * plane);
  float *in = aligned_alloc(64, (inFloats * sizeof(float) + 63) / 64 * 64);
  float *w = aligned_alloc(64, ((size_t)F * C * 9 * sizeof(float) + 63) / 64 * 64);
  float *out = aligned_alloc(64, ((size_t)F * H * W * sizeof(float) + 63) / 64 * 64);
  if (!in || !w || !out) {
    fprintf(stderr, "tap_tile: out of memory\n");
    return 2;
  }
  for (size_t i = 0; i < inFloats; ++i)
    in[i] = (float)(i % 7) * 0.125f;
  for (long i = 0; i < (long)F * C * 9; ++i)
    w[i] = (float)(i % 5) * 0.0625f;
  memset(out, 0, (size_t)F * H * W * sizeof(float));
  double best = 1e30;
  for (int run = 0; run < RUNS; ++run) {
    double start = now();
    convolve(in + offset, row, plane, w, out);
    double seconds = now() - start;
    if (seconds < best)
      best = seconds;
  }
  sink = out[(size_t)F * H * W / 2];
  double flops = 2.0 * F * C * 9 * H * W;
  printf("tile %dx%d row %ld offset %ld: %.1f GFLOP/s\n", FB, TW, row, offset,
         flops / best * 1e-9);
  free(in);
  free(w);
  free(out);
  return 0;
}

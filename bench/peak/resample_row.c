/*===- resample_row.c - Linear resampling along a row: three ways ---------===*
 *
 * A bilinear Resize is one resample per axis. Along an outer axis every
 * output row is a weighted sum of two whole input rows (contiguous vectors);
 * along the innermost axis each output element reads its own two taps,
 * out[x] = w0[x] * in[i0[x]] + w1[x] * in[i1[x]], from index and weight
 * tables known at compile time. Kiln runs that as a scalar loop. This
 * program times three ways of computing it for 16-float vectors of outputs
 * (AVX-512):
 *
 *   scalar   one output at a time (what Kiln does now);
 *   gather   two vgatherdps of 16 taps each;
 *   permute  one contiguous load of 16 inputs from the vector's first tap
 *            and two vpermps by the taps' offsets in it, which fits when
 *            the vector's taps span at most 16 inputs (upsampling, and
 *            downsampling by less than two).
 *
 * The shape is that of U-Net's up4 Resize along its rows, 128 -> 256
 * columns, align_corners (scale (IN - 1) / (OUT - 1)), over 64 channels x
 * 256 rows (the model resamples this axis first, on 128 rows a channel:
 * half of this):
 *
 *   cc -O2 -march=native -fno-tree-vectorize resample_row.c -lm -o resample_row
 *   resample_row [IN OUT]
 *
 * (-fno-tree-vectorize keeps the scalar loop scalar under GCC.) IN at least
 * 16, OUT a multiple of 16 up to 4096. Prints one line per way,
 * `<way> <time> ms`, the best of 20 runs, after checking that gather and
 * permute match the scalar loop's outputs exactly; for permute, a line
 * saying it does not fit instead when a vector's taps span more than 16
 * inputs.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ROWS = 64 * 256, MAX_OUT = 4096, RUNS = 20 };

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int i0[MAX_OUT], i1[MAX_OUT], r0[MAX_OUT], r1[MAX_OUT], base[MAX_OUT / 16];
static float w0[MAX_OUT], w1[MAX_OUT];

static void run(int way, const float *in, float *out, int in_size, int out_size) {
  for (int row = 0; row < ROWS; ++row) {
    const float *src = in + (size_t)row * in_size;
    float *dst = out + (size_t)row * out_size;
    if (way == 0) {
      for (int x = 0; x < out_size; ++x)
        dst[x] = fmaf(w1[x], src[i1[x]], w0[x] * src[i0[x]]); /* as the vectors round */
    } else if (way == 1) {
      for (int x = 0; x < out_size; x += 16) {
        __m512 a = _mm512_i32gather_ps(_mm512_loadu_si512(i0 + x), src, 4);
        __m512 b = _mm512_i32gather_ps(_mm512_loadu_si512(i1 + x), src, 4);
        _mm512_storeu_ps(dst + x, _mm512_fmadd_ps(_mm512_loadu_ps(w1 + x), b,
                                                  _mm512_mul_ps(_mm512_loadu_ps(w0 + x), a)));
      }
    } else {
      for (int x = 0; x < out_size; x += 16) {
        __m512 window = _mm512_loadu_ps(src + base[x / 16]);
        __m512 a = _mm512_permutexvar_ps(_mm512_loadu_si512(r0 + x), window);
        __m512 b = _mm512_permutexvar_ps(_mm512_loadu_si512(r1 + x), window);
        _mm512_storeu_ps(dst + x, _mm512_fmadd_ps(_mm512_loadu_ps(w1 + x), b,
                                                  _mm512_mul_ps(_mm512_loadu_ps(w0 + x), a)));
      }
    }
  }
}

int main(int argc, char **argv) {
  int in_size = argc > 1 ? atoi(argv[1]) : 128;
  int out_size = argc > 2 ? atoi(argv[2]) : 256;
  if (argc > 3 || in_size < 16 || out_size < 16 || out_size % 16 || out_size > MAX_OUT) {
    fprintf(stderr, "usage: resample_row [IN OUT] (IN >= 16, OUT a multiple of 16 up to %d)\n",
            MAX_OUT);
    return 2;
  }
  for (int x = 0; x < out_size; ++x) {
    double p = x * (double)(in_size - 1) / (out_size - 1);
    int a = (int)p < in_size - 2 ? (int)p : in_size - 2;
    i0[x] = a, i1[x] = a + 1;
    w1[x] = (float)(p - a), w0[x] = 1.0f - w1[x];
  }
  int permute = 1;
  for (int x = 0; x < out_size; x += 16) {
    int b = i0[x] < in_size - 16 ? i0[x] : in_size - 16;
    base[x / 16] = b;
    for (int k = x; k < x + 16; ++k) {
      r0[k] = i0[k] - b, r1[k] = i1[k] - b;
      if (r0[k] < 0 || r1[k] > 15)
        permute = 0;
    }
  }
  float *in = aligned_alloc(64, sizeof(float) * ROWS * in_size);
  float *out = aligned_alloc(64, sizeof(float) * ROWS * out_size);
  float *check = aligned_alloc(64, sizeof(float) * ROWS * out_size);
  if (!in || !out || !check) {
    fprintf(stderr, "resample_row: out of memory\n");
    return 1;
  }
  for (size_t i = 0; i < (size_t)ROWS * in_size; ++i)
    in[i] = (float)(i % 13) * 0.25f;
  run(0, in, check, in_size, out_size);
  static const char *names[] = {"scalar", "gather", "permute"};
  for (int way = 0; way < 3; ++way) {
    if (way == 2 && !permute) {
      printf("permute: the taps of a vector span more than 16 inputs\n");
      continue;
    }
    run(way, in, out, in_size, out_size);
    if (memcmp(out, check, sizeof(float) * ROWS * out_size)) {
      fprintf(stderr, "resample_row: %s differs from the scalar loop\n", names[way]);
      return 1;
    }
    double best = 1e30;
    for (int r = 0; r < RUNS; ++r) {
      double start = now();
      run(way, in, out, in_size, out_size);
      double t = now() - start;
      best = t < best ? t : best;
    }
    printf("%-7s %8.3f ms\n", names[way], best * 1e3);
  }
  return 0;
}

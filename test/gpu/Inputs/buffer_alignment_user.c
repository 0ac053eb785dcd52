/* Runs the model of Inputs/buffer_alignment.onnx.txt (y = x w, x 64 x 48,
 * w 48 x 128, float) through its header, with every input and output in
 * turn placed 4, 8 and 12 bytes past a 16-byte boundary, and prints one
 * line per placement: the status, and whether y holds the product (a
 * float64 reference, within 1e-4) or was left untouched.
 *
 * Built against a library that emulates the GPU kernels (kilnc
 * --emulate-gpu), NAME_run must refuse each misaligned placement with
 * KILN_ERROR_BUFFER_ALIGNMENT before it writes anything; against a CPU
 * build, which asks no alignment of its tensors, every placement runs.
 */
#include "ba.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { M = 64, K = 48, N = 128 };

static _Alignas(64) float x_storage[M * K + 4];
static _Alignas(64) float w_storage[K * N + 4];
static _Alignas(64) float y_storage[M * N + 4];

static const char *outcome(const float *x, const float *w, const float *y) {
  int untouched = 1, product = 1;
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double sum = 0.0;
      for (int k = 0; k < K; ++k)
        sum += (double)x[i * K + k] * w[k * N + j];
      untouched &= y[i * N + j] == -1.0f;
      product &= fabs(y[i * N + j] - sum) <= 1e-4 * (1.0 + fabs(sum));
    }
  return product ? "product" : untouched ? "untouched" : "WRONG";
}

static void run(const char *what, size_t x_offset, size_t w_offset, size_t y_offset,
                void *workspace) {
  float *x = x_storage + x_offset, *w = w_storage + w_offset, *y = y_storage + y_offset;
  for (int i = 0; i < M * K; ++i)
    x[i] = (float)((i * 7) % 13) / 8.0f - 0.75f;
  for (int i = 0; i < K * N; ++i)
    w[i] = (float)((i * 5) % 11) / 4.0f - 1.25f;
  for (int i = 0; i < M * N; ++i)
    y[i] = -1.0f;
  const void *inputs[2] = {x, w};
  void *outputs[1] = {y};
  int status = ba_run(inputs, outputs, workspace);
  printf("%s +%zu bytes: status %d (%s), y %s\n", what,
         (x_offset + w_offset + y_offset) * sizeof(float), status,
         ba_error_message(status), outcome(x, w, y));
}

int main(void) {
  void *workspace = ba_WORKSPACE_SIZE ? aligned_alloc(64, (ba_WORKSPACE_SIZE + 63) / 64 * 64) : NULL;
  run("aligned", 0, 0, 0, workspace);
  for (size_t offset = 1; offset < 4; ++offset) {
    run("x", offset, 0, 0, workspace);
    run("w", 0, offset, 0, workspace);
    run("y", 0, 0, offset, workspace);
  }
  free(workspace);
  return 0;
}

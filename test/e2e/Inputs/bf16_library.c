/* Runs the bf16 softmax model of bf16-library.test through its static
 * library and checks it against a softmax computed here in float on the
 * inputs rounded to bf16. The library's machine code converts float to bf16
 * through __truncsfbf2 (compiled without bf16 instructions); a wrong
 * conversion or a missing symbol fails here. */

#include "bfsm.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* float -> bf16 -> float, rounding to nearest even. */
static float bf16_round(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  bits = (bits + 0x7fffu + ((bits >> 16) & 1u)) & 0xffff0000u;
  float rounded;
  memcpy(&rounded, &bits, sizeof rounded);
  return rounded;
}

int main(void) {
  enum { ROWS = 4, COLS = 16 };
  float x[ROWS][COLS], y[ROWS][COLS];
  for (int i = 0; i < ROWS; ++i)
    for (int j = 0; j < COLS; ++j)
      x[i][j] = (float)((i * 7 + j * 5) % 23) / 4.0f - 2.5f + 0.001f * (float)j;
  void *workspace = aligned_alloc(bfsm_WORKSPACE_ALIGNMENT,
                                  bfsm_WORKSPACE_SIZE > 0 ? bfsm_WORKSPACE_SIZE
                                                          : bfsm_WORKSPACE_ALIGNMENT);
  const void *inputs[] = {x};
  void *outputs[] = {y};
  int status = bfsm_run(inputs, outputs, workspace);
  if (status != 0) {
    printf("FAIL: bfsm_run returned %d (%s)\n", status, bfsm_error_message(status));
    return 1;
  }
  double worst = 0;
  for (int i = 0; i < ROWS; ++i) {
    float max = -INFINITY, sum = 0;
    for (int j = 0; j < COLS; ++j)
      max = fmaxf(max, bf16_round(x[i][j]));
    for (int j = 0; j < COLS; ++j)
      sum += expf(bf16_round(x[i][j]) - max);
    for (int j = 0; j < COLS; ++j) {
      float expected = expf(bf16_round(x[i][j]) - max) / sum;
      /* bf16 keeps 8 significant bits: a few roundings on the way. */
      double error = fabs(y[i][j] - expected) / (fabs(expected) + 1e-3);
      if (error > worst)
        worst = error;
    }
  }
  free(workspace);
  printf("relative error %.4f: %s\n", worst, worst < 0.03 ? "ok" : "FAIL");
  return worst < 0.03 ? 0 : 1;
}

/* Two compiled models in one program (c-api.test): capi (cases.py's
 * c_api_model) and gemm (gemm_no_c: Y = 2 * A B with A 9x11, B 11x3). Each
 * library carries its own copy of the runtime, so linking both must not
 * clash, and each model keeps its own thread count. Both results are
 * recomputed here. Prints each failure and a summary line.
 */
#include "capi.h"
#include "gemm.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../Inputs/kiln_check.h"

_Static_assert(gemm_NUM_INPUTS == 2 && gemm_NUM_OUTPUTS == 1, "gemm tensors");
_Static_assert(gemm_INPUT0_DIM0 == 9 && gemm_INPUT0_DIM1 == 11 &&
                   gemm_INPUT1_DIM0 == 11 && gemm_INPUT1_DIM1 == 3 &&
                   gemm_OUTPUT0_DIM0 == 9 && gemm_OUTPUT0_DIM1 == 3,
               "gemm shapes");
_Static_assert(capi_NUM_INPUTS == 3 && capi_NUM_OUTPUTS == 3, "capi tensors");

static void *alloc_workspace(size_t bytes) {
  void *workspace = aligned_alloc(64, (bytes + 64) / 64 * 64);
  if (!workspace) {
    printf("FAIL: cannot allocate a workspace\n");
    exit(1);
  }
  return workspace;
}

static void check_gemm(void) {
  static float a[9 * 11], b[11 * 3], y[9 * 3];
  const void *inputs[2] = {a, b};
  void *outputs[1] = {y};
  void *workspace = alloc_workspace(gemm_workspace_size());
  int i, j, k, bad = 0;
  for (i = 0; i < 9 * 11; ++i)
    a[i] = (float)(i % 13) * 0.25f - 1.5f;
  for (i = 0; i < 11 * 3; ++i)
    b[i] = (float)(i % 5) * 0.5f - 1.0f;
  CHECK(gemm_run(inputs, outputs, workspace) == KILN_OK);
  for (i = 0; i < 9; ++i)
    for (j = 0; j < 3; ++j) {
      double sum = 0;
      for (k = 0; k < 11; ++k)
        sum += (double)a[i * 11 + k] * b[k * 3 + j];
      bad += fabs(y[i * 3 + j] - 2 * sum) > 1e-5;
    }
  CHECK(bad == 0);
  free(workspace);
}

static void check_capi(void) {
  static float x[2 * 96 * 128], bias[128], activation[2 * 96 * 128],
      row_sums[2 * 96 * 3];
  static int64_t ids[5] = {1, -2, 3, -4, (int64_t)1 << 50}, doubled[5];
  const void *inputs[3] = {x, bias, ids};
  void *outputs[3] = {activation, row_sums, doubled};
  void *workspace = alloc_workspace(capi_workspace_size());
  int i, bad = 0;
  for (i = 0; i < 2 * 96 * 128; ++i)
    x[i] = (float)(i % 17) * 0.125f - 1.0f;
  for (i = 0; i < 128; ++i)
    bias[i] = (float)(i % 3) * 0.5f - 0.5f;
  CHECK(capi_run(inputs, outputs, workspace) == KILN_OK);
  for (i = 0; i < 2 * 96 * 128; ++i) {
    float want = x[i] + bias[i % 128];
    bad += activation[i] != (want > 0 ? want : 0);
  }
  CHECK(bad == 0);
  for (i = 0; i < 5; ++i)
    CHECK(doubled[i] == 2 * ids[i]);
  free(workspace);
}

int main(void) {
  int gemm_threads = gemm_get_num_threads();

  /* Each model has its own pool: setting one leaves the other alone. */
  CHECK(capi_set_num_threads(3) == KILN_OK);
  CHECK(capi_get_num_threads() == 3);
  CHECK(gemm_get_num_threads() == gemm_threads);
  CHECK(gemm_set_num_threads(1) == KILN_OK);
  CHECK(capi_get_num_threads() == 3);

  check_gemm();
  check_capi();
  check_gemm();

  CHECK(strcmp(capi_error_message(KILN_ERROR_NULL_ARGUMENT),
               gemm_error_message(KILN_ERROR_NULL_ARGUMENT)) == 0);

  printf("checks: %d failures: %d\n", checks, failures);
  return failures != 0;
}

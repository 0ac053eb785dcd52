/* Probes the GPU library `kiln-target-test library --gpu ARCH` builds,
 * through its header: ktm_run refuses with KILN_ERROR_WRONG_TARGET, the
 * ktm_gpu_* functions check their arguments, and
 *
 *   gpu_check_model no-driver   ktm_gpu_create fails softly: no CUDA driver
 *   gpu_check_model device      a context on device 0 (the fake driver or a
 *                               GPU) runs the stand-in model: output k is
 *                               input k, output 2 the weights' 42.5
 *
 * Prints each failure and a summary line.
 */
#include "ktm.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../../Inputs/kiln_check.h"

static void check_common(void) {
  CHECK(ktm_run(NULL, NULL, NULL) == KILN_ERROR_WRONG_TARGET);
  CHECK(strstr(ktm_error_message(KILN_ERROR_WRONG_TARGET), "GPU") != NULL);
  CHECK(strncmp(ktm_GPU_ARCH, "sm_", 3) == 0);
  CHECK(ktm_workspace_size() == ktm_WORKSPACE_SIZE);
  CHECK(ktm_gpu_create(0, NULL) == KILN_ERROR_NULL_ARGUMENT);
  CHECK(ktm_gpu_run(NULL, NULL, NULL, NULL) == KILN_ERROR_NULL_ARGUMENT);
  CHECK(ktm_gpu_run_host(NULL, NULL, NULL) == KILN_ERROR_NULL_ARGUMENT);
  ktm_gpu_destroy(NULL);
}

static void check_no_driver(void) {
  ktm_gpu_context *ctx = (ktm_gpu_context *)&checks;
  CHECK(ktm_gpu_create(0, &ctx) == KILN_ERROR_NO_DEVICE);
  CHECK(ctx == NULL);
  CHECK(strstr(ktm_gpu_last_error(NULL), "libcuda.so.1") != NULL);
  printf("create: %s\n", ktm_gpu_last_error(NULL));
}

static void check_device(void) {
  ktm_gpu_context *ctx = NULL;
  int status = ktm_gpu_create(0, &ctx);
  CHECK(status == KILN_OK && ctx != NULL);
  if (status != KILN_OK) {
    printf("create: %s\n", ktm_gpu_last_error(NULL));
    return;
  }
  CHECK(strcmp(ktm_gpu_last_error(ctx), "") == 0);

  float x[6] = {1.5f, -2.0f, 3.25f, 0.0f, 1e30f, -7.0f};
  int64_t ids[4] = {INT64_MIN, -1, 0, INT64_MAX};
  double scale = -1.0;
  unsigned char mask[3] = {1, 0, 1};
  float y[6] = {0};
  int64_t ids_copy[4] = {0};
  double scale_out = 0.0;
  unsigned char mask_out[3] = {9, 9, 9};
  const void *inputs[4] = {x, ids, &scale, mask};
  void *outputs[4] = {y, ids_copy, &scale_out, mask_out};

  status = ktm_gpu_run_host(ctx, inputs, outputs);
  CHECK(status == KILN_OK);
  if (status != KILN_OK)
    printf("run_host: %s\n", ktm_gpu_last_error(ctx));
  CHECK(memcmp(x, y, sizeof x) == 0);
  CHECK(memcmp(ids, ids_copy, sizeof ids) == 0);
  CHECK(scale_out == 42.5); /* from the weights, through the workspace */
  CHECK(memcmp(mask, mask_out, sizeof mask) == 0);

  const void *missing[4] = {x, ids, NULL, mask};
  CHECK(ktm_gpu_run_host(ctx, missing, outputs) == KILN_ERROR_NULL_ARGUMENT);
  CHECK(ktm_gpu_run_host(ctx, inputs, NULL) == KILN_ERROR_NULL_ARGUMENT);
  CHECK(ktm_gpu_run(ctx, NULL, outputs, NULL) == KILN_ERROR_NULL_ARGUMENT);
  CHECK(ktm_gpu_run(ctx, missing, outputs, NULL) == KILN_ERROR_NULL_ARGUMENT);
  ktm_gpu_destroy(ctx);
}

int main(int argc, char **argv) {
  const char *mode = argc == 2 ? argv[1] : "";
  check_common();
  if (strcmp(mode, "no-driver") == 0)
    check_no_driver();
  else if (strcmp(mode, "device") == 0)
    check_device();
  else {
    printf("usage: gpu_check_model no-driver|device\n");
    return 2;
  }
  printf("checks: %d failures: %d\n", checks, failures);
  return failures != 0;
}

/* Probes the GPU library `kiln-target-test library --gpu ARCH` builds,
 * through its header: ktm_run refuses with KILN_ERROR_WRONG_TARGET, the
 * ktm_gpu_* functions check their arguments, and
 *
 *   gpu_check_model no-driver   ktm_gpu_create fails softly: no CUDA driver
 *   gpu_check_model fake-driver a context on the fake driver's device 0
 *                               (test/runtime/gpu_fake_driver.c, whose
 *                               device addresses are host addresses) runs
 *                               the stand-in model: output k is input k,
 *                               output 2 the weights' 42.5, on host buffers
 *                               and on "device" buffers of the caller's
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

/* ktm_gpu_run on buffers of the caller's: each tensor must start at a
 * multiple of ktm_BUFFER_ALIGNMENT, or nothing runs. The fake driver's
 * device addresses are host addresses, so the buffers are host arrays. */
static void check_device_buffers(ktm_gpu_context *ctx) {
  enum { kSlack = ktm_BUFFER_ALIGNMENT };
  _Alignas(ktm_BUFFER_ALIGNMENT) unsigned char in[4][64 + kSlack];
  _Alignas(ktm_BUFFER_ALIGNMENT) unsigned char out[4][64 + kSlack];
  _Static_assert(ktm_BUFFER_ALIGNMENT == 16, "the contract of kiln/runtime.h");
  _Static_assert(ktm_INPUT0_BYTES <= 64 && ktm_INPUT1_BYTES <= 64, "room");
  const void *inputs[4];
  void *outputs[4];
  for (int i = 0; i < 4; ++i) {
    memset(in[i], i + 1, sizeof in[i]);
    inputs[i] = in[i];
    outputs[i] = out[i];
  }
  /* Each tensor in turn 4 bytes (then 8) past an aligned address. */
  for (size_t offset = 4; offset < ktm_BUFFER_ALIGNMENT; offset *= 2)
    for (int i = 0; i < 8; ++i) {
      const void *shifted_inputs[4] = {inputs[0], inputs[1], inputs[2], inputs[3]};
      void *shifted_outputs[4] = {outputs[0], outputs[1], outputs[2], outputs[3]};
      if (i < 4)
        shifted_inputs[i] = in[i] + offset;
      else
        shifted_outputs[i - 4] = out[i - 4] + offset;
      memset(out, 0, sizeof out);
      CHECK(ktm_gpu_run(ctx, shifted_inputs, shifted_outputs, NULL) ==
            KILN_ERROR_BUFFER_ALIGNMENT);
      CHECK(out[0][0] == 0 && out[1][0] == 0 && out[0][offset] == 0); /* nothing ran */
    }
  CHECK(strstr(ktm_error_message(KILN_ERROR_BUFFER_ALIGNMENT), "16-byte aligned") != NULL);
  CHECK(ktm_gpu_run(ctx, inputs, outputs, NULL) == KILN_OK);
  CHECK(memcmp(in[0], out[0], ktm_INPUT0_BYTES) == 0);
  CHECK(memcmp(in[1], out[1], ktm_INPUT1_BYTES) == 0);
  double weight;
  memcpy(&weight, out[2], sizeof weight);
  CHECK(weight == 42.5);
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
  check_device_buffers(ctx);
  ktm_gpu_destroy(ctx);
}

int main(int argc, char **argv) {
  const char *mode = argc == 2 ? argv[1] : "";
  check_common();
  if (strcmp(mode, "no-driver") == 0)
    check_no_driver();
  else if (strcmp(mode, "fake-driver") == 0)
    check_device();
  else {
    printf("usage: gpu_check_model no-driver|fake-driver\n");
    return 2;
  }
  printf("checks: %d failures: %d\n", checks, failures);
  return failures != 0;
}

/* Runs a GPU build of the model compiled with `kilnc --gpu sm_80 --bind
 * shape=...` through its header, against the fake CUDA driver (whose device
 * memory is host memory and whose launches run nothing): with the bound value
 * both run functions return KILN_OK; with another value both refuse with
 * KILN_ERROR_BOUND_INPUT, NAME_gpu_run after reading the value back from
 * the device. */
#include "gbound.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../../Inputs/kiln_check.h"

int main(void) {
  /* Device buffers (here host arrays) aligned as gbound_gpu_run asks. */
  static _Alignas(gbound_BUFFER_ALIGNMENT) float x[24], y[24];
  _Alignas(gbound_BUFFER_ALIGNMENT) int64_t shape[2] = {4, 6};
  _Alignas(gbound_BUFFER_ALIGNMENT) int64_t other[2] = {6, 4};
  gbound_gpu_context *ctx = NULL;
  int status = gbound_gpu_create(0, &ctx);
  CHECK(status == KILN_OK);
  if (status != KILN_OK) {
    printf("create: %s\n", gbound_gpu_last_error(NULL));
    return 1;
  }

  const void *inputs[2] = {x, shape};
  void *outputs[1] = {y};
  CHECK(gbound_gpu_run_host(ctx, inputs, outputs) == KILN_OK);
  inputs[1] = other;
  CHECK(gbound_gpu_run_host(ctx, inputs, outputs) == KILN_ERROR_BOUND_INPUT);

  /* The fake driver's device pointers are host pointers. */
  inputs[1] = shape;
  CHECK(gbound_gpu_run(ctx, inputs, outputs, NULL) == KILN_OK);
  inputs[1] = other;
  CHECK(gbound_gpu_run(ctx, inputs, outputs, NULL) == KILN_ERROR_BOUND_INPUT);
  CHECK(strcmp(gbound_gpu_last_error(ctx), "") == 0);

  gbound_gpu_destroy(ctx);
  printf("checks: %d failures: %d\n", checks, failures);
  return failures != 0;
}

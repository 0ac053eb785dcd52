/* Runs a model compiled with `kilnc --bind shape=...` through its header:
 * with the bound value the model computes; with another value NAME_run
 * refuses with KILN_ERROR_BOUND_INPUT and leaves the outputs alone. */
#include "bound.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../Inputs/kiln_check.h"

/* The binding fixed the output shape. */
_Static_assert(bound_OUTPUT0_RANK == 2 && bound_OUTPUT0_DIM0 == 4 &&
                   bound_OUTPUT0_DIM1 == 6,
               "output shape from the bound input");

int main(void) {
  float x[24], y[24];
  int64_t shape[2] = {4, 6};
  int64_t other[2] = {6, 4};
  for (int i = 0; i < 24; ++i)
    x[i] = (float)i;
  size_t size = (bound_workspace_size() + 63) / 64 * 64;
  void *workspace = size ? aligned_alloc(64, size) : NULL;
  const void *inputs[2] = {x, shape};
  void *outputs[1] = {y};

  CHECK(bound_run(inputs, outputs, workspace) == KILN_OK);
  for (int i = 0; i < 24; ++i)
    CHECK(y[i] == 2.0f * (float)i);

  memset(y, 0, sizeof y);
  inputs[1] = other;
  int status = bound_run(inputs, outputs, workspace);
  CHECK(status == KILN_ERROR_BOUND_INPUT);
  CHECK(strstr(bound_error_message(status), "--bind") != NULL);
  CHECK(y[5] == 0.0f);

  free(workspace);
  printf("checks: %d failures: %d\n", checks, failures);
  return failures != 0;
}

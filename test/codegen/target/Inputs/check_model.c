/* Probes the library `kiln-target-test library` builds through its header:
 * the introspection tables against values written here by hand (not taken
 * from the header, so a header and a library that are wrong the same way
 * still fail), the header's macros, the argument checks of ktm_run, and the
 * forwarding to the (stub) runtime. Prints each failure and a summary line.
 */
#include "ktm.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../Inputs/kiln_check.h"

struct expected_tensor {
  const char *name;
  int type;
  int rank;
  int64_t shape[2];
  size_t bytes;
};

static const struct expected_tensor expected_inputs[4] = {
    {"x/in:0", 1, 2, {2, 3}, 24},
    {"ids \"q\" */ \\ ?\?/ \xce\xbb\n", 7, 1, {4, 0}, 32},
    {"scale", 11, 0, {0, 0}, 8},
    {"mask", 9, 1, {3, 0}, 3},
};

static const struct expected_tensor expected_outputs[4] = {
    {"y/out", 1, 2, {2, 3}, 24},
    {"ids.copy", 7, 2, {2, 2}, 32},
    {"scale out", 11, 0, {0, 0}, 8},
    {"/*mask*/", 9, 1, {3, 0}, 3},
};

static void check_tensor(const struct expected_tensor *want, const char *name,
                         int type, int rank, const int64_t *shape,
                         size_t bytes) {
  int d;
  CHECK(name && strcmp(name, want->name) == 0);
  CHECK(type == want->type);
  CHECK(rank == want->rank);
  CHECK(shape != NULL); /* also for scalars */
  for (d = 0; shape && d < want->rank; ++d)
    CHECK(shape[d] == want->shape[d]);
  CHECK(bytes == want->bytes);
}

static void check_tables(void) {
  static const int out_of_range[] = {-1, 4, 5, INT_MIN, INT_MAX};
  int i;
  CHECK(ktm_num_inputs() == 4 && ktm_NUM_INPUTS == 4);
  CHECK(ktm_num_outputs() == 4 && ktm_NUM_OUTPUTS == 4);
  CHECK(ktm_workspace_size() == 256 && ktm_WORKSPACE_SIZE == 256);
  CHECK(ktm_WORKSPACE_ALIGNMENT == 64);
  for (i = 0; i < 4; ++i) {
    check_tensor(&expected_inputs[i], ktm_input_name(i), ktm_input_type(i),
                 ktm_input_rank(i), ktm_input_shape(i), ktm_input_size(i));
    check_tensor(&expected_outputs[i], ktm_output_name(i), ktm_output_type(i),
                 ktm_output_rank(i), ktm_output_shape(i), ktm_output_size(i));
  }
  for (i = 0; i < (int)(sizeof(out_of_range) / sizeof(int)); ++i) {
    int k = out_of_range[i];
    CHECK(ktm_input_name(k) == NULL && ktm_output_name(k) == NULL);
    CHECK(ktm_input_type(k) == 0 && ktm_output_type(k) == 0);
    CHECK(ktm_input_rank(k) == -1 && ktm_output_rank(k) == -1);
    CHECK(ktm_input_shape(k) == NULL && ktm_output_shape(k) == NULL);
    CHECK(ktm_input_size(k) == 0 && ktm_output_size(k) == 0);
  }
}

static void check_macros(void) {
  CHECK(strcmp(ktm_INPUT0_NAME, expected_inputs[0].name) == 0);
  CHECK(strcmp(ktm_INPUT1_NAME, expected_inputs[1].name) == 0);
  CHECK(strcmp(ktm_OUTPUT3_NAME, expected_outputs[3].name) == 0);
  CHECK(ktm_INPUT0_TYPE == KILN_DTYPE_FLOAT32 && ktm_INPUT0_RANK == 2);
  CHECK(ktm_INPUT0_DIM0 == 2 && ktm_INPUT0_DIM1 == 3);
  CHECK(ktm_INPUT0_SIZE == 6 && ktm_INPUT0_BYTES == 24);
  CHECK(ktm_INPUT1_TYPE == KILN_DTYPE_INT64 && ktm_INPUT1_SIZE == 4);
  CHECK(ktm_INPUT2_TYPE == KILN_DTYPE_FLOAT64 && ktm_INPUT2_RANK == 0);
  CHECK(ktm_INPUT2_SIZE == 1 && ktm_INPUT2_BYTES == 8);
  CHECK(ktm_INPUT3_TYPE == KILN_DTYPE_BOOL && ktm_INPUT3_BYTES == 3);
  CHECK(ktm_OUTPUT1_RANK == 2 && ktm_OUTPUT1_DIM1 == 2);
  CHECK(ktm_OUTPUT1_BYTES == 32);
  CHECK(KILN_OK == 0 && KILN_ERROR_NULL_ARGUMENT == 1);
  CHECK(KILN_ERROR_WORKSPACE_ALIGNMENT == 2);
  CHECK(KILN_ERROR_INVALID_THREAD_COUNT == 3);
  CHECK(KILN_DTYPE_BFLOAT16 == 16 && KILN_DTYPE_UINT64 == 13);
}

/* Every run that fails its checks must return before touching the outputs
 * or the workspace. */
static float x[6] = {1, 2, 3, 4, 5, 6};
static int64_t ids[4] = {10, -20, 30, -40};
static double scale = 0.25;
static unsigned char mask[3] = {1, 0, 1};
static float y[6];
static int64_t ids_copy[4];
static double scale_out;
static unsigned char mask_out[3];

static void clear_outputs(void) {
  memset(y, 0x7f, sizeof(y));
  memset(ids_copy, 0x7f, sizeof(ids_copy));
  memset(&scale_out, 0x7f, sizeof(scale_out));
  memset(mask_out, 0x7f, sizeof(mask_out));
}

static int outputs_untouched(const unsigned char *workspace) {
  size_t i;
  for (i = 0; i < sizeof(y); ++i)
    if (((const unsigned char *)y)[i] != 0x7f)
      return 0;
  for (i = 0; i < 256; ++i)
    if (workspace[i] != 0)
      return 0;
  return mask_out[0] == 0x7f;
}

static void check_run(void) {
  const void *inputs[4];
  void *outputs[4];
  unsigned char *block = aligned_alloc(64, 512);
  unsigned char *workspace = block;
  int k;
  inputs[0] = x;
  inputs[1] = ids;
  inputs[2] = &scale;
  inputs[3] = mask;
  outputs[0] = y;
  outputs[1] = ids_copy;
  outputs[2] = &scale_out;
  outputs[3] = mask_out;

#define EXPECT_REJECTED(call, status)                                          \
  do {                                                                         \
    clear_outputs();                                                           \
    memset(block, 0, 512);                                                     \
    CHECK((call) == (status));                                                 \
    CHECK(outputs_untouched(workspace));                                       \
  } while (0)

  EXPECT_REJECTED(ktm_run(NULL, outputs, workspace), KILN_ERROR_NULL_ARGUMENT);
  EXPECT_REJECTED(ktm_run(inputs, NULL, workspace), KILN_ERROR_NULL_ARGUMENT);
  EXPECT_REJECTED(ktm_run(inputs, outputs, NULL), KILN_ERROR_NULL_ARGUMENT);
  for (k = 0; k < 4; ++k) {
    const void *saved_input = inputs[k];
    void *saved_output = outputs[k];
    inputs[k] = NULL;
    EXPECT_REJECTED(ktm_run(inputs, outputs, workspace),
                    KILN_ERROR_NULL_ARGUMENT);
    inputs[k] = saved_input;
    outputs[k] = NULL;
    EXPECT_REJECTED(ktm_run(inputs, outputs, workspace),
                    KILN_ERROR_NULL_ARGUMENT);
    outputs[k] = saved_output;
  }
  /* Misaligned by every power of two below 64, and NULL beats misaligned. */
  for (k = 1; k < 64; k *= 2) {
    workspace = block + k;
    EXPECT_REJECTED(ktm_run(inputs, outputs, workspace),
                    KILN_ERROR_WORKSPACE_ALIGNMENT);
  }
  workspace = block;
  inputs[0] = NULL;
  EXPECT_REJECTED(ktm_run(inputs, outputs, block + 8),
                  KILN_ERROR_NULL_ARGUMENT);
  inputs[0] = x;

  /* Any 64-byte aligned workspace works, and the stand-in compute copies
   * every input to its output and fills the workspace. */
  for (k = 0; k <= 64; k += 64) {
    clear_outputs();
    workspace = block + k;
    memset(block, 0, 512);
    CHECK(ktm_run(inputs, outputs, workspace) == KILN_OK);
    CHECK(memcmp(y, x, sizeof(x)) == 0);
    CHECK(memcmp(ids_copy, ids, sizeof(ids)) == 0);
    CHECK(scale_out == scale);
    CHECK(memcmp(mask_out, mask, sizeof(mask)) == 0);
    CHECK(workspace[0] == 0xab && workspace[255] == 0xab);
  }
  free(block);
}

static void check_runtime_forwarding(void) {
  CHECK(strcmp(ktm_error_message(KILN_ERROR_WORKSPACE_ALIGNMENT),
               "stub message 2") == 0);
  CHECK(strcmp(ktm_error_message(0), "stub message 0") == 0);
  CHECK(strcmp(ktm_error_message(-5), "stub message unknown") == 0);
  CHECK(ktm_set_num_threads(5) == KILN_OK);
  CHECK(ktm_get_num_threads() == 5);
  CHECK(ktm_set_num_threads(0) == KILN_ERROR_INVALID_THREAD_COUNT);
  CHECK(ktm_set_num_threads(257) == KILN_ERROR_INVALID_THREAD_COUNT);
  CHECK(ktm_get_num_threads() == 5);
}

int main(void) {
  check_tables();
  check_macros();
  check_run();
  check_runtime_forwarding();
  printf("checks: %d failures: %d\n", checks, failures);
  return failures != 0;
}

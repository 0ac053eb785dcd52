/* Uses a compiled model exactly as an application would: through capi.h and
 * libcapi.a only (c-api.test builds the model from cases.py's c_api_model).
 *
 * Checked: the header's macros (at compile time) and the introspection
 * functions against values written here by hand; the outputs against a C
 * recomputation; the argument checks of capi_run and their messages; the
 * thread count settings; and two threads running the model concurrently with
 * their own workspaces, whose results must equal a 1-thread run bit for bit.
 * Prints each failure and a summary line; exits 1 if anything failed.
 */
#include "capi.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../Inputs/kiln_check.h"

/*--- The header, at compile time ------------------------------------------*/

_Static_assert(capi_ABI_VERSION == 2, "ABI version");
_Static_assert(capi_NUM_INPUTS == 3 && capi_NUM_OUTPUTS == 3, "tensor count");
_Static_assert(capi_WORKSPACE_ALIGNMENT == 64, "workspace alignment");
_Static_assert(capi_WORKSPACE_SIZE > 0, "the model needs workspace");
_Static_assert(capi_INPUT0_TYPE == KILN_DTYPE_FLOAT32 &&
                   capi_INPUT0_RANK == 3 && capi_INPUT0_DIM0 == 2 &&
                   capi_INPUT0_DIM1 == 96 && capi_INPUT0_DIM2 == 128 &&
                   capi_INPUT0_SIZE == 24576 && capi_INPUT0_BYTES == 98304,
               "input 0");
_Static_assert(capi_INPUT1_TYPE == KILN_DTYPE_FLOAT32 &&
                   capi_INPUT1_RANK == 1 && capi_INPUT1_DIM0 == 128 &&
                   capi_INPUT1_SIZE == 128 && capi_INPUT1_BYTES == 512,
               "input 1");
_Static_assert(capi_INPUT2_TYPE == KILN_DTYPE_INT64 && capi_INPUT2_RANK == 1 &&
                   capi_INPUT2_DIM0 == 5 && capi_INPUT2_SIZE == 5 &&
                   capi_INPUT2_BYTES == 40,
               "input 2");
_Static_assert(capi_OUTPUT0_TYPE == KILN_DTYPE_FLOAT32 &&
                   capi_OUTPUT0_RANK == 3 && capi_OUTPUT0_DIM0 == 2 &&
                   capi_OUTPUT0_DIM1 == 96 && capi_OUTPUT0_DIM2 == 128 &&
                   capi_OUTPUT0_SIZE == 24576 && capi_OUTPUT0_BYTES == 98304,
               "output 0");
_Static_assert(capi_OUTPUT1_TYPE == KILN_DTYPE_FLOAT32 &&
                   capi_OUTPUT1_RANK == 3 && capi_OUTPUT1_DIM0 == 2 &&
                   capi_OUTPUT1_DIM1 == 96 && capi_OUTPUT1_DIM2 == 3 &&
                   capi_OUTPUT1_SIZE == 576 && capi_OUTPUT1_BYTES == 2304,
               "output 1");
_Static_assert(capi_OUTPUT2_TYPE == KILN_DTYPE_INT64 &&
                   capi_OUTPUT2_RANK == 1 && capi_OUTPUT2_DIM0 == 5 &&
                   capi_OUTPUT2_SIZE == 5 && capi_OUTPUT2_BYTES == 40,
               "output 2");
_Static_assert(KILN_OK == 0 && KILN_ERROR_NULL_ARGUMENT != KILN_OK &&
                   KILN_ERROR_WORKSPACE_ALIGNMENT != KILN_OK &&
                   KILN_ERROR_INVALID_THREAD_COUNT != KILN_OK,
               "status codes");

/*--- Introspection ----------------------------------------------------------*/

struct expected_tensor {
  const char *name;
  int type;
  int rank;
  int64_t shape[3];
  size_t bytes;
};

static const struct expected_tensor expected_inputs[3] = {
    {"x:0", 1, 3, {2, 96, 128}, 98304},
    {"bias", 1, 1, {128}, 512},
    {"ids", 7, 1, {5}, 40},
};

static const struct expected_tensor expected_outputs[3] = {
    {"activation", 1, 3, {2, 96, 128}, 98304},
    {"row_sums", 1, 3, {2, 96, 3}, 2304},
    {"ids_doubled", 7, 1, {5}, 40},
};

static void check_tensor(const struct expected_tensor *want, const char *name,
                         int type, int rank, const int64_t *shape,
                         size_t bytes) {
  int d;
  CHECK(name && strcmp(name, want->name) == 0);
  CHECK(type == want->type);
  CHECK(rank == want->rank);
  CHECK(shape != NULL);
  for (d = 0; shape && d < want->rank; ++d)
    CHECK(shape[d] == want->shape[d]);
  CHECK(bytes == want->bytes);
}

static void check_introspection(void) {
  static const int out_of_range[] = {-1, 3, INT_MIN, INT_MAX};
  int i;
  CHECK(strcmp(capi_INPUT0_NAME, "x:0") == 0);
  CHECK(strcmp(capi_OUTPUT2_NAME, "ids_doubled") == 0);
  CHECK(capi_num_inputs() == 3 && capi_num_outputs() == 3);
  CHECK(capi_workspace_size() == capi_WORKSPACE_SIZE);
  for (i = 0; i < 3; ++i) {
    check_tensor(&expected_inputs[i], capi_input_name(i), capi_input_type(i),
                 capi_input_rank(i), capi_input_shape(i), capi_input_size(i));
    check_tensor(&expected_outputs[i], capi_output_name(i),
                 capi_output_type(i), capi_output_rank(i),
                 capi_output_shape(i), capi_output_size(i));
  }
  for (i = 0; i < (int)(sizeof(out_of_range) / sizeof(int)); ++i) {
    int k = out_of_range[i];
    CHECK(capi_input_name(k) == NULL && capi_output_name(k) == NULL);
    CHECK(capi_input_type(k) == 0 && capi_output_type(k) == 0);
    CHECK(capi_input_rank(k) == -1 && capi_output_rank(k) == -1);
    CHECK(capi_input_shape(k) == NULL && capi_output_shape(k) == NULL);
    CHECK(capi_input_size(k) == 0 && capi_output_size(k) == 0);
  }
}

/*--- Running ----------------------------------------------------------------*/

#define N 2
#define M 96
#define K 128

static float x[N * M * K];
static float bias[K];
static int64_t ids[5];

struct outputs {
  float activation[N * M * K];
  float row_sums[N * M * 3];
  int64_t ids_doubled[5];
};

static void *alloc_workspace(void) {
  /* One alignment unit more than needed, for the misaligned checks. */
  size_t size = (capi_workspace_size() + 2 * 64 - 1) / 64 * 64;
  void *workspace = aligned_alloc(64, size);
  if (!workspace) {
    printf("FAIL: cannot allocate the workspace\n");
    exit(1);
  }
  return workspace;
}

static int run(struct outputs *out, void *workspace) {
  const void *inputs[3] = {x, bias, ids};
  void *outputs[3] = {out->activation, out->row_sums, out->ids_doubled};
  return capi_run(inputs, outputs, workspace);
}

static void make_inputs(void) {
  /* A fixed pseudo-random sequence (xorshift): values in [-2, 2). */
  uint32_t state = 12345;
  size_t i;
  for (i = 0; i < N * M * K; ++i) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    x[i] = (float)(state % 4096) / 1024.0f - 2.0f;
  }
  for (i = 0; i < K; ++i)
    bias[i] = (float)((int)(i % 7) - 3) * 0.375f;
  ids[0] = 0;
  ids[1] = -1;
  ids[2] = (int64_t)1 << 40;
  ids[3] = -((int64_t)1 << 61);
  ids[4] = 123456789;
}

/* The outputs recomputed: Relu(x + bias) is one rounding either way, so
 * exact; the row sums only within float32 summation error. */
static void check_outputs(const struct outputs *out) {
  int n, m, k, c, bad_activation = 0, bad_sums = 0;
  for (n = 0; n < N; ++n)
    for (m = 0; m < M; ++m) {
      double sum = 0, magnitude = 0;
      for (k = 0; k < K; ++k) {
        size_t i = ((size_t)n * M + m) * K + k;
        float want = x[i] + bias[k];
        want = want > 0 ? want : 0;
        bad_activation += out->activation[i] != want;
        sum += want;
        magnitude += fabs(want);
      }
      for (c = 0; c < 3; ++c) {
        double got = out->row_sums[(n * M + m) * 3 + c];
        bad_sums += fabs(got - sum) > 2e-5 * magnitude + 1e-6;
      }
    }
  CHECK(bad_activation == 0);
  CHECK(bad_sums == 0);
  for (k = 0; k < 5; ++k)
    CHECK(out->ids_doubled[k] == 2 * ids[k]);
}

static struct outputs reference, scratch;

static void check_argument_errors(void *workspace) {
  const void *inputs[3] = {x, bias, ids};
  void *outputs[3] = {scratch.activation, scratch.row_sums,
                      scratch.ids_doubled};
  const void *inputs_with_null[3] = {x, NULL, ids};
  void *outputs_with_null[3] = {scratch.activation, scratch.row_sums, NULL};
  const char *message;
  int offset;

  CHECK(capi_run(NULL, outputs, workspace) == KILN_ERROR_NULL_ARGUMENT);
  CHECK(capi_run(inputs, NULL, workspace) == KILN_ERROR_NULL_ARGUMENT);
  CHECK(capi_run(inputs_with_null, outputs, workspace) ==
        KILN_ERROR_NULL_ARGUMENT);
  CHECK(capi_run(inputs, outputs_with_null, workspace) ==
        KILN_ERROR_NULL_ARGUMENT);
  CHECK(capi_run(inputs, outputs, NULL) == KILN_ERROR_NULL_ARGUMENT);
  for (offset = 1; offset < 64; offset *= 2)
    CHECK(capi_run(inputs, outputs, (char *)workspace + offset) ==
          KILN_ERROR_WORKSPACE_ALIGNMENT);
  {
    /* An output over an input, over another output, or sharing its last
     * byte with one: refused before anything is written. Buffers that only
     * touch (one ends where the next begins) are fine. */
    void *over_input[3] = {x, scratch.row_sums, scratch.ids_doubled};
    void *same_output[3] = {scratch.activation, scratch.activation,
                            scratch.ids_doubled};
    void *last_byte[3] = {scratch.activation,
                          (char *)scratch.activation + sizeof scratch.activation - 1,
                          scratch.ids_doubled};
    static float adjacent[N * M * K + N * M * 3];
    void *touching[3] = {adjacent, adjacent + N * M * K, scratch.ids_doubled};
    CHECK(capi_run(inputs, over_input, workspace) ==
          KILN_ERROR_OVERLAPPING_BUFFERS);
    CHECK(capi_run(inputs, same_output, workspace) ==
          KILN_ERROR_OVERLAPPING_BUFFERS);
    CHECK(capi_run(inputs, last_byte, workspace) ==
          KILN_ERROR_OVERLAPPING_BUFFERS);
    CHECK(capi_run(inputs, touching, workspace) == KILN_OK);
    message = capi_error_message(KILN_ERROR_OVERLAPPING_BUFFERS);
    CHECK(message && strstr(message, "overlaps"));
  }

  message = capi_error_message(KILN_ERROR_NULL_ARGUMENT);
  CHECK(message && strstr(message, "NULL"));
  message = capi_error_message(KILN_ERROR_WORKSPACE_ALIGNMENT);
  CHECK(message && strstr(message, "align"));
  message = capi_error_message(KILN_ERROR_INVALID_THREAD_COUNT);
  CHECK(message && strstr(message, "thread"));
  CHECK(capi_error_message(KILN_OK) != NULL);
  CHECK(capi_error_message(-1) && *capi_error_message(-1));
  CHECK(capi_error_message(INT_MAX) && *capi_error_message(INT_MAX));
  CHECK(strcmp(capi_error_message(KILN_ERROR_NULL_ARGUMENT),
               capi_error_message(KILN_ERROR_WORKSPACE_ALIGNMENT)) != 0);
}

static void check_threads(void) {
  int before = capi_get_num_threads();
  CHECK(before >= 1);
  CHECK(capi_set_num_threads(0) == KILN_ERROR_INVALID_THREAD_COUNT);
  CHECK(capi_set_num_threads(-3) == KILN_ERROR_INVALID_THREAD_COUNT);
  CHECK(capi_set_num_threads(100000) == KILN_ERROR_INVALID_THREAD_COUNT);
  CHECK(capi_get_num_threads() == before);
  CHECK(capi_set_num_threads(3) == KILN_OK);
  CHECK(capi_get_num_threads() == 3);
}

/*--- Concurrent runs --------------------------------------------------------*/

#define ITERATIONS 25

struct job {
  struct outputs out;
  int status;
  int differences;
};

static void *run_many(void *arg) {
  struct job *job = arg;
  void *workspace = alloc_workspace();
  int i;
  for (i = 0; i < ITERATIONS; ++i) {
    memset(&job->out, 0xff, sizeof(job->out));
    job->status |= run(&job->out, workspace);
    job->differences += memcmp(&job->out, &reference, sizeof(reference)) != 0;
  }
  free(workspace);
  return NULL;
}

static void check_concurrent_runs(void) {
  static struct job jobs[2];
  pthread_t threads[2];
  int i;
  CHECK(capi_set_num_threads(2) == KILN_OK);
  for (i = 0; i < 2; ++i)
    CHECK(pthread_create(&threads[i], NULL, run_many, &jobs[i]) == 0);
  for (i = 0; i < 2; ++i) {
    CHECK(pthread_join(threads[i], NULL) == 0);
    CHECK(jobs[i].status == KILN_OK);
    CHECK(jobs[i].differences == 0);
  }
}

int main(void) {
  void *workspace = alloc_workspace();

  check_introspection();
  make_inputs();

  /* A 1-thread run is the reference for every later run. */
  CHECK(capi_set_num_threads(1) == KILN_OK);
  CHECK(run(&reference, workspace) == KILN_OK);
  check_outputs(&reference);

  check_argument_errors(workspace);
  check_threads();
  memset(&scratch, 0, sizeof(scratch));
  CHECK(run(&scratch, workspace) == KILN_OK);
  CHECK(memcmp(&scratch, &reference, sizeof(reference)) == 0);

  check_concurrent_runs();

  free(workspace);
  printf("checks: %d failures: %d\n", checks, failures);
  return failures != 0;
}

/*===- gpu_runtime_test.c - Unit test of the runtime's GPU contexts --------===*
 *
 *   kiln-gpu-runtime-test no-driver   (no libcuda.so.1 can be loaded)
 *   kiln-gpu-runtime-test no-device   (the fake driver, with 0 devices)
 *   kiln-gpu-runtime-test fake        (the fake driver, 1 device)
 *   kiln-gpu-runtime-test old-driver  (the fake driver as a CUDA 11.0-11.3
 *                                      one: no cuGraphInstantiateWithFlags)
 *
 * The driver is loaded once per process, hence one scenario per run. "fake"
 * expects test/runtime/gpu_fake_driver.c as libcuda.so.1 (LD_LIBRARY_PATH)
 * and steers it through its environment variables between checks.
 *
 * Prints one line per check and exits non-zero if any fails. Linked with
 * -Wl,--wrap=malloc,... like thread_pool_test.c, to check that launches and
 * runs never allocate (only the runtime's and this file's calls are
 * counted; the fake driver's are not).
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L

#include "kiln/runtime.h"
#include "cuda_driver.h" /* the fake driver's entry points, for a capture */

#include <dlfcn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*===-- Allocation counting -----------------------------------------------===*/

static atomic_long allocations;

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *ptr, size_t size);

void *__wrap_malloc(size_t size) {
  atomic_fetch_add(&allocations, 1);
  return __real_malloc(size);
}
void *__wrap_calloc(size_t count, size_t size) {
  atomic_fetch_add(&allocations, 1);
  return __real_calloc(count, size);
}
void *__wrap_realloc(void *ptr, size_t size) {
  atomic_fetch_add(&allocations, 1);
  return __real_realloc(ptr, size);
}

/*===-- Reporting ---------------------------------------------------------===*/

static int failures;

static void check(int ok, const char *what) {
  printf("%s: %s\n", ok ? "PASS" : "FAIL", what);
  fflush(stdout);
  if (!ok)
    ++failures;
}

/* `text` contains `needle`; prints the text when it does not. */
static void check_message(const char *text, const char *needle,
                          const char *what) {
  int ok = text && strstr(text, needle);
  check(ok, what);
  if (!ok)
    printf("  message: \"%s\"\n  wanted:  \"%s\"\n", text ? text : "(null)",
           needle);
}

/*===-- A made-up model --------------------------------------------------===*/

#define N 1000

static const char kPtx[] = "// two kernels\n"
                           ".version 8.0\n"
                           "  .target sm_80\n"
                           ".address_size 64\n"
                           ".visible .entry kiln_test_axpb() {}\n"
                           ".visible .entry kiln_test_copy() {}\n";

static const char *const kKernels[] = {"kiln_test_axpb", "kiln_test_copy"};
static const size_t kInputSizes[] = {N * sizeof(float), 0};
static const size_t kOutputSizes[] = {N * sizeof(float), 3};
static float weights[N];

static kiln_rt_gpu_module_desc make_desc(void) {
  kiln_rt_gpu_module_desc desc = {
      .ptx = kPtx,
      .kernel_names = kKernels,
      .num_kernels = 2,
      .weights = weights,
      .weights_size = sizeof weights,
      .workspace_size = 4096,
      .input_sizes = kInputSizes,
      .num_inputs = 2,
      .output_sizes = kOutputSizes,
      .num_outputs = 2,
  };
  return desc;
}

static void launch(kiln_rt_gpu_context *ctx, int kernel, const void *src,
                   void *dst, unsigned n, unsigned shared_bytes, void *stream) {
  unsigned long long bytes = n;
  void *args[] = {&src, &dst, kernel == 0 ? (void *)&n : (void *)&bytes};
  kiln_rt_gpu_launch(ctx, kernel, (n + 127) / 128, 1, 1, 128, 1, 1,
                     shared_bytes, stream, args);
}

/* output 0 = 2 * input 0 + 1; output 1 = the first 3 bytes of the weights
 * (through the workspace). */
static int entry(kiln_rt_gpu_context *ctx, const void *const *dev_inputs,
                 void *const *dev_outputs, void *stream) {
  launch(ctx, 0, dev_inputs[0], dev_outputs[0], N, 0, stream);
  launch(ctx, 1, kiln_rt_gpu_weights(ctx), kiln_rt_gpu_workspace(ctx), 3, 0,
         stream);
  launch(ctx, 1, kiln_rt_gpu_workspace(ctx), dev_outputs[1], 3, 0, stream);
  return kiln_rt_gpu_status(ctx);
}

/* A launch of a kernel that does not exist, then one that does. */
static int entry_bad_index(kiln_rt_gpu_context *ctx,
                           const void *const *dev_inputs,
                           void *const *dev_outputs, void *stream) {
  launch(ctx, 2, dev_inputs[0], dev_outputs[0], N, 0, stream);
  launch(ctx, 0, dev_inputs[0], dev_outputs[0], N, 0, stream);
  return kiln_rt_gpu_status(ctx);
}

/* 100 KiB of dynamic shared memory, twice: one opt-in. */
static int entry_big_shared(kiln_rt_gpu_context *ctx,
                            const void *const *dev_inputs,
                            void *const *dev_outputs, void *stream) {
  launch(ctx, 0, dev_inputs[0], dev_outputs[0], N, 100 * 1024, stream);
  launch(ctx, 0, dev_inputs[0], dev_outputs[0], N, 100 * 1024, stream);
  return kiln_rt_gpu_status(ctx);
}

/*===-- Scenarios ---------------------------------------------------------===*/

static void check_arguments(void) {
  kiln_rt_gpu_module_desc desc = make_desc();
  kiln_rt_gpu_context *ctx = (kiln_rt_gpu_context *)&desc;
  check(kiln_rt_gpu_create(NULL, 0, &ctx) == KILN_ERROR_NULL_ARGUMENT &&
            ctx == NULL,
        "create: NULL desc is KILN_ERROR_NULL_ARGUMENT, *out = NULL");
  check_message(kiln_rt_gpu_last_error(NULL), "desc is NULL",
                "create: the NULL desc is described");
  check(kiln_rt_gpu_create(&desc, 0, NULL) == KILN_ERROR_NULL_ARGUMENT,
        "create: NULL out is KILN_ERROR_NULL_ARGUMENT");
  desc.kernel_names = NULL;
  check(kiln_rt_gpu_create(&desc, 0, &ctx) == KILN_ERROR_NULL_ARGUMENT,
        "create: missing kernel names are KILN_ERROR_NULL_ARGUMENT");
  check_message(kiln_rt_gpu_last_error(NULL), "kernel names",
                "create: missing kernel names are described");
  kiln_rt_gpu_destroy(NULL);
  check(1, "destroy(NULL) is a no-op");
  check(kiln_rt_gpu_status(NULL) == KILN_ERROR_NULL_ARGUMENT &&
            kiln_rt_gpu_run(NULL, entry, NULL, NULL, NULL) ==
                KILN_ERROR_NULL_ARGUMENT &&
            kiln_rt_gpu_run_host(NULL, entry, NULL, NULL) ==
                KILN_ERROR_NULL_ARGUMENT &&
            kiln_rt_gpu_workspace(NULL) == NULL &&
            kiln_rt_gpu_weights(NULL) == NULL,
        "NULL contexts are refused, not dereferenced");
  kiln_rt_gpu_launch(NULL, 0, 1, 1, 1, 1, 1, 1, 0, NULL, NULL);
  check(strstr(kiln_rt_error_message(KILN_ERROR_WRONG_TARGET), "GPU") != NULL,
        "KILN_ERROR_WRONG_TARGET has a message");
}

static void run_no_driver(void) {
  check_arguments();
  kiln_rt_gpu_module_desc desc = make_desc();
  kiln_rt_gpu_context *ctx = (kiln_rt_gpu_context *)&desc;
  check(kiln_rt_gpu_create(&desc, 0, &ctx) == KILN_ERROR_NO_DEVICE &&
            ctx == NULL,
        "create without a driver: KILN_ERROR_NO_DEVICE, *out = NULL");
  check_message(kiln_rt_gpu_last_error(NULL),
                "cannot load the CUDA driver libcuda.so.1",
                "create without a driver: the message names libcuda.so.1");
  check(kiln_rt_gpu_create(&desc, 0, &ctx) == KILN_ERROR_NO_DEVICE,
        "create without a driver, again: the same answer");
  check_message(kiln_rt_gpu_last_error(NULL), "libcuda.so.1",
                "create without a driver, again: the same message");
}

static void run_no_device(void) {
  kiln_rt_gpu_module_desc desc = make_desc();
  kiln_rt_gpu_context *ctx = NULL;
  check(kiln_rt_gpu_create(&desc, 0, &ctx) == KILN_ERROR_NO_DEVICE &&
            ctx == NULL,
        "create with no device: KILN_ERROR_NO_DEVICE");
  check_message(kiln_rt_gpu_last_error(NULL),
                "the CUDA driver failed to initialize: CUDA_ERROR_NO_DEVICE "
                "(100): no CUDA-capable device is detected",
                "create with no device: the driver's message");
}

/* The fake driver's counters, through the library the runtime loaded. */
static int (*fake_state)(const char *);

/* Finds kiln_fake_cuda_state in the libcuda.so.1 the runtime loaded. */
static int load_fake_state(void) {
  void *driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
  void *state = driver ? dlsym(driver, "kiln_fake_cuda_state") : NULL;
  memcpy(&fake_state, &state, sizeof state);
  check(fake_state != NULL, "the fake driver is the one loaded");
  return fake_state != NULL;
}

static int leaks_nothing(void) {
  return fake_state("allocations") == 0 && fake_state("streams") == 0 &&
         fake_state("modules") == 0 && fake_state("retained") == 0 &&
         fake_state("depth") == 0;
}

/* Create must fail with `status` and a message containing `needle`, and
 * give back everything it took from the driver. */
static void expect_failure(const kiln_rt_gpu_module_desc *desc, int device,
                           int status, const char *needle, const char *what) {
  kiln_rt_gpu_context *ctx = (kiln_rt_gpu_context *)desc;
  int got = kiln_rt_gpu_create(desc, device, &ctx);
  char line[200];
  snprintf(line, sizeof line, "%s: status %d (want %d), *out = NULL", what, got,
           status);
  check(got == status && ctx == NULL, line);
  snprintf(line, sizeof line, "%s: described", what);
  check_message(kiln_rt_gpu_last_error(NULL), needle, line);
  snprintf(line, sizeof line, "%s: nothing leaks", what);
  check(leaks_nothing(), line);
  if (got == KILN_OK)
    kiln_rt_gpu_destroy(ctx);
}

static void check_runs(kiln_rt_gpu_context *ctx) {
  static float input[N], output[N];
  static unsigned char bytes[3];
  for (int i = 0; i < N; ++i)
    input[i] = (float)i * 0.5f - 7.0f;
  const void *inputs[] = {input, NULL}; /* input 1 is empty: may be NULL */
  void *outputs[] = {output, bytes};

  /* Warm-up, then count. */
  check(kiln_rt_gpu_run_host(ctx, entry, inputs, outputs) == KILN_OK,
        "run_host: KILN_OK");
  long before = atomic_load(&allocations);
  int launches = fake_state("launches");
  int status = KILN_OK;
  for (int r = 0; r < 10; ++r)
    status |= kiln_rt_gpu_run_host(ctx, entry, inputs, outputs);
  check(status == KILN_OK && fake_state("launches") == launches + 30,
        "run_host x10: every launch reached the driver");
  check(atomic_load(&allocations) == before,
        "run_host and launches allocate nothing");
  check(fake_state("depth") == 0, "run_host leaves no context current");
  int ok = 1;
  for (int i = 0; i < N; ++i)
    ok &= output[i] == 2.0f * input[i] + 1.0f;
  check(ok, "run_host: output 0 = 2 * input 0 + 1");
  check(memcmp(bytes, weights, 3) == 0,
        "run_host: output 1 came from the uploaded weights");
  check(strcmp(kiln_rt_gpu_last_error(ctx), "") == 0,
        "last_error is empty while nothing failed");

  /* Device pointers of the caller's own, on the default stream. */
  static float dev_in[N], dev_out[N]; /* the fake's device memory is host */
  memcpy(dev_in, input, sizeof input);
  const void *dev_inputs[] = {dev_in, NULL};
  void *dev_outputs[] = {dev_out, bytes};
  check(kiln_rt_gpu_run(ctx, entry, dev_inputs, dev_outputs, NULL) == KILN_OK &&
            dev_out[N - 1] == 2.0f * input[N - 1] + 1.0f,
        "run on device pointers: KILN_OK, computed");
  check(fake_state("depth") == 0, "run leaves no context current");

  /* Inputs bound at compile time, read back from device memory in chunks
   * of 256 bytes (600 here: the difference sits in the third chunk). */
  static unsigned char bound[600], dev_bound[600];
  for (int i = 0; i < 600; ++i)
    bound[i] = dev_bound[i] = (unsigned char)(i * 13);
  before = atomic_load(&allocations);
  check(kiln_rt_gpu_input_matches(ctx, dev_bound, bound, 600, NULL) == KILN_OK &&
            atomic_load(&allocations) == before,
        "input_matches: equal bytes, KILN_OK, nothing allocated");
  dev_bound[555] ^= 1;
  check(kiln_rt_gpu_input_matches(ctx, dev_bound, bound, 600, NULL) ==
            KILN_ERROR_BOUND_INPUT,
        "input_matches: one byte differs, KILN_ERROR_BOUND_INPUT");
  check(kiln_rt_gpu_input_matches(ctx, dev_bound, bound, 555, NULL) == KILN_OK,
        "input_matches: only the first `size` bytes count");
  check(kiln_rt_gpu_input_matches(ctx, NULL, bound, 4, NULL) ==
            KILN_ERROR_NULL_ARGUMENT,
        "input_matches: NULL device input, KILN_ERROR_NULL_ARGUMENT");
  setenv("KILN_FAKE_CUDA_FAIL", "cuMemcpyDtoHAsync_v2:700", 1);
  check(kiln_rt_gpu_input_matches(ctx, dev_bound, bound, 600, NULL) ==
            KILN_ERROR_DEVICE,
        "input_matches: a failed copy, KILN_ERROR_DEVICE");
  check_message(kiln_rt_gpu_last_error(ctx),
                "reading an input bound at compile time back from the "
                "device (after the stream's earlier work) failed: "
                "CUDA_ERROR_ILLEGAL_ADDRESS",
                "the failed read-back is described");
  unsetenv("KILN_FAKE_CUDA_FAIL");
  check(fake_state("depth") == 0, "input_matches leaves no context current");

  /* Sticky launch errors. */
  launches = fake_state("launches");
  check(kiln_rt_gpu_run_host(ctx, entry_bad_index, inputs, outputs) ==
            KILN_ERROR_DEVICE,
        "a launch of kernel 2 of 2: KILN_ERROR_DEVICE");
  check(fake_state("launches") == launches,
        "the launch after a failed one is skipped");
  check_message(kiln_rt_gpu_last_error(ctx),
                "kiln_rt_gpu_launch: kernel 2 does not exist (the module has "
                "2)",
                "the bad kernel index is described");
  check(kiln_rt_gpu_run_host(ctx, entry, inputs, outputs) == KILN_OK,
        "the next run succeeds again (the status was reset)");

  setenv("KILN_FAKE_CUDA_FAIL", "cuLaunchKernel:1", 1);
  check(kiln_rt_gpu_run(ctx, entry, dev_inputs, dev_outputs, NULL) ==
            KILN_ERROR_DEVICE,
        "a launch the driver refuses: KILN_ERROR_DEVICE");
  check_message(kiln_rt_gpu_last_error(ctx),
                "launching kernel 0 (kiln_test_axpb) on grid 8x1x1, block "
                "128x1x1, 0 bytes of dynamic shared memory failed: "
                "CUDA_ERROR_INVALID_VALUE (1): invalid argument",
                "the refused launch is described with the kernel's name");
  setenv("KILN_FAKE_CUDA_FAIL", "cuStreamSynchronize:700", 1);
  check(kiln_rt_gpu_run_host(ctx, entry, inputs, outputs) == KILN_ERROR_DEVICE,
        "a kernel that faults: run_host reports KILN_ERROR_DEVICE");
  check_message(kiln_rt_gpu_last_error(ctx),
                "running the model on the device failed: "
                "CUDA_ERROR_ILLEGAL_ADDRESS",
                "the fault is described");
  setenv("KILN_FAKE_CUDA_FAIL", "cuMemcpyHtoDAsync_v2:1", 1);
  launches = fake_state("launches");
  check(kiln_rt_gpu_run_host(ctx, entry, inputs, outputs) ==
                KILN_ERROR_DEVICE &&
            fake_state("launches") == launches,
        "a failed input copy: KILN_ERROR_DEVICE, nothing launched");
  check_message(kiln_rt_gpu_last_error(ctx), "copying input 0 to the device",
                "the failed copy is described");
  unsetenv("KILN_FAKE_CUDA_FAIL");
  check(fake_state("depth") == 0, "failed runs leave no context current");

  check(kiln_rt_gpu_run_host(ctx, entry_big_shared, inputs, outputs) == KILN_OK,
        "100 KiB of dynamic shared memory: opted in, launched");

  check(kiln_rt_gpu_run_host(ctx, entry, NULL, outputs) ==
                KILN_ERROR_NULL_ARGUMENT &&
            kiln_rt_gpu_run_host(ctx, entry, inputs, NULL) ==
                KILN_ERROR_NULL_ARGUMENT,
        "run_host: NULL arrays are KILN_ERROR_NULL_ARGUMENT");
  const void *missing[] = {NULL, NULL};
  check(kiln_rt_gpu_run_host(ctx, entry, missing, outputs) ==
            KILN_ERROR_NULL_ARGUMENT,
        "run_host: a NULL non-empty input is KILN_ERROR_NULL_ARGUMENT");
}

/* A capture of the caller's own, made through the driver's entry points:
 * the primary context current and a blocking stream of the caller's that
 * is capturing (thread-local mode). */
typedef struct {
  void *driver;
  kiln_cu_context primary;
  kiln_cu_stream stream;
} caller_capture;

/* The driver's entry point `name`, its bytes copied into `*fn` (POSIX lets
 * dlsym results become function pointers; ISO C has no cast for it). */
static void driver_entry(const caller_capture *c, const char *name, void *fn) {
  void *symbol = dlsym(c->driver, name);
  memcpy(fn, &symbol, sizeof symbol);
}

static void caller_capture_begin(caller_capture *c) {
  kiln_cu_result (*retain)(kiln_cu_context *, kiln_cu_device);
  kiln_cu_result (*push)(kiln_cu_context);
  kiln_cu_result (*create)(kiln_cu_stream *, unsigned);
  kiln_cu_result (*begin)(kiln_cu_stream, unsigned);
  c->driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
  c->primary = NULL;
  c->stream = NULL;
  driver_entry(c, "cuDevicePrimaryCtxRetain", &retain);
  driver_entry(c, "cuCtxPushCurrent_v2", &push);
  driver_entry(c, "cuStreamCreate", &create);
  driver_entry(c, "cuStreamBeginCapture_v2", &begin);
  retain(&c->primary, 0);
  push(c->primary);
  create(&c->stream, 0);
  begin(c->stream, KILN_CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
}

/* Ends the capture; returns its graph. */
static kiln_cu_graph caller_capture_end(caller_capture *c) {
  kiln_cu_result (*end)(kiln_cu_stream, kiln_cu_graph *);
  driver_entry(c, "cuStreamEndCapture", &end);
  kiln_cu_graph graph = NULL;
  end(c->stream, &graph);
  return graph;
}

/* Destroys the graph (if the driver has graphs) and the stream, pops and
 * releases the context. */
static void caller_capture_release(caller_capture *c, kiln_cu_graph graph) {
  kiln_cu_result (*graph_destroy)(kiln_cu_graph);
  kiln_cu_result (*stream_destroy)(kiln_cu_stream);
  kiln_cu_result (*pop)(kiln_cu_context *);
  kiln_cu_result (*release)(kiln_cu_device);
  driver_entry(c, "cuGraphDestroy", &graph_destroy);
  driver_entry(c, "cuStreamDestroy_v2", &stream_destroy);
  driver_entry(c, "cuCtxPopCurrent_v2", &pop);
  driver_entry(c, "cuDevicePrimaryCtxRelease_v2", &release);
  if (graph)
    graph_destroy(graph);
  stream_destroy(c->stream);
  kiln_cu_context popped;
  pop(&popped);
  release(0);
}

/* Runs are captured once as a CUDA graph (on a stream of the context's own)
 * and replayed, on any stream, while the buffers stay; a stream the caller
 * captures, and a context whose capture failed, get direct launches. */
static void check_graphs(const kiln_rt_gpu_module_desc *desc) {
  static float input[N], output[N];
  static unsigned char bytes[3];
  const void *inputs[] = {input, NULL};
  void *outputs[] = {output, bytes};
  kiln_rt_gpu_context *ctx = NULL;
  check(kiln_rt_gpu_create(desc, 0, &ctx) == KILN_OK, "create (graphs on)");
  if (!ctx)
    return;
  int captures = fake_state("captures");
  int replays = fake_state("graph_launches");
  int launches = fake_state("launches");
  long before = atomic_load(&allocations);
  int status = KILN_OK;
  for (int r = 0; r < 5; ++r) {
    for (int i = 0; i < N; ++i)
      input[i] = (float)(i + r);
    status |= kiln_rt_gpu_run_host(ctx, entry, inputs, outputs);
  }
  int ok = 1;
  for (int i = 0; i < N; ++i)
    ok &= output[i] == 2.0f * (float)(i + 4) + 1.0f;
  check(status == KILN_OK && ok, "run_host x5 through a graph: computed, "
                                 "each run on that run's input");
  check(fake_state("captures") == captures + 1 &&
            fake_state("graph_launches") == replays + 5 &&
            fake_state("launches") == launches + 3,
        "one capture of the 3 launches, then 5 graph launches");
  check(atomic_load(&allocations) == before,
        "capturing and replaying allocate nothing in the runtime");

  /* Device buffers of the caller's: a capture for them, replayed on any
   * stream (the legacy one here); three captures in a row without a replay
   * (buffers that change every run) switch to direct launches. */
  static float dev_in[5][N], dev_out[N];
  for (int b = 0; b < 5; ++b)
    memcpy(dev_in[b], input, sizeof input);
  const void *dev_inputs[] = {dev_in[0], NULL};
  void *dev_outputs[] = {dev_out, bytes};
  captures = fake_state("captures");
  replays = fake_state("graph_launches");
  status = kiln_rt_gpu_run(ctx, entry, dev_inputs, dev_outputs, NULL);
  status |= kiln_rt_gpu_run(ctx, entry, dev_inputs, dev_outputs, NULL);
  check(status == KILN_OK && fake_state("captures") == captures + 1 &&
            fake_state("graph_launches") == replays + 2 &&
            dev_out[7] == 2.0f * input[7] + 1.0f,
        "run on device buffers: one capture, two graph launches");
  for (int b = 1; b < 4; ++b) {
    dev_inputs[0] = dev_in[b];
    status |= kiln_rt_gpu_run(ctx, entry, dev_inputs, dev_outputs, NULL);
  }
  launches = fake_state("launches");
  replays = fake_state("graph_launches");
  dev_inputs[0] = dev_in[4];
  status |= kiln_rt_gpu_run(ctx, entry, dev_inputs, dev_outputs, NULL);
  check(status == KILN_OK && fake_state("captures") == captures + 4 &&
            fake_state("launches") == launches + 3 &&
            fake_state("graph_launches") == replays,
        "new buffers each run: three captures in a row, then direct launches");
  captures = fake_state("captures");
  replays = fake_state("graph_launches");
  check(kiln_rt_gpu_run(ctx, entry, dev_inputs, dev_outputs, NULL) ==
                KILN_OK &&
            fake_state("captures") == captures + 1 &&
            fake_state("graph_launches") == replays + 1,
        "the same new buffers twice in a row (settled): captured again");
  dev_inputs[0] = dev_in[3];
  replays = fake_state("graph_launches");
  check(kiln_rt_gpu_run(ctx, entry, dev_inputs, dev_outputs, NULL) ==
                KILN_OK &&
            fake_state("graph_launches") == replays + 1 &&
            fake_state("captures") == captures + 2,
        "other buffers: one capture, replayed");

  /* A stream the caller is capturing: the launches go into their graph. */
  caller_capture capture;
  caller_capture_begin(&capture);
  kiln_cu_stream user = capture.stream;
  int recorded = fake_state("recorded");
  replays = fake_state("graph_launches");
  captures = fake_state("captures");
  check(kiln_rt_gpu_run(ctx, entry, dev_inputs, dev_outputs, user) == KILN_OK &&
            fake_state("recorded") == recorded + 3 &&
            fake_state("graph_launches") == replays &&
            fake_state("captures") == captures,
        "a stream the caller captures: the 3 launches go into their graph");
  /* The caller's stream is a blocking one: while it captures, nothing may
   * go to the legacy stream (the runtime's own capture stream is
   * non-blocking, so its captures never cause this). */
  check(kiln_rt_gpu_run(ctx, entry, dev_inputs, dev_outputs, NULL) ==
            KILN_ERROR_DEVICE,
        "the legacy stream while a blocking stream captures: KILN_ERROR_DEVICE");
  check_message(kiln_rt_gpu_last_error(ctx),
                "the legacy default stream cannot be used while a blocking "
                "stream of this CUDA context is being captured",
                "the unusable legacy stream is described");
  unsigned char bound = 0;
  check(kiln_rt_gpu_input_matches(ctx, dev_in[0], &bound, 1, user) ==
            KILN_ERROR_DEVICE,
        "a bound input on a stream the caller captures: KILN_ERROR_DEVICE");
  check_message(kiln_rt_gpu_last_error(ctx),
                "cannot be checked on a stream that is being captured",
                "the refused read-back is described");
  kiln_cu_graph user_graph = caller_capture_end(&capture);
  check(user_graph != NULL, "the caller's capture ends normally");
  replays = fake_state("graph_launches");
  check(kiln_rt_gpu_run(ctx, entry, dev_inputs, dev_outputs, NULL) ==
                KILN_OK &&
            fake_state("graph_launches") == replays + 1,
        "the cached graph survived the caller's capture: replayed");
  caller_capture_release(&capture, user_graph);

  /* A stream that cannot be captured: direct launches from then on. */
  setenv("KILN_FAKE_CUDA_FAIL", "cuStreamBeginCapture_v2:401", 1);
  kiln_rt_gpu_destroy(ctx);
  ctx = NULL;
  check(kiln_rt_gpu_create(desc, 0, &ctx) == KILN_OK, "create (capture fails)");
  launches = fake_state("launches");
  replays = fake_state("graph_launches");
  status = kiln_rt_gpu_run_host(ctx, entry, inputs, outputs);
  unsetenv("KILN_FAKE_CUDA_FAIL");
  status |= kiln_rt_gpu_run_host(ctx, entry, inputs, outputs);
  check(status == KILN_OK && fake_state("launches") == launches + 6 &&
            fake_state("graph_launches") == replays &&
            output[7] == 2.0f * input[7] + 1.0f,
        "capture refused: direct launches, also on the next run");

  /* A failed launch while capturing is reported; the next run captures
   * again. */
  kiln_rt_gpu_destroy(ctx);
  ctx = NULL;
  check(kiln_rt_gpu_create(desc, 0, &ctx) == KILN_OK, "create (bad launch)");
  check(kiln_rt_gpu_run_host(ctx, entry_bad_index, inputs, outputs) ==
            KILN_ERROR_DEVICE,
        "a bad launch while capturing: KILN_ERROR_DEVICE");
  replays = fake_state("graph_launches");
  check(kiln_rt_gpu_run_host(ctx, entry, inputs, outputs) == KILN_OK &&
            fake_state("graph_launches") == replays + 1,
        "the next run captures and launches its graph");
  kiln_rt_gpu_destroy(ctx);
  check(fake_state("graphs") == 0, "destroy frees the graph");
}

static void run_fake(void) {
  check_arguments();
  for (int i = 0; i < N; ++i)
    weights[i] = (float)(i * 3);
  kiln_rt_gpu_module_desc desc = make_desc();
  kiln_rt_gpu_context *ctx = NULL;
  long before = atomic_load(&allocations);
  /* Direct launches first (check_graphs below has the graphs). */
  setenv("KILN_CUDA_GRAPHS", "0", 1);
  int status = kiln_rt_gpu_create(&desc, 0, &ctx);
  unsetenv("KILN_CUDA_GRAPHS");
  check(status == KILN_OK && ctx != NULL, "create on the fake driver");
  /* Else the no-allocation checks below would prove nothing. */
  check(atomic_load(&allocations) > before,
        "the runtime's allocations are counted (create allocates)");
  check(strcmp(kiln_rt_gpu_last_error(NULL), "") == 0,
        "create: no failure to describe");
  if (status != KILN_OK) {
    printf("  message: %s\n", kiln_rt_gpu_last_error(NULL));
    return;
  }
  if (!load_fake_state())
    return;
  check(fake_state("module_kind") == 'p', "no cubin: the PTX is loaded");
  check(fake_state("allocations") == 3 && fake_state("streams") == 1 &&
            fake_state("retained") == 1 && fake_state("depth") == 0,
        "create: workspace, weights, one block of I/O buffers, one stream");
  const float *device_weights = kiln_rt_gpu_weights(ctx);
  check(device_weights && memcmp(device_weights, weights, sizeof weights) == 0,
        "create uploaded the weights");
  check(kiln_rt_gpu_workspace(ctx) != NULL &&
            (uintptr_t)kiln_rt_gpu_workspace(ctx) % 256 == 0,
        "the workspace is allocated and aligned");
  check_runs(ctx);
  check(fake_state("captures") == 0 && fake_state("graph_launches") == 0,
        "KILN_CUDA_GRAPHS=0: no graph captured or launched");
  kiln_rt_gpu_destroy(ctx);
  check_graphs(&desc);
  check(leaks_nothing(), "destroy gives everything back to the driver");

  /* Module selection. */
  static const char cubin[] = "\177ELF kiln_test_axpb kiln_test_copy";
  desc.cubin = cubin;
  desc.cubin_size = sizeof cubin;
  desc.cubin_sm = 90;
  ctx = NULL;
  check(kiln_rt_gpu_create(&desc, 0, &ctx) == KILN_OK &&
            fake_state("module_kind") == 'c',
        "a cubin for the device's compute capability is loaded");
  kiln_rt_gpu_destroy(ctx);
  desc.cubin_sm = 89;
  ctx = NULL;
  check(kiln_rt_gpu_create(&desc, 0, &ctx) == KILN_OK &&
            fake_state("module_kind") == 'p',
        "a cubin for another GPU is ignored: the PTX is loaded");
  kiln_rt_gpu_destroy(ctx);
  kiln_rt_gpu_module_desc cubin_only = desc;
  cubin_only.ptx = NULL;
  expect_failure(&cubin_only, 0, KILN_ERROR_NO_DEVICE,
                 "the library holds only a cubin for sm_89 and no PTX: it "
                 "cannot run on this GPU (compute capability 9.0)",
                 "a cubin for another GPU and no PTX");
  desc.cubin_sm = 90;
  setenv("KILN_FAKE_CUDA_CC", "75", 1);
  expect_failure(&desc, 0, KILN_ERROR_NO_DEVICE,
                 "the GPU's compute capability 7.5 is older than the PTX "
                 "target sm_80 of this library: compile the model for this "
                 "GPU (kilnc --gpu sm_75)",
                 "PTX for sm_80 on a 7.5 GPU");
  setenv("KILN_FAKE_CUDA_CC", "100", 1);
  static const char arch_specific[] = ".version 8.0\n.target sm_90a\n"
                                      "kiln_test_axpb kiln_test_copy";
  kiln_rt_gpu_module_desc specific = desc;
  specific.ptx = arch_specific;
  expect_failure(&specific, 0, KILN_ERROR_NO_DEVICE,
                 "compute capability 10.0 cannot run this library's PTX, "
                 "built for sm_90a (that exact GPU only)",
                 "PTX for sm_90a on a 10.0 GPU");
  ctx = NULL;
  check(kiln_rt_gpu_create(&desc, 0, &ctx) == KILN_OK &&
            fake_state("module_kind") == 'p',
        "PTX for sm_80 on a 10.0 GPU is compiled by the driver");
  kiln_rt_gpu_destroy(ctx);
  unsetenv("KILN_FAKE_CUDA_CC");

  /* Failures while creating. */
  expect_failure(&desc, 1, KILN_ERROR_NO_DEVICE,
                 "there is no CUDA device 1 (the driver reports 1)",
                 "device 1 of 1");
  expect_failure(&desc, -1, KILN_ERROR_NO_DEVICE, "there is no CUDA device -1",
                 "device -1");
  desc.cubin = NULL;
  desc.cubin_size = 0;
  desc.cubin_sm = 0;
  setenv("KILN_FAKE_CUDA_FAIL", "cuModuleLoadDataEx:218", 1);
  expect_failure(&desc, 0, KILN_ERROR_DEVICE,
                 "the CUDA driver could not compile the PTX for compute "
                 "capability 9.0: CUDA_ERROR_INVALID_PTX (218): a PTX JIT "
                 "compilation failed; log: ptxas application ptx input, line "
                 "1; fatal : fake JIT error 218",
                 "PTX the driver rejects");
  setenv("KILN_FAKE_CUDA_FAIL", "cuModuleLoadDataEx:222", 1);
  expect_failure(&desc, 0, KILN_ERROR_NO_DEVICE,
                 "the CUDA driver (CUDA 12.4) is too old for this library's "
                 "PTX (ISA version 8.0): update the NVIDIA driver",
                 "PTX newer than the driver");
  setenv("KILN_FAKE_CUDA_FAIL", "cuMemAlloc_v2:2", 1);
  expect_failure(&desc, 0, KILN_ERROR_DEVICE,
                 "allocating the 4096-byte device workspace failed: "
                 "CUDA_ERROR_OUT_OF_MEMORY (2): out of memory",
                 "out of device memory");
  setenv("KILN_FAKE_CUDA_FAIL", "cuMemcpyHtoDAsync_v2:999", 1);
  expect_failure(&desc, 0, KILN_ERROR_DEVICE,
                 "uploading the weights to the device failed: unknown CUDA "
                 "error (999): no description",
                 "a code the driver cannot describe");
  unsetenv("KILN_FAKE_CUDA_FAIL");
  static const char *const missing_kernel[] = {"kiln_test_axpb", "nowhere"};
  desc.kernel_names = missing_kernel;
  expect_failure(&desc, 0, KILN_ERROR_DEVICE,
                 "looking up kernel 1 (nowhere) in the module failed: "
                 "CUDA_ERROR_NOT_FOUND (500)",
                 "a kernel the module lacks");
}

/* A driver older than CUDA 11.4 (the fake built without
 * cuGraphInstantiateWithFlags): no graphs, every run launches directly, and
 * a caller's capture is still told (cuStreamIsCapturing is CUDA 10.0), so a
 * bound input's read-back refuses it. */
static void run_old_driver(void) {
  for (int i = 0; i < N; ++i)
    weights[i] = (float)(i * 3);
  kiln_rt_gpu_module_desc desc = make_desc();
  kiln_rt_gpu_context *ctx = NULL;
  check(kiln_rt_gpu_create(&desc, 0, &ctx) == KILN_OK && ctx,
        "create on a driver without cuGraphInstantiateWithFlags");
  if (!ctx || !load_fake_state())
    return;
  static float input[N], output[N];
  static unsigned char bytes[3];
  for (int i = 0; i < N; ++i)
    input[i] = (float)i;
  const void *inputs[] = {input, NULL};
  void *outputs[] = {output, bytes};
  int status = kiln_rt_gpu_run_host(ctx, entry, inputs, outputs);
  status |= kiln_rt_gpu_run_host(ctx, entry, inputs, outputs);
  check(status == KILN_OK && fake_state("launches") == 6 &&
            fake_state("captures") == 0 && output[9] == 19.0f,
        "no graphs: two runs, six direct launches, computed");

  static float dev_in[N], dev_out[N];
  const void *dev_inputs[] = {dev_in, NULL};
  void *dev_outputs[] = {dev_out, bytes};
  caller_capture capture;
  caller_capture_begin(&capture);
  int recorded = fake_state("recorded");
  check(kiln_rt_gpu_run(ctx, entry, dev_inputs, dev_outputs, capture.stream) ==
                KILN_OK &&
            fake_state("recorded") == recorded + 3,
        "a stream the caller captures: the 3 launches go into their graph");
  unsigned char bound = 0;
  check(kiln_rt_gpu_input_matches(ctx, dev_in, &bound, 1, capture.stream) ==
            KILN_ERROR_DEVICE,
        "a bound input on a stream the caller captures: KILN_ERROR_DEVICE");
  check_message(kiln_rt_gpu_last_error(ctx),
                "cannot be checked on a stream that is being captured",
                "the refused read-back is described");
  caller_capture_release(&capture, caller_capture_end(&capture));
  kiln_rt_gpu_destroy(ctx);
  check(leaks_nothing(), "destroy gives everything back to the driver");
}

int main(int argc, char **argv) {
  const char *mode = argc == 2 ? argv[1] : "";
  if (!strcmp(mode, "no-driver"))
    run_no_driver();
  else if (!strcmp(mode, "no-device"))
    run_no_device();
  else if (!strcmp(mode, "fake"))
    run_fake();
  else if (!strcmp(mode, "old-driver"))
    run_old_driver();
  else {
    fprintf(stderr,
            "usage: kiln-gpu-runtime-test no-driver|no-device|fake|old-driver\n");
    return 2;
  }
  if (failures) {
    printf("%d check(s) failed\n", failures);
    return 1;
  }
  printf("all checks passed\n");
  return 0;
}

/*===- gpu_smoke.c - The GPU runtime on a real device ---------------------===*
 *
 * Drives runtime/src/cuda.c the way a compiled model does, with a
 * hand-written PTX kernel (y = 2x + 1 on 1M floats):
 *
 *  1. create: JIT the PTX (or load the cubin given as argv[1], built for
 *     the compute capability given as argv[2], e.g. 90), upload x as the
 *     "weights"; `gpu_smoke --print-ptx` prints the PTX to build it from;
 *  2. kiln_rt_gpu_run on the legacy default stream: workspace = 2 * weights
 *     + 1, all in device memory;
 *  3. kiln_rt_gpu_run_host: output = 2 * workspace + 1 = 4x + 3, and
 *     output 2 = 2 * input + 1 from a host input;
 *  4. a launch of a kernel that does not exist is reported and the next run
 *     works again; PTX for a GPU newer than any (sm_990) and PTX the
 *     driver cannot compile fail with their messages.
 *
 * Prints "PASS" and exits 0, or one "FAIL: ..." line per problem (with the
 * runtime's message) and exits 1. With no usable GPU it prints the reason
 * and exits 2. test/runtime/run-gpu-smoke.sh builds and runs it; the lit
 * suite also runs it against a fake driver (gpu-smoke-fake.test).
 *
 *===----------------------------------------------------------------------===*/

#include "kiln/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N (1u << 20)
#define BLOCK 256u

static const char kAxpbPtx[] =
    "//\n"
    "// kiln_test_axpb(const float *x, float *y, unsigned n):\n"
    "// y[i] = 2 * x[i] + 1 for i < n, one element per thread.\n"
    "//\n"
    ".version 8.0\n"
    ".target sm_80\n"
    ".address_size 64\n"
    "\n"
    ".visible .entry kiln_test_axpb(\n"
    "\t.param .u64 kiln_test_axpb_param_0,\n"
    "\t.param .u64 kiln_test_axpb_param_1,\n"
    "\t.param .u32 kiln_test_axpb_param_2\n"
    ")\n"
    "{\n"
    "\t.reg .pred %p<2>;\n"
    "\t.reg .b32 %r<6>;\n"
    "\t.reg .f32 %f<3>;\n"
    "\t.reg .b64 %rd<8>;\n"
    "\n"
    "\tld.param.u64 %rd1, [kiln_test_axpb_param_0];\n"
    "\tld.param.u64 %rd2, [kiln_test_axpb_param_1];\n"
    "\tld.param.u32 %r2, [kiln_test_axpb_param_2];\n"
    "\tmov.u32 %r3, %ctaid.x;\n"
    "\tmov.u32 %r4, %ntid.x;\n"
    "\tmov.u32 %r5, %tid.x;\n"
    "\tmad.lo.s32 %r1, %r3, %r4, %r5;\n"
    "\tsetp.ge.u32 %p1, %r1, %r2;\n"
    "\t@%p1 bra $L__done;\n"
    "\tcvta.to.global.u64 %rd3, %rd1;\n"
    "\tmul.wide.u32 %rd4, %r1, 4;\n"
    "\tadd.s64 %rd5, %rd3, %rd4;\n"
    "\tld.global.f32 %f1, [%rd5];\n"
    "\tfma.rn.f32 %f2, %f1, 0f40000000, 0f3F800000;\n"
    "\tcvta.to.global.u64 %rd6, %rd2;\n"
    "\tadd.s64 %rd7, %rd6, %rd4;\n"
    "\tst.global.f32 [%rd7], %f2;\n"
    "$L__done:\n"
    "\tret;\n"
    "}\n";

static int failures;

static void fail(const char *what, int status, const char *detail) {
  printf("FAIL: %s: status %d (%s)%s%s\n", what, status,
         kiln_rt_error_message(status), detail && *detail ? ": " : "",
         detail ? detail : "");
  ++failures;
}

/* kernel 0 on a 1-D grid covering N, y = 2x + 1 */
static void launch_axpb(kiln_rt_gpu_context *ctx, int kernel, const void *x,
                        void *y, void *stream) {
  unsigned n = N;
  void *args[] = {&x, &y, &n};
  kiln_rt_gpu_launch(ctx, kernel, (N + BLOCK - 1) / BLOCK, 1, 1, BLOCK, 1, 1, 0,
                     stream, args);
}

/* Device only: workspace = 2 * weights + 1. */
static int entry_weights_to_workspace(kiln_rt_gpu_context *ctx,
                                      const void *const *dev_inputs,
                                      void *const *dev_outputs, void *stream) {
  (void)dev_inputs;
  (void)dev_outputs;
  launch_axpb(ctx, 0, kiln_rt_gpu_weights(ctx), kiln_rt_gpu_workspace(ctx),
              stream);
  return kiln_rt_gpu_status(ctx);
}

/* output 0 = 2 * workspace + 1; output 1 = 2 * input 0 + 1. */
static int entry_host(kiln_rt_gpu_context *ctx, const void *const *dev_inputs,
                      void *const *dev_outputs, void *stream) {
  launch_axpb(ctx, 0, kiln_rt_gpu_workspace(ctx), dev_outputs[0], stream);
  launch_axpb(ctx, 0, dev_inputs[0], dev_outputs[1], stream);
  return kiln_rt_gpu_status(ctx);
}

/* A launch of a kernel index the module does not have, then a real one. */
static int entry_bad_kernel(kiln_rt_gpu_context *ctx,
                            const void *const *dev_inputs,
                            void *const *dev_outputs, void *stream) {
  launch_axpb(ctx, 7, dev_inputs[0], dev_outputs[0], stream);
  launch_axpb(ctx, 0, dev_inputs[0], dev_outputs[0], stream);
  return kiln_rt_gpu_status(ctx);
}

static void *read_file(const char *path, size_t *size) {
  FILE *file = fopen(path, "rb");
  if (!file)
    return NULL;
  char *data = NULL;
  long length = -1;
  if (fseek(file, 0, SEEK_END) == 0 && (length = ftell(file)) > 0 &&
      fseek(file, 0, SEEK_SET) == 0 && (data = malloc(length)) &&
      fread(data, 1, length, file) != (size_t)length) {
    free(data);
    data = NULL;
  }
  fclose(file);
  *size = length > 0 ? (size_t)length : 0;
  return data;
}

static int check_values(const char *what, const float *got, const float *x,
                        float scale, float offset) {
  for (unsigned i = 0; i < N; ++i) {
    float want = scale * x[i] + offset;
    if (got[i] != want) {
      printf("FAIL: %s: element %u is %.9g, expected %.9g\n", what, i,
             (double)got[i], (double)want);
      ++failures;
      return 0;
    }
  }
  return 1;
}

/* Create must fail with `expected` and a message containing `needle`. */
static void expect_create_failure(const char *what,
                                  const kiln_rt_gpu_module_desc *desc,
                                  int expected, const char *needle) {
  kiln_rt_gpu_context *ctx = (kiln_rt_gpu_context *)1;
  int status = kiln_rt_gpu_create(desc, 0, &ctx);
  const char *message = kiln_rt_gpu_last_error(NULL);
  if (status != expected || ctx != NULL || !strstr(message, needle)) {
    fail(what, status, message);
    kiln_rt_gpu_destroy(status == KILN_OK ? ctx : NULL);
  } else {
    printf("ok: %s: %s\n", what, message);
  }
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--print-ptx") == 0) {
    fputs(kAxpbPtx, stdout); /* for ptxas, to build the cubin */
    return 0;
  }
  float *x = malloc(N * sizeof(float));
  float *input = malloc(N * sizeof(float));
  float *out0 = malloc(N * sizeof(float));
  float *out1 = malloc(N * sizeof(float));
  if (!x || !input || !out0 || !out1) {
    printf("FAIL: out of host memory\n");
    return 1;
  }
  for (unsigned i = 0; i < N; ++i) {
    x[i] = (float)(i % 1000) * 0.25f - 100.0f;
    input[i] = (float)(i % 777) * -0.5f + 3.0f;
    out0[i] = out1[i] = -1.0f;
  }

  const char *kernel_names[] = {"kiln_test_axpb"};
  const size_t io_sizes[] = {N * sizeof(float), N * sizeof(float)};
  kiln_rt_gpu_module_desc desc = {
      .ptx = kAxpbPtx,
      .kernel_names = kernel_names,
      .num_kernels = 1,
      .weights = x,
      .weights_size = N * sizeof(float),
      .workspace_size = N * sizeof(float),
      .input_sizes = io_sizes,
      .num_inputs = 1,
      .output_sizes = io_sizes,
      .num_outputs = 2,
  };
  void *cubin = NULL;
  if (argc == 3) {
    cubin = read_file(argv[1], &desc.cubin_size);
    if (!cubin) {
      printf("FAIL: cannot read the cubin %s\n", argv[1]);
      return 1;
    }
    desc.cubin = cubin;
    desc.cubin_sm = atoi(argv[2]);
    printf("cubin: %s (%zu bytes, sm_%d)\n", argv[1], desc.cubin_size,
           desc.cubin_sm);
  }

  kiln_rt_gpu_context *ctx = NULL;
  int status = kiln_rt_gpu_create(&desc, 0, &ctx);
  if (status == KILN_ERROR_NO_DEVICE) {
    printf("no usable GPU: %s\n", kiln_rt_gpu_last_error(NULL));
    return 2;
  }
  if (status != KILN_OK) {
    fail("kiln_rt_gpu_create", status, kiln_rt_gpu_last_error(NULL));
    return 1;
  }
  if (!kiln_rt_gpu_workspace(ctx) || !kiln_rt_gpu_weights(ctx))
    fail("workspace and weights are allocated", KILN_OK, "");

  status = kiln_rt_gpu_run(ctx, entry_weights_to_workspace, NULL, NULL, NULL);
  if (status != KILN_OK)
    fail("kiln_rt_gpu_run", status, kiln_rt_gpu_last_error(ctx));

  const void *inputs[] = {input};
  void *outputs[] = {out0, out1};
  status = kiln_rt_gpu_run_host(ctx, entry_host, inputs, outputs);
  if (status != KILN_OK)
    fail("kiln_rt_gpu_run_host", status, kiln_rt_gpu_last_error(ctx));
  else if (check_values("run then run_host: 4x + 3", out0, x, 4.0f, 3.0f) &&
           check_values("run_host: 2 * input + 1", out1, input, 2.0f, 1.0f))
    printf("ok: %u elements through run and run_host\n", N);

  status = kiln_rt_gpu_run_host(ctx, entry_bad_kernel, inputs, outputs);
  if (status != KILN_ERROR_DEVICE ||
      !strstr(kiln_rt_gpu_last_error(ctx), "kernel 7 does not exist"))
    fail("a bad kernel index is reported", status, kiln_rt_gpu_last_error(ctx));
  memset(out0, 0, N * sizeof(float));
  status = kiln_rt_gpu_run_host(ctx, entry_host, inputs, outputs);
  if (status != KILN_OK)
    fail("the run after a failed launch", status, kiln_rt_gpu_last_error(ctx));
  else if (check_values("the run after a failed launch", out0, x, 4.0f, 3.0f))
    printf("ok: launch errors are reported, then reset\n");
  kiln_rt_gpu_destroy(ctx);

  /* The failure paths a deployment meets first. */
  char future[sizeof kAxpbPtx + 1];
  const char *target = strstr(kAxpbPtx, ".target sm_80");
  snprintf(future, sizeof future, "%.*s.target sm_990%s",
           (int)(target - kAxpbPtx), kAxpbPtx, target + 13);
  kiln_rt_gpu_module_desc newer = desc;
  newer.ptx = future;
  newer.cubin = NULL;
  newer.cubin_size = 0;
  newer.cubin_sm = 0;
  expect_create_failure("PTX for a newer GPU", &newer, KILN_ERROR_NO_DEVICE,
                        "is older than the PTX target sm_990");

  kiln_rt_gpu_module_desc broken = newer;
  broken.ptx = ".version 8.0\n.target sm_80\n.address_size 64\n"
               ".visible .entry kiln_test_axpb() { bogus.instruction; }\n";
  expect_create_failure("PTX the driver rejects", &broken, KILN_ERROR_DEVICE,
                        "could not compile the PTX");

  free(cubin);
  free(x);
  free(input);
  free(out0);
  free(out1);
  if (failures) {
    printf("%d failure(s)\n", failures);
    return 1;
  }
  printf("PASS\n");
  return 0;
}

/*===- gpu_fake_driver.c - A stand-in libcuda.so.1 for tests without a GPU ===*
 *
 * Built as fake-cuda/libcuda.so.1; tests put that folder on LD_LIBRARY_PATH
 * so the runtime's dlopen finds it instead of (or in the absence of) the
 * NVIDIA driver. It implements the entry points of runtime/src/cuda_driver.h
 * on the host, well enough to test the runtime's logic:
 *
 *  - device memory is host memory (a CUdeviceptr is a host address), copies
 *    are memcpy, streams complete work at once;
 *  - a module is its image's text; one starting with "\177ELF" is a cubin,
 *    others are PTX; cuModuleGetFunction finds any name in that text, and
 *    the "JIT" rejects text that contains "bogus";
 *  - kernels named kiln_test_axpb (y[i] = 2 x[i] + 1 for i < n: parameters
 *    const float *x, float *y, unsigned n) and kiln_test_copy (parameters
 *    const void *src, void *dst, unsigned long long bytes) run on the host,
 *    one loop iteration per CUDA thread of the grid; other kernels do nothing;
 *  - stream capture records launches instead of running them, and a graph
 *    launch runs what was recorded (the two test kernels' arguments are
 *    copied at capture, as the driver does); while a blocking stream (not
 *    CU_STREAM_NON_BLOCKING) captures, the legacy stream's capture status
 *    is CUDA_ERROR_STREAM_CAPTURE_IMPLICIT, as on the driver;
 *  - calls that need a context fail without one (push/pop are tracked per
 *    thread), and launches over 48 KiB of dynamic shared memory fail unless
 *    cuFuncSetAttribute allowed them.
 *
 * Built with KILN_FAKE_CUDA_BEFORE_11_4 (fake-cuda-11.0/libcuda.so.1) it
 * lacks cuGraphInstantiateWithFlags, as drivers for CUDA 11.0-11.3 do.
 *
 * Environment, read at each call so one test process can go through several
 * scenarios:
 *   KILN_FAKE_CUDA_DEVICES  number of devices (default 1; 0: cuInit fails)
 *   KILN_FAKE_CUDA_CC       compute capability as 10 * major + minor (90)
 *   KILN_FAKE_CUDA_FAIL     "symbol:code": that entry point returns code
 *                           (module loads also write a fake JIT log)
 *
 * kiln_fake_cuda_state(what) reports counters ("allocations", "streams",
 * "modules", "retained", "launches", "depth", "module_kind", "captures",
 * "graph_launches", "graphs": instantiated and not destroyed, "recorded":
 * launches recorded by captures) for checks.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L

#include "cuda_driver.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_SUCCESS 0u
#define FAKE_INVALID_VALUE 1u
#define FAKE_OUT_OF_MEMORY 2u
#define FAKE_NO_DEVICE 100u
#define FAKE_INVALID_DEVICE 101u
#define FAKE_INVALID_CONTEXT 201u
#define FAKE_NOT_FOUND 500u

#define FAKE_DEFAULT_SHARED (48 * 1024)
#define FAKE_MAX_SHARED (227 * 1024)
#define FAKE_MAX_FUNCTIONS 64

struct CUctx_st {
  int unused;
};

struct CUfunc_st {
  char name[128];
  int max_dynamic_shared;
};

struct CUmod_st {
  char *text;
  int is_cubin;
  int num_functions;
  struct CUfunc_st functions[FAKE_MAX_FUNCTIONS];
};

#define FAKE_MAX_RECORDED 64

/* One launch as a graph keeps it. */
struct fake_launch {
  struct CUfunc_st *function;
  unsigned long long threads;
  unsigned long long args[3];
};

struct CUgraph_st {
  int count;
  struct fake_launch launches[FAKE_MAX_RECORDED];
};

struct CUgraphExec_st {
  struct CUgraph_st graph;
};

struct CUstream_st {
  struct CUgraph_st *capture; /* non-NULL while capturing */
  unsigned flags;             /* 1: CU_STREAM_NON_BLOCKING */
};

static struct CUctx_st primary_context;
static int allocations, streams, modules, retained, launches, module_kind;
static int captures, graph_launches, graphs, recorded;
static int blocking_captures; /* blocking streams capturing now */
static _Thread_local int depth;

static int env_int(const char *name, int fallback) {
  const char *value = getenv(name);
  return value && *value ? atoi(value) : fallback;
}

/* The code KILN_FAKE_CUDA_FAIL asks `symbol` to fail with, or 0. */
static kiln_cu_result injected(const char *symbol) {
  const char *spec = getenv("KILN_FAKE_CUDA_FAIL");
  size_t length = strlen(symbol);
  if (!spec || strncmp(spec, symbol, length) != 0 || spec[length] != ':')
    return FAKE_SUCCESS;
  return (kiln_cu_result)atoi(spec + length + 1);
}

#define INJECT(symbol)                                                         \
  do {                                                                         \
    kiln_cu_result failure = injected(#symbol);                                \
    if (failure != FAKE_SUCCESS)                                               \
      return failure;                                                          \
  } while (0)

#define NEEDS_CONTEXT()                                                        \
  do {                                                                         \
    if (depth == 0)                                                            \
      return FAKE_INVALID_CONTEXT;                                             \
  } while (0)

int kiln_fake_cuda_state(const char *what) {
  if (!strcmp(what, "allocations"))
    return allocations;
  if (!strcmp(what, "streams"))
    return streams;
  if (!strcmp(what, "modules"))
    return modules;
  if (!strcmp(what, "retained"))
    return retained;
  if (!strcmp(what, "launches"))
    return launches;
  if (!strcmp(what, "depth"))
    return depth;
  if (!strcmp(what, "module_kind"))
    return module_kind;
  if (!strcmp(what, "captures"))
    return captures;
  if (!strcmp(what, "graph_launches"))
    return graph_launches;
  if (!strcmp(what, "graphs"))
    return graphs;
  if (!strcmp(what, "recorded"))
    return recorded;
  return -1;
}

kiln_cu_result cuInit(unsigned int flags) {
  INJECT(cuInit);
  if (flags != 0)
    return FAKE_INVALID_VALUE;
  return env_int("KILN_FAKE_CUDA_DEVICES", 1) > 0 ? FAKE_SUCCESS
                                                  : FAKE_NO_DEVICE;
}

kiln_cu_result cuDriverGetVersion(int *version) {
  *version = 12040;
  return FAKE_SUCCESS;
}

static const struct {
  kiln_cu_result code;
  const char *name;
  const char *text;
} errors[] = {
    {0, "CUDA_SUCCESS", "no error"},
    {1, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
    {101, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
    {201, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context"},
    {209, "CUDA_ERROR_NO_BINARY_FOR_GPU",
     "no kernel image is available for execution on the device"},
    {218, "CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"},
    {222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
     "the provided PTX was compiled with an unsupported toolchain."},
    {500, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {700, "CUDA_ERROR_ILLEGAL_ADDRESS",
     "an illegal memory access was encountered"},
};

static kiln_cu_result describe(kiln_cu_result error, const char **text,
                               int name) {
  for (size_t i = 0; i < sizeof errors / sizeof errors[0]; ++i)
    if (errors[i].code == error) {
      *text = name ? errors[i].name : errors[i].text;
      return FAKE_SUCCESS;
    }
  *text = NULL;
  return FAKE_INVALID_VALUE;
}

kiln_cu_result cuGetErrorString(kiln_cu_result error, const char **text) {
  return describe(error, text, 0);
}

kiln_cu_result cuGetErrorName(kiln_cu_result error, const char **text) {
  return describe(error, text, 1);
}

kiln_cu_result cuDeviceGetCount(int *count) {
  INJECT(cuDeviceGetCount);
  *count = env_int("KILN_FAKE_CUDA_DEVICES", 1);
  return FAKE_SUCCESS;
}

kiln_cu_result cuDeviceGet(kiln_cu_device *device, int ordinal) {
  if (ordinal < 0 || ordinal >= env_int("KILN_FAKE_CUDA_DEVICES", 1))
    return FAKE_INVALID_DEVICE;
  *device = ordinal;
  return FAKE_SUCCESS;
}

kiln_cu_result cuDeviceGetAttribute(int *value, unsigned int attribute,
                                    kiln_cu_device device) {
  (void)device;
  int cc = env_int("KILN_FAKE_CUDA_CC", 90);
  if (attribute == KILN_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)
    *value = cc / 10;
  else if (attribute == KILN_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR)
    *value = cc % 10;
  else
    return FAKE_INVALID_VALUE;
  return FAKE_SUCCESS;
}

kiln_cu_result cuDevicePrimaryCtxRetain(kiln_cu_context *context,
                                        kiln_cu_device device) {
  (void)device;
  INJECT(cuDevicePrimaryCtxRetain);
  ++retained;
  *context = &primary_context;
  return FAKE_SUCCESS;
}

kiln_cu_result cuDevicePrimaryCtxRelease_v2(kiln_cu_device device) {
  (void)device;
  if (retained == 0)
    return FAKE_INVALID_CONTEXT;
  --retained;
  return FAKE_SUCCESS;
}

kiln_cu_result cuCtxPushCurrent_v2(kiln_cu_context context) {
  INJECT(cuCtxPushCurrent_v2);
  if (context != &primary_context)
    return FAKE_INVALID_CONTEXT;
  ++depth;
  return FAKE_SUCCESS;
}

kiln_cu_result cuCtxPopCurrent_v2(kiln_cu_context *context) {
  if (depth == 0)
    return FAKE_INVALID_CONTEXT;
  --depth;
  *context = &primary_context;
  return FAKE_SUCCESS;
}

kiln_cu_result cuMemAlloc_v2(kiln_cu_deviceptr *pointer, size_t bytes) {
  NEEDS_CONTEXT();
  INJECT(cuMemAlloc_v2);
  if (bytes == 0)
    return FAKE_INVALID_VALUE;
  void *memory = aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!memory)
    return FAKE_OUT_OF_MEMORY;
  /* Garbage, as on a device: tests must not depend on zeroed memory. */
  memset(memory, 0x5a, bytes);
  ++allocations;
  *pointer = (kiln_cu_deviceptr)(uintptr_t)memory;
  return FAKE_SUCCESS;
}

kiln_cu_result cuMemFree_v2(kiln_cu_deviceptr pointer) {
  NEEDS_CONTEXT();
  free((void *)(uintptr_t)pointer);
  --allocations;
  return FAKE_SUCCESS;
}

kiln_cu_result cuMemcpyHtoDAsync_v2(kiln_cu_deviceptr dst, const void *src,
                                    size_t bytes, kiln_cu_stream stream) {
  (void)stream;
  NEEDS_CONTEXT();
  INJECT(cuMemcpyHtoDAsync_v2);
  memcpy((void *)(uintptr_t)dst, src, bytes);
  return FAKE_SUCCESS;
}

kiln_cu_result cuMemcpyDtoHAsync_v2(void *dst, kiln_cu_deviceptr src,
                                    size_t bytes, kiln_cu_stream stream) {
  (void)stream;
  NEEDS_CONTEXT();
  INJECT(cuMemcpyDtoHAsync_v2);
  memcpy(dst, (const void *)(uintptr_t)src, bytes);
  return FAKE_SUCCESS;
}

kiln_cu_result cuStreamCreate(kiln_cu_stream *stream, unsigned int flags) {
  NEEDS_CONTEXT();
  INJECT(cuStreamCreate);
  *stream = calloc(1, sizeof **stream);
  if (!*stream)
    return FAKE_OUT_OF_MEMORY;
  (*stream)->flags = flags;
  ++streams;
  return FAKE_SUCCESS;
}

kiln_cu_result cuStreamDestroy_v2(kiln_cu_stream stream) {
  NEEDS_CONTEXT();
  free(stream->capture);
  free(stream);
  --streams;
  return FAKE_SUCCESS;
}

kiln_cu_result cuStreamSynchronize(kiln_cu_stream stream) {
  (void)stream;
  NEEDS_CONTEXT();
  INJECT(cuStreamSynchronize);
  return FAKE_SUCCESS;
}

kiln_cu_result cuModuleLoadDataEx(kiln_cu_module *module, const void *image,
                                  unsigned int num_options,
                                  unsigned int *options, void **option_values) {
  NEEDS_CONTEXT();
  kiln_cu_result failure = injected("cuModuleLoadDataEx");
  if (failure == FAKE_SUCCESS && strstr(image, "bogus"))
    failure = 218; /* CUDA_ERROR_INVALID_PTX */
  if (failure != FAKE_SUCCESS) {
    for (unsigned i = 0; i + 1 < num_options; ++i)
      if (options[i] == KILN_CU_JIT_ERROR_LOG_BUFFER &&
          options[i + 1] == KILN_CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES)
        snprintf(option_values[i], (size_t)option_values[i + 1],
                 "ptxas application ptx input, line 1; fatal : fake JIT "
                 "error %u",
                 failure);
    return failure;
  }
  struct CUmod_st *loaded = calloc(1, sizeof *loaded);
  if (!loaded)
    return FAKE_OUT_OF_MEMORY;
  loaded->is_cubin = memcmp(image, "\177ELF", 4) == 0;
  loaded->text = strdup(image);
  if (!loaded->text) {
    free(loaded);
    return FAKE_OUT_OF_MEMORY;
  }
  module_kind = loaded->is_cubin ? 'c' : 'p';
  ++modules;
  *module = loaded;
  return FAKE_SUCCESS;
}

kiln_cu_result cuModuleUnload(kiln_cu_module module) {
  NEEDS_CONTEXT();
  free(module->text);
  free(module);
  --modules;
  return FAKE_SUCCESS;
}

kiln_cu_result cuModuleGetFunction(kiln_cu_function *function,
                                   kiln_cu_module module, const char *name) {
  NEEDS_CONTEXT();
  if (!strstr(module->text, name) || strlen(name) >= 128 ||
      module->num_functions == FAKE_MAX_FUNCTIONS)
    return FAKE_NOT_FOUND;
  struct CUfunc_st *found = &module->functions[module->num_functions++];
  strcpy(found->name, name);
  found->max_dynamic_shared = FAKE_DEFAULT_SHARED;
  *function = found;
  return FAKE_SUCCESS;
}

kiln_cu_result cuFuncSetAttribute(kiln_cu_function function,
                                  unsigned int attribute, int value) {
  NEEDS_CONTEXT();
  if (attribute != KILN_CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES ||
      value < 0 || value > FAKE_MAX_SHARED)
    return FAKE_INVALID_VALUE;
  function->max_dynamic_shared = value;
  return FAKE_SUCCESS;
}

/* Runs one of the test kernels on the host, one iteration per thread. */
static void execute(const struct fake_launch *launch) {
  if (!strcmp(launch->function->name, "kiln_test_axpb")) {
    const float *x = (const float *)(uintptr_t)launch->args[0];
    float *y = (float *)(uintptr_t)launch->args[1];
    unsigned long long n = launch->args[2];
    for (unsigned long long i = 0; i < launch->threads && i < n; ++i)
      y[i] = 2.0f * x[i] + 1.0f;
  } else if (!strcmp(launch->function->name, "kiln_test_copy")) {
    const char *src = (const char *)(uintptr_t)launch->args[0];
    char *dst = (char *)(uintptr_t)launch->args[1];
    unsigned long long bytes = launch->args[2];
    for (unsigned long long i = 0; i < launch->threads && i < bytes; ++i)
      dst[i] = src[i];
  }
}

kiln_cu_result cuLaunchKernel(kiln_cu_function function, unsigned int grid_x,
                              unsigned int grid_y, unsigned int grid_z,
                              unsigned int block_x, unsigned int block_y,
                              unsigned int block_z, unsigned int shared_bytes,
                              kiln_cu_stream stream, void **params,
                              void **extra) {
  (void)extra;
  NEEDS_CONTEXT();
  INJECT(cuLaunchKernel);
  if (!grid_x || !grid_y || !grid_z || !block_x || !block_y || !block_z ||
      (unsigned long long)block_x * block_y * block_z > 1024 ||
      shared_bytes > (unsigned)function->max_dynamic_shared)
    return FAKE_INVALID_VALUE;
  ++launches;
  struct fake_launch launch = {function,
                               (unsigned long long)grid_x * block_x * grid_y *
                                   block_y * grid_z * block_z,
                               {0, 0, 0}};
  if (!strcmp(function->name, "kiln_test_axpb")) {
    launch.args[0] = *(kiln_cu_deviceptr *)params[0];
    launch.args[1] = *(kiln_cu_deviceptr *)params[1];
    launch.args[2] = *(unsigned *)params[2];
  } else if (!strcmp(function->name, "kiln_test_copy")) {
    launch.args[0] = *(kiln_cu_deviceptr *)params[0];
    launch.args[1] = *(kiln_cu_deviceptr *)params[1];
    launch.args[2] = *(unsigned long long *)params[2];
  }
  if (stream && stream->capture) {
    if (stream->capture->count == FAKE_MAX_RECORDED)
      return FAKE_OUT_OF_MEMORY;
    stream->capture->launches[stream->capture->count++] = launch;
    ++recorded;
    return FAKE_SUCCESS;
  }
  execute(&launch);
  return FAKE_SUCCESS;
}

kiln_cu_result cuStreamIsCapturing(kiln_cu_stream stream, unsigned int *status) {
  NEEDS_CONTEXT();
  INJECT(cuStreamIsCapturing);
  /* The legacy stream is unusable while a blocking stream captures. */
  if (!stream && blocking_captures)
    return 906; /* CUDA_ERROR_STREAM_CAPTURE_IMPLICIT */
  *status = stream && stream->capture ? 1u : 0u; /* ACTIVE or NONE */
  return FAKE_SUCCESS;
}

kiln_cu_result cuStreamBeginCapture_v2(kiln_cu_stream stream,
                                       unsigned int mode) {
  (void)mode;
  NEEDS_CONTEXT();
  INJECT(cuStreamBeginCapture_v2);
  if (!stream || stream->capture)
    return 401; /* CUDA_ERROR_ILLEGAL_STATE */
  stream->capture = calloc(1, sizeof *stream->capture);
  if (!stream->capture)
    return FAKE_OUT_OF_MEMORY;
  ++captures;
  if (!(stream->flags & 1u))
    ++blocking_captures;
  return FAKE_SUCCESS;
}

kiln_cu_result cuStreamEndCapture(kiln_cu_stream stream, kiln_cu_graph *graph) {
  NEEDS_CONTEXT();
  if (!stream || !stream->capture)
    return 401;
  *graph = stream->capture;
  stream->capture = NULL;
  if (!(stream->flags & 1u))
    --blocking_captures;
  INJECT(cuStreamEndCapture);
  return FAKE_SUCCESS;
}

#ifndef KILN_FAKE_CUDA_BEFORE_11_4
kiln_cu_result cuGraphInstantiateWithFlags(kiln_cu_graph_exec *exec,
                                           kiln_cu_graph graph,
                                           unsigned long long flags) {
  (void)flags;
  NEEDS_CONTEXT();
  INJECT(cuGraphInstantiateWithFlags);
  *exec = malloc(sizeof **exec);
  if (!*exec)
    return FAKE_OUT_OF_MEMORY;
  (*exec)->graph = *graph;
  ++graphs;
  return FAKE_SUCCESS;
}
#endif

kiln_cu_result cuGraphLaunch(kiln_cu_graph_exec exec, kiln_cu_stream stream) {
  NEEDS_CONTEXT();
  INJECT(cuGraphLaunch);
  if (stream && stream->capture)
    return 900; /* CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED: the runtime must
                   never need this (it launches directly there), so the
                   fake refuses it to make a test notice */
  ++graph_launches;
  for (int i = 0; i < exec->graph.count; ++i)
    execute(&exec->graph.launches[i]);
  return FAKE_SUCCESS;
}

kiln_cu_result cuGraphExecDestroy(kiln_cu_graph_exec exec) {
  free(exec);
  --graphs;
  return FAKE_SUCCESS;
}

kiln_cu_result cuGraphDestroy(kiln_cu_graph graph) {
  free(graph);
  return FAKE_SUCCESS;
}

/*===- cuda.c - GPU contexts over the CUDA driver, loaded at run time -----===*
 *
 * The GPU half of the runtime: loads libcuda.so.1 with dlopen (so a library
 * built for the GPU links with -lm -lpthread only and fails softly where
 * there is no driver), loads a model's CUDA module once per context, and
 * launches kernels for the host code the compiler generates.
 *
 * Design:
 *  - The driver is loaded and initialized once per copy of the runtime
 *    (pthread_once) and never unloaded: the driver does not support being
 *    unloaded while other parts of the process may use it.
 *  - Everything a context needs is allocated in kiln_rt_gpu_create, device
 *    memory included; launching and running only queue work, so the hot
 *    path allocates nothing (the driver may, inside its own calls).
 *  - Launch errors are sticky in the context: the generated host code is a
 *    straight line of launches that returns kiln_rt_gpu_status at the end.
 *  - Failures are described in text (the call, the driver's error name and
 *    message, the PTX compiler's log) because "a CUDA call failed" alone
 *    does not help anyone fix a deployment.
 *  - Contexts share the device's primary CUDA context, as the CUDA runtime
 *    API does, so applications can pass their own streams and buffers.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L

#include "kiln/runtime.h"

#include "cuda_driver.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The soname the NVIDIA driver installs; the unversioned libcuda.so only
 * exists with the development files (and may be the toolkit's stub). */
#define KILN_CUDA_LIBRARY "libcuda.so.1"

/* Kernels may use this much dynamic shared memory without opting in. */
#define KILN_DEFAULT_DYNAMIC_SHARED_BYTES (48u * 1024u)

/* Device buffers for kiln_rt_gpu_run_host are carved out of one allocation
 * at this alignment (what cuMemAlloc guarantees for each allocation). */
#define KILN_DEVICE_BUFFER_ALIGNMENT 256u

#define KILN_ERROR_TEXT_SIZE 2048
#define KILN_JIT_LOG_SIZE 4096

/*===-- The driver --------------------------------------------------------===*/

static struct {
  pthread_once_t once;
  int status;  /* KILN_OK once loaded and initialized */
  int version; /* cuDriverGetVersion: 1000 * major + 10 * minor */
  char error[KILN_ERROR_TEXT_SIZE]; /* why status is not KILN_OK */
#define KILN_CUDA_DECLARE_FIELD(field, symbol, params)                         \
  kiln_cu_##field##_fn field;
  KILN_CUDA_DRIVER_FUNCTIONS(KILN_CUDA_DECLARE_FIELD)
  KILN_CUDA_GRAPH_FUNCTIONS(KILN_CUDA_DECLARE_FIELD)
#undef KILN_CUDA_DECLARE_FIELD
  int has_graphs; /* every entry point of KILN_CUDA_GRAPH_FUNCTIONS loaded */
} driver = {.once = PTHREAD_ONCE_INIT};

/* Why the calling thread's last kiln_rt_gpu_create failed. */
static _Thread_local char create_error[KILN_ERROR_TEXT_SIZE];

static void format_text(char *buffer, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Formats into a KILN_ERROR_TEXT_SIZE buffer, truncating. */
static void format_text(char *buffer, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(buffer, KILN_ERROR_TEXT_SIZE, format, args);
  va_end(args);
}

/* "CUDA_ERROR_OUT_OF_MEMORY (2): out of memory", whatever the driver knows. */
static void describe_result(kiln_cu_result result, char *buffer, size_t size) {
  const char *name = NULL;
  const char *text = NULL;
  if (driver.get_error_name(result, &name) != KILN_CUDA_SUCCESS || !name)
    name = "unknown CUDA error";
  if (driver.get_error_string(result, &text) != KILN_CUDA_SUCCESS || !text)
    text = "no description";
  snprintf(buffer, size, "%s (%u): %s", name, result, text);
}

static void load_driver(void) {
  void *library = dlopen(KILN_CUDA_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    format_text(driver.error,
                "cannot load the CUDA driver " KILN_CUDA_LIBRARY
                " (is the NVIDIA driver installed?): %s",
                why ? why : "unknown reason");
    driver.status = KILN_ERROR_NO_DEVICE;
    return;
  }
  /* POSIX guarantees that dlsym results convert to function pointers; ISO C
   * has no cast for it, hence the copy of the bytes. */
#define KILN_CUDA_LOAD(field, symbol, params)                                  \
  {                                                                            \
    void *address = dlsym(library, #symbol);                                   \
    if (!address) {                                                            \
      format_text(driver.error,                                                \
                  "the CUDA driver " KILN_CUDA_LIBRARY " has no %s: it is "    \
                  "too old (Kiln needs a driver for CUDA 11.0 or newer)",      \
                  #symbol);                                                    \
      driver.status = KILN_ERROR_NO_DEVICE;                                    \
      return;                                                                  \
    }                                                                          \
    memcpy(&driver.field, &address, sizeof address);                           \
  }
  KILN_CUDA_DRIVER_FUNCTIONS(KILN_CUDA_LOAD)
#undef KILN_CUDA_LOAD
  driver.has_graphs = 1;
#define KILN_CUDA_LOAD_OPTIONAL(field, symbol, params)                         \
  {                                                                            \
    void *address = dlsym(library, #symbol);                                   \
    driver.has_graphs &= address != NULL;                                      \
    memcpy(&driver.field, &address, sizeof address);                           \
  }
  KILN_CUDA_GRAPH_FUNCTIONS(KILN_CUDA_LOAD_OPTIONAL)
#undef KILN_CUDA_LOAD_OPTIONAL

  kiln_cu_result result = driver.init(0);
  if (result != KILN_CUDA_SUCCESS) {
    char what[256];
    describe_result(result, what, sizeof what);
    /* Every cuInit failure means this process cannot use a GPU: no device,
     * a stub library, a kernel module that does not match the library. */
    format_text(driver.error, "the CUDA driver failed to initialize: %s", what);
    driver.status = KILN_ERROR_NO_DEVICE;
    return;
  }
  if (driver.driver_get_version(&driver.version) != KILN_CUDA_SUCCESS)
    driver.version = 0;
  driver.status = KILN_OK;
}

/*===-- Contexts ----------------------------------------------------------===*/

struct kiln_rt_gpu_context {
  kiln_cu_device device;
  kiln_cu_context primary; /* retained; NULL until then */
  kiln_cu_module module;
  kiln_cu_stream stream; /* for kiln_rt_gpu_run_host */

  int num_kernels;
  kiln_cu_function *kernels;
  unsigned *kernel_shared_limit; /* dynamic shared bytes opted into */
  char **kernel_names;           /* for messages; one block of text */

  kiln_cu_deviceptr workspace;
  kiln_cu_deviceptr weights;
  kiln_cu_deviceptr io; /* every buffer of kiln_rt_gpu_run_host */
  int num_inputs;
  int num_outputs;
  size_t *input_sizes;
  size_t *output_sizes;
  void **dev_inputs; /* device addresses within `io` */
  void **dev_outputs;

  /* The CUDA graph of the last run's launches, replayed while the entry
   * and the device buffers stay the same (graph_buffers: inputs, then
   * outputs). use_graphs is 0 without the driver's graph entry points, with
   * KILN_CUDA_GRAPHS=0 in the environment, or after a capture failed.
   * Captures happen on capture_stream, a non-blocking stream of the
   * context's own, so that no stream of the caller's (nor the legacy
   * stream) is ever in capture mode; graph_misses counts captures since
   * the cached graph was last replayed. */
  int use_graphs;
  int graph_misses;
  /* The entry and buffers of the last direct run after too many misses: a
   * second run on the same ones (the buffers have settled) captures again. */
  kiln_rt_gpu_entry_fn direct_entry;
  const void **direct_buffers;
  kiln_cu_stream capture_stream;
  kiln_cu_graph_exec graph;
  kiln_rt_gpu_entry_fn graph_entry;
  const void **graph_buffers;

  int status; /* first error since the last kiln_rt_gpu_status */
  char last_error[KILN_ERROR_TEXT_SIZE];
};

/* Records a failure: keeps the first status, describes the latest. */
static int fail(kiln_rt_gpu_context *ctx, int status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(kiln_rt_gpu_context *ctx, int status, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(ctx->last_error, sizeof ctx->last_error, format, args);
  va_end(args);
  if (ctx->status == KILN_OK)
    ctx->status = status;
  return status;
}

/* Records a failed driver call `what` with the driver's description. */
static int fail_call(kiln_rt_gpu_context *ctx, int status, const char *what,
                     kiln_cu_result result) {
  char description[256];
  describe_result(result, description, sizeof description);
  return fail(ctx, status, "%s failed: %s", what, description);
}

/* PTX names its oldest GPU in a `.target sm_XY[a|f]` directive. */
struct ptx_target {
  int sm;      /* 10 * major + minor, 0 if not found */
  char suffix; /* 'a' (this exact GPU), 'f' (this family) or 0 */
};

static const char *skip_blanks(const char *p) {
  while (*p == ' ' || *p == '\t')
    ++p;
  return p;
}

/* The rest of the first line that starts with `directive`, or NULL. */
static const char *find_directive(const char *ptx, const char *directive) {
  size_t length = strlen(directive);
  for (const char *line = ptx; line && *line;) {
    const char *p = skip_blanks(line);
    if (strncmp(p, directive, length) == 0 &&
        (p[length] == ' ' || p[length] == '\t'))
      return skip_blanks(p + length);
    line = strchr(line, '\n');
    if (line)
      ++line;
  }
  return NULL;
}

static struct ptx_target parse_ptx_target(const char *ptx) {
  struct ptx_target target = {0, 0};
  const char *p = find_directive(ptx, ".target");
  if (!p || strncmp(p, "sm_", 3) != 0)
    return target;
  int sm = 0;
  for (p += 3; *p >= '0' && *p <= '9' && sm < 10000; ++p)
    sm = sm * 10 + (*p - '0');
  target.sm = sm;
  if (*p == 'a' || *p == 'f')
    target.suffix = *p;
  return target;
}

/* "8.0" from `.version 8.0`, into `buffer`; "unknown" if absent. */
static void parse_ptx_version(const char *ptx, char *buffer, size_t size) {
  const char *p = find_directive(ptx, ".version");
  size_t length = 0;
  while (p && length + 1 < size &&
         ((p[length] >= '0' && p[length] <= '9') || p[length] == '.'))
    ++length;
  if (length == 0) {
    snprintf(buffer, size, "unknown");
    return;
  }
  memcpy(buffer, p, length);
  buffer[length] = '\0';
}

/* Whether a device of compute capability `cc` (10 * major + minor) runs
 * PTX compiled for `target`; if not, describes why in ctx->last_error. */
static int check_ptx_target(kiln_rt_gpu_context *ctx, struct ptx_target target,
                            int cc) {
  if (target.sm == 0)
    return KILN_OK; /* nothing to check; the driver will judge */
  int runs;
  if (target.suffix == 'a')
    runs = cc == target.sm;
  else if (target.suffix == 'f')
    runs = cc / 10 == target.sm / 10 && cc >= target.sm;
  else
    runs = cc >= target.sm;
  if (runs)
    return KILN_OK;
  if (target.suffix)
    return fail(ctx, KILN_ERROR_NO_DEVICE,
                "the GPU's compute capability %d.%d cannot run this library's "
                "PTX, built for sm_%d%c (%s): compile the model for this GPU "
                "(kilnc --gpu sm_%d)",
                cc / 10, cc % 10, target.sm, target.suffix,
                target.suffix == 'a' ? "that exact GPU only"
                                     : "that GPU family only",
                cc);
  return fail(ctx, KILN_ERROR_NO_DEVICE,
              "the GPU's compute capability %d.%d is older than the PTX "
              "target sm_%d of this library: compile the model for this GPU "
              "(kilnc --gpu sm_%d)",
              cc / 10, cc % 10, target.sm, cc);
}

/* Loads the cubin when it was built for exactly this GPU, else has the
 * driver compile the PTX. */
static int load_module(kiln_rt_gpu_context *ctx,
                       const kiln_rt_gpu_module_desc *desc, int cc) {
  kiln_cu_result result;
  char cubin_failure[256] = "";
  if (desc->cubin && desc->cubin_size && desc->cubin_sm == cc) {
    result =
        driver.module_load_data_ex(&ctx->module, desc->cubin, 0, NULL, NULL);
    if (result == KILN_CUDA_SUCCESS)
      return KILN_OK;
    /* A cubin the driver refuses (say, from a newer toolkit) still leaves
     * the PTX, which the driver compiles itself. */
    describe_result(result, cubin_failure, sizeof cubin_failure);
    ctx->module = NULL;
  }
  if (!desc->ptx) {
    if (cubin_failure[0])
      return fail(ctx, KILN_ERROR_DEVICE,
                  "the library's cubin failed to load and it holds no PTX: %s",
                  cubin_failure);
    return fail(ctx, KILN_ERROR_NO_DEVICE,
                "the library holds only a cubin for sm_%d and no PTX: it "
                "cannot run on this GPU (compute capability %d.%d)",
                desc->cubin_sm, cc / 10, cc % 10);
  }

  struct ptx_target target = parse_ptx_target(desc->ptx);
  int status = check_ptx_target(ctx, target, cc);
  if (status != KILN_OK)
    return status;

  char log[KILN_JIT_LOG_SIZE] = "";
  unsigned options[2] = {KILN_CU_JIT_ERROR_LOG_BUFFER,
                         KILN_CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[2] = {log, (void *)(size_t)sizeof log};
  result =
      driver.module_load_data_ex(&ctx->module, desc->ptx, 2, options, values);
  if (result == KILN_CUDA_SUCCESS)
    return KILN_OK;
  ctx->module = NULL;
  log[sizeof log - 1] = '\0';

  char description[256];
  describe_result(result, description, sizeof description);
  if (result == KILN_CUDA_ERROR_UNSUPPORTED_PTX_VERSION) {
    char version[16];
    parse_ptx_version(desc->ptx, version, sizeof version);
    return fail(ctx, KILN_ERROR_NO_DEVICE,
                "the CUDA driver (CUDA %d.%d) is too old for this library's "
                "PTX (ISA version %s): update the NVIDIA driver (%s)",
                driver.version / 1000, driver.version % 1000 / 10, version,
                description);
  }
  return fail(ctx,
              result == KILN_CUDA_ERROR_NO_BINARY_FOR_GPU ? KILN_ERROR_NO_DEVICE
                                                          : KILN_ERROR_DEVICE,
              "the CUDA driver could not compile the PTX for compute "
              "capability %d.%d: %s%s%s%s%s",
              cc / 10, cc % 10, description, log[0] ? "; log: " : "", log,
              cubin_failure[0] ? "; the cubin failed to load too: " : "",
              cubin_failure);
}

static size_t align_up(size_t value, size_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

/* Host-side allocations: the tables the context keeps. */
static int allocate_tables(kiln_rt_gpu_context *ctx,
                           const kiln_rt_gpu_module_desc *desc) {
  size_t names_bytes = 0;
  for (int k = 0; k < desc->num_kernels; ++k) {
    if (!desc->kernel_names[k])
      return fail(ctx, KILN_ERROR_NULL_ARGUMENT,
                  "kiln_rt_gpu_create: kernel name %d is NULL", k);
    names_bytes += strlen(desc->kernel_names[k]) + 1;
  }
  size_t kernels = desc->num_kernels ? (size_t)desc->num_kernels : 1;
  size_t inputs = desc->num_inputs ? (size_t)desc->num_inputs : 1;
  size_t outputs = desc->num_outputs ? (size_t)desc->num_outputs : 1;
  ctx->kernels = calloc(kernels, sizeof *ctx->kernels);
  ctx->kernel_shared_limit = calloc(kernels, sizeof *ctx->kernel_shared_limit);
  ctx->kernel_names = calloc(kernels, sizeof *ctx->kernel_names);
  char *names = malloc(names_bytes ? names_bytes : 1);
  if (ctx->kernel_names)
    ctx->kernel_names[0] = names; /* owns the block, freed with it */
  else
    free(names);
  ctx->input_sizes = calloc(inputs, sizeof *ctx->input_sizes);
  ctx->output_sizes = calloc(outputs, sizeof *ctx->output_sizes);
  ctx->dev_inputs = calloc(inputs, sizeof *ctx->dev_inputs);
  ctx->dev_outputs = calloc(outputs, sizeof *ctx->dev_outputs);
  ctx->graph_buffers = calloc(inputs + outputs, sizeof *ctx->graph_buffers);
  ctx->direct_buffers = calloc(inputs + outputs, sizeof *ctx->direct_buffers);
  if (!ctx->kernels || !ctx->kernel_shared_limit || !ctx->kernel_names ||
      !names || !ctx->input_sizes || !ctx->output_sizes || !ctx->dev_inputs ||
      !ctx->dev_outputs || !ctx->graph_buffers || !ctx->direct_buffers)
    return fail(ctx, KILN_ERROR_DEVICE,
                "kiln_rt_gpu_create: out of host memory");

  for (int k = 0; k < desc->num_kernels; ++k) {
    size_t length = strlen(desc->kernel_names[k]) + 1;
    memcpy(names, desc->kernel_names[k], length);
    ctx->kernel_names[k] = names;
    names += length;
    ctx->kernel_shared_limit[k] = KILN_DEFAULT_DYNAMIC_SHARED_BYTES;
  }
  ctx->num_kernels = desc->num_kernels;
  const char *graphs = getenv("KILN_CUDA_GRAPHS");
  ctx->use_graphs = driver.has_graphs && desc->num_kernels &&
                    !(graphs && !strcmp(graphs, "0"));
  ctx->num_inputs = desc->num_inputs;
  ctx->num_outputs = desc->num_outputs;
  if (desc->num_inputs)
    memcpy(ctx->input_sizes, desc->input_sizes,
           desc->num_inputs * sizeof *ctx->input_sizes);
  if (desc->num_outputs)
    memcpy(ctx->output_sizes, desc->output_sizes,
           desc->num_outputs * sizeof *ctx->output_sizes);
  return KILN_OK;
}

/* Device memory: workspace, weights (uploaded), buffers for run_host. */
static int allocate_device_memory(kiln_rt_gpu_context *ctx,
                                  const kiln_rt_gpu_module_desc *desc) {
  kiln_cu_result result;
  char what[128];
  if (desc->workspace_size) {
    result = driver.mem_alloc(&ctx->workspace, desc->workspace_size);
    if (result != KILN_CUDA_SUCCESS) {
      snprintf(what, sizeof what, "allocating the %zu-byte device workspace",
               desc->workspace_size);
      return fail_call(ctx, KILN_ERROR_DEVICE, what, result);
    }
  }
  if (desc->weights_size) {
    result = driver.mem_alloc(&ctx->weights, desc->weights_size);
    if (result != KILN_CUDA_SUCCESS) {
      snprintf(what, sizeof what,
               "allocating %zu bytes of device memory for the weights",
               desc->weights_size);
      return fail_call(ctx, KILN_ERROR_DEVICE, what, result);
    }
    result = driver.memcpy_htod_async(ctx->weights, desc->weights,
                                      desc->weights_size, ctx->stream);
    if (result == KILN_CUDA_SUCCESS)
      result = driver.stream_synchronize(ctx->stream);
    if (result != KILN_CUDA_SUCCESS)
      return fail_call(ctx, KILN_ERROR_DEVICE,
                       "uploading the weights to the device", result);
  }

  size_t total = 0;
  for (int i = 0; i < ctx->num_inputs; ++i)
    total += align_up(ctx->input_sizes[i], KILN_DEVICE_BUFFER_ALIGNMENT);
  for (int i = 0; i < ctx->num_outputs; ++i)
    total += align_up(ctx->output_sizes[i], KILN_DEVICE_BUFFER_ALIGNMENT);
  if (total) {
    result = driver.mem_alloc(&ctx->io, total);
    if (result != KILN_CUDA_SUCCESS) {
      snprintf(what, sizeof what,
               "allocating %zu bytes of device memory for the inputs and "
               "outputs",
               total);
      return fail_call(ctx, KILN_ERROR_DEVICE, what, result);
    }
  }
  kiln_cu_deviceptr next = ctx->io;
  for (int i = 0; i < ctx->num_inputs; ++i) {
    ctx->dev_inputs[i] = (void *)(size_t)next;
    next += align_up(ctx->input_sizes[i], KILN_DEVICE_BUFFER_ALIGNMENT);
  }
  for (int i = 0; i < ctx->num_outputs; ++i) {
    ctx->dev_outputs[i] = (void *)(size_t)next;
    next += align_up(ctx->output_sizes[i], KILN_DEVICE_BUFFER_ALIGNMENT);
  }
  return KILN_OK;
}

/* Everything after the host tables, with the primary context current. */
static int load_onto_device(kiln_rt_gpu_context *ctx,
                            const kiln_rt_gpu_module_desc *desc, int cc) {
  /* A model without kernels (its outputs are empty, or constants the
   * host copies) loads no module. */
  int status = desc->num_kernels ? load_module(ctx, desc, cc) : KILN_OK;
  if (status != KILN_OK)
    return status;
  for (int k = 0; k < ctx->num_kernels; ++k) {
    kiln_cu_result result = driver.module_get_function(
        &ctx->kernels[k], ctx->module, ctx->kernel_names[k]);
    if (result != KILN_CUDA_SUCCESS) {
      char what[320];
      snprintf(what, sizeof what, "looking up kernel %d (%.256s) in the module",
               k, ctx->kernel_names[k]);
      return fail_call(ctx, KILN_ERROR_DEVICE, what, result);
    }
  }
  /* A blocking stream: kiln_rt_gpu_run_host then also waits for work the
   * application queued on the legacy default stream before it, as a
   * synchronous call should. */
  kiln_cu_result result =
      driver.stream_create(&ctx->stream, KILN_CU_STREAM_DEFAULT);
  if (result != KILN_CUDA_SUCCESS)
    return fail_call(ctx, KILN_ERROR_DEVICE, "creating a stream", result);
  if (ctx->use_graphs &&
      driver.stream_create(&ctx->capture_stream, KILN_CU_STREAM_NON_BLOCKING) !=
          KILN_CUDA_SUCCESS) {
    ctx->capture_stream = NULL;
    ctx->use_graphs = 0;
  }
  return allocate_device_memory(ctx, desc);
}

static int init_context(kiln_rt_gpu_context *ctx,
                        const kiln_rt_gpu_module_desc *desc, int ordinal) {
  int status = allocate_tables(ctx, desc);
  if (status != KILN_OK)
    return status;

  int count = 0;
  kiln_cu_result result = driver.device_get_count(&count);
  if (result != KILN_CUDA_SUCCESS)
    return fail_call(ctx, KILN_ERROR_NO_DEVICE, "counting CUDA devices",
                     result);
  if (ordinal < 0 || ordinal >= count)
    return fail(ctx, KILN_ERROR_NO_DEVICE,
                "there is no CUDA device %d (the driver reports %d)", ordinal,
                count);
  result = driver.device_get(&ctx->device, ordinal);
  if (result != KILN_CUDA_SUCCESS)
    return fail_call(ctx, KILN_ERROR_NO_DEVICE, "opening the CUDA device",
                     result);
  int major = 0, minor = 0;
  result = driver.device_get_attribute(
      &major, KILN_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, ctx->device);
  if (result == KILN_CUDA_SUCCESS)
    result = driver.device_get_attribute(
        &minor, KILN_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, ctx->device);
  if (result != KILN_CUDA_SUCCESS)
    return fail_call(ctx, KILN_ERROR_DEVICE,
                     "querying the device's compute capability", result);

  result = driver.device_primary_ctx_retain(&ctx->primary, ctx->device);
  if (result != KILN_CUDA_SUCCESS) {
    ctx->primary = NULL;
    return fail_call(ctx, KILN_ERROR_DEVICE,
                     "retaining the device's primary context", result);
  }
  result = driver.ctx_push_current(ctx->primary);
  if (result != KILN_CUDA_SUCCESS)
    return fail_call(ctx, KILN_ERROR_DEVICE, "making the context current",
                     result);
  status = load_onto_device(ctx, desc, 10 * major + minor);
  kiln_cu_context popped;
  result = driver.ctx_pop_current(&popped);
  if (result != KILN_CUDA_SUCCESS && status == KILN_OK)
    status = fail_call(ctx, KILN_ERROR_DEVICE,
                       "restoring the caller's CUDA context", result);
  return status;
}

/* A description the runtime cannot act on: a compiler or caller bug. */
static const char *check_desc(const kiln_rt_gpu_module_desc *desc) {
  if (desc->num_kernels && !desc->ptx && !(desc->cubin && desc->cubin_size))
    return "the module has neither PTX nor a cubin";
  if (desc->num_kernels < 0 || (desc->num_kernels && !desc->kernel_names))
    return "the kernel names are missing";
  if (desc->weights_size && !desc->weights)
    return "the weights are missing";
  if (desc->num_inputs < 0 || (desc->num_inputs && !desc->input_sizes))
    return "the input sizes are missing";
  if (desc->num_outputs < 0 || (desc->num_outputs && !desc->output_sizes))
    return "the output sizes are missing";
  return NULL;
}

int kiln_rt_gpu_create(const kiln_rt_gpu_module_desc *desc, int device,
                       kiln_rt_gpu_context **out) {
  create_error[0] = '\0';
  if (out)
    *out = NULL;
  if (!desc || !out) {
    format_text(create_error, "kiln_rt_gpu_create: %s is NULL",
                desc ? "out" : "desc");
    return KILN_ERROR_NULL_ARGUMENT;
  }
  const char *bad = check_desc(desc);
  if (bad) {
    format_text(create_error, "kiln_rt_gpu_create: %s", bad);
    return KILN_ERROR_NULL_ARGUMENT;
  }

  pthread_once(&driver.once, load_driver);
  if (driver.status != KILN_OK) {
    format_text(create_error, "%s", driver.error);
    return driver.status;
  }

  kiln_rt_gpu_context *ctx = calloc(1, sizeof *ctx);
  if (!ctx) {
    format_text(create_error, "kiln_rt_gpu_create: out of host memory");
    return KILN_ERROR_DEVICE;
  }
  int status = init_context(ctx, desc, device);
  if (status != KILN_OK) {
    format_text(create_error, "%s", ctx->last_error);
    kiln_rt_gpu_destroy(ctx);
    return status;
  }
  *out = ctx;
  return KILN_OK;
}

void kiln_rt_gpu_destroy(kiln_rt_gpu_context *ctx) {
  if (!ctx)
    return;
  if (ctx->primary &&
      driver.ctx_push_current(ctx->primary) == KILN_CUDA_SUCCESS) {
    /* Failures here cannot be reported (and leave nothing to retry). */
    if (ctx->stream) {
      driver.stream_synchronize(ctx->stream);
      driver.stream_destroy(ctx->stream);
    }
    if (ctx->capture_stream)
      driver.stream_destroy(ctx->capture_stream);
    if (ctx->io)
      driver.mem_free(ctx->io);
    if (ctx->weights)
      driver.mem_free(ctx->weights);
    if (ctx->workspace)
      driver.mem_free(ctx->workspace);
    if (ctx->graph)
      driver.graph_exec_destroy(ctx->graph);
    if (ctx->module)
      driver.module_unload(ctx->module);
    kiln_cu_context popped;
    driver.ctx_pop_current(&popped);
  }
  if (ctx->primary)
    driver.device_primary_ctx_release(ctx->device);
  if (ctx->kernel_names)
    free(ctx->kernel_names[0]);
  free(ctx->kernel_names);
  free(ctx->kernels);
  free(ctx->kernel_shared_limit);
  free(ctx->input_sizes);
  free(ctx->output_sizes);
  free(ctx->dev_inputs);
  free(ctx->dev_outputs);
  free(ctx->graph_buffers);
  free(ctx->direct_buffers);
  free(ctx);
}

void *kiln_rt_gpu_workspace(kiln_rt_gpu_context *ctx) {
  return ctx ? (void *)(size_t)ctx->workspace : NULL;
}

const void *kiln_rt_gpu_weights(kiln_rt_gpu_context *ctx) {
  return ctx ? (const void *)(size_t)ctx->weights : NULL;
}

void kiln_rt_gpu_launch(kiln_rt_gpu_context *ctx, int kernel, unsigned gx,
                        unsigned gy, unsigned gz, unsigned bx, unsigned by,
                        unsigned bz, unsigned shared_bytes, void *stream,
                        void **args) {
  if (!ctx || ctx->status != KILN_OK)
    return;
  if (kernel < 0 || kernel >= ctx->num_kernels) {
    fail(ctx, KILN_ERROR_DEVICE,
         "kiln_rt_gpu_launch: kernel %d does not exist (the module has %d)",
         kernel, ctx->num_kernels);
    return;
  }
  kiln_cu_function function = ctx->kernels[kernel];
  kiln_cu_result result;
  char what[384];
  if (shared_bytes > ctx->kernel_shared_limit[kernel]) {
    result = driver.func_set_attribute(
        function, KILN_CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
        (int)shared_bytes);
    if (result != KILN_CUDA_SUCCESS) {
      snprintf(what, sizeof what,
               "allowing kernel %d (%.256s) %u bytes of dynamic shared memory",
               kernel, ctx->kernel_names[kernel], shared_bytes);
      fail_call(ctx, KILN_ERROR_DEVICE, what, result);
      return;
    }
    ctx->kernel_shared_limit[kernel] = shared_bytes;
  }
  result = driver.launch_kernel(function, gx, gy, gz, bx, by, bz, shared_bytes,
                                (kiln_cu_stream)stream, args, NULL);
  if (result != KILN_CUDA_SUCCESS) {
    snprintf(what, sizeof what,
             "launching kernel %d (%.256s) on grid %ux%ux%u, block %ux%ux%u, "
             "%u bytes of dynamic shared memory",
             kernel, ctx->kernel_names[kernel], gx, gy, gz, bx, by, bz,
             shared_bytes);
    fail_call(ctx, KILN_ERROR_DEVICE, what, result);
  }
}

int kiln_rt_gpu_status(kiln_rt_gpu_context *ctx) {
  if (!ctx)
    return KILN_ERROR_NULL_ARGUMENT;
  int status = ctx->status;
  ctx->status = KILN_OK;
  return status;
}

/* Makes ctx's primary context current for the calling thread. */
static int push(kiln_rt_gpu_context *ctx) {
  kiln_cu_result result = driver.ctx_push_current(ctx->primary);
  if (result != KILN_CUDA_SUCCESS)
    return fail_call(ctx, KILN_ERROR_DEVICE, "making the context current",
                     result);
  return KILN_OK;
}

static void pop(kiln_rt_gpu_context *ctx) {
  kiln_cu_context popped;
  kiln_cu_result result = driver.ctx_pop_current(&popped);
  if (result != KILN_CUDA_SUCCESS)
    fail_call(ctx, KILN_ERROR_DEVICE, "restoring the caller's CUDA context",
              result);
}

/* Runs entry and folds its status into ctx->status. */
static void call_entry(kiln_rt_gpu_context *ctx, kiln_rt_gpu_entry_fn entry,
                       const void *const *dev_inputs, void *const *dev_outputs,
                       void *stream) {
  int status = entry(ctx, dev_inputs, dev_outputs, stream);
  if (status != KILN_OK && ctx->status == KILN_OK)
    ctx->status = status;
}

/* Buffer i of an array the caller may leave NULL (an entry that reads none
 * of them). */
static const void *buffer_at(const void *const *buffers, int i) {
  return buffers ? buffers[i] : NULL;
}

/* Whether `key` (inputs, then outputs) holds these buffers. */
static int same_buffers(const kiln_rt_gpu_context *ctx, const void **key,
                        const void *const *dev_inputs,
                        void *const *dev_outputs) {
  for (int i = 0; i < ctx->num_inputs; ++i)
    if (key[i] != buffer_at(dev_inputs, i))
      return 0;
  for (int i = 0; i < ctx->num_outputs; ++i)
    if (key[ctx->num_inputs + i] !=
        buffer_at((const void *const *)dev_outputs, i))
      return 0;
  return 1;
}

static void store_buffers(const kiln_rt_gpu_context *ctx, const void **key,
                          const void *const *dev_inputs,
                          void *const *dev_outputs) {
  for (int i = 0; i < ctx->num_inputs; ++i)
    key[i] = buffer_at(dev_inputs, i);
  for (int i = 0; i < ctx->num_outputs; ++i)
    key[ctx->num_inputs + i] = buffer_at((const void *const *)dev_outputs, i);
}

/* Records entry's launches on the context's capture stream as a CUDA graph
 * and instantiates it into ctx->graph. Returns 1 on success; 0 when the
 * capture or the graph fails, having launched nothing: the caller then
 * launches directly. A failed launch while capturing is reported in
 * ctx->status like any other (the return value is then 1: nothing to
 * retry). */
static int capture_graph(kiln_rt_gpu_context *ctx, kiln_rt_gpu_entry_fn entry,
                         const void *const *dev_inputs,
                         void *const *dev_outputs) {
  kiln_cu_stream stream = ctx->capture_stream;
  if (ctx->graph) {
    driver.graph_exec_destroy(ctx->graph);
    ctx->graph = NULL;
  }
  if (driver.stream_begin_capture(
          stream, KILN_CU_STREAM_CAPTURE_MODE_THREAD_LOCAL) !=
      KILN_CUDA_SUCCESS)
    return 0;
  call_entry(ctx, entry, dev_inputs, dev_outputs, stream);
  kiln_cu_graph graph = NULL;
  kiln_cu_result ended = driver.stream_end_capture(stream, &graph);
  if (ctx->status != KILN_OK || ended != KILN_CUDA_SUCCESS || !graph) {
    if (graph)
      driver.graph_destroy(graph);
    return ctx->status != KILN_OK;
  }
  kiln_cu_result made = driver.graph_instantiate(&ctx->graph, graph, 0);
  driver.graph_destroy(graph);
  if (made != KILN_CUDA_SUCCESS) {
    ctx->graph = NULL;
    return 0;
  }
  ctx->graph_entry = entry;
  store_buffers(ctx, ctx->graph_buffers, dev_inputs, dev_outputs);
  return 1;
}

/* Whether work queued on `stream` is being recorded into a graph (the
 * caller's own capture) rather than run: 1 or 0; -1 with the failure in
 * ctx->status when that cannot be told (the legacy stream while a blocking
 * stream captures, where nothing may be queued; a sticky error). */
static int stream_is_capturing(kiln_rt_gpu_context *ctx, kiln_cu_stream stream) {
  unsigned status = KILN_CU_STREAM_CAPTURE_STATUS_NONE;
  kiln_cu_result result = driver.stream_is_capturing(stream, &status);
  if (result == KILN_CUDA_ERROR_STREAM_CAPTURE_IMPLICIT) {
    fail(ctx, KILN_ERROR_DEVICE,
         "the legacy default stream cannot be used while a blocking stream "
         "of this CUDA context is being captured into a graph");
    return -1;
  }
  if (result != KILN_CUDA_SUCCESS) {
    fail_call(ctx, KILN_ERROR_DEVICE, "querying the stream's capture status",
              result);
    return -1;
  }
  return status != KILN_CU_STREAM_CAPTURE_STATUS_NONE;
}

/* Captures in a row, without a replay between them, after which runs
 * launch directly: a caller whose buffers change every run would pay a
 * capture and an instantiation each time. Two direct runs in a row on the
 * same buffers (they have settled), or a run on the cached graph's, make
 * graphs worth trying again. */
#define KILN_MAX_GRAPH_MISSES 3

/* Queues entry's kernels on `stream`: the cached graph when it was captured
 * from the same entry and buffers, else a new capture of them, else every
 * launch directly (graphs off or unavailable, too many captures in a row,
 * or `stream` being captured by the caller, whose graph then records the
 * launches themselves). */
static void run_entry(kiln_rt_gpu_context *ctx, kiln_rt_gpu_entry_fn entry,
                      const void *const *dev_inputs, void *const *dev_outputs,
                      kiln_cu_stream stream) {
  int capturing = ctx->use_graphs ? stream_is_capturing(ctx, stream) : 0;
  if (capturing < 0)
    return;
  if (!ctx->use_graphs || capturing) {
    call_entry(ctx, entry, dev_inputs, dev_outputs, stream);
    return;
  }
  int cached = ctx->graph && ctx->graph_entry == entry &&
               same_buffers(ctx, ctx->graph_buffers, dev_inputs, dev_outputs);
  if (!cached && ctx->graph_misses >= KILN_MAX_GRAPH_MISSES) {
    int settled = ctx->direct_entry == entry &&
                  same_buffers(ctx, ctx->direct_buffers, dev_inputs, dev_outputs);
    if (!settled) {
      ctx->direct_entry = entry;
      store_buffers(ctx, ctx->direct_buffers, dev_inputs, dev_outputs);
      call_entry(ctx, entry, dev_inputs, dev_outputs, stream);
      return;
    }
    ctx->graph_misses = 0;
  }
  if (cached) {
    ctx->graph_misses = 0;
  } else {
    if (!capture_graph(ctx, entry, dev_inputs, dev_outputs)) {
      /* Capturing failed: it would fail again, at a cost each run. */
      ctx->use_graphs = 0;
      call_entry(ctx, entry, dev_inputs, dev_outputs, stream);
      return;
    }
    if (ctx->status != KILN_OK)
      return; /* A launch failed while capturing: not a miss. */
    ++ctx->graph_misses;
  }
  kiln_cu_result result = driver.graph_launch(ctx->graph, stream);
  if (result != KILN_CUDA_SUCCESS)
    fail_call(ctx, KILN_ERROR_DEVICE, "launching the model's CUDA graph",
              result);
}

int kiln_rt_gpu_run(kiln_rt_gpu_context *ctx, kiln_rt_gpu_entry_fn entry,
                    const void *const *dev_inputs, void *const *dev_outputs,
                    void *stream) {
  if (!ctx || !entry)
    return KILN_ERROR_NULL_ARGUMENT;
  ctx->status = KILN_OK;
  if (push(ctx) != KILN_OK)
    return kiln_rt_gpu_status(ctx);
  run_entry(ctx, entry, dev_inputs, dev_outputs, (kiln_cu_stream)stream);
  pop(ctx);
  return kiln_rt_gpu_status(ctx);
}

int kiln_rt_gpu_input_matches(kiln_rt_gpu_context *ctx, const void *dev_input,
                              const void *value, size_t size, void *stream) {
  if (!ctx || (!dev_input && size) || (!value && size))
    return KILN_ERROR_NULL_ARGUMENT;
  ctx->status = KILN_OK;
  if (push(ctx) != KILN_OK)
    return kiln_rt_gpu_status(ctx);
  int capturing = stream_is_capturing(ctx, (kiln_cu_stream)stream);
  if (capturing) {
    if (capturing > 0)
      fail(ctx, KILN_ERROR_DEVICE,
           "an input bound at compile time cannot be checked on a stream "
           "that is being captured into a CUDA graph (it is read back from "
           "the device)");
    pop(ctx);
    return kiln_rt_gpu_status(ctx);
  }
  /* Bound inputs are shape-like tensors of a few bytes: a stack buffer and
   * one copy per chunk, ordered after the work queued on `stream`. */
  unsigned char chunk[256];
  int differs = 0;
  for (size_t offset = 0; offset < size && !differs && ctx->status == KILN_OK;
       offset += sizeof chunk) {
    size_t bytes = size - offset < sizeof chunk ? size - offset : sizeof chunk;
    kiln_cu_result result = driver.memcpy_dtoh_async(
        chunk, (kiln_cu_deviceptr)(size_t)dev_input + offset, bytes,
        (kiln_cu_stream)stream);
    if (result == KILN_CUDA_SUCCESS)
      result = driver.stream_synchronize((kiln_cu_stream)stream);
    if (result != KILN_CUDA_SUCCESS)
      fail_call(ctx, KILN_ERROR_DEVICE,
                "reading an input bound at compile time back from the device "
                "(after the stream's earlier work)",
                result);
    else
      differs = memcmp(chunk, (const unsigned char *)value + offset, bytes) != 0;
  }
  pop(ctx);
  int status = kiln_rt_gpu_status(ctx);
  return status != KILN_OK ? status : differs ? KILN_ERROR_BOUND_INPUT : KILN_OK;
}

/* Whether `count` host buffers are all there (empty tensors may be NULL). */
static int buffers_present(const void *const *buffers, const size_t *sizes,
                           int count) {
  if (count == 0)
    return 1;
  if (!buffers)
    return 0;
  for (int i = 0; i < count; ++i)
    if (!buffers[i] && sizes[i])
      return 0;
  return 1;
}

int kiln_rt_gpu_run_host(kiln_rt_gpu_context *ctx,
                         int (*entry)(kiln_rt_gpu_context *,
                                      const void *const *, void *const *,
                                      void *),
                         const void *const *inputs, void *const *outputs) {
  if (!ctx || !entry ||
      !buffers_present(inputs, ctx->input_sizes, ctx->num_inputs) ||
      !buffers_present((const void *const *)outputs, ctx->output_sizes,
                       ctx->num_outputs))
    return KILN_ERROR_NULL_ARGUMENT;
  ctx->status = KILN_OK;
  if (push(ctx) != KILN_OK)
    return kiln_rt_gpu_status(ctx);

  kiln_cu_result result = KILN_CUDA_SUCCESS;
  char what[64];
  for (int i = 0; i < ctx->num_inputs && ctx->status == KILN_OK; ++i) {
    if (!ctx->input_sizes[i])
      continue;
    result =
        driver.memcpy_htod_async((kiln_cu_deviceptr)(size_t)ctx->dev_inputs[i],
                                 inputs[i], ctx->input_sizes[i], ctx->stream);
    if (result != KILN_CUDA_SUCCESS) {
      snprintf(what, sizeof what, "copying input %d to the device", i);
      fail_call(ctx, KILN_ERROR_DEVICE, what, result);
    }
  }
  if (ctx->status == KILN_OK)
    run_entry(ctx, entry, (const void *const *)ctx->dev_inputs,
              ctx->dev_outputs, ctx->stream);
  for (int i = 0; i < ctx->num_outputs && ctx->status == KILN_OK; ++i) {
    if (!ctx->output_sizes[i])
      continue;
    result = driver.memcpy_dtoh_async(
        outputs[i], (kiln_cu_deviceptr)(size_t)ctx->dev_outputs[i],
        ctx->output_sizes[i], ctx->stream);
    if (result != KILN_CUDA_SUCCESS) {
      snprintf(what, sizeof what, "copying output %d from the device", i);
      fail_call(ctx, KILN_ERROR_DEVICE, what, result);
    }
  }
  /* Always wait: no copy may touch the caller's buffers after the return.
   * Errors of the kernels themselves show up here. */
  result = driver.stream_synchronize(ctx->stream);
  if (result != KILN_CUDA_SUCCESS)
    fail_call(ctx, KILN_ERROR_DEVICE, "running the model on the device",
              result);
  pop(ctx);
  return kiln_rt_gpu_status(ctx);
}

const char *kiln_rt_gpu_last_error(kiln_rt_gpu_context *ctx) {
  return ctx ? ctx->last_error : create_error;
}

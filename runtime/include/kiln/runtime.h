/*===- runtime.h - Kiln's tiny runtime: the ABI generated code calls ------===*
 *
 * The runtime is linked into every generated library (as internal symbols:
 * two models in one program each carry their own copy). Generated code calls
 * the functions below; a model's public header wraps the user-facing parts
 * with the model's name (NAME_set_num_threads, NAME_error_message, ...).
 *
 * Rules: plain C, no allocation while a model runs (worker threads and their
 * bookkeeping are created once, before the first parallel loop runs or when
 * the thread count changes; GPU contexts and their device memory at
 * kiln_rt_gpu_create), status codes instead of aborts.
 *
 *===----------------------------------------------------------------------===*/

#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a signature below changes. */
#define KILN_RUNTIME_ABI_VERSION 1

/* Status codes returned by generated entry points and runtime calls. */
enum kiln_status {
  KILN_OK = 0,
  KILN_ERROR_NULL_ARGUMENT = 1,      /* an input/output/workspace pointer is NULL */
  KILN_ERROR_WORKSPACE_ALIGNMENT = 2,/* workspace is not 64-byte aligned */
  KILN_ERROR_INVALID_THREAD_COUNT = 3,/* thread count < 1 or above the limit */
  KILN_ERROR_THREAD_START = 4,       /* the OS refused to start a worker thread */
  KILN_ERROR_NO_DEVICE = 5,          /* GPU builds: no CUDA driver or device */
  KILN_ERROR_DEVICE = 6,             /* GPU builds: a CUDA driver call failed */
  KILN_ERROR_WRONG_TARGET = 7,       /* NAME_run of a GPU build */
  KILN_ERROR_BOUND_INPUT = 8,        /* an input bound at compile time (kilnc
                                        --bind) was given another value */
  KILN_ERROR_OVERLAPPING_BUFFERS = 9,/* an output buffer overlaps an input
                                        or another output */
  KILN_ERROR_RACE = 10,              /* checking builds (kilnc
                                        --emulate-gpu-check-races): an
                                        emulated GPU kernel raced, or
                                        accessed memory out of bounds (or
                                        the checks ran out of memory) */
  KILN_ERROR_BUFFER_ALIGNMENT = 11,  /* GPU builds (and their CPU emulation):
                                        an input or output buffer is not
                                        KILN_GPU_BUFFER_ALIGNMENT-byte
                                        aligned */
};

/* The alignment, in bytes, every input and output buffer of a GPU build's
 * NAME_gpu_run must have (cudaMalloc and cuMemAlloc give 256): the kernels
 * read and write them with vector accesses of up to 16 bytes. Builds that
 * emulate the GPU kernels on the CPU (kilnc --emulate-gpu) ask the same of
 * NAME_run's buffers. */
#define KILN_GPU_BUFFER_ALIGNMENT 16

/* The most worker threads a pool runs (including the calling thread). */
#define KILN_MAX_THREADS 256

/* A parallel loop body: runs iterations [begin, end) with the captured
 * values in `ctx`. */
typedef void (*kiln_task_fn)(void *ctx, int64_t begin, int64_t end);

/* Runs `fn` over the iteration space [0, n) and returns when every
 * iteration is done. Each thread (the caller included) owns one contiguous
 * chunk (sizes differ by at most one) and runs it in calls of half of what
 * is left; a thread done with its own chunk takes half of what is left of
 * another's, from its back, so a thread that falls behind is helped and
 * threads that keep pace stay on their own part of the data. Every call gets
 * a non-empty range; which thread runs which call depends on timing.
 * If the pool is already busy (another thread is inside a parallel loop, or
 * this call is nested inside a loop body), the loop runs on the calling
 * thread alone: concurrent model runs never wait on each other and never
 * deadlock. Does nothing for n <= 0. Never allocates. */
void kiln_rt_parallel_for(int64_t n, kiln_task_fn fn, void *ctx);

/* Sets the number of threads parallel loops use (1 to KILN_MAX_THREADS, the
 * caller included). Starts or stops workers, after waiting for a loop that
 * another thread is running; must not be called from inside a loop body.
 * Returns a kiln_status: KILN_ERROR_INVALID_THREAD_COUNT leaves the count
 * unchanged; KILN_ERROR_THREAD_START keeps the workers that did start and
 * lowers the count to match. The default is the number of online CPUs,
 * capped at KILN_MAX_THREADS. */
int kiln_rt_set_num_threads(int n);

/* The number of threads parallel loops use. */
int kiln_rt_get_num_threads(void);

/* Whether this is the first call for `flag` (a model's own, zero at load):
 * returns 1 exactly once, whichever thread calls first, 0 after. A model's
 * entry point calls it on every run; on the first it maps its constants'
 * pages with kiln_rt_touch_pages. */
int kiln_rt_first_run(int32_t *flag);

/* Reads one byte of every 4 KiB of [data, data + bytes), so that the pages
 * of a model's constants (its weights, in the program's read-only data,
 * which the OS maps on first access) are mapped before the first run reads
 * them. Software prefetches of pages not yet mapped are dropped after a
 * page walk, and the products' next-panel prefetches are issued many times
 * per panel: ResNet-50's first run took about eight times a steady run on
 * a virtual machine before this, about as long as one after. Never
 * allocates. */
void kiln_rt_touch_pages(const void *data, int64_t bytes);

/* A static, human-readable message for a kiln_status code. */
const char *kiln_rt_error_message(int status);

/* Checking builds only (kilnc --emulate-gpu-check-races, runtime/src/
 * race_check.c). An emulated GPU kernel calls kiln_rt_race_check before
 * `thread` (its linear id in the block) of `block` reads (is_write 0) or
 * writes `count` elements of workgroup buffer `buffer` (`size` elements)
 * from `element` on, in the block's `epoch` (the barriers it passed, plus
 * one), as one access that must start at a multiple of `alignment`
 * elements (a vector access the GPU makes whole). `writes` and `reads`
 * point to the buffer's shadow words, zero at the kernel's start; `kernel`
 * to a NUL-terminated description. The first access that races with
 * another thread's in the same epoch (one of them a write), that falls
 * outside the buffer, or that is misaligned is recorded; the run goes on.
 * NAME_run then calls kiln_rt_race_status, which returns KILN_ERROR_RACE
 * once for each run that recorded one (0 otherwise), and
 * kiln_rt_error_message(KILN_ERROR_RACE) describes the first race. */
void kiln_rt_race_check(intptr_t writes, intptr_t reads, int64_t element, int64_t count,
                        int64_t alignment, int64_t thread, int64_t epoch, int64_t is_write,
                        int64_t block, int64_t buffer, int64_t size, intptr_t kernel);
/* The same for global memory: before each emulated launch the host calls
 * kiln_rt_race_launch; each access of `count` elements (`stride` bytes
 * apart from `address` on, which must be a multiple of `alignment` bytes;
 * `element`: the first's row-major index in the accessed view, `buffer`: a
 * NUL-terminated description of it) first calls
 * kiln_rt_global_race_check. An access outside the view (`outside`: the
 * first dimension whose index, `outside_index`, is not below its size,
 * `outside_size`; -1 inside) or at a misaligned address is recorded;
 * where `tracked` (a buffer the model may write), so are two accesses to
 * an element in one launch, one of them a write, by different blocks
 * (never ordered) or by threads of a block in the same epoch. The table
 * behind these checks is the process's: one checked run at a time. */
void kiln_rt_race_launch(void);
void kiln_rt_global_race_check(intptr_t address, int64_t count, int64_t stride,
                               int64_t alignment, int64_t outside, int64_t outside_index,
                               int64_t outside_size, int64_t element, int64_t thread,
                               int64_t epoch, int64_t is_write, int64_t block, int64_t tracked,
                               intptr_t kernel, intptr_t buffer);
int kiln_rt_race_status(void);
/* The first race, access out of bounds or misaligned access that
 * kiln_rt_race_check or kiln_rt_global_race_check recorded, in one line (a
 * generic sentence before any). Used by kiln_rt_error_message. */
const char *kiln_rt_race_message(void);

/* Profiling builds only (kiln-run --emulate-gpu-profile-memory, runtime/
 * src/memory_profile.c). The host calls kiln_rt_memory_profile_launch
 * before each emulated launch; an emulated kernel calls
 * kiln_rt_memory_profile before `thread` (its linear id in a block of
 * `threads`) of `block` reads or writes `count` elements of `bytes` each,
 * `stride` bytes apart, from byte `offset` of a buffer on: workgroup
 * memory (`space` 0) or global memory (1). `site` points to a
 * NUL-terminated description of the access, one a site, and `ordinal`
 * numbers the sites (the order they are printed in); blocks from
 * `blocks` on are not counted (0: all are). The 32 threads of a warp make
 * one request of a site each time they reach it; each request is counted
 * in shared-memory wavefronts or global 32-byte sectors, and against the
 * ideal. kiln_rt_memory_profile_print (NAME_print_memory_profile) writes
 * one line a site and the totals to `out`, and starts the counts anew; it
 * returns 1 when an allocation failed (the counts were incomplete and are
 * dropped), 0 otherwise. The counts are the process's, and are printed
 * between runs (while no kernel runs). */
void kiln_rt_memory_profile_launch(void);
void kiln_rt_memory_profile(intptr_t site, int64_t ordinal, int64_t offset, int64_t count, int64_t stride,
                            int64_t bytes, int64_t space, int64_t is_write, int64_t thread,
                            int64_t threads, int64_t block, int64_t blocks);
int kiln_rt_memory_profile_print(FILE *out);

/*===-- GPU: a loaded CUDA module and the device memory of one model ------===*
 *
 * GPU builds embed the PTX of all their kernels (and optionally a cubin), the
 * weights and the size of the device workspace. A context loads them onto a
 * device once (kiln_rt_gpu_create); the generated host function then only
 * launches kernels. The CUDA driver (libcuda.so.1) is loaded with dlopen on
 * the first kiln_rt_gpu_create: libraries link without CUDA and report
 * KILN_ERROR_NO_DEVICE on machines without it.
 *
 * A context uses the device's primary CUDA context (the one the CUDA runtime
 * API uses too), so streams and device pointers from cudaMalloc/cuMemAlloc
 * on the same device work with it.
 *
 * Thread safety: a context is used by one thread at a time (its error state
 * and its device buffers for kiln_rt_gpu_run_host are not shared-safe);
 * give each thread its own context or lock around the calls. Distinct
 * contexts may be used concurrently. kiln_rt_gpu_create may be called from
 * several threads at once.
 *
 *===----------------------------------------------------------------------===*/

/* What the compiler embeds in a GPU build. Read only during
 * kiln_rt_gpu_create, except the tensor sizes, which the context copies. */
typedef struct kiln_rt_gpu_module_desc {
  const char *ptx; /* NUL-terminated PTX of every kernel (one CUDA module) */
  const void *cubin;
  size_t cubin_size; /* optional; loaded instead of the PTX when the
                        device's compute capability equals cubin_sm */
  int cubin_sm;      /* e.g. 90 for sm_90; 0 if there is no cubin */
  const char *const *kernel_names; /* kernel i of kiln_rt_gpu_launch */
  int num_kernels;
  const void *weights; /* every constant tensor, uploaded once at create */
  size_t weights_size;
  size_t workspace_size;     /* device bytes, allocated once at create */
  const size_t *input_sizes; /* bytes per input, for kiln_rt_gpu_run_host */
  int num_inputs;
  const size_t *output_sizes; /* bytes per output */
  int num_outputs;
} kiln_rt_gpu_module_desc;

typedef struct kiln_rt_gpu_context kiln_rt_gpu_context;

/* The host function a GPU build's compiler emits: launches the model's
 * kernels in order on `stream` and returns kiln_rt_gpu_status(ctx). Device
 * pointers travel as void *. */
typedef int (*kiln_rt_gpu_entry_fn)(kiln_rt_gpu_context *ctx,
                                    const void *const *dev_inputs,
                                    void *const *dev_outputs, void *stream);

/* Loads the driver (once per process), makes `device` (a CUDA ordinal) the
 * target, loads the module (the cubin if it matches the device, else the
 * PTX, compiled by the driver), uploads the weights and allocates the
 * workspace, one device buffer per input and output, and a stream. Sets
 * *out to the context, or to NULL on failure. Returns KILN_OK,
 * KILN_ERROR_NULL_ARGUMENT (desc or out is NULL, or desc lacks a part it
 * says it has), KILN_ERROR_NO_DEVICE (no driver, no such device, or a
 * device or driver too old for the PTX) or KILN_ERROR_DEVICE (a driver call
 * failed, e.g. out of memory or PTX the driver rejects; also when the host
 * is out of memory). After a failure, kiln_rt_gpu_last_error(NULL) on the
 * same thread says why. */
int kiln_rt_gpu_create(const kiln_rt_gpu_module_desc *desc, int device,
                       kiln_rt_gpu_context **out);

/* Waits for the context's own stream, then frees everything it holds.
 * Work queued on other streams (kiln_rt_gpu_run) must be finished. NULL is
 * ignored. */
void kiln_rt_gpu_destroy(kiln_rt_gpu_context *ctx);

/* Device addresses of the workspace and of the uploaded weights (NULL when
 * their size is 0). */
void *kiln_rt_gpu_workspace(kiln_rt_gpu_context *ctx);
const void *kiln_rt_gpu_weights(kiln_rt_gpu_context *ctx);

/* Queues kernel `kernel` (an index into desc->kernel_names) on `stream`
 * (a CUstream; NULL is the legacy default stream) with `args` as
 * cuLaunchKernel's kernelParams. Errors are sticky: after a failed launch,
 * later launches are skipped until kiln_rt_gpu_status resets the state, so
 * generated code needs no branches. Dynamic shared memory beyond the default
 * 48 KiB is opted into on first use. Call only from an entry function that
 * kiln_rt_gpu_run or kiln_rt_gpu_run_host runs (they make the context
 * current). Never allocates. */
void kiln_rt_gpu_launch(kiln_rt_gpu_context *ctx, int kernel, unsigned gx,
                        unsigned gy, unsigned gz, unsigned bx, unsigned by,
                        unsigned bz, unsigned shared_bytes, void *stream,
                        void **args);

/* The first error since the last reset (KILN_OK if none), and resets. */
int kiln_rt_gpu_status(kiln_rt_gpu_context *ctx);

/* Runs `entry` on device buffers the caller owns, asynchronously on `stream`
 * (a CUstream of the device's primary context, or NULL): makes the context
 * current, resets its status, calls entry and returns its status. Launch
 * errors are reported here; errors while the kernels execute surface in a
 * later call that synchronizes (or in the caller's own synchronization).
 * Returns KILN_ERROR_NULL_ARGUMENT if ctx or entry is NULL.
 *
 * The first run records entry's launches as a CUDA graph (captured on a
 * non-blocking stream of the context's own) and later runs with the same
 * entry and device buffers launch that graph on `stream`: one driver call
 * instead of one per kernel. Other buffers capture again; after three
 * captures in a row without a replay, runs launch directly until one
 * matches the cached graph or two in a row use the same buffers. On the
 * legacy stream while a blocking stream of the context is being captured,
 * nothing can be queued: KILN_ERROR_DEVICE. A `stream` the caller is
 * capturing into a graph of their own gets direct launches, which their
 * graph records. If a capture fails, or the driver predates CUDA 11.4, or
 * the environment has KILN_CUDA_GRAPHS=0 at kiln_rt_gpu_create, the context
 * launches directly from then on. The runtime itself never allocates here; capturing and
 * instantiating allocate inside the driver. */
int kiln_rt_gpu_run(kiln_rt_gpu_context *ctx, kiln_rt_gpu_entry_fn entry,
                    const void *const *dev_inputs, void *const *dev_outputs,
                    void *stream);

/* Whether the `size` bytes at `dev_input` (a device buffer, read in order
 * after the work queued on `stream`) equal `value`: the check NAME_gpu_run
 * makes for inputs bound at compile time (kilnc --bind). Copies them to the
 * host through a stack buffer, waiting for `stream` once per 256 bytes.
 * Returns KILN_OK when they are equal, KILN_ERROR_BOUND_INPUT when not,
 * KILN_ERROR_NULL_ARGUMENT, or KILN_ERROR_DEVICE (the copy failed, or
 * `stream` is being captured into a CUDA graph, where nothing can be read
 * back; kiln_rt_gpu_last_error says why).
 * Never allocates. */
int kiln_rt_gpu_input_matches(kiln_rt_gpu_context *ctx, const void *dev_input,
                              const void *value, size_t size, void *stream);

/* The synchronous convenience path on host memory: copies the inputs into
 * the context's device buffers, runs `entry` on the context's own stream
 * (which also waits for work queued earlier on the legacy default stream),
 * copies the outputs back and waits; the kernels run as a CUDA graph as for
 * kiln_rt_gpu_run (the context's buffers never change, so one capture
 * serves every run). Returns KILN_OK, KILN_ERROR_NULL_ARGUMENT or
 * KILN_ERROR_DEVICE. The runtime itself never allocates here. */
int kiln_rt_gpu_run_host(kiln_rt_gpu_context *ctx,
                         int (*entry)(kiln_rt_gpu_context *,
                                      const void *const *, void *const *,
                                      void *),
                         const void *const *inputs, void *const *outputs);

/* What the last failure of `ctx` was, in words (the failing driver call and
 * the driver's message, or the PTX compiler's log), or "" if none. For NULL,
 * the same for the calling thread's last failed kiln_rt_gpu_create. Valid
 * until the next call with the same context (or thread). Never NULL. */
const char *kiln_rt_gpu_last_error(kiln_rt_gpu_context *ctx);

#ifdef __cplusplus
}
#endif

#endif /* KILN_RUNTIME_H */

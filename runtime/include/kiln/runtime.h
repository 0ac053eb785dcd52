/*===- runtime.h - Kiln's tiny runtime: the ABI generated code calls ------===*
 *
 * The runtime is linked into every generated library (as internal symbols:
 * two models in one program each carry their own copy). Generated code calls
 * the functions below; a model's public header wraps the user-facing parts
 * with the model's name (NAME_set_num_threads, NAME_error_message, ...).
 *
 * Rules: plain C, no allocation while a model runs (worker threads and their
 * bookkeeping are created once, before the first parallel loop runs or when
 * the thread count changes), status codes instead of aborts.
 *
 *===----------------------------------------------------------------------===*/

#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

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
};

/* The most worker threads a pool runs (including the calling thread). */
#define KILN_MAX_THREADS 256

/* A parallel loop body: runs iterations [begin, end) with the captured
 * values in `ctx`. */
typedef void (*kiln_task_fn)(void *ctx, int64_t begin, int64_t end);

/* Runs `fn` over the iteration space [0, n), split into at most one
 * contiguous chunk per thread (sizes differ by at most one, none empty), and
 * returns when every chunk is done. The calling thread runs a chunk itself.
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

/* A static, human-readable message for a kiln_status code. */
const char *kiln_rt_error_message(int status);

#ifdef __cplusplus
}
#endif

#endif /* KILN_RUNTIME_H */

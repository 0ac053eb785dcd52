/*===- thread_pool.c - The worker pool behind kiln_rt_parallel_for --------===*
 *
 * One pool per copy of the runtime. Every generated library links its own
 * internalized copy, so the state below is file-static and two models in one
 * program never share (or clash over) a pool.
 *
 * Design:
 *  - Worker slots live in a fixed static array: starting, running and
 *    stopping workers never allocates. Workers are started lazily (first
 *    parallel loop) or by kiln_rt_set_num_threads, always under the pool lock.
 *  - Each worker has its own slot (its wake-up generation and the loop's
 *    body), so only the workers that get work are woken. The loop's chunk
 *    bounds are shared; the caller rewrites them for a next loop only after
 *    every worker it handed this one has reported its share done.
 *  - Hand-over and completion both spin a bounded number of iterations first
 *    (back-to-back kernels leave only short gaps between loops) and then
 *    block on a condition variable, so idle pools do not burn CPU.
 *  - Each thread owns one contiguous chunk of a loop (sizes differ by at most
 *    one) and runs it from the front, half of what is left at a time; a
 *    thread that is done takes half of what is left of another's chunk from
 *    its back. When the threads keep pace, each runs its own chunk and reads
 *    another's bounds once; when one falls behind (an uneven split, a core
 *    busy with something else), the others finish its work.
 *  - The pool lock is held for the whole of a parallel loop. A second caller
 *    (another model run, or a loop nested inside a task) fails the trylock
 *    and runs its loop serially: nobody ever waits for the pool.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L

#include "kiln/runtime.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

/* How many times a waiting thread polls before it blocks. Long enough to
 * bridge the serial gap between two kernels of a model, short enough that an
 * idle pool gives its cores back within tens of microseconds. */
#ifndef KILN_SPIN_ITERATIONS
#define KILN_SPIN_ITERATIONS 4096
#endif

#define KILN_CACHE_LINE 64

/* One worker thread and the loop it is handed. Written by the dispatching
 * thread before it bumps `generation`, read by the worker after it sees the
 * bump; the dispatcher does not touch the slot (or the loop's shared chunk
 * bounds) again before the worker has reported completion through
 * `pool.pending`. */
struct kiln_worker {
  _Alignas(KILN_CACHE_LINE) atomic_uint_fast64_t generation;
  atomic_int sleeping; /* the worker is (about to be) blocked on `cond` */
  kiln_task_fn fn;     /* NULL asks the worker to exit */
  void *ctx;
  int64_t begin;
  int64_t end;
  pthread_mutex_t mutex;
  pthread_cond_t cond;
  pthread_t thread;
  int sync_initialized; /* `mutex` and `cond` are initialized */
};

static struct {
  /* Held for a whole parallel loop and while workers start or stop. */
  pthread_mutex_t lock;
  /* Threads parallel loops use, the caller included; 0 until first asked. */
  atomic_int num_threads;
  /* Workers running (slots [0, num_workers)); changed under `lock` only. */
  int num_workers;

  /* Completion of the current loop: workers handed it not yet done. */
  _Alignas(KILN_CACHE_LINE) atomic_int pending;
  atomic_int caller_sleeping;
  pthread_mutex_t done_mutex;
  pthread_cond_t done_cond;

  struct kiln_worker workers[KILN_MAX_THREADS - 1];
  /* The current loop: its body and the threads that share it (0: each
   * runs its own chunk whole, `begin` and `end` of its slot). */
  kiln_task_fn fn;
  void *ctx;
  int sharers;
  /* What is left of each thread's chunk: [front, back) packed as
   * front | back << 32, one cache line each. */
  struct {
    _Alignas(KILN_CACHE_LINE) atomic_uint_fast64_t bounds;
  } chunks[KILN_MAX_THREADS];
} pool = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .done_mutex = PTHREAD_MUTEX_INITIALIZER,
    .done_cond = PTHREAD_COND_INITIALIZER,
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield" ::: "memory");
#endif
}

static int default_num_threads(void) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (cpus < 1)
    return 1;
  return cpus > KILN_MAX_THREADS ? KILN_MAX_THREADS : (int)cpus;
}

/*===-- Worker side -------------------------------------------------------===*/

/* Returns the slot's generation once it differs from `seen`. The write of
 * `sleeping` and the load of `generation` are sequentially consistent, as are
 * the dispatcher's write of `generation` and load of `sleeping`: either the
 * worker sees the new generation, or the dispatcher sees a sleeper and
 * signals it (which it can only do once the worker waits on `cond`).
 *
 * The first half of each such handshake is an atomic exchange, not a store.
 * C11 orders a sequentially consistent store before a later sequentially
 * consistent load either way, but binary translators do not all keep that
 * order: qemu-user runs AArch64's store-release/load-acquire pair on an x86
 * host as a plain store and load, which x86 may reorder, and a pool built
 * on stores lost a wake-up there about once in a hundred runs of a model.
 * A read-modify-write is a full barrier on every host. */
static uint_fast64_t wait_for_work(struct kiln_worker *w, uint_fast64_t seen) {
  uint_fast64_t generation;
  for (int i = 0; i < KILN_SPIN_ITERATIONS; ++i) {
    generation = atomic_load_explicit(&w->generation, memory_order_acquire);
    if (generation != seen)
      return generation;
    cpu_relax();
  }
  pthread_mutex_lock(&w->mutex);
  (void)atomic_exchange(&w->sleeping, 1);
  while ((generation = atomic_load(&w->generation)) == seen)
    pthread_cond_wait(&w->cond, &w->mutex);
  atomic_store_explicit(&w->sleeping, 0, memory_order_relaxed);
  pthread_mutex_unlock(&w->mutex);
  return generation;
}

/* Reports a worker's share of the loop done. The last one wakes the caller
 * if it blocked (same sequentially consistent handshake as wait_for_work). A
 * stale wake-up that reaches a later loop's caller is harmless: it re-checks
 * `pending`. */
static void finish_share(void) {
  if (atomic_fetch_sub(&pool.pending, 1) != 1)
    return;
  if (atomic_load(&pool.caller_sleeping)) {
    pthread_mutex_lock(&pool.done_mutex);
    pthread_cond_signal(&pool.done_cond);
    pthread_mutex_unlock(&pool.done_mutex);
  }
}

/*===-- Both sides ---------------------------------------------------------===*/

static inline uint_fast64_t pack(int64_t front, int64_t back) {
  return (uint_fast64_t)front | (uint_fast64_t)back << 32;
}

/* Claims half (at least one) of what is left of chunk `c`, from its front
 * (the owner) or its back (another thread): [*begin, *end). Returns 0 when
 * nothing is left. */
static int claim(int c, int from_back, int64_t *begin, int64_t *end) {
  atomic_uint_fast64_t *bounds = &pool.chunks[c].bounds;
  uint_fast64_t old = atomic_load_explicit(bounds, memory_order_relaxed);
  for (;;) {
    int64_t front = (int64_t)(old & 0xffffffffu), back = (int64_t)(old >> 32);
    if (front >= back)
      return 0;
    int64_t take = (back - front) / 2;
    if (take < 1)
      take = 1;
    uint_fast64_t next = from_back ? pack(front, back - take) : pack(front + take, back);
    if (atomic_compare_exchange_weak_explicit(bounds, &old, next, memory_order_relaxed,
                                              memory_order_relaxed)) {
      *begin = from_back ? back - take : front;
      *end = from_back ? back : front + take;
      return 1;
    }
  }
}

/* Thread `self`'s share of the current loop: its own chunk, then what it
 * can take of the others'. */
static void run_share(int self) {
  int64_t begin, end;
  while (claim(self, 0, &begin, &end))
    pool.fn(pool.ctx, begin, end);
  for (int i = 1; i < pool.sharers; ++i) {
    int other = (self + i) % pool.sharers;
    while (claim(other, 1, &begin, &end))
      pool.fn(pool.ctx, begin, end);
  }
}

static void *worker_main(void *arg) {
  struct kiln_worker *w = arg;
  /* The slot's generation is reset to 0 before the thread starts. */
  uint_fast64_t seen = 0;
  for (;;) {
    seen = wait_for_work(w, seen);
    if (!w->fn)
      return NULL;
    if (pool.sharers)
      run_share((int)(w - pool.workers) + 1);
    else
      w->fn(w->ctx, w->begin, w->end);
    finish_share();
  }
}

/*===-- Caller side (all under pool.lock) ---------------------------------===*/

static void hand_over(struct kiln_worker *w) {
  uint_fast64_t next =
      atomic_load_explicit(&w->generation, memory_order_relaxed) + 1;
  (void)atomic_exchange(&w->generation, next); /* see wait_for_work */
  if (atomic_load(&w->sleeping)) {
    pthread_mutex_lock(&w->mutex);
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->mutex);
  }
}

static void wait_for_chunks(void) {
  for (int i = 0; i < KILN_SPIN_ITERATIONS; ++i) {
    if (atomic_load_explicit(&pool.pending, memory_order_acquire) == 0)
      return;
    cpu_relax();
  }
  pthread_mutex_lock(&pool.done_mutex);
  (void)atomic_exchange(&pool.caller_sleeping, 1); /* see wait_for_work */
  while (atomic_load(&pool.pending) != 0)
    pthread_cond_wait(&pool.done_cond, &pool.done_mutex);
  atomic_store_explicit(&pool.caller_sleeping, 0, memory_order_relaxed);
  pthread_mutex_unlock(&pool.done_mutex);
}

/* Starts workers until `count` run. On failure keeps those that started and
 * lowers the thread count to match, so later loops do not retry on the hot
 * path. */
static int start_workers(int count) {
  while (pool.num_workers < count) {
    struct kiln_worker *w = &pool.workers[pool.num_workers];
    if (!w->sync_initialized) {
      if (pthread_mutex_init(&w->mutex, NULL) != 0)
        goto failed;
      if (pthread_cond_init(&w->cond, NULL) != 0) {
        pthread_mutex_destroy(&w->mutex);
        goto failed;
      }
      w->sync_initialized = 1;
    }
    atomic_store_explicit(&w->generation, 0, memory_order_relaxed);
    atomic_store_explicit(&w->sleeping, 0, memory_order_relaxed);
    w->fn = NULL;
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
      goto failed;
    ++pool.num_workers;
  }
  return KILN_OK;
failed:
  atomic_store(&pool.num_threads, pool.num_workers + 1);
  return KILN_ERROR_THREAD_START;
}

/* Stops and joins workers until only `count` run. The stopped slots keep
 * their mutex and condition variable for a later restart. */
static void stop_workers(int count) {
  for (int i = count; i < pool.num_workers; ++i) {
    pool.workers[i].fn = NULL;
    hand_over(&pool.workers[i]);
  }
  for (int i = count; i < pool.num_workers; ++i)
    pthread_join(pool.workers[i].thread, NULL);
  if (count < pool.num_workers)
    pool.num_workers = count;
}

/*===-- ABI ---------------------------------------------------------------===*/

int kiln_rt_get_num_threads(void) {
  int threads = atomic_load_explicit(&pool.num_threads, memory_order_relaxed);
  if (threads != 0)
    return threads;
  /* First use: settle the default. If a concurrent set_num_threads won, keep
   * its value. */
  int expected = 0;
  threads = default_num_threads();
  if (!atomic_compare_exchange_strong(&pool.num_threads, &expected, threads))
    threads = expected;
  return threads;
}

int kiln_rt_set_num_threads(int n) {
  if (n < 1 || n > KILN_MAX_THREADS)
    return KILN_ERROR_INVALID_THREAD_COUNT;
  /* Waits for a loop in flight to finish: its workers must not be stopped
   * under it. */
  pthread_mutex_lock(&pool.lock);
  atomic_store(&pool.num_threads, n);
  int status = KILN_OK;
  if (n - 1 > pool.num_workers)
    status = start_workers(n - 1);
  else
    stop_workers(n - 1);
  pthread_mutex_unlock(&pool.lock);
  return status;
}

void kiln_rt_parallel_for(int64_t n, kiln_task_fn fn, void *ctx) {
  if (n <= 0)
    return;
  if (n == 1 || kiln_rt_get_num_threads() == 1) {
    fn(ctx, 0, n);
    return;
  }
  /* Busy: another model run, or a loop nested inside a task. */
  if (pthread_mutex_trylock(&pool.lock) != 0) {
    fn(ctx, 0, n);
    return;
  }

  int threads = kiln_rt_get_num_threads();
  if (threads - 1 > pool.num_workers)
    (void)start_workers(threads - 1); /* on failure, use the workers we have */
  if (threads > pool.num_workers + 1)
    threads = pool.num_workers + 1;

  /* Contiguous chunks whose sizes differ by at most one; never an empty one.
   * (Iteration counts past 32 bits, which no generated loop has, run as
   * one chunk per thread without the halving.) */
  int chunks = n < threads ? (int)n : threads;
  int64_t base = n / chunks;
  int64_t rest = n % chunks;
  pool.fn = fn;
  pool.ctx = ctx;
  pool.sharers = n > 0xffffffffLL ? 0 : chunks;
  atomic_store_explicit(&pool.pending, chunks - 1, memory_order_relaxed);
  int64_t begin = 0;
  for (int c = 0; c < chunks; ++c) {
    int64_t end = begin + base + (c < rest);
    if (c > 0) {
      struct kiln_worker *w = &pool.workers[c - 1];
      w->begin = begin;
      w->end = end;
    }
    if (pool.sharers)
      atomic_store_explicit(&pool.chunks[c].bounds, pack(begin, end), memory_order_relaxed);
    begin = end;
  }
  for (int c = 1; c < chunks; ++c) {
    struct kiln_worker *w = &pool.workers[c - 1];
    w->fn = fn;
    w->ctx = ctx;
    hand_over(w);
  }

  if (pool.sharers)
    run_share(0);
  else
    fn(ctx, 0, base + (rest > 0));
  wait_for_chunks();
  pthread_mutex_unlock(&pool.lock);
}

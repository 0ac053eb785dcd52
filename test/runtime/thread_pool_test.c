/*===- thread_pool_test.c - Unit test of the runtime's thread pool ---------===*
 *
 * Prints one line per check and exits non-zero if any fails. Linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc: the wrappers below count
 * the allocations the runtime's own code makes, so the test can tell that
 * parallel loops never allocate once the workers run. Also checks the
 * first-run flag and the page touching of constants.c.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */

#include "kiln/runtime.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

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

/*===-- A loop body that records what it was given ------------------------===*/

#define MAX_N 100003

struct visit_ctx {
  int64_t n;
  atomic_int visits[MAX_N];
  atomic_int calls;        /* chunks handed to the body */
  atomic_int out_of_range; /* chunks outside [0, n) or empty */
  atomic_llong min_size;
  atomic_llong max_size;
};

static void visit(void *opaque, int64_t begin, int64_t end) {
  struct visit_ctx *ctx = opaque;
  if (begin < 0 || end > ctx->n || begin >= end) {
    atomic_fetch_add(&ctx->out_of_range, 1);
    return;
  }
  atomic_fetch_add(&ctx->calls, 1);
  long long size = end - begin;
  long long seen = atomic_load(&ctx->min_size);
  while (size < seen &&
         !atomic_compare_exchange_weak(&ctx->min_size, &seen, size))
    ;
  seen = atomic_load(&ctx->max_size);
  while (size > seen &&
         !atomic_compare_exchange_weak(&ctx->max_size, &seen, size))
    ;
  for (int64_t i = begin; i < end; ++i)
    atomic_fetch_add_explicit(&ctx->visits[i], 1, memory_order_relaxed);
}

static struct visit_ctx shared_ctx;

static void reset(struct visit_ctx *ctx, int64_t n) {
  ctx->n = n;
  for (int64_t i = 0; i < MAX_N; ++i)
    atomic_store(&ctx->visits[i], 0);
  atomic_store(&ctx->calls, 0);
  atomic_store(&ctx->out_of_range, 0);
  atomic_store(&ctx->min_size, n);
  atomic_store(&ctx->max_size, 0);
}

static int each_visited_once(struct visit_ctx *ctx) {
  for (int64_t i = 0; i < ctx->n; ++i)
    if (atomic_load(&ctx->visits[i]) != 1)
      return 0;
  for (int64_t i = ctx->n; i < MAX_N; ++i)
    if (atomic_load(&ctx->visits[i]) != 0)
      return 0;
  return atomic_load(&ctx->out_of_range) == 0;
}

/*===-- Checks ------------------------------------------------------------===*/

static void check_ranges(int threads) {
  static const int64_t sizes[] = {1, 2, 3, 7, 8, 9, 100, 1000, 4097, MAX_N};
  char what[160];
  check(kiln_rt_set_num_threads(threads) == KILN_OK &&
            kiln_rt_get_num_threads() == threads,
        (snprintf(what, sizeof what, "set_num_threads(%d)", threads), what));
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; ++s) {
    int64_t n = sizes[s];
    reset(&shared_ctx, n);
    kiln_rt_parallel_for(n, visit, &shared_ctx);
    /* One thread runs the loop as one call. Otherwise each thread's chunk
     * is at most ceil(n / threads), run (by its owner, or by a thread that
     * is done with its own) half of what is left at a time, so no call gets
     * more than half of one. */
    int64_t chunk = (n + threads - 1) / threads;
    int64_t largest = threads == 1 ? n : chunk / 2 > 1 ? chunk / 2 : 1;
    int ok = each_visited_once(&shared_ctx) &&
             atomic_load(&shared_ctx.calls) <= n &&
             atomic_load(&shared_ctx.max_size) <= largest;
    snprintf(what, sizeof what,
             "threads=%d, n=%lld: every index once, calls of at most %lld "
             "iterations (got %d calls, sizes %lld..%lld)",
             threads, (long long)n, (long long)largest,
             atomic_load(&shared_ctx.calls),
             (long long)atomic_load(&shared_ctx.min_size),
             (long long)atomic_load(&shared_ctx.max_size));
    check(ok, what);
  }
  reset(&shared_ctx, 0);
  kiln_rt_parallel_for(0, visit, &shared_ctx);
  kiln_rt_parallel_for(-5, visit, &shared_ctx);
  snprintf(what, sizeof what, "threads=%d, n=0 and n=-5: body never called",
           threads);
  check(atomic_load(&shared_ctx.calls) == 0 &&
            atomic_load(&shared_ctx.out_of_range) == 0,
        what);
}

static void check_thread_count_bounds(void) {
  int before = kiln_rt_get_num_threads();
  check(kiln_rt_set_num_threads(0) == KILN_ERROR_INVALID_THREAD_COUNT &&
            kiln_rt_set_num_threads(-1) == KILN_ERROR_INVALID_THREAD_COUNT &&
            kiln_rt_set_num_threads(KILN_MAX_THREADS + 1) ==
                KILN_ERROR_INVALID_THREAD_COUNT,
        "set_num_threads rejects 0, -1 and KILN_MAX_THREADS + 1");
  check(kiln_rt_get_num_threads() == before,
        "a rejected thread count leaves the count unchanged");

  check(kiln_rt_set_num_threads(KILN_MAX_THREADS) == KILN_OK &&
            kiln_rt_get_num_threads() == KILN_MAX_THREADS,
        "set_num_threads(KILN_MAX_THREADS) is accepted");
  reset(&shared_ctx, MAX_N);
  kiln_rt_parallel_for(MAX_N, visit, &shared_ctx);
  check(each_visited_once(&shared_ctx),
        "KILN_MAX_THREADS threads: every index once");
  check(kiln_rt_set_num_threads(1) == KILN_OK && kiln_rt_get_num_threads() == 1,
        "set_num_threads(1) stops the workers");
}

/* A chunk that falls behind is finished by the other threads: the caller's
 * first call (the first half of its chunk) waits until another thread has
 * run part of the rest of it, which the worker does once done with its own
 * chunk; with a pool that never takes work the caller waits out the
 * timeout and the check fails. */
#define UNEVEN_N 64
#define UNEVEN_TIMEOUT_MS 20000

struct uneven_ctx {
  pthread_t caller;
  atomic_int visits[UNEVEN_N];
  atomic_int by_others; /* indices of the caller's chunk run elsewhere */
};

static void uneven(void *opaque, int64_t begin, int64_t end) {
  struct uneven_ctx *ctx = opaque;
  int on_caller = pthread_equal(pthread_self(), ctx->caller);
  if (on_caller && begin == 0) {
    struct timespec millisecond = {0, 1000 * 1000};
    for (int ms = 0; ms < UNEVEN_TIMEOUT_MS && atomic_load(&ctx->by_others) == 0; ++ms)
      nanosleep(&millisecond, NULL);
  }
  for (int64_t i = begin; i < end; ++i) {
    atomic_fetch_add(&ctx->visits[i], 1);
    if (!on_caller && i < UNEVEN_N / 2)
      atomic_fetch_add(&ctx->by_others, 1);
  }
}

static void check_uneven_chunks(void) {
  static struct uneven_ctx ctx;
  ctx.caller = pthread_self();
  check(kiln_rt_set_num_threads(2) == KILN_OK, "set_num_threads(2)");
  kiln_rt_parallel_for(UNEVEN_N, uneven, &ctx);
  int once = 1;
  for (int i = 0; i < UNEVEN_N; ++i)
    once &= atomic_load(&ctx.visits[i]) == 1;
  char what[160];
  snprintf(what, sizeof what,
           "a slow chunk: every index once, the other thread ran part of it "
           "(%d of its %d indices)",
           atomic_load(&ctx.by_others), UNEVEN_N / 2);
  check(once && atomic_load(&ctx.by_others) > 0, what);
}

/* Two OS threads running loops at once: one gets the pool, the other runs
 * serially; both must see every index exactly once, every time. */
#define CONCURRENT_N 1000
#define CONCURRENT_LOOPS 2000

struct counter_ctx {
  atomic_int counts[CONCURRENT_N];
};

static void count(void *opaque, int64_t begin, int64_t end) {
  struct counter_ctx *ctx = opaque;
  for (int64_t i = begin; i < end; ++i)
    atomic_fetch_add_explicit(&ctx->counts[i], 1, memory_order_relaxed);
}

struct concurrent_caller {
  struct counter_ctx ctx;
  int errors;
};

static void *run_concurrent_loops(void *opaque) {
  struct concurrent_caller *caller = opaque;
  for (int loop = 1; loop <= CONCURRENT_LOOPS; ++loop) {
    kiln_rt_parallel_for(CONCURRENT_N, count, &caller->ctx);
    for (int i = 0; i < CONCURRENT_N; ++i)
      if (atomic_load_explicit(&caller->ctx.counts[i], memory_order_relaxed) !=
          loop)
        ++caller->errors;
  }
  return NULL;
}

static void check_concurrent_callers(void) {
  static struct concurrent_caller callers[2];
  pthread_t threads[2];
  kiln_rt_set_num_threads(4);
  int started = 1;
  for (int t = 0; t < 2; ++t)
    started &= pthread_create(&threads[t], NULL, run_concurrent_loops,
                              &callers[t]) == 0;
  check(started, "start two OS threads calling parallel_for");
  if (!started)
    exit(1);
  for (int t = 0; t < 2; ++t)
    pthread_join(threads[t], NULL);
  check(callers[0].errors == 0 && callers[1].errors == 0,
        "two OS threads x 2000 concurrent parallel_for(1000): every index "
        "once per loop");
}

/* Resizing the pool while another thread keeps running loops: set_num_threads
 * waits for the loop in flight, so no worker is stopped under it. */
static atomic_int resizing_done;

static void *run_loops_until_done(void *opaque) {
  struct concurrent_caller *caller = opaque;
  int loop = 0;
  while (!atomic_load(&resizing_done) || loop < 100) {
    ++loop;
    kiln_rt_parallel_for(CONCURRENT_N, count, &caller->ctx);
    for (int i = 0; i < CONCURRENT_N; ++i)
      if (atomic_load_explicit(&caller->ctx.counts[i], memory_order_relaxed) !=
          loop)
        ++caller->errors;
  }
  return NULL;
}

static void check_resize_during_loops(void) {
  static struct concurrent_caller caller;
  pthread_t thread;
  if (pthread_create(&thread, NULL, run_loops_until_done, &caller) != 0) {
    check(0, "start an OS thread calling parallel_for");
    exit(1);
  }
  int status = KILN_OK;
  for (int i = 0; i < 200; ++i)
    status |= kiln_rt_set_num_threads(1 + i % 8);
  atomic_store(&resizing_done, 1);
  pthread_join(thread, NULL);
  check(status == KILN_OK && caller.errors == 0,
        "200 set_num_threads(1..8) while another thread runs loops: every "
        "index once per loop");
}

/* A loop body that itself runs a parallel loop: the inner loop runs serially
 * on the thread that runs the outer chunk, in one call of its body. */
#define OUTER_N 8
#define INNER_N 100

static struct {
  atomic_int visits[OUTER_N][INNER_N];
  atomic_int inner_calls[OUTER_N];
  atomic_int bad;
} nested;

struct inner_ctx {
  int64_t row;
};

static void inner(void *opaque, int64_t begin, int64_t end) {
  struct inner_ctx *ctx = opaque;
  atomic_fetch_add(&nested.inner_calls[ctx->row], 1);
  if (begin < 0 || end > INNER_N || begin >= end)
    atomic_fetch_add(&nested.bad, 1);
  for (int64_t i = begin; i < end; ++i)
    atomic_fetch_add(&nested.visits[ctx->row][i], 1);
}

static void outer(void *opaque, int64_t begin, int64_t end) {
  (void)opaque;
  for (int64_t row = begin; row < end; ++row) {
    struct inner_ctx ctx = {row};
    kiln_rt_parallel_for(INNER_N, inner, &ctx);
  }
}

static void run_nested(void) {
  memset(&nested, 0, sizeof nested);
  kiln_rt_parallel_for(OUTER_N, outer, NULL);
}

static void check_nested(void) {
  kiln_rt_set_num_threads(4);
  run_nested();
  int ok = atomic_load(&nested.bad) == 0;
  for (int row = 0; row < OUTER_N; ++row) {
    ok &= atomic_load(&nested.inner_calls[row]) == 1;
    for (int i = 0; i < INNER_N; ++i)
      ok &= atomic_load(&nested.visits[row][i]) == 1;
  }
  check(ok, "nested parallel_for: every index once, inner loops serial");
}

static void check_error_messages(void) {
  static const int codes[] = {
      KILN_OK,
      KILN_ERROR_NULL_ARGUMENT,
      KILN_ERROR_WORKSPACE_ALIGNMENT,
      KILN_ERROR_INVALID_THREAD_COUNT,
      KILN_ERROR_THREAD_START,
      KILN_ERROR_NO_DEVICE,
      KILN_ERROR_DEVICE,
      KILN_ERROR_WRONG_TARGET,
      KILN_ERROR_BOUND_INPUT,
      KILN_ERROR_OVERLAPPING_BUFFERS,
      KILN_ERROR_RACE,
      KILN_ERROR_BUFFER_ALIGNMENT,
      -1, /* any unknown code, standing for all of them */
  };
  enum { count = sizeof codes / sizeof codes[0] };
  int ok = 1;
  for (int i = 0; i < count; ++i) {
    const char *message = kiln_rt_error_message(codes[i]);
    ok &= message != NULL && message[0] != '\0';
    for (int j = 0; ok && j < i; ++j)
      ok &= strcmp(message, kiln_rt_error_message(codes[j])) != 0;
  }
  check(ok, "error messages are non-empty and distinct for every code");
  check(strcmp(kiln_rt_error_message(12), "unknown error code") == 0 &&
            strcmp(kiln_rt_error_message(-1), "unknown error code") == 0 &&
            strcmp(kiln_rt_error_message(1000), "unknown error code") == 0,
        "unknown codes give \"unknown error code\"");
}

static void check_no_allocation(void) {
  /* The wrappers must see the runtime's calls, or the check proves nothing. */
  long before = atomic_load(&allocations);
  void *volatile probe = malloc(16);
  free(probe);
  check(atomic_load(&allocations) == before + 1,
        "malloc is wrapped (allocation counting works)");

  static struct counter_ctx counters;
  kiln_rt_set_num_threads(8);
  reset(&shared_ctx, 1000);
  kiln_rt_parallel_for(1000, visit, &shared_ctx); /* warm-up */

  before = atomic_load(&allocations);
  for (int loop = 0; loop < 1000; ++loop) {
    kiln_rt_parallel_for(1 + loop % 17, count, &counters);
    kiln_rt_parallel_for(0, count, NULL);
  }
  run_nested();
  long during = atomic_load(&allocations) - before;
  char what[120];
  snprintf(what, sizeof what,
           "no allocation in 2000 parallel loops after warm-up (counted %ld)",
           during);
  check(during == 0, what);
}

/*===-- First run and constant pages --------------------------------------===*/

static int32_t first_run_flag;
static atomic_int first_run_winners;

static void *claim_first_run(void *arg) {
  (void)arg;
  if (kiln_rt_first_run(&first_run_flag))
    atomic_fetch_add(&first_run_winners, 1);
  return NULL;
}

/* kiln_rt_first_run says "first" exactly once per flag, to one of several
 * threads racing for it; kiln_rt_touch_pages reads buffers of any size
 * (empty, one page, pages and a few bytes) without allocating. */
static void check_first_run(void) {
  pthread_t threads[8];
  for (int i = 0; i < 8; ++i)
    pthread_create(&threads[i], NULL, claim_first_run, NULL);
  for (int i = 0; i < 8; ++i)
    pthread_join(threads[i], NULL);
  check(atomic_load(&first_run_winners) == 1, "one of 8 racing threads gets the first run");
  check(kiln_rt_first_run(&first_run_flag) == 0, "a flag's later runs are not first");
  int32_t other = 0;
  check(kiln_rt_first_run(&other) == 1 && kiln_rt_first_run(&other) == 0,
        "each flag has its own first run");

  /* A fresh anonymous mapping has no page mapped until it is read: each
   * page read maps one (a minor fault). */
  enum { PAGES = 64 };
  size_t bytes = PAGES * 4096;
  unsigned char *pages = mmap(NULL, bytes, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  check(pages != MAP_FAILED, "an anonymous mapping for the page test");
  if (pages == MAP_FAILED)
    return;
  long before = atomic_load(&allocations);
  struct rusage start, end;
  getrusage(RUSAGE_SELF, &start);
  kiln_rt_touch_pages(pages, 0);
  kiln_rt_touch_pages(pages, 1);
  kiln_rt_touch_pages(pages, (int64_t)bytes - 5);
  getrusage(RUSAGE_SELF, &end);
  char what[120];
  snprintf(what, sizeof what, "touching %d fresh pages maps them (%ld minor faults)", PAGES,
           end.ru_minflt - start.ru_minflt);
  check(end.ru_minflt - start.ru_minflt >= PAGES, what);
  check(atomic_load(&allocations) == before, "touching pages does not allocate");
  munmap(pages, bytes);
}

/* A deadlock must fail the test, not hang the lit run. */
#define WATCHDOG_SECONDS 120
#define STRINGIFY_VALUE(x) #x
#define STRINGIFY(x) STRINGIFY_VALUE(x)

static void on_watchdog(int signo) {
  (void)signo;
  static const char message[] = "FAIL: still running after " STRINGIFY(
      WATCHDOG_SECONDS) " seconds (deadlock?)\n";
  (void)!write(STDOUT_FILENO, message, sizeof message - 1);
  _exit(1);
}

int main(void) {
  signal(SIGALRM, on_watchdog);
  alarm(WATCHDOG_SECONDS);

  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  int expected = cpus < 1                  ? 1
                 : cpus > KILN_MAX_THREADS ? KILN_MAX_THREADS
                                           : (int)cpus;
  char what[120];
  snprintf(what, sizeof what,
           "default thread count is the online CPUs, capped (%d, got %d)",
           expected, kiln_rt_get_num_threads());
  check(kiln_rt_get_num_threads() == expected, what);

  static const int thread_counts[] = {1, 2, 3, 8};
  for (size_t t = 0; t < sizeof thread_counts / sizeof thread_counts[0]; ++t)
    check_ranges(thread_counts[t]);
  check_thread_count_bounds();
  check_uneven_chunks();
  check_concurrent_callers();
  check_resize_during_loops();
  check_nested();
  check_error_messages();
  check_no_allocation();
  check_first_run();

  if (failures) {
    printf("%d check(s) failed\n", failures);
    return 1;
  }
  printf("all checks passed\n");
  return 0;
}

/*===- race_check.c - Races in the workgroup memory of emulated kernels ---===*
 *
 * Libraries built with `kilnc --emulate-gpu --emulate-gpu-check-races` run
 * the GPU kernels on the CPU (kiln-emulate-gpu-launches) and call
 * kiln_rt_race_check before every access to workgroup memory
 * (kiln-check-workgroup-races). Each element of a workgroup buffer has two
 * shadow words in the block's memory: the thread that last wrote it and the
 * thread(s) that read it, each with the block's barrier count ("epoch") at
 * that access. Two accesses by different threads in the same epoch, one of
 * them a write, are a race: no barrier orders them, so on a GPU the result
 * depends on timing. An access outside the buffer is an error too. The
 * first is recorded as one line; NAME_run
 * returns KILN_ERROR_RACE at the end of the run (kiln_rt_race_status), and
 * NAME_error_message gives the line.
 *
 *===----------------------------------------------------------------------===*/

#include "kiln/runtime.h"

#include <stdatomic.h>
#include <stdio.h>

/* A shadow word: (epoch << kThreadBits) | (thread + 1); 0 is "never". In a
 * read word, the thread field kManyReaders means two or more threads read
 * the element in that epoch. Blocks have at most 1024 threads
 * (kiln-check-workgroup-races refuses more than kManyReaders - 1). */
enum { kThreadBits = 16 };
static const int64_t kThreadMask = (1 << kThreadBits) - 1;
static const int64_t kManyReaders = (1 << kThreadBits) - 1;

/* 0: no race recorded; 1: a block is writing `message`; 2: recorded. Blocks
 * run in parallel on the thread pool: the first to find a race writes the
 * message, the others' are dropped. The run's end (the pool's join) orders
 * the message before kiln_rt_race_status and kiln_rt_race_message. The
 * message stays the first race's; `pending` marks a race in each run. */
static atomic_int state;
static atomic_int pending; /* a race since the last kiln_rt_race_status */
static char message[512];

/* Marks a race in this run; true when the message is already taken (no
 * need to format another). */
static int marked(void) {
  atomic_store(&pending, 1);
  return atomic_load(&state) != 0;
}

static void record(const char *kind, const char *kernel, int64_t block, int64_t thread,
                   const char *what) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&state, &expected, 1))
    return;
  snprintf(message, sizeof message,
           "%s in the emulated GPU kernel of %s: thread %lld of block %lld %s", kind, kernel,
           (long long)thread, (long long)block, what);
  atomic_store(&state, 2);
}

/* `thread` of `block` makes `access` to `element` of workgroup buffer
 * `buffer`, which thread `other` made `otherAccess` to in the same epoch
 * (other -1: two or more threads, another among them). */
static void recordRace(const char *kernel, int64_t block, int64_t buffer, int64_t element,
                       int64_t thread, const char *access, int64_t other,
                       const char *otherAccess) {
  if (marked())
    return;
  char others[32], what[256];
  if (other < 0)
    snprintf(others, sizeof others, "other threads");
  else
    snprintf(others, sizeof others, "thread %lld", (long long)other);
  snprintf(what, sizeof what,
           "%s element %lld of workgroup buffer %lld, which %s %s with no barrier between",
           access, (long long)element, (long long)buffer, others, otherAccess);
  record("race", kernel, block, thread, what);
}

void kiln_rt_race_check(intptr_t writes, intptr_t reads, int64_t element, int64_t count,
                        int64_t thread, int64_t epoch, int64_t is_write, int64_t block,
                        int64_t buffer, int64_t size, intptr_t kernel) {
  int64_t *written = (int64_t *)writes, *read = (int64_t *)reads;
  int64_t self = (epoch << kThreadBits) | (thread + 1);
  const char *name = (const char *)kernel;
  const char *access = is_write ? "writes" : "reads";
  if (element < 0 || count > size - element) {
    if (marked())
      return;
    char what[160];
    snprintf(what, sizeof what,
             "%s elements %lld to %lld of workgroup buffer %lld, which has %lld", access,
             (long long)element, (long long)(element + count - 1), (long long)buffer,
             (long long)size);
    record("out-of-bounds access", name, block, thread, what);
    return;
  }
  for (int64_t e = element; e < element + count; ++e) {
    int64_t w = written[e], r = read[e];
    int64_t writer = w & kThreadMask, reader = r & kThreadMask;
    int wroteNow = (w >> kThreadBits) == epoch && writer != thread + 1;
    int readNow = (r >> kThreadBits) == epoch && reader != thread + 1;
    if (wroteNow)
      recordRace(name, block, buffer, e, thread, access, writer - 1, "wrote");
    if (!is_write) {
      read[e] = readNow ? (epoch << kThreadBits) | kManyReaders : self;
      continue;
    }
    if (readNow)
      recordRace(name, block, buffer, e, thread, access,
                 reader == kManyReaders ? -1 : reader - 1, "read");
    written[e] = self;
  }
}

int kiln_rt_race_status(void) {
  return atomic_exchange(&pending, 0) ? KILN_ERROR_RACE : KILN_OK;
}

const char *kiln_rt_race_message(void) {
  if (atomic_load(&state) != 2)
    return "an emulated GPU kernel raced (a checking build: kilnc "
           "--emulate-gpu-check-races)";
  return message;
}

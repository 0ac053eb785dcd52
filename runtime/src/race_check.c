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
 * depends on timing. The first race found stops the program with a one-line
 * message (this is a checking build, not a library to ship).
 *
 *===----------------------------------------------------------------------===*/

#include "kiln/runtime.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* A shadow word: (epoch << kThreadBits) | (thread + 1); 0 is "never". In a
 * read word, the thread field kManyReaders means two or more threads read
 * the element in that epoch. Blocks have at most 1024 threads. */
enum { kThreadBits = 16 };
static const int64_t kThreadMask = (1 << kThreadBits) - 1;
static const int64_t kManyReaders = (1 << kThreadBits) - 1;

static atomic_int reported;

/* `thread` of `block` makes `access` to `element` of workgroup buffer
 * `buffer`, which thread `other` made `otherAccess` to in the same epoch
 * (other -1: two or more threads, another among them). */
static void report(const char *kernel, int64_t block, int64_t buffer, int64_t element,
                   int64_t thread, const char *access, int64_t other,
                   const char *otherAccess) {
  /* Blocks run in parallel: one message, whichever block finds a race first. */
  if (atomic_exchange(&reported, 1))
    return;
  char others[48];
  if (other < 0)
    snprintf(others, sizeof others, "other threads");
  else
    snprintf(others, sizeof others, "thread %lld", (long long)other);
  fprintf(stderr,
          "kiln: race in the emulated GPU kernel of %s: thread %lld of block %lld %s "
          "element %lld of workgroup buffer %lld, which %s %s with no barrier between\n",
          kernel, (long long)thread, (long long)block, access, (long long)element,
          (long long)buffer, others, otherAccess);
  fflush(stderr);
  _Exit(1);
}

void kiln_rt_race_check(intptr_t writes, intptr_t reads, int64_t element, int64_t count,
                        int64_t thread, int64_t epoch, int64_t is_write, int64_t block,
                        int64_t buffer, intptr_t kernel) {
  int64_t *written = (int64_t *)writes, *read = (int64_t *)reads;
  int64_t self = (epoch << kThreadBits) | (thread + 1);
  const char *name = (const char *)kernel;
  for (int64_t e = element; e < element + count; ++e) {
    int64_t w = written[e], r = read[e];
    int64_t writer = w & kThreadMask, reader = r & kThreadMask;
    int64_t wroteNow = (w >> kThreadBits) == epoch && writer != thread + 1;
    int64_t readNow = (r >> kThreadBits) == epoch && reader != thread + 1;
    if (!is_write) {
      if (wroteNow)
        report(name, block, buffer, e, thread, "reads", writer - 1, "wrote");
      read[e] = readNow ? (epoch << kThreadBits) | kManyReaders : self;
      continue;
    }
    if (wroteNow)
      report(name, block, buffer, e, thread, "writes", writer - 1, "wrote");
    if (readNow)
      report(name, block, buffer, e, thread, "writes",
             reader == kManyReaders ? -1 : reader - 1, "read");
    written[e] = self;
  }
}

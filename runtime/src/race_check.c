/*===- race_check.c - Races in the memory of emulated kernels -------------===*
 *
 * Libraries built with `kilnc --emulate-gpu --emulate-gpu-check-races` run
 * the GPU kernels on the CPU (kiln-emulate-gpu-launches) and call a check
 * before every access to workgroup or global memory (kiln-check-races).
 *
 * Workgroup memory (kiln_rt_race_check): each element of a workgroup
 * buffer has two shadow words in the block's memory: the thread that last
 * wrote it and the thread(s) that read it, each with the block's barrier
 * count ("epoch") at that access. Two accesses by different threads in the
 * same epoch, one of them a write, are a race: no barrier orders them, so
 * on a GPU the result depends on timing. An access outside the buffer is
 * an error too, and so is a misaligned one: a vector access that does not
 * start at a multiple of its alignment, which the GPU faults on.
 *
 * Global memory (kiln_rt_global_race_check, below): the same rule within a
 * block, and any two accesses to an element by different blocks of one
 * launch, one of them a write; an access outside its view, or at an
 * address that is not a multiple of its alignment, is an error.
 *
 * The first is recorded as one line; NAME_run returns KILN_ERROR_RACE at
 * the end of the run (kiln_rt_race_status), and NAME_error_message gives
 * the line.
 *
 *===----------------------------------------------------------------------===*/

#include "kiln/runtime.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A shadow word: (epoch << kThreadBits) | (thread + 1); 0 is "never". In a
 * read word, the thread field kManyReaders means two or more threads read
 * the element in that epoch. Blocks have at most 1024 threads
 * (kiln-check-races refuses more than kManyReaders - 1). */
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

/* `thread` of `block` makes `access` to `count` elements from `element` on
 * of `buffer` as one access, which must start at a multiple of `rule`
 * ("4 elements", "16 bytes; ..."), and does not. */
static void recordMisaligned(const char *kernel, int64_t block, int64_t thread,
                             const char *access, int64_t element, int64_t count,
                             const char *buffer, const char *rule) {
  char what[320];
  snprintf(what, sizeof what,
           "%s elements %lld to %lld of %s in one access, which must start at a multiple of %s",
           access, (long long)element, (long long)(element + count - 1), buffer, rule);
  record("misaligned access", kernel, block, thread, what);
}

void kiln_rt_race_check(intptr_t writes, intptr_t reads, int64_t element, int64_t count,
                        int64_t alignment, int64_t thread, int64_t epoch, int64_t is_write,
                        int64_t block, int64_t buffer, int64_t size, intptr_t kernel) {
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
  if (element % alignment != 0) {
    if (marked())
      return;
    char where[48], rule[48];
    snprintf(where, sizeof where, "workgroup buffer %lld", (long long)buffer);
    snprintf(rule, sizeof rule, "%lld elements", (long long)alignment);
    recordMisaligned(name, block, thread, access, element, count, where, rule);
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

/*===-- Global memory -----------------------------------------------------===*
 *
 * Global memory has no per-block shadow: one table, keyed by an element's
 * address (its first byte), holds what the current launch did to each
 * element it touched. kiln_rt_race_launch starts the next launch: earlier
 * launches' entries are stale from then on (read as untouched) and dropped
 * when the table next grows. Blocks of a launch are never ordered, so two
 * accesses to an element by different blocks, one of them a write, are a
 * race; within a block the epochs decide, as for workgroup memory. The
 * emulated blocks run in parallel on the thread pool: the table is behind
 * a mutex. It serves one checked run at a time in a process (a second
 * run's launches would start the first's anew). Checking builds only, so
 * the table may allocate: 40 bytes a slot, at most half of them in use.
 */

typedef struct {
  intptr_t address; /* 0: a free slot */
  int64_t launch;   /* the launch the fields below describe */
  /* The last write: block (-1: none), thread, epoch. */
  int32_t writer_block, writer_thread, writer_epoch;
  /* The reads: one block (-1: none; kManyBlocks: two or more, in any
   * epoch), and in that block the reader of the latest epoch that read
   * (kManyReaders: two or more threads in that epoch). */
  int32_t reader_block, reader_thread, reader_epoch;
} GlobalShadow;

static const int32_t kManyBlocks = -2;

static pthread_mutex_t global_lock = PTHREAD_MUTEX_INITIALIZER;
static GlobalShadow *global_slots;
/* Slots (a power of two, 0 before the first access), their log2, and
 * those in use (the current launch's and stale ones). */
static size_t global_capacity, global_used;
static int global_bits;
static int64_t global_launch;
/* A table allocation failed: global checks stop until the next launch. */
static int global_full;

void kiln_rt_race_launch(void) {
  pthread_mutex_lock(&global_lock);
  ++global_launch;
  global_full = 0;
  pthread_mutex_unlock(&global_lock);
}

/* The slot where a probe for `address` starts in a table of 2^bits slots:
 * the top bits of a Fibonacci hash. */
static size_t slotOf(intptr_t address, int bits) {
  return (size_t)(((uint64_t)address * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}

/* Moves the current launch's entries into a new table, dropping the
 * others': twice as large (at least 4096 slots), or as large where they
 * fill less than a quarter of it (most entries were earlier launches');
 * 0 when out of memory. */
static int grow(void) {
  size_t live = 0;
  for (size_t i = 0; i < global_capacity; ++i)
    live += global_slots[i].address && global_slots[i].launch == global_launch;
  size_t capacity = !global_capacity           ? 4096
                    : 4 * live < global_capacity ? global_capacity
                                                 : global_capacity * 2;
  int bits = 0;
  while (((size_t)1 << bits) < capacity)
    ++bits;
  GlobalShadow *slots = calloc(capacity, sizeof *slots);
  if (!slots)
    return 0;
  size_t used = 0;
  for (size_t i = 0; i < global_capacity; ++i) {
    GlobalShadow *entry = &global_slots[i];
    if (!entry->address || entry->launch != global_launch)
      continue;
    size_t at = slotOf(entry->address, bits);
    while (slots[at].address)
      at = (at + 1) & (capacity - 1);
    slots[at] = *entry;
    ++used;
  }
  free(global_slots);
  global_slots = slots;
  global_capacity = capacity;
  global_bits = bits;
  global_used = used;
  return 1;
}

/* The entry of `address` for the current launch (new: nothing done yet),
 * or NULL when out of memory. */
static GlobalShadow *shadowOf(intptr_t address) {
  if (2 * (global_used + 1) > global_capacity && !grow())
    return NULL;
  size_t at = slotOf(address, global_bits);
  while (global_slots[at].address && global_slots[at].address != address)
    at = (at + 1) & (global_capacity - 1);
  GlobalShadow *entry = &global_slots[at];
  if (!entry->address) {
    entry->address = address;
    ++global_used;
  }
  if (entry->launch != global_launch) {
    entry->launch = global_launch;
    entry->writer_block = entry->reader_block = -1;
  }
  return entry;
}

/* `thread` of `block` makes `access` to `element` of global `buffer` that
 * thread `other` (-1: two or more threads, another among them) of block
 * `otherBlock` (-1: other blocks) made `otherAccess` to, unordered. */
static void recordGlobalRace(const char *kernel, const char *buffer, int64_t block,
                             int64_t element, int64_t thread, const char *access,
                             int64_t other, int64_t otherBlock, const char *otherAccess) {
  if (marked())
    return;
  char others[64], what[320];
  if (otherBlock == block && other < 0)
    snprintf(others, sizeof others, "other threads");
  else if (otherBlock == block)
    snprintf(others, sizeof others, "thread %lld", (long long)other);
  else if (otherBlock < 0)
    snprintf(others, sizeof others, "threads of other blocks");
  else if (other < 0)
    snprintf(others, sizeof others, "threads of block %lld", (long long)otherBlock);
  else
    snprintf(others, sizeof others, "thread %lld of block %lld", (long long)other,
             (long long)otherBlock);
  snprintf(what, sizeof what, "%s element %lld of global %s, which %s %s %s", access,
           (long long)element, buffer, others, otherAccess,
           otherBlock == block ? "with no barrier between" : "in the same launch");
  record("race", kernel, block, thread, what);
}

void kiln_rt_global_race_check(intptr_t address, int64_t count, int64_t stride,
                               int64_t alignment, int64_t outside, int64_t outside_index,
                               int64_t outside_size, int64_t element, int64_t thread,
                               int64_t epoch, int64_t is_write, int64_t block, int64_t tracked,
                               intptr_t kernel, intptr_t buffer) {
  const char *name = (const char *)kernel, *type = (const char *)buffer;
  const char *access = is_write ? "writes" : "reads";
  if (outside >= 0) {
    if (marked())
      return;
    char what[256];
    snprintf(what, sizeof what,
             "%s outside global %s: index %lld of dimension %lld, whose size is %lld", access,
             type, (long long)outside_index, (long long)outside, (long long)outside_size);
    record("out-of-bounds access", name, block, thread, what);
    return;
  }
  if ((uintptr_t)address % (uintptr_t)alignment != 0) {
    if (marked())
      return;
    char where[160], rule[80];
    snprintf(where, sizeof where, "global %s", type);
    snprintf(rule, sizeof rule, "%lld bytes; it starts %lld bytes past one",
             (long long)alignment, (long long)((uintptr_t)address % (uintptr_t)alignment));
    recordMisaligned(name, block, thread, access, element, count, where, rule);
    return;
  }
  if (!tracked)
    return;
  pthread_mutex_lock(&global_lock);
  for (int64_t e = 0; e < count && !global_full; ++e) {
    GlobalShadow *s = shadowOf(address + e * stride);
    if (!s) {
      global_full = 1;
      if (!marked())
        record("out of memory", name, block, thread,
               "could not grow the table of global memory accesses");
      break;
    }
    /* Ordered before this access: the same thread's, or its block's in an
     * earlier epoch. */
    int wroteUnordered =
        s->writer_block >= 0 && (s->writer_block != block ||
                                 (s->writer_thread != thread && s->writer_epoch == epoch));
    if (wroteUnordered)
      recordGlobalRace(name, type, block, element + e, thread, access, s->writer_thread,
                       s->writer_block, "wrote");
    if (is_write) {
      int readUnordered =
          s->reader_block == kManyBlocks ||
          (s->reader_block >= 0 &&
           (s->reader_block != block ||
            (s->reader_thread != thread && s->reader_epoch == epoch)));
      if (readUnordered)
        recordGlobalRace(name, type, block, element + e, thread, access,
                         s->reader_thread == kManyReaders ? -1 : s->reader_thread,
                         s->reader_block == kManyBlocks ? -1 : s->reader_block, "read");
      s->writer_block = (int32_t)block;
      s->writer_thread = (int32_t)thread;
      s->writer_epoch = (int32_t)epoch;
      continue;
    }
    if (s->reader_block == kManyBlocks)
      continue;
    if (s->reader_block >= 0 && s->reader_block != block) {
      s->reader_block = kManyBlocks;
      continue;
    }
    if (s->reader_block == block && s->reader_epoch == epoch && s->reader_thread != thread) {
      s->reader_thread = (int32_t)kManyReaders;
      continue;
    }
    if (s->reader_block == block && s->reader_epoch == epoch)
      continue;
    s->reader_block = (int32_t)block;
    s->reader_thread = (int32_t)thread;
    s->reader_epoch = (int32_t)epoch;
  }
  pthread_mutex_unlock(&global_lock);
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

/* kiln_rt_race_check (runtime/src/race_check.c) on scenarios of accesses to
 * a workgroup buffer of 8 elements, run by race-check.test: each scenario
 * (argv[1]) prints the status kiln_rt_race_status returns after it, and the
 * message kiln_rt_error_message gives for a race. */
#include "kiln/runtime.h"

#include <stdio.h>
#include <string.h>

static int64_t writes[8], reads[8];

/* `thread` reads (0) or writes (1) `count` elements from `element` on, in
 * `epoch`, in block 3, buffer 2 (8 elements) of the kernel "node 'test'",
 * as one access that must start at a multiple of `alignment` elements. */
static void alignedAccess(int64_t thread, int64_t epoch, int is_write, int64_t element,
                          int64_t count, int64_t alignment) {
  kiln_rt_race_check((intptr_t)writes, (intptr_t)reads, element, count, alignment, thread, epoch,
                     is_write, 3, 2, 8, (intptr_t) "node 'test'");
}

/* The same, elements accessed one at a time (any element will do). */
static void access(int64_t thread, int64_t epoch, int is_write, int64_t element,
                   int64_t count) {
  alignedAccess(thread, epoch, is_write, element, count, 1);
}

static void report(const char *after) {
  int status = kiln_rt_race_status();
  printf("%s: %d", after, status);
  if (status != KILN_OK)
    printf(": %s", kiln_rt_error_message(status));
  printf("\n");
}

int main(int argc, char **argv) {
  const char *s = argc > 1 ? argv[1] : "";
  if (!strcmp(s, "ordered")) {
    /* Each thread writes its element, then, past a barrier, all read all;
     * past another, each writes its element again. A thread may read and
     * write its own element in one epoch. */
    for (int t = 0; t < 8; ++t) {
      access(t, 1, 0, t, 1);
      access(t, 1, 1, t, 1);
    }
    for (int t = 0; t < 8; ++t)
      access(t, 2, 0, 0, 8);
    for (int t = 0; t < 8; ++t)
      access(t, 3, 1, t, 1);
    report("ordered");
  } else if (!strcmp(s, "read-after-write")) {
    access(5, 1, 1, 4, 1);
    access(6, 1, 0, 0, 8); /* reads element 4, which thread 5 wrote */
    report("read-after-write");
  } else if (!strcmp(s, "write-after-read")) {
    access(1, 1, 0, 2, 4);
    access(0, 1, 1, 3, 1);
    report("write-after-read");
  } else if (!strcmp(s, "write-after-reads")) {
    access(1, 1, 0, 6, 1);
    access(2, 1, 0, 6, 1);
    access(1, 1, 1, 6, 1); /* thread 2 read it too */
    report("write-after-reads");
  } else if (!strcmp(s, "write-after-write")) {
    access(7, 4, 1, 0, 1);
    access(0, 4, 1, 0, 1);
    report("write-after-write");
  } else if (!strcmp(s, "out-of-bounds")) {
    access(2, 1, 0, 6, 4);
    report("out-of-bounds");
  } else if (!strcmp(s, "aligned")) {
    /* Vectors of 4 from elements 0 and 4, of 2 from 6. */
    alignedAccess(0, 1, 1, 0, 4, 4);
    alignedAccess(1, 1, 1, 4, 2, 4);
    alignedAccess(2, 1, 1, 6, 2, 2);
    report("aligned");
  } else if (!strcmp(s, "misaligned")) {
    /* A vector of 4 from element 2. */
    alignedAccess(1, 1, 0, 2, 4, 4);
    report("misaligned");
  } else if (!strcmp(s, "runs")) {
    /* The status is per run (each call of kiln_rt_race_status); the message
     * stays the first race's. */
    access(5, 1, 1, 4, 1);
    access(6, 1, 0, 4, 1);
    report("first run");
    access(0, 2, 1, 0, 1);
    report("second run");
    access(1, 3, 1, 1, 1);
    access(2, 3, 1, 1, 1);
    report("third run");
  } else {
    fprintf(stderr, "unknown scenario '%s'\n", s);
    return 2;
  }
  return 0;
}

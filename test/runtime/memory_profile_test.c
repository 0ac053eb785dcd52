/* Drives the runtime's memory profile (runtime/src/memory_profile.c) with
 * hand-made accesses, as an emulated kernel would make them, and prints
 * the profile: test/runtime/memory-profile.test checks the counts.
 *
 * Each case is one site (its description names the case) reached by the
 * threads of a block, in the emulation's order (thread by thread); an
 * access's address is a function of its lane. */

#include "kiln/runtime.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum { kShared = 0, kGlobal = 1 };

static int64_t next_site;

/* Every thread of `threads` in `block` makes one access to byte
 * offset(thread) (count elements of `bytes`, `stride` apart). */
static void site(const char *text, int64_t space, int64_t threads, int64_t count,
                 int64_t stride, int64_t bytes, int64_t (*offset)(int64_t), int64_t block,
                 int64_t ordinal) {
  for (int64_t t = 0; t < threads; ++t)
    kiln_rt_memory_profile((intptr_t)text, ordinal, offset(t), count, stride, bytes, space,
                           /*is_write=*/0, t, threads, block, /*blocks=*/0);
}

static int64_t consecutive4(int64_t t) { return 4 * t; }
static int64_t everyOther4(int64_t t) { return 8 * (t % 32) + 4096 * (t / 32); }
static int64_t column32(int64_t t) { return 128 * t; }
static int64_t same(int64_t t) { (void)t; return 64; }
static int64_t consecutive16(int64_t t) { return 16 * t; }
static int64_t everyOther16(int64_t t) { return 32 * t; }
static int64_t consecutive8(int64_t t) { return 8 * t; }
static int64_t rows64(int64_t t) { return 256 * (t % 4) + 4 * (t / 4); }

/* Lanes 0 to 15 of a 64-thread block only: the warp's other lanes skip
 * the site (a divergent branch); the request is complete at the block's
 * end. */
static void divergent(void) {
  const char *text = "divergent half warp, 4-byte consecutive";
  int64_t ordinal = next_site++;
  for (int64_t t = 0; t < 64; ++t)
    if (t % 32 < 16)
      kiln_rt_memory_profile((intptr_t)text, ordinal, 4 * t, 1, 4, 4, kShared, 0, t, 64, 0, 0);
}

/* Each thread reaches the site twice: first at word t, then at word 32 t.
 * The first executions pair into one request, the second into another. */
static void twice(void) {
  const char *text = "two executions: consecutive, then a column";
  int64_t ordinal = next_site++;
  for (int64_t t = 0; t < 32; ++t) {
    kiln_rt_memory_profile((intptr_t)text, ordinal, 4 * t, 1, 4, 4, kShared, 0, t, 32, 0, 0);
    kiln_rt_memory_profile((intptr_t)text, ordinal, 128 * t, 1, 4, 4, kShared, 0, t, 32, 0, 0);
  }
}

/* Blocks from `blocks` on are not counted. */
static void limited(void) {
  const char *text = "blocks 0 and 1 of 4 counted";
  int64_t ordinal = next_site++;
  for (int64_t block = 0; block < 4; ++block)
    for (int64_t t = 0; t < 32; ++t)
      kiln_rt_memory_profile((intptr_t)text, ordinal, 4 * t, 1, 4, 4, kGlobal, 0, t, 32, block,
                             2);
}

typedef struct {
  const char *text;
  int64_t ordinal, block;
} WorkerArgs;

static void *worker(void *p) {
  WorkerArgs *args = p;
  site(args->text, kGlobal, 64, 1, 4, 4, consecutive4, args->block, args->ordinal);
  return NULL;
}

int main(int argc, char **argv) {
  const char *which = argc > 1 ? argv[1] : "";
  kiln_rt_memory_profile_launch();
  if (!strcmp(which, "shared")) {
    site("shared 4-byte consecutive", kShared, 64, 1, 4, 4, consecutive4, 0, next_site++);
    site("shared 4-byte every other word", kShared, 64, 1, 4, 4, everyOther4, 0, next_site++);
    site("shared 4-byte column of 32 words", kShared, 32, 1, 4, 4, column32, 0, next_site++);
    site("shared 4-byte one word", kShared, 32, 1, 4, 4, same, 0, next_site++);
    site("shared 16-byte consecutive", kShared, 32, 4, 4, 4, consecutive16, 0, next_site++);
    site("shared 16-byte every other group", kShared, 32, 4, 4, 4, everyOther16, 0,
         next_site++);
    site("shared 8-byte consecutive", kShared, 32, 2, 4, 4, consecutive8, 0, next_site++);
    site("shared 32-byte consecutive", kShared, 32, 8, 4, 4, everyOther16, 0, next_site++);
    site("shared 4-byte, 40 threads", kShared, 40, 1, 4, 4, consecutive4, 0, next_site++);
    divergent();
    twice();
  } else if (!strcmp(which, "global")) {
    site("global 4-byte consecutive", kGlobal, 32, 1, 4, 4, consecutive4, 0, next_site++);
    site("global 4-byte rows of 64 floats", kGlobal, 32, 1, 4, 4, rows64, 0, next_site++);
    site("global 4-byte 16 bytes apart", kGlobal, 32, 1, 4, 4, consecutive16, 0, next_site++);
    site("global 4-byte one word", kGlobal, 32, 1, 4, 4, same, 0, next_site++);
    site("global 16-byte consecutive", kGlobal, 32, 4, 4, 4, consecutive16, 0, next_site++);
    site("global 2 elements 128 bytes apart", kGlobal, 32, 2, 128, 4, consecutive4, 0,
         next_site++);
    site("global 16-byte lanes 4 bytes apart", kGlobal, 32, 4, 4, 4, consecutive4, 0,
         next_site++);
    limited();
  } else if (!strcmp(which, "threads")) {
    /* Two worker threads, each its own blocks, then another launch. */
    WorkerArgs args[2] = {{"two workers", 0, 0}, {"two workers", 0, 1}};
    pthread_t threads[2];
    for (int i = 0; i < 2; ++i)
      pthread_create(&threads[i], NULL, worker, &args[i]);
    for (int i = 0; i < 2; ++i)
      pthread_join(threads[i], NULL);
    kiln_rt_memory_profile_launch();
    site("two workers", kGlobal, 64, 1, 4, 4, consecutive4, 0, 0);
  }
  int status = kiln_rt_memory_profile_print(stdout);
  printf("status %d\n", status);
  /* The counts start anew. */
  status = kiln_rt_memory_profile_print(stdout);
  printf("again %d\n", status);
  return 0;
}

/*===- constants.c - A model's constants mapped before its first run -----===*
 *
 * A model's weights are constants in the program's read-only data, mapped
 * by the OS page by page as they are first read. The generated products
 * prefetch their next panel of weights many times over (once per pass over
 * the current one), and a software prefetch of a page not mapped yet is
 * dropped after a page walk, every time: a first run of ResNet-50 on a
 * virtual machine took about ten times a steady one. The entry point
 * therefore maps the constants' pages on its first run (kiln_rt_first_run,
 * kiln_rt_touch_pages), one read a page; see kiln/runtime.h.
 *
 *===----------------------------------------------------------------------===*/

#include "kiln/runtime.h"

#include <stdatomic.h>
#include <stdint.h>

int kiln_rt_first_run(int32_t *flag) {
  _Static_assert(sizeof(atomic_int) == sizeof(int32_t), "the flag is read as an atomic_int");
  atomic_int *once = (atomic_int *)flag;
  return atomic_load_explicit(once, memory_order_relaxed) == 0 &&
         atomic_exchange_explicit(once, 1, memory_order_relaxed) == 0;
}

void kiln_rt_touch_pages(const void *data, int64_t bytes) {
  const volatile unsigned char *p = (const volatile unsigned char *)data;
  for (int64_t offset = 0; offset < bytes; offset += 4096)
    (void)p[offset];
  if (bytes > 0)
    (void)p[bytes - 1];
}

/*===- constants.c - A model's constants mapped before its first run -----===*
 *
 * A model's weights are constants in the program's read-only data, mapped
 * by the OS page by page as they are first read. The generated products
 * prefetch their next panel of weights many times over (once per pass over
 * the current one), and a software prefetch of a page not mapped yet is
 * dropped after a page walk, every time: a first run of ResNet-50 on a
 * virtual machine took about eight times a steady one. The entry point
 * therefore maps the constants' pages on its first run (kiln_rt_first_run,
 * kiln_rt_touch_pages), one read a page; see kiln/runtime.h.
 *
 *===----------------------------------------------------------------------===*/

#include "kiln/runtime.h"

#include <stdint.h>

/* The flag is a plain int32_t of the generated code, so it is accessed with
 * the compilers' atomic builtins rather than through a C11 atomic type. */
int kiln_rt_first_run(int32_t *flag) {
  return __atomic_load_n(flag, __ATOMIC_RELAXED) == 0 &&
         __atomic_exchange_n(flag, 1, __ATOMIC_RELAXED) == 0;
}

void kiln_rt_touch_pages(const void *data, int64_t bytes) {
  const volatile unsigned char *p = (const volatile unsigned char *)data;
  for (int64_t offset = 0; offset < bytes; offset += 4096)
    (void)p[offset];
  if (bytes > 0)
    (void)p[bytes - 1];
}

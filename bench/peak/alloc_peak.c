/*===- alloc_peak.c - Peak heap bytes of a process, for LD_PRELOAD -------===*
 *
 * How much memory ONNX Runtime needs to run a model beyond its weights, the
 * figure Kiln's static workspace (NAME_workspace_size()) is compared with.
 * Preloaded into a Python process, this library wraps malloc, calloc,
 * realloc, free and the aligned allocators, and keeps the bytes live (as
 * malloc_usable_size reports them) and the most ever live since the last
 * reset. bench/ort_memory.py reads both through ctypes:
 *
 *   cc -O2 -shared -fPIC alloc_peak.c -o libkiln_alloc_peak.so
 *   LD_PRELOAD=./libkiln_alloc_peak.so python bench/ort_memory.py ...
 *
 *   size_t kiln_alloc_live(void);        bytes allocated and not yet freed
 *   size_t kiln_alloc_peak(void);        the most live since the reset
 *   void kiln_alloc_reset_peak(void);    peak := live
 *
 * glibc only: the wrappers call glibc's __libc_* entry points, which needs
 * no dlsym (dlsym itself allocates).
 *
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stddef.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void __libc_free(void *ptr);

static atomic_size_t live;
static atomic_size_t peak;

static void *counted(void *ptr) {
  if (ptr) {
    size_t now = atomic_fetch_add(&live, malloc_usable_size(ptr)) + malloc_usable_size(ptr);
    size_t seen = atomic_load(&peak);
    while (now > seen && !atomic_compare_exchange_weak(&peak, &seen, now)) {
    }
  }
  return ptr;
}

static void uncount(void *ptr) {
  if (ptr)
    atomic_fetch_sub(&live, malloc_usable_size(ptr));
}

void *malloc(size_t size) { return counted(__libc_malloc(size)); }

void *calloc(size_t count, size_t size) { return counted(__libc_calloc(count, size)); }

void *realloc(void *ptr, size_t size) {
  uncount(ptr);
  void *moved = __libc_realloc(ptr, size);
  if (!moved && ptr && size) {
    counted(ptr); /* the old block stays allocated */
    return NULL;
  }
  return counted(moved);
}

void free(void *ptr) {
  uncount(ptr);
  __libc_free(ptr);
}

void *memalign(size_t alignment, size_t size) {
  return counted(__libc_memalign(alignment, size));
}

void *aligned_alloc(size_t alignment, size_t size) {
  return counted(__libc_memalign(alignment, size));
}

int posix_memalign(void **out, size_t alignment, size_t size) {
  if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0)
    return EINVAL;
  void *ptr = counted(__libc_memalign(alignment, size));
  if (!ptr && size)
    return ENOMEM;
  *out = ptr;
  return 0;
}

size_t kiln_alloc_live(void) { return atomic_load(&live); }

size_t kiln_alloc_peak(void) { return atomic_load(&peak); }

void kiln_alloc_reset_peak(void) { atomic_store(&peak, atomic_load(&live)); }

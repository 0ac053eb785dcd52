/*===- memory_profile.c - Memory transactions of emulated kernels ---------===*
 *
 * Profiling runs (`kiln-run --emulate-gpu --emulate-gpu-profile-memory`)
 * emulate the GPU kernels on the CPU with a call before every access to
 * workgroup (shared) or global memory (kiln-profile-memory). This file
 * groups those accesses the way a GPU's warps issue them and counts what
 * the memory system would have to do for each:
 *
 * - A warp is 32 consecutive threads of a block (linear ids). Thread t's
 *   n-th execution of an access site pairs with the n-th execution of the
 *   same site by the other threads of its warp: one warp-level request,
 *   as on a GPU where the warp runs that code together. (Lanes whose
 *   branch skipped the site are inactive in its requests.)
 * - Shared memory: an access of more than 16 bytes a lane is several
 *   requests of 16 bytes. A request of 4-byte (or narrower) accesses is
 *   served in one phase of 32 lanes, of 8-byte accesses in two phases of
 *   16 lanes, of 16-byte ones in four of 8. A phase takes as many
 *   wavefronts as the most distinct 4-byte words any of the 32 banks
 *   (word address mod 32) holds among its lanes' accesses: the model of
 *   the CUDA programming guide. The ideal is one wavefront a phase with
 *   an active lane; the rest are bank conflicts.
 * - Global memory: a request takes one sector for every distinct 32-byte
 *   segment its lanes touch, counted from the start of the buffer (as if
 *   the buffer began on a 32-byte boundary, as device allocations do).
 *   The ideal is the distinct bytes touched over 32, rounded up: what the
 *   same data costs when it is contiguous.
 *
 * Blocks run in parallel on the thread pool, each on one worker thread:
 * each worker keeps its block's pending requests and its counts, and adds
 * them to the process's table when it starts another block and when the
 * profile is printed. Profiling builds only, so this may allocate.
 *
 *===----------------------------------------------------------------------===*/

#include "kiln/runtime.h"

#include <pthread.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { kLanes = 32, kBanks = 32 };

/* What one access site did: requests, transactions (wavefronts or sectors)
 * and their ideal. */
typedef struct {
  intptr_t site; /* the site's number + 1 (0: a free slot) */
  intptr_t text; /* its description */
  int64_t space, is_write, lane_bytes;
  int64_t requests, transactions, ideal;
  int64_t ordinal; /* the site's number: the model's sites in order */
} SiteCounts;

/* One warp-level request being gathered: `mask` holds the lanes seen. */
typedef struct {
  intptr_t site; /* the site's number + 1 (0: a free slot) */
  intptr_t text;
  int64_t warp, instance;
  int64_t ordinal, space, is_write, count, stride, bytes;
  uint32_t mask;
  int64_t offsets[kLanes];
} Request;

/* How many times a thread reached a site (in the worker's current block). */
typedef struct {
  intptr_t site; /* the site's number + 1 (0: a free slot) */
  int64_t thread, executions;
} Executions;

/* An open-addressing table (linear probing) of one kind of entry, whose
 * first field is its site (0: a free slot). */
typedef enum { kRequests, kExecutions, kCounts } Kind;
typedef struct {
  Kind kind;
  char *slots;
  size_t entry, capacity, used;
} Table;

typedef struct Worker {
  struct Worker *next;
  int64_t launch, block; /* the block being gathered (launch 0: none) */
  Table requests, executions, counts;
} Worker;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static Worker *workers;    /* every worker thread's state */
static Table totals = {kCounts, 0, sizeof(SiteCounts), 0, 0};
static atomic_llong launches;       /* kiln_rt_memory_profile_launch calls */
static atomic_int failed;           /* an allocation failed */
/* Each worker thread's Worker (a key, not _Thread_local: the JIT that
 * kiln-run loads models with has no thread-local relocations). */
static pthread_key_t self_key;
static pthread_once_t self_once = PTHREAD_ONCE_INIT;
static void makeKey(void) { pthread_key_create(&self_key, NULL); }

static uint64_t hashOf(intptr_t site, int64_t a, int64_t b) {
  uint64_t h = (uint64_t)site * 0x9E3779B97F4A7C15ull;
  h ^= (uint64_t)a * 0xC2B2AE3D27D4EB4Full + (h >> 29);
  h ^= (uint64_t)b * 0x165667B19E3779F9ull + (h >> 31);
  return h * 0x9E3779B97F4A7C15ull;
}

static void *slotAt(const Table *t, size_t i) { return t->slots + i * t->entry; }
static intptr_t keyAt(const Table *t, size_t i) { return *(intptr_t *)slotAt(t, i); }

/* The key parts after the site: a request's warp and instance, an
 * execution count's thread. */
static void keysOf(const Table *t, const void *e, int64_t *a, int64_t *b) {
  *a = *b = 0;
  if (t->kind == kRequests) {
    *a = ((const Request *)e)->warp;
    *b = ((const Request *)e)->instance;
  } else if (t->kind == kExecutions) {
    *a = ((const Executions *)e)->thread;
  }
}

static size_t homeOf(const Table *t, const void *e) {
  int64_t a, b;
  keysOf(t, e, &a, &b);
  return hashOf(*(const intptr_t *)e, a, b) & (t->capacity - 1);
}

static int grow(Table *t) {
  size_t capacity = t->capacity ? 2 * t->capacity : 256;
  char *slots = calloc(capacity, t->entry);
  if (!slots)
    return 0;
  Table bigger = {t->kind, slots, t->entry, capacity, t->used};
  for (size_t i = 0; i < t->capacity; ++i) {
    if (!keyAt(t, i))
      continue;
    size_t at = homeOf(&bigger, slotAt(t, i));
    while (keyAt(&bigger, at))
      at = (at + 1) & (capacity - 1);
    memcpy(slotAt(&bigger, at), slotAt(t, i), t->entry);
  }
  free(t->slots);
  *t = bigger;
  return 1;
}

/* The entry of (site, a, b), added zeroed but for its keys when new; NULL
 * when out of memory. */
static void *find(Table *t, intptr_t site, int64_t a, int64_t b) {
  if (2 * (t->used + 1) > t->capacity && !grow(t))
    return NULL;
  size_t at = hashOf(site, a, b) & (t->capacity - 1);
  for (;; at = (at + 1) & (t->capacity - 1)) {
    void *e = slotAt(t, at);
    if (!keyAt(t, at)) {
      memset(e, 0, t->entry);
      *(intptr_t *)e = site;
      if (t->kind == kRequests) {
        ((Request *)e)->warp = a;
        ((Request *)e)->instance = b;
      } else if (t->kind == kExecutions) {
        ((Executions *)e)->thread = a;
      }
      ++t->used;
      return e;
    }
    int64_t ka, kb;
    keysOf(t, e, &ka, &kb);
    if (keyAt(t, at) == site && ka == a && kb == b)
      return e;
  }
}

/* Frees slot `i`, moving later entries of its probe run back (linear
 * probing's deletion, no tombstones). */
static void erase(Table *t, size_t i) {
  size_t mask = t->capacity - 1;
  size_t hole = i;
  for (size_t j = (i + 1) & mask; keyAt(t, j); j = (j + 1) & mask) {
    size_t home = homeOf(t, slotAt(t, j));
    /* The entry at j may fill the hole when its home is not in (hole, j]. */
    int between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (between)
      continue;
    memcpy(slotAt(t, hole), slotAt(t, j), t->entry);
    hole = j;
  }
  *(intptr_t *)slotAt(t, hole) = 0;
  --t->used;
}

static void clear(Table *t) {
  if (t->used)
    memset(t->slots, 0, t->capacity * t->entry);
  t->used = 0;
}

/* The bytes lane `lane` of `r` touches in its `part`-th 16-byte piece:
 * [*begin, *end) from the buffer's start, or several elements (stride
 * apart) when the access is not contiguous. */
static int64_t partsOf(const Request *r) {
  int64_t bytes = r->count * r->bytes;
  if (r->stride != r->bytes && r->count > 1)
    return r->count; /* one element a request */
  return bytes > 16 ? (bytes + 15) / 16 : 1;
}

static void pieceOf(const Request *r, int lane, int64_t part, int64_t *begin, int64_t *end) {
  if (r->stride != r->bytes && r->count > 1) {
    *begin = r->offsets[lane] + part * r->stride;
    *end = *begin + r->bytes;
    return;
  }
  int64_t bytes = r->count * r->bytes;
  *begin = r->offsets[lane] + part * 16;
  *end = r->offsets[lane] + (bytes > 16 ? (part + 1) * 16 < bytes ? (part + 1) * 16 : bytes : bytes);
}

/* Adds `value` to `set` (n entries) unless there; returns the new n. */
static int addDistinct(int64_t *set, int n, int64_t value) {
  for (int i = 0; i < n; ++i)
    if (set[i] == value)
      return n;
  set[n] = value;
  return n + 1;
}

/* The transactions and ideal of one request; adds them to `c`. */
static void evaluate(const Request *r, SiteCounts *c) {
  int64_t parts = partsOf(r);
  for (int64_t part = 0; part < parts; ++part) {
    int64_t begin0, end0;
    pieceOf(r, 0, part, &begin0, &end0);
    (void)begin0;
    int64_t piece = end0 - begin0;
    ++c->requests;
    if (r->space == 0) {
      /* Shared: phases of 32, 16 or 8 lanes by piece size. */
      int lanesPerPhase = piece > 8 ? 8 : piece > 4 ? 16 : kLanes;
      for (int first = 0; first < kLanes; first += lanesPerPhase) {
        int64_t words[kBanks][kLanes * 4];
        int perBank[kBanks] = {0};
        int active = 0;
        for (int lane = first; lane < first + lanesPerPhase; ++lane) {
          if (!(r->mask >> lane & 1))
            continue;
          active = 1;
          int64_t begin, end;
          pieceOf(r, lane, part, &begin, &end);
          for (int64_t word = begin / 4; word <= (end - 1) / 4; ++word) {
            int bank = (int)(word % kBanks);
            perBank[bank] = addDistinct(words[bank], perBank[bank], word);
          }
        }
        int most = 0;
        for (int bank = 0; bank < kBanks; ++bank)
          most = perBank[bank] > most ? perBank[bank] : most;
        c->transactions += most;
        c->ideal += active;
      }
      continue;
    }
    /* Global: distinct 32-byte sectors, and distinct bytes (the union of
     * the lanes' byte ranges, sorted by start) over 32. */
    int64_t sectors[kLanes * 2], begins[kLanes], ends[kLanes];
    int nSectors = 0, nRanges = 0;
    for (int lane = 0; lane < kLanes; ++lane) {
      if (!(r->mask >> lane & 1))
        continue;
      int64_t begin, end;
      pieceOf(r, lane, part, &begin, &end);
      for (int64_t sector = begin / 32; sector <= (end - 1) / 32; ++sector)
        nSectors = addDistinct(sectors, nSectors, sector);
      int at = nRanges++;
      for (; at > 0 && begins[at - 1] > begin; --at) {
        begins[at] = begins[at - 1];
        ends[at] = ends[at - 1];
      }
      begins[at] = begin;
      ends[at] = end;
    }
    int64_t bytes = 0, covered = INT64_MIN;
    for (int i = 0; i < nRanges; ++i) {
      int64_t from = begins[i] > covered ? begins[i] : covered;
      if (ends[i] > from)
        bytes += ends[i] - from;
      covered = ends[i] > covered ? ends[i] : covered;
    }
    c->transactions += nSectors;
    c->ideal += (bytes + 31) / 32;
  }
}

/* Adds request `r` to the worker's counts of its site; 0 when out of
 * memory. */
static int countRequest(Worker *w, const Request *r) {
  SiteCounts *c = find(&w->counts, r->site, 0, 0);
  if (!c) {
    atomic_store(&failed, 1);
    return 0;
  }
  c->ordinal = r->ordinal;
  c->text = r->text;
  c->space = r->space;
  c->is_write = r->is_write;
  c->lane_bytes = r->count * r->bytes;
  evaluate(r, c);
  return 1;
}

/* Adds the worker's block's requests (complete or not) and counts to the
 * process's table. */
static void flush(Worker *w) {
  for (size_t i = 0; i < w->requests.capacity; ++i) {
    if (!keyAt(&w->requests, i))
      continue;
    if (!countRequest(w, slotAt(&w->requests, i)))
      break;
  }
  clear(&w->requests);
  clear(&w->executions);
  if (!w->counts.used)
    return;
  pthread_mutex_lock(&lock);
  for (size_t i = 0; i < w->counts.capacity; ++i) {
    if (!keyAt(&w->counts, i))
      continue;
    SiteCounts *from = slotAt(&w->counts, i);
    SiteCounts *to = find(&totals, from->site, 0, 0);
    if (!to) {
      atomic_store(&failed, 1);
      break;
    }
    to->ordinal = from->ordinal;
    to->text = from->text;
    to->space = from->space;
    to->is_write = from->is_write;
    to->lane_bytes = from->lane_bytes;
    to->requests += from->requests;
    to->transactions += from->transactions;
    to->ideal += from->ideal;
  }
  pthread_mutex_unlock(&lock);
  clear(&w->counts);
}

static Worker *worker(void) {
  pthread_once(&self_once, makeKey);
  Worker *w = pthread_getspecific(self_key);
  if (w)
    return w;
  w = calloc(1, sizeof *w);
  if (!w || pthread_setspecific(self_key, w) != 0) {
    free(w);
    return NULL;
  }
  w->requests = (Table){kRequests, 0, sizeof(Request), 0, 0};
  w->executions = (Table){kExecutions, 0, sizeof(Executions), 0, 0};
  w->counts = (Table){kCounts, 0, sizeof(SiteCounts), 0, 0};
  pthread_mutex_lock(&lock);
  w->next = workers;
  workers = w;
  pthread_mutex_unlock(&lock);
  return w;
}

void kiln_rt_memory_profile_launch(void) { atomic_fetch_add(&launches, 1); }

void kiln_rt_memory_profile(intptr_t site, int64_t ordinal, int64_t offset, int64_t count, int64_t stride,
                            int64_t bytes, int64_t space, int64_t is_write, int64_t thread,
                            int64_t threads, int64_t block, int64_t blocks) {
  if ((blocks > 0 && block >= blocks) || atomic_load(&failed))
    return;
  Worker *w = worker();
  if (!w) {
    atomic_store(&failed, 1);
    return;
  }
  intptr_t key = (intptr_t)ordinal + 1;
  int64_t launch = atomic_load(&launches);
  if (w->launch != launch || w->block != block) {
    flush(w);
    w->launch = launch;
    w->block = block;
  }
  Executions *e = find(&w->executions, key, thread, 0);
  int64_t warp = thread / kLanes;
  Request *r = e ? find(&w->requests, key, warp, e->executions) : NULL;
  if (!r) {
    atomic_store(&failed, 1);
    return;
  }
  ++e->executions;
  int lane = (int)(thread % kLanes);
  r->ordinal = ordinal;
  r->text = site;
  r->space = space;
  r->is_write = is_write;
  r->count = count;
  r->stride = stride;
  r->bytes = bytes;
  r->offsets[lane] = offset;
  r->mask |= 1u << lane;
  /* Complete when every thread of the warp has been seen. */
  int64_t lanes = threads - warp * kLanes < kLanes ? threads - warp * kLanes : kLanes;
  if (__builtin_popcount(r->mask) < lanes)
    return;
  /* (The counts are another table: r stays where it is.) */
  if (countRequest(w, r))
    erase(&w->requests, (size_t)((char *)r - w->requests.slots) / w->requests.entry);
}

static int bySite(const void *a, const void *b) {
  int64_t x = (*(SiteCounts *const *)a)->ordinal, y = (*(SiteCounts *const *)b)->ordinal;
  return (x > y) - (x < y);
}

/* Sites of one description (one text: a kernel's accesses of one buffer
 * of one kind) and one access size are printed as one line. */
static int byDescription(const void *a, const void *b) {
  const SiteCounts *x = *(SiteCounts *const *)a, *y = *(SiteCounts *const *)b;
  if (x->text != y->text)
    return x->text < y->text ? -1 : 1;
  if (x->lane_bytes != y->lane_bytes)
    return x->lane_bytes < y->lane_bytes ? -1 : 1;
  return bySite(a, b);
}

static double ratio(int64_t x, int64_t y) { return y ? (double)x / (double)y : 0.0; }

int kiln_rt_memory_profile_print(FILE *out) {
  /* The workers are idle between runs: their last blocks are added now. */
  for (Worker *w = workers; w; w = w->next) {
    flush(w);
    w->launch = 0;
  }
  if (atomic_exchange(&failed, 0)) {
    clear(&totals);
    return 1;
  }
  SiteCounts **sites = malloc((totals.used + 1) * sizeof *sites);
  if (!sites)
    return 1;
  size_t n = 0;
  for (size_t i = 0; i < totals.capacity; ++i)
    if (keyAt(&totals, i))
      sites[n++] = slotAt(&totals, i);
  /* Each description's sites are added into its first; `site` then holds
   * how many there were. */
  qsort(sites, n, sizeof *sites, byDescription);
  size_t lines = 0;
  for (size_t i = 0; i < n; ++i) {
    SiteCounts *c = sites[i];
    SiteCounts *line = lines ? sites[lines - 1] : NULL;
    if (line && line->text == c->text && line->lane_bytes == c->lane_bytes) {
      line->requests += c->requests;
      line->transactions += c->transactions;
      line->ideal += c->ideal;
      ++line->site;
      continue;
    }
    c->site = 1;
    sites[lines++] = c;
  }
  qsort(sites, lines, sizeof *sites, bySite);
  int64_t sum[2][3] = {{0}}; /* space: requests, transactions, ideal */
  fprintf(out, "memory profile of the emulated kernels, per warp-level request (shared "
               "memory: wavefronts; global: 32-byte sectors)\n");
  fprintf(out, "%5s %5s %-6s %-5s %5s %12s %8s %8s %7s  %s\n", "site", "sites", "memory", "op",
          "bytes", "requests", "per req", "ideal", "excess", "access");
  for (size_t i = 0; i < lines; ++i) {
    SiteCounts *c = sites[i];
    int space = c->space ? 1 : 0;
    sum[space][0] += c->requests;
    sum[space][1] += c->transactions;
    sum[space][2] += c->ideal;
    fprintf(out, "%5lld %5lld %-6s %-5s %5lld %12lld %8.2f %8.2f %6.0f%%  %s\n",
            (long long)c->ordinal, (long long)c->site, space ? "global" : "shared",
            c->is_write ? "store" : "load", (long long)c->lane_bytes, (long long)c->requests,
            ratio(c->transactions, c->requests), ratio(c->ideal, c->requests),
            100.0 * ratio(c->transactions - c->ideal, c->ideal), (const char *)c->text);
  }
  for (int space = 0; space < 2; ++space) {
    if (!sum[space][0])
      continue;
    fprintf(out, "total %s: %lld requests, %lld %s (ideal %lld, %.1f%% more)\n",
            space ? "global" : "shared", (long long)sum[space][0], (long long)sum[space][1],
            space ? "sectors" : "wavefronts", (long long)sum[space][2],
            100.0 * ratio(sum[space][1] - sum[space][2], sum[space][2]));
  }
  free(sites);
  clear(&totals);
  return 0;
}

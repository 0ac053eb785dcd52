/*===- kiln_harness.c - Runs any Kiln model library on .npy files --------===*
 *
 * A generic driver for a library made by `kilnc ... --name NAME`. It only
 * uses the header's introspection functions, so one source serves every
 * model, every target (AArch64 builds run under qemu) and benchmarking:
 *
 *   cc -std=c11 -O2 -DKILN_MODEL=NAME -include NAME.h kiln_harness.c \
 *      libNAME.a -lm -lpthread -o kiln_harness
 *   kiln_harness [--threads N] [--benchmark N] OUT_DIR IN0.npy [IN1.npy ...]
 *
 * Inputs are .npy files (format 1.0, 2.0 or 3.0; little-endian, C order)
 * whose dtype and shape must match the model's. Each output is written to
 * OUT_DIR/<output name>.npy, with characters other than letters, digits,
 * '.', '_' and '-' (and a leading '.') replaced by '_'. --benchmark N runs
 * N timed iterations after the first run (which writes the outputs and warms
 * up) and prints "median: X ms" and "min: X ms" of them, then "first: X ms",
 * the first run's time (the thread pool's start and the first reads of
 * the weights' pages included). Exits 0 on success and 2
 * on any error, with a message on stderr. A workspace of 2 MiB or more is
 * put on transparent huge pages (Linux) unless KILN_HARNESS_SMALL_PAGES is
 * set (to any value). With KILN_HARNESS_PERF_CONTROL set to the path of a
 * `perf record --control fifo:PATH` control FIFO, the harness writes
 * "enable" to it before the timed runs and "disable" after them, so a
 * profile started with `perf record -D -1` counts only the timed runs (not
 * loading the model and its inputs, or the first run, whose first touches
 * of the weights' pages can take several times a steady run).
 *
 *===----------------------------------------------------------------------===*/

#ifndef KILN_MODEL
#error "compile with -DKILN_MODEL=<model name> -include <model name>.h"
#endif

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* KH(_run) is NAME_run: the model's functions, by token pasting. */
#define KH_PASTE2(a, b) a##b
#define KH_PASTE(a, b) KH_PASTE2(a, b)
#define KH(suffix) KH_PASTE(KILN_MODEL, suffix)

/* The model header comes first (-include) and its <stdint.h> fixes glibc's
 * feature macros before this file could ask for POSIX, so under -std=c11
 * <time.h> hides clock_gettime. It is part of every Linux libc, with
 * clockid_t an int and CLOCK_MONOTONIC 1 in the kernel ABI. */
#ifndef CLOCK_MONOTONIC
#ifndef __linux__
#error "kiln_harness needs clock_gettime(CLOCK_MONOTONIC)"
#endif
extern int clock_gettime(int clock_id, struct timespec *tp);
#define CLOCK_MONOTONIC 1
#endif

/* madvise(MADV_HUGEPAGE), hidden the same way: Linux's, with the kernel
 * ABI's advice number. */
#ifdef __linux__
extern int madvise(void *addr, size_t length, int advice);
#define KH_MADV_HUGEPAGE 14
#endif

#if defined(__GNUC__)
#define KH_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define KH_PRINTF(fmt, args)
#endif

#define KH_MAX_RANK 32
#define KH_ALIGNMENT 64
/* Larger than any header numpy writes; a bound on what a corrupt file makes
 * us allocate. */
#define KH_MAX_HEADER (1u << 20)

static _Noreturn void die(const char *format, ...) KH_PRINTF(1, 2);
static void die(const char *format, ...) {
  va_list args;
  fputs("kiln_harness: ", stderr);
  va_start(args, format);
  vfprintf(stderr, format, args);
  va_end(args);
  fputc('\n', stderr);
  exit(2);
}

/*--- Element types ---------------------------------------------------------*/

struct dtype_info {
  int code;         /* KILN_DTYPE_* */
  const char *name; /* numpy's name */
  char kind;        /* numpy's kind character in a descr */
  int size;
};

static const struct dtype_info dtypes[] = {
    {KILN_DTYPE_FLOAT32, "float32", 'f', 4},
    {KILN_DTYPE_UINT8, "uint8", 'u', 1},
    {KILN_DTYPE_INT8, "int8", 'i', 1},
    {KILN_DTYPE_UINT16, "uint16", 'u', 2},
    {KILN_DTYPE_INT16, "int16", 'i', 2},
    {KILN_DTYPE_INT32, "int32", 'i', 4},
    {KILN_DTYPE_INT64, "int64", 'i', 8},
    {KILN_DTYPE_BOOL, "bool", 'b', 1},
    {KILN_DTYPE_FLOAT16, "float16", 'f', 2},
    {KILN_DTYPE_FLOAT64, "float64", 'f', 8},
    {KILN_DTYPE_UINT32, "uint32", 'u', 4},
    {KILN_DTYPE_UINT64, "uint64", 'u', 8},
    /* numpy has no bfloat16; ml_dtypes saves it as raw 2-byte voids. */
    {KILN_DTYPE_BFLOAT16, "bfloat16", 'V', 2},
};

static const struct dtype_info *dtype_by_code(int code) {
  size_t i;
  for (i = 0; i < sizeof(dtypes) / sizeof(dtypes[0]); ++i)
    if (dtypes[i].code == code)
      return &dtypes[i];
  return NULL;
}

/* A numpy descr such as "<f4", "|b1" or "<V2"; NULL if unsupported, with
 * the reason in *why. */
static const struct dtype_info *dtype_by_descr(const char *descr,
                                               const char **why) {
  char order = '|';
  const char *p = descr;
  char kind;
  long size;
  char *end;
  size_t i;
  if (*p == '<' || *p == '>' || *p == '|' || *p == '=')
    order = *p++;
  kind = *p++;
  if (kind == '\0' || *p < '0' || *p > '9') {
    *why = "not a plain numeric dtype";
    return NULL;
  }
  size = strtol(p, &end, 10);
  if (*end != '\0') {
    *why = "not a plain numeric dtype";
    return NULL;
  }
  for (i = 0; i < sizeof(dtypes) / sizeof(dtypes[0]); ++i) {
    const struct dtype_info *info = &dtypes[i];
    if (info->kind != kind || info->size != size)
      continue;
    /* Byte order matters for multi-byte numbers only. '=' is native, and
     * every target Kiln supports is little-endian. */
    if (size > 1 && kind != 'V' && order != '<' && order != '=') {
      *why = order == '>' ? "big-endian data is not supported"
                          : "no byte order given";
      return NULL;
    }
    return info;
  }
  *why = "no matching model element type";
  return NULL;
}

/*--- Tensors -------------------------------------------------------------*/

struct tensor {
  const struct dtype_info *dtype;
  int rank;
  int64_t shape[KH_MAX_RANK];
  size_t bytes;
  void *data;
};

/* A buffer aligned like the workspace; never NULL, even for 0 bytes. */
static void *alloc_aligned(size_t bytes, const char *what) {
  size_t rounded;
  void *p;
  if (bytes > SIZE_MAX - (KH_ALIGNMENT - 1))
    die("%s: %zu bytes is too large", what, bytes);
  rounded = (bytes + KH_ALIGNMENT - 1) / KH_ALIGNMENT * KH_ALIGNMENT;
  if (rounded == 0)
    rounded = KH_ALIGNMENT;
  p = aligned_alloc(KH_ALIGNMENT, rounded);
  if (!p)
    die("%s: cannot allocate %zu bytes", what, rounded);
  return p;
}

/* The workspace, as the generated header advises: on Linux, one of at
 * least a huge page (2 MiB) is aligned to one and asked to be backed by
 * transparent huge pages, so that the TLB covers it (the products walk
 * activation rows whole pages apart). The request is a hint; without
 * huge pages the workspace is still aligned. KILN_HARNESS_SMALL_PAGES in
 * the environment, set to anything, keeps it on ordinary pages (to measure
 * the difference). */
#define KH_HUGE_PAGE ((size_t)2 << 20)
static void *alloc_workspace(size_t bytes) {
#ifdef __linux__
  if (bytes >= KH_HUGE_PAGE && bytes <= SIZE_MAX - (KH_HUGE_PAGE - 1) &&
      !getenv("KILN_HARNESS_SMALL_PAGES")) {
    size_t rounded = (bytes + KH_HUGE_PAGE - 1) / KH_HUGE_PAGE * KH_HUGE_PAGE;
    void *p = aligned_alloc(KH_HUGE_PAGE, rounded);
    if (!p)
      die("workspace: cannot allocate %zu bytes", rounded);
    (void)madvise(p, rounded, KH_MADV_HUGEPAGE);
    return p;
  }
#endif
  return alloc_aligned(bytes, "workspace");
}

static void format_shape(char *out, size_t capacity, const struct tensor *t) {
  size_t used = 0;
  int i;
  used += (size_t)snprintf(out + used, capacity - used, "%s[",
                           t->dtype ? t->dtype->name : "?");
  for (i = 0; i < t->rank && used < capacity; ++i)
    used += (size_t)snprintf(out + used, capacity - used, "%s%lld",
                             i ? ", " : "", (long long)t->shape[i]);
  if (used < capacity)
    snprintf(out + used, capacity - used, "]");
}

/* Prints a tensor name for messages: printable ASCII as is, other bytes as
 * \xNN, so a hostile name cannot garble the terminal. */
static void print_name(FILE *out, const char *name) {
  const unsigned char *p;
  fputc('"', out);
  for (p = (const unsigned char *)name; *p; ++p) {
    if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
      fputc(*p, out);
    else
      fprintf(out, "\\x%02x", *p);
  }
  fputc('"', out);
}

/* Bytes of a tensor with t's dtype and shape; dies on overflow. */
static size_t tensor_bytes(const char *what, const struct tensor *t) {
  size_t bytes = (size_t)t->dtype->size;
  int i;
  for (i = 0; i < t->rank; ++i) {
    if (t->shape[i] != 0 && bytes > SIZE_MAX / (uint64_t)t->shape[i])
      die("%s: the array is too large", what);
    bytes *= (size_t)t->shape[i];
  }
  return bytes;
}

/* The model's view of input or output `index`. */
static struct tensor model_tensor(int is_input, int index) {
  struct tensor t;
  const int64_t *shape;
  int code, i;
  memset(&t, 0, sizeof(t));
  code = is_input ? KH(_input_type)(index) : KH(_output_type)(index);
  t.rank = is_input ? KH(_input_rank)(index) : KH(_output_rank)(index);
  shape = is_input ? KH(_input_shape)(index) : KH(_output_shape)(index);
  t.bytes = is_input ? KH(_input_size)(index) : KH(_output_size)(index);
  t.dtype = dtype_by_code(code);
  if (!t.dtype)
    die("%s %d has element type code %d, which this harness does not know",
        is_input ? "input" : "output", index, code);
  if (t.rank < 0 || t.rank > KH_MAX_RANK || !shape)
    die("%s %d has an unsupported rank %d", is_input ? "input" : "output",
        index, t.rank);
  for (i = 0; i < t.rank; ++i) {
    if (shape[i] < 0)
      die("%s %d has a negative dimension", is_input ? "input" : "output",
          index);
    t.shape[i] = shape[i];
  }
  if (tensor_bytes("model", &t) != t.bytes)
    die("%s %d: the library reports %zu bytes, but its type and shape make "
        "%zu",
        is_input ? "input" : "output", index, t.bytes,
        tensor_bytes("model", &t));
  return t;
}

/*--- Reading .npy ----------------------------------------------------------*/

/* The header is a Python dict literal, e.g.
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 * parsed strictly: only these three keys, each once. */
struct npy_parser {
  const char *p, *end;
  const char *path;
};

static void skip_space(struct npy_parser *ps) {
  while (ps->p < ps->end &&
         (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ++ps->p;
}

static _Noreturn void bad_header(struct npy_parser *ps, const char *format, ...)
    KH_PRINTF(2, 3);
static void bad_header(struct npy_parser *ps, const char *format, ...) {
  va_list args;
  fprintf(stderr, "kiln_harness: %s: malformed .npy header: ", ps->path);
  va_start(args, format);
  vfprintf(stderr, format, args);
  va_end(args);
  fputc('\n', stderr);
  exit(2);
}

static void expect_char(struct npy_parser *ps, char c) {
  skip_space(ps);
  if (ps->p >= ps->end || *ps->p != c)
    bad_header(ps, "expected '%c'", c);
  ++ps->p;
}

static void parse_string(struct npy_parser *ps, char *out, size_t capacity) {
  char quote;
  size_t n = 0;
  skip_space(ps);
  if (ps->p >= ps->end || (*ps->p != '\'' && *ps->p != '"'))
    bad_header(ps, "expected a string");
  quote = *ps->p++;
  while (ps->p < ps->end && *ps->p != quote) {
    if (*ps->p == '\\' || n + 1 >= capacity)
      bad_header(ps, "unsupported string");
    out[n++] = *ps->p++;
  }
  if (ps->p >= ps->end)
    bad_header(ps, "unterminated string");
  ++ps->p;
  out[n] = '\0';
}

static int parse_bool(struct npy_parser *ps) {
  skip_space(ps);
  if (ps->end - ps->p >= 4 && memcmp(ps->p, "True", 4) == 0) {
    ps->p += 4;
    return 1;
  }
  if (ps->end - ps->p >= 5 && memcmp(ps->p, "False", 5) == 0) {
    ps->p += 5;
    return 0;
  }
  bad_header(ps, "expected True or False");
}

static void parse_shape(struct npy_parser *ps, struct tensor *t) {
  expect_char(ps, '(');
  t->rank = 0;
  for (;;) {
    int64_t value = 0;
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == ')')
      break;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
      bad_header(ps, "expected a dimension");
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
      int digit = *ps->p++ - '0';
      if (value > (INT64_MAX - digit) / 10)
        bad_header(ps, "dimension too large");
      value = value * 10 + digit;
    }
    if (ps->p < ps->end && *ps->p == 'L') /* Python 2 longs */
      ++ps->p;
    if (t->rank == KH_MAX_RANK)
      bad_header(ps, "more than %d dimensions", KH_MAX_RANK);
    t->shape[t->rank++] = value;
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ++ps->p;
      continue;
    }
    if (ps->p < ps->end && *ps->p == ')')
      break;
    bad_header(ps, "expected ',' or ')' in the shape");
  }
  ++ps->p;
}

static void parse_header(const char *path, const char *text, size_t length,
                         struct tensor *t) {
  struct npy_parser ps;
  char descr[64];
  int have_descr = 0, have_order = 0, have_shape = 0, fortran = 0;
  const char *why = "";
  ps.p = text;
  ps.end = text + length;
  ps.path = path;
  expect_char(&ps, '{');
  for (;;) {
    char key[32];
    skip_space(&ps);
    if (ps.p < ps.end && *ps.p == '}')
      break;
    parse_string(&ps, key, sizeof(key));
    expect_char(&ps, ':');
    if (strcmp(key, "descr") == 0 && !have_descr) {
      parse_string(&ps, descr, sizeof(descr));
      have_descr = 1;
    } else if (strcmp(key, "fortran_order") == 0 && !have_order) {
      fortran = parse_bool(&ps);
      have_order = 1;
    } else if (strcmp(key, "shape") == 0 && !have_shape) {
      parse_shape(&ps, t);
      have_shape = 1;
    } else {
      bad_header(&ps, "unexpected or repeated key '%s'", key);
    }
    skip_space(&ps);
    if (ps.p < ps.end && *ps.p == ',') {
      ++ps.p;
      continue;
    }
    if (ps.p < ps.end && *ps.p == '}')
      break;
    bad_header(&ps, "expected ',' or '}'");
  }
  ++ps.p;
  skip_space(&ps);
  if (ps.p != ps.end)
    bad_header(&ps, "unexpected text after the dictionary");
  if (!have_descr || !have_order || !have_shape)
    bad_header(&ps, "'descr', 'fortran_order' and 'shape' are required");
  if (fortran)
    die("%s: Fortran-order arrays are not supported; save a C-order array "
        "(numpy.ascontiguousarray)",
        path);
  t->dtype = dtype_by_descr(descr, &why);
  if (!t->dtype)
    die("%s: unsupported dtype '%s': %s", path, descr, why);
}

static uint32_t read_le(const unsigned char *p, int bytes) {
  uint32_t value = 0;
  int i;
  for (i = bytes - 1; i >= 0; --i)
    value = value << 8 | p[i];
  return value;
}

/* Reads `path` into a fresh tensor that must match `expected`. */
static struct tensor read_npy(const char *path, int index,
                              const struct tensor *expected) {
  static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  unsigned char prefix[12];
  size_t length_bytes, header_length;
  char *header;
  struct tensor t;
  int i, mismatch;
  FILE *file = fopen(path, "rb");
  if (!file)
    die("%s: cannot open", path);
  memset(&t, 0, sizeof(t));
  if (fread(prefix, 1, 8, file) != 8 || memcmp(prefix, magic, 6) != 0)
    die("%s: not a .npy file", path);
  if (prefix[6] == 1)
    length_bytes = 2;
  else if (prefix[6] == 2 || prefix[6] == 3)
    length_bytes = 4;
  else
    die("%s: unsupported .npy format version %d.%d", path, prefix[6],
        prefix[7]);
  if (fread(prefix + 8, 1, length_bytes, file) != length_bytes)
    die("%s: truncated .npy header", path);
  header_length = read_le(prefix + 8, (int)length_bytes);
  if (header_length > KH_MAX_HEADER)
    die("%s: .npy header of %zu bytes is too large", path, header_length);
  header = malloc(header_length + 1);
  if (!header)
    die("%s: out of memory", path);
  if (fread(header, 1, header_length, file) != header_length)
    die("%s: truncated .npy header", path);
  header[header_length] = '\0';
  parse_header(path, header, header_length, &t);
  free(header);

  mismatch = t.dtype != expected->dtype || t.rank != expected->rank;
  for (i = 0; !mismatch && i < t.rank; ++i)
    mismatch = t.shape[i] != expected->shape[i];
  if (mismatch) {
    char want[512], got[512];
    format_shape(want, sizeof(want), expected);
    format_shape(got, sizeof(got), &t);
    fprintf(stderr, "kiln_harness: %s: input %d (", path, index);
    print_name(stderr, KH(_input_name)(index));
    fprintf(stderr, ") must be %s, but the file holds %s\n", want, got);
    exit(2);
  }
  t.bytes = tensor_bytes(path, &t);
  if (t.bytes != expected->bytes)
    die("%s: input %d is %zu bytes, the model expects %zu", path, index,
        t.bytes, expected->bytes);
  t.data = alloc_aligned(t.bytes, path);
  if (fread(t.data, 1, t.bytes, file) != t.bytes)
    die("%s: truncated data (expected %zu bytes)", path, t.bytes);
  if (fgetc(file) != EOF)
    die("%s: unexpected data after the array", path);
  if (ferror(file))
    die("%s: read error", path);
  fclose(file);
  return t;
}

/*--- Writing .npy ----------------------------------------------------------*/

static void write_npy(const char *path, const struct tensor *t) {
  char dict[128 + KH_MAX_RANK * 24];
  char descr[8];
  unsigned char prefix[10];
  size_t used, total, padding, header_length, i;
  FILE *file;
  int d;

  if (t->dtype->kind == 'V')
    snprintf(descr, sizeof(descr), "<V%d", t->dtype->size);
  else
    snprintf(descr, sizeof(descr), "%c%c%d", t->dtype->size == 1 ? '|' : '<',
             t->dtype->kind, t->dtype->size);
  used = (size_t)snprintf(dict, sizeof(dict),
                          "{'descr': '%s', 'fortran_order': False, 'shape': (",
                          descr);
  for (d = 0; d < t->rank; ++d)
    used += (size_t)snprintf(dict + used, sizeof(dict) - used, "%lld%s",
                             (long long)t->shape[d],
                             d + 1 < t->rank ? ", "
                             : t->rank == 1  ? ","
                                             : "");
  used += (size_t)snprintf(dict + used, sizeof(dict) - used, "), }");

  /* Format 1.0 (the dict is far below its 64 KiB limit), padded with spaces
   * and a newline so that the data starts 64-byte aligned, as numpy does. */
  total = sizeof(prefix) + used + 1;
  padding = (KH_ALIGNMENT - total % KH_ALIGNMENT) % KH_ALIGNMENT;
  header_length = used + padding + 1;
  memcpy(prefix, "\x93NUMPY\x01\x00", 8);
  prefix[8] = (unsigned char)(header_length & 0xff);
  prefix[9] = (unsigned char)(header_length >> 8);

  file = fopen(path, "wb");
  if (!file)
    die("%s: cannot create", path);
  fwrite(prefix, 1, sizeof(prefix), file);
  fwrite(dict, 1, used, file);
  for (i = 0; i < padding; ++i)
    fputc(' ', file);
  fputc('\n', file);
  fwrite(t->data, 1, t->bytes, file);
  if (ferror(file) || fclose(file) != 0)
    die("%s: write error", path);
}

/* OUT_DIR/<name>.npy with a file-system-safe name (see the top comment);
 * names that collide after the replacement get "_<index>" appended. */
static char **output_paths(const char *out_dir, int count) {
  typedef char safe_name[256];
  safe_name *names = calloc((size_t)count + 1, sizeof(safe_name));
  char **paths = calloc((size_t)count + 1, sizeof(char *));
  int i, j;
  if (!names || !paths)
    die("out of memory");
  for (i = 0; i < count; ++i) {
    const char *name = KH(_output_name)(i);
    char *safe = names[i];
    size_t n = 0, length;
    for (; name && name[n] && n < 200; ++n) {
      char c = name[n];
      int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9') || c == '_' || c == '-' ||
               (c == '.' && n > 0);
      safe[n] = ok ? c : '_';
    }
    safe[n] = '\0';
    if (n == 0)
      snprintf(safe, sizeof(safe_name), "output%d", i);
    for (j = 0; j < i; ++j) {
      if (strcmp(names[j], safe) == 0) {
        size_t end = strlen(safe);
        if (end + 12 > sizeof(safe_name))
          die("output %d: no unique file name", i);
        snprintf(safe + end, sizeof(safe_name) - end, "_%d", i);
        j = -1; /* check the new name against every earlier one */
      }
    }
    length = strlen(out_dir) + 1 + strlen(safe) + 4;
    paths[i] = malloc(length + 1);
    if (!paths[i])
      die("out of memory");
    snprintf(paths[i], length + 1, "%s/%s.npy", out_dir, safe);
  }
  free(names);
  return paths;
}

/*--- Main ------------------------------------------------------------------*/

static long parse_count(const char *flag, const char *text, long min) {
  char *end;
  long value;
  if (!text)
    die("%s needs a value", flag);
  value = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value < min || value > INT_MAX)
    die("%s: expected an integer >= %ld, got '%s'", flag, min, text);
  return value;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* Writes `command` ("enable" or "disable") to the perf control FIFO named
 * by KILN_HARNESS_PERF_CONTROL, if set; a FIFO that cannot be written is an
 * error (a profile would otherwise silently count nothing). */
static void perf_control(const char *command) {
  const char *path = getenv("KILN_HARNESS_PERF_CONTROL");
  FILE *fifo;
  if (!path || !*path)
    return;
  fifo = fopen(path, "a");
  if (!fifo || fprintf(fifo, "%s\n", command) < 0 || fclose(fifo) != 0)
    die("cannot write '%s' to KILN_HARNESS_PERF_CONTROL %s", command, path);
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

#ifdef KILN_HARNESS_GPU
/* GPU builds (kilnc --gpu): the model runs through its context on device 0;
 * NAME_gpu_run_host copies inputs to the device and outputs back. */
static KH(_gpu_context) * gpu_context;

static void run_model(const void *const *inputs, void *const *outputs,
                      void *workspace) {
  int status;
  (void)workspace;
  if (!gpu_context) {
    status = KH(_gpu_create)(0, &gpu_context);
    if (status != 0)
      die("cannot create the GPU context (status %d): %s", status,
          KH(_gpu_last_error)(NULL));
  }
  status = KH(_gpu_run_host)(gpu_context, inputs, outputs);
  if (status != 0)
    die("the model failed on the GPU with status %d: %s", status,
        KH(_gpu_last_error)(gpu_context));
}
#else
static void run_model(const void *const *inputs, void *const *outputs,
                      void *workspace) {
  int status = KH(_run)(inputs, outputs, workspace);
  if (status != 0)
    die("the model failed with status %d: %s", status,
        KH(_error_message)(status));
}
#endif

static void usage(FILE *out) {
  fprintf(out,
          "usage: kiln_harness [--threads N] [--benchmark N] OUT_DIR "
          "IN0.npy [IN1.npy ...]\n"
          "Runs the model on the inputs and writes OUT_DIR/<output>.npy.\n");
}

int main(int argc, char **argv) {
  long threads = 0, iterations = 0;
  double first_ms;
  int arg = 1, num_inputs, num_outputs, i;
  const char *out_dir;
  const void **inputs;
  void **outputs;
  struct tensor *input_tensors, *output_tensors;
  char **paths;
  void *workspace;

  for (; arg < argc && strncmp(argv[arg], "--", 2) == 0; ++arg) {
    if (strcmp(argv[arg], "--threads") == 0) {
      threads = parse_count("--threads", argv[arg + 1], 1);
      ++arg;
    } else if (strcmp(argv[arg], "--benchmark") == 0) {
      iterations = parse_count("--benchmark", argv[arg + 1], 1);
      ++arg;
    } else if (strcmp(argv[arg], "--help") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(argv[arg], "--") == 0) {
      ++arg;
      break;
    } else {
      usage(stderr);
      die("unknown option '%s'", argv[arg]);
    }
  }
  if (arg >= argc) {
    usage(stderr);
    die("missing OUT_DIR");
  }
  out_dir = argv[arg++];
  num_inputs = KH(_num_inputs)();
  num_outputs = KH(_num_outputs)();
  if (argc - arg != num_inputs)
    die("the model takes %d input(s), got %d file(s)", num_inputs, argc - arg);

  if (threads > 0) {
    int status = KH(_set_num_threads)((int)threads);
    if (status != 0)
      die("cannot use %ld threads: %s", threads, KH(_error_message)(status));
  }

  /* One extra slot keeps the arrays non-empty for models without inputs. */
  inputs = calloc((size_t)num_inputs + 1, sizeof(*inputs));
  input_tensors = calloc((size_t)num_inputs + 1, sizeof(*input_tensors));
  outputs = calloc((size_t)num_outputs + 1, sizeof(*outputs));
  output_tensors = calloc((size_t)num_outputs + 1, sizeof(*output_tensors));
  if (!inputs || !input_tensors || !outputs || !output_tensors)
    die("out of memory");
  for (i = 0; i < num_inputs; ++i) {
    struct tensor expected = model_tensor(1, i);
    input_tensors[i] = read_npy(argv[arg + i], i, &expected);
    inputs[i] = input_tensors[i].data;
  }
  paths = output_paths(out_dir, num_outputs);
  for (i = 0; i < num_outputs; ++i) {
    output_tensors[i] = model_tensor(0, i);
    output_tensors[i].data = alloc_aligned(output_tensors[i].bytes, "output");
    outputs[i] = output_tensors[i].data;
  }
#ifdef KILN_HARNESS_GPU
  workspace = NULL; /* The context owns the device workspace. */
#else
  workspace = alloc_workspace(KH(_workspace_size)());
#endif

  first_ms = now_ms();
  run_model(inputs, outputs, workspace);
  first_ms = now_ms() - first_ms;
  for (i = 0; i < num_outputs; ++i)
    write_npy(paths[i], &output_tensors[i]);

  if (iterations > 0) {
    double *times = malloc((size_t)iterations * sizeof(double));
    double median;
    long n;
    if (!times)
      die("out of memory");
    perf_control("enable");
    for (n = 0; n < iterations; ++n) {
      double start = now_ms();
      run_model(inputs, outputs, workspace);
      times[n] = now_ms() - start;
    }
    perf_control("disable");
    qsort(times, (size_t)iterations, sizeof(double), compare_doubles);
    median = iterations % 2
                 ? times[iterations / 2]
                 : (times[iterations / 2 - 1] + times[iterations / 2]) / 2;
    printf("median: %.6f ms\n", median);
    printf("min: %.6f ms\n", times[0]);
    printf("first: %.6f ms\n", first_ms);
    free(times);
  }
  if (fflush(stdout) != 0)
    die("cannot write to stdout");

  for (i = 0; i < num_inputs; ++i)
    free(input_tensors[i].data);
  for (i = 0; i < num_outputs; ++i) {
    free(output_tensors[i].data);
    free(paths[i]);
  }
  free(paths);
  free(workspace);
  free(inputs);
  free(outputs);
  free(input_tensors);
  free(output_tensors);
  return 0;
}

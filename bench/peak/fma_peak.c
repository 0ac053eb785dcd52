/*===- fma_peak.c - The machine's FP32 FMA peak, measured ----------------===*
 *
 * The roof the benchmark compares every model with: FP32 fused
 * multiply-adds per second on one core and on N cores at once. Each thread
 * runs 12 independent FMA chains on full vector registers, enough to hide
 * the FMA latency on every pipe of the cores we know (2 pipes x 4-5 cycles)
 * while chains and constants still fit the 16 registers of AVX2,
 * for about 0.2 s, five times; the best time counts. On x86-64 the 512-bit
 * (AVX-512F) and 256-bit (AVX2/FMA) forms are both measured, chosen at run
 * time, so any -march works; on AArch64 the 128-bit NEON form.
 *
 *   cc -O2 fma_peak.c -lpthread -o fma_peak
 *   fma_peak [--threads N] [--seconds S]
 *
 * N defaults to the number of online CPUs; S (default 0.2) is the length
 * of one timed run.
 *
 * Prints, one per line (GFLOP/s, an FMA counted as 2 FLOP):
 *   <isa> per_core <GFLOP/s>
 *   <isa> threads=<N> <GFLOP/s>
 *   peak_per_core <best per-core GFLOP/s>
 *   peak_threads=<N> <best N-thread GFLOP/s>
 *
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

#define CHAINS 12
#define REPEATS 5

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A kernel runs `iterations` x CHAINS vector FMAs and returns a value that
 * depends on all of them (so nothing is optimized away); `lanes` is the
 * number of floats per vector. */
struct kernel {
  const char *name;
  int lanes;
  int (*available)(void);
  float (*run)(long iterations, float x);
};

/* The chains: acc_i = acc_i * a + b, with a just below 1 so the values stay
 * bounded. Written out so that every accumulator is a register. */
#define FMA12(F, A, B)                                                         \
  do {                                                                         \
    a0 = F(a0, A, B); a1 = F(a1, A, B); a2 = F(a2, A, B); a3 = F(a3, A, B);    \
    a4 = F(a4, A, B); a5 = F(a5, A, B); a6 = F(a6, A, B); a7 = F(a7, A, B);    \
    a8 = F(a8, A, B); a9 = F(a9, A, B); a10 = F(a10, A, B);                    \
    a11 = F(a11, A, B);                                                        \
  } while (0)

#define DEFINE_KERNEL(NAME, TARGET, VEC, SET1, FMA, ADD, REDUCE)               \
  TARGET static float NAME(long iterations, float x) {                         \
    VEC m = SET1(0.999999f), c = SET1(x * 1e-6f);                              \
    VEC a0 = SET1(x), a1 = SET1(x + 1), a2 = SET1(x + 2), a3 = SET1(x + 3);    \
    VEC a4 = SET1(x + 4), a5 = SET1(x + 5), a6 = SET1(x + 6);                  \
    VEC a7 = SET1(x + 7), a8 = SET1(x + 8), a9 = SET1(x + 9);                  \
    VEC a10 = SET1(x + 10), a11 = SET1(x + 11);                                \
    for (long i = 0; i < iterations; ++i) {                                    \
      FMA12(FMA, m, c);                                                        \
      /* Keeps the compiler from collapsing iterations. */                     \
      __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3));           \
    }                                                                          \
    a0 = ADD(ADD(ADD(a0, a1), ADD(a2, a3)), ADD(ADD(a4, a5), ADD(a6, a7)));    \
    a8 = ADD(ADD(a8, a9), ADD(a10, a11));                                      \
    return REDUCE(ADD(a0, a8));                                                \
  }

#if defined(__x86_64__)

#define AVX512 __attribute__((target("avx512f")))
#define AVX2 __attribute__((target("avx2,fma")))

AVX512 static float reduce512(__m512 v) { return _mm512_reduce_add_ps(v); }
AVX2 static float reduce256(__m256 v) {
  float lanes[8];
  _mm256_storeu_ps(lanes, v);
  float sum = 0;
  for (int i = 0; i < 8; ++i)
    sum += lanes[i];
  return sum;
}
DEFINE_KERNEL(fma_zmm, AVX512, __m512, _mm512_set1_ps, _mm512_fmadd_ps,
              _mm512_add_ps, reduce512)
DEFINE_KERNEL(fma_ymm, AVX2, __m256, _mm256_set1_ps, _mm256_fmadd_ps,
              _mm256_add_ps, reduce256)

static int have_avx512(void) { return __builtin_cpu_supports("avx512f"); }
static int have_avx2(void) {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

static const struct kernel kernels[] = {
    {"avx512", 16, have_avx512, fma_zmm},
    {"avx2", 8, have_avx2, fma_ymm},
};

#elif defined(__aarch64__)

/* "+w": any SIMD register on AArch64. */
#undef DEFINE_KERNEL
#define NEON_FMA(acc, a, b) vfmaq_f32(b, acc, a)
static float fma_neon(long iterations, float x) {
  float32x4_t m = vdupq_n_f32(0.999999f), c = vdupq_n_f32(x * 1e-6f);
  float32x4_t a0 = vdupq_n_f32(x), a1 = vdupq_n_f32(x + 1),
              a2 = vdupq_n_f32(x + 2), a3 = vdupq_n_f32(x + 3),
              a4 = vdupq_n_f32(x + 4), a5 = vdupq_n_f32(x + 5),
              a6 = vdupq_n_f32(x + 6), a7 = vdupq_n_f32(x + 7),
              a8 = vdupq_n_f32(x + 8), a9 = vdupq_n_f32(x + 9),
              a10 = vdupq_n_f32(x + 10), a11 = vdupq_n_f32(x + 11);
  for (long i = 0; i < iterations; ++i) {
    FMA12(NEON_FMA, m, c);
    __asm__ volatile("" : "+w"(a0), "+w"(a1), "+w"(a2), "+w"(a3));
  }
  a0 = vaddq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)),
                 vaddq_f32(vaddq_f32(a4, a5), vaddq_f32(a6, a7)));
  a8 = vaddq_f32(vaddq_f32(a8, a9), vaddq_f32(a10, a11));
  return vaddvq_f32(vaddq_f32(a0, a8));
}
static int always(void) { return 1; }
static const struct kernel kernels[] = {{"neon", 4, always, fma_neon}};

#else
#error "fma_peak: x86-64 or AArch64 only"
#endif

/*--- Threads --------------------------------------------------------------*/

struct job {
  const struct kernel *kernel;
  long iterations;
  pthread_barrier_t *start;
  double seconds;
  float sink;
};

static void *worker(void *arg) {
  struct job *job = arg;
  pthread_barrier_wait(job->start);
  double t0 = now();
  job->sink = job->kernel->run(job->iterations, 1.0f);
  job->seconds = now() - t0;
  return NULL;
}

/* GFLOP/s of `threads` threads running the kernel at once (best of
 * REPEATS; each repeat's time is the slowest thread's). */
static double measure(const struct kernel *kernel, int threads, long iterations) {
  double best = 0;
  for (int r = 0; r < REPEATS; ++r) {
    pthread_t ids[256];
    struct job jobs[256];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    for (int t = 0; t < threads; ++t) {
      jobs[t] = (struct job){kernel, iterations, &start, 0, 0};
      if (t > 0 && pthread_create(&ids[t], NULL, worker, &jobs[t]) != 0) {
        fprintf(stderr, "fma_peak: cannot start a thread\n");
        exit(2);
      }
    }
    worker(&jobs[0]);
    double slowest = jobs[0].seconds;
    for (int t = 1; t < threads; ++t) {
      pthread_join(ids[t], NULL);
      if (jobs[t].seconds > slowest)
        slowest = jobs[t].seconds;
    }
    pthread_barrier_destroy(&start);
    volatile float sink = jobs[0].sink;
    (void)sink;
    double flops = 2.0 * CHAINS * kernel->lanes * (double)iterations * threads;
    if (flops / slowest / 1e9 > best)
      best = flops / slowest / 1e9;
  }
  return best;
}

int main(int argc, char **argv) {
  int threads = 0;
  double seconds = 0.2;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
      threads = atoi(argv[++i]);
    } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
      seconds = atof(argv[++i]);
    } else {
      fprintf(stderr, "usage: fma_peak [--threads N] [--seconds S]\n");
      return 2;
    }
  }
  if (!(seconds > 0 && seconds < 100)) {
    fprintf(stderr, "fma_peak: --seconds wants a number in (0, 100)\n");
    return 2;
  }
  if (threads < 1 || threads > 256) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    threads = cores < 1 ? 1 : cores > 256 ? 256 : (int)cores;
  }
  double best_core = 0, best_all = 0;
  for (size_t k = 0; k < sizeof(kernels) / sizeof(kernels[0]); ++k) {
    const struct kernel *kernel = &kernels[k];
    if (!kernel->available())
      continue;
    /* Calibrate to about `seconds` per run on one thread. */
    long iterations = 1 << 10;
    double took;
    for (;;) {
      double t0 = now();
      kernel->run(iterations, 1.0f);
      took = now() - t0;
      if (took > seconds / 4 || iterations > (1L << 40))
        break;
      iterations *= 2;
    }
    iterations = (long)(iterations * (seconds / took)) + 1;
    double core = measure(kernel, 1, iterations);
    double all = measure(kernel, threads, iterations);
    printf("%s per_core %.1f\n%s threads=%d %.1f\n", kernel->name, core,
           kernel->name, threads, all);
    if (core > best_core)
      best_core = core;
    if (all > best_all)
      best_all = all;
  }
  printf("peak_per_core %.1f\npeak_threads=%d %.1f\n", best_core, threads,
         best_all);
  return 0;
}

// The cuBLAS reference for Kiln's GPU GEMM benchmark: C = A * B in FP32 for
// square sizes given on the command line, timed with CUDA events (median of
// 20 runs after 3 warm-ups). TF32 tensor cores are off, matching Kiln's
// default FP32 accuracy; with --tf32 first, they are on, matching
// `kilnc --gpu-tf32`. Built and run on the GPU machine by
// bench/gpu/run-on-gpu.sh; prints "cublas SIZE ms GFLOP/s".
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#define CHECK(call)                                                            \
  do {                                                                         \
    if ((call) != 0) {                                                         \
      std::fprintf(stderr, "%s failed at line %d\n", #call, __LINE__);        \
      return 1;                                                                \
    }                                                                          \
  } while (0)

int main(int argc, char **argv) {
  cublasHandle_t handle;
  CHECK(cublasCreate(&handle));
  int first = 1;
  bool tf32 = argc > 1 && std::string(argv[1]) == "--tf32";
  if (tf32)
    ++first;
  CHECK(cublasSetMathMode(handle, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_PEDANTIC_MATH));
  for (int a = first; a < argc; ++a) {
    int n = std::atoi(argv[a]);
    size_t bytes = size_t(n) * n * sizeof(float);
    std::vector<float> host(size_t(n) * n);
    for (size_t i = 0; i < host.size(); ++i)
      host[i] = float((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    float *A, *B, *C;
    CHECK(cudaMalloc(&A, bytes));
    CHECK(cudaMalloc(&B, bytes));
    CHECK(cudaMalloc(&C, bytes));
    CHECK(cudaMemcpy(A, host.data(), bytes, cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(B, host.data(), bytes, cudaMemcpyHostToDevice));
    const float one = 1.0f, zero = 0.0f;
    cudaEvent_t start, stop;
    CHECK(cudaEventCreate(&start));
    CHECK(cudaEventCreate(&stop));
    std::vector<float> times;
    for (int i = 0; i < 23; ++i) {
      CHECK(cudaEventRecord(start));
      CHECK(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, B, n, A, n,
                        &zero, C, n));
      CHECK(cudaEventRecord(stop));
      CHECK(cudaEventSynchronize(stop));
      float ms = 0;
      CHECK(cudaEventElapsedTime(&ms, start, stop));
      if (i >= 3)
        times.push_back(ms);
    }
    std::sort(times.begin(), times.end());
    float ms = times[times.size() / 2];
    std::printf("cublas %d %.4f ms %.1f GFLOP/s\n", n, ms, 2.0 * n * n * double(n) / ms / 1e6);
    cudaFree(A);
    cudaFree(B);
    cudaFree(C);
  }
  cublasDestroy(handle);
  return 0;
}

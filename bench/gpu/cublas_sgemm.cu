// The cuBLAS reference for Kiln's GPU GEMM benchmark: C = A * B in FP32 for
// the sizes given on the command line (N: square; MxNxK: A is M x K, B is
// K x N, all row-major), timed with CUDA events (median of
// 20 runs after 3 warm-ups). TF32 tensor cores are off, matching Kiln's
// default FP32 accuracy; with --tf32 first, they are on, matching
// `kilnc --gpu-tf32`. With --f16 or --bf16 first, A, B and C are in that
// type and the products accumulate in f32 (cublasGemmEx, CUBLAS_COMPUTE_32F),
// as Kiln computes a half-precision MatMul. Built and run on the GPU machine
// by bench/gpu/run-on-gpu.sh; prints "cublas SIZE ms GFLOP/s".
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
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
  std::string mode = argc > 1 && argv[1][0] == '-' ? argv[1] : "";
  if (!mode.empty())
    ++first;
  bool tf32 = mode == "--tf32";
  cudaDataType type = mode == "--f16" ? CUDA_R_16F : mode == "--bf16" ? CUDA_R_16BF : CUDA_R_32F;
  CHECK(cublasSetMathMode(handle, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_PEDANTIC_MATH));
  for (int a = first; a < argc; ++a) {
    int m = 0, n = 0, k = 0;
    if (std::sscanf(argv[a], "%dx%dx%d", &m, &n, &k) != 3)
      m = n = k = std::atoi(argv[a]);
    if (m <= 0 || n <= 0 || k <= 0) {
      std::fprintf(stderr, "bad size '%s' (N or MxNxK)\n", argv[a]);
      return 1;
    }
    // (One buffer of the largest operand's size serves as A, B and C.)
    size_t elements = std::max({size_t(m) * k, size_t(k) * n, size_t(m) * n});
    size_t bytes = elements * (type == CUDA_R_32F ? sizeof(float) : 2);
    std::vector<float> host(elements);
    for (size_t i = 0; i < host.size(); ++i)
      host[i] = float((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    std::vector<unsigned char> staged(bytes);
    for (size_t i = 0; i < elements; ++i) {
      if (type == CUDA_R_16F)
        reinterpret_cast<__half *>(staged.data())[i] = __float2half(host[i]);
      else if (type == CUDA_R_16BF)
        reinterpret_cast<__nv_bfloat16 *>(staged.data())[i] = __float2bfloat16(host[i]);
      else
        reinterpret_cast<float *>(staged.data())[i] = host[i];
    }
    void *A, *B, *C;
    CHECK(cudaMalloc(&A, bytes));
    CHECK(cudaMalloc(&B, bytes));
    CHECK(cudaMalloc(&C, bytes));
    CHECK(cudaMemcpy(A, staged.data(), bytes, cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(B, staged.data(), bytes, cudaMemcpyHostToDevice));
    const float one = 1.0f, zero = 0.0f;
    cudaEvent_t start, stop;
    CHECK(cudaEventCreate(&start));
    CHECK(cudaEventCreate(&stop));
    std::vector<float> times;
    for (int i = 0; i < 23; ++i) {
      CHECK(cudaEventRecord(start));
      // Row-major C = A B is column-major C^T = B^T A^T.
      if (type == CUDA_R_32F)
        CHECK(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &one,
                          static_cast<float *>(B), n, static_cast<float *>(A), k, &zero,
                          static_cast<float *>(C), n));
      else
        CHECK(cublasGemmEx(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &one, B, type, n, A,
                           type, k, &zero, C, type, n, CUBLAS_COMPUTE_32F,
                           CUBLAS_GEMM_DEFAULT));
      CHECK(cudaEventRecord(stop));
      CHECK(cudaEventSynchronize(stop));
      float ms = 0;
      CHECK(cudaEventElapsedTime(&ms, start, stop));
      if (i >= 3)
        times.push_back(ms);
    }
    std::sort(times.begin(), times.end());
    float ms = times[times.size() / 2];
    std::printf("cublas %s %.4f ms %.1f GFLOP/s\n", argv[a], ms,
                2.0 * m * n * double(k) / ms / 1e6);
    cudaFree(A);
    cudaFree(B);
    cudaFree(C);
  }
  cublasDestroy(handle);
  return 0;
}

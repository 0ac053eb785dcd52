// Times a Kiln GPU library on device buffers, the way an application that
// keeps its data on the GPU runs it: NAME_gpu_run on a stream, timed with
// CUDA events (median of N runs after warm-ups). Inputs are read from raw
// files when given (their bytes exactly, e.g. token ids a model gathers
// with), else filled with a fixed pattern of floats near 0.1-0.5. Built on
// the GPU machine by bench/gpu/run-on-gpu.sh:
//   nvcc -DKILN_MODEL=NAME -include NAME.h gpu_bench.cu libNAME.a
//   ./a.out [N [INPUT0.bin INPUT1.bin ...]]
// Prints "kiln NAME ms".
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define KB_PASTE2(a, b) a##b
#define KB_PASTE(a, b) KB_PASTE2(a, b)
#define KB(suffix) KB_PASTE(KILN_MODEL, suffix)
#define KB_STR2(x) #x
#define KB_STR(x) KB_STR2(x)

static int fail(const char *what, int status, const char *detail) {
  std::fprintf(stderr, "gpu_bench: %s failed (%d): %s\n", what, status, detail);
  return 1;
}

int main(int argc, char **argv) {
  int iterations = argc > 1 ? std::atoi(argv[1]) : 50;
  KB(_gpu_context) *ctx = nullptr;
  int status = KB(_gpu_create)(0, &ctx);
  if (status != 0)
    return fail("create", status, KB(_gpu_last_error)(nullptr));
  std::vector<void *> inputs, outputs;
  for (int i = 0; i < KB(_num_inputs)(); ++i) {
    size_t bytes = KB(_input_size)(i);
    std::vector<unsigned char> host(bytes);
    if (argc > 2 + i) {
      FILE *file = std::fopen(argv[2 + i], "rb");
      size_t got = file ? std::fread(host.data(), 1, bytes, file) : 0;
      bool extra = file && std::fgetc(file) != EOF;
      if (file)
        std::fclose(file);
      if (got != bytes || extra)
        return fail("reading an input", i, argv[2 + i]);
    } else {
      for (size_t b = 0; b < bytes; ++b)
        host[b] = (b % 4 == 3) ? 0x3e : (unsigned char)(b * 7);
    }
    void *device = nullptr;
    if (cudaMalloc(&device, bytes ? bytes : 1) != cudaSuccess)
      return fail("cudaMalloc", 0, "input");
    cudaMemcpy(device, host.data(), bytes, cudaMemcpyHostToDevice);
    inputs.push_back(device);
  }
  for (int i = 0; i < KB(_num_outputs)(); ++i) {
    void *device = nullptr;
    if (cudaMalloc(&device, KB(_output_size)(i) ? KB(_output_size)(i) : 1) != cudaSuccess)
      return fail("cudaMalloc", 0, "output");
    outputs.push_back(device);
  }
  cudaStream_t stream;
  cudaStreamCreate(&stream);
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  std::vector<float> times;
  for (int i = 0; i < iterations + 5; ++i) {
    cudaEventRecord(start, stream);
    status = KB(_gpu_run)(ctx, inputs.data(), outputs.data(), stream);
    cudaEventRecord(stop, stream);
    cudaEventSynchronize(stop);
    if (status != 0)
      return fail("run", status, KB(_gpu_last_error)(ctx));
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    if (i >= 5)
      times.push_back(ms);
  }
  std::sort(times.begin(), times.end());
  std::printf("kiln %s %.4f ms\n", KB_STR(KILN_MODEL), times[times.size() / 2]);
  KB(_gpu_destroy)(ctx);
  return 0;
}

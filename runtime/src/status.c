/*===- status.c - Messages for kiln_status codes --------------------------===*/

#include "kiln/runtime.h"

#define KILN_STRINGIFY_VALUE(x) #x
#define KILN_STRINGIFY(x) KILN_STRINGIFY_VALUE(x)

const char *kiln_rt_error_message(int status) {
  switch (status) {
  case KILN_OK:
    return "success";
  case KILN_ERROR_NULL_ARGUMENT:
    return "an input, output or workspace pointer is NULL";
  case KILN_ERROR_WORKSPACE_ALIGNMENT:
    return "the workspace is not 64-byte aligned";
  case KILN_ERROR_INVALID_THREAD_COUNT:
    return "the thread count must be between 1 and " KILN_STRINGIFY(
        KILN_MAX_THREADS);
  case KILN_ERROR_THREAD_START:
    return "the operating system refused to start a worker thread";
  case KILN_ERROR_NO_DEVICE:
    return "no CUDA driver or no suitable CUDA device is available";
  case KILN_ERROR_DEVICE:
    return "a CUDA driver call failed";
  case KILN_ERROR_WRONG_TARGET:
    return "this library was compiled for the GPU: use NAME_gpu_create and "
           "NAME_gpu_run";
  case KILN_ERROR_BOUND_INPUT:
    return "an input was given another value than the one it was bound to at "
           "compile time (kilnc --bind)";
  case KILN_ERROR_OVERLAPPING_BUFFERS:
    return "an output buffer overlaps an input or another output";
  case KILN_ERROR_RACE:
    return kiln_rt_race_message();
  case KILN_ERROR_BUFFER_ALIGNMENT:
    return "an input or output buffer is not " KILN_STRINGIFY(
        KILN_GPU_BUFFER_ALIGNMENT) "-byte aligned, as GPU kernels need";
  }
  return "unknown error code";
}

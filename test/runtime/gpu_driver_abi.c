/*===- gpu_driver_abi.c - The runtime's CUDA declarations against cuda.h --===*
 *
 * runtime/src/cuda_driver.h declares the driver entry points by hand (the
 * runtime may not include cuda.h). This file only has to compile, with
 * -Werror, against the toolkit's cuda.h: each entry point initializes a
 * pointer of the runtime's type, which fails for any mismatch in parameter
 * or result types, and the constants are compared with cuda.h's.
 *
 *===----------------------------------------------------------------------===*/

#include <cuda.h>

#include "cuda_driver.h"

/* The symbol names must be the ones cuda.h binds its API names to. */
#define KILN_CHECK_ENTRY_POINT(field, symbol, params)                          \
  kiln_cu_##field##_fn kiln_check_##field = symbol;
KILN_CUDA_DRIVER_FUNCTIONS(KILN_CHECK_ENTRY_POINT)
KILN_CUDA_GRAPH_FUNCTIONS(KILN_CHECK_ENTRY_POINT)

/* cuda.h's names for the same entry points resolve to those symbols. */
kiln_cu_mem_alloc_fn kiln_check_api_mem_alloc = cuMemAlloc;
kiln_cu_mem_free_fn kiln_check_api_mem_free = cuMemFree;
kiln_cu_memcpy_htod_async_fn kiln_check_api_htod = cuMemcpyHtoDAsync;
kiln_cu_memcpy_dtoh_async_fn kiln_check_api_dtoh = cuMemcpyDtoHAsync;
kiln_cu_stream_destroy_fn kiln_check_api_stream_destroy = cuStreamDestroy;
kiln_cu_ctx_push_current_fn kiln_check_api_push = cuCtxPushCurrent;
kiln_cu_ctx_pop_current_fn kiln_check_api_pop = cuCtxPopCurrent;
kiln_cu_device_primary_ctx_release_fn kiln_check_api_release =
    cuDevicePrimaryCtxRelease;
kiln_cu_stream_begin_capture_fn kiln_check_api_begin_capture =
    cuStreamBeginCapture;
kiln_cu_graph_instantiate_fn kiln_check_api_instantiate = cuGraphInstantiate;
kiln_cu_stream_is_capturing_fn kiln_check_api_is_capturing = cuStreamIsCapturing;

_Static_assert(sizeof(kiln_cu_deviceptr) == sizeof(CUdeviceptr), "CUdeviceptr");
_Static_assert(sizeof(kiln_cu_device) == sizeof(CUdevice), "CUdevice");
_Static_assert(sizeof(kiln_cu_result) == sizeof(CUresult), "CUresult");

#define KILN_CHECK_CONSTANT(kiln, cuda)                                        \
  _Static_assert((kiln) == (unsigned)(cuda), #kiln " == " #cuda);
KILN_CHECK_CONSTANT(KILN_CUDA_SUCCESS, CUDA_SUCCESS)
KILN_CHECK_CONSTANT(KILN_CUDA_ERROR_NO_BINARY_FOR_GPU,
                    CUDA_ERROR_NO_BINARY_FOR_GPU)
KILN_CHECK_CONSTANT(KILN_CUDA_ERROR_UNSUPPORTED_PTX_VERSION,
                    CUDA_ERROR_UNSUPPORTED_PTX_VERSION)
KILN_CHECK_CONSTANT(KILN_CUDA_ERROR_STREAM_CAPTURE_IMPLICIT,
                    CUDA_ERROR_STREAM_CAPTURE_IMPLICIT)
KILN_CHECK_CONSTANT(KILN_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                    CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)
KILN_CHECK_CONSTANT(KILN_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                    CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR)
KILN_CHECK_CONSTANT(KILN_CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER)
KILN_CHECK_CONSTANT(KILN_CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                    CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES)
KILN_CHECK_CONSTANT(KILN_CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES)
KILN_CHECK_CONSTANT(KILN_CU_STREAM_DEFAULT, CU_STREAM_DEFAULT)
KILN_CHECK_CONSTANT(KILN_CU_STREAM_NON_BLOCKING, CU_STREAM_NON_BLOCKING)
KILN_CHECK_CONSTANT(KILN_CU_STREAM_CAPTURE_STATUS_NONE,
                    CU_STREAM_CAPTURE_STATUS_NONE)
KILN_CHECK_CONSTANT(KILN_CU_STREAM_CAPTURE_MODE_THREAD_LOCAL,
                    CU_STREAM_CAPTURE_MODE_THREAD_LOCAL)

/*===- cuda_driver.h - The slice of the CUDA driver API the runtime uses --===*
 *
 * Kiln's libraries load libcuda.so.1 at run time (dlopen) so that they link
 * and run on machines without CUDA. That rules out cuda.h, so the types,
 * constants and entry points used are declared here, by hand, with the ABI
 * of the driver's versioned entry points (the *_v2 names are the symbols
 * cuda.h maps cuMemAlloc, cuMemFree, ... to since CUDA 3.2/4.0; the others
 * have had one version since they appeared). Only 64-bit targets are
 * supported, where CUdeviceptr is an unsigned long long.
 *
 * Enumerations are declared as unsigned int: the driver's enums have no
 * negative values, so C compilers give them that type, and they pass the
 * same way. test/runtime/gpu_driver_abi.c checks every declaration here
 * against cuda.h where the toolkit is installed.
 *
 *===----------------------------------------------------------------------===*/

#ifndef KILN_RUNTIME_CUDA_DRIVER_H
#define KILN_RUNTIME_CUDA_DRIVER_H

#include <stddef.h>

typedef unsigned int kiln_cu_result;          /* CUresult */
typedef int kiln_cu_device;                   /* CUdevice */
typedef unsigned long long kiln_cu_deviceptr; /* CUdeviceptr (64-bit) */
typedef struct CUctx_st *kiln_cu_context;     /* CUcontext */
typedef struct CUmod_st *kiln_cu_module;      /* CUmodule */
typedef struct CUfunc_st *kiln_cu_function;   /* CUfunction */
typedef struct CUstream_st *kiln_cu_stream;   /* CUstream */
typedef struct CUgraph_st *kiln_cu_graph;     /* CUgraph */
typedef struct CUgraphExec_st *kiln_cu_graph_exec; /* CUgraphExec */

/* CUresult values the runtime tells apart. */
#define KILN_CUDA_SUCCESS 0u
#define KILN_CUDA_ERROR_NO_BINARY_FOR_GPU 209u
#define KILN_CUDA_ERROR_UNSUPPORTED_PTX_VERSION 222u
#define KILN_CUDA_ERROR_STREAM_CAPTURE_IMPLICIT 906u

/* CUdevice_attribute */
#define KILN_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR 75u
#define KILN_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR 76u

/* CUjit_option */
#define KILN_CU_JIT_ERROR_LOG_BUFFER 5u
#define KILN_CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES 6u

/* CUfunction_attribute */
#define KILN_CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES 8u

/* CUstream_flags */
#define KILN_CU_STREAM_DEFAULT 0u

#define KILN_CU_STREAM_NON_BLOCKING 1u

/* CUstreamCaptureStatus */
#define KILN_CU_STREAM_CAPTURE_STATUS_NONE 0u

/* CUstreamCaptureMode */
#define KILN_CU_STREAM_CAPTURE_MODE_THREAD_LOCAL 1u

/* X(field, symbol, parameters): every driver entry point the runtime calls,
 * by the name of the symbol libcuda exports. The loader fails (as "no driver")
 * if any is missing, so a driver too old to have one is caught at create.
 * cuStreamIsCapturing (CUDA 10.0) is here, not with the graph entry points:
 * a caller's capture must be told on every driver the runtime accepts
 * (a bound input's read-back refuses a capturing stream). */
#define KILN_CUDA_DRIVER_FUNCTIONS(X)                                          \
  X(init, cuInit, (unsigned int flags))                                        \
  X(driver_get_version, cuDriverGetVersion, (int *version))                    \
  X(get_error_string, cuGetErrorString,                                        \
    (kiln_cu_result error, const char **text))                                 \
  X(get_error_name, cuGetErrorName, (kiln_cu_result error, const char **text)) \
  X(device_get_count, cuDeviceGetCount, (int *count))                          \
  X(device_get, cuDeviceGet, (kiln_cu_device * device, int ordinal))           \
  X(device_get_attribute, cuDeviceGetAttribute,                                \
    (int *value, unsigned int attribute, kiln_cu_device device))               \
  X(device_primary_ctx_retain, cuDevicePrimaryCtxRetain,                       \
    (kiln_cu_context * context, kiln_cu_device device))                        \
  X(device_primary_ctx_release, cuDevicePrimaryCtxRelease_v2,                  \
    (kiln_cu_device device))                                                   \
  X(ctx_push_current, cuCtxPushCurrent_v2, (kiln_cu_context context))          \
  X(ctx_pop_current, cuCtxPopCurrent_v2, (kiln_cu_context * context))          \
  X(mem_alloc, cuMemAlloc_v2, (kiln_cu_deviceptr * pointer, size_t bytes))     \
  X(mem_free, cuMemFree_v2, (kiln_cu_deviceptr pointer))                       \
  X(memcpy_htod_async, cuMemcpyHtoDAsync_v2,                                   \
    (kiln_cu_deviceptr dst, const void *src, size_t bytes,                     \
     kiln_cu_stream stream))                                                   \
  X(memcpy_dtoh_async, cuMemcpyDtoHAsync_v2,                                   \
    (void *dst, kiln_cu_deviceptr src, size_t bytes, kiln_cu_stream stream))   \
  X(stream_create, cuStreamCreate,                                             \
    (kiln_cu_stream * stream, unsigned int flags))                             \
  X(stream_destroy, cuStreamDestroy_v2, (kiln_cu_stream stream))               \
  X(stream_synchronize, cuStreamSynchronize, (kiln_cu_stream stream))          \
  X(module_load_data_ex, cuModuleLoadDataEx,                                   \
    (kiln_cu_module * module, const void *image, unsigned int num_options,     \
     unsigned int *options, void **option_values))                             \
  X(module_unload, cuModuleUnload, (kiln_cu_module module))                    \
  X(module_get_function, cuModuleGetFunction,                                  \
    (kiln_cu_function * function, kiln_cu_module module, const char *name))    \
  X(func_set_attribute, cuFuncSetAttribute,                                    \
    (kiln_cu_function function, unsigned int attribute, int value))            \
  X(launch_kernel, cuLaunchKernel,                                             \
    (kiln_cu_function function, unsigned int grid_x, unsigned int grid_y,      \
     unsigned int grid_z, unsigned int block_x, unsigned int block_y,          \
     unsigned int block_z, unsigned int shared_bytes, kiln_cu_stream stream,   \
     void **params, void **extra))                                             \
  X(stream_is_capturing, cuStreamIsCapturing,                                 \
    (kiln_cu_stream stream, unsigned int *status))

/* The entry points of CUDA graphs (driver 11.4 and newer), which replay a
 * model's launches at a fraction of their launch cost. Optional: without
 * them the runtime launches every kernel itself. */
#define KILN_CUDA_GRAPH_FUNCTIONS(X)                                           \
  X(stream_begin_capture, cuStreamBeginCapture_v2,                             \
    (kiln_cu_stream stream, unsigned int mode))                                \
  X(stream_end_capture, cuStreamEndCapture,                                    \
    (kiln_cu_stream stream, kiln_cu_graph * graph))                            \
  X(graph_instantiate, cuGraphInstantiateWithFlags,                            \
    (kiln_cu_graph_exec * exec, kiln_cu_graph graph,                           \
     unsigned long long flags))                                                \
  X(graph_launch, cuGraphLaunch,                                               \
    (kiln_cu_graph_exec exec, kiln_cu_stream stream))                          \
  X(graph_exec_destroy, cuGraphExecDestroy, (kiln_cu_graph_exec exec))         \
  X(graph_destroy, cuGraphDestroy, (kiln_cu_graph graph))

/* kiln_cu_<field>_fn: the type of each entry point. */
#define KILN_CUDA_DECLARE_TYPE(field, symbol, params)                          \
  typedef kiln_cu_result(*kiln_cu_##field##_fn) params;
KILN_CUDA_DRIVER_FUNCTIONS(KILN_CUDA_DECLARE_TYPE)
KILN_CUDA_GRAPH_FUNCTIONS(KILN_CUDA_DECLARE_TYPE)
#undef KILN_CUDA_DECLARE_TYPE

#endif /* KILN_RUNTIME_CUDA_DRIVER_H */

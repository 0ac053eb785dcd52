//===- GpuGlobals.h - What a GPU build embeds for the runtime --*- C++ -*-===//
//
// A GPU build's module holds, besides the host code, everything
// kiln_rt_gpu_create needs to put the model on a device: the PTX (and
// optionally a cubin) of every kernel in one CUDA module, the kernel names
// in launch-index order, and the weights to upload. The compiler defines
// them with emitGpuModuleGlobals; NAME_gpu_create (emitIntrospection) reads
// them by the names below. Either may run first; both run before
// finalizeModelModule internalizes the module, so none of these symbols
// is visible outside the library.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_TARGET_GPUGLOBALS_H
#define KILN_CODEGEN_TARGET_GPUGLOBALS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace llvm {
class Module;
} // namespace llvm

namespace kiln::target {

/// `[N x i8]`: the PTX text, NUL-terminated.
inline constexpr const char kGpuPtxName[] = "kiln_gpu_ptx";
/// `[N x i8]`: a cubin for one architecture; empty (size 0) if none.
inline constexpr const char kGpuCubinName[] = "kiln_gpu_cubin";
/// `size_t`: the cubin's size in bytes (0: no cubin).
inline constexpr const char kGpuCubinSizeName[] = "kiln_gpu_cubin_size";
/// `int`: the cubin's architecture, 90 for sm_90 (0: no cubin).
inline constexpr const char kGpuCubinSmName[] = "kiln_gpu_cubin_sm";
/// `[K x ptr]`: kernel k's name, for kiln_rt_gpu_launch(ctx, k, ...).
inline constexpr const char kGpuKernelNamesName[] = "kiln_gpu_kernel_names";
/// `int`: K.
inline constexpr const char kGpuNumKernelsName[] = "kiln_gpu_num_kernels";
/// `[W x i8]`: every constant tensor, as laid out in device memory (the
/// host code finds them at offsets from kiln_rt_gpu_weights(ctx)).
inline constexpr const char kGpuWeightsName[] = "kiln_gpu_weights";
/// `size_t`: W.
inline constexpr const char kGpuWeightsSizeName[] = "kiln_gpu_weights_size";

/// Defines the globals above in `module` (which must carry its target's
/// data layout): `ptx` (without a NUL; one is added), `cubin` (may be
/// empty, then `cubinSm` is ignored and recorded as 0), the kernel names in
/// launch-index order, and the weights' bytes. Replaces declarations of the
/// same names that emitIntrospection may have left. Deterministic.
void emitGpuModuleGlobals(llvm::Module &module, llvm::StringRef ptx,
                          llvm::StringRef cubin, int cubinSm,
                          llvm::ArrayRef<std::string> kernelNames,
                          llvm::StringRef weights);

} // namespace kiln::target

#endif // KILN_CODEGEN_TARGET_GPUGLOBALS_H

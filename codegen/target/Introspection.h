//===- Introspection.h - The public C functions of a model ------*- C++ -*-===//
//
// Defines, in LLVM IR, every function NAME.h declares: NAME_run (argument
// checks around the compute module's kiln_model_entry), the introspection
// tables and getters, and the thin wrappers over the runtime's thread and
// error functions.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_TARGET_INTROSPECTION_H
#define KILN_CODEGEN_TARGET_INTROSPECTION_H

#include "codegen/target/ModelSignature.h"

namespace llvm {
class Module;
} // namespace llvm

namespace kiln::target {

/// Adds the definitions of NAME_workspace_size, NAME_run, NAME_num_inputs,
/// NAME_num_outputs, NAME_{input,output}_{name,type,rank,shape,size},
/// NAME_error_message and NAME_{set,get}_num_threads to `module`, with
/// external linkage; their tables are private constants. Declares
/// kiln_model_entry and the kiln_rt_* functions it calls, which other
/// modules linked into the same one must define.
///
/// For a GPU build (`sig.gpu` set), NAME_run returns KILN_ERROR_WRONG_TARGET
/// and kiln_model_entry is not used; NAME_gpu_{create,run,run_host,
/// last_error,destroy} are added instead, over kiln_model_gpu_entry and the
/// globals of GpuGlobals.h (declared here if emitGpuModuleGlobals has not
/// defined them yet).
///
/// `module` must already carry its target's data layout: size_t and
/// pointer widths come from it. `sig.name` must satisfy isValidCIdentifier
/// and the functions must not exist yet. The output is deterministic.
void emitIntrospection(llvm::Module &module, const ModelSignature &sig);

/// The name of the compute function NAME_run calls:
/// `void kiln_model_entry(const void *const *inputs, void *const *outputs,
///                        void *workspace)`.
inline constexpr const char kModelEntryName[] = "kiln_model_entry";

/// GPU builds (`sig.gpu` set) instead define the host function
/// NAME_gpu_run and NAME_gpu_run_host hand to the runtime:
/// `int kiln_model_gpu_entry(struct kiln_rt_gpu_context *ctx,
///                           const void *const *dev_inputs,
///                           void *const *dev_outputs, void *stream)`.
/// It takes device addresses from kiln_rt_gpu_workspace(ctx) and
/// kiln_rt_gpu_weights(ctx), launches the kernels in order on `stream` with
/// kiln_rt_gpu_launch, and returns kiln_rt_gpu_status(ctx).
inline constexpr const char kGpuEntryName[] = "kiln_model_gpu_entry";

} // namespace kiln::target

#endif // KILN_CODEGEN_TARGET_INTROSPECTION_H

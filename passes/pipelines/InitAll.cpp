//===- InitAll.cpp - Everything a Kiln tool registers ---------------------===//

#include "passes/pipelines/InitAll.h"
#include "passes/pipelines/Pipelines.h"

#include "codegen/cpu/Passes.h"
#include "codegen/gpu/Passes.h"
#include "dialects/graph/IR/GraphDialect.h"
#include "passes/conversion/Passes.h"
#include "passes/dispatch/Passes.h"
#include "passes/graph/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

namespace kiln {

void registerDialects(mlir::DialectRegistry &registry) {
  registry.insert<graph::KilnDialect>();
  // The upstream dialects with their external interface models
  // (bufferization, tiling, value bounds, ...). Without the extensions
  // one-shot bufferization silently skips ops whose interfaces are external.
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // LLVM IR translation for the host and for GPU modules (NVVM).
  mlir::registerAllToLLVMIRTranslations(registry);
}

void registerPasses() {
  graph::registerGraphPasses();
  conversion::registerConversionPasses();
  dispatch::registerDispatchPasses();
  cpu::registerCpuPasses();
  gpu::registerGpuPasses();
  registerPipelines();
}

} // namespace kiln

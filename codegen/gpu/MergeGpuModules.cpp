//===- MergeGpuModules.cpp - One gpu.module for all kernels ---------------===//

#include "codegen/gpu/Mapping.h"
#include "codegen/gpu/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_MERGEGPUMODULES
#include "codegen/gpu/Passes.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace kiln::gpu {
namespace {

struct MergeGpuModulesPass : impl::MergeGpuModulesBase<MergeGpuModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<mlir::gpu::GPUModuleOp> gpuModules(module.getOps<mlir::gpu::GPUModuleOp>());
    if (gpuModules.empty())
      return;
    mlir::gpu::GPUModuleOp target = gpuModules.front();
    // Outlining names every kernel after its function but makes the module
    // names unique, so each kernel takes its module's name.
    llvm::DenseMap<std::pair<Attribute, Attribute>, StringAttr> renamed;
    for (mlir::gpu::GPUModuleOp source : gpuModules)
      for (auto kernel : source.getOps<mlir::gpu::GPUFuncOp>())
        if (kernel.isKernel())
          renamed[{source.getNameAttr(), kernel.getNameAttr()}] = source.getNameAttr();
    for (mlir::gpu::GPUModuleOp source : gpuModules)
      for (auto kernel : source.getOps<mlir::gpu::GPUFuncOp>())
        if (kernel.isKernel())
          kernel.setName(source.getName());
    // Workgroup buffers become globals of the shared space, aligned only to
    // their element type unless told otherwise.
    auto alignment = IntegerAttr::get(IntegerType::get(module.getContext(), 64),
                                      kWorkgroupAlignment);
    for (mlir::gpu::GPUModuleOp source : gpuModules)
      for (auto kernel : source.getOps<mlir::gpu::GPUFuncOp>())
        for (unsigned i = 0; i < kernel.getNumWorkgroupAttributions(); ++i)
          kernel.setWorkgroupAttributionAttr(i, LLVM::LLVMDialect::getAlignAttrName(), alignment);

    SymbolTable targetSymbols(target);
    for (mlir::gpu::GPUModuleOp source : llvm::drop_begin(gpuModules)) {
      for (Operation &op : llvm::make_early_inc_range(source.getBody()->getOperations())) {
        auto symbol = llvm::dyn_cast<SymbolOpInterface>(op);
        if (!symbol)
          continue;
        if (Operation *existing = targetSymbols.lookup(symbol.getName())) {
          // Declarations shared by several kernels (math library functions)
          // are kept once.
          if (!symbol.isDeclaration() &&
              !llvm::cast<SymbolOpInterface>(existing).isDeclaration()) {
            op.emitError("internal error: two GPU functions named ") << symbol.getName();
            return signalPassFailure();
          }
          op.erase();
          continue;
        }
        op.moveBefore(target.getBody(), target.getBody()->end());
        targetSymbols.insert(&op);
      }
    }
    auto root = FlatSymbolRefAttr::get(target.getNameAttr());
    module.walk([&](mlir::gpu::LaunchFuncOp launch) {
      SymbolRefAttr kernel = launch.getKernel();
      auto it = renamed.find({kernel.getRootReference(), kernel.getLeafReference()});
      if (it == renamed.end())
        return;
      launch.setKernelAttr(
          SymbolRefAttr::get(root.getAttr(), {FlatSymbolRefAttr::get(it->second)}));
    });
    for (mlir::gpu::GPUModuleOp source : llvm::drop_begin(gpuModules))
      source.erase();
  }
};

} // namespace
} // namespace kiln::gpu

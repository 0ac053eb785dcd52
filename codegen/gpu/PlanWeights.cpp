//===- PlanWeights.cpp - All constant buffers in one weights blob ---------===//
//
// Device code cannot read the host's constant globals. Instead, every
// constant buffer the model uses gets an offset in one blob, which the
// runtime uploads to device memory once per context; @main takes the blob as
// an argument and views into it, exactly like the workspace.
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/Passes.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_PLANWEIGHTS
#include "codegen/gpu/Passes.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace kiln::gpu {
namespace {

constexpr int64_t kAlignment = 64;

/// The bytes of `value` as laid out in memory (booleans one byte each).
FailureOr<std::string> bytesOf(DenseElementsAttr value) {
  Type elementType = value.getElementType();
  int64_t count = value.getNumElements();
  std::string bytes;
  if (elementType.isInteger(1)) {
    for (bool b : value.getValues<bool>())
      bytes.push_back(b ? 1 : 0);
    return bytes;
  }
  unsigned bits = elementType.getIntOrFloatBitWidth();
  if (bits % 8 != 0)
    return failure();
  size_t width = bits / 8;
  ArrayRef<char> raw = value.getRawData();
  if (value.isSplat()) {
    for (int64_t i = 0; i < count; ++i)
      bytes.append(raw.data(), width);
    return bytes;
  }
  bytes.assign(raw.begin(), raw.end());
  return bytes;
}

struct PlanWeightsPass : impl::PlanWeightsBase<PlanWeightsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main || main.isExternal()) {
      module.emitError("internal error: no @main to plan weights for");
      return signalPassFailure();
    }
    SmallVector<memref::GetGlobalOp> uses;
    main.walk([&](memref::GetGlobalOp op) { uses.push_back(op); });

    std::string blob;
    llvm::StringMap<int64_t> offsets;
    for (memref::GetGlobalOp use : uses) {
      if (offsets.count(use.getName()))
        continue;
      auto global = module.lookupSymbol<memref::GlobalOp>(use.getNameAttr());
      auto value = global ? llvm::dyn_cast_if_present<DenseElementsAttr>(
                                global.getInitialValueAttr())
                          : DenseElementsAttr();
      if (!global || !global.getConstant() || !value) {
        use.emitError("internal error: device code reads a non-constant global");
        return signalPassFailure();
      }
      FailureOr<std::string> bytes = bytesOf(value);
      if (failed(bytes)) {
        use.emitError("constants of element type ")
            << value.getElementType() << " are not supported on the GPU";
        return signalPassFailure();
      }
      blob.resize((blob.size() + kAlignment - 1) / kAlignment * kAlignment, '\0');
      offsets[use.getName()] = blob.size();
      blob += *bytes;
    }

    OpBuilder builder(&getContext());
    auto blobType = MemRefType::get({static_cast<int64_t>(blob.size())}, builder.getI8Type());
    unsigned index = main.getNumArguments();
    if (failed(main.insertArgument(index, blobType,
                                   builder.getDictionaryAttr(builder.getNamedAttr(
                                       kWeightsArgAttr, builder.getUnitAttr())),
                                   main.getLoc())))
      return signalPassFailure();
    Value weights = main.getArgument(index);
    for (memref::GetGlobalOp use : uses) {
      builder.setInsertionPoint(use);
      Value offset =
          arith::ConstantIndexOp::create(builder, use.getLoc(), offsets[use.getName()]);
      Value view = memref::ViewOp::create(builder, use.getLoc(), use.getType(), weights,
                                          offset, ValueRange{});
      use.replaceAllUsesWith(view);
      use.erase();
    }
    for (auto global : llvm::make_early_inc_range(module.getOps<memref::GlobalOp>()))
      if (global.isPrivate() && SymbolTable::symbolKnownUseEmpty(global, module))
        global.erase();
    module->setAttr(kWeightsAttr, builder.getStringAttr(blob));
  }
};

} // namespace
} // namespace kiln::gpu

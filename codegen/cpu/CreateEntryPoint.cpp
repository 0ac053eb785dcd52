//===- CreateEntryPoint.cpp - The C entry point of a compiled model -------===//

#include "codegen/cpu/MemRefDescriptors.h"
#include "codegen/cpu/Passes.h"

#include "passes/dispatch/Passes.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_CREATEENTRYPOINT
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace kiln::cpu {
namespace {

struct CreateEntryPointPass : impl::CreateEntryPointBase<CreateEntryPointPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main || main.isExternal() || main.getNumResults() != 0) {
      module.emitError("internal error: expected a bufferized @main without results");
      return signalPassFailure();
    }
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    Location loc = main.getLoc();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto entry = func::FuncOp::create(b, loc, kEntryPointName,
                                      b.getFunctionType({ptr, ptr, ptr}, {}));
    Block *block = entry.addEntryBlock();
    b.setInsertionPointToStart(block);
    Value inputs = block->getArgument(0), outputs = block->getArgument(1),
          workspace = block->getArgument(2);
    FailureOr<SmallVector<Value>> operands =
        buildModelArguments(b, loc, main, main.getNumArguments(), inputs, outputs,
                            workspace, Value());
    if (failed(operands))
      return signalPassFailure();
    func::CallOp::create(b, loc, main, *operands);
    func::ReturnOp::create(b, loc);
    main.setPrivate();
  }
};

} // namespace
} // namespace kiln::cpu

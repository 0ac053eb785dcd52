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
    // @main's arguments: inputs, then outputs (bufferize.result), then the
    // workspace (kiln.workspace).
    enum class Role { Input, Output, Workspace };
    SmallVector<Role> roles;
    for (unsigned i = 0; i < main.getNumArguments(); ++i) {
      if (main.getArgAttr(i, dispatch::kWorkspaceArgAttr))
        roles.push_back(Role::Workspace);
      else if (main.getArgAttr(i, dispatch::kResultArgAttr))
        roles.push_back(Role::Output);
      else
        roles.push_back(Role::Input);
      auto type = llvm::dyn_cast<MemRefType>(main.getArgument(i).getType());
      if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity()) {
        main.emitError("internal error: @main argument ")
            << i << " is not a dense static buffer";
        return signalPassFailure();
      }
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
    int64_t inputIndex = 0, outputIndex = 0;
    SmallVector<Value> operands;
    for (auto [i, role] : llvm::enumerate(roles)) {
      auto type = llvm::cast<MemRefType>(main.getArgument(i).getType());
      Value pointer = workspace;
      if (role != Role::Workspace) {
        Value array = role == Role::Input ? inputs : outputs;
        int64_t slot = role == Role::Input ? inputIndex++ : outputIndex++;
        Value address = LLVM::GEPOp::create(b, loc, ptr, ptr, array,
                                            ArrayRef<LLVM::GEPArg>{slot});
        pointer = LLVM::LoadOp::create(b, loc, ptr, address);
      }
      operands.push_back(memrefFromPointer(b, loc, pointer, type));
    }
    func::CallOp::create(b, loc, main, operands);
    func::ReturnOp::create(b, loc);
    main.setPrivate();
  }
};

} // namespace
} // namespace kiln::cpu

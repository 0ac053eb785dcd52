//===- VerifyStaticGraph.cpp - Contract check at the end of the graph phase ===//

#include "passes/graph/Passes.h"

#include "dialects/graph/IR/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace kiln::graph {
#define GEN_PASS_DEF_VERIFYSTATICGRAPH
#include "passes/graph/Passes.h.inc"
} // namespace kiln::graph

using namespace mlir;
using namespace kiln::graph;

namespace {

bool isStatic(Type type) {
  auto shaped = llvm::dyn_cast<ShapedType>(type);
  return !shaped || shaped.hasStaticShape();
}

struct VerifyStaticGraphPass
    : kiln::graph::impl::VerifyStaticGraphBase<VerifyStaticGraphPass> {
  void runOnOperation() override {
    // Unknown input sizes come first: every dynamic result downstream is a
    // consequence of them, so they are the one thing to report.
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      for (BlockArgument arg : func.getArguments()) {
        if (isStatic(arg.getType()))
          continue;
        auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "kiln.name");
        emitError(arg.getLoc())
            << "input '" << (name ? name.getValue() : "?") << "' has shape "
            << arg.getType()
            << " with unknown dimensions; give static sizes (kilnc --input-shape)";
        return signalPassFailure();
      }
    }
    // Otherwise the first op (in program order) that is not a static graph
    // op; later ones usually depend on it.
    bool failedCheck = false;
    getOperation().walk([&](Operation *op) {
      if (llvm::isa<ModuleOp, func::FuncOp, func::ReturnOp>(op))
        return WalkResult::advance();
      if (!llvm::isa<KilnDialect>(op->getDialect())) {
        op->emitError() << "operation '" << op->getName()
                        << "' is not part of the kiln graph dialect";
        failedCheck = true;
        return WalkResult::interrupt();
      }
      for (Value result : op->getResults()) {
        if (!isStatic(result.getType())) {
          op->emitError() << "output shape " << result.getType()
                          << " is not static: it depends on values only known "
                             "at run time, which Kiln does not support yet";
          failedCheck = true;
          return WalkResult::interrupt();
        }
      }
      return WalkResult::advance();
    });
    if (failedCheck)
      signalPassFailure();
  }
};

} // namespace

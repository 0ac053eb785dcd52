//===- SerializeKernels.cpp - gpu.modules to PTX, with Kiln's IR fix-ups --===//
//
// kiln-gpu-module-to-binary: upstream's gpu-module-to-binary (each
// gpu.module through its target attribute: LLVM IR, libdevice, LLVM's
// optimization pipeline, PTX), with one fix-up of the optimized IR before
// instruction selection. See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/Passes.h"

#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Analysis/LazyValueInfo.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Transforms/Utils/Local.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_SERIALIZEKERNELS
#include "codegen/gpu/Passes.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace kiln::gpu {

/// `narrow` (an operand of a division narrower than 32 bits) as a 32-bit
/// value with the same unsigned value: the wider value it truncates where
/// `lvi` bounds that below 2^(its width) (as correlated value propagation
/// did to narrow the division), which saves a mask; else its extension.
static llvm::Value *widened(llvm::IRBuilder<> &b, llvm::Value *narrow, llvm::LazyValueInfo &lvi,
                            llvm::Instruction *at) {
  llvm::Type *i32 = b.getInt32Ty();
  if (auto *truncation = llvm::dyn_cast<llvm::TruncInst>(narrow)) {
    llvm::Value *source = truncation->getOperand(0);
    unsigned bits = narrow->getType()->getIntegerBitWidth();
    if (lvi.getConstantRange(source, at, /*UndefAllowed=*/false).getUnsignedMax().getActiveBits() <=
        bits)
      return b.CreateZExtOrTrunc(source, i32);
  }
  return b.CreateZExt(narrow, i32);
}

unsigned widenNarrowDivisions(llvm::Module &module) {
  // Integer range analysis (LazyValueInfo) and what it needs.
  llvm::PassBuilder builder;
  llvm::FunctionAnalysisManager analyses;
  builder.registerFunctionAnalyses(analyses);
  unsigned count = 0;
  for (llvm::Function &function : module) {
    if (function.isDeclaration())
      continue;
    llvm::SmallVector<llvm::BinaryOperator *> divisions;
    for (llvm::Instruction &inst : llvm::instructions(function))
      if (auto *op = llvm::dyn_cast<llvm::BinaryOperator>(&inst))
        if ((op->getOpcode() == llvm::Instruction::UDiv ||
             op->getOpcode() == llvm::Instruction::URem) &&
            op->getType()->isIntegerTy() && op->getType()->getIntegerBitWidth() < 32)
          divisions.push_back(op);
    if (divisions.empty())
      continue;
    llvm::LazyValueInfo &lvi = analyses.getResult<llvm::LazyValueAnalysis>(function);
    // Ranges first, rewrites after: LazyValueInfo caches what it saw. The
    // handles follow replacements: where one division's operand extends
    // another's result, they lead to that one's widened result.
    llvm::SmallVector<std::pair<llvm::WeakTrackingVH, llvm::WeakTrackingVH>> operands;
    for (llvm::BinaryOperator *op : divisions) {
      llvm::IRBuilder<> b(op);
      operands.push_back({widened(b, op->getOperand(0), lvi, op),
                          widened(b, op->getOperand(1), lvi, op)});
    }
    // The replaced divisions and extensions, and what only they used.
    llvm::SmallVector<llvm::WeakTrackingVH> dead;
    for (auto [op, wideOperands] : llvm::zip(divisions, operands)) {
      dead.push_back(op);
      // zext(a / b) == zext(a) / zext(b), and the same for remainders.
      llvm::IRBuilder<> b(op);
      llvm::Value *wide =
          b.CreateBinOp(op->getOpcode(), wideOperands.first, wideOperands.second, op->getName());
      llvm::Value *narrow = nullptr;
      for (llvm::Use &use : llvm::make_early_inc_range(op->uses())) {
        auto *extension = llvm::dyn_cast<llvm::ZExtInst>(use.getUser());
        if (extension && extension->getType()->getIntegerBitWidth() >= 32) {
          b.SetInsertPoint(extension);
          extension->replaceAllUsesWith(b.CreateZExt(wide, extension->getType()));
          dead.push_back(extension);
          continue;
        }
        if (!narrow) {
          b.SetInsertPoint(op);
          narrow = b.CreateTrunc(wide, op->getType());
        }
        use.set(narrow);
      }
    }
    count += divisions.size();
    analyses.clear(function, function.getName());
    llvm::RecursivelyDeleteTriviallyDeadInstructionsPermissive(dead);
  }
  return count;
}

namespace {

struct SerializeKernelsPass : impl::SerializeKernelsBase<SerializeKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    // The modules' symbols, for the targets that need them (created when
    // first asked for, as upstream's pass does).
    std::unique_ptr<SymbolTable> table;
    auto symbols = [&]() -> SymbolTable * {
      if (!table)
        if (Operation *parent = SymbolTable::getNearestSymbolTable(getOperation()))
          table = std::make_unique<SymbolTable>(parent);
      return table.get();
    };
    auto fixUp = [](llvm::Module &module) { widenNarrowDivisions(module); };
    mlir::gpu::TargetOptions options(toolkitPath, /*librariesToLink=*/{}, /*cmdOptions=*/{},
                                     /*elfSection=*/{}, mlir::gpu::CompilationTarget::Assembly,
                                     symbols, /*initialLlvmIRCallback=*/{},
                                     /*linkedLlvmIRCallback=*/{}, fixUp);
    if (failed(mlir::gpu::transformGpuModulesToBinaries(getOperation(), nullptr, options)))
      signalPassFailure();
  }
};

} // namespace
} // namespace kiln::gpu

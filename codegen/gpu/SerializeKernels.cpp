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
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/PostOrderIterator.h"
#include "llvm/Analysis/LazyValueInfo.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/ConstantRange.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicsNVPTX.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Transforms/Utils/Local.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_SERIALIZEKERNELS
#include "codegen/gpu/Passes.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace kiln::gpu {

namespace {

/// Rewrites one function's narrow integer arithmetic in 32 bits. Every
/// promoted narrow value v of width N gets a 32-bit form whose low N bits
/// are v's, and a range that bounds the form as an unsigned 32-bit value:
/// where the range lies below 2^N the form is v itself, zero-extended
/// ("exact"), so its zero extensions, unsigned comparisons, shifts right
/// and divisions read it as it is; elsewhere they read it masked.
class NarrowArithmetic {
public:
  NarrowArithmetic(llvm::Function &function, llvm::LazyValueInfo &lvi)
      : function(function), lvi(lvi), i32(llvm::Type::getInt32Ty(function.getContext())) {}

  /// Returns how many narrow instructions it computed in 32 bits.
  unsigned run();

private:
  struct Wide {
    llvm::Value *value;
    llvm::ConstantRange range;
  };

  static bool isNarrow(llvm::Type *type) {
    return type->isIntegerTy() && type->getIntegerBitWidth() > 1 &&
           type->getIntegerBitWidth() < 32;
  }
  static unsigned widthOf(llvm::Value *value) {
    return value->getType()->getIntegerBitWidth();
  }
  static llvm::ConstantRange below(unsigned bits) {
    return llvm::ConstantRange(llvm::APInt(32, 0), llvm::APInt(32, 1).shl(bits));
  }
  static bool isPromotable(llvm::Instruction &inst);

  llvm::ConstantRange rangeOf(llvm::Instruction *user, unsigned index);
  llvm::ConstantRange exactRangeOf(llvm::Instruction *user, unsigned index);
  Wide operand(llvm::Instruction *user, unsigned index);
  llvm::Value *exact(llvm::Instruction *user, unsigned index);
  llvm::Value *exactForm(llvm::Value *narrow);
  std::optional<Wide> remainder(llvm::BinaryOperator *sub, llvm::IRBuilder<> &b);
  llvm::Value *divide(llvm::IRBuilder<> &b, llvm::Instruction::BinaryOps opcode, llvm::Value *x,
                      const llvm::ConstantRange &range, llvm::Value *y, const llvm::Twine &name);
  Wide promote(llvm::Instruction *inst);
  void replaceUses(llvm::Instruction *inst);

  llvm::Function &function;
  llvm::LazyValueInfo &lvi;
  llvm::Type *i32;
  /// What LazyValueInfo says of each operand that is not promoted (the
  /// value a truncation reads, a narrow load), at its user: asked before
  /// anything changes, as the analysis caches what it saw.
  llvm::DenseMap<std::pair<llvm::Instruction *, unsigned>, llvm::ConstantRange> leafRanges;
  llvm::MapVector<llvm::Instruction *, Wide> promoted;
  llvm::DenseMap<llvm::Value *, llvm::Value *> masked;
  llvm::SmallVector<llvm::WeakTrackingVH> dead;
  llvm::DenseSet<llvm::Instruction *> replaced;
};

bool NarrowArithmetic::isPromotable(llvm::Instruction &inst) {
  if (!isNarrow(inst.getType()))
    return false;
  switch (inst.getOpcode()) {
  case llvm::Instruction::Add:
  case llvm::Instruction::Sub:
  case llvm::Instruction::Mul:
  case llvm::Instruction::Shl:
  case llvm::Instruction::LShr:
  case llvm::Instruction::And:
  case llvm::Instruction::Or:
  case llvm::Instruction::Xor:
  case llvm::Instruction::UDiv:
  case llvm::Instruction::URem:
  case llvm::Instruction::Freeze:
  case llvm::Instruction::Trunc:
  case llvm::Instruction::ZExt: // (from a narrower integer)
  case llvm::Instruction::Select:
    return true;
  default:
    return false;
  }
}

/// The range of the 32-bit form of `user`'s operand `index`.
llvm::ConstantRange NarrowArithmetic::rangeOf(llvm::Instruction *user, unsigned index) {
  llvm::Value *value = user->getOperand(index);
  if (auto *inst = llvm::dyn_cast<llvm::Instruction>(value)) {
    auto it = promoted.find(inst);
    if (it != promoted.end())
      return it->second.range;
  }
  if (auto *constant = llvm::dyn_cast<llvm::ConstantInt>(value))
    return llvm::ConstantRange(constant->getValue().zextOrTrunc(32));
  auto it = leafRanges.find({user, index});
  llvm::ConstantRange range = it != leafRanges.end()
                                  ? it->second
                                  : llvm::ConstantRange::getFull(widthOf(value));
  return widthOf(value) >= 32 ? range.truncate(32) : range.zeroExtend(32);
}

/// The same of its exact form (see `exact`).
llvm::ConstantRange NarrowArithmetic::exactRangeOf(llvm::Instruction *user, unsigned index) {
  llvm::ConstantRange range = rangeOf(user, index);
  llvm::ConstantRange width = below(widthOf(user->getOperand(index)));
  return width.contains(range) ? range : width;
}

/// The 32-bit form of `user`'s operand `index`: its promoted form, a
/// constant, the 32 low bits of the wider value a truncation reads, or the
/// zero extension of a narrow value computed otherwise.
NarrowArithmetic::Wide NarrowArithmetic::operand(llvm::Instruction *user, unsigned index) {
  llvm::Value *value = user->getOperand(index);
  if (auto *inst = llvm::dyn_cast<llvm::Instruction>(value)) {
    auto it = promoted.find(inst);
    if (it != promoted.end())
      return it->second;
  }
  llvm::IRBuilder<> b(user);
  return {b.CreateZExtOrTrunc(value, i32), rangeOf(user, index)};
}

/// `narrow`'s promoted form, masked to its width unless its range shows
/// that it already is the zero extension: made once, after the form. A
/// truncation of a wider value is masked as the zero extension of the
/// truncation, the form LLVM's optimizer leaves: given an `and` of the 32
/// low bits instead, LLVM's loop strength reduction (which runs after this
/// fix-up) took the staged convolutions' tap indices apart into more
/// induction variables, and ptxas spilled.
llvm::Value *NarrowArithmetic::exactForm(llvm::Value *narrow) {
  const Wide &wide = promoted.find(llvm::cast<llvm::Instruction>(narrow))->second;
  unsigned bits = widthOf(narrow);
  if (below(bits).contains(wide.range))
    return wide.value;
  llvm::Value *&mask = masked[narrow];
  if (!mask) {
    auto *truncation = llvm::dyn_cast<llvm::TruncInst>(narrow);
    if (truncation && widthOf(truncation->getOperand(0)) >= 32) {
      llvm::IRBuilder<> b(truncation->getNextNode());
      mask = b.CreateZExt(truncation, i32);
    } else {
      // Before the narrow value, which every user of the mask follows (the
      // form may be a phi, an argument or a constant).
      llvm::IRBuilder<> b(llvm::cast<llvm::Instruction>(narrow));
      mask = b.CreateAnd(wide.value, b.getInt(llvm::APInt::getLowBitsSet(32, bits)));
    }
  }
  return mask;
}

/// `user`'s operand `index` as the zero extension of its value.
llvm::Value *NarrowArithmetic::exact(llvm::Instruction *user, unsigned index) {
  auto *inst = llvm::dyn_cast<llvm::Instruction>(user->getOperand(index));
  if (inst && promoted.count(inst))
    return exactForm(inst);
  // A constant, or a narrow value computed otherwise: zero-extended.
  return operand(user, index).value;
}

/// x - (x / y) * y, as LLVM's DivRemPairs expands a remainder whose
/// quotient is computed too: on exact x and y that is x % y, which the
/// ranges of its steps cannot show.
std::optional<NarrowArithmetic::Wide> NarrowArithmetic::remainder(llvm::BinaryOperator *sub,
                                                                  llvm::IRBuilder<> &b) {
  auto *product = llvm::dyn_cast<llvm::BinaryOperator>(sub->getOperand(1));
  if (!product || product->getOpcode() != llvm::Instruction::Mul)
    return std::nullopt;
  llvm::Value *x = sub->getOperand(0);
  for (unsigned side : {0u, 1u}) {
    auto *quotient = llvm::dyn_cast<llvm::BinaryOperator>(product->getOperand(side));
    llvm::Value *y = product->getOperand(1 - side);
    if (!quotient || quotient->getOpcode() != llvm::Instruction::UDiv ||
        quotient->getOperand(0) != x || quotient->getOperand(1) != y ||
        !promoted.count(quotient) || !promoted.count(product))
      continue;
    // The product's form multiplies the quotient's by y's form: exact
    // when y's is.
    llvm::ConstantRange rangeY = rangeOf(product, 1 - side);
    if (!below(widthOf(y)).contains(rangeY))
      return std::nullopt;
    llvm::Value *value =
        b.CreateSub(exact(sub, 0), promoted.find(product)->second.value, sub->getName());
    return Wide{value, exactRangeOf(sub, 0).urem(rangeY)};
  }
  return std::nullopt;
}

/// x / y or x % y of 32-bit values, x in `range`. Where y is a constant d
/// (no power of two) and the range shows that one multiply-high by
/// m = ceil(2^32 / d) is exact (x * (m * d - 2^32) < 2^32 for the largest
/// x), that is the quotient: instruction selection, which does not know the
/// range, takes a multiply-high and a shift (by 3), or four instructions
/// more (by 7).
llvm::Value *NarrowArithmetic::divide(llvm::IRBuilder<> &b, llvm::Instruction::BinaryOps opcode,
                                      llvm::Value *x, const llvm::ConstantRange &range,
                                      llvm::Value *y, const llvm::Twine &name) {
  auto *divisor = llvm::dyn_cast<llvm::ConstantInt>(y);
  if (!divisor || divisor->getValue().ult(3) || divisor->getValue().isPowerOf2())
    return b.CreateBinOp(opcode, x, y, name);
  uint64_t d = divisor->getZExtValue();
  uint64_t m = ((uint64_t(1) << 32) + d - 1) / d;
  uint64_t error = m * d - (uint64_t(1) << 32);
  if (range.getUnsignedMax().getZExtValue() * error >= (uint64_t(1) << 32))
    return b.CreateBinOp(opcode, x, y, name);
  // NVVM's multiply-high: as a 64-bit product's high half, instruction
  // selection made a 64-bit multiply of a quotient divided again.
  llvm::Value *quotient =
      b.CreateIntrinsic(i32, llvm::Intrinsic::nvvm_mulhi_ui, {x, b.getInt32(uint32_t(m))});
  if (opcode == llvm::Instruction::UDiv)
    return quotient;
  return b.CreateSub(x, b.CreateMul(quotient, y), name);
}

/// `inst`'s 32-bit form, before it.
NarrowArithmetic::Wide NarrowArithmetic::promote(llvm::Instruction *inst) {
  llvm::IRBuilder<> b(inst);
  unsigned bits = widthOf(inst);
  auto opcode = static_cast<llvm::Instruction::BinaryOps>(inst->getOpcode());
  switch (inst->getOpcode()) {
  case llvm::Instruction::Trunc:
    // A truncation's low bits are its source's; a narrow source's form is
    // the form.
    return operand(inst, 0);
  case llvm::Instruction::Freeze: {
    // A frozen poison is any value: the range (which no-wrap flags may
    // have narrowed) holds only where the narrow value cannot be poison.
    Wide source = operand(inst, 0);
    if (!llvm::isGuaranteedNotToBeUndefOrPoison(inst->getOperand(0)))
      source.range = llvm::ConstantRange::getFull(32);
    source.value = b.CreateFreeze(source.value, inst->getName());
    return source;
  }
  case llvm::Instruction::ZExt: {
    return {exact(inst, 0), exactRangeOf(inst, 0)};
  }
  case llvm::Instruction::Select: {
    Wide t = operand(inst, 1), f = operand(inst, 2);
    return {b.CreateSelect(inst->getOperand(0), t.value, f.value, inst->getName()),
            t.range.unionWith(f.range)};
  }
  case llvm::Instruction::Sub:
    if (auto wide = remainder(llvm::cast<llvm::BinaryOperator>(inst), b))
      return *wide;
    [[fallthrough]];
  case llvm::Instruction::Add:
  case llvm::Instruction::Mul:
  case llvm::Instruction::And:
  case llvm::Instruction::Or:
  case llvm::Instruction::Xor: {
    // Low bits of sums, differences, products and bitwise operations come
    // from the operands' low bits only.
    Wide lhs = operand(inst, 0), rhs = operand(inst, 1);
    llvm::ConstantRange range = lhs.range.binaryOp(opcode, rhs.range);
    // Without unsigned wrap on exact operands, the 32-bit result is the
    // narrow one.
    if (llvm::isa<llvm::OverflowingBinaryOperator>(inst) && inst->hasNoUnsignedWrap() &&
        below(bits).contains(lhs.range) && below(bits).contains(rhs.range))
      range = range.intersectWith(below(bits));
    return {b.CreateBinOp(opcode, lhs.value, rhs.value, inst->getName()), range};
  }
  case llvm::Instruction::Shl: {
    Wide lhs = operand(inst, 0);
    llvm::Value *amount = exact(inst, 1);
    llvm::ConstantRange range = lhs.range.shl(exactRangeOf(inst, 1));
    if (inst->hasNoUnsignedWrap() && below(bits).contains(lhs.range))
      range = range.intersectWith(below(bits));
    return {b.CreateShl(lhs.value, amount, inst->getName()), range};
  }
  default: {
    // Shifts right, divisions and remainders read whole values.
    llvm::Value *lhs = exact(inst, 0);
    llvm::Value *rhs = exact(inst, 1);
    llvm::ConstantRange range = exactRangeOf(inst, 0).binaryOp(opcode, exactRangeOf(inst, 1));
    if (opcode == llvm::Instruction::LShr)
      return {b.CreateLShr(lhs, rhs, inst->getName()), range};
    return {divide(b, opcode, lhs, exactRangeOf(inst, 0), rhs, inst->getName()), range};
  }
  }
}

/// Points `inst`'s users that are not promoted at its 32-bit form: zero extensions to 32
/// bits or more and unsigned comparisons read the exact form, the rest a
/// truncation of the form.
void NarrowArithmetic::replaceUses(llvm::Instruction *inst) {
  llvm::Value *narrow = nullptr;
  for (llvm::Use &use : llvm::make_early_inc_range(inst->uses())) {
    auto *user = llvm::cast<llvm::Instruction>(use.getUser());
    if (promoted.count(user) || masked.lookup(inst) == user)
      continue;
    llvm::IRBuilder<> b(user);
    if (llvm::isa<llvm::ZExtInst>(user) && widthOf(user) >= 32) {
      user->replaceAllUsesWith(b.CreateZExtOrTrunc(exactForm(inst), user->getType()));
      dead.push_back(user);
      continue;
    }
    auto *compare = llvm::dyn_cast<llvm::ICmpInst>(user);
    if (compare && !compare->isSigned()) {
      // A comparison of two promoted values is replaced at its first.
      if (!replaced.insert(compare).second)
        continue;
      unsigned other = 1 - use.getOperandNo();
      llvm::Value *operands[2];
      operands[use.getOperandNo()] = exactForm(inst);
      operands[other] = exact(compare, other);
      compare->replaceAllUsesWith(
          b.CreateICmp(compare->getPredicate(), operands[0], operands[1], compare->getName()));
      dead.push_back(compare);
      continue;
    }
    if (!narrow) {
      b.SetInsertPoint(inst);
      narrow = b.CreateTrunc(promoted.find(inst)->second.value, inst->getType());
    }
    use.set(narrow);
  }
}

unsigned NarrowArithmetic::run() {
  // In reverse post-order, every instruction's operands come before it.
  llvm::SmallVector<llvm::Instruction *> order;
  llvm::DenseSet<llvm::Instruction *> candidates;
  for (llvm::BasicBlock *block : llvm::ReversePostOrderTraversal<llvm::Function *>(&function))
    for (llvm::Instruction &inst : *block)
      if (isPromotable(inst)) {
        order.push_back(&inst);
        candidates.insert(&inst);
      }
  if (order.empty())
    return 0;
  // Operands not promoted, as LazyValueInfo bounds them at their users.
  auto record = [&](llvm::Instruction *user, unsigned index) {
    llvm::Value *value = user->getOperand(index);
    auto *inst = llvm::dyn_cast<llvm::Instruction>(value);
    if ((inst && candidates.count(inst)) || llvm::isa<llvm::Constant>(value) ||
        !value->getType()->isIntegerTy())
      return;
    leafRanges.try_emplace({user, index},
                           lvi.getConstantRange(value, user, /*UndefAllowed=*/false));
  };
  for (llvm::Instruction *inst : order)
    for (unsigned index = 0; index < inst->getNumOperands(); ++index)
      record(inst, index);
  for (llvm::Instruction *inst : order)
    promoted.insert({inst, promote(inst)});
  for (llvm::Instruction *inst : order) {
    replaceUses(inst);
    dead.push_back(inst);
    // (A form no user read, such as a truncation of a wider value whose
    // users read its mask, goes too.)
    if (auto *form = llvm::dyn_cast<llvm::Instruction>(promoted.find(inst)->second.value))
      dead.push_back(form);
  }
  llvm::RecursivelyDeleteTriviallyDeadInstructionsPermissive(dead);
  return order.size();
}

} // namespace

unsigned widenNarrowArithmetic(llvm::Module &module) {
  // Integer range analysis (LazyValueInfo) and what it needs.
  llvm::PassBuilder builder;
  llvm::FunctionAnalysisManager analyses;
  builder.registerFunctionAnalyses(analyses);
  unsigned count = 0;
  for (llvm::Function &function : module) {
    if (function.isDeclaration())
      continue;
    llvm::LazyValueInfo &lvi = analyses.getResult<llvm::LazyValueAnalysis>(function);
    count += NarrowArithmetic(function, lvi).run();
    analyses.clear(function, function.getName());
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
    auto fixUp = [](llvm::Module &module) { widenNarrowArithmetic(module); };
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

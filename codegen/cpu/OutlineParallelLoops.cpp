//===- OutlineParallelLoops.cpp - scf.forall to runtime parallel_for ------===//
//
// The runtime's thread pool runs plain C callbacks, so each parallel loop is
// outlined into `void task(void *ctx, int64_t begin, int64_t end)` over its
// linearized iteration space. Values the body uses are packed into a struct
// on the caller's stack (memrefs as their LLVM descriptors, weights
// included); constants are re-created inside the task instead, so LLVM can
// still fold them.
//
// A loop marked kiln.descending runs its iterations from the back, and its
// inner loops marked so backwards too, when a call is handed all of them
// (one thread).
//
// Tasks that come out identical (the layers of a transformer or of a
// convnet stage with the same shapes, which differ only in the buffers
// they are handed) are kept once: every call site hands the one copy its
// own context. LLVM then optimizes and emits each distinct kernel once.
//
//===----------------------------------------------------------------------===//

#include "codegen/NodeName.h"
#include "codegen/cpu/ForallUtils.h"
#include "codegen/cpu/MemRefDescriptors.h"
#include "codegen/cpu/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_OUTLINEPARALLELLOOPS
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace kiln::cpu {
namespace {

constexpr llvm::StringLiteral kParallelForName = "kiln_rt_parallel_for";

FunctionType taskType(MLIRContext *ctx) {
  Builder b(ctx);
  return b.getFunctionType({LLVM::LLVMPointerType::get(ctx), b.getI64Type(), b.getI64Type()},
                           {});
}

/// Declares `void kiln_rt_parallel_for(int64_t n, task fn, void *ctx)`.
func::FuncOp declareParallelFor(ModuleOp module) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(kParallelForName))
    return existing;
  MLIRContext *ctx = module.getContext();
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto type = b.getFunctionType(
      {b.getI64Type(), taskType(ctx), LLVM::LLVMPointerType::get(ctx)}, {});
  auto decl = func::FuncOp::create(b, module.getLoc(), kParallelForName, type);
  decl.setPrivate();
  return decl;
}

/// Values defined outside the loop that can be re-created inside the task
/// rather than captured. Globals (weights) are captured like other buffers,
/// so that tasks differing only in their weights are the same task.
bool isRematerializable(Value v) {
  Operation *def = v.getDefiningOp();
  return def && !llvm::isa<memref::GetGlobalOp>(def) && matchPattern(def, m_Constant());
}

/// The name of the model node `loc` points at (the importers' NameLoc), as
/// the rest of a C identifier ("/layer1/0/conv1/Conv" -> "_layer1_0_conv1_
/// Conv"); empty when there is none.
std::string nodeSuffix(Location loc) {
  std::string name = nodeNameOf(loc).value_or("").str();
  if (name.empty())
    return name;
  for (char &ch : name)
    if (!llvm::isAlnum(ch))
      ch = '_';
  return "_" + name;
}

/// Makes `loop` run its iterations last to first when `condition` holds:
/// its induction variable i becomes first + last - i in the body, where
/// first and last are its first and last values. A loop without static
/// bounds or with results is left as it is (kiln-alternate-panel-order
/// marks only loops without either).
void reverseWhen(scf::ForOp loop, Value condition) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!lb || !ub || !step || *step <= 0 || *ub <= *lb || loop.getNumResults())
    return;
  int64_t last = *lb + (*ub - *lb - 1) / *step * *step;
  OpBuilder b = OpBuilder::atBlockBegin(loop.getBody());
  Location loc = loop.getLoc();
  Value iv = loop.getInductionVar();
  Value sum = arith::ConstantIndexOp::create(b, loc, *lb + last);
  Value reversed = arith::SubIOp::create(b, loc, sum, iv);
  auto chosen = arith::SelectOp::create(b, loc, condition, reversed, iv);
  iv.replaceUsesWithIf(chosen.getResult(), [&](OpOperand &use) {
    return use.getOwner() != reversed.getDefiningOp() && use.getOwner() != chosen;
  });
}

/// Outlines `loop` into a new task function, which it returns.
FailureOr<func::FuncOp> outline(scf::ForallOp loop, func::FuncOp parent, unsigned index,
                                func::FuncOp parallelFor, bool nodeNames) {
  MLIRContext *ctx = loop.getContext();
  Location loc = loop.getLoc();
  if (!loop.getOutputs().empty())
    return loop.emitError("internal error: parallel loop still has tensor outputs");
  FailureOr<StaticForallBounds> bounds = getStaticBounds(loop);
  if (failed(bounds))
    return loop.emitError("internal error: parallel loop bounds are not static");

  // Split what the body uses into captured values and cheap re-creations.
  llvm::SetVector<Value> used;
  getUsedValuesDefinedAbove(loop.getRegion(), used);
  SmallVector<Value> captured, rematerialized;
  for (Value v : used)
    (isRematerializable(v) ? rematerialized : captured).push_back(v);
  SmallVector<Type> fieldTypes =
      llvm::map_to_vector(captured, [](Value v) { return loweredType(v.getType()); });
  auto contextType = LLVM::LLVMStructType::getLiteral(ctx, fieldTypes);
  auto ptrType = LLVM::LLVMPointerType::get(ctx);

  // The task: unpack the context, loop over [begin, end), run the body.
  OpBuilder b(ctx);
  b.setInsertionPointAfter(parent);
  std::string name = (parent.getName() + "_task" + Twine(index)).str();
  if (nodeNames)
    name += nodeSuffix(loc);
  auto task = func::FuncOp::create(b, loc, name, taskType(ctx));
  task.setPrivate();
  Block *entry = task.addEntryBlock();
  b.setInsertionPointToStart(entry);
  IRMapping mapping;
  if (!captured.empty()) {
    Value packed = LLVM::LoadOp::create(b, loc, contextType, entry->getArgument(0));
    for (auto [i, v] : llvm::enumerate(captured)) {
      Value field = LLVM::ExtractValueOp::create(b, loc, packed, ArrayRef<int64_t>{(int64_t)i});
      mapping.map(v, fromLowered(b, loc, field, v.getType()));
    }
  }
  for (Value v : rematerialized)
    mapping.map(v, b.clone(*v.getDefiningOp())->getResult(0));
  Value begin = arith::IndexCastOp::create(b, loc, b.getIndexType(), entry->getArgument(1));
  Value end = arith::IndexCastOp::create(b, loc, b.getIndexType(), entry->getArgument(2));
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto forOp = scf::ForOp::create(b, loc, begin, end, one);
  b.setInsertionPointToStart(forOp.getBody());
  // A descending loop (kiln-alternate-panel-order) that is handed all of
  // its iterations at once (one thread) runs iteration total - 1 - i at
  // step i, and its marked inner loops backwards too (reverseWhen).
  Value iteration = forOp.getInductionVar();
  Value whole;
  if (loop->hasAttr(kDescendingAttr)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forOp);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value total = arith::ConstantIndexOp::create(b, loc, bounds->total);
    whole = arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, begin, zero),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, end, total));
    b.setInsertionPointToStart(forOp.getBody());
    Value last = arith::ConstantIndexOp::create(b, loc, bounds->total - 1);
    iteration = arith::SelectOp::create(
        b, loc, whole, arith::SubIOp::create(b, loc, last, iteration), iteration);
  }
  SmallVector<Value> ivs = delinearizeIteration(b, loc, iteration, *bounds);
  for (auto [iv, value] : llvm::zip(loop.getInductionVars(), ivs))
    mapping.map(iv, value);
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, mapping);
  if (whole)
    forOp.getBody()->walk([&](scf::ForOp inner) {
      if (inner->removeAttr(kDescendingAttr))
        reverseWhen(inner, whole);
    });
  // The forall body is an allocation scope, the task's loop is not: stack
  // buffers of each iteration (per-block memory of emulated GPU kernels)
  // are allocated once per task instead of piling up over its iterations.
  // Iterations in a task run one after another, so they can share them.
  for (auto alloca : llvm::make_early_inc_range(forOp.getBody()->getOps<memref::AllocaOp>()))
    if (llvm::all_of(alloca->getOperands(),
                     [&](Value v) { return forOp.isDefinedOutsideOfLoop(v); }))
      alloca->moveBefore(forOp);
  b.setInsertionPointToEnd(entry);
  func::ReturnOp::create(b, loc);

  // The call site: pack the context on the stack and hand it to the pool.
  b.setInsertionPoint(loop);
  Value contextPtr;
  if (captured.empty()) {
    contextPtr = LLVM::ZeroOp::create(b, loc, ptrType);
  } else {
    {
      // The slot is allocated once at function entry so loops around the
      // call do not grow the stack. It is aligned as its type wants (a
      // captured vector<8xf32> wants 32 bytes, and the store and the
      // task's load assume it: an alloca of 16 made their aligned vector
      // moves fault on a stack that is 16 bytes but not 32 aligned).
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&parent.getBody().front());
      Value oneSlot =
          LLVM::ConstantOp::create(b, loc, b.getI64Type(), b.getI64IntegerAttr(1));
      uint64_t alignment = std::max<uint64_t>(
          16, DataLayout::closest(parent).getTypePreferredAlignment(contextType));
      contextPtr = LLVM::AllocaOp::create(b, loc, ptrType, contextType, oneSlot, alignment);
    }
    Value packed = LLVM::UndefOp::create(b, loc, contextType);
    for (auto [i, v] : llvm::enumerate(captured))
      packed = LLVM::InsertValueOp::create(b, loc, packed, toLowered(b, loc, v),
                                           ArrayRef<int64_t>{(int64_t)i});
    LLVM::StoreOp::create(b, loc, packed, contextPtr);
  }
  Value fn = func::ConstantOp::create(b, loc, taskType(ctx), SymbolRefAttr::get(task));
  Value n = LLVM::ConstantOp::create(b, loc, b.getI64Type(), b.getI64IntegerAttr(bounds->total));
  func::CallOp::create(b, loc, parallelFor, ValueRange{n, fn, contextPtr});
  loop.erase();
  return task;
}

/// A hash of `task`'s body that equivalent bodies share: operation names,
/// attributes and result types in walk order.
llvm::hash_code structuralHash(func::FuncOp task) {
  llvm::hash_code hash = llvm::hash_value(0);
  task.getBody().walk([&](Operation *op) {
    hash = llvm::hash_combine(hash, op->getName(), op->getRawDictionaryAttrs(),
                              op->getNumOperands(), op->getNumRegions());
    for (Type type : op->getResultTypes())
      hash = llvm::hash_combine(hash, type);
  });
  return hash;
}

/// Keeps one of each set of equivalent tasks, pointing the call sites of the
/// others at it. Returns how many were removed.
unsigned mergeEquivalentTasks(ModuleOp module, ArrayRef<func::FuncOp> tasks) {
  llvm::DenseMap<llvm::hash_code, SmallVector<func::FuncOp, 1>> kept;
  llvm::DenseMap<StringAttr, func::FuncOp> replacement;
  for (func::FuncOp task : tasks) {
    SmallVector<func::FuncOp, 1> &candidates = kept[structuralHash(task)];
    auto same = llvm::find_if(candidates, [&](func::FuncOp other) {
      return OperationEquivalence::isRegionEquivalentTo(&task.getBody(), &other.getBody(),
                                                       OperationEquivalence::IgnoreLocations);
    });
    if (same == candidates.end())
      candidates.push_back(task);
    else
      replacement[task.getSymNameAttr()] = *same;
  }
  if (replacement.empty())
    return 0;
  module.walk([&](func::ConstantOp ref) {
    auto it = replacement.find(ref.getValueAttr().getRootReference());
    if (it != replacement.end())
      ref.setValueAttr(SymbolRefAttr::get(it->second));
  });
  for (auto &entry : replacement)
    module.lookupSymbol<func::FuncOp>(entry.first).erase();
  return replacement.size();
}

struct OutlineParallelLoopsPass
    : impl::OutlineParallelLoopsBase<OutlineParallelLoopsPass> {
  using OutlineParallelLoopsBase::OutlineParallelLoopsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<scf::ForallOp, func::FuncOp>> loops;
    module.walk([&](scf::ForallOp loop) {
      if (!loop->getParentOfType<scf::ForallOp>())
        loops.push_back({loop, loop->getParentOfType<func::FuncOp>()});
    });
    if (loops.empty())
      return;
    func::FuncOp parallelFor = declareParallelFor(module);
    unsigned index = 0;
    SmallVector<func::FuncOp> tasks;
    for (auto [loop, parent] : loops) {
      FailureOr<func::FuncOp> task = outline(loop, parent, index++, parallelFor, nodeNames);
      if (failed(task))
        return signalPassFailure();
      tasks.push_back(*task);
    }
    if (!nodeNames)
      mergeEquivalentTasks(module, tasks);
  }
};

} // namespace
} // namespace kiln::cpu

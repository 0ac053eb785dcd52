//===- AlternatePanelOrder.cpp - Successive reads of weights in turns -----===//
//
// A recurrent layer's steps are one-row products of the state by the same
// recurrent weights, one after the other: an LSTM of hidden 256 reads its
// 1 MiB of packed panels ([N/32, K, 32]) once per step, 50 or more times a
// run. Each weight is used by one multiply-add, so a step is bound by where
// the panels come from. When they are about as large as a core's L2 (1 MiB
// on the Zen hosts), walking them in the same order every step evicts each
// panel just before it is needed again (least recently used goes first):
// every step reads all of them from L3. Walking them in alternate
// directions, the first panels a step reads are the ones the step before
// read last, still in L2: `bench/peak/row_product.c --k 256 --n 1024
// --dirs 1 --steps 50 --snake` (its line without prefetch, "none") took
// 4.8-5.2 us a step against 5.9-6.6 in one direction on a Zen 5 host
// (docs/performance.md, thirty-third round).
//
// So, in program order, every second one-row product of each constant
// panel buffer (memref.get_global), counted apart by the shapes of its
// loops (a step whose panels take a loop of whole tasks and one for the
// remainder alternates each; the second step then starts on the whole
// tasks, so only part of the reuse is had there), is marked to walk its
// panels backwards:
// its parallel loop and the loop over the panels inside each iteration get
// kDescendingAttr. kiln-outline-parallel-loops then makes the task run
// both loops from the back when a call is handed all of the loop's
// iterations (one thread, or a pool busy with another loop), and in order
// otherwise. With several threads each thread reads its own share of the
// panels every step, which fits its L2 (lstm at 2 threads: 512 KiB a
// core); reversed within a share, lstm at 2 threads took 1.13-1.31 of the
// time (`bench/ab.py` medians, the fastest runs 1.00-1.13), so there the
// order stays as it was.
//
// A one-row product here is a top-level scf.forall whose body is a loop
// over panels (no results, static bounds) holding the K loop that reads
// rank-3 [J, K, kPackedPanelWidth] panels of one global, the read's panel
// index computed from the panel loop's induction variable: the form
// kiln-tile-and-vectorize gives a product of one row by packed constant
// weights, whose panel loop writes, in each iteration, only memory placed
// by its induction variable (its own panels of the result; writesOwnPanels).
// Its iterations are then independent, so any order computes the same
// values.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/ForallUtils.h"
#include "codegen/cpu/Passes.h"
#include "codegen/cpu/TilingStrategy.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_ALTERNATEPANELORDER
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace kiln::cpu {
namespace {

/// A one-row product's panel loop and the global its panels are read from.
struct RowProduct {
  scf::ForOp panelLoop;
  StringRef global;
};

/// Whether the place an access of `buffer` at `indices` reaches depends on
/// `iv`: one of the indices, or an offset of a subview `buffer` is taken
/// through, is computed from it.
bool placedBy(Value buffer, ValueRange indices, Value iv) {
  if (llvm::any_of(indices, [&](Value index) { return derivesFrom(index, iv); }))
    return true;
  auto subview = buffer.getDefiningOp<memref::SubViewOp>();
  return subview && placedBy(subview.getSource(), subview.getOffsets(), iv);
}

/// Whether each iteration of `panelLoop` writes memory of its own: every op
/// in it that writes is a vector.transfer_write placed by the loop's
/// induction variable (its panel of the result). Other writes (to one
/// place for every panel, or by ops of unknown effects) could make the
/// iterations' order matter.
bool writesOwnPanels(scf::ForOp panelLoop) {
  Value iv = panelLoop.getInductionVar();
  WalkResult result = panelLoop.getBody()->walk([&](Operation *op) {
    if (auto write = llvm::dyn_cast<vector::TransferWriteOp>(op))
      return placedBy(write.getBase(), write.getIndices(), iv) ? WalkResult::advance()
                                                               : WalkResult::interrupt();
    if (isMemoryEffectFree(op) || llvm::isa<vector::TransferReadOp, memref::LoadOp>(op) ||
        op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return WalkResult::advance();
    return WalkResult::interrupt();
  });
  return !result.wasInterrupted();
}

/// `loop` as a one-row product of packed constant panels (see the file
/// comment), or nothing.
std::optional<RowProduct> matchRowProduct(scf::ForallOp loop) {
  std::optional<RowProduct> match;
  bool other = false;
  loop.getBody()->walk([&](vector::TransferReadOp read) {
    auto global = read.getBase().getDefiningOp<memref::GetGlobalOp>();
    auto type = llvm::dyn_cast<MemRefType>(read.getBase().getType());
    if (!global || !type || type.getRank() != 3 || !type.hasStaticShape() ||
        type.getDimSize(2) != kPackedPanelWidth)
      return;
    auto kLoop = llvm::dyn_cast<scf::ForOp>(read->getParentOp());
    auto panelLoop = kLoop ? llvm::dyn_cast<scf::ForOp>(kLoop->getParentOp()) : nullptr;
    if (!panelLoop || panelLoop->getParentOp() != loop.getOperation() ||
        panelLoop.getNumResults() != 0 ||
        !derivesFrom(read.getIndices()[0], panelLoop.getInductionVar()) ||
        !derivesFrom(read.getIndices()[1], kLoop.getInductionVar()) ||
        (match && (match->panelLoop != panelLoop || match->global != global.getName()))) {
      other = true;
      return;
    }
    match = RowProduct{panelLoop, global.getName()};
  });
  if (other || !match)
    return std::nullopt;
  std::optional<int64_t> lb = getConstantIntValue(match->panelLoop.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(match->panelLoop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(match->panelLoop.getStep());
  if (!lb || !ub || !step || *step <= 0 || *ub <= *lb || (*ub - *lb) % *step != 0 ||
      !writesOwnPanels(match->panelLoop))
    return std::nullopt;
  return match;
}

struct AlternatePanelOrderPass : impl::AlternatePanelOrderBase<AlternatePanelOrderPass> {
  void runOnOperation() override {
    // Products counted apart by global and by the loops' bounds: a step
    // whose panels take two loops (whole tasks and a remainder) alternates
    // each of them.
    llvm::StringMap<int64_t> uses;
    getOperation().walk([&](scf::ForallOp loop) {
      if (loop->getParentOfType<scf::ForallOp>())
        return;
      std::optional<RowProduct> product = matchRowProduct(loop);
      FailureOr<StaticForallBounds> bounds = getStaticBounds(loop);
      if (!product || failed(bounds))
        return;
      std::string key = product->global.str();
      for (ArrayRef<int64_t> values : {ArrayRef<int64_t>(bounds->lowerBounds),
                                       ArrayRef<int64_t>(bounds->steps),
                                       ArrayRef<int64_t>(bounds->counts)})
        for (int64_t value : values)
          key += " " + std::to_string(value);
      for (Value bound : {product->panelLoop.getLowerBound(), product->panelLoop.getUpperBound()})
        key += " " + std::to_string(*getConstantIntValue(bound));
      if (uses[key]++ % 2 == 0)
        return;
      loop->setAttr(kDescendingAttr, UnitAttr::get(loop.getContext()));
      product->panelLoop->setAttr(kDescendingAttr, UnitAttr::get(loop.getContext()));
    });
  }
};

} // namespace
} // namespace kiln::cpu

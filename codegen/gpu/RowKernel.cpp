//===- RowKernel.cpp - Normalizations computed a warp per row -------------===//
//
// RowKernel.h describes the groups; this file finds them on tensors and
// builds their kernels on buffers.
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/RowKernel.h"

#include "codegen/cpu/ForallUtils.h"
#include "codegen/gpu/BlockReduction.h"
#include "codegen/gpu/StagedMatmul.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include "llvm/ADT/MapVector.h"

using namespace mlir;

namespace kiln::gpu {
namespace {

/// The group number markRowGroups gives each op of a group.
constexpr llvm::StringLiteral kRowGroupAttr = "kiln.row_group";

/// What an op of a group computes: an element for each row element (a row
/// op), a value for each row (an elementwise op over the rows, or a
/// reduction's total), or a reduction's start (its fill).
enum class RowKind { Row, Scalar, Reduce, Start };

/// The rows of a group, in row-major order of the loops of its ops other
/// than the last (a row op's, a reduction's) or of all of them (a row's
/// value's), and the row's length: the last loop of a row op or reduction.
/// The ops' loops may differ (a LayerNorm's [1, 32, 128] sum, its mean
/// over [1, 32, 1], a row op over [32, 128]) as long as they count the
/// rows in that order.
struct RowSpace {
  int64_t rows = 0, length = 0;
};

/// The rows and row of a reduction's loop `ranges` (the row last).
RowSpace spaceOf(ArrayRef<int64_t> ranges) {
  return {ShapedType::getNumElements(ranges.drop_back()), ranges.back()};
}

/// `indices` of a row-major array of `shape` as one linear index, with the
/// dimensions of loops that have one iteration (`ranges`) set to 0.
AffineExpr linearIndex(MLIRContext *ctx, ArrayRef<int64_t> shape, ArrayRef<AffineExpr> indices,
                       ArrayRef<int64_t> ranges) {
  AffineExpr linear = linearizeIndices(ctx, indices, shape);
  SmallVector<AffineExpr> dims;
  for (auto [d, range] : llvm::enumerate(ranges))
    dims.push_back(range == 1 ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(d, ctx));
  return simplifyAffineExpr(linear.replaceDims(dims), ranges.size(), 0);
}

/// Whether `map` (from loops of `ranges`) reads the array of `shape` at
/// linear index `expected` (an affine expression of those loops).
bool readsAt(AffineMap map, ArrayRef<int64_t> shape, ArrayRef<int64_t> ranges,
             AffineExpr expected) {
  return map.getNumResults() == shape.size() &&
         linearIndex(map.getContext(), shape, map.getResults(), ranges) ==
             simplifyAffineExpr(expected, ranges.size(), 0);
}

/// The linear row index of the loops of an op of kind `kind` over `ranges`:
/// its loops but the last (a row op, a reduction), or all of them.
AffineExpr rowIndex(MLIRContext *ctx, RowKind kind, ArrayRef<int64_t> ranges) {
  size_t outer = kind == RowKind::Scalar ? ranges.size() : ranges.size() - 1;
  SmallVector<AffineExpr> dims;
  for (size_t d = 0; d < outer; ++d)
    dims.push_back(getAffineDimExpr(d, ctx));
  return linearIndex(ctx, ranges.take_front(outer), dims, ranges);
}

/// Whether `op` is a generic that writes its one output whole at an
/// identity map, without reading it.
bool writesWhole(linalg::LinalgOp op) {
  if (!llvm::isa<linalg::GenericOp>(op.getOperation()) || op.getNumDpsInits() != 1)
    return false;
  OpOperand *init = op.getDpsInitOperand(0);
  return op.getMatchingIndexingMap(init).isIdentity() && !op.payloadUsesValueFromOperand(init);
}

/// Whether `op`'s loops are a row op's or a reduction's over `space`:
/// the rows, then the row.
bool overRows(linalg::LinalgOp op, const RowSpace &space) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  return !ranges.empty() && ranges.back() == space.length &&
         ShapedType::getNumElements(ArrayRef<int64_t>(ranges).drop_back()) == space.rows;
}

/// The row reduction `op` is (RowKernel.h), if it is one.
std::optional<BlockReduction> rowReduction(linalg::LinalgOp op, const RowSpace &space) {
  if (!llvm::isa<linalg::GenericOp>(op.getOperation()) || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 1 ||
      op.getIteratorTypesArray().back() != utils::IteratorType::reduction ||
      !overRows(op, space))
    return std::nullopt;
  OpOperand *init = op.getDpsInitOperand(0);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (!readsAt(op.getMatchingIndexingMap(init), op.getShape(init), ranges,
               rowIndex(op.getContext(), RowKind::Reduce, ranges)))
    return std::nullopt;
  std::optional<BlockReduction> reduction = matchBlockReduction(op);
  if (!reduction || !isShuffleable(reduction->combiner->getResult(0).getType()))
    return std::nullopt;
  return reduction;
}

/// What `op` computes in a group over `space`, if it can be one of its
/// ops. (A fill is a start: where it is read is checked elsewhere.)
std::optional<RowKind> kindOf(linalg::LinalgOp op, const RowSpace &space) {
  if (auto fill = llvm::dyn_cast<linalg::FillOp>(op.getOperation()))
    return fill.value().getType() == getElementTypeOrSelf(fill.getOutputs()[0].getType()) &&
                   ShapedType::getNumElements(op.getShape(op.getDpsInitOperand(0))) == space.rows
               ? std::optional(RowKind::Start)
               : std::nullopt;
  if (op.getNumLoops() == op.getNumParallelLoops()) {
    if (!writesWhole(op))
      return std::nullopt;
    if (overRows(op, space))
      return RowKind::Row;
    if (ShapedType::getNumElements(op.getStaticLoopRanges()) == space.rows)
      return RowKind::Scalar;
    return std::nullopt;
  }
  if (rowReduction(op, space))
    return RowKind::Reduce;
  return std::nullopt;
}

/// Whether `op` (of kind `kind`) reads through `operand` (of `shape`) each
/// lane's own elements of a group value of kind `value`: a row op's
/// element (row, r) of its (row, r), a row's value of its row.
bool readsOwnElements(linalg::LinalgOp op, RowKind kind, OpOperand *operand,
                      ArrayRef<int64_t> shape, RowKind value) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  AffineExpr row = rowIndex(op.getContext(), kind, ranges);
  AffineExpr expected = row;
  if (value == RowKind::Row) {
    if (kind == RowKind::Scalar)
      return false;
    expected = row * ranges.back() + getAffineDimExpr(ranges.size() - 1, op.getContext());
  }
  return readsAt(op.getMatchingIndexingMap(operand), shape, ranges, expected);
}

/// The group number of `op`, or -1.
int64_t groupOf(Operation *op) {
  auto attr = op->getAttrOfType<IntegerAttr>(kRowGroupAttr);
  return attr ? attr.getInt() : -1;
}

/// Whether `op` reshapes a value without moving its elements (their
/// row-major order stays): what may lie between a group's values and
/// their readers.
bool isReshape(Operation *op) {
  return llvm::isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp, memref::ExpandShapeOp,
                   memref::CollapseShapeOp>(op);
}

} // namespace

bool isInRowGroup(Operation *op) { return op->hasAttr(kRowGroupAttr); }

int64_t markRowGroups(RewriterBase &rewriter, func::FuncOp func,
                      function_ref<bool(linalg::LinalgOp)> excluded) {
  SmallVector<linalg::LinalgOp> seeds;
  func.walk([&](linalg::LinalgOp op) {
    if (!op->getParentOfType<scf::ForallOp>() && op.hasPureTensorSemantics())
      seeds.push_back(op);
  });
  int64_t groups = 0;
  for (linalg::LinalgOp seed : seeds) {
    if (isInRowGroup(seed) || excluded(seed) || seed.getNumLoops() == 0)
      continue;
    SmallVector<int64_t> ranges = seed.getStaticLoopRanges();
    if (llvm::any_of(ranges, ShapedType::isDynamic) || ranges.back() < kMinRowLength ||
        ranges.back() > kMaxRowLength)
      continue;
    RowSpace space = spaceOf(ranges);
    if (!rowReduction(seed, space))
      continue;
    // The values the group computes (results, and reshapes of them) and
    // what they are, and its ops.
    llvm::DenseMap<Value, RowKind> values;
    SmallVector<Operation *> members;
    auto addReduction = [&](linalg::LinalgOp op) {
      auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
      if (!fill || !fill.hasPureTensorSemantics() || excluded(fill) || isInRowGroup(fill) ||
          !kindOf(fill, space))
        return false;
      // (A fill CSE shared between ops gets a copy of its own.)
      fill = giveOwnFill(rewriter, op).getDefiningOp<linalg::FillOp>();
      if (!fill || !op.getDpsInits()[0].hasOneUse())
        return false;
      members.push_back(fill);
      members.push_back(op);
      values[op->getResult(0)] = RowKind::Reduce;
      return true;
    };
    if (!addReduction(seed))
      continue;
    int64_t rowOps = 0, reductions = 1;
    auto usesGroup = [&](Operation *op) {
      return op
          ->walk([&](Operation *nested) {
            return llvm::any_of(nested->getOperands(),
                                [&](Value v) { return values.contains(v); })
                       ? WalkResult::interrupt()
                       : WalkResult::advance();
          })
          .wasInterrupted();
    };
    for (Operation *it = seed->getNextNode(); it; it = it->getNextNode()) {
      if (!usesGroup(it))
        continue;
      if (isReshape(it)) {
        values[it->getResult(0)] = values.lookup(it->getOperand(0));
        continue;
      }
      auto op = llvm::dyn_cast<linalg::LinalgOp>(it);
      if (!op || !op.hasPureTensorSemantics() || excluded(op) || isInRowGroup(op) ||
          op->getNumResults() != 1 || llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
        break;
      std::optional<RowKind> kind = kindOf(op, space);
      if (!kind || *kind == RowKind::Start || values.contains(op.getDpsInits()[0]))
        break;
      // Group values are read as inputs, each lane its own elements, not
      // captured by the body.
      bool fits = llvm::all_of(op.getDpsInputOperands(), [&](OpOperand *input) {
        auto found = values.find(input->get());
        return found == values.end() ||
               readsOwnElements(op, *kind, input, op.getShape(input), found->second);
      });
      for (Operation &bodyOp : *op.getBlock())
        fits &= !usesGroup(&bodyOp);
      if (!fits)
        break;
      if (*kind == RowKind::Reduce) {
        if (!addReduction(op))
          break;
        ++reductions;
        continue;
      }
      members.push_back(op);
      values[op->getResult(0)] = *kind;
      if (*kind == RowKind::Row)
        ++rowOps;
    }
    if (rowOps == 0 && reductions < 2)
      continue;
    auto mark = IntegerAttr::get(IntegerType::get(func.getContext(), 64), groups++);
    for (Operation *member : members)
      member->setAttr(kRowGroupAttr, mark);
  }
  return groups;
}

SmallVector<Operation *> buildRowKernel(RewriterBase &rewriter, linalg::LinalgOp op) {
  int64_t group = groupOf(op);
  SmallVector<linalg::LinalgOp> members;
  op->getParentOfType<func::FuncOp>().walk([&](linalg::LinalgOp member) {
    if (groupOf(member) == group)
      members.push_back(member);
  });
  auto giveUp = [&] {
    for (linalg::LinalgOp member : members)
      member->removeAttr(kRowGroupAttr);
    return SmallVector<Operation *>();
  };
  Block *block = op->getBlock();
  if (llvm::any_of(members, [&](linalg::LinalgOp member) {
        return member->getBlock() != block || !member.hasPureBufferSemantics();
      }))
    return giveUp();
  // (A walk visits one block's ops in order.)
  auto seed = llvm::find_if(members, [](linalg::LinalgOp member) {
    return member.getNumReductionLoops() > 0;
  });
  if (seed == members.end())
    return giveUp();
  RowSpace space = spaceOf(seed->getStaticLoopRanges());
  llvm::DenseSet<Operation *> inGroup;
  SmallVector<RowKind> kinds;
  SmallVector<BlockReduction> reductions(members.size());
  for (auto [i, member] : llvm::enumerate(members)) {
    std::optional<RowKind> kind = kindOf(member, space);
    if (!kind)
      return giveUp();
    if (*kind == RowKind::Reduce)
      reductions[i] = *rowReduction(member, space);
    kinds.push_back(*kind);
    inGroup.insert(member);
  }

  // The buffers the group writes: each an identity-layout buffer that the
  // group's ops name through reshapes only (the same linear order). Where
  // an op reads one that a group op before it wrote, it reads that op's
  // registers (its own elements); otherwise from memory, a row op's own
  // elements only, which no other lane writes.
  SmallVector<Value> written;
  for (linalg::LinalgOp member : members)
    written.push_back(rootBuffer(member.getDpsInits()[0]));
  auto throughReshapes = [](Value v) {
    Value root = rootBuffer(v);
    if (!llvm::cast<MemRefType>(root.getType()).getLayout().isIdentity())
      return false;
    for (; v != root; v = v.getDefiningOp()->getOperand(0))
      if (!isReshape(v.getDefiningOp()))
        return false;
    return true;
  };
  llvm::DenseMap<Value, RowKind> lastWriter;  // by root
  // (A buffer the group writes may not be read from above in a body.)
  for (linalg::LinalgOp member : members) {
    std::optional<SmallVector<Value>> captured = buffersReadFromAbove(member);
    if (!captured || llvm::any_of(*captured, [&](Value root) {
          return llvm::is_contained(written, root);
        }))
      return giveUp();
  }
  for (auto [member, kind] : llvm::zip(members, kinds)) {
    for (OpOperand &operand : member->getOpOperands()) {
      Value v = operand.get();
      if (!llvm::isa<MemRefType>(v.getType()) || !llvm::is_contained(written, rootBuffer(v)))
        continue;
      if (!throughReshapes(v))
        return giveUp();
      if (member.isDpsInit(&operand))
        continue;
      auto writer = lastWriter.find(rootBuffer(v));
      RowKind value = writer != lastWriter.end() ? writer->second : RowKind::Row;
      if (writer == lastWriter.end() && kind == RowKind::Scalar)
        return giveUp();
      if (!readsOwnElements(member, kind, &operand, member.getShape(&operand), value))
        return giveUp();
    }
    Value output = rootBuffer(member.getDpsInits()[0]);
    if (kind == RowKind::Reduce) {
      auto start = lastWriter.find(output);
      if (start == lastWriter.end() || start->second != RowKind::Start)
        return giveUp();
    }
    // (A start is never stored: its reduction must follow.)
    if (auto start = lastWriter.find(output);
        start != lastWriter.end() && start->second == RowKind::Start && kind != RowKind::Reduce)
      return giveUp();
    lastWriter[output] = kind;
  }
  if (llvm::any_of(lastWriter, [](auto &written) { return written.second == RowKind::Start; }))
    return giveUp();
  // The kernel runs where the group's last op was: an op between the
  // group's ops must not use a buffer a group op before it wrote, nor
  // write one a group op before it read.
  Operation *first = members.front(), *last = members.back();
  SmallVector<Value> writtenBefore, readBefore;
  for (Operation *it = first; it != last; it = it->getNextNode()) {
    auto member = llvm::dyn_cast<linalg::LinalgOp>(it);
    if (member && inGroup.contains(it)) {
      writtenBefore.push_back(rootBuffer(member.getDpsInits()[0]));
      for (Value input : member.getDpsInputs())
        if (llvm::isa<MemRefType>(input.getType()))
          readBefore.push_back(rootBuffer(input));
      llvm::append_range(readBefore, *buffersReadFromAbove(member));
      continue;
    }
    if (usesAny(it, writtenBefore) || mayWriteAny(it, readBefore))
      return giveUp();
  }
  // A value is stored where something after the group reads its buffer
  // (or the buffer is not the group's own allocation: a result), unless a
  // later group op writes the buffer again (a LayerNorm's centred values
  // written where its result goes).
  auto stored = [&](size_t index) {
    Value root = rootBuffer(members[index].getDpsInits()[0]);
    for (size_t later = index + 1; later < members.size(); ++later)
      if (kinds[later] != RowKind::Start &&
          rootBuffer(members[later].getDpsInits()[0]) == root)
        return false;
    return !root.getDefiningOp<memref::AllocOp>() ||
           !usesThroughViewsAre(root, [&](OpOperand &use) {
             return inGroup.contains(use.getOwner()) ||
                    llvm::isa<memref::DeallocOp>(use.getOwner());
           });
  };

  MLIRContext *ctx = op.getContext();
  Location loc = last->getLoc();
  rewriter.setInsertionPoint(last);
  OpBuilder &b = rewriter;
  auto constant = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  const int64_t rows = space.rows, length = space.length;
  // A warp per row, 8 rows a block; a longer row gets a block.
  const int64_t rowThreads = length > kMaxWarpRowLength ? kThreadsPerBlock : kWarpSize;
  const int64_t rowWarps = rowThreads / kWarpSize;
  const int64_t blockRows = std::min<int64_t>(kThreadsPerBlock / rowThreads, rows);
  auto blockLoop = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(llvm::divideCeil(rows, blockRows))},
      ValueRange{}, linearGpuMapping(ctx, 1, true));
  b.setInsertionPoint(blockLoop.getBody()->getTerminator());
  // Where a row has several warps, each reduction's warp totals go through
  // a workgroup buffer of its own (so one barrier a reduction).
  llvm::DenseMap<Operation *, Value> warpTotals;
  if (rowWarps > 1) {
    auto workgroup = mlir::gpu::AddressSpaceAttr::get(ctx, mlir::gpu::AddressSpace::Workgroup);
    for (auto [member, kind, reduction] : llvm::zip(members, kinds, reductions))
      if (kind == RowKind::Reduce)
        warpTotals[member] = memref::AllocOp::create(
            b, loc,
            MemRefType::get({rowWarps}, reduction.combiner->getResult(0).getType(),
                            MemRefLayoutAttrInterface(), workgroup));
  }
  auto threadLoop = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(blockRows * rowThreads)}, ValueRange{},
      linearGpuMapping(ctx, 1, false));
  b.setInsertionPoint(threadLoop.getBody()->getTerminator());
  Value tid = threadLoop.getInductionVars()[0];
  Value position = arith::RemUIOp::create(b, loc, tid, constant(rowThreads));
  Value lane = arith::RemUIOp::create(b, loc, tid, constant(kWarpSize));
  Value row = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, blockLoop.getInductionVars()[0], constant(blockRows)),
      arith::DivUIOp::create(b, loc, tid, constant(rowThreads)));
  // Rows past the end (the last block's) compute the last row's values
  // and store nothing.
  Value isRow = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
  if (rows % blockRows != 0) {
    isRow = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, constant(rows));
    row = arith::MinUIOp::create(b, loc, row, constant(rows - 1));
  }
  // Thread p of a row has its elements p + T i; past the row's end (its
  // last i where T does not divide the row), the last element is read and
  // nothing kept.
  const int64_t perThread = llvm::divideCeil(length, rowThreads);
  SmallVector<Value> elements, inRow;
  for (int64_t i = 0; i < perThread; ++i) {
    Value r = arith::AddIOp::create(b, loc, position, constant(rowThreads * i));
    Value inside = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
    if (rowThreads * (i + 1) > length) {
      inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, r, constant(length));
      r = arith::MinUIOp::create(b, loc, r, constant(length - 1));
    }
    elements.push_back(r);
    inRow.push_back(inside);
  }
  Value firstLane = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, constant(0));
  Value firstOfRow =
      rowWarps > 1
          ? Value(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, position, constant(0)))
          : firstLane;
  auto storeIf = [&](Value condition, Value value, Value buffer, ValueRange indices) {
    auto guard = scf::IfOp::create(b, loc, condition, /*withElseRegion=*/false);
    OpBuilder inside = guard.getThenBodyBuilder();
    memref::StoreOp::create(inside, loc, value, buffer, indices);
  };

  // The registers of each buffer the group wrote (by root): a row op's
  // element per i, or a row's value.
  llvm::DenseMap<Value, SmallVector<Value>> registers;
  for (size_t index = 0; index < members.size(); ++index) {
    linalg::LinalgOp member = members[index];
    RowKind kind = kinds[index];
    const BlockReduction &reduction = reductions[index];
    Value output = member.getDpsInits()[0];
    if (kind == RowKind::Start) {
      registers[rootBuffer(output)] = {llvm::cast<linalg::FillOp>(member.getOperation()).value()};
      continue;
    }
    // The op's loop indices for the row (its loops but the last, or all
    // of them, delinearized) and, but for a row's value, element i.
    SmallVector<int64_t> ranges = member.getStaticLoopRanges();
    size_t outer = kind == RowKind::Scalar ? ranges.size() : ranges.size() - 1;
    cpu::StaticForallBounds rowLoops;
    rowLoops.lowerBounds.assign(outer, 0);
    rowLoops.steps.assign(outer, 1);
    rowLoops.counts.assign(ranges.begin(), ranges.begin() + outer);
    SmallVector<Value> rowIvs = cpu::delinearizeIteration(b, loc, row, rowLoops);
    auto ivsOf = [&](int64_t i) {
      SmallVector<Value> ivs(rowIvs);
      if (kind != RowKind::Scalar)
        ivs.push_back(elements[i]);
      return ivs;
    };
    // The body at element i (`acc`: a reduction's running value).
    auto compute = [&](int64_t i, Value acc) {
      SmallVector<Value> ivs = ivsOf(i);
      IRMapping mapping;
      for (OpOperand *input : member.getDpsInputOperands()) {
        Value v = input->get(), value = v;
        auto kept = llvm::isa<MemRefType>(v.getType()) ? registers.find(rootBuffer(v))
                                                        : registers.end();
        if (kept != registers.end())
          value = kept->second.size() == 1 ? kept->second.front() : kept->second[i];
        else if (llvm::isa<MemRefType>(v.getType()))
          value = memref::LoadOp::create(
              b, loc, v, applyIndexingMap(b, loc, member.getMatchingIndexingMap(input), ivs));
        mapping.map(member.getMatchingBlockArgument(input), value);
      }
      if (acc)
        mapping.map(member.getMatchingBlockArgument(member.getDpsInitOperand(0)), acc);
      return cloneLinalgBody(b, member, mapping, [&](unsigned dim) { return ivs[dim]; });
    };
    SmallVector<Value> values;
    bool store = stored(index);
    if (kind == RowKind::Row) {
      for (int64_t i = 0; i < perThread; ++i) {
        values.push_back(compute(i, Value()));
        if (store)
          storeIf(arith::AndIOp::create(b, loc, isRow, inRow[i]), values.back(), output, ivsOf(i));
      }
    } else if (kind == RowKind::Scalar) {
      values.push_back(compute(0, Value()));
      if (store)
        storeIf(arith::AndIOp::create(b, loc, isRow, firstOfRow), values.back(), output, rowIvs);
    } else {
      Value acc = arith::ConstantOp::create(b, loc, reduction.neutral);
      for (int64_t i = 0; i < perThread; ++i) {
        Value next = compute(i, acc);
        acc = rowThreads * (i + 1) > length
                  ? Value(arith::SelectOp::create(b, loc, inRow[i], next, acc))
                  : next;
      }
      acc = warpTotal(b, loc, reduction, acc);
      if (Value totals = warpTotals.lookup(member)) {
        Value warp = arith::DivUIOp::create(b, loc, position, constant(kWarpSize));
        storeIf(firstLane, acc, totals, warp);
        mlir::gpu::BarrierOp::create(b, loc);
        acc = Value();
        for (int64_t w = 0; w < rowWarps; ++w) {
          Value total = memref::LoadOp::create(b, loc, totals, constant(w));
          acc = acc ? combineWith(b, reduction, total, acc) : total;
        }
      }
      Value start = registers.lookup(rootBuffer(output)).front();
      values.push_back(combineWith(b, reduction, acc, start));
      if (store)
        storeIf(arith::AndIOp::create(b, loc, isRow, firstOfRow), values.back(), output,
                applyIndexingMap(b, loc, member.getMatchingIndexingMap(member.getDpsInitOperand(0)),
                                 ivsOf(0)));
    }
    registers[rootBuffer(output)] = values;
  }

  SmallVector<Operation *> erased;
  for (linalg::LinalgOp member : llvm::reverse(members)) {
    erased.push_back(member);
    rewriter.eraseOp(member);
  }
  return erased;
}

} // namespace kiln::gpu

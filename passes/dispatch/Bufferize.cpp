//===- Bufferize.cpp - One-shot bufferization for models ------------------===//

#include "passes/dispatch/Passes.h"
#include "passes/dispatch/PaddedInteriors.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotModuleBufferize.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Transforms.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/EquivalenceClasses.h"

namespace kiln::dispatch {
#define GEN_PASS_DEF_BUFFERIZE
#include "passes/dispatch/Passes.h.inc"
} // namespace kiln::dispatch

using namespace mlir;

namespace kiln::dispatch {
namespace {

/// True if `a` and `b` are the same memory with the same layout: the same
/// value, or views built the same way from the same source.
bool isSameView(Value a, Value b) {
  if (a == b)
    return true;
  // A subview covering its whole source with the source's strides is the
  // source itself.
  auto skipFullSubview = [](Value v) -> Value {
    auto subview = v.getDefiningOp<memref::SubViewOp>();
    if (subview && subview.getSourceType().hasStaticShape() &&
        llvm::all_of(subview.getStaticOffsets(), [](int64_t o) { return o == 0; }) &&
        llvm::all_of(subview.getStaticStrides(), [](int64_t s) { return s == 1; }) &&
        subview.getStaticSizes() == subview.getSourceType().getShape())
      return subview.getSource();
    return v;
  };
  a = skipFullSubview(a);
  b = skipFullSubview(b);
  if (a == b)
    return true;
  Operation *defA = a.getDefiningOp(), *defB = b.getDefiningOp();
  if (!defA || !defB || !llvm::isa<ViewLikeOpInterface>(defA))
    return false;
  return OperationEquivalence::isEquivalentTo(
      defA, defB, [](Value x, Value y) { return success(isSameView(x, y)); },
      /*markEquivalent=*/nullptr, OperationEquivalence::IgnoreLocations);
}

/// Bufferization copies a tile into itself where a parallel loop's result
/// is its own destination; such copies are dropped, and the rest become
/// linalg.copy so they are tiled and vectorized like any other op (never a
/// call to a runtime copy routine).
void rewriteCopies(ModuleOp module) {
  SmallVector<memref::CopyOp> copies;
  module.walk([&](memref::CopyOp copy) { copies.push_back(copy); });
  for (memref::CopyOp copy : copies) {
    if (!isSameView(copy.getSource(), copy.getTarget())) {
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(), copy.getTarget());
    }
    copy.erase();
  }
}

/// With hoistStaticAllocs, promoteBufferResultsToOutParams replaces each
/// returned allocation by its out-parameter and erases it; an allocation
/// returned twice (two model outputs that are one tensor, e.g. once Identity
/// has folded away) is then replaced twice and the pass crashes. Every repeat
/// gets its own buffer, filled by a copy, so each output has one writer.
void separateRepeatedResults(ModuleOp module) {
  module.walk([](func::ReturnOp ret) {
    llvm::SmallPtrSet<Value, 4> seen;
    OpBuilder b(ret);
    for (OpOperand &operand : ret->getOpOperands()) {
      Value value = operand.get();
      if (seen.insert(value).second)
        continue;
      auto type = llvm::dyn_cast<MemRefType>(value.getType());
      if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity())
        continue;
      Value copy = memref::AllocOp::create(b, ret.getLoc(), type);
      linalg::CopyOp::create(b, ret.getLoc(), value, copy);
      operand.set(copy);
    }
  });
}

/// A model output that is a view of an allocation would be copied into its
/// out-parameter: promoteBufferResultsToOutParams takes over returned
/// allocations only. Such views: logits computed as [128, 50257] and
/// returned as [1, 128, 50257]; an image sliced out of a batch of one,
/// updated band by band in a loop and expanded back; a residual block's sum
/// accumulated over its [F, OH*OW] shortcut. When the view holds the
/// allocation's elements in their order (back through casts, reshapes,
/// slices covering their whole source, and loops that yield their
/// iteration argument unchanged, having updated its buffer in place), the
/// allocation is made in the returned shape instead and what used the old
/// one uses a reshape of the new one (through one dimension), so the output
/// is computed in the caller's buffer.
void allocateReturnedReshapes(ModuleOp module) {
  module.walk([](func::ReturnOp ret) {
    for (OpOperand &operand : ret->getOpOperands()) {
      Value source = operand.get();
      while (Operation *def = source.getDefiningOp()) {
        if (llvm::isa<memref::CastOp, memref::ExpandShapeOp, memref::CollapseShapeOp>(def)) {
          source = def->getOperand(0);
          continue;
        }
        if (auto subview = llvm::dyn_cast<memref::SubViewOp>(def)) {
          auto sourceType = llvm::cast<MemRefType>(subview.getSource().getType());
          if (!sourceType.hasStaticShape() || !subview.getType().hasStaticShape() ||
              subview.getType().getNumElements() != sourceType.getNumElements() ||
              !llvm::all_of(subview.getMixedOffsets(), isZeroInteger) ||
              !llvm::all_of(subview.getMixedStrides(), isOneInteger))
            break;
          source = subview.getSource();
          continue;
        }
        auto loop = llvm::dyn_cast<scf::ForOp>(def);
        if (!loop)
          break;
        unsigned i = llvm::cast<OpResult>(source).getResultNumber();
        if (loop.getYieldedValues()[i] != loop.getRegionIterArgs()[i])
          break;
        source = loop.getInitArgs()[i];
      }
      auto alloc = source.getDefiningOp<memref::AllocOp>();
      if (source == operand.get() || !alloc)
        continue;
      auto type = llvm::cast<MemRefType>(operand.get().getType());
      MemRefType allocType = alloc.getType();
      if (allocType == type) {
        operand.set(alloc);
        continue;
      }
      if (!type.hasStaticShape() || !type.getLayout().isIdentity() || type.getRank() == 0 ||
          !allocType.hasStaticShape() || !allocType.getLayout().isIdentity() ||
          allocType.getRank() == 0 || allocType.getMemorySpace() != type.getMemorySpace() ||
          allocType.getElementType() != type.getElementType() ||
          allocType.getNumElements() != type.getNumElements())
        continue;
      OpBuilder b(alloc);
      Location loc = alloc.getLoc();
      auto whole = memref::AllocOp::create(b, loc, type, alloc.getAlignmentAttr());
      auto allDims = [](int64_t rank) {
        SmallVector<ReassociationIndices> one(1);
        for (int64_t i = 0; i < rank; ++i)
          one[0].push_back(i);
        return one;
      };
      Value old = whole;
      Operation *reshape = operand.get().getDefiningOp();
      if (auto expand = llvm::dyn_cast<memref::ExpandShapeOp>(reshape);
          expand && expand.getSrc() == alloc.getResult()) {
        old = memref::CollapseShapeOp::create(b, loc, allocType, whole,
                                              expand.getReassociationIndices());
      } else if (auto collapse = llvm::dyn_cast<memref::CollapseShapeOp>(reshape);
                 collapse && collapse.getSrc() == alloc.getResult()) {
        old = memref::ExpandShapeOp::create(b, loc, allocType.getShape(), whole,
                                            collapse.getReassociationIndices());
      } else {
        if (type.getRank() > 1)
          old = memref::CollapseShapeOp::create(b, loc, old, allDims(type.getRank()));
        if (allocType.getRank() > 1)
          old = memref::ExpandShapeOp::create(b, loc, allocType.getShape(), old,
                                              allDims(allocType.getRank()));
      }
      alloc.getResult().replaceAllUsesWith(old);
      alloc.erase();
      operand.set(whole);
    }
  });
}

/// Whether `v` is a tensor.empty of static shape.
bool isStaticEmpty(Value v) {
  auto empty = v.getDefiningOp<tensor::EmptyOp>();
  return empty && empty->getNumOperands() == 0;
}

/// Whether `v` is a scalar or vector constant.
bool isSmallConstant(Value v) {
  Operation *def = v.getDefiningOp();
  return def && def->hasTrait<OpTrait::ConstantLike>() && !llvm::isa<TensorType>(v.getType());
}

/// The empty tensor that `op` fills: `op` writes scalar or vector
/// constants into that empty tensor (isStaticEmpty) and computes nothing
/// else (a fill, tiled or not). A copy of it computes the
/// same value at the same cost as the original (it reads nothing). Null
/// when `op` is no such fill.
Value filledEmpty(Operation *op) {
  if (op->getNumResults() != 1 || op->getNumRegions() == 0)
    return nullptr;
  Value empty;
  for (Value operand : op->getOperands()) {
    if (isSmallConstant(operand))
      continue;
    if (empty || !isStaticEmpty(operand))
      return nullptr;
    empty = operand;
  }
  if (!empty)
    return nullptr;
  // Only writes of constants, and the loops and slices around them: a fill
  // (a computation from an empty tensor, a table of sines say, would cost
  // as much again in each copy).
  WalkResult effects = op->walk([](Operation *nested) {
    if (auto write = llvm::dyn_cast<vector::TransferWriteOp>(nested))
      return write.getVector().getDefiningOp<arith::ConstantOp>() && !write.getMask()
                 ? WalkResult::advance()
                 : WalkResult::interrupt();
    return llvm::isa<linalg::FillOp, linalg::YieldOp, scf::ForOp, scf::ForallOp, scf::YieldOp,
                     scf::InParallelOp, tensor::ParallelInsertSliceOp, tensor::ExtractSliceOp,
                     tensor::InsertSliceOp, arith::ConstantOp, affine::AffineApplyOp>(nested)
               ? WalkResult::advance()
               : WalkResult::interrupt();
  });
  if (effects.wasInterrupted())
    return nullptr;
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(op->getRegions(), captured);
  return llvm::all_of(captured, isSmallConstant) ? empty : nullptr;
}

/// Whether `use` may write into the value it uses, in place: a destination
/// operand (an insertion's destination among them), or a slice or reshape
/// of it.
bool isWrittenThrough(OpOperand &use) {
  Operation *owner = use.getOwner();
  if (auto dps = llvm::dyn_cast<DestinationStyleOpInterface>(owner))
    return dps.isDpsInit(&use);
  return llvm::isa<tensor::ExtractSliceOp, tensor::CollapseShapeOp, tensor::ExpandShapeOp>(owner);
}

/// Gives each group of the users of `fresh` (a tensor.empty, or a fill that
/// filledEmpty accepts) a copy of its own, made just before the
/// group's first user (the buffer is allocated there, so its lifetime
/// starts there). CSE merges the identical tensor.empty ops of a model's
/// layers into one; One-Shot Bufferize then writes every layer's values
/// into that one buffer, whose lifetime spans all the layers, and the
/// buffers it overlaps can share no memory with it. It merges identical
/// fills too (the padded inputs of two layers of one shape): a layer whose
/// producer writes into its padded buffer in place would then conflict with
/// the other's reader, and the whole buffer would be copied. A group is the
/// users that read one another's values through destination operands,
/// reshapes and slices (a fill, the convolution accumulating on it, the
/// activation written over it; an image's slice and its insertion back; a
/// padded buffer's interior and the insertion of what was computed there):
/// they keep sharing, so such chains stay in place.
void splitUses(Operation *fresh) {
  Block *block = fresh->getBlock();
  Value value = fresh->getResult(0);
  SmallVector<Operation *> users;
  for (Operation *user : value.getUsers())
    if (!llvm::is_contained(users, user))
      users.push_back(user);
  if (users.empty())
    return;
  DenseMap<Operation *, unsigned> index;
  for (auto [i, user] : llvm::enumerate(users))
    index[user] = i;
  llvm::EquivalenceClasses<unsigned> classes;
  for (unsigned i = 0; i < users.size(); ++i)
    classes.insert(i);
  // The user whose result `value` is, through destination operands,
  // reshapes and slices.
  auto producingUser = [&](Value value) -> Operation * {
    while (auto result = llvm::dyn_cast<OpResult>(value)) {
      Operation *op = result.getOwner();
      if (index.count(op))
        return op;
      if (llvm::isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp, tensor::ExtractSliceOp>(op))
        value = op->getOperand(0);
      else if (auto dps = llvm::dyn_cast<DestinationStyleOpInterface>(op))
        value = dps.getTiedOpOperand(result)->get();
      else
        return nullptr;
    }
    return nullptr;
  };
  for (Operation *user : users)
    for (Value operand : user->getOperands())
      if (Operation *producer = operand != value ? producingUser(operand) : nullptr)
        classes.unionSets(index[user], index[producer]);
  // Each group's members and the top-level op its copy goes before.
  SmallVector<std::pair<SmallVector<Operation *>, Operation *>> groups;
  for (auto it = classes.begin(); it != classes.end(); ++it) {
    if (!(*it)->isLeader())
      continue;
    SmallVector<Operation *> members;
    Operation *first = nullptr;
    for (auto member = classes.member_begin(**it); member != classes.member_end(); ++member) {
      members.push_back(users[*member]);
      Operation *top = block->findAncestorOpInBlock(*users[*member]);
      if (!first || top->isBeforeInBlock(first))
        first = top;
    }
    groups.push_back({std::move(members), first});
  }
  if (groups.size() == 1) {
    // (A computation stays where it is: its operands are made before it.)
    if (llvm::isa<tensor::EmptyOp>(fresh))
      fresh->moveBefore(groups.front().second);
    return;
  }
  for (auto &[members, first] : groups) {
    OpBuilder b(first);
    Value own = b.clone(*fresh)->getResult(0);
    for (Operation *member : members)
      member->replaceUsesOfWith(value, own);
  }
  fresh->erase();
}

/// A padded tensor whose interior is a reshape of a value computed into a
/// tensor.empty: insert_slice(reshape(producer(empty)), fill), as
/// kiln-tile-and-vectorize leaves it (the fill writing the border only). The
/// producer's empty becomes the fill's interior reshaped back into the
/// producer's shape, so that the producer writes the padded tensor in place
/// and the insertion copies nothing; the fill moves before the producer.
/// (Empty-tensor elimination does the same without reshapes, and does not
/// see through them.) For U-Net, the channel-major convolutions' products
/// [filter blocks, filters, rows, pixel blocks, pixels] are the next 3x3
/// layer's NCHW input.
void computeReshapedInteriorsInPlace(func::FuncOp func) {
  SmallVector<tensor::InsertSliceOp> inserts;
  for (Operation &op : func.getBody().front())
    if (auto insert = llvm::dyn_cast<tensor::InsertSliceOp>(op))
      inserts.push_back(insert);
  for (tensor::InsertSliceOp insert : inserts) {
    Operation *fill = insert.getDest().getDefiningOp();
    Value fillEmpty = fill ? filledEmpty(fill) : nullptr;
    if (!fillEmpty || !insert.getDest().hasOneUse() || !insert.hasUnitStride() ||
        llvm::any_of(insert.getStaticOffsets(), ShapedType::isDynamic))
      continue;
    SmallVector<Operation *> reshapes;
    Value value = beforeReshapes(insert.getSource(), reshapes);
    auto result = llvm::dyn_cast<OpResult>(value);
    if (reshapes.empty() || !result || !interiorReshapesInPlace(insert, reshapes))
      continue;
    // The producer: a destination-style op (a parallel loop, a linalg op),
    // or a loop nest of register tiles (an op too small for threads).
    Operation *producer = result.getOwner();
    OpOperand *init = nullptr;
    if (auto dps = llvm::dyn_cast<DestinationStyleOpInterface>(producer))
      init = dps.getTiedOpOperand(result);
    else if (auto loop = llvm::dyn_cast<scf::ForOp>(producer))
      init = loop.getTiedLoopInit(result);
    if (!init || !isStaticEmpty(init->get()) || producer->getBlock() != insert->getBlock())
      continue;
    // The fill reads constants only (filledEmpty); they must exist before
    // the producer.
    llvm::SetVector<Value> constants;
    getUsedValuesDefinedAbove(fill->getRegions(), constants);
    constants.insert(fill->getOperands().begin(), fill->getOperands().end());
    constants.remove(fillEmpty);
    if (llvm::any_of(constants, [&](Value v) {
          Operation *def = v.getDefiningOp();
          return def->getBlock() == producer->getBlock() && !def->isBeforeInBlock(producer);
        }))
      continue;
    if (!fillEmpty.getDefiningOp()->isBeforeInBlock(producer))
      fillEmpty.getDefiningOp()->moveBefore(producer);
    if (!fill->isBeforeInBlock(producer))
      fill->moveBefore(producer);
    OpBuilder b(producer);
    Location loc = insert.getLoc();
    Value interior = tensor::ExtractSliceOp::create(
        b, loc, insert.getSourceType(), fill->getResult(0), insert.getMixedOffsets(),
        insert.getMixedSizes(), insert.getMixedStrides());
    for (Operation *reshape : reshapes) {
      auto sourceType = llvm::cast<RankedTensorType>(reshape->getOperand(0).getType());
      if (auto expand = llvm::dyn_cast<tensor::ExpandShapeOp>(reshape))
        interior = tensor::CollapseShapeOp::create(b, loc, sourceType, interior,
                                                   expand.getReassociationIndices());
      else
        interior = tensor::ExpandShapeOp::create(
            b, loc, sourceType, interior,
            llvm::cast<tensor::CollapseShapeOp>(reshape).getReassociationIndices());
    }
    init->set(interior);
  }
}

struct BufferizePass : impl::BufferizeBase<BufferizePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // The caller's input buffers are const: never bufferize into them.
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      for (unsigned i = 0; i < func.getNumArguments(); ++i)
        if (llvm::isa<TensorType>(func.getArgument(i).getType()))
          func.setArgAttr(i, bufferization::BufferizationDialect::kWritableAttrName,
                          BoolAttr::get(&getContext(), false));
    }

    // A tensor.empty per group of users, just before them, so each buffer
    // lives from its first writer to its last reader; kiln-plan-workspace
    // then shares memory between buffers whose lifetimes do not overlap.
    // Fills that may be written in place first: their copies are users of
    // the empties.
    SmallVector<Operation *> computations;
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal())
        for (Operation &op : func.getBody().front())
          if (filledEmpty(&op) && !op.getResult(0).hasOneUse() &&
              llvm::any_of(op.getResult(0).getUses(), isWrittenThrough))
            computations.push_back(&op);
    for (Operation *op : computations)
      splitUses(op);
    SmallVector<tensor::EmptyOp> empties;
    module.walk([&](tensor::EmptyOp empty) { empties.push_back(empty); });
    for (tensor::EmptyOp empty : empties)
      splitUses(empty);

    // Values computed into a tensor.empty and then inserted into a larger
    // tensor (a pad's interior) are computed in place there instead.
    IRRewriter rewriter(&getContext());
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      computeReshapedInteriorsInPlace(func);
      if (failed(bufferization::eliminateEmptyTensors(rewriter, func)))
        return signalPassFailure();
    }

    bufferization::OneShotBufferizationOptions options;
    options.bufferizeFunctionBoundaries = true;
    options.setFunctionBoundaryTypeConversion(bufferization::LayoutMapOption::IdentityLayoutMap);
    options.unknownTypeConverterFn =
        [](TensorType type, Attribute memorySpace,
           const bufferization::BufferizationOptions &) -> BaseMemRefType {
      return bufferization::getMemRefTypeWithStaticIdentityLayout(type, memorySpace);
    };
    bufferization::BufferizationState state;
    if (failed(bufferization::runOneShotModuleBufferize(module, options, state)))
      return signalPassFailure();
    bufferization::removeBufferizationAttributesInModule(module);
    allocateReturnedReshapes(module);
    separateRepeatedResults(module);

    bufferization::BufferResultsToOutParamsOpts outParams;
    outParams.addResultAttribute = true;
    outParams.hoistStaticAllocs = true;
    outParams.modifyPublicFunctions = true;
    if (failed(bufferization::promoteBufferResultsToOutParams(module, outParams)))
      return signalPassFailure();
    rewriteCopies(module);
  }
};

} // namespace
} // namespace kiln::dispatch

//===- SplitBatch.cpp - Compile a batched model for one image -------------===//
//
// A convolutional network at batch 8 computes every layer for all eight
// images before the next layer starts, so each layer's activations (8x a
// single image's) leave the caches between producer and consumer. Run one
// image at a time, the same network keeps a block's activations in L2.
// When every op of @main treats the leading dimension as independent images,
// this pass retypes @main to one image and records the image count; the
// CPU entry point then calls it once per image (images spread over the
// threads when the threads divide the images evenly).
//
// It splits only when the activations outweigh the weights (each image's
// call reads all the weights again, which a batched matmul, an MLP or a
// transformer at batch N whose weights are large next to one row or one
// sequence, reads once) and one image's activations are large enough
// (kMinImageBytes) that a call per image costs nothing next to its work:
// a table of a million rows is not a million images.
//
//===----------------------------------------------------------------------===//

#include "passes/graph/Passes.h"

#include "dialects/graph/IR/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

namespace kiln::graph {
#define GEN_PASS_DEF_SPLITBATCH
#include "passes/graph/Passes.h.inc"
} // namespace kiln::graph

using namespace mlir;
using namespace kiln::graph;

namespace {

/// The least activation bytes per image worth a call of its own.
constexpr int64_t kMinImageBytes = 64 * 1024;

int64_t rankOf(Value v) { return llvm::cast<RankedTensorType>(v.getType()).getRank(); }
int64_t leadingDim(Value v) { return llvm::cast<RankedTensorType>(v.getType()).getDimSize(0); }

int64_t bytesOf(Value v) {
  auto type = llvm::cast<RankedTensorType>(v.getType());
  // As bufferized: every element at least a byte.
  return type.getNumElements() *
         llvm::divideCeil(type.getElementType().getIntOrFloatBitWidth(), 8);
}

/// Which values carry the images in their leading dimension, and whether
/// each op keeps the images apart.
class BatchAnalysis {
public:
  explicit BatchAnalysis(int64_t images) : images(images) {}

  bool isBatched(Value v) const { return batched.contains(v); }
  void markBatched(Value v) { batched.insert(v); }

  /// A value shared by all images: not batched, and broadcast over the
  /// leading dimension of a result of rank `rank`.
  bool isShared(Value v, int64_t rank) const {
    return !isBatched(v) && (rankOf(v) < rank || leadingDim(v) == 1);
  }

  /// Whether `op`, some of whose operands are batched, computes each image
  /// of its results from the same image of its operands only.
  bool keepsImagesApart(Operation *op) const {
    Value first = op->getNumOperands() ? op->getOperand(0) : Value();
    auto onlyFirstBatched = [&] {
      return isBatched(first) &&
             llvm::none_of(op->getOperands().drop_front(),
                           [&](Value v) { return isBatched(v); });
    };
    auto axisAfterImages = [&](int64_t axis) {
      return (axis < 0 ? axis + rankOf(first) : axis) >= 1;
    };
    if (llvm::isa<ElementwiseOpInterface, ClipOp, IdentityOp>(op)) {
      int64_t rank = rankOf(op->getResult(0));
      return llvm::all_of(op->getOperands(), [&](Value v) {
        return (isBatched(v) && rankOf(v) == rank) || isShared(v, rank);
      });
    }
    return llvm::TypeSwitch<Operation *, bool>(op)
        .Case<ConvOp, ConvTransposeOp, MaxPoolOp, AveragePoolOp, LpPoolOp,
              GlobalAveragePoolOp, BatchNormOp>(
            [&](Operation *) { return onlyFirstBatched(); })
        .Case([&](SoftmaxOp o) { return axisAfterImages(o.getAxis()); })
        .Case([&](LogSoftmaxOp o) { return axisAfterImages(o.getAxis()); })
        .Case([&](HardmaxOp o) { return axisAfterImages(o.getAxis()); })
        .Case([&](FlattenOp o) { return axisAfterImages(o.getAxis()); })
        .Case([&](ReshapeOp o) {
          // The shape's first entry is rewritten for one image.
          return onlyFirstBatched() && leadingDim(o.getOutput()) == images &&
                 matchPattern(o.getShape(), m_Constant());
        })
        .Case([&](TransposeOp o) { return o.getPerm()[0] == 0; })
        .Case([&](ConcatOp o) {
          return axisAfterImages(o.getAxis()) &&
                 llvm::all_of(o.getInputs(), [&](Value v) { return isBatched(v); });
        })
        .Case([&](ReduceOp o) {
          return !o.getAxes().empty() && llvm::all_of(o.getAxes(), axisAfterImages);
        })
        .Case([&](GemmOp o) {
          return isBatched(o.getA()) && !o.getTransA() && !isBatched(o.getB()) &&
                 (!o.getC() || isShared(o.getC(), 2));
        })
        .Case([&](MatMulOp o) {
          Value lhs = o.getLhs(), rhs = o.getRhs();
          int64_t l = rankOf(lhs), r = rankOf(rhs);
          if (isBatched(lhs) && isBatched(rhs))
            return l == r && l >= 3;
          // Rows of a matrix, or a stack of matrices times shared ones.
          if (isBatched(lhs))
            return l >= 2 && (r <= 2 || isShared(rhs, l));
          return r >= 3 && isShared(lhs, r);
        })
        .Default([](Operation *) { return false; });
  }

private:
  int64_t images;
  llvm::DenseSet<Value> batched;
};

RankedTensorType oneImage(Type type) {
  auto tensor = llvm::cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(tensor.getShape());
  shape[0] = 1;
  return tensor.clone(shape);
}

struct SplitBatchPass : kiln::graph::impl::SplitBatchBase<SplitBatchPass> {
  void runOnOperation() override {
    auto main = getOperation().lookupSymbol<func::FuncOp>("main");
    if (!main || main.isExternal() || main.getNumArguments() == 0 ||
        !main.getBody().hasOneBlock())
      return;
    auto ranked = [](Type t) {
      auto tensor = llvm::dyn_cast<RankedTensorType>(t);
      return tensor && tensor.hasStaticShape() && tensor.getRank() >= 1 &&
             tensor.getElementType().isIntOrFloat();
    };
    if (!llvm::all_of(main.getArgumentTypes(), ranked) ||
        !llvm::all_of(main.getResultTypes(), ranked))
      return;
    int64_t images = leadingDim(main.getArgument(0));
    if (images <= 1)
      return;

    BatchAnalysis analysis(images);
    for (BlockArgument arg : main.getArguments()) {
      if (leadingDim(arg) != images)
        return;
      analysis.markBatched(arg);
    }
    Block &body = main.getBody().front();
    int64_t activationBytes = 0, weightBytes = 0;
    llvm::DenseSet<Value> weights;
    for (Operation &op : body.without_terminator()) {
      if (!llvm::isa<KilnDialect>(op.getDialect()) || op.getNumRegions())
        return;
      if (llvm::none_of(op.getOperands(), [&](Value v) { return analysis.isBatched(v); }))
        continue;
      if (!analysis.keepsImagesApart(&op))
        return;
      for (Value operand : op.getOperands())
        if (!analysis.isBatched(operand) && matchPattern(operand, m_Constant()) &&
            weights.insert(operand).second)
          weightBytes += bytesOf(operand);
      for (Value result : op.getResults()) {
        if (!ranked(result.getType()) || leadingDim(result) != images)
          return;
        analysis.markBatched(result);
        activationBytes += bytesOf(result) / images;
      }
    }
    auto ret = llvm::cast<func::ReturnOp>(body.getTerminator());
    if (!llvm::all_of(ret.getOperands(), [&](Value v) { return analysis.isBatched(v); }))
      return;
    if (activationBytes < weightBytes || activationBytes < kMinImageBytes)
      return;

    // Every check passed: retype for one image. Inference can only disagree
    // with the analysis through a bug.
    for (BlockArgument arg : main.getArguments())
      arg.setType(oneImage(arg.getType()));
    OpBuilder b(&getContext());
    for (Operation &op : body.without_terminator()) {
      if (!llvm::any_of(op.getResults(), [&](Value v) { return analysis.isBatched(v); }))
        continue;
      if (auto reshape = llvm::dyn_cast<ReshapeOp>(op)) {
        DenseIntElementsAttr shape;
        if (!matchPattern(reshape.getShape(), m_Constant(&shape)))
          return signalPassFailure();
        SmallVector<APInt> entries(shape.getValues<APInt>());
        if (!entries.empty() && entries[0] == images)
          entries[0] = APInt(entries[0].getBitWidth(), 1);
        b.setInsertionPoint(reshape);
        auto attr = DenseIntElementsAttr::get(shape.getType(), entries);
        Operation *old = reshape.getShape().getDefiningOp();
        reshape.getShapeMutable().assign(
            ConstantOp::create(b, reshape.getLoc(), attr.getType(), attr));
        if (old->use_empty())
          old->erase();
      }
      SmallVector<Type> expected;
      for (Value result : op.getResults())
        expected.push_back(oneImage(result.getType()));
      if (failed(inferResultTypes(&op)))
        return signalPassFailure();
      if (SmallVector<Type>(op.getResultTypes()) != expected) {
        op.emitError("internal error: one image's result type disagrees with the batch's");
        return signalPassFailure();
      }
    }
    main.setType(FunctionType::get(&getContext(), body.getArgumentTypes(),
                                   ret.getOperandTypes()));
    main->setAttr(kBatchImagesAttr, b.getI64IntegerAttr(images));
  }
};

} // namespace

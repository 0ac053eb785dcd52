//===- SiblingProducts.cpp - Products of one input as one product ---------===//
//
// SiblingProducts.h describes the rewrite. Constants are joined along their
// last dimension from their raw bytes: row r of the joined weights is row r
// of each weight in turn.
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/SiblingProducts.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/MapVector.h"

using namespace mlir;

namespace kiln::gpu {
namespace {

/// The dense constant `v` is, if it is one of static shape whose elements
/// are whole bytes (so that its raw data can be joined).
DenseElementsAttr denseConstant(Value v) {
  auto constant = v.getDefiningOp<arith::ConstantOp>();
  auto dense = constant ? llvm::dyn_cast<DenseElementsAttr>(constant.getValue()) : nullptr;
  if (!dense || !dense.getType().hasStaticShape() ||
      !dense.getElementType().isIntOrFloat() || dense.getElementType().getIntOrFloatBitWidth() % 8)
    return nullptr;
  return dense;
}

/// `parts` (of one element type, equal in all dimensions but the last)
/// side by side along their last dimension.
DenseElementsAttr joinLast(ArrayRef<DenseElementsAttr> parts) {
  Type element = parts.front().getElementType();
  const size_t bytes = element.getIntOrFloatBitWidth() / 8;
  ArrayRef<int64_t> shape = parts.front().getType().getShape();
  const int64_t rows = ShapedType::getNumElements(shape.drop_back());
  int64_t columns = 0;
  for (DenseElementsAttr part : parts)
    columns += part.getType().getShape().back();
  std::vector<char> data;
  data.reserve(rows * columns * bytes);
  for (int64_t r = 0; r < rows; ++r) {
    for (DenseElementsAttr part : parts) {
      const int64_t width = part.getType().getShape().back();
      ArrayRef<char> raw = part.getRawData();
      if (part.isSplat()) {
        for (int64_t c = 0; c < width; ++c)
          data.insert(data.end(), raw.begin(), raw.begin() + bytes);
        continue;
      }
      auto row = raw.begin() + r * width * bytes;
      data.insert(data.end(), row, row + width * bytes);
    }
  }
  SmallVector<int64_t> joined(shape);
  joined.back() = columns;
  return DenseElementsAttr::getFromRawBuffer(RankedTensorType::get(joined, element), data);
}

/// One product of a group, and its consumer.
struct Sibling {
  linalg::MatmulOp product;
  DenseElementsAttr weights;
  linalg::FillOp fill;
  linalg::GenericOp consumer;
};

/// The product `op` as a sibling, if it can be one: 2-D, static, default
/// maps and cast, constant weights, a fill of a tensor.empty, and read only
/// by a consumer of the form SiblingProducts.h takes. (A product whose
/// consumer is of another form stays apart: behind a slice, no consumer
/// would be taken into the product's kernel.)
std::optional<Sibling> asSibling(linalg::MatmulOp op) {
  auto resultType = llvm::dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!resultType || resultType.getRank() != 2 || !resultType.hasStaticShape() ||
      !op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
      op.getIndexingMapsArray() != op.getDefaultIndexingMaps(op.getContext()) ||
      op.getCast() != linalg::TypeFn::cast_signed)
    return std::nullopt;
  Sibling sibling{op, denseConstant(op.getDpsInputs()[1]), nullptr, nullptr};
  sibling.fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  if (!sibling.weights || !sibling.fill ||
      !sibling.fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
    return std::nullopt;
  // The consumer: the product's one reader, all-parallel over its loops,
  // reading it at its own elements and otherwise constant vectors along n,
  // its body blind to the loop indices (which would count the joined
  // columns) and using only constants from above.
  Value product = op->getResult(0);
  if (!product.hasOneUse())
    return std::nullopt;
  auto consumer = llvm::dyn_cast<linalg::GenericOp>(*product.getUsers().begin());
  if (!consumer || consumer->getNumResults() != 1 || consumer.getNumLoops() != 2 ||
      consumer.getNumParallelLoops() != 2 || consumer.getNumDpsInits() != 1 ||
      consumer->getResult(0).getType() != resultType || consumer.hasIndexSemantics() ||
      !consumer.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>() ||
      !consumer.getMatchingIndexingMap(consumer.getDpsInitOperand(0)).isIdentity() ||
      consumer.payloadUsesValueFromOperand(consumer.getDpsInitOperand(0)))
    return std::nullopt;
  MLIRContext *ctx = op.getContext();
  AffineMap alongN = AffineMap::get(2, 0, getAffineDimExpr(1, ctx));
  bool readsProduct = false;
  for (OpOperand *input : consumer.getDpsInputOperands()) {
    AffineMap map = consumer.getMatchingIndexingMap(input);
    if (input->get() == product) {
      if (readsProduct || !map.isIdentity())
        return std::nullopt;
      readsProduct = true;
      continue;
    }
    DenseElementsAttr bias = denseConstant(input->get());
    if (!bias || map != alongN || bias.getType().getShape() != resultType.getShape().take_back())
      return std::nullopt;
  }
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(consumer.getRegion(), captured);
  if (!llvm::all_of(captured, [](Value v) { return matchPattern(v, m_Constant()); }))
    return std::nullopt;
  sibling.consumer = consumer;
  return sibling;
}

/// Whether the bodies of `a` and `b` are the same ops on corresponding
/// values (block arguments by position), with no regions of their own.
bool sameBody(linalg::GenericOp a, linalg::GenericOp b) {
  Block &first = *a.getBlock(), &second = *b.getBlock();
  if (first.getArgumentTypes() != second.getArgumentTypes() ||
      first.getOperations().size() != second.getOperations().size())
    return false;
  IRMapping corresponding;
  corresponding.map(second.getArguments(), first.getArguments());
  for (auto [x, y] : llvm::zip(first, second)) {
    if (x.getName() != y.getName() || x.getAttrDictionary() != y.getAttrDictionary() ||
        x.getResultTypes() != y.getResultTypes() || x.getNumOperands() != y.getNumOperands() ||
        x.getNumRegions() != 0 || y.getNumRegions() != 0)
      return false;
    for (auto [u, v] : llvm::zip(x.getOperands(), y.getOperands()))
      if (corresponding.lookupOrDefault(v) != u)
        return false;
    corresponding.map(y.getResults(), x.getResults());
  }
  return true;
}

/// Whether `a` and `b` can be merged: the same input, the same fill value,
/// weights of one type and K, and consumers alike (one body, the product
/// and the biases as the same operands).
bool alike(Sibling a, Sibling b) {
  if (a.product.getDpsInputs()[0] != b.product.getDpsInputs()[0] ||
      a.weights.getElementType() != b.weights.getElementType() ||
      a.weights.getType().getShape().front() != b.weights.getType().getShape().front() ||
      getElementTypeOrSelf(a.product->getResult(0)) !=
          getElementTypeOrSelf(b.product->getResult(0)))
    return false;
  auto fillValue = [](linalg::FillOp fill) {
    Attribute value;
    return matchPattern(fill.value(), m_Constant(&value)) ? value : Attribute();
  };
  Attribute fa = fillValue(a.fill), fb = fillValue(b.fill);
  if (!fa || fa != fb)
    return false;
  if (a.consumer.getIndexingMapsArray() != b.consumer.getIndexingMapsArray() ||
      a.consumer.getNumDpsInputs() != b.consumer.getNumDpsInputs())
    return false;
  for (auto [ia, ib] :
       llvm::zip(a.consumer.getDpsInputOperands(), b.consumer.getDpsInputOperands())) {
    bool product = ia->get() == a.product->getResult(0);
    if (product != (ib->get() == b.product->getResult(0)) ||
        (!product && getElementTypeOrSelf(ia->get()) != getElementTypeOrSelf(ib->get())))
      return false;
  }
  return sameBody(a.consumer, b.consumer);
}

/// Replaces `group` (alike siblings, in block order) by one product.
void merge(RewriterBase &rewriter, MutableArrayRef<Sibling> group) {
  Sibling &first = group.front();
  Location loc = first.product.getLoc();
  auto type = llvm::cast<RankedTensorType>(first.product->getResult(0).getType());
  SmallVector<DenseElementsAttr> weights;
  SmallVector<int64_t> offsets;
  int64_t columns = 0;
  for (Sibling &sibling : group) {
    weights.push_back(sibling.weights);
    offsets.push_back(columns);
    columns += sibling.weights.getType().getShape().back();
  }
  const int64_t rows = type.getShape().front();
  auto joinedType = RankedTensorType::get({rows, columns}, type.getElementType());
  rewriter.setInsertionPoint(first.product);
  Value w = arith::ConstantOp::create(rewriter, loc, joinLast(weights));
  Value empty = tensor::EmptyOp::create(rewriter, loc, joinedType.getShape(),
                                        joinedType.getElementType());
  Value start = linalg::FillOp::create(rewriter, loc, first.fill.value(), empty).getResult(0);
  Value result = linalg::MatmulOp::create(rewriter, loc, TypeRange{joinedType},
                                          ValueRange{first.product.getDpsInputs()[0], w},
                                          ValueRange{start})
                     ->getResult(0);
  // The consumer once, over the merged product, each bias operand the
  // siblings' joined, a fresh output, and copies of the constants its
  // body uses from above (made first: the clone goes after them).
  linalg::GenericOp consumer = first.consumer;
  SmallVector<Value> operands;
  for (OpOperand *input : consumer.getDpsInputOperands()) {
    if (input->get() == first.product->getResult(0)) {
      operands.push_back(result);
      continue;
    }
    SmallVector<DenseElementsAttr> biases;
    for (Sibling &sibling : group)
      biases.push_back(denseConstant(sibling.consumer->getOperand(input->getOperandNumber())));
    operands.push_back(arith::ConstantOp::create(rewriter, loc, joinLast(biases)));
  }
  operands.push_back(tensor::EmptyOp::create(rewriter, loc, joinedType.getShape(),
                                             joinedType.getElementType()));
  IRMapping constants;
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(consumer.getRegion(), captured);
  for (Value v : captured)
    constants.map(v, rewriter.clone(*v.getDefiningOp())->getResult(0));
  Operation *joined = rewriter.clone(*consumer, constants);
  joined->setOperands(operands);
  joined->getResult(0).setType(joinedType);
  result = joined->getResult(0);

  // The slices (all made before any op is erased), then the replacements.
  SmallVector<Value> slices;
  for (auto [sibling, offset] : llvm::zip(group, offsets)) {
    auto sliceType = llvm::cast<RankedTensorType>(sibling.consumer->getResult(0).getType());
    slices.push_back(tensor::ExtractSliceOp::create(
        rewriter, loc, sliceType, result, ValueRange{}, ValueRange{}, ValueRange{},
        rewriter.getDenseI64ArrayAttr({0, offset}),
        rewriter.getDenseI64ArrayAttr(sliceType.getShape()),
        rewriter.getDenseI64ArrayAttr({1, 1})));
  }
  for (auto [sibling, slice] : llvm::zip(group, slices)) {
    rewriter.replaceOp(sibling.consumer, slice);
    rewriter.eraseOp(sibling.product);
    if (sibling.fill->use_empty())
      rewriter.eraseOp(sibling.fill);
  }
}

} // namespace

int64_t mergeSiblingProducts(RewriterBase &rewriter, func::FuncOp func) {
  if (func.isExternal())
    return 0;
  // The candidates of each input, in block order.
  llvm::MapVector<Value, SmallVector<Sibling>> byInput;
  for (Operation &op : func.getBody().front())
    if (auto matmul = llvm::dyn_cast<linalg::MatmulOp>(op))
      if (std::optional<Sibling> sibling = asSibling(matmul))
        byInput[matmul.getDpsInputs()[0]].push_back(*sibling);
  int64_t removed = 0;
  for (auto &[input, candidates] : byInput) {
    // Groups of alike siblings, each led by its first.
    SmallVector<SmallVector<Sibling>> groups;
    for (const Sibling &sibling : candidates) {
      auto group = llvm::find_if(groups, [&](const SmallVector<Sibling> &g) {
        return alike(g.front(), sibling);
      });
      if (group == groups.end())
        groups.push_back({sibling});
      else
        group->push_back(sibling);
    }
    for (SmallVector<Sibling> &group : groups) {
      if (group.size() < 2)
        continue;
      merge(rewriter, group);
      removed += group.size() - 1;
    }
  }
  return removed;
}

} // namespace kiln::gpu

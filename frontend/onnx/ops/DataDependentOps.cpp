//===- DataDependentOps.cpp - Ops whose output shape depends on values ----===//
//
// NonZero, Unique and NonMaxSuppression produce as many elements as their
// input values say. Kiln compiles for static shapes, so it evaluates them at
// compile time: their inputs must be constants (initializers, folded
// computations, or graph inputs bound with --bind, which the compiled code
// then checks at run time), and each node becomes the exact constant the
// reference computes. Otherwise the node gets the standard "must be known at
// compile time" error naming the graph input to bind.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/GraphEmitter.h"
#include "frontend/onnx/OnnxNode.h"
#include "frontend/onnx/OnnxOpTable.h"
#include "frontend/onnx/OnnxTensors.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <algorithm>
#include <numeric>

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

namespace {

/// A 1-D or 2-D i64 constant as the node's output `i`, if the node lists it.
LogicalResult setI64Output(OnnxNode &node, int i, ArrayRef<int64_t> shape,
                           ArrayRef<int64_t> values) {
  if (i >= node.getProto().output_size())
    return success();
  auto type = RankedTensorType::get(shape, node.getBuilder().getI64Type());
  FailureOr<Value> value = node.createConstant(DenseIntElementsAttr::get(type, values));
  if (failed(value))
    return failure();
  node.setOutput(i, *value);
  return success();
}

/// Compares elements of a constant: floats by value (NaN after everything
/// and equal to NaN, as numpy sorts and groups them), integers by value with
/// their signedness, booleans as 0 and 1.
class ElementOrder {
public:
  explicit ElementOrder(DenseElementsAttr attr) {
    Type element = attr.getElementType();
    if (llvm::isa<FloatType>(element)) {
      for (APFloat v : attr.getValues<APFloat>())
        floats.push_back(v);
    } else {
      isUnsigned = element.isUnsignedInteger() || element.isInteger(1);
      for (APInt v : attr.getValues<APInt>())
        ints.push_back(v);
    }
  }
  bool supported() const { return !floats.empty() || !ints.empty(); }
  /// -1, 0 or 1 as element `a` orders before, with or after element `b`.
  int compare(int64_t a, int64_t b) const {
    if (!floats.empty()) {
      const APFloat &x = floats[a], &y = floats[b];
      if (x.isNaN() || y.isNaN())
        return x.isNaN() == y.isNaN() ? 0 : (x.isNaN() ? 1 : -1);
      switch (x.compare(y)) {
      case APFloat::cmpLessThan:
        return -1;
      case APFloat::cmpGreaterThan:
        return 1;
      default:
        return 0;
      }
    }
    const APInt &x = ints[a], &y = ints[b];
    if (x == y)
      return 0;
    return (isUnsigned ? x.ult(y) : x.slt(y)) ? -1 : 1;
  }
  bool isZero(int64_t i) const {
    return !floats.empty() ? floats[i].isZero() : ints[i].isZero();
  }

private:
  SmallVector<APFloat> floats;
  SmallVector<APInt> ints;
  bool isUnsigned = false;
};

//===----------------------------------------------------------------------===//
// NonZero
//===----------------------------------------------------------------------===//

LogicalResult convertNonZero(OnnxNode &node) {
  FailureOr<DenseElementsAttr> input =
      node.getConstantInput(0, "the input of NonZero (its values set the output shape)");
  if (failed(input))
    return failure();
  auto type = llvm::cast<RankedTensorType>(input->getType());
  ElementOrder elements(*input);
  if (!elements.supported() && input->getNumElements() > 0)
    return node.emitError() << "NonZero of " << type.getElementType() << " is not supported";
  ArrayRef<int64_t> shape = type.getShape();
  int64_t rank = shape.size(), count = input->getNumElements();
  // Row-major order: coordinates of each nonzero element, one row per axis.
  SmallVector<SmallVector<int64_t>> coords(rank);
  for (int64_t i = 0; i < count; ++i) {
    if (elements.isZero(i))
      continue;
    int64_t rest = i;
    for (int64_t axis = rank - 1; axis >= 0; --axis) {
      coords[axis].push_back(rest % shape[axis]);
      rest /= shape[axis];
    }
  }
  int64_t found = rank ? coords[0].size() : (count && !elements.isZero(0) ? 1 : 0);
  SmallVector<int64_t> flat;
  for (const SmallVector<int64_t> &row : coords)
    flat.append(row.begin(), row.end());
  return setI64Output(node, 0, {rank, found}, flat);
}

//===----------------------------------------------------------------------===//
// Unique
//===----------------------------------------------------------------------===//

LogicalResult convertUnique(OnnxNode &node) {
  FailureOr<std::optional<int64_t>> axisAttr = node.getOptionalInt("axis");
  FailureOr<int64_t> sorted = node.getInt("sorted", 1);
  if (failed(axisAttr) || failed(sorted))
    return failure();
  FailureOr<DenseElementsAttr> input =
      node.getConstantInput(0, "the input of Unique (its values set the output shapes)");
  if (failed(input))
    return failure();
  auto type = llvm::cast<RankedTensorType>(input->getType());
  ArrayRef<int64_t> shape = type.getShape();
  ElementOrder elements(*input);
  if (!elements.supported() && input->getNumElements() > 0)
    return node.emitError() << "Unique of " << type.getElementType() << " is not supported";

  // Items: the elements (flattened), or the slices along the axis, each a
  // list of element positions in row-major order.
  int64_t numItems, itemSize, axis = -1;
  int64_t outer = 1, inner = 1;
  if (*axisAttr) {
    FailureOr<int64_t> a = graph::normalizeAxis(**axisAttr, shape.size());
    if (failed(a))
      return node.emitError() << "axis " << **axisAttr << " is out of range for rank "
                              << shape.size();
    axis = *a;
    for (int64_t i = 0; i < axis; ++i)
      outer *= shape[i];
    for (size_t i = axis + 1; i < shape.size(); ++i)
      inner *= shape[i];
    numItems = shape[axis];
    itemSize = outer * inner;
  } else {
    numItems = input->getNumElements();
    itemSize = 1;
  }
  auto position = [&](int64_t item, int64_t k) {
    if (axis < 0)
      return item;
    return ((k / inner) * numItems + item) * inner + k % inner;
  };
  auto compareItems = [&](int64_t a, int64_t b) {
    for (int64_t k = 0; k < itemSize; ++k)
      if (int c = elements.compare(position(a, k), position(b, k)))
        return c;
    return 0;
  };

  SmallVector<int64_t> order(numItems);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return compareItems(a, b) < 0; });
  // Groups of equal items in ascending order; the stable sort puts each
  // group's first occurrence first.
  SmallVector<int64_t> firsts, counts, inverse(numItems);
  for (int64_t i = 0; i < numItems; ++i) {
    if (i == 0 || compareItems(order[i - 1], order[i]) != 0) {
      firsts.push_back(order[i]);
      counts.push_back(0);
    }
    inverse[order[i]] = firsts.size() - 1;
    ++counts.back();
  }
  if (!*sorted) {
    // First-occurrence order.
    SmallVector<int64_t> byFirst(firsts.size());
    std::iota(byFirst.begin(), byFirst.end(), 0);
    llvm::sort(byFirst, [&](int64_t a, int64_t b) { return firsts[a] < firsts[b]; });
    SmallVector<int64_t> rank(firsts.size());
    SmallVector<int64_t> newFirsts, newCounts;
    for (auto [r, g] : llvm::enumerate(byFirst)) {
      rank[g] = r;
      newFirsts.push_back(firsts[g]);
      newCounts.push_back(counts[g]);
    }
    for (int64_t &g : inverse)
      g = rank[g];
    firsts = std::move(newFirsts);
    counts = std::move(newCounts);
  }

  int64_t numUnique = firsts.size();
  SmallVector<int64_t> yShape;
  if (axis < 0) {
    yShape.push_back(numUnique);
  } else {
    yShape.assign(shape.begin(), shape.end());
    yShape[axis] = numUnique;
  }
  SmallVector<Attribute> values(input->getValues<Attribute>());
  SmallVector<Attribute> yValues;
  if (axis < 0) {
    for (int64_t f : firsts)
      yValues.push_back(values[f]);
  } else {
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t f : firsts)
        for (int64_t i = 0; i < inner; ++i)
          yValues.push_back(values[(o * numItems + f) * inner + i]);
  }
  FailureOr<Value> y = node.createConstant(
      DenseElementsAttr::get(RankedTensorType::get(yShape, type.getElementType()), yValues));
  if (failed(y))
    return failure();
  node.setOutput(0, *y);
  if (failed(setI64Output(node, 1, {numUnique}, firsts)) ||
      failed(setI64Output(node, 2, {numItems}, inverse)) ||
      failed(setI64Output(node, 3, {numUnique}, counts)))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// NonMaxSuppression
//===----------------------------------------------------------------------===//

/// Greedy NMS per batch and class, in the boxes' precision (the reference's
/// comparisons at the IoU threshold are in that precision too).
template <typename T>
SmallVector<int64_t> suppress(ArrayRef<T> boxes, ArrayRef<T> scores, int64_t batches,
                              int64_t classes, int64_t numBoxes, int64_t maxPerClass,
                              T iouThreshold, std::optional<T> scoreThreshold,
                              bool centerPointBox) {
  // A box as (x_min, x_max, y_min, y_max).
  auto corners = [&](int64_t b, int64_t i) {
    const T *box = &boxes[(b * numBoxes + i) * 4];
    if (centerPointBox) {
      T halfW = box[2] / 2, halfH = box[3] / 2;
      return std::array<T, 4>{box[0] - halfW, box[0] + halfW, box[1] - halfH,
                              box[1] + halfH};
    }
    return std::array<T, 4>{std::min(box[1], box[3]), std::max(box[1], box[3]),
                            std::min(box[0], box[2]), std::max(box[0], box[2])};
  };
  auto overlaps = [&](int64_t b, int64_t i, int64_t j) {
    std::array<T, 4> p = corners(b, i), q = corners(b, j);
    T xMin = std::max(p[0], q[0]), xMax = std::min(p[1], q[1]);
    if (xMax <= xMin)
      return false;
    T yMin = std::max(p[2], q[2]), yMax = std::min(p[3], q[3]);
    if (yMax <= yMin)
      return false;
    T intersection = (xMax - xMin) * (yMax - yMin);
    if (intersection <= 0)
      return false;
    T areaP = (p[1] - p[0]) * (p[3] - p[2]), areaQ = (q[1] - q[0]) * (q[3] - q[2]);
    T unionArea = areaP + areaQ - intersection;
    if (areaP <= 0 || areaQ <= 0 || unionArea <= 0)
      return false;
    return intersection / unionArea > iouThreshold;
  };
  SmallVector<int64_t> selected;
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t c = 0; c < classes; ++c) {
      const T *classScores = &scores[(b * classes + c) * numBoxes];
      SmallVector<int64_t> candidates;
      for (int64_t i = 0; i < numBoxes; ++i)
        if (!scoreThreshold || classScores[i] > *scoreThreshold)
          candidates.push_back(i);
      // Highest score first; equal scores by box index.
      std::stable_sort(candidates.begin(), candidates.end(), [&](int64_t i, int64_t j) {
        return classScores[i] > classScores[j];
      });
      SmallVector<int64_t> kept;
      for (int64_t i : candidates) {
        if (static_cast<int64_t>(kept.size()) >= maxPerClass)
          break;
        if (llvm::any_of(kept, [&](int64_t j) { return overlaps(b, i, j); }))
          continue;
        kept.push_back(i);
        selected.append({b, c, i});
      }
    }
  return selected;
}

template <typename T>
SmallVector<T> valuesAs(DenseElementsAttr attr) {
  SmallVector<T> result;
  for (APFloat v : attr.getValues<APFloat>()) {
    bool lost;
    v.convert(std::is_same_v<T, float> ? APFloat::IEEEsingle() : APFloat::IEEEdouble(),
              APFloat::rmNearestTiesToEven, &lost);
    result.push_back(std::is_same_v<T, float> ? v.convertToFloat() : v.convertToDouble());
  }
  return result;
}

LogicalResult convertNonMaxSuppression(OnnxNode &node) {
  FailureOr<int64_t> centerPointBox = node.getInt("center_point_box", 0);
  if (failed(centerPointBox))
    return failure();
  if (*centerPointBox != 0 && *centerPointBox != 1)
    return node.emitUnsupportedValue("center_point_box", std::to_string(*centerPointBox))
           << " (expected 0 or 1)";
  StringRef why = "an input of NonMaxSuppression (the selection sets the output shape)";
  FailureOr<DenseElementsAttr> boxes = node.getConstantInput(0, why);
  if (failed(boxes))
    return failure();
  FailureOr<DenseElementsAttr> scores = node.getConstantInput(1, why);
  if (failed(scores))
    return failure();
  int64_t maxPerClass = 0;
  if (node.getInput(2)) {
    FailureOr<SmallVector<int64_t>> max = node.getConstantInts(2, why);
    if (failed(max))
      return failure();
    if (!max->empty())
      maxPerClass = std::max<int64_t>((*max)[0], 0);
  }
  std::optional<DenseElementsAttr> iou, scoreThreshold;
  for (size_t i : {3, 4}) {
    if (!node.getInput(i))
      continue;
    FailureOr<DenseElementsAttr> value = node.getConstantInput(i, why);
    if (failed(value))
      return failure();
    if (value->getNumElements() > 0)
      (i == 3 ? iou : scoreThreshold) = *value;
  }
  ArrayRef<int64_t> boxShape = boxes->getType().getShape();
  ArrayRef<int64_t> scoreShape = scores->getType().getShape();
  if (boxShape.size() != 3 || boxShape[2] != 4 || scoreShape.size() != 3 ||
      scoreShape[0] != boxShape[0] || scoreShape[2] != boxShape[1])
    return node.emitError() << "boxes " << formatShape(boxShape) << " and scores "
                            << formatShape(scoreShape)
                            << " must be B x N x 4 and B x C x N";
  if (!llvm::isa<FloatType>(boxes->getElementType()) ||
      !llvm::isa<FloatType>(scores->getElementType()))
    return node.emitError() << "boxes and scores must be floats";
  auto first = [](DenseElementsAttr attr) {
    APFloat v = *attr.getValues<APFloat>().begin();
    bool lost;
    v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
    return v.convertToDouble();
  };
  double iouValue = iou ? first(*iou) : 0.0;
  std::optional<double> scoreValue;
  if (scoreThreshold)
    scoreValue = first(*scoreThreshold);
  SmallVector<int64_t> selected;
  if (boxes->getElementType().isF64()) {
    selected = suppress<double>(valuesAs<double>(*boxes), valuesAs<double>(*scores),
                                boxShape[0], scoreShape[1], boxShape[1], maxPerClass, iouValue,
                                scoreValue, *centerPointBox);
  } else {
    std::optional<float> scoreFloat;
    if (scoreValue)
      scoreFloat = static_cast<float>(*scoreValue);
    selected = suppress<float>(valuesAs<float>(*boxes), valuesAs<float>(*scores), boxShape[0],
                               scoreShape[1], boxShape[1], maxPerClass,
                               static_cast<float>(iouValue), scoreFloat, *centerPointBox);
  }
  return setI64Output(node, 0, {static_cast<int64_t>(selected.size() / 3), 3}, selected);
}

} // namespace

void kiln::frontend::populateDataDependentConverters(OnnxOpTable &table) {
  table.add({"NonZero", 9, 1, 1, 1, {}, convertNonZero});
  table.add({"Unique", 11, 1, 1, 4, {"axis", "sorted"}, convertUnique});
  table.add({"NonMaxSuppression", 10, 2, 5, 1, {"center_point_box"},
             convertNonMaxSuppression});
}

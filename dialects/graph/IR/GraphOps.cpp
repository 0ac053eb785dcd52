//===- GraphOps.cpp - Type inference and verification of graph ops --------===//
//
// Each op's inferReturnTypes is its verifier too: the InferTypeOpInterface
// verification checks the actual result types against what it infers, and
// importers call it before creating an op so bad models fail with the node's
// location instead of producing invalid IR.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/IR/GraphOps.h"

#include "mlir/Dialect/CommonFolders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace kiln::graph;

//===----------------------------------------------------------------------===//
// Shared shape helpers
//===----------------------------------------------------------------------===//

bool kiln::graph::areRefinementCompatible(TypeRange inferred,
                                          TypeRange actual) {
  if (inferred.size() != actual.size())
    return false;
  for (auto [inf, act] : llvm::zip(inferred, actual)) {
    auto infTensor = llvm::dyn_cast<RankedTensorType>(inf);
    auto actTensor = llvm::dyn_cast<RankedTensorType>(act);
    if (!infTensor || !actTensor) {
      if (inf != act)
        return false;
      continue;
    }
    if (infTensor.getElementType() != actTensor.getElementType() ||
        infTensor.getRank() != actTensor.getRank())
      return false;
    for (auto [i, a] : llvm::zip(infTensor.getShape(), actTensor.getShape()))
      if (!ShapedType::isDynamic(i) && i != a)
        return false;
  }
  return true;
}

LogicalResult kiln::graph::broadcastShapes(ArrayRef<int64_t> lhs,
                                           ArrayRef<int64_t> rhs,
                                           SmallVectorImpl<int64_t> &result) {
  size_t rank = std::max(lhs.size(), rhs.size());
  result.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t l = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t r = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    if (l == 1) {
      result[i] = r;
    } else if (r == 1) {
      result[i] = l;
    } else if (ShapedType::isDynamic(l)) {
      result[i] = r;
    } else if (ShapedType::isDynamic(r) || l == r) {
      result[i] = l;
    } else {
      return failure();
    }
  }
  return success();
}

LogicalResult kiln::graph::inferResultTypes(Operation *op) {
  auto iface = llvm::dyn_cast<InferTypeOpInterface>(op);
  assert(iface && "graph ops implement InferTypeOpInterface");
  SmallVector<Type> types;
  if (failed(iface.inferReturnTypes(op->getContext(), op->getLoc(),
                                    op->getOperands(),
                                    op->getRawDictionaryAttrs(),
                                    op->getPropertiesStorage(),
                                    op->getRegions(), types)))
    return failure();
  for (auto [result, type] : llvm::zip(op->getResults(), types))
    result.setType(type);
  return success();
}

bool kiln::graph::isUnidirectionalBroadcastable(ArrayRef<int64_t> from,
                                                ArrayRef<int64_t> to) {
  if (from.size() > to.size())
    return false;
  size_t offset = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i) {
    int64_t f = from[i], t = to[i + offset];
    if (f != 1 && !ShapedType::isDynamic(f) && !ShapedType::isDynamic(t) &&
        f != t)
      return false;
  }
  return true;
}

FailureOr<int64_t> kiln::graph::normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return failure();
  return axis < 0 ? axis + rank : axis;
}

std::string kiln::graph::formatShape(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleave(
      shape, os,
      [&](int64_t d) {
        if (ShapedType::isDynamic(d))
          os << "?";
        else
          os << d;
      },
      ",");
  os << "]";
  return s;
}

LogicalResult kiln::graph::computeWindowGeometry(
    std::optional<Location> loc, ArrayRef<int64_t> inputSpatial,
    ArrayRef<int64_t> kernel, std::optional<ArrayRef<int64_t>> pads,
    std::optional<ArrayRef<int64_t>> strides,
    std::optional<ArrayRef<int64_t>> dilations, AutoPad autoPad, bool ceilMode,
    WindowGeometry &g) {
  size_t n = inputSpatial.size();
  if (kernel.size() != n)
    return emitOptionalError(loc, "kernel has ", kernel.size(),
                             " spatial axes but the input has ", n);
  g.kernel.assign(kernel.begin(), kernel.end());
  g.strides.assign(n, 1);
  g.dilations.assign(n, 1);
  g.padBegin.assign(n, 0);
  g.padEnd.assign(n, 0);
  if (strides) {
    if (strides->size() != n)
      return emitOptionalError(loc, "strides has ", strides->size(),
                               " values, expected ", n);
    g.strides.assign(strides->begin(), strides->end());
  }
  if (dilations) {
    if (dilations->size() != n)
      return emitOptionalError(loc, "dilations has ", dilations->size(),
                               " values, expected ", n);
    g.dilations.assign(dilations->begin(), dilations->end());
  }
  if (pads && autoPad == AutoPad::notset) {
    if (pads->size() != 2 * n)
      return emitOptionalError(loc, "pads has ", pads->size(),
                               " values, expected ", 2 * n);
    for (size_t i = 0; i < n; ++i) {
      g.padBegin[i] = (*pads)[i];
      g.padEnd[i] = (*pads)[i + n];
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (g.kernel[i] <= 0 || g.strides[i] <= 0 || g.dilations[i] <= 0)
      return emitOptionalError(
          loc, "kernel sizes, strides and dilations must be positive");
    if (g.padBegin[i] < 0 || g.padEnd[i] < 0)
      return emitOptionalError(loc, "negative pads are not supported");
  }

  g.outSizes.assign(n, ShapedType::kDynamic);
  for (size_t i = 0; i < n; ++i) {
    int64_t in = inputSpatial[i];
    if (ShapedType::isDynamic(in))
      continue;
    int64_t extent = (g.kernel[i] - 1) * g.dilations[i] + 1;
    int64_t stride = g.strides[i];
    int64_t out;
    switch (autoPad) {
    case AutoPad::same_upper:
    case AutoPad::same_lower: {
      out = (in + stride - 1) / stride;
      int64_t total = std::max<int64_t>(0, (out - 1) * stride + extent - in);
      int64_t small = total / 2, large = total - small;
      g.padBegin[i] = autoPad == AutoPad::same_upper ? small : large;
      g.padEnd[i] = autoPad == AutoPad::same_upper ? large : small;
      break;
    }
    case AutoPad::valid:
    case AutoPad::notset: {
      int64_t span = in + g.padBegin[i] + g.padEnd[i] - extent;
      if (span < 0)
        return emitOptionalError(loc, "window of extent ", extent,
                                 " does not fit spatial axis ", i, " of size ",
                                 in, " with its padding");
      out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
      // A window may start in the end padding only if it overlaps the input
      // or the begin padding.
      if (ceilMode && (out - 1) * stride >= in + g.padBegin[i])
        --out;
      break;
    }
    }
    g.outSizes[i] = out;
  }
  return success();
}

/// Returns the shape of `t` or fails with an error naming `what`.
static FailureOr<RankedTensorType> rankedOrError(std::optional<Location> loc,
                                                 Type t, StringRef what) {
  auto tensor = llvm::dyn_cast<RankedTensorType>(t);
  if (!tensor) {
    (void)emitOptionalError(loc, what, " must be a ranked tensor");
    return failure();
  }
  return tensor;
}

//===----------------------------------------------------------------------===//
// Constants and plumbing
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  auto type = llvm::dyn_cast<RankedTensorType>(adaptor.getValue().getType());
  if (!type)
    return emitOptionalError(loc, "constant value must be a ranked tensor");
  types.push_back(type);
  return success();
}

/// Unary elementwise ops: the result has the operand's type.
template <typename Adaptor>
static LogicalResult inferSameAsInput(Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult IdentityOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location>,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  return inferSameAsInput(adaptor, types);
}

LogicalResult ClipOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  for (Value bound : {adaptor.getMin(), adaptor.getMax()}) {
    if (!bound)
      continue;
    auto type = llvm::cast<RankedTensorType>(bound.getType());
    if (type.getElementType() != input.getElementType())
      return emitOptionalError(loc, "clip bound element type ",
                               type.getElementType(),
                               " differs from the input's ",
                               input.getElementType());
    if (type.hasStaticShape() && type.getNumElements() != 1)
      return emitOptionalError(loc, "clip bounds must be scalars, got shape ",
                               formatShape(type.getShape()));
  }
  types.push_back(input);
  return success();
}

//===----------------------------------------------------------------------===//
// Linear algebra and convolution
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  auto lhs = llvm::cast<RankedTensorType>(adaptor.getLhs().getType());
  auto rhs = llvm::cast<RankedTensorType>(adaptor.getRhs().getType());
  if (lhs.getElementType() != rhs.getElementType())
    return emitOptionalError(loc, "operand element types differ: ",
                             lhs.getElementType(), " and ",
                             rhs.getElementType());
  if (lhs.getRank() == 0 || rhs.getRank() == 0)
    return emitOptionalError(loc, "matmul operands must have rank >= 1");
  // numpy: a 1-D lhs is a row vector, a 1-D rhs a column vector; the
  // promoted axis is dropped from the result.
  SmallVector<int64_t> a(lhs.getShape()), b(rhs.getShape());
  bool lhsVector = a.size() == 1, rhsVector = b.size() == 1;
  if (lhsVector)
    a.insert(a.begin(), 1);
  if (rhsVector)
    b.push_back(1);
  int64_t k1 = a.back(), k2 = b[b.size() - 2];
  if (!ShapedType::isDynamic(k1) && !ShapedType::isDynamic(k2) && k1 != k2)
    return emitOptionalError(loc, "contraction sizes differ: ",
                             formatShape(lhs.getShape()), " x ",
                             formatShape(rhs.getShape()));
  SmallVector<int64_t> batch;
  if (failed(broadcastShapes(ArrayRef<int64_t>(a).drop_back(2),
                             ArrayRef<int64_t>(b).drop_back(2), batch)))
    return emitOptionalError(loc, "batch dimensions of ",
                             formatShape(lhs.getShape()), " and ",
                             formatShape(rhs.getShape()), " do not broadcast");
  SmallVector<int64_t> shape(batch);
  if (!lhsVector)
    shape.push_back(a[a.size() - 2]);
  if (!rhsVector)
    shape.push_back(b.back());
  types.push_back(RankedTensorType::get(shape, lhs.getElementType()));
  return success();
}

LogicalResult GemmOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  auto a = llvm::cast<RankedTensorType>(adaptor.getA().getType());
  auto b = llvm::cast<RankedTensorType>(adaptor.getB().getType());
  if (a.getRank() != 2 || b.getRank() != 2)
    return emitOptionalError(loc, "gemm operands A and B must be 2-D, got ",
                             formatShape(a.getShape()), " and ",
                             formatShape(b.getShape()));
  if (a.getElementType() != b.getElementType())
    return emitOptionalError(loc, "operand element types differ");
  int64_t m = a.getDimSize(adaptor.getTransA() ? 1 : 0);
  int64_t ka = a.getDimSize(adaptor.getTransA() ? 0 : 1);
  int64_t kb = b.getDimSize(adaptor.getTransB() ? 1 : 0);
  int64_t n = b.getDimSize(adaptor.getTransB() ? 0 : 1);
  if (!ShapedType::isDynamic(ka) && !ShapedType::isDynamic(kb) && ka != kb)
    return emitOptionalError(loc, "contraction sizes differ: ", ka, " vs ", kb);
  SmallVector<int64_t> shape = {m, n};
  if (Value c = adaptor.getC()) {
    auto cType = llvm::cast<RankedTensorType>(c.getType());
    if (cType.getElementType() != a.getElementType() ||
        !isUnidirectionalBroadcastable(cType.getShape(), shape))
      return emitOptionalError(loc, "C of shape ", formatShape(cType.getShape()),
                               " does not broadcast to ", formatShape(shape));
  }
  types.push_back(RankedTensorType::get(shape, a.getElementType()));
  return success();
}

LogicalResult ConvOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  auto weight = llvm::cast<RankedTensorType>(adaptor.getWeight().getType());
  if (input.getRank() < 3)
    return emitOptionalError(loc, "conv input must have rank >= 3 (N x C x ...), got ",
                             formatShape(input.getShape()));
  if (weight.getRank() != input.getRank())
    return emitOptionalError(loc, "conv weight rank ", weight.getRank(),
                             " differs from the input rank ", input.getRank());
  if (input.getElementType() != weight.getElementType())
    return emitOptionalError(loc, "input and weight element types differ");
  int64_t group = adaptor.getGroup();
  if (group <= 0)
    return emitOptionalError(loc, "group must be positive, got ", group);
  int64_t channels = input.getDimSize(1), m = weight.getDimSize(0),
          cPerGroup = weight.getDimSize(1);
  if (!ShapedType::isDynamic(channels) && !ShapedType::isDynamic(cPerGroup) &&
      channels != cPerGroup * group)
    return emitOptionalError(loc, "input has ", channels,
                             " channels but weight expects ", cPerGroup,
                             " per group x ", group, " groups");
  if (!ShapedType::isDynamic(m) && m % group != 0)
    return emitOptionalError(loc, "output channels ", m,
                             " are not divisible by group ", group);
  if (Value bias = adaptor.getBias()) {
    auto biasType = llvm::cast<RankedTensorType>(bias.getType());
    if (biasType.getRank() != 1 ||
        (!ShapedType::isDynamic(m) && !ShapedType::isDynamic(biasType.getDimSize(0)) &&
         biasType.getDimSize(0) != m))
      return emitOptionalError(loc, "bias must be 1-D of size ", m, ", got ",
                               formatShape(biasType.getShape()));
  }
  ArrayRef<int64_t> kernel = weight.getShape().drop_front(2);
  if (llvm::any_of(kernel, ShapedType::isDynamic))
    return emitOptionalError(loc, "conv kernel sizes must be static");
  WindowGeometry g;
  if (failed(computeWindowGeometry(loc, input.getShape().drop_front(2), kernel,
                                   adaptor.getPads(), adaptor.getStrides(),
                                   adaptor.getDilations(), adaptor.getAutoPad(),
                                   /*ceilMode=*/false, g)))
    return failure();
  SmallVector<int64_t> shape = {input.getDimSize(0), m};
  shape.append(g.outSizes);
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult ConvTransposeOp::inferReturnTypes(MLIRContext *,
                                                std::optional<Location> loc,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  auto weight = llvm::cast<RankedTensorType>(adaptor.getWeight().getType());
  int64_t rank = input.getRank();
  if (rank < 3 || weight.getRank() != rank)
    return emitOptionalError(loc, "conv_transpose needs input and weight of the same "
                                  "rank >= 3, got ",
                             formatShape(input.getShape()), " and ",
                             formatShape(weight.getShape()));
  if (input.getElementType() != weight.getElementType())
    return emitOptionalError(loc, "operand element types differ");
  int64_t spatial = rank - 2, group = adaptor.getGroup();
  ArrayRef<int64_t> sizes = adaptor.getOutputSizes();
  auto checkCount = [&](std::optional<ArrayRef<int64_t>> values, StringRef what) {
    return !values || static_cast<int64_t>(values->size()) == spatial ||
           (emitOptionalError(loc, what, " has ", values->size(), " values, expected ",
                              spatial),
            false);
  };
  if (!checkCount(sizes, "output_sizes") || !checkCount(adaptor.getPadsBegin(), "pads_begin") ||
      !checkCount(adaptor.getStrides(), "strides") ||
      !checkCount(adaptor.getDilations(), "dilations"))
    return failure();
  if (group <= 0)
    return emitOptionalError(loc, "group must be positive");
  int64_t channels = input.getDimSize(1);
  if (!ShapedType::isDynamic(channels) &&
      (channels % group != 0 ||
       (!ShapedType::isDynamic(weight.getDimSize(0)) && weight.getDimSize(0) != channels)))
    return emitOptionalError(loc, "weight of shape ", formatShape(weight.getShape()),
                             " does not fit ", channels, " input channels in ", group,
                             " groups");
  if (llvm::any_of(sizes, [](int64_t s) { return s < 0; }))
    return emitOptionalError(loc, "output sizes must not be negative");
  int64_t m = weight.getDimSize(1);
  SmallVector<int64_t> shape = {input.getDimSize(0),
                                ShapedType::isDynamic(m) ? m : m * group};
  shape.append(sizes.begin(), sizes.end());
  if (Value bias = adaptor.getBias()) {
    auto biasType = llvm::cast<RankedTensorType>(bias.getType());
    if (biasType.getRank() != 1 || (!ShapedType::isDynamic(shape[1]) &&
                                    biasType.getDimSize(0) != shape[1]))
      return emitOptionalError(loc, "bias of shape ", formatShape(biasType.getShape()),
                               " does not match ", shape[1], " output channels");
  }
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult ResampleOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                           Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  auto indices = llvm::cast<RankedTensorType>(adaptor.getIndices().getType());
  FailureOr<int64_t> axis = normalizeAxis(adaptor.getAxis(), input.getRank());
  if (failed(axis))
    return emitOptionalError(loc, "axis ", adaptor.getAxis(), " is out of range for rank ",
                             input.getRank());
  if (indices.getRank() != 2)
    return emitOptionalError(loc, "indices must be 2-D (outputs x taps), got ",
                             formatShape(indices.getShape()));
  if (Value weights = adaptor.getWeights()) {
    auto weightType = llvm::cast<RankedTensorType>(weights.getType());
    if (weightType.getShape() != indices.getShape() ||
        weightType.getElementType() != input.getElementType())
      return emitOptionalError(loc, "weights must match the indices' shape and the "
                                    "input's element type");
  } else if (indices.getDimSize(1) != 1) {
    return emitOptionalError(loc, "a resample without weights takes one tap");
  }
  SmallVector<int64_t> shape(input.getShape());
  shape[*axis] = indices.getDimSize(0);
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Pooling and normalization
//===----------------------------------------------------------------------===//

template <typename Adaptor>
static LogicalResult inferPool(std::optional<Location> loc, Adaptor adaptor,
                               SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  if (input.getRank() < 3)
    return emitOptionalError(loc, "pool input must have rank >= 3 (N x C x ...), got ",
                             formatShape(input.getShape()));
  WindowGeometry g;
  if (failed(computeWindowGeometry(
          loc, input.getShape().drop_front(2), adaptor.getKernelShape(),
          adaptor.getPads(), adaptor.getStrides(), adaptor.getDilations(),
          adaptor.getAutoPad(), adaptor.getCeilMode(), g)))
    return failure();
  SmallVector<int64_t> shape = {input.getDimSize(0), input.getDimSize(1)};
  shape.append(g.outSizes);
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult MaxPoolOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  return inferPool(loc, adaptor, types);
}

LogicalResult AveragePoolOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &types) {
  return inferPool(loc, adaptor, types);
}

LogicalResult LpPoolOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  if (adaptor.getP() <= 0)
    return emitOptionalError(loc, "p must be positive, got ", adaptor.getP());
  return inferPool(loc, adaptor, types);
}

LogicalResult MaxPoolIndicesOp::inferReturnTypes(MLIRContext *context,
                                                 std::optional<Location> loc,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &types) {
  if (failed(inferPool(loc, adaptor, types)))
    return failure();
  types.back() = llvm::cast<RankedTensorType>(types.back()).clone(IntegerType::get(context, 64));
  return success();
}

LogicalResult GlobalAveragePoolOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  if (input.getRank() < 3)
    return emitOptionalError(loc, "pool input must have rank >= 3 (N x C x ...), got ",
                             formatShape(input.getShape()));
  SmallVector<int64_t> shape(input.getShape());
  std::fill(shape.begin() + 2, shape.end(), 1);
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  if (input.getRank() < 2)
    return emitOptionalError(loc, "batch_norm input must have rank >= 2, got ",
                             formatShape(input.getShape()));
  int64_t channels = input.getDimSize(1);
  for (Value param : {adaptor.getScale(), adaptor.getBias(), adaptor.getMean(),
                      adaptor.getVariance()}) {
    auto type = llvm::cast<RankedTensorType>(param.getType());
    if (type.getElementType() != input.getElementType())
      return emitOptionalError(loc, "batch_norm parameters must have the input's element type");
    if (type.getRank() != 1 ||
        (!ShapedType::isDynamic(channels) && !type.isDynamicDim(0) &&
         type.getDimSize(0) != channels))
      return emitOptionalError(loc, "batch_norm parameters must be 1-D of size ",
                               channels, ", got ", formatShape(type.getShape()));
  }
  types.push_back(input);
  return success();
}

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  if (failed(normalizeAxis(static_cast<int64_t>(adaptor.getAxis()),
                           std::max<int64_t>(input.getRank(), 1))))
    return emitOptionalError(loc, "axis ", static_cast<int64_t>(adaptor.getAxis()),
                             " is out of range for rank ", input.getRank());
  types.push_back(input);
  return success();
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

/// The [start, end) range of dimensions ONNX Shape returns for `rank`.
static std::pair<int64_t, int64_t> shapeRange(int64_t rank, int64_t start,
                                              std::optional<int64_t> end) {
  auto clampAxis = [&](int64_t axis) {
    if (axis < 0)
      axis += rank;
    return std::clamp<int64_t>(axis, 0, rank);
  };
  int64_t first = clampAxis(start), last = end ? clampAxis(*end) : rank;
  return {first, std::max(first, last)};
}

LogicalResult ShapeOp::inferReturnTypes(MLIRContext *context, std::optional<Location>,
                                        Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  auto [first, last] = shapeRange(input.getRank(), adaptor.getStart(), adaptor.getEnd());
  types.push_back(RankedTensorType::get({last - first}, IntegerType::get(context, 64)));
  return success();
}

OpFoldResult ShapeOp::fold(FoldAdaptor) {
  auto input = llvm::cast<RankedTensorType>(getInput().getType());
  auto [first, last] = shapeRange(input.getRank(), getStart(), getEnd());
  ArrayRef<int64_t> dims = input.getShape().slice(first, last - first);
  if (llvm::any_of(dims, ShapedType::isDynamic))
    return {};
  return DenseIntElementsAttr::get(llvm::cast<RankedTensorType>(getType()), dims);
}

LogicalResult SizeOp::inferReturnTypes(MLIRContext *context, std::optional<Location>,
                                       Adaptor, SmallVectorImpl<Type> &types) {
  types.push_back(RankedTensorType::get({}, IntegerType::get(context, 64)));
  return success();
}

OpFoldResult SizeOp::fold(FoldAdaptor) {
  auto input = llvm::cast<RankedTensorType>(getInput().getType());
  if (!input.hasStaticShape())
    return {};
  return DenseIntElementsAttr::get(llvm::cast<RankedTensorType>(getType()),
                                   ArrayRef<int64_t>{input.getNumElements()});
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  auto shapeType = llvm::cast<RankedTensorType>(adaptor.getShape().getType());
  if (shapeType.getRank() != 1)
    return emitOptionalError(loc, "reshape shape must be 1-D, got rank ",
                             shapeType.getRank());
  if (shapeType.isDynamicDim(0))
    return emitOptionalError(loc, "reshape target rank must be known");
  int64_t rank = shapeType.getDimSize(0);

  DenseIntElementsAttr shapeAttr;
  if (!matchPattern(adaptor.getShape(), m_Constant(&shapeAttr))) {
    types.push_back(RankedTensorType::get(
        SmallVector<int64_t>(rank, ShapedType::kDynamic), input.getElementType()));
    return success();
  }
  SmallVector<int64_t> shape;
  int64_t inferredAxis = -1, known = 1;
  for (auto [i, v] : llvm::enumerate(shapeAttr.getValues<APInt>())) {
    int64_t d = v.getSExtValue();
    if (d == 0 && !adaptor.getAllowZero()) {
      if (static_cast<int64_t>(i) >= input.getRank())
        return emitOptionalError(loc, "reshape copies dimension ", i,
                                 " but the input has rank ", input.getRank());
      d = input.getDimSize(i);
    } else if (d == -1) {
      if (inferredAxis >= 0)
        return emitOptionalError(loc, "reshape shape has more than one -1");
      inferredAxis = i;
      shape.push_back(ShapedType::kDynamic);
      continue;
    } else if (d < -1) {
      return emitOptionalError(loc, "reshape shape has invalid size ", d);
    }
    shape.push_back(d);
    if (ShapedType::isDynamic(d))
      known = ShapedType::kDynamic;
    else if (!ShapedType::isDynamic(known))
      known *= d;
  }
  if (input.hasStaticShape() && !ShapedType::isDynamic(known)) {
    int64_t total = input.getNumElements();
    if (inferredAxis >= 0) {
      if (known == 0 || total % known != 0)
        return emitOptionalError(loc, "cannot reshape ", formatShape(input.getShape()),
                                 " to ", formatShape(shape));
      shape[inferredAxis] = total / known;
    } else if (known != total) {
      return emitOptionalError(loc, "cannot reshape ", formatShape(input.getShape()),
                               " (", total, " elements) to ", formatShape(shape),
                               " (", known, " elements)");
    }
  }
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult FlattenOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t rank = input.getRank();
  int64_t axis = static_cast<int64_t>(adaptor.getAxis());
  if (axis < -rank || axis > rank)
    return emitOptionalError(loc, "flatten axis ", axis,
                             " is out of range for rank ", rank);
  if (axis < 0)
    axis += rank;
  auto product = [](ArrayRef<int64_t> dims) {
    int64_t p = 1;
    for (int64_t d : dims) {
      if (ShapedType::isDynamic(d))
        return ShapedType::kDynamic;
      p *= d;
    }
    return p;
  };
  ArrayRef<int64_t> shape = input.getShape();
  types.push_back(RankedTensorType::get(
      {product(shape.take_front(axis)), product(shape.drop_front(axis))},
      input.getElementType()));
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  ArrayRef<int64_t> perm = adaptor.getPerm();
  if (static_cast<int64_t>(perm.size()) != input.getRank())
    return emitOptionalError(loc, "perm has ", perm.size(),
                             " entries for a tensor of rank ", input.getRank());
  SmallVector<bool> seen(perm.size(), false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= input.getRank() || seen[p])
      return emitOptionalError(loc, "perm is not a permutation of 0..",
                               input.getRank() - 1);
    seen[p] = true;
    shape.push_back(input.getDimSize(p));
  }
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  if (adaptor.getInputs().empty())
    return emitOptionalError(loc, "concat needs at least one input");
  auto first = llvm::cast<RankedTensorType>(adaptor.getInputs()[0].getType());
  int64_t rank = first.getRank();
  FailureOr<int64_t> axis =
      normalizeAxis(static_cast<int64_t>(adaptor.getAxis()), rank);
  if (failed(axis))
    return emitOptionalError(loc, "concat axis ",
                             static_cast<int64_t>(adaptor.getAxis()),
                             " is out of range for rank ", rank);
  SmallVector<int64_t> shape(first.getShape());
  shape[*axis] = 0;
  for (Value v : adaptor.getInputs()) {
    auto type = llvm::cast<RankedTensorType>(v.getType());
    if (type.getRank() != rank || type.getElementType() != first.getElementType())
      return emitOptionalError(loc, "concat inputs must share rank and element type");
    for (int64_t i = 0; i < rank; ++i) {
      int64_t d = type.getDimSize(i);
      if (i == *axis) {
        shape[i] = ShapedType::isDynamic(shape[i]) || ShapedType::isDynamic(d)
                       ? ShapedType::kDynamic
                       : shape[i] + d;
      } else if (ShapedType::isDynamic(shape[i])) {
        shape[i] = d;
      } else if (!ShapedType::isDynamic(d) && d != shape[i]) {
        return emitOptionalError(loc, "concat inputs differ in dimension ", i,
                                 ": ", shape[i], " vs ", d);
      }
    }
  }
  types.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

#define GET_OP_CLASSES
#include "dialects/graph/IR/GraphOps.cpp.inc"

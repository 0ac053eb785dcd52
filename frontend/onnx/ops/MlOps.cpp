//===- MlOps.cpp - ai.onnx.ml ops as kiln ops ------------------------------===//
//
// The classical machine-learning ops of the ai.onnx.ml domain that work on
// numeric tensors: Binarizer, ArrayFeatureExtractor, LabelEncoder (numeric
// keys and values; Kiln has no string tensors) and TreeEnsemble. The trees
// are attributes, so TreeEnsemble becomes dense tensor algebra over
// compile-time tables: every split is evaluated for every row, and a leaf is
// reached when all the decisions on its path hold, which one matmul counts.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/GraphEmitter.h"
#include "frontend/onnx/OnnxNode.h"
#include "frontend/onnx/OnnxOpTable.h"
#include "frontend/onnx/OnnxTensors.h"
#include "frontend/onnx/ops/ReductionBuilders.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

namespace {

LogicalResult convertBinarizer(OnnxNode &node) {
  FailureOr<float> threshold = node.getFloat("threshold", 0.0f);
  if (failed(threshold))
    return failure();
  Value x = node.getInput(0);
  Type type = elementTypeOf(x);
  if (!llvm::isa<FloatType>(type) && !llvm::isa<IntegerType>(type))
    return node.emitError() << "Binarizer needs a numeric input, got " << type;
  GraphEmitter e(node);
  Value y = e.cast(e.op<graph::GreaterOp>(x, e.scalar(type, *threshold)), type);
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

/// Gathers along the last axis; a 1-D input gives one row, and the indices
/// count flattened.
LogicalResult convertArrayFeatureExtractor(OnnxNode &node) {
  Value data = node.getInput(0), indices = node.getInput(1);
  ArrayRef<int64_t> shape = shapeOf(data);
  if (shape.empty())
    return node.emitError() << "ArrayFeatureExtractor needs an input of rank 1 or more";
  if (!llvm::isa<IntegerType>(elementTypeOf(indices)) || elementTypeOf(indices).isInteger(1))
    return node.emitError() << "the indices must be integers, got " << indices.getType();
  GraphEmitter e(node);
  int64_t count = node.getInputType(1).getNumElements();
  Value flat = e.reshape(e.cast(indices, node.getBuilder().getI64Type()), {count});
  Value y = e.op<graph::GatherOp>(data, flat,
                                  node.getBuilder().getI64IntegerAttr(shape.size() - 1));
  SmallVector<int64_t> outShape(shape.begin(), shape.end() - 1);
  if (outShape.empty())
    outShape.push_back(1);
  outShape.push_back(count);
  y = e.reshape(y, outShape);
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

//===----------------------------------------------------------------------===//
// LabelEncoder
//===----------------------------------------------------------------------===//

/// Keys or values of a LabelEncoder: from `<prefix>_tensor` (opset 4), or the
/// int64s/floats list attributes; fails on strings.
FailureOr<DenseElementsAttr> readEncoderTable(OnnxNode &node, StringRef prefix) {
  OpBuilder &b = node.getBuilder();
  std::string tensorName = (prefix + "_tensor").str();
  if (node.findAttr(tensorName)) {
    FailureOr<const onnx::TensorProto *> tensor = node.getOptionalTensor(tensorName);
    if (failed(tensor))
      return failure();
    if ((*tensor)->data_type() == onnx::TensorProto::STRING)
      return node.emitError() << "string " << prefix
                              << " are not supported: Kiln has no string tensors";
    FailureOr<DenseElementsAttr> value =
        node.convertTensor(**tensor, "attribute '" + tensorName + "'");
    if (failed(value))
      return failure();
    int64_t n = value->getNumElements();
    return value->reshape(RankedTensorType::get({n}, value->getElementType()));
  }
  if (node.findAttr((prefix + "_strings").str()))
    return node.emitError() << "string " << prefix
                            << " are not supported: Kiln has no string tensors";
  FailureOr<std::optional<SmallVector<int64_t>>> ints =
      node.getOptionalInts((prefix + "_int64s").str());
  FailureOr<std::optional<SmallVector<float>>> floats =
      node.getOptionalFloats((prefix + "_floats").str());
  if (failed(ints) || failed(floats))
    return failure();
  if (*ints && *floats)
    return node.emitError() << "give " << prefix << " as int64s or floats, not both";
  if (*ints)
    return DenseElementsAttr::get(
        RankedTensorType::get({int64_t((*ints)->size())}, b.getI64Type()),
        ArrayRef<int64_t>(**ints));
  if (*floats)
    return DenseElementsAttr::get(
        RankedTensorType::get({int64_t((*floats)->size())}, b.getF32Type()),
        ArrayRef<float>(**floats));
  return node.emitError() << "LabelEncoder needs its " << prefix;
}

/// Each element is compared with every key; the value of the key it equals
/// (keys are distinct), else the default.
LogicalResult convertLabelEncoder(OnnxNode &node) {
  FailureOr<DenseElementsAttr> keys = readEncoderTable(node, "keys");
  if (failed(keys))
    return failure();
  FailureOr<DenseElementsAttr> values = readEncoderTable(node, "values");
  if (failed(values))
    return failure();
  if (keys->getNumElements() != values->getNumElements() || keys->getNumElements() == 0)
    return node.emitError() << "LabelEncoder needs as many values as keys (and some), got "
                            << keys->getNumElements() << " keys and "
                            << values->getNumElements() << " values";
  Value x = node.getInput(0);
  if (elementTypeOf(x) != keys->getElementType())
    return node.emitError() << "the input's element type " << elementTypeOf(x)
                            << " differs from the keys' " << keys->getElementType();
  Type valueType = values->getElementType();

  // The default: default_tensor, or the default_* attribute of the type.
  GraphEmitter e(node);
  Value defaultValue;
  if (node.findAttr("default_tensor")) {
    FailureOr<const onnx::TensorProto *> tensor = node.getOptionalTensor("default_tensor");
    if (failed(tensor))
      return failure();
    FailureOr<DenseElementsAttr> value =
        node.convertTensor(**tensor, "attribute 'default_tensor'");
    if (failed(value))
      return failure();
    if (value->getElementType() != valueType || value->getNumElements() != 1)
      return node.emitError() << "default_tensor must hold one " << valueType;
    defaultValue = e.constant(value->reshape(RankedTensorType::get({}, valueType)));
  } else if (llvm::isa<FloatType>(valueType)) {
    FailureOr<float> f = node.getFloat("default_float", -0.0f);
    if (failed(f))
      return failure();
    defaultValue = e.scalar(valueType, *f);
  } else {
    FailureOr<int64_t> i = node.getInt("default_int64", -1);
    if (failed(i))
      return failure();
    defaultValue = e.scalar(valueType, double(*i));
  }

  SmallVector<int64_t> shape(shapeOf(x));
  SmallVector<int64_t> column(shape);
  column.push_back(1);
  Value matches = e.op<graph::EqualOp>(e.reshape(x, column), e.constant(*keys));
  Value picked = e.op<graph::WhereOp>(matches, e.constant(*values), e.scalar(valueType, 0.0));
  int64_t last = shape.size();
  Value sum = reduce(e, graph::ReduceKind::sum, picked, {last}, false);
  Value any = reduce(e, graph::ReduceKind::max, e.cast(matches, node.getBuilder().getI32Type()),
                     {last}, false);
  Value found = e.cast(any, node.getBuilder().getI1Type());
  Value y = e.op<graph::WhereOp>(found, sum, defaultValue);
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

//===----------------------------------------------------------------------===//
// TreeEnsemble
//===----------------------------------------------------------------------===//

enum class SplitMode { leq = 0, lt, gte, gt, eq, neq, member };

/// One root-to-leaf path: the decisions on it and the leaf it ends at.
struct TreePath {
  SmallVector<std::pair<int64_t, bool>> decisions; // (node, took the true branch)
  int64_t leaf;
};

FailureOr<SmallVector<double>> readDoubles(OnnxNode &node, StringRef name, bool required) {
  FailureOr<const onnx::TensorProto *> tensor = node.getOptionalTensor(name);
  if (failed(tensor))
    return failure();
  if (!*tensor) {
    if (required)
      return node.emitError() << "TreeEnsemble needs attribute '" << name << "'";
    return SmallVector<double>();
  }
  FailureOr<DenseElementsAttr> value = node.convertTensor(**tensor, "attribute '" + name.str() + "'");
  if (failed(value))
    return failure();
  SmallVector<double> result;
  if (llvm::isa<FloatType>(value->getElementType())) {
    for (APFloat f : value->getValues<APFloat>())
      result.push_back(f.convertToDouble());
  } else {
    for (APInt i : value->getValues<APInt>())
      result.push_back(double(i.getZExtValue()));
  }
  return result;
}

LogicalResult convertTreeEnsemble(OnnxNode &node) {
  FailureOr<int64_t> aggregate = node.getInt("aggregate_function", 1);
  FailureOr<int64_t> post = node.getInt("post_transform", 0);
  FailureOr<int64_t> numTargets = node.getRequiredInt("n_targets");
  FailureOr<SmallVector<int64_t>> featureIds = node.getRequiredInts("nodes_featureids");
  FailureOr<SmallVector<int64_t>> trueIds = node.getRequiredInts("nodes_truenodeids");
  FailureOr<SmallVector<int64_t>> falseIds = node.getRequiredInts("nodes_falsenodeids");
  FailureOr<SmallVector<int64_t>> trueLeafs = node.getRequiredInts("nodes_trueleafs");
  FailureOr<SmallVector<int64_t>> falseLeafs = node.getRequiredInts("nodes_falseleafs");
  FailureOr<SmallVector<int64_t>> targetIds = node.getRequiredInts("leaf_targetids");
  FailureOr<SmallVector<int64_t>> roots = node.getRequiredInts("tree_roots");
  FailureOr<std::optional<SmallVector<int64_t>>> missingTrue =
      node.getOptionalInts("nodes_missing_value_tracks_true");
  if (failed(aggregate) || failed(post) || failed(numTargets) || failed(featureIds) ||
      failed(trueIds) || failed(falseIds) || failed(trueLeafs) || failed(falseLeafs) ||
      failed(targetIds) || failed(roots) || failed(missingTrue))
    return failure();
  FailureOr<SmallVector<double>> splits = readDoubles(node, "nodes_splits", true);
  FailureOr<SmallVector<double>> modesRaw = readDoubles(node, "nodes_modes", true);
  FailureOr<SmallVector<double>> weights = readDoubles(node, "leaf_weights", true);
  FailureOr<SmallVector<double>> members = readDoubles(node, "membership_values", false);
  if (failed(splits) || failed(modesRaw) || failed(weights) || failed(members))
    return failure();
  if (*aggregate < 0 || *aggregate > 3)
    return node.emitUnsupportedValue("aggregate_function", std::to_string(*aggregate))
           << " (expected 0 to 3)";
  if (*post != 0)
    return node.emitUnsupportedValue("post_transform", std::to_string(*post))
           << " (only 0, none, is supported)";

  size_t numNodes = featureIds->size(), numLeaves = weights->size();
  auto sameSize = [&](size_t n) { return n == numNodes; };
  if (!sameSize(trueIds->size()) || !sameSize(falseIds->size()) ||
      !sameSize(trueLeafs->size()) || !sameSize(falseLeafs->size()) ||
      !sameSize(splits->size()) || !sameSize(modesRaw->size()) ||
      (*missingTrue && !sameSize((*missingTrue)->size())) || targetIds->size() != numLeaves)
    return node.emitError() << "the nodes_* attributes must all have one entry per node ("
                            << numNodes << ") and leaf_targetids one per leaf weight ("
                            << numLeaves << ")";
  Value x = node.getInput(0);
  ArrayRef<int64_t> xShape = shapeOf(x);
  Type type = elementTypeOf(x);
  if (xShape.size() != 2 || !llvm::isa<FloatType>(type))
    return node.emitError() << "TreeEnsemble needs a 2-D floating-point input, got "
                            << x.getType();
  int64_t rows = xShape[0], numFeatures = xShape[1];

  // Set members per MEMBER node, in node order, each set ended by a NaN.
  SmallVector<SmallVector<double>> memberSets(numNodes);
  size_t nextMember = 0;
  for (size_t n = 0; n < numNodes; ++n) {
    double m = (*modesRaw)[n];
    if (m < 0 || m > 6 || m != std::floor(m))
      return node.emitError() << "node " << n << " has unknown mode " << m;
    if (featureIds->operator[](n) < 0 || (*featureIds)[n] >= numFeatures)
      return node.emitError() << "node " << n << " reads feature " << (*featureIds)[n]
                              << " of " << numFeatures;
    if (SplitMode(int(m)) != SplitMode::member)
      continue;
    while (nextMember < members->size() && !std::isnan((*members)[nextMember]))
      memberSets[n].push_back((*members)[nextMember++]);
    if (nextMember >= members->size())
      return node.emitError() << "membership_values must end the members of each set "
                                 "membership node with a NaN";
    ++nextMember;
  }

  // Every root-to-leaf path; a node may not be met twice on one path.
  SmallVector<TreePath> paths;
  for (auto [tree, root] : llvm::enumerate(*roots)) {
    if (root < 0 || size_t(root) >= numNodes)
      return node.emitError() << "tree root " << root << " is not a node";
    if ((*trueLeafs)[root] && (*falseLeafs)[root] && (*trueIds)[root] == (*falseIds)[root]) {
      // A tree that is a single leaf.
      paths.push_back({{}, root});
      continue;
    }
    SmallVector<TreePath> stack = {{{}, root}};
    while (!stack.empty()) {
      TreePath path = stack.pop_back_val();
      int64_t n = path.leaf; // The node to decide next.
      if (path.decisions.size() >= numNodes)
        return node.emitError() << "tree " << tree << " has a cycle";
      for (bool branch : {true, false}) {
        TreePath next = path;
        next.decisions.push_back({n, branch});
        int64_t target = branch ? (*trueIds)[n] : (*falseIds)[n];
        bool isLeaf = branch ? (*trueLeafs)[n] : (*falseLeafs)[n];
        next.leaf = target;
        if (isLeaf) {
          if (target < 0 || size_t(target) >= numLeaves)
            return node.emitError() << "node " << n << " leads to leaf " << target << " of "
                                    << numLeaves;
          paths.push_back(next);
        } else {
          if (target < 0 || size_t(target) >= numNodes)
            return node.emitError() << "node " << n << " leads to node " << target << " of "
                                    << numNodes;
          stack.push_back(next);
        }
      }
    }
  }
  for (int64_t target : *targetIds)
    if (target < 0 || target >= *numTargets)
      return node.emitError() << "leaf target " << target << " is not below n_targets "
                              << *numTargets;

  GraphEmitter e(node);
  OpBuilder &b = node.getBuilder();
  auto nodeCount = static_cast<int64_t>(numNodes);
  auto pathCount = static_cast<int64_t>(paths.size());
  // Splits compare in double precision when either side has it, as the
  // reference compares Python floats.
  Type compareType = type;
  if (node.findAttr("nodes_splits")->t().data_type() == onnx::TensorProto::DOUBLE)
    compareType = b.getF64Type();
  auto toValues = [&](ArrayRef<double> v, ArrayRef<int64_t> shape, Type t) {
    auto floatType = llvm::cast<FloatType>(t);
    SmallVector<APFloat> values;
    for (double d : v) {
      APFloat f(d);
      bool lost;
      f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      values.push_back(f);
    }
    return e.constant(DenseElementsAttr::get(RankedTensorType::get(shape, t), values));
  };
  auto boolMask = [&](llvm::function_ref<bool(size_t)> f) {
    SmallVector<bool> mask;
    for (size_t n = 0; n < numNodes; ++n)
      mask.push_back(f(n));
    return e.constant(DenseElementsAttr::get(
        RankedTensorType::get({1, nodeCount}, b.getI1Type()), ArrayRef<bool>(mask)));
  };

  // The feature each node reads, (rows, nodes), and its decision.
  Value features = e.cast(
      e.op<graph::GatherOp>(
          x,
          e.constant(DenseIntElementsAttr::get(
              RankedTensorType::get({nodeCount}, b.getI64Type()), ArrayRef<int64_t>(*featureIds))),
          b.getI64IntegerAttr(1)),
      compareType);
  Value splitValues = toValues(*splits, {1, nodeCount}, compareType);
  Value decision;
  auto modeOf = [&](size_t n) { return SplitMode(int((*modesRaw)[n])); };
  for (int m = 0; m <= 6; ++m) {
    SplitMode mode = SplitMode(m);
    if (llvm::none_of(llvm::seq<size_t>(0, numNodes), [&](size_t n) { return modeOf(n) == mode; }))
      continue;
    Value holds;
    switch (mode) {
    case SplitMode::leq: holds = e.op<graph::LessOrEqualOp>(features, splitValues); break;
    case SplitMode::lt: holds = e.op<graph::LessOp>(features, splitValues); break;
    case SplitMode::gte: holds = e.op<graph::GreaterOrEqualOp>(features, splitValues); break;
    case SplitMode::gt: holds = e.op<graph::GreaterOp>(features, splitValues); break;
    case SplitMode::eq: holds = e.op<graph::EqualOp>(features, splitValues); break;
    case SplitMode::neq:
      holds = e.op<graph::NotOp>(e.op<graph::EqualOp>(features, splitValues));
      break;
    case SplitMode::member: {
      // (rows, nodes, 1) against a (1, nodes, most members) NaN-padded table.
      size_t width = 1;
      for (const auto &set : memberSets)
        width = std::max(width, set.size());
      SmallVector<double> table;
      for (const auto &set : memberSets)
        for (size_t j = 0; j < width; ++j)
          table.push_back(j < set.size() ? set[j] : std::nan(""));
      Value equal = e.op<graph::EqualOp>(
          e.reshape(features, {rows, nodeCount, 1}),
          toValues(table, {1, nodeCount, int64_t(width)}, compareType));
      Value any = reduce(e, graph::ReduceKind::max, e.cast(equal, b.getI32Type()), {2}, false);
      holds = e.cast(any, b.getI1Type());
      break;
    }
    }
    Value isMode = boolMask([&](size_t n) { return modeOf(n) == mode; });
    decision = decision ? e.op<graph::WhereOp>(isMode, holds, decision) : holds;
  }
  if (*missingTrue && llvm::any_of(**missingTrue, [](int64_t v) { return v != 0; })) {
    Value tracks = boolMask([&](size_t n) { return (**missingTrue)[n] != 0; });
    Value missing = e.op<graph::IsNaNOp>(features);
    decision = e.op<graph::OrOp>(decision, e.op<graph::AndOp>(missing, tracks));
  }

  // Path p is taken when all its decisions hold: with D the decisions as 0/1,
  // D A + c counts the ones that do (A: +1 for a true branch, -1 for a false
  // one; c: the false branches), and must equal the path's length.
  SmallVector<double> a(numNodes * paths.size(), 0.0), c, length;
  for (auto [p, path] : llvm::enumerate(paths)) {
    double falses = 0;
    for (auto [n, branch] : path.decisions) {
      a[n * paths.size() + p] += branch ? 1.0 : -1.0;
      falses += branch ? 0.0 : 1.0;
    }
    c.push_back(falses);
    length.push_back(double(path.decisions.size()));
  }
  Value counts = e.op<graph::AddOp>(
      e.op<graph::MatMulOp>(e.cast(decision, type), toValues(a, {nodeCount, pathCount}, type)),
      toValues(c, {1, pathCount}, type));
  Value taken = e.op<graph::EqualOp>(counts, toValues(length, {1, pathCount}, type));

  // Each path's weight on its leaf's target.
  SmallVector<double> contribution(paths.size() * *numTargets, 0.0);
  SmallVector<bool> onTarget(paths.size() * *numTargets, false);
  double trees = double(roots->size());
  for (auto [p, path] : llvm::enumerate(paths)) {
    int64_t target = (*targetIds)[path.leaf];
    double w = (*weights)[path.leaf];
    contribution[p * *numTargets + target] = *aggregate == 0 ? w / trees : w;
    onTarget[p * *numTargets + target] = true;
  }
  Value y;
  if (*aggregate <= 1) {
    y = e.op<graph::MatMulOp>(e.cast(taken, type),
                              toValues(contribution, {pathCount, *numTargets}, type));
  } else {
    // MIN/MAX over the weights of the taken paths per target, from the
    // type's largest (smallest) value.
    bool isMin = *aggregate == 2;
    double limit = llvm::cast<FloatType>(type).isF64() ? std::numeric_limits<double>::max()
                                                      : std::numeric_limits<float>::max();
    Value mask = e.op<graph::AndOp>(
        e.reshape(taken, {rows, pathCount, 1}),
        e.constant(DenseElementsAttr::get(
            RankedTensorType::get({1, pathCount, *numTargets}, b.getI1Type()),
            ArrayRef<bool>(onTarget))));
    Value candidates = e.op<graph::WhereOp>(
        mask, toValues(contribution, {1, pathCount, *numTargets}, type),
        e.scalar(type, isMin ? limit : -limit));
    y = reduce(e, isMin ? graph::ReduceKind::min : graph::ReduceKind::max, candidates, {1},
               false);
  }
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

} // namespace

void kiln::frontend::populateMlConverters(OnnxOpTable &table) {
  table.add({"Binarizer", 1, 1, 1, 1, {"threshold"}, convertBinarizer, kMlDomain});
  table.add({"ArrayFeatureExtractor", 1, 2, 2, 1, {}, convertArrayFeatureExtractor, kMlDomain});
  // LabelEncoder 1 maps strings to integers only: not importable.
  llvm::SmallVector<llvm::StringRef, 8> encoderAttrs = {
      "default_float", "default_int64",  "default_string", "keys_floats",
      "keys_int64s",   "keys_strings",   "values_floats",  "values_int64s",
      "values_strings"};
  table.add({"LabelEncoder", 2, 1, 1, 1, encoderAttrs, convertLabelEncoder, kMlDomain});
  encoderAttrs.append({"default_tensor", "keys_tensor", "values_tensor"});
  table.add({"LabelEncoder", 4, 1, 1, 1, encoderAttrs, convertLabelEncoder, kMlDomain});
  table.add({"TreeEnsemble", 5, 1, 1, 1,
             {"aggregate_function", "leaf_targetids", "leaf_weights", "membership_values",
              "n_targets", "nodes_falseleafs", "nodes_falsenodeids", "nodes_featureids",
              "nodes_hitrates", "nodes_missing_value_tracks_true", "nodes_modes",
              "nodes_splits", "nodes_trueleafs", "nodes_truenodeids", "post_transform",
              "tree_roots"},
             convertTreeEnsemble, kMlDomain});
}

//===- TextOps.cpp - N-gram counting --------------------------------------===//
//
// TfIdfVectorizer over integer tokens. The pool of n-grams is an attribute,
// so counting is a fixed computation: for each n-gram length and skip
// distance, the input's windows are compared with every pool n-gram of that
// length (equal, and-ed over the n positions), and the matches are summed
// over the window positions. A constant 0/1 matrix then sends each pool
// n-gram's count to its output column (matmul; counts are small integers,
// exact in f32), and the mode weighs the counts.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/GraphEmitter.h"
#include "frontend/onnx/OnnxNode.h"
#include "frontend/onnx/OnnxOpTable.h"
#include "frontend/onnx/OnnxTensors.h"
#include "frontend/onnx/ops/ReductionBuilders.h"

#include <map>

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

namespace {

LogicalResult convertTfIdfVectorizer(OnnxNode &node) {
  FailureOr<int64_t> maxGram = node.getRequiredInt("max_gram_length");
  FailureOr<int64_t> minGram = node.getRequiredInt("min_gram_length");
  FailureOr<int64_t> maxSkip = node.getRequiredInt("max_skip_count");
  FailureOr<std::string> mode = node.getString("mode", "");
  FailureOr<SmallVector<int64_t>> ngramCounts = node.getRequiredInts("ngram_counts");
  FailureOr<SmallVector<int64_t>> ngramIndexes = node.getRequiredInts("ngram_indexes");
  FailureOr<std::optional<SmallVector<int64_t>>> pool = node.getOptionalInts("pool_int64s");
  FailureOr<std::optional<SmallVector<float>>> weights = node.getOptionalFloats("weights");
  if (failed(maxGram) || failed(minGram) || failed(maxSkip) || failed(mode) ||
      failed(ngramCounts) || failed(ngramIndexes) || failed(pool) || failed(weights))
    return failure();
  if (node.findAttr("pool_strings"))
    return node.emitError() << "TfIdfVectorizer over strings (pool_strings) is not supported";
  if (!*pool)
    return node.emitError() << "TfIdfVectorizer needs attribute 'pool_int64s'";
  if (*mode != "TF" && *mode != "IDF" && *mode != "TFIDF")
    return node.emitUnsupportedValue("mode", "'" + *mode + "'") << " (expected TF, IDF or TFIDF)";
  if (*minGram < 1 || *maxGram < *minGram || *maxSkip < 0)
    return node.emitError() << "TfIdfVectorizer needs 1 <= min_gram_length <= max_gram_length "
                               "and max_skip_count >= 0";
  RankedTensorType xType = node.getInputType(0);
  if (!xType.hasStaticShape() || xType.getRank() < 1 || xType.getRank() > 2 ||
      !llvm::isa<IntegerType>(xType.getElementType()))
    return node.emitError() << "TfIdfVectorizer takes a static [C] or [B, C] integer input, got "
                            << xType;
  if (ngramIndexes->empty())
    return node.emitError() << "attribute 'ngram_indexes' is empty";
  int64_t outputSize = *llvm::max_element(*ngramIndexes) + 1;
  if (*weights && static_cast<int64_t>((*weights)->size()) != outputSize &&
      !(*weights)->empty())
    return node.emitError() << "attribute 'weights' has " << (*weights)->size()
                            << " values, expected " << outputSize;

  // The pool's n-grams by length, each with its id (its position among all
  // n-grams); a repeated n-gram keeps its last id, as the reference's map.
  const SmallVector<int64_t> &items = **pool;
  std::map<int64_t, std::map<SmallVector<int64_t>, int64_t>> grams;
  int64_t id = 0;
  for (size_t i = 0; i < ngramCounts->size(); ++i) {
    int64_t n = i + 1;
    int64_t start = (*ngramCounts)[i];
    int64_t end = i + 1 < ngramCounts->size() ? (*ngramCounts)[i + 1] : items.size();
    if (start < 0 || end < start || end > static_cast<int64_t>(items.size()))
      return node.emitError() << "attribute 'ngram_counts' does not index 'pool_int64s'";
    for (int64_t at = start; at + n <= end; at += n, ++id) {
      if (n < *minGram || n > *maxGram)
        continue;
      if (id >= static_cast<int64_t>(ngramIndexes->size()) || (*ngramIndexes)[id] < 0)
        return node.emitError() << "attribute 'ngram_indexes' has no valid entry for n-gram "
                                << id;
      grams[n][SmallVector<int64_t>(items.begin() + at, items.begin() + at + n)] = id;
    }
  }

  GraphEmitter e(node);
  OpBuilder &b = node.getBuilder();
  Type f32 = b.getF32Type(), tokenType = xType.getElementType();
  int64_t batch = xType.getRank() == 2 ? xType.getDimSize(0) : 1;
  int64_t length = xType.getShape().back();
  Value x = e.reshape(node.getInput(0), {batch, length});
  SmallVector<Value> counts;
  SmallVector<int64_t> columnIds;
  for (auto &[n, table] : grams) {
    int64_t numGrams = table.size();
    // Column k of the pool n-grams, as 1 x 1 x G.
    SmallVector<Value> columns;
    for (int64_t k = 0; k < n; ++k) {
      SmallVector<APInt> values;
      for (auto &[gram, gramId] : table)
        values.push_back(APInt(tokenType.getIntOrFloatBitWidth(), gram[k], /*isSigned=*/true));
      columns.push_back(e.constant(
          DenseElementsAttr::get(RankedTensorType::get({1, 1, numGrams}, tokenType), values)));
    }
    for (auto &[gram, gramId] : table)
      columnIds.push_back(gramId);
    Value total;
    // Unigrams have no gaps: they count once, at skip distance 1.
    int64_t maxDistance = n == 1 ? 1 : *maxSkip + 1;
    for (int64_t d = 1; d <= maxDistance; ++d) {
      int64_t positions = length - (n - 1) * d;
      if (positions <= 0)
        break;
      Value match;
      for (int64_t k = 0; k < n; ++k) {
        Value window = e.op<graph::SliceOp>(
            x, b.getDenseI64ArrayAttr({k * d}), b.getDenseI64ArrayAttr({k * d + positions}),
            b.getDenseI64ArrayAttr({1}), b.getDenseI64ArrayAttr({1}));
        Value equal = e.op<graph::EqualOp>(e.reshape(window, {batch, positions, 1}), columns[k]);
        match = match ? e.op<graph::AndOp>(match, equal) : equal;
      }
      Value found = reduce(e, graph::ReduceKind::sum, e.cast(match, f32), {1}, false);
      total = total ? e.op<graph::AddOp>(total, found) : found;
    }
    counts.push_back(total ? total : e.splat(f32, {batch, numGrams}, 0.0));
  }

  Value y;
  if (counts.empty()) {
    y = e.splat(f32, {batch, outputSize}, 0.0);
  } else {
    Value all = counts.size() == 1 ? counts[0] : e.concat(counts, 1);
    // Each pool n-gram's count goes to its output column.
    SmallVector<float> scatter(columnIds.size() * outputSize, 0.0f);
    for (auto [row, gramId] : llvm::enumerate(columnIds))
      scatter[row * outputSize + (*ngramIndexes)[gramId]] = 1.0f;
    Value matrix = e.constant(DenseElementsAttr::get(
        RankedTensorType::get({static_cast<int64_t>(columnIds.size()), outputSize}, f32),
        ArrayRef<float>(scatter)));
    y = e.op<graph::MatMulOp>(all, matrix);
  }
  bool haveWeights = *weights && !(*weights)->empty();
  Value w = haveWeights ? e.constant(DenseElementsAttr::get(
                              RankedTensorType::get({outputSize}, f32),
                              ArrayRef<float>(**weights)))
                        : Value();
  if (*mode == "IDF") {
    y = e.cast(e.op<graph::GreaterOp>(y, e.scalar(f32, 0.0)), f32);
    if (w)
      y = e.op<graph::MulOp>(y, w);
  } else if (*mode == "TFIDF" && w) {
    y = e.op<graph::MulOp>(y, w);
  }
  if (xType.getRank() == 1)
    y = e.reshape(y, {outputSize});
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

} // namespace

void kiln::frontend::populateTextConverters(OnnxOpTable &table) {
  table.add({"TfIdfVectorizer", 9, 1, 1, 1,
             {"max_gram_length", "max_skip_count", "min_gram_length", "mode", "ngram_counts",
              "ngram_indexes", "pool_int64s", "pool_strings", "weights"},
             convertTfIdfVectorizer});
}

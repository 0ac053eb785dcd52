//===- EinsumOps.cpp - Einsum as transposes, matmuls and reductions -------===//
//
// ONNX Einsum decomposed at import into the ops that make it fast: the
// operands are contracted pairwise, left to right, each pair as ONE batched
// kiln.matmul (shared labels kept in the output are the batch, shared labels
// summed away are K, the others M and N), with transposes and reshapes to
// put the labels in that order. A pair without summed labels is an
// elementwise product. Labels only one operand has and nothing later needs
// are summed first (kiln.reduce); a label repeated within a term takes the
// diagonal (a constant mask, then a sum). A final transpose gives the
// output's order.
//
// Labels are letters; "..." stands for the leading dimensions an operand
// does not name, broadcast across operands as numpy does. Without "->" the
// output is the broadcast "..." followed by the letters used once, in
// alphabetical order.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/GraphEmitter.h"
#include "frontend/onnx/OnnxNode.h"
#include "frontend/onnx/OnnxOpTable.h"
#include "frontend/onnx/OnnxTensors.h"
#include "frontend/onnx/ops/ReductionBuilders.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

namespace {

/// Letters are labels 0..51 ('A'..'Z', 'a'..'z', so sorting labels sorts
/// letters as numpy does); the dimensions "..." covers are labels from
/// kEllipsisLabel on, numbered from the first broadcast dimension.
constexpr int kEllipsisLabel = 64;

int letterLabel(char c) { return c >= 'a' ? 26 + (c - 'a') : c - 'A'; }
char labelLetter(int label) {
  return label >= 26 ? static_cast<char>('a' + label - 26) : static_cast<char>('A' + label);
}

/// One term of the equation: its letters, and where "..." stands (-1 if
/// nowhere), counted in letters before it.
struct Term {
  SmallVector<int> letters;
  int ellipsisAt = -1;
};

/// An operand (or intermediate result) and the label of each dimension.
struct Labeled {
  Value value;
  SmallVector<int> labels;
};

FailureOr<Term> parseTerm(OnnxNode &node, StringRef text, StringRef equation) {
  Term term;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (!text.substr(i).starts_with("...") || term.ellipsisAt >= 0)
        return node.emitError() << "invalid einsum equation '" << equation
                                << "': '.' must come as one '...' per term";
      term.ellipsisAt = term.letters.size();
      i += 2;
      continue;
    }
    if (!llvm::isAlpha(c))
      return node.emitError() << "invalid einsum equation '" << equation
                              << "': unexpected character '" << c << "'";
    term.letters.push_back(letterLabel(c));
  }
  return term;
}

/// The labels of every dimension of an operand of `rank` written as `term`;
/// "..." labels are right-aligned to the `ellipsisRank` broadcast ones.
SmallVector<int> expandTerm(const Term &term, int64_t rank, int64_t ellipsisRank) {
  SmallVector<int> labels(term.letters.begin(), term.letters.end());
  if (term.ellipsisAt >= 0) {
    int64_t count = rank - static_cast<int64_t>(term.letters.size());
    SmallVector<int> dots;
    for (int64_t i = 0; i < count; ++i)
      dots.push_back(kEllipsisLabel + (ellipsisRank - count) + i);
    labels.insert(labels.begin() + term.ellipsisAt, dots.begin(), dots.end());
  }
  return labels;
}

class EinsumEmitter {
public:
  EinsumEmitter(GraphEmitter &e) : e(e) {}

  /// Sums the diagonal out of every label `x` repeats.
  Labeled takeDiagonals(Labeled x) {
    for (size_t p = 0; p < x.labels.size() && e.ok(); ++p) {
      for (size_t q = p + 1; q < x.labels.size() && e.ok();) {
        if (x.labels[q] != x.labels[p]) {
          ++q;
          continue;
        }
        ArrayRef<int64_t> shape = shapeOf(x.value);
        int64_t n = shape[p];
        SmallVector<int64_t> maskShape(shape.size(), 1);
        maskShape[p] = maskShape[q] = n;
        SmallVector<bool> eye;
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = 0; j < n; ++j)
            eye.push_back(i == j);
        auto maskType = RankedTensorType::get(maskShape, e.getNode().getBuilder().getI1Type());
        Value mask = e.constant(DenseElementsAttr::get(maskType, eye));
        Value masked = e.op<graph::WhereOp>(mask, x.value, e.scalar(elementTypeOf(x.value), 0));
        x.value = reduce(e, graph::ReduceKind::sum, masked, {static_cast<int64_t>(q)}, false);
        x.labels.erase(x.labels.begin() + q);
      }
    }
    return x;
  }

  /// Sums the dimensions of `x` whose labels `keep` rejects.
  Labeled sumUnless(Labeled x, llvm::function_ref<bool(int)> keep) {
    SmallVector<int64_t> axes;
    SmallVector<int> kept;
    for (auto [i, label] : llvm::enumerate(x.labels)) {
      if (keep(label))
        kept.push_back(label);
      else
        axes.push_back(i);
    }
    if (axes.empty())
      return x;
    return {reduce(e, graph::ReduceKind::sum, x.value, axes, false), kept};
  }

  /// `x` with its dimensions in the order of `labels` (a permutation).
  Value transposeTo(const Labeled &x, ArrayRef<int> labels) {
    SmallVector<int64_t> perm;
    for (int label : labels)
      perm.push_back(llvm::find(x.labels, label) - x.labels.begin());
    if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
      return x.value;
    return e.transpose(x.value, perm);
  }

  int64_t sizeOf(const Labeled &x, int label) {
    return shapeOf(x.value)[llvm::find(x.labels, label) - x.labels.begin()];
  }

  /// Contracts `a` and `b` over their shared labels that `needed` rejects;
  /// the result has the shared labels kept, then a's own, then b's own.
  Labeled contract(Labeled a, Labeled b, llvm::function_ref<bool(int)> needed) {
    SmallVector<int> batch, summed, aOnly, bOnly;
    for (int label : a.labels) {
      if (!llvm::is_contained(b.labels, label))
        aOnly.push_back(label);
      else if (needed(label))
        batch.push_back(label);
      else
        summed.push_back(label);
    }
    for (int label : b.labels)
      if (!llvm::is_contained(a.labels, label))
        bOnly.push_back(label);
    // A summed label one side broadcasts (size 1) sums on the other side
    // alone.
    for (int label : summed) {
      int64_t sa = sizeOf(a, label), sb = sizeOf(b, label);
      if (sa == sb)
        continue;
      Labeled &wide = sa == 1 ? b : a;
      int64_t axis = llvm::find(wide.labels, label) - wide.labels.begin();
      wide.value = reduce(e, graph::ReduceKind::sum, wide.value, {axis}, true);
    }
    SmallVector<int64_t> batchShape;
    for (int label : batch)
      batchShape.push_back(std::max(sizeOf(a, label), sizeOf(b, label)));
    auto product = [&](const Labeled &x, ArrayRef<int> labels) {
      int64_t p = 1;
      for (int label : labels)
        p *= sizeOf(x, label);
      return p;
    };
    auto sizes = [&](const Labeled &x, ArrayRef<int> labels) {
      SmallVector<int64_t> s;
      for (int label : labels)
        s.push_back(sizeOf(x, label));
      return s;
    };
    SmallVector<int> resultLabels(batch);
    llvm::append_range(resultLabels, aOnly);
    llvm::append_range(resultLabels, bOnly);
    SmallVector<int64_t> aBatch = sizes(a, batch), bBatch = sizes(b, batch);
    int64_t m = product(a, aOnly), n = product(b, bOnly), k = product(a, summed);

    if (summed.empty()) {
      // An elementwise product: a as [batch, aOnly, 1...], b as [batch,
      // 1..., bOnly].
      SmallVector<int> aOrder(batch), bOrder(batch);
      llvm::append_range(aOrder, aOnly);
      llvm::append_range(bOrder, bOnly);
      SmallVector<int64_t> aShape = sizes(a, aOrder), bShape = sizes(b, bOrder);
      aShape.append(bOnly.size(), 1);
      bShape.insert(bShape.begin() + batch.size(), aOnly.size(), 1);
      Value lhs = e.reshape(transposeTo(a, aOrder), aShape);
      Value rhs = e.reshape(transposeTo(b, bOrder), bShape);
      return {e.op<graph::MulOp>(lhs, rhs), resultLabels};
    }

    // [batch, M, K] x [batch, K, N] -> [batch, M, N]: one batched matmul.
    SmallVector<int> aOrder(batch), bOrder(batch);
    llvm::append_range(aOrder, aOnly);
    llvm::append_range(aOrder, summed);
    llvm::append_range(bOrder, summed);
    llvm::append_range(bOrder, bOnly);
    SmallVector<int64_t> aShape(aBatch), bShape(bBatch);
    aShape.append({m, k});
    bShape.append({k, n});
    Value lhs = e.reshape(transposeTo(a, aOrder), aShape);
    Value rhs = e.reshape(transposeTo(b, bOrder), bShape);
    Value result = e.op<graph::MatMulOp>(lhs, rhs);
    SmallVector<int64_t> resultShape(batchShape);
    llvm::append_range(resultShape, sizes(a, aOnly));
    llvm::append_range(resultShape, sizes(b, bOnly));
    return {e.reshape(result, resultShape), resultLabels};
  }

private:
  GraphEmitter &e;
};

LogicalResult convertEinsum(OnnxNode &node) {
  if (node.findAttr("equation") == nullptr)
    return node.emitError() << "missing required attribute 'equation'";
  FailureOr<std::string> attr = node.getString("equation", "");
  if (failed(attr))
    return failure();
  std::string equation;
  for (char c : *attr)
    if (!llvm::isSpace(c))
      equation.push_back(c);
  StringRef eq(equation);
  auto [lhs, rhs] = eq.split("->");
  bool explicitOutput = eq.contains("->");
  if (rhs.contains("->"))
    return node.emitError() << "invalid einsum equation '" << *attr
                            << "': more than one '->'";

  SmallVector<StringRef> termTexts;
  lhs.split(termTexts, ',');
  size_t numOperands = node.getNumInputs();
  if (termTexts.size() != numOperands)
    return node.emitError() << "einsum equation '" << *attr << "' has " << termTexts.size()
                            << " operand terms, the node has " << numOperands << " inputs";
  SmallVector<Term> terms;
  int64_t ellipsisRank = 0;
  for (size_t i = 0; i < numOperands; ++i) {
    FailureOr<Term> term = parseTerm(node, termTexts[i], *attr);
    if (failed(term))
      return failure();
    if (!node.getInput(i))
      return node.emitError() << "input #" << i << " of Einsum is empty";
    RankedTensorType type = node.getInputType(i);
    if (!type.hasStaticShape())
      return node.emitError() << "Einsum needs operands of static shape, input #" << i
                              << " is " << type;
    int64_t rank = type.getRank(), named = term->letters.size();
    if ((term->ellipsisAt < 0 && named != rank) || named > rank)
      return node.emitError() << "einsum term '" << termTexts[i] << "' names " << named
                              << " dimensions, input #" << i << " has rank " << rank;
    if (term->ellipsisAt >= 0)
      ellipsisRank = std::max(ellipsisRank, rank - named);
    terms.push_back(std::move(*term));
  }

  // Each label's size, checking that operands agree (or broadcast with 1).
  GraphEmitter e(node);
  SmallVector<Labeled> operands;
  llvm::DenseMap<int, int64_t> sizes;
  llvm::DenseMap<int, int> counts;
  for (size_t i = 0; i < numOperands; ++i) {
    Labeled x{node.getInput(i), expandTerm(terms[i], shapeOf(node.getInput(i)).size(),
                                           ellipsisRank)};
    for (auto [label, size] : llvm::zip(x.labels, shapeOf(x.value))) {
      ++counts[label];
      auto [it, inserted] = sizes.try_emplace(label, size);
      if (inserted || it->second == size || size == 1)
        continue;
      if (it->second == 1) {
        it->second = size;
        continue;
      }
      std::string name = label >= kEllipsisLabel ? std::string("...")
                                                 : std::string(1, labelLetter(label));
      return node.emitError() << "einsum label '" << name << "' has size " << it->second
                              << " and " << size << " in equation '" << *attr << "'";
    }
    operands.push_back(std::move(x));
  }

  // The output's labels.
  SmallVector<int> output;
  for (int64_t i = 0; i < ellipsisRank && !explicitOutput; ++i)
    output.push_back(kEllipsisLabel + i);
  if (explicitOutput) {
    FailureOr<Term> term = parseTerm(node, rhs, *attr);
    if (failed(term))
      return failure();
    llvm::SmallSetVector<int, 8> seen;
    for (int label : term->letters) {
      if (!seen.insert(label))
        return node.emitError() << "invalid einsum equation '" << *attr << "': output label '"
                                << labelLetter(label) << "' appears twice";
      if (!sizes.count(label))
        return node.emitError() << "invalid einsum equation '" << *attr << "': output label '"
                                << labelLetter(label) << "' is in no operand";
    }
    // As numpy: dimensions under "..." are not summed away implicitly.
    if (term->ellipsisAt < 0 && ellipsisRank > 0)
      return node.emitError() << "invalid einsum equation '" << *attr
                              << "': the output must have '...' for the " << ellipsisRank
                              << " dimensions the operands have under '...'";
    output = expandTerm(*term, term->letters.size() + (term->ellipsisAt >= 0 ? ellipsisRank : 0),
                        ellipsisRank);
  } else {
    SmallVector<int> once;
    for (auto [label, count] : counts)
      if (label < kEllipsisLabel && count == 1)
        once.push_back(label);
    llvm::sort(once);
    llvm::append_range(output, once);
  }

  // Operand by operand: diagonals, labels nothing else needs summed, then a
  // contraction with what came before.
  EinsumEmitter ee(e);
  auto neededAfter = [&](size_t i) {
    // Labels of the output and of operands after i.
    llvm::SmallDenseSet<int, 16> set(output.begin(), output.end());
    for (size_t j = i + 1; j < operands.size(); ++j)
      set.insert(operands[j].labels.begin(), operands[j].labels.end());
    return set;
  };
  Labeled acc;
  for (size_t i = 0; i < operands.size() && e.ok(); ++i) {
    llvm::SmallDenseSet<int, 16> later = neededAfter(i);
    Labeled x = ee.takeDiagonals(operands[i]);
    if (!e.ok())
      break;
    bool first = i == 0;
    x = ee.sumUnless(x, [&](int label) {
      return later.contains(label) || (!first && llvm::is_contained(acc.labels, label));
    });
    if (first) {
      acc = x;
      continue;
    }
    acc = ee.contract(acc, x, [&](int label) { return later.contains(label); });
  }
  if (!e.ok())
    return failure();
  // The remaining labels are the output's, up to order and broadcast size-1
  // dimensions of labels only one operand had.
  Value result = ee.transposeTo(acc, output);
  SmallVector<int64_t> outShape;
  for (int label : output)
    outShape.push_back(sizes.lookup(label));
  if (e.ok() && shapeOf(result) != ArrayRef<int64_t>(outShape)) {
    result = e.op<graph::ExpandOp>(result, node.getBuilder().getDenseI64ArrayAttr(outShape));
  }
  if (!e.ok())
    return failure();
  node.setOutput(0, result);
  return success();
}

} // namespace

void kiln::frontend::populateEinsumConverters(OnnxOpTable &table) {
  // Opset 28 only adds element types.
  table.add({"Einsum", 12, 1, kVariadic, 1, {"equation"}, convertEinsum});
}

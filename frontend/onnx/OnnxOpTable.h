//===- OnnxOpTable.h - ONNX ops and their converters ------------*- C++ -*-===//
//
// The importer's op table, in the style of torch-mlir's ONNX patterns: each
// entry is keyed by (op type, since-version) and holds the op's signature at
// that version and the function that converts a node to kiln ops. A node uses
// the entry with the greatest since-version not newer than the model's opset.
// Entries exist wherever ONNX changed an op's inputs, attributes or meaning;
// versions that only add element types share the entry before them. Ops of
// other domains (ai.onnx.ml, ai.onnx.preview, ai.onnx.preview.training) are
// keyed by (domain, op type, since-version) against that domain's opset.
//
// The converters live in ops/, one file per op family, each exporting a
// populate function.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_ONNX_ONNXOPTABLE_H
#define KILN_FRONTEND_ONNX_ONNXOPTABLE_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

#include <limits>
#include <string>

namespace kiln::frontend {

class OnnxNode;

/// The newest default-domain opset whose operator versions the table was
/// checked against (the opset of the onnx 1.23 Python package). Models with a
/// newer opset may use op versions Kiln has never seen, so they are refused.
constexpr int64_t kNewestKnownOpset = 28;

/// The ONNX domains Kiln has converters for, besides the default one.
constexpr llvm::StringLiteral kMlDomain = "ai.onnx.ml";
constexpr llvm::StringLiteral kPreviewDomain = "ai.onnx.preview";
constexpr llvm::StringLiteral kTrainingDomain = "ai.onnx.preview.training";

/// The domain name Kiln uses for `domain`: "" for the default domain, which
/// models may also call "ai.onnx".
inline llvm::StringRef normalizeOnnxDomain(llvm::StringRef domain) {
  return domain == "ai.onnx" ? llvm::StringRef() : domain;
}

/// The newest opset of `domain` (normalized) the table was checked against,
/// or 0 for a domain Kiln has no converters for.
int64_t getNewestKnownOpset(llvm::StringRef domain);

/// Converts one node: builds kiln ops through `node` and sets its outputs.
/// Emits an error at the node and fails on anything it cannot import.
using OnnxConvertFn = mlir::LogicalResult (*)(OnnxNode &node);

constexpr unsigned kVariadic = std::numeric_limits<unsigned>::max();

struct OnnxOpConverter {
  llvm::StringRef opType;
  int64_t sinceVersion;
  /// Inputs below `minInputs` must be present; at most `maxInputs` may be
  /// listed (kVariadic: any number).
  unsigned minInputs;
  unsigned maxInputs;
  /// The outputs the op defines at this version; nodes list 1 to this many.
  unsigned maxOutputs;
  /// Every attribute the op defines at this version; others are errors.
  llvm::SmallVector<llvm::StringRef, 8> attributes;
  OnnxConvertFn convert;
  /// The op's domain, normalized ("" is the default domain).
  llvm::StringRef domain = "";
};

class OnnxOpTable {
public:
  /// A table holding every converter Kiln has.
  OnnxOpTable();

  void add(OnnxOpConverter converter);

  /// True if Kiln converts `opType` of `domain` (normalized) at some opset.
  bool contains(llvm::StringRef opType, llvm::StringRef domain = "") const {
    return converters.contains(getKey(opType, domain));
  }

  /// The converter for `opType` of `domain` at that domain's `opset`, or
  /// null if the op's versions up to that opset are not supported.
  const OnnxOpConverter *lookup(llvm::StringRef opType, int64_t opset,
                                llvm::StringRef domain = "") const;

  /// The oldest opset at which `opType` is supported (0 if not at all).
  int64_t getOldestSupportedVersion(llvm::StringRef opType,
                                    llvm::StringRef domain = "") const;

  /// The oldest converter of every supported op, sorted bytewise by the
  /// op's key (`domain.OpType`, just `OpType` in the default domain).
  llvm::SmallVector<const OnnxOpConverter *> getOldestConverters() const;

  /// The table's key of an op: its qualified name.
  static std::string getKey(llvm::StringRef opType, llvm::StringRef domain) {
    return domain.empty() ? opType.str() : domain.str() + "." + opType.str();
  }

private:
  /// Per qualified op type, sorted by since-version.
  llvm::StringMap<llvm::SmallVector<OnnxOpConverter, 2>> converters;
};

void populateAttentionConverters(OnnxOpTable &table);
void populateControlFlowConverters(OnnxOpTable &table);
void populateDataMovementConverters(OnnxOpTable &table);
void populateEinsumConverters(OnnxOpTable &table);
void populateElementwiseConverters(OnnxOpTable &table);
void populateLinearAlgebraConverters(OnnxOpTable &table);
void populateLossConverters(OnnxOpTable &table);
void populateMlConverters(OnnxOpTable &table);
void populateNNConverters(OnnxOpTable &table);
void populateNormalizationConverters(OnnxOpTable &table);
void populateQuantizeConverters(OnnxOpTable &table);
void populateRecurrentConverters(OnnxOpTable &table);
void populateReductionConverters(OnnxOpTable &table);
void populateResizeConverters(OnnxOpTable &table);
void populateSequenceModelConverters(OnnxOpTable &table);
void populateSignalConverters(OnnxOpTable &table);
void populateTensorConverters(OnnxOpTable &table);
void populateTrainingConverters(OnnxOpTable &table);
void populateTextConverters(OnnxOpTable &table);
void populateVisionConverters(OnnxOpTable &table);
void populateDataDependentConverters(OnnxOpTable &table);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_ONNX_ONNXOPTABLE_H

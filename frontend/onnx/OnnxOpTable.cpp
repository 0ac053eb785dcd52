//===- OnnxOpTable.cpp - ONNX ops and their converters --------------------===//

#include "frontend/onnx/OnnxOpTable.h"

#include "llvm/ADT/STLExtras.h"

using namespace kiln::frontend;

OnnxOpTable::OnnxOpTable() {
  populateAttentionConverters(*this);
  populateControlFlowConverters(*this);
  populateDataMovementConverters(*this);
  populateEinsumConverters(*this);
  populateElementwiseConverters(*this);
  populateLinearAlgebraConverters(*this);
  populateLossConverters(*this);
  populateMlConverters(*this);
  populateNNConverters(*this);
  populateNormalizationConverters(*this);
  populateQuantizeConverters(*this);
  populateRecurrentConverters(*this);
  populateReductionConverters(*this);
  populateResizeConverters(*this);
  populateSequenceModelConverters(*this);
  populateSignalConverters(*this);
  populateTensorConverters(*this);
  populateTrainingConverters(*this);
  populateTextConverters(*this);
  populateVisionConverters(*this);
  populateDataDependentConverters(*this);
}

int64_t kiln::frontend::getNewestKnownOpset(llvm::StringRef domain) {
  if (domain.empty())
    return kNewestKnownOpset;
  if (domain == kMlDomain)
    return 5;
  if (domain == kPreviewDomain || domain == kTrainingDomain)
    return 1;
  return 0;
}

void OnnxOpTable::add(OnnxOpConverter converter) {
  assert(getNewestKnownOpset(converter.domain) > 0 &&
         "a domain with a known opset range");
  auto &versions = converters[getKey(converter.opType, converter.domain)];
  assert(llvm::none_of(versions,
                       [&](const OnnxOpConverter &c) {
                         return c.sinceVersion == converter.sinceVersion;
                       }) &&
         "one converter per (op type, since-version)");
  auto pos = llvm::upper_bound(
      versions, converter.sinceVersion,
      [](int64_t version, const OnnxOpConverter &c) {
        return version < c.sinceVersion;
      });
  versions.insert(pos, std::move(converter));
}

const OnnxOpConverter *OnnxOpTable::lookup(llvm::StringRef opType,
                                           int64_t opset,
                                           llvm::StringRef domain) const {
  auto it = converters.find(getKey(opType, domain));
  if (it == converters.end() || opset > getNewestKnownOpset(domain))
    return nullptr;
  const OnnxOpConverter *found = nullptr;
  for (const OnnxOpConverter &c : it->second)
    if (c.sinceVersion <= opset)
      found = &c;
  return found;
}

int64_t OnnxOpTable::getOldestSupportedVersion(llvm::StringRef opType,
                                               llvm::StringRef domain) const {
  auto it = converters.find(getKey(opType, domain));
  if (it == converters.end() || it->second.empty())
    return 0;
  return it->second.front().sinceVersion;
}

llvm::SmallVector<const OnnxOpConverter *>
OnnxOpTable::getOldestConverters() const {
  llvm::SmallVector<const OnnxOpConverter *> oldest;
  for (const auto &entry : converters)
    if (!entry.getValue().empty())
      oldest.push_back(&entry.getValue().front());
  llvm::sort(oldest, [](const OnnxOpConverter *a, const OnnxOpConverter *b) {
    return getKey(a->opType, a->domain) < getKey(b->opType, b->domain);
  });
  return oldest;
}

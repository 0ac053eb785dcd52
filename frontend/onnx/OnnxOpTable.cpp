//===- OnnxOpTable.cpp - ONNX ops and their converters --------------------===//

#include "frontend/onnx/OnnxOpTable.h"

#include "llvm/ADT/STLExtras.h"

using namespace kiln::frontend;

OnnxOpTable::OnnxOpTable() {
  populateAttentionConverters(*this);
  populateDataMovementConverters(*this);
  populateElementwiseConverters(*this);
  populateLinearAlgebraConverters(*this);
  populateLossConverters(*this);
  populateNNConverters(*this);
  populateNormalizationConverters(*this);
  populateQuantizeConverters(*this);
  populateReductionConverters(*this);
  populateResizeConverters(*this);
  populateSignalConverters(*this);
  populateTensorConverters(*this);
  populateTextConverters(*this);
  populateVisionConverters(*this);
  populateDataDependentConverters(*this);
}

void OnnxOpTable::add(OnnxOpConverter converter) {
  auto &versions = converters[converter.opType];
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
                                           int64_t opset) const {
  auto it = converters.find(opType);
  if (it == converters.end() || opset > kNewestKnownOpset)
    return nullptr;
  const OnnxOpConverter *found = nullptr;
  for (const OnnxOpConverter &c : it->second)
    if (c.sinceVersion <= opset)
      found = &c;
  return found;
}

int64_t OnnxOpTable::getOldestSupportedVersion(llvm::StringRef opType) const {
  auto it = converters.find(opType);
  if (it == converters.end() || it->second.empty())
    return 0;
  return it->second.front().sinceVersion;
}

llvm::SmallVector<llvm::StringRef> OnnxOpTable::getOpTypes() const {
  llvm::SmallVector<llvm::StringRef> names;
  for (const auto &entry : converters)
    names.push_back(entry.getKey());
  llvm::sort(names);
  return names;
}

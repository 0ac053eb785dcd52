//===- OnnxTensors.cpp - ONNX tensor types and data to MLIR ---------------===//
//
// Tensor data is checked against its declared shape before anything is
// allocated, so a corrupt model with huge dimensions fails with an error
// instead of exhausting memory.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/OnnxTensors.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SwapByteOrder.h"

#include <cstring>

using namespace mlir;
using namespace kiln::frontend;

std::string kiln::frontend::getOnnxDataTypeName(int32_t dataType) {
  // libonnx 1.12's enum stops at BFLOAT16; newer exporters write the types
  // after it, and errors should still name them.
  static const char *const names[] = {
      "UNDEFINED",      "FLOAT",          "UINT8",      "INT8",
      "UINT16",         "INT16",          "INT32",      "INT64",
      "STRING",         "BOOL",           "FLOAT16",    "DOUBLE",
      "UINT32",         "UINT64",         "COMPLEX64",  "COMPLEX128",
      "BFLOAT16",       "FLOAT8E4M3FN",   "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
      "FLOAT8E5M2FNUZ", "UINT4",          "INT4",       "FLOAT4E2M1",
      "FLOAT8E8M0",     "UINT2",          "INT2",       "FLOAT6E2M3",
      "FLOAT6E3M2"};
  if (dataType >= 0 && static_cast<size_t>(dataType) < std::size(names))
    return names[dataType];
  return "<unknown data type " + std::to_string(dataType) + ">";
}

std::string kiln::frontend::formatShape(ArrayRef<int64_t> shape) {
  std::string result = "[";
  llvm::raw_string_ostream os(result);
  llvm::interleave(
      shape, os,
      [&](int64_t size) {
        if (ShapedType::isDynamic(size))
          os << "?";
        else
          os << size;
      },
      ",");
  os << "]";
  return result;
}

Type kiln::frontend::getElementType(MLIRContext *context, int32_t dataType) {
  Builder b(context);
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::INT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::INT32:
    return b.getIntegerType(32);
  case onnx::TensorProto::INT64:
    return b.getIntegerType(64);
  case onnx::TensorProto::UINT8:
    return b.getIntegerType(8, /*isSigned=*/false);
  case onnx::TensorProto::UINT16:
    return b.getIntegerType(16, /*isSigned=*/false);
  case onnx::TensorProto::UINT32:
    return b.getIntegerType(32, /*isSigned=*/false);
  case onnx::TensorProto::UINT64:
    return b.getIntegerType(64, /*isSigned=*/false);
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  default:
    return Type();
  }
}

FailureOr<Type> kiln::frontend::convertElementType(Location loc,
                                                   int32_t dataType,
                                                   StringRef what) {
  if (Type type = getElementType(loc.getContext(), dataType))
    return type;
  return emitError(loc) << what << " has element type "
                        << getOnnxDataTypeName(dataType)
                        << ", which Kiln does not support";
}

/// Bytes per element in ONNX's raw (and Kiln's unpacked) layout.
static size_t getByteWidth(Type elementType) {
  if (elementType.isInteger(1))
    return 1;
  return elementType.getIntOrFloatBitWidth() / 8;
}

DenseElementsAttr kiln::frontend::denseFromRawBytes(RankedTensorType type,
                                                   ArrayRef<char> bytes) {
  if (type.getElementType().isInteger(1)) {
    // MLIR packs i1 into bits; ONNX stores one byte per bool.
    SmallVector<bool> values(
        llvm::map_range(bytes, [](char c) { return c != 0; }));
    return DenseElementsAttr::get(type, ArrayRef<bool>(values));
  }
  size_t width = getByteWidth(type.getElementType());
  if (llvm::endianness::native == llvm::endianness::little || width == 1)
    return DenseElementsAttr::getFromRawBuffer(type, bytes);
  std::vector<char> swapped(bytes.begin(), bytes.end());
  for (size_t i = 0; i < swapped.size(); i += width)
    std::reverse(swapped.begin() + i, swapped.begin() + i + width);
  return DenseElementsAttr::getFromRawBuffer(type, swapped);
}

/// Packs typed-field values into ONNX's raw layout (little-endian), keeping
/// the low `width` bytes of each value.
template <typename T>
static std::vector<char> packLittleEndian(const T &values, size_t width) {
  std::vector<char> bytes(values.size() * width);
  char *out = bytes.data();
  for (auto value : values) {
    uint64_t bits = 0;
    static_assert(sizeof(value) <= sizeof(bits));
    std::memcpy(&bits, &value, sizeof(value));
    for (size_t i = 0; i < width; ++i)
      *out++ = static_cast<char>((bits >> (8 * i)) & 0xff);
  }
  return bytes;
}

namespace {
/// Reads the external data of one tensor.
struct ExternalData {
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
};
} // namespace

static FailureOr<ExternalData> parseExternalData(Location loc,
                                                 const onnx::TensorProto &t,
                                                 StringRef what) {
  ExternalData data;
  bool hasLocation = false;
  for (const onnx::StringStringEntryProto &entry : t.external_data()) {
    StringRef key = entry.key(), value = entry.value();
    if (key == "location") {
      data.location = value.str();
      hasLocation = true;
    } else if (key == "offset" || key == "length") {
      uint64_t number;
      if (value.getAsInteger(10, number))
        return emitError(loc) << what << " has an invalid external data "
                              << key << " '" << value << "'";
      if (key == "offset")
        data.offset = number;
      else
        data.length = number;
    }
    // `checksum` and unknown keys do not affect the data.
  }
  if (!hasLocation || data.location.empty())
    return emitError(loc) << what << " has external data without a location";
  // The ONNX checker rejects locations outside the model's directory; a
  // compiler embedding file contents in its output must as well.
  if (llvm::sys::path::is_absolute(data.location) ||
      llvm::is_contained(llvm::make_range(
                             llvm::sys::path::begin(data.location),
                             llvm::sys::path::end(data.location)),
                         ".."))
    return emitError(loc) << "external data location '" << data.location
                          << "' of " << what
                          << " is not inside the model's directory";
  return data;
}

static FailureOr<std::unique_ptr<llvm::MemoryBuffer>>
readExternalData(Location loc, const onnx::TensorProto &tensor,
                 StringRef modelDir, StringRef what, uint64_t expectedBytes) {
  FailureOr<ExternalData> data = parseExternalData(loc, tensor, what);
  if (failed(data))
    return failure();
  llvm::SmallString<256> path(modelDir);
  llvm::sys::path::append(path, data->location);
  uint64_t fileSize;
  if (std::error_code ec = llvm::sys::fs::file_size(path, fileSize))
    return emitError(loc) << "cannot read external data file '" << path
                          << "' of " << what << ": " << ec.message();
  uint64_t length = data->length.value_or(
      data->offset <= fileSize ? fileSize - data->offset : 0);
  if (data->offset > fileSize || length > fileSize - data->offset)
    return emitError(loc) << "external data of " << what << " (offset "
                          << data->offset << ", length " << length
                          << ") lies outside '" << path << "' (" << fileSize
                          << " bytes)";
  if (length != expectedBytes)
    return emitError(loc) << what << " has " << length
                          << " bytes of external data, expected "
                          << expectedBytes;
  if (length == 0)
    return llvm::MemoryBuffer::getMemBuffer("", path);
  auto buffer = llvm::MemoryBuffer::getFileSlice(path, length, data->offset,
                                                 /*IsVolatile=*/false);
  if (!buffer)
    return emitError(loc) << "cannot read external data file '" << path
                          << "' of " << what << ": "
                          << buffer.getError().message();
  return std::move(*buffer);
}

FailureOr<DenseElementsAttr>
kiln::frontend::convertTensorProto(Location loc,
                                   const onnx::TensorProto &tensor,
                                   StringRef modelDir, StringRef what) {
  if (tensor.has_segment())
    return emitError(loc) << what
                          << " is segmented, which Kiln does not support";
  FailureOr<Type> elementType =
      convertElementType(loc, tensor.data_type(), what);
  if (failed(elementType))
    return failure();

  SmallVector<int64_t> shape;
  uint64_t numElements = 1;
  for (int64_t dim : tensor.dims()) {
    if (dim < 0)
      return emitError(loc) << what << " has a negative dimension " << dim;
    shape.push_back(dim);
    bool overflowed = false;
    numElements = llvm::SaturatingMultiply(
        numElements, static_cast<uint64_t>(dim), &overflowed);
    if (overflowed)
      return emitError(loc) << what << " has too many elements";
  }
  size_t width = getByteWidth(*elementType);
  bool overflowed = false;
  uint64_t expectedBytes = llvm::SaturatingMultiply(
      numElements, static_cast<uint64_t>(width), &overflowed);
  if (overflowed)
    return emitError(loc) << what << " has too many elements";
  auto type = RankedTensorType::get(shape, *elementType);

  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    FailureOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
        readExternalData(loc, tensor, modelDir, what, expectedBytes);
    if (failed(buffer))
      return failure();
    return denseFromRawBytes(type, ArrayRef<char>((*buffer)->getBufferStart(),
                                             (*buffer)->getBufferSize()));
  }

  if (tensor.has_raw_data()) {
    const std::string &raw = tensor.raw_data();
    if (raw.size() != expectedBytes)
      return emitError(loc) << what << " has " << raw.size()
                            << " bytes of data, expected " << expectedBytes;
    return denseFromRawBytes(type, ArrayRef<char>(raw.data(), raw.size()));
  }

  // The typed fields: which one holds the values depends on the data type.
  auto checkCount = [&](int count) -> LogicalResult {
    if (static_cast<uint64_t>(count) == numElements)
      return success();
    return emitError(loc) << what << " has " << count << " values, expected "
                          << numElements;
  };
  std::vector<char> bytes;
  switch (tensor.data_type()) {
  case onnx::TensorProto::FLOAT:
    if (failed(checkCount(tensor.float_data_size())))
      return failure();
    bytes = packLittleEndian(tensor.float_data(), width);
    break;
  case onnx::TensorProto::DOUBLE:
    if (failed(checkCount(tensor.double_data_size())))
      return failure();
    bytes = packLittleEndian(tensor.double_data(), width);
    break;
  case onnx::TensorProto::INT64:
    if (failed(checkCount(tensor.int64_data_size())))
      return failure();
    bytes = packLittleEndian(tensor.int64_data(), width);
    break;
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    if (failed(checkCount(tensor.uint64_data_size())))
      return failure();
    bytes = packLittleEndian(tensor.uint64_data(), width);
    break;
  default:
    // INT32 and narrower integers, BOOL, and the bit patterns of FLOAT16 and
    // BFLOAT16 live in int32_data.
    if (failed(checkCount(tensor.int32_data_size())))
      return failure();
    bytes = packLittleEndian(tensor.int32_data(), width);
    break;
  }
  return denseFromRawBytes(type, bytes);
}

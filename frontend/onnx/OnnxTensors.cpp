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
  // The types after BFLOAT16 are newer than libonnx 1.12's enum.
  case kOnnxFloat8E4M3FN:
    return b.getType<Float8E4M3FNType>();
  case kOnnxFloat8E4M3FNUZ:
    return b.getType<Float8E4M3FNUZType>();
  case kOnnxFloat8E5M2:
    return b.getType<Float8E5M2Type>();
  case kOnnxFloat8E5M2FNUZ:
    return b.getType<Float8E5M2FNUZType>();
  case kOnnxUInt4:
    return b.getIntegerType(4, /*isSigned=*/false);
  case kOnnxInt4:
    return b.getIntegerType(4);
  case kOnnxFloat4E2M1:
    return b.getType<Float4E2M1FNType>();
  case kOnnxFloat8E8M0:
    return b.getType<Float8E8M0FNUType>();
  case kOnnxUInt2:
    return b.getIntegerType(2, /*isSigned=*/false);
  case kOnnxInt2:
    return b.getIntegerType(2);
  default:
    return Type();
  }
}

std::optional<int32_t> kiln::frontend::getOnnxDataType(Type type) {
  for (int32_t code = 1; code <= kOnnxInt2; ++code)
    if (Type candidate = getElementType(type.getContext(), code); candidate == type)
      return code;
  return std::nullopt;
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

/// Bits per element in ONNX's raw layout: bools take a byte; 4- and 2-bit
/// types are packed, low bits first.
static unsigned getRawBits(Type elementType) {
  if (elementType.isInteger(1))
    return 8;
  return elementType.getIntOrFloatBitWidth();
}

/// Bytes per element in Kiln's unpacked layout.
static size_t getByteWidth(Type elementType) {
  return std::max<size_t>(1, getRawBits(elementType) / 8);
}

/// Packed sub-byte elements, one byte each (sign-extended for signed
/// integers, as the C interface holds them).
static std::vector<char> unpackSubByte(ArrayRef<char> packed, uint64_t count,
                                       Type elementType) {
  unsigned bits = getRawBits(elementType);
  bool isSigned = elementType.isSignlessInteger();
  std::vector<char> out(count);
  unsigned perByte = 8 / bits, mask = (1u << bits) - 1;
  for (uint64_t i = 0; i < count; ++i) {
    unsigned value = (static_cast<unsigned char>(packed[i / perByte]) >>
                      (bits * (i % perByte))) & mask;
    if (isSigned && (value >> (bits - 1)))
      value |= ~mask;
    out[i] = static_cast<char>(value);
  }
  return out;
}

DenseElementsAttr kiln::frontend::denseFromRawBytes(RankedTensorType type,
                                                   ArrayRef<char> bytes) {
  if (auto integer = llvm::dyn_cast<IntegerType>(type.getElementType());
      integer && integer.getWidth() < 8 && integer.getWidth() > 1) {
    // One byte per element in, one APInt of the element's width out.
    SmallVector<APInt> values;
    for (char c : bytes)
      values.push_back(APInt(integer.getWidth(), static_cast<unsigned char>(c))
                           .trunc(integer.getWidth()));
    return DenseElementsAttr::get(type, values);
  }
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
  unsigned rawBits = getRawBits(*elementType);
  bool overflowed = false;
  uint64_t expectedBits = llvm::SaturatingMultiply(
      numElements, static_cast<uint64_t>(rawBits), &overflowed);
  if (overflowed)
    return emitError(loc) << what << " has too many elements";
  uint64_t expectedBytes = (expectedBits + 7) / 8;
  auto type = RankedTensorType::get(shape, *elementType);
  // Packed sub-byte data, from either place, unpacked to a byte each.
  auto fromPacked = [&](ArrayRef<char> packed) {
    if (rawBits >= 8)
      return denseFromRawBytes(type, packed);
    return denseFromRawBytes(type, unpackSubByte(packed, numElements, *elementType));
  };

  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    FailureOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
        readExternalData(loc, tensor, modelDir, what, expectedBytes);
    if (failed(buffer))
      return failure();
    return fromPacked(ArrayRef<char>((*buffer)->getBufferStart(),
                                     (*buffer)->getBufferSize()));
  }

  if (tensor.has_raw_data()) {
    const std::string &raw = tensor.raw_data();
    if (raw.size() != expectedBytes)
      return emitError(loc) << what << " has " << raw.size()
                            << " bytes of data, expected " << expectedBytes;
    return fromPacked(ArrayRef<char>(raw.data(), raw.size()));
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
    if (rawBits < 8) {
      // Sub-byte types keep their packed bytes in int32_data, one a value.
      if (static_cast<uint64_t>(tensor.int32_data_size()) != expectedBytes)
        return emitError(loc) << what << " has " << tensor.int32_data_size()
                              << " packed values, expected " << expectedBytes;
      return fromPacked(packLittleEndian(tensor.int32_data(), 1));
    }
    // INT32 and narrower integers, BOOL, and the bit patterns of FLOAT16,
    // BFLOAT16 and the 8-bit floats live in int32_data.
    if (failed(checkCount(tensor.int32_data_size())))
      return failure();
    bytes = packLittleEndian(tensor.int32_data(), width);
    break;
  }
  return denseFromRawBytes(type, bytes);
}

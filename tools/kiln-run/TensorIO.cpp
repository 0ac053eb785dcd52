//===- TensorIO.cpp - Tensor files and tolerance checks for kiln-run ------===//
//
// Everything here reads untrusted bytes: every size is checked against the
// file before it is used, and problems come back as llvm::Error naming the
// file, never as a crash.
//
//===----------------------------------------------------------------------===//

#include "tools/kiln-run/TensorIO.h"

#include "onnx/onnx_pb.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemAlloc.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <climits>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

using namespace kiln;
using namespace kiln::tools;
using llvm::StringRef;
using target::ElementType;

// Tensor bytes are copied between files and memory as they are: both the
// file formats and the compiled models' buffers are little-endian.
static_assert(llvm::endianness::native == llvm::endianness::little,
              "TensorIO assumes a little-endian host");

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

namespace {

enum class ElementKind { Float, Signed, Unsigned, Bool };

/// The TensorProto field that holds a type's values when raw_data is not used.
enum class ProtoField {
  FloatData,
  DoubleData,
  Int32Data,
  Int64Data,
  UInt64Data
};

struct ElementInfo {
  ElementType type;
  size_t size;
  const char *name;     // numpy's dtype name
  const char *npyDescr; // as np.save writes it; null where numpy has none
  ElementKind kind;
  ProtoField protoField;
  /// Bits per element in ONNX files where that is not 8 * size (packed).
  unsigned packedBits = 0;
};

// TODO: take size and name from target::elementTypeSize/elementTypeName once
// codegen/target/ModelSignature.cpp defines them.
constexpr ElementInfo kElements[] = {
    {ElementType::F32, 4, "float32", "<f4", ElementKind::Float,
     ProtoField::FloatData},
    {ElementType::F64, 8, "float64", "<f8", ElementKind::Float,
     ProtoField::DoubleData},
    // ONNX keeps 16-bit floats' bit patterns in int32_data.
    {ElementType::F16, 2, "float16", "<f2", ElementKind::Float,
     ProtoField::Int32Data},
    {ElementType::BF16, 2, "bfloat16", nullptr, ElementKind::Float,
     ProtoField::Int32Data},
    {ElementType::U8, 1, "uint8", "|u1", ElementKind::Unsigned,
     ProtoField::Int32Data},
    {ElementType::I8, 1, "int8", "|i1", ElementKind::Signed,
     ProtoField::Int32Data},
    {ElementType::U16, 2, "uint16", "<u2", ElementKind::Unsigned,
     ProtoField::Int32Data},
    {ElementType::I16, 2, "int16", "<i2", ElementKind::Signed,
     ProtoField::Int32Data},
    {ElementType::U32, 4, "uint32", "<u4", ElementKind::Unsigned,
     ProtoField::UInt64Data},
    {ElementType::I32, 4, "int32", "<i4", ElementKind::Signed,
     ProtoField::Int32Data},
    {ElementType::U64, 8, "uint64", "<u8", ElementKind::Unsigned,
     ProtoField::UInt64Data},
    {ElementType::I64, 8, "int64", "<i8", ElementKind::Signed,
     ProtoField::Int64Data},
    {ElementType::Bool, 1, "bool", "|b1", ElementKind::Bool,
     ProtoField::Int32Data},
    // One byte each in memory; in ONNX files 8-bit floats are a byte each
    // (int32_data: one value each) and the 4- and 2-bit types are packed,
    // low bits first (int32_data: one packed byte each).
    {ElementType::F8E4M3FN, 1, "float8_e4m3fn", nullptr, ElementKind::Float,
     ProtoField::Int32Data},
    {ElementType::F8E4M3FNUZ, 1, "float8_e4m3fnuz", nullptr, ElementKind::Float,
     ProtoField::Int32Data},
    {ElementType::F8E5M2, 1, "float8_e5m2", nullptr, ElementKind::Float,
     ProtoField::Int32Data},
    {ElementType::F8E5M2FNUZ, 1, "float8_e5m2fnuz", nullptr, ElementKind::Float,
     ProtoField::Int32Data},
    {ElementType::F8E8M0, 1, "float8_e8m0fnu", nullptr, ElementKind::Float,
     ProtoField::Int32Data},
    {ElementType::F4E2M1, 1, "float4_e2m1fn", nullptr, ElementKind::Float,
     ProtoField::Int32Data, 4},
    {ElementType::U4, 1, "uint4", nullptr, ElementKind::Unsigned, ProtoField::Int32Data, 4},
    {ElementType::I4, 1, "int4", nullptr, ElementKind::Signed, ProtoField::Int32Data, 4},
    {ElementType::U2, 1, "uint2", nullptr, ElementKind::Unsigned, ProtoField::Int32Data, 2},
    {ElementType::I2, 1, "int2", nullptr, ElementKind::Signed, ProtoField::Int32Data, 2},
};

const ElementInfo *findElementByCode(int64_t onnxCode) {
  for (const ElementInfo &info : kElements)
    if (static_cast<int64_t>(info.type) == onnxCode)
      return &info;
  return nullptr;
}

const ElementInfo &elementInfo(ElementType type) {
  const ElementInfo *info = findElementByCode(static_cast<int64_t>(type));
  assert(info && "HostTensor holds an element type outside ElementType");
  return *info;
}

/// ONNX's names for the data types Kiln does not take, for error messages.
std::string onnxTypeDescription(int64_t code) {
  static constexpr const char *kNames[] = {
      "UNDEFINED",      "FLOAT",        "UINT8",          "INT8",
      "UINT16",         "INT16",        "INT32",          "INT64",
      "STRING",         "BOOL",         "FLOAT16",        "DOUBLE",
      "UINT32",         "UINT64",       "COMPLEX64",      "COMPLEX128",
      "BFLOAT16",       "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
      "FLOAT8E5M2FNUZ", "UINT4",        "INT4",           "FLOAT4E2M1"};
  if (code >= 0 && code < static_cast<int64_t>(std::size(kNames)))
    return (llvm::Twine(kNames[code]) + " (" + llvm::Twine(code) + ")").str();
  return ("code " + llvm::Twine(code)).str();
}

/// The element count of `shape`, or nothing if an extent is negative or the
/// count overflows.
std::optional<int64_t> checkedElementCount(llvm::ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t extent : shape) {
    if (extent < 0 || llvm::MulOverflow(count, extent, count))
      return std::nullopt;
  }
  return count;
}

/// The byte size of a tensor, or nothing if it cannot exist.
std::optional<size_t> checkedByteSize(const ElementInfo &info,
                                      llvm::ArrayRef<int64_t> shape) {
  std::optional<int64_t> count = checkedElementCount(shape);
  int64_t bytes;
  if (!count ||
      llvm::MulOverflow(*count, static_cast<int64_t>(info.size), bytes))
    return std::nullopt;
  return static_cast<size_t>(bytes);
}

/// Text from a file, quoted for a message: escaped, since a damaged file can
/// hold any bytes, and cut short.
std::string quoted(StringRef text) {
  constexpr size_t kMaxLength = 40;
  std::string result;
  llvm::raw_string_ostream os(result);
  os << '\'';
  llvm::printEscapedString(text.take_front(kMaxLength), os);
  os << (text.size() > kMaxLength ? "...'" : "'");
  return result;
}

std::string formatShape(llvm::ArrayRef<int64_t> shape) {
  return "[" +
         llvm::join(
             llvm::map_range(
                 shape, [](int64_t extent) { return std::to_string(extent); }),
             ",") +
         "]";
}

std::string formatIndex(llvm::ArrayRef<int64_t> shape, int64_t flat) {
  llvm::SmallVector<int64_t> index(shape.size());
  for (size_t dim = shape.size(); dim-- > 0;) {
    index[dim] = flat % shape[dim];
    flat /= shape[dim];
  }
  return formatShape(index);
}

//===----------------------------------------------------------------------===//
// Element access
//===----------------------------------------------------------------------===//

float halfToFloat(uint16_t half) {
  uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  uint32_t exponent = (half >> 10) & 0x1fu;
  uint32_t mantissa = half & 0x3ffu;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in float.
    float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  uint32_t bits;
  if (exponent == 0x1f)
    bits = sign | 0x7f800000u | (mantissa << 13); // inf or NaN
  else
    bits = sign | ((exponent + (127 - 15)) << 23) | (mantissa << 13);
  float result;
  std::memcpy(&result, &bits, sizeof(result));
  return result;
}

float bfloat16ToFloat(uint16_t bf16) {
  uint32_t bits = static_cast<uint32_t>(bf16) << 16;
  float result;
  std::memcpy(&result, &bits, sizeof(result));
  return result;
}

/// The value of an 8- or 4-bit float's bit pattern.
double smallFloatToDouble(ElementType type, uint8_t code) {
  if (type == ElementType::F8E8M0)
    return code == 0xFF ? std::numeric_limits<double>::quiet_NaN()
                        : std::ldexp(1.0, int(code) - 127);
  struct Format {
    int bits, mantissa, bias;
  } f;
  switch (type) {
  case ElementType::F8E4M3FN: f = {8, 3, 7}; break;
  case ElementType::F8E4M3FNUZ: f = {8, 3, 8}; break;
  case ElementType::F8E5M2: f = {8, 2, 15}; break;
  case ElementType::F8E5M2FNUZ: f = {8, 2, 16}; break;
  case ElementType::F4E2M1: f = {4, 1, 1}; break;
  default: llvm_unreachable("not a small float");
  }
  unsigned signBit = 1u << (f.bits - 1);
  code &= (1u << f.bits) - 1;
  bool negative = code & signBit;
  unsigned magnitude = code & (signBit - 1);
  unsigned exponent = magnitude >> f.mantissa, mantissa = magnitude & ((1u << f.mantissa) - 1);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  bool fnuz = type == ElementType::F8E4M3FNUZ || type == ElementType::F8E5M2FNUZ;
  if (fnuz && code == signBit)
    return nan;
  if (type == ElementType::F8E4M3FN && magnitude == signBit - 1)
    return nan;
  if (type == ElementType::F8E5M2 && exponent == 31)
    return mantissa ? nan : (negative ? -1 : 1) * std::numeric_limits<double>::infinity();
  double value = exponent == 0
                     ? std::ldexp(double(mantissa), 1 - f.bias - f.mantissa)
                     : std::ldexp(1.0 + std::ldexp(double(mantissa), -f.mantissa),
                                  int(exponent) - f.bias);
  return negative ? -value : value;
}

uint64_t loadBits(const uint8_t *element, size_t size) {
  uint64_t bits = 0;
  std::memcpy(&bits, element, size);
  return bits;
}

double loadFloat(const ElementInfo &info, const uint8_t *element) {
  uint64_t bits = loadBits(element, info.size);
  switch (info.type) {
  case ElementType::F32: {
    float value;
    std::memcpy(&value, element, sizeof(value));
    return value;
  }
  case ElementType::F64: {
    double value;
    std::memcpy(&value, element, sizeof(value));
    return value;
  }
  case ElementType::F16:
    return halfToFloat(static_cast<uint16_t>(bits));
  case ElementType::BF16:
    return bfloat16ToFloat(static_cast<uint16_t>(bits));
  case ElementType::F8E4M3FN:
  case ElementType::F8E4M3FNUZ:
  case ElementType::F8E5M2:
  case ElementType::F8E5M2FNUZ:
  case ElementType::F8E8M0:
  case ElementType::F4E2M1:
    return smallFloatToDouble(info.type, static_cast<uint8_t>(bits));
  default:
    llvm_unreachable("loadFloat on a non-float element type");
  }
}

int64_t loadSigned(const ElementInfo &info, const uint8_t *element) {
  return llvm::SignExtend64(loadBits(element, info.size), 8 * info.size);
}

std::string formatElement(const ElementInfo &info, const uint8_t *element) {
  std::string text;
  llvm::raw_string_ostream os(text);
  switch (info.kind) {
  case ElementKind::Float:
    os << llvm::format(info.type == ElementType::F64 ? "%.17g" : "%.9g",
                       loadFloat(info, element));
    break;
  case ElementKind::Signed:
    os << loadSigned(info, element);
    break;
  case ElementKind::Unsigned:
    os << loadBits(element, info.size);
    break;
  case ElementKind::Bool:
    os << (element[0] ? "true" : "false");
    break;
  }
  return text;
}

/// numpy and ONNX store bools as one byte holding 0 or 1; anything else is a
/// damaged file (and generated code may rely on it).
llvm::Error checkBools(const HostTensor &tensor) {
  if (tensor.type != ElementType::Bool)
    return llvm::Error::success();
  const auto *bytes = static_cast<const uint8_t *>(tensor.data());
  for (int64_t i = 0, e = tensor.numElements(); i < e; ++i)
    if (bytes[i] > 1)
      return llvm::createStringError(
          "bool element at index " + formatIndex(tensor.shape, i) + " holds " +
          llvm::Twine(static_cast<unsigned>(bytes[i])) + ", not 0 or 1");
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// .npy
//===----------------------------------------------------------------------===//

constexpr StringRef kNpyMagic("\x93NUMPY", 6);

struct NpyHeader {
  const ElementInfo *element = nullptr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
};

/// Parses the header of a .npy file: a Python dict literal such as
/// "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".
class NpyHeaderParser {
public:
  explicit NpyHeaderParser(StringRef text) : rest(text) {}

  llvm::Expected<NpyHeader> parse() {
    NpyHeader header;
    if (!consume('{'))
      return fail("expected '{'");
    unsigned seenKeys = 0;
    while (!consume('}')) {
      std::string key;
      if (llvm::Error err = parseString(key))
        return err;
      if (!consume(':'))
        return fail("expected ':' after " + quoted(key));
      if (llvm::Error err = parseEntry(key, header, seenKeys))
        return err;
      if (!consume(',')) {
        if (!consume('}'))
          return fail("expected ',' or '}'");
        break;
      }
    }
    skipSpace();
    if (!rest.empty())
      return fail("unexpected text after the dict");
    if (seenKeys != (kDescr | kFortranOrder | kShape))
      return fail("the dict needs keys 'descr', 'fortran_order' and 'shape'");
    return header;
  }

private:
  enum Key : unsigned { kDescr = 1, kFortranOrder = 2, kShape = 4 };

  llvm::Error parseEntry(StringRef key, NpyHeader &header, unsigned &seen) {
    if (key == "descr") {
      seen |= kDescr;
      return parseDescr(header);
    }
    if (key == "fortran_order") {
      seen |= kFortranOrder;
      return parseBool(header.fortranOrder);
    }
    if (key == "shape") {
      seen |= kShape;
      return parseShape(header.shape);
    }
    return fail("unexpected key " + quoted(key));
  }

  llvm::Error fail(const llvm::Twine &reason) {
    return llvm::createStringError("malformed .npy header: " + reason);
  }

  void skipSpace() { rest = rest.ltrim(" \t\r\n"); }

  bool consume(char c) {
    skipSpace();
    return rest.consume_front(StringRef(&c, 1));
  }

  llvm::Error parseString(std::string &out) {
    skipSpace();
    if (rest.empty() || (rest.front() != '\'' && rest.front() != '"'))
      return fail("expected a string");
    char quote = rest.front();
    size_t end = rest.find(quote, 1);
    if (end == StringRef::npos)
      return fail("unterminated string");
    out = rest.slice(1, end).str();
    rest = rest.drop_front(end + 1);
    return llvm::Error::success();
  }

  llvm::Error parseDescr(NpyHeader &header) {
    skipSpace();
    if (rest.starts_with("["))
      return llvm::createStringError(
          "structured dtypes are not supported (the .npy holds records)");
    std::string descr;
    if (llvm::Error err = parseString(descr))
      return err;
    header.element = findElementByDescr(descr);
    if (header.element)
      return llvm::Error::success();
    if (descr.size() > 1 && descr[0] == '>')
      return llvm::createStringError("big-endian dtype " + quoted(descr) +
                                     " is not supported");
    if (descr.size() > 1 && descr[1] == 'V')
      return llvm::createStringError(
          "unsupported dtype " + quoted(descr) +
          ": raw bytes, as numpy saves extension types such as bfloat16 "
          "(use an ONNX TensorProto .pb for those)");
    return llvm::createStringError(
        "unsupported dtype " + quoted(descr) +
        " (supported: float16/32/64, int8-64, uint8-64, bool)");
  }

  /// Byte order only matters for multi-byte types: numpy writes '|' for
  /// one-byte ones, other writers may not.
  static const ElementInfo *findElementByDescr(StringRef descr) {
    if (descr.size() < 2 || !StringRef("<>|=").contains(descr[0]))
      return nullptr;
    for (const ElementInfo &info : kElements) {
      if (!info.npyDescr ||
          StringRef(info.npyDescr).drop_front() != descr.drop_front())
        continue;
      if (info.size == 1 || descr[0] == '<')
        return &info;
    }
    return nullptr;
  }

  llvm::Error parseBool(bool &out) {
    skipSpace();
    if (rest.consume_front("True"))
      out = true;
    else if (rest.consume_front("False"))
      out = false;
    else
      return fail("'fortran_order' must be True or False");
    return llvm::Error::success();
  }

  llvm::Error parseShape(std::vector<int64_t> &shape) {
    if (!consume('('))
      return fail("'shape' must be a tuple");
    while (!consume(')')) {
      skipSpace();
      size_t digits =
          std::min(rest.find_first_not_of("0123456789"), rest.size());
      if (digits == 0)
        return fail("'shape' must hold non-negative integers");
      int64_t extent;
      if (rest.take_front(digits).getAsInteger(10, extent))
        return fail("shape extent " + quoted(rest.take_front(digits)) +
                    " is too large");
      shape.push_back(extent);
      rest = rest.drop_front(digits);
      rest.consume_front("L"); // Python 2 longs, as in old files.
      if (!consume(',')) {
        if (!consume(')'))
          return fail("expected ',' or ')' in 'shape'");
        break;
      }
    }
    return llvm::Error::success();
  }

  StringRef rest;
};

llvm::Expected<HostTensor> readNpy(StringRef bytes) {
  if (!bytes.starts_with(kNpyMagic))
    return llvm::createStringError("not a .npy file (bad magic)");
  if (bytes.size() < kNpyMagic.size() + 2)
    return llvm::createStringError("truncated .npy header");
  unsigned major = static_cast<uint8_t>(bytes[6]);
  unsigned minor = static_cast<uint8_t>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0)
    return llvm::createStringError("unsupported .npy format version " +
                                   llvm::Twine(major) + "." +
                                   llvm::Twine(minor));
  // Version 1 has a 2-byte header length, versions 2 and 3 a 4-byte one.
  size_t lengthSize = major == 1 ? 2 : 4;
  size_t prefixSize = kNpyMagic.size() + 2 + lengthSize;
  if (bytes.size() < prefixSize)
    return llvm::createStringError("truncated .npy header");
  uint64_t headerSize = major == 1
                            ? llvm::support::endian::read16le(bytes.data() + 8)
                            : llvm::support::endian::read32le(bytes.data() + 8);
  if (bytes.size() - prefixSize < headerSize)
    return llvm::createStringError(
        "truncated .npy header: it should be " + llvm::Twine(headerSize) +
        " bytes, the file has " + llvm::Twine(bytes.size() - prefixSize));

  llvm::Expected<NpyHeader> header =
      NpyHeaderParser(bytes.substr(prefixSize, headerSize)).parse();
  if (!header)
    return header.takeError();
  if (header->fortranOrder)
    return llvm::createStringError(
        "Fortran-order arrays are not supported (save a C-contiguous array, "
        "e.g. np.ascontiguousarray)");

  const ElementInfo &info = *header->element;
  std::optional<size_t> dataSize = checkedByteSize(info, header->shape);
  if (!dataSize)
    return llvm::createStringError("shape " + formatShape(header->shape) +
                                   " is too large");
  StringRef data = bytes.drop_front(prefixSize + headerSize);
  if (data.size() < *dataSize)
    return llvm::createStringError(
        "truncated data: " + llvm::Twine(info.name) + " " +
        formatShape(header->shape) + " needs " + llvm::Twine(*dataSize) +
        " bytes, the file has " + llvm::Twine(data.size()));
  if (data.size() > *dataSize)
    return llvm::createStringError(llvm::Twine(data.size() - *dataSize) +
                                   " unexpected bytes after the data of " +
                                   info.name + " " +
                                   formatShape(header->shape));

  HostTensor tensor(info.type, std::move(header->shape));
  std::memcpy(tensor.data(), data.data(), data.size());
  if (llvm::Error err = checkBools(tensor))
    return err;
  return tensor;
}

/// The header dict followed by the padding numpy writes: spaces and a newline
/// so the data starts 64-byte aligned.
std::string npyHeaderText(const ElementInfo &info,
                          llvm::ArrayRef<int64_t> shape, size_t prefixSize) {
  std::string text = std::string("{'descr': '") + info.npyDescr +
                     "', 'fortran_order': False, 'shape': (";
  for (int64_t extent : shape)
    text += std::to_string(extent) + ", ";
  // A Python tuple: "()", "(3,)", "(2, 3)".
  if (shape.size() > 1)
    text.resize(text.size() - 2);
  else if (shape.size() == 1)
    text.pop_back();
  text += "), }";
  size_t total = llvm::alignTo(prefixSize + text.size() + 1, 64);
  text.append(total - prefixSize - text.size() - 1, ' ');
  text += '\n';
  return text;
}

//===----------------------------------------------------------------------===//
// ONNX TensorProto
//===----------------------------------------------------------------------===//

const char *protoFieldName(ProtoField field) {
  switch (field) {
  case ProtoField::FloatData:
    return "float_data";
  case ProtoField::DoubleData:
    return "double_data";
  case ProtoField::Int32Data:
    return "int32_data";
  case ProtoField::Int64Data:
    return "int64_data";
  case ProtoField::UInt64Data:
    return "uint64_data";
  }
  llvm_unreachable("unknown ProtoField");
}

int protoFieldSize(const onnx::TensorProto &proto, ProtoField field) {
  switch (field) {
  case ProtoField::FloatData:
    return proto.float_data_size();
  case ProtoField::DoubleData:
    return proto.double_data_size();
  case ProtoField::Int32Data:
    return proto.int32_data_size();
  case ProtoField::Int64Data:
    return proto.int64_data_size();
  case ProtoField::UInt64Data:
    return proto.uint64_data_size();
  }
  llvm_unreachable("unknown ProtoField");
}

/// The values a typed field may hold for `info`: the element type's range, or
/// the 16-bit patterns of float16/bfloat16.
bool fitsElement(const ElementInfo &info, int64_t value) {
  unsigned bits = 8 * info.size;
  switch (info.kind) {
  case ElementKind::Signed:
    return llvm::isIntN(bits, value);
  case ElementKind::Unsigned:
  case ElementKind::Float:
    return value >= 0 && llvm::isUIntN(bits, static_cast<uint64_t>(value));
  case ElementKind::Bool:
    return value == 0 || value == 1;
  }
  llvm_unreachable("unknown ElementKind");
}

/// Copies the typed field of `proto` into `tensor`, narrowing to the element
/// size where ONNX stores small types in wider fields.
llvm::Error copyTypedField(const onnx::TensorProto &proto,
                           const ElementInfo &info, HostTensor &tensor) {
  auto *out = static_cast<uint8_t *>(tensor.data());
  auto outOfRange = [&](int64_t index, const llvm::Twine &value) {
    return llvm::createStringError(
        llvm::Twine(protoFieldName(info.protoField)) + " value " + value +
        " at index " + formatIndex(tensor.shape, index) + " does not fit " +
        info.name);
  };
  switch (info.protoField) {
  case ProtoField::FloatData:
    std::memcpy(out, proto.float_data().data(), tensor.sizeInBytes());
    return llvm::Error::success();
  case ProtoField::DoubleData:
    std::memcpy(out, proto.double_data().data(), tensor.sizeInBytes());
    return llvm::Error::success();
  case ProtoField::Int64Data:
    std::memcpy(out, proto.int64_data().data(), tensor.sizeInBytes());
    return llvm::Error::success();
  case ProtoField::Int32Data:
    for (int i = 0, e = proto.int32_data_size(); i < e; ++i) {
      int64_t value = proto.int32_data(i);
      if (!fitsElement(info, value))
        return outOfRange(i, llvm::Twine(value));
      uint64_t bits = static_cast<uint64_t>(value);
      std::memcpy(out + i * info.size, &bits, info.size);
    }
    return llvm::Error::success();
  case ProtoField::UInt64Data:
    for (int i = 0, e = proto.uint64_data_size(); i < e; ++i) {
      uint64_t value = proto.uint64_data(i);
      if (!llvm::isUIntN(8 * info.size, value))
        return outOfRange(i, llvm::Twine(value));
      std::memcpy(out + i * info.size, &value, info.size);
    }
    return llvm::Error::success();
  }
  llvm_unreachable("unknown ProtoField");
}

llvm::Expected<HostTensor> readTensorProto(StringRef bytes) {
  if (bytes.size() > static_cast<size_t>(INT_MAX))
    return llvm::createStringError(
        "larger than protobuf's 2 GiB limit; use a .npy file");
  onnx::TensorProto proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return llvm::createStringError(
        "not an ONNX TensorProto (protobuf parsing failed)");
  // Protobuf accepts many byte strings as some message; a tensor always says
  // what its elements are.
  if (!proto.has_data_type())
    return llvm::createStringError("not an ONNX TensorProto (no data_type)");
  if (proto.data_location() == onnx::TensorProto::EXTERNAL ||
      proto.external_data_size() > 0)
    return llvm::createStringError(
        "tensors with external data are not supported");
  if (proto.has_segment())
    return llvm::createStringError("segmented tensors are not supported");

  const ElementInfo *info = findElementByCode(proto.data_type());
  if (!info)
    return llvm::createStringError(
        "unsupported element type " + onnxTypeDescription(proto.data_type()) +
        (proto.data_type() == onnx::TensorProto::STRING
             ? ": string tensors are not supported"
             : ""));

  std::vector<int64_t> shape(proto.dims().begin(), proto.dims().end());
  if (llvm::any_of(shape, [](int64_t extent) { return extent < 0; }))
    return llvm::createStringError("negative extent in shape " +
                                   formatShape(shape));
  std::optional<size_t> dataSize = checkedByteSize(*info, shape);
  if (!dataSize)
    return llvm::createStringError("shape " + formatShape(shape) +
                                   " is too large");
  int64_t count = *checkedElementCount(shape);

  int64_t typedValues = proto.float_data_size() + proto.int32_data_size() +
                        proto.string_data_size() + proto.int64_data_size() +
                        proto.double_data_size() + proto.uint64_data_size();
  if (info->packedBits) {
    // Packed: raw_data or int32_data hold the bytes; unpack one a byte.
    size_t packedBytes = (static_cast<size_t>(count) * info->packedBits + 7) / 8;
    std::string packed;
    if (proto.has_raw_data()) {
      if (typedValues > 0)
        return llvm::createStringError("holds both raw_data and typed data fields");
      packed = proto.raw_data();
    } else {
      if (proto.int32_data_size() != typedValues)
        return llvm::createStringError(llvm::Twine("data is in the wrong field: ") +
                                       info->name + " tensors keep their values in int32_data");
      for (int i = 0; i < proto.int32_data_size(); ++i)
        packed.push_back(static_cast<char>(proto.int32_data(i)));
    }
    if (packed.size() != packedBytes)
      return llvm::createStringError("holds " + llvm::Twine(packed.size()) +
                                     " packed bytes, " + info->name + " " +
                                     formatShape(shape) + " needs " +
                                     llvm::Twine(packedBytes));
    HostTensor tensor(info->type, std::move(shape));
    auto *out = static_cast<uint8_t *>(tensor.data());
    unsigned bits = info->packedBits, perByte = 8 / bits, mask = (1u << bits) - 1;
    for (int64_t i = 0; i < count; ++i) {
      unsigned value = (static_cast<uint8_t>(packed[i / perByte]) >> (bits * (i % perByte))) & mask;
      if (info->kind == ElementKind::Signed && (value >> (bits - 1)))
        value |= ~mask; // sign-extended, as the C interface holds them
      out[i] = static_cast<uint8_t>(value);
    }
    return tensor;
  }
  if (proto.has_raw_data()) {
    if (typedValues > 0)
      return llvm::createStringError(
          "holds both raw_data and typed data fields");
    if (proto.raw_data().size() != *dataSize)
      return llvm::createStringError(
          "raw_data holds " + llvm::Twine(proto.raw_data().size()) +
          " bytes, " + info->name + " " + formatShape(shape) + " needs " +
          llvm::Twine(*dataSize));
    HostTensor tensor(info->type, std::move(shape));
    std::memcpy(tensor.data(), proto.raw_data().data(), *dataSize);
    if (llvm::Error err = checkBools(tensor))
      return err;
    return tensor;
  }

  int64_t fieldValues = protoFieldSize(proto, info->protoField);
  if (fieldValues != typedValues)
    return llvm::createStringError(
        llvm::Twine("data is in the wrong field: ") + info->name +
        " tensors keep their values in " + protoFieldName(info->protoField));
  if (fieldValues != count)
    return llvm::createStringError(
        llvm::Twine(protoFieldName(info->protoField)) + " holds " +
        llvm::Twine(fieldValues) + " values, " + info->name + " " +
        formatShape(shape) + " needs " + llvm::Twine(count));
  HostTensor tensor(info->type, std::move(shape));
  if (llvm::Error err = copyTypedField(proto, *info, tensor))
    return err;
  return tensor;
}

/// Tells the formats apart by the .npy magic, then by the file's extension:
/// a TensorProto has no magic of its own.
llvm::Expected<HostTensor> readTensorBytes(StringRef bytes,
                                           StringRef extension) {
  if (bytes.empty())
    return llvm::createStringError("the file is empty");
  if (bytes.starts_with(kNpyMagic) || extension == ".npy")
    return readNpy(bytes);
  if (extension == ".pb")
    return readTensorProto(bytes);
  return llvm::createStringError("unrecognised tensor file: expected a .npy "
                                 "file or an ONNX TensorProto named *.pb");
}

} // namespace

//===----------------------------------------------------------------------===//
// HostTensor
//===----------------------------------------------------------------------===//

HostTensor::HostTensor(ElementType type, std::vector<int64_t> shape)
    : type(type), shape(std::move(shape)), storage(nullptr, AlignedDelete{0}) {
  assert(checkedByteSize(elementInfo(type), this->shape) &&
         "HostTensor shape must be non-negative and its size must fit");
  // Round up so the last vector load stays inside the allocation, and never
  // allocate zero bytes so data() is never null.
  size_t capacity =
      std::max<size_t>(llvm::alignTo(sizeInBytes(), kAlignment), kAlignment);
  void *buffer = llvm::allocate_buffer(capacity, kAlignment);
  std::memset(buffer, 0, capacity);
  storage =
      std::unique_ptr<void, AlignedDelete>(buffer, AlignedDelete{capacity});
}

void HostTensor::AlignedDelete::operator()(void *ptr) const {
  llvm::deallocate_buffer(ptr, capacity, kAlignment);
}

int64_t HostTensor::numElements() const {
  int64_t count = 1;
  for (int64_t extent : shape)
    count *= extent;
  return count;
}

size_t HostTensor::sizeInBytes() const {
  return static_cast<size_t>(numElements()) * elementInfo(type).size;
}

//===----------------------------------------------------------------------===//
// Files
//===----------------------------------------------------------------------===//

llvm::Expected<HostTensor> kiln::tools::readTensorFile(StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return llvm::createStringError(
        path + ": cannot open: " + buffer.getError().message());
  llvm::Expected<HostTensor> tensor =
      readTensorBytes((*buffer)->getBuffer(), llvm::sys::path::extension(path));
  if (!tensor)
    return llvm::createStringError(path + ": " +
                                   llvm::toString(tensor.takeError()));
  return tensor;
}

/// Writes `path` through `write` into a temporary file renamed over it, so
/// a reader never sees half a file; errors name the file.
static llvm::Error writeAtomically(StringRef path,
                                   llvm::function_ref<llvm::Error(llvm::raw_ostream &)> write) {
  if (llvm::Error err = llvm::writeToOutput(path, write))
    return llvm::createStringError(path + ": cannot write: " + llvm::toString(std::move(err)));
  return llvm::Error::success();
}

llvm::Error kiln::tools::writeNpy(StringRef path, const HostTensor &tensor) {
  const ElementInfo &info = elementInfo(tensor.type);
  if (!info.npyDescr)
    return llvm::createStringError(path + ": cannot write " + info.name +
                                   " as .npy: numpy has no such dtype");
  // Version 1 unless the header needs more than its 16-bit length field.
  std::string header = npyHeaderText(info, tensor.shape, 10);
  uint8_t version = 1;
  if (header.size() > UINT16_MAX) {
    header = npyHeaderText(info, tensor.shape, 12);
    version = 2;
  }
  return writeAtomically(path, [&](llvm::raw_ostream &os) {
    os << kNpyMagic << static_cast<char>(version) << '\0';
    char length[4];
    if (version == 1) {
      llvm::support::endian::write16le(length, header.size());
      os.write(length, 2);
    } else {
      llvm::support::endian::write32le(length, header.size());
      os.write(length, 4);
    }
    os << header;
    os.write(static_cast<const char *>(tensor.data()), tensor.sizeInBytes());
    return llvm::Error::success();
  });
}

bool kiln::tools::npyCanHold(target::ElementType type) {
  return elementInfo(type).npyDescr != nullptr;
}

llvm::Error kiln::tools::writeTensorProto(StringRef path, const HostTensor &tensor,
                                          StringRef name) {
  const ElementInfo &info = elementInfo(tensor.type);
  onnx::TensorProto proto;
  proto.set_name(name.str());
  proto.set_data_type(static_cast<int32_t>(info.type));
  for (int64_t extent : tensor.shape)
    proto.add_dims(extent);
  const auto *bytes = static_cast<const uint8_t *>(tensor.data());
  if (info.packedBits) {
    // Packed, low bits first, as the reader above unpacks them.
    int64_t count = tensor.numElements();
    unsigned bits = info.packedBits, perByte = 8 / bits, mask = (1u << bits) - 1;
    std::string packed((static_cast<size_t>(count) * bits + 7) / 8, '\0');
    for (int64_t i = 0; i < count; ++i)
      packed[i / perByte] = static_cast<char>(static_cast<uint8_t>(packed[i / perByte]) |
                                              ((bytes[i] & mask) << (bits * (i % perByte))));
    proto.set_raw_data(std::move(packed));
  } else {
    proto.set_raw_data(bytes, tensor.sizeInBytes());
  }
  if (proto.ByteSizeLong() > static_cast<size_t>(INT_MAX))
    return llvm::createStringError(path + ": cannot write " + info.name + " " +
                                   formatShape(tensor.shape) +
                                   " as .pb: larger than protobuf's 2 GiB limit");
  return writeAtomically(path, [&](llvm::raw_ostream &os) -> llvm::Error {
    std::string serialized;
    if (!proto.SerializeToString(&serialized))
      return llvm::createStringError("protobuf serialization failed");
    os << serialized;
    return llvm::Error::success();
  });
}

//===----------------------------------------------------------------------===//
// Comparison
//===----------------------------------------------------------------------===//

Comparison kiln::tools::compareTensors(const HostTensor &actual,
                                       const HostTensor &expected, double rtol,
                                       double atol) {
  Comparison result;
  const ElementInfo &info = elementInfo(actual.type);
  if (actual.type != expected.type) {
    result.summary = std::string("element type mismatch: actual ") + info.name +
                     ", expected " + elementInfo(expected.type).name;
    return result;
  }
  if (actual.shape != expected.shape) {
    result.summary = "shape mismatch: actual " + formatShape(actual.shape) +
                     ", expected " + formatShape(expected.shape);
    return result;
  }

  int64_t count = actual.numElements();
  if (count == 0) {
    result.match = true;
    result.summary =
        "no elements to compare (shape " + formatShape(actual.shape) + ")";
    return result;
  }

  const auto *a = static_cast<const uint8_t *>(actual.data());
  const auto *e = static_cast<const uint8_t *>(expected.data());
  const double inf = std::numeric_limits<double>::infinity();
  int64_t maxIndex = 0, firstMismatch = -1;
  result.maxAbsDiff = -1.0;
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t *ai = a + i * info.size, *ei = e + i * info.size;
    double diff;
    bool ok;
    switch (info.kind) {
    case ElementKind::Float: {
      double av = loadFloat(info, ai), ev = loadFloat(info, ei);
      if (std::isnan(av) || std::isnan(ev)) {
        ok = std::isnan(av) && std::isnan(ev);
        diff = ok ? 0.0 : inf;
      } else if (std::isinf(av) || std::isinf(ev)) {
        ok = av == ev;
        diff = ok ? 0.0 : inf;
      } else {
        diff = std::fabs(av - ev);
        ok = diff <= atol + rtol * std::fabs(ev);
      }
      break;
    }
    case ElementKind::Signed:
    case ElementKind::Unsigned:
    case ElementKind::Bool: {
      // Integers are exact; the distance is only reported. Subtracting as
      // unsigned gives it without overflow for any pair of int64s.
      uint64_t av = loadBits(ai, info.size), ev = loadBits(ei, info.size);
      bool actualAbove = av > ev;
      if (info.kind == ElementKind::Signed) {
        int64_t as = loadSigned(info, ai), es = loadSigned(info, ei);
        av = static_cast<uint64_t>(as);
        ev = static_cast<uint64_t>(es);
        actualAbove = as > es;
      }
      ok = av == ev;
      diff = static_cast<double>(actualAbove ? av - ev : ev - av);
      break;
    }
    }
    if (diff > result.maxAbsDiff) {
      result.maxAbsDiff = diff;
      maxIndex = i;
    }
    if (!ok) {
      if (result.mismatches++ == 0)
        firstMismatch = i;
    }
  }
  result.match = result.mismatches == 0;

  std::string &summary = result.summary;
  llvm::raw_string_ostream os(summary);
  os << "max |diff| " << llvm::format("%.3g", result.maxAbsDiff) << " at index "
     << formatIndex(actual.shape, maxIndex) << ", " << result.mismatches
     << " of " << count << " elements out of tolerance";
  if (info.kind == ElementKind::Float)
    os << " (rtol " << llvm::format("%g", rtol) << ", atol "
       << llvm::format("%g", atol) << ")";
  else
    os << " (exact)";
  if (firstMismatch >= 0)
    os << "; first at index " << formatIndex(actual.shape, firstMismatch)
       << ": actual " << formatElement(info, a + firstMismatch * info.size)
       << ", expected " << formatElement(info, e + firstMismatch * info.size);
  return result;
}

//===- kiln-tensorio-test.cpp - Tests for kiln-run's tensor files ---------===//
//
// `kiln-tensorio-test unit` runs in-memory checks of KilnTensorIO; the other
// commands expose it to lit tests, which feed it files written by numpy and
// onnx and check the answers with FileCheck or numpy:
//
//   kiln-tensorio-test read FILE...                 type and shape, per file
//   kiln-tensorio-test dump FILE                    element bit patterns
//   kiln-tensorio-test roundtrip IN OUT.npy         read, then writeNpy
//   kiln-tensorio-test compare ACTUAL EXPECTED RTOL ATOL
//                                                   exit 1 on mismatch
//
//===----------------------------------------------------------------------===//

#include "tools/kiln-run/TensorIO.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace kiln;
using namespace kiln::tools;
using target::ElementType;

namespace {

//===----------------------------------------------------------------------===//
// Unit checks
//===----------------------------------------------------------------------===//

struct Checker {
  int checks = 0;
  int failures = 0;

  void expect(bool ok, const char *what, int line) {
    ++checks;
    if (ok)
      return;
    ++failures;
    llvm::errs() << "FAIL line " << line << ": " << what << "\n";
  }
};

#define EXPECT(checker, cond) (checker).expect((cond), #cond, __LINE__)

template <typename T>
HostTensor makeTensor(ElementType type, std::vector<int64_t> shape,
                      std::initializer_list<T> values) {
  HostTensor tensor(type, std::move(shape));
  assert(values.size() * sizeof(T) == tensor.sizeInBytes() &&
         "test tensor values do not fill the tensor");
  std::memcpy(tensor.data(), values.begin(), tensor.sizeInBytes());
  return tensor;
}

HostTensor f32(std::vector<int64_t> shape, std::initializer_list<float> v) {
  return makeTensor<float>(ElementType::F32, std::move(shape), v);
}

bool contains(llvm::StringRef text, llvm::StringRef part) {
  return text.contains(part);
}

void checkHostTensor(Checker &c) {
  const ElementType types[] = {
      ElementType::F32, ElementType::F64, ElementType::F16, ElementType::BF16,
      ElementType::U8,  ElementType::I8,  ElementType::U16, ElementType::I16,
      ElementType::U32, ElementType::I32, ElementType::U64, ElementType::I64,
      ElementType::Bool};
  const size_t sizes[] = {4, 8, 2, 2, 1, 1, 2, 2, 4, 4, 8, 8, 1};
  for (auto [type, size] : llvm::zip_equal(types, sizes)) {
    HostTensor tensor(type, {3, 5});
    EXPECT(c, tensor.numElements() == 15);
    EXPECT(c, tensor.sizeInBytes() == 15 * size);
    EXPECT(c, reinterpret_cast<uintptr_t>(tensor.data()) %
                      HostTensor::kAlignment ==
                  0);
    const auto *bytes = static_cast<const uint8_t *>(tensor.data());
    EXPECT(c, std::all_of(bytes, bytes + tensor.sizeInBytes(),
                          [](uint8_t b) { return b == 0; }));
  }
  HostTensor scalar(ElementType::F32, {});
  EXPECT(c, scalar.numElements() == 1 && scalar.sizeInBytes() == 4);
  HostTensor empty(ElementType::I64, {4, 0, 2});
  EXPECT(c, empty.numElements() == 0 && empty.sizeInBytes() == 0);
  EXPECT(c, empty.data() != nullptr);
  EXPECT(c, reinterpret_cast<uintptr_t>(empty.data()) % 64 == 0);

  // Moves keep the storage; the moved-to tensor owns it.
  const void *storage = scalar.data();
  HostTensor moved = std::move(scalar);
  EXPECT(c, moved.data() == storage);
}

void checkFloatComparison(Checker &c) {
  float nan = std::numeric_limits<float>::quiet_NaN();
  float inf = std::numeric_limits<float>::infinity();

  Comparison same = compareTensors(f32({2, 2}, {1, 2, 3, 4}),
                                   f32({2, 2}, {1, 2, 3, 4}), 0, 0);
  EXPECT(c, same.match && same.mismatches == 0 && same.maxAbsDiff == 0);
  EXPECT(c, same.summary == "max |diff| 0 at index [0,0], 0 of 4 elements "
                            "out of tolerance (rtol 0, atol 0)");

  // Within atol; the summary locates the largest difference.
  Comparison close = compareTensors(f32({2, 3}, {0, 0, 0, 0, 0, 1e-6f}),
                                    f32({2, 3}, {0, 0, 0, 0, 0, 0}), 0, 1e-5);
  EXPECT(c, close.match && close.mismatches == 0);
  EXPECT(c, std::fabs(close.maxAbsDiff - 1e-6) < 1e-12);
  EXPECT(c, contains(close.summary, "at index [1,2]"));
  EXPECT(c, contains(close.summary, "0 of 6 elements out of tolerance"));

  // Outside it: counted, and the first offender is shown.
  Comparison far = compareTensors(f32({2, 3}, {0, 0.5f, 0, 0, 0, 2}),
                                  f32({2, 3}, {0, 0, 0, 0, 0, 0}), 0, 1e-5);
  EXPECT(c, !far.match && far.mismatches == 2 && far.maxAbsDiff == 2);
  EXPECT(c, contains(far.summary, "max |diff| 2 at index [1,2]"));
  EXPECT(c, contains(far.summary, "2 of 6 elements out of tolerance"));
  EXPECT(c,
         contains(far.summary, "first at index [0,1]: actual 0.5, expected 0"));

  // rtol scales with |expected| only: 100 vs 101 passes with rtol 0.01 when
  // 101 is expected (tolerance 1.01) but not at 0.009.
  EXPECT(c, compareTensors(f32({1}, {100}), f32({1}, {101}), 0.01, 0).match);
  EXPECT(c, !compareTensors(f32({1}, {100}), f32({1}, {101}), 0.009, 0).match);
  // atol and rtol add up.
  EXPECT(c, compareTensors(f32({1}, {10}), f32({1}, {11.5f}), 0.1, 0.35).match);
  EXPECT(c, !compareTensors(f32({1}, {10}), f32({1}, {11.5f}), 0.1, 0.3).match);

  // NaN matches NaN only; infinities only themselves.
  EXPECT(c, compareTensors(f32({2}, {nan, 1}), f32({2}, {nan, 1}), 0, 0).match);
  Comparison nanVsOne =
      compareTensors(f32({2}, {nan, 1}), f32({2}, {1, 1}), 1, 1);
  EXPECT(c, !nanVsOne.match && nanVsOne.mismatches == 1);
  EXPECT(c, std::isinf(nanVsOne.maxAbsDiff));
  EXPECT(c, contains(nanVsOne.summary, "actual nan, expected 1"));
  EXPECT(c, !compareTensors(f32({1}, {1}), f32({1}, {nan}), 1, 1).match);
  EXPECT(c, compareTensors(f32({1}, {inf}), f32({1}, {inf}), 0, 0).match);
  EXPECT(c, compareTensors(f32({1}, {-inf}), f32({1}, {-inf}), 0, 0).match);
  EXPECT(c, !compareTensors(f32({1}, {inf}), f32({1}, {-inf}), 1, 1).match);
  EXPECT(c, !compareTensors(f32({1}, {3e38f}), f32({1}, {inf}), 1, 1).match);
  EXPECT(c, !compareTensors(f32({1}, {inf}), f32({1}, {3e38f}), 1, 1).match);
  EXPECT(c, !compareTensors(f32({1}, {nan}), f32({1}, {inf}), 1, 1).match);

  // float64 keeps its precision.
  HostTensor d1 = makeTensor<double>(ElementType::F64, {1}, {1.0});
  HostTensor d2 = makeTensor<double>(ElementType::F64, {1}, {1.0 + 1e-12});
  EXPECT(c, !compareTensors(d1, d2, 0, 1e-13).match);
  EXPECT(c, compareTensors(d1, d2, 0, 1e-11).match);
}

void checkHalfComparison(Checker &c) {
  // float16: 0x3c00 = 1.0, 0x3c01 = 1 + 2^-10.
  auto f16 = [](std::initializer_list<uint16_t> bits) {
    return makeTensor<uint16_t>(ElementType::F16, {int64_t(bits.size())}, bits);
  };
  Comparison oneUlp = compareTensors(f16({0x3c01}), f16({0x3c00}), 0, 1e-3);
  EXPECT(c, oneUlp.match);
  EXPECT(c, oneUlp.maxAbsDiff == std::ldexp(1.0, -10));
  EXPECT(c, !compareTensors(f16({0x3c01}), f16({0x3c00}), 0, 1e-4).match);
  // Subnormal 0x0001 = 2^-24; -0.0 equals 0.0.
  Comparison subnormal = compareTensors(f16({0x0001}), f16({0x0000}), 0, 0);
  EXPECT(c, subnormal.maxAbsDiff == std::ldexp(1.0, -24));
  EXPECT(c, compareTensors(f16({0x8000}), f16({0x0000}), 0, 0).match);
  // Different NaN payloads are both NaN; +inf (0x7c00) is not -inf (0xfc00)
  // nor 65504 (0x7bff, the largest finite half).
  EXPECT(c, compareTensors(f16({0x7e00}), f16({0x7e01}), 0, 0).match);
  EXPECT(c, compareTensors(f16({0x7c00}), f16({0x7c00}), 0, 0).match);
  EXPECT(c, !compareTensors(f16({0x7c00}), f16({0xfc00}), 1, 1).match);
  EXPECT(c, !compareTensors(f16({0x7bff}), f16({0x7c00}), 1, 1).match);
  // Exponent decoding: 0x4248 = 3.140625, 0xc000 = -2.
  Comparison pi = compareTensors(f16({0x4248}), f16({0xc000}), 0, 0);
  EXPECT(c, pi.maxAbsDiff == 5.140625);
  EXPECT(c, contains(pi.summary, "actual 3.140625, expected -2"));

  // bfloat16: 0x3f80 = 1.0, 0x3f81 = 1 + 2^-7, 0x7fc0 NaN, 0xff80 -inf.
  auto bf16 = [](std::initializer_list<uint16_t> bits) {
    return makeTensor<uint16_t>(ElementType::BF16, {int64_t(bits.size())},
                                bits);
  };
  EXPECT(c, compareTensors(bf16({0x3f81}), bf16({0x3f80}), 0, 1e-2).match);
  EXPECT(c, !compareTensors(bf16({0x3f81}), bf16({0x3f80}), 0, 1e-3).match);
  EXPECT(c,
         compareTensors(bf16({0x3f81}), bf16({0x3f80}), 0, 1e-3).maxAbsDiff ==
             std::ldexp(1.0, -7));
  EXPECT(c, compareTensors(bf16({0x7fc0}), bf16({0x7fc1}), 0, 0).match);
  EXPECT(c, compareTensors(bf16({0xff80}), bf16({0xff80}), 0, 0).match);
  EXPECT(c, !compareTensors(bf16({0xff80}), bf16({0x7f80}), 1, 1).match);
}

void checkExactComparison(Checker &c) {
  // Integers are exact whatever the tolerances say.
  auto i32 = [](std::initializer_list<int32_t> v) {
    return makeTensor<int32_t>(ElementType::I32, {int64_t(v.size())}, v);
  };
  Comparison offByOne = compareTensors(i32({5, 7}), i32({5, 6}), 1, 10);
  EXPECT(c, !offByOne.match && offByOne.mismatches == 1);
  EXPECT(c, offByOne.maxAbsDiff == 1);
  EXPECT(c, offByOne.summary == "max |diff| 1 at index [1], 1 of 2 elements "
                                "out of tolerance (exact); first at index [1]: "
                                "actual 7, expected 6");
  EXPECT(c, compareTensors(i32({-3, 4}), i32({-3, 4}), 0, 0).match);

  // Sign extension of narrow types: int8 -1 vs 1 is 2 apart, uint8 255 vs 1
  // is 254 apart.
  HostTensor i8a = makeTensor<int8_t>(ElementType::I8, {1}, {-1});
  HostTensor i8b = makeTensor<int8_t>(ElementType::I8, {1}, {1});
  EXPECT(c, compareTensors(i8a, i8b, 0, 0).maxAbsDiff == 2);
  HostTensor u8a = makeTensor<uint8_t>(ElementType::U8, {1}, {255});
  HostTensor u8b = makeTensor<uint8_t>(ElementType::U8, {1}, {1});
  EXPECT(c, compareTensors(u8a, u8b, 0, 0).maxAbsDiff == 254);
  HostTensor i16a = makeTensor<int16_t>(ElementType::I16, {1}, {-32768});
  HostTensor i16b = makeTensor<int16_t>(ElementType::I16, {1}, {32767});
  EXPECT(c, compareTensors(i16a, i16b, 0, 0).maxAbsDiff == 65535);

  // The distance between int64 extremes does not overflow.
  HostTensor lo = makeTensor<int64_t>(ElementType::I64, {1},
                                      {std::numeric_limits<int64_t>::min()});
  HostTensor hi = makeTensor<int64_t>(ElementType::I64, {1},
                                      {std::numeric_limits<int64_t>::max()});
  Comparison extremes = compareTensors(lo, hi, 0, 0);
  EXPECT(c, !extremes.match);
  EXPECT(c, extremes.maxAbsDiff == 18446744073709551615.0);
  EXPECT(c, contains(extremes.summary, "actual -9223372036854775808, "
                                       "expected 9223372036854775807"));
  HostTensor u64a = makeTensor<uint64_t>(ElementType::U64, {1}, {0});
  HostTensor u64b = makeTensor<uint64_t>(ElementType::U64, {1}, {~uint64_t(0)});
  EXPECT(c, contains(compareTensors(u64a, u64b, 0, 0).summary,
                     "expected 18446744073709551615"));
  // 2^53 + 1 vs 2^53 differ even though their doubles do not.
  HostTensor big1 =
      makeTensor<int64_t>(ElementType::I64, {1}, {(int64_t(1) << 53) + 1});
  HostTensor big2 =
      makeTensor<int64_t>(ElementType::I64, {1}, {int64_t(1) << 53});
  EXPECT(c, !compareTensors(big1, big2, 1, 1).match);

  HostTensor b1 = makeTensor<uint8_t>(ElementType::Bool, {3}, {1, 0, 1});
  HostTensor b2 = makeTensor<uint8_t>(ElementType::Bool, {3}, {1, 1, 1});
  Comparison bools = compareTensors(b1, b2, 1, 1);
  EXPECT(c, !bools.match && bools.mismatches == 1);
  EXPECT(c, contains(bools.summary, "actual false, expected true"));
}

void checkShapeAndTypeMismatch(Checker &c) {
  Comparison shape = compareTensors(f32({2, 3}, {1, 2, 3, 4, 5, 6}),
                                    f32({3, 2}, {1, 2, 3, 4, 5, 6}), 1, 1);
  EXPECT(c, !shape.match);
  EXPECT(c, shape.summary == "shape mismatch: actual [2,3], expected [3,2]");
  Comparison rank = compareTensors(f32({}, {1}), f32({1}, {1}), 1, 1);
  EXPECT(c, !rank.match &&
                rank.summary == "shape mismatch: actual [], expected [1]");

  HostTensor d = makeTensor<double>(ElementType::F64, {1}, {1.0});
  Comparison type = compareTensors(f32({1}, {1}), d, 1, 1);
  EXPECT(c, !type.match);
  EXPECT(c, type.summary ==
                "element type mismatch: actual float32, expected float64");

  Comparison empty = compareTensors(HostTensor(ElementType::F32, {0, 3}),
                                    HostTensor(ElementType::F32, {0, 3}), 0, 0);
  EXPECT(c, empty.match && empty.mismatches == 0);
  EXPECT(c, contains(empty.summary, "no elements"));
  EXPECT(c, !compareTensors(HostTensor(ElementType::F32, {0, 3}),
                            HostTensor(ElementType::F32, {3, 0}), 0, 0)
                 .match);

  Comparison scalar = compareTensors(f32({}, {2}), f32({}, {1}), 0, 0);
  EXPECT(c, !scalar.match && contains(scalar.summary, "at index []"));
}

void checkFiles(Checker &c, llvm::StringRef dir) {
  auto file = [&](llvm::StringRef name) {
    llvm::SmallString<128> path(dir);
    llvm::sys::path::append(path, name);
    return std::string(path);
  };

  // Every numpy-representable type round-trips bit for bit.
  const ElementType types[] = {
      ElementType::F32, ElementType::F64, ElementType::F16, ElementType::U8,
      ElementType::I8,  ElementType::U16, ElementType::I16, ElementType::U32,
      ElementType::I32, ElementType::U64, ElementType::I64};
  for (ElementType type : types) {
    HostTensor tensor(type, {2, 3, 5});
    auto *bytes = static_cast<uint8_t *>(tensor.data());
    for (size_t i = 0; i < tensor.sizeInBytes(); ++i)
      bytes[i] = static_cast<uint8_t>(i * 37 + 11);
    std::string path = file("t.npy");
    EXPECT(c, !llvm::errorToBool(writeNpy(path, tensor)));
    llvm::Expected<HostTensor> back = readTensorFile(path);
    EXPECT(c, back && back->type == type && back->shape == tensor.shape &&
                  std::memcmp(back->data(), tensor.data(),
                              tensor.sizeInBytes()) == 0);
    if (!back)
      llvm::consumeError(back.takeError());
  }

  // The data starts 64-byte aligned in the file, as numpy writes it: this
  // header is 10 + 58 bytes, padded to 128.
  HostTensor small = f32({3}, {1, 2, 3});
  EXPECT(c, !llvm::errorToBool(writeNpy(file("small.npy"), small)));
  auto buffer = llvm::MemoryBuffer::getFile(file("small.npy"));
  EXPECT(c, buffer && (*buffer)->getBufferSize() == 128 + 12);
  EXPECT(c, buffer && (*buffer)->getBuffer()[127] == '\n');
  EXPECT(c, buffer && (*buffer)->getBuffer().contains(
                          "{'descr': '<f4', 'fortran_order': False, "
                          "'shape': (3,), }"));

  // A header too long for version 1's 16-bit length switches to version 2.
  HostTensor manyDims(ElementType::I8, std::vector<int64_t>(30000, 1));
  EXPECT(c, !llvm::errorToBool(writeNpy(file("v2.npy"), manyDims)));
  auto v2 = llvm::MemoryBuffer::getFile(file("v2.npy"));
  EXPECT(c,
         v2 && (*v2)->getBuffer()[6] == 2 && (*v2)->getBufferSize() % 64 == 1);
  llvm::Expected<HostTensor> v2back = readTensorFile(file("v2.npy"));
  EXPECT(c, v2back && v2back->shape == manyDims.shape);
  if (!v2back)
    llvm::consumeError(v2back.takeError());

  // bfloat16 has no numpy dtype.
  llvm::Error bf16 =
      writeNpy(file("bf16.npy"), HostTensor(ElementType::BF16, {2}));
  std::string bf16Message = llvm::toString(std::move(bf16));
  EXPECT(c, contains(bf16Message, "bf16.npy: cannot write bfloat16"));
  EXPECT(c, !llvm::sys::fs::exists(file("bf16.npy")));

  // Writing replaces a file and leaves no temporary behind; a missing
  // directory is an error naming the file.
  EXPECT(c, !llvm::errorToBool(writeNpy(file("small.npy"), f32({1}, {7}))));
  llvm::Expected<HostTensor> replaced = readTensorFile(file("small.npy"));
  EXPECT(c, replaced && replaced->numElements() == 1 &&
                *static_cast<const float *>(replaced->data()) == 7);
  if (!replaced)
    llvm::consumeError(replaced.takeError());
  std::error_code ec;
  int entries = 0;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec))
    ++entries;
  EXPECT(c, entries == 3); // t.npy, small.npy, v2.npy
  std::string missing = file("no/such/dir/x.npy");
  std::string writeMessage = llvm::toString(writeNpy(missing, small));
  EXPECT(c, contains(writeMessage, missing + ": cannot write"));

  llvm::Expected<HostTensor> absent = readTensorFile(file("absent.npy"));
  EXPECT(c, !absent);
  if (!absent)
    EXPECT(c, contains(llvm::toString(absent.takeError()),
                       "absent.npy: cannot open"));

  // What numpy has no dtype for is written as a TensorProto, and read back
  // as written: bfloat16 bit patterns, and int4 and uint2 values (one byte
  // each in memory, sign-extended for int4) packed into raw_data, an odd
  // count leaving half a byte.
  EXPECT(c, npyCanHold(ElementType::F16) && !npyCanHold(ElementType::BF16) &&
                !npyCanHold(ElementType::I4) && !npyCanHold(ElementType::F8E4M3FN));
  auto roundTrip = [&](ElementType type, std::vector<uint8_t> bytes, const char *name) {
    HostTensor tensor(type, {static_cast<int64_t>(bytes.size() / (type == ElementType::BF16 ? 2 : 1))});
    std::memcpy(tensor.data(), bytes.data(), bytes.size());
    std::string path = file(name);
    EXPECT(c, !llvm::errorToBool(writeTensorProto(path, tensor, "y")));
    llvm::Expected<HostTensor> back = readTensorFile(path);
    EXPECT(c, back && back->type == type && back->shape == tensor.shape &&
                  std::memcmp(back->data(), bytes.data(), bytes.size()) == 0);
    if (!back)
      llvm::consumeError(back.takeError());
  };
  roundTrip(ElementType::BF16, {0x80, 0x3f, 0x00, 0xc0, 0xc0, 0x7f}, "bf16.pb"); // 1, -2, NaN
  roundTrip(ElementType::I4, {0x07, 0xf8, 0xff, 0x00, 0x03}, "i4.pb"); // 7, -8, -1, 0, 3
  roundTrip(ElementType::U2, {3, 0, 1, 2, 3}, "u2.pb");
  // int4's packing: 7 and -8 in one byte (low bits first), -1 and 0, 3.
  auto packed = llvm::MemoryBuffer::getFile(file("i4.pb"));
  EXPECT(c, packed && contains((*packed)->getBuffer(), llvm::StringRef("\x87\x0f\x03", 3)));
  std::string protoMissing = file("no/such/dir/x.pb");
  EXPECT(c, contains(llvm::toString(writeTensorProto(protoMissing, small, "y")),
                     protoMissing + ": cannot write"));
}

int runUnitChecks() {
  Checker checker;
  checkHostTensor(checker);
  checkFloatComparison(checker);
  checkHalfComparison(checker);
  checkExactComparison(checker);
  checkShapeAndTypeMismatch(checker);

  llvm::SmallString<128> dir;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("kiln-tensorio-test", dir)) {
    llvm::errs() << "cannot create a temporary directory: " << ec.message()
                 << "\n";
    return 1;
  }
  checkFiles(checker, dir);
  llvm::sys::fs::remove_directories(dir);

  llvm::outs() << "unit: " << checker.checks - checker.failures << " of "
               << checker.checks << " checks passed\n";
  return checker.failures == 0 ? 0 : 1;
}

//===----------------------------------------------------------------------===//
// File commands
//===----------------------------------------------------------------------===//

std::string describe(const HostTensor &tensor) {
  static const std::pair<ElementType, const char *> kNames[] = {
      {ElementType::F32, "float32"}, {ElementType::F64, "float64"},
      {ElementType::F16, "float16"}, {ElementType::BF16, "bfloat16"},
      {ElementType::U8, "uint8"},    {ElementType::I8, "int8"},
      {ElementType::U16, "uint16"},  {ElementType::I16, "int16"},
      {ElementType::U32, "uint32"},  {ElementType::I32, "int32"},
      {ElementType::U64, "uint64"},  {ElementType::I64, "int64"},
      {ElementType::Bool, "bool"}};
  const char *name = "?";
  for (auto [type, typeName] : kNames)
    if (type == tensor.type)
      name = typeName;
  std::string shape = llvm::join(
      llvm::map_range(tensor.shape,
                      [](int64_t extent) { return std::to_string(extent); }),
      ",");
  return std::string(name) + " [" + shape + "]";
}

int reportError(llvm::Error err) {
  llvm::errs() << "error: " << llvm::toString(std::move(err)) << "\n";
  return 1;
}

int runRead(llvm::ArrayRef<const char *> paths) {
  int status = 0;
  for (const char *path : paths) {
    llvm::Expected<HostTensor> tensor = readTensorFile(path);
    if (!tensor) {
      status = reportError(tensor.takeError());
      continue;
    }
    llvm::outs() << llvm::sys::path::filename(path) << ": " << describe(*tensor)
                 << "\n";
  }
  return status;
}

/// Elements as little-endian hex bit patterns: exact for every type, and
/// readable for float16/bfloat16, which numpy cannot hold.
int runDump(const char *path) {
  llvm::Expected<HostTensor> tensor = readTensorFile(path);
  if (!tensor)
    return reportError(tensor.takeError());
  llvm::outs() << describe(*tensor) << ":";
  size_t size = tensor->numElements() == 0
                    ? 0
                    : tensor->sizeInBytes() / tensor->numElements();
  const auto *bytes = static_cast<const uint8_t *>(tensor->data());
  for (int64_t i = 0, e = tensor->numElements(); i < e; ++i) {
    uint64_t bits = 0;
    std::memcpy(&bits, bytes + i * size, size);
    llvm::outs() << " "
                 << llvm::format_hex(bits, 2 + 2 * size, /*Upper=*/false);
  }
  llvm::outs() << "\n";
  return 0;
}

int runRoundTrip(const char *in, const char *out) {
  llvm::Expected<HostTensor> tensor = readTensorFile(in);
  if (!tensor)
    return reportError(tensor.takeError());
  if (llvm::Error err = writeNpy(out, *tensor))
    return reportError(std::move(err));
  return 0;
}

int runCompare(const char *actualPath, const char *expectedPath,
               llvm::StringRef rtolText, llvm::StringRef atolText) {
  double rtol, atol;
  if (!llvm::to_float(rtolText, rtol) || !llvm::to_float(atolText, atol)) {
    llvm::errs() << "error: RTOL and ATOL must be numbers\n";
    return 2;
  }
  llvm::Expected<HostTensor> actual = readTensorFile(actualPath);
  if (!actual)
    return reportError(actual.takeError());
  llvm::Expected<HostTensor> expected = readTensorFile(expectedPath);
  if (!expected)
    return reportError(expected.takeError());
  Comparison result = compareTensors(*actual, *expected, rtol, atol);
  llvm::outs() << (result.match ? "match: " : "mismatch: ") << result.summary
               << "\n";
  return result.match ? 0 : 1;
}

int usage() {
  llvm::errs() << "usage: kiln-tensorio-test unit\n"
                  "       kiln-tensorio-test read FILE...\n"
                  "       kiln-tensorio-test dump FILE\n"
                  "       kiln-tensorio-test roundtrip IN OUT.npy\n"
                  "       kiln-tensorio-test compare ACTUAL EXPECTED RTOL "
                  "ATOL\n";
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<const char *> argList(argv + 1, argv + argc);
  llvm::ArrayRef<const char *> args(argList);
  if (args.empty())
    return usage();
  llvm::StringRef command = args.front();
  args = args.drop_front();
  if (command == "unit" && args.empty())
    return runUnitChecks();
  if (command == "read" && !args.empty())
    return runRead(args);
  if (command == "dump" && args.size() == 1)
    return runDump(args[0]);
  if (command == "roundtrip" && args.size() == 2)
    return runRoundTrip(args[0], args[1]);
  if (command == "compare" && args.size() == 4)
    return runCompare(args[0], args[1], args[2], args[3]);
  return usage();
}

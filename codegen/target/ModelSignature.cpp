//===- ModelSignature.cpp - Element type facts for the C face ------------===//

#include "codegen/target/ModelSignature.h"

#include "kiln/runtime.h"

#include "llvm/Support/ErrorHandling.h"

#include <cassert>

namespace kiln::target {

size_t ModelSignature::bufferAlignment() const {
  return gpu || emulatesGpu ? KILN_GPU_BUFFER_ALIGNMENT : 0;
}

size_t elementTypeSize(ElementType type) {
  switch (type) {
  case ElementType::U8:
  case ElementType::I8:
  case ElementType::Bool:
  case ElementType::F8E4M3FN:
  case ElementType::F8E4M3FNUZ:
  case ElementType::F8E5M2:
  case ElementType::F8E5M2FNUZ:
  case ElementType::U4:
  case ElementType::I4:
  case ElementType::F4E2M1:
  case ElementType::F8E8M0:
  case ElementType::U2:
  case ElementType::I2:
    return 1;
  case ElementType::U16:
  case ElementType::I16:
  case ElementType::F16:
  case ElementType::BF16:
    return 2;
  case ElementType::F32:
  case ElementType::I32:
  case ElementType::U32:
    return 4;
  case ElementType::I64:
  case ElementType::F64:
  case ElementType::U64:
    return 8;
  }
  llvm_unreachable("ElementType value outside the enum");
}

const char *elementTypeName(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return "float32";
  case ElementType::U8:
    return "uint8";
  case ElementType::I8:
    return "int8";
  case ElementType::U16:
    return "uint16";
  case ElementType::I16:
    return "int16";
  case ElementType::I32:
    return "int32";
  case ElementType::I64:
    return "int64";
  case ElementType::Bool:
    return "bool";
  case ElementType::F16:
    return "float16";
  case ElementType::F64:
    return "float64";
  case ElementType::U32:
    return "uint32";
  case ElementType::U64:
    return "uint64";
  case ElementType::BF16:
    return "bfloat16";
  case ElementType::F8E4M3FN:
    return "float8_e4m3fn";
  case ElementType::F8E4M3FNUZ:
    return "float8_e4m3fnuz";
  case ElementType::F8E5M2:
    return "float8_e5m2";
  case ElementType::F8E5M2FNUZ:
    return "float8_e5m2fnuz";
  case ElementType::U4:
    return "uint4";
  case ElementType::I4:
    return "int4";
  case ElementType::F4E2M1:
    return "float4_e2m1fn";
  case ElementType::F8E8M0:
    return "float8_e8m0fnu";
  case ElementType::U2:
    return "uint2";
  case ElementType::I2:
    return "int2";
  }
  llvm_unreachable("ElementType value outside the enum");
}

int64_t TensorSignature::numElements() const {
  int64_t count = 1;
  for (int64_t dim : shape) {
    assert(dim >= 0 && "signatures hold static, non-negative dimensions");
    count *= dim;
  }
  return count;
}

} // namespace kiln::target

//===- ModelSignature.h - What a compiled model looks like from C -*- C++ -*-===//
//
// The public face of a compiled model: its C name prefix, its inputs and
// outputs (names, element types, static shapes) and its workspace size.
// The header generator, the introspection functions in the library, kilnc
// and kiln-run all read it, so they can never disagree.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_TARGET_MODELSIGNATURE_H
#define KILN_CODEGEN_TARGET_MODELSIGNATURE_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln::target {

/// Element types as the C API reports them. The values are ONNX's
/// TensorProto.DataType codes, which tools and users already know.
enum class ElementType : int {
  F32 = 1,
  U8 = 2,
  I8 = 3,
  U16 = 4,
  I16 = 5,
  I32 = 6,
  I64 = 7,
  Bool = 9,
  F16 = 10,
  F64 = 11,
  U32 = 12,
  U64 = 13,
  BF16 = 16,
  // The 8-bit floats and the sub-byte types take one byte per element in
  // the C interface (not packed as in ONNX's raw data): floats as their bit
  // pattern, 4- and 2-bit integers as their value (sign-extended for the
  // signed ones), FLOAT4E2M1 in the low four bits.
  F8E4M3FN = 17,
  F8E4M3FNUZ = 18,
  F8E5M2 = 19,
  F8E5M2FNUZ = 20,
  U4 = 21,
  I4 = 22,
  F4E2M1 = 23,
  F8E8M0 = 24,
  U2 = 25,
  I2 = 26,
};

/// Every element type, in code order: for tables that list them all (the
/// generated header's KILN_DTYPE_* constants, tests).
inline constexpr ElementType kAllElementTypes[] = {
    ElementType::F32,  ElementType::U8,  ElementType::I8,  ElementType::U16,
    ElementType::I16,  ElementType::I32, ElementType::I64, ElementType::Bool,
    ElementType::F16,  ElementType::F64, ElementType::U32, ElementType::U64,
    ElementType::BF16, ElementType::F8E4M3FN, ElementType::F8E4M3FNUZ,
    ElementType::F8E5M2, ElementType::F8E5M2FNUZ, ElementType::U4,
    ElementType::I4, ElementType::F4E2M1, ElementType::F8E8M0,
    ElementType::U2, ElementType::I2,
};

/// Bytes per element (bool is one byte, as in ONNX and numpy; so are the
/// 8-bit floats and the sub-byte types).
size_t elementTypeSize(ElementType type);

/// The lower-case name used in headers and messages ("float32", "int64", ...),
/// matching numpy's dtype names.
const char *elementTypeName(ElementType type);

struct TensorSignature {
  std::string name;           // the model's tensor name, as in the ONNX graph
  ElementType type = ElementType::F32;
  std::vector<int64_t> shape; // static; empty for a scalar
  /// Inputs bound at compile time (kilnc --bind): the only value NAME_run
  /// accepts, as raw bytes (row-major, little-endian, bool as one byte).
  /// Empty for other inputs.
  std::string boundValue;

  int64_t numElements() const;
  size_t sizeInBytes() const { return numElements() * elementTypeSize(type); }
};

/// What a GPU build (kilnc --gpu sm_XX) adds: the model runs on an NVIDIA
/// GPU through NAME_gpu_create/NAME_gpu_run, and NAME_run only reports
/// KILN_ERROR_WRONG_TARGET. GpuGlobals.h names what the module must hold.
struct GpuInfo {
  std::string arch; // the PTX target, "sm_90"
};

struct ModelSignature {
  std::string name;                     // C identifier prefix: NAME_run, ...
  std::vector<TensorSignature> inputs;  // in graph order
  std::vector<TensorSignature> outputs; // in graph order
  uint64_t workspaceSize = 0; // bytes, 64-byte aligned by the caller; for
                              // GPU builds, device memory
  uint64_t taskStackSize = 0; // the most stack bytes a task's private tiles
                              // take, on the thread that runs it
  std::optional<GpuInfo> gpu; // set for GPU builds
  bool checksRaces = false;   // emulated GPU kernels checked for races
                              // (--emulate-gpu-check-races): NAME_run returns
                              // KILN_ERROR_RACE after a run that raced
  bool profilesMemory = false; // emulated GPU kernels report their memory
                               // accesses (kiln-run
                               // --emulate-gpu-profile-memory):
                               // NAME_print_memory_profile(FILE *) prints
                               // the counts
  bool emulatesGpu = false; // kilnc --emulate-gpu: the GPU kernels run on
                            // the CPU, through NAME_run

  /// The alignment in bytes NAME_gpu_run (GPU builds) or NAME_run (builds
  /// that emulate the GPU) asks of every input and output buffer, and
  /// checks (KILN_GPU_BUFFER_ALIGNMENT: the kernels assume it); 0 when any
  /// address will do.
  size_t bufferAlignment() const;
};

/// The alignment every workspace must have.
constexpr size_t kWorkspaceAlignment = 64;

} // namespace kiln::target

#endif // KILN_CODEGEN_TARGET_MODELSIGNATURE_H

//===- TensorIO.h - Tensor files and comparisons for kiln-run ---*- C++ -*-===//
//
// kiln-run feeds a compiled model tensors read from files and checks what it
// produces against reference files. The files are what the ONNX ecosystem
// already writes: numpy's .npy (np.save) and ONNX TensorProto .pb files (the
// test_data_set_N/input_0.pb files of ONNX's backend tests). The comparison
// follows ONNX's backend test rules (numpy.testing.assert_allclose), so a
// result that passes here passes there.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_KILN_RUN_TENSORIO_H
#define KILN_TOOLS_KILN_RUN_TENSORIO_H

#include "codegen/target/ModelSignature.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiln::tools {

/// A dense, C-ordered tensor in host memory, in the layout a compiled model's
/// C API takes and returns. Move-only: tensors can be large.
struct HostTensor {
  /// Generated code may use aligned vector loads on its buffers.
  static constexpr size_t kAlignment = 64;

  /// A zero-filled tensor. `shape` must hold non-negative extents whose
  /// element count fits in memory; the file readers check this for
  /// user-supplied shapes before they get here.
  HostTensor(target::ElementType type, std::vector<int64_t> shape);

  /// Fixed at construction: the storage is sized for them.
  target::ElementType type;
  std::vector<int64_t> shape; // empty for a scalar

  void *data() { return storage.get(); }
  const void *data() const { return storage.get(); }
  int64_t numElements() const;
  size_t sizeInBytes() const;

private:
  struct AlignedDelete {
    size_t capacity;
    void operator()(void *ptr) const;
  };
  // Never null, even for an empty tensor, so it can always be passed to
  // generated code.
  std::unique_ptr<void, AlignedDelete> storage;
};

/// Reads a tensor from `path`: a .npy file (recognised by its magic; format
/// versions 1-3, C order, little-endian, numeric and bool dtypes) or an ONNX
/// TensorProto (a .pb file; raw_data or the typed fields). Errors name the
/// file and what is wrong with it.
llvm::Expected<HostTensor> readTensorFile(llvm::StringRef path);

/// Writes `tensor` to `path` as a .npy file, replacing it atomically so a
/// reader never sees half a file. Types numpy has no dtype for (bfloat16,
/// the 8-, 4- and 2-bit floats and integers; see npyCanHold) are an error.
llvm::Error writeNpy(llvm::StringRef path, const HostTensor &tensor);

/// Whether numpy has a dtype for `type`, so writeNpy can write it.
bool npyCanHold(target::ElementType type);

/// Writes `tensor` to `path` as an ONNX TensorProto named `name` (raw_data;
/// 4- and 2-bit types packed, low bits first), atomically: any type, read
/// back by readTensorFile and by onnx.numpy_helper.to_array.
llvm::Error writeTensorProto(llvm::StringRef path, const HostTensor &tensor,
                             llvm::StringRef name);

/// The verdict of compareTensors.
struct Comparison {
  bool match = false;
  /// One line for a human, e.g. "max |diff| 3.1e-06 at index [0,3], 0 of 10
  /// elements out of tolerance".
  std::string summary;
  /// Elements out of tolerance (0 when shapes or types differ).
  size_t mismatches = 0;
  /// Largest |actual - expected|; infinite where a NaN or an infinity is
  /// matched against anything else.
  double maxAbsDiff = 0.0;
};

/// Compares the way ONNX's backend tests do: element types and shapes must be
/// equal; floating-point elements must satisfy
/// |actual - expected| <= atol + rtol * |expected|, where NaN matches NaN and
/// an infinity only an infinity of the same sign (float16 and bfloat16 are
/// widened first); integers and bools must be equal.
Comparison compareTensors(const HostTensor &actual, const HostTensor &expected,
                          double rtol, double atol);

} // namespace kiln::tools

#endif // KILN_TOOLS_KILN_RUN_TENSORIO_H

//===- Driver.h - Compiling a model file into a library ---------*- C++ -*-===//
//
// The library behind kilnc and kiln-run: import a model, run the phase
// pipelines, and produce machine code plus the model's C signature, or stop
// early and return the IR of a phase. Errors are reported through the
// MLIRContext's diagnostic handler (see DiagnosticPrinter) and turn into
// failure(); nothing here prints or exits.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_DRIVER_DRIVER_H
#define KILN_TOOLS_DRIVER_DRIVER_H

#include "codegen/target/ModelSignature.h"
#include "codegen/target/ObjectEmitter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"

#include <optional>
#include <string>

namespace kiln::driver {

/// Where compilation stops and what it returns.
enum class EmitKind {
  Graph,  // kiln graph dialect after shape inference and folding (MLIR text)
  Linalg, // linalg on tensors (MLIR text)
  Vector, // tiled and vectorized, still on tensors (MLIR text)
  MemRef, // bufferized with the workspace plan (MLIR text)
  LLVM,   // the optimized LLVM IR of the whole model (text)
  Asm,    // target assembly (text)
  Ptx,    // GPU builds: the kernels' PTX (text)
  Obj,    // an ELF object (bytes)
  Library // an ELF object for libNAME.a, plus NAME.h
};

/// Parses a --emit value ("graph", "linalg", "vector", "memref", "llvm",
/// "asm", "ptx", "obj", "lib").
std::optional<EmitKind> parseEmitKind(llvm::StringRef name);

struct CompileOptions {
  std::string inputPath;
  /// The C prefix of the public functions; must be a valid C identifier.
  std::string name;
  target::TargetOptions target;
  EmitKind emit = EmitKind::Library;
  /// GPU builds: the NVIDIA architecture ("sm_80", "sm_90"); empty for CPU.
  std::string gpuArch;
  /// Compile the GPU path's kernels for the CPU (block and thread loops): a
  /// CPU library whose numerics are those of the GPU kernels.
  bool emulateGpu = false;
  /// With emulateGpu: blocks and threads run from the last id down. Kernels
  /// without races compute the same bits in either order.
  bool emulateGpuReversed = false;
  /// With emulateGpu: every access to workgroup memory is checked for
  /// races with other threads' since the last barrier.
  bool emulateGpuCheckRaces = false;
  /// With emulateGpu: every access to workgroup or global memory reports
  /// itself to the runtime's memory profile (kiln-run
  /// --emulate-gpu-profile-memory), from the blocks of each launch below
  /// emulateGpuProfileBlocks (0: all).
  bool emulateGpuProfileMemory = false;
  int64_t emulateGpuProfileBlocks = 0;
  /// GPU builds and their emulation: f32 matmuls on the tensor cores with
  /// TF32 inputs (10 mantissa bits; FP32 accuracy is the default).
  bool gpuTf32 = false;
  /// GPU builds and their emulation: FP32 staged matmuls copy their tiles
  /// with cp.async (sm_80 and newer) instead of through registers.
  bool gpuAsyncCopies = false;
  /// Print the wall-clock time of each phase and pass to stderr at the end.
  bool timePhases = false;
  /// CPU builds: one task function per parallel loop, named after its model
  /// node (main_task7__layer1_0_conv1_Conv), for sampling profilers.
  bool profileNames = false;
  /// CPU builds: a batched model whose images are independent is compiled
  /// for one image and called per image (kiln-split-batch).
  bool splitBatch = true;
  /// Static shapes for graph inputs whose dimensions are symbolic.
  llvm::StringMap<llvm::SmallVector<int64_t>> inputShapes;
  /// Graph inputs bound to a value at compile time (kilnc --bind NAME=FILE):
  /// the tensor file (.npy or ONNX TensorProto .pb) for each input name.
  llvm::StringMap<std::string> bindings;
};

/// The GPU flags kilnc and kiln-run share, registered in a tool's option
/// category when constructed (as a static of the tool): --emulate-gpu, its
/// checks --emulate-gpu-check-races and --emulate-gpu-reversed, and
/// --gpu-tf32 and --gpu-async-copies.
class GpuFlags {
public:
  explicit GpuFlags(llvm::cl::OptionCategory &category);
  /// Sets the matching CompileOptions fields.
  void apply(CompileOptions &options) const;

private:
  llvm::cl::opt<bool> emulate, checkRaces, reversed, tf32, asyncCopies;
};

struct CompileResult {
  target::ModelSignature signature; // complete for Obj and Library
  std::string text;                 // IR or assembly for textual kinds
  llvm::SmallString<0> object;      // Obj and Library
};

/// Compiles `options.inputPath` (.onnx, .onnx.txt, or .mlir in the kiln
/// graph dialect).
mlir::FailureOr<CompileResult> compileModel(mlir::MLIRContext &context,
                                            const CompileOptions &options);

/// The model name kilnc uses when none is given: from `-o libNAME.a` if
/// present, else the model file's stem, made into a C identifier.
std::string defaultModelName(llvm::StringRef inputPath, llvm::StringRef outputPath);

/// Parses "name=path" (kilnc --bind) into the name and the path.
mlir::FailureOr<std::pair<std::string, std::string>> parseBinding(llvm::StringRef text);

/// Parses "name=1x3x224x224" into the name and its dimensions.
mlir::FailureOr<std::pair<std::string, llvm::SmallVector<int64_t>>>
parseInputShape(llvm::StringRef text);

/// Reports every error as one line `<tool>: error: <where>: <message>` (and
/// warnings likewise) on stderr, where <where> names the model node.
/// Parses the command line like llvm::cl::ParseCommandLineOptions, but a
/// syntax error is reported as one `TOOL: error: ...` line on stderr (LLVM's
/// parser prints several lines in its own format). Returns false on error.
bool parseCommandLine(int argc, const char *const *argv,
                      llvm::StringRef overview, llvm::StringRef tool);

class DiagnosticPrinter {
public:
  DiagnosticPrinter(mlir::MLIRContext &context, llvm::StringRef tool);
  ~DiagnosticPrinter();

private:
  mlir::MLIRContext &context;
  mlir::DiagnosticEngine::HandlerID id;
};

} // namespace kiln::driver

#endif // KILN_TOOLS_DRIVER_DRIVER_H

//===- Pipelines.h - Kiln's compilation phases as pipelines -----*- C++ -*-===//
//
// Each phase of the compiler is a pipeline builder, registered under a name
// so kiln-opt can run it alone. kilnc --emit=<phase> stops after it.
//
//   graph   import result -> shapes inferred, folded, static kiln graph
//   linalg  -> linalg/tensor/arith/math on tensors, elementwise ops fused
//   vector  -> tiled over threads and registers, vectorized (still tensors)
//   memref  -> bufferized, all buffers at static workspace offsets
//   llvm    -> LLVM dialect with a C entry point and runtime calls
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_PIPELINES_PIPELINES_H
#define KILN_PASSES_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace kiln {

enum class Phase { Graph, Linalg, Vector, MemRef, LLVM };

void buildGraphPipeline(mlir::OpPassManager &pm);
void buildLinalgPipeline(mlir::OpPassManager &pm);
/// How the linalg phase prepares the model for its code generator.
struct LinalgOptions {
  /// A batched model whose images are independent is first compiled for
  /// one image (kiln-split-batch), which the CPU entry point calls once
  /// per image.
  bool splitBatch = false;
  /// Sums of window taps keep costly elementwise consumers apart
  /// (kiln-fuse-elementwise's separate-costly-tap-consumers): for the CPU
  /// code generator's register tiles.
  bool separateCostlyTapConsumers = false;
  /// An elementwise producer read by later ops too fuses into its first
  /// elementwise reader (kiln-fuse-elementwise's keep-shared-results): for
  /// the GPU code generator, one kernel instead of two.
  bool keepSharedResults = false;
};
/// The linalg phase's options for the CPU code generator: taps keep
/// costly consumers apart, and the batch is split when `splitBatch`.
LinalgOptions cpuLinalgOptions(bool splitBatch);
/// The linalg phase's options for the GPU code generator: shared
/// elementwise results fuse into their first reader.
LinalgOptions gpuLinalgOptions();
void buildLinalgPipeline(mlir::OpPassManager &pm, const LinalgOptions &options);
/// What the CPU code generator needs to know about the target.
struct CpuOptions {
  /// Masked vector loads in whole registers (x86 with AVX, not AArch64 NEON).
  bool maskedLoads = true;
  /// The vector register width in bytes (AVX-512: 64, AVX2: 32, NEON: 16).
  int64_t vectorBytes = 64;
  /// Float maxima and minima as a compare and selects (x86, whose max
  /// instruction does not propagate NaNs; not AArch64, whose fmax does).
  bool selectMinMax = true;
  /// Task functions kept apart and named after their model nodes, for
  /// profilers (kilnc --profile-names).
  bool profileNames = false;
};

void buildVectorPipeline(mlir::OpPassManager &pm, const CpuOptions &options);
/// buildVectorPipeline for the default target, x86-64.
void buildVectorPipeline(mlir::OpPassManager &pm);
void buildMemRefPipeline(mlir::OpPassManager &pm);
void buildLLVMPipeline(mlir::OpPassManager &pm, const CpuOptions &options);
/// buildLLVMPipeline for the default target, x86-64 with AVX-512.
void buildLLVMPipeline(mlir::OpPassManager &pm);

/// The compute capability of an NVIDIA GPU architecture name ("sm_90": 90),
/// 0 if it is malformed.
int computeCapabilityOf(llvm::StringRef chip);

/// The PTX ISA feature ("+ptx80") Kiln emits for `chip`: 8.0, or the
/// first version that has the chip where that is later (sm_100: 8.6);
/// empty for a chip Kiln does not know (sm_70 to sm_121).
std::string ptxFeaturesOf(llvm::StringRef chip);

/// The architectures ptxFeaturesOf knows, comma-separated ("sm_70, ...").
std::string knownGpuChips();

/// The NVIDIA GPU target, from the linalg phase on.
struct GpuOptions {
  std::string chip = "sm_90";          // sm_80, sm_90, ...
  std::string ptxFeatures = "+ptx80";  // the PTX ISA version to emit
  std::string cudaToolkitPath;         // for libdevice; empty: MLIR's default search
  bool tf32 = false;                   // f32 matmuls on the tensor cores, TF32 inputs
  bool asyncCopies = false;            // staged tiles copied with cp.async (sm_80 and newer)
  bool reverseEmulation = false;       // emulation: blocks and threads from the last id down
  bool checkRaces = false;             // emulation: check workgroup memory for races
  bool profileMemory = false;          // emulation: count shared wavefronts, global sectors
  int64_t profileBlocks = 0;           // the blocks of each launch profiled (0: all)
};

/// From linalg on tensors to an LLVM-dialect host module that launches the
/// kernels through the runtime; the kernels' PTX, their names and the
/// weights blob are left as module attributes (codegen/gpu/Passes.h).
void buildGpuPipeline(mlir::OpPassManager &pm, const GpuOptions &options);

/// The GPU kernels (those `options.chip` gets) emulated on the CPU: the GPU
/// path's tiling and mapping, then each launch as loops over blocks (in
/// parallel) and threads, lowered like a CPU model. From the linalg phase to
/// the LLVM dialect.
void buildGpuEmulationPipeline(mlir::OpPassManager &pm, const GpuOptions &options);

/// Every phase from the imported graph up to and including `last`.
void buildPipelineUpTo(mlir::OpPassManager &pm, Phase last);

/// Registers kiln-graph-pipeline, kiln-linalg-pipeline, kiln-vector-pipeline,
/// kiln-memref-pipeline, kiln-llvm-pipeline and kiln-cpu-pipeline (all).
void registerPipelines();

} // namespace kiln

#endif // KILN_PASSES_PIPELINES_PIPELINES_H

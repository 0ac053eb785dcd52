//===- Pipelines.cpp - Kiln's compilation phases as pipelines -------------===//

#include "passes/pipelines/Pipelines.h"

#include "codegen/cpu/Passes.h"
#include "codegen/gpu/Passes.h"
#include "passes/conversion/Passes.h"
#include "passes/dispatch/Passes.h"
#include "passes/graph/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace kiln {

/// The LLVM conversions shared by the CPU module and a GPU model's host code.
static void addHostToLLVMPasses(OpPassManager &pm) {
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void buildGraphPipeline(OpPassManager &pm) {
  pm.addPass(graph::createInferShapes());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(graph::createVerifyStaticGraph());
}

LinalgOptions cpuLinalgOptions(bool splitBatch) {
  LinalgOptions options;
  options.splitBatch = splitBatch;
  options.separateCostlyTapConsumers = true;
  return options;
}

LinalgOptions gpuLinalgOptions() {
  LinalgOptions options;
  options.keepSharedResults = true;
  return options;
}

void buildLinalgPipeline(OpPassManager &pm, const LinalgOptions &options) {
  if (options.splitBatch)
    pm.addPass(graph::createSplitBatch());
  pm.addPass(conversion::createConvertGraphToLinalg());
  dispatch::FuseElementwiseOptions fusion;
  fusion.separateCostlyTapConsumers = options.separateCostlyTapConsumers;
  fusion.keepSharedResults = options.keepSharedResults;
  pm.addPass(dispatch::createFuseElementwise(fusion));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void buildLinalgPipeline(OpPassManager &pm) { buildLinalgPipeline(pm, LinalgOptions()); }

void buildVectorPipeline(OpPassManager &pm, const CpuOptions &options) {
  OpPassManager &func = pm.nest<func::FuncOp>();
  func.addPass(cpu::createSplitGroupedConvs());
  func.addPass(cpu::createWidenHalfOperands());
  func.addPass(cpu::createConvToMatmul());
  func.addPass(cpu::createPackMatmulWeights());
  cpu::TileAndVectorizeOptions tiling;
  tiling.maskedLoads = options.maskedLoads;
  func.addPass(cpu::createTileAndVectorize(tiling));
  func.addPass(createCanonicalizerPass());
  func.addPass(createCSEPass());
  // Accumulator tiles read and written around reduction loops become
  // loop-carried vectors (registers) instead of memory traffic.
  func.addPass(createLoopInvariantSubsetHoistingPass());
  func.addPass(createCanonicalizerPass());
}

void buildVectorPipeline(OpPassManager &pm) { buildVectorPipeline(pm, CpuOptions()); }

void buildMemRefPipeline(OpPassManager &pm) {
  pm.addPass(dispatch::createBufferize());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Copies of a buffer onto itself (an in-place insert_slice into the slice
  // it was computed in) fold only once CSE has merged their two subviews.
  pm.addPass(createCanonicalizerPass());
  pm.nest<func::FuncOp>().addPass(cpu::createVectorizeBufferOps());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(dispatch::createPlanWorkspace());
}

void buildLLVMPipeline(OpPassManager &pm, const CpuOptions &options) {
  pm.addPass(cpu::createCreateEntryPoint());
  // Recurrent steps' reads of the same weights in alternate directions,
  // which the outlining below carries into the tasks.
  pm.nest<func::FuncOp>().addPass(cpu::createAlternatePanelOrder());
  // Outlined first, so that the lowerings below see each distinct task once
  // (equivalent tasks are merged).
  cpu::OutlineParallelLoopsOptions outlining;
  outlining.nodeNames = options.profileNames;
  pm.addPass(cpu::createOutlineParallelLoops(outlining));
  {
    OpPassManager &func = pm.nest<func::FuncOp>();
    cpu::LowerVectorOpsOptions lowering;
    lowering.vectorBytes = options.vectorBytes;
    lowering.selectMinMax = options.selectMinMax;
    func.addPass(cpu::createLowerVectorOps(lowering));
    // Full unrolling: a transfer loop would go through a stack buffer.
    func.addPass(createConvertVectorToSCFPass(
        VectorTransferToSCFOptions().enableFullUnroll()));
    // Odd-width tails under a mask where the target has AVX-512's masked
    // moves (the only ones measured; AArch64 NEON has none).
    if (options.maskedLoads && options.vectorBytes >= 64) {
      cpu::MaskVectorTailsOptions tails;
      tails.vectorBytes = options.vectorBytes;
      func.addPass(cpu::createMaskVectorTails(tails));
    }
    func.addPass(createConvertLinalgToLoopsPass());
    func.addPass(createLowerAffinePass());
    func.addPass(createCanonicalizerPass());
  }
  pm.addPass(createSCFToControlFlowPass());
  // Math on f16/bf16 computes in f32 (what the approximations and libm
  // take); LLVM promotes their arithmetic the same way.
  pm.addPass(math::createMathExtendToSupportedTypes());
  pm.addPass(cpu::createApproximateMath());
  pm.addPass(createConvertMathToLLVMPass());
  // What LLVM has no intrinsic for (acosh, asin, ...) calls libm, which
  // every model library links; vector operands are unrolled into scalar
  // calls with vector ops the vector conversion below lowers.
  pm.addPass(createConvertMathToLibmPass());
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.reassociateFPReductions = true;
  vectorToLLVM.vectorContractLowering = vector::VectorContractLowering::OuterProduct;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  addHostToLLVMPasses(pm);
}

void buildLLVMPipeline(OpPassManager &pm) { buildLLVMPipeline(pm, CpuOptions()); }

namespace {
/// An NVIDIA GPU architecture Kiln compiles for: the PTX ISA feature it
/// needs (8.0, or the first version that has the chip), and the streaming
/// multiprocessors of its largest data-center GPU, which the tiling keeps
/// busy (register tiles stop growing below two blocks for each; 132, an
/// H100 SXM's, where no such GPU is listed).
struct GpuChip {
  llvm::StringLiteral name, ptxFeatures;
  int64_t multiprocessors;
};
constexpr GpuChip kGpuChips[] = {
    {"sm_70", "+ptx80", 80},   // V100
    {"sm_72", "+ptx80", 132},  {"sm_75", "+ptx80", 40}, // T4
    {"sm_80", "+ptx80", 108},  // A100
    {"sm_86", "+ptx80", 84},   // A40
    {"sm_87", "+ptx80", 132},  {"sm_88", "+ptx90", 132},
    {"sm_89", "+ptx80", 142},  // L40S
    {"sm_90", "+ptx80", 132},  // H100 SXM
    {"sm_100", "+ptx86", 148}, // B200
    {"sm_101", "+ptx86", 132}, {"sm_103", "+ptx88", 132}, {"sm_110", "+ptx90", 132},
    {"sm_120", "+ptx87", 132}, {"sm_121", "+ptx88", 132},
};
} // namespace

static const GpuChip *findGpuChip(llvm::StringRef chip) {
  for (const GpuChip &known : kGpuChips)
    if (known.name == chip)
      return &known;
  return nullptr;
}

static int64_t multiprocessorsOf(llvm::StringRef chip) {
  const GpuChip *known = findGpuChip(chip);
  return known ? known->multiprocessors : 132;
}

std::string ptxFeaturesOf(llvm::StringRef chip) {
  const GpuChip *known = findGpuChip(chip);
  return known ? known->ptxFeatures.str() : std::string();
}

std::string knownGpuChips() {
  std::string list;
  for (const GpuChip &known : kGpuChips)
    list += (list.empty() ? "" : ", ") + known.name.str();
  return list;
}

int computeCapabilityOf(llvm::StringRef chip) {
  int version = 0;
  return chip.consume_front("sm_") && !chip.getAsInteger(10, version) ? version : 0;
}

/// Tiling, bufferization and the workspace plan of the GPU path, up to the
/// block/thread scf.forall nests (shared with the emulation).
static void addGpuTilingPasses(OpPassManager &pm, const GpuOptions &options) {
  gpu::TileForGpuOptions tiling;
  tiling.multiprocessors = multiprocessorsOf(options.chip);
  tiling.tf32 = options.tf32;
  // m16n8k16 mmas on f16/bf16 inputs: sm_80 and newer.
  tiling.halfTensorCores = computeCapabilityOf(options.chip) >= 80;
  // cvt.rn.tf32.f32, one instruction: sm_90 and newer.
  tiling.tf32TiesToEven = computeCapabilityOf(options.chip) >= 90;
  // cp.async: sm_80 and newer.
  tiling.asyncCopies = options.asyncCopies && computeCapabilityOf(options.chip) >= 80;
  pm.nest<func::FuncOp>().addPass(gpu::createConvToStagedMatmul());
  pm.nest<func::FuncOp>().addPass(gpu::createTileForGpu(tiling));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(dispatch::createBufferize());
  pm.addPass(createCanonicalizerPass());
  // Copies and fills bufferization added become kernels too.
  pm.nest<func::FuncOp>().addPass(gpu::createTileForGpu(tiling));
  // Independent small kernels share a launch: grouped before the workspace
  // plan, which must not let them share bytes.
  gpu::ScheduleWavesOptions waves;
  waves.multiprocessors = tiling.multiprocessors;
  pm.nest<func::FuncOp>().addPass(gpu::createScheduleWaves(waves));
  pm.addPass(dispatch::createPlanWorkspace());
}

void buildGpuEmulationPipeline(OpPassManager &pm, const GpuOptions &options) {
  addGpuTilingPasses(pm, options);
  {
    OpPassManager &func = pm.nest<func::FuncOp>();
    func.addPass(gpu::createMapForallToGpu());
    func.addPass(gpu::createAccumulateInRegisters());
    func.addPass(gpu::createMergeWaveLaunches());
    func.addPass(gpu::createEmulateAsyncCopies());
  }
  if (options.checkRaces || options.profileMemory) {
    // The checks and the profile instrument loads and stores: the linalg
    // ops left in kernels become loops first, as in the device pipeline.
    pm.nest<func::FuncOp>().addPass(createConvertLinalgToLoopsPass());
    if (options.profileMemory) {
      gpu::ProfileMemoryOptions profile;
      profile.blocks = options.profileBlocks;
      pm.addPass(gpu::createProfileMemory(profile));
    }
    if (options.checkRaces)
      pm.addPass(gpu::createCheckRaces());
  }
  {
    OpPassManager &func = pm.nest<func::FuncOp>();
    gpu::EmulateGpuLaunchesOptions emulation;
    emulation.reverseOrder = options.reverseEmulation;
    func.addPass(gpu::createEmulateGpuLaunches(emulation));
    // (The device pipeline runs it after lower-affine. Narrowing is exact:
    // the emulated kernels compute the same values, whichever of the
    // marked ops their ranges let it narrow.)
    func.addPass(gpu::createNarrowMarkedIndices());
    func.addPass(createCanonicalizerPass());
  }
  buildLLVMPipeline(pm);
}

void buildGpuPipeline(OpPassManager &pm, const GpuOptions &options) {
  addGpuTilingPasses(pm, options);
  pm.addPass(gpu::createPlanWeights());
  {
    OpPassManager &func = pm.nest<func::FuncOp>();
    func.addPass(gpu::createMapForallToGpu());
    func.addPass(gpu::createAccumulateInRegisters());
    func.addPass(gpu::createMergeWaveLaunches());
    func.addPass(createConvertLinalgToLoopsPass());
    func.addPass(createCanonicalizerPass());
  }
  // Constants and index arithmetic a kernel uses move into it: the kernel
  // sees tile sizes and strides as immediates (divisions by them become
  // multiplications and shifts) instead of as launch arguments.
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(gpu::createMergeGpuModules());
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.ptxFeatures;
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  {
    OpPassManager &device = pm.nest<mlir::gpu::GPUModuleOp>();
    device.addPass(memref::createExpandStridedMetadataPass());
    device.addPass(createLowerAffinePass());
    device.addPass(gpu::createNarrowMarkedIndices());
    // The same polynomial math as on CPUs: no libdevice needed at compile
    // time, and GPU and CPU builds agree to the last bits of exp/tanh.
    device.addPass(cpu::createApproximateMath());
    device.addPass(createSCFToControlFlowPass());
    // Tensor-core mmas (nvgpu.mma.sync) to nvvm.mma.sync: bf16 ones by
    // Kiln's own pattern (upstream has none), the others upstream; the
    // fragments' shape casts and TF32 roundings (kiln-lower-tensor-core-ops).
    device.addPass(gpu::createLowerTensorCoreOps());
    device.addPass(createConvertNVGPUToNVVMPass());
    ConvertGpuOpsToNVVMOpsOptions toNVVM;
    toNVVM.indexBitwidth = 64;
    toNVVM.useBarePtrCallConv = true;
    device.addPass(createConvertGpuOpsToNVVMOps(toNVVM));
    device.addPass(createCanonicalizerPass());
    device.addPass(createReconcileUnrealizedCastsPass());
  }
  gpu::SerializeKernelsOptions binary;
  // libdevice (floor, fma, sqrt, ... in the kernels) comes from the CUDA
  // toolkit.
  binary.toolkitPath = options.cudaToolkitPath;
  pm.addPass(gpu::createSerializeKernels(binary));
  pm.addPass(gpu::createLowerGpuHost());
  pm.addPass(createSCFToControlFlowPass());
  addHostToLLVMPasses(pm);
}

void buildPipelineUpTo(OpPassManager &pm, Phase last) {
  using Builder = void (*)(OpPassManager &);
  const std::pair<Phase, Builder> phases[] = {
      {Phase::Graph, buildGraphPipeline},
      {Phase::Linalg, [](OpPassManager &pm) { buildLinalgPipeline(pm, cpuLinalgOptions(true)); }},
      {Phase::Vector, static_cast<Builder>(buildVectorPipeline)},
      {Phase::MemRef, buildMemRefPipeline},
      {Phase::LLVM, static_cast<Builder>(buildLLVMPipeline)}};
  for (auto [phase, build] : phases) {
    build(pm);
    if (phase == last)
      return;
  }
}

void registerPipelines() {
  PassPipelineRegistration<>("kiln-graph-pipeline",
                             "Shape inference, folding and the static-graph check",
                             buildGraphPipeline);
  PassPipelineRegistration<>("kiln-linalg-pipeline",
                             "Graph to linalg on tensors, with elementwise fusion",
                             static_cast<void (*)(OpPassManager &)>(buildLinalgPipeline));
  PassPipelineRegistration<>("kiln-vector-pipeline",
                             "CPU tiling over threads and registers, vectorization",
                             static_cast<void (*)(OpPassManager &)>(buildVectorPipeline));
  PassPipelineRegistration<>("kiln-memref-pipeline",
                             "Bufferization and the static workspace plan",
                             buildMemRefPipeline);
  PassPipelineRegistration<>("kiln-llvm-pipeline",
                             "Lowering to the LLVM dialect with a C entry point",
                             static_cast<void (*)(OpPassManager &)>(buildLLVMPipeline));
  PassPipelineRegistration<>(
      "kiln-gpu-pipeline",
      "GPU code generation (sm_90) from the linalg phase to the LLVM dialect host",
      [](OpPassManager &pm) { buildGpuPipeline(pm, GpuOptions()); });
  PassPipelineRegistration<>(
      "kiln-gpu-emulation-pipeline",
      "The GPU path's kernels run on the CPU, from the linalg phase to the LLVM dialect",
      [](OpPassManager &pm) { buildGpuEmulationPipeline(pm, GpuOptions()); });
  PassPipelineRegistration<>(
      "kiln-cpu-pipeline", "Every phase, from the imported graph to the LLVM dialect",
      [](OpPassManager &pm) { buildPipelineUpTo(pm, Phase::LLVM); });
}

} // namespace kiln

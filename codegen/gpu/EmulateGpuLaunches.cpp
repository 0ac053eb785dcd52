//===- EmulateGpuLaunches.cpp - GPU kernels as CPU loops ------------------===//

#include "codegen/gpu/Passes.h"

#include "mlir/IR/IRMapping.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_EMULATEGPULAUNCHES
#include "codegen/gpu/Passes.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace kiln::gpu {
namespace {

/// The value `dim` of a launch's KernelDim3.
Value select(const mlir::gpu::KernelDim3 &dims, mlir::gpu::Dimension dim) {
  switch (dim) {
  case mlir::gpu::Dimension::x:
    return dims.x;
  case mlir::gpu::Dimension::y:
    return dims.y;
  case mlir::gpu::Dimension::z:
    return dims.z;
  }
  llvm_unreachable("three dimensions");
}

LogicalResult emulate(mlir::gpu::LaunchOp launch) {
  Location loc = launch.getLoc();
  WalkResult barrier = launch.getBody().walk([](mlir::gpu::BarrierOp op) {
    op.emitError("internal error: kernels with barriers cannot be emulated yet");
    return WalkResult::interrupt();
  });
  if (barrier.wasInterrupted())
    return failure();
  if (launch.getAsyncToken() || launch.hasClusterSize())
    return launch.emitError("internal error: cannot emulate this launch form");

  OpBuilder b(launch);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  mlir::gpu::KernelDim3 gridSizes = launch.getGridSizeOperandValues();
  mlir::gpu::KernelDim3 blockSizes = launch.getBlockSizeOperandValues();
  // Blocks are independent: an scf.forall over them, which the CPU pipeline
  // spreads over the thread pool.
  auto blocks = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{zero, zero, zero},
      ArrayRef<OpFoldResult>{gridSizes.x, gridSizes.y, gridSizes.z},
      ArrayRef<OpFoldResult>{one, one, one}, ValueRange{}, std::nullopt);
  b.setInsertionPointToStart(blocks.getBody());
  SmallVector<Value> threadLoops;
  Value threadIds[3];
  Value sizes[3] = {blockSizes.x, blockSizes.y, blockSizes.z};
  for (int d = 2; d >= 0; --d) {
    auto loop = scf::ForOp::create(b, loc, zero, sizes[d], one);
    b.setInsertionPointToStart(loop.getBody());
    threadIds[d] = loop.getInductionVar();
  }
  IRMapping mapping;
  Block &body = launch.getBody().front();
  mlir::gpu::KernelDim3 bodyBlockIds = launch.getBlockIds();
  mlir::gpu::KernelDim3 bodyThreadIds = launch.getThreadIds();
  mlir::gpu::KernelDim3 bodyGridSizes = launch.getGridSize();
  mlir::gpu::KernelDim3 bodyBlockSizes = launch.getBlockSize();
  ValueRange blockIvs = blocks.getInductionVars();
  mapping.map(bodyBlockIds.x, blockIvs[0]);
  mapping.map(bodyBlockIds.y, blockIvs[1]);
  mapping.map(bodyBlockIds.z, blockIvs[2]);
  mapping.map(bodyThreadIds.x, threadIds[0]);
  mapping.map(bodyThreadIds.y, threadIds[1]);
  mapping.map(bodyThreadIds.z, threadIds[2]);
  mapping.map(bodyGridSizes.x, gridSizes.x);
  mapping.map(bodyGridSizes.y, gridSizes.y);
  mapping.map(bodyGridSizes.z, gridSizes.z);
  mapping.map(bodyBlockSizes.x, blockSizes.x);
  mapping.map(bodyBlockSizes.y, blockSizes.y);
  mapping.map(bodyBlockSizes.z, blockSizes.z);
  for (Operation &op : body.without_terminator()) {
    // Id and size ops (also when written as ops rather than block
    // arguments) read the emulated loops.
    if (auto id = llvm::dyn_cast<mlir::gpu::BlockIdOp>(op)) {
      mapping.map(id.getResult(), blockIvs[static_cast<int>(id.getDimension())]);
      continue;
    }
    if (auto id = llvm::dyn_cast<mlir::gpu::ThreadIdOp>(op)) {
      mapping.map(id.getResult(), threadIds[static_cast<int>(id.getDimension())]);
      continue;
    }
    if (auto dim = llvm::dyn_cast<mlir::gpu::GridDimOp>(op)) {
      mapping.map(dim.getResult(), select(gridSizes, dim.getDimension()));
      continue;
    }
    if (auto dim = llvm::dyn_cast<mlir::gpu::BlockDimOp>(op)) {
      mapping.map(dim.getResult(), select(blockSizes, dim.getDimension()));
      continue;
    }
    b.clone(op, mapping);
  }
  launch.erase();
  return success();
}

struct EmulateGpuLaunchesPass : impl::EmulateGpuLaunchesBase<EmulateGpuLaunchesPass> {
  void runOnOperation() override {
    SmallVector<mlir::gpu::LaunchOp> launches;
    getOperation().walk([&](mlir::gpu::LaunchOp launch) { launches.push_back(launch); });
    for (mlir::gpu::LaunchOp launch : launches)
      if (failed(emulate(launch)))
        return signalPassFailure();
  }
};

} // namespace
} // namespace kiln::gpu

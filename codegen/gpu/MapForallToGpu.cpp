//===- MapForallToGpu.cpp - Block/thread forall nests to gpu.launch -------===//
//
// A 1-D grid and 1-D blocks are enough for any nest: the iteration numbers
// are delinearized back into loop indices, so tiles may have any number of
// dimensions and no dimension limit of the hardware applies (the grid's x
// dimension holds 2^31 - 1 blocks).
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/Mapping.h"
#include "codegen/gpu/Passes.h"

#include "codegen/cpu/ForallUtils.h"

#include "mlir/Transforms/RegionUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_MAPFORALLTOGPU
#include "codegen/gpu/Passes.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace kiln::gpu {
namespace {

constexpr int64_t kMaxThreadsPerBlock = 1024;

bool writesMemory(Operation *op) {
  if (auto effects = llvm::dyn_cast<MemoryEffectOpInterface>(op))
    return effects.hasEffect<MemoryEffects::Write>();
  // Unknown effects: only ops known to be pure are safe for every thread.
  return !isPure(op) && op->getNumRegions() == 0;
}

bool isWorkgroupBuffer(memref::AllocOp alloc) {
  auto space = llvm::dyn_cast_or_null<mlir::gpu::AddressSpaceAttr>(alloc.getType().getMemorySpace());
  return space && space.getValue() == mlir::gpu::AddressSpace::Workgroup;
}

LogicalResult mapNest(scf::ForallOp outer) {
  Location loc = outer.getLoc();
  FailureOr<cpu::StaticForallBounds> grid = cpu::getStaticBounds(outer);
  if (failed(grid))
    return outer.emitError("internal error: block loop bounds are not static");
  scf::ForallOp inner;
  for (Operation &op : outer.getBody()->without_terminator()) {
    if (auto loop = llvm::dyn_cast<scf::ForallOp>(op); loop && isMappedTo(loop, false)) {
      if (inner)
        return outer.emitError("internal error: several thread loops in one block loop");
      inner = loop;
      continue;
    }
    if (writesMemory(&op))
      return op.emitError("internal error: block-level code writes memory outside "
                          "the thread loop");
  }
  cpu::StaticForallBounds block;
  if (inner) {
    FailureOr<cpu::StaticForallBounds> bounds = cpu::getStaticBounds(inner);
    if (failed(bounds))
      return inner.emitError("internal error: thread loop bounds are not static");
    block = *bounds;
  }
  if (block.total > kMaxThreadsPerBlock)
    return outer.emitError("internal error: ")
           << block.total << " threads per block exceed " << kMaxThreadsPerBlock;

  OpBuilder b(outer);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value gridX = arith::ConstantIndexOp::create(b, loc, grid->total);
  Value blockX = arith::ConstantIndexOp::create(b, loc, block.total);
  auto launch = mlir::gpu::LaunchOp::create(b, loc, gridX, one, one, blockX, one, one);
  if (Attribute wave = outer->getAttr(kWaveAttr))
    launch->setAttr(kWaveAttr, wave);
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  IRMapping mapping;
  for (auto [iv, v] : llvm::zip(outer.getInductionVars(),
                                cpu::delinearizeIteration(b, loc, launch.getBlockIds().x,
                                                          *grid)))
    mapping.map(iv, v);
  for (Operation &op : outer.getBody()->without_terminator()) {
    // A block's buffer in workgroup memory is the launch's to own.
    if (auto alloc = llvm::dyn_cast<memref::AllocOp>(op); alloc && isWorkgroupBuffer(alloc)) {
      mapping.map(alloc.getResult(), launch.addWorkgroupAttribution(alloc.getType(), loc));
      continue;
    }
    if (&op != inner.getOperation()) {
      b.clone(op, mapping);
      continue;
    }
    for (auto [iv, v] : llvm::zip(inner.getInductionVars(),
                                  cpu::delinearizeIteration(b, loc, launch.getThreadIds().x,
                                                            block)))
      mapping.map(iv, v);
    for (Operation &nested : inner.getBody()->without_terminator())
      b.clone(nested, mapping);
  }
  mlir::gpu::TerminatorOp::create(b, loc);
  outer.erase();
  return success();
}

/// Whether `op` reads a graph input: a memref.load of (a view of) an
/// argument of the model's function that is neither an output nor the
/// workspace. Nothing writes such a buffer while the model runs.
bool readsGraphInput(Operation *op) {
  auto load = llvm::dyn_cast<memref::LoadOp>(op);
  return load && isGraphInput(viewRoot(load.getMemRef()));
}

bool isScalarArithmetic(Operation *op) {
  return op->getNumRegions() == 0 && isPure(op) &&
         llvm::all_of(op->getResultTypes(), [](Type t) { return t.isIntOrIndexOrFloat(); });
}

/// Adds to `chain`, defs first, the ops above `launch` that compute `value`
/// from reads of graph inputs through scalar arithmetic; returns whether
/// `value` depends on such a read. Values outside the chain stay captured.
bool collectInputReads(Value value, mlir::gpu::LaunchOp launch,
                       llvm::SetVector<Operation *> &chain,
                       llvm::DenseMap<Operation *, bool> &seen) {
  Operation *def = value.getDefiningOp();
  if (!def || launch->isAncestor(def))
    return false;
  if (auto it = seen.find(def); it != seen.end())
    return it->second;
  seen[def] = false;
  bool reads = readsGraphInput(def);
  if (!reads && !isScalarArithmetic(def))
    return false;
  for (Value operand : def->getOperands())
    reads |= collectInputReads(operand, launch, chain, seen);
  seen[def] = reads;
  if (reads)
    chain.insert(def);
  return reads;
}

/// Host code cannot read device memory: a kernel that uses a value read
/// from a graph input (a Trilu's k, a Pad's constant) reads it itself, and
/// recomputes the scalar arithmetic on it.
void sinkInputReads(mlir::gpu::LaunchOp launch) {
  llvm::SetVector<Value> above;
  getUsedValuesDefinedAbove(launch.getBody(), above);
  llvm::SetVector<Operation *> chain;
  llvm::DenseMap<Operation *, bool> seen;
  SmallVector<Value> sunk;
  for (Value value : above)
    if (collectInputReads(value, launch, chain, seen))
      sunk.push_back(value);
  if (sunk.empty())
    return;
  OpBuilder b = OpBuilder::atBlockBegin(&launch.getBody().front());
  IRMapping mapping;
  for (Operation *op : chain)
    b.clone(*op, mapping);
  for (Value value : sunk)
    replaceAllUsesInRegionWith(value, mapping.lookup(value), launch.getBody());
}

struct MapForallToGpuPass : impl::MapForallToGpuBase<MapForallToGpuPass> {
  void runOnOperation() override {
    SmallVector<scf::ForallOp> nests;
    getOperation().walk([&](scf::ForallOp loop) {
      if (isMappedTo(loop, true) && !loop->getParentOfType<scf::ForallOp>())
        nests.push_back(loop);
    });
    for (scf::ForallOp loop : nests)
      if (failed(mapNest(loop)))
        return signalPassFailure();
    getOperation().walk([&](mlir::gpu::LaunchOp launch) { sinkInputReads(launch); });
  }
};

} // namespace
} // namespace kiln::gpu

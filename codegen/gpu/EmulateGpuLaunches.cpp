//===- EmulateGpuLaunches.cpp - GPU kernels as CPU loops ------------------===//
//
// A kernel's body runs once per thread. Without barriers, the threads of a
// block can simply run one after another. A barrier orders every thread's
// code before it ahead of every thread's code after it, so the body is cut
// at its barriers into segments, each a loop over the block's threads:
//
//   segment 0 for all threads | barrier | segment 1 for all threads | ...
//
// A value computed in one segment and used in a later one lives in a
// per-block buffer with one slot per thread (constants, ids and other
// non-scalar pure values are recomputed instead). Workgroup memory is a
// per-block buffer too. A warp shuffle reads a value another lane computed
// at the same point, so it cuts the body like a barrier: the segment before
// it stores every thread's operand, the one after reads the partner lane's.
// A warp's tensor-core mma (nvgpu.mma.sync: m16n8k8 with TF32 inputs,
// m16n8k16 with f16 or bf16 inputs) cuts the same way: every lane stores
// its A and B fragments, then each lane computes its own accumulator
// elements from the fragments of its warp's lanes, in the lane layout the
// hardware uses.
// Barriers and shuffles must be where every thread reaches them: at the top
// level of the body, of an scf.for whose bounds are the same for every
// thread, or of an scf.if (without results) whose condition is (a merged
// launch's choice of member by block id), each itself in such a place.
// Such a loop or branch runs at block level around the loops over threads
// of its segments; a loop's loop-carried values are kept per thread (a GPU
// requires the same of barriers; the code generator only puts them there).
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/Mapping.h"
#include "codegen/gpu/Passes.h"

#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_EMULATEASYNCCOPIES
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

/// A warp-collective op: a shuffle or a tensor-core mma.
static bool isCollective(Operation *op) {
  return llvm::isa<mlir::gpu::ShuffleOp, nvgpu::MmaSyncOp>(op);
}

/// Code between two cuts of the body. A segment that starts at a
/// collective op (shuffle, mma) computes its results first; one that ends
/// at one stores what other lanes read of it (the shuffle's operand, the
/// mma's A and B fragments) for every thread last.
/// A segment before a block-level loop stores every thread's initial
/// values of the loop-carried values; the last one of its body stores the
/// yielded ones.
struct Segment {
  SmallVector<Operation *> ops;
  Operation *startCollective = nullptr, *endCollective = nullptr;
  scf::ForOp initsOf, yieldOf;
};

/// The emulation's block-level structure, in order: a segment (its index),
/// the start or end of a block-level loop, or the start, else branch or end
/// of a block-level scf.if.
struct Step {
  enum Kind { SegmentStep, LoopBegin, LoopEnd, IfBegin, IfElse, IfEnd } kind;
  unsigned segment = 0;
  scf::ForOp loop;
  scf::IfOp branch;
};

class LaunchEmulator {
public:
  LaunchEmulator(mlir::gpu::LaunchOp launch, bool reverseOrder)
      : launch(launch), body(launch.getBody().front()), reverseOrder(reverseOrder) {}

  LogicalResult run();

private:
  LogicalResult split();
  void splitBlock(Block &block);
  void newSegment();
  LogicalResult planCrossingValues();
  LogicalResult classify(Value value);
  bool recomputed(Operation *op) const;
  void mapIds(IRMapping &mapping, ValueRange threadIds);
  bool mapIdOp(Operation *op, IRMapping &mapping, ValueRange threadIds);
  Value materialize(OpBuilder &b, Value value, IRMapping &mapping, ValueRange threadIds,
                    Value linear);
  Value blockLevelValue(OpBuilder &b, Value value, IRMapping &base);
  void emitShuffle(OpBuilder &b, mlir::gpu::ShuffleOp shuffle, IRMapping &mapping,
                   ValueRange threadIds, Value linear);
  void emitMma(OpBuilder &b, nvgpu::MmaSyncOp mma, IRMapping &mapping, ValueRange threadIds,
               Value linear);
  /// What other lanes read of collective `op`: the values the segment
  /// ending at it stores per thread.
  static SmallVector<Value> sharedOperands(Operation *op);

  /// Runs the blocks, and each segment's threads, from the last id down.
  Value ordered(OpBuilder &b, Value iv, Value size);

  mlir::gpu::LaunchOp launch;
  Block &body;
  bool reverseOrder;
  SmallVector<Segment> segments;
  SmallVector<Step> steps;
  DenseMap<Operation *, unsigned> segmentOf;
  /// The bodies of the block-level loops, and the launch body.
  DenseSet<Block *> blockLevel;
  /// Values defined in the body used by each segment but defined in another.
  SmallVector<SetVector<Value>> crossing;
  /// Values kept in a per-thread buffer, and those buffers.
  SetVector<Value> buffered;
  DenseMap<Value, Value> buffers;
  /// Per collective op, one per-thread buffer for each shared operand.
  DenseMap<Operation *, SmallVector<Value>> collectiveSlots;
  Value blockIvs[3];
  mlir::gpu::KernelDim3 gridSizes, blockSizes;
  Value threadCount;
};

void LaunchEmulator::newSegment() {
  segments.emplace_back();
  steps.push_back({Step::SegmentStep, static_cast<unsigned>(segments.size() - 1), {}});
}

/// Whether `op` holds a barrier or a collective op: a cut of the body.
static bool hasCut(Operation *op) { return containsAllThreadsOp(op); }

void LaunchEmulator::splitBlock(Block &block) {
  blockLevel.insert(&block);
  for (Operation &op : block.without_terminator()) {
    if (llvm::isa<mlir::gpu::BarrierOp>(op)) {
      newSegment();
      continue;
    }
    if (isCollective(&op)) {
      segments.back().endCollective = &op;
      newSegment();
      segments.back().startCollective = &op;
      segmentOf[&op] = segments.size() - 1;
      continue;
    }
    if (auto loop = llvm::dyn_cast<scf::ForOp>(op); loop && hasCut(loop)) {
      segments.back().initsOf = loop;
      steps.push_back({Step::LoopBegin, 0, loop});
      newSegment();
      splitBlock(*loop.getBody());
      segments.back().yieldOf = loop;
      steps.push_back({Step::LoopEnd, 0, loop});
      newSegment();
      continue;
    }
    if (auto branch = llvm::dyn_cast<scf::IfOp>(op);
        branch && branch.getNumResults() == 0 && hasCut(branch)) {
      steps.push_back({Step::IfBegin, 0, {}, branch});
      newSegment();
      splitBlock(*branch.thenBlock());
      steps.push_back({Step::IfElse, 0, {}, branch});
      newSegment();
      if (Block *otherwise = branch.elseBlock())
        splitBlock(*otherwise);
      steps.push_back({Step::IfEnd, 0, {}, branch});
      newSegment();
      continue;
    }
    segmentOf[&op] = segments.size() - 1;
    segments.back().ops.push_back(&op);
  }
}

LogicalResult LaunchEmulator::split() {
  if (!launch.getBody().hasOneBlock())
    return launch.emitError("internal error: cannot emulate a kernel body with several blocks");
  newSegment();
  splitBlock(body);
  // Anywhere else, not every thread might reach them.
  WalkResult nested = body.walk([&](Operation *op) {
    if (auto mma = llvm::dyn_cast<nvgpu::MmaSyncOp>(op)) {
      std::array<int64_t, 3> shape = mma.getMmaShapeAsArray();
      auto isVector = [](Value v, int64_t rows, int64_t columns, function_ref<bool(Type)> is) {
        auto type = llvm::cast<VectorType>(v.getType());
        return is(type.getElementType()) && type.getShape() == ArrayRef<int64_t>{rows, columns};
      };
      auto isF32 = [](Type t) { return t.isF32(); };
      auto isHalf = [](Type t) { return t.isF16() || t.isBF16(); };
      bool tf32 = shape == std::array<int64_t, 3>{16, 8, 8} && mma.getTf32Enabled() &&
                  isVector(mma.getMatrixA(), 4, 1, isF32) &&
                  isVector(mma.getMatrixB(), 2, 1, isF32);
      bool half = shape == std::array<int64_t, 3>{16, 8, 16} &&
                  isVector(mma.getMatrixA(), 4, 2, isHalf) &&
                  isVector(mma.getMatrixB(), 2, 2, isHalf) &&
                  getElementTypeOrSelf(mma.getMatrixA()) == getElementTypeOrSelf(mma.getMatrixB());
      if (!(tf32 || half) || !isVector(mma.getMatrixC(), 2, 2, isF32)) {
        op->emitError("internal error: can only emulate the m16n8k8 TF32 and the m16n8k16 "
                      "f16/bf16 mmas with f32 accumulators");
        return WalkResult::interrupt();
      }
    }
    if (!(llvm::isa<mlir::gpu::BarrierOp>(op) || isCollective(op)) ||
        blockLevel.contains(op->getBlock()))
      return WalkResult::advance();
    op->emitError("internal error: cannot emulate a ")
        << op->getName() << " inside control flow of a kernel";
    return WalkResult::interrupt();
  });
  return failure(nested.wasInterrupted());
}

bool LaunchEmulator::recomputed(Operation *op) const {
  if (isCollective(op))
    return false;
  if (llvm::isa<mlir::gpu::BlockIdOp, mlir::gpu::ThreadIdOp, mlir::gpu::GridDimOp,
                mlir::gpu::BlockDimOp>(op) ||
      op->hasTrait<OpTrait::ConstantLike>())
    return true;
  // Scalars are cheaper kept than recomputed from their operands; other
  // values (views of buffers) cannot be kept in a buffer.
  return isPure(op) && op->getNumRegions() == 0 &&
         !llvm::all_of(op->getResultTypes(),
                       [](Type t) { return t.isIntOrIndexOrFloat(); });
}

/// Whether a value of `type` can be kept in a per-thread buffer: a scalar
/// or a static vector of them.
static bool keepable(Type type) {
  if (auto vector = llvm::dyn_cast<VectorType>(type))
    return !vector.isScalable() && vector.getElementType().isIntOrIndexOrFloat();
  return type.isIntOrIndexOrFloat();
}

SmallVector<Value> LaunchEmulator::sharedOperands(Operation *op) {
  if (auto shuffle = llvm::dyn_cast<mlir::gpu::ShuffleOp>(op))
    return {shuffle.getValue()};
  auto mma = llvm::cast<nvgpu::MmaSyncOp>(op);
  return {mma.getMatrixA(), mma.getMatrixB()};
}

LogicalResult LaunchEmulator::classify(Value value) {
  Operation *def = value.getDefiningOp();
  if (!def || !segmentOf.contains(def) || buffered.contains(value))
    return success();
  if (recomputed(def)) {
    for (Value operand : def->getOperands())
      if (failed(classify(operand)))
        return failure();
    return success();
  }
  if (!keepable(value.getType()))
    return def->emitError("internal error: cannot emulate a value of type ")
           << value.getType() << " live across a barrier";
  buffered.insert(value);
  return success();
}

LogicalResult LaunchEmulator::planCrossingValues() {
  // The loop-carried values of block-level loops, and their results, live
  // in one per-thread buffer each.
  for (Step step : steps) {
    if (step.kind != Step::LoopBegin)
      continue;
    for (auto [arg, result] : llvm::zip(step.loop.getRegionIterArgs(), step.loop.getResults())) {
      if (!keepable(arg.getType()))
        return step.loop.emitError("internal error: cannot emulate a loop-carried ")
               << arg.getType() << " across barriers";
      buffered.insert(arg);
      buffered.insert(result);
    }
  }
  crossing.resize(segments.size());
  auto noteUse = [&](unsigned index, Value used) {
    Operation *def = used.getDefiningOp();
    if (buffered.contains(used) ||
        (def && segmentOf.contains(def) && segmentOf.lookup(def) != index))
      crossing[index].insert(used);
  };
  for (auto [position, segment] : llvm::enumerate(segments)) {
    // (A plain copy: lambdas cannot capture structured bindings in C++17.)
    unsigned index = position;
    for (Operation *op : segment.ops)
      op->walk([&](Operation *nested) {
        for (Value operand : nested->getOperands())
          noteUse(index, operand);
      });
    if (segment.startCollective)
      for (Value operand : segment.startCollective->getOperands())
        noteUse(index, operand);
    if (segment.endCollective)
      for (Value operand : sharedOperands(segment.endCollective))
        noteUse(index, operand);
    if (segment.initsOf)
      for (Value init : segment.initsOf.getInitArgs())
        noteUse(index, init);
    if (segment.yieldOf)
      for (Value yielded : segment.yieldOf.getBody()->getTerminator()->getOperands())
        noteUse(index, yielded);
  }
  for (SetVector<Value> &values : crossing)
    for (Value value : values)
      if (failed(classify(value)))
        return failure();
  return success();
}

bool LaunchEmulator::mapIdOp(Operation *op, IRMapping &mapping, ValueRange threadIds) {
  if (auto id = llvm::dyn_cast<mlir::gpu::BlockIdOp>(op)) {
    mapping.map(id.getResult(), blockIvs[static_cast<int>(id.getDimension())]);
    return true;
  }
  if (auto id = llvm::dyn_cast<mlir::gpu::ThreadIdOp>(op)) {
    mapping.map(id.getResult(), threadIds[static_cast<int>(id.getDimension())]);
    return true;
  }
  if (auto dim = llvm::dyn_cast<mlir::gpu::GridDimOp>(op)) {
    mapping.map(dim.getResult(), select(gridSizes, dim.getDimension()));
    return true;
  }
  if (auto dim = llvm::dyn_cast<mlir::gpu::BlockDimOp>(op)) {
    mapping.map(dim.getResult(), select(blockSizes, dim.getDimension()));
    return true;
  }
  return false;
}

void LaunchEmulator::mapIds(IRMapping &mapping, ValueRange threadIds) {
  mlir::gpu::KernelDim3 ids = launch.getBlockIds(), tids = launch.getThreadIds(),
                        grid = launch.getGridSize(), block = launch.getBlockSize();
  mapping.map(ids.x, blockIvs[0]);
  mapping.map(ids.y, blockIvs[1]);
  mapping.map(ids.z, blockIvs[2]);
  mapping.map(tids.x, threadIds[0]);
  mapping.map(tids.y, threadIds[1]);
  mapping.map(tids.z, threadIds[2]);
  mapping.map(grid.x, gridSizes.x);
  mapping.map(grid.y, gridSizes.y);
  mapping.map(grid.z, gridSizes.z);
  mapping.map(block.x, blockSizes.x);
  mapping.map(block.y, blockSizes.y);
  mapping.map(block.z, blockSizes.z);
}

/// `value` computed once for the whole block at `b` (a block-level loop's
/// bounds, a block-level branch's condition): from outside the kernel,
/// constants, block ids, grid and block sizes, indices of enclosing
/// block-level loops, and pure scalar arithmetic on them; null if it may
/// differ between the block's threads.
Value LaunchEmulator::blockLevelValue(OpBuilder &b, Value value, IRMapping &base) {
  if (Value known = base.lookupOrNull(value))
    return known;
  if (!launch.getBody().isAncestor(value.getParentRegion()))
    return value;
  mlir::gpu::KernelDim3 ids = launch.getBlockIds(), grid = launch.getGridSize(),
                        block = launch.getBlockSize();
  for (auto [argument, given] :
       llvm::zip(SmallVector<Value>{ids.x, ids.y, ids.z, grid.x, grid.y, grid.z, block.x, block.y,
                                    block.z},
                 SmallVector<Value>{blockIvs[0], blockIvs[1], blockIvs[2], gridSizes.x,
                                    gridSizes.y, gridSizes.z, blockSizes.x, blockSizes.y,
                                    blockSizes.z}))
    if (value == argument) {
      base.map(value, given);
      return given;
    }
  // Only ops known to give every thread the same result from the same
  // operands: constants, arithmetic and index maps (a shuffle, say, is pure
  // but not uniform).
  Operation *def = value.getDefiningOp();
  if (!def || def->getNumRegions() != 0 || !isPure(def) ||
      !(def->hasTrait<OpTrait::ConstantLike>() ||
        llvm::isa<arith::ArithDialect, index::IndexDialect, affine::AffineDialect>(
            def->getDialect()) ||
        llvm::isa<mlir::gpu::BlockIdOp, mlir::gpu::GridDimOp, mlir::gpu::BlockDimOp>(def)))
    return {};
  Value given;
  if (auto id = llvm::dyn_cast<mlir::gpu::BlockIdOp>(def))
    given = blockIvs[static_cast<int>(id.getDimension())];
  else if (auto dim = llvm::dyn_cast<mlir::gpu::GridDimOp>(def))
    given = select(gridSizes, dim.getDimension());
  else if (auto dim = llvm::dyn_cast<mlir::gpu::BlockDimOp>(def))
    given = select(blockSizes, dim.getDimension());
  if (given) {
    base.map(value, given);
    return given;
  }
  for (Value operand : def->getOperands())
    if (!blockLevelValue(b, operand, base))
      return {};
  b.clone(*def, base);
  return base.lookup(value);
}

Value LaunchEmulator::materialize(OpBuilder &b, Value value, IRMapping &mapping,
                                  ValueRange threadIds, Value linear) {
  if (Value known = mapping.lookupOrNull(value))
    return known;
  Operation *def = value.getDefiningOp();
  if (!buffered.contains(value) && (!def || !segmentOf.contains(def)))
    return value;
  if (buffered.contains(value)) {
    Value loaded = memref::LoadOp::create(b, value.getLoc(), buffers.lookup(value), linear);
    mapping.map(value, loaded);
    return loaded;
  }
  if (!mapIdOp(def, mapping, threadIds)) {
    for (Value operand : def->getOperands())
      materialize(b, operand, mapping, threadIds, linear);
    b.clone(*def, mapping);
  }
  return mapping.lookup(value);
}

/// The shuffle's result for this thread: the operand its partner lane
/// stored at the end of the previous segment, or its own operand where the
/// partner lies outside the width (what the hardware returns).
void LaunchEmulator::emitShuffle(OpBuilder &b, mlir::gpu::ShuffleOp shuffle,
                                 IRMapping &mapping, ValueRange threadIds, Value linear) {
  Location loc = shuffle.getLoc();
  Value own = materialize(b, shuffle.getValue(), mapping, threadIds, linear);
  auto asIndex = [&](Value v) -> Value {
    return arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                      materialize(b, v, mapping, threadIds, linear));
  };
  Value offset = asIndex(shuffle.getOffset());
  Value width = asIndex(shuffle.getWidth());
  Value warp = arith::ConstantIndexOp::create(b, loc, kWarpSize);
  Value lane = arith::RemUIOp::create(b, loc, linear, warp);
  Value base = arith::SubIOp::create(b, loc, linear, lane);
  // Lane numbers compare as signed values, so `up` below lane 0 is invalid.
  Value source;
  switch (shuffle.getMode()) {
  case mlir::gpu::ShuffleMode::XOR:
    source = arith::XOrIOp::create(b, loc, lane, offset);
    break;
  case mlir::gpu::ShuffleMode::DOWN:
    source = arith::AddIOp::create(b, loc, lane, offset);
    break;
  case mlir::gpu::ShuffleMode::UP:
    source = arith::SubIOp::create(b, loc, lane, offset);
    break;
  case mlir::gpu::ShuffleMode::IDX:
    source = offset;
    break;
  }
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value partner = arith::AddIOp::create(b, loc, base, source);
  Value valid = arith::AndIOp::create(
      b, loc,
      arith::AndIOp::create(
          b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, source, zero),
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, source, width)),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, partner, threadCount));
  Value slot = arith::SelectOp::create(b, loc, valid, partner, linear);
  Value received = memref::LoadOp::create(b, loc, collectiveSlots.lookup(shuffle)[0], slot);
  mapping.map(shuffle.getShuffleResult(), arith::SelectOp::create(b, loc, valid, received, own));
  mapping.map(shuffle.getValid(), valid);
}

/// The mma's accumulator elements of this lane. With lane = 4 g + t, the
/// accumulator holds C(g + 8 (v / 2), 2 t + v % 2) in element v (row-major
/// 2x2). m16n8k8 (TF32): the A fragment holds A(g + 8 (r % 2), t + 4 (r / 2))
/// in element (r, 0), the B fragment B(t + 4 r, g) in element (r, 0).
/// m16n8k16 (f16, bf16): A(g + 8 (r % 2), 2 t + e + 8 (r / 2)) in element
/// (r, e), B(2 t + e + 8 r, g) in element (r, e). Each element adds its K
/// products in k order with fused multiply-adds in f32: the products of
/// TF32, f16 or bf16 inputs are exact in f32 (barring overflow and
/// underflow), the order of the sum is the emulation's.
void LaunchEmulator::emitMma(OpBuilder &b, nvgpu::MmaSyncOp mma, IRMapping &mapping,
                             ValueRange threadIds, Value linear) {
  Location loc = mma.getLoc();
  Value own = materialize(b, mma.getMatrixC(), mapping, threadIds, linear);
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value lane = arith::RemUIOp::create(b, loc, linear, index(kWarpSize));
  Value warpBase = arith::SubIOp::create(b, loc, linear, lane);
  Value group = arith::DivUIOp::create(b, loc, lane, index(4));
  Value inGroup = arith::RemUIOp::create(b, loc, lane, index(4));
  SmallVector<Value> slots = collectiveSlots.lookup(mma);
  // Element (row, column) of the fragment that lane warpBase + `laneInWarp`
  // stored.
  auto fragment = [&](Value slot, Value laneInWarp, int64_t row, int64_t column) -> Value {
    Value vector = memref::LoadOp::create(
        b, loc, slot, ValueRange{arith::AddIOp::create(b, loc, warpBase, laneInWarp)});
    return vector::ExtractOp::create(b, loc, vector, ArrayRef<int64_t>{row, column});
  };
  Type f32 = b.getF32Type();
  auto asF32 = [&](Value v) -> Value {
    return v.getType() == f32 ? v : arith::ExtFOp::create(b, loc, f32, v).getResult();
  };
  bool half = llvm::cast<VectorType>(mma.getMatrixA().getType()).getDimSize(1) == 2;
  int64_t depth = half ? 16 : 8;
  SmallVector<Value> elements;
  for (int64_t v = 0; v < 4; ++v) {
    Value acc = vector::ExtractOp::create(b, loc, own, ArrayRef<int64_t>{v / 2, v % 2});
    // B's column 2 t + v % 2 is held by the lanes 4 (2 t + v % 2) + t' of
    // the k each holds.
    Value column = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, inGroup, index(2)), index(v % 2));
    for (int64_t k = 0; k < depth; ++k) {
      // The lane in its group (t') holding k, and k's element (r, e).
      int64_t holder = half ? (k % 8) / 2 : k % 4;
      int64_t r = half ? k / 8 : k / 4, e = half ? k % 2 : 0;
      Value aLane = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, group, index(4)), index(holder));
      Value bLane = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, column, index(4)), index(holder));
      Value a = asF32(fragment(slots[0], aLane, v / 2 + 2 * r, e));
      Value bk = asF32(fragment(slots[1], bLane, r, e));
      acc = math::FmaOp::create(b, loc, a, bk, acc);
    }
    elements.push_back(acc);
  }
  mapping.map(mma.getRes(),
              vector::FromElementsOp::create(b, loc, mma.getRes().getType(), elements));
}

Value LaunchEmulator::ordered(OpBuilder &b, Value iv, Value size) {
  if (!reverseOrder)
    return iv;
  Location loc = launch.getLoc();
  Value last = arith::SubIOp::create(b, loc, size, arith::ConstantIndexOp::create(b, loc, 1));
  return arith::SubIOp::create(b, loc, last, iv);
}

LogicalResult LaunchEmulator::run() {
  Location loc = launch.getLoc();
  if (launch.getAsyncToken() || launch.hasClusterSize())
    return launch.emitError("internal error: cannot emulate this launch form");
  if (launch.getNumPrivateAttributions() != 0)
    return launch.emitError("internal error: cannot emulate private attributions");
  for (BlockArgument buffer : launch.getWorkgroupAttributions()) {
    auto type = llvm::dyn_cast<MemRefType>(buffer.getType());
    if (!type || !type.hasStaticShape())
      return launch.emitError("internal error: cannot emulate workgroup buffer ")
             << buffer.getType();
    for (Operation *user : buffer.getUsers())
      // (Race checks take the addresses of their shadow buffers.)
      if (!isWorkgroupAccess(user) && !llvm::isa<memref::ExtractAlignedPointerAsIndexOp>(user))
        return user->emitError("internal error: cannot emulate a ")
               << user->getName() << " of workgroup memory";
  }
  if (failed(split()) || failed(planCrossingValues()))
    return failure();

  OpBuilder b(launch);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  gridSizes = launch.getGridSizeOperandValues();
  blockSizes = launch.getBlockSizeOperandValues();
  threadCount = arith::MulIOp::create(
      b, loc, arith::MulIOp::create(b, loc, blockSizes.x, blockSizes.y), blockSizes.z);
  // Blocks are independent: an scf.forall over them, which the CPU pipeline
  // spreads over the thread pool.
  auto blocks = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{zero, zero, zero},
      ArrayRef<OpFoldResult>{gridSizes.x, gridSizes.y, gridSizes.z},
      ArrayRef<OpFoldResult>{one, one, one}, ValueRange{}, std::nullopt);
  b.setInsertionPointToStart(blocks.getBody());
  Value grid[3] = {gridSizes.x, gridSizes.y, gridSizes.z};
  for (int d = 0; d < 3; ++d)
    blockIvs[d] = ordered(b, blocks.getInductionVars()[d], grid[d]);

  // The block's memory (workgroup buffers, values kept across barriers) is
  // on the stack: the forall body is an allocation scope.
  bool blockMemory = segments.size() > 1 || !launch.getWorkgroupAttributions().empty();
  IRMapping blockMapping;
  if (blockMemory) {
    for (BlockArgument buffer : launch.getWorkgroupAttributions()) {
      auto type = llvm::cast<MemRefType>(buffer.getType());
      auto local = MemRefType::get(type.getShape(), type.getElementType(), type.getLayout());
      // As aligned as on the GPU (kWorkgroupAlignment): vector loads from
      // it carry that alignment.
      blockMapping.map(buffer, memref::AllocaOp::create(b, loc, local,
                                                        b.getI64IntegerAttr(kWorkgroupAlignment)));
    }
    // Static sizes where the block size is known, so that the CPU pipeline
    // can allocate them once per task.
    std::optional<int64_t> x = getConstantIntValue(blockSizes.x),
                           y = getConstantIntValue(blockSizes.y),
                           z = getConstantIntValue(blockSizes.z);
    auto perThread = [&](Type type) -> Value {
      if (x && y && z)
        return memref::AllocaOp::create(b, loc, MemRefType::get({*x * *y * *z}, type));
      return memref::AllocaOp::create(b, loc, MemRefType::get({ShapedType::kDynamic}, type),
                                      ValueRange{threadCount});
    };
    for (Value value : buffered) {
      // A block-level loop's results are its loop-carried values' buffers.
      Operation *def = value.getDefiningOp();
      if (def && !segmentOf.contains(def))
        continue;
      buffers[value] = perThread(value.getType());
    }
    for (Step step : steps) {
      if (step.kind != Step::LoopBegin)
        continue;
      for (auto [arg, result] :
           llvm::zip(step.loop.getRegionIterArgs(), step.loop.getResults())) {
        // Looked up first: inserting `result` may grow the map and move the
        // entry a reference to buffers[arg] would point at.
        Value buffer = buffers.lookup(arg);
        buffers[result] = buffer;
      }
    }
    for (Segment &segment : segments)
      if (Operation *collective = segment.startCollective)
        for (Value shared : sharedOperands(collective))
          collectiveSlots[collective].push_back(perThread(shared.getType()));
  }

  Value sizes[3] = {blockSizes.x, blockSizes.y, blockSizes.z};
  IRMapping base = blockMapping;
  SmallVector<std::pair<IRMapping, scf::ForOp>> openLoops;
  SmallVector<std::pair<IRMapping, scf::IfOp>> openBranches;
  for (Step step : steps) {
    if (step.kind == Step::LoopBegin) {
      SmallVector<Value> bounds;
      for (Value v : {step.loop.getLowerBound(), step.loop.getUpperBound(), step.loop.getStep()}) {
        bounds.push_back(blockLevelValue(b, v, base));
        if (!bounds.back())
          return step.loop.emitError("internal error: cannot emulate a loop with barriers "
                                     "whose bounds may differ between threads");
      }
      auto loop = scf::ForOp::create(b, step.loop.getLoc(), bounds[0], bounds[1], bounds[2]);
      openLoops.push_back({base, loop});
      base.map(step.loop.getInductionVar(), loop.getInductionVar());
      b.setInsertionPoint(loop.getBody()->getTerminator());
      continue;
    }
    if (step.kind == Step::LoopEnd) {
      auto [saved, loop] = openLoops.pop_back_val();
      base = saved;
      b.setInsertionPointAfter(loop);
      continue;
    }
    if (step.kind == Step::IfBegin) {
      Value condition = blockLevelValue(b, step.branch.getCondition(), base);
      if (!condition)
        return step.branch.emitError("internal error: cannot emulate a branch with barriers "
                                     "whose condition may differ between threads");
      auto branch = scf::IfOp::create(b, step.branch.getLoc(), condition,
                                      /*withElseRegion=*/true);
      openBranches.push_back({base, branch});
      b.setInsertionPoint(branch.thenBlock()->getTerminator());
      continue;
    }
    if (step.kind == Step::IfElse) {
      auto &[saved, branch] = openBranches.back();
      base = saved;
      b.setInsertionPoint(branch.elseBlock()->getTerminator());
      continue;
    }
    if (step.kind == Step::IfEnd) {
      auto [saved, branch] = openBranches.pop_back_val();
      base = saved;
      b.setInsertionPointAfter(branch);
      continue;
    }
    Segment segment = segments[step.segment];
    OpBuilder::InsertionGuard guard(b);
    Value threadIds[3];
    for (int d = 2; d >= 0; --d) {
      auto loop = scf::ForOp::create(b, loc, zero, sizes[d], one);
      b.setInsertionPointToStart(loop.getBody());
      threadIds[d] = ordered(b, loop.getInductionVar(), sizes[d]);
    }
    IRMapping mapping = base;
    mapIds(mapping, threadIds);
    Value linear;
    if (blockMemory)
      linear = linearId(b, loc, threadIds[0], threadIds[1], threadIds[2], blockSizes.x,
                        blockSizes.y);
    for (Value value : crossing[step.segment])
      materialize(b, value, mapping, threadIds, linear);
    auto keep = [&](Operation *op) {
      for (Value result : op->getResults())
        if (buffered.contains(result))
          memref::StoreOp::create(b, loc, mapping.lookup(result), buffers.lookup(result), linear);
    };
    if (Operation *collective = segment.startCollective) {
      if (auto shuffle = llvm::dyn_cast<mlir::gpu::ShuffleOp>(collective))
        emitShuffle(b, shuffle, mapping, threadIds, linear);
      else
        emitMma(b, llvm::cast<nvgpu::MmaSyncOp>(collective), mapping, threadIds, linear);
      keep(collective);
    }
    for (Operation *op : segment.ops) {
      if (mapIdOp(op, mapping, threadIds))
        continue;
      b.clone(*op, mapping);
      keep(op);
    }
    if (Operation *collective = segment.endCollective) {
      SmallVector<Value> shared = sharedOperands(collective);
      SmallVector<Value> slots = collectiveSlots.lookup(collective);
      for (auto [value, slot] : llvm::zip(shared, slots))
        memref::StoreOp::create(b, loc, materialize(b, value, mapping, threadIds, linear), slot,
                                linear);
    }
    // Every thread's initial, then yielded, loop-carried values.
    auto carry = [&](scf::ForOp loop, ValueRange values) {
      for (auto [value, arg] : llvm::zip(values, loop.getRegionIterArgs()))
        memref::StoreOp::create(b, loc, materialize(b, value, mapping, threadIds, linear),
                                buffers.lookup(arg), linear);
    };
    if (segment.initsOf)
      carry(segment.initsOf, segment.initsOf.getInitArgs());
    if (segment.yieldOf)
      carry(segment.yieldOf, segment.yieldOf.getBody()->getTerminator()->getOperands());
  }
  launch.erase();
  return success();
}

struct EmulateAsyncCopiesPass : impl::EmulateAsyncCopiesBase<EmulateAsyncCopiesPass> {
  void runOnOperation() override {
    SmallVector<Operation *> waits, groups;
    SmallVector<nvgpu::DeviceAsyncCopyOp> copies;
    getOperation().walk([&](Operation *op) {
      if (llvm::isa<nvgpu::DeviceAsyncWaitOp>(op))
        waits.push_back(op);
      else if (llvm::isa<nvgpu::DeviceAsyncCreateGroupOp>(op))
        groups.push_back(op);
      else if (auto copy = llvm::dyn_cast<nvgpu::DeviceAsyncCopyOp>(op))
        copies.push_back(copy);
    });
    for (Operation *op : llvm::concat<Operation *>(waits, groups))
      op->erase();
    for (nvgpu::DeviceAsyncCopyOp copy : copies) {
      OpBuilder b(copy);
      Location loc = copy.getLoc();
      // Element e of the copy: the innermost index plus e (the copy's
      // elements are contiguous there).
      auto at = [&](OpBuilder &b, ValueRange indices, int64_t e) {
        SmallVector<Value> result(indices);
        if (e > 0)
          result.back() = arith::AddIOp::create(b, loc, result.back(),
                                                arith::ConstantIndexOp::create(b, loc, e));
        return result;
      };
      auto load = [&](OpBuilder &b, int64_t e) {
        return memref::LoadOp::create(b, loc, copy.getSrc(), at(b, copy.getSrcIndices(), e))
            .getResult();
      };
      Type element = copy.getDst().getType().getElementType();
      for (int64_t e = 0; e < copy.getDstElements().getZExtValue(); ++e) {
        Value value;
        if (Value count = copy.getSrcElements()) {
          // Past the source count: a zero, and no read.
          Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                               arith::ConstantIndexOp::create(b, loc, e), count);
          auto branch = scf::IfOp::create(b, loc, element, inside, /*withElseRegion=*/true);
          OpBuilder then = branch.getThenBodyBuilder(), otherwise = branch.getElseBodyBuilder();
          scf::YieldOp::create(then, loc, load(then, e));
          scf::YieldOp::create(
              otherwise, loc,
              arith::ConstantOp::create(otherwise, loc, b.getZeroAttr(element)).getResult());
          value = branch.getResult(0);
        } else {
          value = load(b, e);
        }
        memref::StoreOp::create(b, loc, value, copy.getDst(), at(b, copy.getDstIndices(), e));
      }
      copy->erase();
    }
  }
};

struct EmulateGpuLaunchesPass : impl::EmulateGpuLaunchesBase<EmulateGpuLaunchesPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<mlir::gpu::LaunchOp> launches;
    getOperation().walk([&](mlir::gpu::LaunchOp launch) { launches.push_back(launch); });
    for (mlir::gpu::LaunchOp launch : launches)
      if (failed(LaunchEmulator(launch, reverseOrder).run()))
        return signalPassFailure();
  }
};

} // namespace
} // namespace kiln::gpu

//===- ScheduleWaves.cpp - Independent small kernels as one launch --------===//
//
// A GPU runs one launch after another on a stream, and a kernel of a block
// or two leaves all but a few of its multiprocessors idle: a recurrent
// step's product and gates, a per-step copy into the sequence output. When
// two such kernels touch no common memory (the forward and the reverse
// direction of a bidirectional GRU, at the same step), they can run as one
// launch whose blocks are the union of theirs.
//
// This pass decides which kernels go together, before the workspace plan:
// the kernels (block-mapped scf.forall) are list-scheduled in program order,
// and each wave takes the first kernel not yet placed together with every
// later kernel that is ready (everything it depends on is placed), small
// (a grid below the multiprocessor count) and compatible with the wave.
// Dependences are the buffers' reads and writes (on element ranges of the
// same allocation where the views are static) and the SSA values between
// the ops; anything with effects this pass cannot see orders everything.
//
// The members of a wave get `kiln.wave` and end up next to each other.
// kiln-plan-workspace then gives them one point in time, so no two share
// workspace bytes, and kiln-gpu-merge-wave-launches makes one gpu.launch of
// them once they are launches.
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/Mapping.h"
#include "codegen/gpu/Passes.h"

#include "codegen/cpu/ForallUtils.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_SCHEDULEWAVES
#include "codegen/gpu/Passes.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace kiln::gpu {
namespace {

/// The most kernels one launch takes: each block of the merged launch
/// compares its id with the members' offsets one after another.
constexpr size_t kMaxWaveKernels = 8;

/// Workgroup memory a block may have without opting in to more (48 KiB on
/// every NVIDIA GPU since Volta); the merged launch's members may each
/// bring theirs.
constexpr int64_t kStaticWorkgroupBytes = 48 * 1024;

/// One read or write of elements [first, last] (in elements of `root`'s
/// own type, all of `root` when not known) of a buffer.
struct Access {
  Value root;
  int64_t first = 0, last = std::numeric_limits<int64_t>::max();
  bool write = false;
};

/// A top-level op of the function that is not free to move: a kernel, or
/// an op with memory effects.
struct Node {
  Operation *op;
  SmallVector<Access> accesses;
  bool opaque = false;    // effects unknown: ordered after and before everything
  SmallVector<unsigned> predecessors;
  // Kernels only (a block-mapped scf.forall):
  bool kernel = false;
  int64_t blocks = 0, threads = 1, workgroupBytes = 0;
  bool collective = false; // barriers, shuffles or mmas: every thread of a block takes part
};

bool isBlockLoop(Operation *op) {
  auto loop = llvm::dyn_cast<scf::ForallOp>(op);
  return loop && isMappedTo(loop, /*blocks=*/true);
}

/// Ops that can move anywhere their operands are defined: no reads or
/// writes of memory (views, constants, allocations).
bool isFree(Operation *op) {
  if (op->getNumRegions() != 0 || op->hasTrait<OpTrait::IsTerminator>())
    return false;
  if (isMemoryEffectFree(op))
    return true;
  auto effects = llvm::dyn_cast<MemoryEffectOpInterface>(op);
  return effects && effects.onlyHasEffect<MemoryEffects::Allocate>();
}

/// Views that are parts of their source at the same base pointer, so that
/// a static strided layout places them in the source's elements.
bool isSubsetView(Operation *op) {
  return llvm::isa<memref::SubViewOp, memref::ExpandShapeOp, memref::CollapseShapeOp,
                   memref::CastOp, memref::TransposeOp>(op);
}

/// Whether `value` is a fresh allocation (memref.alloc, memref.alloca).
bool isAllocation(Value value) {
  auto effects = value.getDefiningOp<MemoryEffectOpInterface>();
  return effects && effects.getEffectOnValue<MemoryEffects::Allocate>(value).has_value();
}

/// Where a view of `value` starts and ends in its root's elements, and the
/// root: views that keep the base pointer (subviews, reshapes, casts) of
/// static layouts have their extent in their type.
Access accessOf(Value value, Operation *node) {
  Access access;
  // Inside the node, views with dynamic offsets (a thread's element):
  // the node's access is the whole view it starts from, if those views
  // are parts of it; any other view may reach beyond it.
  bool known = true;
  while (node->isAncestor(value.getParentRegion()->getParentOp())) {
    Operation *def = value.getDefiningOp();
    auto view = llvm::dyn_cast_or_null<ViewLikeOpInterface>(def);
    if (!view) {
      access.root = value; // made in the node (a block's workgroup tile), or unknown
      return access;
    }
    known &= isSubsetView(def);
    value = view.getViewSource();
  }
  auto type = llvm::dyn_cast<MemRefType>(value.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  known = known && type && type.hasStaticShape() &&
               succeeded(type.getStridesAndOffset(strides, offset)) &&
               !ShapedType::isDynamic(offset) &&
               llvm::none_of(strides, [](int64_t s) { return ShapedType::isDynamic(s) || s < 0; });
  if (known) {
    access.first = access.last = offset;
    for (auto [size, stride] : llvm::zip(type.getShape(), strides))
      access.last += (size - 1) * stride;
  }
  while (Operation *def = value.getDefiningOp()) {
    auto view = llvm::dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      break;
    if (!isSubsetView(def))
      known = false;
    value = view.getViewSource();
  }
  access.root = value;
  if (!known) {
    access.first = 0;
    access.last = std::numeric_limits<int64_t>::max();
  }
  return access;
}

/// The node's reads and writes of buffers defined outside it; false if some
/// effect is unknown.
bool collectAccesses(Operation *node, SmallVector<Access> &accesses) {
  WalkResult result = node->walk([&](Operation *op) {
    if (needsAllThreads(op))
      return WalkResult::advance();
    // An asynchronous copy's group and its wait only order the thread's own
    // copies, whose accesses are the copies' effects.
    if (llvm::isa<nvgpu::DeviceAsyncCreateGroupOp, nvgpu::DeviceAsyncWaitOp>(op))
      return WalkResult::advance();
    auto interface = llvm::dyn_cast<MemoryEffectOpInterface>(op);
    if (!interface) {
      if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>() || isMemoryEffectFree(op))
        return WalkResult::advance();
      return WalkResult::interrupt();
    }
    SmallVector<MemoryEffects::EffectInstance> effects;
    interface.getEffects(effects);
    for (const MemoryEffects::EffectInstance &effect : effects) {
      bool write = llvm::isa<MemoryEffects::Write>(effect.getEffect());
      if (!write && !llvm::isa<MemoryEffects::Read>(effect.getEffect()))
        continue;
      Value value = effect.getValue();
      if (!value || !llvm::isa<BaseMemRefType>(value.getType()))
        return WalkResult::interrupt();
      Access access = accessOf(value, node);
      // A buffer the node allocates itself is its own; another value made
      // in the node (a memref an scf.if yields) may be anything.
      if (node->isAncestor(access.root.getParentRegion()->getParentOp())) {
        if (isAllocation(access.root))
          continue;
        return WalkResult::interrupt();
      }
      access.write = write;
      accesses.push_back(access);
    }
    return WalkResult::advance();
  });
  return !result.wasInterrupted();
}

/// Whether two accesses may touch the same memory. Distinct roots of
/// known kinds never do: the function's allocations are its own, globals
/// of different names are different, and the generated header requires
/// the caller's outputs to overlap no input and no other output (the CPU
/// kernels rely on that too). Any other root (a memref an scf.if or a
/// select yields) may be any of them.
bool mayOverlap(const Access &a, const Access &b) {
  auto globalOf = [](Value v) { return v.getDefiningOp<memref::GetGlobalOp>(); };
  bool same = a.root == b.root;
  if (memref::GetGlobalOp x = globalOf(a.root), y = globalOf(b.root); x && y)
    same = x.getName() == y.getName();
  if (same)
    return a.first <= b.last && b.first <= a.last;
  auto isFunctionArgument = [](Value v) {
    auto argument = llvm::dyn_cast<BlockArgument>(v);
    return argument && llvm::isa<FunctionOpInterface>(argument.getOwner()->getParentOp());
  };
  auto isKnown = [&](Value v) { return isFunctionArgument(v) || isAllocation(v) || globalOf(v); };
  return !(isKnown(a.root) && isKnown(b.root));
}

bool conflict(const Node &a, const Node &b) {
  if (a.opaque || b.opaque)
    return true;
  for (const Access &x : a.accesses)
    for (const Access &y : b.accesses)
      if ((x.write || y.write) && mayOverlap(x, y))
        return true;
  return false;
}

/// The top-level ops in `body` whose results `op` (or its regions) uses,
/// looking through free ops.
void collectDefinitions(Operation *op, Block &body, SmallVectorImpl<Operation *> &defs) {
  llvm::SetVector<Value> used;
  used.insert(op->getOperands().begin(), op->getOperands().end());
  getUsedValuesDefinedAbove(op->getRegions(), used);
  for (Value value : used)
    if (Operation *def = value.getDefiningOp(); def && def->getBlock() == &body)
      defs.push_back(def);
}

struct ScheduleWavesPass : impl::ScheduleWavesBase<ScheduleWavesPass> {
  using ScheduleWavesBase::ScheduleWavesBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal() || !func.getBody().hasOneBlock())
      return;
    Block &body = func.getBody().front();
    // (Waves of an earlier run would merge with this run's.)
    for (Operation &op : body)
      op.removeAttr(kWaveAttr);
    SmallVector<Node> nodes;
    DenseMap<Operation *, unsigned> nodeOf;
    for (Operation &op : body.without_terminator()) {
      if (isFree(&op))
        continue;
      Node node{&op};
      node.opaque = !collectAccesses(&op, node.accesses);
      if (isBlockLoop(&op))
        describeKernel(llvm::cast<scf::ForallOp>(op), node);
      nodeOf[&op] = nodes.size();
      nodes.push_back(std::move(node));
    }
    if (nodes.size() < 2)
      return;

    // What each node waits for: earlier nodes it conflicts with, and the
    // nodes whose results it uses (through free ops).
    for (unsigned j = 0; j < nodes.size(); ++j) {
      llvm::SmallSetVector<unsigned, 8> predecessors;
      for (unsigned i = 0; i < j; ++i)
        if (conflict(nodes[i], nodes[j]))
          predecessors.insert(i);
      SmallVector<Operation *> worklist;
      DenseSet<Operation *> seen;
      collectDefinitions(nodes[j].op, body, worklist);
      while (!worklist.empty()) {
        Operation *def = worklist.pop_back_val();
        if (!seen.insert(def).second)
          continue;
        if (auto it = nodeOf.find(def); it != nodeOf.end())
          predecessors.insert(it->second);
        else
          collectDefinitions(def, body, worklist);
      }
      nodes[j].predecessors = predecessors.takeVector();
    }

    // List scheduling in program order.
    SmallVector<bool> placed(nodes.size(), false);
    SmallVector<SmallVector<unsigned>> waves;
    unsigned next = 0;
    while (next < nodes.size()) {
      SmallVector<unsigned> wave = {next};
      auto ready = [&](unsigned k) {
        return llvm::all_of(nodes[k].predecessors, [&](unsigned p) { return placed[p]; });
      };
      if (small(nodes[next]))
        for (unsigned k = next + 1; k < nodes.size() && wave.size() < kMaxWaveKernels; ++k)
          if (!placed[k] && small(nodes[k]) && ready(k) && compatible(nodes, wave, k))
            wave.push_back(k);
      for (unsigned k : wave)
        placed[k] = true;
      waves.push_back(std::move(wave));
      while (next < nodes.size() && placed[next])
        ++next;
    }

    // The new order: each wave's members after what they use, next to one
    // another.
    Operation *terminator = body.getTerminator();
    SmallVector<Operation *> rest =
        llvm::map_to_vector(body.without_terminator(), [](Operation &op) { return &op; });
    DenseSet<Operation *> moved;
    std::function<void(Operation *)> placeDefinitions = [&](Operation *op) {
      SmallVector<Operation *> defs;
      collectDefinitions(op, body, defs);
      for (Operation *def : defs)
        if (!nodeOf.contains(def) && moved.insert(def).second) {
          placeDefinitions(def);
          def->moveBefore(terminator);
        }
    };
    OpBuilder b(&getContext());
    int64_t waveNumber = 0;
    for (ArrayRef<unsigned> wave : waves) {
      for (unsigned k : wave)
        placeDefinitions(nodes[k].op);
      for (unsigned k : wave) {
        nodes[k].op->moveBefore(terminator);
        if (wave.size() > 1)
          nodes[k].op->setAttr(kWaveAttr, b.getI64IntegerAttr(waveNumber));
      }
      ++waveNumber;
    }
    // What the terminator uses, then the rest: free ops no node uses
    // (dead ones go: at the end, a view would extend its buffer's lifetime
    // in the workspace plan) and what uses their results, in their order.
    placeDefinitions(terminator);
    DenseSet<Operation *> erased;
    for (Operation *op : llvm::reverse(rest))
      if (!moved.contains(op) && !nodeOf.contains(op) && isOpTriviallyDead(op)) {
        erased.insert(op);
        op->erase();
      }
    for (Operation *op : rest)
      if (!moved.contains(op) && !nodeOf.contains(op) && !erased.contains(op)) {
        placeDefinitions(op);
        moved.insert(op);
        op->moveBefore(terminator);
      }
  }

  void describeKernel(scf::ForallOp loop, Node &node) {
    FailureOr<cpu::StaticForallBounds> grid = cpu::getStaticBounds(loop);
    if (failed(grid))
      return;
    node.kernel = true;
    node.blocks = grid->total;
    for (Operation &op : loop.getBody()->without_terminator()) {
      auto threads = llvm::dyn_cast<scf::ForallOp>(op);
      if (threads && isMappedTo(threads, /*blocks=*/false)) {
        FailureOr<cpu::StaticForallBounds> block = cpu::getStaticBounds(threads);
        if (failed(block)) {
          node.kernel = false;
          return;
        }
        node.threads = block->total;
      }
      if (auto alloc = llvm::dyn_cast<memref::AllocOp>(op);
          alloc && alloc.getType().getMemorySpace() && alloc.getType().hasStaticShape())
        node.workgroupBytes += alloc.getType().getNumElements() *
                               ((alloc.getType().getElementTypeBitWidth() + 7) / 8);
    }
    node.collective = containsAllThreadsOp(loop);
  }

  /// A kernel that leaves most of the GPU idle.
  bool small(const Node &node) const {
    return node.kernel && !node.opaque && node.blocks < multiprocessors;
  }

  /// Whether `k` can join `wave` in one launch: the launch has as many
  /// threads a block as its largest member, so a member with fewer must
  /// have none that all of a block's threads take part in (a barrier, a
  /// shuffle); and the members' workgroup memory must fit one block.
  bool compatible(ArrayRef<Node> nodes, ArrayRef<unsigned> wave, unsigned k) const {
    int64_t threads = nodes[k].threads, bytes = nodes[k].workgroupBytes;
    for (unsigned m : wave) {
      threads = std::max(threads, nodes[m].threads);
      bytes += nodes[m].workgroupBytes;
      if (conflict(nodes[m], nodes[k]))
        return false;
    }
    if (bytes > kStaticWorkgroupBytes)
      return false;
    auto fits = [&](const Node &n) { return n.threads == threads || !n.collective; };
    return fits(nodes[k]) && llvm::all_of(wave, [&](unsigned m) { return fits(nodes[m]); });
  }
};

} // namespace
} // namespace kiln::gpu

//===- PlanWorkspace.cpp - Static workspace offsets for all buffers -------===//
//
// The generated code never allocates: every intermediate buffer lives at a
// compile-time offset in one caller-provided workspace. Buffers that are
// never live at the same time share bytes. Lifetimes are measured on the
// top-level op order of the function, which after bufferization is the
// execution order; a use nested in a loop counts as a use by the whole loop.
// GPU kernels that run as one launch (kiln.wave) count as one point in time.
//
// A buffer allocated inside a parallel loop (a task's private tile: a
// product's intermediate whose consumer the task computes too) gets one
// slot per iteration of that loop, the iteration's slot chosen by its
// induction variables: tasks that run at once never share bytes. The
// slots are per iteration, not per thread (the number of threads is chosen
// at run time), so they take as many bytes as the whole loop's tiles.
//
// Unless the tiles are small: buffers made directly in a (CPU) parallel
// loop's body, up to kMaxTaskStackBytes of them a loop, go on the stack of
// the thread that runs the iteration instead (memref.alloca, which
// kiln-outline-parallel-loops allocates once per task call, at the task's
// entry, where its iterations share it). A run then needs that many bytes
// of stack per thread besides the workspace, not one tile per iteration:
// the audio CNN's first layer has 83 tasks of a 1.5 KiB tile
// (docs/performance.md, twenty-fourth round). The module records the most
// one loop takes (kTaskStackSizeAttr), which the header states.
//
//===----------------------------------------------------------------------===//

#include "passes/dispatch/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace kiln::dispatch {
#define GEN_PASS_DEF_PLANWORKSPACE
#include "passes/dispatch/Passes.h.inc"
} // namespace kiln::dispatch

using namespace mlir;

namespace kiln::dispatch {
namespace {

constexpr int64_t kAlignment = 64;

/// The most bytes of task-private buffers one parallel loop puts on the
/// stack rather than in the workspace: far below the 8 MiB a Linux thread's
/// stack has by default.
constexpr int64_t kMaxTaskStackBytes = 32 * 1024;

struct Buffer {
  memref::AllocOp alloc;
  scf::ForallOp forall; // the parallel loop it is private to, if any
  int64_t slotSize = 0; // bytes of one iteration's slot
  int64_t size = 0;  // bytes, rounded up to the alignment
  int64_t first = 0; // top-level position of the allocation
  int64_t last = 0;  // top-level position of the last use of any alias
  int64_t offset = -1;
};

/// The ancestor of `op` that sits directly in `block`.
Operation *topLevelAncestor(Operation *op, Block &block) {
  while (op && op->getBlock() != &block)
    op = op->getParentOp();
  return op;
}

/// The last top-level position where `root` or a view of it is used.
int64_t lastUse(Value root, Block &block, const DenseMap<Operation *, int64_t> &position) {
  int64_t last = 0;
  SmallVector<Value> worklist = {root};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      // A dealloc ends the lifetime; it is not a use (and is erased).
      if (llvm::isa<memref::DeallocOp>(user))
        continue;
      Operation *top = topLevelAncestor(user, block);
      last = std::max(last, position.lookup(top));
      if (auto view = llvm::dyn_cast<ViewLikeOpInterface>(user))
        if (view.getViewSource() == v)
          llvm::append_range(worklist, user->getResults());
    }
  }
  return last;
}

/// Replaces `alloc` by `memory` (a view of the workspace, or a stack
/// buffer); its deallocs go with it.
void replaceAlloc(memref::AllocOp alloc, Value memory) {
  for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
    if (llvm::isa<memref::DeallocOp>(user))
      user->erase();
  alloc.replaceAllUsesWith(memory);
  alloc.erase();
}

int64_t alignUp(int64_t bytes) { return (bytes + kAlignment - 1) / kAlignment * kAlignment; }

/// The number of iterations of `forall`, when its bounds are constants.
std::optional<int64_t> iterationCount(scf::ForallOp forall) {
  int64_t count = 1;
  for (auto [lb, ub, step] : llvm::zip(forall.getStaticLowerBound(),
                                       forall.getStaticUpperBound(), forall.getStaticStep())) {
    if (ShapedType::isDynamic(lb) || ShapedType::isDynamic(ub) || ShapedType::isDynamic(step))
      return std::nullopt;
    count *= step > 0 && ub > lb ? (ub - lb + step - 1) / step : 0;
  }
  return count;
}

/// The index of the current iteration of `forall` (row-major over its
/// dimensions), built at `b`'s insertion point inside it.
Value iterationIndex(OpBuilder &b, Location loc, scf::ForallOp forall) {
  ArrayRef<int64_t> lbs = forall.getStaticLowerBound(), ubs = forall.getStaticUpperBound(),
                    steps = forall.getStaticStep();
  Value index = arith::ConstantIndexOp::create(b, loc, 0);
  for (auto [iv, lb, ub, step] : llvm::zip(forall.getInductionVars(), lbs, ubs, steps)) {
    int64_t count = (ub - lb + step - 1) / step;
    Value scaled = arith::MulIOp::create(b, loc, index,
                                         arith::ConstantIndexOp::create(b, loc, count));
    Value position = arith::DivUIOp::create(
        b, loc, arith::SubIOp::create(b, loc, iv, arith::ConstantIndexOp::create(b, loc, lb)),
        arith::ConstantIndexOp::create(b, loc, step));
    index = arith::AddIOp::create(b, loc, scaled, position);
  }
  return index;
}

/// Greedy placement in the given order: each buffer at the lowest offset
/// that does not overlap a placed buffer whose lifetime intersects its own.
/// Returns the workspace size.
int64_t placeInOrder(ArrayRef<Buffer *> order) {
  int64_t total = 0;
  SmallVector<Buffer *> placed;
  for (Buffer *b : order) {
    SmallVector<std::pair<int64_t, int64_t>> taken;
    for (Buffer *p : placed)
      if (p->first <= b->last && b->first <= p->last)
        taken.push_back({p->offset, p->offset + p->size});
    llvm::sort(taken);
    int64_t offset = 0;
    for (auto [start, end] : taken) {
      if (offset + b->size <= start)
        break;
      offset = std::max(offset, end);
    }
    b->offset = offset;
    total = std::max(total, offset + b->size);
    placed.push_back(b);
  }
  return total;
}

/// The smallest of the greedy placements in three orders: largest buffers
/// first, longest-lived first, and largest size x lifetime first. None is
/// best for every model: largest-first alone left ResNet-50's workspace 5%
/// above the most bytes ever live at once, which another order reaches.
int64_t placeBuffers(MutableArrayRef<Buffer> buffers) {
  using Key = std::pair<int64_t, int64_t> (*)(const Buffer &);
  const Key keys[] = {
      [](const Buffer &b) { return std::make_pair(b.size, -b.first); },
      [](const Buffer &b) { return std::make_pair(b.last - b.first, b.size); },
      [](const Buffer &b) { return std::make_pair(b.size * (b.last - b.first + 1), b.size); },
  };
  int64_t best = -1;
  SmallVector<int64_t> bestOffsets;
  for (Key key : keys) {
    SmallVector<Buffer *> order;
    for (Buffer &b : buffers)
      order.push_back(&b);
    llvm::stable_sort(order, [&](Buffer *a, Buffer *b) { return key(*a) > key(*b); });
    int64_t total = placeInOrder(order);
    if (best < 0 || total < best) {
      best = total;
      bestOffsets = llvm::map_to_vector(buffers, [](const Buffer &b) { return b.offset; });
    }
  }
  for (auto [b, offset] : llvm::zip(buffers, bestOffsets))
    b.offset = offset;
  return std::max<int64_t>(best, 0);
}

struct PlanWorkspacePass : impl::PlanWorkspaceBase<PlanWorkspacePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>("main");
    if (!func || func.isExternal()) {
      module.emitError("internal error: no @main function to plan");
      return signalPassFailure();
    }
    Block &body = func.getBody().front();
    DenseMap<Operation *, int64_t> position;
    int64_t index = 0;
    for (Operation &op : body)
      position[&op] = index++;
    // The kernels of a wave (kWaveAttr) run at once: a lifetime that
    // starts or ends within a wave's span covers all of it.
    DenseMap<Attribute, std::pair<int64_t, int64_t>> waveSpans;
    for (Operation &op : body)
      if (Attribute wave = op.getAttr(kWaveAttr)) {
        auto [it, inserted] = waveSpans.try_emplace(wave, position[&op], position[&op]);
        it->second.second = position[&op];
      }
    auto widen = [&](Buffer &b) {
      for (bool changed = true; changed;) {
        changed = false;
        for (auto &[wave, span] : waveSpans) {
          if (span.first < b.first && b.first <= span.second) {
            b.first = span.first;
            changed = true;
          }
          if (span.first <= b.last && b.last < span.second) {
            b.last = span.second;
            changed = true;
          }
        }
      }
    };

    SmallVector<Buffer> buffers;
    bool failedPlan = false;
    // Task-private tiles that go on the stack, and the bytes each parallel
    // loop's take.
    SmallVector<memref::AllocOp> stackTiles;
    DenseMap<Operation *, int64_t> stackBytes;
    func.walk([&](memref::AllocOp alloc) {
      MemRefType type = alloc.getType();
      // Memory of another space (a GPU block's workgroup buffer) is not the
      // workspace's: the code generator that made it places it.
      if (type.getMemorySpace())
        return;
      if (!type.hasStaticShape() || !type.getLayout().isIdentity()) {
        alloc.emitError("internal error: buffer ") << type << " has no static size";
        failedPlan = true;
        return;
      }
      Buffer b;
      b.alloc = alloc;
      // The LLVM lowering gives every element whole bytes (an i1 takes
      // one), so sub-byte elements are not packed.
      int64_t elementBytes = (type.getElementTypeBitWidth() + 7) / 8;
      b.size = alignUp(std::max<int64_t>(type.getNumElements() * elementBytes, 1));
      if ((b.forall = alloc->getParentOfType<scf::ForallOp>())) {
        std::optional<int64_t> count = iterationCount(b.forall);
        if (!count || b.forall->getParentOfType<scf::ForallOp>()) {
          alloc.emitError("internal error: buffer allocated inside a parallel loop without "
                          "constant bounds, or inside nested ones");
          failedPlan = true;
          return;
        }
        // CPU tasks only: a GPU kernel's (mapped) loop shares one slot
        // among a block's threads, which a per-thread stack buffer would not.
        int64_t &onStack = stackBytes[b.forall];
        bool cpuTask = !b.forall.getMapping() || b.forall.getMapping()->empty();
        if (cpuTask && alloc->getParentOp() == b.forall.getOperation() &&
            onStack + b.size <= kMaxTaskStackBytes) {
          onStack += b.size;
          stackTiles.push_back(alloc);
          return;
        }
        b.slotSize = b.size;
        b.size = b.slotSize * std::max<int64_t>(*count, 1);
      }
      b.first = position.lookup(topLevelAncestor(alloc, body));
      b.last = std::max(b.first, lastUse(alloc.getResult(), body, position));
      widen(b);
      buffers.push_back(b);
    });
    if (failedPlan)
      return signalPassFailure();

    for (memref::AllocOp alloc : stackTiles) {
      OpBuilder builder(alloc);
      replaceAlloc(alloc, memref::AllocaOp::create(builder, alloc.getLoc(), alloc.getType(),
                                                   builder.getI64IntegerAttr(kAlignment)));
    }

    int64_t total = placeBuffers(buffers);
    OpBuilder builder(&getContext());
    auto workspaceType = MemRefType::get({total}, builder.getI8Type());
    unsigned argIndex = func.getNumArguments();
    if (failed(func.insertArgument(argIndex, workspaceType,
                                   builder.getDictionaryAttr(builder.getNamedAttr(
                                       kWorkspaceArgAttr, builder.getUnitAttr())),
                                   func.getLoc())))
      return signalPassFailure();
    Value workspace = func.getArgument(argIndex);

    for (Buffer &b : buffers) {
      builder.setInsertionPoint(b.alloc);
      Location loc = b.alloc.getLoc();
      Value offset = arith::ConstantIndexOp::create(builder, loc, b.offset);
      if (b.forall)
        offset = arith::AddIOp::create(
            builder, loc, offset,
            arith::MulIOp::create(builder, loc, iterationIndex(builder, loc, b.forall),
                                  arith::ConstantIndexOp::create(builder, loc, b.slotSize)));
      replaceAlloc(b.alloc, memref::ViewOp::create(builder, loc, b.alloc.getType(), workspace,
                                                   offset, ValueRange{}));
    }
    module->setAttr(kWorkspaceSizeAttr, builder.getI64IntegerAttr(total));
    int64_t taskStack = 0;
    for (auto &entry : stackBytes)
      taskStack = std::max(taskStack, entry.second);
    if (taskStack > 0)
      module->setAttr(kTaskStackSizeAttr, builder.getI64IntegerAttr(taskStack));
  }
};

} // namespace
} // namespace kiln::dispatch

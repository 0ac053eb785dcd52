//===- InstrumentAccesses.cpp - Checks and profiles of emulated kernels ---===//
//
// Two passes that instrument every access of a gpu.launch to workgroup or
// global memory with a call into the runtime, for the CPU emulation:
//
// - kiln-check-races: checks every access to workgroup memory against the
//   other threads' accesses since the last barrier, and every access to
//   global memory against the other blocks' accesses in the same launch
//   and its block's since the last barrier (runtime/src/race_check.c);
// - kiln-profile-memory: reports each access with its thread and block,
//   and the runtime counts what the warps' requests cost: shared-memory
//   wavefronts (bank conflicts) and global sectors (coalescing)
//   (runtime/src/memory_profile.c).
//
// See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "codegen/NodeName.h"
#include "codegen/gpu/Mapping.h"
#include "codegen/gpu/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_CHECKRACES
#define GEN_PASS_DEF_PROFILEMEMORY
#include "codegen/gpu/Passes.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace kiln::gpu {
namespace {

constexpr llvm::StringLiteral kHook = "kiln_rt_race_check";
constexpr llvm::StringLiteral kGlobalHook = "kiln_rt_global_race_check";
constexpr llvm::StringLiteral kLaunchHook = "kiln_rt_race_launch";
constexpr llvm::StringLiteral kProfileHook = "kiln_rt_memory_profile";
constexpr llvm::StringLiteral kProfileLaunchHook = "kiln_rt_memory_profile_launch";

/// runtime/src/race_check.c keeps a thread id + 1 in 16 bits, and 0xffff
/// for "two or more readers".
constexpr int64_t kMostThreads = (1 << 16) - 2;

/// What a race message calls the kernel code of an access at `access` in
/// a launch at `launch`: the node the access's location names (so that a
/// merged launch's members are told apart), else the launch's, else the
/// access's location.
std::string describe(Location access, Location launch) {
  std::optional<StringRef> node = nodeNameOf(access);
  if (!node)
    node = nodeNameOf(launch);
  if (node)
    return ("node '" + *node + "'").str();
  std::string text;
  llvm::raw_string_ostream(text) << access;
  return text;
}

/// The bytes an element of `memref` takes.
int64_t elementBytes(Value memref) {
  return llvm::divideCeil(llvm::cast<MemRefType>(memref.getType()).getElementTypeBitWidth(), 8);
}

/// The alignment an access of `memref` without an alignment attribute
/// has: an int or float element's size (at least a byte), else 1 (other
/// element types are refused where they matter: globalAccesses).
int64_t naturalAlignment(Value memref) {
  Type element = llvm::cast<MemRefType>(memref.getType()).getElementType();
  return element.isIntOrFloat() ? std::max<int64_t>(1, elementBytes(memref)) : 1;
}

/// What a load, store, vector load or vector store accesses: `count`
/// consecutive elements of `memref` from `indices` on, as one access whose
/// address must be a multiple of `alignment` bytes: the op's alignment
/// attribute (what LLVM's NVPTX back end relies on to make a vector access
/// one instruction, which faults where the address is not a multiple of
/// it), else an element's size.
struct MemoryAccess {
  Value memref;
  ValueRange indices;
  int64_t count = 1;
  bool write = false;
  int64_t alignment = 1;
};

std::optional<MemoryAccess> memoryAccess(Operation *op) {
  auto access = [](Value memref, ValueRange indices, int64_t count, bool write,
                   std::optional<uint64_t> alignment) {
    return MemoryAccess{memref, indices, count, write,
                        alignment ? static_cast<int64_t>(*alignment) : naturalAlignment(memref)};
  };
  if (auto load = llvm::dyn_cast<memref::LoadOp>(op))
    return access(load.getMemRef(), load.getIndices(), 1, false, load.getAlignment());
  if (auto store = llvm::dyn_cast<memref::StoreOp>(op))
    return access(store.getMemRef(), store.getIndices(), 1, true, store.getAlignment());
  if (auto load = llvm::dyn_cast<vector::LoadOp>(op))
    return access(load.getBase(), load.getIndices(), load.getVectorType().getNumElements(), false,
                  load.getAlignment());
  if (auto store = llvm::dyn_cast<vector::StoreOp>(op))
    return access(store.getBase(), store.getIndices(), store.getVectorType().getNumElements(),
                  true, store.getAlignment());
  return std::nullopt;
}

/// The row-major index ((i0 * d1 + i1) * d2 + i2) ... of `indices` in a
/// buffer of sizes `sizes` (d0, d1, ...; d0 unused); 0 for a rank-0 buffer.
Value rowMajor(OpBuilder &b, Location loc, ValueRange indices, ValueRange sizes) {
  if (indices.empty())
    return arith::ConstantIndexOp::create(b, loc, 0);
  Value element = indices.front();
  for (unsigned dim = 1; dim < indices.size(); ++dim) {
    Value rows = arith::MulIOp::create(b, loc, element, sizes[dim]);
    element = arith::AddIOp::create(b, loc, rows, indices[dim]);
  }
  return element;
}

/// Where an access of global memory lies in its buffer: the view's
/// metadata, and the first element's offset from the buffer's aligned
/// pointer (the view's offset plus its indices times strides), in
/// elements.
struct GlobalPlace {
  memref::ExtractStridedMetadataOp metadata;
  Value linear;
};

GlobalPlace globalPlace(OpBuilder &b, Location at, Value memref, ValueRange indices) {
  auto metadata = memref::ExtractStridedMetadataOp::create(b, at, memref);
  Value linear = metadata.getOffset();
  for (auto [index, stride] : llvm::zip(indices, metadata.getStrides()))
    linear = arith::AddIOp::create(b, at, linear, arith::MulIOp::create(b, at, index, stride));
  return {metadata, linear};
}

/// A load or store of global memory inside a launch: of a view of a buffer
/// from outside the launch (an argument, an allocation, a global), or of
/// a global the launch reads itself.
struct GlobalAccess {
  Operation *op;
  /// Whether the model may write the buffer (not a graph input or a
  /// constant global): only then are its accesses tracked for races.
  bool tracked;
};

class Instrumenter {
public:
  Instrumenter(ModuleOp module, SymbolTable &symbols) : module(module), symbols(symbols) {}

  /// kiln-check-races.
  LogicalResult run(mlir::gpu::LaunchOp launch);
  /// kiln-profile-memory: the accesses of blocks below `blocks` (all where
  /// 0) are profiled.
  LogicalResult profile(mlir::gpu::LaunchOp launch, int64_t blocks);

private:
  /// The launch's thread count (its block size must be constant; `what`
  /// names the instrumentation for the error).
  FailureOr<int64_t> threadCount(mlir::gpu::LaunchOp launch, StringRef what);
  /// The thread's and the block's linear ids, computed at the top of the
  /// launch's body.
  std::pair<Value, Value> linearIds(OpBuilder &b, mlir::gpu::LaunchOp launch);
  FailureOr<func::FuncOp> hook(Location loc, StringRef name, unsigned arguments);
  Value text(OpBuilder &b, Location loc, StringRef text);
  /// (`what` names the instrumentation in errors: "check the races of".)
  LogicalResult globalAccesses(mlir::gpu::LaunchOp launch, SmallVectorImpl<GlobalAccess> &found,
                               StringRef what);

  ModuleOp module;
  SymbolTable &symbols;
  /// One constant global a text.
  llvm::StringMap<memref::GlobalOp> texts;
  /// The numbers kiln-profile-memory gave the sites of earlier launches
  /// (one an op of their bodies).
  int64_t sites = 0;
};

/// The declaration of runtime function `name`, of `arguments` index
/// arguments and no results.
FailureOr<func::FuncOp> Instrumenter::hook(Location loc, StringRef name, unsigned arguments) {
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  Type index = b.getIndexType();
  FunctionType type = b.getFunctionType(SmallVector<Type>(arguments, index), {});
  if (auto existing = symbols.lookup<func::FuncOp>(name)) {
    if (existing.getFunctionType() != type)
      return existing.emitError("internal error: ") << name << " is declared with another type";
    return existing;
  }
  auto declared = func::FuncOp::create(b, loc, name, type);
  declared.setPrivate();
  symbols.insert(declared);
  return declared;
}

/// A pointer to NUL-terminated `text` (a private constant global of the
/// module, one a text).
Value Instrumenter::text(OpBuilder &b, Location loc, StringRef text) {
  memref::GlobalOp &global = texts[text];
  auto type = MemRefType::get({static_cast<int64_t>(text.size()) + 1}, b.getI8Type());
  if (!global) {
    SmallVector<int8_t> bytes(text.begin(), text.end());
    bytes.push_back(0);
    OpBuilder atTop = OpBuilder::atBlockBegin(module.getBody());
    global = memref::GlobalOp::create(
        atTop, loc, "kiln_race_kernel", atTop.getStringAttr("private"), type,
        DenseElementsAttr::get(RankedTensorType::get(type.getShape(), b.getI8Type()),
                               ArrayRef<int8_t>(bytes)),
        /*constant=*/true, /*alignment=*/nullptr);
    symbols.insert(global); // renames it if taken
  }
  Value view = memref::GetGlobalOp::create(b, loc, type, global.getSymName());
  return memref::ExtractAlignedPointerAsIndexOp::create(b, loc, view);
}

/// Collects the launch's loads and stores of global memory; fails on
/// another op that reads or writes it.
LogicalResult Instrumenter::globalAccesses(mlir::gpu::LaunchOp launch,
                                           SmallVectorImpl<GlobalAccess> &found, StringRef what) {
  Region &body = launch.getBody();
  // What memory `root` (a viewRoot) is.
  enum class Memory { Local, Untracked, Tracked, Unknown };
  auto classify = [&](Value root) {
    if (auto get = root.getDefiningOp<memref::GetGlobalOp>()) {
      auto global = symbols.lookup<memref::GlobalOp>(get.getName());
      return global && global.getConstant() ? Memory::Untracked : Memory::Tracked;
    }
    if (!body.isAncestor(root.getParentRegion()))
      return isGraphInput(root) ? Memory::Untracked : Memory::Tracked;
    // Made inside the launch: a thread's own buffer, or the launch's
    // workgroup or private attributions, are not global; a memref the
    // kernel gets otherwise (a loop's or a branch's result) is unknown.
    if (root.getDefiningOp<memref::AllocaOp>() || root.getDefiningOp<memref::AllocOp>() ||
        (llvm::isa<BlockArgument>(root) && root.getParentRegion() == &body))
      return Memory::Local;
    return Memory::Unknown;
  };
  WalkResult walk = body.walk([&](Operation *op) {
    if (std::optional<MemoryAccess> access = memoryAccess(op)) {
      Value memref = access->memref;
      Memory memory = classify(viewRoot(memref));
      if (memory == Memory::Local)
        return WalkResult::advance();
      if (memory == Memory::Unknown) {
        op->emitError("internal error: cannot ") << what << " a "
            << op->getName() << " of a memref the kernel computes";
        return WalkResult::interrupt();
      }
      if (!llvm::cast<MemRefType>(memref.getType()).getElementType().isIntOrFloat()) {
        op->emitError("internal error: cannot ") << what << " a "
            << op->getName() << " of " << memref.getType();
        return WalkResult::interrupt();
      }
      // (A store's value, or a load's result.)
      Type value = op->getNumResults() ? op->getResult(0).getType() : op->getOperand(0).getType();
      auto vector = llvm::dyn_cast<VectorType>(value);
      if (vector && vector.getRank() != 1) {
        op->emitError("internal error: cannot ") << what << " a "
            << op->getName() << " of " << vector << " in global memory";
        return WalkResult::interrupt();
      }
      if (!llvm::cast<MemRefType>(memref.getType()).isStrided()) {
        op->emitError("internal error: cannot ") << what << " a "
            << op->getName() << " of " << memref.getType();
        return WalkResult::interrupt();
      }
      found.push_back({op, memory == Memory::Tracked});
      return WalkResult::advance();
    }
    // Any other op that reads or writes a global buffer is unexpected.
    auto effects = llvm::dyn_cast<MemoryEffectOpInterface>(op);
    if (effects && !effects.hasEffect<MemoryEffects::Read>() &&
        !effects.hasEffect<MemoryEffects::Write>())
      return WalkResult::advance();
    for (Value operand : op->getOperands())
      if (llvm::isa<MemRefType>(operand.getType()) &&
          classify(viewRoot(operand)) != Memory::Local) {
        op->emitError("internal error: cannot ") << what << " a "
            << op->getName() << " of global memory";
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

FailureOr<int64_t> Instrumenter::threadCount(mlir::gpu::LaunchOp launch, StringRef what) {
  std::optional<int64_t> sizes[3] = {getConstantIntValue(launch.getBlockSizeX()),
                                     getConstantIntValue(launch.getBlockSizeY()),
                                     getConstantIntValue(launch.getBlockSizeZ())};
  if (!sizes[0] || !sizes[1] || !sizes[2])
    return launch.emitError("internal error: cannot ")
           << what << " a launch whose block size is not constant";
  return *sizes[0] * *sizes[1] * *sizes[2];
}

std::pair<Value, Value> Instrumenter::linearIds(OpBuilder &b, mlir::gpu::LaunchOp launch) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  Location loc = launch.getLoc();
  mlir::gpu::KernelDim3 tid = launch.getThreadIds(), bid = launch.getBlockIds(),
                        block = launch.getBlockSize(), grid = launch.getGridSize();
  return {linearId(b, loc, tid.x, tid.y, tid.z, block.x, block.y),
          linearId(b, loc, bid.x, bid.y, bid.z, grid.x, grid.y)};
}

LogicalResult Instrumenter::run(mlir::gpu::LaunchOp launch) {
  SmallVector<BlockArgument> buffers(launch.getWorkgroupAttributions());
  SmallVector<GlobalAccess> globals;
  if (failed(globalAccesses(launch, globals, "check the races of")))
    return failure();
  if (buffers.empty() && globals.empty())
    return success();
  Location loc = launch.getLoc();
  FailureOr<int64_t> counted = threadCount(launch, "check the races of");
  if (failed(counted))
    return failure();
  int64_t threads = *counted;
  if (threads > kMostThreads)
    return launch.emitError("internal error: cannot check the races of a block of ")
           << threads << " threads";
  // Each access of workgroup memory, before any op is added.
  SmallVector<std::pair<Operation *, unsigned>> accesses;
  for (auto [index, buffer] : llvm::enumerate(buffers)) {
    auto type = llvm::cast<MemRefType>(buffer.getType());
    if (!type.hasStaticShape() || !type.getLayout().isIdentity())
      return launch.emitError("internal error: cannot check the races of workgroup buffer ")
             << type;
    for (Operation *user : buffer.getUsers()) {
      if (!isWorkgroupAccess(user))
        return user->emitError("internal error: cannot check the races of a ")
               << user->getName() << " of workgroup memory";
      VectorType values;
      if (auto load = llvm::dyn_cast<vector::LoadOp>(user))
        values = load.getVectorType();
      if (auto store = llvm::dyn_cast<vector::StoreOp>(user))
        values = store.getVectorType();
      if (values && values.getRank() != 1)
        return user->emitError("internal error: cannot check the races of a ")
               << user->getName() << " of " << values;
      accesses.push_back({user, static_cast<unsigned>(index)});
    }
  }
  // The runtime's functions this launch calls.
  FailureOr<func::FuncOp> check = func::FuncOp(), globalCheck = func::FuncOp();
  if (!accesses.empty())
    check = hook(loc, kHook, 12);
  if (!globals.empty())
    globalCheck = hook(loc, kGlobalHook, 15);
  FailureOr<func::FuncOp> launched = hook(loc, kLaunchHook, 0);
  if (failed(check) || failed(globalCheck) || failed(launched))
    return failure();
  SmallVector<mlir::gpu::BarrierOp> barriers;
  launch.getBody().walk([&](mlir::gpu::BarrierOp barrier) { barriers.push_back(barrier); });

  // Global memory's table starts a new launch.
  OpBuilder b(launch);
  func::CallOp::create(b, loc, *launched, ValueRange{});

  // Two shadow words an element of each workgroup buffer (its writer, its
  // readers), and, where there are barriers, each thread's epoch, in
  // workgroup memory.
  Attribute workgroup =
      mlir::gpu::AddressSpaceAttr::get(launch.getContext(), mlir::gpu::AddressSpace::Workgroup);
  Type i64 = b.getI64Type();
  SmallVector<std::pair<Value, Value>> shadows;
  for (BlockArgument buffer : buffers) {
    auto shadow = MemRefType::get({llvm::cast<MemRefType>(buffer.getType()).getNumElements()},
                                  i64, MemRefLayoutAttrInterface(), workgroup);
    shadows.push_back({launch.addWorkgroupAttribution(shadow, loc),
                       launch.addWorkgroupAttribution(shadow, loc)});
  }
  Value epochs;
  if (!buffers.empty() || !barriers.empty())
    epochs = launch.addWorkgroupAttribution(
        MemRefType::get({threads}, i64, MemRefLayoutAttrInterface(), workgroup), loc);

  // At the start: the thread's and block's linear ids, the shadow words
  // zeroed (each thread a strided share), epoch 1, and a barrier.
  Value thread, blockId;
  std::tie(thread, blockId) = linearIds(b, launch);
  b.setInsertionPointAfter(blockId.getDefiningOp());
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  Value zero = arith::ConstantIntOp::create(b, loc, i64, 0);
  for (auto [buffer, shadow] : llvm::zip(buffers, shadows)) {
    int64_t elements = llvm::cast<MemRefType>(buffer.getType()).getNumElements();
    auto loop = scf::ForOp::create(b, loc, thread, c(elements), c(threads));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    memref::StoreOp::create(b, loc, zero, shadow.first, loop.getInductionVar());
    memref::StoreOp::create(b, loc, zero, shadow.second, loop.getInductionVar());
  }
  if (epochs)
    memref::StoreOp::create(b, loc, arith::ConstantIntOp::create(b, loc, i64, 1), epochs,
                            thread);
  if (!buffers.empty())
    mlir::gpu::BarrierOp::create(b, loc);

  // Each barrier starts the next epoch.
  for (mlir::gpu::BarrierOp barrier : barriers) {
    b.setInsertionPointAfter(barrier);
    Value epoch = memref::LoadOp::create(b, loc, epochs, thread);
    memref::StoreOp::create(
        b, loc, arith::AddIOp::create(b, loc, epoch, arith::ConstantIntOp::create(b, loc, i64, 1)),
        epochs, thread);
  }
  // The thread's epoch at `at` (1 throughout a launch without barriers).
  auto epochAt = [&](Location at) {
    if (!epochs)
      return c(1);
    return arith::IndexCastOp::create(b, at, b.getIndexType(),
                                      memref::LoadOp::create(b, at, epochs, thread))
        .getResult();
  };

  // Each access is checked first.
  for (auto [access, index] : accesses) {
    b.setInsertionPoint(access);
    Location at = access->getLoc();
    auto type = llvm::cast<MemRefType>(buffers[index].getType());
    auto [memref, indices, count, write, alignment] = *memoryAccess(access);
    // The buffer starts kWorkgroupAlignment aligned, on the GPU and
    // emulated: an access is aligned where its element is a multiple of
    // its alignment in elements.
    if (alignment > kWorkgroupAlignment)
      return access->emitError("internal error: a ")
             << access->getName() << " of workgroup memory wants " << alignment
             << "-byte alignment, more than the buffer's " << kWorkgroupAlignment;
    int64_t alignedElements =
        std::max<int64_t>(1, alignment / std::max<int64_t>(1, elementBytes(memref)));
    SmallVector<Value> sizes = llvm::map_to_vector(type.getShape(), c);
    Value element = rowMajor(b, at, indices, sizes);
    Value epoch = epochAt(at);
    auto [writes, reads] = shadows[index];
    auto pointer = [&](Value memref) {
      return memref::ExtractAlignedPointerAsIndexOp::create(b, at, memref).getResult();
    };
    func::CallOp::create(b, at, *check,
                         ValueRange{pointer(writes), pointer(reads), element, c(count),
                                    c(alignedElements), thread, epoch, c(write), blockId, c(index),
                                    c(type.getNumElements()), text(b, at, describe(at, loc))});
  }

  // Each access of global memory: its first element's address (the
  // view's aligned pointer plus its offset and indices times strides, in
  // bytes), its row-major index in the view, and where it leaves the view:
  // the first dimension whose index (the last element's, along the
  // innermost) is not below its size, that index and size (-1, 0, 0 inside).
  for (GlobalAccess access : globals) {
    Operation *op = access.op;
    b.setInsertionPoint(op);
    Location at = op->getLoc();
    auto [memref, indices, count, write, alignment] = *memoryAccess(op);
    auto type = llvm::cast<MemRefType>(memref.getType());
    int64_t bytes = elementBytes(memref);
    auto [metadata, linear] = globalPlace(b, at, memref, indices);
    Value element = rowMajor(b, at, indices, metadata.getSizes());
    SmallVector<std::pair<Value, Value>> extents; // (last index, size) a dimension
    for (auto [dim, index] : llvm::enumerate(indices)) {
      Value size = metadata.getSizes()[dim];
      Value last = dim + 1 == indices.size() && count > 1
                       ? arith::AddIOp::create(b, at, index, c(count - 1)).getResult()
                       : index;
      extents.push_back({last, size});
    }
    Value outside = c(-1), outsideIndex = c(0), outsideSize = c(0);
    for (int64_t dim = static_cast<int64_t>(extents.size()) - 1; dim >= 0; --dim) {
      auto [last, size] = extents[dim];
      Value past = arith::CmpIOp::create(b, at, arith::CmpIPredicate::uge, last, size);
      outside = arith::SelectOp::create(b, at, past, c(dim), outside);
      outsideIndex = arith::SelectOp::create(b, at, past, last, outsideIndex);
      outsideSize = arith::SelectOp::create(b, at, past, size, outsideSize);
    }
    Value stride = indices.empty() ? c(0) : metadata.getStrides().back();
    Value address = arith::AddIOp::create(
        b, at, memref::ExtractAlignedPointerAsIndexOp::create(b, at, memref),
        arith::MulIOp::create(b, at, linear, c(bytes)));
    std::string buffer;
    llvm::raw_string_ostream(buffer) << type;
    func::CallOp::create(
        b, at, *globalCheck,
        ValueRange{address, c(count), arith::MulIOp::create(b, at, stride, c(bytes)),
                   c(alignment), outside, outsideIndex, outsideSize, element, thread, epochAt(at),
                   c(write), blockId, c(access.tracked), text(b, at, describe(at, loc)),
                   text(b, at, buffer)});
  }
  return success();
}

LogicalResult Instrumenter::profile(mlir::gpu::LaunchOp launch, int64_t blocks) {
  SmallVector<GlobalAccess> globals;
  if (failed(globalAccesses(launch, globals, "profile")))
    return failure();
  // Each access of workgroup memory, with its buffer's index.
  SmallVector<std::pair<Operation *, unsigned>> shared;
  for (auto [index, buffer] : llvm::enumerate(launch.getWorkgroupAttributions())) {
    auto type = llvm::cast<MemRefType>(buffer.getType());
    if (!type.hasStaticShape() || !type.getLayout().isIdentity())
      return launch.emitError("internal error: cannot profile workgroup buffer ") << type;
    for (Operation *user : buffer.getUsers()) {
      if (!memoryAccess(user))
        return user->emitError("internal error: cannot profile a ")
               << user->getName() << " of workgroup memory";
      shared.push_back({user, static_cast<unsigned>(index)});
    }
  }
  if (shared.empty() && globals.empty())
    return success();
  FailureOr<int64_t> threads = threadCount(launch, "profile");
  if (failed(threads))
    return failure();
  Location loc = launch.getLoc();
  FailureOr<func::FuncOp> hooked = hook(loc, kProfileHook, 12);
  FailureOr<func::FuncOp> launched = hook(loc, kProfileLaunchHook, 0);
  if (failed(hooked) || failed(launched))
    return failure();

  // The runtime tells launches apart by this call before each.
  OpBuilder b(launch);
  func::CallOp::create(b, loc, *launched, ValueRange{});
  Value thread, blockId;
  std::tie(thread, blockId) = linearIds(b, launch);

  // Each access reports its site (a description, and a number: the
  // module's sites in order), its first byte's offset from its buffer's
  // start, its element count, the bytes from one element to the next, the
  // element's bytes, the memory (0 workgroup, 1 global), whether it
  // writes, and its thread and block.
  // (Sites are numbered in the body's order.)
  llvm::DenseMap<Operation *, int64_t> order;
  launch.getBody().walk([&](Operation *op) { order[op] = static_cast<int64_t>(order.size()); });
  int64_t first = sites;
  auto report = [&](Operation *op, StringRef memory, Value offset, Value stride, int64_t space) {
    Location at = op->getLoc();
    auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, at, v).getResult(); };
    auto [memref, indices, count, write, alignment] = *memoryAccess(op);
    std::string site;
    llvm::raw_string_ostream os(site);
    // (The type without its memory space, which `memory` names.)
    auto type = llvm::cast<MemRefType>(memref.getType());
    os << describe(at, loc) << ": " << op->getName() << " of " << memory << " "
       << MemRefType::get(type.getShape(), type.getElementType(), type.getLayout());
    int64_t bytes = elementBytes(memref);
    func::CallOp::create(b, at, *hooked,
                         ValueRange{text(b, at, site), c(first + order[op]), arith::MulIOp::create(b, at, offset, c(bytes)),
                                    c(count), arith::MulIOp::create(b, at, stride, c(bytes)),
                                    c(bytes), c(space), c(write), thread, c(*threads), blockId,
                                    c(blocks)});
  };
  for (auto [op, index] : shared) {
    b.setInsertionPoint(op);
    Location at = op->getLoc();
    MemoryAccess what = *memoryAccess(op);
    auto type = llvm::cast<MemRefType>(what.memref.getType());
    SmallVector<Value> sizes;
    for (int64_t size : type.getShape())
      sizes.push_back(arith::ConstantIndexOp::create(b, at, size));
    Value element = rowMajor(b, at, what.indices, sizes);
    report(op, ("workgroup buffer " + Twine(index)).str(), element,
           arith::ConstantIndexOp::create(b, at, 1), 0);
  }
  for (GlobalAccess access : globals) {
    b.setInsertionPoint(access.op);
    MemoryAccess what = *memoryAccess(access.op);
    GlobalPlace place = globalPlace(b, access.op->getLoc(), what.memref, what.indices);
    Value stride = what.indices.empty()
                       ? arith::ConstantIndexOp::create(b, access.op->getLoc(), 0).getResult()
                       : place.metadata.getStrides().back();
    report(access.op, "global", place.linear, stride, 1);
  }
  sites += static_cast<int64_t>(order.size());
  return success();
}

/// Runs `instrument` on every launch of `module`.
LogicalResult instrumentLaunches(
    ModuleOp module, llvm::function_ref<LogicalResult(Instrumenter &, mlir::gpu::LaunchOp)> instrument) {
  SymbolTable symbols(module);
  Instrumenter instrumenter(module, symbols);
  SmallVector<mlir::gpu::LaunchOp> launches;
  module.walk([&](mlir::gpu::LaunchOp launch) { launches.push_back(launch); });
  for (mlir::gpu::LaunchOp launch : launches)
    if (failed(instrument(instrumenter, launch)))
      return failure();
  return success();
}

struct CheckRacesPass : impl::CheckRacesBase<CheckRacesPass> {
  void runOnOperation() override {
    if (failed(instrumentLaunches(getOperation(), [](Instrumenter &i, mlir::gpu::LaunchOp launch) {
          return i.run(launch);
        })))
      signalPassFailure();
  }
};

struct ProfileMemoryPass : impl::ProfileMemoryBase<ProfileMemoryPass> {
  using ProfileMemoryBase::ProfileMemoryBase;
  void runOnOperation() override {
    if (failed(instrumentLaunches(getOperation(), [&](Instrumenter &i, mlir::gpu::LaunchOp launch) {
          return i.profile(launch, blocks);
        })))
      signalPassFailure();
  }
};

} // namespace
} // namespace kiln::gpu

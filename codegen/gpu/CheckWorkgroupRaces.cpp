//===- CheckWorkgroupRaces.cpp - Race checks on workgroup memory ----------===//
//
// kiln-check-workgroup-races: instruments each gpu.launch so that, emulated
// on the CPU, it checks every access to its workgroup memory against the
// other threads' accesses since the last barrier (runtime/src/race_check.c).
// See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "codegen/NodeName.h"
#include "codegen/gpu/Mapping.h"
#include "codegen/gpu/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/SymbolTable.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_CHECKWORKGROUPRACES
#include "codegen/gpu/Passes.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace kiln::gpu {
namespace {

constexpr llvm::StringLiteral kHook = "kiln_rt_race_check";

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

class Instrumenter {
public:
  Instrumenter(ModuleOp module, SymbolTable &symbols) : module(module), symbols(symbols) {}

  LogicalResult run(mlir::gpu::LaunchOp launch);

private:
  FailureOr<func::FuncOp> hook(Location loc);
  Value description(OpBuilder &b, Location access, Location launch);

  ModuleOp module;
  SymbolTable &symbols;
  func::FuncOp declared;
  /// One constant global a description.
  llvm::StringMap<memref::GlobalOp> descriptions;
};

FailureOr<func::FuncOp> Instrumenter::hook(Location loc) {
  if (declared)
    return declared;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  Type index = b.getIndexType();
  FunctionType type = b.getFunctionType(SmallVector<Type>(11, index), {});
  if (auto existing = symbols.lookup<func::FuncOp>(kHook)) {
    if (existing.getFunctionType() != type)
      return existing.emitError("internal error: ") << kHook << " is declared with another type";
    return declared = existing;
  }
  declared = func::FuncOp::create(b, loc, kHook, type);
  declared.setPrivate();
  symbols.insert(declared);
  return declared;
}

/// A pointer to the NUL-terminated description of an access at `access`
/// in a launch at `launch` (a private constant global of the module, one a
/// description).
Value Instrumenter::description(OpBuilder &b, Location access, Location launch) {
  Location loc = access;
  std::string text = describe(access, launch);
  memref::GlobalOp &global = descriptions[text];
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

LogicalResult Instrumenter::run(mlir::gpu::LaunchOp launch) {
  SmallVector<BlockArgument> buffers(launch.getWorkgroupAttributions());
  if (buffers.empty())
    return success();
  Location loc = launch.getLoc();
  std::optional<int64_t> sizes[3] = {getConstantIntValue(launch.getBlockSizeX()),
                                     getConstantIntValue(launch.getBlockSizeY()),
                                     getConstantIntValue(launch.getBlockSizeZ())};
  if (!sizes[0] || !sizes[1] || !sizes[2])
    return launch.emitError("internal error: cannot check the races of a launch whose "
                            "block size is not constant");
  int64_t threads = *sizes[0] * *sizes[1] * *sizes[2];
  if (threads > kMostThreads)
    return launch.emitError("internal error: cannot check the races of a block of ")
           << threads << " threads";
  // Each access, before any op is added.
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
      if (auto load = llvm::dyn_cast<vector::LoadOp>(user);
          load && load.getVectorType().getRank() != 1)
        return user->emitError("internal error: cannot check the races of a vector.load of ")
               << load.getVectorType();
      accesses.push_back({user, static_cast<unsigned>(index)});
    }
  }
  FailureOr<func::FuncOp> check = hook(loc);
  if (failed(check))
    return failure();
  SmallVector<mlir::gpu::BarrierOp> barriers;
  launch.getBody().walk([&](mlir::gpu::BarrierOp barrier) { barriers.push_back(barrier); });

  // Two shadow words an element (its writer, its readers), and each
  // thread's epoch, in workgroup memory.
  Attribute workgroup =
      mlir::gpu::AddressSpaceAttr::get(launch.getContext(), mlir::gpu::AddressSpace::Workgroup);
  OpBuilder b(launch.getContext());
  Type i64 = b.getI64Type();
  SmallVector<std::pair<Value, Value>> shadows;
  for (BlockArgument buffer : buffers) {
    auto shadow = MemRefType::get({llvm::cast<MemRefType>(buffer.getType()).getNumElements()},
                                  i64, MemRefLayoutAttrInterface(), workgroup);
    shadows.push_back({launch.addWorkgroupAttribution(shadow, loc),
                       launch.addWorkgroupAttribution(shadow, loc)});
  }
  Value epochs = launch.addWorkgroupAttribution(
      MemRefType::get({threads}, i64, MemRefLayoutAttrInterface(), workgroup), loc);

  // At the start: the thread's and block's linear ids, the shadow words
  // zeroed (each thread a strided share), epoch 1, and a barrier.
  b.setInsertionPointToStart(&launch.getBody().front());
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  mlir::gpu::KernelDim3 tid = launch.getThreadIds(), bid = launch.getBlockIds(),
                        block = launch.getBlockSize(), grid = launch.getGridSize();
  Value thread = linearId(b, loc, tid.x, tid.y, tid.z, block.x, block.y);
  Value blockId = linearId(b, loc, bid.x, bid.y, bid.z, grid.x, grid.y);
  Value zero = arith::ConstantIntOp::create(b, loc, i64, 0);
  for (auto [buffer, shadow] : llvm::zip(buffers, shadows)) {
    int64_t elements = llvm::cast<MemRefType>(buffer.getType()).getNumElements();
    auto loop = scf::ForOp::create(b, loc, thread, c(elements), c(threads));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    memref::StoreOp::create(b, loc, zero, shadow.first, loop.getInductionVar());
    memref::StoreOp::create(b, loc, zero, shadow.second, loop.getInductionVar());
  }
  memref::StoreOp::create(b, loc, arith::ConstantIntOp::create(b, loc, i64, 1), epochs, thread);
  mlir::gpu::BarrierOp::create(b, loc);

  // Each barrier starts the next epoch.
  for (mlir::gpu::BarrierOp barrier : barriers) {
    b.setInsertionPointAfter(barrier);
    Value epoch = memref::LoadOp::create(b, loc, epochs, thread);
    memref::StoreOp::create(
        b, loc, arith::AddIOp::create(b, loc, epoch, arith::ConstantIntOp::create(b, loc, i64, 1)),
        epochs, thread);
  }

  // Each access is checked first.
  for (auto [access, index] : accesses) {
    b.setInsertionPoint(access);
    Location at = access->getLoc();
    auto type = llvm::cast<MemRefType>(buffers[index].getType());
    ValueRange indices;
    int64_t count = 1;
    bool write = llvm::isa<memref::StoreOp>(access);
    if (auto load = llvm::dyn_cast<memref::LoadOp>(access))
      indices = load.getIndices();
    else if (auto store = llvm::dyn_cast<memref::StoreOp>(access))
      indices = store.getIndices();
    else {
      auto vectorLoad = llvm::cast<vector::LoadOp>(access);
      indices = vectorLoad.getIndices();
      count = vectorLoad.getVectorType().getNumElements();
    }
    // Row-major: ((i0 * d1 + i1) * d2 + i2) ...; 0 for a rank-0 buffer.
    Value element = indices.empty() ? c(0) : indices.front();
    for (unsigned dim = 1; dim < indices.size(); ++dim) {
      Value rows = arith::MulIOp::create(b, at, element, c(type.getDimSize(dim)));
      element = arith::AddIOp::create(b, at, rows, indices[dim]);
    }
    Value epoch = arith::IndexCastOp::create(b, at, b.getIndexType(),
                                             memref::LoadOp::create(b, at, epochs, thread));
    auto [writes, reads] = shadows[index];
    auto pointer = [&](Value memref) {
      return memref::ExtractAlignedPointerAsIndexOp::create(b, at, memref).getResult();
    };
    func::CallOp::create(b, at, *check,
                         ValueRange{pointer(writes), pointer(reads), element, c(count), thread,
                                    epoch, c(write), blockId, c(index), c(type.getNumElements()),
                                    description(b, at, loc)});
  }
  return success();
}

struct CheckWorkgroupRacesPass : impl::CheckWorkgroupRacesBase<CheckWorkgroupRacesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    Instrumenter instrumenter(module, symbols);
    SmallVector<mlir::gpu::LaunchOp> launches;
    module.walk([&](mlir::gpu::LaunchOp launch) { launches.push_back(launch); });
    for (mlir::gpu::LaunchOp launch : launches)
      if (failed(instrumenter.run(launch)))
        return signalPassFailure();
  }
};

} // namespace
} // namespace kiln::gpu

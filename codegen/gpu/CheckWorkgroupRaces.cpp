//===- CheckWorkgroupRaces.cpp - Race checks on workgroup memory ----------===//
//
// kiln-check-workgroup-races: instruments each gpu.launch so that, emulated
// on the CPU, it checks every access to its workgroup memory against the
// other threads' accesses since the last barrier (runtime/src/race_check.c).
// See Passes.td.
//
//===----------------------------------------------------------------------===//

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

/// What a race message calls the kernel of `launch`: the model node its
/// location names (the importers' NameLoc), else the location.
std::string describe(mlir::gpu::LaunchOp launch) {
  std::string name;
  launch.getLoc()->walk([&](Location inner) {
    if (auto named = llvm::dyn_cast<NameLoc>(inner)) {
      name = "node '" + named.getName().str() + "'";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (name.empty())
    llvm::raw_string_ostream(name) << launch.getLoc();
  return name;
}

class Instrumenter {
public:
  Instrumenter(ModuleOp module, SymbolTable &symbols) : module(module), symbols(symbols) {}

  LogicalResult run(mlir::gpu::LaunchOp launch);

private:
  func::FuncOp hook(Location loc);
  Value kernelName(OpBuilder &b, mlir::gpu::LaunchOp launch);
  static Value pointer(OpBuilder &b, Location loc, Value memref);

  ModuleOp module;
  SymbolTable &symbols;
  func::FuncOp declared;
};

func::FuncOp Instrumenter::hook(Location loc) {
  if (declared)
    return declared;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  Type index = b.getIndexType();
  declared = func::FuncOp::create(b, loc, kHook,
                                  b.getFunctionType(SmallVector<Type>(10, index), {}));
  declared.setPrivate();
  symbols.insert(declared);
  return declared;
}

/// A pointer to the NUL-terminated description of `launch`'s kernel (a
/// private constant global of the module).
Value Instrumenter::kernelName(OpBuilder &b, mlir::gpu::LaunchOp launch) {
  std::string text = describe(launch);
  SmallVector<int8_t> bytes(text.begin(), text.end());
  bytes.push_back(0);
  auto type = MemRefType::get({static_cast<int64_t>(bytes.size())}, b.getI8Type());
  OpBuilder global = OpBuilder::atBlockBegin(module.getBody());
  auto name = memref::GlobalOp::create(
      global, launch.getLoc(), "kiln_race_kernel", global.getStringAttr("private"), type,
      DenseElementsAttr::get(RankedTensorType::get(type.getShape(), b.getI8Type()),
                             ArrayRef<int8_t>(bytes)),
      /*constant=*/true, /*alignment=*/nullptr);
  symbols.insert(name); // renames it if taken
  Value view = memref::GetGlobalOp::create(b, launch.getLoc(), type, name.getSymName());
  return pointer(b, launch.getLoc(), view);
}

Value Instrumenter::pointer(OpBuilder &b, Location loc, Value memref) {
  return memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
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
  // Each access, before any op is added.
  SmallVector<std::pair<Operation *, unsigned>> accesses;
  for (auto [index, buffer] : llvm::enumerate(buffers)) {
    auto type = llvm::cast<MemRefType>(buffer.getType());
    if (!type.hasStaticShape() || !type.getLayout().isIdentity())
      return launch.emitError("internal error: cannot check the races of workgroup buffer ")
             << type;
    for (Operation *user : buffer.getUsers()) {
      if (!llvm::isa<memref::LoadOp, memref::StoreOp, vector::LoadOp>(user))
        return user->emitError("internal error: cannot check the races of a ")
               << user->getName() << " of workgroup memory";
      if (auto load = llvm::dyn_cast<vector::LoadOp>(user);
          load && load.getVectorType().getRank() != 1)
        return user->emitError("internal error: cannot check the races of a vector.load of ")
               << load.getVectorType();
      accesses.push_back({user, static_cast<unsigned>(index)});
    }
  }
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
  auto linear = [&](mlir::gpu::KernelDim3 ids, mlir::gpu::KernelDim3 dims) {
    Value inner = arith::AddIOp::create(b, loc, ids.y, arith::MulIOp::create(b, loc, dims.y, ids.z));
    return arith::AddIOp::create(b, loc, ids.x, arith::MulIOp::create(b, loc, dims.x, inner))
        .getResult();
  };
  Value thread = linear(launch.getThreadIds(), launch.getBlockSize());
  Value block = linear(launch.getBlockIds(), launch.getGridSize());
  Value name = kernelName(b, launch);
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
  func::FuncOp check = hook(loc);
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
    // Row-major: ((i0 * d1 + i1) * d2 + i2) ...
    Value element = indices.front();
    for (unsigned dim = 1; dim < indices.size(); ++dim)
      element = arith::AddIOp::create(
          b, at, arith::MulIOp::create(b, at, element, c(type.getDimSize(dim))), indices[dim]);
    Value epoch = arith::IndexCastOp::create(
        b, at, b.getIndexType(), memref::LoadOp::create(b, at, epochs, thread));
    auto [writes, reads] = shadows[index];
    func::CallOp::create(b, at, check,
                         ValueRange{pointer(b, at, writes), pointer(b, at, reads), element,
                                    c(count), thread, epoch, c(write), block, c(index), name});
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

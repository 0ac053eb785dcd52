//===- LowerGpuHost.cpp - Host side of a GPU model ------------------------===//
//
// On the host, a GPU model is a sequence of kernel launches on one stream:
// every buffer is a device pointer (caller's inputs and outputs, the
// context's workspace and weights) that host code only offsets, never reads.
// Each gpu.launch_func becomes kiln_rt_gpu_launch(ctx, kernel index, grid,
// block, shared bytes, stream, params), where params is the array of
// pointers to argument values cuLaunchKernel expects (buffers as device
// pointers, matching the kernels' bare-pointer calling convention). Launch
// errors are sticky in the runtime context, so the generated code has no
// branches; the entry point returns the context's status at the end.
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/Passes.h"

#include "codegen/cpu/MemRefDescriptors.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_LOWERGPUHOST
#include "codegen/gpu/Passes.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace kiln::gpu {
namespace {

func::FuncOp declare(ModuleOp module, StringRef name, FunctionType type) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto decl = func::FuncOp::create(b, module.getLoc(), name, type);
  decl.setPrivate();
  return decl;
}

/// The device address a buffer argument passes, as an i64. Kernels use the
/// bare-pointer calling convention: they receive the aligned base pointer and
/// apply the (static) offset and strides of the argument's type themselves.
Value devicePointer(OpBuilder &b, Location loc, Value memref) {
  Value aligned = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), aligned);
}

/// True for ops that read or write memory the host must not touch.
bool touchesBuffers(Operation *op) {
  if (llvm::isa<LLVM::LLVMDialect>(op->getDialect()) || llvm::isa<func::CallOp>(op))
    return false; // The parameter arrays built here and runtime calls.
  auto effects = llvm::dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects)
    return op->getNumRegions() == 0 && !isPure(op);
  return effects.hasEffect<MemoryEffects::Read>() || effects.hasEffect<MemoryEffects::Write>();
}

struct LowerGpuHostPass : impl::LowerGpuHostBase<LowerGpuHostPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main || main.isExternal()) {
      module.emitError("internal error: no @main for the GPU host code");
      return signalPassFailure();
    }

    // The kernels' PTX, from the one serialized module.
    SmallVector<mlir::gpu::BinaryOp> binaries(module.getOps<mlir::gpu::BinaryOp>());
    if (binaries.size() > 1) {
      module.emitError("internal error: expected one GPU binary, found ") << binaries.size();
      return signalPassFailure();
    }
    std::string ptx;
    if (!binaries.empty()) {
      auto object = llvm::cast<mlir::gpu::ObjectAttr>(binaries.front().getObjects()[0]);
      ptx = object.getObject().str();
      binaries.front().erase();
    }

    OpBuilder b(ctx);
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    Type i32 = b.getI32Type(), i64 = b.getI64Type();
    func::FuncOp launchFn = declare(
        module, "kiln_rt_gpu_launch",
        b.getFunctionType({ptr, i32, i32, i32, i32, i32, i32, i32, i32, ptr, ptr}, {}));
    func::FuncOp workspaceFn = declare(module, "kiln_rt_gpu_workspace",
                                       b.getFunctionType({ptr}, {ptr}));
    func::FuncOp weightsFn = declare(module, "kiln_rt_gpu_weights",
                                     b.getFunctionType({ptr}, {ptr}));
    func::FuncOp statusFn = declare(module, "kiln_rt_gpu_status",
                                    b.getFunctionType({ptr}, {i32}));

    // @main gets the runtime context and the stream as its last arguments.
    unsigned contextIndex = main.getNumArguments();
    if (failed(main.insertArgument(contextIndex, ptr, {}, main.getLoc())) ||
        failed(main.insertArgument(contextIndex + 1, ptr, {}, main.getLoc())))
      return signalPassFailure();
    Value context = main.getArgument(contextIndex);
    Value stream = main.getArgument(contextIndex + 1);

    SmallVector<Attribute> kernelNames;
    llvm::StringMap<int> kernelIndex;
    SmallVector<mlir::gpu::LaunchFuncOp> launches;
    main.walk([&](mlir::gpu::LaunchFuncOp launch) { launches.push_back(launch); });
    Block &entryBlock = main.getBody().front();
    for (mlir::gpu::LaunchFuncOp launch : launches) {
      Location loc = launch.getLoc();
      StringRef name = launch.getKernelName().getValue();
      auto [it, inserted] = kernelIndex.try_emplace(name, kernelNames.size());
      if (inserted)
        kernelNames.push_back(b.getStringAttr(name));

      // Parameter slots and the pointer array, allocated once at entry.
      ValueRange operands = launch.getKernelOperands();
      int64_t n = std::max<size_t>(operands.size(), 1);
      auto slotsType = LLVM::LLVMArrayType::get(i64, n);
      auto pointersType = LLVM::LLVMArrayType::get(ptr, n);
      Value slots, pointers;
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&entryBlock);
        Value one = LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(1));
        slots = LLVM::AllocaOp::create(b, loc, ptr, slotsType, one, 8);
        pointers = LLVM::AllocaOp::create(b, loc, ptr, pointersType, one, 8);
      }
      b.setInsertionPoint(launch);
      for (auto [i, value] : llvm::enumerate(operands)) {
        Value slot = LLVM::GEPOp::create(b, loc, ptr, slotsType, slots,
                                         ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
        Type type = value.getType();
        Value stored;
        if (llvm::isa<MemRefType>(type))
          stored = devicePointer(b, loc, value);
        else if (llvm::isa<IndexType>(type))
          stored = arith::IndexCastOp::create(b, loc, i64, value);
        else if (type.isIntOrFloat())
          stored = value;
        if (!stored) {
          launch.emitError("internal error: kernel argument of type ") << type;
          return signalPassFailure();
        }
        LLVM::StoreOp::create(b, loc, stored, slot);
        Value entry = LLVM::GEPOp::create(b, loc, ptr, pointersType, pointers,
                                          ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
        LLVM::StoreOp::create(b, loc, slot, entry);
      }
      auto asI32 = [&](Value index) -> Value {
        return arith::IndexCastOp::create(b, loc, i32, index);
      };
      Value shared = launch.getDynamicSharedMemorySize();
      if (!shared)
        shared = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
      Value kernel = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(it->second));
      func::CallOp::create(
          b, loc, launchFn,
          ValueRange{context, kernel, asI32(launch.getGridSizeX()), asI32(launch.getGridSizeY()),
                     asI32(launch.getGridSizeZ()), asI32(launch.getBlockSizeX()),
                     asI32(launch.getBlockSizeY()), asI32(launch.getBlockSizeZ()), shared,
                     stream, pointers});
      launch.erase();
    }

    // Host code only computes addresses; anything reading or writing a
    // buffer here would dereference device memory on the CPU.
    WalkResult walk = main.walk([&](Operation *op) {
      if (op == main.getOperation() || !touchesBuffers(op))
        return WalkResult::advance();
      op->emitError("internal error: host code of a GPU model accesses a buffer (")
          << op->getName() << ")";
      return WalkResult::interrupt();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();

    // int kiln_model_gpu_entry(ctx, device_inputs, device_outputs, stream)
    b.setInsertionPointToEnd(module.getBody());
    Location loc = main.getLoc();
    auto entry = func::FuncOp::create(b, loc, kGpuEntryName,
                                      b.getFunctionType({ptr, ptr, ptr, ptr}, {i32}));
    Block *block = entry.addEntryBlock();
    b.setInsertionPointToStart(block);
    Value entryContext = block->getArgument(0);
    Value workspace = func::CallOp::create(b, loc, workspaceFn, entryContext).getResult(0);
    Value weights = func::CallOp::create(b, loc, weightsFn, entryContext).getResult(0);
    FailureOr<SmallVector<Value>> operands =
        cpu::buildModelArguments(b, loc, main, contextIndex, block->getArgument(1),
                                 block->getArgument(2), workspace, weights);
    if (failed(operands))
      return signalPassFailure();
    operands->push_back(entryContext);
    operands->push_back(block->getArgument(3));
    func::CallOp::create(b, loc, main, *operands);
    Value status = func::CallOp::create(b, loc, statusFn, entryContext).getResult(0);
    func::ReturnOp::create(b, loc, status);
    main.setPrivate();

    module->setAttr(kPtxAttr, b.getStringAttr(ptx));
    module->setAttr(kKernelsAttr, b.getArrayAttr(kernelNames));
    module->removeAttr(mlir::gpu::GPUDialect::getContainerModuleAttrName());
  }
};

} // namespace
} // namespace kiln::gpu

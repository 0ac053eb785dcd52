//===- CreateEntryPoint.cpp - The C entry point of a compiled model -------===//

#include "codegen/cpu/MemRefDescriptors.h"
#include "codegen/cpu/Passes.h"

#include "passes/dispatch/Passes.h"
#include "passes/graph/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_CREATEENTRYPOINT
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace kiln::cpu {
namespace {

constexpr llvm::StringLiteral kNumThreadsName = "kiln_rt_get_num_threads";
constexpr llvm::StringLiteral kFirstRunName = "kiln_rt_first_run";
constexpr llvm::StringLiteral kTouchPagesName = "kiln_rt_touch_pages";
/// The model's first-run flag (kiln_rt_first_run).
constexpr llvm::StringLiteral kFirstRunFlagName = "__kiln_first_run";
/// Constants of at least this many bytes have their pages mapped on the
/// first run; smaller ones share a page with others or are read at once.
constexpr int64_t kTouchedConstantBytes = 4096;
/// Each image's part of the workspace starts on a cache line.
constexpr int64_t kImageWorkspaceAlignment = 64;

struct CreateEntryPointPass : impl::CreateEntryPointBase<CreateEntryPointPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main || main.isExternal() || main.getNumResults() != 0) {
      module.emitError("internal error: expected a bufferized @main without results");
      return signalPassFailure();
    }
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    Location loc = main.getLoc();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto entry = func::FuncOp::create(b, loc, kEntryPointName,
                                      b.getFunctionType({ptr, ptr, ptr}, {}));
    Block *block = entry.addEntryBlock();
    b.setInsertionPointToStart(block);
    Value inputs = block->getArgument(0), outputs = block->getArgument(1),
          workspace = block->getArgument(2);
    touchConstantsOnFirstRun(b, loc);
    auto images = main->getAttrOfType<IntegerAttr>(graph::kBatchImagesAttr);
    if (failed(images ? callPerImage(b, loc, main, images.getInt(), inputs, outputs, workspace)
                      : callMain(b, loc, main, inputs, outputs, workspace, ImageOffsets())))
      return signalPassFailure();
    func::ReturnOp::create(b, loc);
    main.setPrivate();
  }

  /// A private function declaration `name` of `type` in the module.
  func::FuncOp declare(OpBuilder &b, Location loc, StringRef name, FunctionType type) {
    ModuleOp module = getOperation();
    if (auto existing = module.lookupSymbol<func::FuncOp>(name))
      return existing;
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    auto decl = func::FuncOp::create(b, loc, name, type);
    decl.setPrivate();
    return decl;
  }

  /// On the model's first run (kiln_rt_first_run on a flag of its own), the
  /// pages of its constants of kTouchedConstantBytes or more are mapped
  /// (kiln_rt_touch_pages) before @main reads them: the products'
  /// next-panel prefetches of pages not mapped yet are dropped after a page
  /// walk each, many times per panel (kiln/runtime.h). Later runs pay a
  /// call that loads the flag.
  void touchConstantsOnFirstRun(OpBuilder &b, Location loc) {
    ModuleOp module = getOperation();
    SmallVector<memref::GlobalOp> constants;
    // Bytes of a constant (i1 elements take a byte each).
    auto bytesOf = [](MemRefType type) {
      return type.getNumElements() *
             static_cast<int64_t>(llvm::divideCeil(type.getElementTypeBitWidth(), 8));
    };
    for (auto global : module.getOps<memref::GlobalOp>()) {
      MemRefType type = global.getType();
      if (global.getConstant() && global.getInitialValue() && type.hasStaticShape() &&
          !type.getMemorySpace() && type.getElementType().isIntOrFloat() &&
          bytesOf(type) >= kTouchedConstantBytes)
        constants.push_back(global);
    }
    if (constants.empty())
      return;
    MLIRContext *ctx = b.getContext();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto flagType = MemRefType::get({}, b.getI32Type());
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(module.getBody());
      memref::GlobalOp::create(b, loc, kFirstRunFlagName, b.getStringAttr("private"), flagType,
                               DenseElementsAttr::get(RankedTensorType::get({}, b.getI32Type()),
                                                      b.getI32IntegerAttr(0).getValue()),
                               /*constant=*/false, /*alignment=*/IntegerAttr());
    }
    func::FuncOp firstRun = declare(b, loc, kFirstRunName, b.getFunctionType({ptr}, {b.getI32Type()}));
    func::FuncOp touch = declare(b, loc, kTouchPagesName, b.getFunctionType({ptr, b.getI64Type()}, {}));
    // The address of a global's data, as a pointer.
    auto address = [&](Value memref) -> Value {
      Value index = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
      Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
      return LLVM::IntToPtrOp::create(b, loc, ptr, i64);
    };
    Value flag = memref::GetGlobalOp::create(b, loc, flagType, kFirstRunFlagName);
    Value first = func::CallOp::create(b, loc, firstRun, ValueRange{address(flag)}).getResult(0);
    Value isFirst = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, first,
                                          arith::ConstantIntOp::create(b, loc, b.getI32Type(), 0));
    auto ifFirst = scf::IfOp::create(b, loc, isFirst, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(ifFirst.thenBlock()->getTerminator());
    for (memref::GlobalOp global : constants) {
      MemRefType type = global.getType();
      Value data = memref::GetGlobalOp::create(b, loc, type, global.getSymName());
      Value bytes = arith::ConstantIntOp::create(b, loc, b.getI64Type(), bytesOf(type));
      func::CallOp::create(b, loc, touch, ValueRange{address(data), bytes});
    }
  }

  /// Where one image's buffers start: its index in the inputs and outputs,
  /// and the byte offset of its part of the workspace.
  struct ImageOffsets {
    Value image, workspaceOffset;
  };

  static LogicalResult callMain(OpBuilder &b, Location loc, func::FuncOp main,
                                Value inputs, Value outputs, Value workspace,
                                ImageOffsets offsets) {
    FailureOr<SmallVector<Value>> operands =
        buildModelArguments(b, loc, main, main.getNumArguments(), inputs, outputs,
                            workspace, Value(), offsets.image, offsets.workspaceOffset);
    if (failed(operands))
      return failure();
    func::CallOp::create(b, loc, main, *operands);
    return success();
  }

  /// A model split by kiln-split-batch: @main computes one image. When the
  /// threads divide the images evenly, the images are spread over the
  /// threads, each image with a workspace of its own (nested parallel loops
  /// run on their caller's thread); otherwise (9 images on 8 threads would
  /// take two images' time) the images run one after the other, each with
  /// all the threads, in the first image's workspace.
  LogicalResult callPerImage(OpBuilder &b, Location loc, func::FuncOp main,
                             int64_t images, Value inputs, Value outputs,
                             Value workspace) {
    ModuleOp module = getOperation();
    int64_t perImage = 0;
    if (auto size = module->getAttrOfType<IntegerAttr>(dispatch::kWorkspaceSizeAttr)) {
      perImage = llvm::alignTo(size.getInt(), kImageWorkspaceAlignment);
      module->setAttr(dispatch::kWorkspaceSizeAttr,
                      b.getI64IntegerAttr(perImage * images));
    }
    func::FuncOp threadCount =
        declare(b, loc, kNumThreadsName, b.getFunctionType({}, {b.getI32Type()}));
    Value threads = arith::ExtSIOp::create(
        b, loc, b.getI64Type(),
        func::CallOp::create(b, loc, threadCount, ValueRange()).getResult(0));
    Value remainder = arith::RemSIOp::create(
        b, loc, arith::ConstantIntOp::create(b, loc, b.getI64Type(), images), threads);
    Value spread = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq, remainder,
        arith::ConstantIntOp::create(b, loc, b.getI64Type(), 0));
    auto choice = scf::IfOp::create(b, loc, spread, /*withElseRegion=*/true);
    auto toI64 = [&](Value index) {
      return arith::IndexCastOp::create(b, loc, b.getI64Type(), index).getResult();
    };
    LogicalResult result = success();
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(choice.thenBlock()->getTerminator());
      auto loop = scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(images)},
                                        ValueRange(), std::nullopt);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      Value image = toI64(loop.getInductionVar(0));
      Value offset = arith::MulIOp::create(
          b, loc, image, arith::ConstantIntOp::create(b, loc, b.getI64Type(), perImage));
      result = callMain(b, loc, main, inputs, outputs, workspace, {image, offset});
    }
    if (failed(result))
      return failure();
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(choice.elseBlock()->getTerminator());
    auto loop = scf::ForOp::create(b, loc, arith::ConstantIndexOp::create(b, loc, 0),
                                   arith::ConstantIndexOp::create(b, loc, images),
                                   arith::ConstantIndexOp::create(b, loc, 1));
    b.setInsertionPoint(loop.getBody()->getTerminator());
    Value none = arith::ConstantIntOp::create(b, loc, b.getI64Type(), 0);
    return callMain(b, loc, main, inputs, outputs, workspace,
                    {toI64(loop.getInductionVar()), none});
  }
};

} // namespace
} // namespace kiln::cpu

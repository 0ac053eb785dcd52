//===- MemRefDescriptors.cpp - Memrefs across the C boundary --------------===//

#include "codegen/cpu/MemRefDescriptors.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include "passes/dispatch/Passes.h"

using namespace mlir;

namespace kiln::cpu {

Type loweredType(Type type) {
  if (llvm::isa<IndexType>(type))
    return IntegerType::get(type.getContext(), 64);
  if (llvm::isa<MemRefType>(type)) {
    LLVMTypeConverter converter(type.getContext());
    return converter.convertType(type);
  }
  return type;
}

Value toLowered(OpBuilder &b, Location loc, Value value) {
  Type type = value.getType();
  if (llvm::isa<IndexType>(type))
    return arith::IndexCastOp::create(b, loc, b.getI64Type(), value);
  if (llvm::isa<MemRefType>(type))
    return UnrealizedConversionCastOp::create(b, loc, loweredType(type), value)
        .getResult(0);
  return value;
}

Value fromLowered(OpBuilder &b, Location loc, Value lowered, Type type) {
  if (llvm::isa<IndexType>(type))
    return arith::IndexCastOp::create(b, loc, type, lowered);
  if (llvm::isa<MemRefType>(type))
    return UnrealizedConversionCastOp::create(b, loc, type, lowered).getResult(0);
  return lowered;
}

Value memrefFromPointer(OpBuilder &b, Location loc, Value pointer,
                        MemRefType type) {
  assert(type.hasStaticShape() && type.getLayout().isIdentity() &&
         "entry buffers are dense and static");
  Type descriptorType = loweredType(type);
  Value desc = LLVM::UndefOp::create(b, loc, descriptorType);
  desc = LLVM::InsertValueOp::create(b, loc, desc, pointer, ArrayRef<int64_t>{0});
  desc = LLVM::InsertValueOp::create(b, loc, desc, pointer, ArrayRef<int64_t>{1});
  auto i64 = [&](int64_t v) {
    return LLVM::ConstantOp::create(b, loc, b.getI64Type(), b.getI64IntegerAttr(v));
  };
  desc = LLVM::InsertValueOp::create(b, loc, desc, i64(0), ArrayRef<int64_t>{2});
  ArrayRef<int64_t> shape = type.getShape();
  int64_t stride = 1;
  for (int64_t i = static_cast<int64_t>(shape.size()) - 1; i >= 0; --i) {
    desc = LLVM::InsertValueOp::create(b, loc, desc, i64(shape[i]),
                                       ArrayRef<int64_t>{3, i});
    desc = LLVM::InsertValueOp::create(b, loc, desc, i64(stride),
                                       ArrayRef<int64_t>{4, i});
    stride *= shape[i];
  }
  return fromLowered(b, loc, desc, type);
}

FailureOr<SmallVector<Value>> buildModelArguments(OpBuilder &b, Location loc,
                                                  func::FuncOp main, unsigned numBuffers,
                                                  Value inputs, Value outputs,
                                                  Value workspace, Value weights,
                                                  Value image, Value workspaceOffset) {
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  auto advance = [&](Value pointer, Value bytes) -> Value {
    return LLVM::GEPOp::create(b, loc, ptr, b.getI8Type(), pointer,
                               ArrayRef<LLVM::GEPArg>{bytes});
  };
  int64_t inputIndex = 0, outputIndex = 0;
  SmallVector<Value> operands;
  for (unsigned i = 0; i < numBuffers; ++i) {
    auto type = llvm::dyn_cast<MemRefType>(main.getArgument(i).getType());
    if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity())
      return main.emitError("internal error: @main argument ")
             << i << " is not a dense static buffer";
    Value pointer;
    if (main.getArgAttr(i, dispatch::kWorkspaceArgAttr)) {
      pointer = workspaceOffset ? advance(workspace, workspaceOffset) : workspace;
    } else if (main.getArgAttr(i, dispatch::kWeightsArgAttr)) {
      pointer = weights;
    } else {
      bool isOutput = static_cast<bool>(main.getArgAttr(i, dispatch::kResultArgAttr));
      int64_t slot = isOutput ? outputIndex++ : inputIndex++;
      Value address = LLVM::GEPOp::create(b, loc, ptr, ptr, isOutput ? outputs : inputs,
                                          ArrayRef<LLVM::GEPArg>{slot});
      pointer = LLVM::LoadOp::create(b, loc, ptr, address);
      if (image) {
        // As the workspace plan lays out buffers: every element at least a byte.
        int64_t bytes =
            type.getNumElements() * llvm::divideCeil(type.getElementTypeBitWidth(), 8);
        pointer = advance(pointer, LLVM::MulOp::create(b, loc, image,
                                                       LLVM::ConstantOp::create(
                                                           b, loc, b.getI64Type(), bytes)));
      }
    }
    if (!pointer)
      return main.emitError("internal error: no buffer for @main argument ") << i;
    operands.push_back(memrefFromPointer(b, loc, pointer, type));
  }
  return operands;
}

} // namespace kiln::cpu

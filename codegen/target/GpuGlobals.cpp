//===- GpuGlobals.cpp - What a GPU build embeds for the runtime ----------===//

#include "codegen/target/GpuGlobals.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

#include <cassert>
#include <climits>

using namespace llvm;

namespace kiln::target {

namespace {

/// Defines constant `name` with `init`, taking over the uses of a
/// declaration emitIntrospection may have made (with a placeholder type).
/// Internal: the symbols never leave the library, even before the module
/// is internalized.
GlobalVariable *defineConstant(Module &module, StringRef name, Constant *init,
                               Align align) {
  GlobalVariable *existing = module.getNamedGlobal(name);
  assert((!existing || existing->isDeclaration()) &&
         "emitGpuModuleGlobals runs once per module");
  auto *global = new GlobalVariable(module, init->getType(),
                                    /*isConstant=*/true,
                                    GlobalValue::InternalLinkage, init);
  global->setAlignment(align);
  if (existing) {
    existing->replaceAllUsesWith(global);
    global->takeName(existing);
    existing->eraseFromParent();
  } else {
    global->setName(name);
  }
  assert(global->getName() == name && "the name must not be taken");
  return global;
}

Constant *bytes(LLVMContext &ctx, StringRef data, bool addNull) {
  return ConstantDataArray::getString(ctx, data, addNull);
}

} // namespace

void emitGpuModuleGlobals(Module &module, StringRef ptx, StringRef cubin,
                          int cubinSm, ArrayRef<std::string> kernelNames,
                          StringRef weights) {
  assert(!ptx.contains('\0') && "PTX is text");
  assert(kernelNames.size() <= INT_MAX && "kernel counts are C ints");
  LLVMContext &ctx = module.getContext();
  const DataLayout &dataLayout = module.getDataLayout();
  IRBuilder<> b(ctx);
  IntegerType *sizeTy = dataLayout.getIntPtrType(ctx);
  PointerType *ptrTy = PointerType::getUnqual(ctx);

  defineConstant(module, kGpuPtxName, bytes(ctx, ptx, /*addNull=*/true),
                 Align(1));
  // ELF images want their natural alignment when the driver reads them.
  defineConstant(module, kGpuCubinName, bytes(ctx, cubin, false), Align(16));
  defineConstant(module, kGpuCubinSizeName,
                 ConstantInt::get(sizeTy, cubin.size()),
                 dataLayout.getABITypeAlign(sizeTy));
  defineConstant(module, kGpuCubinSmName,
                 b.getInt32(cubin.empty() ? 0 : cubinSm), Align(4));

  SmallVector<Constant *> names;
  for (auto [index, name] : llvm::enumerate(kernelNames))
    names.push_back(b.CreateGlobalString(
        name, (Twine(kGpuKernelNamesName) + "." + Twine(index)).str(), 0,
        &module));
  auto *namesTy = ArrayType::get(ptrTy, names.size());
  defineConstant(module, kGpuKernelNamesName,
                 ConstantArray::get(namesTy, names),
                 dataLayout.getPointerABIAlignment(0));
  defineConstant(module, kGpuNumKernelsName,
                 b.getInt32(static_cast<int>(kernelNames.size())), Align(4));

  defineConstant(module, kGpuWeightsName, bytes(ctx, weights, false),
                 Align(64));
  defineConstant(module, kGpuWeightsSizeName,
                 ConstantInt::get(sizeTy, weights.size()),
                 dataLayout.getABITypeAlign(sizeTy));
}

} // namespace kiln::target

//===- Introspection.cpp - The public C functions of a model -------------===//
//
// The getters index constant tables rather than switching on the index: one
// shape of code for any number of tensors, and the tables are what a reader
// of the object file (or a debugger) sees first. Tables are private so that
// nothing but the NAME_* functions is visible even before internalization.
//
//===----------------------------------------------------------------------===//

#include "codegen/target/Introspection.h"

#include "codegen/target/GpuGlobals.h"
#include "codegen/target/HeaderGenerator.h"

#include "kiln/runtime.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

#include <cassert>
#include <climits>

using namespace llvm;

namespace kiln::target {

namespace {

class IntrospectionEmitter {
public:
  IntrospectionEmitter(Module &module, const ModelSignature &sig)
      : module(module), sig(sig), ctx(module.getContext()), b(ctx),
        dataLayout(module.getDataLayout()), intTy(b.getInt32Ty()),
        i64Ty(b.getInt64Ty()), sizeTy(dataLayout.getIntPtrType(ctx)),
        ptrTy(PointerType::getUnqual(ctx)) {}

  void emit() {
    emitWorkspaceSize();
    if (sig.gpu)
      emitWrongTargetRun();
    else
      emitRun();
    emitConstantGetter("num_inputs",
                       ConstantInt::get(intTy, countOf(sig.inputs)));
    emitConstantGetter("num_outputs",
                       ConstantInt::get(intTy, countOf(sig.outputs)));
    emitTensorTables("input", sig.inputs);
    emitTensorTables("output", sig.outputs);
    emitForwarder("error_message", "kiln_rt_error_message",
                  FunctionType::get(ptrTy, {intTy}, false), {"status"});
    emitForwarder("set_num_threads", "kiln_rt_set_num_threads",
                  FunctionType::get(intTy, {intTy}, false), {"n"});
    emitForwarder("get_num_threads", "kiln_rt_get_num_threads",
                  FunctionType::get(intTy, {}, false));
    if (sig.profilesMemory)
      emitForwarder("print_memory_profile", "kiln_rt_memory_profile_print",
                    FunctionType::get(intTy, {ptrTy}, false), {"out"});
    if (sig.gpu)
      emitGpuFunctions();
  }

private:
  static int countOf(const std::vector<TensorSignature> &tensors) {
    assert(tensors.size() <= INT_MAX && "tensor counts are C ints");
    return static_cast<int>(tensors.size());
  }

  std::string symbol(const Twine &suffix) const {
    return (Twine(sig.name) + "_" + suffix).str();
  }

  /// A name for a private table; the '.' keeps it apart from C symbols.
  std::string tableName(const Twine &suffix) const {
    return (Twine(sig.name) + "." + suffix).str();
  }

  Function *defineFunction(const Twine &suffix, FunctionType *type,
                           ArrayRef<StringRef> argNames = {}) {
    std::string name = symbol(suffix);
    assert(!module.getNamedValue(name) &&
           "emitIntrospection runs once per module");
    Function *fn =
        Function::Create(type, GlobalValue::ExternalLinkage, name, module);
    fn->setDoesNotThrow();
    for (auto [arg, argName] : llvm::zip(fn->args(), argNames))
      arg.setName(argName);
    b.SetInsertPoint(BasicBlock::Create(ctx, "entry", fn));
    return fn;
  }

  /// A C function defined by another part of the final module.
  FunctionCallee declareExternal(StringRef name, FunctionType *type) {
    if (Function *existing = module.getFunction(name)) {
      assert(existing->getFunctionType() == type &&
             "external function declared with another signature");
      return existing;
    }
    assert(!module.getNamedValue(name) && "a global already has this name");
    Function *fn =
        Function::Create(type, GlobalValue::ExternalLinkage, name, module);
    fn->setDoesNotThrow();
    return fn;
  }

  GlobalVariable *privateTable(Constant *init, const Twine &suffix) {
    auto *table = new GlobalVariable(
        module, init->getType(), /*isConstant=*/true,
        GlobalValue::PrivateLinkage, init, tableName(suffix));
    table->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
    table->setAlignment(dataLayout.getABITypeAlign(init->getType()));
    return table;
  }

  void emitWorkspaceSize() {
    assert((sizeTy->getBitWidth() >= 64 ||
            sig.workspaceSize < (uint64_t(1) << sizeTy->getBitWidth())) &&
           "workspace larger than the target's size_t");
    defineFunction("workspace_size", FunctionType::get(sizeTy, {}, false));
    b.CreateRet(ConstantInt::get(sizeTy, sig.workspaceSize));
  }

  void emitConstantGetter(StringRef suffix, Constant *value) {
    defineFunction(suffix, FunctionType::get(value->getType(), {}, false));
    b.CreateRet(value);
  }

  /// NAME_run: the pointer checks the header promises, then the compute.
  void emitRun() {
    Function *fn = defineFunction(
        "run", FunctionType::get(intTy, {ptrTy, ptrTy, ptrTy}, false),
        {"inputs", "outputs", "workspace"});
    Value *inputs = fn->getArg(0);
    Value *outputs = fn->getArg(1);
    Value *workspace = fn->getArg(2);

    BasicBlock *nullArgument = BasicBlock::Create(ctx, "null_argument");
    BasicBlock *misaligned = BasicBlock::Create(ctx, "misaligned_workspace");
    checkPointerArray(fn, inputs, sig.inputs.size(), "inputs", nullArgument);
    checkPointerArray(fn, outputs, sig.outputs.size(), "outputs", nullArgument);
    // A model without a workspace accepts any pointer, NULL included.
    if (sig.workspaceSize > 0) {
      auto *checkAlignment =
          BasicBlock::Create(ctx, "check.workspace.alignment", fn);
      b.CreateCondBr(b.CreateIsNull(workspace, "workspace.null"), nullArgument,
                     checkAlignment);
      b.SetInsertPoint(checkAlignment);
      Value *address = b.CreatePtrToInt(workspace, sizeTy, "workspace.addr");
      Value *offset = b.CreateAnd(
          address, ConstantInt::get(sizeTy, kWorkspaceAlignment - 1),
          "workspace.misalignment");
      auto *call = BasicBlock::Create(ctx, "call", fn);
      b.CreateCondBr(b.CreateIsNotNull(offset, "workspace.misaligned"),
                     misaligned, call);
      b.SetInsertPoint(call);
    }
    BasicBlock *misalignedBuffer = BasicBlock::Create(ctx, "misaligned_buffer");
    checkBufferAlignment(fn, inputs, outputs, misalignedBuffer);
    BasicBlock *overlapping = BasicBlock::Create(ctx, "overlapping_buffers");
    checkDisjoint(fn, inputs, outputs, overlapping);
    BasicBlock *boundInput = BasicBlock::Create(ctx, "bound_input_differs");
    checkBoundInputs(fn, inputs, boundInput);
    FunctionCallee entry = declareExternal(
        kModelEntryName,
        FunctionType::get(b.getVoidTy(), {ptrTy, ptrTy, ptrTy}, false));
    b.CreateCall(entry, {inputs, outputs, workspace});
    if (sig.checksRaces)
      b.CreateRet(b.CreateCall(
          declareExternal("kiln_rt_race_status", FunctionType::get(intTy, {}, false))));
    else
      b.CreateRet(ConstantInt::get(intTy, KILN_OK));

    finishErrorBlock(fn, nullArgument, KILN_ERROR_NULL_ARGUMENT);
    finishErrorBlock(fn, misaligned, KILN_ERROR_WORKSPACE_ALIGNMENT);
    finishErrorBlock(fn, misalignedBuffer, KILN_ERROR_BUFFER_ALIGNMENT);
    finishErrorBlock(fn, overlapping, KILN_ERROR_OVERLAPPING_BUFFERS);
    finishErrorBlock(fn, boundInput, KILN_ERROR_BOUND_INPUT);
  }

  /// NAME_run of a GPU build: a status that tells the caller what to use.
  void emitWrongTargetRun() {
    defineFunction("run",
                   FunctionType::get(intTy, {ptrTy, ptrTy, ptrTy}, false),
                   {"inputs", "outputs", "workspace"});
    b.CreateRet(ConstantInt::get(intTy, KILN_ERROR_WRONG_TARGET));
  }

  //===--------------------------------------------------------------------===//
  // GPU builds: NAME_gpu_* over the runtime's kiln_rt_gpu_* functions.
  //===--------------------------------------------------------------------===//

  void emitGpuFunctions() {
    emitGpuCreate();
    emitGpuRun();
    emitGpuRunHost();
    emitForwarder("gpu_last_error", "kiln_rt_gpu_last_error",
                  FunctionType::get(ptrTy, {ptrTy}, false), {"ctx"});
    emitForwarder("gpu_destroy", "kiln_rt_gpu_destroy",
                  FunctionType::get(b.getVoidTy(), {ptrTy}, false), {"ctx"});
  }

  /// A global of GpuGlobals.h: the compiler's definition if it is already
  /// there, else a declaration it will replace.
  GlobalVariable *gpuGlobal(StringRef name, Type *type) {
    if (GlobalVariable *existing = module.getNamedGlobal(name))
      return existing;
    assert(!module.getNamedValue(name) && "a function has a GPU global's name");
    return new GlobalVariable(module, type, /*isConstant=*/true,
                              GlobalValue::ExternalLinkage, nullptr, name);
  }

  /// Loads the scalar global `name` of type `type`.
  Value *loadGpuScalar(StringRef name, Type *type) {
    GlobalVariable *global = gpuGlobal(name, type);
    assert(global->getValueType() == type && "GPU global of another type");
    return b.CreateAlignedLoad(type, global, dataLayout.getABITypeAlign(type),
                               name);
  }

  /// The address of the private table of tensor sizes emitTensorTables made
  /// (NULL when there are no tensors, whose table does not exist).
  Constant *sizeTable(StringRef kind) {
    GlobalVariable *table = module.getNamedGlobal(tableName(kind + "_size"));
    assert((table != nullptr) ==
               !(kind == "input" ? sig.inputs : sig.outputs).empty() &&
           "emitTensorTables runs first");
    return table ? static_cast<Constant *>(table)
                 : ConstantPointerNull::get(ptrTy);
  }

  /// kiln_rt_gpu_module_desc, field for field (runtime/include/kiln/runtime.h);
  /// LLVM lays out a non-packed struct as C does.
  StructType *moduleDescType() {
    return StructType::get(ctx,
                           {ptrTy, ptrTy, sizeTy, intTy, ptrTy, intTy, ptrTy,
                            sizeTy, sizeTy, ptrTy, intTy, ptrTy, intTy});
  }

  /// NAME_gpu_create(device, out): describes the embedded module and calls
  /// kiln_rt_gpu_create. The description lives on the stack: the runtime
  /// copies what it keeps.
  void emitGpuCreate() {
    Function *fn = defineFunction(
        "gpu_create", FunctionType::get(intTy, {intTy, ptrTy}, false),
        {"device", "out"});
    StructType *descTy = moduleDescType();
    Value *desc = b.CreateAlloca(descTy, nullptr, "desc");

    Value *cubinSize = loadGpuScalar(kGpuCubinSizeName, sizeTy);
    Value *hasCubin = b.CreateIsNotNull(cubinSize, "has_cubin");
    Value *cubin =
        b.CreateSelect(hasCubin, gpuGlobal(kGpuCubinName, b.getInt8Ty()),
                       ConstantPointerNull::get(ptrTy), "cubin");
    Value *fields[] = {
        gpuGlobal(kGpuPtxName, b.getInt8Ty()),
        cubin,
        cubinSize,
        loadGpuScalar(kGpuCubinSmName, intTy),
        gpuGlobal(kGpuKernelNamesName, ptrTy),
        loadGpuScalar(kGpuNumKernelsName, intTy),
        gpuGlobal(kGpuWeightsName, b.getInt8Ty()),
        loadGpuScalar(kGpuWeightsSizeName, sizeTy),
        ConstantInt::get(sizeTy, sig.workspaceSize),
        sizeTable("input"),
        ConstantInt::get(intTy, countOf(sig.inputs)),
        sizeTable("output"),
        ConstantInt::get(intTy, countOf(sig.outputs)),
    };
    assert(std::size(fields) == descTy->getNumElements() &&
           "one value per field");
    for (auto [index, value] : llvm::enumerate(fields))
      b.CreateStore(value, b.CreateStructGEP(descTy, desc, index));

    FunctionCallee create =
        declareExternal("kiln_rt_gpu_create",
                        FunctionType::get(intTy, {ptrTy, intTy, ptrTy}, false));
    b.CreateRet(b.CreateCall(create, {desc, fn->getArg(0), fn->getArg(1)}));
  }

  /// `int kiln_model_gpu_entry(ctx, dev_inputs, dev_outputs, stream)`.
  Function *gpuEntry() {
    return cast<Function>(
        declareExternal(
            kGpuEntryName,
            FunctionType::get(intTy, {ptrTy, ptrTy, ptrTy, ptrTy}, false))
            .getCallee());
  }

  /// Branches to `nullArgument` if `ctx` is NULL.
  void checkContext(Function *fn, Value *context, BasicBlock *nullArgument) {
    auto *next = BasicBlock::Create(ctx, "check.ctx.done", fn);
    b.CreateCondBr(b.CreateIsNull(context, "ctx.null"), nullArgument, next);
    b.SetInsertPoint(next);
  }

  /// NAME_gpu_run: the pointer checks (set, aligned, disjoint), then the
  /// runtime runs the entry.
  void emitGpuRun() {
    Function *fn = defineFunction(
        "gpu_run",
        FunctionType::get(intTy, {ptrTy, ptrTy, ptrTy, ptrTy}, false),
        {"ctx", "device_inputs", "device_outputs", "stream"});
    auto *nullArgument = BasicBlock::Create(ctx, "null_argument");
    checkContext(fn, fn->getArg(0), nullArgument);
    checkPointerArray(fn, fn->getArg(1), sig.inputs.size(), "inputs",
                      nullArgument);
    checkPointerArray(fn, fn->getArg(2), sig.outputs.size(), "outputs",
                      nullArgument);
    auto *misaligned = BasicBlock::Create(ctx, "misaligned_buffer");
    checkBufferAlignment(fn, fn->getArg(1), fn->getArg(2), misaligned);
    auto *overlapping = BasicBlock::Create(ctx, "overlapping_buffers");
    checkDisjoint(fn, fn->getArg(1), fn->getArg(2), overlapping);
    checkBoundDeviceInputs(fn, fn->getArg(0), fn->getArg(1), fn->getArg(3));
    FunctionCallee run = declareExternal(
        "kiln_rt_gpu_run",
        FunctionType::get(intTy, {ptrTy, ptrTy, ptrTy, ptrTy, ptrTy}, false));
    b.CreateRet(b.CreateCall(run, {fn->getArg(0), gpuEntry(), fn->getArg(1),
                                   fn->getArg(2), fn->getArg(3)}));
    finishErrorBlock(fn, nullArgument, KILN_ERROR_NULL_ARGUMENT);
    finishErrorBlock(fn, misaligned, KILN_ERROR_BUFFER_ALIGNMENT);
    finishErrorBlock(fn, overlapping, KILN_ERROR_OVERLAPPING_BUFFERS);
  }

  /// Returns kiln_rt_gpu_input_matches's status from `fn` unless every input
  /// bound at compile time holds its value in device memory (read after the
  /// work queued on `stream`).
  void checkBoundDeviceInputs(Function *fn, Value *context, Value *inputs,
                              Value *stream) {
    Align pointerAlign = dataLayout.getPointerABIAlignment(0);
    for (auto [index, tensor] : llvm::enumerate(sig.inputs)) {
      if (tensor.boundValue.empty())
        continue;
      FunctionCallee matches = declareExternal(
          "kiln_rt_gpu_input_matches",
          FunctionType::get(intTy, {ptrTy, ptrTy, ptrTy, sizeTy, ptrTy}, false));
      Value *slot = b.CreateConstInBoundsGEP1_64(ptrTy, inputs, index);
      Value *pointer = b.CreateAlignedLoad(ptrTy, slot, pointerAlign);
      Value *status = b.CreateCall(
          matches, {context, pointer, boundValueTable(index, tensor.boundValue),
                    ConstantInt::get(sizeTy, tensor.boundValue.size()), stream});
      auto *differs = BasicBlock::Create(ctx, "bound" + Twine(index) + ".differs", fn);
      auto *next = BasicBlock::Create(ctx, "check.bound" + Twine(index) + ".done", fn);
      b.CreateCondBr(b.CreateIsNotNull(status), differs, next);
      b.SetInsertPoint(differs);
      b.CreateRet(status);
      b.SetInsertPoint(next);
    }
  }

  /// NAME_gpu_run_host: the same checks on host buffers.
  void emitGpuRunHost() {
    Function *fn = defineFunction(
        "gpu_run_host", FunctionType::get(intTy, {ptrTy, ptrTy, ptrTy}, false),
        {"ctx", "inputs", "outputs"});
    auto *nullArgument = BasicBlock::Create(ctx, "null_argument");
    checkContext(fn, fn->getArg(0), nullArgument);
    checkPointerArray(fn, fn->getArg(1), sig.inputs.size(), "inputs",
                      nullArgument);
    checkPointerArray(fn, fn->getArg(2), sig.outputs.size(), "outputs",
                      nullArgument);
    BasicBlock *boundInput = BasicBlock::Create(ctx, "bound_input_differs");
    checkBoundInputs(fn, fn->getArg(1), boundInput);
    FunctionCallee runHost = declareExternal(
        "kiln_rt_gpu_run_host",
        FunctionType::get(intTy, {ptrTy, ptrTy, ptrTy, ptrTy}, false));
    b.CreateRet(b.CreateCall(
        runHost, {fn->getArg(0), gpuEntry(), fn->getArg(1), fn->getArg(2)}));
    finishErrorBlock(fn, nullArgument, KILN_ERROR_NULL_ARGUMENT);
    finishErrorBlock(fn, boundInput, KILN_ERROR_BOUND_INPUT);
  }

  /// The private table holding the value input `index` is bound to (one per
  /// input, shared by the functions that check it).
  GlobalVariable *boundValueTable(size_t index, StringRef value) {
    if (GlobalVariable *existing =
            module.getNamedGlobal(tableName("bound_input" + Twine(index))))
      return existing;
    return privateTable(
        ConstantDataArray::getRaw(value, value.size(), b.getInt8Ty()),
        "bound_input" + Twine(index));
  }

  /// Adds `block`, returning `status`, to `fn` if a check branches to it.
  void finishErrorBlock(Function *fn, BasicBlock *block, int status) {
    if (block->use_empty()) {
      delete block;
      return;
    }
    block->insertInto(fn);
    b.SetInsertPoint(block);
    b.CreateRet(ConstantInt::get(intTy, status));
  }

  /// Branches to `differs` unless every input bound at compile time holds
  /// its value (byte for byte, memcmp); the graph computed with it.
  void checkBoundInputs(Function *fn, Value *inputs, BasicBlock *differs) {
    Align pointerAlign = dataLayout.getPointerABIAlignment(0);
    for (auto [index, tensor] : llvm::enumerate(sig.inputs)) {
      if (tensor.boundValue.empty())
        continue;
      GlobalVariable *value = boundValueTable(index, tensor.boundValue);
      FunctionCallee memcmp = declareExternal(
          "memcmp", FunctionType::get(b.getInt32Ty(), {ptrTy, ptrTy, sizeTy}, false));
      Value *slot = b.CreateConstInBoundsGEP1_64(ptrTy, inputs, index);
      Value *pointer = b.CreateAlignedLoad(ptrTy, slot, pointerAlign);
      Value *order = b.CreateCall(
          memcmp, {pointer, value, ConstantInt::get(sizeTy, tensor.boundValue.size())});
      auto *next = BasicBlock::Create(ctx, "check.bound" + Twine(index) + ".done", fn);
      b.CreateCondBr(b.CreateIsNotNull(order), differs, next);
      b.SetInsertPoint(next);
    }
  }

  /// Branches to `overlapping` if an output's bytes overlap an input's or
  /// another output's (addresses compared as integers: host or device
  /// pointers alike); the generated code may write an output while it
  /// still reads the others. Tensors of no bytes overlap nothing.
  void checkDisjoint(Function *fn, Value *inputs, Value *outputs,
                     BasicBlock *overlapping) {
    Align pointerAlign = dataLayout.getPointerABIAlignment(0);
    auto ranges = [&](Value *array, const std::vector<TensorSignature> &tensors) {
      SmallVector<std::pair<Value *, Value *>> result;
      for (auto [index, tensor] : llvm::enumerate(tensors)) {
        if (tensor.sizeInBytes() == 0)
          continue;
        Value *slot = b.CreateConstInBoundsGEP1_64(ptrTy, array, index);
        Value *begin = b.CreatePtrToInt(b.CreateAlignedLoad(ptrTy, slot, pointerAlign), sizeTy);
        result.push_back(
            {begin, b.CreateAdd(begin, ConstantInt::get(sizeTy, tensor.sizeInBytes()))});
      }
      return result;
    };
    auto in = ranges(inputs, sig.inputs), out = ranges(outputs, sig.outputs);
    Value *any = nullptr;
    auto overlap = [&](std::pair<Value *, Value *> x, std::pair<Value *, Value *> y) {
      Value *both = b.CreateAnd(b.CreateICmpULT(x.first, y.second),
                                b.CreateICmpULT(y.first, x.second));
      any = any ? b.CreateOr(any, both) : both;
    };
    for (auto [index, output] : llvm::enumerate(out)) {
      for (auto input : in)
        overlap(output, input);
      for (auto other : llvm::drop_begin(out, index + 1))
        overlap(output, other);
    }
    if (!any)
      return;
    auto *done = BasicBlock::Create(ctx, "check.disjoint.done", fn);
    b.CreateCondBr(any, overlapping, done);
    b.SetInsertPoint(done);
  }

  /// Branches to `misaligned` if the address of an input or output (of at
  /// least one byte) is not a multiple of sig.bufferAlignment(), which the
  /// kernels' vector accesses assume. Nothing to check where it is 0.
  void checkBufferAlignment(Function *fn, Value *inputs, Value *outputs,
                            BasicBlock *misaligned) {
    size_t alignment = sig.bufferAlignment();
    if (alignment <= 1)
      return;
    Align pointerAlign = dataLayout.getPointerABIAlignment(0);
    Value *bits = nullptr;
    auto gather = [&](Value *array, const std::vector<TensorSignature> &tensors) {
      for (auto [index, tensor] : llvm::enumerate(tensors)) {
        if (tensor.sizeInBytes() == 0)
          continue;
        Value *slot = b.CreateConstInBoundsGEP1_64(ptrTy, array, index);
        Value *address =
            b.CreatePtrToInt(b.CreateAlignedLoad(ptrTy, slot, pointerAlign), sizeTy);
        bits = bits ? b.CreateOr(bits, address) : address;
      }
    };
    gather(inputs, sig.inputs);
    gather(outputs, sig.outputs);
    if (!bits)
      return;
    Value *offset = b.CreateAnd(bits, ConstantInt::get(sizeTy, alignment - 1),
                                "buffers.misalignment");
    auto *done = BasicBlock::Create(ctx, "check.alignment.done", fn);
    b.CreateCondBr(b.CreateIsNotNull(offset), misaligned, done);
    b.SetInsertPoint(done);
  }

  /// Branches to `nullArgument` if `array` or any of its `count` pointers is
  /// NULL; leaves the builder in the block where all of them are set. An
  /// empty array is never read, so it may be NULL.
  void checkPointerArray(Function *fn, Value *array, size_t count,
                         StringRef what, BasicBlock *nullArgument) {
    if (count == 0)
      return;
    auto *elements = BasicBlock::Create(ctx, "check." + what + ".elements", fn);
    b.CreateCondBr(b.CreateIsNull(array, what + ".null"), nullArgument,
                   elements);
    b.SetInsertPoint(elements);
    Align pointerAlign = dataLayout.getPointerABIAlignment(0);
    Value *anyNull = nullptr;
    for (size_t index = 0; index != count; ++index) {
      Value *slot = b.CreateConstInBoundsGEP1_64(ptrTy, array, index);
      Value *pointer = b.CreateAlignedLoad(ptrTy, slot, pointerAlign);
      Value *isNull = b.CreateIsNull(pointer);
      anyNull = anyNull ? b.CreateOr(anyNull, isNull) : isNull;
    }
    auto *done = BasicBlock::Create(ctx, "check." + what + ".done", fn);
    b.CreateCondBr(anyNull, nullArgument, done);
    b.SetInsertPoint(done);
  }

  /// The five per-tensor getters of one direction ("input" or "output").
  void emitTensorTables(StringRef kind,
                        const std::vector<TensorSignature> &tensors) {
    SmallVector<Constant *> names, types, ranks, shapes, sizes;
    Constant *dims = tensors.empty() ? nullptr : emitShapeDims(kind, tensors);
    int64_t dimOffset = 0;
    for (auto [index, tensor] : llvm::enumerate(tensors)) {
      names.push_back(b.CreateGlobalString(
          tensor.name, tableName(kind + "_name." + Twine(index)), 0, &module));
      types.push_back(ConstantInt::get(intTy, static_cast<int>(tensor.type)));
      assert(tensor.shape.size() <= INT_MAX && "ranks are C ints");
      ranks.push_back(ConstantInt::get(intTy, tensor.shape.size()));
      // A scalar points at where its dimensions would start: a valid,
      // non-NULL pointer to no elements.
      shapes.push_back(ConstantExpr::getInBoundsGetElementPtr(
          i64Ty, dims, ConstantInt::get(i64Ty, dimOffset)));
      dimOffset += tensor.shape.size();
      assert((sizeTy->getBitWidth() >= 64 ||
              tensor.sizeInBytes() < (uint64_t(1) << sizeTy->getBitWidth())) &&
             "tensor larger than the target's size_t");
      sizes.push_back(ConstantInt::get(sizeTy, tensor.sizeInBytes()));
    }
    emitTableGetter(kind + "_name", ptrTy, names,
                    ConstantPointerNull::get(ptrTy));
    emitTableGetter(kind + "_type", intTy, types, ConstantInt::get(intTy, 0));
    emitTableGetter(kind + "_rank", intTy, ranks, ConstantInt::get(intTy, -1));
    emitTableGetter(kind + "_shape", ptrTy, shapes,
                    ConstantPointerNull::get(ptrTy));
    emitTableGetter(kind + "_size", sizeTy, sizes, ConstantInt::get(sizeTy, 0));
  }

  /// Every dimension of every tensor of one direction, back to back. Never
  /// empty, so that scalar shape pointers have an object to point into.
  Constant *emitShapeDims(StringRef kind,
                          const std::vector<TensorSignature> &tensors) {
    SmallVector<int64_t> dims;
    for (const TensorSignature &tensor : tensors)
      llvm::append_range(dims, tensor.shape);
    if (dims.empty())
      dims.push_back(0);
    return privateTable(ConstantDataArray::get(ctx, dims),
                        kind + "_shape_dims");
  }

  /// `T NAME_<suffix>(int i)`: values[i], or `outOfRange` when i is negative
  /// or past the end.
  void emitTableGetter(const Twine &suffix, Type *elementTy,
                       ArrayRef<Constant *> values, Constant *outOfRange) {
    std::string suffixText = suffix.str();
    Function *fn = defineFunction(
        suffixText, FunctionType::get(elementTy, {intTy}, false), {"i"});
    if (values.empty()) {
      b.CreateRet(outOfRange);
      return;
    }
    auto *tableTy = ArrayType::get(elementTy, values.size());
    // ConstantArray::get yields a ConstantDataArray for integer tables.
    GlobalVariable *table =
        privateTable(ConstantArray::get(tableTy, values), suffixText);

    Value *index = fn->getArg(0);
    // Unsigned comparison: negative indices are out of range too.
    Value *inRange = b.CreateICmpULT(
        index, ConstantInt::get(intTy, values.size()), "in_range");
    auto *load = BasicBlock::Create(ctx, "load", fn);
    auto *fail = BasicBlock::Create(ctx, "out_of_range", fn);
    b.CreateCondBr(inRange, load, fail);

    b.SetInsertPoint(load);
    Value *slot = b.CreateInBoundsGEP(
        tableTy, table,
        {ConstantInt::get(sizeTy, 0), b.CreateZExt(index, sizeTy)});
    b.CreateRet(b.CreateAlignedLoad(elementTy, slot,
                                    dataLayout.getABITypeAlign(elementTy)));

    b.SetInsertPoint(fail);
    b.CreateRet(outOfRange);
  }

  /// NAME_<suffix> calls the runtime's `runtimeName` with its arguments.
  void emitForwarder(StringRef suffix, StringRef runtimeName,
                     FunctionType *type, ArrayRef<StringRef> argNames = {}) {
    Function *fn = defineFunction(suffix, type, argNames);
    FunctionCallee callee = declareExternal(runtimeName, type);
    SmallVector<Value *> args(llvm::make_pointer_range(fn->args()));
    CallInst *call = b.CreateCall(callee, args);
    call->setTailCall();
    if (type->getReturnType()->isVoidTy())
      b.CreateRetVoid();
    else
      b.CreateRet(call);
  }

  Module &module;
  const ModelSignature &sig;
  LLVMContext &ctx;
  IRBuilder<> b;
  const DataLayout &dataLayout;
  IntegerType *intTy;
  IntegerType *i64Ty;
  IntegerType *sizeTy;
  PointerType *ptrTy;
};

} // namespace

void emitIntrospection(Module &module, const ModelSignature &sig) {
  assert(isValidCIdentifier(sig.name) && "model names are sanitized first");
  IntrospectionEmitter(module, sig).emit();
}

} // namespace kiln::target

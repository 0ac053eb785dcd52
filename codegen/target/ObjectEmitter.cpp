//===- ObjectEmitter.cpp - From LLVM IR to a model's machine code ---------===//

#include "codegen/target/ObjectEmitter.h"

#include "codegen/target/Introspection.h"
#include "runtime/RuntimeBitcode.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Linker/Linker.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Transforms/IPO/Internalize.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

#include <mutex>

using namespace llvm;

namespace kiln::target {

bool isSupportedTriple(StringRef name) {
  Triple triple(Triple::normalize(name));
  return triple.isOSLinux() &&
         (triple.getArch() == Triple::x86_64 || triple.getArch() == Triple::aarch64);
}

std::string hostFeatureString() {
  SubtargetFeatures features;
  for (const auto &[feature, enabled] : sys::getHostCPUFeatures())
    features.AddFeature(feature, enabled);
  return features.getString();
}

Expected<std::unique_ptr<TargetMachine>>
createTargetMachine(const TargetOptions &options) {
  static std::once_flag initialized;
  std::call_once(initialized, [] {
    InitializeAllTargetInfos();
    InitializeAllTargets();
    InitializeAllTargetMCs();
    InitializeAllAsmPrinters();
    // The runtime has inline assembly (spin-wait hints), which the object
    // streamer parses.
    InitializeAllAsmParsers();
  });
  std::string host = sys::getDefaultTargetTriple();
  std::string name = options.triple.empty() ? host : options.triple;
  if (!isSupportedTriple(name))
    return createStringError("unsupported target '" + name +
                             "' (supported: x86_64-linux-gnu, aarch64-linux-gnu)");
  Triple triple(Triple::normalize(name));
  bool isHost = Triple(Triple::normalize(host)).getArch() == triple.getArch();
  std::string cpu = options.cpu;
  std::string features = options.features;
  if (cpu.empty())
    cpu = isHost ? sys::getHostCPUName().str() : "generic";
  if (features.empty() && isHost && options.cpu.empty())
    features = hostFeatureString();
  std::string error;
  const Target *target = TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return createStringError(error);
  if (!target->hasTargetMachine())
    return createStringError("no code generator for " + name);
  // Check the CPU name: an unknown one would silently fall back to generic.
  // The probe itself is created for the default CPU, since creating one for
  // an unknown name prints LLVM's own warning.
  std::unique_ptr<MCSubtargetInfo> probe(
      target->createMCSubtargetInfo(triple, "", ""));
  if (!probe || !probe->isCPUStringValid(cpu))
    return createStringError("unknown CPU '" + cpu + "' for " + triple.str());
  llvm::TargetOptions targetOptions;
  CodeGenOptLevel level = options.optLevel == 0   ? CodeGenOptLevel::None
                          : options.optLevel == 1 ? CodeGenOptLevel::Less
                          : options.optLevel == 2 ? CodeGenOptLevel::Default
                                                  : CodeGenOptLevel::Aggressive;
  std::unique_ptr<TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, targetOptions, Reloc::PIC_, std::nullopt, level));
  if (!machine)
    return createStringError("cannot create a code generator for " + triple.str());
  return machine;
}

/// Whether any instruction of `module` produces or takes a bf16 value.
static bool usesBFloat(const Module &module) {
  auto isBFloat = [](Type *type) { return type->getScalarType()->isBFloatTy(); };
  for (const Function &f : module)
    for (const BasicBlock &block : f)
      for (const Instruction &inst : block)
        if (isBFloat(inst.getType()) ||
            llvm::any_of(inst.operands(), [&](const Use &use) { return isBFloat(use->getType()); }))
          return true;
  return false;
}

/// Links the runtime bitcode for the module's architecture, keeping only
/// the functions the model uses.
static Error linkRuntime(Module &module) {
  Triple triple(module.getTargetTriple());
  StringRef bitcode = runtime::getRuntimeBitcode(triple.getArchName());
  if (bitcode.empty())
    return createStringError("this kilnc was built without the runtime for " +
                             triple.getArchName().str());
  Expected<std::unique_ptr<Module>> runtime =
      parseBitcodeFile(MemoryBufferRef(bitcode, "kiln_runtime"), module.getContext());
  if (!runtime)
    return runtime.takeError();
  (*runtime)->setTargetTriple(module.getTargetTriple());
  (*runtime)->setDataLayout(module.getDataLayout());
  // Machine code for bf16 values may call __truncsfbf2, which no IR
  // references yet: a model that has any gets the runtime's, kept (it is
  // not needed by the IR, only by what instruction selection emits).
  if (usesBFloat(module)) {
    LLVMContext &context = module.getContext();
    FunctionCallee truncate = module.getOrInsertFunction(
        "__truncsfbf2", FunctionType::get(Type::getBFloatTy(context),
                                          {Type::getFloatTy(context)}, /*isVarArg=*/false));
    appendToCompilerUsed(module, {llvm::cast<GlobalValue>(truncate.getCallee())});
  }
  if (Linker::linkModules(module, std::move(*runtime), Linker::LinkOnlyNeeded))
    return createStringError("cannot link the runtime into the model");
  return Error::success();
}

/// Appends the bytes of `value` (arrays, nested or not, of byte-sized
/// scalars, as the target lays them out) to `bytes`; false for other
/// constants.
static bool appendBytes(const Constant *value, const DataLayout &layout,
                        SmallVectorImpl<char> &bytes) {
  if (auto *zero = dyn_cast<ConstantAggregateZero>(value)) {
    bytes.append(layout.getTypeAllocSize(zero->getType()), 0);
    return true;
  }
  if (auto *data = dyn_cast<ConstantDataSequential>(value)) {
    Type *element = data->getElementType();
    if (layout.getTypeStoreSize(element) != layout.getTypeAllocSize(element) ||
        element->getScalarSizeInBits() % 8 != 0)
      return false;
    StringRef raw = data->getRawDataValues();
    bytes.append(raw.begin(), raw.end());
    return true;
  }
  if (auto *array = dyn_cast<ConstantArray>(value)) {
    for (const Use &element : array->operands())
      if (!appendBytes(cast<Constant>(element.get()), layout, bytes))
        return false;
    return true;
  }
  return false;
}

/// Large constant arrays (the weights) become byte arrays: the object
/// writer copies a byte array in one piece, where it emits a float array
/// element by element (most of the machine-code time of a model with
/// hundreds of MB of weights). Loads and address arithmetic carry their own
/// types, so nothing else changes. The raw data is in the host's byte
/// order, so this applies to little-endian targets on little-endian hosts.
static void weightsAsBytes(Module &module) {
  const DataLayout &layout = module.getDataLayout();
  if (!layout.isLittleEndian() || !sys::IsLittleEndianHost)
    return;
  constexpr uint64_t kMinBytes = 4096;
  SmallVector<GlobalVariable *> globals;
  for (GlobalVariable &global : module.globals())
    if (global.hasDefinitiveInitializer() && global.isConstant() &&
        layout.getTypeAllocSize(global.getValueType()) >= kMinBytes &&
        !(isa<ArrayType>(global.getValueType()) &&
          global.getValueType()->getArrayElementType()->isIntegerTy(8)))
      globals.push_back(&global);
  for (GlobalVariable *global : globals) {
    SmallVector<char, 0> bytes;
    if (!appendBytes(global->getInitializer(), layout, bytes) ||
        bytes.size() != layout.getTypeAllocSize(global->getValueType()))
      continue;
    Constant *data = ConstantDataArray::getRaw(StringRef(bytes.data(), bytes.size()),
                                               bytes.size(), Type::getInt8Ty(module.getContext()));
    auto *replacement = new GlobalVariable(
        module, data->getType(), /*isConstant=*/true, global->getLinkage(), data, "", global,
        global->getThreadLocalMode(), global->getAddressSpace());
    replacement->copyAttributesFrom(global);
    replacement->setAlignment(global->getAlign().value_or(
        layout.getPreferredAlign(global)));
    replacement->takeName(global);
    global->replaceAllUsesWith(replacement);
    global->eraseFromParent();
  }
}

Error finalizeModelModule(Module &module, const ModelSignature &sig,
                          TargetMachine &machine, unsigned optLevel) {
  module.setTargetTriple(machine.getTargetTriple());
  module.setDataLayout(machine.createDataLayout());
  // The machine's CPU and features on every function, so inlining and
  // vectorization use them.
  for (Function &f : module) {
    if (f.isDeclaration())
      continue;
    f.addFnAttr("target-cpu", machine.getTargetCPU());
    if (!machine.getTargetFeatureString().empty())
      f.addFnAttr("target-features", machine.getTargetFeatureString());
  }
  emitIntrospection(module, sig);
  if (Error error = linkRuntime(module))
    return error;
  std::string prefix = sig.name + "_";
  // The model's API stays external, and so does the runtime's
  // __truncsfbf2 (runtime/src/bf16.c), which only machine code calls.
  internalizeModule(module, [&](const GlobalValue &value) {
    return value.getName().starts_with(prefix) || value.getName() == "__truncsfbf2";
  });
  std::string message;
  raw_string_ostream os(message);
  if (verifyModule(module, &os))
    return createStringError("internal error: invalid LLVM module: " + message);

  LoopAnalysisManager lam;
  FunctionAnalysisManager fam;
  CGSCCAnalysisManager cgam;
  ModuleAnalysisManager mam;
  PipelineTuningOptions tuning;
  tuning.LoopVectorization = optLevel >= 2;
  tuning.SLPVectorization = optLevel >= 2;
  PassBuilder builder(&machine, tuning);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  OptimizationLevel level = optLevel == 0   ? OptimizationLevel::O0
                            : optLevel == 1 ? OptimizationLevel::O1
                            : optLevel == 2 ? OptimizationLevel::O2
                                            : OptimizationLevel::O3;
  ModulePassManager passes = optLevel == 0
                                 ? builder.buildO0DefaultPipeline(level)
                                 : builder.buildPerModuleDefaultPipeline(level);
  passes.run(module, mam);
  weightsAsBytes(module);
  return Error::success();
}

Expected<SmallString<0>> emitMachineCode(Module &module, TargetMachine &machine,
                                         bool assembly) {
  SmallString<0> buffer;
  raw_svector_ostream stream(buffer);
  legacy::PassManager passes;
  if (machine.addPassesToEmitFile(passes, stream, nullptr,
                                  assembly ? CodeGenFileType::AssemblyFile
                                           : CodeGenFileType::ObjectFile))
    return createStringError("the target cannot emit this file type");
  passes.run(module);
  return buffer;
}

} // namespace kiln::target

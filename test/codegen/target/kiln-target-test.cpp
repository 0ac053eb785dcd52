//===- kiln-target-test.cpp - Drives codegen/target for lit tests --------===//
//
// Builds the pieces of a model library around a made-up signature whose
// tensor names exercise escaping, so lit tests can FileCheck the header and
// the IR and link, run and probe a real library without the rest of the
// compiler. The compute function is a hand-written stand-in (output k is a
// copy of input k) and the runtime is a stub whose answers the tests can
// recognize.
//
// GPU builds (`--gpu`) get the real runtime instead, linked the way kilnc
// links it, a stand-in kiln_model_gpu_entry and real PTX for one kernel, so
// the library runs on the fake CUDA driver of test/runtime and on a GPU.
//
//   kiln-target-test header [--empty | --gpu] [NAME]
//   kiln-target-test ir [--empty | --gpu] [NAME]
//   kiln-target-test library [--triple T] [--name NAME] [--gpu ARCH]
//                            [--cubin FILE] --out-dir DIR
//   kiln-target-test gpu-ptx
//   kiln-target-test sanitize STRING...
//   kiln-target-test types
//   kiln-target-test writers DIR
//
//===----------------------------------------------------------------------===//

#include "codegen/target/ArchiveWriter.h"
#include "codegen/target/GpuGlobals.h"
#include "codegen/target/HeaderGenerator.h"
#include "codegen/target/Introspection.h"
#include "codegen/target/ModelSignature.h"
#include "codegen/target/ObjectEmitter.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Transforms/IPO/Internalize.h"

#include <memory>
#include <string>
#include <vector>

using namespace llvm;
using namespace kiln::target;

namespace {

/// Output k has input k's byte size, so the stand-in compute can copy.
ModelSignature testSignature(StringRef name) {
  ModelSignature sig;
  sig.name = name.str();
  sig.inputs = {
      {"x/in:0", ElementType::F32, {2, 3}},
      {"ids \"q\" */ \\ ?\?/ \xce\xbb\n", ElementType::I64, {4}},
      {"scale", ElementType::F64, {}},
      {"mask", ElementType::Bool, {3}},
  };
  sig.outputs = {
      {"y/out", ElementType::F32, {2, 3}},
      {"ids.copy", ElementType::I64, {2, 2}},
      {"scale out", ElementType::F64, {}},
      {"/*mask*/", ElementType::Bool, {3}},
  };
  sig.workspaceSize = 256;
  sig.taskStackSize = 1536;
  return sig;
}

int fail(const Twine &message) {
  errs() << "kiln-target-test: " << message << '\n';
  return 1;
}

/// `void kiln_model_entry(inputs, outputs, workspace)`: copies each input to
/// the output at the same index and scribbles over the whole workspace, so a
/// workspace that is too small or unwritable shows up.
void buildStandInEntry(Module &module, const ModelSignature &sig) {
  LLVMContext &ctx = module.getContext();
  IRBuilder<> b(ctx);
  Type *ptrTy = b.getPtrTy();
  auto *fn = Function::Create(
      FunctionType::get(b.getVoidTy(), {ptrTy, ptrTy, ptrTy}, false),
      GlobalValue::ExternalLinkage, kModelEntryName, module);
  b.SetInsertPoint(BasicBlock::Create(ctx, "entry", fn));
  for (size_t k = 0; k < sig.inputs.size() && k < sig.outputs.size(); ++k) {
    Value *in =
        b.CreateLoad(ptrTy, b.CreateConstGEP1_64(ptrTy, fn->getArg(0), k));
    Value *out =
        b.CreateLoad(ptrTy, b.CreateConstGEP1_64(ptrTy, fn->getArg(1), k));
    b.CreateMemCpy(out, Align(1), in, Align(1),
                   b.getInt64(sig.outputs[k].sizeInBytes()));
  }
  if (sig.workspaceSize)
    b.CreateMemSet(fn->getArg(2), b.getInt8(0xab), sig.workspaceSize,
                   Align(kWorkspaceAlignment));
  b.CreateRetVoid();
}

/// The runtime functions NAME_* forward to, answering recognizably:
/// messages are "stub message <status>", and the thread count is stored
/// (1 to 256, else KILN_ERROR_INVALID_THREAD_COUNT = 3).
void buildStubRuntime(Module &module) {
  LLVMContext &ctx = module.getContext();
  IRBuilder<> b(ctx);
  Type *i32 = b.getInt32Ty();
  Type *ptrTy = b.getPtrTy();
  auto *threads =
      new GlobalVariable(module, i32, false, GlobalValue::InternalLinkage,
                         b.getInt32(1), "kiln_stub.threads");

  auto *set = Function::Create(FunctionType::get(i32, {i32}, false),
                               GlobalValue::ExternalLinkage,
                               "kiln_rt_set_num_threads", module);
  auto *entry = BasicBlock::Create(ctx, "entry", set);
  auto *store = BasicBlock::Create(ctx, "store", set);
  auto *reject = BasicBlock::Create(ctx, "reject", set);
  b.SetInsertPoint(entry);
  Value *biased = b.CreateSub(set->getArg(0), b.getInt32(1));
  b.CreateCondBr(b.CreateICmpULT(biased, b.getInt32(256)), store, reject);
  b.SetInsertPoint(store);
  b.CreateStore(set->getArg(0), threads);
  b.CreateRet(b.getInt32(0));
  b.SetInsertPoint(reject);
  b.CreateRet(b.getInt32(3));

  auto *get = Function::Create(FunctionType::get(i32, {}, false),
                               GlobalValue::ExternalLinkage,
                               "kiln_rt_get_num_threads", module);
  b.SetInsertPoint(BasicBlock::Create(ctx, "entry", get));
  b.CreateRet(b.CreateLoad(i32, threads));

  auto *message = Function::Create(FunctionType::get(ptrTy, {i32}, false),
                                   GlobalValue::ExternalLinkage,
                                   "kiln_rt_error_message", module);
  std::vector<Constant *> texts;
  for (int status = 0; status < 7; ++status)
    texts.push_back(b.CreateGlobalString(
        ("stub message " + Twine(status)).str(), "", 0, &module));
  auto *tableTy = ArrayType::get(ptrTy, texts.size());
  auto *table =
      new GlobalVariable(module, tableTy, true, GlobalValue::PrivateLinkage,
                         ConstantArray::get(tableTy, texts));
  auto *known = BasicBlock::Create(ctx, "known", message);
  auto *unknown = BasicBlock::Create(ctx, "unknown", message);
  b.SetInsertPoint(BasicBlock::Create(ctx, "entry", message, known));
  Value *status = message->getArg(0);
  b.CreateCondBr(b.CreateICmpULT(status, b.getInt32(texts.size())), known,
                 unknown);
  b.SetInsertPoint(known);
  b.CreateRet(b.CreateLoad(
      ptrTy, b.CreateInBoundsGEP(
                 tableTy, table,
                 {b.getInt64(0), b.CreateZExt(status, b.getInt64Ty())})));
  b.SetInsertPoint(unknown);
  b.CreateRet(b.CreateGlobalString("stub message unknown", "", 0, &module));
}

Expected<std::unique_ptr<TargetMachine>> createTargetMachine(StringRef name) {
  Triple triple(name);
  std::string error;
  const Target *target = TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return createStringError(error);
  // PIC: the system compiler links position-independent executables.
  std::unique_ptr<TargetMachine> machine(target->createTargetMachine(
      triple, "generic", "", llvm::TargetOptions(), Reloc::PIC_));
  if (!machine)
    return createStringError("no target machine for " + name);
  return machine;
}

/// `--empty` selects a model without tensors or workspace instead, `--gpu`
/// the test signature as a GPU build for sm_90.
ModelSignature selectSignature(ArrayRef<const char *> args) {
  StringRef flag = args.empty() ? "" : args[0];
  bool hasFlag = flag == "--empty" || flag == "--gpu";
  StringRef name = args.size() > size_t(hasFlag) ? args[hasFlag] : "ktm";
  if (flag == "--empty") {
    ModelSignature sig;
    sig.name = name.str();
    return sig;
  }
  ModelSignature sig = testSignature(name);
  if (flag == "--gpu")
    sig.gpu = GpuInfo{"sm_90"};
  return sig;
}

/// kiln_test_copy(const void *src, void *dst, unsigned long long bytes):
/// dst[i] = src[i] for i < bytes, one byte per thread. The fake driver
/// knows the same kernel by name.
constexpr const char kCopyKernelPtx[] = R"(//
// kiln-target-test: the kernel of the stand-in GPU model.
//
.version 8.0
.target sm_80
.address_size 64

.visible .entry kiln_test_copy(
	.param .u64 kiln_test_copy_param_0,
	.param .u64 kiln_test_copy_param_1,
	.param .u64 kiln_test_copy_param_2
)
{
	.reg .pred %p<2>;
	.reg .b16 %rs<2>;
	.reg .b32 %r<5>;
	.reg .b64 %rd<9>;

	ld.param.u64 %rd1, [kiln_test_copy_param_0];
	ld.param.u64 %rd2, [kiln_test_copy_param_1];
	ld.param.u64 %rd3, [kiln_test_copy_param_2];
	mov.u32 %r1, %ctaid.x;
	mov.u32 %r2, %ntid.x;
	mov.u32 %r3, %tid.x;
	mad.lo.s32 %r4, %r1, %r2, %r3;
	cvt.u64.u32 %rd4, %r4;
	setp.ge.u64 %p1, %rd4, %rd3;
	@%p1 bra $L__done;
	cvta.to.global.u64 %rd5, %rd1;
	add.s64 %rd6, %rd5, %rd4;
	ld.global.u8 %rs1, [%rd6];
	cvta.to.global.u64 %rd7, %rd2;
	add.s64 %rd8, %rd7, %rd4;
	st.global.u8 [%rd8], %rs1;
$L__done:
	ret;
}
)";

/// The weights of the stand-in GPU model: the float64 42.5, little-endian,
/// then a few bytes that only pad.
constexpr const char kGpuTestWeights[] = "\0\0\0\0\0\x40\x45\x40pad";

/// `int kiln_model_gpu_entry(ctx, dev_inputs, dev_outputs, stream)` for the
/// test signature: output k is a copy of input k, except output 2 ("scale
/// out", 8 bytes), which gets the first 8 bytes of the weights by way of the
/// workspace, so that a wrong weights or workspace pointer shows up.
void buildStandInGpuEntry(Module &module, const ModelSignature &sig) {
  LLVMContext &ctx = module.getContext();
  IRBuilder<> b(ctx);
  Type *ptrTy = b.getPtrTy();
  Type *i32 = b.getInt32Ty();
  Type *i64 = b.getInt64Ty();
  auto *fn = Function::Create(
      FunctionType::get(i32, {ptrTy, ptrTy, ptrTy, ptrTy}, false),
      GlobalValue::ExternalLinkage, kGpuEntryName, module);
  b.SetInsertPoint(BasicBlock::Create(ctx, "entry", fn));
  Value *context = fn->getArg(0);
  Value *stream = fn->getArg(3);
  auto declare = [&](StringRef name, Type *result, ArrayRef<Type *> params) {
    return module.getOrInsertFunction(name,
                                      FunctionType::get(result, params, false));
  };
  FunctionCallee launch =
      declare("kiln_rt_gpu_launch", b.getVoidTy(),
              {ptrTy, i32, i32, i32, i32, i32, i32, i32, i32, ptrTy, ptrTy});
  FunctionCallee status = declare("kiln_rt_gpu_status", i32, {ptrTy});
  FunctionCallee workspace = declare("kiln_rt_gpu_workspace", ptrTy, {ptrTy});
  FunctionCallee weights = declare("kiln_rt_gpu_weights", ptrTy, {ptrTy});

  // Kernel parameters live in allocas: kernelParams points at each value.
  Value *srcSlot = b.CreateAlloca(ptrTy, nullptr, "src");
  Value *dstSlot = b.CreateAlloca(ptrTy, nullptr, "dst");
  Value *bytesSlot = b.CreateAlloca(i64, nullptr, "bytes");
  Value *params = b.CreateAlloca(ArrayType::get(ptrTy, 3), nullptr, "params");
  Value *slots[] = {srcSlot, dstSlot, bytesSlot};
  for (auto [index, slot] : llvm::enumerate(slots))
    b.CreateStore(
        slot, b.CreateConstGEP2_64(ArrayType::get(ptrTy, 3), params, 0, index));
  auto copy = [&](Value *src, Value *dst, uint64_t bytes) {
    b.CreateStore(src, srcSlot);
    b.CreateStore(dst, dstSlot);
    b.CreateStore(b.getInt64(bytes), bytesSlot);
    uint32_t blocks = static_cast<uint32_t>((bytes + 255) / 256);
    b.CreateCall(launch,
                 {context, b.getInt32(0), b.getInt32(blocks), b.getInt32(1),
                  b.getInt32(1), b.getInt32(256), b.getInt32(1), b.getInt32(1),
                  b.getInt32(0), stream, params});
  };
  for (size_t k = 0; k < sig.inputs.size() && k < sig.outputs.size(); ++k) {
    Value *out =
        b.CreateLoad(ptrTy, b.CreateConstGEP1_64(ptrTy, fn->getArg(2), k));
    if (k == 2) {
      Value *scratch = b.CreateCall(workspace, {context});
      copy(b.CreateCall(weights, {context}), scratch, 8);
      copy(scratch, out, 8);
      continue;
    }
    Value *in =
        b.CreateLoad(ptrTy, b.CreateConstGEP1_64(ptrTy, fn->getArg(1), k));
    copy(in, out, sig.outputs[k].sizeInBytes());
  }
  b.CreateRet(b.CreateCall(status, {context}));
}

int printHeader(const ModelSignature &sig) {
  outs() << generateHeader(sig);
  return 0;
}

int printIR(const ModelSignature &sig) {
  // A fixed triple keeps the FileCheck'd data layout independent of the host.
  auto machine = createTargetMachine("x86_64-unknown-linux-gnu");
  if (!machine)
    return fail(toString(machine.takeError()));
  LLVMContext ctx;
  Module module(sig.name, ctx);
  module.setDataLayout((*machine)->createDataLayout());
  module.setTargetTriple((*machine)->getTargetTriple());
  emitIntrospection(module, sig);
  if (verifyModule(module, &errs()))
    return fail("invalid module");
  module.print(outs(), nullptr);
  return 0;
}

/// Writes DIR/libNAME.a and DIR/NAME.h, as kilnc would for the signature.
int buildLibrary(StringRef tripleName, StringRef name, StringRef outDir) {
  auto machine = createTargetMachine(tripleName);
  if (!machine)
    return fail(toString(machine.takeError()));
  ModelSignature sig = testSignature(name);

  LLVMContext ctx;
  Module module(name, ctx);
  module.setDataLayout((*machine)->createDataLayout());
  module.setTargetTriple((*machine)->getTargetTriple());
  buildStandInEntry(module, sig);
  buildStubRuntime(module);
  emitIntrospection(module, sig);
  // What kilnc does once everything is linked: only NAME_* stays public.
  std::string prefix = sig.name + "_";
  internalizeModule(module, [&](const GlobalValue &value) {
    return value.getName().starts_with(prefix);
  });
  if (verifyModule(module, &errs()))
    return fail("invalid module");

  SmallString<0> object;
  raw_svector_ostream objectStream(object);
  legacy::PassManager passes;
  if ((*machine)->addPassesToEmitFile(passes, objectStream, nullptr,
                                      CodeGenFileType::ObjectFile))
    return fail("the target cannot emit object files");
  passes.run(module);

  SmallString<256> libraryPath(outDir), headerPath(outDir);
  sys::path::append(libraryPath, "lib" + name + ".a");
  sys::path::append(headerPath, name + ".h");
  std::string memberName = (name + ".o").str();
  if (Error error = writeStaticLibrary(libraryPath, {{memberName, object}}))
    return fail(toString(std::move(error)));
  if (Error error = writeFileAtomically(headerPath, generateHeader(sig)))
    return fail(toString(std::move(error)));
  return 0;
}

/// A GPU build of the test signature for `arch`, as kilnc makes one: the
/// compiler's globals, the host entry, then finalizeModelModule (runtime
/// bitcode linked in, introspection, internalization, optimization). A
/// cubin (from `gpu-ptx` output, assembled by ptxas for `arch`) is embedded
/// if `cubinPath` is set.
int buildGpuLibrary(StringRef tripleName, StringRef name, StringRef arch,
                    StringRef cubinPath, StringRef outDir) {
  auto machine = createTargetMachine(tripleName);
  if (!machine)
    return fail(toString(machine.takeError()));
  std::unique_ptr<MemoryBuffer> cubin;
  int cubinSm = 0;
  if (!cubinPath.empty()) {
    auto file = MemoryBuffer::getFile(cubinPath);
    if (!file)
      return fail("cannot read " + cubinPath + ": " +
                  file.getError().message());
    cubin = std::move(*file);
    if (!arch.starts_with("sm_") ||
        arch.drop_front(3).take_while(isDigit).getAsInteger(10, cubinSm))
      return fail("cannot tell the cubin's architecture from " + arch);
  }
  ModelSignature sig = testSignature(name);
  sig.gpu = GpuInfo{arch.str()};

  LLVMContext ctx;
  Module module(name, ctx);
  module.setDataLayout((*machine)->createDataLayout());
  module.setTargetTriple((*machine)->getTargetTriple());
  emitGpuModuleGlobals(module, kCopyKernelPtx,
                       cubin ? cubin->getBuffer() : StringRef(), cubinSm,
                       {"kiln_test_copy"},
                       StringRef(kGpuTestWeights, sizeof kGpuTestWeights - 1));
  buildStandInGpuEntry(module, sig);
  if (Error error = finalizeModelModule(module, sig, **machine, 2))
    return fail(toString(std::move(error)));
  auto object = emitMachineCode(module, **machine, /*assembly=*/false);
  if (!object)
    return fail(toString(object.takeError()));

  SmallString<256> libraryPath(outDir), headerPath(outDir);
  sys::path::append(libraryPath, "lib" + name + ".a");
  sys::path::append(headerPath, name + ".h");
  if (Error error =
          writeStaticLibrary(libraryPath, {{(name + ".o").str(), *object}}))
    return fail(toString(std::move(error)));
  if (Error error = writeFileAtomically(headerPath, generateHeader(sig)))
    return fail(toString(std::move(error)));
  return 0;
}

int printSanitized(ArrayRef<const char *> names) {
  for (StringRef name : names) {
    std::string sanitized = sanitizeCIdentifier(name);
    outs() << "'" << name << "' -> " << sanitized
           << " valid-before=" << isValidCIdentifier(name)
           << " valid-after=" << isValidCIdentifier(sanitized) << '\n';
  }
  return 0;
}

int printTypes() {
  for (ElementType type : kAllElementTypes)
    outs() << static_cast<int>(type) << ' ' << elementTypeName(type) << ' '
           << elementTypeSize(type) << '\n';
  for (std::vector<int64_t> shape :
       std::vector<std::vector<int64_t>>{{}, {0}, {7}, {2, 3, 4}, {1, 0, 5}}) {
    TensorSignature tensor{"t", ElementType::F16, shape};
    outs() << "shape [";
    interleave(shape, outs(), ",");
    outs() << "] elements " << tensor.numElements() << " bytes "
           << tensor.sizeInBytes() << '\n';
  }
  return 0;
}

void report(StringRef what, Error error) {
  outs() << what << ": ";
  if (error)
    outs() << "error: " << toString(std::move(error)) << '\n';
  else
    outs() << "ok\n";
}

/// The failure paths of the writers: each must leave the destination as it
/// was and no temporary file behind (the lit test lists the directory).
int exerciseWriters(StringRef dir) {
  auto path = [&](StringRef file) {
    SmallString<256> result(dir);
    sys::path::append(result, file);
    return std::string(result);
  };
  report("write file", writeFileAtomically(path("file.txt"), "original\n"));
  report("bad member name",
         writeStaticLibrary(path("file.txt"), {{"a/b.o", "bytes"}}));
  report("empty member name",
         writeStaticLibrary(path("file.txt"), {{"", "bytes"}}));
  report("duplicate member",
         writeStaticLibrary(path("file.txt"), {{"a.o", "x"}, {"a.o", "y"}}));
  report("missing directory",
         writeStaticLibrary(path("missing/lib.a"), {{"a.txt", "x"}}));
  if (std::error_code error = sys::fs::create_directory(path("adir")))
    return fail("cannot create " + path("adir") + ": " + error.message());
  report("onto a directory", writeFileAtomically(path("adir"), "replaced\n"));
  report("library",
         writeStaticLibrary(path("lib.a"),
                            {{"notes.txt", "hello\n"},
                             {"a_rather_long_member_name.txt",
                              "long names go to the string table\n"}}));

  auto contents = MemoryBuffer::getFile(path("file.txt"));
  if (!contents)
    return fail("cannot read back file.txt");
  outs() << "file.txt holds: " << (*contents)->getBuffer();
  return 0;
}

int usage() {
  errs() << "usage: kiln-target-test header [--empty | --gpu] [NAME] | ir "
            "[--empty | --gpu] [NAME] | library [--triple T] [--name NAME] "
            "[--gpu ARCH [--cubin FILE]] --out-dir DIR | gpu-ptx | sanitize "
            "STRING... | types | writers DIR\n";
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  InitializeAllTargetInfos();
  InitializeAllTargets();
  InitializeAllTargetMCs();
  InitializeAllAsmPrinters();
  // The runtime's inline assembly (GPU libraries link the real runtime).
  InitializeAllAsmParsers();

  if (argc < 2)
    return usage();
  StringRef command = argv[1];
  ArrayRef<const char *> args(argv + 2, argv + argc);

  if (command == "header" && args.size() <= 2)
    return printHeader(selectSignature(args));
  if (command == "ir" && args.size() <= 2)
    return printIR(selectSignature(args));
  if (command == "gpu-ptx" && args.empty()) {
    outs() << kCopyKernelPtx;
    return 0;
  }
  if (command == "sanitize")
    return printSanitized(args);
  if (command == "types" && args.empty())
    return printTypes();
  if (command == "writers" && args.size() == 1)
    return exerciseWriters(args[0]);
  if (command == "library") {
    std::string triple = sys::getDefaultTargetTriple();
    std::string name = "ktm";
    std::string outDir;
    std::string gpuArch;
    std::string cubinPath;
    for (size_t i = 0; i + 1 < args.size(); i += 2) {
      StringRef flag = args[i];
      if (flag == "--triple")
        triple = args[i + 1];
      else if (flag == "--name")
        name = args[i + 1];
      else if (flag == "--out-dir")
        outDir = args[i + 1];
      else if (flag == "--gpu")
        gpuArch = args[i + 1];
      else if (flag == "--cubin")
        cubinPath = args[i + 1];
      else
        return usage();
    }
    if (outDir.empty() || args.size() % 2 != 0 ||
        (!cubinPath.empty() && gpuArch.empty()))
      return usage();
    if (!gpuArch.empty())
      return buildGpuLibrary(triple, name, gpuArch, cubinPath, outDir);
    return buildLibrary(triple, name, outDir);
  }
  return usage();
}

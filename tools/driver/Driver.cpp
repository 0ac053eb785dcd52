//===- Driver.cpp - Compiling a model file into a library -----------------===//

#include "tools/driver/Driver.h"

#include "codegen/cpu/TilingStrategy.h"
#include "codegen/gpu/Passes.h"
#include "codegen/target/GpuGlobals.h"
#include "codegen/target/HeaderGenerator.h"
#include "frontend/onnx/OnnxImporter.h"
#include "frontend/onnx/OnnxLocation.h"
#include "frontend/onnx/OnnxTensors.h"
#include "passes/dispatch/Passes.h"
#include "passes/pipelines/Pipelines.h"
#include "tools/kiln-run/TensorIO.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <cctype>
#include <functional>
#include <cstdlib>

using namespace mlir;

namespace kiln::driver {

GpuFlags::GpuFlags(llvm::cl::OptionCategory &category)
    : emulate("emulate-gpu",
              llvm::cl::desc("Use the GPU code generator's kernels, run on the CPU as loops over "
                             "blocks and threads (checks GPU numerics without a GPU)"),
              llvm::cl::cat(category)),
      checkRaces(
          "emulate-gpu-check-races",
          llvm::cl::desc(
              "With --emulate-gpu: check every access to shared memory against the other "
              "threads' accesses since the last barrier, and to global memory against the "
              "other blocks' too, each against its buffer's bounds and its alignment; after "
              "a run with a race (two threads' accesses to an element, one a write, not "
              "ordered by a barrier), an access out of bounds or a misaligned one, NAME_run "
              "returns KILN_ERROR_RACE and NAME_error_message names the first. For checking "
              "kernels: slow"),
          llvm::cl::cat(category)),
      reversed("emulate-gpu-reversed",
               llvm::cl::desc(
                   "With --emulate-gpu: run the blocks, and the threads between two barriers, "
                   "from the last id down. Kernels without races compute the same bits in "
                   "either order; outputs that differ from a forward run's show a thread "
                   "reading what another writes with no barrier between them, or a block "
                   "reading another's output"),
               llvm::cl::cat(category)),
      tf32("gpu-tf32",
           llvm::cl::desc("GPU builds (--gpu, --emulate-gpu): run f32 matmuls and convolutions "
                          "on the tensor cores with TF32 inputs (10-bit mantissas, about 1e-3 "
                          "relative error) instead of in full FP32"),
           llvm::cl::cat(category)),
      asyncCopies(
          "gpu-async-copies",
          llvm::cl::desc("GPU builds (--gpu, --emulate-gpu; sm_80 and newer): FP32 staged "
                         "matmuls and convolutions copy their input tiles from global into "
                         "shared memory with asynchronous copies (cp.async, up to three stages, "
                         "two k steps in flight) instead of through registers one k step ahead. "
                         "Experimental: not yet timed on a GPU"),
          llvm::cl::cat(category)) {}

void GpuFlags::apply(CompileOptions &options) const {
  options.emulateGpu = emulate;
  options.emulateGpuCheckRaces = checkRaces;
  options.emulateGpuReversed = reversed;
  options.gpuTf32 = tf32;
  options.gpuAsyncCopies = asyncCopies;
}

std::optional<EmitKind> parseEmitKind(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<EmitKind>>(name)
      .Case("graph", EmitKind::Graph)
      .Case("linalg", EmitKind::Linalg)
      .Case("vector", EmitKind::Vector)
      .Case("memref", EmitKind::MemRef)
      .Case("llvm", EmitKind::LLVM)
      .Case("asm", EmitKind::Asm)
      .Case("ptx", EmitKind::Ptx)
      .Case("obj", EmitKind::Obj)
      .Case("lib", EmitKind::Library)
      .Default(std::nullopt);
}

std::string defaultModelName(llvm::StringRef inputPath, llvm::StringRef outputPath) {
  llvm::StringRef outputName = llvm::sys::path::filename(outputPath);
  if (outputName.starts_with("lib") && outputName.ends_with(".a") &&
      outputName.size() > 5)
    return target::sanitizeCIdentifier(outputName.drop_front(3).drop_back(2));
  llvm::StringRef stem = llvm::sys::path::filename(inputPath);
  for (llvm::StringRef suffix : {".onnx.txt", ".onnx", ".mlir"})
    if (stem.consume_back(suffix))
      break;
  return target::sanitizeCIdentifier(stem);
}

FailureOr<std::pair<std::string, llvm::SmallVector<int64_t>>>
parseInputShape(llvm::StringRef text) {
  auto [name, dims] = text.rsplit('=');
  if (name.empty() || dims.empty())
    return failure();
  llvm::SmallVector<int64_t> shape;
  if (dims != "scalar") {
    llvm::SmallVector<llvm::StringRef> parts;
    dims.split(parts, 'x');
    for (llvm::StringRef part : parts) {
      int64_t d;
      if (part.getAsInteger(10, d) || d < 0)
        return failure();
      shape.push_back(d);
    }
  }
  return std::make_pair(name.str(), shape);
}

FailureOr<std::pair<std::string, std::string>> parseBinding(llvm::StringRef text) {
  auto [name, path] = text.split('=');
  if (name.empty() || path.empty() || !text.contains('='))
    return failure();
  return std::make_pair(name.str(), path.str());
}

//===----------------------------------------------------------------------===//
// Diagnostics
//===----------------------------------------------------------------------===//

bool parseCommandLine(int argc, const char *const *argv, llvm::StringRef overview,
                      llvm::StringRef tool) {
  std::string messages;
  llvm::raw_string_ostream stream(messages);
  if (llvm::cl::ParseCommandLineOptions(argc, argv, overview, &stream))
    return true;
  // LLVM writes "TOOL: <problem>" lines (the problem, then hints such as
  // "Did you mean '-o'?"): join them into one sentence without the prefixes.
  SmallVector<StringRef> lines;
  StringRef(messages).split(lines, '\n', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  std::string joined;
  for (StringRef line : lines) {
    line = line.trim();
    if (line.consume_front(tool))
      line = line.drop_while([](char c) { return c == ':' || c == ' '; });
    if (line.empty())
      continue;
    if (!joined.empty())
      joined += " ";
    joined += line.str();
  }
  if (joined.empty())
    joined = "invalid command line";
  else
    joined[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(joined[0])));
  llvm::errs() << tool << ": error: " << joined << "\n";
  return false;
}

DiagnosticPrinter::DiagnosticPrinter(MLIRContext &context, llvm::StringRef tool)
    : context(context) {
  std::string toolName = tool.str();
  id = context.getDiagEngine().registerHandler([toolName](Diagnostic &diag) {
    const char *severity = "error";
    switch (diag.getSeverity()) {
    case DiagnosticSeverity::Error:
      break;
    case DiagnosticSeverity::Warning:
      severity = "warning";
      break;
    case DiagnosticSeverity::Note:
    case DiagnosticSeverity::Remark:
      return success(); // One line per problem: the error says it all.
    }
    std::string where = frontend::describeLocation(diag.getLocation());
    std::string message = diag.str();
    // Keep it on one line even when a message embeds newlines.
    std::replace(message.begin(), message.end(), '\n', ' ');
    llvm::errs() << toolName << ": " << severity << ": ";
    if (!where.empty())
      llvm::errs() << where << ": ";
    llvm::errs() << message << "\n";
    return success();
  });
}

DiagnosticPrinter::~DiagnosticPrinter() { context.getDiagEngine().eraseHandler(id); }

//===----------------------------------------------------------------------===//
// Compilation
//===----------------------------------------------------------------------===//

namespace {

/// The C interface's code for an element type: ONNX's data type code, for
/// the types the interface carries.
std::optional<target::ElementType> toElementType(Type type) {
  std::optional<int32_t> code = frontend::getOnnxDataType(type);
  if (!code)
    return std::nullopt;
  for (target::ElementType t : target::kAllElementTypes)
    if (static_cast<int32_t>(t) == *code)
      return t;
  return std::nullopt;
}

/// A bound input: its value for the importer and its bytes for NAME_run.
struct Binding {
  DenseElementsAttr value;
  std::string bytes;
};

/// Reads the tensor files of --bind.
FailureOr<llvm::StringMap<Binding>> readBindings(MLIRContext &context,
                                                 const CompileOptions &options) {
  llvm::StringMap<Binding> bindings;
  for (const auto &entry : options.bindings) {
    llvm::Expected<tools::HostTensor> tensor = tools::readTensorFile(entry.getValue());
    if (!tensor)
      return emitError(UnknownLoc::get(&context))
             << "--bind " << entry.getKey() << ": " << llvm::toString(tensor.takeError());
    auto type = RankedTensorType::get(
        tensor->shape, frontend::getElementType(&context, static_cast<int32_t>(tensor->type)));
    ArrayRef<char> bytes(static_cast<const char *>(tensor->data()), tensor->sizeInBytes());
    bindings[entry.getKey()] = {frontend::denseFromRawBytes(type, bytes),
                                std::string(bytes.begin(), bytes.end())};
  }
  return bindings;
}

/// The C face of the graph-phase @main: names, element types, shapes.
LogicalResult extractSignature(ModuleOp module, target::ModelSignature &sig) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main || main.isExternal())
    return module.emitError("the model has no @main function");
  auto describe = [&](Type type, StringAttr name, Location loc, const char *kind,
                      unsigned index, target::TensorSignature &out) -> LogicalResult {
    auto tensor = llvm::dyn_cast<RankedTensorType>(type);
    out.name = name ? name.str() : (Twine(kind) + Twine(index)).str();
    if (!tensor || !tensor.hasStaticShape())
      return emitError(loc) << kind << " '" << out.name << "' has no static shape";
    std::optional<target::ElementType> element = toElementType(tensor.getElementType());
    if (!element)
      return emitError(loc) << kind << " '" << out.name << "' has element type "
                            << tensor.getElementType()
                            << ", which the C API does not support";
    out.type = *element;
    out.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
    return success();
  };
  for (unsigned i = 0; i < main.getNumArguments(); ++i) {
    target::TensorSignature t;
    if (failed(describe(main.getArgument(i).getType(),
                        main.getArgAttrOfType<StringAttr>(i, dispatch::kNameAttr),
                        main.getArgument(i).getLoc(), "input", i, t)))
      return failure();
    sig.inputs.push_back(std::move(t));
  }
  for (unsigned i = 0; i < main.getNumResults(); ++i) {
    target::TensorSignature t;
    if (failed(describe(main.getResultTypes()[i],
                        main.getResultAttrOfType<StringAttr>(i, dispatch::kNameAttr),
                        main.getLoc(), "output", i, t)))
      return failure();
    sig.outputs.push_back(std::move(t));
  }
  return success();
}

std::string printModule(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os);
  return text;
}

/// Wall-clock times of the compilation's phases and of each pass in them
/// (kilnc --time-phases), printed to stderr as a tree when the compilation
/// ends; free when disabled.
class PhaseTiming {
public:
  explicit PhaseTiming(bool enabled) {
    manager.setEnabled(enabled);
    manager.setDisplayMode(DefaultTimingManager::DisplayMode::Tree);
    root = manager.getRootScope();
  }
  TimingScope nest(llvm::StringRef phase) { return root.nest(phase); }
  /// Runs the pass pipeline `build` makes on `module`, as phase `phase`.
  LogicalResult run(ModuleOp module, llvm::StringRef phase,
                    llvm::function_ref<void(OpPassManager &)> build) {
    TimingScope scope = root.nest(phase);
    PassManager pm(module.getContext());
    build(pm);
    if (manager.isEnabled())
      pm.enableTiming(scope);
    return pm.run(module);
  }

private:
  // Declared first: prints when destroyed, after `root` has stopped.
  DefaultTimingManager manager;
  TimingScope root;
};

/// The CUDA toolkit's root (for libdevice and ptxas): $CUDA_HOME, $CUDA_PATH
/// or /usr/local/cuda, if it holds libdevice; empty if none is installed.
std::string findCudaToolkit() {
  for (const char *var : {"CUDA_HOME", "CUDA_PATH"})
    if (const char *path = std::getenv(var))
      if (llvm::sys::fs::exists(llvm::Twine(path) + "/nvvm/libdevice"))
        return path;
  if (llvm::sys::fs::exists("/usr/local/cuda/nvvm/libdevice"))
    return "/usr/local/cuda";
  return "";
}

/// A PTX module with no kernels for `options`' chip and PTX version (its
/// features' "+ptxNM": version N.M): what --emit=ptx writes for a model
/// whose outputs are all empty.
std::string emptyPtxModule(const GpuOptions &options) {
  llvm::StringRef digits = llvm::StringRef(options.ptxFeatures).drop_front(4);
  std::string version = (digits.drop_back() + "." + digits.take_back()).str();
  return "//\n// No kernels: every output of this model is empty.\n//\n\n.version " + version +
         "\n.target " + options.chip + "\n.address_size 64\n";
}

/// A cubin for `arch` from `ptx` with the CUDA toolkit's ptxas, if it is
/// installed and knows `arch`; empty otherwise (the runtime then
/// JIT-compiles the PTX).
FailureOr<std::string> assemblePtx(Location loc, llvm::StringRef ptx,
                                   llvm::StringRef arch) {
  std::string toolkit = findCudaToolkit();
  llvm::ErrorOr<std::string> ptxas = llvm::sys::findProgramByName(
      "ptxas", {toolkit.empty() ? std::string("/usr/local/cuda/bin") : toolkit + "/bin"});
  if (!ptxas)
    return std::string();
  llvm::SmallString<128> ptxPath, cubinPath, logPath;
  int fd;
  if (llvm::sys::fs::createTemporaryFile("kiln", "ptx", fd, ptxPath) ||
      llvm::sys::fs::createTemporaryFile("kiln", "cubin", cubinPath) ||
      llvm::sys::fs::createTemporaryFile("kiln", "log", logPath))
    return emitError(loc) << "cannot create temporary files for ptxas";
  llvm::FileRemover removePtx(ptxPath), removeCubin(cubinPath), removeLog(logPath);
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << ptx;
  }
  std::string archFlag = ("-arch=" + arch).str();
  llvm::StringRef args[] = {*ptxas, archFlag, "-O3", ptxPath, "-o", cubinPath};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath.str(), logPath.str()};
  std::string message;
  if (llvm::sys::ExecuteAndWait(*ptxas, args, std::nullopt, redirects, 0, 0, &message) != 0) {
    auto log = llvm::MemoryBuffer::getFile(logPath);
    llvm::StringRef text = log ? (*log)->getBuffer().trim() : llvm::StringRef(message);
    // A toolkit without this architecture (CUDA 13 dropped sm_70 and
    // sm_72) is as if ptxas were missing: the PTX alone goes in.
    if (text.contains("is not defined for option 'gpu-name'"))
      return std::string();
    return emitError(loc) << "internal error: ptxas rejected the generated PTX: " << text;
  }
  auto cubin = llvm::MemoryBuffer::getFile(cubinPath);
  if (!cubin)
    return emitError(loc) << "cannot read the cubin ptxas wrote";
  return (*cubin)->getBuffer().str();
}

/// The target's vector registers: 32 of 64 bytes with AVX-512, 16 of 32
/// with AVX, 16 of 16 on other x86-64; 32 of 16 on AArch64 (and 16 of 16
/// elsewhere).
cpu::VectorRegisters vectorRegistersOf(const llvm::TargetMachine &machine) {
  const llvm::Triple &triple = machine.getTargetTriple();
  if (triple.isX86()) {
    const llvm::MCSubtargetInfo *info = machine.getMCSubtargetInfo();
    if (info->checkFeatures("+avx512f"))
      return {32, 64};
    return {16, info->checkFeatures("+avx") ? 32 : 16};
  }
  return {triple.isAArch64() ? 32 : 16, 16};
}

/// A string module attribute the GPU pipeline left, removed from the module.
std::string takeStringAttr(ModuleOp module, llvm::StringRef name) {
  auto attr = module->getAttrOfType<StringAttr>(name);
  module->removeAttr(name);
  return attr ? attr.str() : std::string();
}

/// Links, optimizes and emits a translated model module.
/// Translates the LLVM-dialect `module` to LLVM IR, lets `addGlobals` add
/// what the translation does not carry (the GPU path's PTX and weights), then
/// finalizes it and emits what `options.emit` asks for.
FailureOr<CompileResult>
finishModule(ModuleOp module, llvm::TargetMachine &machine, const CompileOptions &options,
             CompileResult &result, Location fileLoc, PhaseTiming &timing,
             llvm::function_ref<void(llvm::Module &)> addGlobals = nullptr) {
  if (auto size = module->getAttrOfType<IntegerAttr>(dispatch::kWorkspaceSizeAttr))
    result.signature.workspaceSize = size.getInt();
  if (auto size = module->getAttrOfType<IntegerAttr>(dispatch::kTaskStackSizeAttr))
    result.signature.taskStackSize = size.getInt();
  llvm::LLVMContext llvmContext;
  TimingScope translation = timing.nest("translation to LLVM IR");
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, options.name);
  translation.stop();
  if (!llvmModule)
    return emitError(fileLoc) << "internal error: translation to LLVM IR failed";
  if (addGlobals) {
    llvmModule->setDataLayout(machine.createDataLayout());
    addGlobals(*llvmModule);
  }
  TimingScope optimization = timing.nest("LLVM optimization");
  if (llvm::Error error = target::finalizeModelModule(*llvmModule, result.signature,
                                                      machine, options.target.optLevel))
    return emitError(fileLoc) << llvm::toString(std::move(error));
  optimization.stop();
  if (options.emit == EmitKind::LLVM) {
    llvm::raw_string_ostream os(result.text);
    llvmModule->print(os, nullptr);
    return std::move(result);
  }
  TimingScope codegen = timing.nest("machine code");
  auto code = target::emitMachineCode(*llvmModule, machine, options.emit == EmitKind::Asm);
  codegen.stop();
  if (!code)
    return emitError(fileLoc) << llvm::toString(code.takeError());
  if (options.emit == EmitKind::Asm)
    result.text = std::string(code->str());
  else
    result.object = std::move(*code);
  return std::move(result);
}

} // namespace

FailureOr<CompileResult> compileModel(MLIRContext &context,
                                      const CompileOptions &options) {
  Location fileLoc = FileLineColLoc::get(&context, options.inputPath, 0, 0);
  if (!target::isValidCIdentifier(options.name))
    return emitError(UnknownLoc::get(&context))
           << "model name '" << options.name
           << "' is not a valid C identifier (use --name)";

  // Check the target before the expensive work, so a bad --target or --cpu
  // fails at once. The CPU phases need it too: their tiles fit its registers.
  bool needsMachine = options.emit == EmitKind::Vector || options.emit == EmitKind::MemRef ||
                      options.emit == EmitKind::LLVM || options.emit == EmitKind::Asm ||
                      options.emit == EmitKind::Obj || options.emit == EmitKind::Library ||
                      options.emit == EmitKind::Ptx;
  std::unique_ptr<llvm::TargetMachine> machine;
  if (needsMachine) {
    auto created = target::createTargetMachine(options.target);
    if (!created)
      return emitError(UnknownLoc::get(&context)) << llvm::toString(created.takeError());
    machine = std::move(*created);
  }

  FailureOr<llvm::StringMap<Binding>> bindings = readBindings(context, options);
  if (failed(bindings))
    return failure();
  PhaseTiming timing(options.timePhases);
  TimingScope import = timing.nest("import");
  OwningOpRef<ModuleOp> module;
  if (llvm::StringRef(options.inputPath).ends_with(".mlir")) {
    if (!bindings->empty())
      return emitError(UnknownLoc::get(&context))
             << "--bind applies to ONNX models, not to .mlir input";
    module = parseSourceFile<ModuleOp>(options.inputPath, &context);
  } else {
    frontend::OnnxImportOptions importOptions;
    for (const auto &entry : options.inputShapes)
      importOptions.inputShapes[entry.getKey()] = entry.getValue();
    for (const auto &entry : *bindings)
      importOptions.boundInputs[entry.getKey()] = entry.getValue().value;
    module = frontend::importOnnxFile(context, options.inputPath, importOptions);
  }
  if (!module)
    return failure();
  import.stop();

  CompileResult result;
  result.signature.name = options.name;
  if (failed(timing.run(*module, "graph", buildGraphPipeline)))
    return failure();
  if (options.emit == EmitKind::Graph) {
    result.text = printModule(*module);
    return result;
  }
  if (failed(extractSignature(*module, result.signature)))
    return failure();
  for (target::TensorSignature &input : result.signature.inputs)
    if (auto it = bindings->find(input.name); it != bindings->end())
      input.boundValue = it->getValue().bytes;

  result.signature.checksRaces = options.emulateGpu && options.emulateGpuCheckRaces;
  result.signature.profilesMemory = options.emulateGpu && options.emulateGpuProfileMemory;
  result.signature.emulatesGpu = options.emulateGpu;
  bool gpu = !options.gpuArch.empty();
  if (gpu && options.emulateGpu)
    return emitError(UnknownLoc::get(&context))
           << "--emulate-gpu builds a CPU library: it does not take --gpu";
  if ((gpu || options.emulateGpu) &&
      (options.emit == EmitKind::Vector || options.emit == EmitKind::MemRef))
    return emitError(UnknownLoc::get(&context))
           << "--emit=vector and --emit=memref are CPU phases; GPU builds stop at "
              "graph, linalg, ptx, llvm, asm, obj or lib";
  if (!gpu && options.emit == EmitKind::Ptx)
    return emitError(UnknownLoc::get(&context)) << "--emit=ptx needs --gpu";
  int sm = gpu ? computeCapabilityOf(options.gpuArch) : 0;
  if (gpu && ptxFeaturesOf(options.gpuArch).empty())
    return emitError(UnknownLoc::get(&context))
           << "unsupported GPU architecture '" << options.gpuArch
           << "' (use one of " << knownGpuChips() << ")";
  if (options.emulateGpuCheckRaces && !options.emulateGpu)
    return emitError(UnknownLoc::get(&context))
           << "--emulate-gpu-check-races checks the GPU emulation: use it with --emulate-gpu";
  if (options.emulateGpuProfileMemory && !options.emulateGpu)
    return emitError(UnknownLoc::get(&context))
           << "--emulate-gpu-profile-memory profiles the GPU emulation: use it with --emulate-gpu";
  if (options.emulateGpuProfileBlocks < 0)
    return emitError(UnknownLoc::get(&context))
           << "--emulate-gpu-profile-blocks needs a non-negative count";
  if (options.emulateGpuReversed && !options.emulateGpu)
    return emitError(UnknownLoc::get(&context))
           << "--emulate-gpu-reversed changes the GPU emulation: use it with --emulate-gpu";
  if (options.gpuAsyncCopies && !gpu && !options.emulateGpu)
    return emitError(UnknownLoc::get(&context))
           << "--gpu-async-copies applies to GPU builds: use it with --gpu or --emulate-gpu";
  if (options.gpuTf32 && !gpu && !options.emulateGpu)
    return emitError(UnknownLoc::get(&context))
           << "--gpu-tf32 applies to GPU builds: use it with --gpu or --emulate-gpu";
  if (options.profileNames && (gpu || options.emulateGpu))
    return emitError(UnknownLoc::get(&context))
           << "--profile-names applies to CPU builds: use it without --gpu and --emulate-gpu";
  if (options.gpuAsyncCopies && gpu && sm < 80)
    return emitError(UnknownLoc::get(&context))
           << "--gpu-async-copies needs cp.async: sm_80 or newer, not " << options.gpuArch;
  if (options.gpuTf32 && gpu && sm < 80)
    return emitError(UnknownLoc::get(&context))
           << "--gpu-tf32 needs TF32 tensor cores: sm_80 or newer, not " << options.gpuArch;

  // Every path goes through linalg, and may stop there.
  // GPUs want the whole batch in each kernel; CPUs one image at a time where
  // the images are independent (kiln-split-batch), and a depthwise
  // convolution's costly activation apart from its register tiles.
  bool onCpu = !gpu && !options.emulateGpu;
  LinalgOptions linalgOptions =
      onCpu ? cpuLinalgOptions(options.splitBatch) : gpuLinalgOptions();
  if (failed(timing.run(*module, "linalg", [&](OpPassManager &pm) {
        buildLinalgPipeline(pm, linalgOptions);
      })))
    return failure();
  if (options.emit == EmitKind::Linalg) {
    result.text = printModule(*module);
    return result;
  }

  if (gpu) {
    GpuOptions gpuOptions;
    gpuOptions.chip = options.gpuArch;
    gpuOptions.ptxFeatures = ptxFeaturesOf(options.gpuArch);
    gpuOptions.tf32 = options.gpuTf32;
    gpuOptions.asyncCopies = options.gpuAsyncCopies;
    gpuOptions.cudaToolkitPath = findCudaToolkit();
    if (gpuOptions.cudaToolkitPath.empty())
      return emitError(UnknownLoc::get(&context))
             << "GPU builds need the CUDA toolkit's libdevice: install the toolkit "
                "(/usr/local/cuda) or set CUDA_HOME";
    if (failed(timing.run(*module, "GPU code generation",
                          [&](OpPassManager &pm) { buildGpuPipeline(pm, gpuOptions); })))
      return failure();
    std::string ptx = takeStringAttr(*module, gpu::kPtxAttr);
    std::string weights = takeStringAttr(*module, gpu::kWeightsAttr);
    std::vector<std::string> kernels;
    if (auto names = (*module)->getAttrOfType<ArrayAttr>(gpu::kKernelsAttr))
      for (auto name : names.getAsRange<StringAttr>())
        kernels.push_back(name.str());
    (*module)->removeAttr(gpu::kKernelsAttr);
    if (options.emit == EmitKind::Ptx) {
      // A model without kernels (every output empty) still gets a valid
      // PTX module: the header alone, which ptxas accepts.
      result.text = kernels.empty() ? emptyPtxModule(gpuOptions) : ptx;
      return result;
    }
    result.signature.gpu = target::GpuInfo{options.gpuArch};
    // A model without kernels has no PTX to assemble (and loads none).
    FailureOr<std::string> cubin = std::string();
    if (!kernels.empty())
      cubin = assemblePtx(fileLoc, ptx, options.gpuArch);
    if (failed(cubin))
      return failure();
    return finishModule(*module, *machine, options, result, fileLoc, timing, [&](llvm::Module &m) {
      target::emitGpuModuleGlobals(m, ptx, *cubin, cubin->empty() ? 0 : sm, kernels, weights);
    });
  }

  if (options.emulateGpu) {
    // The kernels of the default chip.
    GpuOptions gpuOptions;
    gpuOptions.tf32 = options.gpuTf32;
    gpuOptions.asyncCopies = options.gpuAsyncCopies;
    gpuOptions.reverseEmulation = options.emulateGpuReversed;
    gpuOptions.checkRaces = options.emulateGpuCheckRaces;
    gpuOptions.profileMemory = options.emulateGpuProfileMemory;
    gpuOptions.profileBlocks = options.emulateGpuProfileBlocks;
    if (failed(timing.run(*module, "GPU emulation", [&](OpPassManager &pm) {
          buildGpuEmulationPipeline(pm, gpuOptions);
        })))
      return failure();
    return finishModule(*module, *machine, options, result, fileLoc, timing);
  }
  CpuOptions cpuOptions;
  std::string triple =
      options.target.triple.empty() ? llvm::sys::getDefaultTargetTriple() : options.target.triple;
  bool aarch64 = llvm::Triple(triple).isAArch64();
  cpuOptions.maskedLoads = !aarch64;
  cpuOptions.selectMinMax = !aarch64;
  if (machine) {
    cpu::VectorRegisters registers = vectorRegistersOf(*machine);
    cpuOptions.vectorBytes = registers.bytes;
    // Register tiles fit the target's registers (a kiln.micro_tile_rows the
    // input sets still chooses the micro-kernel's height).
    (*module)->setAttr(cpu::kVectorRegistersAttr,
                       DenseI64ArrayAttr::get(&context, {registers.count, registers.bytes}));
  }
  cpuOptions.profileNames = options.profileNames;
  using Builder = std::function<void(OpPassManager &)>;
  const std::tuple<EmitKind, const char *, Builder> phases[] = {
      {EmitKind::Vector, "vector",
       [&](OpPassManager &pm) { buildVectorPipeline(pm, cpuOptions); }},
      {EmitKind::MemRef, "memref", buildMemRefPipeline}};
  for (auto [kind, phase, build] : phases) {
    if (failed(timing.run(*module, phase, build)))
      return failure();
    if (options.emit == kind) {
      result.text = printModule(*module);
      return result;
    }
  }
  if (failed(timing.run(*module, "LLVM dialect",
                        [&](OpPassManager &pm) { buildLLVMPipeline(pm, cpuOptions); })))
    return failure();
  return finishModule(*module, *machine, options, result, fileLoc, timing);
}

} // namespace kiln::driver

//===- kiln-run.cpp - Compile, run, compare and benchmark a model ---------===//
//
//   kiln-run MODEL [--inputs FILE...] [--expected FILE...] [--rtol R] [--atol A]
//                  [--output-dir DIR] [--threads N] [--benchmark N]
//
// Compiles MODEL through exactly the pipeline kilnc uses, loads the very
// object file kilnc would put in libNAME.a into an in-process JIT linker,
// and calls its public C functions (NAME_run, NAME_workspace_size, ...) as
// an application would. Exit status: 0 when every output matches (or nothing
// was compared), 1 on a mismatch, 2 when the model could not be compiled or
// run (the reason is on stderr).
//
//===----------------------------------------------------------------------===//

#include "codegen/target/ObjectEmitter.h"
#include "passes/pipelines/InitAll.h"
#include "tools/driver/Driver.h"
#include "tools/kiln-run/TensorIO.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <cstdlib>

using namespace llvm;
using namespace kiln;

static cl::OptionCategory category("kiln-run options");

static cl::opt<std::string> inputPath(cl::Positional, cl::desc("MODEL"), cl::Required,
                                      cl::cat(category));
static cl::list<std::string> inputFiles(
    "inputs", cl::desc("Input tensors in graph-input order (.npy or ONNX .pb); "
                       "without any, every input is zeros"),
    cl::value_desc("file"), cl::cat(category));
static cl::list<std::string> expectedFiles(
    "expected", cl::desc("Expected outputs in graph-output order (.npy or .pb)"),
    cl::value_desc("file"), cl::cat(category));
static cl::opt<double> relativeTolerance("rtol", cl::desc("Relative tolerance (default 1e-3)"),
                            cl::init(1e-3), cl::cat(category));
static cl::opt<double> absoluteTolerance("atol", cl::desc("Absolute tolerance (default 1e-7)"),
                            cl::init(1e-7), cl::cat(category));
static cl::opt<std::string> outputDir(
    "output-dir", cl::desc("Write each output to DIR/<output name>.npy, or .pb (an ONNX TensorProto) for types numpy has no dtype for (bfloat16, 8-, 4- and 2-bit types)"),
    cl::value_desc("DIR"), cl::cat(category));
// libLLVM already registers a `threads` option, so this one is registered as
// `num-threads` and `--threads` is rewritten to it (see expandArguments).
static cl::opt<int> threads("num-threads",
                            cl::desc("Threads for parallel loops (default: all cores); "
                                     "--threads N works too"),
                            cl::init(0), cl::value_desc("N"), cl::cat(category));
static cl::opt<int> benchmark("benchmark",
                              cl::desc("Time N runs after a warm-up and print the median"),
                              cl::init(0), cl::value_desc("N"), cl::cat(category));
static driver::GpuFlags gpuFlags(category);
static cl::opt<bool> profileMemory(
    "emulate-gpu-profile-memory",
    cl::desc("With --emulate-gpu: after the run, print what each access site of the GPU "
             "kernels cost per warp-level request: shared-memory wavefronts (bank "
             "conflicts) and global 32-byte sectors (coalescing), against the ideal"),
    cl::cat(category));
static cl::opt<int64_t> profileBlocks(
    "emulate-gpu-profile-blocks",
    cl::desc("With --emulate-gpu-profile-memory: profile only the blocks of each launch "
             "whose linear id is below N (default 0: all)"),
    cl::init(0), cl::value_desc("N"), cl::cat(category));
static cl::list<std::string> bindings(
    "bind",
    cl::desc("Fix a graph input's value at compile time, from a .npy or ONNX .pb "
             "tensor file: shapes that depend on it become static, and NAME_run "
             "refuses other values with KILN_ERROR_BOUND_INPUT"),
    cl::value_desc("name=file"), cl::cat(category));
static cl::list<std::string> inputShapes(
    "input-shape", cl::desc("Static shape for a symbolic graph input, name=1x3x224x224"),
    cl::value_desc("name=DxDx..."), cl::cat(category));
static cl::opt<std::string> targetFeatures(
    "features",
    cl::desc("Changes to the host's features to compile for, e.g. -avx512f to run the "
             "AVX2 code on an AVX-512 host; the code runs here, so only features this "
             "host has can be turned on"),
    cl::value_desc("features"), cl::cat(category));
static cl::opt<std::string> modelName(
    "name", cl::desc("C prefix of the compiled functions (default: from the file name)"),
    cl::value_desc("NAME"), cl::cat(category));

namespace {

/// Why `features` (a comma-separated list of +name and -name) cannot run on
/// this host, or an empty string: a feature turned on that the host lacks
/// would make the compiled code fault here.
std::string unrunnableFeature(StringRef features) {
  llvm::StringMap<bool> host = sys::getHostCPUFeatures();
  SmallVector<StringRef> entries;
  features.split(entries, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (StringRef entry : entries) {
    entry = entry.trim();
    if (entry.size() < 2 || (entry[0] != '+' && entry[0] != '-'))
      return "malformed --features entry '" + entry.str() + "' (expected +name or -name)";
    if (entry[0] == '+' && !host.lookup(entry.drop_front()))
      return "--features: '" + entry.drop_front().str() +
             "' is not available on this host, which runs the compiled code";
  }
  return "";
}

constexpr int kExitMismatch = 1;
constexpr int kExitError = 2;

int fail(const Twine &message) {
  errs() << "kiln-run: error: " << message << "\n";
  return kExitError;
}

/// The model's public functions, resolved in the JIT.
struct ModelFunctions {
  using RunFn = int (*)(const void *const *, void *const *, void *);
  using SizeFn = size_t (*)();
  using SetThreadsFn = int (*)(int);
  using MessageFn = const char *(*)(int);
  RunFn run = nullptr;
  SizeFn workspaceSize = nullptr;
  SetThreadsFn setNumThreads = nullptr;
  MessageFn errorMessage = nullptr;
};

Expected<ModelFunctions> loadModel(orc::LLJIT &jit, StringRef object, StringRef name) {
  if (Error error = jit.addObjectFile(MemoryBuffer::getMemBufferCopy(object, name)))
    return std::move(error);
  ModelFunctions fns;
  auto resolve = [&](StringRef suffix, auto &slot) -> Error {
    auto address = jit.lookup((name + "_" + suffix).str());
    if (!address)
      return address.takeError();
    slot = address->toPtr<std::remove_reference_t<decltype(slot)>>();
    return Error::success();
  };
  if (Error e = resolve("run", fns.run))
    return std::move(e);
  if (Error e = resolve("workspace_size", fns.workspaceSize))
    return std::move(e);
  if (Error e = resolve("set_num_threads", fns.setNumThreads))
    return std::move(e);
  if (Error e = resolve("error_message", fns.errorMessage))
    return std::move(e);
  return fns;
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

/// A file name for an output tensor name (which may hold any characters).
std::string outputFileName(StringRef name, StringRef extension) {
  std::string file;
  for (char c : name)
    file += (isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')
                ? c
                : '_';
  if (file.empty() || file == "." || file == "..")
    file = "output";
  return file + extension.str();
}

/// `--inputs a b c` means `--inputs=a --inputs=b --inputs=c`: the file lists
/// take every following argument up to the next option. `--threads` is
/// spelled `--num-threads` internally.
std::vector<std::string> expandArguments(int argc, char **argv) {
  std::vector<std::string> args;
  std::string list;
  for (int i = 0; i < argc; ++i) {
    StringRef arg(argv[i]);
    for (StringRef spelling : {"--threads", "-threads"}) {
      if (arg == spelling || arg.starts_with((spelling + "=").str())) {
        args.push_back("--num-threads" + arg.drop_front(spelling.size()).str());
        list.clear();
        arg = "";
        break;
      }
    }
    if (arg.empty())
      continue;
    if (!list.empty() && !arg.starts_with("-")) {
      args.push_back(list + "=" + arg.str());
      continue;
    }
    list.clear();
    if (arg == "--inputs" || arg == "-inputs" || arg == "--expected" || arg == "-expected") {
      list = arg.str();
      continue;
    }
    args.push_back(arg.str());
  }
  return args;
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  // LLVM's fatal errors (a compiler bug, never the user's input) still end
  // with one line and the documented exit status, not an abort.
  install_fatal_error_handler([](void *, const char *reason, bool) {
    errs() << "kiln-run: internal error: " << reason << "\n";
    std::exit(2);
  });
  cl::HideUnrelatedOptions(category);
  std::vector<std::string> expanded = expandArguments(argc, argv);
  std::vector<const char *> expandedArgv;
  for (const std::string &arg : expanded)
    expandedArgv.push_back(arg.c_str());
  if (!driver::parseCommandLine(
          static_cast<int>(expandedArgv.size()), expandedArgv.data(),
          "Kiln model runner\n\n"
          "Compiles MODEL as kilnc does, runs it on the given inputs, writes and\n"
          "compares outputs, and benchmarks. Exit: 0 match, 1 mismatch, 2 error.\n",
          "kiln-run"))
    return kExitError;
  if (!sys::fs::exists(inputPath))
    return fail("cannot open model '" + inputPath + "': no such file");
  if (benchmark < 0)
    return fail("--benchmark needs a non-negative count");

  if (std::string why = unrunnableFeature(targetFeatures); !why.empty())
    return fail(why);

  driver::CompileOptions options;
  options.inputPath = inputPath;
  // The host's own features, then the changes: later entries win, so
  // features this host lacks (or a virtual machine hides) stay off.
  if (!targetFeatures.empty())
    options.target.features = target::hostFeatureString() + "," + targetFeatures;
  options.emit = driver::EmitKind::Obj;
  gpuFlags.apply(options);
  options.emulateGpuProfileMemory = profileMemory;
  options.emulateGpuProfileBlocks = profileBlocks;
  options.name = modelName.empty() ? driver::defaultModelName(inputPath, "")
                                   : std::string(modelName);
  for (const std::string &text : bindings) {
    auto parsed = driver::parseBinding(text);
    if (mlir::failed(parsed))
      return fail("malformed --bind '" + text + "' (expected name=file)");
    options.bindings[parsed->first] = parsed->second;
  }
  for (const std::string &text : inputShapes) {
    auto parsed = driver::parseInputShape(text);
    if (mlir::failed(parsed))
      return fail("malformed --input-shape '" + text + "'");
    options.inputShapes[parsed->first] = parsed->second;
  }

  mlir::DialectRegistry registry;
  registerDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  driver::DiagnosticPrinter printer(context, "kiln-run");
  mlir::FailureOr<driver::CompileResult> compiled = driver::compileModel(context, options);
  if (mlir::failed(compiled))
    return kExitError;
  const target::ModelSignature &sig = compiled->signature;

  // Inputs: from files in graph order, zeros for the rest.
  if (!inputFiles.empty() && inputFiles.size() != sig.inputs.size())
    return fail(Twine(inputFiles.size()) + " input files given but the model has " +
                Twine(sig.inputs.size()) + " inputs");
  std::vector<tools::HostTensor> inputs;
  for (size_t i = 0; i < sig.inputs.size(); ++i) {
    const target::TensorSignature &expected = sig.inputs[i];
    if (i >= inputFiles.size()) {
      inputs.emplace_back(expected.type, expected.shape);
      continue;
    }
    Expected<tools::HostTensor> tensor = tools::readTensorFile(inputFiles[i]);
    if (!tensor)
      return fail(toString(tensor.takeError()));
    if (tensor->type != expected.type || tensor->shape != expected.shape)
      return fail(Twine(inputFiles[i]) + ": input '" + expected.name + "' must be " +
                  target::elementTypeName(expected.type) + " " + shapeString(expected.shape) +
                  ", the file holds " + target::elementTypeName(tensor->type) + " " +
                  shapeString(tensor->shape));
    inputs.push_back(std::move(*tensor));
  }
  std::vector<tools::HostTensor> outputs;
  for (const target::TensorSignature &out : sig.outputs)
    outputs.emplace_back(out.type, out.shape);

  auto jit = orc::LLJITBuilder().create();
  if (!jit)
    return fail(toString(jit.takeError()));
  const DataLayout &layout = (*jit)->getDataLayout();
  auto generator = orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      layout.getGlobalPrefix());
  if (!generator)
    return fail(toString(generator.takeError()));
  (*jit)->getMainJITDylib().addGenerator(std::move(*generator));
  Expected<ModelFunctions> model = loadModel(**jit, compiled->object, sig.name);
  if (!model)
    return fail("cannot load the compiled model: " + toString(model.takeError()));
  // The pool's worker threads wait inside the JIT-linked code: stop them on
  // every way out, before the JIT (and that code) goes away.
  auto stopWorkers = llvm::make_scope_exit([&] { model->setNumThreads(1); });

  if (threads != 0) {
    int status = model->setNumThreads(threads);
    if (status != 0)
      return fail(Twine("--threads ") + Twine(threads) + ": " + model->errorMessage(status));
  }
  size_t workspaceSize = model->workspaceSize();
  tools::HostTensor workspace(target::ElementType::U8,
                              {static_cast<int64_t>(workspaceSize)});
  std::vector<const void *> inputPointers;
  for (tools::HostTensor &t : inputs)
    inputPointers.push_back(t.data());
  std::vector<void *> outputPointers;
  for (tools::HostTensor &t : outputs)
    outputPointers.push_back(t.data());

  int status = model->run(inputPointers.data(), outputPointers.data(), workspace.data());
  if (status != 0)
    return fail(Twine("the model returned ") + Twine(status) + ": " +
                model->errorMessage(status));
  if (sig.profilesMemory) {
    auto print = (*jit)->lookup(sig.name + "_print_memory_profile");
    if (!print)
      return fail(toString(print.takeError()));
    outs().flush();
    using PrintFn = int (*)(FILE *);
    if (print->toPtr<PrintFn>()(stdout) != 0)
      return fail("the memory profile ran out of memory");
    fflush(stdout);
  }

  if (benchmark > 0) {
    std::vector<double> times;
    for (int i = 0; i < benchmark; ++i) {
      auto start = std::chrono::steady_clock::now();
      model->run(inputPointers.data(), outputPointers.data(), workspace.data());
      auto end = std::chrono::steady_clock::now();
      times.push_back(std::chrono::duration<double, std::milli>(end - start).count());
    }
    std::sort(times.begin(), times.end());
    double median = times.size() % 2 ? times[times.size() / 2]
                                     : (times[times.size() / 2 - 1] + times[times.size() / 2]) / 2;
    outs() << format("median: %.4f ms\n", median);
  }

  if (!outputDir.empty()) {
    if (std::error_code ec = sys::fs::create_directories(outputDir))
      return fail("cannot create '" + outputDir + "': " + ec.message());
    for (size_t i = 0; i < outputs.size(); ++i) {
      SmallString<256> path(outputDir);
      // .npy where numpy has the dtype; an ONNX TensorProto otherwise.
      bool npy = tools::npyCanHold(outputs[i].type);
      sys::path::append(path, outputFileName(sig.outputs[i].name, npy ? ".npy" : ".pb"));
      if (Error error = npy ? tools::writeNpy(path, outputs[i])
                            : tools::writeTensorProto(path, outputs[i], sig.outputs[i].name))
        return fail(toString(std::move(error)));
    }
  }

  if (expectedFiles.size() > sig.outputs.size())
    return fail(Twine(expectedFiles.size()) + " expected files given but the model has " +
                Twine(sig.outputs.size()) + " outputs");
  bool allMatch = true;
  for (size_t i = 0; i < expectedFiles.size(); ++i) {
    Expected<tools::HostTensor> expected = tools::readTensorFile(expectedFiles[i]);
    if (!expected)
      return fail(toString(expected.takeError()));
    tools::Comparison cmp = tools::compareTensors(outputs[i], *expected, relativeTolerance, absoluteTolerance);
    outs() << "output '" << sig.outputs[i].name << "': " << (cmp.match ? "match" : "MISMATCH")
           << " (" << cmp.summary << ")\n";
    allMatch &= cmp.match;
  }
  return allMatch ? 0 : kExitMismatch;
}

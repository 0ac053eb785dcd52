//===- kilnc.cpp - The Kiln model compiler --------------------------------===//
//
//   kilnc MODEL [-o libNAME.a] [--name NAME] [--target TRIPLE] [--emit PHASE] [-O0..3]
//
// Compiles an ONNX model (or a kiln graph .mlir file) into a static library
// and a C header. All work happens in the Driver library; this is argument
// handling and output files only. Outputs are written atomically after a
// successful compilation, so an error never leaves a partial file behind.
//
//===----------------------------------------------------------------------===//

#include "codegen/target/ArchiveWriter.h"
#include "codegen/target/HeaderGenerator.h"
#include "passes/pipelines/InitAll.h"
#include "frontend/onnx/OnnxImporter.h"
#include "tools/driver/Driver.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace llvm;
using namespace kiln;

static cl::OptionCategory category("kilnc options");

static cl::opt<std::string> inputPath(cl::Positional, cl::desc("MODEL"),
                                      cl::cat(category));
static cl::opt<std::string> outputPath(
    "o", cl::desc("Output file (default: libNAME.a with NAME.h beside it; "
                  "NAME.o / NAME.s / NAME.ll; IR phases go to stdout)"),
    cl::value_desc("path"), cl::cat(category));
static cl::opt<std::string> modelName(
    "name", cl::desc("C prefix of the generated functions (default: from -o libNAME.a, "
                     "else the model file name)"),
    cl::value_desc("NAME"), cl::cat(category));
static cl::opt<std::string> targetTriple(
    "target", cl::desc("Target triple: x86_64-linux-gnu (default: host) or aarch64-linux-gnu"),
    cl::value_desc("triple"), cl::cat(category));
static cl::opt<std::string> targetCpu(
    "cpu", cl::desc("Target CPU (default: the host CPU for the host, generic otherwise)"),
    cl::value_desc("cpu"), cl::cat(category));
static cl::opt<std::string> targetFeatures(
    "features", cl::desc("Target features, e.g. +avx2,-avx512f (default: the host's)"),
    cl::value_desc("features"), cl::cat(category));
static cl::opt<std::string> gpuArch(
    "gpu",
    cl::desc("Compile for an NVIDIA GPU of this architecture (sm_70 to sm_121, e.g. "
             "sm_80, sm_90): the library embeds the kernels' PTX (and a cubin when the "
             "installed ptxas knows the architecture) and launches them through the CUDA "
             "driver"),
    cl::value_desc("sm_XX"), cl::cat(category));
static cl::opt<std::string> emit(
    "emit",
    cl::desc("Stop after a phase: graph, linalg, vector, memref (MLIR), llvm (LLVM IR), "
             "asm, ptx (with --gpu), obj, lib (default)"),
    cl::value_desc("phase"), cl::init("lib"), cl::cat(category));
// A string, so a malformed level is reported like every other kilnc error
// (LLVM's integer parser prints its own message).
static cl::opt<std::string> optLevel("O", cl::desc("Optimization level 0-3 (default 3)"),
                                     cl::Prefix, cl::init("3"), cl::cat(category));
static cl::opt<bool> listOps(
    "list-ops",
    cl::desc("Print the supported ONNX operators with the opsets they are supported at, "
             "and exit"),
    cl::cat(category));
static driver::GpuFlags gpuFlags(category);
static cl::opt<bool> timePhases(
    "time-phases",
    cl::desc("Print the wall-clock time of each compilation phase (import, graph, "
             "linalg, vector, memref, LLVM dialect, LLVM IR, machine code) and of "
             "each pass in them to stderr"),
    cl::cat(category));
static cl::opt<bool> profileNames(
    "profile-names",
    cl::desc("CPU builds: give each parallel loop a function of its own, named after "
             "the model node it computes (main_task7__layer1_0_conv1_Conv), so that "
             "perf and other sampling profilers show the time of each node "
             "(bench/profile.py); the library is larger and compiles slower"),
    cl::cat(category));
static cl::opt<bool> noBatchSplit(
    "no-batch-split",
    cl::desc("CPU builds: compute a batched model's layers over the whole batch, "
             "instead of one image at a time where the images are independent "
             "(the default, which keeps an image's activations in cache)"),
    cl::cat(category));
static cl::list<std::string> bindings(
    "bind",
    cl::desc("Fix a graph input's value at compile time, from a .npy or ONNX .pb "
             "tensor file: shapes that depend on it become static, and NAME_run "
             "refuses other values with KILN_ERROR_BOUND_INPUT"),
    cl::value_desc("name=file"), cl::cat(category));
static cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Static shape for a graph input with symbolic dimensions, e.g. "
             "--input-shape input=1x3x224x224 (repeatable)"),
    cl::value_desc("name=DxDx..."), cl::cat(category));

static int fail(const Twine &message) {
  errs() << "kilnc: error: " << message << "\n";
  return 1;
}

/// The output path for a kind, defaulting next to the current directory.
static std::string defaultOutput(driver::EmitKind kind, StringRef name) {
  switch (kind) {
  case driver::EmitKind::Library:
    return ("lib" + name + ".a").str();
  case driver::EmitKind::Obj:
    return (name + ".o").str();
  case driver::EmitKind::Asm:
    return (name + ".s").str();
  case driver::EmitKind::LLVM:
    return (name + ".ll").str();
  case driver::EmitKind::Ptx:
    return (name + ".ptx").str();
  default:
    return "-";
  }
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  // LLVM's fatal errors (a compiler bug, never the user's input) still end
  // with one line and the documented exit status, not an abort.
  install_fatal_error_handler([](void *, const char *reason, bool) {
    errs() << "kilnc: internal error: " << reason << "\n";
    std::exit(1);
  });
  cl::HideUnrelatedOptions(category);
  if (!driver::parseCommandLine(
          argc, argv,
          "Kiln model compiler\n\n"
          "Compiles MODEL (.onnx, .onnx.txt, or a kiln graph .mlir) into libNAME.a and\n"
          "NAME.h. Link the library with: cc app.c libNAME.a -lm -lpthread\n",
          "kilnc"))
    return 1;
  if (listOps) {
    outs() << frontend::listSupportedOnnxOps();
    return 0;
  }
  if (inputPath.empty())
    return fail("no model given (usage: kilnc MODEL [options]; see kilnc --help)");

  std::optional<driver::EmitKind> kind = driver::parseEmitKind(emit);
  if (!kind)
    return fail("unknown --emit phase '" + emit +
                "' (graph, linalg, vector, memref, llvm, asm, ptx, obj, lib)");
  unsigned level = 0;
  if (StringRef(optLevel).getAsInteger(10, level) || level > 3)
    return fail("unknown optimization level -O" + optLevel + " (0 to 3)");
  if (!sys::fs::exists(inputPath))
    return fail("cannot open model '" + inputPath + "': no such file");
  if (sys::fs::is_directory(inputPath))
    return fail("model '" + inputPath + "' is a directory");

  driver::CompileOptions options;
  options.inputPath = inputPath;
  options.emit = *kind;
  options.name = modelName.empty() ? driver::defaultModelName(inputPath, outputPath)
                                   : std::string(modelName);
  options.target.triple = targetTriple;
  options.target.cpu = targetCpu;
  options.target.features = targetFeatures;
  options.target.optLevel = level;
  options.gpuArch = gpuArch;
  gpuFlags.apply(options);
  options.profileNames = profileNames;
  options.splitBatch = !noBatchSplit;
  options.timePhases = timePhases;
  for (const std::string &text : bindings) {
    auto parsed = driver::parseBinding(text);
    if (mlir::failed(parsed))
      return fail("malformed --bind '" + text + "' (expected name=file)");
    options.bindings[parsed->first] = parsed->second;
  }
  for (const std::string &text : inputShapes) {
    auto parsed = driver::parseInputShape(text);
    if (mlir::failed(parsed))
      return fail("malformed --input-shape '" + text + "' (expected name=1x3x224x224)");
    options.inputShapes[parsed->first] = parsed->second;
  }

  mlir::DialectRegistry registry;
  registerDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  driver::DiagnosticPrinter printer(context, "kilnc");
  mlir::FailureOr<driver::CompileResult> result = driver::compileModel(context, options);
  if (mlir::failed(result))
    return 1;

  std::string output = outputPath.empty() ? defaultOutput(*kind, options.name)
                                          : std::string(outputPath);
  if (*kind == driver::EmitKind::Library) {
    SmallString<256> header(sys::path::parent_path(output));
    sys::path::append(header, options.name + ".h");
    std::string member = options.name + ".o";
    if (Error error = target::writeStaticLibrary(output, {{member, result->object}}))
      return fail(toString(std::move(error)));
    if (Error error = target::writeFileAtomically(header, target::generateHeader(result->signature))) {
      sys::fs::remove(output);
      return fail(toString(std::move(error)));
    }
    return 0;
  }
  StringRef bytes = *kind == driver::EmitKind::Obj ? StringRef(result->object)
                                                  : StringRef(result->text);
  if (output == "-") {
    outs() << bytes;
    return 0;
  }
  if (Error error = target::writeFileAtomically(output, bytes))
    return fail(toString(std::move(error)));
  return 0;
}

//===- kiln-import.cpp - Import a model and print its kiln IR -------------===//
//
// A thin test driver over the importers: reads a model, prints the module
// (locations with --mlir-print-debuginfo), and reports each diagnostic as one
// line `<where>: error: <message>` on stderr, exiting 1.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/OnnxImporter.h"
#include "frontend/onnx/OnnxLocation.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/ToolUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

static llvm::cl::opt<std::string>
    inputFilename(llvm::cl::Positional, llvm::cl::Required,
                  llvm::cl::desc("<model.onnx | model.onnx.txt>"));

static llvm::cl::opt<std::string>
    outputFilename("o", llvm::cl::desc("Output file"), llvm::cl::init("-"),
                   llvm::cl::value_desc("filename"));

static llvm::cl::opt<bool> splitInputFile(
    "split-input-file",
    llvm::cl::desc("Import each `# -----`-separated part of a text model on "
                   "its own"));

static llvm::cl::list<std::string> inputShapes(
    "input-shape",
    llvm::cl::desc("Fix a graph input's shape: name=1x3x224x224 (`?` keeps "
                   "the model's size)"),
    llvm::cl::value_desc("name=shape"));

static const char *getSeverityName(DiagnosticSeverity severity) {
  switch (severity) {
  case DiagnosticSeverity::Error:
    return "error";
  case DiagnosticSeverity::Warning:
    return "warning";
  case DiagnosticSeverity::Note:
    return "note";
  case DiagnosticSeverity::Remark:
    return "remark";
  }
  return "error";
}

static void printDiagnostic(Location loc, DiagnosticSeverity severity,
                            const std::string &message) {
  std::string where = kiln::frontend::describeLocation(loc);
  if (!where.empty())
    llvm::errs() << where << ": ";
  llvm::errs() << getSeverityName(severity) << ": " << message << "\n";
}

/// Parses `name=AxBxC` (`?` for a size to keep) into `options`.
static LogicalResult
parseInputShape(StringRef spec, kiln::frontend::OnnxImportOptions &options) {
  auto [name, shapeText] = spec.rsplit('=');
  if (name.empty() || shapeText.empty() || name == spec)
    return failure();
  llvm::SmallVector<int64_t> shape;
  llvm::SmallVector<StringRef> sizes;
  shapeText.split(sizes, 'x');
  for (StringRef size : sizes) {
    int64_t value;
    if (size == "?")
      value = -1;
    else if (size.getAsInteger(10, value) || value < 0)
      return failure();
    shape.push_back(value);
  }
  options.inputShapes[name] = shape;
  return success();
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  llvm::cl::ParseCommandLineOptions(argc, argv, "Kiln model importer\n");

  kiln::frontend::OnnxImportOptions options;
  for (const std::string &spec : inputShapes) {
    if (failed(parseInputShape(spec, options))) {
      llvm::errs() << "error: invalid --input-shape '" << spec
                   << "' (expected name=1x3x224x224)\n";
      return 1;
    }
  }

  MLIRContext context;
  // One line per diagnostic: no op dump attached to verifier errors.
  context.printOpOnDiagnostic(false);
  ScopedDiagnosticHandler handler(&context, [](Diagnostic &diag) {
    printDiagnostic(diag.getLocation(), diag.getSeverity(), diag.str());
    for (Diagnostic &note : diag.getNotes())
      printDiagnostic(note.getLocation(), note.getSeverity(), note.str());
    return success();
  });

  std::string errorMessage;
  auto output = openOutputFile(outputFilename, &errorMessage);
  if (!output) {
    llvm::errs() << "error: " << errorMessage << "\n";
    return 1;
  }

  auto importAndPrint = [&](OwningOpRef<ModuleOp> module,
                            llvm::raw_ostream &os) -> LogicalResult {
    if (!module)
      return failure();
    module->print(os);
    os << "\n";
    return success();
  };

  LogicalResult result = success();
  if (splitInputFile) {
    auto input = openInputFile(inputFilename, &errorMessage);
    if (!input) {
      llvm::errs() << "error: " << errorMessage << "\n";
      return 1;
    }
    result = splitAndProcessBuffer(
        std::move(input),
        [&](std::unique_ptr<llvm::MemoryBuffer> chunk, llvm::raw_ostream &os) {
          return importAndPrint(
              kiln::frontend::importOnnxBuffer(context, chunk->getBuffer(),
                                               inputFilename, options),
              os);
        },
        output->os(), /*inputSplitMarker=*/"# -----",
        /*outputSplitMarker=*/"// -----");
  } else {
    result = importAndPrint(
        kiln::frontend::importOnnxFile(context, inputFilename, options),
        output->os());
  }
  if (failed(result))
    return 1;
  output->keep();
  return 0;
}

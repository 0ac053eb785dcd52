//===- kiln-opt.cpp - mlir-opt with Kiln's dialects and passes ------------===//
//
// Runs any upstream or Kiln pass, or a whole phase pipeline
// (--kiln-graph-pipeline, ..., --kiln-cpu-pipeline), on an MLIR file.
//
//===----------------------------------------------------------------------===//

#include "passes/pipelines/InitAll.h"

#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  kiln::registerDialects(registry);
  mlir::registerAllPasses();
  kiln::registerPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Kiln optimizer driver\n", registry));
}

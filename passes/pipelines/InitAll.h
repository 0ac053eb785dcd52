//===- InitAll.h - Everything a Kiln tool registers -------------*- C++ -*-===//

#ifndef KILN_PASSES_PIPELINES_INITALL_H
#define KILN_PASSES_PIPELINES_INITALL_H

#include "mlir/IR/DialectRegistry.h"

namespace kiln {

/// The dialects and interface models the compiler uses (Kiln's and the
/// upstream ones its pipelines produce, with the bufferization, tiling and
/// LLVM-translation interfaces attached).
void registerDialects(mlir::DialectRegistry &registry);

/// Kiln's passes and pipelines, for textual pipelines and kiln-opt.
void registerPasses();

} // namespace kiln

#endif // KILN_PASSES_PIPELINES_INITALL_H

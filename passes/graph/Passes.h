//===- Passes.h - Graph-level passes ----------------------------*- C++ -*-===//

#ifndef KILN_PASSES_GRAPH_PASSES_H
#define KILN_PASSES_GRAPH_PASSES_H

#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace kiln::graph {

/// On @main, set by kiln-split-batch: the number of images the model's
/// inputs and results hold; @main itself computes one.
inline constexpr llvm::StringLiteral kBatchImagesAttr = "kiln.batch_images";

#define GEN_PASS_DECL
#include "passes/graph/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/graph/Passes.h.inc"

} // namespace kiln::graph

#endif // KILN_PASSES_GRAPH_PASSES_H

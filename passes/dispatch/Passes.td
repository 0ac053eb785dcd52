//===- Passes.td - Buffers and the workspace plan ----------*- tablegen -*-===//

#ifndef KILN_PASSES_DISPATCH_PASSES
#define KILN_PASSES_DISPATCH_PASSES

include "mlir/Pass/PassBase.td"

def FuseElementwise : Pass<"kiln-fuse-elementwise"> {
  let summary = "Fuse chains of elementwise linalg ops into their consumers";
  let description = [{
    A linalg op whose producer is an elementwise generic with a single use
    computes the producer's value in its own body instead of reading it from
    memory. Unlike upstream's linalg-fuse-elementwise-ops this does not
    propagate reshapes through named ops (which would turn matmuls and
    convolutions into generics the codegen strategy no longer recognizes).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def Bufferize : Pass<"kiln-bufferize", "mlir::ModuleOp"> {
  let summary = "One-shot bufferization with Kiln's model calling convention";
  let description = [{
    Bufferizes the whole module across function boundaries with identity
    layouts. Model inputs are read-only (they are the caller's const
    buffers); results become out-parameters written in place (marked with
    `bufferize.result`). Copies are emitted as linalg.copy so they are
    vectorized like any other op and never call a runtime copy routine.
  }];
  let dependentDialects = [
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::memref::MemRefDialect",
  ];
}

def PlanWorkspace : Pass<"kiln-plan-workspace", "mlir::ModuleOp"> {
  let summary = "Place every intermediate buffer at a static workspace offset";
  let description = [{
    Replaces each memref.alloc in @main with a memref.view into one workspace
    buffer, passed as a new last argument (marked `kiln.workspace`). Buffers
    whose lifetimes (from allocation to last use of any alias, measured on
    the top-level op order) do not overlap share memory; placement is
    greedy best-fit by decreasing size with 64-byte alignment. The module
    gets `kiln.workspace_size` (bytes). Afterwards the code allocates nothing.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect"];
}

#endif // KILN_PASSES_DISPATCH_PASSES

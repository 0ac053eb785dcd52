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
    An elementwise generic whose uses are all slices of its result (a
    recurrent step's gates split from one sum), each slice read by one
    elementwise generic it fuses into, is computed slice by slice; the
    slices together may not hold more points than the generic.

    With keep-shared-results (the GPU path), an elementwise producer whose
    result other ops read too fuses into its first reader when that reader
    is an elementwise generic of the same points reading it through a
    permutation and every other reader comes later in the block: the fused
    op yields the producer's result as well, one kernel instead of two (an
    LSTM step's cell state and hidden state). The CPU path leaves such
    producers apart: its code generator is not checked on ops of several
    results.

    With separate-costly-tap-consumers (the CPU path), a generic that reads
    four or more same-shaped slices of one rank-4 tensor, differing only in
    their spatial offsets (a depthwise convolution or pool written
    elementwise over its taps), takes no consumer with transcendental math
    (a SiLU's sigmoid): the CPU code generator computes such a sum
    in register tiles of whole rows or planes, up to 16 vectors of
    accumulators, and the consumer's polynomial over all of them at once
    spills. The consumer then runs as its own pass over the output, which
    measured faster on EfficientNet-B0's depthwise layers (see
    docs/performance.md).
  }];
  let options = [
    Option<"separateCostlyTapConsumers", "separate-costly-tap-consumers", "bool",
           /*default=*/"false",
           "A sum of window taps does not take a consumer with transcendental "
           "math (for the CPU code generator)">,
    Option<"keepSharedResults", "keep-shared-results", "bool", /*default=*/"false",
           "An elementwise producer read by later ops too fuses into its first "
           "elementwise reader, which also yields the producer's result (for "
           "the GPU code generator)">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def Bufferize : Pass<"kiln-bufferize", "mlir::ModuleOp"> {
  let summary = "One-shot bufferization with Kiln's model calling convention";
  let description = [{
    Bufferizes the whole module across function boundaries with identity
    layouts. Model inputs are read-only (they are the caller's const
    buffers); results become out-parameters written in place (marked with
    `bufferize.result`), also when they are reshapes of what an op computed.
    Each group of a tensor.empty's users (users that read one another
    through destination operands, reshapes and slices) gets a tensor.empty
    of its own just before them, so no buffer is shared by layers through
    one merged tensor.empty (the workspace plan shares memory by lifetime
    instead). Copies are emitted as linalg.copy so they are
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
    greedy (each buffer at the lowest free offset, 64-byte aligned) in three
    orders (by size, by lifetime, by size x lifetime), keeping the smallest
    workspace. The module
    gets `kiln.workspace_size` (bytes). Afterwards the code allocates nothing.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect"];
}

#endif // KILN_PASSES_DISPATCH_PASSES

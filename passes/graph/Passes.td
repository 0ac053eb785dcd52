//===- Passes.td - Graph-level passes ----------------------*- tablegen -*-===//

#ifndef KILN_PASSES_GRAPH_PASSES
#define KILN_PASSES_GRAPH_PASSES

include "mlir/Pass/PassBase.td"

def InferShapes : Pass<"kiln-infer-shapes", "mlir::ModuleOp"> {
  let summary = "Refine tensor types through the graph, folding constants";
  let description = [{
    Walks every function in order, re-infers each graph op's result type from
    its (possibly refined) operands, and folds ops whose operands became
    constants (shape arithmetic in exported models), until nothing changes.
    Function signatures are updated to the refined result types.
  }];
  let dependentDialects = ["::kiln::graph::KilnDialect"];
}

def VerifyStaticGraph : Pass<"kiln-verify-static-graph", "mlir::ModuleOp"> {
  let summary = "Contract check: a graph of kiln ops on static shapes";
  let description = [{
    The end of the graph phase. Fails with an error at the node's location
    for any tensor whose shape is still not static (it would depend on values
    only known at run time) and for any op outside the kiln, func and builtin
    dialects.
  }];
}

def SplitBatch : Pass<"kiln-split-batch", "mlir::ModuleOp"> {
  let summary = "Compile a batched model for one image, called once per image";
  let description = [{
    When every op of @main keeps the images of the inputs' leading dimension
    apart (convolutions, pools, elementwise ops with shared operands, row
    matmuls, reshapes that keep the leading dimension, ...), every input and
    result is batched, and one image's activations outweigh the weights and
    reach 64 KiB (below that, a call per image is not worth it),
    retypes @main to one image (reshape shapes included) and sets
    `kiln.batch_images` on it to the image count. The CPU entry point then
    calls @main once per image; one image's activations stay in cache from
    layer to layer where the batch's would not. Leaves other models as
    they are.
  }];
  let dependentDialects = ["::kiln::graph::KilnDialect"];
}

#endif // KILN_PASSES_GRAPH_PASSES

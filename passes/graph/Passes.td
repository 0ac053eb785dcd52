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

#endif // KILN_PASSES_GRAPH_PASSES

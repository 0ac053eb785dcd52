//===- GraphInterfaces.td - Interfaces of graph ops --------*- tablegen -*-===//
//
// Behaviour several graph ops share, so passes and lowerings handle them
// through one interface instead of a list of op names.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_GRAPH_INTERFACES
#define KILN_GRAPH_INTERFACES

include "mlir/IR/OpBase.td"

def Kiln_ElementwiseOpInterface : OpInterface<"ElementwiseOpInterface"> {
  let cppNamespace = "::kiln::graph";
  let description = [{
    An op that applies one scalar function to the elements of its operands,
    read with ONNX (numpy) multidirectional broadcasting, and has one result
    of the broadcast shape. `buildScalar` is the op's whole meaning: the
    linalg lowering puts it in the body of a linalg.generic, and constant
    folding evaluates it with the folders of the ops it builds, so compile
    time and run time compute the same thing.
  }];
  let methods = [
    InterfaceMethod<[{
        Builds one result element from one element of each operand, in
        operand order. Scalars are signless: integers have their tensor's
        width (signedness comes from the op's operand types), floats and
        i1 are as they are. Returns a value of the result's signless element
        type. Builds no ops with regions, so folding can evaluate it.
      }],
      "::mlir::Value", "buildScalar",
      (ins "::mlir::OpBuilder &":$b, "::mlir::Location":$loc,
           "::mlir::ValueRange":$operands)>,
  ];
}

#endif // KILN_GRAPH_INTERFACES

//===- OnnxNode.h - One ONNX node as seen by its converter ------*- C++ -*-===//
//
// A converter (OnnxOpTable.h) reads its node's inputs and attributes through
// an OnnxNode and builds kiln ops with it. Every accessor that can meet a bad
// model emits an error at the node's location and returns failure, so
// converters never check attribute kinds or build ops that fail to verify by
// hand.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_ONNX_ONNXNODE_H
#define KILN_FRONTEND_ONNX_ONNXNODE_H

#include "dialects/graph/IR/GraphOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"

#include "onnx/onnx_pb.h"

#include <optional>
#include <string>

namespace kiln::frontend {

struct OnnxOpConverter;

/// Imports the graphs of GRAPH attributes (If branches, Loop and Scan
/// bodies) inline, at the builder's insertion point: the importer implements
/// it, the control-flow converters call it once per branch or iteration.
class OnnxSubgraphImporter {
public:
  virtual ~OnnxSubgraphImporter() = default;
  /// Imports `graph` with its inputs bound to `inputs` (in order) in a new
  /// name scope over the enclosing ones, so that its nodes also see every
  /// value of the graphs around it by name. Returns the values of its
  /// outputs. `what` names the graph in errors ("the then_branch of ...").
  virtual mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  importSubgraph(const onnx::GraphProto &graph, llvm::ArrayRef<mlir::Value> inputs,
                 mlir::Location loc, llvm::StringRef what) = 0;
};

class OnnxNode {
public:
  OnnxNode(const onnx::NodeProto &proto, const OnnxOpConverter &converter,
           int64_t opset, mlir::Location loc, mlir::OpBuilder &builder,
           llvm::ArrayRef<mlir::Value> inputs,
           llvm::ArrayRef<bool> outputsUsed, llvm::StringRef modelDir,
           OnnxSubgraphImporter *subgraphs = nullptr);

  const onnx::NodeProto &getProto() const { return proto; }
  llvm::StringRef getOpType() const { return proto.op_type(); }
  /// The opset of the node's domain the model imports.
  int64_t getOpset() const { return opset; }
  /// The ONNX version of the op in effect at that opset, as far as Kiln
  /// distinguishes versions (the converter's since-version).
  int64_t getSinceVersion() const;
  mlir::Location getLoc() const { return loc; }
  mlir::OpBuilder &getBuilder() { return builder; }
  mlir::MLIRContext *getContext() { return builder.getContext(); }

  //===--------------------------------------------------------------------===//
  // Inputs and outputs
  //===--------------------------------------------------------------------===//

  /// The number of inputs the node lists, absent ones included.
  size_t getNumInputs() const { return inputs.size(); }
  /// Input `i`, or null when it is absent (an empty name or not listed).
  mlir::Value getInput(size_t i) const {
    return i < inputs.size() ? inputs[i] : mlir::Value();
  }
  /// The type of present input `i`.
  mlir::RankedTensorType getInputType(size_t i) const;
  /// The value of input `i` when it is known at compile time: an
  /// initializer, a Constant, or computed from those (the importer folds such
  /// computations as it goes). Otherwise emits an error that the input, the
  /// `what` of the op ("the target shape"), must be known at compile time
  /// and names the graph input it depends on, and fails.
  mlir::FailureOr<mlir::DenseElementsAttr> getConstantInput(size_t i,
                                                            llvm::StringRef what);
  /// The standard error for a value that must be known at compile time but
  /// is not: "<subject> must be known at compile time", naming the graph
  /// input it depends on and the --bind that would fix it.
  mlir::InFlightDiagnostic emitNotConstantError(mlir::Value value,
                                                llvm::StringRef subject);
  /// Like getConstantInput, as 64-bit integers (shapes, axes, pads).
  mlir::FailureOr<llvm::SmallVector<int64_t>> getConstantInts(size_t i,
                                                              llvm::StringRef what);
  /// True when output `i` is consumed by a node or is a graph output.
  bool isOutputUsed(size_t i) const {
    return i < outputsUsed.size() && outputsUsed[i];
  }
  void setOutput(size_t i, mlir::Value value);
  llvm::ArrayRef<mlir::Value> getOutputs() const { return outputs; }

  //===--------------------------------------------------------------------===//
  // Attributes. The op table has already rejected names the op does not
  // have; these check the kind and fail with an error if it is wrong.
  //===--------------------------------------------------------------------===//

  const onnx::AttributeProto *findAttr(llvm::StringRef name) const;

  mlir::FailureOr<std::optional<int64_t>> getOptionalInt(llvm::StringRef name);
  mlir::FailureOr<int64_t> getInt(llvm::StringRef name, int64_t defaultValue);
  mlir::FailureOr<int64_t> getRequiredInt(llvm::StringRef name);
  mlir::FailureOr<std::optional<float>> getOptionalFloat(llvm::StringRef name);
  mlir::FailureOr<float> getFloat(llvm::StringRef name, float defaultValue);
  mlir::FailureOr<std::string> getString(llvm::StringRef name,
                                         llvm::StringRef defaultValue);
  mlir::FailureOr<std::optional<llvm::SmallVector<int64_t>>>
  getOptionalInts(llvm::StringRef name);
  mlir::FailureOr<llvm::SmallVector<int64_t>>
  getRequiredInts(llvm::StringRef name);
  mlir::FailureOr<std::optional<llvm::SmallVector<float>>>
  getOptionalFloats(llvm::StringRef name);
  mlir::FailureOr<std::optional<llvm::SmallVector<std::string>>>
  getOptionalStrings(llvm::StringRef name);
  /// The graph of a GRAPH attribute (If branches, Loop and Scan bodies), or
  /// null when it is absent.
  mlir::FailureOr<const onnx::GraphProto *>
  getOptionalGraph(llvm::StringRef name);
  /// Like getOptionalGraph, with an error when the attribute is absent.
  mlir::FailureOr<const onnx::GraphProto *>
  getRequiredGraph(llvm::StringRef name);
  /// The tensor of a TENSOR attribute, or null when it is absent.
  mlir::FailureOr<const onnx::TensorProto *>
  getOptionalTensor(llvm::StringRef name);

  /// Imports the graph of attribute `attrName` inline (see
  /// OnnxSubgraphImporter) with `inputs` bound to its inputs.
  mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  importSubgraph(const onnx::GraphProto &graph, llvm::StringRef attrName,
                 llvm::ArrayRef<mlir::Value> inputs);

  /// Converts a tensor held by one of this node's attributes.
  mlir::FailureOr<mlir::DenseElementsAttr>
  convertTensor(const onnx::TensorProto &tensor, llvm::StringRef what);

  //===--------------------------------------------------------------------===//
  // Diagnostics and building
  //===--------------------------------------------------------------------===//

  mlir::InFlightDiagnostic emitError() const { return mlir::emitError(loc); }
  /// Starts "unsupported value <value> for attribute '<name>'"; callers may
  /// append what is supported.
  mlir::InFlightDiagnostic emitUnsupportedValue(llvm::StringRef name,
                                                llvm::StringRef value);

  /// Builds a single-result kiln op at the node's location with its result
  /// type inferred, and verifies it. Fails after an error on bad operands or
  /// attributes.
  template <typename OpTy, typename... Args>
  mlir::FailureOr<OpTy> create(Args &&...args) {
    mlir::FailureOr<OpTy> op = graph::buildInferred<OpTy>(
        builder, loc, std::forward<Args>(args)...);
    if (mlir::failed(op))
      return mlir::failure();
    if (mlir::failed(mlir::verify(*op))) {
      op->erase();
      return mlir::failure();
    }
    return op;
  }

  /// Like create, returning the op's result.
  template <typename OpTy, typename... Args>
  mlir::FailureOr<mlir::Value> createValue(Args &&...args) {
    mlir::FailureOr<OpTy> op = create<OpTy>(std::forward<Args>(args)...);
    if (mlir::failed(op))
      return mlir::failure();
    return op->getResult();
  }

  /// A kiln.constant holding `value`.
  mlir::FailureOr<mlir::Value> createConstant(mlir::ElementsAttr value);
  /// A 1-D i64 kiln.constant (a shape).
  mlir::FailureOr<mlir::Value>
  createI64Constant(llvm::ArrayRef<int64_t> values);
  /// Reshapes `value` to `shape`, which may hold one dynamic size; fails with
  /// an error when it holds more (a constant shape cannot express that).
  mlir::FailureOr<mlir::Value> createReshape(mlir::Value value,
                                             llvm::ArrayRef<int64_t> shape);

private:
  /// Fails with an error unless `attr` has kind `kind`.
  mlir::LogicalResult
  checkKind(const onnx::AttributeProto &attr,
            onnx::AttributeProto::AttributeType kind);

  const onnx::NodeProto &proto;
  const OnnxOpConverter &converter;
  int64_t opset;
  mlir::Location loc;
  mlir::OpBuilder &builder;
  llvm::SmallVector<mlir::Value> inputs;
  llvm::SmallVector<bool> outputsUsed;
  llvm::SmallVector<mlir::Value> outputs;
  llvm::StringRef modelDir;
  OnnxSubgraphImporter *subgraphs;
};

} // namespace kiln::frontend

#endif // KILN_FRONTEND_ONNX_ONNXNODE_H

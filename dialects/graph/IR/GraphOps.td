//===- GraphOps.td - The kiln graph dialect ----------------*- tablegen -*-===//
//
// The graph dialect is Kiln's framework-neutral model level: value-semantics
// tensor operations whose meaning matches the ONNX operator of the same name
// (at its newest opset; importers translate older opsets' semantics). Every op
// infers its result type from its operands and attributes, so importers never
// guess types and shape inference is a walk over the graph.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_GRAPH_OPS
#define KILN_GRAPH_OPS

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "GraphInterfaces.td"

//===----------------------------------------------------------------------===//
// Dialect
//===----------------------------------------------------------------------===//

def Kiln_Dialect : Dialect {
  let name = "kiln";
  let cppNamespace = "::kiln::graph";
  let summary = "Kiln's framework-neutral tensor graph dialect";
  let description = [{
    Value-semantics tensor operations with the meaning of the ONNX operators of
    the same name. Importers (ONNX, and later TFLite, torch.export) build these
    ops; graph passes infer shapes, fold constants and canonicalize; the
    GraphToLinalg conversion lowers them to upstream linalg on tensors.

    Ops accept tensors whose dimensions are not yet known (`?`); shape
    inference refines them. Code generation requires static shapes.
  }];
  // Elementwise ops' scalar semantics are built from arith and math ops, also
  // when constant folding evaluates them.
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect"];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 1;
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

def Kiln_AutoPad : I32EnumAttr<"AutoPad", "how spatial padding is chosen", [
    I32EnumAttrCase<"notset", 0>,
    I32EnumAttrCase<"same_upper", 1>,
    I32EnumAttrCase<"same_lower", 2>,
    I32EnumAttrCase<"valid", 3>]> {
  let cppNamespace = "::kiln::graph";
  let genSpecializedAttr = 0;
}
def Kiln_AutoPadAttr : EnumAttr<Kiln_Dialect, Kiln_AutoPad, "auto_pad">;

//===----------------------------------------------------------------------===//
// Base classes and type constraints
//===----------------------------------------------------------------------===//

// Every graph op is pure and infers its result types. A result type may be
// more precise than what inference gives from less precise operands (shape
// inference refines graphs in place), so compatibility is "same element type
// and compatible shapes", not equality.
class Kiln_Op<string mnemonic, list<Trait> traits = []>
    : Op<Kiln_Dialect, mnemonic,
         !listconcat(traits, [Pure, InferTypeOpAdaptorWithIsCompatible])> {
  code compatibleReturnTypes = [{
    bool $cppClass::isCompatibleReturnTypes(::mlir::TypeRange inferred,
                                            ::mlir::TypeRange actual) {
      return ::kiln::graph::areRefinementCompatible(inferred, actual);
    }
  }];
  let extraClassDefinition = compatibleReturnTypes;
}

def Kiln_Tensor : RankedTensorOf<[AnyType]>;
def Kiln_FloatTensor : RankedTensorOf<[AnyFloat]>;
def Kiln_IndexTensor : RankedTensorOf<[I64, I32]>;
def Kiln_BoolTensor : RankedTensorOf<[I1]>;
// Integers of any signedness, not booleans.
def Kiln_Integer : Type<And<[AnyInteger.predicate, CPred<"!$_self.isInteger(1)">]>,
                        "integer">;
def Kiln_IntegerTensor : RankedTensorOf<[Kiln_Integer]>;
// Numbers: integers and floats, not booleans.
def Kiln_NumericTensor : RankedTensorOf<[Kiln_Integer, AnyFloat]>;

class Kiln_UnaryOp<string mnemonic, Type operandType, list<Trait> traits = []>
    : Kiln_Op<mnemonic, traits> {
  let arguments = (ins operandType:$input);
  let results = (outs operandType:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

// Elementwise ops: the scalar function ElementwiseOpInterface::buildScalar
// over operands with ONNX (numpy) multidirectional broadcasting. The result
// element type follows `resultElement` (C++ ElementwiseResult): Same (every
// operand has it), Bool (i1; the operands share theirs) or First (the first
// operand's; the others may differ). Inference and constant folding are
// generated here; ops with `customInference`/`customFold` write their own.
class Kiln_ElementwiseOp<string mnemonic, string resultElement = "Same",
                         list<Trait> traits = [], bit customInference = 0,
                         bit customFold = 0>
    : Kiln_Op<mnemonic, !listconcat(traits,
          [DeclareOpInterfaceMethods<Kiln_ElementwiseOpInterface>])> {
  let hasFolder = 1;
  let extraClassDefinition = !strconcat(compatibleReturnTypes,
    !if(customInference, "", !strconcat([{
      ::llvm::LogicalResult $cppClass::inferReturnTypes(
          ::mlir::MLIRContext *, std::optional<::mlir::Location> loc,
          Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
        return ::kiln::graph::inferElementwiseType(
            loc, adaptor.getOperands(), ::kiln::graph::ElementwiseResult::}],
        resultElement, [{, types);
      }
    }])),
    !if(customFold, "", [{
      ::mlir::OpFoldResult $cppClass::fold(FoldAdaptor adaptor) {
        return ::kiln::graph::foldElementwise(*this, adaptor.getOperands());
      }
    }]));
}

class Kiln_UnaryElementwiseOp<string mnemonic, Type operandType,
                              dag attributes = (ins),
                              string resultElement = "Same",
                              list<Trait> traits = []>
    : Kiln_ElementwiseOp<mnemonic, resultElement, traits> {
  let arguments = !con((ins operandType:$input), attributes);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

class Kiln_BinaryElementwiseOp<string mnemonic, Type operandType,
                               dag attributes = (ins),
                               string resultElement = "Same",
                               list<Trait> traits = [], bit customFold = 0>
    : Kiln_ElementwiseOp<mnemonic, resultElement, traits, 0, customFold> {
  let arguments = !con((ins operandType:$lhs, operandType:$rhs), attributes);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` `(` type($lhs) `,` type($rhs) `)` `->` type($output)
  }];
}

//===----------------------------------------------------------------------===//
// Constants and plumbing
//===----------------------------------------------------------------------===//

def Kiln_ConstantOp : Kiln_Op<"constant", [ConstantLike]> {
  let summary = "a constant tensor (ONNX Constant, and every initializer)";
  let description = [{
    ```mlir
    %w = kiln.constant dense<1.0> : tensor<8x3x3x3xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

def Kiln_IdentityOp : Kiln_UnaryOp<"identity", Kiln_Tensor> {
  let summary = "returns its input (ONNX Identity)";
  let description = [{
    ```mlir
    %y = kiln.identity %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
  let hasFolder = 1;
}

include "GraphElementwiseOps.td"

def Kiln_ClipOp : Kiln_Op<"clip", [AttrSizedOperandSegments]> {
  let summary = "clamps to [min, max] (ONNX Clip)";
  let description = [{
    `min` and `max` are optional scalar tensors; a missing bound does not
    clamp on that side.
    ```mlir
    %y = kiln.clip %x min %lo max %hi
        : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, Optional<Kiln_Tensor>:$min,
                       Optional<Kiln_Tensor>:$max);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $input (`min` $min^)? (`max` $max^)? attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Linear algebra and convolution
//===----------------------------------------------------------------------===//

def Kiln_MatMulOp : Kiln_Op<"matmul"> {
  let summary = "numpy matmul: batched, with broadcasting batch dims (ONNX MatMul)";
  let description = [{
    1-D operands are promoted as numpy does (a leading or trailing 1 that is
    removed from the result).
    ```mlir
    %c = kiln.matmul %a, %b : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<2x4x16xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$lhs, Kiln_Tensor:$rhs);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` `(` type($lhs) `,` type($rhs) `)` `->` type($output)
  }];
  let hasFolder = 1;
}

def Kiln_GemmOp : Kiln_Op<"gemm"> {
  let summary = "alpha * op(A) * op(B) + beta * C (ONNX Gemm)";
  let description = [{
    A and B are 2-D; op() transposes when `trans_a`/`trans_b` is set; C is
    optional and broadcasts to the result.
    ```mlir
    %y = kiln.gemm %a, %b, %c {trans_b = true}
        : (tensor<1x256xf32>, tensor<10x256xf32>, tensor<10xf32>) -> tensor<1x10xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$a, Kiln_Tensor:$b,
                       Optional<Kiln_Tensor>:$c,
                       DefaultValuedAttr<F32Attr, "1.0">:$alpha,
                       DefaultValuedAttr<F32Attr, "1.0">:$beta,
                       DefaultValuedAttr<BoolAttr, "false">:$trans_a,
                       DefaultValuedAttr<BoolAttr, "false">:$trans_b);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $a `,` $b (`,` $c^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Kiln_ConvOp : Kiln_Op<"conv"> {
  let summary = "N-D grouped, strided, dilated convolution (ONNX Conv)";
  let description = [{
    Layout is ONNX's: input `N x C x D1 x ... x Dn`, weight
    `M x C/group x k1 x ... x kn`, optional bias `M`, all of one element
    type: floats, or integers (which accumulate in that type, so ConvInteger
    imports as a convolution of i32 tensors). `pads` holds the begin
    pads of every spatial axis followed by the end pads. With `auto_pad` other
    than `notset`, pads are computed from the shapes (and canonicalization
    rewrites them into `pads` once the shapes are known).
    ```mlir
    %y = kiln.conv %x, %w, %b {pads = array<i64: 1, 1, 1, 1>}
        : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x32x32xf32>
    ```
  }];
  let arguments = (ins Kiln_NumericTensor:$input, Kiln_NumericTensor:$weight,
                       Optional<Kiln_NumericTensor>:$bias,
                       OptionalAttr<DenseI64ArrayAttr>:$pads,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       OptionalAttr<DenseI64ArrayAttr>:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$group,
                       DefaultValuedAttr<Kiln_AutoPadAttr,
                                         "::kiln::graph::AutoPad::notset">:$auto_pad);
  let results = (outs Kiln_NumericTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasCanonicalizer = 1;
}

def Kiln_ConvTransposeOp : Kiln_Op<"conv_transpose"> {
  let summary = "N-D transposed (fractionally strided) convolution (ONNX ConvTranspose)";
  let description = [{
    The gradient of a convolution with respect to its input: each input
    element scatters `weight` (`C x M/group x k1 x ... x kn`) into the output
    at stride `strides`. The importer resolves ONNX's auto_pad,
    output_padding and output_shape into the two things that fix the
    result: `pads_begin` (output positions cut off at the start of each
    spatial axis) and `output_sizes`. Output positions past the full result
    receive only the bias.
    ```mlir
    %y = kiln.conv_transpose %x, %w {output_sizes = array<i64: 8, 8>, strides = array<i64: 2, 2>}
        : (tensor<1x4x4x4xf32>, tensor<4x2x2x2xf32>) -> tensor<1x2x8x8xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$weight,
                       Optional<Kiln_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$output_sizes,
                       OptionalAttr<DenseI64ArrayAttr>:$pads_begin,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       OptionalAttr<DenseI64ArrayAttr>:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs Kiln_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasCanonicalizer = 1;
}

def Kiln_ResampleOp : Kiln_Op<"resample"> {
  let summary = "one axis resampled by a table of taps (ONNX Resize, one axis)";
  let description = [{
    `y[..., o, ...] = sum_t weights[o, t] * x[..., indices[o, t], ...]` along
    `axis`: each output position reads `T` input positions (clamped indices,
    computed at compile time) with their weights. Without `weights`, `T` is
    1 and the op gathers (nearest-neighbour resizing, any element type).
    Resizing is separable, so the ONNX importer expresses Resize (linear,
    cubic, nearest, antialiased, every coordinate mode) as one resample per
    resized axis.
    ```mlir
    %y = kiln.resample %x, %idx, %w {axis = 3 : i64}
        : (tensor<1x3x8x8xf32>, tensor<16x2xi64>, tensor<16x2xf32>) -> tensor<1x3x8x16xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, RankedTensorOf<[I64]>:$indices,
                       Optional<Kiln_FloatTensor>:$weights, I64Attr:$axis);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $indices (`,` $weights^)? attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Pooling and normalization
//===----------------------------------------------------------------------===//

class Kiln_PoolOp<string mnemonic, Type resultType = Kiln_FloatTensor>
    : Kiln_Op<mnemonic> {
  let results = (outs resultType:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasCanonicalizer = 1;
}

def Kiln_MaxPoolOp : Kiln_PoolOp<"max_pool", Kiln_NumericTensor> {
  let summary = "N-D max pooling (ONNX MaxPool, without the Indices output)";
  let description = [{
    Floats or integers (signed or unsigned, compared as such). Padding never
    wins the maximum. With `ceil_mode`, the last window may
    start in the end padding but never past it.
    ```mlir
    %y = kiln.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>}
        : tensor<1x8x32x32xf32> -> tensor<1x8x16x16xf32>
    ```
  }];
  let arguments = (ins Kiln_NumericTensor:$input,
                       DenseI64ArrayAttr:$kernel_shape,
                       OptionalAttr<DenseI64ArrayAttr>:$pads,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       OptionalAttr<DenseI64ArrayAttr>:$dilations,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                       DefaultValuedAttr<Kiln_AutoPadAttr,
                                         "::kiln::graph::AutoPad::notset">:$auto_pad);
}

def Kiln_AveragePoolOp : Kiln_PoolOp<"average_pool"> {
  let summary = "N-D average pooling (ONNX AveragePool)";
  let description = [{
    Without `count_include_pad`, each window divides by the number of
    elements it covers inside the input.
    ```mlir
    %y = kiln.average_pool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>}
        : tensor<1x8x32x32xf32> -> tensor<1x8x32x32xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input,
                       DenseI64ArrayAttr:$kernel_shape,
                       OptionalAttr<DenseI64ArrayAttr>:$pads,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       OptionalAttr<DenseI64ArrayAttr>:$dilations,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                       DefaultValuedAttr<BoolAttr, "false">:$count_include_pad,
                       DefaultValuedAttr<Kiln_AutoPadAttr,
                                         "::kiln::graph::AutoPad::notset">:$auto_pad);
}

def Kiln_GlobalAveragePoolOp : Kiln_Op<"global_average_pool"> {
  let summary = "mean over all spatial axes, kept as size 1 (ONNX GlobalAveragePool)";
  let description = [{
    ```mlir
    %y = kiln.global_average_pool %x : tensor<1x64x7x7xf32> -> tensor<1x64x1x1xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input);
  let results = (outs Kiln_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def Kiln_BatchNormOp : Kiln_Op<"batch_norm"> {
  let summary = "inference-mode batch normalization (ONNX BatchNormalization)";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * scale + bias` over axis 1. Graph
    canonicalization folds it into a preceding convolution with constant
    weights.
    ```mlir
    %y = kiln.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0e-05 : f32}
        : (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
        -> tensor<1x8x4x4xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$scale,
                       Kiln_FloatTensor:$bias, Kiln_FloatTensor:$mean,
                       Kiln_FloatTensor:$variance,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon);
  let results = (outs Kiln_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $variance attr-dict `:`
    functional-type(operands, results)
  }];
  let hasCanonicalizer = 1;
}

def Kiln_SoftmaxOp : Kiln_Op<"softmax"> {
  let summary = "softmax along one axis (ONNX Softmax, opset 13 semantics)";
  let description = [{
    Older opsets' "flatten to 2-D at axis" semantics are expressed by the
    importer with reshapes around this op.
    ```mlir
    %y = kiln.softmax %x {axis = -1 : i64} : tensor<1x10xf32> -> tensor<1x10xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Kiln_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

include "GraphReductionOps.td"

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

def Kiln_ShapeOp : Kiln_Op<"shape"> {
  let summary = "the input's dimensions as a 1-D i64 tensor (ONNX Shape)";
  let description = [{
    Dimensions `start` to `end` (end exclusive; negative values count from
    the back and both are clamped to the rank, as in ONNX). Folds to a
    constant once those dimensions are known.
    ```mlir
    %s = kiln.shape %x {start = 1 : i64} : tensor<2x3x4xf32> -> tensor<2xi64>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, DefaultValuedAttr<I64Attr, "0">:$start,
                       OptionalAttr<I64Attr>:$end);
  let results = (outs RankedTensorOf<[I64]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

def Kiln_SizeOp : Kiln_Op<"size"> {
  let summary = "the input's number of elements as an i64 scalar (ONNX Size)";
  let description = [{
    ```mlir
    %n = kiln.size %x : tensor<2x3xf32> -> tensor<i64>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input);
  let results = (outs RankedTensorOf<[I64]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

def Kiln_ReshapeOp : Kiln_Op<"reshape"> {
  let summary = "reinterprets the shape (ONNX Reshape)";
  let description = [{
    `shape` is a 1-D integer tensor; 0 copies the input dimension (unless
    `allow_zero`), -1 is inferred. The result shape is known once `shape` is
    a constant; until then its dimensions are dynamic.
    ```mlir
    %s = kiln.constant dense<[1, -1]> : tensor<2xi64>
    %y = kiln.reshape %x, %s : (tensor<1x4x4xf32>, tensor<2xi64>) -> tensor<1x16xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_IndexTensor:$shape,
                       DefaultValuedAttr<BoolAttr, "false">:$allow_zero);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $shape attr-dict `:` `(` type($input) `,` type($shape) `)` `->` type($output)
  }];
  let hasFolder = 1;
}

def Kiln_FlattenOp : Kiln_Op<"flatten"> {
  let summary = "collapses to 2-D at `axis` (ONNX Flatten)";
  let description = [{
    ```mlir
    %y = kiln.flatten %x {axis = 1 : i64} : tensor<2x3x4xf32> -> tensor<2x12xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input,
                       DefaultValuedAttr<I64Attr, "1">:$axis);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

def Kiln_TransposeOp : Kiln_Op<"transpose"> {
  let summary = "permutes the axes (ONNX Transpose)";
  let description = [{
    Result axis `i` is input axis `perm[i]`.
    ```mlir
    %y = kiln.transpose %x {perm = array<i64: 0, 2, 1>} : tensor<2x3x4xf32> -> tensor<2x4x3xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

def Kiln_ConcatOp : Kiln_Op<"concat"> {
  let summary = "joins tensors along an axis (ONNX Concat)";
  let description = [{
    ```mlir
    %y = kiln.concat %a, %b {axis = 1 : i64}
        : (tensor<1x2xf32>, tensor<1x3xf32>) -> tensor<1x5xf32>
    ```
  }];
  let arguments = (ins Variadic<Kiln_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, results)";
  let hasFolder = 1;
}

include "GraphDataMovementOps.td"
include "GraphVisionOps.td"

#endif // KILN_GRAPH_OPS

//===- GraphElementwiseOps.td - Elementwise graph ops ------*- tablegen -*-===//
//
// Every op here implements ElementwiseOpInterface: its meaning is the scalar
// function its buildScalar builds (ElementwiseOps.cpp), applied with ONNX
// broadcasting. One lowering and one constant folder serve them all.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_GRAPH_ELEMENTWISE_OPS
#define KILN_GRAPH_ELEMENTWISE_OPS

//===----------------------------------------------------------------------===//
// Arithmetic
//===----------------------------------------------------------------------===//

def Kiln_AddOp : Kiln_BinaryElementwiseOp<"add", Kiln_Tensor, (ins), "Same",
                                          [Commutative], /*customFold=*/1> {
  let summary = "elementwise sum with broadcasting (ONNX Add)";
  let description = [{
    Integers wrap around.
    ```mlir
    %z = kiln.add %x, %y : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    ```
  }];
}

def Kiln_SubOp : Kiln_BinaryElementwiseOp<"sub", Kiln_Tensor, (ins), "Same", [],
                                          /*customFold=*/1> {
  let summary = "elementwise difference with broadcasting (ONNX Sub)";
  let description = [{
    ```mlir
    %z = kiln.sub %x, %y : (tensor<2x3xf32>, tensor<1x3xf32>) -> tensor<2x3xf32>
    ```
  }];
}

def Kiln_MulOp : Kiln_BinaryElementwiseOp<"mul", Kiln_Tensor, (ins), "Same",
                                          [Commutative], /*customFold=*/1> {
  let summary = "elementwise product with broadcasting (ONNX Mul)";
  let description = [{
    ```mlir
    %z = kiln.mul %x, %y : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
    ```
  }];
}

def Kiln_DivOp : Kiln_BinaryElementwiseOp<"div", Kiln_Tensor, (ins), "Same", [],
                                          /*customFold=*/1> {
  let summary = "elementwise quotient with broadcasting (ONNX Div)";
  let description = [{
    Integer division truncates toward zero, as in ONNX.
    ```mlir
    %z = kiln.div %x, %y : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
    ```
  }];
}

def Kiln_ModOp : Kiln_BinaryElementwiseOp<"mod", Kiln_NumericTensor,
    (ins DefaultValuedAttr<BoolAttr, "false">:$fmod)> {
  let summary = "elementwise remainder (ONNX Mod)";
  let description = [{
    Without `fmod` (integers only) the remainder has the sign of the divisor,
    like Python's `%`; with `fmod` it has the sign of the dividend, like C's
    fmod.
    ```mlir
    %z = kiln.mod %x, %y : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
    ```
  }];
}

def Kiln_PowOp : Kiln_BinaryElementwiseOp<"pow", Kiln_NumericTensor, (ins), "First"> {
  let summary = "x raised to y, with broadcasting (ONNX Pow)";
  let description = [{
    The exponent may have another numeric type than the base; the result has
    the base's.
    ```mlir
    %z = kiln.pow %x, %y : (tensor<3xf32>, tensor<3xi64>) -> tensor<3xf32>
    ```
  }];
}

def Kiln_MaxOp : Kiln_BinaryElementwiseOp<"max", Kiln_NumericTensor, (ins), "Same",
                                          [Commutative]> {
  let summary = "elementwise maximum (ONNX Max, two operands at a time)";
  let description = [{
    A NaN operand gives NaN.
    ```mlir
    %z = kiln.max %x, %y : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
    ```
  }];
}

def Kiln_MinOp : Kiln_BinaryElementwiseOp<"min", Kiln_NumericTensor, (ins), "Same",
                                          [Commutative]> {
  let summary = "elementwise minimum (ONNX Min, two operands at a time)";
  let description = [{
    ```mlir
    %z = kiln.min %x, %y : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
    ```
  }];
}

def Kiln_PReluOp : Kiln_BinaryElementwiseOp<"prelu", Kiln_NumericTensor> {
  let summary = "x where x >= 0, else slope * x (ONNX PRelu)";
  let description = [{
    ```mlir
    %y = kiln.prelu %x, %slope : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x4xf32>
    ```
  }];
}

def Kiln_AbsOp : Kiln_UnaryElementwiseOp<"abs", Kiln_NumericTensor> {
  let summary = "absolute value (ONNX Abs)";
  let description = [{
    ```mlir
    %y = kiln.abs %x : tensor<4xi32> -> tensor<4xi32>
    ```
  }];
}

def Kiln_NegOp : Kiln_UnaryElementwiseOp<"neg", Kiln_NumericTensor> {
  let summary = "negation (ONNX Neg)";
  let description = [{
    ```mlir
    %y = kiln.neg %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Kiln_SignOp : Kiln_UnaryElementwiseOp<"sign", Kiln_NumericTensor> {
  let summary = "-1, 0 or 1 by the sign of x (ONNX Sign)";
  let description = [{
    ```mlir
    %y = kiln.sign %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

// Float functions of one operand whose whole meaning is their name.
class Kiln_FloatFunctionOp<string mnemonic, string onnxName, string what>
    : Kiln_UnaryElementwiseOp<mnemonic, Kiln_FloatTensor> {
  let summary = what # " (ONNX " # onnxName # ")";
  let description = !strconcat([{
    ```mlir
    %y = kiln.}], mnemonic, [{ %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }]);
}

def Kiln_ExpOp : Kiln_FloatFunctionOp<"exp", "Exp", "e to the x">;
def Kiln_LogOp : Kiln_FloatFunctionOp<"log", "Log", "natural logarithm">;
def Kiln_SqrtOp : Kiln_FloatFunctionOp<"sqrt", "Sqrt", "square root">;
def Kiln_ReciprocalOp : Kiln_FloatFunctionOp<"reciprocal", "Reciprocal", "1 / x">;
def Kiln_FloorOp : Kiln_FloatFunctionOp<"floor", "Floor", "round toward -inf">;
def Kiln_CeilOp : Kiln_FloatFunctionOp<"ceil", "Ceil", "round toward +inf">;
def Kiln_RoundOp : Kiln_FloatFunctionOp<"round", "Round", "round half to even">;
def Kiln_SinOp : Kiln_FloatFunctionOp<"sin", "Sin", "sine">;
def Kiln_CosOp : Kiln_FloatFunctionOp<"cos", "Cos", "cosine">;
def Kiln_TanOp : Kiln_FloatFunctionOp<"tan", "Tan", "tangent">;
def Kiln_AsinOp : Kiln_FloatFunctionOp<"asin", "Asin", "arcsine">;
def Kiln_AcosOp : Kiln_FloatFunctionOp<"acos", "Acos", "arccosine">;
def Kiln_AtanOp : Kiln_FloatFunctionOp<"atan", "Atan", "arctangent">;
def Kiln_SinhOp : Kiln_FloatFunctionOp<"sinh", "Sinh", "hyperbolic sine">;
def Kiln_CoshOp : Kiln_FloatFunctionOp<"cosh", "Cosh", "hyperbolic cosine">;
def Kiln_AsinhOp : Kiln_FloatFunctionOp<"asinh", "Asinh", "inverse hyperbolic sine">;
def Kiln_AcoshOp : Kiln_FloatFunctionOp<"acosh", "Acosh", "inverse hyperbolic cosine">;
def Kiln_AtanhOp : Kiln_FloatFunctionOp<"atanh", "Atanh", "inverse hyperbolic tangent">;
def Kiln_ErfOp : Kiln_FloatFunctionOp<"erf", "Erf", "the error function">;
def Kiln_SigmoidOp : Kiln_FloatFunctionOp<"sigmoid", "Sigmoid", "1 / (1 + exp(-x))">;
def Kiln_TanhOp : Kiln_FloatFunctionOp<"tanh", "Tanh", "hyperbolic tangent">;
def Kiln_SoftplusOp : Kiln_FloatFunctionOp<"softplus", "Softplus", "log(1 + exp(x))">;
def Kiln_SoftsignOp : Kiln_FloatFunctionOp<"softsign", "Softsign", "x / (1 + |x|)">;
def Kiln_HardSwishOp : Kiln_FloatFunctionOp<"hard_swish", "HardSwish",
                                            "x * max(0, min(1, x / 6 + 1 / 2))">;
def Kiln_MishOp : Kiln_FloatFunctionOp<"mish", "Mish", "x * tanh(softplus(x))">;

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

def Kiln_ReluOp : Kiln_UnaryElementwiseOp<"relu", Kiln_NumericTensor> {
  let summary = "max(x, 0) (ONNX Relu)";
  let description = [{
    ```mlir
    %y = kiln.relu %x : tensor<1x8xf32> -> tensor<1x8xf32>
    ```
  }];
}

def Kiln_LeakyReluOp : Kiln_UnaryElementwiseOp<"leaky_relu", Kiln_FloatTensor,
    (ins DefaultValuedAttr<F32Attr, "0.01">:$alpha)> {
  let summary = "x where x >= 0, else alpha * x (ONNX LeakyRelu)";
  let description = [{
    ```mlir
    %y = kiln.leaky_relu %x {alpha = 0.1 : f32} : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Kiln_EluOp : Kiln_UnaryElementwiseOp<"elu", Kiln_FloatTensor,
    (ins DefaultValuedAttr<F32Attr, "1.0">:$alpha)> {
  let summary = "x where x > 0, else alpha * (exp(x) - 1) (ONNX Elu)";
  let description = [{
    ```mlir
    %y = kiln.elu %x {alpha = 2.0 : f32} : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Kiln_SeluOp : Kiln_UnaryElementwiseOp<"selu", Kiln_FloatTensor,
    (ins DefaultValuedAttr<F32Attr, "1.67326319217681884765625">:$alpha,
         DefaultValuedAttr<F32Attr, "1.05070102214813232421875">:$gamma)> {
  let summary = "gamma * (x where x > 0, else alpha * (exp(x) - 1)) (ONNX Selu)";
  let description = [{
    ```mlir
    %y = kiln.selu %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Kiln_CeluOp : Kiln_UnaryElementwiseOp<"celu", Kiln_FloatTensor,
    (ins DefaultValuedAttr<F32Attr, "1.0">:$alpha)> {
  let summary = "max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) (ONNX Celu)";
  let description = [{
    ```mlir
    %y = kiln.celu %x {alpha = 2.0 : f32} : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Kiln_HardSigmoidOp : Kiln_UnaryElementwiseOp<"hard_sigmoid", Kiln_FloatTensor,
    (ins DefaultValuedAttr<F32Attr, "0.2">:$alpha,
         DefaultValuedAttr<F32Attr, "0.5">:$beta)> {
  let summary = "max(0, min(1, alpha * x + beta)) (ONNX HardSigmoid)";
  let description = [{
    ```mlir
    %y = kiln.hard_sigmoid %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Kiln_ThresholdedReluOp : Kiln_UnaryElementwiseOp<"thresholded_relu", Kiln_FloatTensor,
    (ins DefaultValuedAttr<F32Attr, "1.0">:$alpha)> {
  let summary = "x where x > alpha, else 0 (ONNX ThresholdedRelu)";
  let description = [{
    ```mlir
    %y = kiln.thresholded_relu %x {alpha = 2.0 : f32} : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Kiln_ShrinkOp : Kiln_UnaryElementwiseOp<"shrink", Kiln_NumericTensor,
    (ins DefaultValuedAttr<F32Attr, "0.0">:$bias,
         DefaultValuedAttr<F32Attr, "0.5">:$lambd)> {
  let summary = "x - bias where x > lambd, x + bias where x < -lambd, else 0 (ONNX Shrink)";
  let description = [{
    ```mlir
    %y = kiln.shrink %x {lambd = 1.5 : f32} : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Kiln_GeluOp : Kiln_UnaryElementwiseOp<"gelu", Kiln_FloatTensor,
    (ins DefaultValuedAttr<BoolAttr, "false">:$tanh_approximation)> {
  let summary = "x * Phi(x), exactly or with the tanh approximation (ONNX Gelu)";
  let description = [{
    ```mlir
    %y = kiln.gelu %x {tanh_approximation = true} : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

def Kiln_SwishOp : Kiln_UnaryElementwiseOp<"swish", Kiln_FloatTensor,
    (ins DefaultValuedAttr<F32Attr, "1.0">:$alpha)> {
  let summary = "x * sigmoid(alpha * x) (ONNX Swish)";
  let description = [{
    ```mlir
    %y = kiln.swish %x : tensor<4xf32> -> tensor<4xf32>
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Predicates and comparisons
//===----------------------------------------------------------------------===//

def Kiln_IsNaNOp : Kiln_UnaryElementwiseOp<"is_nan", Kiln_FloatTensor, (ins), "Bool"> {
  let summary = "true where x is NaN (ONNX IsNaN)";
  let description = [{
    ```mlir
    %y = kiln.is_nan %x : tensor<4xf32> -> tensor<4xi1>
    ```
  }];
}

def Kiln_IsInfOp : Kiln_UnaryElementwiseOp<"is_inf", Kiln_FloatTensor,
    (ins DefaultValuedAttr<BoolAttr, "true">:$detect_negative,
         DefaultValuedAttr<BoolAttr, "true">:$detect_positive), "Bool"> {
  let summary = "true where x is an infinity of a detected sign (ONNX IsInf)";
  let description = [{
    ```mlir
    %y = kiln.is_inf %x {detect_negative = false} : tensor<4xf32> -> tensor<4xi1>
    ```
  }];
}

class Kiln_CompareOp<string mnemonic, string onnxName, string what,
                     list<Trait> traits = []>
    : Kiln_BinaryElementwiseOp<mnemonic, Kiln_Tensor, (ins), "Bool", traits> {
  let summary = "elementwise x " # what # " y (ONNX " # onnxName # ")";
  let description = !strconcat([{
    Floats compare as IEEE does: a NaN operand gives false.
    ```mlir
    %z = kiln.}], mnemonic, [{ %x, %y : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
    ```
  }]);
}

def Kiln_EqualOp : Kiln_CompareOp<"equal", "Equal", "==", [Commutative]>;
def Kiln_LessOp : Kiln_CompareOp<"less", "Less", "<">;
def Kiln_LessOrEqualOp : Kiln_CompareOp<"less_or_equal", "LessOrEqual", "<=">;
def Kiln_GreaterOp : Kiln_CompareOp<"greater", "Greater", ">">;
def Kiln_GreaterOrEqualOp : Kiln_CompareOp<"greater_or_equal", "GreaterOrEqual", ">=">;

//===----------------------------------------------------------------------===//
// Logic and bits
//===----------------------------------------------------------------------===//

def Kiln_NotOp : Kiln_UnaryElementwiseOp<"not", Kiln_BoolTensor> {
  let summary = "logical negation (ONNX Not)";
  let description = [{
    ```mlir
    %y = kiln.not %x : tensor<4xi1> -> tensor<4xi1>
    ```
  }];
}

class Kiln_LogicOp<string mnemonic, string onnxName, Type operandType, string what>
    : Kiln_BinaryElementwiseOp<mnemonic, operandType, (ins), "Same", [Commutative]> {
  let summary = "elementwise " # what # " (ONNX " # onnxName # ")";
  let description = !strconcat([{
    ```mlir
    %z = kiln.}], mnemonic, [{ %x, %y : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
    ```
  }]);
}

def Kiln_AndOp : Kiln_LogicOp<"and", "And", Kiln_BoolTensor, "logical and">;
def Kiln_OrOp : Kiln_LogicOp<"or", "Or", Kiln_BoolTensor, "logical or">;
def Kiln_XorOp : Kiln_LogicOp<"xor", "Xor", Kiln_BoolTensor, "logical exclusive or">;
def Kiln_BitwiseAndOp : Kiln_LogicOp<"bitwise_and", "BitwiseAnd", Kiln_IntegerTensor, "bitwise and">;
def Kiln_BitwiseOrOp : Kiln_LogicOp<"bitwise_or", "BitwiseOr", Kiln_IntegerTensor, "bitwise or">;
def Kiln_BitwiseXorOp : Kiln_LogicOp<"bitwise_xor", "BitwiseXor", Kiln_IntegerTensor, "bitwise exclusive or">;

def Kiln_BitwiseNotOp : Kiln_UnaryElementwiseOp<"bitwise_not", Kiln_IntegerTensor> {
  let summary = "bitwise complement (ONNX BitwiseNot)";
  let description = [{
    ```mlir
    %y = kiln.bitwise_not %x : tensor<4xui8> -> tensor<4xui8>
    ```
  }];
}

def Kiln_BitShiftOp : Kiln_BinaryElementwiseOp<"bit_shift", Kiln_IntegerTensor,
    (ins BoolAttr:$left)> {
  let summary = "shifts x left or right by y bits (ONNX BitShift)";
  let description = [{
    Right shifts of signed integers are arithmetic. Shifting by the width
    or more gives 0 (or -1 for a negative signed value shifted right).
    ```mlir
    %z = kiln.bit_shift %x, %y {left = true} : (tensor<3xui8>, tensor<3xui8>) -> tensor<3xui8>
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Selection and conversion
//===----------------------------------------------------------------------===//

def Kiln_WhereOp : Kiln_ElementwiseOp<"where", "Same", [], /*customInference=*/1> {
  let summary = "x where the condition holds, else y (ONNX Where)";
  let description = [{
    ```mlir
    %z = kiln.where %c, %x, %y : (tensor<3xi1>, tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
    ```
  }];
  let arguments = (ins Kiln_BoolTensor:$condition, Kiln_Tensor:$x, Kiln_Tensor:$y);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $condition `,` $x `,` $y attr-dict `:` functional-type(operands, results)
  }];
}

def Kiln_CastOp : Kiln_ElementwiseOp<"cast", "Same", [], /*customInference=*/1> {
  let summary = "converts each element to another type (ONNX Cast)";
  let description = [{
    Floats convert to integers by truncation toward zero (4- and 2-bit
    integers wrap around); every type converts to bool as `x != 0`. Floats
    round to nearest even; with `saturate`, values beyond an 8- or 4-bit
    float target's range become its largest finite value of the same sign,
    otherwise infinity or NaN. `round_mode` ("up", "down", "nearest") rounds
    conversions to FLOAT8E8M0 (powers of two).
    ```mlir
    %y = kiln.cast %x {to = i64} : tensor<4xf32> -> tensor<4xi64>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, TypeAttr:$to,
                       DefaultValuedAttr<BoolAttr, "true">:$saturate,
                       DefaultValuedAttr<StrAttr, "\"up\"">:$round_mode);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

#endif // KILN_GRAPH_ELEMENTWISE_OPS

//===- GraphReductionOps.td - Reductions along axes --------*- tablegen -*-===//
//
// Ops that combine the elements along some axes: reductions, arg-reductions,
// scans, top-k selection, the softmax relatives and Lp pooling. The ONNX
// reductions with a post-processing step (ReduceMean, ReduceL2,
// ReduceLogSumExp ...) and the normalizations are built from these and
// elementwise ops at import; their type inference lives in ReductionOps.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_GRAPH_REDUCTION_OPS
#define KILN_GRAPH_REDUCTION_OPS

def Kiln_ReduceKind : I32EnumAttr<"ReduceKind", "how a reduction combines elements", [
    I32EnumAttrCase<"sum", 0>,
    I32EnumAttrCase<"prod", 1>,
    I32EnumAttrCase<"max", 2>,
    I32EnumAttrCase<"min", 3>]> {
  let cppNamespace = "::kiln::graph";
  let genSpecializedAttr = 0;
}
def Kiln_ReduceKindAttr : EnumAttr<Kiln_Dialect, Kiln_ReduceKind, "reduce_kind">;

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

def Kiln_ReduceOp : Kiln_Op<"reduce"> {
  let summary = "sum, product, maximum or minimum over axes (ONNX ReduceSum, ReduceProd, ReduceMax, ReduceMin)";
  let description = [{
    Combines the elements along each axis in `axes` (distinct, negative
    values count from the back) with `kind`. The reduced axes are kept as
    size 1 with `keepdims`, else removed. Unlike ONNX, empty `axes` reduces
    nothing: the result is the input (importers spell "all axes" out).
    Reducing a size-0 axis gives the identity of `kind`: 0, 1, the lowest
    or the highest value of the element type. Integers wrap around;
    booleans reduce with `max` (any) and `min` (all) only. A NaN makes a
    float maximum or minimum NaN.
    ```mlir
    %y = kiln.reduce sum %x {axes = array<i64: 1>, keepdims = false}
        : tensor<3x4x5xf32> -> tensor<3x5xf32>
    ```
  }];
  let arguments = (ins Kiln_ReduceKindAttr:$kind, Kiln_Tensor:$input,
                       DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "`` $kind $input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

class Kiln_ArgReduceOp<string mnemonic, string onnxName, string what>
    : Kiln_Op<mnemonic> {
  let summary = "index of the " # what # " along an axis (ONNX " # onnxName # ")";
  let description = !strconcat([{
    The first index where the }], what, [{ occurs along `axis`, or the
    last with `select_last_index`; a NaN counts as the }], what, [{. The
    axis is kept as size 1 with `keepdims`, else removed.
    ```mlir
    %i = kiln.}], mnemonic, [{ %x {axis = 1 : i64, keepdims = false}
        : tensor<3x4xf32> -> tensor<3xi64>
    ```
  }]);
  let arguments = (ins Kiln_NumericTensor:$input,
                       DefaultValuedAttr<I64Attr, "0">:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims,
                       DefaultValuedAttr<BoolAttr, "false">:$select_last_index);
  let results = (outs RankedTensorOf<[I64]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def Kiln_ArgMaxOp : Kiln_ArgReduceOp<"argmax", "ArgMax", "maximum">;
def Kiln_ArgMinOp : Kiln_ArgReduceOp<"argmin", "ArgMin", "minimum">;

def Kiln_CumulativeOp : Kiln_Op<"cumulative"> {
  let summary = "running sum or product along an axis (ONNX CumSum, CumProd)";
  let description = [{
    Element `i` along `axis` combines the elements `0..i` with `kind` (`sum`
    or `prod`); with `exclusive`, `0..i-1` (the first is the identity); with
    `reverse`, the same from the back.
    ```mlir
    %y = kiln.cumulative sum %x {axis = 0 : i64, exclusive = true}
        : tensor<5xf64> -> tensor<5xf64>
    ```
  }];
  let arguments = (ins Kiln_ReduceKindAttr:$kind, Kiln_NumericTensor:$input,
                       I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$exclusive,
                       DefaultValuedAttr<BoolAttr, "false">:$reverse);
  let results = (outs Kiln_NumericTensor:$output);
  let assemblyFormat = "`` $kind $input attr-dict `:` type($input) `->` type($output)";
}

def Kiln_TopKOp : Kiln_Op<"top_k"> {
  let summary = "the k largest or smallest elements along an axis and their indices (ONNX TopK)";
  let description = [{
    `values` holds the `k` largest elements along `axis` (the smallest
    without `largest`) in order, largest (smallest) first; `indices` their
    positions along the axis. Equal elements keep their input order. The
    order is always sorted (ONNX allows any order without `sorted`).
    ```mlir
    %v, %i = kiln.top_k %x {axis = 1 : i64, k = 3 : i64}
        : tensor<3x4xf32> -> (tensor<3x3xf32>, tensor<3x3xi64>)
    ```
  }];
  let arguments = (ins Kiln_NumericTensor:$input, I64Attr:$k,
                       DefaultValuedAttr<I64Attr, "-1">:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$largest,
                       DefaultValuedAttr<BoolAttr, "true">:$sorted);
  let results = (outs Kiln_NumericTensor:$values, RankedTensorOf<[I64]>:$indices);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` `(` type($values) `,` type($indices) `)`
  }];
}

//===----------------------------------------------------------------------===//
// Softmax relatives
//===----------------------------------------------------------------------===//

def Kiln_LogSoftmaxOp : Kiln_Op<"log_softmax"> {
  let summary = "log of softmax along one axis (ONNX LogSoftmax, opset 13 semantics)";
  let description = [{
    Computed as `x - max - log(sum(exp(x - max)))`, which stays finite for
    large inputs. Older opsets' "flatten to 2-D at axis" semantics are
    expressed by the importer with reshapes around this op.
    ```mlir
    %y = kiln.log_softmax %x {axis = 1 : i64} : tensor<2x10xf32> -> tensor<2x10xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Kiln_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def Kiln_HardmaxOp : Kiln_Op<"hardmax"> {
  let summary = "one-hot of the first maximum along one axis (ONNX Hardmax, opset 13 semantics)";
  let description = [{
    1 where an element is the first maximum along `axis`, else 0.
    ```mlir
    %y = kiln.hardmax %x {axis = -1 : i64} : tensor<3x4xf32> -> tensor<3x4xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Kiln_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

def Kiln_LpPoolOp : Kiln_PoolOp<"lp_pool"> {
  let summary = "N-D Lp-norm pooling (ONNX LpPool)";
  let description = [{
    Each window gives `(sum |x|^p)^(1/p)` over the elements it covers;
    padding adds nothing.
    ```mlir
    %y = kiln.lp_pool %x {kernel_shape = array<i64: 2, 2>, p = 3 : i64}
        : tensor<1x3x8x8xf32> -> tensor<1x3x7x7xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input,
                       DenseI64ArrayAttr:$kernel_shape,
                       DefaultValuedAttr<I64Attr, "2">:$p,
                       OptionalAttr<DenseI64ArrayAttr>:$pads,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       OptionalAttr<DenseI64ArrayAttr>:$dilations,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                       DefaultValuedAttr<Kiln_AutoPadAttr,
                                         "::kiln::graph::AutoPad::notset">:$auto_pad);
}

def Kiln_MaxPoolIndicesOp : Kiln_Op<"max_pool_indices"> {
  let summary = "where each max pooling window has its maximum (ONNX MaxPool's Indices)";
  let description = [{
    For each window of the `kiln.max_pool` with the same attributes, the
    position of its first maximum (scanning the window in row-major order)
    as an index into the flattened input: `(n * C + c) * D1 * ... * Dk`
    plus the spatial position, row-major, or column-major (the first spatial
    axis varying fastest) with `storage_order`.
    ```mlir
    %i = kiln.max_pool_indices %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>}
        : tensor<1x8x32x32xf32> -> tensor<1x8x16x16xi64>
    ```
  }];
  let arguments = (ins Kiln_NumericTensor:$input,
                       DenseI64ArrayAttr:$kernel_shape,
                       OptionalAttr<DenseI64ArrayAttr>:$pads,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       OptionalAttr<DenseI64ArrayAttr>:$dilations,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                       DefaultValuedAttr<Kiln_AutoPadAttr,
                                         "::kiln::graph::AutoPad::notset">:$auto_pad,
                       DefaultValuedAttr<BoolAttr, "false">:$storage_order);
  let results = (outs RankedTensorOf<[I64]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasCanonicalizer = 1;
}

#endif // KILN_GRAPH_REDUCTION_OPS

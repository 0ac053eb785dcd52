//===- GraphDataMovementOps.td - Shape and data movement ops -*- tablegen -*-===//
//
// Ops that move elements without computing new values: adding and removing
// unit axes, slicing, gathering and scattering, broadcasting, tiling,
// padding, masking (trilu), one-hot and identity patterns, sequence
// reversal and bit reinterpretation.
//
// Everything that determines a result's shape (axes, slice bounds, pads,
// repeats, target shapes, depths) is an attribute: exporters compute these
// from constants, the importer folds them, and static shapes follow. Values
// that only change elements (indices, padding values, trilu's k, sequence
// lengths) stay operands and may be known only at run time. Inference, folds
// and the shared geometry helpers are in DataMovementOps.cpp and
// DataMovement.h.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_GRAPH_DATA_MOVEMENT_OPS
#define KILN_GRAPH_DATA_MOVEMENT_OPS

def Kiln_PadMode : I32EnumAttr<"PadMode", "what padding reads", [
    I32EnumAttrCase<"constant", 0>,
    I32EnumAttrCase<"reflect", 1>,
    I32EnumAttrCase<"edge", 2>,
    I32EnumAttrCase<"wrap", 3>]> {
  let cppNamespace = "::kiln::graph";
  let genSpecializedAttr = 0;
}
def Kiln_PadModeAttr : EnumAttr<Kiln_Dialect, Kiln_PadMode, "pad_mode">;

def Kiln_ScatterReduction : I32EnumAttr<"ScatterReduction",
    "how a scattered update combines with the element it lands on", [
    I32EnumAttrCase<"none", 0>,
    I32EnumAttrCase<"add", 1>,
    I32EnumAttrCase<"mul", 2>,
    I32EnumAttrCase<"max", 3>,
    I32EnumAttrCase<"min", 4>]> {
  let cppNamespace = "::kiln::graph";
  let genSpecializedAttr = 0;
}
def Kiln_ScatterReductionAttr
    : EnumAttr<Kiln_Dialect, Kiln_ScatterReduction, "scatter_reduction">;

//===----------------------------------------------------------------------===//
// Unit axes, slices, broadcasting and tiling
//===----------------------------------------------------------------------===//

def Kiln_UnsqueezeOp : Kiln_Op<"unsqueeze"> {
  let summary = "inserts size-1 axes (ONNX Unsqueeze)";
  let description = [{
    `axes` index the result (negative values count from its back), in any
    order, each once.
    ```mlir
    %y = kiln.unsqueeze %x {axes = array<i64: 0, -1>} : tensor<3x4xf32> -> tensor<1x3x4x1xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

def Kiln_SqueezeOp : Kiln_Op<"squeeze"> {
  let summary = "removes size-1 axes (ONNX Squeeze)";
  let description = [{
    `axes` index the input; each must have size 1. (ONNX's default of every
    size-1 axis is resolved by the importer.)
    ```mlir
    %y = kiln.squeeze %x {axes = array<i64: 0, 2>} : tensor<1x3x1xf32> -> tensor<3xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

def Kiln_SliceOp : Kiln_Op<"slice"> {
  let summary = "strided slice along some axes (ONNX Slice)";
  let description = [{
    For each entry of `axes` (negative values count from the back), elements
    `starts[i]`, `starts[i] + steps[i]`, ... up to `ends[i]` (exclusive).
    Negative starts and ends count from the back of the axis; both are
    clamped to the axis (so INT64_MAX means "to the end" and, with a negative
    step, INT64_MIN "to the front"). Steps are non-zero; negative steps walk
    backwards. Other axes are kept whole.
    ```mlir
    %y = kiln.slice %x {axes = array<i64: 1>, ends = array<i64: -1>,
                        starts = array<i64: 1>, steps = array<i64: 2>}
        : tensor<2x10xf32> -> tensor<2x4xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$ends, DenseI64ArrayAttr:$axes,
                       DenseI64ArrayAttr:$steps);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

def Kiln_ExpandOp : Kiln_Op<"expand"> {
  let summary = "broadcasts to a shape (ONNX Expand)";
  let description = [{
    The result shape is the (numpy, multidirectional) broadcast of the input
    shape and `shape`: a 1 in `shape` keeps the input's size.
    ```mlir
    %y = kiln.expand %x {shape = array<i64: 2, 1, 4>} : tensor<3x1xf32> -> tensor<2x3x4xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

def Kiln_TileOp : Kiln_Op<"tile"> {
  let summary = "repeats the input along every axis (ONNX Tile)";
  let description = [{
    ```mlir
    %y = kiln.tile %x {repeats = array<i64: 2, 1>} : tensor<3x4xf32> -> tensor<6x4xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$repeats);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

def Kiln_PadOp : Kiln_Op<"pad"> {
  let summary = "pads (or crops) every axis (ONNX Pad)";
  let description = [{
    `pads` holds the begin pads of every axis, then the end pads; negative
    pads remove elements. `constant` mode fills with `value` (a one-element
    tensor of the input's element type; zero when absent), `reflect` mirrors
    without repeating the edge, `edge` repeats the edge, `wrap` continues
    periodically.
    ```mlir
    %y = kiln.pad %x, %v {pads = array<i64: 0, 1, 0, 2>}
        : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x6xf32>
    %z = kiln.pad %x {mode = #kiln<pad_mode reflect>, pads = array<i64: 1, 0, 1, 0>}
        : (tensor<2x3xf32>) -> tensor<4x3xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, Optional<Kiln_Tensor>:$value,
                       DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<Kiln_PadModeAttr,
                                         "::kiln::graph::PadMode::constant">:$mode);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $input (`,` $value^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Gathers and scatters
//===----------------------------------------------------------------------===//

def Kiln_GatherOp : Kiln_Op<"gather"> {
  let summary = "takes entries of one axis at run-time indices (ONNX Gather)";
  let description = [{
    The result is `data` with axis `axis` replaced by the axes of `indices`.
    Negative indices count from the back of the axis.
    ```mlir
    %y = kiln.gather %data, %idx {axis = 1 : i64}
        : (tensor<5x4x3xf32>, tensor<2x2xi64>) -> tensor<5x2x2x3xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$data, Kiln_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $data `,` $indices attr-dict `:` `(` type($data) `,` type($indices) `)` `->` type($output)
  }];
  let hasFolder = 1;
}

def Kiln_GatherElementsOp : Kiln_Op<"gather_elements"> {
  let summary = "takes one element per index along an axis (ONNX GatherElements)";
  let description = [{
    `output[p] = data[p with axis replaced by indices[p]]`; the result has
    the shape of `indices`, which has the rank of `data`.
    ```mlir
    %y = kiln.gather_elements %data, %idx {axis = 0 : i64}
        : (tensor<3x3xf32>, tensor<2x3xi64>) -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$data, Kiln_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $data `,` $indices attr-dict `:` `(` type($data) `,` type($indices) `)` `->` type($output)
  }];
  let hasFolder = 1;
}

def Kiln_GatherNDOp : Kiln_Op<"gather_nd"> {
  let summary = "takes slices at multi-dimensional indices (ONNX GatherND)";
  let description = [{
    The last axis of `indices` (of static size k) holds an index into the k
    axes of `data` after the first `batch_dims`, which `data` and `indices`
    share. The result shape is `indices.shape[:-1] + data.shape[batch_dims + k:]`.
    ```mlir
    %y = kiln.gather_nd %data, %idx
        : (tensor<2x3x4xf32>, tensor<5x2xi64>) -> tensor<5x4xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$data, Kiln_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$batch_dims);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $data `,` $indices attr-dict `:` `(` type($data) `,` type($indices) `)` `->` type($output)
  }];
  let hasFolder = 1;
}

def Kiln_ScatterElementsOp : Kiln_Op<"scatter_elements"> {
  let summary = "writes updates at per-element indices along an axis (ONNX ScatterElements)";
  let description = [{
    A copy of `data` where, for each position `p` of `indices` (of the rank
    of `data`, and the shape of `updates`), the element at `p` with axis
    `axis` replaced by `indices[p]` is combined with `updates[p]` by
    `reduction` (`none` overwrites). Negative indices count from the back.
    ```mlir
    %y = kiln.scatter_elements %data, %idx, %upd {axis = 1 : i64,
                               reduction = #kiln<scatter_reduction add>}
        : (tensor<1x5xf32>, tensor<1x2xi64>, tensor<1x2xf32>) -> tensor<1x5xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$data, Kiln_IndexTensor:$indices,
                       Kiln_Tensor:$updates,
                       DefaultValuedAttr<I64Attr, "0">:$axis,
                       DefaultValuedAttr<Kiln_ScatterReductionAttr,
                                         "::kiln::graph::ScatterReduction::none">:$reduction);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $data `,` $indices `,` $updates attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Kiln_ScatterNDOp : Kiln_Op<"scatter_nd"> {
  let summary = "writes slices at multi-dimensional indices (ONNX ScatterND)";
  let description = [{
    A copy of `data` where the slice at each index `indices[q, :]` (into the
    first k axes, k the static last size of `indices`) is combined with
    `updates[q]` by `reduction`. `updates` has shape
    `indices.shape[:-1] + data.shape[k:]`.
    ```mlir
    %y = kiln.scatter_nd %data, %idx, %upd
        : (tensor<4x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<4x4xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$data, Kiln_IndexTensor:$indices,
                       Kiln_Tensor:$updates,
                       DefaultValuedAttr<Kiln_ScatterReductionAttr,
                                         "::kiln::graph::ScatterReduction::none">:$reduction);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $data `,` $indices `,` $updates attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Masks and generated patterns
//===----------------------------------------------------------------------===//

def Kiln_TriluOp : Kiln_Op<"trilu"> {
  let summary = "keeps the upper or lower triangle of the last two axes (ONNX Trilu)";
  let description = [{
    Element `[..., i, j]` is kept when `j - i >= k` (`upper`) or `j - i <= k`
    (lower) and zero otherwise. `k` is an optional i64 scalar, 0 when absent,
    and may be known only at run time.
    ```mlir
    %y = kiln.trilu %x k %k {upper = true} : (tensor<4x5xf32>, tensor<i64>) -> tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, Optional<RankedTensorOf<[I64]>>:$k,
                       DefaultValuedAttr<BoolAttr, "true">:$upper);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $input (`k` $k^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Kiln_OneHotOp : Kiln_Op<"one_hot"> {
  let summary = "one-hot encoding along a new axis (ONNX OneHot)";
  let description = [{
    A new axis of size `depth` is inserted at `axis` (of the result); along
    it, the position `indices[...]` (negative values count from `depth`;
    floats truncate) holds `values[1]` and every other position `values[0]`.
    Indices out of range give only `values[0]`.
    ```mlir
    %y = kiln.one_hot %idx, %v {axis = -1 : i64, depth = 10 : i64}
        : (tensor<3xi64>, tensor<2xf32>) -> tensor<3x10xf32>
    ```
  }];
  let arguments = (ins Kiln_NumericTensor:$indices, Kiln_Tensor:$values,
                       I64Attr:$depth, DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $indices `,` $values attr-dict `:` `(` type($indices) `,` type($values) `)` `->` type($output)
  }];
  let hasFolder = 1;
}

def Kiln_EyeLikeOp : Kiln_Op<"eye_like"> {
  let summary = "ones on a diagonal, zeros elsewhere (ONNX EyeLike)";
  let description = [{
    The result has the input's 2-D shape and element type `dtype` (the
    input's when absent); `[i, j]` is 1 where `j - i == k`. Only the input's
    type is read.
    ```mlir
    %y = kiln.eye_like %x {dtype = f32, k = 1 : i64} : tensor<3x4xi32> -> tensor<3x4xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, DefaultValuedAttr<I64Attr, "0">:$k,
                       OptionalAttr<TypeAttr>:$dtype);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

def Kiln_ReverseSequenceOp : Kiln_Op<"reverse_sequence"> {
  let summary = "reverses the first sequence_lens[b] steps of each batch entry (ONNX ReverseSequence)";
  let description = [{
    `batch_axis` and `time_axis` are 0 and 1 in some order; `sequence_lens`
    has one (run-time) length per batch entry. Steps past the length are
    copied unchanged.
    ```mlir
    %y = kiln.reverse_sequence %x, %lens {batch_axis = 1 : i64, time_axis = 0 : i64}
        : (tensor<4x3x2xf32>, tensor<3xi64>) -> tensor<4x3x2xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_IndexTensor:$sequence_lens,
                       DefaultValuedAttr<I64Attr, "1">:$batch_axis,
                       DefaultValuedAttr<I64Attr, "0">:$time_axis);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $sequence_lens attr-dict `:` `(` type($input) `,` type($sequence_lens) `)` `->` type($output)
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Bit reinterpretation
//===----------------------------------------------------------------------===//

def Kiln_BitCastOp : Kiln_ElementwiseOp<"bitcast", "Same", [], /*customInference=*/1> {
  let summary = "reinterprets each element's bits as another type (ONNX BitCast)";
  let description = [{
    `to` has the input element type's width, counting booleans as one byte;
    a boolean result is `x != 0`.
    ```mlir
    %y = kiln.bitcast %x {to = i32} : tensor<4xf32> -> tensor<4xi32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, TypeAttr:$to);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

#endif // KILN_GRAPH_DATA_MOVEMENT_OPS

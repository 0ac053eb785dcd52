//===- GraphVisionOps.td - Sampling and image-geometry ops -*- tablegen -*-===//
//
// Ops that read their input at computed positions (grid sampling, region
// pooling), fold image blocks back (col2im), and the determinant. Each lowers
// to one linalg.generic whose body gathers with tensor.extract; ONNX ops that
// are these plus a contraction (DeformConv) or a scatter (MaxUnpool) are
// expanded at import. Type inference (also the verifier) lives in
// VisionOps.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_GRAPH_VISION_OPS
#define KILN_GRAPH_VISION_OPS

def Kiln_SampleMode : I32EnumAttr<"SampleMode", "how a sampled position is interpolated", [
    I32EnumAttrCase<"nearest", 0>,
    I32EnumAttrCase<"linear", 1>,
    I32EnumAttrCase<"cubic", 2>]> {
  let cppNamespace = "::kiln::graph";
  let genSpecializedAttr = 0;
}
def Kiln_SampleModeAttr : EnumAttr<Kiln_Dialect, Kiln_SampleMode, "sample_mode">;

def Kiln_SamplePadding : I32EnumAttr<"SamplePadding",
    "what a sample outside the input reads", [
    I32EnumAttrCase<"zeros", 0>,
    I32EnumAttrCase<"border", 1>,
    I32EnumAttrCase<"reflection", 2>]> {
  let cppNamespace = "::kiln::graph";
  let genSpecializedAttr = 0;
}
def Kiln_SamplePaddingAttr
    : EnumAttr<Kiln_Dialect, Kiln_SamplePadding, "sample_padding">;

def Kiln_RoiPoolMode : I32EnumAttr<"RoiPoolMode", "how a region bin combines its samples", [
    I32EnumAttrCase<"avg", 0>,
    I32EnumAttrCase<"max", 1>]> {
  let cppNamespace = "::kiln::graph";
  let genSpecializedAttr = 0;
}
def Kiln_RoiPoolModeAttr : EnumAttr<Kiln_Dialect, Kiln_RoiPoolMode, "roi_pool_mode">;

def Kiln_GridSampleOp : Kiln_Op<"grid_sample"> {
  let summary = "samples the input at the positions of a grid (ONNX GridSample)";
  let description = [{
    `input` is `N x C x D1 x ... x Dr`, `grid` is `N x O1 x ... x Or x r`
    and the result `N x C x O1 x ... x Or`. The last axis of the grid holds
    a position with its innermost coordinate first (x, y, z). Coordinates
    are normalized to [-1, 1] (with `align_corners`, -1 and 1 are the
    centers of the corner elements, else their outer edges), or, with
    `unnormalized`, input positions in elements (as align_corners maps
    them; DeformConv's sampling). `mode` interpolates with the nearest
    element (ties to even), linearly over 2^r elements, or with Keys' cubic
    (a = -0.75) over 4^r; `padding_mode` says what positions outside the
    input read: zeros, the border element, or the input reflected at its
    border.
    ```mlir
    %y = kiln.grid_sample %x, %grid {mode = #kiln<sample_mode linear>, padding_mode = #kiln<sample_padding zeros>}
        : (tensor<1x3x8x8xf32>, tensor<1x4x4x2xf32>) -> tensor<1x3x4x4xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_FloatTensor:$grid,
                       DefaultValuedAttr<Kiln_SampleModeAttr,
                                         "::kiln::graph::SampleMode::linear">:$mode,
                       DefaultValuedAttr<Kiln_SamplePaddingAttr,
                                         "::kiln::graph::SamplePadding::zeros">:$padding_mode,
                       DefaultValuedAttr<BoolAttr, "false">:$align_corners,
                       DefaultValuedAttr<BoolAttr, "false">:$unnormalized);
  let results = (outs Kiln_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $grid attr-dict `:` functional-type(operands, results)
  }];
}

def Kiln_RoiAlignOp : Kiln_Op<"roi_align"> {
  let summary = "pools regions of interest into fixed-size bins (ONNX RoiAlign)";
  let description = [{
    `input` is `N x C x H x W`, `rois` is `R x 4` (x1, y1, x2, y2 in input
    units before `spatial_scale`), `batch_indices` (`R`) says which image
    each region is in; the result is `R x C x output_height x output_width`.
    Each bin averages (or takes the maximum of) a `sampling_height x
    sampling_width` grid of bilinearly interpolated samples, exactly as
    ONNX's reference does (in `max` mode a sample is the largest of its
    four weighted corners). With `half_pixel`, region corners are shifted
    by -0.5 and not enlarged to at least one element.
    ```mlir
    %y = kiln.roi_align %x, %rois, %idx {output_height = 5 : i64, output_width = 5 : i64,
                                          sampling_height = 2 : i64, sampling_width = 2 : i64}
        : (tensor<1x1x10x10xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x1x5x5xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$rois,
                       Kiln_IndexTensor:$batch_indices,
                       DefaultValuedAttr<Kiln_RoiPoolModeAttr,
                                         "::kiln::graph::RoiPoolMode::avg">:$mode,
                       I64Attr:$output_height, I64Attr:$output_width,
                       I64Attr:$sampling_height, I64Attr:$sampling_width,
                       DefaultValuedAttr<F32Attr, "1.0">:$spatial_scale,
                       DefaultValuedAttr<BoolAttr, "true">:$half_pixel);
  let results = (outs Kiln_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $rois `,` $batch_indices attr-dict `:` functional-type(operands, results)
  }];
}

def Kiln_Col2ImOp : Kiln_Op<"col2im"> {
  let summary = "sums sliding blocks back into an image (ONNX Col2Im)";
  let description = [{
    The inverse layout of im2col: `input` is `N x (C * prod(block_shape)) x
    L` where L counts the block positions over the padded image; each
    block's elements are added to the image at their positions (overlaps
    sum), and the padding is cut off. The result is `N x C x
    image_shape...`. `pads` holds the begin pads of every spatial axis, then
    the end pads.
    ```mlir
    %y = kiln.col2im %x {image_shape = array<i64: 5, 5>, block_shape = array<i64: 1, 5>,
                         pads = array<i64: 0, 1, 0, 1>, strides = array<i64: 1, 1>,
                         dilations = array<i64: 1, 1>}
        : tensor<1x5x15xf32> -> tensor<1x1x5x5xf32>
    ```
  }];
  let arguments = (ins Kiln_NumericTensor:$input, DenseI64ArrayAttr:$image_shape,
                       DenseI64ArrayAttr:$block_shape, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations);
  let results = (outs Kiln_NumericTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def Kiln_DetOp : Kiln_Op<"det"> {
  let summary = "determinants of square matrices (ONNX Det)";
  let description = [{
    `input` is `... x n x n`; the result holds the determinant of each
    matrix (shape `...`), computed by LU decomposition with partial
    pivoting.
    ```mlir
    %d = kiln.det %x : tensor<3x2x2xf32> -> tensor<3xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input);
  let results = (outs Kiln_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

#endif // KILN_GRAPH_VISION_OPS

// RUN: kiln-opt %s --split-input-file --kiln-split-grouped-convs | FileCheck %s

#in = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 + d6, d4 + d7)>
#w = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
#out = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>

// Two groups of 8 channels, 3x3 (72 products a group): a named
// convolution a group. The input's padding, moved after the split into
// groups, is rebuilt on the unsplit input (the split one goes away); the
// weight and the accumulator are seen unsplit; each group's convolution
// reads its channels' slices and is inserted at its filters; the result is
// split again for the ReLU.
// CHECK-LABEL: func @two_long_groups
// CHECK-SAME: (%[[X:.*]]: tensor<1x16x6x6xf32>, %[[W:.*]]: tensor<2x3x8x3x3xf32>)
// CHECK-NOT: tensor.expand_shape %[[X]]
// CHECK: %[[ACC:.*]] = linalg.fill {{.*}} -> tensor<1x2x3x6x6xf32>
// CHECK: %[[PAD:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: } : tensor<1x16x6x6xf32> to tensor<1x16x8x8xf32>
// CHECK: %[[W4:.*]] = tensor.collapse_shape %[[W]] {{\[}}[0, 1], [2], [3], [4]] : tensor<2x3x8x3x3xf32> into tensor<6x8x3x3xf32>
// CHECK: %[[ACC4:.*]] = tensor.collapse_shape %[[ACC]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x3x6x6xf32> into tensor<1x6x6x6xf32>
// CHECK: %[[A0:.*]] = tensor.extract_slice %[[ACC4]][0, 0, 0, 0] [1, 3, 6, 6] [1, 1, 1, 1]
// CHECK: %[[X0:.*]] = tensor.extract_slice %[[PAD]][0, 0, 0, 0] [1, 8, 8, 8] [1, 1, 1, 1]
// CHECK: %[[W0:.*]] = tensor.extract_slice %[[W4]][0, 0, 0, 0] [3, 8, 3, 3] [1, 1, 1, 1]
// CHECK: %[[C0:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[X0]], %[[W0]] : tensor<1x8x8x8xf32>, tensor<3x8x3x3xf32>) outs(%[[A0]] : tensor<1x3x6x6xf32>)
// CHECK: %[[R0:.*]] = tensor.insert_slice %[[C0]] into %[[ACC4]][0, 0, 0, 0] [1, 3, 6, 6] [1, 1, 1, 1]
// CHECK: %[[A1:.*]] = tensor.extract_slice %[[R0]][0, 3, 0, 0] [1, 3, 6, 6] [1, 1, 1, 1]
// CHECK: %[[X1:.*]] = tensor.extract_slice %[[PAD]][0, 8, 0, 0] [1, 8, 8, 8] [1, 1, 1, 1]
// CHECK: %[[W1:.*]] = tensor.extract_slice %[[W4]][3, 0, 0, 0] [3, 8, 3, 3] [1, 1, 1, 1]
// CHECK: %[[C1:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[X1]], %[[W1]] : {{.*}}) outs(%[[A1]] : tensor<1x3x6x6xf32>)
// CHECK: %[[R1:.*]] = tensor.insert_slice %[[C1]] into %[[R0]][0, 3, 0, 0] [1, 3, 6, 6] [1, 1, 1, 1]
// CHECK: %[[SPLIT:.*]] = tensor.expand_shape %[[R1]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 3, 6, 6]
// CHECK: linalg.generic {{.*}} ins(%[[SPLIT]] : tensor<1x2x3x6x6xf32>)
// CHECK-NOT: tensor.pad
func.func @two_long_groups(%x: tensor<1x16x6x6xf32>, %w: tensor<2x3x8x3x3xf32>) -> tensor<1x2x3x6x6xf32> {
  %zero = arith.constant 0.0 : f32
  %xg = tensor.expand_shape %x [[0], [1, 2], [3], [4]] output_shape [1, 2, 8, 6, 6] : tensor<1x16x6x6xf32> into tensor<1x2x8x6x6xf32>
  %padded = tensor.pad %xg low[0, 0, 0, 1, 1] high[0, 0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index, %m: index):
    tensor.yield %zero : f32
  } : tensor<1x2x8x6x6xf32> to tensor<1x2x8x8x8xf32>
  %e = tensor.empty() : tensor<1x2x3x6x6xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x3x6x6xf32>) -> tensor<1x2x3x6x6xf32>
  %g = linalg.generic {indexing_maps = [#in, #w, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%padded, %w : tensor<1x2x8x8x8xf32>, tensor<2x3x8x3x3xf32>) outs(%acc : tensor<1x2x3x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2x3x6x6xf32>
  %relu = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%g : tensor<1x2x3x6x6xf32>) outs(%e : tensor<1x2x3x6x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<1x2x3x6x6xf32>
  return %relu : tensor<1x2x3x6x6xf32>
}

// -----

#in = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 * 2 + d6, d4 * 2 + d7 * 2)>
#w = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
#out = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>

// Strides and dilations carry over; an unpadded input is seen unsplit by a
// collapse.
// CHECK-LABEL: func @strided_dilated
// CHECK: %[[X4:.*]] = tensor.collapse_shape %arg0 {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x8x9x9xf32> into tensor<1x16x9x9xf32>
// CHECK-COUNT-2: linalg.conv_2d_nchw_fchw {dilations = dense<[1, 2]> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
func.func @strided_dilated(%x: tensor<1x2x8x9x9xf32>, %w: tensor<2x4x8x3x3xf32>, %acc: tensor<1x2x4x4x3xf32>) -> tensor<1x2x4x4x3xf32> {
  %g = linalg.generic {indexing_maps = [#in, #w, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x2x8x9x9xf32>, tensor<2x4x8x3x3xf32>) outs(%acc : tensor<1x2x4x4x3xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2x4x4x3xf32>
  return %g : tensor<1x2x4x4x3xf32>
}

// -----

#in = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 + d6, d4 + d7)>
#w = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
#out = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>

// Short reductions (4 channels x 9 taps = 36 products a group), and more
// than 32 groups (33 of 8 channels), stay one generic.
// CHECK-LABEL: func @stay_generic
// CHECK-NOT: linalg.conv_2d_nchw_fchw
// CHECK-COUNT-2: linalg.generic
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @stay_generic(%x: tensor<1x2x4x8x8xf32>, %w: tensor<2x4x4x3x3xf32>, %acc: tensor<1x2x4x6x6xf32>,
                        %y: tensor<1x33x8x5x5xf32>, %v: tensor<33x1x8x3x3xf32>, %acc2: tensor<1x33x1x3x3xf32>)
    -> (tensor<1x2x4x6x6xf32>, tensor<1x33x1x3x3xf32>) {
  %g = linalg.generic {indexing_maps = [#in, #w, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x2x4x8x8xf32>, tensor<2x4x4x3x3xf32>) outs(%acc : tensor<1x2x4x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2x4x6x6xf32>
  %h = linalg.generic {indexing_maps = [#in, #w, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%y, %v : tensor<1x33x8x5x5xf32>, tensor<33x1x8x3x3xf32>) outs(%acc2 : tensor<1x33x1x3x3xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x33x1x3x3xf32>
  return %g, %h : tensor<1x2x4x6x6xf32>, tensor<1x33x1x3x3xf32>
}

// -----

#in = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 + d6, d4 + d7)>
#w = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
#out = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>

// Only the graph lowering's multiply-add body is the form: a generic of
// the same maps that computes more (a ReLU of its input, fused in) stays
// as it is, where a named convolution would drop the ReLU.
// CHECK-LABEL: func @other_body
// CHECK-NOT: linalg.conv_2d_nchw_fchw
// CHECK: arith.maximumf
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @other_body(%x: tensor<1x2x8x8x8xf32>, %w: tensor<2x4x8x3x3xf32>, %acc: tensor<1x2x4x6x6xf32>) -> tensor<1x2x4x6x6xf32> {
  %zero = arith.constant 0.0 : f32
  %g = linalg.generic {indexing_maps = [#in, #w, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x2x8x8x8xf32>, tensor<2x4x8x3x3xf32>) outs(%acc : tensor<1x2x4x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %r = arith.maximumf %a, %zero : f32
    %p = arith.mulf %r, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2x4x6x6xf32>
  return %g : tensor<1x2x4x6x6xf32>
}

// -----

#in = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 + d6, d4 + d7)>
#w = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
#out = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>

// Two grouped 1x1 convolutions in a row, the second reading the first's
// split result itself: both become a convolution a group (the second is
// matched after the first is rewritten, reading its new result).
// CHECK-LABEL: func @chained
// CHECK-COUNT-4: linalg.conv_2d_nchw_fchw
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @chained(%x: tensor<1x2x64x4x4xf32>, %w: tensor<2x64x64x1x1xf32>, %acc: tensor<1x2x64x4x4xf32>) -> tensor<1x2x64x4x4xf32> {
  %a = linalg.generic {indexing_maps = [#in, #w, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x2x64x4x4xf32>, tensor<2x64x64x1x1xf32>) outs(%acc : tensor<1x2x64x4x4xf32>) {
  ^bb0(%i: f32, %k: f32, %c: f32):
    %p = arith.mulf %i, %k : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2x64x4x4xf32>
  %b = linalg.generic {indexing_maps = [#in, #w, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%a, %w : tensor<1x2x64x4x4xf32>, tensor<2x64x64x1x1xf32>) outs(%acc : tensor<1x2x64x4x4xf32>) {
  ^bb0(%i: f32, %k: f32, %c: f32):
    %p = arith.mulf %i, %k : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2x64x4x4xf32>
  return %b : tensor<1x2x64x4x4xf32>
}

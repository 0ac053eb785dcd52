// Pooling to the named linalg pooling ops (1-D and 2-D) or a generic, with
// compile-time divisors for average pooling; softmax as max / exp-sum /
// divide.
// RUN: kiln-opt %s -split-input-file -convert-graph-to-linalg | FileCheck %s

// Padding never wins the maximum: pad value and initial value are -inf.
// CHECK-LABEL: func @max_pool_2d
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x4x4xf32>)
// CHECK: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[PAD:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[NEG_INF]] : f32
// CHECK: } : tensor<1x2x4x4xf32> to tensor<1x2x6x6xf32>
// CHECK: %[[ACC:.*]] = linalg.fill ins(%[[NEG_INF]] : f32) outs(%{{.*}} : tensor<1x2x2x2xf32>)
// CHECK: %[[WIN:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK: %[[R:.*]] = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[PAD]], %[[WIN]] : tensor<1x2x6x6xf32>, tensor<3x3xf32>) outs(%[[ACC]] : tensor<1x2x2x2xf32>)
// CHECK: return %[[R]]
func.func @max_pool_2d(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
      : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  return %0 : tensor<1x2x2x2xf32>
}

// -----

// ceil_mode: the last window starts at 4 and needs one extra (-inf) element
// past the end.
// CHECK-LABEL: func @max_pool_1d_ceil
// CHECK: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[PAD:.*]] = tensor.pad %{{.*}} low[0, 0, 0] high[0, 0, 1]
// CHECK: tensor.yield %[[NEG_INF]]
// CHECK: linalg.pooling_ncw_max {dilations = dense<1> : tensor<1xi64>, strides = dense<2> : tensor<1xi64>} ins(%[[PAD]], %{{.*}} : tensor<1x1x6xf32>, tensor<2xf32>) outs(%{{.*}} : tensor<1x1x3xf32>)
func.func @max_pool_1d_ceil(%x: tensor<1x1x5xf32>) -> tensor<1x1x3xf32> {
  %0 = kiln.max_pool %x {ceil_mode = true, kernel_shape = array<i64: 2>, strides = array<i64: 2>}
      : tensor<1x1x5xf32> -> tensor<1x1x3xf32>
  return %0 : tensor<1x1x3xf32>
}

// -----

// Without count_include_pad each window divides by the input elements it
// covers: per axis [2, 3] (the first window overlaps the begin pad), so
// [[2*2, 2*3], [3*2, 3*3]].
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$SPATIAL:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-LABEL: func @average_pool_exclude_pad
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[PAD:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[ZERO]]
// CHECK: %[[ACC:.*]] = linalg.fill ins(%[[ZERO]] : f32)
// CHECK: %[[SUM:.*]] = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[PAD]], %{{.*}} : tensor<1x2x6x6xf32>, tensor<3x3xf32>) outs(%[[ACC]] : tensor<1x2x2x2xf32>)
// CHECK: %[[COUNT:.*]] = arith.constant dense<{{\[\[}}4.000000e+00, 6.000000e+00], [6.000000e+00, 9.000000e+00]]> : tensor<2x2xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$SPATIAL]], #[[$ID]]]{{.*}} ins(%[[SUM]], %[[COUNT]] : tensor<1x2x2x2xf32>, tensor<2x2xf32>)
// CHECK: ^bb0(%[[S:.*]]: f32, %[[N:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[D:.*]] = arith.divf %[[S]], %[[N]] : f32
// CHECK: linalg.yield %[[D]]
// CHECK: return %[[R]]
func.func @average_pool_exclude_pad(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %0 = kiln.average_pool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
      : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  return %0 : tensor<1x2x2x2xf32>
}

// -----

// With count_include_pad every window counts its full 3 x 3.
// CHECK-LABEL: func @average_pool_include_pad
// CHECK: linalg.pooling_nchw_sum
// CHECK: arith.constant dense<9.000000e+00> : tensor<2x2xf32>
// CHECK: arith.divf
func.func @average_pool_include_pad(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %0 = kiln.average_pool %x {count_include_pad = true, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
      : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  return %0 : tensor<1x2x2x2xf32>
}

// -----

// ceil_mode's extra end padding never counts, even with count_include_pad:
// windows [0,2), [2,4), [4,6) cover 2, 2 and 1 input elements.
// CHECK-LABEL: func @average_pool_1d_ceil
// CHECK: linalg.pooling_ncw_sum
// CHECK: arith.constant dense<[2.000000e+00, 2.000000e+00, 1.000000e+00]> : tensor<3xf32>
// CHECK-LABEL: func @average_pool_1d_ceil_include_pad
// CHECK: linalg.pooling_ncw_sum
// CHECK: arith.constant dense<[2.000000e+00, 2.000000e+00, 1.000000e+00]> : tensor<3xf32>
func.func @average_pool_1d_ceil(%x: tensor<1x1x5xf32>) -> tensor<1x1x3xf32> {
  %0 = kiln.average_pool %x {ceil_mode = true, kernel_shape = array<i64: 2>, strides = array<i64: 2>}
      : tensor<1x1x5xf32> -> tensor<1x1x3xf32>
  return %0 : tensor<1x1x3xf32>
}
func.func @average_pool_1d_ceil_include_pad(%x: tensor<1x1x5xf32>) -> tensor<1x1x3xf32> {
  %0 = kiln.average_pool %x {ceil_mode = true, count_include_pad = true, kernel_shape = array<i64: 2>, strides = array<i64: 2>}
      : tensor<1x1x5xf32> -> tensor<1x1x3xf32>
  return %0 : tensor<1x1x3xf32>
}

// -----

// 3-D windows: a generic over (n, c, od, oh, ow, kd, kh, kw); the window
// tensor is an operand so that the window loops have a size.
// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2 * 2 + d5, d3 * 2 + d6, d4 * 2 + d7)>
// CHECK-DAG: #[[$WIN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d6, d7)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func @max_pool_3d
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x4x4x4xf32>)
// CHECK: %[[WINDOW:.*]] = tensor.empty() : tensor<2x2x2xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$IN]], #[[$WIN]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[X]], %[[WINDOW]] : tensor<1x1x4x4x4xf32>, tensor<2x2x2xf32>) outs(%{{.*}} : tensor<1x1x2x2x2xf32>)
// CHECK: ^bb0(%[[V:.*]]: f32, %{{.*}}: f32, %[[ACC:.*]]: f32):
// CHECK: %[[M:.*]] = arith.maximumf %[[ACC]], %[[V]] : f32
// CHECK: linalg.yield %[[M]]
func.func @max_pool_3d(%x: tensor<1x1x4x4x4xf32>) -> tensor<1x1x2x2x2xf32> {
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 2, 2, 2>, strides = array<i64: 2, 2, 2>}
      : tensor<1x1x4x4x4xf32> -> tensor<1x1x2x2x2xf32>
  return %0 : tensor<1x1x2x2x2xf32>
}

// -----

// CHECK-LABEL: func @average_pool_3d
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x1x4x4x4xf32>, tensor<2x2x2xf32>)
// CHECK: arith.addf
// CHECK: %[[COUNT:.*]] = arith.constant dense<8.000000e+00> : tensor<3x3x3xf32>
// CHECK: linalg.generic {{.*}} ins(%[[SUM]], %[[COUNT]] :
// CHECK: arith.divf
func.func @average_pool_3d(%x: tensor<1x1x4x4x4xf32>) -> tensor<1x1x3x3x3xf32> {
  %0 = kiln.average_pool %x {kernel_shape = array<i64: 2, 2, 2>} : tensor<1x1x4x4x4xf32> -> tensor<1x1x3x3x3xf32>
  return %0 : tensor<1x1x3x3x3xf32>
}

// -----

// Sum over the spatial axes, times 1 / (2 * 3), reshaped back to N x C x 1 x 1.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$NC:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-LABEL: func @global_average_pool
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x2x3xf32>)
// CHECK: %[[ACC:.*]] = linalg.fill {{.*}} -> tensor<1x8xf32>
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$NC]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%[[X]] : tensor<1x8x2x3xf32>) outs(%[[ACC]] : tensor<1x8xf32>)
// CHECK: arith.addf
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x8xf32>)
// CHECK: %[[SCALE:.*]] = arith.constant 0.166666672 : f32
// CHECK: arith.mulf %{{.*}}, %[[SCALE]]
// CHECK: %[[R:.*]] = tensor.expand_shape %[[MEAN]] {{\[\[}}0], [1, 2, 3]] output_shape [1, 8, 1, 1]
// CHECK: return %[[R]]
func.func @global_average_pool(%x: tensor<1x8x2x3xf32>) -> tensor<1x8x1x1xf32> {
  %0 = kiln.global_average_pool %x : tensor<1x8x2x3xf32> -> tensor<1x8x1x1xf32>
  return %0 : tensor<1x8x1x1xf32>
}

// -----

// max (from -inf), exp(x - max), sum (from 0), divide; the reduced tensors
// come back with the axis as size 1 and broadcast.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$RED:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[$KEPT:.*]] = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
// CHECK-LABEL: func @softmax_middle_axis
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAX_INIT:.*]] = linalg.fill ins(%[[NEG_INF]] : f32) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$RED]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[X]] : tensor<2x3x4xf32>) outs(%[[MAX_INIT]] : tensor<2x4xf32>)
// CHECK: arith.maximumf
// CHECK: %[[MAX3:.*]] = tensor.expand_shape %[[MAX]] {{\[\[}}0], [1, 2]] output_shape [2, 1, 4]
// CHECK: %[[EXP:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$KEPT]], #[[$ID]]]{{.*}} ins(%[[X]], %[[MAX3]] : tensor<2x3x4xf32>, tensor<2x1x4xf32>)
// CHECK: ^bb0(%[[V:.*]]: f32, %[[M:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[D:.*]] = arith.subf %[[V]], %[[M]] : f32
// CHECK: %[[E:.*]] = math.exp %[[D]] : f32
// CHECK: linalg.yield %[[E]]
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[SUM_INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32)
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$RED]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[EXP]] : tensor<2x3x4xf32>) outs(%[[SUM_INIT]] : tensor<2x4xf32>)
// CHECK: arith.addf
// CHECK: %[[SUM3:.*]] = tensor.expand_shape %[[SUM]]
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$KEPT]], #[[$ID]]]{{.*}} ins(%[[EXP]], %[[SUM3]] :
// CHECK: arith.divf
// CHECK: return %[[R]]
func.func @softmax_middle_axis(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = kiln.softmax %x {axis = 1 : i64} : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// The default axis -1 reduces the last axis.
// CHECK-LABEL: func @softmax_last_axis
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]{{.*}} outs(%{{.*}} : tensor<2xf32>)
// CHECK: arith.maximumf
func.func @softmax_last_axis(%x: tensor<2x10xf32>) -> tensor<2x10xf32> {
  %0 = kiln.softmax %x : tensor<2x10xf32> -> tensor<2x10xf32>
  return %0 : tensor<2x10xf32>
}

// -----

// Softmax of a scalar is 1.
// CHECK-LABEL: func @softmax_scalar
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[R:.*]] = linalg.fill ins(%[[ONE]] : f32) outs(%{{.*}} : tensor<f32>)
// CHECK-NOT: math.exp
// CHECK: return %[[R]]
func.func @softmax_scalar(%x: tensor<f32>) -> tensor<f32> {
  %0 = kiln.softmax %x : tensor<f32> -> tensor<f32>
  return %0 : tensor<f32>
}

// Pooling to the named linalg pooling ops (sums, 3-D max pools), an
// elementwise maximum of window taps (1-D and 2-D float max pools) or a
// generic, with compile-time divisors for average pooling; softmax as
// max / exp-sum / divide.
// RUN: kiln-opt %s -split-input-file -convert-graph-to-linalg | FileCheck %s

// Padding never wins the maximum: the pad value is -inf. A 2-D float max
// pool is the elementwise maximum of its 9 window taps (strided slices of the
// padded input), NaN-propagating like the named op.
// CHECK-LABEL: func @max_pool_2d
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x4x4xf32>)
// CHECK: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[PAD:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[NEG_INF]] : f32
// CHECK: } : tensor<1x2x4x4xf32> to tensor<1x2x6x6xf32>
// CHECK: %[[T0:.*]] = tensor.extract_slice %[[PAD]][0, 0, 0, 0] [1, 2, 2, 2] [1, 1, 2, 2]
// CHECK: %[[T1:.*]] = tensor.extract_slice %[[PAD]][0, 0, 0, 1] [1, 2, 2, 2] [1, 1, 2, 2]
// CHECK: %[[T8:.*]] = tensor.extract_slice %[[PAD]][0, 0, 2, 2] [1, 2, 2, 2] [1, 1, 2, 2]
// CHECK: %[[R:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[T0]], %[[T1]], {{.*}}, %[[T8]] : {{.*}}) outs(%{{.*}} : tensor<1x2x2x2xf32>)
// CHECK: ^bb0(%[[A0:[^:]*]]: f32, %[[A1:[^:]*]]: f32,
// CHECK: %[[M:.*]] = arith.maximumf %[[A0]], %[[A1]] : f32
// CHECK-COUNT-7: arith.maximumf
// CHECK-NOT: arith.maximumf
// CHECK: return %[[R]]
func.func @max_pool_2d(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
      : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  return %0 : tensor<1x2x2x2xf32>
}

// -----

// ceil_mode: the last window starts at 4 and needs one extra (-inf) element
// past the end. A 1-D float max pool is a 2-D one of one row: the maximum
// of its 2 taps (stride-2 slices of the padded input viewed as [1, 1, 1, 6]),
// collapsed back.
// CHECK-LABEL: func @max_pool_1d_ceil
// CHECK: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[PAD:.*]] = tensor.pad %{{.*}} low[0, 0, 0] high[0, 0, 1]
// CHECK: tensor.yield %[[NEG_INF]]
// CHECK: %[[ROW:.*]] = tensor.expand_shape %[[PAD]] {{\[}}[0], [1], [2, 3]] output_shape [1, 1, 1, 6]
// CHECK: %[[T0:.*]] = tensor.extract_slice %[[ROW]][0, 0, 0, 0] [1, 1, 1, 3] [1, 1, 1, 2]
// CHECK: %[[T1:.*]] = tensor.extract_slice %[[ROW]][0, 0, 0, 1] [1, 1, 1, 3] [1, 1, 1, 2]
// CHECK: %[[M:.*]] = linalg.generic {{.*}} ins(%[[T0]], %[[T1]] : tensor<1x1x1x3xf32>, tensor<1x1x1x3xf32>)
// CHECK: arith.maximumf
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[M]] {{\[}}[0], [1], [2, 3]] : tensor<1x1x1x3xf32> into tensor<1x1x3xf32>
// CHECK: return %[[R]]
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

// -----

// Sums of f16 accumulate in f32 and round once; keepdims re-inserts the
// axis with an expand_shape.
// CHECK-LABEL: func @reduce_sum_f16
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf16>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<3xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<3x4xf16>) outs(%[[INIT]] : tensor<3xf32>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.addf
// CHECK: %[[NARROW:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<3xf32>) outs(%{{.*}} : tensor<3xf16>)
// CHECK: arith.truncf
// CHECK: %[[R:.*]] = tensor.expand_shape %[[NARROW]] {{\[}}[0, 1]] output_shape [3, 1]
// CHECK: return %[[R]]
func.func @reduce_sum_f16(%x: tensor<3x4xf16>) -> tensor<3x1xf16> {
  %0 = kiln.reduce sum %x {axes = array<i64: 1>} : tensor<3x4xf16> -> tensor<3x1xf16>
  return %0 : tensor<3x1xf16>
}

// -----

// Booleans (stored as bytes) reduce with or (max) from false.
// CHECK-LABEL: func @reduce_max_bool
// CHECK: %[[FALSE:.*]] = arith.constant 0 : i8
// CHECK: linalg.fill ins(%[[FALSE]] : i8)
// CHECK: linalg.generic
// CHECK: arith.ori %{{.*}}, %{{.*}} : i8
func.func @reduce_max_bool(%x: tensor<3x4xi1>) -> tensor<3xi1> {
  %0 = kiln.reduce max %x {axes = array<i64: 1>, keepdims = false} : tensor<3x4xi1> -> tensor<3xi1>
  return %0 : tensor<3xi1>
}

// -----

// A reduction of every axis keeps a unit parallel loop (the GPU strategy
// needs one); unsigned minimum from the highest value.
// CHECK-LABEL: func @reduce_min_all
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xi8>)
// CHECK: %[[HIGHEST:.*]] = arith.constant -1 : i8
// CHECK: %[[UNIT:.*]] = tensor.expand_shape %[[X]] {{\[}}[0, 1], [2]] output_shape [1, 3, 4]
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[HIGHEST]] : i8) outs(%{{.*}} : tensor<1xi8>)
// CHECK: %[[MIN:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]} ins(%[[UNIT]] : tensor<1x3x4xi8>) outs(%[[INIT]] : tensor<1xi8>)
// CHECK: arith.minui
// CHECK: tensor.collapse_shape %[[MIN]] [] : tensor<1xi8> into tensor<i8>
func.func @reduce_min_all(%x: tensor<3x4xui8>) -> tensor<ui8> {
  %0 = kiln.reduce min %x {axes = array<i64: 0, 1>, keepdims = false} : tensor<3x4xui8> -> tensor<ui8>
  return %0 : tensor<ui8>
}

// -----

// No axes: the input itself.
// CHECK-LABEL: func @reduce_no_axes
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @reduce_no_axes(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %0 = kiln.reduce prod %x {axes = array<i64>} : tensor<3x4xf32> -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// argmax: the maximum, then the largest index holding it (or NaN) with
// select_last_index.
// CHECK-LABEL: func @argmax_last
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<3x4xf32>) outs(%{{.*}} : tensor<3xf32>)
// CHECK: arith.maximumf
// CHECK: %[[NONE:.*]] = arith.constant -1 : i64
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NONE]] : i64)
// CHECK: %[[IDX:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[MAX]] : tensor<3x4xf32>, tensor<3xf32>) outs(%[[INIT]] : tensor<3xi64>)
// CHECK: %[[EQ:.*]] = arith.cmpf oeq
// CHECK: %[[NAN:.*]] = arith.cmpf uno
// CHECK: %[[MATCH:.*]] = arith.ori %[[EQ]], %[[NAN]]
// CHECK: %[[I:.*]] = linalg.index 1
// CHECK: %[[I64:.*]] = arith.index_cast %[[I]]
// CHECK: %[[CAND:.*]] = arith.select %[[MATCH]], %[[I64]], %[[ACC:.*]] : i64
// CHECK: arith.maxsi %[[ACC]], %[[CAND]]
// CHECK: tensor.expand_shape %[[IDX]]
func.func @argmax_last(%x: tensor<3x4xf32>) -> tensor<3x1xi64> {
  %0 = kiln.argmax %x {axis = 1 : i64, select_last_index = true} : tensor<3x4xf32> -> tensor<3x1xi64>
  return %0 : tensor<3x1xi64>
}

// -----

// A 1-D input's argmax reduces every axis, which runs with a leading unit
// loop: the index is that of loop 1 (it was loop 0's, the unit loop's, so
// every such argmax and argmin gave 0).
// CHECK-LABEL: func @argmax_1d
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]{{.*}} outs(%{{.*}} : tensor<1xi64>)
// CHECK: %[[I:.*]] = linalg.index 1
// CHECK: arith.index_cast %[[I]]
func.func @argmax_1d(%x: tensor<7xf32>) -> tensor<i64> {
  %0 = kiln.argmax %x {keepdims = false} : tensor<7xf32> -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

// argmin keeps the first (smallest) index, from the largest i64.
// CHECK-LABEL: func @argmin_unsigned
// CHECK: arith.minui
// CHECK: arith.constant 9223372036854775807 : i64
// CHECK: arith.cmpi eq
// CHECK: arith.minsi
func.func @argmin_unsigned(%x: tensor<3x4xui32>) -> tensor<4xi64> {
  %0 = kiln.argmin %x {keepdims = false} : tensor<3x4xui32> -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// A running sum walks the axis a second time (dimension 2): exclusive and
// reversed, element i takes the elements k > i.
// CHECK-DAG: #[[READ_K:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[OWN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @cumsum_exclusive_reverse
// CHECK: linalg.generic {indexing_maps = [#[[READ_K]], #[[OWN]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: %[[I:.*]] = linalg.index 1
// CHECK: %[[K:.*]] = linalg.index 2
// CHECK: %[[TAKE:.*]] = arith.cmpi ugt, %[[K]], %[[I]]
// CHECK: %[[SUM:.*]] = arith.addi %[[ACC:.*]], %{{.*}} : i32
// CHECK: arith.select %[[TAKE]], %[[SUM]], %[[ACC]]
func.func @cumsum_exclusive_reverse(%x: tensor<2x5xi32>) -> tensor<2x5xi32> {
  %0 = kiln.cumulative sum %x {axis = 1 : i64, exclusive = true, reverse = true} : tensor<2x5xi32> -> tensor<2x5xi32>
  return %0 : tensor<2x5xi32>
}

// -----

// top_k: each element's rank (how many elements come before it), then
// output position r takes the element of rank r, for values and indices.
// CHECK-LABEL: func @top_k
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
// CHECK: %[[RANKS:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[X]] : tensor<3x4xf32>, tensor<3x4xf32>) outs(%{{.*}} : tensor<3x4xi64>)
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf oeq
// CHECK: arith.cmpi ult
// CHECK: %[[VALUES:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[RANKS]] : tensor<3x4xf32>, tensor<3x4xi64>) outs(%{{.*}} : tensor<3x2xf32>)
// CHECK: %[[INDICES:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[RANKS]] : tensor<3x4xf32>, tensor<3x4xi64>) outs(%{{.*}} : tensor<3x2xi64>)
// CHECK: return %[[VALUES]], %[[INDICES]]
func.func @top_k(%x: tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xi64>) {
  %0:2 = kiln.top_k %x {k = 2 : i64} : tensor<3x4xf32> -> (tensor<3x2xf32>, tensor<3x2xi64>)
  return %0#0, %0#1 : tensor<3x2xf32>, tensor<3x2xi64>
}

// -----

// The smallest come first without `largest`.
// CHECK-LABEL: func @top_k_smallest
// CHECK: arith.cmpi slt
func.func @top_k_smallest(%x: tensor<5xi64>) -> (tensor<3xi64>, tensor<3xi64>) {
  %0:2 = kiln.top_k %x {k = 3 : i64, largest = false} : tensor<5xi64> -> (tensor<3xi64>, tensor<3xi64>)
  return %0#0, %0#1 : tensor<3xi64>, tensor<3xi64>
}

// -----

// log_softmax: max, then a sum that exponentiates as it reads, then
// x - max - log(sum).
// CHECK-LABEL: func @log_softmax
// CHECK-SAME: (%[[X:.*]]: tensor<2x5xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<2x5xf32>)
// CHECK: arith.maximumf
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[MAX]] : tensor<2x5xf32>, tensor<2xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK-DAG: %[[MAXK:.*]] = tensor.expand_shape %[[MAX]]
// CHECK-DAG: %[[SUMK:.*]] = tensor.expand_shape %[[SUM]]
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[MAXK]], %[[SUMK]] : tensor<2x5xf32>, tensor<2x1xf32>, tensor<2x1xf32>)
// CHECK: %[[SHIFTED:.*]] = arith.subf
// CHECK: %[[LOG:.*]] = math.log
// CHECK: arith.subf %[[SHIFTED]], %[[LOG]]
func.func @log_softmax(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = kiln.log_softmax %x {axis = 1 : i64} : tensor<2x5xf32> -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// hardmax: the first maximum's index, then 1 where the position matches.
// CHECK-LABEL: func @hardmax
// CHECK: %[[IDX:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<5xi64>)
// CHECK: arith.minsi
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[IDX]] : tensor<5xi64>) outs(%{{.*}} : tensor<2x5xf32>)
// CHECK: %[[POS:.*]] = linalg.index 0
// CHECK: %[[POS64:.*]] = arith.index_cast %[[POS]]
// CHECK: %[[HIT:.*]] = arith.cmpi eq, %[[POS64]]
// CHECK: arith.select %[[HIT]]
func.func @hardmax(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = kiln.hardmax %x {axis = 0 : i64} : tensor<2x5xf32> -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// Lp pooling: |x|^p, zero padding, the sum pooling op, the p-th root.
// CHECK-LABEL: func @lp_pool
// CHECK: %[[POW:.*]] = linalg.generic
// CHECK: math.absf
// CHECK: math.powf
// CHECK: %[[PAD:.*]] = tensor.pad %[[POW]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[SUM:.*]] = linalg.pooling_nchw_sum {{.*}} ins(%[[PAD]], %{{.*}} : tensor<1x1x6x6xf32>, tensor<2x2xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x1x5x5xf32>)
// CHECK: arith.constant 0.333333343 : f32
// CHECK: math.powf
func.func @lp_pool(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x5x5xf32> {
  %0 = kiln.lp_pool %x {kernel_shape = array<i64: 2, 2>, p = 3 : i64, pads = array<i64: 1, 1, 1, 1>} : tensor<1x1x4x4xf32> -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}

// -----

// p = 2 squares and takes the square root.
// CHECK-LABEL: func @lp_pool_2
// CHECK: arith.mulf
// CHECK: linalg.pooling_ncw_sum
// CHECK: math.sqrt
func.func @lp_pool_2(%x: tensor<1x1x4xf32>) -> tensor<1x1x3xf32> {
  %0 = kiln.lp_pool %x {kernel_shape = array<i64: 2>} : tensor<1x1x4xf32> -> tensor<1x1x3xf32>
  return %0 : tensor<1x1x3xf32>
}

// -----

// MaxPool indices: the window maxima, then the smallest row-major input
// index inside the unpadded input that holds the maximum; column-major
// (storage_order) converts it: the spatial coordinates weigh 1, H.
// CHECK-LABEL: func @max_pool_indices
// CHECK: %[[PAD:.*]] = tensor.pad
// CHECK: %[[MAX:.*]] = linalg.pooling_nchw_max {{.*}} ins(%[[PAD]], %{{.*}} : tensor<1x1x6x5xf32>, tensor<2x2xf32>)
// CHECK: %[[NONE:.*]] = arith.constant 9223372036854775807 : i64
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NONE]] : i64)
// CHECK: %[[ROW:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[PAD]], %{{.*}}, %[[MAX]] : tensor<1x1x6x5xf32>, tensor<2x2xf32>, tensor<1x1x3x2xf32>) outs(%[[INIT]] : tensor<1x1x3x2xi64>)
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi slt
// CHECK: %[[EQ:.*]] = arith.cmpf oeq
// CHECK: %[[MATCH:.*]] = arith.andi %{{.*}}, %[[EQ]]
// CHECK: %[[IDX:.*]] = arith.index_cast
// CHECK: %[[CAND:.*]] = arith.select %[[MATCH]], %[[IDX]], %[[ACC:.*]] : i64
// CHECK: arith.minsi %[[ACC]], %[[CAND]]
// CHECK: linalg.generic {{.*}} ins(%[[ROW]] : tensor<1x1x3x2xi64>)
// CHECK: arith.constant 25 : i64
// CHECK: arith.remsi
func.func @max_pool_indices(%x: tensor<1x1x5x5xf32>) -> tensor<1x1x3x2xi64> {
  %0 = kiln.max_pool_indices %x {kernel_shape = array<i64: 2, 2>, pads = array<i64: 1, 0, 0, 0>, storage_order = true, strides = array<i64: 2, 2>}
      : tensor<1x1x5x5xf32> -> tensor<1x1x3x2xi64>
  return %0 : tensor<1x1x3x2xi64>
}

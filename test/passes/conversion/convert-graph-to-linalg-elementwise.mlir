// Elementwise kiln ops become one linalg.generic each, reading broadcast
// operands through their indexing maps (size-1 axes held at 0, missing
// leading axes dropped).
// RUN: kiln-opt %s -split-input-file -convert-graph-to-linalg | FileCheck %s

// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @add_broadcast_rank
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<3xf32>)
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<2x3xf32>, tensor<3xf32>) outs(%[[INIT]] : tensor<2x3xf32>)
// CHECK: ^bb0(%[[X:.*]]: f32, %[[Y:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[S:.*]] = arith.addf %[[X]], %[[Y]] : f32
// CHECK: linalg.yield %[[S]] : f32
// CHECK: return %[[R]]
func.func @add_broadcast_rank(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = kiln.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Both operands broadcast along a different size-1 axis.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func @sub_broadcast_both
// CHECK: linalg.generic {indexing_maps = [#[[$COL]], #[[$ROW]], #[[$ID]]]
// CHECK: ^bb0(%[[X:.*]]: i32, %[[Y:.*]]: i32, %{{.*}}: i32):
// CHECK: arith.subi %[[X]], %[[Y]] : i32
func.func @sub_broadcast_both(%a: tensor<2x1xi32>, %b: tensor<1x4xi32>) -> tensor<2x4xi32> {
  %0 = kiln.sub %a, %b : (tensor<2x1xi32>, tensor<1x4xi32>) -> tensor<2x4xi32>
  return %0 : tensor<2x4xi32>
}

// -----

// A rank-0 operand is read with an empty map.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func @mul_scalar
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$SCALAR]], #[[$ID]]]
// CHECK: arith.mulf
func.func @mul_scalar(%a: tensor<2x3xf32>, %b: tensor<f32>) -> tensor<2x3xf32> {
  %0 = kiln.mul %a, %b : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A size-1 axis that is also size 1 in the result is not a broadcast.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func @mul_unit_dims
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$ID]], #[[$ID]]]
func.func @mul_unit_dims(%a: tensor<1x3xf32>, %b: tensor<1x3xf32>) -> tensor<1x3xf32> {
  %0 = kiln.mul %a, %b : (tensor<1x3xf32>, tensor<1x3xf32>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// Float division is divf; integer division truncates (divsi).
// CHECK-LABEL: func @div
// CHECK: arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: arith.divsi %{{.*}}, %{{.*}} : i64
func.func @div(%a: tensor<4xf32>, %b: tensor<4xf32>, %i: tensor<4xi64>, %j: tensor<4xi64>) -> (tensor<4xf32>, tensor<4xi64>) {
  %0 = kiln.div %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = kiln.div %i, %j : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  return %0, %1 : tensor<4xf32>, tensor<4xi64>
}

// -----

// CHECK-LABEL: func @relu
// CHECK: linalg.generic
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[R:.*]] = arith.maximumf %[[X]], %[[ZERO]] : f32
// CHECK: linalg.yield %[[R]]
// CHECK: linalg.generic
// CHECK: ^bb0(%[[XI:.*]]: i8, %{{.*}}: i8):
// CHECK: %[[ZEROI:.*]] = arith.constant 0 : i8
// CHECK: arith.maxsi %[[XI]], %[[ZEROI]] : i8
func.func @relu(%x: tensor<4xf32>, %i: tensor<4xi8>) -> (tensor<4xf32>, tensor<4xi8>) {
  %0 = kiln.relu %x : tensor<4xf32> -> tensor<4xf32>
  %1 = kiln.relu %i : tensor<4xi8> -> tensor<4xi8>
  return %0, %1 : tensor<4xf32>, tensor<4xi8>
}

// -----

// sigmoid(x) = 1 / (1 + exp(-x))
// CHECK-LABEL: func @sigmoid
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[NEG:.*]] = arith.negf %[[X]] : f32
// CHECK: %[[E:.*]] = math.exp %[[NEG]] : f32
// CHECK: %[[D:.*]] = arith.addf %[[ONE]], %[[E]] : f32
// CHECK: %[[R:.*]] = arith.divf %[[ONE]], %[[D]] : f32
// CHECK: linalg.yield %[[R]]
func.func @sigmoid(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = kiln.sigmoid %x : tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// 16-bit floats compute in f32 and round once.
// CHECK-LABEL: func @tanh
// CHECK: ^bb0(%[[X:.*]]: f16, %{{.*}}: f16):
// CHECK: %[[W:.*]] = arith.extf %[[X]] : f16 to f32
// CHECK: %[[T:.*]] = math.tanh %[[W]] : f32
// CHECK: %[[R:.*]] = arith.truncf %[[T]] : f32 to f16
// CHECK: linalg.yield %[[R]]
func.func @tanh(%x: tensor<4xf16>) -> tensor<4xf16> {
  %0 = kiln.tanh %x : tensor<4xf16> -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

// The bounds are rank-0 inputs of the generic, broadcast to every element
// (no scalar is loaded outside a kernel).
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[$SCALAR:.*]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func @clip
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[LO:.*]]: tensor<f32>, %[[HI:.*]]: tensor<1xf32>)
// CHECK: %[[HI0:.*]] = tensor.collapse_shape %[[HI]] [] : tensor<1xf32> into tensor<f32>
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$SCALAR]], #[[$SCALAR]], #[[$ID]]]
// CHECK-SAME: ins(%[[X]], %[[LO]], %[[HI0]] : tensor<4xf32>, tensor<f32>, tensor<f32>)
// CHECK: ^bb0(%[[V:.*]]: f32, %[[MIN:.*]]: f32, %[[MAX:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[A:.*]] = arith.maximumf %[[V]], %[[MIN]] : f32
// CHECK: %[[B:.*]] = arith.minimumf %[[A]], %[[MAX]] : f32
// CHECK: linalg.yield %[[B]]
func.func @clip(%x: tensor<4xf32>, %lo: tensor<f32>, %hi: tensor<1xf32>) -> tensor<4xf32> {
  %0 = kiln.clip %x min %lo max %hi : (tensor<4xf32>, tensor<f32>, tensor<1xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A missing bound does not clamp on that side.
// CHECK-LABEL: func @clip_max_only
// CHECK-SAME: (%[[X:.*]]: tensor<4xi32>, %[[HI:.*]]: tensor<i32>)
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[HI]] : tensor<4xi32>, tensor<i32>)
// CHECK: ^bb0(%[[V:.*]]: i32, %[[MAX:.*]]: i32, %{{.*}}: i32):
// CHECK-NEXT: %[[B:.*]] = arith.minsi %[[V]], %[[MAX]] : i32
// CHECK-NEXT: linalg.yield %[[B]]
func.func @clip_max_only(%x: tensor<4xi32>, %hi: tensor<i32>) -> tensor<4xi32> {
  %0 = kiln.clip %x max %hi : (tensor<4xi32>, tensor<i32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// CHECK-LABEL: func @clip_min_only
// CHECK: ^bb0(%[[V:.*]]: f32, %[[MIN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[A:.*]] = arith.maximumf %[[V]], %[[MIN]] : f32
// CHECK-NEXT: linalg.yield %[[A]]
func.func @clip_min_only(%x: tensor<4xf32>, %lo: tensor<1x1xf32>) -> tensor<4xf32> {
  %0 = kiln.clip %x min %lo : (tensor<4xf32>, tensor<1x1xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// The per-channel parameters are reshaped to C x 1 x 1 and broadcast.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$CHANNEL:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>
// CHECK-LABEL: func @batch_norm
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x3x3xf32>, %[[S:.*]]: tensor<2xf32>, %[[B:.*]]: tensor<2xf32>, %[[M:.*]]: tensor<2xf32>, %[[V:.*]]: tensor<2xf32>)
// CHECK-DAG: %[[S3:.*]] = tensor.expand_shape %[[S]] {{\[\[}}0, 1, 2]] output_shape [2, 1, 1]
// CHECK-DAG: %[[B3:.*]] = tensor.expand_shape %[[B]] {{\[\[}}0, 1, 2]] output_shape [2, 1, 1]
// CHECK-DAG: %[[M3:.*]] = tensor.expand_shape %[[M]] {{\[\[}}0, 1, 2]] output_shape [2, 1, 1]
// CHECK-DAG: %[[V3:.*]] = tensor.expand_shape %[[V]] {{\[\[}}0, 1, 2]] output_shape [2, 1, 1]
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$CHANNEL]], #[[$CHANNEL]], #[[$CHANNEL]], #[[$CHANNEL]], #[[$ID]]]
// CHECK-SAME: ins(%[[X]], %[[S3]], %[[B3]], %[[M3]], %[[V3]] :
// CHECK: ^bb0(%[[IX:.*]]: f32, %[[IS:.*]]: f32, %[[IB:.*]]: f32, %[[IM:.*]]: f32, %[[IV:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[EPS:.*]] = arith.constant 1.000000e-03 : f32
// CHECK: %[[VE:.*]] = arith.addf %[[IV]], %[[EPS]]
// CHECK: %[[SD:.*]] = math.sqrt %[[VE]]
// CHECK: %[[C:.*]] = arith.subf %[[IX]], %[[IM]]
// CHECK: %[[N:.*]] = arith.divf %[[C]], %[[SD]]
// CHECK: %[[SC:.*]] = arith.mulf %[[N]], %[[IS]]
// CHECK: %[[R:.*]] = arith.addf %[[SC]], %[[IB]]
// CHECK: linalg.yield %[[R]]
func.func @batch_norm(%x: tensor<1x2x3x3xf32>, %s: tensor<2xf32>, %b: tensor<2xf32>, %m: tensor<2xf32>, %v: tensor<2xf32>) -> tensor<1x2x3x3xf32> {
  %0 = kiln.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0e-03 : f32}
      : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// -----

// Unsigned integers lower to signless tensors (the function signature too);
// the op's signedness picks the unsigned arithmetic.
// CHECK-LABEL: func @unsigned_div
// CHECK-SAME: (%[[A:.*]]: tensor<4xi8>, %[[B:.*]]: tensor<4xi8>) -> tensor<4xi8>
// CHECK: linalg.generic
// CHECK: arith.divui %{{.*}}, %{{.*}} : i8
// CHECK-NOT: ui8
func.func @unsigned_div(%a: tensor<4xui8>, %b: tensor<4xui8>) -> tensor<4xui8> {
  %0 = kiln.div %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

// Booleans are stored as bytes: computed as i1, yielded as i8.
// CHECK-LABEL: func @unsigned_less
// CHECK-SAME: -> tensor<4xi8>
// CHECK: %[[C:.*]] = arith.cmpi ult, %{{.*}}, %{{.*}} : i32
// CHECK: %[[B:.*]] = arith.extui %[[C]] : i1 to i8
// CHECK: linalg.yield %[[B]] : i8
func.func @unsigned_less(%a: tensor<4xui32>, %b: tensor<4xui32>) -> tensor<4xi1> {
  %0 = kiln.less %a, %b : (tensor<4xui32>, tensor<4xui32>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// Float to unsigned and signed to float conversions follow the types.
// CHECK-LABEL: func @casts
// CHECK: arith.fptoui %{{.*}} : f32 to i16
// CHECK: arith.sitofp %{{.*}} : i64 to f16
func.func @casts(%x: tensor<4xf32>, %y: tensor<4xi64>) -> (tensor<4xui16>, tensor<4xf16>) {
  %0 = kiln.cast %x {to = ui16} : tensor<4xf32> -> tensor<4xui16>
  %1 = kiln.cast %y {to = f16} : tensor<4xi64> -> tensor<4xf16>
  return %0, %1 : tensor<4xui16>, tensor<4xf16>
}

// -----

// CHECK-LABEL: func @where_broadcast
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x1xi8>, tensor<3xf32>, tensor<f32>)
// CHECK: ^bb0(%[[C8:.*]]: i8, %[[X:.*]]: f32, %[[Y:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[C:.*]] = arith.trunci %[[C8]] : i8 to i1
// CHECK: arith.select %[[C]], %[[X]], %[[Y]] : f32
func.func @where_broadcast(%c: tensor<2x1xi1>, %x: tensor<3xf32>, %y: tensor<f32>) -> tensor<2x3xf32> {
  %0 = kiln.where %c, %x, %y : (tensor<2x1xi1>, tensor<3xf32>, tensor<f32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// 8-bit floats are bytes: a conversion to one computes in f32 and encodes
// the result (round to nearest even, saturating) with integer ops; 4-bit
// integers are bytes holding the sign-extended value.
// CHECK-LABEL: func @small_types
// CHECK-SAME: (%{{.*}}: tensor<4xf32>, %{{.*}}: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xf32>)
// CHECK: linalg.generic
// CHECK:   arith.bitcast %{{.*}} : f32 to i32
// CHECK:   arith.shrui
// CHECK:   %[[B:.*]] = arith.trunci %{{.*}} : i32 to i8
// CHECK:   linalg.yield %[[B]] : i8
// CHECK: linalg.generic
// CHECK:   %[[I4:.*]] = arith.trunci %{{.*}} : i8 to i4
// CHECK:   arith.sitofp %[[I4]] : i4 to f32
func.func @small_types(%x: tensor<4xf32>, %q: tensor<4xi4>) -> (tensor<4xf8E4M3FN>, tensor<4xf32>) {
  %0 = kiln.cast %x {to = f8E4M3FN} : tensor<4xf32> -> tensor<4xf8E4M3FN>
  %1 = kiln.cast %q {to = f32} : tensor<4xi4> -> tensor<4xf32>
  return %0, %1 : tensor<4xf8E4M3FN>, tensor<4xf32>
}

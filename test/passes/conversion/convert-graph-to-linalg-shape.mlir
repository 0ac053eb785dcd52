// Constants, identity and data movement: reshapes become collapse/expand
// (free after bufferization), transpose a linalg.transpose, concat a chain
// of insert_slices into one destination.
// RUN: kiln-opt %s -split-input-file -convert-graph-to-linalg | FileCheck %s

// CHECK-LABEL: func @constant
// CHECK: %[[C:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: return %[[C]]
func.func @constant() -> tensor<2xf32> {
  %0 = kiln.constant dense<[1.0, 2.0]> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// CHECK-LABEL: func @identity
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @identity(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = kiln.identity %x : tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func @reshape_collapse
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>, %{{.*}}: tensor<2xi64>)
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK: return %[[R]]
func.func @reshape_collapse(%x: tensor<2x3x4xf32>, %s: tensor<2xi64>) -> tensor<6x4xf32> {
  %0 = kiln.reshape %x, %s : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  return %0 : tensor<6x4xf32>
}

// -----

// CHECK-LABEL: func @reshape_expand
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>, %{{.*}}: tensor<4xi64>)
// CHECK: %[[R:.*]] = tensor.expand_shape %[[X]] {{\[\[}}0], [1], [2, 3]] output_shape [2, 3, 2, 2] : tensor<2x3x4xf32> into tensor<2x3x2x2xf32>
// CHECK: return %[[R]]
func.func @reshape_expand(%x: tensor<2x3x4xf32>, %s: tensor<4xi64>) -> tensor<2x3x2x2xf32> {
  %0 = kiln.reshape %x, %s : (tensor<2x3x4xf32>, tensor<4xi64>) -> tensor<2x3x2x2xf32>
  return %0 : tensor<2x3x2x2xf32>
}

// -----

// 2x3x4 -> 4x6 is neither a collapse nor an expand: through the flat vector.
// CHECK-LABEL: func @reshape_regroup
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>, %{{.*}}: tensor<2xi64>)
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1, 2]] : tensor<2x3x4xf32> into tensor<24xf32>
// CHECK: %[[R:.*]] = tensor.expand_shape %[[FLAT]] {{\[\[}}0, 1]] output_shape [4, 6] : tensor<24xf32> into tensor<4x6xf32>
// CHECK: return %[[R]]
func.func @reshape_regroup(%x: tensor<2x3x4xf32>, %s: tensor<2xi64>) -> tensor<4x6xf32> {
  %0 = kiln.reshape %x, %s : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

// CHECK-LABEL: func @flatten
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0], [1, 2]] : tensor<2x3x4xf32> into tensor<2x12xf32>
// CHECK: return %[[R]]
func.func @flatten(%x: tensor<2x3x4xf32>) -> tensor<2x12xf32> {
  %0 = kiln.flatten %x : tensor<2x3x4xf32> -> tensor<2x12xf32>
  return %0 : tensor<2x12xf32>
}

// -----

// CHECK-LABEL: func @transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<4x2x3xf32>
// CHECK: %[[R:.*]] = linalg.transpose ins(%[[X]] : tensor<2x3x4xf32>) outs(%[[INIT]] : tensor<4x2x3xf32>) permutation = [2, 0, 1]
// CHECK: return %[[R]]
func.func @transpose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = kiln.transpose %x {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}

// -----

// Each input lands at the running offset along the axis; empty inputs are
// skipped.
// CHECK-LABEL: func @concat
// CHECK-SAME: (%[[A:.*]]: tensor<2x1xf32>, %[[B:.*]]: tensor<2x0xf32>, %[[C:.*]]: tensor<2x3xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x4xf32>
// CHECK: %[[R0:.*]] = tensor.insert_slice %[[A]] into %[[E]][0, 0] [2, 1] [1, 1] : tensor<2x1xf32> into tensor<2x4xf32>
// CHECK-NOT: %[[B]]
// CHECK: %[[R1:.*]] = tensor.insert_slice %[[C]] into %[[R0]][0, 1] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<2x4xf32>
// CHECK: return %[[R1]]
func.func @concat(%a: tensor<2x1xf32>, %b: tensor<2x0xf32>, %c: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %0 = kiln.concat %a, %b, %c {axis = -1 : i64} : (tensor<2x1xf32>, tensor<2x0xf32>, tensor<2x3xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// CHECK-LABEL: func @concat_outer_axis
// CHECK-SAME: (%[[A:.*]]: tensor<1x3xi64>, %[[B:.*]]: tensor<2x3xi64>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<3x3xi64>
// CHECK: %[[R0:.*]] = tensor.insert_slice %[[A]] into %[[E]][0, 0] [1, 3] [1, 1]
// CHECK: %[[R1:.*]] = tensor.insert_slice %[[B]] into %[[R0]][1, 0] [2, 3] [1, 1]
// CHECK: return %[[R1]]
func.func @concat_outer_axis(%a: tensor<1x3xi64>, %b: tensor<2x3xi64>) -> tensor<3x3xi64> {
  %0 = kiln.concat %a, %b {axis = 0 : i64} : (tensor<1x3xi64>, tensor<2x3xi64>) -> tensor<3x3xi64>
  return %0 : tensor<3x3xi64>
}

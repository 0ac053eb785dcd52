// RUN: kiln-opt %s -split-input-file -kiln-infer-shapes | FileCheck %s

// The reshape's shape is a concat of constants: once it folds, the reshape's
// result becomes static and the refinement runs down the chain to the
// function's signature.
// CHECK-LABEL: func @refine_chain
// CHECK-SAME: -> tensor<1x10xf32>
// CHECK: %[[R:.*]] = kiln.reshape %{{.*}}, %{{.*}} : (tensor<1x4x4xf32>, tensor<2xi64>) -> tensor<1x16xf32>
// CHECK: %[[A:.*]] = kiln.relu %[[R]] : tensor<1x16xf32> -> tensor<1x16xf32>
// CHECK: %[[G:.*]] = kiln.gemm %[[A]], %{{.*}}, %{{.*}} : (tensor<1x16xf32>, tensor<16x10xf32>, tensor<10xf32>) -> tensor<1x10xf32>
// CHECK: %[[S:.*]] = kiln.softmax %[[G]] : tensor<1x10xf32> -> tensor<1x10xf32>
// CHECK: return %[[S]] : tensor<1x10xf32>
func.func @refine_chain(%x: tensor<1x4x4xf32>, %w: tensor<16x10xf32>, %b: tensor<10xf32>) -> tensor<?x10xf32> {
  %one = kiln.constant dense<[1]> : tensor<1xi64>
  %rest = kiln.constant dense<[-1]> : tensor<1xi64>
  %shape = kiln.concat %one, %rest {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %r = kiln.reshape %x, %shape : (tensor<1x4x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %a = kiln.relu %r : tensor<?x?xf32> -> tensor<?x?xf32>
  %g = kiln.gemm %a, %w, %b : (tensor<?x?xf32>, tensor<16x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  %s = kiln.softmax %g : tensor<?x10xf32> -> tensor<?x10xf32>
  return %s : tensor<?x10xf32>
}

// -----

// Shape arithmetic (batch * 2 channels) folds, then the reshape is known, then
// the ops after it. Several rounds of refine-then-fold.
// CHECK-LABEL: func @shape_arithmetic
// CHECK-SAME: -> (tensor<4x3xf32>, tensor<3x4xf32>)
// CHECK: %[[R:.*]] = kiln.reshape %{{.*}}, %{{.*}} : (tensor<2x2x3xf32>, tensor<2xi64>) -> tensor<4x3xf32>
// CHECK: %[[T:.*]] = kiln.transpose %[[R]] {perm = array<i64: 1, 0>} : tensor<4x3xf32> -> tensor<3x4xf32>
// CHECK: return %[[R]], %[[T]] : tensor<4x3xf32>, tensor<3x4xf32>
func.func @shape_arithmetic(%x: tensor<2x2x3xf32>) -> (tensor<?x?xf32>, tensor<?x?xf32>) {
  %batch = kiln.constant dense<[2]> : tensor<1xi64>
  %two = kiln.constant dense<2> : tensor<i64>
  %rows = kiln.mul %batch, %two : (tensor<1xi64>, tensor<i64>) -> tensor<1xi64>
  %cols = kiln.constant dense<[3]> : tensor<1xi64>
  %shape = kiln.concat %rows, %cols {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %r = kiln.reshape %x, %shape : (tensor<2x2x3xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %t = kiln.transpose %r {perm = array<i64: 1, 0>} : tensor<?x?xf32> -> tensor<?x?xf32>
  return %r, %t : tensor<?x?xf32>, tensor<?x?xf32>
}

// -----

// A constant reshaped by a shape that folds: the reshape becomes static in
// round two, then folds itself, and so does the transpose after it.
// CHECK-LABEL: func @fold_after_refinement
// CHECK-SAME: -> tensor<2x2xi64>
// CHECK: %[[C:.*]] = kiln.constant dense<{{\[\[}}1, 3], [2, 4]]> : tensor<2x2xi64>
// CHECK-NOT: kiln.reshape
// CHECK-NOT: kiln.transpose
// CHECK: return %[[C]] : tensor<2x2xi64>
func.func @fold_after_refinement() -> tensor<?x?xi64> {
  %c = kiln.constant dense<[1, 2, 3, 4]> : tensor<4xi64>
  %a = kiln.constant dense<[2]> : tensor<1xi64>
  %b = kiln.constant dense<[-1]> : tensor<1xi64>
  %shape = kiln.concat %a, %b {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %r = kiln.reshape %c, %shape : (tensor<4xi64>, tensor<2xi64>) -> tensor<?x?xi64>
  %t = kiln.transpose %r {perm = array<i64: 1, 0>} : tensor<?x?xi64> -> tensor<?x?xi64>
  return %t : tensor<?x?xi64>
}

// -----

// Broadcasting and conv/pool windows refine too.
// CHECK-LABEL: func @refine_nn
// CHECK-SAME: -> tensor<1x4x2x2xf32>
// CHECK: kiln.reshape {{.*}} -> tensor<1x3x8x8xf32>
// CHECK: kiln.conv {{.*}} -> tensor<1x4x4x4xf32>
// CHECK: kiln.add {{.*}} -> tensor<1x4x4x4xf32>
// CHECK: kiln.max_pool {{.*}} -> tensor<1x4x2x2xf32>
func.func @refine_nn(%x: tensor<192xf32>, %w: tensor<4x3x3x3xf32>, %bias: tensor<4x1x1xf32>) -> tensor<?x4x?x?xf32> {
  %shape = kiln.constant dense<[1, 3, 8, 8]> : tensor<4xi64>
  %zero = kiln.constant dense<0> : tensor<4xi64>
  %s = kiln.add %shape, %zero : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %r = kiln.reshape %x, %s : (tensor<192xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  %c = kiln.conv %r, %w {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
      : (tensor<?x?x?x?xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x?x?xf32>
  %a = kiln.add %c, %bias : (tensor<?x4x?x?xf32>, tensor<4x1x1xf32>) -> tensor<?x4x?x?xf32>
  %p = kiln.max_pool %a {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<?x4x?x?xf32> -> tensor<?x4x?x?xf32>
  return %p : tensor<?x4x?x?xf32>
}

// -----

// A dimension the IR already knows survives re-inference even where
// inference alone cannot tell (the shape is a run-time input).
// CHECK-LABEL: func @keep_known_dims
// CHECK-SAME: -> tensor<3x4xf32>
// CHECK: %[[R:.*]] = kiln.reshape %{{.*}}, %{{.*}} : (tensor<12xf32>, tensor<2xi64>) -> tensor<3x4xf32>
// CHECK: %[[A:.*]] = kiln.relu %[[R]] : tensor<3x4xf32> -> tensor<3x4xf32>
// CHECK: return %[[A]] : tensor<3x4xf32>
func.func @keep_known_dims(%x: tensor<12xf32>, %s: tensor<2xi64>) -> tensor<3x4xf32> {
  %r = kiln.reshape %x, %s : (tensor<12xf32>, tensor<2xi64>) -> tensor<3x4xf32>
  %a = kiln.relu %r : tensor<3x4xf32> -> tensor<3x4xf32>
  return %a : tensor<3x4xf32>
}

// -----

// Nothing is known about a dynamic input: types stay as they are.
// CHECK-LABEL: func @dynamic_input
// CHECK-SAME: (%{{.*}}: tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK: kiln.relu %{{.*}} : tensor<?x8xf32> -> tensor<?x8xf32>
func.func @dynamic_input(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = kiln.relu %x : tensor<?x8xf32> -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// Canonicalization runs with the refinement: identities disappear and
// auto_pad becomes explicit once the input is known.
// CHECK-LABEL: func @canonicalizes
// CHECK-NOT: kiln.identity
// CHECK: kiln.conv {{.*}}pads = array<i64: 1, 1, 1, 1>
// CHECK-NOT: auto_pad
// CHECK-SAME: -> tensor<1x1x4x4xf32>
func.func @canonicalizes(%x: tensor<16xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<?x1x?x?xf32> {
  %s = kiln.constant dense<[1, 1, 4, 4]> : tensor<4xi64>
  %i = kiln.identity %s : tensor<4xi64> -> tensor<4xi64>
  %r = kiln.reshape %x, %i : (tensor<16xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  %c = kiln.conv %r, %w {auto_pad = #kiln<auto_pad same_upper>}
      : (tensor<?x?x?x?xf32>, tensor<1x1x3x3xf32>) -> tensor<?x1x?x?xf32>
  return %c : tensor<?x1x?x?xf32>
}

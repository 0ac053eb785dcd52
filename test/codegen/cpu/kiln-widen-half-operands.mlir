// RUN: kiln-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(kiln-widen-half-operands))' | FileCheck %s

// f16 operands into an f32 accumulator (the graph lowering's form for
// 16-bit models) become f32 ones: constant weights converted at compile
// time, the input extended under its pad (which stays a pad of zeros, now
// f32); the convolution itself is unchanged but for its operands' type.
// CHECK-LABEL: func @half_conv
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x6x6xf16>, %[[ACC:.*]]: tensor<1x2x6x3xf32>)
// CHECK: %[[W:.*]] = arith.constant dense<{{.*}}1.500000e+00{{.*}}-2.250000e+00{{.*}}> : tensor<2x2x3x3xf32>
// CHECK: %[[WIDE:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<1x2x6x6xf16>) outs(%{{.*}} : tensor<1x2x6x6xf32>)
// CHECK:   arith.extf {{.*}} : f16 to f32
// CHECK: %[[P:.*]] = tensor.pad %[[WIDE]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK:   tensor.yield %{{.*}} : f32
// CHECK: } : tensor<1x2x6x6xf32> to tensor<1x2x8x8xf32>
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 2]> : tensor<2xi64>} ins(%[[P]], %[[W]] : tensor<1x2x8x8xf32>, tensor<2x2x3x3xf32>) outs(%[[ACC]] : tensor<1x2x6x3xf32>)
func.func @half_conv(%x: tensor<1x2x6x6xf16>, %acc: tensor<1x2x6x3xf32>) -> tensor<1x2x6x3xf32> {
  %w = arith.constant dense<[[[[1.5, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, -2.25]]], [[[0.5, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 0.0]]]]> : tensor<2x2x3x3xf16>
  %zero = arith.constant 0.0 : f16
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f16
  } : tensor<1x2x6x6xf16> to tensor<1x2x8x8xf16>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 2]> : tensor<2xi64>}
      ins(%p, %w : tensor<1x2x8x8xf16>, tensor<2x2x3x3xf16>) outs(%acc : tensor<1x2x6x3xf32>) -> tensor<1x2x6x3xf32>
  return %r : tensor<1x2x6x3xf32>
}

// -----

// Matmuls and batched matmuls of f16 or bf16 into f32 likewise.
// CHECK-LABEL: func @half_matmuls
// CHECK-SAME: (%[[A:.*]]: tensor<4x8xf16>, %[[B:.*]]: tensor<3x4x8xbf16>, %[[C:.*]]: tensor<3x8x16xbf16>
// CHECK: %[[W:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, -5.000000e-01], [2.000000e+00, 2.500000e-01]{{.*}}> : tensor<8x2xf32>
// CHECK: %[[A32:.*]] = linalg.generic {{.*}} ins(%[[A]] : tensor<4x8xf16>) outs(%{{.*}} : tensor<4x8xf32>)
// CHECK: linalg.matmul ins(%[[A32]], %[[W]] : tensor<4x8xf32>, tensor<8x2xf32>)
// CHECK: %[[B32:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<3x4x8xbf16>) outs(%{{.*}} : tensor<3x4x8xf32>)
// CHECK:   arith.extf {{.*}} : bf16 to f32
// CHECK: %[[C32:.*]] = linalg.generic {{.*}} ins(%[[C]] : tensor<3x8x16xbf16>) outs(%{{.*}} : tensor<3x8x16xf32>)
// CHECK: linalg.batch_matmul ins(%[[B32]], %[[C32]] : tensor<3x4x8xf32>, tensor<3x8x16xf32>)
func.func @half_matmuls(%a: tensor<4x8xf16>, %b: tensor<3x4x8xbf16>, %c: tensor<3x8x16xbf16>, %acc: tensor<4x2xf32>, %bacc: tensor<3x4x16xf32>) -> (tensor<4x2xf32>, tensor<3x4x16xf32>) {
  %w = arith.constant dense<[[1.0, -0.5], [2.0, 0.25], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]> : tensor<8x2xf16>
  %0 = linalg.matmul ins(%a, %w : tensor<4x8xf16>, tensor<8x2xf16>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  %1 = linalg.batch_matmul ins(%b, %c : tensor<3x4x8xbf16>, tensor<3x8x16xbf16>) outs(%bacc : tensor<3x4x16xf32>) -> tensor<3x4x16xf32>
  return %0, %1 : tensor<4x2xf32>, tensor<3x4x16xf32>
}

// -----

// A product that accumulates in its own 16-bit type is left alone.
// CHECK-LABEL: func @f16_accumulator
// CHECK-NOT: arith.extf
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x8xf16>, tensor<8x2xf16>) outs(%{{.*}} : tensor<4x2xf16>)
func.func @f16_accumulator(%a: tensor<4x8xf16>, %b: tensor<8x2xf16>, %acc: tensor<4x2xf16>) -> tensor<4x2xf16> {
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xf16>, tensor<8x2xf16>) outs(%acc : tensor<4x2xf16>) -> tensor<4x2xf16>
  return %0 : tensor<4x2xf16>
}

// -----

// A matmul with indexing maps of its own (here B transposed) is left alone
// too: the rebuilt op would have the default maps.
// CHECK-LABEL: func @user_maps
// CHECK-NOT: arith.extf
// CHECK: linalg.matmul indexing_maps
func.func @user_maps(%a: tensor<4x8xf16>, %b: tensor<2x8xf16>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %0 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : tensor<4x8xf16>, tensor<2x8xf16>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// Known bug: depthwise convolutions are not vectorized. TilingStrategy plans
// depthwise_conv_2d_nchw_chw as (n, c, oh, ow, kh, kw), like the NCHW pools,
// but the op's loops are (n, oh, ow, c, kh, kw); and upstream has no 2-D -> 1-D
// decomposition for the NCHW depthwise op, so its tiles stay scalar linalg
// ops (lowered to loops later: correct, slow). Only windows of more than 64
// taps reach this op now; smaller ones lower to a sum of taps
// (kiln-tile-and-vectorize-depthwise-taps.mlir). Remove the XFAIL when fixed.
// XFAIL: *
// RUN: kiln-opt %s --pass-pipeline='builtin.module(func.func(kiln-tile-and-vectorize))' | FileCheck %s

// The convolution is gone: every tile is vector code.
// CHECK-LABEL: func @depthwise
// CHECK: scf.forall
// CHECK: vector.transfer_read {{.*}} : tensor<32x3x3xf32>, vector<
// CHECK-NOT: linalg.depthwise_conv_2d_nchw_chw
// CHECK: return
func.func @depthwise(%x: tensor<1x32x10x10xf32>, %w: tensor<32x3x3xf32>, %init: tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32> {
  %c = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x32x10x10xf32>, tensor<32x3x3xf32>) outs(%init : tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  return %c : tensor<1x32x8x8xf32>
}

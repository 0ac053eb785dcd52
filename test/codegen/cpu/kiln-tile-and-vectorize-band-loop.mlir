// The linalg ops inside a band loop (kiln.band_loop, made by
// kiln-conv-to-matmul) are tiled over threads and registers like top-level
// ones: the tap packing and the packed matmul of each band become scf.forall
// loops of vector code inside the band loop (the taps moved in 32-float
// pieces of input rows), and no linalg op is left.
// RUN: kiln-opt %s --pass-pipeline='builtin.module(func.func(kiln-conv-to-matmul,kiln-tile-and-vectorize))' | FileCheck %s

// CHECK-LABEL: func @banded
// CHECK: scf.for {{.*}} -> (tensor<8x4x256xf32>) {
// CHECK: scf.forall {{.*}} -> (tensor<2x8x16x3x3x32xf32>)
// CHECK: vector.transfer_read %{{.*}} : tensor<1x16x6x258xf32>, vector<32xf32>
// CHECK: scf.forall
// CHECK: vector.contract
// CHECK: } {kiln.band_loop}
// CHECK-NOT: linalg.
func.func @banded(%x: tensor<1x16x6x258xf32>, %w: tensor<8x16x3x3xf32>, %acc: tensor<1x8x4x256xf32>) -> tensor<1x8x4x256xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x6x258xf32>, tensor<8x16x3x3xf32>) outs(%acc : tensor<1x8x4x256xf32>) -> tensor<1x8x4x256xf32>
  return %r : tensor<1x8x4x256xf32>
}

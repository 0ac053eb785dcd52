// Depthwise convolutions reach the CPU strategy as an elementwise sum of
// window taps (convert-graph-to-linalg): tiled over channel blocks for the
// threads and vectorized along the output row, which is contiguous in NCHW,
// with one broadcast weight per tap and multiply-adds that may contract.
// RUN: kiln-opt %s -convert-graph-to-linalg | kiln-opt --pass-pipeline='builtin.module(func.func(kiln-tile-and-vectorize))' | FileCheck %s

// CHECK-LABEL: func @depthwise_taps
// CHECK: scf.forall
// CHECK: scf.for
// CHECK: scf.for
// CHECK-COUNT-9: vector.transfer_read {{.*}} : tensor<1x32x58x58xf32>, vector<56xf32>
// CHECK-COUNT-9: vector.transfer_read {{.*}} : tensor<32xf32>, vector<1xf32>
// CHECK: arith.mulf {{.*}} fastmath<contract> : vector<56xf32>
// CHECK: arith.addf {{.*}} fastmath<contract> : vector<56xf32>
// CHECK: vector.transfer_write {{.*}} : vector<56xf32>
// CHECK-NOT: linalg.generic
// CHECK-NOT: linalg.depthwise_conv_2d_nchw_chw
func.func @depthwise_taps(%x: tensor<1x32x58x58xf32>, %w: tensor<32x1x3x3xf32>) -> tensor<1x32x56x56xf32> {
  %0 = kiln.conv %x, %w {group = 32 : i64} : (tensor<1x32x58x58xf32>, tensor<32x1x3x3xf32>) -> tensor<1x32x56x56xf32>
  return %0 : tensor<1x32x56x56xf32>
}

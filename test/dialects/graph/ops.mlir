// RUN: kiln-opt %s | kiln-opt | FileCheck %s

// CHECK-LABEL: func @conv_relu
func.func @conv_relu(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  // CHECK: kiln.conv %{{.*}}, %{{.*}}, %{{.*}} {pads = array<i64: 1, 1, 1, 1>}
  %y = kiln.conv %x, %w, %b {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: kiln.relu
  %z = kiln.relu %y : tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  return %z : tensor<1x4x8x8xf32>
}

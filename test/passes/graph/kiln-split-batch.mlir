// RUN: kiln-opt %s -split-input-file -kiln-split-batch | FileCheck %s

// A small convolutional network at batch 4: its images never meet, and one
// image's activations (three 32 KiB tensors) outweigh its weights and reach
// 64 KiB, so @main is retyped for one image, the flatten's reshape shape
// included.
// CHECK-LABEL: func @main
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x32x32xf32>) -> tensor<1x10xf32>
// CHECK-SAME: kiln.batch_images = 4 : i64
// CHECK: kiln.conv %[[X]], %{{.*}} : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x32x32xf32>
// CHECK: kiln.clip %{{.*}} : (tensor<1x8x32x32xf32>, tensor<f32>, tensor<f32>) -> tensor<1x8x32x32xf32>
// CHECK: kiln.add %{{.*}} : (tensor<1x8x32x32xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x32x32xf32>
// CHECK: kiln.global_average_pool %{{.*}} : tensor<1x8x32x32xf32> -> tensor<1x8x1x1xf32>
// CHECK-NOT: dense<[4, 8]>
// CHECK: %[[SHAPE:.*]] = kiln.constant dense<[1, 8]> : tensor<2xi64>
// CHECK: kiln.reshape %{{.*}}, %[[SHAPE]] : (tensor<1x8x1x1xf32>, tensor<2xi64>) -> tensor<1x8xf32>
// CHECK: kiln.gemm %{{.*}} : (tensor<1x8xf32>, tensor<10x8xf32>, tensor<10xf32>) -> tensor<1x10xf32>
// CHECK: kiln.softmax %{{.*}} : tensor<1x10xf32> -> tensor<1x10xf32>
func.func @main(%x: tensor<4x3x32x32xf32>) -> tensor<4x10xf32> {
  %w = kiln.constant dense<0.5> : tensor<8x3x3x3xf32>
  %b = kiln.constant dense<0.25> : tensor<8xf32>
  %c = kiln.conv %x, %w, %b {pads = array<i64: 1, 1, 1, 1>} : (tensor<4x3x32x32xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<4x8x32x32xf32>
  %lo = kiln.constant dense<0.0> : tensor<f32>
  %hi = kiln.constant dense<6.0> : tensor<f32>
  %r = kiln.clip %c min %lo max %hi : (tensor<4x8x32x32xf32>, tensor<f32>, tensor<f32>) -> tensor<4x8x32x32xf32>
  %s = kiln.constant dense<1.0> : tensor<1x8x1x1xf32>
  %a = kiln.add %r, %s : (tensor<4x8x32x32xf32>, tensor<1x8x1x1xf32>) -> tensor<4x8x32x32xf32>
  %p = kiln.global_average_pool %a : tensor<4x8x32x32xf32> -> tensor<4x8x1x1xf32>
  %shape = kiln.constant dense<[4, 8]> : tensor<2xi64>
  %f = kiln.reshape %p, %shape : (tensor<4x8x1x1xf32>, tensor<2xi64>) -> tensor<4x8xf32>
  %fw = kiln.constant dense<0.125> : tensor<10x8xf32>
  %fb = kiln.constant dense<0.0> : tensor<10xf32>
  %g = kiln.gemm %f, %fw, %fb {trans_b = true} : (tensor<4x8xf32>, tensor<10x8xf32>, tensor<10xf32>) -> tensor<4x10xf32>
  %o = kiln.softmax %g {axis = 1 : i64} : tensor<4x10xf32> -> tensor<4x10xf32>
  return %o : tensor<4x10xf32>
}

// -----

// An MLP at batch 4: one image's activations (a few floats) weigh less than
// the weights every image's call would read again. Not split.
// CHECK-LABEL: func @main
// CHECK-SAME: tensor<4x64xf32>
// CHECK-NOT: kiln.batch_images
func.func @main(%x: tensor<4x64xf32>) -> tensor<4x32xf32> {
  %w = kiln.constant dense<0.5> : tensor<64x32xf32>
  %y = kiln.matmul %x, %w : (tensor<4x64xf32>, tensor<64x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// A softmax over the batch mixes the images. Not split (the negative cases
// below are large enough to split but for the op they name).
// CHECK-LABEL: func @main
// CHECK-SAME: tensor<4x16x32x32xf32>
// CHECK-NOT: kiln.batch_images
func.func @main(%x: tensor<4x16x32x32xf32>) -> tensor<4x16x32x32xf32> {
  %y = kiln.relu %x : tensor<4x16x32x32xf32> -> tensor<4x16x32x32xf32>
  %z = kiln.softmax %y {axis = 0 : i64} : tensor<4x16x32x32xf32> -> tensor<4x16x32x32xf32>
  return %z : tensor<4x16x32x32xf32>
}

// -----

// An operand that holds one value per image without being computed from
// the inputs (a constant of the batch's shape) cannot be split.
// CHECK-LABEL: func @main
// CHECK-SAME: tensor<4x16x32x32xf32>
// CHECK-NOT: kiln.batch_images
func.func @main(%x: tensor<4x16x32x32xf32>) -> tensor<4x16x32x32xf32> {
  %c = kiln.constant dense<2.0> : tensor<4x1x32x32xf32>
  %y = kiln.mul %x, %c : (tensor<4x16x32x32xf32>, tensor<4x1x32x32xf32>) -> tensor<4x16x32x32xf32>
  return %y : tensor<4x16x32x32xf32>
}

// -----

// A transpose that moves the batch (here to a dimension of the same size),
// and a reshape that merges it, mix the images. Not split.
// CHECK-LABEL: func @main
// CHECK-SAME: tensor<4x4x64x64xf32>
// CHECK-NOT: kiln.batch_images
func.func @main(%x: tensor<4x4x64x64xf32>) -> tensor<4x4x64x64xf32> {
  %y = kiln.transpose %x {perm = array<i64: 1, 0, 2, 3>} : tensor<4x4x64x64xf32> -> tensor<4x4x64x64xf32>
  return %y : tensor<4x4x64x64xf32>
}

// -----

// CHECK-LABEL: func @main
// CHECK-SAME: tensor<4x16x32x32xf32>
// CHECK-NOT: kiln.batch_images
func.func @main(%x: tensor<4x16x32x32xf32>) -> tensor<2x32768xf32> {
  %shape = kiln.constant dense<[2, 32768]> : tensor<2xi64>
  %y = kiln.reshape %x, %shape : (tensor<4x16x32x32xf32>, tensor<2xi64>) -> tensor<2x32768xf32>
  return %y : tensor<2x32768xf32>
}

// -----

// A table of 100000 rows of 3 is not 100000 images: 12 bytes per row are
// not worth a call each. Not split.
// CHECK-LABEL: func @main
// CHECK-SAME: tensor<100000x3xf32>
// CHECK-NOT: kiln.batch_images
func.func @main(%x: tensor<100000x3xf32>) -> tensor<100000x3xf32> {
  %y = kiln.relu %x : tensor<100000x3xf32> -> tensor<100000x3xf32>
  return %y : tensor<100000x3xf32>
}

// -----

// A batch of one has nothing to split.
// CHECK-LABEL: func @main
// CHECK-NOT: kiln.batch_images
func.func @main(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32> {
  %y = kiln.relu %x : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32>
  return %y : tensor<1x3x8x8xf32>
}

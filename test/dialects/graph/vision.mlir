// Every sampling and image-block op with every attribute survives printing
// and parsing, in the custom form and in the generic form, and infers the
// result types written here (dynamic sizes where inference cannot know them).
// RUN: kiln-opt %s | kiln-opt --mlir-print-op-generic | kiln-opt | FileCheck %s

// CHECK-LABEL: func @grid_sample
func.func @grid_sample(%x: tensor<1x3x8x8xf32>, %g: tensor<1x4x5x2xf32>,
                       %v: tensor<2x1x3x4x5xf16>, %vg: tensor<2x6x7x8x3xf32>,
                       %d: tensor<?x3x8x8xf32>, %dg: tensor<?x4x?x2xf32>)
    -> (tensor<1x3x4x5xf32>, tensor<1x3x4x5xf32>, tensor<2x1x6x7x8xf16>, tensor<?x3x4x?xf32>) {
  // CHECK: kiln.grid_sample %{{.*}}, %{{.*}} : (tensor<1x3x8x8xf32>, tensor<1x4x5x2xf32>) -> tensor<1x3x4x5xf32>
  %0 = kiln.grid_sample %x, %g : (tensor<1x3x8x8xf32>, tensor<1x4x5x2xf32>) -> tensor<1x3x4x5xf32>
  // CHECK: kiln.grid_sample %{{.*}}, %{{.*}} {align_corners = true, mode = #kiln<sample_mode cubic>, padding_mode = #kiln<sample_padding reflection>, unnormalized = true}
  %1 = kiln.grid_sample %x, %g {mode = #kiln<sample_mode cubic>, padding_mode = #kiln<sample_padding reflection>, align_corners = true, unnormalized = true} : (tensor<1x3x8x8xf32>, tensor<1x4x5x2xf32>) -> tensor<1x3x4x5xf32>
  // Volumetric sampling; the grid's element type may differ.
  // CHECK: kiln.grid_sample %{{.*}}, %{{.*}} {mode = #kiln<sample_mode nearest>, padding_mode = #kiln<sample_padding border>} : (tensor<2x1x3x4x5xf16>, tensor<2x6x7x8x3xf32>) -> tensor<2x1x6x7x8xf16>
  %2 = kiln.grid_sample %v, %vg {mode = #kiln<sample_mode nearest>, padding_mode = #kiln<sample_padding border>} : (tensor<2x1x3x4x5xf16>, tensor<2x6x7x8x3xf32>) -> tensor<2x1x6x7x8xf16>
  // CHECK: kiln.grid_sample {{.*}} -> tensor<?x3x4x?xf32>
  %3 = kiln.grid_sample %d, %dg : (tensor<?x3x8x8xf32>, tensor<?x4x?x2xf32>) -> tensor<?x3x4x?xf32>
  return %0, %1, %2, %3 : tensor<1x3x4x5xf32>, tensor<1x3x4x5xf32>, tensor<2x1x6x7x8xf16>, tensor<?x3x4x?xf32>
}

// Nearest sampling gathers any element type.
// CHECK-LABEL: func @grid_sample_nearest_any_type
func.func @grid_sample_nearest_any_type(%x: tensor<1x3x8x8xui8>, %b: tensor<1x1x8x8xi1>, %g: tensor<1x4x5x2xf32>)
    -> (tensor<1x3x4x5xui8>, tensor<1x1x4x5xi1>) {
  // CHECK: kiln.grid_sample {{.*}} : (tensor<1x3x8x8xui8>, tensor<1x4x5x2xf32>) -> tensor<1x3x4x5xui8>
  %0 = kiln.grid_sample %x, %g {mode = #kiln<sample_mode nearest>} : (tensor<1x3x8x8xui8>, tensor<1x4x5x2xf32>) -> tensor<1x3x4x5xui8>
  // CHECK: kiln.grid_sample {{.*}} : (tensor<1x1x8x8xi1>, tensor<1x4x5x2xf32>) -> tensor<1x1x4x5xi1>
  %1 = kiln.grid_sample %b, %g {mode = #kiln<sample_mode nearest>} : (tensor<1x1x8x8xi1>, tensor<1x4x5x2xf32>) -> tensor<1x1x4x5xi1>
  return %0, %1 : tensor<1x3x4x5xui8>, tensor<1x1x4x5xi1>
}

// CHECK-LABEL: func @roi_align
func.func @roi_align(%x: tensor<2x4x10x10xf32>, %r: tensor<3x4xf32>, %i: tensor<3xi64>,
                     %j: tensor<3xi32>) -> (tensor<3x4x5x6xf32>, tensor<3x4x1x2xf32>) {
  // CHECK: kiln.roi_align %{{.*}}, %{{.*}}, %{{.*}} {output_height = 5 : i64, output_width = 6 : i64, sampling_height = 2 : i64, sampling_width = 3 : i64} : (tensor<2x4x10x10xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x4x5x6xf32>
  %0 = kiln.roi_align %x, %r, %i {output_height = 5 : i64, output_width = 6 : i64, sampling_height = 2 : i64, sampling_width = 3 : i64} : (tensor<2x4x10x10xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x4x5x6xf32>
  // CHECK: kiln.roi_align {{.*}} {half_pixel = false, mode = #kiln<roi_pool_mode max>, output_height = 1 : i64, output_width = 2 : i64, sampling_height = 1 : i64, sampling_width = 1 : i64, spatial_scale = 2.500000e-01 : f32} : (tensor<2x4x10x10xf32>, tensor<3x4xf32>, tensor<3xi32>) -> tensor<3x4x1x2xf32>
  %1 = kiln.roi_align %x, %r, %j {mode = #kiln<roi_pool_mode max>, half_pixel = false, spatial_scale = 0.25 : f32, output_height = 1 : i64, output_width = 2 : i64, sampling_height = 1 : i64, sampling_width = 1 : i64} : (tensor<2x4x10x10xf32>, tensor<3x4xf32>, tensor<3xi32>) -> tensor<3x4x1x2xf32>
  return %0, %1 : tensor<3x4x5x6xf32>, tensor<3x4x1x2xf32>
}

// 5 x 5 image, 1 x 5 blocks, one column of padding on each side: 5 x 3
// block positions.
// CHECK-LABEL: func @col2im
func.func @col2im(%x: tensor<1x5x15xf32>, %y: tensor<2x4x12xi32>, %d: tensor<?x?x15xf32>)
    -> (tensor<1x1x5x5xf32>, tensor<2x1x3x3xi32>, tensor<?x?x5x5xf32>) {
  // CHECK: kiln.col2im %{{.*}} {block_shape = array<i64: 1, 5>, dilations = array<i64: 1, 1>, image_shape = array<i64: 5, 5>, pads = array<i64: 0, 1, 0, 1>, strides = array<i64: 1, 1>} : tensor<1x5x15xf32> -> tensor<1x1x5x5xf32>
  %0 = kiln.col2im %x {image_shape = array<i64: 5, 5>, block_shape = array<i64: 1, 5>, pads = array<i64: 0, 1, 0, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>} : tensor<1x5x15xf32> -> tensor<1x1x5x5xf32>
  // 2 x 2 blocks dilated by 2 along the width over a 3 x 3 image padded to
  // 5 x 5: 4 x 3 positions.
  // CHECK: kiln.col2im {{.*}} : tensor<2x4x12xi32> -> tensor<2x1x3x3xi32>
  %1 = kiln.col2im %y {image_shape = array<i64: 3, 3>, block_shape = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 2>} : tensor<2x4x12xi32> -> tensor<2x1x3x3xi32>
  // CHECK: kiln.col2im {{.*}} -> tensor<?x?x5x5xf32>
  %2 = kiln.col2im %d {image_shape = array<i64: 5, 5>, block_shape = array<i64: 1, 5>, pads = array<i64: 0, 1, 0, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>} : tensor<?x?x15xf32> -> tensor<?x?x5x5xf32>
  return %0, %1, %2 : tensor<1x1x5x5xf32>, tensor<2x1x3x3xi32>, tensor<?x?x5x5xf32>
}

// CHECK-LABEL: func @det
func.func @det(%a: tensor<2x2xf32>, %b: tensor<4x3x3x3xf64>) -> (tensor<f32>, tensor<4x3xf64>) {
  // CHECK: kiln.det %{{.*}} : tensor<2x2xf32> -> tensor<f32>
  %0 = kiln.det %a : tensor<2x2xf32> -> tensor<f32>
  // CHECK: kiln.det %{{.*}} : tensor<4x3x3x3xf64> -> tensor<4x3xf64>
  %1 = kiln.det %b : tensor<4x3x3x3xf64> -> tensor<4x3xf64>
  return %0, %1 : tensor<f32>, tensor<4x3xf64>
}

// Integer convolution (ConvInteger's i32 accumulation) and integer max
// pooling.
// CHECK-LABEL: func @integer_conv_and_pool
func.func @integer_conv_and_pool(%x: tensor<1x1x3x3xi32>, %w: tensor<2x1x2x2xi32>, %p: tensor<1x1x5x5xui8>)
    -> (tensor<1x2x4x4xi32>, tensor<1x1x5x5xui8>) {
  // CHECK: kiln.conv {{.*}} : (tensor<1x1x3x3xi32>, tensor<2x1x2x2xi32>) -> tensor<1x2x4x4xi32>
  %0 = kiln.conv %x, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x3x3xi32>, tensor<2x1x2x2xi32>) -> tensor<1x2x4x4xi32>
  // CHECK: kiln.max_pool {{.*}} : tensor<1x1x5x5xui8> -> tensor<1x1x5x5xui8>
  %1 = kiln.max_pool %p {kernel_shape = array<i64: 5, 5>, pads = array<i64: 2, 2, 2, 2>} : tensor<1x1x5x5xui8> -> tensor<1x1x5x5xui8>
  return %0, %1 : tensor<1x2x4x4xi32>, tensor<1x1x5x5xui8>
}

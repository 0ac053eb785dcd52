// Every error path of the sampling and image-block ops' type inference.
// Type inference is the verifier: each error is followed by the generic
// "failed to infer returned types" from InferTypeOpInterface.
// RUN: kiln-opt %s -split-input-file -verify-diagnostics

func.func @grid_sample_rank(%x: tensor<3x8xf32>, %g: tensor<3x2xf32>) -> tensor<3x8xf32> {
  // expected-error @below {{grid_sample input must have rank >= 3 (N x C x ...), got [3,8]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.grid_sample %x, %g : (tensor<3x8xf32>, tensor<3x2xf32>) -> tensor<3x8xf32>
  return %0 : tensor<3x8xf32>
}

// -----

func.func @grid_sample_grid_rank(%x: tensor<1x3x8x8xf32>, %g: tensor<1x4x2xf32>) -> tensor<1x3x4xf32> {
  // expected-error @below {{grid must have rank 4 (N x spatial... x 2), got [1,4,2]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.grid_sample %x, %g : (tensor<1x3x8x8xf32>, tensor<1x4x2xf32>) -> tensor<1x3x4xf32>
  return %0 : tensor<1x3x4xf32>
}

// -----

func.func @grid_sample_coordinates(%x: tensor<1x3x8x8xf32>, %g: tensor<1x4x4x3xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error @below {{the grid's last axis must hold 2 coordinates, got 3}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.grid_sample %x, %g : (tensor<1x3x8x8xf32>, tensor<1x4x4x3xf32>) -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

func.func @grid_sample_batch(%x: tensor<2x3x8x8xf32>, %g: tensor<1x4x4x2xf32>) -> tensor<2x3x4x4xf32> {
  // expected-error @below {{input batch 2 differs from grid batch 1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.grid_sample %x, %g : (tensor<2x3x8x8xf32>, tensor<1x4x4x2xf32>) -> tensor<2x3x4x4xf32>
  return %0 : tensor<2x3x4x4xf32>
}

// -----

func.func @grid_sample_cubic_3d(%x: tensor<1x1x3x4x5xf32>, %g: tensor<1x2x2x2x3xf32>) -> tensor<1x1x2x2x2xf32> {
  // expected-error @below {{cubic grid sampling needs 2 spatial axes, got 3}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.grid_sample %x, %g {mode = #kiln<sample_mode cubic>} : (tensor<1x1x3x4x5xf32>, tensor<1x2x2x2x3xf32>) -> tensor<1x1x2x2x2xf32>
  return %0 : tensor<1x1x2x2x2xf32>
}

// -----

func.func @grid_sample_integer_linear(%x: tensor<1x3x8x8xi32>, %g: tensor<1x4x4x2xf32>) -> tensor<1x3x4x4xi32> {
  // expected-error @below {{linear grid sampling interpolates floats, not 'i32'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.grid_sample %x, %g : (tensor<1x3x8x8xi32>, tensor<1x4x4x2xf32>) -> tensor<1x3x4x4xi32>
  return %0 : tensor<1x3x4x4xi32>
}

// -----

func.func @grid_sample_integer_grid(%x: tensor<1x3x8x8xf32>, %g: tensor<1x4x4x2xi32>) -> tensor<1x3x4x4xf32> {
  // expected-error @below {{operand #1 must be ranked tensor of floating-point values}}
  %0 = kiln.grid_sample %x, %g : (tensor<1x3x8x8xf32>, tensor<1x4x4x2xi32>) -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

func.func @roi_align_rank(%x: tensor<1x10x10xf32>, %r: tensor<3x4xf32>, %i: tensor<3xi64>) -> tensor<3x1x1x1xf32> {
  // expected-error @below {{roi_align input must be N x C x H x W, got [1,10,10]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.roi_align %x, %r, %i {output_height = 1 : i64, output_width = 1 : i64, sampling_height = 1 : i64, sampling_width = 1 : i64} : (tensor<1x10x10xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x1x1x1xf32>
  return %0 : tensor<3x1x1x1xf32>
}

// -----

func.func @roi_align_rois(%x: tensor<1x1x10x10xf32>, %r: tensor<3x5xf32>, %i: tensor<3xi64>) -> tensor<3x1x1x1xf32> {
  // expected-error @below {{rois must be R x 4, got [3,5]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.roi_align %x, %r, %i {output_height = 1 : i64, output_width = 1 : i64, sampling_height = 1 : i64, sampling_width = 1 : i64} : (tensor<1x1x10x10xf32>, tensor<3x5xf32>, tensor<3xi64>) -> tensor<3x1x1x1xf32>
  return %0 : tensor<3x1x1x1xf32>
}

// -----

func.func @roi_align_rois_type(%x: tensor<1x1x10x10xf32>, %r: tensor<3x4xf16>, %i: tensor<3xi64>) -> tensor<3x1x1x1xf32> {
  // expected-error @below {{rois must have the input's element type 'f32'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.roi_align %x, %r, %i {output_height = 1 : i64, output_width = 1 : i64, sampling_height = 1 : i64, sampling_width = 1 : i64} : (tensor<1x1x10x10xf32>, tensor<3x4xf16>, tensor<3xi64>) -> tensor<3x1x1x1xf32>
  return %0 : tensor<3x1x1x1xf32>
}

// -----

func.func @roi_align_count(%x: tensor<1x1x10x10xf32>, %r: tensor<3x4xf32>, %i: tensor<2xi64>) -> tensor<3x1x1x1xf32> {
  // expected-error @below {{rois hold 3 regions but batch_indices 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.roi_align %x, %r, %i {output_height = 1 : i64, output_width = 1 : i64, sampling_height = 1 : i64, sampling_width = 1 : i64} : (tensor<1x1x10x10xf32>, tensor<3x4xf32>, tensor<2xi64>) -> tensor<3x1x1x1xf32>
  return %0 : tensor<3x1x1x1xf32>
}

// -----

func.func @roi_align_sampling(%x: tensor<1x1x10x10xf32>, %r: tensor<3x4xf32>, %i: tensor<3xi64>) -> tensor<3x1x1x1xf32> {
  // expected-error @below {{sampling_width must be positive, got 0}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.roi_align %x, %r, %i {output_height = 1 : i64, output_width = 1 : i64, sampling_height = 1 : i64, sampling_width = 0 : i64} : (tensor<1x1x10x10xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x1x1x1xf32>
  return %0 : tensor<3x1x1x1xf32>
}

// -----

func.func @col2im_rank(%x: tensor<5x15xf32>) -> tensor<1x1x5x5xf32> {
  // expected-error @below {{col2im input must be N x (C * block) x L, got [5,15]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.col2im %x {image_shape = array<i64: 5, 5>, block_shape = array<i64: 1, 5>, pads = array<i64: 0, 1, 0, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>} : tensor<5x15xf32> -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}

// -----

func.func @col2im_attribute_sizes(%x: tensor<1x5x15xf32>) -> tensor<1x1x5x5xf32> {
  // expected-error @below {{col2im needs one image size, block size, stride and dilation and two pads per spatial axis}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.col2im %x {image_shape = array<i64: 5, 5>, block_shape = array<i64: 1, 5>, pads = array<i64: 0, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>} : tensor<1x5x15xf32> -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}

// -----

func.func @col2im_block_too_large(%x: tensor<1x7x1xf32>) -> tensor<1x1x5x5xf32> {
  // expected-error @below {{block extent 7 exceeds padded image size 5 on spatial axis 1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.col2im %x {image_shape = array<i64: 5, 5>, block_shape = array<i64: 1, 7>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>} : tensor<1x7x1xf32> -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}

// -----

func.func @col2im_columns(%x: tensor<1x6x15xf32>) -> tensor<1x1x5x5xf32> {
  // expected-error @below {{input axis 1 (6) is not a multiple of the block size 5}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.col2im %x {image_shape = array<i64: 5, 5>, block_shape = array<i64: 1, 5>, pads = array<i64: 0, 1, 0, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>} : tensor<1x6x15xf32> -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}

// -----

func.func @col2im_positions(%x: tensor<1x5x16xf32>) -> tensor<1x1x5x5xf32> {
  // expected-error @below {{input has 16 block positions but 15 fit the padded image}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.col2im %x {image_shape = array<i64: 5, 5>, block_shape = array<i64: 1, 5>, pads = array<i64: 0, 1, 0, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>} : tensor<1x5x16xf32> -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}

// -----

func.func @col2im_stride(%x: tensor<1x5x15xf32>) -> tensor<1x1x5x5xf32> {
  // expected-error @below {{col2im sizes, strides and dilations must be positive and pads not negative}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.col2im %x {image_shape = array<i64: 5, 5>, block_shape = array<i64: 1, 5>, pads = array<i64: 0, 1, 0, 1>, strides = array<i64: 0, 1>, dilations = array<i64: 1, 1>} : tensor<1x5x15xf32> -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}

// -----

func.func @det_rank(%x: tensor<4xf32>) -> tensor<f32> {
  // expected-error @below {{det input must have rank >= 2, got [4]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.det %x : tensor<4xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @det_square(%x: tensor<3x2x4xf32>) -> tensor<3xf32> {
  // expected-error @below {{det needs square matrices, got [3,2,4]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.det %x : tensor<3x2x4xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

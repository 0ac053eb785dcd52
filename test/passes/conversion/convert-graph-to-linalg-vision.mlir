// RUN: kiln-opt %s -split-input-file -convert-graph-to-linalg | FileCheck %s

// Nearest sampling with border padding: one generic over the output, no
// operands read through maps. Axis 0 (rows) takes the grid's second
// coordinate; align_corners maps [-1, 1] to [0, 2] (x 1.0) and [0, 3]
// (x 1.5); positions round to even, clamp into the input, and index it.
// CHECK-LABEL: func @grid_sample_nearest_border
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%{{.*}} : tensor<1x2x5x6xf32>)
// CHECK-DAG: %[[N:.*]] = linalg.index 0 : index
// CHECK-DAG: %[[C:.*]] = linalg.index 1 : index
// CHECK-DAG: %[[H:.*]] = linalg.index 2 : index
// CHECK-DAG: %[[W:.*]] = linalg.index 3 : index
// CHECK: %[[GY:.*]] = tensor.extract %{{.*}}[%[[N]], %[[H]], %[[W]], %c1] : tensor<1x5x6x2xf32>
// CHECK: %[[Y1:.*]] = arith.addf %[[GY]], %{{.*}}
// CHECK: %[[YR:.*]] = math.roundeven
// CHECK: arith.minimumf
// CHECK: arith.fptosi
// CHECK: %[[YI:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[GX:.*]] = tensor.extract %{{.*}}[%[[N]], %[[H]], %[[W]], %c0] : tensor<1x5x6x2xf32>
// CHECK: arith.constant 1.500000e+00 : f32
// CHECK: %[[XI:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[V:.*]] = tensor.extract %{{.*}}[%[[N]], %[[C]], %[[YI]], %[[XI]]] : tensor<1x2x3x4xf32>
// CHECK-NEXT: linalg.yield %[[V]] : f32
func.func @grid_sample_nearest_border(%x: tensor<1x2x3x4xf32>, %g: tensor<1x5x6x2xf32>) -> tensor<1x2x5x6xf32> {
  %0 = kiln.grid_sample %x, %g {mode = #kiln<sample_mode nearest>, padding_mode = #kiln<sample_padding border>, align_corners = true} : (tensor<1x2x3x4xf32>, tensor<1x5x6x2xf32>) -> tensor<1x2x5x6xf32>
  return %0 : tensor<1x2x5x6xf32>
}

// -----

// Nearest sampling of integers gathers the stored element; positions are
// computed in the grid's type; zero padding stores a zero.
// CHECK-LABEL: func @grid_sample_nearest_integers
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x5x6xi8>)
// CHECK: tensor.extract %{{.*}} : tensor<1x5x6x2xf16>
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: math.roundeven %{{.*}} : f32
// CHECK: %[[V:.*]] = tensor.extract %{{.*}} : tensor<1x2x3x4xi8>
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0 : i8
// CHECK-NEXT: %[[S:.*]] = arith.select %{{.*}}, %[[V]], %[[Z]] : i8
// CHECK-NEXT: linalg.yield %[[S]] : i8
func.func @grid_sample_nearest_integers(%x: tensor<1x2x3x4xui8>, %g: tensor<1x5x6x2xf16>) -> tensor<1x2x5x6xui8> {
  %0 = kiln.grid_sample %x, %g {mode = #kiln<sample_mode nearest>} : (tensor<1x2x3x4xui8>, tensor<1x5x6x2xf16>) -> tensor<1x2x5x6xui8>
  return %0 : tensor<1x2x5x6xui8>
}

// -----

// Bilinear with zero padding: four taps, each read at a clamped position
// and replaced by 0 when outside, weighted and summed.
// CHECK-LABEL: func @grid_sample_linear_zeros
// CHECK: linalg.generic
// CHECK: math.floor
// CHECK: math.floor
// CHECK-COUNT-4: tensor.extract %{{.*}} : tensor<1x2x3x4xf32>
// CHECK-NOT: tensor.extract
// CHECK: linalg.yield
func.func @grid_sample_linear_zeros(%x: tensor<1x2x3x4xf32>, %g: tensor<1x5x6x2xf32>) -> tensor<1x2x5x6xf32> {
  %0 = kiln.grid_sample %x, %g : (tensor<1x2x3x4xf32>, tensor<1x5x6x2xf32>) -> tensor<1x2x5x6xf32>
  return %0 : tensor<1x2x5x6xf32>
}

// -----

// Bicubic: 4 x 4 taps; 3-D linear: 2 x 2 x 2. f16 is computed in f32.
// CHECK-LABEL: func @grid_sample_taps
// CHECK: linalg.generic
// CHECK-COUNT-16: tensor.extract %{{.*}} : tensor<1x2x3x4xf32>
// CHECK: linalg.yield
// CHECK: linalg.generic
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK-COUNT-8: tensor.extract %{{.*}} : tensor<1x1x3x4x5xf16>
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK-NEXT: linalg.yield
func.func @grid_sample_taps(%x: tensor<1x2x3x4xf32>, %g: tensor<1x5x6x2xf32>, %v: tensor<1x1x3x4x5xf16>, %vg: tensor<1x2x2x2x3xf16>)
    -> (tensor<1x2x5x6xf32>, tensor<1x1x2x2x2xf16>) {
  %0 = kiln.grid_sample %x, %g {mode = #kiln<sample_mode cubic>, padding_mode = #kiln<sample_padding reflection>} : (tensor<1x2x3x4xf32>, tensor<1x5x6x2xf32>) -> tensor<1x2x5x6xf32>
  %1 = kiln.grid_sample %v, %vg : (tensor<1x1x3x4x5xf16>, tensor<1x2x2x2x3xf16>) -> tensor<1x1x2x2x2xf16>
  return %0, %1 : tensor<1x2x5x6xf32>, tensor<1x1x2x2x2xf16>
}

// -----

// RoiAlign: the samples of each bin are reduction loops sized by a dummy
// operand; the region's image comes from batch_indices (clamped), the four
// weighted corners are read and, in max mode, the largest kept.
// CHECK-LABEL: func @roi_align_max
// CHECK: %[[LOWEST:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[LOWEST]] : f32)
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%{{.*}} : tensor<2x3xf32>) outs(%[[INIT]] : tensor<3x4x5x6xf32>)
// CHECK: ^bb0(%{{.*}}: f32, %[[ACC:.*]]: f32):
// CHECK: %[[R:.*]] = linalg.index 0 : index
// CHECK: %[[B:.*]] = tensor.extract %{{.*}}[%[[R]]] : tensor<3xi64>
// CHECK: arith.maxsi %[[B]]
// CHECK-COUNT-4: tensor.extract %{{.*}}[%[[R]], %{{.*}}] : tensor<3x4xf32>
// CHECK-COUNT-4: tensor.extract %{{.*}} : tensor<2x4x10x10xf32>
// CHECK: arith.maximumf
// CHECK: arith.maximumf
// CHECK: %[[M:.*]] = arith.maximumf
// CHECK: %[[NEW:.*]] = arith.maximumf %[[ACC]], %[[M]] : f32
// CHECK: linalg.yield %[[NEW]]
func.func @roi_align_max(%x: tensor<2x4x10x10xf32>, %r: tensor<3x4xf32>, %i: tensor<3xi64>) -> tensor<3x4x5x6xf32> {
  %0 = kiln.roi_align %x, %r, %i {mode = #kiln<roi_pool_mode max>, output_height = 5 : i64, output_width = 6 : i64, sampling_height = 2 : i64, sampling_width = 3 : i64} : (tensor<2x4x10x10xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x4x5x6xf32>
  return %0 : tensor<3x4x5x6xf32>
}

// -----

// Average: each sample adds its share (1/6 of the bin).
// CHECK-LABEL: func @roi_align_avg
// CHECK: linalg.generic
// CHECK: ^bb0(%{{.*}}: f32, %[[ACC:.*]]: f32):
// CHECK-COUNT-4: tensor.extract %{{.*}} : tensor<2x4x10x10xf32>
// CHECK: %[[SHARE:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: %[[NEW:.*]] = arith.addf %[[ACC]], %[[SHARE]] : f32
// CHECK: linalg.yield %[[NEW]]
func.func @roi_align_avg(%x: tensor<2x4x10x10xf32>, %r: tensor<3x4xf32>, %i: tensor<3xi32>) -> tensor<3x4x5x6xf32> {
  %0 = kiln.roi_align %x, %r, %i {output_height = 5 : i64, output_width = 6 : i64, sampling_height = 2 : i64, sampling_width = 3 : i64} : (tensor<2x4x10x10xf32>, tensor<3x4xf32>, tensor<3xi32>) -> tensor<3x4x5x6xf32>
  return %0 : tensor<3x4x5x6xf32>
}

// -----

// Col2Im gathers: each image element sums the block elements that land on
// it, found from the block offset (a reduction loop): the block position
// is (o + pad - k * dilation) / stride when that divides exactly and lies
// inside the grid of positions.
// CHECK-LABEL: func @col2im
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%{{.*}} : tensor<2x2xf32>) outs(%{{.*}} : tensor<1x1x3x3xf32>)
// CHECK: ^bb0(%{{.*}}: f32, %[[ACC:.*]]: f32):
// CHECK: arith.divsi
// CHECK: arith.remsi
// CHECK: %[[V:.*]] = tensor.extract %{{.*}} : tensor<1x4x12xf32>
// CHECK: %[[S:.*]] = arith.select %{{.*}}, %[[V]], %{{.*}} : f32
// CHECK: %[[NEW:.*]] = arith.addf %[[ACC]], %[[S]] : f32
// CHECK: linalg.yield %[[NEW]]
func.func @col2im(%x: tensor<1x4x12xf32>) -> tensor<1x1x3x3xf32> {
  %0 = kiln.col2im %x {image_shape = array<i64: 3, 3>, block_shape = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 2>} : tensor<1x4x12xf32> -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// -----

// Det: per matrix, the elements are read once and eliminated in scalar
// code; the pivot search swaps rows with selects and flips the sign.
// CHECK-LABEL: func @det
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]} outs(%{{.*}} : tensor<3xf32>)
// CHECK-COUNT-4: tensor.extract %{{.*}} : tensor<3x2x2xf32>
// CHECK: %[[LARGER:.*]] = arith.cmpf ogt
// CHECK: arith.select %[[LARGER]]
// CHECK: arith.negf
// CHECK: %[[FACTOR:.*]] = arith.divf
// CHECK: %[[P:.*]] = arith.mulf %[[FACTOR]]
// CHECK: %[[LAST:.*]] = arith.subf %{{.*}}, %[[P]]
// CHECK: %[[DET:.*]] = arith.mulf %{{.*}}, %[[LAST]]
// CHECK: linalg.yield %[[DET]] : f32
func.func @det(%a: tensor<3x2x2xf32>) -> tensor<3xf32> {
  %0 = kiln.det %a : tensor<3x2x2xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Unsigned max pooling pads with 0 and compares unsigned, in the generic
// form (the named pooling ops compare signed).
// CHECK-LABEL: func @max_pool_uint8
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i8
// CHECK: tensor.pad
// CHECK: tensor.yield %[[ZERO]] : i8
// CHECK: linalg.generic
// CHECK: arith.maxui
// CHECK-NOT: linalg.pooling
func.func @max_pool_uint8(%p: tensor<1x1x5x5xui8>) -> tensor<1x1x5x5xui8> {
  %0 = kiln.max_pool %p {kernel_shape = array<i64: 5, 5>, pads = array<i64: 2, 2, 2, 2>} : tensor<1x1x5x5xui8> -> tensor<1x1x5x5xui8>
  return %0 : tensor<1x1x5x5xui8>
}

// -----

// Signed integers keep the named op, padded with the type's minimum.
// CHECK-LABEL: func @max_pool_int8
// CHECK: arith.constant -128 : i8
// CHECK: linalg.pooling_nchw_max {{.*}} -> tensor<1x1x2x2xi8>
func.func @max_pool_int8(%p: tensor<1x1x4x4xi8>) -> tensor<1x1x2x2xi8> {
  %0 = kiln.max_pool %p {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x1x4x4xi8> -> tensor<1x1x2x2xi8>
  return %0 : tensor<1x1x2x2xi8>
}

// -----

// An i32 convolution (ConvInteger) is the named convolution on i32.
// CHECK-LABEL: func @conv_i32
// CHECK: tensor.pad
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x1x5x5xi32>, tensor<2x1x2x2xi32>) outs(%{{.*}} : tensor<1x2x4x4xi32>)
func.func @conv_i32(%x: tensor<1x1x3x3xi32>, %w: tensor<2x1x2x2xi32>) -> tensor<1x2x4x4xi32> {
  %0 = kiln.conv %x, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x3x3xi32>, tensor<2x1x2x2xi32>) -> tensor<1x2x4x4xi32>
  return %0 : tensor<1x2x4x4xi32>
}

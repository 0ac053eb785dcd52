// RUN: kiln-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(kiln-conv-to-matmul))' | FileCheck %s

// A 3x3 convolution: one copy of the input per tap into col[C, KH, KW, OH, OW],
// then weight [F, C*KH*KW] x col [C*KH*KW, OH*OW] into the accumulator viewed
// as [F, OH*OW]; OH*OW = 64 is a multiple of the micro-kernel width already.
// CHECK-LABEL: func @conv3x3
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x10x10xf32>, %[[W:.*]]: tensor<8x4x3x3xf32>, %[[ACC:.*]]: tensor<1x8x8x8xf32>)
// CHECK: %[[W2:.*]] = tensor.collapse_shape %[[W]] {{\[}}[0], [1, 2, 3]] : tensor<8x4x3x3xf32> into tensor<8x36xf32>
// CHECK: %[[IN:.*]] = tensor.extract_slice %[[X]][0, 0, 0, 0] [1, 4, 10, 10] [1, 1, 1, 1] : tensor<1x4x10x10xf32> to tensor<4x10x10xf32>
// CHECK: %[[COL0:.*]] = tensor.empty() : tensor<4x3x3x8x8xf32>
// CHECK: %[[TAP:.*]] = tensor.extract_slice %[[IN]][0, 0, 0] [4, 8, 8] [1, 1, 1]
// CHECK: linalg.copy ins(%[[TAP]] : tensor<4x8x8xf32>)
// CHECK-COUNT-8: linalg.copy
// CHECK: %[[COL:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2], [3, 4]] : tensor<4x3x3x8x8xf32> into tensor<36x64xf32>
// CHECK: %[[C2:.*]] = tensor.collapse_shape %{{.*}} : tensor<8x8x8xf32> into tensor<8x64xf32>
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[W2]], %[[COL]] : tensor<8x36xf32>, tensor<36x64xf32>) outs(%[[C2]] : tensor<8x64xf32>)
// CHECK: %[[E:.*]] = tensor.expand_shape %[[MM]]
// CHECK: tensor.insert_slice %[[E]] into %[[ACC]][0, 0, 0, 0] [1, 8, 8, 8]
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @conv3x3(%x: tensor<1x4x10x10xf32>, %w: tensor<8x4x3x3xf32>, %acc: tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x4x10x10xf32>, tensor<8x4x3x3xf32>) outs(%acc : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  return %r : tensor<1x8x8x8xf32>
}

// -----

// 1x1 stride 1: the input image is the B matrix as it is (no copy); each
// image of the batch is its own matmul with the same weight.
// CHECK-LABEL: func @conv1x1_batch2
// CHECK-NOT: linalg.copy
// CHECK: %[[W2:.*]] = tensor.collapse_shape %{{.*}} : tensor<32x16x1x1xf32> into tensor<32x16xf32>
// CHECK: %[[B0:.*]] = tensor.collapse_shape %{{.*}} : tensor<16x8x8xf32> into tensor<16x64xf32>
// CHECK: linalg.matmul ins(%[[W2]], %[[B0]] : tensor<32x16xf32>, tensor<16x64xf32>)
// CHECK: tensor.insert_slice {{.*}}[0, 0, 0, 0] [1, 32, 8, 8]
// CHECK: linalg.matmul ins(%[[W2]], %{{.*}} : tensor<32x16xf32>, tensor<16x64xf32>)
// CHECK: tensor.insert_slice {{.*}}[1, 0, 0, 0] [1, 32, 8, 8]
func.func @conv1x1_batch2(%x: tensor<2x16x8x8xf32>, %w: tensor<32x16x1x1xf32>, %acc: tensor<2x32x8x8xf32>) -> tensor<2x32x8x8xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<2x16x8x8xf32>, tensor<32x16x1x1xf32>) outs(%acc : tensor<2x32x8x8xf32>) -> tensor<2x32x8x8xf32>
  return %r : tensor<2x32x8x8xf32>
}

// -----

// Stride 2 and dilation 2: taps are strided slices at dilated offsets.
// OH*OW = 7*7 = 49 is padded with zero columns to 64 in col and in the
// accumulator, and the product's first 49 columns are kept.
// CHECK-LABEL: func @strided_dilated
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0] [3, 7, 7] [1, 2, 2]
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 2] [3, 7, 7] [1, 2, 2]
// CHECK: tensor.extract_slice %{{.*}}[0, 2, 0] [3, 7, 7] [1, 2, 2]
// CHECK: %[[COL:.*]] = tensor.collapse_shape %{{.*}} : tensor<3x2x2x7x7xf32> into tensor<12x49xf32>
// CHECK: %[[COLP:.*]] = tensor.pad %[[COL]] low[0, 0] high[0, 15]
// CHECK: } : tensor<12x49xf32> to tensor<12x64xf32>
// CHECK: %[[ACCP:.*]] = tensor.pad %{{.*}} low[0, 0] high[0, 15]
// CHECK: } : tensor<4x49xf32> to tensor<4x64xf32>
// CHECK: %[[MM:.*]] = linalg.matmul ins(%{{.*}}, %[[COLP]] : tensor<4x12xf32>, tensor<12x64xf32>) outs(%[[ACCP]] : tensor<4x64xf32>)
// CHECK: tensor.extract_slice %[[MM]][0, 0] [4, 49] [1, 1] : tensor<4x64xf32> to tensor<4x49xf32>
func.func @strided_dilated(%x: tensor<1x3x15x15xf32>, %w: tensor<4x3x2x2xf32>, %acc: tensor<1x4x7x7xf32>) -> tensor<1x4x7x7xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<2> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<1x3x15x15xf32>, tensor<4x3x2x2xf32>) outs(%acc : tensor<1x4x7x7xf32>) -> tensor<1x4x7x7xf32>
  return %r : tensor<1x4x7x7xf32>
}

// -----

// A window of more than kMaxTapCopies (49) taps, here 80 at stride 16 and
// dilation 2 (an audio front end's, with weights that are not constants):
// col is one generic reading each tap's strided pixels, not a chain of 80
// copies (whose bufferization took 12 s at batch 2).
// CHECK-DAG: #[[$TAPS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 + d3, d2 * 2 + d4 * 16)>
// CHECK-LABEL: func @long_window
// CHECK-NOT: linalg.copy
// CHECK: %[[COL5:.*]] = linalg.generic {indexing_maps = [#[[$TAPS]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%{{.*}} : tensor<1x1x560xf32>) outs(%{{.*}} : tensor<1x1x80x1x26xf32>)
// CHECK: tensor.collapse_shape %[[COL5]] {{\[}}[0, 1, 2], [3, 4]] : tensor<1x1x80x1x26xf32> into tensor<80x26xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<8x80xf32>, tensor<80x32xf32>)
func.func @long_window(%x: tensor<1x1x1x560xf32>, %w: tensor<8x1x1x80xf32>, %acc: tensor<1x8x1x26xf32>) -> tensor<1x8x1x26xf32> {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<[1, 2]> : tensor<2xi64>, strides = dense<[1, 16]> : tensor<2xi64>}
      ins(%x, %w : tensor<1x1x1x560xf32>, tensor<8x1x1x80xf32>) outs(%acc : tensor<1x8x1x26xf32>) -> tensor<1x8x1x26xf32>
  return %0 : tensor<1x8x1x26xf32>
}

// -----

// Integer convolutions keep the direct lowering.
// CHECK-LABEL: func @integer
// CHECK: linalg.conv_2d_nchw_fchw
// CHECK-NOT: linalg.matmul
func.func @integer(%x: tensor<1x2x4x4xi32>, %w: tensor<2x2x3x3xi32>, %acc: tensor<1x2x2x2xi32>) -> tensor<1x2x2x2xi32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x2x4x4xi32>, tensor<2x2x3x3xi32>) outs(%acc : tensor<1x2x2x2xi32>) -> tensor<1x2x2x2xi32>
  return %r : tensor<1x2x2x2xi32>
}

// -----

// OW = 32, a multiple of the panel width: the taps are packed straight into
// the micro-kernel's panels colp[OH, OW/32, C, KH, KW, 32] by one generic
// (element (r, p, c, i, j, q) is input pixel (c, r + i, 32p + q + j), so
// each (r, p, c) gets its 3x3x32 floats in one run), and the product is the
// packed-matmul generic on colp viewed as [OH*OW/32, C*KH*KW, 32] and the
// accumulator as [F, OH*OW/32, 32].
// CHECK-DAG: #[[TAPS:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d2, d0 + d3, d1 * 32 + d5 + d4)>
// CHECK-LABEL: func @packed_columns
// CHECK: %[[W2:.*]] = tensor.collapse_shape %{{.*}} : tensor<8x2x3x3xf32> into tensor<8x18xf32>
// CHECK: %[[IMG:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 2, 4, 34] [1, 1, 1, 1] : tensor<1x2x4x34xf32> to tensor<2x4x34xf32>
// CHECK: %[[COL6:.*]] = tensor.empty() : tensor<2x1x2x3x3x32xf32>
// CHECK: %[[PACK:.*]] = linalg.generic {indexing_maps = [#[[TAPS]], #{{.*}}]{{.*}} ins(%[[IMG]] : tensor<2x4x34xf32>) outs(%[[COL6]] : tensor<2x1x2x3x3x32xf32>)
// CHECK: %[[PACKED:.*]] = tensor.collapse_shape %[[PACK]] {{\[}}[0, 1], [2, 3, 4], [5]] : tensor<2x1x2x3x3x32xf32> into tensor<2x18x32xf32>
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[W2]], %[[PACKED]] : tensor<8x18xf32>, tensor<2x18x32xf32>) outs(%{{.*}} : tensor<8x2x32xf32>) attrs = {kiln.packed_matmul}
// CHECK-NOT: linalg.transpose
// CHECK-NOT: linalg.matmul
func.func @packed_columns(%x: tensor<1x2x4x34xf32>, %w: tensor<8x2x3x3xf32>, %acc: tensor<1x8x2x32xf32>) -> tensor<1x8x2x32xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x2x4x34xf32>, tensor<8x2x3x3xf32>) outs(%acc : tensor<1x8x2x32xf32>) -> tensor<1x8x2x32xf32>
  return %r : tensor<1x8x2x32xf32>
}

// -----

// A large image: the packed taps of all 4 output rows (4 x 256 x 144 floats,
// 590 KB) exceed the channel-major form's 512 KiB band budget, so an scf.for
// marked kiln.band_loop runs over bands of 2 output rows, each reading the 4
// input rows it needs, packing its taps ([16, 144, 32]) and updating its
// accumulator rows.
// CHECK-LABEL: func @banded
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[IMG:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 16, 6, 258] [1, 1, 1, 1] : tensor<1x16x6x258xf32> to tensor<16x6x258xf32>
// CHECK: scf.for %[[ROW:.*]] = %[[C0]] to %[[C4]] step %[[C2]] iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<8x4x256xf32>)
// CHECK: tensor.extract_slice %[[IMG]][0, %[[ROW]], 0] [16, 4, 258] [1, 1, 1]
// CHECK: %[[ACCB:.*]] = tensor.extract_slice %[[ACC]][0, %[[ROW]], 0] [8, 2, 256] [1, 1, 1]
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x8x16x3x3x32xf32>)
// CHECK: %[[PACKED:.*]] = tensor.collapse_shape %{{.*}} : tensor<2x8x16x3x3x32xf32> into tensor<16x144x32xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[PACKED]] : tensor<8x144xf32>, tensor<16x144x32xf32>) outs(%{{.*}} : tensor<8x16x32xf32>) attrs = {kiln.packed_matmul}
// CHECK: %[[UPD:.*]] = tensor.insert_slice %{{.*}} into %[[ACC]][0, %[[ROW]], 0] [8, 2, 256] [1, 1, 1]
// CHECK: scf.yield %[[UPD]]
// CHECK: } {kiln.band_loop}
func.func @banded(%x: tensor<1x16x6x258xf32>, %w: tensor<8x16x3x3xf32>, %acc: tensor<1x8x4x256xf32>) -> tensor<1x8x4x256xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x6x258xf32>, tensor<8x16x3x3xf32>) outs(%acc : tensor<1x8x4x256xf32>) -> tensor<1x8x4x256xf32>
  return %r : tensor<1x8x4x256xf32>
}

// -----

// Pixel-major: constant weights and OW = 7 (no multiple of the 32-wide
// panels, but a sliver height). The product is out^T[P, F] = taps^T x W^T:
// the weights are packed transposed at compile time into panels of 32
// filters (panel[0, k, r] = W[r, k], here 3r + k), viewed [1, C, KH, KW, 32];
// the taps are read from the input in place (no packed copy), 7 pixels of
// an input row per register tile: the kiln.tap_product generic over (panel,
// output row, piece of 7 pixels, pixel, filter, c, kh, kw) into a zero
// [rows, pieces, 7, panels, 32] grid. Its result is added, transposed, into
// the accumulator (which holds the bias) viewed [panels, 32, rows, pieces,
// 7]: the epilogue's loops are the output's, split like the grid's.
// CHECK-DAG: #[[TAPS:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d1 + d6, d2 * 7 + d3 + d7)>
// CHECK-DAG: #[[PANELS:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d5, d6, d7, d4)>
// CHECK-DAG: #[[TILES:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d3, d0, d4)>
// CHECK-DAG: #[[TR:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d2, d3, d4, d0, d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func @pixel_major
// CHECK: %[[WP:.*]] = arith.constant dense<{{\[\[\[\[\[}}0.000000e+00, 3.000000e+00, 6.000000e+00, {{.*}}, 9.300000e+01], [1.000000e+00, 4.000000e+00, {{.*}}, 9.400000e+01], [2.000000e+00, 5.000000e+00, {{.*}}, 9.500000e+01]]]]]> : tensor<1x1x1x3x32xf32>
// CHECK: %[[IMG:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 1, 2, 9] [1, 1, 1, 1] : tensor<1x1x2x9xf32> to tensor<1x2x9xf32>
// CHECK: %[[C5:.*]] = linalg.fill {{.*}} -> tensor<2x1x7x1x32xf32>
// CHECK: %[[OUT5:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2], [3, 4]] output_shape [1, 32, 2, 1, 7] : tensor<32x2x7xf32> into tensor<1x32x2x1x7xf32>
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[TAPS]], #[[PANELS]], #[[TILES]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[IMG]], %[[WP]] : tensor<1x2x9xf32>, tensor<1x1x1x3x32xf32>) outs(%[[C5]] : tensor<2x1x7x1x32xf32>) attrs = {kiln.tap_product}
// CHECK: linalg.generic {indexing_maps = [#[[TR]], #[[ID]]], {{.*}} ins(%[[G]] : tensor<2x1x7x1x32xf32>) outs(%[[OUT5]] : tensor<1x32x2x1x7xf32>)
// CHECK: arith.addf
// CHECK-NOT: linalg.conv_2d_nchw_fchw
// CHECK-NOT: kiln.packed_matmul
func.func @pixel_major(%x: tensor<1x1x2x9xf32>, %acc: tensor<1x32x2x7xf32>) -> tensor<1x32x2x7xf32> {
  %w = arith.constant dense<[[[[0.0, 1.0, 2.0]]], [[[3.0, 4.0, 5.0]]], [[[6.0, 7.0, 8.0]]], [[[9.0, 10.0, 11.0]]], [[[12.0, 13.0, 14.0]]], [[[15.0, 16.0, 17.0]]], [[[18.0, 19.0, 20.0]]], [[[21.0, 22.0, 23.0]]], [[[24.0, 25.0, 26.0]]], [[[27.0, 28.0, 29.0]]], [[[30.0, 31.0, 32.0]]], [[[33.0, 34.0, 35.0]]], [[[36.0, 37.0, 38.0]]], [[[39.0, 40.0, 41.0]]], [[[42.0, 43.0, 44.0]]], [[[45.0, 46.0, 47.0]]], [[[48.0, 49.0, 50.0]]], [[[51.0, 52.0, 53.0]]], [[[54.0, 55.0, 56.0]]], [[[57.0, 58.0, 59.0]]], [[[60.0, 61.0, 62.0]]], [[[63.0, 64.0, 65.0]]], [[[66.0, 67.0, 68.0]]], [[[69.0, 70.0, 71.0]]], [[[72.0, 73.0, 74.0]]], [[[75.0, 76.0, 77.0]]], [[[78.0, 79.0, 80.0]]], [[[81.0, 82.0, 83.0]]], [[[84.0, 85.0, 86.0]]], [[[87.0, 88.0, 89.0]]], [[[90.0, 91.0, 92.0]]], [[[93.0, 94.0, 95.0]]]]> : tensor<32x1x1x3xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x1x2x9xf32>, tensor<32x1x1x3xf32>) outs(%acc : tensor<1x32x2x7xf32>) -> tensor<1x32x2x7xf32>
  return %r : tensor<1x32x2x7xf32>
}

// -----

// The epilogue: a pixel-major convolution whose accumulator starts from a
// per-filter bias (the graph lowering's broadcast into the init) and whose
// result only a ReLU reads. The transposing write of the product adds the
// bias, read as a [32] vector, and applies the ReLU: neither the broadcast
// nor the ReLU is a pass over the output of its own any more.
// With whole panels of filters the bias is read split like the filters,
// [panels, 32].
// CHECK-DAG: #[[GRID:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d2, d3, d4, d0, d1)>
// CHECK-DAG: #[[FILTER:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func @pixel_major_epilogue
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x2x9xf32>, %[[B:.*]]: tensor<32x1x1xf32>)
// CHECK: %[[BIAS:.*]] = tensor.collapse_shape %[[B]] {{\[}}[0, 1, 2]] : tensor<32x1x1xf32> into tensor<32xf32>
// CHECK: %[[BIAS2:.*]] = tensor.expand_shape %[[BIAS]] {{\[}}[0, 1]] output_shape [1, 32] : tensor<32xf32> into tensor<1x32xf32>
// CHECK: %[[G:.*]] = linalg.generic {{.*}} attrs = {kiln.tap_product}
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[GRID]], #[[FILTER]], #[[OUT]]], {{.*}} ins(%[[G]], %[[BIAS2]] : tensor<2x1x7x1x32xf32>, tensor<1x32xf32>)
// CHECK-NEXT: ^bb0(%[[P:.*]]: f32, %[[BV:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[P]], %[[BV]] : f32
// CHECK-NEXT: %[[RELU:.*]] = arith.maximumf %[[SUM]], %{{.*}} : f32
// CHECK-NEXT: linalg.yield %[[RELU]]
// CHECK: %[[R3:.*]] = tensor.collapse_shape %[[R]] {{\[}}[0, 1], [2], [3, 4]] : tensor<1x32x2x1x7xf32> into tensor<32x2x7xf32>
// CHECK: %[[OUT_T:.*]] = tensor.expand_shape %[[R3]] {{\[}}[0, 1], [2], [3]] {{.*}} into tensor<1x32x2x7xf32>
// CHECK-NOT: linalg.generic
// CHECK: return %[[OUT_T]]
#bias = affine_map<(n, f, h, w) -> (f, 0, 0)>
#id = affine_map<(n, f, h, w) -> (n, f, h, w)>
func.func @pixel_major_epilogue(%x: tensor<1x1x2x9xf32>, %b: tensor<32x1x1xf32>) -> tensor<1x32x2x7xf32> {
  %w = arith.constant dense<0.5> : tensor<32x1x1x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x32x2x7xf32>
  %init = linalg.generic {indexing_maps = [#bias, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<32x1x1xf32>) outs(%e : tensor<1x32x2x7xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x32x2x7xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x1x2x9xf32>, tensor<32x1x1x3xf32>) outs(%init : tensor<1x32x2x7xf32>) -> tensor<1x32x2x7xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c : tensor<1x32x2x7xf32>) outs(%e : tensor<1x32x2x7xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x32x2x7xf32>
  return %r : tensor<1x32x2x7xf32>
}

// -----

// Pixel-major with a width stride (2, not a divisor of the 3-wide kernel,
// so not turned into channels): the register tile's 7 pixels are every
// other element of an input row, read in place like unit-stride ones (the
// micro-kernel broadcasts each on its own). No packed taps.
// CHECK-DAG: #[[TAPS:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d1 + d6, d2 * 14 + d3 * 2 + d7)>
// CHECK-LABEL: func @pixel_major_strided
// CHECK: %[[IMG:.*]] = tensor.extract_slice %{{.*}} : tensor<1x1x2x15xf32> to tensor<1x2x15xf32>
// CHECK: linalg.generic {indexing_maps = [#[[TAPS]], {{.*}} ins(%[[IMG]], %{{.*}} : tensor<1x2x15xf32>, tensor<1x1x1x3x32xf32>) outs(%{{.*}} : tensor<2x1x7x1x32xf32>) attrs = {kiln.tap_product}
// CHECK-NOT: linalg.transpose
// CHECK-NOT: kiln.packed_matmul
func.func @pixel_major_strided(%x: tensor<1x1x2x15xf32>, %acc: tensor<1x32x2x7xf32>) -> tensor<1x32x2x7xf32> {
  %w = arith.constant dense<0.5> : tensor<32x1x1x3xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 2]> : tensor<2xi64>}
      ins(%x, %w : tensor<1x1x2x15xf32>, tensor<32x1x1x3xf32>) outs(%acc : tensor<1x32x2x7xf32>) -> tensor<1x32x2x7xf32>
  return %r : tensor<1x32x2x7xf32>
}

// -----

// Pixel-major with a width stride that, with one zero tap, divides the
// kernel width (ResNet's 7-wide stride-2 stem): not turned into channels,
// which would add the zero tap to K (8 taps a row instead of 7) and a
// transposing copy of the input. The 8 pixels of a register tile are every
// other element of an input row, read in place; the weights are packed
// with their 7 taps.
// CHECK-DAG: #[[TAPS:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d1 + d6, d2 * 16 + d3 * 2 + d7)>
// CHECK-LABEL: func @pixel_major_stem_stride
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {indexing_maps = [#[[TAPS]], {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x1x21xf32>, tensor<1x1x1x7x32xf32>) outs(%{{.*}} : tensor<1x1x8x1x32xf32>) attrs = {kiln.tap_product}
// CHECK-NOT: linalg.transpose
// CHECK-NOT: kiln.packed_matmul
func.func @pixel_major_stem_stride(%x: tensor<1x1x1x21xf32>, %acc: tensor<1x32x1x8xf32>) -> tensor<1x32x1x8xf32> {
  %w = arith.constant dense<0.5> : tensor<32x1x1x7xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 2]> : tensor<2xi64>}
      ins(%x, %w : tensor<1x1x1x21xf32>, tensor<32x1x1x7xf32>) outs(%acc : tensor<1x32x1x8xf32>) -> tensor<1x32x1x8xf32>
  return %r : tensor<1x32x1x8xf32>
}

// -----

// Channel-major (OW = 32) with constant weights: the weights are packed at
// compile time into slivers of 8 filters [F / 8, C, KH, KW, 8], the side the
// micro-kernel broadcasts, and each register tile's 32 pixels are read from
// an input row in place: the kiln.tap_product generic over (output row,
// piece of 32 pixels, filter sliver, filter, pixel, c, kh, kw), accumulating
// into the accumulator viewed [F / 8, 8, OH, OW / 32, 32]. No band loop and
// no packed taps (the weights of @packed_columns are no constant).
// CHECK-DAG: #[[SLIVERS:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d2, d5, d6, d7, d3)>
// CHECK-DAG: #[[ROWS:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d0 + d6, d1 * 32 + d4 + d7)>
// CHECK-DAG: #[[ACC:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d2, d3, d0, d1, d4)>
// CHECK-LABEL: func @tap_columns
// CHECK: %[[WS:.*]] = arith.constant dense<5.000000e-01> : tensor<2x2x3x3x8xf32>
// CHECK: %[[IMG:.*]] = tensor.extract_slice %{{.*}} : tensor<1x2x4x34xf32> to tensor<2x4x34xf32>
// CHECK: %[[ACC5:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2], [3, 4]] output_shape [2, 8, 2, 1, 32] : tensor<16x2x32xf32> into tensor<2x8x2x1x32xf32>
// CHECK: linalg.generic {indexing_maps = [#[[SLIVERS]], #[[ROWS]], #[[ACC]]], {{.*}} ins(%[[WS]], %[[IMG]] : tensor<2x2x3x3x8xf32>, tensor<2x4x34xf32>) outs(%[[ACC5]] : tensor<2x8x2x1x32xf32>) attrs = {kiln.tap_product}
// CHECK-NOT: kiln.band_loop
// CHECK-NOT: kiln.packed_matmul
func.func @tap_columns(%x: tensor<1x2x4x34xf32>, %acc: tensor<1x16x2x32xf32>) -> tensor<1x16x2x32xf32> {
  %w = arith.constant dense<0.5> : tensor<16x2x3x3xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x2x4x34xf32>, tensor<16x2x3x3xf32>) outs(%acc : tensor<1x16x2x32xf32>) -> tensor<1x16x2x32xf32>
  return %r : tensor<1x16x2x32xf32>
}

// -----

// The epilogue of a 1x1 convolution (the flat form): the accumulator
// [F, OH*OW] starts as the bias broadcast in that shape, and the residual
// addition that reads the result (a full input, viewed as [F, OH*OW] too,
// before the matmul) follows the matmul directly and writes a fresh tensor,
// the result itself: tiling can take it into the matmul's thread tiles.
// CHECK-LABEL: func @direct_epilogue
// CHECK-SAME: (%[[X:.*]]: tensor<1x16x8x8xf32>, %[[W:.*]]: tensor<32x16x1x1xf32>, %[[B:.*]]: tensor<32xf32>, %[[RES:.*]]: tensor<1x32x8x8xf32>)
// CHECK: %[[FRESH:.*]] = tensor.empty() : tensor<32x64xf32>
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<32xf32>) outs(%[[FRESH]] : tensor<32x64xf32>)
// CHECK: %[[RES3:.*]] = tensor.extract_slice %[[RES]][0, 0, 0, 0] [1, 32, 8, 8]
// CHECK: %[[RES2:.*]] = tensor.collapse_shape %[[RES3]] {{\[}}[0], [1, 2]] : tensor<32x8x8xf32> into tensor<32x64xf32>
// CHECK: %[[MM:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<32x16xf32>, tensor<16x64xf32>) outs(%[[ACC]] : tensor<32x64xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[MM]], %[[RES2]] : tensor<32x64xf32>, tensor<32x64xf32>) outs(%[[OUT2:.*]] : tensor<32x64xf32>)
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
// CHECK-NOT: tensor.insert_slice
// CHECK: %[[SUM3:.*]] = tensor.expand_shape %[[SUM]] {{\[}}[0], [1, 2]]
// CHECK: %[[SUM4:.*]] = tensor.expand_shape %[[SUM3]] {{\[}}[0, 1], [2], [3]]
// CHECK: return %[[SUM4]]
#filter = affine_map<(n, f, h, w) -> (f)>
#id4 = affine_map<(n, f, h, w) -> (n, f, h, w)>
func.func @direct_epilogue(%x: tensor<1x16x8x8xf32>, %w: tensor<32x16x1x1xf32>, %b: tensor<32xf32>, %res: tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32> {
  %e = tensor.empty() : tensor<1x32x8x8xf32>
  %init = linalg.generic {indexing_maps = [#filter, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<32xf32>) outs(%e : tensor<1x32x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x32x8x8xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x8x8xf32>, tensor<32x16x1x1xf32>) outs(%init : tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  %r = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c, %res : tensor<1x32x8x8xf32>, tensor<1x32x8x8xf32>) outs(%e : tensor<1x32x8x8xf32>) {
  ^bb0(%in: f32, %r0: f32, %out: f32):
    %s = arith.addf %in, %r0 : f32
    linalg.yield %s : f32
  } -> tensor<1x32x8x8xf32>
  return %r : tensor<1x32x8x8xf32>
}

// -----

// A residual the consumer adds to the result before anything else (ResNet's
// relu(conv + shortcut)), computed here and read by nothing after: the
// accumulator starts as the residual plus the bias, written over the
// residual itself ([F, OH*OW] view), the matmul accumulates onto it and the
// rest of the consumer (the ReLU) rewrites it in place. The residual and
// the result are then one buffer.
// CHECK-LABEL: func @residual_absorbed
// CHECK-SAME: (%[[X:.*]]: tensor<1x16x8x8xf32>, %[[W:.*]]: tensor<32x16x1x1xf32>, %[[B:.*]]: tensor<32xf32>, %[[Y:.*]]: tensor<1x32x8x8xf32>)
// CHECK: %[[RES:.*]] = linalg.generic {{.*}} ins(%[[Y]] : tensor<1x32x8x8xf32>)
// CHECK: math.exp
// CHECK: %[[RES3:.*]] = tensor.extract_slice %[[RES]][0, 0, 0, 0] [1, 32, 8, 8]
// CHECK: %[[RES2:.*]] = tensor.collapse_shape %[[RES3]] {{\[}}[0], [1, 2]] : tensor<32x8x8xf32> into tensor<32x64xf32>
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<32xf32>) outs(%[[RES2]] : tensor<32x64xf32>)
// CHECK-NEXT: ^bb0(%[[BIAS:.*]]: f32, %[[OLD:.*]]: f32):
// CHECK-NEXT: arith.addf %[[OLD]], %[[BIAS]]
// CHECK: %[[MM:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<32x16xf32>, tensor<16x64xf32>) outs(%[[ACC]] : tensor<32x64xf32>)
// CHECK: %[[RELU:.*]] = linalg.generic {{.*}} outs(%[[MM]] : tensor<32x64xf32>)
// CHECK-NEXT: ^bb0(%[[SUM:.*]]: f32):
// CHECK-NEXT: arith.maximumf %[[SUM]]
// CHECK-NOT: arith.addf
// CHECK: %[[OUT3:.*]] = tensor.expand_shape %[[RELU]] {{\[}}[0], [1, 2]]
// CHECK: %[[OUT4:.*]] = tensor.expand_shape %[[OUT3]] {{\[}}[0, 1], [2], [3]]
// CHECK: return %[[OUT4]]
#filter = affine_map<(n, f, h, w) -> (f)>
#id4 = affine_map<(n, f, h, w) -> (n, f, h, w)>
func.func @residual_absorbed(%x: tensor<1x16x8x8xf32>, %w: tensor<32x16x1x1xf32>, %b: tensor<32xf32>, %y: tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x32x8x8xf32>
  %res = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : tensor<1x32x8x8xf32>) outs(%e : tensor<1x32x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %x2 = math.exp %in : f32
    linalg.yield %x2 : f32
  } -> tensor<1x32x8x8xf32>
  %init = linalg.generic {indexing_maps = [#filter, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<32xf32>) outs(%e : tensor<1x32x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x32x8x8xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x8x8xf32>, tensor<32x16x1x1xf32>) outs(%init : tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  %r = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c, %res : tensor<1x32x8x8xf32>, tensor<1x32x8x8xf32>) outs(%e : tensor<1x32x8x8xf32>) {
  ^bb0(%in: f32, %r0: f32, %out: f32):
    %s = arith.addf %in, %r0 : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x32x8x8xf32>
  return %r : tensor<1x32x8x8xf32>
}

// -----

// Two images: each image's bias start, product and ReLU work in that image's
// slice of the batch's fresh result (viewed [F, OH*OW], sliced before the
// matmul), and the image is inserted back where it was computed: after
// bufferization, no copy of the image into the batch.
// CHECK-LABEL: func @direct_epilogue_batch2
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x32x8x8xf32>
// CHECK: %[[IMG0:.*]] = tensor.extract_slice %[[E]][0, 0, 0, 0] [1, 32, 8, 8]
// CHECK: %[[OUT0:.*]] = tensor.collapse_shape %[[IMG0]] {{\[}}[0], [1, 2]] : tensor<32x8x8xf32> into tensor<32x64xf32>
// CHECK: %[[MM0:.*]] = linalg.matmul
// CHECK: %[[RELU0:.*]] = linalg.generic {{.*}} ins(%[[MM0]] : tensor<32x64xf32>) outs(%[[OUT0]] : tensor<32x64xf32>)
// CHECK: %[[R0:.*]] = tensor.expand_shape %[[RELU0]]
// CHECK: %[[B0:.*]] = tensor.insert_slice %[[R0]] into %[[E]][0, 0, 0, 0] [1, 32, 8, 8]
// CHECK: %[[IMG1:.*]] = tensor.extract_slice %[[B0]][1, 0, 0, 0] [1, 32, 8, 8]
// CHECK: %[[OUT1:.*]] = tensor.collapse_shape %[[IMG1]]
// CHECK: %[[MM1:.*]] = linalg.matmul
// CHECK: linalg.generic {{.*}} ins(%[[MM1]] : tensor<32x64xf32>) outs(%[[OUT1]] : tensor<32x64xf32>)
// CHECK: tensor.insert_slice %{{.*}} into %[[B0]][1, 0, 0, 0] [1, 32, 8, 8]
#filter2 = affine_map<(n, f, h, w) -> (f)>
#id42 = affine_map<(n, f, h, w) -> (n, f, h, w)>
func.func @direct_epilogue_batch2(%x: tensor<2x16x8x8xf32>, %w: tensor<32x16x1x1xf32>, %b: tensor<32xf32>) -> tensor<2x32x8x8xf32> {
  %e = tensor.empty() : tensor<2x32x8x8xf32>
  %zero = arith.constant 0.0 : f32
  %init = linalg.generic {indexing_maps = [#filter2, #id42], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<32xf32>) outs(%e : tensor<2x32x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x32x8x8xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<2x16x8x8xf32>, tensor<32x16x1x1xf32>) outs(%init : tensor<2x32x8x8xf32>) -> tensor<2x32x8x8xf32>
  %r = linalg.generic {indexing_maps = [#id42, #id42], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c : tensor<2x32x8x8xf32>) outs(%e : tensor<2x32x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x32x8x8xf32>
  return %r : tensor<2x32x8x8xf32>
}

// -----

// With OH*OW = 49 padded to 64 columns, a full input of the consumer (the
// residual) has no padded view: the consumer stays a pass of its own, and
// the matmul still starts from the bias.
// CHECK-LABEL: func @padded_residual_not_fused
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<32xf32>) outs(%{{.*}} : tensor<32x64xf32>)
// CHECK: linalg.matmul {{.*}} outs(%[[ACC]] : tensor<32x64xf32>)
// CHECK: %[[CONV:.*]] = tensor.expand_shape {{.*}} into tensor<1x32x7x7xf32>
// CHECK: linalg.generic {{.*}} ins(%[[CONV]], %{{.*}} : tensor<1x32x7x7xf32>, tensor<1x32x7x7xf32>)
#filter = affine_map<(n, f, h, w) -> (f)>
#id4 = affine_map<(n, f, h, w) -> (n, f, h, w)>
func.func @padded_residual_not_fused(%x: tensor<1x16x7x7xf32>, %w: tensor<32x16x1x1xf32>, %b: tensor<32xf32>, %res: tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32> {
  %e = tensor.empty() : tensor<1x32x7x7xf32>
  %init = linalg.generic {indexing_maps = [#filter, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<32xf32>) outs(%e : tensor<1x32x7x7xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x32x7x7xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x7x7xf32>, tensor<32x16x1x1xf32>) outs(%init : tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32>
  %r = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c, %res : tensor<1x32x7x7xf32>, tensor<1x32x7x7xf32>) outs(%e : tensor<1x32x7x7xf32>) {
  ^bb0(%in: f32, %r0: f32, %out: f32):
    %s = arith.addf %in, %r0 : f32
    linalg.yield %s : f32
  } -> tensor<1x32x7x7xf32>
  return %r : tensor<1x32x7x7xf32>
}

// -----

// Width stride 2 dividing the 4-wide kernel, constant weights: first the
// same convolution at unit width stride on the input's column pairs turned
// into channels (x'[c*2 + b, h, m] = x[c, h, 2m + b], a transposing copy
// of the input) with the weights rearranged to match at compile time
// (w'[f, c*2 + b, i, a] = w[f, c, i, 2a + b]: [1, 2, 3, 4] -> [[1, 3],
// [2, 4]], the matmul's [1, 4] weight row); then that convolution's matmul.
// The last input column (17) is never read and is dropped.
// CHECK-LABEL: func @width_stride_to_channels
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x1x17xf32>
// CHECK-DAG: arith.constant dense<{{\[\[}}1.000000e+00, 3.000000e+00, 2.000000e+00, 4.000000e+00]]> : tensor<1x4xf32>
// CHECK: %[[USED:.*]] = tensor.extract_slice %[[X]][0, 0, 0, 0] [1, 1, 1, 16] [1, 1, 1, 1]
// CHECK: %[[PAIRS:.*]] = tensor.expand_shape %[[USED]] {{\[}}[0], [1], [2], [3, 4]] output_shape [1, 1, 1, 8, 2]
// CHECK: %[[MOVED:.*]] = linalg.transpose ins(%[[PAIRS]] : tensor<1x1x1x8x2xf32>) outs(%{{.*}} : tensor<1x1x2x1x8xf32>) permutation = [0, 1, 4, 2, 3]
// CHECK: tensor.collapse_shape %[[MOVED]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x1x2x1x8xf32> into tensor<1x2x1x8xf32>
// CHECK: linalg.matmul
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @width_stride_to_channels(%x: tensor<1x1x1x17xf32>, %acc: tensor<1x1x1x7xf32>) -> tensor<1x1x1x7xf32> {
  %w = arith.constant dense<[[[[1.0, 2.0, 3.0, 4.0]]]]> : tensor<1x1x1x4xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 2]> : tensor<2xi64>}
      ins(%x, %w : tensor<1x1x1x17xf32>, tensor<1x1x1x4xf32>) outs(%acc : tensor<1x1x1x7xf32>) -> tensor<1x1x1x7xf32>
  return %r : tensor<1x1x1x7xf32>
}

// -----

// A unit-stride 1x1 convolution with constant weights and at least 512
// input channels runs pixel-major (the tap product reading its pixels in
// place, the weights packed in panels of 32 filters); with fewer channels
// too when the flat form would pad an eighth of its columns or more (7x7:
// 49 pixels to 64 columns; 14x14: 196 to 224); otherwise (28x28: 784 to
// 800) it stays the flat matmul of the weights by the input.
// CHECK-LABEL: func @deep_1x1
// CHECK-NOT: linalg.matmul
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<512x7x7xf32>, tensor<1x512x1x1x32xf32>) {{.*}} attrs = {kiln.tap_product}
// CHECK-LABEL: func @shallow_1x1_small_plane
// CHECK-NOT: linalg.matmul
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<256x7x7xf32>, tensor<1x256x1x1x32xf32>) {{.*}} attrs = {kiln.tap_product}
// CHECK-LABEL: func @shallow_1x1_14
// CHECK-NOT: linalg.matmul
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<256x14x14xf32>, tensor<1x256x1x1x32xf32>) {{.*}} attrs = {kiln.tap_product}
// CHECK-LABEL: func @shallow_1x1_28
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<32x256xf32>, tensor<256x800xf32>)
func.func @deep_1x1(%x: tensor<1x512x7x7xf32>, %acc: tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32> {
  %w = arith.constant dense<0.5> : tensor<32x512x1x1xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x512x7x7xf32>, tensor<32x512x1x1xf32>) outs(%acc : tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32>
  return %0 : tensor<1x32x7x7xf32>
}
func.func @shallow_1x1_small_plane(%x: tensor<1x256x7x7xf32>, %acc: tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32> {
  %w = arith.constant dense<0.5> : tensor<32x256x1x1xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x256x7x7xf32>, tensor<32x256x1x1xf32>) outs(%acc : tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32>
  return %0 : tensor<1x32x7x7xf32>
}
func.func @shallow_1x1_14(%x: tensor<1x256x14x14xf32>, %acc: tensor<1x32x14x14xf32>) -> tensor<1x32x14x14xf32> {
  %w = arith.constant dense<0.5> : tensor<32x256x1x1xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x256x14x14xf32>, tensor<32x256x1x1xf32>) outs(%acc : tensor<1x32x14x14xf32>) -> tensor<1x32x14x14xf32>
  return %0 : tensor<1x32x14x14xf32>
}
func.func @shallow_1x1_28(%x: tensor<1x256x28x28xf32>, %acc: tensor<1x32x28x28xf32>) -> tensor<1x32x28x28xf32> {
  %w = arith.constant dense<0.5> : tensor<32x256x1x1xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x256x28x28xf32>, tensor<32x256x1x1xf32>) outs(%acc : tensor<1x32x28x28xf32>) -> tensor<1x32x28x28xf32>
  return %0 : tensor<1x32x28x28xf32>
}

// -----

// On AVX2 (16 registers of 8 floats) the micro-kernel is 2 rows high and 7
// has no divisor from 2 to 2: a 3x3 layer at 7x7 runs pixel-major in two
// products over columns 0-4 and 5-6 of each row (pixelMajorParts), slivers
// of 5 pixels (register tiles of 5 x 16: kiln-tile-and-vectorize) and of 2
// (the micro-kernel's 2 x 32), each reading its own columns of the padded
// input in place and writing its own columns of the output, where one
// sliver of 7 pixels took 7 x 8 tiles. A unit-stride 1x1 layer at 7x7
// takes the same parts (it ran as the flat matmul of 49 columns padded to
// 64), and a stride-2 one reads input columns 0-8 and 10-12. With 112
// filters (a last panel of 16 zero filters) each part's epilogue drops
// them.
// CHECK-LABEL: func @tall_sliver_3x3_avx2
// CHECK-NOT: linalg.matmul
// CHECK: %[[IN:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 64, 9, 9]
// CHECK: %[[OUT:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 32, 7, 7]
// CHECK: %[[IN5:.*]] = tensor.extract_slice %[[IN]][0, 0, 0] [64, 9, 7] [1, 1, 1]
// CHECK: tensor.extract_slice %[[OUT]][0, 0, 0] [32, 7, 5] [1, 1, 1]
// CHECK: linalg.generic {{.*}} ins(%[[IN5]], %{{.*}} : tensor<64x9x7xf32>, tensor<1x64x3x3x32xf32>) outs(%{{.*}} : tensor<7x1x5x1x32xf32>) attrs = {kiln.tap_product}
// CHECK: %[[FIRST:.*]] = tensor.insert_slice %{{.*}} into %[[OUT]][0, 0, 0] [32, 7, 5] [1, 1, 1]
// CHECK: %[[IN2:.*]] = tensor.extract_slice %[[IN]][0, 0, 5] [64, 9, 4] [1, 1, 1]
// CHECK: tensor.extract_slice %[[FIRST]][0, 0, 5] [32, 7, 2] [1, 1, 1]
// CHECK: linalg.generic {{.*}} ins(%[[IN2]], %{{.*}} : tensor<64x9x4xf32>, tensor<1x64x3x3x32xf32>) outs(%{{.*}} : tensor<7x1x2x1x32xf32>) attrs = {kiln.tap_product}
// CHECK: tensor.insert_slice %{{.*}} into %[[FIRST]][0, 0, 5] [32, 7, 2] [1, 1, 1]
// CHECK-LABEL: func @parts_1x1_7x7_avx2
// CHECK-NOT: linalg.matmul
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<256x7x5xf32>, tensor<1x256x1x1x32xf32>) outs(%{{.*}} : tensor<7x1x5x1x32xf32>) attrs = {kiln.tap_product}
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<256x7x2xf32>, tensor<1x256x1x1x32xf32>) outs(%{{.*}} : tensor<7x1x2x1x32xf32>) attrs = {kiln.tap_product}
// CHECK-LABEL: func @parts_112_filters_avx2
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<7x1x5x4x32xf32>) attrs = {kiln.tap_product}
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0] [7, 5, 112] [1, 1, 1] : tensor<7x5x128xf32> to tensor<7x5x112xf32>
// CHECK: tensor.insert_slice %{{.*}}[0, 0, 0] [112, 7, 5] [1, 1, 1]
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<7x1x2x4x32xf32>) attrs = {kiln.tap_product}
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0] [7, 2, 112] [1, 1, 1] : tensor<7x2x128xf32> to tensor<7x2x112xf32>
// CHECK: tensor.insert_slice %{{.*}}[0, 0, 5] [112, 7, 2] [1, 1, 1]
// CHECK-LABEL: func @parts_1x1_s2_avx2
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0] [64, 14, 9] [1, 1, 1]
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<7x1x5x1x32xf32>) attrs = {kiln.tap_product}
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 10] [64, 14, 3] [1, 1, 1]
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<7x1x2x1x32xf32>) attrs = {kiln.tap_product}
module attributes {kiln.vector_registers = array<i64: 16, 32>} {
func.func @tall_sliver_3x3_avx2(%x: tensor<1x64x9x9xf32>, %acc: tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32> {
  %w = arith.constant dense<0.5> : tensor<32x64x3x3xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x64x9x9xf32>, tensor<32x64x3x3xf32>) outs(%acc : tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32>
  return %0 : tensor<1x32x7x7xf32>
}
func.func @parts_1x1_7x7_avx2(%x: tensor<1x256x7x7xf32>, %acc: tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32> {
  %w = arith.constant dense<0.5> : tensor<32x256x1x1xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x256x7x7xf32>, tensor<32x256x1x1xf32>) outs(%acc : tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32>
  return %0 : tensor<1x32x7x7xf32>
}
func.func @parts_112_filters_avx2(%x: tensor<1x64x9x9xf32>, %acc: tensor<1x112x7x7xf32>) -> tensor<1x112x7x7xf32> {
  %w = arith.constant dense<0.5> : tensor<112x64x3x3xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x64x9x9xf32>, tensor<112x64x3x3xf32>) outs(%acc : tensor<1x112x7x7xf32>) -> tensor<1x112x7x7xf32>
  return %0 : tensor<1x112x7x7xf32>
}
func.func @parts_1x1_s2_avx2(%x: tensor<1x64x14x14xf32>, %acc: tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32> {
  %w = arith.constant dense<0.5> : tensor<32x64x1x1xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<1x64x14x14xf32>, tensor<32x64x1x1xf32>) outs(%acc : tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32>
  return %0 : tensor<1x32x7x7xf32>
}
}

// -----

// A 1x1 convolution of a 1x1 image (a squeeze-and-excitation's fully
// connected layer) at batch 2: [2, 3] x W^T[3, 2], the weights transposed
// at compile time (W = [[1, 2, 3], [4, 5, 6]]), accumulating onto the
// start viewed as [2, 2]; no im2col and no gather of W's columns.
// CHECK-LABEL: func @fully_connected
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x1x1xf32>, %[[ACC:.*]]: tensor<2x2x1x1xf32>)
// CHECK-DAG: %[[WT:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, 4.000000e+00], [2.000000e+00, 5.000000e+00], [3.000000e+00, 6.000000e+00]]> : tensor<3x2xf32>
// CHECK-DAG: %[[X2:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0], [1, 2, 3]] : tensor<2x3x1x1xf32> into tensor<2x3xf32>
// CHECK-DAG: %[[ACC2:.*]] = tensor.collapse_shape %[[ACC]] {{\[}}[0], [1, 2, 3]] : tensor<2x2x1x1xf32> into tensor<2x2xf32>
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[X2]], %[[WT]] : tensor<2x3xf32>, tensor<3x2xf32>) outs(%[[ACC2]] : tensor<2x2xf32>)
// CHECK: %[[R:.*]] = tensor.expand_shape %[[MM]] {{\[}}[0], [1, 2, 3]] output_shape [2, 2, 1, 1]
// CHECK: return %[[R]]
func.func @fully_connected(%x: tensor<2x3x1x1xf32>, %acc: tensor<2x2x1x1xf32>) -> tensor<2x2x1x1xf32> {
  %w = arith.constant dense<[[[[1.0]], [[2.0]], [[3.0]]], [[[4.0]], [[5.0]], [[6.0]]]]> : tensor<2x3x1x1xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<2x3x1x1xf32>, tensor<2x3x1x1xf32>) outs(%acc : tensor<2x2x1x1xf32>) -> tensor<2x2x1x1xf32>
  return %r : tensor<2x2x1x1xf32>
}

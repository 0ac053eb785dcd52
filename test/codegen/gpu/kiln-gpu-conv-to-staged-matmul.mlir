// RUN: kiln-opt %s --split-input-file --kiln-gpu-conv-to-staged-matmul | FileCheck %s

// A 3x3 convolution (its input padded already) whose product the staged
// kernels take (F = 32, OH*OW = 64): the product of the weights
// [F, C*KH*KW] by the taps col[N, C*KH*KW, OH*OW] as a matmul-like generic
// over (n, f, p, k) with the convolution's multiply-add, accumulating into
// the convolution's init (the bias). col is not copied: the generic reads
// its element (k, p) from the input in place, at channel k / 9, row
// p / 8 + (k % 9) / 3 and column p % 8 + k % 3.
// CHECK-DAG: #[[WMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-DAG: #[[TAPS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3 floordiv 9, d2 floordiv 8 + (d3 mod 9) floordiv 3, d2 mod 8 + d3 mod 3)>
// CHECK-DAG: #[[OMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func @conv3x3
// CHECK-SAME: (%[[X:.*]]: tensor<1x16x10x10xf32>, %[[WT:.*]]: tensor<32x16x3x3xf32>, %[[INIT:.*]]: tensor<1x32x8x8xf32>)
// CHECK-NOT: linalg.generic
// CHECK: %[[W2:.*]] = tensor.collapse_shape %[[WT]] {{\[\[}}0], [1, 2, 3]] : tensor<32x16x3x3xf32> into tensor<32x144xf32>
// CHECK: %[[OUT3:.*]] = tensor.collapse_shape %[[INIT]] {{\[\[}}0], [1], [2, 3]] : tensor<1x32x8x8xf32> into tensor<1x32x64xf32>
// CHECK: %[[P:.*]] = linalg.generic {indexing_maps = [#[[WMAP]], #[[TAPS]], #[[OMAP]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[W2]], %[[X]] : tensor<32x144xf32>, tensor<1x16x10x10xf32>) outs(%[[OUT3]] : tensor<1x32x64xf32>)
// CHECK: ^bb0(%[[A:[a-z0-9_]+]]: f32, %[[B:[a-z0-9_]+]]: f32, %[[ACC:[a-z0-9_]+]]: f32):
// CHECK:   %[[M:.*]] = arith.mulf %[[B]], %[[A]] : f32
// CHECK:   %[[S:.*]] = arith.addf %[[ACC]], %[[M]] : f32
// CHECK:   linalg.yield %[[S]]
// CHECK: %[[R:.*]] = tensor.expand_shape %[[P]] {{\[\[}}0], [1], [2, 3]] output_shape [1, 32, 8, 8] : tensor<1x32x64xf32> into tensor<1x32x8x8xf32>
// CHECK: return %[[R]]
func.func @conv3x3(%x: tensor<1x16x10x10xf32>, %w: tensor<32x16x3x3xf32>, %init: tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32> {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x10x10xf32>, tensor<32x16x3x3xf32>) outs(%init : tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  return %0 : tensor<1x32x8x8xf32>
}

// -----

// Strides and dilations land in the taps' map.
// CHECK-DAG: #[[TAPS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3 floordiv 9, (d2 floordiv 4) * 2 + ((d3 mod 9) floordiv 3) * 2, (d2 mod 4) * 2 + (d3 mod 3) * 2)>
// CHECK-LABEL: func @strided_dilated
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[TAPS]], #{{.*}}]
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<16x144xf32>, tensor<2x16x12x12xf32>) outs(%{{.*}} : tensor<2x16x16xf32>)
func.func @strided_dilated(%x: tensor<2x16x12x12xf32>, %w: tensor<16x16x3x3xf32>, %init: tensor<2x16x4x4xf32>) -> tensor<2x16x4x4xf32> {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<2> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<2x16x12x12xf32>, tensor<16x16x3x3xf32>) outs(%init : tensor<2x16x4x4xf32>) -> tensor<2x16x4x4xf32>
  return %0 : tensor<2x16x4x4xf32>
}

// -----

// A unit-stride 1x1 convolution's input is col already, [N, C, OH*OW]. f16 inputs
// accumulated in f32 keep the convolution's casts in the product's body.
// CHECK-LABEL: func @conv1x1_f16_f32
// CHECK-SAME: (%[[X:.*]]: tensor<2x32x8x8xf16>
// CHECK-NOT: linalg.generic {{.*}} ins(%[[X]]
// CHECK: %[[COL:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0], [1], [2, 3]] : tensor<2x32x8x8xf16> into tensor<2x32x64xf16>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[COL]] : tensor<64x32xf16>, tensor<2x32x64xf16>) outs(%{{.*}} : tensor<2x64x64xf32>)
// CHECK-COUNT-2: arith.extf
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @conv1x1_f16_f32(%x: tensor<2x32x8x8xf16>, %w: tensor<64x32x1x1xf16>, %init: tensor<2x64x8x8xf32>) -> tensor<2x64x8x8xf32> {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<2x32x8x8xf16>, tensor<64x32x1x1xf16>) outs(%init : tensor<2x64x8x8xf32>) -> tensor<2x64x8x8xf32>
  return %0 : tensor<2x64x8x8xf32>
}

// -----

// Sides 16 does not divide are staged too (the kernels clamp their reads
// and guard their stores): 3 input channels (C*KH*KW = 27), 24 filters,
// 7x7 outputs (49 pixels).
// CHECK-LABEL: func @partial
// CHECK-NOT: linalg.conv_2d_nchw_fchw
// CHECK: ins(%{{.*}}, %{{.*}} : tensor<32x27xf32>, tensor<1x3x10x10xf32>) outs(%{{.*}} : tensor<1x32x64xf32>)
// CHECK: ins(%{{.*}}, %{{.*}} : tensor<24x144xf32>, tensor<1x16x10x10xf32>) outs(%{{.*}} : tensor<1x24x64xf32>)
// CHECK: ins(%{{.*}}, %{{.*}} : tensor<32x144xf32>, tensor<1x16x9x9xf32>) outs(%{{.*}} : tensor<1x32x49xf32>)
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @partial(%a: tensor<1x3x10x10xf32>, %wa: tensor<32x3x3x3xf32>, %ia: tensor<1x32x8x8xf32>,
                   %b: tensor<1x16x10x10xf32>, %wb: tensor<24x16x3x3xf32>, %ib: tensor<1x24x8x8xf32>,
                   %c: tensor<1x16x9x9xf32>, %wc: tensor<32x16x3x3xf32>, %ic: tensor<1x32x7x7xf32>)
    -> (tensor<1x32x8x8xf32>, tensor<1x24x8x8xf32>, tensor<1x32x7x7xf32>) {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%a, %wa : tensor<1x3x10x10xf32>, tensor<32x3x3x3xf32>) outs(%ia : tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  %1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%b, %wb : tensor<1x16x10x10xf32>, tensor<24x16x3x3xf32>) outs(%ib : tensor<1x24x8x8xf32>) -> tensor<1x24x8x8xf32>
  %2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%c, %wc : tensor<1x16x9x9xf32>, tensor<32x16x3x3xf32>) outs(%ic : tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32>
  return %0, %1, %2 : tensor<1x32x8x8xf32>, tensor<1x24x8x8xf32>, tensor<1x32x7x7xf32>
}

// -----

// Products with a side under 16 stay direct: 8 filters, and 3x3 outputs
// (9 pixels).
// CHECK-LABEL: func @not_staged
// CHECK-COUNT-2: linalg.conv_2d_nchw_fchw
// CHECK-NOT: linalg.generic
func.func @not_staged(%a: tensor<1x16x10x10xf32>, %wa: tensor<8x16x3x3xf32>, %ia: tensor<1x8x8x8xf32>,
                      %b: tensor<1x16x5x5xf32>, %wb: tensor<32x16x3x3xf32>, %ib: tensor<1x32x3x3xf32>)
    -> (tensor<1x8x8x8xf32>, tensor<1x32x3x3xf32>) {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%a, %wa : tensor<1x16x10x10xf32>, tensor<8x16x3x3xf32>) outs(%ia : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%b, %wb : tensor<1x16x5x5xf32>, tensor<32x16x3x3xf32>) outs(%ib : tensor<1x32x3x3xf32>) -> tensor<1x32x3x3xf32>
  return %0, %1 : tensor<1x8x8x8xf32>, tensor<1x32x3x3xf32>
}

// -----

#gin = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 * 2 + d6, d4 * 2 + d7)>
#gw = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
#gout = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
#gbias = affine_map<(d0, d1, d2, d3, d4) -> (d1, d2, 0, 0)>
#gid = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>

// A grouped convolution in the graph lowering's form (one generic over
// (n, g, f, oh, ow, c, kh, kw) of views split into groups), 4 groups of 16
// filters reading 8 channels each, at stride 2: the groups' products as
// one product over (n, g, f, p, k), the group a batch loop, of the
// weights [G, F, C*KH*KW] by the group's taps, read in place. Its bias
// start (per group and filter) is rebuilt over the product's [N, G, F,
// OH*OW] view. A grouped convolution whose groups have fewer than 16
// filters stays as it is.
// CHECK-DAG: #[[GW:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d2, d4)>
// CHECK-DAG: #[[GTAPS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4 floordiv 9, (d3 floordiv 4) * 2 + (d4 mod 9) floordiv 3, (d3 mod 4) * 2 + d4 mod 3)>
// CHECK-DAG: #[[GOUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[GSTART:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, 0, 0)>
// CHECK-LABEL: func @grouped
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x8x9x9xf32>, %[[WT:.*]]: tensor<4x16x8x3x3xf32>, %[[B:.*]]: tensor<4x16x1x1xf32>
// CHECK: %[[W3:.*]] = tensor.collapse_shape %[[WT]] {{\[\[}}0], [1], [2, 3, 4]] : tensor<4x16x8x3x3xf32> into tensor<4x16x72xf32>
// CHECK: %[[START:.*]] = linalg.generic {indexing_maps = [#[[GSTART]], {{.*}}]{{.*}} ins(%[[B]] : tensor<4x16x1x1xf32>) outs(%{{.*}} : tensor<2x4x16x16xf32>)
// CHECK: %[[P:.*]] = linalg.generic {indexing_maps = [#[[GW]], #[[GTAPS]], #[[GOUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[W3]], %[[X]] : tensor<4x16x72xf32>, tensor<2x4x8x9x9xf32>) outs(%[[START]] : tensor<2x4x16x16xf32>)
// CHECK: tensor.expand_shape %[[P]] {{\[\[}}0], [1], [2], [3, 4]] output_shape [2, 4, 16, 4, 4] : tensor<2x4x16x16xf32> into tensor<2x4x16x4x4xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x8x8x5x5xf32>, tensor<8x8x8x3x3xf32>)
// CHECK-NOT: linalg.generic
func.func @grouped(%x: tensor<2x4x8x9x9xf32>, %w: tensor<4x16x8x3x3xf32>, %b: tensor<4x16x1x1xf32>,
                   %y: tensor<8x8x8x5x5xf32>, %v: tensor<8x8x8x3x3xf32>, %acc: tensor<8x8x8x3x3xf32>)
    -> (tensor<2x4x16x4x4xf32>, tensor<8x8x8x3x3xf32>) {
  %e = tensor.empty() : tensor<2x4x16x4x4xf32>
  %start = linalg.generic {indexing_maps = [#gbias, #gid], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<4x16x1x1xf32>) outs(%e : tensor<2x4x16x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x4x16x4x4xf32>
  %g = linalg.generic {indexing_maps = [#gin, #gw, #gout], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<2x4x8x9x9xf32>, tensor<4x16x8x3x3xf32>) outs(%start : tensor<2x4x16x4x4xf32>) {
  ^bb0(%a: f32, %k: f32, %s: f32):
    %p = arith.mulf %a, %k : f32
    %t = arith.addf %s, %p : f32
    linalg.yield %t : f32
  } -> tensor<2x4x16x4x4xf32>
  %h = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 + d6, d4 + d7)>, #gw, #gout], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%y, %v : tensor<8x8x8x5x5xf32>, tensor<8x8x8x3x3xf32>) outs(%acc : tensor<8x8x8x3x3xf32>) {
  ^bb0(%a: f32, %k: f32, %s: f32):
    %p = arith.mulf %a, %k : f32
    %t = arith.addf %s, %p : f32
    linalg.yield %t : f32
  } -> tensor<8x8x8x3x3xf32>
  return %g, %h : tensor<2x4x16x4x4xf32>, tensor<8x8x8x3x3xf32>
}

// -----

// An attention's queries by its keys, each read through its heads: a
// projection's [32, 128] result expanded to [1, 32, 2, 64], transposed and
// collapsed to [2, 32, 64] (the queries) or [2, 64, 32] (the keys,
// transposed). The product reads both in place and neither transpose is
// left: the queries' element (h, t, d) at [t, 64 h + d]; the keys' (h, d,
// t) from the free view [1, 32, 2, 64] at (0, t, h, d), where d, the
// reduction, stays an index by itself (read from [32, 128] too, at (t,
// 64 h + d), no map would have it alone and the op would be invalid). The
// staged kernel copies that B tile along k (its memory runs along d).
// CHECK-DAG: #[[QUERIES:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d0 * 64 + d3)>
// CHECK-DAG: #[[KEYS:.*]] = affine_map<(d0, d1, d2, d3) -> (0, d2, d0, d3)>
// CHECK-LABEL: func @heads
// CHECK-SAME: (%[[Q:.*]]: tensor<32x128xf32>, %[[K:.*]]: tensor<32x128xf32>)
// CHECK: %[[KE:.*]] = tensor.expand_shape %[[K]]
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {indexing_maps = [#[[QUERIES]], #[[KEYS]], #{{.*}}]
// CHECK-SAME: ins(%[[Q]], %[[KE]] : tensor<32x128xf32>, tensor<1x32x2x64xf32>)
func.func @heads(%q: tensor<32x128xf32>, %k: tensor<32x128xf32>) -> tensor<2x32x32xf32> {
  %zero = arith.constant 0.0 : f32
  %qe = tensor.expand_shape %q [[0, 1], [2, 3]] output_shape [1, 32, 2, 64] : tensor<32x128xf32> into tensor<1x32x2x64xf32>
  %e1 = tensor.empty() : tensor<1x2x32x64xf32>
  %qt = linalg.transpose ins(%qe : tensor<1x32x2x64xf32>) outs(%e1 : tensor<1x2x32x64xf32>) permutation = [0, 2, 1, 3]
  %qc = tensor.collapse_shape %qt [[0, 1], [2], [3]] : tensor<1x2x32x64xf32> into tensor<2x32x64xf32>
  %ke = tensor.expand_shape %k [[0, 1], [2, 3]] output_shape [1, 32, 2, 64] : tensor<32x128xf32> into tensor<1x32x2x64xf32>
  %e2 = tensor.empty() : tensor<1x2x64x32xf32>
  %kt = linalg.transpose ins(%ke : tensor<1x32x2x64xf32>) outs(%e2 : tensor<1x2x64x32xf32>) permutation = [0, 2, 3, 1]
  %kc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x2x64x32xf32> into tensor<2x64x32xf32>
  %e3 = tensor.empty() : tensor<2x32x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e3 : tensor<2x32x32xf32>) -> tensor<2x32x32xf32>
  %s = linalg.batch_matmul ins(%qc, %kc : tensor<2x32x64xf32>, tensor<2x64x32xf32>) outs(%acc : tensor<2x32x32xf32>) -> tensor<2x32x32xf32>
  return %s : tensor<2x32x32xf32>
}

// -----

// A transpose the product could read in place (the heads of [32, 2, 64]
// as [2, 32, 64]: k stays the innermost index) stays where something else
// reads it too, and the product reads it.
// CHECK-LABEL: func @shared_transpose
// CHECK: %[[T:.*]] = linalg.transpose
// CHECK: linalg.batch_matmul ins(%[[T]],
func.func @shared_transpose(%a: tensor<32x2x64xf32>, %b: tensor<2x64x48xf32>) -> (tensor<2x32x48xf32>, tensor<2x32x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2x32x64xf32>
  %t = linalg.transpose ins(%a : tensor<32x2x64xf32>) outs(%e1 : tensor<2x32x64xf32>) permutation = [1, 0, 2]
  %e2 = tensor.empty() : tensor<2x32x48xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x32x48xf32>) -> tensor<2x32x48xf32>
  %p = linalg.batch_matmul ins(%t, %b : tensor<2x32x64xf32>, tensor<2x64x48xf32>) outs(%acc : tensor<2x32x48xf32>) -> tensor<2x32x48xf32>
  return %p, %t : tensor<2x32x48xf32>, tensor<2x32x64xf32>
}

// -----

// The same transpose read by the product alone: read in place, element
// (b, m, k) at [m, b, k].
// CHECK-DAG: #[[HEADS:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d0, d3)>
// CHECK-LABEL: func @own_transpose
// CHECK-SAME: (%[[A:.*]]: tensor<32x2x64xf32>,
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {indexing_maps = [#[[HEADS]], #{{.*}}, #{{.*}}]
// CHECK-SAME: ins(%[[A]],
func.func @own_transpose(%a: tensor<32x2x64xf32>, %b: tensor<2x64x48xf32>) -> tensor<2x32x48xf32> {
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2x32x64xf32>
  %t = linalg.transpose ins(%a : tensor<32x2x64xf32>) outs(%e1 : tensor<2x32x64xf32>) permutation = [1, 0, 2]
  %e2 = tensor.empty() : tensor<2x32x48xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x32x48xf32>) -> tensor<2x32x48xf32>
  %p = linalg.batch_matmul ins(%t, %b : tensor<2x32x64xf32>, tensor<2x64x48xf32>) outs(%acc : tensor<2x32x48xf32>) -> tensor<2x32x48xf32>
  return %p : tensor<2x32x48xf32>
}

// -----

// Products of one input by constant weights, each with its bias
// (SiblingProducts.h): one product by the weights side by side (row r of
// each in turn), one bias addition over the biases joined, and the
// results slices of its result.
// CHECK-LABEL: func @siblings
// CHECK-DAG: %[[BIAS:.*]] = arith.constant dense<[5.000000e-01, 5.000000e-01, 2.500000e-01, 2.500000e-01, 2.500000e-01]> : tensor<5xf32>
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00, 5.000000e+00, 6.000000e+00, 7.000000e+00], [3.000000e+00, 4.000000e+00, 8.000000e+00, 9.000000e+00, 1.000000e+01]]> : tensor<2x5xf32>
// CHECK: %[[FILL:.*]] = linalg.fill {{.*}} -> tensor<4x5xf32>
// CHECK: %[[P:.*]] = linalg.matmul ins(%arg0, %[[W]] : tensor<4x2xf32>, tensor<2x5xf32>) outs(%[[FILL]] : tensor<4x5xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[P]], %[[BIAS]] : tensor<4x5xf32>, tensor<5xf32>)
// CHECK: arith.addf
// CHECK: %[[Y1:.*]] = tensor.extract_slice %[[Y]][0, 0] [4, 2] [1, 1]
// CHECK: %[[Y2:.*]] = tensor.extract_slice %[[Y]][0, 2] [4, 3] [1, 1]
// CHECK-NOT: linalg.matmul
// CHECK: return %[[Y1]], %[[Y2]]
#id = affine_map<(d0, d1) -> (d0, d1)>
#n = affine_map<(d0, d1) -> (d1)>
func.func @siblings(%x: tensor<4x2xf32>) -> (tensor<4x2xf32>, tensor<4x3xf32>) {
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %w2 = arith.constant dense<[[5.0, 6.0, 7.0], [8.0, 9.0, 10.0]]> : tensor<2x3xf32>
  %b1 = arith.constant dense<0.5> : tensor<2xf32>
  %b2 = arith.constant dense<0.25> : tensor<3xf32>
  %e1 = tensor.empty() : tensor<4x2xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x2xf32>) -> tensor<4x2xf32>
  %p1 = linalg.matmul ins(%x, %w1 : tensor<4x2xf32>, tensor<2x2xf32>) outs(%f1 : tensor<4x2xf32>) -> tensor<4x2xf32>
  %c1 = linalg.generic {indexing_maps = [#id, #n, #id], iterator_types = ["parallel", "parallel"]} ins(%p1, %b1 : tensor<4x2xf32>, tensor<2xf32>) outs(%e1 : tensor<4x2xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<4x2xf32>
  %e2 = tensor.empty() : tensor<4x3xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x3xf32>) -> tensor<4x3xf32>
  %p2 = linalg.matmul ins(%x, %w2 : tensor<4x2xf32>, tensor<2x3xf32>) outs(%f2 : tensor<4x3xf32>) -> tensor<4x3xf32>
  %c2 = linalg.generic {indexing_maps = [#id, #n, #id], iterator_types = ["parallel", "parallel"]} ins(%p2, %b2 : tensor<4x3xf32>, tensor<3xf32>) outs(%e2 : tensor<4x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<4x3xf32>
  return %c1, %c2 : tensor<4x2xf32>, tensor<4x3xf32>
}

// -----

// Not merged: consumers of different bodies (a bias, a bias then a ReLU),
// and a product by weights computed at run time.
// CHECK-LABEL: func @not_siblings
// CHECK-COUNT-3: linalg.matmul
// CHECK-NOT: tensor.extract_slice
#id = affine_map<(d0, d1) -> (d0, d1)>
#n = affine_map<(d0, d1) -> (d1)>
func.func @not_siblings(%x: tensor<4x2xf32>, %w3: tensor<2x2xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) {
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<1.0> : tensor<2x2xf32>
  %w2 = arith.constant dense<2.0> : tensor<2x2xf32>
  %b = arith.constant dense<0.5> : tensor<2xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %p1 = linalg.matmul ins(%x, %w1 : tensor<4x2xf32>, tensor<2x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  %c1 = linalg.generic {indexing_maps = [#id, #n, #id], iterator_types = ["parallel", "parallel"]} ins(%p1, %b : tensor<4x2xf32>, tensor<2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<4x2xf32>
  %p2 = linalg.matmul ins(%x, %w2 : tensor<4x2xf32>, tensor<2x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  %c2 = linalg.generic {indexing_maps = [#id, #n, #id], iterator_types = ["parallel", "parallel"]} ins(%p2, %b : tensor<4x2xf32>, tensor<2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    %z = arith.constant 0.0 : f32
    %r = arith.maximumf %s, %z : f32
    linalg.yield %r : f32
  } -> tensor<4x2xf32>
  %p3 = linalg.matmul ins(%x, %w3 : tensor<4x2xf32>, tensor<2x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %c1, %c2, %p3 : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// Three siblings whose consumers read one constant twice (x * s + s) and
// a constant from above: each operand position gets its own join (the
// first consumer's two reads of %s become two joins, of %s, %s2, %s3 and
// of %s, %t2, %t3), and the constant from above is copied.
// CHECK-LABEL: func @positions
// CHECK-DAG: %[[SCALES:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00, 4.000000e+00]> : tensor<3xf32>
// CHECK-DAG: %[[SHIFTS:.*]] = arith.constant dense<[1.000000e+00, 3.000000e+00, 5.000000e+00]> : tensor<3xf32>
// CHECK: %[[P:.*]] = linalg.matmul {{.*}} -> tensor<4x3xf32>
// CHECK: linalg.generic {{.*}} ins(%[[P]], %[[SCALES]], %[[SHIFTS]] : tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK-COUNT-3: tensor.extract_slice
// CHECK-NOT: linalg.matmul
#id = affine_map<(d0, d1) -> (d0, d1)>
#n = affine_map<(d0, d1) -> (d1)>
func.func @positions(%x: tensor<4x2xf32>) -> (tensor<4x1xf32>, tensor<4x1xf32>, tensor<4x1xf32>) {
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<1.0> : tensor<2x1xf32>
  %w2 = arith.constant dense<2.0> : tensor<2x1xf32>
  %w3 = arith.constant dense<3.0> : tensor<2x1xf32>
  %s = arith.constant dense<1.0> : tensor<1xf32>
  %s2 = arith.constant dense<2.0> : tensor<1xf32>
  %t2 = arith.constant dense<3.0> : tensor<1xf32>
  %s3 = arith.constant dense<4.0> : tensor<1xf32>
  %t3 = arith.constant dense<5.0> : tensor<1xf32>
  %e = tensor.empty() : tensor<4x1xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x1xf32>) -> tensor<4x1xf32>
  %p1 = linalg.matmul ins(%x, %w1 : tensor<4x2xf32>, tensor<2x1xf32>) outs(%f : tensor<4x1xf32>) -> tensor<4x1xf32>
  %c1 = linalg.generic {indexing_maps = [#id, #n, #n, #id], iterator_types = ["parallel", "parallel"]} ins(%p1, %s, %s : tensor<4x1xf32>, tensor<1xf32>, tensor<1xf32>) outs(%e : tensor<4x1xf32>) {
  ^bb0(%a: f32, %m: f32, %k: f32, %o: f32):
    %y = arith.mulf %a, %m : f32
    %z = arith.addf %y, %k : f32
    %r = arith.maximumf %z, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4x1xf32>
  %p2 = linalg.matmul ins(%x, %w2 : tensor<4x2xf32>, tensor<2x1xf32>) outs(%f : tensor<4x1xf32>) -> tensor<4x1xf32>
  %c2 = linalg.generic {indexing_maps = [#id, #n, #n, #id], iterator_types = ["parallel", "parallel"]} ins(%p2, %s2, %t2 : tensor<4x1xf32>, tensor<1xf32>, tensor<1xf32>) outs(%e : tensor<4x1xf32>) {
  ^bb0(%a: f32, %m: f32, %k: f32, %o: f32):
    %y = arith.mulf %a, %m : f32
    %z = arith.addf %y, %k : f32
    %r = arith.maximumf %z, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4x1xf32>
  %p3 = linalg.matmul ins(%x, %w3 : tensor<4x2xf32>, tensor<2x1xf32>) outs(%f : tensor<4x1xf32>) -> tensor<4x1xf32>
  %c3 = linalg.generic {indexing_maps = [#id, #n, #n, #id], iterator_types = ["parallel", "parallel"]} ins(%p3, %s3, %t3 : tensor<4x1xf32>, tensor<1xf32>, tensor<1xf32>) outs(%e : tensor<4x1xf32>) {
  ^bb0(%a: f32, %m: f32, %k: f32, %o: f32):
    %y = arith.mulf %a, %m : f32
    %z = arith.addf %y, %k : f32
    %r = arith.maximumf %z, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4x1xf32>
  return %c1, %c2, %c3 : tensor<4x1xf32>, tensor<4x1xf32>, tensor<4x1xf32>
}

// -----

// Not merged: bodies that read their loop indices (which would count the
// joined columns), and unsigned products.
// CHECK-LABEL: func @indices_and_unsigned
// CHECK-COUNT-4: linalg.matmul
// CHECK-NOT: tensor.extract_slice
#id = affine_map<(d0, d1) -> (d0, d1)>
#n = affine_map<(d0, d1) -> (d1)>
func.func @indices_and_unsigned(%x: tensor<4x2xf32>, %i: tensor<4x2xi8>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xi32>, tensor<4x2xi32>) {
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<1.0> : tensor<2x2xf32>
  %w2 = arith.constant dense<2.0> : tensor<2x2xf32>
  %b = arith.constant dense<0.5> : tensor<2xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %p1 = linalg.matmul ins(%x, %w1 : tensor<4x2xf32>, tensor<2x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  %c1 = linalg.generic {indexing_maps = [#id, #n, #id], iterator_types = ["parallel", "parallel"]} ins(%p1, %b : tensor<4x2xf32>, tensor<2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %j = linalg.index 1 : index
    %k = arith.index_cast %j : index to i32
    %kf = arith.sitofp %k : i32 to f32
    %s = arith.addf %a, %kf : f32
    linalg.yield %s : f32
  } -> tensor<4x2xf32>
  %p2 = linalg.matmul ins(%x, %w2 : tensor<4x2xf32>, tensor<2x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  %c2 = linalg.generic {indexing_maps = [#id, #n, #id], iterator_types = ["parallel", "parallel"]} ins(%p2, %b : tensor<4x2xf32>, tensor<2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %j = linalg.index 1 : index
    %k = arith.index_cast %j : index to i32
    %kf = arith.sitofp %k : i32 to f32
    %s = arith.addf %a, %kf : f32
    linalg.yield %s : f32
  } -> tensor<4x2xf32>
  %izero = arith.constant 0 : i32
  %v1 = arith.constant dense<1> : tensor<2x2xi8>
  %v2 = arith.constant dense<2> : tensor<2x2xi8>
  %bi = arith.constant dense<1> : tensor<2xi32>
  %ei = tensor.empty() : tensor<4x2xi32>
  %fi = linalg.fill ins(%izero : i32) outs(%ei : tensor<4x2xi32>) -> tensor<4x2xi32>
  %q1 = linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%i, %v1 : tensor<4x2xi8>, tensor<2x2xi8>) outs(%fi : tensor<4x2xi32>) -> tensor<4x2xi32>
  %d1 = linalg.generic {indexing_maps = [#id, #n, #id], iterator_types = ["parallel", "parallel"]} ins(%q1, %bi : tensor<4x2xi32>, tensor<2xi32>) outs(%ei : tensor<4x2xi32>) {
  ^bb0(%a: i32, %c: i32, %o: i32):
    %s = arith.addi %a, %c : i32
    linalg.yield %s : i32
  } -> tensor<4x2xi32>
  %q2 = linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%i, %v2 : tensor<4x2xi8>, tensor<2x2xi8>) outs(%fi : tensor<4x2xi32>) -> tensor<4x2xi32>
  %d2 = linalg.generic {indexing_maps = [#id, #n, #id], iterator_types = ["parallel", "parallel"]} ins(%q2, %bi : tensor<4x2xi32>, tensor<2xi32>) outs(%ei : tensor<4x2xi32>) {
  ^bb0(%a: i32, %c: i32, %o: i32):
    %s = arith.addi %a, %c : i32
    linalg.yield %s : i32
  } -> tensor<4x2xi32>
  return %c1, %c2, %d1, %d2 : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xi32>, tensor<4x2xi32>
}

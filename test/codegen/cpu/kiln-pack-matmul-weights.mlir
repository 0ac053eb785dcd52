// RUN: kiln-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(kiln-pack-matmul-weights))' --mlir-print-elementsattrs-with-hex-if-larger=1000 | FileCheck %s

// A constant B [K=2, N=64] becomes two 32-wide panels [2, K, 32] at compile
// time: panel j row k holds B[k, 32j : 32j+32]. The matmul becomes a generic
// over (m, j, r, k) on C viewed as [M, 2, 32].
// CHECK-DAG: #[[MA:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
// CHECK-DAG: #[[MB:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3, d2)>
// CHECK-DAG: #[[MC:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func @constant_rhs
// CHECK-SAME: (%[[A:.*]]: tensor<4x2xf32>, %[[C:.*]]: tensor<4x64xf32>)
// CHECK: %[[P:.*]] = arith.constant dense<{{\[\[\[}}0.000000e+00, 1.000000e+00, {{.*}}, 3.100000e+01], [6.400000e+01, {{.*}}, 9.500000e+01]], {{\[\[}}3.200000e+01, {{.*}}, 6.300000e+01], [9.600000e+01, {{.*}}, 1.270000e+02]]]> : tensor<2x2x32xf32>
// CHECK: %[[C3:.*]] = tensor.expand_shape %[[C]] {{\[}}[0], [1, 2]] output_shape [4, 2, 32] : tensor<4x64xf32> into tensor<4x2x32xf32>
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[MA]], #[[MB]], #[[MC]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[A]], %[[P]] : tensor<4x2xf32>, tensor<2x2x32xf32>) outs(%[[C3]] : tensor<4x2x32xf32>) attrs = {kiln.packed_matmul}
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tensor.collapse_shape %[[G]] {{\[}}[0], [1, 2]] : tensor<4x2x32xf32> into tensor<4x64xf32>
func.func @constant_rhs(%a: tensor<4x2xf32>, %c: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %b0 = arith.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0, 47.0, 48.0, 49.0, 50.0, 51.0, 52.0, 53.0, 54.0, 55.0, 56.0, 57.0, 58.0, 59.0, 60.0, 61.0, 62.0, 63.0],
                               [64.0, 65.0, 66.0, 67.0, 68.0, 69.0, 70.0, 71.0, 72.0, 73.0, 74.0, 75.0, 76.0, 77.0, 78.0, 79.0, 80.0, 81.0, 82.0, 83.0, 84.0, 85.0, 86.0, 87.0, 88.0, 89.0, 90.0, 91.0, 92.0, 93.0, 94.0, 95.0, 96.0, 97.0, 98.0, 99.0, 100.0, 101.0, 102.0, 103.0, 104.0, 105.0, 106.0, 107.0, 108.0, 109.0, 110.0, 111.0, 112.0, 113.0, 114.0, 115.0, 116.0, 117.0, 118.0, 119.0, 120.0, 121.0, 122.0, 123.0, 124.0, 125.0, 126.0, 127.0]]> : tensor<2x64xf32>
  %r = linalg.matmul ins(%a, %b0 : tensor<4x2xf32>, tensor<2x64xf32>) outs(%c : tensor<4x64xf32>) -> tensor<4x64xf32>
  return %r : tensor<4x64xf32>
}

// -----

// A splat weight stays a splat of the packed shape.
// CHECK-LABEL: func @splat_rhs
// CHECK: arith.constant dense<5.000000e-01> : tensor<3x16x32xf32>
// CHECK: linalg.generic
// CHECK-NOT: linalg.matmul
func.func @splat_rhs(%a: tensor<8x16xf32>, %c: tensor<8x96xf32>) -> tensor<8x96xf32> {
  %b = arith.constant dense<0.5> : tensor<16x96xf32>
  %r = linalg.matmul ins(%a, %b : tensor<8x16xf32>, tensor<16x96xf32>) outs(%c : tensor<8x96xf32>) -> tensor<8x96xf32>
  return %r : tensor<8x96xf32>
}

// -----

// Left alone: B computed at run time, N narrower than a panel, other types.
// CHECK-LABEL: func @not_packed
// CHECK-COUNT-3: linalg.matmul
// CHECK-NOT: linalg.generic
func.func @not_packed(%a: tensor<8x16xf32>, %b: tensor<16x64xf32>, %c: tensor<8x64xf32>,
                      %c2: tensor<8x24xf32>, %ai: tensor<8x16xi32>, %ci: tensor<8x64xi32>)
    -> (tensor<8x64xf32>, tensor<8x24xf32>, tensor<8x64xi32>) {
  %r = linalg.matmul ins(%a, %b : tensor<8x16xf32>, tensor<16x64xf32>) outs(%c : tensor<8x64xf32>) -> tensor<8x64xf32>
  %b2 = arith.constant dense<1.0> : tensor<16x24xf32>
  %r2 = linalg.matmul ins(%a, %b2 : tensor<8x16xf32>, tensor<16x24xf32>) outs(%c2 : tensor<8x24xf32>) -> tensor<8x24xf32>
  %bi = arith.constant dense<1> : tensor<16x64xi32>
  %ri = linalg.matmul ins(%ai, %bi : tensor<8x16xi32>, tensor<16x64xi32>) outs(%ci : tensor<8x64xi32>) -> tensor<8x64xi32>
  return %r, %r2, %ri : tensor<8x64xf32>, tensor<8x24xf32>, tensor<8x64xi32>
}

// -----

// N = 34 (not a multiple of 32): the whole panel (B's first 32 columns)
// multiplies into C's first 32 columns in place; the last panel holds B's
// last two columns and 30 zero columns and multiplies into C's last two
// columns (read after the first product wrote C) padded with zero columns,
// sliced back and inserted.
// CHECK-LABEL: func @padded_rhs
// CHECK-SAME: (%[[A:.*]]: tensor<4x1xf32>, %[[C:.*]]: tensor<4x34xf32>)
// CHECK-DAG: %[[PT:.*]] = arith.constant dense<{{\[\[\[}}3.200000e+01, 3.300000e+01, 0.000000e+00, {{.*}}, 0.000000e+00]]]> : tensor<1x1x32xf32>
// CHECK-DAG: %[[PH:.*]] = arith.constant dense<{{\[\[\[}}0.000000e+00, 1.000000e+00, {{.*}}, 3.100000e+01]]]> : tensor<1x1x32xf32>
// CHECK: %[[CH:.*]] = tensor.extract_slice %[[C]][0, 0] [4, 32] [1, 1]
// CHECK: %[[CH3:.*]] = tensor.expand_shape %[[CH]] {{\[}}[0], [1, 2]] output_shape [4, 1, 32]
// CHECK: %[[GH:.*]] = linalg.generic
// CHECK-SAME: ins(%[[A]], %[[PH]] : tensor<4x1xf32>, tensor<1x1x32xf32>) outs(%[[CH3]] : tensor<4x1x32xf32>) attrs = {kiln.packed_matmul}
// CHECK: %[[H:.*]] = tensor.collapse_shape %[[GH]]
// CHECK: %[[C1:.*]] = tensor.insert_slice %[[H]] into %[[C]][0, 0] [4, 32] [1, 1]
// CHECK: %[[CT:.*]] = tensor.extract_slice %[[C1]][0, 32] [4, 2] [1, 1]
// CHECK: %[[CTP:.*]] = tensor.pad %[[CT]] low[0, 0] high[0, 30]
// CHECK: %[[CT3:.*]] = tensor.expand_shape %[[CTP]]
// CHECK: %[[GT:.*]] = linalg.generic
// CHECK-SAME: ins(%[[A]], %[[PT]] : tensor<4x1xf32>, tensor<1x1x32xf32>) outs(%[[CT3]] : tensor<4x1x32xf32>) attrs = {kiln.packed_matmul}
// CHECK: %[[T:.*]] = tensor.collapse_shape %[[GT]]
// CHECK: %[[TS:.*]] = tensor.extract_slice %[[T]][0, 0] [4, 2] [1, 1] : tensor<4x32xf32> to tensor<4x2xf32>
// CHECK: %[[R:.*]] = tensor.insert_slice %[[TS]] into %[[C1]][0, 32] [4, 2] [1, 1]
// CHECK: return %[[R]]
func.func @padded_rhs(%a: tensor<4x1xf32>, %c: tensor<4x34xf32>) -> tensor<4x34xf32> {
  %b = arith.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0]]> : tensor<1x34xf32>
  %r = linalg.matmul ins(%a, %b : tensor<4x1xf32>, tensor<1x34xf32>) outs(%c : tensor<4x34xf32>) -> tensor<4x34xf32>
  return %r : tensor<4x34xf32>
}


// -----

// Both operands constant (the case of a convolution's weights, which are
// the A side): A [8, 2] is packed too, into slivers of 8 rows Ap[1, K, 8]
// (Ap[0, k, i] = A[i, k]), and the product is the five-loop generic
// (mo, j, mi, r, k) on C viewed as [M / 8, 8, N / 32, 32], whose
// micro-kernel reads both operands as contiguous streams.
// CHECK-DAG: #[[MA:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d2)>
// CHECK-DAG: #[[MB:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>
// CHECK-DAG: #[[MC:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d3)>
// CHECK-LABEL: func @constant_lhs
// CHECK-SAME: (%[[C:.*]]: tensor<8x32xf32>)
// CHECK-DAG: %[[AP:.*]] = arith.constant dense<{{\[\[\[}}0.000000e+00, 2.000000e+00, 4.000000e+00, 6.000000e+00, 8.000000e+00, 1.000000e+01, 1.200000e+01, 1.400000e+01], [1.000000e+00, 3.000000e+00, 5.000000e+00, 7.000000e+00, 9.000000e+00, 1.100000e+01, 1.300000e+01, 1.500000e+01]]]> : tensor<1x2x8xf32>
// CHECK-DAG: %[[BP:.*]] = arith.constant dense<1.000000e+00> : tensor<1x2x32xf32>
// CHECK: %[[C3:.*]] = tensor.expand_shape %[[C]] {{\[}}[0], [1, 2]] output_shape [8, 1, 32]
// CHECK: %[[C4:.*]] = tensor.expand_shape %[[C3]] {{\[}}[0, 1], [2], [3]] output_shape [1, 8, 1, 32]
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[MA]], #[[MB]], #[[MC]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[AP]], %[[BP]] : tensor<1x2x8xf32>, tensor<1x2x32xf32>) outs(%[[C4]] : tensor<1x8x1x32xf32>) attrs = {kiln.packed_matmul}
// CHECK: tensor.collapse_shape %[[G]] {{\[}}[0, 1], [2], [3]] : tensor<1x8x1x32xf32> into tensor<8x1x32xf32>
func.func @constant_lhs(%c: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %a = arith.constant dense<[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0], [8.0, 9.0], [10.0, 11.0], [12.0, 13.0], [14.0, 15.0]]> : tensor<8x2xf32>
  %b = arith.constant dense<1.0> : tensor<2x32xf32>
  %r = linalg.matmul ins(%a, %b : tensor<8x2xf32>, tensor<2x32xf32>) outs(%c : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}

// -----

// The product's epilogue in its view: the bias broadcast that starts the
// accumulator and the elementwise op that reads the result (tanh, plus a
// residual) are rewritten over C viewed as [M, N / 32, 32], the reshapes
// folded into them, so the start is the product's init as it is and the
// consumer reads the product's result as it is (the residual expanded to
// the view): kiln-tile-and-vectorize then fuses both into its tiles.
// CHECK-LABEL: func @packed_epilogue
// CHECK-SAME: (%[[X:.*]]: tensor<32x128xf32>, %[[RES:.*]]: tensor<32x64xf32>)
// CHECK-DAG: %[[BIAS:.*]] = arith.constant dense<2.500000e-01> : tensor<2x32xf32>
// CHECK: %[[START:.*]] = linalg.generic {{.*}} ins(%[[BIAS]] : tensor<2x32xf32>) outs(%{{.*}} : tensor<32x2x32xf32>)
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%[[X]], %{{.*}} : tensor<32x128xf32>, tensor<2x128x32xf32>) outs(%[[START]] : tensor<32x2x32xf32>) attrs = {kiln.packed_matmul}
// CHECK: %[[RES3:.*]] = tensor.expand_shape %[[RES]] {{\[}}[0], [1, 2]] output_shape [32, 2, 32]
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[P]], %[[RES3]] : tensor<32x2x32xf32>, tensor<32x2x32xf32>) outs(%{{.*}} : tensor<32x2x32xf32>)
// CHECK: math.tanh
// CHECK: %[[OUT:.*]] = tensor.collapse_shape %[[R]] {{\[}}[0], [1, 2]] : tensor<32x2x32xf32> into tensor<32x64xf32>
// CHECK: return %[[OUT]]
#bias = affine_map<(d0, d1) -> (d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @packed_epilogue(%x: tensor<32x128xf32>, %res: tensor<32x64xf32>) -> tensor<32x64xf32> {
  %w = arith.constant dense<0.5> : tensor<128x64xf32>
  %b = arith.constant dense<0.25> : tensor<64xf32>
  %e = tensor.empty() : tensor<32x64xf32>
  %start = linalg.generic {indexing_maps = [#bias, #id], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<64xf32>) outs(%e : tensor<32x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<32x64xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<32x128xf32>, tensor<128x64xf32>) outs(%start : tensor<32x64xf32>) -> tensor<32x64xf32>
  %e2 = tensor.empty() : tensor<32x64xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%mm, %res : tensor<32x64xf32>, tensor<32x64xf32>) outs(%e2 : tensor<32x64xf32>) {
  ^bb0(%in: f32, %r0: f32, %out: f32):
    %t = math.tanh %in : f32
    %s = arith.addf %t, %r0 : f32
    linalg.yield %s : f32
  } -> tensor<32x64xf32>
  return %r : tensor<32x64xf32>
}

// -----

// A zero start (a fill, no bias) is reshaped into the view too.
// CHECK-LABEL: func @packed_zero_start
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<4x2x32xf32>)
// CHECK: linalg.generic {{.*}} outs(%[[Z]] : tensor<4x2x32xf32>) attrs = {kiln.packed_matmul}
func.func @packed_zero_start(%x: tensor<4x16xf32>) -> tensor<4x64xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<16x64xf32>
  %e = tensor.empty() : tensor<4x64xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x64xf32>) -> tensor<4x64xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<4x16xf32>, tensor<16x64xf32>) outs(%z : tensor<4x64xf32>) -> tensor<4x64xf32>
  return %mm : tensor<4x64xf32>
}

// -----

// One zero fill serving two products (CSE merges equal fills): each
// product gets a fill of its own view. A broadcast start with another use
// and a consumer that reduces stay on [M, N] as they are.
// CHECK-LABEL: func @shared_fill_and_unfused
// CHECK: %[[Z1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<4x2x32xf32>)
// CHECK: %[[P1:.*]] = linalg.generic {{.*}} outs(%[[Z1]] : tensor<4x2x32xf32>) attrs = {kiln.packed_matmul}
// CHECK: %[[Z2:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<4x2x32xf32>)
// CHECK: %[[P2:.*]] = linalg.generic {{.*}} outs(%[[Z2]] : tensor<4x2x32xf32>) attrs = {kiln.packed_matmul}
// CHECK: %[[START:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<4x64xf32>)
// CHECK: %[[V:.*]] = tensor.expand_shape %[[START]]
// CHECK: %[[P3:.*]] = linalg.generic {{.*}} outs(%[[V]] : tensor<4x2x32xf32>) attrs = {kiln.packed_matmul}
// CHECK: %[[C3:.*]] = tensor.collapse_shape %[[P3]]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[C3]] : tensor<4x64xf32>)
#sf_bias = affine_map<(d0, d1) -> (d1)>
#sf_id = affine_map<(d0, d1) -> (d0, d1)>
#sf_row = affine_map<(d0, d1) -> (d0)>
func.func @shared_fill_and_unfused(%x: tensor<4x16xf32>, %b: tensor<64xf32>) -> (tensor<4x64xf32>, tensor<4x64xf32>, tensor<4xf32>, tensor<4x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<16x64xf32>
  %w2 = arith.constant dense<0.25> : tensor<16x64xf32>
  %e = tensor.empty() : tensor<4x64xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x64xf32>) -> tensor<4x64xf32>
  %m1 = linalg.matmul ins(%x, %w : tensor<4x16xf32>, tensor<16x64xf32>) outs(%z : tensor<4x64xf32>) -> tensor<4x64xf32>
  %m2 = linalg.matmul ins(%x, %w2 : tensor<4x16xf32>, tensor<16x64xf32>) outs(%z : tensor<4x64xf32>) -> tensor<4x64xf32>
  %start = linalg.generic {indexing_maps = [#sf_bias, #sf_id], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<64xf32>) outs(%e : tensor<4x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<4x64xf32>
  %m3 = linalg.matmul ins(%x, %w : tensor<4x16xf32>, tensor<16x64xf32>) outs(%start : tensor<4x64xf32>) -> tensor<4x64xf32>
  %e1 = tensor.empty() : tensor<4xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4xf32>) -> tensor<4xf32>
  %sum = linalg.generic {indexing_maps = [#sf_id, #sf_row], iterator_types = ["parallel", "reduction"]}
      ins(%m3 : tensor<4x64xf32>) outs(%f1 : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = arith.addf %in, %out : f32
    linalg.yield %a : f32
  } -> tensor<4xf32>
  return %m1, %m2, %sum, %start : tensor<4x64xf32>, tensor<4x64xf32>, tensor<4xf32>, tensor<4x64xf32>
}

// matmul, gemm and conv lower to the named linalg ops the CPU strategy
// recognizes; bias and beta * C initialize the accumulator.
// RUN: kiln-opt %s -split-input-file -convert-graph-to-linalg | FileCheck %s

// CHECK-LABEL: func @matmul_2d
// CHECK-SAME: (%[[A:.*]]: tensor<4x8xf32>, %[[B:.*]]: tensor<8x16xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<4x16xf32>
// CHECK: %[[ACC:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[EMPTY]] : tensor<4x16xf32>)
// CHECK: %[[R:.*]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<4x8xf32>, tensor<8x16xf32>) outs(%[[ACC]] : tensor<4x16xf32>)
// CHECK: return %[[R]]
func.func @matmul_2d(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %0 = kiln.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// Batched lhs against a matrix: the batch folds into M, one matmul.
// CHECK-LABEL: func @matmul_batch_times_matrix
// CHECK-SAME: (%[[A:.*]]: tensor<2x4x8xf32>, %[[B:.*]]: tensor<8x16xf32>)
// CHECK: %[[A2:.*]] = tensor.collapse_shape %[[A]] {{\[\[}}0, 1], [2]] : tensor<2x4x8xf32> into tensor<8x8xf32>
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[A2]], %[[B]] : tensor<8x8xf32>, tensor<8x16xf32>)
// CHECK: %[[R:.*]] = tensor.expand_shape %[[P]] {{\[\[}}0, 1], [2]] output_shape [2, 4, 16] : tensor<8x16xf32> into tensor<2x4x16xf32>
// CHECK: return %[[R]]
// CHECK-NOT: linalg.batch_matmul
func.func @matmul_batch_times_matrix(%a: tensor<2x4x8xf32>, %b: tensor<8x16xf32>) -> tensor<2x4x16xf32> {
  %0 = kiln.matmul %a, %b : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<2x4x16xf32>
  return %0 : tensor<2x4x16xf32>
}

// -----

// Batch dims broadcast ([2,1] x [3] -> [2,3]) and fold into one batch of 6.
// CHECK-DAG: #[[$LHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, 0, d2, d3)>
// CHECK-DAG: #[[$RHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
// CHECK-LABEL: func @matmul_batch_broadcast
// CHECK-SAME: (%[[A:.*]]: tensor<2x1x4x8xf32>, %[[B:.*]]: tensor<3x8x16xf32>)
// CHECK: %[[AB:.*]] = linalg.generic {indexing_maps = [#[[$LHS]], {{.*}}]{{.*}} ins(%[[A]] : tensor<2x1x4x8xf32>) outs(%{{.*}} : tensor<2x3x4x8xf32>)
// CHECK: %[[A3:.*]] = tensor.collapse_shape %[[AB]] {{\[\[}}0, 1], [2], [3]] : tensor<2x3x4x8xf32> into tensor<6x4x8xf32>
// CHECK: %[[BB:.*]] = linalg.generic {indexing_maps = [#[[$RHS]], {{.*}}]{{.*}} ins(%[[B]] : tensor<3x8x16xf32>) outs(%{{.*}} : tensor<2x3x8x16xf32>)
// CHECK: %[[B3:.*]] = tensor.collapse_shape %[[BB]] {{\[\[}}0, 1], [2], [3]] : tensor<2x3x8x16xf32> into tensor<6x8x16xf32>
// CHECK: %[[P:.*]] = linalg.batch_matmul ins(%[[A3]], %[[B3]] : tensor<6x4x8xf32>, tensor<6x8x16xf32>) outs(%{{.*}} : tensor<6x4x16xf32>)
// CHECK: tensor.expand_shape %[[P]] {{\[\[}}0, 1], [2], [3]] output_shape [2, 3, 4, 16]
func.func @matmul_batch_broadcast(%a: tensor<2x1x4x8xf32>, %b: tensor<3x8x16xf32>) -> tensor<2x3x4x16xf32> {
  %0 = kiln.matmul %a, %b : (tensor<2x1x4x8xf32>, tensor<3x8x16xf32>) -> tensor<2x3x4x16xf32>
  return %0 : tensor<2x3x4x16xf32>
}

// -----

// numpy vector promotion: a 1-D lhs is a 1 x K row, a 1-D rhs a K x 1 column,
// and the promoted axis is dropped from the result.
// CHECK-LABEL: func @matmul_vectors
// CHECK-SAME: (%[[V:.*]]: tensor<8xf32>, %[[B:.*]]: tensor<8x16xf32>, %[[A:.*]]: tensor<4x8xf32>)
// CHECK: %[[ROW:.*]] = tensor.expand_shape %[[V]] {{\[\[}}0, 1]] output_shape [1, 8] : tensor<8xf32> into tensor<1x8xf32>
// CHECK: %[[P1:.*]] = linalg.matmul ins(%[[ROW]], %[[B]] : tensor<1x8xf32>, tensor<8x16xf32>)
// CHECK: %[[R1:.*]] = tensor.collapse_shape %[[P1]] {{\[\[}}0, 1]] : tensor<1x16xf32> into tensor<16xf32>
// CHECK: %[[COL:.*]] = tensor.expand_shape %[[V]] {{\[\[}}0, 1]] output_shape [8, 1] : tensor<8xf32> into tensor<8x1xf32>
// CHECK: %[[P2:.*]] = linalg.matmul ins(%[[A]], %[[COL]] : tensor<4x8xf32>, tensor<8x1xf32>)
// CHECK: %[[R2:.*]] = tensor.collapse_shape %[[P2]] {{\[\[}}0, 1]] : tensor<4x1xf32> into tensor<4xf32>
// CHECK: return %[[R1]], %[[R2]]
func.func @matmul_vectors(%v: tensor<8xf32>, %b: tensor<8x16xf32>, %a: tensor<4x8xf32>) -> (tensor<16xf32>, tensor<4xf32>) {
  %0 = kiln.matmul %v, %b : (tensor<8xf32>, tensor<8x16xf32>) -> tensor<16xf32>
  %1 = kiln.matmul %a, %v : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<16xf32>, tensor<4xf32>
}

// -----

// With alpha = beta = 1, C broadcast to M x N is the accumulator's initial
// value: no fill, no epilogue.
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @gemm_bias_accumulator
// CHECK-SAME: (%[[A:.*]]: tensor<4x8xf32>, %[[B:.*]]: tensor<8x16xf32>, %[[C:.*]]: tensor<16xf32>)
// CHECK-NOT: linalg.fill
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[$ROW]], {{.*}}]{{.*}} ins(%[[C]] : tensor<16xf32>) outs(%{{.*}} : tensor<4x16xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]] : f32
// CHECK: %[[R:.*]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<4x8xf32>, tensor<8x16xf32>) outs(%[[INIT]] : tensor<4x16xf32>)
// CHECK-NEXT: return %[[R]]
func.func @gemm_bias_accumulator(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<16xf32>) -> tensor<4x16xf32> {
  %0 = kiln.gemm %a, %b, %c : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// beta != 1 scales C while building the accumulator.
// CHECK-DAG: #[[$COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func @gemm_beta
// CHECK-SAME: (%[[A:.*]]: tensor<4x8xf32>, %[[B:.*]]: tensor<8x16xf32>, %[[C:.*]]: tensor<4x1xf32>)
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[$COL]], {{.*}}]{{.*}} ins(%[[C]] : tensor<4x1xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[BETA:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[S:.*]] = arith.mulf %[[IN]], %[[BETA]] : f32
// CHECK: linalg.yield %[[S]]
// CHECK: %[[R:.*]] = linalg.matmul ins(%[[A]], %[[B]] : {{.*}}) outs(%[[INIT]] : tensor<4x16xf32>)
// CHECK-NEXT: return %[[R]]
func.func @gemm_beta(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x1xf32>) -> tensor<4x16xf32> {
  %0 = kiln.gemm %a, %b, %c {beta = 0.5 : f32} : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<4x1xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// alpha != 1: zero accumulator, then alpha * AB + beta * C in one epilogue.
// Transposed operands become linalg.transpose.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @gemm_alpha_beta_transposed
// CHECK-SAME: (%[[A:.*]]: tensor<8x4xf32>, %[[B:.*]]: tensor<16x8xf32>, %[[C:.*]]: tensor<16xf32>)
// CHECK: %[[AT:.*]] = linalg.transpose ins(%[[A]] : tensor<8x4xf32>) outs(%{{.*}} : tensor<4x8xf32>) permutation = [1, 0]
// CHECK: %[[BT:.*]] = linalg.transpose ins(%[[B]] : tensor<16x8xf32>) outs(%{{.*}} : tensor<8x16xf32>) permutation = [1, 0]
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[ACC:.*]] = linalg.fill ins(%[[ZERO]] : f32)
// CHECK: %[[AB:.*]] = linalg.matmul ins(%[[AT]], %[[BT]] : tensor<4x8xf32>, tensor<8x16xf32>) outs(%[[ACC]] : tensor<4x16xf32>)
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ID]]]{{.*}} ins(%[[AB]], %[[C]] : tensor<4x16xf32>, tensor<16xf32>)
// CHECK: ^bb0(%[[P:.*]]: f32, %[[CIN:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[ALPHA:.*]] = arith.constant 2.000000e+00 : f32
// CHECK: %[[SP:.*]] = arith.mulf %[[P]], %[[ALPHA]] : f32
// CHECK: %[[BETA:.*]] = arith.constant 3.000000e+00 : f32
// CHECK: %[[SC:.*]] = arith.mulf %[[CIN]], %[[BETA]] : f32
// CHECK: %[[SUM:.*]] = arith.addf %[[SP]], %[[SC]] : f32
// CHECK: linalg.yield %[[SUM]]
// CHECK: return %[[R]]
func.func @gemm_alpha_beta_transposed(%a: tensor<8x4xf32>, %b: tensor<16x8xf32>, %c: tensor<16xf32>) -> tensor<4x16xf32> {
  %0 = kiln.gemm %a, %b, %c {alpha = 2.0 : f32, beta = 3.0 : f32, trans_a = true, trans_b = true}
      : (tensor<8x4xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// beta = 0 ignores C.
// CHECK-LABEL: func @gemm_beta_zero
// CHECK-SAME: %[[C:[^:]*]]: tensor<16xf32>)
// CHECK-NOT: %[[C]]
// CHECK: %[[ACC:.*]] = linalg.fill
// CHECK-NOT: %[[C]]
// CHECK: %[[R:.*]] = linalg.matmul {{.*}} outs(%[[ACC]] : tensor<4x16xf32>)
// CHECK-NEXT: return %[[R]]
func.func @gemm_beta_zero(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<16xf32>) -> tensor<4x16xf32> {
  %0 = kiln.gemm %a, %b, %c {beta = 0.0 : f32} : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// Explicit pads become a zero tensor.pad; the bias, reshaped to M x 1 x 1,
// is broadcast into the accumulator; strides and dilations carry over.
// CHECK-DAG: #[[$BIAS:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>
// CHECK-LABEL: func @conv_2d
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[PAD:.*]] = tensor.pad %[[X]] low[0, 0, 1, 0] high[0, 0, 0, 1]
// CHECK: tensor.yield %[[ZERO]] : f32
// CHECK: } : tensor<1x3x8x8xf32> to tensor<1x3x9x9xf32>
// CHECK: %[[B3:.*]] = tensor.expand_shape %[[B]] {{\[\[}}0, 1, 2]] output_shape [4, 1, 1]
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[$BIAS]], {{.*}}]{{.*}} ins(%[[B3]] : tensor<4x1x1xf32>) outs(%{{.*}} : tensor<1x4x4x3xf32>)
// CHECK: %[[R:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<[1, 2]> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[PAD]], %[[W]] : tensor<1x3x9x9xf32>, tensor<4x3x3x3xf32>) outs(%[[INIT]] : tensor<1x4x4x3xf32>)
// CHECK: return %[[R]]
func.func @conv_2d(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x3xf32> {
  %0 = kiln.conv %x, %w, %b {dilations = array<i64: 1, 2>, pads = array<i64: 1, 0, 0, 1>, strides = array<i64: 2, 2>}
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x3xf32>
  return %0 : tensor<1x4x4x3xf32>
}

// -----

// Without pads no tensor.pad; without bias a zero fill.
// CHECK-LABEL: func @conv_2d_no_pad_no_bias
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>)
// CHECK-NOT: tensor.pad
// CHECK: %[[ACC:.*]] = linalg.fill
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins(%[[X]], %[[W]] : {{.*}}) outs(%[[ACC]] : tensor<1x4x6x6xf32>)
func.func @conv_2d_no_pad_no_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  %0 = kiln.conv %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

// group == channels == output channels: depthwise, as an elementwise sum of
// the 9 window taps (strided slices of the input, offset by the tap) times the
// tap's [C] weights, read along the output row.
// CHECK-LABEL: func @conv_depthwise
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x9x9xf32>, %[[W:.*]]: tensor<4x1x3x3xf32>)
// CHECK: %[[T0:.*]] = tensor.extract_slice %[[X]][0, 0, 0, 0] [1, 4, 4, 4] [1, 1, 2, 2] : tensor<1x4x9x9xf32> to tensor<1x4x4x4xf32>
// CHECK: %[[T1:.*]] = tensor.extract_slice %[[X]][0, 0, 0, 1] [1, 4, 4, 4] [1, 1, 2, 2]
// CHECK: tensor.extract_slice %[[X]][0, 0, 2, 2] [1, 4, 4, 4] [1, 1, 2, 2]
// CHECK: %[[W0S:.*]] = tensor.extract_slice %[[W]][0, 0, 0, 0] [4, 1, 1, 1] [1, 1, 1, 1]
// CHECK: %[[W0:.*]] = tensor.collapse_shape %[[W0S]] {{.*}} into tensor<4xf32>
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%[[T0]], %[[T1]],
// CHECK: ^bb0(%[[A0:[^:]*]]: f32, %[[A1:[^:]*]]: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %[[B0:[^:]*]]: f32, %[[B1:[^:]*]]: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{[^:]*}}: f32):
// CHECK: %[[P0:.*]] = arith.mulf %[[A0]], %[[B0]] fastmath<contract>
// CHECK: %[[P1:.*]] = arith.mulf %[[A1]], %[[B1]] fastmath<contract>
// CHECK: arith.addf %[[P0]], %[[P1]] fastmath<contract>
// CHECK-NOT: linalg.depthwise_conv_2d_nchw_chw
func.func @conv_depthwise(%x: tensor<1x4x9x9xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x4x4xf32> {
  %0 = kiln.conv %x, %w {group = 4 : i64, strides = array<i64: 2, 2>} : (tensor<1x4x9x9xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// A bias starts the sum, read per channel like the weights.
// CHECK-LABEL: func @conv_depthwise_bias
// CHECK-SAME: %[[B:[^:]*]]: tensor<4xf32>)
// CHECK: linalg.generic
// CHECK-SAME: ins({{.*}}, %[[B]] : {{.*}}, tensor<4xf32>)
// CHECK: ^bb0(%[[A0:[^:]*]]: f32, {{.*}}, %[[BIAS:[^:]*]]: f32, %{{[^:]*}}: f32):
// CHECK: %[[P0:.*]] = arith.mulf %[[A0]]
// CHECK: arith.addf %[[BIAS]], %[[P0]]
func.func @conv_depthwise_bias(%x: tensor<1x4x8x8xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x6x6xf32> {
  %0 = kiln.conv %x, %w, %b {group = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

// f16 Gemm accumulates in f32, like MatMul: C is extended to f32 for the
// accumulator's start, the f16 inputs multiply into the f32 accumulator
// and the result rounds once to f16.
// CHECK-LABEL: func @gemm_f16
// CHECK-SAME: (%[[A:.*]]: tensor<4x8xf16>, %[[B:.*]]: tensor<8x16xf16>, %[[C:.*]]: tensor<16xf16>)
// CHECK: %[[C32:.*]] = linalg.generic {{.*}} ins(%[[C]] : tensor<16xf16>) outs(%{{.*}} : tensor<16xf32>)
// CHECK: arith.extf {{.*}} : f16 to f32
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%[[C32]] : tensor<16xf32>) outs(%{{.*}} : tensor<4x16xf32>)
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<4x8xf16>, tensor<8x16xf16>) outs(%[[INIT]] : tensor<4x16xf32>)
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[P]] : tensor<4x16xf32>) outs(%{{.*}} : tensor<4x16xf16>)
// CHECK: arith.truncf {{.*}} : f32 to f16
// CHECK: return %[[R]]
func.func @gemm_f16(%a: tensor<4x8xf16>, %b: tensor<8x16xf16>, %c: tensor<16xf16>) -> tensor<4x16xf16> {
  %0 = kiln.gemm %a, %b, %c : (tensor<4x8xf16>, tensor<8x16xf16>, tensor<16xf16>) -> tensor<4x16xf16>
  return %0 : tensor<4x16xf16>
}

// -----

// f16 depthwise taps accumulate in f32 and round once.
// CHECK-LABEL: func @conv_depthwise_f16
// CHECK: linalg.generic
// CHECK-COUNT-2: arith.extf {{.*}} : f16 to f32
// CHECK: arith.mulf {{.*}} : f32
// CHECK: arith.truncf {{.*}} : f32 to f16
func.func @conv_depthwise_f16(%x: tensor<1x4x8x8xf16>, %w: tensor<4x1x3x3xf16>) -> tensor<1x4x6x6xf16> {
  %0 = kiln.conv %x, %w {group = 4 : i64} : (tensor<1x4x8x8xf16>, tensor<4x1x3x3xf16>) -> tensor<1x4x6x6xf16>
  return %0 : tensor<1x4x6x6xf16>
}

// -----

// f16 convolutions accumulate in f32, like MatMul and Gemm: the bias is
// extended to f32 for the accumulator's start, the named convolution reads
// the f16 operands into the f32 accumulator, and the result rounds once.
// CHECK-LABEL: func @conv_f16_bias
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x8xf16>, %[[W:.*]]: tensor<4x3x3x3xf16>, %[[B:.*]]: tensor<4xf16>)
// CHECK: %[[B32:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<4xf16>) outs(%{{.*}} : tensor<4xf32>)
// CHECK: arith.extf {{.*}} : f16 to f32
// CHECK: %[[B4:.*]] = tensor.expand_shape %[[B32]]
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%[[B4]] : tensor<4x1x1xf32>) outs(%{{.*}} : tensor<1x4x6x6xf32>)
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[X]], %[[W]] : tensor<1x3x8x8xf16>, tensor<4x3x3x3xf16>) outs(%[[INIT]] : tensor<1x4x6x6xf32>)
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[C]] : tensor<1x4x6x6xf32>) outs(%{{.*}} : tensor<1x4x6x6xf16>)
// CHECK: arith.truncf {{.*}} : f32 to f16
// CHECK: return %[[R]]
func.func @conv_f16_bias(%x: tensor<1x3x8x8xf16>, %w: tensor<4x3x3x3xf16>, %b: tensor<4xf16>) -> tensor<1x4x6x6xf16> {
  %0 = kiln.conv %x, %w, %b : (tensor<1x3x8x8xf16>, tensor<4x3x3x3xf16>, tensor<4xf16>) -> tensor<1x4x6x6xf16>
  return %0 : tensor<1x4x6x6xf16>
}

// -----

// The generic convolution (3-D here) extends each bf16 factor to the f32
// accumulator's type in its body.
// CHECK-LABEL: func @conv_3d_bf16
// CHECK: %[[C:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x5x5x4xbf16>, tensor<3x2x2x2x2xbf16>) outs(%{{.*}} : tensor<1x3x4x4x3xf32>)
// CHECK: ^bb0(%[[IN:.*]]: bf16, %[[K:.*]]: bf16, %[[ACC:.*]]: f32):
// CHECK:   %[[A:.*]] = arith.extf %[[IN]] : bf16 to f32
// CHECK:   %[[B:.*]] = arith.extf %[[K]] : bf16 to f32
// CHECK:   %[[P:.*]] = arith.mulf %[[A]], %[[B]] : f32
// CHECK:   arith.addf %[[ACC]], %[[P]] : f32
// CHECK: linalg.generic {{.*}} ins(%[[C]] : tensor<1x3x4x4x3xf32>) outs(%{{.*}} : tensor<1x3x4x4x3xbf16>)
// CHECK:   arith.truncf {{.*}} : f32 to bf16
func.func @conv_3d_bf16(%x: tensor<1x2x5x5x4xbf16>, %w: tensor<3x2x2x2x2xbf16>) -> tensor<1x3x4x4x3xbf16> {
  %0 = kiln.conv %x, %w : (tensor<1x2x5x5x4xbf16>, tensor<3x2x2x2x2xbf16>) -> tensor<1x3x4x4x3xbf16>
  return %0 : tensor<1x3x4x4x3xbf16>
}

// -----

// Transposed f16 convolutions too: an f32 accumulator, rounded once.
// CHECK-LABEL: func @conv_transpose_f16
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x4x8x8xf16>, tensor<3x4x3x3xf16>) outs(%{{.*}} : tensor<1x3x6x6xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[C]] : tensor<1x3x6x6xf32>) outs(%{{.*}} : tensor<1x3x6x6xf16>)
// CHECK:   arith.truncf {{.*}} : f32 to f16
func.func @conv_transpose_f16(%x: tensor<1x4x4x4xf16>, %w: tensor<4x3x3x3xf16>) -> tensor<1x3x6x6xf16> {
  %0 = kiln.conv_transpose %x, %w {output_sizes = array<i64: 6, 6>} : (tensor<1x4x4x4xf16>, tensor<4x3x3x3xf16>) -> tensor<1x3x6x6xf16>
  return %0 : tensor<1x3x6x6xf16>
}

// -----

// Windows of more than 64 taps keep the named depthwise op.
// CHECK-LABEL: func @conv_depthwise_large_window
// CHECK: %[[W3:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2], [3]] : tensor<2x1x9x9xf32> into tensor<2x9x9xf32>
// CHECK: linalg.depthwise_conv_2d_nchw_chw {{.*}} ins(%{{.*}}, %[[W3]] : tensor<1x2x9x9xf32>, tensor<2x9x9xf32>)
func.func @conv_depthwise_large_window(%x: tensor<1x2x9x9xf32>, %w: tensor<2x1x9x9xf32>) -> tensor<1x2x1x1xf32> {
  %0 = kiln.conv %x, %w {group = 2 : i64} : (tensor<1x2x9x9xf32>, tensor<2x1x9x9xf32>) -> tensor<1x2x1x1xf32>
  return %0 : tensor<1x2x1x1xf32>
}

// -----

// Grouped with long reductions (8 channels a group x 9 taps) too: one
// generic over the groups (the CPU code generator runs a named convolution
// a group, kiln-split-grouped-convs; the GPU's one product over the
// groups). Its zero start is filled split already.
// CHECK-LABEL: func @conv_grouped
// CHECK-SAME: (%[[X:.*]]: tensor<1x16x8x8xf32>, %[[W:.*]]: tensor<6x8x3x3xf32>)
// CHECK: %[[XG:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 8, 8, 8]
// CHECK: %[[WG:.*]] = tensor.expand_shape %[[W]] {{\[}}[0, 1], [2], [3], [4]] output_shape [2, 3, 8, 3, 3]
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x2x3x6x6xf32>)
// CHECK: %[[G:.*]] = linalg.generic {{.*}} ins(%[[XG]], %[[WG]] : tensor<1x2x8x8x8xf32>, tensor<2x3x8x3x3xf32>) outs(%[[ACC]] : tensor<1x2x3x6x6xf32>)
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x3x6x6xf32> into tensor<1x6x6x6xf32>
// CHECK: return %[[R]]
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @conv_grouped(%x: tensor<1x16x8x8xf32>, %w: tensor<6x8x3x3xf32>) -> tensor<1x6x6x6xf32> {
  %0 = kiln.conv %x, %w {group = 2 : i64} : (tensor<1x16x8x8xf32>, tensor<6x8x3x3xf32>) -> tensor<1x6x6x6xf32>
  return %0 : tensor<1x6x6x6xf32>
}

// -----

// Short reductions (a depthwise conv with a channel multiplier, 9 products
// a group): one generic over (n, group, m, oh, ow, c, kh, kw), its
// operands' channels split into groups by free reshapes. The accumulator
// starts split already: the bias, reshaped to [G, M/G, 1, 1], is broadcast
// into [N, G, M/G, OH, OW], so the start is the generic's own init.
// CHECK-DAG: #[[$BIAS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d2, 0, 0)>
// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 + d6, d4 + d7)>
// CHECK-DAG: #[[$W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func @conv_channel_multiplier
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x8x8xf32>, %[[W:.*]]: tensor<4x1x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK-NOT: linalg.depthwise_conv_2d_nchw_chw
// CHECK: %[[XG:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 1, 8, 8]
// CHECK: %[[WG:.*]] = tensor.expand_shape %[[W]] {{\[}}[0, 1], [2], [3], [4]] output_shape [2, 2, 1, 3, 3]
// CHECK: %[[BG:.*]] = tensor.expand_shape %[[B]] {{\[}}[0, 1, 2, 3]] output_shape [2, 2, 1, 1]
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[$BIAS]], {{.*}}]{{.*}} ins(%[[BG]] : tensor<2x2x1x1xf32>) outs(%{{.*}} : tensor<1x2x2x6x6xf32>)
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[$IN]], #[[$W]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[XG]], %[[WG]] : {{.*}}) outs(%[[ACC]] : tensor<1x2x2x6x6xf32>)
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x2x6x6xf32> into tensor<1x4x6x6xf32>
// CHECK: return %[[R]]
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @conv_channel_multiplier(%x: tensor<1x2x8x8xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x6x6xf32> {
  %0 = kiln.conv %x, %w, %b {group = 2 : i64} : (tensor<1x2x8x8xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

// 1-D: a 2-D convolution of height 1 between free reshapes, so it takes the
// 2-D paths (im2col matmul, depthwise taps).
// CHECK-LABEL: func @conv_1d
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x10xf32>, %[[W:.*]]: tensor<6x3x3xf32>)
// CHECK: %[[X4:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1], [2, 3]] output_shape [1, 3, 1, 10]
// CHECK: %[[W4:.*]] = tensor.expand_shape %[[W]] {{\[}}[0], [1], [2, 3]] output_shape [6, 3, 1, 3]
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 2]> : tensor<2xi64>} ins(%[[X4]], %[[W4]] : tensor<1x3x1x10xf32>, tensor<6x3x1x3xf32>) outs(%{{.*}} : tensor<1x6x1x4xf32>)
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[C]] {{\[}}[0], [1], [2, 3]] : tensor<1x6x1x4xf32> into tensor<1x6x4xf32>
// CHECK: return %[[R]]
func.func @conv_1d(%x: tensor<1x3x10xf32>, %w: tensor<6x3x3xf32>) -> tensor<1x6x4xf32> {
  %0 = kiln.conv %x, %w {strides = array<i64: 2>} : (tensor<1x3x10xf32>, tensor<6x3x3xf32>) -> tensor<1x6x4xf32>
  return %0 : tensor<1x6x4xf32>
}

// -----

// 3-D: a generic over (n, m, od, oh, ow, c, kd, kh, kw) with strided and
// dilated input accesses.
// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8) -> (d0, d5, d2 * 2 + d6, d3 + d7 * 2, d4 + d8)>
// CHECK-DAG: #[[$W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8) -> (d1, d5, d6, d7, d8)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func @conv_3d
// CHECK: linalg.generic {indexing_maps = [#[[$IN]], #[[$W]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "reduction"]}
// CHECK: ^bb0(%[[I:.*]]: f32, %[[K:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: %[[P:.*]] = arith.mulf %[[I]], %[[K]] : f32
// CHECK: %[[S:.*]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK: linalg.yield %[[S]]
func.func @conv_3d(%x: tensor<1x2x5x5x4xf32>, %w: tensor<3x2x2x2x2xf32>) -> tensor<1x3x2x3x3xf32> {
  %0 = kiln.conv %x, %w {dilations = array<i64: 1, 2, 1>, strides = array<i64: 2, 1, 1>}
      : (tensor<1x2x5x5x4xf32>, tensor<3x2x2x2x2xf32>) -> tensor<1x3x2x3x3xf32>
  return %0 : tensor<1x3x2x3x3xf32>
}

// -----

// Grouped 1-D (2 channels a group x 3 taps): as a 2-D convolution of
// height 1, one generic over the groups.
// CHECK-LABEL: func @conv_1d_grouped
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x2x1x10xf32>, tensor<2x2x2x1x3xf32>) outs(%{{.*}} : tensor<1x2x2x1x8xf32>)
// CHECK: tensor.collapse_shape {{.*}} : tensor<1x2x2x1x8xf32> into tensor<1x4x1x8xf32>
// CHECK: tensor.collapse_shape {{.*}} : tensor<1x4x1x8xf32> into tensor<1x4x8xf32>
// CHECK-NOT: linalg.conv_1d_ncw_fcw
func.func @conv_1d_grouped(%x: tensor<1x4x10xf32>, %w: tensor<4x2x3xf32>) -> tensor<1x4x8xf32> {
  %0 = kiln.conv %x, %w {group = 2 : i64} : (tensor<1x4x10xf32>, tensor<4x2x3xf32>) -> tensor<1x4x8xf32>
  return %0 : tensor<1x4x8xf32>
}

// -----

// A transposed convolution: the input is spread out by the strides into a
// zero tensor (a strided insert_slice), the kernel reversed (a gather) with
// its channel axes swapped, and the output is a stride-1 2-D convolution of
// the window that starts at pad + k - 1 - pad = 1.
// CHECK-LABEL: func @conv_transpose
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x4x11x11xf32>)
// CHECK: %[[SPREAD:.*]] = tensor.insert_slice %{{.*}} into %[[Z]][0, 0, 2, 2] [1, 4, 4, 4] [1, 1, 2, 2]
// CHECK: %[[FLIP:.*]] = linalg.generic
// CHECK:   %[[I2:.*]] = linalg.index 2 : index
// CHECK:   arith.subi %{{.*}}, %[[I2]] : index
// CHECK:   tensor.extract
// CHECK: %[[K:.*]] = linalg.transpose ins(%[[FLIP]] : tensor<4x3x3x3xf32>) outs(%{{.*}} : tensor<3x4x3x3xf32>) permutation = [1, 0, 2, 3]
// CHECK: %[[WIN:.*]] = tensor.extract_slice %[[SPREAD]][0, 0, 1, 1] [1, 4, 10, 10] [1, 1, 1, 1]
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[WIN]], %[[K]] : tensor<1x4x10x10xf32>, tensor<3x4x3x3xf32>) outs(%{{.*}} : tensor<1x3x8x8xf32>)
func.func @conv_transpose(%x: tensor<1x4x4x4xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x3x8x8xf32> {
  %0 = kiln.conv_transpose %x, %w {output_sizes = array<i64: 8, 8>, pads_begin = array<i64: 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

// A grouped transposed convolution (depthwise, 4 groups: a 2x upsampler) is
// the grouped convolution of the spread input's window by the reversed
// kernel with its channel axes swapped within each group ([C, M/G, k...]
// as [G, C/G, M/G, k...] transposed to [G, M/G, C/G, k...], i.e. [M,
// C/G, k...]): its groups' reductions are short (16 products), so one
// generic over (n, group, m, oh, ow, c, kh, kw).
// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 + d6, d4 + d7)>
// CHECK-DAG: #[[$W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
// CHECK-LABEL: func @conv_transpose_depthwise
// CHECK: %[[SPREAD:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 3, 3] [1, 4, 4, 4] [1, 1, 2, 2]
// CHECK: %[[FLIP:.*]] = linalg.generic
// CHECK: %[[WG:.*]] = tensor.expand_shape %[[FLIP]] {{\[}}[0], [1], [2, 3], [4]] output_shape [4, 1, 1, 4, 4]
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[WG]] : tensor<4x1x1x4x4xf32>) outs(%{{.*}} : tensor<4x1x1x4x4xf32>) permutation = [0, 2, 1, 3, 4]
// CHECK: %[[K:.*]] = tensor.collapse_shape %[[T]] {{.*}} : tensor<4x1x1x4x4xf32> into tensor<4x1x4x4xf32>
// CHECK: %[[WIN:.*]] = tensor.extract_slice %[[SPREAD]][0, 0, 1, 1] [1, 4, 11, 11] [1, 1, 1, 1]
// CHECK: %[[XG:.*]] = tensor.expand_shape %[[WIN]] {{.*}} output_shape [1, 4, 1, 11, 11]
// CHECK: %[[KG:.*]] = tensor.expand_shape %[[K]] {{.*}} output_shape [4, 1, 1, 4, 4]
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[$IN]], #[[$W]], {{.*}}]{{.*}} ins(%[[XG]], %[[KG]] : {{.*}}) outs(%{{.*}} : tensor<1x4x1x8x8xf32>)
// CHECK: tensor.collapse_shape %[[G]] {{.*}} : tensor<1x4x1x8x8xf32> into tensor<1x4x8x8xf32>
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @conv_transpose_depthwise(%x: tensor<1x4x4x4xf32>, %w: tensor<4x1x4x4xf32>) -> tensor<1x4x8x8xf32> {
  %0 = kiln.conv_transpose %x, %w {group = 4 : i64, output_sizes = array<i64: 8, 8>, pads_begin = array<i64: 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x4x4xf32>, tensor<4x1x4x4xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

// Groups of long reductions (8 channels x 9 taps): the grouped generic of
// the window by the kernel, each group's kernel [M/G, C/G, 3, 3] from its
// [C/G, M/G] block, transposed.
// CHECK-LABEL: func @conv_transpose_grouped
// CHECK: %[[WG:.*]] = tensor.expand_shape %{{.*}} output_shape [2, 8, 3, 3, 3] : tensor<16x3x3x3xf32> into tensor<2x8x3x3x3xf32>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[WG]] : tensor<2x8x3x3x3xf32>) outs(%{{.*}} : tensor<2x3x8x3x3xf32>) permutation = [0, 2, 1, 3, 4]
// CHECK: %[[K:.*]] = tensor.collapse_shape %[[T]] {{.*}} : tensor<2x3x8x3x3xf32> into tensor<6x8x3x3xf32>
// CHECK: %[[WIN:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 16, 6, 6] [1, 1, 1, 1]
// CHECK: %[[XG:.*]] = tensor.expand_shape %[[WIN]] {{.*}} output_shape [1, 2, 8, 6, 6]
// CHECK: %[[KG:.*]] = tensor.expand_shape %[[K]] {{.*}} output_shape [2, 3, 8, 3, 3]
// CHECK: linalg.generic {{.*}} ins(%[[XG]], %[[KG]] : tensor<1x2x8x6x6xf32>, tensor<2x3x8x3x3xf32>) outs(%{{.*}} : tensor<1x2x3x4x4xf32>)
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @conv_transpose_grouped(%x: tensor<1x16x2x2xf32>, %w: tensor<16x3x3x3xf32>) -> tensor<1x6x4x4xf32> {
  %0 = kiln.conv_transpose %x, %w {group = 2 : i64, output_sizes = array<i64: 4, 4>} : (tensor<1x16x2x2xf32>, tensor<16x3x3x3xf32>) -> tensor<1x6x4x4xf32>
  return %0 : tensor<1x6x4x4xf32>
}

// -----

// Constant weights (a trained model's) are reversed and reordered at
// compile time: the stride-1 convolution's kernel [M, C/G, k...] is a
// constant, kernel[g M/G + m, c, t] = w[g C/G + c, m, K - 1 - t], and no
// op reverses or transposes it. One group of 2 channels into 1, 2x2 taps;
// 2 groups of 2 channels into 1 each, 2x1 taps.
// CHECK-LABEL: func @conv_transpose_constant_kernel
// CHECK-NOT: linalg.transpose
// CHECK: %[[K:.*]] = arith.constant dense<{{\[\[\[\[}}4.000000e+00, 3.000000e+00], [2.000000e+00, 1.000000e+00]], {{\[\[}}8.000000e+00, 7.000000e+00], [6.000000e+00, 5.000000e+00]]]]> : tensor<1x2x2x2xf32>
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins(%{{.*}}, %[[K]] : tensor<1x2x5x5xf32>, tensor<1x2x2x2xf32>)
// CHECK: %[[KG:.*]] = arith.constant dense<{{\[\[\[\[}}2.000000e+00], [1.000000e+00]], {{\[\[}}4.000000e+00], [3.000000e+00]]], {{\[\[\[}}6.000000e+00], [5.000000e+00]], {{\[\[}}8.000000e+00], [7.000000e+00]]]]> : tensor<2x2x2x1xf32>
// CHECK: tensor.expand_shape %[[KG]] {{.*}} output_shape [2, 1, 2, 2, 1]
// CHECK-NOT: linalg.transpose
func.func @conv_transpose_constant_kernel(%x: tensor<1x2x3x3xf32>, %y: tensor<1x4x3x3xf32>) -> (tensor<1x1x4x4xf32>, tensor<1x2x4x3xf32>) {
  %w = kiln.constant dense<[[[[1.0, 2.0], [3.0, 4.0]]], [[[5.0, 6.0], [7.0, 8.0]]]]> : tensor<2x1x2x2xf32>
  %v = kiln.constant dense<[[[[1.0], [2.0]]], [[[3.0], [4.0]]], [[[5.0], [6.0]]], [[[7.0], [8.0]]]]> : tensor<4x1x2x1xf32>
  %0 = kiln.conv_transpose %x, %w {output_sizes = array<i64: 4, 4>} : (tensor<1x2x3x3xf32>, tensor<2x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  %1 = kiln.conv_transpose %y, %v {group = 2 : i64, output_sizes = array<i64: 4, 3>} : (tensor<1x4x3x3xf32>, tensor<4x1x2x1xf32>) -> tensor<1x2x4x3xf32>
  return %0, %1 : tensor<1x1x4x4xf32>, tensor<1x2x4x3xf32>
}

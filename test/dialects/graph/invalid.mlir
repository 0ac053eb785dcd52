// Every error path of the graph ops' type inference and type constraints.
// Type inference is the verifier: each error is followed by the generic
// "failed to infer returned types" from InferTypeOpInterface.
// RUN: kiln-opt %s -split-input-file -verify-diagnostics

func.func @constant_not_tensor() {
  // expected-error @below {{constant value must be a ranked tensor}}
  %0 = kiln.constant dense<1.0> : vector<4xf32>
  return
}

// -----

func.func @constant_type_differs() -> tensor<5xf32> {
  // expected-error @below {{'kiln.constant' op inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<5xf32>'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = "kiln.constant"() <{value = dense<1.0> : tensor<4xf32>}> : () -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @result_type_incompatible(%x: tensor<4xf32>) -> tensor<5xf32> {
  // expected-error @below {{'kiln.relu' op inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<5xf32>'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.relu %x : tensor<4xf32> -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// A result may refine `?` but not change the element type.
func.func @result_element_type_differs(%x: tensor<?xf32>) -> tensor<4xf16> {
  // expected-error @below {{inferred type(s) 'tensor<?xf32>' are incompatible with return type(s) of operation 'tensor<4xf16>'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.identity %x : tensor<?xf32> -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

func.func @unranked_operand(%x: tensor<*xf32>) -> tensor<*xf32> {
  // The custom syntax only accepts ranked tensors; the generic form reaches
  // the op's type constraint.
  // expected-error @below {{operand #0 must be ranked tensor of integer or floating-point values}}
  %0 = "kiln.relu"(%x) : (tensor<*xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @sigmoid_of_integers(%x: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @below {{operand #0 must be ranked tensor of floating-point values}}
  %0 = kiln.sigmoid %x : tensor<4xi32> -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @tanh_of_integers(%x: tensor<4xi8>) -> tensor<4xi8> {
  // expected-error @below {{operand #0 must be ranked tensor of floating-point values}}
  %0 = kiln.tanh %x : tensor<4xi8> -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

//===----------------------------------------------------------------------===//
// Broadcasting binary ops
//===----------------------------------------------------------------------===//

func.func @add_broadcast_mismatch(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @below {{shapes [2,3] and [4] do not broadcast}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @sub_broadcast_mismatch(%a: tensor<5x1x3xf32>, %b: tensor<4x2x3xf32>) -> tensor<5x2x3xf32> {
  // expected-error @below {{shapes [5,1,3] and [4,2,3] do not broadcast}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.sub %a, %b : (tensor<5x1x3xf32>, tensor<4x2x3xf32>) -> tensor<5x2x3xf32>
  return %0 : tensor<5x2x3xf32>
}

// -----

func.func @mul_element_types_differ(%a: tensor<4xf32>, %b: tensor<4xf16>) -> tensor<4xf32> {
  // expected-error @below {{operand element types differ: 'f32' and 'f16'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.mul %a, %b : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @div_element_types_differ(%a: tensor<4xi32>, %b: tensor<4xi64>) -> tensor<4xi32> {
  // expected-error @below {{operand element types differ: 'i32' and 'i64'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.div %a, %b : (tensor<4xi32>, tensor<4xi64>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// The broadcast result is [2,3], not what the op claims.
func.func @add_wrong_broadcast_result(%a: tensor<2x1xf32>, %b: tensor<3xf32>) -> tensor<2x1xf32> {
  // expected-error @below {{inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<2x1xf32>'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.add %a, %b : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

//===----------------------------------------------------------------------===//
// clip
//===----------------------------------------------------------------------===//

func.func @clip_bound_not_scalar(%x: tensor<4xf32>, %lo: tensor<2xf32>) -> tensor<4xf32> {
  // expected-error @below {{clip bounds must be scalars, got shape [2]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.clip %x min %lo : (tensor<4xf32>, tensor<2xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @clip_max_not_scalar(%x: tensor<4xf32>, %hi: tensor<1x4xf32>) -> tensor<4xf32> {
  // expected-error @below {{clip bounds must be scalars, got shape [1,4]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.clip %x max %hi : (tensor<4xf32>, tensor<1x4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @clip_bound_element_type(%x: tensor<4xf32>, %lo: tensor<f64>) -> tensor<4xf32> {
  // expected-error @below {{clip bound element type 'f64' differs from the input's 'f32'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.clip %x min %lo : (tensor<4xf32>, tensor<f64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

func.func @matmul_contraction(%a: tensor<4x8xf32>, %b: tensor<7x16xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{contraction sizes differ: [4,8] x [7,16]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.matmul %a, %b : (tensor<4x8xf32>, tensor<7x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// A 1-D rhs is a column vector: its only axis is the contraction axis.
func.func @matmul_vector_contraction(%a: tensor<4x8xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{contraction sizes differ: [4,8] x [4]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.matmul %a, %b : (tensor<4x8xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @matmul_batch_broadcast(%a: tensor<2x4x8xf32>, %b: tensor<3x8x16xf32>) -> tensor<2x4x16xf32> {
  // expected-error @below {{batch dimensions of [2,4,8] and [3,8,16] do not broadcast}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.matmul %a, %b : (tensor<2x4x8xf32>, tensor<3x8x16xf32>) -> tensor<2x4x16xf32>
  return %0 : tensor<2x4x16xf32>
}

// -----

func.func @matmul_scalar(%a: tensor<f32>, %b: tensor<8x16xf32>) -> tensor<16xf32> {
  // expected-error @below {{matmul operands must have rank >= 1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.matmul %a, %b : (tensor<f32>, tensor<8x16xf32>) -> tensor<16xf32>
  return %0 : tensor<16xf32>
}

// -----

func.func @matmul_element_types(%a: tensor<4x8xf32>, %b: tensor<8x16xbf16>) -> tensor<4x16xf32> {
  // expected-error @below {{operand element types differ: 'f32' and 'bf16'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xbf16>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

//===----------------------------------------------------------------------===//
// gemm
//===----------------------------------------------------------------------===//

func.func @gemm_rank(%a: tensor<2x4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{gemm operands A and B must be 2-D, got [2,4,8] and [8,16]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.gemm %a, %b : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @gemm_vector_operand(%a: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x1xf32> {
  // expected-error @below {{gemm operands A and B must be 2-D, got [4,8] and [8]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.gemm %a, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x1xf32>
  return %0 : tensor<4x1xf32>
}

// -----

func.func @gemm_contraction(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x8xf32> {
  // With trans_b, B is 16x8 read as 8x16^T: K would be 16 against A's 8.
  // expected-error @below {{contraction sizes differ: 8 vs 16}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.gemm %a, %b {trans_b = true} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @gemm_trans_a_contraction(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<8x16xf32> {
  // expected-error @below {{contraction sizes differ: 4 vs 8}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.gemm %a, %b {trans_a = true} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

func.func @gemm_c_shape(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4xf32>) -> tensor<4x16xf32> {
  // C broadcasts from the right: [4] against [4,16] would need 16.
  // expected-error @below {{C of shape [4] does not broadcast to [4,16]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.gemm %a, %b, %c : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<4xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @gemm_c_rank(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<1x4x16xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{C of shape [1,4,16] does not broadcast to [4,16]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.gemm %a, %b, %c : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<1x4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @gemm_c_element_type(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<16xf16>) -> tensor<4x16xf32> {
  // expected-error @below {{C of shape [16] does not broadcast to [4,16]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.gemm %a, %b, %c : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf16>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @gemm_element_types(%a: tensor<4x8xf32>, %b: tensor<8x16xf16>) -> tensor<4x16xf32> {
  // expected-error @below {{operand element types differ}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.gemm %a, %b : (tensor<4x8xf32>, tensor<8x16xf16>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

//===----------------------------------------------------------------------===//
// conv
//===----------------------------------------------------------------------===//

func.func @conv_bool(%x: tensor<1x3x8x8xi1>, %w: tensor<4x3x3x3xi1>) -> tensor<1x4x6x6xi1> {
  // expected-error @below {{operand #0 must be ranked tensor of integer or floating-point values}}
  %0 = kiln.conv %x, %w : (tensor<1x3x8x8xi1>, tensor<4x3x3x3xi1>) -> tensor<1x4x6x6xi1>
  return %0 : tensor<1x4x6x6xi1>
}

// -----

func.func @conv_mixed_types(%x: tensor<1x3x8x8xi32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xi32> {
  // expected-error @below {{input and weight element types differ}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w : (tensor<1x3x8x8xi32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xi32>
  return %0 : tensor<1x4x6x6xi32>
}

// -----

func.func @conv_input_rank(%x: tensor<3x8xf32>, %w: tensor<4x3xf32>) -> tensor<3x4xf32> {
  // expected-error @below {{conv input must have rank >= 3 (N x C x ...), got [3,8]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w : (tensor<3x8xf32>, tensor<4x3xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @conv_weight_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @below {{conv weight rank 3 differs from the input rank 4}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_element_types(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf16>) -> tensor<1x4x6x6xf32> {
  // expected-error @below {{input and weight element types differ}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf16>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @below {{input has 3 channels but weight expects 2 per group x 1 groups}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_group_channels(%x: tensor<1x6x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @below {{input has 6 channels but weight expects 3 per group x 3 groups}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {group = 3 : i64} : (tensor<1x6x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_group_output_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<5x2x3x3xf32>) -> tensor<1x5x6x6xf32> {
  // expected-error @below {{output channels 5 are not divisible by group 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {group = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<5x2x3x3xf32>) -> tensor<1x5x6x6xf32>
  return %0 : tensor<1x5x6x6xf32>
}

// -----

func.func @conv_group_zero(%x: tensor<1x4x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @below {{group must be positive, got 0}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {group = 0 : i64} : (tensor<1x4x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_bias_size(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @below {{bias must be 1-D of size 4, got [3]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w, %b : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_bias_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<1x4xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @below {{bias must be 1-D of size 4, got [1,4]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w, %b : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<1x4xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_dynamic_kernel(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x?x3xf32>) -> tensor<1x4x?x6xf32> {
  // expected-error @below {{conv kernel sizes must be static}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x?x3xf32>) -> tensor<1x4x?x6xf32>
  return %0 : tensor<1x4x?x6xf32>
}

// -----

func.func @conv_pads_size(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @below {{pads has 2 values, expected 4}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {pads = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

func.func @conv_strides_size(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x3x3xf32> {
  // expected-error @below {{strides has 1 values, expected 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {strides = array<i64: 2>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x3x3xf32>
  return %0 : tensor<1x4x3x3xf32>
}

// -----

func.func @conv_dilations_size(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32> {
  // expected-error @below {{dilations has 3 values, expected 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {dilations = array<i64: 2, 2, 2>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

func.func @conv_zero_stride(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @below {{kernel sizes, strides and dilations must be positive}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_negative_pads(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x5x6xf32> {
  // expected-error @below {{negative pads are not supported}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {pads = array<i64: -1, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x5x6xf32>
  return %0 : tensor<1x4x5x6xf32>
}

// -----

func.func @conv_window_too_large(%x: tensor<1x3x2x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x1x6xf32> {
  // expected-error @below {{window of extent 3 does not fit spatial axis 0 of size 2 with its padding}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w : (tensor<1x3x2x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x1x6xf32>
  return %0 : tensor<1x4x1x6xf32>
}

// -----

// Dilation widens the window: (3 - 1) * 4 + 1 = 9 > 8.
func.func @conv_dilated_window_too_large(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x1xf32> {
  // expected-error @below {{window of extent 9 does not fit spatial axis 1 of size 8 with its padding}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {dilations = array<i64: 1, 4>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x1xf32>
  return %0 : tensor<1x4x6x1xf32>
}

// -----

func.func @conv_wrong_output(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @below {{inferred type(s) 'tensor<1x4x6x6xf32>' are incompatible with return type(s) of operation 'tensor<1x4x8x8xf32>'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

func.func @conv_bad_auto_pad(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @below {{expected ::kiln::graph::AutoPad to be one of: notset, same_upper, same_lower, valid}}
  // expected-error @below {{failed to parse}}
  %0 = kiln.conv %x, %w {auto_pad = #kiln<auto_pad same>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

func.func @max_pool_input_rank(%x: tensor<8x32xf32>) -> tensor<8x16xf32> {
  // expected-error @below {{pool input must have rank >= 3 (N x C x ...), got [8,32]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 2>} : tensor<8x32xf32> -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

func.func @max_pool_kernel_size(%x: tensor<1x8x32x32xf32>) -> tensor<1x8x16x16xf32> {
  // expected-error @below {{kernel has 1 spatial axes but the input has 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 2>} : tensor<1x8x32x32xf32> -> tensor<1x8x16x16xf32>
  return %0 : tensor<1x8x16x16xf32>
}

// -----

func.func @max_pool_missing_kernel(%x: tensor<1x8x32x32xf32>) -> tensor<1x8x16x16xf32> {
  // expected-error @below {{requires attribute 'kernel_shape'}}
  %0 = kiln.max_pool %x {strides = array<i64: 2, 2>} : tensor<1x8x32x32xf32> -> tensor<1x8x16x16xf32>
  return %0 : tensor<1x8x16x16xf32>
}

// -----

func.func @max_pool_zero_kernel(%x: tensor<1x8x32x32xf32>) -> tensor<1x8x33x32xf32> {
  // expected-error @below {{kernel sizes, strides and dilations must be positive}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 0, 1>} : tensor<1x8x32x32xf32> -> tensor<1x8x33x32xf32>
  return %0 : tensor<1x8x33x32xf32>
}

// -----

func.func @max_pool_pads_size(%x: tensor<1x8x32x32xf32>) -> tensor<1x8x16x16xf32> {
  // expected-error @below {{pads has 3 values, expected 4}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x8x32x32xf32> -> tensor<1x8x16x16xf32>
  return %0 : tensor<1x8x16x16xf32>
}

// -----

func.func @average_pool_strides_size(%x: tensor<1x8x32x32xf32>) -> tensor<1x8x16x16xf32> {
  // expected-error @below {{strides has 3 values, expected 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.average_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2, 2>} : tensor<1x8x32x32xf32> -> tensor<1x8x16x16xf32>
  return %0 : tensor<1x8x16x16xf32>
}

// -----

func.func @average_pool_dilations_size(%x: tensor<1x8x32x32xf32>) -> tensor<1x8x31x31xf32> {
  // expected-error @below {{dilations has 1 values, expected 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.average_pool %x {dilations = array<i64: 1>, kernel_shape = array<i64: 2, 2>} : tensor<1x8x32x32xf32> -> tensor<1x8x31x31xf32>
  return %0 : tensor<1x8x31x31xf32>
}

// -----

func.func @average_pool_window_too_large(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x1x1xf32> {
  // expected-error @below {{window of extent 5 does not fit spatial axis 0 of size 4 with its padding}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.average_pool %x {kernel_shape = array<i64: 5, 4>} : tensor<1x8x4x4xf32> -> tensor<1x8x1x1xf32>
  return %0 : tensor<1x8x1x1xf32>
}

// -----

func.func @max_pool_negative_pads(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x3x3xf32> {
  // expected-error @below {{negative pads are not supported}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, -1>} : tensor<1x8x4x4xf32> -> tensor<1x8x3x3xf32>
  return %0 : tensor<1x8x3x3xf32>
}

// -----

func.func @max_pool_bool(%x: tensor<1x8x4x4xi1>) -> tensor<1x8x2x2xi1> {
  // expected-error @below {{operand #0 must be ranked tensor of integer or floating-point values}}
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x8x4x4xi1> -> tensor<1x8x2x2xi1>
  return %0 : tensor<1x8x2x2xi1>
}

// -----

func.func @average_pool_integer(%x: tensor<1x8x4x4xi32>) -> tensor<1x8x2x2xi32> {
  // expected-error @below {{operand #0 must be ranked tensor of floating-point values}}
  %0 = kiln.average_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x8x4x4xi32> -> tensor<1x8x2x2xi32>
  return %0 : tensor<1x8x2x2xi32>
}

// -----

func.func @global_average_pool_rank(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  // expected-error @below {{pool input must have rank >= 3 (N x C x ...), got [1,8]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.global_average_pool %x : tensor<1x8xf32> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @global_average_pool_result(%x: tensor<1x8x7x7xf32>) -> tensor<1x8x7x7xf32> {
  // expected-error @below {{inferred type(s) 'tensor<1x8x1x1xf32>' are incompatible with return type(s) of operation 'tensor<1x8x7x7xf32>'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.global_average_pool %x : tensor<1x8x7x7xf32> -> tensor<1x8x7x7xf32>
  return %0 : tensor<1x8x7x7xf32>
}

// -----

//===----------------------------------------------------------------------===//
// batch_norm
//===----------------------------------------------------------------------===//

func.func @batch_norm_rank(%x: tensor<8xf32>, %p: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @below {{batch_norm input must have rank >= 2, got [8]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.batch_norm %x, %p, %p, %p, %p : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @batch_norm_param_size(%x: tensor<1x8x4x4xf32>, %p: tensor<8xf32>, %v: tensor<4xf32>) -> tensor<1x8x4x4xf32> {
  // expected-error @below {{batch_norm parameters must be 1-D of size 8, got [4]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.batch_norm %x, %p, %p, %p, %v : (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<4xf32>) -> tensor<1x8x4x4xf32>
  return %0 : tensor<1x8x4x4xf32>
}

// -----

func.func @batch_norm_param_rank(%x: tensor<1x8x4x4xf32>, %p: tensor<8xf32>, %s: tensor<8x1xf32>) -> tensor<1x8x4x4xf32> {
  // expected-error @below {{batch_norm parameters must be 1-D of size 8, got [8,1]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.batch_norm %x, %s, %p, %p, %p : (tensor<1x8x4x4xf32>, tensor<8x1xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x4x4xf32>
  return %0 : tensor<1x8x4x4xf32>
}

// -----

func.func @batch_norm_param_element_type(%x: tensor<1x8x4x4xf32>, %p: tensor<8xf32>, %m: tensor<8xf16>) -> tensor<1x8x4x4xf32> {
  // expected-error @below {{batch_norm parameters must have the input's element type}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.batch_norm %x, %p, %p, %m, %p : (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf16>, tensor<8xf32>) -> tensor<1x8x4x4xf32>
  return %0 : tensor<1x8x4x4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// softmax
//===----------------------------------------------------------------------===//

func.func @softmax_axis(%x: tensor<1x10xf32>) -> tensor<1x10xf32> {
  // expected-error @below {{axis 2 is out of range for rank 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.softmax %x {axis = 2 : i64} : tensor<1x10xf32> -> tensor<1x10xf32>
  return %0 : tensor<1x10xf32>
}

// -----

func.func @softmax_negative_axis(%x: tensor<1x10xf32>) -> tensor<1x10xf32> {
  // expected-error @below {{axis -3 is out of range for rank 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.softmax %x {axis = -3 : i64} : tensor<1x10xf32> -> tensor<1x10xf32>
  return %0 : tensor<1x10xf32>
}

// -----

//===----------------------------------------------------------------------===//
// reshape
//===----------------------------------------------------------------------===//

func.func @reshape_two_inferred() -> tensor<?x?xf32> {
  %x = kiln.constant dense<1.0> : tensor<2x6xf32>
  %s = kiln.constant dense<[-1, -1]> : tensor<2xi64>
  // expected-error @below {{reshape shape has more than one -1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.reshape %x, %s : (tensor<2x6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @reshape_element_count() -> tensor<5x2xf32> {
  %x = kiln.constant dense<1.0> : tensor<2x6xf32>
  %s = kiln.constant dense<[5, 2]> : tensor<2xi64>
  // expected-error @below {{cannot reshape [2,6] (12 elements) to [5,2] (10 elements)}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.reshape %x, %s : (tensor<2x6xf32>, tensor<2xi64>) -> tensor<5x2xf32>
  return %0 : tensor<5x2xf32>
}

// -----

func.func @reshape_inferred_not_divisible(%x: tensor<2x6xf32>) -> tensor<5x?xf32> {
  %s = kiln.constant dense<[5, -1]> : tensor<2xi64>
  // expected-error @below {{cannot reshape [2,6] to [5,?]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.reshape %x, %s : (tensor<2x6xf32>, tensor<2xi64>) -> tensor<5x?xf32>
  return %0 : tensor<5x?xf32>
}

// -----

func.func @reshape_invalid_size(%x: tensor<2x6xf32>) -> tensor<?x?xf32> {
  %s = kiln.constant dense<[-2, 6]> : tensor<2xi32>
  // expected-error @below {{reshape shape has invalid size -2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.reshape %x, %s : (tensor<2x6xf32>, tensor<2xi32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @reshape_copies_missing_dim(%x: tensor<12xf32>) -> tensor<?x?xf32> {
  %s = kiln.constant dense<[-1, 0]> : tensor<2xi64>
  // expected-error @below {{reshape copies dimension 1 but the input has rank 1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.reshape %x, %s : (tensor<12xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @reshape_shape_rank(%x: tensor<12xf32>, %s: tensor<2x1xi64>) -> tensor<?x?xf32> {
  // expected-error @below {{reshape shape must be 1-D, got rank 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.reshape %x, %s : (tensor<12xf32>, tensor<2x1xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @reshape_unknown_rank(%x: tensor<12xf32>, %s: tensor<?xi64>) -> tensor<?x?xf32> {
  // expected-error @below {{reshape target rank must be known}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.reshape %x, %s : (tensor<12xf32>, tensor<?xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @reshape_float_shape(%x: tensor<12xf32>, %s: tensor<2xf32>) -> tensor<?x?xf32> {
  // expected-error @below {{operand #1 must be ranked tensor of 64-bit signless integer or 32-bit signless integer values}}
  %0 = kiln.reshape %x, %s : (tensor<12xf32>, tensor<2xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Without a constant shape only the rank is known.
func.func @reshape_rank_mismatch(%x: tensor<12xf32>, %s: tensor<2xi64>) -> tensor<?x?x?xf32> {
  // expected-error @below {{inferred type(s) 'tensor<?x?xf32>' are incompatible with return type(s) of operation 'tensor<?x?x?xf32>'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.reshape %x, %s : (tensor<12xf32>, tensor<2xi64>) -> tensor<?x?x?xf32>
  return %0 : tensor<?x?x?xf32>
}

// -----

//===----------------------------------------------------------------------===//
// flatten, transpose, concat
//===----------------------------------------------------------------------===//

func.func @flatten_axis(%x: tensor<2x3x4xf32>) -> tensor<24x1xf32> {
  // expected-error @below {{flatten axis 4 is out of range for rank 3}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.flatten %x {axis = 4 : i64} : tensor<2x3x4xf32> -> tensor<24x1xf32>
  return %0 : tensor<24x1xf32>
}

// -----

func.func @flatten_negative_axis(%x: tensor<2x3x4xf32>) -> tensor<1x24xf32> {
  // expected-error @below {{flatten axis -4 is out of range for rank 3}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.flatten %x {axis = -4 : i64} : tensor<2x3x4xf32> -> tensor<1x24xf32>
  return %0 : tensor<1x24xf32>
}

// -----

func.func @transpose_perm_size(%x: tensor<2x3x4xf32>) -> tensor<3x2x4xf32> {
  // expected-error @below {{perm has 2 entries for a tensor of rank 3}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.transpose %x {perm = array<i64: 1, 0>} : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  return %0 : tensor<3x2x4xf32>
}

// -----

func.func @transpose_perm_repeats(%x: tensor<2x3x4xf32>) -> tensor<3x3x4xf32> {
  // expected-error @below {{perm is not a permutation of 0..2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.transpose %x {perm = array<i64: 1, 1, 2>} : tensor<2x3x4xf32> -> tensor<3x3x4xf32>
  return %0 : tensor<3x3x4xf32>
}

// -----

func.func @transpose_perm_out_of_range(%x: tensor<2x3x4xf32>) -> tensor<3x2x4xf32> {
  // expected-error @below {{perm is not a permutation of 0..2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.transpose %x {perm = array<i64: 1, 0, 3>} : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  return %0 : tensor<3x2x4xf32>
}

// -----

func.func @transpose_wrong_result(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  // expected-error @below {{inferred type(s) 'tensor<2x4x3xf32>' are incompatible with return type(s) of operation 'tensor<2x3x4xf32>'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.transpose %x {perm = array<i64: 0, 2, 1>} : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

func.func @concat_no_inputs() -> tensor<4xf32> {
  // expected-error @below {{concat needs at least one input}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.concat {axis = 0 : i64} : () -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @concat_axis(%a: tensor<1x2xf32>, %b: tensor<1x3xf32>) -> tensor<1x5xf32> {
  // expected-error @below {{concat axis 2 is out of range for rank 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.concat %a, %b {axis = 2 : i64} : (tensor<1x2xf32>, tensor<1x3xf32>) -> tensor<1x5xf32>
  return %0 : tensor<1x5xf32>
}

// -----

func.func @concat_dimension_mismatch(%a: tensor<1x2xf32>, %b: tensor<2x3xf32>) -> tensor<1x5xf32> {
  // expected-error @below {{concat inputs differ in dimension 0: 1 vs 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.concat %a, %b {axis = 1 : i64} : (tensor<1x2xf32>, tensor<2x3xf32>) -> tensor<1x5xf32>
  return %0 : tensor<1x5xf32>
}

// -----

func.func @concat_rank_mismatch(%a: tensor<1x2xf32>, %b: tensor<3xf32>) -> tensor<1x5xf32> {
  // expected-error @below {{concat inputs must share rank and element type}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.concat %a, %b {axis = 1 : i64} : (tensor<1x2xf32>, tensor<3xf32>) -> tensor<1x5xf32>
  return %0 : tensor<1x5xf32>
}

// -----

func.func @concat_element_type_mismatch(%a: tensor<1x2xf32>, %b: tensor<1x3xf16>) -> tensor<1x5xf32> {
  // expected-error @below {{concat inputs must share rank and element type}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.concat %a, %b {axis = 1 : i64} : (tensor<1x2xf32>, tensor<1x3xf16>) -> tensor<1x5xf32>
  return %0 : tensor<1x5xf32>
}

// -----

func.func @concat_missing_axis(%a: tensor<1x2xf32>, %b: tensor<1x3xf32>) -> tensor<1x5xf32> {
  // expected-error @below {{requires attribute 'axis'}}
  %0 = kiln.concat %a, %b : (tensor<1x2xf32>, tensor<1x3xf32>) -> tensor<1x5xf32>
  return %0 : tensor<1x5xf32>
}

// -----

func.func @conv_transpose_channels(%x: tensor<1x4x4x4xf32>, %w: tensor<3x3x3x3xf32>) -> tensor<1x3x8x8xf32> {
  // expected-error @below {{weight of shape [3,3,3,3] does not fit 4 input channels in 1 groups}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.conv_transpose %x, %w {output_sizes = array<i64: 8, 8>} : (tensor<1x4x4x4xf32>, tensor<3x3x3x3xf32>) -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

func.func @resample_taps_without_weights(%x: tensor<4x8xf32>, %i: tensor<6x2xi64>) -> tensor<4x6xf32> {
  // expected-error @below {{a resample without weights takes one tap}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.resample %x, %i {axis = 1 : i64} : (tensor<4x8xf32>, tensor<6x2xi64>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

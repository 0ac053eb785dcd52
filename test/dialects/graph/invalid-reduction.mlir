// Error paths of the type inference of the reduction ops
// (GraphReductionOps.td). Each error is followed by the generic "failed to
// infer returned types" from InferTypeOpInterface.
// RUN: kiln-opt %s -split-input-file -verify-diagnostics

func.func @reduce_axis_out_of_range(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  // expected-error @below {{axis 2 is out of range for rank 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.reduce sum %x {axes = array<i64: 2>} : tensor<3x4xf32> -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @reduce_axis_repeated(%x: tensor<3x4xf32>) -> tensor<1x1xf32> {
  // expected-error @below {{axis -1 is repeated}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.reduce max %x {axes = array<i64: 1, -1>} : tensor<3x4xf32> -> tensor<1x1xf32>
  return %0 : tensor<1x1xf32>
}

// -----

func.func @reduce_bool_sum(%x: tensor<3x4xi1>) -> tensor<3x1xi1> {
  // expected-error @below {{booleans reduce with max or min only, not sum}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.reduce sum %x {axes = array<i64: 1>} : tensor<3x4xi1> -> tensor<3x1xi1>
  return %0 : tensor<3x1xi1>
}

// -----

func.func @reduce_result_shape(%x: tensor<3x4xf32>) -> tensor<3x1xf32> {
  // expected-error @below {{'kiln.reduce' op inferred type(s) 'tensor<3xf32>' are incompatible with return type(s) of operation 'tensor<3x1xf32>'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.reduce sum %x {axes = array<i64: 1>, keepdims = false} : tensor<3x4xf32> -> tensor<3x1xf32>
  return %0 : tensor<3x1xf32>
}

// -----

func.func @argmax_axis(%x: tensor<3x4xf32>) -> tensor<3xi64> {
  // expected-error @below {{axis -3 is out of range for rank 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.argmax %x {axis = -3 : i64, keepdims = false} : tensor<3x4xf32> -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

func.func @argmin_result_type(%x: tensor<3x4xf32>) -> tensor<3x1xi32> {
  // expected-error @below {{result #0 must be ranked tensor of 64-bit signless integer values}}
  %0 = kiln.argmin %x {axis = 1 : i64} : tensor<3x4xf32> -> tensor<3x1xi32>
  return %0 : tensor<3x1xi32>
}

// -----

func.func @cumulative_max(%x: tensor<5xf32>) -> tensor<5xf32> {
  // expected-error @below {{cumulative max is not supported (sum or prod)}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.cumulative max %x {axis = 0 : i64} : tensor<5xf32> -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @cumulative_axis(%x: tensor<5xf32>) -> tensor<5xf32> {
  // expected-error @below {{axis 1 is out of range for rank 1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.cumulative sum %x {axis = 1 : i64} : tensor<5xf32> -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @top_k_too_large(%x: tensor<3x4xf32>) -> (tensor<3x5xf32>, tensor<3x5xi64>) {
  // expected-error @below {{k = 5 is out of range for axis -1 of size 4}}
  // expected-error @below {{failed to infer returned types}}
  %0:2 = kiln.top_k %x {k = 5 : i64} : tensor<3x4xf32> -> (tensor<3x5xf32>, tensor<3x5xi64>)
  return %0#0, %0#1 : tensor<3x5xf32>, tensor<3x5xi64>
}

// -----

func.func @log_softmax_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @below {{axis 2 is out of range for rank 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.log_softmax %x {axis = 2 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @hardmax_integer(%x: tensor<2x3xi32>) -> tensor<2x3xi32> {
  // expected-error @below {{operand #0 must be ranked tensor of floating-point values}}
  %0 = kiln.hardmax %x : tensor<2x3xi32> -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

func.func @lp_pool_p(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32> {
  // expected-error @below {{p must be positive, got 0}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.lp_pool %x {kernel_shape = array<i64: 2, 2>, p = 0 : i64} : tensor<1x1x4x4xf32> -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// -----

func.func @lp_pool_window(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32> {
  // expected-error @below {{window of extent 5 does not fit spatial axis 0 of size 4 with its padding}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.lp_pool %x {kernel_shape = array<i64: 5, 2>} : tensor<1x1x4x4xf32> -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// -----

func.func @max_pool_indices_type(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @below {{result #0 must be ranked tensor of 64-bit signless integer values}}
  %0 = kiln.max_pool_indices %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x1x4x4xf32> -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// Graph canonicalization: explicit padding, batch norm folded into conv,
// explicit gemm transposes, constant folding and identity removal.
// RUN: kiln-opt %s -split-input-file -canonicalize | FileCheck %s

//===----------------------------------------------------------------------===//
// auto_pad resolution
//===----------------------------------------------------------------------===//

// H: out 4, total pad (4-1)*2+3-8 = 1; W: out 4, total (4-1)*2+3-7 = 2.
// same_upper puts the odd pad at the end.
// CHECK-LABEL: func @conv_same_upper
// CHECK: kiln.conv %{{.*}}, %{{.*}} {pads = array<i64: 0, 1, 1, 1>, strides = array<i64: 2, 2>}
// CHECK-NOT: auto_pad
// CHECK-SAME: -> tensor<1x2x4x4xf32>
func.func @conv_same_upper(%x: tensor<1x1x8x7xf32>, %w: tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32> {
  %0 = kiln.conv %x, %w {auto_pad = #kiln<auto_pad same_upper>, strides = array<i64: 2, 2>}
      : (tensor<1x1x8x7xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

// same_lower puts the odd pad at the beginning.
// CHECK-LABEL: func @conv_same_lower
// CHECK: kiln.conv %{{.*}}, %{{.*}} {pads = array<i64: 1, 1, 0, 1>, strides = array<i64: 2, 2>}
// CHECK-NOT: auto_pad
// CHECK-SAME: -> tensor<1x2x4x4xf32>
func.func @conv_same_lower(%x: tensor<1x1x8x7xf32>, %w: tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32> {
  %0 = kiln.conv %x, %w {auto_pad = #kiln<auto_pad same_lower>, strides = array<i64: 2, 2>}
      : (tensor<1x1x8x7xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

// Dilation 2 makes a 3-wide kernel span 5: total pad 4 on a stride-1 axis.
// CHECK-LABEL: func @conv_same_upper_dilated
// CHECK: kiln.conv {{.*}}pads = array<i64: 2, 2, 2, 2>
// CHECK-NOT: auto_pad
func.func @conv_same_upper_dilated(%x: tensor<1x1x6x6xf32>, %w: tensor<2x1x3x3xf32>) -> tensor<1x2x6x6xf32> {
  %0 = kiln.conv %x, %w {auto_pad = #kiln<auto_pad same_upper>, dilations = array<i64: 2, 2>}
      : (tensor<1x1x6x6xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x6x6xf32>
  return %0 : tensor<1x2x6x6xf32>
}

// -----

// valid means no padding, whatever stale pads the op carried.
// CHECK-LABEL: func @conv_valid
// CHECK: kiln.conv %{{.*}}, %{{.*}} {pads = array<i64: 0, 0, 0, 0>}
// CHECK-SAME: -> tensor<1x2x6x5xf32>
func.func @conv_valid(%x: tensor<1x1x8x7xf32>, %w: tensor<2x1x3x3xf32>) -> tensor<1x2x6x5xf32> {
  %0 = kiln.conv %x, %w {auto_pad = #kiln<auto_pad valid>, pads = array<i64: 1, 1, 1, 1>}
      : (tensor<1x1x8x7xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x6x5xf32>
  return %0 : tensor<1x2x6x5xf32>
}

// -----

// Unknown spatial sizes: the padding cannot be computed yet.
// CHECK-LABEL: func @conv_same_dynamic
// CHECK: kiln.conv {{.*}}auto_pad = #kiln<auto_pad same_upper>
// CHECK-NOT: pads
func.func @conv_same_dynamic(%x: tensor<1x1x?x7xf32>, %w: tensor<2x1x3x3xf32>) -> tensor<1x2x?x7xf32> {
  %0 = kiln.conv %x, %w {auto_pad = #kiln<auto_pad same_upper>}
      : (tensor<1x1x?x7xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x?x7xf32>
  return %0 : tensor<1x2x?x7xf32>
}

// -----

// CHECK-LABEL: func @max_pool_same_lower
// CHECK: kiln.max_pool %{{.*}} {kernel_shape = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>}
// CHECK-NOT: auto_pad
// CHECK-SAME: -> tensor<1x3x4x4xf32>
func.func @max_pool_same_lower(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %0 = kiln.max_pool %x {auto_pad = #kiln<auto_pad same_lower>, kernel_shape = array<i64: 2, 2>}
      : tensor<1x3x4x4xf32> -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

// CHECK-LABEL: func @max_pool_same_upper
// CHECK: kiln.max_pool %{{.*}} {kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 1, 1>}
// CHECK-NOT: auto_pad
func.func @max_pool_same_upper(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %0 = kiln.max_pool %x {auto_pad = #kiln<auto_pad same_upper>, kernel_shape = array<i64: 2, 2>}
      : tensor<1x3x4x4xf32> -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

// CHECK-LABEL: func @average_pool_same_upper
// CHECK: kiln.average_pool %{{.*}} {count_include_pad = true, kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 1, 1, 1>, strides = array<i64: 2, 2>}
// CHECK-NOT: auto_pad
// CHECK-SAME: -> tensor<1x3x4x4xf32>
func.func @average_pool_same_upper(%x: tensor<1x3x8x7xf32>) -> tensor<1x3x4x4xf32> {
  %0 = kiln.average_pool %x {auto_pad = #kiln<auto_pad same_upper>, count_include_pad = true,
                             kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>}
      : tensor<1x3x8x7xf32> -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

// CHECK-LABEL: func @average_pool_valid
// CHECK: kiln.average_pool %{{.*}} {kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>}
// CHECK-SAME: -> tensor<1x3x3x3xf32>
func.func @average_pool_valid(%x: tensor<1x3x8x7xf32>) -> tensor<1x3x3x3xf32> {
  %0 = kiln.average_pool %x {auto_pad = #kiln<auto_pad valid>, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>}
      : tensor<1x3x8x7xf32> -> tensor<1x3x3x3xf32>
  return %0 : tensor<1x3x3x3xf32>
}

// -----

//===----------------------------------------------------------------------===//
// batch_norm folded into conv
//===----------------------------------------------------------------------===//

// factor = scale / sqrt(var + eps) = [4/2, 1.5/3] = [2, 0.5]
// W' = W * factor per output channel: [[1, -1] * 2, [2, 0.5] * 0.5]
// b' = (b - mean) * factor + beta: [(0.5 - 0.5) * 2 + 1, (-1 - 1) * 0.5 + 0]
// CHECK-LABEL: func @batch_norm_into_conv
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x3x4xf32>)
// CHECK-DAG: %[[W:.*]] = kiln.constant dense<{{\[\[\[\[}}2.000000e+00, -2.000000e+00]]], {{\[\[\[}}1.000000e+00, 2.500000e-01]]]]> : tensor<2x1x1x2xf32>
// CHECK-DAG: %[[B:.*]] = kiln.constant dense<[1.000000e+00, -1.000000e+00]> : tensor<2xf32>
// CHECK: %[[Y:.*]] = kiln.conv %[[X]], %[[W]], %[[B]] {strides = array<i64: 1, 2>}
// CHECK-NOT: kiln.batch_norm
// CHECK: return %[[Y]]
func.func @batch_norm_into_conv(%x: tensor<1x1x3x4xf32>) -> tensor<1x2x3x2xf32> {
  %w = kiln.constant dense<[[[[1.0, -1.0]]], [[[2.0, 0.5]]]]> : tensor<2x1x1x2xf32>
  %b = kiln.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %scale = kiln.constant dense<[4.0, 1.5]> : tensor<2xf32>
  %beta = kiln.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %mean = kiln.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %var = kiln.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %c = kiln.conv %x, %w, %b {strides = array<i64: 1, 2>}
      : (tensor<1x1x3x4xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<1x2x3x2xf32>
  %y = kiln.batch_norm %c, %scale, %beta, %mean, %var {epsilon = 1.0 : f32}
      : (tensor<1x2x3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x2xf32>
  return %y : tensor<1x2x3x2xf32>
}

// -----

// Without a conv bias the folded bias is beta - mean * factor.
// factor = [1 / sqrt(3 + 1), 2 / sqrt(0 + 1)] = [0.5, 2]
// CHECK-LABEL: func @batch_norm_into_conv_without_bias
// CHECK-DAG: %[[W:.*]] = kiln.constant dense<{{\[\[\[\[}}5.000000e-01]]], {{\[\[\[}}-6.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = kiln.constant dense<[0.000000e+00, -1.000000e+00]> : tensor<2xf32>
// CHECK: kiln.conv %{{.*}}, %[[W]], %[[B]]
// CHECK-NOT: kiln.batch_norm
func.func @batch_norm_into_conv_without_bias(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = kiln.constant dense<[[[[1.0]]], [[[-3.0]]]]> : tensor<2x1x1x1xf32>
  %scale = kiln.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %beta = kiln.constant dense<[1.0, 3.0]> : tensor<2xf32>
  %mean = kiln.constant dense<[2.0, 2.0]> : tensor<2xf32>
  %var = kiln.constant dense<[3.0, 0.0]> : tensor<2xf32>
  %c = kiln.conv %x, %w : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %y = kiln.batch_norm %c, %scale, %beta, %mean, %var {epsilon = 1.0 : f32}
      : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// The conv result is used elsewhere: folding would duplicate the conv.
// CHECK-LABEL: func @batch_norm_conv_two_uses
// CHECK: %[[C:.*]] = kiln.conv
// CHECK: %[[Y:.*]] = kiln.batch_norm %[[C]]
// CHECK: return %[[Y]], %[[C]]
func.func @batch_norm_conv_two_uses(%x: tensor<1x1x2x2xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) {
  %w = kiln.constant dense<2.0> : tensor<1x1x1x1xf32>
  %p = kiln.constant dense<1.0> : tensor<1xf32>
  %c = kiln.conv %x, %w : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  %y = kiln.batch_norm %c, %p, %p, %p, %p
      : (tensor<1x1x2x2xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  return %y, %c : tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>
}

// -----

// Parameters known only at run time stay a batch_norm.
// CHECK-LABEL: func @batch_norm_runtime_scale
// CHECK: %[[C:.*]] = kiln.conv
// CHECK: kiln.batch_norm %[[C]]
func.func @batch_norm_runtime_scale(%x: tensor<1x1x2x2xf32>, %scale: tensor<1xf32>) -> tensor<1x1x2x2xf32> {
  %w = kiln.constant dense<2.0> : tensor<1x1x1x1xf32>
  %p = kiln.constant dense<1.0> : tensor<1xf32>
  %c = kiln.conv %x, %w : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  %y = kiln.batch_norm %c, %scale, %p, %p, %p
      : (tensor<1x1x2x2xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

// A batch norm on a graph input has no conv to fold into.
// CHECK-LABEL: func @batch_norm_no_conv
// CHECK: kiln.batch_norm
func.func @batch_norm_no_conv(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %p = kiln.constant dense<1.0> : tensor<1xf32>
  %y = kiln.batch_norm %x, %p, %p, %p, %p
      : (tensor<1x1x2x2xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

//===----------------------------------------------------------------------===//
// gemm transposes
//===----------------------------------------------------------------------===//

// The transposed constant weight folds at compile time.
// CHECK-LABEL: func @gemm_trans_b_constant
// CHECK-SAME: (%[[A:.*]]: tensor<4x2xf32>)
// CHECK: %[[BT:.*]] = kiln.constant dense<{{\[\[}}1.000000e+00, 3.000000e+00, 5.000000e+00], [2.000000e+00, 4.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>
// CHECK-NOT: kiln.transpose
// CHECK: kiln.gemm %[[A]], %[[BT]] :
// CHECK-NOT: trans_
func.func @gemm_trans_b_constant(%a: tensor<4x2xf32>) -> tensor<4x3xf32> {
  %b = kiln.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %0 = kiln.gemm %a, %b {trans_b = true} : (tensor<4x2xf32>, tensor<3x2xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// A run-time operand gets an explicit transpose; alpha, beta and C stay.
// CHECK-LABEL: func @gemm_trans_a_runtime
// CHECK-SAME: (%[[A:.*]]: tensor<2x4xf32>, %[[B:.*]]: tensor<2x3xf32>, %[[C:.*]]: tensor<3xf32>)
// CHECK: %[[AT:.*]] = kiln.transpose %[[A]] {perm = array<i64: 1, 0>} : tensor<2x4xf32> -> tensor<4x2xf32>
// CHECK: kiln.gemm %[[AT]], %[[B]], %[[C]] {alpha = 2.000000e+00 : f32, beta = 5.000000e-01 : f32} : (tensor<4x2xf32>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<4x3xf32>
func.func @gemm_trans_a_runtime(%a: tensor<2x4xf32>, %b: tensor<2x3xf32>, %c: tensor<3xf32>) -> tensor<4x3xf32> {
  %0 = kiln.gemm %a, %b, %c {alpha = 2.0 : f32, beta = 0.5 : f32, trans_a = true}
      : (tensor<2x4xf32>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// CHECK-LABEL: func @gemm_trans_both
// CHECK-SAME: (%[[A:.*]]: tensor<2x4xf32>, %[[B:.*]]: tensor<3x2xf32>)
// CHECK-DAG: %[[AT:.*]] = kiln.transpose %[[A]] {perm = array<i64: 1, 0>}
// CHECK-DAG: %[[BT:.*]] = kiln.transpose %[[B]] {perm = array<i64: 1, 0>}
// CHECK: kiln.gemm %[[AT]], %[[BT]] : (tensor<4x2xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
func.func @gemm_trans_both(%a: tensor<2x4xf32>, %b: tensor<3x2xf32>) -> tensor<4x3xf32> {
  %0 = kiln.gemm %a, %b {trans_a = true, trans_b = true} : (tensor<2x4xf32>, tensor<3x2xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Constant folding of broadcasting arithmetic
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func @fold_add_broadcast
// CHECK: %[[R:.*]] = kiln.constant dense<{{\[\[}}1.100000e+01, 2.200000e+01, 3.300000e+01], [1.400000e+01, 2.500000e+01, 3.600000e+01]]> : tensor<2x3xf32>
// CHECK-NOT: kiln.add
// CHECK: return %[[R]]
func.func @fold_add_broadcast() -> tensor<2x3xf32> {
  %a = kiln.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %b = kiln.constant dense<[10.0, 20.0, 30.0]> : tensor<3xf32>
  %0 = kiln.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Both operands broadcast: [2,1] - [3] -> [2,3].
// CHECK-LABEL: func @fold_sub_broadcast_both
// CHECK: %[[R:.*]] = kiln.constant dense<{{\[\[}}0, -1, -2], [1, 0, -1]]> : tensor<2x3xi32>
// CHECK-NOT: kiln.sub
// CHECK: return %[[R]]
func.func @fold_sub_broadcast_both() -> tensor<2x3xi32> {
  %a = kiln.constant dense<[[1], [2]]> : tensor<2x1xi32>
  %b = kiln.constant dense<[1, 2, 3]> : tensor<3xi32>
  %0 = kiln.sub %a, %b : (tensor<2x1xi32>, tensor<3xi32>) -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

// CHECK-LABEL: func @fold_mul_scalar
// CHECK: %[[R:.*]] = kiln.constant dense<[8, 12]> : tensor<2xi64>
// CHECK-NOT: kiln.mul
// CHECK: return %[[R]]
func.func @fold_mul_scalar() -> tensor<2xi64> {
  %a = kiln.constant dense<[2, 3]> : tensor<2xi64>
  %b = kiln.constant dense<4> : tensor<i64>
  %0 = kiln.mul %a, %b : (tensor<2xi64>, tensor<i64>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// CHECK-LABEL: func @fold_div_float
// CHECK: %[[R:.*]] = kiln.constant dense<[2.500000e-01, -5.000000e-01]> : tensor<2xf32>
// CHECK-NOT: kiln.div
// CHECK: return %[[R]]
func.func @fold_div_float() -> tensor<2xf32> {
  %a = kiln.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %b = kiln.constant dense<[4.0]> : tensor<1xf32>
  %0 = kiln.div %a, %b : (tensor<2xf32>, tensor<1xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Integer division truncates toward zero.
// CHECK-LABEL: func @fold_div_int
// CHECK: %[[R:.*]] = kiln.constant dense<[3, -3]> : tensor<2xi32>
// CHECK-NOT: kiln.div
// CHECK: return %[[R]]
func.func @fold_div_int() -> tensor<2xi32> {
  %a = kiln.constant dense<[7, -7]> : tensor<2xi32>
  %b = kiln.constant dense<2> : tensor<i32>
  %0 = kiln.div %a, %b : (tensor<2xi32>, tensor<i32>) -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

// Integer division by zero is left to run time.
// CHECK-LABEL: func @no_fold_div_int_by_zero
// CHECK: kiln.div
func.func @no_fold_div_int_by_zero() -> tensor<2xi32> {
  %a = kiln.constant dense<[7, -7]> : tensor<2xi32>
  %b = kiln.constant dense<[1, 0]> : tensor<2xi32>
  %0 = kiln.div %a, %b : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

// Folding stops at 65536 elements (binary size); 256 x 257 is over.
// CHECK-LABEL: func @no_fold_large
// CHECK: kiln.add
func.func @no_fold_large() -> tensor<256x257xf32> {
  %a = kiln.constant dense<1.0> : tensor<256x257xf32>
  %b = kiln.constant dense<2.0> : tensor<257xf32>
  %0 = kiln.add %a, %b : (tensor<256x257xf32>, tensor<257xf32>) -> tensor<256x257xf32>
  return %0 : tensor<256x257xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Identity elements
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func @add_zero
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: kiln.add
// CHECK: return %[[X]], %[[X]]
func.func @add_zero(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %z = kiln.constant dense<0.0> : tensor<3xf32>
  %0 = kiln.add %x, %z : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = kiln.add %z, %x : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @mul_one
// CHECK-SAME: (%[[X:.*]]: tensor<4xi32>)
// CHECK-NOT: kiln.mul
// CHECK: return %[[X]], %[[X]]
func.func @mul_one(%x: tensor<4xi32>) -> (tensor<4xi32>, tensor<4xi32>) {
  %one = kiln.constant dense<1> : tensor<i32>
  %0 = kiln.mul %x, %one : (tensor<4xi32>, tensor<i32>) -> tensor<4xi32>
  %1 = kiln.mul %one, %x : (tensor<i32>, tensor<4xi32>) -> tensor<4xi32>
  return %0, %1 : tensor<4xi32>, tensor<4xi32>
}

// -----

// x - 0 and x / 1 are x; 0 - x and 1 / x are not.
// CHECK-LABEL: func @sub_div_identities
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-DAG: %[[ZERO:.*]] = kiln.constant dense<0.000000e+00>
// CHECK-DAG: %[[ONE:.*]] = kiln.constant dense<1.000000e+00>
// CHECK: %[[NEG:.*]] = kiln.sub %[[ZERO]], %[[X]]
// CHECK: %[[INV:.*]] = kiln.div %[[ONE]], %[[X]]
// CHECK: return %[[X]], %[[X]], %[[NEG]], %[[INV]]
func.func @sub_div_identities(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %zero = kiln.constant dense<0.0> : tensor<f32>
  %one = kiln.constant dense<1.0> : tensor<f32>
  %0 = kiln.sub %x, %zero : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = kiln.div %x, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %2 = kiln.sub %zero, %x : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %3 = kiln.div %one, %x : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  return %0, %1, %2, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// The zero broadcasts x to a larger shape: not an identity.
// CHECK-LABEL: func @add_zero_broadcasting
// CHECK: kiln.add
func.func @add_zero_broadcasting(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  %z = kiln.constant dense<0.0> : tensor<2x3xf32>
  %0 = kiln.add %x, %z : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A constant that is not splat is no identity element.
// CHECK-LABEL: func @mul_not_splat
// CHECK: kiln.mul
func.func @mul_not_splat(%x: tensor<2xf32>) -> tensor<2xf32> {
  %c = kiln.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %0 = kiln.mul %x, %c : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Data movement of constants
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func @fold_transpose_2d
// CHECK: %[[R:.*]] = kiln.constant dense<{{\[\[}}1, 4], [2, 5], [3, 6]]> : tensor<3x2xi32>
// CHECK-NOT: kiln.transpose
// CHECK: return %[[R]]
func.func @fold_transpose_2d() -> tensor<3x2xi32> {
  %a = kiln.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi32>
  %0 = kiln.transpose %a {perm = array<i64: 1, 0>} : tensor<2x3xi32> -> tensor<3x2xi32>
  return %0 : tensor<3x2xi32>
}

// -----

// Result axis i is input axis perm[i]: out[i][j][k] = in[j][k][i].
// CHECK-LABEL: func @fold_transpose_3d
// CHECK: %[[R:.*]] = kiln.constant dense<{{\[\[\[}}0.000000e+00, 2.000000e+00], [4.000000e+00, 6.000000e+00]], {{\[\[}}1.000000e+00, 3.000000e+00], [5.000000e+00, 7.000000e+00]]]> : tensor<2x2x2xf32>
// CHECK-NOT: kiln.transpose
// CHECK: return %[[R]]
func.func @fold_transpose_3d() -> tensor<2x2x2xf32> {
  %a = kiln.constant dense<[[[0.0, 1.0], [2.0, 3.0]], [[4.0, 5.0], [6.0, 7.0]]]> : tensor<2x2x2xf32>
  %0 = kiln.transpose %a {perm = array<i64: 2, 0, 1>} : tensor<2x2x2xf32> -> tensor<2x2x2xf32>
  return %0 : tensor<2x2x2xf32>
}

// -----

// CHECK-LABEL: func @fold_transpose_splat
// CHECK: %[[R:.*]] = kiln.constant dense<1.500000e+00> : tensor<3x2xf32>
// CHECK-NOT: kiln.transpose
// CHECK: return %[[R]]
func.func @fold_transpose_splat() -> tensor<3x2xf32> {
  %a = kiln.constant dense<1.5> : tensor<2x3xf32>
  %0 = kiln.transpose %a {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// CHECK-LABEL: func @identity_transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: kiln.transpose
// CHECK: return %[[X]]
func.func @identity_transpose(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = kiln.transpose %x {perm = array<i64: 0, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @fold_reshape
// CHECK: %[[R:.*]] = kiln.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
// CHECK-NOT: kiln.reshape
// CHECK: return %[[R]]
func.func @fold_reshape() -> tensor<4xf32> {
  %a = kiln.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %s = kiln.constant dense<[-1]> : tensor<1xi64>
  %0 = kiln.reshape %a, %s : (tensor<2x2xf32>, tensor<1xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Reshaping to the same static type is a no-op.
// CHECK-LABEL: func @noop_reshape
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: kiln.reshape
// CHECK: return %[[X]]
func.func @noop_reshape(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %s = kiln.constant dense<[2, 3]> : tensor<2xi64>
  %0 = kiln.reshape %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A run-time input with a new shape stays a reshape.
// CHECK-LABEL: func @runtime_reshape
// CHECK: kiln.reshape
func.func @runtime_reshape(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %s = kiln.constant dense<[3, 2]> : tensor<2xi64>
  %0 = kiln.reshape %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// CHECK-LABEL: func @fold_flatten
// CHECK: %[[R:.*]] = kiln.constant dense<{{\[\[}}0, 1, 2, 3], [4, 5, 6, 7]]> : tensor<2x4xi64>
// CHECK-NOT: kiln.flatten
// CHECK: return %[[R]]
func.func @fold_flatten() -> tensor<2x4xi64> {
  %a = kiln.constant dense<[[[0, 1], [2, 3]], [[4, 5], [6, 7]]]> : tensor<2x2x2xi64>
  %0 = kiln.flatten %a {axis = 1 : i64} : tensor<2x2x2xi64> -> tensor<2x4xi64>
  return %0 : tensor<2x4xi64>
}

// -----

// CHECK-LABEL: func @fold_concat_inner_axis
// CHECK: %[[R:.*]] = kiln.constant dense<{{\[\[}}1, 2, 5], [3, 4, 6]]> : tensor<2x3xi64>
// CHECK-NOT: kiln.concat
// CHECK: return %[[R]]
func.func @fold_concat_inner_axis() -> tensor<2x3xi64> {
  %a = kiln.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %b = kiln.constant dense<[[5], [6]]> : tensor<2x1xi64>
  %0 = kiln.concat %a, %b {axis = -1 : i64} : (tensor<2x2xi64>, tensor<2x1xi64>) -> tensor<2x3xi64>
  return %0 : tensor<2x3xi64>
}

// -----

// Shape arithmetic as exporters emit it: concatenating 1-D shape pieces.
// CHECK-LABEL: func @fold_concat_outer_axis
// CHECK: %[[R:.*]] = kiln.constant dense<[1, -1, 4, 4]> : tensor<4xi64>
// CHECK-NOT: kiln.concat
// CHECK: return %[[R]]
func.func @fold_concat_outer_axis() -> tensor<4xi64> {
  %a = kiln.constant dense<[1, -1]> : tensor<2xi64>
  %b = kiln.constant dense<4> : tensor<2xi64>
  %0 = kiln.concat %a, %b {axis = 0 : i64} : (tensor<2xi64>, tensor<2xi64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// CHECK-LABEL: func @single_input_concat
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: kiln.concat
// CHECK: return %[[X]]
func.func @single_input_concat(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = kiln.concat %x {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @concat_with_runtime_input
// CHECK: kiln.concat
func.func @concat_with_runtime_input(%x: tensor<2xi64>) -> tensor<4xi64> {
  %a = kiln.constant dense<[1, 2]> : tensor<2xi64>
  %0 = kiln.concat %a, %x {axis = 0 : i64} : (tensor<2xi64>, tensor<2xi64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

//===----------------------------------------------------------------------===//
// identity
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func @identity_removed
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NOT: kiln.identity
// CHECK: %[[R:.*]] = kiln.relu %[[X]]
// CHECK: return %[[R]]
func.func @identity_removed(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = kiln.identity %x : tensor<4xf32> -> tensor<4xf32>
  %1 = kiln.identity %0 : tensor<4xf32> -> tensor<4xf32>
  %2 = kiln.relu %1 : tensor<4xf32> -> tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Constant folding through the ops' scalar semantics
//===----------------------------------------------------------------------===//

// Unsigned division and comparison use the unsigned meaning of the bits.
// CHECK-LABEL: func @fold_unsigned
// CHECK-DAG: kiln.constant dense<[127, 0]> : tensor<2xui8>
// CHECK-DAG: kiln.constant dense<[true, false]> : tensor<2xi1>
// CHECK-NOT: kiln.div
// CHECK-NOT: kiln.greater
func.func @fold_unsigned() -> (tensor<2xui8>, tensor<2xi1>) {
  %a = kiln.constant dense<[254, 1]> : tensor<2xui8>
  %b = kiln.constant dense<2> : tensor<ui8>
  %0 = kiln.div %a, %b : (tensor<2xui8>, tensor<ui8>) -> tensor<2xui8>
  %1 = kiln.greater %a, %b : (tensor<2xui8>, tensor<ui8>) -> tensor<2xi1>
  return %0, %1 : tensor<2xui8>, tensor<2xi1>
}

// -----

// Mod without fmod takes the divisor's sign (Python); with fmod, the
// dividend's (C).
// CHECK-LABEL: func @fold_mod
// CHECK-DAG: kiln.constant dense<[2, -2, -1, 1]> : tensor<4xi32>
// CHECK-DAG: kiln.constant dense<[2, -2, 2, -2]> : tensor<4xi32>
func.func @fold_mod() -> (tensor<4xi32>, tensor<4xi32>) {
  %a = kiln.constant dense<[5, -5, 5, -5]> : tensor<4xi32>
  %b = kiln.constant dense<[3, -3, -3, 3]> : tensor<4xi32>
  %0 = kiln.mod %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %1 = kiln.mod %a, %b {fmod = true} : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0, %1 : tensor<4xi32>, tensor<4xi32>
}

// -----

// Shape arithmetic as exporters write it: cast, compare, select.
// CHECK-LABEL: func @fold_cast_where
// CHECK: %[[R:.*]] = kiln.constant dense<[3, 0, 7]> : tensor<3xi64>
// CHECK-NEXT: return %[[R]]
func.func @fold_cast_where() -> tensor<3xi64> {
  %x = kiln.constant dense<[3.7, -2.5, 7.2]> : tensor<3xf32>
  %i = kiln.cast %x {to = i64} : tensor<3xf32> -> tensor<3xi64>
  %zero = kiln.constant dense<0> : tensor<i64>
  %neg = kiln.less %i, %zero : (tensor<3xi64>, tensor<i64>) -> tensor<3xi1>
  %r = kiln.where %neg, %zero, %i : (tensor<3xi1>, tensor<i64>, tensor<3xi64>) -> tensor<3xi64>
  return %r : tensor<3xi64>
}

// -----

// Math functions fold through math's folders.
// CHECK-LABEL: func @fold_sqrt_floor
// CHECK: kiln.constant dense<[2.000000e+00, 1.000000e+00]> : tensor<2xf32>
// CHECK-NOT: kiln.sqrt
func.func @fold_sqrt_floor() -> tensor<2xf32> {
  %x = kiln.constant dense<[4.0, 2.0]> : tensor<2xf32>
  %s = kiln.sqrt %x : tensor<2xf32> -> tensor<2xf32>
  %f = kiln.floor %s : tensor<2xf32> -> tensor<2xf32>
  return %f : tensor<2xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

// Shape arithmetic: the product of dimensions folds.
// CHECK-LABEL: func @fold_reduce_prod
// CHECK: %[[C:.*]] = kiln.constant dense<24> : tensor<1xi64>
// CHECK-NOT: kiln.reduce
// CHECK: return %[[C]]
func.func @fold_reduce_prod() -> tensor<1xi64> {
  %s = kiln.constant dense<[2, 3, 4]> : tensor<3xi64>
  %p = kiln.reduce prod %s {axes = array<i64: 0>} : tensor<3xi64> -> tensor<1xi64>
  return %p : tensor<1xi64>
}

// -----

// Sums over the middle axis; the reduced axis is dropped.
// CHECK-LABEL: func @fold_reduce_sum_axis
// CHECK: kiln.constant dense<{{\[}}[4.000000e+00, 6.000000e+00], [1.200000e+01, 1.400000e+01]]> : tensor<2x2xf32>
// CHECK-NOT: kiln.reduce
func.func @fold_reduce_sum_axis() -> tensor<2x2xf32> {
  %x = kiln.constant dense<[[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]> : tensor<2x2x2xf32>
  %s = kiln.reduce sum %x {axes = array<i64: 1>, keepdims = false} : tensor<2x2x2xf32> -> tensor<2x2xf32>
  return %s : tensor<2x2xf32>
}

// -----

// Signedness decides the maximum; booleans reduce as any/all; an empty
// axis gives the identity.
// CHECK-LABEL: func @fold_reduce_max_min
// CHECK-DAG: kiln.constant dense<200> : tensor<ui8>
// CHECK-DAG: kiln.constant dense<-56> : tensor<i8>
// CHECK-DAG: kiln.constant dense<[true, false]> : tensor<2xi1>
// CHECK-DAG: kiln.constant dense<false> : tensor<2xi1>
// CHECK-DAG: kiln.constant dense<0xFF800000> : tensor<2x1xf32>
// CHECK-NOT: kiln.reduce
func.func @fold_reduce_max_min() -> (tensor<ui8>, tensor<i8>, tensor<2xi1>, tensor<2xi1>, tensor<2x1xf32>) {
  %u = kiln.constant dense<[7, 200]> : tensor<2xui8>
  %0 = kiln.reduce max %u {axes = array<i64: 0>, keepdims = false} : tensor<2xui8> -> tensor<ui8>
  %i = kiln.constant dense<[7, -56]> : tensor<2xi8>
  %1 = kiln.reduce min %i {axes = array<i64: 0>, keepdims = false} : tensor<2xi8> -> tensor<i8>
  %b = kiln.constant dense<[[true, false], [false, false]]> : tensor<2x2xi1>
  %2 = kiln.reduce max %b {axes = array<i64: 1>, keepdims = false} : tensor<2x2xi1> -> tensor<2xi1>
  %3 = kiln.reduce min %b {axes = array<i64: 1>, keepdims = false} : tensor<2x2xi1> -> tensor<2xi1>
  %e = kiln.constant dense<> : tensor<2x0xf32>
  %4 = kiln.reduce max %e {axes = array<i64: 1>} : tensor<2x0xf32> -> tensor<2x1xf32>
  return %0, %1, %2, %3, %4 : tensor<ui8>, tensor<i8>, tensor<2xi1>, tensor<2xi1>, tensor<2x1xf32>
}

// -----

// Reducing no axes is the identity.
// CHECK-LABEL: func @reduce_no_axes
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @reduce_no_axes(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %0 = kiln.reduce sum %x {axes = array<i64>} : tensor<3x4xf32> -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// A reduction of a non-constant stays.
// CHECK-LABEL: func @reduce_not_folded
// CHECK: kiln.reduce sum
func.func @reduce_not_folded(%x: tensor<3x4xf32>) -> tensor<3x1xf32> {
  %0 = kiln.reduce sum %x {axes = array<i64: 1>} : tensor<3x4xf32> -> tensor<3x1xf32>
  return %0 : tensor<3x1xf32>
}

// -----

// CHECK-LABEL: func @lp_pool_same_upper
// CHECK: kiln.lp_pool %{{.*}} {kernel_shape = array<i64: 2, 2>, p = 3 : i64, pads = array<i64: 0, 0, 1, 1>}
// CHECK-NOT: auto_pad
func.func @lp_pool_same_upper(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %0 = kiln.lp_pool %x {auto_pad = #kiln<auto_pad same_upper>, kernel_shape = array<i64: 2, 2>, p = 3 : i64}
      : tensor<1x1x4x4xf32> -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// A transposed convolution whose kernel equals its stride writes one patch
// per input pixel: a 1x1 convolution to M x 2 x 2 channels (the constant
// weight transposed and reshaped at compile time, the constant bias
// repeated for the 4 positions of a patch), then a depth-to-space.
// CHECK-LABEL: func @conv_transpose_patches
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x4x5xf32>)
// CHECK-NOT: kiln.conv_transpose
// CHECK-DAG: %[[W:.*]] = kiln.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}9.000000e+00]], {{\[\[}}1.700000e+01]]], {{\[\[\[}}2.000000e+00]]{{.*}} : tensor<8x3x1x1xf32>
// CHECK-DAG: %[[B:.*]] = kiln.constant dense<[5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, -5.000000e-01, -5.000000e-01, -5.000000e-01, -5.000000e-01]> : tensor<8xf32>
// CHECK: %[[Y:.*]] = kiln.conv %[[X]], %[[W]], %[[B]] : (tensor<1x3x4x5xf32>, tensor<8x3x1x1xf32>, tensor<8xf32>) -> tensor<1x8x4x5xf32>
// CHECK: %[[Y6:.*]] = kiln.reshape %[[Y]], %{{.*}} : (tensor<1x8x4x5xf32>, tensor<6xi64>) -> tensor<1x2x2x2x4x5xf32>
// CHECK: %[[T:.*]] = kiln.transpose %[[Y6]] {perm = array<i64: 0, 1, 4, 2, 5, 3>} : tensor<1x2x2x2x4x5xf32> -> tensor<1x2x4x2x5x2xf32>
// CHECK: %[[O:.*]] = kiln.reshape %[[T]], %{{.*}} : (tensor<1x2x4x2x5x2xf32>, tensor<4xi64>) -> tensor<1x2x8x10xf32>
// CHECK-NOT: kiln.add
// CHECK: return %[[O]]
func.func @conv_transpose_patches(%x: tensor<1x3x4x5xf32>) -> tensor<1x2x8x10xf32> {
  %w = kiln.constant dense<[[[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]],
                            [[[9.0, 10.0], [11.0, 12.0]], [[13.0, 14.0], [15.0, 16.0]]],
                            [[[17.0, 18.0], [19.0, 20.0]], [[21.0, 22.0], [23.0, 24.0]]]]> : tensor<3x2x2x2xf32>
  %b = kiln.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %y = kiln.conv_transpose %x, %w, %b {output_sizes = array<i64: 8, 10>, strides = array<i64: 2, 2>}
      : (tensor<1x3x4x5xf32>, tensor<3x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x8x10xf32>
  return %y : tensor<1x2x8x10xf32>
}

// -----

// A bias known only at run time is added to the output.
// CHECK-LABEL: func @conv_transpose_patches_bias_input
// CHECK: %[[O:.*]] = kiln.reshape %{{.*}} -> tensor<1x2x8x10xf32>
// CHECK: %[[SUM:.*]] = kiln.add %[[O]], %{{.*}} : (tensor<1x2x8x10xf32>, tensor<2x1x1xf32>) -> tensor<1x2x8x10xf32>
// CHECK: return %[[SUM]]
func.func @conv_transpose_patches_bias_input(%x: tensor<1x3x4x5xf32>, %w: tensor<3x2x2x2xf32>, %b: tensor<2xf32>) -> tensor<1x2x8x10xf32> {
  %y = kiln.conv_transpose %x, %w, %b {output_sizes = array<i64: 8, 10>, strides = array<i64: 2, 2>}
      : (tensor<1x3x4x5xf32>, tensor<3x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x8x10xf32>
  return %y : tensor<1x2x8x10xf32>
}

// -----

// Overlapping patches (kernel 3, stride 2) stay a transposed convolution.
// CHECK-LABEL: func @conv_transpose_overlapping
// CHECK: kiln.conv_transpose
func.func @conv_transpose_overlapping(%x: tensor<1x3x4x4xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x2x9x9xf32> {
  %y = kiln.conv_transpose %x, %w {output_sizes = array<i64: 9, 9>, strides = array<i64: 2, 2>}
      : (tensor<1x3x4x4xf32>, tensor<3x2x3x3xf32>) -> tensor<1x2x9x9xf32>
  return %y : tensor<1x2x9x9xf32>
}

//===----------------------------------------------------------------------===//
// Products with a zero operand
//===----------------------------------------------------------------------===//

// -----

// Zeros times a constant of finite values is zeros (an RNN's first step
// from a zero state), for either operand of matmul and gemm without C.
// CHECK-LABEL: func @matmul_zero_finite
// CHECK-NOT: kiln.matmul
// CHECK-NOT: kiln.gemm
// CHECK: %[[Z:.*]] = kiln.constant dense<0.000000e+00> : tensor<1x3xf32>
// CHECK: return %[[Z]], %[[Z]]
func.func @matmul_zero_finite() -> (tensor<1x3xf32>, tensor<1x3xf32>) {
  %h = kiln.constant dense<0.0> : tensor<1x2xf32>
  %r = kiln.constant dense<[[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]]> : tensor<2x3xf32>
  %rt = kiln.constant dense<[[1.0, 0.5], [-2.0, 4.0], [3.0, -1.0]]> : tensor<3x2xf32>
  %0 = kiln.matmul %h, %r : (tensor<1x2xf32>, tensor<2x3xf32>) -> tensor<1x3xf32>
  %1 = kiln.gemm %h, %rt {trans_b = true} : (tensor<1x2xf32>, tensor<3x2xf32>) -> tensor<1x3xf32>
  return %0, %1 : tensor<1x3xf32>, tensor<1x3xf32>
}

// -----

// Integers have no NaN: zeros times any integer constant fold.
// CHECK-LABEL: func @matmul_zero_int
// CHECK-NOT: kiln.matmul
// CHECK: kiln.constant dense<0> : tensor<3x1xi32>
func.func @matmul_zero_int() -> tensor<3x1xi32> {
  %a = kiln.constant dense<[[1, 2], [3, 4], [5, 6]]> : tensor<3x2xi32>
  %z = kiln.constant dense<0> : tensor<2x1xi32>
  %0 = kiln.matmul %a, %z : (tensor<3x2xi32>, tensor<2x1xi32>) -> tensor<3x1xi32>
  return %0 : tensor<3x1xi32>
}

// -----

// Not folded: 0 * inf is NaN; the other operand unknown (it may hold an
// infinity); a gemm's C; an alpha that is not finite.
// CHECK-LABEL: func @matmul_zero_kept
// CHECK: kiln.matmul
// CHECK: kiln.matmul
// CHECK: kiln.gemm
// CHECK: kiln.gemm
func.func @matmul_zero_kept(%x: tensor<2x3xf32>, %c: tensor<3xf32>)
    -> (tensor<1x3xf32>, tensor<1x3xf32>, tensor<1x3xf32>, tensor<1x3xf32>) {
  %h = kiln.constant dense<0.0> : tensor<1x2xf32>
  %inf = kiln.constant dense<[[1.0, 0x7F800000, 3.0], [0.5, 4.0, -1.0]]> : tensor<2x3xf32>
  %r = kiln.constant dense<[[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]]> : tensor<2x3xf32>
  %0 = kiln.matmul %h, %inf : (tensor<1x2xf32>, tensor<2x3xf32>) -> tensor<1x3xf32>
  %1 = kiln.matmul %h, %x : (tensor<1x2xf32>, tensor<2x3xf32>) -> tensor<1x3xf32>
  %2 = kiln.gemm %h, %r, %c : (tensor<1x2xf32>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<1x3xf32>
  %3 = kiln.gemm %h, %r {alpha = 0x7F800000 : f32} : (tensor<1x2xf32>, tensor<2x3xf32>) -> tensor<1x3xf32>
  return %0, %1, %2, %3 : tensor<1x3xf32>, tensor<1x3xf32>, tensor<1x3xf32>, tensor<1x3xf32>
}

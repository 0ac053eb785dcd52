// Every kiln op with every attribute survives printing and parsing, in the
// custom form and in the generic form (parsed back and printed custom again).
// RUN: kiln-opt %s | kiln-opt --mlir-print-op-generic | kiln-opt | FileCheck %s

// CHECK-LABEL: func @conv_relu
func.func @conv_relu(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  // CHECK: %[[Y:.*]] = kiln.conv %{{.*}}, %{{.*}}, %{{.*}} {pads = array<i64: 1, 1, 1, 1>}
  %y = kiln.conv %x, %w, %b {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: kiln.relu %[[Y]] : tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  %z = kiln.relu %y : tensor<1x4x8x8xf32> -> tensor<1x4x8x8xf32>
  return %z : tensor<1x4x8x8xf32>
}

// CHECK-LABEL: func @constant
func.func @constant() -> (tensor<2x2xf32>, tensor<3xi64>) {
  // CHECK: kiln.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
  %0 = kiln.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  // CHECK: kiln.constant dense<[1, -1, 0]> : tensor<3xi64>
  %1 = kiln.constant dense<[1, -1, 0]> : tensor<3xi64>
  return %0, %1 : tensor<2x2xf32>, tensor<3xi64>
}

// CHECK-LABEL: func @unary
// CHECK-SAME: (%[[X:.*]]: tensor<2x?xf32>)
func.func @unary(%x: tensor<2x?xf32>) -> (tensor<2x?xf32>, tensor<2x?xf32>, tensor<2x?xf32>, tensor<2x?xf32>) {
  // CHECK: kiln.identity %[[X]] : tensor<2x?xf32> -> tensor<2x?xf32>
  %0 = kiln.identity %x : tensor<2x?xf32> -> tensor<2x?xf32>
  // CHECK: kiln.relu %[[X]] : tensor<2x?xf32> -> tensor<2x?xf32>
  %1 = kiln.relu %x : tensor<2x?xf32> -> tensor<2x?xf32>
  // CHECK: kiln.sigmoid %[[X]] : tensor<2x?xf32> -> tensor<2x?xf32>
  %2 = kiln.sigmoid %x : tensor<2x?xf32> -> tensor<2x?xf32>
  // CHECK: kiln.tanh %[[X]] : tensor<2x?xf32> -> tensor<2x?xf32>
  %3 = kiln.tanh %x : tensor<2x?xf32> -> tensor<2x?xf32>
  return %0, %1, %2, %3 : tensor<2x?xf32>, tensor<2x?xf32>, tensor<2x?xf32>, tensor<2x?xf32>
}

// A result type may be more precise than inference gives (refinement).
// CHECK-LABEL: func @refined_result
func.func @refined_result(%x: tensor<?xf32>) -> tensor<4xf32> {
  // CHECK: kiln.relu %{{.*}} : tensor<?xf32> -> tensor<4xf32>
  %0 = kiln.relu %x : tensor<?xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// CHECK-LABEL: func @binary
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<3xf32>, %[[S:.*]]: tensor<f32>, %[[I:.*]]: tensor<2x1xi32>, %[[J:.*]]: tensor<1x4xi32>)
func.func @binary(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %s: tensor<f32>, %i: tensor<2x1xi32>, %j: tensor<1x4xi32>)
    -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x4xi32>) {
  // CHECK: kiln.add %[[A]], %[[B]] : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %0 = kiln.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.sub %[[B]], %[[A]] : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = kiln.sub %b, %a : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.mul %[[A]], %[[S]] : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %2 = kiln.mul %a, %s : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  // CHECK: kiln.div %[[I]], %[[J]] : (tensor<2x1xi32>, tensor<1x4xi32>) -> tensor<2x4xi32>
  %3 = kiln.div %i, %j : (tensor<2x1xi32>, tensor<1x4xi32>) -> tensor<2x4xi32>
  return %0, %1, %2, %3 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x4xi32>
}

// CHECK-LABEL: func @clip
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[LO:.*]]: tensor<f32>, %[[HI:.*]]: tensor<f32>)
func.func @clip(%x: tensor<4xf32>, %lo: tensor<f32>, %hi: tensor<f32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  // CHECK: kiln.clip %[[X]] min %[[LO]] max %[[HI]] : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
  %0 = kiln.clip %x min %lo max %hi : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
  // CHECK: kiln.clip %[[X]] min %[[LO]] : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = kiln.clip %x min %lo : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  // CHECK: kiln.clip %[[X]] max %[[HI]] : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %2 = kiln.clip %x max %hi : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  // CHECK: kiln.clip %[[X]] : (tensor<4xf32>) -> tensor<4xf32>
  %3 = kiln.clip %x : (tensor<4xf32>) -> tensor<4xf32>
  return %0, %1, %2, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func @matmul
func.func @matmul(%a: tensor<2x4x8xf32>, %b: tensor<8x16xf32>, %v: tensor<8xf32>) -> (tensor<2x4x16xf32>, tensor<2x4xf32>, tensor<16xf32>) {
  // CHECK: kiln.matmul %{{.*}}, %{{.*}} : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<2x4x16xf32>
  %0 = kiln.matmul %a, %b : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<2x4x16xf32>
  // CHECK: kiln.matmul %{{.*}}, %{{.*}} : (tensor<2x4x8xf32>, tensor<8xf32>) -> tensor<2x4xf32>
  %1 = kiln.matmul %a, %v : (tensor<2x4x8xf32>, tensor<8xf32>) -> tensor<2x4xf32>
  // CHECK: kiln.matmul %{{.*}}, %{{.*}} : (tensor<8xf32>, tensor<8x16xf32>) -> tensor<16xf32>
  %2 = kiln.matmul %v, %b : (tensor<8xf32>, tensor<8x16xf32>) -> tensor<16xf32>
  return %0, %1, %2 : tensor<2x4x16xf32>, tensor<2x4xf32>, tensor<16xf32>
}

// CHECK-LABEL: func @gemm
// CHECK-SAME: (%[[A:.*]]: tensor<256x1xf32>, %[[B:.*]]: tensor<10x256xf32>, %[[C:.*]]: tensor<10xf32>)
func.func @gemm(%a: tensor<256x1xf32>, %b: tensor<10x256xf32>, %c: tensor<10xf32>) -> (tensor<1x10xf32>, tensor<1x10xf32>) {
  // CHECK: kiln.gemm %[[A]], %[[B]], %[[C]] {alpha = 5.000000e-01 : f32, beta = 2.000000e+00 : f32, trans_a = true, trans_b = true} : (tensor<256x1xf32>, tensor<10x256xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  %0 = kiln.gemm %a, %b, %c {alpha = 0.5 : f32, beta = 2.0 : f32, trans_a = true, trans_b = true}
      : (tensor<256x1xf32>, tensor<10x256xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  // Without C; default attributes are not printed.
  // CHECK: kiln.gemm %[[A]], %[[B]] {trans_a = true, trans_b = true} : (tensor<256x1xf32>, tensor<10x256xf32>) -> tensor<1x10xf32>
  %1 = kiln.gemm %a, %b {alpha = 1.0 : f32, trans_a = true, trans_b = true}
      : (tensor<256x1xf32>, tensor<10x256xf32>) -> tensor<1x10xf32>
  return %0, %1 : tensor<1x10xf32>, tensor<1x10xf32>
}

// CHECK-LABEL: func @conv_attributes
func.func @conv_attributes(%x: tensor<1x4x9x9xf32>, %w: tensor<8x2x3x3xf32>, %x1: tensor<1x3x10xf32>, %w1: tensor<6x3x3xf32>)
    -> (tensor<1x8x3x3xf32>, tensor<1x8x9x9xf32>, tensor<1x6x4xf32>) {
  // CHECK: kiln.conv %{{.*}}, %{{.*}} {dilations = array<i64: 2, 2>, group = 2 : i64, pads = array<i64: 1, 1, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x4x9x9xf32>, tensor<8x2x3x3xf32>) -> tensor<1x8x3x3xf32>
  %0 = kiln.conv %x, %w {dilations = array<i64: 2, 2>, group = 2 : i64, pads = array<i64: 1, 1, 0, 0>, strides = array<i64: 2, 2>}
      : (tensor<1x4x9x9xf32>, tensor<8x2x3x3xf32>) -> tensor<1x8x3x3xf32>
  // CHECK: kiln.conv %{{.*}}, %{{.*}} {auto_pad = #kiln<auto_pad same_lower>, group = 2 : i64} : (tensor<1x4x9x9xf32>, tensor<8x2x3x3xf32>) -> tensor<1x8x9x9xf32>
  %1 = kiln.conv %x, %w {auto_pad = #kiln<auto_pad same_lower>, group = 2 : i64}
      : (tensor<1x4x9x9xf32>, tensor<8x2x3x3xf32>) -> tensor<1x8x9x9xf32>
  // CHECK: kiln.conv %{{.*}}, %{{.*}} {strides = array<i64: 2>} : (tensor<1x3x10xf32>, tensor<6x3x3xf32>) -> tensor<1x6x4xf32>
  %2 = kiln.conv %x1, %w1 {auto_pad = #kiln<auto_pad notset>, strides = array<i64: 2>}
      : (tensor<1x3x10xf32>, tensor<6x3x3xf32>) -> tensor<1x6x4xf32>
  return %0, %1, %2 : tensor<1x8x3x3xf32>, tensor<1x8x9x9xf32>, tensor<1x6x4xf32>
}

// CHECK-LABEL: func @pools
func.func @pools(%x: tensor<1x8x32x32xf32>) -> (tensor<1x8x16x16xf32>, tensor<1x8x11x11xf32>, tensor<1x8x32x32xf32>, tensor<1x8x16x16xf32>, tensor<1x8x1x1xf32>) {
  // CHECK: kiln.max_pool %{{.*}} {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x8x32x32xf32> -> tensor<1x8x16x16xf32>
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x8x32x32xf32> -> tensor<1x8x16x16xf32>
  // CHECK: kiln.max_pool %{{.*}} {ceil_mode = true, dilations = array<i64: 2, 2>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 3, 3>} : tensor<1x8x32x32xf32> -> tensor<1x8x11x11xf32>
  %1 = kiln.max_pool %x {ceil_mode = true, dilations = array<i64: 2, 2>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 3, 3>}
      : tensor<1x8x32x32xf32> -> tensor<1x8x11x11xf32>
  // CHECK: kiln.average_pool %{{.*}} {auto_pad = #kiln<auto_pad same_upper>, count_include_pad = true, kernel_shape = array<i64: 3, 3>} : tensor<1x8x32x32xf32> -> tensor<1x8x32x32xf32>
  %2 = kiln.average_pool %x {auto_pad = #kiln<auto_pad same_upper>, count_include_pad = true, kernel_shape = array<i64: 3, 3>}
      : tensor<1x8x32x32xf32> -> tensor<1x8x32x32xf32>
  // CHECK: kiln.average_pool %{{.*}} {auto_pad = #kiln<auto_pad valid>, ceil_mode = true, kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : tensor<1x8x32x32xf32> -> tensor<1x8x16x16xf32>
  %3 = kiln.average_pool %x {auto_pad = #kiln<auto_pad valid>, ceil_mode = true, kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<1x8x32x32xf32> -> tensor<1x8x16x16xf32>
  // CHECK: kiln.global_average_pool %{{.*}} : tensor<1x8x32x32xf32> -> tensor<1x8x1x1xf32>
  %4 = kiln.global_average_pool %x : tensor<1x8x32x32xf32> -> tensor<1x8x1x1xf32>
  return %0, %1, %2, %3, %4 : tensor<1x8x16x16xf32>, tensor<1x8x11x11xf32>, tensor<1x8x32x32xf32>, tensor<1x8x16x16xf32>, tensor<1x8x1x1xf32>
}

// CHECK-LABEL: func @batch_norm_softmax
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x4x4xf32>, %[[S:.*]]: tensor<8xf32>, %[[B:.*]]: tensor<8xf32>, %[[M:.*]]: tensor<8xf32>, %[[V:.*]]: tensor<8xf32>)
func.func @batch_norm_softmax(%x: tensor<1x8x4x4xf32>, %s: tensor<8xf32>, %b: tensor<8xf32>, %m: tensor<8xf32>, %v: tensor<8xf32>)
    -> (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) {
  // CHECK: kiln.batch_norm %[[X]], %[[S]], %[[B]], %[[M]], %[[V]] {epsilon = 1.000000e-03 : f32} : (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x4x4xf32>
  %0 = kiln.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0e-03 : f32}
      : (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x4x4xf32>
  // CHECK: kiln.softmax %[[X]] {axis = 1 : i64} : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32>
  %1 = kiln.softmax %x {axis = 1 : i64} : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32>
  // The default axis (-1) is not printed.
  // CHECK: kiln.softmax %[[X]] : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32>
  %2 = kiln.softmax %x {axis = -1 : i64} : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32>
  return %0, %1, %2 : tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>
}

// CHECK-LABEL: func @shapes
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>, %[[SHAPE:.*]]: tensor<2xi64>, %[[Y:.*]]: tensor<2x5x4xf32>)
func.func @shapes(%x: tensor<2x3x4xf32>, %shape: tensor<2xi64>, %y: tensor<2x5x4xf32>)
    -> (tensor<?x?xf32>, tensor<6x4xf32>, tensor<2x4x3xf32>, tensor<2x8x4xf32>, tensor<2x3x4xf32>) {
  // CHECK: kiln.reshape %[[X]], %[[SHAPE]] {allow_zero = true} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %0 = kiln.reshape %x, %shape {allow_zero = true} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  // CHECK: kiln.flatten %[[X]] {axis = 2 : i64} : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %1 = kiln.flatten %x {axis = 2 : i64} : tensor<2x3x4xf32> -> tensor<6x4xf32>
  // CHECK: kiln.transpose %[[X]] {perm = array<i64: 0, 2, 1>} : tensor<2x3x4xf32> -> tensor<2x4x3xf32>
  %2 = kiln.transpose %x {perm = array<i64: 0, 2, 1>} : tensor<2x3x4xf32> -> tensor<2x4x3xf32>
  // CHECK: kiln.concat %[[X]], %[[Y]] {axis = -2 : i64} : (tensor<2x3x4xf32>, tensor<2x5x4xf32>) -> tensor<2x8x4xf32>
  %3 = kiln.concat %x, %y {axis = -2 : i64} : (tensor<2x3x4xf32>, tensor<2x5x4xf32>) -> tensor<2x8x4xf32>
  // CHECK: kiln.concat %[[X]] {axis = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %4 = kiln.concat %x {axis = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %0, %1, %2, %3, %4 : tensor<?x?xf32>, tensor<6x4xf32>, tensor<2x4x3xf32>, tensor<2x8x4xf32>, tensor<2x3x4xf32>
}

// CHECK-LABEL: func @conv_transpose
// CHECK: kiln.conv_transpose %{{.*}}, %{{.*}}, %{{.*}} {output_sizes = array<i64: 8, 8>, pads_begin = array<i64: 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x4x4xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x3x8x8xf32>
func.func @conv_transpose(%x: tensor<1x4x4x4xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x3x8x8xf32> {
  %0 = kiln.conv_transpose %x, %w, %b {output_sizes = array<i64: 8, 8>, pads_begin = array<i64: 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x4x4xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// CHECK-LABEL: func @resample
// CHECK: kiln.resample %{{.*}}, %{{.*}}, %{{.*}} {axis = 3 : i64} : (tensor<1x3x8x8xf32>, tensor<16x2xi64>, tensor<16x2xf32>) -> tensor<1x3x8x16xf32>
// CHECK: kiln.resample %{{.*}}, %{{.*}} {axis = -1 : i64} : (tensor<1x3x8x8xui8>, tensor<4x1xi64>) -> tensor<1x3x8x4xui8>
func.func @resample(%x: tensor<1x3x8x8xf32>, %i: tensor<16x2xi64>, %w: tensor<16x2xf32>, %u: tensor<1x3x8x8xui8>, %n: tensor<4x1xi64>) -> (tensor<1x3x8x16xf32>, tensor<1x3x8x4xui8>) {
  %0 = kiln.resample %x, %i, %w {axis = 3 : i64} : (tensor<1x3x8x8xf32>, tensor<16x2xi64>, tensor<16x2xf32>) -> tensor<1x3x8x16xf32>
  %1 = kiln.resample %u, %n {axis = -1 : i64} : (tensor<1x3x8x8xui8>, tensor<4x1xi64>) -> tensor<1x3x8x4xui8>
  return %0, %1 : tensor<1x3x8x16xf32>, tensor<1x3x8x4xui8>
}

// CHECK-LABEL: func @reductions
// CHECK-SAME: (%[[X:.*]]: tensor<3x4x5xf32>, %[[B:.*]]: tensor<4x2xi1>, %[[U:.*]]: tensor<3x4xui8>)
func.func @reductions(%x: tensor<3x4x5xf32>, %b: tensor<4x2xi1>, %u: tensor<3x4xui8>)
    -> (tensor<3x5xf32>, tensor<1x1x1xf32>, tensor<4x1xi1>, tensor<3x4xui8>, tensor<3x4xf32>) {
  // CHECK: kiln.reduce sum %[[X]] {axes = array<i64: 1>, keepdims = false} : tensor<3x4x5xf32> -> tensor<3x5xf32>
  %0 = kiln.reduce sum %x {axes = array<i64: 1>, keepdims = false} : tensor<3x4x5xf32> -> tensor<3x5xf32>
  // CHECK: kiln.reduce prod %[[X]] {axes = array<i64: 0, -1, 1>} : tensor<3x4x5xf32> -> tensor<1x1x1xf32>
  %1 = kiln.reduce prod %x {axes = array<i64: 0, -1, 1>, keepdims = true} : tensor<3x4x5xf32> -> tensor<1x1x1xf32>
  // CHECK: kiln.reduce max %[[B]] {axes = array<i64: 1>} : tensor<4x2xi1> -> tensor<4x1xi1>
  %2 = kiln.reduce max %b {axes = array<i64: 1>} : tensor<4x2xi1> -> tensor<4x1xi1>
  // CHECK: kiln.reduce min %[[U]] {axes = array<i64>} : tensor<3x4xui8> -> tensor<3x4xui8>
  %3 = kiln.reduce min %u {axes = array<i64>} : tensor<3x4xui8> -> tensor<3x4xui8>
  // CHECK: kiln.log_softmax %[[X]] {axis = 2 : i64} : tensor<3x4x5xf32> -> tensor<3x4x5xf32>
  %4 = kiln.log_softmax %x {axis = 2 : i64} : tensor<3x4x5xf32> -> tensor<3x4x5xf32>
  // CHECK: kiln.hardmax %[[X]] : tensor<3x4x5xf32> -> tensor<3x4x5xf32>
  %5 = kiln.hardmax %x {axis = -1 : i64} : tensor<3x4x5xf32> -> tensor<3x4x5xf32>
  %6 = kiln.reduce max %x {axes = array<i64: 2>, keepdims = false} : tensor<3x4x5xf32> -> tensor<3x4xf32>
  return %0, %1, %2, %3, %6 : tensor<3x5xf32>, tensor<1x1x1xf32>, tensor<4x1xi1>, tensor<3x4xui8>, tensor<3x4xf32>
}

// CHECK-LABEL: func @arg_scan_top_k
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>, %[[I:.*]]: tensor<5xi32>)
func.func @arg_scan_top_k(%x: tensor<3x4xf32>, %i: tensor<5xi32>)
    -> (tensor<1x4xi64>, tensor<3xi64>, tensor<5xi32>, tensor<3x4xf32>, tensor<3x2xf32>, tensor<3x2xi64>) {
  // CHECK: kiln.argmax %[[X]] : tensor<3x4xf32> -> tensor<1x4xi64>
  %0 = kiln.argmax %x : tensor<3x4xf32> -> tensor<1x4xi64>
  // CHECK: kiln.argmin %[[X]] {axis = -1 : i64, keepdims = false, select_last_index = true} : tensor<3x4xf32> -> tensor<3xi64>
  %1 = kiln.argmin %x {axis = -1 : i64, keepdims = false, select_last_index = true} : tensor<3x4xf32> -> tensor<3xi64>
  // CHECK: kiln.cumulative sum %[[I]] {axis = 0 : i64, exclusive = true, reverse = true} : tensor<5xi32> -> tensor<5xi32>
  %2 = kiln.cumulative sum %i {axis = 0 : i64, exclusive = true, reverse = true} : tensor<5xi32> -> tensor<5xi32>
  // CHECK: kiln.cumulative prod %[[X]] {axis = 1 : i64} : tensor<3x4xf32> -> tensor<3x4xf32>
  %3 = kiln.cumulative prod %x {axis = 1 : i64} : tensor<3x4xf32> -> tensor<3x4xf32>
  // CHECK: kiln.top_k %[[X]] {k = 2 : i64, largest = false} : tensor<3x4xf32> -> (tensor<3x2xf32>, tensor<3x2xi64>)
  %4:2 = kiln.top_k %x {k = 2 : i64, largest = false} : tensor<3x4xf32> -> (tensor<3x2xf32>, tensor<3x2xi64>)
  return %0, %1, %2, %3, %4#0, %4#1 : tensor<1x4xi64>, tensor<3xi64>, tensor<5xi32>, tensor<3x4xf32>, tensor<3x2xf32>, tensor<3x2xi64>
}

// CHECK-LABEL: func @lp_pool
func.func @lp_pool(%x: tensor<1x3x8x8xf32>) -> (tensor<1x3x7x7xf32>, tensor<1x3x8x8xf32>) {
  // CHECK: kiln.lp_pool %{{.*}} {kernel_shape = array<i64: 2, 2>, p = 3 : i64} : tensor<1x3x8x8xf32> -> tensor<1x3x7x7xf32>
  %0 = kiln.lp_pool %x {kernel_shape = array<i64: 2, 2>, p = 3 : i64} : tensor<1x3x8x8xf32> -> tensor<1x3x7x7xf32>
  // CHECK: kiln.lp_pool %{{.*}} {auto_pad = #kiln<auto_pad same_upper>, kernel_shape = array<i64: 2, 2>} : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32>
  %1 = kiln.lp_pool %x {auto_pad = #kiln<auto_pad same_upper>, kernel_shape = array<i64: 2, 2>, p = 2 : i64} : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32>
  return %0, %1 : tensor<1x3x7x7xf32>, tensor<1x3x8x8xf32>
}

// CHECK-LABEL: func @max_pool_indices
func.func @max_pool_indices(%x: tensor<1x8x32x32xf32>) -> tensor<1x8x16x16xi64> {
  // CHECK: kiln.max_pool_indices %{{.*}} {kernel_shape = array<i64: 2, 2>, storage_order = true, strides = array<i64: 2, 2>} : tensor<1x8x32x32xf32> -> tensor<1x8x16x16xi64>
  %0 = kiln.max_pool_indices %x {kernel_shape = array<i64: 2, 2>, storage_order = true, strides = array<i64: 2, 2>} : tensor<1x8x32x32xf32> -> tensor<1x8x16x16xi64>
  return %0 : tensor<1x8x16x16xi64>
}

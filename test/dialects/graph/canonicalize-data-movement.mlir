// Constant folding of the data movement ops: they make up the shape
// computations exporters emit, so each folds on constant operands (and the
// identity forms fold away on any operand).
// RUN: kiln-opt %s -split-input-file -canonicalize | FileCheck %s

// The usual exporter pattern: Shape -> Gather -> Unsqueeze -> Concat.
// CHECK-LABEL: func @shape_subgraph
// CHECK-NEXT: %[[C:.*]] = kiln.constant dense<[4, -1]> : tensor<2xi64>
// CHECK-NEXT: return %[[C]]
func.func @shape_subgraph(%x: tensor<4x5x6xf32>) -> tensor<2xi64> {
  %s = kiln.shape %x : tensor<4x5x6xf32> -> tensor<3xi64>
  %i = kiln.constant dense<0> : tensor<i64>
  %d = kiln.gather %s, %i : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %u = kiln.unsqueeze %d {axes = array<i64: 0>} : tensor<i64> -> tensor<1xi64>
  %m = kiln.constant dense<-1> : tensor<1xi64>
  %c = kiln.concat %u, %m {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  return %c : tensor<2xi64>
}

// -----

// CHECK-LABEL: func @unit_axes
// CHECK-DAG: %[[A:.*]] = kiln.constant dense<{{\[}}[1, 2, 3]]> : tensor<1x3xi32>
// CHECK-DAG: %[[B:.*]] = kiln.constant dense<[true, false]> : tensor<2xi1>
// CHECK: return %[[A]], %[[B]], %arg0
func.func @unit_axes(%x: tensor<3xf32>) -> (tensor<1x3xi32>, tensor<2xi1>, tensor<3xf32>) {
  %0 = kiln.constant dense<[1, 2, 3]> : tensor<3xi32>
  %1 = kiln.unsqueeze %0 {axes = array<i64: 0>} : tensor<3xi32> -> tensor<1x3xi32>
  %2 = kiln.constant dense<[[true], [false]]> : tensor<2x1xi1>
  %3 = kiln.squeeze %2 {axes = array<i64: 1>} : tensor<2x1xi1> -> tensor<2xi1>
  %4 = kiln.squeeze %x {axes = array<i64>} : tensor<3xf32> -> tensor<3xf32>
  return %1, %3, %4 : tensor<1x3xi32>, tensor<2xi1>, tensor<3xf32>
}

// -----

// CHECK-LABEL: func @slice
// CHECK-DAG: %[[BACK:.*]] = kiln.constant dense<{{\[}}[6, 4], [3, 1]]> : tensor<2x2xi64>
// CHECK-DAG: %[[F16:.*]] = kiln.constant dense<[2.000000e+00, 3.000000e+00]> : tensor<2xf16>
// CHECK: return %[[BACK]], %[[F16]], %arg0
func.func @slice(%x: tensor<4xf32>) -> (tensor<2x2xi64>, tensor<2xf16>, tensor<4xf32>) {
  %0 = kiln.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  // Both axes backwards, the second with step 2; INT64_MIN ends at the front.
  %1 = kiln.slice %0 {axes = array<i64: 0, 1>, ends = array<i64: -9223372036854775808, -9223372036854775808>,
                      starts = array<i64: 5, -1>, steps = array<i64: -1, -2>} : tensor<2x3xi64> -> tensor<2x2xi64>
  %2 = kiln.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf16>
  %3 = kiln.slice %2 {axes = array<i64: 0>, ends = array<i64: 3>, starts = array<i64: 1>, steps = array<i64: 1>} : tensor<4xf16> -> tensor<2xf16>
  // The whole tensor: the input itself.
  %4 = kiln.slice %x {axes = array<i64: 0>, ends = array<i64: 9223372036854775807>, starts = array<i64: 0>, steps = array<i64: 1>} : tensor<4xf32> -> tensor<4xf32>
  return %1, %3, %4 : tensor<2x2xi64>, tensor<2xf16>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func @expand_tile
// CHECK-DAG: %[[E:.*]] = kiln.constant dense<{{\[}}[1, 1, 1], [2, 2, 2]]> : tensor<2x3xui8>
// CHECK-DAG: %[[S:.*]] = kiln.constant dense<5.000000e-01> : tensor<4x4xf32>
// CHECK-DAG: %[[T:.*]] = kiln.constant dense<{{\[}}[1, 2, 1, 2], [1, 2, 1, 2]]> : tensor<2x4xi32>
// CHECK: return %[[E]], %[[S]], %[[T]]
func.func @expand_tile() -> (tensor<2x3xui8>, tensor<4x4xf32>, tensor<2x4xi32>) {
  %0 = kiln.constant dense<[[1], [2]]> : tensor<2x1xui8>
  %1 = kiln.expand %0 {shape = array<i64: 1, 3>} : tensor<2x1xui8> -> tensor<2x3xui8>
  %2 = kiln.constant dense<0.5> : tensor<1x4xf32>
  %3 = kiln.expand %2 {shape = array<i64: 4, 1>} : tensor<1x4xf32> -> tensor<4x4xf32>
  %4 = kiln.constant dense<[[1, 2]]> : tensor<1x2xi32>
  %5 = kiln.tile %4 {repeats = array<i64: 2, 2>} : tensor<1x2xi32> -> tensor<2x4xi32>
  return %1, %3, %5 : tensor<2x3xui8>, tensor<4x4xf32>, tensor<2x4xi32>
}

// -----

// CHECK-LABEL: func @pad
// CHECK-DAG: %[[C:.*]] = kiln.constant dense<[9.000000e+00, 1.000000e+00, 2.000000e+00, 9.000000e+00, 9.000000e+00]> : tensor<5xf32>
// CHECK-DAG: %[[R:.*]] = kiln.constant dense<[3, 2, 1, 2, 3, 2]> : tensor<6xi64>
// CHECK-DAG: %[[W:.*]] = kiln.constant dense<[2, 3, 2]> : tensor<3xi64>
// CHECK: return %[[C]], %[[R]], %[[W]]
func.func @pad() -> (tensor<5xf32>, tensor<6xi64>, tensor<3xi64>) {
  %0 = kiln.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %v = kiln.constant dense<9.0> : tensor<f32>
  %1 = kiln.pad %0, %v {pads = array<i64: 1, 2>} : (tensor<2xf32>, tensor<f32>) -> tensor<5xf32>
  %2 = kiln.constant dense<[1, 2, 3]> : tensor<3xi64>
  %3 = kiln.pad %2 {mode = #kiln<pad_mode reflect>, pads = array<i64: 2, 1>} : (tensor<3xi64>) -> tensor<6xi64>
  // Crop the front, then wrap around what is left ([2, 3]).
  %4 = kiln.pad %2 {mode = #kiln<pad_mode wrap>, pads = array<i64: -1, 1>} : (tensor<3xi64>) -> tensor<3xi64>
  return %1, %3, %4 : tensor<5xf32>, tensor<6xi64>, tensor<3xi64>
}

// -----

// Zero pads return the input; a constant mode pad of a run-time tensor stays.
// CHECK-LABEL: func @pad_identity
// CHECK: %[[P:.*]] = kiln.pad %arg0 {pads = array<i64: 1, 0>}
// CHECK: return %arg0, %[[P]]
func.func @pad_identity(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<4xf32>) {
  %0 = kiln.pad %x {pads = array<i64: 0, 0>} : (tensor<3xf32>) -> tensor<3xf32>
  %1 = kiln.pad %x {pads = array<i64: 1, 0>} : (tensor<3xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<3xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func @gathers
// CHECK-DAG: %[[G:.*]] = kiln.constant dense<{{\[}}[3, 1], [6, 4]]> : tensor<2x2xi64>
// CHECK-DAG: %[[E:.*]] = kiln.constant dense<{{\[}}[3, 1, 2], [4, 6, 5]]> : tensor<2x3xi64>
// CHECK-DAG: %[[N:.*]] = kiln.constant dense<[6, 1]> : tensor<2xi64>
// CHECK-DAG: %[[B:.*]] = kiln.constant dense<[false, true]> : tensor<2xi1>
// CHECK: return %[[G]], %[[E]], %[[N]], %[[B]]
func.func @gathers() -> (tensor<2x2xi64>, tensor<2x3xi64>, tensor<2xi64>, tensor<2xi1>) {
  %d = kiln.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %i = kiln.constant dense<[-1, 0]> : tensor<2xi32>
  %0 = kiln.gather %d, %i {axis = 1 : i64} : (tensor<2x3xi64>, tensor<2xi32>) -> tensor<2x2xi64>
  %j = kiln.constant dense<[[2, 0, 1], [0, -1, 1]]> : tensor<2x3xi64>
  %1 = kiln.gather_elements %d, %j {axis = 1 : i64} : (tensor<2x3xi64>, tensor<2x3xi64>) -> tensor<2x3xi64>
  %k = kiln.constant dense<[[1, 2], [0, -3]]> : tensor<2x2xi64>
  %2 = kiln.gather_nd %d, %k : (tensor<2x3xi64>, tensor<2x2xi64>) -> tensor<2xi64>
  %b = kiln.constant dense<[true, false, false]> : tensor<3xi1>
  %l = kiln.constant dense<[2, 0]> : tensor<2xi64>
  %3 = kiln.gather %b, %l : (tensor<3xi1>, tensor<2xi64>) -> tensor<2xi1>
  return %0, %1, %2, %3 : tensor<2x2xi64>, tensor<2x3xi64>, tensor<2xi64>, tensor<2xi1>
}

// -----

// An out-of-range index is the model's error: left to run time.
// CHECK-LABEL: func @gather_out_of_range
// CHECK: kiln.gather
func.func @gather_out_of_range() -> tensor<1xi64> {
  %d = kiln.constant dense<[1, 2, 3]> : tensor<3xi64>
  %i = kiln.constant dense<[3]> : tensor<1xi64>
  %0 = kiln.gather %d, %i : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  return %0 : tensor<1xi64>
}

// -----

// Scatters without reduction fold (later updates win); reductions stay.
// CHECK-LABEL: func @scatters
// CHECK-DAG: %[[E:.*]] = kiln.constant dense<{{\[}}[1, 8, 7], [4, 5, 6]]> : tensor<2x3xi64>
// CHECK-DAG: %[[N:.*]] = kiln.constant dense<{{\[}}[7, 8, 9], [4, 5, 6]]> : tensor<2x3xi64>
// CHECK-DAG: kiln.scatter_nd {{.*}}reduction = #kiln<scatter_reduction add>
// CHECK: return %[[E]], %[[N]]
func.func @scatters() -> (tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xi64>) {
  %d = kiln.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %i = kiln.constant dense<[[-1, 1]]> : tensor<1x2xi64>
  %u = kiln.constant dense<[[7, 8]]> : tensor<1x2xi64>
  %0 = kiln.scatter_elements %d, %i, %u {axis = 1 : i64} : (tensor<2x3xi64>, tensor<1x2xi64>, tensor<1x2xi64>) -> tensor<2x3xi64>
  %n = kiln.constant dense<[[0]]> : tensor<1x1xi64>
  %v = kiln.constant dense<[[7, 8, 9]]> : tensor<1x3xi64>
  %1 = kiln.scatter_nd %d, %n, %v : (tensor<2x3xi64>, tensor<1x1xi64>, tensor<1x3xi64>) -> tensor<2x3xi64>
  %2 = kiln.scatter_nd %d, %n, %v {reduction = #kiln<scatter_reduction add>} : (tensor<2x3xi64>, tensor<1x1xi64>, tensor<1x3xi64>) -> tensor<2x3xi64>
  return %0, %1, %2 : tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xi64>
}

// -----

// CHECK-LABEL: func @patterns
// CHECK-DAG: %[[T:.*]] = kiln.constant dense<{{\[}}[1, 2, 0], [4, 5, 6]]> : tensor<2x3xi64>
// CHECK-DAG: %[[O:.*]] = kiln.constant dense<{{\[}}[0.000000e+00, 1.000000e+00, 0.000000e+00], [1.000000e+00, 0.000000e+00, 0.000000e+00]]> : tensor<2x3xf32>
// CHECK-DAG: %[[I:.*]] = kiln.constant dense<{{\[}}[false, true, false], [false, false, true]]> : tensor<2x3xi1>
// CHECK-DAG: %[[R:.*]] = kiln.constant dense<{{\[}}[2, 1, 3], [4, 5, 6]]> : tensor<2x3xi64>
// CHECK: return %[[T]], %[[O]], %[[I]], %[[R]]
func.func @patterns(%x: tensor<2x3xf32>) -> (tensor<2x3xi64>, tensor<2x3xf32>, tensor<2x3xi1>, tensor<2x3xi64>) {
  %d = kiln.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %k = kiln.constant dense<1> : tensor<i64>
  %0 = kiln.trilu %d k %k {upper = false} : (tensor<2x3xi64>, tensor<i64>) -> tensor<2x3xi64>
  %i = kiln.constant dense<[1.0, -3.0]> : tensor<2xf32>
  %v = kiln.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %1 = kiln.one_hot %i, %v {depth = 3 : i64} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  %2 = kiln.eye_like %x {dtype = i1, k = 1 : i64} : tensor<2x3xf32> -> tensor<2x3xi1>
  %l = kiln.constant dense<[2, 1]> : tensor<2xi64>
  %3 = kiln.reverse_sequence %d, %l {batch_axis = 0 : i64, time_axis = 1 : i64} : (tensor<2x3xi64>, tensor<2xi64>) -> tensor<2x3xi64>
  return %0, %1, %2, %3 : tensor<2x3xi64>, tensor<2x3xf32>, tensor<2x3xi1>, tensor<2x3xi64>
}

// -----

// CHECK-LABEL: func @bitcast
// CHECK-DAG: %[[I:.*]] = kiln.constant dense<[1065353216, -1073741824]> : tensor<2xi32>
// CHECK-DAG: %[[U:.*]] = kiln.constant dense<[1, 0]> : tensor<2xui8>
// CHECK: return %[[I]], %[[U]]
func.func @bitcast() -> (tensor<2xi32>, tensor<2xui8>) {
  %0 = kiln.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %1 = kiln.bitcast %0 {to = i32} : tensor<2xf32> -> tensor<2xi32>
  %2 = kiln.constant dense<[true, false]> : tensor<2xi1>
  %3 = kiln.bitcast %2 {to = ui8} : tensor<2xi1> -> tensor<2xui8>
  return %1, %3 : tensor<2xi32>, tensor<2xui8>
}

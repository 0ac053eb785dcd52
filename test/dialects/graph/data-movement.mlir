// Every data movement op with every attribute survives printing and
// parsing, in the custom form and in the generic form, and infers the result
// types written here (dynamic sizes where inference cannot know them).
// RUN: kiln-opt %s | kiln-opt --mlir-print-op-generic | kiln-opt | FileCheck %s

// CHECK-LABEL: func @unit_axes
func.func @unit_axes(%x: tensor<3x4xf32>, %y: tensor<1x?x1xi8>) -> (tensor<1x3x4x1xf32>, tensor<?xi8>) {
  // CHECK: kiln.unsqueeze %{{.*}} {axes = array<i64: 0, -1>} : tensor<3x4xf32> -> tensor<1x3x4x1xf32>
  %0 = kiln.unsqueeze %x {axes = array<i64: 0, -1>} : tensor<3x4xf32> -> tensor<1x3x4x1xf32>
  // CHECK: kiln.squeeze %{{.*}} {axes = array<i64: 2, 0>} : tensor<1x?x1xi8> -> tensor<?xi8>
  %1 = kiln.squeeze %y {axes = array<i64: 2, 0>} : tensor<1x?x1xi8> -> tensor<?xi8>
  return %0, %1 : tensor<1x3x4x1xf32>, tensor<?xi8>
}

// Starts and ends clamp to the axis; a negative step walks backwards.
// CHECK-LABEL: func @slice
func.func @slice(%x: tensor<2x10xf32>, %d: tensor<?x10xui8>) -> (tensor<2x4xf32>, tensor<2x10xf32>, tensor<?x3xui8>) {
  // CHECK: kiln.slice %{{.*}} {axes = array<i64: 1>, ends = array<i64: -1>, starts = array<i64: 1>, steps = array<i64: 2>} : tensor<2x10xf32> -> tensor<2x4xf32>
  %0 = kiln.slice %x {axes = array<i64: 1>, ends = array<i64: -1>, starts = array<i64: 1>, steps = array<i64: 2>} : tensor<2x10xf32> -> tensor<2x4xf32>
  // CHECK: kiln.slice {{.*}} -> tensor<2x10xf32>
  %1 = kiln.slice %x {axes = array<i64: -1>, ends = array<i64: -9223372036854775808>, starts = array<i64: 9223372036854775807>, steps = array<i64: -1>} : tensor<2x10xf32> -> tensor<2x10xf32>
  // CHECK: kiln.slice {{.*}} : tensor<?x10xui8> -> tensor<?x3xui8>
  %2 = kiln.slice %d {axes = array<i64: 0, 1>, ends = array<i64: 5, 100>, starts = array<i64: 1, 7>, steps = array<i64: 1, 1>} : tensor<?x10xui8> -> tensor<?x3xui8>
  return %0, %1, %2 : tensor<2x4xf32>, tensor<2x10xf32>, tensor<?x3xui8>
}

// CHECK-LABEL: func @expand_tile
func.func @expand_tile(%x: tensor<3x1xf32>) -> (tensor<2x3x4xf32>, tensor<6x2xf32>) {
  // CHECK: kiln.expand %{{.*}} {shape = array<i64: 2, 1, 4>} : tensor<3x1xf32> -> tensor<2x3x4xf32>
  %0 = kiln.expand %x {shape = array<i64: 2, 1, 4>} : tensor<3x1xf32> -> tensor<2x3x4xf32>
  // CHECK: kiln.tile %{{.*}} {repeats = array<i64: 2, 2>} : tensor<3x1xf32> -> tensor<6x2xf32>
  %1 = kiln.tile %x {repeats = array<i64: 2, 2>} : tensor<3x1xf32> -> tensor<6x2xf32>
  return %0, %1 : tensor<2x3x4xf32>, tensor<6x2xf32>
}

// CHECK-LABEL: func @pad
func.func @pad(%x: tensor<2x3xf32>, %v: tensor<f32>) -> (tensor<2x6xf32>, tensor<4x3xf32>, tensor<1x3xf32>) {
  // CHECK: kiln.pad %{{.*}}, %{{.*}} {pads = array<i64: 0, 1, 0, 2>} : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x6xf32>
  %0 = kiln.pad %x, %v {pads = array<i64: 0, 1, 0, 2>} : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x6xf32>
  // CHECK: kiln.pad %{{.*}} {mode = #kiln<pad_mode reflect>, pads = array<i64: 1, 0, 1, 0>} : (tensor<2x3xf32>) -> tensor<4x3xf32>
  %1 = kiln.pad %x {mode = #kiln<pad_mode reflect>, pads = array<i64: 1, 0, 1, 0>} : (tensor<2x3xf32>) -> tensor<4x3xf32>
  // Negative pads crop.
  // CHECK: kiln.pad %{{.*}} {mode = #kiln<pad_mode edge>, pads = array<i64: -1, 1, 0, -1>} : (tensor<2x3xf32>) -> tensor<1x3xf32>
  %2 = kiln.pad %x {mode = #kiln<pad_mode edge>, pads = array<i64: -1, 1, 0, -1>} : (tensor<2x3xf32>) -> tensor<1x3xf32>
  // CHECK: #kiln<pad_mode wrap>
  %3 = kiln.pad %x {mode = #kiln<pad_mode wrap>, pads = array<i64: 0, 0, 0, 0>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0, %1, %2 : tensor<2x6xf32>, tensor<4x3xf32>, tensor<1x3xf32>
}

// CHECK-LABEL: func @gathers
func.func @gathers(%d: tensor<5x4x3xf32>, %i: tensor<2x2xi64>, %j: tensor<5x4x3xi32>, %k: tensor<6x2xi64>)
    -> (tensor<5x2x2x3xf32>, tensor<5x4x3xf32>, tensor<6x3xf32>, tensor<5x3xf32>) {
  // CHECK: kiln.gather %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<5x4x3xf32>, tensor<2x2xi64>) -> tensor<5x2x2x3xf32>
  %0 = kiln.gather %d, %i {axis = 1 : i64} : (tensor<5x4x3xf32>, tensor<2x2xi64>) -> tensor<5x2x2x3xf32>
  // CHECK: kiln.gather_elements %{{.*}}, %{{.*}} {axis = -1 : i64} : (tensor<5x4x3xf32>, tensor<5x4x3xi32>) -> tensor<5x4x3xf32>
  %1 = kiln.gather_elements %d, %j {axis = -1 : i64} : (tensor<5x4x3xf32>, tensor<5x4x3xi32>) -> tensor<5x4x3xf32>
  // CHECK: kiln.gather_nd %{{.*}}, %{{.*}} : (tensor<5x4x3xf32>, tensor<6x2xi64>) -> tensor<6x3xf32>
  %2 = kiln.gather_nd %d, %k : (tensor<5x4x3xf32>, tensor<6x2xi64>) -> tensor<6x3xf32>
  // CHECK: kiln.gather_nd %{{.*}}, %{{.*}} {batch_dims = 1 : i64} : (tensor<5x4x3xf32>, tensor<5x1xi64>) -> tensor<5x3xf32>
  %e = kiln.slice %k {axes = array<i64: 0, 1>, ends = array<i64: 5, 1>, starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<6x2xi64> -> tensor<5x1xi64>
  %3 = kiln.gather_nd %d, %e {batch_dims = 1 : i64} : (tensor<5x4x3xf32>, tensor<5x1xi64>) -> tensor<5x3xf32>
  return %0, %1, %2, %3 : tensor<5x2x2x3xf32>, tensor<5x4x3xf32>, tensor<6x3xf32>, tensor<5x3xf32>
}

// CHECK-LABEL: func @scatters
func.func @scatters(%d: tensor<4x4xf32>, %i: tensor<1x2xi64>, %u: tensor<1x2xf32>, %n: tensor<2x1xi32>, %v: tensor<2x4xf32>)
    -> (tensor<4x4xf32>, tensor<4x4xf32>) {
  // CHECK: kiln.scatter_elements %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64, reduction = #kiln<scatter_reduction add>} : (tensor<4x4xf32>, tensor<1x2xi64>, tensor<1x2xf32>) -> tensor<4x4xf32>
  %0 = kiln.scatter_elements %d, %i, %u {axis = 1 : i64, reduction = #kiln<scatter_reduction add>} : (tensor<4x4xf32>, tensor<1x2xi64>, tensor<1x2xf32>) -> tensor<4x4xf32>
  // CHECK: kiln.scatter_nd %{{.*}}, %{{.*}}, %{{.*}} {reduction = #kiln<scatter_reduction min>} : (tensor<4x4xf32>, tensor<2x1xi32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %1 = kiln.scatter_nd %d, %n, %v {reduction = #kiln<scatter_reduction min>} : (tensor<4x4xf32>, tensor<2x1xi32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  // CHECK: #kiln<scatter_reduction mul>
  %2 = kiln.scatter_nd %d, %n, %v {reduction = #kiln<scatter_reduction mul>} : (tensor<4x4xf32>, tensor<2x1xi32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  // CHECK: #kiln<scatter_reduction max>
  %3 = kiln.scatter_nd %d, %n, %v {reduction = #kiln<scatter_reduction max>} : (tensor<4x4xf32>, tensor<2x1xi32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  // CHECK: kiln.scatter_nd %{{.*}}, %{{.*}}, %{{.*}} : (tensor<4x4xf32>
  %4 = kiln.scatter_nd %d, %n, %v : (tensor<4x4xf32>, tensor<2x1xi32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  return %0, %1 : tensor<4x4xf32>, tensor<4x4xf32>
}

// CHECK-LABEL: func @patterns
func.func @patterns(%x: tensor<2x4x5xi64>, %k: tensor<i64>, %i: tensor<3xf32>, %v: tensor<2xbf16>, %s: tensor<4x3xf32>, %l: tensor<4xi32>)
    -> (tensor<2x4x5xi64>, tensor<2x4x5xi64>, tensor<3x10xbf16>, tensor<4x3xi1>, tensor<4x3xf32>) {
  // CHECK: kiln.trilu %{{.*}} k %{{.*}} : (tensor<2x4x5xi64>, tensor<i64>) -> tensor<2x4x5xi64>
  %0 = kiln.trilu %x k %k : (tensor<2x4x5xi64>, tensor<i64>) -> tensor<2x4x5xi64>
  // CHECK: kiln.trilu %{{.*}} {upper = false} : (tensor<2x4x5xi64>) -> tensor<2x4x5xi64>
  %1 = kiln.trilu %x {upper = false} : (tensor<2x4x5xi64>) -> tensor<2x4x5xi64>
  // CHECK: kiln.one_hot %{{.*}}, %{{.*}} {depth = 10 : i64} : (tensor<3xf32>, tensor<2xbf16>) -> tensor<3x10xbf16>
  %2 = kiln.one_hot %i, %v {depth = 10 : i64} : (tensor<3xf32>, tensor<2xbf16>) -> tensor<3x10xbf16>
  // CHECK: kiln.eye_like %{{.*}} {dtype = i1, k = -1 : i64} : tensor<4x3xf32> -> tensor<4x3xi1>
  %3 = kiln.eye_like %s {dtype = i1, k = -1 : i64} : tensor<4x3xf32> -> tensor<4x3xi1>
  // CHECK: kiln.reverse_sequence %{{.*}}, %{{.*}} {batch_axis = 0 : i64, time_axis = 1 : i64} : (tensor<4x3xf32>, tensor<4xi32>) -> tensor<4x3xf32>
  %4 = kiln.reverse_sequence %s, %l {batch_axis = 0 : i64, time_axis = 1 : i64} : (tensor<4x3xf32>, tensor<4xi32>) -> tensor<4x3xf32>
  return %0, %1, %2, %3, %4 : tensor<2x4x5xi64>, tensor<2x4x5xi64>, tensor<3x10xbf16>, tensor<4x3xi1>, tensor<4x3xf32>
}

// CHECK-LABEL: func @bitcast
func.func @bitcast(%x: tensor<4xf32>, %b: tensor<4xi1>) -> (tensor<4xi32>, tensor<4xui8>) {
  // CHECK: kiln.bitcast %{{.*}} {to = i32} : tensor<4xf32> -> tensor<4xi32>
  %0 = kiln.bitcast %x {to = i32} : tensor<4xf32> -> tensor<4xi32>
  // CHECK: kiln.bitcast %{{.*}} {to = ui8} : tensor<4xi1> -> tensor<4xui8>
  %1 = kiln.bitcast %b {to = ui8} : tensor<4xi1> -> tensor<4xui8>
  return %0, %1 : tensor<4xi32>, tensor<4xui8>
}

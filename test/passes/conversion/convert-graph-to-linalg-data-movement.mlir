// Data movement: unit axes become expand/collapse_shape, positive-step
// slices extract_slice, constant pads tensor.pad, expand and tile
// broadcasting generics; everything that reads at computed positions is a
// generic over the result reading with tensor.extract, and scatters reduce
// over candidate updates into the data.
// RUN: kiln-opt %s -split-input-file -convert-graph-to-linalg | FileCheck %s

// CHECK-LABEL: func @unsqueeze
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
// CHECK: %[[R:.*]] = tensor.expand_shape %[[X]] {{\[}}[0, 1], [2]] output_shape [1, 3, 4]
// CHECK: return %[[R]]
func.func @unsqueeze(%x: tensor<3x4xf32>) -> tensor<1x3x4xf32> {
  %0 = kiln.unsqueeze %x {axes = array<i64: 0>} : tensor<3x4xf32> -> tensor<1x3x4xf32>
  return %0 : tensor<1x3x4xf32>
}

// -----

// Booleans are bytes.
// CHECK-LABEL: func @squeeze
// CHECK-SAME: (%[[X:.*]]: tensor<3x1x4xi8>)
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0], [1, 2]] : tensor<3x1x4xi8> into tensor<3x4xi8>
// CHECK: return %[[R]]
func.func @squeeze(%x: tensor<3x1x4xi1>) -> tensor<3x4xi1> {
  %0 = kiln.squeeze %x {axes = array<i64: 1>} : tensor<3x1x4xi1> -> tensor<3x4xi1>
  return %0 : tensor<3x4xi1>
}

// -----

// CHECK-LABEL: func @slice
// CHECK-SAME: (%[[X:.*]]: tensor<2x10xf32>)
// CHECK: %[[R:.*]] = tensor.extract_slice %[[X]][0, 1] [2, 4] [1, 2] : tensor<2x10xf32> to tensor<2x4xf32>
// CHECK: return %[[R]]
func.func @slice(%x: tensor<2x10xf32>) -> tensor<2x4xf32> {
  %0 = kiln.slice %x {axes = array<i64: 1>, ends = array<i64: -1>, starts = array<i64: 1>, steps = array<i64: 2>} : tensor<2x10xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Negative steps read at start + step * i.
// CHECK-LABEL: func @slice_backwards
// CHECK-SAME: (%[[X:.*]]: tensor<2x10xf32>)
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<2x3xf32>)
// CHECK-DAG: %[[J:.*]] = linalg.index 1 : index
// CHECK-DAG: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[STEP:.*]] = arith.constant -3 : index
// CHECK: %[[SCALED:.*]] = arith.muli %[[J]], %[[STEP]] : index
// CHECK: %[[START:.*]] = arith.constant 8 : index
// CHECK: %[[AT:.*]] = arith.addi %[[SCALED]], %[[START]] : index
// CHECK: %[[V:.*]] = tensor.extract %[[X]][%[[I]], %[[AT]]]
// CHECK: linalg.yield %[[V]]
func.func @slice_backwards(%x: tensor<2x10xf32>) -> tensor<2x3xf32> {
  %0 = kiln.slice %x {axes = array<i64: 1>, ends = array<i64: 0>, starts = array<i64: 8>, steps = array<i64: -3>} : tensor<2x10xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func @expand
// CHECK: linalg.generic {indexing_maps = [#[[$IN]], #[[$OUT]]]
// CHECK-SAME: ins(%{{.*}} : tensor<3x1xf32>) outs(%{{.*}} : tensor<2x3x4xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]]
func.func @expand(%x: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
  %0 = kiln.expand %x {shape = array<i64: 2, 1, 4>} : tensor<3x1xf32> -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// The input broadcast to [repeats, size] pairs, collapsed pairwise.
// CHECK-DAG: #[[$PAIRS:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-LABEL: func @tile
// CHECK: %[[B:.*]] = linalg.generic {indexing_maps = [#[[$PAIRS]], {{.*}}]
// CHECK-SAME: outs(%{{.*}} : tensor<2x3x1x4xf32>)
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[B]] {{\[}}[0, 1], [2, 3]] : tensor<2x3x1x4xf32> into tensor<6x4xf32>
// CHECK: return %[[R]]
func.func @tile(%x: tensor<3x4xf32>) -> tensor<6x4xf32> {
  %0 = kiln.tile %x {repeats = array<i64: 2, 1>} : tensor<3x4xf32> -> tensor<6x4xf32>
  return %0 : tensor<6x4xf32>
}

// -----

// Negative pads crop first; the value is read from its tensor.
// CHECK-LABEL: func @pad_constant
// CHECK-SAME: (%[[X:.*]]: tensor<4x3xf32>, %[[V:.*]]: tensor<f32>)
// CHECK: %[[CROP:.*]] = tensor.extract_slice %[[X]][1, 0] [3, 3] [1, 1]
// CHECK: %[[VALUE:.*]] = tensor.extract %[[V]][] : tensor<f32>
// CHECK: %[[R:.*]] = tensor.pad %[[CROP]] low[0, 1] high[1, 2]
// CHECK: tensor.yield %[[VALUE]]
// CHECK: return %[[R]]
func.func @pad_constant(%x: tensor<4x3xf32>, %v: tensor<f32>) -> tensor<4x6xf32> {
  %0 = kiln.pad %x, %v {pads = array<i64: -1, 1, 1, 2>} : (tensor<4x3xf32>, tensor<f32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

// reflect: position (i - 2) folded into the period 2 * (4 - 1).
// CHECK-LABEL: func @pad_reflect
// CHECK-SAME: (%[[X:.*]]: tensor<4xi32>)
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: %[[P:.*]] = arith.subi %[[I]], %{{.*}}
// CHECK: %[[M:.*]] = arith.remsi %[[P]], %{{.*}} : index
// CHECK: %[[POS:.*]] = arith.select %{{.*}}, %{{.*}}, %[[M]] : index
// CHECK: %[[IN:.*]] = arith.cmpi slt, %[[POS]], %{{.*}} : index
// CHECK: %[[MIRROR:.*]] = arith.subi %{{.*}}, %[[POS]]
// CHECK: %[[AT:.*]] = arith.select %[[IN]], %[[POS]], %[[MIRROR]]
// CHECK: tensor.extract %[[X]][%[[AT]]] : tensor<4xi32>
func.func @pad_reflect(%x: tensor<4xi32>) -> tensor<7xi32> {
  %0 = kiln.pad %x {mode = #kiln<pad_mode reflect>, pads = array<i64: 2, 1>} : (tensor<4xi32>) -> tensor<7xi32>
  return %0 : tensor<7xi32>
}

// -----

// Indices are read through the generic; negative ones wrap, then clamp.
// CHECK-DAG: #[[$IDX:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func @gather
// CHECK-SAME: (%[[D:.*]]: tensor<5x4x3xi8>, %[[I:.*]]: tensor<2xi32>)
// CHECK: linalg.generic {indexing_maps = [#[[$IDX]], {{.*}}]
// CHECK-SAME: ins(%[[I]] : tensor<2xi32>) outs(%{{.*}} : tensor<5x2x3xi8>)
// CHECK: ^bb0(%[[IN:.*]]: i32, %{{.*}}: i8):
// CHECK-DAG: %[[K:.*]] = linalg.index 2
// CHECK-DAG: %[[B:.*]] = linalg.index 0
// CHECK: %[[RAW:.*]] = arith.index_cast %[[IN]] : i32 to index
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[RAW]]
// CHECK: %[[UP:.*]] = arith.addi %[[RAW]], %{{.*}}
// CHECK: %[[W:.*]] = arith.select %[[NEG]], %[[UP]], %[[RAW]]
// CHECK: %[[LO:.*]] = arith.maxsi %[[W]]
// CHECK: %[[AT:.*]] = arith.minsi %[[LO]]
// CHECK: %[[V:.*]] = tensor.extract %[[D]][%[[B]], %[[AT]], %[[K]]] : tensor<5x4x3xi8>
// CHECK: linalg.yield %[[V]] : i8
func.func @gather(%d: tensor<5x4x3xi1>, %i: tensor<2xi32>) -> tensor<5x2x3xi1> {
  %0 = kiln.gather %d, %i {axis = 1 : i64} : (tensor<5x4x3xi1>, tensor<2xi32>) -> tensor<5x2x3xi1>
  return %0 : tensor<5x2x3xi1>
}

// -----

// CHECK-LABEL: func @gather_nd
// CHECK-SAME: (%[[D:.*]]: tensor<5x4x3xf32>, %[[I:.*]]: tensor<6x2xi64>)
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<6x3xf32>)
// CHECK: %[[ROW:.*]] = linalg.index 0
// CHECK: tensor.extract %[[I]][%[[ROW]], %{{.*}}] : tensor<6x2xi64>
// CHECK: tensor.extract %[[I]][%[[ROW]], %{{.*}}] : tensor<6x2xi64>
// CHECK: tensor.extract %[[D]][%{{.*}}, %{{.*}}, %{{.*}}] : tensor<5x4x3xf32>
func.func @gather_nd(%d: tensor<5x4x3xf32>, %i: tensor<6x2xi64>) -> tensor<6x3xf32> {
  %0 = kiln.gather_nd %d, %i : (tensor<5x4x3xf32>, tensor<6x2xi64>) -> tensor<6x3xf32>
  return %0 : tensor<6x3xf32>
}

// -----

// A reduction over the candidate updates along the axis, into the data.
// CHECK-DAG: #[[$UPD:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[$DATA:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @scatter_elements
// CHECK-SAME: (%[[D:.*]]: tensor<4x5xf32>, %[[I:.*]]: tensor<2x2xi64>, %[[U:.*]]: tensor<2x2xf32>)
// CHECK: %[[SIZES:.*]] = tensor.empty() : tensor<2xi8>
// CHECK: linalg.generic {indexing_maps = [#[[$UPD]], #[[$DATA]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[SIZES]] : tensor<2xi8>) outs(%[[D]] : tensor<4x5xf32>)
// CHECK: ^bb0(%{{.*}}: i8, %[[ACC:.*]]: f32):
// The indices have 2 rows, the data 4: only rows below 2 receive updates.
// CHECK: %[[VALID:.*]] = arith.cmpi slt, %[[ROW:.*]], %{{.*}} : index
// CHECK: %[[R:.*]] = arith.select %[[VALID]], %[[ROW]], %{{.*}} : index
// CHECK: tensor.extract %[[I]][%[[R]], %[[C:.*]]] : tensor<2x2xi64>
// CHECK: %[[HIT:.*]] = arith.cmpi eq
// CHECK: %[[LANDS:.*]] = arith.andi %[[VALID]], %[[HIT]] : i1
// CHECK: %[[UPDATE:.*]] = tensor.extract %[[U]][%[[R]], %[[C]]] : tensor<2x2xf32>
// CHECK: %[[SUM:.*]] = arith.addf %[[ACC]], %[[UPDATE]] : f32
// CHECK: %[[NEW:.*]] = arith.select %[[LANDS]], %[[SUM]], %[[ACC]] : f32
// CHECK: linalg.yield %[[NEW]]
func.func @scatter_elements(%d: tensor<4x5xf32>, %i: tensor<2x2xi64>, %u: tensor<2x2xf32>) -> tensor<4x5xf32> {
  %0 = kiln.scatter_elements %d, %i, %u {axis = 1 : i64, reduction = #kiln<scatter_reduction add>} : (tensor<4x5xf32>, tensor<2x2xi64>, tensor<2x2xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Unsigned data compares unsigned.
// CHECK-LABEL: func @scatter_nd
// CHECK-SAME: (%[[D:.*]]: tensor<4x4xi8>, %[[I:.*]]: tensor<2x1xi64>, %[[U:.*]]: tensor<2x4xi8>)
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: outs(%[[D]] : tensor<4x4xi8>)
// CHECK: ^bb0(%{{.*}}: i8, %[[ACC:.*]]: i8):
// CHECK: tensor.extract %[[I]]
// CHECK: %[[LANDS:.*]] = arith.cmpi eq
// CHECK: %[[UPDATE:.*]] = tensor.extract %[[U]]
// CHECK: %[[MAX:.*]] = arith.maxui %[[ACC]], %[[UPDATE]] : i8
// CHECK: arith.select %[[LANDS]], %[[MAX]], %[[ACC]] : i8
func.func @scatter_nd(%d: tensor<4x4xui8>, %i: tensor<2x1xi64>, %u: tensor<2x4xui8>) -> tensor<4x4xui8> {
  %0 = kiln.scatter_nd %d, %i, %u {reduction = #kiln<scatter_reduction max>} : (tensor<4x4xui8>, tensor<2x1xi64>, tensor<2x4xui8>) -> tensor<4x4xui8>
  return %0 : tensor<4x4xui8>
}

// -----

// CHECK-LABEL: func @trilu
// CHECK-SAME: (%[[X:.*]]: tensor<4x5xf32>, %[[KT:.*]]: tensor<i64>)
// CHECK: %[[KV:.*]] = tensor.extract %[[KT]][] : tensor<i64>
// CHECK: %[[K:.*]] = arith.index_cast %[[KV]] : i64 to index
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: linalg.generic
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-DAG: %[[I:.*]] = linalg.index 0
// CHECK-DAG: %[[J:.*]] = linalg.index 1
// CHECK: %[[DIAG:.*]] = arith.subi %[[J]], %[[I]] : index
// CHECK: %[[KEEP:.*]] = arith.cmpi sle, %[[DIAG]], %[[K]] : index
// CHECK: arith.select %[[KEEP]], %[[IN]], %[[ZERO]] : f32
func.func @trilu(%x: tensor<4x5xf32>, %k: tensor<i64>) -> tensor<4x5xf32> {
  %0 = kiln.trilu %x k %k {upper = false} : (tensor<4x5xf32>, tensor<i64>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// CHECK-DAG: #[[$DROP:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @one_hot
// CHECK-SAME: (%[[I:.*]]: tensor<3xi32>, %[[V:.*]]: tensor<2xf32>)
// CHECK: %[[OFF:.*]] = tensor.extract %[[V]][%{{.*}}] : tensor<2xf32>
// CHECK: %[[ON:.*]] = tensor.extract %[[V]][%{{.*}}] : tensor<2xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$DROP]], {{.*}}]
// CHECK: ^bb0(%[[IN:.*]]: i32, %{{.*}}: f32):
// CHECK: %[[POS:.*]] = linalg.index 0
// CHECK: %[[WIDE:.*]] = arith.extsi %[[IN]] : i32 to i64
// CHECK: %[[DEPTH:.*]] = arith.constant 10 : i64
// CHECK: %[[WRAPPED:.*]] = arith.select
// CHECK: %[[P:.*]] = arith.index_cast %[[POS]] : index to i64
// CHECK: %[[HOT:.*]] = arith.cmpi eq, %[[WRAPPED]], %[[P]] : i64
// CHECK: arith.select %[[HOT]], %[[ON]], %[[OFF]] : f32
func.func @one_hot(%i: tensor<3xi32>, %v: tensor<2xf32>) -> tensor<10x3xf32> {
  %0 = kiln.one_hot %i, %v {axis = 0 : i64, depth = 10 : i64} : (tensor<3xi32>, tensor<2xf32>) -> tensor<10x3xf32>
  return %0 : tensor<10x3xf32>
}

// -----

// Small results fold to constants; this one is built at run time.
// CHECK-LABEL: func @eye_like
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i8
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i8
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<300x300xi8>)
// CHECK-DAG: %[[I:.*]] = linalg.index 0
// CHECK-DAG: %[[J:.*]] = linalg.index 1
// CHECK: %[[DIAG:.*]] = arith.subi %[[J]], %[[I]] : index
// CHECK: %[[ON:.*]] = arith.cmpi eq, %[[DIAG]], %{{.*}} : index
// CHECK: arith.select %[[ON]], %[[ONE]], %[[ZERO]] : i8
func.func @eye_like(%x: tensor<300x300xf32>) -> tensor<300x300xi1> {
  %0 = kiln.eye_like %x {dtype = i1, k = 1 : i64} : tensor<300x300xf32> -> tensor<300x300xi1>
  return %0 : tensor<300x300xi1>
}

// -----

// CHECK-DAG: #[[$BATCH:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @reverse_sequence
// CHECK-SAME: (%[[X:.*]]: tensor<4x3xf32>, %[[L:.*]]: tensor<3xi64>)
// CHECK: linalg.generic {indexing_maps = [#[[$BATCH]], {{.*}}]
// CHECK-SAME: ins(%[[L]] : tensor<3xi64>)
// CHECK: %[[T:.*]] = linalg.index 0
// CHECK: %[[LEN:.*]] = arith.minsi
// CHECK: %[[LAST:.*]] = arith.subi %[[LEN]], %{{.*}}
// CHECK: %[[BACK:.*]] = arith.subi %[[LAST]], %[[T]]
// CHECK: %[[IN:.*]] = arith.cmpi slt, %[[T]], %[[LEN]]
// CHECK: %[[AT:.*]] = arith.select %[[IN]], %[[BACK]], %[[T]]
// CHECK: tensor.extract %[[X]][%[[AT]], %{{.*}}]
func.func @reverse_sequence(%x: tensor<4x3xf32>, %l: tensor<3xi64>) -> tensor<4x3xf32> {
  %0 = kiln.reverse_sequence %x, %l : (tensor<4x3xf32>, tensor<3xi64>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// CHECK-LABEL: func @bitcast
// CHECK: linalg.generic
// CHECK: arith.bitcast %{{.*}} : f32 to i32
func.func @bitcast(%x: tensor<4xf32>) -> tensor<4xi32> {
  %0 = kiln.bitcast %x {to = i32} : tensor<4xf32> -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

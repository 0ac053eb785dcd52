// RUN: kiln-opt %s -split-input-file -convert-graph-to-linalg | FileCheck %s

// Weighted taps, few: one all-parallel generic over the output, whose body
// reads each tap's position and weight from the tables at the output's
// position along the axis and the tap's input element at that position
// (the other positions are the loop's), and sums the weighted taps.
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func @linear
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[I:.*]]: tensor<6x2xi64>, %[[W:.*]]: tensor<6x2xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[$OUT]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: outs(%{{.*}} : tensor<4x6xf32>)
// CHECK: %[[POS:.*]] = linalg.index 1 : index
// CHECK: %[[T0:.*]] = arith.constant 0 : index
// CHECK: %[[I0:.*]] = tensor.extract %[[I]][%[[POS]], %[[T0]]] : tensor<6x2xi64>
// CHECK: %[[ROW:.*]] = linalg.index 0 : index
// CHECK: %[[COL0:.*]] = arith.index_cast %[[I0]] : i64 to index
// CHECK: %[[X0:.*]] = tensor.extract %[[X]][%[[ROW]], %[[COL0]]] : tensor<4x8xf32>
// CHECK: %[[W0:.*]] = tensor.extract %[[W]][%[[POS]], %[[T0]]] : tensor<6x2xf32>
// CHECK: %[[P0:.*]] = arith.mulf %[[X0]], %[[W0]]
// CHECK: %[[T1:.*]] = arith.constant 1 : index
// CHECK: %[[I1:.*]] = tensor.extract %[[I]][%[[POS]], %[[T1]]] : tensor<6x2xi64>
// CHECK: %[[X1:.*]] = tensor.extract %[[X]]
// CHECK: %[[W1:.*]] = tensor.extract %[[W]][%[[POS]], %[[T1]]] : tensor<6x2xf32>
// CHECK: %[[P1:.*]] = arith.mulf %[[X1]], %[[W1]]
// CHECK: %[[SUM:.*]] = arith.addf %[[P0]], %[[P1]]
// CHECK: linalg.yield %[[SUM]] : f32
func.func @linear(%x: tensor<4x8xf32>, %i: tensor<6x2xi64>, %w: tensor<6x2xf32>) -> tensor<4x6xf32> {
  %0 = kiln.resample %x, %i, %w {axis = 1 : i64} : (tensor<4x8xf32>, tensor<6x2xi64>, tensor<6x2xf32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

// Many taps (an antialiased downscale): one generic over the output and the
// taps; the table gives the position read along the axis, the other
// positions are the loop's.
// CHECK-DAG: #[[$TABLE:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @many_taps
// CHECK: linalg.generic {indexing_maps = [#[[$TABLE]], #[[$TABLE]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<2x9xi64>, tensor<2x9xf32>)
// CHECK: ^bb0(%[[I:.*]]: i64, %[[W:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK:   %[[ROW:.*]] = linalg.index 0 : index
// CHECK:   %[[COL:.*]] = arith.index_cast %[[I]] : i64 to index
// CHECK:   %[[X:.*]] = tensor.extract %{{.*}}[%[[ROW]], %[[COL]]] : tensor<4x18xf32>
// CHECK:   %[[P:.*]] = arith.mulf %[[X]], %[[W]]
// CHECK:   arith.addf %[[ACC]], %[[P]]
func.func @many_taps(%x: tensor<4x18xf32>, %i: tensor<2x9xi64>, %w: tensor<2x9xf32>) -> tensor<4x2xf32> {
  %0 = kiln.resample %x, %i, %w {axis = 1 : i64} : (tensor<4x18xf32>, tensor<2x9xi64>, tensor<2x9xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

// Nearest: a gather, also for unsigned integers (signless in linalg).
// CHECK-LABEL: func @nearest
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<3x5xi8>)
// CHECK: %[[I:.*]] = tensor.extract %{{.*}} : tensor<3x1xi64>
// CHECK: %[[X:.*]] = tensor.extract
// CHECK: linalg.yield %[[X]] : i8
func.func @nearest(%x: tensor<2x5xui8>, %i: tensor<3x1xi64>) -> tensor<3x5xui8> {
  %0 = kiln.resample %x, %i {axis = 0 : i64} : (tensor<2x5xui8>, tensor<3x1xi64>) -> tensor<3x5xui8>
  return %0 : tensor<3x5xui8>
}

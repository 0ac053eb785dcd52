// RUN: kiln-opt %s -split-input-file -convert-graph-to-linalg | FileCheck %s

// Weighted taps: one generic over the output and the taps; the table gives
// the position read along the axis, the other positions are the loop's.
// CHECK-DAG: #[[$TABLE:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @linear
// CHECK: linalg.generic {indexing_maps = [#[[$TABLE]], #[[$TABLE]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<6x2xi64>, tensor<6x2xf32>)
// CHECK: ^bb0(%[[I:.*]]: i64, %[[W:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK:   %[[ROW:.*]] = linalg.index 0 : index
// CHECK:   %[[COL:.*]] = arith.index_cast %[[I]] : i64 to index
// CHECK:   %[[X:.*]] = tensor.extract %{{.*}}[%[[ROW]], %[[COL]]] : tensor<4x8xf32>
// CHECK:   %[[P:.*]] = arith.mulf %[[X]], %[[W]]
// CHECK:   arith.addf %[[ACC]], %[[P]]
func.func @linear(%x: tensor<4x8xf32>, %i: tensor<6x2xi64>, %w: tensor<6x2xf32>) -> tensor<4x6xf32> {
  %0 = kiln.resample %x, %i, %w {axis = 1 : i64} : (tensor<4x8xf32>, tensor<6x2xi64>, tensor<6x2xf32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

// Nearest: a gather, also for unsigned integers (signless in linalg).
// CHECK-LABEL: func @nearest
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}} : tensor<3x1xi64>) outs(%{{.*}} : tensor<3x5xi8>)
// CHECK: %[[X:.*]] = tensor.extract
// CHECK: linalg.yield %[[X]] : i8
func.func @nearest(%x: tensor<2x5xui8>, %i: tensor<3x1xi64>) -> tensor<3x5xui8> {
  %0 = kiln.resample %x, %i {axis = 0 : i64} : (tensor<2x5xui8>, tensor<3x1xi64>) -> tensor<3x5xui8>
  return %0 : tensor<3x5xui8>
}

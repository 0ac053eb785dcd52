// RUN: kiln-opt %s -split-input-file -convert-graph-to-linalg | kiln-opt -split-input-file --pass-pipeline='builtin.module(func.func(kiln-tile-and-vectorize,cse))' | FileCheck %s

// A depthwise convolution's small output plane is one register tile a
// channel when its accumulators take at most half the vector registers
// left beside a tap row and a weight. On AVX2 (16 registers of 8 floats) a
// 14x14 plane would take 28, and summed tap by tap over all its rows it
// kept every loaded input row live and spilled: its rows come in register
// tiles of two (four vectors), the loop over them unrolled so that each
// tile reads its rows at constant offsets and takes the input rows it
// shares with the next from registers.
// CHECK-LABEL: func @plane_rows_avx2
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c1
// CHECK-NOT: scf.for
// CHECK: vector.transfer_write {{.*}}[{{.*}}, %c0, %c0] {{.*}} : vector<2x14xf32>, tensor<1x64x14x14xf32>
// CHECK: vector.transfer_write {{.*}}[{{.*}}, %c2, %c0] {{.*}} : vector<2x14xf32>, tensor<1x64x14x14xf32>
// CHECK: vector.transfer_write {{.*}}[{{.*}}, %c4, %c0] {{.*}} : vector<2x14xf32>, tensor<1x64x14x14xf32>
// CHECK: vector.transfer_write {{.*}}[{{.*}}, %c6, %c0] {{.*}} : vector<2x14xf32>, tensor<1x64x14x14xf32>
// CHECK: vector.transfer_write {{.*}}[{{.*}}, %c8, %c0] {{.*}} : vector<2x14xf32>, tensor<1x64x14x14xf32>
// CHECK: vector.transfer_write {{.*}}[{{.*}}, %c10, %c0] {{.*}} : vector<2x14xf32>, tensor<1x64x14x14xf32>
// CHECK: vector.transfer_write {{.*}}[{{.*}}, %c12, %c0] {{.*}} : vector<2x14xf32>, tensor<1x64x14x14xf32>
// CHECK-NOT: vector.transfer_write
// CHECK: return
module attributes {kiln.vector_registers = array<i64: 16, 32>} {
func.func @plane_rows_avx2(%x: tensor<1x64x14x14xf32>, %w: tensor<64x1x3x3xf32>, %b: tensor<64xf32>) -> tensor<1x64x14x14xf32> {
  %0 = kiln.conv %x, %w, %b {group = 64 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x64x14x14xf32>, tensor<64x1x3x3xf32>, tensor<64xf32>) -> tensor<1x64x14x14xf32>
  return %0 : tensor<1x64x14x14xf32>
}
}

// -----

// AVX-512's 32 registers hold the 14 rows' accumulators: one tile.
// CHECK-LABEL: func @plane_whole_avx512
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c1
// CHECK-NOT: scf.for
// CHECK: vector.transfer_write {{.*}} : vector<14x14xf32>, tensor<1x64x14x14xf32>
// CHECK-NOT: vector.transfer_write
// CHECK: return
module attributes {kiln.vector_registers = array<i64: 32, 64>} {
func.func @plane_whole_avx512(%x: tensor<1x64x14x14xf32>, %w: tensor<64x1x3x3xf32>, %b: tensor<64xf32>) -> tensor<1x64x14x14xf32> {
  %0 = kiln.conv %x, %w, %b {group = 64 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x64x14x14xf32>, tensor<64x1x3x3xf32>, tensor<64xf32>) -> tensor<1x64x14x14xf32>
  return %0 : tensor<1x64x14x14xf32>
}
}

// -----

// A 7x7 plane at stride 1 takes 7 of AVX2's registers: it stays one tile.
// CHECK-LABEL: func @plane_7x7_avx2
// CHECK: vector.transfer_write {{.*}} : vector<7x7xf32>, tensor<1x64x7x7xf32>
// CHECK-NOT: vector.transfer_write
// CHECK: return
module attributes {kiln.vector_registers = array<i64: 16, 32>} {
func.func @plane_7x7_avx2(%x: tensor<1x64x7x7xf32>, %w: tensor<64x1x5x5xf32>) -> tensor<1x64x7x7xf32> {
  %0 = kiln.conv %x, %w {group = 64 : i64, pads = array<i64: 2, 2, 2, 2>} : (tensor<1x64x7x7xf32>, tensor<64x1x5x5xf32>) -> tensor<1x64x7x7xf32>
  return %0 : tensor<1x64x7x7xf32>
}
}

// -----

// At stride 2 each tap row is shuffled out of its load into a register of
// its own, so a 7x7 plane counts twice its seven accumulators: on AVX2 it
// comes row by row (7 does not divide by 2, 3 or 4). The three taps of a
// window row share one load from column -1 (16 lanes, masked to the 14
// columns inside the row) and keep its even lanes, its odd lanes, and its
// even lanes from lane 2.
// CHECK-LABEL: func @plane_stride2_avx2
// CHECK-DAG: %[[INSIDE:.*]] = arith.constant dense<[false, true, true, true, true, true, true, true, true, true, true, true, true, true, true, false]> : vector<16xi1>
// CHECK-DAG: %[[MINUS1:.*]] = arith.constant -1 : index
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c1
// CHECK-NOT: scf.for
// CHECK: %[[ROW:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %{{.*}}, %c0, %[[MINUS1]]], %{{.*}}, %[[INSIDE]] {in_bounds = [true]} : tensor<1x64x14x14xf32>, vector<16xf32>
// CHECK-DAG: vector.shuffle %[[ROW]], %[[ROW]] [0, 2, 4, 6, 8, 10, 12] : vector<16xf32>, vector<16xf32>
// CHECK-DAG: vector.shuffle %[[ROW]], %[[ROW]] [1, 3, 5, 7, 9, 11, 13] : vector<16xf32>, vector<16xf32>
// CHECK-DAG: vector.shuffle %[[ROW]], %[[ROW]] [2, 4, 6, 8, 10, 12, 14] : vector<16xf32>, vector<16xf32>
// CHECK: vector.transfer_write {{.*}}[{{.*}}, %c0, %c0] {{.*}} : vector<7xf32>, tensor<1x64x7x7xf32>
// CHECK-COUNT-6: vector.transfer_write {{.*}} : vector<7xf32>, tensor<1x64x7x7xf32>
// CHECK-NOT: vector.transfer_write
// CHECK: return
module attributes {kiln.vector_registers = array<i64: 16, 32>} {
func.func @plane_stride2_avx2(%x: tensor<1x64x14x14xf32>, %w: tensor<64x1x3x3xf32>) -> tensor<1x64x7x7xf32> {
  %0 = kiln.conv %x, %w {group = 64 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x64x14x14xf32>, tensor<64x1x3x3xf32>) -> tensor<1x64x7x7xf32>
  return %0 : tensor<1x64x7x7xf32>
}
}

// -----

// On AVX-512 the same strided 7x7 plane stays one tile.
// CHECK-LABEL: func @plane_stride2_avx512
// CHECK: vector.transfer_write {{.*}} : vector<7x7xf32>, tensor<1x64x7x7xf32>
// CHECK-NOT: vector.transfer_write
// CHECK: return
module attributes {kiln.vector_registers = array<i64: 32, 64>} {
func.func @plane_stride2_avx512(%x: tensor<1x64x14x14xf32>, %w: tensor<64x1x3x3xf32>) -> tensor<1x64x7x7xf32> {
  %0 = kiln.conv %x, %w {group = 64 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x64x14x14xf32>, tensor<64x1x3x3xf32>) -> tensor<1x64x7x7xf32>
  return %0 : tensor<1x64x7x7xf32>
}
}

// -----

// A 4x4 plane at stride 2 counts 8 on AVX2, but tiles of up to four rows
// would be the whole plane: it stays one tile.
// CHECK-LABEL: func @plane_4x4_stride2_avx2
// CHECK: vector.transfer_write {{.*}} : vector<4x4xf32>, tensor<1x64x4x4xf32>
// CHECK-NOT: vector.transfer_write
// CHECK: return
module attributes {kiln.vector_registers = array<i64: 16, 32>} {
func.func @plane_4x4_stride2_avx2(%x: tensor<1x64x8x8xf32>, %w: tensor<64x1x3x3xf32>) -> tensor<1x64x4x4xf32> {
  %0 = kiln.conv %x, %w {group = 64 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x64x8x8xf32>, tensor<64x1x3x3xf32>) -> tensor<1x64x4x4xf32>
  return %0 : tensor<1x64x4x4xf32>
}
}

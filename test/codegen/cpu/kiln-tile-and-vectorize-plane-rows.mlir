// RUN: kiln-opt %s -convert-graph-to-linalg | kiln-opt --pass-pipeline='builtin.module(func.func(kiln-tile-and-vectorize,cse))' | FileCheck %s --check-prefix=AVX2
// RUN: sed 's/array<i64: 16, 32>/array<i64: 32, 64>/' %s | kiln-opt -convert-graph-to-linalg | kiln-opt --pass-pipeline='builtin.module(func.func(kiln-tile-and-vectorize,cse))' | FileCheck %s --check-prefix=AVX512

// A depthwise convolution's small output plane is one register tile a
// channel when its accumulators take at most half the vector registers.
// On AVX2 (16 registers of 8 floats) a 14x14 plane would take 28, and
// summed tap by tap over all its rows it kept every loaded input row live
// and spilled: its rows come in register tiles of two (four vectors), the
// loop over them unrolled so that each tile reads its rows at constant
// offsets and takes the input rows it shares with the next from registers.
// AVX-512's 32 registers hold the 14 rows' accumulators: one tile.
// AVX2-LABEL: func @depthwise_plane_rows
// AVX2: scf.for %{{.*}} = %c0 to %c64 step %c1
// AVX2-NOT: scf.for
// AVX2: vector.transfer_write {{.*}}[{{.*}}, %c0, %c0] {{.*}} : vector<2x14xf32>, tensor<1x64x14x14xf32>
// AVX2: vector.transfer_write {{.*}}[{{.*}}, %c2, %c0] {{.*}} : vector<2x14xf32>, tensor<1x64x14x14xf32>
// AVX2: vector.transfer_write {{.*}}[{{.*}}, %c4, %c0] {{.*}} : vector<2x14xf32>, tensor<1x64x14x14xf32>
// AVX2: vector.transfer_write {{.*}}[{{.*}}, %c6, %c0] {{.*}} : vector<2x14xf32>, tensor<1x64x14x14xf32>
// AVX2: vector.transfer_write {{.*}}[{{.*}}, %c8, %c0] {{.*}} : vector<2x14xf32>, tensor<1x64x14x14xf32>
// AVX2: vector.transfer_write {{.*}}[{{.*}}, %c10, %c0] {{.*}} : vector<2x14xf32>, tensor<1x64x14x14xf32>
// AVX2: vector.transfer_write {{.*}}[{{.*}}, %c12, %c0] {{.*}} : vector<2x14xf32>, tensor<1x64x14x14xf32>
// AVX2-NOT: vector.transfer_write
// AVX2: return
// AVX512-LABEL: func @depthwise_plane_rows
// AVX512: scf.for %{{.*}} = %c0 to %c64 step %c1
// AVX512-NOT: scf.for
// AVX512: vector.transfer_write {{.*}} : vector<14x14xf32>, tensor<1x64x14x14xf32>
// AVX512-NOT: vector.transfer_write
// AVX512: return
module attributes {kiln.vector_registers = array<i64: 16, 32>} {
func.func @depthwise_plane_rows(%x: tensor<1x64x14x14xf32>, %w: tensor<64x1x3x3xf32>, %b: tensor<64xf32>) -> tensor<1x64x14x14xf32> {
  %0 = kiln.conv %x, %w, %b {group = 64 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x64x14x14xf32>, tensor<64x1x3x3xf32>, tensor<64xf32>) -> tensor<1x64x14x14xf32>
  return %0 : tensor<1x64x14x14xf32>
}

// At stride 2 each tap row is shuffled out of its load into a register of
// its own, so a 7x7 plane counts twice its seven accumulators: on AVX2 it
// comes row by row (7 does not divide by 2, 3 or 4), on AVX-512 whole. The
// three taps of a window row share one load from column -1 (16 lanes,
// masked to the 14 columns inside the row) and keep its even lanes, its
// odd lanes, and its even lanes from lane 2.
// AVX2-LABEL: func @depthwise_plane_stride2
// AVX2-DAG: %[[INSIDE:.*]] = arith.constant dense<[false, true, true, true, true, true, true, true, true, true, true, true, true, true, true, false]> : vector<16xi1>
// AVX2-DAG: %[[MINUS1:.*]] = arith.constant -1 : index
// AVX2: scf.for %{{.*}} = %c0 to %c64 step %c1
// AVX2-NOT: scf.for
// AVX2: %[[ROW:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %{{.*}}, %c0, %[[MINUS1]]], %{{.*}}, %[[INSIDE]] {in_bounds = [true]} : tensor<1x64x14x14xf32>, vector<16xf32>
// AVX2-DAG: vector.shuffle %[[ROW]], %[[ROW]] [0, 2, 4, 6, 8, 10, 12] : vector<16xf32>, vector<16xf32>
// AVX2-DAG: vector.shuffle %[[ROW]], %[[ROW]] [1, 3, 5, 7, 9, 11, 13] : vector<16xf32>, vector<16xf32>
// AVX2-DAG: vector.shuffle %[[ROW]], %[[ROW]] [2, 4, 6, 8, 10, 12, 14] : vector<16xf32>, vector<16xf32>
// AVX2: vector.transfer_write {{.*}}[{{.*}}, %c0, %c0] {{.*}} : vector<7xf32>, tensor<1x64x7x7xf32>
// AVX2-COUNT-6: vector.transfer_write {{.*}} : vector<7xf32>, tensor<1x64x7x7xf32>
// AVX2-NOT: vector.transfer_write
// AVX2: return
// AVX512-LABEL: func @depthwise_plane_stride2
// AVX512: vector.transfer_write {{.*}} : vector<7x7xf32>, tensor<1x64x7x7xf32>
// AVX512-NOT: vector.transfer_write
// AVX512: return
func.func @depthwise_plane_stride2(%x: tensor<1x64x14x14xf32>, %w: tensor<64x1x3x3xf32>) -> tensor<1x64x7x7xf32> {
  %0 = kiln.conv %x, %w {group = 64 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x64x14x14xf32>, tensor<64x1x3x3xf32>) -> tensor<1x64x7x7xf32>
  return %0 : tensor<1x64x7x7xf32>
}
}

// RUN: kiln-opt %s -convert-graph-to-linalg | kiln-opt --pass-pipeline='builtin.module(func.func(kiln-tile-and-vectorize))' | FileCheck %s
// RUN: kiln-opt %s -convert-graph-to-linalg | kiln-opt --pass-pipeline='builtin.module(func.func(kiln-tile-and-vectorize{masked-loads=false}))' | FileCheck %s --check-prefix=NOMASK

// Without masked loads (AArch64 NEON), the taps read a padded copy.
// NOMASK-LABEL: func @depthwise_pads
// NOMASK: scf.forall {{.*}} -> (tensor<1x96x58x58xf32>)
// NOMASK-NOT: xi1>
// NOMASK-LABEL: func @depthwise_pads_stride2

// A depthwise convolution with pads reads its taps around the padding: the
// padded copy of the input (a fill and a copy, two passes over 1.2 MB) is
// never made. Each task's rows come in three pieces: row 0, whose taps of
// row -1 are the pad value; rows 1-54, all taps inside; row 55, whose taps
// of row 56 are the pad value. A tap's columns are one load of the input
// row, masked to the columns inside it: from column -1 the first lane is
// masked (never accessed, zero), up to column 56 the last. The masked loads
// are 64 lanes wide, whole 512-bit registers (LLVM would take a masked load
// of 56 lanes apart into scalars). The inside rows are register tiles of two
// rows (two rows of four vectors).
// CHECK-LABEL: func @depthwise_pads
// CHECK-SAME: (%[[X:.*]]: tensor<96x3136xf32>
// CHECK-NOT: tensor<1x96x58x58xf32>
// CHECK-DAG: %[[ZEROS:.*]] = arith.constant dense<0.000000e+00> : vector<56xf32>
// CHECK-DAG: %[[RIGHT:.*]] = arith.constant dense<[true, {{(true, )+}}false, {{(false, )+}}false]> : vector<64xi1>
// CHECK-DAG: %[[LEFT:.*]] = arith.constant dense<[false, {{(true, )+}}true, {{(false, )+}}false]> : vector<64xi1>
// CHECK-DAG: %[[MINUS1:.*]] = arith.constant -1 : index
// CHECK: %[[V:.*]] = tensor.expand_shape %[[X]]
// CHECK: scf.forall (%{{.*}}) = (0) to (96) step (6)
// CHECK: scf.for {{.*}} -> (tensor<1x6x1x56xf32>)
// CHECK: vector.transfer_read %[[V]][{{.*}}, %[[MINUS1]]], %{{.*}}, %[[LEFT]] {in_bounds = [true]} : tensor<1x96x56x56xf32>, vector<64xf32>
// CHECK: vector.transfer_read %[[V]][{{.*}}, %[[C1:.*]]], %{{.*}}, %[[RIGHT]] {in_bounds = [true]} : tensor<1x96x56x56xf32>, vector<64xf32>
// CHECK: arith.mulf {{.*}}%[[ZEROS]]
// CHECK: scf.for {{.*}} -> (tensor<1x6x54x56xf32>)
// CHECK: scf.for {{.*}} to %c54 step %c2 iter_args
// CHECK-NOT: %[[ZEROS]]
// CHECK-COUNT-3: vector.transfer_read %[[V]][{{.*}}, %[[MINUS1]]], %{{.*}}, %[[LEFT]] {in_bounds = [true]}
// CHECK: vector.insert %{{.*}}, %{{.*}} [1] : vector<56xf32> into vector<2x56xf32>
// CHECK-NOT: %[[ZEROS]]
// CHECK: vector.transfer_write %{{.*}} : vector<2x56xf32>, tensor<1x{{[0-9]+}}x54x56xf32>
// CHECK: scf.for {{.*}} -> (tensor<1x6x1x56xf32>)
// CHECK: arith.mulf {{.*}}%[[ZEROS]]
// CHECK: scf.forall.in_parallel
// CHECK-NOT: linalg.
// CHECK: return
func.func @depthwise_pads(%x: tensor<96x3136xf32>, %w: tensor<96x1x3x3xf32>, %b: tensor<96xf32>) -> tensor<1x96x56x56xf32> {
  %v = tensor.expand_shape %x [[0, 1], [2, 3]] output_shape [1, 96, 56, 56] : tensor<96x3136xf32> into tensor<1x96x56x56xf32>
  %0 = kiln.conv %v, %w, %b {group = 96 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x96x56x56xf32>, tensor<96x1x3x3xf32>, tensor<96xf32>) -> tensor<1x96x56x56xf32>
  return %0 : tensor<1x96x56x56xf32>
}

// Stride 2 over 112 columns: the three taps of a window row take every
// other one of 111 columns from column -1, 0 or 1, each out of a load of
// 128 lanes (a power of two: LLVM takes a load of 111 lanes apart into 7
// pieces). The first two share one load from column -1, masked to the 112
// columns inside the row, and keep its even and its odd lanes; the third
// loads from column 1 (masked to its 111 columns), since its lanes from
// lane 2 would each gather from three of the shared load's eight
// registers. Only row 0 reaches into the padding (row -1). Strided rows
// share fewer input rows: two rows a register tile, so rows 1-54 are a
// piece of 27 tiles and row 55 one of its own.
// CHECK-LABEL: func @depthwise_pads_stride2
// CHECK-DAG: %[[INSIDE:.*]] = arith.constant dense<"0xFEFFFFFFFFFFFFFFFFFFFFFFFFFF0100"> : vector<128xi1>
// CHECK-DAG: %[[FROM1:.*]] = arith.constant dense<"0xFFFFFFFFFFFFFFFFFFFFFFFFFF7F0000"> : vector<128xi1>
// CHECK-DAG: %[[MINUS1:.*]] = arith.constant -1 : index
// CHECK: scf.forall
// CHECK: scf.for {{.*}} -> (tensor<1x2x1x56xf32>)
// CHECK: %[[L:.*]] = vector.transfer_read {{.*}} : tensor<1x32x112x112xf32>, vector<128xf32>
// CHECK: vector.shuffle %[[L]], %[[L]] [0, 2, 4, {{.*}}, 108, 110] : vector<128xf32>, vector<128xf32>
// CHECK: scf.for {{.*}} -> (tensor<1x2x54x56xf32>)
// CHECK: scf.for {{.*}} to %c54 step %c2
// CHECK: %[[C:.*]] = vector.transfer_read {{.*}}, %[[MINUS1]]], %{{.*}}, %[[INSIDE]] {in_bounds = [true]} : tensor<1x32x112x112xf32>, vector<128xf32>
// CHECK: vector.shuffle %[[C]], %[[C]] [0, 2, 4, {{.*}}, 108, 110] : vector<128xf32>, vector<128xf32>
// CHECK: vector.shuffle {{.*}} [1, 3, 5, {{.*}}, 109, 111] : vector<128xf32>, vector<128xf32>
// CHECK: vector.transfer_read {{.*}}, %c1], %{{.*}}, %[[FROM1]] {in_bounds = [true]} : tensor<1x32x112x112xf32>, vector<128xf32>
// CHECK-NEXT: vector.shuffle {{.*}} [0, 2, 4, {{.*}}, 108, 110] : vector<128xf32>, vector<128xf32>
// CHECK: vector.transfer_write %{{.*}} : vector<2x56xf32>, tensor<1x{{[0-9]+}}x54x56xf32>
// CHECK: scf.for {{.*}} -> (tensor<1x2x1x56xf32>)
// CHECK: scf.forall.in_parallel
func.func @depthwise_pads_stride2(%x: tensor<1x32x112x112xf32>, %w: tensor<32x1x3x3xf32>) -> tensor<1x32x56x56xf32> {
  %0 = kiln.conv %x, %w {group = 32 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x32x112x112xf32>, tensor<32x1x3x3xf32>) -> tensor<1x32x56x56xf32>
  return %0 : tensor<1x32x56x56xf32>
}

// A small plane (5x5 window, 7x7 output) is one register tile a channel, not
// seven rows in five pieces: each tap is its rows' masked loads inserted
// into a 7x7 vector of pad values (tap row 0 reaches rows -2 to 4, so its
// rows 0 and 1 stay the pad value), each row an 8-lane load masked to the 7
// columns, or to fewer at the left and right.
// CHECK-LABEL: func @depthwise_small_plane
// CHECK-DAG: %[[PADS:.*]] = arith.constant dense<0.000000e+00> : vector<7x7xf32>
// CHECK-DAG: %[[LEFT2:.*]] = arith.constant dense<[false, false, true, true, true, true, true, false]> : vector<8xi1>
// CHECK-DAG: %[[ALL:.*]] = arith.constant dense<[true, true, true, true, true, true, true, false]> : vector<8xi1>
// CHECK-DAG: %[[MINUS2:.*]] = arith.constant -2 : index
// CHECK-NOT: tensor<1x512x11x11xf32>
// CHECK: scf.forall (%{{.*}}) = (0) to (512) step (32)
// CHECK: scf.for {{.*}} to %c32 step %c1 {{.*}} -> (tensor<1x32x7x7xf32>)
// CHECK-NOT: scf.for
// CHECK: %[[R0:.*]] = vector.transfer_read %{{.*}}[{{.*}}, %[[MINUS2]]], %{{.*}}, %[[LEFT2]] {in_bounds = [true]} : tensor<1x512x7x7xf32>, vector<8xf32>
// CHECK: %[[S0:.*]] = vector.shuffle %[[R0]], %[[R0]] [0, 1, 2, 3, 4, 5, 6]
// CHECK: vector.insert %[[S0]], %[[PADS]] [2] : vector<7xf32> into vector<7x7xf32>
// CHECK-COUNT-4: vector.insert {{.*}} : vector<7xf32> into vector<7x7xf32>
// CHECK: vector.transfer_read %{{.*}}, %[[ALL]] {in_bounds = [true]} : tensor<1x512x7x7xf32>, vector<8xf32>
// CHECK: arith.addf {{.*}} : vector<7x7xf32>
// CHECK: vector.transfer_write {{.*}} : vector<7x7xf32>, tensor<1x32x7x7xf32>
// CHECK-NOT: scf.for
// CHECK: scf.forall.in_parallel
func.func @depthwise_small_plane(%x: tensor<1x512x7x7xf32>, %w: tensor<512x1x5x5xf32>, %b: tensor<512xf32>) -> tensor<1x512x7x7xf32> {
  %0 = kiln.conv %x, %w, %b {group = 512 : i64, pads = array<i64: 2, 2, 2, 2>} : (tensor<1x512x7x7xf32>, tensor<512x1x5x5xf32>, tensor<512xf32>) -> tensor<1x512x7x7xf32>
  return %0 : tensor<1x512x7x7xf32>
}

// A max pool is a maximum of taps: its taps are read around its padding too,
// the masked-off lanes taking the pad value, -inf (ResNet's 3x3 stride-2
// pool: rows of 56 outputs from 112 columns, two rows a register tile).
// CHECK-LABEL: func @max_pool_taps
// CHECK-DAG: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-NOT: tensor<1x64x114x114xf32>
// CHECK: scf.forall
// CHECK: vector.transfer_read %{{.*}}[{{.*}}], %[[NEG_INF]], %{{.*}} {in_bounds = [true]} : tensor<1x64x112x112xf32>, vector<128xf32>
// CHECK: arith.maximumf {{.*}} : vector<2x56xf32>
// CHECK: scf.forall.in_parallel
func.func @max_pool_taps(%x: tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32> {
  %0 = kiln.max_pool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
      : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
  return %0 : tensor<1x64x56x56xf32>
}

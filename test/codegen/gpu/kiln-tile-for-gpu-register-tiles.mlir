// RUN: kiln-opt %s --split-input-file --kiln-tile-for-gpu="multiprocessors=1" --canonicalize --cse | FileCheck %s --implicit-check-not=kiln.narrow
// RUN: kiln-opt %s --split-input-file --kiln-tile-for-gpu="multiprocessors=32" --canonicalize --cse | FileCheck %s --check-prefix=MANY

// No read here divides along k, so no op is marked for
// kiln-narrow-marked-indices (--implicit-check-not=kiln.narrow).

// Staged matmuls give each thread a register tile of outputs, grown (rows
// first) while the grid keeps two blocks per multiprocessor. With one
// multiprocessor, the 32x64 output gets 1x2 blocks of 32x32 outputs: each
// thread owns rows ty, ty + 16 and columns tx, tx + 16, copies two
// elements of each input tile into workgroup memory per k step and folds
// four accumulators, each in k order with fused multiply-adds. Sides of
// two outputs read runs of 4 k values: the tiles keep k contiguous (A as
// (row, k), B as (column, k) padded to 20) and each run is one 16-byte
// load, 4 loads for 16 multiply-adds. B's copies are columns
// 8 (t / 128) + t % 8 and 16 more at k (t / 8) % 16. The tiles have two
// stages and the copy is one step ahead: the first step's elements are
// stored into stage 0 before the k loop, a barrier; each step of the loop
// reads the next step's (at kt + 16) into registers, folds its 16 k values
// (unrolled) from its stage, stores the next step's into the other stage,
// a barrier. The loop covers the first two of the 3 steps; the last, with
// no next step, is folded after it from stage 0 (4 outputs a thread: short
// enough to copy).
// CHECK-LABEL: func @register_tile
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C12:.*]] = arith.constant 12 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK: scf.forall (%{{.*}}, %[[BN:.*]]) in (1, 2) {
// CHECK:   %[[AS:.*]] = memref.alloc() : memref<2x32x16xf32, #gpu.address_space<workgroup>>
// CHECK:   %[[BS:.*]] = memref.alloc() : memref<2x32x20xf32, #gpu.address_space<workgroup>>
// CHECK:   scf.forall (%[[T:.*]]) in (256) {
// CHECK:     %[[TY:.*]] = arith.divui %[[T]], %[[C16]]
// CHECK:     %[[TX:.*]] = arith.remui %[[T]], %[[C16]]
// CHECK:     %[[N0:.*]] = arith.muli %[[BN]], %[[C32]]
// CHECK:     %[[T8:.*]] = arith.divui %[[T]], %[[C8]]
// CHECK:     %[[KB:.*]] = arith.remui %[[T8]], %[[C16]]
// CHECK:     %[[NB:.*]] = arith.addi
// CHECK:     %[[TY16:.*]] = arith.addi %[[TY]], %[[C16]]
// CHECK:     %[[TX16:.*]] = arith.addi %[[TX]], %[[C16]]
// CHECK:     %[[COL0:.*]] = arith.addi %[[N0]], %[[TX]]
// CHECK:     %[[I00:.*]] = memref.load %[[C:.*]][%[[TY]], %[[COL0]]]
// CHECK:     %[[COL1:.*]] = arith.addi %[[N0]], %[[TX16]]
// CHECK:     %[[I01:.*]] = memref.load %[[C]][%[[TY]], %[[COL1]]]
// CHECK:     %[[I10:.*]] = memref.load %[[C]][%[[TY16]], %[[COL0]]]
// CHECK:     %[[I11:.*]] = memref.load %[[C]][%[[TY16]], %[[COL1]]]
// CHECK:     %[[FA0:.*]] = memref.load %[[A:.*]][%[[TY]], %[[TX]]]
// CHECK:     %[[FA1:.*]] = memref.load %[[A]][%[[TY16]], %[[TX]]]
// CHECK:     %[[BCOL0:.*]] = arith.addi %[[N0]], %[[NB]]
// CHECK:     %[[FB0:.*]] = memref.load %[[B:.*]][%[[KB]], %[[BCOL0]]]
// CHECK:     %[[NB16:.*]] = arith.addi %[[NB]], %[[C16]]
// CHECK:     %[[BCOL1:.*]] = arith.addi %[[N0]], %[[NB16]]
// CHECK:     %[[FB1:.*]] = memref.load %[[B]][%[[KB]], %[[BCOL1]]]
// CHECK:     memref.store %[[FA0]], %[[AS]][%[[C0]], %[[TY]], %[[TX]]]
// CHECK:     memref.store %[[FA1]], %[[AS]][%[[C0]], %[[TY16]], %[[TX]]]
// CHECK:     memref.store %[[FB0]], %[[BS]][%[[C0]], %[[NB]], %[[KB]]]
// CHECK:     memref.store %[[FB1]], %[[BS]][%[[C0]], %[[NB16]], %[[KB]]]
// CHECK:     gpu.barrier
// CHECK:     %[[ACC:.*]]:4 = scf.for %[[KT:[a-z0-9_]+]] = %[[C0]] to %[[C32]] step %[[C16]] iter_args(%[[P00:[a-z0-9_]+]] = %[[I00]], %[[P01:[a-z0-9_]+]] = %[[I01]], %[[P10:[a-z0-9_]+]] = %[[I10]], %[[P11:[a-z0-9_]+]] = %[[I11]])
// CHECK-NEXT:  %[[KN:.*]] = arith.addi %[[KT]], %[[C16]]
// CHECK-NEXT:  %[[KA:.*]] = arith.addi %[[KN]], %[[TX]]
// CHECK:       %[[NA0:.*]] = memref.load %[[A]][%[[TY]], %[[KA]]]
// CHECK:       %[[NA1:.*]] = memref.load %[[A]][%[[TY16]], %[[KA]]]
// CHECK:       %[[KBN:.*]] = arith.addi %[[KN]], %[[KB]]
// CHECK:       %[[NB0:.*]] = memref.load %[[B]][%[[KBN]], %[[BCOL0]]]
// CHECK:       %[[NB1:.*]] = memref.load %[[B]][%[[KBN]], %[[BCOL1]]]
// CHECK:       %[[STEP:.*]] = arith.divui %[[KT]], %[[C16]]
// CHECK:       %[[STAGE:.*]] = arith.remui %[[STEP]], %[[C2]]
// CHECK:       %[[X0:.*]] = vector.load %[[AS]][%[[STAGE]], %[[TY]], %[[C0]]] {alignment = 16 : i64} : {{.*}}, vector<4xf32>
// CHECK:       %[[X00:.*]] = vector.extract %[[X0]][0]
// CHECK:       %[[X1:.*]] = vector.load %[[AS]][%[[STAGE]], %[[TY16]], %[[C0]]]
// CHECK:       %[[X10:.*]] = vector.extract %[[X1]][0]
// CHECK:       %[[Y0:.*]] = vector.load %[[BS]][%[[STAGE]], %[[TX]], %[[C0]]]
// CHECK:       %[[Y00:.*]] = vector.extract %[[Y0]][0]
// CHECK:       %[[Y1:.*]] = vector.load %[[BS]][%[[STAGE]], %[[TX16]], %[[C0]]]
// CHECK:       %[[Y10:.*]] = vector.extract %[[Y1]][0]
// CHECK-NOT:   vector.load
// CHECK:       %[[S00:.*]] = math.fma %[[X00]], %[[Y00]], %[[P00]]
// CHECK:       %[[S01:.*]] = math.fma %[[X00]], %[[Y10]], %[[P01]]
// CHECK:       %[[S10:.*]] = math.fma %[[X10]], %[[Y00]], %[[P10]]
// CHECK:       %[[S11:.*]] = math.fma %[[X10]], %[[Y10]], %[[P11]]
// CHECK-COUNT-12: math.fma
// CHECK-NEXT:  vector.load %[[AS]][%[[STAGE]], %[[TY]], %[[C4]]]
// CHECK-NOT:   gpu.barrier
// CHECK:       %[[Z0:.*]] = vector.load %[[AS]][%[[STAGE]], %[[TY]], %[[C12]]]
// CHECK:       %[[Z1:.*]] = vector.load %[[AS]][%[[STAGE]], %[[TY16]], %[[C12]]]
// CHECK:       %[[W0:.*]] = vector.load %[[BS]][%[[STAGE]], %[[TX]], %[[C12]]]
// CHECK:       %[[W1:.*]] = vector.load %[[BS]][%[[STAGE]], %[[TX16]], %[[C12]]]
// CHECK-COUNT-12: math.fma
// CHECK:       %[[E00:.*]] = math.fma
// CHECK:       %[[E01:.*]] = math.fma
// CHECK:       %[[E10:.*]] = math.fma
// CHECK:       %[[E11:.*]] = math.fma
// CHECK:       %[[OTHER:.*]] = arith.subi %[[C1]], %[[STAGE]]
// CHECK:       memref.store %[[NA0]], %[[AS]][%[[OTHER]], %[[TY]], %[[TX]]]
// CHECK:       memref.store %[[NA1]], %[[AS]][%[[OTHER]], %[[TY16]], %[[TX]]]
// CHECK:       memref.store %[[NB0]], %[[BS]][%[[OTHER]], %[[NB]], %[[KB]]]
// CHECK:       memref.store %[[NB1]], %[[BS]][%[[OTHER]], %[[NB16]], %[[KB]]]
// CHECK-NEXT:  gpu.barrier
// CHECK-NEXT:  scf.yield %[[E00]], %[[E01]], %[[E10]], %[[E11]]
// CHECK:     %[[LX0:.*]] = vector.load %[[AS]][%[[C0]], %[[TY]], %[[C0]]]
// CHECK:     %[[LX00:.*]] = vector.extract %[[LX0]][0]
// CHECK:     vector.load %[[AS]][%[[C0]], %[[TY16]], %[[C0]]]
// CHECK:     %[[LY0:.*]] = vector.load %[[BS]][%[[C0]], %[[TX]], %[[C0]]]
// CHECK:     %[[LY00:.*]] = vector.extract %[[LY0]][0]
// CHECK:     vector.load %[[BS]][%[[C0]], %[[TX16]], %[[C0]]]
// CHECK:     math.fma %[[LX00]], %[[LY00]], %[[ACC]]#0
// CHECK:     math.fma %{{.*}}, %{{.*}}, %[[ACC]]#1
// CHECK:     math.fma %{{.*}}, %{{.*}}, %[[ACC]]#2
// CHECK:     math.fma %{{.*}}, %{{.*}}, %[[ACC]]#3
// CHECK-NOT: gpu.barrier
// CHECK:     vector.load %[[BS]][%[[C0]], %[[TX16]], %[[C12]]]
// CHECK-COUNT-12: math.fma
// CHECK-NEXT: %[[F00:.*]] = math.fma
// CHECK-NEXT: %[[F01:.*]] = math.fma
// CHECK-NEXT: %[[F10:.*]] = math.fma
// CHECK-NEXT: %[[F11:.*]] = math.fma
// CHECK-NEXT: memref.store %[[F00]], %[[C]][%[[TY]], %[[COL0]]]
// CHECK:     memref.store %[[F01]], %[[C]][%[[TY]], %[[COL1]]]
// CHECK:     memref.store %[[F10]], %[[C]][%[[TY16]], %[[COL0]]]
// CHECK:     memref.store %[[F11]], %[[C]][%[[TY16]], %[[COL1]]]
// With 32 multiprocessors (at least 64 blocks) the tile stays 1x1.
// MANY-LABEL: func @register_tile
// MANY: scf.forall (%{{.*}}, %{{.*}}) in (2, 4) {
// MANY: memref.alloc() : memref<2x16x16xf32, #gpu.address_space<workgroup>>
func.func @register_tile(%a: memref<32x48xf32>, %b: memref<48x64xf32>, %c: memref<32x64xf32>) {
  linalg.matmul ins(%a, %b : memref<32x48xf32>, memref<48x64xf32>) outs(%c : memref<32x64xf32>)
  return
}

// -----

// A batched matmul of 4 x 256x512 outputs with one multiprocessor: tiles
// grow to the 8x8 cap (128x128 outputs a block, 4 x 2 x 4 blocks); the
// batch stays a block loop. Both sides are read in groups of 4: thread
// (ty, tx) owns rows 4 ty + {0..3} and 64 + 4 ty + {0..3}, columns
// 4 tx + {0..3} and 64 + 4 tx + {0..3}. The block stages A k-major (16 x
// 128, padded to 132) and B as 16 x 128, A's element (m, k) stored at
// [k][m]; per k value each thread reads two aligned 4-float vectors from
// each tile and folds 64 fused multiply-adds. Thread t copies A's k
// t % 8 + 8 (t / 32 % 2) of rows t / 8 % 4 + 4 (t / 64 % 4) + 16 r (a
// warp: 8 k values of 4 rows, whose slots cover the 32 banks), and B's
// column tx + 16 r at k ty into B's tile padded by 16 (144 floats a row:
// a warp's two k values 16 banks apart).
// CHECK-LABEL: func @largest_tile
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C15:.*]] = arith.constant 15 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (4, 2, 4) {
// CHECK:   %[[AS:.*]] = memref.alloc() : memref<2x16x132xf32, #gpu.address_space<workgroup>>
// CHECK:   %[[BS:.*]] = memref.alloc() : memref<2x16x144xf32, #gpu.address_space<workgroup>>
// CHECK:   scf.forall (%[[T:.*]]) in (256) {
// CHECK:     %[[TY:.*]] = arith.divui %[[T]], %[[C16]]
// CHECK:     %[[TX:.*]] = arith.remui %[[T]], %[[C16]]
// CHECK:     %[[T8:.*]] = arith.divui %[[T]], %[[C8]]
// CHECK:     %[[T8X8:.*]] = arith.muli %[[T8]], %[[C8]]
// CHECK:     %[[KLOW:.*]] = arith.subi %[[T]], %[[T8X8]]
// CHECK:     %[[T32:.*]] = arith.divui %[[T]], %[[C32]]
// CHECK:     %[[KHIGH:.*]] = arith.muli %{{.*}}, %[[C8]]
// CHECK:     %[[AK:.*]] = arith.addi %[[KLOW]], %[[KHIGH]]
// CHECK:     %[[T32X4:.*]] = arith.muli %[[T32]], %[[C4]]
// CHECK:     %[[RLOW:.*]] = arith.subi %[[T8]], %[[T32X4]]
// CHECK:     %[[AROW:.*]] = arith.addi %[[RLOW]], %{{.*}}
// CHECK:     %[[ROW:.*]] = arith.muli %[[TY]], %[[C4]]
// CHECK:     %[[ROW64:.*]] = arith.addi %[[ROW]], %[[C64]]
// CHECK:     %[[COL:.*]] = arith.muli %[[TX]], %[[C4]]
// CHECK:     %[[COL64:.*]] = arith.addi %[[COL]], %[[C64]]
// CHECK:     memref.store %{{.*}}, %[[AS]][%[[C0]], %[[AK]], %[[AROW]]]
// CHECK:     memref.store %{{.*}}, %[[BS]][%[[C0]], %[[TY]], %[[TX]]]
// CHECK:     gpu.barrier
// CHECK:     scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK:       %[[STAGE:.*]] = arith.remui
// CHECK:       %[[A0:.*]] = vector.load %[[AS]][%[[STAGE]], %[[C0]], %[[ROW]]] {alignment = 16 : i64} : {{.*}}, vector<4xf32>
// CHECK:       %[[A1:.*]] = vector.load %[[AS]][%[[STAGE]], %[[C0]], %[[ROW64]]] {alignment = 16 : i64} : {{.*}}, vector<4xf32>
// CHECK:       %[[B0:.*]] = vector.load %[[BS]][%[[STAGE]], %[[C0]], %[[COL]]] {alignment = 16 : i64} : {{.*}}, vector<4xf32>
// CHECK:       %[[B1:.*]] = vector.load %[[BS]][%[[STAGE]], %[[C0]], %[[COL64]]] {alignment = 16 : i64} : {{.*}}, vector<4xf32>
// CHECK-NOT:   memref.load
// CHECK-COUNT-64: math.fma
// CHECK:       vector.load %[[AS]][%[[STAGE]], %[[C1]], %[[ROW]]]
// CHECK-NOT:   memref.load
// CHECK-NOT:   gpu.barrier
// CHECK:       vector.load %[[BS]][%[[STAGE]], %[[C15]], %[[COL64]]]
// CHECK-NOT:   memref.load
// CHECK-COUNT-64: math.fma
// CHECK:       %[[OTHER:.*]] = arith.subi %[[C1]], %[[STAGE]]
// CHECK:       memref.store %{{.*}}, %[[AS]][%[[OTHER]], %[[AK]], %[[AROW]]]
// CHECK:       memref.store %{{.*}}, %[[BS]][%[[OTHER]], %[[TY]], %[[TX]]]
// CHECK:       gpu.barrier
// CHECK-NEXT:  scf.yield
// With 32 multiprocessors, 8x8 would leave 32 blocks: 8x4 (128x64 outputs,
// 64 blocks) is the largest tile that keeps 64.
// MANY-LABEL: func @largest_tile
// MANY: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (4, 2, 8) {
// MANY:   memref.alloc() : memref<2x16x132xf32, #gpu.address_space<workgroup>>
// MANY:   memref.alloc() : memref<2x16x80xf32, #gpu.address_space<workgroup>>
func.func @largest_tile(%a: memref<4x256x64xf32>, %b: memref<4x64x512xf32>, %c: memref<4x256x512xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<4x256x64xf32>, memref<4x64x512xf32>) outs(%c : memref<4x256x512xf32>)
  return
}

// -----

// A body other than acc + a * b (here a max-plus product) is cloned for
// each output of the register tile, with its own loop indices.
// CHECK-LABEL: func @max_plus
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (1, 2) {
// CHECK:   scf.for {{.*}} -> (f32, f32, f32, f32)
// CHECK-COUNT-64: arith.addf
// CHECK-NOT: math.fma
// CHECK:       scf.yield
#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>
func.func @max_plus(%a: memref<32x48xf32>, %b: memref<48x64xf32>, %c: memref<32x64xf32>) {
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<32x48xf32>, memref<48x64xf32>) outs(%c : memref<32x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %s = arith.addf %x, %y : f32
    %m = arith.maximumf %acc, %s : f32
    linalg.yield %m : f32
  }
  return
}

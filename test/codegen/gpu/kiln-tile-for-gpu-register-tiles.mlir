// RUN: kiln-opt %s --split-input-file --kiln-tile-for-gpu="multiprocessors=1" --canonicalize --cse | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-tile-for-gpu="multiprocessors=32" --canonicalize --cse | FileCheck %s --check-prefix=MANY

// Staged matmuls give each thread a register tile of outputs, grown (rows
// first) while the grid keeps two blocks per multiprocessor. With one
// multiprocessor, the 32x64 output gets 1x2 blocks of 32x32 outputs: each
// thread owns rows ty, ty + 16 and columns tx, tx + 16, copies two
// elements of each input tile into workgroup memory per k step and folds
// four accumulators, each in k order with fused multiply-adds, from two A
// and two B values.
// CHECK-LABEL: func @register_tile
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK: scf.forall (%{{.*}}, %[[BN:.*]]) in (1, 2) {
// CHECK:   %[[AS:.*]] = memref.alloc() : memref<32x16xf32, #gpu.address_space<workgroup>>
// CHECK:   %[[BS:.*]] = memref.alloc() : memref<16x32xf32, #gpu.address_space<workgroup>>
// CHECK:   scf.forall (%[[T:.*]]) in (256) {
// CHECK:     %[[TY:.*]] = arith.divui %[[T]], %[[C16]]
// CHECK:     %[[TX:.*]] = arith.remui %[[T]], %[[C16]]
// CHECK:     %[[N0:.*]] = arith.muli %[[BN]], %[[C32]]
// CHECK:     %[[TY16:.*]] = arith.addi %[[TY]], %[[C16]]
// CHECK:     %[[TX16:.*]] = arith.addi %[[TX]], %[[C16]]
// CHECK:     %[[COL0:.*]] = arith.addi %[[N0]], %[[TX]]
// CHECK:     %[[I00:.*]] = memref.load %[[C:.*]][%[[TY]], %[[COL0]]]
// CHECK:     %[[COL1:.*]] = arith.addi %[[N0]], %[[TX16]]
// CHECK:     %[[I01:.*]] = memref.load %[[C]][%[[TY]], %[[COL1]]]
// CHECK:     %[[I10:.*]] = memref.load %[[C]][%[[TY16]], %[[COL0]]]
// CHECK:     %[[I11:.*]] = memref.load %[[C]][%[[TY16]], %[[COL1]]]
// CHECK:     %[[ACC:.*]]:4 = scf.for %[[KT:.*]] = {{.*}} iter_args(%{{.*}} = %[[I00]], %{{.*}} = %[[I01]], %{{.*}} = %[[I10]], %{{.*}} = %[[I11]])
// CHECK:       %[[KA:.*]] = arith.addi %[[KT]], %[[TX]]
// CHECK:       %[[A0:.*]] = memref.load %[[A:.*]][%[[TY]], %[[KA]]]
// CHECK:       memref.store %[[A0]], %[[AS]][%[[TY]], %[[TX]]]
// CHECK:       %[[A1:.*]] = memref.load %[[A]][%[[TY16]], %[[KA]]]
// CHECK:       memref.store %[[A1]], %[[AS]][%[[TY16]], %[[TX]]]
// CHECK:       %[[KB:.*]] = arith.addi %[[KT]], %[[TY]]
// CHECK:       %[[B0:.*]] = memref.load %[[B:.*]][%[[KB]], %[[COL0]]]
// CHECK:       memref.store %[[B0]], %[[BS]][%[[TY]], %[[TX]]]
// CHECK:       %[[B1:.*]] = memref.load %[[B]][%[[KB]], %[[COL1]]]
// CHECK:       memref.store %[[B1]], %[[BS]][%[[TY]], %[[TX16]]]
// CHECK:       gpu.barrier
// CHECK:       %[[PART:.*]]:4 = scf.for %[[KK:.*]] = {{.*}} iter_args(%[[P00:.*]] = %{{.*}}, %[[P01:.*]] = %{{.*}}, %[[P10:.*]] = %{{.*}}, %[[P11:.*]] = %{{.*}})
// CHECK:         %[[X0:.*]] = memref.load %[[AS]][%[[TY]], %[[KK]]]
// CHECK:         %[[X1:.*]] = memref.load %[[AS]][%[[TY16]], %[[KK]]]
// CHECK:         %[[Y0:.*]] = memref.load %[[BS]][%[[KK]], %[[TX]]]
// CHECK:         %[[Y1:.*]] = memref.load %[[BS]][%[[KK]], %[[TX16]]]
// CHECK:         %[[S00:.*]] = math.fma %[[X0]], %[[Y0]], %[[P00]]
// CHECK:         %[[S01:.*]] = math.fma %[[X0]], %[[Y1]], %[[P01]]
// CHECK:         %[[S10:.*]] = math.fma %[[X1]], %[[Y0]], %[[P10]]
// CHECK:         %[[S11:.*]] = math.fma %[[X1]], %[[Y1]], %[[P11]]
// CHECK:         scf.yield %[[S00]], %[[S01]], %[[S10]], %[[S11]]
// CHECK:       gpu.barrier
// CHECK:     memref.store %[[ACC]]#0, %[[C]][%[[TY]], %[[COL0]]]
// CHECK:     memref.store %[[ACC]]#1, %[[C]][%[[TY]], %[[COL1]]]
// CHECK:     memref.store %[[ACC]]#2, %[[C]][%[[TY16]], %[[COL0]]]
// CHECK:     memref.store %[[ACC]]#3, %[[C]][%[[TY16]], %[[COL1]]]
// With 32 multiprocessors (at least 64 blocks) the tile stays 1x1.
// MANY-LABEL: func @register_tile
// MANY: scf.forall (%{{.*}}, %{{.*}}) in (2, 4) {
// MANY: memref.alloc() : memref<16x16xf32, #gpu.address_space<workgroup>>
func.func @register_tile(%a: memref<32x48xf32>, %b: memref<48x64xf32>, %c: memref<32x64xf32>) {
  linalg.matmul ins(%a, %b : memref<32x48xf32>, memref<48x64xf32>) outs(%c : memref<32x64xf32>)
  return
}

// -----

// A batched matmul of 4 x 256x512 outputs with one multiprocessor: tiles
// grow to the 8x8 cap (128x128 outputs a block, 4 x 2 x 4 blocks), each
// block staging 128x16 and 16x128 tiles; the batch stays a block loop.
// CHECK-LABEL: func @largest_tile
// CHECK: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (4, 2, 4) {
// CHECK:   memref.alloc() : memref<128x16xf32, #gpu.address_space<workgroup>>
// CHECK:   memref.alloc() : memref<16x128xf32, #gpu.address_space<workgroup>>
// CHECK:   scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK-COUNT-2: gpu.barrier
// With 32 multiprocessors, 8x8 would leave 32 blocks: 8x4 (128x64 outputs,
// 64 blocks) is the largest tile that keeps 64.
// MANY-LABEL: func @largest_tile
// MANY: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (4, 2, 8) {
// MANY:   memref.alloc() : memref<128x16xf32, #gpu.address_space<workgroup>>
// MANY:   memref.alloc() : memref<16x64xf32, #gpu.address_space<workgroup>>
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
// CHECK:     scf.for {{.*}} -> (f32, f32, f32, f32)
// CHECK-COUNT-4: arith.addf
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

// RUN: kiln-opt %s --kiln-map-forall-to-gpu | FileCheck %s

// A block/thread forall nest becomes one launch: a 1-D grid of every block
// iteration and 1-D blocks of every thread iteration, indices recovered by
// delinearization.
// CHECK-LABEL: func @nest
// CHECK-DAG: %[[GRID:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[THREADS:.*]] = arith.constant 256 : index
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[GRID]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[THREADS]]
// CHECK:   arith.remui %[[BX]]
// CHECK:   arith.remui %[[TX]]
// CHECK:   memref.store
// CHECK:   gpu.terminator
// CHECK-NOT: scf.forall
func.func @nest(%m: memref<8x512xf32>) {
  %c = arith.constant 1.0 : f32
  scf.forall (%i, %j) = (0, 0) to (8, 512) step (1, 256) {
    scf.forall (%ti, %tj) in (1, 256) {
      %r = arith.addi %i, %ti : index
      %s = arith.addi %j, %tj : index
      memref.store %c, %m[%r, %s] : memref<8x512xf32>
    } {mapping = [#gpu.thread<linear_dim_0>, #gpu.thread<linear_dim_1>]}
  } {mapping = [#gpu.block<linear_dim_0>, #gpu.block<linear_dim_1>]}
  return
}

// RUN: kiln-opt %s --split-input-file --kiln-map-forall-to-gpu | FileCheck %s

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

// -----

// A block's workgroup buffer becomes the launch's workgroup attribution;
// barriers and shuffles stay where the thread loop had them.
// CHECK-LABEL: func @workgroup
// CHECK: gpu.launch
// CHECK-SAME: workgroup(%[[SHARED:.*]] : memref<64xf32, #gpu.address_space<workgroup>>)
// CHECK-NOT: memref.alloc
// CHECK:   memref.store %{{.*}}, %[[SHARED]]
// CHECK:   gpu.barrier
// CHECK:   memref.load %[[SHARED]]
// CHECK:   gpu.shuffle  xor
func.func @workgroup(%m: memref<64xf32>) {
  %c1 = arith.constant 1 : i32
  %c32 = arith.constant 32 : i32
  %c63 = arith.constant 63 : index
  scf.forall (%b) in (1) {
    %shared = memref.alloc() : memref<64xf32, #gpu.address_space<workgroup>>
    scf.forall (%t) in (64) {
      %v = memref.load %m[%t] : memref<64xf32>
      memref.store %v, %shared[%t] : memref<64xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %r = arith.subi %c63, %t : index
      %w = memref.load %shared[%r] : memref<64xf32, #gpu.address_space<workgroup>>
      %s, %ok = gpu.shuffle xor %w, %c1, %c32 : f32
      memref.store %s, %m[%t] : memref<64xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

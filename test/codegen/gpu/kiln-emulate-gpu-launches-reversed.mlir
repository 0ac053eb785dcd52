// RUN: kiln-opt %s --kiln-emulate-gpu-launches=reverse-order=true --canonicalize | FileCheck %s

// With reverse-order, the blocks and each segment's threads run from the
// last id down: the body reads size - 1 - i where it read the id, for the
// block (i of the forall) and the thread (i of the thread loop), and the
// per-thread slot of a value kept across the barrier is that thread's.
// CHECK-LABEL: func @reversed
// CHECK-DAG: %[[THREADS:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[LASTB:.*]] = arith.constant 15 : index
// CHECK-DAG: %[[LASTT:.*]] = arith.constant 31 : index
// CHECK: scf.forall (%[[I:.*]]) in (16)
// CHECK:   %[[BX:.*]] = arith.subi %[[LASTB]], %[[I]]
// CHECK:   %[[SLOTS:.*]] = memref.alloca() : memref<32xindex>
// CHECK:   scf.for %[[J:.*]] = %{{.*}} to %[[THREADS]] step
// CHECK:     %[[TX:.*]] = arith.subi %[[LASTT]], %[[J]]
// CHECK:     %[[BASE:.*]] = arith.muli %[[BX]], %[[THREADS]]
// CHECK:     %[[K:.*]] = arith.addi %[[BASE]], %[[TX]]
// CHECK:     memref.store %[[K]], %[[SLOTS]][%[[TX]]]
// CHECK:     memref.store %{{.*}}, %{{.*}}[%[[K]]]
// CHECK:   scf.for %[[J2:.*]] = %{{.*}} to %[[THREADS]] step
// CHECK:     %[[TX2:.*]] = arith.subi %[[LASTT]], %[[J2]]
// CHECK:     memref.load %[[SLOTS]][%[[TX2]]]
func.func @reversed(%m: memref<512xf32>) {
  %c1 = arith.constant 1 : index
  %grid = arith.constant 16 : index
  %threads = arith.constant 32 : index
  %v = arith.constant 2.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %grid, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %threads, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %sx : index
    %i = arith.addi %base, %tx : index
    memref.store %v, %m[%i] : memref<512xf32>
    gpu.barrier
    %w = memref.load %m[%i] : memref<512xf32>
    %s = arith.addf %w, %v : f32
    memref.store %s, %m[%i] : memref<512xf32>
    gpu.terminator
  }
  return
}

// RUN: kiln-opt %s --split-input-file --kiln-emulate-gpu-launches --verify-diagnostics | FileCheck %s

// A launch becomes an scf.forall over its blocks (run in parallel on the CPU)
// holding sequential loops over its threads, z outermost; the kernel body
// reads the loop indices where it read block and thread ids.
// CHECK-LABEL: func @launch
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[GRID:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[THREADS:.*]] = arith.constant 32 : index
// CHECK: scf.forall (%[[BX:.*]], %{{.*}}, %{{.*}}) in (%[[GRID]], %[[C1]], %[[C1]])
// CHECK:   scf.for %{{.*}} = %{{.*}} to %[[C1]] step
// CHECK:     scf.for %{{.*}} = %{{.*}} to %[[C1]] step
// CHECK:       scf.for %[[TX:.*]] = %{{.*}} to %[[THREADS]] step
// CHECK:         %[[BASE:.*]] = arith.muli %[[BX]], %[[THREADS]]
// CHECK:         %[[I:.*]] = arith.addi %[[BASE]], %[[TX]]
// CHECK:         memref.store %{{.*}}, %{{.*}}[%[[I]]]
// CHECK-NOT: gpu.launch
func.func @launch(%m: memref<512xf32>) {
  %c1 = arith.constant 1 : index
  %grid = arith.constant 16 : index
  %threads = arith.constant 32 : index
  %v = arith.constant 2.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %grid, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %threads, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %sx : index
    %i = arith.addi %base, %tx : index
    memref.store %v, %m[%i] : memref<512xf32>
    gpu.terminator
  }
  return
}

// -----

// Threads of a block run one after another, which is only exact without
// barriers.
func.func @barrier(%m: memref<32xf32>) {
  %c1 = arith.constant 1 : index
  %threads = arith.constant 32 : index
  %v = arith.constant 2.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %threads, %sy = %c1, %sz = %c1) {
    memref.store %v, %m[%tx] : memref<32xf32>
    // expected-error @below {{kernels with barriers cannot be emulated yet}}
    gpu.barrier
    gpu.terminator
  }
  return
}

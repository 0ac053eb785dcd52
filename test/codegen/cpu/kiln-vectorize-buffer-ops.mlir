// RUN: kiln-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(kiln-vectorize-buffer-ops))' | FileCheck %s

// Copies into strided views (a concatenation after bufferization) become
// vector transfers along the innermost axis.
// CHECK-LABEL: func @concat_copies
// CHECK-SAME: (%[[A:[^:]*]]: memref<2x1xf32>, %[[C:[^:]*]]: memref<2x3xf32>, %[[OUT:[^:]*]]: memref<2x4xf32>)
// CHECK: %[[S1:.*]] = memref.subview %[[OUT]][0, 1] [2, 3] [1, 1]
// CHECK: scf.for %[[I:.*]] = %c0 to %c2 step %c1
// CHECK-DAG: memref.subview %[[C]][%[[I]], %{{.*}}] [1, 3] [1, 1]
// CHECK-DAG: memref.subview %[[S1]][%[[I]], %{{.*}}] [1, 3] [1, 1]
// CHECK: %[[V:.*]] = vector.transfer_read {{.*}} : memref<3xf32, {{.*}}>, vector<3xf32>
// CHECK: vector.transfer_write %[[V]], {{.*}} : vector<3xf32>, memref<3xf32, {{.*}}>
// CHECK-NOT: linalg.copy
func.func @concat_copies(%a: memref<2x1xf32>, %c: memref<2x3xf32>, %out: memref<2x4xf32>) {
  %s0 = memref.subview %out[0, 0] [2, 1] [1, 1] : memref<2x4xf32> to memref<2x1xf32, strided<[4, 1]>>
  linalg.copy ins(%a : memref<2x1xf32>) outs(%s0 : memref<2x1xf32, strided<[4, 1]>>)
  %s1 = memref.subview %out[0, 1] [2, 3] [1, 1] : memref<2x4xf32> to memref<2x3xf32, strided<[4, 1], offset: 1>>
  linalg.copy ins(%c : memref<2x3xf32>) outs(%s1 : memref<2x3xf32, strided<[4, 1], offset: 1>>)
  return
}

// -----

// Fills: vectors of 64 along the innermost axis; a large op outside any
// tile runs on the thread pool like those tiled on tensors (the copies of
// pads and concatenations are whole activations).
// CHECK-LABEL: func @fill
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<64xf32>
// CHECK: scf.forall (%{{.*}}) = (0) to (64) step (4)
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c64
// CHECK: vector.transfer_write %[[ZERO]], {{.*}} : vector<64xf32>, memref<64xf32, {{.*}}>
// CHECK-NOT: linalg.fill
func.func @fill(%big: memref<64x512xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%big : memref<64x512xf32>)
  return
}

// -----

// Ops already inside a tile loop were placed there by the tensor-level
// strategy: not tiled again, only vectorized.
// CHECK-LABEL: func @already_tiled
// CHECK: scf.for
// CHECK-NOT: scf.for
// CHECK: vector.transfer_write {{.*}} : vector<8xf32>
// CHECK-NOT: scf.for
// CHECK: return
func.func @already_tiled(%m: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %z = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    %row = memref.subview %m[%i, 0] [1, 8] [1, 1] : memref<4x8xf32> to memref<1x8xf32, strided<[8, 1], offset: ?>>
    linalg.fill ins(%z : f32) outs(%row : memref<1x8xf32, strided<[8, 1], offset: ?>>)
  }
  return
}

// RUN: kiln-opt %s --kiln-narrow-marked-indices --canonicalize --cse | FileCheck %s

// A convolution's k split into channel and tap, and its padding's bounds
// check, as a staged kernel marks them (kiln.narrow): integer range
// analysis bounds k by the loop, so the marked ops are computed in 32
// bits. The unmarked division stays 64-bit, as does the marked one of a
// function argument, which the analysis cannot bound. The marks are
// dropped.
// CHECK-LABEL: func @narrows_marked
// CHECK-SAME: (%[[BUF:.*]]: memref<288xf32>, %[[N:.*]]: index,
// CHECK: scf.for %[[K:.*]] =
// CHECK-DAG: %[[K32:.*]] = arith.index_castui %[[K]] : index to i32
// CHECK-DAG: %[[CHANNEL:.*]] = arith.divui %[[K32]], %{{.*}} : i32
// CHECK-DAG: %[[TAP:.*]] = arith.remui %[[K32]], %{{.*}} : i32
// CHECK-DAG: %[[ROW:.*]] = arith.subi %[[TAP]], %{{.*}} : i32
// CHECK-DAG: arith.cmpi ult, %[[ROW]], %{{.*}} : i32
// CHECK-DAG: arith.divui %[[K]], %{{.*}} : index
// CHECK-DAG: arith.divui %[[N]], %{{.*}} : index
// CHECK-NOT: kiln.narrow
// CHECK: return
func.func @narrows_marked(%buf: memref<288xf32>, %n: index, %out: memref<288xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c9 = arith.constant 9 : index
  %c16 = arith.constant 16 : index
  %c288 = arith.constant 288 : index
  scf.for %k = %c0 to %c288 step %c16 {
    %channel = arith.divui %k, %c9 {kiln.narrow} : index
    %tap = arith.remui %k, %c9 {kiln.narrow} : index
    %row = arith.subi %tap, %c1 {kiln.narrow} : index
    %inside = arith.cmpi ult, %row, %c16 {kiln.narrow} : index
    %unmarked = arith.divui %k, %c9 : index
    %unbounded = arith.divui %n, %c9 {kiln.narrow} : index
    %s1 = arith.addi %channel, %unmarked : index
    %s2 = arith.addi %s1, %unbounded : index
    %v = memref.load %buf[%s2] : memref<288xf32>
    %z = arith.constant 0.0 : f32
    %w = arith.select %inside, %v, %z : f32
    memref.store %w, %out[%k] : memref<288xf32>
  }
  return
}

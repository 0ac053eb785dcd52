// RUN: kiln-opt %s --kiln-narrow-marked-indices --canonicalize --cse | FileCheck %s --implicit-check-not=kiln.narrow

// A convolution's k split into channel and tap, and its padding's bounds
// check, as a staged kernel marks them (kiln.narrow): integer range
// analysis bounds k by the loop, so the marked ops are computed in 32
// bits. The unmarked division stays 64-bit, as do the marked division of
// a function argument, which the analysis cannot bound, and the marked
// remainder of a value that may be negative (tap - 1 at tap = 0: as an
// unsigned 64-bit value, 2^64 - 1, whose remainder a 32-bit one would not
// give), and the marked signed division (no signed op is narrowed). The
// marks are dropped.
// CHECK-LABEL: func @narrows_marked
// CHECK-SAME: (%[[BUF:[a-z0-9]+]]: memref<288xf32>, %[[N:[a-z0-9]+]]: index,
// CHECK: scf.for %[[K:[a-z0-9]+]] =
// CHECK-DAG: %[[K32:[a-z0-9]+]] = arith.index_castui %[[K]] : index to i32
// CHECK-DAG: %[[CHANNEL:[a-z0-9]+]] = arith.divui %[[K32]], %{{[a-z0-9_]+}} : i32
// CHECK-DAG: %[[TAP:[a-z0-9]+]] = arith.remui %[[K32]], %{{[a-z0-9_]+}} : i32
// CHECK-DAG: %[[ROW:[a-z0-9]+]] = arith.subi %[[TAP]], %{{[a-z0-9_]+}} : i32
// CHECK-DAG: arith.cmpi ult, %[[ROW]], %{{[a-z0-9_]+}} : i32
// CHECK-DAG: arith.remui %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}} : index
// CHECK-DAG: arith.divui %[[K]], %{{[a-z0-9_]+}} : index
// CHECK-DAG: arith.divsi %[[K]], %{{[a-z0-9_]+}} : index
// CHECK-DAG: arith.divui %[[N]], %{{[a-z0-9_]+}} : index
// CHECK: return
func.func @narrows_marked(%buf: memref<288xf32>, %n: index, %out: memref<288xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c9 = arith.constant 9 : index
  %c16 = arith.constant 16 : index
  %c288 = arith.constant 288 : index
  scf.for %k = %c0 to %c288 step %c16 {
    %channel = arith.divui %k, %c9 {kiln.narrow} : index
    %tap = arith.remui %k, %c9 {kiln.narrow} : index
    %row = arith.subi %tap, %c1 {kiln.narrow} : index
    %inside = arith.cmpi ult, %row, %c16 {kiln.narrow} : index
    %wrapped = arith.remui %row, %c3 {kiln.narrow} : index
    %unmarked = arith.divui %k, %c9 : index
    %unbounded = arith.divui %n, %c9 {kiln.narrow} : index
    %signed = arith.divsi %k, %c9 {kiln.narrow} : index
    %s1 = arith.addi %channel, %unmarked : index
    %s2 = arith.addi %s1, %unbounded : index
    %s3 = arith.addi %s2, %wrapped : index
    %s4 = arith.addi %s3, %signed : index
    %v = memref.load %buf[%s4] : memref<288xf32>
    %z = arith.constant 0.0 : f32
    %w = arith.select %inside, %v, %z : f32
    memref.store %w, %out[%k] : memref<288xf32>
  }
  return
}

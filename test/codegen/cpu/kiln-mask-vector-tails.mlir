// RUN: kiln-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(kiln-mask-vector-tails))' | FileCheck %s

// A row of 7 floats (a 7x7 plane's, a pixel-major tile's run) is one masked
// access of 8 lanes; a row of 28 is a whole register and a masked access of
// 16 lanes, 12 of them on; rows whose tail is a power of two (56 = 48 + 8)
// and rows along a strided dimension stay as they are.
// CHECK-LABEL: func @loads
// CHECK-SAME: (%[[M:.*]]: memref<4x28xf32>, %[[S:.*]]: memref<4x28xf32, strided<[28, 2]>>, %[[W:.*]]: memref<4x56xf32>, %[[I:.*]]: index)
// CHECK: %[[MASK7:.*]] = vector.constant_mask [7] : vector<8xi1>
// CHECK: %[[R7:.*]] = vector.maskedload %[[M]][%[[I]], %c0], %[[MASK7]], %{{.*}} : memref<4x28xf32>, vector<8xi1>, vector<8xf32> into vector<8xf32>
// CHECK: vector.extract_strided_slice %[[R7]] {offsets = [0], sizes = [7], strides = [1]} : vector<8xf32> to vector<7xf32>
// CHECK: %[[HEAD:.*]] = vector.load %[[M]][%[[I]], %c0] : memref<4x28xf32>, vector<16xf32>
// CHECK: %[[MASK12:.*]] = vector.constant_mask [12] : vector<16xi1>
// CHECK: vector.maskedload %[[M]][%[[I]], %c16], %[[MASK12]], %{{.*}} : memref<4x28xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK: vector.transfer_read %[[S]]
// CHECK: vector.load %[[W]][%[[I]], %c0] : memref<4x56xf32>, vector<56xf32>
// CHECK-NOT: maskedload
// CHECK: return
func.func @loads(%m: memref<4x28xf32>, %s: memref<4x28xf32, strided<[28, 2]>>, %w: memref<4x56xf32>, %i: index) -> (vector<7xf32>, vector<28xf32>, vector<7xf32>, vector<56xf32>) {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %a = vector.transfer_read %m[%i, %c0], %pad {in_bounds = [true]} : memref<4x28xf32>, vector<7xf32>
  %b = vector.load %m[%i, %c0] : memref<4x28xf32>, vector<28xf32>
  %c = vector.transfer_read %s[%i, %c0], %pad {in_bounds = [true]} : memref<4x28xf32, strided<[28, 2]>>, vector<7xf32>
  %d = vector.load %w[%i, %c0] : memref<4x56xf32>, vector<56xf32>
  return %a, %b, %c, %d : vector<7xf32>, vector<28xf32>, vector<7xf32>, vector<56xf32>
}

// -----

// Stores the same way; a transfer that may run out of bounds, and one of
// 8-bit elements (AVX-512F masks 32- and 64-bit lanes only), are left alone.
// CHECK-LABEL: func @stores
// CHECK-SAME: (%[[M:.*]]: memref<4x14xf32>, %[[V:.*]]: vector<14xf32>, %[[B:.*]]: memref<4x14xi8>, %[[BV:.*]]: vector<14xi8>, %[[I:.*]]: index, %[[J:.*]]: index)
// CHECK: %[[PAD:.*]] = vector.insert_strided_slice %[[V]], %{{.*}} {offsets = [0], strides = [1]} : vector<14xf32> into vector<16xf32>
// CHECK: %[[MASK:.*]] = vector.constant_mask [14] : vector<16xi1>
// CHECK: vector.maskedstore %[[M]][%[[I]], %c0], %[[MASK]], %[[PAD]] : memref<4x14xf32>, vector<16xi1>, vector<16xf32>
// CHECK: vector.transfer_write %[[V]], %[[M]][%[[I]], %[[J]]] :
// CHECK: vector.transfer_write %[[BV]], %[[B]]
// CHECK-NOT: maskedstore
// CHECK: return
func.func @stores(%m: memref<4x14xf32>, %v: vector<14xf32>, %b: memref<4x14xi8>, %bv: vector<14xi8>, %i: index, %j: index) {
  %c0 = arith.constant 0 : index
  vector.transfer_write %v, %m[%i, %c0] {in_bounds = [true]} : vector<14xf32>, memref<4x14xf32>
  vector.transfer_write %v, %m[%i, %j] {in_bounds = [false]} : vector<14xf32>, memref<4x14xf32>
  vector.transfer_write %bv, %b[%i, %c0] {in_bounds = [true]} : vector<14xi8>, memref<4x14xi8>
  return
}

// -----

// vector.store the same way, and 64-bit lanes (8 to a register): a row of
// 7 doubles is one masked store of 8.
// CHECK-LABEL: func @doubles
// CHECK: %[[MASK:.*]] = vector.constant_mask [7] : vector<8xi1>
// CHECK: vector.maskedstore %{{.*}}[%{{.*}}, %c0], %[[MASK]], %{{.*}} : memref<4x7xf64>, vector<8xi1>, vector<8xf64>
// CHECK-NOT: vector.store
// CHECK: return
func.func @doubles(%m: memref<4x7xf64>, %v: vector<7xf64>, %i: index) {
  %c0 = arith.constant 0 : index
  vector.store %v, %m[%i, %c0] : memref<4x7xf64>, vector<7xf64>
  return
}

// RUN: kiln-opt %s --kiln-emulate-async-copies | FileCheck %s

// For the CPU emulation, each asynchronous copy becomes a load of each
// source element and its store into workgroup memory where the copy is
// issued (element e at the innermost index plus e); an element past the
// source count (srcElements) is a zero, and is not read. The groups and
// waits go away.
// CHECK-LABEL: func @copies
// CHECK-SAME: (%[[SRC:.*]]: memref<8x16xf32>, %[[I:.*]]: index, %[[N:.*]]: index)
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK: %[[TILE:.*]] = memref.alloc() : memref<2x16xf32, #gpu.address_space<workgroup>>
// CHECK: %[[V0:.*]] = memref.load %[[SRC]][%[[I]], %[[C4]]]
// CHECK-NEXT: memref.store %[[V0]], %[[TILE]][%[[C1]], %[[C4]]]
// CHECK: %[[E0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[IN0:.*]] = arith.cmpi ult, %[[E0]], %[[N]] : index
// CHECK-NEXT: %[[W0:.*]] = scf.if %[[IN0]] -> (f32) {
// CHECK-NEXT:   %[[R0:.*]] = memref.load %[[SRC]][%[[I]], %[[C8]]]
// CHECK-NEXT:   scf.yield %[[R0]] : f32
// CHECK-NEXT: } else {
// CHECK-NEXT:   %[[Z0:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:   scf.yield %[[Z0]] : f32
// CHECK: memref.store %[[W0]], %[[TILE]][%{{.*}}, %[[C8]]]
// CHECK: %[[E1:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[IN1:.*]] = arith.cmpi ult, %[[E1]], %[[N]] : index
// CHECK-NEXT: %[[W1:.*]] = scf.if %[[IN1]] -> (f32) {
// CHECK: %[[NEXT:.*]] = arith.addi %[[C8]], %{{.*}} : index
// CHECK-NEXT: memref.load %[[SRC]][%[[I]], %[[NEXT]]]
// CHECK: memref.store %[[W1]], %[[TILE]]
// CHECK-NOT: nvgpu
// CHECK: return %[[TILE]]
func.func @copies(%src: memref<8x16xf32>, %i: index, %n: index) -> memref<2x16xf32, #gpu.address_space<workgroup>> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %tile = memref.alloc() : memref<2x16xf32, #gpu.address_space<workgroup>>
  %a = nvgpu.device_async_copy %src[%i, %c4], %tile[%c1, %c4], 1 : memref<8x16xf32> to memref<2x16xf32, #gpu.address_space<workgroup>>
  %b = nvgpu.device_async_copy %src[%i, %c8], %tile[%c0, %c8], 2, %n : memref<8x16xf32> to memref<2x16xf32, #gpu.address_space<workgroup>>
  %g = nvgpu.device_async_create_group %a, %b
  nvgpu.device_async_wait %g {numGroups = 0 : i32}
  return %tile : memref<2x16xf32, #gpu.address_space<workgroup>>
}

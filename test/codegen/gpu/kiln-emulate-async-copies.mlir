// RUN: kiln-opt %s --kiln-emulate-async-copies | FileCheck %s

// For the CPU emulation, each asynchronous copy becomes a load of each
// source element and its store into workgroup memory where the copy is
// issued; elements past the source count (srcElements) are zeros. The
// groups and waits go away.
// CHECK-LABEL: func @copies
// CHECK-SAME: (%[[SRC:.*]]: memref<8x16xf32>, %[[I:.*]]: index, %[[N:.*]]: index)
// CHECK: %[[TILE:.*]] = memref.alloc() : memref<2x16xf32, #gpu.address_space<workgroup>>
// CHECK: %[[V0:.*]] = memref.load %[[SRC]][%[[I]], %[[C4:.*]]]
// CHECK-NEXT: memref.store %[[V0]], %[[TILE]][%[[C1:.*]], %[[C4]]]
// CHECK: %[[W0:.*]] = memref.load %[[SRC]][%[[I]], %[[C8:.*]]]
// CHECK: %[[IN0:.*]] = arith.cmpi ult, %{{.*}}, %[[N]] : index
// CHECK: %[[Z0:.*]] = arith.select %[[IN0]], %[[W0]], %{{.*}} : f32
// CHECK: memref.store %[[Z0]], %[[TILE]][%[[C0:.*]], %[[C8]]]
// CHECK: %[[E1:.*]] = arith.addi %[[C8]], %{{.*}} : index
// CHECK: %[[W1:.*]] = memref.load %[[SRC]][%[[I]], %[[E1]]]
// CHECK: arith.cmpi ult, %{{.*}}, %[[N]] : index
// CHECK: arith.select
// CHECK: memref.store %{{.*}}, %[[TILE]][%[[C0]], %{{.*}}]
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

// RUN: kiln-opt %s --split-input-file --kiln-gpu-merge-wave-launches --cse | FileCheck %s

// Three launches of one wave become one: 2 + 1 + 3 blocks, as many threads
// as the largest (64). Blocks 0-1 run the first member, block 2 the second
// (block id 0 for it) and blocks 3-5 the third (ids 0-2). The second
// member's 32 threads run under tid < 32; its barrier-free body allows it.
// The first and third members share their workgroup buffer (same type).
// A launch of another wave stays as it is.
// CHECK-LABEL: func @wave
// CHECK-DAG: %[[C6:.*]] = arith.constant 6 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK: gpu.launch blocks(%[[B:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C6]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%[[T:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C64]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) workgroup(%[[TILE:.*]] : memref<64xf32, #gpu.address_space<workgroup>>) {
// CHECK-NEXT: %[[C2:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[FIRST:.*]] = arith.cmpi ult, %[[B]], %[[C2]] : index
// CHECK-NEXT: scf.if %[[FIRST]] {
// CHECK:        memref.store %{{.*}}, %[[TILE]][%[[T]]]
// CHECK-NEXT:   gpu.barrier
// CHECK:        memref.store %{{.*}}, %{{.*}}[%[[B]], %[[T]]] : memref<2x64xf32>
// CHECK-NEXT: } else {
// CHECK-NEXT:   %[[C3:.*]] = arith.constant 3 : index
// CHECK-NEXT:   %[[SECOND:.*]] = arith.cmpi ult, %[[B]], %[[C3]] : index
// CHECK-NEXT:   scf.if %[[SECOND]] {
// CHECK-NEXT:     %[[B2:.*]] = arith.subi %[[B]], %[[C2]]
// CHECK-NEXT:     %[[ACTIVE:.*]] = arith.cmpi ult, %[[T]], %[[C32]] : index
// CHECK-NEXT:     scf.if %[[ACTIVE]] {
// CHECK:            memref.store %{{.*}}, %{{.*}}[%[[B2]], %[[T]]] : memref<1x32xf32>
// CHECK-NEXT:     }
// CHECK-NEXT:   } else {
// CHECK-NEXT:     %[[B3:.*]] = arith.subi %[[B]], %[[C3]]
// CHECK:          memref.store %{{.*}}, %[[TILE]][%[[T]]]
// CHECK-NEXT:     gpu.barrier
// CHECK:          memref.store %{{.*}}, %{{.*}}[%[[B3]], %[[T]]] : memref<3x64xf32>
// CHECK-NEXT:   }
// CHECK-NEXT: }
// CHECK-NEXT: gpu.terminator
// CHECK-NEXT: }
// CHECK-NOT: kiln.wave
// CHECK: gpu.launch
// CHECK-NOT: gpu.launch
// CHECK: return
func.func @wave(%x: memref<64xf32>, %a: memref<2x64xf32>, %b: memref<1x32xf32>,
                %c: memref<3x64xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1)
             workgroup(%tile : memref<64xf32, #gpu.address_space<workgroup>>) {
    %v = memref.load %x[%tx] : memref<64xf32>
    memref.store %v, %tile[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %w = memref.load %tile[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    memref.store %w, %a[%bx, %tx] : memref<2x64xf32>
    gpu.terminator
  } {kiln.wave = 3 : i64}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %v = memref.load %x[%tx] : memref<64xf32>
    memref.store %v, %b[%bx, %tx] : memref<1x32xf32>
    gpu.terminator
  } {kiln.wave = 3 : i64}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c3, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1)
             workgroup(%tile : memref<64xf32, #gpu.address_space<workgroup>>) {
    %v = memref.load %x[%tx] : memref<64xf32>
    memref.store %v, %tile[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %w = memref.load %tile[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    memref.store %w, %c[%bx, %tx] : memref<3x64xf32>
    gpu.terminator
  } {kiln.wave = 3 : i64}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %v = memref.load %x[%tx] : memref<64xf32>
    memref.store %v, %b[%bx, %tx] : memref<1x32xf32>
    gpu.terminator
  } {kiln.wave = 4 : i64}
  return
}

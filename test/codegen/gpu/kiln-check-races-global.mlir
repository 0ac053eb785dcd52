// RUN: kiln-opt %s --split-input-file --kiln-check-races --canonicalize --cse | FileCheck %s --implicit-check-not=@kiln_rt_race_check

// A launch of 2 blocks of 4 threads with no workgroup memory and no
// barrier, reading a graph input (a 4-wide vector load) and a constant
// global, and writing a view of the output. The host starts a launch in
// the runtime's table first; each access then calls the runtime's check
// with the address of its first element (the aligned pointer plus the
// view's offset and the indices times the strides, times 4 bytes), the
// element count, the stride between them in bytes, the alignment its
// address needs (the vector load's 16 bytes; 4, an element's, for the
// scalar accesses), where the access leaves
// the view (the first dimension whose index is not below its size, that
// index and the size; -1, 0, 0 inside: for the vector, its row bx against
// 4, its last column 4 + 3 < 8 folded away), the element's row-major index
// in the view, the thread, its epoch (1 throughout: no barrier), whether
// it writes, the block, whether the buffer is tracked for races (only the
// output: the model writes neither the input nor the constant) and two
// descriptions: the node, and the view's type. Without workgroup memory
// there is no workgroup check (kiln_rt_race_check).
// CHECK-DAG: func.func private @kiln_rt_race_launch()
// CHECK-DAG: func.func private @kiln_rt_global_race_check(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index)
// ("node 'reader'" and a NUL.)
// CHECK-DAG: memref.global "private" constant @[[NODE:kiln_race_kernel.*]] : memref<14xi8> = dense<[110, 111, 100, 101, 32, 39, 114, 101, 97, 100, 101, 114, 39, 0]>
// ("memref<4x8xf32>" and a NUL.)
// CHECK-DAG: memref.global "private" constant @[[INPUT:kiln_race_kernel.*]] : memref<16xi8> = dense<[109, 101, 109, 114, 101, 102, 60, 52, 120, 56, 120, 102, 51, 50, 62, 0]>
// CHECK-LABEL: func @global
// CHECK-SAME: (%[[IN:.*]]: memref<4x8xf32>, %[[OUT:.*]]: memref<2x4xf32> {bufferize.result})
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[INSIDE:.*]] = arith.constant -1 : index
// CHECK: call @kiln_rt_race_launch()
// CHECK-NEXT: gpu.launch blocks(%[[BX:[a-z0-9]+]], {{[^)]*}}) in ({{[^)]*}}) threads(%[[TX:[a-z0-9]+]],
// The input's vector load: element (bx, 4), row-major bx * 8 + 4.
// CHECK: %[[ROW:.*]] = arith.muli %[[BX]], %[[C8]]
// CHECK: %[[ELEMENT:.*]] = arith.addi %[[ROW]], %[[C4]]
// CHECK: %[[PAST:.*]] = arith.cmpi uge, %[[BX]], %[[C4]]
// CHECK: %[[DIM:.*]] = arith.select %[[PAST]], %[[C0]], %[[INSIDE]]
// CHECK: %[[INDEX:.*]] = arith.select %[[PAST]], %[[BX]], %[[C0]]
// CHECK: %[[SIZE:.*]] = arith.select %[[PAST]], %[[C4]], %[[C0]]
// CHECK: %[[INPTR:.*]] = memref.extract_aligned_pointer_as_index %[[IN]]
// CHECK: %[[BYTES:.*]] = arith.muli %[[ELEMENT]], %[[C4]]
// CHECK: %[[ADDRESS:.*]] = arith.addi %[[INPTR]], %[[BYTES]]
// CHECK: %[[G1:.*]] = memref.get_global @[[NODE]]
// CHECK: %[[NAME:.*]] = memref.extract_aligned_pointer_as_index %[[G1]]
// CHECK: %[[G2:.*]] = memref.get_global @[[INPUT]]
// CHECK: %[[TYPE:.*]] = memref.extract_aligned_pointer_as_index %[[G2]]
// CHECK: call @kiln_rt_global_race_check(%[[ADDRESS]], %[[C4]], %[[C4]], %[[C16]], %[[DIM]], %[[INDEX]], %[[SIZE]], %[[ELEMENT]], %[[TX]], %[[C1]], %[[C0]], %[[BX]], %[[C0]], %[[NAME]], %[[TYPE]])
// CHECK-NEXT: vector.load %[[IN]][%[[BX]], %[[C4]]]
// The constant: untracked.
// CHECK: call @kiln_rt_global_race_check({{.*}}, %[[C1]], %[[C4]], %[[C4]], %{{.*}}, %{{.*}}, %{{.*}}, %[[TX]], %[[TX]], %[[C1]], %[[C0]], %[[BX]], %[[C0]], %[[NAME]], %{{.*}})
// CHECK-NEXT: memref.load
// The output's view: its offset from the metadata, a write, tracked.
// CHECK: %[[VIEW:.*]] = memref.subview %[[OUT]]
// CHECK: %{{.*}}, %[[OFFSET:.*]], %{{.*}}, %{{.*}} = memref.extract_strided_metadata %[[VIEW]]
// CHECK: %[[LINEAR:.*]] = arith.addi %[[OFFSET]], %[[TX]]
// CHECK: %[[VIEWPTR:.*]] = memref.extract_aligned_pointer_as_index %[[VIEW]]
// CHECK: %[[VIEWBYTES:.*]] = arith.muli %[[LINEAR]], %[[C4]]
// CHECK: %[[VIEWADDRESS:.*]] = arith.addi %[[VIEWPTR]], %[[VIEWBYTES]]
// CHECK: call @kiln_rt_global_race_check(%[[VIEWADDRESS]], %[[C1]], %[[C4]], %[[C4]], %{{.*}}, %{{.*}}, %{{.*}}, %[[TX]], %[[TX]], %[[C1]], %[[C1]], %[[BX]], %[[C1]], %[[NAME]], %{{.*}})
// CHECK-NEXT: memref.store %{{.*}}, %[[VIEW]][%[[TX]]]
memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
func.func @global(%in: memref<4x8xf32>, %out: memref<2x4xf32> {bufferize.result}) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    %x = vector.load %in[%bx, %c4] {alignment = 16 : i64} : memref<4x8xf32>, vector<4xf32>
    %e = vector.extract %x[0] : f32 from vector<4xf32>
    %k = memref.get_global @table : memref<4xf32>
    %t = memref.load %k[%tx] : memref<4xf32>
    %s = arith.addf %e, %t : f32
    %view = memref.subview %out[%bx, 0] [1, 4] [1, 1] : memref<2x4xf32> to memref<4xf32, strided<[1], offset: ?>>
    memref.store %s, %view[%tx] : memref<4xf32, strided<[1], offset: ?>>
    gpu.terminator
  } loc(#launch)
  return
}
#launch = loc("reader")

// -----

// A barrier gives the launch per-thread epochs in workgroup memory, as
// with workgroup buffers, and a thread-private buffer is not checked.
// CHECK-LABEL: func @epochs
// CHECK: gpu.launch
// CHECK-SAME: workgroup(%[[EPOCHS:.*]] : memref<4xi64, #gpu.address_space<workgroup>>)
// CHECK-SAME: private(%[[MINE:.*]] : memref<1xf32, #gpu.address_space<private>>)
// CHECK: memref.store %{{.*}}, %[[EPOCHS]]
// CHECK: gpu.barrier
// CHECK: memref.store %{{.*}}, %[[EPOCHS]]
// CHECK-NOT: call
// CHECK: memref.store %{{.*}}, %[[MINE]]
// CHECK: %[[EPOCH:.*]] = memref.load %[[EPOCHS]]
// CHECK: %[[EPOCHI:.*]] = arith.index_cast %[[EPOCH]]
// CHECK: call @kiln_rt_global_race_check({{[^,]*}}, {{[^,]*}}, {{[^,]*}}, {{[^,]*}}, {{[^,]*}}, {{[^,]*}}, {{[^,]*}}, {{[^,]*}}, {{[^,]*}}, %[[EPOCHI]],
// CHECK-NEXT: memref.store
func.func @epochs(%out: memref<4xf32> {bufferize.result}) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c0 = arith.constant 0 : index
  %v = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1)
             private(%mine : memref<1xf32, #gpu.address_space<private>>) {
    gpu.barrier
    memref.store %v, %mine[%c0] : memref<1xf32, #gpu.address_space<private>>
    memref.store %v, %out[%tx] : memref<4xf32>
    gpu.terminator
  }
  return
}

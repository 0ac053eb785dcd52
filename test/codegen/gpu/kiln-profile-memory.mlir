// RUN: kiln-opt %s --kiln-profile-memory="blocks=2" --canonicalize --cse | FileCheck %s

// A launch of 2 blocks of 4x2 threads with a 2x8 f32 workgroup buffer: a
// store into it, a 4-wide vector load from it, and a store into a view of
// the output. The host tells the runtime a launch starts; each access
// then first calls kiln_rt_memory_profile with its site's description and
// number (in the order of the module's ops), the byte offset of its first element
// from its buffer's start (workgroup: the row-major element times 4;
// global: the view's offset plus the indices times the strides, times 4),
// its element count, the bytes between its elements (4), an element's
// bytes (4), the memory (0 workgroup, 1 global), whether it writes, the
// thread's linear id, the block's thread count (8), the block's linear id
// and the blocks counted (the pass's option).
// CHECK-DAG: func.func private @kiln_rt_memory_profile_launch()
// CHECK-DAG: func.func private @kiln_rt_memory_profile(index, index, index, index, index, index, index, index, index, index, index, index)
// Descriptions: "node 'staging': memref.store of workgroup buffer 0
// memref<2x8xf32>", "node 'reader': vector.load of workgroup buffer 0
// memref<2x8xf32>", "node 'reader': memref.store of global memref<2x4xf32,
// strided<[4, 1], offset: ?>>", each with a NUL.
// CHECK-DAG: memref.global "private" constant @[[STORE:kiln_race_kernel.*]] : memref<67xi8> = dense<[110, 111, 100, 101, 32, 39, 115, 116, 97, 103, 105, 110, 103, 39, 58, 32, 109, 101, 109, 114, 101, 102, 46, 115, 116, 111, 114, 101, 32, 111, 102, 32, 119, 111, 114, 107, 103, 114, 111, 117, 112, 32, 98, 117, 102, 102, 101, 114, 32, 48, 32, 109, 101, 109, 114, 101, 102, 60, 50, 120, 56, 120, 102, 51, 50, 62, 0]>
// CHECK-DAG: memref.global "private" constant @[[LOAD:kiln_race_kernel.*]] : memref<65xi8>
// CHECK-DAG: memref.global "private" constant @[[OUTPUT:kiln_race_kernel.*]] : memref<82xi8>
// CHECK-LABEL: func @profiled
// CHECK-SAME: (%{{.*}}: memref<4x8xf32>, %[[OUT:.*]]: memref<2x2x4xf32> {bufferize.result})
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK: call @kiln_rt_memory_profile_launch()
// CHECK-NEXT: gpu.launch blocks(%[[BX:[a-z0-9]+]], {{[^)]*}}) in ({{[^)]*}}) threads(%[[TX:[a-z0-9]+]], %[[TY:[a-z0-9]+]], {{[^)]*}}) in (%[[SX:[a-z0-9]+]] = {{[^)]*}})
// CHECK-SAME: workgroup(%[[BUF:[a-z0-9]+]] : memref<2x8xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[ROWS:.*]] = arith.muli %[[SX]], %[[TY]]
// CHECK: %[[THREAD:.*]] = arith.addi %[[TX]], %[[ROWS]]
// The store: element ty * 8 + tx, a write of workgroup memory.
// CHECK: %[[ROW:.*]] = arith.muli %[[TY]], %[[C8]]
// CHECK: %[[ELEMENT:.*]] = arith.addi %[[ROW]], %[[TX]]
// CHECK: %[[G1:.*]] = memref.get_global @[[STORE]]
// CHECK: %[[NAME1:.*]] = memref.extract_aligned_pointer_as_index %[[G1]]
// CHECK: %[[OFFSET1:.*]] = arith.muli %[[ELEMENT]], %[[C4]]
// CHECK: call @kiln_rt_memory_profile(%[[NAME1]], %{{[a-z0-9_]+}}, %[[OFFSET1]], %[[C1]], %[[C4]], %[[C4]], %[[C0]], %[[C1]], %[[THREAD]], %[[C8]], %[[BX]], %[[C2]])
// CHECK-NEXT: memref.store %{{.*}}, %[[BUF]][%[[TY]], %[[TX]]]
// CHECK: gpu.barrier
// The vector load: 4 elements from (1 - ty, 4), a read.
// CHECK: %[[OTHER:.*]] = arith.subi %[[C1]], %[[TY]]
// CHECK: %[[ROW2:.*]] = arith.muli %[[OTHER]], %[[C8]]
// CHECK: %[[ELEMENT2:.*]] = arith.addi %[[ROW2]], %[[C4]]
// CHECK: %[[G2:.*]] = memref.get_global @[[LOAD]]
// CHECK: %[[NAME2:.*]] = memref.extract_aligned_pointer_as_index %[[G2]]
// CHECK: %[[OFFSET2:.*]] = arith.muli %[[ELEMENT2]], %[[C4]]
// CHECK: call @kiln_rt_memory_profile(%[[NAME2]], %{{[a-z0-9_]+}}, %[[OFFSET2]], %[[C4]], %[[C4]], %[[C4]], %[[C0]], %[[C0]], %[[THREAD]], %[[C8]], %[[BX]], %[[C2]])
// CHECK-NEXT: vector.load %[[BUF]][%[[OTHER]], %[[C4]]]
// The output's view (row bx): its offset from the metadata plus ty * 4 + tx, global, a write.
// CHECK: %[[VIEW:.*]] = memref.subview %[[OUT]]
// CHECK: %{{.*}}, %[[VOFFSET:.*]], %{{.*}}:2, %{{.*}}:2 = memref.extract_strided_metadata %[[VIEW]]
// CHECK: %[[VROW:.*]] = arith.muli %[[TY]], %[[C4]]
// CHECK: %[[VSUM:.*]] = arith.addi %[[VOFFSET]], %[[VROW]]
// CHECK: %[[LINEAR:.*]] = arith.addi %[[VSUM]], %[[TX]]
// CHECK: %[[G3:.*]] = memref.get_global @[[OUTPUT]]
// CHECK: %[[NAME3:.*]] = memref.extract_aligned_pointer_as_index %[[G3]]
// CHECK: %[[OFFSET3:.*]] = arith.muli %[[LINEAR]], %[[C4]]
// CHECK: call @kiln_rt_memory_profile(%[[NAME3]], %{{[a-z0-9_]+}}, %[[OFFSET3]], %[[C1]], %[[C4]], %[[C4]], %[[C1]], %[[C1]], %[[THREAD]], %[[C8]], %[[BX]], %[[C2]])
// CHECK-NEXT: memref.store %{{.*}}, %[[VIEW]][%[[TY]], %[[TX]]]
func.func @profiled(%m: memref<4x8xf32>, %out: memref<2x2x4xf32> {bufferize.result}) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %v = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c2, %sz = %c1)
             workgroup(%buf : memref<2x8xf32, #gpu.address_space<workgroup>>) {
    memref.store %v, %buf[%ty, %tx] : memref<2x8xf32, #gpu.address_space<workgroup>> loc(#staging)
    gpu.barrier
    %other = arith.subi %c1, %ty : index
    %x = vector.load %buf[%other, %c4] : memref<2x8xf32, #gpu.address_space<workgroup>>, vector<4xf32>
    %e = vector.extract %x[0] : f32 from vector<4xf32>
    %view = memref.subview %out[%bx, 0, 0] [1, 2, 4] [1, 1, 1] : memref<2x2x4xf32> to memref<2x4xf32, strided<[4, 1], offset: ?>>
    memref.store %e, %view[%ty, %tx] : memref<2x4xf32, strided<[4, 1], offset: ?>>
    gpu.terminator
  } loc(#launch)
  return
}
#launch = loc("reader")
#staging = loc("staging")

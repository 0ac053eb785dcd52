// RUN: kiln-opt %s --kiln-check-workgroup-races --canonicalize --cse | FileCheck %s

// A launch of 2x4 threads with a 2x8 f32 workgroup buffer: a store, a
// barrier, and a 4-wide vector load. The buffer gets two shadow buffers of
// 16 i64 words (writer, readers) and the threads an epoch each (8 words),
// all workgroup memory. Each thread zeroes its strided share of the shadow
// words and starts at epoch 1 before a new barrier; the kernel's own
// barrier adds one to the epoch; each access first calls the runtime's
// check with the shadow words, the element (row * 8 + column), the element
// count (1, then 4), the thread's linear id, its epoch, whether it writes,
// the block's linear id, the buffer's index and the kernel's description
// (a constant global naming the node of the launch's location). One block
// row (grid 2x1x1) makes the block's linear id its x.
// CHECK-DAG: func.func private @kiln_rt_race_check(index, index, index, index, index, index, index, index, index, index)
// ("node 'tiled_reader'" and a NUL.)
// CHECK-DAG: memref.global "private" constant @kiln_race_kernel : memref<20xi8> = dense<[110, 111, 100, 101, 32, 39, 116, 105, 108, 101, 100, 95, 114, 101, 97, 100, 101, 114, 39, 0]>
// CHECK-LABEL: func @checked
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK: gpu.launch blocks(%[[BX:[a-z0-9]+]], {{[^)]*}}) in ({{[^)]*}}) threads(%[[TX:[a-z0-9]+]], %[[TY:[a-z0-9]+]], {{[^)]*}}) in (%[[SX:[a-z0-9]+]] = {{[^)]*}})
// CHECK-SAME: workgroup(%[[BUF:[a-z0-9]+]] : memref<2x8xf32, #gpu.address_space<workgroup>>, %[[WRITES:[a-z0-9]+]] : memref<16xi64, #gpu.address_space<workgroup>>, %[[READS:[a-z0-9]+]] : memref<16xi64, #gpu.address_space<workgroup>>, %[[EPOCHS:[a-z0-9]+]] : memref<8xi64, #gpu.address_space<workgroup>>)
// CHECK: %[[ROWS:.*]] = arith.muli %[[SX]], %[[TY]]
// CHECK: %[[THREAD:.*]] = arith.addi %[[TX]], %[[ROWS]]
// CHECK: %[[GLOBAL:.*]] = memref.get_global @kiln_race_kernel
// CHECK: %[[NAME:.*]] = memref.extract_aligned_pointer_as_index %[[GLOBAL]]
// CHECK: scf.for %[[Z:.*]] = %[[THREAD]] to %[[C16]] step %[[C8]]
// CHECK:   memref.store %{{.*}}, %[[WRITES]][%[[Z]]]
// CHECK:   memref.store %{{.*}}, %[[READS]][%[[Z]]]
// CHECK: memref.store %[[ONE]], %[[EPOCHS]][%[[THREAD]]]
// CHECK: gpu.barrier
// CHECK: %[[ROW:.*]] = arith.muli %[[TY]], %[[C8]]
// CHECK: %[[ELEMENT:.*]] = arith.addi %[[ROW]], %[[TX]]
// CHECK: %[[EPOCH:.*]] = memref.load %[[EPOCHS]][%[[THREAD]]]
// CHECK: %[[EPOCHI:.*]] = arith.index_cast %[[EPOCH]]
// CHECK: %[[W:.*]] = memref.extract_aligned_pointer_as_index %[[WRITES]]
// CHECK: %[[R:.*]] = memref.extract_aligned_pointer_as_index %[[READS]]
// CHECK: call @kiln_rt_race_check(%[[W]], %[[R]], %[[ELEMENT]], %[[C1]], %[[THREAD]], %[[EPOCHI]], %[[C1]], %[[BX]], %[[C0]], %[[NAME]])
// CHECK: memref.store %{{.*}}, %[[BUF]][%[[TY]], %[[TX]]]
// CHECK: gpu.barrier
// CHECK: %[[OLD:.*]] = memref.load %[[EPOCHS]][%[[THREAD]]]
// CHECK: %[[NEW:.*]] = arith.addi %[[OLD]], %[[ONE]]
// CHECK: memref.store %[[NEW]], %[[EPOCHS]][%[[THREAD]]]
// CHECK: %[[OTHER:.*]] = arith.subi %[[C1]], %[[TY]]
// CHECK: %[[ROW2:.*]] = arith.muli %[[OTHER]], %[[C8]]
// CHECK: %[[ELEMENT2:.*]] = arith.addi %[[ROW2]], %[[C4]]
// CHECK: %[[EPOCH2:.*]] = memref.load %[[EPOCHS]][%[[THREAD]]]
// CHECK: %[[EPOCH2I:.*]] = arith.index_cast %[[EPOCH2]]
// CHECK: call @kiln_rt_race_check(%[[W]], %[[R]], %[[ELEMENT2]], %[[C4]], %[[THREAD]], %[[EPOCH2I]], %[[C0]], %[[BX]], %[[C0]], %[[NAME]])
// CHECK: vector.load %[[BUF]][%[[OTHER]], %[[C4]]]
func.func @checked(%m: memref<4x8xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c0 = arith.constant 0 : index
  %v = arith.constant 2.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c2, %sz = %c1)
             workgroup(%buf : memref<2x8xf32, #gpu.address_space<workgroup>>) {
    memref.store %v, %buf[%ty, %tx] : memref<2x8xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %row = arith.subi %c1, %ty : index
    %x = vector.load %buf[%row, %c4] : memref<2x8xf32, #gpu.address_space<workgroup>>, vector<4xf32>
    %e = vector.extract %x[0] : f32 from vector<4xf32>
    memref.store %e, %m[%ty, %tx] : memref<4x8xf32>
    gpu.terminator
  } loc(#loc)
  return
}
#loc = loc("tiled_reader")

// RUN: kiln-opt %s --split-input-file --kiln-check-races --canonicalize --cse | FileCheck %s

// A launch of 4x2 threads with a 2x8 f32 workgroup buffer: a store, a
// barrier, and a 4-wide vector load. The buffer gets two shadow buffers of
// 16 i64 words (writer, readers) and the threads an epoch each (8 words),
// all workgroup memory. Each thread zeroes its strided share of the shadow
// words and starts at epoch 1 before a new barrier; the kernel's own
// barrier adds one to the epoch; each access first calls the runtime's
// check with the shadow words, the element (row * 8 + column), the element
// count (1, then 4), the multiple of elements it must start at (1 for the
// store; 4 for the load's 16-byte alignment), the thread's linear id, its
// epoch, whether it writes,
// the block's linear id (one row of blocks: its x), the buffer's index, its
// size (16) and a description: a constant global naming the access's node
// (the launch's where the access names none).
// CHECK-DAG: func.func private @kiln_rt_race_check(index, index, index, index, index, index, index, index, index, index, index, index)
// ("node 'tiled_reader'" and a NUL.)
// CHECK-DAG: memref.global "private" constant @[[READER:kiln_race_kernel.*]] : memref<20xi8> = dense<[110, 111, 100, 101, 32, 39, 116, 105, 108, 101, 100, 95, 114, 101, 97, 100, 101, 114, 39, 0]>
// ("node 'staging'" and a NUL.)
// CHECK-DAG: memref.global "private" constant @[[STAGING:kiln_race_kernel.*]] : memref<15xi8> = dense<[110, 111, 100, 101, 32, 39, 115, 116, 97, 103, 105, 110, 103, 39, 0]>
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
// CHECK: %[[G1:.*]] = memref.get_global @[[STAGING]]
// CHECK: %[[NAME1:.*]] = memref.extract_aligned_pointer_as_index %[[G1]]
// CHECK: call @kiln_rt_race_check(%[[W]], %[[R]], %[[ELEMENT]], %[[C1]], %[[C1]], %[[THREAD]], %[[EPOCHI]], %[[C1]], %[[BX]], %[[C0]], %[[C16]], %[[NAME1]])
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
// CHECK: %[[G2:.*]] = memref.get_global @[[READER]]
// CHECK: %[[NAME2:.*]] = memref.extract_aligned_pointer_as_index %[[G2]]
// CHECK: call @kiln_rt_race_check(%[[W]], %[[R]], %[[ELEMENT2]], %[[C4]], %[[C4]], %[[THREAD]], %[[EPOCH2I]], %[[C0]], %[[BX]], %[[C0]], %[[C16]], %[[NAME2]])
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
    %x = vector.load %buf[%row, %c4] {alignment = 16 : i64} : memref<2x8xf32, #gpu.address_space<workgroup>>, vector<4xf32> loc(#reader)
    %e = vector.extract %x[0] : f32 from vector<4xf32>
    memref.store %e, %m[%ty, %tx] : memref<4x8xf32>
    gpu.terminator
  } loc(#launch)
  return
}
#launch = loc("staging")
#reader = loc("tiled_reader")

// -----

// A barrier in a loop (a staged kernel's k loop) adds one to the epoch
// where it is, inside the loop, and the loop's accesses are checked where
// they are.
// CHECK-LABEL: func @loop
// CHECK: gpu.launch
// CHECK-SAME: workgroup(%[[BUF:[a-z0-9]+]] : memref<32xf32, #gpu.address_space<workgroup>>, %{{[a-z0-9]+}} : memref<32xi64, #gpu.address_space<workgroup>>, %{{[a-z0-9]+}} : memref<32xi64, #gpu.address_space<workgroup>>, %[[EPOCHS:[a-z0-9]+]] : memref<32xi64, #gpu.address_space<workgroup>>)
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK:   call @kiln_rt_race_check
// CHECK:   memref.load %[[BUF]]
// CHECK:   gpu.barrier
// CHECK:   %[[OLD:.*]] = memref.load %[[EPOCHS]]
// CHECK:   %[[NEW:.*]] = arith.addi %[[OLD]],
// CHECK:   memref.store %[[NEW]], %[[EPOCHS]]
// CHECK:   call @kiln_rt_race_check
// CHECK:   memref.store %{{.*}}, %[[BUF]]
// CHECK:   gpu.barrier
// CHECK:   %[[OLD2:.*]] = memref.load %[[EPOCHS]]
// CHECK:   %[[NEW2:.*]] = arith.addi %[[OLD2]],
// CHECK:   memref.store %[[NEW2]], %[[EPOCHS]]
// CHECK: }
// CHECK: gpu.terminator
func.func @loop(%m: memref<32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1)
             workgroup(%buf : memref<32xf32, #gpu.address_space<workgroup>>) {
    scf.for %i = %c0 to %c4 step %c1 {
      %x = memref.load %buf[%tx] : memref<32xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      memref.store %x, %buf[%tx] : memref<32xf32, #gpu.address_space<workgroup>>
      gpu.barrier
    }
    gpu.terminator
  }
  return
}

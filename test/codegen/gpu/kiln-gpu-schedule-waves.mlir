// RUN: kiln-opt %s --split-input-file --kiln-gpu-schedule-waves=multiprocessors=8 | FileCheck %s

// Two recurrences, one step each: %a's step and %c's step are independent,
// so they form a wave (moved next to each other, the alloc %c's step needs
// before them); %b's step reads %a and waits for the next wave. A wave of
// one kernel is not marked.
// CHECK-LABEL: func @two_chains
// CHECK: memref.alloc() : memref<64xf32>
// CHECK: memref.alloc() : memref<64xf32>
// CHECK: scf.forall
// CHECK:   memref.store %{{.*}}, %[[A:.*]][
// CHECK: } {kiln.wave = 0 : i64, mapping = [#gpu.block<linear_dim_0>]}
// CHECK: scf.forall
// CHECK:   memref.store %{{.*}}, %[[C:.*]][
// CHECK: } {kiln.wave = 0 : i64, mapping = [#gpu.block<linear_dim_0>]}
// CHECK: memref.alloc() : memref<64xf32>
// CHECK: scf.forall
// CHECK:   memref.load %[[A]][
// CHECK: } {mapping = [#gpu.block<linear_dim_0>]}
func.func @two_chains(%in: memref<64xf32>, %out: memref<64xf32>) {
  %a = memref.alloc() : memref<64xf32>
  scf.forall (%i) in (2) {
    scf.forall (%t) in (32) {
      %c32 = arith.constant 32 : index
      %base = arith.muli %i, %c32 : index
      %j = arith.addi %base, %t : index
      %x = memref.load %in[%j] : memref<64xf32>
      memref.store %x, %a[%j] : memref<64xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>]}
  %b = memref.alloc() : memref<64xf32>
  scf.forall (%i) in (2) {
    scf.forall (%t) in (32) {
      %c32 = arith.constant 32 : index
      %base = arith.muli %i, %c32 : index
      %j = arith.addi %base, %t : index
      %x = memref.load %a[%j] : memref<64xf32>
      memref.store %x, %b[%j] : memref<64xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>]}
  %c = memref.alloc() : memref<64xf32>
  scf.forall (%i) in (2) {
    scf.forall (%t) in (32) {
      %c32 = arith.constant 32 : index
      %base = arith.muli %i, %c32 : index
      %j = arith.addi %base, %t : index
      %x = memref.load %in[%j] : memref<64xf32>
      memref.store %x, %c[%j] : memref<64xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>]}
  scf.forall (%i) in (2) {
    scf.forall (%t) in (32) {
      %c32 = arith.constant 32 : index
      %base = arith.muli %i, %c32 : index
      %j = arith.addi %base, %t : index
      %x = memref.load %b[%j] : memref<64xf32>
      %y = memref.load %c[%j] : memref<64xf32>
      %s = arith.addf %x, %y : f32
      memref.store %s, %out[%j] : memref<64xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

// -----

// Writes to disjoint rows of one buffer (a sequence output's steps) are
// independent; writes to overlapping rows are not.
// CHECK-LABEL: func @rows
// CHECK: scf.forall
// CHECK: } {kiln.wave = 0 : i64, mapping
// CHECK: scf.forall
// CHECK: } {kiln.wave = 0 : i64, mapping
// CHECK: scf.forall
// CHECK: } {mapping
func.func @rows(%in: memref<32xf32>, %out: memref<3x32xf32>) {
  %row0 = memref.subview %out[0, 0] [1, 32] [1, 1] : memref<3x32xf32> to memref<32xf32, strided<[1]>>
  %row1 = memref.subview %out[1, 0] [1, 32] [1, 1] : memref<3x32xf32> to memref<32xf32, strided<[1], offset: 32>>
  %rows01 = memref.subview %out[0, 0] [2, 32] [1, 1] : memref<3x32xf32> to memref<2x32xf32, strided<[32, 1]>>
  scf.forall (%i) in (1) {
    scf.forall (%t) in (32) {
      %x = memref.load %in[%t] : memref<32xf32>
      memref.store %x, %row0[%t] : memref<32xf32, strided<[1]>>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>]}
  scf.forall (%i) in (1) {
    scf.forall (%t) in (32) {
      %x = memref.load %in[%t] : memref<32xf32>
      memref.store %x, %row1[%t] : memref<32xf32, strided<[1], offset: 32>>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>]}
  scf.forall (%i) in (1) {
    scf.forall (%t) in (32) {
      %c1 = arith.constant 1 : index
      %x = memref.load %in[%t] : memref<32xf32>
      memref.store %x, %rows01[%c1, %t] : memref<2x32xf32, strided<[32, 1]>>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

// -----

// Not merged: a kernel with as many blocks as the GPU has multiprocessors
// (it fills the GPU itself), and a kernel with a barrier whose blocks would
// have more threads in the launch than its own (not all of them would reach
// the barrier).
// CHECK-LABEL: func @not_merged
// CHECK-NOT: kiln.wave
// CHECK: return
func.func @not_merged(%in: memref<256xf32>, %out: memref<256xf32>, %out2: memref<64xf32>,
                      %out3: memref<32xf32>) {
  scf.forall (%i) in (8) {
    scf.forall (%t) in (32) {
      %c32 = arith.constant 32 : index
      %base = arith.muli %i, %c32 : index
      %j = arith.addi %base, %t : index
      %x = memref.load %in[%j] : memref<256xf32>
      memref.store %x, %out[%j] : memref<256xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>]}
  scf.forall (%i) in (1) {
    scf.forall (%t) in (64) {
      %x = memref.load %in[%t] : memref<256xf32>
      memref.store %x, %out2[%t] : memref<64xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>]}
  scf.forall (%i) in (1) {
    scf.forall (%t) in (32) {
      %x = memref.load %in[%t] : memref<256xf32>
      gpu.barrier
      memref.store %x, %out3[%t] : memref<32xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

// -----

// A buffer of unknown origin (here a select between two allocations) may
// be either: the kernel reading it waits for the one writing %a.
// CHECK-LABEL: func @unknown_root
// CHECK-NOT: kiln.wave
// CHECK: return
func.func @unknown_root(%in: memref<32xf32>, %out: memref<32xf32>, %c: i1) {
  %a = memref.alloc() : memref<32xf32>
  %b = memref.alloc() : memref<32xf32>
  %m = arith.select %c, %a, %b : memref<32xf32>
  scf.forall (%i) in (1) {
    scf.forall (%t) in (32) {
      %x = memref.load %in[%t] : memref<32xf32>
      memref.store %x, %a[%t] : memref<32xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>]}
  scf.forall (%i) in (1) {
    scf.forall (%t) in (32) {
      %x = memref.load %m[%t] : memref<32xf32>
      memref.store %x, %out[%t] : memref<32xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

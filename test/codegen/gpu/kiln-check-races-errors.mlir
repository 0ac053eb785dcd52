// RUN: kiln-opt %s --split-input-file --kiln-check-races --verify-diagnostics

// The per-thread epochs need a constant block size (every Kiln launch has
// one).
func.func @dynamic_block(%m: memref<32xf32>, %threads: index) {
  %c1 = arith.constant 1 : index
  // expected-error @+1 {{cannot check the races of a launch whose block size is not constant}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %threads, %sy = %c1, %sz = %c1)
             workgroup(%buf : memref<32xf32, #gpu.address_space<workgroup>>) {
    %x = memref.load %buf[%tx] : memref<32xf32, #gpu.address_space<workgroup>>
    memref.store %x, %m[%tx] : memref<32xf32>
    gpu.terminator
  }
  return
}

// -----

// A 2-D vector load of workgroup memory reads a box the checks do not
// describe.
func.func @box(%m: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1)
             workgroup(%buf : memref<4x4xf32, #gpu.address_space<workgroup>>) {
    // expected-error @+1 {{cannot check the races of a vector.load of 'vector<2x2xf32>'}}
    %x = vector.load %buf[%c0, %c0] : memref<4x4xf32, #gpu.address_space<workgroup>>, vector<2x2xf32>
    %e = vector.extract %x[0, 0] : f32 from vector<2x2xf32>
    memref.store %e, %m[%tx] : memref<4xf32>
    gpu.terminator
  }
  return
}

// -----

// The same for global memory.
func.func @global_box(%m: memref<4x4xf32>, %out: memref<4xf32> {bufferize.result}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    // expected-error @+1 {{cannot check the races of a vector.load of 'vector<2x2xf32>' in global memory}}
    %x = vector.load %m[%c0, %c0] : memref<4x4xf32>, vector<2x2xf32>
    %e = vector.extract %x[0, 0] : f32 from vector<2x2xf32>
    memref.store %e, %out[%tx] : memref<4xf32>
    gpu.terminator
  }
  return
}

// -----

// Another op that reads or writes global memory (a copy) has no check.
func.func @global_copy(%m: memref<4xf32>, %out: memref<4xf32> {bufferize.result}) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    // expected-error @+1 {{cannot check the races of a memref.copy of global memory}}
    memref.copy %m, %out : memref<4xf32> to memref<4xf32>
    gpu.terminator
  }
  return
}

// -----

// A memref the kernel computes (a branch's result) could be any memory.
func.func @computed_memref(%a: memref<4xf32> {bufferize.result}, %b: memref<4xf32> {bufferize.result}, %which: i1) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %v = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    %m = scf.if %which -> memref<4xf32> {
      scf.yield %a : memref<4xf32>
    } else {
      scf.yield %b : memref<4xf32>
    }
    // expected-error @+1 {{cannot check the races of a memref.store of a memref the kernel computes}}
    memref.store %v, %m[%tx] : memref<4xf32>
    gpu.terminator
  }
  return
}

// -----

// Workgroup buffers start 16 bytes aligned (kWorkgroupAlignment), on the
// GPU and emulated: an access that wants more cannot be checked by its
// element alone.
func.func @overaligned(%out: memref<8xf32> {bufferize.result}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             workgroup(%buf : memref<8xf32, #gpu.address_space<workgroup>>) {
    // expected-error @+1 {{a vector.load of workgroup memory wants 32-byte alignment, more than the buffer's 16}}
    %x = vector.load %buf[%c0] {alignment = 32 : i64} : memref<8xf32, #gpu.address_space<workgroup>>, vector<8xf32>
    vector.store %x, %out[%c0] : memref<8xf32>, vector<8xf32>
    gpu.terminator
  }
  return
}

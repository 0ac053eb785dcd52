// RUN: kiln-opt %s --kiln-map-forall-to-gpu -verify-diagnostics

// Every thread of the block would run a store outside the thread loop.
func.func @write_outside_thread_loop(%m: memref<8xf32>) {
  %c = arith.constant 1.0 : f32
  %z = arith.constant 0 : index
  scf.forall (%i) in (8) {
    // expected-error @below {{block-level code writes memory outside the thread loop}}
    memref.store %c, %m[%z] : memref<8xf32>
    scf.forall (%t) in (1) {
      memref.store %c, %m[%i] : memref<8xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

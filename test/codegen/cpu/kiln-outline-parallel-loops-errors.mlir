// Parallel loops the outlining cannot handle are compiler bugs upstream of
// it; they are reported at the loop.
// RUN: kiln-opt %s -split-input-file -kiln-outline-parallel-loops -verify-diagnostics

func.func @main(%t: tensor<16xf32>) -> tensor<16xf32> {
  // expected-error @below {{internal error: parallel loop still has tensor outputs}}
  %r = scf.forall (%i) in (4) shared_outs(%o = %t) -> (tensor<16xf32>) {
    scf.forall.in_parallel {
    }
  }
  return %r : tensor<16xf32>
}

// -----

func.func @main(%buf: memref<16xf32>, %n: index) {
  %one = arith.constant 1.0 : f32
  // expected-error @below {{internal error: parallel loop bounds are not static}}
  scf.forall (%i) in (%n) {
    memref.store %one, %buf[%i] : memref<16xf32>
  }
  return
}

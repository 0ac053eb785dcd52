// Broken invariants of the workspace plan are reported, not crashed on.
// RUN: kiln-opt %s -split-input-file -kiln-plan-workspace -verify-diagnostics

// expected-error @below {{internal error: no @main function to plan}}
module {
  func.func @not_main() {
    return
  }
}

// -----

func.func @main(%n: index) {
  // expected-error @below {{internal error: buffer 'memref<?xf32>' has no static size}}
  %a = memref.alloc(%n) : memref<?xf32>
  return
}

// -----

func.func @main() {
  scf.forall (%i) in (4) {
    // expected-error @below {{internal error: buffer allocated inside a parallel loop}}
    %a = memref.alloc() : memref<16xf32>
  }
  return
}

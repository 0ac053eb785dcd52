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

func.func @main(%n: index) {
  scf.forall (%i) in (%n) {
    // expected-error @below {{internal error: buffer allocated inside a parallel loop without constant bounds, or inside nested ones}}
    %a = memref.alloc() : memref<16xf32>
  }
  return
}

// -----

func.func @main() {
  scf.forall (%i) in (2) {
    scf.forall (%j) in (2) {
      // expected-error @below {{internal error: buffer allocated inside a parallel loop without constant bounds, or inside nested ones}}
      %a = memref.alloc() : memref<16xf32>
    }
  }
  return
}

// RUN: kiln-opt %s -split-input-file -kiln-create-entry-point -verify-diagnostics

// expected-error @below {{internal error: expected a bufferized @main without results}}
module {
  func.func @main(%x: memref<4xf32>) -> memref<4xf32> {
    return %x : memref<4xf32>
  }
}

// -----

// expected-error @below {{internal error: expected a bufferized @main without results}}
module {
  func.func @model(%x: memref<4xf32>) {
    return
  }
}

// -----

// expected-error @below {{internal error: @main argument 0 is not a dense static buffer}}
func.func @main(%x: memref<?xf32>, %ws: memref<0xi8> {kiln.workspace}) {
  return
}

// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(kiln-tile-for-gpu))' | FileCheck %s

// On buffers: a staged product computes the input a marked elementwise op
// writes for it (kiln.staged_input, markComputedInputs) where it stages
// that input, and the op is erased, when nothing after the op but the
// product uses its buffer. Here the op writes a view of its buffer, which
// the product reads: one kernel, which loads x and doubles it as it
// stages it.
// CHECK-LABEL: func @view
// CHECK-SAME: (%[[X:[a-z0-9]+]]: memref<64x64xf32>,
// CHECK-NOT: linalg.generic
// CHECK: scf.forall
// CHECK: %[[A:.*]] = memref.load %[[X]]
// CHECK-NEXT: arith.addf %[[A]], %[[A]] : f32
// CHECK: {mapping = [#gpu.block
// CHECK-NOT: scf.forall
// CHECK: return
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @view(%x: memref<64x64xf32>, %w: memref<64x64xf32>, %y: memref<64x64xf32>) {
  %cst = arith.constant 0.0 : f32
  %r = memref.alloc() : memref<4096xf32>
  %e = memref.expand_shape %r [[0, 1]] output_shape [64, 64] : memref<4096xf32> into memref<64x64xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<64x64xf32>) outs(%e : memref<64x64xf32>) attrs = {kiln.staged_input = 0 : i64} {
  ^bb0(%in: f32, %out: f32):
    %d = arith.addf %in, %in : f32
    linalg.yield %d : f32
  }
  linalg.fill ins(%cst : f32) outs(%y : memref<64x64xf32>)
  linalg.matmul {kiln.staged_product = 0 : i64} ins(%e, %w : memref<64x64xf32>, memref<64x64xf32>) outs(%y : memref<64x64xf32>)
  return
}

// -----

// A view of the op's buffer made before the op is followed to its users: a
// copy through it after the product reads what the op wrote, so the op
// stays a kernel of its own (its tiled generic) and the product reads its
// buffer.
// CHECK-LABEL: func @view_before
// CHECK: scf.forall
// CHECK: linalg.generic
// CHECK: arith.addf %in, %in
// CHECK: {mapping = [#gpu.block
// CHECK: memref.copy
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @view_before(%x: memref<64x64xf32>, %w: memref<64x64xf32>, %y: memref<64x64xf32>, %z: memref<4096xf32>) {
  %cst = arith.constant 0.0 : f32
  %r = memref.alloc() : memref<64x64xf32>
  %v = memref.collapse_shape %r [[0, 1]] : memref<64x64xf32> into memref<4096xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<64x64xf32>) outs(%r : memref<64x64xf32>) attrs = {kiln.staged_input = 0 : i64} {
  ^bb0(%in: f32, %out: f32):
    %d = arith.addf %in, %in : f32
    linalg.yield %d : f32
  }
  linalg.fill ins(%cst : f32) outs(%y : memref<64x64xf32>)
  linalg.matmul {kiln.staged_product = 0 : i64} ins(%r, %w : memref<64x64xf32>, memref<64x64xf32>) outs(%y : memref<64x64xf32>)
  memref.copy %v, %z : memref<4096xf32> to memref<4096xf32>
  return
}

// -----

// The op written over its own input (bufferized in place), after an op
// that wrote that input and one that read it: erased, the op never runs,
// so the buffer still holds the input when the product's kernel computes
// from it. One kernel after the two before.
// CHECK-LABEL: func @in_place
// CHECK-SAME: (%[[X:[a-z0-9]+]]: memref<64x64xf32>,
// CHECK: memref.copy %[[X]], %[[R:[a-z0-9_]+]] :
// CHECK: memref.copy %[[R]]
// CHECK-NOT: linalg.generic
// CHECK: scf.forall
// CHECK: %[[A:.*]] = memref.load %[[R]]
// CHECK-NEXT: arith.addf %[[A]], %[[A]] : f32
// CHECK: return
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @in_place(%x: memref<64x64xf32>, %w: memref<64x64xf32>, %y: memref<64x64xf32>, %z: memref<64x64xf32>) {
  %cst = arith.constant 0.0 : f32
  %r = memref.alloc() : memref<64x64xf32>
  memref.copy %x, %r : memref<64x64xf32> to memref<64x64xf32>
  memref.copy %r, %z : memref<64x64xf32> to memref<64x64xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%r : memref<64x64xf32>) outs(%r : memref<64x64xf32>) attrs = {kiln.staged_input = 0 : i64} {
  ^bb0(%in: f32, %out: f32):
    %d = arith.addf %in, %in : f32
    linalg.yield %d : f32
  }
  linalg.fill ins(%cst : f32) outs(%y : memref<64x64xf32>)
  linalg.matmul {kiln.staged_product = 0 : i64} ins(%r, %w : memref<64x64xf32>, memref<64x64xf32>) outs(%y : memref<64x64xf32>)
  return
}

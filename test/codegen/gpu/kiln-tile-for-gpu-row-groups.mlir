// RUN: kiln-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(kiln-tile-for-gpu{multiprocessors=1}),canonicalize,cse,kiln-bufferize,canonicalize,func.func(kiln-tile-for-gpu{multiprocessors=1}),canonicalize,cse)' | FileCheck %s

// Reductions over a row and the elementwise ops that read them at the row's
// own elements are one kernel, a warp per row (RowKernel.h).

// A mean and the centred values: 4 rows, one block of 4 warps. Each lane
// folds its 32 elements, 5 shuffles give every lane the sum, the mean stays
// in a register (nothing reads its buffer after the group), and each lane
// stores its 32 centred values.
// CHECK-LABEL: func @centred
// CHECK: scf.forall (%{{.*}}) in (1) {
// CHECK-NEXT: scf.forall (%{{.*}}) in (128) {
// CHECK-COUNT-5: gpu.shuffle xor
// CHECK: arith.divf
// CHECK-COUNT-32: memref.store
// CHECK-NOT: memref.store
// CHECK: } {mapping = [#gpu.block
// CHECK-NOT: scf.forall
// CHECK: return
#rows = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#id1 = affine_map<(d0) -> (d0)>
func.func @centred(%x: tensor<4x1024xf32>) -> tensor<4x1024xf32> {
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 1024.0 : f32
  %empty = tensor.empty() : tensor<4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%empty : tensor<4xf32>) -> tensor<4xf32>
  %sum = linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x1024xf32>) outs(%fill : tensor<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %v, %acc : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %mean = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%sum : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.divf %v, %n : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  %e2 = tensor.empty() : tensor<4x1024xf32>
  %c = linalg.generic {indexing_maps = [#rows, #row, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%x, %mean : tensor<4x1024xf32>, tensor<4xf32>) outs(%e2 : tensor<4x1024xf32>) {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %d = arith.subf %v, %m : f32
    linalg.yield %d : f32
  } -> tensor<4x1024xf32>
  return %c : tensor<4x1024xf32>
}

// -----

// A row op that reads the rows' sums across its row (element (p, r) reads
// the sum of row r) does not read its own row's value: no group. The sum
// is a block reduction and the row op a kernel of its own.
// CHECK-LABEL: func @across
// CHECK: scf.forall (%{{.*}}) in (64) {
// CHECK: gpu.shuffle xor
// CHECK: } {mapping = [#gpu.block
// CHECK: scf.forall
// CHECK: arith.subf
// CHECK: return
#rows = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @across(%x: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<64xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%empty : tensor<64xf32>) -> tensor<64xf32>
  %sum = linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<64x64xf32>) outs(%fill : tensor<64xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %v, %acc : f32
    linalg.yield %s : f32
  } -> tensor<64xf32>
  %e2 = tensor.empty() : tensor<64x64xf32>
  %c = linalg.generic {indexing_maps = [#rows, #col, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%x, %sum : tensor<64x64xf32>, tensor<64xf32>) outs(%e2 : tensor<64x64xf32>) {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %d = arith.subf %v, %m : f32
    linalg.yield %d : f32
  } -> tensor<64x64xf32>
  return %c : tensor<64x64xf32>
}

// -----

// On buffers, a group whose ops have an op between them that writes a
// buffer a group op before it read (x, which the sum read) gives up: moved
// to the end, the sum would read the copy's values. Its ops are tiled one
// by one: the fill, the sum, the copy and the row op are four kernels.
// CHECK-LABEL: func @given_up
// CHECK-NOT: kiln.row_group
// CHECK: linalg.fill
// CHECK: } {mapping = [#gpu.block
// CHECK: gpu.shuffle xor
// CHECK: } {mapping = [#gpu.block
// CHECK: linalg.copy
// CHECK: } {mapping = [#gpu.block
// CHECK: arith.subf
// CHECK: } {mapping = [#gpu.block
// CHECK: return
#rows = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @given_up(%x: memref<4x64xf32>, %other: memref<4x64xf32>, %y: memref<4x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %sums = memref.alloc() : memref<4xf32>
  linalg.fill {kiln.row_group = 0 : i64} ins(%zero : f32) outs(%sums : memref<4xf32>)
  linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x64xf32>) outs(%sums : memref<4xf32>) attrs = {kiln.row_group = 0 : i64} {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %v, %acc : f32
    linalg.yield %s : f32
  }
  linalg.copy ins(%other : memref<4x64xf32>) outs(%x : memref<4x64xf32>)
  linalg.generic {indexing_maps = [#rows, #row, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%x, %sums : memref<4x64xf32>, memref<4xf32>) outs(%y : memref<4x64xf32>)
      attrs = {kiln.row_group = 0 : i64} {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %d = arith.subf %v, %m : f32
    linalg.yield %d : f32
  }
  return
}

// -----

// The same with the op between writing a buffer the group does not touch:
// one row kernel, after the copy.
// CHECK-LABEL: func @kept
// CHECK: linalg.copy
// CHECK: } {mapping = [#gpu.block
// CHECK: scf.forall (%{{.*}}) in (1) {
// CHECK-NEXT: scf.forall (%{{.*}}) in (128) {
// CHECK-COUNT-5: gpu.shuffle xor
// CHECK-COUNT-2: memref.store
// CHECK: } {mapping = [#gpu.block
// CHECK-NOT: scf.forall
// CHECK: return
#rows = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @kept(%x: memref<4x64xf32>, %other: memref<4x64xf32>, %z: memref<4x64xf32>, %y: memref<4x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %sums = memref.alloc() : memref<4xf32>
  linalg.fill {kiln.row_group = 0 : i64} ins(%zero : f32) outs(%sums : memref<4xf32>)
  linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x64xf32>) outs(%sums : memref<4xf32>) attrs = {kiln.row_group = 0 : i64} {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %v, %acc : f32
    linalg.yield %s : f32
  }
  linalg.copy ins(%other : memref<4x64xf32>) outs(%z : memref<4x64xf32>)
  linalg.generic {indexing_maps = [#rows, #row, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%x, %sums : memref<4x64xf32>, memref<4xf32>) outs(%y : memref<4x64xf32>)
      attrs = {kiln.row_group = 0 : i64} {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %d = arith.subf %v, %m : f32
    linalg.yield %d : f32
  }
  return
}

// -----

// A product between the group's ops whose consumer reads a group value
// (the rows' maxima): the group's kernel runs where its last op was, after
// the product, so the product's kernel does not take that consumer in
// (findStagedFusion: the row kernel between them writes what it reads);
// it is a kernel of its own after the row kernel, which stores the maxima.
// CHECK-LABEL: func @consumer_after_group
// CHECK: scf.forall (%{{.*}}) in (1, 3) {
// CHECK:   math.fma
// CHECK-NOT: arith.addf
// CHECK: } {mapping = [#gpu.block
// CHECK: scf.forall (%{{.*}}) in (4) {
// CHECK-COUNT-5: arith.maximumf
// CHECK: memref.store %{{.*}}, %[[MAXIMA:.*]][%{{.*}}] : memref<32xf32>
// CHECK: math.exp
// CHECK: } {mapping = [#gpu.block
// CHECK: scf.forall
// CHECK:   memref.subview %[[MAXIMA]]
// CHECK:   arith.addf
// CHECK: return
#rows = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @consumer_after_group(%x: tensor<32x64xf32>, %a: tensor<32x16xf32>, %b: tensor<16x48xf32>) -> (tensor<32xf32>, tensor<32x48xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<32xf32>
  %f1 = linalg.fill ins(%ninf : f32) outs(%e0 : tensor<32xf32>) -> tensor<32xf32>
  %max = linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<32x64xf32>) outs(%f1 : tensor<32xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %m = arith.maximumf %v, %acc : f32
    linalg.yield %m : f32
  } -> tensor<32xf32>
  %ep = tensor.empty() : tensor<32x48xf32>
  %fp = linalg.fill ins(%zero : f32) outs(%ep : tensor<32x48xf32>) -> tensor<32x48xf32>
  %p = linalg.matmul ins(%a, %b : tensor<32x16xf32>, tensor<16x48xf32>) outs(%fp : tensor<32x48xf32>) -> tensor<32x48xf32>
  %ee = tensor.empty() : tensor<32x64xf32>
  %exps = linalg.generic {indexing_maps = [#rows, #row, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%x, %max : tensor<32x64xf32>, tensor<32xf32>) outs(%ee : tensor<32x64xf32>) {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %d = arith.subf %v, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<32x64xf32>
  %e1 = tensor.empty() : tensor<32xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<32xf32>) -> tensor<32xf32>
  %sum = linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%exps : tensor<32x64xf32>) outs(%f2 : tensor<32xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %v, %acc : f32
    linalg.yield %s : f32
  } -> tensor<32xf32>
  %ec = tensor.empty() : tensor<32x48xf32>
  %c = linalg.generic {indexing_maps = [#rows, #row, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%p, %max : tensor<32x48xf32>, tensor<32xf32>) outs(%ec : tensor<32x48xf32>) {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %t = arith.addf %v, %m : f32
    linalg.yield %t : f32
  } -> tensor<32x48xf32>
  return %sum, %c : tensor<32xf32>, tensor<32x48xf32>
}

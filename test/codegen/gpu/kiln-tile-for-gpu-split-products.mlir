// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(kiln-tile-for-gpu{multiprocessors=8}),canonicalize,cse,kiln-bufferize,canonicalize,func.func(kiln-tile-for-gpu{multiprocessors=8}),canonicalize,cse)' | FileCheck %s

// A product with few outputs and a long reduction (32 x 32 of 1024) would
// get a block per output. With 8 multiprocessors (16 blocks wanted) and
// four 16 x 16 tiles of outputs, its k is cut into 4 slices of 256 instead:
// the staged kernel gets the slice as its outermost block loop, reads k at
// slice x 256 + k', starts from zero and stores into partial[slice, ..]
// (of the slice's 16 k steps, the first is folded before its loop, the
// next 14 by the loop, unrolled by the two stages: 7 iterations of two
// steps, each with its barrier; the 16th is folded after it).
// A second kernel, a thread per output, starts from the Gemm's bias, adds
// the 4 partial sums in order and stores the ReLU: the bias and ReLU ops
// are gone, as with an uncut product.
// CHECK-LABEL: func @split_bias_relu
// CHECK-SAME: (%[[A:.*]]: memref<32x1024xf32>, %[[B:.*]]: memref<1024x32xf32>, %[[BIAS:.*]]: memref<32xf32>, %[[OUT:.*]]: memref<32x32xf32> {bufferize.result})
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG: %[[C240:.*]] = arith.constant 240 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK: %[[PARTIAL:.*]] = memref.alloc() : memref<4x32x32xf32>
// CHECK: scf.forall (%[[SLICE:.*]], %{{.*}}, %{{.*}}) in (4, 2, 2) {
// CHECK:   scf.forall (%{{.*}}) in (256) {
// CHECK:     %[[K0:.*]] = arith.muli %[[SLICE]], %[[C256]] : index
// CHECK:     %[[K:.*]] = arith.addi %[[K0]], %{{.*}} : index
// CHECK:     memref.load %[[A]][%{{.*}}, %[[K]]]
// CHECK:     gpu.barrier
// CHECK:     %[[FIRST:.*]] = math.fma %{{.*}}, %{{.*}}, %[[ZERO]]
// CHECK:     gpu.barrier
// CHECK:     scf.for %{{.*}} = %[[C16]] to %[[C240]] step %[[C32]] iter_args(%{{.*}} = %{{.*}})
// CHECK:       math.fma
// CHECK:       gpu.barrier
// CHECK:       math.fma
// CHECK:       gpu.barrier
// CHECK-NEXT:  scf.yield
// CHECK:     math.fma
// CHECK:     memref.store %{{.*}}, %[[PARTIAL]][%[[SLICE]], %{{.*}}, %{{.*}}] : memref<4x32x32xf32>
// CHECK: scf.forall (%{{.*}}) in (4) {
// CHECK:   scf.forall (%{{.*}}) in (256) {
// CHECK:     %[[START:.*]] = memref.load %[[BIAS]][%{{.*}}] : memref<32xf32>
// CHECK:     %[[SUM:.*]] = scf.for %[[S:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[START]]) -> (f32) {
// CHECK:       %[[P:.*]] = memref.load %[[PARTIAL]][%[[S]], %{{.*}}, %{{.*}}] : memref<4x32x32xf32>
// CHECK:       %[[NEXT:.*]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK:       scf.yield %[[NEXT]]
// CHECK:     %[[R:.*]] = arith.maximumf %[[SUM]], %[[ZERO]] : f32
// CHECK:     memref.store %[[R]], %[[OUT]][%{{.*}}, %{{.*}}] : memref<32x32xf32>
// CHECK-NOT: scf.forall
// CHECK-NOT: linalg.
// CHECK: return
#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @split_bias_relu(%a: tensor<32x1024xf32>, %b: tensor<1024x32xf32>, %bias: tensor<32xf32>) -> tensor<32x32xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x32xf32>
  %start = linalg.generic {indexing_maps = [#col, #id], iterator_types = ["parallel", "parallel"]} ins(%bias : tensor<32xf32>) outs(%e : tensor<32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<32x32xf32>
  %p = linalg.matmul ins(%a, %b : tensor<32x1024xf32>, tensor<1024x32xf32>) outs(%start : tensor<32x32xf32>) -> tensor<32x32xf32>
  %e2 = tensor.empty() : tensor<32x32xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%p : tensor<32x32xf32>) outs(%e2 : tensor<32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %cst : f32
    linalg.yield %m : f32
  } -> tensor<32x32xf32>
  return %r : tensor<32x32xf32>
}

// -----

// k = 300 is not a multiple of 16, so neither need its slices be: the most
// slices of at least 64 that divide it are 4 of 75, each four whole k
// steps (a loop of two iterations of two) and a short one of 11 folded
// after the loop. The int32 body is
// cloned (addi of muli), and so is its combiner in the second kernel.
// CHECK-LABEL: func @split_int
// CHECK: %[[PARTIAL:.*]] = memref.alloc() : memref<4x32x32xi32>
// CHECK: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (4, 2, 2) {
// CHECK:   scf.for %{{.*}} = %c0 to %c64 step %c32
// CHECK:   arith.muli %{{.*}}, %{{.*}} : i32
// CHECK:   memref.store %{{.*}}, %[[PARTIAL]]
// CHECK: scf.forall (%{{.*}}) in (4) {
// CHECK:   scf.for
// CHECK:     memref.load %[[PARTIAL]]
// CHECK:     arith.addi %{{.*}}, %{{.*}} : i32
// CHECK-NOT: linalg.
// CHECK: return
func.func @split_int(%a: tensor<32x300xi32>, %b: tensor<300x32xi32>) -> tensor<32x32xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<32x32xi32>
  %f = linalg.fill ins(%zero : i32) outs(%e : tensor<32x32xi32>) -> tensor<32x32xi32>
  %p = linalg.matmul ins(%a, %b : tensor<32x300xi32>, tensor<300x32xi32>) outs(%f : tensor<32x32xi32>) -> tensor<32x32xi32>
  return %p : tensor<32x32xi32>
}

// -----

// k = 1021 (prime) cannot be cut: the product is staged whole, 4 blocks
// stepping through all of k, which still reads each input value once per
// block row or column of outputs where a block per output would read it
// for every output. No partial results.
// CHECK-LABEL: func @prime_k
// CHECK-NOT: memref.alloc() : memref<{{.*}}x32x32xf32>
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (2, 2) {
// CHECK:   gpu.barrier
// CHECK-NOT: scf.forall
// CHECK: return
func.func @prime_k(%a: tensor<32x1021xf32>, %b: tensor<1021x32xf32>) -> tensor<32x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<32x32xf32>) -> tensor<32x32xf32>
  %p = linalg.matmul ins(%a, %b : tensor<32x1021xf32>, tensor<1021x32xf32>) outs(%f : tensor<32x32xf32>) -> tensor<32x32xf32>
  return %p : tensor<32x32xf32>
}

// -----

// A body that reads its loop indices (here k, as a weight) is not cut: in a
// slice it would see k less the slice's start. It is staged whole.
// CHECK-LABEL: func @index_k
// CHECK-NOT: memref.alloc() : memref<{{.*}}x32x32xf32>
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (2, 2) {
// CHECK:   scf.for %{{.*}} = %c16 to %c1008 step %c32
// CHECK-NOT: scf.forall
// CHECK: return
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @index_k(%a: tensor<32x1024xf32>, %b: tensor<1024x32xf32>) -> tensor<32x32xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x32xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<32x32xf32>) -> tensor<32x32xf32>
  %p = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<32x1024xf32>, tensor<1024x32xf32>) outs(%f : tensor<32x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %k = linalg.index 2 : index
    %ki = arith.index_cast %k : index to i32
    %kf = arith.sitofp %ki : i32 to f32
    %m = arith.mulf %x, %y : f32
    %w = arith.mulf %m, %kf : f32
    %s = arith.addf %acc, %w : f32
    linalg.yield %s : f32
  } -> tensor<32x32xf32>
  return %p : tensor<32x32xf32>
}

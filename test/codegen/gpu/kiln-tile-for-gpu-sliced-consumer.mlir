// RUN: kiln-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(kiln-tile-for-gpu{multiprocessors=1}),canonicalize,kiln-bufferize,canonicalize,func.func(kiln-tile-for-gpu{multiprocessors=1}),canonicalize,cse)' | FileCheck %s

// A recurrent step: a [1, 64] x [64, 256] product read by one generic of
// two results through two of its slices (columns 0-63 and 192-255). Folded
// one output a thread, the product would be a kernel of its own; here the
// generic's kernel computes it: blocks of 32 of the generic's columns, 8
// warps dividing each slice's k (elements w, w + 8, ...), each warp's
// values into its slot of a workgroup buffer of 2 x 256, one barrier, then
// warp 0 adds each slice's 8 values and computes both results. One kernel;
// the product's result is never stored.
// CHECK-LABEL: func @gates
// CHECK-SAME: (%[[H:.*]]: memref<1x64xf32>, %[[R:.*]]: memref<64x256xf32>, %[[C:.*]]: memref<1x64xf32>, %[[OUT0:.*]]: memref<1x64xf32> {bufferize.result}, %[[OUT1:.*]]: memref<1x64xf32> {bufferize.result})
// CHECK-NOT: memref.alloc()
// CHECK: scf.forall (%{{.*}}, %[[GROUP:.*]]) in (1, 2)
// CHECK:   %[[SHARED:.*]] = memref.alloc() : memref<512xf32, #gpu.address_space<workgroup>>
// CHECK:   scf.forall (%[[T:.*]]) in (256)
// CHECK:     %[[LANE:.*]] = arith.remui %[[T]], %c32
// CHECK:     %[[WARP:.*]] = arith.divui %[[T]], %c32
// CHECK:     %[[COL:.*]] = arith.addi %{{.*}}, %[[LANE]]
// CHECK:     %[[A:.*]] = scf.for %[[K:.*]] = %[[WARP]] to %c64 step %c8
// CHECK:       memref.load %[[R]][%[[K]], %[[COL]]]
// CHECK:     memref.store %[[A]], %[[SHARED]][%[[T]]]
// CHECK:     %[[COL2:.*]] = arith.addi %[[COL]], %c192
// CHECK:     %[[B:.*]] = scf.for %[[K2:.*]] = %[[WARP]] to %c64 step %c8
// CHECK:       memref.load %[[R]][%[[K2]], %[[COL2]]]
// CHECK:     %[[SLOT:.*]] = arith.addi %[[T]], %c256
// CHECK:     memref.store %[[B]], %[[SHARED]][%[[SLOT]]]
// CHECK:     gpu.barrier
// CHECK:     scf.if
// CHECK-COUNT-16: memref.load %[[SHARED]]
// CHECK:       memref.load %[[C]][%c0, %[[COL]]]
// CHECK:       memref.store %{{.*}}, %[[OUT0]][%c0, %[[COL]]]
// CHECK:       memref.store %{{.*}}, %[[OUT1]][%c0, %[[COL]]]
// CHECK-NOT: scf.forall
// CHECK: return
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @gates(%h: tensor<1x64xf32>, %r: tensor<64x256xf32>, %c: tensor<1x64xf32>)
    -> (tensor<1x64xf32>, tensor<1x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x256xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x256xf32>) -> tensor<1x256xf32>
  %p = linalg.matmul ins(%h, %r : tensor<1x64xf32>, tensor<64x256xf32>)
      outs(%f : tensor<1x256xf32>) -> tensor<1x256xf32>
  %a = tensor.extract_slice %p[0, 0] [1, 64] [1, 1] : tensor<1x256xf32> to tensor<1x64xf32>
  %b = tensor.extract_slice %p[0, 192] [1, 64] [1, 1] : tensor<1x256xf32> to tensor<1x64xf32>
  %o = tensor.empty() : tensor<1x64xf32>
  %g:2 = linalg.generic {indexing_maps = [#id, #id, #id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a, %b, %c : tensor<1x64xf32>, tensor<1x64xf32>, tensor<1x64xf32>)
      outs(%o, %o : tensor<1x64xf32>, tensor<1x64xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32, %out0: f32, %out1: f32):
    %s = arith.addf %x, %z : f32
    %t = arith.mulf %y, %s : f32
    linalg.yield %s, %t : f32, f32
  } -> (tensor<1x64xf32>, tensor<1x64xf32>)
  return %g#0, %g#1 : tensor<1x64xf32>, tensor<1x64xf32>
}

// -----

// The same product also returned: its result is stored, so it stays a
// kernel of its own (one output a thread: the linalg.matmul tiled, where
// the column kernel has loops of its own), and so does the generic.
// CHECK-LABEL: func @also_returned
// CHECK: scf.forall
// CHECK: linalg.matmul
// CHECK: scf.forall
// CHECK: linalg.generic
// CHECK: return
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @also_returned(%h: tensor<1x64xf32>, %r: tensor<64x256xf32>)
    -> (tensor<1x64xf32>, tensor<1x256xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x256xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x256xf32>) -> tensor<1x256xf32>
  %p = linalg.matmul ins(%h, %r : tensor<1x64xf32>, tensor<64x256xf32>)
      outs(%f : tensor<1x256xf32>) -> tensor<1x256xf32>
  %a = tensor.extract_slice %p[0, 64] [1, 64] [1, 1] : tensor<1x256xf32> to tensor<1x64xf32>
  %o = tensor.empty() : tensor<1x64xf32>
  %g = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<1x64xf32>) outs(%o : tensor<1x64xf32>) {
  ^bb0(%x: f32, %out: f32):
    %s = math.tanh %x : f32
    linalg.yield %s : f32
  } -> tensor<1x64xf32>
  return %g, %p : tensor<1x64xf32>, tensor<1x256xf32>
}

// -----

// A slice read transposed (the generic's loops run across the product's
// columns, not along them: its lanes would not be the product's) is not
// taken in either.
// CHECK-LABEL: func @transposed
// CHECK: scf.forall
// CHECK: linalg.matmul
// CHECK: scf.forall
// CHECK: linalg.generic
// CHECK: return
#t = affine_map<(d0, d1) -> (d1, d0)>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @transposed(%h: tensor<1x64xf32>, %r: tensor<64x256xf32>) -> tensor<64x1xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x256xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x256xf32>) -> tensor<1x256xf32>
  %p = linalg.matmul ins(%h, %r : tensor<1x64xf32>, tensor<64x256xf32>)
      outs(%f : tensor<1x256xf32>) -> tensor<1x256xf32>
  %a = tensor.extract_slice %p[0, 64] [1, 64] [1, 1] : tensor<1x256xf32> to tensor<1x64xf32>
  %o = tensor.empty() : tensor<64x1xf32>
  %g = linalg.generic {indexing_maps = [#t, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<1x64xf32>) outs(%o : tensor<64x1xf32>) {
  ^bb0(%x: f32, %out: f32):
    %s = math.tanh %x : f32
    linalg.yield %s : f32
  } -> tensor<64x1xf32>
  return %g : tensor<64x1xf32>
}

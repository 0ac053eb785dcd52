// RUN: kiln-opt %s --pass-pipeline='builtin.module(func.func(kiln-tile-for-gpu{multiprocessors=1}),canonicalize,kiln-bufferize,canonicalize,func.func(kiln-tile-for-gpu{multiprocessors=1}),canonicalize,cse)' | FileCheck %s

// A direct reduction computed in its elementwise consumer's kernel, through
// bufferization (with no CSE before it): each thread fills its element of
// the consumer's output, folds the sum into it and divides it there. No
// buffer of the reduction's own, none inside the loops.
// CHECK-LABEL: func @in_consumer
// CHECK-SAME: (%[[X:.*]]: memref<1x64x1000xf32>, %[[OUT:.*]]: memref<1x1000xf32> {bufferize.result})
// CHECK-NOT: memref.alloc
// CHECK: scf.forall
// CHECK:   %[[ROWS:.*]] = memref.subview %[[OUT]]
// CHECK:   scf.forall
// CHECK:     %[[TILE:.*]] = memref.subview %[[ROWS]]
// CHECK:     linalg.fill ins(%{{.*}} : f32) outs(%[[TILE]]
// CHECK:     linalg.generic {{.*}} outs(%[[TILE]]
// CHECK:       arith.addf
// CHECK:     linalg.generic {{.*}} ins(%[[TILE]] {{.*}} outs(%[[TILE]]
// CHECK:       arith.divf
// CHECK-NOT: memref.alloc
// CHECK-NOT: scf.forall
// CHECK: return
#in = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#sum = affine_map<(d0, d1, d2) -> (d0, d2)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @in_consumer(%x: tensor<1x64x1000xf32>) -> tensor<1x1000xf32> {
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 64.0 : f32
  %e = tensor.empty() : tensor<1x1000xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1000xf32>) -> tensor<1x1000xf32>
  %s = linalg.generic {indexing_maps = [#in, #sum], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x : tensor<1x64x1000xf32>) outs(%f : tensor<1x1000xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %acc, %a : f32
    linalg.yield %r : f32
  } -> tensor<1x1000xf32>
  %e2 = tensor.empty() : tensor<1x1000xf32>
  %m = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<1x1000xf32>) outs(%e2 : tensor<1x1000xf32>) {
  ^bb0(%a: f32, %o: f32):
    %d = arith.divf %a, %n : f32
    linalg.yield %d : f32
  } -> tensor<1x1000xf32>
  return %m : tensor<1x1000xf32>
}

// The same with a bias as the reduction's start (a small convolution's
// bias, broadcast over its outputs): each thread writes its bias element
// into its element of the consumer's output, folds the sum into it and
// divides it there. One kernel; the broadcast was one of its own.
// CHECK-LABEL: func @bias_in_consumer
// CHECK-SAME: (%[[X:.*]]: memref<1x64x1000xf32>, %[[BIAS:.*]]: memref<1000xf32>, %[[OUT:.*]]: memref<1x1000xf32> {bufferize.result})
// CHECK-NOT: memref.alloc
// CHECK: scf.forall
// CHECK:   %[[ROWS:.*]] = memref.subview %[[OUT]]
// CHECK:   scf.forall
// CHECK:     %[[TILE:.*]] = memref.subview %[[ROWS]]{{.*}} to memref<1x1xf32
// CHECK:     linalg.generic {{.*}} ins(%{{.*}} : memref<1xf32, {{.*}}) outs(%[[TILE]]
// CHECK:     linalg.generic {{.*}} outs(%[[TILE]]
// CHECK:       arith.addf
// CHECK:     linalg.generic {{.*}} ins(%[[TILE]] {{.*}} outs(%[[TILE]]
// CHECK:       arith.divf
// CHECK-NOT: memref.alloc
// CHECK-NOT: scf.forall
// CHECK: return
#broadcast = affine_map<(d0, d1) -> (d1)>
func.func @bias_in_consumer(%x: tensor<1x64x1000xf32>, %bias: tensor<1000xf32>) -> tensor<1x1000xf32> {
  %n = arith.constant 64.0 : f32
  %e = tensor.empty() : tensor<1x1000xf32>
  %f = linalg.generic {indexing_maps = [#broadcast, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%bias : tensor<1000xf32>) outs(%e : tensor<1x1000xf32>) {
  ^bb0(%b: f32, %o: f32):
    linalg.yield %b : f32
  } -> tensor<1x1000xf32>
  %s = linalg.generic {indexing_maps = [#in, #sum], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x : tensor<1x64x1000xf32>) outs(%f : tensor<1x1000xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %acc, %a : f32
    linalg.yield %r : f32
  } -> tensor<1x1000xf32>
  %e2 = tensor.empty() : tensor<1x1000xf32>
  %m = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<1x1000xf32>) outs(%e2 : tensor<1x1000xf32>) {
  ^bb0(%a: f32, %o: f32):
    %d = arith.divf %a, %n : f32
    linalg.yield %d : f32
  } -> tensor<1x1000xf32>
  return %m : tensor<1x1000xf32>
}

// A direct reduction whose bias start only it reads, and no consumer: the
// bias is written in the reduction's kernel, each thread its own element
// before folding into it.
// CHECK-LABEL: func @bias_start
// CHECK-SAME: (%[[X:.*]]: memref<1x64x1000xf32>, %[[BIAS:.*]]: memref<1000xf32>, %[[OUT:.*]]: memref<1x1000xf32> {bufferize.result})
// CHECK-NOT: memref.alloc
// CHECK: scf.forall
// CHECK:   scf.forall
// CHECK:     %[[TILE:.*]] = memref.subview {{.*}} to memref<1x1xf32
// CHECK:     linalg.generic {{.*}} ins(%{{.*}} : memref<1xf32, {{.*}}) outs(%[[TILE]]
// CHECK:     linalg.generic {{.*}} outs(%[[TILE]]
// CHECK:       arith.addf
// CHECK-NOT: scf.forall
// CHECK: return
func.func @bias_start(%x: tensor<1x64x1000xf32>, %bias: tensor<1000xf32>) -> tensor<1x1000xf32> {
  %e = tensor.empty() : tensor<1x1000xf32>
  %f = linalg.generic {indexing_maps = [#broadcast, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%bias : tensor<1000xf32>) outs(%e : tensor<1x1000xf32>) {
  ^bb0(%b: f32, %o: f32):
    linalg.yield %b : f32
  } -> tensor<1x1000xf32>
  %s = linalg.generic {indexing_maps = [#in, #sum], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x : tensor<1x64x1000xf32>) outs(%f : tensor<1x1000xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %acc, %a : f32
    linalg.yield %r : f32
  } -> tensor<1x1000xf32>
  return %s : tensor<1x1000xf32>
}

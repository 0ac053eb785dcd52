// RUN: kiln-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(kiln-gpu-conv-to-staged-matmul,kiln-tile-for-gpu{multiprocessors=1}),canonicalize,cse)' | FileCheck %s
// RUN: kiln-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(kiln-gpu-conv-to-staged-matmul,kiln-tile-for-gpu{multiprocessors=1}),canonicalize,kiln-bufferize,canonicalize,func.func(kiln-tile-for-gpu{multiprocessors=1}),canonicalize,cse)' | FileCheck %s --check-prefix=STAGED

// A padding is computed where it is read: by ops of one output a thread
// (foldPaddingsIntoReaders in kiln-tile-for-gpu), and by the staged
// kernels as they copy their inputs into workgroup memory. The padded
// tensor is never written, and the padding is no kernel of its own.

// A depthwise convolution written as a sum of its taps, each a slice of
// the padded input: each thread reads its four taps from the source at
// clamped indices, the padding value where a tap lies outside. One kernel.
// CHECK-LABEL: func @taps
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x16x16xf32>)
// CHECK: scf.forall
// CHECK: scf.forall
// CHECK: linalg.generic
// CHECK-COUNT-4: tensor.extract %[[X]]
// CHECK-NOT: = scf.forall
// CHECK: return
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @taps(%x: tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<1x8x16x16xf32> to tensor<1x8x18x18xf32>
  %t0 = tensor.extract_slice %p[0, 0, 0, 0] [1, 8, 16, 16] [1, 1, 1, 1] : tensor<1x8x18x18xf32> to tensor<1x8x16x16xf32>
  %t1 = tensor.extract_slice %p[0, 0, 0, 2] [1, 8, 16, 16] [1, 1, 1, 1] : tensor<1x8x18x18xf32> to tensor<1x8x16x16xf32>
  %t2 = tensor.extract_slice %p[0, 0, 2, 0] [1, 8, 16, 16] [1, 1, 1, 1] : tensor<1x8x18x18xf32> to tensor<1x8x16x16xf32>
  %t3 = tensor.extract_slice %p[0, 0, 2, 2] [1, 8, 16, 16] [1, 1, 1, 1] : tensor<1x8x18x18xf32> to tensor<1x8x16x16xf32>
  %e = tensor.empty() : tensor<1x8x16x16xf32>
  %s = linalg.generic {indexing_maps = [#id, #id, #id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%t0, %t1, %t2, %t3 : tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>)
      outs(%e : tensor<1x8x16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32, %d: f32, %o: f32):
    %ab = arith.addf %a, %b : f32
    %cd = arith.addf %c, %d : f32
    %r = arith.addf %ab, %cd : f32
    linalg.yield %r : f32
  } -> tensor<1x8x16x16xf32>
  return %s : tensor<1x8x16x16xf32>
}

// -----

// A max pool (a reduction, one output a thread) takes in its padding
// (minus infinity outside the source) the same way.
// CHECK-LABEL: func @max_pool
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x16x16xf32>)
// CHECK: scf.forall
// CHECK: scf.forall
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK: tensor.extract %[[X]]
// CHECK: arith.select
// CHECK-NOT: = scf.forall
// CHECK: return
func.func @max_pool(%x: tensor<1x8x16x16xf32>) -> tensor<1x8x8x8xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %ninf : f32
  } : tensor<1x8x16x16xf32> to tensor<1x8x18x18xf32>
  %w = tensor.empty() : tensor<3x3xf32>
  %e = tensor.empty() : tensor<1x8x8x8xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %m = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%p, %w : tensor<1x8x18x18xf32>, tensor<3x3xf32>) outs(%f : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  return %m : tensor<1x8x8x8xf32>
}

// -----

// A convolution the staged kernels take: on tensors its padding is marked
// for the product (kiln.staged_input, markComputedInputs) and left
// untiled; on buffers the staged kernel computes each padded element as
// it copies it into workgroup memory, from the source at clamped indices
// (findStagedFusion, Skeleton::fetch). No 18 x 18 buffer, no padding
// kernel. The copy splits k into channel and tap in 32 bits, and marks
// its index arithmetic, the padding's bounds checks included, for
// kiln-narrow-marked-indices.
// CHECK-LABEL: func @staged_conv
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x32x18x18xf32>) attrs = {kiln.padding, kiln.staged_input = 0 : i64}
// CHECK-NOT: = scf.forall {{.*}} to (1, 32, 18, 18)
// CHECK: return
// STAGED-LABEL: func @staged_conv
// STAGED-SAME: (%[[X:[a-z0-9]+]]: memref<1x32x16x16xf32>
// STAGED-NOT: memref<1x32x18x18xf32>
// STAGED: scf.forall
// STAGED: scf.forall
// STAGED: arith.divui %{{.*}}, %{{.*}} {kiln.narrow} : i32
// STAGED: arith.remui %{{.*}}, %{{.*}} {kiln.narrow} : i32
// STAGED: arith.cmpi ult, %{{.*}}, %{{.*}} {kiln.narrow} : index
// STAGED: memref.load %[[X]]
// STAGED: arith.select
// STAGED: gpu.barrier
// STAGED-NOT: memref<1x32x18x18xf32>
// STAGED: return
func.func @staged_conv(%x: tensor<1x32x16x16xf32>, %w: tensor<32x32x3x3xf32>) -> tensor<1x32x16x16xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<1x32x16x16xf32> to tensor<1x32x18x18xf32>
  %e = tensor.empty() : tensor<1x32x16x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x32x16x16xf32>) -> tensor<1x32x16x16xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<1x32x18x18xf32>, tensor<32x32x3x3xf32>) outs(%f : tensor<1x32x16x16xf32>) -> tensor<1x32x16x16xf32>
  return %c : tensor<1x32x16x16xf32>
}

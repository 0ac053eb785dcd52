// RUN: kiln-opt %s --kiln-tile-for-gpu --split-input-file | FileCheck %s

// An elementwise op: block tiles of at most 256 elements over the parallel
// loops, one element per thread inside.
// CHECK-LABEL: func @elementwise
// CHECK: scf.forall (%{{.*}}, %{{.*}}) = (0, 0) to (8, 512) step (1, 256)
// CHECK:   scf.forall (%{{.*}}, %{{.*}}) in (1, 256)
// CHECK:     linalg.generic
// CHECK:   } {mapping = [#gpu.thread<linear_dim_0>, #gpu.thread<linear_dim_1>]}
// CHECK: } {mapping = [#gpu.block<linear_dim_0>, #gpu.block<linear_dim_1>]}
func.func @elementwise(%a: tensor<8x512xf32>) -> tensor<8x512xf32> {
  %e = tensor.empty() : tensor<8x512xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<8x512xf32>) outs(%e : tensor<8x512xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.exp %x : f32
    linalg.yield %y : f32
  } -> tensor<8x512xf32>
  return %r : tensor<8x512xf32>
}

// -----

// A matmul: the reduction loop is not tiled; each thread keeps the full K
// loop for its output element.
// CHECK-LABEL: func @matmul
// CHECK: scf.forall (%{{.*}}, %{{.*}}) = (0, 0) to (64, 128) step (2, 128)
// CHECK:   scf.forall (%{{.*}}, %{{.*}}) in (2, 128)
// CHECK:     linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<1x32xf32>, tensor<32x1xf32>)
func.func @matmul(%a: tensor<64x32xf32>, %b: tensor<32x128xf32>, %c: tensor<64x128xf32>) -> tensor<64x128xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<64x32xf32>, tensor<32x128xf32>) outs(%c : tensor<64x128xf32>) -> tensor<64x128xf32>
  return %r : tensor<64x128xf32>
}

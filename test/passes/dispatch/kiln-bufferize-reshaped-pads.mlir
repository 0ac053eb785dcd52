// RUN: kiln-opt %s -split-input-file -kiln-bufferize -canonicalize -cse -canonicalize | FileCheck %s
// (The canonicalizations are the memref pipeline's: they fold the reshapes
// that undo each other and then the copy of the interior onto itself.)

// A padded tensor whose interior is a reshape of a value computed into a
// tensor.empty (a channel-major convolution's [filter blocks, filters, rows,
// pixel blocks, pixels] product seen as NCHW by the next 3x3 layer): the
// producer writes the interior of the padded buffer in place, through the
// reshapes undone, after the fill. No buffer of its own and no copy.
// CHECK-LABEL: func @reshaped_interior_in_place
// CHECK-SAME: (%[[X:.*]]: memref<2x4x8xf32>, %[[PADDED:.*]]: memref<1x8x10xf32> {bufferize.result})
// CHECK-NOT: memref.alloc
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[PADDED]] : memref<1x8x10xf32>)
// CHECK: %[[INTERIOR:.*]] = memref.subview %[[PADDED]][0, 0, 1] [1, 8, 8] [1, 1, 1]
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %[[INTERIOR]] {{\[}}[0, 1], [2]]
// CHECK: %[[VIEW:.*]] = memref.expand_shape %[[FLAT]] {{\[}}[0, 1], [2]] output_shape [2, 4, 8]
// CHECK: linalg.generic {{.*}} ins(%[[X]] : memref<2x4x8xf32>) outs(%[[VIEW]] : memref<2x4x8xf32, strided<[40, 10, 1], offset: 1>>)
// CHECK-NOT: memref.alloc
// CHECK-NOT: copy
// CHECK: return
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @reshaped_interior_in_place(%x: tensor<2x4x8xf32>) -> tensor<1x8x10xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4x8xf32>
  %r = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x4x8xf32>) outs(%e : tensor<2x4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x4x8xf32>
  %c = tensor.collapse_shape %r [[0, 1], [2]] : tensor<2x4x8xf32> into tensor<8x8xf32>
  %v = tensor.expand_shape %c [[0, 1], [2]] output_shape [1, 8, 8] : tensor<8x8xf32> into tensor<1x8x8xf32>
  %p0 = tensor.empty() : tensor<1x8x10xf32>
  %p = linalg.fill ins(%zero : f32) outs(%p0 : tensor<1x8x10xf32>) -> tensor<1x8x10xf32>
  %i = tensor.insert_slice %v into %p[0, 0, 1] [1, 8, 8] [1, 1, 1] : tensor<1x8x8xf32> into tensor<1x8x10xf32>
  return %i : tensor<1x8x10xf32>
}

// -----

// CSE made the fills of two padded tensors of one shape one fill. Each pad
// gets a fill of its own again, so each producer writes its own padded
// buffer in place (with one fill, the second would be written elsewhere and
// copied, or the whole padded buffer copied).
// CHECK-LABEL: func @two_pads_one_fill
// CHECK-SAME: (%[[X:.*]]: memref<2x4x8xf32>, %[[Y:.*]]: memref<2x4x8xf32>, %[[P1:.*]]: memref<1x8x10xf32> {bufferize.result}, %[[P2:.*]]: memref<1x8x10xf32> {bufferize.result})
// CHECK-NOT: memref.alloc
// CHECK-NOT: copy
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[P1]] : memref<1x8x10xf32>)
// CHECK: %[[S1:.*]] = memref.subview %[[P1]][0, 0, 1] [1, 8, 8] [1, 1, 1]
// CHECK: %[[C1:.*]] = memref.collapse_shape %[[S1]]
// CHECK: %[[V1:.*]] = memref.expand_shape %[[C1]]
// CHECK: linalg.generic {{.*}} ins(%[[X]] : memref<2x4x8xf32>) outs(%[[V1]] :
// CHECK: arith.maximumf
// CHECK-NOT: memref.alloc
// CHECK-NOT: copy
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[P2]] : memref<1x8x10xf32>)
// CHECK: %[[S2:.*]] = memref.subview %[[P2]][0, 0, 1] [1, 8, 8] [1, 1, 1]
// CHECK: %[[C2:.*]] = memref.collapse_shape %[[S2]]
// CHECK: %[[V2:.*]] = memref.expand_shape %[[C2]]
// CHECK: linalg.generic {{.*}} ins(%[[Y]] : memref<2x4x8xf32>) outs(%[[V2]] :
// CHECK: math.exp
// CHECK-NOT: memref.alloc
// CHECK-NOT: copy
// CHECK: return
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @two_pads_one_fill(%x: tensor<2x4x8xf32>, %y: tensor<2x4x8xf32>) -> (tensor<1x8x10xf32>, tensor<1x8x10xf32>) {
  %zero = arith.constant 0.0 : f32
  %p0 = tensor.empty() : tensor<1x8x10xf32>
  %p = linalg.fill ins(%zero : f32) outs(%p0 : tensor<1x8x10xf32>) -> tensor<1x8x10xf32>
  %e = tensor.empty() : tensor<2x4x8xf32>
  %r = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x4x8xf32>) outs(%e : tensor<2x4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x4x8xf32>
  %c = tensor.collapse_shape %r [[0, 1], [2]] : tensor<2x4x8xf32> into tensor<8x8xf32>
  %v = tensor.expand_shape %c [[0, 1], [2]] output_shape [1, 8, 8] : tensor<8x8xf32> into tensor<1x8x8xf32>
  %i = tensor.insert_slice %v into %p[0, 0, 1] [1, 8, 8] [1, 1, 1] : tensor<1x8x8xf32> into tensor<1x8x10xf32>
  %r2 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%y : tensor<2x4x8xf32>) outs(%e : tensor<2x4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = math.exp %in : f32
    linalg.yield %m : f32
  } -> tensor<2x4x8xf32>
  %c2 = tensor.collapse_shape %r2 [[0, 1], [2]] : tensor<2x4x8xf32> into tensor<8x8xf32>
  %v2 = tensor.expand_shape %c2 [[0, 1], [2]] output_shape [1, 8, 8] : tensor<8x8xf32> into tensor<1x8x8xf32>
  %i2 = tensor.insert_slice %v2 into %p[0, 0, 1] [1, 8, 8] [1, 1, 1] : tensor<1x8x8xf32> into tensor<1x8x10xf32>
  return %i, %i2 : tensor<1x8x10xf32>, tensor<1x8x10xf32>
}

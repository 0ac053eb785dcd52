// RUN: kiln-opt %s --pass-pipeline='builtin.module(func.func(kiln-tile-and-vectorize),canonicalize,cse,kiln-bufferize,canonicalize,cse,canonicalize)' | FileCheck %s

// A padded concatenation (U-Net's skip connection and upsampled features
// before a 3x3 convolution) is built in the padded tensor's interior: the
// pad's fill comes first, each piece's producer writes its channels of the
// interior in place, and there is neither a buffer for the concatenation
// nor a copy of it into the padded tensor.
// CHECK-LABEL: func @pad_of_concat
// CHECK: %[[PAD:.*]] = memref.alloc() {{.*}} : memref<1x8x10x18xf32>
// CHECK-NOT: memref.alloc
// CHECK: vector.transfer_write %{{.*}}, %[[PAD]]{{.*}} : vector<18xf32>
// CHECK: %[[INTERIOR:.*]] = memref.subview %[[PAD]][0, 0, 1, 1] [1, 8, 8, 16]
// CHECK: %[[FIRST:.*]] = memref.subview %[[INTERIOR]][0, 0, 0, 0] [1, 4, 8, 16]
// CHECK: arith.maximumf
// CHECK: vector.transfer_write %{{.*}}, %[[FIRST]]
// CHECK-NOT: memref.alloc
// CHECK: %[[SECOND:.*]] = memref.subview %[[INTERIOR]][0, 4, 0, 0] [1, 4, 8, 16]
// CHECK: arith.negf
// CHECK: vector.transfer_write %{{.*}}, %[[SECOND]]
// CHECK-NOT: copy
// CHECK: %[[OUT:.*]] = memref.alloc() {{.*}} : memref<1x8x10x18xf32>
// CHECK-NOT: copy
// CHECK: vector.transfer_read %[[PAD]]
// CHECK: math.exp
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @pad_of_concat(%a: tensor<1x4x8x16xf32>, %b: tensor<1x4x8x16xf32>) -> tensor<1x8x10x18xf32> {
  %zero = arith.constant 0.0 : f32
  %ea = tensor.empty() : tensor<1x4x8x16xf32>
  %ra = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a : tensor<1x4x8x16xf32>) outs(%ea : tensor<1x4x8x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = arith.maximumf %x, %zero : f32
    linalg.yield %r : f32
  } -> tensor<1x4x8x16xf32>
  %eb = tensor.empty() : tensor<1x4x8x16xf32>
  %rb = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : tensor<1x4x8x16xf32>) outs(%eb : tensor<1x4x8x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = arith.negf %x : f32
    linalg.yield %r : f32
  } -> tensor<1x4x8x16xf32>
  %e = tensor.empty() : tensor<1x8x8x16xf32>
  %c1 = tensor.insert_slice %ra into %e[0, 0, 0, 0] [1, 4, 8, 16] [1, 1, 1, 1] : tensor<1x4x8x16xf32> into tensor<1x8x8x16xf32>
  %c2 = tensor.insert_slice %rb into %c1[0, 4, 0, 0] [1, 4, 8, 16] [1, 1, 1, 1] : tensor<1x4x8x16xf32> into tensor<1x8x8x16xf32>
  %p = tensor.pad %c2 low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x8x8x16xf32> to tensor<1x8x10x18xf32>
  // The padded tensor's reader.
  %eo = tensor.empty() : tensor<1x8x10x18xf32>
  %o = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%p : tensor<1x8x10x18xf32>) outs(%eo : tensor<1x8x10x18xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = math.exp %x : f32
    linalg.yield %r : f32
  } -> tensor<1x8x10x18xf32>
  return %o : tensor<1x8x10x18xf32>
}

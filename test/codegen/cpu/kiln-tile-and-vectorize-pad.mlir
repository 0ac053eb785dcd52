// RUN: kiln-opt %s --pass-pipeline='builtin.module(func.func(kiln-tile-and-vectorize))' | FileCheck %s

// A pad whose value comes through a reshape (as a 1x1 convolution's flat
// [F, OH*OW] result does), which no producer can write in place: the fill
// of the padded tensor and the copy of its interior run in the same tasks,
// each task filling the border of its 6 channels and copying their
// interior (rows of 56) right after. Before, the fill and the copy were
// two scf.foralls, each a pass over the whole padded tensor. Only the
// border is filled: the top and bottom rows (58 wide), then the left and
// right columns of the rows between them, no element twice.
// CHECK-LABEL: func @pad_of_reshape
// CHECK-SAME: (%[[X:.*]]: tensor<96x3136xf32>)
// CHECK: %[[V:.*]] = tensor.expand_shape %[[X]]
// CHECK: scf.forall (%[[C:.*]]) = (0) to (96) step (6) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<1x96x58x58xf32>)
// CHECK: %[[TILE:.*]] = tensor.extract_slice %[[OUT]][0, %[[C]], 0, 0] [1, 6, 58, 58]
// CHECK: %[[TOP:.*]] = tensor.extract_slice %[[TILE]][0, 0, 0, 0] [1, 6, 1, 58]
// CHECK: %[[TOPF:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[TOP]])
// CHECK: vector.transfer_write {{.*}} : vector<58xf32>, tensor<1x6x1x58xf32>
// CHECK: %[[T1:.*]] = tensor.insert_slice %[[TOPF]] into %[[TILE]][0, 0, 0, 0] [1, 6, 1, 58]
// CHECK: %[[BOTTOM:.*]] = tensor.extract_slice %[[T1]][0, 0, 57, 0] [1, 6, 1, 58]
// CHECK: vector.transfer_write {{.*}} : vector<58xf32>, tensor<1x6x1x58xf32>
// CHECK: %[[T2:.*]] = tensor.insert_slice %{{.*}} into %[[T1]][0, 0, 57, 0] [1, 6, 1, 58]
// CHECK: tensor.extract_slice %[[T2]][0, 0, 1, 0] [1, 6, 56, 1]
// CHECK: vector.transfer_write {{.*}} : vector<1xf32>, tensor<1x6x56x1xf32>
// CHECK: %[[T3:.*]] = tensor.insert_slice %{{.*}} into %[[T2]][0, 0, 1, 0] [1, 6, 56, 1]
// CHECK: tensor.extract_slice %[[T3]][0, 0, 1, 57] [1, 6, 56, 1]
// CHECK: vector.transfer_write {{.*}} : vector<1xf32>, tensor<1x6x56x1xf32>
// CHECK: %[[FILLED:.*]] = tensor.insert_slice %{{.*}} into %[[T3]][0, 0, 1, 57] [1, 6, 56, 1]
// CHECK-NOT: vector<58xf32>
// CHECK: %[[INNER:.*]] = tensor.extract_slice %[[FILLED]][0, 0, 1, 1] [1, 6, 56, 56]
// CHECK: %[[COPIED:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[INNER]])
// CHECK: vector.transfer_read %[[V]]{{.*}} : tensor<1x96x56x56xf32>, vector<56xf32>
// CHECK: vector.transfer_write {{.*}} : vector<56xf32>
// CHECK: %[[PADDED:.*]] = tensor.insert_slice %[[COPIED]] into %[[FILLED]][0, 0, 1, 1] [1, 6, 56, 56]
// CHECK: tensor.parallel_insert_slice %[[PADDED]] into %[[OUT]][0, %[[C]], 0, 0] [1, 6, 58, 58]
// CHECK-NOT: scf.forall
// CHECK-NOT: tensor.insert_slice
// CHECK: return
func.func @pad_of_reshape(%x: tensor<96x3136xf32>) -> tensor<1x96x58x58xf32> {
  %zero = arith.constant 0.0 : f32
  %v = tensor.expand_shape %x [[0, 1], [2, 3]] output_shape [1, 96, 56, 56] : tensor<96x3136xf32> into tensor<1x96x56x56xf32>
  %p = tensor.pad %v low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x96x56x56xf32> to tensor<1x96x58x58xf32>
  return %p : tensor<1x96x58x58xf32>
}

// Unequal pads (one row above, two below, one column on the right only)
// of a value other than zero: three slabs, the bottom one two rows high,
// and the interior copied into rows 1-56, columns 0-55.
// CHECK-LABEL: func @pad_unequal
// CHECK: scf.forall (%{{.*}}) = (0) to (96) step (6)
// CHECK: %[[TILE:.*]] = tensor.extract_slice %{{.*}}[0, %{{.*}}, 0, 0] [1, 6, 59, 57]
// CHECK: tensor.extract_slice %[[TILE]][0, 0, 0, 0] [1, 6, 1, 57]
// CHECK: vector.transfer_write %[[HALF:.*]], %{{.*}} : vector<57xf32>, tensor<1x6x1x57xf32>
// CHECK: %[[T1:.*]] = tensor.insert_slice %{{.*}} into %[[TILE]][0, 0, 0, 0] [1, 6, 1, 57]
// CHECK: tensor.extract_slice %[[T1]][0, 0, 57, 0] [1, 6, 2, 57]
// CHECK: %[[T2:.*]] = tensor.insert_slice %{{.*}} into %[[T1]][0, 0, 57, 0] [1, 6, 2, 57]
// CHECK: tensor.extract_slice %[[T2]][0, 0, 1, 56] [1, 6, 56, 1]
// CHECK: %[[T3:.*]] = tensor.insert_slice %{{.*}} into %[[T2]][0, 0, 1, 56] [1, 6, 56, 1]
// CHECK-NOT: [0, 0, 1, 0] [1, 6, 56, 1]
// CHECK: tensor.extract_slice %[[T3]][0, 0, 1, 0] [1, 6, 56, 56]
// CHECK: vector.transfer_write {{.*}} : vector<56xf32>
// CHECK: tensor.insert_slice %{{.*}} into %[[T3]][0, 0, 1, 0] [1, 6, 56, 56]
func.func @pad_unequal(%x: tensor<96x3136xf32>) -> tensor<1x96x59x57xf32> {
  %half = arith.constant 0.5 : f32
  %v = tensor.expand_shape %x [[0, 1], [2, 3]] output_shape [1, 96, 56, 56] : tensor<96x3136xf32> into tensor<1x96x56x56xf32>
  %p = tensor.pad %v low[0, 0, 1, 0] high[0, 0, 2, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %half : f32
  } : tensor<1x96x56x56xf32> to tensor<1x96x59x57xf32>
  return %p : tensor<1x96x59x57xf32>
}

// A pad whose value is a reshape of a value computed into a tensor.empty (a
// channel-major convolution's [filter blocks, filters, rows, pixel blocks,
// pixels] result seen as NCHW by the next 3x3 layer): the tasks fill the
// border only, and the interior is inserted after them, not copied in them;
// kiln-bufferize then has the producer write it in place
// (kiln-bufferize-reshaped-pads.mlir, @reshaped_interior_in_place).
// CHECK-LABEL: func @pad_of_reshaped_product
// CHECK: %[[R:.*]] = scf.forall {{.*}} -> (tensor<4x16x64x2x32xf32>)
// CHECK: arith.maximumf
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[R]]
// CHECK: %[[V:.*]] = tensor.expand_shape %[[C]]
// CHECK: %[[BORDER:.*]] = scf.forall {{.*}} -> (tensor<1x64x66x66xf32>)
// CHECK-NOT: vector.transfer_read
// CHECK: tensor.parallel_insert_slice
// CHECK: %[[P:.*]] = tensor.insert_slice %[[V]] into %[[BORDER]][0, 0, 1, 1] [1, 64, 64, 64] [1, 1, 1, 1]
// CHECK: return %[[P]]
func.func @pad_of_reshaped_product(%x: tensor<4x16x64x2x32xf32>) -> tensor<1x64x66x66xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16x64x2x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<4x16x64x2x32xf32>) outs(%e : tensor<4x16x64x2x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x16x64x2x32xf32>
  %c = tensor.collapse_shape %r [[0, 1], [2], [3, 4]] : tensor<4x16x64x2x32xf32> into tensor<64x64x64xf32>
  %v = tensor.expand_shape %c [[0, 1], [2], [3]] output_shape [1, 64, 64, 64] : tensor<64x64x64xf32> into tensor<1x64x64x64xf32>
  %p = tensor.pad %v low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x64x64x64xf32> to tensor<1x64x66x66xf32>
  return %p : tensor<1x64x66x66xf32>
}

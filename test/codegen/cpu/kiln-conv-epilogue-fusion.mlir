// RUN: kiln-opt %s --pass-pipeline='builtin.module(func.func(kiln-conv-to-matmul,kiln-pack-matmul-weights,kiln-tile-and-vectorize))' | FileCheck %s

// A 1x1 convolution (the flat form, OH*OW = 3136 a multiple of the
// micro-kernel width) with its bias and a residual Add + ReLU, as ResNet's
// bottleneck blocks end: the bias broadcast, the matmul and the consumer all
// run in the matmul's thread tiles (one scf.forall), the consumer writing
// the result itself. Before, the consumer wrote a slice of its init's empty
// tensor, defined after the matmul, and stayed a pass over the output of its
// own (and so did MobileNetV2's expand convolutions' Clip).
// CHECK-LABEL: func @residual_relu
// CHECK: scf.forall ({{.*}}) = (0, 0) to (256, 3136)
// CHECK-NOT: scf.forall
// CHECK: vector.broadcast
// CHECK-NOT: scf.forall
// CHECK: vector.contract
// CHECK-NOT: scf.forall
// CHECK: %[[SUM:.*]] = arith.addf
// CHECK-NOT: scf.forall
// CHECK: arith.maximumf %[[SUM]]
// CHECK: scf.forall.in_parallel
// CHECK-NOT: scf.forall
// CHECK: return
#filter = affine_map<(n, f, h, w) -> (f)>
#id4 = affine_map<(n, f, h, w) -> (n, f, h, w)>
func.func @residual_relu(%x: tensor<1x64x56x56xf32>, %b: tensor<256xf32>, %res: tensor<1x256x56x56xf32>) -> tensor<1x256x56x56xf32> {
  %w = arith.constant dense<1.0> : tensor<256x64x1x1xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x256x56x56xf32>
  %init = linalg.generic {indexing_maps = [#filter, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<256xf32>) outs(%e : tensor<1x256x56x56xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x256x56x56xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x64x56x56xf32>, tensor<256x64x1x1xf32>) outs(%init : tensor<1x256x56x56xf32>) -> tensor<1x256x56x56xf32>
  %r = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c, %res : tensor<1x256x56x56xf32>, tensor<1x256x56x56xf32>) outs(%e : tensor<1x256x56x56xf32>) {
  ^bb0(%in: f32, %r0: f32, %out: f32):
    %s = arith.addf %in, %r0 : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x256x56x56xf32>
  return %r : tensor<1x256x56x56xf32>
}

// The same block with the shortcut computed here and dead after the sum
// (kiln-conv-to-matmul accumulates onto it): one scf.forall in which each
// register tile starts from the shortcut's tile plus the bias, accumulates
// the product in registers and applies the ReLU before its one store, into
// the shortcut's own buffer. The ReLU, which reads the product through its
// init, is not a pass of its own.
// CHECK-LABEL: func @residual_absorbed
// CHECK: math.exp
// CHECK: %[[SHORTCUT:.*]] = tensor.collapse_shape {{.*}} into tensor<256x3136xf32>
// CHECK: scf.forall ({{.*}}) = (0, 0) to (256, 3136) {{.*}} shared_outs(%[[OUT:.*]] = %[[SHORTCUT]])
// CHECK-NOT: scf.forall
// CHECK: tensor.extract_slice %[[OUT]]
// CHECK: %[[OLD:.*]] = vector.transfer_read {{.*}} : tensor<64x224xf32>, vector<8x32xf32>
// CHECK: arith.addf %[[OLD]]
// CHECK: scf.for
// CHECK: vector.contract
// CHECK: %[[SUM:.*]] = vector.transfer_read
// CHECK: arith.maximumf %[[SUM]]
// CHECK: vector.transfer_write
// CHECK: scf.forall.in_parallel
// CHECK-NOT: scf.forall
// CHECK: return
func.func @residual_absorbed(%x: tensor<1x64x56x56xf32>, %b: tensor<256xf32>, %y: tensor<1x256x56x56xf32>) -> tensor<1x256x56x56xf32> {
  %w = arith.constant dense<1.0> : tensor<256x64x1x1xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x256x56x56xf32>
  %res = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : tensor<1x256x56x56xf32>) outs(%e : tensor<1x256x56x56xf32>) {
  ^bb0(%in: f32, %out: f32):
    %x2 = math.exp %in : f32
    linalg.yield %x2 : f32
  } -> tensor<1x256x56x56xf32>
  %init = linalg.generic {indexing_maps = [#filter, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<256xf32>) outs(%e : tensor<1x256x56x56xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x256x56x56xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x64x56x56xf32>, tensor<256x64x1x1xf32>) outs(%init : tensor<1x256x56x56xf32>) -> tensor<1x256x56x56xf32>
  %r = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c, %res : tensor<1x256x56x56xf32>, tensor<1x256x56x56xf32>) outs(%e : tensor<1x256x56x56xf32>) {
  ^bb0(%in: f32, %r0: f32, %out: f32):
    %s = arith.addf %in, %r0 : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x256x56x56xf32>
  return %r : tensor<1x256x56x56xf32>
}

// A channel-major convolution (OW = 32) reading its taps in place, with its
// bias and a ReLU: kiln-conv-to-matmul starts the accumulator from the bias
// and applies the ReLU over the product's own layout, so all three run in
// the product's tasks (one scf.forall over output rows), and in its register
// tiles: each 8 x 32 tile is written with the bias, accumulates every input
// channel and tap, and gets its ReLU right after its K loops, then goes into
// the result once (after vectorization and hoisting, the bias is the
// accumulators' first value and the ReLU reads them from registers).
// Before, the bias broadcast and the ReLU were passes over the output of
// their own, and then over each task's tile.
// CHECK-LABEL: func @channel_major_relu
// CHECK: %[[BIAS:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [4, 8] : tensor<32xf32> into tensor<4x8xf32>
// CHECK: scf.forall ({{.*}}) = (0, 0) to (32, 4) {{.*}} shared_outs(%{{.*}}, %[[OUT:.*]] = %{{.*}}) -> (tensor<4x8x32x1x32xf32>, tensor<4x8x32x1x32xf32>)
// CHECK-NOT: scf.forall
// CHECK: %[[TILE:.*]] = tensor.extract_slice %[[OUT]]
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[TILE]])
// CHECK: %[[RTILE:.*]] = tensor.extract_slice %{{.*}} [1, 8, 1, 1, 32] [1, 1, 1, 1, 1] : tensor<4x8x8x1x32xf32> to tensor<1x8x1x1x32xf32>
// CHECK: vector.transfer_read %[[BIAS]]{{.*}} : tensor<4x8xf32>, vector<8xf32>
// CHECK: %[[START:.*]] = vector.transfer_write %{{.*}}, %[[RTILE]]
// CHECK: %[[K:.*]] = scf.for %{{.*}} = %c0 to %c16 step %c1 iter_args(%{{.*}} = %[[START]])
// CHECK-NOT: scf.forall
// CHECK: vector.outerproduct {{.*}} : vector<8xf32>, vector<32xf32>
// CHECK-NOT: scf.forall
// CHECK: %[[ACC:.*]] = vector.transfer_read %[[K]]
// CHECK-NEXT: %[[RELU:.*]] = arith.maximumf %[[ACC]], %{{.*}} : vector<8x1x1x32xf32>
// CHECK-NEXT: %[[DONE:.*]] = vector.transfer_write %[[RELU]], %[[K]]
// CHECK-NEXT: tensor.insert_slice %[[DONE]]
// CHECK: scf.forall.in_parallel
// CHECK-NOT: scf.forall
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @channel_major_relu(%x: tensor<1x16x34x34xf32>, %b: tensor<32xf32>) -> tensor<1x32x32x32xf32> {
  %w = arith.constant dense<0.5> : tensor<32x16x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x32x32x32xf32>
  %init = linalg.generic {indexing_maps = [#filter, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<32xf32>) outs(%e : tensor<1x32x32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x32x32x32xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x34x34xf32>, tensor<32x16x3x3xf32>) outs(%init : tensor<1x32x32x32xf32>) -> tensor<1x32x32x32xf32>
  %r = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c : tensor<1x32x32x32xf32>) outs(%e : tensor<1x32x32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x32x32x32xf32>
  return %r : tensor<1x32x32x32xf32>
}

// A pixel-major convolution (OW = 14) with its bias and a ReLU: the
// product's zero start, the product and the epilogue that adds the bias,
// applies the ReLU and writes the result transposed all run in the
// product's tasks (one scf.forall over output rows): each task writes out
// the product tile it just computed, while it is in cache. Before, the
// start and the epilogue were parallel regions of their own. The
// epilogue's register tiles take 16 filters by both 7-pixel pieces of a
// row (14 contiguous pixels), read as 14 rows of the product. The bias and
// the ReLU run on those rows, 16 filters a vector, before the one transpose
// that writes the tile as 16 rows of 14 pixels (on the transposed tile they
// would run on rows of 7).
// CHECK-LABEL: func @pixel_major_relu
// CHECK: scf.forall ({{.*}}) = (0, 0) to (1, 14) {{.*}} -> (tensor<14x2x7x1x32xf32>, tensor<1x32x14x2x7xf32>)
// CHECK-NOT: scf.forall
// CHECK: vector.transfer_write %{{.*}} : vector<32xf32>, tensor<2x2x7x1x32xf32>
// CHECK-NOT: scf.forall
// CHECK: vector.outerproduct {{.*}} : vector<7xf32>, vector<32xf32>
// CHECK-NOT: scf.forall
// CHECK: vector.transfer_read {{.*}} : tensor<{{.*}}>, vector<2x7x1x16xf32>
// CHECK-NOT: vector.transpose
// CHECK: arith.addf {{.*}} : vector<2x7x1x16xf32>
// CHECK-NOT: vector.transpose
// CHECK: %[[RELU:.*]] = arith.maximumf {{.*}} : vector<2x7x1x16xf32>
// CHECK: %[[BCAST:.*]] = vector.broadcast %[[RELU]] : vector<2x7x1x16xf32> to vector<1x2x7x1x16xf32>
// CHECK: vector.transpose %[[BCAST]], [3, 4, 0, 1, 2] : vector<1x2x7x1x16xf32> to vector<1x16x1x2x7xf32>
// CHECK-NOT: arith.
// CHECK: vector.transfer_write {{.*}} : vector<16x1x2x7xf32>
// CHECK: scf.forall.in_parallel
// CHECK-NOT: scf.forall
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @pixel_major_relu(%x: tensor<1x16x16x16xf32>, %b: tensor<32xf32>) -> tensor<1x32x14x14xf32> {
  %w = arith.constant dense<0.5> : tensor<32x16x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x32x14x14xf32>
  %init = linalg.generic {indexing_maps = [#filter, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<32xf32>) outs(%e : tensor<1x32x14x14xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x32x14x14xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x16x16xf32>, tensor<32x16x3x3xf32>) outs(%init : tensor<1x32x14x14xf32>) -> tensor<1x32x14x14xf32>
  %r = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c : tensor<1x32x14x14xf32>) outs(%e : tensor<1x32x14x14xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x32x14x14xf32>
  return %r : tensor<1x32x14x14xf32>
}

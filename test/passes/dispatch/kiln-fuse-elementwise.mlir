// RUN: kiln-opt %s -split-input-file -kiln-fuse-elementwise | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>

// relu feeding a broadcasting add: the add computes relu in its own body and
// the relu generic disappears.
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @relu_into_add
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ID]]]{{.*}} ins(%[[X]], %[[B]] : tensor<4x8xf32>, tensor<8xf32>)
// CHECK: ^bb0(%[[XV:.*]]: f32, %[[BV:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[M:.*]] = arith.maximumf %[[XV]], %[[ZERO]] : f32
// CHECK: %[[S:.*]] = arith.addf %[[M]], %[[BV]] : f32
// CHECK: linalg.yield %[[S]]
// CHECK-NOT: linalg.generic
// CHECK: return %[[R]]
func.func @relu_into_add(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<4x8xf32>
  %relu = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e0 : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  %e1 = tensor.empty() : tensor<4x8xf32>
  %add = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%relu, %b : tensor<4x8xf32>, tensor<8xf32>) outs(%e1 : tensor<4x8xf32>) {
  ^bb0(%in: f32, %in1: f32, %out: f32):
    %s = arith.addf %in, %in1 : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  return %add : tensor<4x8xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// The matmul stays a named linalg.matmul (the CPU strategy keys on it); the
// relu after it stays its own generic reading the matmul's result.
// CHECK-LABEL: func @matmul_then_relu
// CHECK: %[[MM:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8x16xf32>)
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[MM]] : tensor<4x16xf32>)
// CHECK: arith.maximumf
// CHECK: return %[[R]]
func.func @matmul_then_relu(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
  %e1 = tensor.empty() : tensor<4x16xf32>
  %relu = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%mm : tensor<4x16xf32>) outs(%e1 : tensor<4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x16xf32>
  return %relu : tensor<4x16xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// An elementwise producer of a matmul operand is not fused into it: that
// would turn the matmul into a generic.
// CHECK-LABEL: func @relu_then_matmul
// CHECK: %[[RELU:.*]] = linalg.generic
// CHECK: arith.maximumf
// CHECK: linalg.matmul ins(%[[RELU]], %{{.*}} : tensor<4x8xf32>, tensor<8x16xf32>)
func.func @relu_then_matmul(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<4x8xf32>
  %relu = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<4x8xf32>) outs(%e0 : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  %e = tensor.empty() : tensor<4x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %mm = linalg.matmul ins(%relu, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %mm : tensor<4x16xf32>
}

// -----

#map = affine_map<(d0) -> (d0)>

// A producer with two uses would be computed twice: not fused.
// CHECK-LABEL: func @producer_two_uses
// CHECK: %[[RELU:.*]] = linalg.generic
// CHECK: arith.maximumf
// CHECK: %[[T:.*]] = linalg.generic {{.*}} ins(%[[RELU]] : tensor<4xf32>)
// CHECK: math.tanh
// CHECK: return %[[T]], %[[RELU]]
func.func @producer_two_uses(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<4xf32>
  %relu = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%e0 : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  %e1 = tensor.empty() : tensor<4xf32>
  %t = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%relu : tensor<4xf32>) outs(%e1 : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = math.tanh %in : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  return %t, %relu : tensor<4xf32>, tensor<4xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#rows = affine_map<(d0, d1) -> (d0)>

// exp feeding a row sum: the elementwise producer fuses into the reduction.
// CHECK-LABEL: func @exp_into_reduction
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>)
// CHECK: %[[R:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]{{.*}} ins(%[[X]] : tensor<2x8xf32>)
// CHECK: math.exp
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
// CHECK: return %[[R]]
func.func @exp_into_reduction(%x: tensor<2x8xf32>) -> tensor<2xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<2x8xf32>
  %exp = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<2x8xf32>) outs(%e0 : tensor<2x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = math.exp %in : f32
    linalg.yield %m : f32
  } -> tensor<2x8xf32>
  %e1 = tensor.empty() : tensor<2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2xf32>) -> tensor<2xf32>
  %sum = linalg.generic {indexing_maps = [#id, #rows], iterator_types = ["parallel", "reduction"]}
      ins(%exp : tensor<2x8xf32>) outs(%f : tensor<2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<2xf32>
  return %sum : tensor<2xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#rows = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d0, 0)>

// A reduction is not an elementwise producer: the division reading the row
// sums stays a separate generic.
// CHECK-LABEL: func @reduction_not_fused
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: %[[SUM2:.*]] = tensor.expand_shape %[[SUM]]
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[SUM2]] : tensor<2x8xf32>, tensor<2x1xf32>)
// CHECK: arith.divf
func.func @reduction_not_fused(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2xf32>) -> tensor<2xf32>
  %sum = linalg.generic {indexing_maps = [#id, #rows], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<2x8xf32>) outs(%f : tensor<2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<2xf32>
  %sum2 = tensor.expand_shape %sum [[0, 1]] output_shape [2, 1] : tensor<2xf32> into tensor<2x1xf32>
  %e2 = tensor.empty() : tensor<2x8xf32>
  %div = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %sum2 : tensor<2x8xf32>, tensor<2x1xf32>) outs(%e2 : tensor<2x8xf32>) {
  ^bb0(%in: f32, %in1: f32, %out: f32):
    %d = arith.divf %in, %in1 : f32
    linalg.yield %d : f32
  } -> tensor<2x8xf32>
  return %div : tensor<2x8xf32>
}

// -----

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#chan = affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>

// conv + bias + relu: the convolution stays named; bias add and relu fuse
// into one epilogue generic.
// CHECK-LABEL: func @conv_epilogue
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[C]], %{{.*}} : tensor<1x4x6x6xf32>, tensor<4x1x1xf32>)
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK-NOT: linalg.generic
// CHECK: return %[[R]]
func.func @conv_epilogue(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4x1x1xf32>) -> tensor<1x4x6x6xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x6x6xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) outs(%f : tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %e1 = tensor.empty() : tensor<1x4x6x6xf32>
  %add = linalg.generic {indexing_maps = [#id, #chan, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c, %b : tensor<1x4x6x6xf32>, tensor<4x1x1xf32>) outs(%e1 : tensor<1x4x6x6xf32>) {
  ^bb0(%in: f32, %in1: f32, %out: f32):
    %s = arith.addf %in, %in1 : f32
    linalg.yield %s : f32
  } -> tensor<1x4x6x6xf32>
  %e2 = tensor.empty() : tensor<1x4x6x6xf32>
  %relu = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%add : tensor<1x4x6x6xf32>) outs(%e2 : tensor<1x4x6x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x4x6x6xf32>
  return %relu : tensor<1x4x6x6xf32>
}

// -----

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>

// A squeeze-and-excitation's scale: the sigmoid of 8 channel scales, which
// a multiply of an 8 x 7 x 7 tensor broadcasts. Fused, the multiply would
// compute 49 exponentials a channel; the sigmoid stays its own generic (8
// exponentials). The cheap negation before it is fused into it, and the
// multiply into the SiLU after it, which reads it at its own size.
// CHECK-LABEL: func @costly_producer_of_a_broadcast
// CHECK: %[[SIG:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<1x8xf32>)
// CHECK: arith.negf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: linalg.yield
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[SIG]] : tensor<1x8x7x7xf32>, tensor<1x8xf32>)
// CHECK: arith.mulf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
func.func @costly_producer_of_a_broadcast(%x: tensor<1x8x7x7xf32>, %s: tensor<1x8xf32>) -> tensor<1x8x7x7xf32> {
  %one = arith.constant 1.0 : f32
  %e0 = tensor.empty() : tensor<1x8xf32>
  %neg = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<1x8xf32>) outs(%e0 : tensor<1x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<1x8xf32>
  %e1 = tensor.empty() : tensor<1x8xf32>
  %sig = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%neg : tensor<1x8xf32>) outs(%e1 : tensor<1x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %x0 = math.exp %in : f32
    %d = arith.addf %x0, %one : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<1x8xf32>
  %e2 = tensor.empty() : tensor<1x8x7x7xf32>
  %scaled = linalg.generic {indexing_maps = [#id4, affine_map<(d0, d1, d2, d3) -> (d0, d1)>, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %sig : tensor<1x8x7x7xf32>, tensor<1x8xf32>) outs(%e2 : tensor<1x8x7x7xf32>) {
  ^bb0(%in: f32, %in1: f32, %out: f32):
    %m = arith.mulf %in, %in1 : f32
    linalg.yield %m : f32
  } -> tensor<1x8x7x7xf32>
  %e3 = tensor.empty() : tensor<1x8x7x7xf32>
  %silu = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%scaled : tensor<1x8x7x7xf32>) outs(%e3 : tensor<1x8x7x7xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    %x0 = math.exp %n : f32
    %d = arith.addf %x0, %one : f32
    %r = arith.divf %one, %d : f32
    %m = arith.mulf %in, %r : f32
    linalg.yield %m : f32
  } -> tensor<1x8x7x7xf32>
  return %silu : tensor<1x8x7x7xf32>
}

// -----

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// A 1-D convolution runs as a 2-D one of one row whose result is collapsed
// back to [N, F, W]. The ReLU after it takes the collapse into itself: it
// works on the 4-D result (where the convolution's epilogue can compute
// it) and its own result is collapsed instead. A collapse of anything but
// a convolution stays where it is.
// CHECK-LABEL: func @conv_1d_epilogue
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[C]] : tensor<1x4x1x6xf32>)
// CHECK: arith.maximumf
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[R]] {{\[}}[0], [1], [2, 3]] : tensor<1x4x1x6xf32> into tensor<1x4x6xf32>
// CHECK: return %[[FLAT]]
func.func @conv_1d_epilogue(%x: tensor<1x3x1x8xf32>, %w: tensor<4x3x1x3xf32>) -> tensor<1x4x6xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x1x6xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x1x6xf32>) -> tensor<1x4x1x6xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x3x1x8xf32>, tensor<4x3x1x3xf32>) outs(%f : tensor<1x4x1x6xf32>) -> tensor<1x4x1x6xf32>
  %flat = tensor.collapse_shape %c [[0], [1], [2, 3]] : tensor<1x4x1x6xf32> into tensor<1x4x6xf32>
  %e1 = tensor.empty() : tensor<1x4x6xf32>
  %relu = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%flat : tensor<1x4x6xf32>) outs(%e1 : tensor<1x4x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x4x6xf32>
  return %relu : tensor<1x4x6xf32>
}

// CHECK-LABEL: func @collapse_of_other_op
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %arg0
// CHECK: linalg.generic {{.*}} ins(%[[FLAT]] : tensor<1x4x6xf32>)
func.func @collapse_of_other_op(%x: tensor<1x4x1x6xf32>) -> tensor<1x4x6xf32> {
  %zero = arith.constant 0.0 : f32
  %flat = tensor.collapse_shape %x [[0], [1], [2, 3]] : tensor<1x4x1x6xf32> into tensor<1x4x6xf32>
  %e1 = tensor.empty() : tensor<1x4x6xf32>
  %relu = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%flat : tensor<1x4x6xf32>) outs(%e1 : tensor<1x4x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x4x6xf32>
  return %relu : tensor<1x4x6xf32>
}

// -----

#gin = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 + d6, d4 + d7)>
#gw = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
#gout = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#gout5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>

// A grouped convolution (one generic over the groups) reads its padded
// input split into groups and its result is collapsed back. The split
// moves before the padding (which then pads the split input: a padding the
// GPU kernel reads in place), and the ReLU takes the result's collapse
// into itself, as for a named convolution. An expansion of a padding read
// by anything else stays where it is.
// CHECK-LABEL: func @grouped_conv_reshapes
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x6x6xf32>
// CHECK: %[[XG:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 6, 6]
// CHECK: %[[PAD:.*]] = tensor.pad %[[XG]] low[0, 0, 0, 1, 1] high[0, 0, 0, 1, 1]
// CHECK: %[[G:.*]] = linalg.generic {{.*}} ins(%[[PAD]], %{{.*}} : tensor<1x2x2x8x8xf32>, tensor<2x2x2x3x3xf32>)
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[G]] : tensor<1x2x2x6x6xf32>)
// CHECK: arith.maximumf
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[R]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x2x6x6xf32> into tensor<1x4x6x6xf32>
// CHECK: return %[[FLAT]]
func.func @grouped_conv_reshapes(%x: tensor<1x4x6x6xf32>, %w: tensor<2x2x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
  %zero = arith.constant 0.0 : f32
  %padded = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x4x6x6xf32> to tensor<1x4x8x8xf32>
  %xg = tensor.expand_shape %padded [[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 8, 8] : tensor<1x4x8x8xf32> into tensor<1x2x2x8x8xf32>
  %e = tensor.empty() : tensor<1x2x2x6x6xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x6x6xf32>) -> tensor<1x2x2x6x6xf32>
  %g = linalg.generic {indexing_maps = [#gin, #gw, #gout], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%xg, %w : tensor<1x2x2x8x8xf32>, tensor<2x2x2x3x3xf32>) outs(%f : tensor<1x2x2x6x6xf32>) {
  ^bb0(%in: f32, %k: f32, %acc: f32):
    %p = arith.mulf %in, %k : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2x2x6x6xf32>
  %flat = tensor.collapse_shape %g [[0], [1, 2], [3], [4]] : tensor<1x2x2x6x6xf32> into tensor<1x4x6x6xf32>
  %e1 = tensor.empty() : tensor<1x4x6x6xf32>
  %relu = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%flat : tensor<1x4x6x6xf32>) outs(%e1 : tensor<1x4x6x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x4x6x6xf32>
  return %relu : tensor<1x4x6x6xf32>
}

// An elementwise producer of a grouped convolution's input keeps the split
// after it, and does not fuse into the convolution (which would compute it
// again for every filter and tap).
// CHECK-LABEL: func @grouped_conv_elementwise_input
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<1x4x8x8xf32>)
// CHECK: arith.maximumf
// CHECK: %[[XG:.*]] = tensor.expand_shape %[[R]]
// CHECK: linalg.generic {{.*}} ins(%[[XG]], %{{.*}} : tensor<1x2x2x8x8xf32>, tensor<2x3x2x3x3xf32>)
// CHECK-NOT: arith.maximumf
// CHECK: return
func.func @grouped_conv_elementwise_input(%x: tensor<1x4x8x8xf32>, %w: tensor<2x3x2x3x3xf32>, %acc: tensor<1x2x3x6x6xf32>) -> tensor<1x2x3x6x6xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x8x8xf32>
  %relu = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x4x8x8xf32>) outs(%e : tensor<1x4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x4x8x8xf32>
  %xg = tensor.expand_shape %relu [[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 8, 8] : tensor<1x4x8x8xf32> into tensor<1x2x2x8x8xf32>
  %g = linalg.generic {indexing_maps = [#gin, #gw, #gout], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%xg, %w : tensor<1x2x2x8x8xf32>, tensor<2x3x2x3x3xf32>) outs(%acc : tensor<1x2x3x6x6xf32>) {
  ^bb0(%a: f32, %k: f32, %s: f32):
    %p = arith.mulf %a, %k : f32
    %t = arith.addf %s, %p : f32
    linalg.yield %t : f32
  } -> tensor<1x2x3x6x6xf32>
  return %g : tensor<1x2x3x6x6xf32>
}

// CHECK-LABEL: func @split_padding_of_other_op
// CHECK: %[[PAD:.*]] = tensor.pad %arg0
// CHECK: tensor.expand_shape %[[PAD]]
func.func @split_padding_of_other_op(%x: tensor<1x4x6x6xf32>) -> tensor<1x2x2x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %padded = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x4x6x6xf32> to tensor<1x4x8x8xf32>
  %xg = tensor.expand_shape %padded [[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 8, 8] : tensor<1x4x8x8xf32> into tensor<1x2x2x8x8xf32>
  %e = tensor.empty() : tensor<1x2x2x8x8xf32>
  %neg = linalg.generic {indexing_maps = [#gout5, #gout5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%xg : tensor<1x2x2x8x8xf32>) outs(%e : tensor<1x2x2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<1x2x2x8x8xf32>
  return %neg : tensor<1x2x2x8x8xf32>
}

// -----

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row2 = affine_map<(d0, d1) -> (d1)>
#id3e = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// BERT's MatMul, bias Add and GELU: the matmul works on [S, N], its bias
// addition too, and the result is expanded back to [1, S, N] before the
// GELU (here its tanh). The GELU takes the expansion into itself (its
// loops collapsed to the matmul's two), so it fuses with the bias
// addition: one generic reads the matmul's result as it is, which the
// matmul's epilogue can compute, and only its result is expanded.
// CHECK-LABEL: func @matmul_bias_then_expanded_gelu
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK: %[[G:.*]] = linalg.generic {{.*}} ins(%[[MM]], %{{.*}} : tensor<4x16xf32>, tensor<16xf32>) outs(%{{.*}} : tensor<4x16xf32>)
// CHECK: arith.addf
// CHECK: math.tanh
// CHECK-NOT: linalg.generic
// CHECK: %[[OUT:.*]] = tensor.expand_shape %[[G]] {{\[}}[0, 1], [2]] output_shape [1, 4, 16] : tensor<4x16xf32> into tensor<1x4x16xf32>
// CHECK: return %[[OUT]]
func.func @matmul_bias_then_expanded_gelu(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %bias: tensor<16xf32>) -> tensor<1x4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
  %e1 = tensor.empty() : tensor<4x16xf32>
  %biased = linalg.generic {indexing_maps = [#id2, #row2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%mm, %bias : tensor<4x16xf32>, tensor<16xf32>) outs(%e1 : tensor<4x16xf32>) {
  ^bb0(%in: f32, %b0: f32, %out: f32):
    %s = arith.addf %in, %b0 : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  %x3 = tensor.expand_shape %biased [[0, 1], [2]] output_shape [1, 4, 16] : tensor<4x16xf32> into tensor<1x4x16xf32>
  %e2 = tensor.empty() : tensor<1x4x16xf32>
  %gelu = linalg.generic {indexing_maps = [#id3e, #id3e], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x3 : tensor<1x4x16xf32>) outs(%e2 : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = math.tanh %in : f32
    linalg.yield %t : f32
  } -> tensor<1x4x16xf32>
  return %gelu : tensor<1x4x16xf32>
}

// -----

#id3r = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// GPT-2's projection and residual: the addition reads the matmul's result
// through the expansion to [1, S, N]; it is collapsed onto the matmul's
// shape (the residual collapsed alike). An expansion of anything but a
// matmul (or of an elementwise op reading one) stays where it is.
// CHECK-LABEL: func @matmul_then_expanded_residual
// CHECK-SAME: (%{{.*}}: tensor<4x8xf32>, %{{.*}}: tensor<8x16xf32>, %[[RES:.*]]: tensor<1x4x16xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK: %[[RES2:.*]] = tensor.collapse_shape %[[RES]] {{\[}}[0, 1], [2]] : tensor<1x4x16xf32> into tensor<4x16xf32>
// CHECK: %[[ADD:.*]] = linalg.generic {{.*}} ins(%[[MM]], %[[RES2]] : tensor<4x16xf32>, tensor<4x16xf32>)
// CHECK: tensor.expand_shape %[[ADD]]
// CHECK-LABEL: func @expanded_argument
// CHECK: %[[X3:.*]] = tensor.expand_shape %arg0
// CHECK: linalg.generic {{.*}} ins(%[[X3]] : tensor<1x4x16xf32>)
func.func @matmul_then_expanded_residual(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %res: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
  %x3 = tensor.expand_shape %mm [[0, 1], [2]] output_shape [1, 4, 16] : tensor<4x16xf32> into tensor<1x4x16xf32>
  %e2 = tensor.empty() : tensor<1x4x16xf32>
  %sum = linalg.generic {indexing_maps = [#id3r, #id3r, #id3r], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x3, %res : tensor<1x4x16xf32>, tensor<1x4x16xf32>) outs(%e2 : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %r: f32, %out: f32):
    %s = arith.addf %in, %r : f32
    linalg.yield %s : f32
  } -> tensor<1x4x16xf32>
  return %sum : tensor<1x4x16xf32>
}

func.func @expanded_argument(%x: tensor<4x16xf32>) -> tensor<1x4x16xf32> {
  %x3 = tensor.expand_shape %x [[0, 1], [2]] output_shape [1, 4, 16] : tensor<4x16xf32> into tensor<1x4x16xf32>
  %e2 = tensor.empty() : tensor<1x4x16xf32>
  %t = linalg.generic {indexing_maps = [#id3r, #id3r], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x3 : tensor<1x4x16xf32>) outs(%e2 : tensor<1x4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = math.tanh %in : f32
    linalg.yield %v : f32
  } -> tensor<1x4x16xf32>
  return %t : tensor<1x4x16xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// A GRU step: the sigmoid of the gate pre-activations [1, 256] is split
// into the update gate z (columns 0-127) and the reset gate r (128-255),
// both read by the candidate's generic. The sigmoid is computed slice by
// slice (each slice of its inputs), and both slices fuse into that
// generic: one op for the step's gate arithmetic, which reads the step's
// input and recurrent sums at both column ranges. No sigmoid is computed
// twice.
// CHECK-LABEL: func @gates_split_by_slices
// CHECK-SAME: (%[[X:.*]]: tensor<1x256xf32>, %[[H:.*]]: tensor<1x256xf32>, %[[C:.*]]: tensor<1x128xf32>)
// CHECK-DAG: %[[XZ:.*]] = tensor.extract_slice %[[X]][0, 0] [1, 128] [1, 1]
// CHECK-DAG: %[[HZ:.*]] = tensor.extract_slice %[[H]][0, 0] [1, 128] [1, 1]
// CHECK-DAG: %[[XR:.*]] = tensor.extract_slice %[[X]][0, 128] [1, 128] [1, 1]
// CHECK-DAG: %[[HR:.*]] = tensor.extract_slice %[[H]][0, 128] [1, 128] [1, 1]
// CHECK: %[[G:.*]] = linalg.generic {{.*}} ins(%[[XZ]], %[[HZ]], %[[XR]], %[[HR]], %[[C]] :
// CHECK-COUNT-2: math.exp
// CHECK-NOT: math.exp
// CHECK: linalg.yield
// CHECK-NOT: linalg.generic
// CHECK: return %[[G]]
func.func @gates_split_by_slices(%x: tensor<1x256xf32>, %h: tensor<1x256xf32>,
                                 %c: tensor<1x128xf32>) -> tensor<1x128xf32> {
  %one = arith.constant 1.0 : f32
  %e0 = tensor.empty() : tensor<1x256xf32>
  %gates = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %h : tensor<1x256xf32>, tensor<1x256xf32>) outs(%e0 : tensor<1x256xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.addf %a, %b : f32
    %n = arith.negf %s : f32
    %e = math.exp %n : f32
    %d = arith.addf %e, %one : f32
    %g = arith.divf %one, %d : f32
    linalg.yield %g : f32
  } -> tensor<1x256xf32>
  %z = tensor.extract_slice %gates[0, 0] [1, 128] [1, 1] : tensor<1x256xf32> to tensor<1x128xf32>
  %r = tensor.extract_slice %gates[0, 128] [1, 128] [1, 1] : tensor<1x256xf32> to tensor<1x128xf32>
  %e1 = tensor.empty() : tensor<1x128xf32>
  %next = linalg.generic {indexing_maps = [#id, #id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%z, %r, %c : tensor<1x128xf32>, tensor<1x128xf32>, tensor<1x128xf32>) outs(%e1 : tensor<1x128xf32>) {
  ^bb0(%zv: f32, %rv: f32, %cv: f32, %out: f32):
    %t = arith.mulf %rv, %cv : f32
    %u = math.tanh %t : f32
    %w = arith.mulf %zv, %u : f32
    linalg.yield %w : f32
  } -> tensor<1x128xf32>
  return %next : tensor<1x128xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// Slices that overlap (together more points than the op), a use that is
// not a slice, or a slice that a matmul reads keep the elementwise op
// whole: computing it per slice would compute some points twice, still
// need the whole result, or make several ops of one.
// CHECK-LABEL: func @slices_not_taken
// CHECK: %[[S1:.*]] = linalg.generic
// CHECK: tensor.extract_slice %[[S1]][0, 0] [1, 192]
// CHECK: tensor.extract_slice %[[S1]][0, 64] [1, 192]
// CHECK: %[[S2:.*]] = linalg.generic
// CHECK: tensor.extract_slice %[[S2]][0, 0] [1, 128]
// CHECK: %[[S3:.*]] = linalg.generic
// CHECK: %[[Q:.*]] = tensor.extract_slice %[[S3]][0, 0] [1, 128]
// CHECK: %[[K:.*]] = tensor.extract_slice %[[S3]][0, 128] [1, 128]
// CHECK: linalg.matmul ins(%[[Q]], %{{.*}} :
// CHECK: linalg.matmul ins(%[[K]], %{{.*}} :
// CHECK: return {{.*}}, %[[S2]]
func.func @slices_not_taken(%x: tensor<1x256xf32>, %w: tensor<128x64xf32>)
    -> (tensor<1x192xf32>, tensor<1x192xf32>, tensor<1x128xf32>, tensor<1x256xf32>,
        tensor<1x64xf32>, tensor<1x64xf32>) {
  %e0 = tensor.empty() : tensor<1x256xf32>
  %neg = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<1x256xf32>) outs(%e0 : tensor<1x256xf32>) {
  ^bb0(%a: f32, %out: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<1x256xf32>
  %p = tensor.extract_slice %neg[0, 0] [1, 192] [1, 1] : tensor<1x256xf32> to tensor<1x192xf32>
  %q = tensor.extract_slice %neg[0, 64] [1, 192] [1, 1] : tensor<1x256xf32> to tensor<1x192xf32>
  %abs = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<1x256xf32>) outs(%e0 : tensor<1x256xf32>) {
  ^bb0(%a: f32, %out: f32):
    %m = math.absf %a : f32
    linalg.yield %m : f32
  } -> tensor<1x256xf32>
  %r = tensor.extract_slice %abs[0, 0] [1, 128] [1, 1] : tensor<1x256xf32> to tensor<1x128xf32>
  %twice = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<1x256xf32>) outs(%e0 : tensor<1x256xf32>) {
  ^bb0(%a: f32, %out: f32):
    %t = arith.addf %a, %a : f32
    linalg.yield %t : f32
  } -> tensor<1x256xf32>
  %qs = tensor.extract_slice %twice[0, 0] [1, 128] [1, 1] : tensor<1x256xf32> to tensor<1x128xf32>
  %ks = tensor.extract_slice %twice[0, 128] [1, 128] [1, 1] : tensor<1x256xf32> to tensor<1x128xf32>
  %zero = arith.constant 0.0 : f32
  %e2 = tensor.empty() : tensor<1x64xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x64xf32>) -> tensor<1x64xf32>
  %qw = linalg.matmul ins(%qs, %w : tensor<1x128xf32>, tensor<128x64xf32>) outs(%acc : tensor<1x64xf32>) -> tensor<1x64xf32>
  %kw = linalg.matmul ins(%ks, %w : tensor<1x128xf32>, tensor<128x64xf32>) outs(%acc : tensor<1x64xf32>) -> tensor<1x64xf32>
  return %p, %q, %r, %abs, %qw, %kw : tensor<1x192xf32>, tensor<1x192xf32>, tensor<1x128xf32>, tensor<1x256xf32>,
      tensor<1x64xf32>, tensor<1x64xf32>
}

// RUN: kiln-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(kiln-tile-and-vectorize))' | FileCheck %s

// A matmul with enough work runs in parallel: thread tiles of 64 x 256 (whole
// register tiles), register tiles of 8 rows x 32 columns x unit K, each a
// vector.contract on vectors. The zero fill that starts the accumulator is
// written into each register tile just before its K loop (the accumulators'
// first value once hoisted), not as a pass over the thread tile of its own.
// CHECK-LABEL: func @matmul
// CHECK-SAME: (%[[A:.*]]: tensor<128x16xf32>, %[[B:.*]]: tensor<16x512xf32>)
// CHECK: scf.forall (%[[I:.*]], %[[J:.*]]) = (0, 0) to (128, 512) step (64, 256) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<128x512xf32>)
// CHECK: tensor.extract_slice %{{.*}}[%[[I]], %[[J]]] [64, 256] [1, 1]
// CHECK-NOT: vector.transfer_write
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c8
// CHECK: scf.for %{{.*}} = %c0 to %c256 step %c32
// CHECK: %[[TILE:.*]] = tensor.extract_slice {{.*}} [8, 32] [1, 1] : tensor<64x256xf32> to tensor<8x32xf32>
// CHECK: %[[START:.*]] = vector.transfer_write %{{.*}}, %[[TILE]]{{.*}} : vector<8x32xf32>, tensor<8x32xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c1 iter_args(%[[C:.*]] = %[[START]])
// CHECK: %[[LHS:.*]] = vector.transfer_read %[[A]]{{.*}} : tensor<128x16xf32>, vector<8x1xf32>
// CHECK: vector.transfer_read %[[B]]{{.*}} : tensor<16x512xf32>, vector<32xf32>
// CHECK: %[[ACC:.*]] = vector.transfer_read %[[C]]{{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK: %[[R:.*]] = vector.contract {{.*}} %[[LHS]], %{{.*}}, %[[ACC]] : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK: vector.transfer_write %[[R]], %[[C]]
// CHECK: tensor.insert_slice {{.*}} [8, 32] [1, 1] : tensor<8x32xf32> into tensor<64x256xf32>
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice {{.*}} [64, 256] [1, 1] : tensor<64x256xf32> into tensor<128x512xf32>
// CHECK-NOT: linalg.matmul
// CHECK-NOT: linalg.fill
func.func @matmul(%a: tensor<128x16xf32>, %b: tensor<16x512xf32>) -> tensor<128x512xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<128x512xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<128x512xf32>) -> tensor<128x512xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<128x16xf32>, tensor<16x512xf32>) outs(%f : tensor<128x512xf32>) -> tensor<128x512xf32>
  return %mm : tensor<128x512xf32>
}

// -----

// Too little work for threads: register tiles only. M = 12 takes 6-row tiles
// (the largest divisor <= 8), N = 20 one 20-wide tile: no partial tiles.
// CHECK-LABEL: func @small_matmul
// CHECK-NOT: scf.forall
// CHECK: scf.for %{{.*}} = %c0 to %c12 step %c6
// CHECK: vector.contract {{.*}} : vector<6x1xf32>, vector<1x20xf32> into vector<6x20xf32>
// CHECK-NOT: linalg.matmul
// CHECK-NOT: affine.min
func.func @small_matmul(%a: tensor<12x4xf32>, %b: tensor<4x20xf32>, %c: tensor<12x20xf32>) -> tensor<12x20xf32> {
  %mm = linalg.matmul ins(%a, %b : tensor<12x4xf32>, tensor<4x20xf32>) outs(%c : tensor<12x20xf32>) -> tensor<12x20xf32>
  return %mm : tensor<12x20xf32>
}

// -----

// batch_matmul: threads over the batch, the same 8 x 32 register tile.
// CHECK-LABEL: func @batch_matmul
// CHECK: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) = (0, 0, 0) to (4, 64, 64) step (1, 64, 64)
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c8
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c32
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c1
// CHECK: vector.contract {{.*}} into vector<8x32xf32>
// CHECK-NOT: linalg.batch_matmul
func.func @batch_matmul(%a: tensor<4x64x16xf32>, %b: tensor<4x16x64xf32>, %c: tensor<4x64x64xf32>) -> tensor<4x64x64xf32> {
  %mm = linalg.batch_matmul ins(%a, %b : tensor<4x64x16xf32>, tensor<4x16x64xf32>) outs(%c : tensor<4x64x64xf32>) -> tensor<4x64x64xf32>
  return %mm : tensor<4x64x64xf32>
}

// -----

// conv_2d_nchw_fchw over (n, f, oh, ow, c, kh, kw): threads over output
// channels and rows; register tiles with one output row and one window row
// decompose to 1-D convolutions, which vectorize into contractions of
// ow x c by c x f.
// CHECK-LABEL: func @conv_2d
// CHECK: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) = (0, 0, 0) to (1, 16, 8) step (1, 16, 4)
// CHECK: tensor.extract_slice {{.*}} : tensor<1x16x1x8xf32> to tensor<1x16x8xf32>
// CHECK: vector.transfer_read {{.*}} : tensor<1x8x10x10xf32>, vector<8x10xf32>
// CHECK: vector.transfer_read {{.*}} : tensor<16x8x3x3xf32>, vector<16x8x3xf32>
// CHECK-COUNT-3: vector.contract {{.*}} : vector<8x8xf32>, vector<8x16xf32> into vector<8x16xf32>
// CHECK: vector.transfer_write {{.*}} : vector<16x8xf32>, tensor<1x16x8xf32>
// CHECK-NOT: linalg.conv
func.func @conv_2d(%x: tensor<1x8x10x10xf32>, %w: tensor<16x8x3x3xf32>, %init: tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x8x10x10xf32>, tensor<16x8x3x3xf32>) outs(%init : tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  return %c : tensor<1x16x8x8xf32>
}

// -----

// Pooling over (n, c, oh, ow, kh, kw): decomposed to 1-D and vectorized
// along the channels; the strided window reads every other input column.
// CHECK-LABEL: func @max_pool
// CHECK-NOT: scf.forall
// CHECK: %[[IN:.*]] = vector.transfer_read {{.*}} : tensor<1x16x10x10xf32>, vector<16x9xf32>
// CHECK: arith.maximumf {{.*}} : vector<16xf32>
// CHECK: vector.transfer_write {{.*}} : vector<16x4xf32>, tensor<1x16x4xf32>
// CHECK-NOT: linalg.pooling
func.func @max_pool(%x: tensor<1x16x10x10xf32>, %init: tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32> {
  %w = tensor.empty() : tensor<3x3xf32>
  %p = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x10x10xf32>, tensor<3x3xf32>) outs(%init : tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  return %p : tensor<1x16x4x4xf32>
}

// -----

// A 1-D pooling with enough work runs in parallel like the 2-D ones: tasks
// over the channels (128 / 16 = 8, whole 16-channel register tiles), each
// vectorized along the channels. Before, 1-D convolutions and pools ran on
// the calling thread alone (half of audio_cnn's run at two threads).
// CHECK-LABEL: func @max_pool_1d
// CHECK: scf.forall (%[[C:.*]]) = (0) to (128) step (16)
// CHECK: vector.transfer_read {{.*}} : tensor<1x128x2000xf32>, vector<16x{{[0-9]+}}xf32>
// CHECK: arith.maximumf {{.*}} : vector<16xf32>
// CHECK: tensor.parallel_insert_slice {{.*}}[0, %[[C]], 0] [1, 16, 500] [1, 1, 1]
// CHECK-NOT: linalg.pooling
func.func @max_pool_1d(%x: tensor<1x128x2000xf32>, %init: tensor<1x128x500xf32>) -> tensor<1x128x500xf32> {
  %w = tensor.empty() : tensor<4xf32>
  %p = linalg.pooling_ncw_max {dilations = dense<1> : tensor<1xi64>, strides = dense<4> : tensor<1xi64>}
      ins(%x, %w : tensor<1x128x2000xf32>, tensor<4xf32>) outs(%init : tensor<1x128x500xf32>) -> tensor<1x128x500xf32>
  return %p : tensor<1x128x500xf32>
}

// -----

// With unit strides the window taps are shifted slices of one row vector.
// CHECK-LABEL: func @sum_pool
// CHECK: vector.transfer_read {{.*}} : tensor<1x16x10x10xf32>, vector<16x10xf32>
// CHECK-COUNT-3: arith.addf {{.*}} : vector<8x16xf32>
// CHECK-NOT: linalg.pooling
func.func @sum_pool(%x: tensor<1x16x10x10xf32>, %init: tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32> {
  %w = tensor.empty() : tensor<3x3xf32>
  %p = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x10x10xf32>, tensor<3x3xf32>) outs(%init : tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  return %p : tensor<1x16x8x8xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>

// Elementwise with enough work: 16 tasks over the rows, vectors of 64 along
// the innermost axis; the broadcast operand is read as a vector too.
// CHECK-LABEL: func @elementwise
// CHECK-SAME: (%[[X:.*]]: tensor<64x512xf32>, %[[B:.*]]: tensor<512xf32>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<64xf32>
// CHECK: scf.forall (%{{.*}}) = (0) to (64) step (4)
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c64
// CHECK: %[[XV:.*]] = vector.transfer_read %[[X]]{{.*}} : tensor<64x512xf32>, vector<64xf32>
// CHECK: %[[BV:.*]] = vector.transfer_read %[[B]]{{.*}} : tensor<512xf32>, vector<64xf32>
// CHECK: %[[S:.*]] = arith.addf %[[XV]], %[[BV]] : vector<64xf32>
// CHECK: %[[M:.*]] = arith.maximumf %[[S]], %[[ZERO]] : vector<64xf32>
// CHECK: vector.transfer_write %[[M]]
// CHECK-NOT: linalg.generic
func.func @elementwise(%x: tensor<64x512xf32>, %b: tensor<512xf32>) -> tensor<64x512xf32> {
  %e = tensor.empty() : tensor<64x512xf32>
  %r = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<64x512xf32>, tensor<512xf32>) outs(%e : tensor<64x512xf32>) {
  ^bb0(%in: f32, %in1: f32, %out: f32):
    %s = arith.addf %in, %in1 : f32
    %z = arith.constant 0.0 : f32
    %m = arith.maximumf %s, %z : f32
    linalg.yield %m : f32
  } -> tensor<64x512xf32>
  return %r : tensor<64x512xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// Tiles divide the loop ranges: 130 = 5 x 26, and a prime extent falls back
// to unit tiles. No partial tiles, so no affine.min and no dynamic shapes.
// CHECK-LABEL: func @no_partial_tiles
// CHECK: scf.for %{{.*}} = %c0 to %c130 step %c26
// CHECK: math.exp {{.*}} : vector<26xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c131 step %c1
// CHECK: math.exp {{.*}} : vector<1xf32>
// CHECK-NOT: affine.min
// CHECK-NOT: tensor<?
func.func @no_partial_tiles(%x: tensor<4x130xf32>, %y: tensor<3x131xf32>) -> (tensor<4x130xf32>, tensor<3x131xf32>) {
  %e = tensor.empty() : tensor<4x130xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x130xf32>) outs(%e : tensor<4x130xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = math.exp %in : f32
    linalg.yield %m : f32
  } -> tensor<4x130xf32>
  %e2 = tensor.empty() : tensor<3x131xf32>
  %r2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<3x131xf32>) outs(%e2 : tensor<3x131xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = math.exp %in : f32
    linalg.yield %m : f32
  } -> tensor<3x131xf32>
  return %r, %r2 : tensor<4x130xf32>, tensor<3x131xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#rows = affine_map<(d0, d1) -> (d0)>

// A row reduction: threads over the parallel rows, vectors along the reduced
// axis, combined with a multi_reduction into the accumulator.
// CHECK-LABEL: func @row_max
// CHECK: scf.forall (%{{.*}}) = (0) to (64) step (4)
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c64
// CHECK: %[[V:.*]] = vector.transfer_read {{.*}} : tensor<64x512xf32>, vector<64xf32>
// CHECK: vector.multi_reduction <maximumf>, %{{.*}}, %{{.*}} [1] : vector<1x64xf32> to vector<1xf32>
// CHECK-NOT: linalg.generic
func.func @row_max(%x: tensor<64x512xf32>, %init: tensor<64xf32>) -> tensor<64xf32> {
  %r = linalg.generic {indexing_maps = [#id, #rows], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<64x512xf32>) outs(%init : tensor<64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %out : f32
    linalg.yield %m : f32
  } -> tensor<64xf32>
  return %r : tensor<64xf32>
}

// -----

// A pad becomes a fill of the padding value (tiled and vectorized like any
// op) and an insert_slice of the input (a copy after bufferization).
// CHECK-LABEL: func @pad
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x6x6xf32>)
// CHECK: %[[NEG_INF:.*]] = arith.constant dense<0xFF800000> : vector<8xf32>
// CHECK: %[[FILLED:.*]] = scf.for
// CHECK: vector.transfer_write %[[NEG_INF]]
// CHECK: %[[R:.*]] = tensor.insert_slice %[[X]] into %[[FILLED]][0, 0, 1, 1] [1, 4, 6, 6] [1, 1, 1, 1]
// CHECK: return %[[R]]
// CHECK-NOT: tensor.pad
func.func @pad(%x: tensor<1x4x6x6xf32>) -> tensor<1x4x8x8xf32> {
  %cst = arith.constant 0xFF800000 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %cst : f32
  } : tensor<1x4x6x6xf32> to tensor<1x4x8x8xf32>
  return %p : tensor<1x4x8x8xf32>
}

// -----

// Transposes and copies are tiled and vectorized too. A transposing read
// gets square tiles (up to 16 x 16) over the innermost loop and the loop its
// input varies fastest along: rows of the input are read whole and the
// transposition happens in registers, where one-wide tiles read one scalar
// per lane.
// CHECK-LABEL: func @transpose
// CHECK: vector.transfer_read {{.*}} : tensor<16x8xf32>, vector<16x8xf32>
// CHECK: vector.transpose {{.*}} [1, 0] : vector<16x8xf32> to vector<8x16xf32>
// CHECK: vector.transfer_write {{.*}} : vector<8x16xf32>, tensor<8x16xf32>
// CHECK-NOT: linalg.transpose
func.func @transpose(%x: tensor<16x8xf32>) -> tensor<8x16xf32> {
  %e = tensor.empty() : tensor<8x16xf32>
  %t = linalg.transpose ins(%x : tensor<16x8xf32>) outs(%e : tensor<8x16xf32>) permutation = [1, 0]
  return %t : tensor<8x16xf32>
}

// -----

// A larger transposing generic (the pixel-major convolution's epilogue,
// out[f, w] += c[w, f]) is tiled 16 x 16 over (f, w): each register tile
// reads 16 rows of c, 16 contiguous floats each, and transposes them.
// CHECK-LABEL: func @transposing_generic
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c16
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c16
// CHECK: vector.transfer_read {{.*}} : tensor<32x64xf32>, vector<16x16xf32>
// CHECK: vector.transpose {{.*}} [1, 0] : vector<16x16xf32> to vector<16x16xf32>
// CHECK: arith.addf {{.*}} : vector<16x16xf32>
// CHECK-NOT: linalg.generic
#wf = affine_map<(f, w) -> (w, f)>
#fw = affine_map<(f, w) -> (f, w)>
func.func @transposing_generic(%c: tensor<32x64xf32>, %out: tensor<64x32xf32>) -> tensor<64x32xf32> {
  %r = linalg.generic {indexing_maps = [#wf, #fw], iterator_types = ["parallel", "parallel"]}
      ins(%c : tensor<32x64xf32>) outs(%out : tensor<64x32xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %acc, %x : f32
    linalg.yield %s : f32
  } -> tensor<64x32xf32>
  return %r : tensor<64x32xf32>
}

// -----

// The stem's epilogue at full size, out[f, oh, ow] = relu(c[oh, ow, f] +
// bias[f]): the tasks split the output rows (56 / 14 = 4 each), not the
// filters, so each task keeps 16 x 16 transposing tiles over (f, ow).
// Splitting the first loop, the filters, left 2 of them per task and 2 x 16
// tiles (5% of EfficientNet-B0's run in this epilogue).
// CHECK-LABEL: func @transposing_epilogue
// CHECK: scf.forall (%[[R:.*]]) = (0) to (56) step (4)
// CHECK: vector.transfer_read {{.*}} : tensor<56x112x32xf32>, vector<16x16xf32>
// CHECK: vector.transpose {{.*}} [2, 0, 1] : vector<1x16x16xf32> to vector<16x1x16xf32>
// CHECK: tensor.parallel_insert_slice {{.*}}[0, %[[R]], 0] [32, 4, 112]
// CHECK-NOT: linalg.generic
#hwf = affine_map<(f, h, w) -> (h, w, f)>
#bf = affine_map<(f, h, w) -> (f)>
#fhw = affine_map<(f, h, w) -> (f, h, w)>
func.func @transposing_epilogue(%c: tensor<56x112x32xf32>, %b: tensor<32xf32>, %out: tensor<32x56x112xf32>) -> tensor<32x56x112xf32> {
  %zero = arith.constant 0.0 : f32
  %r = linalg.generic {indexing_maps = [#hwf, #bf, #fhw], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%c, %b : tensor<56x112x32xf32>, tensor<32xf32>) outs(%out : tensor<32x56x112xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %s = arith.addf %x, %y : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<32x56x112xf32>
  return %r : tensor<32x56x112xf32>
}

// A pad of a computed value: the pad's fill moves before the value's
// producer, so the producer can later (kiln-bufferize) write the interior of
// the filled buffer in place instead of being copied there.
// CHECK-LABEL: func @relu_then_pad
// CHECK: %[[FILLED:.*]] = scf.for
// CHECK: vector.transfer_write %{{.*}} : vector<8xf32>, tensor<1x4x8x8xf32>
// CHECK: %[[RELU:.*]] = scf.for
// CHECK: arith.maximumf
// CHECK: tensor.insert_slice %[[RELU]] into %[[FILLED]][0, 0, 1, 1] [1, 4, 6, 6] [1, 1, 1, 1]
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @relu_then_pad(%x: tensor<1x4x6x6xf32>) -> tensor<1x4x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x6x6xf32>
  %r = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x4x6x6xf32>) outs(%e : tensor<1x4x6x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x4x6x6xf32>
  %p = tensor.pad %r low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<1x4x6x6xf32> to tensor<1x4x8x8xf32>
  return %p : tensor<1x4x8x8xf32>
}

// -----

// A resample's taps (kiln.resample, two taps, read from tables in the body).
// Along an outer axis (rows) a tap's position is the same for a whole vector
// of outputs: one contiguous load of the input row per tap. Along the
// innermost axis the position differs per lane: the generic stays scalar
// (a gather of 64-bit addresses measured 3x slower).
// CHECK-LABEL: func @resample_rows
// CHECK-SAME: (%[[X:.*]]: tensor<4x16x64xf32>, %[[I:.*]]: tensor<32x2xi64>, %[[W:.*]]: tensor<32x2xf32>)
// CHECK: %[[P0:.*]] = vector.transfer_read %[[I]]{{.*}} : tensor<32x2xi64>, vector<i64>
// CHECK: %[[R0:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: vector.transfer_read %[[X]][%{{.*}}, %[[R0]], %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<4x16x64xf32>, vector<64xf32>
// CHECK: vector.transfer_read %[[X]][%{{.*}}, %{{.*}}, %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<4x16x64xf32>, vector<64xf32>
// CHECK-NOT: vector.gather
// CHECK: vector.transfer_write %{{.*}} : vector<64xf32>, tensor<{{.*}}>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @resample_rows(%x: tensor<4x16x64xf32>, %i: tensor<32x2xi64>, %w: tensor<32x2xf32>) -> tensor<4x32x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %e = tensor.empty() : tensor<4x32x64xf32>
  %r = linalg.generic {indexing_maps = [#id3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<4x32x64xf32>) {
  ^bb0(%out: f32):
    %p = linalg.index 1 : index
    %i0 = tensor.extract %i[%p, %c0] : tensor<32x2xi64>
    %a = linalg.index 0 : index
    %r0 = arith.index_cast %i0 : i64 to index
    %b = linalg.index 2 : index
    %x0 = tensor.extract %x[%a, %r0, %b] : tensor<4x16x64xf32>
    %w0 = tensor.extract %w[%p, %c0] : tensor<32x2xf32>
    %m0 = arith.mulf %x0, %w0 : f32
    %i1 = tensor.extract %i[%p, %c1] : tensor<32x2xi64>
    %r1 = arith.index_cast %i1 : i64 to index
    %x1 = tensor.extract %x[%a, %r1, %b] : tensor<4x16x64xf32>
    %w1 = tensor.extract %w[%p, %c1] : tensor<32x2xf32>
    %m1 = arith.mulf %x1, %w1 : f32
    %s = arith.addf %m0, %m1 : f32
    linalg.yield %s : f32
  } -> tensor<4x32x64xf32>
  return %r : tensor<4x32x64xf32>
}

// -----

// CHECK-LABEL: func @resample_columns
// CHECK-NOT: vector.gather
// CHECK: linalg.generic
// CHECK: tensor.extract
#id3c = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @resample_columns(%x: tensor<4x16x32xf32>, %i: tensor<64x2xi64>, %w: tensor<64x2xf32>) -> tensor<4x16x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %e = tensor.empty() : tensor<4x16x64xf32>
  %r = linalg.generic {indexing_maps = [#id3c], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<4x16x64xf32>) {
  ^bb0(%out: f32):
    %p = linalg.index 2 : index
    %i0 = tensor.extract %i[%p, %c0] : tensor<64x2xi64>
    %a = linalg.index 0 : index
    %b = linalg.index 1 : index
    %r0 = arith.index_cast %i0 : i64 to index
    %x0 = tensor.extract %x[%a, %b, %r0] : tensor<4x16x32xf32>
    %w0 = tensor.extract %w[%p, %c0] : tensor<64x2xf32>
    %m0 = arith.mulf %x0, %w0 : f32
    %i1 = tensor.extract %i[%p, %c1] : tensor<64x2xi64>
    %r1 = arith.index_cast %i1 : i64 to index
    %x1 = tensor.extract %x[%a, %b, %r1] : tensor<4x16x32xf32>
    %w1 = tensor.extract %w[%p, %c1] : tensor<64x2xf32>
    %m1 = arith.mulf %x1, %w1 : f32
    %s = arith.addf %m0, %m1 : f32
    linalg.yield %s : f32
  } -> tensor<4x16x64xf32>
  return %r : tensor<4x16x64xf32>
}

// -----

// The same along the innermost axis with constant tables (a bilinear
// resize's, 32 -> 64 with aligned corners): a row of 64 outputs is one
// register tile, each vector of 16 outputs two loads of the input row (its
// taps span at most 32 inputs) and one shuffle per tap with constant masks,
// the weights constant vectors. The first vector's taps are inputs 0 0 0 1
// 1 2 2 3 ... and 1 1 1 2 2 3 3 4 ...; the second's start at 7 (and the
// window, 32 wide, at 0).
// CHECK-LABEL: func @resample_columns_constant_taps
// CHECK-DAG: %[[W0:.*]] = arith.constant dense<[1.000000e+00, 0.507936537, {{.*}}]> : vector<16xf32>
// CHECK-NOT: tensor.extract %
// CHECK: %[[LO:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %{{.*}}, %c0]{{.*}} : tensor<4x16x32xf32>, vector<16xf32>
// CHECK: %[[HI:.*]] = vector.transfer_read %{{.*}}[%{{.*}}, %{{.*}}, %c16]{{.*}} : tensor<4x16x32xf32>, vector<16xf32>
// CHECK: %[[T0:.*]] = vector.shuffle %[[LO]], %[[HI]] [0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7] : vector<16xf32>, vector<16xf32>
// CHECK: %[[T1:.*]] = vector.shuffle %[[LO]], %[[HI]] [1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8] : vector<16xf32>, vector<16xf32>
// CHECK: %[[M0:.*]] = arith.mulf %[[T0]], %[[W0]] : vector<16xf32>
// CHECK: %[[M1:.*]] = arith.mulf %[[T1]], %{{.*}} : vector<16xf32>
// CHECK: %[[S:.*]] = arith.addf %[[M0]], %[[M1]] : vector<16xf32>
// CHECK: vector.transfer_write %[[S]], %{{.*}}[%c0, %c0, %c0]
// CHECK: vector.shuffle %{{.*}}, %{{.*}} [7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15]
// CHECK: vector.transfer_write %{{.*}}, %{{.*}}[%c0, %c0, %c16]
// CHECK: vector.transfer_write %{{.*}}, %{{.*}}[%c0, %c0, %c32]
// CHECK: vector.transfer_write %{{.*}}, %{{.*}}[%c0, %c0, %c48]
// CHECK-NOT: vector.transfer_write
// CHECK-NOT: tensor.extract %
// CHECK: return
#id3t = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @resample_columns_constant_taps(%x: tensor<4x16x32xf32>) -> tensor<4x16x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %i = arith.constant dense<[[0, 1],[0, 1],[0, 1],[1, 2],[1, 2],[2, 3],[2, 3],[3, 4],[3, 4],[4, 5],[4, 5],[5, 6],[5, 6],[6, 7],[6, 7],[7, 8],[7, 8],[8, 9],[8, 9],[9, 10],[9, 10],[10, 11],[10, 11],[11, 12],[11, 12],[12, 13],[12, 13],[13, 14],[13, 14],[14, 15],[14, 15],[15, 16],[15, 16],[16, 17],[16, 17],[17, 18],[17, 18],[18, 19],[18, 19],[19, 20],[19, 20],[20, 21],[20, 21],[21, 22],[21, 22],[22, 23],[22, 23],[23, 24],[23, 24],[24, 25],[24, 25],[25, 26],[25, 26],[26, 27],[26, 27],[27, 28],[27, 28],[28, 29],[28, 29],[29, 30],[29, 30],[30, 31],[30, 31],[31, 31]]> : tensor<64x2xi64>
  %w = arith.constant dense<[[1.00000000e+00, 0.00000000e+00],[5.07936508e-01, 4.92063492e-01],[1.58730159e-02, 9.84126984e-01],[5.23809524e-01, 4.76190476e-01],[3.17460317e-02, 9.68253968e-01],[5.39682540e-01, 4.60317460e-01],[4.76190476e-02, 9.52380952e-01],[5.55555556e-01, 4.44444444e-01],[6.34920635e-02, 9.36507937e-01],[5.71428571e-01, 4.28571429e-01],[7.93650794e-02, 9.20634921e-01],[5.87301587e-01, 4.12698413e-01],[9.52380952e-02, 9.04761905e-01],[6.03174603e-01, 3.96825397e-01],[1.11111111e-01, 8.88888889e-01],[6.19047619e-01, 3.80952381e-01],[1.26984127e-01, 8.73015873e-01],[6.34920635e-01, 3.65079365e-01],[1.42857143e-01, 8.57142857e-01],[6.50793651e-01, 3.49206349e-01],[1.58730159e-01, 8.41269841e-01],[6.66666667e-01, 3.33333333e-01],[1.74603175e-01, 8.25396825e-01],[6.82539683e-01, 3.17460317e-01],[1.90476190e-01, 8.09523810e-01],[6.98412698e-01, 3.01587302e-01],[2.06349206e-01, 7.93650794e-01],[7.14285714e-01, 2.85714286e-01],[2.22222222e-01, 7.77777778e-01],[7.30158730e-01, 2.69841270e-01],[2.38095238e-01, 7.61904762e-01],[7.46031746e-01, 2.53968254e-01],[2.53968254e-01, 7.46031746e-01],[7.61904762e-01, 2.38095238e-01],[2.69841270e-01, 7.30158730e-01],[7.77777778e-01, 2.22222222e-01],[2.85714286e-01, 7.14285714e-01],[7.93650794e-01, 2.06349206e-01],[3.01587302e-01, 6.98412698e-01],[8.09523810e-01, 1.90476190e-01],[3.17460317e-01, 6.82539683e-01],[8.25396825e-01, 1.74603175e-01],[3.33333333e-01, 6.66666667e-01],[8.41269841e-01, 1.58730159e-01],[3.49206349e-01, 6.50793651e-01],[8.57142857e-01, 1.42857143e-01],[3.65079365e-01, 6.34920635e-01],[8.73015873e-01, 1.26984127e-01],[3.80952381e-01, 6.19047619e-01],[8.88888889e-01, 1.11111111e-01],[3.96825397e-01, 6.03174603e-01],[9.04761905e-01, 9.52380952e-02],[4.12698413e-01, 5.87301587e-01],[9.20634921e-01, 7.93650794e-02],[4.28571429e-01, 5.71428571e-01],[9.36507937e-01, 6.34920635e-02],[4.44444444e-01, 5.55555556e-01],[9.52380952e-01, 4.76190476e-02],[4.60317460e-01, 5.39682540e-01],[9.68253968e-01, 3.17460317e-02],[4.76190476e-01, 5.23809524e-01],[9.84126984e-01, 1.58730159e-02],[4.92063492e-01, 5.07936508e-01],[1.00000000e+00, 0.00000000e+00]]> : tensor<64x2xf32>
  %e = tensor.empty() : tensor<4x16x64xf32>
  %r = linalg.generic {indexing_maps = [#id3t], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<4x16x64xf32>) {
  ^bb0(%out: f32):
    %p = linalg.index 2 : index
    %i0 = tensor.extract %i[%p, %c0] : tensor<64x2xi64>
    %a = linalg.index 0 : index
    %b = linalg.index 1 : index
    %r0 = arith.index_cast %i0 : i64 to index
    %x0 = tensor.extract %x[%a, %b, %r0] : tensor<4x16x32xf32>
    %w0 = tensor.extract %w[%p, %c0] : tensor<64x2xf32>
    %m0 = arith.mulf %x0, %w0 : f32
    %i1 = tensor.extract %i[%p, %c1] : tensor<64x2xi64>
    %r1 = arith.index_cast %i1 : i64 to index
    %x1 = tensor.extract %x[%a, %b, %r1] : tensor<4x16x32xf32>
    %w1 = tensor.extract %w[%p, %c1] : tensor<64x2xf32>
    %m1 = arith.mulf %x1, %w1 : f32
    %s = arith.addf %m0, %m1 : f32
    linalg.yield %s : f32
  } -> tensor<4x16x64xf32>
  return %r : tensor<4x16x64xf32>
}

// -----

// Downsampling 64 -> 8: a vector's taps span more than two vectors of
// inputs, so the row stays scalar.
// CHECK-LABEL: func @resample_columns_down
// CHECK-NOT: vector.shuffle
// CHECK: tensor.extract %{{.*}} : tensor<4x16x64xf32>
#id3d = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @resample_columns_down(%x: tensor<4x16x64xf32>) -> tensor<4x16x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %i = arith.constant dense<[[0, 1],[9, 10],[18, 19],[27, 28],[36, 37],[45, 46],[54, 55],[63, 63]]> : tensor<8x2xi64>
  %e = tensor.empty() : tensor<4x16x8xf32>
  %r = linalg.generic {indexing_maps = [#id3d], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<4x16x8xf32>) {
  ^bb0(%out: f32):
    %p = linalg.index 2 : index
    %a = linalg.index 0 : index
    %b = linalg.index 1 : index
    %i0 = tensor.extract %i[%p, %c0] : tensor<8x2xi64>
    %r0 = arith.index_cast %i0 : i64 to index
    %x0 = tensor.extract %x[%a, %b, %r0] : tensor<4x16x64xf32>
    %i1 = tensor.extract %i[%p, %c1] : tensor<8x2xi64>
    %r1 = arith.index_cast %i1 : i64 to index
    %x1 = tensor.extract %x[%a, %b, %r1] : tensor<4x16x64xf32>
    %s = arith.addf %x0, %x1 : f32
    linalg.yield %s : f32
  } -> tensor<4x16x8xf32>
  return %r : tensor<4x16x8xf32>
}

// -----

// A gather along an outer axis whose positions are an operand (kiln.gather's
// lowering): upstream would gather lane by lane (a leading index from a
// block argument counts as varying), so the loop stays scalar. The same for
// a row of 67 (prime: one-element tiles).
// CHECK-LABEL: func @gather_rows_operand
// CHECK-NOT: vector.gather
// CHECK: tensor.extract
// CHECK-LABEL: func @resample_rows_67
// CHECK-NOT: vector.gather
// CHECK: tensor.extract
#g1 = affine_map<(d0, d1) -> (d0)>
#g2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @gather_rows_operand(%data: tensor<8x64xf32>, %idx: tensor<3xi64>) -> tensor<3x64xf32> {
  %e = tensor.empty() : tensor<3x64xf32>
  %r = linalg.generic {indexing_maps = [#g1, #g2], iterator_types = ["parallel", "parallel"]} ins(%idx : tensor<3xi64>) outs(%e : tensor<3x64xf32>) {
  ^bb0(%in: i64, %out: f32):
    %row = arith.index_cast %in : i64 to index
    %col = linalg.index 1 : index
    %v = tensor.extract %data[%row, %col] : tensor<8x64xf32>
    linalg.yield %v : f32
  } -> tensor<3x64xf32>
  return %r : tensor<3x64xf32>
}
func.func @resample_rows_67(%x: tensor<16x67xf32>, %i: tensor<32x1xi64>) -> tensor<32x67xf32> {
  %c0 = arith.constant 0 : index
  %e = tensor.empty() : tensor<32x67xf32>
  %r = linalg.generic {indexing_maps = [#g2], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<32x67xf32>) {
  ^bb0(%out: f32):
    %p = linalg.index 0 : index
    %i0 = tensor.extract %i[%p, %c0] : tensor<32x1xi64>
    %r0 = arith.index_cast %i0 : i64 to index
    %b = linalg.index 1 : index
    %x0 = tensor.extract %x[%r0, %b] : tensor<16x67xf32>
    linalg.yield %x0 : f32
  } -> tensor<32x67xf32>
  return %r : tensor<32x67xf32>
}

// -----

#u4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>

// A sigmoid of a global pool's [1, C, 1, 1] result: its unit loops are
// dropped (reshapes of the operands, which never copy), so the vectors run
// along the channels, 64 at a time; with them, the innermost loop had one
// iteration and the exponentials were computed one element at a time.
// CHECK-LABEL: func @trailing_unit_loops
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1, 2, 3]] : tensor<1x128x1x1xf32> into tensor<128xf32>
// CHECK: scf.for %[[I:.*]] = %c0 to %c128 step %c64
// CHECK: vector.transfer_read %[[FLAT]][%[[I]]]{{.*}} : tensor<128xf32>, vector<64xf32>
// CHECK: math.exp {{.*}} : vector<64xf32>
// CHECK: tensor.expand_shape {{.*}} output_shape [1, 128, 1, 1]
func.func @trailing_unit_loops(%x: tensor<1x128x1x1xf32>) -> tensor<1x128x1x1xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<1x128x1x1xf32>
  %s = linalg.generic {indexing_maps = [#u4, #u4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x128x1x1xf32>) outs(%e : tensor<1x128x1x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    %x0 = math.exp %n : f32
    %d = arith.addf %x0, %one : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<1x128x1x1xf32>
  return %s : tensor<1x128x1x1xf32>
}

// -----

// An op of no loops that reads one tensor element (a Gather of one element
// by a scalar index) stays a scalar generic: upstream's vectorization would
// make a vector.gather with a scalar index of it, which is invalid.
// CHECK-LABEL: func @scalar_gather
// CHECK-NOT: vector.gather
// CHECK: linalg.generic
// CHECK: tensor.extract %{{.*}}[%{{.*}}] : tensor<65xf32>
func.func @scalar_gather(%x: tensor<65xf32>) -> tensor<f32> {
  %c42 = arith.constant 42 : index
  %e = tensor.empty() : tensor<f32>
  %0 = linalg.generic {indexing_maps = [affine_map<() -> ()>], iterator_types = []} outs(%e : tensor<f32>) {
  ^bb0(%out: f32):
    %v = tensor.extract %x[%c42] : tensor<65xf32>
    linalg.yield %v : f32
  } -> tensor<f32>
  return %0 : tensor<f32>
}

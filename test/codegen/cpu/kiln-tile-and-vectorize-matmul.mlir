// The matmul micro-kernel as the vector phase leaves it (tiling, then the
// accumulators hoisted out of the K loop), for the two matmul forms the CPU
// path produces: a packed-weight matmul (kiln-pack-matmul-weights) and an
// im2col convolution's matmul (kiln-conv-to-matmul).
// RUN: kiln-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(kiln-tile-and-vectorize,canonicalize,cse,loop-invariant-subset-hoisting,canonicalize))' | FileCheck %s

// BERT's 128x768 by 768x768 projection on packed weights [24 panels, K, 32]:
// tasks of all 128 rows (each block of the weights streams from memory once)
// x 6 panels (four tasks); K in blocks of 256; panels outside rows, so
// one panel's 256 x 32 block stays in L1 while 8-row slivers of A pass; an
// 8 x 32 accumulator tile (16 zmm registers) carried through the K loop,
// where each step is one broadcast-FMA outer product.
// CHECK-LABEL: func @packed_matmul
// CHECK-SAME: (%[[A:.*]]: tensor<128x768xf32>, %[[B:.*]]: tensor<24x768x32xf32>, %[[C:.*]]: tensor<128x24x32xf32>)
// CHECK: scf.forall (%[[J:.*]]) = (0) to (24) step (6)
// CHECK: scf.for %[[KB:.*]] = %c0 to %c768 step %c256
// CHECK: scf.for %[[P:.*]] = %c0 to %c6 step %c1
// CHECK: scf.for %[[R:.*]] = %c0 to %c128 step %c8
// CHECK: %[[ACC0:.*]] = vector.transfer_read {{.*}} : tensor<128x6x32xf32>, vector<8x1x32xf32>
// CHECK: %[[ACC:.*]] = scf.for %{{.*}} = %c0 to %c256 step %c1 iter_args(%[[ACCI:.*]] = %[[ACC0]]) -> (vector<8x1x32xf32>)
// CHECK: %[[LHS:.*]] = vector.transfer_read %[[A]]{{.*}} : tensor<128x768xf32>, vector<8x1xf32>
// CHECK: %[[RHS:.*]] = vector.transfer_read %[[B]]{{.*}} : tensor<24x768x32xf32>, vector<32xf32>
// CHECK: %[[RHSB:.*]] = vector.broadcast %[[RHS]] : vector<32xf32> to vector<1x1x32xf32>
// CHECK: %[[NEXT:.*]] = vector.contract {{.*}} %[[LHS]], %[[RHSB]], %[[ACCI]] : vector<8x1xf32>, vector<1x1x32xf32> into vector<8x1x32xf32>
// CHECK: scf.yield %[[NEXT]]
// CHECK: vector.transfer_write %[[ACC]]
// CHECK: tensor.parallel_insert_slice {{.*}} [128, 6, 32] [1, 1, 1] : tensor<128x6x32xf32> into tensor<128x24x32xf32>
// CHECK-NOT: linalg.generic
#ma = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
#mb = affine_map<(d0, d1, d2, d3) -> (d1, d3, d2)>
#mc = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
func.func @packed_matmul(%a: tensor<128x768xf32>, %b: tensor<24x768x32xf32>, %c: tensor<128x24x32xf32>) -> tensor<128x24x32xf32> {
  %r = linalg.generic {indexing_maps = [#ma, #mb, #mc], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<128x768xf32>, tensor<24x768x32xf32>) outs(%c : tensor<128x24x32xf32>) attrs = {kiln.packed_matmul} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<128x24x32xf32>
  return %r : tensor<128x24x32xf32>
}

// -----

// The same product for a target of 16 vector registers of 32 bytes (AVX2:
// kiln.vector_registers on the module, as kilnc sets it): 2-row register
// tiles, 8 ymm accumulators beside B's 4 vectors, where 8 rows would spill;
// K in blocks of 128, so the panel's block (16 KiB) stays in a 32 KiB L1D.
// CHECK-LABEL: func @packed_matmul_two_rows
// CHECK: scf.for %{{.*}} = %c0 to %c768 step %c128
// CHECK: scf.for %{{.*}} = %c0 to %c128 step %c2
// CHECK: scf.for %{{.*}} = %c0 to %c128 step %c1 iter_args(%{{.*}}) -> (vector<2x1x32xf32>)
// CHECK: vector.contract {{.*}} : vector<2x1xf32>, vector<1x1x32xf32> into vector<2x1x32xf32>
#ma2 = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
#mb2 = affine_map<(d0, d1, d2, d3) -> (d1, d3, d2)>
#mc2 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
module attributes {kiln.vector_registers = array<i64: 16, 32>} {
  func.func @packed_matmul_two_rows(%a: tensor<128x768xf32>, %b: tensor<24x768x32xf32>, %c: tensor<128x24x32xf32>) -> tensor<128x24x32xf32> {
    %r = linalg.generic {indexing_maps = [#ma2, #mb2, #mc2], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%a, %b : tensor<128x768xf32>, tensor<24x768x32xf32>) outs(%c : tensor<128x24x32xf32>) attrs = {kiln.packed_matmul} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %m = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %m : f32
      linalg.yield %s : f32
    } -> tensor<128x24x32xf32>
    return %r : tensor<128x24x32xf32>
  }
}

// -----

// A matrix-vector product on packed weights (an LSTM's recurrent step, a
// batch-1 Gemm): register tiles of one row, whose 32-float accumulator is
// carried through the K loop in registers like a taller tile's, not read
// and written at every K step.
// CHECK-LABEL: func @packed_matvec
// CHECK: scf.forall
// CHECK: %[[ACC0:.*]] = vector.transfer_read {{.*}} : tensor<1x8x32xf32>, vector<32xf32>
// CHECK: %[[ACC:.*]] = scf.for %{{.*}} = %c0 to %c256 step %c1 iter_args(%[[ACCI:.*]] = %[[ACC0]]) -> (vector<32xf32>)
// CHECK-NOT: tensor.insert_slice
// CHECK: vector.contract {{.*}} %[[ACCI]]
// CHECK: scf.yield
// CHECK: vector.transfer_write %[[ACC]]
#va = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
#vb = affine_map<(d0, d1, d2, d3) -> (d1, d3, d2)>
#vc = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
func.func @packed_matvec(%a: tensor<1x256xf32>, %b: tensor<32x256x32xf32>, %c: tensor<1x32x32xf32>) -> tensor<1x32x32xf32> {
  %r = linalg.generic {indexing_maps = [#va, #vb, #vc], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<1x256xf32>, tensor<32x256x32xf32>) outs(%c : tensor<1x32x32xf32>) attrs = {kiln.packed_matmul} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x32x32xf32>
  return %r : tensor<1x32x32xf32>
}

// -----

// ResNet-50's 3x3, 64-channel convolution at 56x56 as a matmul: weights
// [64, 576] by im2col [576, 3136]. Tasks of 224 columns (14 of them); K in
// blocks of 192 (the largest divisor of 576 up to 256); 8 x 32 accumulator
// tiles carried through the K loop.
// CHECK-LABEL: func @im2col_matmul
// CHECK: scf.forall (%{{.*}}) = (0) to (3136) step (224)
// CHECK: scf.for %{{.*}} = %c0 to %c576 step %c192
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c8
// CHECK: scf.for %{{.*}} = %c0 to %c224 step %c32
// CHECK: %[[ACC0:.*]] = vector.transfer_read {{.*}} : tensor<64x224xf32>, vector<8x32xf32>
// CHECK: %[[ACC:.*]] = scf.for %{{.*}} = %c0 to %c192 step %c1 iter_args(%[[ACCI:.*]] = %[[ACC0]]) -> (vector<8x32xf32>)
// CHECK: vector.transfer_read {{.*}} : tensor<64x576xf32>, vector<8x1xf32>
// CHECK: vector.transfer_read {{.*}} : tensor<576x3136xf32>, vector<32xf32>
// CHECK: %[[NEXT:.*]] = vector.contract {{.*}}, %[[ACCI]] : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK: scf.yield %[[NEXT]]
// CHECK: vector.transfer_write %[[ACC]]
// CHECK-NOT: linalg.matmul
func.func @im2col_matmul(%w: tensor<64x576xf32>, %col: tensor<576x3136xf32>, %c: tensor<64x3136xf32>) -> tensor<64x3136xf32> {
  %mm = linalg.matmul ins(%w, %col : tensor<64x576xf32>, tensor<576x3136xf32>) outs(%c : tensor<64x3136xf32>) -> tensor<64x3136xf32>
  return %mm : tensor<64x3136xf32>
}

// -----

// Both operands packed (a convolution: weights in slivers at compile time,
// or the pixel-major form's taps): loops (mo, j, mi, r, k) on
// Ap [16 slivers, K, 8], Bp [8 panels, K, 32], C4 [16, 8, 8, 32]. Tasks of
// 8 slivers x 4 panels (at least four tasks for the pool to balance); panels
// outside slivers; each register tile is one
// 8 x 32 outer product per K step of A's 8 floats, each read alone (to be
// broadcast from memory), and a 32-float read of B, with the accumulator
// carried through the K loop.
// CHECK-LABEL: func @packed_both
// CHECK-SAME: (%[[A:.*]]: tensor<16x576x8xf32>, %[[B:.*]]: tensor<8x576x32xf32>, %[[C:.*]]: tensor<16x8x8x32xf32>)
// CHECK: scf.forall (%{{.*}}, %{{.*}}) = (0, 0) to (16, 8) step (8, 4)
// CHECK: scf.for %{{.*}} = %c0 to %c576 step %c192
// CHECK: scf.for %[[P:.*]] = %c0 to %c4 step %c1
// CHECK: scf.for %[[S:.*]] = %c0 to %c8 step %c1
// CHECK: %[[ACC0:.*]] = vector.transfer_read {{.*}} : tensor<8x8x4x32xf32>, vector<8x1x32xf32>
// CHECK: %[[ACC:.*]] = scf.for %{{.*}} = %c0 to %c192 step %c1 iter_args(%[[ACCI:.*]] = %[[ACC0]]) -> (vector<8x1x32xf32>)
// CHECK: %[[AS:.*]] = tensor.extract_slice %{{.*}} [1, 1, 8] [1, 1, 1] : tensor<8x192x8xf32> to tensor<1x1x8xf32>
// CHECK-COUNT-8: tensor.extract %[[AS]][%c0, %c0, %c{{[0-7]}}] : tensor<1x1x8xf32>
// CHECK: %[[LHS:.*]] = vector.from_elements {{.*}} : vector<8xf32>
// CHECK: %[[RHS:.*]] = vector.transfer_read %[[B]]{{.*}} : tensor<8x576x32xf32>, vector<32xf32>
// CHECK: %[[FLAT:.*]] = vector.shape_cast %[[ACCI]] : vector<8x1x32xf32> to vector<8x32xf32>
// CHECK: %[[NEXT:.*]] = vector.outerproduct %[[LHS]], %[[RHS]], %[[FLAT]] {kind = #vector.kind<add>} : vector<8xf32>, vector<32xf32>
// CHECK: %[[TILE:.*]] = vector.shape_cast %[[NEXT]] : vector<8x32xf32> to vector<8x1x32xf32>
// CHECK: scf.yield %[[TILE]]
// CHECK: vector.transfer_write %[[ACC]]
// CHECK-NOT: linalg.generic
#pa = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d2)>
#pb = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>
#pc = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d3)>
func.func @packed_both(%a: tensor<16x576x8xf32>, %b: tensor<8x576x32xf32>, %c: tensor<16x8x8x32xf32>) -> tensor<16x8x8x32xf32> {
  %r = linalg.generic {indexing_maps = [#pa, #pb, #pc], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<16x576x8xf32>, tensor<8x576x32xf32>) outs(%c : tensor<16x8x8x32xf32>) attrs = {kiln.packed_matmul} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<16x8x8x32xf32>
  return %r : tensor<16x8x8x32xf32>
}

// -----

// Slivers of 7 rows (pixel-major convolutions at OW = 14, 28, 7): A's seven
// floats are read one by one, so each is broadcast from memory. Read as one
// vector<7xf32>, LLVM loads them as 4 + 2 + 1 and broadcasts the pair's
// lanes with shuffles, on the ports the FMAs need.
// CHECK-LABEL: func @packed_seven_rows
// CHECK-SAME: (%[[A:.*]]: tensor<28x576x7xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c192 step %c1 iter_args
// CHECK-COUNT-7: tensor.extract %{{.*}} : tensor<1x1x7xf32>
// CHECK: %[[LHS:.*]] = vector.from_elements {{.*}} : vector<7xf32>
// CHECK: vector.outerproduct %[[LHS]], %{{.*}}, %{{.*}} {kind = #vector.kind<add>} : vector<7xf32>, vector<32xf32>
// CHECK-NOT: vector<7xf32>
// CHECK: vector.transfer_write
#pa7 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d2)>
#pb7 = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>
#pc7 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d3)>
func.func @packed_seven_rows(%a: tensor<28x576x7xf32>, %b: tensor<8x576x32xf32>, %c: tensor<28x7x8x32xf32>) -> tensor<28x7x8x32xf32> {
  %r = linalg.generic {indexing_maps = [#pa7, #pb7, #pc7], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<28x576x7xf32>, tensor<8x576x32xf32>) outs(%c : tensor<28x7x8x32xf32>) attrs = {kiln.packed_matmul} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<28x7x8x32xf32>
  return %r : tensor<28x7x8x32xf32>
}

// -----

// A 1x1 convolution's matmul with its epilogue (kiln-conv-to-matmul): the
// bias broadcast that starts the accumulator and the ReLU that reads the
// result go into the matmul's thread tiles (one scf.forall), and, K = 64
// being one cache block, into its register tiles: each 8 x 32 tile starts
// its accumulators from the bias in registers, runs its K loop, applies
// the ReLU in registers and is written once. No pass of its own for either.
// CHECK-LABEL: func @matmul_epilogue
// CHECK-SAME: (%[[W:.*]]: tensor<256x64xf32>, %[[X:.*]]: tensor<64x3136xf32>, %[[B:.*]]: tensor<256xf32>)
// CHECK: scf.forall (%[[I:.*]], %[[J:.*]]) = (0, 0) to (256, 3136) step (64, 224) shared_outs(%[[OUT:.*]] = %{{.*}})
// CHECK: %[[TILE:.*]] = tensor.extract_slice %[[OUT]][%[[I]], %[[J]]] [64, 224] [1, 1]
// CHECK-NOT: vector.transfer_write
// CHECK: %[[ROWS:.*]] = scf.for {{.*}} step %c8 iter_args(%{{.*}} = %[[TILE]])
// CHECK: scf.for {{.*}} step %c32 iter_args(%[[T:.*]] = %{{.*}})
// CHECK: vector.transfer_read %[[B]]{{.*}} : tensor<256xf32>, vector<8xf32>
// CHECK: vector.broadcast
// CHECK: %[[START:.*]] = vector.transpose
// CHECK: %[[ACC:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[START]]) -> (vector<8x32xf32>)
// CHECK: vector.contract
// CHECK: %[[RELU:.*]] = arith.maximumf %[[ACC]]
// CHECK-NOT: vector.transfer_read
// CHECK: vector.transfer_write %[[RELU]], %[[T]]
// CHECK-NOT: vector.transfer_write
// CHECK: tensor.parallel_insert_slice %[[ROWS]] into %[[OUT]][%[[I]], %[[J]]] [64, 224]
// CHECK-NOT: scf.forall
// CHECK: return
#bias = affine_map<(d0, d1) -> (d0)>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @matmul_epilogue(%w: tensor<256x64xf32>, %x: tensor<64x3136xf32>, %b: tensor<256xf32>) -> tensor<256x3136xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x3136xf32>
  %start = linalg.generic {indexing_maps = [#bias, #id], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<256xf32>) outs(%e : tensor<256x3136xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<256x3136xf32>
  %mm = linalg.matmul ins(%w, %x : tensor<256x64xf32>, tensor<64x3136xf32>) outs(%start : tensor<256x3136xf32>) -> tensor<256x3136xf32>
  %e2 = tensor.empty() : tensor<256x3136xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%mm : tensor<256x3136xf32>) outs(%e2 : tensor<256x3136xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<256x3136xf32>
  return %r : tensor<256x3136xf32>
}

// -----

// ResNet-50's 3x3, 256-channel convolution at 14x14 as a tap product
// (kiln-conv-to-matmul, pixel-major): the padded input [256, 16, 16] read in
// place, the weights in panels [8, 256, 3, 3, 32], the product in register
// tiles of 7 pixels x 32 filters. The weights (2.4 MB) outweigh the input
// (262 KB), so the tasks take whole images and two panels each (the weights
// are read once); the input channels go in cache blocks of 16 (144 rows of
// K, an 18 KiB block of a panel); the 7 x 32 accumulator tile is carried
// through the channel and both tap loops. Each step broadcasts 7 pixels of
// an input row, read at the tap's offset, against one panel row.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0 + d1)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d0 * 7 + d1)>
// CHECK-LABEL: func @tap_product
// CHECK-SAME: (%[[X:.*]]: tensor<256x16x16xf32>, %[[W:.*]]: tensor<8x256x3x3x32xf32>, %[[C:.*]]: tensor<14x2x7x8x32xf32>)
// CHECK: scf.forall (%[[J:.*]]) = (0) to (8) step (2)
// CHECK: scf.for %[[CB:.*]] = %c0 to %c256 step %c16
// CHECK: %[[BLOCK:.*]] = tensor.extract_slice %[[X]][%[[CB]], 0, 0] [16, 16, 16]
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1
// CHECK: scf.for %[[OROW:.*]] = %c0 to %c14 step %c1
// CHECK: scf.for %[[PIECE:.*]] = %c0 to %c2 step %c1
// CHECK: %[[ACC0:.*]] = vector.transfer_read {{.*}} : tensor<14x2x7x2x32xf32>, vector<7x1x32xf32>
// CHECK: %[[ACC:.*]] = scf.for %[[CH:.*]] = %c0 to %c16 step %c1 iter_args(%[[A1:.*]] = %[[ACC0]])
// CHECK: scf.for %[[I:.*]] = %c0 to %c3 step %c1 iter_args(%[[A2:.*]] = %[[A1]])
// CHECK: scf.for %[[JW:.*]] = %c0 to %c3 step %c1 iter_args(%[[A3:.*]] = %[[A2]])
// CHECK: %[[R:.*]] = affine.apply #[[ROW]](%[[OROW]], %[[I]])
// CHECK: %[[Q:.*]] = affine.apply #[[COL]](%[[PIECE]], %[[JW]])
// CHECK: %[[PIXELS:.*]] = tensor.extract_slice %[[BLOCK]][%[[CH]], %[[R]], %[[Q]]] [1, 1, 7] [1, 1, 1]
// CHECK-COUNT-7: tensor.extract %[[PIXELS]]
// CHECK: %[[LHS:.*]] = vector.from_elements {{.*}} : vector<7xf32>
// CHECK: %[[RHS:.*]] = vector.transfer_read %[[W]]{{.*}} : tensor<8x256x3x3x32xf32>, vector<32xf32>
// CHECK: %[[T:.*]] = vector.shape_cast %[[A3]] : vector<7x1x32xf32> to vector<7x32xf32>
// CHECK: vector.outerproduct %[[LHS]], %[[RHS]], %[[T]] {kind = #vector.kind<add>} : vector<7xf32>, vector<32xf32>
// CHECK: vector.transfer_write %[[ACC]]
// CHECK-NOT: linalg.generic
#ta = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d1 + d6, d2 * 7 + d3 + d7)>
#tb = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d5, d6, d7, d4)>
#tc = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d3, d0, d4)>
func.func @tap_product(%x: tensor<256x16x16xf32>, %w: tensor<8x256x3x3x32xf32>, %c: tensor<14x2x7x8x32xf32>) -> tensor<14x2x7x8x32xf32> {
  %r = linalg.generic {indexing_maps = [#ta, #tb, #tc], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<256x16x16xf32>, tensor<8x256x3x3x32xf32>) outs(%c : tensor<14x2x7x8x32xf32>) attrs = {kiln.tap_product} {
  ^bb0(%in: f32, %wt: f32, %acc: f32):
    %m = arith.mulf %in, %wt : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<14x2x7x8x32xf32>
  return %r : tensor<14x2x7x8x32xf32>
}

// -----

// A tap product at 7x7 on AVX2 (16 registers of 8 floats) with slivers of
// 7 pixels, taller than the micro-kernel's 2 rows: 7 accumulators a filter
// vector, one vector of B and a broadcast of A fit the 16 registers, 7 x 32
// would not, so each register tile is 7 pixels by 8 filters, four to a
// panel. (kiln-conv-to-matmul no longer makes such slivers: it splits a
// 7-pixel row into parts of 5 and 2 pixels, pixelMajorParts, whose tiles
// take more filters; see the next case.)
// CHECK-LABEL: func @tap_product_tall_sliver
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c8
// CHECK: %[[ACC0:.*]] = vector.transfer_read {{.*}}, vector<7x1x8xf32>
// CHECK: scf.for %{{.*}} iter_args(%[[A1:.*]] = %[[ACC0]]) -> (vector<7x1x8xf32>)
// CHECK-COUNT-7: tensor.extract
// CHECK: %[[LHS:.*]] = vector.from_elements {{.*}} : vector<7xf32>
// CHECK: %[[RHS:.*]] = vector.transfer_read {{.*}} : tensor<2x64x3x3x32xf32>, vector<8xf32>
// CHECK: vector.outerproduct %[[LHS]], %[[RHS]], %{{.*}} {kind = #vector.kind<add>} : vector<7xf32>, vector<8xf32>
// CHECK-NOT: vector<7x32xf32>
#ta = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d1 + d6, d2 * 7 + d3 + d7)>
#tb = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d5, d6, d7, d4)>
#tc = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d3, d0, d4)>
module attributes {kiln.vector_registers = array<i64: 16, 32>} {
func.func @tap_product_tall_sliver(%x: tensor<64x9x9xf32>, %w: tensor<2x64x3x3x32xf32>, %c: tensor<7x1x7x2x32xf32>) -> tensor<7x1x7x2x32xf32> {
  %r = linalg.generic {indexing_maps = [#ta, #tb, #tc], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<64x9x9xf32>, tensor<2x64x3x3x32xf32>) outs(%c : tensor<7x1x7x2x32xf32>) attrs = {kiln.tap_product} {
  ^bb0(%in: f32, %wt: f32, %acc: f32):
    %m = arith.mulf %in, %wt : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<7x1x7x2x32xf32>
  return %r : tensor<7x1x7x2x32xf32>
}
}

// -----

// The first of the two parts a 7-pixel row takes on AVX2 (kiln-conv-to-
// matmul's pixelMajorParts): slivers of 5 pixels, whose tiles take two
// vectors of filters (10 accumulators, two vectors of B and a broadcast of
// A in the 16 registers), two to a panel.
// CHECK-LABEL: func @tap_product_five_pixel_sliver
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c16
// CHECK: %[[ACC0:.*]] = vector.transfer_read {{.*}}, vector<5x1x16xf32>
// CHECK: scf.for %{{.*}} iter_args(%[[A1:.*]] = %[[ACC0]]) -> (vector<5x1x16xf32>)
// CHECK-COUNT-5: tensor.extract
// CHECK: %[[LHS:.*]] = vector.from_elements {{.*}} : vector<5xf32>
// CHECK: %[[RHS:.*]] = vector.transfer_read {{.*}} : tensor<2x64x3x3x32xf32>, vector<16xf32>
// CHECK: vector.outerproduct %[[LHS]], %[[RHS]], %{{.*}} {kind = #vector.kind<add>} : vector<5xf32>, vector<16xf32>
#fa = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d1 + d6, d2 * 5 + d3 + d7)>
#fb = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d5, d6, d7, d4)>
#fc = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d3, d0, d4)>
module attributes {kiln.vector_registers = array<i64: 16, 32>} {
func.func @tap_product_five_pixel_sliver(%x: tensor<64x9x7xf32>, %w: tensor<2x64x3x3x32xf32>, %c: tensor<7x1x5x2x32xf32>) -> tensor<7x1x5x2x32xf32> {
  %r = linalg.generic {indexing_maps = [#fa, #fb, #fc], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<64x9x7xf32>, tensor<2x64x3x3x32xf32>) outs(%c : tensor<7x1x5x2x32xf32>) attrs = {kiln.tap_product} {
  ^bb0(%in: f32, %wt: f32, %acc: f32):
    %m = arith.mulf %in, %wt : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<7x1x5x2x32xf32>
  return %r : tensor<7x1x5x2x32xf32>
}
}

// -----

// A channel-major tap product (a 3x3 convolution at unit width stride, as
// U-Net's): the weights are A, slivers [2, 64, 3, 3, 8] of 8 filters, and
// each register tile of 8 filters x 32 pixels loads its pixels as vectors
// from a row of the padded input [64, 10, 66]. Its 576 rows of K are not
// split into cache blocks: the 8 x 32 accumulators are read once, carried
// through all 64 input channels and both tap loops, and written once.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1)[s0] -> (d0 + d1 + s0)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d0 * 32 + d1)>
// CHECK-LABEL: func @channel_major_tap_product
// CHECK-SAME: (%[[W:.*]]: tensor<2x64x3x3x8xf32>, %[[X:.*]]: tensor<64x10x66xf32>, %[[C:.*]]: tensor<2x8x8x2x32xf32>)
// CHECK: scf.forall (%[[J:.*]], %[[ROWS:.*]]) = (0, 0) to (2, 8) step (1, 4)
// CHECK: %[[WJ:.*]] = tensor.extract_slice %[[W]][%[[J]], 0, 0, 0, 0] [1, 64, 3, 3, 8]
// CHECK-NOT: step %c{{[0-9]+}} iter_args
// CHECK: scf.for %[[OROW:.*]] = %c0 to %c4 step %c1
// CHECK: scf.for %[[PIECE:.*]] = %c0 to %c2 step %c1
// CHECK: %[[ACC0:.*]] = vector.transfer_read {{.*}} : tensor<1x8x4x2x32xf32>, vector<8x1x1x32xf32>
// CHECK: %[[ACC:.*]] = scf.for %[[CH:.*]] = %c0 to %c64 step %c1 iter_args(%[[A1:.*]] = %[[ACC0]])
// CHECK: scf.for %[[I:.*]] = %c0 to %c3 step %c1 iter_args(%[[A2:.*]] = %[[A1]])
// CHECK: scf.for %[[JW:.*]] = %c0 to %c3 step %c1 iter_args(%[[A3:.*]] = %[[A2]])
// CHECK: %[[WS:.*]] = tensor.extract_slice %[[WJ]][0, %[[CH]], %[[I]], %[[JW]], 0] [1, 1, 1, 1, 8]
// CHECK-COUNT-8: tensor.extract %[[WS]][%c0, %c0, %c0, %c0, %c{{[0-7]}}] : tensor<1x1x1x1x8xf32>
// CHECK: %[[LHS:.*]] = vector.from_elements {{.*}} : vector<8xf32>
// CHECK: %[[R:.*]] = affine.apply #[[ROW]](%[[OROW]], %[[I]])[%[[ROWS]]]
// CHECK: %[[Q:.*]] = affine.apply #[[COL]](%[[PIECE]], %[[JW]])
// CHECK: %[[RHS:.*]] = vector.transfer_read %[[X]][%[[CH]], %[[R]], %[[Q]]]{{.*}} : tensor<64x10x66xf32>, vector<32xf32>
// CHECK: %[[T:.*]] = vector.shape_cast %[[A3]] : vector<8x1x1x32xf32> to vector<8x32xf32>
// CHECK: vector.outerproduct %[[LHS]], %[[RHS]], %[[T]] {kind = #vector.kind<add>} : vector<8xf32>, vector<32xf32>
// CHECK: vector.transfer_write %[[ACC]]
// CHECK-NOT: linalg.generic
#ca = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d5, d6, d7, d3)>
#cb = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d1 + d6, d2 * 32 + d4 + d7)>
#cc = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d3, d1, d2, d4)>
func.func @channel_major_tap_product(%w: tensor<2x64x3x3x8xf32>, %x: tensor<64x10x66xf32>, %c: tensor<2x8x8x2x32xf32>) -> tensor<2x8x8x2x32xf32> {
  %r = linalg.generic {indexing_maps = [#ca, #cb, #cc], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%w, %x : tensor<2x64x3x3x8xf32>, tensor<64x10x66xf32>) outs(%c : tensor<2x8x8x2x32xf32>) attrs = {kiln.tap_product} {
  ^bb0(%wt: f32, %in: f32, %acc: f32):
    %m = arith.mulf %wt, %in : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x8x8x2x32xf32>
  return %r : tensor<2x8x8x2x32xf32>
}

// -----

// A channel-major tap product with a 1 x 3 window (a 1-D convolution's, or
// a 1xK one's): its input rows get no prefetch (the KH loop of one
// iteration folds away), so its 128 input channels keep their cache blocks,
// of 64 channels (192 rows of K).
// CHECK-LABEL: func @channel_major_row_taps
// CHECK: scf.forall
// CHECK: scf.for %{{.*}} = %c0 to %c128 step %c64
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args
// CHECK: scf.for %{{.*}} = %c0 to %c3 step %c1 iter_args
// CHECK: vector.outerproduct {{.*}} : vector<8xf32>, vector<32xf32>
#ra = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d5, d6, d7, d3)>
#rb = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d1 + d6, d2 * 32 + d4 + d7)>
#rc = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d3, d1, d2, d4)>
func.func @channel_major_row_taps(%w: tensor<2x128x1x3x8xf32>, %x: tensor<128x8x66xf32>, %c: tensor<2x8x8x2x32xf32>) -> tensor<2x8x8x2x32xf32> {
  %r = linalg.generic {indexing_maps = [#ra, #rb, #rc], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%w, %x : tensor<2x128x1x3x8xf32>, tensor<128x8x66xf32>) outs(%c : tensor<2x8x8x2x32xf32>) attrs = {kiln.tap_product} {
  ^bb0(%wt: f32, %in: f32, %acc: f32):
    %m = arith.mulf %wt, %in : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x8x8x2x32xf32>
  return %r : tensor<2x8x8x2x32xf32>
}

// -----

// The same product for a 1x1 convolution (one tap, 1024 input channels read
// in place at 14x14): its input channels go in cache blocks of 128 rows of
// K (a 16 KiB block of a panel), not 256, so the input lines a sliver reads
// (one per channel) stay in L1 for the next sliver.
// CHECK-LABEL: func @one_tap_product
// CHECK: scf.forall
// CHECK: scf.for %{{.*}} = %c0 to %c1024 step %c128
// CHECK: scf.for %{{.*}} = %c0 to %c128 step %c1
// CHECK: vector.outerproduct {{.*}} : vector<7xf32>, vector<32xf32>
#oa = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d1 + d6, d2 * 7 + d3 + d7)>
#ob = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d5, d6, d7, d4)>
#oc = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d3, d0, d4)>
func.func @one_tap_product(%x: tensor<1024x14x14xf32>, %w: tensor<8x1024x1x1x32xf32>, %c: tensor<14x2x7x8x32xf32>) -> tensor<14x2x7x8x32xf32> {
  %r = linalg.generic {indexing_maps = [#oa, #ob, #oc], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<1024x14x14xf32>, tensor<8x1024x1x1x32xf32>) outs(%c : tensor<14x2x7x8x32xf32>) attrs = {kiln.tap_product} {
  ^bb0(%in: f32, %wt: f32, %acc: f32):
    %m = arith.mulf %in, %wt : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<14x2x7x8x32xf32>
  return %r : tensor<14x2x7x8x32xf32>
}

// -----

// A tap product at width stride 2 (a stride-2 convolution's pixels every
// other element of an input row): each register tile's 8 pixels are read
// one by one, at 0, 2, ..., 14 of a 15-element run, and broadcast; no
// vector read of 8 contiguous elements.
// CHECK-LABEL: func @strided_tap_product
// CHECK: %[[PIXELS:.*]] = tensor.extract_slice %{{.*}} [1, 1, 15] [1, 1, 1] : tensor<16x3x17xf32> to tensor<1x1x15xf32>
// CHECK: tensor.extract %[[PIXELS]][%c0, %c0, %c0]
// CHECK: tensor.extract %[[PIXELS]][%c0, %c0, %c2]
// CHECK: tensor.extract %[[PIXELS]][%c0, %c0, %c14]
// CHECK: %[[LHS:.*]] = vector.from_elements {{.*}} : vector<8xf32>
// CHECK: vector.outerproduct %[[LHS]], %{{.*}}, %{{.*}} {kind = #vector.kind<add>} : vector<8xf32>, vector<32xf32>
// CHECK-NOT: vector<15xf32>
#sa = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d1 + d6, d2 * 16 + d3 * 2 + d7)>
#sb = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d5, d6, d7, d4)>
#sc = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d3, d0, d4)>
func.func @strided_tap_product(%x: tensor<16x3x17xf32>, %w: tensor<1x16x3x3x32xf32>, %c: tensor<1x1x8x1x32xf32>) -> tensor<1x1x8x1x32xf32> {
  %r = linalg.generic {indexing_maps = [#sa, #sb, #sc], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<16x3x17xf32>, tensor<1x16x3x3x32xf32>) outs(%c : tensor<1x1x8x1x32xf32>) attrs = {kiln.tap_product} {
  ^bb0(%in: f32, %wt: f32, %acc: f32):
    %m = arith.mulf %in, %wt : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x1x8x1x32xf32>
  return %r : tensor<1x1x8x1x32xf32>
}

// -----

// A 1-D convolution's tap product (the audio CNN's first layer: 80-tap
// window at stride 16 over 16000 samples, the input split in 16 phases of
// 1000, 996 outputs in 166 pieces of 6 pixels): its image has one row, so
// the tasks take runs of pieces (2 pieces, 12 pixels: 83 tasks) instead of
// rows; with rows only it was a single task, on one thread.
// CHECK-LABEL: func @one_row_tap_product
// CHECK: scf.forall (%{{.*}}) = (0) to (166) step (2)
// CHECK: vector.outerproduct {{.*}} : vector<6xf32>, vector<32xf32>
#ra = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d1 + d6, d2 * 6 + d3 + d7)>
#rb = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d5, d6, d7, d4)>
#rc = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d3, d0, d4)>
func.func @one_row_tap_product(%x: tensor<16x1x1000xf32>, %w: tensor<1x16x1x5x32xf32>, %c: tensor<1x166x6x1x32xf32>) -> tensor<1x166x6x1x32xf32> {
  %r = linalg.generic {indexing_maps = [#ra, #rb, #rc], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : tensor<16x1x1000xf32>, tensor<1x16x1x5x32xf32>) outs(%c : tensor<1x166x6x1x32xf32>) attrs = {kiln.tap_product} {
  ^bb0(%in: f32, %wt: f32, %acc: f32):
    %m = arith.mulf %in, %wt : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x166x6x1x32xf32>
  return %r : tensor<1x166x6x1x32xf32>
}

// -----

// A batched matmul (BERT's attention products: heads x tokens x head size)
// keeps each 8 x 32 register tile's accumulators in registers across its K
// loop: the tile is written into the task's tile at its own place (not into
// a [1, 8, 32] slice inserted after), so the read and the write of the
// accumulators pair up and are hoisted out of the K loop. Before, all 16
// accumulator vectors went to memory and back every K step.
// CHECK-LABEL: func @batch_matmul_accumulators
// CHECK: scf.forall
// CHECK: scf.for %{{.*}} = %c0 to %c{{[0-9]+}} step %c8
// CHECK: %[[ACC:.*]] = vector.transfer_read {{.*}} vector<8x32xf32>
// CHECK: %[[K:.*]] = scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args(%[[A:.*]] = %[[ACC]]) -> (vector<8x32xf32>)
// CHECK-NOT: vector.transfer_write
// CHECK: vector.contract {{.*}} %[[A]] : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK-NOT: vector.transfer_write
// CHECK: scf.yield
// CHECK: vector.transfer_write %[[K]], {{.*}} : vector<8x32xf32>, tensor<1x16x32xf32>
// CHECK-NOT: tensor.insert_slice
func.func @batch_matmul_accumulators(%a: tensor<2x32x64xf32>, %b: tensor<2x64x32xf32>, %c: tensor<2x32x32xf32>) -> tensor<2x32x32xf32> {
  %mm = linalg.batch_matmul ins(%a, %b : tensor<2x32x64xf32>, tensor<2x64x32xf32>) outs(%c : tensor<2x32x32xf32>) -> tensor<2x32x32xf32>
  return %mm : tensor<2x32x32xf32>
}

// -----

// A packed matmul's epilogue in the product's view (kiln-pack-matmul-weights:
// BERT's and GPT-2's projections with their bias, GELU or residual): K = 128
// is one cache block, so each 8 x 32 register tile starts its accumulators
// from the bias, runs its K loop, applies the tanh and adds the residual
// in registers, and is written once, all in the product's tasks. The
// consumer's empty output and the residual's view are moved before the
// product's loop.
// CHECK-LABEL: func @packed_matmul_epilogue
// CHECK-SAME: (%[[X:.*]]: tensor<32x128xf32>, %[[RES:.*]]: tensor<32x64xf32>)
// CHECK: %[[RES3:.*]] = tensor.expand_shape %[[RES]]
// CHECK: scf.forall
// CHECK-NOT: vector.transfer_write
// CHECK: %[[BIAS:.*]] = vector.broadcast %{{.*}} : vector<32xf32> to vector<8x1x32xf32>
// CHECK: %[[ACC:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[BIAS]]) -> (vector<8x1x32xf32>)
// CHECK: vector.contract
// CHECK: %[[R:.*]] = vector.transfer_read %[[RES3]]
// CHECK: %[[T:.*]] = math.tanh %[[ACC]] : vector<8x1x32xf32>
// CHECK: %[[S:.*]] = arith.addf %[[T]], %[[R]]
// CHECK: vector.transfer_write %[[S]]
// CHECK-NOT: vector.transfer_write
// CHECK: tensor.parallel_insert_slice
// CHECK-NOT: scf.for
// CHECK: return
#pm_bias = affine_map<(d0, d1, d2) -> (d1, d2)>
#pm_id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#pm_a = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
#pm_b = affine_map<(d0, d1, d2, d3) -> (d1, d3, d2)>
#pm_c = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
func.func @packed_matmul_epilogue(%x: tensor<32x128xf32>, %res: tensor<32x64xf32>) -> tensor<32x64xf32> {
  %bias = arith.constant dense<2.500000e-01> : tensor<2x32xf32>
  %w = arith.constant dense<5.000000e-01> : tensor<2x128x32xf32>
  %e = tensor.empty() : tensor<32x64xf32>
  %e3 = tensor.expand_shape %e [[0], [1, 2]] output_shape [32, 2, 32] : tensor<32x64xf32> into tensor<32x2x32xf32>
  %start = linalg.generic {indexing_maps = [#pm_bias, #pm_id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%bias : tensor<2x32xf32>) outs(%e3 : tensor<32x2x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<32x2x32xf32>
  %p = linalg.generic {indexing_maps = [#pm_a, #pm_b, #pm_c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<32x128xf32>, tensor<2x128x32xf32>) outs(%start : tensor<32x2x32xf32>) attrs = {kiln.packed_matmul} {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %m = arith.mulf %in, %in_0 : f32
    %a = arith.addf %out, %m : f32
    linalg.yield %a : f32
  } -> tensor<32x2x32xf32>
  %e2 = tensor.empty() : tensor<32x64xf32>
  %res3 = tensor.expand_shape %res [[0], [1, 2]] output_shape [32, 2, 32] : tensor<32x64xf32> into tensor<32x2x32xf32>
  %out3 = tensor.expand_shape %e2 [[0], [1, 2]] output_shape [32, 2, 32] : tensor<32x64xf32> into tensor<32x2x32xf32>
  %r = linalg.generic {indexing_maps = [#pm_id, #pm_id, #pm_id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%p, %res3 : tensor<32x2x32xf32>, tensor<32x2x32xf32>) outs(%out3 : tensor<32x2x32xf32>) {
  ^bb0(%in: f32, %r0: f32, %out: f32):
    %t = math.tanh %in : f32
    %s = arith.addf %t, %r0 : f32
    linalg.yield %s : f32
  } -> tensor<32x2x32xf32>
  %c = tensor.collapse_shape %r [[0], [1, 2]] : tensor<32x2x32xf32> into tensor<32x64xf32>
  return %c : tensor<32x64xf32>
}

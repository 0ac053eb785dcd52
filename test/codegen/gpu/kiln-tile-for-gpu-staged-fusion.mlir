// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(kiln-tile-for-gpu{multiprocessors=1}),canonicalize,cse,kiln-bufferize,canonicalize,func.func(kiln-tile-for-gpu{multiprocessors=1}),canonicalize,cse)' | FileCheck %s

// A staged matmul's kernel takes in the op that starts its accumulator
// (here the Gemm's bias, broadcast) and its elementwise consumer (a ReLU):
// each thread starts its outputs from the bias, read in the kernel, and
// stores the ReLU of its sums into the consumer's output. One kernel, no
// accumulator in memory; the bias and ReLU ops are gone.
// CHECK-LABEL: func @bias_relu
// CHECK-SAME: (%[[A:.*]]: memref<32x16xf32>, %[[B:.*]]: memref<16x32xf32>, %[[BIAS:.*]]: memref<32xf32>, %[[OUT:.*]]: memref<32x32xf32> {bufferize.result})
// CHECK-NOT: memref.alloc() {{.*}} : memref<32x32xf32>
// CHECK: scf.forall ({{.*}}) in (1, 2) {
// CHECK:   scf.forall (%{{.*}}) in (256) {
// CHECK:     %[[B0:.*]] = memref.load %[[BIAS]][%[[COL:.*]]] : memref<32xf32>
// CHECK:     gpu.barrier
// CHECK:     math.fma %{{.*}}, %{{.*}}, %[[B0]]
// CHECK:     math.fma %{{.*}}, %{{.*}}, %[[B0]]
// CHECK:     %[[R0:.*]] = arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK:     memref.store %[[R0]], %[[OUT]][%{{.*}}, %[[COL]]]
// CHECK:     %[[R1:.*]] = arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK:     memref.store %[[R1]], %[[OUT]][%{{.*}}, %[[COL]]]
// CHECK-NOT: scf.forall
// CHECK-NOT: linalg.
// CHECK: return
#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @bias_relu(%a: tensor<32x16xf32>, %b: tensor<16x32xf32>, %bias: tensor<32xf32>) -> tensor<32x32xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x32xf32>
  %start = linalg.generic {indexing_maps = [#col, #id], iterator_types = ["parallel", "parallel"]} ins(%bias : tensor<32xf32>) outs(%e : tensor<32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<32x32xf32>
  %p = linalg.matmul ins(%a, %b : tensor<32x16xf32>, tensor<16x32xf32>) outs(%start : tensor<32x32xf32>) -> tensor<32x32xf32>
  %e2 = tensor.empty() : tensor<32x32xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%p : tensor<32x32xf32>) outs(%e2 : tensor<32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %cst : f32
    linalg.yield %m : f32
  } -> tensor<32x32xf32>
  return %r : tensor<32x32xf32>
}

// -----

// An f16 matmul on the tensor cores (one k step, so no loop): the zero
// fill becomes the accumulators' start and the rounding to f16 happens on the way out, so
// the f32 accumulator never reaches memory. Each row's two columns of an
// accumulator are rounded and stored as one pair of halves.
// CHECK-LABEL: func @f16_round
// CHECK-SAME: %[[OUT:[a-z0-9]+]]: memref<32x32xf16> {bufferize.result})
// CHECK-NOT: memref.alloc() {{.*}} : memref<32x32xf32>
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<2x2xf32>
// CHECK: scf.forall
// CHECK:   nvgpu.mma.sync(%{{.*}}, %{{.*}}, %[[ZERO]]) {mmaShape = [16, 8, 16]}
// CHECK-COUNT-2: arith.truncf %{{.*}} : f32 to f16
// CHECK: %[[PAIR:.*]] = vector.from_elements %{{.*}}, %{{.*}} : vector<2xf16>
// CHECK: vector.store %[[PAIR]], %[[OUT]][%{{.*}}, %{{.*}}] {alignment = 4 : i64} : memref<32x32xf16>, vector<2xf16>
// CHECK-COUNT-2: arith.truncf %{{.*}} : f32 to f16
// CHECK: vector.store %{{.*}}, %[[OUT]]
// CHECK-NOT: linalg.
// CHECK: return
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @f16_round(%a: tensor<32x16xf16>, %b: tensor<16x32xf16>) -> tensor<32x32xf16> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x32xf32>
  %start = linalg.fill ins(%zero : f32) outs(%e : tensor<32x32xf32>) -> tensor<32x32xf32>
  %p = linalg.matmul ins(%a, %b : tensor<32x16xf16>, tensor<16x32xf16>) outs(%start : tensor<32x32xf32>) -> tensor<32x32xf32>
  %e2 = tensor.empty() : tensor<32x32xf16>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%p : tensor<32x32xf32>) outs(%e2 : tensor<32x32xf16>) {
  ^bb0(%in: f32, %out: f16):
    %t = arith.truncf %in : f32 to f16
    linalg.yield %t : f16
  } -> tensor<32x32xf16>
  return %r : tensor<32x32xf16>
}

// -----

// A consumer whose other input is computed after the product cannot run
// in the product's kernel (that input is not there yet): the kernel takes
// in the fill only, stores its sums, and the addition stays a kernel of its
// own (after the negation it waits for).
// CHECK-LABEL: func @late_residual
// CHECK: %[[ACC:.*]] = memref.alloc() {{.*}} : memref<32x32xf32>
// CHECK: scf.forall ({{.*}}) in (1, 2) {
// CHECK:   math.fma %{{.*}}, %{{.*}}, %[[ZERO:cst[_0-9]*]]
// CHECK:   math.fma %{{.*}}, %{{.*}}, %[[ZERO]]
// CHECK:   memref.store %{{.*}}, %[[ACC]][
// CHECK: scf.forall
// CHECK:   arith.negf
// CHECK: scf.forall
// CHECK:   arith.addf
// CHECK-NOT: linalg.fill
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @late_residual(%a: tensor<32x16xf32>, %b: tensor<16x32xf32>, %x: tensor<32x32xf32>) -> (tensor<32x32xf32>, tensor<32x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x32xf32>
  %start = linalg.fill ins(%zero : f32) outs(%e : tensor<32x32xf32>) -> tensor<32x32xf32>
  %p = linalg.matmul ins(%a, %b : tensor<32x16xf32>, tensor<16x32xf32>) outs(%start : tensor<32x32xf32>) -> tensor<32x32xf32>
  %e1 = tensor.empty() : tensor<32x32xf32>
  %late = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<32x32xf32>) outs(%e1 : tensor<32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<32x32xf32>
  %e2 = tensor.empty() : tensor<32x32xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%p, %late : tensor<32x32xf32>, tensor<32x32xf32>) outs(%e2 : tensor<32x32xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %s = arith.addf %in, %in2 : f32
    linalg.yield %s : f32
  } -> tensor<32x32xf32>
  return %r, %late : tensor<32x32xf32>, tensor<32x32xf32>
}

// -----

// A product the function also returns is read twice: its consumer stays a
// kernel of its own, reading the stored product.
// CHECK-LABEL: func @product_returned
// CHECK-SAME: %[[P:[a-z0-9]+]]: memref<32x32xf32> {bufferize.result}, %[[R:[a-z0-9]+]]: memref<32x32xf32> {bufferize.result})
// CHECK: scf.forall ({{.*}}) in (1, 2) {
// CHECK:   memref.store %{{.*}}, %[[P]]
// CHECK: scf.forall
// CHECK:   memref.subview %[[P]]
// CHECK:   arith.maximumf
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @product_returned(%a: tensor<32x16xf32>, %b: tensor<16x32xf32>) -> (tensor<32x32xf32>, tensor<32x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x32xf32>
  %start = linalg.fill ins(%zero : f32) outs(%e : tensor<32x32xf32>) -> tensor<32x32xf32>
  %p = linalg.matmul ins(%a, %b : tensor<32x16xf32>, tensor<16x32xf32>) outs(%start : tensor<32x32xf32>) -> tensor<32x32xf32>
  %e2 = tensor.empty() : tensor<32x32xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%p : tensor<32x32xf32>) outs(%e2 : tensor<32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<32x32xf32>
  return %p, %r : tensor<32x32xf32>, tensor<32x32xf32>
}

// -----

// A consumer of two products (two branches added, then a ReLU) is taken in
// by the later product only: the earlier one stores its sums (the consumer
// was marked for the later product, whose sums it reads in registers).
// Bufferization puts them where the consumer's result goes, the result
// here, and the consumer reads each element there before it writes it.
// CHECK-LABEL: func @two_products
// CHECK: scf.forall ({{.*}}) in (1, 2) {
// CHECK:   memref.store %{{.*}}, %[[FIRST:arg[0-9]+]][
// CHECK: scf.forall ({{.*}}) in (1, 2) {
// CHECK-COUNT-32: math.fma
// CHECK:   %[[F0:.*]] = memref.load %[[FIRST]][
// CHECK:   %[[S0:.*]] = arith.addf %[[F0]], %{{.*}} : f32
// CHECK:   arith.maximumf %[[S0]]
// CHECK-NOT: scf.forall
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @two_products(%a: tensor<32x16xf32>, %w1: tensor<16x32xf32>, %b: tensor<32x16xf32>, %w2: tensor<16x32xf32>) -> tensor<32x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x32xf32>
  %s1 = linalg.fill ins(%zero : f32) outs(%e : tensor<32x32xf32>) -> tensor<32x32xf32>
  %p1 = linalg.matmul ins(%a, %w1 : tensor<32x16xf32>, tensor<16x32xf32>) outs(%s1 : tensor<32x32xf32>) -> tensor<32x32xf32>
  %s2 = linalg.fill ins(%zero : f32) outs(%e : tensor<32x32xf32>) -> tensor<32x32xf32>
  %p2 = linalg.matmul ins(%b, %w2 : tensor<32x16xf32>, tensor<16x32xf32>) outs(%s2 : tensor<32x32xf32>) -> tensor<32x32xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%p1, %p2 : tensor<32x32xf32>, tensor<32x32xf32>) outs(%e : tensor<32x32xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<32x32xf32>
  return %r : tensor<32x32xf32>
}

// -----

// y = x + round(x W): bufferization writes y over x in place, and x is the
// product's A. Taken into the product's kernel, the consumer would store y
// into x while other blocks still stage x: it stays a kernel of its own,
// and the product stores its sums.
// CHECK-LABEL: func @residual_of_input
// CHECK: %[[ACC:.*]] = memref.alloc() {{.*}} : memref<32x32xf32>
// CHECK: scf.forall ({{.*}}) in (1, 1) {
// CHECK:   nvgpu.mma.sync
// CHECK:   vector.store %{{.*}}, %[[ACC]][{{.*}}] {alignment = 8 : i64} : memref<32x32xf32>, vector<2xf32>
// CHECK: scf.forall
// CHECK:   arith.truncf
// CHECK:   arith.addf
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @residual_of_input(%x0: tensor<32x32xf16>, %w: tensor<32x32xf16>) -> tensor<32x32xf16> {
  %zero = arith.constant 0.0 : f32
  %e16 = tensor.empty() : tensor<32x32xf16>
  %x = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x0 : tensor<32x32xf16>) outs(%e16 : tensor<32x32xf16>) {
  ^bb0(%in: f16, %out: f16):
    %n = arith.negf %in : f16
    linalg.yield %n : f16
  } -> tensor<32x32xf16>
  %e = tensor.empty() : tensor<32x32xf32>
  %s = linalg.fill ins(%zero : f32) outs(%e : tensor<32x32xf32>) -> tensor<32x32xf32>
  %p = linalg.matmul ins(%x, %w : tensor<32x32xf16>, tensor<32x32xf16>) outs(%s : tensor<32x32xf32>) -> tensor<32x32xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%p, %x : tensor<32x32xf32>, tensor<32x32xf16>) outs(%e16 : tensor<32x32xf16>) {
  ^bb0(%a: f32, %b: f16, %out: f16):
    %t = arith.truncf %a : f32 to f16
    %u = arith.addf %t, %b : f16
    linalg.yield %u : f16
  } -> tensor<32x32xf16>
  return %r : tensor<32x32xf16>
}

// -----

// Two projections of one input share a CSE'd zero fill: each product gets
// a copy and starts from zeros in its kernel. The first one's bias is added
// after an expand_shape (a batch axis split off): the addition is rebuilt
// over the product's own shape and taken in, storing through a view of
// the [1, 32, 32] result.
// CHECK-LABEL: func @projections
// CHECK-SAME: %[[BQ:[a-z0-9]+]]: memref<32xf32>, %[[QB:[a-z0-9]+]]: memref<1x32x32xf32> {bufferize.result}, %[[K:[a-z0-9]+]]: memref<32x32xf32> {bufferize.result})
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[VIEW:.*]] = memref.collapse_shape %[[QB]] {{\[\[}}0, 1], [2]]
// CHECK: scf.forall
// CHECK:   math.fma %{{.*}}, %{{.*}}, %[[ZERO]]
// CHECK:   math.fma %{{.*}}, %{{.*}}, %[[ZERO]]
// CHECK:   %[[B:.*]] = memref.load %[[BQ]]
// CHECK:   %[[S:.*]] = arith.addf %{{.*}}, %[[B]]
// CHECK:   memref.store %[[S]], %[[VIEW]]
// CHECK: scf.forall
// CHECK:   math.fma %{{.*}}, %{{.*}}, %[[ZERO]]
// CHECK:   math.fma %{{.*}}, %{{.*}}, %[[ZERO]]
// CHECK:   memref.store %{{.*}}, %[[K]]
// CHECK-NOT: scf.forall
// CHECK-NOT: linalg.
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#bias = affine_map<(d0, d1, d2) -> (d2)>
func.func @projections(%x: tensor<32x16xf32>, %wq: tensor<16x32xf32>, %wk: tensor<16x32xf32>, %bq: tensor<32xf32>) -> (tensor<1x32x32xf32>, tensor<32x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x32xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<32x32xf32>) -> tensor<32x32xf32>
  %q = linalg.matmul ins(%x, %wq : tensor<32x16xf32>, tensor<16x32xf32>) outs(%fill : tensor<32x32xf32>) -> tensor<32x32xf32>
  %q3 = tensor.expand_shape %q [[0, 1], [2]] output_shape [1, 32, 32] : tensor<32x32xf32> into tensor<1x32x32xf32>
  %e3 = tensor.empty() : tensor<1x32x32xf32>
  %qb = linalg.generic {indexing_maps = [#id3, #bias, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%q3, %bq : tensor<1x32x32xf32>, tensor<32xf32>) outs(%e3 : tensor<1x32x32xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x32x32xf32>
  %k = linalg.matmul ins(%x, %wk : tensor<32x16xf32>, tensor<16x32xf32>) outs(%fill : tensor<32x32xf32>) -> tensor<32x32xf32>
  return %qb, %k : tensor<1x32x32xf32>, tensor<32x32xf32>
}

// -----

// A consumer behind an expand_shape that also reads a per-position input
// through (d1, d2): upstream's collapsing cannot rebuild it over the
// product's [32, 32] loops (d0 and d1 do not stay together in that map),
// so its maps are composed with the expansion: the input is read at
// (row mod 16, column), and the consumer is taken in. One kernel.
// CHECK: #[[MOD16:.*]] = affine_map<(d0) -> (d0 mod 16)>
// CHECK-LABEL: func @per_position_input
// CHECK-SAME: %[[P:[a-z0-9]+]]: memref<16x32xf32>, %[[OUT:[a-z0-9]+]]: memref<2x16x32xf32> {bufferize.result})
// CHECK: %[[VIEW:.*]] = memref.collapse_shape %[[OUT]]
// CHECK: scf.forall ({{.*}}) in (1, 2) {
// CHECK:   %[[ROW:.*]] = affine.apply #[[MOD16]](%{{.*}})
// CHECK:   %[[B:.*]] = memref.load %[[P]][%[[ROW]], %{{.*}}]
// CHECK:   %[[S:.*]] = arith.addf %{{.*}}, %[[B]]
// CHECK:   memref.store %[[S]], %[[VIEW]]
// CHECK-NOT: scf.forall
// CHECK-NOT: linalg.
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#pos = affine_map<(d0, d1, d2) -> (d1, d2)>
func.func @per_position_input(%x: tensor<32x16xf32>, %w: tensor<16x32xf32>, %p: tensor<16x32xf32>) -> tensor<2x16x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x32xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<32x32xf32>) -> tensor<32x32xf32>
  %q = linalg.matmul ins(%x, %w : tensor<32x16xf32>, tensor<16x32xf32>) outs(%fill : tensor<32x32xf32>) -> tensor<32x32xf32>
  %q3 = tensor.expand_shape %q [[0, 1], [2]] output_shape [2, 16, 32] : tensor<32x32xf32> into tensor<2x16x32xf32>
  %e3 = tensor.empty() : tensor<2x16x32xf32>
  %r = linalg.generic {indexing_maps = [#id3, #pos, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%q3, %p : tensor<2x16x32xf32>, tensor<16x32xf32>) outs(%e3 : tensor<2x16x32xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<2x16x32xf32>
  return %r : tensor<2x16x32xf32>
}

// -----

// An attention's scores, scaled and masked behind an expand_shape (the
// heads' [2, 32, 32] as [1, 2, 32, 32]), the mask a broadcast [1, 1, 1, 32]
// read at (d0, 0, 0, d3): the consumer is rebuilt over the product's loops
// (the mask read at (0, 0, 0, d2)) and taken in: one kernel, which stores
// the masked scores through a view of the [1, 2, 32, 32] result.
// CHECK-LABEL: func @masked_scores
// CHECK-SAME: %[[MASK:[a-z0-9]+]]: memref<1x1x1x32xf32>, %[[OUT:[a-z0-9]+]]: memref<1x2x32x32xf32> {bufferize.result})
// CHECK: %[[VIEW:.*]] = memref.collapse_shape %[[OUT]] {{\[\[}}0, 1], [2], [3]]
// CHECK: scf.forall
// CHECK:   math.fma
// CHECK:   %[[M:.*]] = memref.load %[[MASK]][%c0, %c0, %c0,
// CHECK:   %[[S:.*]] = arith.addf %{{.*}}, %[[M]]
// CHECK:   memref.store %[[S]], %[[VIEW]]
// CHECK-NOT: scf.forall
// CHECK-NOT: linalg.
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#mask = affine_map<(d0, d1, d2, d3) -> (d0, 0, 0, d3)>
func.func @masked_scores(%q: tensor<2x32x64xf32>, %k: tensor<2x64x32xf32>, %mask: tensor<1x1x1x32xf32>) -> tensor<1x2x32x32xf32> {
  %zero = arith.constant 0.0 : f32
  %eight = arith.constant 8.0 : f32
  %e = tensor.empty() : tensor<2x32x32xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<2x32x32xf32>) -> tensor<2x32x32xf32>
  %s = linalg.batch_matmul ins(%q, %k : tensor<2x32x64xf32>, tensor<2x64x32xf32>) outs(%fill : tensor<2x32x32xf32>) -> tensor<2x32x32xf32>
  %s4 = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 2, 32, 32] : tensor<2x32x32xf32> into tensor<1x2x32x32xf32>
  %e4 = tensor.empty() : tensor<1x2x32x32xf32>
  %r = linalg.generic {indexing_maps = [#id4, #mask, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s4, %mask : tensor<1x2x32x32xf32>, tensor<1x1x1x32xf32>) outs(%e4 : tensor<1x2x32x32xf32>) {
  ^bb0(%a: f32, %m: f32, %out: f32):
    %d = arith.divf %a, %eight : f32
    %t = arith.addf %d, %m : f32
    linalg.yield %t : f32
  } -> tensor<1x2x32x32xf32>
  return %r : tensor<1x2x32x32xf32>
}

// -----

// A block reduction (4 sums of 1024 elements: a block per sum) takes in
// the fill that starts its outputs and its consumer the same way: thread 0
// folds the block's total into the fill's value and stores the
// consumer's value there (here the square root) into the consumer's
// output; neither is a kernel of its own.
// CHECK-LABEL: func @reduction_start
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NOT: linalg.fill
// CHECK: scf.forall ({{.*}}) in (4) {
// CHECK:   scf.forall (%[[T:.*]]) in (128) {
// CHECK:     gpu.shuffle xor
// CHECK:     scf.if
// CHECK:       %[[TOTAL:.*]] = arith.addf %{{.*}}, %[[ZERO]] : f32
// CHECK:       %[[ROOT:.*]] = math.sqrt %[[TOTAL]] : f32
// CHECK:       memref.store %[[ROOT]]
// CHECK-NOT: scf.forall
// CHECK: return
#rows = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#id1 = affine_map<(d0) -> (d0)>
func.func @reduction_start(%x: tensor<4x1024xf32>) -> tensor<4xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%empty : tensor<4xf32>) -> tensor<4xf32>
  %sum = linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x1024xf32>) outs(%fill : tensor<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %v, %acc : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %root = linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%sum : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = math.sqrt %v : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  return %root : tensor<4xf32>
}

// -----

// A LayerNorm's mean: the block reduction takes in its consumer (the sum's
// scaling) and stores the mean itself, into the mean's buffer (the sums get
// an allocation of their own, which nothing then uses), where the
// centering, the only other kernel, reads it. (Rows of up to 8192 would be
// one row kernel: kiln-tile-for-gpu-row-groups.mlir.)
// CHECK-LABEL: func @mean_in_place
// CHECK: scf.forall ({{.*}}) in (4) {
// CHECK:   scf.forall (%{{.*}}) in (256) {
// CHECK:     gpu.shuffle xor
// CHECK:     scf.if
// CHECK:       %[[MEAN:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK:       memref.store %[[MEAN]], %[[SUMS:[a-z0-9_]+]]
// CHECK: scf.forall
// CHECK:   memref.subview %[[SUMS]]
// CHECK:   arith.subf
// CHECK-NOT: scf.forall
// CHECK: return
#rows2 = affine_map<(d0, d1) -> (d0, d1)>
#row2 = affine_map<(d0, d1) -> (d0)>
#id2 = affine_map<(d0) -> (d0)>
func.func @mean_in_place(%x: tensor<4x16384xf32>) -> tensor<4x16384xf32> {
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 16384.0 : f32
  %empty = tensor.empty() : tensor<4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%empty : tensor<4xf32>) -> tensor<4xf32>
  %sum = linalg.generic {indexing_maps = [#rows2, #row2], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x16384xf32>) outs(%fill : tensor<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %v, %acc : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %mean = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel"]}
      ins(%sum : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.divf %v, %n : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  %e2 = tensor.empty() : tensor<4x16384xf32>
  %c = linalg.generic {indexing_maps = [#rows2, #row2, #rows2], iterator_types = ["parallel", "parallel"]}
      ins(%x, %mean : tensor<4x16384xf32>, tensor<4xf32>) outs(%e2 : tensor<4x16384xf32>) {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %d = arith.subf %v, %m : f32
    linalg.yield %d : f32
  } -> tensor<4x16384xf32>
  return %c : tensor<4x16384xf32>
}

// -----

// A start that reads a tensor its operands do not name (a padding, whose
// body reads its source at clamped indices) is not taken in: the buffers
// checked for reuse between the start and the product are its operands'
// only. The padding stays a kernel of its own; the product starts from its
// result in memory.
// CHECK-LABEL: func @padded_start
// CHECK: scf.forall
// CHECK:   arith.select
// CHECK: scf.forall ({{.*}}) in (1, 2) {
// CHECK:   memref.alloc() : memref<2x32x16xf32, #gpu.address_space<workgroup>>
// CHECK-NOT: arith.select
// CHECK:   gpu.barrier
func.func @padded_start(%a: tensor<32x48xf32>, %b: tensor<48x32xf32>, %c: tensor<30x30xf32>) -> tensor<32x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<32x32xf32>) -> tensor<32x32xf32>
  %pad = tensor.insert_slice %c into %f[1, 1] [30, 30] [1, 1] : tensor<30x30xf32> into tensor<32x32xf32>
  %p = linalg.matmul ins(%a, %b : tensor<32x48xf32>, tensor<48x32xf32>) outs(%pad : tensor<32x32xf32>) -> tensor<32x32xf32>
  return %p : tensor<32x32xf32>
}

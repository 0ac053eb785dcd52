// RUN: kiln-opt %s -split-input-file -kiln-fuse-elementwise="keep-shared-results=true" | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-fuse-elementwise | FileCheck %s --check-prefix=APART

#id = affine_map<(d0, d1) -> (d0, d1)>

// Two steps of a recurrent cell: each step's state %c is read by the step's
// output %h and by the next step. With keep-shared-results each step is one
// op yielding both, the next step reading the state from the op before; no
// body is computed twice. Without it, each state stays an op of its own.
// CHECK-LABEL: func @two_steps
// CHECK-SAME: (%[[C0:.*]]: tensor<1x8xf32>, %[[G0:.*]]: tensor<1x8xf32>, %[[G1:.*]]: tensor<1x8xf32>)
// CHECK: %[[S0:.*]]:2 = linalg.generic {{.*}} ins(%[[C0]], %[[G0]] : tensor<1x8xf32>, tensor<1x8xf32>)
// CHECK-COUNT-1: math.tanh
// CHECK: linalg.yield
// CHECK: %[[S1:.*]]:2 = linalg.generic {{.*}} ins(%[[S0]]#0, %[[G1]] : tensor<1x8xf32>, tensor<1x8xf32>)
// CHECK-COUNT-1: math.tanh
// CHECK: linalg.yield
// CHECK-NOT: linalg.generic
// CHECK: return %[[S0]]#1, %[[S1]]#1, %[[S1]]#0
// APART-LABEL: func @two_steps
// APART-COUNT-4: linalg.generic
// APART-NOT: linalg.generic
// APART: return
func.func @two_steps(%c0: tensor<1x8xf32>, %g0: tensor<1x8xf32>, %g1: tensor<1x8xf32>)
    -> (tensor<1x8xf32>, tensor<1x8xf32>, tensor<1x8xf32>) {
  %e = tensor.empty() : tensor<1x8xf32>
  %c1 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c0, %g0 : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) {
  ^bb0(%c: f32, %g: f32, %out: f32):
    %s = arith.addf %c, %g : f32
    linalg.yield %s : f32
  } -> tensor<1x8xf32>
  %h1 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c1 : tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) {
  ^bb0(%c: f32, %out: f32):
    %t = math.tanh %c : f32
    linalg.yield %t : f32
  } -> tensor<1x8xf32>
  %c2 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c1, %g1 : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) {
  ^bb0(%c: f32, %g: f32, %out: f32):
    %s = arith.addf %c, %g : f32
    linalg.yield %s : f32
  } -> tensor<1x8xf32>
  %h2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c2 : tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) {
  ^bb0(%c: f32, %out: f32):
    %t = math.tanh %c : f32
    linalg.yield %t : f32
  } -> tensor<1x8xf32>
  return %h1, %h2, %c2 : tensor<1x8xf32>, tensor<1x8xf32>, tensor<1x8xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#t = affine_map<(d0, d1) -> (d1, d0)>

// A reader through a permutation (a transpose) takes the producer in too;
// the producer's result, yielded through the inverse map, is the same.
// CHECK-LABEL: func @transposed_reader
// CHECK: %[[F:.*]]:2 = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}]
// CHECK-SAME: outs(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8x4xf32>)
// CHECK: arith.negf
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
// CHECK: return %[[F]]#1, %[[F]]#0
func.func @transposed_reader(%x: tensor<4x8xf32>) -> (tensor<8x4xf32>, tensor<4x8xf32>) {
  %e = tensor.empty() : tensor<4x8xf32>
  %et = tensor.empty() : tensor<8x4xf32>
  %p = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<4x8xf32>
  %q = linalg.generic {indexing_maps = [#t, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p : tensor<4x8xf32>) outs(%et : tensor<8x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %in : f32
    linalg.yield %m : f32
  } -> tensor<8x4xf32>
  return %q, %p : tensor<8x4xf32>, tensor<4x8xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>

// Not taken in: the first reader of %p is a reduction (a sum over rows),
// not elementwise, and the elementwise reader %b comes after it; the one
// reader of %r besides the return broadcasts it (%bc, over more points),
// so it would compute each of %r's values more than once. Each op stays.
// CHECK-LABEL: func @kept_apart
// CHECK-COUNT-5: linalg.generic
// CHECK-NOT: linalg.generic
func.func @kept_apart(%x: tensor<4x8xf32>, %v: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<3x8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<4x8xf32>
  %e1 = tensor.empty() : tensor<8xf32>
  %e3 = tensor.empty() : tensor<3x8xf32>
  %p = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<4x8xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["reduction", "parallel"]}
      ins(%p : tensor<4x8xf32>) outs(%e1 : tensor<8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %in : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%v : tensor<8xf32>) outs(%e1 : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = math.exp %in : f32
    linalg.yield %t : f32
  } -> tensor<8xf32>
  %bc = linalg.generic {indexing_maps = [#row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%r : tensor<8xf32>) outs(%e3 : tensor<3x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = arith.mulf %in, %in : f32
    linalg.yield %t : f32
  } -> tensor<3x8xf32>
  return %sum, %b, %p, %bc, %r : tensor<8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<3x8xf32>, tensor<8xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#rows = affine_map<(d0, d1) -> (d0)>

// A LayerNorm's centered input %d is read by its square, whose one reader
// is the variance's sum, and by the normalization after the sum. The
// square fuses into the sum, whichever the rewrites take first (it is not
// given %d as a second result, which would keep it an op of its own:
// keepsSharedResult leaves an op that fuses into its reader alone), and
// the normalization comes after another reader of %d: %d stays an op.
// CHECK-LABEL: func @square_into_sum
// CHECK: %[[D:.*]] = linalg.generic
// CHECK: arith.subf
// CHECK: linalg.generic {{.*}} ins(%[[D]] : tensor<4x8xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} ins(%[[D]], %{{.*}} : tensor<4x8xf32>, tensor<4xf32>)
// CHECK: arith.divf
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @square_into_sum(%x: tensor<4x8xf32>, %m: tensor<4xf32>) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %zero = arith.constant 0.0 : f32
  %e4 = tensor.empty() : tensor<4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e4 : tensor<4xf32>) -> tensor<4xf32>
  %d = linalg.generic {indexing_maps = [#id, #rows, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %m : tensor<4x8xf32>, tensor<4xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %mean: f32, %out: f32):
    %s = arith.subf %in, %mean : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %sq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%d : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %p = arith.mulf %in, %in : f32
    linalg.yield %p : f32
  } -> tensor<4x8xf32>
  %var = linalg.generic {indexing_maps = [#id, #rows], iterator_types = ["parallel", "reduction"]}
      ins(%sq : tensor<4x8xf32>) outs(%z : tensor<4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %a = arith.addf %in, %acc : f32
    linalg.yield %a : f32
  } -> tensor<4xf32>
  %n = linalg.generic {indexing_maps = [#id, #rows, #id], iterator_types = ["parallel", "parallel"]}
      ins(%d, %var : tensor<4x8xf32>, tensor<4xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %v: f32, %out: f32):
    %q = arith.divf %in, %v : f32
    linalg.yield %q : f32
  } -> tensor<4x8xf32>
  return %n : tensor<4x8xf32>
}

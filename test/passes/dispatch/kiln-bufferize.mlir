// RUN: kiln-opt %s -split-input-file -kiln-bufferize | FileCheck %s

#map = affine_map<(d0) -> (d0)>

// Results become out-parameters marked bufferize.result, written in place by
// the op that computes them; intermediates get buffers; inputs are only read.
// CHECK-LABEL: func @main
// CHECK-SAME: (%[[X:[^:]*]]: memref<16xf32>, %[[Y:[^:]*]]: memref<16xf32>, %[[OUT:[^:]*]]: memref<16xf32> {bufferize.result})
// CHECK-NOT: ->
// CHECK: %[[TMP:.*]] = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[Y]] : memref<16xf32>, memref<16xf32>) outs(%[[TMP]] : memref<16xf32>)
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} ins(%[[TMP]] : memref<16xf32>) outs(%[[OUT]] : memref<16xf32>)
// CHECK: math.exp
// CHECK-NOT: memref.copy
// CHECK: return{{$}}
func.func @main(%x: tensor<16xf32>, %y: tensor<16xf32>) -> tensor<16xf32> {
  %e = tensor.empty() : tensor<16xf32>
  %a = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel"]}
      ins(%x, %y : tensor<16xf32>, tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%in: f32, %in1: f32, %out: f32):
    %s = arith.addf %in, %in1 : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %e2 = tensor.empty() : tensor<16xf32>
  %b = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%a : tensor<16xf32>) outs(%e2 : tensor<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = math.exp %in : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %b : tensor<16xf32>
}

// -----

#map = affine_map<(d0) -> (d0)>

// An op whose destination is a model input must not write into the caller's
// const buffer: the input is copied (with linalg.copy) into the output first.
// CHECK-LABEL: func @main
// CHECK-SAME: (%[[X:[^:]*]]: memref<16xf32>, %[[Y:[^:]*]]: memref<16xf32>, %[[OUT:[^:]*]]: memref<16xf32> {bufferize.result})
// CHECK-NOT: outs(%[[X]]
// CHECK: linalg.copy ins(%[[X]] : memref<16xf32>) outs(%[[OUT]] : memref<16xf32>)
// CHECK-NOT: outs(%[[X]]
// CHECK: linalg.generic {{.*}} ins(%[[Y]] : memref<16xf32>) outs(%[[OUT]] : memref<16xf32>)
// CHECK-NOT: outs(%[[X]]
// CHECK: return
func.func @main(%x: tensor<16xf32>, %y: tensor<16xf32>) -> tensor<16xf32> {
  %a = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%y : tensor<16xf32>) outs(%x : tensor<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %a : tensor<16xf32>
}

// -----

// Returning an input copies it into its out-parameter with linalg.copy (so
// it is vectorized like any op), never memref.copy (a runtime call).
// CHECK-LABEL: func @main
// CHECK-SAME: (%[[X:[^:]*]]: memref<2x3xf32>, %[[OUT:[^:]*]]: memref<2x3xf32> {bufferize.result})
// CHECK-NEXT: linalg.copy ins(%[[X]] : memref<2x3xf32>) outs(%[[OUT]] : memref<2x3xf32>)
// CHECK-NEXT: return
// CHECK-NOT: memref.copy
func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}

// -----

// Concatenation writes every piece straight into the output's slices.
// CHECK-LABEL: func @main
// CHECK-SAME: (%[[A:[^:]*]]: memref<2x1xf32>, %[[C:[^:]*]]: memref<2x3xf32>, %[[OUT:[^:]*]]: memref<2x4xf32> {bufferize.result})
// CHECK-NOT: memref.alloc
// CHECK: %[[S0:.*]] = memref.subview %[[OUT]][0, 0] [2, 1] [1, 1]
// CHECK: linalg.copy ins(%[[A]] : memref<2x1xf32>) outs(%[[S0]] :
// CHECK: %[[S1:.*]] = memref.subview %[[OUT]][0, 1] [2, 3] [1, 1]
// CHECK: linalg.copy ins(%[[C]] : memref<2x3xf32>) outs(%[[S1]] :
// CHECK-NOT: memref.copy
func.func @main(%a: tensor<2x1xf32>, %c: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %0 = tensor.empty() : tensor<2x4xf32>
  %1 = tensor.insert_slice %a into %0[0, 0] [2, 1] [1, 1] : tensor<2x1xf32> into tensor<2x4xf32>
  %2 = tensor.insert_slice %c into %1[0, 1] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<2x4xf32>
  return %2 : tensor<2x4xf32>
}

// -----

#map = affine_map<(d0) -> (d0)>

// Two outputs that are the same tensor (as after an Identity folds away):
// the first is computed in place, the second copied from it. Argument and
// result names survive.
// CHECK-LABEL: func @main
// CHECK-SAME: (%[[X:[^:]*]]: memref<16xf32> {kiln.name = "x"}, %[[OUT0:[^:]*]]: memref<16xf32> {bufferize.result, kiln.name = "y"}, %[[OUT1:[^:]*]]: memref<16xf32> {bufferize.result, kiln.name = "z"})
// CHECK: linalg.generic {{.*}} ins(%[[X]] : memref<16xf32>) outs(%[[OUT0]] : memref<16xf32>)
// CHECK: linalg.copy ins(%[[OUT0]] : memref<16xf32>) outs(%[[OUT1]] : memref<16xf32>)
// CHECK-NEXT: return
func.func @main(%x: tensor<16xf32> {kiln.name = "x"}) -> (tensor<16xf32> {kiln.name = "y"}, tensor<16xf32> {kiln.name = "z"}) {
  %e = tensor.empty() : tensor<16xf32>
  %a = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%x : tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = math.exp %in : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %a, %a : tensor<16xf32>, tensor<16xf32>
}

// -----

// The same input returned twice: two copies.
// CHECK-LABEL: func @main
// CHECK-SAME: (%[[X:[^:]*]]: memref<4xf32>, %[[OUT0:[^:]*]]: memref<4xf32> {bufferize.result}, %[[OUT1:[^:]*]]: memref<4xf32> {bufferize.result})
// CHECK-DAG: linalg.copy ins(%[[X]] : memref<4xf32>) outs(%[[OUT0]] : memref<4xf32>)
// CHECK-DAG: linalg.copy ins(%{{.*}} : memref<4xf32>) outs(%[[OUT1]] : memref<4xf32>)
func.func @main(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  return %x, %x : tensor<4xf32>, tensor<4xf32>
}

// -----

// A value computed into a tensor.empty and then inserted into a larger
// tensor (a decomposed pad: fill, then insert_slice of the interior) is
// computed in place in the interior: no buffer of its own, no copy.
#id = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func @padded_in_place
// CHECK-SAME: (%{{.*}}: memref<8xf32>, %[[PADDED:.*]]: memref<10xf32> {bufferize.result})
// CHECK-NOT: memref.alloc
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[PADDED]] : memref<10xf32>)
// CHECK: %[[INTERIOR:.*]] = memref.subview %[[PADDED]][1] [8] [1]
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : memref<8xf32>) outs(%[[INTERIOR]] : memref<8xf32, strided<[1], offset: 1>>)
// CHECK-NOT: memref.alloc
// CHECK-NOT: linalg.copy
// CHECK-NOT: memref.copy
func.func @padded_in_place(%x: tensor<8xf32>) -> tensor<10xf32> {
  %zero = arith.constant 0.0 : f32
  %padded0 = tensor.empty() : tensor<10xf32>
  %padded = linalg.fill ins(%zero : f32) outs(%padded0 : tensor<10xf32>) -> tensor<10xf32>
  %e = tensor.empty() : tensor<8xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  %p = tensor.insert_slice %r into %padded[1] [8] [1] : tensor<8xf32> into tensor<10xf32>
  return %p : tensor<10xf32>
}

// -----

#map = affine_map<(d0, d1) -> (d0, d1)>

// A result that is a reshape of a computed tensor (logits [4, 8] returned as
// [1, 4, 8], and a [2, 3, 4] one returned flattened) is computed in the
// out-parameter through the inverse reshape: no buffer of its own and no
// copy into the out-parameter.
// CHECK-LABEL: func @main
// CHECK-SAME: (%[[X:[^:]*]]: memref<4x8xf32>, %[[Z:[^:]*]]: memref<6x4xf32>, %[[OUT:[^:]*]]: memref<1x4x8xf32> {bufferize.result}, %[[OUT2:[^:]*]]: memref<24xf32> {bufferize.result})
// CHECK-NOT: memref.alloc
// CHECK: %[[VIEW:.*]] = memref.collapse_shape %[[OUT]] {{\[}}[0, 1], [2]] : memref<1x4x8xf32> into memref<4x8xf32>
// CHECK: linalg.generic {{.*}} ins(%[[X]] : memref<4x8xf32>) outs(%[[VIEW]] : memref<4x8xf32>)
// CHECK: %[[VIEW2:.*]] = memref.expand_shape %[[OUT2]] {{\[}}[0, 1]] output_shape [6, 4] : memref<24xf32> into memref<6x4xf32>
// CHECK: linalg.generic {{.*}} ins(%[[Z]] : memref<6x4xf32>) outs(%[[VIEW2]] : memref<6x4xf32>)
// CHECK-NOT: memref.copy
// CHECK-NOT: linalg.copy
// CHECK: return{{$}}
func.func @main(%x: tensor<4x8xf32>, %z: tensor<6x4xf32>) -> (tensor<1x4x8xf32>, tensor<24xf32>) {
  %e = tensor.empty() : tensor<4x8xf32>
  %a = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = math.exp %in : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %r = tensor.expand_shape %a [[0, 1], [2]] output_shape [1, 4, 8] : tensor<4x8xf32> into tensor<1x4x8xf32>
  %e2 = tensor.empty() : tensor<6x4xf32>
  %b = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%z : tensor<6x4xf32>) outs(%e2 : tensor<6x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = math.exp %in : f32
    linalg.yield %s : f32
  } -> tensor<6x4xf32>
  %r2 = tensor.collapse_shape %b [[0, 1]] : tensor<6x4xf32> into tensor<24xf32>
  return %r, %r2 : tensor<1x4x8xf32>, tensor<24xf32>
}

// -----

// One tensor.empty merged by CSE for two unrelated values (a, and b computed
// after a is dead): each gets its own buffer, allocated just before its
// writer, so the first buffer's lifetime ends at its last reader (without
// the split, b would reuse a's buffer, which would then live from a to b).
// CHECK-LABEL: func @main
// CHECK: %[[A:.*]] = memref.alloc()
// CHECK-NEXT: linalg.generic {{.*}} outs(%[[A]] : memref<16xf32>)
// CHECK: math.exp
// CHECK: %[[M:.*]] = memref.alloc()
// CHECK-NEXT: linalg.generic {{.*}} ins(%[[A]] : memref<16xf32>) outs(%[[M]] : memref<16xf32>)
// CHECK: %[[B:.*]] = memref.alloc()
// CHECK-NEXT: linalg.generic {{.*}} ins(%[[M]] : memref<16xf32>) outs(%[[B]] : memref<16xf32>)
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} ins(%[[B]] : memref<16xf32>) outs(%{{.*}} : memref<16xf32>)
#map = affine_map<(d0) -> (d0)>
func.func @main(%x: tensor<16xf32>) -> tensor<16xf32> {
  %e = tensor.empty() : tensor<16xf32>
  %a = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%x : tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = math.exp %in : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %e1 = tensor.empty() : tensor<16xf32>
  %m = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%a : tensor<16xf32>) outs(%e1 : tensor<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.negf %in : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %b = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%m : tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = math.exp %in : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %e2 = tensor.empty() : tensor<16xf32>
  %r = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%b : tensor<16xf32>) outs(%e2 : tensor<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.negf %in : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %r : tensor<16xf32>
}

// -----

// Users of one tensor.empty that read one another through destination
// operands (a fill, the sum accumulated on it, the activation written over
// it) keep one buffer, so the chain stays in place (here in the first
// output); the unrelated user (exp of y, then its negation) gets another.
// CHECK-LABEL: func @main
// CHECK-SAME: %[[OUT:[^:]*]]: memref<16xf32> {bufferize.result}, %[[OUT2:[^:]*]]: memref<16xf32> {bufferize.result})
// CHECK-NOT: memref.alloc
// CHECK: linalg.fill {{.*}} outs(%[[OUT]] : memref<16xf32>)
// CHECK: linalg.generic {{.*}} outs(%[[OUT]] : memref<16xf32>)
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} ins(%[[OUT]] : memref<16xf32>) outs(%[[OUT]] : memref<16xf32>)
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} outs(%[[OUT2]] : memref<16xf32>)
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} ins(%[[OUT2]] : memref<16xf32>) outs(%[[OUT2]] : memref<16xf32>)
// CHECK: arith.negf
#map = affine_map<(d0) -> (d0)>
func.func @main(%x: tensor<16xf32>, %y: tensor<16xf32>) -> (tensor<16xf32>, tensor<16xf32>) {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<16xf32>) -> tensor<16xf32>
  %g = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%x : tensor<16xf32>) outs(%f : tensor<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %h = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%g : tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = math.exp %in : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %k = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%y : tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = math.exp %in : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %r = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%k : tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.negf %in : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %h, %r : tensor<16xf32>, tensor<16xf32>
}

// -----

// An output computed band by band into an image sliced out of a batch of one
// (a banded convolution's result): the slice, the loop that updates it in
// place and the expand_shape back to a batch come back to the allocation's
// own shape, so the bands are written straight into the out-parameter, with
// no workspace buffer and no copy out.
#id2 = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func @main
// CHECK-SAME: %[[X:[^:]*]]: memref<4x8xf32>
// CHECK-SAME: %[[OUT:[^:]*]]: memref<1x4x8xf32> {bufferize.result}
// CHECK-NOT: memref.alloc
// CHECK: memref.subview %[[OUT]][0, 0, 0] [1, 4, 8] [1, 1, 1]
// CHECK: scf.for
// CHECK-NOT: memref.copy
// CHECK-NOT: linalg.copy
// CHECK: return{{$}}
func.func @main(%x: tensor<4x8xf32>) -> tensor<1x4x8xf32> {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %e = tensor.empty() : tensor<1x4x8xf32>
  %image = tensor.extract_slice %e[0, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<1x4x8xf32> to tensor<4x8xf32>
  %bands = scf.for %i = %c0 to %c4 step %c2 iter_args(%acc = %image) -> (tensor<4x8xf32>) {
    %in = tensor.extract_slice %x[%i, 0] [2, 8] [1, 1] : tensor<4x8xf32> to tensor<2x8xf32>
    %band = tensor.extract_slice %acc[%i, 0] [2, 8] [1, 1] : tensor<4x8xf32> to tensor<2x8xf32>
    %exp = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
        ins(%in : tensor<2x8xf32>) outs(%band : tensor<2x8xf32>) {
    ^bb0(%a: f32, %b: f32):
      %s = math.exp %a : f32
      linalg.yield %s : f32
    } -> tensor<2x8xf32>
    %next = tensor.insert_slice %exp into %acc[%i, 0] [2, 8] [1, 1] : tensor<2x8xf32> into tensor<4x8xf32>
    scf.yield %next : tensor<4x8xf32>
  }
  %r = tensor.expand_shape %bands [[0, 1], [2]] output_shape [1, 4, 8] : tensor<4x8xf32> into tensor<1x4x8xf32>
  return %r : tensor<1x4x8xf32>
}

// -----

// A result reached through reshapes that no single reshape undoes ([4, 8]
// returned as [1, 32], the shape of a residual block's [F, OH*OW] sum seen
// as its output): the allocation is made in the returned shape and viewed
// back through one dimension, so the values are still computed in the
// out-parameter.
#id2b = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func @main
// CHECK-SAME: %[[OUT:[^:]*]]: memref<1x32xf32> {bufferize.result}
// CHECK-NOT: memref.alloc
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %[[OUT]] {{\[}}[0, 1]] : memref<1x32xf32> into memref<32xf32>
// CHECK: %[[VIEW:.*]] = memref.expand_shape %[[FLAT]] {{\[}}[0, 1]] output_shape [4, 8] : memref<32xf32> into memref<4x8xf32>
// CHECK: linalg.generic {{.*}} outs(%[[VIEW]] : memref<4x8xf32>)
// CHECK-NOT: memref.copy
// CHECK-NOT: linalg.copy
// CHECK: return{{$}}
func.func @main(%x: tensor<4x8xf32>) -> tensor<1x32xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %a = linalg.generic {indexing_maps = [#id2b, #id2b], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = math.exp %in : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %batch = tensor.expand_shape %a [[0, 1], [2]] output_shape [1, 4, 8] : tensor<4x8xf32> into tensor<1x4x8xf32>
  %r = tensor.collapse_shape %batch [[0], [1, 2]] : tensor<1x4x8xf32> into tensor<1x32xf32>
  return %r : tensor<1x32xf32>
}

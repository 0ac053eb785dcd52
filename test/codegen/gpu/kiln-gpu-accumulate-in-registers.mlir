// RUN: kiln-opt %s --split-input-file --kiln-gpu-accumulate-in-registers --canonicalize | FileCheck %s

// One output element a thread (a recurrent step's row times a weight
// column): the element is loaded once, the reduction loop carries it, one
// store after the loop; the body, acc + x * y, is one fused multiply-add.
// CHECK-LABEL: func @matvec
// CHECK-SAME: (%[[A:.*]]: memref<1x128xf32>, %[[B:.*]]: memref<128x384xf32>, %[[C:.*]]: memref<1x384xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK: gpu.launch
// CHECK:   %[[BS:.*]] = memref.subview %[[B]]
// CHECK:   %[[CS:.*]] = memref.subview %[[C]]
// CHECK:   %[[INIT:.*]] = memref.load %[[CS]][%[[C0]], %[[C0]]]
// CHECK:   %[[SUM:.*]] = scf.for %[[K:.*]] = %[[C0]] to %[[C128]] step %[[C1]] iter_args(%[[ACC:.*]] = %[[INIT]]) -> (f32) {
// CHECK:     %[[X:.*]] = memref.load %[[A]][%[[C0]], %[[K]]]
// CHECK:     %[[Y:.*]] = memref.load %[[BS]][%[[K]], %[[C0]]]
// CHECK:     %[[S:.*]] = math.fma %[[X]], %[[Y]], %[[ACC]]
// CHECK-NOT: memref.store
// CHECK:     scf.yield %[[S]]
// CHECK:   memref.store %[[SUM]], %[[CS]][%[[C0]], %[[C0]]]
// CHECK-NOT: linalg.
func.func @matvec(%a: memref<1x128xf32>, %b: memref<128x384xf32>, %c: memref<1x384xf32>) {
  %one = arith.constant 1 : index
  %n = arith.constant 384 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %one, %gy = %one, %gz = %one)
             threads(%tx, %ty, %tz) in (%sx = %n, %sy = %one, %sz = %one) {
    %bs = memref.subview %b[0, %tx] [128, 1] [1, 1] : memref<128x384xf32> to memref<128x1xf32, strided<[384, 1], offset: ?>>
    %cs = memref.subview %c[0, %tx] [1, 1] [1, 1] : memref<1x384xf32> to memref<1x1xf32, strided<[384, 1], offset: ?>>
    linalg.matmul ins(%a, %bs : memref<1x128xf32>, memref<128x1xf32, strided<[384, 1], offset: ?>>)
                  outs(%cs : memref<1x1xf32, strided<[384, 1], offset: ?>>)
    gpu.terminator
  }
  return
}

// -----

// A whole op on one thread, with a parallel loop between two reductions
// and two outputs (a sum and a maximum): loops over the parallel
// dimension outside, the reductions inside in the op's order (d0, then
// d2), both outputs carried, stored once each.
// CHECK-LABEL: func @two_outputs
// CHECK: gpu.launch
// CHECK:   scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:     %[[S0:.*]] = memref.load %[[SUMS:.*]][%[[J]]]
// CHECK:     %[[M0:.*]] = memref.load %[[MAXES:.*]][%[[J]]]
// CHECK:     %[[R:.*]]:2 = scf.for %[[I:.*]] = {{.*}} iter_args(%[[S1:.*]] = %[[S0]], %[[M1:.*]] = %[[M0]]) -> (f32, f32) {
// CHECK:       %[[Q:.*]]:2 = scf.for %[[K:.*]] = {{.*}} iter_args(%[[S2:.*]] = %[[S1]], %[[M2:.*]] = %[[M1]]) -> (f32, f32) {
// CHECK:         %[[X:.*]] = memref.load %{{.*}}[%[[I]], %[[J]], %[[K]]]
// CHECK:         %[[S3:.*]] = arith.addf %[[S2]], %[[X]]
// CHECK:         %[[M3:.*]] = arith.maximumf %[[M2]], %[[X]]
// CHECK:         scf.yield %[[S3]], %[[M3]]
// CHECK:       scf.yield %[[Q]]#0, %[[Q]]#1
// CHECK:     memref.store %[[R]]#0, %[[SUMS]][%[[J]]]
// CHECK:     memref.store %[[R]]#1, %[[MAXES]][%[[J]]]
#in = affine_map<(i, j, k) -> (i, j, k)>
#out = affine_map<(i, j, k) -> (j)>
func.func @two_outputs(%x: memref<4x3x5xf32>, %sums: memref<3xf32>, %maxes: memref<3xf32>) {
  %one = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %one, %gy = %one, %gz = %one)
             threads(%tx, %ty, %tz) in (%sx = %one, %sy = %one, %sz = %one) {
    linalg.generic {indexing_maps = [#in, #out, #out], iterator_types = ["reduction", "parallel", "reduction"]}
        ins(%x : memref<4x3x5xf32>) outs(%sums, %maxes : memref<3xf32>, memref<3xf32>) {
    ^bb0(%v: f32, %s: f32, %m: f32):
      %a = arith.addf %s, %v : f32
      %b = arith.maximumf %m, %v : f32
      linalg.yield %a, %b : f32, f32
    }
    gpu.terminator
  }
  return
}

// -----

// Ops outside kernels, and all-parallel ops in them, are left to the
// usual lowering.
// CHECK-LABEL: func @left
// CHECK: linalg.matmul
// CHECK: gpu.launch
// CHECK:   linalg.generic
func.func @left(%a: memref<4x4xf32>, %b: memref<4x4xf32>, %c: memref<4x4xf32>) {
  linalg.matmul ins(%a, %b : memref<4x4xf32>, memref<4x4xf32>) outs(%c : memref<4x4xf32>)
  %one = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %one, %gy = %one, %gz = %one)
             threads(%tx, %ty, %tz) in (%sx = %one, %sy = %one, %sz = %one) {
    linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                    iterator_types = ["parallel", "parallel"]}
        ins(%a : memref<4x4xf32>) outs(%c : memref<4x4xf32>) {
    ^bb0(%v: f32, %o: f32):
      %n = arith.negf %v : f32
      linalg.yield %n : f32
    }
    gpu.terminator
  }
  return
}

// -----

// A fill of the op's output right before it (kiln-tile-for-gpu tiles a
// direct reduction's own fill with it) is the loop's start: no store of
// the fill, no load of the output. A fill of another buffer stays.
// CHECK-LABEL: func @fill_start
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: gpu.launch
// CHECK:   %[[CS:.*]] = memref.subview
// CHECK:   linalg.fill ins(%[[ONE]] : f32) outs(%{{.*}} : memref<4xf32>)
// CHECK-NOT: memref.load %[[CS]]
// CHECK:   %[[SUM:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[ZERO]]) -> (f32)
// CHECK-NOT: linalg.fill
// CHECK:   memref.store %[[SUM]], %[[CS]]
func.func @fill_start(%a: memref<1x128xf32>, %b: memref<128x384xf32>, %c: memref<1x384xf32>, %other: memref<4xf32>) {
  %one = arith.constant 1 : index
  %n = arith.constant 384 : index
  %zero = arith.constant 0.0 : f32
  %unit = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %one, %gy = %one, %gz = %one)
             threads(%tx, %ty, %tz) in (%sx = %n, %sy = %one, %sz = %one) {
    %bs = memref.subview %b[0, %tx] [128, 1] [1, 1] : memref<128x384xf32> to memref<128x1xf32, strided<[384, 1], offset: ?>>
    %cs = memref.subview %c[0, %tx] [1, 1] [1, 1] : memref<1x384xf32> to memref<1x1xf32, strided<[384, 1], offset: ?>>
    linalg.fill ins(%unit : f32) outs(%other : memref<4xf32>)
    linalg.fill ins(%zero : f32) outs(%cs : memref<1x1xf32, strided<[384, 1], offset: ?>>)
    linalg.matmul ins(%a, %bs : memref<1x128xf32>, memref<128x1xf32, strided<[384, 1], offset: ?>>)
                  outs(%cs : memref<1x1xf32, strided<[384, 1], offset: ?>>)
    gpu.terminator
  }
  return
}

// -----

// A generic that writes the op's output whole right before it (a bias
// broadcast, which kiln-tile-for-gpu tiles with a direct reduction) is the
// loop's start too: the bias element is loaded where the output's sum
// starts, and neither the generic nor a load of the output remains.
// CHECK-LABEL: func @bias_start
// CHECK-SAME: (%{{.*}}: memref<1x128xf32>, %{{.*}}: memref<128x384xf32>, %[[BIAS:.*]]: memref<384xf32>, %{{.*}}: memref<1x384xf32>)
// CHECK: gpu.launch
// CHECK:   %[[BS:.*]] = memref.subview %[[BIAS]]
// CHECK:   %[[CS:.*]] = memref.subview
// CHECK-NOT: linalg.generic
// CHECK-NOT: memref.load %[[CS]]
// CHECK:   %[[B:.*]] = memref.load %[[BS]]
// CHECK:   %[[SUM:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[B]]) -> (f32)
// CHECK:   memref.store %[[SUM]], %[[CS]]
#bias = affine_map<(d0, d1) -> (d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @bias_start(%a: memref<1x128xf32>, %b: memref<128x384xf32>, %bias: memref<384xf32>, %c: memref<1x384xf32>) {
  %one = arith.constant 1 : index
  %n = arith.constant 384 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %one, %gy = %one, %gz = %one)
             threads(%tx, %ty, %tz) in (%sx = %n, %sy = %one, %sz = %one) {
    %bs = memref.subview %b[0, %tx] [128, 1] [1, 1] : memref<128x384xf32> to memref<128x1xf32, strided<[384, 1], offset: ?>>
    %biass = memref.subview %bias[%tx] [1] [1] : memref<384xf32> to memref<1xf32, strided<[1], offset: ?>>
    %cs = memref.subview %c[0, %tx] [1, 1] [1, 1] : memref<1x384xf32> to memref<1x1xf32, strided<[384, 1], offset: ?>>
    linalg.generic {indexing_maps = [#bias, #id], iterator_types = ["parallel", "parallel"]}
        ins(%biass : memref<1xf32, strided<[1], offset: ?>>) outs(%cs : memref<1x1xf32, strided<[384, 1], offset: ?>>) {
    ^bb0(%v: f32, %o: f32):
      linalg.yield %v : f32
    }
    linalg.matmul ins(%a, %bs : memref<1x128xf32>, memref<128x1xf32, strided<[384, 1], offset: ?>>)
                  outs(%cs : memref<1x1xf32, strided<[384, 1], offset: ?>>)
    gpu.terminator
  }
  return
}

// -----

// A generic that reads a view of the output's own buffer is no start:
// computed where each output is folded, a view overlapping the outputs
// would read other outputs' sums. (This one reads the buffer's other half,
// which would be safe; the buffers alone do not tell.) It stays, and the
// loop starts from the output's element.
// CHECK-LABEL: func @start_reads_output
// CHECK: gpu.launch
// CHECK:   linalg.generic
// CHECK:   %[[C:.*]] = memref.load
// CHECK:   scf.for {{.*}} iter_args(%{{.*}} = %[[C]]) -> (f32)
#rev = affine_map<(d0, d1) -> (d0, 3 - d1)>
#id4 = affine_map<(d0, d1) -> (d0, d1)>
func.func @start_reads_output(%a: memref<1x128xf32>, %b: memref<128x4xf32>, %c: memref<1x8xf32>) {
  %one = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %one, %gy = %one, %gz = %one)
             threads(%tx, %ty, %tz) in (%sx = %one, %sy = %one, %sz = %one) {
    %lo = memref.subview %c[0, 0] [1, 4] [1, 1] : memref<1x8xf32> to memref<1x4xf32, strided<[8, 1]>>
    %hi = memref.subview %c[0, 4] [1, 4] [1, 1] : memref<1x8xf32> to memref<1x4xf32, strided<[8, 1], offset: 4>>
    linalg.generic {indexing_maps = [#rev, #id4], iterator_types = ["parallel", "parallel"]}
        ins(%hi : memref<1x4xf32, strided<[8, 1], offset: 4>>) outs(%lo : memref<1x4xf32, strided<[8, 1]>>) {
    ^bb0(%v: f32, %o: f32):
      linalg.yield %v : f32
    }
    linalg.matmul ins(%a, %b : memref<1x128xf32>, memref<128x4xf32>)
                  outs(%lo : memref<1x4xf32, strided<[8, 1]>>)
    gpu.terminator
  }
  return
}

// -----

// Other bodies stay as they are: acc - x * y keeps its product and
// difference.
// CHECK-LABEL: func @not_multiply_add
// CHECK: scf.for
// CHECK:   arith.mulf
// CHECK:   arith.subf
// CHECK-NOT: math.fma
#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>
func.func @not_multiply_add(%a: memref<1x8xf32>, %b: memref<8x1xf32>, %c: memref<1x1xf32>) {
  %one = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %one, %gy = %one, %gz = %one)
             threads(%tx, %ty, %tz) in (%sx = %one, %sy = %one, %sz = %one) {
    linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %b : memref<1x8xf32>, memref<8x1xf32>) outs(%c : memref<1x1xf32>) {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %d = arith.subf %acc, %p : f32
      linalg.yield %d : f32
    }
    gpu.terminator
  }
  return
}

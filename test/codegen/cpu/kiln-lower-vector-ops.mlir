// RUN: kiln-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(kiln-lower-vector-ops))' | FileCheck %s
// RUN: kiln-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(kiln-lower-vector-ops{vector-bytes=16 select-min-max=false}))' | FileCheck %s --check-prefix=NEON

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// The matmul micro-kernel: a rank-1 update per row as FMAs on 1-D vectors.
// CHECK-LABEL: func @contract
// CHECK-SAME: (%[[A:.*]]: vector<4x1xf32>, %[[B:.*]]: vector<1x8xf32>, %[[C:.*]]: vector<4x8xf32>)
// CHECK: %[[BROW:.*]] = vector.extract %[[B]][0] : vector<8xf32> from vector<1x8xf32>
// CHECK: %[[A0:.*]] = vector.extract %[[A]][0, 0] : f32 from vector<4x1xf32>
// CHECK: %[[A0V:.*]] = vector.broadcast %[[A0]] : f32 to vector<8xf32>
// CHECK: %[[C0:.*]] = vector.extract %[[C]][0] : vector<8xf32> from vector<4x8xf32>
// CHECK: vector.fma %[[A0V]], %[[BROW]], %[[C0]] : vector<8xf32>
// CHECK-COUNT-3: vector.fma %{{.*}}, %[[BROW]], %{{.*}} : vector<8xf32>
// CHECK-NOT: vector.contract
// CHECK-NOT: vector.outerproduct
func.func @contract(%a: vector<4x1xf32>, %b: vector<1x8xf32>, %c: vector<4x8xf32>) -> vector<4x8xf32> {
  %r = vector.contract {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>}
      %a, %b, %c : vector<4x1xf32>, vector<1x8xf32> into vector<4x8xf32>
  return %r : vector<4x8xf32>
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// Integers have no FMA: multiply and add.
// CHECK-LABEL: func @contract_int
// CHECK: arith.muli {{.*}} : vector<4xi32>
// CHECK: arith.addi {{.*}} : vector<4xi32>
// CHECK-NOT: vector.contract
// CHECK-NOT: vector.outerproduct
func.func @contract_int(%a: vector<2x1xi32>, %b: vector<1x4xi32>, %c: vector<2x4xi32>) -> vector<2x4xi32> {
  %r = vector.contract {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>}
      %a, %b, %c : vector<2x1xi32>, vector<1x4xi32> into vector<2x4xi32>
  return %r : vector<2x4xi32>
}

// -----

// Multi-dimensional reductions become elementwise combinations of 1-D
// vectors, parallel dimension innermost.
// CHECK-LABEL: func @multi_reduction
// CHECK-SAME: (%[[V:.*]]: vector<4x16xf32>, %[[ACC:.*]]: vector<4xf32>)
// CHECK: %[[FIRST:.*]] = arith.addf %{{.*}}, %[[ACC]] : vector<4xf32>
// CHECK-COUNT-15: arith.addf {{.*}} : vector<4xf32>
// CHECK-NOT: vector.multi_reduction
func.func @multi_reduction(%v: vector<4x16xf32>, %acc: vector<4xf32>) -> vector<4xf32> {
  %r = vector.multi_reduction <add>, %v, %acc [1] : vector<4x16xf32> to vector<4xf32>
  return %r : vector<4xf32>
}

// -----

// A maximum's combinations are select-based on x86 too, IEEE maximums with
// select-min-max=false.
// CHECK-LABEL: func @multi_reduction_max
// CHECK-NOT: arith.maximumf
// CHECK-COUNT-16: arith.cmpf ogt, {{.*}} : vector<4xf32>
// CHECK-NOT: arith.maximumf
// CHECK: return
// NEON-LABEL: func @multi_reduction_max
// NEON-NOT: arith.cmpf
// NEON-COUNT-16: arith.maximumf {{.*}} : vector<4xf32>
// NEON-NOT: arith.cmpf
// NEON: return
func.func @multi_reduction_max(%v: vector<4x16xf32>, %acc: vector<4xf32>) -> vector<4xf32> {
  %r = vector.multi_reduction <maximumf>, %v, %acc [1] : vector<4x16xf32> to vector<4xf32>
  return %r : vector<4xf32>
}

// -----

// Transposes become element shuffles.
// CHECK-LABEL: func @transpose
// CHECK-SAME: (%[[V:.*]]: vector<2x4xf32>)
// CHECK: %[[E:.*]] = vector.extract %[[V]][0, 1] : f32 from vector<2x4xf32>
// CHECK: vector.insert %[[E]], %{{.*}} [1, 0] : f32 into vector<4x2xf32>
// CHECK-NOT: vector.transpose
func.func @transpose(%v: vector<2x4xf32>) -> vector<4x2xf32> {
  %r = vector.transpose %v, [1, 0] : vector<2x4xf32> to vector<4x2xf32>
  return %r : vector<4x2xf32>
}

// -----

// Shape casts become 1-D slices.
// CHECK-LABEL: func @shape_cast
// CHECK-SAME: (%[[V:.*]]: vector<2x8xf32>)
// CHECK: %[[ROW0:.*]] = vector.extract %[[V]][0] : vector<8xf32> from vector<2x8xf32>
// CHECK: %[[R0:.*]] = vector.insert_strided_slice %[[ROW0]], %{{.*}} {offsets = [0], strides = [1]} : vector<8xf32> into vector<16xf32>
// CHECK: %[[ROW1:.*]] = vector.extract %[[V]][1] : vector<8xf32> from vector<2x8xf32>
// CHECK: %[[R1:.*]] = vector.insert_strided_slice %[[ROW1]], %[[R0]] {offsets = [8], strides = [1]} : vector<8xf32> into vector<16xf32>
// CHECK: return %[[R1]]
// CHECK-NOT: vector.shape_cast
func.func @shape_cast(%v: vector<2x8xf32>) -> vector<16xf32> {
  %r = vector.shape_cast %v : vector<2x8xf32> to vector<16xf32>
  return %r : vector<16xf32>
}

// -----

// A transposed read becomes a plain read and a transpose, which is then
// lowered too: no permutation maps survive.
// CHECK-LABEL: func @transposed_read
// CHECK: vector.transfer_read {{.*}} : memref<4x2xf32>, vector<4x2xf32>
// CHECK-NOT: permutation_map
// CHECK-NOT: vector.transpose
func.func @transposed_read(%m: memref<4x2xf32>) -> vector<2x4xf32> {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %r = vector.transfer_read %m[%c0, %c0], %pad {in_bounds = [true, true], permutation_map = affine_map<(d0, d1) -> (d1, d0)>}
      : memref<4x2xf32>, vector<2x4xf32>
  return %r : vector<2x4xf32>
}

// -----

// A stride-2 window tap: one contiguous load of 2*(8-1)+1 elements from the
// first element's linear position, and a shuffle of every second one.
// CHECK-LABEL: func @strided_read
// CHECK-SAME: (%[[M:.*]]: memref<4x16xf32, strided<[32, 2], offset: 1>>, %[[I:.*]]: index)
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[BASE:[^,]*]], %{{.*}} = memref.extract_strided_metadata %[[M]]
// CHECK: %[[ROW:.*]] = arith.muli %[[I]], %[[C32]]
// CHECK: %[[FIRST:.*]] = arith.addi %[[ROW]], %[[C1]]
// CHECK: %[[FLAT:.*]] = memref.reinterpret_cast %[[BASE]] to offset: [%[[FIRST]]], sizes: [15], strides: [1]
// CHECK: %[[V:.*]] = vector.load %[[FLAT]][%{{.*}}] : memref<15xf32, strided<[1], offset: ?>>, vector<15xf32>
// CHECK: vector.shuffle %[[V]], %[[V]] [0, 2, 4, 6, 8, 10, 12, 14] : vector<15xf32>, vector<15xf32>
// CHECK-NOT: vector.transfer_read
func.func @strided_read(%m: memref<4x16xf32, strided<[32, 2], offset: 1>>, %i: index) -> vector<8xf32> {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %v = vector.transfer_read %m[%i, %c0], %pad {in_bounds = [true]} : memref<4x16xf32, strided<[32, 2], offset: 1>>, vector<8xf32>
  return %v : vector<8xf32>
}

// -----

// Stride 5 and reads that may run out of bounds keep the element-wise lowering.
// CHECK-LABEL: func @strided_read_kept
// CHECK-NOT: memref.reinterpret_cast
// CHECK-NOT: vector.shuffle
func.func @strided_read_kept(%m: memref<4x16xf32, strided<[80, 5]>>, %n: memref<4x16xf32, strided<[32, 2]>>, %i: index, %j: index) -> (vector<8xf32>, vector<8xf32>) {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %v = vector.transfer_read %m[%i, %c0], %pad {in_bounds = [true]} : memref<4x16xf32, strided<[80, 5]>>, vector<8xf32>
  %w = vector.transfer_read %n[%i, %j], %pad {in_bounds = [false]} : memref<4x16xf32, strided<[32, 2]>>, vector<8xf32>
  return %v, %w : vector<8xf32>, vector<8xf32>
}

// -----

// A one-row product's read of a B panel row (vector<32> from [J, K, 32]) in
// its K loop, which reads each row once, gets no software prefetch: the
// hardware's stream prefetchers follow it.
// CHECK-LABEL: func @panel_prefetch
// CHECK-NOT: memref.prefetch
// CHECK: scf.for %[[K:.*]] = %c0 to %c256 step %c1
// CHECK-NOT: memref.prefetch
// CHECK: %[[ROW:.*]] = arith.addi %{{.*}}, %[[K]] : index
// CHECK-NOT: memref.prefetch
// CHECK: vector.load %{{.*}}[%{{.*}}, %[[ROW]], %c0] : memref<4x512x32xf32>, vector<32xf32>
// CHECK-NOT: memref.prefetch
func.func @panel_prefetch(%b: memref<4x512x32xf32>, %a: memref<512x32xf32>, %j: index, %kb: index) -> vector<32xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  %pad = arith.constant 0.0 : f32
  %zero = arith.constant dense<0.0> : vector<32xf32>
  %r = scf.for %k = %c0 to %c256 step %c1 iter_args(%acc = %zero) -> vector<32xf32> {
    %row = arith.addi %kb, %k : index
    %v = vector.transfer_read %b[%j, %row, %c0], %pad {in_bounds = [true]} : memref<4x512x32xf32>, vector<32xf32>
    %w = vector.transfer_read %a[%row, %c0], %pad {in_bounds = [true]} : memref<512x32xf32>, vector<32xf32>
    %s = arith.addf %v, %w : vector<32xf32>
    %t = arith.maximumf %acc, %s : vector<32xf32>
    scf.yield %t : vector<32xf32>
  }
  return %r : vector<32xf32>
}

// -----

// A K loop that runs once per row of pixels (the pixel-major and tap
// products: panel loop, then rows, then K) reads its panel block from memory
// only in the first pass: every pass prefetches the same row of the next
// panel instead, both of its 64-byte lines, into L2 (locality 2), and
// nothing further along its own panel. The last panel prefetches itself:
// no prefetch leaves the buffer.
// CHECK-LABEL: func @reread_panel_prefetch
// CHECK: scf.for %[[J:.*]] = %c0 to %c4 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c7 step %c1
// CHECK: scf.for %[[K:.*]] = %c0 to %c128 step %c1
// CHECK: %[[ROW:.*]] = arith.addi %{{.*}}, %[[K]] : index
// CHECK: %[[AFTER:.*]] = arith.addi %[[J]], %c1 : index
// CHECK: %[[NEXT:.*]] = arith.minsi %[[AFTER]], %c3 : index
// CHECK: memref.prefetch %{{.*}}[%[[NEXT]], %[[ROW]], %c0], read, locality<2>, data : memref<4x512x32xf32>
// CHECK: memref.prefetch %{{.*}}[%[[NEXT]], %[[ROW]], %c16], read, locality<2>, data : memref<4x512x32xf32>
// CHECK-NOT: memref.prefetch
// CHECK: vector.load %{{.*}}[%[[J]], %[[ROW]], %c0] : memref<4x512x32xf32>, vector<32xf32>
// CHECK-NOT: memref.prefetch
func.func @reread_panel_prefetch(%b: memref<4x512x32xf32>, %out: memref<4x7x32xf32>, %kb: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c7 = arith.constant 7 : index
  %c128 = arith.constant 128 : index
  %pad = arith.constant 0.0 : f32
  %zero = arith.constant dense<0.0> : vector<32xf32>
  scf.for %j = %c0 to %c4 step %c1 {
    scf.for %r = %c0 to %c7 step %c1 {
      %acc = scf.for %k = %c0 to %c128 step %c1 iter_args(%a = %zero) -> vector<32xf32> {
        %row = arith.addi %kb, %k : index
        %v = vector.transfer_read %b[%j, %row, %c0], %pad {in_bounds = [true]} : memref<4x512x32xf32>, vector<32xf32>
        %t = arith.maximumf %a, %v : vector<32xf32>
        scf.yield %t : vector<32xf32>
      }
      vector.transfer_write %acc, %out[%j, %r, %c0] {in_bounds = [true]} : vector<32xf32>, memref<4x7x32xf32>
    }
  }
  return
}

// -----

// A one-row product inside an outlined task's loop (bounds known at run
// time only, the panel index computed from its induction variable) and a
// one-iteration loop reads each panel row once: no prefetch, neither of the
// next panel (the task's loop does not count as a reread) nor of rows ahead.
// CHECK-LABEL: func @one_row_in_task_loop
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step %c1
// CHECK-NOT: memref.prefetch
// CHECK: scf.for %[[K:.*]] = %c0 to %c256 step %c1
// CHECK-NOT: memref.prefetch
// CHECK: vector.load
// CHECK-NOT: memref.prefetch
// CHECK: return
func.func @one_row_in_task_loop(%b: memref<4x512x32xf32>, %out: memref<4x32xf32>, %lo: index, %hi: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c256 = arith.constant 256 : index
  %pad = arith.constant 0.0 : f32
  %zero = arith.constant dense<0.0> : vector<32xf32>
  scf.for %t = %lo to %hi step %c1 {
    %q = arith.divui %t, %c2 : index
    %r = arith.remui %t, %c2 : index
    %m = arith.muli %q, %c2 : index
    %j = arith.addi %m, %r : index
    scf.for %once = %c0 to %c1 step %c1 {
      %acc = scf.for %k = %c0 to %c256 step %c1 iter_args(%a = %zero) -> vector<32xf32> {
        %v = vector.transfer_read %b[%j, %k, %c0], %pad {in_bounds = [true]} : memref<4x512x32xf32>, vector<32xf32>
        %s = arith.maximumf %a, %v : vector<32xf32>
        scf.yield %s : vector<32xf32>
      }
      vector.transfer_write %acc, %out[%j, %c0] {in_bounds = [true]} : vector<32xf32>, memref<4x32xf32>
    }
  }
  return
}

// -----

// A tap product reads its weights' panels through a [J, C, KH, KW, 32] view,
// in its channel, KH and KW loops: the read in the KW loop gets a prefetch of
// the same tap 8 channels (72 rows of 128 bytes, about 8 KB) ahead, at most
// the last channel's. A read that walks no K dimension (the panel loop) gets
// none.
// CHECK-LABEL: func @tap_panel_prefetch
// CHECK: scf.for %[[C:.*]] = %c0 to %c64 step %c1
// CHECK: scf.for %[[I:.*]] = %c0 to %c3 step %c1
// CHECK: scf.for %[[JW:.*]] = %c0 to %c3 step %c1
// CHECK: %[[PAST:.*]] = arith.addi %[[C]], %c8 : index
// CHECK: %[[AHEAD:.*]] = arith.minsi %[[PAST]], %c63 : index
// CHECK: memref.prefetch %{{.*}}[%{{.*}}, %[[AHEAD]], %[[I]], %[[JW]], %c0], read, locality<3>, data : memref<2x64x3x3x32xf32>
// CHECK: vector.load %{{.*}}[%{{.*}}, %[[C]], %[[I]], %[[JW]], %c0] : memref<2x64x3x3x32xf32>, vector<32xf32>
// CHECK: scf.for %[[J:.*]] = %c0 to %c2 step %c1
// CHECK-NOT: memref.prefetch
func.func @tap_panel_prefetch(%b: memref<2x64x3x3x32xf32>, %j: index) -> (vector<32xf32>, vector<32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c64 = arith.constant 64 : index
  %pad = arith.constant 0.0 : f32
  %zero = arith.constant dense<0.0> : vector<32xf32>
  %r = scf.for %c = %c0 to %c64 step %c1 iter_args(%a0 = %zero) -> vector<32xf32> {
    %ri = scf.for %i = %c0 to %c3 step %c1 iter_args(%a1 = %a0) -> vector<32xf32> {
      %rj = scf.for %jw = %c0 to %c3 step %c1 iter_args(%a2 = %a1) -> vector<32xf32> {
        %v = vector.transfer_read %b[%j, %c, %i, %jw, %c0], %pad {in_bounds = [true]} : memref<2x64x3x3x32xf32>, vector<32xf32>
        %t = arith.maximumf %a2, %v : vector<32xf32>
        scf.yield %t : vector<32xf32>
      }
      scf.yield %rj : vector<32xf32>
    }
    scf.yield %ri : vector<32xf32>
  }
  %s = scf.for %p = %c0 to %c2 step %c1 iter_args(%acc = %zero) -> vector<32xf32> {
    %v = vector.transfer_read %b[%p, %c0, %c0, %c0, %c0], %pad {in_bounds = [true]} : memref<2x64x3x3x32xf32>, vector<32xf32>
    %t = arith.maximumf %acc, %v : vector<32xf32>
    scf.yield %t : vector<32xf32>
  }
  return %r, %s : vector<32xf32>, vector<32xf32>
}

// -----

// A channel-major tap product reads one row of the padded input per input
// channel and kernel row: 32 pixels at column x + kw in its KW loop, an
// operand of the outer product. Before the KW loop, every line that the
// channel four ahead (36 taps of a 3x3 window) reads in that row gets a
// prefetch: columns x to x + 33 (in the last channel's row from channel 12
// on: no prefetch leaves the buffer). A read whose innermost loop moves its row,
// not its column, and one that feeds no product (a pool's) get none.
// CHECK-LABEL: func @tap_row_prefetch
// CHECK-SAME: %[[IN:[^:]*]]: memref<1x16x10x66xf32>, %{{[^:]*}}: memref<16x3x3x8xf32>, %[[Y:[^:]*]]: index, %[[X:[^:]*]]: index
// CHECK: scf.for %[[C:.*]] = %c0 to %c16 step %c1
// CHECK: scf.for %[[KH:.*]] = %c0 to %c3 step %c1
// CHECK: %[[ROW:.*]] = arith.addi %[[Y]], %[[KH]] : index
// CHECK: %[[PAST:.*]] = arith.addi %[[C]], %c4 : index
// CHECK: %[[AHEAD:.*]] = arith.minsi %[[PAST]], %c15 : index
// CHECK: memref.prefetch %[[IN]][%c0, %[[AHEAD]], %[[ROW]], %[[X]]], read, locality<3>, data
// CHECK: %[[X16:.*]] = arith.addi %[[X]], %c16 : index
// CHECK: memref.prefetch %[[IN]][%c0, %[[AHEAD]], %[[ROW]], %[[X16]]], read, locality<3>, data
// CHECK: %[[X32:.*]] = arith.addi %[[X]], %c32 : index
// CHECK: memref.prefetch %[[IN]][%c0, %[[AHEAD]], %[[ROW]], %[[X32]]], read, locality<3>, data
// CHECK: %[[X33:.*]] = arith.addi %[[X]], %c33 : index
// CHECK: memref.prefetch %[[IN]][%c0, %[[AHEAD]], %[[ROW]], %[[X33]]], read, locality<3>, data
// CHECK-NEXT: scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK-NOT: memref.prefetch
// CHECK: vector.load %[[IN]][%c0, %[[C]]
// CHECK-NOT: memref.prefetch
// CHECK: return
func.func @tap_row_prefetch(%in: memref<1x16x10x66xf32>, %w: memref<16x3x3x8xf32>, %y: index, %x: index) -> (vector<8x32xf32>, vector<8x32xf32>, vector<32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c16 = arith.constant 16 : index
  %pad = arith.constant 0.0 : f32
  %zero = arith.constant dense<0.0> : vector<8x32xf32>
  %zero1 = arith.constant dense<0.0> : vector<32xf32>
  %r = scf.for %c = %c0 to %c16 step %c1 iter_args(%a0 = %zero) -> vector<8x32xf32> {
    %rh = scf.for %kh = %c0 to %c3 step %c1 iter_args(%a1 = %a0) -> vector<8x32xf32> {
      %rw = scf.for %kw = %c0 to %c3 step %c1 iter_args(%a2 = %a1) -> vector<8x32xf32> {
        %wv = vector.transfer_read %w[%c, %kh, %kw, %c0], %pad {in_bounds = [true]} : memref<16x3x3x8xf32>, vector<8xf32>
        %row = arith.addi %y, %kh : index
        %col = arith.addi %x, %kw : index
        %v = vector.transfer_read %in[%c0, %c, %row, %col], %pad {in_bounds = [true]} : memref<1x16x10x66xf32>, vector<32xf32>
        %t = vector.outerproduct %wv, %v, %a2 {kind = #vector.kind<add>} : vector<8xf32>, vector<32xf32>
        scf.yield %t : vector<8x32xf32>
      }
      scf.yield %rw : vector<8x32xf32>
    }
    scf.yield %rh : vector<8x32xf32>
  }
  %s = scf.for %c = %c0 to %c16 step %c1 iter_args(%a0 = %zero) -> vector<8x32xf32> {
    %rh = scf.for %kh = %c0 to %c3 step %c1 iter_args(%a1 = %a0) -> vector<8x32xf32> {
      %rw = scf.for %kw = %c0 to %c3 step %c1 iter_args(%a2 = %a1) -> vector<8x32xf32> {
        %wv = vector.transfer_read %w[%c, %kh, %kw, %c0], %pad {in_bounds = [true]} : memref<16x3x3x8xf32>, vector<8xf32>
        %v = vector.transfer_read %in[%c0, %c, %kw, %x], %pad {in_bounds = [true]} : memref<1x16x10x66xf32>, vector<32xf32>
        %t = vector.outerproduct %wv, %v, %a2 {kind = #vector.kind<add>} : vector<8xf32>, vector<32xf32>
        scf.yield %t : vector<8x32xf32>
      }
      scf.yield %rw : vector<8x32xf32>
    }
    scf.yield %rh : vector<8x32xf32>
  }
  %m = scf.for %c = %c0 to %c16 step %c1 iter_args(%a0 = %zero1) -> vector<32xf32> {
    %rh = scf.for %kh = %c0 to %c3 step %c1 iter_args(%a1 = %a0) -> vector<32xf32> {
      %rw = scf.for %kw = %c0 to %c3 step %c1 iter_args(%a2 = %a1) -> vector<32xf32> {
        %row = arith.addi %y, %kh : index
        %col = arith.addi %x, %kw : index
        %v = vector.transfer_read %in[%c0, %c, %row, %col], %pad {in_bounds = [true]} : memref<1x16x10x66xf32>, vector<32xf32>
        %t = arith.addf %a2, %v : vector<32xf32>
        scf.yield %t : vector<32xf32>
      }
      scf.yield %rw : vector<32xf32>
    }
    scf.yield %rh : vector<32xf32>
  }
  return %r, %s, %m : vector<8x32xf32>, vector<8x32xf32>, vector<32xf32>
}

// -----

// @tap_row_prefetch's product over an input whose channel count is known
// only at run time: the prefetch's channel four ahead is clamped to the
// last channel that memref.dim gives.
// CHECK-LABEL: func @tap_row_prefetch_dynamic_channels
// CHECK-SAME: %[[IN:[^:]*]]: memref<1x?x10x66xf32>
// CHECK: scf.for %[[C:.*]] = %c0 to %{{.*}} step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK-DAG: %[[CHANNELS:.*]] = memref.dim %[[IN]], %c1 : memref<1x?x10x66xf32>
// CHECK-DAG: %[[LAST:.*]] = arith.subi %[[CHANNELS]], %c1 : index
// CHECK-DAG: %[[PAST:.*]] = arith.addi %[[C]], %c4 : index
// CHECK: %[[AHEAD:.*]] = arith.minsi %[[PAST]], %[[LAST]] : index
// CHECK: memref.prefetch %[[IN]][%c0, %[[AHEAD]], %{{.*}}, %{{.*}}], read, locality<3>, data
func.func @tap_row_prefetch_dynamic_channels(%in: memref<1x?x10x66xf32>, %w: memref<16x3x3x8xf32>, %y: index, %x: index, %n: index) -> vector<8x32xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %pad = arith.constant 0.0 : f32
  %zero = arith.constant dense<0.0> : vector<8x32xf32>
  %r = scf.for %c = %c0 to %n step %c1 iter_args(%a0 = %zero) -> vector<8x32xf32> {
    %rh = scf.for %kh = %c0 to %c3 step %c1 iter_args(%a1 = %a0) -> vector<8x32xf32> {
      %rw = scf.for %kw = %c0 to %c3 step %c1 iter_args(%a2 = %a1) -> vector<8x32xf32> {
        %wv = vector.transfer_read %w[%c, %kh, %kw, %c0], %pad {in_bounds = [true]} : memref<16x3x3x8xf32>, vector<8xf32>
        %row = arith.addi %y, %kh : index
        %col = arith.addi %x, %kw : index
        %v = vector.transfer_read %in[%c0, %c, %row, %col], %pad {in_bounds = [true]} : memref<1x?x10x66xf32>, vector<32xf32>
        %t = vector.outerproduct %wv, %v, %a2 {kind = #vector.kind<add>} : vector<8xf32>, vector<32xf32>
        scf.yield %t : vector<8x32xf32>
      }
      scf.yield %rw : vector<8x32xf32>
    }
    scf.yield %rh : vector<8x32xf32>
  }
  return %r : vector<8x32xf32>
}

// -----

// A one-row product's K loop carries one 32-wide accumulator: two 512-bit
// registers, each step's FMAs waiting on the last. It is unrolled four times
// into four partial sums (the first from the loop's initial value, the others
// from zero), added up after the loop: eight independent chains.
// CHECK-LABEL: func @one_row_partial_sums
// CHECK-SAME: (%[[A:.*]]: memref<256xf32>, %[[B:.*]]: memref<256x32xf32>, %[[INIT:.*]]: vector<32xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<32xf32>
// CHECK: %[[SUMS:.*]]:4 = scf.for %[[K:.*]] = %c0 to %c256 step %c4 iter_args(%[[S0:.*]] = %[[INIT]], %[[S1:.*]] = %[[ZERO]], %[[S2:.*]] = %[[ZERO]], %[[S3:.*]] = %[[ZERO]])
// CHECK: %[[F0:.*]] = vector.fma %{{.*}}, %{{.*}}, %[[S0]]
// CHECK: %[[K1:.*]] = arith.addi %[[K]], %c1
// CHECK: vector.load %[[B]][%[[K1]], %c0]
// CHECK: %[[F1:.*]] = vector.fma %{{.*}}, %{{.*}}, %[[S1]]
// CHECK: %[[F2:.*]] = vector.fma %{{.*}}, %{{.*}}, %[[S2]]
// CHECK: %[[F3:.*]] = vector.fma %{{.*}}, %{{.*}}, %[[S3]]
// CHECK: scf.yield %[[F0]], %[[F1]], %[[F2]], %[[F3]]
// CHECK: %[[T1:.*]] = arith.addf %[[SUMS]]#0, %[[SUMS]]#1
// CHECK: %[[T2:.*]] = arith.addf %[[T1]], %[[SUMS]]#2
// CHECK: %[[T3:.*]] = arith.addf %[[T2]], %[[SUMS]]#3
// CHECK: return %[[T3]]
func.func @one_row_partial_sums(%a: memref<256xf32>, %b: memref<256x32xf32>, %init: vector<32xf32>) -> vector<32xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  %pad = arith.constant 0.0 : f32
  %r = scf.for %k = %c0 to %c256 step %c1 iter_args(%acc = %init) -> vector<32xf32> {
    %va = vector.transfer_read %a[%k], %pad {in_bounds = [true]} : memref<256xf32>, vector<1xf32>
    %vb = vector.transfer_read %b[%k, %c0], %pad {in_bounds = [true]} : memref<256x32xf32>, vector<32xf32>
    %acc2 = vector.shape_cast %acc : vector<32xf32> to vector<1x32xf32>
    %p = vector.outerproduct %va, %vb, %acc2 {kind = #vector.kind<add>} : vector<1xf32>, vector<32xf32>
    %next = vector.extract %p[0] : vector<32xf32> from vector<1x32xf32>
    scf.yield %next : vector<32xf32>
  }
  return %r : vector<32xf32>
}

// -----

// Loops left as they are: eight rows already carry sixteen registers; an
// accumulator read other than by the addition (the sum is not a plain
// reduction any more); a trip count with no factor of two. The last loop, one
// 32-wide row, is split with 64-byte registers but not with 16-byte ones
// (NEON), where it is eight registers already.
// CHECK-LABEL: func @no_partial_sums
// CHECK-COUNT-3: step %c1 iter_args
// CHECK: step %c4 iter_args
// NEON-LABEL: func @no_partial_sums
// NEON-COUNT-4: step %c1 iter_args
// NEON-NOT: step %c
func.func @no_partial_sums(%a: memref<256x8xf32>, %b: memref<256x32xf32>, %init: vector<8x32xf32>, %row: vector<32xf32>) -> (vector<8x32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c255 = arith.constant 255 : index
  %c256 = arith.constant 256 : index
  %pad = arith.constant 0.0 : f32
  %tile = scf.for %k = %c0 to %c256 step %c1 iter_args(%acc = %init) -> vector<8x32xf32> {
    %va = vector.transfer_read %a[%k, %c0], %pad {in_bounds = [true]} : memref<256x8xf32>, vector<8xf32>
    %vb = vector.transfer_read %b[%k, %c0], %pad {in_bounds = [true]} : memref<256x32xf32>, vector<32xf32>
    %p = vector.outerproduct %va, %vb, %acc {kind = #vector.kind<add>} : vector<8xf32>, vector<32xf32>
    scf.yield %p : vector<8x32xf32>
  }
  %scaled = scf.for %k = %c0 to %c256 step %c1 iter_args(%acc = %row) -> vector<32xf32> {
    %vb = vector.transfer_read %b[%k, %c0], %pad {in_bounds = [true]} : memref<256x32xf32>, vector<32xf32>
    %s = arith.mulf %acc, %vb : vector<32xf32>
    %t = arith.addf %acc, %s : vector<32xf32>
    scf.yield %t : vector<32xf32>
  }
  %odd = scf.for %k = %c0 to %c255 step %c1 iter_args(%acc = %row) -> vector<32xf32> {
    %vb = vector.transfer_read %b[%k, %c0], %pad {in_bounds = [true]} : memref<256x32xf32>, vector<32xf32>
    %t = arith.addf %acc, %vb : vector<32xf32>
    scf.yield %t : vector<32xf32>
  }
  %narrow = scf.for %k = %c0 to %c256 step %c1 iter_args(%acc = %row) -> vector<32xf32> {
    %vb = vector.transfer_read %b[%k, %c0], %pad {in_bounds = [true]} : memref<256x32xf32>, vector<32xf32>
    %t = arith.addf %acc, %vb : vector<32xf32>
    scf.yield %t : vector<32xf32>
  }
  return %tile, %scaled, %odd, %narrow : vector<8x32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>
}

// -----

// A maximum (minimum) of two variables, as a max pool's taps take it: on
// x86 a compare, a select and a NaN check of the second operand, numpy's
// maximum (the second operand where it is greater or a NaN, else the
// first). With select-min-max=false (AArch64, whose fmax propagates NaNs)
// it stays. Constant bounds stay too.
// CHECK-LABEL: func @min_max_as_select
// CHECK-SAME: (%[[X:.*]]: vector<16xf32>, %[[Y:.*]]: vector<16xf32>, %[[A:.*]]: f32, %[[B:.*]]: f32)
// CHECK: %[[GT:.*]] = arith.cmpf ogt, %[[Y]], %[[X]] : vector<16xf32>
// CHECK: %[[MAX:.*]] = arith.select %[[GT]], %[[Y]], %[[X]] : vector<16xi1>, vector<16xf32>
// CHECK: %[[NAN:.*]] = arith.cmpf uno, %[[Y]], %[[Y]] : vector<16xf32>
// CHECK: %[[M:.*]] = arith.select %[[NAN]], %[[Y]], %[[MAX]] : vector<16xi1>, vector<16xf32>
// CHECK: %[[LT:.*]] = arith.cmpf olt, %[[B]], %[[A]] : f32
// CHECK: %[[MIN:.*]] = arith.select %[[LT]], %[[B]], %[[A]] : f32
// CHECK: %[[SNAN:.*]] = arith.cmpf uno, %[[B]], %[[B]] : f32
// CHECK: %[[N:.*]] = arith.select %[[SNAN]], %[[B]], %[[MIN]] : f32
// CHECK: %[[C:.*]] = arith.minimumf %[[M]], %{{.*}} : vector<16xf32>
// CHECK: return %[[C]], %[[N]]
// NEON-LABEL: func @min_max_as_select
// NEON-SAME: (%[[X:.*]]: vector<16xf32>, %[[Y:.*]]: vector<16xf32>, %[[A:.*]]: f32, %[[B:.*]]: f32)
// NEON-NOT: arith.select
// NEON: arith.maximumf %[[X]], %[[Y]] : vector<16xf32>
// NEON-NOT: arith.select
// NEON: arith.minimumf %[[A]], %[[B]] : f32
// NEON-NOT: arith.select
// NEON: return
func.func @min_max_as_select(%x: vector<16xf32>, %y: vector<16xf32>, %a: f32, %b: f32) -> (vector<16xf32>, f32) {
  %six = arith.constant dense<6.0> : vector<16xf32>
  %m = arith.maximumf %x, %y : vector<16xf32>
  %n = arith.minimumf %a, %b : f32
  %c = arith.minimumf %m, %six : vector<16xf32>
  return %c, %n : vector<16xf32>, f32
}

// -----

// ReLU and Clip at zero: on x86 a maximum with +0.0 becomes one with -0.0
// (one vmaxps) plus +0.0, which turns the -0.0 it gives for negative x
// into ReLU's +0.0. Other bounds, a maximum with -0.0 and minima, stay as
// they are; so does everything with select-min-max off (AArch64's fmax is
// IEEE's maximum).
// CHECK-LABEL: func @zero_bounds
// CHECK-DAG: %[[NEG:.*]] = arith.constant dense<-0.000000e+00> : vector<16xf32>
// CHECK-DAG: %[[POS:.*]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK-DAG: %[[SIX:.*]] = arith.constant dense<6.000000e+00> : vector<16xf32>
// CHECK-DAG: %[[SNEG:.*]] = arith.constant -0.000000e+00 : f32
// CHECK-DAG: %[[SPOS:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[M0:.*]] = arith.maximumf %{{.*}}, %[[NEG]] : vector<16xf32>
// CHECK: %[[R:.*]] = arith.addf %[[M0]], %[[POS]] : vector<16xf32>
// CHECK: %[[C:.*]] = arith.minimumf %[[R]], %[[SIX]] : vector<16xf32>
// CHECK: %[[M:.*]] = arith.minimumf %[[C]], %[[NEG]] : vector<16xf32>
// CHECK: %[[K:.*]] = arith.maximumf %[[M]], %[[SIX]] : vector<16xf32>
// CHECK: %[[T0:.*]] = arith.maximumf %{{.*}}, %[[SNEG]] : f32
// CHECK: arith.addf %[[T0]], %[[SPOS]] : f32
// NEON-LABEL: func @zero_bounds
// NEON-NOT: arith.addf
// NEON: arith.maximumf %{{.*}}, %{{.*}} : vector<16xf32>
// NEON-NOT: arith.addf
// NEON: return
func.func @zero_bounds(%x: vector<16xf32>, %s: f32) -> (vector<16xf32>, f32) {
  %zero = arith.constant dense<0.0> : vector<16xf32>
  %negzero = arith.constant dense<-0.0> : vector<16xf32>
  %six = arith.constant dense<6.0> : vector<16xf32>
  %szero = arith.constant 0.0 : f32
  %r = arith.maximumf %x, %zero : vector<16xf32>
  %c = arith.minimumf %r, %six : vector<16xf32>
  %m = arith.minimumf %negzero, %c : vector<16xf32>
  %k = arith.maximumf %m, %six : vector<16xf32>
  %t = arith.maximumf %s, %szero : f32
  return %k, %t : vector<16xf32>, f32
}

// -----

// A row's reduction (LayerNorm's sum, Softmax's maximum: every kept dimension
// unit) becomes one vector.reduction of the whole row, a tree of full-width
// operations in LLVM, instead of a chain of one-element operations. A
// reduction over an outer dimension keeps the element-wise lowering (whole
// vectors of the kept dimension).
// CHECK-LABEL: func @row_reductions
// CHECK-SAME: (%[[ROW:.*]]: vector<1x1x64xf32>, %[[ACC:.*]]: vector<1x1xf32>, %[[ROWS:.*]]: vector<4x32xf32>, %[[M:.*]]: f32, %[[COLS:.*]]: vector<4x16xf32>, %[[ACC16:.*]]: vector<16xf32>)
// CHECK: %[[FLAT:.*]] = vector.extract %[[ROW]][0, 0] : vector<64xf32> from vector<1x1x64xf32>
// CHECK: %[[START:.*]] = vector.extract %[[ACC]][0, 0] : f32 from vector<1x1xf32>
// CHECK: %[[SUM:.*]] = vector.reduction <add>, %[[FLAT]], %[[START]] : vector<64xf32> into f32
// CHECK: vector.broadcast %[[SUM]] : f32 to vector<1x1xf32>
// CHECK: vector.extract %[[ROWS]][3] : vector<32xf32> from vector<4x32xf32>
// CHECK: %[[FLAT2:.*]] = vector.insert_strided_slice %{{.*}} {offsets = [96], strides = [1]} : vector<32xf32> into vector<128xf32>
// CHECK: vector.reduction <maximumf>, %[[FLAT2]], %[[M]] : vector<128xf32> into f32
// CHECK-NOT: vector.reduction
// CHECK: arith.addf {{.*}} : vector<16xf32>
// CHECK-NOT: vector.reduction
// CHECK: return
func.func @row_reductions(%row: vector<1x1x64xf32>, %acc: vector<1x1xf32>, %rows: vector<4x32xf32>, %m: f32, %cols: vector<4x16xf32>, %acc16: vector<16xf32>) -> (vector<1x1xf32>, f32, vector<16xf32>) {
  %s = vector.multi_reduction <add>, %row, %acc [2] : vector<1x1x64xf32> to vector<1x1xf32>
  %x = vector.multi_reduction <maximumf>, %rows, %m [0, 1] : vector<4x32xf32> to f32
  %c = vector.multi_reduction <add>, %cols, %acc16 [0] : vector<4x16xf32> to vector<16xf32>
  return %s, %x, %c : vector<1x1xf32>, f32, vector<16xf32>
}

// -----

// A product's epilogue that reads a buffer the product does not write (a
// residual: 16 filters' rows of 2 x 7 contiguous pixels in a 14x14 plane)
// gets a copy of its loop before the product, prefetching each row's first
// and last element into L2; its read of the product's own grid gets none.
// Its transposing tile (14 product rows of 16 filters) is padded to 16 x 16
// and transposed with shuffles (on AVX-512; NEON keeps the element-wise
// lowering).
// CHECK-LABEL: func @epilogue_prefetch
// CHECK-SAME: (%[[GRID:.*]]: memref<2x7x32xf32>, %{{.*}}: memref<64x32xf32>, %{{.*}}: memref<64x14xf32>, %[[RES:.*]]: memref<32x2x7xf32, strided<[196, 7, 1]>>
// CHECK: scf.for %[[F:.*]] = %c0 to %c32 step %c16
// CHECK-NEXT: memref.prefetch %[[RES]][%[[F]], %c0, %c0], read, locality<2>, data
// CHECK-NEXT: memref.prefetch %[[RES]][%[[F]], %c0, %c13], read, locality<2>, data
// CHECK-NEXT: %[[R1:.*]] = arith.addi %[[F]], %c1 : index
// CHECK-NEXT: memref.prefetch %[[RES]][%[[R1]], %c0, %c0], read, locality<2>, data
// CHECK-NEXT: memref.prefetch %[[RES]][%[[R1]], %c0, %c13], read, locality<2>, data
// CHECK-COUNT-14: memref.prefetch %[[RES]][%{{.*}}, %c0, %c13], read, locality<2>, data
// CHECK-NOT: memref.prefetch %[[GRID]]
// CHECK: vector.fma
// CHECK-NOT: memref.prefetch
// CHECK: vector.insert_strided_slice %{{.*}}, %{{.*}} {offsets = [0, 0], strides = [1, 1]} : vector<14x16xf32> into vector<16x16xf32>
// CHECK-COUNT-64: vector.shuffle
// CHECK-NOT: memref.prefetch
// CHECK: return
// NEON-LABEL: func @epilogue_prefetch
// NEON-NOT: vector<16x16xf32>
// NEON: return
func.func @epilogue_prefetch(%grid: memref<2x7x32xf32>, %w: memref<64x32xf32>, %x: memref<64x14xf32>, %res: memref<32x2x7xf32, strided<[196, 7, 1]>>, %out: memref<32x2x7xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  %pad = arith.constant 0.0 : f32
  scf.for %p = %c0 to %c2 step %c1 {
    %acc0 = vector.transfer_read %grid[%p, %c0, %c0], %pad {in_bounds = [true, true]} : memref<2x7x32xf32>, vector<7x32xf32>
    %acc = scf.for %k = %c0 to %c64 step %c1 iter_args(%a = %acc0) -> vector<7x32xf32> {
      %xs = vector.transfer_read %x[%k, %c0], %pad {in_bounds = [true]} : memref<64x14xf32>, vector<7xf32>
      %ws = vector.transfer_read %w[%k, %c0], %pad {in_bounds = [true]} : memref<64x32xf32>, vector<32xf32>
      %o = vector.outerproduct %xs, %ws, %a {kind = #vector.kind<add>} : vector<7xf32>, vector<32xf32>
      scf.yield %o : vector<7x32xf32>
    }
    vector.transfer_write %acc, %grid[%p, %c0, %c0] {in_bounds = [true, true]} : vector<7x32xf32>, memref<2x7x32xf32>
  }
  scf.for %f = %c0 to %c32 step %c16 {
    %t = vector.transfer_read %grid[%c0, %c0, %f], %pad {in_bounds = [true, true, true]} : memref<2x7x32xf32>, vector<2x7x16xf32>
    %tt = vector.transpose %t, [2, 0, 1] : vector<2x7x16xf32> to vector<16x2x7xf32>
    %r = vector.transfer_read %res[%f, %c0, %c0], %pad {in_bounds = [true, true, true]} : memref<32x2x7xf32, strided<[196, 7, 1]>>, vector<16x2x7xf32>
    %s = arith.addf %tt, %r : vector<16x2x7xf32>
    vector.transfer_write %s, %out[%f, %c0, %c0] {in_bounds = [true, true, true]} : vector<16x2x7xf32>, memref<32x2x7xf32>
  }
  return
}

// -----

// A per-filter value (a bias) broadcast over a tile and transposed is a
// broadcast of each filter's value along its row: no transpose is lowered.
// CHECK-LABEL: func @bias_transpose
// CHECK-NOT: vector.shuffle
// CHECK: %[[B0:.*]] = vector.extract %{{.*}}[0] : f32 from vector<16xf32>
// CHECK: vector.broadcast %[[B0]] : f32 to vector<7xf32>
// CHECK-NOT: vector.shuffle
// CHECK: return
func.func @bias_transpose(%b: vector<16xf32>) -> vector<16x2x7xf32> {
  %x = vector.broadcast %b : vector<16xf32> to vector<2x7x16xf32>
  %t = vector.transpose %x, [2, 0, 1] : vector<2x7x16xf32> to vector<16x2x7xf32>
  return %t : vector<16x2x7xf32>
}

// -----

// A transpose that is not a rotation of its dimensions' two groups keeps
// the element-wise lowering: no padded 16 x 16 tile.
// CHECK-LABEL: func @transpose_not_rotation
// CHECK-NOT: vector<16x16xf32>
// CHECK-NOT: vector.shuffle
// CHECK: return
func.func @transpose_not_rotation(%v: vector<7x16x2xf32>) -> vector<16x7x2xf32> {
  %t = vector.transpose %v, [1, 0, 2] : vector<7x16x2xf32> to vector<16x7x2xf32>
  return %t : vector<16x7x2xf32>
}

// -----

// A 16 x 16 transpose of 32-bit elements is lowered to shuffles too (the
// stem's pixel-major epilogue tiles, 16 pixels of a 112-pixel row), where
// the element-wise lowering takes one insert per element; NEON keeps it.
// CHECK-LABEL: func @square_transpose
// CHECK-COUNT-64: vector.shuffle
// CHECK-NOT: vector.shuffle
// CHECK: return
// NEON-LABEL: func @square_transpose
// NEON-NOT: vector.shuffle
// NEON: return
func.func @square_transpose(%v: vector<16x16xf32>) -> vector<16x16xf32> {
  %t = vector.transpose %v, [1, 0] : vector<16x16xf32> to vector<16x16xf32>
  return %t : vector<16x16xf32>
}


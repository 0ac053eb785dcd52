// RUN: kiln-opt %s --split-input-file --kiln-tile-for-gpu --canonicalize --cse | FileCheck %s --implicit-check-not=kiln.narrow

// No read here divides along k, so no op is marked for
// kiln-narrow-marked-indices (--implicit-check-not=kiln.narrow).

// An elementwise op: block tiles of at most 256 elements over the parallel
// loops, one element per thread inside.
// CHECK-LABEL: func @elementwise
// CHECK: scf.forall (%{{.*}}, %{{.*}}) = (0, 0) to (8, 512) step (1, 256)
// CHECK:   scf.forall (%{{.*}}, %{{.*}}) in (1, 256)
// CHECK:     linalg.generic
// CHECK:   } {mapping = [#gpu.thread<linear_dim_0>, #gpu.thread<linear_dim_1>]}
// CHECK: } {mapping = [#gpu.block<linear_dim_0>, #gpu.block<linear_dim_1>]}
func.func @elementwise(%a: tensor<8x512xf32>) -> tensor<8x512xf32> {
  %e = tensor.empty() : tensor<8x512xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<8x512xf32>) outs(%e : tensor<8x512xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.exp %x : f32
    linalg.yield %y : f32
  } -> tensor<8x512xf32>
  return %r : tensor<8x512xf32>
}

// -----

// A padding (a fill of a fresh tensor, then the source inserted into its
// middle) becomes one elementwise kernel: each element reads the source at
// its index less the offsets, clamped into the source, and keeps it where
// that lies inside the source (index - offset, unsigned, below the size),
// the fill's value elsewhere. Dimensions without padding need no check.
// CHECK-LABEL: func @pad
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C5:.*]] = arith.constant 5 : index
// CHECK-DAG: %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK-NOT: linalg.fill
// CHECK: scf.forall (%[[B0:.*]], %{{.*}}, %{{.*}}, %{{.*}}) = (0, 0, 0, 0) to (2, 3, 7, 8)
// CHECK:   scf.forall (%{{.*}}, %[[T1:.*]], %[[T2:.*]], %[[T3:.*]]) in (1, 3, 7, 8)
// CHECK:     linalg.generic
// CHECK:       %[[R2:.*]] = arith.subi %[[T2]], %[[C1]]
// CHECK:       %[[IN2:.*]] = arith.cmpi ult, %[[R2]], %[[C5]]
// CHECK:       %[[I2:.*]] = arith.minui %[[R2]], %[[C4]]
// CHECK:       %[[R3:.*]] = arith.subi %[[T3]], %[[C2]]
// CHECK:       %[[IN3:.*]] = arith.cmpi ult, %[[R3]], %[[C5]]
// CHECK:       %[[IN:.*]] = arith.andi %[[IN2]], %[[IN3]]
// CHECK:       %[[I3:.*]] = arith.minui %[[R3]], %[[C4]]
// CHECK:       %[[X:.*]] = tensor.extract %{{.*}}[%[[B0]], %[[T1]], %[[I2]], %[[I3]]]
// CHECK:       arith.select %[[IN]], %[[X]], %[[NEG]] : f32
// CHECK-NOT: tensor.insert_slice
func.func @pad(%x: tensor<2x3x5x5xf32>) -> tensor<2x3x7x8xf32> {
  %cst = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<2x3x7x8xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<2x3x7x8xf32>) -> tensor<2x3x7x8xf32>
  %r = tensor.insert_slice %x into %f[0, 0, 1, 2] [2, 3, 5, 5] [1, 1, 1, 1] : tensor<2x3x5x5xf32> into tensor<2x3x7x8xf32>
  return %r : tensor<2x3x7x8xf32>
}

// -----

// A matmul with fewer than 16 rows is not staged: each thread keeps the
// full k loop for its output element.
// CHECK-LABEL: func @matmul
// CHECK: scf.forall (%{{.*}}, %{{.*}}) = (0, 0) to (8, 128) step (2, 128)
// CHECK:   scf.forall (%{{.*}}, %{{.*}}) in (2, 128)
// CHECK:     linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<1x30xf32>, tensor<30x1xf32>)
func.func @matmul(%a: tensor<8x30xf32>, %b: tensor<30x128xf32>, %c: tensor<8x128xf32>) -> tensor<8x128xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<8x30xf32>, tensor<30x128xf32>) outs(%c : tensor<8x128xf32>) -> tensor<8x128xf32>
  return %r : tensor<8x128xf32>
}

// -----

// A matmul whose sides 16 divides (on buffers): 16x16-output blocks of 256
// threads step through k in tiles of 16, each thread copying one element of
// the A and of the B tile into workgroup memory, then folding its 16
// products from there in k order (unrolled), each with one fused
// multiply-add. Both tiles keep k contiguous (A as (row, k), B as
// (column, k), padded to 20), so that a thread reads 4 k values of its row
// and of its column with one 16-byte load each: 8 loads a step, not 32.
// Thread t copies A's (t / 16, t % 16) and B's column 8 (t / 128) + t % 8
// at k (t / 8) % 16. The tiles
// have two stages: k step 0 is stored into stage 0 before the loop, a
// barrier; each step of the loop reads its successor's elements (at
// kt + 16) into registers, folds from its own stage ((kt / 16) % 2),
// stores the successor's into the other stage, a barrier. The loop runs
// over the first two steps; the last one, which has no successor, is
// folded after it from stage 0 (a thread of one output copies its 16
// multiply-adds once more). The k loop is kept rolled (LLVM and ptxas are
// told not to unroll it), so that a thread holds one step's values at a
// time. Larger register tiles would leave fewer than two blocks per
// multiprocessor of an H100 (8 here).
// CHECK-DAG: #[[NOUNROLL:.*]] = #llvm.loop_unroll<disable = true>
// CHECK-DAG: #[[ROLLED:.*]] = #llvm.loop_annotation<unroll = #[[NOUNROLL]]>
// CHECK-LABEL: func @staged_matmul
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C12:.*]] = arith.constant 12 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK-DAG: %[[LAST:.*]] = arith.constant 32 : index
// CHECK: scf.forall (%[[BM:.*]], %[[BN:.*]]) in (2, 4) {
// CHECK:   %[[AS:.*]] = memref.alloc() : memref<2x16x16xf32, #gpu.address_space<workgroup>>
// CHECK:   %[[BS:.*]] = memref.alloc() : memref<2x16x20xf32, #gpu.address_space<workgroup>>
// CHECK:   scf.forall (%[[T:.*]]) in (256) {
// CHECK:     %[[TY:.*]] = arith.divui %[[T]], %[[C16]]
// CHECK:     %[[TX:.*]] = arith.remui %[[T]], %[[C16]]
// CHECK:     %[[T8:.*]] = arith.divui %[[T]], %[[C8]]
// CHECK:     %[[KB:.*]] = arith.remui %[[T8]], %[[C16]]
// CHECK:     %[[T128:.*]] = arith.divui %[[T]], %[[C128]]
// CHECK:     %[[ROW:.*]] = arith.addi %{{.*}}, %[[TY]]
// CHECK:     %[[COL:.*]] = arith.addi %{{.*}}, %[[TX]]
// CHECK:     %[[INIT:.*]] = memref.load %[[CC:.*]][%[[ROW]], %[[COL]]]
// CHECK:     %[[X0:.*]] = memref.load %[[A:.*]][%[[ROW]], %[[TX]]] : memref<32x48xf32>
// CHECK:     %[[BCOL:.*]] = arith.addi %{{.*}}, %[[NB:.*]] : index
// CHECK:     %[[Y0:.*]] = memref.load %[[B:.*]][%[[KB]], %[[BCOL]]] : memref<48x64xf32>
// CHECK:     memref.store %[[X0]], %[[AS]][%[[C0]], %[[TY]], %[[TX]]]
// CHECK:     memref.store %[[Y0]], %[[BS]][%[[C0]], %[[NB]], %[[KB]]]
// CHECK:     gpu.barrier
// CHECK:     %[[ACC:.*]] = scf.for %[[KT:[a-z0-9_]+]] = %{{.*}} to %[[LAST]] step %[[C16]] iter_args(%[[A0:[a-z0-9_]+]] = %[[INIT]])
// CHECK-NEXT:  %[[KNEXT:.*]] = arith.addi %[[KT]], %[[C16]]
// CHECK-NEXT:  %[[KA:.*]] = arith.addi %[[KNEXT]], %[[TX]]
// CHECK:       %[[XN:.*]] = memref.load %[[A]][%[[ROW]], %[[KA]]] : memref<32x48xf32>
// CHECK:       %[[KBN:.*]] = arith.addi %[[KNEXT]], %[[KB]]
// CHECK:       %[[YN:.*]] = memref.load %[[B]][%[[KBN]], %[[BCOL]]] : memref<48x64xf32>
// CHECK:       %[[STEP:.*]] = arith.divui %[[KT]], %[[C16]]
// CHECK:       %[[STAGE:.*]] = arith.remui %[[STEP]], %[[C2]]
// CHECK-NOT:   gpu.barrier
// CHECK:       %[[P0:.*]] = vector.load %[[AS]][%[[STAGE]], %[[TY]], %[[C0]]] {alignment = 16 : i64} : {{.*}}, vector<4xf32>
// CHECK:       %[[Q0:.*]] = vector.load %[[BS]][%[[STAGE]], %[[TX]], %[[C0]]] {alignment = 16 : i64} : {{.*}}, vector<4xf32>
// CHECK:       %[[F0:.*]] = math.fma %{{.*}}, %{{.*}}, %[[A0]]
// CHECK:       %[[F1:.*]] = math.fma %{{.*}}, %{{.*}}, %[[F0]]
// CHECK:       %[[F2:.*]] = math.fma %{{.*}}, %{{.*}}, %[[F1]]
// CHECK:       %[[F3:.*]] = math.fma %{{.*}}, %{{.*}}, %[[F2]]
// CHECK-NEXT:  vector.load %[[AS]][%[[STAGE]], %[[TY]], %[[C4]]]
// CHECK:       vector.load %[[BS]][%[[STAGE]], %[[TX]], %[[C4]]]
// CHECK:       vector.load %[[AS]][%[[STAGE]], %[[TY]], %[[C8]]]
// CHECK:       vector.load %[[BS]][%[[STAGE]], %[[TX]], %[[C8]]]
// CHECK:       %[[P12:.*]] = vector.load %[[AS]][%[[STAGE]], %[[TY]], %[[C12]]]
// CHECK:       %[[P15:.*]] = vector.extract %[[P12]][3]
// CHECK:       %[[Q12:.*]] = vector.load %[[BS]][%[[STAGE]], %[[TX]], %[[C12]]]
// CHECK:       %[[Q15:.*]] = vector.extract %[[Q12]][3]
// CHECK:       %[[F15:.*]] = math.fma %[[P15]], %[[Q15]], %{{.*}}
// CHECK-NOT:   math.fma
// CHECK:       %[[OTHER:.*]] = arith.subi %[[C1]], %[[STAGE]]
// CHECK:       memref.store %[[XN]], %[[AS]][%[[OTHER]], %[[TY]], %[[TX]]]
// CHECK:       memref.store %[[YN]], %[[BS]][%[[OTHER]], %[[NB]], %[[KB]]]
// CHECK-NEXT:  gpu.barrier
// CHECK-NEXT:  scf.yield %[[F15]]
// CHECK-NEXT: } {loop_annotation = #[[ROLLED]]}
// CHECK-NEXT: %[[L0:.*]] = vector.load %[[AS]][%[[C0]], %[[TY]], %[[C0]]]
// CHECK:      %[[M0:.*]] = vector.load %[[BS]][%[[C0]], %[[TX]], %[[C0]]]
// CHECK-COUNT-15: math.fma
// CHECK-NOT: gpu.barrier
// CHECK:     %[[LASTF:.*]] = math.fma
// CHECK-NOT: math.fma
// CHECK:     memref.store %[[LASTF]], %[[CC]][%[[ROW]], %[[COL]]]
func.func @staged_matmul(%a: memref<32x48xf32>, %b: memref<48x64xf32>, %c: memref<32x64xf32>) {
  linalg.matmul ins(%a, %b : memref<32x48xf32>, memref<48x64xf32>) outs(%c : memref<32x64xf32>)
  return
}

// -----

// Six k steps (k = 96): a short fold's loop is unrolled by the two stages,
// each copy of the step reading and writing stages known at compile time.
// Step 0 is folded before the loop (from stage 0, staging step 1 into
// stage 1), the loop's iterations at kt = 16 and 48 fold steps 1 and 2,
// then 3 and 4 (from stage 1 then 0), and step 5 is folded after it from
// stage 1.
// CHECK-LABEL: func @unrolled_matmul
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[C80:.*]] = arith.constant 80 : index
// CHECK: %[[AS:.*]] = memref.alloc() : memref<2x16x16xf32, #gpu.address_space<workgroup>>
// CHECK:     memref.store %{{.*}}, %[[AS]][%[[C0]], %{{.*}}, %{{.*}}]
// CHECK:     gpu.barrier
// CHECK:     vector.load %[[AS]][%[[C0]], %{{.*}}, %[[C0]]]
// CHECK:     memref.store %{{.*}}, %[[AS]][%[[C1]], %{{.*}}, %{{.*}}]
// CHECK:     gpu.barrier
// CHECK:     scf.for %{{.*}} = %[[C16]] to %[[C80]] step %[[C32]]
// CHECK-NOT:   arith.remui
// CHECK:       vector.load %[[AS]][%[[C1]], %{{.*}}, %[[C0]]]
// CHECK:       memref.store %{{.*}}, %[[AS]][%[[C0]], %{{.*}}, %{{.*}}]
// CHECK:       gpu.barrier
// CHECK:       vector.load %[[AS]][%[[C0]], %{{.*}}, %[[C0]]]
// CHECK:       memref.store %{{.*}}, %[[AS]][%[[C1]], %{{.*}}, %{{.*}}]
// CHECK:       gpu.barrier
// CHECK-NEXT:  scf.yield
// CHECK:     vector.load %[[AS]][%[[C1]], %{{.*}}, %[[C0]]]
// CHECK-NOT: gpu.barrier
// CHECK:     return
func.func @unrolled_matmul(%a: memref<32x96xf32>, %b: memref<96x64xf32>, %c: memref<32x64xf32>) {
  linalg.matmul ins(%a, %b : memref<32x96xf32>, memref<96x64xf32>) outs(%c : memref<32x64xf32>)
  return
}

// -----

// Sides 16 does not divide (on buffers): m = 20 and n = 24 take two blocks
// each, k = 40 two whole steps and a short one. Reads of rows, columns and
// k past the ends are clamped to the last one; the loop runs over the two
// whole steps (the second reads the short step ahead into stage 0) and
// the short step's 8 k values (two runs of 4) are folded after it, from
// stage 0; only outputs inside m and n are stored.
// CHECK-LABEL: func @partial_matmul
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[M1:.*]] = arith.constant 19 : index
// CHECK-DAG: %[[N1:.*]] = arith.constant 23 : index
// CHECK-DAG: %[[K1:.*]] = arith.constant 39 : index
// CHECK-DAG: %[[M:.*]] = arith.constant 20 : index
// CHECK-DAG: %[[N:.*]] = arith.constant 24 : index
// CHECK-DAG: %[[WHOLE:.*]] = arith.constant 32 : index
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (2, 2) {
// CHECK:   %[[AS:.*]] = memref.alloc() : memref<2x16x16xf32, #gpu.address_space<workgroup>>
// CHECK:   scf.forall (%[[T:.*]]) in (256) {
// CHECK:     %[[TY:.*]] = arith.divui %[[T]], %[[C16]]
// CHECK:     %[[TX:.*]] = arith.remui %[[T]], %[[C16]]
// CHECK:     %[[ROW:.*]] = arith.addi %{{.*}}, %[[TY]] : index
// CHECK:     %[[COL:.*]] = arith.addi %{{.*}}, %[[TX]] : index
// CHECK:     %[[CROW:.*]] = arith.minui %[[ROW]], %[[M1]]
// CHECK:     %[[CCOL:.*]] = arith.minui %[[COL]], %[[N1]]
// CHECK:     %[[INIT:.*]] = memref.load %[[CC:.*]][%[[CROW]], %[[CCOL]]]
// CHECK:     %[[KA:.*]] = arith.minui %{{.*}}, %[[K1]]
// CHECK:     memref.load %{{.*}}[%[[CROW]], %[[KA]]] : memref<20x40xf32>
// CHECK:     gpu.barrier
// CHECK:     %[[ACC:.*]] = scf.for %{{.*}} = %[[C0]] to %[[WHOLE]] step %[[C16]] iter_args(%{{.*}} = %[[INIT]])
// CHECK:       gpu.barrier
// CHECK-NEXT:  scf.yield
// CHECK:     %[[A0:.*]] = vector.load %[[AS]][%[[C0]], %[[TY]], %[[C0]]]
// CHECK:     math.fma %{{.*}}, %{{.*}}, %[[ACC]]
// CHECK:     %[[A4:.*]] = vector.load %[[AS]][%[[C0]], %[[TY]], %[[C4]]]
// CHECK:     %[[A7:.*]] = vector.extract %[[A4]][3]
// CHECK:     %[[SUM:.*]] = math.fma %[[A7]]
// CHECK-NOT: math.fma
// CHECK:     %[[INM:.*]] = arith.cmpi ult, %[[ROW]], %[[M]]
// CHECK:     %[[INN:.*]] = arith.cmpi ult, %[[COL]], %[[N]]
// CHECK:     %[[IN:.*]] = arith.andi %{{.*}}, %[[INN]]
// CHECK:     scf.if %[[IN]] {
// CHECK:       memref.store %[[SUM]], %[[CC]][%[[ROW]], %[[COL]]]
func.func @partial_matmul(%a: memref<20x40xf32>, %b: memref<40x24xf32>, %c: memref<20x24xf32>) {
  linalg.matmul ins(%a, %b : memref<20x40xf32>, memref<40x24xf32>) outs(%c : memref<20x24xf32>)
  return
}

// -----

// A sum to a single value (after bufferization): one block of 128 threads
// (the fewest powers of two that leave each at most 8 of the 1000
// elements). Each thread folds every 128th element from the identity, the
// partial sums
// meet in a workgroup buffer halved under barriers down to one warp, whose
// 32 values xor shuffles combine; thread 0 adds the total to the output.
// CHECK-LABEL: func @sum_to_scalar
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[N:.*]] = arith.constant 1000 : index
// CHECK-DAG: %[[T:.*]] = arith.constant 128 : index
// CHECK: scf.forall (%{{.*}}) in (1) {
// CHECK:   %[[SHARED:.*]] = memref.alloc() : memref<128xf32, #gpu.address_space<workgroup>>
// CHECK:   scf.forall (%[[TID:.*]]) in (128) {
// CHECK:     %[[PART:.*]] = scf.for %[[R:.*]] = %[[TID]] to %[[N]] step %[[T]] iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (f32) {
// CHECK:       %[[X:.*]] = memref.load %{{.*}}[%[[R]]] : memref<1000xf32>
// CHECK:       %[[S:.*]] = arith.addf %[[X]], %[[ACC]] : f32
// CHECK:       scf.yield %[[S]]
// CHECK:     memref.store %[[PART]], %[[SHARED]][%[[TID]]]
// CHECK-NEXT: gpu.barrier
// CHECK:     arith.cmpi ult, %[[TID]], %{{.*}}
// CHECK:     scf.if
// CHECK:       memref.load %[[SHARED]]
// CHECK:       arith.addf
// CHECK:       memref.store %{{.*}}, %[[SHARED]][%[[TID]]]
// CHECK:     gpu.barrier
// CHECK:     scf.if
// CHECK:     gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK:     %[[LANE:.*]] = arith.remui %[[TID]]
// CHECK:     %[[V:.*]] = memref.load %[[SHARED]][%[[LANE]]]
// CHECK:     %[[SH:.*]], %{{.*}} = gpu.shuffle  xor %[[V]], %{{.*}}, %{{.*}} : f32
// CHECK:     arith.addf %[[SH]], %[[V]]
// CHECK-COUNT-4: gpu.shuffle  xor
// CHECK:     %[[FIRST:.*]] = arith.cmpi eq, %[[TID]]
// CHECK:     scf.if %[[FIRST]] {
// CHECK:       %[[OLD:.*]] = memref.load %{{.*}}[] : memref<f32>
// CHECK:       %[[NEW:.*]] = arith.addf %{{.*}}, %[[OLD]]
// CHECK:       memref.store %[[NEW]], %{{.*}}[] : memref<f32>
// CHECK:   } {mapping = [#gpu.thread<linear_dim_0>]}
// CHECK: } {mapping = [#gpu.block<linear_dim_0>]}
func.func @sum_to_scalar(%a: memref<1000xf32>, %o: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>],
                  iterator_types = ["reduction"]}
      ins(%a : memref<1000xf32>) outs(%o : memref<f32>) {
  ^bb0(%x: f32, %acc: f32):
    %y = arith.addf %x, %acc : f32
    linalg.yield %y : f32
  }
  return
}

// -----

// Few outputs, rows of 100 f16 values: a block per row, one warp (each
// thread folds at most 8 values: 4 at most here), whose shuffles move the
// f16 values in the low half of 32-bit registers: no workgroup memory and
// no barrier.
// CHECK-LABEL: func @max_rows_f16
// CHECK-DAG: %[[NEGINF:.*]] = arith.constant 0xFC00 : f16
// CHECK: scf.forall (%[[ROW:.*]]) in (4) {
// CHECK-NOT: memref.alloc
// CHECK:   scf.forall (%[[TID:.*]]) in (32) {
// CHECK:     scf.for %[[R:.*]] = %[[TID]] to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[NEGINF]])
// CHECK:       memref.load %{{.*}}[%[[ROW]], %[[R]]] : memref<4x100xf16>
// CHECK:       arith.maximumf
// CHECK-NOT: gpu.barrier
// CHECK-COUNT-5: gpu.shuffle  xor %{{.*}} : i32
// CHECK:     %[[V:.*]] = arith.maximumf %{{.*}} : f16
// CHECK:     scf.if
// CHECK:       memref.load %{{.*}}[%[[ROW]]] : memref<4xf16>
// CHECK:       arith.maximumf %[[V]]
func.func @max_rows_f16(%a: memref<4x100xf16>, %o: memref<4xf16>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<4x100xf16>) outs(%o : memref<4xf16>) {
  ^bb0(%x: f16, %acc: f16):
    %y = arith.maximumf %x, %acc : f16
    linalg.yield %y : f16
  }
  return
}

// -----

// The same over f64 values, which shuffles do not move: the workgroup
// tree goes down to one value, a barrier after the partial values and
// after each of 5 halvings.
// CHECK-LABEL: func @max_rows_f64
// CHECK: scf.forall (%[[ROW:.*]]) in (4) {
// CHECK:   %[[SHARED:.*]] = memref.alloc() : memref<32xf64, #gpu.address_space<workgroup>>
// CHECK:   scf.forall (%[[TID:.*]]) in (32) {
// CHECK:     scf.for %[[R:.*]] = %[[TID]] to %{{.*}} step %{{.*}} iter_args
// CHECK:       memref.load %{{.*}}[%[[ROW]], %[[R]]] : memref<4x100xf64>
// CHECK:       arith.maximumf
// CHECK-COUNT-6: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK-NOT: gpu.shuffle
// CHECK:     %[[V:.*]] = memref.load %[[SHARED]][%c0]
// CHECK:     scf.if
// CHECK:       memref.load %{{.*}}[%[[ROW]]] : memref<4xf64>
// CHECK:       arith.maximumf %[[V]]
func.func @max_rows_f64(%a: memref<4x100xf64>, %o: memref<4xf64>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<4x100xf64>) outs(%o : memref<4xf64>) {
  ^bb0(%x: f64, %acc: f64):
    %y = arith.maximumf %x, %acc : f64
    linalg.yield %y : f64
  }
  return
}

// -----

// A dot product of 8 elements: one warp, whose shuffles need no workgroup
// memory and no barrier.
// CHECK-LABEL: func @dot
// CHECK-NOT: memref.alloc
// CHECK: scf.forall (%{{.*}}) in (32) {
// CHECK:   arith.mulf
// CHECK:   arith.addf
// CHECK-NOT: gpu.barrier
// CHECK-COUNT-5: gpu.shuffle  xor
func.func @dot(%a: memref<1x8xf32>, %b: memref<8x1xf32>, %c: memref<1x1xf32>) {
  linalg.matmul ins(%a, %b : memref<1x8xf32>, memref<8x1xf32>) outs(%c : memref<1x1xf32>)
  return
}

// -----

// A reduction whose body is more than one combining op (an argmax keeps two
// outputs) and an op without loops run on one thread of one block.
// CHECK-LABEL: func @one_thread
// CHECK: scf.forall (%{{.*}}) in (1) {
// CHECK:   scf.forall (%{{.*}}) in (1) {
// CHECK:     linalg.generic {{.*}} iterator_types = []
// CHECK:   } {mapping = [#gpu.thread<linear_dim_0>]}
// CHECK: } {mapping = [#gpu.block<linear_dim_0>]}
// CHECK: scf.forall (%{{.*}}) in (1) {
// CHECK:   scf.forall (%{{.*}}) in (1) {
// CHECK:     linalg.generic {{.*}} iterator_types = ["reduction"]
func.func @one_thread(%a: memref<f32>, %b: memref<f32>, %v: memref<16xf32>, %mx: memref<f32>, %ix: memref<i64>) {
  linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []}
      ins(%a : memref<f32>) outs(%b : memref<f32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.exp %x : f32
    linalg.yield %y : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>, affine_map<(d0) -> ()>],
                  iterator_types = ["reduction"]}
      ins(%v : memref<16xf32>) outs(%mx, %ix : memref<f32>, memref<i64>) {
  ^bb0(%x: f32, %m: f32, %i: i64):
    %d = linalg.index 0 : index
    %di = arith.index_cast %d : index to i64
    %gt = arith.cmpf ogt, %x, %m : f32
    %nm = arith.select %gt, %x, %m : f32
    %ni = arith.select %gt, %di, %i : i64
    linalg.yield %nm, %ni : f32, i64
  }
  return
}

// -----

// On tensors, the reductions a block shares wait for bufferization.
// CHECK-LABEL: func @sum_tensor
// CHECK-NOT: scf.forall
// CHECK: linalg.generic
func.func @sum_tensor(%a: tensor<1000xf32>, %o: tensor<f32>) -> tensor<f32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>],
                       iterator_types = ["reduction"]}
      ins(%a : tensor<1000xf32>) outs(%o : tensor<f32>) {
  ^bb0(%x: f32, %acc: f32):
    %y = arith.addf %x, %acc : f32
    linalg.yield %y : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}

// -----

// Many outputs, but too few to fill a GPU one per thread, each reducing a
// block's worth of elements or more: a block per row as well, of 128
// threads (8 of the 1024 elements each).
// CHECK-LABEL: func @long_rows
// CHECK: scf.forall (%{{.*}}) in (512) {
// CHECK:   memref.alloc() : memref<128xf32, #gpu.address_space<workgroup>>
// CHECK:   scf.forall (%{{.*}}) in (128) {
// CHECK:     gpu.barrier
func.func @long_rows(%a: memref<512x1024xf32>, %o: memref<512xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<512x1024xf32>) outs(%o : memref<512xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %y = arith.addf %x, %acc : f32
    linalg.yield %y : f32
  }
  return
}

// -----

// Short rows of at least a warp's elements: one thread per row would have
// a warp's lanes read 32 rows 64 elements apart (each load 32 sectors), and
// 512 rows fill 2 blocks. A block of one warp per row instead: the lanes
// read consecutive elements (l, l + 32), then shuffles combine them and
// lane 0 adds the total into the output.
// CHECK-LABEL: func @short_rows
// CHECK-NOT: memref.alloc
// CHECK: scf.forall (%[[ROW:.*]]) in (512) {
// CHECK:   scf.forall (%[[LANE:.*]]) in (32) {
// CHECK:     scf.for %[[E:.*]] = %[[LANE]] to %{{.*}} step %{{.*}}
// CHECK:       memref.load %{{.*}}[%[[ROW]], %[[E]]] : memref<512x64xf32>
// CHECK-COUNT-5: gpu.shuffle xor
// CHECK:     scf.if
// CHECK:   } {mapping = [#gpu.thread<linear_dim_0>]}
// CHECK: } {mapping = [#gpu.block<linear_dim_0>]}
func.func @short_rows(%a: memref<512x64xf32>, %o: memref<512xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<512x64xf32>) outs(%o : memref<512xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %y = arith.addf %x, %acc : f32
    linalg.yield %y : f32
  }
  return
}

// -----

// Enough rows to fill the GPU one per thread (32768), or rows shorter than
// a warp (16): one thread per row, as for elementwise ops.
// CHECK-LABEL: func @many_or_shorter_rows
// CHECK-NOT: memref.alloc
// CHECK: scf.forall (%{{.*}}) = (0) to (32768) step (256)
// CHECK:   scf.forall (%{{.*}}) in (256)
// CHECK:     linalg.generic
// CHECK: scf.forall (%{{.*}}) = (0) to (512) step (256)
// CHECK:   scf.forall (%{{.*}}) in (256)
// CHECK:     linalg.generic
func.func @many_or_shorter_rows(%a: memref<32768x64xf32>, %o: memref<32768xf32>,
                                %b: memref<512x16xf32>, %p: memref<512xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<32768x64xf32>) outs(%o : memref<32768xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %y = arith.addf %x, %acc : f32
    linalg.yield %y : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%b : memref<512x16xf32>) outs(%p : memref<512xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %y = arith.addf %x, %acc : f32
    linalg.yield %y : f32
  }
  return
}

// -----

// A global average pool's sum, [1, 480, 14, 14] over its last two loops:
// one thread per channel would have each lane read a channel of its own,
// 196 elements from its neighbour's. A block of one warp per channel, its
// lanes along the channel's 196 consecutive elements.
// CHECK-LABEL: func @channel_sums
// CHECK: scf.forall (%{{.*}}, %[[C:.*]]) in (1, 480) {
// CHECK:   scf.forall (%[[LANE:.*]]) in (32) {
// CHECK:     scf.for %[[E:.*]] = %[[LANE]] to %{{.*}} step %{{.*}}
// CHECK:       %[[W:.*]] = arith.remui %[[E]]
// CHECK:       %[[H:.*]] = arith.divui %[[E]]
// CHECK:       memref.load %{{.*}}[%{{.*}}, %[[C]], %[[H]], %[[W]]]
// CHECK-COUNT-5: gpu.shuffle xor
// CHECK: } {mapping = [#gpu.block<linear_dim_0>, #gpu.block<linear_dim_1>]}
func.func @channel_sums(%x: memref<1x480x14x14xf32>, %o: memref<1x480xf32>) {
  linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (n, c, h, w)>,
                                   affine_map<(n, c, h, w) -> (n, c)>],
                  iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%x : memref<1x480x14x14xf32>) outs(%o : memref<1x480xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %y = arith.addf %v, %acc : f32
    linalg.yield %y : f32
  }
  return
}

// -----

// Direct reductions (one output element a thread) tile the fill that
// starts their outputs with themselves: each thread fills its own element
// before folding into it, and the fill gets no kernel of its own. Two
// products that CSE left sharing one fill (a recurrent model's steps) get
// one each.
// CHECK-LABEL: func @direct_fills
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NOT: linalg.fill
// CHECK: scf.forall ({{.*}}) = (0, 0) to (1, 384) step (1, 192)
// CHECK:   scf.forall ({{.*}}) in (1, 192)
// CHECK:     %[[F1:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<1x1xf32>)
// CHECK:     linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<1x128xf32>, tensor<128x1xf32>) outs(%[[F1]] : tensor<1x1xf32>)
// CHECK-NOT: linalg.fill
// CHECK: scf.forall ({{.*}}) = (0, 0) to (1, 384) step (1, 192)
// CHECK:   scf.forall ({{.*}}) in (1, 192)
// CHECK:     %[[F2:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<1x1xf32>)
// CHECK:     linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<1x128xf32>, tensor<128x1xf32>) outs(%[[F2]] : tensor<1x1xf32>)
// CHECK-NOT: linalg.fill
// CHECK: return
func.func @direct_fills(%h: tensor<1x128xf32>, %r: tensor<128x384xf32>, %z: tensor<128x384xf32>) -> (tensor<1x384xf32>, tensor<1x384xf32>) {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<1x384xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%empty : tensor<1x384xf32>) -> tensor<1x384xf32>
  %p = linalg.matmul ins(%h, %r : tensor<1x128xf32>, tensor<128x384xf32>) outs(%fill : tensor<1x384xf32>) -> tensor<1x384xf32>
  %q = linalg.matmul ins(%h, %z : tensor<1x128xf32>, tensor<128x384xf32>) outs(%fill : tensor<1x384xf32>) -> tensor<1x384xf32>
  return %p, %q : tensor<1x384xf32>, tensor<1x384xf32>
}

// -----

// A direct reduction (one output a thread) with a fill of its own, whose
// one reader is an elementwise consumer over its outputs (a mean's
// division), is computed in the consumer's kernel: each thread fills its
// element of the consumer's output tile, folds the reduction into it and
// computes the consumer's element there. One nest; the reduction's result
// never has a tensor of its own.
// CHECK-LABEL: func @in_consumer
// CHECK: scf.forall ({{.*}}) = (0, 0) to (1, 1000) step (1, 250) shared_outs
// CHECK:   scf.forall ({{.*}}) in (1, 250) shared_outs(%[[OUT:.*]] = %{{.*}})
// CHECK:     %[[TILE:.*]] = tensor.extract_slice %[[OUT]]
// CHECK:     %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[TILE]] : tensor<1x1xf32>)
// CHECK:     %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]{{.*}} outs(%[[F]] : tensor<1x1xf32>)
// CHECK:     arith.addf
// CHECK:     linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x1xf32>) outs(%[[TILE]] : tensor<1x1xf32>)
// CHECK:     arith.divf
// CHECK-NOT: scf.forall (
// CHECK: return
#in = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#sum = affine_map<(d0, d1, d2) -> (d0, d2)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @in_consumer(%x: tensor<1x64x1000xf32>) -> tensor<1x1000xf32> {
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 64.0 : f32
  %e = tensor.empty() : tensor<1x1000xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1000xf32>) -> tensor<1x1000xf32>
  %s = linalg.generic {indexing_maps = [#in, #sum], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x : tensor<1x64x1000xf32>) outs(%f : tensor<1x1000xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %acc, %a : f32
    linalg.yield %r : f32
  } -> tensor<1x1000xf32>
  %e2 = tensor.empty() : tensor<1x1000xf32>
  %m = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<1x1000xf32>) outs(%e2 : tensor<1x1000xf32>) {
  ^bb0(%a: f32, %o: f32):
    %d = arith.divf %a, %n : f32
    linalg.yield %d : f32
  } -> tensor<1x1000xf32>
  return %m : tensor<1x1000xf32>
}

// -----

// A consumer of two such reductions (a loss: the sum of the picked values
// times the count) takes neither: both tiles would be its output's. Three
// nests.
// CHECK-LABEL: func @two_in_consumer
// CHECK-COUNT-3: scf.forall ({{.*}}) = (0, 0) to (1, 1000) step (1, 250)
// CHECK-NOT: scf.forall ({{.*}}) = (0, 0) to (1, 1000)
// CHECK: return
#in = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#sum = affine_map<(d0, d1, d2) -> (d0, d2)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @two_in_consumer(%x: tensor<1x64x1000xf32>, %y: tensor<1x64x1000xf32>) -> tensor<1x1000xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1000xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1000xf32>) -> tensor<1x1000xf32>
  %s = linalg.generic {indexing_maps = [#in, #sum], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x : tensor<1x64x1000xf32>) outs(%f : tensor<1x1000xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %acc, %a : f32
    linalg.yield %r : f32
  } -> tensor<1x1000xf32>
  %t = linalg.generic {indexing_maps = [#in, #sum], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%y : tensor<1x64x1000xf32>) outs(%f : tensor<1x1000xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %acc, %a : f32
    linalg.yield %r : f32
  } -> tensor<1x1000xf32>
  %e2 = tensor.empty() : tensor<1x1000xf32>
  %m = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%s, %t : tensor<1x1000xf32>, tensor<1x1000xf32>) outs(%e2 : tensor<1x1000xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.mulf %a, %b : f32
    linalg.yield %d : f32
  } -> tensor<1x1000xf32>
  return %m : tensor<1x1000xf32>
}

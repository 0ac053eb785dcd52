// RUN: kiln-opt %s -split-input-file -kiln-plan-workspace | FileCheck %s

// Lifetimes on the top-level order: a [0, 3], b [2, 5], c [4, 6]. a and b
// overlap, so do b and c; a is dead before c is allocated, so c reuses a's
// bytes. 16 x f32 = 64 bytes each: two slots, 128 bytes in all. Deallocs end
// a lifetime without counting as uses, and disappear.
// CHECK: module attributes {kiln.workspace_size = 128 : i64}
// CHECK-LABEL: func @main
// CHECK-SAME: (%[[IN:[^:]*]]: memref<16xf32>, %[[OUT:[^:]*]]: memref<16xf32> {bufferize.result}, %[[WS:[^:]*]]: memref<128xi8> {kiln.workspace})
// CHECK-NOT: memref.alloc
// CHECK: %[[OFF_A:.*]] = arith.constant 0 : index
// CHECK: %[[A:.*]] = memref.view %[[WS]][%[[OFF_A]]][] : memref<128xi8> to memref<16xf32>
// CHECK: linalg.copy ins(%[[IN]] : memref<16xf32>) outs(%[[A]] : memref<16xf32>)
// CHECK: %[[OFF_B:.*]] = arith.constant 64 : index
// CHECK: %[[B:.*]] = memref.view %[[WS]][%[[OFF_B]]][] : memref<128xi8> to memref<16xf32>
// CHECK: linalg.copy ins(%[[A]] : memref<16xf32>) outs(%[[B]] : memref<16xf32>)
// CHECK: %[[OFF_C:.*]] = arith.constant 0 : index
// CHECK: %[[C:.*]] = memref.view %[[WS]][%[[OFF_C]]][] : memref<128xi8> to memref<16xf32>
// CHECK: linalg.copy ins(%[[B]] : memref<16xf32>) outs(%[[C]] : memref<16xf32>)
// CHECK: linalg.copy ins(%[[C]] : memref<16xf32>) outs(%[[OUT]] : memref<16xf32>)
// CHECK-NOT: memref.dealloc
// CHECK: return
func.func @main(%in: memref<16xf32>, %out: memref<16xf32> {bufferize.result}) {
  %a = memref.alloc() : memref<16xf32>
  linalg.copy ins(%in : memref<16xf32>) outs(%a : memref<16xf32>)
  %b = memref.alloc() : memref<16xf32>
  linalg.copy ins(%a : memref<16xf32>) outs(%b : memref<16xf32>)
  %c = memref.alloc() : memref<16xf32>
  linalg.copy ins(%b : memref<16xf32>) outs(%c : memref<16xf32>)
  linalg.copy ins(%c : memref<16xf32>) outs(%out : memref<16xf32>)
  memref.dealloc %a : memref<16xf32>
  memref.dealloc %b : memref<16xf32>
  memref.dealloc %c : memref<16xf32>
  return
}

// -----

// Sizes round up to 64 bytes: 20 x f32 = 80 -> 128, 3 x f32 = 12 -> 64.
// Both are live together; the larger one is placed first.
// CHECK: module attributes {kiln.workspace_size = 192 : i64}
// CHECK-LABEL: func @main
// CHECK-SAME: %[[WS:[^:]*]]: memref<192xi8> {kiln.workspace})
// CHECK: %[[SMALL_OFF:.*]] = arith.constant 128 : index
// CHECK: memref.view %[[WS]][%[[SMALL_OFF]]][] : memref<192xi8> to memref<3xf32>
// CHECK: %[[LARGE_OFF:.*]] = arith.constant 0 : index
// CHECK: memref.view %[[WS]][%[[LARGE_OFF]]][] : memref<192xi8> to memref<20xf32>
func.func @main(%out: memref<f32> {bufferize.result}) {
  %cst = arith.constant 1.0 : f32
  %small = memref.alloc() : memref<3xf32>
  %large = memref.alloc() : memref<20xf32>
  linalg.fill ins(%cst : f32) outs(%small : memref<3xf32>)
  linalg.fill ins(%cst : f32) outs(%large : memref<20xf32>)
  %c0 = arith.constant 0 : index
  %0 = memref.load %small[%c0] : memref<3xf32>
  %1 = memref.load %large[%c0] : memref<20xf32>
  %2 = arith.addf %0, %1 : f32
  memref.store %2, %out[] : memref<f32>
  return
}

// -----

// A use through a view keeps the buffer alive: %a's reshaped alias is read
// after %b is allocated, so they cannot share.
// CHECK: module attributes {kiln.workspace_size = 128 : i64}
// CHECK-LABEL: func @main
// CHECK: arith.constant 0 : index
// CHECK: memref.view {{.*}} to memref<4x4xf32>
// CHECK: arith.constant 64 : index
// CHECK: memref.view {{.*}} to memref<16xf32>
func.func @main(%in: memref<4x4xf32>, %out: memref<16xf32> {bufferize.result}) {
  %a = memref.alloc() : memref<4x4xf32>
  linalg.copy ins(%in : memref<4x4xf32>) outs(%a : memref<4x4xf32>)
  %flat = memref.collapse_shape %a [[0, 1]] : memref<4x4xf32> into memref<16xf32>
  %b = memref.alloc() : memref<16xf32>
  linalg.copy ins(%flat : memref<16xf32>) outs(%b : memref<16xf32>)
  linalg.copy ins(%b : memref<16xf32>) outs(%out : memref<16xf32>)
  return
}

// -----

// A use nested in a loop counts as a use by the whole loop: %a is read in
// the loop after %b's allocation, so they overlap.
// CHECK: module attributes {kiln.workspace_size = 128 : i64}
// CHECK-LABEL: func @main
// CHECK: arith.constant 0 : index
// CHECK: arith.constant 64 : index
func.func @main(%in: memref<16xf32>, %out: memref<16xf32> {bufferize.result}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %a = memref.alloc() : memref<16xf32>
  linalg.copy ins(%in : memref<16xf32>) outs(%a : memref<16xf32>)
  %b = memref.alloc() : memref<16xf32>
  scf.for %i = %c0 to %c16 step %c1 {
    %v = memref.load %a[%i] : memref<16xf32>
    memref.store %v, %b[%i] : memref<16xf32>
  }
  linalg.copy ins(%b : memref<16xf32>) outs(%out : memref<16xf32>)
  return
}

// -----

// Sub-byte elements take a byte each, as in the LLVM lowering's memory
// layout: 100 x i1 is 100 bytes (-> 128), not 13. A 0-d buffer takes a
// slot too. Both are live together.
// CHECK: module attributes {kiln.workspace_size = 192 : i64}
// CHECK-LABEL: func @main
// CHECK-SAME: %{{.*}}: memref<192xi8> {kiln.workspace}
// CHECK: %[[OFF_BOOL:.*]] = arith.constant 0 : index
// CHECK-NEXT: memref.view %{{.*}}[%[[OFF_BOOL]]][] : memref<192xi8> to memref<100xi1>
// CHECK: %[[OFF_F64:.*]] = arith.constant 128 : index
// CHECK-NEXT: memref.view %{{.*}}[%[[OFF_F64]]][] : memref<192xi8> to memref<f64>
func.func @main(%out: memref<i1> {bufferize.result}) {
  %a = memref.alloc() : memref<100xi1>
  %b = memref.alloc() : memref<f64>
  %c0 = arith.constant 0 : index
  %t = arith.constant true
  memref.store %t, %a[%c0] : memref<100xi1>
  %f = arith.constant 0.0 : f64
  memref.store %f, %b[] : memref<f64>
  %v = memref.load %a[%c0] : memref<100xi1>
  memref.store %v, %out[] : memref<i1>
  return
}

// -----

// Nothing to place: an empty workspace, still passed.
// CHECK: module attributes {kiln.workspace_size = 0 : i64}
// CHECK-LABEL: func @main
// CHECK-SAME: %{{.*}}: memref<0xi8> {kiln.workspace})
func.func @main(%in: memref<4xf32>, %out: memref<4xf32> {bufferize.result}) {
  linalg.copy ins(%in : memref<4xf32>) outs(%out : memref<4xf32>)
  return
}

// -----

// Lifetimes a [0, 3], b [2, 5], c [4, 8], d [6, 8] (a overlaps b, b overlaps
// c, c overlaps d) and sizes 256, 256, 128, 192 bytes: at most 512 bytes are
// live at once (a and b). Placing the largest first puts a at 0, b at 256,
// d at 0 and then c above b, at 512: 640 bytes. Placing the longest-lived
// first (c at 0, a at 0, b at 256, d at 128) needs 512, and the smaller
// plan is kept.
// CHECK: module attributes {kiln.workspace_size = 512 : i64}
// CHECK-LABEL: func @main
// CHECK: arith.constant 0 : index
// CHECK: %[[A:.*]] = memref.view {{.*}} to memref<64xf32>
// CHECK: arith.constant 256 : index
// CHECK: %[[B:.*]] = memref.view {{.*}} to memref<64xf32>
// CHECK: call @use(%[[A]], %[[B]])
// CHECK: arith.constant 0 : index
// CHECK: %[[C:.*]] = memref.view {{.*}} to memref<32xf32>
// CHECK: call @use2(%[[B]], %[[C]])
// CHECK: arith.constant 128 : index
// CHECK: %[[D:.*]] = memref.view {{.*}} to memref<48xf32>
// CHECK: call @use3(%[[C]], %[[D]])
func.func private @use(memref<64xf32>, memref<64xf32>)
func.func private @use2(memref<64xf32>, memref<32xf32>)
func.func private @use3(memref<32xf32>, memref<48xf32>)
func.func @main(%out: memref<f32> {bufferize.result}) {
  %a = memref.alloc() : memref<64xf32>
  %cst = arith.constant 1.0 : f32
  %b = memref.alloc() : memref<64xf32>
  call @use(%a, %b) : (memref<64xf32>, memref<64xf32>) -> ()
  %c = memref.alloc() : memref<32xf32>
  call @use2(%b, %c) : (memref<64xf32>, memref<32xf32>) -> ()
  %d = memref.alloc() : memref<48xf32>
  memref.store %cst, %out[] : memref<f32>
  call @use3(%c, %d) : (memref<32xf32>, memref<48xf32>) -> ()
  return
}

// -----

// A buffer private to each task of a parallel loop (a product's tile that
// the same task writes out) and larger than 32 KiB gets one slot per
// iteration: the (0, 0) to (4, 6) step (2, 3) loop has 2 x 2 iterations of
// 33792 bytes, so 135168, and iteration (i, j) uses the slot at
// 33792 * (((i - 0) / 2) * 2 + (j - 0) / 3). A buffer allocated after the
// loop reuses those bytes.
// CHECK: module attributes {kiln.workspace_size = 135168 : i64}
// CHECK-LABEL: func @main
// CHECK: scf.forall (%[[I:.*]], %[[J:.*]]) = (0, 0) to (4, 6) step (2, 3)
// CHECK: %[[BASE:.*]] = arith.constant 0 : index
// CHECK: %[[ROW:.*]] = arith.divui %{{.*}}, %{{.*}} : index
// CHECK: %[[COL:.*]] = arith.divui %{{.*}}, %{{.*}} : index
// CHECK: %[[INDEX:.*]] = arith.addi %{{.*}}, %[[COL]] : index
// CHECK: %[[SLOT:.*]] = arith.muli %[[INDEX]], %{{.*}} : index
// CHECK: %[[OFF:.*]] = arith.addi %[[BASE]], %[[SLOT]] : index
// CHECK: memref.view %{{.*}}[%[[OFF]]][] : memref<135168xi8> to memref<8448xf32>
// CHECK: memref.view %{{.*}}[%{{.*}}][] : memref<135168xi8> to memref<64xf32>
func.func @main(%in: memref<8448xf32>) {
  scf.forall (%i, %j) = (0, 0) to (4, 6) step (2, 3) {
    %t = memref.alloc() : memref<8448xf32>
    linalg.copy ins(%in : memref<8448xf32>) outs(%t : memref<8448xf32>)
  }
  %after = memref.alloc() : memref<64xf32>
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%after : memref<64xf32>)
  return
}

// -----

// Task-private buffers made directly in the loop's body go on the stack of
// the thread running the iteration (the outlined task allocates them once,
// at its entry), up to 32 KiB a loop: no workspace bytes, however many
// iterations the loop has. Here the first (24 KiB) fits; the second (16
// KiB) would take the loop past 32 KiB and keeps its slots, 16 of them.
// One made deeper, in a loop of the body, keeps its slots too (a stack
// buffer there would be allocated again on every iteration of that loop).
// CHECK: module attributes {kiln.task_stack_size = 24576 : i64, kiln.workspace_size = 263168 : i64}
// CHECK-LABEL: func @main
// CHECK: scf.forall
// CHECK: %[[T:.*]] = memref.alloca() {alignment = 64 : i64} : memref<6144xf32>
// CHECK: linalg.copy ins(%{{.*}} : memref<6144xf32>) outs(%[[T]] : memref<6144xf32>)
// CHECK: memref.view %{{.*}}[%{{.*}}][] : memref<263168xi8> to memref<4096xf32>
// CHECK-NOT: memref.alloc
// CHECK: scf.for
// CHECK: memref.view %{{.*}}[%{{.*}}][] : memref<263168xi8> to memref<16xf32>
func.func @main(%in: memref<6144xf32>, %mid: memref<4096xf32>, %small: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  scf.forall (%i) in (16) {
    %t = memref.alloc() : memref<6144xf32>
    linalg.copy ins(%in : memref<6144xf32>) outs(%t : memref<6144xf32>)
    %m = memref.alloc() : memref<4096xf32>
    linalg.copy ins(%mid : memref<4096xf32>) outs(%m : memref<4096xf32>)
    scf.for %k = %c0 to %c2 step %c1 {
      %u = memref.alloc() : memref<16xf32>
      linalg.copy ins(%small : memref<16xf32>) outs(%u : memref<16xf32>)
    }
  }
  return
}

// -----

// A GPU kernel's loop (mapped to blocks) keeps its buffer in the workspace:
// a block's threads share one buffer, which a per-thread stack buffer
// would not be. The most any CPU task takes on the stack is the largest
// loop's, not the sum over loops.
// CHECK: module attributes {kiln.task_stack_size = 4096 : i64, kiln.workspace_size = 256 : i64}
// CHECK-LABEL: func @main
// CHECK: scf.forall
// CHECK: memref.view %{{.*}}[%{{.*}}][] : memref<256xi8> to memref<16xf32>
// CHECK: mapping = [#gpu.block<linear_dim_0>]
// CHECK: scf.forall
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<1024xf32>
// CHECK: scf.forall
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<512xf32>
func.func @main(%small: memref<16xf32>, %a: memref<1024xf32>, %b: memref<512xf32>) {
  scf.forall (%i) in (4) {
    %g = memref.alloc() : memref<16xf32>
    linalg.copy ins(%small : memref<16xf32>) outs(%g : memref<16xf32>)
  } {mapping = [#gpu.block<linear_dim_0>]}
  scf.forall (%i) in (8) {
    %t = memref.alloc() : memref<1024xf32>
    linalg.copy ins(%a : memref<1024xf32>) outs(%t : memref<1024xf32>)
  }
  scf.forall (%i) in (8) {
    %t = memref.alloc() : memref<512xf32>
    linalg.copy ins(%b : memref<512xf32>) outs(%t : memref<512xf32>)
  }
  return
}

// -----

// Kernels of one wave (kiln.wave, kiln-gpu-schedule-waves) run as one GPU
// launch: they count as one point in time. Each kernel's private tile
// (one slot per block, 2 x 64 bytes) lives only while its kernel runs; in
// program order the two kernels would share bytes, but in one wave their
// blocks run at once: two slots, 256 bytes. (Ops between a wave's members,
// here a constant, do not split it.)
// CHECK: module attributes {kiln.workspace_size = 256 : i64}
// CHECK-LABEL: func @main
// CHECK: scf.forall
// CHECK:   %[[OFF_A:.*]] = arith.constant 0 : index
// CHECK:   memref.view %{{.*}}[%{{.*}}][] : memref<256xi8> to memref<16xf32>
// CHECK: } {kiln.wave = 0 : i64, mapping = [#gpu.block<x>]}
// CHECK: scf.forall
// CHECK:   %[[OFF_B:.*]] = arith.constant 128 : index
// CHECK:   memref.view %{{.*}}[%{{.*}}][] : memref<256xi8> to memref<16xf32>
// CHECK: } {kiln.wave = 0 : i64, mapping = [#gpu.block<x>]}
func.func @main(%in: memref<2x16xf32>, %out: memref<2x16xf32> {bufferize.result},
                %out2: memref<2x16xf32> {bufferize.result}) {
  scf.forall (%i) in (2) {
    %a = memref.alloc() : memref<16xf32>
    %row = memref.subview %in[%i, 0] [1, 16] [1, 1] : memref<2x16xf32> to memref<16xf32, strided<[1], offset: ?>>
    linalg.copy ins(%row : memref<16xf32, strided<[1], offset: ?>>) outs(%a : memref<16xf32>)
    %dst = memref.subview %out[%i, 0] [1, 16] [1, 1] : memref<2x16xf32> to memref<16xf32, strided<[1], offset: ?>>
    linalg.copy ins(%a : memref<16xf32>) outs(%dst : memref<16xf32, strided<[1], offset: ?>>)
  } {kiln.wave = 0 : i64, mapping = [#gpu.block<x>]}
  %between = arith.constant 1 : index
  scf.forall (%i) in (2) {
    %b = memref.alloc() : memref<16xf32>
    %row = memref.subview %in[%i, 0] [1, 16] [1, 1] : memref<2x16xf32> to memref<16xf32, strided<[1], offset: ?>>
    linalg.copy ins(%row : memref<16xf32, strided<[1], offset: ?>>) outs(%b : memref<16xf32>)
    %dst = memref.subview %out2[%i, 0] [1, 16] [1, 1] : memref<2x16xf32> to memref<16xf32, strided<[1], offset: ?>>
    linalg.copy ins(%b : memref<16xf32>) outs(%dst : memref<16xf32, strided<[1], offset: ?>>)
  } {kiln.wave = 0 : i64, mapping = [#gpu.block<x>]}
  return
}

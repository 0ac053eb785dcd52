// RUN: kiln-opt %s --split-input-file --kiln-tile-for-gpu="multiprocessors=1 async-copies=1" --canonicalize --cse | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-tile-for-gpu="multiprocessors=1 async-copies=1" --kiln-emulate-async-copies --canonicalize --cse | FileCheck %s --check-prefix=EMULATED
// RUN: kiln-opt %s --split-input-file --kiln-tile-for-gpu="multiprocessors=1 tf32=1 async-copies=1" --canonicalize --cse | FileCheck %s --check-prefix=TF32

// With async-copies, a staged FP32 matmul copies its tiles from global
// into workgroup memory with nvgpu.device_async_copy (cp.async), one
// element a copy, never through registers: no memref.store into the
// tiles. Three stages (A 32x16 and B 32x20 floats each, 3 x 4608 bytes),
// two of the 16 k steps in flight. Steps 0 and 1 go into stages 0 and 1
// before the loop, a group each. Step s waits until at most one group is
// pending (its own has landed), a barrier, issues step s + 2 into stage
// (s + 2) % 3 (the one step s - 1 was read from) and folds step s from
// stage s % 3. The fold is short, so the steps are unrolled by the
// stages (every stage a constant): steps 0 and 1 before the loop, steps
// 2 to 13 in 4 iterations of 3. The last two steps, with nothing to
// issue, are a loop of their own (too short to unroll by the stages: its
// stage computed from the step) that waits for every copy.
// CHECK-LABEL: func @async_copies
// CHECK-SAME: (%[[A:.*]]: memref<32x256xf32>, %[[B:.*]]: memref<256x64xf32>
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: %[[AT:.*]] = memref.alloc() : memref<3x32x16xf32, #gpu.address_space<workgroup>>
// CHECK: %[[BT:.*]] = memref.alloc() : memref<3x32x20xf32, #gpu.address_space<workgroup>>
// CHECK-NOT: memref.store {{.*}}workgroup
// CHECK-COUNT-2: nvgpu.device_async_copy %[[A]][{{.*}}], %[[AT]][%[[C0]],
// CHECK-COUNT-2: nvgpu.device_async_copy %[[B]][{{.*}}], %[[BT]][%[[C0]],
// CHECK-NEXT: nvgpu.device_async_create_group
// CHECK: nvgpu.device_async_copy %[[A]][{{.*}}], %[[AT]][%[[C1]],
// CHECK: %[[G:.*]] = nvgpu.device_async_create_group
// CHECK-NEXT: nvgpu.device_async_wait %[[G]] {numGroups = 1 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK: nvgpu.device_async_copy %[[A]][{{.*}}], %[[AT]][%[[C2]],
// CHECK: nvgpu.device_async_create_group
// CHECK-NEXT: vector.load %[[AT]][%[[C0]],
// CHECK: nvgpu.device_async_wait %[[G]] {numGroups = 1 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK: nvgpu.device_async_copy %[[A]][{{.*}}], %[[AT]][%[[C0]],
// CHECK: vector.load %[[AT]][%[[C1]],
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK-NEXT: nvgpu.device_async_wait %[[G]] {numGroups = 1 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK: nvgpu.device_async_copy %[[A]][{{.*}}], %[[AT]][%[[C1]],
// CHECK: vector.load %[[AT]][%[[C2]],
// CHECK: nvgpu.device_async_wait %[[G]] {numGroups = 1 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK: nvgpu.device_async_copy %[[A]][{{.*}}], %[[AT]][%[[C2]],
// CHECK: vector.load %[[AT]][%[[C0]],
// CHECK: nvgpu.device_async_wait %[[G]] {numGroups = 1 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK: nvgpu.device_async_copy %[[A]][{{.*}}], %[[AT]][%[[C0]],
// CHECK: vector.load %[[AT]][%[[C1]],
// CHECK: scf.yield
// CHECK: scf.for %[[KT:.*]] = %{{.*}} to %{{.*}} step %[[C16]]
// CHECK-NEXT: nvgpu.device_async_wait %[[G]] {numGroups = 0 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: %[[STEP:.*]] = arith.divui %[[KT]], %[[C16]] : index
// CHECK-NEXT: %[[FROM:.*]] = arith.remui %[[STEP]], %[[C3]] : index
// CHECK-NEXT: vector.load %[[AT]][%[[FROM]],
// CHECK-NOT: nvgpu.device_async
// CHECK-NOT: memref.store {{.*}}workgroup
// CHECK: return

// Emulated (kiln-emulate-async-copies), each copy is a load of its source
// element and a store into the tile where it is issued; no group or wait
// is left.
// EMULATED-LABEL: func @async_copies
// EMULATED-NOT: nvgpu.device_async
// EMULATED: %[[V:.*]] = memref.load %arg0
// EMULATED-NEXT: memref.store %[[V]], %{{.*}}[%c0, {{.*}}] : memref<3x32x16xf32, #gpu.address_space<workgroup>>
// EMULATED-NOT: nvgpu.device_async
// EMULATED: return
func.func @async_copies(%a: memref<32x256xf32>, %b: memref<256x64xf32>, %c: memref<32x64xf32>) {
  linalg.matmul ins(%a, %b : memref<32x256xf32>, memref<256x64xf32>) outs(%c : memref<32x64xf32>)
  return
}

// -----

// k = 40: two whole steps and a short one, all three issued by the time
// step 0 is folded (steps 0 and 1 before the loop, step 2 by step 0).
// Step 1 issues nothing and waits for every copy; the short step is
// folded after it, its 8 k values only (32 multiply-adds: a thread has
// 2 x 2 outputs).
// CHECK-LABEL: func @short_last_step
// CHECK: memref.alloc() : memref<3x32x16xf32, #gpu.address_space<workgroup>>
// CHECK-COUNT-2: nvgpu.device_async_create_group
// CHECK-NEXT: nvgpu.device_async_wait %{{.*}} {numGroups = 1 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK: nvgpu.device_async_create_group
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK-NOT: nvgpu.device_async_copy
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-32: math.fma
// CHECK-NOT: math.fma
// CHECK-NOT: nvgpu.device_async
// CHECK: return
func.func @short_last_step(%a: memref<32x40xf32>, %b: memref<40x64xf32>, %c: memref<32x64xf32>) {
  linalg.matmul ins(%a, %b : memref<32x40xf32>, memref<40x64xf32>) outs(%c : memref<32x64xf32>)
  return
}

// -----

// The TF32 tensor-core kernel keeps staging through registers, rounding
// each element once as it stages it (rounding fragments as they are
// loaded would convert each element once per warp that reads it).
// TF32-LABEL: func @tensor_cores_stage_through_registers
// TF32-NOT: nvgpu.device_async
// TF32: memref.store {{.*}} : memref<2x512xf32, #gpu.address_space<workgroup>>
// TF32-NOT: nvgpu.device_async
// TF32: nvgpu.mma.sync
// TF32-NOT: nvgpu.device_async
// TF32: return
func.func @tensor_cores_stage_through_registers(%a: memref<32x48xf32>, %b: memref<48x64xf32>, %c: memref<32x64xf32>) {
  linalg.matmul ins(%a, %b : memref<32x48xf32>, memref<48x64xf32>) outs(%c : memref<32x64xf32>)
  return
}

// -----

// A fold of more than 8 outputs a thread (16 here) stays rolled, one step
// an iteration, its stages computed from the step: it folds step kt / 16
// from stage (kt / 16) % 3 and issues step kt / 16 + 2 into stage
// (kt / 16 + 2) % 3. k = 80, five steps: the first loop folds steps 0 to
// 2 and issues steps 2 to 4 (their waits leave one group pending), the
// second folds steps 3 and 4 after waiting for every copy.
// CHECK-LABEL: func @rolled
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C48:.*]] = arith.constant 48 : index
// CHECK-DAG: %[[C80:.*]] = arith.constant 80 : index
// CHECK: %[[AT:.*]] = memref.alloc() : memref<3x16x68xf32, #gpu.address_space<workgroup>>
// CHECK: %[[BT:.*]] = memref.alloc() : memref<3x16x80xf32, #gpu.address_space<workgroup>>
// CHECK-NOT: memref.store {{.*}}workgroup
// CHECK-COUNT-2: nvgpu.device_async_create_group
// CHECK-NEXT: scf.for %[[KT:.*]] = %[[C0]] to %[[C48]] step %[[C16]]
// CHECK-NEXT: nvgpu.device_async_wait %{{.*}} {numGroups = 1 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK: %[[STEP:.*]] = arith.divui %[[KT]], %[[C16]] : index
// CHECK-NEXT: %[[LATER:.*]] = arith.addi %[[STEP]], %[[C2]] : index
// CHECK-NEXT: %[[INTO:.*]] = arith.remui %[[LATER]], %[[C3]] : index
// CHECK-COUNT-4: nvgpu.device_async_copy %{{.*}}, %[[AT]][%[[INTO]],
// CHECK-COUNT-4: nvgpu.device_async_copy %{{.*}}, %[[BT]][%[[INTO]],
// CHECK-NEXT: nvgpu.device_async_create_group
// CHECK-NEXT: %[[FROM:.*]] = arith.remui %[[STEP]], %[[C3]] : index
// CHECK-NEXT: vector.load %[[AT]][%[[FROM]],
// CHECK-NOT: memref.store {{.*}}workgroup
// CHECK: scf.yield
// CHECK: scf.for %[[KT2:.*]] = %[[C48]] to %[[C80]] step %[[C16]]
// CHECK-NEXT: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: %[[STEP2:.*]] = arith.divui %[[KT2]], %[[C16]] : index
// CHECK-NEXT: %[[FROM2:.*]] = arith.remui %[[STEP2]], %[[C3]] : index
// CHECK-NEXT: vector.load %[[AT]][%[[FROM2]],
// CHECK-NOT: nvgpu.device_async
// CHECK: scf.yield
// CHECK-NOT: nvgpu.device_async
// CHECK-NOT: memref.store {{.*}}workgroup
// CHECK: return
func.func @rolled(%a: memref<128x80xf32>, %b: memref<80x64xf32>, %c: memref<128x64xf32>) {
  linalg.matmul ins(%a, %b : memref<128x80xf32>, memref<80x64xf32>) outs(%c : memref<128x64xf32>)
  return
}

// -----

// Two k steps: two stages are enough (both steps are issued before the
// loop), not three.
// CHECK-LABEL: func @two_steps
// CHECK: memref.alloc() : memref<2x32x16xf32, #gpu.address_space<workgroup>>
func.func @two_steps(%a: memref<32x32xf32>, %b: memref<32x64xf32>, %c: memref<32x64xf32>) {
  linalg.matmul ins(%a, %b : memref<32x32xf32>, memref<32x64xf32>) outs(%c : memref<32x64xf32>)
  return
}

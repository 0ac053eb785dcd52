// RUN: kiln-opt %s --split-input-file --kiln-emulate-gpu-launches --verify-diagnostics | FileCheck %s

// A launch becomes an scf.forall over its blocks (run in parallel on the CPU)
// holding sequential loops over its threads, z outermost; the kernel body
// reads the loop indices where it read block and thread ids.
// CHECK-LABEL: func @launch
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[GRID:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[THREADS:.*]] = arith.constant 32 : index
// CHECK: scf.forall (%[[BX:.*]], %{{.*}}, %{{.*}}) in (%[[GRID]], %[[C1]], %[[C1]])
// CHECK:   scf.for %{{.*}} = %{{.*}} to %[[C1]] step
// CHECK:     scf.for %{{.*}} = %{{.*}} to %[[C1]] step
// CHECK:       scf.for %[[TX:.*]] = %{{.*}} to %[[THREADS]] step
// CHECK:         %[[BASE:.*]] = arith.muli %[[BX]], %[[THREADS]]
// CHECK:         %[[I:.*]] = arith.addi %[[BASE]], %[[TX]]
// CHECK:         memref.store %{{.*}}, %{{.*}}[%[[I]]]
// CHECK-NOT: gpu.launch
func.func @launch(%m: memref<512xf32>) {
  %c1 = arith.constant 1 : index
  %grid = arith.constant 16 : index
  %threads = arith.constant 32 : index
  %v = arith.constant 2.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %grid, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %threads, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %sx : index
    %i = arith.addi %base, %tx : index
    memref.store %v, %m[%i] : memref<512xf32>
    gpu.terminator
  }
  return
}

// -----

// A barrier cuts the body into two loops over the block's threads. The
// workgroup buffer is a stack buffer of each block (16-byte aligned, as on
// the GPU); %v and %i, computed before the barrier and used after it, are
// kept per thread (constants are recomputed).
// CHECK-LABEL: func @barrier
// CHECK: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in
// CHECK-DAG: %[[SHARED:.*]] = memref.alloca() {alignment = 16 : i64} : memref<32xf32>
// CHECK-DAG: %[[VS:.*]] = memref.alloca() : memref<32xf32>
// CHECK-DAG: %[[IS:.*]] = memref.alloca() : memref<32xindex>
// CHECK:   scf.for
// CHECK:     scf.for
// CHECK:       scf.for %[[TX:.*]] = %{{.*}} to %{{.*}} step
// CHECK:         %[[T:.*]] = arith.addi %[[TX]]
// CHECK:         %[[I:.*]] = arith.addi
// CHECK:         memref.store %[[I]], %[[IS]][%[[T]]]
// CHECK:         %[[V:.*]] = memref.load %{{.*}}[%[[I]]] : memref<64xf32>
// CHECK:         memref.store %[[V]], %[[VS]][%[[T]]]
// CHECK:         memref.store %[[V]], %[[SHARED]][%[[TX]]]
// CHECK-NOT: gpu.barrier
// CHECK:   scf.for
// CHECK:     scf.for
// CHECK:       scf.for %[[TX2:.*]] = %{{.*}} to %{{.*}} step
// CHECK:         %[[T2:.*]] = arith.addi %[[TX2]]
// CHECK-DAG:     %[[I2:.*]] = memref.load %[[IS]][%[[T2]]]
// CHECK-DAG:     %[[V2:.*]] = memref.load %[[VS]][%[[T2]]]
// CHECK-DAG:     %[[C31:.*]] = arith.constant 31 : index
// CHECK:         %[[R:.*]] = arith.subi %[[C31]], %[[TX2]]
// CHECK:         %[[W:.*]] = memref.load %[[SHARED]][%[[R]]]
// CHECK:         %[[S:.*]] = arith.addf %[[W]], %[[V2]]
// CHECK:         memref.store %[[S]], %{{.*}}[%[[I2]]] : memref<64xf32>
// CHECK-NOT: gpu.launch
func.func @barrier(%in: memref<64xf32>, %out: memref<64xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %threads = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %threads, %sy = %c1, %sz = %c1)
             workgroup(%shared : memref<32xf32, #gpu.address_space<workgroup>>) {
    %c31 = arith.constant 31 : index
    %base = arith.muli %bx, %sx : index
    %i = arith.addi %base, %tx : index
    %v = memref.load %in[%i] : memref<64xf32>
    memref.store %v, %shared[%tx] : memref<32xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %r = arith.subi %c31, %tx : index
    %w = memref.load %shared[%r] : memref<32xf32, #gpu.address_space<workgroup>>
    %s = arith.addf %w, %v : f32
    memref.store %s, %out[%i] : memref<64xf32>
    gpu.terminator
  }
  return
}

// -----

// A shuffle cuts the body like a barrier: every thread stores its operand,
// then reads its partner lane's (lane xor 1 within its warp of 32).
// CHECK-LABEL: func @shuffle
// CHECK: %[[N:.*]] = arith.constant 64 : index
// CHECK: %[[OWN:.*]] = memref.alloca() : memref<64xf32>
// CHECK: %[[SLOTS:.*]] = memref.alloca() : memref<64xf32>
// CHECK: scf.for %[[TX:.*]] = %{{.*}} to %[[N]] step
// CHECK:   %[[T:.*]] = arith.addi %[[TX]]
// CHECK:   %[[V:.*]] = memref.load %{{.*}}[%[[TX]]] : memref<64xf32>
// CHECK:   memref.store %[[V]], %[[OWN]][%[[T]]]
// CHECK:   memref.store %[[V]], %[[SLOTS]][%[[T]]]
// CHECK: scf.for %[[TX2:.*]] = %{{.*}} to %[[N]] step
// CHECK:   %[[T2:.*]] = arith.addi %[[TX2]]
// CHECK:   %[[V2:.*]] = memref.load %[[OWN]][%[[T2]]]
// CHECK:   %[[LANE:.*]] = arith.remui %[[T2]], %{{.*}}
// CHECK:   %[[WARP:.*]] = arith.subi %[[T2]], %[[LANE]]
// CHECK:   %[[SRC:.*]] = arith.xori %[[LANE]], %{{.*}}
// CHECK:   %[[PARTNER:.*]] = arith.addi %[[WARP]], %[[SRC]]
// CHECK:   arith.cmpi slt, %[[PARTNER]]
// CHECK:   %[[OK:.*]] = arith.andi
// CHECK:   %[[SLOT:.*]] = arith.select %[[OK]], %[[PARTNER]], %[[T2]]
// CHECK:   %[[GOT:.*]] = memref.load %[[SLOTS]][%[[SLOT]]]
// CHECK:   %[[RES:.*]] = arith.select %[[OK]], %[[GOT]], %[[V2]] : f32
// CHECK:   memref.store %[[RES]], %{{.*}}[%[[TX2]]] : memref<64xf32>
func.func @shuffle(%m: memref<64xf32>) {
  %c1 = arith.constant 1 : index
  %threads = arith.constant 64 : index
  %one = arith.constant 1 : i32
  %width = arith.constant 32 : i32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %threads, %sy = %c1, %sz = %c1) {
    %v = memref.load %m[%tx] : memref<64xf32>
    %s, %ok = gpu.shuffle xor %v, %one, %width : f32
    memref.store %s, %m[%tx] : memref<64xf32>
    gpu.terminator
  }
  return
}

// -----

// Not every thread might reach a barrier under a branch on the thread id.
func.func @thread_dependent_barrier(%m: memref<32xf32>) {
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %threads = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %threads, %sy = %c1, %sz = %c1) {
    %low = arith.cmpi ult, %tx, %c16 : index
    // expected-error @below {{cannot emulate a branch with barriers whose condition may differ between threads}}
    scf.if %low {
      gpu.barrier
    }
    gpu.terminator
  }
  return
}

// -----

// Nor under a branch with results.
func.func @barrier_in_branch_with_results(%m: memref<32xf32>, %c: i1) {
  %c1 = arith.constant 1 : index
  %threads = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %threads, %sy = %c1, %sz = %c1) {
    %v = scf.if %c -> f32 {
      // expected-error @below {{cannot emulate a gpu.barrier inside control flow of a kernel}}
      gpu.barrier
      %x = memref.load %m[%tx] : memref<32xf32>
      scf.yield %x : f32
    } else {
      %y = memref.load %m[%tx] : memref<32xf32>
      scf.yield %y : f32
    }
    memref.store %v, %m[%tx] : memref<32xf32>
    gpu.terminator
  }
  return
}

// -----

// A branch on the block id (a merged launch choosing its member,
// kiln-gpu-merge-wave-launches) is the same for all of a block's threads:
// it runs at block level, around the loops over threads of the segments
// of each side; the barrier cuts the side it is in (two loops over the
// threads), the other side is one.
// CHECK-LABEL: func @block_uniform_branch
// CHECK: scf.forall
// CHECK:   scf.if %{{.*}} {
// CHECK:     scf.for
// CHECK:       scf.for
// CHECK:         scf.for %[[T0:.*]] =
// CHECK:           memref.store %{{.*}}, %[[TILE:.*]][%[[T0]]]
// CHECK:     scf.for
// CHECK:       scf.for
// CHECK:         scf.for %[[T1:.*]] =
// CHECK:           memref.load %[[TILE]]
// CHECK:   } else {
// CHECK:     scf.for
// CHECK:       scf.for
// CHECK:         scf.for
// CHECK:           arith.negf
// CHECK-NEXT:      memref.store
// CHECK-NEXT:    }
// CHECK-NEXT:  }
// CHECK-NEXT: }
// CHECK-NEXT: }
func.func @block_uniform_branch(%m: memref<64xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c31 = arith.constant 31 : index
  %threads = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %threads, %sy = %c1, %sz = %c1)
             workgroup(%tile : memref<32xf32, #gpu.address_space<workgroup>>) {
    %first = arith.cmpi ult, %bx, %c1 : index
    scf.if %first {
      %x = memref.load %m[%tx] : memref<64xf32>
      memref.store %x, %tile[%tx] : memref<32xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %other = arith.subi %c31, %tx : index
      %y = memref.load %tile[%other] : memref<32xf32, #gpu.address_space<workgroup>>
      memref.store %y, %m[%tx] : memref<64xf32>
    } else {
      %i = arith.addi %tx, %threads : index
      %z = memref.load %m[%i] : memref<64xf32>
      %n = arith.negf %z : f32
      memref.store %n, %m[%i] : memref<64xf32>
    }
    gpu.terminator
  }
  return
}

// -----

// Barriers in a loop every thread runs with the same bounds (the k tiles of
// a staged matmul): the loop runs at block level around the loops over
// threads of its segments, and its loop-carried value is kept per thread,
// stored before the loop and by the last segment of each iteration (here
// after the second barrier, from the buffer that kept %part across it).
// CHECK-LABEL: func @loop_with_barriers
// CHECK: scf.forall
// CHECK-DAG: %[[TILE:.*]] = memref.alloca() {alignment = 16 : i64} : memref<16xf32>
// CHECK-DAG: %[[CARRIED:.*]] = memref.alloca() : memref<16xf32>
// CHECK:   scf.for
// CHECK:     scf.for
// CHECK:       scf.for %[[TX0:.*]] =
// CHECK:         %[[T0:.*]] = arith.addi %[[TX0]]
// CHECK:         memref.store %{{.*}}, %[[CARRIED]][%[[T0]]]
// CHECK:   scf.for %[[KT:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:     scf.for
// CHECK:       scf.for
// CHECK:         scf.for %[[TX1:.*]] =
// CHECK:           %[[K1:.*]] = arith.addi %[[KT]], %[[TX1]]
// CHECK:           %[[X:.*]] = memref.load %{{.*}}[%[[K1]]] : memref<64xf32>
// CHECK:           memref.store %[[X]], %[[TILE]][%[[TX1]]]
// CHECK:     scf.for
// CHECK:       scf.for
// CHECK:         scf.for %[[TX2:.*]] =
// CHECK:           %[[T2:.*]] = arith.addi %[[TX2]]
// CHECK:           %[[ACC:.*]] = memref.load %[[CARRIED]][%[[T2]]]
// CHECK:           %[[SUM:.*]] = scf.for {{.*}} iter_args(%[[A:.*]] = %[[ACC]])
// CHECK:             memref.load %[[TILE]]
// CHECK:           memref.store %[[SUM]], %[[PARTS:.*]][%[[T2]]]
// CHECK:     scf.for
// CHECK:       scf.for
// CHECK:         scf.for %[[TXY:.*]] =
// CHECK:           %[[TY:.*]] = arith.addi %[[TXY]]
// CHECK:           %[[YIELDED:.*]] = memref.load %[[PARTS]][%[[TY]]]
// CHECK:           memref.store %[[YIELDED]], %[[CARRIED]][%[[TY]]]
// CHECK:   }
// CHECK:   scf.for
// CHECK:     scf.for
// CHECK:       scf.for %[[TX3:.*]] =
// CHECK:         %[[T3:.*]] = arith.addi %[[TX3]]
// CHECK:         %[[R:.*]] = memref.load %[[CARRIED]][%[[T3]]]
// CHECK:         memref.store %[[R]], %{{.*}}[%[[TX3]]] : memref<16xf32>
func.func @loop_with_barriers(%in: memref<64xf32>, %out: memref<16xf32>) {
  %c1 = arith.constant 1 : index
  %threads = arith.constant 16 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %threads, %sy = %c1, %sz = %c1)
             workgroup(%tile : memref<16xf32, #gpu.address_space<workgroup>>) {
    %c0 = arith.constant 0 : index
    %c16 = arith.constant 16 : index
    %c64 = arith.constant 64 : index
    %zero = arith.constant 0.0 : f32
    %sum = scf.for %kt = %c0 to %c64 step %c16 iter_args(%acc = %zero) -> (f32) {
      %k = arith.addi %kt, %tx : index
      %x = memref.load %in[%k] : memref<64xf32>
      memref.store %x, %tile[%tx] : memref<16xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %part = scf.for %kk = %c0 to %c16 step %c1 iter_args(%a = %acc) -> (f32) {
        %y = memref.load %tile[%kk] : memref<16xf32, #gpu.address_space<workgroup>>
        %b = arith.addf %a, %y : f32
        scf.yield %b : f32
      }
      gpu.barrier
      scf.yield %part : f32
    }
    memref.store %sum, %out[%tx] : memref<16xf32>
    gpu.terminator
  }
  return
}

// -----

// A loop with barriers whose bounds could differ between threads.
func.func @divergent_loop(%m: memref<32xf32>) {
  %c1 = arith.constant 1 : index
  %threads = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %threads, %sy = %c1, %sz = %c1) {
    %c0 = arith.constant 0 : index
    // expected-error @below {{cannot emulate a loop with barriers whose bounds may differ between threads}}
    scf.for %i = %c0 to %tx step %c1 {
      gpu.barrier
    }
    gpu.terminator
  }
  return
}

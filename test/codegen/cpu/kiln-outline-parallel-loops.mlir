// RUN: kiln-opt %s -split-input-file -kiln-outline-parallel-loops | FileCheck %s

// The loop becomes a task over its linearized iterations (16 x 1 here) and a
// call to the runtime's parallel_for. Memrefs travel as their LLVM
// descriptors through unrealized casts, indices as i64, other scalars as
// they are; constants are re-created inside the task instead.
// CHECK-LABEL: func.func private @kiln_rt_parallel_for(i64, (!llvm.ptr, i64, i64) -> (), !llvm.ptr)
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[IN:[^:]*]]: memref<64x32xf32>, %[[OUT:[^:]*]]: memref<64x32xf32>, %[[SCALE:[^:]*]]: f32, %[[N:[^:]*]]: index)
// CHECK: %[[ONE:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK: %[[CTX:.*]] = llvm.alloca %[[ONE]] x !llvm.struct<(struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>, f32, i64, struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>)> {alignment = 16 : i64}
// CHECK: %[[UNDEF:.*]] = llvm.mlir.undef
// CHECK: %[[IN_DESC:.*]] = builtin.unrealized_conversion_cast %[[IN]] : memref<64x32xf32> to !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
// CHECK: %[[P0:.*]] = llvm.insertvalue %[[IN_DESC]], %[[UNDEF]][0]
// CHECK: %[[P1:.*]] = llvm.insertvalue %[[SCALE]], %[[P0]][1]
// CHECK: %[[N64:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK: %[[P2:.*]] = llvm.insertvalue %[[N64]], %[[P1]][2]
// CHECK: %[[OUT_DESC:.*]] = builtin.unrealized_conversion_cast %[[OUT]] : memref<64x32xf32> to !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
// CHECK: %[[P3:.*]] = llvm.insertvalue %[[OUT_DESC]], %[[P2]][3]
// CHECK: llvm.store %[[P3]], %[[CTX]]
// CHECK: %[[FN:.*]] = constant @main_task0 : (!llvm.ptr, i64, i64) -> ()
// CHECK: %[[COUNT:.*]] = llvm.mlir.constant(16 : i64) : i64
// CHECK: call @kiln_rt_parallel_for(%[[COUNT]], %[[FN]], %[[CTX]])
// CHECK-NOT: scf.forall
// CHECK: return

// CHECK-LABEL: func.func private @main_task0
// CHECK-SAME: (%[[TCTX:[^:]*]]: !llvm.ptr, %[[BEGIN:[^:]*]]: i64, %[[END:[^:]*]]: i64)
// CHECK: %[[PACKED:.*]] = llvm.load %[[TCTX]] : !llvm.ptr -> !llvm.struct
// CHECK: %[[F0:.*]] = llvm.extractvalue %[[PACKED]][0]
// CHECK: %[[TIN:.*]] = builtin.unrealized_conversion_cast %[[F0]] : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<64x32xf32>
// CHECK: %[[TSCALE:.*]] = llvm.extractvalue %[[PACKED]][1]
// CHECK: %[[F2:.*]] = llvm.extractvalue %[[PACKED]][2]
// CHECK: %[[TN:.*]] = arith.index_cast %[[F2]] : i64 to index
// CHECK: %[[F3:.*]] = llvm.extractvalue %[[PACKED]][3]
// CHECK: %[[TOUT:.*]] = builtin.unrealized_conversion_cast %[[F3]] : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<64x32xf32>
// CHECK-DAG: %[[TCST:.*]] = arith.constant dense<2.000000e+00> : vector<32xf32>
// CHECK-DAG: %[[TC0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[B:.*]] = arith.index_cast %[[BEGIN]] : i64 to index
// CHECK-DAG: %[[E:.*]] = arith.index_cast %[[END]] : i64 to index
// CHECK: scf.for %[[IV:.*]] = %[[B]] to %[[E]] step %{{.*}} {
// The inner dimension (1 iteration) varies fastest.
// CHECK: %[[JD:.*]] = arith.remui %[[IV]], %{{.*}} : index
// CHECK: %[[ID:.*]] = arith.divui %[[IV]], %{{.*}} : index
// CHECK: arith.muli %[[JD]], %{{.*}} : index
// CHECK: %[[I4:.*]] = arith.muli %[[ID]], %{{.*}} : index
// CHECK: %[[I:.*]] = arith.addi %[[I4]], %{{.*}} : index
// CHECK: vector.transfer_read %[[TIN]][%[[I]], %{{.*}}]
// CHECK: vector.broadcast %[[TSCALE]] : f32 to vector<32xf32>
// CHECK: arith.addf %{{.*}}, %[[TCST]] : vector<32xf32>
// CHECK: %[[ROW:.*]] = arith.addi %[[I]], %[[TN]] : index
// CHECK: vector.transfer_write %{{.*}}, %[[TOUT]][%[[ROW]], %[[TC0]]]
// CHECK: return
func.func @main(%in: memref<64x32xf32>, %out: memref<64x32xf32>, %scale: f32, %n: index) {
  %c0 = arith.constant 0 : index
  %cst = arith.constant dense<2.0> : vector<32xf32>
  %pad = ub.poison : f32
  scf.forall (%i, %j) = (0, 0) to (64, 32) step (4, 32) {
    %v = vector.transfer_read %in[%i, %j], %pad {in_bounds = [true]} : memref<64x32xf32>, vector<32xf32>
    %s = vector.broadcast %scale : f32 to vector<32xf32>
    %m = arith.mulf %v, %s : vector<32xf32>
    %a = arith.addf %m, %cst : vector<32xf32>
    %k = arith.addi %i, %n : index
    vector.transfer_write %a, %out[%k, %c0] {in_bounds = [true]} : vector<32xf32>, memref<64x32xf32>
  }
  return
}

// -----

// A captured vector makes the context's slot as aligned as the vector wants
// (32 bytes for vector<8xf32>, whose store into it and load in the task are
// aligned moves): a slot of 16 faulted where the stack was not 32-aligned.
// CHECK-LABEL: func.func @captured_vector
// CHECK: llvm.alloca %{{.*}} x !llvm.struct<(vector<8xf32>, struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>)> {alignment = 32 : i64}
func.func @captured_vector(%bias: vector<8xf32>, %out: memref<64x8xf32>) {
  scf.forall (%i) = (0) to (64) step (4) {
    vector.transfer_write %bias, %out[%i, %i] {in_bounds = [true]} : vector<8xf32>, memref<64x8xf32>
  }
  return
}

// -----

// A body that captures nothing gets a null context and no stack slot.
// CHECK-LABEL: func.func @main
// CHECK-NOT: llvm.alloca
// CHECK: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: %[[FN:.*]] = constant @main_task0
// CHECK: %[[COUNT:.*]] = llvm.mlir.constant(6 : i64) : i64
// CHECK: call @kiln_rt_parallel_for(%[[COUNT]], %[[FN]], %[[NULL]])
// CHECK-LABEL: func.func private @main_task0
// CHECK-NOT: llvm.load
// CHECK: scf.for
// CHECK: vector.print
func.func @main() {
  %one = arith.constant 1.0 : f32
  scf.forall (%i) in (6) {
    vector.print %one : f32
  }
  return
}

// -----

// Globals (weights) are captured like other buffers, so that loops differing
// only in their weights become one task. Equivalent tasks are kept once:
// the first two loops (different globals, different outputs) share
// @main_task0, each call handing it its own context; the third, which adds
// instead of multiplying, gets its own task.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:[^:]*]]: memref<8xf32>, %[[Y:[^:]*]]: memref<8xf32>)
// CHECK-DAG: %[[WA:.*]] = memref.get_global @wa : memref<8xf32>
// CHECK-DAG: %[[WB:.*]] = memref.get_global @wb : memref<8xf32>
// CHECK: %[[WA_DESC:.*]] = builtin.unrealized_conversion_cast %[[WA]]
// CHECK: llvm.insertvalue %[[WA_DESC]]
// CHECK: %[[T0:.*]] = constant @main_task0
// CHECK: call @kiln_rt_parallel_for(%{{.*}}, %[[T0]], %{{.*}})
// CHECK: %[[WB_DESC:.*]] = builtin.unrealized_conversion_cast %[[WB]]
// CHECK: llvm.insertvalue %[[WB_DESC]]
// CHECK: %[[T1:.*]] = constant @main_task0
// CHECK: call @kiln_rt_parallel_for(%{{.*}}, %[[T1]], %{{.*}})
// CHECK: %[[T2:.*]] = constant @main_task2
// CHECK: call @kiln_rt_parallel_for(%{{.*}}, %[[T2]], %{{.*}})
// CHECK-NOT: func.func private @main_task1
// CHECK-DAG: func.func private @main_task0
// CHECK-DAG: func.func private @main_task2
// CHECK-NOT: func.func private @main_task1
memref.global "private" constant @wa : memref<8xf32> = dense<1.0>
memref.global "private" constant @wb : memref<8xf32> = dense<2.0>
func.func @main(%x: memref<8xf32>, %y: memref<8xf32>) {
  %a = memref.get_global @wa : memref<8xf32>
  %b = memref.get_global @wb : memref<8xf32>
  scf.forall (%i) in (8) {
    %v = memref.load %a[%i] : memref<8xf32>
    %m = arith.mulf %v, %v : f32
    memref.store %m, %x[%i] : memref<8xf32>
  }
  scf.forall (%i) in (8) {
    %v = memref.load %b[%i] : memref<8xf32>
    %m = arith.mulf %v, %v : f32
    memref.store %m, %y[%i] : memref<8xf32>
  }
  scf.forall (%i) in (8) {
    %v = memref.load %b[%i] : memref<8xf32>
    %m = arith.addf %v, %v : f32
    memref.store %m, %y[%i] : memref<8xf32>
  }
  return
}

// -----

// Every top-level loop gets its own task; one runtime declaration; the
// context slot is allocated once at function entry even when the call sits
// in a loop. Bounds with offsets and steps: (10 - 2) / 3 rounded up = 3.
// CHECK: func.func private @kiln_rt_parallel_for
// CHECK-NOT: func.func private @kiln_rt_parallel_for
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[BUF:[^:]*]]: memref<16xf32>)
// CHECK-NEXT: llvm.mlir.constant(1 : i64)
// CHECK-NEXT: %[[SLOT1:.*]] = llvm.alloca
// CHECK-NEXT: llvm.mlir.constant(1 : i64)
// CHECK-NEXT: %[[SLOT0:.*]] = llvm.alloca
// CHECK: constant @main_task0
// CHECK: %[[C4:.*]] = llvm.mlir.constant(4 : i64)
// CHECK: call @kiln_rt_parallel_for(%[[C4]], %{{.*}}, %[[SLOT0]])
// CHECK: scf.for
// CHECK: constant @main_task1
// CHECK: %[[C3:.*]] = llvm.mlir.constant(3 : i64)
// CHECK: call @kiln_rt_parallel_for(%[[C3]], %{{.*}}, %[[SLOT1]])
// CHECK-LABEL: func.func private @main_task1
// CHECK: scf.for %[[IV:.*]] =
// CHECK: %[[STEP:.*]] = arith.constant 3 : index
// CHECK: %[[SCALED:.*]] = arith.muli %[[IV]], %[[STEP]]
// CHECK: %[[LB:.*]] = arith.constant 2 : index
// CHECK: arith.addi %[[SCALED]], %[[LB]]
// CHECK-LABEL: func.func private @main_task0
func.func @main(%buf: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  scf.forall (%i) in (4) {
    memref.store %one, %buf[%i] : memref<16xf32>
  }
  scf.for %k = %c0 to %c8 step %c1 {
    scf.forall (%i) = (2) to (10) step (3) {
      memref.store %one, %buf[%i] : memref<16xf32>
    }
  }
  return
}

// -----

// A descending loop (kiln-alternate-panel-order) handed all its iterations
// at once (begin 0, end 4: one thread) runs them from the back, and its
// marked inner loop too; handed part of them, it runs them in order.
// CHECK-LABEL: func.func private @descending_task0
// CHECK-SAME: (%{{[^:]*}}: !llvm.ptr, %[[BEGIN:[^:]*]]: i64, %[[END:[^:]*]]: i64)
// CHECK-DAG: %[[B:.*]] = arith.index_cast %[[BEGIN]] : i64 to index
// CHECK-DAG: %[[E:.*]] = arith.index_cast %[[END]] : i64 to index
// CHECK: %[[TOTAL:.*]] = arith.constant 4 : index
// CHECK: %[[FROM0:.*]] = arith.cmpi eq, %[[B]], %{{.*}} : index
// CHECK: %[[TO4:.*]] = arith.cmpi eq, %[[E]], %[[TOTAL]] : index
// CHECK: %[[WHOLE:.*]] = arith.andi %[[FROM0]], %[[TO4]] : i1
// CHECK: scf.for %[[IV:.*]] = %[[B]] to %[[E]]
// CHECK: %[[LAST:.*]] = arith.constant 3 : index
// CHECK: %[[BACK:.*]] = arith.subi %[[LAST]], %[[IV]] : index
// CHECK: %[[IT:.*]] = arith.select %[[WHOLE]], %[[BACK]], %[[IV]] : index
// CHECK: %[[T2:.*]] = arith.muli %[[IT]]
// CHECK: %[[T:.*]] = arith.addi %[[T2]]
// CHECK: scf.for %[[P:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[PLAST:.*]] = arith.constant 1 : index
// CHECK: %[[PBACK:.*]] = arith.subi %[[PLAST]], %[[P]] : index
// CHECK: %[[PIT:.*]] = arith.select %[[WHOLE]], %[[PBACK]], %[[P]] : index
// CHECK: arith.addi %[[T]], %[[PIT]] : index
// CHECK-NOT: kiln.descending
// CHECK: return
func.func @descending(%y: memref<8x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %cst = arith.constant dense<1.0> : vector<32xf32>
  scf.forall (%t) = (0) to (8) step (2) {
    scf.for %p = %c0 to %c2 step %c1 {
      %row = arith.addi %t, %p : index
      vector.transfer_write %cst, %y[%row, %c0] {in_bounds = [true]} : vector<32xf32>, memref<8x32xf32>
    } {kiln.descending}
  } {kiln.descending}
  return
}

// RUN: kiln-opt %s -split-input-file -kiln-create-entry-point | FileCheck %s

// void kiln_model_entry(const void *const *inputs, void *const *outputs,
// void *workspace): inputs and outputs are numbered separately, in @main's
// argument order; each pointer becomes a dense static descriptor; @main
// becomes private so LLVM inlines it.
// CHECK-LABEL: func.func private @main
// CHECK-LABEL: func.func @kiln_model_entry
// CHECK-SAME: (%[[INPUTS:[^:]*]]: !llvm.ptr, %[[OUTPUTS:[^:]*]]: !llvm.ptr, %[[WS:[^:]*]]: !llvm.ptr)
//
// Input 0, a 2x3 buffer: pointer, offset 0, sizes [2, 3], strides [3, 1].
// CHECK: %[[A0:.*]] = llvm.getelementptr %[[INPUTS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[P0:.*]] = llvm.load %[[A0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[D0:.*]] = llvm.insertvalue %[[P0]], %{{.*}}[0]
// CHECK: %[[D1:.*]] = llvm.insertvalue %[[P0]], %[[D0]][1]
// CHECK: %[[ZERO:.*]] = llvm.mlir.constant(0 : i64)
// CHECK: %[[D2:.*]] = llvm.insertvalue %[[ZERO]], %[[D1]][2]
// CHECK: %[[THREE:.*]] = llvm.mlir.constant(3 : i64)
// CHECK: %[[D3:.*]] = llvm.insertvalue %[[THREE]], %[[D2]][3, 1]
// CHECK: %[[ONE:.*]] = llvm.mlir.constant(1 : i64)
// CHECK: %[[D4:.*]] = llvm.insertvalue %[[ONE]], %[[D3]][4, 1]
// CHECK: %[[TWO:.*]] = llvm.mlir.constant(2 : i64)
// CHECK: %[[D5:.*]] = llvm.insertvalue %[[TWO]], %[[D4]][3, 0]
// CHECK: %[[THREE2:.*]] = llvm.mlir.constant(3 : i64)
// CHECK: %[[D6:.*]] = llvm.insertvalue %[[THREE2]], %[[D5]][4, 0]
// CHECK: %[[X:.*]] = builtin.unrealized_conversion_cast %[[D6]] : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<2x3xf32>
//
// Input 1.
// CHECK: llvm.getelementptr %[[INPUTS]][1]
// CHECK: %[[Y:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<4xi64>
//
// Outputs 0 and 1 (a 0-d buffer has no sizes or strides).
// CHECK: llvm.getelementptr %[[OUTPUTS]][0]
// CHECK: %[[OUT0:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<2x3xf32>
// CHECK: llvm.getelementptr %[[OUTPUTS]][1]
// CHECK: %[[OUT1:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64)> to memref<f32>
//
// The workspace pointer is used directly.
// CHECK-NOT: llvm.load
// CHECK: llvm.insertvalue %[[WS]], %{{.*}}[0]
// CHECK: %[[SIZE:.*]] = llvm.mlir.constant(256 : i64)
// CHECK: %[[W:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<256xi8>
// CHECK: call @main(%[[X]], %[[Y]], %[[OUT0]], %[[OUT1]], %[[W]])
// CHECK-NEXT: return
func.func @main(%x: memref<2x3xf32>, %y: memref<4xi64>, %out: memref<2x3xf32> {bufferize.result},
                %out2: memref<f32> {bufferize.result}, %ws: memref<256xi8> {kiln.workspace}) {
  return
}

// -----

// Inputs and outputs interleaved in @main keep their own numbering.
// CHECK-LABEL: func.func @kiln_model_entry
// CHECK-SAME: (%[[INPUTS:[^:]*]]: !llvm.ptr, %[[OUTPUTS:[^:]*]]: !llvm.ptr, %[[WS:[^:]*]]: !llvm.ptr)
// CHECK: llvm.getelementptr %[[OUTPUTS]][0]
// CHECK: %[[O:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<8xf32>
// CHECK: llvm.getelementptr %[[INPUTS]][0]
// CHECK: %[[I:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<4xf32>
// CHECK: llvm.insertvalue %[[WS]]
// CHECK: %[[W:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<0xi8>
// CHECK: call @main(%[[O]], %[[I]], %[[W]])
func.func @main(%out: memref<8xf32> {bufferize.result}, %in: memref<4xf32>, %ws: memref<0xi8> {kiln.workspace}) {
  return
}

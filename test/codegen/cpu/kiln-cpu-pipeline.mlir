// A small model all the way to the LLVM dialect: only LLVM ops remain, the
// convolution runs on the thread pool through an outlined task, the C entry
// point hands the caller's buffers and workspace to @main, and nothing
// allocates or calls a runtime copy. (LLVM intrinsics such as
// llvm.intr.vector.reduce.fadd are LLVM ops: the check skips names after a dot.)
// RUN: kiln-opt %s --kiln-cpu-pipeline | FileCheck %s --implicit-check-not='{{(^|[^.a-z_])(memref|vector|scf|linalg|tensor|affine|arith|math|cf|func|kiln|bufferization)\.}}' --implicit-check-not=unrealized_conversion_cast --implicit-check-not=malloc --implicit-check-not=free --implicit-check-not=memrefCopy

// CHECK: module attributes {kiln.workspace_size = [[WS_SIZE:[0-9]+]] : i64}
// CHECK: llvm.func @kiln_rt_parallel_for(i64, !llvm.ptr, !llvm.ptr) attributes {sym_visibility = "private"}
// Weights are read-only globals.
// CHECK: llvm.mlir.global private constant

// The model body: private, so LLVM inlines it into the entry point.
// CHECK: llvm.func @main({{.*}}) attributes {sym_visibility = "private"}
// CHECK-DAG: %[[COUNT:.*]] = llvm.mlir.constant({{[0-9]+}} : i64) : i64
// CHECK-DAG: %[[TASK:.*]] = llvm.mlir.addressof @main_task0 : !llvm.ptr
// CHECK-DAG: %[[CTX:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
// CHECK: llvm.store %{{.*}}, %[[CTX]]
// CHECK: llvm.call @kiln_rt_parallel_for(%[[COUNT]], %[[TASK]], %[[CTX]]) : (i64, !llvm.ptr, !llvm.ptr) -> ()
// The convolution (an im2col matmul) runs its 32-wide micro-kernel FMAs in
// the task.
// The softmax divides in vector code, after a vector exp approximation.
// CHECK: llvm.fdiv %{{.*}}, %{{.*}} : vector<10xf32>
// CHECK: llvm.return

// CHECK: llvm.func @main_task0(%[[CTX_ARG:.*]]: !llvm.ptr, %[[BEGIN:.*]]: i64, %[[END:.*]]: i64) attributes {sym_visibility = "private"}
// CHECK: llvm.load %[[CTX_ARG]] : !llvm.ptr -> !llvm.struct
// CHECK: llvm.icmp "slt" %{{.*}}, %[[END]]
// CHECK: llvm.intr.fmuladd(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<32xf32>, vector<32xf32>, vector<32xf32>) -> vector<32xf32>
// CHECK: llvm.return

// The C entry point: inputs[0], outputs[0], the workspace with the planned
// size.
// CHECK: llvm.func @kiln_model_entry(%[[INPUTS:.*]]: !llvm.ptr, %[[OUTPUTS:.*]]: !llvm.ptr, %[[WS:.*]]: !llvm.ptr) {
// CHECK-DAG: %[[SIZE:.*]] = llvm.mlir.constant([[WS_SIZE]] : i64) : i64
// CHECK-DAG: %[[IN:.*]] = llvm.load %[[INPUTS]] : !llvm.ptr -> !llvm.ptr
// CHECK-DAG: %[[OUT:.*]] = llvm.load %[[OUTPUTS]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.call @main(%[[IN]], %[[IN]], {{.*}}, %[[OUT]], %[[OUT]], {{.*}}, %[[WS]], %[[WS]], %{{.*}}, %[[SIZE]], %{{.*}})
// CHECK-NEXT: llvm.return
func.func @main(%x: tensor<1x3x16x16xf32> {kiln.name = "image"}) -> (tensor<1x10xf32> {kiln.name = "probs"}) {
  %w = kiln.constant dense<0.01> : tensor<16x3x3x3xf32>
  %b = kiln.constant dense<[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5]> : tensor<16xf32>
  %c = kiln.conv %x, %w, %b {pads = array<i64: 1, 1, 1, 1>}
      : (tensor<1x3x16x16xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<1x16x16x16xf32>
  %r = kiln.relu %c : tensor<1x16x16x16xf32> -> tensor<1x16x16x16xf32>
  %p = kiln.max_pool %r {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<1x16x16x16xf32> -> tensor<1x16x8x8xf32>
  %f = kiln.flatten %p : tensor<1x16x8x8xf32> -> tensor<1x1024xf32>
  %fw = kiln.constant dense<0.002> : tensor<10x1024xf32>
  %fb = kiln.constant dense<0.5> : tensor<10xf32>
  %g = kiln.gemm %f, %fw, %fb {trans_b = true}
      : (tensor<1x1024xf32>, tensor<10x1024xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  %s = kiln.softmax %g : tensor<1x10xf32> -> tensor<1x10xf32>
  return %s : tensor<1x10xf32>
}

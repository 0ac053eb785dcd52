// RUN: kiln-opt %s --kiln-merge-gpu-modules | FileCheck %s
// RUN: kiln-opt %s --kiln-merge-gpu-modules --convert-gpu-to-nvvm | FileCheck %s --check-prefix=NVVM

// Outlining leaves one gpu.module per launch; they become one, each
// kernel named after its module, and the launches are retargeted. Every
// workgroup buffer gets a 16-byte alignment (the staged matmul's 16-byte
// shared-memory loads rely on it), which the NVVM lowering gives the
// shared-memory globals.
// CHECK: gpu.module @main_kernel {
// CHECK:   gpu.func @main_kernel(%{{.*}}: memref<64xf32>) workgroup(%{{.*}} : memref<32xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<16x132xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel
// CHECK:   gpu.func @main_kernel_0(%{{.*}}: memref<64xf32>) workgroup(%{{.*}} : memref<8xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel
// CHECK-NOT: gpu.module
// CHECK: gpu.launch_func @main_kernel::@main_kernel blocks
// CHECK: gpu.launch_func @main_kernel::@main_kernel_0 blocks
// NVVM-DAG: llvm.mlir.global internal @__wg_main_kernel_0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<32 x f32>
// NVVM-DAG: llvm.mlir.global internal @__wg_main_kernel_1() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<2112 x f32>
// NVVM-DAG: llvm.mlir.global internal @__wg_main_kernel_0_0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<8 x f16>
module attributes {gpu.container_module} {
  gpu.module @main_kernel {
    gpu.func @main_kernel(%a: memref<64xf32>) workgroup(%w: memref<32xf32, #gpu.address_space<workgroup>>, %v: memref<16x132xf32, #gpu.address_space<workgroup>>) kernel {
      gpu.return
    }
  }
  gpu.module @main_kernel_0 {
    gpu.func @main_kernel(%a: memref<64xf32>) workgroup(%w: memref<8xf16, #gpu.address_space<workgroup>>) kernel {
      gpu.return
    }
  }
  func.func @main(%a: memref<64xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @main_kernel::@main_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<64xf32>)
    gpu.launch_func @main_kernel_0::@main_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<64xf32>)
    return
  }
}

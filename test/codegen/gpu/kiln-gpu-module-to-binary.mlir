// RUN: kiln-opt %s --kiln-gpu-module-to-binary | FileCheck %s

// Divisions narrower than 32 bits (as LLVM's correlated value propagation
// makes of a 32-bit division whose operands it bounds: a convolution's
// channel k / 9 and tap row (k % 9) / 3) are computed in 32 bits: one
// multiply-high each, where upstream's gpu-module-to-binary leaves a
// 16-bit multiply-high (mul.hi.u16) and a 16-bit multiply and shift.
// @divide truncates an unbounded argument, so its 32-bit operand is the
// argument masked to 16 bits; @bounded truncates a value below 1024, which
// the widened division reads as it is, without the mask.
// CHECK: gpu.binary @kernels
// CHECK-SAME: .entry divide(
// CHECK-NOT: mul.hi.u16
// CHECK-SAME: and.b32 \09[[X:%r[0-9]+]], %r{{[0-9]+}}, 65535;
// CHECK-SAME: mul.hi.u32 \09%r{{[0-9]+}}, [[X]], 477218589;
// CHECK-NOT: mul.hi.u16
// CHECK-SAME: mul.hi.u32 \09%r{{[0-9]+}}, %r{{[0-9]+}}, 1431655766;
// CHECK-NOT: mul.hi.u16
// CHECK-SAME: .entry bounded(
// CHECK-NOT: 65535
// CHECK-SAME: mul.hi.u32 \09%r{{[0-9]+}}, %r{{[0-9]+}}, 477218589;
module attributes {gpu.container_module} {
  gpu.module @kernels [#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">] {
    llvm.func @divide(%p: !llvm.ptr<1>, %x: i32) attributes {nvvm.kernel} {
      %c9 = llvm.mlir.constant(9 : i16) : i16
      %c3 = llvm.mlir.constant(3 : i8) : i8
      %t = llvm.trunc %x : i32 to i16
      %q = llvm.udiv %t, %c9 : i16
      %r = llvm.urem %t, %c9 : i16
      %q32 = llvm.zext %q : i16 to i32
      %r8 = llvm.trunc %r : i16 to i8
      %s = llvm.udiv %r8, %c3 : i8
      %s32 = llvm.zext %s : i8 to i32
      %sum = llvm.add %q32, %s32 : i32
      llvm.store %sum, %p : i32, !llvm.ptr<1>
      llvm.return
    }
    llvm.func @bounded(%p: !llvm.ptr<1>, %x: i32) attributes {nvvm.kernel} {
      %c9 = llvm.mlir.constant(9 : i16) : i16
      %mask = llvm.mlir.constant(1023 : i32) : i32
      %k = llvm.and %x, %mask : i32
      %t = llvm.trunc %k : i32 to i16
      %q = llvm.udiv %t, %c9 : i16
      %q32 = llvm.zext %q : i16 to i32
      llvm.store %q32, %p : i32, !llvm.ptr<1>
      llvm.return
    }
  }
}

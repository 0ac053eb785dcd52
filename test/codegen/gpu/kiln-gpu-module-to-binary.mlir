// RUN: kiln-opt %s --kiln-gpu-module-to-binary | FileCheck %s

// Unsigned divisions narrower than 32 bits (as LLVM's correlated value
// propagation makes of a 32-bit division whose operands it bounds: a
// convolution's channel k / 9 and tap row (k % 9) / 3) are computed in 32
// bits: one multiply-high each, where upstream's gpu-module-to-binary
// leaves 16-bit multiplies (mul.hi.u16, mul.lo.s16).
// - @divide truncates an unbounded argument: its 32-bit operand is the
//   argument masked to 16 bits.
// - @bounded divides only below a branch on x < 1024, which range analysis
//   (LazyValueInfo) sees and the code generator does not: the widened
//   division reads x as it is, without the mask.
// - @chained divides a quotient again (k / 9 % 7): both widen, and no
//   16-bit division is left.
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
// CHECK-SAME: mul.hi.u32
// CHECK-SAME: .entry chained(
// CHECK-NOT: mul.hi.u16
// CHECK-NOT: mul.lo.s16
// CHECK-SAME: mul.hi.u32 \09[[Q:%r[0-9]+]], %r{{[0-9]+}}, 477218589;
// CHECK-NOT: mul.hi.u16
// CHECK-NOT: mul.lo.s16
// CHECK-SAME: mul.hi.u32 \09%r{{[0-9]+}}, [[Q]], 613566757;
// CHECK-NOT: mul.hi.u16
// CHECK-NOT: mul.lo.s16
// CHECK-SAME: ret;
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
      %limit = llvm.mlir.constant(1024 : i32) : i32
      %small = llvm.icmp "ult" %x, %limit : i32
      llvm.cond_br %small, ^divide, ^done
    ^divide:
      %t = llvm.trunc %x : i32 to i16
      %q = llvm.udiv %t, %c9 : i16
      %q32 = llvm.zext %q : i16 to i32
      llvm.store %q32, %p : i32, !llvm.ptr<1>
      llvm.br ^done
    ^done:
      llvm.return
    }
    llvm.func @chained(%p: !llvm.ptr<1>, %x: i32) attributes {nvvm.kernel} {
      %c9 = llvm.mlir.constant(9 : i16) : i16
      %c7 = llvm.mlir.constant(7 : i16) : i16
      %t = llvm.trunc %x : i32 to i16
      %q = llvm.udiv %t, %c9 : i16
      %r = llvm.urem %q, %c7 : i16
      %q32 = llvm.zext %q : i16 to i32
      %r32 = llvm.zext %r : i16 to i32
      %sum = llvm.add %q32, %r32 : i32
      llvm.store %sum, %p : i32, !llvm.ptr<1>
      llvm.return
    }
  }
}

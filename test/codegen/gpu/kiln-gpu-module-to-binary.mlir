// RUN: kiln-opt %s --kiln-gpu-module-to-binary | FileCheck %s
// RUN: kiln-opt %s --kiln-gpu-module-to-binary | FileCheck %s --check-prefix=NARROW

// Integer arithmetic narrower than 32 bits, as LLVM's correlated value
// propagation and what follows it make of 32-bit index arithmetic whose
// operands it bounds (a convolution's channel k / 9 and tap row
// (k % 9) / 3), is computed in 32 bits again; upstream's
// gpu-module-to-binary leaves 16-bit PTX (mul.hi.u16, mul.lo.s16, add.s16,
// cvt.u16, ...). Each division by a constant is one multiply-high by
// ceil(2^32 / d) (its constant moved into a register first; ptxas folds
// it) where the dividend's range shows that is exact.
// - @divide truncates an unbounded argument: its 32-bit form is the
//   argument masked to 16 bits. The remainder, below 9, is divided by 3
//   with one multiply-high by 1431655766 and no shift (the code generator
//   takes 2863311531 and a shift where it does not know the range).
// - @bounded divides only below a branch on x < 1024, which range analysis
//   (LazyValueInfo) sees and the code generator does not: the division
//   reads x as it is, without the mask.
// - @chained divides a quotient again (k / 9 % 7): both are 32-bit
//   multiplies-high (as the high half of a 64-bit product, the second was
//   a 64-bit multiply).
// - @strided halves a quotient truncated to 8 bits and adds a small offset
//   to it (resnet50's strided taps): the mask and the shift are one bit
//   field extract, the sum a 32-bit add that needs no mask. (LLVM narrows
//   the 32-bit x / 3, x below 1024, to 16 bits first: a multiply-high.)
// NARROW-NOT: {{\.[su]16}}
// CHECK: gpu.binary @kernels
// CHECK-SAME: .entry divide(
// CHECK-SAME: and.b32 \09[[X:%r[0-9]+]], %r{{[0-9]+}}, 65535;
// CHECK-SAME: mov.b32 \09[[M9:%r[0-9]+]], 477218589;
// CHECK-SAME: mul.hi.u32 \09[[Q:%r[0-9]+]], [[X]], [[M9]];
// CHECK-SAME: mul.lo.s32 \09[[QY:%r[0-9]+]], [[Q]], 9;
// CHECK-SAME: sub.s32 \09[[R:%r[0-9]+]], [[X]], [[QY]];
// CHECK-SAME: mov.b32 \09[[M3:%r[0-9]+]], 1431655766;
// CHECK-SAME: mul.hi.u32 \09%r{{[0-9]+}}, [[R]], [[M3]];
// CHECK-NOT: shr
// CHECK-SAME: .entry bounded(
// CHECK-NOT: 65535
// CHECK-SAME: mul.hi.u32
// CHECK-SAME: .entry chained(
// CHECK-NOT: .s64
// CHECK-SAME: mov.b32 \09[[M9:%r[0-9]+]], 477218589;
// CHECK-SAME: mul.hi.u32 \09[[Q:%r[0-9]+]], %r{{[0-9]+}}, [[M9]];
// CHECK-SAME: mov.b32 \09[[M7:%r[0-9]+]], 613566757;
// CHECK-SAME: mul.hi.u32 \09%r{{[0-9]+}}, [[Q]], [[M7]];
// CHECK-NOT: .s64
// CHECK-SAME: .entry strided(
// CHECK-SAME: mul.hi.u32 \09[[Q:%r[0-9]+]],
// CHECK-SAME: bfe.u32 \09[[H:%r[0-9]+]], [[Q]], 1, 7;
// CHECK-SAME: add.s32 \09[[S:%r[0-9]+]], [[H]],
// CHECK-SAME: st.global.b32 \09[%rd{{[0-9]+}}], [[S]];
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
    llvm.func @strided(%p: !llvm.ptr<1>, %x: i32, %y: i32) attributes {nvvm.kernel} {
      %c1023 = llvm.mlir.constant(1023 : i32) : i32
      %c63 = llvm.mlir.constant(63 : i32) : i32
      %c3 = llvm.mlir.constant(3 : i32) : i32
      %c1 = llvm.mlir.constant(1 : i8) : i8
      %xs = llvm.and %x, %c1023 : i32
      %q = llvm.udiv %xs, %c3 : i32
      %q8 = llvm.trunc %q : i32 to i8
      %h = llvm.lshr %q8, %c1 : i8
      %ys = llvm.and %y, %c63 : i32
      %y8 = llvm.trunc %ys overflow<nuw> : i32 to i8
      %s = llvm.add %h, %y8 overflow<nuw> : i8
      %s32 = llvm.zext %s : i8 to i32
      llvm.store %s32, %p : i32, !llvm.ptr<1>
      llvm.return
    }
  }
}

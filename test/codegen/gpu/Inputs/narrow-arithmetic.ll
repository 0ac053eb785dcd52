; Narrow integer arithmetic as LLVM's optimizer leaves it in Kiln's device
; IR, for kiln-narrow-arithmetic.test. Each function but the last two is
; free of poison for every input the test gives it (its flags hold).

; A convolution's channel and tap, k = a % 144, after correlated value
; propagation (8-bit divisions) and DivRemPairs (a remainder whose quotient
; is computed too, as x - (x / y) * y): k / 9, then the tap's row and column,
; (k % 9) / 3 and k % 3.
define i32 @taps(i32 %a, i32 %b) {
  %k = urem i32 %a, 144
  %t = trunc nuw i32 %k to i8
  %q = udiv i8 %t, 9
  %p = mul i8 %q, 9
  %r = sub i8 %t, %p
  %row = udiv i8 %r, 3
  %col = urem i8 %t, 3
  %q32 = zext i8 %q to i32
  %row32 = zext i8 %row to i32
  %col32 = zext i8 %col to i32
  %1 = mul i32 %q32, 100
  %2 = mul i32 %row32, 10
  %3 = add i32 %1, %2
  %4 = add i32 %3, %col32
  ret i32 %4
}

; A strided tap (resnet50's 3x3 convolutions at stride 2): a 32-bit quotient
; truncated with no bound, halved, and offset by a small value in 8 bits.
define i32 @strided(i32 %a, i32 %b) {
  %x = and i32 %a, 1023
  %q = udiv i32 %x, 3
  %q8 = trunc i32 %q to i8
  %h = lshr i8 %q8, 1
  %y = and i32 %b, 63
  %y8 = trunc nuw i32 %y to i8
  %s = add nuw i8 %h, %y8
  %s32 = zext i8 %s to i32
  ret i32 %s32
}

; Correlated value propagation's remainder of a value below 18: a compare,
; a subtraction and a select.
define i32 @select_remainder(i32 %a, i32 %b) {
  %x = urem i32 %a, 18
  %x8 = trunc nuw i32 %x to i8
  %small = icmp ult i8 %x8, 9
  %m = add nsw i8 %x8, -9
  %r = select i1 %small, i8 %x8, i8 %m
  %r32 = zext i8 %r to i32
  ret i32 %r32
}

; A division below a branch that bounds its operand: range analysis reads
; the branch, so the result needs no mask.
define i32 @branch_bounded(i32 %a, i32 %b) {
entry:
  %small = icmp ult i32 %a, 200
  br i1 %small, label %then, label %else
then:
  %t = trunc i32 %a to i8
  %q = udiv i8 %t, 7
  %s = shl nuw i8 %q, 3
  %s32 = zext i8 %s to i32
  ret i32 %s32
else:
  ret i32 0
}

; Arithmetic that wraps in 8 and 16 bits: what reads a whole value (a shift
; right, a division, an unsigned compare, a zero extension) reads it masked.
define i32 @wrapping(i32 %a, i32 %b) {
  %t = trunc i32 %a to i8
  %u = trunc i32 %b to i8
  %s = add i8 %t, %u
  %p = mul i8 %s, 37
  %h = lshr i8 %p, 3
  %o = or i8 %u, 1
  %d = udiv i8 %p, %o
  %x = xor i8 %h, %d
  %sh = shl i8 %x, 2
  %lt = icmp ult i8 %s, %u
  %w = trunc i32 %a to i16
  %w2 = mul i16 %w, %w
  %w3 = sub i16 %w2, 1000
  %w4 = urem i16 %w3, 1001
  %e = zext i8 %sh to i32
  %f = zext i16 %w4 to i32
  %g = zext i1 %lt to i32
  %1 = shl i32 %f, 9
  %2 = shl i32 %g, 8
  %3 = or i32 %1, %2
  %4 = or i32 %3, %e
  ret i32 %4
}

; Narrow values read by what is not widened (a sign extension, a signed
; compare, a phi), an 8-bit value extended to 16 bits, a 16-bit one
; truncated to 8, and a frozen one.
define i32 @others(i32 %a, i32 %b) {
entry:
  %t = trunc i32 %a to i16
  %u = trunc i32 %b to i8
  %v = add i16 %t, 300
  %v8 = trunc i16 %v to i8
  %z = zext i8 %u to i16
  %w = add i16 %v, %z
  %fz = freeze i16 %w
  %neg = icmp slt i16 %fz, 0
  br i1 %neg, label %left, label %right
left:
  %l = sub i16 0, %fz
  br label %join
right:
  %rr = lshr i16 %fz, 2
  br label %join
join:
  %m = phi i16 [ %l, %left ], [ %rr, %right ]
  %sx = sext i16 %m to i32
  %v8x = sext i8 %v8 to i32
  %1 = mul i32 %sx, 257
  %2 = add i32 %1, %v8x
  ret i32 %2
}

; A narrow value carried around a loop: the phi stays narrow, the
; arithmetic in the loop is widened.
define i32 @loop(i32 %a, i32 %b) {
entry:
  %n = and i32 %b, 15
  %x0 = trunc i32 %a to i8
  br label %body
body:
  %i = phi i32 [ 0, %entry ], [ %i1, %body ]
  %x = phi i8 [ %x0, %entry ], [ %x2, %body ]
  %x1 = mul i8 %x, 3
  %x2 = add i8 %x1, 1
  %i1 = add nuw nsw i32 %i, 1
  %more = icmp ult i32 %i1, %n
  br i1 %more, label %body, label %exit
exit:
  %r = udiv i8 %x2, 5
  %r32 = zext i8 %r to i32
  ret i32 %r32
}

; Divisions of every 16-bit value (a * 256 + b, truncated) by constants:
; each is one multiply-high widened, where the code generator would take a
; multiply-high and a shift (by 3) or more (by 7, 100, 641, 65535).
define i32 @divisors_small(i32 %a, i32 %b) {
  %s = shl i32 %a, 8
  %x = or i32 %s, %b
  %t = trunc i32 %x to i16
  %q3 = udiv i16 %t, 3
  %r7 = urem i16 %t, 7
  %q641 = udiv i16 %t, 641
  %1 = zext i16 %q3 to i32
  %2 = zext i16 %r7 to i32
  %3 = zext i16 %q641 to i32
  %4 = shl i32 %2, 15
  %5 = shl i32 %3, 18
  %6 = or i32 %1, %4
  %7 = or i32 %6, %5
  ret i32 %7
}

define i32 @divisors_large(i32 %a, i32 %b) {
  %s = shl i32 %a, 8
  %x = or i32 %s, %b
  %t = trunc i32 %x to i16
  %r65535 = urem i16 %t, 65535
  %r9 = urem i16 %t, 9
  %q100 = udiv i16 %t, 100
  %1 = zext i16 %r65535 to i32
  %2 = zext i16 %r9 to i32
  %3 = zext i16 %q100 to i32
  %4 = shl i32 %2, 16
  %5 = shl i32 %3, 20
  %6 = or i32 %1, %4
  %7 = or i32 %6, %5
  ret i32 %7
}

; What else reads or makes narrow values: an equality compare, a zero
; extension to 64 bits, a truncation of a 64-bit value, a shift by a
; variable amount, a narrow and, and a remainder x - (x / y) * y whose y is
; no constant.
define i32 @more_uses(i32 %a, i32 %b) {
  %w = zext i32 %a to i64
  %big = mul i64 %w, 1000003
  %t = trunc i64 %big to i16
  %u = trunc i32 %b to i16
  %m = and i16 %t, %u
  %amount = and i16 %u, 7
  %sh = shl i16 %t, %amount
  %sr = lshr i16 %t, %amount
  %y = or i16 %u, 1
  %q = udiv i16 %t, %y
  %p = mul i16 %q, %y
  %r = sub i16 %t, %p
  %eq = icmp eq i16 %m, %sr
  %1 = zext i16 %sh to i64
  %2 = zext i16 %r to i32
  %3 = zext i1 %eq to i32
  %4 = trunc i64 %1 to i32
  %5 = shl i32 %2, 16
  %6 = or i32 %4, %5
  %7 = xor i32 %6, %3
  ret i32 %7
}

; The functions with poison: a sum that wraps despite its nuw flag
; (a % 256 + b % 256 >= 256) is poison, and frozen it is any 8-bit value,
; so its extension stays below 256. (Widened, the sum's form is the 32-bit
; sum, which the flag would show below 256: the frozen form must be
; masked.) In @frozen_poison the arguments may be poison themselves; in
; @frozen_sum they are frozen first, so only the flag makes the poison.
define i32 @frozen_sum(i32 %a, i32 %b) {
  %fa = freeze i32 %a
  %fb = freeze i32 %b
  %x = and i32 %fa, 255
  %y = and i32 %fb, 255
  %x8 = trunc nuw i32 %x to i8
  %y8 = trunc nuw i32 %y to i8
  %s = add nuw i8 %x8, %y8
  %f = freeze i8 %s
  %z = zext i8 %f to i32
  %small = icmp ult i32 %z, 256
  %r = zext i1 %small to i32
  ret i32 %r
}

define i32 @frozen_poison(i32 %a, i32 %b) {
  %x = and i32 %a, 255
  %y = and i32 %b, 255
  %x8 = trunc nuw i32 %x to i8
  %y8 = trunc nuw i32 %y to i8
  %s = add nuw i8 %x8, %y8
  %f = freeze i8 %s
  %z = zext i8 %f to i32
  %small = icmp ult i32 %z, 256
  %r = zext i1 %small to i32
  ret i32 %r
}

// RUN: kiln-opt %s -split-input-file -kiln-approximate-math | FileCheck %s

// exp: range reduction by ln 2 (floor), a polynomial in FMAs, and the
// exponent rebuilt with integer bit manipulation.
// CHECK-LABEL: func @exp
// CHECK-SAME: (%[[X:.*]]: vector<8xf32>)
// CHECK: math.floor {{.*}} : vector<8xf32>
// CHECK: math.fma {{.*}} : vector<8xf32>
// CHECK: arith.bitcast {{.*}} : vector<8xi32> to vector<8xf32>
// CHECK-NOT: math.exp
// CHECK: return
func.func @exp(%x: vector<8xf32>) -> vector<8xf32> {
  %r = math.exp %x : vector<8xf32>
  return %r : vector<8xf32>
}

// -----

// CHECK-LABEL: func @tanh
// CHECK: math.absf
// CHECK: math.fma {{.*}} : vector<8xf32>
// CHECK: arith.divf {{.*}} : vector<8xf32>
// CHECK-NOT: math.tanh
func.func @tanh(%x: vector<8xf32>) -> vector<8xf32> {
  %r = math.tanh %x : vector<8xf32>
  return %r : vector<8xf32>
}

// -----

// Scalars too (left over from unvectorized loops), and log and erf.
// CHECK-LABEL: func @scalar_and_others
// CHECK-NOT: math.exp
// CHECK-NOT: math.log
// CHECK-NOT: math.erf
// CHECK: return
func.func @scalar_and_others(%s: f32, %v: vector<4xf32>) -> (f32, vector<4xf32>, vector<4xf32>) {
  %0 = math.exp %s : f32
  %1 = math.log %v : vector<4xf32>
  %2 = math.erf %v : vector<4xf32>
  return %0, %1, %2 : f32, vector<4xf32>, vector<4xf32>
}

// -----

// f16 is computed in f32 and rounded back.
// CHECK-LABEL: func @exp_f16
// CHECK-SAME: (%[[X:.*]]: vector<8xf16>)
// CHECK: %[[WIDE:.*]] = arith.extf %[[X]] : vector<8xf16> to vector<8xf32>
// CHECK: math.fma {{.*}} : vector<8xf32>
// CHECK: %[[R:.*]] = arith.truncf %{{.*}} : vector<8xf32> to vector<8xf16>
// CHECK-NOT: math.exp
// CHECK: return %[[R]]
func.func @exp_f16(%x: vector<8xf16>) -> vector<8xf16> {
  %r = math.exp %x : vector<8xf16>
  return %r : vector<8xf16>
}

// -----

// What stays: f64 (the polynomials are f32-accurate only) and sqrt (a
// hardware instruction).
// CHECK-LABEL: func @kept
// CHECK: math.exp %{{.*}} : vector<4xf64>
// CHECK: math.sqrt %{{.*}} : vector<8xf32>
func.func @kept(%d: vector<4xf64>, %x: vector<8xf32>) -> (vector<4xf64>, vector<8xf32>) {
  %0 = math.exp %d : vector<4xf64>
  %1 = math.sqrt %x : vector<8xf32>
  return %0, %1 : vector<4xf64>, vector<8xf32>
}

// -----

// Constant small exponents are products and square roots, not pow calls
// (a decomposed LayerNorm's x^2 and tanh-GELU's x^3).
// CHECK-LABEL: func @pow_constant
// CHECK-SAME: (%[[X:.*]]: vector<8xf32>)
// CHECK: %[[SQ:.*]] = arith.mulf %[[X]], %[[X]] : vector<8xf32>
// CHECK: %[[CUBE:.*]] = arith.mulf %[[X]], %[[X]] : vector<8xf32>
// CHECK: arith.mulf %[[X]], %[[CUBE]] : vector<8xf32>
// CHECK-NOT: math.powf
// CHECK: return
func.func @pow_constant(%x: vector<8xf32>) -> (vector<8xf32>, vector<8xf32>) {
  %two = arith.constant dense<2.0> : vector<8xf32>
  %three = arith.constant dense<3.0> : vector<8xf32>
  %sq = math.powf %x, %two : vector<8xf32>
  %cube = math.powf %x, %three : vector<8xf32>
  return %sq, %cube : vector<8xf32>, vector<8xf32>
}

// -----

// f32 -> bf16 rounds to nearest even in integer arithmetic (NaN becomes the
// quiet NaN 0x7FC0), bf16 -> f32 is a shift: no call to __truncsfbf2, which
// LLVM would emit on x86 without AVX512-BF16.
// CHECK-LABEL: func @bf16
// CHECK-NOT: arith.truncf
// CHECK-DAG: %[[QNAN:.*]] = arith.constant dense<32704> : vector<8xi16>
// CHECK-DAG: %[[ROUND:.*]] = arith.constant dense<32767> : vector<8xi32>
// CHECK: %[[NAN:.*]] = arith.cmpf une, %[[X:.*]], %[[X]]
// CHECK: %[[BITS:.*]] = arith.bitcast %[[X]] : vector<8xf32> to vector<8xi32>
// CHECK: arith.addi %{{.*}}, %[[ROUND]]
// CHECK: %[[HALF:.*]] = arith.trunci
// CHECK: arith.select %[[NAN]], %[[QNAN]], %[[HALF]]
// CHECK: arith.extui
// CHECK: arith.shli
// CHECK-NOT: arith.extf
// CHECK: return
func.func @bf16(%x: vector<8xf32>) -> vector<8xf32> {
  %t = arith.truncf %x : vector<8xf32> to vector<8xbf16>
  %e = arith.extf %t : vector<8xbf16> to vector<8xf32>
  return %e : vector<8xf32>
}

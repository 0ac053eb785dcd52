// RUN: kiln-opt %s --kiln-lower-tensor-core-ops | FileCheck %s
// RUN: kiln-opt %s --kiln-lower-tensor-core-ops --convert-nvgpu-to-nvvm | FileCheck %s --check-prefix=BOTH

// A bf16 m16n8k16 mma becomes nvvm.mma.sync: each row of two bf16 values
// of the A and B fragments one 32-bit register (in row order: A's four,
// B's two), the accumulator's elements (row-major) the four f32 operands
// and the result struct's fields.
// CHECK-LABEL: func @bf16
// CHECK-SAME: (%[[A:.*]]: vector<4x2xbf16>, %[[B:.*]]: vector<2x2xbf16>, %[[C:.*]]: vector<2x2xf32>)
// CHECK: %[[A0:.*]] = vector.extract %[[A]][0] : vector<2xbf16> from vector<4x2xbf16>
// CHECK: %[[A0W:.*]] = vector.bitcast %[[A0]] : vector<2xbf16> to vector<1xi32>
// CHECK: %[[A0I:.*]] = vector.extract %[[A0W]][0] : i32 from vector<1xi32>
// CHECK: vector.extract %[[A]][3] : vector<2xbf16> from vector<4x2xbf16>
// CHECK: %[[B1:.*]] = vector.extract %[[B]][1] : vector<2xbf16> from vector<2x2xbf16>
// CHECK: %[[C0:.*]] = vector.extract %[[C]][0, 0] : f32 from vector<2x2xf32>
// CHECK: %[[C3:.*]] = vector.extract %[[C]][1, 1] : f32 from vector<2x2xf32>
// CHECK: %[[D:.*]] = nvvm.mma.sync A[%[[A0I]], %{{.*}}, %{{.*}}, %{{.*}}] B[%{{.*}}, %{{.*}}] C[%[[C0]], %{{.*}}, %{{.*}}, %[[C3]]]
// CHECK-SAME: multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>
// CHECK-SAME: shape = #nvvm.shape<m = 16, n = 8, k = 16>
// CHECK: %[[D0:.*]] = llvm.extractvalue %[[D]][0]
// CHECK: %[[D3:.*]] = llvm.extractvalue %[[D]][3]
// CHECK: %[[R:.*]] = vector.from_elements %[[D0]], %{{.*}}, %{{.*}}, %[[D3]] : vector<2x2xf32>
// CHECK: return %[[R]]
func.func @bf16(%a: vector<4x2xbf16>, %b: vector<2x2xbf16>, %c: vector<2x2xf32>) -> vector<2x2xf32> {
  %d = nvgpu.mma.sync(%a, %b, %c) {mmaShape = [16, 8, 16]} : (vector<4x2xbf16>, vector<2x2xbf16>, vector<2x2xf32>) -> vector<2x2xf32>
  return %d : vector<2x2xf32>
}

// Other mmas are left to upstream's conversion, which lowers them after.
// CHECK-LABEL: func @f16
// CHECK: nvgpu.mma.sync
// BOTH-LABEL: func @f16
// BOTH-NOT: nvgpu.mma.sync
// BOTH: nvvm.mma.sync
// BOTH-SAME: shape = #nvvm.shape<m = 16, n = 8, k = 16>
func.func @f16(%a: vector<4x2xf16>, %b: vector<2x2xf16>, %c: vector<2x2xf32>) -> vector<2x2xf32> {
  %d = nvgpu.mma.sync(%a, %b, %c) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
  return %d : vector<2x2xf32>
}

// A TF32 rounding the staged matmul marked becomes one cvt.rna.tf32.f32
// of the input (to nearest, ties away from zero, as the integer arithmetic
// it replaces); the arithmetic is left dead.
// CHECK-LABEL: func @tf32_rounding
// CHECK-SAME: (%[[X:.*]]: f32)
// CHECK: %[[BITS:.*]] = nvvm.convert.float.to.tf32 %[[X]] {rnd = #nvvm.fp_rnd_mode<rna>}
// CHECK: %[[R:.*]] = arith.bitcast %[[BITS]] : i32 to f32
// CHECK-NOT: arith.select
// CHECK: return %[[R]]
func.func @tf32_rounding(%x: f32) -> f32 {
  %half = arith.constant 4096 : i32
  %mask = arith.constant -8192 : i32
  %bits = arith.bitcast %x : f32 to i32
  %up = arith.addi %bits, %half : i32
  %cut = arith.andi %up, %mask : i32
  %r = arith.bitcast %cut : i32 to f32
  %nan = arith.cmpf uno, %x, %x : f32
  %kept = arith.select %nan, %x, %r {kiln.tf32_rounding} : f32
  return %kept : f32
}

// Marked ties to even (the staged matmuls for sm_90 and newer), one
// cvt.rn.tf32.f32.
// CHECK-LABEL: func @tf32_rounding_ties_to_even
// CHECK-SAME: (%[[X:.*]]: f32)
// CHECK: %[[BITS:.*]] = nvvm.convert.float.to.tf32 %[[X]] {rnd = #nvvm.fp_rnd_mode<rn>}
// CHECK: %[[R:.*]] = arith.bitcast %[[BITS]] : i32 to f32
// CHECK-NOT: arith.select
// CHECK: return %[[R]]
func.func @tf32_rounding_ties_to_even(%x: f32) -> f32 {
  %half = arith.constant 4095 : i32
  %c13 = arith.constant 13 : i32
  %c1 = arith.constant 1 : i32
  %mask = arith.constant -8192 : i32
  %bits = arith.bitcast %x : f32 to i32
  %shifted = arith.shrui %bits, %c13 : i32
  %lowest = arith.andi %shifted, %c1 : i32
  %add = arith.addi %half, %lowest : i32
  %up = arith.addi %bits, %add : i32
  %cut = arith.andi %up, %mask : i32
  %r = arith.bitcast %cut : i32 to f32
  %nan = arith.cmpf uno, %x, %x : f32
  %kept = arith.select %nan, %x, %r {kiln.tf32_rounding = "ties_to_even"} : f32
  return %kept : f32
}

// Without the mark, a select stays.
// CHECK-LABEL: func @plain_select
// CHECK-NOT: nvvm.convert.float.to.tf32
// CHECK: arith.select
func.func @plain_select(%c: i1, %x: f32, %y: f32) -> f32 {
  %r = arith.select %c, %x, %y : f32
  return %r : f32
}

// A fragment read as one vector and cast to the mma's registers x values
// becomes extracts (and inserts) of one dimension; for pairs of halves,
// shuffles.
// CHECK-LABEL: func @fragment_casts
// CHECK-NOT: vector.shape_cast
// CHECK-NOT: vector.extract_strided_slice
// CHECK: nvgpu.mma.sync
func.func @fragment_casts(%a: vector<8xf16>, %b: vector<4xf16>, %c: vector<2x2xf32>) -> vector<2x2xf32> {
  %af = vector.shape_cast %a : vector<8xf16> to vector<4x2xf16>
  %bf = vector.shape_cast %b : vector<4xf16> to vector<2x2xf16>
  %d = nvgpu.mma.sync(%af, %bf, %c) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
  return %d : vector<2x2xf32>
}

// RUN: kiln-opt %s --split-input-file --kiln-tile-for-gpu="multiprocessors=1 tf32=1" --canonicalize --cse | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-tile-for-gpu="multiprocessors=1" --canonicalize --cse | FileCheck %s --check-prefix=FP32

// With TF32 allowed, an f32 matmul whose m and n 32 divides runs on the
// tensor cores: blocks of 8 warps (2 x 4), each warp one 16x8 mma tile here
// (32x32 outputs a block, 1 x 2 blocks). The staged inputs are rounded to
// TF32 (add half an ulp of the 10-bit mantissa, clear the low 13 bits, NaNs
// kept); A tiles are padded to 20 floats a row, B tiles to 40. Lane
// (g = lane / 4, t = lane % 4) reads its A fragment at rows g, g + 8 and
// columns t, t + 4, its B fragment at rows t, t + 4 and column g, and holds
// accumulator rows g, g + 8, columns 2 t, 2 t + 1: a vector<2x2xf32>
// carried through the k loop, two m16n8k8 mmas per k step of 16. Each
// thread's elements of the staged tiles are read (and rounded) one k step
// ahead, carried in registers to the next step's stores.
// CHECK-LABEL: func @tensor_cores
// CHECK-DAG: %[[HALF:.*]] = arith.constant 4096 : i32
// CHECK-DAG: %[[MASK:.*]] = arith.constant -8192 : i32
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (1, 2) {
// CHECK:   %[[AS:.*]] = memref.alloc() : memref<32x20xf32, #gpu.address_space<workgroup>>
// CHECK:   %[[BS:.*]] = memref.alloc() : memref<16x40xf32, #gpu.address_space<workgroup>>
// CHECK:   scf.forall (%[[T:.*]]) in (256) {
// CHECK:     %[[LANE:.*]] = arith.remui %[[T]], %c32
// CHECK:     %[[G:.*]] = arith.divui %[[LANE]], %c4
// CHECK:     %[[TG:.*]] = arith.remui %[[LANE]], %c4
// CHECK:     %[[C0:.*]] = vector.from_elements %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : vector<2x2xf32>
// CHECK:     %[[X:.*]] = memref.load %{{.*}} : memref<32x48xf32>
// CHECK:     %[[BITS:.*]] = arith.bitcast %[[X]] : f32 to i32
// CHECK:     %[[UP:.*]] = arith.addi %[[BITS]], %[[HALF]]
// CHECK:     %[[CUT:.*]] = arith.andi %[[UP]], %[[MASK]]
// CHECK:     %[[R:.*]] = arith.bitcast %[[CUT]] : i32 to f32
// CHECK:     %[[NAN:.*]] = arith.cmpf uno, %[[X]], %[[X]]
// CHECK:     %[[KEPT:.*]] = arith.select %[[NAN]], %[[X]], %[[R]]
// CHECK:     %[[ACC:.*]]:5 = scf.for %{{.*}} iter_args(%[[A0:[a-z0-9_]+]] = %[[C0]], %[[S0:[a-z0-9_]+]] = %[[KEPT]], {{.*}}) -> (vector<2x2xf32>, f32, f32, f32, f32)
// CHECK:       memref.store %[[S0]], %[[AS]]
// CHECK:       gpu.barrier
// CHECK:       %[[NEXT:.*]] = memref.load %{{.*}} : memref<32x48xf32>
// CHECK:       arith.bitcast %[[NEXT]] : f32 to i32
// CHECK:       %[[AF:.*]] = vector.from_elements {{.*}} : vector<4x1xf32>
// CHECK:       %[[BF:.*]] = vector.from_elements {{.*}} : vector<2x1xf32>
// CHECK:       %[[M1:.*]] = nvgpu.mma.sync(%[[AF]], %[[BF]], %[[A0]]) {mmaShape = [16, 8, 8], tf32Enabled}
// CHECK:       %[[M2:.*]] = nvgpu.mma.sync(%{{.*}}, %{{.*}}, %[[M1]]) {mmaShape = [16, 8, 8], tf32Enabled}
// CHECK:       gpu.barrier
// CHECK:       scf.yield %[[M2]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : vector<2x2xf32>, f32, f32, f32, f32
// CHECK:     vector.extract %[[ACC]]#0[0, 0]
// CHECK-COUNT-3: vector.extract %[[ACC]]
// Without TF32, the FP32 register-tiled kernel.
// FP32-LABEL: func @tensor_cores
// FP32-NOT: nvgpu.mma.sync
// FP32: math.fma
func.func @tensor_cores(%a: memref<32x48xf32>, %b: memref<48x64xf32>, %c: memref<32x64xf32>) {
  linalg.matmul ins(%a, %b : memref<32x48xf32>, memref<48x64xf32>) outs(%c : memref<32x64xf32>)
  return
}

// -----

// Sides 32 does not divide (48 rows) keep the FP32 kernel, as do other
// element types.
// CHECK-LABEL: func @not_tensor_cores
// CHECK-NOT: nvgpu.mma.sync
// CHECK: math.fma
// CHECK-NOT: nvgpu.mma.sync
// CHECK: math.fma {{.*}} : f16
// CHECK-NOT: nvgpu.mma.sync
func.func @not_tensor_cores(%a: memref<48x32xf32>, %b: memref<32x64xf32>, %c: memref<48x64xf32>,
                            %x: memref<32x32xf16>, %y: memref<32x32xf16>, %z: memref<32x32xf16>) {
  linalg.matmul ins(%a, %b : memref<48x32xf32>, memref<32x64xf32>) outs(%c : memref<48x64xf32>)
  linalg.matmul ins(%x, %y : memref<32x32xf16>, memref<32x32xf16>) outs(%z : memref<32x32xf16>)
  return
}

// -----

// f16 (and bf16) inputs accumulated in f32, as the graph lowering makes a
// half-precision MatMul, take the tensor cores without any flag: m16n8k16
// mmas, one per k step of 16, on the inputs as they are (no rounding). A
// tiles are padded to 24 halves a row, B tiles to BN + 8. Lane (g, t)
// reads its A fragment (vector<4x2xf16>) at rows g, g + 8 and columns
// 2 t, 2 t + 1, 2 t + 8, 2 t + 9, its B fragment (vector<2x2xf16>) at rows
// 2 t, 2 t + 1, 2 t + 8, 2 t + 9 and column g.
// CHECK-LABEL: func @half_tensor_cores
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (1, 2) {
// CHECK:   %[[AS:.*]] = memref.alloc() : memref<32x24xf16, #gpu.address_space<workgroup>>
// CHECK:   %[[BS:.*]] = memref.alloc() : memref<16x40xf16, #gpu.address_space<workgroup>>
// CHECK:   scf.forall (%[[T:.*]]) in (256) {
// CHECK:     %[[X:.*]] = memref.load %{{.*}} : memref<32x48xf16>
// CHECK-NOT:   arith.bitcast
// CHECK:     %[[ACC:.*]]:5 = scf.for %{{.*}} iter_args(%[[A0:[a-z0-9_]+]] = %{{.*}}, %[[S0:[a-z0-9_]+]] = %[[X]], {{.*}}) -> (vector<2x2xf32>, f16, f16, f16, f16)
// CHECK:       memref.store %[[S0]], %[[AS]]
// CHECK:       gpu.barrier
// CHECK:       %[[AF:.*]] = vector.from_elements {{.*}} : vector<4x2xf16>
// CHECK:       %[[BF:.*]] = vector.from_elements {{.*}} : vector<2x2xf16>
// CHECK:       %[[M:.*]] = nvgpu.mma.sync(%[[AF]], %[[BF]], %[[A0]]) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK-NOT:   nvgpu.mma.sync
// CHECK:       gpu.barrier
// CHECK:       scf.yield %[[M]]
// CHECK-LABEL: func @bf16_tensor_cores
// CHECK: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xbf16>, vector<2x2xbf16>, vector<2x2xf32>) -> vector<2x2xf32>
// Without --gpu-tf32 too.
// FP32-LABEL: func @half_tensor_cores
// FP32: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]}
func.func @half_tensor_cores(%a: memref<32x48xf16>, %b: memref<48x64xf16>, %c: memref<32x64xf32>) {
  linalg.matmul ins(%a, %b : memref<32x48xf16>, memref<48x64xf16>) outs(%c : memref<32x64xf32>)
  return
}
func.func @bf16_tensor_cores(%a: memref<32x48xbf16>, %b: memref<48x64xbf16>, %c: memref<32x64xf32>) {
  linalg.matmul ins(%a, %b : memref<32x48xbf16>, memref<48x64xbf16>) outs(%c : memref<32x64xf32>)
  return
}

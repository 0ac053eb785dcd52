// RUN: kiln-opt %s --kiln-emulate-gpu-launches --canonicalize --cse | FileCheck %s

// A warp's m16n8k8 TF32 mma cuts the body like a shuffle: the loop over the
// threads before it stores every lane's A and B fragments (and this lane's
// accumulator, which the mma reads after the cut) in per-thread stack
// buffers of the block; the loop after it computes each lane's accumulator
// elements from its warp's fragments. Lane = 4 g + t holds element v of the
// accumulator at row g + 8 (v / 2), column 2 t + v % 2; A(row, k) is
// element (row / 8) + 2 (k / 4) of lane 4 (row % 8) + k % 4's A fragment,
// B(k, column) element k / 4 of lane 4 column + k % 4's B fragment. Here
// only element 0 is used (canonicalization drops the other three): row g,
// column 2 t, eight fused multiply-adds in k order.
// CHECK-LABEL: func @mma
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[OWN:.*]] = memref.alloca() : memref<32xf32>
// CHECK-DAG: %[[AS:.*]] = memref.alloca() : memref<32xvector<4x1xf32>>
// CHECK-DAG: %[[BS:.*]] = memref.alloca() : memref<32xvector<2x1xf32>>
// CHECK: scf.for %[[T0:.*]] =
// CHECK:   %[[A:.*]] = vector.from_elements {{.*}} : vector<4x1xf32>
// CHECK:   %[[B:.*]] = vector.from_elements {{.*}} : vector<2x1xf32>
// CHECK:   %[[C:.*]] = memref.load %{{.*}}[%[[T0]], %{{.*}}] : memref<32x4xf32>
// CHECK:   memref.store %[[C]], %[[OWN]][%[[T0]]]
// CHECK:   memref.store %[[A]], %[[AS]][%[[T0]]]
// CHECK:   memref.store %[[B]], %[[BS]][%[[T0]]]
// CHECK: scf.for %[[T1:.*]] =
// CHECK:   %[[ACC:.*]] = memref.load %[[OWN]][%[[T1]]]
// CHECK:   %[[LANE:.*]] = arith.remui %[[T1]], %[[C32]]
// CHECK:   %[[WARP:.*]] = arith.subi %[[T1]], %[[LANE]]
// CHECK:   %[[G:.*]] = arith.divui %[[LANE]], %[[C4]]
// CHECK:   %[[TG:.*]] = arith.remui %[[LANE]], %[[C4]]
// CHECK:   %[[G4:.*]] = arith.muli %[[G]], %[[C4]]
// CHECK:   %[[COL4:.*]] = arith.muli %[[TG]], %[[C8]]
// CHECK:   %[[AL:.*]] = arith.addi %[[WARP]], %[[G4]]
// CHECK:   %[[AF:.*]] = memref.load %[[AS]][%[[AL]]]
// CHECK:   %[[A00:.*]] = vector.extract %[[AF]][0, 0]
// CHECK:   %[[BL:.*]] = arith.addi %[[WARP]], %[[COL4]]
// CHECK:   %[[BF:.*]] = memref.load %[[BS]][%[[BL]]]
// CHECK:   %[[B0:.*]] = vector.extract %[[BF]][0, 0]
// CHECK:   %[[S:.*]] = math.fma %[[A00]], %[[B0]], %[[ACC]]
// CHECK-COUNT-3: math.fma
// k = 4: the A fragment's element 2, the B fragment's element 1.
// CHECK:   %[[A2:.*]] = vector.extract %[[AF]][2, 0]
// CHECK:   %[[B1:.*]] = vector.extract %[[BF]][1, 0]
// CHECK:   math.fma %[[A2]], %[[B1]]
// CHECK-COUNT-3: math.fma
// CHECK:   memref.store
// CHECK-NOT: nvgpu.mma.sync
func.func @mma(%a: memref<32x4xf32>, %b: memref<32x2xf32>, %c: memref<32x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %a0 = memref.load %a[%tx, %c0] : memref<32x4xf32>
    %a1 = memref.load %a[%tx, %c1] : memref<32x4xf32>
    %a2 = memref.load %a[%tx, %c2] : memref<32x4xf32>
    %a3 = memref.load %a[%tx, %c3] : memref<32x4xf32>
    %av = vector.from_elements %a0, %a1, %a2, %a3 : vector<4x1xf32>
    %b0 = memref.load %b[%tx, %c0] : memref<32x2xf32>
    %b1 = memref.load %b[%tx, %c1] : memref<32x2xf32>
    %bv = vector.from_elements %b0, %b1 : vector<2x1xf32>
    %d0 = memref.load %c[%tx, %c0] : memref<32x4xf32>
    %d1 = memref.load %c[%tx, %c1] : memref<32x4xf32>
    %d2 = memref.load %c[%tx, %c2] : memref<32x4xf32>
    %d3 = memref.load %c[%tx, %c3] : memref<32x4xf32>
    %cv = vector.from_elements %d0, %d1, %d2, %d3 : vector<2x2xf32>
    %r = nvgpu.mma.sync(%av, %bv, %cv) {mmaShape = [16, 8, 8], tf32Enabled} : (vector<4x1xf32>, vector<2x1xf32>, vector<2x2xf32>) -> vector<2x2xf32>
    %r0 = vector.extract %r[0, 0] : f32 from vector<2x2xf32>
    memref.store %r0, %c[%tx, %c0] : memref<32x4xf32>
    gpu.terminator
  }
  return
}

// The m16n8k16 mma on f16 (or bf16) inputs cuts the body the same way.
// A(row, k) is element (row / 8 + 2 (k / 8), k % 2) of lane
// 4 (row % 8) + (k % 8) / 2's A fragment, B(k, column) element
// (k / 8, k % 2) of lane 4 column + (k % 8) / 2's B fragment; each product
// is taken in f32 (the inputs extended), sixteen fused multiply-adds in k
// order. Element 0 (row g, column 2 t): k = 0 and 1 come from lanes 4 g
// and 8 t, elements (0, 0) and (0, 1); k = 8 from element (2, 0) of A's
// fragment and (1, 0) of B's.
// CHECK-LABEL: func @half_mma
// CHECK-DAG: %[[AS:.*]] = memref.alloca() : memref<32xvector<4x2xf16>>
// CHECK-DAG: %[[BS:.*]] = memref.alloca() : memref<32xvector<2x2xf16>>
// CHECK: scf.for
// CHECK:   memref.store %{{.*}}, %[[AS]]
// CHECK:   memref.store %{{.*}}, %[[BS]]
// CHECK: scf.for
// CHECK:   %[[AF:.*]] = memref.load %[[AS]][%{{.*}}]
// CHECK:   %[[A00:.*]] = vector.extract %[[AF]][0, 0]
// CHECK:   %[[A00F:.*]] = arith.extf %[[A00]] : f16 to f32
// CHECK:   %[[BF:.*]] = memref.load %[[BS]][%{{.*}}]
// CHECK:   %[[B00:.*]] = vector.extract %[[BF]][0, 0]
// CHECK:   %[[B00F:.*]] = arith.extf %[[B00]] : f16 to f32
// CHECK:   %[[S:.*]] = math.fma %[[A00F]], %[[B00F]], %{{.*}}
// CHECK:   %[[A01:.*]] = vector.extract %[[AF]][0, 1]
// CHECK:   %[[A01F:.*]] = arith.extf %[[A01]]
// CHECK:   %[[B01:.*]] = vector.extract %[[BF]][0, 1]
// CHECK:   %[[B01F:.*]] = arith.extf %[[B01]]
// CHECK:   math.fma %[[A01F]], %[[B01F]], %[[S]]
// CHECK-COUNT-6: math.fma
// CHECK:   %[[A20:.*]] = vector.extract %{{.*}}[2, 0] : f16 from vector<4x2xf16>
// CHECK:   %[[A20F:.*]] = arith.extf %[[A20]]
// CHECK:   %[[B10:.*]] = vector.extract %{{.*}}[1, 0] : f16 from vector<2x2xf16>
// CHECK:   %[[B10F:.*]] = arith.extf %[[B10]]
// CHECK:   math.fma %[[A20F]], %[[B10F]]
// CHECK-COUNT-7: math.fma
// CHECK:   memref.store
// CHECK-NOT: nvgpu.mma.sync
func.func @half_mma(%a: memref<32x8xf16>, %b: memref<32x4xf16>, %c: memref<32x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c32 = arith.constant 32 : index
  %pad = arith.constant 0.0 : f16
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %av = vector.transfer_read %a[%tx, %c0], %pad : memref<32x8xf16>, vector<8xf16>
    %a2 = vector.shape_cast %av : vector<8xf16> to vector<4x2xf16>
    %bv = vector.transfer_read %b[%tx, %c0], %pad : memref<32x4xf16>, vector<4xf16>
    %b2 = vector.shape_cast %bv : vector<4xf16> to vector<2x2xf16>
    %d0 = memref.load %c[%tx, %c0] : memref<32x4xf32>
    %d1 = memref.load %c[%tx, %c1] : memref<32x4xf32>
    %d2 = memref.load %c[%tx, %c2] : memref<32x4xf32>
    %d3 = memref.load %c[%tx, %c3] : memref<32x4xf32>
    %cv = vector.from_elements %d0, %d1, %d2, %d3 : vector<2x2xf32>
    %r = nvgpu.mma.sync(%a2, %b2, %cv) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
    %r0 = vector.extract %r[0, 0] : f32 from vector<2x2xf32>
    memref.store %r0, %c[%tx, %c0] : memref<32x4xf32>
    gpu.terminator
  }
  return
}

// RUN: kiln-opt %s --split-input-file --kiln-tile-for-gpu="multiprocessors=1 tf32=1" --canonicalize --cse | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-tile-for-gpu="multiprocessors=1" --canonicalize --cse | FileCheck %s --check-prefix=FP32
// RUN: kiln-opt %s --split-input-file --kiln-tile-for-gpu="multiprocessors=1 tf32=1 tf32-ties-to-even=1" --canonicalize --cse | FileCheck %s --check-prefix=EVEN

// With TF32 allowed, an f32 matmul whose m and n are at least 32 runs on the
// tensor cores: blocks of 8 warps (2 x 4), each warp one 16x8 mma tile here
// (32x32 outputs a block, 1 x 2 blocks). The staged inputs are rounded to
// TF32 (add half an ulp of the 10-bit mantissa, clear the low 13 bits, NaNs
// kept; the last op marked, for the device's one-instruction rounding). The
// tiles (two stages) keep each k step in the mmas' fragment order: lane L
// of a warp whose rows start at row tile r reads its A fragment of mma k
// step ks as the 4 floats from ((2 ks + r) 32 + L) 4 (2 row tiles a block)
// and its B fragment of column tile c as the 2 floats from
// ((4 ks + c) 32 + L ^ 2 (L / 16)) 2 (4 column tiles): one vector load
// each, reshaped into the mma's registers as it is (no shuffle). The lane
// holds accumulator rows g, g + 8, columns 2 t, 2 t + 1 (g = lane / 4,
// t = lane % 4): a vector<2x2xf32> carried through the k loop, two m16n8k8
// mmas per k step of 16.
//
// Each thread's elements of the staged tiles are read (and rounded) one k
// step ahead and stored into the other stage after the mmas, a barrier.
// Which ones keep the stores free of bank conflicts: lane L of warp w
// copies A's row 16 r + 2 (w / 2) + (L / 8) % 2 + 8 (L / 16) at k
// 8 (w % 2) + L % 8, and B's column 16 r + 8 (w / 4) + L % 8 at k
// 8 ((w / 2) % 2) + 2 (w % 2) + (L / 8) % 2 + 4 (L / 16), for r = 0, 1;
// copy 1's slot is copy 0's plus 128 (one row tile, two column tiles).
// Each field of t is computed as t / 2^lo - 2^count (t / 2^(lo + count))
// (buildTensorCoreMatmul says why).
// CHECK-LABEL: func @tensor_cores
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG: %[[HALF:.*]] = arith.constant 4096 : i32
// CHECK-DAG: %[[MASK:.*]] = arith.constant -8192 : i32
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (1, 2) {
// CHECK:   %[[AS:.*]] = memref.alloc() : memref<2x512xf32, #gpu.address_space<workgroup>>
// CHECK:   %[[BS:.*]] = memref.alloc() : memref<2x512xf32, #gpu.address_space<workgroup>>
// CHECK:   scf.forall (%[[T:.*]]) in (256) {
// CHECK:     %[[T8:.*]] = arith.divui %[[T]], %[[C8]]
// CHECK:     %[[T8X:.*]] = arith.muli %[[T8]], %[[C8]]
// CHECK:     %[[LOW:.*]] = arith.subi %[[T]], %[[T8X]]
// CHECK:     %[[T16:.*]] = arith.divui %[[T]], %[[C16]]
// CHECK:     %[[T16X:.*]] = arith.muli %[[T16]], %[[C2]]
// CHECK:     %[[HODD:.*]] = arith.subi %[[T8]], %[[T16X]]
// CHECK:     %[[T32:.*]] = arith.divui %[[T]], %[[C32]]
// CHECK:     %[[T32X:.*]] = arith.muli %[[T32]], %[[C2]]
// CHECK:     %[[HHALF:.*]] = arith.subi %[[T16]], %[[T32X]]
// CHECK:     %[[T64:.*]] = arith.divui %[[T]], %[[C64]]
// CHECK:     %[[T64X:.*]] = arith.muli %[[T64]], %[[C2]]
// CHECK:     %[[WODD:.*]] = arith.subi %[[T32]], %[[T64X]]
// CHECK:     %[[T256:.*]] = arith.divui %[[T]], %[[C256]]
// CHECK:     %[[T256X:.*]] = arith.muli %[[T256]], %[[C4]]
// CHECK:     %[[WHALF:.*]] = arith.subi %[[T64]], %[[T256X]]
// CHECK:     %[[T128:.*]] = arith.divui %[[T]], %[[C128]]
// CHECK:     %[[T128X:.*]] = arith.muli %[[T128]], %[[C2]]
// CHECK:     %[[WHALFODD:.*]] = arith.subi %[[T64]], %[[T128X]]
// CHECK:     %[[T256Y:.*]] = arith.muli %[[T256]], %[[C2]]
// CHECK:     %[[WFOURTH:.*]] = arith.subi %[[T128]], %[[T256Y]]
// CHECK:     %[[PAIR:.*]] = arith.muli %[[WHALF]], %[[C2]]
// CHECK:     %[[H8:.*]] = arith.muli %[[HHALF]], %[[C8]]
// CHECK:     %[[R1:.*]] = arith.addi %[[PAIR]], %[[HODD]]
// CHECK:     %[[AROW:.*]] = arith.addi %[[R1]], %[[H8]]
// CHECK:     %[[KSTEP:.*]] = arith.muli %[[WODD]], %[[C8]]
// CHECK:     %[[AK:.*]] = arith.addi %[[KSTEP]], %[[LOW]]
// CHECK:     %[[BK8:.*]] = arith.muli %[[WHALFODD]], %[[C8]]
// CHECK:     %[[BK2:.*]] = arith.muli %[[WODD]], %[[C2]]
// CHECK:     %[[H4:.*]] = arith.muli %[[HHALF]], %[[C4]]
// CHECK:     %[[BK1:.*]] = arith.addi %[[BK8]], %[[BK2]]
// CHECK:     %[[BK3:.*]] = arith.addi %[[BK1]], %[[HODD]]
// CHECK:     %[[BK:.*]] = arith.addi %[[BK3]], %[[H4]]
// CHECK:     %[[BT:.*]] = arith.muli %[[WFOURTH]], %[[C8]]
// CHECK:     %[[BCOL:.*]] = arith.addi %[[BT]], %[[LOW]]
// CHECK:     %[[L:.*]] = arith.remui %[[T]], %[[C32]]
// CHECK:     %[[ASTART:.*]] = arith.muli %{{.*}}, %[[C4]]
// CHECK:     %[[HALFW:.*]] = arith.divui %[[L]], %[[C16]]
// CHECK:     %[[FLIP:.*]] = arith.muli %[[HALFW]], %[[C2]]
// CHECK:     %[[SLOT:.*]] = arith.xori %[[L]], %[[FLIP]]
// CHECK:     %[[CL:.*]] = arith.addi %{{.*}}, %[[SLOT]]
// CHECK:     %[[BSTART:.*]] = arith.muli %[[CL]], %[[C2]]
// CHECK:     %[[C0V:.*]] = vector.from_elements %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : vector<2x2xf32>
// CHECK:     %[[X:.*]] = memref.load %{{.*}}[%[[AROW]], %[[AK]]] : memref<32x48xf32>
// CHECK:     %[[BITS:.*]] = arith.bitcast %[[X]] : f32 to i32
// CHECK:     %[[UP:.*]] = arith.addi %[[BITS]], %[[HALF]]
// CHECK:     %[[CUT:.*]] = arith.andi %[[UP]], %[[MASK]]
// CHECK:     %[[R:.*]] = arith.bitcast %[[CUT]] : i32 to f32
// CHECK:     %[[NAN:.*]] = arith.cmpf uno, %[[X]], %[[X]]
// CHECK:     %[[KEPT:.*]] = arith.select %[[NAN]], %[[X]], %[[R]] {kiln.tf32_rounding}
// CHECK:     %[[AROW1:.*]] = arith.addi %[[AROW]], %[[C16]]
// CHECK:     memref.load %{{.*}}[%[[AROW1]], %[[AK]]] : memref<32x48xf32>
// CHECK:     %[[BC0:.*]] = arith.addi %{{.*}}, %[[BCOL]]
// CHECK:     memref.load %{{.*}}[%[[BK]], %[[BC0]]] : memref<48x64xf32>
// CHECK:     %[[ASLOT1:.*]] = arith.addi %[[ASLOT:.*]], %[[C128]]
// CHECK-NEXT: memref.store %[[KEPT]], %[[AS]][%[[C0]], %[[ASLOT]]]
// CHECK-NEXT: memref.store %{{.*}}, %[[AS]][%[[C0]], %[[ASLOT1]]]
// CHECK:     %[[BSLOT1:.*]] = arith.addi %[[BSLOT:.*]], %[[C128]]
// CHECK-NEXT: memref.store %{{.*}}, %[[BS]][%[[C0]], %[[BSLOT]]]
// CHECK-NEXT: memref.store %{{.*}}, %[[BS]][%[[C0]], %[[BSLOT1]]]
// CHECK:     gpu.barrier
// CHECK:     %[[ACC:.*]] = scf.for %[[KT:.*]] = %[[C0]] to %[[C32]] step %[[C16]] iter_args(%[[A0:[a-z0-9_]+]] = %[[C0V]]) -> (vector<2x2xf32>)
// CHECK-NOT:   arith.minui
// CHECK:       %[[NEXT:.*]] = memref.load %{{.*}} : memref<32x48xf32>
// CHECK:       arith.bitcast %[[NEXT]] : f32 to i32
// CHECK:       %[[NEXTR:.*]] = arith.select {{.*}} {kiln.tf32_rounding}
// CHECK:       %[[STEP:.*]] = arith.divui %[[KT]], %[[C16]]
// CHECK:       %[[STAGE:.*]] = arith.remui %[[STEP]], %[[C2]]
// CHECK:       %[[AV:.*]] = vector.load %[[AS]][%[[STAGE]], %[[ASTART]]] {alignment = 16 : i64} : {{.*}}, vector<4xf32>
// CHECK-NEXT:  %[[AF:.*]] = vector.shape_cast %[[AV]] : vector<4xf32> to vector<4x1xf32>
// CHECK-NEXT:  %[[BV:.*]] = vector.load %[[BS]][%[[STAGE]], %[[BSTART]]] {alignment = 8 : i64} : {{.*}}, vector<2xf32>
// CHECK-NEXT:  %[[BF:.*]] = vector.shape_cast %[[BV]] : vector<2xf32> to vector<2x1xf32>
// CHECK-NEXT:  %[[M1:.*]] = nvgpu.mma.sync(%[[AF]], %[[BF]], %[[A0]]) {mmaShape = [16, 8, 8], tf32Enabled}
// CHECK-NEXT:  %[[A2:.*]] = arith.addi %[[ASTART]], %[[C256]]
// CHECK-NEXT:  %[[AV2:.*]] = vector.load %[[AS]][%[[STAGE]], %[[A2]]]
// CHECK-NEXT:  vector.shape_cast %[[AV2]]
// CHECK-NEXT:  %[[B2:.*]] = arith.addi %[[BSTART]], %[[C256]]
// CHECK-NEXT:  vector.load %[[BS]][%[[STAGE]], %[[B2]]]
// CHECK-NEXT:  vector.shape_cast
// CHECK-NEXT:  %[[M2:.*]] = nvgpu.mma.sync(%{{.*}}, %{{.*}}, %[[M1]]) {mmaShape = [16, 8, 8], tf32Enabled}
// CHECK:       %[[OTHER:.*]] = arith.subi %[[C1]], %[[STAGE]]
// CHECK:       memref.store %[[NEXTR]], %[[AS]][%[[OTHER]], %[[ASLOT]]]
// CHECK:       memref.store %{{.*}}, %[[AS]][%[[OTHER]], %[[ASLOT1]]]
// CHECK:       memref.store %{{.*}}, %[[BS]][%[[OTHER]], %[[BSLOT]]]
// CHECK:       memref.store %{{.*}}, %[[BS]][%[[OTHER]], %[[BSLOT1]]]
// CHECK:       gpu.barrier
// CHECK-NEXT:  scf.yield %[[M2]] : vector<2x2xf32>
// The last of the 3 k steps stages nothing: it is folded after the loop
// (from stage 0), not staged a second time by the loop's last iteration.
// CHECK:     vector.load %[[AS]][%[[C0]], %[[ASTART]]]
// CHECK:     %[[L1:.*]] = nvgpu.mma.sync(%{{.*}}, %{{.*}}, %[[ACC]]) {mmaShape = [16, 8, 8], tf32Enabled}
// CHECK:     %[[L2:.*]] = nvgpu.mma.sync(%{{.*}}, %{{.*}}, %[[L1]]) {mmaShape = [16, 8, 8], tf32Enabled}
// CHECK-NOT: gpu.barrier
// Each row's two columns of the accumulator are one 8-byte store.
// CHECK:     %[[ROW0:.*]] = vector.extract %[[L2]][0] : vector<2xf32> from vector<2x2xf32>
// CHECK-NEXT: vector.store %[[ROW0]], %{{.*}} {alignment = 8 : i64} : memref<32x64xf32>, vector<2xf32>
// CHECK-NEXT: %[[ROW1:.*]] = vector.extract %[[L2]][1] : vector<2xf32> from vector<2x2xf32>
// CHECK-NEXT: vector.store %[[ROW1]], %{{.*}} {alignment = 8 : i64} : memref<32x64xf32>, vector<2xf32>
// With tf32-ties-to-even (what kilnc sets for sm_90 and newer), the
// rounding adds half an ulp less one plus the kept mantissa's lowest bit
// (bit 13): ties go to the even neighbour, as cvt.rn.tf32.f32 rounds.
// EVEN-LABEL: func @tensor_cores
// EVEN-DAG: %[[ALMOST:.*]] = arith.constant 4095 : i32
// EVEN-DAG: %[[C13:.*]] = arith.constant 13 : i32
// EVEN-DAG: %[[ONE:.*]] = arith.constant 1 : i32
// EVEN-DAG: %[[MASK:.*]] = arith.constant -8192 : i32
// EVEN: %[[X:.*]] = memref.load %{{.*}} : memref<32x48xf32>
// EVEN: %[[BITS:.*]] = arith.bitcast %[[X]] : f32 to i32
// EVEN: %[[SHIFTED:.*]] = arith.shrui %[[BITS]], %[[C13]]
// EVEN: %[[LOWEST:.*]] = arith.andi %[[SHIFTED]], %[[ONE]]
// EVEN: %[[HALF:.*]] = arith.addi %[[LOWEST]], %[[ALMOST]]
// EVEN: %[[UP:.*]] = arith.addi %[[BITS]], %[[HALF]]
// EVEN: %[[CUT:.*]] = arith.andi %[[UP]], %[[MASK]]
// EVEN: %[[R:.*]] = arith.bitcast %[[CUT]] : i32 to f32
// EVEN: %[[NAN:.*]] = arith.cmpf uno, %[[X]], %[[X]]
// EVEN: arith.select %[[NAN]], %[[X]], %[[R]] {kiln.tf32_rounding = "ties_to_even"}
// Without TF32, the FP32 register-tiled kernel.
// FP32-LABEL: func @tensor_cores
// FP32-NOT: nvgpu.mma.sync
// FP32: math.fma
func.func @tensor_cores(%a: memref<32x48xf32>, %b: memref<48x64xf32>, %c: memref<32x64xf32>) {
  linalg.matmul ins(%a, %b : memref<32x48xf32>, memref<48x64xf32>) outs(%c : memref<32x64xf32>)
  return
}

// -----

// Sides 32 does not divide take the tensor cores too: 48 rows (one block
// of 64, two mma tiles a warp: 16 rows past the end) and k = 20 (a whole
// step and a short one). The mmas fold whole k steps, so the staged elements past k are
// zeros (read clamped to k = 19, then selected away); only outputs inside
// m are stored. (Of the two steps, the first is the loop's one iteration,
// which canonicalization inlines, and the last is folded after it.)
// CHECK-LABEL: func @partial_tensor_cores
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[K:.*]] = arith.constant 20 : index
// CHECK-DAG: %[[K1:.*]] = arith.constant 19 : index
// CHECK-DAG: %[[M:.*]] = arith.constant 48 : index
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (1, 2) {
// CHECK:   %[[KA:.*]] = arith.minui %[[KI:.*]], %[[K1]]
// CHECK:   %[[X:.*]] = memref.load %{{.*}}[%{{.*}}, %[[KA]]] : memref<48x20xf32>
// CHECK:   %[[R:.*]] = arith.select %{{.*}}, %[[X]], %{{.*}} {kiln.tf32_rounding} : f32
// CHECK:   %[[IN:.*]] = arith.cmpi ult, %[[KI]], %[[K]]
// CHECK:   arith.select %[[IN]], %[[R]], %[[ZERO]] : f32
// CHECK:   gpu.barrier
// CHECK:   nvgpu.mma.sync
// CHECK:   arith.cmpi ult, %{{.*}}, %[[M]]
// CHECK:   scf.if
// CHECK:     vector.store {{.*}} : memref<48x64xf32>, vector<2xf32>
func.func @partial_tensor_cores(%a: memref<48x20xf32>, %b: memref<20x64xf32>, %c: memref<48x64xf32>) {
  linalg.matmul ins(%a, %b : memref<48x20xf32>, memref<20x64xf32>) outs(%c : memref<48x64xf32>)
  return
}

// -----

// m or n under 32 keeps the FP32 kernel (16 rows), as do other element
// types.
// CHECK-LABEL: func @not_tensor_cores
// CHECK-NOT: nvgpu.mma.sync
// CHECK: math.fma
// CHECK-NOT: nvgpu.mma.sync
// CHECK: math.fma {{.*}} : f16
// CHECK-NOT: nvgpu.mma.sync
func.func @not_tensor_cores(%a: memref<16x32xf32>, %b: memref<32x64xf32>, %c: memref<16x64xf32>,
                            %x: memref<32x32xf16>, %y: memref<32x32xf16>, %z: memref<32x32xf16>) {
  linalg.matmul ins(%a, %b : memref<16x32xf32>, memref<32x64xf32>) outs(%c : memref<16x64xf32>)
  linalg.matmul ins(%x, %y : memref<32x32xf16>, memref<32x32xf16>) outs(%z : memref<32x32xf16>)
  return
}

// f16 (and bf16) inputs accumulated in f32, as the graph lowering makes a
// half-precision MatMul, take the tensor cores without any flag: m16n8k16
// mmas, one per k step of 16, on the inputs as they are (no rounding). In
// fragment order, lane L's A fragment (rows g, g + 8, columns 2 t, 2 t + 1,
// 2 t + 8, 2 t + 9) is 8 halves from (r 32 + L) 8 and its B fragment (rows
// 2 t, 2 t + 1, 2 t + 8, 2 t + 9, column g) 4 halves from
// (c 32 + L ^ 2 (L / 16)) 4: one 16-byte and one 8-byte load. Thread t
// copies A's rows t / 16 + 16 r at k t % 16, as the FP32 kernel does (two
// rows a warp), and lane L of warp w B's column 16 r + 8 (w / 4) + L % 8
// at k 4 (w % 4) + L / 8. (A's rows here lie 49 values apart, so that no
// 4-byte load reads two of its k values: @half_pairs copies pairs; B's 65,
// so that none reads two columns: @half_column_pairs copies pairs, into
// a padded tile.)
// CHECK-LABEL: func @half_tensor_cores
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (1, 2) {
// CHECK:   %[[AS:.*]] = memref.alloc() : memref<2x512xf16, #gpu.address_space<workgroup>>
// CHECK:   %[[BS:.*]] = memref.alloc() : memref<2x512xf16, #gpu.address_space<workgroup>>
// CHECK:   scf.forall (%[[T:.*]]) in (256) {
// CHECK:     %[[T8:.*]] = arith.divui %[[T]], %c8
// CHECK:     %[[T8X:.*]] = arith.muli %[[T8]], %c8
// CHECK:     %[[LOW:.*]] = arith.subi %[[T]], %[[T8X]]
// CHECK:     %[[T32:.*]] = arith.divui %[[T]], %c32
// CHECK:     %[[T32X:.*]] = arith.muli %[[T32]], %c4
// CHECK:     %[[HIGH:.*]] = arith.subi %[[T8]], %[[T32X]]
// CHECK:     %[[T128:.*]] = arith.divui %[[T]], %c128
// CHECK:     %[[T128X:.*]] = arith.muli %[[T128]], %c4
// CHECK:     %[[W4:.*]] = arith.subi %[[T32]], %[[T128X]]
// CHECK:     %[[T256:.*]] = arith.divui %[[T]], %c256
// CHECK:     %[[T256X:.*]] = arith.muli %[[T256]], %c2
// CHECK:     %[[WT:.*]] = arith.subi %[[T128]], %[[T256X]]
// CHECK:     %[[K4:.*]] = arith.muli %[[W4]], %c4
// CHECK:     %[[BK:.*]] = arith.addi %[[K4]], %[[HIGH]]
// CHECK:     %[[BT8:.*]] = arith.muli %[[WT]], %c8
// CHECK:     %[[BCOL:.*]] = arith.addi %[[BT8]], %[[LOW]]
// CHECK:     %[[X:.*]] = memref.load %{{.*}} : memref<32x48xf16, strided<[49, 1]>>
// CHECK-NOT:   arith.bitcast
// CHECK:     %[[BC0:.*]] = arith.addi %{{.*}}, %[[BCOL]]
// CHECK:     memref.load %{{.*}}[%[[BK]], %[[BC0]]] : memref<48x64xf16, strided<[65, 1]>>
// CHECK:     memref.store %[[X]], %[[AS]]
// CHECK:     gpu.barrier
// CHECK:     %[[ACC:.*]] = scf.for %{{.*}} iter_args(%[[A0:[a-z0-9_]+]] = %{{.*}}) -> (vector<2x2xf32>)
// CHECK:       %[[NEXT:.*]] = memref.load %{{.*}} : memref<32x48xf16, strided<[49, 1]>>
// CHECK:       %[[AV:.*]] = vector.load %[[AS]]{{.*}} {alignment = 16 : i64} : {{.*}}, vector<8xf16>
// CHECK:       %[[AF:.*]] = vector.shape_cast %[[AV]] : vector<8xf16> to vector<4x2xf16>
// CHECK-NEXT:  %[[BV:.*]] = vector.load %[[BS]]{{.*}} {alignment = 8 : i64} : {{.*}}, vector<4xf16>
// CHECK-NEXT:  %[[BF:.*]] = vector.shape_cast %[[BV]] : vector<4xf16> to vector<2x2xf16>
// CHECK:       %[[M:.*]] = nvgpu.mma.sync(%[[AF]], %[[BF]], %[[A0]]) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK-NOT:   nvgpu.mma.sync
// CHECK:       memref.store %[[NEXT]], %[[AS]]
// CHECK:       gpu.barrier
// CHECK-NEXT:  scf.yield %[[M]]
// CHECK-LABEL: func @bf16_tensor_cores
// CHECK: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xbf16>, vector<2x2xbf16>, vector<2x2xf32>) -> vector<2x2xf32>
// Without --gpu-tf32 too.
// FP32-LABEL: func @half_tensor_cores
// FP32: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]}
func.func @half_tensor_cores(%rows: memref<32x49xf16>, %columns: memref<48x65xf16>, %c: memref<32x64xf32>) {
  %a = memref.subview %rows[0, 0] [32, 48] [1, 1] : memref<32x49xf16> to memref<32x48xf16, strided<[49, 1]>>
  %b = memref.subview %columns[0, 0] [48, 64] [1, 1] : memref<48x65xf16> to memref<48x64xf16, strided<[65, 1]>>
  linalg.matmul ins(%a, %b : memref<32x48xf16, strided<[49, 1]>>, memref<48x64xf16, strided<[65, 1]>>) outs(%c : memref<32x64xf32>)
  return
}
func.func @bf16_tensor_cores(%a: memref<32x48xbf16>, %b: memref<48x64xbf16>, %c: memref<32x64xf32>) {
  linalg.matmul ins(%a, %b : memref<32x48xbf16>, memref<48x64xbf16>) outs(%c : memref<32x64xf32>)
  return
}

// -----

// Blocks of 32 columns (too few for a quad each of 256 threads) copy an
// aligned B in pairs of columns: lane L of warp w reads columns
// 16 (w / 4) + 2 (L % 8) and the next at k 4 (w % 4) + L / 8 with one
// 4-byte load and stores the two values, each at its column's fragment
// slot, column n + 1's 4 lanes (16 values) on. B's column tiles are
// padded to 36 lanes (576 values a stage): a warp's stores cover two
// tiles, whose words then fall into different banks; the fragments'
// reads start at the warp's tile times 36 lanes.
// CHECK-LABEL: func @half_column_pairs
// CHECK:   memref.alloc() : memref<2x512xf16, #gpu.address_space<workgroup>>
// CHECK:   %[[BS:.*]] = memref.alloc() : memref<2x576xf16, #gpu.address_space<workgroup>>
// CHECK:   scf.forall (%[[T:.*]]) in (256) {
// CHECK:     %[[BLOCK:.*]] = arith.muli %{{.*}}, %c32
// CHECK:     %[[T8:.*]] = arith.divui %[[T]], %c8
// CHECK:     %[[T8X:.*]] = arith.muli %[[T8]], %c8
// CHECK:     %[[LOW:.*]] = arith.subi %[[T]], %[[T8X]]
// CHECK:     %[[T32:.*]] = arith.divui %[[T]], %c32
// CHECK:     %[[T32X:.*]] = arith.muli %[[T32]], %c4
// CHECK:     %[[HIGH:.*]] = arith.subi %[[T8]], %[[T32X]]
// CHECK:     %[[T128:.*]] = arith.divui %[[T]], %c128
// CHECK:     %[[T128X:.*]] = arith.muli %[[T128]], %c4
// CHECK:     %[[W4:.*]] = arith.subi %[[T32]], %[[T128X]]
// CHECK:     %[[T256:.*]] = arith.divui %[[T]], %c256
// CHECK:     %[[T256X:.*]] = arith.muli %[[T256]], %c2
// CHECK:     %[[WT:.*]] = arith.subi %[[T128]], %[[T256X]]
// CHECK:     %[[COL16:.*]] = arith.muli %[[WT]], %c16
// CHECK:     %[[LOW2:.*]] = arith.muli %[[LOW]], %c2
// CHECK:     %[[K4:.*]] = arith.muli %[[W4]], %c4
// CHECK:     %[[BK:.*]] = arith.addi %[[K4]], %[[HIGH]]
// CHECK:     %[[BCOL:.*]] = arith.addi %[[COL16]], %[[LOW2]]
// The warp's fragments: its tile times 36 lanes, plus lane ^ 2 (lane / 16).
// CHECK:     %[[S:.*]] = arith.xori %{{.*}}, %{{.*}}
// CHECK:     %[[TILE36:.*]] = arith.muli %{{.*}}, %c36
// CHECK:     %[[BN:.*]] = arith.addi %[[BLOCK]], %[[BCOL]]
// CHECK:     %[[PAIR:.*]] = vector.load %{{.*}}[%[[BK]], %[[BN]]] {alignment = 4 : i64} : memref<48x64xf16>, vector<2xf16>
// CHECK:     %[[N0:.*]] = vector.extract %[[PAIR]][0]
// CHECK:     %[[N1:.*]] = vector.extract %[[PAIR]][1]
// The stores' slots: column n's in its tile of 36 lanes, n + 1's 16
// values on.
// CHECK:     arith.muli %{{.*}}, %c36
// CHECK:     %[[NEXT:.*]] = arith.addi %[[SLOT:.*]], %c16
// CHECK:     memref.store %[[N0]], %[[BS]][%c0, %[[SLOT]]]
// CHECK:     memref.store %[[N1]], %[[BS]][%c0, %[[NEXT]]]
// CHECK:     gpu.barrier
func.func @half_column_pairs(%a: memref<32x48xf16>, %b: memref<48x64xf16>, %c: memref<32x64xf32>) {
  linalg.matmul ins(%a, %b : memref<32x48xf16>, memref<48x64xf16>) outs(%c : memref<32x64xf32>)
  return
}

// -----

// An f16 A that a kernel allocation holds (64-byte aligned in the
// workspace), its rows an even number of values apart: lane L of warp w
// copies the pair of k values from 2 (L % 8) (the two halves of a fragment
// register) of row 32 r + 16 (w / 4) + 2 (w % 4) + (L / 8) % 2 + 8 (L / 16)
// with one 4-byte load and one 4-byte store. (The same for an argument of
// the function, a graph input, which NAME_gpu_run requires 16 bytes
// aligned.)
// CHECK-LABEL: func @half_pairs
// CHECK:   %[[A:.*]] = memref.alloc() : memref<32x48xf16>
// CHECK:   %[[AS:.*]] = memref.alloc() : memref<2x512xf16, #gpu.address_space<workgroup>>
// CHECK:   scf.forall (%[[T:.*]]) in (256) {
// CHECK:     %[[T8:.*]] = arith.divui %[[T]], %c8
// CHECK:     %[[T8X:.*]] = arith.muli %[[T8]], %c8
// CHECK:     %[[LOW:.*]] = arith.subi %[[T]], %[[T8X]]
// CHECK:     %[[T32:.*]] = arith.divui %[[T]], %c32
// CHECK:     %[[T16:.*]] = arith.divui %[[T]], %c16
// CHECK:     %[[T16X:.*]] = arith.muli %[[T16]], %c2
// CHECK:     %[[ODD:.*]] = arith.subi %[[T8]], %[[T16X]]
// CHECK:     %[[T32Y:.*]] = arith.muli %[[T32]], %c2
// CHECK:     %[[HALF:.*]] = arith.subi %[[T16]], %[[T32Y]]
// CHECK:     %[[T128:.*]] = arith.divui %[[T]], %c128
// CHECK:     %[[T128X:.*]] = arith.muli %[[T128]], %c4
// CHECK:     %[[W4:.*]] = arith.subi %[[T32]], %[[T128X]]
// CHECK:     %[[T256:.*]] = arith.divui %[[T]], %c256
// CHECK:     %[[T256X:.*]] = arith.muli %[[T256]], %c2
// CHECK:     %[[WT:.*]] = arith.subi %[[T128]], %[[T256X]]
// CHECK:     %[[AT16:.*]] = arith.muli %[[WT]], %c16
// CHECK:     %[[AW2:.*]] = arith.muli %[[W4]], %c2
// CHECK:     %[[AH8:.*]] = arith.muli %[[HALF]], %c8
// CHECK:     %[[AR0:.*]] = arith.addi %[[AT16]], %[[AW2]]
// CHECK:     %[[AR1:.*]] = arith.addi %[[AR0]], %[[ODD]]
// CHECK:     %[[AROW:.*]] = arith.addi %[[AR1]], %[[AH8]]
// CHECK:     %[[AK:.*]] = arith.muli %[[LOW]], %c2
// CHECK:     %[[X:.*]] = vector.load %[[A]][%[[AROW]], %[[AK]]] {alignment = 4 : i64} : memref<32x48xf16>, vector<2xf16>
// CHECK:     vector.store %[[X]], %[[AS]]{{.*}} {alignment = 4 : i64}
// CHECK:     gpu.barrier
// CHECK:     scf.for
// CHECK:       %[[NEXT:.*]] = vector.load %[[A]]{{.*}} {alignment = 4 : i64} : memref<32x48xf16>, vector<2xf16>
// CHECK:       nvgpu.mma.sync
// CHECK:       vector.store %[[NEXT]], %[[AS]]
func.func @half_pairs(%x: memref<32x48xf16>, %b: memref<48x64xf16>, %c: memref<32x64xf32>) {
  %a = memref.alloc() : memref<32x48xf16>
  memref.copy %x, %a : memref<32x48xf16> to memref<32x48xf16>
  linalg.matmul ins(%a, %b : memref<32x48xf16>, memref<48x64xf16>) outs(%c : memref<32x64xf32>)
  return
}

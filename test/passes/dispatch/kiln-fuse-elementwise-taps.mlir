// RUN: kiln-opt %s -split-input-file -kiln-fuse-elementwise | FileCheck %s --check-prefix=FUSED
// RUN: kiln-opt %s -split-input-file '-kiln-fuse-elementwise=separate-costly-tap-consumers=true' | FileCheck %s --check-prefix=APART

// A sum of four taps of one tensor (a 2x2 depthwise window, written
// elementwise) followed by a sigmoid. By default the sigmoid fuses into the
// sum; for the CPU (separate-costly-tap-consumers) it stays a pass of its
// own, since the sum's register tiles are too wide for its polynomial.
// FUSED-LABEL: func @taps_then_sigmoid
// FUSED: linalg.generic
// FUSED-NOT: linalg.generic
// FUSED: arith.addf
// FUSED: math.exp
// FUSED: arith.divf
// FUSED-NOT: linalg.generic
// FUSED: return
// APART-LABEL: func @taps_then_sigmoid
// APART: %[[SUM:.*]] = linalg.generic
// APART-NOT: math.exp
// APART: linalg.yield
// APART: %[[SIG:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x8x8x8xf32>)
// APART: math.exp
// APART: arith.divf
// APART: return %[[SIG]]
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @taps_then_sigmoid(%x: tensor<1x8x9x9xf32>) -> tensor<1x8x8x8xf32> {
  %one = arith.constant 1.0 : f32
  %t0 = tensor.extract_slice %x[0, 0, 0, 0] [1, 8, 8, 8] [1, 1, 1, 1] : tensor<1x8x9x9xf32> to tensor<1x8x8x8xf32>
  %t1 = tensor.extract_slice %x[0, 0, 0, 1] [1, 8, 8, 8] [1, 1, 1, 1] : tensor<1x8x9x9xf32> to tensor<1x8x8x8xf32>
  %t2 = tensor.extract_slice %x[0, 0, 1, 0] [1, 8, 8, 8] [1, 1, 1, 1] : tensor<1x8x9x9xf32> to tensor<1x8x8x8xf32>
  %t3 = tensor.extract_slice %x[0, 0, 1, 1] [1, 8, 8, 8] [1, 1, 1, 1] : tensor<1x8x9x9xf32> to tensor<1x8x8x8xf32>
  %e0 = tensor.empty() : tensor<1x8x8x8xf32>
  %sum = linalg.generic {indexing_maps = [#id, #id, #id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%t0, %t1, %t2, %t3 : tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) outs(%e0 : tensor<1x8x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32, %d: f32, %out: f32):
    %ab = arith.addf %a, %b : f32
    %cd = arith.addf %c, %d : f32
    %s = arith.addf %ab, %cd : f32
    linalg.yield %s : f32
  } -> tensor<1x8x8x8xf32>
  %e1 = tensor.empty() : tensor<1x8x8x8xf32>
  %sig = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%sum : tensor<1x8x8x8xf32>) outs(%e1 : tensor<1x8x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    %e = math.exp %n : f32
    %d = arith.addf %e, %one : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<1x8x8x8xf32>
  return %sig : tensor<1x8x8x8xf32>
}

// -----

// A cheap consumer (ReLU6's clamp) fuses into the sum of taps either way:
// one generic.
// APART-LABEL: func @taps_then_clip
// APART: linalg.generic
// APART-NOT: linalg.generic
// APART: arith.addf
// APART: arith.minimumf
// APART-NOT: linalg.generic
// APART: return
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @taps_then_clip(%x: tensor<1x8x9x9xf32>) -> tensor<1x8x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %t0 = tensor.extract_slice %x[0, 0, 0, 0] [1, 8, 8, 8] [1, 1, 1, 1] : tensor<1x8x9x9xf32> to tensor<1x8x8x8xf32>
  %t1 = tensor.extract_slice %x[0, 0, 0, 1] [1, 8, 8, 8] [1, 1, 1, 1] : tensor<1x8x9x9xf32> to tensor<1x8x8x8xf32>
  %t2 = tensor.extract_slice %x[0, 0, 1, 0] [1, 8, 8, 8] [1, 1, 1, 1] : tensor<1x8x9x9xf32> to tensor<1x8x8x8xf32>
  %t3 = tensor.extract_slice %x[0, 0, 1, 1] [1, 8, 8, 8] [1, 1, 1, 1] : tensor<1x8x9x9xf32> to tensor<1x8x8x8xf32>
  %e0 = tensor.empty() : tensor<1x8x8x8xf32>
  %sum = linalg.generic {indexing_maps = [#id, #id, #id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%t0, %t1, %t2, %t3 : tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) outs(%e0 : tensor<1x8x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32, %d: f32, %out: f32):
    %ab = arith.addf %a, %b : f32
    %cd = arith.addf %c, %d : f32
    %s = arith.addf %ab, %cd : f32
    linalg.yield %s : f32
  } -> tensor<1x8x8x8xf32>
  %e1 = tensor.empty() : tensor<1x8x8x8xf32>
  %clip = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%sum : tensor<1x8x8x8xf32>) outs(%e1 : tensor<1x8x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %lo = arith.maximumf %in, %zero : f32
    %hi = arith.minimumf %lo, %six : f32
    linalg.yield %hi : f32
  } -> tensor<1x8x8x8xf32>
  return %clip : tensor<1x8x8x8xf32>
}

// -----

// Four slices of one tensor along its channels (a recurrent step's gates,
// not a window's taps) still take their sigmoid: one generic.
// APART-LABEL: func @channel_slices_then_sigmoid
// APART: linalg.generic
// APART-NOT: linalg.generic
// APART: math.exp
// APART-NOT: linalg.generic
// APART: return
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @channel_slices_then_sigmoid(%x: tensor<1x32x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %one = arith.constant 1.0 : f32
  %t0 = tensor.extract_slice %x[0, 0, 0, 0] [1, 8, 8, 8] [1, 1, 1, 1] : tensor<1x32x8x8xf32> to tensor<1x8x8x8xf32>
  %t1 = tensor.extract_slice %x[0, 8, 0, 0] [1, 8, 8, 8] [1, 1, 1, 1] : tensor<1x32x8x8xf32> to tensor<1x8x8x8xf32>
  %t2 = tensor.extract_slice %x[0, 16, 0, 0] [1, 8, 8, 8] [1, 1, 1, 1] : tensor<1x32x8x8xf32> to tensor<1x8x8x8xf32>
  %t3 = tensor.extract_slice %x[0, 24, 0, 0] [1, 8, 8, 8] [1, 1, 1, 1] : tensor<1x32x8x8xf32> to tensor<1x8x8x8xf32>
  %e0 = tensor.empty() : tensor<1x8x8x8xf32>
  %sum = linalg.generic {indexing_maps = [#id, #id, #id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%t0, %t1, %t2, %t3 : tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) outs(%e0 : tensor<1x8x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32, %d: f32, %out: f32):
    %ab = arith.addf %a, %b : f32
    %cd = arith.addf %c, %d : f32
    %s = arith.addf %ab, %cd : f32
    linalg.yield %s : f32
  } -> tensor<1x8x8x8xf32>
  %e1 = tensor.empty() : tensor<1x8x8x8xf32>
  %sig = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%sum : tensor<1x8x8x8xf32>) outs(%e1 : tensor<1x8x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    %e = math.exp %n : f32
    %d = arith.addf %e, %one : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<1x8x8x8xf32>
  return %sig : tensor<1x8x8x8xf32>
}

// Sampling and image ops the lowering does not handle fail with an error
// at the op.
// RUN: kiln-opt %s -split-input-file -convert-graph-to-linalg -verify-diagnostics

// Det is unrolled into scalar code per matrix, up to 16 x 16.
func.func @det_too_large(%a: tensor<17x17xf32>) -> tensor<f32> {
  // expected-error @below {{det of 17x17 matrices is not supported (at most 16x16)}}
  // expected-error @below {{failed to legalize operation 'kiln.det' that was explicitly marked illegal}}
  %0 = kiln.det %a : tensor<17x17xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

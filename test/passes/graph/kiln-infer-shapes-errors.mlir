// Shapes that only turn out wrong once folding makes them constant are
// reported at the op, and the pass fails.
// RUN: kiln-opt %s -split-input-file -kiln-infer-shapes -verify-diagnostics

func.func @reshape_becomes_invalid(%x: tensor<2x6xf32>) -> tensor<?x?xf32> {
  %a = kiln.constant dense<[5]> : tensor<1xi64>
  %b = kiln.constant dense<[-1]> : tensor<1xi64>
  %s = kiln.concat %a, %b {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  // expected-error @below {{cannot reshape [2,6] to [5,?]}}
  %r = kiln.reshape %x, %s : (tensor<2x6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// The refined reshape no longer broadcasts against the bias.
func.func @broadcast_becomes_invalid(%x: tensor<12xf32>, %bias: tensor<4xf32>) -> tensor<?x4xf32> {
  %s = kiln.constant dense<[4, 3]> : tensor<2xi64>
  %i = kiln.identity %s : tensor<2xi64> -> tensor<2xi64>
  %r = kiln.reshape %x, %i : (tensor<12xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  // expected-error @below {{shapes [4,3] and [4] do not broadcast}}
  %y = kiln.add %r, %bias : (tensor<?x?xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

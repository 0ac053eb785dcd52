// Graphs the lowering does not handle fail with an error at the node.
// RUN: kiln-opt %s -split-input-file -convert-graph-to-linalg -verify-diagnostics

func.func @complex_identity(%x: tensor<4xcomplex<f32>>) -> tensor<4xcomplex<f32>> {
  // expected-error @below {{element type 'complex<f32>' is not supported yet}}
  %0 = kiln.identity %x : tensor<4xcomplex<f32>> -> tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}

// -----

func.func @index_elements(%a: tensor<4xindex>) -> tensor<4xindex> {
  // expected-error @below {{element type 'index' is not supported yet}}
  %0 = kiln.mul %a, %a : (tensor<4xindex>, tensor<4xindex>) -> tensor<4xindex>
  return %0 : tensor<4xindex>
}

// -----

func.func @dynamic_shape(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @below {{cannot lower with dynamic shape 'tensor<?x4xf32>'}}
  %0 = kiln.relu %x : tensor<?x4xf32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Every unsupported op is reported, not only the first.
func.func @two_errors(%a: tensor<4xi128>, %x: tensor<?xf32>) -> (tensor<4xi128>, tensor<?xf32>) {
  // expected-error @below {{element type 'i128' is not supported yet}}
  %0 = kiln.sub %a, %a : (tensor<4xi128>, tensor<4xi128>) -> tensor<4xi128>
  // expected-error @below {{cannot lower with dynamic shape}}
  %1 = kiln.tanh %x : tensor<?xf32> -> tensor<?xf32>
  return %0, %1 : tensor<4xi128>, tensor<?xf32>
}

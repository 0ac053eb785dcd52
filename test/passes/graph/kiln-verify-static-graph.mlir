// RUN: kiln-opt %s -split-input-file -kiln-verify-static-graph -verify-diagnostics | FileCheck %s

// A static graph of kiln ops passes unchanged.
// CHECK-LABEL: func @static_graph
// CHECK: kiln.relu
func.func @static_graph(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %0 = kiln.relu %x : tensor<1x4xf32> -> tensor<1x4xf32>
  return %0 : tensor<1x4xf32>
}

// -----

func.func @dynamic_result(%x: tensor<12xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  // expected-error @below {{output shape 'tensor<?x?xf32>' is not static: it depends on values only known at run time}}
  %0 = kiln.reshape %x, %s : (tensor<12xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Only the first dynamic op is reported: the ones after it follow from it.
func.func @dynamic_chain(%x: tensor<12xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  // expected-error @below {{output shape 'tensor<?x?xf32>' is not static}}
  %0 = kiln.reshape %x, %s : (tensor<12xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %1 = kiln.relu %0 : tensor<?x?xf32> -> tensor<?x?xf32>
  return %1 : tensor<?x?xf32>
}

// -----

func.func @foreign_op(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{operation 'arith.addf' is not part of the kiln graph dialect}}
  %0 = arith.addf %x, %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @named_dynamic_input(
    // expected-error @below {{input 'images' has shape 'tensor<?x3x8x8xf32>' with unknown dimensions; give static sizes (kilnc --input-shape)}}
    %x: tensor<?x3x8x8xf32> {kiln.name = "images"}) -> tensor<?x3x8x8xf32> {
  // The unknown input is the cause; the op's dynamic result is not reported.
  %0 = kiln.relu %x : tensor<?x3x8x8xf32> -> tensor<?x3x8x8xf32>
  return %0 : tensor<?x3x8x8xf32>
}

// -----

// An input without a name is still reported.
func.func @unnamed_dynamic_input(
    // expected-error @below {{input '?' has shape 'tensor<?xf32>' with unknown dimensions}}
    %x: tensor<?xf32>) -> tensor<?xf32> {
  return %x : tensor<?xf32>
}

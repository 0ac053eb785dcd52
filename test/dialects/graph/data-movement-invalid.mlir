// Every error path of the data movement ops' type inference. Type inference
// is the verifier: each error is followed by the generic "failed to infer
// returned types" from InferTypeOpInterface.
// RUN: kiln-opt %s -split-input-file -verify-diagnostics

func.func @unsqueeze_axis_out_of_range(%x: tensor<3x4xf32>) -> tensor<3x4x1xf32> {
  // expected-error @below {{unsqueeze axis 3 is out of range for rank 3}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.unsqueeze %x {axes = array<i64: 3>} : tensor<3x4xf32> -> tensor<3x4x1xf32>
  return %0 : tensor<3x4x1xf32>
}

// -----

func.func @unsqueeze_axis_repeated(%x: tensor<3xf32>) -> tensor<1x1x3xf32> {
  // expected-error @below {{unsqueeze axis -3 is repeated}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.unsqueeze %x {axes = array<i64: 0, -3>} : tensor<3xf32> -> tensor<1x1x3xf32>
  return %0 : tensor<1x1x3xf32>
}

// -----

func.func @squeeze_not_one(%x: tensor<1x3xf32>) -> tensor<1xf32> {
  // expected-error @below {{cannot squeeze axis 1 of size 3 (shape [1,3])}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.squeeze %x {axes = array<i64: 1>} : tensor<1x3xf32> -> tensor<1xf32>
  return %0 : tensor<1xf32>
}

// -----

func.func @slice_lengths_differ(%x: tensor<4xf32>) -> tensor<2xf32> {
  // expected-error @below {{slice starts, ends, axes and steps must have the same length, got 1, 1, 1 and 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.slice %x {axes = array<i64: 0>, ends = array<i64: 3>, starts = array<i64: 1>, steps = array<i64: 1, 1>} : tensor<4xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @slice_zero_step(%x: tensor<4xf32>) -> tensor<2xf32> {
  // expected-error @below {{slice steps must be non-zero}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.slice %x {axes = array<i64: 0>, ends = array<i64: 3>, starts = array<i64: 1>, steps = array<i64: 0>} : tensor<4xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @slice_axis_repeated(%x: tensor<4x4xf32>) -> tensor<2x4xf32> {
  // expected-error @below {{slice axis -2 is repeated}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.slice %x {axes = array<i64: 0, -2>, ends = array<i64: 3, 3>, starts = array<i64: 1, 1>, steps = array<i64: 1, 1>} : tensor<4x4xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @slice_wrong_result(%x: tensor<10xf32>) -> tensor<5xf32> {
  // expected-error @below {{inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<5xf32>'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.slice %x {axes = array<i64: 0>, ends = array<i64: -1>, starts = array<i64: 1>, steps = array<i64: 2>} : tensor<10xf32> -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @expand_not_broadcastable(%x: tensor<3xf32>) -> tensor<4xf32> {
  // expected-error @below {{cannot expand [3] to [4]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.expand %x {shape = array<i64: 4>} : tensor<3xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @expand_negative(%x: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @below {{expand shape [-1] has a negative size}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.expand %x {shape = array<i64: -1>} : tensor<3xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @tile_rank(%x: tensor<3xf32>) -> tensor<6xf32> {
  // expected-error @below {{tile has 2 repeats for a tensor of rank 1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.tile %x {repeats = array<i64: 2, 1>} : tensor<3xf32> -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

func.func @tile_negative(%x: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @below {{tile repeats must not be negative, got -1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.tile %x {repeats = array<i64: -1>} : tensor<3xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @pad_count(%x: tensor<3xf32>) -> tensor<4xf32> {
  // expected-error @below {{pad has 1 pads, expected 2 (begin and end of 1 axes)}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.pad %x {pads = array<i64: 1>} : (tensor<3xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @pad_crops_too_much(%x: tensor<3xf32>) -> tensor<0xf32> {
  // expected-error @below {{pads -2 and -2 remove more than the 3 elements of axis 0}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.pad %x {pads = array<i64: -2, -2>} : (tensor<3xf32>) -> tensor<0xf32>
  return %0 : tensor<0xf32>
}

// -----

func.func @pad_reflect_empty(%x: tensor<0xf32>) -> tensor<2xf32> {
  // expected-error @below {{cannot pad axis 0 in reflect mode: no elements remain to read}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.pad %x {mode = #kiln<pad_mode reflect>, pads = array<i64: 1, 1>} : (tensor<0xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @pad_value_type(%x: tensor<3xf32>, %v: tensor<i32>) -> tensor<5xf32> {
  // expected-error @below {{pad value element type 'i32' differs from the input's 'f32'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.pad %x, %v {pads = array<i64: 1, 1>} : (tensor<3xf32>, tensor<i32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @pad_value_shape(%x: tensor<3xf32>, %v: tensor<2xf32>) -> tensor<5xf32> {
  // expected-error @below {{pad value must have one element, got shape [2]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.pad %x, %v {pads = array<i64: 1, 1>} : (tensor<3xf32>, tensor<2xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @gather_axis(%x: tensor<3xf32>, %i: tensor<2xi64>) -> tensor<2xf32> {
  // expected-error @below {{gather axis 1 is out of range for rank 1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.gather %x, %i {axis = 1 : i64} : (tensor<3xf32>, tensor<2xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @gather_scalar_data(%x: tensor<f32>, %i: tensor<2xi64>) -> tensor<2xf32> {
  // expected-error @below {{gather data must have rank >= 1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.gather %x, %i : (tensor<f32>, tensor<2xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @gather_elements_rank(%x: tensor<3x3xf32>, %i: tensor<2xi64>) -> tensor<2xf32> {
  // expected-error @below {{gather_elements indices must have the data's rank 2, got 1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.gather_elements %x, %i : (tensor<3x3xf32>, tensor<2xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @gather_nd_batch_dims(%x: tensor<3x3xf32>, %i: tensor<3x1xi64>) -> tensor<3xf32> {
  // expected-error @below {{gather_nd batch_dims 2 must be less than both ranks (2 and 2)}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.gather_nd %x, %i {batch_dims = 2 : i64} : (tensor<3x3xf32>, tensor<3x1xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @gather_nd_dynamic_k(%x: tensor<3x3xf32>, %i: tensor<3x?xi64>) -> tensor<3xf32> {
  // expected-error @below {{gather_nd needs the last size of indices to be known}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.gather_nd %x, %i : (tensor<3x3xf32>, tensor<3x?xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @gather_nd_too_long(%x: tensor<3x3xf32>, %i: tensor<2x3xi64>) -> tensor<2xf32> {
  // expected-error @below {{gather_nd indices of length 3 do not fit data of rank 2 after 0 batch axes}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.gather_nd %x, %i : (tensor<3x3xf32>, tensor<2x3xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @gather_nd_batch_differs(%x: tensor<3x3xf32>, %i: tensor<2x1xi64>) -> tensor<2xf32> {
  // expected-error @below {{gather_nd batch axis 0 differs: 3 in data, 2 in indices}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.gather_nd %x, %i {batch_dims = 1 : i64} : (tensor<3x3xf32>, tensor<2x1xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @scatter_elements_updates_shape(%x: tensor<3x3xf32>, %i: tensor<1x2xi64>, %u: tensor<2x1xf32>) -> tensor<3x3xf32> {
  // expected-error @below {{scatter_elements updates of shape [2,1] differ from the indices' [1,2]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.scatter_elements %x, %i, %u : (tensor<3x3xf32>, tensor<1x2xi64>, tensor<2x1xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

func.func @scatter_elements_update_type(%x: tensor<3x3xf32>, %i: tensor<1x2xi64>, %u: tensor<1x2xf16>) -> tensor<3x3xf32> {
  // expected-error @below {{scatter_elements updates element type 'f16' differs from the data's 'f32'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.scatter_elements %x, %i, %u : (tensor<3x3xf32>, tensor<1x2xi64>, tensor<1x2xf16>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

func.func @scatter_bool_add(%x: tensor<3xi1>, %i: tensor<1xi64>, %u: tensor<1xi1>) -> tensor<3xi1> {
  // expected-error @below {{scatter_elements reduction add is not defined on booleans}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.scatter_elements %x, %i, %u {reduction = #kiln<scatter_reduction add>} : (tensor<3xi1>, tensor<1xi64>, tensor<1xi1>) -> tensor<3xi1>
  return %0 : tensor<3xi1>
}

// -----

func.func @scatter_nd_updates_shape(%x: tensor<4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) -> tensor<4x4xf32> {
  // expected-error @below {{scatter_nd updates must have shape [2,4], got [2,3]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.scatter_nd %x, %i, %u : (tensor<4x4xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @scatter_nd_too_long(%x: tensor<4xf32>, %i: tensor<2x2xi64>, %u: tensor<2xf32>) -> tensor<4xf32> {
  // expected-error @below {{scatter_nd indices of length 2 do not fit data of rank 1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.scatter_nd %x, %i, %u : (tensor<4xf32>, tensor<2x2xi64>, tensor<2xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @trilu_rank(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{trilu input must have rank >= 2, got 1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.trilu %x : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @trilu_k_shape(%x: tensor<4x4xf32>, %k: tensor<2xi64>) -> tensor<4x4xf32> {
  // expected-error @below {{trilu k must be a scalar, got shape [2]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.trilu %x k %k : (tensor<4x4xf32>, tensor<2xi64>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @one_hot_values(%i: tensor<3xi64>, %v: tensor<3xf32>) -> tensor<3x4xf32> {
  // expected-error @below {{one_hot values must be [off, on], got shape [3]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.one_hot %i, %v {depth = 4 : i64} : (tensor<3xi64>, tensor<3xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @one_hot_depth(%i: tensor<3xi64>, %v: tensor<2xf32>) -> tensor<3x0xf32> {
  // expected-error @below {{one_hot depth must be positive, got 0}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.one_hot %i, %v {depth = 0 : i64} : (tensor<3xi64>, tensor<2xf32>) -> tensor<3x0xf32>
  return %0 : tensor<3x0xf32>
}

// -----

func.func @one_hot_axis(%i: tensor<3xi64>, %v: tensor<2xf32>) -> tensor<3x4xf32> {
  // expected-error @below {{one_hot axis 2 is out of range for a result of rank 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.one_hot %i, %v {axis = 2 : i64, depth = 4 : i64} : (tensor<3xi64>, tensor<2xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @eye_like_rank(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{eye_like input must be 2-D, got rank 1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.eye_like %x : tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @reverse_sequence_axes(%x: tensor<4x3xf32>, %l: tensor<3xi64>) -> tensor<4x3xf32> {
  // expected-error @below {{reverse_sequence batch_axis and time_axis must be 0 and 1 in some order, got 1 and 1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.reverse_sequence %x, %l {time_axis = 1 : i64} : (tensor<4x3xf32>, tensor<3xi64>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @reverse_sequence_lengths(%x: tensor<4x3xf32>, %l: tensor<4xi64>) -> tensor<4x3xf32> {
  // expected-error @below {{reverse_sequence needs one length per batch entry (3), got shape [4]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.reverse_sequence %x, %l : (tensor<4x3xf32>, tensor<4xi64>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @bitcast_width(%x: tensor<4xf32>) -> tensor<4xi64> {
  // expected-error @below {{bitcast needs types of the same width: 'f32' has 32 bits, 'i64' has 64}}
  // expected-error @below {{failed to infer returned types}}
  %0 = kiln.bitcast %x {to = i64} : tensor<4xf32> -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

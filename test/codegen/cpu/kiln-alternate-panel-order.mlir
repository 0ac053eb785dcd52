// RUN: kiln-opt %s -split-input-file -kiln-alternate-panel-order | FileCheck %s

// Three one-row products of the same packed weights (an LSTM's steps) and
// one of other weights between them: the second product of @w is marked
// descending, its forall and its panel loop; the first and third of @w,
// and the only one of @v, are not.
// CHECK-LABEL: func.func @steps
// CHECK: memref.get_global @w
// CHECK: scf.forall
// CHECK: scf.for
// CHECK-NOT: kiln.descending
// CHECK: } {kiln.tag = "w0"}
// CHECK: scf.forall
// CHECK-NOT: kiln.descending
// CHECK: } {kiln.tag = "v0"}
// CHECK: scf.forall
// CHECK: scf.for
// CHECK: } {kiln.descending}
// CHECK: } {kiln.descending, kiln.tag = "w1"}
// CHECK: scf.forall
// CHECK-NOT: kiln.descending
// CHECK: } {kiln.tag = "w2"}
// CHECK: return
memref.global "private" constant @w : memref<4x64x32xf32> = dense<1.0>
memref.global "private" constant @v : memref<4x64x32xf32> = dense<2.0>
func.func @steps(%x: memref<1x64xf32>, %y: memref<1x128xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  %pad = ub.poison : f32
  %w = memref.get_global @w : memref<4x64x32xf32>
  %v = memref.get_global @v : memref<4x64x32xf32>
  %acc = arith.constant dense<0.0> : vector<32xf32>
  scf.forall (%t) = (0) to (4) step (2) {
    scf.for %p = %c0 to %c2 step %c1 {
      %panel = arith.addi %t, %p : index
      %sum = scf.for %k = %c0 to %c64 step %c1 iter_args(%a = %acc) -> (vector<32xf32>) {
        %b = vector.transfer_read %w[%panel, %k, %c0], %pad {in_bounds = [true]} : memref<4x64x32xf32>, vector<32xf32>
        %r = arith.addf %a, %b : vector<32xf32>
        scf.yield %r : vector<32xf32>
      }
      %col = arith.muli %panel, %c32 : index
      vector.transfer_write %sum, %y[%c0, %col] {in_bounds = [true]} : vector<32xf32>, memref<1x128xf32>
    }
  } {kiln.tag = "w0"}
  scf.forall (%t) = (0) to (4) step (2) {
    scf.for %p = %c0 to %c2 step %c1 {
      %panel = arith.addi %t, %p : index
      %sum = scf.for %k = %c0 to %c64 step %c1 iter_args(%a = %acc) -> (vector<32xf32>) {
        %b = vector.transfer_read %v[%panel, %k, %c0], %pad {in_bounds = [true]} : memref<4x64x32xf32>, vector<32xf32>
        %r = arith.addf %a, %b : vector<32xf32>
        scf.yield %r : vector<32xf32>
      }
      %col = arith.muli %panel, %c32 : index
      vector.transfer_write %sum, %y[%c0, %col] {in_bounds = [true]} : vector<32xf32>, memref<1x128xf32>
    }
  } {kiln.tag = "v0"}
  scf.forall (%t) = (0) to (4) step (2) {
    scf.for %p = %c0 to %c2 step %c1 {
      %panel = arith.addi %t, %p : index
      %sum = scf.for %k = %c0 to %c64 step %c1 iter_args(%a = %acc) -> (vector<32xf32>) {
        %b = vector.transfer_read %w[%panel, %k, %c0], %pad {in_bounds = [true]} : memref<4x64x32xf32>, vector<32xf32>
        %r = arith.addf %a, %b : vector<32xf32>
        scf.yield %r : vector<32xf32>
      }
      %col = arith.muli %panel, %c32 : index
      vector.transfer_write %sum, %y[%c0, %col] {in_bounds = [true]} : vector<32xf32>, memref<1x128xf32>
    }
  } {kiln.tag = "w1"}
  scf.forall (%t) = (0) to (4) step (2) {
    scf.for %p = %c0 to %c2 step %c1 {
      %panel = arith.addi %t, %p : index
      %sum = scf.for %k = %c0 to %c64 step %c1 iter_args(%a = %acc) -> (vector<32xf32>) {
        %b = vector.transfer_read %w[%panel, %k, %c0], %pad {in_bounds = [true]} : memref<4x64x32xf32>, vector<32xf32>
        %r = arith.addf %a, %b : vector<32xf32>
        scf.yield %r : vector<32xf32>
      }
      %col = arith.muli %panel, %c32 : index
      vector.transfer_write %sum, %y[%c0, %col] {in_bounds = [true]} : vector<32xf32>, memref<1x128xf32>
    }
  } {kiln.tag = "w2"}
  return
}

// -----

// Not marked, however often the weights are read: the panels are reread
// for each of 4 row tiles (a loop between the panel loop and the K loop);
// the panel index does not come from the panel loop; every panel writes
// the same place (the order of the panels would matter).
// CHECK-LABEL: func.func @rereads
// CHECK-NOT: kiln.descending
// CHECK: return
memref.global "private" constant @w : memref<4x64x32xf32> = dense<1.0>
func.func @rereads(%y: memref<1x128xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %pad = ub.poison : f32
  %w = memref.get_global @w : memref<4x64x32xf32>
  %acc = arith.constant dense<0.0> : vector<32xf32>
  scf.forall (%t) = (0) to (4) step (2) {
    scf.for %p = %c0 to %c2 step %c1 {
      scf.for %row = %c0 to %c4 step %c1 {
        %panel = arith.addi %t, %p : index
        %sum = scf.for %k = %c0 to %c64 step %c1 iter_args(%a = %acc) -> (vector<32xf32>) {
          %b = vector.transfer_read %w[%panel, %k, %c0], %pad {in_bounds = [true]} : memref<4x64x32xf32>, vector<32xf32>
          %r = arith.addf %a, %b : vector<32xf32>
          scf.yield %r : vector<32xf32>
        }
        vector.transfer_write %sum, %y[%c0, %c0] {in_bounds = [true]} : vector<32xf32>, memref<1x128xf32>
      }
    }
  }
  scf.forall (%t) = (0) to (4) step (2) {
    scf.for %p = %c0 to %c2 step %c1 {
      %sum = scf.for %k = %c0 to %c64 step %c1 iter_args(%a = %acc) -> (vector<32xf32>) {
        %b = vector.transfer_read %w[%t, %k, %c0], %pad {in_bounds = [true]} : memref<4x64x32xf32>, vector<32xf32>
        %r = arith.addf %a, %b : vector<32xf32>
        scf.yield %r : vector<32xf32>
      }
      vector.transfer_write %sum, %y[%c0, %c0] {in_bounds = [true]} : vector<32xf32>, memref<1x128xf32>
    }
  }
  scf.forall (%t) = (0) to (4) step (2) {
    scf.for %p = %c0 to %c2 step %c1 {
      %sum = scf.for %k = %c0 to %c64 step %c1 iter_args(%a = %acc) -> (vector<32xf32>) {
        %b = vector.transfer_read %w[%t, %k, %c0], %pad {in_bounds = [true]} : memref<4x64x32xf32>, vector<32xf32>
        %r = arith.addf %a, %b : vector<32xf32>
        scf.yield %r : vector<32xf32>
      }
      vector.transfer_write %sum, %y[%c0, %c0] {in_bounds = [true]} : vector<32xf32>, memref<1x128xf32>
    }
  }
  scf.forall (%t) = (0) to (4) step (2) {
    scf.for %p = %c0 to %c2 step %c1 {
      %panel = arith.addi %t, %p : index
      %sum = scf.for %k = %c0 to %c64 step %c1 iter_args(%a = %acc) -> (vector<32xf32>) {
        %b = vector.transfer_read %w[%panel, %k, %c0], %pad {in_bounds = [true]} : memref<4x64x32xf32>, vector<32xf32>
        %r = arith.addf %a, %b : vector<32xf32>
        scf.yield %r : vector<32xf32>
      }
      vector.transfer_write %sum, %y[%c0, %c0] {in_bounds = [true]} : vector<32xf32>, memref<1x128xf32>
    }
  }
  scf.forall (%t) = (0) to (4) step (2) {
    scf.for %p = %c0 to %c2 step %c1 {
      %panel = arith.addi %t, %p : index
      %sum = scf.for %k = %c0 to %c64 step %c1 iter_args(%a = %acc) -> (vector<32xf32>) {
        %b = vector.transfer_read %w[%panel, %k, %c0], %pad {in_bounds = [true]} : memref<4x64x32xf32>, vector<32xf32>
        %r = arith.addf %a, %b : vector<32xf32>
        scf.yield %r : vector<32xf32>
      }
      vector.transfer_write %sum, %y[%c0, %c0] {in_bounds = [true]} : vector<32xf32>, memref<1x128xf32>
    }
  }
  return
}

// -----

// A step whose panels take two loops (whole tasks and a remainder, other
// bounds): each loop alternates on its own, so the second step walks both
// backwards.
// CHECK-LABEL: func.func @remainder
// CHECK-NOT: kiln.descending
// CHECK: } {kiln.tag = "main0"}
// CHECK-NOT: kiln.descending
// CHECK: } {kiln.tag = "tail0"}
// CHECK: } {kiln.descending}
// CHECK: } {kiln.descending, kiln.tag = "main1"}
// CHECK: } {kiln.descending}
// CHECK: } {kiln.descending, kiln.tag = "tail1"}
memref.global "private" constant @w : memref<5x64x32xf32> = dense<1.0>
func.func @remainder(%y: memref<1x160xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  %pad = ub.poison : f32
  %w = memref.get_global @w : memref<5x64x32xf32>
  %acc = arith.constant dense<0.0> : vector<32xf32>
  scf.forall (%t) = (0) to (4) step (2) {
    scf.for %p = %c0 to %c2 step %c1 {
      %panel = arith.addi %t, %p : index
      %sum = scf.for %k = %c0 to %c64 step %c1 iter_args(%a = %acc) -> (vector<32xf32>) {
        %b = vector.transfer_read %w[%panel, %k, %c0], %pad {in_bounds = [true]} : memref<5x64x32xf32>, vector<32xf32>
        %r = arith.addf %a, %b : vector<32xf32>
        scf.yield %r : vector<32xf32>
      }
      %col = arith.muli %panel, %c32 : index
      vector.transfer_write %sum, %y[%c0, %col] {in_bounds = [true]} : vector<32xf32>, memref<1x160xf32>
    }
  } {kiln.tag = "main0"}
  scf.forall (%t) = (4) to (5) step (1) {
    scf.for %p = %c0 to %c1 step %c1 {
      %panel = arith.addi %t, %p : index
      %sum = scf.for %k = %c0 to %c64 step %c1 iter_args(%a = %acc) -> (vector<32xf32>) {
        %b = vector.transfer_read %w[%panel, %k, %c0], %pad {in_bounds = [true]} : memref<5x64x32xf32>, vector<32xf32>
        %r = arith.addf %a, %b : vector<32xf32>
        scf.yield %r : vector<32xf32>
      }
      %col = arith.muli %panel, %c32 : index
      vector.transfer_write %sum, %y[%c0, %col] {in_bounds = [true]} : vector<32xf32>, memref<1x160xf32>
    }
  } {kiln.tag = "tail0"}
  scf.forall (%t) = (0) to (4) step (2) {
    scf.for %p = %c0 to %c2 step %c1 {
      %panel = arith.addi %t, %p : index
      %sum = scf.for %k = %c0 to %c64 step %c1 iter_args(%a = %acc) -> (vector<32xf32>) {
        %b = vector.transfer_read %w[%panel, %k, %c0], %pad {in_bounds = [true]} : memref<5x64x32xf32>, vector<32xf32>
        %r = arith.addf %a, %b : vector<32xf32>
        scf.yield %r : vector<32xf32>
      }
      %col = arith.muli %panel, %c32 : index
      vector.transfer_write %sum, %y[%c0, %col] {in_bounds = [true]} : vector<32xf32>, memref<1x160xf32>
    }
  } {kiln.tag = "main1"}
  scf.forall (%t) = (4) to (5) step (1) {
    scf.for %p = %c0 to %c1 step %c1 {
      %panel = arith.addi %t, %p : index
      %sum = scf.for %k = %c0 to %c64 step %c1 iter_args(%a = %acc) -> (vector<32xf32>) {
        %b = vector.transfer_read %w[%panel, %k, %c0], %pad {in_bounds = [true]} : memref<5x64x32xf32>, vector<32xf32>
        %r = arith.addf %a, %b : vector<32xf32>
        scf.yield %r : vector<32xf32>
      }
      %col = arith.muli %panel, %c32 : index
      vector.transfer_write %sum, %y[%c0, %col] {in_bounds = [true]} : vector<32xf32>, memref<1x160xf32>
    }
  } {kiln.tag = "tail1"}
  return
}

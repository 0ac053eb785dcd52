// RUN: kiln-opt %s -kiln-outline-parallel-loops | FileCheck %s --check-prefix=MERGED
// RUN: kiln-opt %s -kiln-outline-parallel-loops=node-names=true | FileCheck %s --check-prefix=NAMED

// Two equivalent loops, from the ONNX nodes /block0/Relu and /block1/Relu
// (the importer's locations: the node name around the op type and the
// model file's position). By default the second one reuses the first one's
// task. With node-names (kilnc --profile-names) each keeps a task of its
// own, named after its node with non-alphanumerics as '_', so a profiler
// tells them apart; a loop without a node name keeps the plain name.

// MERGED-LABEL: func.func @main
// MERGED: constant @main_task0
// MERGED: constant @main_task0
// MERGED: constant @main_task2
// MERGED-NOT: func.func private @main_task1
// MERGED: func.func private @main_task0(
// MERGED-NOT: func.func private @main_task1

// NAMED-LABEL: func.func @main
// NAMED: constant @main_task0__block0_Relu
// NAMED: constant @main_task1__block1_Relu
// NAMED: constant @main_task2 :
// NAMED-DAG: func.func private @main_task0__block0_Relu(
// NAMED-DAG: func.func private @main_task1__block1_Relu(
// NAMED-DAG: func.func private @main_task2(
#first = loc("/block0/Relu"(fused<"Relu">["model.onnx":1:0]))
#second = loc("/block1/Relu"(fused<"Relu">["model.onnx":2:0]))
func.func @main(%a: memref<64xf32>, %b: memref<64xf32>, %c: memref<64xf32>) {
  %zero = arith.constant 0.0 : f32
  scf.forall (%i) in (64) {
    %v = memref.load %a[%i] : memref<64xf32>
    %r = arith.maximumf %v, %zero : f32
    memref.store %r, %b[%i] : memref<64xf32>
  } loc(#first)
  scf.forall (%i) in (64) {
    %v = memref.load %b[%i] : memref<64xf32>
    %r = arith.maximumf %v, %zero : f32
    memref.store %r, %c[%i] : memref<64xf32>
  } loc(#second)
  scf.forall (%i) in (64) {
    %v = memref.load %c[%i] : memref<64xf32>
    %r = arith.addf %v, %v : f32
    memref.store %r, %a[%i] : memref<64xf32>
  }
  return
}

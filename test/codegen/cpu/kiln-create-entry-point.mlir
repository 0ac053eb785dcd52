// RUN: kiln-opt %s -split-input-file -kiln-create-entry-point | FileCheck %s

// void kiln_model_entry(const void *const *inputs, void *const *outputs,
// void *workspace): inputs and outputs are numbered separately, in @main's
// argument order; each pointer becomes a dense static descriptor; @main
// becomes private so LLVM inlines it.
// CHECK-LABEL: func.func private @main
// CHECK-LABEL: func.func @kiln_model_entry
// CHECK-SAME: (%[[INPUTS:[^:]*]]: !llvm.ptr, %[[OUTPUTS:[^:]*]]: !llvm.ptr, %[[WS:[^:]*]]: !llvm.ptr)
//
// Input 0, a 2x3 buffer: pointer, offset 0, sizes [2, 3], strides [3, 1].
// CHECK: %[[A0:.*]] = llvm.getelementptr %[[INPUTS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[P0:.*]] = llvm.load %[[A0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[D0:.*]] = llvm.insertvalue %[[P0]], %{{.*}}[0]
// CHECK: %[[D1:.*]] = llvm.insertvalue %[[P0]], %[[D0]][1]
// CHECK: %[[ZERO:.*]] = llvm.mlir.constant(0 : i64)
// CHECK: %[[D2:.*]] = llvm.insertvalue %[[ZERO]], %[[D1]][2]
// CHECK: %[[THREE:.*]] = llvm.mlir.constant(3 : i64)
// CHECK: %[[D3:.*]] = llvm.insertvalue %[[THREE]], %[[D2]][3, 1]
// CHECK: %[[ONE:.*]] = llvm.mlir.constant(1 : i64)
// CHECK: %[[D4:.*]] = llvm.insertvalue %[[ONE]], %[[D3]][4, 1]
// CHECK: %[[TWO:.*]] = llvm.mlir.constant(2 : i64)
// CHECK: %[[D5:.*]] = llvm.insertvalue %[[TWO]], %[[D4]][3, 0]
// CHECK: %[[THREE2:.*]] = llvm.mlir.constant(3 : i64)
// CHECK: %[[D6:.*]] = llvm.insertvalue %[[THREE2]], %[[D5]][4, 0]
// CHECK: %[[X:.*]] = builtin.unrealized_conversion_cast %[[D6]] : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<2x3xf32>
//
// Input 1.
// CHECK: llvm.getelementptr %[[INPUTS]][1]
// CHECK: %[[Y:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<4xi64>
//
// Outputs 0 and 1 (a 0-d buffer has no sizes or strides).
// CHECK: llvm.getelementptr %[[OUTPUTS]][0]
// CHECK: %[[OUT0:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<2x3xf32>
// CHECK: llvm.getelementptr %[[OUTPUTS]][1]
// CHECK: %[[OUT1:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64)> to memref<f32>
//
// The workspace pointer is used directly.
// CHECK-NOT: llvm.load
// CHECK: llvm.insertvalue %[[WS]], %{{.*}}[0]
// CHECK: %[[SIZE:.*]] = llvm.mlir.constant(256 : i64)
// CHECK: %[[W:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<256xi8>
// CHECK: call @main(%[[X]], %[[Y]], %[[OUT0]], %[[OUT1]], %[[W]])
// CHECK-NEXT: return
func.func @main(%x: memref<2x3xf32>, %y: memref<4xi64>, %out: memref<2x3xf32> {bufferize.result},
                %out2: memref<f32> {bufferize.result}, %ws: memref<256xi8> {kiln.workspace}) {
  return
}

// -----

// Inputs and outputs interleaved in @main keep their own numbering.
// CHECK-LABEL: func.func @kiln_model_entry
// CHECK-SAME: (%[[INPUTS:[^:]*]]: !llvm.ptr, %[[OUTPUTS:[^:]*]]: !llvm.ptr, %[[WS:[^:]*]]: !llvm.ptr)
// CHECK: llvm.getelementptr %[[OUTPUTS]][0]
// CHECK: %[[O:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<8xf32>
// CHECK: llvm.getelementptr %[[INPUTS]][0]
// CHECK: %[[I:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<4xf32>
// CHECK: llvm.insertvalue %[[WS]]
// CHECK: %[[W:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<0xi8>
// CHECK: call @main(%[[O]], %[[I]], %[[W]])
func.func @main(%out: memref<8xf32> {bufferize.result}, %in: memref<4xf32>, %ws: memref<0xi8> {kiln.workspace}) {
  return
}

// -----

// A model split by kiln-split-batch: @main computes one of 4 images. The
// workspace grows to one 64-byte-aligned part per image (200 -> 4 x 256).
// When the thread count divides the images, the images are spread over the
// threads, each in its own part of the workspace; otherwise they run one
// after the other in the first part. Image i's input starts i x 24 bytes
// into the input, its output i x 8 bytes into the output.
// CHECK-LABEL: module attributes {kiln.workspace_size = 1024 : i64}
// CHECK: func.func private @kiln_rt_get_num_threads() -> i32
// CHECK-LABEL: func.func @kiln_model_entry
// CHECK-SAME: (%[[INPUTS:[^:]*]]: !llvm.ptr, %[[OUTPUTS:[^:]*]]: !llvm.ptr, %[[WS:[^:]*]]: !llvm.ptr)
// CHECK: %[[COUNT:.*]] = call @kiln_rt_get_num_threads()
// CHECK: %[[THREADS:.*]] = arith.extsi %[[COUNT]] : i32 to i64
// CHECK: %[[IMAGES:.*]] = arith.constant 4 : i64
// CHECK: %[[REM:.*]] = arith.remsi %[[IMAGES]], %[[THREADS]] : i64
// CHECK: %[[SPREAD:.*]] = arith.cmpi eq, %[[REM]], %{{.*}} : i64
// CHECK: scf.if %[[SPREAD]] {
// CHECK: scf.forall (%[[I:.*]]) in (4) {
// CHECK: %[[IMAGE:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK: %[[PARTBYTES:.*]] = arith.constant 256 : i64
// CHECK: %[[PART:.*]] = arith.muli %[[IMAGE]], %[[PARTBYTES]] : i64
// CHECK: %[[INSLOT:.*]] = llvm.getelementptr %[[INPUTS]][0]
// CHECK: %[[IN:.*]] = llvm.load %[[INSLOT]]
// CHECK: %[[INBYTES:.*]] = llvm.mlir.constant(24 : i64)
// CHECK: %[[INOFF:.*]] = llvm.mul %[[IMAGE]], %[[INBYTES]]
// CHECK: %[[INPTR:.*]] = llvm.getelementptr %[[IN]][%[[INOFF]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK: llvm.insertvalue %[[INPTR]], %{{.*}}[0]
// CHECK: %[[OUTSLOT:.*]] = llvm.getelementptr %[[OUTPUTS]][0]
// CHECK: %[[OUT:.*]] = llvm.load %[[OUTSLOT]]
// CHECK: %[[OUTBYTES:.*]] = llvm.mlir.constant(8 : i64)
// CHECK: %[[OUTOFF:.*]] = llvm.mul %[[IMAGE]], %[[OUTBYTES]]
// CHECK: %[[OUTPTR:.*]] = llvm.getelementptr %[[OUT]][%[[OUTOFF]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK: llvm.insertvalue %[[OUTPTR]], %{{.*}}[0]
// CHECK: %[[WSPTR:.*]] = llvm.getelementptr %[[WS]][%[[PART]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK: llvm.insertvalue %[[WSPTR]], %{{.*}}[0]
// CHECK: call @main
// CHECK: } else {
// CHECK: scf.for %[[J:.*]] =
// CHECK: %[[NONE:.*]] = arith.constant 0 : i64
// CHECK: %[[JIMAGE:.*]] = arith.index_cast %[[J]] : index to i64
// CHECK: llvm.mul %[[JIMAGE]]
// CHECK: llvm.getelementptr %[[WS]][%[[NONE]]]
// CHECK: call @main
module attributes {kiln.workspace_size = 200 : i64} {
  func.func @main(%x: memref<1x6xf32>, %out: memref<1x2xf32> {bufferize.result},
                  %ws: memref<200xi8> {kiln.workspace}) attributes {kiln.batch_images = 4 : i64} {
    return
  }
}

// -----

// On the model's first run (its own flag, zero at load), the entry point
// maps the pages of its constants of 4 KiB or more before @main reads them:
// the 32 KiB weights, not the 64-byte bias nor a global that is not
// constant. Later runs only call kiln_rt_first_run.
// CHECK-DAG: memref.global "private" @__kiln_first_run : memref<i32> = dense<0>
// CHECK-DAG: func.func private @kiln_rt_first_run(!llvm.ptr) -> i32
// CHECK-DAG: func.func private @kiln_rt_touch_pages(!llvm.ptr, i64)
// CHECK-LABEL: func.func @kiln_model_entry
// CHECK: %[[FLAG:.*]] = memref.get_global @__kiln_first_run : memref<i32>
// CHECK: %[[FP:.*]] = memref.extract_aligned_pointer_as_index %[[FLAG]]
// CHECK: %[[FIRST:.*]] = call @kiln_rt_first_run(%{{.*}}) : (!llvm.ptr) -> i32
// CHECK: %[[IS:.*]] = arith.cmpi ne, %[[FIRST]], %{{.*}} : i32
// CHECK: scf.if %[[IS]] {
// CHECK: %[[W:.*]] = memref.get_global @weights : memref<64x128xf32>
// CHECK: %[[BYTES:.*]] = arith.constant 32768 : i64
// CHECK: memref.extract_aligned_pointer_as_index %[[W]]
// CHECK: call @kiln_rt_touch_pages(%{{.*}}, %[[BYTES]]) : (!llvm.ptr, i64) -> ()
// CHECK-NOT: call @kiln_rt_touch_pages
// CHECK: }
// CHECK: call @main(
memref.global "private" constant @weights : memref<64x128xf32> = dense<1.0>
memref.global "private" constant @bias : memref<16xf32> = dense<2.0>
memref.global "private" @state : memref<2048xf32> = dense<0.0>
func.func @main(%x: memref<16xf32>, %out: memref<16xf32> {bufferize.result}) {
  %w = memref.get_global @weights : memref<64x128xf32>
  %b = memref.get_global @bias : memref<16xf32>
  return
}

// A model-like @main with two launches of 2 blocks of 64 threads, an input
// and an output of 128 int32 and a second output of 8192 (global memory).
// In the first, each thread copies its input element (64 * block + tid) to
// the output; then reads its neighbour's output element
// (64 * block + (tid + 1) % 64) and stores the sum at its own:
// out[64 * block + tid] = in[...tid] + in[...(tid + 1) % 64]. Two barriers
// order the block's accesses; test/gpu/global-races.test deletes one or
// the other, reads the other block's row or past the input's end. The
// second launch reads the other block's output element (the first launch
// wrote it: launches are ordered) into 64 elements of `big` a thread, which
// grows the checks' table past its first size; the test adds a late write
// of big[0] by thread 63 of block 0 (its thread 0 wrote it first).
func.func @main(%in: memref<128xi32> {kiln.name = "in"},
                %out: memref<128xi32> {bufferize.result, kiln.name = "out"},
                %big: memref<8192xi32> {bufferize.result, kiln.name = "big"},
                %ws: memref<0xi8> {kiln.workspace}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c63 = arith.constant 63 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %own = arith.muli %bx, %c64 : index
    %obx = arith.subi %c1, %bx : index
    %other = arith.muli %obx, %c64 : index
    %i = arith.addi %own, %tx : index
    %next = arith.addi %tx, %c1 : index
    %n = arith.remui %next, %c64 : index
    %ni = arith.addi %own, %next : index
    %x = memref.load %in[%i] : memref<128xi32> // the input's element
    memref.store %x, %out[%i] : memref<128xi32>
    gpu.barrier // between the copy and the read
    %j = arith.addi %own, %n : index // the neighbour's element
    %y = memref.load %out[%j] : memref<128xi32>
    %s = arith.addi %x, %y : i32
    gpu.barrier // before the sum's store
    memref.store %s, %out[%i] : memref<128xi32>
    gpu.terminator
  } loc(#loc)
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %own = arith.muli %bx, %c64 : index
    %obx = arith.subi %c1, %bx : index
    %other = arith.muli %obx, %c64 : index
    %i = arith.addi %own, %tx : index
    %o = arith.addi %other, %tx : index
    %v = memref.load %out[%o] : memref<128xi32>
    %first = arith.muli %i, %c64 : index
    scf.for %k = %c0 to %c64 step %c1 {
      %e = arith.addi %first, %k : index
      memref.store %v, %big[%e] : memref<8192xi32>
    }
    %last = arith.cmpi eq, %i, %c63 : index
    // (no late write)
    gpu.terminator
  } loc(#spread)
  return
}
#spread = loc("spread")
#loc = loc("neighbours")

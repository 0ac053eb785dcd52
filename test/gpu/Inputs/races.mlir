// A model-like @main with one launch of 2 blocks of 64 threads and a
// workgroup buffer of 64: each thread stores its id at element tid; then,
// twice, each reads its neighbour's element (tid + 1) % 64 and stores it at
// its own. out[64 * block + tid] gets (tid + 2) % 64. Three barriers order
// the accesses; test/gpu/workgroup-races.test deletes one or another.
func.func @main(%out: memref<128xi32> {bufferize.result, kiln.name = "out"},
                %ws: memref<0xi8> {kiln.workspace}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1)
             workgroup(%buf : memref<64xi32, #gpu.address_space<workgroup>>) {
    %id = arith.index_cast %tx : index to i32
    memref.store %id, %buf[%tx] : memref<64xi32, #gpu.address_space<workgroup>>
    gpu.barrier // before the loop
    %next = arith.addi %tx, %c1 : index
    %n = arith.remui %next, %c64 : index
    scf.for %i = %c0 to %c2 step %c1 {
      %v = memref.load %buf[%n] : memref<64xi32, #gpu.address_space<workgroup>>
      gpu.barrier // between the read and the write
      memref.store %v, %buf[%tx] : memref<64xi32, #gpu.address_space<workgroup>>
      gpu.barrier // at the end of a step
    }
    %w = memref.load %buf[%tx] : memref<64xi32, #gpu.address_space<workgroup>>
    %o = arith.muli %bx, %c64 : index
    %i = arith.addi %o, %tx : index
    memref.store %w, %out[%i] : memref<128xi32>
    gpu.terminator
  } loc(#loc)
  return
}
#loc = loc("neighbours")

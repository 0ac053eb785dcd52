// A model-like @main with one launch of 2 blocks of 64 threads: each thread
// stores its id at element tid of a workgroup buffer, waits at the barrier,
// then reads its neighbour's element (tid + 1) % 64 into out[64 * block +
// tid]. test/gpu/workgroup-races.test also runs it with the barrier
// deleted: then thread t reads what thread t + 1 writes, a race.
func.func @main(%out: memref<128xi32> {bufferize.result, kiln.name = "out"},
                %ws: memref<0xi8> {kiln.workspace}) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1)
             workgroup(%buf : memref<64xi32, #gpu.address_space<workgroup>>) {
    %id = arith.index_cast %tx : index to i32
    memref.store %id, %buf[%tx] : memref<64xi32, #gpu.address_space<workgroup>>
    gpu.barrier
    %next = arith.addi %tx, %c1 : index
    %n = arith.remui %next, %c64 : index
    %v = memref.load %buf[%n] : memref<64xi32, #gpu.address_space<workgroup>>
    %o = arith.muli %bx, %c64 : index
    %i = arith.addi %o, %tx : index
    memref.store %v, %out[%i] : memref<128xi32>
    gpu.terminator
  } loc(#loc)
  return
}
#loc = loc("neighbours")

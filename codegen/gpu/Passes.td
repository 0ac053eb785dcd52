//===- Passes.td - NVIDIA GPU code generation passes -------*- tablegen -*-===//

#ifndef KILN_CODEGEN_GPU_PASSES
#define KILN_CODEGEN_GPU_PASSES

include "mlir/Pass/PassBase.td"

def TileForGpu : Pass<"kiln-tile-for-gpu", "mlir::func::FuncOp"> {
  let summary = "Tile every linalg op into block and thread scf.forall loops";
  let description = [{
    Each linalg op (on tensors or, for what bufferization adds, on buffers)
    gets an scf.forall over block tiles of its parallel loops and, inside,
    an scf.forall giving one output element per thread; reduction loops stay
    sequential in each thread. Block tiles hold up to 256 threads and divide
    the loop ranges, so no thread needs a bounds check.

    Reductions with fewer outputs than a block has threads (a sum to a
    single value, a dot product), or fewer than 32768 outputs of at least
    256 elements each, whose body folds the output with one associative
    arith op instead get a block per output element, once they are on
    buffers: each thread folds a strided share, then a tree in a workgroup
    buffer (memref.alloc in the GPU workgroup address space) with
    gpu.barrier, finished by gpu.shuffle within a warp for types of up to
    32 bits.
    Those whose inputs run along the outputs (a matrix-vector product)
    get a block per 32 outputs instead, a lane each, its 8 warps dividing
    the reduction (column reductions). A column reduction that one
    elementwise generic reads through slices of its result, or whole with
    several results of its own (a recurrent step's gates), is computed in
    that generic's kernel, one block per 32 of its columns; a reduction
    of one output a thread read so becomes a column reduction for it.
    A reduction over the last loop of rows of 32 to 8192 elements, and
    the ops after it that read its values at each row's own elements
    (elementwise ops over the rows or their values, more such reductions:
    a softmax, a LayerNorm), are one kernel, a warp per row (a block per
    row longer than 1024), the row's values in registers between the ops
    (RowKernel.h).
    A padding (a fill with the source inserted into its middle) becomes one
    elementwise generic; where its readers get one output a thread (a
    pool, a depthwise convolution's taps) or are staged (a convolution),
    they compute its elements where they read them instead, and the
    padded tensor is not written.
    Other ops without parallel loops run on one thread. Matmul-like ops
    whose m and n ranges are at least 16 get blocks of 16x16 threads, each
    thread a register tile of up to 8x8 outputs (as large as keeps at least
    two blocks per multiprocessor), that stage the block's tiles of both
    inputs, 16 wide along k, in workgroup memory per k step, between
    barriers; or, with the options below, warps of tensor-core mmas fed
    from the same tiles. Tiles past the end of m or n clamp their reads
    and store only real outputs; a short last k step folds its k values
    only (the tensor cores: padded with zeros). A matmul-like op that the
    sizes above would give a block per output is staged instead, its k cut
    into the fewest slices that give two blocks per multiprocessor: one
    kernel folds each slice into a partial result (the slice is its
    outermost block loop), a second adds them, a thread per output.

    With `report`, the run on tensors emits a remark on each function
    that has linalg ops on tensors outside loops:
    the loop iterations (multiply-adds, for a product) of its reductions by
    the kind of kernel they get (and how many staged products are cut
    along k): how much of a model's work the staged kernels take
    (bench/gpu/ptx_stats.py --zoo prints it).
  }];
  let options = [
    Option<"multiprocessors", "multiprocessors", "int64_t", /*default=*/"132",
           "Streaming multiprocessors of the target GPU (an H100 SXM has 132): "
           "register tiles of matmuls stop growing below two blocks for each">,
    Option<"tf32", "tf32", "bool", /*default=*/"false",
           "f32 matmul-like ops (convolutions' products too) whose body is acc + a * b "
           "and whose m and n are at least 32 run on the tensor cores (m16n8k8 mma.sync, "
           "inputs rounded to TF32)">,
    Option<"tf32TiesToEven", "tf32-ties-to-even", "bool", /*default=*/"false",
           "with tf32: round the inputs to TF32 to nearest with ties to even (one "
           "cvt.rn.tf32.f32: sm_90 and newer) instead of ties away from zero (cvt.rna, "
           "which ptxas makes three instructions)">,
    Option<"halfTensorCores", "half-tensor-cores", "bool", /*default=*/"true",
           "matmul-like ops of f16 or bf16 inputs accumulated in f32 whose m and n are at "
           "least 32 run on the tensor cores (m16n8k16 mma.sync: sm_80 and newer)">,
    Option<"asyncCopies", "async-copies", "bool", /*default=*/"false",
           "staged matmuls copy the inputs they read as they are (4- or 8-byte elements, "
           "no computed input) from global into workgroup memory with asynchronous "
           "copies (cp.async: sm_80 and newer), two k steps in flight where three "
           "stages of tiles fit 48 KiB, instead of through registers one step ahead">,
    Option<"report", "report", "bool", /*default=*/"false",
           "remark, per function, the loop iterations of its reductions by kind of kernel: "
           "staged, shared by a block, folded by a thread alone">,
  ];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect", "::mlir::math::MathDialect",
    "::mlir::nvgpu::NVGPUDialect", "::mlir::vector::VectorDialect",
    "::mlir::tensor::TensorDialect", "::mlir::affine::AffineDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::bufferization::BufferizationDialect",
  ];
}

def ConvToStagedMatmul : Pass<"kiln-gpu-conv-to-staged-matmul", "mlir::func::FuncOp"> {
  let summary = "GPU convolutions as staged matmuls that read their taps in place";
  let description = [{
    Rewrites each linalg.conv_2d_nchw_fchw (on static float tensors) whose
    product F x (OH*OW) x (C*KH*KW) the staged matmul kernels can take
    (F and OH*OW at least 16) into a matmul-like linalg.generic over
    (n, f, p, k) of the weights [F, C*KH*KW] by its taps col[N, C*KH*KW,
    OH*OW], with the convolution's own multiply-add body. col is not
    copied: the generic reads the input through an affine map with
    divisions and remainders by the kernel's sides (a unit-stride 1x1
    convolution's input is col, collapsed). kiln-tile-for-gpu then stages
    that product through workgroup memory with register tiles, and runs it
    on the tensor cores where the matmul would be (TF32 with the flag,
    f16/bf16 inputs accumulated in f32).

    A product the staged kernels could take that reads an input through
    transposes and reshapes read by nothing else (an attention's heads)
    reads the source in place instead, through the composed map, where
    each loop stays some operand's index by itself and the staging's copy
    of 16 consecutive k values (A) or columns or k values (B) stays 16
    consecutive elements of the source: the transposes are no kernels.

    First, products of one input by constant weights (an attention's
    queries, keys and values), each with its bias, become one product by
    the weights side by side and one bias addition (SiblingProducts.h),
    their results slices of its result.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def PlanWeights : Pass<"kiln-plan-weights", "mlir::ModuleOp"> {
  let summary = "Place every constant buffer in one weights blob";
  let description = [{
    Replaces each memref.get_global of a constant in @main with a view into a
    new `weights` argument (marked `kiln.weights`), at a 64-byte-aligned
    offset. The blob's bytes become the module attribute `kiln.weights`; the
    runtime uploads them to the device once per context.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect"];
}

def AccumulateInRegisters : Pass<"kiln-gpu-accumulate-in-registers", "mlir::func::FuncOp"> {
  let summary = "Lower a thread's reductions with the outputs in registers";
  let description = [{
    A linalg op left in a kernel (gpu.launch) with reduction loops (one
    output element a thread, or a whole op on one thread) becomes loops:
    the parallel ones outside, the outputs' elements loaded once, the
    reduction ones inside carrying them as values, one store each at the
    end; a fill of the output right before the op is the start value
    instead (and goes). Upstream's linalg-to-loops conversion loads and stores the output
    at every reduction step, which LLVM cannot undo (the output may alias
    the inputs as far as it knows). Each output folds its reduction in the
    op's own order; a body acc + x * y on floats becomes one fused
    multiply-add, as in the staged matmuls. Runs after
    kiln-map-forall-to-gpu, in the device and the emulation pipelines alike.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def ScheduleWaves : Pass<"kiln-gpu-schedule-waves", "mlir::func::FuncOp"> {
  let summary = "Group independent small kernels into waves that run as one launch";
  let description = [{
    Runs on the block-mapped scf.forall kernels before the workspace plan.
    Kernels are list-scheduled in program order: each wave is the first
    kernel not yet placed plus up to seven later ones that are ready
    (whatever they depend on, through buffers or SSA values, is placed),
    have fewer blocks than the GPU has multiprocessors, conflict with no
    member (no overlapping write), and fit one launch with the others: the
    launch has as many threads a block as its largest member, so a member
    with fewer threads has no barrier, shuffle or mma, and all members'
    workgroup memory fits 48 KiB. A wave's members are moved next to one
    another and marked `kiln.wave`; kiln-plan-workspace gives them one point
    in time and kiln-gpu-merge-wave-launches merges their launches. The
    forward and reverse steps of a bidirectional recurrent layer run as one
    launch this way.
  }];
  let options = [
    Option<"multiprocessors", "multiprocessors", "int64_t", /*default=*/"132",
           "Streaming multiprocessors of the target GPU: kernels with fewer blocks "
           "than this may share a launch">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def MergeWaveLaunches : Pass<"kiln-gpu-merge-wave-launches", "mlir::func::FuncOp"> {
  let summary = "Merge the launches of a wave into one gpu.launch";
  let description = [{
    Consecutive gpu.launch ops with the same `kiln.wave` (1-D grids and
    blocks, as kiln-map-forall-to-gpu makes them) become one launch: its
    grid is the sum of theirs and its block the largest of theirs. Block
    ids below the first member's grid run the first member's body, the next
    ones the second's (with its block id shifted back to 0), and so on,
    through a chain of scf.if on the block id, the same in every thread of
    a block. A member with fewer threads than the launch runs under
    `thread id < its threads`. Members share the workgroup buffers of the
    same type (a block runs one member only). Runs after
    kiln-gpu-accumulate-in-registers, in the device and the emulation
    pipelines alike.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

def MapForallToGpu : Pass<"kiln-map-forall-to-gpu", "mlir::func::FuncOp"> {
  let summary = "Turn block/thread scf.forall nests into gpu.launch";
  let description = [{
    Each top-level block-mapped scf.forall becomes a gpu.launch with a 1-D
    grid of all its iterations and a 1-D block of the iterations of its
    thread-mapped scf.forall; the loop indices are recovered by
    delinearizing the block and thread ids. A workgroup-memory memref.alloc
    at block level becomes a workgroup attribution of the launch. Fails if
    anything outside the thread loop writes memory (every thread would write
    it).
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::arith::ArithDialect"];
}

def EmulateGpuLaunches : Pass<"kiln-emulate-gpu-launches", "mlir::func::FuncOp"> {
  let summary = "Run gpu.launch bodies on the CPU, for checking GPU kernels";
  let description = [{
    The CPU emulation of the GPU path: each gpu.launch becomes loops over
    its blocks and threads, with the block and thread ids, grid and block
    sizes replaced by the loop indices and constants. The kernel bodies are
    exactly the ones outlining would send to the GPU, so running the result
    on the CPU checks their numerics where no GPU exists. Blocks run in
    parallel on the runtime's thread pool. The body is cut at its barriers
    (and warp shuffles and tensor-core mmas, whose lanes read each other's
    operands) into loops over the block's threads; values used across a cut
    (scalars and small vectors) are kept per thread in stack buffers of the
    block, as is workgroup memory. Barriers, shuffles and mmas under control
    flow are rejected, except in an scf.for whose bounds, or an scf.if
    (without results) whose condition, is the same for all of a block's
    threads, which runs at block level; of the mmas, the m16n8k8 TF32 and the m16n8k16 f16
    and bf16 forms (f32 accumulators) are emulated.

    With reverse-order, blocks and each segment's threads run from the last
    id down. Kernels without races compute the same bits in either order;
    a thread that reads what another writes in the same segment (no barrier
    between them), or a block that reads another's output, sees it in one
    order and not in the other (`kilnc --emulate-gpu-reversed`).
  }];
  let options = [
    Option<"reverseOrder", "reverse-order", "bool", /*default=*/"false",
           "Run blocks and threads from the last id down (finds races)">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect", "::mlir::vector::VectorDialect"];
}

def EmulateAsyncCopies : Pass<"kiln-emulate-async-copies", "mlir::func::FuncOp"> {
  let summary = "Asynchronous copies into workgroup memory as loads and stores, for the emulation";
  let description = [{
    Before kiln-check-races and kiln-emulate-gpu-launches: each
    nvgpu.device_async_copy (a staged matmul's cp.async) becomes the loads
    of its source elements and the stores of them into workgroup memory
    (zeros past its source element count) where the copy is issued, the
    earliest a GPU may perform it; nvgpu.device_async_create_group and
    nvgpu.device_async_wait go away. The race check then sees each copy
    as a write when it is issued. A copy the GPU performs later, up to
    the thread's wait for its group, is not emulated: that a tile is read
    only after its copies' wait and the following barrier is the staging
    loop's structure (test/codegen/gpu/kiln-tile-for-gpu-async-copies.mlir,
    unrolled and rolled loops). Elements past a copy's source count
    (srcElements) are zeros, and not read.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def CheckRaces : Pass<"kiln-check-races", "mlir::ModuleOp"> {
  let summary = "Check the emulated kernels' memory accesses for races";
  let description = [{
    For checking builds (`kilnc --emulate-gpu --emulate-gpu-check-races`),
    before kiln-emulate-gpu-launches.

    Workgroup memory: each gpu.launch with workgroup memory gets two
    shadow words an element of it (the last writer, and the reader or
    readers, each with its epoch) and an epoch a thread, all in workgroup
    memory. The kernel first zeroes the shadow words, sets every thread's
    epoch to 1 and waits at a barrier; each barrier then adds one to the
    thread's epoch, and each load, store or vector load of workgroup
    memory first calls kiln_rt_race_check (runtime/src/race_check.c),
    which records an access that races with another thread's in the same
    epoch, one of them a write (on a GPU, no barrier would order them), or
    that falls outside its buffer.

    Global memory: the host calls kiln_rt_race_launch before each launch,
    and each load, store, vector load or vector store inside it of a
    buffer from outside the launch (or of a global) first calls
    kiln_rt_global_race_check with the element's address, its index in
    the accessed view and whether the indices lie inside the view. The
    runtime records an access outside the view, and, for buffers the model
    may write (not graph inputs or constant globals), an access that races
    with another in the same launch: by another block (blocks are never
    ordered; the members of a merged launch are blocks too), or by
    another thread of the block in the same epoch, one of them a write.

    NAME_run then returns KILN_ERROR_RACE, and NAME_error_message names
    the first race's node, threads, block, buffer and element. The node is
    the access's (a merged launch's members are told apart), else the
    launch's. The workgroup checks are sound only when emulated, where a
    block's threads run one at a time between cuts.
    Races the emulation's order would hide are found too: it runs a
    segment for every thread before the next, so a missing barrier before
    a loop is no race there, but here it is.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect"];
}

def ProfileMemory : Pass<"kiln-profile-memory", "mlir::ModuleOp"> {
  let summary = "Count the emulated kernels' shared-memory wavefronts and global sectors";
  let description = [{
    For profiling runs (`kiln-run --emulate-gpu --emulate-gpu-profile-memory`),
    before kiln-check-races (when both run) and kiln-emulate-gpu-launches.

    The host calls kiln_rt_memory_profile_launch before each gpu.launch,
    and each load, store, vector load or vector store of workgroup memory
    or of global memory (a buffer from outside the launch, or a global)
    first calls kiln_rt_memory_profile with a description of its site, the
    byte offset of its first element from its buffer's start, its element
    count and stride, the memory it reads or writes, and its thread and
    block (runtime/src/memory_profile.c). The runtime groups the 32
    threads of a warp into requests, as a GPU issues them, and counts each
    request's shared-memory wavefronts (bank conflicts) or global 32-byte
    sectors (coalescing) against the ideal.

    What is counted is the kernel as the GPU path builds it, before LLVM:
    the NVPTX backend may still merge neighbouring scalar accesses into
    vector ones.
  }];
  let options = [
    Option<"blocks", "blocks", "int64_t", /*default=*/"0",
           "Profile the blocks of each launch whose linear id is below this "
           "(0: all): every block of a launch runs the same code">,
  ];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def SerializeKernels : Pass<"kiln-gpu-module-to-binary"> {
  let summary = "Compile each gpu.module to PTX, widening LLVM's narrowed integer arithmetic";
  let description = [{
    Upstream's gpu-module-to-binary (to the "isa" form: PTX text) with one
    fix-up of the optimized LLVM IR before instruction selection: integer
    arithmetic narrower than 32 bits is computed in 32 bits again
    (`widenNarrowArithmetic`). LLVM's correlated value propagation narrows
    a 32-bit division whose operands it bounds below 2^8 or 2^16 (a
    convolution's tap / 3 with the tap below 9), whatever the target, and
    what follows narrows with it: the remainder as x - (x / y) * y, sums
    and shifts of the quotient. NVIDIA GPUs have no 8- or 16-bit ALU, so
    each became 16-bit PTX that ptxas runs as 32-bit operations plus masks.
    Every narrow value gets a 32-bit form whose low bits are the value's and
    a range (from LazyValueInfo on what it reads, ConstantRange arithmetic
    and no-wrap flags); only what reads whole values (zero extensions,
    unsigned compares, shifts right, divisions) reads a masked form, and
    only where the range does not show the form is the value itself. A
    division by a constant is NVVM's multiply-high by ceil(2^32 / d) where
    the range shows that is exact. Exact.
  }];
  let options = [
    Option<"toolkitPath", "toolkit", "std::string", /*default=*/"\"\"",
           "The CUDA toolkit, for libdevice (empty: MLIR's default search)">,
  ];
}

def MergeGpuModules : Pass<"kiln-merge-gpu-modules", "mlir::ModuleOp"> {
  let summary = "Put every outlined kernel into one gpu.module";
  let description = [{
    Kernel outlining makes one gpu.module per launch; a model ships one CUDA
    module, loaded once. Moves every kernel into the first gpu.module, keeps
    one copy of shared declarations, and retargets the launches. Every
    kernel's workgroup buffers get a 16-byte alignment (`llvm.align`), which
    the staged matmul's vector loads rely on.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::LLVM::LLVMDialect"];
}

def LowerTensorCoreOps : Pass<"kiln-lower-tensor-core-ops"> {
  let summary = "Lower what the tensor-core kernels need and upstream's device conversions lack";
  let description = [{
    Runs on the device code before convert-nvgpu-to-nvvm:
    - bf16 mmas: the m16n8k16 bf16 mma with f32 accumulators (what the
      staged matmul emits for bf16 inputs; upstream's nvgpu-to-nvvm has no
      bf16 form) becomes nvvm.mma.sync, each row of two bf16 values of the
      A and B fragments one 32-bit register, the accumulator's elements the
      op's f32 operands and result struct; other mmas are left to that
      conversion;
    - vector.shape_cast to two dimensions (a fragment read as one vector,
      reshaped into the mma's registers x values) becomes extracts and
      inserts of one dimension;
    - a TF32 rounding the staged matmul marked (`kiln.tf32_rounding`)
      becomes one nvvm.convert.float.to.tf32 with rounding to nearest,
      ties away from zero (cvt.rna), or ties to even (cvt.rn, sm_90 and
      newer) where the mark's value is "ties_to_even": the same rounding
      as its integer arithmetic.
  }];
  let dependentDialects = ["::mlir::NVVM::NVVMDialect", "::mlir::LLVM::LLVMDialect",
                           "::mlir::vector::VectorDialect", "::mlir::arith::ArithDialect"];
}

def NarrowMarkedIndices : Pass<"kiln-narrow-marked-indices"> {
  let summary = "Compute the integer arithmetic the kernels marked in 32 bits where its range allows";
  let description = [{
    A staged kernel marks (`kiln.narrow`) the integer arith ops of its
    reads of an input whose indexing map divides along k by a constant
    other than a power of two (a convolution's k split into channel and
    tap, with its padding's bounds checks and clamps), or that it reads
    through a collapse it splits so. This pass runs integer range analysis
    over the op it runs on and narrows each marked op whose integers are
    wider than 32 bits (index) to 32 bits where the analysis bounds its
    operands and results (upstream's int-range narrowing patterns, on the
    marked ops only), then drops the marks. Only ops whose narrowing is
    exact however the patterns extend a narrowed value back (sign or zero)
    are narrowed: sums, products, bitwise ops, equality and unsigned
    comparisons and minima; unsigned divisions, remainders and shifts of
    values known non-negative; no signed op. On the GPU, 64-bit integer
    arithmetic is two or more instructions an op and a 64-bit division by
    a constant four multiplies; 32 bits are one instruction and one
    multiply-high. Narrowing every index instead slows the GEMMs, whose
    narrowed indices are widened again for their addresses
    (docs/gpu-results.md). Runs on the device code after lower-affine,
    and on the emulated kernels; narrowing is exact, so both compute the
    same values, whichever ops each narrows.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def LowerGpuHost : Pass<"kiln-lower-gpu-host", "mlir::ModuleOp"> {
  let summary = "Host side of a GPU model: launches through the Kiln runtime";
  let description = [{
    Records the kernels' PTX (from gpu.binary) and names as module attributes
    `kiln.gpu_ptx` and `kiln.gpu_kernels`, turns each gpu.launch_func into a
    call to kiln_rt_gpu_launch with the kernel's index and a parameter array
    (buffers as device pointers), and defines
    `int kiln_model_gpu_entry(ctx, device_inputs, device_outputs, stream)`.
    Fails if host code would touch device memory.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect", "::mlir::func::FuncDialect",
    "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect",
  ];
}

#endif // KILN_CODEGEN_GPU_PASSES

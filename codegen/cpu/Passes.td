//===- Passes.td - CPU code generation passes --------------*- tablegen -*-===//

#ifndef KILN_CODEGEN_CPU_PASSES
#define KILN_CODEGEN_CPU_PASSES

include "mlir/Pass/PassBase.td"

def TileAndVectorize : Pass<"kiln-tile-and-vectorize", "mlir::func::FuncOp"> {
  let summary = "Tile linalg ops over threads and registers, then vectorize";
  let description = [{
    Runs on tensors. Each linalg op gets an scf.forall over thread tiles (the
    runtime's thread pool runs its iterations) and scf.for loops over
    register tiles, whose bodies are vectorized. 2-D convolutions and pools
    are decomposed into 1-D ones on the way, so they vectorize too. Tile sizes
    divide the loop ranges, so every tile has a static shape. A matmul's
    epilogue (the fill or broadcast that starts its accumulator and a
    single elementwise op reading its result) is fused into the matmul's
    thread tiles, all three working in the output's tile, and into its
    register tiles when K is one cache block (as a channel-major
    convolution's with a 2-D window always is): each register tile starts
    from the bias in registers and applies the consumer before its one
    store. A depthwise
    convolution's taps are read around the padding of its input with masked
    loads, so the padded copy of the input is never made (where the target
    has masked loads).
  }];
  let options = [
    Option<"maskedLoads", "masked-loads", "bool", /*default=*/"true",
           "Whether the target loads vectors under a mask in whole registers "
           "(x86 with AVX; not AArch64 NEON, where LLVM takes masked loads "
           "apart into scalar ones)">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def SplitGroupedConvs : Pass<"kiln-split-grouped-convs", "mlir::func::FuncOp"> {
  let summary = "Run a grouped convolution of long reductions as a named convolution a group";
  let description = [{
    Runs on tensors, first of the CPU code generator. A grouped convolution
    in the graph lowering's form (one generic over the groups, on views
    that split the channels into groups) whose groups each reduce over at
    least 64 products, of at most 32 groups, becomes one
    linalg.conv_2d_nchw_fchw a group on channel slices of its unsplit
    operands, inserted back at the group's output channels: the
    convolutions kiln-conv-to-matmul runs on the micro-kernel. Shorter
    reductions, and more groups, stay one generic.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"];
}

def WidenHalfOperands : Pass<"kiln-widen-half-operands", "mlir::func::FuncOp"> {
  let summary = "Run 16-bit float products and convolutions on f32 operands";
  let description = [{
    Runs on tensors, before kiln-conv-to-matmul. A linalg.matmul,
    batch_matmul, conv_2d_nchw_fchw or depthwise_conv_2d_nchw_chw reading
    f16 or bf16 operands into an f32 accumulator (how the graph lowering
    builds 16-bit products) gets its operands extended to f32: constants at
    compile time, the rest by an elementwise generic (under a constant pad).
    The sums are unchanged, and the op takes the f32 kernels.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::tensor::TensorDialect"];
}

def ConvToMatmul : Pass<"kiln-conv-to-matmul", "mlir::func::FuncOp"> {
  let summary = "Rewrite 2-D NCHW convolutions as matrix products on the micro-kernel";
  let description = [{
    Runs on tensors, before kiln-tile-and-vectorize. Each
    linalg.conv_2d_nchw_fchw becomes, per image, a matrix product on the
    micro-kernel. When OW is a multiple of the panel width (f32) it runs
    channel-major (filters broadcast, 32-pixel pieces of rows as vectors);
    with constant weights and other widths pixel-major (out^T = taps^T x
    W^T, the weights packed transposed into panels at compile time, the
    result written transposed by an epilogue generic, in bands of output
    rows: an scf.for marked kiln.band_loop). With constant weights (and,
    channel-major, a unit width stride) the product reads the taps from the
    input in place: a linalg.generic marked kiln.tap_product whose input map
    reads each register tile's pixels from an input row at the tap's offset,
    no im2col. Channel-major products without constant weights or at a width
    stride copy the taps into panels first (in bands whose taps fit in L2).
    Other convolutions (and 1x1 stride-1 ones, which need no copy) become
    KH*KW strided copies of the input into a [C*KH*KW, OH*OW] matrix and a
    linalg.matmul, OH*OW padded with zero columns to a multiple of the
    micro-kernel's width. The pixel-major and matmul forms take along the
    accumulator's start when it is a fill or a per-filter bias broadcast,
    and the convolution's single elementwise consumer (computed in the
    epilogue, or by a generic right on the matmul's result), so neither is
    a pass of its own over the output.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
  ];
}

def PackMatmulWeights : Pass<"kiln-pack-matmul-weights", "mlir::func::FuncOp"> {
  let summary = "Pack constant matmul operands into micro-kernel panels";
  let description = [{
    Runs on tensors, before kiln-tile-and-vectorize. A linalg.matmul whose B
    operand [K, N] is a constant (and N a multiple of the panel width NR)
    gets B rearranged at compile time into [N/NR, K, NR] panels and becomes
    a linalg.generic (marked kiln.packed_matmul) over C viewed as
    [M, N/NR, NR], so the micro-kernel streams B contiguously. The
    product's epilogue (what starts its accumulator: a bias broadcast or a
    zero fill; the elementwise op that reads its result) is rewritten over
    the same view, so kiln-tile-and-vectorize fuses it into the product's
    tiles.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def VectorizeBufferOps : Pass<"kiln-vectorize-buffer-ops", "mlir::func::FuncOp"> {
  let summary = "Tile and vectorize linalg ops left on buffers";
  let description = [{
    Bufferization introduces copies (padding, concatenation, results that are
    inputs) and fills; this tiles and vectorizes them like the tensor-level
    strategy does, over threads too when they are large (an scf.forall on
    buffers, outlined like the others).
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
  ];
}

def AlternatePanelOrder : Pass<"kiln-alternate-panel-order", "mlir::func::FuncOp"> {
  let summary = "Walk the panels of weights that one-row products reread in alternate directions";
  let description = [{
    Runs on buffers, before kiln-outline-parallel-loops. One-row products
    (a top-level scf.forall over a loop over [J, K, 32] panels of one
    memref.get_global, read in its K loop: an LSTM's or GRU's recurrent
    steps) that read the same global one after another, counted apart by
    the shapes of their loops: every second one, in program order, is
    marked to walk its panels backwards: its forall
    and its panel loop get `kiln.descending`, which
    kiln-outline-parallel-loops turns into reversed loops when a task is
    handed all of the forall's iterations (one thread). Weights about as
    large as a core's L2, read in the same order every step, are evicted
    just before they are needed again; in alternate directions a step
    starts on the panels the step before read last, still in L2.
  }];
}

def OutlineParallelLoops : Pass<"kiln-outline-parallel-loops", "mlir::ModuleOp"> {
  let summary = "Turn scf.forall loops into runtime parallel_for calls";
  let description = [{
    Each outermost scf.forall (on buffers) becomes a task function
    `void task(void *ctx, int64_t begin, int64_t end)` that runs the
    linearized iterations [begin, end), and the loop becomes a call to
    `kiln_rt_parallel_for(n, task, ctx)` with the values the body uses packed
    into a stack context. Memrefs travel as their LLVM descriptors, weights
    (memref.get_global) included; constants are re-created in the task.
    A loop marked `kiln.descending` whose call is handed all of its
    iterations (one thread) runs them from the last to the first, and the
    scf.for loops inside it marked so backwards too.
    Tasks whose bodies are equivalent (the layers of a transformer, the
    blocks of a convnet stage) are kept once, every call site handing the
    one copy its own context, so that LLVM optimizes and emits each
    distinct kernel once.

    With node-names (kilnc --profile-names), every task is kept apart and
    named after the model node its loop computes (`main_task7__layer1_0_
    conv1_Conv` for the ONNX node /layer1/0/conv1/Conv), so that a sampling
    profiler attributes the time of each node to a symbol of its own
    (bench/profile.py).
  }];
  let options = [
    Option<"nodeNames", "node-names", "bool", "false",
           "Keep every task apart, named after the model node it computes">,
  ];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect", "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect", "::mlir::scf::SCFDialect",
  ];
}

def CreateEntryPoint : Pass<"kiln-create-entry-point", "mlir::ModuleOp"> {
  let summary = "Add the C entry point kiln_model_entry around @main";
  let description = [{
    Defines `void kiln_model_entry(const void *const *inputs,
    void *const *outputs, void *workspace)`, which builds a memref for each
    dense buffer and calls the bufferized @main (made private so LLVM inlines
    it). The public NAME_run wrapper checks arguments and calls this.
    A model split by kiln-split-batch (`kiln.batch_images` on @main) calls
    @main once per image at the image's offset in each input and output:
    spread over the threads, each image in its own part of the workspace
    (which grows to one part per image), when the threads divide the images
    evenly; one after the other otherwise. On the model's first run (a flag
    of its own, `kiln_rt_first_run`), the entry point first maps the pages
    of its constants of 4 KiB or more (`kiln_rt_touch_pages`), which the
    products' software prefetches would otherwise find unmapped.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect", "::mlir::func::FuncDialect",
    "::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def LowerVectorOps : Pass<"kiln-lower-vector-ops", "mlir::func::FuncOp"> {
  let summary = "Lower high-level vector ops to what the LLVM conversion takes";
  let description = [{
    Contractions become outer products (FMAs), multi-dimensional reductions
    become 1-D ones, transposes become shuffles, and broadcasts, shape casts,
    masks and transfers become their 1-D forms. Reads of every 2nd to 4th
    element become one contiguous load and a shuffle. Reduction loops that
    carry fewer accumulator registers than the FMA units need in flight (a
    one-row product's K loop) are unrolled into partial sums. Packed weight
    panels, a channel-major convolution's input rows (a few channels
    ahead), and what a product's epilogue reads from other buffers (a
    residual), get software prefetches. With 64-byte vectors, transposes of
    16 by 7 to 15 lanes of 32 bits are padded to 16 x 16 and lowered to
    shuffles, as 16 x 16 ones are. With select-min-max (default on; the
    driver turns it off for AArch64), float maxima and minima of two
    variables become compares and selects (numpy's semantics), and a
    maximum with +0.0 (ReLU) one vmaxps with -0.0 and an addition of +0.0.
  }];
  let options = [
    Option<"vectorBytes", "vector-bytes", "int64_t", /*default=*/"64",
           "The target's vector register width in bytes: reduction loops with "
           "fewer accumulator registers than the FMA units need in flight get "
           "partial sums; from 64, 16 x 16 and narrower transposes of 32-bit "
           "elements are lowered to shuffles">,
    Option<"selectMinMax", "select-min-max", "bool", /*default=*/"true",
           "Float maximum and minimum of two variables become a compare, a "
           "select and a NaN check (for x86, whose vmaxps/vminps do not "
           "propagate a NaN from both operands; not for AArch64, whose "
           "fmax/fmin do)">
  ];
  let dependentDialects = ["::mlir::vector::VectorDialect", "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def MaskVectorTails : Pass<"kiln-mask-vector-tails", "mlir::func::FuncOp"> {
  let summary = "Do the odd-width tail of a contiguous vector access under a mask";
  let description = [{
    Runs after the transfers are unrolled to 1-D (for AVX-512 targets). A
    contiguous load or store of N elements whose part beyond the last whole
    register has a lane count that is not a power of two (7, 12, 14 floats)
    becomes the whole registers plus one masked access of the next power of
    two, instead of LLVM's one access per power of two in the tail.
  }];
  let options = [
    Option<"vectorBytes", "vector-bytes", "int64_t", /*default=*/"64",
           "The target's vector register width in bytes">
  ];
  let dependentDialects = ["::mlir::vector::VectorDialect", "::mlir::arith::ArithDialect"];
}

def ApproximateMath : Pass<"kiln-approximate-math"> {
  let summary = "Replace transcendental math ops with vectorizable polynomials";
  let description = [{
    exp, log, tanh, erf, sin, cos and friends become polynomial
    approximations built from arith ops (accurate to a few ulp in f32), so
    vector code stays vector code instead of calling libm once per lane.
    Powers with constant exponents 2, 3, 4, 0.5, -0.5, 1, -1, ... become
    products, divisions and square roots first. f32 <-> bf16 conversions
    become integer arithmetic (round to nearest even), so no target needs a
    runtime routine for them.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect",
  ];
}

#endif // KILN_CODEGEN_CPU_PASSES

//===- StagedMatmul.cpp - Matmuls through workgroup-memory tiles ----------===//
//
// Per block (outputs rows [bm BM, +BM), columns [bn BN, +BN) with BM = 16 RM,
// BN = 16 RN; thread t = 16 ty + tx owns rows mi = bm BM + ty + 16 i and
// columns nj = bn BN + tx + 16 j, i < RM, j < RN):
//
//   acc[i][j] = C[mi, nj]
//   for kt = 0 to K step 16:
//     As[ty + 16 r][tx] = A[bm BM + ty + 16 r, kt + tx]   (r < RM)
//     Bs[ty][tx + 16 r] = B[kt + ty, bn BN + tx + 16 r]   (r < RN)
//     barrier
//     for kk = 0 to 16:
//       a[i] = As[ty + 16 i][kk];  b[j] = Bs[kk][tx + 16 j]
//       acc[i][j] = body(a[i], b[j], acc[i][j])
//     barrier
//   C[mi, nj] = acc[i][j]
//
// A warp's 32 threads read two rows of As (each one value, broadcast) and
// 16 consecutive values of Bs: no bank conflicts. Global reads and the
// output's writes run along k or n in 16 consecutive threads. The barriers
// are in a loop every thread runs with the same bounds.
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/StagedMatmul.h"

#include "codegen/gpu/Mapping.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace kiln::gpu {

/// Grows `rows` and `columns` (rows first) by doubling while each stays at
/// most `limit`, its block side (`unitM` or `unitN` times it) divides the
/// range and the grid keeps `minBlocks` blocks.
static void growTile(int64_t &rows, int64_t &columns, int64_t limit, int64_t unitM, int64_t unitN,
                     int64_t rangeM, int64_t rangeN, int64_t batches, int64_t minBlocks) {
  auto blocks = [&](int64_t r, int64_t c) {
    return batches * (rangeM / (unitM * r)) * (rangeN / (unitN * c));
  };
  for (bool grew = true; grew;) {
    grew = false;
    if (2 * rows <= limit && rangeM % (unitM * 2 * rows) == 0 &&
        blocks(2 * rows, columns) >= minBlocks) {
      rows *= 2;
      grew = true;
    }
    if (2 * columns <= limit && rangeN % (unitN * 2 * columns) == 0 &&
        blocks(rows, 2 * columns) >= minBlocks) {
      columns *= 2;
      grew = true;
    }
  }
}

/// Whether `op`'s body is acc + a * b on floats (either operand order),
/// which the kernel computes as one fused multiply-add: what the GPU's
/// arithmetic units (and the CPU path's micro-kernels) do, one rounding
/// instead of two. With `extended`, a and b are first extended (arith.extf)
/// to the accumulator's type: a matmul of f16 or bf16 inputs accumulated in
/// f32, as the graph lowering builds them.
static bool isFloatMultiplyAdd(linalg::LinalgOp op, OpOperand *rowInput, OpOperand *columnInput,
                               OpOperand *init, bool extended = false) {
  Block *body = op.getBlock();
  if (!llvm::isa<FloatType>(getElementTypeOrSelf(init->get())) ||
      !llvm::hasNItems(body->without_terminator(), extended ? 4 : 2))
    return false;
  auto add = body->getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = op.getMatchingBlockArgument(init);
  Value product = add.getLhs() == acc ? add.getRhs() : add.getRhs() == acc ? add.getLhs() : Value();
  auto mul = product ? product.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul)
    return false;
  auto factor = [&](Value v) -> Value {
    if (!extended)
      return v;
    auto extension = v.getDefiningOp<arith::ExtFOp>();
    return extension ? extension.getIn() : Value();
  };
  Value a = op.getMatchingBlockArgument(rowInput), b = op.getMatchingBlockArgument(columnInput);
  Value x = factor(mul.getLhs()), y = factor(mul.getRhs());
  return (x == a && y == b) || (x == b && y == a);
}

std::optional<StagedMatmul> matchStagedMatmul(linalg::LinalgOp op, int64_t minBlocks,
                                              bool tf32, bool halfTensorCores) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 1 ||
      op.getNumParallelLoops() < 2)
    return std::nullopt;
  auto iterators = op.getIteratorTypesArray();
  SmallVector<unsigned> parallel;
  StagedMatmul matmul;
  for (auto [dim, iterator] : llvm::enumerate(iterators)) {
    if (iterator == utils::IteratorType::parallel)
      parallel.push_back(dim);
    else
      matmul.k = dim;
  }
  matmul.m = parallel[parallel.size() - 2];
  matmul.n = parallel.back();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  for (unsigned dim : {matmul.m, matmul.n, matmul.k})
    if (ranges[dim] % kStagedTile != 0)
      return std::nullopt;
  for (OpOperand &operand : op->getOpOperands())
    if (!op.getMatchingIndexingMap(&operand).isProjectedPermutation())
      return std::nullopt;
  AffineMap first = op.getMatchingIndexingMap(op.getDpsInputOperand(0));
  AffineMap second = op.getMatchingIndexingMap(op.getDpsInputOperand(1));
  auto reads = [](AffineMap map, unsigned dim) { return map.isFunctionOfDim(dim); };
  auto isRow = [&](AffineMap map) { return reads(map, matmul.m) && !reads(map, matmul.n); };
  auto isColumn = [&](AffineMap map) { return reads(map, matmul.n) && !reads(map, matmul.m); };
  if (isRow(first) && isColumn(second)) {
    matmul.rowInput = 0;
    matmul.columnInput = 1;
  } else if (isRow(second) && isColumn(first)) {
    matmul.rowInput = 1;
    matmul.columnInput = 0;
  } else {
    return std::nullopt;
  }
  if (reads(op.getMatchingIndexingMap(op.getDpsInitOperand(0)), matmul.k))
    return std::nullopt;

  int64_t batches = 1;
  for (unsigned dim : parallel)
    if (dim != matmul.m && dim != matmul.n)
      batches *= ranges[dim];
  int64_t rangeM = ranges[matmul.m], rangeN = ranges[matmul.n];
  OpOperand *rowInput = op.getDpsInputOperand(matmul.rowInput);
  OpOperand *columnInput = op.getDpsInputOperand(matmul.columnInput);
  OpOperand *init = op.getDpsInitOperand(0);
  auto isF32 = [](Value v) { return getElementTypeOrSelf(v).isF32(); };
  Type inputType = getElementTypeOrSelf(rowInput->get());
  bool tf32Mma = tf32 && llvm::all_of(op->getOperands(), isF32) &&
                 isFloatMultiplyAdd(op, rowInput, columnInput, init);
  bool halfMma = halfTensorCores && (inputType.isF16() || inputType.isBF16()) &&
                 getElementTypeOrSelf(columnInput->get()) == inputType && isF32(init->get()) &&
                 isFloatMultiplyAdd(op, rowInput, columnInput, init, /*extended=*/true);
  if ((tf32Mma || halfMma) && rangeM % (kWarpRows * kMmaM) == 0 &&
      rangeN % (kWarpColumns * kMmaN) == 0) {
    matmul.mmaK = halfMma ? kHalfMmaK : kMmaK;
    matmul.mmaRows = matmul.mmaColumns = 1;
    growTile(matmul.mmaRows, matmul.mmaColumns, kMaxMmaTile, kWarpRows * kMmaM,
             kWarpColumns * kMmaN, rangeM, rangeN, batches, minBlocks);
    return matmul;
  }
  growTile(matmul.rows, matmul.columns, kMaxRegisterTile, kStagedTile, kStagedTile, rangeM, rangeN,
           batches, minBlocks);
  return matmul;
}

namespace {

/// What both kernels share: the block and thread loops, the thread's
/// position, and the staging of the block's input tiles.
struct Skeleton {
  Skeleton(linalg::LinalgOp op, const StagedMatmul &matmul)
      : op(op), matmul(matmul), loc(op.getLoc()),
        rowInput(op.getDpsInputOperand(matmul.rowInput)),
        columnInput(op.getDpsInputOperand(matmul.columnInput)), init(op.getDpsInitOperand(0)) {}

  linalg::LinalgOp op;
  const StagedMatmul &matmul;
  Location loc;
  OpOperand *rowInput, *columnInput, *init;
  Value rowTile, columnTile;
  /// Thread id, its row ty = t / 16 and column tx = t % 16 in the block.
  Value tid, ty, tx;
  /// The loop indices of the block's first output (batch ivs, m and n of
  /// the block's corner, k = 0).
  SmallVector<Value> base;

  Value constant(OpBuilder &b, int64_t v) const {
    return arith::ConstantIndexOp::create(b, loc, v);
  }
  Value add(OpBuilder &b, Value x, Value y) const { return arith::AddIOp::create(b, loc, x, y); }
  Value addConstant(OpBuilder &b, Value x, int64_t v) const {
    return v == 0 ? x : add(b, x, constant(b, v));
  }
  /// The loop indices at offsets (dm, dn) from the block's corner and k.
  SmallVector<Value> ivs(OpBuilder &b, Value dm, Value dn, Value k) const {
    SmallVector<Value> result = base;
    result[matmul.m] = add(b, base[matmul.m], dm);
    result[matmul.n] = add(b, base[matmul.n], dn);
    result[matmul.k] = k;
    return result;
  }
  SmallVector<Value> indices(OpBuilder &b, OpOperand *operand, ArrayRef<Value> loopIvs) const {
    return applyIndexingMap(b, loc, linalg::LinalgOp(op).getMatchingIndexingMap(operand), loopIvs);
  }
  /// Copies the block's k step at `kt` of both inputs into the tiles: A
  /// rows ty + 16 r (r < aRows) at column tx, B row ty at columns tx + 16 r
  /// (r < bColumns), each element through `convert` if given.
  void stage(OpBuilder &b, Value kt, int64_t aRows, int64_t bColumns,
             function_ref<Value(OpBuilder &, Value)> convert) const {
    auto copy = [&](OpOperand *input, ArrayRef<Value> loopIvs, Value tileBuffer, Value y,
                    Value x) {
      Value v = memref::LoadOp::create(b, loc, input->get(), indices(b, input, loopIvs));
      if (convert)
        v = convert(b, v);
      memref::StoreOp::create(b, loc, v, tileBuffer, ValueRange{y, x});
    };
    Value zero = constant(b, 0);
    for (int64_t r = 0; r < aRows; ++r) {
      Value row = addConstant(b, ty, kStagedTile * r);
      copy(rowInput, ivs(b, row, zero, add(b, kt, tx)), rowTile, row, tx);
    }
    for (int64_t r = 0; r < bColumns; ++r) {
      Value column = addConstant(b, tx, kStagedTile * r);
      copy(columnInput, ivs(b, zero, column, add(b, kt, ty)), columnTile, ty, column);
    }
  }
};

/// Builds, before `op` (which stays), the block forall over (batch,
/// m / blockM, n / blockN), the workgroup tiles (A: blockM x aWidth, B:
/// 16 x bWidth) and the 256-thread forall, and leaves the rewriter inside
/// the latter.
Skeleton buildSkeleton(RewriterBase &rewriter, linalg::LinalgOp op, const StagedMatmul &matmul,
                       int64_t blockM, int64_t blockN, int64_t aWidth, int64_t bWidth) {
  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  Skeleton s(op, matmul);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto workgroup = mlir::gpu::AddressSpaceAttr::get(ctx, mlir::gpu::AddressSpace::Workgroup);
  auto tileType = [&](OpOperand *operand, int64_t height, int64_t width) {
    return MemRefType::get({height, width}, getElementTypeOrSelf(operand->get()),
                           MemRefLayoutAttrInterface(), workgroup);
  };
  rewriter.setInsertionPoint(op);
  SmallVector<unsigned> parallelDims;
  SmallVector<OpFoldResult> blockCounts;
  for (auto [dim, iterator] : llvm::enumerate(op.getIteratorTypesArray())) {
    if (iterator != utils::IteratorType::parallel)
      continue;
    parallelDims.push_back(dim);
    int64_t side = dim == matmul.m ? blockM : dim == matmul.n ? blockN : 1;
    blockCounts.push_back(rewriter.getIndexAttr(ranges[dim] / side));
  }
  auto blockLoop = scf::ForallOp::create(rewriter, loc, blockCounts, ValueRange{},
                                         linearGpuMapping(ctx, blockCounts.size(), true));
  rewriter.setInsertionPoint(blockLoop.getBody()->getTerminator());
  SmallVector<Value> blockIvs = llvm::to_vector(blockLoop.getInductionVars());
  s.rowTile = memref::AllocOp::create(rewriter, loc, tileType(s.rowInput, blockM, aWidth));
  s.columnTile =
      memref::AllocOp::create(rewriter, loc, tileType(s.columnInput, kStagedTile, bWidth));
  auto threadLoop = scf::ForallOp::create(
      rewriter, loc, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(kStagedTile * kStagedTile)},
      ValueRange{}, linearGpuMapping(ctx, 1, false));
  rewriter.setInsertionPoint(threadLoop.getBody()->getTerminator());
  s.tid = threadLoop.getInductionVars()[0];
  Value zero = s.constant(rewriter, 0);
  Value tile = s.constant(rewriter, kStagedTile);
  s.ty = arith::DivUIOp::create(rewriter, loc, s.tid, tile);
  s.tx = arith::RemUIOp::create(rewriter, loc, s.tid, tile);
  s.base.assign(ranges.size(), zero);
  for (auto [i, dim] : llvm::enumerate(parallelDims)) {
    s.base[dim] = blockIvs[i];
    if (dim == matmul.m || dim == matmul.n)
      s.base[dim] = arith::MulIOp::create(rewriter, loc, blockIvs[i],
                                          s.constant(rewriter, dim == matmul.m ? blockM : blockN));
  }
  return s;
}

/// `v` rounded to TF32 (10 mantissa bits), to nearest with ties away from
/// zero as cvt.rna.tf32.f32 does: the tensor cores read only those bits.
/// NaNs stay NaNs.
Value roundToTf32(OpBuilder &b, Location loc, Value v) {
  Type i32 = b.getI32Type();
  Value bits = arith::BitcastOp::create(b, loc, i32, v);
  Value half = arith::ConstantIntOp::create(b, loc, i32, 0x1000);
  Value mask = arith::ConstantIntOp::create(b, loc, i32, -0x2000);
  Value rounded = arith::BitcastOp::create(
      b, loc, v.getType(),
      arith::AndIOp::create(b, loc, arith::AddIOp::create(b, loc, bits, half), mask));
  Value nan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, v, v);
  return arith::SelectOp::create(b, loc, nan, v, rounded);
}

/// The tensor-core kernel (StagedMatmul.h): 8 warps as 2 x 4, each a
/// (16 TM) x (8 TN) warp tile of m16n8k8 TF32 mmas, or of m16n8k16 mmas on
/// f16 or bf16 inputs.
void buildTensorCoreMatmul(RewriterBase &rewriter, linalg::LinalgOp op,
                           const StagedMatmul &matmul) {
  const int64_t tm = matmul.mmaRows, tn = matmul.mmaColumns, mmaK = matmul.mmaK;
  const int64_t warpM = kMmaM * tm, warpN = kMmaN * tn;
  const int64_t blockM = kWarpRows * warpM, blockN = kWarpColumns * warpN;
  Type inputType = getElementTypeOrSelf(op.getDpsInputOperand(matmul.rowInput)->get());
  bool half = mmaK == kHalfMmaK;
  // Values of a fragment's 32-bit register: one f32 (TF32), two halves.
  const int64_t perRegister = half ? 2 : 1;
  // Padding makes the fragment reads conflict-free. TF32: lanes (g, t) read
  // A at g * 20 + t and B at t * (BN + 8) + g, 32 different banks. Halves
  // (two a 4-byte bank): A at word g * 12 + t (rows of 24), B at word
  // t * (BN + 8) + g / 2 (lanes g and g + 1 share a word, one read).
  Skeleton s = buildSkeleton(rewriter, op, matmul, blockM, blockN,
                             kStagedTile + (half ? 8 : 4), blockN + 8);
  Location loc = s.loc;
  Type f32 = rewriter.getF32Type();
  Value warp = arith::DivUIOp::create(rewriter, loc, s.tid, s.constant(rewriter, kWarpSize));
  Value lane = arith::RemUIOp::create(rewriter, loc, s.tid, s.constant(rewriter, kWarpSize));
  Value group = arith::DivUIOp::create(rewriter, loc, lane, s.constant(rewriter, 4));
  Value inGroup = arith::RemUIOp::create(rewriter, loc, lane, s.constant(rewriter, 4));
  Value warpRow = arith::MulIOp::create(
      rewriter, loc, arith::DivUIOp::create(rewriter, loc, warp, s.constant(rewriter, kWarpColumns)),
      s.constant(rewriter, warpM));
  Value warpColumn = arith::MulIOp::create(
      rewriter, loc, arith::RemUIOp::create(rewriter, loc, warp, s.constant(rewriter, kWarpColumns)),
      s.constant(rewriter, warpN));
  Value pairColumn = arith::MulIOp::create(rewriter, loc, inGroup, s.constant(rewriter, 2));

  // Accumulator (i, j) element v (of the 2x2 vector, row-major) is at row
  // g + 8 (v / 2), column 2 t + v % 2 of mma tile (i, j).
  Value zero = s.constant(rewriter, 0);
  auto accumulatorIndices = [&](OpBuilder &b, int64_t i, int64_t j, int64_t v) {
    Value row = s.add(b, warpRow, s.addConstant(b, group, kMmaM * i + 8 * (v / 2)));
    Value column = s.add(b, warpColumn, s.addConstant(b, pairColumn, kMmaN * j + v % 2));
    return s.indices(b, s.init, s.ivs(b, row, column, zero));
  };
  auto accType = VectorType::get({2, 2}, f32);
  SmallVector<Value> initial;
  for (int64_t i = 0; i < tm; ++i) {
    for (int64_t j = 0; j < tn; ++j) {
      SmallVector<Value> elements;
      for (int64_t v = 0; v < 4; ++v)
        elements.push_back(memref::LoadOp::create(rewriter, loc, s.init->get(),
                                                  accumulatorIndices(rewriter, i, j, v)));
      initial.push_back(vector::FromElementsOp::create(rewriter, loc, accType, elements));
    }
  }

  Value tile = s.constant(rewriter, kStagedTile);
  auto outer = scf::ForOp::create(
      rewriter, loc, zero, s.constant(rewriter, op.getStaticLoopRanges()[matmul.k]), tile, initial,
      [&](OpBuilder &b, Location loc, Value kt, ValueRange outerArgs) {
        s.stage(b, kt, blockM / kStagedTile, blockN / kStagedTile,
                half ? function_ref<Value(OpBuilder &, Value)>()
                     : [&](OpBuilder &b, Value v) { return roundToTf32(b, loc, v); });
        mlir::gpu::BarrierOp::create(b, loc);
        SmallVector<Value> acc = llvm::to_vector(outerArgs);
        for (int64_t ks = 0; ks < kStagedTile; ks += mmaK) {
          // Element (r, e) of A fragment i is A(g + 8 (r % 2), k(r / 2, e)),
          // of B fragment j B(k(r, e), g), where k(q, e) is t + 4 q for
          // TF32 (one value a register) and 2 t + e + 8 q for halves (two).
          auto kIndex = [&](int64_t q, int64_t e) {
            return s.addConstant(b, half ? pairColumn : inGroup, ks + e + (half ? 8 : 4) * q);
          };
          SmallVector<Value> aFragments, bFragments;
          for (int64_t i = 0; i < tm; ++i) {
            SmallVector<Value> elements;
            for (int64_t r = 0; r < 4; ++r) {
              for (int64_t e = 0; e < perRegister; ++e) {
                Value row = s.add(b, warpRow, s.addConstant(b, group, kMmaM * i + 8 * (r % 2)));
                elements.push_back(
                    memref::LoadOp::create(b, loc, s.rowTile, ValueRange{row, kIndex(r / 2, e)}));
              }
            }
            aFragments.push_back(vector::FromElementsOp::create(
                b, loc, VectorType::get({4, perRegister}, inputType), elements));
          }
          for (int64_t j = 0; j < tn; ++j) {
            SmallVector<Value> elements;
            for (int64_t r = 0; r < 2; ++r) {
              for (int64_t e = 0; e < perRegister; ++e) {
                Value column = s.add(b, warpColumn, s.addConstant(b, group, kMmaN * j));
                elements.push_back(
                    memref::LoadOp::create(b, loc, s.columnTile, ValueRange{kIndex(r, e), column}));
              }
            }
            bFragments.push_back(vector::FromElementsOp::create(
                b, loc, VectorType::get({2, perRegister}, inputType), elements));
          }
          for (int64_t i = 0; i < tm; ++i)
            for (int64_t j = 0; j < tn; ++j)
              acc[i * tn + j] = nvgpu::MmaSyncOp::create(
                  b, loc, aFragments[i], bFragments[j], acc[i * tn + j],
                  ArrayRef<int64_t>{kMmaM, kMmaN, mmaK}, /*tf32Enabled=*/!half);
        }
        mlir::gpu::BarrierOp::create(b, loc);
        scf::YieldOp::create(b, loc, acc);
      });
  for (int64_t i = 0; i < tm; ++i) {
    for (int64_t j = 0; j < tn; ++j) {
      for (int64_t v = 0; v < 4; ++v) {
        Value element = vector::ExtractOp::create(rewriter, loc, outer.getResult(i * tn + j),
                                                  ArrayRef<int64_t>{v / 2, v % 2});
        memref::StoreOp::create(rewriter, loc, element, s.init->get(),
                                accumulatorIndices(rewriter, i, j, v));
      }
    }
  }
  rewriter.eraseOp(op);
}

} // namespace

void buildStagedMatmul(RewriterBase &rewriter, linalg::LinalgOp op, const StagedMatmul &matmul) {
  if (matmul.mmaRows > 0)
    return buildTensorCoreMatmul(rewriter, op, matmul);
  const int64_t rows = matmul.rows, columns = matmul.columns;
  Skeleton s = buildSkeleton(rewriter, op, matmul, kStagedTile * rows, kStagedTile * columns,
                             kStagedTile, kStagedTile * columns);
  Location loc = s.loc;
  // This thread's row `i` and column `j` offsets in the block: ty + 16 i and
  // tx + 16 j.
  SmallVector<Value> rowOffsets, columnOffsets;
  for (int64_t i = 0; i < rows; ++i)
    rowOffsets.push_back(s.addConstant(rewriter, s.ty, kStagedTile * i));
  for (int64_t j = 0; j < columns; ++j)
    columnOffsets.push_back(s.addConstant(rewriter, s.tx, kStagedTile * j));
  Value zero = s.constant(rewriter, 0);
  SmallVector<SmallVector<Value>> outIndices;
  SmallVector<Value> initial;
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < columns; ++j) {
      outIndices.push_back(
          s.indices(rewriter, s.init, s.ivs(rewriter, rowOffsets[i], columnOffsets[j], zero)));
      initial.push_back(memref::LoadOp::create(rewriter, loc, s.init->get(), outIndices.back()));
    }
  }

  Value tile = s.constant(rewriter, kStagedTile);
  Block *body = op.getBlock();
  bool multiplyAdd = isFloatMultiplyAdd(op, s.rowInput, s.columnInput, s.init);
  auto outer = scf::ForOp::create(
      rewriter, loc, zero, s.constant(rewriter, op.getStaticLoopRanges()[matmul.k]), tile,
      initial, [&](OpBuilder &b, Location loc, Value kt, ValueRange outerArgs) {
        s.stage(b, kt, rows, columns, nullptr);
        mlir::gpu::BarrierOp::create(b, loc);
        auto inner = scf::ForOp::create(
            b, loc, zero, tile, s.constant(b, 1), outerArgs,
            [&](OpBuilder &b, Location loc, Value kk, ValueRange innerArgs) {
              SmallVector<Value> fromRows, fromColumns;
              for (int64_t i = 0; i < rows; ++i)
                fromRows.push_back(
                    memref::LoadOp::create(b, loc, s.rowTile, ValueRange{rowOffsets[i], kk}));
              for (int64_t j = 0; j < columns; ++j)
                fromColumns.push_back(memref::LoadOp::create(b, loc, s.columnTile,
                                                             ValueRange{kk, columnOffsets[j]}));
              Value k = s.add(b, kt, kk);
              SmallVector<Value> folded;
              for (int64_t i = 0; i < rows; ++i) {
                for (int64_t j = 0; j < columns; ++j) {
                  if (multiplyAdd) {
                    folded.push_back(math::FmaOp::create(b, loc, fromRows[i], fromColumns[j],
                                                         innerArgs[i * columns + j]));
                    continue;
                  }
                  SmallVector<Value> ivs;
                  IRMapping mapping;
                  mapping.map(op.getMatchingBlockArgument(s.rowInput), fromRows[i]);
                  mapping.map(op.getMatchingBlockArgument(s.columnInput), fromColumns[j]);
                  mapping.map(op.getMatchingBlockArgument(s.init), innerArgs[i * columns + j]);
                  for (Operation &bodyOp : body->without_terminator()) {
                    if (auto index = llvm::dyn_cast<linalg::IndexOp>(bodyOp)) {
                      if (ivs.empty())
                        ivs = s.ivs(b, rowOffsets[i], columnOffsets[j], k);
                      mapping.map(index.getResult(), ivs[index.getDim()]);
                      continue;
                    }
                    b.clone(bodyOp, mapping);
                  }
                  folded.push_back(mapping.lookup(body->getTerminator()->getOperand(0)));
                }
              }
              scf::YieldOp::create(b, loc, folded);
            });
        // Nobody overwrites the tiles before every thread has read them.
        mlir::gpu::BarrierOp::create(b, loc);
        scf::YieldOp::create(b, loc, inner.getResults());
      });
  for (auto [indices, result] : llvm::zip(outIndices, outer.getResults()))
    memref::StoreOp::create(rewriter, loc, result, s.init->get(), indices);
  rewriter.eraseOp(op);
}

} // namespace kiln::gpu

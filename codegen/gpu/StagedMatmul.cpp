//===- StagedMatmul.cpp - Matmuls through workgroup-memory tiles ----------===//
//
// Per block (tile rows bm, columns bn; thread t = 16 * ty + tx):
//
//   acc = C[m = 16 bm + ty, n = 16 bn + tx]
//   for kt = 0 to K step 16:
//     As[ty][tx] = A[m, kt + tx];  Bs[ty][tx] = B[kt + ty, n];  barrier
//     for kk = 0 to 16: acc = body(As[ty][kk], Bs[kk][tx], acc);  barrier
//   C[m, n] = acc
//
// The barriers are in a loop every thread runs with the same bounds.
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/StagedMatmul.h"

#include "codegen/gpu/Mapping.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace kiln::gpu {

std::optional<StagedMatmul> matchStagedMatmul(linalg::LinalgOp op) {
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
  return matmul;
}

void buildStagedMatmul(RewriterBase &rewriter, linalg::LinalgOp op, const StagedMatmul &matmul) {
  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto iterators = op.getIteratorTypesArray();
  OpOperand *rowInput = op.getDpsInputOperand(matmul.rowInput);
  OpOperand *columnInput = op.getDpsInputOperand(matmul.columnInput);
  OpOperand *init = op.getDpsInitOperand(0);
  auto workgroup = mlir::gpu::AddressSpaceAttr::get(ctx, mlir::gpu::AddressSpace::Workgroup);
  auto tileType = [&](OpOperand *operand) {
    return MemRefType::get({kStagedTile, kStagedTile}, getElementTypeOrSelf(operand->get()),
                           MemRefLayoutAttrInterface(), workgroup);
  };

  rewriter.setInsertionPoint(op);
  SmallVector<unsigned> parallelDims;
  SmallVector<OpFoldResult> blockCounts;
  for (auto [dim, iterator] : llvm::enumerate(iterators)) {
    if (iterator != utils::IteratorType::parallel)
      continue;
    parallelDims.push_back(dim);
    bool tiled = dim == matmul.m || dim == matmul.n;
    blockCounts.push_back(rewriter.getIndexAttr(tiled ? ranges[dim] / kStagedTile : ranges[dim]));
  }
  auto blockLoop = scf::ForallOp::create(rewriter, loc, blockCounts, ValueRange{},
                                         linearGpuMapping(ctx, blockCounts.size(), true));
  rewriter.setInsertionPoint(blockLoop.getBody()->getTerminator());
  SmallVector<Value> blockIvs = llvm::to_vector(blockLoop.getInductionVars());
  Value rowTile = memref::AllocOp::create(rewriter, loc, tileType(rowInput));
  Value columnTile = memref::AllocOp::create(rewriter, loc, tileType(columnInput));
  auto threadLoop = scf::ForallOp::create(
      rewriter, loc, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(kStagedTile * kStagedTile)},
      ValueRange{}, linearGpuMapping(ctx, 1, false));
  rewriter.setInsertionPoint(threadLoop.getBody()->getTerminator());
  Value tid = threadLoop.getInductionVars()[0];

  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value tile = arith::ConstantIndexOp::create(rewriter, loc, kStagedTile);
  Value ty = arith::DivUIOp::create(rewriter, loc, tid, tile);
  Value tx = arith::RemUIOp::create(rewriter, loc, tid, tile);
  // The loop indices of this thread's output element, k still to be set.
  SmallVector<Value> ivs(ranges.size(), zero);
  for (auto [i, dim] : llvm::enumerate(parallelDims)) {
    ivs[dim] = blockIvs[i];
    if (dim == matmul.m || dim == matmul.n) {
      Value base = arith::MulIOp::create(rewriter, loc, blockIvs[i], tile);
      ivs[dim] = arith::AddIOp::create(rewriter, loc, base, dim == matmul.m ? ty : tx);
    }
  }
  AffineMap outMap = op.getMatchingIndexingMap(init);
  SmallVector<Value> outIndices = applyIndexingMap(rewriter, loc, outMap, ivs);
  Value initial = memref::LoadOp::create(rewriter, loc, init->get(), outIndices);

  Value size = arith::ConstantIndexOp::create(rewriter, loc, ranges[matmul.k]);
  Block *body = op.getBlock();
  auto outer = scf::ForOp::create(
      rewriter, loc, zero, size, tile, ValueRange{initial},
      [&](OpBuilder &b, Location loc, Value kt, ValueRange outerArgs) {
        // This thread's element of each tile: the row input at (m, kt + tx),
        // the column input at (kt + ty, n).
        SmallVector<Value> rowIvs = ivs, columnIvs = ivs;
        rowIvs[matmul.k] = arith::AddIOp::create(b, loc, kt, tx);
        columnIvs[matmul.k] = arith::AddIOp::create(b, loc, kt, ty);
        Value a = memref::LoadOp::create(
            b, loc, rowInput->get(),
            applyIndexingMap(b, loc, op.getMatchingIndexingMap(rowInput), rowIvs));
        memref::StoreOp::create(b, loc, a, rowTile, ValueRange{ty, tx});
        Value c = memref::LoadOp::create(
            b, loc, columnInput->get(),
            applyIndexingMap(b, loc, op.getMatchingIndexingMap(columnInput), columnIvs));
        memref::StoreOp::create(b, loc, c, columnTile, ValueRange{ty, tx});
        mlir::gpu::BarrierOp::create(b, loc);
        Value one = arith::ConstantIndexOp::create(b, loc, 1);
        auto inner = scf::ForOp::create(
            b, loc, zero, tile, one, ValueRange{outerArgs[0]},
            [&](OpBuilder &b, Location loc, Value kk, ValueRange innerArgs) {
              SmallVector<Value> loopIvs = ivs;
              loopIvs[matmul.k] = arith::AddIOp::create(b, loc, kt, kk);
              IRMapping mapping;
              mapping.map(op.getMatchingBlockArgument(rowInput),
                          memref::LoadOp::create(b, loc, rowTile, ValueRange{ty, kk}));
              mapping.map(op.getMatchingBlockArgument(columnInput),
                          memref::LoadOp::create(b, loc, columnTile, ValueRange{kk, tx}));
              mapping.map(op.getMatchingBlockArgument(init), innerArgs[0]);
              for (Operation &bodyOp : body->without_terminator()) {
                if (auto index = llvm::dyn_cast<linalg::IndexOp>(bodyOp)) {
                  mapping.map(index.getResult(), loopIvs[index.getDim()]);
                  continue;
                }
                b.clone(bodyOp, mapping);
              }
              scf::YieldOp::create(b, loc,
                                   mapping.lookup(body->getTerminator()->getOperand(0)));
            });
        // Nobody overwrites the tiles before every thread has read them.
        mlir::gpu::BarrierOp::create(b, loc);
        scf::YieldOp::create(b, loc, inner.getResult(0));
      });
  memref::StoreOp::create(rewriter, loc, outer.getResult(0), init->get(), outIndices);
  rewriter.eraseOp(op);
}

} // namespace kiln::gpu

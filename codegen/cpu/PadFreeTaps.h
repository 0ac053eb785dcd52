//===- PadFreeTaps.h - Window taps read around their padding ----*- C++ -*-===//
//
// A depthwise convolution reaches the CPU code generator as an elementwise
// sum of window taps, each a strided slice of the padded input (see
// convert-graph-to-linalg). The padded input is a fill of the whole padded
// tensor and a copy of the input into its interior: two passes over a
// tensor that rarely fits in cache, and a buffer of its own. These helpers
// let the register tiles of such a sum (one output row each, or
// a whole small plane) read their
// taps from the unpadded input instead, one masked load per tap whose
// lanes in the padding (left or right of the input row, or the whole row
// above or below the input) take the pad value, so that the padded tensor
// is never made.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CPU_PADFREETAPS_H
#define KILN_CODEGEN_CPU_PADFREETAPS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln::cpu {

/// A decomposed pad, tensor.insert_slice(input into fill(value)), of the
/// rows and columns of an NCHW tensor.
struct TapPad {
  mlir::tensor::InsertSliceOp insert;
  /// The scalar the padding is filled with.
  mlir::Value value;
};

/// The top-level pads of `func` that only window taps read, through slices
/// that elementwise ops take in register tiles along the output rows: those
/// readTapsAroundPads can remove. They are to be left as they are until then.
llvm::SmallVector<TapPad> findPadsReadByTaps(mlir::func::FuncOp func);

/// Splits `op`, a thread tile of a sum of taps of `pads`, so that in each
/// piece every tap's rows lie wholly inside the pad's input or wholly in
/// its padding, and its columns start at a known column: the output rows
/// whose windows reach into the padding each alone, the others in a
/// multiple of a register tile's rows and the rest, and each of those one
/// register tile wide. A small plane (see tapRegisterTiles) is not split. Returns the pieces, to be
/// register-tiled (`op` alone when it reads no such pad).
llvm::SmallVector<mlir::linalg::LinalgOp> splitAtPadBorders(mlir::RewriterBase &rewriter,
                                                            mlir::linalg::LinalgOp op,
                                                            llvm::ArrayRef<TapPad> pads);

/// Register tile sizes for a sum of taps, and whether the loop over their
/// rows is to be unrolled.
struct TapTiles {
  llvm::SmallVector<int64_t> sizes;
  bool unrollRows = false;
};

/// Register tiles for `op`, (a piece of) a thread tile of a sum of taps of
/// `pads` (splitAtPadBorders' pieces), larger than the one output row
/// planTiling gives: a whole small output plane (rows narrower than a vector
/// register, at most 256 outputs: a depthwise convolution at 7x7 or 14x14,
/// as tile sizes {1, 1, 0, 0}, rows and columns untiled; `whole`: `op` is a
/// whole thread tile, not one of splitAtPadBorders' pieces), or several rows
/// of one register tile's columns. The rows of a tile share their loads of
/// the input rows their windows overlap on and each weight's broadcast, and
/// a plane needs no pieces at its borders. A plane whose accumulators would
/// crowd the target's vector registers is tiled in a few rows at a time
/// instead, with `unrollRows`: unrolled, the tiles' row offsets are
/// constants again and the next tile takes the input rows it shares from
/// registers. readTapsAroundPads then reads the taps row by row.
/// std::nullopt for other ops.
std::optional<TapTiles> tapRegisterTiles(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op,
                                         llvm::ArrayRef<TapPad> pads, bool whole);

/// After register tiling: every register tile that reads (part of) output
/// rows of a tap of one of `pads` reads them from the pad's input
/// instead (a masked load; the lanes outside the input take the pad value).
/// Pads left without readers are erased, with their fills.
void readTapsAroundPads(mlir::func::FuncOp func, llvm::ArrayRef<TapPad> pads);

} // namespace kiln::cpu

#endif // KILN_CODEGEN_CPU_PADFREETAPS_H

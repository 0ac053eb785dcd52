//===- PaddedInteriors.h - Values written into a padded buffer's interior -===//
//
// A pad is a fill of the padded tensor and an insertion of the value into
// its interior. Where the value is computed into a tensor.empty, possibly
// through reshapes (a channel-major convolution's [filter blocks, filters,
// rows, pixel blocks, pixels] product seen as NCHW), its producer can write
// the interior in place and the insertion copies nothing.
// kiln-tile-and-vectorize (which then fills the border only) and
// kiln-bufferize (which makes the producer write the interior) decide it
// with the same test.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_DISPATCH_PADDEDINTERIORS_H
#define KILN_PASSES_DISPATCH_PADDEDINTERIORS_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace kiln::dispatch {

/// The value `v` is a reshape of, through collapse_shape and expand_shape
/// ops whose sources have no other use; `v` itself when it is no reshape.
/// `reshapes` gets the reshapes, the one that gives `v` first.
mlir::Value beforeReshapes(mlir::Value v, llvm::SmallVectorImpl<mlir::Operation *> &reshapes);

/// Whether the interior that `insert` writes, a strided view of the padded
/// buffer (static shapes and offsets, unit strides), can be reshaped back
/// through each of `reshapes` (from beforeReshapes on its source) undone
/// without a copy: the dimensions each undone expand_shape collapses must be
/// contiguous there. A 1x1 convolution's flat [F, OH*OW] product cannot be
/// written into a padded interior, whose rows are not contiguous.
bool interiorReshapesInPlace(mlir::tensor::InsertSliceOp insert,
                             llvm::ArrayRef<mlir::Operation *> reshapes);

} // namespace kiln::dispatch

#endif // KILN_PASSES_DISPATCH_PADDEDINTERIORS_H

//===- GroupedConvolution.h - The graph lowering's grouped convolutions ---===//
//
// The graph lowering builds a grouped 2-D convolution (ONNX Conv or
// ConvTranspose with group > 1, other than a depthwise one of one filter a
// channel) as one linalg.generic over (n, g, f, oh, ow, c, kh, kw) of views
// that split the channels into groups: input [N, G, C, H, W], weight [G, F,
// C, KH, KW] and accumulator [N, G, F, OH, OW], C and F a group's channels,
// its body a multiply-add on (input, weight, out). Each code generator
// picks its form from there: the CPU's runs a group's convolution as a
// named one where its reduction is long (kiln-split-grouped-convs), the
// GPU's the groups' products as one product with the group as a batch
// loop (kiln-gpu-conv-to-staged-matmul).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_DISPATCH_GROUPEDCONVOLUTION_H
#define KILN_PASSES_DISPATCH_GROUPEDCONVOLUTION_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace kiln::dispatch {

/// The operands and window of a grouped convolution in the graph lowering's
/// form (see above).
struct GroupedConvolution {
  mlir::Value input, weight, init;
  llvm::SmallVector<int64_t, 2> strides, dilations;
};

/// The reassociation between a tensor of rank `rank` and its view with axis
/// `at` split into (groups, channels a group), the other axes kept: how the
/// graph lowering's views split the channels.
llvm::SmallVector<mlir::ReassociationIndices> groupSplit(int64_t rank, int64_t at);

/// `op` as a grouped convolution, if it is one in the graph lowering's form:
/// exactly its indexing maps (any strides and dilations of at least 1),
/// iterators and multiply-add body (its operands extended to the
/// accumulator's type or not).
std::optional<GroupedConvolution> matchGroupedConvolution(mlir::linalg::LinalgOp op);

} // namespace kiln::dispatch

#endif // KILN_PASSES_DISPATCH_GROUPEDCONVOLUTION_H

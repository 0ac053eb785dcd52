//===- SiblingProducts.h - Products of one input as one product -*- C++ -*-===//
//
// An attention's queries, keys and values are three products of one input
// by three constant weights, each usually followed by its bias, then split
// into heads. On the GPU each was a staged kernel of its own: at BERT-base's
// size (128 x 768 x 768) each has enough blocks that no two share a launch.
// GPT-2 writes them as one product by the weights side by side (c_attn) and
// slices its result. This does the same for products written apart:
//
//   y_i = consumer(x W_i, b_i)  for i < n   becomes
//   y   = consumer(x [W_0 ... W_n-1], [b_0 ... b_n-1]),  y_i = y[:, off_i : off_i + N_i]
//
// The slices are views: the products that read the heads read them in
// place (kiln-gpu-conv-to-staged-matmul), and a slice costs nothing after
// bufferization. Each output keeps its own arithmetic and k order (unless
// the wider product is cut along k otherwise: SplitProduct.h). A product
// whose reader is of another form stays apart: behind a slice, its reader
// could no longer be taken into its kernel.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_GPU_SIBLINGPRODUCTS_H
#define KILN_CODEGEN_GPU_SIBLINGPRODUCTS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln::gpu {

/// On tensors: merges the linalg.matmul ops of `func`'s body (2-D, static
/// shapes, signed) that read one input A by constant weights [K, N_i] and
/// start from fills of one value, each read only by an elementwise
/// consumer, all of one body, that reads the product at its own elements
/// and otherwise only constant vectors along n (a bias), does not read its
/// loop indices and uses only constants from above, into one product by
/// the weights side by side and one consumer over the biases joined; the
/// consumers' results become slices of its result. Returns the number of
/// products removed.
int64_t mergeSiblingProducts(mlir::RewriterBase &rewriter, mlir::func::FuncOp func);

} // namespace kiln::gpu

#endif // KILN_CODEGEN_GPU_SIBLINGPRODUCTS_H

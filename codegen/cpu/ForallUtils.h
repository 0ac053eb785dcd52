//===- ForallUtils.h - Running an scf.forall as a linear range --*- C++ -*-===//
//
// Both the CPU thread pool and GPU launches run the iterations of an
// scf.forall as one linear range [0, total); these helpers compute it and
// recover the loop indices from a linear iteration number.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CPU_FORALLUTILS_H
#define KILN_CODEGEN_CPU_FORALLUTILS_H

#include "mlir/Dialect/SCF/IR/SCF.h"

namespace kiln::cpu {

struct StaticForallBounds {
  llvm::SmallVector<int64_t> lowerBounds, steps, counts;
  int64_t total = 1; // product of counts
};

/// The bounds of `loop`, or failure if any is not a constant.
mlir::FailureOr<StaticForallBounds> getStaticBounds(mlir::scf::ForallOp loop);

/// The loop indices for iteration number `linear` (innermost dimension
/// fastest): lb + ((linear / stride) mod count) * step per dimension.
llvm::SmallVector<mlir::Value> delinearizeIteration(mlir::OpBuilder &b, mlir::Location loc,
                                                    mlir::Value linear,
                                                    const StaticForallBounds &bounds);

} // namespace kiln::cpu

#endif // KILN_CODEGEN_CPU_FORALLUTILS_H

//===- ForallUtils.h - Running an scf.forall as a linear range --*- C++ -*-===//
//
// Both the CPU thread pool and GPU launches run the iterations of an
// scf.forall as one linear range [0, total); these helpers compute it and
// recover the loop indices from a linear iteration number. With them: the
// mark for loops run from the back at one thread (kDescendingAttr), and
// whether an index is computed from a loop's induction variable
// (derivesFrom), which the passes that look at outlined loops share.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CPU_FORALLUTILS_H
#define KILN_CODEGEN_CPU_FORALLUTILS_H

#include "mlir/Dialect/SCF/IR/SCF.h"

namespace kiln::cpu {

/// Marks an scf.forall, and scf.for loops inside it, to run last to first
/// when one call of the outlined task is handed all of the forall's
/// iterations (one thread): kiln-outline-parallel-loops reverses them then,
/// and keeps the order otherwise. kiln-alternate-panel-order sets it on the
/// forall and the panel loop of every second one-row product of the same
/// weights.
inline constexpr llvm::StringLiteral kDescendingAttr = "kiln.descending";

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

/// How many side-effect-free ops deep derivesFrom follows an index's
/// computation (the outlined tasks rebuild a forall's induction variables
/// from their task loop's through a divide, a remainder, a multiply and an
/// add; a descending task's adds a subtraction and a select, 5 deep for a
/// one-row product's panel index).
inline constexpr int kIndexDerivationDepth = 6;

/// Whether `index` is the induction variable `iv` or computed from it by
/// side-effect-free ops without regions, up to `depth` ops deep.
bool derivesFrom(mlir::Value index, mlir::Value iv, int depth = kIndexDerivationDepth);

} // namespace kiln::cpu

#endif // KILN_CODEGEN_CPU_FORALLUTILS_H

//===- PaddedInteriors.cpp - Values written into a padded buffer's interior ===//

#include "passes/dispatch/PaddedInteriors.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace kiln::dispatch {

Value beforeReshapes(Value v, SmallVectorImpl<Operation *> &reshapes) {
  while (Operation *def = v.getDefiningOp()) {
    if (!llvm::isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(def) ||
        !def->getOperand(0).hasOneUse())
      break;
    reshapes.push_back(def);
    v = def->getOperand(0);
  }
  return v;
}

bool interiorReshapesInPlace(tensor::InsertSliceOp insert, ArrayRef<Operation *> reshapes) {
  RankedTensorType padded = insert.getDestType(), interior = insert.getSourceType();
  if (!padded.hasStaticShape() || !interior.hasStaticShape() ||
      padded.getRank() != interior.getRank() || !insert.hasUnitStride() ||
      llvm::any_of(insert.getStaticOffsets(), ShapedType::isDynamic))
    return false;
  SmallVector<int64_t> strides(padded.getRank(), 1);
  for (int64_t d = padded.getRank() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * padded.getDimSize(d + 1);
  int64_t offset = 0;
  for (auto [o, stride] : llvm::zip(insert.getStaticOffsets(), strides))
    offset += o * stride;
  MemRefType view =
      MemRefType::get(interior.getShape(), interior.getElementType(),
                      StridedLayoutAttr::get(insert.getContext(), offset, strides));
  for (Operation *reshape : reshapes) {
    if (auto expand = llvm::dyn_cast<tensor::ExpandShapeOp>(reshape)) {
      SmallVector<ReassociationIndices> groups = expand.getReassociationIndices();
      if (!memref::CollapseShapeOp::isGuaranteedCollapsible(view, groups))
        return false;
      view = memref::CollapseShapeOp::computeCollapsedType(view, groups);
      continue;
    }
    auto sourceType = llvm::cast<RankedTensorType>(reshape->getOperand(0).getType());
    FailureOr<MemRefType> expanded = memref::ExpandShapeOp::computeExpandedType(
        view, sourceType.getShape(),
        llvm::cast<tensor::CollapseShapeOp>(reshape).getReassociationIndices());
    if (failed(expanded))
      return false;
    view = *expanded;
  }
  return true;
}

} // namespace kiln::dispatch

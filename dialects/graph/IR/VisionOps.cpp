//===- VisionOps.cpp - Type inference of sampling and image ops -----------===//
//
// Inference (which is also verification) for the ops of GraphVisionOps.td.
// Sizes that are still dynamic are accepted and stay dynamic; every check
// that needs a size runs once it is known.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/IR/GraphOps.h"

using namespace mlir;
using namespace kiln::graph;

static bool known(int64_t size) { return !ShapedType::isDynamic(size); }

//===----------------------------------------------------------------------===//
// kiln.grid_sample
//===----------------------------------------------------------------------===//

LogicalResult GridSampleOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  auto grid = llvm::cast<RankedTensorType>(adaptor.getGrid().getType());
  int64_t rank = input.getRank();
  if (rank < 3)
    return emitOptionalError(loc, "grid_sample input must have rank >= 3 (N x C x ...), got ",
                             formatShape(input.getShape()));
  int64_t spatial = rank - 2;
  if (grid.getRank() != rank)
    return emitOptionalError(loc, "grid must have rank ", rank, " (N x spatial... x ", spatial,
                             "), got ", formatShape(grid.getShape()));
  if (known(grid.getDimSize(rank - 1)) && grid.getDimSize(rank - 1) != spatial)
    return emitOptionalError(loc, "the grid's last axis must hold ", spatial,
                             " coordinates, got ", grid.getDimSize(rank - 1));
  if (known(input.getDimSize(0)) && known(grid.getDimSize(0)) &&
      input.getDimSize(0) != grid.getDimSize(0))
    return emitOptionalError(loc, "input batch ", input.getDimSize(0),
                             " differs from grid batch ", grid.getDimSize(0));
  if (adaptor.getMode() != SampleMode::nearest && !llvm::isa<FloatType>(input.getElementType()))
    return emitOptionalError(loc, stringifySampleMode(adaptor.getMode()),
                             " grid sampling interpolates floats, not ", input.getElementType());
  if (adaptor.getMode() == SampleMode::cubic && spatial != 2)
    return emitOptionalError(loc, "cubic grid sampling needs 2 spatial axes, got ", spatial);
  SmallVector<int64_t> shape = {known(input.getDimSize(0)) ? input.getDimSize(0)
                                                           : grid.getDimSize(0),
                                input.getDimSize(1)};
  for (int64_t i = 0; i < spatial; ++i)
    shape.push_back(grid.getDimSize(1 + i));
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// kiln.roi_align
//===----------------------------------------------------------------------===//

LogicalResult RoiAlignOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                           Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  auto rois = llvm::cast<RankedTensorType>(adaptor.getRois().getType());
  auto indices = llvm::cast<RankedTensorType>(adaptor.getBatchIndices().getType());
  if (input.getRank() != 4)
    return emitOptionalError(loc, "roi_align input must be N x C x H x W, got ",
                             formatShape(input.getShape()));
  if (rois.getRank() != 2 || (known(rois.getDimSize(1)) && rois.getDimSize(1) != 4))
    return emitOptionalError(loc, "rois must be R x 4, got ", formatShape(rois.getShape()));
  if (rois.getElementType() != input.getElementType())
    return emitOptionalError(loc, "rois must have the input's element type ",
                             input.getElementType());
  if (indices.getRank() != 1)
    return emitOptionalError(loc, "batch_indices must be 1-D, got ",
                             formatShape(indices.getShape()));
  int64_t numRois = rois.getDimSize(0);
  if (known(numRois) && known(indices.getDimSize(0)) && numRois != indices.getDimSize(0))
    return emitOptionalError(loc, "rois hold ", numRois, " regions but batch_indices ",
                             indices.getDimSize(0));
  if (!known(numRois))
    numRois = indices.getDimSize(0);
  // I64Attr getters are unsigned; the attributes' stored values are not.
  int64_t height = adaptor.getOutputHeightAttr().getInt();
  int64_t width = adaptor.getOutputWidthAttr().getInt();
  for (auto [name, value] :
       {std::pair<StringRef, int64_t>{"output_height", height},
        {"output_width", width},
        {"sampling_height", adaptor.getSamplingHeightAttr().getInt()},
        {"sampling_width", adaptor.getSamplingWidthAttr().getInt()}})
    if (value <= 0)
      return emitOptionalError(loc, name, " must be positive, got ", value);
  types.push_back(RankedTensorType::get(
      {numRois, input.getDimSize(1), height, width},
      input.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// kiln.col2im
//===----------------------------------------------------------------------===//

LogicalResult Col2ImOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  ArrayRef<int64_t> image = adaptor.getImageShape(), block = adaptor.getBlockShape();
  size_t spatial = image.size();
  if (input.getRank() != 3)
    return emitOptionalError(loc, "col2im input must be N x (C * block) x L, got ",
                             formatShape(input.getShape()));
  if (spatial == 0 || block.size() != spatial || adaptor.getStrides().size() != spatial ||
      adaptor.getDilations().size() != spatial || adaptor.getPads().size() != 2 * spatial)
    return emitOptionalError(loc, "col2im needs one image size, block size, stride and "
                                  "dilation and two pads per spatial axis");
  int64_t blockSize = 1, positions = 1;
  for (size_t i = 0; i < spatial; ++i) {
    int64_t stride = adaptor.getStrides()[i], dilation = adaptor.getDilations()[i];
    if (image[i] <= 0 || block[i] <= 0 || stride <= 0 || dilation <= 0 ||
        adaptor.getPads()[i] < 0 || adaptor.getPads()[spatial + i] < 0)
      return emitOptionalError(loc, "col2im sizes, strides and dilations must be positive "
                                    "and pads not negative");
    int64_t extent = (block[i] - 1) * dilation + 1;
    int64_t padded = image[i] + adaptor.getPads()[i] + adaptor.getPads()[spatial + i];
    if (padded < extent)
      return emitOptionalError(loc, "block extent ", extent, " exceeds padded image size ",
                               padded, " on spatial axis ", i);
    blockSize *= block[i];
    positions *= (padded - extent) / stride + 1;
  }
  int64_t columns = input.getDimSize(1);
  if (known(columns) && columns % blockSize != 0)
    return emitOptionalError(loc, "input axis 1 (", columns,
                             ") is not a multiple of the block size ", blockSize);
  if (known(input.getDimSize(2)) && input.getDimSize(2) != positions)
    return emitOptionalError(loc, "input has ", input.getDimSize(2), " block positions but ",
                             positions, " fit the padded image");
  SmallVector<int64_t> shape = {input.getDimSize(0),
                                known(columns) ? columns / blockSize : ShapedType::kDynamic};
  shape.append(image.begin(), image.end());
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// kiln.det
//===----------------------------------------------------------------------===//

LogicalResult DetOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t rank = input.getRank();
  if (rank < 2)
    return emitOptionalError(loc, "det input must have rank >= 2, got ",
                             formatShape(input.getShape()));
  int64_t rows = input.getDimSize(rank - 2), cols = input.getDimSize(rank - 1);
  if (known(rows) && known(cols) && rows != cols)
    return emitOptionalError(loc, "det needs square matrices, got ",
                             formatShape(input.getShape()));
  types.push_back(
      RankedTensorType::get(input.getShape().drop_back(2), input.getElementType()));
  return success();
}

//===- OnnxLocation.cpp - Locations of ONNX nodes and tensors -------------===//

#include "frontend/onnx/OnnxLocation.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

Location kiln::frontend::getOnnxNodeLoc(MLIRContext *context,
                                        StringRef modelPath, StringRef name,
                                        StringRef opType, size_t index) {
  Location line =
      FileLineColLoc::get(context, modelPath, static_cast<unsigned>(index + 1),
                          /*column=*/0);
  Location fused =
      FusedLoc::get({line}, StringAttr::get(context, opType), context);
  return NameLoc::get(StringAttr::get(context, name), fused);
}

/// The first file location inside `loc`, if any.
static FileLineColLoc findFileLoc(Location loc) {
  if (auto file = llvm::dyn_cast<FileLineColLoc>(loc))
    return file;
  if (auto fused = llvm::dyn_cast<FusedLoc>(loc)) {
    for (Location part : fused.getLocations())
      if (FileLineColLoc file = findFileLoc(part))
        return file;
  }
  if (auto name = llvm::dyn_cast<NameLoc>(loc))
    return findFileLoc(name.getChildLoc());
  if (auto callSite = llvm::dyn_cast<CallSiteLoc>(loc))
    return findFileLoc(callSite.getCaller());
  return {};
}

Location kiln::frontend::getOnnxInnerNodeLoc(StringRef name, StringRef opType,
                                             Location caller) {
  MLIRContext *context = caller.getContext();
  SmallVector<Location, 1> parts;
  if (FileLineColLoc file = findFileLoc(caller))
    parts.push_back(file);
  Location fused =
      FusedLoc::get(parts, StringAttr::get(context, opType), context);
  Location node = NameLoc::get(StringAttr::get(context, name), fused);
  return CallSiteLoc::get(node, caller);
}

Location kiln::frontend::getOnnxTensorLoc(MLIRContext *context,
                                          StringRef modelPath,
                                          StringRef name) {
  return NameLoc::get(StringAttr::get(context, name),
                      getOnnxModelLoc(context, modelPath));
}

Location kiln::frontend::getOnnxModelLoc(MLIRContext *context,
                                         StringRef modelPath) {
  return FileLineColLoc::get(context, modelPath, /*line=*/0, /*column=*/0);
}

/// The file of the first file location inside `loc`, if any.
static std::optional<StringRef> findFile(Location loc) {
  if (auto file = llvm::dyn_cast<FileLineColLoc>(loc))
    return file.getFilename().getValue();
  if (auto fused = llvm::dyn_cast<FusedLoc>(loc)) {
    for (Location part : fused.getLocations())
      if (std::optional<StringRef> file = findFile(part))
        return file;
  }
  return std::nullopt;
}

/// `file: what`, or `what` alone when there is no file.
static std::string withFile(std::optional<StringRef> file,
                            const std::string &what) {
  if (!file)
    return what;
  return (*file + ": " + what).str();
}

std::string kiln::frontend::describeLocation(Location loc) {
  std::string result;
  llvm::raw_string_ostream os(result);

  if (auto file = llvm::dyn_cast<FileLineColLoc>(loc)) {
    os << file.getFilename().getValue();
    if (file.getLine() != 0) {
      os << ":" << file.getLine();
      if (file.getColumn() != 0)
        os << ":" << file.getColumn();
    }
    return result;
  }

  if (auto name = llvm::dyn_cast<NameLoc>(loc)) {
    StringRef nameStr = name.getName().getValue();
    Location child = name.getChildLoc();
    // A node: the fused child carries the op type.
    if (auto node = llvm::dyn_cast<FusedLocWith<StringAttr>>(child)) {
      os << "node '" << nameStr << "' (" << node.getMetadata().getValue()
         << ")";
      return withFile(findFile(node), result);
    }
    // A graph tensor: the child is the model file itself.
    if (auto file = llvm::dyn_cast<FileLineColLoc>(child);
        file && file.getLine() == 0) {
      os << "tensor '" << nameStr << "'";
      return withFile(file.getFilename().getValue(), result);
    }
    std::string where = describeLocation(child);
    os << "'" << nameStr << "'";
    return where.empty() ? result : where + ": " + result;
  }

  if (auto node = llvm::dyn_cast<FusedLocWith<StringAttr>>(loc)) {
    // A node location without its name: name the node by its index.
    ArrayRef<Location> parts = node.getLocations();
    auto line = parts.empty() ? FileLineColLoc()
                              : llvm::dyn_cast<FileLineColLoc>(parts.front());
    if (line && line.getLine() > 0) {
      os << "node #" << (line.getLine() - 1) << " ("
         << node.getMetadata().getValue() << ")";
      return withFile(line.getFilename().getValue(), result);
    }
  }

  if (auto fused = llvm::dyn_cast<FusedLoc>(loc)) {
    for (Location part : fused.getLocations()) {
      std::string described = describeLocation(part);
      if (!described.empty())
        return described;
    }
    return result;
  }

  if (auto callSite = llvm::dyn_cast<CallSiteLoc>(loc)) {
    // An expanded node: the caller, then the body node without its file.
    std::string caller = describeLocation(callSite.getCaller());
    auto name = llvm::dyn_cast<NameLoc>(callSite.getCallee());
    auto node = name ? llvm::dyn_cast<FusedLocWith<StringAttr>>(name.getChildLoc())
                     : FusedLocWith<StringAttr>();
    if (!node || caller.empty())
      return describeLocation(callSite.getCallee());
    os << caller << " / '" << name.getName().getValue() << "' ("
       << node.getMetadata().getValue() << ")";
    return result;
  }

  if (auto opaque = llvm::dyn_cast<OpaqueLoc>(loc))
    return describeLocation(opaque.getFallbackLocation());

  return result;
}

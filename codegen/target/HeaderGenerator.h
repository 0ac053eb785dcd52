//===- HeaderGenerator.h - The C header shipped with a model ----*- C++ -*-===//
//
// kilnc writes NAME.h next to libNAME.a. The header is the product's
// documentation: it explains how to call the model, lists its tensors, and
// declares the functions emitIntrospection defines in the library.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_TARGET_HEADERGENERATOR_H
#define KILN_CODEGEN_TARGET_HEADERGENERATOR_H

#include "codegen/target/ModelSignature.h"

#include "llvm/ADT/StringRef.h"

#include <string>

namespace kiln::target {

/// The text of NAME.h for `sig`. Deterministic: the same signature gives the
/// same bytes. `sig.name` must satisfy isValidCIdentifier.
std::string generateHeader(const ModelSignature &sig);

/// Whether `name` can prefix a model's C symbols: an identifier that is not a
/// C keyword and does not start with an underscore (reserved at file scope).
bool isValidCIdentifier(llvm::StringRef name);

/// Turns an arbitrary string (typically a file stem such as "resnet-50") into
/// a name accepted by isValidCIdentifier ("resnet_50"): other characters
/// become '_', runs of '_' collapse, leading and trailing '_' go, a leading
/// digit gets a "model_" prefix and a keyword a '_' suffix; an empty result
/// becomes "model".
std::string sanitizeCIdentifier(llvm::StringRef name);

/// `text` as a C string literal, quotes included. Every byte round-trips
/// (non-printable and non-ASCII bytes become three-digit octal escapes), and
/// the result is also safe inside a /* */ comment: it never contains "*/"
/// and never forms a trigraph.
std::string quoteCString(llvm::StringRef text);

} // namespace kiln::target

#endif // KILN_CODEGEN_TARGET_HEADERGENERATOR_H

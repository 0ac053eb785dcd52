//===- ArchiveWriter.h - Writing a model's output files ---------*- C++ -*-===//
//
// kilnc's outputs (libNAME.a, NAME.h) are written atomically: into a
// temporary file next to the destination, renamed over it only once complete.
// A failed or interrupted compile never leaves a truncated library behind
// for a build system to pick up.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_TARGET_ARCHIVEWRITER_H
#define KILN_CODEGEN_TARGET_ARCHIVEWRITER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace kiln::target {

/// One file inside a static library: typically an object file.
struct ArchiveMember {
  llvm::StringRef name;  // e.g. "net.o"; no '/', unique within the archive
  llvm::StringRef bytes; // the file's contents
};

/// Writes `members` to `path` as a GNU `ar` archive with a symbol table, the
/// format the system linker reads for `-lNAME`. Deterministic: timestamps,
/// owner and group are zero and the mode is 0644, so the same members give
/// the same bytes. Atomic: on error `path` is left as it was.
llvm::Error writeStaticLibrary(llvm::StringRef path,
                               llvm::ArrayRef<ArchiveMember> members);

/// Writes `contents` to `path` atomically, like writeStaticLibrary.
llvm::Error writeFileAtomically(llvm::StringRef path, llvm::StringRef contents);

} // namespace kiln::target

#endif // KILN_CODEGEN_TARGET_ARCHIVEWRITER_H

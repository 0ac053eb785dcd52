//===- RuntimeBitcode.h - The C runtime as LLVM bitcode -------*- C++ -*-===//
//
// The runtime (runtime/src/*.c) compiled to LLVM bitcode per target
// architecture at Kiln's build time and embedded in the compiler. The code
// generator links it into each model's module, keeps only what the model
// calls and internalizes it: every generated library carries its own copy and
// depends on nothing beyond libc and libpthread.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_RUNTIMEBITCODE_H
#define KILN_RUNTIME_RUNTIMEBITCODE_H

#include "llvm/ADT/StringRef.h"

namespace kiln::runtime {

/// The runtime as LLVM bitcode for `arch` ("x86_64" or "aarch64"); empty if
/// not built for it. The bytes live for the whole program.
llvm::StringRef getRuntimeBitcode(llvm::StringRef arch);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_RUNTIMEBITCODE_H

//===- ObjectEmitter.h - From LLVM IR to a model's machine code -*- C++ -*-===//
//
// The last steps of kilnc: make the translated compute module a complete
// model (runtime linked in, public C functions added, everything else
// internal), optimize it for the target, and emit an object file or
// assembly.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_TARGET_OBJECTEMITTER_H
#define KILN_CODEGEN_TARGET_OBJECTEMITTER_H

#include "codegen/target/ModelSignature.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>

namespace llvm {
class Module;
} // namespace llvm

namespace kiln::target {

struct TargetOptions {
  std::string triple;   // empty: the host
  std::string cpu;      // empty: the host CPU for the host triple, else generic
  std::string features; // empty: the host CPU's features for the host triple
  unsigned optLevel = 3;
};

/// The host CPU's features as a target feature string ("+avx2,-avx512f,..."),
/// what host builds use when no features are given.
std::string hostFeatureString();

/// The triples kilnc generates code for.
bool isSupportedTriple(llvm::StringRef triple);

/// A position-independent target machine for `options` (so the library links
/// into executables and shared objects alike).
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const TargetOptions &options);

/// Links the runtime's bitcode for the target into `module`, adds the public
/// NAME_* functions of `sig`, internalizes every other symbol, and runs
/// LLVM's optimization pipeline at `optLevel`.
llvm::Error finalizeModelModule(llvm::Module &module, const ModelSignature &sig,
                                llvm::TargetMachine &machine, unsigned optLevel);

/// Machine code for `module`: an ELF object, or assembly text.
llvm::Expected<llvm::SmallString<0>>
emitMachineCode(llvm::Module &module, llvm::TargetMachine &machine, bool assembly);

} // namespace kiln::target

#endif // KILN_CODEGEN_TARGET_OBJECTEMITTER_H

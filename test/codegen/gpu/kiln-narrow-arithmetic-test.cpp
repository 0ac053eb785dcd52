//===- kiln-narrow-arithmetic-test.cpp - Checks widenNarrowArithmetic -----===//
//
// Runs kiln-gpu-module-to-binary's fix-up of the optimized device IR
// (widenNarrowArithmetic, codegen/gpu/SerializeKernels.cpp) on the
// functions of an LLVM IR file and checks that it changes no result: every
// function `i32 (i32, i32)` of the file is compiled for the host twice, as
// written and widened, and both run on the same inputs (a below 4096 and
// 4096 values spread over 32 bits, each with b below 256 and 256 spread
// values). A difference prints the
// first input that shows it and fails. The widened code's NVVM
// multiplies-high run as the high halves of 64-bit products.
//
//   kiln-narrow-arithmetic-test FILE.ll          check every function
//   kiln-narrow-arithmetic-test FILE.ll --print  print the widened IR
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/Passes.h"

#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicsNVPTX.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/IRReader/IRReader.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/Utils/Cloning.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

/// A function of the file: i32 (i32, i32).
using Kernel = int32_t (*)(int32_t, int32_t);

/// Integer instructions narrower than 32 bits, but for comparisons' i1.
unsigned countNarrow(llvm::Function &function) {
  unsigned count = 0;
  for (llvm::Instruction &inst : llvm::instructions(function))
    if (inst.getType()->isIntegerTy() && inst.getType()->getIntegerBitWidth() > 1 &&
        inst.getType()->getIntegerBitWidth() < 32 && !llvm::isa<llvm::PHINode>(inst))
      ++count;
  return count;
}

/// The widened code's NVVM multiplies-high (llvm.nvvm.mulhi.ui) as the
/// high half of a 64-bit product, which is what they compute, so that the
/// host can run it.
void lowerMultipliesHigh(llvm::Module &module) {
  llvm::Function *intrinsic =
      llvm::Intrinsic::getDeclarationIfExists(&module, llvm::Intrinsic::nvvm_mulhi_ui);
  if (!intrinsic)
    return;
  for (llvm::User *user : llvm::make_early_inc_range(intrinsic->users())) {
    auto *call = llvm::cast<llvm::CallInst>(user);
    llvm::IRBuilder<> b(call);
    llvm::Type *i64 = b.getInt64Ty();
    llvm::Value *product = b.CreateMul(b.CreateZExt(call->getArgOperand(0), i64),
                                       b.CreateZExt(call->getArgOperand(1), i64));
    call->replaceAllUsesWith(b.CreateTrunc(b.CreateLShr(product, 32), call->getType()));
    call->eraseFromParent();
  }
}

/// A JIT holding `module`; exits with a message where it cannot.
std::unique_ptr<llvm::orc::LLJIT> jit(std::unique_ptr<llvm::Module> module,
                                      llvm::orc::ThreadSafeContext context) {
  auto built = llvm::orc::LLJITBuilder().create();
  if (!built) {
    llvm::errs() << "error: " << llvm::toString(built.takeError()) << "\n";
    std::exit(1);
  }
  if (llvm::Error error = (*built)->addIRModule(
          llvm::orc::ThreadSafeModule(std::move(module), std::move(context)))) {
    llvm::errs() << "error: " << llvm::toString(std::move(error)) << "\n";
    std::exit(1);
  }
  return std::move(*built);
}

Kernel lookup(llvm::orc::LLJIT &jit, llvm::StringRef name) {
  auto address = jit.lookup(name);
  if (!address) {
    llvm::errs() << "error: " << llvm::toString(address.takeError()) << "\n";
    std::exit(1);
  }
  return address->toPtr<Kernel>();
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2 || (argc == 3 && llvm::StringRef(argv[2]) != "--print") || argc > 3) {
    llvm::errs() << "usage: kiln-narrow-arithmetic-test FILE.ll [--print]\n";
    return 2;
  }
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto context = std::make_unique<llvm::LLVMContext>();
  llvm::SMDiagnostic diagnostic;
  std::unique_ptr<llvm::Module> written = llvm::parseIRFile(argv[1], diagnostic, *context);
  if (!written) {
    diagnostic.print(argv[0], llvm::errs());
    return 1;
  }
  std::unique_ptr<llvm::Module> widened = llvm::CloneModule(*written);
  unsigned count = kiln::gpu::widenNarrowArithmetic(*widened);
  if (llvm::verifyModule(*widened, &llvm::errs())) {
    llvm::errs() << "error: the widened module is not valid IR\n";
    return 1;
  }
  if (argc == 3) {
    widened->print(llvm::outs(), nullptr);
    return 0;
  }
  llvm::outs() << "widened " << count << " narrow instructions\n";

  // The functions to compare, with what is left narrow in each.
  llvm::Type *i32 = llvm::Type::getInt32Ty(*context);
  llvm::FunctionType *type = llvm::FunctionType::get(i32, {i32, i32}, false);
  std::vector<std::pair<std::string, unsigned>> functions;
  for (llvm::Function &function : *written)
    if (!function.isDeclaration() && function.getFunctionType() == type)
      functions.push_back({function.getName().str(),
                           countNarrow(*widened->getFunction(function.getName()))});

  lowerMultipliesHigh(*widened);
  llvm::orc::ThreadSafeContext shared(std::move(context));
  auto before = jit(std::move(written), shared);
  auto after = jit(std::move(widened), shared);
  // Small values, where index arithmetic lives, and values spread over
  // all 32 bits (a multiplicative hash).
  auto inputs = [](uint32_t small, uint32_t spread) {
    std::vector<uint32_t> values;
    for (uint32_t value = 0; value < small; ++value)
      values.push_back(value);
    for (uint32_t i = 1; i <= spread; ++i)
      values.push_back(i * 2654435761u);
    return values;
  };
  std::vector<uint32_t> as = inputs(4096, 4096), bs = inputs(256, 256);
  int status = 0;
  for (auto &[name, narrowLeft] : functions) {
    Kernel f = lookup(*before, name), g = lookup(*after, name);
    uint64_t count = 0;
    bool same = true;
    for (uint32_t a : as) {
      for (uint32_t b : bs) {
        ++count;
        int32_t expected = f(static_cast<int32_t>(a), static_cast<int32_t>(b));
        int32_t got = g(static_cast<int32_t>(a), static_cast<int32_t>(b));
        if (expected != got) {
          llvm::outs() << name << ": a = " << a << ", b = " << b << " gives " << expected
                       << " as written, " << got << " widened\n";
          same = false;
          status = 1;
          break;
        }
      }
      if (!same)
        break;
    }
    if (same)
      llvm::outs() << name << ": " << count << " inputs, the same results; " << narrowLeft
                   << " narrow integer values left\n";
  }
  return status;
}

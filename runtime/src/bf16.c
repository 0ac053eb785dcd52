/*===- bf16.c - The f32 -> bf16 conversion LLVM calls on some targets -----===*
 *
 * Without native bf16 conversion instructions (x86 without AVX512-BF16,
 * AArch64 without FEAT_BF16), LLVM lowers a float to bfloat16 truncation
 * that survives into machine code (bf16 arithmetic it promotes to float, a
 * softmax over bf16 values) to a call to __truncsfbf2, which older compiler
 * runtimes (libgcc 12) do not provide. A model library must link with any
 * C toolchain, so each carries its own copy: weak, so that two models (or
 * a newer libgcc) in one program do not clash, and hidden, so that a
 * shared library built from a model does not export it. kilnc keeps this
 * one runtime symbol external when it internalizes the rest.
 *
 *===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <string.h>

#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 13)

__attribute__((weak, visibility("hidden"))) __bf16 __truncsfbf2(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  uint16_t half;
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    half = (uint16_t)((bits >> 16) | 0x40u); /* a quiet NaN */
  else
    half = (uint16_t)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16); /* to nearest even */
  __bf16 result;
  memcpy(&result, &half, sizeof result);
  return result;
}

#endif

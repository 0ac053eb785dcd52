/* Runs kiln_model_entry, built from test/gpu/Inputs/races.mlir or
 * global_races.mlir (at most one input of 128 int32, an output of 128 int32
 * and maybe one of 8192, no workspace), on the input 0, 1, ..., 127, and
 * prints the first output, or the race that a checking build recorded
 * (kiln_rt_race_status, as NAME_run would return it) and exits with
 * status 1. */
#include "kiln/runtime.h"

#include <stdint.h>
#include <stdio.h>

void kiln_model_entry(const void *const *inputs, void *const *outputs, void *workspace);

int main(void) {
  static int32_t big[8192];
  /* (16 bytes aligned, as the GPU's buffers are: global-races.test's
   * vector loads of `in` are checked for alignment.) */
  _Alignas(16) int32_t in[128];
  int32_t out[128] = {0};
  for (int i = 0; i < 128; ++i)
    in[i] = i;
  const void *inputs[] = {in};
  void *outputs[] = {out, big};
  kiln_model_entry(inputs, outputs, NULL);
  int status = kiln_rt_race_status();
  if (status != KILN_OK) {
    fprintf(stderr, "%d: %s\n", status, kiln_rt_error_message(status));
    return 1;
  }
  for (int i = 0; i < 128; ++i)
    printf("%d%c", (int)out[i], i % 64 == 63 ? '\n' : ' ');
  return 0;
}

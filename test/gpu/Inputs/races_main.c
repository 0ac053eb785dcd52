/* Runs kiln_model_entry, built from test/gpu/Inputs/races.mlir (one output
 * of 128 int32, no inputs, no workspace), and prints the output. */
#include <stdint.h>
#include <stdio.h>

void kiln_model_entry(const void *const *inputs, void *const *outputs, void *workspace);

int main(void) {
  int32_t out[128] = {0};
  void *outputs[] = {out};
  kiln_model_entry(NULL, outputs, NULL);
  for (int i = 0; i < 128; ++i)
    printf("%d%c", (int)out[i], i % 64 == 63 ? '\n' : ' ');
  return 0;
}

/*
 * The example app: runs the compiled MNIST-style CNN on one image and prints
 * the class probabilities.
 *
 * It uses the model exactly as any application would: include the header
 * kilnc generated, allocate a 64-byte-aligned workspace, call mnist_run, and
 * link with `libmnist.a -lm -lpthread`. The image and what ONNX Runtime
 * computes for it come from make_model.py, so the app can also check that
 * Kiln's answer matches.
 */
#include "mnist.h"

#include "digit.h"
#include "expected_probs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  size_t size = mnist_workspace_size();
  /* aligned_alloc needs a size that is a multiple of the alignment. */
  size_t rounded = (size + mnist_WORKSPACE_ALIGNMENT - 1) /
                   mnist_WORKSPACE_ALIGNMENT * mnist_WORKSPACE_ALIGNMENT;
  void *workspace = rounded ? aligned_alloc(mnist_WORKSPACE_ALIGNMENT, rounded) : NULL;
  if (rounded && !workspace) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }

  float probs[10];
  const void *inputs[] = {kiln_example_digit};
  void *outputs[] = {probs};
  int status = mnist_run(inputs, outputs, workspace);
  free(workspace);
  if (status != 0) {
    fprintf(stderr, "mnist_run failed: %s\n", mnist_error_message(status));
    return 1;
  }

  int best = 0;
  float maxDiff = 0.0f;
  printf("class  probability  (ONNX Runtime)\n");
  for (int i = 0; i < 10; ++i) {
    printf("%5d  %11.6f  (%.6f)\n", i, probs[i], kiln_example_expected_probs[i]);
    if (probs[i] > probs[best])
      best = i;
    float diff = fabsf(probs[i] - kiln_example_expected_probs[i]);
    if (diff > maxDiff)
      maxDiff = diff;
  }
  printf("predicted class: %d\n", best);
  printf("max |kiln - onnxruntime|: %.3g\n", maxDiff);
  printf("workspace: %zu bytes\n", size);
  return maxDiff <= 1e-4f ? 0 : 1;
}

/* CHECK(cond) for the tests' C programs that use a generated library:
 * counts checks and prints "FAIL line N: cond" for each that fails; main
 * reports both counts ("checks: N failures: M") and exits non-zero on a
 * failure. Included by relative path, so no RUN line needs an -I for it. */
#ifndef KILN_TEST_CHECK_H
#define KILN_TEST_CHECK_H

#include <stdio.h>

static int checks, failures;

#define CHECK(cond)                                                            \
  do {                                                                         \
    ++checks;                                                                  \
    if (!(cond)) {                                                             \
      ++failures;                                                              \
      printf("FAIL line %d: %s\n", __LINE__, #cond);                           \
    }                                                                          \
  } while (0)

#endif

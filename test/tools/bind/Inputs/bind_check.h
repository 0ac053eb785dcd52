/* CHECK(cond) for the bind tests' C programs: counts checks, prints
 * "FAIL line N: cond" for each that fails; main reports both counts. */
#ifndef BIND_CHECK_H
#define BIND_CHECK_H

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

"""Runs a command and checks its exit code, which `not` cannot pin down.

  expect_exit.py CODE COMMAND [ARGS...]

The command inherits stdin, stdout and stderr. Exits 0 if the command exited
with CODE; otherwise prints "expect_exit.py: expected exit code CODE, got N"
on stderr and exits 1.
"""

import subprocess
import sys


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    expected = int(argv[1])
    code = subprocess.call(argv[2:])
    if code != expected:
        print(f"expect_exit.py: expected exit code {expected}, got {code}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

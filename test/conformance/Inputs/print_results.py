"""Prints run_node_tests.py's results one test a line: name | status | class."""
import json
import sys

with open(sys.argv[1]) as f:
    report = json.load(f)
for r in report["results"]:
    print(r["test"], r["status"], r["class"], sep=" | ")
print("counts:", " ".join(f"{k} {v}" for k, v in report["counts"].items()))

"""Prints run_node_tests.py's results one test a line: name | status | class."""
import json
import sys

with open(sys.argv[1]) as f:
    report = json.load(f)
for r in report["results"]:
    bound = r.get("bound_inputs")
    print(r["test"], r["status"], r["class"], *([f"bound {','.join(bound)}"] if bound else []),
          sep=" | ")
print("counts:", " ".join(f"{k} {v}" for k, v in report["counts"].items()))

"""Stands in for kiln-run in runner-selftest.test: behaves as the test's name
says (the model's directory name), like kiln-run does on success, mismatch,
compile errors and the ways it can break."""
import os
import signal
import sys
import time

args = sys.argv[1:]
model = args[0]
name = os.path.basename(os.path.dirname(model))
expected = []
inputs = []
current = None
for a in args[1:]:
    if a in ("--inputs", "--expected"):
        current = inputs if a == "--inputs" else expected
    elif a.startswith("--"):
        current = None
    elif current is not None:
        current.append(a)
binds = [a[len("--bind="):] for a in args if a.startswith("--bind=")]
names = [os.path.basename(e).replace("output_0.pb", "y").replace("output_1.pb", "z")
         for e in expected]


def report(verdicts):
    for n, ok in verdicts:
        print(f"output '{n}': " + ("match (max |diff| 0 at index [0], 0 of 2 elements out of "
                                   "tolerance)" if ok else
                                   "MISMATCH (max |diff| 1 at index [1], 1 of 2 elements out of "
                                   "tolerance)"))


if name.startswith("test_fake_pass"):
    report([(n, True) for n in names])
elif name == "test_fake_second_data_set_mismatch":
    ok = "test_data_set_0" in inputs[0]
    report([(n, ok) for n in names])
    sys.exit(0 if ok else 1)
elif name == "test_fake_silent_exit0":
    pass
elif name == "test_fake_one_of_two_reported":
    report([(names[0], True)])
elif name == "test_fake_outputs_swapped":
    report([(n, True) for n in reversed(names)])
elif name == "test_fake_mismatch":
    report([(n, False) for n in names])
    sys.exit(1)
elif name == "test_fake_unsupported_op":
    sys.stderr.write(f"kiln-run: error: {model}: node 'n' (Foo): unsupported operator 'Foo' "
                     "(domain 'ai.onnx', opset 13)\n")
    sys.exit(2)
elif name == "test_fake_element_type":
    sys.stderr.write(f"kiln-run: error: {model}: tensor 'x': graph input 'x' has element type "
                     "STRING, which Kiln does not support\n")
    sys.exit(2)
elif name == "test_fake_internal_error":
    sys.stderr.write("kiln-run: internal error: Cannot select: intrinsic %llvm.foo\n")
    sys.exit(2)
elif name == "test_fake_segv":
    sys.stderr.write("Stack dump:\n0. Program arguments: kiln-run ...\n")
    os.kill(os.getpid(), signal.SIGSEGV)
elif name == "test_fake_abort":
    sys.stderr.write("kiln-run: Foo.cpp:12: void f(): Assertion `x && \"why\"' failed.\n")
    os.kill(os.getpid(), signal.SIGABRT)
elif name == "test_fake_interface":
    sys.stderr.write(f"kiln-run: error: {inputs[0]}: input 'x' must be f32 [3], the file holds "
                     "f32 [2]\n")
    sys.exit(2)
elif name in ("test_fake_bind", "test_fake_bind_refused"):
    # Needs input 'x' at compile time; test_fake_bind_refused keeps asking.
    if name == "test_fake_bind" and binds == [f"x={inputs[0]}"]:
        report([(n, True) for n in names])
    else:
        sys.stderr.write(f"kiln-run: error: {model}: node 'r' (Reshape): input #1 ('x'), the "
                         "target shape, must be known at compile time, but it depends on graph "
                         "input 'x' (give its value at compile time with --bind x=FILE)\n")
        sys.exit(2)
elif name == "test_fake_exit3":
    sys.exit(3)
elif name == "test_fake_hang":
    time.sleep(60)
elif name == "test_fake_sequence_output":
    sys.exit(0)
else:
    sys.stderr.write(f"fake kiln-run: no behaviour for {name}\n")
    sys.exit(2)

"""Input files and output checks for the kiln_harness tests.

  npy_cases.py make DIR          writes the inputs of kiln-target-test's model
                                 and malformed variants of them into DIR
  npy_cases.py check IN OUT      loads IN/*.npy and OUT/*.npy and prints, per
                                 output, whether it equals its input
  npy_cases.py run CMD ARGS...   runs CMD, prints its stdout and stderr and
                                 then "exit code: N"
"""

import os
import struct
import subprocess
import sys

import numpy as np

X = (np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5) * 1.25
IDS = np.array([7, -3, 2**40 + 1, -(2**62)], dtype=np.int64)
SCALE = np.float64(-0.125)
MASK = np.array([True, False, True])


def npy(dict_text, data, version=(1, 0), pad=True):
    """A .npy file with a hand-written header dict."""
    header = dict_text.encode("latin1")
    length_format = "<H" if version[0] == 1 else "<I"
    prefix = 8 + struct.calcsize(length_format)
    if pad:
        header += b" " * ((64 - (prefix + len(header) + 1) % 64) % 64)
    header += b"\n"
    return (b"\x93NUMPY" + bytes(version) +
            struct.pack(length_format, len(header)) + header + data)


def make(directory):
    def write(name, content):
        with open(os.path.join(directory, name), "wb") as f:
            f.write(content)

    def save(name, array, version=None):
        with open(os.path.join(directory, name), "wb") as f:
            np.lib.format.write_array(f, np.asanyarray(array), version=version)

    save("x.npy", X)
    save("ids.npy", IDS)
    save("scale.npy", SCALE)
    save("mask.npy", MASK)

    # Accepted variants.
    save("x_v2.npy", X, version=(2, 0))
    save("x_v3.npy", X, version=(3, 0))
    write("x_loose.npy",
          npy('{ "shape" : ( 2 , 3 ) , "fortran_order":False,'
              '"descr":"<f4"}', X.tobytes(), pad=False))
    write("x_native.npy",
          npy("{'descr': '=f4', 'fortran_order': False, 'shape': (2L, 3L)}",
              X.tobytes()))

    # Rejected variants.
    save("x_f64.npy", X.astype(np.float64))
    save("x_transposed.npy", np.ascontiguousarray(X.T))
    save("x_flat.npy", X.reshape(6))
    save("x_fortran.npy", np.asfortranarray(X))
    save("x_big_endian.npy", X.astype(">f4"))
    save("ids_i32.npy", IDS.astype(np.int32))
    save("scale_1d.npy", SCALE.reshape(1))
    save("mask_u8.npy", MASK.astype(np.uint8))
    full = open(os.path.join(directory, "x.npy"), "rb").read()
    write("x_truncated.npy", full[:-1])
    write("x_trailing.npy", full + b"\0")
    write("x_bad_magic.npy", b"\x93NUMPZ" + full[6:])
    write("x_v9.npy", full[:6] + b"\x09\x00" + full[8:])
    write("x_bad_dict.npy",
          npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3}",
              X.tobytes()))
    write("x_dup_key.npy",
          npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, "
              "'shape': (2, 3)}", X.tobytes()))
    write("x_no_shape.npy",
          npy("{'descr': '<f4', 'fortran_order': False}", X.tobytes()))
    write("x_huge_header.npy",
          b"\x93NUMPY\x02\x00" + struct.pack("<I", 0x7FFFFFFF) + b"{")
    write("x_structured.npy",
          npy("{'descr': [('a', '<f4')], 'fortran_order': False, "
              "'shape': (2, 3)}", X.tobytes()))


def check(inputs, outputs):
    pairs = [("x.npy", "y_out.npy", (2, 3)),
             ("ids.npy", "ids.copy.npy", (2, 2)),
             ("scale.npy", "scale_out.npy", ()),
             ("mask.npy", "__mask__.npy", (3,))]
    for source, result, shape in pairs:
        want = np.load(os.path.join(inputs, source)).reshape(shape)
        got = np.load(os.path.join(outputs, result))
        same = (got.dtype == want.dtype and got.shape == want.shape and
                np.array_equal(got, want))
        print(f"{result}: {got.dtype}{list(got.shape)} "
              f"{'equal' if same else 'DIFFERENT'}")
    print("files:", " ".join(sorted(os.listdir(outputs))))


def run(command):
    result = subprocess.run(command, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    sys.stdout.write(result.stdout.decode("utf-8", "replace"))
    print(f"exit code: {result.returncode}")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "run":
        run(sys.argv[2:])
    else:
        sys.exit(__doc__)

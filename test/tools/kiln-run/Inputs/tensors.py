"""Tensor files for kiln-tensorio-test's lit tests, written by numpy and onnx.

  tensors.py npy-roundtrip DIR     every dtype and shape kind through
                                   `kiln-tensorio-test roundtrip`, checked
  tensors.py pb-roundtrip DIR      TensorProtos (raw and typed fields) likewise
  tensors.py compare-files DIR     pairs for the `compare` RUN lines
  tensors.py malformed DIR         broken files for the error RUN lines

The round-trip commands print one line per file and a final count, and exit
non-zero at the first file that does not survive.
"""

import os
import struct
import subprocess
import sys

import ml_dtypes
import numpy as np
from onnx import TensorProto, helper, numpy_helper

TOOL = "kiln-tensorio-test"

NPY_DTYPES = ["float32", "float64", "float16", "uint8", "int8", "int16",
              "uint16", "int32", "uint32", "int64", "uint64", "bool"]


def sample(dtype, shape, seed):
    """Values that exercise the whole type: extremes, specials, signs."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    count = int(np.prod(shape, dtype=np.int64))
    if dtype == np.bool_:
        values = rng.integers(0, 2, count).astype(np.bool_)
    elif dtype.kind in "iu":
        info = np.iinfo(dtype)
        values = rng.integers(info.min, info.max, count, dtype=dtype,
                              endpoint=True)
        values[:2] = [info.min, info.max][:count]
    else:
        values = (rng.standard_normal(count) * 100).astype(dtype)
        special = np.array([np.nan, np.inf, -np.inf, -0.0,
                            np.finfo(dtype).tiny / 4, np.finfo(dtype).max],
                           dtype=dtype)
        values[:len(special)] = special[:count]
    return values.reshape(shape)


def run_tool(*args):
    result = subprocess.run([TOOL, *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"FAIL: {TOOL} {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def check_same(name, got, want):
    if got.dtype != want.dtype or got.shape != want.shape:
        sys.exit(f"FAIL {name}: got {got.dtype} {got.shape}, "
                 f"want {want.dtype} {want.shape}")
    if got.tobytes() != want.tobytes():
        sys.exit(f"FAIL {name}: the elements differ")


def numpy_npy_bytes(array):
    """What np.save writes for `array` (version 1)."""
    from io import BytesIO
    buffer = BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def npy_roundtrip(directory):
    cases = {}
    for index, dtype in enumerate(NPY_DTYPES):
        cases[f"{dtype}.npy"] = (sample(dtype, (2, 3, 4), index), None)
        cases[f"scalar_{dtype}.npy"] = (sample(dtype, (), index), None)
        cases[f"empty_{dtype}.npy"] = (np.zeros((0, 3), dtype), None)
        cases[f"v2_{dtype}.npy"] = (sample(dtype, (5, 1), index), (2, 0))
        cases[f"v3_{dtype}.npy"] = (sample(dtype, (7,), index), (3, 0))
    cases["rank6.npy"] = (sample("float32", (1, 2, 1, 3, 1, 2), 50), None)
    cases["empty_middle.npy"] = (np.zeros((4, 0, 2), np.int64), None)
    cases["one.npy"] = (sample("float32", (1,), 51), None)
    # Big enough that the data dwarfs the header: 16 MiB and 8 MiB.
    cases["big_float32.npy"] = (sample("float32", (2048, 2048), 52), None)
    cases["big_int64.npy"] = (sample("int64", (1024, 1024), 53), None)

    os.makedirs(os.path.join(directory, "out"), exist_ok=True)
    for name, (array, version) in cases.items():
        source = os.path.join(directory, name)
        with open(source, "wb") as f:
            np.lib.format.write_array(f, array, version=version)
        target = os.path.join(directory, "out", name)
        description = run_tool("read", source).strip()
        want = (f"{name}: {array.dtype.name} "
                f"[{','.join(str(d) for d in array.shape)}]")
        if description != want:
            sys.exit(f"FAIL {name}: read says '{description}', want '{want}'")
        run_tool("roundtrip", source, target)
        check_same(name, np.load(target), array)
        # Byte for byte what numpy writes, so any npy reader takes it.
        with open(target, "rb") as f:
            if f.read() != numpy_npy_bytes(array):
                sys.exit(f"FAIL {name}: not the bytes np.save writes")
        print(f"ok {name} {array.dtype.name} {array.shape}")
    print(f"{len(cases)} npy files round-tripped")


def pb_cases():
    """(name, TensorProto, array it holds or None for bfloat16)."""
    cases = []
    for index, dtype in enumerate(NPY_DTYPES):
        array = sample(dtype, (3, 2), 100 + index)
        cases.append((f"raw_{dtype}.pb", numpy_helper.from_array(array),
                      array))
        onnx_type = helper.np_dtype_to_tensor_dtype(array.dtype)
        typed = helper.make_tensor("t", onnx_type, array.shape,
                                   array.flatten().tolist()
                                   if dtype != "float16" else array.flatten())
        if typed.raw_data:
            sys.exit(f"FAIL: make_tensor wrote raw_data for {dtype}")
        cases.append((f"typed_{dtype}.pb", typed, array))
        cases.append((f"scalar_{dtype}.pb",
                      numpy_helper.from_array(sample(dtype, (), index)),
                      sample(dtype, (), index)))
        empty = np.zeros((2, 0), dtype)
        cases.append((f"empty_{dtype}.pb", numpy_helper.from_array(empty),
                      empty))
    big = sample("float32", (1000, 1000), 120)
    cases.append(("big_float32.pb", numpy_helper.from_array(big), big))
    return cases


def pb_roundtrip(directory):
    os.makedirs(os.path.join(directory, "out"), exist_ok=True)
    count = 0
    for name, proto, array in pb_cases():
        source = os.path.join(directory, name)
        with open(source, "wb") as f:
            f.write(proto.SerializeToString())
        check_same(name, numpy_helper.to_array(proto), array)
        target = os.path.join(directory, "out", name[:-3] + ".npy")
        run_tool("roundtrip", source, target)
        check_same(name, np.load(target), array)
        # The reader must agree with the same tensor saved by numpy.
        npy = os.path.join(directory, name[:-3] + ".npy")
        np.save(npy, array)
        run_tool("compare", source, npy, "0", "0")
        print(f"ok {name} {array.dtype.name} {array.shape}")
        count += 1

    # bfloat16 has no numpy dtype: check its bit patterns through `dump`.
    values = np.array([1.0, -2.0, 0.1, np.inf, -0.0, 3.0e38],
                      dtype=ml_dtypes.bfloat16).reshape(2, 3)
    want_bits = " ".join(f"0x{b:04x}" for b in values.view(np.uint16).flat)
    protos = {
        "raw_bfloat16.pb": numpy_helper.from_array(values),
        "typed_bfloat16.pb": helper.make_tensor(
            "t", TensorProto.BFLOAT16, [2, 3],
            values.astype(np.float32).flatten().tolist()),
    }
    for name, proto in protos.items():
        source = os.path.join(directory, name)
        with open(source, "wb") as f:
            f.write(proto.SerializeToString())
        dump = run_tool("dump", source).strip()
        if dump != f"bfloat16 [2,3]: {want_bits}":
            sys.exit(f"FAIL {name}: dump says '{dump}', want '{want_bits}'")
        print(f"ok {name} bfloat16 (2, 3)")
        count += 1
    print(f"{count} pb files read")


def compare_files(directory):
    def save(name, values, dtype="float32"):
        np.save(os.path.join(directory, name), np.asarray(values, dtype))

    save("base.npy", [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    save("within.npy", [[0.0, 1.0, 2.0], [3.0, 4.0, 5.000003]])
    save("outside.npy", [[0.0, 1.5, 2.0], [3.0, 4.0, 5.2]])
    save("relative.npy", [[0.0, 1.0, 2.0], [3.0, 4.0, 5.004]])
    save("transposed.npy", [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]])
    save("base64.npy", [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], "float64")
    save("nan.npy", [np.nan, 1.0, -np.inf, np.inf])
    save("nan_same.npy", [np.nan, 1.0, -np.inf, np.inf])
    save("nan_vs_number.npy", [0.0, 1.0, -np.inf, np.inf])
    save("inf_flipped.npy", [np.nan, 1.0, np.inf, np.inf])
    save("inf_vs_big.npy", [np.nan, 1.0, -np.inf, 3.0e38])
    save("half.npy", [1.0, 0.5, 65504.0], "float16")
    save("half_ulp.npy", [1.0009765625, 0.5, 65504.0], "float16")
    save("ints.npy", [1, 2, 3, -4], "int64")
    save("ints_off.npy", [1, 2, 3, -5], "int64")
    save("int8_extremes.npy", [-128, 127], "int8")
    save("int8_swapped.npy", [127, -128], "int8")
    save("bools.npy", [True, False], "bool")
    save("bools_flipped.npy", [True, True], "bool")
    save("empty.npy", np.zeros((0, 4)), "float32")


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def npy_with_header(header, data=b"", version=1):
    header = header.encode("latin1")
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + \
            header + data
    return b"\x93NUMPY" + bytes([version, 0]) + \
        struct.pack("<I", len(header)) + header + data


def malformed(directory):
    def path(name):
        return os.path.join(directory, name)

    good = numpy_npy_bytes(np.arange(6, dtype=np.float32).reshape(2, 3))
    write(path("truncated_data.npy"), good[:-5])
    write(path("trailing.npy"), good + b"\0\0\0")
    write(path("truncated_header.npy"), good[:40])
    write(path("too_short.npy"), good[:7])
    write(path("bad_magic.npy"), b"\x93NUMPZ" + good[6:])
    write(path("text.npy"), b"hello, not a tensor\n")
    write(path("empty_file.npy"), b"")
    write(path("version4.npy"), good[:6] + b"\x04\x00" + good[8:])
    np.save(path("fortran.npy"), np.arange(6, dtype=np.float32)
            .reshape(2, 3).T)
    np.save(path("complex.npy"), np.zeros(3, np.complex64))
    np.save(path("unicode.npy"), np.array(["abc"]))
    np.save(path("structured.npy"),
            np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))
    np.save(path("big_endian.npy"), np.arange(3, dtype=">f4"))
    np.save(path("bfloat16.npy"), np.zeros(3, ml_dtypes.bfloat16))
    np.save(path("object.npy"), np.array([{}, 1], dtype=object),
            allow_pickle=True)
    write(path("bad_bool.npy"), npy_with_header(
        "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }\n",
        b"\x00\x01\x07"))
    write(path("negative_dim.npy"), npy_with_header(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2), }\n"))
    write(path("huge_dim.npy"), npy_with_header(
        "{'descr': '<f4', 'fortran_order': False, "
        "'shape': (4611686018427387904, 4), }\n"))
    write(path("overflow_dim.npy"), npy_with_header(
        "{'descr': '<f4', 'fortran_order': False, "
        "'shape': (99999999999999999999,), }\n"))
    write(path("missing_key.npy"), npy_with_header(
        "{'descr': '<f4', 'shape': (2,), }\n", b"\0" * 8))
    write(path("extra_key.npy"), npy_with_header(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), "
        "'extra': 1}\n", b"\0" * 8))
    write(path("garbled_header.npy"), npy_with_header(
        "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }\n",
        b"\0" * 8))
    write(path("unterminated.npy"), npy_with_header(
        "{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }\n",
        b"\0" * 8))
    write(path("header_overrun.npy"), b"\x93NUMPY\x02\x00" +
          struct.pack("<I", 0xffffffff) + b"{}")
    write(path("v2_good.npy"), npy_with_header(
        "{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }\n",
        b"\x01\x00\xff\xff", version=2))

    def proto(name, tensor):
        write(path(name), tensor.SerializeToString())

    floats = numpy_helper.from_array(np.arange(6, dtype=np.float32)
                                     .reshape(2, 3))
    short = TensorProto()
    short.CopyFrom(floats)
    short.raw_data = floats.raw_data[:-4]
    proto("raw_short.pb", short)
    proto("string.pb", helper.make_tensor("s", TensorProto.STRING, [2],
                                          [b"a", b"b"]))
    proto("complex.pb", numpy_helper.from_array(np.zeros(2, np.complex64)))
    typed_short = TensorProto()
    typed_short.data_type = TensorProto.INT64
    typed_short.dims.extend([3])
    typed_short.int64_data.extend([1, 2])
    proto("typed_short.pb", typed_short)
    wrong_field = TensorProto()
    wrong_field.data_type = TensorProto.INT32
    wrong_field.dims.extend([2])
    wrong_field.float_data.extend([1.0, 2.0])
    proto("wrong_field.pb", wrong_field)
    both = TensorProto()
    both.CopyFrom(floats)
    both.float_data.extend([1.0] * 6)
    proto("both.pb", both)
    int8_range = TensorProto()
    int8_range.data_type = TensorProto.INT8
    int8_range.dims.extend([2])
    int8_range.int32_data.extend([5, 300])
    proto("int8_range.pb", int8_range)
    external = helper.make_tensor("e", TensorProto.FLOAT, [2], [1.0, 2.0])
    external.data_location = TensorProto.EXTERNAL
    entry = external.external_data.add()
    entry.key, entry.value = "location", "weights.bin"
    proto("external.pb", external)
    negative = TensorProto()
    negative.data_type = TensorProto.FLOAT
    negative.dims.extend([-2])
    proto("negative_dim.pb", negative)
    no_data = TensorProto()
    no_data.data_type = TensorProto.FLOAT
    no_data.dims.extend([2])
    proto("no_data.pb", no_data)
    no_type = TensorProto()
    no_type.dims.extend([2])
    no_type.float_data.extend([1.0, 2.0])
    proto("no_type.pb", no_type)
    write(path("garbage.pb"), b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff")
    write(path("npy_named.pb"), good)
    write(path("unknown.bin"), b"\x08\x01")


def main():
    command, directory = sys.argv[1], sys.argv[2]
    os.makedirs(directory, exist_ok=True)
    {"npy-roundtrip": npy_roundtrip, "pb-roundtrip": pb_roundtrip,
     "compare-files": compare_files, "malformed": malformed}[command](
         directory)


if __name__ == "__main__":
    main()

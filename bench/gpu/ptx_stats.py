#!/usr/bin/env python3
"""What ptxas makes of the GEMM kernels, without a GPU: for each GEMM of
bench/gpu/models.py (FP32, and with --gpu-tf32; f16 and bf16), compiles
it with `kilnc --gpu ARCH --emit=ptx` and prints, per product kernel, the
registers a thread uses, spills, shared memory, and the shared-memory
loads (scalar, 2- and 4-wide) and fused multiply-adds or mmas in its PTX:
static counts, each loop body once as LLVM left it (unrolled or not).
Where nvdisasm is found (NVDISASM, the venv's nvidia-cuda-nvdisasm
package, or CUDA_HOME/bin), it adds the machine code of the kernel's main
loop (the longest SASS loop body): its instructions, how many of them are
FFMAs or HMMAs, and how many are register moves (MOV, IMAD.MOV), per k
step (the staged kernels end each k step at one barrier, so a loop body
with two BAR.SYNC covers two steps, and its counts are halved). ptxas
schedules and allocates registers, so these say more of a kernel's issue
rate than the PTX does. With --base, the same for a second kilnc, side by side: a change to the
kernels shows what it did to them before a GPU run measures their time.

With --zoo MODELS (zoo model names, from the cache bench/zoo/zoo.py
fills, or paths to model files; each --kilnc-arg FLAG is passed to every
kilnc run, e.g. --kilnc-arg=--gpu-tf32), prints per model instead the number of kernels, how many of them
have a barrier (bar.sync), how many store to global memory inside a loop
(a store between a loop's label and its backward branch, as LLVM left the
PTX), and the share of the model's reduction work (loop iterations of ops
with a reduction: multiply-adds, for products and convolutions) that the
staged matmul kernels take (`kiln-tile-for-gpu{report=true}`, run by the
kiln-opt next to each kilnc). --workspace adds the device workspace in
bytes (NAME_WORKSPACE_SIZE of the generated header; the whole library is
compiled for it, which takes longer); --sass the SASS of the kernels' main
loops, summed: instructions / FFMAs and HMMAs (static counts, one k step
of one loop body a kernel); --kernels, in a second table, a row a kernel
that uses shared memory, with the GEMMs' columns.

usage: ptx_stats.py [--kilnc K] [--base K] [--new-arg FLAG]... [--arch sm_90]
                   [--sizes 1024,4096]
       ptx_stats.py --zoo resnet50,gru [--cache build/zoo] [--kilnc K] [--base K]
                    [--new-arg FLAG]... [--kilnc-arg FLAG]... [--workspace] [--sass]
                    [--kernels]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def find_nvdisasm():
    """nvdisasm's path, or None."""
    candidates = [os.environ.get("NVDISASM", ""),
                  os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "bin", "nvdisasm")]
    try:
        import nvidia  # the nvidia-cuda-nvdisasm wheel (scripts/requirements.txt)
        for root in nvidia.__path__:
            candidates += [os.path.join(root, cuda, "bin", "nvdisasm")
                           for cuda in sorted(os.listdir(root))]
    except ImportError:
        pass
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def sass_loops(nvdisasm, cubin):
    """{kernel: "instructions/math/moves"} of each kernel's longest loop body
    in the machine code of `cubin` (math: FFMA or HMMA; moves: MOV and
    IMAD.MOV), per barrier (BAR.SYNC) in the body: per k step of the staged
    kernels, whose loop may be unrolled by their stages."""
    text = subprocess.run([nvdisasm, "-c", cubin], check=True, capture_output=True,
                          text=True).stdout
    result = {}
    for match in re.finditer(r"\n\s*\.text\.(\w+):\n(.*?)(?=\n\s*\.section|\Z)", text, re.S):
        lines = match.group(2).splitlines()
        labels = {re.match(r"(\.L_x_\d+):", l).group(1): i for i, l in enumerate(lines)
                  if re.match(r"\.L_x_\d+:", l)}
        best = []
        for i, line in enumerate(lines):
            branch = re.search(r"BRA\s+`?\(?(\.L_x_\d+)", line)
            if branch and labels.get(branch.group(1), i) < i:
                body = [l for l in lines[labels[branch.group(1)]:i + 1]
                        if re.search(r"/\*[0-9a-f]{4,}\*/", l)]
                if len(body) > len(best):
                    best = body
        if best:
            ops = [re.sub(r"^\s*/\*[0-9a-f]+\*/\s*(@!?U?P\w+\s+)?", "", l).split()[0]
                   for l in best]
            math = sum(op.startswith(("FFMA", "HMMA")) for op in ops)
            moves = sum(op in ("MOV", "IMAD.MOV.U32", "IMAD.MOV") for op in ops)
            steps = max(1, sum(op.startswith("BAR.SYNC") for op in ops))
            result[match.group(1)] = "/".join(
                f"{count / steps:g}" for count in (len(ops), math, moves))
    return result


def assemble(kilnc, model, arch, flags, work):
    """Compiles `model` to PTX and assembles it with ptxas -v: (ptx path,
    cubin path, ptxas's report)."""
    ptx, cubin = os.path.join(work, "k.ptx"), os.path.join(work, "k.cubin")
    subprocess.run([kilnc, model, "--gpu", arch, *flags, "--emit=ptx", "-o", ptx], check=True)
    ptxas = os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "bin", "ptxas")
    info = subprocess.run([ptxas, f"-arch={arch}", "-v", ptx, "-o", cubin],
                          check=True, capture_output=True, text=True).stderr
    return ptx, cubin, info


def kernel_stats(kilnc, model, arch, flags, work):
    """{kernel: (registers, spill bytes, smem bytes, shared loads as scalar/v2/v4, fma, mma,
    main loop's SASS as instructions/math/moves)} for the kernels of `model`
    that use shared memory."""
    ptx, cubin, info = assemble(kilnc, model, arch, flags, work)
    text = open(ptx).read()
    bodies = {}
    for match in re.finditer(r"\.entry (\w+)\(", text):
        end = text.find("\n}", match.end())
        bodies[match.group(1)] = text[match.end():end]
    stats = {}
    current = None
    spills = 0
    for line in info.splitlines():
        m = re.search(r"Compiling entry function '(\w+)'", line)
        if m:
            current = m.group(1)
            continue
        m = re.search(r"(\d+) bytes spill stores", line)
        if m:
            spills = int(m.group(1))
        m = re.search(r"Used (\d+) registers.*?(\d+) bytes smem", line)
        if m and current:
            body = bodies.get(current, "")
            stats[current] = (int(m.group(1)), spills, int(m.group(2)),
                              "/".join(str(len(re.findall(p, body))) for p in
                                       (r"ld\.shared\.(?!v)", r"ld\.shared\.v2",
                                        r"ld\.shared\.v4")),
                              len(re.findall(r"fma\.rn\.f32", body)),
                              len(re.findall(r"mma\.sync", body)))
            current, spills = None, 0
    nvdisasm = find_nvdisasm()
    loops = sass_loops(nvdisasm, cubin) if nvdisasm else {}
    return {k: v + (loops.get(k, "-"),) for k, v in stats.items() if v[2] > 0}


def loop_stores(kilnc, model, arch, work, flags=()):
    """(kernels, kernels with a barrier, kernels storing to global memory
    inside a loop) of the PTX of `model`."""
    ptx = os.path.join(work, "z.ptx")
    subprocess.run([kilnc, model, "--gpu", arch, *flags, "--emit=ptx", "-o", ptx], check=True)
    text = open(ptx).read()
    kernels = barriers = storing = 0
    for match in re.finditer(r"\.entry \w+\((.*?)\n}\n", text, re.S):
        kernels += 1
        barriers += "bar.sync" in match.group(1)
        body = match.group(1).splitlines()
        labels = {line.strip()[:-1]: i for i, line in enumerate(body)
                  if re.match(r"\$L__BB\w+:$", line.strip())}
        for i, line in enumerate(body):
            branch = re.search(r"bra(?:\.uni)?\s+(\$L__BB\w+);", line)
            start = labels.get(branch.group(1), i) if branch else i
            # A jump back to the kernel's exit block (`ret;`, which LLVM may
            # place above a merged launch's later members) is no loop.
            if start < i and body[start + 1].strip() == "ret;":
                continue
            if start < i and any("st.global" in l for l in body[start:i]):
                storing += 1
                break
    return kernels, barriers, storing


def staged_share(kilnc, model, arch, work, flags=()):
    """The share of `model`'s reduction iterations in staged kernels, as
    kiln-tile-for-gpu reports it (a percentage, as text)."""
    linalg = os.path.join(work, "z.mlir")
    subprocess.run([kilnc, model, "--gpu", arch, *flags, "--emit=linalg", "-o", linalg],
                   check=True)
    opt = os.path.join(os.path.dirname(kilnc), "kiln-opt")
    report = subprocess.run(
        [opt, linalg, "-mlir-print-op-on-diagnostic=false", "-o", os.devnull,
         "--pass-pipeline=builtin.module(func.func(kiln-gpu-conv-to-staged-matmul,"
         "kiln-tile-for-gpu{report=true}))"],
        check=True, capture_output=True, text=True).stderr
    staged = shared = alone = 0
    for match in re.finditer(r"reduction iterations: (\d+) staged \(\d+ ops[^)]*\), "
                             r"(\d+) shared by a block, (\d+) folded by a thread alone",
                             report):
        staged += int(match.group(1))
        shared += int(match.group(2))
        alone += int(match.group(3))
    total = staged + shared + alone
    return f"{100 * staged / total:.0f}%" if total else "-"


def workspace_bytes(kilnc, model, arch, work, flags=()):
    """The device workspace the library of `model` declares (bytes)."""
    subprocess.run([kilnc, model, "--gpu", arch, *flags, "--name", "z", "-o",
                    os.path.join(work, "libz.a")], check=True)
    header = open(os.path.join(work, "z.h")).read()
    return int(re.search(r"#define z_WORKSPACE_SIZE (\d+)", header).group(1))


def sass_sum(kilnc, model, arch, work, flags=()):
    """The main loops' SASS of `model`'s kernels, summed: "instructions/math"
    over the kernels whose main loop has FFMAs or HMMAs (static counts, one
    k step of the loop body a kernel: sass_loops)."""
    _, cubin, _ = assemble(kilnc, model, arch, list(flags), work)
    loops = [tuple(map(float, v.split("/"))) for v in sass_loops(find_nvdisasm(), cubin).values()]
    loops = [l for l in loops if l[1] > 0]
    return f"{sum(l[0] for l in loops):g}/{sum(l[1] for l in loops):g}"


def print_kernel_header(compilers):
    """The header of print_kernels' rows."""
    print("| model | kernel | " + " | ".join(
        f"{label}: regs, spill B, smem B, ld.shared (scalar/v2/v4), fma, mma, "
        "SASS loop (instrs/math/moves)"
        for label, *_ in compilers) + " |")
    print("|---|---|" + "---|" * len(compilers))


def print_kernels(model, results):
    """One row a kernel that uses shared memory: kernel_stats of each kilnc
    (results) side by side."""
    for kernel in sorted(results[0], key=lambda k: (len(k), k)):
        cells = [", ".join(str(v) for v in r[kernel]) if kernel in r else "-" for r in results]
        print(f"| {model} | {kernel} | " + " | ".join(cells) + " |")


def zoo_main(args, compilers):
    columns = "kernels, with barriers, storing in a loop, staged work" + (
        ", workspace bytes" if args.workspace else "") + (
        ", main loops' SASS (instrs/math)" if args.sass else "")
    print("| model | " + " | ".join(f"{label}: {columns}" for label, *_ in compilers) + " |")
    print("|---|" + "---|" * len(compilers))
    per_kernel = []
    with tempfile.TemporaryDirectory() as work:
        for name in args.zoo.split(","):
            # (A path to a model file, or a zoo model's name.)
            model = name if os.path.isfile(name) else os.path.join(args.cache, name,
                                                                   "model.onnx")
            flags = args.kilnc_arg
            cells = []
            for _, k, extra in compilers:
                values = list(map(str, loop_stores(k, model, args.arch, work, flags + extra)))
                values.append(staged_share(k, model, args.arch, work, flags + extra))
                if args.workspace:
                    values.append(str(workspace_bytes(k, model, args.arch, work,
                                                      flags + extra)))
                if args.sass:
                    values.append(sass_sum(k, model, args.arch, work, flags + extra))
                cells.append(", ".join(values))
            print(f"| {name} | " + " | ".join(cells) + " |")
            if args.kernels:
                per_kernel.append((name, [kernel_stats(k, model, args.arch, flags + extra, work)
                                          for _, k, extra in compilers]))
        if per_kernel:
            print()
            print_kernel_header(compilers)
            for name, results in per_kernel:
                print_kernels(name, results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kilnc", default=os.path.join(ROOT, "build", "bin", "kilnc"))
    parser.add_argument("--base", help="a second kilnc to compare with")
    parser.add_argument("--new-arg", action="append", default=[],
                        help="a flag for --kilnc's runs only, not --base's (with --base the "
                             "same kilnc: what the flag changes, e.g. --gpu-async-copies); "
                             "repeatable")
    parser.add_argument("--arch", default="sm_90")
    parser.add_argument("--sizes", default="1024,2048,4096")
    parser.add_argument("--zoo", help="zoo models (comma-separated names, or paths to model "
                                      "files) instead of the GEMMs")
    parser.add_argument("--kilnc-arg", action="append", default=[],
                        help="with --zoo: a flag for every kilnc run (e.g. --gpu-tf32); "
                             "repeatable")
    parser.add_argument("--cache", default=os.path.join(ROOT, "build", "zoo"),
                        help="where the zoo models are (bench/zoo/zoo.py make)")
    parser.add_argument("--workspace", action="store_true",
                        help="with --zoo: also the device workspace (compiles the library)")
    parser.add_argument("--kernels", action="store_true",
                        help="with --zoo: also a row a kernel that uses shared memory, as for "
                             "the GEMMs (registers, spills, shared memory and loads, FMAs or "
                             "mmas, main loop's SASS)")
    parser.add_argument("--sass", action="store_true",
                        help="with --zoo: also the kernels' main loops' SASS instructions and "
                             "FFMAs/HMMAs, summed over the kernels that have some (needs "
                             "nvdisasm and ptxas)")
    args = parser.parse_args()
    # (label, kilnc, its own flags)
    compilers = [("new", args.kilnc, args.new_arg)] + (
        [("base", args.base, [])] if args.base else [])
    if args.zoo:
        zoo_main(args, compilers)
        return
    with tempfile.TemporaryDirectory() as work:
        models = os.path.join(work, "models")
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gpu", "models.py"), models],
                       check=True, stdout=subprocess.DEVNULL)
        print_kernel_header(compilers)
        for size in args.sizes.split(","):
            for suffix, flags in (("", []), ("_tf32", ["--gpu-tf32"]), ("_f16", []),
                                  ("_bf16", [])):
                source = f"gemm{size}" + ("" if suffix == "_tf32" else suffix)
                model = os.path.join(models, source, "model.onnx")
                if not os.path.exists(model):
                    continue
                print_kernels(f"gemm{size}{suffix}",
                              [kernel_stats(k, model, args.arch, flags + extra, work)
                               for _, k, extra in compilers])


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""dungeon against llama.cpp on the same random-weight GPT-2s, in one run, on this machine.

Builds llama.cpp from the source that PyPI's `llama-cpp-python` package carries, writes
random-weight checkpoints (Scripts/make_random_gpt2.py), converts them to GGUF
(Scripts/gpt2_to_gguf.py, llama.cpp's GPT-2 layout) and quantizes them with llama.cpp's own
llama-quantize, measures the memory bandwidth ceiling (Scripts/bandwidth.c), then prints one
Markdown table: prompt tokens/s at 512 and 1,000 tokens, generated tokens/s after 64 and
after 900 tokens of context, the weights each program streams per second while generating
(bytes per token times tokens/s: the limit a row is held to is the highest of these in the run),
load time and peak memory, median of --runs runs, 2 threads. The runs alternate between the
programs, one of each per round, so a drift in the host's bandwidth falls on both alike.
Then a busy machine (--busy-precisions, q8 by default): generated tokens/s after 64 with two
processes spinning beside the program (`python3 -c "while True: pass"`, as a browser and music
would), median of at least 5 rounds: dungeon with its default threads, dungeon with one thread,
llama.cpp with 2 threads.
Then accuracy (--accuracy-model, the demo model beside the checkout by default): top-1
agreement with full precision and perplexity change of dungeon's q8 and q4 against llama.cpp's
Q8_0 and Q4_0, on the same text and the same predictions: llama-perplexity --kl-divergence
against the F16 GGUF's logits, and `dungeon perplexity --window` (which scores as
llama-perplexity does: windows of N tokens, the second half of each) against f32.

Needs: cmake, a C compiler, Swift; it makes its own venv with numpy and gguf.

    python3 Scripts/bench_peers.py --sizes gpt2,gpt2-xl --precisions f16,q8,q4 --runs 3
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LLAMA_QUANT = {"f32": None, "f16": None, "q8": "Q8_0", "q4": "Q4_0"}
TOOLS = ["llama-bench", "llama-quantize", "llama-perplexity"]


def run(command, **kwargs):
    print("+", " ".join(str(c) for c in command), file=sys.stderr)
    return subprocess.run([str(c) for c in command], check=True, text=True, capture_output=True, **kwargs).stdout


def venv_python(work):
    venv = work / "venv"
    if not (venv / "bin" / "python").exists():
        run([sys.executable, "-m", "venv", venv])
        run([venv / "bin" / "pip", "install", "-q", "numpy", "gguf"])
    return venv / "bin" / "python"


def build_llama(work):
    """llama-bench, llama-quantize and llama-perplexity from the llama-cpp-python source package."""
    binaries = work / "llama.cpp" / "build" / "bin"
    if all((binaries / tool).exists() for tool in TOOLS):
        return binaries
    # The source package, from whatever index or mirror pip is configured with.
    downloads = work / "sdist"
    if not any(downloads.glob("llama_cpp_python-*.tar.gz")):
        # Only the package itself as source: its build tools may come as wheels (with
        # `--no-binary :all:` pip builds cmake and ninja from source first, for many minutes).
        run([sys.executable, "-m", "pip", "download", "--no-binary", "llama-cpp-python", "--no-deps", "--dest", downloads,
             "llama-cpp-python"])
    archive = sorted(downloads.glob("llama_cpp_python-*.tar.gz"))[-1]
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    vendored = work / archive.name.removesuffix(".tar.gz") / "vendor" / "llama.cpp"
    (work / "llama.cpp").unlink(missing_ok=True)
    (work / "llama.cpp").symlink_to(vendored)
    run(["cmake", "-S", vendored, "-B", vendored / "build", "-DCMAKE_BUILD_TYPE=Release", "-DLLAMA_CURL=OFF", "-DGGML_NATIVE=ON"])
    run(["cmake", "--build", vendored / "build", "-j", str(os.cpu_count()), "--target", *TOOLS])
    return binaries


def bandwidth(work):
    binary = work / "bandwidth"
    run(["cc", "-O3", "-march=native", "-fopenmp", ROOT / "Scripts" / "bandwidth.c", "-o", binary])
    return float(run([binary], env={**os.environ, "OMP_NUM_THREADS": str(os.cpu_count())}))


def checkpoint(work, python, size, dtype):
    folder = work / "models" / f"{size}-{dtype}"
    if not (folder / "model.safetensors").exists():
        run([sys.executable, ROOT / "Scripts" / "make_random_gpt2.py", "--size", size, "--dtype", dtype, "--out", folder])
    return folder


def gguf_file(work, python, binaries, folder, precision):
    base = folder.with_suffix(".f32.gguf" if precision == "f32" else ".f16.gguf")
    if not base.exists():
        run([python, ROOT / "Scripts" / "gpt2_to_gguf.py", folder, base, "--type", "f32" if precision == "f32" else "f16"])
    quant = LLAMA_QUANT[precision]
    if quant is None:
        return base
    out = folder.with_suffix(f".{quant.lower()}.gguf")
    if not out.exists():
        run([binaries / "llama-quantize", base, out, quant])
    return out


class Spinners:
    """Processes that keep cores busy while the block runs."""

    def __init__(self, count):
        self.count = count

    def __enter__(self):
        self.processes = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(self.count)]
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            process.kill()
            process.wait()


def dungeon_bench(model, precision, prompt, new, runs, threads=2):
    text = run([ROOT / ".build" / "release" / "dungeon", "bench", "--model", model, "--precision", precision, "--threads", threads,
                "--prompt-tokens", prompt, "--new-tokens", new, "--runs", runs, "--story-kib", 0])
    number = lambda label: float(re.search(label + r":\s+([\d.]+)", text).group(1))
    return {"prompt": number("prompt"), "generate": number("generate"), "load": number("load"), "memory": number("memory") / 1024}


def llama_bench(binaries, model, runs, **options):
    arguments = [binaries / "llama-bench", "-m", model, "-t", 2, "-r", runs, "-o", "json"]
    for key, value in options.items():
        arguments += [f"-{key}", value]
    return json.loads(run(arguments))


def llama_rate(results):
    return statistics.median(results[0]["samples_ts"])


def interleaved(runs, measures):
    """Each measurement once per round, for `runs` rounds, and the median of each. This host's
    bandwidth drifts by up to 1.4x within minutes; taken in turn, both programs see the same drift."""
    samples = [[] for _ in measures]
    for _ in range(runs):
        for taken, measure in zip(samples, measures):
            taken.append(measure())
    return [statistics.median(taken) for taken in samples]


def llama_load(binaries, model):
    """Wall time and peak resident memory of loading the model and generating one token."""
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M", binaries / "llama-bench", "-m", model, "-t", "2",
                          "-p", "0", "-n", "1", "-r", "1"], text=True, capture_output=True, check=True)
    seconds, kib = out.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kib) / 1024 / 1024


def llama_accuracy(binaries, gguf, base, text, window):
    """llama-perplexity's top-1 agreement (%) with the base logits, and PPL(Q)/PPL(base)."""
    out = run([binaries / "llama-perplexity", "-m", gguf, "-f", text, "-c", window, "-t", 2,
               "--kl-divergence-base", base, "--kl-divergence"])
    agreement = float(re.search(r"Same top p:\s+([\d.]+)", out).group(1))
    ratio = float(re.search(r"Mean PPL\(Q\)/PPL\(base\)\s*:\s+([\d.]+)", out).group(1))
    return agreement, ratio


def accuracy(args, python, binaries):
    """Top-1 agreement with full precision: dungeon's q8 and q4 beside llama.cpp's Q8_0 and Q4_0."""
    model, text, window = args.accuracy_model, args.accuracy_text, args.accuracy_window
    folder = args.work / "accuracy"
    folder.mkdir(exist_ok=True)
    base_gguf = folder / "model.f16.gguf"
    if not base_gguf.exists():
        run([python, ROOT / "Scripts" / "gpt2_to_gguf.py", model, base_gguf, "--type", "f16"])
    # The model's files linked into a writable folder, so dungeon caches its compact weights
    # there (their size is the table's last column).
    linked = folder / "model"
    linked.mkdir(exist_ok=True)
    for file in model.iterdir():
        if not (linked / file.name).exists():
            (linked / file.name).symlink_to(file.resolve())
    base = folder / "f16.kld"
    run([binaries / "llama-perplexity", "-m", base_gguf, "-f", text, "-c", window, "-t", 2, "--kl-divergence-base", base])
    scores = run([ROOT / ".build" / "release" / "dungeon", "perplexity", "--model", linked, "--text", text,
                  "--window", window, "--precision", "q8", "q4"])
    positions = int(re.search(r"\((\d+) positions\)", scores).group(1))
    print(f"\nAccuracy: {model.name}, {text.name}, windows of {window} tokens, the second half of each scored "
          f"({positions} predictions); top-1 agreement with full precision (dungeon: f32; llama.cpp: its F16 GGUF's logits).\n")
    print("| precision | program | top-1 agreement | perplexity change | weights MB |")
    print("|---|---|--:|--:|--:|")
    recorded = {"model": model.name, "text": text.name, "window": window, "predictions": positions,
                "llama.cpp": next((a.name.removesuffix(".tar.gz") for a in sorted((args.work / "sdist").glob("*.tar.gz"))),
                                  "vendored in llama-cpp-python")}
    for precision, quant in [("q8", "Q8_0"), ("q4", "Q4_0")]:
        line = re.search(rf"^{precision}\s+perplexity\s+[\d.]+\s+\(([-+\d.]+) %\)\s+top-1 agreement with f32 ([\d.]+) %", scores, re.M)
        cache = linked / f"model.{precision}.dungeon"
        print(f"| {precision} | dungeon | {float(line.group(2)):.1f} % | {float(line.group(1)):+.2f} % | {cache.stat().st_size / 1e6:.1f} |")
        gguf = folder / f"model.{quant.lower()}.gguf"
        if not gguf.exists():
            run([binaries / "llama-quantize", base_gguf, gguf, quant])
        agreement, ratio = llama_accuracy(binaries, gguf, base, text, window)
        recorded[quant] = {"top1_agreement_percent": agreement, "perplexity_ratio": ratio}
        print(f"| {quant} | llama.cpp | {agreement:.1f} % | {(ratio - 1) * 100:+.2f} % | {gguf.stat().st_size / 1e6:.1f} |", flush=True)
    if args.accuracy_fixture:
        args.accuracy_fixture.write_text(json.dumps(recorded, indent=2) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="gpt2,gpt2-medium,gpt2-xl")
    parser.add_argument("--precisions", default="f32,f16,q8,q4")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--busy-precisions", default="q8", help="precisions measured beside two spinning processes ('' for none)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/dungeon-peers"))
    parser.add_argument("--accuracy-model", type=Path, default=ROOT.parent / "shared" / "models" / "adventure-demo",
                        help="a Hugging Face GPT-2 folder whose q8 and q4 accuracy is measured ('' for none)")
    parser.add_argument("--accuracy-text", type=Path, default=ROOT / "Tests" / "GPT2Tests" / "Fixtures" / "held-out" / "prose.txt")
    parser.add_argument("--accuracy-window", type=int, default=512)
    parser.add_argument("--accuracy-fixture", type=Path,
                        help="also write llama.cpp's Q8_0 and Q4_0 accuracy there as JSON (the tests' reference: "
                             "Tests/GPT2Tests/Fixtures/held-out/llama-accuracy.json)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "cmake", "time"], capture_output=True)
    python = venv_python(args.work)
    binaries = build_llama(args.work)
    run(["swift", "build", "-c", "release", "--product", "dungeon"], cwd=ROOT)
    ceiling = bandwidth(args.work)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")

    print(f"Machine: {cpu}, {os.cpu_count()} cores, memory read bandwidth {ceiling:.1f} GB/s (Scripts/bandwidth.c). "
          f"2 threads, median of {args.runs} rounds (one run of each program per round), random weights; "
          f"llama.cpp from llama-cpp-python's source.\n")
    print("| model | precision | program | prompt tok/s @512 | prompt tok/s @1000 | gen tok/s @64 | gen tok/s @900 | weights GB/s @64 | ceiling tok/s | load s | peak GB |")
    print("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    streams = []  # (GB/s, program, model, precision) of every row
    for size in args.sizes.split(","):
        for precision in [p for p in args.precisions.split(",") if p]:
            folder = checkpoint(args.work, python, size, "f32" if precision == "f32" else "f16")
            weights = gguf_file(args.work, python, binaries, folder, precision)
            warm = dungeon_bench(folder, precision, 1, 1, 1)  # makes the compact cache, so loads below are warm
            warm = dungeon_bench(folder, precision, 1, 1, 1)  # a warm load and its peak memory
            rates = lambda **options: lambda: llama_rate(llama_bench(binaries, weights, 1, **options))
            (short, deep, p512, p1000, llama_short, llama_deep, llama_512, llama_1000) = interleaved(args.runs, [
                lambda: dungeon_bench(folder, precision, 64, 64, 1)["generate"],
                lambda: dungeon_bench(folder, precision, 900, 64, 1)["generate"],
                lambda: dungeon_bench(folder, precision, 512, 1, 1)["prompt"],
                lambda: dungeon_bench(folder, precision, 1000, 1, 1)["prompt"],
                rates(p=0, n=64, d=64), rates(p=0, n=64, d=900), rates(p=512, n=0), rates(p=1000, n=0),
            ])
            # Bytes a token streams at this precision: at q8 and q4 the compact cache holds every
            # matrix; at f32 and f16 every weight is read once at the checkpoint's own width
            # (f16's cache holds the layers' matrices laid out again, the embedding is read
            # from the checkpoint).
            cache = folder / f"model.{precision}.dungeon"
            streamed = (cache if precision in ("q8", "q4") else folder / "model.safetensors").stat().st_size
            ceiling_rate = ceiling * 1e9 / streamed
            rate = streamed * short / 1e9
            streams.append((rate, "dungeon", size, precision))
            print(f"| {size} | {precision} | dungeon | {p512:.0f} | {p1000:.0f} | {short:.1f} "
                  f"| {deep:.1f} | {rate:.1f} | {ceiling_rate:.1f} | {warm['load']:.2f} | {warm['memory']:.2f} |", flush=True)

            load, peak = llama_load(binaries, weights)
            name = LLAMA_QUANT[precision] or precision.upper()
            rate = weights.stat().st_size * llama_short / 1e9
            streams.append((rate, "llama.cpp", size, name))
            print(f"| {size} | {name} | llama.cpp | {llama_512:.0f} | {llama_1000:.0f} | {llama_short:.1f} | {llama_deep:.1f} "
                  f"| {rate:.1f} | {ceiling * 1e9 / weights.stat().st_size:.1f} | {load:.2f}¹ | {peak:.2f} |", flush=True)
    print("\n¹ llama.cpp: wall time of loading and generating one token (llama-bench has no load timer).")
    if streams:
        best = max(streams)
        print(f"\nHighest weights streamed in this run: {best[0]:.1f} GB/s ({best[1]}, {best[2]} {best[3]}); "
              f"weights GB/s = the bytes a token reads (dungeon's compact cache or checkpoint, llama.cpp's GGUF) × tok/s @64.")

    if str(args.accuracy_model) not in ("", "."):
        if (args.accuracy_model / "model.safetensors").exists():
            accuracy(args, python, binaries)
        else:
            print(f"\nAccuracy: skipped, no model at {args.accuracy_model}.")

    busy = [p for p in args.busy_precisions.split(",") if p]
    if busy:
        runs = max(5, args.runs)
        print(f"\nBusy machine: generated tok/s after 64 tokens with two processes spinning beside the program, median of {runs} rounds (one run of each per round).\n")
        print("| model | precision | dungeon (default: 2 threads) | dungeon 1 thread | llama.cpp 2 threads | dungeon ÷ llama.cpp |")
        print("|---|---|--:|--:|--:|--:|")
        for size in args.sizes.split(","):
            for precision in busy:
                folder = checkpoint(args.work, python, size, "f32" if precision == "f32" else "f16")
                weights = gguf_file(args.work, python, binaries, folder, precision)
                dungeon_bench(folder, precision, 1, 1, 1)  # the compact cache, made before the spinners start
                with Spinners(2):
                    default, alone, llama = interleaved(runs, [
                        lambda: dungeon_bench(folder, precision, 64, 64, 1)["generate"],
                        lambda: dungeon_bench(folder, precision, 64, 64, 1, threads=1)["generate"],
                        lambda: llama_rate(llama_bench(binaries, weights, 1, p=0, n=64, d=64)),
                    ])
                print(f"| {size} | {precision} | {default:.1f} | {alone:.1f} | {llama:.1f} | {default / llama:.2f}× |", flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes a GPT-2 checkpoint with random weights in the Hugging Face layout, for benchmarks
and for playing-through tests where real weights cannot be downloaded. Random weights run
at exactly the speed of real ones; the text they write is noise.

Needs only numpy. Run from the repository root, e.g.:
    python3 Scripts/make_random_gpt2.py --size gpt2 --dtype f32 --out /tmp/gpt2-random
"""
import argparse
import json
import shutil
import struct
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SIZES = {  # n_layer, n_head, n_embd
    "tiny": (2, 2, 64),
    "distilgpt2": (6, 12, 768),
    "gpt2": (12, 12, 768),
    "gpt2-medium": (24, 16, 1024),
    "gpt2-large": (36, 20, 1280),
    "gpt2-xl": (48, 25, 1600),
}
DTYPES = {"f32": (np.float32, "F32"), "f16": (np.float16, "F16")}


def tensors(n_layer, n_embd, n_positions, vocab, rng):
    c = n_embd
    yield "wte.weight", (vocab, c)
    yield "wpe.weight", (n_positions, c)
    for i in range(n_layer):
        p = f"h.{i}."
        yield p + "ln_1.weight", (c,)
        yield p + "ln_1.bias", (c,)
        yield p + "attn.c_attn.weight", (c, 3 * c)
        yield p + "attn.c_attn.bias", (3 * c,)
        yield p + "attn.c_proj.weight", (c, c)
        yield p + "attn.c_proj.bias", (c,)
        yield p + "ln_2.weight", (c,)
        yield p + "ln_2.bias", (c,)
        yield p + "mlp.c_fc.weight", (c, 4 * c)
        yield p + "mlp.c_fc.bias", (4 * c,)
        yield p + "mlp.c_proj.weight", (4 * c, c)
        yield p + "mlp.c_proj.bias", (c,)
    yield "ln_f.weight", (c,)
    yield "ln_f.bias", (c,)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="gpt2")
    parser.add_argument("--dtype", choices=DTYPES, default="f32")
    parser.add_argument("--positions", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    n_layer, n_head, n_embd = SIZES[args.size]
    vocab = 50257
    dtype, dtype_name = DTYPES[args.dtype]
    rng = np.random.default_rng(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    shapes = list(tensors(n_layer, n_embd, args.positions, vocab, rng))
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, shape in shapes:
        size = int(np.prod(shape)) * np.dtype(dtype).itemsize
        header["transformer." + name] = {"dtype": dtype_name, "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-(8 + len(encoded)) % 8)  # keep the data 8-byte aligned, as safetensors does
    with open(out / "model.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for name, shape in shapes:
            if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight"):
                values = np.ones(shape)
            elif name.endswith(".bias"):
                values = np.zeros(shape)
            else:
                values = rng.normal(0, 0.02, size=shape)
            f.write(values.astype(dtype).tobytes())

    config = {
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "activation_function": "gelu_new",
        "n_layer": n_layer, "n_head": n_head, "n_embd": n_embd, "n_positions": args.positions,
        "n_ctx": args.positions, "vocab_size": vocab, "layer_norm_epsilon": 1e-5,
        "bos_token_id": 50256, "eos_token_id": 50256, "torch_dtype": "float32" if args.dtype == "f32" else "float16",
    }
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    shutil.copy(ROOT / "Assets/gpt2-tokenizer/encoder.json", out / "vocab.json")
    shutil.copy(ROOT / "Assets/gpt2-tokenizer/vocab.bpe", out / "merges.txt")
    print(f"wrote random {args.size} ({args.dtype}) to {out}")


if __name__ == "__main__":
    main()

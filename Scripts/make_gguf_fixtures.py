#!/usr/bin/env python3
"""Writes the GGUF test fixtures in Tests/GPT2Tests/Fixtures/gguf with the `gguf` package
(llama.cpp's own Python writer), in the layout llama.cpp's converter uses for GPT-2
(llama.cpp `conversion/gpt2.py`; see Scripts/gpt2_to_gguf.py for the mapping).

From the tiny-f32 fixture's weights it writes tiny-{f32,f16,q8_0,q4_0,q4_1}.gguf, quantized
by gguf.quants (ggml's reference quantizers), and for every variant but f32 the weights as
gguf.quants.dequantize reads them back, in a Hugging Face safetensors file: the reference
the loader must reproduce. The GGUFs carry a small byte-level BPE vocabulary (the 256 byte
tokens, 63 merges, <|endoftext|>), also written as vocab.json + merges.txt.

kquants.gguf holds one random Q6_K and one random Q4_K tensor (the python package cannot
quantize k-quants, but dequantizes them), and kquants.json what gguf.quants.dequantize makes
of them.

Needs: pip install numpy gguf

    python3 Scripts/make_gguf_fixtures.py
"""
import json
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q, quants

from safetensors_io import read_safetensors, write_safetensors

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "Tests/GPT2Tests/Fixtures/tiny-f32"
OUT = ROOT / "Tests/GPT2Tests/Fixtures/gguf"


def byte_alphabet():
    """GPT-2's bytes_to_unicode: printable bytes stand for themselves, the rest from U+0100."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    characters, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            characters[byte] = chr(byte)
        else:
            characters[byte] = chr(256 + extra)
            extra += 1
    return characters


def vocabulary():
    alphabet = byte_alphabet()
    tokens = [alphabet[b] for b in range(256)]
    merges = []
    space = alphabet[ord(" ")]
    pairs = [("t", "h"), ("th", "e"), (space, "the"), ("a", "n"), (space, "a"), ("an", "d"), (space, "and"), ("i", "n"),
             ("o", "n"), ("e", "r"), ("r", "e"), ("o", "u"), (space, "c"), (space, "cat"), ("c", "a"), ("ca", "t")]
    for left, right in pairs:
        if left in tokens and right in tokens and left + right not in tokens:
            merges.append(f"{left} {right}")
            tokens.append(left + right)
    letters = "abcdefghijklmnopqrstuvwxyz"
    for a in letters:
        for b in "aeiou":
            if len(tokens) >= 319:
                break
            if a + b not in tokens:
                merges.append(f"{a} {b}")
                tokens.append(a + b)
    tokens.append("<|endoftext|>")
    assert len(tokens) == 320, len(tokens)
    return tokens, merges


def write_gguf(path, config, tensors, matrix_type, embedding_type, tokens, merges):
    """Returns the weights as gguf reads them back (Hugging Face names and layout)."""
    writer = gguf.GGUFWriter(str(path), "gpt2")
    writer.add_name(path.stem)
    writer.add_block_count(config["n_layer"])
    writer.add_context_length(config["n_positions"])
    writer.add_embedding_length(config["n_embd"])
    writer.add_feed_forward_length(config.get("n_inner") or 4 * config["n_embd"])
    writer.add_head_count(config["n_head"])
    writer.add_layer_norm_eps(config["layer_norm_epsilon"])
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_merges(merges)
    writer.add_eos_token_id(len(tokens) - 1)
    read_back = {}

    def add(name, hf_name, array, kind):
        qtype = {"matrix": matrix_type, "embedding": embedding_type, "vector": Q.F32}[kind]
        array = np.ascontiguousarray(array, dtype=np.float32)
        if qtype == Q.F32:
            writer.add_tensor(name, array)
            back = array
        elif qtype == Q.F16:
            half = array.astype(np.float16)
            writer.add_tensor(name, half)
            back = half.astype(np.float32)
        else:
            data = quants.quantize(array, qtype)
            writer.add_tensor(name, data, raw_shape=data.shape, raw_dtype=qtype)
            back = quants.dequantize(data, qtype).reshape(array.shape)
        read_back[hf_name] = back

    add("token_embd.weight", "wte.weight", tensors["wte.weight"], "embedding")
    add("position_embd.weight", "wpe.weight", tensors["wpe.weight"], "vector")
    add("output_norm.weight", "ln_f.weight", tensors["ln_f.weight"], "vector")
    add("output_norm.bias", "ln_f.bias", tensors["ln_f.bias"], "vector")
    names = {"ln_1": "attn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output",
             "ln_2": "ffn_norm", "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down"}
    for layer in range(config["n_layer"]):
        for source, target in names.items():
            weight = tensors[f"h.{layer}.{source}.weight"]
            if weight.ndim == 2:
                # Hugging Face's Conv1D (inputs, outputs), stored (outputs, inputs) as llama.cpp does.
                add(f"blk.{layer}.{target}.weight", f"h.{layer}.{source}.weight", weight.T, "matrix")
                read_back[f"h.{layer}.{source}.weight"] = read_back[f"h.{layer}.{source}.weight"].T
            else:
                add(f"blk.{layer}.{target}.weight", f"h.{layer}.{source}.weight", weight, "vector")
            add(f"blk.{layer}.{target}.bias", f"h.{layer}.{source}.bias", tensors[f"h.{layer}.{source}.bias"], "vector")
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return read_back


def kquants():
    random = np.random.default_rng(5)
    writer = gguf.GGUFWriter(str(OUT / "kquants.gguf"), "gpt2")
    expected = {}
    for name, qtype, block_bytes, scale_offsets in [("q6k", Q.Q6_K, 210, [208]), ("q4k", Q.Q4_K, 144, [0, 2])]:
        blocks = random.integers(0, 256, size=(2, block_bytes), dtype=np.uint8)
        for offset in scale_offsets:  # small, finite F16 super-scales
            blocks[:, offset:offset + 2] = np.frombuffer(np.float16(random.uniform(0.001, 0.01, 2)).tobytes(), dtype=np.uint8).reshape(2, 2)
        writer.add_tensor(name, blocks, raw_shape=blocks.shape, raw_dtype=qtype)
        expected[name] = [float(v) for v in quants.dequantize(blocks, qtype).reshape(-1)]
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    (OUT / "kquants.json").write_text(json.dumps(expected))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    config = json.loads((SOURCE / "config.json").read_text())
    tensors = read_safetensors(SOURCE / "model.safetensors")
    tokens, merges = vocabulary()
    (OUT / "vocab.json").write_text(json.dumps({token: index for index, token in enumerate(tokens)}, ensure_ascii=False))
    (OUT / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n")
    variants = {"f32": (Q.F32, Q.F32), "f16": (Q.F16, Q.F16), "q8_0": (Q.Q8_0, Q.Q8_0),
                "q4_0": (Q.Q4_0, Q.Q8_0), "q4_1": (Q.Q4_1, Q.Q8_0), "q5_0": (Q.Q5_0, Q.Q8_0), "q5_1": (Q.Q5_1, Q.Q8_0)}
    for name, (matrix_type, embedding_type) in variants.items():
        back = write_gguf(OUT / f"tiny-{name}.gguf", config, tensors, matrix_type, embedding_type, tokens, merges)
        if name != "f32":
            write_safetensors(OUT / f"tiny-{name}.dequantized.safetensors", back)
    kquants()


if __name__ == "__main__":
    main()

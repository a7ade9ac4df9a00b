#!/usr/bin/env python3
"""Converts a Hugging Face GPT-2 folder (config.json, model.safetensors, vocab.json,
merges.txt) to GGUF, in the layout llama.cpp's own converter writes for GPT-2
(llama.cpp `conversion/gpt2.py` GPT2Model and `conversion/base.py` _set_vocab_gpt2):
architecture `gpt2`, the Conv1D weights transposed to (out, in), `blk.N.attn_qkv` and
friends, and the byte-level BPE vocabulary under `tokenizer.ggml.*`.

Used by Scripts/bench_peers.py so that llama.cpp runs the very weights dungeon runs.
Needs: pip install numpy gguf

    python3 Scripts/gpt2_to_gguf.py MODEL_DIR OUT.gguf [--type f32|f16]
"""
import argparse
import json
from pathlib import Path

import numpy as np
import gguf

from safetensors_io import read_safetensors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("out")
    parser.add_argument("--type", choices=["f32", "f16"], default="f16")
    args = parser.parse_args()
    folder = Path(args.model)
    config = json.loads((folder / "config.json").read_text())
    tensors = read_safetensors(folder / "model.safetensors")
    dtype = np.float32 if args.type == "f32" else np.float16

    writer = gguf.GGUFWriter(args.out, "gpt2")
    layers = config["n_layer"]
    writer.add_name(folder.name)
    writer.add_block_count(layers)
    writer.add_context_length(config.get("n_ctx", config.get("n_positions", 1024)))
    writer.add_embedding_length(config["n_embd"])
    writer.add_feed_forward_length(config.get("n_inner") or 4 * config["n_embd"])
    writer.add_head_count(config["n_head"])
    writer.add_layer_norm_eps(config.get("layer_norm_epsilon", 1e-5))
    writer.add_file_type(gguf.LlamaFileType.ALL_F32 if args.type == "f32" else gguf.LlamaFileType.MOSTLY_F16)

    vocab = json.loads((folder / "vocab.json").read_text())
    tokens = [None] * len(vocab)
    for token, index in vocab.items():
        tokens[index] = token
    merges = [line for line in (folder / "merges.txt").read_text().splitlines() if line and not line.startswith("#version")]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types([gguf.TokenType.CONTROL if t == "<|endoftext|>" else gguf.TokenType.NORMAL for t in tokens])
    writer.add_token_merges(merges)
    end = vocab.get("<|endoftext|>", len(tokens) - 1)
    writer.add_bos_token_id(end)
    writer.add_eos_token_id(end)

    def add(name, array, matrix=False):
        # Vectors stay F32, as llama.cpp's converter keeps 1-D tensors.
        writer.add_tensor(name, np.ascontiguousarray(array.astype(dtype if matrix else np.float32)))

    add("token_embd.weight", tensors["wte.weight"], matrix=True)
    add("position_embd.weight", tensors["wpe.weight"], matrix=True)
    add("output_norm.weight", tensors["ln_f.weight"])
    add("output_norm.bias", tensors["ln_f.bias"])
    if "lm_head.weight" in tensors and not np.array_equal(tensors["lm_head.weight"], tensors["wte.weight"]):
        add("output.weight", tensors["lm_head.weight"], matrix=True)
    names = {"ln_1": "attn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output",
             "ln_2": "ffn_norm", "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down"}
    for layer in range(layers):
        for source, target in names.items():
            weight = tensors[f"h.{layer}.{source}.weight"]
            is_matrix = weight.ndim == 2
            add(f"blk.{layer}.{target}.weight", weight.T if is_matrix else weight, matrix=is_matrix)
            add(f"blk.{layer}.{target}.bias", tensors[f"h.{layer}.{source}.bias"])

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    main()

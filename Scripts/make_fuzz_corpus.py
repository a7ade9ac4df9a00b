#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus (Tests/Fuzz/corpus/TARGET/) from the test fixtures, so
each target starts from inputs that get deep into its parser: real checkpoints (cut to
their headers where the data would only slow the fuzzer down), every import fixture, and
request bodies that set every sampler field.

    python3 Scripts/make_fuzz_corpus.py
"""
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GPT2 = ROOT / "Tests/GPT2Tests/Fixtures"
CORPUS = ROOT / "Tests/Fuzz/corpus"


def seed(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def main():
    shutil.rmtree(CORPUS, ignore_errors=True)
    for fixture in ["tiny-f32", "tiny-f16", "tiny-bf16-untied"]:
        data = (GPT2 / fixture / "model.safetensors").read_bytes()
        header = 8 + int.from_bytes(data[:8], "little")
        seed("safetensors", f"{fixture}-header", data[:header + 64])
        seed("safetensors", f"{fixture}-whole", data)
    for name in ["kquants.gguf", "tiny-q8_0.gguf", "tiny-q4_0.gguf"]:
        seed("gguf", name, (GPT2 / "gguf" / name).read_bytes())
    for path in sorted((GPT2 / "pytorch").glob("*.bin")):
        seed("pickle", path.name, path.read_bytes())
    seed("tensorflow", "model.ckpt.index", (GPT2 / "tensorflow/model.ckpt.index").read_bytes())
    for path in sorted((ROOT / "Tests/StorageTests/Fixtures/imports").glob("*.json")):
        seed("importers", path.name, path.read_bytes())
    # Cards and lorebooks, but not the zip bombs: each run would inflate 16 MiB before refusing.
    for path in sorted((ROOT / "Tests/StorageTests/Fixtures/lore").iterdir()):
        if "bomb" not in path.name and path.name != "sillytavern-entry-definition.json":
            seed("lore", path.name, path.read_bytes())
    # saveRows: byte 0 picks the column, byte 1 the kind (text, blob, integer, real).
    for column, kind, payload in [(3, 0, b"2026-12-06 2\xaf:36:42.394"), (1, 0, b'{"temperature": 1e999}'),
                                  (12, 2, b"\x80\x00\x00\x00\x00\x00\x00\x00"), (11, 1, b"\xff\xfe\x00"),
                                  (8, 3, b"\x7f\xf8\x00\x00\x00\x00\x00\x01"), (14, 0, b"[\"dragon\"")]:
        seed("saveRows", f"column{column}-kind{kind}", bytes([column, kind]) + payload)
    kobold = {"prompt": "You wake.", "memory": "m", "max_length": 20, "max_context_length": 512, "temperature": 0.7,
              "top_k": 40, "top_p": 0.9, "min_p": 0.05, "top_a": 0.1, "typical": 0.9, "tfs": 0.9, "rep_pen": 1.1,
              "rep_pen_range": 320, "rep_pen_slope": 0.7, "presence_penalty": 0.1, "dry_multiplier": 0.8,
              "dry_base": 1.75, "dry_allowed_length": 2, "dry_penalty_last_n": 100,
              "dry_sequence_breakers": "[\"\\n\", \":\"]", "xtc_threshold": 0.1, "xtc_probability": 0.5,
              "sampler_order": [6, 0, 1, 3, 4, 2, 5], "sampler_seed": 3, "stop_sequence": ["\n>"],
              "ban_eos_token": True, "genkey": "KCPP1", "logit_bias": {"13": -5}, "custom_token_bans": "198,628",
              "banned_strings": ["suddenly"]}
    seed("httpBodies", "kobold.json", json.dumps(kobold).encode())
    seed("httpBodies", "openai.json", json.dumps({"model": "gpt2", "prompt": ["Once"], "max_tokens": 5, "stop": "\n",
                                                   "seed": 1, "n": 1, "stream": True, "logit_bias": {"50256": -100}}).encode())
    seed("httpBodies", "nested.json", b'{"prompt": {"a": [[[[[]]]]]}, "stop": [null, "x"]}')


if __name__ == "__main__":
    main()

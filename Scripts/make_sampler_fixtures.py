#!/usr/bin/env python3
"""Writes Tests/GPT2Tests/Fixtures/samplers/llama.json: what llama.cpp's own samplers make of
fixed logits and histories, for SamplerReferenceTests.

Runs llama.cpp's samplers (llama-sampling.cpp) through llama-cpp-python's low-level API:
llama_sampler_init_top_k, _top_p, _min_p, _typical, _temp, _xtc (probability 1, its
deterministic part), _penalties (repeat, frequency, presence over the last n tokens) and
_dry, each applied with llama_sampler_apply to a llama_token_data_array. DRY needs a
vocabulary for its sequence breakers: GPT-2's, from a tiny random GPT-2 written by
Scripts/make_random_gpt2.py with Assets/gpt2-tokenizer and converted by Scripts/gpt2_to_gguf.py.

    python3 -m venv /tmp/v && /tmp/v/bin/pip install llama-cpp-python numpy gguf
    /tmp/v/bin/python Scripts/make_sampler_fixtures.py
"""
import ctypes
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import llama_cpp as L
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/GPT2Tests/Fixtures/samplers/llama.json"


def apply(sampler, ids, logits, history=()):
    """The candidates left, in llama.cpp's order, after `sampler` has seen `history`."""
    for token in history:
        L.llama_sampler_accept(sampler, token)
    data = (L.llama_token_data * len(ids))(*[L.llama_token_data(int(i), float(x), 0.0) for i, x in zip(ids, logits)])
    array = L.llama_token_data_array(data, len(ids), -1, False)
    L.llama_sampler_apply(sampler, ctypes.byref(array))
    kept = [(array.data[i].id, array.data[i].logit) for i in range(array.size)]
    L.llama_sampler_free(sampler)
    return {"ids": [k[0] for k in kept], "logits": [k[1] for k in kept]}


def gpt2_vocabulary(work):
    model = work / "tiny"
    subprocess.run([sys.executable, ROOT / "Scripts/make_random_gpt2.py", "--size", "tiny", "--positions", "64", "--out", model], check=True)
    gguf = work / "tiny.gguf"
    subprocess.run([sys.executable, ROOT / "Scripts/gpt2_to_gguf.py", model, gguf, "--type", "f32"], check=True)
    params = L.llama_model_default_params()
    params.vocab_only = True
    loaded = L.llama_model_load_from_file(str(gguf).encode(), params)
    return loaded, L.llama_model_get_vocab(loaded)


def tokenize(vocab, text):
    buffer = (L.llama_token * 512)()
    count = L.llama_tokenize(vocab, text.encode(), len(text.encode()), buffer, 512, False, False)
    return list(buffer[:count])


def main():
    L.llama_backend_init()
    rng = np.random.default_rng(22)
    cases = []

    def logits(count=64, spread=2.0):
        return [float(x) for x in (rng.standard_normal(count) * spread).astype(np.float32)]

    for k in [1, 5, 40]:
        x = logits()
        cases.append({"sampler": "top-k", "value": k, "logits": x, "out": apply(L.llama_sampler_init_top_k(k), range(64), x)})
    for p in [0.5, 0.9, 0.95]:
        x = logits()
        cases.append({"sampler": "top-p", "value": p, "logits": x, "out": apply(L.llama_sampler_init_top_p(p, 1), range(64), x)})
    for p in [0.05, 0.1, 0.3]:
        x = logits()
        cases.append({"sampler": "min-p", "value": p, "logits": x, "out": apply(L.llama_sampler_init_min_p(p, 1), range(64), x)})
    for p in [0.5, 0.9, 0.95]:
        x = logits()
        cases.append({"sampler": "typical", "value": p, "logits": x, "out": apply(L.llama_sampler_init_typical(p, 1), range(64), x)})
    for t in [0.7, 1.3]:
        x = logits()
        cases.append({"sampler": "temperature", "value": t, "logits": x, "out": apply(L.llama_sampler_init_temp(t), range(64), x)})
    for threshold in [0.05, 0.1, 0.2]:
        x = logits(spread=1.5)
        cases.append({"sampler": "xtc", "value": threshold, "logits": x,
                      "out": apply(L.llama_sampler_init_xtc(1.0, threshold, 1, 7), range(64), x)})
    for last_n, repeat, frequency, presence in [(16, 1.3, 0.0, 0.0), (64, 1.2, 0.2, 0.5), (8, 1.0, 0.4, 0.0)]:
        x = logits()
        history = [int(t) for t in rng.integers(0, 64, 40)]
        cases.append({"sampler": "penalties", "lastN": last_n, "repeat": repeat, "frequency": frequency, "presence": presence,
                      "history": history, "logits": x,
                      "out": apply(L.llama_sampler_init_penalties(64, last_n, repeat, frequency, presence), range(64), x, history)})

    with tempfile.TemporaryDirectory() as folder:
        model, vocab = gpt2_vocabulary(Path(folder))
        breakers = ["\n", ":", "\"", "*"]
        texts = [
            "The goblin raises his sword. You run to the door. The goblin raises his sword. You run to the",
            "You open the chest and find a key. You open the chest and find a key. You open the chest and find a",
            "The king said: \"Go home.\" The king said: \"Go",
            "Rain falls on the roof.\nRain falls on the roof.\nRain falls",
            "a b c a b c a b c a b c a b",
        ]
        for text in texts:
            # A vocabulary-only model has no training context, so -1 ("all of it") would turn DRY off: 64 is the window.
            for multiplier, base, allowed, last_n in [(0.8, 1.75, 2, 64), (1.5, 2.0, 3, 24), (0.8, 1.75, 2, 8)]:
                history = tokenize(vocab, text)
                ids = sorted(set(history) | {198, 25, 1, 9, 13, 262})
                x = [float(v) for v in rng.standard_normal(len(ids)).astype(np.float32)]
                c_breakers = (ctypes.c_char_p * len(breakers))(*[b.encode() for b in breakers])
                sampler = L.llama_sampler_init_dry(vocab, multiplier, base, allowed, last_n, c_breakers, len(breakers))
                cases.append({"sampler": "dry", "text": text, "multiplier": multiplier, "base": base, "allowedLength": allowed,
                              "lastN": last_n, "breakers": breakers, "history": history, "ids": ids, "logits": x,
                              "out": apply(sampler, ids, x, history)})
        L.llama_model_free(model)

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"llama_cpp_python": L.__version__, "cases": cases}, indent=0))
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()

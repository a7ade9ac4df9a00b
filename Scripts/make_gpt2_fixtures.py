#!/usr/bin/env python3
"""Writes tiny random GPT-2 checkpoints and Hugging Face reference outputs for them to
Tests/GPT2Tests/Fixtures/<name>/: config.json, model.safetensors and reference.json
(prompt ids, logits of every position of prompt + greedy continuation, greedy tokens).

The checkpoints differ in what the loader must handle: F32 / F16 / BF16 storage, tensor
names with and without the `transformer.` prefix, tied and untied output heads, n_inner,
layer_norm_epsilon. Reference logits come from GPT2LMHeadModel in float32 (F16 and BF16
weights widened, as the Swift engine does).

Needs: pip install torch transformers safetensors. Run from the repository root:
    python3 Scripts/make_gpt2_fixtures.py
"""
import json
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/GPT2Tests/Fixtures"

MODELS = [
    # name, config, storage dtype, write names with "transformer." prefix
    ("tiny-f32", dict(n_layer=2, n_head=4, n_embd=32, n_positions=64, vocab_size=320), torch.float32, True),
    ("tiny-f16", dict(n_layer=3, n_head=2, n_embd=24, n_inner=40, n_positions=48, vocab_size=300,
                      layer_norm_epsilon=1e-6), torch.float16, False),
    ("tiny-bf16-untied", dict(n_layer=2, n_head=3, n_embd=36, n_positions=40, vocab_size=280,
                              tie_word_embeddings=False), torch.bfloat16, True),
]
PROMPT_LENGTH = 11
NEW_TOKENS = 14


def randomise(model, seed):
    """GPT-2's initialisation gives near-uniform logits; wider weights, random biases and
    LayerNorm gains make every part of the forward pass visible in the output."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif name.endswith(".bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.15 * torch.randn(p.shape, generator=g))


def main():
    for index, (name, options, dtype, prefixed) in enumerate(MODELS):
        folder = OUT / name
        folder.mkdir(parents=True, exist_ok=True)
        config = GPT2Config(activation_function="gelu_new", **options)
        torch.manual_seed(index)
        model = GPT2LMHeadModel(config).eval()
        randomise(model, seed=100 + index)

        tensors = {}
        for key, value in model.transformer.state_dict().items():
            if key.endswith(".attn.bias") or key.endswith(".attn.masked_bias"):
                continue
            tensors[("transformer." if prefixed else "") + key] = value.to(dtype).contiguous()
        if not config.tie_word_embeddings:
            tensors["lm_head.weight"] = model.lm_head.weight.to(dtype).contiguous()
        save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
        config.save_pretrained(folder)

        # The reference reads back exactly what was written, widened to float32.
        reference = GPT2LMHeadModel.from_pretrained(folder, dtype=torch.float32).eval()
        g = torch.Generator().manual_seed(7 + index)
        prompt = torch.randint(0, config.vocab_size, (1, PROMPT_LENGTH), generator=g)
        with torch.no_grad():
            generated = reference.generate(
                prompt, do_sample=False, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS,
                eos_token_id=None, pad_token_id=0, repetition_penalty=1.0)
            full = generated[:, : PROMPT_LENGTH + NEW_TOKENS - 1]
            logits = reference(full).logits[0]
        document = {
            "generator": "transformers GPT2LMHeadModel, float32",
            "prompt": prompt[0].tolist(),
            "greedy": generated[0, PROMPT_LENGTH:].tolist(),
            "positions": int(full.shape[1]),
            "vocab_size": config.vocab_size,
            # logits[t] predicts token t + 1 of prompt + greedy; rounded to 6 decimals (values are O(1)).
            "logits": [round(float(x), 6) for x in logits.flatten()],
        }
        (folder / "reference.json").write_text(json.dumps(document) + "\n")
        print(f"{name}: {sum(t.numel() for t in tensors.values())} parameters written")


if __name__ == "__main__":
    main()

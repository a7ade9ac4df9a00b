#!/usr/bin/env python3
"""Writes the PyTorch checkpoint fixtures in Tests/GPT2Tests/Fixtures/pytorch with torch
itself: the tiny-f32 fixture's weights as the state dict Hugging Face's GPT2LMHeadModel
saves (`transformer.*` names, `lm_head.weight` sharing the token embedding's storage),
saved by `torch.save` in the zip format (torch >= 1.6, `pytorch_model.bin`) and in the
legacy format (`_use_new_zipfile_serialization=False`), in F32 and F16; plus hostile
pickles that ask for other globals, which the loader must refuse without running them.

Needs: pip install torch numpy

    python3 Scripts/make_pytorch_fixtures.py
"""
import pickle
from collections import OrderedDict
from pathlib import Path

import torch

from safetensors_io import read_safetensors

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "Tests/GPT2Tests/Fixtures/tiny-f32"
OUT = ROOT / "Tests/GPT2Tests/Fixtures/pytorch"


def state_dict(path):
    """The weights as Hugging Face's GPT2LMHeadModel.state_dict() names them, as torch tensors."""
    return OrderedDict(("transformer." + name, torch.from_numpy(array.copy())) for name, array in read_safetensors(path).items())


class Evil:
    """Pickled as a call to os.system: what a malicious .bin holds."""
    def __reduce__(self):
        import os
        return (os.system, ("echo pwned > /tmp/dungeon-pwned",))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    state = state_dict(SOURCE / "model.safetensors")
    state["lm_head.weight"] = state["transformer.wte.weight"]  # tied, one storage, as Hugging Face saves it
    torch.save(state, OUT / "tiny-f32.bin")
    torch.save(state, OUT / "tiny-f32-legacy.bin", _use_new_zipfile_serialization=False)
    half = OrderedDict((name, tensor.half()) for name, tensor in state.items())
    half["lm_head.weight"] = half["transformer.wte.weight"]
    torch.save(half, OUT / "tiny-f16.bin")
    torch.save(half, OUT / "tiny-f16-legacy.bin", _use_new_zipfile_serialization=False)
    # Hostile: a state dict with a tensor replaced by a call to os.system (zip and legacy).
    evil = OrderedDict([("transformer.wpe.weight", torch.zeros(2, 2)), ("transformer.ln_f.bias", Evil())])
    torch.save(evil, OUT / "evil.bin")
    torch.save(evil, OUT / "evil-legacy.bin", _use_new_zipfile_serialization=False)
    # A plain pickle of the same kind, not even torch's.
    (OUT / "evil-plain.bin").write_bytes(pickle.dumps({"x": Evil()}, protocol=2))


if __name__ == "__main__":
    main()

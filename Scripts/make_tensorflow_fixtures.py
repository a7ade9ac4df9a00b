#!/usr/bin/env python3
"""Writes the TensorFlow checkpoint fixture in Tests/GPT2Tests/Fixtures/tensorflow with
TensorFlow's own Saver: the tiny-f32 fixture's weights under OpenAI's GPT-2 variable names
and shapes, as openai/gpt-2's `src/model.py` creates them (`model/wte`, `model/wpe`,
`model/h0/attn/c_attn/w` of shape [1, nx, nf] from its conv1d, `model/h0/ln_1/g`...), saved
as `model.ckpt` with the `checkpoint` file, and `hparams.json` in the release's format.

Needs: pip install tensorflow-cpu numpy

    python3 Scripts/make_tensorflow_fixtures.py
"""
import json
from pathlib import Path

import numpy as np
import tensorflow as tf

from safetensors_io import read_safetensors

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "Tests/GPT2Tests/Fixtures/tiny-f32"
OUT = ROOT / "Tests/GPT2Tests/Fixtures/tensorflow"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    config = json.loads((SOURCE / "config.json").read_text())
    weights = read_safetensors(SOURCE / "model.safetensors")
    (OUT / "hparams.json").write_text(json.dumps({
        "n_vocab": config["vocab_size"], "n_ctx": config["n_positions"], "n_embd": config["n_embd"],
        "n_head": config["n_head"], "n_layer": config["n_layer"]}, indent=2))
    names = {"wte": "wte.weight", "wpe": "wpe.weight", "ln_f/g": "ln_f.weight", "ln_f/b": "ln_f.bias"}
    parts = {"ln_1/g": "ln_1.weight", "ln_1/b": "ln_1.bias", "attn/c_attn/w": "attn.c_attn.weight",
             "attn/c_attn/b": "attn.c_attn.bias", "attn/c_proj/w": "attn.c_proj.weight", "attn/c_proj/b": "attn.c_proj.bias",
             "ln_2/g": "ln_2.weight", "ln_2/b": "ln_2.bias", "mlp/c_fc/w": "mlp.c_fc.weight", "mlp/c_fc/b": "mlp.c_fc.bias",
             "mlp/c_proj/w": "mlp.c_proj.weight", "mlp/c_proj/b": "mlp.c_proj.bias"}
    for layer in range(config["n_layer"]):
        for tf_name, hf_name in parts.items():
            names[f"h{layer}/{tf_name}"] = f"h.{layer}.{hf_name}"

    tf.compat.v1.disable_eager_execution()
    graph = tf.Graph()
    with graph.as_default():
        with tf.compat.v1.variable_scope("model"):
            for tf_name, hf_name in names.items():
                value = weights[hf_name]
                if tf_name.endswith("/w"):
                    value = value[np.newaxis]  # conv1d's weight: [1, nx, nf]
                tf.compat.v1.get_variable(tf_name, initializer=tf.constant(value))
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            saver.save(session, str(OUT / "model.ckpt"), write_meta_graph=False)
    # As in OpenAI's release: the checkpoint file names the prefix relative to its folder.
    (OUT / "checkpoint").write_text('model_checkpoint_path: "model.ckpt"\nall_model_checkpoint_paths: "model.ckpt"\n')


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes a random-weight llama-architecture GGUF of a chosen size for benchmarks on machines
without Java (the GPU box). The vocabulary is copied from a small GGUF made by the project's
generator (io.llamasae.model.TestModelGenerator), so tokenization is real; weight values do not
matter for speed, so one random block is reused for every layer.

  python3 make_llama_gguf.py VOCAB_SOURCE.gguf OUT.gguf --layers 16 --embd 2048 --ff 8192 --heads 32 --kv-heads 8
                              [--vocab 128256]   (pads the vocabulary with unused tokens: LLaMA-3's output head size)

Needs numpy and llama.cpp's gguf-py (GGUF_PY=path/to/llama.cpp/gguf-py).
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.environ.get("GGUF_PY", "gguf-py"))
import gguf  # noqa: E402


def field_strings(f):
    return [bytes(f.parts[i]).decode("utf-8") for i in f.data]


def field_numbers(f):
    return [f.parts[i][0].item() for i in f.data]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vocab_source")
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=16)
    ap.add_argument("--embd", type=int, default=2048)
    ap.add_argument("--ff", type=int, default=8192)
    ap.add_argument("--heads", type=int, default=32)
    ap.add_argument("--kv-heads", type=int, default=8)
    ap.add_argument("--ctx", type=int, default=4096)
    ap.add_argument("--vocab", type=int, default=0, help="pad the vocabulary to this size with unused tokens")
    a = ap.parse_args()

    src = gguf.GGUFReader(a.vocab_source)
    tokens = field_strings(src.fields["tokenizer.ggml.tokens"])
    scores = field_numbers(src.fields["tokenizer.ggml.scores"])
    types = field_numbers(src.fields["tokenizer.ggml.token_type"])
    for i in range(len(tokens), a.vocab):  # the head's size is what costs; the padding is never produced by the tokenizer
        tokens.append(f"<unused_{i}>")
        scores.append(-1e9)
        types.append(5)  # LLAMA_TOKEN_TYPE_UNUSED
    n_vocab, d, hd = len(tokens), a.embd, a.embd // a.heads

    w = gguf.GGUFWriter(a.out, "llama")
    w.add_name(f"llama-sae bench {a.layers}x{d}")
    w.add_context_length(a.ctx)
    w.add_embedding_length(d)
    w.add_block_count(a.layers)
    w.add_feed_forward_length(a.ff)
    w.add_rope_dimension_count(hd)
    w.add_head_count(a.heads)
    w.add_head_count_kv(a.kv_heads)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0)
    w.add_file_type(1)  # mostly F16
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_add_bos_token(True)

    rng = np.random.default_rng(0)

    def rand(*shape, scale=0.02):
        return (rng.standard_normal(shape, dtype=np.float32) * scale).astype(np.float16)

    block = {
        "attn_q": rand(d, d), "attn_k": rand(a.kv_heads * hd, d), "attn_v": rand(a.kv_heads * hd, d),
        "attn_output": rand(d, d), "ffn_gate": rand(a.ff, d), "ffn_up": rand(a.ff, d), "ffn_down": rand(d, a.ff),
    }
    w.add_tensor("token_embd.weight", rand(n_vocab, d, scale=1.0))
    for il in range(a.layers):
        w.add_tensor(f"blk.{il}.attn_norm.weight", np.ones(d, dtype=np.float32))
        w.add_tensor(f"blk.{il}.ffn_norm.weight", np.ones(d, dtype=np.float32))
        for name, t in block.items():
            w.add_tensor(f"blk.{il}.{name}.weight", t)
    w.add_tensor("output_norm.weight", np.ones(d, dtype=np.float32))
    w.add_tensor("output.weight", rand(n_vocab, d))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {a.out}: {a.layers} layers, n_embd {d}, n_ff {a.ff}, vocab {n_vocab}")


if __name__ == "__main__":
    main()

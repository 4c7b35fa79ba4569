#!/usr/bin/env python3
"""PyTorch eager peer of Mimetic's VisionTransformer and Gpt, for `mimetic bench --pytorch`.

The same model as src/Mimetic/Models/VisionTransformer.cs (patch conv, 2-D sin-cos or learned
positions, pre-norm blocks with fused qkv, GELU MLP, average pooling or class token, linear head),
the same optimizer step (AdamW, label-smoothed cross-entropy, gradient clipping) and batch size,
on synthetic images. With --kind gpt: the same GPT as src/Mimetic/Models/Gpt.cs (token and learned
position embeddings, causal pre-norm blocks, tied output layer) on random tokens of the full context,
AdamW and cross-entropy. Prints one JSON object. Runs with Debian's python3-torch (1.13 on Debian 12,
which has no scaled_dot_product_attention: the explicit softmax(QKᵀ/√k)·V is used then).
"""
import argparse
import json
import math
import statistics
import time

import torch
from torch import nn
import torch.nn.functional as F

HAS_SDPA = hasattr(F, "scaled_dot_product_attention")


class Attention(nn.Module):
    def __init__(self, d, h, causal=False):
        super().__init__()
        self.h = h
        self.causal = causal
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        if HAS_SDPA:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)
        else:
            scores = q @ k.transpose(-2, -1) / math.sqrt(d // self.h)
            if self.causal:
                mask = torch.ones(n, n, dtype=torch.bool).triu(1)
                scores = scores.masked_fill(mask, float("-inf"))
            y = torch.softmax(scores, dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, n, d))


class Block(nn.Module):
    def __init__(self, d, h, ratio, causal=False):
        super().__init__()
        self.norm1 = nn.LayerNorm(d)
        self.attn = Attention(d, h, causal)
        self.norm2 = nn.LayerNorm(d)
        hidden = round(d * ratio)
        self.mlp = nn.Sequential(nn.Linear(d, hidden), nn.GELU(), nn.Linear(hidden, d))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


def sincos(grid, d):
    quarter = d // 4
    omega = 10000.0 ** (-torch.arange(quarter, dtype=torch.float64) / quarter)
    g = torch.arange(grid, dtype=torch.float64)
    rows, cols = g.repeat_interleave(grid), g.repeat(grid)
    r, c = torch.outer(rows, omega), torch.outer(cols, omega)
    return torch.cat([r.sin(), r.cos(), c.sin(), c.cos()], dim=1).float().unsqueeze(0)


class VisionTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, grid = c["Width"], c["ImageSize"] // c["PatchSize"]
        self.cls = c["Pool"] == "ClassToken"
        self.patch_embed = nn.Conv2d(c["Channels"], d, c["PatchSize"], c["PatchSize"])
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d)) if self.cls else None
        tokens = grid * grid + (1 if self.cls else 0)
        if c["Position"] == "Learned":
            self.pos_embed = nn.Parameter(torch.zeros(1, tokens, d).normal_(std=0.02))
        else:
            table = sincos(grid, d)
            if self.cls:
                table = torch.cat([torch.zeros(1, 1, d), table], dim=1)
            self.register_buffer("pos_embed", table)
        self.blocks = nn.ModuleList(Block(d, c["Heads"], c["MlpRatio"]) for _ in range(c["Depth"]))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, c["Classes"])

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        if self.cls:
            x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
        x = x + self.pos_embed
        for block in self.blocks:
            x = block(x)
        x = self.norm(x[:, 0]) if self.cls else self.norm(x.mean(1))
        return self.head(x)


class Gpt(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["Width"]
        self.tok_embed = nn.Embedding(c["VocabSize"], d)
        self.pos_embed = nn.Parameter(torch.zeros(c["ContextLength"], d).normal_(std=0.02))
        self.blocks = nn.ModuleList(Block(d, c["Heads"], c["MlpRatio"], causal=True) for _ in range(c["Depth"]))
        self.norm = nn.LayerNorm(d)

    def forward(self, tokens):
        x = self.tok_embed(tokens) + self.pos_embed[: tokens.shape[-1]]
        for block in self.blocks:
            x = block(x)
        return F.linear(self.norm(x), self.tok_embed.weight)


def median_seconds(warmup, steps, fn):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--config", required=True, help="the model config as JSON (VisionTransformerConfig or GptConfig)")
    p.add_argument("--kind", choices=["vit", "gpt"], default="vit")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    c = json.loads(a.config)
    if a.kind == "gpt":
        model = Gpt(c)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
        x = torch.randint(0, c["VocabSize"], (a.batch_size, c["ContextLength"]))
        y = torch.randint(0, c["VocabSize"], (a.batch_size, c["ContextLength"]))
        items = a.batch_size * c["ContextLength"]   # tokens per step

        def loss_of():
            return F.cross_entropy(model(x).flatten(0, 1), y.flatten())
    else:
        model = VisionTransformer(c)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
        x = torch.randn(a.batch_size, c["Channels"], c["ImageSize"], c["ImageSize"])
        y = torch.randint(0, c["Classes"], (a.batch_size,))
        items = a.batch_size   # images per step

        def loss_of():
            return F.cross_entropy(model(x), y, label_smoothing=0.1)

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = loss_of()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    train = median_seconds(a.warmup, a.steps, train_step)
    model.eval()
    with torch.inference_mode():
        evaluate = median_seconds(a.warmup, a.steps, lambda: model(x))
    print(json.dumps({
        "train_items_per_second": items / train,
        "eval_items_per_second": items / evaluate,
        "torch_version": torch.__version__,
        "sdpa": HAS_SDPA,
        "threads": torch.get_num_threads(),
        "build": torch.__config__.show().splitlines()[0:3],
    }))


if __name__ == "__main__":
    main()

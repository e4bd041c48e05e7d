"""Step 1: CLAP pretraining of the audio + text encoders (symmetric InfoNCE), with auxiliary
supervised losses on the training patients: soft-label HR cross-entropy on a head over the last
layer and per-frame segmentation (S1/systole/S2/diastole) from the .tsv files.

  /usr/bin/python3 -m models.training.pretrain [--data ../shared/data/circor] [--split-seed 0]
"""
from __future__ import annotations

import argparse
import os
import time
from typing import Dict, List, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from models.training import captions as cap
from models.training.common import (Checkpoint, Data, Logger, add_common_args, cosine_lr, hr_metrics_from_logits,
                                    no_hr_loss, predict_logits, run_dir, seed_everything, soft_ce)
from models.training.model import ClapAudio, TextEncoder

STAGE = "pretrain"
EPOCHS = 14
BATCH = 64
LR = 2e-3
W_HR = 1.0
W_SEG = 0.5
W_NO_HR = 0.5
WIDTH = 64
EMBED_DIM = 128


def build_tokenizer(data: Data) -> cap.Tokenizer:
    return cap.Tokenizer.build(data.all_train_captions(), cap.EXTRA_WORDS)


class ClapModel(nn.Module):
    def __init__(self, vocab_size: int) -> None:
        super().__init__()
        self.audio = ClapAudio(WIDTH, EMBED_DIM)
        self.text = TextEncoder(vocab_size, EMBED_DIM)
        self.logit_scale = nn.Parameter(torch.tensor(float(np.log(1 / 0.07))))


def clap_loss(a: torch.Tensor, t: torch.Tensor, scale: torch.Tensor, texts: List[str]) -> torch.Tensor:
    """Symmetric InfoNCE; crops sharing an identical caption are all counted as positives."""
    logits = scale.clamp(max=float(np.log(100.0))).exp() * a @ t.t()
    ids = {s: i for i, s in enumerate(dict.fromkeys(texts))}
    key = torch.tensor([ids[s] for s in texts])
    target = (key[:, None] == key[None, :]).float()
    target = target / target.sum(dim=1, keepdim=True)
    l_a = -(target * F.log_softmax(logits, dim=1)).sum(1).mean()
    l_t = -(target * F.log_softmax(logits.t(), dim=1)).sum(1).mean()
    return 0.5 * (l_a + l_t)


def train(args: argparse.Namespace, data: Data, log: Logger) -> Tuple[ClapModel, cap.Tokenizer]:
    root = run_dir(args)
    ck = Checkpoint(root, STAGE)
    tok = build_tokenizer(data)
    with open(os.path.join(ck.dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        f.write(tok.to_json())
    seed_everything(args.seed)
    model = ClapModel(len(tok.vocab))
    if ck.done():
        model.load_state_dict(ck.load_final()["model"])
        log(f"[{STAGE}] already complete, loaded {ck.final}")
        return model, tok
    epochs = max(1, round(EPOCHS * args.epoch_scale))
    steps_per_epoch = max(1, args.crops_per_epoch // BATCH)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=1e-4)
    start_epoch = 0
    state = ck.load_last()
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        start_epoch = state["epoch"] + 1
        log(f"[{STAGE}] resuming after {start_epoch} completed epochs")
    val_pcm, val_hr = data.window_pcm("validation")
    token_cache: Dict[str, List[int]] = {}
    for epoch in range(start_epoch, epochs):
        t0 = time.time()
        rng = np.random.default_rng([args.seed, 1, epoch])
        torch.manual_seed(args.seed * 1000 + epoch)
        model.train()
        sums = np.zeros(5)
        for step in range(steps_per_epoch):
            g = epoch * steps_per_epoch + step
            for pg in opt.param_groups:
                pg["lr"] = cosine_lr(g, epochs * steps_per_epoch, LR, warmup=steps_per_epoch)
            b = data.sample_augmented(rng, BATCH)
            toks = torch.tensor([token_cache.setdefault(s, tok.encode(s)) for s in b.captions])
            _, a_emb, hr_logits, seg_logits, no_hr_logit = model.audio(b.pcm)
            t_emb = model.text(toks)
            l_clap = clap_loss(a_emb, t_emb, model.logit_scale, b.captions)
            l_hr = soft_ce(hr_logits, b.hr_bpm, b.has_hr)
            l_seg = F.cross_entropy(seg_logits, b.seg, ignore_index=-100)
            l_no = no_hr_loss(no_hr_logit, b)
            loss = l_clap + W_HR * l_hr + W_SEG * l_seg + W_NO_HR * l_no
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sums += [loss.item(), l_clap.item(), l_hr.item(), l_seg.item(), l_no.item()]
        sums /= steps_per_epoch
        model.eval()
        val_logits = predict_logits(lambda x: model.audio(x)[2], val_pcm)
        m = hr_metrics_from_logits(val_logits, val_hr)
        log(f"[{STAGE}] epoch {epoch + 1}/{epochs} loss {sums[0]:.4f} clap {sums[1]:.4f} hr {sums[2]:.4f} "
            f"seg {sums[3]:.4f} no-hr {sums[4]:.4f} temp {model.logit_scale.exp().item():.1f} | val aux-head MAE {m['maeBpm']:.3f} "
            f"within5 {m['within5BpmShare']:.3f} (n={m['count']}) | {time.time() - t0:.0f}s")
        ck.save_last({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch})
    ck.save_final({"model": model.state_dict(), "vocab": tok.vocab})
    return model, tok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(ap)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    log = Logger(os.path.join(run_dir(args), "train.log"))
    data = Data(args)
    log(f"data {data.summary()} loaded in {data.load_seconds:.1f}s")
    train(args, data, log)


if __name__ == "__main__":
    main()

"""Step 2: one HR probe per layer on the FROZEN pretrained encoder (the layer-wise study).

Each probe: mean+max pooled hidden state, plus the periodicity (tempogram at the 211 HR bins)
of 4 learned linear envelopes of that layer, -> MLP(128) -> 211 logits; soft-label CE.
  /usr/bin/python3 -m models.training.probes [--split-seed 0]
"""
from __future__ import annotations

import argparse
import os
import time
from typing import Dict, List

import numpy as np
import torch
import torch.nn as nn

from models.training import pretrain
from models.training.common import (Checkpoint, Data, Logger, add_common_args, cosine_lr, hr_metrics_from_logits,
                                    run_dir, seed_everything, soft_ce)
from models.training.model import probe_head

STAGE = "probes"
EPOCHS = 6
BATCH = 64
LR = 2e-3


@torch.no_grad()
def layer_logits(clap: pretrain.ClapModel, probes: nn.ModuleList, pcm: torch.Tensor, batch: int = 256) -> List[torch.Tensor]:
    outs: List[List[torch.Tensor]] = [[] for _ in probes]
    for i in range(0, len(pcm), batch):
        hidden = clap.audio.encoder(clap.audio.front(pcm[i:i + batch]))
        for k, (p, h) in enumerate(zip(probes, hidden)):
            outs[k].append(p(h))
    return [torch.cat(o) for o in outs]


def train(args: argparse.Namespace, data: Data, log: Logger, clap: pretrain.ClapModel) -> nn.ModuleList:
    ck = Checkpoint(run_dir(args), STAGE)
    seed_everything(args.seed + 2)
    n_layers = len(clap.audio.encoder.layers)
    probes = nn.ModuleList([probe_head(clap.audio.encoder.width) for _ in range(n_layers)])
    if ck.done():
        probes.load_state_dict(ck.load_final()["probes"])
        log(f"[{STAGE}] already complete, loaded {ck.final}")
        return probes
    clap.eval()
    for p in clap.parameters():
        p.requires_grad_(False)
    epochs = max(1, round(EPOCHS * args.epoch_scale))
    steps_per_epoch = max(1, args.crops_per_epoch // BATCH)
    opt = torch.optim.AdamW(probes.parameters(), lr=LR, weight_decay=1e-4)
    start_epoch = 0
    state = ck.load_last()
    if state is not None:
        probes.load_state_dict(state["probes"])
        opt.load_state_dict(state["opt"])
        start_epoch = state["epoch"] + 1
        log(f"[{STAGE}] resuming after {start_epoch} completed epochs")
    val_pcm, val_hr = data.window_pcm("validation")
    for epoch in range(start_epoch, epochs):
        t0 = time.time()
        rng = np.random.default_rng([args.seed, 2, epoch])
        torch.manual_seed(args.seed * 1000 + 500 + epoch)
        probes.train()
        sums = np.zeros(n_layers)
        for step in range(steps_per_epoch):
            g = epoch * steps_per_epoch + step
            for pg in opt.param_groups:
                pg["lr"] = cosine_lr(g, epochs * steps_per_epoch, LR, warmup=steps_per_epoch // 2)
            b = data.sample_augmented(rng, BATCH, no_heart_prob=0.0, lift_prob=0.0)
            with torch.no_grad():
                hidden = clap.audio.encoder(clap.audio.front(b.pcm))
            losses = [soft_ce(p(h), b.hr_bpm, b.has_hr) for p, h in zip(probes, hidden)]
            opt.zero_grad()
            torch.stack(losses).sum().backward()
            opt.step()
            sums += [l.item() for l in losses]
        sums /= steps_per_epoch
        probes.eval()
        maes = [hr_metrics_from_logits(lg, val_hr)["maeBpm"] for lg in layer_logits(clap, probes, val_pcm)]
        log(f"[{STAGE}] epoch {epoch + 1}/{epochs} train CE per layer {' '.join(f'{x:.3f}' for x in sums)} | "
            f"val MAE per layer {' '.join(f'{x:.2f}' for x in maes)} | {time.time() - t0:.0f}s")
        ck.save_last({"probes": probes.state_dict(), "opt": opt.state_dict(), "epoch": epoch})
    ck.save_final({"probes": probes.state_dict()})
    return probes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(ap)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    log = Logger(os.path.join(run_dir(args), "train.log"))
    data = Data(args)
    clap, _ = pretrain.train(args, data, log)
    train(args, data, log, clap)


if __name__ == "__main__":
    main()

"""Step 3: the production HR head: copies of the pretrained encoder's top layers (5-7) + its HR
head, fine-tuned on HR (soft-label CE) with the segmentation loss kept as a regulariser, on top of
the frozen bottom layers (0-4) that the probes also use. The per-layer probes stay on the frozen
encoder; the exported graph holds the frozen encoder and the fine-tuned top.
  /usr/bin/python3 -m models.training.production [--split-seed 0]
"""
from __future__ import annotations

import argparse
import copy
import os
import time
from typing import Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from models.training import pretrain
from models.training.common import (Checkpoint, Data, Logger, add_common_args, cosine_lr, hr_metrics_from_logits,
                                    no_hr_loss, predict_logits, run_dir, seed_everything, soft_ce)
from models.training.model import PRODUCTION_SHARED_LAYERS, ProductionTop

STAGE = "production"
EPOCHS = 8
BATCH = 64
LR = 7e-4
W_SEG = 0.3
W_NO_HR = 1.0


class ProductionModel(nn.Module):
    """Frozen bottom (not a submodule: its BatchNorm stays in eval mode) + trainable top."""

    def __init__(self, clap: pretrain.ClapModel) -> None:
        super().__init__()
        self._clap = [clap]  # list: keep it out of state_dict / parameters
        self.top = ProductionTop(clap.audio.encoder, clap.audio.hr_head)
        self.seg = copy.deepcopy(clap.audio.seg_head)
        self.no_hr = copy.deepcopy(clap.audio.no_hr_head)

    def shared(self, pcm: torch.Tensor) -> torch.Tensor:
        clap = self._clap[0]
        with torch.no_grad():
            x = clap.audio.encoder.input_bn(clap.audio.front(pcm))
            for layer in clap.audio.encoder.layers[:PRODUCTION_SHARED_LAYERS]:
                x = layer(x)
        return x

    def forward(self, pcm: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        last = self.top.features(self.shared(pcm))
        return self.top.head(last), self.seg(last), self.no_hr(last)


def train(args: argparse.Namespace, data: Data, log: Logger, clap: pretrain.ClapModel) -> ProductionModel:
    ck = Checkpoint(run_dir(args), STAGE)
    seed_everything(args.seed + 3)
    clap.eval()
    model = ProductionModel(clap)
    for p in model.parameters():
        p.requires_grad_(True)
    if ck.done():
        model.load_state_dict(ck.load_final()["model"])
        log(f"[{STAGE}] already complete, loaded {ck.final}")
        return model
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
    for epoch in range(start_epoch, epochs):
        t0 = time.time()
        rng = np.random.default_rng([args.seed, 3, epoch])
        torch.manual_seed(args.seed * 1000 + 700 + epoch)
        model.train()
        sums = np.zeros(3)
        for step in range(steps_per_epoch):
            g = epoch * steps_per_epoch + step
            for pg in opt.param_groups:
                pg["lr"] = cosine_lr(g, epochs * steps_per_epoch, LR, warmup=steps_per_epoch // 2)
            b = data.sample_augmented(rng, BATCH)
            hr_logits, seg_logits, no_hr_logit = model(b.pcm)
            l_hr = soft_ce(hr_logits, b.hr_bpm, b.has_hr)
            l_seg = F.cross_entropy(seg_logits, b.seg, ignore_index=-100)
            l_no = no_hr_loss(no_hr_logit, b)
            loss = l_hr + W_SEG * l_seg + W_NO_HR * l_no
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sums += [l_hr.item(), l_seg.item(), l_no.item()]
        sums /= steps_per_epoch
        model.eval()
        m = hr_metrics_from_logits(predict_logits(lambda x: model(x)[0], val_pcm), val_hr)
        log(f"[{STAGE}] epoch {epoch + 1}/{epochs} hr {sums[0]:.4f} seg {sums[1]:.4f} no-hr {sums[2]:.4f} | val MAE {m['maeBpm']:.3f} "
            f"median {m['medianAbsErrorBpm']:.3f} within5 {m['within5BpmShare']:.3f} | {time.time() - t0:.0f}s")
        ck.save_last({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch})
    ck.save_final({"model": model.state_dict()})
    return model


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

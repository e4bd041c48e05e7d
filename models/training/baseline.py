"""The acoustic-feature baseline of Nie et al. 2024 (docs/hr-protocol.md): mel spectrogram + MFCC + PSD +
RMS -> 2D CNN -> HR, trained by the same pipeline (same split, same random crops and soft labels)
and exported to ONNX under the app's model contract, with a model card.

Every feature is computed INSIDE the graph from raw 4 kHz PCM with export-safe ops: an STFT as a
conv1d with fixed Hann-windowed DFT kernels, a fixed mel filterbank matmul, log, a fixed DCT-II
matmul (MFCC), the PSD as the mean power over frames, the RMS per frame. The time-frequency rows
(log-mel, MFCC, log-RMS) form the 2D image of the CNN; the PSD has no time axis, so it joins the
flattened CNN features before the classifier.

Difference from the paper: the output spans 30-240 bpm in 1-bpm bins (211 classes) like the
encoder, so `ausculta eval` decodes both with the same rule; Nie et al. used 141 classes over
40-180 bpm.

  /usr/bin/python3 -m models.training.baseline --split-seed 0 --out models/baseline
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import time
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from models.training.common import (Checkpoint, Data, Logger, add_common_args, cosine_lr, hr_metrics_from_logits,
                                    predict_logits, run_dir, seed_everything, soft_ce, write_json)
from models.training.dataset import SAMPLE_RATE_HZ, WINDOW_SAMPLES
from models.training.export import ATTRIBUTION, NORMALISATION, machine, sha256
from models.training.hr import DECODING_TEXT, HR_MAX_BPM, HR_MIN_BPM, HR_STEP_BPM, NUM_BINS, decode, metrics
from models.training.model import l2_normalise, normalise_pcm

STAGE = "baseline"
MODEL_ID = "acoustic-baseline"
VERSION = "1.0.0"
OPSET = 17
EPOCHS = 10
BATCH = 64
LR = 1e-3

N_FFT = 256  # 64 ms at 4 kHz: 15.6 Hz bins, fine enough for a mel scale from 20 Hz
HOP = 80  # 20 ms -> 251 frames per 5-s window, the encoder's frame rate
N_BINS = N_FFT // 2 + 1  # 129 (0..2000 Hz)
N_MELS = 48
MEL_FMIN_HZ = 20.0
MEL_FMAX_HZ = 2000.0
N_MFCC = 20
N_ROWS = N_MELS + N_MFCC + 1  # log-mel, MFCC, log-RMS
LOG_EPS = 1e-4


def hz_to_mel(f: np.ndarray) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + f / 700.0)


def mel_to_hz(m: np.ndarray) -> np.ndarray:
    return 700.0 * (10 ** (m / 2595.0) - 1.0)


def mel_filterbank() -> np.ndarray:
    """[N_MELS, N_BINS] triangular HTK-mel filters, each normalised to unit area (Slaney style)."""
    freqs = np.arange(N_BINS) * SAMPLE_RATE_HZ / N_FFT
    edges = mel_to_hz(np.linspace(hz_to_mel(np.array(MEL_FMIN_HZ)), hz_to_mel(np.array(MEL_FMAX_HZ)), N_MELS + 2))
    fb = np.zeros((N_MELS, N_BINS))
    for m in range(N_MELS):
        lo, mid, hi = edges[m], edges[m + 1], edges[m + 2]
        up = (freqs - lo) / max(mid - lo, 1e-9)
        down = (hi - freqs) / max(hi - mid, 1e-9)
        fb[m] = np.clip(np.minimum(up, down), 0.0, None)
        if fb[m].sum() == 0:  # narrower than one FFT bin at low frequency: take the nearest bin
            fb[m, int(np.argmin(np.abs(freqs - mid)))] = 1.0
        fb[m] /= fb[m].sum()
    return fb


def dct_matrix() -> np.ndarray:
    """[N_MFCC, N_MELS] orthonormal DCT-II (the usual MFCC transform)."""
    n = np.arange(N_MELS)
    k = np.arange(N_MFCC)[:, None]
    d = np.cos(np.pi * k * (2 * n[None, :] + 1) / (2 * N_MELS)) * math.sqrt(2.0 / N_MELS)
    d[0] /= math.sqrt(2.0)
    return d


class AcousticFeatures(nn.Module):
    """PCM [B, 20000] -> (image [B, 69, 251] of log-mel | MFCC | log-RMS rows, log-PSD [B, 129])."""

    def __init__(self) -> None:
        super().__init__()
        n = np.arange(N_FFT)
        window = 0.5 - 0.5 * np.cos(2 * np.pi * (n + 0.5) / N_FFT)
        k = np.arange(N_BINS)[:, None]
        cos = np.cos(2 * np.pi * k * n[None, :] / N_FFT) * window
        sin = -np.sin(2 * np.pi * k * n[None, :] / N_FFT) * window
        kernel = np.concatenate([cos, sin], 0)[:, None, :] / math.sqrt(N_FFT)
        self.register_buffer("kernel", torch.tensor(kernel, dtype=torch.float32))
        self.register_buffer("rms_kernel", torch.full((1, 1, N_FFT), 1.0 / N_FFT))
        self.register_buffer("mel", torch.tensor(mel_filterbank(), dtype=torch.float32))
        self.register_buffer("dct", torch.tensor(dct_matrix(), dtype=torch.float32))

    def forward(self, pcm: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        x = F.pad(normalise_pcm(pcm).unsqueeze(1), (N_FFT // 2, N_FFT // 2))
        spec = F.conv1d(x, self.kernel, stride=HOP)
        re, im = spec[:, :N_BINS], spec[:, N_BINS:]
        power = re * re + im * im  # [B, 129, 251]
        log_mel = torch.log(torch.matmul(self.mel, power) + LOG_EPS)  # [B, 48, 251]
        mfcc = torch.matmul(self.dct, log_mel)  # [B, 20, 251]
        rms = torch.sqrt(F.conv1d(x * x, self.rms_kernel, stride=HOP) + 1e-8)  # [B, 1, 251]
        log_rms = torch.log(rms + LOG_EPS)
        psd = torch.log(power.mean(dim=2) + LOG_EPS)  # [B, 129]
        return torch.cat([log_mel, mfcc, log_rms], dim=1), psd


class ConvBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, pool: Tuple[int, int]) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.bn = nn.BatchNorm2d(c_out)
        self.pool = pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.max_pool2d(F.relu(self.bn(self.conv(x))), self.pool)


class AcousticCnn(nn.Module):
    """Features -> 4 conv blocks (pooling frequency 16x, time only 4x: the beat period must stay
    visible) -> 1x1 conv to 16 maps -> flatten (+ log-PSD) -> MLP -> 211 HR logits."""

    def __init__(self) -> None:
        super().__init__()
        self.features = AcousticFeatures()
        self.row_bn = nn.BatchNorm1d(N_ROWS)  # per feature row: mel, MFCC and RMS have different scales
        # Narrow (8-16-32-32): on this 2-core machine the CNN must train in minutes per split.
        self.blocks = nn.ModuleList([ConvBlock(1, 8, (2, 2)), ConvBlock(8, 16, (2, 2)),
                                     ConvBlock(16, 32, (2, 1)), ConvBlock(32, 32, (2, 1))])
        self.squeeze = nn.Conv2d(32, 16, 1)
        rows, frames = N_ROWS, 251
        for b in self.blocks:
            rows, frames = rows // b.pool[0], frames // b.pool[1]
        self.flat_dim = 16 * rows * frames
        self.psd_norm = nn.LayerNorm(N_BINS)
        self.fc1 = nn.Linear(self.flat_dim + N_BINS, 256)
        self.drop = nn.Dropout(0.2)
        self.fc2 = nn.Linear(256, NUM_BINS)
        self.embedding_dim = 2 * 32

    def trunk(self, pcm: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        image, psd = self.features(pcm)
        x = self.row_bn(image).unsqueeze(1)
        for b in self.blocks:
            x = b(x)
        return x, psd

    def head(self, x: torch.Tensor, psd: torch.Tensor) -> torch.Tensor:
        z = torch.cat([F.relu(self.squeeze(x)).flatten(1), self.psd_norm(psd)], dim=1)
        return self.fc2(self.drop(F.gelu(self.fc1(z))))

    def forward(self, pcm: torch.Tensor) -> torch.Tensor:
        x, psd = self.trunk(pcm)
        return self.head(x, psd)


class BaselineGraph(nn.Module):
    """The app's contract: pcm -> hr_probs [B, 211], layer_probs [B, 1, 211] (the one head
    repeated), embedding [B, 64] (L2-normalised mean+max pooled last CNN maps)."""

    def __init__(self, cnn: AcousticCnn) -> None:
        super().__init__()
        self.cnn = cnn

    def forward(self, pcm: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x, psd = self.cnn.trunk(pcm)
        hr = torch.softmax(self.cnn.head(x, psd), dim=1)
        emb = l2_normalise(torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1))
        return hr, hr.unsqueeze(1), emb


def train(args: argparse.Namespace, data: Data, log: Logger, epochs: Optional[int] = None) -> AcousticCnn:
    ck = Checkpoint(run_dir(args), STAGE)
    seed_everything(args.seed + 4)
    model = AcousticCnn()
    if ck.done():
        model.load_state_dict(ck.load_final()["model"])
        log(f"[{STAGE}] already complete, loaded {ck.final}")
        return model.eval()
    epochs = epochs if epochs is not None else max(1, round(EPOCHS * args.epoch_scale))
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
        # Stage id 4: the same crop sampler and augmentations as the encoder, an independent stream.
        rng = np.random.default_rng([args.seed, 4, epoch])
        torch.manual_seed(args.seed * 1000 + 900 + epoch)
        model.train()
        total = 0.0
        for step in range(steps_per_epoch):
            g = epoch * steps_per_epoch + step
            for pg in opt.param_groups:
                pg["lr"] = cosine_lr(g, epochs * steps_per_epoch, LR, warmup=steps_per_epoch // 2)
            b = data.sample_crops(rng, BATCH)
            loss = soft_ce(model(b.pcm), b.hr_bpm)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            total += loss.item()
        model.eval()
        m = hr_metrics_from_logits(predict_logits(model, val_pcm), val_hr)
        log(f"[{STAGE}] epoch {epoch + 1}/{epochs} CE {total / steps_per_epoch:.4f} | val MAE {m['maeBpm']:.3f} "
            f"median {m['medianAbsErrorBpm']:.3f} within5 {m['within5BpmShare']:.3f} (n={m['count']}) | "
            f"{time.time() - t0:.0f}s")
        ck.save_last({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch})
    ck.save_final({"model": model.state_dict(), "epochs": epochs, "cropsPerEpoch": args.crops_per_epoch})
    return model.eval()


@torch.no_grad()
def evaluate(model: AcousticCnn, data: Data) -> Dict[str, Dict[str, float]]:
    model.eval()
    out = {}
    for split in ("validation", "test"):
        pcm, true = data.window_pcm(split)
        out[split] = hr_metrics_from_logits(predict_logits(model, pcm), true)
    return out


def export(args: argparse.Namespace, data: Data, log: Logger, model: AcousticCnn, out_dir: str,
           wall_seconds: Optional[float] = None) -> Dict[str, object]:
    """Write <out_dir>/acoustic-baseline.onnx + .card.json; metrics come from the exported module."""
    os.makedirs(out_dir, exist_ok=True)
    graph = BaselineGraph(model.eval()).eval()
    results: Dict[str, Dict[str, float]] = {}
    for split in ("validation", "test"):
        pcm, true = data.window_pcm(split)
        with torch.no_grad():
            probs = torch.cat([graph(pcm[i:i + 256])[0] for i in range(0, len(pcm), 256)]).numpy()
        results[split] = metrics(decode(probs)[0], true)
    onnx_path = os.path.join(out_dir, f"{MODEL_ID}.onnx")
    dummy = data.window_pcm("validation")[0][:2]
    torch.onnx.export(graph, (dummy,), onnx_path, opset_version=OPSET, input_names=["pcm"],
                      output_names=["hr_probs", "layer_probs", "embedding"],
                      dynamic_axes={k: {0: "batch"} for k in ("pcm", "hr_probs", "layer_probs", "embedding")},
                      do_constant_folding=True)
    summary = data.summary()
    ck = Checkpoint(run_dir(args), STAGE)
    trained = ck.load_final() if ck.done() else {}
    card = {
        "id": MODEL_ID, "version": VERSION,
        "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "onnx": {"file": os.path.basename(onnx_path), "sha256": sha256(onnx_path),
                 "bytes": os.path.getsize(onnx_path), "opset": OPSET},
        "input": {"name": "pcm", "sampleRateHz": SAMPLE_RATE_HZ, "windowSamples": WINDOW_SAMPLES, "windowSeconds": 5,
                  "normalisation": NORMALISATION},
        "outputs": {"hrProbs": "hr_probs", "layerProbs": "layer_probs", "embedding": "embedding"},
        "embeddingDim": model.embedding_dim,
        "hrBins": {"minBpm": HR_MIN_BPM, "maxBpm": HR_MAX_BPM, "stepBpm": HR_STEP_BPM},
        "hrBinsNote": "30-240 bpm in 1-bpm bins (211 classes) like the encoder, so eval and decoding are the same; "
                      "Nie et al. 2024 used 141 classes over 40-180 bpm",
        "decoding": DECODING_TEXT,
        "architecture": (f"acoustic-feature baseline after Nie et al. 2024: in-graph features from the normalised "
                         f"PCM (STFT {N_FFT}-sample Hann, hop {HOP} -> {N_MELS} log-mel bands "
                         f"{MEL_FMIN_HZ:.0f}-{MEL_FMAX_HZ:.0f} Hz, {N_MFCC} MFCC, log-RMS per frame, log-PSD = "
                         f"mean power over frames); 2D CNN (4 conv3x3+BN+ReLU+maxpool blocks 8-16-32-32) on "
                         f"the {N_ROWS}x251 feature image, 1x1 conv to 16 maps, flatten + log-PSD -> MLP(256) -> "
                         f"211 logits; embedding = L2-normalised mean+max pool of the last conv maps"),
        "training": {
            "dataset": "CirCor DigiScope v1.0.3 development subset",
            "patients": {k: v["patients"] for k, v in summary.items()},
            "recordings": {k: v["recordings"] for k, v in summary.items()},
            "windows": {k: v["windows"] for k, v in summary.items()},
            "splitSeed": args.split_seed, "trainingSeed": args.seed,
            "splitPatients": data.split,
            "objective": "soft-label (Gaussian, sigma 1.5 bpm) HR cross-entropy on random 5-s crops of training "
                         "patients (same sampler and augmentations as the encoder: time-stretch, noise, gain)",
            "epochs": trained.get("epochs"), "cropsPerEpoch": trained.get("cropsPerEpoch"), "batch": BATCH,
            "attribution": ATTRIBUTION,
        },
        "layers": [{"index": 0, "name": "cnn", "width": model.embedding_dim, "validation": results["validation"]}],
        "production": {"validation": results["validation"], "test": results["test"]},
        "reference": "Nie et al. 2024 report 1.312 bpm MAE for their 2D CNN on CirCor (their own protocol)",
        "trainingWallSeconds": None if wall_seconds is None else round(wall_seconds, 1),
        "machine": machine(),
    }
    write_json(os.path.join(out_dir, f"{MODEL_ID}.card.json"), card)
    log(f"[{STAGE}] exported {onnx_path} ({card['onnx']['bytes']} bytes): val {results['validation']} "
        f"test {results['test']}")
    return card


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(ap)
    ap.add_argument("--epochs", type=int, default=None, help=f"baseline epochs (default {EPOCHS} x --epoch-scale)")
    ap.set_defaults(out=os.path.join("models", "baseline"))
    args = ap.parse_args()
    if args.run is None:
        args.run = f"baseline-split{args.split_seed}"
    torch.set_num_threads(args.threads)
    log = Logger(os.path.join(run_dir(args), "train.log"))
    data = Data(args)
    log(f"[{STAGE}] data {data.summary()}")
    t0 = time.time()
    model = train(args, data, log, args.epochs)
    export(args, data, log, model, args.out, time.time() - t0)


if __name__ == "__main__":
    main()

"""Shared training plumbing: data preparation, random crops with on-the-fly labels, evaluation,
seeds, logging and resumable checkpoints."""
from __future__ import annotations

import argparse
import json
import os
import random
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from models.training import captions as cap
from models.training import protocol
from models.training.dataset import (DEFAULT_DATA_DIR, SAMPLE_RATE_HZ, WINDOW_SAMPLES, Patient, Recording,
                                     WindowRef, labelled_windows, load_patients)
from models.training.hr import HR_MAX_BPM, HR_MIN_BPM, decode, metrics, soft_labels
from models.training.model import FRAME_S, N_FRAMES
from models.training.splits import split_patients

HERE = os.path.dirname(os.path.abspath(__file__))
RUNS_DIR = os.path.join(HERE, "runs")


def add_common_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--data", default=DEFAULT_DATA_DIR, help="CirCor-format folder")
    ap.add_argument("--split-seed", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0, help="training seed")
    ap.add_argument("--run", default=None, help="run name under models/training/runs (default split<seed>)")
    ap.add_argument("--out", default="models", help="where the shipped files go (export step)")
    ap.add_argument("--limit-patients", type=int, default=None, help="smoke test on the first N patients")
    ap.add_argument("--epoch-scale", type=float, default=1.0, help="multiply every stage's epoch count")
    ap.add_argument("--crops-per-epoch", type=int, default=6000)
    ap.add_argument("--threads", type=int, default=2)


def run_dir(args: argparse.Namespace) -> str:
    name = args.run or f"split{args.split_seed}"
    path = os.path.join(RUNS_DIR, name)
    os.makedirs(path, exist_ok=True)
    return path


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


class Logger:
    def __init__(self, path: str) -> None:
        self.path = path

    def __call__(self, msg: str) -> None:
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {msg}"
        print(line, flush=True)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line + "\n")


@dataclass
class CropBatch:
    pcm: torch.Tensor  # [B, 20000] float32
    hr_bpm: torch.Tensor  # [B]
    seg: torch.Tensor  # [B, 251] int64 class 0..3 (S1, systole, S2, diastole), -100 unknown
    captions: List[str]


class Data:
    """Patients, split, recordings by split, protocol windows and a seeded crop sampler."""

    def __init__(self, args: argparse.Namespace) -> None:
        t0 = time.time()
        self.patients: List[Patient] = load_patients(args.data, load_audio=True, limit_patients=args.limit_patients)
        self.split = split_patients(self.patients, args.split_seed)
        self.by_id: Dict[str, Patient] = {p.patient_id: p for p in self.patients}
        self.recordings: Dict[str, List[Recording]] = {}
        for name, ids in self.split.items():
            self.recordings[name] = [r for pid in ids for r in self.by_id[pid].recordings]
        self.windows: Dict[str, List[WindowRef]] = {k: labelled_windows(v) for k, v in self.recordings.items()}
        self.load_seconds = time.time() - t0
        # Runs that can hold a window, for random crops (train split only).
        self.train_runs: List[Tuple[int, protocol.Run]] = []
        for i, rec in enumerate(self.recordings["train"]):
            for run in rec.runs:
                if min(run.end_s, rec.duration_s) - run.start_s >= 5.0 / 1.25:
                    self.train_runs.append((i, run))

    def _run_cdf(self) -> np.ndarray:
        """Runs are drawn in proportion to their usable length (uniform over train audio time)."""
        if getattr(self, "_cdf", None) is None:
            lengths = np.array([min(r.end_s, self.recordings["train"][i].duration_s) - r.start_s
                                for i, r in self.train_runs])
            self._cdf = np.cumsum(lengths) / lengths.sum()
        return self._cdf

    def summary(self) -> Dict[str, Dict[str, int]]:
        return {k: {"patients": len(self.split[k]), "recordings": len(self.recordings[k]),
                    "windows": len(self.windows[k])} for k in self.split}

    def all_train_captions(self) -> List[str]:
        out = []
        for rec in self.recordings["train"]:
            p = self.by_id[rec.patient_id]
            out.append(cap.caption(p, rec, None, []))
        return out

    def sample_crops(self, rng: np.random.Generator, n: int, stretch_prob: float = 0.5,
                     noise_prob: float = 0.3) -> CropBatch:
        pcm = np.zeros((n, WINDOW_SAMPLES), np.float32)
        hrs = np.zeros(n, np.float32)
        seg = np.full((n, N_FRAMES), -100, np.int64)
        texts: List[str] = []
        runs = self.train_runs
        cdf = self._run_cdf()
        k = 0
        while k < n:
            ri = min(int(np.searchsorted(cdf, rng.random(), side="right")), len(runs) - 1)
            rec_i, run = runs[ri]
            rec = self.recordings["train"][rec_i]
            stretch = float(np.exp(rng.uniform(np.log(0.8), np.log(1.25)))) if rng.random() < stretch_prob else 1.0
            span_s = 5.0 * stretch
            end_limit = min(run.end_s, rec.duration_s)
            if end_limit - run.start_s < span_s:
                continue
            start_s = float(rng.uniform(run.start_s, end_limit - span_s))
            raw_hr, count = protocol.window_label(run.s1_onsets_s, start_s)
            onsets = [o for o in run.s1_onsets_s if start_s - protocol.EPS <= o < start_s + span_s - protocol.EPS]
            if stretch != 1.0:
                if len(onsets) < protocol.MIN_S1_ONSETS:
                    continue
                hr = 60.0 / float(np.mean(np.diff(onsets))) * stretch
            else:
                if raw_hr is None:
                    continue
                hr = raw_hr
            if not HR_MIN_BPM + 5 <= hr <= HR_MAX_BPM - 5:
                continue
            s0 = int(round(start_s * SAMPLE_RATE_HZ))
            n_src = int(round(span_s * SAMPLE_RATE_HZ))
            src = rec.pcm[s0:s0 + n_src].astype(np.float32) / 32768.0  # type: ignore[index]
            if len(src) < n_src:
                continue
            if stretch != 1.0:
                x = np.interp(np.linspace(0, n_src - 1, WINDOW_SAMPLES), np.arange(n_src), src).astype(np.float32)
            else:
                x = src
            if rng.random() < noise_prob:
                rms = float(np.sqrt(np.mean(x * x)) + 1e-9)
                snr_db = rng.uniform(5.0, 30.0)
                noise = rng.standard_normal(WINDOW_SAMPLES).astype(np.float32)
                if rng.random() < 0.5:  # brown-ish (rumble) noise
                    noise = np.cumsum(noise)
                    noise -= noise.mean()
                    noise /= noise.std() + 1e-9
                x = x + noise * rms * 10 ** (-snr_db / 20)
            x = x * float(np.exp(rng.uniform(np.log(0.05), np.log(20.0)))) * (1 if rng.random() < 0.5 else -1)
            pcm[k] = x
            hrs[k] = hr
            # Segmentation class of each 20-ms frame (frame j at j*20 ms of the output window).
            t = start_s + np.arange(N_FRAMES) * FRAME_S * stretch
            starts, ends, labels = self._run_arrays(ri)
            idx = np.searchsorted(starts, t, side="right") - 1
            ok = idx >= 0
            valid = ok & (t <= ends[np.clip(idx, 0, None)] + 0.010)
            seg[k, valid] = labels[idx[valid]] - 1
            texts.append(cap.caption(self.by_id[rec.patient_id], rec, hr, [o / stretch for o in onsets]))
            k += 1
        return CropBatch(torch.from_numpy(pcm), torch.from_numpy(hrs), torch.from_numpy(seg), texts)

    def _run_arrays(self, ri: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        cache: Dict[int, Tuple[np.ndarray, np.ndarray, np.ndarray]] = self.__dict__.setdefault("_arrays", {})
        if ri not in cache:
            rows = self.train_runs[ri][1].rows
            cache[ri] = (np.array([r.start_s for r in rows]), np.array([r.end_s for r in rows]),
                         np.array([r.label for r in rows]))
        return cache[ri]

    def window_pcm(self, split: str, refs: Optional[Sequence[WindowRef]] = None) -> Tuple[torch.Tensor, np.ndarray]:
        refs = self.windows[split] if refs is None else refs
        recs = self.recordings[split]
        x = np.stack([recs[w.rec_index].pcm[w.start_sample:w.start_sample + WINDOW_SAMPLES]  # type: ignore[index]
                      for w in refs]).astype(np.float32) / 32768.0
        return torch.from_numpy(x), np.array([w.hr_bpm for w in refs])


def soft_ce(logits: torch.Tensor, hr_bpm: torch.Tensor) -> torch.Tensor:
    return -(soft_labels(hr_bpm) * F.log_softmax(logits, dim=1)).sum(dim=1).mean()


@torch.no_grad()
def predict_logits(fn, pcm: torch.Tensor, batch: int = 256) -> torch.Tensor:  # type: ignore[no-untyped-def]
    outs = [fn(pcm[i:i + batch]) for i in range(0, len(pcm), batch)]
    return torch.cat(outs) if outs and isinstance(outs[0], torch.Tensor) else outs  # type: ignore[return-value]


def hr_metrics_from_logits(logits: torch.Tensor, true_bpm: np.ndarray) -> Dict[str, float]:
    hr, _ = decode(torch.softmax(logits, dim=1).numpy())
    return metrics(hr, true_bpm)


class Checkpoint:
    """<run>/<stage>/last.pt every epoch; <run>/<stage>/final.pt when the stage is complete."""

    def __init__(self, root: str, stage: str) -> None:
        self.dir = os.path.join(root, stage)
        os.makedirs(self.dir, exist_ok=True)
        self.last = os.path.join(self.dir, "last.pt")
        self.final = os.path.join(self.dir, "final.pt")

    def done(self) -> bool:
        return os.path.exists(self.final)

    def save_last(self, state: dict) -> None:
        tmp = self.last + ".tmp"
        torch.save(state, tmp)
        os.replace(tmp, self.last)

    def load_last(self) -> Optional[dict]:
        return torch.load(self.last) if os.path.exists(self.last) else None

    def save_final(self, state: dict) -> None:
        tmp = self.final + ".tmp"
        torch.save(state, tmp)
        os.replace(tmp, self.final)

    def load_final(self) -> dict:
        return torch.load(self.final)


def cosine_lr(step: int, total: int, base: float, warmup: int) -> float:
    if step < warmup:
        return base * (step + 1) / warmup
    p = (step - warmup) / max(1, total - warmup)
    return base * (0.02 + 0.98 * 0.5 * (1 + np.cos(np.pi * min(1.0, p))))


def write_json(path: str, obj: object) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1)

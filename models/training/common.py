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

from models.training import augment as aug
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
    hr_bpm: torch.Tensor  # [B] (meaningless where has_hr is False)
    seg: torch.Tensor  # [B, 251] int64 class 0..3 (S1, systole, S2, diastole), -100 unknown
    captions: List[str]
    # False for windows without a measurable heart rate (no heart sound, too few beats left after
    # a lifted chestpiece); their HR loss is masked and their no-HR target is 1.
    has_hr: Optional[torch.Tensor] = None  # [B] bool

    @property
    def no_hr(self) -> torch.Tensor:
        assert self.has_hr is not None
        return (~self.has_hr).float()


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
        self._backgrounds: Optional[aug.Backgrounds] = None

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

    @property
    def backgrounds(self) -> aug.Backgrounds:
        if self._backgrounds is None:
            self._backgrounds = aug.Backgrounds(os.path.join(RUNS_DIR, "background-cache"))
        return self._backgrounds

    def sample_augmented(self, rng: np.random.Generator, n: int, split: str = "train", tempo_prob: float = 0.6,
                         background_prob: float = 0.45, no_heart_prob: float = 0.15, lift_prob: float = 0.06,
                         device_prob: float = 1.0) -> CropBatch:
        """Crops for every heart and every stethoscope (issue 15, `augment.py`): physiological tempo
        changes to 34-236 bpm, device responses, backgrounds at 0-30 dB SNR, windows with no heart
        sound at all and windows where the chestpiece is lifted or placed mid-window."""
        pcm = np.zeros((n, WINDOW_SAMPLES), np.float32)
        hrs = np.full(n, 100.0, np.float32)
        has = np.zeros(n, bool)
        seg = np.full((n, N_FRAMES), -100, np.int64)
        texts: List[str] = []
        runs = self._split_runs(split)
        cdf = self._split_cdf(split)
        bg = self.backgrounds
        k = 0
        while k < n:
            u = rng.random()
            if u < no_heart_prob:
                x, kinds = bg.random_mix(WINDOW_SAMPLES, rng)
                if "silence" not in kinds:
                    x = aug.device_chain(x, rng, device_prob)
                texts.append("no heart sound; " + " and ".join(dict.fromkeys(aug.CAPTION_WORDS[c] for c in kinds)))
            else:
                crop = self._heart_crop(rng, runs, cdf, split, tempo_prob)
                if crop is None:
                    continue
                x, hr, onsets, frame_labels, caption = crop
                if rng.random() < background_prob:
                    noise, kinds = bg.random_mix(WINDOW_SAMPLES, rng, [c for c in aug.BACKGROUND_KINDS if c != "silence"])
                    snr_db = float(rng.uniform(0.0, 30.0))
                    x = aug.mix_at_snr(x, noise, snr_db)
                    if snr_db < 15:
                        caption += "; " + " and ".join(dict.fromkeys(aug.CAPTION_WORDS[c] for c in kinds)) + " in background"
                if u < no_heart_prob + lift_prob:
                    x, hr, onsets, frame_labels = self._lift_or_place(rng, x, onsets, frame_labels)
                    caption = caption if hr is not None else "no heart sound; chestpiece lifted"
                x = aug.device_chain(x, rng, device_prob)
                if hr is not None:
                    hrs[k], has[k] = hr, True
                seg[k] = frame_labels
                texts.append(caption)
            pcm[k] = x * float(np.exp(rng.uniform(np.log(0.05), np.log(20.0)))) * (1 if rng.random() < 0.5 else -1)
            k += 1
        return CropBatch(torch.from_numpy(pcm), torch.from_numpy(hrs), torch.from_numpy(seg), texts,
                         torch.from_numpy(has))

    def _split_runs(self, split: str) -> List[Tuple[int, protocol.Run]]:
        if split == "train":
            return self.train_runs
        cache: Dict[str, List[Tuple[int, protocol.Run]]] = self.__dict__.setdefault("_split_run_cache", {})
        if split not in cache:
            cache[split] = [(i, run) for i, rec in enumerate(self.recordings[split]) for run in rec.runs
                            if min(run.end_s, rec.duration_s) - run.start_s >= 4.0]
        return cache[split]

    def _split_cdf(self, split: str) -> np.ndarray:
        if split == "train":
            return self._run_cdf()
        cache: Dict[str, np.ndarray] = self.__dict__.setdefault("_split_cdf_cache", {})
        if split not in cache:
            runs = self._split_runs(split)
            lengths = np.array([min(r.end_s, self.recordings[split][i].duration_s) - r.start_s for i, r in runs])
            cache[split] = np.cumsum(lengths) / lengths.sum()
        return cache[split]

    def _heart_crop(self, rng: np.random.Generator, runs: List[Tuple[int, protocol.Run]], cdf: np.ndarray, split: str,
                    tempo_prob: float):  # type: ignore[no-untyped-def]
        """A 5-s crop of a (possibly tempo-changed) annotated run with its protocol label, S1 onsets
        (window-relative seconds) and per-frame segmentation; None when the draw has no label."""
        ri = min(int(np.searchsorted(cdf, rng.random(), side="right")), len(runs) - 1)
        rec_i, run = runs[ri]
        rec = self.recordings[split][rec_i]
        onsets_all = run.s1_onsets_s
        if len(onsets_all) < 2:
            return None
        factor = 1.0
        if rng.random() < tempo_prob:
            hr0 = 60.0 / float(np.mean(np.diff(onsets_all)))
            # Half log-uniform, half uniform: 34-60 and 160-236 bpm end up about as common as the
            # training patients' own 80-130.
            target = float(np.exp(rng.uniform(np.log(34.0), np.log(236.0))) if rng.random() < 0.5
                           else rng.uniform(34.0, 236.0))
            factor = hr0 / target
        warped = aug.warp_run(run.rows, factor, rng, jitter=0.02 if factor != 1.0 else 0.0)
        usable_end = float(np.interp(min(run.end_s, rec.duration_s), warped.old_knots_s, warped.new_knots_s))
        if usable_end < 5.0:
            return None
        start = float(rng.uniform(0.0, usable_end - 5.0))
        new_onsets = warped.new_starts_s[warped.labels == 1]
        hr, _ = protocol.window_label(new_onsets.tolist(), start)
        if hr is None or not HR_MIN_BPM + 2 <= hr <= HR_MAX_BPM - 2:
            return None
        x = aug.render_warped(rec.pcm, warped, start, WINDOW_SAMPLES) / 32768.0  # type: ignore[arg-type]
        t = start + np.arange(N_FRAMES) * FRAME_S
        idx = np.searchsorted(warped.new_starts_s, t, side="right") - 1
        frames = np.full(N_FRAMES, -100, np.int64)
        ok = (idx >= 0) & (t <= warped.end_s)
        frames[ok] = warped.labels[idx[ok]] - 1
        inside = [float(o - start) for o in new_onsets if start - protocol.EPS <= o < start + 5.0 - protocol.EPS]
        caption = cap.caption(self.by_id[rec.patient_id], rec, hr, inside)
        return x.astype(np.float32), hr, inside, frames, caption

    def _lift_or_place(  # type: ignore[no-untyped-def]
        self, rng: np.random.Generator, x: np.ndarray, onsets: List[float], frames: np.ndarray
    ):
        """The chestpiece lifted (heart, then ambient) or placed (ambient, then heart) mid-window.
        The window keeps an HR only when >= 3 S1 onsets and >= 3 s of heart remain."""
        at_s = float(rng.uniform(0.5, 4.5))
        at = int(at_s * SAMPLE_RATE_HZ)
        kind = str(rng.choice(["silence", "white", "pink", "brown", "rubbing", "thumps", "hum"]))
        ambient = self.backgrounds.make(kind, WINDOW_SAMPLES, rng)
        if kind != "silence":
            rms = float(np.sqrt(np.mean(x * x))) + 1e-9
            ambient = ambient * rms * float(10 ** (rng.uniform(-40, 10) / 20))
        lifted = rng.random() < 0.5
        y = aug.crossfade_splice(x, ambient, at) if lifted else aug.crossfade_splice(ambient, x, at)
        keep = [o for o in onsets if (o < at_s) == lifted]
        heart_s = at_s if lifted else 5.0 - at_s
        t = np.arange(N_FRAMES) * FRAME_S
        frames = np.where((t < at_s) == lifted, frames, -100)
        hr: Optional[float] = None
        if len(keep) >= protocol.MIN_S1_ONSETS and heart_s >= 3.0:
            hr = 60.0 / float(np.mean(np.diff(keep)))
        return y.astype(np.float32), hr, keep, frames

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


def soft_ce(logits: torch.Tensor, hr_bpm: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Soft-label HR cross-entropy, over the windows in `mask` only (those with a measurable HR)."""
    if mask is not None:
        if not bool(mask.any()):
            return logits.sum() * 0.0
        logits, hr_bpm = logits[mask], hr_bpm[mask]
    return -(soft_labels(hr_bpm) * F.log_softmax(logits, dim=1)).sum(dim=1).mean()


def no_hr_loss(logit: torch.Tensor, batch: CropBatch) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logit, batch.no_hr)


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

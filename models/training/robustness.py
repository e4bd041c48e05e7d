"""The robustness suite (issue 15, section 5 "Measure it"): CirCor-format folders of recordings
that `ausculta eval` and the robustness runner analyse, one folder per condition.

Built **only from our own development patients** of one split (`--split validation` for tuning,
`--split test` for reporting; `--split all` takes every patient in `--data`, for the `samples/`
smoke variant in CI), never from training patients:

* heart conditions ("heart": the `.tsv` is the true segmentation, so the protocol windows have a
  reference HR): the clean recordings, hearts slowed to ~40/50 bpm and quickened to
  ~160/190/220 bpm (physiological tempo warp of `augment.py`), other sample rates (1, 2, 8, 44.1,
  48 kHz: the app resamples them with its own resampler), chestpiece and microphone responses,
  automatic gain control, clipping, and backgrounds (white noise, held-out speech, breathing,
  rubbing, 50/60-Hz mains hum) at 20, 10 and 0 dB SNR;
* no-heart conditions ("no-heart": the `.tsv` is empty, there is no heart sound at all): 30-s
  recordings of ADC silence, white/pink/brown noise (pink and brown from `sox` where installed),
  50-Hz hum, 60-Hz hum with harmonics, held-out speech (`espeak-ng`), breathing,
  rubbing/handling and mixtures, under synthetic patient ids 900001...;
* lifted conditions ("lifted"): a clean recording whose chestpiece is lifted at a random time:
  heart audio until then, then silence, room noise or rubbing; the `.tsv` holds the heart part's
  segmentation only.

Every condition draws from `numpy.random.default_rng([seed, crc32(condition id)])` (default seed
2026, not one the training uses), the speech from sentences and espeak-ng voices the training's
`augment.SPEECH_TEXTS`/`augment.VOICES` do not contain, so the same command writes the same bytes.

  /usr/bin/python3 -m models.training.robustness --data ../shared/data/circor --split test \\
      --split-seed 0 --variant full --out /tmp/robustness-test
  /usr/bin/python3 -m models.training.robustness --data samples --split all --variant smoke --out /tmp/rs
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import wave
import zlib
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy import signal

from models.training import augment as aug
from models.training import protocol
from models.training.dataset import Patient, Recording, load_patients, read_pcm16
from models.training.splits import split_patients

FS = 4000
SUITE = "ausculta-robustness"
VERSION = 1
DEFAULT_SEED = 2026
ATTRIBUTION = ("Contains data from the CirCor DigiScope Phonocardiogram Dataset v1.0.3 (Oliveira et al., 2022, "
               "PhysioNet, doi:10.13026/tshs-mw03), used under the ODC Attribution License v1.0.")
MAX_SECONDS = 30.0  # heart recordings are cut to at most this long (around their longest annotated run)
NO_HEART_SECONDS = 30.0
MIN_TEMPO_SECONDS = 6.0  # a tempo-changed run shorter than this (two protocol windows) is skipped
PEAK = 0.9  # every generated recording peaks at <= 0.9 of full scale
FIRST_SYNTHETIC_ID = 900001
LOCATIONS = ("AV", "PV", "TV", "MV")
CIRCOR_COLUMNS = ["Patient ID", "Recording locations:", "Age", "Sex", "Height", "Weight", "Pregnancy status", "Murmur",
                  "Murmur locations", "Most audible location", "Systolic murmur timing", "Systolic murmur shape",
                  "Systolic murmur grading", "Systolic murmur pitch", "Systolic murmur quality",
                  "Diastolic murmur timing", "Diastolic murmur shape", "Diastolic murmur grading",
                  "Diastolic murmur pitch", "Diastolic murmur quality", "Outcome", "Campaign", "Additional ID"]
SYNTHETIC_META = {"Murmur": "Unknown", "Campaign": SUITE}

# Held-out speech: none of these sentences is in augment.SPEECH_TEXTS, none of these espeak-ng
# voices (or variants) in augment.VOICES / its +f3/+m3 variants.
HELD_OUT_SPEECH: List[Tuple[str, str]] = [
    ("en-gb-scotland+m1", "Lie back on the pillow and relax your shoulders for me."),
    ("en-us-nyc+f2", "The monitor on the ward keeps beeping, can somebody check it?"),
    ("en-029+m6", "She was admitted last night with a fever and a dry cough."),
    ("en-gb-x-rp+f4", "Breathe normally now, you do not need to hold it any more."),
    ("it+m2", "Respiri piano, adesso la ascolto con lo stetoscopio."),
    ("en-us-nyc+m5", "Have you felt dizzy when you stand up quickly from a chair?"),
    ("nl+f2", "Gaat u even rechtop zitten, dan luister ik naar uw longen."),
    ("en-gb-scotland+f5", "We are still waiting for the lab results before we decide."),
    ("pl+m1", "Prosze oddychac spokojnie, zaraz skonczymy badanie."),
    ("en-029+f4", "Please sign here and keep a copy of the consent form."),
    ("sv+m6", "Hur lange har du haft ont i brostet, och var sitter det?"),
    ("en-gb-x-rp+m2", "The ambulance will arrive at the front entrance in five minutes."),
]
assert not {t for _, t in HELD_OUT_SPEECH} & set(aug.SPEECH_TEXTS)
assert not {v.split("+")[0] for v, _ in HELD_OUT_SPEECH} & set(aug.VOICES)

Rows = List[Tuple[float, float, int]]


# --------------------------------------------------------------------------------------------
# Sources: development recordings cut to at most MAX_SECONDS


@dataclass
class Source:
    patient: Patient
    rec: Recording
    offset: int  # first sample of the cut in the source recording
    length: int  # samples
    rows: Rows  # in the cut's time base
    labelled: int  # labelled protocol windows in the cut


def round_rows(rows: Rows) -> Rows:
    """Rows as they are written (6 decimals), so every figure computed here matches the file."""
    return [(max(0.0, round(s, 6)), max(0.0, round(e, 6)), int(lab)) for s, e, lab in rows]


def windows_of(rows: Rows, duration_s: float) -> List[protocol.Window]:
    tsv_rows = [protocol.TsvRow(s, e, lab, i + 1) for i, (s, e, lab) in enumerate(rows)]
    return protocol.recording_windows(tsv_rows, duration_s)


def cut_rows(rec: Recording, offset_s: float, length_s: float) -> Rows:
    """Rows starting inside [offset, offset + length), shifted; the last one clipped to the end."""
    out: Rows = []
    for r in rec.rows:
        if r.start_s < offset_s - protocol.EPS or r.start_s >= offset_s + length_s - protocol.EPS:
            continue
        out.append((r.start_s - offset_s, min(r.end_s, offset_s + length_s) - offset_s, r.label))
    return round_rows(out)


def make_source(patient: Patient, rec: Recording, max_s: float) -> Optional[Source]:
    n_total = int(round(rec.duration_s * FS))
    runs = [r for r in rec.runs if min(r.end_s, rec.duration_s) - r.start_s > 0]
    if not runs or n_total <= 0:
        return None
    longest = max(runs, key=lambda r: min(r.end_s, rec.duration_s) - r.start_s)
    max_n = int(round(max_s * FS))
    offset = 0 if n_total <= max_n else int(math.floor(max(0.0, min(longest.start_s, (n_total - max_n) / FS)) * FS + 1e-6))
    length = min(n_total - offset, max_n)
    rows = cut_rows(rec, offset / FS, length / FS)
    labelled = sum(w.hr_bpm is not None for w in windows_of(rows, length / FS))
    return Source(patient, rec, offset, length, rows, labelled)


# --------------------------------------------------------------------------------------------
# Output items


@dataclass
class Item:
    patient_id: str
    name: str  # file stem, e.g. 84749_TV
    location: str
    audio: np.ndarray  # float32 in [-1, 1], or int16 written as is
    rate: int
    rows: Rows
    details: Dict[str, object] = field(default_factory=dict)


def to_int16(x: np.ndarray) -> np.ndarray:
    if x.dtype == np.int16:
        return x
    return np.clip(np.round(np.asarray(x, np.float64) * 32768.0), -32768, 32767).astype(np.int16)


def limit_peak(x: np.ndarray, peak: float = PEAK) -> np.ndarray:
    """Scaled down (never up) so that the peak is <= `peak` of full scale."""
    p = float(np.max(np.abs(x))) if len(x) else 0.0
    return (x * (peak / p) if p > peak else x).astype(np.float32)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(x, np.float64) ** 2))) + 1e-12


def at_dbfs(x: np.ndarray, dbfs: float) -> np.ndarray:
    """Scaled to an RMS of `dbfs` dB re full scale, then peak-limited."""
    return limit_peak(x / rms(x) * 10 ** (dbfs / 20))


def write_wav(path: str, x: np.ndarray, rate: int) -> None:
    data = to_int16(x)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(rate))
        w.writeframes(data.astype("<i2").tobytes())


# --------------------------------------------------------------------------------------------
# Backgrounds (held out from training where it matters: speech sentences and voices, AGC, hum)


def held_out_speech() -> Tuple[np.ndarray, str]:
    """The held-out sentences spoken by espeak-ng at 4 kHz with pauses between them; a synthetic
    babble (augment's fallback) where espeak-ng is missing."""
    exe = shutil.which("espeak-ng")
    pieces: List[np.ndarray] = []
    if exe is not None:
        with tempfile.TemporaryDirectory() as tmp:
            for i, (voice, text) in enumerate(HELD_OUT_SPEECH):
                path = os.path.join(tmp, f"{i}.wav")
                try:
                    subprocess.run([exe, "-v", voice, "-p", str(35 + (i * 29) % 45), "-s", str(120 + (i * 37) % 70),
                                    "-w", path, text], check=True, capture_output=True, timeout=60)
                    with wave.open(path, "rb") as w:
                        rate = w.getframerate()
                        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
                except (OSError, subprocess.SubprocessError, wave.Error):
                    continue
                pieces.append(signal.resample_poly(x, FS, rate).astype(np.float32))
                pieces.append(np.zeros(int(FS * (0.3 + (i % 3) * 0.25)), np.float32))
    if pieces:
        return np.concatenate(pieces), "espeak-ng"
    return aug._babble(int(60 * FS), np.random.default_rng([DEFAULT_SEED, 7])), "babble"


def speech(stream: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    start = int(rng.integers(0, len(stream)))
    return np.take(stream, np.arange(start, start + n), mode="wrap").astype(np.float32)


def mains_hum(n: int, f0: float, rng: np.random.Generator, rich: bool) -> np.ndarray:
    """Mains hum: the fundamental (+-0.1 % grid deviation) with weak odd harmonics, or (`rich`) a
    buzz with many harmonics of random strength up to 1.9 kHz."""
    f = f0 * (1 + rng.normal(0, 0.001))
    t = np.arange(n) / FS
    x = np.zeros(n, np.float64)
    for k in range(1, int(1900 // f0) + 1):
        if rich:
            a = 1.0 if k == 1 else rng.uniform(0.1, 0.9) / k ** 0.5
        else:
            a = 1.0 if k == 1 else (rng.uniform(0.03, 0.2) / k if k % 2 == 1 and k <= 7 else 0.0)
        if a > 0:
            x += a * np.sin(2 * np.pi * f * k * t + rng.uniform(0, 2 * np.pi))
    return x.astype(np.float32)


def rubbing(n: int, rng: np.random.Generator, thumps: bool) -> np.ndarray:
    """augment's rubbing bursts (and handling thumps) drawn per 5-s chunk, so long recordings are
    as busy as the training windows."""
    chunk = m = 5 * FS  # whole chunks (augment's bursts need room), the end cut off
    out = np.zeros((n + chunk - 1) // chunk * chunk, np.float32)
    for a in range(0, n, chunk):
        part = aug._rubbing(m, rng)
        if thumps:
            th = aug._thumps(m, rng)
            part = part / rms(part) + th / rms(th) * rng.uniform(0.3, 1.0)
        out[a:a + m] = part
    return out[:n]


def sox_noise(colour: str, n: int, rng: np.random.Generator) -> Tuple[np.ndarray, str]:
    """`sox -R -n synth <s> pinknoise|brownnoise` (repeatable; a random start gives each recording
    its own excerpt); numpy noise where sox is missing."""
    exe = shutil.which("sox")
    if exe is not None:
        skip = int(rng.integers(0, 30))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "n.wav")
            try:
                subprocess.run([exe, "-R", "-D", "-n", "-r", str(FS), "-b", "16", "-c", "1", path, "synth",
                                f"{n / FS + skip:.4f}", colour + "noise", "trim", str(skip)],
                               check=True, capture_output=True, timeout=120)
                with wave.open(path, "rb") as w:
                    x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
                if len(x) >= n // 2:
                    return np.resize(x, n).astype(np.float32), "sox"
            except (OSError, subprocess.SubprocessError, wave.Error):
                pass
    return aug.coloured_noise(n, rng, colour), "numpy"


def background(kind: str, n: int, rng: np.random.Generator, speech_stream: np.ndarray) -> np.ndarray:
    """A background at unit RMS."""
    if kind == "white":
        x = rng.standard_normal(n).astype(np.float32)
    elif kind == "pink":
        x = aug.coloured_noise(n, rng, "pink")
    elif kind == "speech":
        x = speech(speech_stream, n, rng)
    elif kind == "breathing":
        x = aug._breathing(n, rng)
    elif kind == "rubbing":
        x = rubbing(n, rng, thumps=False)
    elif kind == "handling":
        x = rubbing(n, rng, thumps=True)
    elif kind == "hum50":
        x = mains_hum(n, 50.0, rng, rich=False)
    elif kind == "hum60":
        x = mains_hum(n, 60.0, rng, rich=True)
    else:
        raise ValueError(kind)
    return (x / rms(x)).astype(np.float32)


def adc_silence(n: int, rng: np.random.Generator) -> np.ndarray:
    """An idle input: the converter's own noise, -84 to -72 dBFS RMS (a few LSB), and a small DC."""
    return (rng.standard_normal(n) * 10 ** (rng.uniform(-84, -72) / 20) + rng.uniform(-3, 3) / 32768).astype(np.float32)


# --------------------------------------------------------------------------------------------
# Device responses (fixed, so each condition is one well-defined device)


def _sos(kind: str, freqs, order: int) -> np.ndarray:
    return signal.butter(order, freqs, btype=kind, fs=FS, output="sos")


def chestpiece(x: np.ndarray, kind: str) -> np.ndarray:
    if kind == "bell":
        y = signal.sosfilt(_sos("bandpass", [20, 200], 2), x)
    elif kind == "diaphragm":
        y = signal.sosfilt(_sos("bandpass", [100, 600], 2), x)
    elif kind == "phone":  # a phone microphone: high-pass ~300 Hz and a presence peak
        y = signal.sosfilt(_sos("highpass", 300, 3), x)
        y = signal.sosfilt(aug._peaking(1500.0, 8.0, 1.5), y)
    else:
        raise ValueError(kind)
    return (y * (rms(x) / rms(y))).astype(np.float32)


def agc(x: np.ndarray, target_dbfs: float = -20.0, max_gain_db: float = 30.0,
        attack_s: float = 0.01, release_s: float = 0.5) -> np.ndarray:
    """A device's automatic gain control: an RMS envelope follower (fast attack, slow release)
    and the gain that brings it to the target level, limited to +max_gain_db. It pumps with the
    heart sounds and lifts the noise in diastole (unlike training's random gain curves)."""
    p = np.asarray(x, np.float64) ** 2
    a_att, a_rel = math.exp(-1 / (attack_s * FS)), math.exp(-1 / (release_s * FS))
    env = np.empty_like(p)
    e = float(np.mean(p[: FS // 10])) + 1e-12
    for i, v in enumerate(p):  # 120k samples at most: fine in Python
        a = a_att if v > e else a_rel
        e = a * e + (1 - a) * v
        env[i] = e
    gain = np.minimum(10 ** (target_dbfs / 20) / np.sqrt(env + 1e-12), 10 ** (max_gain_db / 20))
    return (x * gain).astype(np.float32)


def hard_clip(x: np.ndarray, drive: float) -> np.ndarray:
    """Driven `drive` times past full scale and clipped (then scaled to PEAK)."""
    y = np.clip(x / (float(np.max(np.abs(x))) + 1e-12) * drive, -1.0, 1.0)
    return (y * PEAK).astype(np.float32)


# --------------------------------------------------------------------------------------------
# Conditions


@dataclass
class Context:
    sources: List[Source]  # eligible heart sources, distinct patients first
    speech_stream: np.ndarray
    speech_source: str
    pcm_cache: Dict[str, np.ndarray] = field(default_factory=dict)

    def pcm(self, rec: Recording) -> np.ndarray:
        if rec.wav_path not in self.pcm_cache:
            self.pcm_cache[rec.wav_path] = read_pcm16(rec.wav_path)
        return self.pcm_cache[rec.wav_path]

    def cut(self, src: Source) -> np.ndarray:
        return self.pcm(src.rec)[src.offset:src.offset + src.length]


Builder = Callable[[Context, np.random.Generator, int], List[Item]]


@dataclass
class Condition:
    id: str
    group: str
    kind: str  # heart | no-heart | lifted
    description: str
    rate: int
    build: Builder
    smoke: bool = False


def _source_item(src: Source, audio: np.ndarray, rate: int = FS, rows: Optional[Rows] = None, **details: object) -> Item:
    d: Dict[str, object] = {"source": src.rec.name, "sourceStartS": round(src.offset / FS, 6)}
    d.update(details)
    return Item(src.patient.patient_id, src.rec.name, src.rec.location, audio, rate, src.rows if rows is None else rows, d)


def heart_condition(transform: Callable[[Context, Source, np.ndarray, np.random.Generator], Tuple[np.ndarray, Dict[str, object]]],
                    rate: int = FS) -> Builder:
    """The first n sources, each cut transformed (float in, float at `rate` out), the tsv unchanged."""
    def build(ctx: Context, rng: np.random.Generator, n: int) -> List[Item]:
        items = []
        for src in ctx.sources[:n]:
            x = ctx.cut(src).astype(np.float32) / 32768.0
            y, details = transform(ctx, src, x, rng)
            items.append(_source_item(src, limit_peak(y), rate, **details))
        return items
    return build


def build_clean(ctx: Context, rng: np.random.Generator, n: int) -> List[Item]:
    return [_source_item(src, ctx.cut(src)) for src in ctx.sources[:n]]


def tempo_condition(target_bpm: float) -> Builder:
    def build(ctx: Context, rng: np.random.Generator, n: int) -> List[Item]:
        items: List[Item] = []
        for src in ctx.sources:
            if len(items) >= n:
                break
            rec, pcm = src.rec, ctx.pcm(src.rec)
            dur = len(pcm) / FS
            runs = [r for r in rec.runs if len(r.s1_onsets_s) >= 3 and min(r.end_s, dur) - r.start_s >= 4.0]
            if not runs:
                continue
            run = max(runs, key=lambda r: min(r.end_s, dur) - r.start_s)
            hr0 = 60.0 / float(np.mean(np.diff(run.s1_onsets_s)))
            warped = aug.warp_run(run.rows, hr0 / target_bpm, rng, jitter=0.02)
            usable = float(np.interp(min(run.end_s, dur), warped.old_knots_s, warped.new_knots_s))
            n_out = int(min(usable, MAX_SECONDS) * FS)
            if n_out < MIN_TEMPO_SECONDS * FS:
                continue
            y = aug.render_warped(pcm.astype(np.float32), warped, 0.0, n_out) / 32768.0
            out_s = n_out / FS
            ends = np.append(warped.new_starts_s[1:], warped.end_s)
            rows: Rows = []
            for s, e, lab in zip(warped.new_starts_s, ends, warped.labels):
                if s >= out_s - protocol.EPS:
                    break
                rows.append((float(s), float(min(e, out_s)), int(lab)))
            rows = round_rows(rows)
            onsets = [s for s, _, lab in rows if lab == 1]
            tsv_bpm = 60.0 / float(np.mean(np.diff(onsets))) if len(onsets) >= 2 else None
            items.append(Item(src.patient.patient_id, rec.name, rec.location, limit_peak(y.astype(np.float32)), FS, rows,
                              {"source": rec.name, "sourceStartS": round(run.start_s, 6), "sourceEndS": round(min(run.end_s, dur), 6),
                               "sourceBpm": round(hr0, 2), "targetBpm": target_bpm,
                               "tsvBpm": None if tsv_bpm is None else round(tsv_bpm, 2)}))
        return items
    return build


def resampled(rate: int) -> Builder:
    g = math.gcd(rate, FS)

    def transform(ctx: Context, src: Source, x: np.ndarray, rng: np.random.Generator):  # type: ignore[no-untyped-def]
        return signal.resample_poly(x, rate // g, FS // g).astype(np.float32), {}
    return heart_condition(transform, rate)


def noise_condition(kind: str, snr_db: float) -> Builder:
    def transform(ctx: Context, src: Source, x: np.ndarray, rng: np.random.Generator):  # type: ignore[no-untyped-def]
        bg = background(kind, len(x), rng, ctx.speech_stream)
        return aug.mix_at_snr(x, bg, snr_db), {"background": kind, "snrDb": snr_db}
    return heart_condition(transform)


def no_heart_condition(kind: str, first_id: int) -> Builder:
    """n recordings of NO_HEART_SECONDS under synthetic patients first_id, first_id + 1, ..."""
    def build(ctx: Context, rng: np.random.Generator, n: int) -> List[Item]:
        items = []
        m = int(NO_HEART_SECONDS * FS)
        for i in range(n):
            details: Dict[str, object] = {"background": kind}
            level = float(rng.uniform(-40, -20))
            if kind == "silence":
                x = adc_silence(m, rng)
            elif kind in ("pink", "brown"):
                x, details["generator"] = sox_noise(kind, m, rng)
                x = at_dbfs(x, level)
            elif kind == "mix":
                pool = ["speech", "breathing", "hum50", "hum60", "pink", "handling", "white"]
                kinds = [str(k) for k in rng.choice(pool, size=int(rng.integers(2, 4)), replace=False)]
                x = sum(background(k, m, rng, ctx.speech_stream) * 10 ** (rng.uniform(-15, 0) / 20) for k in kinds)
                x = at_dbfs(np.asarray(x, np.float32), level)
                details["background"] = "+".join(kinds)
            else:
                x = at_dbfs(background(kind, m, rng, ctx.speech_stream), level)
            if kind != "silence":
                details["rmsDbfs"] = round(level, 1)
            pid = str(first_id + i)
            items.append(Item(pid, f"{pid}_{LOCATIONS[i % 4]}", LOCATIONS[i % 4], x, FS, [], details))
        return items
    return build


def lifted_condition(ambient: str) -> Builder:
    """Heart until a random time t (at least one labelled window before it), then the chestpiece is
    lifted: `ambient` until 30 s, crossfaded over 50 ms; tsv rows ending before the crossfade."""
    def build(ctx: Context, rng: np.random.Generator, n: int) -> List[Item]:
        items: List[Item] = []
        total = int(NO_HEART_SECONDS * FS)
        for src in ctx.sources:
            if len(items) >= n:
                break
            windows = [w for w in windows_of(src.rows, src.length / FS) if w.hr_bpm is not None]
            t_min = windows[0].start_s + protocol.WINDOW_S + 0.1
            t_max = min(src.length / FS, 0.75 * NO_HEART_SECONDS)
            if t_min > t_max:
                continue
            t = float(rng.uniform(t_min, t_max))
            at = int(round(t * FS))
            heart = np.zeros(max(total, src.length), np.float32)
            heart[:src.length] = ctx.cut(src).astype(np.float32) / 32768.0
            heart = heart[:total]
            h_rms = rms(heart[:at])
            if ambient == "silence":
                amb = adc_silence(total, rng)
                rel = None
            elif ambient == "room":
                amb = background("pink", total, rng, ctx.speech_stream) + 0.5 * background("speech", total, rng, ctx.speech_stream)
                rel = float(rng.uniform(-25, -10))
                amb = amb / rms(amb) * h_rms * 10 ** (rel / 20)
            else:
                amb = background("handling", total, rng, ctx.speech_stream)
                rel = float(rng.uniform(-6, 6))
                amb = amb * h_rms * 10 ** (rel / 20)
            y = aug.crossfade_splice(heart, amb.astype(np.float32), at)
            cut_at = t - 0.1 / 2 - 0.01  # rows ending before the crossfade begins (fade 200 samples = 50 ms)
            rows = [r for r in src.rows if r[1] <= cut_at]
            d: Dict[str, object] = {"liftS": round(t, 3), "ambient": ambient}
            if rel is not None:
                d["ambientDbReHeart"] = round(rel, 1)
            items.append(_source_item(src, limit_peak(y), FS, rows, **d))
        return items
    return build


def conditions() -> List[Condition]:
    out: List[Condition] = [Condition("clean", "clean", "heart",
                                      "the source recordings unchanged (cut to at most 30 s around the longest annotated run)",
                                      FS, build_clean, True)]
    for target, smoke in ((40, True), (50, False)):
        out.append(Condition(f"tempo-slow-{target}", "tempo", "heart",
                             f"hearts slowed to about {target} bpm (diastole lengthened, pitch kept)", FS, tempo_condition(target), smoke))
    for target, smoke in ((160, False), (190, True), (220, False)):
        out.append(Condition(f"tempo-fast-{target}", "tempo", "heart",
                             f"hearts quickened to about {target} bpm (diastole shortened, systole a little, pitch kept)",
                             FS, tempo_condition(target), smoke))
    for rate in (1000, 2000, 8000, 44100, 48000):
        out.append(Condition(f"device-rate-{rate}", "device", "heart",
                             f"recorded at {rate} Hz (resampled from 4 kHz with scipy resample_poly; the app resamples back)",
                             rate, resampled(rate), rate in (1000, 44100)))
    for kind, desc in (("bell", "bell chestpiece: band-pass 20-200 Hz"), ("diaphragm", "diaphragm chestpiece: band-pass 100-600 Hz"),
                       ("phone", "phone microphone: high-pass 300 Hz (3rd order) and a +8 dB presence peak at 1.5 kHz")):
        out.append(Condition(f"device-{kind}", "device", "heart", desc, FS,
                             heart_condition(lambda ctx, src, x, rng, k=kind: (chestpiece(x, k), {})), kind == "bell"))
    out.append(Condition("device-agc", "device", "heart",
                         "automatic gain control (RMS follower, 10 ms attack, 0.5 s release, up to +30 dB)",
                         FS, heart_condition(lambda ctx, src, x, rng: (agc(x), {}))))
    out.append(Condition("device-clip", "device", "heart", "driven 3x past full scale and hard-clipped", FS,
                         heart_condition(lambda ctx, src, x, rng: (hard_clip(x, 3.0), {"drive": 3.0}))))
    names = {"white": "white noise", "speech": "held-out speech (espeak-ng)", "breathing": "breathing", "rubbing": "rubbing",
             "hum50": "50-Hz mains hum", "hum60": "60-Hz mains hum with harmonics"}
    for kind in ("white", "speech", "breathing", "rubbing", "hum50", "hum60"):
        for snr in (20, 10, 0):
            out.append(Condition(f"noise-{kind}-{snr}db", "noise", "heart", f"{names[kind]} at {snr} dB SNR", FS,
                                 noise_condition(kind, float(snr)), (kind, snr) in (("speech", 10), ("hum50", 0))))
    nh = [("silence", "silence: the converter's own noise (-84 to -72 dBFS) and a small DC offset", True),
          ("white", "white noise", True), ("pink", "pink noise (sox synth pinknoise)", False),
          ("brown", "brown noise, a low-frequency rumble (sox synth brownnoise)", False),
          ("hum50", "50-Hz mains hum (weak odd harmonics)", True), ("hum60", "60-Hz mains hum with many harmonics", False),
          ("speech", "held-out speech (espeak-ng sentences and voices not used in training)", True),
          ("breathing", "breathing", False), ("handling", "rubbing and handling thumps", False),
          ("mix", "two or three of speech, breathing, hum, pink/white noise, handling", False)]
    for k, (kind, desc, smoke) in enumerate(nh):  # ids 900001.., 900101.., ...: fixed whatever the subset
        out.append(Condition(f"no-heart-{kind}", "no-heart", "no-heart", f"no heart sound, 30 s: {desc}", FS,
                             no_heart_condition(kind, FIRST_SYNTHETIC_ID + 100 * k), smoke))
    for amb, desc, smoke in (("silence", "silence (converter noise)", True),
                             ("room", "room noise (pink noise and speech, 10-25 dB below the heart)", False),
                             ("rubbing", "rubbing and handling (-6 to +6 dB re the heart)", False)):
        out.append(Condition(f"lifted-{amb}", "lifted", "lifted",
                             f"heart, then the chestpiece lifted at a random time: {desc} until 30 s", FS, lifted_condition(amb), smoke))
    return out


# --------------------------------------------------------------------------------------------
# Writing


def _patient_meta_lines(patient: Patient, rec: Recording) -> List[str]:
    path = os.path.join(os.path.dirname(rec.wav_path), patient.patient_id + ".txt")
    with open(path, "r", encoding="utf-8", errors="replace") as f:
        return [ln.rstrip("\r\n") for ln in f if ln.startswith("#")]


def _synthetic_meta() -> Dict[str, str]:
    return {c: SYNTHETIC_META.get(c, "nan") for c in CIRCOR_COLUMNS[2:]}


def write_condition(out_dir: str, cond: Condition, items: List[Item], source_csv: Optional[Tuple[List[str], Dict[str, Dict[str, str]]]],
                    patients: Dict[str, Patient]) -> Dict[str, object]:
    cdir = os.path.join(out_dir, cond.id)
    ddir = os.path.join(cdir, "training_data")
    if os.path.exists(cdir):
        shutil.rmtree(cdir)
    os.makedirs(ddir)
    by_patient: Dict[str, List[Item]] = {}
    for it in items:
        by_patient.setdefault(it.patient_id, []).append(it)
    columns = source_csv[0] if source_csv is not None and cond.kind != "no-heart" else CIRCOR_COLUMNS
    csv_rows: List[Dict[str, str]] = []
    seconds = 0.0
    for pid in sorted(by_patient, key=int):
        its = by_patient[pid]
        rate = its[0].rate
        patient = patients.get(pid)
        if patient is not None:
            meta_lines = _patient_meta_lines(patient, next(r for r in patient.recordings if r.name == its[0].details["source"]))
        else:
            meta_lines = [f"#{k}: {v}" for k, v in _synthetic_meta().items()]
        lines = [f"{pid} {len(its)} {rate}"]
        lines += [f"{it.location} {it.name}.hea {it.name}.wav {it.name}.tsv" for it in its]
        with open(os.path.join(ddir, pid + ".txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines + meta_lines) + "\n")
        for it in its:
            data = to_int16(it.audio)
            write_wav(os.path.join(ddir, it.name + ".wav"), data, it.rate)
            with open(os.path.join(ddir, it.name + ".hea"), "w", encoding="utf-8") as f:
                f.write(f"{it.name} 1 {it.rate} {len(data)}\n{it.name}.wav 16+44 1 16 0 0 0 0 {it.location}\n")
            with open(os.path.join(ddir, it.name + ".tsv"), "w", encoding="utf-8") as f:
                f.write("".join(f"{s:.6f}\t{e:.6f}\t{lab}\n" for s, e, lab in it.rows))
            seconds += len(data) / it.rate
        locs = "+".join(dict.fromkeys(it.location for it in its))
        if patient is not None and source_csv is not None and pid in source_csv[1]:
            row = dict(source_csv[1][pid])
        elif patient is not None:
            row = {c: (patient.meta.get(c) or "nan") for c in columns}
        else:
            row = dict(_synthetic_meta())
        row["Patient ID"] = pid
        row["Recording locations:"] = locs
        csv_rows.append({c: row.get(c, "nan") or "nan" for c in columns})
    with open(os.path.join(cdir, "training_data.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        w.writerows(csv_rows)
    entry_items = []
    for it in items:
        e: Dict[str, object] = {"recordingId": it.name, "patientId": it.patient_id, "location": it.location,
                                "durationS": round(len(to_int16(it.audio)) / it.rate, 4)}
        if cond.kind != "no-heart":
            e["labelledWindows"] = sum(w.hr_bpm is not None for w in windows_of(it.rows, len(to_int16(it.audio)) / it.rate))
        e.update(it.details)
        entry_items.append(e)
    return {"id": cond.id, "group": cond.group, "kind": cond.kind, "description": cond.description,
            "sampleRateHz": cond.rate, "recordings": len(items), "seconds": round(seconds, 3), "items": entry_items}


def read_source_csv(data_dir: str) -> Optional[Tuple[List[str], Dict[str, Dict[str, str]]]]:
    for path in (os.path.join(data_dir, "training_data.csv"), os.path.join(data_dir, "training_data", "training_data.csv")):
        if os.path.exists(path):
            with open(path, newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                rows = {r["Patient ID"].strip(): r for r in reader}
                return list(reader.fieldnames or CIRCOR_COLUMNS), rows
    return None


def select_sources(patients: Sequence[Patient], rng: np.random.Generator) -> List[Source]:
    """Recordings with >= 2 labelled windows in their cut: one per patient (patients in random
    order) first, then the patients' other recordings, so the first n are n different patients."""
    firsts: List[Source] = []
    rest: List[Source] = []
    for pi in rng.permutation(len(patients)):
        p = patients[int(pi)]
        srcs = [s for s in (make_source(p, r, MAX_SECONDS) for r in p.recordings) if s is not None and s.labelled >= 2]
        if not srcs:
            continue
        order = [srcs[int(i)] for i in rng.permutation(len(srcs))]
        firsts.append(order[0])
        rest.extend(order[1:])
    return firsts + rest


def condition_rng(seed: int, cond_id: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(cond_id.encode("utf-8"))])


def generate(data: str, split: str, split_seed: int, variant: str, out: str, seed: int = DEFAULT_SEED,
             max_recordings: Optional[int] = None, only: Optional[Sequence[str]] = None,
             log=print) -> Dict[str, object]:  # type: ignore[no-untyped-def]
    t0 = time.time()
    if os.path.exists(out) and os.listdir(out):
        mpath = os.path.join(out, "manifest.json")
        try:
            with open(mpath, encoding="utf-8") as f:
                ours = json.load(f).get("suite") == SUITE
        except (OSError, ValueError):
            ours = False
        if not ours:
            raise SystemExit(f"robustness: {out} exists and is not a robustness suite (no manifest.json of ours): refusing to overwrite")
        for name in os.listdir(out):  # the previous suite's condition folders; anything else is left alone
            if os.path.isdir(os.path.join(out, name, "training_data")):
                shutil.rmtree(os.path.join(out, name))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:  # replaced when complete
        json.dump({"suite": SUITE, "version": VERSION, "complete": False}, f)
    all_patients = load_patients(data, load_audio=False)
    if split == "all":
        chosen = list(all_patients)
    else:
        parts = split_patients(all_patients, split_seed)
        ids = set(parts[split])
        assert not ids & set(parts["train"])
        chosen = [p for p in all_patients if p.patient_id in ids]
    if not chosen:
        raise SystemExit(f"robustness: no patients in split {split!r} of {data}")
    by_id = {p.patient_id: p for p in chosen}
    sources = select_sources(chosen, condition_rng(seed, "sources"))
    if not sources:
        raise SystemExit(f"robustness: no recording with labelled windows in split {split!r} of {data}")
    stream, speech_src = held_out_speech()
    ctx = Context(sources, stream, speech_src)
    conds = [c for c in conditions() if variant == "full" or c.smoke]
    if only:
        conds = [c for c in conds if c.id in only or c.group in only]
    source_csv = read_source_csv(data)
    entries = []
    for cond in conds:
        default_n = (5 if cond.kind == "no-heart" else 6) if variant == "full" else (1 if cond.kind == "no-heart" else 2)
        n = default_n if max_recordings is None else max_recordings
        items = cond.build(ctx, condition_rng(seed, cond.id), n)
        entries.append(write_condition(out, cond, items, source_csv, by_id))
        log(f"robustness: {cond.id}: {len(items)} recordings, {entries[-1]['seconds']:.0f} s")
    manifest = {"suite": SUITE, "version": VERSION, "variant": variant, "split": split, "splitSeed": split_seed,
                "seed": seed, "source": data, "attribution": ATTRIBUTION, "speech": speech_src,
                "patients": sorted({str(e["patientId"]) for c in entries for e in c["items"] if str(e["patientId"]) in by_id}, key=int),
                "conditions": entries}
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    log(f"robustness: {len(entries)} conditions, {sum(int(c['recordings']) for c in entries)} recordings in {out} "
        f"({time.time() - t0:.1f} s)")
    return manifest


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True,
                    help="CirCor folder: release layout (training_data/ + training_data.csv) or flat (like samples/)")
    ap.add_argument("--split", required=True, choices=["validation", "test", "all"])
    ap.add_argument("--split-seed", type=int, default=0)
    ap.add_argument("--variant", required=True, choices=["smoke", "full"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--max-recordings", type=int, default=None,
                    help="recordings per condition (default: full 6 heart / 4 no-heart, smoke 2 / 1)")
    ap.add_argument("--conditions", default=None, help="comma-separated condition ids or groups to write (default: all of the variant)")
    args = ap.parse_args(argv)
    only = [c.strip() for c in args.conditions.split(",") if c.strip()] if args.conditions else None
    generate(args.data, args.split, args.split_seed, args.variant, args.out, args.seed, args.max_recordings, only,
             log=lambda m: print(m, file=sys.stderr))
    return 0


if __name__ == "__main__":
    sys.exit(main())

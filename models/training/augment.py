"""Augmentation for every heart and every stethoscope (issue 15).

* **Physiological tempo** (`TempoWarp`): a heart is slowed down or sped up beat by beat from the
  `.tsv` segmentation. Diastole absorbs most of the change, systole changes a little and the heart
  sounds hardly at all (as in real hearts: systole shortens roughly with the square root of the
  RR interval, diastole with the rest). Time is warped by granular overlap-add of 32-ms Hann
  grains, so pitch is unchanged; where the warp's slope is 1 (the heart sounds, unstretched) the
  overlap-add reproduces the input sample for sample.
* **Device** (`device_chain`): the band limits of 1- and 2-kHz stethoscopes (resampled down and
  back up), chestpiece and microphone responses (bell 20-200 Hz, diaphragm 100-600 Hz, phone
  microphones, random peaking EQ), automatic gain control and clipping.
* **Background** (`Backgrounds`): speech (espeak-ng, cached; synthetic babble where espeak-ng is
  missing), breathing, rubbing, mains hum (50/60 Hz and harmonics), white/pink/brown noise,
  handling thumps, silence, mixed at realistic SNRs; alone they make the "no heart sound" windows.

Everything is a pure function of its inputs and the numpy Generator passed in, so a resumed run
draws the same crops as an uninterrupted one.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np
from scipy import signal

from models.training import protocol

FS = 4000
GRAIN = 128  # 32 ms
HOP = GRAIN // 4  # 75 % overlap: periodic Hann grains sum to exactly 2
_HANN = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(GRAIN) / GRAIN)).astype(np.float32)

# --------------------------------------------------------------------------------------------
# Tempo


@dataclass
class WarpedRun:
    """A run after the tempo change: knots map new (output) time to old (source) time."""
    new_knots_s: np.ndarray
    old_knots_s: np.ndarray
    new_starts_s: np.ndarray  # per row
    labels: np.ndarray  # per row, 1..4
    end_s: float  # new time where the run ends


def _scales(factor: float) -> Tuple[float, float]:
    """(heart-sound scale, systole scale) for an RR-interval factor (new RR / old RR)."""
    if factor < 1.0:
        return factor ** 0.25, factor ** 0.5
    return 1.0, factor ** 0.2


def warp_run(rows: Sequence[protocol.TsvRow], factor: float, rng: np.random.Generator,
             jitter: float = 0.02) -> WarpedRun:
    """New durations per row: every beat's RR interval times `factor` (times a small per-beat
    jitter, heart-rate variability), split physiologically between sounds, systole and diastole."""
    starts = np.array([r.start_s for r in rows], np.float64)
    ends = np.array([r.end_s for r in rows], np.float64)
    labels = np.array([r.label for r in rows], np.int64)
    # Each row spans to the next row's start (gaps <= 10 ms belong to the row before).
    span_end = np.append(starts[1:], ends[-1])
    durations = np.maximum(span_end - starts, 0.0)
    scale = np.ones(len(rows))
    s1 = np.flatnonzero(labels == 1)
    # Full beats run from one S1 to the next; the rows before the first S1 and from the last S1 on
    # are partial beats and take the scales of the full beats (their length is not an RR interval).
    bounds = [0] + [int(i) for i in s1] + [len(rows)]
    bounds = sorted(set(bounds))
    partial: List[slice] = []
    diastole_scales: List[float] = []
    for b0, b1 in zip(bounds[:-1], bounds[1:]):
        seg = slice(b0, b1)
        full = labels[b0] == 1 and b1 < len(rows) and labels[b1] == 1
        if not full:
            partial.append(seg)
            continue
        f = factor * float(np.exp(rng.normal(0.0, jitter)))
        a, b = _scales(f)
        d, lab = durations[seg], labels[seg]
        rr_old = float(d.sum())
        if rr_old <= 0:
            continue
        rr_new = f * rr_old
        sounds = float(d[(lab == 1) | (lab == 3)].sum())
        systole = float(d[lab == 2].sum())
        diastole = float(d[lab == 4].sum())
        fixed_new = a * sounds + b * systole
        d_min = max(0.03, 0.3 * b * systole) if diastole > 0 else 0.0
        sc = np.where((lab == 1) | (lab == 3), a, np.where(lab == 2, b, 1.0))
        if diastole > 0 and rr_new - fixed_new >= d_min:
            sc = np.where(lab == 4, (rr_new - fixed_new) / diastole, sc)
            diastole_scales.append((rr_new - fixed_new) / diastole)
        else:  # too fast to keep the sounds: compress the whole beat evenly
            sc = np.full(len(d), rr_new / rr_old)
            diastole_scales.append(rr_new / rr_old)
        scale[seg] = sc
    a, b = _scales(factor)
    dia = float(np.median(diastole_scales)) if diastole_scales else factor
    for seg in partial:
        lab = labels[seg]
        scale[seg] = np.where((lab == 1) | (lab == 3), a, np.where(lab == 2, b, dia))
    new_d = durations * scale
    new_starts = np.concatenate([[0.0], np.cumsum(new_d)[:-1]])
    old_knots = np.append(starts, span_end[-1])
    new_knots = np.append(new_starts, new_starts[-1] + new_d[-1])
    return WarpedRun(new_knots, old_knots, new_starts, labels, float(new_knots[-1]))


def ola_render(src: np.ndarray, new_to_old_sample, n_out: int) -> np.ndarray:
    """Granular overlap-add: output grain j (centred at j*HOP) is the input grain centred at
    round(new_to_old_sample(j*HOP)). Slope-1 stretches reproduce the input exactly."""
    n_grains = (n_out + GRAIN) // HOP + 1
    centres_out = np.arange(n_grains) * HOP - GRAIN // 2
    centres_in = np.round(new_to_old_sample(centres_out.astype(np.float64))).astype(np.int64)
    idx = centres_in[:, None] - GRAIN // 2 + np.arange(GRAIN)[None, :]
    inside = (idx >= 0) & (idx < len(src))
    grains = np.where(inside, src[np.clip(idx, 0, len(src) - 1)], 0.0).astype(np.float32) * _HANN
    parts = grains.reshape(n_grains, 4, HOP)
    blocks = np.zeros((n_grains + 3, HOP), np.float32)
    for k in range(4):
        blocks[k:k + n_grains] += parts[:, k, :]
    out = blocks.reshape(-1) / 2.0
    # Grain j starts at output sample centres_out[j] - GRAIN/2 = j*HOP - GRAIN.
    return out[GRAIN:GRAIN + n_out]


def render_warped(pcm: np.ndarray, warped: WarpedRun, start_new_s: float, n_out: int) -> np.ndarray:
    """The warped audio from new time `start_new_s`, `n_out` samples at FS."""
    def new_to_old(sample_offsets: np.ndarray) -> np.ndarray:
        t_new = start_new_s + sample_offsets / FS
        return np.interp(t_new, warped.new_knots_s, warped.old_knots_s) * FS
    return ola_render(pcm, new_to_old, n_out)


# --------------------------------------------------------------------------------------------
# Device


def _sos(kind: str, freqs, order: int = 2) -> np.ndarray:
    return signal.butter(order, freqs, btype=kind, fs=FS, output="sos")


def _peaking(f0: float, gain_db: float, q: float) -> np.ndarray:
    """RBJ peaking EQ as one second-order section."""
    a_lin = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * f0 / FS
    alpha = np.sin(w0) / (2 * q)
    b = [1 + alpha * a_lin, -2 * np.cos(w0), 1 - alpha * a_lin]
    a = [1 + alpha / a_lin, -2 * np.cos(w0), 1 - alpha / a_lin]
    return np.array([[b[0] / a[0], b[1] / a[0], b[2] / a[0], 1.0, a[1] / a[0], a[2] / a[0]]])


def band_limit(x: np.ndarray, rate_hz: int) -> np.ndarray:
    """Down to a stethoscope's rate and back up to 4 kHz (what the app's resampler does with a
    1- or 2-kHz device): keeps only what lies below the device's Nyquist frequency."""
    k = FS // rate_hz
    return signal.resample_poly(signal.resample_poly(x, 1, k), k, 1)[: len(x)].astype(np.float32)


def chestpiece_eq(x: np.ndarray, rng: np.random.Generator) -> Tuple[np.ndarray, str]:
    kind = rng.choice(["bell", "diaphragm", "phone", "peaking"])
    if kind == "bell":
        y = signal.sosfilt(_sos("bandpass", [rng.uniform(15, 30), rng.uniform(160, 260)]), x)
    elif kind == "diaphragm":
        y = signal.sosfilt(_sos("bandpass", [rng.uniform(80, 130), rng.uniform(450, 700)]), x)
    elif kind == "phone":
        y = signal.sosfilt(_sos("highpass", rng.uniform(150, 400), order=int(rng.integers(2, 5))), x)
        y = signal.sosfilt(_peaking(rng.uniform(800, 1600), rng.uniform(0, 10), 1.5), y)
    else:
        y = x
        for _ in range(2):
            y = signal.sosfilt(_peaking(float(np.exp(rng.uniform(np.log(30), np.log(1200)))), rng.uniform(-10, 10),
                                        rng.uniform(0.5, 3)), y)
    return y.astype(np.float32), str(kind)


def auto_gain(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A slowly varying gain (a device's AGC pumping): +-12 dB over 0.3-2 s."""
    tau = rng.uniform(0.3, 2.0)
    n_knots = max(2, int(len(x) / FS / tau) + 2)
    knots_db = rng.uniform(-12, 12, n_knots)
    curve = np.interp(np.linspace(0, n_knots - 1, len(x)), np.arange(n_knots), knots_db)
    return (x * 10 ** (curve / 20)).astype(np.float32)


def clip(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    peak = float(np.max(np.abs(x))) + 1e-9
    return np.clip(x / peak * rng.uniform(1.3, 4.0), -1.0, 1.0).astype(np.float32)


def device_chain(x: np.ndarray, rng: np.random.Generator, p: float = 1.0) -> np.ndarray:
    """Each device effect with its own probability (scaled by `p`)."""
    if rng.random() < 0.15 * p:
        x = band_limit(x, int(rng.choice([1000, 2000])))
    if rng.random() < 0.35 * p:
        x, _ = chestpiece_eq(x, rng)
    if rng.random() < 0.15 * p:
        x = auto_gain(x, rng)
    if rng.random() < 0.07 * p:
        x = clip(x, rng)
    return x


# --------------------------------------------------------------------------------------------
# Backgrounds

SPEECH_TEXTS = [
    "How are you feeling today? Any pain in your chest?",
    "Please breathe in deeply, and now breathe out slowly.",
    "The patient in bed four needs her medication at noon.",
    "Can you hold your breath for a moment please.",
    "I am going to listen to your heart now, this might feel cold.",
    "Doctor, the blood pressure is one hundred and twenty over eighty.",
    "We will check again in the morning and call your family.",
    "Turn a little to the left side, that is fine, thank you.",
    "Tell me when the pain started and where it goes.",
    "Your heart sounds good, we will do an echo tomorrow.",
    "Nurse, could you bring the stethoscope from the other room?",
    "Cough once for me please. And again.",
]
VOICES = ["en", "en-us", "en-gb", "pt", "es", "fr", "de"]


def _espeak_speech(cache_dir: str) -> Optional[np.ndarray]:
    """Speech at 4 kHz from espeak-ng (apt), generated once and cached; None without espeak-ng."""
    path = os.path.join(cache_dir, "speech-4k.npy")
    if os.path.exists(path):
        return np.load(path)
    exe = shutil.which("espeak-ng")
    if exe is None:
        return None
    pieces: List[np.ndarray] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, text in enumerate(SPEECH_TEXTS * 2):
            voice = VOICES[i % len(VOICES)] + ("+f3" if i % 3 == 1 else "+m3" if i % 3 == 2 else "")
            wav_path = os.path.join(tmp, f"{i}.wav")
            pitch, speed = 30 + (i * 17) % 50, 130 + (i * 23) % 60
            try:
                subprocess.run([exe, "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", wav_path, text],
                               check=True, capture_output=True, timeout=60)
                with wave.open(wav_path, "rb") as w:
                    rate = w.getframerate()
                    x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
            except (OSError, subprocess.SubprocessError, wave.Error):
                continue
            pieces.append(signal.resample_poly(x, FS, rate).astype(np.float32))
            pieces.append(np.zeros(int(FS * (0.2 + (i % 4) * 0.3)), np.float32))
    if not pieces:
        return None
    speech = np.concatenate(pieces)
    os.makedirs(cache_dir, exist_ok=True)
    np.save(path, speech)
    return speech


def _babble(n: int, rng: np.random.Generator) -> np.ndarray:
    """Speech-like sound without espeak-ng: a glottal pulse train through moving formants, in syllables."""
    f0 = rng.uniform(90, 250)
    t = np.arange(n) / FS
    pitch = f0 * (1 + 0.1 * np.sin(2 * np.pi * rng.uniform(0.5, 2) * t))
    phase = np.cumsum(pitch) / FS
    pulses = (np.diff(np.floor(phase), prepend=0) > 0).astype(np.float32)
    out = np.zeros(n, np.float32)
    for f1 in (rng.uniform(300, 800), rng.uniform(900, 1800)):
        out += signal.lfilter(*signal.iirpeak(min(f1, FS / 2 - 50), 5, fs=FS), pulses).astype(np.float32)
    syll = (np.sin(2 * np.pi * rng.uniform(3, 6) * t + rng.uniform(0, 6)) > -0.2).astype(np.float32)
    return out * signal.lfilter([0.01], [1, -0.99], syll).astype(np.float32)


def coloured_noise(n: int, rng: np.random.Generator, colour: str) -> np.ndarray:
    w = rng.standard_normal(n).astype(np.float32)
    if colour == "white":
        return w
    spec = np.fft.rfft(w)
    f = np.maximum(np.fft.rfftfreq(n, 1 / FS), 1.0)
    spec /= np.sqrt(f) if colour == "pink" else f
    return np.fft.irfft(spec, n).astype(np.float32)


def _hum(n: int, rng: np.random.Generator) -> np.ndarray:
    f0 = float(rng.choice([50.0, 60.0])) + rng.normal(0, 0.05)
    t = np.arange(n) / FS
    amps = rng.uniform(0.05, 1.0, 8) * (1.0 / np.arange(1, 9)) ** rng.uniform(0, 1.5)
    amps[0] = 1.0 if rng.random() < 0.6 else amps[0]
    x = sum(a * np.sin(2 * np.pi * f0 * (k + 1) * t + rng.uniform(0, 2 * np.pi)) for k, a in enumerate(amps))
    return np.asarray(x, np.float32)


def _breathing(n: int, rng: np.random.Generator) -> np.ndarray:
    period = rng.uniform(1.5, 5.0)
    t = np.arange(n) / FS
    phase = (t / period + rng.uniform(0, 1)) % 1.0
    env = np.where(phase < 0.4, np.sin(np.pi * phase / 0.4), np.where(phase < 0.9, 0.6 * np.sin(np.pi * (phase - 0.4) / 0.5), 0))
    noise = signal.sosfilt(_sos("bandpass", [rng.uniform(100, 250), rng.uniform(600, 1500)]), rng.standard_normal(n))
    return (noise * env ** 1.5).astype(np.float32)


def _rubbing(n: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(n, np.float32)
    for _ in range(int(rng.integers(2, 10))):
        length = int(FS * rng.uniform(0.05, 0.8))
        start = int(rng.integers(0, max(1, n - length)))
        burst = signal.sosfilt(_sos("highpass", rng.uniform(60, 400)), rng.standard_normal(length))
        crackle = np.abs(signal.lfilter([0.05], [1, -0.95], rng.standard_normal(length))) ** 2
        env = np.sin(np.pi * np.arange(length) / length)
        out[start:start + length] += (burst * crackle * env * rng.uniform(0.3, 1.0)).astype(np.float32)
    return out


def _thumps(n: int, rng: np.random.Generator) -> np.ndarray:
    """Handling knocks: a few irregular low-frequency transients (never a regular rhythm)."""
    out = np.zeros(n, np.float32)
    for _ in range(int(rng.integers(1, 4))):
        length = int(FS * rng.uniform(0.05, 0.25))
        start = int(rng.integers(0, max(1, n - length)))
        tt = np.arange(length) / FS
        out[start:start + length] += (np.sin(2 * np.pi * rng.uniform(20, 120) * tt) * np.exp(-tt * rng.uniform(15, 60))).astype(np.float32)
    return out


BACKGROUND_KINDS = ["speech", "breathing", "rubbing", "hum", "white", "pink", "brown", "thumps", "silence"]
CAPTION_WORDS = {"speech": "speech", "breathing": "breathing", "rubbing": "rubbing", "hum": "mains hum",
                 "white": "noise", "pink": "noise", "brown": "rumble noise", "thumps": "handling noise",
                 "silence": "silence"}


class Backgrounds:
    def __init__(self, cache_dir: str) -> None:
        self.speech = _espeak_speech(cache_dir)

    def make(self, kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
        if kind == "speech":
            if self.speech is not None and len(self.speech) > n:
                start = int(rng.integers(0, len(self.speech) - n))
                x = self.speech[start:start + n].copy()
                if float(np.sqrt(np.mean(x * x))) < 1e-4:  # a pause: take the babble instead
                    x = _babble(n, rng)
            else:
                x = _babble(n, rng)
        elif kind == "breathing":
            x = _breathing(n, rng)
        elif kind == "rubbing":
            x = _rubbing(n, rng)
        elif kind == "hum":
            x = _hum(n, rng)
        elif kind in ("white", "pink", "brown"):
            x = coloured_noise(n, rng, kind)
        elif kind == "thumps":
            x = _thumps(n, rng)
        else:  # silence: the ADC's own noise floor, -100 to -70 dBFS
            x = rng.standard_normal(n).astype(np.float32) * 10 ** (rng.uniform(-100, -70) / 20)
            return x
        return (x / (float(np.sqrt(np.mean(x * x))) + 1e-12)).astype(np.float32)

    def random_mix(self, n: int, rng: np.random.Generator, kinds: Optional[Sequence[str]] = None) -> Tuple[np.ndarray, List[str]]:
        """One or two background kinds at unit RMS (silence stays at its own tiny level)."""
        pool = list(kinds or BACKGROUND_KINDS)
        first = str(rng.choice(pool))
        x = self.make(first, n, rng)
        used = [first]
        if first != "silence" and rng.random() < 0.3:
            second = str(rng.choice([k for k in pool if k not in ("silence", first)] or [first]))
            x = x + self.make(second, n, rng) * float(10 ** (rng.uniform(-15, 0) / 20))
            x = x / (float(np.sqrt(np.mean(x * x))) + 1e-12)
            used.append(second)
        return x.astype(np.float32), used


def mix_at_snr(heart: np.ndarray, background: np.ndarray, snr_db: float) -> np.ndarray:
    rms_h = float(np.sqrt(np.mean(heart * heart))) + 1e-12
    rms_b = float(np.sqrt(np.mean(background * background))) + 1e-12
    return (heart + background * (rms_h / rms_b) * 10 ** (-snr_db / 20)).astype(np.float32)


def crossfade_splice(first: np.ndarray, second: np.ndarray, at: int, fade: int = 200) -> np.ndarray:
    """first[:at] then second[at:], crossfaded over `fade` samples (a chestpiece lifted or placed)."""
    n = len(first)
    ramp = np.clip((np.arange(n) - (at - fade // 2)) / fade, 0.0, 1.0).astype(np.float32)
    return first * (1 - ramp) + second * ramp

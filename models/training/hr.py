"""HR bins, soft labels, the shared decoding rule (Python == TypeScript) and window metrics."""
from __future__ import annotations

from typing import Dict, Sequence, Tuple

import numpy as np
import torch

HR_MIN_BPM = 30
HR_MAX_BPM = 240
HR_STEP_BPM = 1
NUM_BINS = (HR_MAX_BPM - HR_MIN_BPM) // HR_STEP_BPM + 1  # 211
BIN_BPM = np.arange(NUM_BINS, dtype=np.float64) * HR_STEP_BPM + HR_MIN_BPM
DECODE_HALF_WIDTH_BINS = 5
SOFT_LABEL_SIGMA_BPM = 1.5

DECODING_TEXT = (
    "a = argmax bin; HR = sum(p_i * bpm_i) / sum(p_i) over bins i with |i - a| <= 5 "
    "(renormalised local expectation); confidence = sum(p_i) over |i - a| <= 5 (mass within +-5 bpm)"
)


def soft_labels(hr_bpm: torch.Tensor, sigma_bpm: float = SOFT_LABEL_SIGMA_BPM) -> torch.Tensor:
    """Gaussian over bins centred on the (continuous) HR, normalised to sum 1."""
    centres = torch.as_tensor(BIN_BPM, dtype=torch.float32)
    logits = -0.5 * ((centres[None, :] - hr_bpm[:, None].float()) / sigma_bpm) ** 2
    return torch.softmax(logits, dim=1)


def decode(probs: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """probs [..., K] -> (hr_bpm, confidence) by the contract rule."""
    p = np.asarray(probs, dtype=np.float64)
    a = np.argmax(p, axis=-1)
    idx = np.arange(NUM_BINS)
    mask = np.abs(idx - a[..., None]) <= DECODE_HALF_WIDTH_BINS
    local = np.where(mask, p, 0.0)
    mass = local.sum(axis=-1)
    hr = (local * BIN_BPM).sum(axis=-1) / np.maximum(mass, 1e-12)
    return hr, mass


def metrics(pred_bpm: Sequence[float], true_bpm: Sequence[float]) -> Dict[str, float]:
    pred, true = np.asarray(pred_bpm, np.float64), np.asarray(true_bpm, np.float64)
    err = np.abs(pred - true)
    if err.size == 0:
        return {"maeBpm": float("nan"), "medianAbsErrorBpm": float("nan"), "within5BpmShare": float("nan"),
                "rmseBpm": float("nan"), "count": 0}
    return {
        "maeBpm": round(float(err.mean()), 4),
        "medianAbsErrorBpm": round(float(np.median(err)), 4),
        "within5BpmShare": round(float((err <= 5.0).mean()), 4),
        "rmseBpm": round(float(np.sqrt((err ** 2).mean())), 4),
        "count": int(err.size),
    }

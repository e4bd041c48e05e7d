"""Captions from CirCor metadata + window segmentation facts, and the word tokenizer (JSON)."""
from __future__ import annotations

import json
import re
from collections import Counter
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np

from models.training.dataset import Patient, Recording

MAX_TOKENS = 32
PAD_ID = 0
UNK_ID = 1
SPLIT_REGEX = r"[^a-z0-9/]+"

LOCATION_WORDS = {
    "AV": "aortic valve", "PV": "pulmonary valve", "TV": "tricuspid valve", "MV": "mitral valve",
    "Phc": "other",
}
AGE_WORDS = {"Neonate": "neonate", "Infant": "infant", "Child": "child", "Adolescent": "adolescent",
             "Young adult": "young adult"}


def hr_band_text(hr_bpm: float) -> str:
    lo = int(hr_bpm // 10 * 10)
    return f"heart rate {lo} to {lo + 10} bpm"


def rhythm_text(onsets_s: Sequence[float]) -> str:
    """Regular when the S1-S1 intervals vary by < 10 % (coefficient of variation)."""
    d = np.diff(np.asarray(onsets_s, np.float64))
    if d.size < 2:
        return ""
    cv = float(d.std() / max(d.mean(), 1e-9))
    return "regular rhythm" if cv < 0.10 else "irregular rhythm"


def _murmur_text(meta: Dict[str, Optional[str]], location: str) -> str:
    status = meta.get("Murmur")
    if status == "Absent":
        return "no murmur"
    if status == "Unknown" or status is None:
        return "murmur unknown"
    audible = (meta.get("Murmur locations") or "").split("+")
    if location not in audible:
        return "murmur not audible here"
    parts: List[str] = []
    for phase in ("Systolic", "Diastolic"):
        timing = meta.get(f"{phase} murmur timing")
        if not timing:
            continue
        words = [timing.lower(), (meta.get(f"{phase} murmur shape") or "").lower(),
                 "grade " + (meta.get(f"{phase} murmur grading") or "unknown"),
                 (meta.get(f"{phase} murmur pitch") or "").lower() + " pitched",
                 (meta.get(f"{phase} murmur quality") or "").lower(), f"{phase.lower()} murmur"]
        parts.append(" ".join(w for w in words if w.strip()))
    return "; ".join(parts) if parts else "murmur present"


def caption(patient: Patient, rec: Recording, hr_bpm: Optional[float], onsets_s: Sequence[float]) -> str:
    meta = patient.meta
    age = AGE_WORDS.get(meta.get("Age") or "", "unknown age")
    sex = (meta.get("Sex") or "").lower()
    loc = LOCATION_WORDS.get(rec.location, rec.location.lower())
    head = f"{loc} recording of a {sex} {age}".replace("  ", " ")
    facts = [head, _murmur_text(meta, rec.location)]
    if hr_bpm is not None:
        facts.append(hr_band_text(hr_bpm))
    rt = rhythm_text(onsets_s)
    if rt:
        facts.append(rt)
    return "; ".join(facts)


def words(text: str) -> List[str]:
    return [w for w in re.split(SPLIT_REGEX, text.lower()) if w]


class Tokenizer:
    def __init__(self, vocab: Dict[str, int], max_tokens: int = MAX_TOKENS) -> None:
        self.vocab = vocab
        self.max_tokens = max_tokens

    @classmethod
    def build(cls, texts: Iterable[str], extra: Iterable[str] = ()) -> "Tokenizer":
        counts: Counter = Counter()
        for t in texts:
            counts.update(words(t))
        counts.update(words(" ".join(extra)))
        vocab = {"<pad>": PAD_ID, "<unk>": UNK_ID}
        for w in sorted(counts):
            vocab[w] = len(vocab)
        return cls(vocab)

    def encode(self, text: str) -> List[int]:
        ids = [self.vocab.get(w, UNK_ID) for w in words(text)][: self.max_tokens]
        return ids + [PAD_ID] * (self.max_tokens - len(ids))

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray([self.encode(t) for t in texts], dtype=np.int64)

    def to_json(self) -> str:
        return json.dumps({
            "type": "word", "lowercase": True, "split_regex": SPLIT_REGEX, "max_tokens": self.max_tokens,
            "pad_id": PAD_ID, "unk_id": UNK_ID,
            "note": "Split the lowercased text on split_regex, drop empty pieces, map words to ids (unknown -> unk_id), "
                    "truncate to max_tokens, right-pad with pad_id. Ids 0 and 1 are reserved (<pad>, <unk>).",
            "vocab": self.vocab,
        }, indent=1, sort_keys=False)


# Words the app's free-text queries are likely to use beyond the captions themselves.
EXTRA_WORDS = [
    "heart rate bpm murmur systolic diastolic regular irregular rhythm aortic pulmonary tricuspid mitral valve",
    "neonate infant child adolescent adult male female normal abnormal fast slow high low",
    # background and no-heart captions of the augmented crops (augment.py)
    "no heart sound speech breathing rubbing mains hum noise rumble handling silence in background chestpiece lifted",
    "noisy recording quiet",
] + [hr_band_text(b) for b in range(30, 240, 10)]

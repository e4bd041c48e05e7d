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


# --- Caption variants for the text tuning stage (issue 18, text_tune.py) ---------------------------
# The pretraining captions are long and templated, so a user's short query ("systolic murmur",
# "fast heart", "murmur at the apex") shares few words with them, and words the vocabulary held only
# for queries ("fast", "noisy") were never trained. Each crop's caption is therefore also shown as a
# random subset of its facts, in short and clinical forms, with filler words the text encoder must
# learn to ignore.

# Where each valve is heard, as clinicians name the places.
LOCATION_SYNONYMS = {
    "mitral valve": ["mitral", "apex", "apical", "mitral area"],
    "aortic valve": ["aortic", "base", "aortic area", "right upper sternal border"],
    "pulmonary valve": ["pulmonary", "pulmonic", "left upper sternal border"],
    "tricuspid valve": ["tricuspid", "left lower sternal border"],
}
FILLER_WORDS = ["a", "the", "at", "in", "of", "with", "heard", "sound", "sounds", "recording", "over", "and", "on", "patient"]
FAST_BPM = 140.0
SLOW_BPM = 60.0
VARIANT_EXTRA_WORDS = sorted({w for forms in LOCATION_SYNONYMS.values() for f in forms for w in words(f)}
                             | set(FILLER_WORDS)
                             | set(words("heart murmur murmurs present absent fast slow tachycardia bradycardia noisy noise "
                                         "clean normal heart sounds elsewhere")))


def _variant_murmur(fact: str, rng: np.random.Generator) -> str:
    if fact in ("no murmur", "murmur unknown"):
        return fact if fact == "murmur unknown" or rng.random() < 0.6 else "no murmur; normal heart sounds"
    if fact == "murmur not audible here":
        return fact if rng.random() < 0.7 else "murmur elsewhere"
    if fact == "murmur present":
        return str(rng.choice(["murmur present", "murmur", "heart murmur"]))
    # "<timing> <shape> grade <g> <pitch> pitched <quality> systolic murmur"
    phase = "diastolic murmur" if fact.endswith("diastolic murmur") else "systolic murmur"
    u = rng.random()
    if u < 0.25:
        return str(rng.choice(["murmur", "heart murmur", "murmur present"]))
    if u < 0.55:
        return phase
    descriptors = fact[: -len(phase)].split()
    keep = [w for w in descriptors if rng.random() < 0.4]
    return " ".join(keep + [phase])


def _variant_head(fact: str, rng: np.random.Generator) -> str:
    for place, synonyms in LOCATION_SYNONYMS.items():
        if fact.startswith(place):
            if rng.random() < 0.5:
                return str(rng.choice(synonyms))
            return place if rng.random() < 0.5 else fact
    return fact


def _variant_hr(fact: str, hr_bpm: Optional[float], rng: np.random.Generator) -> str:
    if hr_bpm is None or rng.random() < 0.4:
        return fact
    if hr_bpm >= FAST_BPM:
        return str(rng.choice(["fast heart rate", "fast heart", "tachycardia"]))
    if hr_bpm <= SLOW_BPM:
        return str(rng.choice(["slow heart rate", "slow heart", "bradycardia"]))
    return fact


def caption_variant(caption_text: str, hr_bpm: Optional[float], rng: np.random.Generator) -> str:
    """A random rewording of one crop's caption: the whole caption (30 %), one fact (35 %) or a
    subset of facts, in short forms, sometimes with filler words."""
    facts = [f for f in caption_text.split("; ") if f]
    u = rng.random()
    if u < 0.3 or not facts:
        return caption_text
    out: List[str] = []
    for fact in facts:
        if "murmur" in fact and "recording of" not in fact:
            out.append(_variant_murmur(fact, rng))
        elif "recording of" in fact:
            out.append(_variant_head(fact, rng))
        elif fact.startswith("heart rate"):
            out.append(_variant_hr(fact, hr_bpm, rng))
        elif fact.endswith("in background"):
            out.append(fact if rng.random() < 0.5 else str(rng.choice(["noisy recording", "noisy", "noise"])))
        else:
            out.append(fact)
    if u < 0.65:
        chosen = [out[int(rng.integers(len(out)))]]
    else:
        chosen = [f for f in out if rng.random() < 0.5] or [out[int(rng.integers(len(out)))]]
    text = "; ".join(chosen)
    if rng.random() < 0.3:
        extra = [str(w) for w in rng.choice(FILLER_WORDS, size=int(rng.integers(1, 3)))]
        text = " ".join(extra[:1] + [text] + extra[1:])
    return text

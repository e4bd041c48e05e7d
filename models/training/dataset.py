"""Reader for any folder in CirCor DigiScope layout (training_data.csv + training_data/)."""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from models.training import protocol

DEFAULT_DATA_DIR = os.path.join("..", "shared", "data", "circor")
SAMPLE_RATE_HZ = 4000
WINDOW_SAMPLES = 20000


def _clean(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    value = value.strip()
    return None if value in ("", "nan", "NaN") else value


@dataclass
class Recording:
    name: str  # e.g. "14241_AV"
    patient_id: str
    location: str  # AV, PV, TV, MV, Phc
    wav_path: str
    tsv_path: str
    duration_s: float = 0.0
    rows: List[protocol.TsvRow] = field(default_factory=list)
    runs: List[protocol.Run] = field(default_factory=list)
    windows: List[protocol.Window] = field(default_factory=list)
    pcm: Optional[np.ndarray] = None  # int16, loaded on demand


@dataclass
class Patient:
    patient_id: str
    meta: Dict[str, Optional[str]]
    linked_ids: List[str]
    recordings: List[Recording] = field(default_factory=list)


def read_pcm16(path: str) -> np.ndarray:
    with open(path, "rb") as f:
        data = f.read()
    info = protocol.read_wav_info(data, path)
    pcm = np.frombuffer(data, dtype="<i2", count=info.data_bytes // 2, offset=info.data_offset)
    if info.channels > 1:
        pcm = pcm[: len(pcm) // info.channels * info.channels].reshape(-1, info.channels)[:, 0]
    if info.sample_rate_hz != SAMPLE_RATE_HZ:
        raise protocol.WavHeaderError(f"{path}: sample rate {info.sample_rate_hz} (expected {SAMPLE_RATE_HZ})")
    return np.ascontiguousarray(pcm)


def _read_patient_txt(path: str) -> Tuple[List[Tuple[str, str, str]], Dict[str, Optional[str]]]:
    recs: List[Tuple[str, str, str]] = []
    meta: Dict[str, Optional[str]] = {}
    with open(path, "r", encoding="utf-8", errors="replace") as f:
        lines = [ln.rstrip("\r\n") for ln in f]
    for ln in lines[1:]:
        if ln.startswith("#"):
            key, _, value = ln[1:].partition(":")
            meta[key.strip()] = _clean(value)
        elif ln.strip():
            cols = ln.split()
            if len(cols) >= 4:
                recs.append((cols[0], cols[2], cols[3]))
    return recs, meta


def load_patients(data_dir: str = DEFAULT_DATA_DIR, load_audio: bool = True,
                  limit_patients: Optional[int] = None) -> List[Patient]:
    """Patients (sorted by id) with recordings, protocol windows and (optionally) audio."""
    folder = os.path.join(data_dir, "training_data")
    # A flat folder (the patient .txt/.wav/.tsv files directly in `data_dir`, like `samples/`):
    # only `<digits>.txt` are patient files there (READMEs and notes beside them are not).
    flat = not os.path.isdir(folder)
    if flat:
        folder = data_dir
    csv_meta: Dict[str, Dict[str, Optional[str]]] = {}
    csv_path = os.path.join(data_dir, "training_data.csv")
    if os.path.exists(csv_path):
        with open(csv_path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                csv_meta[row["Patient ID"].strip()] = {k.strip().rstrip(":"): _clean(v) for k, v in row.items()}
    ids = sorted((f[:-4] for f in os.listdir(folder) if f.endswith(".txt") and (not flat or f[:-4].isdigit())),
                 key=lambda s: int(s) if s.isdigit() else s)
    if limit_patients is not None:
        ids = ids[:limit_patients]
    patients: List[Patient] = []
    for pid in ids:
        recs, meta = _read_patient_txt(os.path.join(folder, pid + ".txt"))
        merged = dict(csv_meta.get(pid, {}))
        merged.update({k: v for k, v in meta.items() if v is not None or k not in merged})
        linked_raw = merged.get("Additional ID")
        linked = [x.strip() for x in linked_raw.replace("+", ",").split(",")] if linked_raw else []
        patient = Patient(pid, merged, [x for x in linked if x])
        for loc, wav, tsv in recs:
            wav_path, tsv_path = os.path.join(folder, wav), os.path.join(folder, tsv)
            if not (os.path.exists(wav_path) and os.path.exists(tsv_path)):
                continue
            rec = Recording(wav[:-4], pid, loc, wav_path, tsv_path)
            rec.duration_s = protocol.wav_duration_s(wav_path)
            with open(tsv_path, "r", encoding="utf-8", errors="replace") as f:
                rec.rows = protocol.parse_tsv(f.read(), tsv).rows
            rec.runs = protocol.annotated_runs(rec.rows)
            rec.windows = protocol.recording_windows(rec.rows, rec.duration_s)
            if load_audio:
                rec.pcm = read_pcm16(wav_path)
            patient.recordings.append(rec)
        patients.append(patient)
    return patients


@dataclass(frozen=True)
class WindowRef:
    """One labelled protocol window: recording index into a list + start sample + label."""
    rec_index: int
    start_sample: int
    hr_bpm: float


def labelled_windows(recordings: Sequence[Recording]) -> List[WindowRef]:
    out: List[WindowRef] = []
    for i, rec in enumerate(recordings):
        for w in rec.windows:
            if w.hr_bpm is not None:
                out.append(WindowRef(i, int(round(w.start_s * SAMPLE_RATE_HZ)), w.hr_bpm))
    return out

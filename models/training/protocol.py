"""The heart-rate protocol of docs/hr-protocol.md: annotated runs, 5-s windows, S1-onset labels.

This module is the Python reference the TypeScript implementation is checked against
(`--labels-json`), so every rule is written out literally and every comparison uses EPS.

CLI:
  /usr/bin/python3 models/training/protocol.py --labels-json <tsv paths...>
  /usr/bin/python3 models/training/protocol.py --self-check [--data ../shared/data/circor]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import struct
import sys
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Sequence, Tuple

EPS: float = 1e-9
MAX_GAP_S: float = 0.010
WINDOW_S: float = 5.0
STRIDE_S: float = 1.0
MIN_S1_ONSETS: int = 3


@dataclass(frozen=True)
class TsvRow:
    start_s: float
    end_s: float
    label: int  # 0..4; malformed rows are carried as label 0 with `problem` set
    line_no: int
    problem: Optional[str] = None


@dataclass
class Run:
    start_s: float
    end_s: float
    rows: List[TsvRow] = field(default_factory=list)

    @property
    def s1_onsets_s(self) -> List[float]:
        return [r.start_s for r in self.rows if r.label == 1]


@dataclass(frozen=True)
class Window:
    start_s: float
    hr_bpm: Optional[float]
    s1_count: int


@dataclass
class ParsedTsv:
    rows: List[TsvRow]
    problems: List[str]


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _parse_float(text: str) -> Optional[float]:
    if not _NUMBER.match(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def parse_tsv(text: str, name: str = "<tsv>") -> ParsedTsv:
    """Parse a CirCor segmentation file. Malformed rows become breaking rows (label 0).

    A row is malformed when it does not have exactly 3 tab/space separated columns, a column is
    not a finite number, the label is not an integer in 0..4 (e.g. the label 28 in
    50782_MV_1.tsv), or end < start. A malformed row whose start cannot be read keeps the
    position of the previous readable row, so it still breaks the run where it appears.
    """
    rows: List[TsvRow] = []
    problems: List[str] = []
    last_start = -math.inf
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        cols = line.split()
        problem: Optional[str] = None
        start = _parse_float(cols[0]) if cols else None
        if len(cols) != 3:
            problem = f"{len(cols)} columns (expected 3)"
        else:
            end = _parse_float(cols[1])
            label_f = _parse_float(cols[2])
            if start is None or end is None or label_f is None:
                problem = f"non-numeric value in {line!r}"
            elif not label_f.is_integer() or not 0 <= int(label_f) <= 4:
                problem = f"label {cols[2]} outside 0-4"
            elif end < start - EPS:
                problem = f"end {cols[1]} < start {cols[0]}"
        if problem is not None:
            problems.append(f"{name}:{line_no}: {problem}")
            key = start if start is not None else last_start
            rows.append(TsvRow(key, key, 0, line_no, problem))
        else:
            assert start is not None
            rows.append(TsvRow(start, float(cols[1]), int(float(cols[2])), line_no))
        if start is not None:
            last_start = start
    # Python's sort is stable: equal starts keep file order.
    rows.sort(key=lambda r: r.start_s)
    return ParsedTsv(rows, problems)


def annotated_runs(rows: Sequence[TsvRow]) -> List[Run]:
    """Maximal sequences of label 1-4 rows with next.start - prev.end <= 10 ms, no label-0 row."""
    runs: List[Run] = []
    current: Optional[Run] = None
    for row in rows:
        if row.label == 0:
            current = None
            continue
        if current is not None and row.start_s - current.rows[-1].end_s <= MAX_GAP_S + EPS:
            current.rows.append(row)
            current.end_s = row.end_s
        else:
            current = Run(row.start_s, row.end_s, [row])
            runs.append(current)
    return runs


def window_label(onsets_s: Sequence[float], start_s: float) -> Tuple[Optional[float], int]:
    """HR = 60 / mean(diff(S1 onsets in [start, start+5))), None with fewer than 3 onsets."""
    inside = sorted(o for o in onsets_s if o >= start_s - EPS and o < start_s + WINDOW_S - EPS)
    if len(inside) < MIN_S1_ONSETS:
        return None, len(inside)
    diffs = [b - a for a, b in zip(inside[:-1], inside[1:])]
    mean_diff = sum(diffs) / len(diffs)
    if mean_diff <= EPS:
        return None, len(inside)
    return 60.0 / mean_diff, len(inside)


def run_windows(run: Run, duration_s: float) -> List[Window]:
    windows: List[Window] = []
    onsets = run.s1_onsets_s
    k = 0
    while True:
        start = run.start_s + k * STRIDE_S
        end = start + WINDOW_S
        if end > run.end_s + EPS or end > duration_s + EPS:
            break
        hr, count = window_label(onsets, start)
        windows.append(Window(start, hr, count))
        k += 1
    return windows


def recording_windows(rows: Sequence[TsvRow], duration_s: float) -> List[Window]:
    out: List[Window] = []
    for run in annotated_runs(rows):
        out.extend(run_windows(run, duration_s))
    return out


class WavHeaderError(ValueError):
    pass


@dataclass(frozen=True)
class WavInfo:
    sample_rate_hz: int
    channels: int
    bits_per_sample: int
    data_offset: int
    data_bytes: int

    @property
    def frames(self) -> int:
        return self.data_bytes // (self.channels * self.bits_per_sample // 8)

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate_hz


def read_wav_info(data: bytes, name: str = "<wav>", file_bytes: Optional[int] = None) -> WavInfo:
    """Walk the RIFF chunks (fmt may not be first; chunks are word aligned).

    `data` may be only the head of the file; `file_bytes` (the whole file's size) then bounds a
    data chunk whose declared size runs past the end of a truncated file.
    """
    total = len(data) if file_bytes is None else file_bytes
    if len(data) < 12 or data[0:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise WavHeaderError(f"{name}: not a RIFF/WAVE file")
    pos = 12
    fmt: Optional[Tuple[int, int, int, int]] = None
    while pos + 8 <= len(data):
        cid = data[pos:pos + 4]
        size = struct.unpack_from("<I", data, pos + 4)[0]
        body = pos + 8
        if cid == b"fmt ":
            if size < 16 or body + 16 > len(data):
                raise WavHeaderError(f"{name}: fmt chunk of {size} bytes")
            audio_format, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", data, body)
            fmt = (audio_format, channels, rate, bits)
        elif cid == b"data":
            if fmt is None:
                raise WavHeaderError(f"{name}: data chunk before fmt chunk")
            audio_format, channels, rate, bits = fmt
            if audio_format != 1 or bits != 16:
                raise WavHeaderError(f"{name}: unsupported format {audio_format} ({bits}-bit)")
            if rate <= 0 or channels <= 0:
                raise WavHeaderError(f"{name}: sample rate {rate}, channels {channels}")
            size = max(0, min(size, total - body))
            return WavInfo(rate, channels, bits, body, size)
        pos = body + size + (size & 1)
    raise WavHeaderError(f"{name}: no data chunk")


def wav_duration_s(path: str) -> float:
    """Duration from the header: data bytes / (2 * rate * channels) for 16-bit PCM."""
    file_bytes = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    try:
        return read_wav_info(head, path, file_bytes).duration_s
    except WavHeaderError:
        if len(head) >= file_bytes:
            raise
        with open(path, "rb") as f:  # chunks before `data` larger than the head we read
            return read_wav_info(f.read(), path).duration_s


def tsv_windows(tsv_path: str) -> Tuple[List[Window], List[str]]:
    with open(tsv_path, "r", encoding="utf-8", errors="replace") as f:
        parsed = parse_tsv(f.read(), os.path.basename(tsv_path))
    duration = wav_duration_s(tsv_path[:-4] + ".wav")
    return recording_windows(parsed.rows, duration), parsed.problems


def labels_json(paths: Iterable[str]) -> str:
    out = {}
    for p in paths:
        windows, problems = tsv_windows(p)
        for msg in problems:
            print(f"protocol: {msg}", file=sys.stderr)
        base = os.path.basename(p)
        out[base[:-4] if base.endswith(".tsv") else base] = [
            {"startS": w.start_s, "hrBpm": w.hr_bpm, "s1Count": w.s1_count} for w in windows
        ]
    return json.dumps(out)


def self_check(data_dir: str) -> Tuple[int, int, float, float]:
    """Counts on the development subset; docs/hr-protocol.md fixes 7,589 windows, 990 recordings."""
    folder = os.path.join(data_dir, "training_data")
    tsvs = sorted(f for f in os.listdir(folder) if f.endswith(".tsv"))
    labelled: List[float] = []
    recordings = 0
    for name in tsvs:
        windows, _ = tsv_windows(os.path.join(folder, name))
        hrs = [w.hr_bpm for w in windows if w.hr_bpm is not None]
        labelled.extend(hrs)
        recordings += 1
    return len(labelled), recordings, min(labelled), max(labelled)


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--labels-json", nargs="+", metavar="TSV", help="print all protocol windows as JSON")
    ap.add_argument("--self-check", action="store_true", help="assert the development-set counts")
    ap.add_argument("--data", default=os.path.join("..", "shared", "data", "circor"))
    args = ap.parse_args(argv)
    if args.labels_json:
        print(labels_json(args.labels_json))
        return 0
    if args.self_check:
        n, recs, lo, hi = self_check(args.data)
        print(f"labelled windows {n} from {recs} recordings, HR {lo:.1f}-{hi:.1f} bpm")
        assert n == 7589, n
        assert recs == 990, recs
        assert round(lo, 1) == 48.2 and round(hi, 1) == 153.8, (lo, hi)
        print("self-check OK")
        return 0
    ap.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())

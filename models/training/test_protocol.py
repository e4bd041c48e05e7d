"""Unit checks of the protocol (docs/hr-protocol.md).  Run from the repo root:
  /usr/bin/python3 -m unittest models.training.test_protocol -v
"""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

from models.training import protocol
from models.training.hr import NUM_BINS, decode

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
DATA = os.path.join(REPO, os.pardir, "shared", "data", "circor")


def wav_bytes(n_samples: int, rate: int = 4000, extra_chunk: bytes = b"") -> bytes:
    data = b"\x00\x00" * n_samples
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra_chunk + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def cycle_rows(start: float, beats: int, period: float) -> str:
    """Rows S1, systole, S2, diastole per beat, contiguous."""
    lines = []
    t = start
    for _ in range(beats):
        q = period / 4
        for k, label in enumerate((1, 2, 3, 4)):
            lines.append(f"{t + k * q:.6f}\t{t + (k + 1) * q:.6f}\t{label}")
        t += period
    return "\n".join(lines)


class ProtocolTest(unittest.TestCase):
    @unittest.skipUnless(os.path.isdir(DATA), "CirCor development subset not present")
    def test_development_set_counts(self) -> None:
        # docs/hr-protocol.md fixes these figures for the 302-patient development subset.
        n, recs, lo, hi = protocol.self_check(DATA)
        self.assertEqual(n, 7589)
        self.assertEqual(recs, 990)
        self.assertAlmostEqual(lo, 48.2, delta=0.05)
        self.assertAlmostEqual(hi, 153.8, delta=0.05)

    def test_label_is_60_over_mean_s1_interval(self) -> None:
        # 1.0-s beats from 0 s: a 5-s window [0, 5) holds onsets 0..4 -> 60 bpm; 5.0 is excluded.
        rows = protocol.parse_tsv(cycle_rows(0.0, 10, 1.0)).rows
        windows = protocol.recording_windows(rows, duration_s=100.0)
        self.assertEqual(windows[0].s1_count, 5)
        self.assertAlmostEqual(windows[0].hr_bpm or 0.0, 60.0, places=9)
        # Run of 10 s -> windows start at 0..5 (start + 5 <= 10).
        self.assertEqual([w.start_s for w in windows], [0, 1, 2, 3, 4, 5])

    def test_audio_end_bounds_windows(self) -> None:
        rows = protocol.parse_tsv(cycle_rows(0.0, 10, 1.0)).rows
        self.assertEqual(len(protocol.recording_windows(rows, duration_s=6.5)), 2)

    def test_fewer_than_three_onsets_has_no_label(self) -> None:
        rows = protocol.parse_tsv(cycle_rows(0.0, 4, 2.0)).rows  # onsets 0, 2, 4, 6 within an 8-s run
        w = protocol.recording_windows(rows, duration_s=100.0)
        self.assertEqual(w[0].s1_count, 3)
        self.assertIsNotNone(w[0].hr_bpm)
        self.assertEqual(w[1].s1_count, 2)  # [1, 6): onsets 2, 4
        self.assertIsNone(w[1].hr_bpm)

    def test_gap_over_10ms_breaks_run(self) -> None:
        a = cycle_rows(0.0, 4, 1.0)
        b = cycle_rows(4.0 + 0.011, 4, 1.0)  # 11 ms after the first run ends
        runs = protocol.annotated_runs(protocol.parse_tsv(a + "\n" + b).rows)
        self.assertEqual(len(runs), 2)
        c = cycle_rows(4.0 + 0.009, 4, 1.0)  # 9 ms: same run
        self.assertEqual(len(protocol.annotated_runs(protocol.parse_tsv(a + "\n" + c).rows)), 1)

    def test_malformed_rows_break_runs_and_are_reported(self) -> None:
        text = "\n".join([cycle_rows(0.0, 3, 1.0), "3.0\t3.2\t28", cycle_rows(3.2, 3, 1.0), "x\t1\t1",
                          "7.0\t6.0\t1", "1\t2"])
        parsed = protocol.parse_tsv(text, "t.tsv")
        self.assertEqual(len(parsed.problems), 4)
        self.assertIn("label 28 outside 0-4", parsed.problems[0])
        # Breaks: the label-28 row at 3.0 s; the 2-column row "1 2" sorts (stably) after the S1 row
        # that also starts at 1.0 s, so the next run starts at that row's successor, 1.25 s; the
        # unreadable row keeps its place after the second run's last row.
        runs = protocol.annotated_runs(parsed.rows)
        self.assertEqual([round(r.start_s, 6) for r in runs], [0.0, 1.25, 3.2])

    def test_rows_are_sorted_by_start(self) -> None:
        lines = cycle_rows(0.0, 6, 1.0).split("\n")
        shuffled = "\n".join(lines[1::2] + lines[0::2])
        runs = protocol.annotated_runs(protocol.parse_tsv(shuffled).rows)
        self.assertEqual(len(runs), 1)

    def test_wav_header_walks_chunks(self) -> None:
        extra = b"LIST" + struct.pack("<I", 5) + b"abcde" + b"\x00"  # odd size, padded
        info = protocol.read_wav_info(wav_bytes(8000, extra_chunk=extra))
        self.assertEqual(info.frames, 8000)
        self.assertAlmostEqual(info.duration_s, 2.0)
        with self.assertRaises(protocol.WavHeaderError):
            protocol.read_wav_info(b"RIFX" + b"\x00" * 40)

    def test_labels_json_cli(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "r_MV.tsv"), "w") as f:
                f.write("0\t0.5\t0\n" + cycle_rows(0.5, 8, 0.75) + "\n")
            with open(os.path.join(d, "r_MV.wav"), "wb") as f:
                f.write(wav_bytes(4000 * 10))
            out = subprocess.run([sys.executable, os.path.join(REPO, "models", "training", "protocol.py"),
                                  "--labels-json", os.path.join(d, "r_MV.tsv")],
                                 check=True, capture_output=True, text=True).stdout
        windows = json.loads(out)["r_MV"]
        self.assertEqual([w["startS"] for w in windows], [0.5, 1.5])  # run 0.5-6.5 s
        self.assertAlmostEqual(windows[0]["hrBpm"], 80.0, places=6)
        self.assertEqual(windows[0]["s1Count"], 7)  # onsets 0.5 + k*0.75 < 5.5

    def test_decoding_rule(self) -> None:
        p = [0.0] * NUM_BINS
        p[60], p[61], p[70] = 0.5, 0.3, 0.2  # 90, 91 bpm, and 100 bpm outside +-5 bins
        hr, conf = decode(__import__("numpy").array(p))
        self.assertAlmostEqual(float(hr), (90 * 0.5 + 91 * 0.3) / 0.8, places=9)
        self.assertAlmostEqual(float(conf), 0.8, places=9)


if __name__ == "__main__":
    unittest.main()

"""Tests of the robustness-suite generator (issue 15): the smoke variant from samples/.

  /usr/bin/python3 -m unittest models.training.test_robustness -v
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from typing import Dict, List

import numpy as np

from models.training import protocol, robustness
from models.training.dataset import load_patients
from models.training.splits import split_patients

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(REPO, "samples")
CIRCOR = os.path.join(REPO, "..", "shared", "data", "circor")


def read_wav(path: str):  # type: ignore[no-untyped-def]
    with open(path, "rb") as f:
        data = f.read()
    info = protocol.read_wav_info(data, path)
    x = np.frombuffer(data, "<i2", count=info.data_bytes // 2, offset=info.data_offset)
    return info, x


def read_rows(path: str) -> List[List[str]]:
    with open(path, encoding="utf-8") as f:
        return [ln.split("\t") for ln in f.read().splitlines() if ln.strip()]


def tree_digest(root: str) -> Dict[str, str]:
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return out


class SmokeSuite(unittest.TestCase):
    out: str
    manifest: dict
    seconds: float

    @classmethod
    def setUpClass(cls) -> None:
        cls.tmp = tempfile.mkdtemp(prefix="robustness-test-")
        cls.out = os.path.join(cls.tmp, "smoke")
        t0 = time.time()
        env = dict(os.environ, PYTHONPATH=REPO)
        proc = subprocess.run([sys.executable, "-m", "models.training.robustness", "--data", SAMPLES, "--split", "all",
                               "--variant", "smoke", "--out", cls.out], cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=300)
        cls.seconds = time.time() - t0
        if proc.returncode != 0:
            raise AssertionError(f"generator failed:\n{proc.stderr}")
        with open(os.path.join(cls.out, "manifest.json"), encoding="utf-8") as f:
            cls.manifest = json.load(f)

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def conditions(self, **match: str) -> List[dict]:
        return [c for c in self.manifest["conditions"] if all(c[k] == v for k, v in match.items())]

    def data_dir(self, cond: dict) -> str:
        return os.path.join(self.out, cond["id"], "training_data")

    def test_manifest(self) -> None:
        m = self.manifest
        self.assertEqual(m["suite"], "ausculta-robustness")
        self.assertEqual(m["version"], 1)
        self.assertEqual(m["variant"], "smoke")
        self.assertEqual(m["split"], "all")
        self.assertEqual(m["splitSeed"], 0)
        self.assertEqual(m["seed"], 2026)
        self.assertEqual(m["source"], SAMPLES)
        self.assertIn("CirCor DigiScope Phonocardiogram Dataset v1.0.3", m["attribution"])
        self.assertIn("ODC Attribution License", m["attribution"])
        ids = [c["id"] for c in m["conditions"]]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual({c["group"] for c in m["conditions"]}, {"clean", "tempo", "device", "noise", "no-heart", "lifted"})
        self.assertEqual({c["kind"] for c in m["conditions"]}, {"heart", "no-heart", "lifted"})
        for c in m["conditions"]:
            for key in ("id", "group", "kind", "description", "sampleRateHz", "recordings", "seconds"):
                self.assertIn(key, c)
            self.assertTrue(1 <= c["recordings"] <= 2, c["id"])
            self.assertEqual(c["recordings"], len(c["items"]))
        self.assertLess(self.seconds, 60.0)  # < 30 s when the machine is not loaded

    def test_layout(self) -> None:
        for c in self.manifest["conditions"]:
            d = self.data_dir(c)
            with open(os.path.join(self.out, c["id"], "training_data.csv"), newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                rows = list(reader)
                for col in ("Patient ID", "Recording locations:", "Age", "Sex", "Murmur"):
                    self.assertIn(col, reader.fieldnames or [])
            txts = sorted(n for n in os.listdir(d) if n.endswith(".txt"))
            self.assertEqual(sorted(r["Patient ID"] + ".txt" for r in rows), txts)
            total_s, n_recs = 0.0, 0
            for name in txts:
                with open(os.path.join(d, name), encoding="utf-8") as f:
                    lines = f.read().splitlines()
                pid, count, rate = lines[0].split()
                self.assertEqual(pid + ".txt", name)
                self.assertTrue(pid.isdigit())
                self.assertEqual(int(rate), c["sampleRateHz"])
                recs = lines[1:1 + int(count)]
                self.assertTrue(all(not ln.startswith("#") for ln in recs))
                self.assertTrue(all(ln.startswith("#") for ln in lines[1 + int(count):] if ln), name)
                self.assertTrue(any(ln.startswith("#Murmur:") for ln in lines), name)
                for ln in recs:
                    loc, hea, wav, tsv = ln.split()
                    self.assertEqual(wav, hea[:-4] + ".wav")
                    self.assertTrue(wav.startswith(f"{pid}_{loc}"))
                    info, x = read_wav(os.path.join(d, wav))
                    self.assertEqual((info.channels, info.bits_per_sample, info.sample_rate_hz), (1, 16, c["sampleRateHz"]))
                    total_s += info.duration_s
                    n_recs += 1
                    for row in read_rows(os.path.join(d, tsv)):
                        self.assertEqual(len(row), 3)
                        self.assertLessEqual(float(row[0]), float(row[1]))
                        self.assertIn(row[2], {"0", "1", "2", "3", "4"})
                        self.assertLessEqual(float(row[1]), info.duration_s + 1e-6)
            self.assertEqual(n_recs, c["recordings"], c["id"])
            self.assertAlmostEqual(total_s, c["seconds"], delta=0.01)

    def test_python_loader_reads_conditions(self) -> None:
        for c in self.conditions(sampleRateHz=4000):
            patients = load_patients(os.path.join(self.out, c["id"]), load_audio=False)
            self.assertEqual(sum(len(p.recordings) for p in patients), c["recordings"], c["id"])

    def test_levels(self) -> None:
        for c in self.manifest["conditions"]:
            if c["group"] == "clean":
                continue
            for it in c["items"]:
                _, x = read_wav(os.path.join(self.data_dir(c), it["recordingId"] + ".wav"))
                self.assertLessEqual(int(np.max(np.abs(x.astype(np.int32)))), int(0.9 * 32768) + 1, c["id"])

    def test_heart_conditions_have_labelled_windows(self) -> None:
        for c in self.conditions(kind="heart") + self.conditions(kind="lifted"):
            for it in c["items"]:
                windows, problems = protocol.tsv_windows(os.path.join(self.data_dir(c), it["recordingId"] + ".tsv"))
                self.assertEqual(problems, [])
                labelled = [w for w in windows if w.hr_bpm is not None]
                self.assertGreaterEqual(len(labelled), 2, (c["id"], it["recordingId"]))
                self.assertEqual(len(labelled), it["labelledWindows"])

    def test_clean_is_the_source(self) -> None:
        (clean,) = self.conditions(id="clean")
        for it in clean["items"]:
            _, x = read_wav(os.path.join(self.data_dir(clean), it["recordingId"] + ".wav"))
            _, src = read_wav(os.path.join(SAMPLES, it["source"] + ".wav"))
            start = int(round(it["sourceStartS"] * 4000))
            np.testing.assert_array_equal(x, src[start:start + len(x)])
            ours, _ = protocol.tsv_windows(os.path.join(self.data_dir(clean), it["recordingId"] + ".tsv"))
            theirs, _ = protocol.tsv_windows(os.path.join(SAMPLES, it["source"] + ".tsv"))
            self.assertEqual([round(w.hr_bpm, 6) for w in ours if w.hr_bpm],
                             [round(w.hr_bpm, 6) for w in theirs if w.hr_bpm])

    def test_tempo_hits_target(self) -> None:
        tempo = self.conditions(group="tempo")
        self.assertTrue(any(c["id"].startswith("tempo-slow") for c in tempo))
        self.assertTrue(any(c["id"].startswith("tempo-fast") for c in tempo))
        for c in tempo:
            target = float(c["id"].rsplit("-", 1)[1])
            for it in c["items"]:
                rows = read_rows(os.path.join(self.data_dir(c), it["recordingId"] + ".tsv"))
                onsets = [float(r[0]) for r in rows if r[2] == "1"]
                hr = 60.0 / float(np.mean(np.diff(onsets)))
                self.assertLess(abs(hr - target) / target, 0.05, (c["id"], it["recordingId"], hr))
                # Contiguous rows: one annotated run from the first row to the last.
                for a, b in zip(rows[:-1], rows[1:]):
                    self.assertLessEqual(float(b[0]) - float(a[1]), 1e-6)
                windows, _ = protocol.tsv_windows(os.path.join(self.data_dir(c), it["recordingId"] + ".tsv"))
                for w in windows:
                    if w.hr_bpm is not None:
                        self.assertLess(abs(w.hr_bpm - target) / target, 0.2)

    def test_device_rates(self) -> None:
        (clean,) = self.conditions(id="clean")
        durations = {it["recordingId"]: it["durationS"] for it in clean["items"]}
        rates = self.conditions(group="device")
        self.assertTrue(any(c["sampleRateHz"] != 4000 for c in rates))
        for c in rates:
            for it in c["items"]:
                info, _ = read_wav(os.path.join(self.data_dir(c), it["recordingId"] + ".wav"))
                self.assertEqual(info.sample_rate_hz, c["sampleRateHz"])
                self.assertAlmostEqual(info.duration_s, durations[it["recordingId"]], delta=0.002)
                self.assertEqual(read_rows(os.path.join(self.data_dir(c), it["recordingId"] + ".tsv")),
                                 read_rows(os.path.join(self.data_dir(clean), it["recordingId"] + ".tsv")))

    def test_no_heart(self) -> None:
        nh = self.conditions(kind="no-heart")
        self.assertGreaterEqual(len(nh), 3)
        for c in nh:
            for it in c["items"]:
                self.assertGreaterEqual(int(it["patientId"]), 900001)
                self.assertEqual(os.path.getsize(os.path.join(self.data_dir(c), it["recordingId"] + ".tsv")), 0)
                info, x = read_wav(os.path.join(self.data_dir(c), it["recordingId"] + ".wav"))
                self.assertAlmostEqual(info.duration_s, 30.0)
                if "silence" not in c["id"]:
                    self.assertGreater(float(np.std(x)), 10.0, c["id"])

    def test_lifted(self) -> None:
        for c in self.conditions(kind="lifted"):
            for it in c["items"]:
                rows = read_rows(os.path.join(self.data_dir(c), it["recordingId"] + ".tsv"))
                self.assertTrue(rows)
                self.assertLess(max(float(r[1]) for r in rows), it["liftS"])
                info, x = read_wav(os.path.join(self.data_dir(c), it["recordingId"] + ".wav"))
                self.assertAlmostEqual(info.duration_s, 30.0)
                after = x[int((it["liftS"] + 0.1) * 4000):].astype(np.float64)
                before = x[:int(it["liftS"] * 4000)].astype(np.float64)
                self.assertLess(np.sqrt(np.mean(after ** 2)), 0.01 * np.sqrt(np.mean(before ** 2)))  # silence after the lift

    def test_deterministic_per_condition(self) -> None:
        """The same seed writes the same bytes, also for a subset of conditions; another seed differs."""
        subset = ["tempo-slow-40", "noise-speech-10db", "no-heart-white"]
        again = os.path.join(self.tmp, "again")
        robustness.generate(SAMPLES, "all", 0, "smoke", again, only=subset, log=lambda m: None)
        first, second = tree_digest(self.out), tree_digest(again)
        for name, digest in second.items():
            if name != "manifest.json":
                self.assertEqual(first[name], digest, name)
        other = os.path.join(self.tmp, "other")
        robustness.generate(SAMPLES, "all", 0, "smoke", other, seed=1, only=["no-heart-white"], log=lambda m: None)
        name = next(n for n in tree_digest(other) if n.endswith(".wav"))
        self.assertNotEqual(tree_digest(other)[name], first[name])

    def test_refuses_foreign_folder(self) -> None:
        foreign = os.path.join(self.tmp, "foreign")
        os.makedirs(foreign)
        with open(os.path.join(foreign, "notes.txt"), "w") as f:
            f.write("not ours")
        with self.assertRaises(SystemExit):
            robustness.generate(SAMPLES, "all", 0, "smoke", foreign, only=["clean"], log=lambda m: None)
        self.assertTrue(os.path.exists(os.path.join(foreign, "notes.txt")))


class Pieces(unittest.TestCase):
    def test_flat_layout_loader_skips_missing(self) -> None:
        patients = load_patients(SAMPLES, load_audio=False)
        self.assertEqual(len(patients), 5)
        self.assertEqual(sorted(r.name for p in patients for r in p.recordings),
                         ["50238_MV", "68303_AV", "74420_MV", "84740_PV", "84749_TV"])

    def test_held_out_speech_is_not_training_speech(self) -> None:
        from models.training import augment
        self.assertFalse({t for _, t in robustness.HELD_OUT_SPEECH} & set(augment.SPEECH_TEXTS))
        self.assertFalse({v.split("+")[0] for v, _ in robustness.HELD_OUT_SPEECH} & set(augment.VOICES))

    def test_hum_frequency(self) -> None:
        rng = np.random.default_rng(0)
        for f0 in (50.0, 60.0):
            x = robustness.mains_hum(40000, f0, rng, rich=f0 == 60.0)
            spec = np.abs(np.fft.rfft(x))
            peak = np.fft.rfftfreq(len(x), 1 / 4000)[int(np.argmax(spec))]
            self.assertAlmostEqual(peak, f0, delta=0.5)

    @unittest.skipUnless(os.path.isdir(os.path.join(CIRCOR, "training_data")), "no CirCor data beside the repo")
    def test_development_split_only(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            m = robustness.generate(CIRCOR, "validation", 0, "full", tmp, max_recordings=1,
                                    only=["clean", "tempo-slow-40"], log=lambda msg: None)
        split = split_patients(load_patients(CIRCOR, load_audio=False), 0)
        used = {it["patientId"] for c in m["conditions"] for it in c["items"]}
        self.assertTrue(used)
        self.assertTrue(used <= set(split["validation"]))
        self.assertFalse(used & set(split["train"]))


if __name__ == "__main__":
    unittest.main()

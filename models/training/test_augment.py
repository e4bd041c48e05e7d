"""Unit checks of the augmentation (augment.py, Data.sample_augmented) on the recordings in samples/.
Run from the repo root:  PYTHONPATH=. /usr/bin/python3 -m unittest models.training.test_augment -v
"""
from __future__ import annotations

import argparse
import os
import unittest

import numpy as np

from models.training import augment as aug
from models.training import protocol
from models.training.common import Data, add_common_args

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
SAMPLES = os.path.join(REPO, "samples")


def samples_data() -> Data:
    ap = argparse.ArgumentParser()
    add_common_args(ap)
    data = Data(ap.parse_args(["--data", SAMPLES]))
    # samples/ are five patients: make them all "train" so the sampler has runs to draw from.
    data.recordings["train"] = [r for rs in data.recordings.values() for r in rs]
    data.train_runs = [(i, run) for i, rec in enumerate(data.recordings["train"]) for run in rec.runs
                       if min(run.end_s, rec.duration_s) - run.start_s >= 4.0]
    data.__dict__.pop("_cdf", None)
    data.__dict__.pop("_arrays", None)
    return data


class TempoWarp(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.data = samples_data()

    def test_identity_warp_reproduces_the_recording(self) -> None:
        rec = self.data.recordings["train"][0]
        run = rec.runs[0]
        warped = aug.warp_run(run.rows, 1.0, np.random.default_rng(0), jitter=0.0)
        x = aug.render_warped(rec.pcm, warped, 0.5, 8000)
        start = int(round((run.start_s + 0.5) * aug.FS))
        # Overlap-add of unmodified grains sums the Hann windows to exactly 2: only float rounding remains.
        np.testing.assert_allclose(x, rec.pcm[start:start + 8000].astype(np.float32), atol=0.01)

    def test_tempo_change_reaches_the_target_rate_and_keeps_the_sounds(self) -> None:
        rec = max(self.data.recordings["train"], key=lambda r: max(run.end_s - run.start_s for run in r.runs))
        run = max(rec.runs, key=lambda r: r.end_s - r.start_s)
        hr0 = 60.0 / float(np.mean(np.diff(run.s1_onsets_s)))
        for target in (40.0, 200.0):
            warped = aug.warp_run(run.rows, hr0 / target, np.random.default_rng(1), jitter=0.0)
            onsets = warped.new_starts_s[warped.labels == 1]
            hr = 60.0 / float(np.mean(np.diff(onsets)))
            # Beat-wise warping reproduces the target within the run's own beat-to-beat variation.
            self.assertLess(abs(hr - target) / target, 0.05, f"target {target}: got {hr:.1f}")
            if target < hr0:
                s1 = np.diff(warped.new_knots_s)[warped.labels == 1]
                old = np.array([r.end_s - r.start_s for r in run.rows if r.label == 1])
                # Slowing down leaves the heart sounds' durations alone (within the ≤ 10-ms gaps).
                self.assertLess(float(np.max(np.abs(s1 - old[:len(s1)]))), 0.011)

    def test_band_limit_removes_energy_above_the_device_nyquist(self) -> None:
        rng = np.random.default_rng(2)
        x = rng.standard_normal(20000).astype(np.float32)
        y = aug.band_limit(x, 1000)
        spec = np.abs(np.fft.rfft(y)) ** 2
        f = np.fft.rfftfreq(len(y), 1 / aug.FS)
        self.assertLess(spec[f > 600].sum() / spec.sum(), 0.01)


class AugmentedCrops(unittest.TestCase):
    def test_crops_cover_slow_and_fast_hearts_and_no_heart_windows(self) -> None:
        data = samples_data()
        batch = data.sample_augmented(np.random.default_rng(3), 256)
        has = batch.has_hr.numpy()  # type: ignore[union-attr]
        hr = batch.hr_bpm.numpy()[has]
        # 15 % no-heart crops (+ some lifted ones), and the tempo change reaches both ends of the range.
        self.assertGreater((~has).mean(), 0.08)
        self.assertGreater(int((hr < 60).sum()), 10)
        self.assertGreater(int((hr > 160).sum()), 10)
        for caption, h in zip(batch.captions, has):
            if not h:
                self.assertTrue(caption.startswith("no heart sound"), caption)
        self.assertTrue(np.isfinite(batch.pcm.numpy()).all())

    def test_the_protocol_label_of_a_warped_crop_matches_its_onsets(self) -> None:
        data = samples_data()
        runs, cdf = data._split_runs("train"), data._split_cdf("train")
        rng = np.random.default_rng(4)
        checked = 0
        while checked < 20:
            crop = data._heart_crop(rng, runs, cdf, "train", tempo_prob=1.0)
            if crop is None:
                continue
            _, hr, onsets, _, _ = crop
            label, count = protocol.window_label(onsets, 0.0)
            self.assertIsNotNone(label)
            self.assertAlmostEqual(hr, label, places=6)
            checked += 1


if __name__ == "__main__":
    unittest.main()

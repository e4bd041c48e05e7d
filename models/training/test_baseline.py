"""Checks of the acoustic-feature baseline: the fixed in-graph features and the app's output contract.

  /usr/bin/python3 -m unittest models.training.test_baseline -v
"""
from __future__ import annotations

import os
import unittest

import numpy as np
import torch

from models.training import baseline
from models.training.dataset import read_pcm16
from models.training.hr import NUM_BINS

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, os.pardir, os.pardir, os.pardir, "shared", "data", "circor", "training_data")


def real_window() -> torch.Tensor:
    """The first 5 s of the first CirCor recording (real heart sounds, not a synthetic signal)."""
    wav = sorted(f for f in os.listdir(DATA) if f.endswith(".wav"))[0]
    pcm = read_pcm16(os.path.join(DATA, wav))[:20000].astype(np.float32) / 32768.0
    return torch.from_numpy(pcm).unsqueeze(0)


class FeatureTests(unittest.TestCase):
    def test_mel_filters_are_nonnegative_unit_area_and_ordered(self) -> None:
        fb = baseline.mel_filterbank()
        self.assertEqual(fb.shape, (baseline.N_MELS, baseline.N_BINS))
        self.assertTrue((fb >= 0).all())
        np.testing.assert_allclose(fb.sum(axis=1), 1.0, atol=1e-12)
        centres = (fb * np.arange(baseline.N_BINS)).sum(axis=1)
        self.assertTrue((np.diff(centres) >= 0).all(), "filter centres must rise with the mel index")

    def test_dct_rows_are_orthonormal(self) -> None:
        d = baseline.dct_matrix()
        # Rows of an orthonormal DCT-II: D D^T = I (1e-12: float64 rounding only).
        np.testing.assert_allclose(d @ d.T, np.eye(baseline.N_MFCC), atol=1e-12)

    def test_features_match_numpy_stft_and_ignore_gain(self) -> None:
        feats = baseline.AcousticFeatures()
        x = real_window()
        image, psd = feats(x)
        self.assertEqual(tuple(image.shape), (1, baseline.N_ROWS, 251))
        self.assertEqual(tuple(psd.shape), (1, baseline.N_BINS))
        image_loud, psd_loud = feats(x * 37.0)
        # Input normalisation makes the features gain-free; 1e-3 allows float32 rounding in the logs.
        self.assertLess(float((image - image_loud).abs().max()), 1e-3)
        self.assertLess(float((psd - psd_loud).abs().max()), 1e-3)
        # Frame 100's power spectrum from numpy's rfft of the same Hann-windowed segment.
        v = x[0].numpy().astype(np.float64)
        v = (v - v.mean()) / np.sqrt(((v - v.mean()) ** 2).mean() + 1e-8)
        v = np.pad(v, (baseline.N_FFT // 2, baseline.N_FFT // 2))
        n = np.arange(baseline.N_FFT)
        seg = v[100 * baseline.HOP:100 * baseline.HOP + baseline.N_FFT] * (0.5 - 0.5 * np.cos(2 * np.pi * (n + 0.5) / baseline.N_FFT))
        power = np.abs(np.fft.rfft(seg)) ** 2 / baseline.N_FFT
        log_mel = np.log(baseline.mel_filterbank() @ power + baseline.LOG_EPS)
        # 1e-3 in log units: float32 conv vs float64 FFT.
        np.testing.assert_allclose(image[0, :baseline.N_MELS, 100].numpy(), log_mel, atol=1e-3)


class ContractTests(unittest.TestCase):
    def test_graph_outputs_follow_the_app_contract(self) -> None:
        torch.manual_seed(0)
        graph = baseline.BaselineGraph(baseline.AcousticCnn().eval()).eval()
        x = torch.cat([real_window(), real_window() * 0.1, torch.zeros(1, 20000)])
        with torch.no_grad():
            hr, layers, emb = graph(x)
        self.assertEqual(tuple(hr.shape), (3, NUM_BINS))
        self.assertEqual(tuple(layers.shape), (3, 1, NUM_BINS))
        self.assertTrue(torch.equal(layers[:, 0], hr), "the one 'layer' is the head itself")
        # Softmax sums to 1 up to float32 rounding; an all-zero window must not give NaN.
        np.testing.assert_allclose(hr.sum(dim=1).numpy(), 1.0, atol=1e-5)
        self.assertTrue(torch.isfinite(emb).all())
        np.testing.assert_allclose(emb[:2].norm(dim=1).numpy(), 1.0, atol=1e-5)


if __name__ == "__main__":
    unittest.main()

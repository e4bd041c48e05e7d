"""Caption variants of the text-tuning stage (issue 18): deterministic, never flip a murmur fact's
polarity, and use only words the extended tokenizer knows.

  /usr/bin/python3 -m unittest models.training.test_captions -v
"""
from __future__ import annotations

import unittest

import numpy as np

from models.training import captions as cap
from models.training.text_tune import extended_tokenizer

PRESENT = ("mitral valve recording of a female child; holosystolic plateau grade III/VI high pitched harsh systolic murmur; "
           "heart rate 150 to 160 bpm; regular rhythm; speech and breathing in background")
ABSENT = "aortic valve recording of a male infant; no murmur; heart rate 50 to 60 bpm; irregular rhythm"
NO_HEART = "no heart sound; mains hum and noise"


class CaptionVariantTest(unittest.TestCase):
    def variants(self, caption: str, hr: float, n: int = 400, seed: int = 7) -> list:
        rng = np.random.default_rng(seed)
        return [cap.caption_variant(caption, hr, rng) for _ in range(n)]

    def test_deterministic_for_a_seed(self) -> None:
        self.assertEqual(self.variants(PRESENT, 155.0), self.variants(PRESENT, 155.0))

    def test_murmur_polarity_is_kept(self) -> None:
        for text in self.variants(ABSENT, 55.0):
            if "murmur" in cap.words(text):
                self.assertIn("no", cap.words(text), text)
        for text in self.variants(PRESENT, 155.0):
            self.assertNotIn("no murmur", text)

    def test_short_forms_appear(self) -> None:
        present = set(self.variants(PRESENT, 155.0))
        for expected in ("systolic murmur", "heart murmur", "fast heart rate", "noisy recording"):
            self.assertTrue(any(expected in t for t in present), expected)
        absent = set(self.variants(ABSENT, 55.0))
        self.assertTrue(any("slow heart" in t or "bradycardia" in t for t in absent))
        self.assertFalse(any("fast" in cap.words(t) for t in absent))

    def test_every_word_is_in_the_extended_vocabulary(self) -> None:
        base = cap.Tokenizer.build([PRESENT, ABSENT, NO_HEART], cap.EXTRA_WORDS)
        tok = extended_tokenizer(base)
        # Existing ids are kept; new words are appended.
        self.assertEqual({w: tok.vocab[w] for w in base.vocab}, base.vocab)
        for caption, hr in ((PRESENT, 155.0), (ABSENT, 55.0), (NO_HEART, float("nan"))):
            for text in self.variants(caption, hr, n=200):
                unknown = [w for w in cap.words(text) if w not in tok.vocab]
                self.assertEqual(unknown, [], text)


if __name__ == "__main__":
    unittest.main()

"""The numpy front end (features.py) must equal the TypeScript one (src/pipeline/features.ts) within 1e-3.
Run from inference/training: /usr/bin/python3 -m unittest tests.test_features_parity"""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import tempfile
import unittest

import numpy as np

from features import FRONTEND, compute_features, mel_filterbank

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DENO = os.path.join(ROOT, "node_modules", ".bin", "deno")


def _audio(sr: int, seconds: float) -> np.ndarray:
    """Noise bursts, a decaying low sine (a kick-like thump) and a steady tone, not a multiple of the hop long."""
    rng = np.random.default_rng(5)
    n = int(sr * seconds) + 77
    t = np.arange(n) / sr
    x = 0.3 * np.sin(2 * np.pi * 440 * t)
    for start in np.arange(0.1, seconds, 0.37):
        i = int(start * sr)
        m = min(n - i, int(0.15 * sr))
        x[i: i + m] += rng.normal(0, 0.4, m) * np.exp(-np.arange(m) / (0.02 * sr))
        x[i: i + m] += 0.8 * np.sin(2 * np.pi * 60 * np.arange(m) / sr) * np.exp(-np.arange(m) / (0.05 * sr))
    return x.astype(np.float32)


class FeatureParity(unittest.TestCase):
    def _compare(self, cfg) -> None:
        x = _audio(cfg.sampleRate, 3.0)
        with tempfile.TemporaryDirectory() as tmp:
            x.tofile(f"{tmp}/in.f32")
            with open(f"{tmp}/cfg.json", "w") as f:
                json.dump(dataclasses.asdict(cfg), f)
            res = subprocess.run([DENO, "run", "-A", os.path.join(os.path.dirname(__file__), "dump_features.ts"),
                                  f"{tmp}/in.f32", f"{tmp}/cfg.json", f"{tmp}/out.f32"],
                                 capture_output=True, text=True, cwd=ROOT, check=False)
            self.assertEqual(res.returncode, 0, res.stderr)
            shape = json.loads(res.stdout)
            ts = np.fromfile(f"{tmp}/out.f32", dtype=np.float32).reshape(shape["frames"], shape["bands"])
        py = compute_features(x, cfg)
        self.assertEqual(py.shape, ts.shape)
        self.assertGreater(float(py.max()), 0.5)  # the signal is loud enough that a wrong scale would show
        self.assertLess(float(np.abs(py - ts).max()), 1e-3)

    def test_shipped_frontend_matches_typescript(self) -> None:
        self._compare(FRONTEND)

    def test_baseline_frontend_matches_typescript(self) -> None:
        # the band-energy baseline's 40-band front end: a different filterbank, same code path
        self._compare(dataclasses.replace(FRONTEND, bands=40))

    def test_filters_sum_to_one(self) -> None:
        fb = mel_filterbank(FRONTEND)
        np.testing.assert_allclose(fb.sum(axis=1), 1.0, atol=1e-5)


if __name__ == "__main__":
    unittest.main()

"""Data generator behaviour. Run from inference/training: /usr/bin/python3 -m unittest tests.test_data"""
from __future__ import annotations

import os
import unittest

import numpy as np

from data.gm import NOTE_TO_LANE
from data.make_dataset import _adapt, _labels
from data.performance import generate
from data.sampler import HydrogenKit
from data.sources import HYDROGEN, drum_sources, gm_key_for_instrument
from data.styles import METERS, STYLES


class Performances(unittest.TestCase):
    def test_same_seed_same_performance(self) -> None:
        a = generate(np.random.default_rng(42))
        b = generate(np.random.default_rng(42))
        self.assertEqual(a.hits, b.hits)
        self.assertNotEqual(a.hits, generate(np.random.default_rng(43)).hits)

    def test_every_style_and_meter_gives_consistent_labels(self) -> None:
        rng = np.random.default_rng(0)
        for style in STYLES:
            for _ in range(4):
                p = generate(rng, 12.0, style)
                self.assertIn(p.meter, METERS)
                self.assertTrue(all(0 <= t < p.duration and k in NOTE_TO_LANE and 1 <= v <= 127 for t, k, v in p.hits))
                ibi = np.diff(p.beats)
                self.assertTrue(np.all(ibi > 60 / 262) and np.all(ibi < 60 / 43), (style, p.bpm))
                self.assertEqual(p.downbeats, p.beats[:: p.beats_per_bar])
                self.assertGreater(len(p.hits), len(p.beats) // 2, style)

    def test_tempo_range_and_variety_across_seeds(self) -> None:
        ps = [generate(np.random.default_rng(i)) for i in range(200)]
        bpms = [p.bpm for p in ps]
        self.assertLess(min(bpms), 65)
        self.assertGreater(max(bpms), 200)
        self.assertEqual({p.meter for p in ps}, set(METERS))
        lanes = {NOTE_TO_LANE[k] for p in ps for _, k, _ in p.hits}
        self.assertEqual(len(lanes), 10)


class Labels(unittest.TestCase):
    def test_flam_grace_note_merges_into_the_main_stroke(self) -> None:
        out = _labels([(1.000, 38, 40), (1.020, 38, 110), (1.020, 36, 90), (1.5, 38, 100)], 1.0)
        self.assertEqual(sorted(out), [(1.02, "kick", 90), (1.02, "snare", 110), (1.5, "snare", 100)])

    def test_time_factor_moves_labels(self) -> None:
        self.assertAlmostEqual(_labels([(2.0, 36, 100)], 1.04)[0][0], 2.0 / 1.04)

    def test_missing_keys_fall_back_within_the_lane_or_drop(self) -> None:
        self.assertEqual(_adapt([(1.0, 35, 90), (2.0, 45, 80), (3.0, 44, 70)], {36, 47}), [(1.0, 36, 90), (2.0, 47, 80)])


class Sources(unittest.TestCase):
    def test_instrument_names_map_to_lanes(self) -> None:
        cases = {"Kick (Tama Superstar 22\")": 36, "Ride (Custom, Zagrebin 22\")": 51, "Hi-Hat Pedal": 44,
                 "VariBreaks Hat 1 Op": 46, "Pearl Tom Floor": 43, "Tom Mid": 47, "Snare Rimshot": 40,
                 "d#3 - clap": None, "Cowbell": None, "Sabian Hat Closed": 42, "Zildjian Splash": 55}
        for name, key in cases.items():
            self.assertEqual(gm_key_for_instrument(name), key, name)

    def test_test_kits_are_never_training_kits(self) -> None:
        srcs = drum_sources()
        test = {s.path + str(s.program) for s in srcs if s.split == "test"}
        train = {s.path + str(s.program) for s in srcs if s.split == "train"}
        self.assertTrue(test and train and not test & train)

    @unittest.skipUnless(os.path.isdir(f"{HYDROGEN}/Millo-Drums_v.1"), "hydrogen-drumkits not installed")
    def test_sampler_puts_energy_at_the_hits(self) -> None:
        kit = HydrogenKit(f"{HYDROGEN}/Millo-Drums_v.1", 22050, "/tmp/beatsight-test-samples")
        audio, played = kit.render([(0.5, 36, 120), (1.5, 38, 100)], 2.5, np.random.default_rng(0))
        self.assertEqual(len(played), 2)
        rms = lambda a, b: float(np.sqrt(np.mean(audio[int(a * 22050): int(b * 22050)] ** 2)))
        self.assertGreater(rms(0.5, 0.6), 20 * rms(0.3, 0.49) + 1e-4)
        self.assertGreater(rms(1.5, 1.6), 5 * rms(1.35, 1.49) + 1e-4)


if __name__ == "__main__":
    unittest.main()

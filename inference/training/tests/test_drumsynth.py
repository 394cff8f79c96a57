"""DrumSynth presets (data/drumsynth.py) and the `dsynth` split that plays them. Run from inference/training:
/usr/bin/python3 -m unittest tests.test_drumsynth"""
from __future__ import annotations

import os
import tempfile
import unittest

import numpy as np

from data.drumsynth import DrumSynthKit, Morph, key_for_preset, preset_pool, render_preset
from data.make_dataset import DRUMSYNTH_SPLIT, MORPHED_DRUMSYNTH_SPLIT, _plan, source_name
from data.sources import DRUMSYNTH_PRESETS

SR = 22050
FLAT = "0,100 4410,100 4411,0"  # full level for 0.1 s
_PRESETS = tempfile.TemporaryDirectory()  # the tests' preset files, removed when the run ends


def preset(**sections: dict[str, str]) -> str:
    """A .ds file with the given sections (every other component off), in a temporary folder."""
    text = "[General]\nVersion=DrumSynth v2.0\n"
    for name, values in sections.items():
        text += f"[{name}]\n" + "".join(f"{k}={v}\n" for k, v in values.items())
    fd, path = tempfile.mkstemp(suffix=".ds", dir=_PRESETS.name)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def peak_hz(w: np.ndarray) -> float:
    spec = np.abs(np.fft.rfft(w * np.hanning(len(w))))
    return float(np.fft.rfftfreq(len(w), 1 / SR)[np.argmax(spec)])


def centroid(w: np.ndarray) -> float:
    spec = np.abs(np.fft.rfft(w)) ** 2
    return float((spec * np.fft.rfftfreq(len(w), 1 / SR)).sum() / spec.sum())


class Presets(unittest.TestCase):
    def test_lanes_come_from_file_and_folder_names(self) -> None:
        cases = {"tr808/Snare.ds": 38, "tr808/Kick.ds": 36, "acoustic/Brush1.ds": 38, "misc/airbrush_bd.ds": 36,
                 "tr909/Hat-o.ds": 46, "tr909/Hat-c.ds": 42, "misc_hats/get_out.ds": 42,
                 "misc_hats/threshold_noise_open.ds": 46, "misc_hats/close_ride.ds": 51, "tr808/Rimshot.ds": 37,
                 "linn/linn_tom3.ds": 47, "cr78/Cymbal.ds": 49, "tr808/Handclap.ds": None, "linn/linn_cow.ds": None,
                 "misc/tomita_clip.ds": None, "misc_electro/what_to_do_at_220.ds": None, "latin/Snare.ds": None}
        for name, key in cases.items():
            self.assertEqual(key_for_preset(f"/presets/{name}"), key, name)

    def test_a_tone_falls_from_f1_to_f2_and_tuning_moves_it(self) -> None:
        steady = render_preset(preset(Tone={"On": 1, "Level": 128, "F1": 200, "F2": 200, "Envelope": FLAT}), SR)
        self.assertAlmostEqual(len(steady) / SR, 0.1, delta=0.002)
        self.assertAlmostEqual(peak_hz(steady), 200, delta=15)
        falling = render_preset(preset(Tone={"On": 1, "F1": 800, "F2": 100, "Droop": 50, "Envelope": FLAT}), SR)
        self.assertGreater(peak_hz(falling[:int(0.01 * SR)]), 2 * peak_hz(falling[-int(0.03 * SR):]))
        octave = render_preset(preset(General={"Tuning": 12},
                                      Tone={"On": 1, "F1": 200, "F2": 200, "Envelope": FLAT}), SR)
        self.assertAlmostEqual(peak_hz(octave), 400, delta=20)

    def test_a_morph_moves_the_tone_and_the_bands_apart_and_stretches_the_envelopes(self) -> None:
        tone = preset(Tone={"On": 1, "F1": 200, "F2": 200, "Envelope": FLAT})
        self.assertAlmostEqual(peak_hz(render_preset(tone, SR, morph=Morph(tone=2))), 400, delta=20)
        self.assertAlmostEqual(peak_hz(render_preset(tone, SR, morph=Morph(bands=2))), 200, delta=15)
        self.assertAlmostEqual(len(render_preset(tone, SR, morph=Morph(stretch=1.5))) / SR, 0.15, delta=0.002)
        band = preset(NoiseBand={"On": 1, "F": 2000, "dF": 5, "Envelope": FLAT})
        self.assertAlmostEqual(centroid(render_preset(band, SR, morph=Morph(tone=2))), 2000, delta=200)
        self.assertAlmostEqual(centroid(render_preset(band, SR, morph=Morph(bands=0.5))), 1000, delta=150)
        both = preset(Tone={"On": 1, "F1": 200, "F2": 200, "Envelope": FLAT},
                      NoiseBand={"On": 1, "F": 3000, "dF": 5, "Envelope": FLAT})
        quiet_tone = Morph(levels=(0.01, 1, 1, 1, 1))  # Tone first, as _Preset.COMPONENTS
        self.assertGreater(peak_hz(render_preset(both, SR, morph=quiet_tone)), 2000)

    def test_noise_slope_and_band_shape_the_spectrum(self) -> None:
        noise = lambda slope: render_preset(preset(Noise={"On": 1, "Slope": slope, "Envelope": FLAT}), SR)
        self.assertGreater(centroid(noise(80)), 1.5 * centroid(noise(-80)))
        band = render_preset(preset(NoiseBand={"On": 1, "F": 3000, "dF": 10, "Envelope": FLAT}), SR)
        self.assertAlmostEqual(centroid(band), 3000, delta=400)

    def test_the_filter_envelope_darkens(self) -> None:
        noise = {"On": 1, "Slope": 0, "Envelope": FLAT}
        dark = render_preset(preset(General={"Filter": 1, "FilterEnv": "0,30 4410,30"}, Noise=noise), SR)
        self.assertLess(centroid(dark), 0.3 * centroid(render_preset(preset(Noise=noise), SR)))

    def test_a_preset_with_nothing_on_is_refused(self) -> None:
        with self.assertRaisesRegex(ValueError, "no component"):
            render_preset(preset(Tone={"On": 0, "Envelope": FLAT}), SR)


@unittest.skipUnless(os.path.isdir(DRUMSYNTH_PRESETS), "lmms-common is not installed")
class InstalledPresets(unittest.TestCase):
    def test_every_drum_preset_renders_and_lanes_sound_like_their_drums(self) -> None:
        pool = preset_pool()
        self.assertGreater(len(pool[36]), 50)
        self.assertGreater(len(pool[38]), 50)
        centroids: dict[int, float] = {}
        for key, paths in pool.items():
            waves = [render_preset(p, SR) for p in paths]
            for p, w in zip(paths, waves):
                self.assertTrue(np.isfinite(w).all() and np.abs(w).max() > 0.99, p)
            centroids[key] = float(np.median([centroid(w[:int(0.15 * SR)]) for w in waves]))
        self.assertLess(centroids[36], 400)
        self.assertLess(centroids[36], centroids[38])
        self.assertLess(centroids[38], centroids[42])

    def test_a_kit_plays_its_hits_and_is_fixed_by_its_seed(self) -> None:
        kit = lambda seed: DrumSynthKit(SR, np.random.default_rng(seed), "/tmp")
        hits = [(0.2, 36, 110), (0.5, 38, 100), (0.8, 42, 90)]
        audio, played = kit(1).render(hits, 1.2, np.random.default_rng(0))
        self.assertEqual(played, hits)
        self.assertEqual(float(np.abs(audio[:int(0.199 * SR)]).max()), 0.0)
        for t, _, _ in hits:
            self.assertGreater(float(np.abs(audio[int(t * SR):int((t + 0.03) * SR)]).max()), 1e-3)
        again, _ = kit(1).render(hits, 1.2, np.random.default_rng(0))
        np.testing.assert_array_equal(audio, again)
        other, _ = kit(2).render(hits, 1.2, np.random.default_rng(0))
        self.assertFalse(np.allclose(audio, other))

    def test_the_identity_morph_renders_the_preset_and_a_drawn_one_strays_from_it(self) -> None:
        path = preset_pool()[38][0]
        plain = render_preset(path, SR, 3)
        np.testing.assert_array_equal(render_preset(path, SR, 3, Morph()), plain)
        rng = np.random.default_rng(0)
        morphs = [Morph.draw(rng) for _ in range(20)]
        for m in morphs:
            self.assertTrue(2 ** -0.4 <= m.tone <= 2 ** 0.4 and 2 ** -0.6 <= m.stretch <= 2 ** 0.6, m)
            self.assertTrue(all(10 ** (-9 / 20) <= v <= 10 ** (9 / 20) for v in m.levels), m)
        slow = Morph(stretch=1.5)
        longer = render_preset(path, SR, 3, slow)
        self.assertGreater(len(longer), len(plain))  # the envelopes last longer
        w = render_preset(path, SR, 3, morphs[0])
        self.assertTrue(np.isfinite(w).all() and abs(float(np.abs(w).max()) - 1) < 1e-3)
        self.assertFalse(len(w) == len(plain) and np.allclose(w, plain))

    def test_a_morphing_kit_draws_a_new_sound_per_kit_and_stays_fixed_by_its_seed(self) -> None:
        files = {38: preset_pool()[38][:1]}  # one preset: any difference is the morph's
        kit = lambda seed, morph: DrumSynthKit(SR, np.random.default_rng(seed), "/tmp", files, morph=morph)
        sample = lambda k: k.instruments[38][0][1][1]  # the hard layer
        np.testing.assert_array_equal(sample(kit(1, False)), sample(kit(2, False)))
        self.assertFalse(np.array_equal(sample(kit(1, True)), sample(kit(2, True))))
        np.testing.assert_array_equal(sample(kit(1, True)), sample(kit(1, True)))

    def test_the_morphed_split_keeps_the_plain_splits_plan(self) -> None:
        plain, morphed = _plan(DRUMSYNTH_SPLIT, 12, 5, 4.0, 0.3), _plan(MORPHED_DRUMSYNTH_SPLIT, 12, 5, 4.0, 0.3)
        self.assertEqual([source_name(p) for _, _, p, _ in plain], [source_name(p) for _, _, p, _ in morphed])
        self.assertEqual([perf.hits for _, perf, _, _ in plain], [perf.hits for _, perf, _, _ in morphed])

    def test_the_split_plays_drumsynth_kits_alone_and_in_kit_mixes(self) -> None:
        plan = _plan(DRUMSYNTH_SPLIT, 40, 5, 4.0, 0.3)
        alone = [parts for _, _, parts, _ in plan if len(parts) == 1]
        mixed = [parts for _, _, parts, _ in plan if len(parts) > 1]
        self.assertTrue(alone and mixed)
        self.assertTrue(all(parts[0][0].kind == "drumsynth" for parts in alone))
        kinds = [src.kind for parts in mixed for src, _ in parts]
        self.assertGreater(kinds.count("drumsynth"), len(kinds) / 4)
        self.assertGreater(len(set(kinds)), 2)  # next to sampled and procedural kits
        self.assertTrue(all(src.split != "test" for _, _, parts, _ in plan for src, _ in parts))

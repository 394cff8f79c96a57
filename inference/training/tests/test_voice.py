"""The procedural singer (data/voice.py), the speakers (data/speech.py) and the vocal splits that add them.
Run from inference/training: /usr/bin/python3 -m unittest tests.test_voice"""
from __future__ import annotations

import unittest

import numpy as np

from data.make_dataset import SR, VOICE_SPLITS, _plan, _with_voice
from data.performance import generate
from data.speech import ESPEAK_VOICES, VOICES, say, say_espeak, speak
from data.voice import CONSONANTS, Note, _consonant, _vowel, melody, sing


def band_share(w: np.ndarray, lo: float, hi: float) -> float:
    """Share of the signal's energy between lo and hi Hz."""
    spec = np.abs(np.fft.rfft(w, n=8192)) ** 2
    f = np.fft.rfftfreq(8192, 1 / SR)
    return float(spec[(f >= lo) & (f < hi)].sum() / spec.sum())


class VoiceTest(unittest.TestCase):
    def setUp(self):
        self.perf = generate(np.random.default_rng(5), 24.0)

    def test_vowel_sings_its_pitch_through_its_formants(self):
        rng = np.random.default_rng(0)
        for f0 in (110.0, 220.0, 440.0):
            a = _vowel(Note(0, 0.6, f0, "", "a", ""), 1.0, SR, rng)[3000:11000]
            spec = np.abs(np.fft.rfft(a * np.hanning(len(a))))
            freqs = np.fft.rfftfreq(len(a), 1 / SR)
            lowest = freqs[np.argmax(spec * (freqs > 0.7 * f0) * (freqs < 1.4 * f0))]
            self.assertAlmostEqual(lowest / f0, 1.0, delta=0.05)  # vibrato and scoop stay within a semitone
        # 'i' has its second formant near 2.3 kHz, 'u' near 0.9 kHz: the two vowels differ where a vowel should
        tilt = lambda v: band_share(v, 2000, 2600) / band_share(v, 700, 1000)
        i = _vowel(Note(0, 0.6, 150.0, "", "i", ""), 1.0, SR, rng)
        u = _vowel(Note(0, 0.6, 150.0, "", "u", ""), 1.0, SR, rng)
        self.assertGreater(tilt(i), 10 * tilt(u))

    def test_consonants_sound_where_drums_do(self):
        rng = np.random.default_rng(1)
        s, t, p = (_consonant(c, 200.0, 1.0, SR, rng) for c in ("s", "t", "p"))
        self.assertGreater(band_share(s, 4500, 11025), 0.8)  # a hi-hat's band
        self.assertGreater(band_share(t, 2000, 11025), 0.8)  # a snare's crack
        self.assertGreater(band_share(p, 0, 2500), 0.8)      # low, like a soft kick
        self.assertLess(len(t), 0.1 * SR)                    # a burst is short, a hiss long
        self.assertGreater(len(s), 0.08 * SR)
        for c in CONSONANTS:
            self.assertTrue(np.isfinite(_consonant(c, 200.0, 1.0, SR, rng)).all(), c)

    def test_melody_follows_the_song(self):
        notes = melody(self.perf, 0, np.random.default_rng(2), female=False)
        self.assertGreater(len(notes), 10)
        beats = np.array(self.perf.beats)
        grid = np.concatenate([beats, (beats[:-1] + beats[1:]) / 2])
        for n in notes:
            self.assertLess(np.abs(grid - n.start).min(), 1e-6)  # on a beat or an eighth
            self.assertGreater(n.end, n.start)
            self.assertTrue(70 < n.f0 < 1000)
        starts = [n.start for n in notes]
        self.assertEqual(starts, sorted(starts))

    def test_sing_is_a_line_with_rests(self):
        y = sing(self.perf, 4, 24 * SR, SR, np.random.default_rng(3))
        self.assertEqual(len(y), 24 * SR)
        self.assertAlmostEqual(float(np.abs(y).max()), 1.0, places=6)
        frames = np.sqrt(np.mean(y[: len(y) // 512 * 512].reshape(-1, 512) ** 2, axis=1))
        loud = frames > 0.1 * frames.max()
        self.assertTrue(0.2 < loud.mean() < 0.95)  # sings for a part of the song, not throughout
        again = sing(self.perf, 4, 24 * SR, SR, np.random.default_rng(3))
        np.testing.assert_array_equal(y, again)

    def test_with_voice_keeps_the_band_and_sits_near_its_level(self):
        band = np.random.default_rng(4).standard_normal(24 * SR) * 0.1
        mixed = _with_voice(band, self.perf, 2, np.random.default_rng(6))
        voice = mixed - band
        ratio_db = 20 * np.log10(np.sqrt(np.mean(voice ** 2)) / np.sqrt(np.mean(band ** 2)))
        self.assertTrue(-6.5 < ratio_db < 6.5, ratio_db)

    def test_vocal_splits_play_their_base_splits_tracks(self):
        for split, (plays, share, kind) in VOICE_SPLITS.items():
            self.assertIn(plays, ("pool", "test"))
            self.assertTrue(0 < share <= 1)
            self.assertEqual(plays == "test", kind == "festival")  # festival's voices are the test set's alone
        plan = _plan("test", 4, 3, 24.0, 0.3)
        again = _plan(VOICE_SPLITS["testv"][0], 4, 3, 24.0, 0.3)
        for (_, perf, parts, acc), (_, perf2, parts2, acc2) in zip(plan, again):
            self.assertEqual(perf.hits, perf2.hits)
            self.assertEqual([p[0].name for p in parts], [p[0].name for p in parts2])
            self.assertEqual(acc is None, acc2 is None)
            if acc:
                self.assertTrue(0 <= acc[1].key < 12)


class SpeechTest(unittest.TestCase):
    def test_festival_says_a_line_with_its_hisses(self):
        for voice in VOICES:
            x = say("sister said stop", voice, SR)
            self.assertTrue(0.5 * SR < len(x) < 3 * SR, voice)
            self.assertAlmostEqual(float(np.abs(x).max()), 1.0, places=6)
            frames = x[: len(x) // 256 * 256].reshape(-1, 256)
            high = np.array([band_share(f, 4000, 11025) for f in frames if np.std(f) > 0.02])
            self.assertGreater(high.max(), 0.5, voice)  # its s sounds: mostly above 4 kHz
            self.assertLess(np.median(high), 0.3, voice)  # its vowels: mostly below

    def test_espeak_says_a_line_in_each_training_voice(self):
        for voice in ESPEAK_VOICES[:3]:
            x = say_espeak("sister said stop", voice, SR, 50, 170)
            self.assertTrue(0.4 * SR < len(x) < 3 * SR, voice)
            frames = x[: len(x) // 256 * 256].reshape(-1, 256)
            high = np.array([band_share(f, 4000, 11025) for f in frames if np.std(f) > 0.02])
            self.assertGreater(high.max(), 0.4, voice)  # its s: mostly above 4 kHz
        slow = say_espeak("sister said stop", ESPEAK_VOICES[0], SR, 50, 100)
        self.assertGreater(len(slow), 1.3 * len(say_espeak("sister said stop", ESPEAK_VOICES[0], SR, 50, 200)))

    def test_a_mixed_split_draws_both_voices(self):
        perf = generate(np.random.default_rng(5), 8.0)
        band = np.random.default_rng(4).standard_normal(8 * SR) * 0.1
        kinds = [int(np.random.default_rng([1, i, 7]).integers(2)) for i in range(20)]
        self.assertTrue(0 < sum(kinds) < 20)  # the first draw picks the voice: both come up
        for i in (kinds.index(0), kinds.index(1)):  # one track of each voice
            out = _with_voice(band, perf, 0, np.random.default_rng([1, i, 7]), "sing|espeak")
            self.assertEqual(len(out), len(band))
            self.assertTrue(np.isfinite(out).all())

    def test_lines_start_on_bar_lines(self):
        perf = generate(np.random.default_rng(5), 24.0)
        bank = [np.hanning(int(0.8 * SR)) for _ in range(2 * 24)]  # each line a 0.8 s swell
        y = speak(perf, 24 * SR, SR, np.random.default_rng(1), bank)
        starts = np.flatnonzero((np.abs(y[1:]) > 1e-9) & (np.abs(y[:-1]) <= 1e-9)) / SR
        self.assertGreater(len(starts), 3)
        for t in starts:
            self.assertLess(min(abs(t - d) for d in perf.downbeats), 2 / SR)


if __name__ == "__main__":
    unittest.main()

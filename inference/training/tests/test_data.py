"""Data generator behaviour. Run from inference/training: /usr/bin/python3 -m unittest tests.test_data"""
from __future__ import annotations

import os
from dataclasses import replace
import json
import tempfile
import unittest
import unittest.mock

import numpy as np

from data.augment import snare_boom
from data.accompaniment import BOOMING_BASS, GROOVE_BASS, KICK_KEYS, PROGRAMS, _bass_times, accompaniment
from data.gm import NOTE_TO_LANE
from data.gm import LANES
from data.make_dataset import KIT_GROUPS, _adapt, _labels, _plan, _render_drums, build, source_name
from data.oneshot import OneShotKit, key_for_file, pool, trim_lead
from data.performance import generate
from data.sampler import HydrogenKit
from data.sources import HYDROGEN, drum_sources, gm_key_for_instrument, parse_hydrogen_kit
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

    def test_tom_rich_performances_play_toms_inside_grooves(self) -> None:
        lanes_of = lambda p, lane: [t for t, k, _ in p.hits if NOTE_TO_LANE[k] == lane]
        tom_share = lambda ps: np.mean([NOTE_TO_LANE[k].startswith("tom") for p in ps for _, k, _ in p.hits])
        plain = [generate(np.random.default_rng(i), 24.0) for i in range(60)]
        rich = [generate(np.random.default_rng(i), 24.0, toms=True) for i in range(60)]
        self.assertLess(tom_share(plain), 0.08)
        self.assertGreater(tom_share(rich), 3 * tom_share(plain))
        # in most tom-rich songs a floor tom sounds close to a kick (not with it), as in a real groove
        near = [any(0.03 < abs(f - k) < 0.5 for f in lanes_of(p, "tom_floor") for k in lanes_of(p, "kick"))
                for p in rich]
        self.assertGreater(sum(near), 30)
        self.assertTrue(all(0 <= t < p.duration and 1 <= v <= 127 for p in rich for t, _, v in p.hits))


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
                 "d#3 - clap": None, "Cowbell": None, "Sabian Hat Closed": 42, "Zildjian Splash": 55,
                 "Rim Click (Pearl Free Floating Maple 14x3.5)": 37, "Click": None, "Pearl Side Stick": 37}
        for name, key in cases.items():
            self.assertEqual(gm_key_for_instrument(name), key, name)

    @unittest.skipUnless(os.path.isdir(f"{HYDROGEN}/ForzeeStereo"), "hydrogen-drumkits not installed")
    def test_a_kit_plays_its_side_stick_not_a_stick_click(self) -> None:
        side = [i.name for i in parse_hydrogen_kit(f"{HYDROGEN}/ForzeeStereo") if i.key == 37]
        self.assertEqual(side, ["Rim Click (Pearl Free Floating Maple 14x3.5)"])

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


class KitMix(unittest.TestCase):
    def test_each_lane_group_draws_a_training_source(self) -> None:
        self.assertEqual(sorted(l for g in KIT_GROUPS for l in g), sorted(LANES))
        plan = _plan("kitmix", 40, 5, 8.0, 0.3)
        names = set()
        for _, _, parts, _ in plan:
            self.assertEqual([lanes for _, lanes in parts], [set(g) for g in KIT_GROUPS])
            self.assertTrue(all(src.split in ("train", "synth") for src, _ in parts))
            names.add(source_name(parts))
        self.assertGreater(len({s.name for _, _, parts, _ in plan for s, _ in parts}), 8)
        self.assertEqual(len(names), 40)
        self.assertTrue(all(n.startswith("mix:") for n in names))

    def test_a_mixed_track_plays_every_group_of_its_performance(self) -> None:
        synth = next(s for s in drum_sources() if s.kind == "synth")  # procedural parts: no packages needed
        plan = [(rng, perf, [(synth, lanes) for _, lanes in parts], acc)
                for rng, perf, parts, acc in _plan("kitmix", 3, 6, 6.0, 1.0)]
        for (_, perf, parts, _), (audio, hits) in zip(plan, _render_drums(plan, vary=True)):
            self.assertEqual(hits, sorted(perf.hits))
            # every part peaks at 0.5 (-6..+3 dB) before the sum
            self.assertLessEqual(float(np.abs(audio).max()), 0.5 * 10 ** (3 / 20) * len(parts) + 1e-6)
            self.assertGreater(float(np.abs(audio).max()), 0.5 * 10 ** (-6 / 20) - 1e-6)


    def test_kitfx_tracks_put_each_group_through_its_own_effects(self) -> None:
        synth = next(s for s in drum_sources() if s.kind == "synth")
        plans = [[(rng, perf, [(synth, lanes) for _, lanes in parts], acc)
                  for rng, perf, parts, acc in _plan("kitfx", 3, 7, 6.0, 1.0)] for _ in range(2)]
        self.assertEqual([[lanes for _, lanes in p[2]] for p in plans[0]], [[set(g) for g in KIT_GROUPS]] * 3)
        plain = _render_drums(plans[0], vary=True)
        fx = _render_drums(plans[1], vary=True, part_fx=True)
        for (a, hits), (b, fx_hits) in zip(plain, fx):
            self.assertEqual(hits, fx_hits)
            self.assertFalse(np.allclose(a[:len(b)], b[:len(a)], atol=1e-3))
            self.assertLessEqual(float(np.abs(b).max()), 0.5 * 10 ** (3 / 20) * len(KIT_GROUPS) + 1e-6)


class OneShotKits(unittest.TestCase):
    SR = 22050

    def setUp(self) -> None:
        """A small pool of generated one-shots (a sweep kick, two noise snares, a hat), no packages needed."""
        from scipy.io import wavfile
        self.dir = tempfile.TemporaryDirectory()
        t = np.arange(int(0.3 * self.SR)) / self.SR
        env = np.exp(-t / 0.05)
        lead = np.zeros(int(0.02 * self.SR))  # 20 ms of pre-delay the kit must trim
        noise = np.random.default_rng(0).standard_normal(len(t))
        waves = {"kick01.ogg": np.sin(2 * np.pi * 60 * t) * env, "snare01.ogg": noise * env,
                 "sn_dub.flac": noise * env * 0.5, "hihat_closed01.ogg": np.diff(noise, prepend=0) * env ** 4}
        for name, w in waves.items():
            wavfile.write(f"{self.dir.name}/{name}.wav", self.SR, np.concatenate([lead, w]).astype(np.float32))
        self.files = pool([self.dir.name])

    def tearDown(self) -> None:
        self.dir.cleanup()

    def rms(self, audio: np.ndarray, a: float, b: float) -> float:
        return float(np.sqrt(np.mean(audio[int(a * self.SR): int(b * self.SR)] ** 2)))

    def test_file_names_map_to_keys(self) -> None:
        cases = {"bd_808.flac": 36, "bassdrum_acoustic01.ogg": 36, "elec_hollow_kick.flac": 36, "sn_dolf.flac": 38,
                 "elec_mid_snare.flac": 38, "snare_rim01.ogg": 37, "sidestick01.ogg": 37, "hihat_opened02.ogg": 46,
                 "drum_cymbal_pedal.flac": 44, "drum_tom_lo_hard.flac": 47, "drum_splash_soft.flac": 49,
                 "ride02.ogg": 51, "clap01.ogg": None, "elec_blip.flac": None, "loop_amen.flac": None}
        for name, key in cases.items():
            self.assertEqual(key_for_file(name), key, name)
        self.assertEqual({k: len(v) for k, v in self.files.items()}, {36: 1, 38: 2, 42: 1})

    def test_lead_silence_is_trimmed_to_a_millisecond(self) -> None:
        w = np.concatenate([np.zeros(441), np.ones(100)]).astype(np.float32)
        self.assertEqual(len(trim_lead(w, self.SR)), 100 + int(0.001 * self.SR))
        self.assertEqual(len(trim_lead(np.zeros(10, np.float32), self.SR)), 10)

    def test_hits_sound_on_time_and_soft_hits_are_quieter(self) -> None:
        kit = OneShotKit(self.SR, np.random.default_rng(1), f"{self.dir.name}/cache", self.files)
        audio, played = kit.render([(0.5, 36, 120), (1.0, 38, 120), (1.5, 38, 30), (2.0, 47, 100)], 2.5,
                                   np.random.default_rng(2))
        self.assertEqual(played, [(0.5, 36, 120), (1.0, 38, 120), (1.5, 38, 30)])  # no tom in this pool
        self.assertEqual(self.rms(audio, 0.0, 0.499), 0.0)
        self.assertGreater(self.rms(audio, 0.5, 0.51), 1e-3)  # on time despite the sample's pre-delay
        self.assertGreater(self.rms(audio, 1.0, 1.1), 4 * self.rms(audio, 1.5, 1.6))
        self.assertGreater(self.rms(audio, 1.5, 1.6), 1e-4)

    def test_kits_differ_by_seed_and_repeat_with_it(self) -> None:
        make = lambda seed: OneShotKit(self.SR, np.random.default_rng(seed), f"{self.dir.name}/cache", self.files)
        render = lambda kit: kit.render([(0.1, 38, 110)], 0.5, np.random.default_rng(0))[0]
        names = {make(seed).instruments[38][0][0].name for seed in range(8)}
        self.assertEqual(names, {"snare01.ogg.wav", "sn_dub.flac.wav"})
        np.testing.assert_array_equal(render(make(3)), render(make(3)))

    def test_pool_split_draws_training_and_pool_sources_only(self) -> None:
        plan = _plan("pool", 30, 8, 6.0, 0.3)
        for _, _, parts, _ in plan:
            self.assertEqual([lanes for _, lanes in parts], [set(g) for g in KIT_GROUPS])
            self.assertTrue(all(src.split in ("train", "synth", "pool") for src, _ in parts))
        kitmix = {s.name for _, _, parts, _ in _plan("kitmix", 30, 8, 6.0, 0.3) for s, _ in parts}
        self.assertFalse(any(s.split == "pool" for s in drum_sources() if s.name in kitmix))


class GrooveBass(unittest.TestCase):
    def _perf(self, seed: int):
        return generate(np.random.default_rng(seed), 10.0)

    def test_bass_patterns_lock_to_or_avoid_the_kick(self) -> None:
        for seed in range(6):
            perf = self._perf(seed)
            beats = perf.beats + [perf.beats[-1] + perf.beats[-1] - perf.beats[-2]]
            kicks = sorted({round(t, 3) for t, k, _ in perf.hits if k in KICK_KEYS})
            rng = np.random.default_rng(seed)
            self.assertEqual(_bass_times(perf, beats, "kick", rng), kicks)
            between = _bass_times(perf, beats, "between", rng)
            self.assertTrue(all(min(abs(t - k) for k in kicks) >= 0.06 for t in between))
            eighths = _bass_times(perf, beats, "eighths", rng)
            self.assertEqual(len(eighths), 2 * len(perf.beats))
            self.assertGreater(len(eighths), len(between))

    def test_groove_always_has_a_bass_on_any_gm_bass_and_plain_keeps_its_programs(self) -> None:
        for seed in range(20):
            job = accompaniment(self._perf(seed), np.random.default_rng(seed), groove=True)
            bass = [ch for ch, (_, prog) in job.programs.items() if prog in GROOVE_BASS]
            self.assertEqual(len(bass), 1)
            self.assertTrue(any(ch == bass[0] and 28 <= n < 28 + 24 for _, ch, n, _, _ in job.notes))
            plain = accompaniment(self._perf(seed), np.random.default_rng(seed))
            allowed = {p for progs in PROGRAMS.values() for p in progs}
            self.assertTrue(all(prog in allowed for _, prog in plain.programs.values()))

    def test_a_booming_bass_plays_only_on_the_kicks(self) -> None:
        booming = plucked_off_kick = 0
        for seed in range(60):
            perf = self._perf(seed)
            job = accompaniment(perf, np.random.default_rng(seed), groove=True)
            ch, prog = next((ch, prog) for ch, (_, prog) in job.programs.items() if prog in GROOVE_BASS)
            kicks = {round(t, 3) for t, k, _ in perf.hits if k in KICK_KEYS}
            on_kicks = all(round(t, 3) in kicks for t, c, _, _, _ in job.notes if c == ch)
            if prog in BOOMING_BASS:
                booming += 1
                self.assertTrue(on_kicks, f"seed {seed}: program {prog} plays off the kick")
            else:
                plucked_off_kick += not on_kicks
        self.assertGreater(booming, 0)
        self.assertGreater(plucked_off_kick, 0)

    def test_groove_split_plays_one_kit_or_mixed_groups_from_training_and_pool_sources(self) -> None:
        plan = _plan("groove", 40, 9, 6.0, 0.3)
        shapes = {len(parts) for _, _, parts, _ in plan}
        self.assertEqual(shapes, {1, len(KIT_GROUPS)})
        self.assertTrue(all(src.split in ("train", "synth", "pool") for _, _, parts, _ in plan for src, _ in parts))

    def test_toms_split_plays_tom_rich_songs_on_one_kit_or_mixed_groups(self) -> None:
        plan = _plan("toms", 40, 14, 6.0, 0.3)
        self.assertEqual({len(parts) for _, _, parts, _ in plan}, {1, len(KIT_GROUPS)})
        self.assertTrue(all(src.split in ("train", "synth", "pool") for _, _, parts, _ in plan for src, _ in parts))
        tom_hits = lambda p: sum(NOTE_TO_LANE[k].startswith("tom") for _, k, _ in p.hits)
        rich = sum(tom_hits(perf) for _, perf, _, _ in plan)
        plain = sum(tom_hits(perf) for _, perf, _, _ in _plan("pool", 40, 14, 6.0, 0.3))
        self.assertGreater(rich, 3 * plain)


class SnareBoom(unittest.TestCase):
    SR = 22050

    def low(self, x: np.ndarray, a: float, b: float) -> float:
        """Energy below 150 Hz between a and b [s]."""
        seg = x[int(a * self.SR): int(b * self.SR)]
        spec = np.abs(np.fft.rfft(seg)) ** 2
        return float(spec[np.fft.rfftfreq(len(seg), 1 / self.SR) < 150].sum())

    def energy(self, x: np.ndarray, a: float, b: float) -> float:
        """Energy at all frequencies between a and b [s]."""
        seg = x[int(a * self.SR): int(b * self.SR)]
        return float((np.abs(np.fft.rfft(seg)) ** 2).sum())

    def test_a_thud_sounds_under_each_snare_hit_louder_when_harder(self) -> None:
        x = np.random.default_rng(0).normal(0, 0.01, 2 * self.SR).astype(np.float32)
        hits = [(0.5, 120), (1.3, 40)]
        y = snare_boom(x, hits, np.random.default_rng(1), self.SR)
        np.testing.assert_array_equal(y[: int(0.5 * self.SR)], x[: int(0.5 * self.SR)])
        hard, soft = self.low(y, 0.5, 0.7) - self.low(x, 0.5, 0.7), self.low(y, 1.3, 1.5) - self.low(x, 1.3, 1.5)
        self.assertGreater(hard, 100 * self.low(x, 0.5, 0.7))
        self.assertGreater(hard, 4 * soft)
        self.assertGreater(soft, 0)
        np.testing.assert_array_equal(snare_boom(x, [], np.random.default_rng(1), self.SR), x)

    def test_a_noise_thud_spreads_over_the_low_band_where_a_sine_thud_is_one_tone(self) -> None:
        def widest_share(tone: str, seed: int) -> float:
            """The share of a thud's energy below 200 Hz that its strongest 20 Hz band holds."""
            x = np.zeros(self.SR, np.float32)
            x[0] = 1.0  # the thud's level follows the track's peak
            y = snare_boom(x, [(0.1, 127)], np.random.default_rng(seed), self.SR, tone)[int(0.1 * self.SR):]
            spec, f = np.abs(np.fft.rfft(y)) ** 2, np.fft.rfftfreq(len(y), 1 / self.SR)
            low = spec[f < 200].sum()
            return max(spec[(f >= a) & (f < a + 20)].sum() for a in range(0, 180, 5)) / low
        for seed in range(4):
            self.assertGreater(widest_share("sine", seed), 0.6)
            self.assertLess(widest_share("noise", seed), 0.45)

    def test_groove_kit_mix_tracks_boom_under_the_snares_and_keep_their_labels(self) -> None:
        synth = next(s for s in drum_sources() if s.kind == "synth")
        # only the snare group plays, so the sum at a stroke is that group's sound, scaled to its random level
        plans = [[(rng, replace(perf, hits=[h for h in perf.hits if NOTE_TO_LANE[h[1]] == "snare"]),
                   [(synth, set(g)) for g in KIT_GROUPS], None)
                  for rng, perf, _, _ in _plan("groove", 3, 9, 6.0, 1.0)] for _ in range(2)]
        # a share that never thuds but draws as one that does, so both renders mix the groups at the same levels
        plain = _render_drums(plans[0], vary=True, boom_p=1e-12)
        boom = _render_drums(plans[1], vary=True, boom_p=1.0)
        boomed = 0
        for (a, hits), (b, boom_hits) in zip(plain, boom):
            self.assertEqual(hits, boom_hits)
            snares = [t for t, k, _ in hits if k in (38, 40)]  # a side stick (37) gets no thud
            if not snares:
                continue
            boomed += 1
            share = lambda x: sum(self.low(x, t, t + 0.1) for t in snares) / sum(self.energy(x, t, t + 0.1) for t in snares)
            self.assertGreater(share(b), 2 * share(a))
        self.assertGreater(boomed, 0)

    def test_boom_split_thuds_under_a_single_kit_too(self) -> None:
        synth = next(s for s in drum_sources() if s.kind == "synth")
        # one kit playing only snares, so the energy at a stroke is the snare's (and its thud's)
        plans = [[(rng, replace(perf, hits=[h for h in perf.hits if NOTE_TO_LANE[h[1]] == "snare"]), [(synth, None)], None)
                  for rng, perf, _, _ in _plan("boom", 3, 11, 6.0, 1.0)] for _ in range(3)]
        plain = _render_drums(plans[0], vary=True, boom_p=1e-12, boom_single=True)
        for plan, tone in zip(plans[1:], ("sine", "noise")):  # splits boom and rumble
            boom = _render_drums(plan, vary=True, boom_p=1.0, boom_single=True, boom_tone=tone)
            boomed = 0
            for (a, hits), (b, boom_hits) in zip(plain, boom):
                self.assertEqual(hits, boom_hits)
                snares = [t for t, k, _ in hits if k in (38, 40)]
                if snares:
                    boomed += 1
                    low = lambda x: sum(self.low(x, t, t + 0.1) for t in snares)
                    self.assertGreater(low(b), 2 * low(a), tone)
            self.assertGreater(boomed, 0)

    def test_boom_split_plays_one_kit_or_mixed_groups(self) -> None:
        plan = _plan("boom", 40, 11, 6.0, 0.3)
        singles = sum(len(parts) == 1 for _, _, parts, _ in plan)
        self.assertTrue(10 <= singles <= 30, singles)  # half, drawn per track
        self.assertTrue(all(len(parts) in (1, len(KIT_GROUPS)) for _, _, parts, _ in plan))

    def test_a_single_kit_keeps_its_own_snare(self) -> None:
        synth = next(s for s in drum_sources() if s.kind == "synth")
        plans = [[(rng, perf, [(synth, None)], None) for rng, perf, _, _ in _plan("groove", 3, 9, 6.0, 1.0)]
                 for _ in range(2)]
        for (a, _), (b, _) in zip(_render_drums(plans[0], vary=True), _render_drums(plans[1], vary=True, boom_p=1.0)):
            np.testing.assert_array_equal(a, b)


class BarsSplit(unittest.TestCase):
    def test_bars_split_plays_training_kits_with_other_performances_than_val(self) -> None:
        bars, val = _plan("bars", 12, 6, 8.0, 0.3), _plan("val", 12, 2, 8.0, 0.3)
        self.assertTrue(all(src.split == "train" for _, _, parts, _ in bars for src, _ in parts))
        self.assertNotEqual([p.hits for _, p, _, _ in bars], [p.hits for _, p, _, _ in val])


class Files(unittest.TestCase):
    def test_a_training_split_writes_the_evaluation_files_only_with_audio_asked_for(self) -> None:
        for with_audio in ("", "1"):
            with self.subTest(with_audio=with_audio), tempfile.TemporaryDirectory() as out, \
                    unittest.mock.patch.dict(os.environ, {"WITH_AUDIO": with_audio, "DATA_JOBS": "1"}):
                build("synth", 1, 5, out, duration=3.0)
                self.assertTrue(os.path.exists(f"{out}/0000.npz"))
                self.assertEqual(os.path.exists(f"{out}/0000.wav"), with_audio == "1")
                if with_audio:
                    with open(f"{out}/0000.json") as f:
                        doc = json.load(f)
                    onsets = np.load(f"{out}/0000.npz")["onset_times"]
                    self.assertEqual(len(doc["notes"]), len(onsets))
                    self.assertGreater(len(onsets), 0)

    def test_a_split_rendered_with_its_audibility_keeps_its_audio_and_measures_each_ghost_note(self) -> None:
        with tempfile.TemporaryDirectory() as plain, tempfile.TemporaryDirectory() as measured, \
                unittest.mock.patch.dict(os.environ, {"DATA_JOBS": "1"}):
            build("synth", 1, 5, plain, duration=6.0)
            with unittest.mock.patch("data.make_dataset.AUDIBILITY_SPLITS", ("test", "synth")):
                build("synth", 1, 5, measured, duration=6.0)
            a, b = np.load(f"{plain}/0000.npz"), np.load(f"{measured}/0000.npz")
            np.testing.assert_array_equal(a["features"], b["features"])
            np.testing.assert_array_equal(a["onset_times"], b["onset_times"])
            ghost = b["onset_vels"] < 50
            self.assertGreater(ghost.sum(), 0)
            self.assertTrue(np.isnan(a["onset_audibility"]).all())  # not measured
            self.assertTrue(np.isnan(b["onset_audibility"][~ghost]).all())  # only ghost notes are measured
            self.assertTrue((b["onset_audibility"][ghost] >= 0).all())


if __name__ == "__main__":
    unittest.main()

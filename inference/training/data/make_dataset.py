"""Generates a split of the data set: performances -> rendered drums (+ accompaniment) -> augmentation ->
front-end features and labels. Usage: python3 -m data.make_dataset SPLIT N_TRACKS SEED OUT_DIR [DURATION_SEC]

Per track it writes OUT_DIR/NNNN.npz (features float16 [frames, bands], onset times/lanes/velocities, beats,
downbeats). For 'val', 'bars' and 'test', and for any split with WITH_AUDIO=1 in the environment, it also writes
NNNN.wav (16-bit, 22050 Hz mono) and NNNN.json (the labels as the TypeScript evaluation reads them; for 'test'
each ghost note also has its audibility, data/audibility.py)."""
from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from collections import defaultdict

import numpy as np
from scipy.io import wavfile

from features import FRONTEND, compute_features
from .accompaniment import accompaniment
from .speech import speak, speech_bank
from .voice import sing
from .audibility import ghost_audibility, with_ghosts_silenced
from .augment import augment, compress, eq, mix, reverb, snare_boom
from .drumsynth import DrumSynthKit, preset_pool
from .fluid import DRUM_CHANNEL, MidiJob, probe_keys, render_batch
from .gm import LANES, NOTE_TO_LANE, playable_key
from .performance import Performance, generate
from .oneshot import OneShotKit, extended_pool
from .oneshot import pool as oneshot_pool
from .sampler import HydrogenKit
from .sources import HATS_SYNTH, WIDE_SYNTH, DrumSource, accompaniment_fonts, drum_sources
from .synth_kit import SynthKit

SR = FRONTEND.sampleRate
CHUNK = 300  # tracks rendered per fluidsynth batch
# Chunks render in parallel processes (fluidsynth and the numpy augmentation are single-threaded). Every track owns
# its random generator, so the output does not depend on JOBS or on the order chunks finish in.
JOBS = int(os.environ.get("DATA_JOBS", str(os.cpu_count() or 1)))
CACHE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".cache")
SAMPLES = os.path.join(CACHE, "samples")  # decoded sample cache (sampler.load_sample)


def _probe(src: DrumSource) -> set[int]:
    """Keys a soundfont kit plays, cached in .cache/probe.json."""
    path = os.path.join(CACHE, "probe.json")
    cache = json.load(open(path)) if os.path.exists(path) else {}
    if src.name not in cache:
        cache[src.name] = sorted(probe_keys(src.path, src.bank, src.program, sorted(NOTE_TO_LANE), SR))
        os.makedirs(CACHE, exist_ok=True)
        json.dump(cache, open(path, "w"))
    return set(cache[src.name])


def _adapt(hits, keys: set[int]):
    """Moves each hit to a key the kit has in the same lane, dropping hits whose lane the kit lacks."""
    out = []
    for t, k, v in hits:
        alt = playable_key(k, keys)
        if alt is not None:
            out.append((t, alt, v))
    return out


def _labels(hits, r: float) -> list[tuple[float, str, int]]:
    """(time [s], lane, velocity) per hit at time factor r; a hit of the same lane within 30 ms after another
    merges into the louder one (a flam is one note on a chart)."""
    out: list[tuple[float, str, int]] = []
    last: dict[str, int] = {}
    for t, k, v in sorted(hits):
        lane, t = NOTE_TO_LANE[k], t / r
        j = last.get(lane)
        if j is not None and t - out[j][0] < 0.03:
            if v > out[j][2]:
                out[j] = (t, lane, v)
            continue
        last[lane] = len(out)
        out.append((t, lane, v))
    return out


# Lane groups of a kit-mix track ("kitmix", "kitfx" and "pool" splits): each group is played by its own training
# source. In "kitfx" and "pool" each group also passes its own EQ, room and compressor before the sum: a held-out
# kit's snare may be boomy and roomy next to a dry kick, which whole-mix augmentation never produces. "pool" also
# draws from the one-shot kits and hydrogen-data's kits (sources of split "pool").
# "groove" is the pool's sources with a bass that locks to the kick or plays between its hits (accompaniment.py
# _groove_bass); half its tracks play one kit, half mix lane groups, nearly all have a band, and in 70 % of the mixed
# ones the snare group has a low thud under its strokes. The kick donor (run.sh stage 4) trains on it.
# "boom" is the pool's sources, half its tracks one kit and half mixed groups (no groove bass), and in 60 % of them
# every snare stroke has a low thud under it, single kits included: a boomy room or mic bleed gives real snares a
# kick's low end, and a model that hears the same thud on every backbeat of a track can learn it is the snare's.
# Tried once with a longer receptive field (EXPERIMENTS.md: drum-machine kicks, also sine booms, were lost); no run.sh
# stage uses it. "rumble" is the same with a broadband thud (low-passed noise) instead of a tone, so a drum machine's
# kick, a tone, is not what the model learns to pass over; the kick donor (run.sh stage 4) trains on it.
# "synthwide": half its tracks play one wide procedural kit (fat snares, broad-band hi-hats: synth_kit.py), half mix
# lane groups where the wide kit plays the snare and the hi-hats and the pool's sources the rest, so its snares sit
# next to sampled kicks too. "synthhats" is the same with the broad-band hi-hats alone: the kit has plain snares and
# plays only the hi-hat group of a mix.
# "poolx" is "pool" (the same plan: performances, kits and lane groups) with the one-shot kits drawing also from
# freepats, exaDrums and STK (oneshot.extended_pool).
EXTRA_POOL_SPLIT = "poolx"
# "toms": the pool's sources, half its tracks one kit and half mixed lane groups, playing tom-rich performances
# (performance.generate(toms=True): tom figures inside grooves, fills far more often). Elsewhere toms sound only in
# fills, so a held-out kit's floor tom, as low as a kick, is often heard as one (EXPERIMENTS.md).
TOM_SPLIT = "toms"
KIT_MIXES = ("kitmix", "kitfx", "pool", EXTRA_POOL_SPLIT, "groove", "boom", "rumble", TOM_SPLIT)
# "dsynth": kits of DrumSynth presets (data/drumsynth.py: drum machines, electronic, brush and jazz snares); half its
# tracks play one such kit, half mix lane groups where each group is a DrumSynth kit's or, as often, the pool's.
# split -> (the wide procedural source, the lane groups (by first lane) it plays in a mixed track)
WIDE_SPLITS = {"synthwide": (WIDE_SYNTH, ("snare", "hihat_closed")), "synthhats": (HATS_SYNTH, ("hihat_closed",))}
DRUMSYNTH_SPLIT = "dsynth"
# "dsynthm": "dsynth"'s plan (the same performances and lane groups), each preset morphed anew per track
# (drumsynth.Morph: pitch, decay and the balance of its components), so no two tracks play the same preset sound
MORPHED_DRUMSYNTH_SPLIT = "dsynthm"
DRUMSYNTH_SPLITS = (DRUMSYNTH_SPLIT, MORPHED_DRUMSYNTH_SPLIT)
PART_FX = ("kitfx", "pool", EXTRA_POOL_SPLIT, "groove", "boom", "rumble", TOM_SPLIT, *DRUMSYNTH_SPLITS, *WIDE_SPLITS)
# vocal splits: split -> (the split whose tracks it plays, the same in every draw; share of its band tracks that
# also get a voice, drawn from a generator of its own so the rest of each track renders as before; the voice:
# voice.py's procedural singer or, in 'poolvs', as often espeak-ng's speakers for training; festival's recorded
# speakers (speech.py) held out for the test set)
VOICE_SPLITS = {"poolv": ("pool", 0.85, "sing"), "poolvs": ("pool", 0.85, "sing|espeak"),
                "testv": ("test", 1.0, "festival")}
SPEECH_ENGINES = ("festival", "espeak")
SPEECH_CACHE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".cache")
DRUM_ONLY_P = {"groove": 0.05}  # share of drum-only tracks where it differs from build()'s default
# split -> (share of tracks whose snare strokes get a kick-like low thud (augment.snare_boom), single kits too or
# kit mixes only, the thud's tone)
SNARE_BOOM = {"groove": (0.7, False, "sine"), "boom": (0.6, True, "sine"), "rumble": (0.6, True, "noise")}
HALF_ONE_KIT = ("groove", "boom", "rumble", TOM_SPLIT)  # kit-mix splits where half the tracks play one kit
# splits whose ghost notes get an audibility (data/audibility.py): the test set's scores the snare without the
# inaudible ones (F-aud); AUDIBILITY_SPLITS=train,... adds training splits, whose inaudible ghosts train.py ignores
AUDIBILITY_SPLITS = ("test", *filter(None, os.environ.get("AUDIBILITY_SPLITS", "").split(",")))
BOOMING_SNARE_KEYS = (38, 40)  # the GM snare keys but the side stick (37)
KIT_GROUPS = [("kick",), ("snare",), ("hihat_closed", "hihat_open", "hihat_pedal"),
              ("tom_high", "tom_mid", "tom_floor"), ("crash", "ride")]


def _plan(split: str, n: int, seed: int, duration: float, drum_only_p: float):
    """Per track: (rng, performance, parts, accompaniment); parts are (drum source, lanes it plays or None for
    all). A track has one part, but for the kit-mix splits, where every lane group draws its own source."""
    every = drum_sources()
    want = split if split in ("test", "synth") else "train"  # validation uses the training kits, other seeds
    sources = [s for s in every if s.split == want]
    # the kit mixes draw from the sampled and soundfont training kits, the procedural kit (and the pool's)
    if split in KIT_MIXES or split in WIDE_SPLITS or split in DRUMSYNTH_SPLITS:
        kit_splits = ("train", "synth") if split in ("kitmix", "kitfx") else ("train", "synth", "pool")
        sources = [s for s in every if s.split in kit_splits]
    by_kind = defaultdict(list)
    for s in sources:
        by_kind[s.kind].append(s)
    kinds = sorted(by_kind)
    fonts = accompaniment_fonts(split)
    pick = lambda rng, kind: by_kind[kind][int(rng.integers(len(by_kind[kind])))]
    any_kit = lambda rng: pick(rng, kinds[int(rng.integers(len(kinds)))])  # a kind, then a kit of it
    wide_name, wide_groups = WIDE_SPLITS.get(split, (None, ()))
    wide = next((s for s in every if s.name == wide_name), None)
    presets = next((s for s in every if s.kind == "drumsynth"), None)
    plan = []
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        perf = generate(rng, duration, toms=split == TOM_SPLIT)
        if split in WIDE_SPLITS:
            if rng.random() < 0.5:
                parts = [(wide, None)]
            else:
                parts = [(wide if g[0] in wide_groups else any_kit(rng), set(g)) for g in KIT_GROUPS]
        elif split in DRUMSYNTH_SPLITS:
            if presets is None:
                raise RuntimeError("the dsynth split needs LMMS's DrumSynth presets (Debian package lmms-common)")
            if rng.random() < 0.5:
                parts = [(presets, None)]
            else:
                parts = [(presets if rng.random() < 0.5 else any_kit(rng), set(g)) for g in KIT_GROUPS]
        elif split in HALF_ONE_KIT and rng.random() < 0.5:
            parts = [(any_kit(rng), None)]
        elif split in KIT_MIXES:
            parts = [(any_kit(rng), set(g)) for g in KIT_GROUPS]
        else:
            parts = [(pick(rng, kinds[i % len(kinds)]), None)]
        acc = None
        if fonts and rng.random() >= DRUM_ONLY_P.get(split, drum_only_p):
            acc = (fonts[int(rng.integers(len(fonts)))], accompaniment(perf, rng, groove=split == "groove"))
        plan.append((rng, perf, parts, acc))
    return plan


def source_name(parts) -> str:
    """The index's `source` of a track: its source's name, or 'mix:' and one source per lane group."""
    if len(parts) == 1:
        return parts[0][0].name
    return "mix:" + ",".join(src.name for src, _ in parts)


def _part_fx(a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One lane group's own processing in a 'kitfx' track: EQ (70 %), a room (40 %), compression (30 %)."""
    if rng.random() < 0.7:
        a = eq(a, rng, SR)
    if rng.random() < 0.4:
        a = reverb(a, rng, SR)
    if rng.random() < 0.3:
        a = compress(a, rng, SR)
    return a


def _render_drums(plan, vary: bool, part_fx: bool = False, boom_p: float = 0.0, boom_single: bool = False,
                  boom_tone: str = "sine", extra_one_shots: bool = False,
                  morph_presets: bool = False) -> list[tuple[np.ndarray, list]]:
    """(audio, hits played) per track: each part rendered by its source (and through its own effects when
    `part_fx`), the parts summed; in a share `boom_p` of the kit-mix tracks the snare group gets a low thud
    (augment.snare_boom, of `boom_tone`) before its own effects. A single kit's snare keeps its own sound unless
    `boom_single`. One-shot kits draw from the extended pool when `extra_one_shots`; DrumSynth kits morph their
    presets when `morph_presets`."""
    rendered: dict[tuple[int, int], tuple[np.ndarray, list]] = {}
    sf_jobs = defaultdict(list)
    kits: dict[str, HydrogenKit] = {}
    one_shots, presets = extended_pool() if extra_one_shots else oneshot_pool(), preset_pool()
    for i, (rng, perf, parts, _) in enumerate(plan):
        for p, (src, lanes) in enumerate(parts):
            hits = [h for h in perf.hits if lanes is None or NOTE_TO_LANE[h[1]] in lanes]
            if src.kind == "sf":
                hits = _adapt(hits, _probe(src))
                ch = DRUM_CHANNEL if src.bank == 128 else 0
                notes = [(t, ch, k, v, 1.5) for t, k, v in hits]
                # training tracks retune the whole kit by up to +-1 semitone (pitch wheel), like a differently tuned kit
                bend = {ch: int(rng.integers(-4096, 4097))} if vary else {}
                sf_jobs[src.path].append(((i, p), hits, MidiJob(perf.duration, notes, {ch: (src.bank, src.program)}, bend)))
            elif src.kind == "synth":
                kit = SynthKit(SR, rng, fat_snares=src.name == WIDE_SYNTH, broad_hats=src.name in (WIDE_SYNTH, HATS_SYNTH))
                rendered[i, p] = kit.render(hits, perf.duration, rng)
            elif src.kind == "drumsynth":
                rendered[i, p] = DrumSynthKit(SR, rng, SAMPLES, presets, morph_presets).render(hits, perf.duration,
                                                                                              rng, vary)
            elif src.kind == "oneshot":
                rendered[i, p] = OneShotKit(SR, rng, SAMPLES, one_shots).render(hits, perf.duration, rng, vary)
            else:
                if src.path not in kits:
                    kits[src.path] = HydrogenKit(src.path, SR, SAMPLES)
                rendered[i, p] = kits[src.path].render(hits, perf.duration, rng, vary)
    for path, jobs in sf_jobs.items():
        audio = render_batch(path, [j for _, _, j in jobs], SR, gain=0.8)
        for (key, hits, _), a in zip(jobs, audio):
            rendered[key] = (a, hits)
    out = []
    for i, (rng, _, parts, _) in enumerate(plan):
        pieces = [rendered[i, p] for p in range(len(parts))]
        # the draw is made for every track, so single-kit tracks keep their random stream
        if boom_p and rng.random() < boom_p and (len(parts) > 1 or boom_single):
            p = next(p for p, (_, lanes) in enumerate(parts) if lanes is None or "snare" in lanes)
            a, hits = pieces[p]
            strokes = [(t, v) for t, k, v in hits if k in BOOMING_SNARE_KEYS]
            pieces[p] = (snare_boom(a, strokes, rng, SR, boom_tone), hits)
        if len(pieces) == 1:
            out.append(pieces[0])
            continue
        # sources differ in level by far more than drums in a mix do: each part peaks at 0.5, -6..+3 dB
        audio = np.zeros(max(len(a) for a, _ in pieces), np.float32)
        for a, _ in pieces:
            if part_fx:
                a = _part_fx(a, rng)
            peak = float(np.abs(a).max())
            if peak > 0:
                audio[:len(a)] += a * (0.5 / peak * 10 ** (rng.uniform(-6, 3) / 20))
        out.append((audio, sorted(h for _, hits in pieces for h in hits)))
    return out


def _render_accomp(plan) -> list[np.ndarray | None]:
    out: list = [None] * len(plan)
    groups = defaultdict(list)
    for i, (_, _, _, acc) in enumerate(plan):
        if acc:
            groups[acc[0]].append((i, acc[1]))
    for font, jobs in groups.items():
        for (i, _), a in zip(jobs, render_batch(font, [j for _, j in jobs], SR, gain=0.5)):
            out[i] = a
    return out


VOICE_STREAM = 7  # the voice's generator: np.random.default_rng([seed, track, VOICE_STREAM])


def _with_voice(band: np.ndarray, perf, key: int, rng: np.random.Generator, kind: str = "sing") -> np.ndarray:
    """The band with a voice on top (`kind`: 'sing', a speech engine ('festival', 'espeak') or 'sing|espeak',
    either at even odds), through its own EQ, room and compressor, at -6..+6 dB against the band."""
    if "|" in kind:
        kind = kind.split("|")[int(rng.integers(2))]
    if kind in SPEECH_ENGINES:
        voice = speak(perf, len(band), SR, rng, speech_bank(SR, SPEECH_CACHE, kind))
    else:
        voice = sing(perf, key, len(band), SR, rng)
    voice = _part_fx(voice, rng)[: len(band)]
    level = np.sqrt(np.mean(band ** 2)) / (np.sqrt(np.mean(voice ** 2)) + 1e-12) * 10 ** (rng.uniform(-6, 6) / 20)
    return band + voice * level


def build(split: str, n: int, seed: int, out_dir: str, duration: float = 24.0, drum_only_p: float = 0.3) -> None:
    """Writes `n` tracks of `split` to `out_dir`, fixed by `seed`. Splits: 'train', 'val', 'test'; 'synth': training
    tracks played by procedural kits; 'kitmix': training tracks whose lane groups are each played by another
    training source; 'kitfx': the same with each lane group through its own effects; 'pool': kitfx drawing also from
    one-shot kits and hydrogen-data's kits; 'poolx': the pool with more one-shots (freepats, exaDrums, STK);
    'groove': the pool's sources, one kit or mixed, under a bass line that plays with or against the kick; 'boom':
    the pool's sources, one kit or mixed, with a low thud under the snare strokes of most tracks; 'rumble': the same
    with a broadband (noise) thud; 'synthwide': the wide procedural kit (fat snares, broad-band hi-hats) alone or
    playing the snare and hi-hats of a kit mix; 'synthhats': the same with its broad-band hi-hats alone; 'dsynth':
    kits of DrumSynth presets, alone or in kit mixes; 'dsynthm': the same plan with every preset morphed anew per
    track; 'toms': the pool's sources, one kit or mixed, playing tom-rich performances; 'poolv' and 'testv': the
    pool's and the test set's tracks with a voice over their band (VOICE_SPLITS); 'bars': training kits like
    'val', the tracks the downbeat stage is fitted on."""
    t0 = time.time()
    os.makedirs(out_dir, exist_ok=True)
    plays, voice_share, voice_kind = VOICE_SPLITS.get(split, (split, 0.0, ""))
    plan = _plan(plays, n, seed, duration, drum_only_p)
    for engine in set(voice_kind.split("|")) & set(SPEECH_ENGINES):
        speech_bank(SR, SPEECH_CACHE, engine)  # rendered once, before the workers read it
    for src in {s.name: s for p in plan for s, _ in p[2] if s.kind == "sf"}.values():
        _probe(src)  # fills the probe cache before the workers read it
    # Rendered audio is held per chunk only, so memory stays flat whatever the number of tracks.
    chunks = [(plays, plan[start:start + CHUNK], start, out_dir, (seed, voice_share, voice_kind))
              for start in range(0, n, CHUNK)]
    meta: list[dict] = []
    with multiprocessing.get_context("fork").Pool(max(1, min(JOBS, len(chunks)))) as pool:
        for done, chunk_meta in enumerate(pool.imap(_write_chunk, chunks)):
            meta += chunk_meta
            print(f"[{split}] {min(n, (done + 1) * CHUNK)}/{n} tracks in {time.time() - t0:.0f}s", file=sys.stderr)
    json.dump({"split": split, "seed": seed, "tracks": meta}, open(f"{out_dir}/index.json", "w"), indent=1)
    print(f"[{split}] {n} tracks done in {time.time() - t0:.0f}s -> {out_dir}", file=sys.stderr)


def _write_chunk(job) -> list[dict]:
    """Renders, augments and writes one chunk of tracks; returns their index entries."""
    split, plan, first, out_dir, (seed, voice_share, voice_kind) = job
    meta: list[dict] = []
    # the evaluation splits play each kit as it is; the others retune and vary it
    boom_p, boom_single, boom_tone = SNARE_BOOM.get(split, (0.0, False, "sine"))
    render = lambda tracks: _render_drums(tracks, vary=split not in ("val", "test"), part_fx=split in PART_FX,
                                          boom_p=boom_p, boom_single=boom_single, boom_tone=boom_tone,
                                          extra_one_shots=split == EXTRA_POOL_SPLIT,
                                          morph_presets=split == MORPHED_DRUMSYNTH_SPLIT)
    silenced = with_ghosts_silenced(plan) if split in AUDIBILITY_SPLITS else None  # before `plan` draws
    drums = render(plan)
    accomp = _render_accomp(plan)
    quiet_drums = render(silenced) if silenced else [None] * len(plan)
    for j, ((rng, perf, parts, acc), (d, hits), a, quiet) in enumerate(zip(plan, drums, accomp, quiet_drums)):
        i = first + j
        voice_rng = np.random.default_rng([seed, i, VOICE_STREAM])
        sung = a is not None and voice_rng.random() < voice_share
        if sung:
            a = _with_voice(a, perf, acc[1].key, voice_rng, voice_kind)
        x, r = augment(mix(d, a, rng), rng, SR)
        labels = _labels(hits, r)
        feats = compute_features(x, FRONTEND)
        audibility = []
        if quiet:
            quiet_rng = silenced[j][0]
            quiet_x, _ = augment(mix(quiet[0], a, quiet_rng), quiet_rng, SR)
            audibility = ghost_audibility(feats, compute_features(quiet_x, FRONTEND), labels, FRONTEND.fps)
        beats = [b / r for b in perf.beats]
        downbeats = [b / r for b in perf.downbeats]
        np.savez_compressed(
            f"{out_dir}/{i:04d}.npz", features=feats.astype(np.float16),
            onset_times=np.array([l[0] for l in labels], np.float32),
            onset_lanes=np.array([LANES.index(l[1]) for l in labels], np.int8),
            onset_vels=np.array([l[2] for l in labels], np.int16),
            onset_audibility=np.array([np.nan if a is None else a for a in audibility] or [np.nan] * len(labels),
                                      np.float32),
            beats=np.array(beats, np.float32), downbeats=np.array(downbeats, np.float32))
        info = {"id": f"{i:04d}", "style": perf.style, "meter": perf.meter, "bpm": perf.bpm / r, "source": source_name(parts),
                "accompaniment": acc[0].split("/")[-1] if acc else None, "durationSec": len(x) / SR}
        if voice_share:
            info["voice"] = sung
        meta.append(info)
        if split in ("val", "bars", "test") or os.environ.get("WITH_AUDIO") == "1":
            wavfile.write(f"{out_dir}/{i:04d}.wav", SR, (np.clip(x, -1, 1) * 32767).astype(np.int16))
            notes = [{"time": t, "lane": l, "velocity": v} for t, l, v in labels]
            for note, audible in zip(notes, audibility):
                if audible is not None:
                    note["audibility"] = audible
            doc = {**info, "notes": notes, "beats": beats, "downbeats": downbeats}
            json.dump(doc, open(f"{out_dir}/{i:04d}.json", "w"))
    return meta


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    build(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5]) if len(sys.argv) > 5 else 24.0)

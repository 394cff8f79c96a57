"""One-shot kits: a new kit per track assembled from single drum samples (LMMS's drum samples, Sonic Pi's samples),
one sample per instrument drawn from a pool of dozens of kicks and snares, electronic and acoustic.

The sampled kits on this machine give the model a few dozen kick and snare timbres; held-out kits still fail on
theirs (a piccolo snare, a jazz snare, a TR-808 kick). Every one-shot kit pairs a kick, a snare, hi-hats, toms and
cymbals that were never recorded together, so timbres are learnt per instrument, not per kit.

A one-shot sample has one velocity layer: soft hits (velocity < 0.5) play a low-passed copy, as real drums get
darker when played softly; the sampler (HydrogenKit.render) scales every hit by velocity ** 1.3.
"""
from __future__ import annotations

import glob
import os
import re

import numpy as np
from scipy import signal

from .sampler import HydrogenKit, load_sample, retune
from .sources import EXTRA_POOL_DIRS, POOL_DIRS, Instrument, Layer

# file name -> GM key (the first rule that matches wins); files matching none are not drums of a drum set
_RULES: list[tuple[str, int]] = [
    (r"^(sidestick|rim|nasty_rim|snare_rim)", 37),
    (r"^(snare|nasty_snare|sn_|drum_snare|elec_.*snare)", 38),
    (r"^(bassdrum|kick|bd_|drum_bass|drum_heavy_kick|elec_.*kick)", 36),
    (r"^(hihat_closed|drum_cymbal_closed)", 42),
    (r"^(hihat_opened|drum_cymbal_open)", 46),
    (r"^(hihat_foot_pedal|drum_cymbal_pedal)", 44),
    (r"^(tom|drum_tom|elec_fuzz_tom)", 47),
    (r"^(crash|drum_cymbal_hard|drum_cymbal_soft|drum_splash|elec_cymbal)", 49),
    (r"^ride", 51),
]
# the extra one-shots (sources.EXTRA_POOL_DIRS) by their own names: freepats "038_Snare_1.pat", exaDrums
# "Snr_Acou_01.wav", STK "snardrum.raw"; toms, bells, claps and hand percussion match none
EXTRA_RULES: list[tuple[str, int]] = [
    (r"^\d{3}_stick_rim", 37),
    (r"^(\d{3}_snare_\d\.|snr_acou|snardrum)", 38),
    (r"^(\d{3}_kick|bd_acou|bassdrum)", 36),
    (r"^(\d{3}_hi-hat_closed|hihat\.wav|hihatcym)", 42),
    (r"^\d{3}_hi-hat_open", 46),
    (r"^\d{3}_hi-hat_pedal", 44),
    (r"^(\d{3}_cymbal_crash|crash_high|crashcym)", 49),
    (r"^(\d{3}_cymbal_ride_\d|rideedge|ridecymb)", 51),
]
# pool files ffmpeg could not decode (a few use codecs it lacks), so a worker tries each only once
_UNDECODABLE: set[str] = set()
# one tom sample plays all three toms, tuned like a kit's sizes (semitones from the sample)
TOM_TUNING = {50: 4.0, 47: 0.0, 43: -5.0}


def key_for_file(name: str, rules: list[tuple[str, int]] = _RULES) -> int | None:
    """The GM key a pool file plays (by its name), or None."""
    base = os.path.basename(name).lower()
    return next((key for pattern, key in rules if re.search(pattern, base)), None)


def pool(dirs: list[str] = POOL_DIRS, rules: list[tuple[str, int]] = _RULES,
         extensions: tuple[str, ...] = ("ogg", "flac", "wav")) -> dict[int, list[str]]:
    """GM key -> the sample files of the pool that play it (folders that are not installed are skipped)."""
    out: dict[int, list[str]] = {}
    for d in dirs:
        for f in sorted(f for ext in extensions for f in glob.glob(f"{d}/*.{ext}")):
            key = key_for_file(f, rules)
            if key is not None:
                out.setdefault(key, []).append(f)
    return out


def extended_pool() -> dict[int, list[str]]:
    """The pool with the extra one-shots (split "poolx"); without any of their packages poolx would be pool."""
    if not any(os.path.isdir(d) for d in EXTRA_POOL_DIRS):
        raise RuntimeError("split poolx needs the extra one-shots: apt-get install freepats stk exadrums")
    out = {key: list(files) for key, files in pool(POOL_DIRS).items()}
    for key, files in pool(EXTRA_POOL_DIRS, EXTRA_RULES, ("wav", "pat", "raw")).items():
        out.setdefault(key, []).extend(files)
    return out


def trim_lead(w: np.ndarray, sr: int, level: float = 0.05) -> np.ndarray:
    """Drops the silence before the attack (up to 1 ms before the first sample above `level` x peak): the label is
    the hit time, so a sample's pre-delay would put its onset late."""
    peak = float(np.abs(w).max()) if len(w) else 0.0
    if peak == 0:
        return w
    first = int(np.argmax(np.abs(w) > level * peak))
    return w[max(0, first - int(0.001 * sr)):]


def _soft(w: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
    """The soft layer: the sample through a low-pass at 1.5-5 kHz."""
    sos = signal.butter(2, rng.uniform(1500, 5000), "lowpass", fs=sr, output="sos")
    return signal.sosfilt(sos, w).astype(np.float32)


class OneShotKit(HydrogenKit):
    """A kit drawn from the one-shot pool for one track; it plays like a hydrogen kit (same render)."""

    def __init__(self, sr: int, rng: np.random.Generator, cache_dir: str, files: dict[int, list[str]] | None = None):
        self.sr = sr
        self.instruments = {}
        files = pool() if files is None else files
        for key, paths in sorted(files.items()):
            picked = self._pick(paths, rng, cache_dir)
            if picked is None:
                continue
            path, w = picked
            tunings = TOM_TUNING if key == 47 else {key: 0.0}
            for k, semitones in tunings.items():
                hard = retune(w, 2 ** (semitones / 12))
                layers = [Layer("soft", 0.0, 0.5, 1.0), Layer("hard", 0.5, 1.0, 1.0)]
                self.instruments[k] = [(Instrument(os.path.basename(path), k, 1.0, layers),
                                        [_soft(hard, sr, rng), hard])]
        self.norm = self._kit_norm()

    def _pick(self, paths: list[str], rng: np.random.Generator, cache_dir: str) -> tuple[str, np.ndarray] | None:
        """A random decodable sample of `paths` and its samples, lead silence trimmed (None when none decodes)."""
        for i in rng.permutation(len(paths)):
            if paths[int(i)] in _UNDECODABLE:
                continue
            try:
                w = trim_lead(load_sample(paths[int(i)], self.sr, cache_dir), self.sr)
            except RuntimeError:
                _UNDECODABLE.add(paths[int(i)])
                continue
            if len(w) > 0.02 * self.sr:  # each sample peaks at 1: the files' own levels are arbitrary
                return paths[int(i)], w / float(np.abs(w).max())
        return None


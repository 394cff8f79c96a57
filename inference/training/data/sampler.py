"""A small drum sampler for hydrogen kits: velocity layers, per-hit round robin of alternatives, hi-hat choke.

Samples are decoded once by ffmpeg to mono float32 at the training rate and cached under .cache/samples/.
"""
from __future__ import annotations

import hashlib
import math
import os
import subprocess
from collections import defaultdict

import numpy as np
from scipy import signal

from .gm import HIHAT_CHOKERS, playable_key
from .patches import read_gus_patch, read_stk_raw
from .sources import Instrument, parse_hydrogen_kit

MAX_SAMPLE_SEC = 4.0  # cymbal tails longer than this are faded out; keeps memory small


def decode_file(path: str, sr: int) -> np.ndarray:
    """Mono float32 samples of any audio file at `sr` [Hz], via ffmpeg (GUS patches and STK rawwaves, which ffmpeg
    does not read, via data/patches.py)."""
    reader = {".pat": read_gus_patch, ".raw": read_stk_raw}.get(os.path.splitext(path)[1].lower())
    if reader:
        x, rate = reader(path)
        g = math.gcd(rate, sr)
        return signal.resample_poly(x, sr // g, rate // g).astype(np.float32)
    cmd = ["ffmpeg", "-v", "error", "-i", path, "-ac", "1", "-ar", str(sr), "-f", "f32le", "-"]
    res = subprocess.run(cmd, capture_output=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"ffmpeg could not decode {path}: {res.stderr.decode(errors='replace')[:300]}")
    return np.frombuffer(res.stdout, dtype=np.float32).copy()


def load_sample(path: str, sr: int, cache_dir: str) -> np.ndarray:
    """A sample file decoded once (mono float32 at `sr`, at most MAX_SAMPLE_SEC, faded out) and cached."""
    key = hashlib.sha1(f"{path}:{sr}".encode()).hexdigest()[:16]
    cached = f"{cache_dir}/{key}.npy"
    if os.path.exists(cached):
        return np.load(cached)
    w = decode_file(path, sr)[: int(MAX_SAMPLE_SEC * sr)]
    fade = min(len(w), int(0.05 * sr))
    if fade:
        w[-fade:] *= np.linspace(1, 0, fade, dtype=np.float32)
    os.makedirs(cache_dir, exist_ok=True)
    tmp = f"{cached}.{os.getpid()}.npy"  # written whole, then renamed: parallel data workers share the cache
    np.save(tmp, w)
    os.replace(tmp, cached)
    return w


class HydrogenKit:
    """A hydrogen kit ready to play: GM key -> list of instruments (alternatives), each with decoded layers."""

    def __init__(self, folder: str, sr: int, cache_dir: str):
        self.folder, self.sr = folder, sr
        self.instruments: dict[int, list[tuple[Instrument, list[np.ndarray]]]] = defaultdict(list)
        for inst in parse_hydrogen_kit(folder):
            waves = [load_sample(f"{folder}/{l.file}", sr, cache_dir) for l in inst.layers]
            self.instruments[inst.key].append((inst, waves))
        self.norm = self._kit_norm()

    def _kit_norm(self) -> float:
        """Scales the kit so its loudest kick/snare layer peaks near 0.5: kits differ wildly in level."""
        peaks = [np.abs(w).max() for k in (36, 38) for _, ws in self.instruments.get(k, []) for w in ws]
        return 0.5 / max(peaks) if peaks else 1.0

    def resolve(self, key: int) -> int | None:
        """The key this kit plays for `key`: itself, else another key of the same lane, else None."""
        return playable_key(key, self.instruments)

    def render(self, hits: list[tuple[float, int, int]], duration: float, rng: np.random.Generator,
               vary: bool = False) -> tuple[np.ndarray, list[tuple[float, int, int]]]:
        """Audio of `hits` (time [s], GM key, velocity) and the hits actually played (keys the kit lacks drop).
        `vary` retunes (+-3 semitones) and rebalances (-6..+4 dB) each drum of the kit for this track, so one
        sampled kit yields many: drums are tuned and mixed differently on every record."""
        out = np.zeros(int(duration * self.sr) + 1, dtype=np.float32)
        tune = {k: (2 ** (rng.uniform(-3, 3) / 12) if vary and rng.random() < 0.7 else 1.0) for k in self.instruments}
        level = {k: (10 ** (rng.uniform(-6, 4) / 20) if vary else 1.0) for k in self.instruments}
        hat = np.zeros_like(out)  # open hi-hats ring in their own buffer so a choke cuts only them
        # one instrument per key for the whole track, like a drummer's kit
        choice = {k: v[int(rng.integers(len(v)))] for k, v in self.instruments.items()}
        played = []
        open_hat_end: list[tuple[int, int]] = []  # (start, end) of ringing open hi-hats, for the choke
        for t, key, vel in hits:
            k = self.resolve(key)
            if k is None:
                continue
            inst, waves = choice[k]
            x = vel / 127.0
            idx = [i for i, l in enumerate(inst.layers) if l.lo <= x <= l.hi] or [len(waves) - 1]
            i = idx[int(rng.integers(len(idx)))]
            w = retune(waves[i], tune[k]) * (inst.gain * inst.layers[i].gain * self.norm * x ** 1.3 * level[k])
            start = int(round(t * self.sr))
            if start >= len(out):
                continue
            if k in HIHAT_CHOKERS:
                for s, e in open_hat_end:
                    if s < start < e:  # closing the hat stops the ringing open sample
                        _choke(hat, start, e, self.sr)
                open_hat_end = [(s, e) for s, e in open_hat_end if e <= start]
            n = min(len(w), len(out) - start)
            (hat if k == 46 else out)[start: start + n] += w[:n]
            if k == 46:
                open_hat_end.append((start, start + n))
            played.append((t, key, vel))
        return out + hat, played


def retune(w: np.ndarray, factor: float) -> np.ndarray:
    """Plays `w` `factor` times faster (pitch up by 12*log2(factor) semitones), by linear interpolation."""
    if factor == 1.0:
        return w
    pos = np.arange(0, len(w) - 1, factor)
    return np.interp(pos, np.arange(len(w)), w).astype(np.float32)


def _choke(out: np.ndarray, start: int, end: int, sr: int) -> None:
    """Fades the open hi-hat buffer to silence over 30 ms from `start`."""
    fade = int(0.03 * sr)
    seg = out[start: min(end, len(out))]
    env = np.zeros(len(seg), dtype=np.float32)
    env[: min(fade, len(seg))] = np.linspace(1, 0, min(fade, len(seg)))
    seg *= env

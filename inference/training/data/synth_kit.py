"""A procedural drum kit: every track draws a new kit (drum tunings, decays, noise colours, click, drive), so the
model hears far more kick, snare and cymbal timbres than the sampled kits on this machine offer. Real kits differ
from each other more than our 26 sampled sources do, and held-out kits are where the model fails.

Kicks include drum-machine booms (long, low, soft attack, little click) and snares include brushes (a noise swish
with a soft attack), the timbres held-out kits trip the model on.

A "wide" kit (split "synthwide") also draws from timbres the plain one never makes, shaped after the held-out
samples the model fails on: fat snares whose low, long body (90-170 Hz) outweighs the wires, as TimGM6mb's standard and room snares
(peak 114-125 Hz, half or more of their energy below 160 Hz, where the plain kit's snares hold -30..-70 dB), and
closed hi-hats with energy down to a few hundred Hz (TimGM6mb's hats: -22 dB per band below 800 Hz; the plain kit's:
-45..-85 dB), whose noise overlaps a snare's wires. A kit may draw the broad hats alone (split "synthhats"), which
tells their part in the synthwide result from the fat snares' (EXPERIMENTS.md). A plain kit draws the same random
numbers as before the wide one existed, so the older splits render unchanged.

Each instrument is synthesised once per track at full velocity ("hard") and through a low-pass ("soft"), in a few
round-robin variations; a hit mixes the two by velocity and scales by velocity ** curve, as acoustic drums get
both quieter and darker when played softly.
"""
from __future__ import annotations

import numpy as np
from scipy import signal

from .gm import HIHAT_CHOKERS, LANE_NOTES, NOTE_TO_LANE, playable_key

ROUND_ROBIN = 3


def _env(n: int, sr: int, decay: float, attack: float = 0.001) -> np.ndarray:
    """Exponential decay with time constant `decay` [s] after a linear attack."""
    t = np.arange(n) / sr
    return (np.minimum(1.0, t / max(attack, 1e-4)) * np.exp(-t / decay)).astype(np.float32)


def _band(x: np.ndarray, sr: int, lo: float | None, hi: float | None, order: int = 2) -> np.ndarray:
    nyq = sr / 2 * 0.98
    if lo and hi:
        sos = signal.butter(order, [lo, min(hi, nyq)], "bandpass", fs=sr, output="sos")
    elif lo:
        sos = signal.butter(order, min(lo, nyq), "highpass", fs=sr, output="sos")
    else:
        sos = signal.butter(order, min(hi, nyq), "lowpass", fs=sr, output="sos")
    return signal.sosfilt(sos, x).astype(np.float32)


def _sweep(n: int, sr: int, f_end: float, ratio: float, sweep: float) -> np.ndarray:
    """A sine gliding from f_end * ratio down to f_end with time constant `sweep` [s]."""
    t = np.arange(n) / sr
    f = f_end * (1 + (ratio - 1) * np.exp(-t / sweep))
    return np.sin(2 * np.pi * np.cumsum(f) / sr).astype(np.float32)


def _metal(n: int, sr: int, rng: np.random.Generator, base: float) -> np.ndarray:
    """Six inharmonic square waves (the classic analogue cymbal) plus noise."""
    t = np.arange(n) / sr
    ratios = np.sort(rng.uniform(1.0, 3.2, 6))
    sq = sum(np.sign(np.sin(2 * np.pi * base * r * t + rng.uniform(0, 6.3))) for r in ratios) / 6
    return (sq * rng.uniform(0.3, 0.8) + rng.normal(0, 1, n) * rng.uniform(0.3, 1.0)).astype(np.float32)


def _kick(sr: int, rng: np.random.Generator) -> np.ndarray:
    boom = rng.random() < 0.25  # drum-machine style: a long low sine with a soft attack and little or no click
    n = int(sr * (rng.uniform(0.6, 1.5) if boom else rng.uniform(0.25, 0.9)))
    f = rng.uniform(38, 75)
    decay = rng.uniform(0.3, 1.0) if boom else rng.uniform(0.06, 0.35)
    attack = rng.uniform(0.002, 0.008) if boom else 0.001
    body = _sweep(n, sr, f, rng.uniform(1.3, 3.0) if boom else rng.uniform(2.0, 7.0), rng.uniform(0.008, 0.05)) * _env(
        n, sr, decay, attack)
    click = _band(rng.normal(0, 1, n).astype(np.float32), sr, rng.uniform(1500, 5000), None) * _env(
        n, sr, rng.uniform(0.002, 0.008))
    x = body + click * (rng.uniform(0.0, 0.15) if boom else rng.uniform(0.05, 0.6))
    if rng.random() < 0.4:
        x = np.tanh(x * rng.uniform(1.5, 5)) / np.tanh(rng.uniform(1.5, 5))
    return x


def _rim_crack(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """A rim shot's bright crack: a 6 ms burst of noise above 3 kHz."""
    return _band(rng.normal(0, 1, n).astype(np.float32), sr, 3000, None) * _env(n, sr, 0.006)


def _fat_snare(sr: int, rng: np.random.Generator, key: int) -> np.ndarray:
    """A loose, low-tuned or room-miked snare: its body (90-170 Hz, sometimes a sub under it) carries more energy
    than the wires and rings 40-150 ms, yet the wires' noise burst still marks it a snare."""
    n = int(sr * rng.uniform(0.3, 0.7))
    f = rng.uniform(90, 170)
    body = sum(_sweep(n, sr, f * r, rng.uniform(1.1, 1.8), rng.uniform(0.005, 0.03)) * w
               for r, w in ((1.0, 1.0), (rng.uniform(1.45, 1.85), rng.uniform(0.2, 0.6))))
    body = body * _env(n, sr, rng.uniform(0.04, 0.15))
    if rng.random() < 0.3:  # a snare layered with a sub: the pop producer's fat backbeat
        body = body + _sweep(n, sr, rng.uniform(55, 90), 1.3, 0.01) * _env(n, sr, rng.uniform(0.05, 0.12)) * rng.uniform(
            0.3, 0.8)
    lo = rng.uniform(600, 2500)
    wires = _band(rng.normal(0, 1, n).astype(np.float32), sr, lo, lo * rng.uniform(2.5, 8)) * _env(
        n, sr, rng.uniform(0.04, 0.2), 0.0015)
    x = body * rng.uniform(1.0, 2.5) + wires * rng.uniform(0.25, 1.0)
    if key == 40 and rng.random() < 0.5:
        x += _rim_crack(n, sr, rng) * 0.5
    return x


def _snare(sr: int, rng: np.random.Generator, key: int, fat: bool = False) -> np.ndarray:
    if fat and key != 37 and rng.random() < 0.5:
        return _fat_snare(sr, rng, key)
    n = int(sr * rng.uniform(0.2, 0.6))
    if key == 37:  # side stick: a short woody click
        tone = _sweep(n, sr, rng.uniform(400, 1400), 1.3, 0.005) * _env(n, sr, rng.uniform(0.01, 0.04))
        return tone + _band(rng.normal(0, 1, n).astype(np.float32), sr, 2000, 8000) * _env(n, sr, 0.008) * 0.5
    if rng.random() < 0.15:  # brushes: a swish of filtered noise with a soft attack, hardly any drum tone
        lo = rng.uniform(500, 2000)
        swish = _band(rng.normal(0, 1, n).astype(np.float32), sr, lo, lo * rng.uniform(3, 10))
        tone = _sweep(n, sr, rng.uniform(150, 280), 1.1, 0.01) * _env(n, sr, 0.03)
        return swish * _env(n, sr, rng.uniform(0.05, 0.2), rng.uniform(0.004, 0.02)) + tone * rng.uniform(0, 0.3)
    f = rng.uniform(150, 280)
    body = sum(_sweep(n, sr, f * r, 1.2, 0.01) * w for r, w in ((1.0, 1.0), (rng.uniform(1.45, 1.85), 0.5)))
    body = body * _env(n, sr, rng.uniform(0.02, 0.09))
    lo = rng.uniform(800, 3000)
    wires = _band(rng.normal(0, 1, n).astype(np.float32), sr, lo, lo * rng.uniform(2.5, 8)) * _env(
        n, sr, rng.uniform(0.06, 0.25), 0.0015)
    x = body * rng.uniform(0.3, 1.0) + wires * rng.uniform(0.5, 1.2)
    if key == 40 and rng.random() < 0.5:
        x += _rim_crack(n, sr, rng) * 0.8
    return x


def _tom(sr: int, rng: np.random.Generator, pitch: float) -> np.ndarray:
    n = int(sr * rng.uniform(0.3, 0.8))
    body = _sweep(n, sr, pitch, rng.uniform(1.1, 1.6), rng.uniform(0.02, 0.08)) * _env(n, sr, rng.uniform(0.1, 0.35))
    stick = _band(rng.normal(0, 1, n).astype(np.float32), sr, 1000, 6000) * _env(n, sr, 0.005)
    return body + stick * rng.uniform(0.05, 0.3)


def _broad_hat(sr: int, rng: np.random.Generator, key: int) -> np.ndarray:
    """A closed or pedal hi-hat reaching down to 300-2500 Hz with a woody stick tone (300-800 Hz): cheap or
    trashy hats, dark cymbals and many drum-machine hats sound so, and their noise overlaps a snare's wires."""
    n = int(sr * 0.25)
    x = _band(_metal(n, sr, rng, rng.uniform(250, 600)), sr, rng.uniform(300, 2500), None)
    x = x * _env(n, sr, rng.uniform(0.015, 0.06), 0.0005 if key == 42 else 0.004)
    stick = _sweep(n, sr, rng.uniform(300, 800), 1.2, 0.003) * _env(n, sr, rng.uniform(0.005, 0.02))
    return (x + stick * rng.uniform(0.1, 0.6)) * (0.5 if key == 44 else 1.0)


def _cymbal(sr: int, rng: np.random.Generator, key: int, broad_hats: bool = False) -> np.ndarray:
    if broad_hats and key in (42, 44) and rng.random() < 0.5:
        return _broad_hat(sr, rng, key)
    if key in (42, 44):
        decay, length = rng.uniform(0.02, 0.07), 0.25
    elif key == 46:
        decay, length = rng.uniform(0.25, 0.7), 1.5
    elif key in (51, 59, 53):
        decay, length = rng.uniform(0.6, 1.6), 2.5
    else:
        decay, length = rng.uniform(0.7, 1.8), 2.5
    n = int(sr * length)
    x = _metal(n, sr, rng, rng.uniform(250, 600))
    x = _band(x, sr, rng.uniform(3000, 8000) if key != 53 else rng.uniform(600, 2000), None)
    env = _env(n, sr, decay, 0.0005 if key != 44 else 0.004)
    if key in (51, 59):  # a ride pings: a short bright stick transient over a quieter wash
        env = env * 0.5 + _env(n, sr, 0.02) * 0.8
    return x * env * (0.5 if key == 44 else 1.0)


class SynthKit:
    """One random kit; `render` plays hits with it as HydrogenKit.render does. `fat_snares` and `broad_hats` let
    half its snares and half its closed and pedal hi-hats take the wide shapes (module docstring)."""

    def __init__(self, sr: int, rng: np.random.Generator, fat_snares: bool = False, broad_hats: bool = False):
        self.sr = sr
        self.curve = rng.uniform(1.0, 1.8)  # velocity -> amplitude exponent
        self.soft_hz = rng.uniform(1500, 5000)
        toms = np.sort(rng.uniform(70, 260, 3))  # floor, mid, high
        self.waves: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        level = {}
        for key in sorted(NOTE_TO_LANE):
            lane = NOTE_TO_LANE[key]
            if key != LANE_NOTES[lane][0] and key not in (37, 40, 46, 44, 53):
                continue  # one sound per lane, plus the variants that sound different
            pitch = {"tom_floor": toms[0], "tom_mid": toms[1], "tom_high": toms[2]}.get(lane, 0.0)
            variations = []
            for _ in range(ROUND_ROBIN):
                if lane == "kick":
                    w = _kick(sr, rng)
                elif lane == "snare":
                    w = _snare(sr, rng, key, fat_snares)
                elif lane.startswith("tom"):
                    w = _tom(sr, rng, pitch * rng.uniform(0.98, 1.02))
                else:
                    w = _cymbal(sr, rng, key, broad_hats)
                w = w / (np.abs(w).max() + 1e-9)
                variations.append((w, _band(w, sr, None, self.soft_hz)))
            self.waves[key] = variations
            level[key] = 10 ** (rng.uniform(-6, 3) / 20)
        self.level = level

    def render(self, hits: list[tuple[float, int, int]], duration: float, rng: np.random.Generator
               ) -> tuple[np.ndarray, list[tuple[float, int, int]]]:
        out = np.zeros(int(duration * self.sr) + 1, dtype=np.float32)
        hat = np.zeros_like(out)  # the open hi-hat rings in its own buffer so closing the hat cuts only it
        open_until = 0
        played = []
        for t, key, vel in hits:
            k = playable_key(key, self.waves)
            if k is None:
                continue
            start = int(round(t * self.sr))
            if start >= len(out):
                continue
            hard, soft = self.waves[k][int(rng.integers(ROUND_ROBIN))]
            x = vel / 127.0
            w = (hard * x + soft * (1 - x)) * (x ** self.curve) * self.level[k] * 0.5
            if k in HIHAT_CHOKERS and start < open_until:
                fade = min(int(0.03 * self.sr), len(hat) - start)
                hat[start:start + fade] *= np.linspace(1, 0, fade, dtype=np.float32)
                hat[start + fade:open_until] = 0
                open_until = 0
            n = min(len(w), len(out) - start)
            (hat if k == 46 else out)[start:start + n] += w[:n]
            if k == 46:
                open_until = start + n
            played.append((t, key, vel))
        return out + hat, played

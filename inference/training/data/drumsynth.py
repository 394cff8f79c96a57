"""DrumSynth presets (LMMS's `samples/drumsynth`, 764 `.ds` files) rendered into one-shot drum samples.

A preset is a small parametric recipe (an INI file): a tone whose pitch falls from F1 to F2, a noise with a
spectral slope, two overtone oscillators (mixed, ring-modulated or FM), two bands of noise, an optional resonant
filter with its own envelope, and distortion (clipping, bit and rate reduction). Envelopes are `time,level` pairs,
times in samples at 44.1 kHz, levels 0-100. The presets imitate drum machines (TR-606/77/808/909, CR-78, Linn)
and acoustic drums (jazz and brush snares), and hundreds of users' kicks, snares and hats: thin, clicky and
electronic timbres the sampled training kits have few of.

This renders each component from what its parameters mean, not as a sample-exact copy of the DrumSynth engine:
the aim is many plausible drum timbres, and each preset is then tuned and layered per track like any one-shot.
"""
from __future__ import annotations

import configparser
import glob
import os
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import signal

from .oneshot import OneShotKit
from .sources import DRUMSYNTH_PRESETS

DS_RATE = 44100  # the unit of a preset's envelope times
MAX_SEC = 3.0

# folders of no drum-set lane (effects, melodic tones, claps, hand percussion)
_SKIP_FOLDERS = {"effects", "instrument", "latin", "magnetboy", "misc_synth", "misc_claps", "misc_fx"}
# file name (lower case, no extension) -> GM key; the first rule that matches wins, None = no lane
_RULES: list[tuple[str, int | None]] = [
    (r"clap|cowbell|conga|cga|bongo|clave|maraca|tamb|shake|cui|cab$|vibra|wood|zurrr|&|snare_layer|stk", None),
    (r"rim", 37),
    (r"snare|snr|^brush|(^|_)sn(_|\d|$)|^s_|simple-s|wack|tchak|_s_b$", 38),
    (r"kick|kik|(^|_)bd(_|$)|bass_drum|^k_|simple-k|^fisa_k_", 36),
    (r"pedal", 44),
    (r"hat.?o|^h_open|_oh$|open.*(hat|hh)|(hat|hh).*open", 46),
    (r"(?<!w)hat|(^|_)hh|^h_closed|simple-h", 42),
    (r"(^|_)(syn)?tom(_|\d|$)|tommy", 47),
    (r"ride|simple-r", 51),
    (r"cym|crash|simple-c", 49),
]


def key_for_preset(path: str) -> int | None:
    """The GM key a preset plays, from its file and folder names, or None when it is no drum of a drum set."""
    folder, stem = os.path.basename(os.path.dirname(path)), os.path.basename(path).lower().removesuffix(".ds")
    if folder in _SKIP_FOLDERS:
        return None
    key = next((key for pattern, key in _RULES if re.search(pattern, stem)), -1)
    if key == -1:  # misc_hats names some of its hats by a mood, not a type
        return (46 if "open" in stem else 42) if folder == "misc_hats" else None
    return key


def preset_pool(root: str = DRUMSYNTH_PRESETS) -> dict[int, list[str]]:
    """GM key -> the presets that play it (empty when lmms-common is not installed)."""
    out: dict[int, list[str]] = {}
    for path in sorted(glob.glob(f"{root}/*/*.ds")):
        key = key_for_preset(path)
        if key is not None:
            out.setdefault(key, []).append(path)
    return out


def _read(path: str) -> configparser.ConfigParser:
    ini = configparser.ConfigParser(strict=False, interpolation=None)
    ini.optionxform = str  # keys are case-sensitive (F1, dF)
    with open(path, encoding="latin-1") as f:
        ini.read_string(f.read())
    return ini


def _num(section: configparser.SectionProxy | None, key: str, default: float) -> float:
    try:
        return float(section.get(key, str(default))) if section is not None else default
    except ValueError:
        return default


def _points(spec: str, stretch: float) -> list[tuple[float, float]]:
    """An envelope's (seconds, level 0..1) points."""
    pts = []
    for pair in spec.split():
        t, _, v = pair.partition(",")
        try:
            pts.append((float(t) / DS_RATE * stretch, float(v) / 100.0))
        except ValueError:
            continue
    return sorted(pts) or [(0.0, 1.0), (0.1, 0.0)]


def _envelope(pts: list[tuple[float, float]], t: np.ndarray) -> np.ndarray:
    times, levels = zip(*pts)
    return np.interp(t, times, levels, right=levels[-1]).astype(np.float32)


def _wave(kind: int, phase: np.ndarray) -> np.ndarray:
    """Oscillator shapes: sine, triangle, sawtooth, square, and a pulse-like sine cubed."""
    cyc = (phase / (2 * np.pi)) % 1.0
    return [np.sin(phase), 4 * np.abs(cyc - 0.5) - 1, 2 * cyc - 1, np.sign(np.sin(phase)),
            np.sin(phase) ** 3][kind % 5]


def _lowpassed_noise(n: int, cutoff: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    sos = signal.butter(2, min(cutoff, 0.45 * sr), "lowpass", fs=sr, output="sos")
    return signal.sosfilt(sos, rng.standard_normal(n))


def _resonant_filter(x: np.ndarray, cutoff: np.ndarray, q: float, high: bool, sr: int) -> np.ndarray:
    """A biquad (the audio-EQ cookbook's low/high-pass) whose cutoff follows `cutoff`, updated every 64 samples."""
    out = np.empty_like(x)
    zi = np.zeros(2)
    for start in range(0, len(x), 64):
        w0 = 2 * np.pi * float(np.clip(cutoff[start], 20.0, 0.45 * sr)) / sr
        alpha, cosw = np.sin(w0) / (2 * q), np.cos(w0)
        b = np.array([(1 + cosw) / 2, -(1 + cosw), (1 + cosw) / 2]) if high else \
            np.array([(1 - cosw) / 2, 1 - cosw, (1 - cosw) / 2])
        a = np.array([1 + alpha, -2 * cosw, 1 - alpha])
        out[start:start + 64], zi = signal.lfilter(b / a[0], a / a[0], x[start:start + 64], zi=zi)
    return out


@dataclass(frozen=True)
class Morph:
    """How far one rendering strays from its preset, so 330 presets become an endless family of drums: a snare's
    body moves against its wires, a kick's boom against its click, a hat rings longer or shorter. The identity
    (the default) renders the preset as written."""
    tone: float = 1.0  # factor on the tone's and overtones' frequencies
    bands: float = 1.0  # factor on the noise bands' centres
    stretch: float = 1.0  # factor on every envelope's times (decay)
    levels: tuple[float, ...] = (1.0,) * 5  # factor on each component's level, in _Preset.COMPONENTS order

    @staticmethod
    def draw(rng: np.random.Generator) -> "Morph":
        """A random morph: pitches +-0.4 octave (tone and bands apart), decays x0.66-1.5, levels +-9 dB each."""
        return Morph(tone=2 ** rng.uniform(-0.4, 0.4), bands=2 ** rng.uniform(-0.4, 0.4),
                     stretch=2 ** rng.uniform(-0.6, 0.6), levels=tuple(10 ** (rng.uniform(-9, 9, 5) / 20)))


class _Preset:
    """A parsed preset and the time axis it renders on; one method per component."""

    COMPONENTS = ("Tone", "Noise", "Overtones", "NoiseBand", "NoiseBand2")

    def __init__(self, path: str, sr: int, morph: Morph = Morph()):
        self.ini, self.sr, self.morph = _read(path), sr, morph
        general = self.section("General")
        tuning = 2 ** (_num(general, "Tuning", 0) / 12)
        self.tune, self.band_tune = tuning * morph.tone, tuning * morph.bands  # tone and overtones; noise bands
        self.stretch = max(_num(general, "Stretch", 100), 1) / 100 * morph.stretch
        ends = [_points(self.section(name).get(key, ""), self.stretch)[-1][0] for name in self.COMPONENTS
                if self.on(name) for key in (("Envelope1", "Envelope2") if name == "Overtones" else ("Envelope",))]
        if not ends:
            raise ValueError(f"{path}: no component is on")
        self.t = np.arange(max(int(min(MAX_SEC, max(ends)) * sr), int(0.02 * sr))) / sr
        tone = self.section("Tone")
        self.f1, f2 = _num(tone, "F1", 200) * self.tune, _num(tone, "F2", 100) * self.tune
        droop = np.clip(_num(tone, "Droop", 50), 0, 100) / 100  # how fast the tone falls from F1 to F2
        self.tone_freq = f2 + (self.f1 - f2) * np.exp(-self.t / (0.1 * (1 - droop) ** 2 + 0.001))

    def section(self, name: str) -> configparser.SectionProxy | None:
        return self.ini[name] if self.ini.has_section(name) else None

    def on(self, name: str) -> bool:
        return _num(self.section(name), "On", 0) > 0

    def level(self, name: str) -> float:
        return _num(self.section(name), "Level", 128) / 128 * self.morph.levels[self.COMPONENTS.index(name)]

    def env(self, name: str, key: str = "Envelope") -> np.ndarray:
        return _envelope(_points(self.section(name).get(key, ""), self.stretch), self.t)

    def tone(self) -> np.ndarray:
        phase = np.cumsum(2 * np.pi * self.tone_freq / self.sr) + np.deg2rad(_num(self.section("Tone"), "Phase", 0))
        return self.level("Tone") * np.sin(phase) * self.env("Tone")

    def noise(self, rng: np.random.Generator) -> np.ndarray:
        slope = np.clip(_num(self.section("Noise"), "Slope", 0), -100, 100) / 100
        noise = rng.standard_normal(len(self.t))
        if slope < 0:  # darker: a one-pole low-pass
            a = -slope * 0.97
            noise = signal.lfilter([1 - a], [1, -a], noise) * 2
        elif slope > 0:  # brighter: a first difference
            noise = signal.lfilter([1, -slope], [1], noise)
        noise /= noise.std()  # the slope colours the noise; its level is the preset's
        return self.level("Noise") * 0.5 * noise * self.env("Noise")

    def overtones(self) -> np.ndarray:
        """Two oscillators (tracking the tone's fall where asked), added, ring-modulated or phase-modulated."""
        ot = self.section("Overtones")
        track = lambda i: self.tone_freq / max(self.f1, 1.0) if _num(ot, f"Track{i}", 0) > 0 else 1.0
        phase = lambda i, default: np.cumsum(2 * np.pi * _num(ot, f"F{i}", default) * self.tune * track(i) / self.sr)
        e1 = self.env("Overtones", "Envelope1")
        wave1 = lambda shift: _wave(int(_num(ot, "Wave1", 0)), phase(1, 200) + shift) * e1
        o2 = _wave(int(_num(ot, "Wave2", 0)), phase(2, 125)) * self.env("Overtones", "Envelope2")
        method = int(_num(ot, "Method", 0))
        if method == 1:  # ring modulation
            mix = wave1(0) * o2
        elif method == 2:  # phase modulation of the first by the second
            mix = wave1(3 * _num(ot, "Param", 50) / 50 * o2)
        else:
            mix = wave1(0) + o2
        return self.level("Overtones") * 0.5 * mix

    def band(self, name: str, rng: np.random.Generator) -> np.ndarray:
        """Noise in a band around F, dF percent of F wide: low-passed noise shifted up by a carrier at F."""
        centre = _num(self.section(name), "F", 1000) * self.band_tune
        width = max(20.0, centre * max(_num(self.section(name), "dF", 50), 1) / 100)
        carrier = np.cos(2 * np.pi * centre * self.t)
        return self.level(name) * 2 * _lowpassed_noise(len(self.t), width / 2, self.sr, rng) * carrier * self.env(name)

    def filtered(self, x: np.ndarray) -> np.ndarray:
        """The general resonant filter, when on: its envelope 0..1 sweeps the cutoff over 20 Hz..20 kHz."""
        general = self.section("General")
        if _num(general, "Filter", 0) <= 0:
            return x
        cutoff = 20 * 1000 ** _envelope(_points(general.get("FilterEnv", "0,100 1000,100"), self.stretch), self.t)
        q = 0.7 + np.clip(_num(general, "Resonance", 0), 0, 100) / 100 * 8
        return _resonant_filter(x, cutoff, q, _num(general, "HighPass", 0) > 0, self.sr)


def render_preset(path: str, sr: int, seed: int = 0, morph: Morph = Morph()) -> np.ndarray:
    """The preset as a mono float32 sample at `sr`, peak 1 (the noise is drawn from `seed`), strayed by `morph`."""
    p, rng = _Preset(path, sr, morph), np.random.default_rng(seed)
    out = np.zeros(len(p.t))
    if p.on("Tone"):
        out += p.tone()
    if p.on("Noise"):
        out += p.noise(rng)
    if p.on("Overtones"):
        out += p.overtones()
    for name in ("NoiseBand", "NoiseBand2"):
        if p.on(name):
            out += p.band(name, rng)
    out = _distort(p.filtered(out), p.section("Distortion"))
    out = signal.sosfilt(signal.butter(1, 20, "highpass", fs=sr, output="sos"), out)  # no DC offset
    peak = float(np.abs(out).max())
    if not np.isfinite(peak) or peak == 0:
        raise ValueError(f"{path}: renders silence")
    fade = np.minimum(1.0, (len(out) - np.arange(len(out))) / (0.005 * sr))
    return (out / peak * fade).astype(np.float32)


def _distort(x: np.ndarray, dist: configparser.SectionProxy | None) -> np.ndarray:
    """Clipping (drive), bit reduction and sample-rate reduction (sample and hold), as the preset asks."""
    if dist is None or _num(dist, "On", 0) <= 0:
        return x
    x = x / (float(np.abs(x).max()) or 1.0)
    clip = _num(dist, "Clipping", 0)
    if clip > 0:
        x = np.tanh(x * (1 + clip / 4))
    bits = int(_num(dist, "Bits", 0))
    if bits > 0:
        steps = 2 ** max(2, 12 - bits)
        x = np.round(x * steps) / steps
    hold = int(_num(dist, "Rate", 0))
    if hold > 0:
        x = np.repeat(x[::hold + 1], hold + 1)[:len(x)]
    return x


@lru_cache(maxsize=None)
def rendered(path: str, sr: int) -> np.ndarray:
    """`render_preset` once per worker and preset (a kit draws the same preset for many tracks)."""
    return render_preset(path, sr, seed=zlib.crc32(os.path.basename(path).encode()))


class DrumSynthKit(OneShotKit):
    """A kit of DrumSynth presets drawn for one track (a kick, a snare, hats, a tom played as three, cymbals); it
    plays like the one-shot kits: a low-passed soft layer, per-track tuning and balance. With `morph` each preset
    is rendered anew for the kit, strayed by a random Morph."""

    def __init__(self, sr: int, rng: np.random.Generator, cache_dir: str, files: dict[int, list[str]] | None = None,
                 morph: bool = False):
        self.morph = morph
        super().__init__(sr, rng, cache_dir, preset_pool() if files is None else files)

    def _pick(self, paths: list[str], rng: np.random.Generator, cache_dir: str) -> tuple[str, np.ndarray] | None:
        path = paths[int(rng.integers(len(paths)))]
        if not self.morph:
            return path, rendered(path, self.sr)
        return path, render_preset(path, self.sr, int(rng.integers(2 ** 31)), Morph.draw(rng))

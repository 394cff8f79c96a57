"""A procedural singer for the vocal splits: a sung line over the song's chords, its vowels a glottal pulse train
through formant resonators, its consonants the hisses and bursts a real singer makes (s, sh, f, t, k, p, ch) and a
breath before each phrase. Nearly every real full mix has a voice on top, and its consonants are the sounds most
like a drum's: an 's' is a hi-hat's noise band, a 't' a snare's crack, a 'p' a soft kick. The GM band of the other
splits has no voice at all, so a model trained on it has never been told that these are not drums."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, lfilter, sosfilt

from .performance import Performance

# Formants F1-F3 (Hz) of an adult male voice (Peterson & Barney's averages); F4 and F5 are near 3300 and 3800 for
# every vowel. A female voice scales them by about 1.15.
VOWELS = {
    "a": (730, 1090, 2440), "e": (530, 1840, 2480), "i": (270, 2290, 3010), "o": (570, 840, 2410),
    "u": (300, 870, 2240), "ae": (660, 1720, 2410), "er": (490, 1350, 1690), "uh": (640, 1190, 2390),
}
# consonant -> (kind, low Hz, high Hz, duration s): 'hiss' is a fricative's steady noise band, 'burst' a plosive's
# release (a few ms of broadband noise, then aspiration), 'murmur' a nasal or liquid (a voiced hum at low formants)
CONSONANTS = {
    "s": ("hiss", 4500, 10000, 0.13), "sh": ("hiss", 2000, 6500, 0.14), "f": ("hiss", 1500, 9500, 0.10),
    "t": ("burst", 2500, 9000, 0.035), "k": ("burst", 1300, 4500, 0.045), "p": ("burst", 150, 2500, 0.03),
    "ch": ("burst", 2000, 7000, 0.09), "m": ("murmur", 250, 1200, 0.07), "n": ("murmur", 250, 1600, 0.06),
    "l": ("murmur", 350, 1300, 0.05),
}
ONSETS = ["", "", "s", "t", "k", "p", "ch", "sh", "f", "m", "n", "l", "st"]
CODAS = ["", "", "", "s", "t", "k", "n", "m", "ts"]
SCALES = {"major": [0, 2, 4, 7, 9], "minor": [0, 3, 5, 7, 10]}  # pentatonic: a tune that fits any chord


@dataclass(frozen=True)
class Note:
    start: float     # the vowel's onset, s (the onset consonant comes before it, as a singer places it)
    end: float
    f0: float        # Hz
    onset: str       # consonants before the vowel
    vowel: str
    coda: str        # consonants after it


def melody(perf: Performance, key: int, rng: np.random.Generator, female: bool) -> list[Note]:
    """Phrases of one or two bars over the performance's beats, a bar's rest (or less) between them; notes on
    eighths or quarters, a phrase's last note held."""
    beats = perf.beats + [perf.beats[-1] + (perf.beats[-1] - perf.beats[-2])]
    bpb = perf.beats_per_bar
    base = (110.0 if not female else 220.0) * 2 ** (((key - 9) % 12) / 12)  # the key's root near A2 / A3
    scale = SCALES["minor" if rng.random() < 0.4 else "major"]
    notes: list[Note] = []
    bar = int(rng.integers(0, 2))
    n_bars = (len(beats) - 1) // bpb
    degree = int(rng.integers(0, len(scale)))
    while bar < n_bars - 1:
        length = int(rng.integers(1, 3))
        grid = []
        for b in range(bar * bpb, min((bar + length) * bpb, len(beats) - 1)):
            sub = 2 if rng.random() < 0.6 else 1
            grid += [beats[b] + (beats[b + 1] - beats[b]) * j / sub for j in range(sub)]
        picks = [t for t in grid if rng.random() < 0.7]
        end_of_phrase = beats[min((bar + length) * bpb, len(beats) - 1)]
        for k, t in enumerate(picks):
            degree = int(np.clip(degree + rng.integers(-2, 3), 0, 2 * len(scale) - 1))
            semis = scale[degree % len(scale)] + 12 * (degree // len(scale))
            end = picks[k + 1] if k + 1 < len(picks) else end_of_phrase
            notes.append(Note(t, end - 0.03, base * 2 ** (semis / 12), str(rng.choice(ONSETS)),
                              str(rng.choice(sorted(VOWELS))), str(rng.choice(CODAS))))
        bar += length + int(rng.integers(0, 2))
    return notes


def _band_noise(n: int, lo: float, hi: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    hi = min(hi, 0.45 * sr)
    return sosfilt(butter(2, [lo, hi], btype="band", fs=sr, output="sos"), rng.standard_normal(n))


def _envelope(n: int, attack: int, release: int) -> np.ndarray:
    env = np.ones(n)
    attack, release = min(attack, n // 2), min(release, n // 2)
    env[:attack] = np.linspace(0, 1, attack)
    if release:
        env[n - release:] = np.linspace(1, 0, release)
    return env


def _formants(x: np.ndarray, f: tuple[float, ...], scale: float, sr: int) -> np.ndarray:
    """Parallel two-pole resonators, each formant's peak 3 dB under the one before (the source's own slope of
    -6 dB per octave comes on top)."""
    out = np.zeros_like(x)
    for i, fc in enumerate([*f, 3300.0, 3800.0]):
        fc = min(fc * scale, 0.45 * sr)
        bw = 60 + 0.06 * fc
        r = np.exp(-np.pi * bw / sr)
        w = 2 * np.pi * fc / sr
        a = [1, -2 * r * np.cos(w), r * r]
        unit = abs(a[0] + a[1] * np.exp(-1j * w) + a[2] * np.exp(-2j * w))  # gain 1 at the formant's centre
        out += 0.7 ** i * lfilter([unit], a, x)
    return out


def _vowel(note: Note, scale: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    """The sung vowel: a pulse train with vibrato and a little breath, through the vowel's formants."""
    n = max(1, int((note.end - note.start) * sr))
    t = np.arange(n) / sr
    vibrato = rng.uniform(0.2, 0.6) * np.sin(2 * np.pi * rng.uniform(4.5, 6.5) * t) * np.clip(t / 0.25, 0, 1)
    scoop = -rng.uniform(0, 1.0) * np.exp(-t / 0.05)  # singers slide into a note from below
    f0 = note.f0 * 2 ** ((vibrato + scoop) / 12)
    phase = np.cumsum(f0) / sr
    pulses = np.diff(np.floor(phase), prepend=0.0) * 2.0 - 1.0 / np.maximum(sr / f0, 1)  # one spike per period
    source = lfilter([1], [1, -0.97], pulses)  # the glottal pulse's falling spectrum
    source += rng.uniform(0.02, 0.15) * rng.standard_normal(n) * np.abs(source).mean()  # breath
    return _formants(source, VOWELS[note.vowel], scale, sr) * _envelope(n, int(0.02 * sr), int(0.04 * sr))


def _consonant(c: str, f0: float, scale: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    """One consonant at a level relative to a vowel of unit RMS: a hiss 16-4 dB under it, a burst peaking 0-10 dB
    over it, a murmur 6 dB under it."""
    kind, lo, hi, dur = CONSONANTS[c]
    n = int(dur * rng.uniform(0.7, 1.4) * sr)
    if kind == "hiss":
        x = _band_noise(n, lo, hi, sr, rng) * _envelope(n, int(0.025 * sr), int(0.03 * sr))
        return x / (np.std(x) + 1e-12) * rng.uniform(0.15, 0.6)
    if kind == "burst":
        x = _band_noise(n, lo, hi, sr, rng) * np.exp(-np.arange(n) / (rng.uniform(0.005, 0.02) * sr))
        return x / (np.abs(x).max() + 1e-12) * rng.uniform(1.0, 3.0)
    hum = sosfilt(butter(2, hi, fs=sr, output="sos"), _vowel(Note(0, n / sr, f0, "", "u", ""), scale, sr, rng))
    return hum / (np.std(hum) + 1e-12) * 0.5


def _cluster(spec: str) -> list[str]:
    """'st' -> ['s', 't'], 'ts' -> ['t', 's']; single names stay whole."""
    return [spec] if spec in CONSONANTS else list(spec)


def sing(perf: Performance, key: int, n_samples: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """One singer's line over the performance, `n_samples` long, peak-normalised."""
    female = rng.random() < 0.5
    scale = (1.15 if female else 1.0) * rng.uniform(0.92, 1.08)
    out = np.zeros(n_samples)

    def add(x: np.ndarray, at: float, gain: float = 1.0):
        i = int(at * sr)
        if i < 0 or i >= n_samples:
            return
        j = min(n_samples, i + len(x))
        out[i:j] += gain * x[: j - i]

    loudness = np.std(_vowel(Note(0, 0.3, 200.0, "", "a", ""), scale, sr, rng)) or 1.0
    previous_end = -1.0
    for note in melody(perf, key, rng, female):
        if note.start - previous_end > 0.4:  # a breath before each phrase
            add(_band_noise(int(0.25 * sr), 600, 5000, sr, rng) * _envelope(int(0.25 * sr), int(0.1 * sr),
                int(0.1 * sr)) * loudness * 0.15, note.start - 0.35)
        previous_end = note.end
        t = note.start
        for c in reversed(_cluster(note.onset) if note.onset else []):
            x = _consonant(c, note.f0, scale, sr, rng)
            t -= len(x) / sr
            add(x, t, loudness)
        add(_vowel(note, scale, sr, rng), note.start, rng.uniform(0.7, 1.0))
        t = note.end
        for c in _cluster(note.coda) if note.coda else []:
            x = _consonant(c, note.f0, scale, sr, rng)
            add(x, t, loudness)
            t += len(x) / sr
    peak = np.abs(out).max()
    return out / peak if peak > 0 else out

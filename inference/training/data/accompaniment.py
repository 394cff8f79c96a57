"""Accompaniment that follows a performance's bars and beats: bass, keys, guitar, strings and pads on GM programs,
playing a chord progression, so the model learns to hear drums inside a band."""
from __future__ import annotations

import numpy as np

from .fluid import MidiJob
from .performance import Performance

PROGRAMS = {
    "bass": [32, 33, 34, 35, 38],
    "keys": [0, 1, 4, 5, 16, 17, 19],
    "guitar": [24, 25, 26, 27, 29, 30],
    "strings": [48, 49, 50],
    "pads": [88, 89, 90, 91, 94],
}
# progressions as (semitones above the key root, minor?) per chord
PROGRESSIONS = [
    [(0, 0), (7, 0), (9, 1), (5, 0)], [(9, 1), (5, 0), (0, 0), (7, 0)], [(0, 1), (8, 0), (3, 0), (10, 0)],
    [(0, 0), (5, 0), (7, 0), (5, 0)], [(2, 1), (7, 0), (0, 0), (0, 0)],
    [(0, 0)] * 4 + [(5, 0)] * 2 + [(0, 0)] * 2 + [(7, 0), (5, 0), (0, 0), (7, 0)],  # 12-bar blues
]


def _chord(root: int, minor: int, low: int) -> list[int]:
    """A triad (plus 7th sometimes left out) voiced from the first root at or above `low`."""
    r = low + (root - low) % 12
    return [r, r + (3 if minor else 4), r + 7]


def accompaniment(perf: Performance, rng: np.random.Generator) -> MidiJob:
    """Notes for 1-4 instruments following `perf`'s bars, with one GM program per channel."""
    key = int(rng.integers(0, 12))
    prog = PROGRESSIONS[int(rng.integers(len(PROGRESSIONS)))]
    parts = list(rng.choice(sorted(PROGRAMS), size=int(rng.integers(1, 5)), replace=False))
    if "bass" not in parts and rng.random() < 0.7:
        parts.append("bass")
    notes: list[tuple[float, int, int, int, float]] = []
    programs = {}
    beats = perf.beats + [perf.beats[-1] + (perf.beats[-1] - perf.beats[-2])]
    bpb = perf.beats_per_bar
    for ch, part in enumerate(parts):
        programs[ch] = (0, int(rng.choice(PROGRAMS[part])))
        rhythm = int(rng.choice([1, 2, 4]))  # notes per beat for the rhythmic parts
        vel = int(rng.integers(60, 110))
        for i in range(len(perf.beats)):
            bar, beat = divmod(i, bpb)
            root, minor = prog[bar % len(prog)]
            t0, t1 = beats[i], beats[i + 1]
            if part in ("strings", "pads"):
                if beat == 0:
                    end = beats[min(len(beats) - 1, i + bpb)]
                    for n in _chord(key + root, minor, 55):
                        notes.append((t0, ch, n, vel - 20, end - t0))
            elif part == "bass":
                if beat == 0 or rng.random() < 0.6:
                    n = 28 + (key + root) % 12 + (7 if rng.random() < 0.2 else 0)
                    notes.append((t0, ch, n, vel, (t1 - t0) * 0.9))
            else:
                low = 52 if part == "guitar" else 60
                step = (t1 - t0) / rhythm
                for j in range(rhythm):
                    if rng.random() < 0.25:
                        continue
                    for m, n in enumerate(_chord(key + root, minor, low)):
                        strum = m * 0.008 if part == "guitar" else 0.0  # a strum spreads the strings
                        notes.append((t0 + j * step + strum, ch, n, vel, step * 0.85))
    return MidiJob(perf.duration, notes, programs)

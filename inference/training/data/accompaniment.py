"""Accompaniment that follows a performance's bars and beats: bass, keys, guitar, strings and pads on GM programs,
playing a chord progression, so the model learns to hear drums inside a band."""
from __future__ import annotations

import numpy as np

from .fluid import MidiJob
from .gm import LANE_NOTES
from .performance import Performance

PROGRAMS = {
    "bass": [32, 33, 34, 35, 38],
    "keys": [0, 1, 4, 5, 16, 17, 19],
    "guitar": [24, 25, 26, 27, 29, 30],
    "strings": [48, 49, 50],
    "pads": [88, 89, 90, 91, 94],
}
# The 'groove' split's bass, for the electronic kick missed under a synth bass: every GM bass (slap and synth basses
# boom and click like a kick), in a pattern that locks to the kick, starts on beats, plays between the kicks or keeps
# eighths. The first version let every bass play every pattern, and a stage 4 on it lost the TR-808 kick (training
# README): a sine bass between the kicks is an 808's boom without a kick label. So the booming basses (fretless,
# synth, bass & lead) play only on the kicks, and the other patterns take a plucked or slapped bass, whose attack
# is a pick or a thumb and whose body has overtones.
BOOMING_BASS = [35, 38, 39, 87]
PLUCKED_BASS = [32, 33, 34, 36, 37]
GROOVE_BASS = BOOMING_BASS + PLUCKED_BASS
BASS_PATTERNS = {"kick": 0.5, "beats": 0.2, "between": 0.15, "eighths": 0.15}  # pattern: share of groove tracks
KICK_KEYS = tuple(LANE_NOTES["kick"])
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


def _bass_times(perf: Performance, beats: list[float], pattern: str, rng: np.random.Generator) -> list[float]:
    """Onset times of a 'groove' bass line: on the kicks, between them (eighth offbeats without a kick), or eighths."""
    kicks = sorted({round(t, 3) for t, k, _ in perf.hits if k in KICK_KEYS})
    if pattern == "kick":
        return kicks
    if pattern == "beats":
        return [t for i, t in enumerate(beats[:-1]) if i % perf.beats_per_bar == 0 or rng.random() < 0.6]
    eighths = [t + f * (beats[i + 1] - t) for i, t in enumerate(beats[:-1]) for f in (0.0, 0.5)]
    if pattern == "between":
        eighths = [t for t in eighths if not any(abs(t - k) < 0.06 for k in kicks)]
    return eighths


def _groove_bass(perf, beats, key, prog, vel, ch, rng) -> tuple[int, list[tuple[float, int, int, int, float]]]:
    """A 'groove' bass line, (GM program, notes): a pattern from BASS_PATTERNS on the chord roots, an octave or a
    fifth up sometimes; a booming bass only on the kicks."""
    pattern = str(rng.choice(list(BASS_PATTERNS), p=list(BASS_PATTERNS.values())))
    program = int(rng.choice(GROOVE_BASS if pattern == "kick" else PLUCKED_BASS))
    times = [t for t in _bass_times(perf, beats, pattern, rng) if t < perf.duration]
    notes = []
    for j, t in enumerate(times):
        i = max(0, int(np.searchsorted(beats, t, side="right")) - 1)
        root, _ = prog[(i // perf.beats_per_bar) % len(prog)]
        n = 28 + (key + root) % 12 + int(rng.choice([0, 0, 0, 7, 12]))
        nxt = times[j + 1] if j + 1 < len(times) else t + 0.5
        notes.append((t, ch, n, int(np.clip(vel + rng.integers(-15, 16), 30, 127)), max(0.05, (nxt - t) * 0.9)))
    return program, notes


def accompaniment(perf: Performance, rng: np.random.Generator, groove: bool = False) -> MidiJob:
    """Notes for 1-4 instruments following `perf`'s bars, with one GM program per channel. With `groove` a bass
    always plays, on any GM bass program, in a pattern against or with the kick (_groove_bass)."""
    key = int(rng.integers(0, 12))
    prog = PROGRESSIONS[int(rng.integers(len(PROGRESSIONS)))]
    parts = list(rng.choice(sorted(PROGRAMS), size=int(rng.integers(1, 5)), replace=False))
    if "bass" not in parts and (groove or rng.random() < 0.7):
        parts.append("bass")
    notes: list[tuple[float, int, int, int, float]] = []
    programs = {}
    beats = perf.beats + [perf.beats[-1] + (perf.beats[-1] - perf.beats[-2])]
    bpb = perf.beats_per_bar
    for ch, part in enumerate(parts):
        if groove and part == "bass":
            program, bass = _groove_bass(perf, beats, key, prog, int(rng.integers(60, 110)), ch, rng)
            programs[ch] = (0, program)
            notes += bass
            continue
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
    return MidiJob(perf.duration, notes, programs, key=key)

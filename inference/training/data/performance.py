"""Procedural drum performances: style -> meter, tempo map, grooves, fills, humanized hits with exact labels.

A performance is a list of hits (time [s], GM key, velocity 1..127) plus the beat and downbeat times and the bar
grid the accompaniment follows. Everything is drawn from one numpy Generator, so a seed fixes the performance.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .styles import STYLES, Style, METERS, Meter


@dataclass
class Performance:
    style: str
    meter: str
    bpm: float
    hits: list[tuple[float, int, int]]
    beats: list[float]
    downbeats: list[float]
    beats_per_bar: int
    steps_per_beat: int
    duration: float
    # bar index -> start time, used by the accompaniment to place chords
    bar_starts: list[float] = field(default_factory=list)


def _beat_times(rng: np.random.Generator, bpm: float, n_beats: int, beats_per_bar: int, lead_in: float) -> np.ndarray:
    """Beat times with slow drift (random walk, within +-4 %) and, in some tracks, one tempo change at a bar line."""
    drift = np.clip(np.cumsum(rng.normal(0, 0.004, n_beats)), -0.04, 0.04) * (rng.random() < 0.7)
    factor = np.ones(n_beats)
    if rng.random() < 0.3:
        bar = int(rng.integers(2, max(3, n_beats // beats_per_bar - 1)))
        factor[bar * beats_per_bar:] = rng.uniform(0.8, 1.25)
    tempo = np.clip(bpm * factor * (1 + drift), 45, 260)
    return lead_in + np.concatenate([[0.0], np.cumsum(60.0 / tempo)[:-1]])


class _Bar:
    """Collects the hits of one bar on its step grid (fractional steps allowed for flams and humanizing)."""

    def __init__(self, n_steps: int):
        self.n_steps = n_steps
        self.notes: list[tuple[float, int, float]] = []  # (step, key, velocity 0..1)

    def add(self, step: float, key: int, vel: float) -> None:
        if 0 <= step < self.n_steps:
            self.notes.append((step, key, float(np.clip(vel, 0.05, 1.0))))

    def has(self, step: int, keys: set[int]) -> bool:
        return any(abs(s - step) < 1e-6 and k in keys for s, k, _ in self.notes)


@dataclass
class _Groove:
    """The choices that stay fixed for a section, so bars repeat like a real groove."""
    timekeeper: str
    density: int
    kick_steps: list[int]
    snare_steps: list[int]
    ghost_steps: list[int]
    open_steps: list[int]
    pedal_steps: list[int]
    cross_stick: bool
    double_kick: bool


def _pick_groove(rng: np.random.Generator, st: Style, mt: Meter, spb: int) -> _Groove:
    n = mt.beats * spb
    tk = rng.choice(st.timekeepers, p=st.timekeeper_p)
    dens = int(rng.choice(st.densities))
    kick = [b * spb for b in (range(mt.beats) if rng.random() < st.four_floor else mt.kick_beats)]
    sync = [s for s in range(n) if s % spb and rng.random() < st.kick_sync]
    snare = [b * spb for b in (mt.half_time if rng.random() < st.half_time else mt.backbeats)]
    ghosts = [s for s in range(n) if s % spb and s not in snare and rng.random() < st.ghost]
    opens = []
    if rng.random() < st.open_hat:
        opens = [b * spb + spb // 2 for b in range(mt.beats)] if rng.random() < 0.5 else [n - max(1, spb // 2)]
    pedal = []
    if tk in ("ride", "swing_ride", "crash") and rng.random() < st.pedal:
        pedal = [b * spb for b in (mt.backbeats if rng.random() < 0.6 else range(mt.beats))]
    return _Groove(str(tk), dens, sorted(set(kick + sync)), snare, ghosts, opens, pedal,
                   bool(rng.random() < st.cross_stick), bool(st.double_kick and rng.random() < 0.6))


def _grid(n: int, spb: int, density: int) -> list[int]:
    """Steps of a bar played `density` times per beat; on a triplet grid 2 per beat is the shuffle (1st and 3rd)."""
    if density <= 1:
        offsets = [0]
    elif spb == 3 and density == 2:
        offsets = [0, 2]
    elif spb % density == 0:
        offsets = list(range(0, spb, spb // density))
    else:
        offsets = list(range(spb))
    return [b + o for b in range(0, n, spb) for o in offsets]


def _play_groove(rng: np.random.Generator, g: _Groove, mt: Meter, spb: int, bar: _Bar) -> None:
    n = mt.beats * spb
    if g.timekeeper == "swing_ride":
        for b in range(mt.beats):
            bar.add(b * spb, 51, 0.7 + 0.15 * (b in mt.backbeats))
            if b in mt.backbeats and spb == 3:
                bar.add(b * spb - 1, 51, 0.5)
    else:
        key = {"hh": 42, "ride": 51, "crash": 49, "floor_tom": 43, "hh_open": 46}[g.timekeeper]
        for s in _grid(n, spb, g.density):
            accent = 0.85 if s % spb == 0 else 0.6
            k = 46 if (key == 42 and s in g.open_steps) else key
            if key == 51 and s % spb == 0 and rng.random() < 0.05:
                k = 53
            bar.add(s, k, accent + rng.normal(0, 0.05))
        for s in g.open_steps:
            if key == 42 and s not in _grid(n, spb, g.density):
                bar.add(s, 46, 0.7)
    for s in g.pedal_steps:
        bar.add(s, 44, 0.6)
    if g.double_kick:
        for s in range(0, n, max(1, spb // 4 if spb >= 4 else 1)):
            bar.add(s, 36, 0.85)
    else:
        for s in g.kick_steps:
            bar.add(s, 36, 0.9 if s % spb == 0 else 0.75)
    main = 37 if g.cross_stick else 38
    for s in g.snare_steps:
        if rng.random() < 0.04:
            bar.add(s - 0.25, 38, 0.35)  # flam grace note; the labelled hit is the main stroke
        bar.add(s, main, 0.9 + rng.normal(0, 0.04))
    for s in g.ghost_steps:
        if rng.random() < 0.8:
            bar.add(s, 38, rng.uniform(0.15, 0.32))


TOM_KEYS = (50, 48, 47, 45, 43, 41)  # GM toms, high to floor


def _pick_tom_part(rng: np.random.Generator, mt: Meter, spb: int) -> list[tuple[int, int, float]]:
    """A section's tom figure for a tom-rich performance, (step, key, velocity) played every bar, so toms sound
    inside grooves next to kicks and snares, not only in fills: a floor tom on the beats (a "jungle" groove) or
    between them, or a figure over two or three toms. A quarter of the sections have none."""
    n = mt.beats * spb
    kind = int(rng.integers(4))
    if kind == 0:
        return []
    if kind == 1:
        key = int(rng.choice([43, 41]))
        return [(b * spb, key, 0.75) for b in range(mt.beats)]
    if kind == 2 and spb >= 2:
        key = int(rng.choice([43, 41, 45]))
        return [(b * spb + spb // 2, key, 0.7) for b in range(mt.beats)]
    keys = rng.choice(TOM_KEYS, size=int(rng.integers(2, 4)), replace=False)
    steps = rng.choice(n, size=int(rng.integers(2, min(6, n) + 1)), replace=False)
    return [(int(s), int(rng.choice(keys)), float(rng.uniform(0.5, 0.9))) for s in sorted(steps)]


def _play_fill(rng: np.random.Generator, mt: Meter, spb: int, bar: _Bar, beats: int) -> None:
    """A fill over the last `beats` beats: snare and toms moving down, kick under it on the beats."""
    n = mt.beats * spb
    start = n - beats * spb
    bar.notes = [x for x in bar.notes if x[0] < start]
    rate = int(rng.choice([1, 2])) if spb >= 2 else 1
    voices = [38, *TOM_KEYS]
    path = sorted(rng.choice(len(voices), size=3, replace=False))
    steps = list(range(start, n, rate))
    for i, s in enumerate(steps):
        v = voices[path[min(2, i * 3 // max(1, len(steps)))]]
        if rng.random() < 0.25:
            v = int(rng.choice(voices))
        bar.add(s, v, 0.6 + 0.4 * (s % spb == 0) + rng.normal(0, 0.05))
        if s % spb == 0 and rng.random() < 0.5:
            bar.add(s, 36, 0.8)


def generate(rng: np.random.Generator, duration: float = 24.0, style: str | None = None,
             toms: bool = False) -> Performance:
    """A humanized performance of about `duration` seconds in `style` (random when None). A tom-rich one (`toms`)
    adds a tom figure to most sections and plays fills far more often; without it the random draws are those of
    the plain performance, so every other split renders as before."""
    name = style or str(rng.choice(sorted(STYLES)))
    st = STYLES[name]
    meter_name = str(rng.choice(st.meters, p=st.meter_p))
    mt = METERS[meter_name]
    spb = int(rng.choice(mt.steps_per_beat if mt.steps_per_beat else st.steps_per_beat))
    lo, hi = mt.bpm if mt.bpm else st.bpm
    bpm = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
    lead_in = float(rng.uniform(0.05, 1.5))
    n_bars = max(2, int(np.ceil((duration - lead_in) * bpm / 60 / mt.beats)))
    beat_t = _beat_times(rng, bpm, n_bars * mt.beats + 1, mt.beats, lead_in)
    swing = st.swing * (spb == 4 or spb == 2) * rng.uniform(0.5, 1.0)
    tight = rng.uniform(0.002, 0.012)  # [s] std of the drummer's timing error
    hits: list[tuple[float, int, int]] = []
    phrase = int(rng.choice([4, 8]))
    groove = _pick_groove(rng, st, mt, spb)
    tom_part = _pick_tom_part(rng, mt, spb) if toms else []
    fill_p, extra_fill_p = (max(st.fill, 0.9), 0.3) if toms else (st.fill, st.fill * 0.1)
    crash_next = rng.random() < 0.6
    for b in range(n_bars):
        if b % phrase == 0 and b and rng.random() < 0.5:
            groove = _pick_groove(rng, st, mt, spb)
            tom_part = _pick_tom_part(rng, mt, spb) if toms else []
        bar = _Bar(mt.beats * spb)
        _play_groove(rng, groove, mt, spb, bar)
        for step, key, vel in tom_part:
            bar.add(step, key, vel + rng.normal(0, 0.05))
        if crash_next:
            bar.notes = [x for x in bar.notes if not (x[0] == 0 and x[1] in (42, 51, 46))]
            bar.add(0, int(rng.choice([49, 49, 57, 55, 52])), 0.95)
            bar.add(0, 36, 0.95)
        crash_next = False
        if b % phrase == 0 and rng.random() < 0.4:
            bar.add(0, int(rng.choice([49, 57, 55, 52])), 0.9)
        elif rng.random() < 0.08:
            bar.add(int(rng.integers(mt.beats)) * spb, int(rng.choice([49, 57])), 0.85)
        if groove.timekeeper == "hh" and rng.random() < 0.25:
            bar.add(mt.beats * spb - max(1, spb // 2), 46, 0.75)  # an open hat leading into the next bar
        if (b % phrase == phrase - 1 and rng.random() < fill_p) or rng.random() < extra_fill_p:
            _play_fill(rng, mt, spb, bar, int(rng.integers(1, mt.beats + 1)))
            crash_next = rng.random() < 0.8
        hits += _to_times(rng, bar, beat_t[b * mt.beats:(b + 1) * mt.beats + 1], spb, swing, tight, st.dynamics)
    end = float(beat_t[n_bars * mt.beats])
    hits = sorted(h for h in hits if 0 <= h[0] < end)
    beats = [float(t) for t in beat_t[: n_bars * mt.beats]]
    return Performance(name, meter_name, bpm, hits, beats, beats[:: mt.beats], mt.beats, spb, end + 2.0,
                       beats[:: mt.beats])


def _to_times(rng, bar: _Bar, beat_t: np.ndarray, spb: int, swing: float, tight: float, dyn: float):
    """Places a bar's steps between its beat times (so tempo drift bends the grid) and humanizes them."""
    out = []
    for step, key, vel in bar.notes:
        beat, frac = divmod(step, spb)
        beat = int(beat)
        frac = frac / spb
        if swing and abs(frac - 0.5) < 1e-6:
            frac += swing / 6  # swung 8th: up to a triplet feel
        t = beat_t[beat] + frac * (beat_t[beat + 1] - beat_t[beat]) + rng.normal(0, tight)
        v = vel * dyn * rng.normal(1.0, 0.07)
        out.append((float(t), int(key), int(np.clip(round(v * 127), 1, 127))))
    return out

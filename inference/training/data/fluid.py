"""Batch rendering with fluidsynth: many tracks go into one MIDI file (separated by silence) and one fluidsynth run,
because loading a 150 MB soundfont costs more than rendering a minute of audio."""
from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, field

import mido
import numpy as np

from .gm import NOTE_TO_LANE
from .sampler import decode_file

GAP_SEC = 4.0          # silence between tracks so tails die out before the next one
TICKS_PER_BEAT = 2000  # with a 1 s quarter note, one tick is 0.5 ms
DRUM_CHANNEL = 9


@dataclass
class MidiJob:
    """One track: (time [s], channel, key, velocity, duration [s]) notes and a program per channel."""
    duration: float
    notes: list[tuple[float, int, int, int, float]]
    programs: dict[int, tuple[int, int]] = field(default_factory=dict)  # channel -> (bank, program)
    bend: dict[int, int] = field(default_factory=dict)  # channel -> pitch wheel -8192..8191 (+-2 semitones)
    key: int = 0  # the song's key (pitch class of its root), for a part rendered outside fluidsynth (voice.py)


def _write_midi(jobs: list[MidiJob], path: str) -> list[float]:
    """Writes all jobs one after another; returns the start offset [s] of each."""
    events: list[tuple[float, int, mido.Message]] = []  # (time, order, msg); order puts setup before notes
    offsets, t0 = [], 0.5
    for job in jobs:
        offsets.append(t0)
        for ch, (bank, prog) in job.programs.items():
            events.append((t0 - 0.3, 0, mido.Message("control_change", channel=ch, control=0, value=min(bank, 127))))
            events.append((t0 - 0.3, 1, mido.Message("program_change", channel=ch, program=prog)))
            events.append((t0 - 0.3, 1, mido.Message("pitchwheel", channel=ch, pitch=job.bend.get(ch, 0))))
        for t, ch, key, vel, dur in job.notes:
            on = t0 + max(0.0, t)
            events.append((on, 3, mido.Message("note_on", channel=ch, note=key, velocity=int(vel))))
            events.append((on + max(0.01, dur), 2, mido.Message("note_off", channel=ch, note=key, velocity=0)))
        end = t0 + job.duration
        for ch in range(16):  # silence everything before the next track
            events.append((end, 4, mido.Message("control_change", channel=ch, control=120, value=0)))
        t0 = end + GAP_SEC
    events.sort(key=lambda e: (e[0], e[1]))
    mid = mido.MidiFile(ticks_per_beat=TICKS_PER_BEAT)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=1_000_000, time=0))
    last = 0
    for t, _, msg in events:
        tick = int(round(t * TICKS_PER_BEAT))
        track.append(msg.copy(time=max(0, tick - last)))
        last = max(last, tick)
    mid.save(path)
    return offsets


def render_batch(soundfont: str, jobs: list[MidiJob], sr: int, gain: float = 0.5) -> list[np.ndarray]:
    """Renders every job with `soundfont` (reverb and chorus off: augmentation adds its own); mono float32 each."""
    if not jobs:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        mid, wav = os.path.join(tmp, "batch.mid"), os.path.join(tmp, "batch.wav")
        offsets = _write_midi(jobs, mid)
        cmd = ["fluidsynth", "-ni", "-R", "0", "-C", "0", "-g", str(gain), "-r", str(sr), "-O", "float",
               "-o", "synth.polyphony=512", "-F", wav, soundfont, mid]
        res = subprocess.run(cmd, capture_output=True, check=False)
        if res.returncode != 0 or not os.path.exists(wav):
            raise RuntimeError(f"fluidsynth failed on {soundfont}: {res.stderr.decode(errors='replace')[:500]}")
        audio = decode_file(wav, sr)
    out = []
    for off, job in zip(offsets, jobs):
        a, b = int(off * sr), int((off + job.duration) * sr)
        seg = np.zeros(b - a, dtype=np.float32)
        part = audio[a: b]
        seg[: len(part)] = part
        out.append(seg)
    return out


def probe_keys(soundfont: str, bank: int, program: int, keys: list[int], sr: int) -> set[int]:
    """The keys of a drum kit that actually sound (a kit may leave GM keys empty)."""
    channel = DRUM_CHANNEL if bank == 128 else 0
    jobs = [MidiJob(1.0, [(0.0, channel, k, 110, 0.5)], {channel: (bank, program)}) for k in keys]
    audio = render_batch(soundfont, jobs, sr)
    kept: dict[int, np.ndarray] = {}
    for k, a in zip(keys, audio):
        if np.sqrt(np.mean(a ** 2)) <= 1e-3:
            continue
        # A small kit maps several GM keys to one drum (e.g. both rack-tom keys): a key of another lane that
        # sounds the same as one kept would teach the model two labels for one sound, so it is left out.
        if any(NOTE_TO_LANE[j] != NOTE_TO_LANE[k] and _same(a, b) for j, b in kept.items()):
            continue
        kept[k] = a
    return set(kept)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9)) > 0.98

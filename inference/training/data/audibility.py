"""How audible each ghost note of an evaluation track is. The track is rendered a second time with every ghost note
at velocity 1 and the same random draws, so everything else sounds the same; a ghost note's audibility is the largest
change of any log-mel band (the model's input) within +-3 frames of it. Under a full band many ghost notes change no
band by more than a fraction of a dB: they are not in the audio for a listener or a model to hear, and the evaluation
can score the snare without them (`eval:transcription`, column F-aud)."""
from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np

GHOST_VELOCITY = 50  # as the TypeScript evaluation's GHOST_VELOCITY
NEAR_FRAMES = 3  # +-35 ms at 86 frames/s: the onset tolerance (50 ms) less the frame's own spread


def with_ghosts_silenced(plan: list) -> list:
    """A copy of a chunk's plan, taken before it renders (random generators included), whose ghost notes play at
    velocity 1: a sampler or soundfont still makes the same draws for each hit, so only the ghost notes change."""
    return [(copy.deepcopy(rng), replace(perf, hits=[(t, k, v if v >= GHOST_VELOCITY else 1) for t, k, v in perf.hits]),
             parts, acc) for rng, perf, parts, acc in plan]


def ghost_audibility(features: np.ndarray, silenced: np.ndarray, labels: list[tuple[float, str, int]],
                     fps: float) -> list[float | None]:
    """Per label (time [s], lane, velocity): None for a note at or above GHOST_VELOCITY, else the largest absolute
    change between the two renders' features within NEAR_FRAMES of its frame."""
    n = min(len(features), len(silenced))
    change = np.abs(features[:n].astype(np.float64) - silenced[:n]).max(axis=1)
    out: list[float | None] = []
    for t, _, v in labels:
        if v >= GHOST_VELOCITY:
            out.append(None)
            continue
        f = int(round(t * fps))
        near = change[max(0, f - NEAR_FRAMES): f + NEAR_FRAMES + 1]
        out.append(round(float(near.max()), 4) if len(near) else 0.0)
    return out

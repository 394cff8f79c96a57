"""Meters and drumming styles: the knobs the performance generator draws from (tempos are beat tempos [bpm])."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Meter:
    beats: int                 # beats per bar
    kick_beats: list[int]      # beats (0-based) the kick plays in a plain groove
    backbeats: list[int]       # beats the snare plays
    half_time: list[int]       # snare beats in half time
    ts: tuple[int, int]        # time signature as written
    steps_per_beat: list[int] | None = None  # overrides the style's grid (6/8 and 7/8 have their own)
    bpm: tuple[float, float] | None = None   # overrides the style's tempo range


METERS = {
    "4/4": Meter(4, [0, 2], [1, 3], [2], (4, 4)),
    "3/4": Meter(3, [0], [1, 2], [2], (3, 4)),
    # 6/8 counted in two dotted-quarter beats of three eighths
    "6/8": Meter(2, [0], [1], [1], (6, 8), steps_per_beat=[3, 6], bpm=(50, 110)),
    "5/4": Meter(5, [0, 3], [1, 4], [2], (5, 4)),
    # 7/8 counted in eighth-note beats (2+2+3), so its beat tempo is high
    "7/8": Meter(7, [0, 4], [2, 5], [4], (7, 8), steps_per_beat=[1, 2], bpm=(140, 250)),
}


@dataclass(frozen=True)
class Style:
    bpm: tuple[float, float]
    meters: list[str]
    meter_p: list[float]
    steps_per_beat: list[int]   # 4 = 16ths, 3 = triplets, 2 = 8ths
    timekeepers: list[str]      # hh, ride, swing_ride, crash, floor_tom, hh_open
    timekeeper_p: list[float]
    densities: list[int]        # timekeeper notes per beat
    four_floor: float = 0.0     # probability the kick plays every beat
    kick_sync: float = 0.15     # probability per off-beat step of an extra kick
    half_time: float = 0.1
    ghost: float = 0.05         # probability per off-beat step of a snare ghost note
    open_hat: float = 0.3
    pedal: float = 0.6
    cross_stick: float = 0.0
    double_kick: bool = False
    fill: float = 0.6           # probability of a fill at a phrase end
    swing: float = 0.0          # 0 straight .. 1 triplet swing of 8ths
    dynamics: float = 1.0       # overall velocity scale


_4 = (["4/4", "3/4", "6/8", "5/4", "7/8"], [0.7, 0.1, 0.1, 0.05, 0.05])
STYLES = {
    "rock": Style((80, 170), *_4, [4, 2], ["hh", "ride", "crash", "floor_tom"], [0.65, 0.25, 0.05, 0.05], [2, 1, 4]),
    "pop": Style((70, 140), *_4, [4, 2], ["hh", "ride", "hh_open"], [0.75, 0.15, 0.1], [2, 4], four_floor=0.3),
    "funk": Style((85, 125), ["4/4"], [1.0], [4], ["hh"], [1.0], [4, 2], kick_sync=0.25, ghost=0.3, open_hat=0.5,
                  swing=0.3),
    "jazz_swing": Style((90, 250), ["4/4", "3/4", "5/4"], [0.8, 0.1, 0.1], [3], ["swing_ride", "ride", "hh"],
                        [0.7, 0.15, 0.15], [1, 2], kick_sync=0.05, ghost=0.25, pedal=0.9, fill=0.4, dynamics=0.75),
    "shuffle": Style((90, 160), ["4/4", "6/8"], [0.85, 0.15], [3], ["hh", "ride"], [0.7, 0.3], [2, 3],
                     ghost=0.15, pedal=0.5),
    "blues": Style((55, 120), ["4/4", "6/8", "3/4"], [0.6, 0.3, 0.1], [3], ["hh", "ride"], [0.6, 0.4], [2, 3],
                   ghost=0.1, pedal=0.5, cross_stick=0.2, dynamics=0.85),
    "reggae": Style((60, 90), ["4/4"], [1.0], [4, 2], ["hh", "ride"], [0.85, 0.15], [2, 4], kick_sync=0.05,
                    half_time=1.0, open_hat=0.3, cross_stick=0.6, swing=0.5, dynamics=0.85),
    "hip_hop": Style((70, 105), ["4/4"], [1.0], [4], ["hh", "hh_open"], [0.9, 0.1], [2, 4], kick_sync=0.25,
                     ghost=0.1, fill=0.2, swing=0.6),
    "metal": Style((100, 250), ["4/4", "3/4", "7/8", "5/4"], [0.75, 0.1, 0.1, 0.05], [4, 2],
                   ["hh", "ride", "crash"], [0.4, 0.3, 0.3], [1, 2], double_kick=True, half_time=0.3,
                   ghost=0.0, open_hat=0.05, fill=0.7),
    "punk": Style((150, 250), ["4/4"], [1.0], [2], ["hh", "ride", "crash"], [0.6, 0.2, 0.2], [2, 1],
                  kick_sync=0.3, ghost=0.0, open_hat=0.3, fill=0.5),
    "latin": Style((80, 200), ["4/4", "3/4"], [0.85, 0.15], [4, 2], ["hh", "ride"], [0.5, 0.5], [2, 4],
                   kick_sync=0.3, cross_stick=0.7, ghost=0.1, pedal=0.7),
    "ballad": Style((50, 85), ["4/4", "3/4", "6/8"], [0.6, 0.2, 0.2], [4, 2], ["hh", "ride"], [0.7, 0.3], [2, 1],
                    kick_sync=0.1, cross_stick=0.4, ghost=0.05, fill=0.5, dynamics=0.8),
}

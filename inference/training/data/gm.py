"""Lanes, model labels and the General MIDI drum notes that play each lane."""
from __future__ import annotations

# The .bsm lanes (inference/src/contracts/bsm.ts LANES), in model column order, then the beat labels.
LANES = ["kick", "snare", "hihat_closed", "hihat_open", "hihat_pedal",
         "tom_high", "tom_mid", "tom_floor", "crash", "ride"]
LABELS = LANES + ["beat", "downbeat"]

# GM percussion key -> lane. Side stick and rim shot count as snare (how drum charts write them); splash and
# china count as crash; the ride bell counts as ride.
NOTE_TO_LANE = {
    35: "kick", 36: "kick",
    37: "snare", 38: "snare", 40: "snare",
    42: "hihat_closed", 46: "hihat_open", 44: "hihat_pedal",
    50: "tom_high", 48: "tom_high", 47: "tom_mid", 45: "tom_mid", 43: "tom_floor", 41: "tom_floor",
    49: "crash", 57: "crash", 55: "crash", 52: "crash",
    51: "ride", 59: "ride", 53: "ride",
}

# Preferred key per lane, then alternatives a kit may use instead.
LANE_NOTES = {
    "kick": [36, 35], "snare": [38, 40, 37], "hihat_closed": [42], "hihat_open": [46], "hihat_pedal": [44],
    "tom_high": [50, 48], "tom_mid": [47, 45], "tom_floor": [43, 41], "crash": [49, 57, 55, 52],
    "ride": [51, 59, 53],
}

# Keys that stop a ringing open hi-hat (the hi-hat choke group).
HIHAT_CHOKERS = {42, 44}


def playable_key(key: int, available) -> int | None:
    """The key a kit plays for `key`: itself, else another key of the same lane, else None (the lane is missing)."""
    if key in available:
        return key
    return next((k for k in LANE_NOTES[NOTE_TO_LANE[key]] if k in available), None)

"""Readers for the two sample formats ffmpeg does not decode: Gravis UltraSound patches (freepats' drum kit) and
STK's rawwaves (headerless 16-bit big-endian mono at 22050 Hz). Both give mono float32 in -1..1 and the file's rate.

A GUS patch is a 129-byte file header, a 63-byte instrument header and a 47-byte layer header, then per wave a
96-byte header and its PCM data. A drum patch holds one wave; only the first is read (freepats' drum patches have
one each). Loops and envelopes are ignored: a drum is played as the one-shot recording it is.
"""
from __future__ import annotations

import struct

import numpy as np

GUS_MAGIC = (b"GF1PATCH110\0", b"GF1PATCH100\0")
_FIRST_WAVE = 129 + 63 + 47
STK_RAW_RATE = 22050


def read_gus_patch(path: str) -> tuple[np.ndarray, int]:
    """The first wave of a GUS .pat file: (samples, rate [Hz])."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:12] not in GUS_MAGIC:
        raise ValueError(f"{path} is not a GUS patch (no GF1PATCH header)")
    head = data[_FIRST_WAVE:_FIRST_WAVE + 96]
    if len(head) < 96:
        raise ValueError(f"{path} is truncated: no wave header")
    length = struct.unpack("<I", head[8:12])[0]  # in bytes
    rate = struct.unpack("<H", head[20:22])[0]
    modes = head[55]
    pcm = data[_FIRST_WAVE + 96:_FIRST_WAVE + 96 + length]
    wide, unsigned = bool(modes & 1), bool(modes & 2)
    if wide:
        x = np.frombuffer(pcm[:len(pcm) // 2 * 2], "<u2" if unsigned else "<i2").astype(np.float32)
        x = (x - 32768 if unsigned else x) / 32768
    else:
        x = np.frombuffer(pcm, "u1" if unsigned else "i1").astype(np.float32)
        x = (x - 128 if unsigned else x) / 128
    if rate <= 0 or not len(x):
        raise ValueError(f"{path} has an empty wave or no sample rate")
    return x, rate


def read_stk_raw(path: str) -> tuple[np.ndarray, int]:
    """An STK rawwave: (samples, 22050)."""
    x = np.fromfile(path, ">i2").astype(np.float32) / 32768
    if not len(x):
        raise ValueError(f"{path} is empty")
    return x, STK_RAW_RATE

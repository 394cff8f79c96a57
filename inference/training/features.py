"""The model front end in numpy: an exact port of inference/src/pipeline/features.ts.

STFT magnitude (periodic Hann window, centred frames with zero padding), triangular mel filters each normalised to
sum 1, then log10(1 + logMul * m * 4/frameSize). Frame t is centred on sample t * hopSize; there are
floor(n / hopSize) + 1 frames. The TypeScript side computes these at inference; training uses this copy, and
tests/test_features_parity.py checks the two agree.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, asdict

import numpy as np


@dataclass(frozen=True)
class FrontendConfig:
    """Mirrors FrontendConfig in features.ts (units: Hz, samples)."""
    sampleRate: int = 22050
    frameSize: int = 1024
    hopSize: int = 256
    bands: int = 64
    fmin: float = 30.0
    fmax: float = 11000.0
    logMul: float = 100.0

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def fps(self) -> float:
        return self.sampleRate / self.hopSize


FRONTEND = FrontendConfig()


def _hz_to_mel(hz: float) -> float:
    return 1127.0 * math.log(1.0 + hz / 700.0)


def _mel_to_hz(mel: float) -> float:
    return 700.0 * (math.exp(mel / 1127.0) - 1.0)


def mel_filterbank(cfg: FrontendConfig) -> np.ndarray:
    """[bands, frameSize/2+1] filters, each summing to 1 (same edge rules as melFilterbank in features.ts)."""
    bins = cfg.frameSize // 2 + 1
    bin_hz = cfg.sampleRate / cfg.frameSize
    lo = _hz_to_mel(cfg.fmin)
    step = (_hz_to_mel(cfg.fmax) - lo) / (cfg.bands + 1)
    edges = [_mel_to_hz(lo + i * step) / bin_hz for i in range(cfg.bands + 2)]
    fb = np.zeros((cfg.bands, bins), dtype=np.float64)
    for b in range(cfg.bands):
        left, centre, right = edges[b], edges[b + 1], edges[b + 2]
        for k in range(math.ceil(left), min(bins - 1, math.floor(right)) + 1):
            fb[b, k] = (k - left) / (centre - left) if k <= centre else (right - k) / (right - centre)
        # features.ts accumulates in float32 weights; the sum is what matters and float64 is within 1e-7 of it.
        s = fb[b].sum()
        if s == 0:
            fb[b, min(bins - 1, int(math.floor(centre + 0.5)))] = 1.0
            s = 1.0
        fb[b] /= s
    return fb.astype(np.float32).astype(np.float64)


def compute_features(samples: np.ndarray, cfg: FrontendConfig = FRONTEND) -> np.ndarray:
    """Log mel spectrogram [frames, bands] float32 of mono `samples` at cfg.sampleRate."""
    x = np.asarray(samples, dtype=np.float32).astype(np.float64)
    n, hop = cfg.frameSize, cfg.hopSize
    frames = len(x) // hop + 1
    padded = np.zeros(len(x) + 2 * n, dtype=np.float64)
    padded[n: n + len(x)] = x
    # Frame t starts at t*hop - n/2 in signal coordinates, i.e. t*hop + n/2 in `padded`.
    idx = (np.arange(frames) * hop + n // 2)[:, None] + np.arange(n)[None, :]
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).astype(np.float32).astype(np.float64)
    fb = mel_filterbank(cfg)
    out = np.empty((frames, cfg.bands), dtype=np.float32)
    chunk = 4096  # bounded memory for long songs
    for s in range(0, frames, chunk):
        seg = padded[idx[s: s + chunk]] * window
        mag = np.abs(np.fft.rfft(seg, axis=1))
        mel = mag @ fb.T
        out[s: s + chunk] = np.log10(1.0 + cfg.logMul * mel * (4.0 / n))
    return out

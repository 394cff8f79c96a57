"""Mixing and augmentation: drum-to-mix level, EQ, compression, reverb (generated impulse responses), distortion,
noise, MP3/AAC round trips (ffmpeg), gain, and small pitch+time shifts (label times move with them)."""
from __future__ import annotations

import os
import subprocess
import tempfile

import numpy as np
from scipy import signal

from .sampler import decode_file


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)) + 1e-9)


def mix(drums: np.ndarray, accomp: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """Drums alone, or with the accompaniment at a drum-to-accompaniment level of -8..+12 dB."""
    if accomp is None or _rms(accomp) < 1e-5:
        return drums.copy()
    n = min(len(drums), len(accomp))
    ratio_db = rng.uniform(-8, 12)
    a = accomp[:n] * (_rms(drums[:n]) / _rms(accomp[:n])) * 10 ** (-ratio_db / 20)
    return drums[:n] + a


def _biquad(kind: str, f: float, gain_db: float, q: float, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """RBJ audio-EQ-cookbook coefficients."""
    a_ = 10 ** (gain_db / 40)
    w = 2 * np.pi * f / sr
    alpha = np.sin(w) / (2 * q)
    c = np.cos(w)
    if kind == "peak":
        b = [1 + alpha * a_, -2 * c, 1 - alpha * a_]
        a = [1 + alpha / a_, -2 * c, 1 - alpha / a_]
    elif kind == "lowpass":
        b = [(1 - c) / 2, 1 - c, (1 - c) / 2]
        a = [1 + alpha, -2 * c, 1 - alpha]
    else:  # highpass
        b = [(1 + c) / 2, -(1 + c), (1 + c) / 2]
        a = [1 + alpha, -2 * c, 1 - alpha]
    return np.array(b) / a[0], np.array(a) / a[0]


def eq(x: np.ndarray, rng: np.random.Generator, sr: int) -> np.ndarray:
    for _ in range(int(rng.integers(1, 4))):
        kind = rng.choice(["peak", "peak", "lowpass", "highpass"])
        if kind == "lowpass":
            f = rng.uniform(3000, 10000)
        elif kind == "highpass":
            f = rng.uniform(20, 150)
        else:
            f = float(np.exp(rng.uniform(np.log(60), np.log(9000))))
        b, a = _biquad(str(kind), f, rng.uniform(-9, 9), rng.uniform(0.5, 2.0), sr)
        x = signal.lfilter(b, a, x).astype(np.float32)
    return x


def compress(x: np.ndarray, rng: np.random.Generator, sr: int) -> np.ndarray:
    """Feed-forward RMS compressor: threshold -30..-10 dB below peak, ratio 2..8, attack 1..20 ms, release 50..300 ms."""
    thr = np.max(np.abs(x)) * 10 ** (rng.uniform(-30, -10) / 20) + 1e-9
    ratio = rng.uniform(2, 8)
    att = np.exp(-1 / (sr * rng.uniform(0.001, 0.02)))
    rel = np.exp(-1 / (sr * rng.uniform(0.05, 0.3)))
    # one-pole smoothing of the level with the attack constant, then a slower release by a second pass
    env = np.sqrt(signal.lfilter([1 - att], [1, -att], x.astype(np.float64) ** 2))
    env = np.maximum(env, signal.lfilter([1 - rel], [1, -rel], env))
    over = np.maximum(env / thr, 1.0)
    g = over ** (1 / ratio - 1)
    return (x * g).astype(np.float32)


def reverb(x: np.ndarray, rng: np.random.Generator, sr: int) -> np.ndarray:
    """Convolution with a generated room: exponentially decaying noise (RT60 0.2..2.5 s) with early reflections."""
    rt60 = rng.uniform(0.2, 2.5)
    n = int(min(rt60, 1.5) * sr)
    t = np.arange(n) / sr
    ir = rng.normal(0, 1, n) * np.exp(-6.9 * t / rt60)
    ir = signal.lfilter(*_biquad("lowpass", rng.uniform(2000, 9000), 0, 0.7, sr), ir)
    for _ in range(int(rng.integers(3, 10))):
        ir[int(rng.uniform(0.002, 0.05) * sr)] += rng.uniform(0.3, 1.0) * rng.choice([-1, 1])
    ir[0] = 0
    ir /= np.sqrt(np.sum(ir ** 2))
    wet = signal.fftconvolve(x, ir)[: len(x)]
    mixw = rng.uniform(0.05, 0.5)
    return ((1 - mixw) * x + mixw * wet * (_rms(x) / _rms(wet))).astype(np.float32)


def distort(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    peak = np.max(np.abs(x)) + 1e-9
    drive = rng.uniform(1.5, 8)
    return (np.tanh(drive * x / peak) / np.tanh(drive) * peak).astype(np.float32)


def noise(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """White or pink noise at 15..50 dB SNR."""
    nz = rng.normal(0, 1, len(x))
    if rng.random() < 0.5:  # pink-ish: 1/f by a cumulative one-pole filter
        nz = signal.lfilter([1], [1, -0.98], nz)
    snr = rng.uniform(15, 50)
    return (x + nz / _rms(nz) * _rms(x) * 10 ** (-snr / 20)).astype(np.float32)


def codec(x: np.ndarray, rng: np.random.Generator, sr: int) -> np.ndarray:
    """An MP3 or AAC round trip through ffmpeg at 48..192 kbit/s."""
    fmt, codec_name = ("mp3", "libmp3lame") if rng.random() < 0.6 else ("m4a", "aac")
    rate = int(rng.choice([48, 64, 96, 128, 192]))
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.f32"), os.path.join(tmp, f"out.{fmt}")
        x.astype(np.float32).tofile(src)
        cmd = ["ffmpeg", "-v", "error", "-f", "f32le", "-ar", str(sr), "-ac", "1", "-i", src,
               "-c:a", codec_name, "-b:a", f"{rate}k", dst]
        if subprocess.run(cmd, capture_output=True, check=False).returncode != 0:
            return x
        y = decode_file(dst, sr)
    out = np.zeros_like(x)
    out[: min(len(x), len(y))] = y[: len(x)]
    return out


def speed(x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Plays the audio at rate r in 0.96..1.04 (pitch and tempo move together); returns (audio, r).
    A label at t seconds moves to t / r."""
    down = 50
    up = int(rng.integers(48, 53))  # r = down / up
    y = signal.resample_poly(x, up, down).astype(np.float32)
    return y, down / up


def augment(x: np.ndarray, rng: np.random.Generator, sr: int, strength: float = 1.0
            ) -> tuple[np.ndarray, float]:
    """A random chain of the effects above; returns (audio, time factor r: label time t moves to t / r)."""
    r = 1.0
    p = strength
    if rng.random() < 0.3 * p:
        x, r = speed(x, rng)
    if rng.random() < 0.6 * p:
        x = eq(x, rng, sr)
    if rng.random() < 0.4 * p:
        x = compress(x, rng, sr)
    if rng.random() < 0.4 * p:
        x = reverb(x, rng, sr)
    if rng.random() < 0.15 * p:
        x = distort(x, rng)
    if rng.random() < 0.3 * p:
        x = noise(x, rng)
    peak = np.max(np.abs(x)) + 1e-9
    x = x / peak * rng.uniform(0.1, 1.0)  # gain
    if rng.random() < 0.25 * p:
        x = codec(x, rng, sr)
    return x.astype(np.float32), r


def snare_boom(x: np.ndarray, hits: list[tuple[float, int]], rng: np.random.Generator, sr: int,
               tone: str = "sine") -> np.ndarray:
    """Adds a low, decaying thud under each (time [s], velocity) snare hit: a loose low-tuned snare, a boomy room or
    a snare layered with a sub, whose low end rivals a kick's (TimGM6mb's room-kit snare holds as much energy below
    160 Hz as above it; no training snare comes within 25 dB of that). A "sine" thud is one tone whose pitch sags as
    it decays; a "noise" thud is low-passed noise, spread over every frequency below its cutoff, like the body of a
    kick resonating with the snare or a room's low end, and unlike a drum machine's kick, which is a tone."""
    if not hits:
        return x
    if tone == "sine":
        f0, tau = rng.uniform(45, 110), rng.uniform(0.04, 0.15)
        sag = rng.uniform(0.0, 0.3)  # fraction the pitch falls over the decay
        t = np.arange(int(tau * 6 * sr)) / sr
        freq = f0 * (1 - sag * (1 - np.exp(-t / tau)))
        body = np.sin(2 * np.pi * np.cumsum(freq) / sr)
    else:
        cutoff, tau = rng.uniform(100, 220), rng.uniform(0.04, 0.15)
        t = np.arange(int(tau * 6 * sr)) / sr
        body = signal.sosfilt(signal.butter(4, cutoff, "low", fs=sr, output="sos"), rng.normal(0, 1, len(t)))
        body /= np.abs(body[: int(tau * sr)]).max() + 1e-9  # the same peak level as a sine thud
    thud = body * np.exp(-t / tau) * np.minimum(1.0, t / 0.002)
    level = float(np.abs(x).max()) * rng.uniform(0.3, 1.0)
    out = x.copy()
    for time, vel in hits:
        i = int(time * sr)
        n = min(len(thud), len(out) - i)
        if n > 0:
            out[i:i + n] += (level * (vel / 127) ** 1.5 * thud[:n]).astype(np.float32)
    return out

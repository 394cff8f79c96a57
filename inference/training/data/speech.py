"""Held-out voices for the test set's vocal variant (split `testv`): festival's speakers reading lyric-like lines
over the band, on the bar lines, as a rapper or a spoken-word part would. Both voices come from recordings of
people: `kal_diphone` resynthesises a man's recorded diphones, `cmu_us_slt_arctic_hts` is a statistical voice
trained on a woman's (CMU ARCTIC slt). Training hears only voice.py's procedural singer, so `testv` measures how a
model copes with a voice it never heard, its consonants included.
A second engine, espeak-ng, gives training its own speakers (split `poolvs`): formant vowels, but consonants made from
short recorded waveforms of another person, with a dozen voice variants, pitches and paces; festival stays held out."""
from __future__ import annotations

import os
import subprocess
import tempfile

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

from .performance import Performance

VOICES = ("voice_kal_diphone", "voice_cmu_us_slt_arctic_hts")  # festival's: the test set's
ESPEAK_VOICES = ("en-us+m1", "en-us+m3", "en-us+m6", "en-us+f2", "en-us+f4", "en-us+paul", "en-us+linda", "en-us+rob",
                 "en-gb-x-rp+m2", "en-gb-x-rp+f3", "en-gb-x-rp+steph", "en-us+whisper")  # training's
WORDS = """night light city street fire heart baby stop start tonight dance feel real time back get it set step
so just let me take you higher sister kiss this touch fast past chase face space place stay play say she said
crazy lazy sunday kick it stick split spit cash catch match switch twist kiss miss listen stand strong wrong song
tell sell shake break take make it hot cut shout out about doubt without said stressed best rest chest""".split()
BANK_LINES = 24  # lines per voice, rendered once per sample rate and kept (speech_bank)
BANK_SEED = 20261207


def lines(rng: np.random.Generator, n: int) -> list[str]:
    """`n` lines of 4-9 words drawn from WORDS, heavy in s, t, k and ch: the consonants that sound like drums."""
    return [" ".join(rng.choice(WORDS, size=int(rng.integers(4, 10)))) for _ in range(n)]


def _read_line(path: str, sr: int) -> np.ndarray:
    """A rendered line as floats at `sr`, peak 1."""
    rate, x = wavfile.read(path)
    g = np.gcd(rate, sr)
    x = resample_poly(x.astype(np.float64) / 32768, sr // g, rate // g)
    return x / (np.abs(x).max() + 1e-12)


def say(text: str, voice: str, sr: int) -> np.ndarray:
    """`text` spoken by festival's `voice`, resampled to `sr`, peak 1."""
    with tempfile.TemporaryDirectory() as tmp:
        with open(f"{tmp}/line.txt", "w") as f:
            f.write(text + "\n")
        try:
            subprocess.run(["text2wave", "-eval", f"({voice})", f"{tmp}/line.txt", "-o", f"{tmp}/line.wav"],
                           check=True, capture_output=True)
        except FileNotFoundError as e:
            raise RuntimeError("the testv split needs festival (Debian packages festival festvox-kallpc16k "
                               "festvox-us-slt-hts)") from e
        return _read_line(f"{tmp}/line.wav", sr)


def say_espeak(text: str, voice: str, sr: int, pitch: int, pace: int) -> np.ndarray:
    """`text` spoken by espeak-ng's `voice` at `pitch` (0-99) and `pace` (words per minute), at `sr`, peak 1."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(pace), "-w", f"{tmp}/line.wav", text],
                           check=True, capture_output=True)
        except FileNotFoundError as e:
            raise RuntimeError("the poolvs split needs espeak-ng (Debian package espeak-ng)") from e
        return _read_line(f"{tmp}/line.wav", sr)


def _render_bank(engine: str, sr: int) -> list[np.ndarray]:
    rng = np.random.default_rng(BANK_SEED)
    if engine == "festival":
        return [say(text, voice, sr) for voice in VOICES for text in lines(rng, BANK_LINES)]
    return [say_espeak(text, voice, sr, pitch, pace) for voice in ESPEAK_VOICES
            for pitch, pace in [(int(rng.integers(20, 80)), int(rng.integers(130, 220)))]
            for text in lines(rng, BANK_LINES)]


def speech_bank(sr: int, cache_dir: str, engine: str = "festival") -> list[np.ndarray]:
    """BANK_LINES lines per voice (fixed text) of `engine` (festival or espeak), rendered on first use and kept in
    `cache_dir`."""
    path = f"{cache_dir}/speech_bank_{sr}.npz" if engine == "festival" else f"{cache_dir}/speech_bank_{engine}_{sr}.npz"
    if os.path.exists(path):
        with np.load(path) as z:
            return [z[k] for k in sorted(z.files)]
    bank = _render_bank(engine, sr)
    os.makedirs(cache_dir, exist_ok=True)
    tmp = f"{path}.{os.getpid()}.npz"  # several workers may render it at once: the last rename wins, whole
    np.savez(tmp, **{f"line{i:03d}": x for i, x in enumerate(bank)})
    os.replace(tmp, path)
    return bank


def speak(perf: Performance, n_samples: int, sr: int, rng: np.random.Generator, bank: list[np.ndarray]) -> np.ndarray:
    """Lines from `bank`, each starting on a bar line (a bar or two of rest now and then), `n_samples` long, peak 1.
    One voice per track; each line is pitched up or down by up to 2 semitones (as a resampling, so its pace moves too).
    """
    voice = int(rng.integers(max(1, len(bank) // BANK_LINES)))
    own = bank[voice * BANK_LINES:(voice + 1) * BANK_LINES] or bank
    bars = perf.downbeats
    out = np.zeros(n_samples)
    free_from = 0.0
    for t in bars:
        if t < free_from or rng.random() < 0.25:
            continue
        line = own[int(rng.integers(len(own)))]
        slower = int(round(100 * 2 ** (rng.uniform(-2, 2) / 12)))  # 100 -> slower: longer and lower
        line = resample_poly(line, 100, slower) * rng.uniform(0.6, 1.0)
        i = int(t * sr)
        j = min(n_samples, i + len(line))
        if i >= n_samples:
            break
        out[i:j] += line[: j - i]
        free_from = t + len(line) / sr
    peak = np.abs(out).max()
    return out / peak if peak > 0 else out

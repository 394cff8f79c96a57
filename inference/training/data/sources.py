"""Sample sources and the train/validation/test split of them.

Three kinds of drum source:
- soundfont kits: a GM soundfont + a bank-128 drum program (standard 0, room 8, power 16, electronic 24, TR-808 25,
  jazz 32, brush 40), or the AVL drum kits (one bank-0 preset each), rendered by fluidsynth;
- hydrogen kits: /usr/share/hydrogen/data/drumkits/*/drumkit.xml, played by our sampler (sampler.py);
- the procedural kit (synth_kit.py), a new random kit per track, in its own training split "synth", and its wide
  form (fat snares, broad-band hi-hats) in split "synthwide", and with the broad-band hi-hats alone in "synthhats";
- one-shot kits (oneshot.py), a new kit per track from single samples of LMMS and Sonic Pi, and hydrogen-data's
  own kits (GMRockKit, TR808EmulationKit): training sources of the "pool" split only; split "poolx" draws its
  one-shot kits also from freepats, exaDrums and STK (EXTRA_POOL_DIRS).
Held out for the test set (never used in training or validation): the whole TimGM6mb soundfont (its kits and its
melodic instruments) and the hydrogen kits "ForzeeStereo" and "Audiophob".
"""
from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

SF2 = "/usr/share/sounds/sf2"
SF3 = "/usr/share/sounds/sf3"
HYDROGEN = "/usr/share/hydrogen/data/drumkits"
# one-shot drum samples (LMMS, Sonic Pi), played as kits by oneshot.py
POOL_DIRS = ["/usr/share/lmms/samples/drums", "/usr/share/sonic-pi/samples"]
# more one-shots, for the "poolx" split only (so "pool" renders as before): freepats' GM drum kit (GUS patches),
# exaDrums' acoustic kit and STK's rawwaves (data/patches.py reads the two formats ffmpeg does not). Checked against
# the held-out sources (TimGM6mb, ForzeeStereo, Audiophob) by normalised cross-correlation: no snare, hi-hat, kick or
# cymbal is a copy (best 0.80, a copy scores about 1). Their toms are left out: a tom is a decaying near-sine whose
# match with the held-out toms (up to 0.96 over 70 ms) did not rule a copy out.
EXTRA_POOL_DIRS = ["/usr/share/midi/freepats/Drum_000", "/usr/share/exadrums", "/usr/share/stk/rawwaves"]

GM_KIT_PROGRAMS = [0, 8, 16, 24, 25, 32, 40]

# soundfont file -> split; the accompaniment of a track comes from a soundfont of the same split
SOUNDFONTS = {
    f"{SF2}/FluidR3_GM.sf2": "train",
    f"{SF3}/MuseScore_General_Full.sf3": "train",
    f"{SF2}/TimGM6mb.sf2": "test",
}
AVL_KITS = {f"{SF2}/Black_Pearl_4_LV2.sf2": "train", f"{SF2}/Red_Zeppelin_4_LV2.sf2": "train"}
HYDROGEN_TEST = {"ForzeeStereo", "Audiophob"}
# hydrogen-data's own kits: training kits, but only for the "pool" split (added after the other splits were fixed,
# so those render as before)
HYDROGEN_POOL = {"GMRockKit", "TR808EmulationKit"}
# the procedural kit drawing also from fat snares and broad-band hi-hats (synth_kit.py), or from the hats alone
WIDE_SYNTH = "synth:wide"
HATS_SYNTH = "synth:hats"
# kits of DrumSynth presets (LMMS's drumsynth folder, data/drumsynth.py), for the "dsynth" split
DRUMSYNTH_PRESETS = "/usr/share/lmms/samples/drumsynth"
# percussion-only kits with no drum-set lanes
HYDROGEN_SKIP = {"Gimme A Hand 1.0", "circAfrique v4"}


@dataclass(frozen=True)
class DrumSource:
    kind: str          # "sf" (fluidsynth), "hydrogen" (our sampler) or "synth" (synth_kit.py)
    name: str
    path: str          # soundfont file or kit folder
    program: int = 0   # drum program (sf only)
    bank: int = 128    # 128 = GM drum bank on the drum channel; 0 = AVL kits on a melodic channel
    split: str = "train"


def drum_sources() -> list[DrumSource]:
    """Every drum source on this machine with its split ('train' or 'test'); missing packages are skipped."""
    out: list[DrumSource] = []
    for path, split in SOUNDFONTS.items():
        if os.path.exists(path):
            base = os.path.basename(path).split(".")[0]
            out += [DrumSource("sf", f"{base}:{p}", path, p, 128, split) for p in GM_KIT_PROGRAMS]
    for path, split in AVL_KITS.items():
        if os.path.exists(path):
            out.append(DrumSource("sf", os.path.basename(path).split(".")[0], path, 0, 0, split))
    out.append(DrumSource("synth", "synth", "", split="synth"))  # a new procedural kit per track (synth_kit.py)
    out.append(DrumSource("synth", WIDE_SYNTH, "", split="synthwide"))
    out.append(DrumSource("synth", HATS_SYNTH, "", split="synthhats"))
    if any(os.path.isdir(d) for d in POOL_DIRS):  # a new kit of one-shot samples per track (oneshot.py)
        out.append(DrumSource("oneshot", "oneshot", "", split="pool"))
    if os.path.isdir(DRUMSYNTH_PRESETS):  # a new kit of rendered presets per track
        out.append(DrumSource("drumsynth", "drumsynth", DRUMSYNTH_PRESETS, split="dsynth"))
    if os.path.isdir(HYDROGEN):
        for kit in sorted(os.listdir(HYDROGEN)):
            if kit in HYDROGEN_SKIP or not os.path.exists(f"{HYDROGEN}/{kit}/drumkit.xml"):
                continue
            split = "test" if kit in HYDROGEN_TEST else "pool" if kit in HYDROGEN_POOL else "train"
            out.append(DrumSource("hydrogen", f"hydrogen:{kit}", f"{HYDROGEN}/{kit}", split=split))
    return out


def accompaniment_fonts(split: str) -> list[str]:
    """Soundfonts whose melodic instruments may accompany a track of `split` (validation uses the train fonts)."""
    want = "test" if split == "test" else "train"
    return [p for p, s in SOUNDFONTS.items() if s == want and os.path.exists(p)]


# Hydrogen instrument name -> GM key, by keywords. Order matters: the first rule that matches wins.
_NAME_RULES: list[tuple[str, int | None]] = [
    (r"rim click", 37),  # before "click" (a metronome click plays no lane)
    (r"clap|cowbell|conga|tamb|agogo|zap|fx|click|maraca|bongo|clave|wood|shaker|swish|choke|flink|roll|side oh|"
     r"side hh|crash/ride|semi", None),
    (r"\bstick\b|side stick|sidestick", 37),
    (r"snare.*rim|rimshot", 40),
    (r"snare|\bsd\b", 38),
    (r"kick|bass ?drum|\bbd\b", 36),
    (r"(hat|hh).*(pedal|\bpd\b|foot)|(pedal|foot).*(hat|hh)", 44),
    (r"(hat|hh).*(open|\bop\b|opened)|(open).*(hat|hh)", 46),
    (r"hat|\bhh\b", 42),
    (r"floor|\btom.*low|low.*\btom|\btom ?3", 43),
    (r"\btom.*mid|mid.*\btom|\btom ?2", 47),
    (r"\btom", 50),
    (r"ride.*(bell|cup)|bell", 53),
    (r"ride", 51),
    (r"china", 52),
    (r"splash", 55),
    (r"crash|cymbal", 49),
]


# (kit, instrument) whose name misleads the rules, checked on their samples. ForzeeStereo's "Stick" is two sticks
# clicked together (11 ms, spectral centroid 5 kHz), a count-in, not a side stick; its side stick is "Rim Click".
_INSTRUMENT_KEYS: dict[tuple[str, str], int | None] = {("ForzeeStereo", "Stick"): None}


def gm_key_for_instrument(name: str) -> int | None:
    """The GM key a hydrogen instrument stands for, or None when it plays no drum-set lane."""
    n = name.lower()
    n = re.sub(r"^[a-g]#?\d+ - ", "", n)  # rumpf kit names start with the MIDI note name
    for pattern, key in _NAME_RULES:
        if re.search(pattern, n):
            return key
    return None


@dataclass
class Layer:
    file: str
    lo: float   # velocity range 0..1
    hi: float
    gain: float


@dataclass
class Instrument:
    name: str
    key: int
    gain: float
    layers: list[Layer]


def _text(el: ET.Element, tag: str, default: str = "") -> str:
    child = el.find(tag)
    return child.text.strip() if child is not None and child.text else default


def parse_hydrogen_kit(folder: str) -> list[Instrument]:
    """Instruments of a hydrogen drumkit.xml that map to a GM key, with their velocity layers."""
    root = ET.parse(f"{folder}/drumkit.xml").getroot()
    for el in root.iter():  # drop the XML namespace so tags read plainly
        el.tag = el.tag.split("}")[-1]
    out = []
    for inst in root.iter("instrument"):
        name = _text(inst, "name")
        key = _INSTRUMENT_KEYS.get((os.path.basename(folder), name), gm_key_for_instrument(name))
        if key is None or _text(inst, "isMuted") == "true":
            continue
        layers = [Layer(_text(l, "filename"), float(_text(l, "min", "0")), float(_text(l, "max", "1")),
                        float(_text(l, "gain", "1"))) for l in inst.iter("layer")]
        if not layers and _text(inst, "filename"):
            layers = [Layer(_text(inst, "filename"), 0.0, 1.0, 1.0)]
        layers = [l for l in layers if l.file and os.path.exists(f"{folder}/{l.file}")]
        if layers:
            gain = float(_text(inst, "volume", "1")) * float(_text(inst, "gain", "1"))
            out.append(Instrument(name, key, gain, layers))
    return out

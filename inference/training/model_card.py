"""Writes inference/models/MODEL_CARD.md from the measured results of a run.sh run (nothing is typed by hand):
.cache/eval_test.json and .cache/eval_testv.json (eval:transcription, the second with --split testv), .cache/runs/<name>_history.json (training), .cache/timings.tsv
(step wall times), .cache/bench.json (bench:transcribe), the data indexes and the manifest.
Figures the cache lacks (a refresh after a fresh checkout has the evaluation and the benchmark, not the training
logs or the data indexes) are carried over from the existing card of the same weights (name and checksum) and marked as such.
Usage: python3 model_card.py MODEL_NAME CACHE_DIR"""
from __future__ import annotations

import json
import os
import sys
from collections import Counter

from data.drumsynth import preset_pool
from data.oneshot import pool as oneshot_pool
from data.sources import HYDROGEN_TEST, SOUNDFONTS, drum_sources

MODELS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models")
TARGETS = {"kick F": 0.95, "snare F": 0.90, "hi-hat (all) F": 0.85, "beat F": 0.90, "tempo Acc1": 0.90}
EVAL_SPLITS = ("val", "bars", "test")  # measured on whatever model is scored; the other splits are training data
LANE_ROWS = ["kick", "snare", "hihat_closed", "hihat_open", "hihat_pedal", "hihat_all", "tom_high", "tom_mid",
             "tom_floor", "crash", "ride"]


def _read(path: str) -> str:
    """The file's text, or "" when there is none."""
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        return f.read()


def _load(path: str):
    text = _read(path)
    return json.loads(text) if text else None


def _without_ghosts(lane: dict, key: str = "fWithoutGhosts") -> str:
    """A lane's F with ghost notes as don't-care (`key` "fWithoutInaudible": only those not in the audio), where it
    has ghost notes and the report gives it."""
    return f"{lane[key]:.3f}" if lane.get("ghosts") and lane.get(key) is not None else "-"


def _inaudible(lane: dict) -> str:
    """A lane's inaudible ghost notes and its F with them as don't-care, where the test set measured them."""
    return f"{lane['inaudible']} | {_without_ghosts(lane, 'fWithoutInaudible')}" if lane.get("ghosts") and \
        lane.get("fWithoutInaudible") is not None else "- | -"


def _source_table(by_source: dict) -> list[str]:
    rows = ["| source | tracks | kick F | snare F | snare F, ghost notes don't-care | snare F, inaudible ghost notes "
            "don't-care | hi-hat (all) F | beat F | downbeat F |", "|---|---|---|---|---|---|---|---|---|"]
    for source, r in by_source.items():
        snare = r["lanes"]["snare"]
        rows.append(f"| {source} | {r['tracks']} | {r['lanes']['kick']['f']:.3f} | {snare['f']:.3f} | "
                    f"{_without_ghosts(snare)} | {_without_ghosts(snare, 'fWithoutInaudible')} | "
                    f"{r['lanes']['hihat_all']['f']:.3f} | {r['beatF']:.3f} | {r['downbeatF']:.3f} |")
    return rows


def _eval_table(ev: dict, name: str, baseline: str) -> list[str]:
    a, b = ev["reports"][name], ev["reports"].get(baseline)
    rows = [f"| lane | F ({name}) | P | R | onsets | ghost notes (vel < 50) | ghost recall | F, ghost notes "
            f"don't-care | inaudible ghost notes | F, those don't-care | F ({baseline}) |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for lane in LANE_ROWS:
        s = a["lanes"][lane]
        fb = f"{b['lanes'][lane]['f']:.3f}" if b else "-"
        ghosts = (f"{s['ghosts']} | {s['ghostRecall']:.3f}" if s.get("ghosts") else "0 | -") if "ghosts" in s else "- | -"
        rows.append(f"| {lane} | **{s['f']:.3f}** | {s['precision']:.3f} | {s['recall']:.3f} | {s['support']} | "
                    f"{ghosts} | {_without_ghosts(s)} | {_inaudible(s)} | {fb} |")
    for key, label in (("beatF", "beat F (+-70 ms)"), ("downbeatF", "downbeat F"), ("acc1", "tempo Acc1"),
                       ("acc2", "tempo Acc2"), ("acc1InRange", "tempo Acc1, tracks inside the tracker's tempo range")):
        if key in a:
            rows.append(f"| {label} | **{a[key]:.3f}** | | | | | | | | | {b[key]:.3f} |" if b else f"| {label} | {a[key]:.3f} |")
    return rows


def _voice_table(voiced: dict, plain: dict | None, name: str) -> list[str]:
    """The main figures on `testv` (the test set's tracks with a held-out voice over the band) next to the plain
    test set's, for the model and its baseline."""
    rows = ["", "### With a voice over the band (`--split testv`)", "",
            "The test set's tracks again with a voice over every band track (the drum-only tracks unchanged): one of "
            "festival's two speakers, made from recordings of people and never heard in training (`data/speech.py`), "
            "reading lines on the bar lines at -6..+6 dB against the band. Real full mixes nearly all have vocals, "
            "whose consonants sound like hi-hats and snares.", "",
            "| model | kick F | snare F | hi-hat (all) F | ride F | beat F | downbeat F |", "|---|---|---|---|---|---|---|"]
    for model, r in voiced["reports"].items():
        for label, rep in (("test", (plain or {}).get("reports", {}).get(model)), ("testv", r)):
            if rep:
                f = lambda lane: f"{rep['lanes'][lane]['f']:.3f}"
                rows.append(f"| {model}{' (no voice)' if label == 'test' else ''} | {f('kick')} | {f('snare')} | "
                            f"{f('hihat_all')} | {f('ride')} | {rep['beatF']:.3f} | {rep['downbeatF']:.3f} |")
    return rows if name in voiced["reports"] else []


# Stages trained by earlier runs of this recipe whose logs are not in this run's cache (the figures their own runs
# measured; the card of each run is in the git history of this file's output)
# model -> (the model it continued from, what its run measured)
EARLIER_RUNS = {
    "drum_transcriber_v2": (None, "11 epochs in 87.5 min, lr 0.002, random EQ on 50 % of the crops, 96 channels, "
                                  "splits train, synth"),
    "drum_transcriber_v3": ("drum_transcriber_v2", "9 epochs in 119.7 min, lr 0.001, random EQ on 80 % of the crops, "
                                                   "ghost notes' loss weight 2, 96 channels, splits train, synth, kitmix"),
    "drum_transcriber_v4": ("drum_transcriber_v3", "12 epochs in 119.2 min, lr 0.001, random EQ on 80 % of the crops, "
                                                   "ghost notes' loss weight 2, 128 channels, splits train, synth, "
                                                   "kitmix, kitfx, pool"),
}


def _stage_chain(name: str, cache: str) -> list[tuple[str, dict | None]]:
    """(model, training history or None) from the first stage to `name`, following each run's --init."""
    chain, current = [], name
    while current:
        hist = _load(f"{cache}/runs/{current}_history.json")
        chain.insert(0, (current, hist))
        if hist:
            init = hist["args"].get("init")
            current = os.path.basename(init).removesuffix(".onnx") if init else None
        else:
            current = EARLIER_RUNS.get(current, (None, ""))[0]
    return chain


def _layers(combo: dict | None, manifest: dict) -> tuple[str, list[tuple[str, dict]]]:
    """A combination as (its first base, [(donor, its shares)] in the order they were added): a base that is
    itself a combination (combine.py takes one) is unfolded through its manifest entry."""
    if not combo:
        return "", []
    base_entry = next((m for m in manifest["models"] if m["name"] == combo["base"]), {})
    base, donors = _layers(base_entry.get("combines"), manifest)
    return base or combo["base"], donors + [(combo["donor"], combo["donorShare"])]


def _combination(combo: dict | None, manifest: dict) -> list[str]:
    """How a combined model (combine.py) takes each label from its trained models."""
    if not combo:
        return []
    base, donors = _layers(combo, manifest)
    share = lambda l, v: f"`{l}`" + ("" if v == 1 else f" ({v:.0%} of it)")
    parts = "; then ".join(", ".join(share(l, v) for l, v in shares.items()) + f" from `{donor}`"
                           for donor, shares in donors)
    count = {2: "two", 3: "three", 4: "four"}.get(len(donors) + 1, str(len(donors) + 1))
    runs = "both (twice the model stage)" if count == "two" else f"all {count} ({count} times the model stage)"
    return [f"- {count.capitalize()} trained models in one graph (`combine.py`): every label's activation is `{base}`'s"
            f" except {parts} (the last of them is the last stage below), so each lane comes from the model that does"
            f" it best; the graph runs {runs}."]


def _training(name: str, hist: dict | None, cache: str) -> list[str]:
    chain = _stage_chain(name, cache)
    lines = [f"- {len(chain)} stages: " + " -> ".join(f"`{n}`" for n, _ in chain) + "; the first from random weights,"
             " each next one continues from the one before (`train.py --init`: its weights, BatchNorms refitted on"
             " training crops; a wider model takes them as its leading channels, its new channels start at zero"
             " effect) with its own seed."]
    for i, (n, h) in enumerate(chain, 1):
        if h is None:
            lines.append(f"- Stage {i} (`{n}`): trained by an earlier run of this recipe: {EARLIER_RUNS.get(n, (None, '?'))[1]}.")
            continue
        a = h["args"]
        lines.append(f"- Stage {i} (`{n}`): {len(h['history'])} epochs in {h['minutes']:.1f} min, lr {a['lr']}, random"
                     f" EQ on {a.get('eq', 0.5):.0%} of the crops, ghost notes' loss weight {a.get('ghost_weight', 1.0)}"
                     + (" (those measured inaudible: 0)" if a.get("skip_inaudible_ghosts") else "") + ","
                     f" {a.get('hidden', 64)} channels (front {a.get('front', 16)}), splits {a.get('splits', '')}.")
    if hist:
        a = hist["args"]
        best = max(hist["history"], key=lambda h: sum(h["val"][k] for k in ("kick", "snare", "hihat_closed", "beat")))
        lines += [f"- Last stage on this 2-core CPU (torch {a['threads']} threads): crops {a['crop']} frames x batch"
                  f" {a['batch']}, AdamW, lr {a['lr']} with warm-up and cosine decay, weighted BCE, targets widened"
                  f" +-1 frame (0.5), seed {a['seed']}.",
                  f"- Best validation epoch {best['epoch']} (quick picker, each label at its best threshold): "
                  + ", ".join(f"{k} {v:.3f}" for k, v in best["val"].items()) + "."]
        last = hist["history"][-1]
        if last is not best:  # run.sh exports the last stage's last (annealed) epoch: CHECKPOINT=_last
            lines.append(f"- Last epoch {last['epoch']}, the one run.sh exports for this stage (`CHECKPOINT=_last`): "
                         + ", ".join(f"{k} {v:.3f}" for k, v in last["val"].items()) + ".")
    return lines


def _section(card: str, heading: str) -> list[str] | None:
    """The lines of `card`'s section whose heading starts with `heading`, up to the next section (or None)."""
    lines = card.splitlines()
    start = next((i for i, l in enumerate(lines) if l.startswith(heading)), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _card_of(name: str, sha256: str, card: str | None) -> str | None:
    """`card` when it describes these very weights (name and checksum), else None: figures are only ever carried
    for the model they were measured on."""
    same = card and card.startswith(f"# Model card: {name} ") and f"sha256 `{sha256}`" in card
    return card if same else None


def _marked(line: str) -> str:
    """`line` marked as carried, once however many refreshes it went through."""
    return line.removesuffix(" (carried)") + " (carried)"


def _carry(previous: str | None, heading: str, carried: list[str], what: str) -> list[str]:
    """`previous`'s section under `heading`, marked carried (noted in `carried` as `what`), or nothing."""
    old = _section(previous, heading) if previous else None
    if not old:
        return []
    carried.append(what)
    return ["", _marked(old[0])] + old[1:]


def _note_filter(file: str) -> list[str]:
    """The card's line on a model's note filter: which lanes it filters, which of them read the bar features."""
    lanes = _load(os.path.join(MODELS, file))["lanes"]
    bars = [l for l, f in lanes.items() if f.get("bars")]
    return [f"- Note filter `{file}` (`inference/src/pipeline/note_filter.ts`): lanes "
            + ", ".join(f"`{l}`" for l in lanes)
            + " are picked at a low floor, then each peak is kept by a logistic model over its own activation and"
              " the other columns around it"
            + (" (" + ", ".join(f"`{l}`" for l in bars) + " also over the same lane at the same bar position one and"
               " two bars before and after, on the tracked beats: grooves repeat)" if bars else "")
            + "; fitted on the `bars` split, kept per lane only where it beat the plain threshold on validation."]


def render_card(name: str, cache: str, previous: str | None = None) -> str:
    """The card of `name` from the measurements in `cache`; what the cache lacks comes from `previous` (the
    existing card) when that card is of the same weights."""
    manifest = _load(os.path.join(MODELS, "manifest.json"))
    entry = next(m for m in manifest["models"] if m["name"] == name)
    previous = _card_of(name, entry["sha256"], previous)
    carried: list[str] = []
    carried_splits: list[str] = []
    ev = _load(f"{cache}/eval_test.json")
    combo = entry.get("combines")
    trained = combo["donor"] if combo else name  # the model this run trained (a combination's donor)
    hist = _load(f"{cache}/runs/{trained}_history.json")
    bench = _load(f"{cache}/bench.json")
    timings = [l.split("\t") for l in _read(f"{cache}/timings.tsv").splitlines()]
    idx = {s: _load(f"{cache}/data/{s}/index.json") for s in ("train", "synth", "kitmix", "kitfx", "pool", "poolvs", "dsynth", "val", "bars", "test")}
    size = os.path.getsize(os.path.join(MODELS, entry["file"]))
    train_src = sorted({s.name for s in drum_sources() if s.split in ("train", "pool", "dsynth")})
    shots, presets = oneshot_pool(), preset_pool()
    lines = [
        f"# Model card: {name} {entry['version']}",
        "",
        "Generated by `inference/training/model_card.py` from measured results (`inference/training/run.sh` writes it",
        "at the end of every run); every figure below is measured, none is typed by hand.",
        "",
        "## What it is",
        f"- Drum transcription + beat model: 2-D conv front over (time x {entry['frontend']['bands']} mel bands), dilated",
        "  temporal conv stack, sigmoid outputs per frame for "
        + ", ".join(f"`{l}`" for l in entry["labels"]) + ".",
        *_combination(combo, manifest),
        f"- Input `features` [1, T, {entry['frontend']['bands']}] from `inference/src/pipeline/features.ts` with the "
        f"manifest front end ({entry['frontend']['sampleRate']} Hz, frame {entry['frontend']['frameSize']}, hop "
        f"{entry['frontend']['hopSize']}, {entry['fps']:.2f} fps); output `activations` [1, T, {len(entry['labels'])}].",
        f"- ONNX opset 13, dynamic time axis, {size / 1024:.0f} KiB, sha256 `{entry['sha256']}`.",
        f"- Per-lane peak thresholds (tuned on the validation split, stored in the manifest entry `thresholds`): "
        f"`{json.dumps(entry.get('thresholds', {}))}`.",
        *([f"- Downbeat stage `{entry['bars']}` (`inference/src/pipeline/bars.ts`): a logistic model over each beat's "
           "activations and the fills before it, +-8 beats around it, fitted on the `bars` split (training kits, "
           "another seed) and decoded into bars and meter by a Viterbi pass over (beats per bar, position)."]
          if entry.get("bars") else []),
        *(_note_filter(entry["noteFilter"]) if entry.get("noteFilter") else []),
        f"- Manifest default: `{manifest['default']}`.",
        "",
        "## Data (all generated here, nothing downloaded)",
        "- Procedural performances (`data/performance.py`, `data/styles.py`): rock, pop, funk, jazz swing, shuffle,",
        "  blues, reggae, hip hop, metal (double kick), punk, latin, ballad; 4/4, 3/4, 6/8, 5/4, 7/8; tempos 50-250",
        "  bpm; fills, ghost notes, flams, accents, open/closed/pedal hi-hat, ride vs crash, three toms, humanized",
        "  timing and velocity, tempo drift, tempo changes.",
        "- Drums rendered with fluidsynth from GM soundfonts (bank 128 kits 0, 8, 16, 24, 25, 32, 40), the AVL drum",
        "  kits (avldrums.lv2 soundfonts), hydrogen kits through our velocity-layer sampler (`data/sampler.py`), and",
        "  (split `synth`) procedural kits (`data/synth_kit.py`): a new random kit per track (tunings, decays, noise",
        "  colours, click, drive), so the model hears far more drum timbres than the sampled kits offer; and (split",
        "  `kitmix`) tracks whose lane groups (kick, snare, hi-hats, toms, cymbals) each draw their own training",
        "  source, so every instrument is heard next to many others rather than inside its own kit only; (split",
        "  `kitfx`) the same with each lane group through its own EQ, room and compressor; (split `pool`) the same",
        "  drawing also from one-shot kits (`data/oneshot.py`: a new kit per track from LMMS's and Sonic Pi's single",
        f"  drum samples, {len(shots.get(36, []))} kicks and {len(shots.get(38, []))} snares among them) and"
        " hydrogen-data's GMRockKit and TR808EmulationKit; (split `dsynth`, the last stage) kits of LMMS's DrumSynth"
        " presets (`data/drumsynth.py`: drum machines, electronic kits, jazz and brush snares rendered from their"
        f" parameters, {len(presets.get(36, []))} kicks and {len(presets.get(38, []))} snares among them), half the"
        " tracks one such kit, half kit mixes where each lane group is a DrumSynth kit's or the pool's.",
        "- Accompaniment (bass, keys, guitar, strings, pads) from the same split's soundfonts following the chords and",
        "  tempo; about 30 % of tracks drum-only; drum-to-accompaniment level -8..+12 dB. Split `poolvs` (the last",
        "  stage) plays the pool's tracks with a voice over 85 % of their band tracks, -6..+6 dB against the band: a",
        "  procedural singer (`data/voice.py`: a sung line over the chords, hissed and burst consonants, breaths) or",
        "  an espeak-ng speaker (`data/speech.py`), at even odds; a voice's consonants sound like hi-hats and snares.",
        "- Augmentation (`data/augment.py`): EQ, compression, generated-IR reverb, distortion, noise, MP3/AAC round",
        "  trip, gain, +-4 % speed (pitch and time together, labels moved); during training, a share of the crops",
        "  (see Training) pass a random smooth EQ curve and gain on the features (`train.py` random_eq), new on every",
        "  epoch.",
        f"- Training sources ({len(train_src)}): " + ", ".join(train_src) + ".",
        "- **Held out (test set only):** the whole soundfont(s) "
        + ", ".join(os.path.basename(p) for p, s in SOUNDFONTS.items() if s == "test")
        + " (drums and accompaniment) and the hydrogen kits " + ", ".join(sorted(HYDROGEN_TEST)) + ".",
    ]
    for split, d in idx.items():
        # without this model's training log, a training split in the cache may be another run's data
        if previous and not hist and split not in EVAL_SPLITS:
            d = None
        if d:
            styles = Counter(t["style"] for t in d["tracks"])
            secs = sum(t["durationSec"] for t in d["tracks"])
            lines.append(f"- {split}: {len(d['tracks'])} tracks, {secs / 60:.0f} min (seed {d['seed']}); styles "
                         + ", ".join(f"{k} {v}" for k, v in sorted(styles.items())) + ".")
        elif previous:
            old = next((l for l in previous.splitlines() if l.startswith(f"- {split}: ")), None)
            if old:
                lines.append(_marked(old))
                carried_splits.append(split)
    if carried_splits:
        carried.append("the sizes of splits " + ", ".join(carried_splits))
    old_training = [] if hist else _carry(previous, "## Training", carried, "the training logs")
    lines += old_training or ["", "## Training"] + _training(trained, hist, cache)
    if timings:
        lines += ["", "## Step times of the last run (seconds, this 2-core machine shared with other work; `.cache/timings.tsv`)", "",
                  "| step | s |", "|---|---|"] + [f"| {a} | {b} |" for a, b in timings]
    else:
        lines += _carry(previous, "## Step times", carried, "the step times")
    if not ev:
        lines += _carry(previous, "## Evaluation", carried, "the evaluation")
    else:
        lines += ["", "## Evaluation (held-out synthetic test set, `deno task eval:transcription`)", ""]
        base = next((k for k in ev["reports"] if k != name), "")
        lines += [f"{ev['reports'][name]['tracks']} tracks; onsets +-50 ms pooled over tracks; beat F +-70 ms mean"
                  " over tracks; tempo within 4 %. A ghost note is inaudible when the test track rendered again with"
                  " its ghost notes at velocity 1 (the same random draws) changes no log-mel band by 0.05 (about"
                  " 1 dB) within 35 ms of it (`data/audibility.py`): under a full band it is not in the audio.", ""]
        lines += _eval_table(ev, name, base)
        if ev.get("bySource", {}).get(name):
            lines += ["", "### Per drum source (where the errors are)", ""] + _source_table(ev["bySource"][name])
        voiced = _load(f"{cache}/eval_testv.json")
        lines += _voice_table(voiced, ev, name) if voiced else []
        r = ev["reports"][name]
        got = {"kick F": r["lanes"]["kick"]["f"], "snare F": r["lanes"]["snare"]["f"],
               "hi-hat (all) F": r["lanes"]["hihat_all"]["f"], "beat F": r["beatF"], "tempo Acc1": r["acc1"]}
        lines += ["", "### Against the issue's targets", "", "| figure | target | measured | met |", "|---|---|---|---|"]
        lines += [f"| {k} | {TARGETS[k]:.2f} | {v:.3f} | {'yes' if v >= TARGETS[k] else 'no'} |" for k, v in got.items()]
    if not bench:
        lines += _carry(previous, "## Speed", carried, "the benchmark")
    else:
        lines += ["", "## Speed (`deno task bench:transcribe`, 4-minute song, median of runs)", "",
                  f"- model {bench['model']}: " + ", ".join(f"{k} {v} ms ({bench['realtimeFactor'][k]}x)"
                                                           for k, v in bench["medianMs"].items()) + ".",
                  f"- peak memory (VmHWM) {bench['peakRssMiB']} MiB."]
    lines += ["", "## Limits", "- Judged here only on synthetic renders; real recordings differ (room sound, bleed,",
              "  mixing). The held-out kits measure generalisation to unseen samples, not to real mixes; `testv`",
              "  measures one part of a real mix the other splits lack, a voice, with speakers training never heard.",
              "- Downbeats: the network sees about +-1.5 s, less than a slow bar, so beat 1 and beat 3 of a groove that",
              "  repeats every half bar look alike to it; the downbeat stage reads +-8 beats (fills, crashes), but a song",
              "  with neither can still come out shifted by two beats, and 6/8 (two beats per bar) mostly reads as four",
              "  (see inference/training/EXPERIMENTS.md).", ""]
    if carried:
        lines.insert(4, "Measured again from a cache that lacked " + "; ".join(carried) + ": those, marked carried, are"
                        " the figures of the run that trained the model; the rest is this run's.")
    return "\n".join(lines)


def main(name: str, cache: str) -> None:
    path = os.path.join(MODELS, "MODEL_CARD.md")
    card = render_card(name, cache, _read(path) or None)
    with open(path, "w") as f:
        f.write(card)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])

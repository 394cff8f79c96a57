"""model_card.py writes what the cache measured and carries, marked, only what the cache lacks from the card of the
same weights. Run from inference/training: /usr/bin/python3 -m unittest tests.test_model_card"""
from __future__ import annotations

import json
import os
import tempfile
import unittest

import model_card
from model_card import MODELS, render_card

with open(os.path.join(MODELS, "manifest.json")) as f:
    MANIFEST = json.load(f)
NAME = MANIFEST["default"]
SHA = next(m["sha256"] for m in MANIFEST["models"] if m["name"] == NAME)
LANES = ["kick", "snare", "hihat_closed", "hihat_open", "hihat_pedal", "hihat_all", "tom_high", "tom_mid",
         "tom_floor", "crash", "ride"]
PREVIOUS = f"""# Model card: {NAME} 0.9.0

## What it is
- ONNX opset 13, dynamic time axis, 1500 KiB, sha256 `{SHA}`.

## Data (all generated here, nothing downloaded)
- train: 3000 tracks, 1355 min (seed 1); styles rock 3000.
- test: 64 tracks, 29 min (seed 3); styles rock 64.

## Training
- Stage 3: 12 epochs in 119.2 min.

## Step times of the last run.sh (seconds, this 2-core machine shared with other work)

| step | s |
|---|---|
| train | 7153 |

## Evaluation (held-out synthetic test set, `deno task eval:transcription`)

| kick | **0.111** |

## Speed (`deno task bench:transcribe`, 4-minute song, median of runs)

- model old: total 999 ms (1x).

## Limits
- old limits
"""


def _report(f: float) -> dict:
    lane = {"f": f, "precision": f, "recall": f, "support": 10}
    return {"tracks": 2, "lanes": {l: dict(lane) for l in LANES}, "beatF": 0.98, "downbeatF": 0.9, "acc1": 0.95,
            "acc2": 1.0}


def _write(path: str, obj: dict) -> None:
    with open(path, "w") as f:
        json.dump(obj, f)


class CarriedFigures(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.cache = tmp.name
        _write(f"{self.cache}/eval_test.json", {"reports": {NAME: _report(0.777)}})
        _write(f"{self.cache}/bench.json",
               {"model": NAME, "medianMs": {"total": 472}, "realtimeFactor": {"total": 508}, "peakRssMiB": 289})

    def test_new_measurements_replace_the_old_and_the_rest_is_carried_and_marked(self):
        card = render_card(NAME, self.cache, PREVIOUS)
        self.assertIn("| kick | **0.777** |", card)
        self.assertNotIn("0.111", card)
        self.assertIn("total 472 ms (508x)", card)
        self.assertNotIn("999 ms", card)
        self.assertIn("- train: 3000 tracks, 1355 min (seed 1); styles rock 3000. (carried)", card)
        self.assertIn("## Training (carried)\n- Stage 3: 12 epochs in 119.2 min.", card)
        self.assertIn("## Step times of the last run.sh (seconds, this 2-core machine shared with other work) (carried)",
                      card)
        self.assertIn("| train | 7153 |", card)
        self.assertIn("lacked the sizes of splits train, test; the training logs; the step times:", card)
        self.assertEqual(card.count("## Limits"), 1)

    def test_training_data_in_the_cache_is_not_taken_for_this_models_without_its_log(self):
        os.makedirs(f"{self.cache}/data/train")
        _write(f"{self.cache}/data/train/index.json",
               {"seed": 1, "tracks": [{"style": "funk", "durationSec": 24.0}] * 5})
        card = render_card(NAME, self.cache, PREVIOUS)
        self.assertIn("- train: 3000 tracks, 1355 min (seed 1); styles rock 3000. (carried)", card)
        self.assertNotIn("- train: 5 tracks", card)

    def test_the_voiced_pool_is_sized_and_its_voice_described_when_this_run_trained_on_it(self):
        os.makedirs(f"{self.cache}/data/poolvs")
        os.makedirs(f"{self.cache}/runs")
        _write(f"{self.cache}/data/poolvs/index.json",
               {"seed": 8, "tracks": [{"style": "funk", "durationSec": 24.0}] * 5})
        _write(f"{self.cache}/runs/{NAME}_history.json",
               {"args": {"lr": 0.0005, "threads": 2, "crop": 600, "batch": 12, "seed": 9345,
                         "splits": "train:1000,poolvs,dsynth"}, "minutes": 54.6,
                "history": [{"epoch": 0, "val": dict.fromkeys(("kick", "snare", "hihat_closed", "beat"), 0.9)}]})
        card = render_card(NAME, self.cache, PREVIOUS)
        self.assertIn("- poolvs: 5 tracks, 2 min (seed 8); styles funk 5.", card)
        self.assertIn("Split `poolvs` (the last\n  stage) plays the pool's tracks with a voice", card)

    def test_a_second_refresh_marks_once(self):
        card = render_card(NAME, self.cache, render_card(NAME, self.cache, PREVIOUS))
        self.assertIn("## Training (carried)\n", card)
        self.assertNotIn("(carried) (carried)", card)

    def test_nothing_is_carried_from_other_weights_of_the_same_name(self):
        card = render_card(NAME, self.cache, PREVIOUS.replace(SHA, "0" * 64))
        self.assertNotIn("carried", card)
        self.assertNotIn("7153", card)

    def test_nothing_is_carried_from_another_models_card(self):
        card = render_card(NAME, self.cache, PREVIOUS.replace(f"# Model card: {NAME} ", "# Model card: other_model "))
        self.assertNotIn("carried", card)
        self.assertNotIn("7153", card)
        self.assertIn("## Training\n", card)


class EvaluationTable(unittest.TestCase):
    def test_a_lane_with_ghost_notes_shows_their_recall_and_its_f_with_them_as_dont_care(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        report = _report(0.8)
        report["lanes"]["snare"].update(ghosts=5, ghostRecall=0.2, fWithoutGhosts=0.9)
        _write(f"{tmp.name}/eval_test.json", {"reports": {NAME: report}})
        card = render_card(NAME, tmp.name)
        self.assertIn("| snare | **0.800** | 0.800 | 0.800 | 10 | 5 | 0.200 | 0.900 | - | - | - |", card)
        self.assertIn("| kick | **0.800** | 0.800 | 0.800 | 10 | - | - | - | - | - | - |", card)
        report["lanes"]["snare"].update(inaudible=2, fWithoutInaudible=0.85)  # a set that measured audibility
        _write(f"{tmp.name}/eval_test.json", {"reports": {NAME: report}})
        card = render_card(NAME, tmp.name)
        self.assertIn("| snare | **0.800** | 0.800 | 0.800 | 10 | 5 | 0.200 | 0.900 | 2 | 0.850 | - |", card)

    def test_the_source_table_gives_each_kits_snare_with_ghost_notes_as_dont_care(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        kit = _report(0.7)
        kit["lanes"]["snare"].update(ghosts=3, ghostRecall=0.0, fWithoutGhosts=0.95, inaudible=1, fWithoutInaudible=0.8)
        _write(f"{tmp.name}/eval_test.json", {"reports": {NAME: _report(0.8)}, "bySource": {NAME: {"kitA": kit}}})
        card = render_card(NAME, tmp.name)
        self.assertIn("| kitA | 2 | 0.700 | 0.700 | 0.950 | 0.800 | 0.700 | 0.980 | 0.900 |", card)

    def test_the_voice_table_puts_each_models_testv_figures_under_its_plain_ones(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        _write(f"{tmp.name}/eval_test.json", {"reports": {NAME: _report(0.8), "base": _report(0.7)}})
        self.assertNotIn("--split testv", render_card(NAME, tmp.name))  # no testv measured: no table
        _write(f"{tmp.name}/eval_testv.json", {"reports": {NAME: _report(0.75), "base": _report(0.6)}})
        card = render_card(NAME, tmp.name)
        self.assertIn(f"| {NAME} (no voice) | 0.800 | 0.800 | 0.800 | 0.800 | 0.980 | 0.900 |\n"
                      f"| {NAME} | 0.750 | 0.750 | 0.750 | 0.750 | 0.980 | 0.900 |\n"
                      "| base (no voice) | 0.700 |", card)
        self.assertIn("| base | 0.600 |", card)


class NoteFilterLine(unittest.TestCase):
    def test_the_note_filter_line_names_its_lanes_and_those_reading_the_bars(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        lane = {"mean": [0], "std": [1], "weights": [1], "bias": 0, "threshold": 0.5}
        _write(f"{tmp.name}/f.notes.json", {"labels": ["kick", "snare"], "floor": 0.3,
                                            "lanes": {"kick": dict(lane, bars=True), "snare": lane}})
        old, model_card.MODELS = model_card.MODELS, tmp.name
        try:
            [line] = model_card._note_filter("f.notes.json")
        finally:
            model_card.MODELS = old
        self.assertIn("lanes `kick`, `snare` are picked at a low floor", line)
        self.assertIn("(`kick` also over the same lane at the same bar position", line)
        _write(f"{tmp.name}/g.notes.json", {"labels": ["kick", "snare"], "floor": 0.3, "lanes": {"snare": lane}})
        model_card.MODELS = tmp.name
        try:
            [line] = model_card._note_filter("g.notes.json")
        finally:
            model_card.MODELS = old
        self.assertNotIn("bar position", line)


class CombinedModel(unittest.TestCase):
    def test_a_combined_model_names_its_parts_and_its_training_is_the_donors(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        models, cache = f"{tmp.name}/models", f"{tmp.name}/cache"
        os.makedirs(models)
        os.makedirs(f"{cache}/runs")
        entry = dict(next(m for m in MANIFEST["models"] if m["name"] == NAME), name="mix", file="mix.onnx",
                     combines={"base": "drum_transcriber_v4", "donor": "kicks", "donorShare": {"kick": 1.0, "beat": 0.5}})
        entry.pop("noteFilter", None)
        _write(f"{models}/manifest.json", {"models": [entry], "default": "mix"})
        _write(f"{models}/mix.onnx", {})
        args = {"init": "../models/drum_transcriber_v4.onnx", "lr": 0.0005, "eq": 0.8, "ghost_weight": 2, "hidden": 128,
                "front": 16, "splits": "train,rumble,groove", "threads": 2, "crop": 600, "batch": 12, "seed": 9123}
        val = {k: 0.9 for k in ("kick", "snare", "hihat_closed", "beat")}
        _write(f"{cache}/runs/kicks_history.json",
               {"args": args, "minutes": 45.6, "history": [{"epoch": 0, "val": val}]})
        old, model_card.MODELS = model_card.MODELS, models
        try:
            card = render_card("mix", cache)
        finally:
            model_card.MODELS = old
        self.assertIn("every label's activation is `drum_transcriber_v4`'s except `kick`, `beat` (50% of it) from"
                      " `kicks`", card)
        self.assertIn("- 4 stages: `drum_transcriber_v2` -> `drum_transcriber_v3` -> `drum_transcriber_v4` -> `kicks`",
                      card)
        self.assertIn("the graph runs both (twice the model stage)", card)
        self.assertIn("- Stage 3 (`drum_transcriber_v4`): trained by an earlier run of this recipe: 12 epochs", card)
        self.assertIn("- Stage 4 (`kicks`): 1 epochs in 45.6 min, lr 0.0005", card)

    def test_the_last_epoch_is_named_next_to_the_best_when_they_differ(self):
        with tempfile.TemporaryDirectory() as cache:
            os.makedirs(f"{cache}/runs")
            args = {"init": "../models/drum_transcriber_v4.onnx", "lr": 0.0005, "threads": 2, "crop": 600,
                    "batch": 12, "seed": 9345}
            good, flat = ({k: v for k in ("kick", "snare", "hihat_closed", "beat")} for v in (0.95, 0.9))
            hist = {"args": args, "minutes": 51.2, "history": [{"epoch": 0, "val": good}, {"epoch": 1, "val": flat}]}
            _write(f"{cache}/runs/tuned_history.json", hist)
            text = "\n".join(model_card._training("tuned", hist, cache))
            self.assertIn("- Best validation epoch 0 (quick picker, each label at its best threshold): kick 0.950",
                          text)
            self.assertIn("- Last epoch 1, the one run.sh exports for this stage (`CHECKPOINT=_last`): kick 0.900",
                          text)
            hist["history"] = hist["history"][:1]
            self.assertNotIn("Last epoch", "\n".join(model_card._training("tuned", hist, cache)))
            self.assertNotIn("measured inaudible", text)
            args.update(ghost_weight=2, skip_inaudible_ghosts=True)
            _write(f"{cache}/runs/tuned_history.json", hist)
            self.assertIn("ghost notes' loss weight 2 (those measured inaudible: 0), 64 channels",
                          "\n".join(model_card._training("tuned", hist, cache)))

    def test_a_combination_built_on_a_combination_names_every_donor_in_order(self):
        manifest = {"models": [{"name": "mix", "combines": {"base": "v4", "donor": "kicks", "donorShare": {"kick": 1.0}}},
                               {"name": "mix2", "combines": {"base": "mix", "donor": "snares",
                                                             "donorShare": {"snare": 0.5}}}]}
        self.assertEqual(model_card._combination(manifest["models"][1]["combines"], manifest),
                         ["- Three trained models in one graph (`combine.py`): every label's activation is `v4`'s except"
                          " `kick` from `kicks`; then `snare` (50% of it) from `snares` (the last of them is the last"
                          " stage below), so each lane comes from the model that does it best; the graph runs all three"
                          " (three times the model stage)."])


if __name__ == "__main__":
    unittest.main()

"""combine.py must give one model whose labels come from the base or the donor as asked, and export it like any
model. Run from inference/training: /usr/bin/python3 -m unittest tests.test_combine"""
from __future__ import annotations

import json
import os
import tempfile
import unittest

import torch

import export
from combine import LaneMix, combine, model_from_onnx, parse_shares, provenance
from features import FRONTEND
from model import DrumNet
from tests.drumnets import trained_like
from warm_start import drumnet_from_onnx

LABELS = ["kick", "snare", "beat"]


def _random_drumnet(seed: int, dilations=(1, 2)) -> DrumNet:
    return trained_like(seed, bands=FRONTEND.bands, labels=len(LABELS), dilations=dilations, conv_ch=2, hidden=4)


def _export(model: DrumNet, path: str) -> None:
    torch.onnx.export(model, torch.zeros(1, 40, FRONTEND.bands), path, input_names=["features"],
                      output_names=["activations"], dynamic_axes={"features": {1: "frames"}}, opset_version=13)


class CombineTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.base, self.donor = _random_drumnet(1), _random_drumnet(2, dilations=(1, 2, 4))
        self.base_path, self.donor_path = (os.path.join(self.dir.name, f) for f in ("base.onnx", "donor.onnx"))
        _export(self.base, self.base_path)
        _export(self.donor, self.donor_path)
        self.x = torch.rand(1, 90, FRONTEND.bands) * 1.5

    def tearDown(self):
        self.dir.cleanup()

    def test_rebuilt_from_onnx_gives_the_exported_outputs(self):
        rebuilt = drumnet_from_onnx(self.donor_path)
        self.assertEqual([b.conv.dilation[0] for b in rebuilt.blocks], [1, 2, 4])
        with torch.no_grad():
            self.assertLess((rebuilt(self.x) - self.donor(self.x)).abs().max().item(), 1e-5)

    def test_each_label_comes_from_the_model_given(self):
        mix = combine(self.base_path, self.donor_path, parse_shares("snare=1,beat=0.5", LABELS))
        with torch.no_grad():
            got, a, b = mix(self.x), self.base(self.x), self.donor(self.x)
        self.assertLess((got[..., 0] - a[..., 0]).abs().max().item(), 1e-5)  # kick: base
        self.assertLess((got[..., 1] - b[..., 1]).abs().max().item(), 1e-5)  # snare: donor
        self.assertLess((got[..., 2] - (a[..., 2] + b[..., 2]) / 2).abs().max().item(), 1e-5)
        self.assertGreater((a[..., 1] - b[..., 1]).abs().max().item(), 1e-3)  # the two models do differ
        self.assertEqual(mix.context_frames(), self.donor.context_frames())

    def test_a_combination_takes_a_third_model(self):
        first = combine(self.base_path, self.donor_path, parse_shares("kick=1", LABELS))
        first_path = os.path.join(self.dir.name, "first.onnx")
        _export(first, first_path)
        third = _random_drumnet(3)
        third_path = os.path.join(self.dir.name, "third.onnx")
        _export(third, third_path)
        rebuilt = model_from_onnx(first_path)  # the two networks and the share, read back from the graph
        self.assertEqual(rebuilt.share.tolist(), [1.0, 0.0, 0.0])
        mix = combine(first_path, third_path, parse_shares("snare=1", LABELS))
        with torch.no_grad():
            got, a, b, c = mix(self.x), self.base(self.x), self.donor(self.x), third(self.x)
        self.assertLess((got[..., 0] - b[..., 0]).abs().max().item(), 1e-5)  # kick: the first combination's donor
        self.assertLess((got[..., 1] - c[..., 1]).abs().max().item(), 1e-5)  # snare: the third model
        self.assertLess((got[..., 2] - a[..., 2]).abs().max().item(), 1e-5)  # beat: the base
        self.assertGreater((c[..., 1] - a[..., 1]).abs().max().item(), 1e-3)

    def test_shares_that_make_no_sense_are_refused(self):
        for spec in ("hihat=1", "kick", "kick=2", "kick=loud", "", "kick=0"):
            with self.assertRaises(ValueError, msg=spec):
                parse_shares(spec, LABELS)
        self.assertEqual(parse_shares(" kick=1 , beat=0.25", LABELS).tolist(), [1.0, 0.0, 0.25])

    def test_exports_and_registers_like_a_trained_model(self):
        models = os.path.join(self.dir.name, "models")  # no manifest yet: export starts one
        share = parse_shares("kick=1,beat=0.5", LABELS)
        mix = LaneMix(self.base, self.donor, share)
        old, export.MODELS = export.MODELS, models
        try:
            entry = export.export_model(mix, LABELS, "mixed", "1.0.0", os.path.join(self.dir.name, "fixture"),
                                        extra={"combines": provenance(self.base_path, self.donor_path, share, LABELS)})
        finally:
            export.MODELS = old
        self.assertEqual(entry["contextFrames"], mix.context_frames())
        self.assertEqual(entry["combines"], {"base": "base", "donor": "donor", "donorShare": {"kick": 1.0, "beat": 0.5}})
        with open(os.path.join(models, "manifest.json")) as f:
            manifest = json.load(f)
        self.assertEqual([m["name"] for m in manifest["models"]], ["mixed"])
        with open(os.path.join(self.dir.name, "fixture", "shapes.json")) as f:
            shapes = json.load(f)
        self.assertEqual(shapes["output"], [1, 777, len(LABELS)])


if __name__ == "__main__":
    unittest.main()

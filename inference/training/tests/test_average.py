"""average.py must give one network whose weights lie the share's way between two fine-tunes, read from their
exports (a combined graph's networks too). Run from inference/training: /usr/bin/python3 -m unittest
tests.test_average"""
from __future__ import annotations

import os
import tempfile
import unittest

import torch

from average import average, parse_model, provenance
from combine import combine, parse_shares
from features import FRONTEND
from tests.drumnets import trained_like
from tests.test_combine import _export, _random_drumnet, LABELS
from warm_start import drumnet_from_onnx


class AverageTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.a, self.b = _random_drumnet(1), _random_drumnet(2)
        self.paths = [os.path.join(self.dir.name, f) for f in ("a.onnx", "b.onnx")]
        for model, path in zip((self.a, self.b), self.paths):
            _export(model, path)

    def tearDown(self):
        self.dir.cleanup()

    def test_share_0_and_1_give_each_network_and_a_half_lies_between(self):
        a, b = (drumnet_from_onnx(p) for p in self.paths)
        x = torch.rand(1, 60, FRONTEND.bands) * 1.5
        with torch.no_grad():
            self.assertLess((average(a, b, 0.0)(x) - self.a(x)).abs().max().item(), 1e-5)
            self.assertLess((average(a, b, 1.0)(x) - self.b(x)).abs().max().item(), 1e-5)
            half = average(a, b, 0.5)
        wa, wb, wh = (m.head.weight for m in (a, b, half))
        self.assertTrue(torch.allclose(wh, (wa + wb) / 2, atol=1e-6))
        self.assertGreater((wa - wb).abs().max().item(), 1e-3)  # the two networks do differ

    def test_a_network_inside_a_combined_graph_is_read_by_its_scope(self):
        mixed = os.path.join(self.dir.name, "mixed.onnx")
        torch.onnx.export(combine(*self.paths, parse_shares("kick=1", LABELS)), torch.zeros(1, 40, FRONTEND.bands),
                          mixed, input_names=["features"], output_names=["activations"], opset_version=13)
        donor = drumnet_from_onnx(*parse_model(mixed + "@/donor/"))
        x = torch.rand(1, 60, FRONTEND.bands)
        with torch.no_grad():
            self.assertLess((donor(x) - self.b(x)).abs().max().item(), 1e-5)
        self.assertEqual(provenance("m/v6.onnx", "m/v5.onnx@/donor/", 0.5),
                         {"base": "v6", "donor": "v5:donor", "donorShare": 0.5})

    def test_networks_of_other_shapes_or_a_share_outside_0_1_are_refused(self):
        a = drumnet_from_onnx(self.paths[0])
        wider = trained_like(3, bands=FRONTEND.bands, labels=len(LABELS), dilations=(1, 2), conv_ch=2, hidden=6)
        with self.assertRaisesRegex(ValueError, "differ in shape"):
            average(a, wider, 0.5)
        with self.assertRaisesRegex(ValueError, "between 0 and 1"):
            average(a, a, 1.5)


if __name__ == "__main__":
    unittest.main()

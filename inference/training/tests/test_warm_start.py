"""warm_start.py must rebuild an exported DrumNet: same outputs in eval mode, close ones in training mode.
Run from inference/training (needs python3-torch and python3-onnx): /usr/bin/python3 -m unittest tests.test_warm_start"""
from __future__ import annotations

import os
import tempfile
import unittest

import torch

from model import DrumNet
from tests.drumnets import trained_like
from warm_start import load_onnx_weights, warm_start

DILATIONS = (1, 2, 4)


class WarmStartTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "m.onnx")
        self.source = trained_like(1, dilations=DILATIONS)
        torch.onnx.export(self.source, torch.zeros(1, 50, 16), self.path, input_names=["features"],
                          output_names=["activations"], dynamic_axes={"features": {1: "frames"}}, opset_version=13)
        self.x = torch.rand(2, 80, 16)

    def tearDown(self):
        self.dir.cleanup()

    def test_eval_outputs_equal_the_exported_model(self):
        model = DrumNet(bands=16, labels=5, conv_ch=4, hidden=8, dilations=DILATIONS)
        crops = [torch.rand(4, 60, 16).numpy() for _ in range(3)]
        warm_start(model, self.path, crops)
        model.eval()
        with torch.no_grad():
            diff = (model(self.x) - self.source(self.x)).abs().max().item()
        self.assertLess(diff, 1e-5)

    def test_training_mode_stays_close(self):
        """In training mode the BatchNorms use batch statistics; refitted on similar crops they barely move."""
        model = DrumNet(bands=16, labels=5, conv_ch=4, hidden=8, dilations=DILATIONS)
        warm_start(model, self.path, [torch.rand(8, 80, 16).numpy() for _ in range(4)])
        model.train()
        for block in model.blocks:
            block.drop.p = 0.0  # dropout aside
        with torch.no_grad():
            diff = (model(self.x) - self.source(self.x)).abs().mean().item()
        self.assertLess(diff, 0.02)

    def test_another_architecture_is_refused(self):
        other = DrumNet(bands=16, labels=5, conv_ch=4, hidden=8, dilations=(1, 2))
        with self.assertRaisesRegex(ValueError, "other architecture"):
            load_onnx_weights(other, self.path)
        narrower = DrumNet(bands=16, labels=5, conv_ch=4, hidden=6, dilations=DILATIONS)
        with self.assertRaisesRegex(ValueError, "does not fit"):
            load_onnx_weights(narrower, self.path)

    def test_a_wider_model_computes_the_exported_one(self):
        """More front channels and a wider stack: the same outputs at first, and the new channels can learn."""
        wider = DrumNet(bands=16, labels=5, conv_ch=6, hidden=12, dilations=DILATIONS)
        warm_start(wider, self.path, [torch.rand(4, 60, 16).numpy() for _ in range(3)])
        wider.eval()
        with torch.no_grad():
            diff = (wider(self.x) - self.source(self.x)).abs().max().item()
        self.assertLess(diff, 1e-5)
        wider.train()
        torch.nn.functional.binary_cross_entropy_with_logits(wider.logits(self.x), torch.rand(2, 5, 80)).backward()
        self.assertGreater(wider.head.weight.grad[:, 8:].abs().sum().item(), 0)  # new inputs of the head
        self.assertGreater(wider.blocks[0].conv.weight.grad[:8, 8:].abs().sum().item(), 0)

    def test_a_deeper_model_starts_close_to_the_exported_one_and_its_new_blocks_learn(self):
        """Dilations that continue the exported ones: the exported blocks first, the added ones almost silent."""
        deeper = DrumNet(bands=16, labels=5, conv_ch=4, hidden=8, dilations=DILATIONS + (8, 16))
        warm_start(deeper, self.path, [torch.rand(4, 60, 16).numpy() for _ in range(3)])
        deeper.eval()
        with torch.no_grad():
            diff = (deeper(self.x) - self.source(self.x)).abs().max().item()
        self.assertGreater(diff, 0)  # the added blocks do add a little
        self.assertLess(diff, 0.02)
        deeper.train()
        torch.nn.functional.binary_cross_entropy_with_logits(deeper.logits(self.x), torch.rand(2, 5, 80)).backward()
        for block in list(deeper.blocks)[len(DILATIONS):]:
            self.assertGreater(block.conv.weight.grad.abs().sum().item(), 0)
            self.assertGreater(block.bn.weight.grad.abs().sum().item(), 0)

    def test_a_deeper_model_must_continue_the_exported_dilations(self):
        reordered = DrumNet(bands=16, labels=5, conv_ch=4, hidden=8, dilations=(2, 1, 4, 8))
        with self.assertRaisesRegex(ValueError, "other architecture"):
            load_onnx_weights(reordered, self.path)


if __name__ == "__main__":
    unittest.main()

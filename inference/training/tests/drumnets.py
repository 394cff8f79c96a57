"""Small DrumNets for the tests that export and rebuild models (warm start, combine)."""
from __future__ import annotations

import torch

from model import DrumNet


def trained_like(seed: int, bands: int = 16, labels: int = 5, dilations: tuple[int, ...] = (1, 2, 4),
                 conv_ch: int = 4, hidden: int = 8) -> DrumNet:
    """A small DrumNet (eval mode) with random weights and non-trivial BatchNorm statistics, as after training."""
    torch.manual_seed(seed)
    model = DrumNet(bands=bands, labels=labels, conv_ch=conv_ch, hidden=hidden, dilations=dilations)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.3, 0.3)
        model.mean.uniform_(0, 1)
        model.std.uniform_(0.5, 1.5)
    return model.eval()

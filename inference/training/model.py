"""The drum transcription + beat model: a small 2-D conv front over (time x mel bands), then a stack of dilated
non-causal temporal convolutions, sigmoid activations per label per frame.

Input `features` [batch, time, bands] (the front end of features.py / features.ts), output `activations`
[batch, time, labels] in 0..1. Every layer is a convolution, so any number of frames works (dynamic time axis)
and the ONNX graph runs in parallel over time (no recurrent state).
"""
from __future__ import annotations

import torch
from torch import nn


class ResBlock(nn.Module):
    """x + relu(bn(conv_dilated(x))): a residual dilated temporal convolution."""

    def __init__(self, ch: int, dilation: int, dropout: float):
        super().__init__()
        self.conv = nn.Conv1d(ch, ch, 3, padding=dilation, dilation=dilation)
        self.bn = nn.BatchNorm1d(ch)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.drop(torch.relu(self.bn(self.conv(x))))


class DrumNet(nn.Module):
    def __init__(self, bands: int = 64, labels: int = 12, conv_ch: int = 16, hidden: int = 64,
                 dilations: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64), dropout: float = 0.1):
        super().__init__()
        # per-band standardisation, fitted on the training set and stored in the model (so ONNX carries it)
        self.register_buffer("mean", torch.zeros(bands))
        self.register_buffer("std", torch.ones(bands))
        self.front = nn.Sequential(
            nn.Conv2d(1, conv_ch, 3, padding=1), nn.BatchNorm2d(conv_ch), nn.ReLU(), nn.MaxPool2d((1, 2)),
            nn.Conv2d(conv_ch, conv_ch, 3, padding=1), nn.BatchNorm2d(conv_ch), nn.ReLU(), nn.MaxPool2d((1, 2)),
        )
        self.proj = nn.Conv1d(conv_ch * (bands // 4), hidden, 1)
        self.blocks = nn.Sequential(*[ResBlock(hidden, d, dropout) for d in dilations])
        self.head = nn.Conv1d(hidden, labels, 1)

    def context_frames(self) -> int:
        """Frames on each side an output frame depends on: the front's two 3x3 convolutions (1 each) and every
        dilated block (its dilation). Inference may cut a long input into chunks with this much context."""
        return 2 + sum(b.conv.dilation[0] for b in self.blocks)

    def logits(self, feats: torch.Tensor) -> torch.Tensor:
        """[B, T, bands] -> [B, labels, T] logits."""
        x = (feats - self.mean) / self.std
        x = self.front(x.unsqueeze(1))                      # [B, C, T, bands/4]
        b, c, t, f = x.shape
        x = x.permute(0, 1, 3, 2).reshape(b, c * f, t)     # [B, C*bands/4, T]
        x = torch.relu(self.proj(x))
        return self.head(self.blocks(x))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        # Clamped logits keep every activation strictly inside (0, 1) (float32 sigmoid saturates to exactly 0 or 1
        # past about +-17); peaks near 1 still read above 0.9999.
        return torch.sigmoid(self.logits(feats).clamp(-15.0, 15.0)).transpose(1, 2)

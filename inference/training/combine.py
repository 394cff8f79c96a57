"""Combines two exported DrumNets into one ONNX model whose activation for each label is a weighted mean of theirs:
the base model's everywhere except where the donor is given a share. One graph, so the pipeline, the manifest and the
evaluation treat it as any other model; it runs both networks (twice the model stage).

Why: fine-tunes that fix one lane have cost others (EXPERIMENTS.md: a thud under the snares cut false kicks but lost
snare recall), so a lane can come from the model that does it best.

Either model may itself be a combination (a third network's lane added to one made before).

Usage: python3 combine.py BASE.onnx DONOR.onnx NAME VERSION SHARES [FIXTURE_DIR]
  SHARES  label=share,... the donor's share (0..1) per label, the others 0: kick=1,downbeat=0.5"""
from __future__ import annotations

import os
import sys

import onnx
import torch
from torch import nn

from data.gm import LABELS
from export import export_model
from model import DrumNet
from warm_start import drumnet_from_onnx, initializers


class LaneMix(nn.Module):
    """base + (donor - base) * share, per label: share 0 is the base's activation, 1 the donor's."""

    def __init__(self, base: nn.Module, donor: nn.Module, share: torch.Tensor):
        super().__init__()
        self.base, self.donor = base, donor
        self.register_buffer("share", share.float())

    def context_frames(self) -> int:
        return max(self.base.context_frames(), self.donor.context_frames())

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        a = self.base(feats)
        return a + (self.donor(feats) - a) * self.share


def parse_shares(spec: str, labels: list[str]) -> torch.Tensor:
    """'kick=1,downbeat=0.5' -> the donor's share per label (0 where not named)."""
    share = torch.zeros(len(labels))
    for item in filter(None, (s.strip() for s in spec.split(","))):
        label, eq, value = item.partition("=")
        if not eq or label not in labels:
            raise ValueError(f"'{item}': expected label=share with a label among {', '.join(labels)}")
        try:
            v = float(value)
        except ValueError:
            raise ValueError(f"'{item}': the share must be a number from 0 to 1") from None
        if not 0 <= v <= 1:
            raise ValueError(f"'{item}': the share must be a number from 0 to 1")
        share[labels.index(label)] = v
    if not share.any():
        raise ValueError(f"'{spec}' gives the donor no label: the result would be the base model")
    return share


def provenance(base_path: str, donor_path: str, share: torch.Tensor, labels: list[str]) -> dict:
    """The manifest entry's record of what was combined (the model card reads it)."""
    name = lambda p: os.path.basename(p).removesuffix(".onnx")
    return {"base": name(base_path), "donor": name(donor_path),
            "donorShare": {l: float(v) for l, v in zip(labels, share.tolist()) if v > 0}}


def model_from_onnx(path: str, scope: str = "/") -> nn.Module:
    """The module an export was made from: a DrumNet, or a LaneMix of the two networks below `scope`."""
    graph = onnx.load(path).graph
    if not any(n.name.startswith(scope + "base/") for n in graph.node):
        return drumnet_from_onnx(path, scope)
    mul = next(n for n in graph.node if n.name == scope + "Mul")
    share = torch.from_numpy(initializers(graph)[mul.input[1]].copy())
    return LaneMix(model_from_onnx(path, scope + "base/"), model_from_onnx(path, scope + "donor/"), share).eval()


def _first_net(m: nn.Module) -> DrumNet:
    return m if isinstance(m, DrumNet) else _first_net(m.base)


def combine(base_path: str, donor_path: str, share: torch.Tensor) -> LaneMix:
    base, donor = model_from_onnx(base_path), model_from_onnx(donor_path)
    a, b = _first_net(base), _first_net(donor)
    if a.head.out_channels != b.head.out_channels or a.mean.shape != b.mean.shape:
        raise ValueError(f"{base_path} and {donor_path} differ in labels or bands")
    return LaneMix(base, donor, share).eval()


if __name__ == "__main__":
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    base_path, donor_path, name, version, spec = sys.argv[1:6]
    try:
        share = parse_shares(spec, list(LABELS))
        mix = combine(base_path, donor_path, share)
    except ValueError as e:
        sys.exit(f"combine.py: {e}")
    export_model(mix, list(LABELS), name, version, sys.argv[6] if len(sys.argv) > 6 else None,
                 extra={"combines": provenance(base_path, donor_path, share, list(LABELS))})

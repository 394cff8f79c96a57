"""Starts a DrumNet from an exported ONNX model (the shipped one), so a later run continues where it ended.

The ONNX export folds each BatchNorm into the convolution before it, so the convolutions take the folded weights
and each BatchNorm is set to pass its input through unchanged: its statistics are measured on training crops and
it is given scale = std and shift = mean, i.e. y = (x - mean) / std * std + mean = x. In eval mode that is exact;
in training mode the batch statistics stand in for the measured ones, close on real batches."""
from __future__ import annotations

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from model import DrumNet


def _convs(model: DrumNet) -> list[tuple[nn.Module, nn.Module | None]]:
    """The model's convolutions in graph order, each with the BatchNorm that follows it (or None)."""
    front = list(model.front)
    out = [(m, front[i + 1]) for i, m in enumerate(front) if isinstance(m, nn.Conv2d)]
    out.append((model.proj, None))
    out += [(b.conv, b.bn) for b in model.blocks]
    out.append((model.head, None))
    return out


def load_onnx_weights(model: DrumNet, path: str) -> None:
    """Copies the weights of an exported DrumNet (same dilations, same or narrower) into `model`; BatchNorms are
    left as identities, to be fitted by `calibrate_batchnorm`.

    A wider `model` (more front channels or a wider hidden stack) gets the exported weights as the leading block
    of each convolution and zeros where an old output would read a new input, so it computes exactly what the
    exported model did while its new channels, randomly initialised, learn on top (function-preserving widening:
    more capacity without starting over)."""
    graph = onnx.load(path).graph
    init = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    nodes = [n for n in graph.node if n.op_type == "Conv"]
    pairs = _convs(model)
    if len(nodes) != len(pairs):
        raise ValueError(f"{path} has {len(nodes)} convolutions, the model {len(pairs)}: other architecture")
    with torch.no_grad():
        for node, (conv, bn) in zip(nodes, pairs):
            w, b = init[node.input[1]], init[node.input[2]]
            _embed(conv, w, b, path)
            if bn is not None:
                bn.reset_parameters()  # identity in eval mode: mean 0, var 1, scale 1, shift 0
        model.mean.copy_(torch.from_numpy(init["mean"].copy()))
        model.std.copy_(torch.from_numpy(init["std"].copy()))


def _embed(conv: nn.Module, w: np.ndarray, b: np.ndarray, path: str) -> None:
    """conv.weight[:out, :in] = w, conv.bias[:out] = b, zeros from the new inputs into the old outputs."""
    shape = tuple(conv.weight.shape)
    if len(w.shape) != len(shape) or w.shape[2:] != shape[2:] or w.shape[0] > shape[0] or w.shape[1] > shape[1]:
        raise ValueError(f"{path}: weight {tuple(w.shape)} does not fit {shape}")
    out, inp = w.shape[:2]
    conv.weight[:out].zero_()
    conv.weight[:out, :inp] = torch.from_numpy(w.copy())
    conv.bias[:out] = torch.from_numpy(b.copy())


@torch.no_grad()
def calibrate_batchnorm(model: DrumNet, crops: list[torch.Tensor]) -> None:
    """Measures each BatchNorm's input statistics on `crops` (the layers before it already final) and turns
    it into an identity that keeps those statistics, layer by layer in graph order."""
    model.eval()
    for _, bn in _convs(model):
        if bn is None:
            continue
        seen: list[torch.Tensor] = []

        def grab(_m, inputs, _out):
            seen.append(inputs[0].detach())

        hook = bn.register_forward_hook(grab)
        for x in crops:
            model(x)
        hook.remove()
        flat = torch.cat([s.transpose(0, 1).reshape(s.shape[1], -1) for s in seen], dim=1)
        mean, var = flat.mean(1), flat.var(1)
        bn.running_mean.copy_(mean)
        bn.running_var.copy_(var)
        bn.weight.copy_(torch.sqrt(var + bn.eps))
        bn.bias.copy_(mean)
    model.train()


def warm_start(model: DrumNet, path: str, crops: list[np.ndarray]) -> None:
    load_onnx_weights(model, path)
    calibrate_batchnorm(model, [torch.from_numpy(c) for c in crops])

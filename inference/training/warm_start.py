"""Starts a DrumNet from an exported ONNX model (the shipped one), so a later run continues where it ended.

The ONNX export folds each BatchNorm into the convolution before it, so the convolutions take the folded weights
and each BatchNorm is set to pass its input through unchanged: its statistics are measured on training crops and
it is given scale = std and shift = mean, i.e. y = (x - mean) / std * std + mean = x. In eval mode that is exact;
in training mode the batch statistics stand in for the measured ones, close on real batches.

A deeper model (the exported dilations followed by more) keeps the exported blocks and starts each added block
almost silent (its BatchNorm scale 0.01, so the block adds about 1 % of a unit to its input): a longer receptive
field that begins as the exported model and learns from there."""
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


NEW_BLOCK_SCALE = 0.01  # an added block's BatchNorm scale: near silent, yet its weights get gradients


def _exported_dilations(nodes) -> list[int]:
    """The temporal dilations of an exported DrumNet's residual blocks (its 1-D convolutions of width 3)."""
    out = []
    for n in nodes:
        attrs = {a.name: list(a.ints) for a in n.attribute}
        if n.op_type == "Conv" and attrs.get("kernel_shape") == [3]:
            out.append(attrs.get("dilations", [1])[0])
    return out


def load_onnx_weights(model: DrumNet, path: str, scope: str = "/") -> list[nn.Module]:
    """Copies the weights of an exported DrumNet (the same dilations or the first of `model`'s; the same width or
    narrower) into `model`; BatchNorms are left as identities, to be fitted by `calibrate_batchnorm`.

    A wider `model` (more front channels or a wider hidden stack) gets the exported weights as the leading block
    of each convolution and zeros where an old output would read a new input, so it computes exactly what the
    exported model did while its new channels, randomly initialised, learn on top (function-preserving widening:
    more capacity without starting over).

    A deeper `model`, whose dilations continue the exported ones, takes the exported blocks as its first ones;
    the added blocks are returned, to be quietened after calibration.

    `scope` picks one DrumNet out of a combined graph (combine.py): "/base/", "/donor/", "/base/donor/"..."""
    graph = onnx.load(path).graph
    init = initializers(graph)
    scoped = _scoped(graph, scope)
    nodes = [n for n in scoped if n.op_type == "Conv"]
    exported = _exported_dilations(nodes)
    ours = [b.conv.dilation[0] for b in model.blocks]
    if ours[:len(exported)] != exported or len(nodes) != 4 + len(exported):
        raise ValueError(f"{path} has blocks of dilations {exported}, the model {ours}: other architecture")
    added = list(model.blocks)[len(exported):]
    pairs = [p for p in _convs(model) if all(p[0] is not b.conv for b in added)]
    with torch.no_grad():
        for node, (conv, bn) in zip(nodes, pairs):
            w, b = init[node.input[1]], init[node.input[2]]
            _embed(conv, w, b, path)
            if bn is not None:
                bn.reset_parameters()  # identity in eval mode: mean 0, var 1, scale 1, shift 0
        scaling = {n.op_type: init[n.input[1]] for n in scoped if n.op_type in ("Sub", "Div")}
        model.mean.copy_(torch.from_numpy(scaling["Sub"].copy()))
        model.std.copy_(torch.from_numpy(scaling["Div"].copy()))
    return added


def _scoped(graph, scope: str) -> list:
    """The convolutions and the input scaling (Sub, Div) of the DrumNet at `scope` ("/" for a plain export), in graph
    order, without those of networks nested below it."""
    own = tuple(scope + p for p in ("front/", "proj/", "blocks/", "head/"))
    return [n for n in graph.node if n.name.startswith(own) or n.name in (scope + "Sub", scope + "Div")]


def initializers(graph) -> dict[str, np.ndarray]:
    """Initializers by name, with the names the exporter made Identity copies of (two networks' equal buffers)."""
    init = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for n in graph.node:
        if n.op_type == "Identity" and n.input[0] in init:
            init[n.output[0]] = init[n.input[0]]
    return init


def drumnet_from_onnx(path: str, scope: str = "/") -> DrumNet:
    """The DrumNet an ONNX export was made from, rebuilt in eval mode (its BatchNorms folded into the convolutions,
    so each is left an identity): the same outputs as the export. `scope` as for `load_onnx_weights`."""
    graph = onnx.load(path).graph
    init = initializers(graph)
    nodes = _scoped(graph, scope)
    convs = [init[n.input[1]].shape for n in nodes if n.op_type == "Conv"]
    if not convs:
        raise ValueError(f"{path} holds no DrumNet at {scope}")
    bands = next(init[n.input[1]].shape[0] for n in nodes if n.op_type == "Sub")
    model = DrumNet(bands=bands, labels=convs[-1][0], conv_ch=convs[0][0], hidden=convs[2][0],
                    dilations=tuple(_exported_dilations(nodes)))
    load_onnx_weights(model, path, scope)
    return model.eval()


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
def calibrate_batchnorm(model: DrumNet, crops: list[torch.Tensor], quiet: tuple[nn.Module, ...] = ()) -> None:
    """Measures each BatchNorm's input statistics on `crops` (the layers before it already final) and turns
    it into an identity that keeps those statistics, layer by layer in graph order; those in `quiet` instead
    scale their standardised input by NEW_BLOCK_SCALE."""
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
        quieted = any(bn is q for q in quiet)
        bn.weight.copy_(torch.full_like(var, NEW_BLOCK_SCALE) if quieted else torch.sqrt(var + bn.eps))
        bn.bias.copy_(torch.zeros_like(mean) if quieted else mean)
    model.train()


def warm_start(model: DrumNet, path: str, crops: list[np.ndarray]) -> None:
    added = load_onnx_weights(model, path)
    calibrate_batchnorm(model, [torch.from_numpy(c) for c in crops], quiet=tuple(b.bn for b in added))

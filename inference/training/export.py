"""Exports a trained checkpoint to ONNX (opset 13, dynamic time axis, input `features`, output `activations`),
adds or replaces its entry in inference/models/manifest.json, and writes a fixture (random features and the torch
output) that verify_onnx.ts checks with onnxruntime-node.
Usage: python3 export.py CHECKPOINT.pt MODEL_NAME VERSION [FIXTURE_DIR]"""
from __future__ import annotations

import hashlib
import json
import os
import sys

import numpy as np
import torch

from features import FRONTEND
from model import DrumNet

# EXPORT_MODELS_DIR lets a test export into a scratch folder instead of the shipped models
MODELS = os.environ.get("EXPORT_MODELS_DIR") or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models")
MAX_BYTES = 10 * 1024 * 1024


def load_checkpoint(ckpt_path: str) -> tuple[DrumNet, list[str]]:
    """The trained DrumNet of a checkpoint (eval mode) and its labels."""
    ckpt = torch.load(ckpt_path, map_location="cpu")
    model = DrumNet(bands=ckpt["bands"], labels=len(ckpt["labels"]), conv_ch=ckpt.get("front", 16),
                    hidden=ckpt.get("hidden", 64),
                    dilations=tuple(ckpt.get("dilations", (1, 2, 4, 8, 16, 32))))
    model.load_state_dict(ckpt["state"])
    return model.eval(), list(ckpt["labels"])


def export(ckpt_path: str, name: str, version: str, fixture_dir: str | None = None) -> dict:
    model, labels = load_checkpoint(ckpt_path)
    return export_model(model, labels, name, version, fixture_dir)


def export_model(model: torch.nn.Module, labels: list[str], name: str, version: str,
                 fixture_dir: str | None = None, extra: dict | None = None) -> dict:
    """Exports `model` ([1, frames, bands] -> [1, frames, labels], with a `context_frames()` method) as NAME.onnx,
    registers it in the manifest (keeping an earlier entry's thresholds; `extra` adds fields to the entry; a folder
    without a manifest gets one) and writes the verify_onnx.ts fixture."""
    model.eval()
    bands = FRONTEND.bands
    os.makedirs(MODELS, exist_ok=True)
    path = os.path.join(MODELS, f"{name}.onnx")
    dummy = torch.zeros(1, 300, bands)
    torch.onnx.export(model, dummy, path, input_names=["features"], output_names=["activations"],
                      dynamic_axes={"features": {1: "frames"}, "activations": {1: "frames"}}, opset_version=13)
    size = os.path.getsize(path)
    if size > MAX_BYTES:
        raise SystemExit(f"{path} is {size} bytes, over the 10 MB limit")
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    manifest_path = os.path.join(MODELS, "manifest.json")
    manifest = {"models": [], "default": name}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
    old = next((m for m in manifest["models"] if m["name"] == name), {})
    entry = {"name": name, "file": f"{name}.onnx", "version": version, "sha256": sha, "labels": labels,
             "frontend": FRONTEND.as_dict(), "fps": FRONTEND.fps, "contextFrames": model.context_frames(), **(extra or {})}
    if "thresholds" in old:
        entry["thresholds"] = old["thresholds"]
    manifest["models"] = [m for m in manifest["models"] if m["name"] != name] + [entry]
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    if fixture_dir:
        os.makedirs(fixture_dir, exist_ok=True)
        x = np.random.default_rng(0).uniform(0, 1.5, (1, 777, bands)).astype(np.float32)
        with torch.no_grad():
            y = model(torch.from_numpy(x)).numpy()
        x.tofile(f"{fixture_dir}/input.f32")
        y.tofile(f"{fixture_dir}/torch_output.f32")
        with open(f"{fixture_dir}/shapes.json", "w") as f:
            json.dump({"input": list(x.shape), "output": list(y.shape)}, f)
    print(f"exported {path}: {size} bytes, sha256 {sha}", file=sys.stderr)
    return entry


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    export(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)

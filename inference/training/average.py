"""Averages the weights of two exported DrumNets of the same shape into one network (a "model soup"): every weight is
(1 - share) * base's + share * donor's. One network, so the model stage costs what one model costs (combine.py's
graph runs both).

Why: fine-tunes of one parent lie near each other in weight space, and their average keeps much of what each learned
(EXPERIMENTS.md: v6 and the kick donor v4k averaged gained kick precision without v6's extra false kicks).

Each model is named PATH or PATH@SCOPE, the scope of the network inside a combined graph (combine.py names its
networks /base/ and /donor/): drum_transcriber_v5.onnx@/donor/ is v5's kick donor. BatchNorms come folded.

Usage: python3 average.py BASE[@SCOPE] DONOR[@SCOPE] SHARE NAME VERSION [FIXTURE_DIR]
  SHARE  the donor's weight, between 0 and 1"""
from __future__ import annotations

import copy
import os
import sys

from data.gm import LABELS
from export import export_model
from model import DrumNet
from warm_start import drumnet_from_onnx


def parse_model(spec: str) -> tuple[str, str]:
    """PATH or PATH@SCOPE as (path, scope)."""
    path, _, scope = spec.partition("@")
    return path, scope or "/"


def average(base: DrumNet, donor: DrumNet, share: float) -> DrumNet:
    """A copy of `base` with every parameter and buffer moved `share` of the way to `donor`'s."""
    if not 0 <= share <= 1:
        raise ValueError(f"share must be between 0 and 1, got {share}")
    a, b = base.state_dict(), donor.state_dict()
    if a.keys() != b.keys() or any(a[k].shape != b[k].shape for k in a):
        raise ValueError("the two networks differ in shape; only fine-tunes of one architecture can be averaged")
    mixed = {k: a[k] + (b[k] - a[k]) * share if a[k].is_floating_point() else a[k] for k in a}
    out = copy.deepcopy(base)
    out.load_state_dict(mixed)
    return out.eval()


def _model_name(spec: str) -> str:
    """drum_transcriber_v5.onnx@/donor/ -> drum_transcriber_v5:donor"""
    path, scope = parse_model(spec)
    return os.path.basename(path).removesuffix(".onnx") + scope.rstrip("/").replace("/", ":")


def provenance(base: str, donor: str, share: float) -> dict:
    """What was averaged, kept in the manifest entry (`averages`) for the record; the pipeline does not read it."""
    return {"base": _model_name(base), "donor": _model_name(donor), "donorShare": share}


if __name__ == "__main__":
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    base_spec, donor_spec, share_arg, name, version = sys.argv[1:6]
    try:
        share = float(share_arg)
        soup = average(drumnet_from_onnx(*parse_model(base_spec)), drumnet_from_onnx(*parse_model(donor_spec)), share)
    except ValueError as e:
        sys.exit(f"average.py: {e}")
    export_model(soup, list(LABELS), name, version, sys.argv[6] if len(sys.argv) > 6 else None,
                 extra={"averages": provenance(base_spec, donor_spec, share)})

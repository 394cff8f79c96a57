"""Trains DrumNet on the generated data. Usage:
  python3 train.py DATA_DIR OUT.pt [--minutes M] [--epochs E] [--seed S] [--crop FRAMES] [--batch B] [--init ONNX]
                   [--splits train,synth,kitmix] [--hidden H] [--front C] [--focus kick [--rest-weight W]]

DATA_DIR holds val/ and the training splits (from data/make_dataset.py; --splits names them, those present are used; SPLIT:N takes a split's first N tracks). Stops after E epochs or M minutes of wall time,
whichever comes first, keeping the weights with the best validation onset F-measure (each label at its best threshold). --init ONNX continues from an
exported model (warm_start.py) instead of random weights, also into a wider model (--hidden, --front)."""
from __future__ import annotations

import argparse
import glob
import itertools
import json
import math
import os
import sys
import time

import numpy as np
import torch

from data.gm import LABELS, LANES
from features import FRONTEND
from model import DrumNet
from warm_start import warm_start

FPS = FRONTEND.fps


def targets(d, frames: int) -> np.ndarray:
    """[frames, labels] targets: 1 at the frame nearest each event, 0.5 on the frames either side."""
    y = np.zeros((frames, len(LABELS)), np.float32)
    events = [(t, int(l)) for t, l in zip(d["onset_times"], d["onset_lanes"])]
    events += [(t, LABELS.index("beat")) for t in d["beats"]]
    events += [(t, LABELS.index("downbeat")) for t in d["downbeats"]]
    for t, col in events:
        f = int(round(float(t) * FPS))
        for df, v in ((-1, 0.5), (1, 0.5), (0, 1.0)):
            if 0 <= f + df < frames:
                y[f + df, col] = max(y[f + df, col], v)
    return y


GHOST_VELOCITY = 50  # as the evaluation counts ghost notes (src/eval/evaluate.ts)
# a ghost note whose render changes no log-mel band by this much (data/audibility.py) is not in the audio; as the
# evaluation's F-aud (AUDIBLE_CHANGE, src/eval/evaluate.ts) it is don't-care: no loss either way on its frames
INAUDIBLE = 0.05
GHOST, INAUDIBLE_GHOST = 1, 2


def ghost_mask(d, frames: int, use_audibility: bool = False) -> np.ndarray:
    """[frames, labels]: GHOST on the target frames (+-1) of ghost notes (velocity < GHOST_VELOCITY); with
    `use_audibility`, INAUDIBLE_GHOST on those of ghost notes measured inaudible (splits rendered with their
    audibility); else 0."""
    m = np.zeros((frames, len(LABELS)), np.int8)
    measured = use_audibility and "onset_audibility" in d
    audibility = d["onset_audibility"] if measured else np.full(len(d["onset_times"]), np.nan)
    for t, l, v, a in zip(d["onset_times"], d["onset_lanes"], d["onset_vels"], audibility):
        if v < GHOST_VELOCITY:
            f = int(round(float(t) * FPS))
            m[max(0, f - 1):f + 2, int(l)] = INAUDIBLE_GHOST if a < INAUDIBLE else GHOST
    return m


def split_limit(spec: str) -> tuple[str, int | None]:
    """'train:1000' -> ('train', 1000): the split's first 1000 tracks (the data generator makes each track from
    its own seed, so these are the tracks a 1000-track split would hold); 'train' -> ('train', None): all."""
    name, _, n = spec.partition(":")
    if n and not (n.isdigit() and int(n) > 0):
        sys.exit(f"--splits: '{spec}' should be SPLIT or SPLIT:TRACKS with TRACKS a positive number")
    return name, int(n) if n else None


def load(folder: str, limit: int | None = None, use_audibility: bool = False) -> list[tuple[np.ndarray, np.ndarray, dict]]:
    out = []
    for f in sorted(glob.glob(f"{folder}/*.npz"))[:limit]:
        d = np.load(f)
        x = d["features"].astype(np.float32)
        meta = {k: d[k] for k in d.files if k != "features"}
        meta["ghost"] = ghost_mask(d, len(x), use_audibility)
        out.append((x, targets(d, len(x)), meta))
    if not out:
        sys.exit(f"No .npz tracks in {folder}; generate the data first (data/make_dataset.py)")
    return out


def random_eq(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Applies a random smooth EQ curve (a few +-8 dB bumps over the bands) and a +-6 dB gain to a crop of
    features. Features are log10(1 + logMul * m), so a gain g on the magnitude m is exact in that domain. Each
    epoch then hears every kit through different filters: kit timbre varies far more than the data's kits."""
    bands = np.arange(x.shape[1])
    curve = np.full(x.shape[1], rng.uniform(-6, 6))
    for _ in range(int(rng.integers(1, 4))):
        curve += rng.uniform(-8, 8) * np.exp(-0.5 * ((bands - rng.uniform(0, len(bands))) / rng.uniform(2, 12)) ** 2)
    gain = (10 ** (curve / 20)).astype(np.float32)
    return np.log10(1 + (np.power(10, x) - 1) * gain).astype(np.float32)


def shift_bands(x: np.ndarray, shift: int) -> np.ndarray:
    """A crop of features moved `shift` mel bands up (negative: down), the edge band repeated into the gap: the
    same strokes from a drum tuned a little higher or lower, or a bigger or smaller shell."""
    if shift == 0:
        return x
    out = np.roll(x, shift, axis=1)
    if shift > 0:
        out[:, :shift] = x[:, :1]
    else:
        out[:, shift:] = x[:, -1:]
    return out


def mask_bands(x: np.ndarray, start: int, width: int) -> np.ndarray:
    """A crop of features with bands start..start+width-1 held at each band's quietest frame in the crop: the
    strokes as heard without that part of the spectrum (SpecAugment's frequency mask, filled with the band's own
    floor rather than zeros, which log-mel features never reach), so no lane can lean on one region alone: a
    kick heard from its beater click as well as its boom, a snare from its body as well as its wires."""
    out = x.copy()
    out[:, start:start + width] = x[:, start:start + width].min(axis=0)
    return out


LANE_COLUMNS = [LABELS.index(l) for l in LANES]


def confusion_frames(y: np.ndarray) -> np.ndarray:
    """[frames, labels] True where a lane's target is 0 but another lane's is not: the frames where a column is
    most tempted to fire on a stroke it only resembles (a snare column on a soft hi-hat, a kick column on a
    boomy snare). Beat and downbeat columns are never marked."""
    lanes = y[:, LANE_COLUMNS] > 0
    others = lanes.sum(1, keepdims=True) - lanes > 0
    out = np.zeros(y.shape, bool)
    out[:, LANE_COLUMNS] = others & ~lanes
    return out


def batches(data, rng: np.random.Generator, crop: int, batch: int, eq_p: float = 0.0, ghost_weight: float = 1.0,
            confusion_weight: float = 1.0, band_shift: int = 0, freq_mask: int = 0):
    """One epoch of random crops (features, targets, loss weights), about one crop per `crop` frames of data; a
    share `eq_p` of them through random_eq; ghost notes' target frames weigh `ghost_weight` in the loss, inaudible
    ones' nothing, and a lane's silent frames at other lanes' strokes (confusion_frames) `confusion_weight`; each
    crop moved by up to `band_shift` mel bands either way (shift_bands); half the crops with a block of 1 to
    `freq_mask` bands masked (mask_bands)."""
    total = sum(len(x) for x, _, _ in data)
    weights = np.array([len(x) for x, _, _ in data], np.float64) / total
    for _ in range(max(1, total // (crop * batch))):
        xs, ys, ws = [], [], []
        for i in rng.choice(len(data), size=batch, p=weights):
            x, y, d = data[i]
            s = int(rng.integers(0, max(1, len(x) - crop)))
            xc, yc = np.zeros((crop, x.shape[1]), np.float32), np.zeros((crop, y.shape[1]), np.float32)
            wc = np.ones((crop, y.shape[1]), np.float32)
            n = min(crop, len(x) - s)
            xc[:n], yc[:n] = x[s:s + n], y[s:s + n]
            ghosts = d["ghost"][s:s + n]
            wc[:n][ghosts == GHOST] = ghost_weight
            wc[:n][ghosts == INAUDIBLE_GHOST] = 0.0
            if confusion_weight != 1.0:
                wc[:n][confusion_frames(yc[:n])] = confusion_weight
            if rng.random() < eq_p:
                xc[:n] = random_eq(xc[:n], rng)
            if band_shift:
                xc[:n] = shift_bands(xc[:n], int(rng.integers(-band_shift, band_shift + 1)))
            if freq_mask and rng.random() < 0.5:
                width = int(rng.integers(1, freq_mask + 1))
                xc[:n] = mask_bands(xc[:n], int(rng.integers(0, x.shape[1] - width + 1)), width)
            xs.append(xc)
            ys.append(yc)
            ws.append(wc)
        yield torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys)), torch.from_numpy(np.stack(ws))


def local_maxima(a: np.ndarray) -> np.ndarray:
    """Frames that are local maxima (+-2 frames): the candidates of a quick picker for validation only."""
    pad = np.pad(a, 2, constant_values=-1)
    win = np.lib.stride_tricks.sliding_window_view(pad, 5).max(axis=1)
    return np.flatnonzero(a >= win)


def fmeasure(det: np.ndarray, ref: np.ndarray, tol: float) -> tuple[int, int, int]:
    """(tp, fp, fn) by greedy one-to-one matching within `tol` seconds."""
    det, ref = np.sort(det), np.sort(ref)
    i = j = tp = 0
    while i < len(det) and j < len(ref):
        if abs(det[i] - ref[j]) <= tol:
            tp, i, j = tp + 1, i + 1, j + 1
        elif det[i] < ref[j]:
            i += 1
        else:
            j += 1
    return tp, len(det) - tp, len(ref) - tp


VAL_THRESHOLDS = np.round(np.arange(0.3, 0.96, 0.05), 2)


@torch.no_grad()
def evaluate(model: DrumNet, data) -> dict[str, float]:
    """Per-label F-measure (onsets +-50 ms, beats +-70 ms) on whole tracks, each label at the threshold of
    VAL_THRESHOLDS that suits it best, as the shipped model's thresholds are tuned afterwards: a model whose
    activations sit higher or lower is not penalised for it."""
    model.eval()
    counts = np.zeros((len(LABELS), len(VAL_THRESHOLDS), 3))
    for x, _, d in data:
        act = model(torch.from_numpy(x)[None])[0].numpy()
        refs = [d["onset_times"][d["onset_lanes"] == i] for i in range(len(LANES))] + [d["beats"], d["downbeats"]]
        for col, ref in enumerate(refs):
            tol = 0.05 if col < len(LANES) else 0.07
            cand = local_maxima(act[:, col])
            for k, thr in enumerate(VAL_THRESHOLDS):
                counts[col, k] += fmeasure(cand[act[cand, col] > thr] / FPS, ref, tol)
    f = {}
    for col in range(len(LABELS)):
        tp, fp, fn = counts[col].T
        f[LABELS[col]] = float(np.max(2 * tp / np.maximum(1, 2 * tp + fp + fn)))
    model.train()
    return f


def learning_rate(progress: float, peak: float) -> float:
    """Warm-up over the first 5 % then cosine decay to 0. `progress` is the larger of the step fraction and the
    fraction of the time budget used, so a run cut short by --minutes still ends annealed."""
    if progress < 0.05:
        return peak * progress / 0.05
    return peak * 0.5 * (1 + math.cos(math.pi * min(1.0, (progress - 0.05) / 0.95)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--crop", type=int, default=600)
    ap.add_argument("--batch", type=int, default=12)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--front", type=int, default=16, help="channels of the 2-D conv front")
    ap.add_argument("--eq", type=float, default=0.5, help="share of training crops through a random EQ")
    ap.add_argument("--dilations", default="1,2,4,8,16,32,64", help="temporal conv dilations [frames]")
    ap.add_argument("--init", help="exported ONNX model (same width) to continue from, e.g. the shipped one")
    ap.add_argument("--splits", default="train,synth,kitmix", help="training splits under DATA_DIR (those present)")
    ap.add_argument("--ghost-weight", type=float, default=1.0, help="loss weight of ghost notes' target frames")
    ap.add_argument("--confusion-weight", type=float, default=1.0,
                    help="loss weight of a lane's silent frames at other lanes' strokes (hard negatives)")
    ap.add_argument("--band-shift", type=int, default=0, help="move each training crop by up to this many mel bands")
    ap.add_argument("--freq-mask", type=int, default=0,
                    help="mask a block of up to this many mel bands in half the training crops")
    ap.add_argument("--skip-inaudible-ghosts", action="store_true",
                    help="ghost notes measured inaudible (splits rendered with AUDIBILITY_SPLITS) cost nothing")
    ap.add_argument("--focus", help="labels a specialist is trained for (e.g. kick, a lane donor for combine.py): "
                    "the other labels' loss weighs --rest-weight and checkpoints are picked on these labels alone")
    ap.add_argument("--rest-weight", type=float, default=0.2, help="with --focus, the other labels' loss weight")
    args = ap.parse_args()
    focus = args.focus.split(",") if args.focus else [*LANES[:3], "beat"]
    if unknown := [l for l in focus if l not in LABELS]:
        sys.exit(f"--focus: unknown label(s) {', '.join(unknown)}; labels are {', '.join(LABELS)}")
    label_weight = torch.tensor([1.0 if not args.focus or l in focus else args.rest_weight for l in LABELS])
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)  # before the data loads, not at the first save
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    t0 = time.time()
    val = load(f"{args.data}/val")
    # plain tracks, tracks played by procedural kits (data/synth_kit.py), tracks whose lane groups each have
    # another source (and their own effects): whichever of --splits exist
    splits = [split_limit(s) for s in args.splits.split(",")]
    splits = [(s, n) for s, n in splits if os.path.isdir(f"{args.data}/{s}")]
    if not splits:
        sys.exit(f"none of the training splits {args.splits} is in {args.data}; generate the data first")
    train = [t for s, n in splits for t in load(f"{args.data}/{s}", n, args.skip_inaudible_ghosts)]
    print(f"loaded {len(train)} train / {len(val)} val tracks in {time.time() - t0:.0f}s", file=sys.stderr)
    allx = np.concatenate([x for x, _, _ in train])
    ally = np.concatenate([y for _, y, _ in train])
    if not 0 <= args.freq_mask <= allx.shape[1]:
        sys.exit(f"--freq-mask: a block of 0 to {allx.shape[1]} bands (the features' bands), got {args.freq_mask}")
    dilations = tuple(int(d) for d in args.dilations.split(","))
    model = DrumNet(bands=allx.shape[1], labels=len(LABELS), conv_ch=args.front, hidden=args.hidden,
                    dilations=dilations)
    model.mean.copy_(torch.from_numpy(allx.mean(0)))
    model.std.copy_(torch.from_numpy(allx.std(0) + 1e-3))
    # continue from an earlier model: its weights (into the leading channels when this model is wider), its
    # BatchNorms refitted on 32 training crops
    if args.init:
        crops = batches(train, np.random.default_rng(0), args.crop, args.batch)
        warm_start(model, args.init, [x.numpy() for x, _, _ in itertools.islice(crops, 32)])
        f = evaluate(model, val)
        print(f"from {args.init}: val " + " ".join(f"{k}={v:.2f}" for k, v in f.items()), file=sys.stderr)
    # rare lanes weigh more: positive weight sqrt(negatives / positives), capped
    pos = (ally >= 1).mean(0)
    pos_weight = torch.from_numpy(np.clip(np.sqrt((1 - pos) / np.maximum(pos, 1e-5)), 1, 25).astype(np.float32))
    print("pos_weight", dict(zip(LABELS, pos_weight.numpy().round(1).tolist())), file=sys.stderr)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    total_steps = args.epochs * max(1, len(allx) // (args.crop * args.batch))
    t_train, step = time.time(), 0
    best, history = -1.0, []
    for epoch in range(args.epochs):
        losses = []
        for x, y, w in batches(train, rng, args.crop, args.batch, args.eq, args.ghost_weight,
                                   args.confusion_weight, args.band_shift, args.freq_mask):
            progress = max(step / total_steps, (time.time() - t_train) / (args.minutes * 60))
            for g in opt.param_groups:
                g["lr"] = learning_rate(progress, args.lr)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                model.logits(x), y.transpose(1, 2), weight=w.transpose(1, 2) * label_weight[:, None], pos_weight=pos_weight[:, None])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            losses.append(loss.item())
        f = evaluate(model, val)
        score = float(np.mean([f[l] for l in focus]))
        history.append({"epoch": epoch, "loss": float(np.mean(losses)), "val": f, "minutes": (time.time() - t0) / 60})
        print(f"epoch {epoch} loss {np.mean(losses):.4f} score {score:.3f} "
              + " ".join(f"{k}={v:.2f}" for k, v in f.items()) + f" [{(time.time() - t0) / 60:.1f} min]",
              file=sys.stderr)
        ckpt = {"state": model.state_dict(), "bands": allx.shape[1], "labels": LABELS, "hidden": args.hidden,
                "front": args.front,
                "dilations": dilations, "epoch": epoch, "val": f}
        torch.save(ckpt, args.out.replace(".pt", "_last.pt"))  # the annealed end of the schedule
        if score > best:
            best = score
            torch.save(ckpt, args.out)
        # stop when another epoch would not fit: the learning rate anneals to 0 at the budget, so an epoch past it
        # would only cost time
        elapsed = time.time() - t_train
        if (elapsed + elapsed / (epoch + 1)) / 60 > args.minutes:
            print("time budget reached", file=sys.stderr)
            break
    json.dump({"best_score": best, "history": history, "minutes": (time.time() - t0) / 60, "args": vars(args)},
              open(args.out.replace(".pt", "_history.json"), "w"), indent=1)


if __name__ == "__main__":
    main()

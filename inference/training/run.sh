#!/usr/bin/env bash
# Re-runs the whole recipe end to end with fixed seeds: Debian packages -> data -> training -> ONNX export and
# check -> threshold tuning + evaluation -> model card. Run from anywhere: inference/training/run.sh
#
# Size knobs (environment):
#   TRAIN_TRACKS   training tracks to generate            (default 3000; ~24 s each)
#   SYNTH_TRACKS   training tracks played by procedural kits (default 800)
#   VAL_TRACKS     validation tracks (training kits)       (default 48)
#   TEST_TRACKS    held-out test tracks (held-out kits)    (default 64)
#   TRACK_SEC      seconds per generated track             (default 24)
#   EPOCHS         training epochs                         (default 16)
#   TRAIN_MINUTES  wall-time cap on training [minutes]     (default 85)
#   HIDDEN         model width (temporal conv channels)    (default 96)
#   MODEL_NAME     manifest name                           (default drum_transcriber_v2)
#   MODEL_VERSION  manifest version                        (default 2.0.0)
#   SKIP_APT=1     do not call apt-get (packages already there)
#   FRESH=1        regenerate the data even when a split exists
# A bigger run is only a parameter: TRAIN_TRACKS=5000 EPOCHS=60 TRAIN_MINUTES=180 inference/training/run.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
cd "$HERE"
TRAIN_TRACKS="${TRAIN_TRACKS:-3000}"
SYNTH_TRACKS="${SYNTH_TRACKS:-800}"
VAL_TRACKS="${VAL_TRACKS:-48}"
TEST_TRACKS="${TEST_TRACKS:-64}"
TRACK_SEC="${TRACK_SEC:-24}"
EPOCHS="${EPOCHS:-16}"
TRAIN_MINUTES="${TRAIN_MINUTES:-85}"
HIDDEN="${HIDDEN:-96}"
MODEL_NAME="${MODEL_NAME:-drum_transcriber_v2}"
MODEL_VERSION="${MODEL_VERSION:-2.0.0}"
PY=/usr/bin/python3
export PATH="$REPO/node_modules/.bin:$PATH"
CACHE="$HERE/.cache"
DATA="$CACHE/data"
mkdir -p "$CACHE/logs" "$CACHE/runs"
TIMINGS="$CACHE/timings.tsv"
: > "$TIMINGS"

step() {  # step NAME COMMAND...: runs and records its wall time [s]
  local name="$1"; shift
  local t0; t0=$(date +%s)
  echo "== $name" >&2
  "$@"
  echo -e "$name\t$(( $(date +%s) - t0 ))" >> "$TIMINGS"
}

install_packages() {
  local pkgs=(python3-torch python3-onnx python3-numpy python3-scipy python3-mido fluidsynth fluid-soundfont-gm
              timgm6mb-soundfont musescore-general-soundfont hydrogen-drumkits avldrums.lv2 sox ffmpeg)
  if [ "${SKIP_APT:-0}" = 1 ] || dpkg -s "${pkgs[@]}" > /dev/null 2>&1; then return 0; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}"
}

gen() {  # gen SPLIT N SEED
  if [ "${FRESH:-0}" = 1 ] || [ ! -f "$DATA/$1/index.json" ] || [ "$(ls "$DATA/$1"/*.npz | wc -l)" != "$2" ]; then
    rm -rf "$DATA/$1"
    nice -n 10 $PY -m data.make_dataset "$1" "$2" "$3" "$DATA/$1" "$TRACK_SEC"
  fi
}

step packages install_packages
step features_parity $PY -m unittest tests.test_features_parity
step data_train gen train "$TRAIN_TRACKS" 1
step data_synth gen synth "$SYNTH_TRACKS" 4
step data_val gen val "$VAL_TRACKS" 2
step data_test gen test "$TEST_TRACKS" 3
step train nice -n 10 $PY train.py "$DATA" "$CACHE/runs/$MODEL_NAME.pt" --epochs "$EPOCHS" \
  --minutes "$TRAIN_MINUTES" --hidden "$HIDDEN" --seed 1234
step export $PY export.py "$CACHE/runs/$MODEL_NAME.pt" "$MODEL_NAME" "$MODEL_VERSION" "$CACHE/fixture"
step verify_onnx bash -c "cd '$REPO/inference' && node --import tsx training/verify_onnx.ts 'models/$MODEL_NAME.onnx' '$CACHE/fixture'"
# thresholds are tuned on the validation split (training kits), then the held-out test set is scored, with the
# band-energy baseline for comparison; the new model becomes the default only when it beats the baseline
step evaluate bash -c "cd '$REPO' && VAL_TRACKS=$VAL_TRACKS TEST_TRACKS=$TEST_TRACKS deno run -A inference/src/eval/eval_transcription.ts \
  --model '$MODEL_NAME' --baseline band_energy_onset_detector --tune --promote --json '$CACHE/eval_test.json'"
step bench bash -c "cd '$REPO' && deno run -A bench/transcribe.ts --json > '$CACHE/bench.json'"
$PY model_card.py "$MODEL_NAME" "$CACHE"
echo "done: inference/models/$MODEL_NAME.onnx, manifest entry, inference/models/MODEL_CARD.md" >&2

#!/usr/bin/env bash
# Installs what a fresh machine lacks: Debian packages (ffmpeg, mpg123, Chromaprint, Chromium, clamd, Redis;
# numpy/scipy and the drum soundfonts and kits for the training recipe's tests; Sonic Pi's samples for a real
# drum recording) and the npm packages of the root (Deno itself) and of inference/. Idempotent and quick when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v ffmpeg >/dev/null || need_apt+=(ffmpeg)
command -v mpg123 >/dev/null || need_apt+=(mpg123)
command -v fpcalc >/dev/null || need_apt+=(libchromaprint-tools)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v clamd >/dev/null || need_apt+=(clamav-daemon)
command -v redis-server >/dev/null || need_apt+=(redis-server)
# the training recipe's data tests (numpy/scipy/mido under Debian's python3; torch is only needed to train)
/usr/bin/python3 -c "import numpy, scipy, mido" 2>/dev/null || need_apt+=(python3-numpy python3-scipy python3-mido)
# ... and the drum sources they plan tracks from (training and held-out soundfonts and sampled kits)
[ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || need_apt+=(fluid-soundfont-gm)
[ -f /usr/share/sounds/sf2/TimGM6mb.sf2 ] || need_apt+=(timgm6mb-soundfont)
[ -d /usr/share/hydrogen/data/drumkits/Audiophob ] || need_apt+=(hydrogen-drumkits)
# ... and the held-out voices of the test set's vocal variant (festival's recorded speakers, data/speech.py)
[ -d /usr/share/festival/voices/us/cmu_us_slt_arctic_hts ] && [ -d /usr/share/festival/voices/english/kal_diphone ] ||
  need_apt+=(festival festvox-kallpc16k festvox-us-slt-hts)
# ... and training's speakers (espeak-ng) for the poolvs split's tests
command -v espeak-ng >/dev/null || need_apt+=(espeak-ng)
# a real drum recording for the shipped model's test (the Amen break, Sonic Pi's loop_amen_full)
[ -f /usr/share/sonic-pi/samples/loop_amen_full.flac ] || need_apt+=(sonic-pi-samples)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${need_apt[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Install scripts are skipped: onnxruntime-node ships its CPU binaries (its script would fetch CUDA ones) and
# esbuild finds its platform binary without its own.
# npm installs only when the lock file changed since the last install (a stamp inside node_modules).
install_if_changed() { # <dir> <extra env>
  local dir=$1 stamp="$1/node_modules/.bootstrap-stamp" sum
  sum=$(sha256sum "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -c1-64)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    echo "bootstrap: npm ci in $dir" >&2
    (cd "$dir" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$sum" >"$stamp"
  fi
}
install_if_changed .
install_if_changed inference
# Deno fetches the npm packages mapped in deno.json once, into node_modules/.deno.
node_modules/.bin/deno install --quiet >/dev/null 2>&1 || node_modules/.bin/deno install

#!/usr/bin/env bash
# Rebuilds features_kernel.wasm from features_kernel.c (Debian: apt-get install clang-14 lld-14). The .wasm is
# committed, so running the app needs no compiler; features_test.ts checks the module against a TypeScript FFT,
# and that this script rebuilds it byte for byte where clang-14 is installed. OUT=path writes elsewhere.
set -euo pipefail
cd "$(dirname "$0")"
CLANG=${CLANG:-clang-14}
# 8 KiB stack and one 64 KiB page to start: features_kernel.ts creates the memory with that and grows it.
"$CLANG" --target=wasm32 -O3 -msimd128 -ffp-contract=off -nostdlib -Wl,--no-entry -Wl,--import-memory \
  -Wl,--export=__heap_base -Wl,-z,stack-size=8192 -Wl,--initial-memory=65536 -Wl,--strip-all \
  -o "${OUT:-features_kernel.wasm}" features_kernel.c

#!/usr/bin/env bash
# Fill .whl/ (git-ignored) with what tools/gpu_check.sh installs on the GPU machine, which has
# no network. Run it here, in the checkout that the device tool sends (the session's own), with
# streamart's dev environment active (it packs the cached weights; fetching them if needed).
#
#   tools/gpu_wheels.sh [--onnxruntime-gpu]
#   tools/gpu_check.sh --dry-run                 # then: the same steps on this CPU
#   run(command="bash tools/gpu_check.sh", carry=[".whl"], timeout_s=540)   # the device tool
#
# The device image (Python 3.12, torch 2.11 with CUDA 13, numpy, OpenCV, onnx, onnxruntime
# 1.30 for the CPU, scikit-image, pytest) lacks PyAV, onnxruntime-gpu and the pretrained
# weights. The device tool moves at most 64 MiB a call, the checkout (11.5 MiB) included;
# all of this came to 52.6 MiB on 2026-11-30:
#
#   what                          as downloaded       as carried
#   av 18.1.0 (cp311-abi3)        34.1 MiB            25.5 MiB   members recompressed with LZMA
#   VGG16 + EfficientNet-Lite0    74.2 MiB float32    15.3 MiB   int8 per channel + LZMA
#   starry_night.jpg              0.3 MiB             0.3 MiB    the Gatys benchmark's style
#   onnxruntime-gpu 1.31.1        244 MiB             not carried (see below)
#
# onnxruntime-gpu is what pyproject's [gpu] extra installs (>=1.17; 1.31.1 is the newest and is
# built for CUDA 13, like the image's torch). Its wheel is 244 MiB, its CUDA provider library
# 271 MiB unpacked, and xz had written over 70 MiB of that library alone before it was stopped:
# it cannot travel in one call. gpu_check.sh therefore times the style model on torch, with the
# ONNX model's own weights loaded into streamart's TransformerNet (nothing exported anew), and
# runs onnxruntime's CUDA EP only where it finds it installed. --onnxruntime-gpu downloads it
# into .whl/ anyway (with its dependencies that the image lacks: none of flatbuffers, numpy,
# packaging, protobuf are missing), for a transfer without that limit; `gpu_carry.py check`
# then reports the carry as too big for the device tool.
#
# Weights: the int8 copy changes each weight by up to 1/254 of its tensor's largest value.
# Timings do not depend on the values, and the GPU tests compare two code paths on the same
# weights; but pictures differ slightly from the real networks' (tools/gpu_carry.py).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
DEST=${GPU_CARRY:-.whl}
AV_REQUIREMENT=${AV_REQUIREMENT:-av==18.1.0}
ORT_REQUIREMENT=${ORT_REQUIREMENT:-onnxruntime-gpu==1.31.1}
WITH_ORT=0
case "${1:-}" in
    --onnxruntime-gpu) WITH_ORT=1 ;;
    "") ;;
    -h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: tools/gpu_wheels.sh [--onnxruntime-gpu]" >&2; exit 2 ;;
esac

mkdir -p "$DEST"
git check-ignore -q "$DEST/x.whl" || echo "warning: $DEST is not git-ignored: the device tool carries only ignored paths named in carry" >&2

download() { # download REQUIREMENT: one wheel for CPython 3.12 on manylinux x86-64
    local name=${1%%[=<>]*}
    rm -f "$DEST/${name//-/_}"-*.whl "$DEST/$name"-*.whl
    "$PY" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
        --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux1_x86_64 \
        -d "$DEST" "$1"
}

echo "== wheels"
download "$AV_REQUIREMENT" # av has no dependencies (Requires-Dist: none)
if ((WITH_ORT)); then download "$ORT_REQUIREMENT"; fi
echo "== recompressing the wheels with LZMA (a few minutes on a busy 2-core machine)"
"$PY" tools/gpu_carry.py repack "$DEST"/*.whl

echo "== weights"
"$PY" tools/gpu_carry.py pack-weights "$DEST/backbones-int8.npz.xz"

echo "== the Gatys benchmark's painting"
if [ -f ../shared/styles/starry_night.jpg ]; then
    install -m 0644 ../shared/styles/starry_night.jpg "$DEST/starry_night.jpg"
else
    echo "../shared/styles/starry_night.jpg not found: copy a painting to $DEST/starry_night.jpg" >&2
fi

echo "== check"
"$PY" tools/gpu_carry.py check "$DEST"

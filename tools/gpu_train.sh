#!/usr/bin/env bash
# Train many styles in one GPU call: tools/train_zoo.py zoo with --device cuda, as many runs at
# once as the machine takes, stopped cleanly inside the call's time limit; the models (float16
# ONNX), the checkpoints and the logs come back under $OUT.
#
#   tools/gpu_train.sh [--dry-run] [ZOO OPTIONS...] [-- RECIPE...]
#
# ZOO OPTIONS go to `tools/train_zoo.py zoo` (--only NAME,..., --iterations N, --jobs N,
# --variant V, --seed S, --resume); RECIPE to every `streamart train`, e.g.
#   -- --style-layer-weights 0.25,1,4,16 --style-size 720 --style-weight 10 --content-layer relu3_3 --temporal-weight 300
#
# Before: fill .gputrain/ (git-ignored) here, in the checkout the device tool sends (the
# session's own), with the paintings to train at the recipe's --style-size (the device does not
# get ../shared/styles), the corpus photos and VGG16 up to conv4_3 in float16 (32 MiB with the
# checkout on 2026-12-07, of the 64 MiB a call moves: 13.1 MiB weights, 4.2 MiB for all 24
# paintings at 720 px, 2.7 MiB corpus):
#
#   python3 tools/gpu_carry.py pack-training .gputrain --style-size 720 [--only NAME,...]
#   tools/gpu_train.sh --dry-run -- --style-size 720     # the same steps, tiny, on this CPU
#
# (the dry run packs starry_night afresh, from GPU_TRAIN_PAINTINGS, default ../shared/styles,
# and the photos in GPU_TRAIN_CORPUS, default streamart's corpus cache.)
#
# Then, through the device tool (one call; the machine's start is not inside timeout_s):
#
#   run(command="bash tools/gpu_train.sh --iterations 2000 -- --style-layer-weights 0.25,1,4,16 --style-size 720 --style-weight 10 --content-layer relu3_3 --temporal-weight 300",
#       carry=[".gputrain"], timeout_s=360)
#
# That leaves a session's 15 device minutes room for a second call (the start takes a minute or
# two). With no second call planned, prefix GPU_TRAIN_BUDGET_S=480 and give timeout_s=570.
# Training stops GPU_TRAIN_BUDGET_S (default 300) seconds after it starts: the runs still going
# get SIGTERM and keep a checkpoint, the paintings not started yet are listed. To go on in a later
# call, `cat checkpoints.tar.part-* | tar -x -C .gputrain/checkpoints` and add --resume.
# Back under $OUT (the device tool returns 8 files of at most 16 MiB, 64 MiB in all):
#   gpu_train.md      the table: style, outcome, steps, seconds (printed last as well)
#   gpu_train.log     train_zoo's output; each run's command and log are in models.tar (logs/)
#   models.tar        NAME-VARIANT.onnx of the finished styles, logs/
#   checkpoints.tar.part-00, -01, ...   NAME/last.pt and the newest sample picture of each style
# The GPU machine (Python 3.12, torch with CUDA, onnx, OpenCV) has no network; training needs
# nothing else from it. VGG16 goes into a scratch STREAMART_CACHE, where load_vgg16 finds it.
set -u -o pipefail
cd "$(dirname "$0")/.."

DRY=0
ZOO=()
RECIPE=()
while (($#)); do
    case "$1" in
        --dry-run) DRY=1 ;;
        -h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        --) shift; RECIPE=("$@"); break ;;
        *) ZOO+=("$1") ;;
    esac
    shift
done

PY=${PYTHON:-python3}
CARRY=${GPU_TRAIN_CARRY:-.gputrain}
BUDGET=${GPU_TRAIN_BUDGET_S:-300}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gpu_train.XXXXXX") # scratch: the weights cache, the models
trap 'rm -rf "$WORK"' EXIT
if [ -z "${OUT:-}" ]; then
    OUT=$(mktemp -d "${TMPDIR:-/tmp}/gpu_train_out.XXXXXX") # here, without the device tool
    echo "results go to $OUT"
fi
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

if ((DRY)); then
    # One painting (128 px: training refuses one under 64 px a side), two steps of 64 px crops on
    # the CPU; the options given last win.
    CARRY=$WORK/carry
    "$PY" tools/gpu_carry.py pack-training "$CARRY" --paintings "${GPU_TRAIN_PAINTINGS:-../shared/styles}" \
        ${GPU_TRAIN_CORPUS:+--corpus "$GPU_TRAIN_CORPUS"} --only starry_night --style-size 128 || exit 1
    DEVICE=cpu
    ZOO+=(--only starry_night --iterations 2 --jobs 1)
    RECIPE+=(--image-size 64 --style-size 128 --batch-size 1 --sample-every 1)
else
    DEVICE=cuda
    "$PY" -c "import sys, torch; sys.exit(not torch.cuda.is_available())" || {
        echo "no CUDA device: run this on the GPU machine, or with --dry-run here" >&2
        exit 1
    }
    ZOO=(--jobs 12 "${ZOO[@]}") # 12 one-thread runs share the GPU and 16 cores; --jobs N overrides
fi
for part in vgg16-fp16.npz.xz styles corpus; do
    [ -e "$CARRY/$part" ] || { echo "no $CARRY/$part: run tools/gpu_carry.py pack-training $CARRY here first" >&2; exit 1; }
done

echo "== weights"
export STREAMART_CACHE="$WORK/cache" # after the dry run's packing, which reads the user's cache
"$PY" tools/gpu_carry.py unpack-weights "$CARRY/vgg16-fp16.npz.xz" || exit 1

echo "== training (stops after $BUDGET s)"
"$PY" tools/train_zoo.py zoo --paintings "$CARRY/styles" --out "$WORK/models" --checkpoints "$CARRY/checkpoints" \
    --stop-after "$BUDGET" "${ZOO[@]}" -- --device "$DEVICE" --data "$CARRY/corpus" --checkpoint-every 100 \
    "${RECIPE[@]}" 2>&1 | tee "$OUT/gpu_train.log"
STATUS=${PIPESTATUS[0]}

echo "== packing the results into $OUT"
grep '^|' "$OUT/gpu_train.log" > "$OUT/gpu_train.md"
tar -cf "$OUT/models.tar" -C "$WORK/models" .
# The checkpoints and the newest sample picture of each style (older samples stay behind), in
# parts of 15 MiB: a file over 16 MiB does not come back (the cpu variant's are 1.1 MiB each).
(
    cd "$CARRY/checkpoints" 2>/dev/null || exit 0
    for style in */; do
        ls "$style"last.pt 2>/dev/null
        ls "$style"samples/*.png 2>/dev/null | tail -1
    done | tar -cf - -T - | split -b 15M -d - "$OUT/checkpoints.tar.part-"
)
ls -l "$OUT"
echo
echo "== the table"
cat "$OUT/gpu_train.md"
exit "$STATUS"

#!/usr/bin/env bash
# GPU readiness in one call: install what the GPU machine's image lacks from carried files, run
# the gpu-marked tests, measure the GPU targets of docs/BENCHMARKS.md, print ONE Markdown table.
#
#   tools/gpu_check.sh              on the GPU machine (finishes inside 8 minutes)
#   tools/gpu_check.sh --dry-run    here, on a CPU: every step that can run without a GPU, with
#                                   tiny sizes (needs streamart's dev environment active)
#
# Before: fill .whl/ once, here, in the checkout that the device tool sends (the session's own):
#
#   tools/gpu_wheels.sh             # PyAV (LZMA-repacked), int8 copy of the weights, a painting
#   tools/gpu_check.sh --dry-run    # the same steps on this CPU
#
# Then, through the device tool (one call; the machine's start is not inside timeout_s):
#
#   run(command="bash tools/gpu_check.sh", carry=[".whl"], timeout_s=540)
#
# The table is printed last (output_tail holds it) and written with the logs to $OUT
# (gpu_check.md, gpu_check.log). The lent machine (NVIDIA H200, Python 3.12, torch with CUDA)
# has no network, no PyAV and no onnxruntime-gpu; see tools/gpu_wheels.sh for what is carried
# and why onnxruntime-gpu is not (its wheel alone is 244 MiB, the device tool moves 64 MiB a
# call): the style model is timed on torch instead, with the ONNX model's own weights.
#
# Steps, each under `timeout` inside a budget of GPU_CHECK_BUDGET_S (default 450 s):
#   check      the carried wheels are there, intact, one version each, for CPython 3.12
#              manylinux x86-64, and the carry fits the 64 MiB a call
#   install    pip install --no-index --no-deps --target /tmp/site .whl/*.whl (dry run: the same
#              for Python 3.12 / manylinux_2_28 into a scratch folder, not used here)
#   weights    the int8 transport copy of VGG16 and EfficientNet-Lite0 into a scratch
#              STREAMART_CACHE (tools/gpu_carry.py; for timing and the GPU tests only)
#   info       device, driver, torch, CUDA, cuDNN, onnxruntime versions
#   tests      python3 -m pytest -m gpu
#   style-*    tools/bench_style.py: the style model at 1280x720 and 1920x1080 (torch fp16, eager
#              and CUDA graph; onnxruntime's CUDA EP as well when it is installed)
#   dream-*    tools/bench_dream.py --device cuda at 1280x720, with and without CUDA graphs
#   gatys      tools/bench_gatys.py: 512 px at the defaults, bf16 and fp32, against 500 fp32 passes
#   report     tools/gpu_report.py: the table
set -u -o pipefail
cd "$(dirname "$0")/.."

DRY=0
case "${1:-}" in
    --dry-run) DRY=1 ;;
    "") ;;
    -h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: tools/gpu_check.sh [--dry-run]" >&2; exit 2 ;;
esac

PY=${PYTHON:-python3}
CARRY=${GPU_CARRY:-.whl}
BUDGET=${GPU_CHECK_BUDGET_S:-450}
START=$(date +%s)
RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/gpu_check.XXXXXX")
export STREAMART_CACHE="$RESULTS/cache" PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
: > "$RESULTS/steps.tsv"

# step NAME LIMIT_S COMMAND...: run COMMAND under timeout, log it, record its exit status.
step() {
    local name=$1 limit=$2
    shift 2
    local left=$((BUDGET - ($(date +%s) - START) - 20)) # keep 20 s for the report
    ((limit > left)) && limit=$left
    if ((limit < 5)); then
        printf '%s\tskipped\t0\n' "$name" >> "$RESULTS/steps.tsv"
        echo "== $name: skipped, the budget of $BUDGET s is spent"
        return 0
    fi
    echo "== $name (at most $limit s): $*"
    local t0
    t0=$(date +%s)
    timeout --kill-after=10 "$limit" "$@" 2>&1 | tee "$RESULTS/$name.log"
    local status=${PIPESTATUS[0]}
    printf '%s\t%s\t%s\n' "$name" "$status" "$(($(date +%s) - t0))" >> "$RESULTS/steps.tsv"
    echo "== $name: exit $status after $(($(date +%s) - t0)) s"
}

# --- what runs, full size on the GPU or tiny on the CPU --------------------------------------
TESTS=("$PY" -m pytest -m gpu -q -rs -p no:cacheprovider)
STYLE_PAINTING=$CARRY/starry_night.jpg
[ -f "$STYLE_PAINTING" ] || STYLE_PAINTING=../shared/styles/starry_night.jpg
if ((DRY)); then
    DEVICE=cpu
    PIP_TARGET=$RESULTS/site
    PIP_FOR_DEVICE=(--python-version 3.12 --implementation cp --only-binary=:all:
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64)
    # 128x72: the style network pads each side by 48 px (reflected), so a side must exceed 48
    STYLE=(--device cpu --precision fp32 --sizes 128x72 --frames 2 --threads 1)
    DREAM=(--device cpu --preset creatures dogs --sizes 64x48 --steps 1 --frames 1 --threads 1)
    GATYS=(--device cpu --size 64 --iterations 3 --reference-passes 2 --precisions fp32 --threads 1 --style "$STYLE_PAINTING")
else
    DEVICE=cuda
    PIP_TARGET=/tmp/site
    PIP_FOR_DEVICE=()
    STYLE=(--device cuda --precision fp16 --sizes 1280x720 1920x1080 --frames 200)
    DREAM=(--device cuda --preset creatures dogs patterns --sizes 1280x720 --steps 2 4 --frames 30)
    GATYS=(--device cuda --size 512 --precisions bf16,fp32 --style "$STYLE_PAINTING")
fi

# --- carry, install, weights ------------------------------------------------------------------
step check 60 "$PY" tools/gpu_carry.py check "$CARRY"
step install 90 "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --disable-pip-version-check "${PIP_FOR_DEVICE[@]}" --target "$PIP_TARGET" "$CARRY"/*.whl
if ((DRY)); then
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" # this environment's own packages
else
    export PYTHONPATH="$PWD:$PIP_TARGET${PYTHONPATH:+:$PYTHONPATH}"
fi
step weights 90 "$PY" tools/gpu_carry.py unpack-weights "$CARRY/backbones-int8.npz.xz"

# --- versions ---------------------------------------------------------------------------------
export GPU_CHECK_DRY=$DRY GPU_CHECK_TESTS="${TESTS[*]}" \
    GPU_CHECK_STYLE="python3 tools/bench_style.py ${STYLE[*]}" \
    GPU_CHECK_DREAM="python3 tools/bench_dream.py ${DREAM[*]}" \
    GPU_CHECK_GATYS="python3 tools/bench_gatys.py ${GATYS[*]}" \
    GPU_CHECK_DRIVER="$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -1)"
step info 60 "$PY" - "$RESULTS/info.json" <<'EOF'
import datetime, json, os, platform, sys
import torch
info = {
    "dry_run": os.environ["GPU_CHECK_DRY"] == "1",
    "date": f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
    "python": platform.python_version(), "torch": torch.__version__,
    "cuda": torch.version.cuda or "none", "cudnn": torch.backends.cudnn.version() or "none",
    "driver": os.environ.get("GPU_CHECK_DRIVER") or "none",
    "tests_command": os.environ["GPU_CHECK_TESTS"].replace(sys.executable, "python3"),
    "style-torch_command": os.environ["GPU_CHECK_STYLE"] + " --runtime torch",
    "style-onnxruntime_command": os.environ["GPU_CHECK_STYLE"] + " --runtime onnxruntime",
    "dream-graph_command": os.environ["GPU_CHECK_DREAM"],
    "dream-eager_command": os.environ["GPU_CHECK_DREAM"] + " --no-cuda-graph",
    "gatys_command": os.environ["GPU_CHECK_GATYS"],
    "command": "tools/gpu_check.sh" + (" --dry-run" if os.environ["GPU_CHECK_DRY"] == "1" else ""),
}
if torch.cuda.is_available():
    props = torch.cuda.get_device_properties(0)
    info["device"] = f"{props.name} ({props.total_memory / 2**30:.0f} GiB, {props.multi_processor_count} SMs, sm_{props.major}{props.minor})"
else:
    from streamart.offline.bench import cpu_name
    info["device"] = f"no CUDA GPU: {cpu_name()}, {os.cpu_count()} logical CPUs"
try:
    import onnxruntime
    providers = onnxruntime.get_available_providers()
    info["onnxruntime"] = f"{onnxruntime.__version__} ({', '.join(p.replace('ExecutionProvider', '') for p in providers)})"
    info["onnxruntime_cuda"] = "CUDAExecutionProvider" in providers
except ImportError:
    info["onnxruntime"], info["onnxruntime_cuda"] = "not installed", False
if not info["onnxruntime_cuda"]:
    info["onnxruntime_note"] = ("not measured: onnxruntime-gpu is not carried (its 1.31.1 wheel is 244 MiB, "
                                "over the 64 MiB a device call moves); the torch rows run the same weights")
try:
    import av
    info["av"] = av.__version__
except ImportError:
    info["av"] = "not installed"
from streamart.assets import weights
sources = [(weights.cache_info(name) or {}).get("source", "missing") for name in weights.NAMES]
info["weights"] = "; ".join(f"{name}: {source}" for name, source in zip(weights.NAMES, sources))
json.dump(info, open(sys.argv[1], "w"), indent=1)
print(json.dumps(info, indent=1))
EOF

# --- tests and measurements -------------------------------------------------------------------
step tests 200 "${TESTS[@]}"
step style-torch 90 "$PY" tools/bench_style.py "${STYLE[@]}" --runtime torch --json "$RESULTS/style-torch.jsonl"
if ((DRY)) || "$PY" -c "import onnxruntime, sys; sys.exit('CUDAExecutionProvider' not in onnxruntime.get_available_providers())" 2>/dev/null; then
    step style-onnxruntime 60 "$PY" tools/bench_style.py "${STYLE[@]}" --runtime onnxruntime \
        --json "$RESULTS/style-onnxruntime.jsonl"
fi
step dream-graph 150 "$PY" tools/bench_dream.py "${DREAM[@]}" --json "$RESULTS/dream-graph.jsonl"
step dream-eager 150 "$PY" tools/bench_dream.py "${DREAM[@]}" --no-cuda-graph --json "$RESULTS/dream-eager.jsonl"
step gatys 90 "$PY" tools/bench_gatys.py "${GATYS[@]}" --json "$RESULTS/gatys.jsonl"

# --- the table --------------------------------------------------------------------------------
"$PY" - "$RESULTS/info.json" "$(($(date +%s) - START))" <<'EOF'
import json, pathlib, sys
path = pathlib.Path(sys.argv[1])
info = json.loads(path.read_text()) if path.is_file() else {}
info["elapsed_s"] = int(sys.argv[2])
path.write_text(json.dumps(info, indent=1))
EOF
echo
echo "== the table for docs/BENCHMARKS.md"
"$PY" tools/gpu_report.py "$RESULTS" | tee "$RESULTS/gpu_check.md"
if [ -n "${OUT:-}" ] && [ -d "${OUT:-}" ]; then
    cp "$RESULTS/gpu_check.md" "$OUT/"
    cat "$RESULTS"/*.log > "$OUT/gpu_check.log" 2>/dev/null
fi
# Exit 0 only when every step ended cleanly.
! awk -F'\t' '$2 != "0" {bad = 1} END {exit !bad}' "$RESULTS/steps.tsv"

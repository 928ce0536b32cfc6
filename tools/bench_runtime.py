"""Latency of style models on the CPU runtimes, side by side (a measurement, not a test).

    python3 tools/bench_runtime.py MODEL.onnx [MODEL.onnx ...] [--size 640x360] [--threads 2]
        [--rounds 7] [--reps 5] [--ep-python PYTHON] [--int8] [--calibration DIR]
        [--only REGEX] [--json out.json]

For each model (any style model that follows models/README.md, fp32 or fp16) it makes an fp32
and an fp16 graph (and with ``--int8`` two int8 ones) and times single-image inference of one
1 x 3 x H x W frame on:

- ``ort``: onnxruntime's CPU execution provider (fp32 graph; fp16 graph);
- ``ov``: the ``openvino`` package, compile_model with the LATENCY hint,
  INFERENCE_NUM_THREADS, INFERENCE_PRECISION_HINT f32 or bf16; reshaped to the static input
  shape (``static``) or compiled with dynamic H and W (``dynamic``);
- ``ov-ep``: onnxruntime's OpenVINO execution provider, run by ``--ep-python``: the python of
  a second virtual environment holding ``onnxruntime-openvino`` or ``onnxruntime`` plus the
  ``onnxruntime-ep-openvino`` plugin (the two builds install the same ``onnxruntime`` module,
  so they cannot share an environment with plain onnxruntime);
- with ``--int8``: ``ov int8`` (NNCF post-training quantisation of the OpenVINO model, run
  with the bf16 hint) and ``ort int8`` (onnxruntime static QDQ quantisation of the
  convolutions, per channel), both calibrated on photos from ``--calibration`` (default: the
  training corpus, ~/.cache/streamart/corpus).

Each runtime lives in a worker process; the workers take turns: every round runs every
configuration once (one untimed warm-up call, then ``--reps`` timed calls), the order rotating
from round to round, so that load from other processes hits all alike. Reported: the median
over all timed calls and the 10th-90th percentile spread; and each output's agreement with
onnxruntime fp32 on a real photo, as uint8 images: mean absolute difference in grey levels and
PSNR.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------------------------
# Worker: loads models on one runtime and times them on request (JSON lines on stdin/stdout).


def _ort_session(path: str, threads: int, provider: str, options: dict):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.log_severity_level = 3
    if provider == "CPUExecutionProvider":
        return ort.InferenceSession(path, so, providers=[provider])
    try:  # the plugin package (onnxruntime >= 1.23 + onnxruntime-ep-openvino)
        import onnxruntime_ep_openvino as plugin
    except ImportError:
        plugin = None
    if plugin is not None:
        ort.register_execution_provider_library("openvino_ep", plugin.get_library_path())
        devices = [
            d
            for d in ort.get_ep_devices()
            if d.ep_name == plugin.get_ep_name() and d.ep_metadata.get("ov_device", "CPU") == "CPU"
        ]
        if not devices:
            vendor = {d.device.vendor for d in ort.get_ep_devices()}
            raise RuntimeError(
                "onnxruntime-ep-openvino offers no OpenVINO CPU device on this "
                f"machine (CPU vendor {', '.join(sorted(vendor))})"
            )
        so.add_provider_for_devices(devices, options)
        return ort.InferenceSession(path, so)
    session = ort.InferenceSession(path, so, providers=[(provider, options)])
    if session.get_providers()[0] != provider:
        raise RuntimeError(f"{provider} not used (got {session.get_providers()})")
    return session


def _ov_request(path: str, threads: int, precision: str, shape: list[int] | None):
    import openvino as ov

    core = ov.Core()
    model = core.read_model(path)
    if shape is not None:
        model.reshape({model.inputs[0]: shape})
    compiled = core.compile_model(
        model,
        "CPU",
        {
            "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_NUM_THREADS": threads,
            "INFERENCE_PRECISION_HINT": precision,
        },
    )
    return compiled.create_infer_request()


def worker() -> None:
    import time

    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # libraries that print must not break the protocol
    runners = {}
    image = None
    for line in sys.stdin:
        command = json.loads(line)
        try:
            op = command["op"]
            if op == "image":
                image = np.load(command["path"])
                reply = {}
            elif op == "load":
                start = time.perf_counter()
                kind, path, threads = command["kind"], command["path"], command["threads"]
                if kind == "ov":
                    request = _ov_request(path, threads, command["precision"], command["shape"])
                    run = (lambda r: lambda x: r.infer({0: x})[0])(request)
                else:
                    session = _ort_session(path, threads, command["provider"], command.get("options", {}))
                    name = session.get_inputs()[0].name
                    run = (lambda s, n: lambda x: s.run(None, {n: x})[0])(session, name)
                run(image)  # the first call compiles/plans; part of the load time
                runners[command["id"]] = run
                reply = {"load_s": time.perf_counter() - start}
            elif op == "time":
                run = runners[command["id"]]
                run(image)  # warm-up after the other configurations ran
                times = []
                for _ in range(command["reps"]):
                    start = time.perf_counter()
                    run(image)
                    times.append(time.perf_counter() - start)
                reply = {"times": times}
            elif op == "output":
                np.save(command["path"], np.asarray(runners[command["id"]](image), np.float32))
                reply = {}
            elif op == "versions":
                reply = {"python": sys.executable}
                for module in ("onnxruntime", "openvino", "onnxruntime_ep_openvino"):
                    try:
                        from importlib import metadata

                        dist = {"onnxruntime_ep_openvino": "onnxruntime-ep-openvino"}.get(module, module)
                        for candidate in (dist, "onnxruntime-openvino"):
                            try:
                                reply[candidate] = metadata.version(candidate)
                            except metadata.PackageNotFoundError:
                                pass
                    except Exception:  # noqa: BLE001 - versions are informative only
                        pass
            else:
                raise ValueError(f"unknown op {op}")
        except Exception as exc:  # noqa: BLE001 - reported to the coordinator
            reply = {"error": f"{type(exc).__name__}: {exc}".splitlines()[0][:300]}
        out.write(json.dumps(reply) + "\n")
        out.flush()


class Worker:
    """A worker process on some python interpreter."""

    def __init__(self, python: str):
        self.process = subprocess.Popen(
            [python, __file__, "--worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )

    def ask(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("worker died")
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


# ---------------------------------------------------------------------------------------------
# Coordinator: graphs, configurations, rounds, table.


def to_fp32(model):
    """An all-float32 copy of a style graph: float16 initializers become float32 and every
    Cast between float types is dropped (it is an identity in an all-float32 graph)."""
    import onnx
    from onnx import TensorProto, numpy_helper

    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    for init in graph.initializer:
        if init.data_type == TensorProto.FLOAT16:
            init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float32), init.name))
    for node in graph.node:
        if node.op_type == "Constant":
            for attribute in node.attribute:
                if attribute.name == "value" and attribute.t.data_type == TensorProto.FLOAT16:
                    attribute.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(attribute.t).astype(np.float32)))
    float_types = {TensorProto.FLOAT, TensorProto.FLOAT16}
    rename = {}
    kept = []
    outputs = {o.name for o in graph.output}
    for node in graph.node:
        node.input[:] = [rename.get(name, name) for name in node.input]
        if node.op_type == "Cast" and node.attribute[0].i in float_types:
            if node.output[0] in outputs:  # keep the graph output's name: rename its producer
                producer = next(n for n in kept if node.input[0] in n.output)
                producer.output[list(producer.output).index(node.input[0])] = node.output[0]
                rename[node.input[0]] = node.output[0]
            else:
                rename[node.output[0]] = node.input[0]
            continue
        kept.append(node)
    del graph.node[:]
    graph.node.extend(kept)
    del graph.value_info[:]
    return model


def photo(width: int, height: int) -> np.ndarray:
    """A real photo (scikit-image's coffee, held out of training) as 1 x 3 x H x W float32."""
    import cv2
    from skimage import data

    image = cv2.resize(data.coffee(), (width, height), interpolation=cv2.INTER_AREA)
    return image.transpose(2, 0, 1)[None].astype(np.float32)


def calibration_images(folder: Path, width: int, height: int, count: int) -> list[np.ndarray]:
    """``count`` photos from ``folder``, scaled to cover width x height and centre-cropped."""
    import cv2

    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    if not paths:
        raise SystemExit(f"error: no photos in {folder} for int8 calibration (--calibration)")
    images = []
    for path in paths[:count]:
        image = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
        scale = max(width / image.shape[1], height / image.shape[0])
        image = cv2.resize(
            image, (round(image.shape[1] * scale) + 1, round(image.shape[0] * scale) + 1), interpolation=cv2.INTER_AREA
        )
        top, left = (image.shape[0] - height) // 2, (image.shape[1] - width) // 2
        image = image[top : top + height, left : left + width]
        images.append(image.transpose(2, 0, 1)[None].astype(np.float32))
    return images


def quantize_ov(fp32_path: Path, out: Path, shape: list[int], images: list[np.ndarray]) -> Path:
    import nncf
    import openvino as ov

    model = ov.Core().read_model(str(fp32_path))
    model.reshape({model.inputs[0]: shape})
    quantized = nncf.quantize(model, nncf.Dataset(images), subset_size=len(images))
    ov.save_model(quantized, str(out))
    return out


def quantize_ort(fp32_path: Path, out: Path, images: list[np.ndarray]) -> Path:
    from onnxruntime import quantization as q

    class Reader(q.CalibrationDataReader):
        def __init__(self):
            self.items = iter(images)

        def get_next(self):
            item = next(self.items, None)
            return None if item is None else {"input": item}

    prepared = out.with_suffix(".pre.onnx")
    q.quant_pre_process(str(fp32_path), str(prepared), skip_symbolic_shape=True)
    q.quantize_static(
        str(prepared),
        str(out),
        Reader(),
        quant_format=q.QuantFormat.QDQ,
        per_channel=True,
        op_types_to_quantize=["Conv"],
        activation_type=q.QuantType.QUInt8,
        weight_type=q.QuantType.QInt8,
    )
    return out


@dataclass
class Config:
    model: str
    name: str
    worker: str
    load: dict
    times: list[float] = field(default_factory=list)
    error: str | None = None
    load_s: float | None = None
    output: np.ndarray | None = None


def machine() -> str:
    """CPU model (streamart.offline.bench.cpu_name), logical CPUs and the relevant ISA flags."""
    from streamart.offline.bench import cpu_name

    try:
        flags = next(
            line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")
        ).split()
    except (OSError, StopIteration):
        flags = []
    extra = [f for f in ("avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16") if f in flags]
    return f"{cpu_name()} ({os.cpu_count()} logical CPUs; {' '.join(extra) or 'no AVX-512'})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", type=Path)
    parser.add_argument("--size", default="640x360", help="W x H (default %(default)s)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--ep-python", help="python of a venv with onnxruntime's OpenVINO EP")
    parser.add_argument("--int8", action="store_true", help="also quantise to int8 and time it")
    parser.add_argument("--calibration", type=Path, default=Path.home() / ".cache" / "streamart" / "corpus")
    parser.add_argument("--calibration-count", type=int, default=16)
    parser.add_argument("--only", help="run only configurations whose 'model name' matches")
    parser.add_argument("--json", type=Path, help="also write all timings here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return 0
    if not args.models:
        parser.error("give at least one model")

    import onnx

    sys.path.insert(0, str(ROOT))
    from streamart.offline.export import convert_to_fp16

    width, height = (int(v) for v in args.size.lower().split("x"))
    shape = [1, 3, height, width]
    work = Path(tempfile.mkdtemp(prefix="bench_runtime_"))
    image = photo(width, height)
    np.save(work / "image.npy", image)
    calibration = calibration_images(args.calibration, width, height, args.calibration_count) if args.int8 else []

    configs: list[Config] = []
    for model_path in args.models:
        label = model_path.stem
        fp32 = to_fp32(onnx.load(str(model_path)))
        fp32_path, fp16_path = work / f"{label}.fp32.onnx", work / f"{label}.fp16.onnx"
        onnx.save(fp32, str(fp32_path))
        onnx.save(convert_to_fp16(fp32), str(fp16_path))
        t = args.threads
        configs += [
            Config(
                label,
                "ort fp32",
                "main",
                dict(kind="ort", path=str(fp32_path), threads=t, provider="CPUExecutionProvider"),
            ),
            Config(
                label,
                "ort fp16 graph",
                "main",
                dict(kind="ort", path=str(fp16_path), threads=t, provider="CPUExecutionProvider"),
            ),
            Config(
                label,
                "ov f32 static",
                "main",
                dict(kind="ov", path=str(fp32_path), threads=t, precision="f32", shape=shape),
            ),
            Config(
                label,
                "ov bf16 static",
                "main",
                dict(kind="ov", path=str(fp32_path), threads=t, precision="bf16", shape=shape),
            ),
            Config(
                label,
                "ov bf16 dynamic",
                "main",
                dict(kind="ov", path=str(fp32_path), threads=t, precision="bf16", shape=None),
            ),
        ]
        if args.ep_python:
            for precision in ("f32", "bf16"):
                options = {
                    "device_type": "CPU",
                    "num_of_threads": str(t),
                    "load_config": json.dumps(
                        {
                            "CPU": {
                                "PERFORMANCE_HINT": "LATENCY",
                                "INFERENCE_NUM_THREADS": str(t),
                                "INFERENCE_PRECISION_HINT": precision,
                            }
                        }
                    ),
                }
                configs.append(
                    Config(
                        label,
                        f"ov-ep {precision}",
                        "ep",
                        dict(
                            kind="ort",
                            path=str(fp32_path),
                            threads=t,
                            provider="OpenVINOExecutionProvider",
                            options=options,
                        ),
                    )
                )
        if args.int8:
            try:
                xml = quantize_ov(fp32_path, work / f"{label}.ov-int8.xml", shape, calibration)
                configs.append(
                    Config(
                        label,
                        "ov int8 (bf16 rest)",
                        "main",
                        dict(kind="ov", path=str(xml), threads=t, precision="bf16", shape=shape),
                    )
                )
            except Exception as exc:  # noqa: BLE001 - reported in the table
                print(f"{label}: NNCF quantisation failed: {exc}", file=sys.stderr)
            try:
                qdq = quantize_ort(fp32_path, work / f"{label}.ort-int8.onnx", calibration)
                configs.append(
                    Config(
                        label,
                        "ort int8 (QDQ)",
                        "main",
                        dict(kind="ort", path=str(qdq), threads=t, provider="CPUExecutionProvider"),
                    )
                )
            except Exception as exc:  # noqa: BLE001 - reported in the table
                print(f"{label}: onnxruntime quantisation failed: {exc}", file=sys.stderr)
    if args.only:
        configs = [c for c in configs if re.search(args.only, f"{c.model} {c.name}") or c.name == "ort fp32"]

    workers = {"main": Worker(sys.executable)}
    if args.ep_python:
        workers["ep"] = Worker(args.ep_python)
    versions = {}
    for key, w in workers.items():
        w.ask(op="image", path=str(work / "image.npy"))
        versions[key] = w.ask(op="versions")
    for index, config in enumerate(configs):
        reply = workers[config.worker].ask(op="load", id=index, **config.load)
        config.error, config.load_s = reply.get("error"), reply.get("load_s")
        if config.error:
            print(f"{config.model} {config.name}: {config.error}", file=sys.stderr)
    live = [i for i, c in enumerate(configs) if not c.error]
    for round_index in range(args.rounds):
        shift = round_index % max(len(live), 1)
        for index in live[shift:] + live[:shift]:
            config = configs[index]
            reply = workers[config.worker].ask(op="time", id=index, reps=args.reps)
            config.times += reply["times"]
        print(f"round {round_index + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    for index in live:
        config = configs[index]
        path = work / f"out{index}.npy"
        workers[config.worker].ask(op="output", id=index, path=str(path))
        config.output = np.load(path)
    for w in workers.values():
        w.close()

    def as_uint8(output: np.ndarray) -> np.ndarray:
        return np.clip(output, 0, 255).round().astype(np.uint8).astype(np.float64)

    print(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}")
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}")
    print(f"command: python3 tools/bench_runtime.py {' '.join(sys.argv[1:])}")
    for key, value in versions.items():
        print(f"worker {key}: {json.dumps(value)}")
    print(
        f"\ninput 1x3x{height}x{width}, {args.threads} threads, {args.rounds} rounds x "
        f"{args.reps} timed calls, runtimes alternating; agreement vs ort fp32 on a photo "
        "(uint8 output)\n"
    )
    print(
        "| model | runtime / precision | median ms | p10-p90 ms | vs ort fp32 | load s "
        "| mean abs diff (grey levels) | PSNR dB |"
    )
    print("|---|---|---|---|---|---|---|---|")
    rows = []
    for model in dict.fromkeys(c.model for c in configs):
        group = [c for c in configs if c.model == model]
        base = next((c for c in group if c.name == "ort fp32" and not c.error), None)
        for c in group:
            if c.error:
                print(f"| {model} | {c.name} | failed: {c.error} | | | | | |")
                continue
            median = 1000 * float(np.median(c.times))
            p10, p90 = (1000 * float(np.percentile(c.times, q)) for q in (10, 90))
            speedup = (float(np.median(base.times)) / float(np.median(c.times))) if base else None
            diff = psnr = None
            if base is not None:
                error = as_uint8(c.output) - as_uint8(base.output)
                diff = float(np.abs(error).mean())
                mse = float((error**2).mean())
                psnr = 10 * np.log10(255**2 / mse) if mse > 0 else float("inf")
            print(
                f"| {model} | {c.name} | {median:.1f} | {p10:.1f}-{p90:.1f} | "
                f"{speedup:.2f}x | {c.load_s:.2f} | {diff:.3f} | {psnr:.1f} |"
            )
            rows.append(
                dict(
                    model=model,
                    runtime=c.name,
                    median_ms=median,
                    p10_ms=p10,
                    p90_ms=p90,
                    load_s=c.load_s,
                    mean_abs_diff=diff,
                    psnr=psnr,
                    times=c.times,
                )
            )
    if args.json:
        args.json.write_text(json.dumps({"versions": versions, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

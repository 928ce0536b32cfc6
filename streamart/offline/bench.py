"""Benchmark of the video path: does the threaded pipeline really overlap its work?

One invocation measures, on the same synthetic clip: decode + encode with no stage, the style
stages alone on frames held in memory (no threads, no codec), and the full pipeline. With
perfect overlap the full run takes as long as the slower of the other two.
"""

from __future__ import annotations

import platform
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..api import build_style_stages, run, stylize_video
from ..config import EncodeConfig, LookConfig
from ..core.runner import PipelineStats
from ..errors import InputError
from ..ops.image import limit_short_side
from ..runtimes import ImageModel
from ..runtimes.openvino import OpenVinoModel
from ..sinks.encoder import EncoderSink
from ..sources.file import FileSource
from ..sources.synthetic import SyntheticSource
from ..stages.style import StyleStage


@dataclass(frozen=True)
class BenchResult:
    frames: int
    width: int
    height: int
    style: str  # the model file's name, e.g. starry_night-cpu
    runtime: str  # what ran it, e.g. "OpenVINO bf16" or "onnxruntime cuda"
    working_size: tuple[int, int]  # (width, height) the network saw
    codec_seconds: float  # decode + encode, no stage
    model_seconds: float  # stages alone, frames already in memory
    pipeline_seconds: float  # everything, threaded
    pipeline_stats: PipelineStats

    @property
    def overhead(self) -> float:
        """Full run time over the slower of its parts, minus one (0.05 = 5% above)."""
        return self.pipeline_seconds / max(self.codec_seconds, self.model_seconds) - 1.0

    def summary(self) -> str:
        fps = lambda seconds: self.frames / seconds  # noqa: E731
        return "\n".join(
            [
                f"clip: {self.frames} frames of {self.width}x{self.height}",
                f"style: {self.style} on {self.runtime}, working size {self.working_size[0]}x{self.working_size[1]}",
                f"decode+encode only: {self.codec_seconds:7.2f} s  {fps(self.codec_seconds):6.1f} fps",
                f"model only:         {self.model_seconds:7.2f} s  {fps(self.model_seconds):6.1f} fps",
                f"full pipeline:      {self.pipeline_seconds:7.2f} s  {fps(self.pipeline_seconds):6.1f} fps",
                f"full / slower part: {1 + self.overhead:.3f} (target <= 1.10)",
                "per stage (full pipeline):",
                self.pipeline_stats.summary(),
            ]
        )


def cpu_name() -> str:
    """The CPU's model name, for benchmark reports (Linux's /proc/cpuinfo, else platform's)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def benchmark(
    *,
    look: LookConfig = LookConfig(),
    width: int = 1280,
    height: int = 720,
    frames: int = 120,
    encode: EncodeConfig = EncodeConfig(preset="veryfast"),
) -> BenchResult:
    """Run the three measurements on a synthetic clip written to a temporary folder, with the
    style, temporal consistency and flow preset of ``look`` (it times a style model: a look
    with a dream is refused)."""
    if look.dream is not None:
        raise InputError("the benchmark times a style model; give a look without a dream")
    with tempfile.TemporaryDirectory(prefix="streamart-bench-") as folder:
        clip = Path(folder) / "clip.mp4"
        synthetic = SyntheticSource(width=width, height=height, frames=frames)
        run(synthetic, [], [EncoderSink(clip, info=synthetic.info, encode=EncodeConfig(preset="veryfast"))])

        started = time.perf_counter()
        stylize_video(clip, Path(folder) / "codec.mp4", stages=[], encode=encode)
        codec_seconds = time.perf_counter() - started

        with FileSource(clip) as source:
            decoded = list(source)
        stages = build_style_stages(look.style, temporal=look.temporal, flow_preset=look.flow_preset)
        model = next(stage for stage in stages if isinstance(stage, StyleStage)).model
        started = time.perf_counter()
        for frame in decoded:
            for stage in stages:
                frame = stage.process(frame)
        model_seconds = time.perf_counter() - started
        del decoded

        # Fresh stages, built before the clock starts: no history from the run above.
        stages = build_style_stages(look.style, temporal=look.temporal, flow_preset=look.flow_preset)
        started = time.perf_counter()
        stats = stylize_video(clip, Path(folder) / "full.mp4", stages=stages, encode=encode)
        pipeline_seconds = time.perf_counter() - started
    working_height, working_width = limit_short_side(height, width, look.style.size)
    return BenchResult(
        frames,
        width,
        height,
        model.name,
        runtime_name(model.runtime),
        (working_width, working_height),
        codec_seconds,
        model_seconds,
        pipeline_seconds,
        stats,
    )


def runtime_name(runtime: ImageModel) -> str:
    """What runs a network, for reports: "OpenVINO bf16", "onnxruntime cpu", ..."""
    if isinstance(runtime, OpenVinoModel):
        return f"OpenVINO {runtime.precision}"
    return f"onnxruntime {runtime.device}"

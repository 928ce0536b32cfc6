"""benchmark() on a tiny synthetic clip with a tiny style model."""

from __future__ import annotations

import dataclasses
import re

import pytest

from streamart.config import DreamVideoConfig, LookConfig, StyleConfig
from streamart.core.runner import PipelineStats
from streamart.errors import InputError
from streamart.offline.bench import BenchResult, benchmark, cpu_name


@pytest.fixture(scope="module")
def result(tmp_path_factory) -> BenchResult:
    from model_factory import make_style_model

    model = make_style_model(tmp_path_factory.mktemp("model") / "tiny.onnx")
    look = LookConfig(style=StyleConfig(model=model, size=32, device="cpu"))
    return benchmark(look=look, width=64, height=48, frames=4)


def test_the_result_describes_the_clip_and_three_timings(result):
    assert result.frames == 4 and (result.width, result.height) == (64, 48)
    for seconds in (result.codec_seconds, result.model_seconds, result.pipeline_seconds):
        assert 0 < seconds < 60
    assert isinstance(result.pipeline_stats, PipelineStats)
    assert result.pipeline_stats.frames_out == 4


def test_the_full_run_went_through_every_stage(result):
    stats = result.pipeline_stats
    assert [step.name for step in stats.stages] == ["style", "temporal-blend", "finish"]
    assert [step.frames for step in stats.stages] == [4, 4, 4]
    assert [(step.name, step.frames) for step in stats.sinks] == [("encoder", 4)]
    assert stats.dropped == 0


def test_overhead_is_the_full_run_over_the_slower_part(result):
    slower = max(result.codec_seconds, result.model_seconds)
    assert result.overhead == pytest.approx(result.pipeline_seconds / slower - 1)
    # Known values: a full run twice as long as its slower part is 100 % overhead.
    made_up = dataclasses.replace(result, codec_seconds=1.0, model_seconds=2.0, pipeline_seconds=4.0)
    assert made_up.overhead == pytest.approx(1.0)


def test_the_summary_has_one_line_per_measurement_then_the_stages(result):
    lines = result.summary().splitlines()
    assert lines[0] == "clip: 4 frames of 64x48"
    assert lines[1] == "style: tiny on onnxruntime cpu, working size 43x32"  # what was measured
    assert re.fullmatch(r"decode\+encode only: +\d+\.\d\d s +\d+\.\d fps", lines[2])
    assert re.fullmatch(r"model only: +\d+\.\d\d s +\d+\.\d fps", lines[3])
    assert re.fullmatch(r"full pipeline: +\d+\.\d\d s +\d+\.\d fps", lines[4])
    assert re.fullmatch(r"full / slower part: \d+\.\d{3} \(target <= 1\.10\)", lines[5])
    assert lines[6] == "per stage (full pipeline):"
    assert "\n".join(lines[7:]) == result.pipeline_stats.summary()


def test_the_summary_rates_are_frames_over_seconds(result):
    result = dataclasses.replace(result, frames=10, codec_seconds=2.0, model_seconds=0.5, pipeline_seconds=2.5)
    lines = result.summary().splitlines()
    assert lines[2].split()[-2:] == ["5.0", "fps"] and lines[3].split()[-2:] == ["20.0", "fps"]
    assert lines[4].split()[-2:] == ["4.0", "fps"]
    assert lines[5] == "full / slower part: 1.250 (target <= 1.10)"


def test_cpu_name_is_a_readable_name():
    name = cpu_name()
    assert isinstance(name, str) and name.strip() == name and name


def test_a_look_with_a_dream_is_refused_before_any_work():
    with pytest.raises(InputError, match="the benchmark times a style model; give a look without a dream"):
        benchmark(look=LookConfig(dream=DreamVideoConfig()))

"""`streamart bench` on a tiny synthetic clip and a tiny style model."""

from __future__ import annotations

import re

import pytest

from streamart.cli import main


def test_bench_prints_the_three_timings_and_the_stages(tiny_model, capsys):
    args = ["bench", "--width", "64", "--height", "48", "--frames", "4", "--style", str(tiny_model), "--device", "cpu"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"clip: 4 frames of 64x48\nstyle: {tiny_model.stem} on onnxruntime cpu, working size 64x48\n")
    for label in ("decode+encode only:", "model only:", "full pipeline:"):
        assert re.search(rf"^{re.escape(label)}\s+\d+\.\d\d s\s+\d+\.\d fps$", out, re.M), label
    assert re.search(r"^full / slower part: \d+\.\d{3} \(target <= 1\.10\)$", out, re.M)
    stage_rows = {line.split()[0]: line.split()[1] for line in out.splitlines() if len(line.split()) == 4}
    assert stage_rows["style"] == stage_rows["temporal-blend"] == stage_rows["encoder"] == "4"


def test_bench_without_temporal_runs_only_the_style(tiny_model, capsys):
    args = ["bench", "--width", "32", "--height", "32", "--frames", "2", "--style", str(tiny_model), "--temporal", "0"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "temporal-blend" not in out and re.search(r"^style\s+2\s", out, re.M)


def test_bench_names_openvino_and_the_working_size_of_a_big_clip(capsys):
    args = ["bench", "--width", "1280", "--height", "720", "--frames", "1", "--temporal", "0", "--device", "openvino"]
    assert main(args) == 0
    style_line = capsys.readouterr().out.splitlines()[1]
    assert re.fullmatch(r"style: starry_night-cpu on OpenVINO (bf16|f32), working size 853x480", style_line), style_line


def test_every_bench_option_has_help(capsys):
    with pytest.raises(SystemExit):
        main(["bench", "--help"])
    usage = capsys.readouterr().out
    for option in ("--width", "--height", "--frames"):
        assert re.search(rf"^\s+{option} \w+\s+\S", usage, re.M), option


def test_bench_refuses_a_zero_frame_count(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--frames", "0"])
    assert exit_info.value.code == 2
    assert "--frames" in capsys.readouterr().err

"""The benchmark tools' own logic: the style model on torch, the peer benchmark's parsing of
tools/bench_live.py, and the GPU report of a run where steps failed."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import bench_peer  # noqa: E402
import bench_style  # noqa: E402
import gpu_report  # noqa: E402
from streamart.assets.models import resolve_model  # noqa: E402


def test_torch_runs_the_shipped_onnx_model_like_onnxruntime(one_torch_thread):
    path = resolve_model(None)
    runner = bench_style.TorchRunner(path, "cpu", "fp32")
    reference = bench_style.OnnxRuntimeRunner(path, "cpu", "fp32")
    image = bench_style.test_frame(72, 56, seed=3)  # larger than the 48 px margin
    ours, theirs = runner.run(image), reference.run(image)
    assert ours.shape == theirs.shape == (3, 56, 72)
    assert np.abs(ours - theirs).mean() < 0.5  # grey levels; the model stores fp16 weights
    assert np.abs(ours - image.transpose(2, 0, 1)).mean() > 10  # and it did stylize
    frame = runner.frame_to_frame(image)
    assert frame.dtype == np.uint8 and frame.shape == image.shape


def test_a_bench_live_row_is_parsed():
    row = ("| 2026-11-30 | AMD EPYC, 2 cores | `python3 tools/bench_live.py --seconds 10 --size 240` | "
           "starry_night-lite | 640x480@30 | 15.5 | 88 / 116 ms | 118 of 300 |")  # fmt: skip
    found = bench_peer.LIVE_ROW.search(row).groupdict()
    assert found == {"fps": "15.5", "p50": "88", "p95": "116", "dropped": "118", "of": "300"}


def test_the_gpu_report_shows_failed_and_timed_out_steps(tmp_path, capsys, monkeypatch):
    (tmp_path / "info.json").write_text(json.dumps({"dry_run": False, "device": "a GPU", "date": "today"}))
    (tmp_path / "steps.tsv").write_text("tests\t0\t40\ndream-graph\t124\t150\ngatys\t1\t3\n")
    (tmp_path / "tests.log").write_text("....\n7 passed, 900 deselected in 40.0s\n")
    (tmp_path / "dream-graph.jsonl").write_text(json.dumps({
        "preset": "creatures", "layer": "block10", "size": "1280x720", "steps": 4, "device": "cuda",
        "cuda_graph": True, "dream_ms": 20.0, "flow_ms": 5.0, "dream_cpu_s": 0.1, "fps": 50.0,
    }) + "\n")  # fmt: skip
    monkeypatch.setattr("sys.argv", ["gpu_report.py", str(tmp_path)])
    gpu_report.main()
    table = capsys.readouterr().out
    assert "7 passed, 900 deselected" in table
    assert "20.0 ms per frame (50.0 fps)" in table
    assert "timed out after 150 s" in table
    assert "failed with exit code 1 after 3 s (see gatys.log)" in table
    assert "steps not clean: dream-graph, gatys" in table


def test_the_gpu_report_shows_a_gatys_row_of_tools_bench_gatys(tmp_path, capsys, monkeypatch):
    (tmp_path / "info.json").write_text(json.dumps({"dry_run": False, "device": "a GPU", "date": "today"}))
    (tmp_path / "steps.tsv").write_text("gatys\t0\t40\n")
    (tmp_path / "gatys.jsonl").write_text(json.dumps({
        "pair": "astronaut:starry_night", "size": "512x512", "precision": "bf16", "style_ratio": 0.05,
        "content_distance": 0.9, "ns_style_ratio": None, "ns_content_distance": None, "seconds": 4.2,
        "steps": 330, "reference_500_s": 21.0, "time_ratio": 0.2,
    }) + "\n")  # fmt: skip
    monkeypatch.setattr("sys.argv", ["gpu_report.py", str(tmp_path)])
    gpu_report.main()
    table = capsys.readouterr().out
    assert "Gatys 512x512, bf16, 330 steps" in table and "4.20 s in all, 0.20 times 500 fp32 passes" in table

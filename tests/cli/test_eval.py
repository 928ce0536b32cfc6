"""`streamart eval flicker` end to end on real (lossless H.264 RGB) video files."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from streamart.cli import main
from streamart.offline.evaluation import flicker_report


def pan(frames: int, seed: int = 0) -> list[np.ndarray]:
    """A 96x64 window moving 3 whole pixels right per frame over blurred noise."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (64, 96 + 3 * frames, 3), dtype=np.uint8)
    scene = cv2.GaussianBlur(noise, (0, 0), 2.0)
    return [np.ascontiguousarray(scene[:, 3 * t : 3 * t + 96]) for t in range(frames)]


def write_video(path: Path, images: list[np.ndarray]) -> Path:
    """Lossless RGB video, so the metric sees exactly these pixels."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264rgb", rate=10, options={"crf": "0"})
        stream.height, stream.width = images[0].shape[:2]
        stream.pix_fmt = "rgb24"
        for image in images:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode(None))
    return path


@pytest.fixture
def videos(tmp_path: Path) -> dict[str, Path]:
    clip = pan(8)
    steady = [255 - image for image in clip]
    rng = np.random.default_rng(3)
    per_frame = [np.clip(s + rng.normal(0, 10, s.shape), 0, 255).astype(np.uint8) for s in steady]
    return {
        "input": write_video(tmp_path / "input.mkv", clip),
        "steady": write_video(tmp_path / "steady.mkv", steady),
        "per_frame": write_video(tmp_path / "per_frame.mkv", per_frame),
        "short": write_video(tmp_path / "short.mkv", steady[:5]),
        "arrays": (clip, steady, per_frame),
    }


def test_flicker_reports_errors_ratio_fidelity_and_plots(videos, tmp_path, capsys):
    plot = tmp_path / "flicker.png"
    code = main(
        [
            "eval",
            "flicker",
            str(videos["input"]),
            str(videos["steady"]),
            "--stylized",
            str(videos["per_frame"]),
            "--plot",
            str(plot),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    clip, steady, per_frame = videos["arrays"]
    expected = flicker_report(clip, steady, per_frame)
    assert "frames:            8 (7 pairs)" in printed
    assert f"warping error:     {expected.output_error:.3e}" in printed
    assert f"per-frame error:   {expected.stylized_error:.3e}" in printed
    assert f"fidelity PSNR:     {expected.fidelity_psnr:.2f} dB" in printed
    assert expected.error_ratio < 0.05  # the steady run has almost no flicker
    image = cv2.imread(str(plot))
    assert image is not None and image.shape[0] > 100 and image.shape[1] > 100
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_flicker_without_per_frame_run(videos, capsys):
    assert main(["eval", "flicker", str(videos["input"]), str(videos["per_frame"])]) == 0
    printed = capsys.readouterr().out
    assert "warping error:" in printed and "fidelity" not in printed


def test_missing_input_is_a_one_line_error(videos, tmp_path, capsys):
    code = main(["eval", "flicker", str(tmp_path / "nope.mp4"), str(videos["steady"])])
    assert code == 2
    assert capsys.readouterr().err.startswith("error: input")


def test_videos_of_different_length_are_refused(videos, capsys):
    code = main(["eval", "flicker", str(videos["input"]), str(videos["short"])])
    assert code == 2
    assert "differ in length" in capsys.readouterr().err


@pytest.mark.parametrize("plot_name", ["missing-folder/plot.png", "plot.jpg"])
def test_unwritable_plot_is_refused_before_measuring(videos, tmp_path, capsys, plot_name):
    code = main(["eval", "flicker", str(videos["input"]), str(videos["steady"]), "--plot", str(tmp_path / plot_name)])
    assert code == 3
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and "plot" in captured.err
    assert captured.out == ""  # nothing was measured

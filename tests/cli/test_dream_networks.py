"""Dream networks from the command line: `streamart video/webcam --dream PRESET --dream-method`,
`streamart models`, and a dream network where a style is asked for. The network is a tiny
model (tests/model_factory.py) with a dream network's metadata."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
from model_factory import make_dream_model, reference_style

from streamart.cli import main
from streamart.ops.video import to_rgb

#: The seed of the tiny dream network's colour mix (make_dream_model's default).
DREAM_SEED = 1


@pytest.fixture
def networks(tmp_path, monkeypatch) -> Path:
    """A $STREAMART_MODELS folder with a dream network for creatures, named as the contract says."""
    folder = tmp_path / "models"
    folder.mkdir()
    make_dream_model(folder / "dream_creatures.onnx", "creatures", seed=DREAM_SEED)
    monkeypatch.setenv("STREAMART_MODELS", str(folder))
    return folder


def frames_of(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [to_rgb(frame) for frame in container.decode(container.streams.video[0])]


def test_video_dreams_with_the_network(networks, clip_factory, tmp_path):
    clip = clip_factory("clip.mp4", width=96, height=64, frames=8, fps=10)
    out = tmp_path / "out.mp4"
    args = ["video", str(clip), str(out), "--dream", "creatures", "--dream-method", "net", "--temporal", "0"]
    assert main([*args, "--size", "full", "-q"]) == 0
    before, after = frames_of(clip), frames_of(out)
    assert len(after) == len(before) == 8
    # Each frame is the network's picture of it (up to the encoder's loss), not the frame itself.
    expected = reference_style(before[4], seed=DREAM_SEED)
    assert np.abs(after[4].astype(float) - expected).mean() < 3
    assert np.abs(after[4].astype(int) - before[4].astype(int)).mean() > 5


def test_the_network_is_steadied_by_the_temporal_blend(networks, clip_factory, tmp_path):
    clip = clip_factory("clip.mp4", width=96, height=64, frames=8, fps=10)
    out = tmp_path / "out.mp4"
    assert main(["video", str(clip), str(out), "--dream", "--dream-method", "net", "--temporal", "1", "-q"]) == 0
    assert len(frames_of(out)) == 8


@pytest.mark.parametrize(
    ("method", "hide_torch"),
    [("net", False), ("auto", True)],
    ids=["net-pulls-no-torch", "auto-runs-without-torch"],
)
def test_the_network_needs_no_torch(networks, clip, tmp_path, method, hide_torch):
    out = tmp_path / "out.mp4"
    script = (
        "import sys\n"
        + ("sys.modules['torch'] = None\n" if hide_torch else "")  # as if it were not installed
        + "from streamart.cli import main\n"
        + f"code = main(['video', {str(clip)!r}, {str(out)!r}, '--dream', '--dream-method', {method!r}, '-q'])\n"
        + "print(code, sys.modules.get('torch') is not None)\n"
    )
    env = {**os.environ, "STREAMART_MODELS": str(networks)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert result.stdout.split() == ["0", "False"], result.stderr
    assert out.is_file()


def test_webcam_dreams_with_the_network(networks, clip_factory, tmp_path):
    camera = clip_factory("camera.mp4", width=64, height=48, frames=5, fps=25)
    record = tmp_path / "rec.mp4"
    args = ["webcam", "--camera", str(camera), "--dream", "creatures", "--dream-method", "net"]
    assert main([*args, "--record", str(record), "-q"]) == 0
    assert 1 <= len(frames_of(record)) <= 5


def test_net_for_a_preset_without_one_is_a_line_listing_those_with_one(networks, clip, tmp_path, capsys):
    out = tmp_path / "out.mp4"
    assert main(["video", str(clip), str(out), "--dream", "dogs", "--dream-method", "net", "-q"]) != 0
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "no dream network for the dream 'dogs'" in line and "presets with one: creatures;" in line
    assert not out.exists()


def test_dream_method_needs_dream(networks, clip, tmp_path, capsys):
    assert main(["video", str(clip), str(tmp_path / "out.mp4"), "--dream-method", "net", "-q"]) != 0
    assert "--dream-method net chooses how --dream dreams: add --dream PRESET" in capsys.readouterr().err


def test_models_lists_the_dreams_apart_by_preset(networks, capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    styles, _, dreams = out.partition("\ndreams (--dream PRESET):\n")
    assert [line.split()[0] for line in dreams.splitlines()] == ["creatures"]
    assert "dream_creatures" not in styles and "creatures" not in styles.split()


def test_a_dream_network_by_name_as_a_style_says_to_dream_and_by_path_it_runs(networks, clip, tmp_path, capsys):
    out = tmp_path / "out.mp4"
    assert main(["video", str(clip), str(out), "--style", "dream_creatures", "-q"]) != 0
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "'dream_creatures' is a dream network, not a style; dream with --dream PRESET" in line
    # By its path it is an image-to-image network like any style's.
    assert main(["video", str(clip), str(out), "--style", str(networks / "dream_creatures.onnx"), "-q"]) == 0

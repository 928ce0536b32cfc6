"""Training with the real VGG16: the loss goes down, checkpoints resume, the CLI works."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import onnxruntime
import pytest
import torch

from streamart.cli import main
from streamart.errors import InputError, InputNotFoundError
from streamart.config import TrainingConfig
from streamart.offline.training import Trainer, temporal_loss


def write_photo(path: Path, seed: int, size=(96, 128)) -> None:
    """A photo-like picture: smooth colour gradients, a few filled shapes, mild noise."""
    rng = np.random.default_rng(seed)
    h, w = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    image = np.stack([x / w * rng.uniform(80, 255), y / h * rng.uniform(80, 255),
                      np.full_like(x, rng.uniform(0, 255))], -1)
    for _ in range(4):
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.circle(image, centre, int(rng.integers(8, 30)), rng.uniform(0, 255, 3).tolist(), -1)
    image += rng.normal(0, 6, image.shape)
    cv2.imwrite(str(path), np.clip(image, 0, 255).astype(np.uint8)[..., ::-1])


@pytest.fixture(scope="module")
def content_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("photos")
    for seed in range(3):
        write_photo(folder / f"photo{seed}.png", seed)
    return folder


@pytest.fixture(scope="module")
def style_path(tmp_path_factory) -> Path:
    """A 'painting' with a strong texture: thick diagonal stripes in saturated colours."""
    y, x = np.mgrid[0:128, 0:128]
    stripes = ((x + y) // 8) % 3
    palette = np.array([[230, 40, 30], [250, 210, 40], [30, 60, 200]], np.uint8)
    path = tmp_path_factory.mktemp("style") / "stripes.png"
    cv2.imwrite(str(path), palette[stripes][..., ::-1])
    return path


def config(content_dir, style_path, tmp_path, **overrides) -> TrainingConfig:
    options = dict(style=style_path, data=content_dir, out=tmp_path / "model.onnx",
                   variant="lite", iterations=4, batch_size=2, image_size=64,
                   learning_rate=1e-3, temporal_weight=50.0, sample_every=2,
                   checkpoint_every=2, threads=1)
    return TrainingConfig(**(options | overrides))


def test_a_few_iterations_lower_the_loss(content_dir, style_path, tmp_path):
    trainer = Trainer(config(content_dir, style_path, tmp_path, temporal_weight=0.0))
    fixed = trainer.content.batch(2)  # the same batch each step: the loss must go down
    before = trainer.evaluate(fixed)
    for _ in range(10):
        trainer.step(fixed)
    after = trainer.evaluate(fixed)
    assert after.total < 0.7 * before.total


def test_same_seed_same_run_and_resume_continues_exactly(content_dir, style_path, tmp_path):
    straight = Trainer(config(content_dir, style_path, tmp_path / "a"))
    straight_losses = [straight.step() for _ in range(3)]

    (tmp_path / "b").mkdir()
    first = Trainer(config(content_dir, style_path, tmp_path / "b", iterations=2))
    first.run()
    checkpoint = tmp_path / "b" / "model.checkpoints" / "last.pt"
    assert checkpoint.is_file()
    assert (tmp_path / "b" / "model.checkpoints" / "samples" / "000002.png").is_file()
    resumed = Trainer(config(content_dir, style_path, tmp_path / "b", iterations=3,
                             resume=checkpoint))
    assert resumed.iteration == 2
    assert resumed.step().total == pytest.approx(straight_losses[2].total, rel=1e-4)
    for name, value in straight.model.state_dict().items():
        torch.testing.assert_close(resumed.model.state_dict()[name], value, rtol=1e-4, atol=1e-5)


def test_temporal_loss_is_zero_only_for_a_network_that_moves_with_its_input():
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(2, 3, 32, 32) * 255
    identity = torch.nn.Identity()
    assert temporal_loss(identity, images, identity(images), generator) == 0

    def with_fixed_pattern(x):  # adds a pattern fixed to the frame, not to the content
        return x + torch.linspace(0, 50, 32)[None, None, None, :]

    assert temporal_loss(with_fixed_pattern, images, with_fixed_pattern(images), generator) > 1


def test_user_mistakes_are_clear_errors(content_dir, style_path, tmp_path):
    with pytest.raises(InputNotFoundError, match="content folder not found"):
        Trainer(config(tmp_path / "missing", style_path, tmp_path))
    with pytest.raises(InputError, match="no images"):
        Trainer(config(tmp_path, style_path, tmp_path))
    with pytest.raises(InputError, match="multiple of 4"):
        Trainer(config(content_dir, style_path, tmp_path, image_size=66))
    with pytest.raises(InputError, match="unknown variant 'huge'"):
        Trainer(config(content_dir, style_path, tmp_path, variant="huge"))
    with pytest.raises(InputError, match="at least 32"):
        config(content_dir, style_path, tmp_path, image_size=16)
    with pytest.raises(InputError, match="cannot run torch work"):
        config(content_dir, style_path, tmp_path, device="tpu")


def test_cli_trains_resumes_with_the_wrong_variant_and_exports(content_dir, style_path,
                                                                tmp_path, capsys):
    out = tmp_path / "cli.onnx"
    common = ["train", "--style", str(style_path), "--data", str(content_dir),
              "--image-size", "64", "--batch-size", "1", "--threads", "1", "--quiet"]
    assert main([*common, "--out", str(out), "--variant", "lite", "--iterations", "2"]) == 0
    checkpoint = tmp_path / "cli.checkpoints" / "last.pt"
    assert main([*common, "--out", str(out), "--variant", "full", "--iterations", "3",
                 "--resume", str(checkpoint)]) == 2
    assert "--variant lite" in capsys.readouterr().err

    half = tmp_path / "half.onnx"
    assert main(["export", str(checkpoint), str(half), "--fp16"]) == 0
    for path in (out, half):
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        result = session.run(None, {"input": np.full((1, 3, 32, 48), 128, np.float32)})[0]
        assert result.shape == (1, 3, 32, 48)

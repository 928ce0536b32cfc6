"""Dream networks distilled from the ascent, with the real EfficientNet-Lite0 at tiny sizes:
the loss falls, the export is a dream model, the teacher's dreams are made once, and the
faithfulness measure reads the ascent's own objective.

The photos are the fixture of tests/conftest.py that the style trainer's tests use."""

from __future__ import annotations

import json

import numpy as np
import onnx
import onnxruntime
import pytest
import torch

from streamart.art.dream import Dreamer, preset
from streamart.config import DreamTrainingConfig
from streamart.errors import InputError
from streamart.offline.dream_distill import (
    DreamTrainer,
    TeacherCache,
    objective_gain,
    teacher_from_recipe,
    teacher_key,
    train_dream,
)


@pytest.fixture(autouse=True)
def one_thread(one_torch_thread):
    """Tiny images: one torch thread is faster on a shared CPU (tests/conftest.py)."""


def config(content_dir, tmp_path, **overrides) -> DreamTrainingConfig:
    """A dream of the shallow swirls layer, one octave of two steps, on 64 px crops."""
    options = dict(
        preset="swirls",
        teacher_octaves=1,
        teacher_steps=2,
        data=content_dir,
        out=tmp_path / "dream.onnx",
        teacher_cache=tmp_path / "teacher",
        crops_per_photo=2,
        image_size=64,
        iterations=3,
        batch_size=2,
        learning_rate=3e-3,
        checkpoint_every=2,
        sample_every=2,
        threads=1,
        device="cpu",
    )
    return DreamTrainingConfig(**(options | overrides))


def picture(size: int = 64, seed: int = 0) -> np.ndarray:
    """RGB uint8: smooth colour ramps, a bright disc and mild noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    disc = ((x - 0.6 * size) ** 2 + (y - 0.4 * size) ** 2 < (0.2 * size) ** 2) * 120.0
    image = np.stack([60 + 120 * x / size + disc, 60 + 120 * y / size, 140 - disc / 2], axis=-1)
    return np.clip(image + rng.normal(0, 6, image.shape), 0, 255).astype(np.uint8)


def test_a_tiny_distillation_lowers_the_loss_and_exports_a_dream_model(content_dir, tmp_path):
    trainer = DreamTrainer(config(content_dir, tmp_path, iterations=14))
    fixed = trainer.batch([0, 1, 2, 3])  # the same crops each step: the loss must go down
    before = trainer.evaluate(*fixed)
    for _ in range(12):
        trainer.step(fixed)
    after = trainer.evaluate(*fixed)
    assert after.pixel < 0.7 * before.pixel, (before, after)

    out = trainer.run()
    assert trainer.iteration == 14
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    result = session.run(None, {"input": picture()[None].transpose(0, 3, 1, 2).astype(np.float32)})[0]
    assert result.shape == (1, 3, 64, 64) and 0 <= result.min() and result.max() <= 255
    props = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert props["streamart.kind"] == "dream" and props["streamart.dream_preset"] == "swirls"
    assert props["streamart.dream_network"] == "efficientnet_lite0" and props["streamart.dream_layers"] == "block5"
    assert props["streamart.backbone_licence"].startswith("Apache-2.0")
    assert props["streamart.variant"] == "cpu" and props["streamart.precision"] == "fp16"
    assert props["streamart.iterations"] == "14"
    recipe = json.loads(props["streamart.recipe"])
    assert recipe["teacher"]["steps"] == 2 and recipe["teacher"]["octaves"] == 1 and recipe["image_size"] == 64
    assert recipe["init"].startswith("base ")  # the shipped base of the cpu network
    assert teacher_from_recipe(props["streamart.recipe"], device="cpu") == trainer.teacher  # to measure it by
    assert (tmp_path / "dream.checkpoints" / "samples" / "000014.png").is_file()


def test_the_objective_term_rewards_exciting_the_layer_up_to_the_dreams_strength(content_dir, tmp_path):
    trainer = DreamTrainer(config(content_dir, tmp_path, objective_weight=1.0, temporal_weight=0.0))
    fixed = trainer.batch([0, 1, 2, 3])
    before = trainer.evaluate(*fixed)
    assert before.objective > 0 and before.temporal == 0
    for _ in range(12):
        trainer.step(fixed)
    assert trainer.evaluate(*fixed).objective < before.objective
    content, target = fixed
    with torch.no_grad():
        assert trainer._objective_loss(target, target) == 0  # the dream itself is as strong as the dream
        assert trainer._objective_loss(content, target) > 0  # the photo is weaker
    with pytest.raises(InputError, match="raises a class score"):
        DreamTrainer(config(content_dir, tmp_path, preset="espresso", objective_weight=1.0))


def test_a_dream_of_a_layer_of_ones_own_names_it(content_dir, tmp_path):
    trainer = DreamTrainer(config(content_dir, tmp_path, preset="creatures", layer="block3"))
    assert trainer.teacher.network == "efficientnet_lite0" and trainer.teacher.objective_layers == ("block3",)
    assert trainer.metadata()["streamart.dream_preset"] == "layer:efficientnet_lite0:block3"
    assert config(content_dir, tmp_path, layer="block3").name == "block3"


def test_the_teacher_dreams_each_crop_once_and_keeps_what_it_finished(content_dir, tmp_path):
    teacher = preset("swirls", octaves=1, steps=2, device="cpu")
    photos = sorted(content_dir.glob("*.png"))
    cache = TeacherCache(teacher, photos, 64, 2, tmp_path)
    assert cache.fill(limit=2) == 2  # as if interrupted: what it finished stays
    assert len(cache.missing()) == 4
    assert cache.fill() == 4
    files = sorted(cache.folder.glob("*.npy"))
    assert len(files) == 6
    written = {path: path.stat().st_mtime_ns for path in files}

    again = TeacherCache(teacher, photos, 64, 2, tmp_path)  # a later run
    assert again.folder == cache.folder and again.missing() == []
    assert again.fill() == 0
    assert {path: path.stat().st_mtime_ns for path in files} == written
    pairs = again.pairs()
    assert pairs.shape == (6, 2, 64, 64, 3) and pairs.dtype == np.uint8
    # The crops are fixed: dreaming one again gives the cached crop and dream.
    crop, dream = again.dream_crop(*again.entries[3])
    np.testing.assert_array_equal(crop, pairs[3, 0])
    np.testing.assert_array_equal(dream, pairs[3, 1])
    assert np.abs(pairs[:, 1].astype(int) - pairs[:, 0]).mean() > 1  # the teacher changed them


def test_the_teacher_cache_key_changes_with_whatever_changes_the_dreams():
    swirls = preset("swirls", device="cpu")
    key = teacher_key(swirls, 256)
    assert teacher_key(preset("swirls", device="cpu"), 256) == key
    assert teacher_key(swirls.replace(seed=5), 256) == key  # each crop seeds the ascent itself
    assert teacher_key(preset("blobs", device="cpu"), 256) != key
    assert teacher_key(swirls.replace(steps=3), 256) != key
    assert teacher_key(swirls.replace(step_size=2.0), 256) != key
    assert teacher_key(swirls, 128) != key


def test_resuming_continues_and_refuses_another_dreams_checkpoint(content_dir, tmp_path):
    first = DreamTrainer(config(content_dir, tmp_path, iterations=2))
    first.run()
    checkpoint = tmp_path / "dream.checkpoints" / "last.pt"
    resumed = DreamTrainer(config(content_dir, tmp_path, iterations=3, resume=checkpoint))
    assert resumed.iteration == 2
    with pytest.raises(InputError, match=r"checkpoint of the swirls dream, not of the blobs dream"):
        DreamTrainer(config(content_dir, tmp_path, preset="blobs", resume=checkpoint))


def test_train_dream_says_how_long_it_will_take_before_the_long_work(content_dir, tmp_path):
    events = []
    out = train_dream(
        config(content_dir, tmp_path, iterations=2),
        on_estimate=lambda estimate: events.append(("estimate", estimate)),
        teacher_progress=lambda done, total: events.append(("teacher", done, total)),
        progress=lambda done, total, losses: events.append(("step", done, total)),
    )
    assert out.is_file()
    assert events[0][0] == "estimate"
    estimate = events[0][1]
    # Two of the six crops were dreamt to measure the teacher, the other four after.
    assert estimate.teacher_crops == 4 and estimate.steps == 2
    assert estimate.seconds_per_crop > 0 and estimate.seconds_per_step > 0
    assert [event for event in events if event[0] == "teacher"][-1] == ("teacher", 4, 4)
    assert events[-1] == ("step", 2, 2)
    assert str(estimate).startswith("about ") and "4 crops" in str(estimate) and "2 training steps" in str(estimate)


def test_the_objective_gain_is_0_for_the_photo_1_for_the_ascent_and_between_for_a_mix():
    teacher = preset("swirls", octaves=1, steps=4, device="cpu", seed=0)
    photo = picture()
    ascent = Dreamer(teacher).dream(photo)
    assert objective_gain(teacher, photo, photo, ascent) == pytest.approx(0.0, abs=1e-6)
    assert objective_gain(teacher, photo, ascent, ascent) == pytest.approx(1.0, abs=1e-6)
    halfway = ((photo.astype(np.float32) + ascent) / 2).round().astype(np.uint8)
    assert 0.1 < objective_gain(teacher, photo, halfway, ascent) < 0.9
    with pytest.raises(InputError, match="one size"):
        objective_gain(teacher, photo, ascent[:32], ascent)

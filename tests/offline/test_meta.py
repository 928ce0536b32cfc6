"""The meta-learned base network (Reptile) and fine-tuning from it, on tiny sizes."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import onnx
import pytest
import torch

from streamart.assets.blend import BASE_KEY, blend_models
from streamart.assets.models import list_models, shipped_base
from streamart.config import TrainingConfig
from streamart.errors import InputError
from streamart.offline.meta import MetaConfig, paintings_in, train_base
from streamart.offline.training import Trainer, load_base


@pytest.fixture(scope="module")
def paintings(tmp_path_factory):
    """Two 'paintings' of different textures: stripes and dots."""
    folder = tmp_path_factory.mktemp("paintings")
    y, x = np.mgrid[0:96, 0:96]
    stripes = np.where(((x + y) // 8) % 2 == 0, 220, 30).astype(np.uint8)
    dots = np.where((x % 12 - 6) ** 2 + (y % 12 - 6) ** 2 < 16, 240, 60).astype(np.uint8)
    cv2.imwrite(str(folder / "stripes.png"), np.dstack([stripes, stripes // 2, 255 - stripes]))
    cv2.imwrite(str(folder / "dots.png"), np.dstack([dots // 3, dots, dots // 2]))
    (folder / "notes.txt").write_text("not a painting")
    return paintings_in(folder)


def training(content_dir, tmp_path, **changes) -> TrainingConfig:
    settings = dict(
        painting=tmp_path / "unused.png",
        data=content_dir,
        out=tmp_path / "model.onnx",
        variant="lite",
        batch_size=1,
        image_size=32,
        style_size=64,
        threads=1,
        iterations=3,
        temporal_weight=0.0,
        sample_every=100,
        checkpoint_every=100,
        from_scratch=True,
    )
    return TrainingConfig(**{**settings, **changes})


@pytest.fixture(scope="module")
def base(paintings, content_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("base")
    config = MetaConfig(
        paintings=paintings,
        out=folder / "base.pt",
        training=training(content_dir, folder),
        steps=3,
        inner_steps=2,
        checkpoint_every=2,
    )
    return train_base(config)


def test_paintings_are_the_pictures_of_a_folder(paintings):
    assert [path.name for path in paintings] == ["dots.png", "stripes.png"]


def test_the_base_is_written_with_its_variant_and_paintings(base, paintings):
    loaded = load_base(base, "lite")
    assert loaded["variant"] == "lite" and loaded["paintings"] == ["dots.png", "stripes.png"]
    assert len(loaded["id"]) == 16
    assert not base.with_suffix(".partial.pt").exists()  # the run finished


def test_the_base_moves_towards_the_paintings(paintings, content_dir, tmp_path):
    config = MetaConfig(
        paintings=paintings, out=tmp_path / "base.pt", training=training(content_dir, tmp_path), steps=2, inner_steps=2
    )
    start = Trainer(training(content_dir, tmp_path, painting=paintings[0])).model.state_dict()  # same seed
    moved = load_base(train_base(config), "lite")["model"]
    change = sum(float((moved[name] - start[name]).abs().sum()) for name in start if start[name].is_floating_point())
    assert change > 0


def test_an_interrupted_base_resumes_where_it_stopped(paintings, content_dir, tmp_path):
    config = MetaConfig(
        paintings=paintings, out=tmp_path / "base.pt", training=training(content_dir, tmp_path), steps=3, inner_steps=1
    )
    stop = threading.Event()
    stop.set()
    seen = []
    with pytest.raises(KeyboardInterrupt):
        train_base(config, stop=stop, progress=lambda done, total, name: seen.append(done))
    assert seen == [1] and config.out.with_suffix(".partial.pt").is_file() and not config.out.exists()
    train_base(config, progress=lambda done, total, name: seen.append(done))
    assert seen == [1, 2, 3] and config.out.is_file()


def test_fine_tuning_starts_from_the_base_and_records_it(base, paintings, content_dir, tmp_path):
    trainer = Trainer(training(content_dir, tmp_path, painting=paintings[1], init=base, from_scratch=False))
    expected = load_base(base, "lite")["model"]
    assert all(torch.equal(trainer.model.state_dict()[name], expected[name]) for name in expected)
    assert trainer.metadata()[BASE_KEY] == load_base(base, "lite")["id"]


def test_models_fine_tuned_from_one_base_can_be_blended(base, paintings, content_dir, tmp_path):
    outputs = []
    for painting in paintings:
        config = training(
            content_dir,
            tmp_path,
            painting=painting,
            init=base,
            from_scratch=False,
            out=tmp_path / f"{painting.stem}.onnx",
            checkpoint_dir=tmp_path / painting.stem,
        )
        outputs.append(Trainer(config).run())
    for path in outputs:
        props = {prop.key: prop.value for prop in onnx.load(str(path)).metadata_props}
        assert props[BASE_KEY] == load_base(base, "lite")["id"]
    assert blend_models(outputs, [0.5, 0.5]).is_file()


def test_a_base_of_another_variant_or_no_base_is_refused(base, paintings, content_dir, tmp_path):
    with pytest.raises(InputError, match="is a base for the lite network, not full: train with --variant lite"):
        Trainer(training(content_dir, tmp_path, painting=paintings[0], init=base, from_scratch=False, variant="full"))
    other = tmp_path / "other.pt"
    torch.save({"weights": 1}, other)
    with pytest.raises(InputError, match="is not a streamart base network"):
        load_base(other, "lite")


def test_a_base_needs_two_paintings(paintings, content_dir, tmp_path):
    with pytest.raises(InputError, match="at least two paintings"):
        MetaConfig(paintings=paintings[:1], out=tmp_path / "b.pt", training=training(content_dir, tmp_path))


def test_the_shipped_base_is_where_quick_training_starts_and_every_shipped_style_came_from(
    paintings, content_dir, tmp_path
):
    # The defaults (no --init, no --from-scratch) fine-tune the CPU network from the shipped
    # base, and the shipped styles were fine-tuned from that very file: so they blend.
    defaults = TrainingConfig(painting=paintings[0])
    path = shipped_base(defaults.variant)
    assert path is not None, "no base is shipped for the default network variant"
    shipped = load_base(path, defaults.variant)
    config = training(
        content_dir,
        tmp_path,
        painting=paintings[0],
        variant=defaults.variant,
        from_scratch=False,
        iterations=1,
        image_size=64,
    )  # the cpu network's crops are over its 48 px margin
    trainer = Trainer(config)
    assert all(torch.equal(trainer.model.state_dict()[name], shipped["model"][name]) for name in shipped["model"])
    assert trainer.metadata()[BASE_KEY] == shipped["id"]
    zoo = [entry for entry in list_models() if entry.shipped]
    assert zoo and all(
        {p.key: p.value for p in onnx.load(str(entry.path)).metadata_props}.get(BASE_KEY) == shipped["id"]
        for entry in zoo
    )

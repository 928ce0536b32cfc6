"""Pictures through the API: every reader measures first, Gatys keeps its picture on Ctrl-C only when asked (streamart/api/images.py)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from bombs import jpeg_bomb, memory_growth

import streamart
from streamart import StyleConfig
from streamart.config import GatysConfig
from streamart.core.protocols import ClosingContext
from streamart.errors import InputError


#: What reading a picture in each API call looks like, with ``bomb`` where a painting or the
#: input goes; the imports are the idle level (torch's hundreds of MB are not the bomb's).
BOMB_CALLS = {
    "stylize_image": (
        "import streamart",
        "streamart.stylize_image(bomb, out, style=streamart.StyleConfig(model=model))",
    ),
    "gatys painting": (
        "import streamart, streamart.art.gatys",
        "streamart.gatys_image(photo, out, [bomb], config=streamart.art.gatys.GatysConfig(iterations=1))",
    ),
    "dream_image": (
        "import streamart, streamart.art.dream_settings as dream",
        "streamart.dream_image(bomb, out, config=dream.preset('dogs'))",
    ),
    "train painting": (
        "import streamart.api, streamart.offline.training\nfrom streamart.config import TrainingConfig",
        "streamart.api.train_style(TrainingConfig(painting=bomb, out=out.with_suffix('.onnx'), data=photos))",
    ),
}


@pytest.mark.parametrize("call", BOMB_CALLS)
def test_every_picture_the_api_reads_is_measured_before_it_is_decoded(call, tmp_path, tiny_model, content_dir):
    """A 16000x16000 JPEG of 5 kB (it took 1.5 GB to decode) as the input or the painting."""
    bomb = tmp_path / "bomb.jpg"
    bomb.write_bytes(jpeg_bomb(16000, 16000))
    photo = next(content_dir.iterdir())
    setup, body = BOMB_CALLS[call]
    files = f"bomb, photo, photos, model = {str(bomb)!r}, {str(photo)!r}, {str(content_dir)!r}, {str(tiny_model)!r}"
    growth, outcome, _ = memory_growth(
        f"result = {body}",
        setup=f"{setup}\nfrom pathlib import Path\n{files}\nout = Path({str(tmp_path / 'out.png')!r})",
    )
    assert outcome.startswith(
        f"TooManyPixelsError: the picture {bomb} is 16000x16000 pixels (256 megapixels), more than"
    )
    assert growth < 200 * 2**20
    assert not (tmp_path / "out.png").exists() and not (tmp_path / "out.onnx").exists()


def test_max_pixels_reaches_every_reader(tmp_path, tiny_model, clip):
    """A limit lowered below a small picture's and a small clip's size (the API's own
    parameter; the CLI's --max-pixels gives it)."""
    picture = tmp_path / "picture.png"
    picture.write_bytes(cv2.imencode(".png", np.zeros((40, 60, 3), np.uint8))[1].tobytes())
    style = StyleConfig(model=tiny_model)
    for call in (
        lambda: streamart.stylize_image(picture, tmp_path / "out.png", style=style, max_pixels=2399),
        lambda: streamart.stylize_video(clip, tmp_path / "out.mp4", style=style, max_pixels=64 * 48 - 1),
    ):
        with pytest.raises(InputError, match="pixels .0.00[0-9]* megapixels., more than the limit"):
            call()
    report = streamart.stylize_folder(clip.parent, tmp_path / "out", style=style, max_pixels=64 * 48 - 1)
    assert report.count("failed") == 1 and "64x48 pixels" in str(report.failed[0].error)


@pytest.mark.parametrize("keep_partial", [True, False])
def test_gatys_interrupted_keeps_the_picture_so_far_only_when_asked(tmp_path, keep_partial):
    import cv2

    rng = np.random.default_rng(0)
    cv2.imwrite(str(tmp_path / "photo.png"), cv2.resize(rng.integers(0, 255, (6, 8, 3), dtype=np.uint8), (64, 48)))
    stripes = np.zeros((64, 64, 3), np.uint8)
    stripes[:, ::6] = (255, 40, 0)
    cv2.imwrite(str(tmp_path / "style.png"), stripes)
    out = tmp_path / "out.png"

    def ctrl_c_at_step_3(step) -> None:  # Ctrl-C raises KeyboardInterrupt in the main thread
        if step.iteration == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        streamart.gatys_image(
            tmp_path / "photo.png",
            out,
            [tmp_path / "style.png"],
            config=GatysConfig(iterations=20, device="cpu"),
            on_progress=ctrl_c_at_step_3,
            keep_partial=keep_partial,
        )
    if keep_partial:
        assert cv2.imread(str(out)).shape == (48, 64, 3)
    else:
        assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


class Invert(ClosingContext):
    name = "invert"

    def process(self, frame):
        return frame.with_image(255 - frame.image)

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_stylize_image_runs_your_own_stages_and_process_image_is_its_old_name(tmp_path):
    picture = tmp_path / "picture.png"
    image = np.random.default_rng(0).integers(0, 255, (40, 60, 3), dtype=np.uint8)
    cv2.imwrite(str(picture), image)
    streamart.stylize_image(picture, tmp_path / "new.png", stages=[Invert()])
    assert np.array_equal(cv2.imread(str(tmp_path / "new.png")), 255 - image)
    with pytest.warns(
        DeprecationWarning,
        match=r"^process_image\(input, output, stages\) is deprecated; "
        r"use stylize_image\(input, output, stages=stages\)$",
    ):
        streamart.process_image(picture, tmp_path / "old.png", [Invert()], overwrite=True)
    assert np.array_equal(cv2.imread(str(tmp_path / "old.png")), 255 - image)


def test_gatys_image_takes_its_old_keywords_for_one_release(tmp_path):
    rng = np.random.default_rng(0)
    cv2.imwrite(str(tmp_path / "photo.png"), rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    stripes = np.zeros((64, 64, 3), np.uint8)
    stripes[:, ::6] = (255, 40, 0)
    cv2.imwrite(str(tmp_path / "stripes.png"), stripes)
    steps = []
    with pytest.warns(DeprecationWarning) as caught:
        streamart.gatys_image(
            tmp_path / "photo.png",
            tmp_path / "out.png",
            styles=[tmp_path / "stripes.png"],
            style_weights=[1.0],
            progress=steps.append,
            config=GatysConfig(iterations=1, scales=(), device="cpu"),
        )
    assert sorted(str(warning.message) for warning in caught) == [
        "gatys_image(progress=) is deprecated; use on_progress=",
        "gatys_image(style_weights=) is deprecated; use painting_weights=",
        "gatys_image(styles=) is deprecated; use paintings=",
    ]
    assert cv2.imread(str(tmp_path / "out.png")).shape == (48, 64, 3) and len(steps) == 1


def test_dream_image_takes_progress_as_on_progress_for_one_release(tmp_path):
    from streamart.art.dream_settings import DreamConfig

    cv2.imwrite(str(tmp_path / "photo.png"), np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8))
    steps = []
    config = DreamConfig(layers=("relu3_3",), octaves=1, steps=2, seed=0, device="cpu")
    with pytest.warns(DeprecationWarning, match=r"^dream_image\(progress=\) is deprecated; use on_progress=$"):
        streamart.dream_image(
            tmp_path / "photo.png",
            tmp_path / "out.png",
            config=config,
            progress=lambda done, total: steps.append((done, total)),
        )
    assert steps == [(1, 2), (2, 2)] and cv2.imread(str(tmp_path / "out.png")).shape == (48, 64, 3)

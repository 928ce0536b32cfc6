"""DreamStage on small real clips (real VGG16, real DIS flow): steady, anchored, resettable."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from streamart.art.dream_settings import DreamConfig
from streamart.core.frame import Frame
from streamart.errors import DeviceError, InputError
from streamart.stages.dream import DreamStage

HEIGHT, WIDTH = 48, 64


def still_picture() -> np.ndarray:
    """RGB uint8 HEIGHT x WIDTH: ramps, a disc and mild noise."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    disc = ((x - 40) ** 2 + (y - 20) ** 2 < 10**2) * 120.0
    image = np.stack([60 + 2 * x + disc, 60 + 2.5 * y, 140 - disc / 2], axis=-1)
    return np.clip(image + rng.normal(0, 6, image.shape), 0, 255).astype(np.uint8)


def panning_clip(frames: int, speed: int) -> list[np.ndarray]:
    """A camera panning right by ``speed`` pixels per frame over a blurred-noise landscape."""
    rng = np.random.default_rng(1)
    landscape = rng.uniform(0, 255, (HEIGHT, WIDTH + speed * frames, 3)).astype(np.float32)
    landscape = cv2.normalize(cv2.GaussianBlur(landscape, (0, 0), 3), None, 30, 225, cv2.NORM_MINMAX)
    landscape = landscape.astype(np.uint8)
    return [np.ascontiguousarray(landscape[:, speed * t : speed * t + WIDTH]) for t in range(frames)]


def config(**changes) -> DreamConfig:
    return DreamConfig(**{"layers": ("relu3_3",), "octaves": 1, "steps": 1, "seed": 0, **changes})


def run(stages, images: list[np.ndarray]) -> list[np.ndarray]:
    outputs = []
    for index, image in enumerate(images):
        frame = Frame(image=image, index=index)
        for stage in stages:
            frame = stage.process(frame)
        outputs.append(frame.image)
    return outputs


@pytest.mark.slow
def test_brightness_stays_anchored_over_a_still_video():
    image = still_picture()
    outputs = run([DreamStage(config(), blend=0.9)], [image] * 30)
    last = outputs[-1].astype(np.float32)
    assert np.abs(last - image).mean() > 2  # it did dream, and the dream built up
    assert np.abs(last - image).mean() > np.abs(outputs[0].astype(np.float32) - image).mean()
    for output in outputs:
        assert abs(output.mean() - image.mean()) < 0.02 * image.mean()
        assert abs(output.std() - image.std()) < 0.05 * image.std()


@pytest.mark.slow
def test_flow_warped_start_lowers_frame_to_frame_change():
    speed = 2
    clip = panning_clip(8, speed)

    def change(outputs: list[np.ndarray]) -> float:
        # Content at x in frame t was at x + speed in frame t - 1.
        return float(
            np.mean(
                [
                    np.abs(outputs[t][:, :-speed].astype(np.float32) - outputs[t - 1][:, speed:]).mean()
                    for t in range(2, len(outputs))
                ]
            )
        )

    warped = run([DreamStage(config(steps=2), blend=0.7)], clip)
    afresh = run([DreamStage(config(steps=2), blend=0.0)], clip)
    assert change(warped) < 0.9 * change(afresh)


def test_reset_and_cut_start_from_the_frame_itself():
    # Without jitter a dream is a pure function of its start, so a frame that starts from
    # itself gives exactly what a brand-new stage gives.
    image = still_picture()
    fresh = DreamStage(config(jitter=0), blend=0.9).process(Frame(image=image, index=0)).image

    stage = DreamStage(config(jitter=0), blend=0.9)
    history = run([stage], [image] * 3)
    assert not np.array_equal(history[-1], fresh)  # the history changed the start

    cut = Frame(image=255 - image // 3, index=3)  # another shot: starts from itself
    np.testing.assert_array_equal(stage.process(cut).image, DreamStage(config(jitter=0), blend=0.9).process(cut).image)

    run([stage], [image] * 2)
    stage.reset()
    np.testing.assert_array_equal(stage.process(Frame(image=image, index=9)).image, fresh)


def test_a_working_size_dreams_smaller_and_keeps_the_frame_size():
    image = still_picture()
    frame = DreamStage(config(steps=2), size=24).process(Frame(image=image, index=0, pts=7))
    assert frame.image.shape == image.shape
    assert frame.pts == 7 and frame.original is image
    assert np.abs(frame.image.astype(np.float32) - image).mean() > 0.5


def test_a_working_size_too_big_for_memory_is_refused_before_allocating():
    huge = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (100_000, 100_000, 3))
    with pytest.raises(DeviceError, match="dreaming at 100000x100000 needs"):
        DreamStage(config()).process(Frame(image=huge, index=0))


def test_bad_settings_and_tiny_frames_are_input_errors():
    with pytest.raises(InputError, match="blend"):
        DreamStage(config(), blend=1.5)
    with pytest.raises(InputError, match="working size"):
        DreamStage(config(), size=8)
    with pytest.raises(InputError, match="too small"):
        DreamStage(config()).process(Frame(image=np.zeros((8, 8, 3), np.uint8), index=0))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_stage_with_graph_matches_the_eager_stage():
    clip = panning_clip(6, 2)
    outputs = {
        graph: run([DreamStage(config(steps=2, device="cuda"), cuda_graph=graph)], clip) for graph in (False, True)
    }
    for eager, graphed, image in zip(outputs[False], outputs[True], clip):
        change = np.abs(eager.astype(np.float32) - image).mean()
        assert change > 0.5
        assert np.abs(graphed.astype(np.float32) - eager).mean() < 0.1 * change

"""The temporal blend stage, on synthetic panning clips with a flickering stand-in for a
style model (the real ONNX models are tested with the style stage; flicker is what matters
here, and a deterministic per-frame jitter on a fixed colour transform has it)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from streamart.core.controls import LiveControls
from streamart.core.frame import Frame
from streamart.core.protocols import ClosingContext, Stage
from streamart.offline.evaluation import flicker_report, psnr
from streamart.stages.temporal import TemporalBlendStage

HEIGHT, WIDTH = 120, 160


def scene(height: int, width: int, seed: int) -> np.ndarray:
    """A textured RGB picture with detail at several scales."""
    rng = np.random.default_rng(seed)
    image = np.zeros((height, width, 3), np.float32)
    for cell in (2, 6, 20):
        noise = rng.random((height // cell + 1, width // cell + 1, 3)).astype(np.float32)
        image += cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC) * (255 / 3)
    return np.clip(image, 0, 255).astype(np.uint8)


def panning_clip(frames: int, seed: int = 0, dx: float = 2.5, dy: float = 1.0) -> list[np.ndarray]:
    """A camera window moving over a larger scene by (dx, dy) pixels per frame."""
    world = scene(HEIGHT + 60, WIDTH + 90, seed)
    clip = []
    for t in range(frames):
        window = np.float32([[1, 0, -(5 + dx * t)], [0, 1, -(5 + dy * t)]])
        clip.append(cv2.warpAffine(world, window, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR))
    return clip


def flickering_stylize(image: np.ndarray, index: int) -> np.ndarray:
    """A fixed colour transform plus per-frame noise: coarse blotches and fine grain, each
    frame different (seeded by its index), like the texture flicker of per-frame style nets."""
    rng = np.random.default_rng(1000 + index)
    height, width = image.shape[:2]
    blotches = rng.normal(0, 12, (height // 16 + 1, width // 16 + 1, 3)).astype(np.float32)
    grain = rng.normal(0, 6, (height, width, 3)).astype(np.float32)
    styled = 255.0 - image.astype(np.float32)[..., ::-1]
    styled += cv2.resize(blotches, (width, height)) + grain
    return np.clip(styled, 0, 255).astype(np.uint8)


class FlickeringStyle(ClosingContext):
    """The stand-in style model as a stage (replaces the image, as a style stage does)."""

    name = "flickering-style"

    def process(self, frame: Frame) -> Frame:
        return frame.with_image(flickering_stylize(frame.image, frame.index))

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


def temporal(strength: float, **options) -> list:
    """The stand-in style model followed by the blend, as ``build_style_stages`` orders them."""
    return [FlickeringStyle(), TemporalBlendStage(strength, **options)]


def run(stages: list, images: list[np.ndarray]) -> list[Frame]:
    """Pass frames through ``stages`` in order, as the runner does (one frame at a time)."""
    outputs = []
    for index, image in enumerate(images):
        frame = Frame(image, index)
        for stage in stages:
            frame = stage.process(frame)
        outputs.append(frame)
    return outputs


def test_blending_removes_most_flicker_and_stays_close_to_per_frame_output():
    clip = panning_clip(16)
    per_frame = [flickering_stylize(image, t) for t, image in enumerate(clip)]
    blended = [f.image for f in run(temporal(0.5), clip)]
    report = flicker_report(clip, blended, per_frame)
    assert report.error_ratio < 0.5
    assert report.fidelity_psnr > 25.0


def test_stronger_blending_removes_more_flicker():
    clip = panning_clip(10)
    errors = []
    for strength in (0.2, 0.8):
        outputs = run(temporal(strength), clip)
        errors.append(flicker_report(clip, [f.image for f in outputs]).output_error)
    assert errors[1] < 0.7 * errors[0]


def test_the_first_frame_passes_through_and_the_next_one_is_blended():
    clip = panning_clip(2)
    first, second = run(temporal(1.0), clip)
    np.testing.assert_array_equal(first.image, flickering_stylize(clip[0], 0))
    assert not np.array_equal(second.image, flickering_stylize(clip[1], 1))


def test_a_hard_cut_resets_without_a_ghost_of_the_previous_shot():
    first_shot, second_shot = panning_clip(6, seed=1), panning_clip(4, seed=2)
    second_shot = [255 - image // 2 for image in second_shot]  # another place, other light
    frames = run(temporal(1.0), first_shot + second_shot)
    cut = frames[len(first_shot)]
    np.testing.assert_array_equal(cut.image, flickering_stylize(second_shot[0], len(first_shot)))
    after = frames[len(first_shot) + 1]  # blending resumes within the new shot
    assert not np.array_equal(after.image, flickering_stylize(second_shot[1], len(first_shot) + 1))


def test_disoccluded_background_shows_no_ghost_of_a_moving_object():
    background = scene(HEIGHT, WIDTH, seed=3)
    clip = []
    for t in range(6):
        image = background.copy()
        image[40:80, 20 + 8 * t : 60 + 8 * t] = (240, 30, 30)  # a red block moving right
        clip.append(image)
    stylize = lambda image, t: 255 - image  # noqa: E731 (steady: any difference is a ghost)
    blend = TemporalBlendStage(strength=1.0)
    outputs = [blend.process(Frame(image, t).with_image(stylize(image, t))) for t, image in enumerate(clip)]
    last = outputs[-1].image.astype(np.int16)
    # Behind the block's left edge: covered by it one frame earlier, background now.
    revealed = (slice(42, 78), slice(20 + 8 * 4 + 1, 20 + 8 * 5 - 1))
    expected = stylize(clip[-1], 5).astype(np.int16)
    assert np.abs(last[revealed] - expected[revealed]).max() < 40
    assert psnr(outputs[-1].image, stylize(clip[-1], 5)) > 30


def test_reset_drops_the_history():
    clip = panning_clip(4)
    stages = temporal(1.0)
    run(stages, clip[:3])
    for stage in stages:
        stage.reset()
    frame = run(stages, clip[3:])[0]
    np.testing.assert_array_equal(frame.image, flickering_stylize(clip[3], 0))


def test_a_size_change_starts_afresh():
    clip = panning_clip(2)
    small = np.ascontiguousarray(clip[1][:60, :80])
    frames = run(temporal(1.0), [clip[0], small])
    np.testing.assert_array_equal(frames[1].image, flickering_stylize(small, 1))


def test_strength_zero_is_passthrough():
    frame = Frame(panning_clip(1)[0], 0)
    assert TemporalBlendStage(strength=0.0).process(frame) is frame


@pytest.mark.parametrize("size", [(1, 1), (8, 11), (12, 5), (40, 9), (12, 12), (13, 31)])
def test_frames_of_any_size_pass(size):
    height, width = size
    still = scene(height, width, seed=4)
    frames = run(temporal(0.5), [still] * 3)
    assert [frame.image.shape for frame in frames] == [(height, width, 3)] * 3
    # With a side under 12 pixels DIS cannot run: no motion, no blending.
    unblended = np.array_equal(frames[-1].image, flickering_stylize(still, 2))
    assert unblended == (min(size) < 12)


@pytest.mark.parametrize("strength", [-0.1, 1.5])
def test_strength_out_of_range_is_refused(strength):
    with pytest.raises(ValueError, match="between 0 and 1"):
        TemporalBlendStage(strength)


def test_the_stage_follows_the_stage_protocol():
    stage = TemporalBlendStage(0.5, flow_preset="ultrafast")
    assert stage.name == "temporal-blend" and stage.motion.preset == "ultrafast"
    assert isinstance(stage, Stage)
    with stage as entered:
        assert entered is stage
    stage.close()  # idempotent


def test_temporal_hotkey_turns_blending_off_and_on():
    controls = LiveControls()
    stage = TemporalBlendStage(1.0, controls=controls)
    still = scene(32, 32, seed=5)  # the input does not move: the motion is trusted everywhere
    bright = Frame(image=still, index=0).with_image(np.full((32, 32, 3), 200, np.uint8))
    dark = Frame(image=still, index=1).with_image(np.zeros((32, 32, 3), np.uint8))
    stage.process(bright)
    assert stage.process(dark).image.mean() > 100  # blended with the bright previous frame
    stage.reset()
    controls.toggle_temporal()
    stage.process(bright)
    assert stage.process(dark).image.mean() == 0  # off: frames pass through untouched

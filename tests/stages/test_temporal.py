"""The temporal consistency stages, on synthetic panning clips with a flickering stand-in for a
style model (the real ONNX models are tested with the style stage; flicker is what matters
here, and a deterministic per-frame jitter on a fixed colour transform has it)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from streamart.core.controls import LiveControls
from streamart.offline.evaluation import flicker_report, psnr
from streamart.ops.flow import Motion
from streamart.core.frame import Frame
from streamart.core.protocols import ClosingContext, Stage
from streamart.stages.temporal import FlowStage, TemporalBlendStage, temporal_stages

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


def run(stages: list, images: list[np.ndarray]) -> list[Frame]:
    """Pass frames through ``stages`` in order, as the runner does (one frame at a time)."""
    outputs = []
    for index, image in enumerate(images):
        frame = Frame(image, index)
        for stage in stages:
            frame = stage.process(frame)
        outputs.append(frame)
    return outputs


def test_temporal_stages_remove_most_flicker_and_stay_close_to_per_frame_output():
    clip = panning_clip(16)
    per_frame = [flickering_stylize(image, t) for t, image in enumerate(clip)]
    temporal = [f.image for f in run(temporal_stages([FlickeringStyle()], strength=0.5), clip)]
    report = flicker_report(clip, temporal, per_frame)
    assert report.error_ratio < 0.5
    assert report.fidelity_psnr > 25.0


def test_stronger_blending_removes_more_flicker():
    clip = panning_clip(10)
    errors = []
    for strength in (0.2, 0.8):
        outputs = run(temporal_stages([FlickeringStyle()], strength=strength), clip)
        errors.append(flicker_report(clip, [f.image for f in outputs]).output_error)
    assert errors[1] < 0.7 * errors[0]


def test_flow_stage_attaches_motion_and_keeps_the_image():
    clip = panning_clip(3, dx=4.0, dy=0.0)
    stage = FlowStage(flow_width=80)  # half resolution: the flow is in half-size pixels
    frames = [stage.process(Frame(image, t)) for t, image in enumerate(clip)]
    assert all(frame.image is image for frame, image in zip(frames, clip))
    first, second = frames[0].motion, frames[1].motion
    assert isinstance(first, Motion) and first.cut and first.flow is None
    assert not second.cut and second.index == 1 and second.previous_index == 0
    assert second.flow.shape == (60, 80, 2) and second.confidence.shape == (60, 80)
    # The window moves right by 4 px: content comes from 4 px (2 half-size px) further left.
    median = np.median(second.flow[10:-10, 10:-10].reshape(-1, 2), axis=0)
    assert median == pytest.approx([2.0, 0.0], abs=0.25)
    assert 0.0 <= second.confidence.min() and second.confidence.max() <= 1.0
    assert second.confidence[:, -2:].max() == 0.0  # entered the window: nothing to warp from
    assert second.confidence[10:-10, 10:-10].mean() > 0.8


def test_a_hard_cut_resets_without_a_ghost_of_the_previous_shot():
    first_shot, second_shot = panning_clip(6, seed=1), panning_clip(4, seed=2)
    second_shot = [255 - image // 2 for image in second_shot]  # another place, other light
    frames = run(temporal_stages([FlickeringStyle()], strength=1.0), first_shot + second_shot)
    cut = frames[len(first_shot)]
    assert cut.motion.cut
    np.testing.assert_array_equal(cut.image, flickering_stylize(second_shot[0], len(first_shot)))
    after = frames[len(first_shot) + 1]
    assert not after.motion.cut  # blending resumes within the new shot
    assert not np.array_equal(after.image, flickering_stylize(second_shot[1], len(first_shot) + 1))


def test_disoccluded_background_shows_no_ghost_of_a_moving_object():
    background = scene(HEIGHT, WIDTH, seed=3)
    clip = []
    for t in range(6):
        image = background.copy()
        image[40:80, 20 + 8 * t:60 + 8 * t] = (240, 30, 30)  # a red block moving right
        clip.append(image)
    stylize = lambda image, t: 255 - image  # noqa: E731 (steady: any difference is a ghost)
    stages = [FlowStage(), TemporalBlendStage(strength=1.0)]
    outputs = [stages[1].process(stages[0].process(Frame(image, t)).with_image(stylize(image, t)))
               for t, image in enumerate(clip)]
    last = outputs[-1].image.astype(np.int16)
    # Behind the block's left edge: covered by it one frame earlier, background now.
    revealed = (slice(42, 78), slice(20 + 8 * 4 + 1, 20 + 8 * 5 - 1))
    expected = stylize(clip[-1], 5).astype(np.int16)
    assert np.abs(last[revealed] - expected[revealed]).max() < 40
    assert psnr(outputs[-1].image, stylize(clip[-1], 5)) > 30


def test_reset_drops_the_history():
    clip = panning_clip(4)
    flow, blend = FlowStage(), TemporalBlendStage(strength=1.0)
    run([flow, FlickeringStyle(), blend], clip[:3])
    flow.reset()
    blend.reset()
    frame = blend.process(FlickeringStyle().process(flow.process(Frame(clip[3], 3))))
    assert frame.motion.cut
    np.testing.assert_array_equal(frame.image, flickering_stylize(clip[3], 3))


def test_blend_passes_frames_through_without_usable_motion():
    clip = panning_clip(3)
    blend = TemporalBlendStage(strength=1.0)
    flow = FlowStage()
    first = flow.process(Frame(clip[0], 0))
    blend.process(first)
    # Frame 1 never reached the blend stage: motion 2 -> 1 does not fit its history (frame 0).
    flow.process(Frame(clip[1], 1))
    third = flow.process(Frame(clip[2], 2))
    assert not third.motion.cut
    assert blend.process(third).image is clip[2]
    # No motion at all (no flow stage in front), and a size change: passed through too.
    assert blend.process(Frame(clip[0], 3)).image is clip[0]
    small = np.ascontiguousarray(clip[1][:60, :80])
    assert blend.process(Frame(small, 4, motion=third.motion)).image is small


def test_strength_zero_is_passthrough():
    inner = [FlickeringStyle()]
    assert temporal_stages(inner, strength=0.0) == inner
    frame = Frame(panning_clip(1)[0], 0)
    assert TemporalBlendStage(strength=0.0).process(frame) is frame


@pytest.mark.parametrize("size", [(1, 1), (8, 11), (12, 5), (40, 9), (12, 12), (13, 31)])
def test_frames_of_any_size_pass(size):
    height, width = size
    still = scene(height, width, seed=4)
    frames = run(temporal_stages([FlickeringStyle()], strength=0.5), [still] * 3)
    assert [frame.image.shape for frame in frames] == [(height, width, 3)] * 3
    # With a side under 12 pixels DIS cannot run: no motion, no blending.
    assert frames[-1].motion.cut == (min(size) < 12)


@pytest.mark.parametrize("strength", [-0.1, 1.5])
def test_strength_out_of_range_is_refused(strength):
    with pytest.raises(ValueError, match="between 0 and 1"):
        TemporalBlendStage(strength)


def test_stages_follow_the_stage_protocol():
    stages = temporal_stages([FlickeringStyle()], strength=0.5, preset="ultrafast")
    assert [stage.name for stage in stages] == ["flow", "flickering-style", "temporal-blend"]
    for stage in stages:
        assert isinstance(stage, Stage)
        with stage as entered:
            assert entered is stage
        stage.close()  # idempotent


def test_temporal_hotkey_turns_blending_off_and_on():
    controls = LiveControls()
    stage = TemporalBlendStage(1.0, controls=controls)
    still = np.zeros((8, 8, 2), np.float32)
    trust = np.ones((8, 8), np.float32)
    first = Frame(image=np.full((8, 8, 3), 200, np.uint8), index=0)
    second = Frame(image=np.zeros((8, 8, 3), np.uint8), index=1, motion=Motion(index=1, cut=False, previous_index=0, flow=still, confidence=trust))
    stage.process(first)
    assert stage.process(second).image.mean() > 100  # blended with the bright previous frame
    stage.reset()
    controls.toggle_temporal()
    stage.process(first)
    assert stage.process(second).image.mean() == 0  # off: frames pass through untouched

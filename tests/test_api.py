"""The public Python API, as a developer embedding a filter would use it."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from bombs import jpeg_bomb, memory_growth
from media_factory import audio_seconds
from model_factory import make_style_model, reference_style

import streamart
from streamart import StyleConfig, Stylizer
from streamart.config import GatysConfig
from streamart.core.controls import LiveControls
from streamart.core.protocols import ClosingContext
from streamart.errors import InputError
from streamart.sources.file import FileSource


def test_stylizer_stylizes_a_sequence_of_frames(tiny_model):
    image = np.random.default_rng(0).integers(0, 255, (40, 60, 3), dtype=np.uint8)
    with Stylizer(StyleConfig(model=tiny_model, device="cpu"), temporal=0.0) as stylize:
        out = stylize(image)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert np.abs(out[1:-1, 1:-1].astype(float) - reference_style(image)[1:-1, 1:-1]).max() <= 1


def test_stylizer_with_temporal_consistency_keeps_a_still_scene_steady(tiny_model):
    rng = np.random.default_rng(1)
    base = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
    with Stylizer(StyleConfig(model=tiny_model), temporal=1.0) as stylize:
        outputs = [stylize(np.clip(base.astype(int) + rng.integers(-12, 13, base.shape), 0, 255).astype(np.uint8)) for _ in range(6)]
        stylize.reset()
    plain = Stylizer(StyleConfig(model=tiny_model), temporal=0.0)
    noisy = [plain(np.clip(base.astype(int) + rng.integers(-12, 13, base.shape), 0, 255).astype(np.uint8)) for _ in range(6)]
    change = lambda frames: np.mean([np.abs(a.astype(int) - b.astype(int)).mean() for a, b in zip(frames, frames[1:])])  # noqa: E731
    assert change(outputs) < change(noisy)


def test_stylizer_rejects_images_of_the_wrong_type(tiny_model):
    stylize = Stylizer(StyleConfig(model=tiny_model))
    with pytest.raises(ValueError, match="must be a uint8 numpy array"):
        stylize(np.zeros((10, 10), np.float32))


def test_stylizer_follows_live_controls_from_the_next_call(tmp_path):
    first, second = (str(make_style_model(tmp_path / f"style{seed}.onnx", seed=seed)) for seed in (0, 1))
    image = np.random.default_rng(5).integers(0, 255, (40, 60, 3), dtype=np.uint8)
    controls = LiveControls((first, second))
    with Stylizer(StyleConfig(model=first, size=None), temporal=0.5, controls=controls) as stylize:
        assert np.abs(stylize(image)[1:-1, 1:-1].astype(float) - reference_style(image, 0)[1:-1, 1:-1]).max() <= 1
        controls.temporal_enabled = False  # else the previous output is blended in
        controls.style_index = 1
        assert np.abs(stylize(image)[1:-1, 1:-1].astype(float) - reference_style(image, 1)[1:-1, 1:-1]).max() <= 1
        controls.strength = 0.0
        assert np.array_equal(stylize(image), image)


def test_style_metadata_is_read_from_the_model(tmp_path):
    model = make_style_model(tmp_path / "painted.onnx", metadata={"streamart.thumbnail": "abc"})
    metadata = streamart.api.style_metadata(model)
    assert metadata["streamart.thumbnail"] == "abc" and metadata["streamart.stride"] == "4"
    assert streamart.api.style_metadata(None)["streamart.style"]  # the default style's


def test_public_names_are_exported():
    for name in streamart.__all__:
        assert hasattr(streamart, name)


def test_audio_running_past_the_video_is_kept_unless_the_run_stops_early(clip_factory, tiny_model, tmp_path):
    clip = clip_factory("long_audio.mp4", frames=10, fps=10, tone_seconds=1.6)  # 1 s of video
    whole, stopped = tmp_path / "whole.mp4", tmp_path / "stopped.mp4"
    streamart.stylize_video(clip, whole, style=StyleConfig(model=tiny_model))
    assert audio_seconds(whole) == pytest.approx(1.6, abs=0.03)

    class StopAfterFive(ClosingContext):
        name = "stop"

        def process(self, frame):
            if frame.index == 5:
                raise streamart.StopPipeline
            return frame

        def reset(self) -> None:
            pass

        def close(self) -> None:
            pass

    streamart.process_video(clip, stopped, [StopAfterFive()])
    assert audio_seconds(stopped) == pytest.approx(0.5, abs=1024 / 48_000)  # one AAC packet


def test_stylize_video_takes_a_span(clip_factory, tiny_model, tmp_path):
    clip = clip_factory("long.mp4", frames=30, fps=10)
    out = tmp_path / "out.mp4"
    stats = streamart.stylize_video(clip, out, style=StyleConfig(model=tiny_model), start=2, duration=0.5)
    assert stats.frames_out == stats.frame_count == 5
    with FileSource(out) as source:
        assert [float(f.time) for f in source] == pytest.approx([0, 0.1, 0.2, 0.3, 0.4])


def test_video_style_stages_keep_frames_small_between_them(tiny_model):
    stages = streamart.build_style_stages(StyleConfig(model=tiny_model, size=32), temporal=0.5)
    assert [stage.name for stage in stages] == ["style", "temporal-blend", "finish"]
    image = np.random.default_rng(4).integers(0, 256, (96, 128, 3), dtype=np.uint8)
    sizes = []
    for index in range(2):
        frame = streamart.Frame(image, index)
        for stage in stages:
            frame = stage.process(frame)
            sizes.append(frame.image.shape[:2])
    assert sizes[:3] == [(32, 43), (32, 43), (96, 128)]  # the blend works on the small frame
    assert [stage.name for stage in streamart.build_style_stages(StyleConfig(model=tiny_model), temporal=0)] == ["style"]


def test_is_batch_and_find_videos(clip_factory, tmp_path):
    for name in ("b.mp4", "a.MKV"):
        clip_factory(name, frames=2)
    (tmp_path / "notes.txt").write_text("no video")
    (tmp_path / "sub").mkdir()
    assert streamart.api.is_batch(tmp_path) and streamart.api.is_batch(tmp_path / "*.mp4")
    assert not streamart.api.is_batch(tmp_path / "b.mp4")
    assert streamart.api.find_videos(tmp_path) == [tmp_path / "a.MKV", tmp_path / "b.mp4"]
    assert streamart.api.find_videos(tmp_path / "*.mp4") == [tmp_path / "b.mp4"]
    with pytest.raises(streamart.StreamartError, match="no video files in"):
        streamart.api.find_videos(tmp_path / "*.avi")


def test_stylize_folder_reports_every_file_and_its_progress(clip_factory, tiny_model, tmp_path):
    for name in ("a.mp4", "b.mp4"):
        clip_factory(name, frames=6)
    (tmp_path / "c.mp4").write_text("not a video\n" * 20)
    out = tmp_path / "out"
    (out / "b.mp4").parent.mkdir()
    (out / "b.mp4").write_bytes(b"done before")
    ended, progress = [], []
    report = streamart.stylize_folder(
        tmp_path, out, style=StyleConfig(model=tiny_model), on_file=ended.append, on_progress=progress.append
    )
    assert [(o.input.name, o.status) for o in report.outcomes] == [("b.mp4", "skipped"), ("a.mp4", "done"), ("c.mp4", "failed")]
    assert list(ended) == list(report.outcomes)
    assert report.summary() == "1 done, 1 skipped, 1 failed"
    assert "not a video" in str(report.failed[0].error) and report.outcomes[1].stats.frames_out == 6
    assert (out / "b.mp4").read_bytes() == b"done before" and not (out / "c.mp4").exists()
    assert progress[-1].frames_done == progress[-1].frame_count == 6 and progress[-1].files == 3
    assert {p.current for p in progress} == {tmp_path / "a.mp4"}


def test_two_inputs_of_one_name_are_refused_before_any_work(clip_factory, tmp_path):
    (tmp_path / "x").mkdir(), (tmp_path / "y").mkdir()
    clip_factory("x/clip.mp4", frames=2), clip_factory("y/clip.mp4", frames=2)
    with pytest.raises(streamart.StreamartError, match="would both be written to"):
        streamart.stylize_folder(tmp_path / "*" / "clip.mp4", tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_workers_and_folders_need_stages_they_can_build(clip, tmp_path):
    with pytest.raises(streamart.StreamartError, match="give stages as a function"):
        streamart.stylize_video(clip, tmp_path / "out.mp4", stages=[], cluster=streamart.ClusterConfig(workers=2))
    with pytest.raises(streamart.StreamartError, match="give stages as a function"):
        streamart.stylize_folder(tmp_path, tmp_path / "out", stages=[])  # type: ignore[arg-type]
    assert not (tmp_path / "out.mp4").exists() and not (tmp_path / "out").exists()


def test_plain_only_is_refused_with_workers_rather_than_ignored(clip, tmp_path):
    with pytest.raises(streamart.StreamartError, match="plain_only work in one process"):
        streamart.stylize_video(
            clip, tmp_path / "out.mp4", stages=list, plain_only=True, cluster=streamart.ClusterConfig(workers=2)
        )


def test_a_single_process_run_imports_nothing_of_ray(clip, tiny_model, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "out.mp4"
    code = (
        f"import sys, streamart; streamart.stylize_video({str(clip)!r}, {str(out)!r}, "
        f"style=streamart.StyleConfig(model={str(tiny_model)!r})); "
        "print('ray' in sys.modules, 'streamart.distributed.workers' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"] and out.exists()


#: What reading a picture in each API call looks like, with ``bomb`` where a painting or the
#: input goes; the imports are the idle level (torch's hundreds of MB are not the bomb's).
BOMB_CALLS = {
    "stylize_image": ("import streamart", "streamart.stylize_image(bomb, out, style=streamart.StyleConfig(model=model))"),
    "gatys painting": (
        "import streamart, streamart.art.gatys",
        "streamart.gatys_image(photo, out, [bomb], config=streamart.art.gatys.GatysConfig(iterations=1))",
    ),
    "dream_image": (
        "import streamart, streamart.art.dream as dream", "streamart.dream_image(bomb, out, config=dream.preset('dogs'))"
    ),
    "train painting": (
        "import streamart.api, streamart.offline.training\nfrom streamart.config import TrainingConfig",
        "streamart.api.train_style(TrainingConfig(style=bomb, out=out.with_suffix('.onnx'), data=photos))",
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
        f"result = {body}", setup=f"{setup}\nfrom pathlib import Path\n{files}\nout = Path({str(tmp_path / 'out.png')!r})"
    )
    assert outcome.startswith(f"TooManyPixelsError: the picture {bomb} is 16000x16000 pixels (256 megapixels), more than")
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


@pytest.mark.parametrize("grey", [70, 128, 190])
def test_a_stylized_video_has_no_dark_band_along_its_top_and_bottom(tmp_path, grey):
    # The CPU network's reflection margin was 24 px, half of how far its inner zero padding
    # reaches: a flat frame came out 45-50 levels darker in its top 3 and bottom 8 rows.
    # A flat input has nothing near its edge for the network to draw, so any band is ours.
    import av

    clip = tmp_path / "flat.mp4"
    with av.open(str(clip), "w") as container:
        stream = container.add_stream("libx264", rate=10, options={"crf": "10"})
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        for _ in range(3):
            frame = av.VideoFrame.from_ndarray(np.full((360, 640, 3), grey, np.uint8), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    out = tmp_path / "stylized.mp4"
    streamart.stylize_video(clip, out)  # the shipped default style, at the default settings
    with av.open(str(out)) as container:
        frames = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
    rows = frames.astype(float).mean(axis=(0, 2, 3))
    inside = rows[24:-24].mean()
    assert rows[:8].min() > inside - 8 and rows[-8:].min() > inside - 8, (rows[:8], rows[-8:], inside)


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
            tmp_path / "photo.png", out, [tmp_path / "style.png"], config=GatysConfig(iterations=20, device="cpu"),
            progress=ctrl_c_at_step_3, keep_partial=keep_partial,
        )
    if keep_partial:
        assert cv2.imread(str(out)).shape == (48, 64, 3)
    else:
        assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left

